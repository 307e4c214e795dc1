/* target: where a built release runs (the local engine; OpenStack next) */
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
};

struct target {
	const char *name;
	/*
	 * Start the release, check that it answers, and make it what the
	 * app's URL serves. On failure (or cancel: t->out->cancelled) what
	 * served before still serves and nothing of this release runs.
	 */
	int (*release)(struct target_run *t, struct err *err);
	/*
	 * After a deploy of `app` died (kill -9) at any step: remove what it
	 * left, and make the front serve release `serving` (0: none), the
	 * one the store says succeeded last. The caller holds the app's lock.
	 */
	int (*recover)(struct ctx *ctx, const char *app, int serving,
		       struct err *err);
	/* Take a deleted app off the target; what goes is told on `out`. */
	int (*destroy)(struct ctx *ctx, const char *app, FILE *out,
		       struct err *err);
	/*
	 * One line for the pusher after a failure, saying what the app's URL
	 * answers now, e.g. "web v3 is still serving at http://...".
	 */
	void (*describe)(struct ctx *ctx, const struct store_app *app,
			 char *line, size_t size);
};

/* The target that deploys `app` (borrowed, static). */
const struct target *target_for(const struct store_app *app);

/* The Docker engine of ctx's configuration; *out is owned (docker_free). */
int target_docker_open(struct ctx *ctx, struct docker **out, struct err *err);

#endif
