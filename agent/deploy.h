/* deploy: releases (queue, lock, supersede, statuses), build and push */
#ifndef SOLUM_DEPLOY_H
#define SOLUM_DEPLOY_H

#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "store.h"

struct deploy_opts {
	const char *rev;	/* revision to deploy; NULL: the app's branch */
	const char *pusher;	/* who asked, for the record; NULL: "local" */
	int rollback_of;	/* > 0: redeploy that release's image, no build */
	int release;		/* > 0: run this queued release (made earlier) */
	int gate;		/* run from pre-receive: a push that must not
				   be accepted unless its commit deployed */
	int fetch;		/* rev is a 40-hex commit of the app's
				   upstream that may not be here yet: the
				   release is queued with no tree, and its run
				   fetches the upstream first (upstream.h) */
	FILE *out;		/* what the pusher sees; NULL: the log only */
};

/*
 * Create the queued release for `app` (resolving the revision, or taking
 * the rolled-back release's image) without running it; *number_out gets
 * its number. deploy_run with opts->release = that number runs it.
 *
 * The release's lock (release.h) is held by this process from now on, so
 * the release is alive while we are: run it here (deploy_run) or hand it
 * to deploy_spawn_detached, which passes the lock to the new process.
 */
int deploy_queue(struct ctx *ctx, const struct store_app *app,
		 const struct deploy_opts *opts, int *number_out,
		 struct err *err);

/*
 * Run one deploy of `app` to the end: queue a release (unless
 * opts->release names one), wait for the app's lock, build (or reuse an
 * image built from the same tree), push, start, health-check and swap.
 * Everything the pusher sees goes to opts->out line by line and to the
 * release's log. Returns 0 when the release succeeded or was superseded by
 * a newer push, -1 when it failed or was cancelled: then err says why, and
 * that line and what to do were printed too. With opts->gate, a release
 * superseded while it waited is -1 too: "superseded by vN, a newer push:
 * this push is rejected, its commit was never deployed".
 *
 * From the moment the release is queued until it is final this process
 * holds its lock; once it holds the app's lock it reaps (deploy_reap)
 * the releases of the app whose process is gone, recovering the target.
 *
 * The deploy goes on when opts->out stops accepting output (the pusher hung
 * up): it ignores SIGPIPE and SIGHUP. SIGTERM and SIGINT cancel it at the
 * next step boundary or tick (`solum cancel`).
 */
int deploy_run(struct ctx *ctx, const struct store_app *app,
	       const struct deploy_opts *opts, int *number_out,
	       struct err *err);

/*
 * Start `self --home HOME deploy APP --release N` in a session of its own,
 * detached from the pusher, for `git push -o deploy=async`. The lock of
 * release N, taken by deploy_queue in this process, goes to the child (as
 * its stdin) and is closed here: the release is never without a holder.
 * When the child cannot be started the release is marked failed.
 */
int deploy_spawn_detached(struct ctx *ctx, const char *app, int number,
			  struct err *err);

/*
 * Delete an app: take it off its target when it was ever deployed (the
 * local engine: its route in the front, its containers, its network; each
 * thing removed is reported on `out`), then out of the store, both while
 * holding the app's lock, so that no push deploys it in between. Reaps
 * first, then takes the lock without waiting: while a deploy runs (or one
 * is queued) it refuses, "app 'web' is deploying v7; cancel it first
 * (solum cancel web)", and nothing is removed. `purge`: the target also
 * drops what it keeps for rollbacks (the app's Glance images).
 */
int deploy_destroy(struct ctx *ctx, const struct store_app *app, int purge,
		   FILE *out, struct err *err);

/* "<home>/logs/<app>/v<N>.log"; owned. */
char *deploy_log_path(const char *home, const char *app, int number);

/*
 * Every reader of an app's releases calls this first (releases, logs,
 * cancel, a new deploy): each release whose process is gone (no one holds
 * its lock) becomes failed with error "interrupted" ("failed
 * (interrupted)"), so none stays queued or active. When one was active
 * (building, pushing, deploying), the target is recovered under the app's
 * lock: its leftovers (the dead release's container, temporary files)
 * are removed and the front serves the newest succeeded release again.
 * The app's lock is tried without waiting; while a live deploy holds it,
 * dead active releases are left to that deploy, which reaps them when it
 * starts. Returns 0, or -1 with err set (also when recovering failed; the
 * releases are marked all the same).
 */
int deploy_reap(struct ctx *ctx, const struct store_app *app,
		struct err *err);

/*
 * Stop a deploy of `app` with SIGTERM (it ends at the next step boundary
 * or tick, as cancelled; what served before serves on). `number` 0: the
 * running deploy, the process that the kernel says holds the app's lock
 * (/proc/locks, checked against /proc/PID/fd) and runs a release; else
 * release `number`, running or queued, through its own lock. Never a PID
 * from the store. Reaps first.
 *
 * Returns 0 when signalled (*number_out: the release, 0 if unknown); 1
 * when nothing of that sort runs, with the line to show in err ("no
 * deploy of 'web' is running"); -1 on error.
 */
int deploy_cancel(struct ctx *ctx, const struct store_app *app, int number,
		  int *number_out, struct err *err);

#endif
