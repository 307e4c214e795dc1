/* tool-glance: test-tool glance, the glance module against a real Glance */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clouds.h"
#include "docker.h"
#include "glance.h"
#include "keystone.h"
#include "out.h"
#include "strvec.h"
#include "test-tool.h"

extern char **environ;

static const char glance_usage[] =
	"usage: test-tool glance CLOUD [--glance-url URL] [--interval MS]\n"
	"           [--cancel-after SECS] CMD ...\n"
	"  upload ENGINE REF NAME --app A --release N --digest D\n"
	"         [--commit C] [--tree T]\n"
	"  find APP DIGEST\n"
	"  list APP\n"
	"  get ID\n"
	"  delete ID\n"
	"  CLOUD '' is OS_CLOUD; ENGINE is unix:///path, a socket path or ''\n"
	"  for $DOCKER_HOST. Progress goes to stderr; SIGINT, SIGTERM or\n"
	"  the end of --cancel-after (SIGALRM) cancels an upload.\n";

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	cancelled = 1;
}

static int fail(const struct err *err)
{
	fprintf(stderr, "test-tool: %s\n", err->msg);
	return 1;
}

struct upload_args {
	const char *engine, *ref, *name;
	struct glance_props props;
};

static int parse_upload(int argc, char **argv, struct upload_args *a)
{
	int i;
	char *end;
	long n;

	memset(a, 0, sizeof(*a));
	if (argc < 4)
		return -1;
	a->engine = argv[1];
	a->ref = argv[2];
	a->name = argv[3];
	for (i = 4; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--app")) {
			a->props.app = argv[i + 1];
		} else if (!strcmp(argv[i], "--release")) {
			n = strtol(argv[i + 1], &end, 10);
			if (*end || n <= 0 || n > 1000000000)
				return -1;
			a->props.release = (int)n;
		} else if (!strcmp(argv[i], "--digest")) {
			a->props.digest = argv[i + 1];
		} else if (!strcmp(argv[i], "--commit")) {
			a->props.commit = argv[i + 1];
		} else if (!strcmp(argv[i], "--tree")) {
			a->props.tree = argv[i + 1];
		} else {
			return -1;
		}
	}
	return i == argc && a->props.app && a->props.digest &&
	       a->props.release ? 0 : -1;
}

static int cmd_upload(struct keystone *ks, int argc, char **argv,
		      int interval_ms, unsigned cancel_secs, struct err *err)
{
	struct upload_args a;
	struct docker *d = NULL;
	struct out out = { 0 };
	struct glance_stats stats;
	struct sigaction sa;
	char *host = NULL, *id = NULL;
	int ret = -1;

	if (parse_upload(argc, argv, &a) < 0) {
		fputs(glance_usage, stderr);
		return 129;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (cancel_secs)
		alarm(cancel_secs);
	out.client = stderr;
	out.interval_ms = interval_ms;
	out.cancelled = &cancelled;
	out_step(&out, "uploading");
	out.last_ms = out_now_ms();
	if (a.engine[0] == '/')
		host = xstrfmt("unix://%s", a.engine);
	if (docker_open(host ? host : a.engine, NULL, &d, err) < 0 ||
	    glance_upload(ks, d, a.ref, a.name, &a.props, &out, &id, &stats,
			  err) < 0)
		goto out;
	printf("id: %s\nbytes: %lld\nsha512: %s\n", id, stats.bytes,
	       stats.sha512);
	ret = 0;
out:
	docker_free(d);
	free(host);
	free(id);
	return ret;
}

static int print_image(const struct glance_image *img, void *payload)
{
	printf("%s %s %s %lld %d %s\n", img->id, img->name ? img->name : "-",
	       img->status, img->size, img->release,
	       img->digest ? img->digest : "-");
	return 0;
}

static int cmd_get(struct keystone *ks, const char *id, struct err *err)
{
	struct glance_image img;

	glance_image_init(&img);
	if (glance_get(ks, id, &img, err) < 0)
		return -1;
	print_image(&img, NULL);
	printf("os_hash_value: %s\ncreated: %lld\n",
	       img.os_hash_value ? img.os_hash_value : "-",
	       (long long)img.created);
	glance_image_release(&img);
	return 0;
}

static int run(struct keystone *ks, int argc, char **argv, int interval_ms,
	       unsigned cancel_secs, struct err *err)
{
	char *id = NULL;
	int found;

	if (!strcmp(argv[0], "upload"))
		return cmd_upload(ks, argc, argv, interval_ms, cancel_secs, err);
	if (!strcmp(argv[0], "find") && argc == 3) {
		found = glance_find_digest(ks, argv[1], argv[2], &id, err);
		if (found < 0)
			return -1;
		printf("%s\n", found ? id : "none");
		free(id);
		return found ? 0 : 1;
	}
	if (!strcmp(argv[0], "list") && argc == 2)
		return glance_list_app(ks, argv[1], print_image, NULL, err);
	if (!strcmp(argv[0], "get") && argc == 2)
		return cmd_get(ks, argv[1], err);
	if (!strcmp(argv[0], "delete") && argc == 2)
		return glance_delete(ks, argv[1], err);
	fputs(glance_usage, stderr);
	return 129;
}

int tool_glance(int argc, char **argv)
{
	struct clouds_cloud cloud;
	struct strvec dirs = STRVEC_INIT;
	struct keystone *ks = NULL;
	struct err err = ERR_INIT;
	int i = 2, ret = 1, interval_ms = 1000;
	unsigned cancel_secs = 0;

	if (argc < 3) {
		fputs(glance_usage, stderr);
		return 129;
	}
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--glance-url"))
			glance_set_endpoint(argv[i + 1]);
		else if (!strcmp(argv[i], "--interval"))
			interval_ms = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--cancel-after"))
			cancel_secs = (unsigned)strtoul(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i >= argc || argv[i][0] == '-') {
		fputs(glance_usage, stderr);
		return 129;
	}
	clouds_init(&cloud);
	clouds_default_dirs((const char *const *)environ, &dirs);
	if (clouds_load(&cloud, argv[1], (const char *const *)environ,
			(const char *const *)dirs.v, &err) < 0 ||
	    keystone_auth(&cloud, &ks, &err) < 0) {
		ret = fail(&err);
		goto out;
	}
	ret = run(ks, argc - i, argv + i, interval_ms, cancel_secs, &err);
	if (ret < 0)
		ret = fail(&err);
out:
	fflush(stdout);
	glance_set_endpoint(NULL);
	keystone_free(ks);
	clouds_release(&cloud);
	strvec_clear(&dirs);
	return ret;
}
