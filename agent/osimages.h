/* osimages: an app's images in Glance: the one of a release, and which
 * of them are kept */
#ifndef SOLUM_OSIMAGES_H
#define SOLUM_OSIMAGES_H

#include "keystone.h"
#include "target.h"

/*
 * The Glance image of release t->rel (built and pushed): one of the
 * app's images with the same digest (registry digest, else the engine's
 * image id) when there is one, else the engine's image uploaded now as
 * APP-vN. Sets t->rel->glance_id; *uploaded 1 when this call made it.
 */
int osimages_for_release(struct target_run *t, struct keystone *ks,
			 int *uploaded, struct err *err);

/*
 * Delete the app's Glance images that no release needs: those of no
 * succeeded release (left by a failed or killed deploy), and those of
 * succeeded releases beyond the newest `keep` of them. Images of the
 * `keep` newest succeeded releases stay, whatever their age, and so
 * does `current` (the image of the release being made; may be NULL).
 * Each one deleted is told on `out` (may be NULL). Errors are warnings:
 * returns how many could not be deleted.
 */
int osimages_prune(struct ctx *ctx, struct keystone *ks, const char *app,
		   int keep, const char *current, struct out *out);

/* Delete every image of the app (app delete --purge); told on `out`. */
int osimages_purge(struct keystone *ks, const char *app, FILE *out,
		   struct err *err);

#endif
