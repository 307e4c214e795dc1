/* release: who runs a release, decided by the kernel; the reaper */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "lock.h"
#include "log.h"
#include "release.h"
#include "target.h"
#include "banned.h"

/*
 * Release locks this process took in deploy_queue and has not handed on
 * yet: deploy_spawn_detached gives one to its child, deploy_run takes one
 * for opts->release. A process queues a few releases at most.
 */
#define HELD_MAX 16
static struct held {
	char app[64];
	int number;	/* 0: a free slot */
	int fd;
} held[HELD_MAX];

int release_hold(const char *app, int number, int fd, struct err *err)
{
	size_t i;

	for (i = 0; i < HELD_MAX; i++) {
		if (held[i].number)
			continue;
		snprintf(held[i].app, sizeof(held[i].app), "%s", app);
		held[i].number = number;
		held[i].fd = fd;
		return 0;
	}
	return err_set(err, "too many releases queued by one process");
}

int release_unhold(const char *app, int number)
{
	size_t i;

	for (i = 0; i < HELD_MAX; i++) {
		if (held[i].number != number || strcmp(held[i].app, app))
			continue;
		held[i].number = 0;
		return held[i].fd;
	}
	return -1;
}

int release_create(struct ctx *ctx, struct store_release *r,
		   struct err *err)
{
	char *qpath = lock_queue_path(ctx->home, r->app), *path = NULL;
	int qfd, fd = -1, changed;
	struct err e2 = ERR_INIT;

	qfd = lock_wait(qpath, 10000, err);
	if (qfd < 0 || store_release_create(ctx->store, r, err) < 0)
		goto out;
	path = lock_release_path(ctx->home, r->app, r->number);
	fd = lock_try(path, 1, err);
	if (fd == LOCK_BUSY)
		err_set(err, "lock of release v%d of '%s' is held by another process",
			r->number, r->app);
	if (fd < 0) {
		fd = -1;
		store_release_interrupt(ctx->store, r->app, r->number, err->msg,
					&changed, &e2);
	}
out:
	lock_drop(qfd, NULL);
	free(qpath);
	free(path);
	return fd;
}

int release_claim(struct ctx *ctx, const char *app, int number,
		  struct err *err)
{
	char *qpath = lock_queue_path(ctx->home, app);
	char *path = lock_release_path(ctx->home, app, number);
	int qfd = -1, fd = release_unhold(app, number), nul;

	if (fd >= 0)
		goto out;
	qfd = lock_wait(qpath, 10000, err);
	if (qfd < 0)
		goto out;
	if (lock_fd_is(0, path)) {
		/* no reader checks while we hold the queue lock */
		flock(0, LOCK_UN);
		nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (nul >= 0) {
			dup2(nul, 0);
			close(nul);
		}
	}
	fd = lock_try(path, 1, err);
	if (fd == LOCK_BUSY)
		err_set(err, "release v%d of '%s' is being run by another process",
			number, app);
out:
	lock_drop(qfd, NULL);
	free(qpath);
	free(path);
	return fd < 0 ? -1 : fd;
}

void release_done(struct ctx *ctx, const char *app, int number, int fd)
{
	char *path;

	if (fd < 0)
		return;
	path = lock_release_path(ctx->home, app, number);
	lock_drop(fd, path);
	free(path);
}

/* ---- releases whose process is gone ---- */

static int is_active(const char *status)
{
	return !strcmp(status, "building") || !strcmp(status, "pushing") ||
	       !strcmp(status, "deploying");
}

/* 1 if `name` is "<app>@v<N>.lock", the lock of one of app's releases. */
static int is_release_lock(const char *name, const char *app)
{
	size_t len = strlen(app);
	char *end;

	if (strncmp(name, app, len) || strncmp(name + len, "@v", 2) ||
	    !isdigit((unsigned char)name[len + 2]))
		return 0;
	strtol(name + len + 2, &end, 10);
	return !strcmp(end, ".lock");
}

/* Remove the release locks of `app` that no process holds any more. */
static void sweep_locks(struct ctx *ctx, const char *app)
{
	char *dir = xstrfmt("%s/run", ctx->home);
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		struct err e = ERR_INIT;
		char *path;
		int fd;

		if (!is_release_lock(de->d_name, app))
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		fd = lock_try(path, 0, &e);
		if (fd >= 0)
			lock_drop(fd, path);
		free(path);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* Unfinished releases whose lock no one holds: their process is gone. */
struct dead {
	struct ctx *ctx;
	int numbers[64];
	int active[64];
	size_t nr;
	struct err *err;
	int error;
};

static int find_dead(const struct store_release *r, void *payload)
{
	struct dead *d = payload;
	char *path = lock_release_path(d->ctx->home, r->app, r->number);
	int fd = lock_try(path, 0, d->err);

	if (fd >= 0)
		lock_drop(fd, path);
	free(path);
	if (fd == -1) {
		d->error = 1;
		return 1;
	}
	if (fd == LOCK_BUSY)
		return 0;
	d->numbers[d->nr] = r->number;
	d->active[d->nr] = is_active(r->status);
	return ++d->nr == sizeof(d->numbers) / sizeof(d->numbers[0]);
}

/*
 * Mark the dead releases failed (interrupted): queued ones always (they
 * did nothing outside the store); active ones only when we hold the
 * app's lock, after the target is recovered (target.h), so that one
 * killed while recovering is recovered again by the next reader. A
 * failed recovery is reported, and the releases are marked all the same.
 */
static int mark_dead(struct ctx *ctx, const struct store_app *app,
		     const struct dead *d, int have_lock, struct err *err)
{
	struct store_release rel;
	size_t i;
	int changed, recover = 0, serving = 0, rc, ret = 0;

	for (i = 0; i < d->nr; i++) {
		if (!d->active[i] && store_release_interrupt(ctx->store,
				app->name, d->numbers[i], "interrupted",
				&changed, err) < 0)
			return -1;
		recover |= d->active[i] && have_lock;
	}
	if (!recover)
		return 0;
	rc = store_release_latest(ctx->store, app->name, "succeeded", &rel, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		serving = rel.number;
	store_release_release(&rel);
	log_info("app '%s': recovering from an interrupted deploy (serving v%d)",
		 app->name, serving);
	if (target_for(&ctx->cfg, app)->recover(ctx, app->name, serving, err) < 0)
		ret = err_wrap(err, "recover '%s' after an interrupted deploy",
			       app->name);
	for (i = 0; i < d->nr; i++) {
		struct err e2 = ERR_INIT;

		if (!d->active[i] || store_release_interrupt(ctx->store,
				app->name, d->numbers[i], "interrupted",
				&changed, &e2) == 0)
			continue;
		if (!ret)
			*err = e2;
		ret = -1;
	}
	return ret;
}

int release_reap(struct ctx *ctx, const struct store_app *app, int have_lock,
		 struct err *err)
{
	char *qpath = lock_queue_path(ctx->home, app->name), *apath = NULL;
	struct dead d;
	int qfd, afd = -1, ret = -1;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.ctx = ctx;
	d.err = err;
	qfd = lock_wait(qpath, 10000, err);
	if (qfd < 0)
		goto out;
	sweep_locks(ctx, app->name);
	if (store_release_list_unfinished(ctx->store, app->name, find_dead,
					  &d, err) < 0 || d.error)
		goto out;
	lock_drop(qfd, NULL);
	qfd = -1;
	for (i = 0; i < d.nr && !have_lock; i++) {
		if (!d.active[i])
			continue;
		/* a live deploy holds it: it recovers the dead one itself */
		apath = lock_app_path(ctx->home, app->name);
		afd = lock_try(apath, 1, err);
		if (afd == -1)
			goto out;
		have_lock = afd >= 0;
		break;
	}
	ret = mark_dead(ctx, app, &d, have_lock, err);
out:
	lock_drop(afd, NULL);
	lock_drop(qfd, NULL);
	free(qpath);
	free(apath);
	return ret;
}

/*
 * The unfinished release of `app` whose lock process `pid` holds (the
 * one it runs), or 0.
 */
struct held_by {
	struct ctx *ctx;
	pid_t pid;
	int number;
};

static int find_held_by(const struct store_release *r, void *payload)
{
	struct held_by *h = payload;
	char *path = lock_release_path(h->ctx->home, r->app, r->number);
	struct err e = ERR_INIT;
	pid_t pid = lock_holder(path, &e);

	if (h->pid ? pid == h->pid : pid > 0)
		h->number = r->number;
	free(path);
	return h->number != 0;
}

int release_of(struct ctx *ctx, const char *app, pid_t pid)
{
	struct held_by h = { ctx, pid, 0 };
	struct err e = ERR_INIT;

	if (pid > 0)
		store_release_list_unfinished(ctx->store, app, find_held_by,
					      &h, &e);
	return h.number;
}

int release_alive(struct ctx *ctx, const char *app)
{
	struct held_by h = { ctx, 0, 0 };
	struct err e = ERR_INIT;

	store_release_list_unfinished(ctx->store, app, find_held_by, &h, &e);
	return h.number;
}

/* The pid holding release `number`'s lock (under the queue lock). */
pid_t release_holder(struct ctx *ctx, const char *app, int number,
		     struct err *err)
{
	char *qpath = lock_queue_path(ctx->home, app);
	char *path = lock_release_path(ctx->home, app, number);
	int qfd = lock_wait(qpath, 10000, err);
	pid_t pid = -1;

	if (qfd >= 0)
		pid = lock_holder(path, err);
	lock_drop(qfd, NULL);
	free(qpath);
	free(path);
	return pid;
}
