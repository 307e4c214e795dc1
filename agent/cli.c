/* cli: the subcommands (admin commands, init, hook entry points) */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "authkeys.h"
#include "buf.h"
#include "cli.h"
#include "deploy.h"
#include "file.h"
#include "hook.h"
#include "log.h"
#include "nginx.h"
#include "name.h"
#include "repo.h"
#include "sshd.h"

#define MAX_PARAMS 64
#define MAX_KEYS_PER_FILE 100

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

static int usage_error(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	return 129;
}

static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

/*
 * Over SSH, a command first checks the caller's role: `repo` NULL means
 * a global role (a grant on "*").
 */
static int require_role(struct ctx *ctx, const char *repo, int role)
{
	struct err err = ERR_INIT;
	int have;

	if (!ctx->remote_user)
		return 0;
	if (store_role(ctx->store, ctx->remote_user, repo ? repo : "*", &have,
		       &err) < 0)
		return cli_error(&err);
	if (have >= role)
		return 0;
	if (repo)
		return cli_errorf("user '%s' needs the %s role on '%s' for this",
				  ctx->remote_user, store_role_name(role), repo);
	return cli_errorf("user '%s' needs the global %s role for this (grant %s '*' --role %s)",
			  ctx->remote_user, store_role_name(role),
			  ctx->remote_user, store_role_name(role));
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s) {
		puts(s);
		free(s);
	}
	json_decref(j);
}

static void fmt_time(time_t t, char *dst, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- init ---- */

static const char init_usage[] = "solum [--home DIR] init";

int cmd_init(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store *st = NULL;
	char *path = NULL;
	const char *dirs[] = { "repos", "ssh", "logs", "run" };
	struct stat sb;
	FILE *f;
	size_t i;
	int ret = 1, created_cfg = 0;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nCreate the home (idempotent): repos/, ssh/ host keys, logs/,\n"
		       "solum.yaml with every default, and the state database.\n",
		       init_usage);
		return 0;
	}
	if (argc != 1)
		return usage_error(init_usage);
	if (file_mkdir_p(ctx->home, 0755, &err) < 0)
		return cli_error(&err);
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		free(path);
		path = xstrfmt("%s/%s", ctx->home, dirs[i]);
		if (mkdir(path, strcmp(dirs[i], "ssh") ? 0755 : 0700) < 0 &&
		    errno != EEXIST) {
			err_errno(&err, "cannot create '%s'", path);
			goto out;
		}
	}
	free(path);
	path = xstrfmt("%s/solum.yaml", ctx->home);
	if (stat(path, &sb) < 0) {
		f = fopen(path, "wx");
		if (!f || fputs(config_default_text(), f) < 0 || fclose(f)) {
			err_errno(&err, "cannot write '%s'", path);
			goto out;
		}
		created_cfg = 1;
	}
	/* a broken configuration is reported now, not at the first push */
	if (config_load_home(&ctx->cfg, ctx->home, &err) < 0)
		goto out;
	if (sshd_hostkeys_ensure(ctx->home, &err) < 0 ||
	    nginx_prepare(&ctx->cfg, &err) < 0)
		goto out;
	free(path);
	path = xstrfmt("%s/solum.db", ctx->home);
	if (store_open(path, &st, &err) < 0)
		goto out;
	printf("solum home ready in %s%s\n", ctx->home,
	       created_cfg ? " (wrote solum.yaml)" : "");
	ret = 0;
out:
	if (ret)
		cli_error(&err);
	store_free(st);
	free(path);
	return ret;
}

/* ---- sshd ---- */

static const char sshd_usage[] =
	"solum [--home DIR] sshd [--listen ADDR:PORT] [--syslog] [--verbose]";

int cmd_sshd(int argc, char **argv, struct ctx *ctx)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct err err = ERR_INIT;
	const char *listen = NULL;
	int c, use_syslog = 0, verbose = 0;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+l:svh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen = optarg;
			break;
		case 's':
			use_syslog = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			printf("usage: %s\n\nRun the SSH front in the foreground: public-key logins only,\n"
			       "git push/fetch and admin commands; SIGTERM stops it once running\n"
			       "pushes have finished. The address defaults to sshd.listen in solum.yaml.\n"
			       "Logs go to stderr, or to syslog (daemon facility) with --syslog;\n"
			       "--verbose adds debug lines.\n",
			       sshd_usage);
			return 0;
		default:
			return usage_error(sshd_usage);
		}
	}
	if (optind != argc)
		return usage_error(sshd_usage);
	log_init("solum", !use_syslog, verbose);
	/* the server opens the database per connection, after fork */
	store_free(ctx->store);
	ctx->store = NULL;
	if (sshd_run(&ctx->cfg, ctx->self, listen, &err) < 0)
		return cli_error(&err);
	return 0;
}

/* ---- app ---- */

static const char app_usage[] =
	"solum app create APP [--repo REPO] [--branch BRANCH] [--template FILE]\n"
	"                 [--param K=V]... [--upstream URL] [--dockerfile PATH]\n"
	"                 [--health PATH] [--port N] [--gate]\n"
	"   or: solum app list [--json]\n"
	"   or: solum app show APP [--json]\n"
	"   or: solum app set APP [options of create] [--unset-param K] [--no-gate]\n"
	"   or: solum app delete APP";

static int valid_param_key(const char *k, size_t n)
{
	size_t i;

	if (!n || n > 64 || !((k[0] >= 'A' && k[0] <= 'Z') ||
			      (k[0] >= 'a' && k[0] <= 'z') || k[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

static int valid_text(const char *what, const char *v, size_t max,
		      struct err *err)
{
	const char *p;

	if (strlen(v) > max)
		return err_set(err, "%s is longer than %zu bytes", what, max);
	for (p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			return err_set(err, "%s contains a control character",
				       what);
	return 0;
}

static int valid_path_in_tree(const char *what, const char *v,
			      struct err *err)
{
	if (valid_text(what, v, 255, err) < 0)
		return -1;
	if (!*v || v[0] == '/' || strstr(v, "..") || v[strlen(v) - 1] == '/')
		return err_set(err, "invalid %s '%s': a relative path inside the repository",
			       what, v);
	return 0;
}

/* Apply --param K=V to a JSON object; V may be empty. */
static int set_param(json_t *params, const char *kv, struct err *err)
{
	const char *eq = strchr(kv, '=');

	if (!eq || !valid_param_key(kv, (size_t)(eq - kv)))
		return err_set(err, "invalid --param '%.80s': expected KEY=VALUE with KEY in [A-Za-z_][A-Za-z0-9_]*",
			       kv);
	if (valid_text("parameter value", eq + 1, 4096, err) < 0)
		return -1;
	if (json_object_size(params) >= MAX_PARAMS &&
	    !json_object_getn(params, kv, (size_t)(eq - kv)))
		return err_set(err, "too many parameters (at most %d)",
			       MAX_PARAMS);
	json_object_setn_new(params, kv, (size_t)(eq - kv),
			     json_string(eq + 1));
	return 0;
}

/* Where the app answers once deployed (owned), or NULL. */
static char *app_url(const struct ctx *ctx, const struct store_app *a)
{
	if (!a->public_port)
		return NULL;
	return xstrfmt("http://%s:%d/", ctx->cfg.public_host, a->public_port);
}

static json_t *app_json(const struct ctx *ctx, const struct store_app *a)
{
	json_t *params = json_loads(a->params ? a->params : "{}", 0, NULL);
	char created[32], *url = app_url(ctx, a);
	json_t *j;

	fmt_time(a->created, created, sizeof(created));
	j = json_pack("{s:s, s:s, s:s, s:s?, s:o, s:s?, s:s, s:s, s:i, s:b, s:s, s:s?}",
			 "name", a->name, "repo", a->repo, "branch", a->branch,
			 "template", a->template,
			 "params", params ? params : json_object(),
			 "upstream", a->upstream, "dockerfile", a->dockerfile,
			 "health_path", a->health_path, "port", a->port,
			 "gate", a->gate, "created", created, "url", url);
	free(url);
	return j;
}

/*
 * Parse the options shared by `app create` and `app set` into *a, which
 * holds the current values. Returns 0, 1 for --help, or -1.
 */
static int app_options(int argc, char **argv, struct store_app *a,
		       int allow_unset, struct err *err)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "branch", required_argument, NULL, 'b' },
		{ "template", required_argument, NULL, 't' },
		{ "param", required_argument, NULL, 'p' },
		{ "unset-param", required_argument, NULL, 'u' },
		{ "upstream", required_argument, NULL, 'U' },
		{ "dockerfile", required_argument, NULL, 'd' },
		{ "health", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "gate", no_argument, NULL, 'g' },
		{ "no-gate", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	json_t *params = json_loads(a->params ? a->params : "{}", 0, NULL);
	char *end;
	long port;
	int c, ret = -1;

	if (!params)
		params = json_object();
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (name_check("repository", optarg, err) < 0)
				goto out;
			free(a->repo);
			a->repo = xstrdup(optarg);
			break;
		case 'b':
			if (starts_with(optarg, "refs/heads/", NULL))
				optarg += strlen("refs/heads/");
			if (!name_branch_valid(optarg)) {
				err_set(err, "invalid branch name '%.80s'", optarg);
				goto out;
			}
			free(a->branch);
			a->branch = xstrdup(optarg);
			break;
		case 't': {
			char *abs;

			if (valid_text("template path", optarg, 1024, err) < 0)
				goto out;
			abs = realpath(optarg, NULL);
			if (!abs) {
				err_errno(err, "template '%s'", optarg);
				goto out;
			}
			free(a->template);
			a->template = abs;
			break;
		}
		case 'p':
			if (set_param(params, optarg, err) < 0)
				goto out;
			break;
		case 'u':
			if (!allow_unset)
				goto bad;
			json_object_del(params, optarg);
			break;
		case 'U':
			if (valid_text("upstream URL", optarg, 1024, err) < 0)
				goto out;
			free(a->upstream);
			a->upstream = *optarg ? xstrdup(optarg) : NULL;
			break;
		case 'd':
			if (valid_path_in_tree("Dockerfile path", optarg, err) < 0)
				goto out;
			free(a->dockerfile);
			a->dockerfile = xstrdup(optarg);
			break;
		case 'H':
			if (valid_text("health path", optarg, 255, err) < 0)
				goto out;
			if (optarg[0] != '/' || strchr(optarg, ' ')) {
				err_set(err, "invalid health path '%s': must start with '/'",
					optarg);
				goto out;
			}
			free(a->health_path);
			a->health_path = xstrdup(optarg);
			break;
		case 'P':
			errno = 0;
			port = strtol(optarg, &end, 10);
			if (errno || *end || port < 1 || port > 65535) {
				err_set(err, "invalid --port '%.20s': expected 1-65535",
					optarg);
				goto out;
			}
			a->port = (int)port;
			break;
		case 'g':
			a->gate = 1;
			break;
		case 'G':
			if (!allow_unset)
				goto bad;
			a->gate = 0;
			break;
		case 'h':
			ret = 1;
			goto out;
		default:
		bad:
			err_set(err, "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc) {
		err_set(err, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	free(a->params);
	a->params = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
	ret = 0;
out:
	json_decref(params);
	return ret;
}

struct gate_scan {
	const char *skip;	/* the app being changed: its new value counts */
	int gate;
};

static int scan_gate(const struct store_app *a, void *payload)
{
	struct gate_scan *g = payload;

	if (strcmp(a->name, g->skip) && a->gate)
		g->gate = 1;
	return 0;
}

/*
 * Create or refresh the repository of `a`; it gets the pre-receive hook
 * when any of its apps deploys in gate mode.
 */
static int app_repo(struct ctx *ctx, const struct store_app *a,
		    struct err *err)
{
	struct gate_scan g = { a->name, a->gate };

	if (store_app_list(ctx->store, a->repo, scan_gate, &g, err) < 0)
		return -1;
	return repo_create(ctx->home, a->repo, ctx->self, g.gate, err);
}

static int app_create(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app a;
	int rc, ret = 1;

	store_app_init(&a);
	if (argc >= 2 && wants_help(argc, argv)) {
		printf("usage: %s\n", app_usage);
		return 0;
	}
	if (argc < 2)
		return usage_error(app_usage);
	if (name_check("app", argv[1], &err) < 0)
		return cli_error(&err);
	a.name = xstrdup(argv[1]);
	rc = app_options(argc - 1, argv + 1, &a, 0, &err);
	if (rc == 1) {
		printf("usage: %s\n", app_usage);
		ret = 0;
		goto out;
	}
	if (rc < 0)
		goto fail;
	if (!a.repo)
		a.repo = xstrdup(a.name);
	if (!a.branch)
		a.branch = xstrdup("master");
	if (require_role(ctx, NULL, ROLE_ADMIN))
		goto out;
	if (app_repo(ctx, &a, &err) < 0 ||
	    store_app_create(ctx->store, &a, &err) < 0)
		goto fail;
	printf("created app '%s': branch '%s' of repository '%s' deploys it\n",
	       a.name, a.branch, a.repo);
	printf("  git remote add solum ssh://%s@%s/%s.git\n",
	       ctx->cfg.sshd_user, ctx->cfg.sshd_listen, a.repo);
	ret = 0;
	goto out;
fail:
	cli_error(&err);
out:
	store_app_release(&a);
	return ret;
}

static int app_set(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app a;
	int rc, ret = 1;

	if (argc >= 2 && wants_help(argc, argv)) {
		printf("usage: %s\n", app_usage);
		return 0;
	}
	if (argc < 2)
		return usage_error(app_usage);
	if (name_check("app", argv[1], &err) < 0)
		return cli_error(&err);
	rc = store_app_get(ctx->store, argv[1], &a, &err);
	if (rc < 0)
		return cli_error(&err);
	if (rc == 1)
		return cli_errorf("app '%s' not found", argv[1]);
	if (require_role(ctx, a.repo, ROLE_ADMIN))
		goto out;
	rc = app_options(argc - 1, argv + 1, &a, 1, &err);
	if (rc == 1) {
		printf("usage: %s\n", app_usage);
		ret = 0;
		goto out;
	}
	if (rc < 0)
		goto fail;
	/* moving an app to another repo needs admin there too */
	if (require_role(ctx, a.repo, ROLE_ADMIN))
		goto out;
	if (app_repo(ctx, &a, &err) < 0 ||
	    store_app_update(ctx->store, &a, &err) < 0)
		goto fail;
	printf("updated app '%s'\n", a.name);
	/* what runs keeps its settings until the next deploy */
	if (a.public_port)
		printf("  the running release keeps its settings; 'solum deploy %s' applies them now (no rebuild)\n",
		       a.name);
	ret = 0;
	goto out;
fail:
	cli_error(&err);
out:
	store_app_release(&a);
	return ret;
}

struct list_state {
	struct ctx *ctx;
	json_t *arr;
	int count;
};

static int list_one(const struct store_app *a, void *payload)
{
	struct list_state *ls = payload;
	struct err err = ERR_INIT;
	int role = ROLE_ADMIN;

	if (ls->ctx->remote_user &&
	    store_role(ls->ctx->store, ls->ctx->remote_user, a->repo, &role,
		       &err) < 0)
		role = ROLE_NONE;
	if (role < ROLE_READ)
		return 0;
	ls->count++;
	if (ls->arr)
		json_array_append_new(ls->arr, app_json(ls->ctx, a));
	else
		printf("%-24s %-24s %s\n", a->name, a->repo, a->branch);
	return 0;
}

static int app_list(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct list_state ls = { ctx, NULL, 0 };

	if (argc == 2 && !strcmp(argv[1], "--json"))
		ls.arr = json_array();
	else if (argc != 1)
		return usage_error("solum app list [--json]");
	if (!ls.arr)
		printf("%-24s %-24s %s\n", "APP", "REPO", "BRANCH");
	if (store_app_list(ctx->store, NULL, list_one, &ls, &err) < 0) {
		json_decref(ls.arr);
		return cli_error(&err);
	}
	if (ls.arr)
		print_json(ls.arr);
	return 0;
}

static int app_show(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app a;
	int json = 0, rc;
	const char *name = NULL;
	char created[32];
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return usage_error("solum app show APP [--json]");
	}
	if (!name)
		return usage_error("solum app show APP [--json]");
	if (name_check("app", name, &err) < 0)
		return cli_error(&err);
	rc = store_app_get(ctx->store, name, &a, &err);
	if (rc < 0)
		return cli_error(&err);
	if (rc == 1 || (ctx->remote_user &&
			require_role(ctx, a.repo, ROLE_READ))) {
		store_app_release(&a);
		return rc == 1 ? cli_errorf("app '%s' not found", name) : 1;
	}
	if (json) {
		print_json(app_json(ctx, &a));
	} else {
		fmt_time(a.created, created, sizeof(created));
		printf("app:         %s\n", a.name);
		printf("repo:        %s\n", a.repo);
		printf("branch:      %s\n", a.branch);
		printf("template:    %s\n", a.template ? a.template : "(local engine)");
		printf("params:      %s\n", a.params);
		printf("upstream:    %s\n", a.upstream ? a.upstream : "-");
		printf("dockerfile:  %s\n", a.dockerfile);
		printf("health:      %s\n", a.health_path);
		printf("port:        %d\n", a.port);
		printf("gate:        %s\n", a.gate ? "yes" : "no");
		printf("created:     %s\n", created);
		{
			char *url = app_url(ctx, &a);

			printf("url:         %s\n", url ? url : "(not deployed yet)");
			free(url);
		}
	}
	store_app_release(&a);
	return 0;
}

static int app_delete(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app a;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return usage_error("solum app delete APP");
	if (name_check("app", argv[1], &err) < 0)
		return cli_error(&err);
	if (require_role(ctx, NULL, ROLE_ADMIN))
		return 1;
	rc = store_app_get(ctx->store, argv[1], &a, &err);
	if (rc < 0)
		return cli_error(&err);
	if (rc == 1)
		return cli_errorf("app '%s' not found", argv[1]);
	/* a deployed app is taken off the engine first; a failure stops here */
	if (a.public_port && deploy_destroy(ctx, &a, stdout, &err) < 0) {
		store_app_release(&a);
		err_wrap(&err, "app '%s' is still running; fix this and delete again", argv[1]);
		return cli_error(&err);
	}
	store_app_release(&a);
	if (store_app_delete(ctx->store, argv[1], &err) < 0)
		return cli_error(&err);
	printf("deleted app '%s' (its repository is kept)\n", argv[1]);
	return 0;
}

int cmd_app(int argc, char **argv, struct ctx *ctx)
{
	if (argc < 2) {
		return usage_error(app_usage);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: %s\n\nMap a repository's branch to an app. --json prints JSON for scripts.\n",
		       app_usage);
		return 0;
	}
	if (!strcmp(argv[1], "create"))
		return app_create(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "list"))
		return wants_help(argc - 1, argv + 1) ? (printf("usage: solum app list [--json]\n"), 0) :
			app_list(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "show"))
		return wants_help(argc - 1, argv + 1) ? (printf("usage: solum app show APP [--json]\n"), 0) :
			app_show(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "set"))
		return app_set(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "delete"))
		return wants_help(argc - 1, argv + 1) ? (printf("usage: solum app delete APP\n"), 0) :
			app_delete(argc - 1, argv + 1, ctx);
	cli_errorf("unknown app command '%s'", argv[1]);
	return usage_error(app_usage);
}

/* ---- key ---- */

static const char key_usage[] =
	"solum key add USER FILE   (FILE '-' reads standard input)\n"
	"   or: solum key list [USER] [--json]\n"
	"   or: solum key remove USER [FINGERPRINT]";

static int key_add(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, added = 0, ret = 1;

	if (argc != 3)
		return usage_error(key_usage);
	if (name_check("user", argv[1], &err) < 0)
		return cli_error(&err);
	if (require_role(ctx, NULL, ROLE_ADMIN))
		return 1;
	f = strcmp(argv[2], "-") ? fopen(argv[2], "re") : stdin;
	if (!f)
		return cli_errorf("cannot read key file '%s': %s", argv[2],
				  strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct authkey k;

		lineno++;
		if (n > AUTHKEYS_LINE_MAX) {
			err_set(&err, "%s:%d: line longer than %d bytes",
				argv[2], lineno, AUTHKEYS_LINE_MAX);
			goto fail;
		}
		if (authkeys_is_blank(line))
			continue;
		if (added >= MAX_KEYS_PER_FILE) {
			err_set(&err, "%s: more than %d keys", argv[2],
				MAX_KEYS_PER_FILE);
			goto fail;
		}
		authkey_init(&k);
		if (authkey_parse(line, &k, &err) < 0) {
			err_wrap(&err, "%s:%d", argv[2], lineno);
			authkey_release(&k);
			goto fail;
		}
		if (store_key_add(ctx->store, argv[1], k.type, k.blob,
				  k.comment, k.fingerprint, &err) < 0) {
			authkey_release(&k);
			goto fail;
		}
		printf("added %s key %s for '%s'\n", k.type, k.fingerprint,
		       argv[1]);
		authkey_release(&k);
		added++;
	}
	if (!added) {
		err_set(&err, "no public key in '%s'", argv[2]);
		goto fail;
	}
	ret = 0;
	goto out;
fail:
	cli_error(&err);
out:
	free(line);
	if (f && f != stdin)
		fclose(f);
	return ret;
}

static int key_print(const struct store_key *k, void *payload)
{
	json_t *arr = payload;
	char created[32];

	fmt_time(k->created, created, sizeof(created));
	if (arr)
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:s}", "user", k->user,
			"type", k->type, "fingerprint", k->fingerprint,
			"comment", k->comment, "created", created));
	else
		printf("%-16s %-20s %s %s\n", k->user, k->type,
		       k->fingerprint, k->comment);
	return 0;
}

static int key_list(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	const char *user = NULL;
	json_t *arr = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !arr)
			arr = json_array();
		else if (!user && argv[i][0] != '-')
			user = argv[i];
		else {
			json_decref(arr);
			return usage_error(key_usage);
		}
	}
	if (user && name_check("user", user, &err) < 0) {
		json_decref(arr);
		return cli_error(&err);
	}
	/* over SSH, a user may list their own keys */
	if (ctx->remote_user && !(user && !strcmp(user, ctx->remote_user)) &&
	    require_role(ctx, NULL, ROLE_ADMIN)) {
		json_decref(arr);
		return 1;
	}
	if (store_key_list(ctx->store, user, key_print, arr, &err) < 0) {
		json_decref(arr);
		return cli_error(&err);
	}
	if (arr)
		print_json(arr);
	return 0;
}

static int key_remove(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int removed = 0;

	if (argc != 2 && argc != 3)
		return usage_error(key_usage);
	if (name_check("user", argv[1], &err) < 0)
		return cli_error(&err);
	if (argc == 3 && (!starts_with(argv[2], "SHA256:", NULL) ||
			  strlen(argv[2]) > 80))
		return cli_errorf("invalid fingerprint '%.80s': expected SHA256:... as 'solum key list' shows",
				  argv[2]);
	if (require_role(ctx, NULL, ROLE_ADMIN))
		return 1;
	if (store_key_remove(ctx->store, argv[1], argc == 3 ? argv[2] : NULL,
			     &removed, &err) < 0)
		return cli_error(&err);
	if (!removed)
		return cli_errorf(argc == 3 ? "user '%s' has no key %s"
					    : "user '%s' has no keys%s",
				  argv[1], argc == 3 ? argv[2] : "");
	printf("removed %d key%s of '%s'\n", removed, removed == 1 ? "" : "s",
	       argv[1]);
	return 0;
}

int cmd_key(int argc, char **argv, struct ctx *ctx)
{
	if (argc < 2)
		return usage_error(key_usage);
	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nUsers log in with the OpenSSH public keys registered here\n"
		       "(authorized_keys lines, without options).\n", key_usage);
		return 0;
	}
	if (!strcmp(argv[1], "add"))
		return key_add(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "list"))
		return key_list(argc - 1, argv + 1, ctx);
	if (!strcmp(argv[1], "remove"))
		return key_remove(argc - 1, argv + 1, ctx);
	cli_errorf("unknown key command '%s'", argv[1]);
	return usage_error(key_usage);
}

/* ---- grant / revoke ---- */

static const char grant_usage[] =
	"solum grant USER REPO [--role read|push|admin]   (REPO '*': every repository)";
static const char revoke_usage[] = "solum revoke USER REPO";

static int check_grant_target(struct ctx *ctx, const char *user,
			      const char *repo, struct err *err)
{
	int rc;

	if (name_check("user", user, err) < 0)
		return -1;
	if (!strcmp(repo, "*"))
		return 0;
	if (name_check("repository", repo, err) < 0)
		return -1;
	rc = store_repo_exists(ctx->store, repo, err);
	if (rc < 0)
		return -1;
	if (!rc)
		return err_set(err, "repository '%s' not found (create an app for it first)",
			       repo);
	return 0;
}

int cmd_grant(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	const char *pos[2] = { NULL, NULL };
	int role = ROLE_PUSH, npos = 0, i;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nread: clone and fetch; push: also push and deploy; admin: also manage\n"
		       "the repository's apps. admin on '*' administers solum.\n", grant_usage);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			v = argv[++i];
		else if (starts_with(argv[i], "--role=", &v))
			;
		else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
			continue;
		} else
			return usage_error(grant_usage);
		if (store_role_parse(v, &role) < 0)
			return cli_errorf("invalid role '%.20s': use read, push or admin", v);
	}
	if (npos != 2)
		return usage_error(grant_usage);
	if (check_grant_target(ctx, pos[0], pos[1], &err) < 0)
		return cli_error(&err);
	if (require_role(ctx, NULL, ROLE_ADMIN))
		return 1;
	if (store_grant(ctx->store, pos[0], pos[1], role, &err) < 0)
		return cli_error(&err);
	printf("granted %s on '%s' to '%s'\n", store_role_name(role), pos[1],
	       pos[0]);
	return 0;
}

int cmd_revoke(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int removed = 0;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n", revoke_usage);
		return 0;
	}
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return usage_error(revoke_usage);
	if (name_check("user", argv[1], &err) < 0 ||
	    (strcmp(argv[2], "*") && name_check("repository", argv[2], &err) < 0))
		return cli_error(&err);
	if (require_role(ctx, NULL, ROLE_ADMIN))
		return 1;
	if (store_revoke(ctx->store, argv[1], argv[2], &removed, &err) < 0)
		return cli_error(&err);
	if (!removed)
		return cli_errorf("user '%s' has no role on '%s'", argv[1],
				  argv[2]);
	printf("revoked the role of '%s' on '%s'\n", argv[1], argv[2]);
	return 0;
}

/* ---- hook ---- */

static const char hook_usage[] = "solum hook post-receive|pre-receive   (run by git)";

int cmd_hook(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int ret;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nRepositories' hooks run this with git's ref updates on\n"
		       "standard input; it deploys the branches mapped to apps.\n",
		       hook_usage);
		return 0;
	}
	if (argc != 2)
		return usage_error(hook_usage);
	if (!strcmp(argv[1], "post-receive"))
		ret = hook_post_receive(ctx, stdin, stdout, &err);
	else if (!strcmp(argv[1], "pre-receive"))
		ret = hook_pre_receive(ctx, stdin, stdout, &err);
	else
		return usage_error(hook_usage);
	if (ret < 0)
		return cli_error(&err);
	return ret;
}

/* ---- releases: deploy, releases, logs, rollback, cancel ---- */

/* Load APP for a release command, checking the caller's role over SSH. */
static int load_app(struct ctx *ctx, const char *name, int role,
		    struct store_app *app)
{
	struct err err = ERR_INIT;
	int rc;

	store_app_init(app);
	if (name_check("app", name, &err) < 0)
		return cli_error(&err);
	rc = store_app_get(ctx->store, name, app, &err);
	if (rc < 0)
		return cli_error(&err);
	if (rc == 1 || (ctx->remote_user && require_role(ctx, app->repo, ROLE_READ))) {
		store_app_release(app);
		return cli_errorf("app '%s' not found", name);
	}
	if (require_role(ctx, app->repo, role)) {
		store_app_release(app);
		return 1;
	}
	return 0;
}

/* Parse "N" or "vN" as a release number; 0 if not one. */
static int parse_release(const char *s)
{
	char *end;
	long n;

	if (*s == 'v')
		s++;
	if (!*s || *s == '-' || *s == '+')
		return 0;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < 1 || n > 100000000)
		return 0;
	return (int)n;
}

/* Run a deploy with its output on stdout; the exit status. */
static int run_deploy(struct ctx *ctx, const struct store_app *app,
		      struct deploy_opts *opts)
{
	struct err err = ERR_INIT;
	int number = 0;

	opts->out = stdout;
	if (deploy_run(ctx, app, opts, &number, &err) == 0)
		return 0;
	fprintf(stderr, "solum: %s\n", err.msg);
	return 1;
}

static const char deploy_usage[] = "solum deploy APP [REV] [--async]";

int cmd_deploy(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct deploy_opts opts = { 0 };
	struct store_app app;
	const char *name = NULL;
	int i, async = 0, number = 0, ret;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nRun the pipeline for a revision already in the app's repository\n"
		       "(default: the head of its branch). --async returns at once; follow\n"
		       "with 'solum logs APP --follow'.\n", deploy_usage);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--async"))
			async = 1;
		else if (!strcmp(argv[i], "--release") && i + 1 < argc &&
			 !ctx->remote_user) {
			/* internal: run a release queued by a detached deploy */
			opts.release = parse_release(argv[++i]);
			if (!opts.release)
				return usage_error(deploy_usage);
		} else if (argv[i][0] == '-')
			return usage_error(deploy_usage);
		else if (!name)
			name = argv[i];
		else if (!opts.rev)
			opts.rev = argv[i];
		else
			return usage_error(deploy_usage);
	}
	if (!name)
		return usage_error(deploy_usage);
	if (load_app(ctx, name, ROLE_PUSH, &app))
		return 1;
	opts.pusher = ctx->remote_user ? ctx->remote_user : getenv("SOLUM_USER");
	if (async) {
		if (deploy_queue(ctx, &app, &opts, &number, &err) < 0 ||
		    deploy_spawn_detached(ctx, app.name, number, &err) < 0) {
			store_app_release(&app);
			return cli_error(&err);
		}
		printf("-----> %s v%d queued; follow with: solum logs %s %d --follow\n",
		       app.name, number, app.name, number);
		store_app_release(&app);
		return 0;
	}
	ret = run_deploy(ctx, &app, &opts);
	store_app_release(&app);
	return ret;
}

static const char releases_usage[] = "solum releases APP [--json] [--limit N]";

struct rel_print {
	json_t *arr;
};

static int release_print(const struct store_release *r, void *payload)
{
	struct rel_print *rp = payload;
	char created[32];
	long total = r->build_ms + r->push_ms + r->deploy_ms;

	fmt_time(r->created, created, sizeof(created));
	if (rp->arr) {
		json_array_append_new(rp->arr, json_pack(
			"{s:i, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:i, s:s?, s:i, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I, s:I}",
			"number", r->number, "status", r->status,
			"commit", r->commit, "tree", r->tree,
			"image", r->image, "image_id", r->image_id,
			"digest", r->digest, "container", r->container,
			"host_port", r->host_port, "url", r->url,
			"source", r->source, "pusher", r->pusher,
			"error", r->error, "created", created,
			"started", (json_int_t)r->started,
			"finished", (json_int_t)r->finished,
			"build_ms", (json_int_t)r->build_ms,
			"push_ms", (json_int_t)r->push_ms,
			"deploy_ms", (json_int_t)r->deploy_ms));
		return 0;
	}
	printf("v%-5d %-11s %.7s  %s  %6.1fs  %-10s %s\n", r->number, r->status,
	       r->commit, created, (double)total / 1000.0,
	       r->pusher ? r->pusher : "-",
	       r->error ? r->error : r->source ? "(image of an earlier release)" : "");
	return 0;
}

int cmd_releases(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct rel_print rp = { NULL };
	struct store_app app;
	const char *name = NULL;
	int i, limit = 0;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nThe app's releases, newest first.\n", releases_usage);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			rp.arr = rp.arr ? rp.arr : json_array();
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc &&
			 (limit = parse_release(argv[++i])))
			;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else {
			json_decref(rp.arr);
			return usage_error(releases_usage);
		}
	}
	if (!name || load_app(ctx, name, ROLE_READ, &app)) {
		json_decref(rp.arr);
		return name ? 1 : usage_error(releases_usage);
	}
	if (!rp.arr)
		printf("%-6s %-11s %-7s  %-20s  %7s  %-10s %s\n", "REL", "STATUS",
		       "COMMIT", "CREATED", "TIME", "BY", "NOTE");
	if (store_release_list(ctx->store, app.name, limit, release_print, &rp,
			       &err) < 0) {
		json_decref(rp.arr);
		store_app_release(&app);
		return cli_error(&err);
	}
	if (rp.arr)
		print_json(rp.arr);
	store_app_release(&app);
	return 0;
}

static const char logs_usage[] = "solum logs APP [RELEASE] [--follow]";

/* Copy what `f` has beyond *off to stdout. */
static void copy_new(FILE *f, long *off)
{
	char chunk[8192];
	size_t n;

	clearerr(f);
	fseek(f, *off, SEEK_SET);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		fwrite(chunk, 1, n, stdout);
		*off += (long)n;
	}
	fflush(stdout);
}

int cmd_logs(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app app;
	struct store_release rel;
	const char *name = NULL;
	char *path = NULL;
	FILE *f = NULL;
	long off = 0;
	int i, number = 0, follow = 0, rc, ret = 1;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nThe log of a release (default: the newest), as the pusher saw it.\n"
		       "--follow keeps printing until that release has finished.\n", logs_usage);
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f"))
			follow = 1;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else if (argv[i][0] != '-' && !number && (number = parse_release(argv[i])))
			;
		else
			return usage_error(logs_usage);
	}
	if (!name)
		return usage_error(logs_usage);
	if (load_app(ctx, name, ROLE_READ, &app))
		return 1;
	rc = number ? store_release_get(ctx->store, app.name, number, &rel, &err)
		    : store_release_latest(ctx->store, app.name, NULL, &rel, &err);
	if (rc < 0) {
		cli_error(&err);
		goto out;
	}
	if (rc == 1) {
		if (number)
			cli_errorf("app '%s' has no release v%d", app.name, number);
		else
			cli_errorf("app '%s' has no releases yet", app.name);
		goto out;
	}
	number = rel.number;
	path = deploy_log_path(ctx->home, app.name, number);
	/* a queued release may not have its log yet: wait when following */
	for (i = 0; !(f = fopen(path, "re")); i++) {
		if (!follow || errno != ENOENT || i > 600) {
			cli_errorf("no log for %s v%d: %s", app.name, number,
				   strerror(errno));
			goto out_rel;
		}
		usleep(100000);
	}
	for (;;) {
		copy_new(f, &off);
		if (!follow || store_release_status_final(rel.status))
			break;
		/* a release whose process died will not finish */
		if (rel.pid > 0 && kill((pid_t)rel.pid, 0) < 0 && errno == ESRCH) {
			copy_new(f, &off);
			store_release_release(&rel);
			if (store_release_get(ctx->store, app.name, number, &rel,
					      &err) == 0 &&
			    !store_release_status_final(rel.status)) {
				cli_errorf("the process of %s v%d is gone; the release was interrupted",
					   app.name, number);
				goto out_rel;
			}
			continue;
		}
		usleep(200000);
		store_release_release(&rel);
		if (store_release_get(ctx->store, app.name, number, &rel, &err) != 0) {
			cli_error(&err);
			goto out_rel;
		}
	}
	ret = strcmp(rel.status, "failed") && strcmp(rel.status, "cancelled") ? 0 : 1;
	if (!follow)
		ret = 0;
out_rel:
	store_release_release(&rel);
out:
	if (f)
		fclose(f);
	free(path);
	store_app_release(&app);
	return ret;
}

static const char rollback_usage[] = "solum rollback APP [RELEASE]";

struct rollback_find {
	const char *current_image;
	int target;
};

static int find_rollback(const struct store_release *r, void *payload)
{
	struct rollback_find *rf = payload;

	if (strcmp(r->status, "succeeded") || !r->image_id)
		return 0;
	if (rf->current_image && !strcmp(r->image_id, rf->current_image))
		return 0;
	rf->target = r->number;
	return 1;
}

int cmd_rollback(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct deploy_opts opts = { 0 };
	struct store_app app;
	struct store_release cur;
	struct rollback_find rf = { NULL, 0 };
	int rc, ret;

	if (wants_help(argc, argv)) {
		printf("usage: %s\n\nRedeploy the image of an earlier release, without a build (default:\n"
		       "the newest successful release older than what runs now).\n", rollback_usage);
		return 0;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return usage_error(rollback_usage);
	if (argc == 3 && !(rf.target = parse_release(argv[2])))
		return cli_errorf("invalid release '%.20s': expected N or vN", argv[2]);
	if (load_app(ctx, argv[1], ROLE_PUSH, &app))
		return 1;
	if (!rf.target) {
		rc = store_release_latest(ctx->store, app.name, "succeeded", &cur, &err);
		if (rc < 0) {
			store_app_release(&app);
			return cli_error(&err);
		}
		rf.current_image = rc == 0 ? cur.image_id : NULL;
		if (rc == 0 &&
		    store_release_list(ctx->store, app.name, 0, find_rollback, &rf,
				       &err) < 0) {
			store_release_release(&cur);
			store_app_release(&app);
			return cli_error(&err);
		}
		store_release_release(&cur);
		if (!rf.target) {
			store_app_release(&app);
			return cli_errorf("app '%s' has no earlier successful release to roll back to",
					  argv[1]);
		}
	}
	opts.rollback_of = rf.target;
	opts.pusher = ctx->remote_user ? ctx->remote_user : getenv("SOLUM_USER");
	ret = run_deploy(ctx, &app, &opts);
	store_app_release(&app);
	return ret;
}

int cmd_cancel(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct store_app app;
	int number = 0;
	long pid = 0;

	if (wants_help(argc, argv)) {
		printf("usage: solum cancel APP\n\nStop the app's running deploy; what serves now keeps serving.\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return usage_error("solum cancel APP");
	if (load_app(ctx, argv[1], ROLE_PUSH, &app))
		return 1;
	if (deploy_active(ctx, app.name, &number, &pid, &err) < 0) {
		store_app_release(&app);
		return cli_error(&err);
	}
	if (!number || pid <= 0 || kill((pid_t)pid, SIGTERM) < 0) {
		store_app_release(&app);
		return cli_errorf("no deploy of '%s' is running", argv[1]);
	}
	printf("cancelling %s v%d\n", app.name, number);
	store_app_release(&app);
	return 0;
}
