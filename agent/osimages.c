/* osimages: an app's images in Glance: the one of a release, and which
 * of them are kept */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "glance.h"
#include "log.h"
#include "osimages.h"
#include "strvec.h"
#include "banned.h"

/* What identifies the image's content: its registry digest, else its id. */
static const char *content_digest(const struct store_release *rel)
{
	return rel->digest ? rel->digest : rel->image_id;
}

int osimages_for_release(struct target_run *t, struct keystone *ks,
			 int *uploaded, struct err *err)
{
	struct store_release *rel = t->rel;
	struct glance_props props = { t->app->name, rel->number, rel->commit,
				      rel->tree, content_digest(rel) };
	struct glance_stats stats;
	char *id = NULL, *name;
	int rc;

	*uploaded = 0;
	out_step(t->out, "uploading");
	rc = glance_find_digest(ks, t->app->name, props.digest, &id, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		out_printf(t->out, "-----> Glance already has this image (%s): nothing to upload",
			   id);
		free(rel->glance_id);
		rel->glance_id = id;
		return 0;
	}
	name = xstrfmt("%s-v%d", t->app->name, rel->number);
	out_printf(t->out, "-----> Uploading %s to Glance as %s", rel->image,
		   name);
	memset(&stats, 0, sizeof(stats));
	rc = glance_upload(ks, t->docker, rel->image ? rel->image : rel->image_id,
			   name, &props, t->out, &id, &stats, err);
	free(name);
	if (rc < 0)
		return -1;
	free(rel->glance_id);
	rel->glance_id = id;
	*uploaded = 1;
	return 0;
}

/* ---- which images are kept ---- */

struct needed {
	struct strvec ids;	/* Glance ids of the kept releases, sorted */
	int keep, seen;
};

static int note_needed(const struct store_release *r, void *payload)
{
	struct needed *n = payload;

	if (!r->glance_id || strcmp(r->status, "succeeded"))
		return 0;
	if (++n->seen > n->keep)
		return 0;
	strvec_push(&n->ids, r->glance_id);
	return 0;
}

/* Releases still running hold their images too (a deploy in progress). */
static int note_unfinished(const struct store_release *r, void *payload)
{
	struct needed *n = payload;

	if (r->glance_id)
		strvec_push(&n->ids, r->glance_id);
	return 0;
}

static int is_needed(const struct needed *n, const char *id)
{
	size_t i;

	for (i = 0; i < n->ids.nr; i++)
		if (!strcmp(n->ids.v[i], id))
			return 1;
	return 0;
}

struct prune {
	struct keystone *ks;
	struct needed *needed;
	struct out *out;
	struct strvec doomed;
};

static int note_doomed(const struct glance_image *img, void *payload)
{
	struct prune *p = payload;

	if (!is_needed(p->needed, img->id))
		strvec_pushf(&p->doomed, "%s %s", img->id,
			     img->name ? img->name : "?");
	return 0;
}

int osimages_prune(struct ctx *ctx, struct keystone *ks, const char *app,
		   int keep, const char *current, struct out *out)
{
	struct needed n = { STRVEC_INIT, keep, 0 };
	struct prune p = { ks, &n, out, STRVEC_INIT };
	struct err e = ERR_INIT;
	size_t i;
	int failed = 0;

	if (current)
		strvec_push(&n.ids, current);
	/* everything the store knows first: an image it cannot place stays */
	if (store_release_list(ctx->store, app, 0, note_needed, &n, &e) < 0 ||
	    store_release_list_unfinished(ctx->store, app, note_unfinished,
					  &n, &e) < 0 ||
	    glance_list_app(ks, app, note_doomed, &p, &e) < 0) {
		if (out)
			out_printf(out, "       warning: Glance images of %s not pruned: %s",
				   app, e.msg);
		failed = 1;
		goto out;
	}
	for (i = 0; i < p.doomed.nr; i++) {
		char *id = p.doomed.v[i], *sp = strchr(id, ' ');

		*sp = '\0';
		if (glance_delete(ks, id, &e) < 0) {
			if (out)
				out_printf(out, "       warning: %s", e.msg);
			failed++;
		} else if (out) {
			out_printf(out, "       removed Glance image %s (%s)",
				   sp + 1, id);
		} else {
			log_info("app '%s': removed Glance image %s (%s)", app,
				 sp + 1, id);
		}
	}
out:
	strvec_clear(&n.ids);
	strvec_clear(&p.doomed);
	return failed;
}

static int note_all(const struct glance_image *img, void *payload)
{
	strvec_pushf(payload, "%s %s", img->id, img->name ? img->name : "?");
	return 0;
}

int osimages_purge(struct keystone *ks, const char *app, FILE *out,
		   struct err *err)
{
	struct strvec all = STRVEC_INIT;
	size_t i;
	int ret = 0;

	if (glance_list_app(ks, app, note_all, &all, err) < 0)
		return -1;
	for (i = 0; i < all.nr && !ret; i++) {
		char *id = all.v[i], *sp = strchr(id, ' ');

		*sp = '\0';
		ret = glance_delete(ks, id, err);
		if (!ret && out)
			fprintf(out, "removed Glance image %s (%s)\n", sp + 1, id);
	}
	strvec_clear(&all);
	return ret;
}
