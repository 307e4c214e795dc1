/* tool-docker: test-tool docker and test-tool jsonstream */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "docker.h"
#include "http.h"
#include "jsonstream.h"
#include "strvec.h"
#include "test-tool.h"

static const char docker_usage[] =
	"usage: test-tool docker SUBCOMMAND HOST ARGS...\n"
	"  HOST is unix:///path, tcp://host:port, a socket path, or '' for $DOCKER_HOST\n"
	"  ping HOST\n"
	"  build HOST TAG [--dockerfile PATH] [--label K=V]... < context.tar\n"
	"  inspect HOST IMAGE\n"
	"  tag HOST SRC DST\n"
	"  push HOST REF (USER PASSWORD | --config [FILE])\n"
	"  rmi HOST IMAGE [--force]\n"
	"  save HOST IMAGE > image.tar\n"
	"  run HOST NAME IMAGE [--env K=V]... [--label K=V]... [--network host]\n"
	"      [--port P[:HOSTPORT]] [--restart POLICY] [-- CMD...]\n"
	"  stop HOST NAME [TIMEOUT]\n"
	"  rm HOST NAME [--force]\n"
	"  state HOST NAME\n"
	"  ps HOST [LABEL]\n"
	"  logs HOST NAME [TAIL]\n"
	"  auth-config SERVER [FILE]\n"
	"  http BASE METHOD PATH [--max N] [--idle S] [--timeout S] [--data S]\n"
	"      [--stdin] [--stream] [--retries N]: one raw request (http module)\n";

static int fail(const struct err *err)
{
	fprintf(stderr, "test-tool: %s\n", err->msg);
	return 1;
}

static int usage(void)
{
	fputs(docker_usage, stderr);
	return 129;
}

static void print_line(const char *line, void *payload)
{
	printf("%s\n", line);
	fflush(stdout);
}

static ssize_t read_stdin(void *buf, size_t len, void *payload,
			  struct err *err)
{
	ssize_t n;

	do {
		n = read(0, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return err_errno(err, "reading the build context");
	return n;
}

static int write_stdout(const char *data, size_t len, void *payload,
			struct err *err)
{
	if (fwrite(data, 1, len, stdout) != len)
		return err_errno(err, "writing to stdout");
	return 0;
}

static int open_host(const char *arg, struct docker **d, struct err *err)
{
	char *host = NULL;
	int ret;

	if (arg[0] == '/')
		host = xstrfmt("unix://%s", arg);
	ret = docker_open(host ? host : arg, NULL, d, err);
	free(host);
	return ret;
}

static int cmd_build(struct docker *d, int argc, char **argv, struct err *err)
{
	struct docker_build_opts opts = { 0 };
	struct docker_out out = { print_line, NULL, NULL };
	struct strvec labels = STRVEC_INIT;
	char *id = NULL;
	int i, ret;

	if (argc < 1)
		return usage();
	opts.tag = *argv[0] ? argv[0] : NULL;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dockerfile") && i + 1 < argc)
			opts.dockerfile = argv[++i];
		else if (!strcmp(argv[i], "--label") && i + 1 < argc)
			strvec_push(&labels, argv[++i]);
		else if (!strcmp(argv[i], "--no-cache"))
			opts.nocache = 1;
		else
			return usage();
	}
	if (labels.nr)
		opts.labels = (const char *const *)labels.v;
	opts.read = read_stdin;
	ret = docker_build(d, &opts, &out, &id, err);
	if (!ret)
		printf("image %s\n", id);
	free(id);
	strvec_clear(&labels);
	return ret;
}

static int cmd_push(struct docker *d, int argc, char **argv, struct err *err)
{
	struct docker_out out = { print_line, NULL, NULL };
	struct docker_auth auth = { 0 }, owned = { 0 };
	char *digest = NULL, *name = NULL, *tag = NULL;
	int ret = -1;

	if (argc == 3 && strcmp(argv[1], "--config")) {
		auth.username = argv[1];
		auth.password = argv[2];
	} else if ((argc == 2 || argc == 3) && !strcmp(argv[1], "--config")) {
		/* the registry is the part of the reference before the first '/' */
		docker_split_ref(argv[0], &name, &tag);
		*strchrnul(name, '/') = '\0';
		if (docker_registry_auth_from_config(argc == 3 ? argv[2] : NULL,
						     name, &owned, err) < 0)
			goto out;
		auth = owned;
	} else if (argc != 1) {
		return usage();
	}
	if (!auth.serveraddress && auth.username) {
		docker_split_ref(argv[0], &name, &tag);
		*strchrnul(name, '/') = '\0';
		auth.serveraddress = name;
	}
	ret = docker_push(d, argv[0], auth.username ? &auth : NULL, &out,
			  &digest, err);
	if (!ret)
		printf("digest %s\n", digest);
out:
	free(digest);
	free(name);
	free(tag);
	docker_auth_release(&owned);
	return ret;
}

static int cmd_run(struct docker *d, int argc, char **argv, struct err *err)
{
	struct docker_container_opts opts = { 0 };
	struct strvec env = STRVEC_INIT, labels = STRVEC_INIT, cmd = STRVEC_INIT;
	char *id = NULL, *colon;
	int i, ret = -1;

	if (argc < 2)
		return usage();
	opts.name = argv[0];
	opts.image = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--env") && i + 1 < argc) {
			strvec_push(&env, argv[++i]);
		} else if (!strcmp(argv[i], "--label") && i + 1 < argc) {
			strvec_push(&labels, argv[++i]);
		} else if (!strcmp(argv[i], "--network") && i + 1 < argc) {
			opts.network = argv[++i];
		} else if (!strcmp(argv[i], "--restart") && i + 1 < argc) {
			opts.restart = argv[++i];
		} else if (!strcmp(argv[i], "--port") && i + 1 < argc) {
			i++;
			opts.port = (int)strtol(argv[i], &colon, 10);
			if (*colon == ':')
				opts.host_port = (int)strtol(colon + 1, NULL, 10);
		} else if (!strcmp(argv[i], "--")) {
			for (i++; i < argc; i++)
				strvec_push(&cmd, argv[i]);
		} else {
			ret = usage();
			goto out;
		}
	}
	if (env.nr)
		opts.env = (const char *const *)env.v;
	if (labels.nr)
		opts.labels = (const char *const *)labels.v;
	if (cmd.nr)
		opts.cmd = (const char *const *)cmd.v;
	if (docker_container_create(d, &opts, &id, err) < 0 ||
	    docker_container_start(d, id, err) < 0)
		goto out;
	printf("%s\n", id);
	ret = 0;
out:
	free(id);
	strvec_clear(&env);
	strvec_clear(&labels);
	strvec_clear(&cmd);
	return ret;
}

static int cmd_state(struct docker *d, const char *name, struct err *err)
{
	struct docker_container c;
	size_t i;
	int ret;

	docker_container_init(&c);
	ret = docker_container_inspect(d, name, &c, err);
	if (!ret) {
		printf("name %s\nstate %s\nrunning %d\nexit %d\nimage %s\n",
		       c.name, c.state ? c.state : "?", c.running, c.exit_code,
		       c.image ? c.image : "?");
		for (i = 0; i < c.labels.nr; i++)
			printf("label %s\n", c.labels.v[i]);
	}
	docker_container_release(&c);
	return ret;
}

static int cmd_ps(struct docker *d, const char *label, struct err *err)
{
	struct docker_container *list = NULL;
	size_t nr = 0, i;

	if (docker_container_list(d, label, 1, &list, &nr, err) < 0)
		return -1;
	for (i = 0; i < nr; i++)
		printf("%s %s\n", list[i].name ? list[i].name : "?",
		       list[i].state ? list[i].state : "?");
	docker_container_list_free(list, nr);
	return 0;
}

static int cmd_inspect(struct docker *d, const char *name, struct err *err)
{
	struct docker_image img;
	size_t i;
	int ret;

	docker_image_init(&img);
	ret = docker_image_inspect(d, name, &img, err);
	if (!ret) {
		printf("id %s\n", img.id);
		for (i = 0; i < img.repo_tags.nr; i++)
			printf("tag %s\n", img.repo_tags.v[i]);
		for (i = 0; i < img.repo_digests.nr; i++)
			printf("digest %s\n", img.repo_digests.v[i]);
	}
	docker_image_release(&img);
	return ret;
}

static int cmd_auth_config(int argc, char **argv)
{
	struct docker_auth auth = { 0 };
	struct err err = ERR_INIT;

	if (argc < 2 || argc > 3)
		return usage();
	if (docker_registry_auth_from_config(argc == 3 ? argv[2] : NULL,
					     argv[1], &auth, &err) < 0)
		return fail(&err);
	/* the password is shown only as its length */
	printf("server %s\nusername %s\npassword-length %zu\n",
	       auth.serveraddress, auth.username, strlen(auth.password));
	docker_auth_release(&auth);
	return 0;
}

static ssize_t read_string(void *buf, size_t len, void *payload,
			   struct err *err)
{
	const char **p = payload;
	size_t n = strlen(*p);

	if (n > len)
		n = len;
	memcpy(buf, *p, n);
	*p += n;
	return (ssize_t)n;
}

/* test-tool docker http: drive the http module alone */
static int cmd_http(int argc, char **argv)
{
	static const char *const want[] = { "Content-Type", "Api-Version", NULL };
	struct http_request req = { 0 };
	struct http_response res;
	struct http *h = NULL;
	struct err err = ERR_INIT;
	const char *data = NULL, *ct;
	long idle = 0, retries = -1;
	int i, stream_body = 0, ret = -1;

	if (argc < 4)
		return usage();
	http_response_init(&res);
	req.method = argv[2];
	req.path = argv[3];
	req.want_headers = want;
	for (i = 4; i < argc; i++) {
		if (!strcmp(argv[i], "--max") && i + 1 < argc)
			req.max_body = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--idle") && i + 1 < argc)
			idle = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			req.timeout_secs = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--retries") && i + 1 < argc)
			retries = strtol(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--data") && i + 1 < argc)
			data = argv[++i];
		else if (!strcmp(argv[i], "--stdin"))
			req.body_read = read_stdin;
		else if (!strcmp(argv[i], "--stream"))
			stream_body = 1;
		else
			return usage();
	}
	if (data) {
		/* streamed from a callback, so sent chunked */
		req.body_read = read_string;
		req.body_payload = &data;
	}
	if (stream_body)
		req.on_data = write_stdout;
	if (http_new(argv[1], &h, &err) < 0)
		goto out;
	if (idle)
		http_set_timeouts(h, 10, idle);
	if (retries >= 0)
		http_set_retries(h, (int)retries, 100);
	if (http_request(h, &req, &res, &err) < 0)
		goto out;
	fflush(stdout);
	fprintf(stderr, "status %ld\n", res.status);
	if ((ct = http_response_header(&res, "content-type")))
		fprintf(stderr, "content-type %s\n", ct);
	fwrite(res.body.ptr, 1, res.body.len, stdout);
	ret = 0;
out:
	http_response_release(&res);
	http_free(h);
	return ret < 0 ? fail(&err) : 0;
}

int tool_docker(int argc, char **argv)
{
	struct err err = ERR_INIT;
	struct docker *d = NULL;
	struct buf logs = BUF_INIT;
	const char *sub;
	int ret = -1;

	if (argc < 2)
		return usage();
	sub = argv[1];
	if (!strcmp(sub, "auth-config"))
		return cmd_auth_config(argc - 1, argv + 1);
	if (!strcmp(sub, "http"))
		return cmd_http(argc - 1, argv + 1);
	if (argc < 3)
		return usage();
	if (open_host(argv[2], &d, &err) < 0)
		return fail(&err);
	argc -= 3;
	argv += 3;

	if (!strcmp(sub, "ping") && argc == 0) {
		ret = docker_ping(d, &err);
	} else if (!strcmp(sub, "build")) {
		ret = cmd_build(d, argc, argv, &err);
	} else if (!strcmp(sub, "inspect") && argc == 1) {
		ret = cmd_inspect(d, argv[0], &err);
	} else if (!strcmp(sub, "tag") && argc == 2) {
		ret = docker_image_tag(d, argv[0], argv[1], &err);
	} else if (!strcmp(sub, "push") && argc >= 1) {
		ret = cmd_push(d, argc, argv, &err);
	} else if (!strcmp(sub, "rmi") && (argc == 1 || argc == 2)) {
		ret = docker_image_remove(d, argv[0],
					  argc == 2 && !strcmp(argv[1], "--force"),
					  &err);
	} else if (!strcmp(sub, "save") && argc == 1) {
		ret = docker_image_save(d, argv[0], write_stdout, NULL, NULL, &err);
	} else if (!strcmp(sub, "run")) {
		ret = cmd_run(d, argc, argv, &err);
	} else if (!strcmp(sub, "stop") && (argc == 1 || argc == 2)) {
		ret = docker_container_stop(d, argv[0],
					    argc == 2 ? (int)strtol(argv[1], NULL, 10) : 10, &err);
	} else if (!strcmp(sub, "rm") && (argc == 1 || argc == 2)) {
		ret = docker_container_remove(d, argv[0],
					      argc == 2 && !strcmp(argv[1], "--force"),
					      &err);
	} else if (!strcmp(sub, "state") && argc == 1) {
		ret = cmd_state(d, argv[0], &err);
	} else if (!strcmp(sub, "ps") && argc <= 1) {
		ret = cmd_ps(d, argc ? argv[0] : NULL, &err);
	} else if (!strcmp(sub, "logs") && (argc == 1 || argc == 2)) {
		ret = docker_container_logs(d, argv[0],
					    argc == 2 ? (int)strtol(argv[1], NULL, 10) : 0,
					    &logs, &err);
		if (!ret)
			fwrite(logs.ptr, 1, logs.len, stdout);
	} else {
		docker_free(d);
		return usage();
	}
	docker_free(d);
	buf_release(&logs);
	if (ret > 0)
		return ret;
	return ret < 0 ? fail(&err) : 0;
}

/* ---- jsonstream ---- */

static int print_message(json_t *msg, void *payload, struct err *err)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);

	if (!text)
		return err_set(err, "cannot print a message");
	printf("%s\n", text);
	free(text);
	return 0;
}

int tool_jsonstream(int argc, char **argv)
{
	struct jsonstream js;
	struct err err = ERR_INIT;
	size_t max = 0, chunk = 4096;
	char buf[65536];
	ssize_t n;
	int i, ret = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--max") && i + 1 < argc)
			max = strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--chunk") && i + 1 < argc)
			chunk = strtoul(argv[++i], NULL, 10);
		else {
			fprintf(stderr, "usage: test-tool jsonstream [--max N] [--chunk N]\n");
			return 129;
		}
	}
	if (!chunk || chunk > sizeof(buf))
		chunk = sizeof(buf);
	jsonstream_init(&js, max, print_message, NULL);
	for (;;) {
		n = read(0, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(&err, "read");
			ret = -1;
			break;
		}
		if (!n) {
			ret = jsonstream_finish(&js, &err);
			break;
		}
		if ((ret = jsonstream_feed(&js, buf, (size_t)n, &err)) < 0)
			break;
	}
	jsonstream_release(&js);
	fflush(stdout);
	return ret < 0 ? fail(&err) : 0;
}
