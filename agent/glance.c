/* glance: images in Glance v2: the requests, the answers' parsers, lookups */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "glanceapi.h"
#include "name.h"
#include "banned.h"

#define MAX_STRING 1024		/* any string of an image we keep */
#define MAX_PAGE 1000		/* images in one page */
#define MAX_LIST 10000		/* images glance_list_app reports */
#define MAX_NEXT 4096		/* a `next` link */
#define MAX_MESSAGE 300		/* Glance's message in an error line */

static char *endpoint_override;

static const char *const json_headers[] = {
	"Accept: application/json",
	NULL
};

static const char *const json_body_headers[] = {
	"Accept: application/json",
	"Content-Type: application/json",
	NULL
};

void glance_set_endpoint(const char *url)
{
	free(endpoint_override);
	endpoint_override = url ? xstrdup(url) : NULL;
}

/* ---- images, parsed ---- */

void glance_image_init(struct glance_image *img)
{
	memset(img, 0, sizeof(*img));
	img->size = -1;
}

void glance_image_release(struct glance_image *img)
{
	free(img->id);
	free(img->name);
	free(img->status);
	free(img->os_hash_value);
	free(img->digest);
	glance_image_init(img);
}

int glance_valid_id(const char *id)
{
	return name_os_id_valid(id, GLANCE_ID_MAX);
}

/*
 * The string member `key` of `o`: 0 and *out NULL when missing or null,
 * 1 when a string of at most MAX_STRING bytes without control characters
 * or NULs, -1 otherwise.
 */
static int jstring(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t i, n;

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	n = json_string_length(v);
	if (n > MAX_STRING || strlen(s) != n)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	*out = s;
	return 1;
}

static int all_of(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

/* "2026-12-01T17:43:45Z" */
static time_t parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (!s || !strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

/* solum_release "12" -> 12; anything else 0 */
static int parse_release(const char *s)
{
	long n;
	char *end;

	if (!s || !*s || strlen(s) > 9 || !all_of(s, "0123456789"))
		return 0;
	n = strtol(s, &end, 10);
	return *end ? 0 : (int)n;
}

static int image_from_json(json_t *o, struct glance_image *img,
			   struct err *err)
{
	const char *id, *name, *status, *hash, *digest, *rel, *created;
	json_t *size;

	glance_image_release(img);
	if (!json_is_object(o))
		return err_set(err, "an image is not a JSON object");
	if (jstring(o, "id", &id) <= 0 || !glance_valid_id(id))
		return err_set(err, "an image has no valid id");
	if (jstring(o, "status", &status) <= 0 || !*status ||
	    strlen(status) > 32 || !all_of(status, "abcdefghijklmnopqrstuvwxyz_"))
		return err_set(err, "image %s: no valid status", id);
	if (jstring(o, "name", &name) < 0 || jstring(o, "solum_digest", &digest) < 0 ||
	    jstring(o, "solum_release", &rel) < 0 ||
	    jstring(o, "created_at", &created) < 0)
		return err_set(err, "image %s: invalid name or properties", id);
	if (jstring(o, "os_hash_value", &hash) < 0 ||
	    (hash && (strlen(hash) > 128 || !all_of(hash, "0123456789abcdef"))))
		return err_set(err, "image %s: invalid os_hash_value", id);
	size = json_object_get(o, "size");
	if (size && !json_is_null(size) &&
	    (!json_is_integer(size) || json_integer_value(size) < 0))
		return err_set(err, "image %s: invalid size", id);
	img->id = xstrdup(id);
	img->status = xstrdup(status);
	img->name = name ? xstrdup(name) : NULL;
	img->os_hash_value = hash ? xstrdup(hash) : NULL;
	img->digest = digest ? xstrdup(digest) : NULL;
	img->release = parse_release(rel);
	img->size = json_is_integer(size) ? json_integer_value(size) : -1;
	img->created = parse_time(created);
	return 0;
}

static json_t *load(const char *json, size_t len, struct err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);

	if (!root)
		err_set(err, "not JSON: %s", jerr.text);
	return root;
}

int glance_image_parse(const char *json, size_t len, struct glance_image *img,
		       struct err *err)
{
	json_t *root = load(json, len, err);
	int ret;

	if (!root) {
		glance_image_release(img);
		return -1;
	}
	ret = image_from_json(root, img, err);
	json_decref(root);
	return ret;
}

static void free_images(struct glance_image *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		glance_image_release(&v[i]);
	free(v);
}

static int take_next(json_t *root, char **next_out, struct err *err)
{
	const char *next;
	size_t i;

	if (jstring(root, "next", &next) < 0)
		return err_set(err, "invalid next link");
	if (!next)
		return 0;
	if (strlen(next) > MAX_NEXT || !starts_with(next, "/v2/images?", NULL))
		return err_set(err, "invalid next link");
	for (i = 0; next[i]; i++)
		if ((unsigned char)next[i] <= 0x20 || next[i] == 0x7f ||
		    next[i] == '#')
			return err_set(err, "invalid next link");
	*next_out = xstrdup(next);
	return 0;
}

int glance_page_parse(const char *json, size_t len, struct glance_image **v_out,
		      size_t *nr_out, char **next_out, struct err *err)
{
	json_t *root = load(json, len, err), *images;
	struct glance_image *v = NULL;
	size_t i, n = 0;
	int ret = -1;

	*v_out = NULL;
	*nr_out = 0;
	*next_out = NULL;
	if (!root)
		return -1;
	images = json_object_get(root, "images");
	if (!json_is_array(images)) {
		err_set(err, "no list of images");
		goto out;
	}
	if (json_array_size(images) > MAX_PAGE) {
		err_set(err, "more than %d images in one page", MAX_PAGE);
		goto out;
	}
	n = json_array_size(images);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		glance_image_init(&v[i]);
	for (i = 0; i < n; i++) {
		if (image_from_json(json_array_get(images, i), &v[i], err) < 0)
			goto out;
	}
	if (take_next(root, next_out, err) < 0)
		goto out;
	*v_out = v;
	*nr_out = n;
	v = NULL;
	ret = 0;
out:
	free_images(v, v ? json_array_size(images) : 0);
	json_decref(root);
	return ret;
}

/* ---- talking to Glance ---- */

int glance_conn_open(struct glance_conn *c, struct keystone *ks,
		     struct err *err)
{
	memset(c, 0, sizeof(*c));
	c->ks = ks;
	if (endpoint_override)
		c->url = xstrdup(endpoint_override);
	else if (keystone_endpoint(ks, "image", NULL, NULL, &c->url, err) < 0)
		return err_wrap(err, "glance");
	if (keystone_connect(ks, c->url, &c->http, err) < 0) {
		glance_conn_close(c);
		return err_wrap(err, "glance");
	}
	return 0;
}

void glance_conn_close(struct glance_conn *c)
{
	http_free(c->http);
	free(c->url);
	c->http = NULL;
	c->url = NULL;
}

int glance_call(struct glance_conn *c, const struct http_request *req,
		struct http_response *res, struct err *err)
{
	struct http_request r = *req;

	if (!r.headers)
		r.headers = r.body ? json_body_headers : json_headers;
	if (!r.max_body)
		r.max_body = GLANCE_MAX_BODY;
	return keystone_request(c->ks, c->http, &r, res, err);
}

/* Add `s` (n bytes) to `b` without tags and on one line, spaces squeezed. */
static void add_text(struct buf *b, const char *s, size_t n)
{
	size_t i, start = b->len;
	int in_tag = 0;

	for (i = 0; i < n && b->len - start < MAX_MESSAGE; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '<')
			in_tag = 1;
		else if (ch == '>' && in_tag)
			in_tag = 0;
		else if (in_tag)
			continue;
		else if (ch <= 0x20 || ch == 0x7f) {
			if (b->len > start && b->ptr[b->len - 1] != ' ')
				buf_addch(b, ' ');
		} else {
			buf_addch(b, ch);
		}
	}
	buf_rtrim(b);
}

void glance_error_message(const struct http_response *res, struct buf *b)
{
	json_t *root = json_loadb(res->body.ptr, res->body.len, 0, NULL);
	json_t *o = root;
	const char *msg = NULL;

	if (json_is_object(json_object_get(o, "error")))
		o = json_object_get(o, "error");
	/* any text: add_text makes it one bounded line */
	if (json_is_string(json_object_get(o, "message")))
		msg = json_string_value(json_object_get(o, "message"));
	/* webob: "The request returned a 413 ...  <the reason>" */
	if (msg) {
		const char *why = strstr(msg, "\n\n");

		if (why && why[strspn(why, " \n")])
			msg = why;
		add_text(b, msg, strlen(msg));
	} else if (!root) {
		add_text(b, res->body.ptr, res->body.len);
	}
	json_decref(root);
}

int glance_http_error(const struct http_response *res, const char *what,
		      struct err *err)
{
	struct buf msg = BUF_INIT;

	glance_error_message(res, &msg);
	err_set(err, "%s: HTTP %ld%s%s", what, res->status,
		msg.len ? ": " : "", msg.ptr);
	err->code = (int)res->status;
	buf_release(&msg);
	return -1;
}

static int props_json(json_t *o, const char *name,
		      const struct glance_props *p)
{
	char rel[16];

	(void)xsnprintf(rel, sizeof(rel), "%d", p->release);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "container_format", json_string("docker"));
	json_object_set_new(o, "disk_format", json_string("raw"));
	json_object_set_new(o, "solum_app", json_string(p->app));
	json_object_set_new(o, "solum_release", json_string(rel));
	json_object_set_new(o, "solum_digest", json_string(p->digest));
	if (p->commit)
		json_object_set_new(o, "solum_commit", json_string(p->commit));
	if (p->tree)
		json_object_set_new(o, "solum_tree", json_string(p->tree));
	/* json_string gives NULL (and set_new fails) for invalid UTF-8 */
	return json_object_size(o) == 6u + !!p->commit + !!p->tree ? 0 : -1;
}

int glance_create(struct glance_conn *c, const char *name,
		  const struct glance_props *props, char **id_out,
		  struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct glance_image img;
	json_t *o = json_object();
	char *body = NULL, *what = NULL;
	int ret = -1;

	*id_out = NULL;
	http_response_init(&res);
	glance_image_init(&img);
	if (props_json(o, name, props) < 0 ||
	    !(body = json_dumps(o, JSON_COMPACT))) {
		err_set(err, "glance: upload %s: invalid properties", name);
		goto out;
	}
	req.method = "POST";
	req.path = "/v2/images";
	req.body = body;
	req.body_len = strlen(body);
	if (glance_call(c, &req, &res, err) < 0) {
		err_wrap(err, "glance: upload %s", name);
		goto out;
	}
	if (res.status != 201) {
		what = xstrfmt("glance: upload %s: create", name);
		glance_http_error(&res, what, err);
		goto out;
	}
	if (glance_image_parse(res.body.ptr, res.body.len, &img, err) < 0) {
		err_wrap(err, "glance: upload %s: the new image", name);
		goto out;
	}
	*id_out = img.id;
	img.id = NULL;
	ret = 0;
out:
	glance_image_release(&img);
	http_response_release(&res);
	json_decref(o);
	free(body);
	free(what);
	return ret;
}

int glance_conn_get(struct glance_conn *c, const char *id,
		    struct glance_image *img, struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct buf path = BUF_INIT, what = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	glance_image_release(img);
	buf_addf(&what, "glance: get image %s", id);
	if (!glance_valid_id(id)) {
		err_set(err, "%s: invalid id", what.ptr);
		goto out;
	}
	buf_addf(&path, "/v2/images/%s", id);
	req.path = path.ptr;
	if (glance_call(c, &req, &res, err) < 0) {
		err_wrap(err, "%s", what.ptr);
		goto out;
	}
	if (res.status != 200) {
		glance_http_error(&res, what.ptr, err);
		if (res.status == 404)
			err->code = GLANCE_ENOTFOUND;
		goto out;
	}
	if (glance_image_parse(res.body.ptr, res.body.len, img, err) < 0) {
		err_wrap(err, "%s", what.ptr);
		goto out;
	}
	if (strcmp(img->id, id)) {
		err_set(err, "%s: Glance answered with image %s", what.ptr, img->id);
		glance_image_release(img);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

int glance_conn_delete(struct glance_conn *c, const char *id,
		       struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct buf path = BUF_INIT, what = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&what, "glance: delete image %s", id);
	if (!glance_valid_id(id)) {
		err_set(err, "%s: invalid id", what.ptr);
		goto out;
	}
	buf_addf(&path, "/v2/images/%s", id);
	req.method = "DELETE";
	req.path = path.ptr;
	req.idempotent = 1;
	if (glance_call(c, &req, &res, err) < 0) {
		err_wrap(err, "%s", what.ptr);
		goto out;
	}
	if (res.status != 204 && res.status != 200 && res.status != 404) {
		glance_http_error(&res, what.ptr, err);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&path);
	buf_release(&what);
	return ret;
}

int glance_get(struct keystone *ks, const char *id, struct glance_image *out,
	       struct err *err)
{
	struct glance_conn c;
	int ret;

	if (glance_conn_open(&c, ks, err) < 0)
		return -1;
	ret = glance_conn_get(&c, id, out, err);
	glance_conn_close(&c);
	return ret;
}

int glance_delete(struct keystone *ks, const char *id, struct err *err)
{
	struct glance_conn c;
	int ret;

	if (glance_conn_open(&c, ks, err) < 0)
		return -1;
	ret = glance_conn_delete(&c, id, err);
	glance_conn_close(&c);
	return ret;
}

/*
 * GET `path` (a list) into the images of its page and its next link;
 * `what` names the operation in errors.
 */
static int get_page(struct glance_conn *c, const char *path, const char *what,
		    struct glance_image **v_out, size_t *nr_out,
		    char **next_out, struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	int ret = -1;

	http_response_init(&res);
	req.path = path;
	if (glance_call(c, &req, &res, err) < 0) {
		err_wrap(err, "%s", what);
		goto out;
	}
	if (res.status != 200) {
		glance_http_error(&res, what, err);
		goto out;
	}
	if (glance_page_parse(res.body.ptr, res.body.len, v_out, nr_out,
			      next_out, err) < 0) {
		err_wrap(err, "%s", what);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	return ret;
}

int glance_find_digest(struct keystone *ks, const char *app,
		       const char *digest, char **id_out, struct err *err)
{
	struct glance_conn c;
	struct glance_image *v = NULL;
	struct buf path = BUF_INIT, what = BUF_INIT;
	char *next = NULL;
	size_t i, nr = 0;
	int ret = -1;

	*id_out = NULL;
	buf_addf(&what, "glance: find the image of %s with digest %.80s",
		 app, digest);
	if (glance_conn_open(&c, ks, err) < 0)
		goto out_buf;
	buf_addstr(&path, "/v2/images?solum_app=");
	http_addquery(&path, app);
	buf_addstr(&path, "&solum_digest=");
	http_addquery(&path, digest);
	buf_addstr(&path, "&status=active&sort=created_at:desc&limit=20");
	if (get_page(&c, path.ptr, what.ptr, &v, &nr, &next, err) < 0)
		goto out;
	ret = 0;
	/* the filters are Glance's: check what it answered */
	for (i = 0; i < nr; i++)
		if (v[i].digest && !strcmp(v[i].digest, digest) &&
		    !strcmp(v[i].status, "active")) {
			*id_out = xstrdup(v[i].id);
			ret = 1;
			break;
		}
out:
	free_images(v, nr);
	free(next);
	glance_conn_close(&c);
out_buf:
	buf_release(&path);
	buf_release(&what);
	return ret;
}

/* One page to the callback: 1 when it said stop (its value in *stop_out). */
static int report_page(const struct glance_image *v, size_t nr, size_t *seen,
		       int (*cb)(const struct glance_image *, void *),
		       void *payload, int *stop_out)
{
	size_t i;

	for (i = 0; i < nr && *seen < MAX_LIST; i++, (*seen)++) {
		*stop_out = cb(&v[i], payload);
		if (*stop_out)
			return 1;
	}
	return *seen >= MAX_LIST;
}

int glance_list_app(struct keystone *ks, const char *app,
		    int (*cb)(const struct glance_image *img, void *payload),
		    void *payload, struct err *err)
{
	struct glance_conn c;
	struct glance_image *v = NULL;
	struct buf path = BUF_INIT, what = BUF_INIT;
	char *next = NULL;
	size_t nr = 0, seen = 0, pages;
	int ret = -1, stop = 0;

	buf_addf(&what, "glance: list the images of %s", app);
	if (glance_conn_open(&c, ks, err) < 0)
		goto out_buf;
	buf_addstr(&path, "/v2/images?solum_app=");
	http_addquery(&path, app);
	buf_addstr(&path, "&sort=created_at:desc&limit=200");
	for (pages = 0; pages < MAX_LIST / 10; pages++) {
		free(next);
		next = NULL;
		if (get_page(&c, path.ptr, what.ptr, &v, &nr, &next, err) < 0)
			goto out;
		if (report_page(v, nr, &seen, cb, payload, &stop) || !next ||
		    !nr)
			break;
		free_images(v, nr);
		v = NULL;
		nr = 0;
		buf_reset(&path);
		buf_addstr(&path, next);
	}
	ret = stop;
out:
	free_images(v, nr);
	free(next);
	glance_conn_close(&c);
out_buf:
	buf_release(&path);
	buf_release(&what);
	return ret;
}
