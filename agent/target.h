/* target: where a built release runs (the local engine, or OpenStack) */
#ifndef SOLUM_TARGET_H
#define SOLUM_TARGET_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "docker.h"
#include "err.h"
#include "out.h"
#include "store.h"

/* One release on its way to a target; everything is borrowed. */
struct target_run {
	struct ctx *ctx;
	const struct store_app *app;
	struct store_release *rel;	/* the target fills in container,
					   host_port, container_port, url */
	struct out *out;
	struct docker *docker;		/* the engine the image is on */
	void *priv;			/* the target's own, from prepare
					   until finish */
};

struct target {
	const char *name;
	/*
	 * Before the build (NULL: nothing to check): what the release will
	 * need that can fail early, such as credentials and a template's
	 * parameters, so that a deploy that cannot succeed stops before
	 * anything is built or uploaded. May set t->priv for release.
	 */
	int (*prepare)(struct target_run *t, struct err *err);
	/*
	 * Start the release, check that it answers, and make it what the
	 * app's URL serves. On failure (or cancel: t->out->cancelled) what
	 * served before still serves and nothing of this release runs.
	 */
	int (*release)(struct target_run *t, struct err *err);
	/*
	 * Redeploy release `old` as t->rel (a rollback) with no build and
	 * no upload. NULL: the engine's image of `old` is reused (pulled back
	 * when gone) and handed to release.
	 */
	int (*rollback)(struct target_run *t, const struct store_release *old,
			struct err *err);
	/* After the release, whatever happened (NULL: nothing): free priv. */
	void (*finish)(struct target_run *t);
	/*
	 * After a deploy of `app` died (kill -9) at any step: remove what it
	 * left, and make the front serve release `serving` (0: none), the
	 * one the store says succeeded last. The caller holds the app's lock.
	 */
	int (*recover)(struct ctx *ctx, const char *app, int serving,
		       struct err *err);
	/*
	 * Take a deleted app off the target; what goes is told on `out`.
	 * `purge`: also what is kept for rollbacks (Glance images).
	 */
	int (*destroy)(struct ctx *ctx, const struct store_app *app, int purge,
		       FILE *out, struct err *err);
	/*
	 * One line for the pusher after a failure, saying what the app's URL
	 * answers now, e.g. "web v3 is still serving at http://...".
	 */
	void (*describe)(struct ctx *ctx, const struct store_app *app,
			 char *line, size_t size);
};

/*
 * The name of the target that deploys `app`: its own choice, else
 * "openstack" when solum.yaml names a cloud, else "local" (static).
 */
const char *target_name(const struct config *cfg, const struct store_app *app);

/* The target that deploys `app` (borrowed, static). */
const struct target *target_for(const struct config *cfg,
				const struct store_app *app);

/* The target called `name`, or NULL when there is none by that name. */
const struct target *target_by_name(const char *name);

/* The Docker engine of ctx's configuration; *out is owned (docker_free). */
int target_docker_open(struct ctx *ctx, struct docker **out, struct err *err);

#endif
