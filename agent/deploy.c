/* deploy: releases (queue, lock, supersede, statuses), build and push */
#include <arpa/inet.h>
#include <errno.h>
#include <git2.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clouds.h"
#include "deploy.h"
#include "docker.h"
#include "http.h"
#include "lock.h"
#include "log.h"
#include "name.h"
#include "out.h"
#include "proc.h"
#include "release.h"
#include "report.h"
#include "repo.h"
#include "tarstream.h"
#include "upstream.h"
#include "target.h"
#include "banned.h"

static volatile sig_atomic_t cancelled;

static void on_cancel(int sig)
{
	(void)sig;
	cancelled = 1;
}

char *deploy_log_path(const char *home, const char *app, int number)
{
	return xstrfmt("%s/logs/%s/v%d.log", home, app, number);
}

static FILE *open_log(const char *home, const char *app, int number,
		      struct err *err)
{
	char *dir = xstrfmt("%s/logs/%s", home, app);
	char *path = deploy_log_path(home, app, number);
	FILE *f = NULL;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		err_errno(err, "cannot create '%s'", dir);
	else if (!(f = fopen(path, "ae")))
		err_errno(err, "cannot write release log '%s'", path);
	free(dir);
	free(path);
	return f;
}

/* ---- locking ---- */

static int deploy_active(struct ctx *ctx, const char *app, int *number_out,
			 long *pid_out, struct err *err);

/*
 * The app's lock (lock.h), waited for with a line to the pusher saying
 * what runs. Returns the fd; -1 when cancelled or on error.
 */
static int lock_app(struct ctx *ctx, const char *app, struct out *o,
		    int number, struct err *err)
{
	char *path = lock_app_path(ctx->home, app);
	int fd, waited = 0;

	while ((fd = lock_try(path, 1, err)) == LOCK_BUSY) {
		if (!waited) {
			int running = 0;
			long pid = 0;
			struct err e2 = ERR_INIT;

			deploy_active(ctx, app, &running, &pid, &e2);
			if (running)
				out_printf(o, "-----> Waiting for %s v%d to finish deploying (v%d is queued)",
				     app, running, number);
			else
				out_printf(o, "-----> Waiting for another deploy of %s to finish (v%d is queued)",
				     app, number);
			out_step(o, "waiting");
			waited = 1;
		}
		if (out_wait_ms(o, 200, err) < 0)
			break;
	}
	free(path);
	return fd < 0 ? -1 : fd;
}

struct active_state {
	int number;
	long pid;
};

static int find_active(const struct store_release *r, void *payload)
{
	struct active_state *a = payload;

	if (!strcmp(r->status, "building") || !strcmp(r->status, "pushing") ||
	    !strcmp(r->status, "deploying")) {
		a->number = r->number;
		a->pid = r->pid;
		return 1;
	}
	return 0;
}

/*
 * The number of the release of `app` that the store says is running now
 * (an active status), or 0; *pid_out the pid recorded for it, for the
 * record only, never to be signalled.
 */
static int deploy_active(struct ctx *ctx, const char *app, int *number_out,
			 long *pid_out, struct err *err)
{
	struct active_state a = { 0, 0 };

	/* one runs at a time, so it is among the newest few */
	if (store_release_list(ctx->store, app, 50, find_active, &a, err) < 0)
		return -1;
	*number_out = a.number;
	*pid_out = a.pid;
	return 0;
}

int deploy_reap(struct ctx *ctx, const struct store_app *app, struct err *err)
{
	return release_reap(ctx, app, 0, err);
}

/* ---- queueing ---- */

/* Fill in release *r of `app` for opts, without storing it. */
static int prepare_release(struct ctx *ctx, const struct store_app *app,
			   const struct deploy_opts *opts,
			   struct store_release *r, struct err *err)
{
	struct store_release src;
	char commit[41], tree[41];
	int rc, ret = -1;

	store_release_init(&src);
	if (opts->rollback_of > 0) {
		rc = store_release_get(ctx->store, app->name, opts->rollback_of,
				       &src, err);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			err_set(err, "app '%s' has no release v%d", app->name,
				opts->rollback_of);
			goto out;
		}
		if (!src.image_id) {
			err_set(err, "release v%d of '%s' has no image to roll back to",
				opts->rollback_of, app->name);
			goto out;
		}
		r->commit = xstrdup(src.commit);
		r->tree = xstrdup(src.tree);
		r->build_key = xstrdup(src.build_key);
		r->source = src.number;
	} else if (opts->fetch) {
		if (!opts->rev || !name_sha1_valid(opts->rev)) {
			err_set(err, "a commit to fetch is 40 hex digits");
			goto out;
		}
		/* known once fetched: the run fills them in */
		r->commit = xstrdup(opts->rev);
		r->tree = xstrdup("");
		r->build_key = xstrdup("");
	} else {
		if (repo_resolve(ctx->home, app->repo, app->branch, opts->rev, commit,
				 tree, err) < 0)
			goto out;
		r->commit = xstrdup(commit);
		r->tree = xstrdup(tree);
		/* same tree and Dockerfile path: same image */
		r->build_key = xstrfmt("%s:%s", tree, app->dockerfile);
	}
	r->app = xstrdup(app->name);
	r->pusher = xstrdup(opts->pusher ? opts->pusher : "local");
	r->pid = (long)getpid();	/* for the record only */
	ret = 0;
out:
	store_release_release(&src);
	return ret;
}

/* Queue a release; returns the fd of its lock, which we now hold. */
static int queue_release(struct ctx *ctx, const struct store_app *app,
			 const struct deploy_opts *opts, int *number_out,
			 struct err *err)
{
	struct store_release r;
	int fd = -1;

	store_release_init(&r);
	if (prepare_release(ctx, app, opts, &r, err) == 0 &&
	    (fd = release_create(ctx, &r, err)) >= 0)
		*number_out = r.number;
	store_release_release(&r);
	return fd;
}

int deploy_queue(struct ctx *ctx, const struct store_app *app,
		 const struct deploy_opts *opts, int *number_out,
		 struct err *err)
{
	int fd = queue_release(ctx, app, opts, number_out, err);

	if (fd < 0)
		return -1;
	if (release_hold(app->name, *number_out, fd, err) < 0) {
		close(fd);
		return -1;
	}
	return 0;
}

/* ---- the steps ---- */

/* Everything one run of the pipeline holds. */
struct run {
	struct ctx *ctx;
	const struct store_app *app;
	struct store_release rel;
	struct out out;
	struct docker *docker;
	char short_commit[8];
	int number;		/* the release's */
	int rel_fd;		/* the release's lock, held */
};

static int save(struct run *r, const char *status, struct err *err)
{
	if (status) {
		free(r->rel.status);
		r->rel.status = xstrdup(status);
	}
	return store_release_update(r->ctx->store, &r->rel, err);
}

static ssize_t tar_read(void *buf, size_t len, void *payload, struct err *err)
{
	return tarstream_read(payload, buf, len, err);
}

static void tar_warn(const char *msg, void *payload)
{
	out_printf(payload, "       warning: %s", msg);
}

static char *image_name(const struct run *r)
{
	const struct config *cfg = &r->ctx->cfg;

	if (cfg->registry)
		return xstrfmt("%s/%s:v%d", cfg->registry, r->app->name,
			       r->rel.number);
	return xstrfmt("solum/%s:v%d", r->app->name, r->rel.number);
}

static void registry_auth(const struct config *cfg, struct docker_auth *auth,
			  struct docker_auth *stored, int *have_stored)
{
	struct err e = ERR_INIT;

	*have_stored = 0;
	memset(auth, 0, sizeof(*auth));
	if (!cfg->registry)
		return;
	if (cfg->registry_username) {
		auth->username = cfg->registry_username;
		auth->password = cfg->registry_password ? cfg->registry_password : "";
		auth->serveraddress = cfg->registry;
	} else if (docker_registry_auth_from_config(NULL, cfg->registry,
						    stored, &e) == 0) {
		*auth = *stored;
		*have_stored = 1;
	}
}

/*
 * The engine lost a release's image (pruned): get it back from the
 * registry by the digest that was pushed.
 */
static int pull_release(struct run *r, const struct store_release *prev,
			struct err *err)
{
	struct docker_auth auth, stored;
	struct docker_out dout = { out_relay_line, out_tick, &r->out };
	char *name = NULL, *tag = NULL, *ref = NULL;
	int have_stored, ret = -1;

	if (!prev->image || !prev->digest || !r->ctx->cfg.registry)
		return err_set(err, "the image of v%d (%s) is no longer in the Docker engine and was never pushed to a registry",
			       prev->number, prev->image_id);
	docker_split_ref(prev->image, &name, &tag);
	ref = xstrfmt("%s@%s", name, prev->digest);
	out_printf(&r->out, "-----> Pulling the image of v%d from %s", prev->number, ref);
	registry_auth(&r->ctx->cfg, &auth, &stored, &have_stored);
	if (docker_pull(r->docker, ref, auth.username ? &auth : NULL, &dout,
			err) < 0 ||
	    docker_image_tag(r->docker, ref, prev->image, err) < 0)
		goto out;
	ret = 0;
out:
	if (have_stored)
		docker_auth_release(&stored);
	free(name);
	free(tag);
	free(ref);
	return ret;
}

/*
 * Reuse the image of an earlier release built from the same tree when the
 * engine still has it. 1 if reused, 0 if a build is needed, -1 on error.
 */
static int try_reuse(struct run *r, struct err *err)
{
	struct store_release prev;
	struct docker_image img;
	struct err e2 = ERR_INIT;
	int rc, source = r->rel.source;

	store_release_init(&prev);
	if (source > 0)
		rc = store_release_get(r->ctx->store, r->app->name, source,
				       &prev, err);
	else
		rc = store_release_find_build(r->ctx->store, r->app->name,
					      r->rel.build_key, &prev, err);
	if (rc < 0)
		return -1;
	if (rc == 1 || !prev.image_id) {
		store_release_release(&prev);
		if (source > 0)
			return err_set(err, "release v%d has no image", source);
		return 0;
	}
	docker_image_init(&img);
	rc = docker_image_inspect(r->docker, prev.image_id, &img, &e2);
	docker_image_release(&img);
	if (rc < 0) {
		if (e2.code != DOCKER_ENOTFOUND) {
			*err = e2;
			store_release_release(&prev);
			return -1;
		}
		if (source > 0 && pull_release(r, &prev, err) < 0) {
			store_release_release(&prev);
			return -1;
		}
		if (source > 0)
			goto reuse;
		store_release_release(&prev);
		return 0;
	}
reuse:
	if (source > 0)
		out_printf(&r->out, "-----> Rolling back %s to v%d (%.7s): reusing its image",
		     r->app->name, source, r->rel.commit);
	else
		out_printf(&r->out, "-----> Reusing the image of v%d: tree %.7s was built before",
		     prev.number, r->rel.tree);
	free(r->rel.image_id);
	r->rel.image_id = xstrdup(prev.image_id);
	r->rel.source = prev.number;
	store_release_release(&prev);
	return 1;
}

static int step_build(struct run *r, struct err *err)
{
	git_repository *repo = NULL;
	struct tarstream *ts = NULL;
	struct tarstream_opts topts = { 0 };
	struct docker_build_opts bopts = { 0 };
	struct docker_out dout = { out_relay_line, out_tick, &r->out };
	char *tag = NULL;
	char *label_app = NULL, *label_commit = NULL, *image_id = NULL;
	const char *labels[3];
	size_t files = 0;
	uint64_t bytes = 0;
	int rc, ret = -1;

	out_step(&r->out, "building");
	rc = try_reuse(r, err);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		ret = 0;
		goto out;
	}
	out_printf(&r->out, "-----> Building %s (%s)", r->app->name, r->short_commit);
	if (repo_open(r->ctx->home, r->app->repo, &repo, err) < 0)
		goto out;
	topts.dockerfile = r->app->dockerfile;
	topts.warn = tar_warn;
	topts.payload = &r->out;
	if (tarstream_new(repo, r->rel.commit, &topts, &ts, err) < 0)
		goto out;
	tag = image_name(r);
	label_app = xstrfmt("solum.app=%s", r->app->name);
	label_commit = xstrfmt("solum.commit=%s", r->rel.commit);
	labels[0] = label_app;
	labels[1] = label_commit;
	labels[2] = NULL;
	bopts.tag = tag;
	bopts.dockerfile = r->app->dockerfile;
	bopts.labels = labels;
	bopts.timeout_secs = r->ctx->cfg.build_timeout;
	bopts.read = tar_read;
	bopts.read_payload = ts;
	if (docker_build(r->docker, &bopts, &dout, &image_id, err) < 0) {
		if (!cancelled)
			err_wrap(err, "build");
		goto out;
	}
	tarstream_stats(ts, &files, &bytes);
	free(r->rel.image_id);
	r->rel.image_id = image_id;
	image_id = NULL;
	free(r->rel.image);
	r->rel.image = tag;
	tag = NULL;
	out_printf(&r->out, "-----> Built %.19s in %.1fs (context: %zu files, %.1f MiB)",
	     r->rel.image_id, out_step_secs(&r->out), files,
	     (double)bytes / (1024.0 * 1024.0));
	ret = 0;
out:
	r->rel.build_ms = (long)(out_now_ms() - r->out.step_ms);
	tarstream_free(ts);
	git_repository_free(repo);
	free(tag);
	free(label_app);
	free(label_commit);
	free(image_id);
	return ret;
}

static int step_push(struct run *r, struct err *err)
{
	const struct config *cfg = &r->ctx->cfg;
	struct docker_auth auth, stored;
	struct docker_out dout = { out_relay_line, out_tick, &r->out };
	char *ref = image_name(r), *digest = NULL;
	int have_stored = 0, ret = -1;

	out_step(&r->out, "pushing");
	/* the image gets this release's name, built now or reused */
	if (docker_image_tag(r->docker, r->rel.image_id, ref, err) < 0)
		goto out;
	free(r->rel.image);
	r->rel.image = xstrdup(ref);
	if (!cfg->registry) {
		ret = 0;
		goto out;
	}
	registry_auth(cfg, &auth, &stored, &have_stored);
	out_printf(&r->out, "-----> Pushing %s", ref);
	if (docker_push(r->docker, ref, auth.username ? &auth : NULL,
			&dout, &digest, err) < 0)
		goto out;
	free(r->rel.digest);
	r->rel.digest = digest;
	out_printf(&r->out, "-----> Pushed %s@%s in %.1fs", ref,
	     digest ? digest : "?", out_step_secs(&r->out));
	ret = 0;
out:
	r->rel.push_ms = (long)(out_now_ms() - r->out.step_ms);
	if (have_stored)
		docker_auth_release(&stored);
	free(ref);
	return ret;
}

/* Bad registry credentials fail the release before the build, not after. */
static int check_registry(struct run *r, struct err *err)
{
	struct docker_auth auth, stored;
	int have_stored, ret = 0;

	registry_auth(&r->ctx->cfg, &auth, &stored, &have_stored);
	if (auth.username && docker_auth_check(r->docker, &auth, err) < 0)
		ret = err_wrap(err, "registry");
	if (have_stored)
		docker_auth_release(&stored);
	return ret;
}


/*
 * Keep the engine's copies of the images of the newest keep_releases
 * releases; drop the names of older ones (the registry keeps them, and a
 * rollback pulls them back). An image another name still uses stays.
 */
struct prune_state {
	struct run *r;
	int seen;
};

static int prune_one(const struct store_release *rel, void *payload)
{
	struct prune_state *ps = payload;
	struct err e = ERR_INIT;

	if (!rel->image)
		return 0;
	if (++ps->seen <= ps->r->ctx->cfg.keep_releases)
		return 0;
	if (docker_image_remove(ps->r->docker, rel->image, 0, &e) == 0)
		log_debug("pruned image %s", rel->image);
	return 0;
}

static void prune_images(struct run *r)
{
	struct prune_state ps = { r, 0 };
	struct err e = ERR_INIT;

	store_release_list(r->ctx->store, r->app->name, 0, prune_one, &ps, &e);
}

/* ---- the pipeline ---- */

static void install_signals(struct sigaction *old_term, struct sigaction *old_int,
			    struct sigaction *old_pipe, struct sigaction *old_hup)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGINT, &sa, old_int);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, old_pipe);
	sigaction(SIGHUP, &sa, old_hup);
}

static void restore_signals(struct sigaction *old_term, struct sigaction *old_int,
			    struct sigaction *old_pipe, struct sigaction *old_hup)
{
	sigaction(SIGTERM, old_term, NULL);
	sigaction(SIGINT, old_int, NULL);
	sigaction(SIGPIPE, old_pipe, NULL);
	sigaction(SIGHUP, old_hup, NULL);
}

/*
 * Take release `number` (queue one when 0) and load it into r: its lock
 * is ours (r->rel_fd) and it is queued. Returns -1 with err set.
 */
static int begin(struct run *r, const struct deploy_opts *opts, int number,
		 struct err *err)
{
	const char *app = r->app->name;
	int rc;

	if (number)
		r->rel_fd = release_claim(r->ctx, app, number, err);
	else
		r->rel_fd = queue_release(r->ctx, r->app, opts, &number, err);
	if (r->rel_fd < 0) {
		out_printf(&r->out, "-----> %s: %s", app, err->msg);
		return -1;
	}
	r->number = number;
	rc = store_release_get(r->ctx->store, app, number, &r->rel, err);
	if (rc != 0) {
		if (rc == 1)
			err_set(err, "app '%s' has no release v%d", app, number);
		return -1;
	}
	if (strcmp(r->rel.status, "queued"))
		return err_set(err, "release v%d of '%s' is %s, not queued",
			       number, app, r->rel.status);
	r->out.log = open_log(r->ctx->home, app, number, err);
	if (!r->out.log)
		return -1;
	snprintf(r->short_commit, sizeof(r->short_commit), "%.7s",
		 r->rel.commit);
	r->rel.pid = (long)getpid();
	return save(r, NULL, err);
}

/*
 * Only the newest push is deployed: older ones that waited give way.
 * 1 if release r was superseded (and marked so), 0 if not, -1 on error.
 * In gate mode the push is rejected then: git would move the branch to
 * a commit that never ran.
 */
static int superseded(struct run *r, int gate, struct err *err)
{
	const char *app = r->app->name;
	int newest = 0;

	if (store_release_newer(r->ctx->store, app, r->number, &newest, err) < 0)
		return -1;
	if (newest <= r->number)
		return 0;
	if (gate)
		err_set(err, "superseded by v%d, a newer push: this push is rejected, its commit was never deployed",
			newest);
	else
		err_set(err, "superseded by v%d, a newer push: not deployed",
			newest);
	out_printf(&r->out, "-----> %s v%d (%s) %s", app, r->number,
		   r->short_commit, err->msg);
	r->rel.finished = time(NULL);
	free(r->rel.error);
	r->rel.error = gate ? xstrdup(err->msg) : NULL;
	if (!gate)
		err_clear(err);
	if (save(r, "superseded", err) < 0)
		return -1;
	return 1;
}

/*
 * A release queued for an upstream commit (a webhook's) has no tree yet:
 * fetch the upstream into the app's repository, then resolve it.
 */
static int fetch_upstream(struct run *r, struct err *err)
{
	char commit[41], tree[41];

	out_step(&r->out, "fetching");
	out_printf(&r->out, "-----> Fetching %s from %s", r->short_commit,
		   r->app->upstream ? r->app->upstream : "(no upstream)");
	out_test_pause(&r->out, "fetching");
	if (upstream_fetch(r->ctx, r->app, r->rel.commit, &r->out, err) < 0 ||
	    repo_resolve(r->ctx->home, r->app->repo, r->app->branch,
			 r->rel.commit, commit, tree, err) < 0)
		return -1;
	free(r->rel.tree);
	r->rel.tree = xstrdup(tree);
	free(r->rel.build_key);
	r->rel.build_key = xstrfmt("%s:%s", tree, r->app->dockerfile);
	out_printf(&r->out, "       fetched in %.1fs", out_step_secs(&r->out));
	return save(r, NULL, err);
}

/* Build (or reuse), push, and hand the release to its target. */
static int build_and_release(struct run *r, const struct target *tg,
			     struct target_run *t, struct err *err)
{
	if (tg->prepare && tg->prepare(t, err) < 0)
		return -1;
	if (target_docker_open(r->ctx, &r->docker, err) < 0 ||
	    docker_ping(r->docker, err) < 0)
		return err_wrap(err, "Docker engine");
	t->docker = r->docker;
	if (check_registry(r, err) < 0 || step_build(r, err) < 0)
		return -1;
	if (save(r, "pushing", err) < 0)
		return -1;
	out_test_pause(&r->out, "pushing");
	if (step_push(r, err) < 0)
		return -1;
	if (save(r, "deploying", err) < 0)
		return -1;
	return tg->release(t, err);
}

/* A rollback the target does itself: no build, no push. */
static int target_rollback(struct run *r, const struct target *tg,
			   struct target_run *t, struct err *err)
{
	struct store_release old;
	int rc;

	store_release_init(&old);
	rc = store_release_get(r->ctx->store, r->app->name, r->rel.source,
			       &old, err);
	if (rc == 1)
		err_set(err, "app '%s' has no release v%d", r->app->name,
			r->rel.source);
	if (rc == 0 && save(r, "deploying", err) == 0)
		rc = tg->rollback(t, &old, err);
	else
		rc = -1;
	store_release_release(&old);
	return rc;
}

/* Build, push and release, or roll back; the app's lock is held. */
static int pipeline(struct run *r, struct err *err)
{
	const struct target *tg = target_for(&r->ctx->cfg, r->app);
	struct target_run t = { r->ctx, r->app, &r->rel, &r->out, NULL, NULL };
	int rc;

	free(r->rel.target);
	r->rel.target = xstrdup(tg->name);
	if (save(r, "building", err) < 0)
		return -1;
	out_test_pause(&r->out, "building");
	if (!*r->rel.tree && fetch_upstream(r, err) < 0)
		return -1;
	if (r->rel.source > 0 && tg->rollback)
		rc = target_rollback(r, tg, &t, err);
	else
		rc = build_and_release(r, tg, &t, err);
	if (tg->finish)
		tg->finish(&t);
	if (rc < 0)
		return -1;
	r->rel.finished = time(NULL);
	free(r->rel.error);
	r->rel.error = NULL;
	return save(r, "succeeded", err);
}

/* The release failed (or was cancelled): record it and tell the pusher. */
static void fail(struct run *r, struct err *err)
{
	const char *app = r->app->name;
	struct err e3 = ERR_INIT;
	char now[512];

	if (cancelled)
		err_set(err, "cancelled by request (solum cancel)");
	free(r->rel.error);
	r->rel.error = xstrdup(err->msg);
	r->rel.finished = time(NULL);
	if (r->rel.app) {
		free(r->rel.status);
		r->rel.status = xstrdup(cancelled ? "cancelled" : "failed");
		store_release_update(r->ctx->store, &r->rel, &e3);
	}
	out_printf(&r->out, " !     %s v%d %s: %s", app, r->number,
		   r->rel.status ? r->rel.status : "failed", err->msg);
	target_for(&r->ctx->cfg, r->app)->describe(r->ctx, r->app, now,
						   sizeof(now));
	out_printf(&r->out, " !     %s; fix the problem and push again (log: solum logs %s %d)",
		   now, app, r->number);
	if (r->app->report && r->rel.app)
		report_deploy(r->ctx, r->app, &r->rel,
			      cancelled ? REPORT_CANCELED : REPORT_FAILED,
			      &r->out);
}

int deploy_run(struct ctx *ctx, const struct store_app *app,
	       const struct deploy_opts *opts, int *number_out,
	       struct err *err)
{
	struct sigaction ot, oi, op, oh;
	struct err e2 = ERR_INIT;
	struct run r;
	int lock_fd = -1, rc, ret = -1;
	long long t0 = out_now_ms();

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.app = app;
	r.rel_fd = -1;
	r.out.client = opts->out;
	r.out.interval_ms = ctx->cfg.progress_interval * 1000;
	r.out.cancelled = &cancelled;
	r.out.last_ms = out_now_ms();
	store_release_init(&r.rel);
	cancelled = 0;
	install_signals(&ot, &oi, &op, &oh);

	rc = begin(&r, opts, opts->release, err);
	*number_out = r.number;
	if (rc < 0)
		goto done;
	if (app->report)
		report_deploy(ctx, app, &r.rel, REPORT_PENDING, &r.out);
	lock_fd = lock_app(ctx, app->name, &r.out, r.number, err);
	if (lock_fd < 0)
		goto fail;
	/* before the check below: a newer push whose process died never runs */
	if (release_reap(ctx, app, 1, &e2) < 0)
		out_printf(&r.out, "       warning: %s", e2.msg);
	rc = superseded(&r, opts->gate, err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		if (app->report)
			report_deploy(ctx, app, &r.rel, REPORT_CANCELED,
				      &r.out);
		ret = opts->gate ? -1 : 0;
		goto done;
	}
	r.rel.started = time(NULL);
	if (pipeline(&r, err) < 0)
		goto fail;
	out_printf(&r.out, "-----> %s v%d is running at %s (%.1fs)", app->name,
		   r.number, r.rel.url, (double)(out_now_ms() - t0) / 1000.0);
	if (app->report)
		report_deploy(ctx, app, &r.rel, REPORT_SUCCESS, &r.out);
	prune_images(&r);
	ret = 0;
	goto done;
fail:
	fail(&r, err);
done:
	lock_drop(lock_fd, NULL);
	release_done(ctx, app->name, r.number, r.rel_fd);
	if (r.out.log)
		fclose(r.out.log);
	docker_free(r.docker);
	store_release_release(&r.rel);
	restore_signals(&ot, &oi, &op, &oh);
	return ret;
}
