/* glance: images in Glance v2, streamed from the Docker engine */
#ifndef SOLUM_GLANCE_H
#define SOLUM_GLANCE_H

#include <stddef.h>
#include <time.h>

#include "docker.h"
#include "err.h"
#include "keystone.h"
#include "out.h"

/* Longest Glance image id accepted (a UUID is 36). */
#define GLANCE_ID_MAX 64

/*
 * An image of the app in Glance, as listed. Strings are owned (NULL when
 * Glance left them out); glance_image_release frees them.
 */
struct glance_image {
	char *id;
	char *name;		/* "web-v3" */
	char *status;		/* "active", "queued", "saving", ... */
	long long size;		/* -1: unknown */
	char *os_hash_value;	/* sha512 hex, when active */
	char *digest;		/* property solum_digest */
	int release;		/* property solum_release, 0 when missing */
	time_t created;
};

void glance_image_init(struct glance_image *img);
void glance_image_release(struct glance_image *img);

/*
 * Fill `img` (initialised, released first) from `json`, Glance's answer to
 * GET /v2/images/{id}. The id must be at most GLANCE_ID_MAX characters of
 * [A-Za-z0-9-] and the status present; strings that are too long or hold
 * control characters are errors, as is anything that is not an object. A
 * pure function, for tests and fuzzing.
 */
int glance_image_parse(const char *json, size_t len, struct glance_image *img,
		       struct err *err);

/*
 * One page of GET /v2/images: the images (*v_out, *nr_out; owned, each
 * to be released, then free(*v_out)), at most 1000, and the `next` link
 * (*next_out, owned, NULL on the last page), which must be a path
 * "/v2/images?..." of printable characters. Pure, like glance_image_parse.
 */
int glance_page_parse(const char *json, size_t len, struct glance_image **v_out,
		      size_t *nr_out, char **next_out, struct err *err);

/*
 * The properties every solum image carries, as strings (Glance refuses
 * other types): solum_app, solum_release, solum_commit, solum_tree,
 * solum_digest. All borrowed; commit and tree may be NULL.
 */
struct glance_props {
	const char *app;
	int release;
	const char *commit;
	const char *tree;
	const char *digest;	/* registry digest "sha256:..." */
};

/* What an upload did, for the release record and the benchmarks. */
struct glance_stats {
	long long bytes;	/* sent and verified */
	long long ms;		/* from create to verified */
	char sha512[129];	/* hex, computed while streaming */
};

/*
 * Upload the engine's image `engine_ref` (a name or id docker_image_save
 * takes) to Glance as `name` ("APP-vN"): POST /v2/images (container_format
 * docker, disk_format raw, the properties above), the id taken from that
 * answer; then GET /images/{ref}/get from the engine streamed straight
 * into PUT /v2/images/{id}/file, no temp file, memory flat whatever the
 * size; the sha512 computed while the bytes pass; then GET the image and
 * check status active, size and os_hash_value against what was sent.
 *
 * The engine is asked for the image first (docker_image_inspect), so a
 * missing image fails before Glance has anything.
 *
 * Progress goes to `out` (may be NULL) as "uploading to Glance: 120 MiB
 * of about 480 MiB (25%), 110 MiB/s" at least every out->interval_ms
 * (the total is the engine's Size, an estimate of the tar's length; past
 * it only MiB and rate), and one final line with size, time and rate.
 * out->cancelled stops it. On any failure, cancel included, the
 * half-made image is deleted and -1 returned with one line in err, which
 * says what Glance answered: "glance: upload web-v3: HTTP 413: The
 * incoming image is too large: ..." / "glance: upload web-v3: connection
 * cut after 212 MiB: PUT ...: ..." / "glance: upload web-v3: cancelled
 * after 12 MiB" / "glance: upload web-v3: sha512 mismatch: Glance has
 * ab12..., solum sent cd34...". Should the delete fail too, the line
 * ends "(and the image ID is left: ...)". *id_out (owned) on success;
 * `stats` may be NULL.
 */
int glance_upload(struct keystone *ks, struct docker *docker,
		  const char *engine_ref, const char *name,
		  const struct glance_props *props, struct out *out,
		  char **id_out, struct glance_stats *stats, struct err *err);

/*
 * The active image of `app` whose solum_digest is `digest`, newest
 * first: 1 and *id_out (owned) when there is one, 0 when none.
 */
int glance_find_digest(struct keystone *ks, const char *app,
		       const char *digest, char **id_out, struct err *err);

/*
 * Every image with solum_app = `app`, newest first, to `cb` (the image is
 * borrowed for the call; a non-zero return stops the listing and is
 * returned). Follows Glance's pagination (`next`), at most 10000 images.
 */
int glance_list_app(struct keystone *ks, const char *app,
		    int (*cb)(const struct glance_image *img, void *payload),
		    void *payload, struct err *err);

/* GET one image; a missing one: -1 with err->code GLANCE_ENOTFOUND. */
#define GLANCE_ENOTFOUND 404
int glance_get(struct keystone *ks, const char *id, struct glance_image *out,
	       struct err *err);

/* DELETE /v2/images/{id}; an image already gone is success. */
int glance_delete(struct keystone *ks, const char *id, struct err *err);

/*
 * Talk to Glance at `url` (http(s)://host:port, no version; copied)
 * instead of the catalog's image endpoint, for every later call of this
 * process; NULL goes back to the catalog. For tests that put a proxy in
 * between and for clouds whose catalog is wrong.
 */
void glance_set_endpoint(const char *url);

#endif
