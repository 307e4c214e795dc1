/* cli: the subcommands' common helpers; init, sshd and hook */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "file.h"
#include "hook.h"
#include "hostkey.h"
#include "log.h"
#include "nginx.h"
#include "repo.h"
#include "strvec.h"
#include "sshd.h"
#include "banned.h"

int cli_error(const struct err *err)
{
	fprintf(stderr, "solum: %s\n", err->msg[0] ? err->msg : "failed");
	return 1;
}

int cli_errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("solum: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_usage(struct err *err)
{
	err_set(err, "wrong arguments");
	err->code = CLI_EUSAGE;
	return -1;
}

int cli_printed(struct err *err)
{
	err_set(err, "failed");
	err->code = CLI_EPRINTED;
	return -1;
}

int cli_exit(int rc, const struct err *err, const char *usage)
{
	if (rc >= 0)
		return 0;
	if (err->code == CLI_EUSAGE) {
		fprintf(stderr, "usage: %s\n", usage);
		return 129;
	}
	if (err->code != CLI_EPRINTED)
		cli_error(err);
	return 1;
}

int cli_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

void cli_print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s) {
		puts(s);
		free(s);
	}
	json_decref(j);
}

void cli_fmt_time(time_t t, char *dst, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int cli_read_stdin(const char *what, size_t max, char **out,
		   struct err *err)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	ssize_t n;

	*out = NULL;
	for (;;) {
		n = read(0, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_release(&b);
			return err_errno(err, "cannot read the %s from standard input",
					 what);
		}
		if (!n)
			break;
		if (b.len + (size_t)n > max) {
			buf_release(&b);
			return err_set(err, "the %s on standard input is longer than %zu bytes",
				       what, max);
		}
		buf_add(&b, chunk, (size_t)n);
	}
	if (memchr(b.ptr ? b.ptr : "", '\0', b.len)) {
		buf_release(&b);
		return err_set(err, "the %s on standard input holds a NUL byte",
			       what);
	}
	*out = buf_detach(&b);
	return 0;
}

/* ---- init ---- */

static const char init_usage[] = "solum [--home DIR] init";

/* The home's layout, owner-only whatever the umask was. */
static int init_layout(const char *home, struct err *err)
{
	static const char *const dirs[] = { "repos", "ssh", "logs", "run" };
	char *path = NULL;
	size_t i;

	if (file_mkdir_p(home, 0700, err) < 0)
		return -1;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		free(path);
		path = xstrfmt("%s/%s", home, dirs[i]);
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			err_errno(err, "cannot create '%s'", path);
			free(path);
			return -1;
		}
	}
	free(path);
	return 0;
}

/* Write solum.yaml with every default unless it exists; 1 if written. */
static int init_config(const char *home, struct err *err)
{
	char *path = xstrfmt("%s/solum.yaml", home);
	struct stat sb;
	FILE *f;
	int ret = 0;

	if (stat(path, &sb) < 0) {
		f = fopen(path, "wx");
		if (!f || fputs(config_default_text(), f) < 0 || fclose(f))
			ret = err_errno(err, "cannot write '%s'", path);
		else
			ret = 1;
	}
	free(path);
	return ret;
}

/* Each repository of an app with whether one of its apps is in gate mode. */
struct hook_refresh {
	struct strvec repos;
	int *gate;		/* one per repo */
};

static int note_repo(const struct store_app *a, void *payload)
{
	struct hook_refresh *h = payload;
	size_t i;

	for (i = 0; i < h->repos.nr; i++)
		if (!strcmp(h->repos.v[i], a->repo))
			break;
	if (i == h->repos.nr) {
		strvec_push(&h->repos, a->repo);
		h->gate = xrealloc(h->gate, h->repos.nr * sizeof(*h->gate));
		h->gate[i] = 0;
	}
	h->gate[i] |= a->gate;
	return 0;
}

/*
 * The hooks of the apps' repositories as this solum writes them (a newer
 * solum's hooks are faster), so an upgrade needs only `solum init`.
 */
static int refresh_hooks(struct ctx *ctx, struct store *st, struct err *err)
{
	struct hook_refresh h = { STRVEC_INIT, NULL };
	size_t i;
	int ret;

	ret = store_app_list(st, NULL, note_repo, &h, err);
	for (i = 0; !ret && i < h.repos.nr; i++)
		ret = repo_create(ctx->home, h.repos.v[i], ctx->self,
				  h.gate[i], err);
	strvec_clear(&h.repos);
	free(h.gate);
	return ret;
}

static int init_run(struct ctx *ctx, int *created_cfg, struct err *err)
{
	struct store *st = NULL;
	char *path = NULL;
	int rc;

	if (init_layout(ctx->home, err) < 0)
		return -1;
	rc = init_config(ctx->home, err);
	if (rc < 0)
		return -1;
	*created_cfg = rc;
	/* a broken configuration is reported now, not at the first push */
	if (config_load_home(&ctx->cfg, ctx->home, err) < 0 ||
	    hostkey_ensure(ctx->home, err) < 0 ||
	    nginx_prepare(&ctx->cfg, err) < 0)
		return -1;
	path = xstrfmt("%s/solum.db", ctx->home);
	rc = store_open(path, &st, err);
	if (!rc)
		rc = refresh_hooks(ctx, st, err);
	store_free(st);
	free(path);
	/* a home made by an older solum, or under a lax umask, is repaired */
	if (rc < 0 || file_restrict_tree(ctx->home, err) < 0)
		return -1;
	return 0;
}

int cmd_init(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int created_cfg = 0;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nCreate the home (idempotent): repos/, ssh/ host keys, logs/,\n"
		       "solum.yaml with every default, and the state database. Only the\n"
		       "owner may read the home: an existing one gets its modes repaired.\n",
		       init_usage);
		return 0;
	}
	if (argc != 1)
		return cli_exit(cli_usage(&err), &err, init_usage);
	if (init_run(ctx, &created_cfg, &err) < 0)
		return cli_exit(-1, &err, init_usage);
	printf("solum home ready in %s%s\n", ctx->home,
	       created_cfg ? " (wrote solum.yaml)" : "");
	return 0;
}

/* ---- sshd ---- */

static const char sshd_usage[] =
	"solum [--home DIR] sshd [--listen ADDR:PORT] [--syslog] [--verbose]";

/*
 * OpenSSH's StrictModes for a front: the home, its solum.yaml and
 * database, and `extra` (paths under the home) are the owner's alone.
 */
static int check_home_private(const char *home, const char *const *extra,
			      size_t nr_extra, struct err *err)
{
	static const char *const common[] = {
		"", "/solum.yaml", "/solum.db", "/solum.db-wal", "/solum.db-shm",
	};
	size_t n = sizeof(common) / sizeof(common[0]), i;
	struct err e = ERR_INIT;
	char *path;
	int rc;

	for (i = 0; i < n + nr_extra; i++) {
		path = xstrfmt("%s%s", home, i < n ? common[i] : extra[i - n]);
		rc = file_check_private(path, &e);
		free(path);
		if (rc < 0)
			return err_set(err, "%s; refusing to start ('solum init' repairs the home)",
				       e.msg);
	}
	return 0;
}

int cli_front_start(int argc, char **argv, const char *home,
		    const char *const *extra, size_t nr_extra,
		    const char **listen_out, struct err *err)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, use_syslog = 0, verbose = 0;

	*listen_out = NULL;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+l:svh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			*listen_out = optarg;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			return 1;
		default:
			return cli_usage(err);
		}
	}
	if (optind != argc)
		return cli_usage(err);
	if (check_home_private(home, extra, nr_extra, err) < 0)
		return -1;
	log_init("solum", !use_syslog, verbose);
	return 0;
}

int cmd_sshd(int argc, char **argv, struct ctx *ctx)
{
	static const char *const keys[] = {
		"/ssh", "/ssh/host_ed25519_key", "/ssh/host_ed25519_key.pub",
		"/ssh/host_rsa_key", "/ssh/host_rsa_key.pub",
	};
	struct err err = ERR_INIT;
	const char *listen;
	int rc;

	rc = cli_front_start(argc, argv, ctx->home, keys,
			     sizeof(keys) / sizeof(keys[0]), &listen, &err);
	if (rc == 1) {
		printf("usage: %s\n\nRun the SSH front in the foreground: public-key logins only,\n"
		       "git push/fetch and admin commands; SIGTERM stops it once running\n"
		       "pushes have finished. The address defaults to sshd.listen in solum.yaml.\n"
		       "Logs go to stderr, or to syslog (daemon facility) with --syslog;\n"
		       "--verbose adds debug lines. It refuses a home that users other\n"
		       "than its owner can read or write ('solum init' repairs it).\n",
		       sshd_usage);
		return 0;
	}
	if (rc < 0)
		return cli_exit(-1, &err, sshd_usage);
	/* the server opens the database per connection, after fork */
	store_free(ctx->store);
	ctx->store = NULL;
	if (sshd_run(&ctx->cfg, ctx->self, listen, &err) < 0)
		return cli_exit(-1, &err, sshd_usage);
	return 0;
}

/* ---- hook ---- */

static const char hook_usage[] = "solum hook post-receive|pre-receive   (run by git)";

int cmd_hook(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int ret;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nRepositories' hooks run this with git's ref updates on\n"
		       "standard input; it deploys the branches mapped to apps.\n",
		       hook_usage);
		return 0;
	}
	if (argc != 2)
		return cli_exit(cli_usage(&err), &err, hook_usage);
	if (!strcmp(argv[1], "post-receive"))
		ret = hook_post_receive(ctx, stdin, stdout, &err);
	else if (!strcmp(argv[1], "pre-receive"))
		ret = hook_pre_receive(ctx, stdin, stdout, &err);
	else
		return cli_exit(cli_usage(&err), &err, hook_usage);
	if (ret < 0)
		return cli_exit(-1, &err, hook_usage);
	return ret;
}
