/* cli: `solum app` — create, list, show, change and delete apps */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "apptemplate.h"
#include "buf.h"
#include "cli.h"
#include "deploy.h"
#include "name.h"
#include "repo.h"
#include "report.h"
#include "target.h"
#include "upstream.h"
#include "banned.h"

#define MAX_SETTINGS 64		/* params, and secrets, per app */
#define MAX_VALUE 4096
#define MAX_TEMPLATE (1 << 20)
#define MIN_MEMORY (6LL << 20)	/* Docker's minimum */
#define MAX_PIDS 4194304	/* the kernel's pid_max ceiling */

static const char app_usage[] =
	"solum app create APP [--repo REPO] [--branch BRANCH]\n"
	"                 [--target local|openstack] [--stack NAME]\n"
	"                 [--template FILE|NAME|-] [--template-from-repo]\n"
	"                 [--param K=V]... [--secret K[=V]]... [--upstream URL]\n"
	"                 [--dockerfile PATH] [--health PATH] [--port N|auto]\n"
	"                 [--memory SIZE|default] [--pids N|default] [--gate]\n"
	"                 [--webhook-secret S|-] [--report gitlab:API_URL/projects/ID|\n"
	"                  gerrit:ssh://USER@HOST:PORT] [--report-token T|-]\n"
	"   or: solum app list [--json]\n"
	"   or: solum app show APP [--json]\n"
	"   or: solum app set APP [options of create] [--unset-param K]\n"
	"                 [--unset-secret K] [--no-gate]\n"
	"   or: solum app delete APP [--purge]";

/* What `app create` and `app set` parse into, over the app's values. */
struct app_opts {
	struct ctx *ctx;
	struct store_app *a;
	json_t *params, *secrets;	/* owned */
	char *template_text;		/* --template -: owned */
	int allow_unset;		/* app set */
	int stdin_taken;		/* by --template - or --secret K */
};

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
	size_t n = strlen(v);

	if (valid_text(what, v, 255, err) < 0)
		return -1;
	if (!n)
		return err_set(err, "invalid %s: must not be empty", what);
	if (v[0] == '/')
		return err_set(err, "invalid %s '%s': must be relative to the repository's top",
			       what, v);
	if (strstr(v, ".."))
		return err_set(err, "invalid %s '%s': must not contain '..'",
			       what, v);
	if (v[n - 1] == '/')
		return err_set(err, "invalid %s '%s': must name a file, not end in '/'",
			       what, v);
	return 0;
}

static int valid_health(const char *v, struct err *err)
{
	const char *p;

	if (valid_text("health path", v, 255, err) < 0)
		return -1;
	if (v[0] != '/')
		return err_set(err, "invalid health path '%s': must start with '/'",
			       v);
	for (p = v; *p; p++)
		if (*p == ' ' || (unsigned char)*p >= 0x7f)
			return err_set(err, "invalid health path '%s': must not contain spaces or non-ASCII bytes (URL-encode them)",
				       v);
	return 0;
}

/*
 * --param K=V into o->params, --secret K=V (or K, the value read from
 * standard input) into o->secrets. A name is one or the other. Messages
 * never show a value.
 */
static int set_env(struct app_opts *o, int secret, const char *kv,
		   struct err *err)
{
	const char *what = secret ? "--secret" : "--param";
	const char *eq = strchr(kv, '=');
	json_t *obj = secret ? o->secrets : o->params;
	json_t *other = secret ? o->params : o->secrets;
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	char *key, *value = NULL;
	int ret = -1;

	if (!eq && !secret)
		return err_set(err, "invalid --param: expected KEY=VALUE");
	if (name_env_check(what, kv, klen, err) < 0)
		return -1;
	key = xstrndup(kv, klen);
	if (json_object_get(other, key)) {
		err_set(err, "'%s' is a %s already; unset it first (--unset-%s %s)",
			key, secret ? "param" : "secret",
			secret ? "param" : "secret", key);
		goto out;
	}
	if (json_object_size(obj) >= MAX_SETTINGS && !json_object_get(obj, key)) {
		err_set(err, "too many %ss (at most %d)", what + 2,
			MAX_SETTINGS);
		goto out;
	}
	if (eq) {
		value = xstrdup(eq + 1);
	} else {
		if (o->stdin_taken) {
			err_set(err, "standard input holds one value only (--secret %s)",
				key);
			goto out;
		}
		o->stdin_taken = 1;
		if (cli_read_stdin("secret value", MAX_VALUE + 1, &value, err) < 0)
			goto out;
		/* `echo VALUE |` ends with a newline that is not the value's */
		if (*value && value[strlen(value) - 1] == '\n')
			value[strlen(value) - 1] = '\0';
	}
	if (valid_text(secret ? "secret value" : "param value", value,
		       MAX_VALUE, err) < 0)
		goto out;
	json_object_set_new(obj, key, json_string(value));
	ret = 0;
out:
	free(key);
	if (value)
		memset(value, 0, strlen(value));
	free(value);
	return ret;
}

static int unset_env(struct app_opts *o, int secret, const char *key,
		     struct err *err)
{
	if (!o->allow_unset)
		return err_set(err, "--unset-%s is for 'app set'",
			       secret ? "secret" : "param");
	json_object_del(secret ? o->secrets : o->params, key);
	return 0;
}

/*
 * --template: a file on this host, NAME of one of solum's templates, or
 * "-" for the template on standard input. Over SSH no argument names a
 * file of the server.
 */
static int set_template(struct app_opts *o, const char *v, struct err *err)
{
	char *path;

	if (!strcmp(v, "-")) {
		if (o->stdin_taken)
			return err_set(err, "standard input holds one value only (--template -)");
		o->stdin_taken = 1;
		free(o->template_text);
		o->a->template_from_repo = 0;
		return cli_read_stdin("template", MAX_TEMPLATE,
				      &o->template_text, err);
	}
	if (valid_text("template", v, 1024, err) < 0 ||
	    apptemplate_resolve(&o->ctx->cfg, v, o->ctx->remote_user != NULL,
				&path, err) < 0)
		return -1;
	free(o->a->template);
	o->a->template = path;
	o->a->template_from_repo = 0;
	free(o->template_text);
	o->template_text = NULL;
	return 0;
}

/*
 * --webhook-secret S and --report-token T: the value, or "-" for it on
 * standard input (not in ps); "" unsets. Never echoed.
 */
static int set_trigger_secret(struct app_opts *o, int c, const char *v,
			      struct err *err)
{
	const char *what = c == 'W' ? "webhook secret" : "report token";
	char **field = c == 'W' ? &o->a->webhook_secret : &o->a->report_token;
	char *value;

	if (!strcmp(v, "-")) {
		if (o->stdin_taken)
			return err_set(err, "standard input holds one value only (the %s)",
				       what);
		o->stdin_taken = 1;
		if (cli_read_stdin(what, MAX_VALUE + 1, &value, err) < 0)
			return -1;
		if (*value && value[strlen(value) - 1] == '\n')
			value[strlen(value) - 1] = '\0';
	} else {
		value = xstrdup(v);
	}
	if (valid_text(what, value, 256, err) < 0 ||
	    (c == 'W' && *value && strlen(value) < 8 &&
	     err_set(err, "the webhook secret is shorter than 8 bytes") < 0)) {
		memset(value, 0, strlen(value));
		free(value);
		return -1;
	}
	if (*field)
		memset(*field, 0, strlen(*field));
	free(*field);
	*field = value;
	if (!*value) {
		free(value);
		*field = NULL;
	}
	return 0;
}

/* --report gitlab:API_URL/projects/ID|gerrit:ssh://USER@HOST:PORT; "" unsets */
static int set_report(struct store_app *a, const char *v, struct err *err)
{
	struct report_spec spec;
	int rc = 0;

	if (*v)
		rc = report_spec_parse(v, &spec, err);
	if (*v)
		report_spec_release(&spec);
	if (rc < 0)
		return -1;
	free(a->report);
	a->report = *v ? xstrdup(v) : NULL;
	return 0;
}

/* --target local|openstack, --stack NAME */
static int set_target(struct store_app *a, int c, const char *v,
		      struct err *err)
{
	if (c == 'T') {
		if (!target_by_name(v))
			return err_set(err, "--target takes local or openstack, not '%.40s'",
				       v);
		free(a->target);
		a->target = xstrdup(v);
		return 0;
	}
	if (*v && name_check("stack", v, err) < 0)
		return -1;
	free(a->stack);
	a->stack = *v ? xstrdup(v) : NULL;
	return 0;
}

static int parse_count(const char *v, long max, long *out)
{
	char *end;
	long n;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n > max)
		return -1;
	*out = n;
	return 0;
}

/* --port, --memory and --pids: the limits of a local deploy. */
static int set_limit(struct store_app *a, int c, const char *v,
		     struct err *err)
{
	long n;
	long long bytes;

	if (c == 'P') {
		if (!strcmp(v, "auto") || !strcmp(v, "0")) {
			a->port = 0;
			return 0;
		}
		if (parse_count(v, 65535, &n) < 0 || n < 1)
			return err_set(err, "invalid --port '%.20s': a port from 1 to 65535, or 'auto' (the image's EXPOSE, else 5000)",
				       v);
		a->port = (int)n;
	} else if (c == 'M') {
		if (!strcmp(v, "default")) {
			a->memory = -1;
			return 0;
		}
		if (config_parse_size(v, &bytes, err) < 0)
			return err_wrap(err, "invalid --memory");
		if (bytes && bytes < MIN_MEMORY)
			return err_set(err, "invalid --memory '%.20s': at least 6m (Docker's minimum), 0 for no limit, or 'default'",
				       v);
		a->memory = bytes;
	} else {
		if (!strcmp(v, "default")) {
			a->pids = -1;
			return 0;
		}
		if (parse_count(v, MAX_PIDS, &n) < 0)
			return err_set(err, "invalid --pids '%.20s': a number of processes up to %d, 0 for no limit, or 'default'",
				       v, MAX_PIDS);
		a->pids = (int)n;
	}
	return 0;
}

/* --repo, --branch, --upstream, --dockerfile, --health. */
static int set_field(struct store_app *a, int c, const char *v,
		     struct err *err)
{
	char **field;

	switch (c) {
	case 'r':
		if (name_check("repository", v, err) < 0)
			return -1;
		field = &a->repo;
		break;
	case 'b':
		starts_with(v, "refs/heads/", &v);
		if (!name_branch_valid(v))
			return err_set(err, "invalid branch name '%.80s': see git check-ref-format",
				       v);
		field = &a->branch;
		break;
	case 'U':
		if (valid_text("upstream URL", v, 1024, err) < 0 ||
		    (*v && upstream_url_check(v, err) < 0))
			return -1;
		field = &a->upstream;
		break;
	case 'd':
		if (valid_path_in_tree("Dockerfile path", v, err) < 0)
			return -1;
		field = &a->dockerfile;
		break;
	default:
		if (valid_health(v, err) < 0)
			return -1;
		field = &a->health_path;
		break;
	}
	free(*field);
	*field = (c == 'U' && !*v) ? NULL : xstrdup(v);
	return 0;
}

static int app_option(struct app_opts *o, int c, const char *v,
		      struct err *err)
{
	switch (c) {
	case 'r': case 'b': case 'U': case 'd': case 'H':
		return set_field(o->a, c, v, err);
	case 'P': case 'M': case 'L':
		return set_limit(o->a, c, v, err);
	case 't':
		return set_template(o, v, err);
	case 'T': case 'K':
		return set_target(o->a, c, v, err);
	case 'R':
		o->a->template_from_repo = 1;
		return 0;
	case 'W': case 'X':
		return set_trigger_secret(o, c, v, err);
	case 'O':
		return set_report(o->a, v, err);
	case 'p':
		return set_env(o, 0, v, err);
	case 's':
		return set_env(o, 1, v, err);
	case 'u':
		return unset_env(o, 0, v, err);
	case 'S':
		return unset_env(o, 1, v, err);
	case 'g':
		o->a->gate = 1;
		return 0;
	case 'G':
		if (!o->allow_unset)
			return err_set(err, "--no-gate is for 'app set'");
		o->a->gate = 0;
		return 0;
	}
	return cli_usage(err);
}

/*
 * An argument for a message: up to any '=' (`--secret K=V` typed wrong
 * must not echo V), escaped and cut short.
 */
static void quote_arg(const char *arg, char *dst, size_t size)
{
	char raw[48];
	size_t n = strcspn(arg, "=");

	if (n >= sizeof(raw))
		n = sizeof(raw) - 1;
	memcpy(raw, arg, n);
	raw[n] = '\0';
	name_quote(raw, dst, size);
}

/*
 * Parse the options shared by `app create` and `app set` over o->a, which
 * holds the current values. Returns 0, 1 for --help, or -1.
 */
static int app_options(int argc, char **argv, struct app_opts *o,
		       struct err *err)
{
	static const struct option opts[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "branch", required_argument, NULL, 'b' },
		{ "template", required_argument, NULL, 't' },
		{ "template-from-repo", no_argument, NULL, 'R' },
		{ "target", required_argument, NULL, 'T' },
		{ "stack", required_argument, NULL, 'K' },
		{ "param", required_argument, NULL, 'p' },
		{ "unset-param", required_argument, NULL, 'u' },
		{ "secret", required_argument, NULL, 's' },
		{ "unset-secret", required_argument, NULL, 'S' },
		{ "upstream", required_argument, NULL, 'U' },
		{ "dockerfile", required_argument, NULL, 'd' },
		{ "health", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'P' },
		{ "memory", required_argument, NULL, 'M' },
		{ "pids", required_argument, NULL, 'L' },
		{ "webhook-secret", required_argument, NULL, 'W' },
		{ "report", required_argument, NULL, 'O' },
		{ "report-token", required_argument, NULL, 'X' },
		{ "gate", no_argument, NULL, 'g' },
		{ "no-gate", no_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char q[48];
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || c == ':') {
			quote_arg(argv[optind - 1], q, sizeof(q));
			return err_set(err, c == ':' ? "option '%s' needs a value" :
				       "unknown option '%s'; see 'solum app --help'",
				       q);
		}
		if (app_option(o, c, optarg, err) < 0)
			return -1;
	}
	if (optind != argc) {
		quote_arg(argv[optind], q, sizeof(q));
		return err_set(err, "unexpected argument '%s'; see 'solum app --help'",
			       q);
	}
	return 0;
}

static void app_opts_init(struct app_opts *o, struct ctx *ctx,
			  struct store_app *a, int allow_unset)
{
	memset(o, 0, sizeof(*o));
	o->ctx = ctx;
	o->a = a;
	o->allow_unset = allow_unset;
	o->params = json_loads(a->params ? a->params : "{}", 0, NULL);
	o->secrets = json_loads(a->secrets ? a->secrets : "{}", 0, NULL);
	if (!json_is_object(o->params)) {
		json_decref(o->params);
		o->params = json_object();
	}
	if (!json_is_object(o->secrets)) {
		json_decref(o->secrets);
		o->secrets = json_object();
	}
}

static void app_opts_release(struct app_opts *o)
{
	json_decref(o->params);
	json_decref(o->secrets);
	free(o->template_text);
}

/*
 * After the options: the settings back into the app, and a template read
 * from standard input kept under the home as templates/APP.yaml.
 */
static int app_opts_apply(struct app_opts *o, struct err *err)
{
	struct store_app *a = o->a;
	char *path;

	free(a->params);
	a->params = json_dumps(o->params, JSON_COMPACT | JSON_SORT_KEYS);
	free(a->secrets);
	a->secrets = json_dumps(o->secrets, JSON_COMPACT | JSON_SORT_KEYS);
	if (!o->template_text)
		return 0;
	if (apptemplate_save(o->ctx->home, a->name, o->template_text, &path,
			     err) < 0)
		return -1;
	free(a->template);
	a->template = path;
	return 0;
}

/* ---- the subcommands ---- */

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

/* The app named argv[1] must not exist yet; the caller is a global admin. */
static int app_create_new(struct ctx *ctx, int argc, char **argv,
			  struct store_app *a, struct err *err)
{
	struct app_opts o;
	int rc;

	rc = store_app_get(ctx->store, argv[1], a, err);
	if (rc <= 0) {
		if (!rc)
			err_set(err, "app '%s' already exists", argv[1]);
		return -1;
	}
	a->name = xstrdup(argv[1]);
	app_opts_init(&o, ctx, a, 0);
	rc = app_options(argc - 1, argv + 1, &o, err);
	if (rc == 0) {
		if (!a->repo)
			a->repo = xstrdup(a->name);
		if (!a->branch)
			a->branch = xstrdup("master");
		rc = app_opts_apply(&o, err);
	}
	app_opts_release(&o);
	if (rc == 1) {
		printf("usage: %s\n", app_usage);
		return 1;
	}
	if (rc < 0 || app_repo(ctx, a, err) < 0 ||
	    store_app_create(ctx->store, a, err) < 0)
		return -1;
	return 0;
}

static int app_create(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	struct store_app a;
	int rc;

	if (argc >= 2 && cli_wants_help(argc, argv)) {
		printf("usage: %s\n", app_usage);
		return 0;
	}
	if (argc < 2)
		return cli_usage(err);
	if (name_check("app", argv[1], err) < 0)
		return -1;
	/* before any option is looked at: they may name files */
	if (access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL,
			  err))
		return -1;
	store_app_init(&a);
	rc = app_create_new(ctx, argc, argv, &a, err);
	if (rc == 0) {
		printf("created app '%s': branch '%s' of repository '%s' deploys it\n",
		       a.name, a.branch, a.repo);
		printf("  git remote add solum ssh://%s@%s/%s.git\n",
		       ctx->cfg.sshd_user, ctx->cfg.sshd_listen, a.repo);
	}
	store_app_release(&a);
	return rc < 0 ? -1 : 0;
}

static int app_set_apply(int argc, char **argv, struct ctx *ctx,
			 struct store_app *a, struct err *err)
{
	struct app_opts o;
	char *old_repo = xstrdup(a->repo);
	int rc;

	app_opts_init(&o, ctx, a, 1);
	rc = app_options(argc - 1, argv + 1, &o, err);
	/* moving an app to another repository needs admin there too */
	if (rc == 0 && strcmp(old_repo, a->repo) &&
	    access_repo_create(ctx->store, ctx->remote_user, a->repo, NULL,
			       err))
		rc = -1;
	if (rc == 0)
		rc = app_opts_apply(&o, err);
	app_opts_release(&o);
	free(old_repo);
	if (rc == 1)
		printf("usage: %s\n", app_usage);
	if (rc)
		return rc;
	if (app_repo(ctx, a, err) < 0 || store_app_update(ctx->store, a, err) < 0)
		return -1;
	return 0;
}

static int app_set(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	struct store_app a;
	int rc;

	if (argc >= 2 && cli_wants_help(argc, argv)) {
		printf("usage: %s\n", app_usage);
		return 0;
	}
	if (argc < 2)
		return cli_usage(err);
	if (name_check("app", argv[1], err) < 0)
		return -1;
	if (access_app(ctx->store, ctx->remote_user, argv[1], ROLE_ADMIN, &a,
		       NULL, err))
		return -1;
	rc = app_set_apply(argc, argv, ctx, &a, err);
	if (rc == 0) {
		printf("updated app '%s'\n", a.name);
		/* what runs keeps its settings until the next deploy */
		if (a.public_port)
			printf("  the running release keeps its settings; 'solum deploy %s' applies them now (no rebuild)\n",
			       a.name);
	}
	store_app_release(&a);
	return rc < 0 ? -1 : 0;
}

static int app_delete(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	struct store_app a;
	int rc, purge = 0;

	if (argc == 3 && !strcmp(argv[2], "--purge")) {
		purge = 1;
		argc--;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(err);
	if (name_check("app", argv[1], err) < 0 ||
	    access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err))
		return -1;
	rc = store_app_get(ctx->store, argv[1], &a, err);
	if (rc)
		return rc < 0 ? -1 : err_set(err, "app '%s' not found", argv[1]);
	/* off the engine and out of the store under the app's deploy lock */
	rc = deploy_destroy(ctx, &a, purge, stdout, err);
	store_app_release(&a);
	if (rc < 0)
		return -1;
	printf("deleted app '%s' (its repository is kept)\n", argv[1]);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx, struct err *err);
	const char *usage;
} app_verbs[] = {
	{ "create", app_create, NULL },
	{ "list", cli_app_list, "solum app list [--json]" },
	{ "show", cli_app_show, "solum app show APP [--json]" },
	{ "set", app_set, NULL },
	{ "delete", app_delete, "solum app delete APP [--purge]" },
};

int cmd_app(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	const char *usage;
	size_t i;

	if (argc < 2)
		return cli_exit(cli_usage(&err), &err, app_usage);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		printf("usage: %s\n\nMap a repository's branch to an app. Params and secrets reach the\n"
		       "app's environment; secrets are never shown, param values only to\n"
		       "admins. --json prints JSON for scripts.\n",
		       app_usage);
		return 0;
	}
	for (i = 0; i < sizeof(app_verbs) / sizeof(app_verbs[0]); i++) {
		if (strcmp(argv[1], app_verbs[i].name))
			continue;
		usage = app_verbs[i].usage ? app_verbs[i].usage : app_usage;
		if (app_verbs[i].usage && cli_wants_help(argc - 1, argv + 1)) {
			printf("usage: %s\n", usage);
			return 0;
		}
		return cli_exit(app_verbs[i].fn(argc - 1, argv + 1, ctx, &err),
				&err, usage);
	}
	cli_errorf("unknown app command '%.40s'", argv[1]);
	return cli_exit(cli_usage(&err), &err, app_usage);
}
