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
	FILE *out;		/* what the pusher sees; NULL: the log only */
};

/*
 * Create the queued release for `app` (resolving the revision, or taking
 * the rolled-back release's image) without running it; *number_out gets
 * its number. deploy_run with opts->release = that number runs it.
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
 * that line and what to do were printed too.
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
 * detached from the pusher, for `git push -o deploy=async`.
 */
int deploy_spawn_detached(struct ctx *ctx, const char *app, int number,
			  struct err *err);

/*
 * Take a deleted app off its target (the local engine: its route in the
 * front, its containers). Each thing removed is reported on `out`.
 */
int deploy_destroy(struct ctx *ctx, const struct store_app *app, FILE *out,
		   struct err *err);

/* "<home>/logs/<app>/v<N>.log"; owned. */
char *deploy_log_path(const char *home, const char *app, int number);

/*
 * The number of the release of `app` that is running now (an active
 * status), or 0.
 */
int deploy_active(struct ctx *ctx, const char *app, int *number_out,
		  long *pid_out, struct err *err);

#endif
