/* cli: releases — deploy, releases, logs, rollback, cancel */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "buf.h"
#include "cli.h"
#include "deploy.h"
#include "log.h"
#include "name.h"
#include "banned.h"

/* Load APP for a release command, checking the caller's role over SSH. */
static int load_app(struct ctx *ctx, const char *name, int role,
		    struct store_app *app, struct err *err)
{
	store_app_init(app);
	if (name_check("app", name, err) < 0)
		return -1;
	return access_app(ctx->store, ctx->remote_user, name, role, app, NULL,
			  err) ? -1 : 0;
}

/* Parse "N" or "vN" as a release number; 0 if not one. */
/*
 * Whatever a dead process left (a release stuck queued or active) is
 * failed (interrupted) before it is shown; a failure to recover the
 * target is the operator's to see, not a reason to show nothing.
 */
static void reap(struct ctx *ctx, const struct store_app *app)
{
	struct err e = ERR_INIT;

	if (deploy_reap(ctx, app, &e) < 0)
		log_warnx("%s", e.msg);
}

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

/*
 * Run a deploy with its output on stdout. deploy_run has told the pusher
 * why it failed (on that stream, and in the log): that is not repeated.
 */
static int run_deploy(struct ctx *ctx, const struct store_app *app,
		      struct deploy_opts *opts, struct err *err)
{
	int number = 0;

	opts->out = stdout;
	if (deploy_run(ctx, app, opts, &number, err) == 0)
		return 0;
	return cli_printed(err);
}

static const char deploy_usage[] =
	"solum deploy APP [REV] [--async]\n"
	"   or: solum deploy APP COMMIT --fetch [--async]";

static int deploy_parse(int argc, char **argv, struct ctx *ctx,
			const char **name, int *async,
			struct deploy_opts *opts, struct err *err)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--async"))
			*async = 1;
		else if (!strcmp(argv[i], "--fetch"))
			opts->fetch = 1;
		else if (!strcmp(argv[i], "--release") && i + 1 < argc &&
			 !ctx->remote_user) {
			/* internal: run a release queued by a detached deploy */
			opts->release = parse_release(argv[++i]);
			if (!opts->release)
				return cli_usage(err);
		} else if (argv[i][0] == '-')
			return cli_usage(err);
		else if (!*name)
			*name = argv[i];
		else if (!opts->rev)
			opts->rev = argv[i];
		else
			return cli_usage(err);
	}
	if (!*name)
		return cli_usage(err);
	if (opts->fetch && (!opts->rev || !name_sha1_valid(opts->rev)))
		return err_set(err, "--fetch takes the commit to fetch from the app's upstream, 40 hex digits");
	return 0;
}

static int deploy_cmd(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	struct deploy_opts opts = { 0 };
	struct store_app app;
	const char *name = NULL;
	int async = 0, number = 0, ret = -1;

	if (deploy_parse(argc, argv, ctx, &name, &async, &opts, err) < 0 ||
	    load_app(ctx, name, ROLE_PUSH, &app, err) < 0)
		return -1;
	opts.pusher = ctx->remote_user ? ctx->remote_user : getenv("SOLUM_USER");
	if (!async) {
		ret = run_deploy(ctx, &app, &opts, err);
	} else if (deploy_queue(ctx, &app, &opts, &number, err) == 0 &&
		   deploy_spawn_detached(ctx, app.name, number, err) == 0) {
		printf("-----> %s v%d queued; follow with: solum logs %s %d --follow\n",
		       app.name, number, app.name, number);
		ret = 0;
	}
	store_app_release(&app);
	return ret;
}

int cmd_deploy(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nRun the pipeline for a revision already in the app's repository\n"
		       "(default: the head of its branch). --fetch first fetches the app's\n"
		       "branch from its upstream (app set --upstream URL), as a webhook does.\n"
		       "--async returns at once; follow with 'solum logs APP --follow'.\n",
		       deploy_usage);
		return 0;
	}
	return cli_exit(deploy_cmd(argc, argv, ctx, &err), &err, deploy_usage);
}

static const char releases_usage[] = "solum releases APP [--json] [--limit N]";

struct rel_print {
	json_t *arr;
};

static json_t *release_json(const struct store_release *r)
{
	char created[32];
	json_t *j, *params = r->params ? json_loads(r->params, 0, NULL) : NULL;

	cli_fmt_time(r->created, created, sizeof(created));
	j = json_pack("{s:i, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:i, s:s?, s:i, s:s?, s:s?, s:s, s:I, s:I, s:I, s:I, s:I}",
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
		      "deploy_ms", (json_int_t)r->deploy_ms);
	json_object_set_new(j, "target", json_string(r->target ? r->target :
							     "local"));
	json_object_set_new(j, "container_port", json_integer(r->container_port));
	json_object_set_new(j, "glance_id", r->glance_id ?
			    json_string(r->glance_id) : json_null());
	json_object_set_new(j, "stack_id", r->stack_id ?
			    json_string(r->stack_id) : json_null());
	json_object_set_new(j, "stack_status", r->stack_status ?
			    json_string(r->stack_status) : json_null());
	json_object_set_new(j, "template_hash", r->template_hash ?
			    json_string(r->template_hash) : json_null());
	json_object_set_new(j, "params", params ? params : json_null());
	return j;
}

/* The NOTE column: the error, else where the release went. */
static void release_note(const struct store_release *r, char *dst,
			 size_t size)
{
	if (r->error && !strcmp(r->error, "interrupted"))
		snprintf(dst, size, "(interrupted): its process ended");
	else if (r->error)
		snprintf(dst, size, "%s", r->error);
	else if (r->stack_status)
		snprintf(dst, size, "stack %s, glance %.8s%s", r->stack_status,
			 r->glance_id ? r->glance_id : "-",
			 r->source ? " (rollback)" : "");
	else if (r->source)
		snprintf(dst, size, "(image of an earlier release)");
	else
		dst[0] = '\0';
}

static int release_print(const struct store_release *r, void *payload)
{
	struct rel_print *rp = payload;
	char created[32], note[1024];
	long total = r->build_ms + r->push_ms + r->deploy_ms;

	if (rp->arr) {
		json_array_append_new(rp->arr, release_json(r));
		return 0;
	}
	cli_fmt_time(r->created, created, sizeof(created));
	release_note(r, note, sizeof(note));
	printf("v%-5d %-11s %.7s  %s  %6.1fs  %-10s %s\n", r->number,
	       r->status, r->commit, created, (double)total / 1000.0,
	       r->pusher ? r->pusher : "-", note);
	return 0;
}

static int releases_cmd(int argc, char **argv, struct ctx *ctx,
			struct err *err)
{
	struct rel_print rp = { NULL };
	struct store_app app;
	const char *name = NULL;
	int i, limit = 0, json = 0, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc &&
			 (limit = parse_release(argv[++i])))
			;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else
			return cli_usage(err);
	}
	if (!name)
		return cli_usage(err);
	if (load_app(ctx, name, ROLE_READ, &app, err) < 0)
		return -1;
	reap(ctx, &app);
	if (json)
		rp.arr = json_array();
	else
		printf("%-6s %-11s %-7s  %-20s  %7s  %-10s %s\n", "REL", "STATUS",
		       "COMMIT", "CREATED", "TIME", "BY", "NOTE");
	ret = store_release_list(ctx->store, app.name, limit, release_print,
				 &rp, err);
	if (ret == 0 && rp.arr)
		cli_print_json(rp.arr);
	else
		json_decref(rp.arr);
	store_app_release(&app);
	return ret;
}

int cmd_releases(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nThe app's releases, newest first.\n", releases_usage);
		return 0;
	}
	return cli_exit(releases_cmd(argc, argv, ctx, &err), &err,
			releases_usage);
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

/* The release to show: `number`, else the newest. */
static int logs_release(struct ctx *ctx, const char *app, int number,
			struct store_release *rel, struct err *err)
{
	int rc;

	rc = number ? store_release_get(ctx->store, app, number, rel, err)
		    : store_release_latest(ctx->store, app, NULL, rel, err);
	if (rc < 0)
		return -1;
	if (rc == 1 && number)
		return err_set(err, "app '%s' has no release v%d", app, number);
	if (rc == 1)
		return err_set(err, "app '%s' has no releases yet", app);
	return 0;
}

/* A queued release may not have its log yet: wait for it when following. */
static FILE *logs_open(const char *path, const char *app, int number,
		       int follow, struct err *err)
{
	FILE *f;
	int i;

	for (i = 0; !(f = fopen(path, "re")); i++) {
		if (!follow || errno != ENOENT || i > 600) {
			err_errno(err, "no log for %s v%d", app, number);
			return NULL;
		}
		usleep(100000);
	}
	return f;
}

/*
 * Print the log from `f`; when following, until the release is final.
 * 0, or -1 with err (CLI_EPRINTED: it ended failed or cancelled).
 */
static int logs_copy(struct ctx *ctx, const struct store_app *app, FILE *f,
		     int follow, struct store_release *rel, struct err *err)
{
	int number = rel->number, n = 0;
	long off = 0;
	/* rel is reloaded below: its app name with it */
	char *name = xstrdup(rel->app);
	int ret = -1;

	for (;;) {
		copy_new(f, &off);
		if (!follow || store_release_status_final(rel->status))
			break;
		usleep(200000);
		/* a release whose process died will not finish: the kernel
		 * says so (its lock is free), and the reaper marks it */
		if (++n % 5 == 0)
			reap(ctx, app);
		store_release_release(rel);
		if (store_release_get(ctx->store, name, number, rel, err) != 0)
			goto out;
	}
	copy_new(f, &off);
	if (follow && rel->error && !strcmp(rel->error, "interrupted")) {
		err_set(err, "the process of %s v%d is gone; the release was interrupted",
			name, number);
		goto out;
	}
	if (follow && (!strcmp(rel->status, "failed") ||
		       !strcmp(rel->status, "cancelled")))
		cli_printed(err);
	else
		ret = 0;
out:
	free(name);
	return ret;
}

static int logs_cmd(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	struct store_app app;
	struct store_release rel;
	const char *name = NULL;
	char *path = NULL;
	FILE *f = NULL;
	int i, number = 0, follow = 0, ret = -1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--follow") || !strcmp(argv[i], "-f"))
			follow = 1;
		else if (argv[i][0] != '-' && !name)
			name = argv[i];
		else if (argv[i][0] != '-' && !number && (number = parse_release(argv[i])))
			;
		else
			return cli_usage(err);
	}
	if (!name)
		return cli_usage(err);
	if (load_app(ctx, name, ROLE_READ, &app, err) < 0)
		return -1;
	reap(ctx, &app);
	store_release_init(&rel);
	if (logs_release(ctx, app.name, number, &rel, err) < 0)
		goto out;
	path = deploy_log_path(ctx->home, app.name, rel.number);
	f = logs_open(path, app.name, rel.number, follow, err);
	if (f)
		ret = logs_copy(ctx, &app, f, follow, &rel, err);
out:
	if (f)
		fclose(f);
	free(path);
	store_release_release(&rel);
	store_app_release(&app);
	return ret;
}

int cmd_logs(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nThe log of a release (default: the newest), as the pusher saw it.\n"
		       "--follow keeps printing until that release has finished.\n", logs_usage);
		return 0;
	}
	return cli_exit(logs_cmd(argc, argv, ctx, &err), &err, logs_usage);
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

/* The newest successful release older than what runs now. */
static int rollback_target(struct ctx *ctx, const char *app, int *target,
			   struct err *err)
{
	struct store_release cur;
	struct rollback_find rf = { NULL, 0 };
	int rc;

	rc = store_release_latest(ctx->store, app, "succeeded", &cur, err);
	if (rc < 0)
		return -1;
	rf.current_image = rc == 0 ? cur.image_id : NULL;
	if (rc == 0 &&
	    store_release_list(ctx->store, app, 0, find_rollback, &rf, err) < 0) {
		store_release_release(&cur);
		return -1;
	}
	if (rc == 0)
		store_release_release(&cur);
	if (!rf.target)
		return err_set(err, "app '%s' has no earlier successful release to roll back to",
			       app);
	*target = rf.target;
	return 0;
}

static int rollback_cmd(int argc, char **argv, struct ctx *ctx,
			struct err *err)
{
	struct deploy_opts opts = { 0 };
	struct store_app app;
	int target = 0, ret = -1;

	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return cli_usage(err);
	if (argc == 3 && !(target = parse_release(argv[2])))
		return err_set(err, "invalid release '%.20s': expected N or vN",
			       argv[2]);
	if (load_app(ctx, argv[1], ROLE_PUSH, &app, err) < 0)
		return -1;
	if (target || rollback_target(ctx, app.name, &target, err) == 0) {
		opts.rollback_of = target;
		opts.pusher = ctx->remote_user ? ctx->remote_user
					       : getenv("SOLUM_USER");
		ret = run_deploy(ctx, &app, &opts, err);
	}
	store_app_release(&app);
	return ret;
}

int cmd_rollback(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nRedeploy the image of an earlier release, without a build (default:\n"
		       "the newest successful release older than what runs now).\n", rollback_usage);
		return 0;
	}
	return cli_exit(rollback_cmd(argc, argv, ctx, &err), &err,
			rollback_usage);
}

static int cancel_cmd(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	struct store_app app;
	int number = 0, which = 0, rc;

	if ((argc != 2 && argc != 3) || argv[1][0] == '-' ||
	    (argc == 3 && !(which = parse_release(argv[2]))))
		return cli_usage(err);
	if (load_app(ctx, argv[1], ROLE_PUSH, &app, err) < 0)
		return -1;
	/* only a process the kernel says holds the deploy's lock is signalled */
	rc = deploy_cancel(ctx, &app, which, &number, err);
	store_app_release(&app);
	if (rc)
		return -1;
	if (number)
		printf("cancelling %s v%d\n", argv[1], number);
	else
		printf("cancelling the deploy of %s\n", argv[1]);
	return 0;
}

int cmd_cancel(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: solum cancel APP [RELEASE]\n\nStop the app's running deploy, or a queued release; what serves now\nkeeps serving.\n");
		return 0;
	}
	return cli_exit(cancel_cmd(argc, argv, ctx, &err), &err,
			"solum cancel APP [RELEASE]");
}
