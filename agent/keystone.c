/* keystone: tokens and the service catalog from Keystone v3 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "keystone.h"
#include "banned.h"

#define MAX_ENDPOINTS 4096
#define MAX_STRING 2048

struct keystone {
	const struct clouds_cloud *cloud;	/* borrowed */
	struct http *http;			/* to `base` */
	char *base;				/* auth URL, ending in /v3 */
	char *token;				/* secret */
	time_t expires;
	char *project_id;
	struct keystone_catalog catalog;
};

/* ---- the catalog ---- */

void keystone_catalog_init(struct keystone_catalog *cat)
{
	memset(cat, 0, sizeof(*cat));
}

void keystone_catalog_release(struct keystone_catalog *cat)
{
	size_t i;

	for (i = 0; i < cat->nr; i++) {
		free(cat->v[i].type);
		free(cat->v[i].interface);
		free(cat->v[i].region);
		free(cat->v[i].url);
	}
	free(cat->v);
	keystone_catalog_init(cat);
}

/* A string member of `o` no longer than MAX_STRING, or NULL. */
static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > MAX_STRING ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static void add_endpoint(struct keystone_catalog *cat, const char *type,
			 json_t *ep)
{
	const char *iface = jstr(ep, "interface");
	const char *url = jstr(ep, "url");
	const char *region = jstr(ep, "region_id");
	struct keystone_endpoint *e;

	if (!region)
		region = jstr(ep, "region");
	if (!iface || !*iface || !printable(iface) || !url ||
	    !printable(url) || (!starts_with(url, "http://", NULL) &&
				!starts_with(url, "https://", NULL)))
		return;
	if (region && !printable(region))
		region = NULL;
	if (cat->nr == cat->alloc) {
		cat->alloc = cat->alloc ? cat->alloc * 2 : 16;
		cat->v = xrealloc(cat->v, cat->alloc * sizeof(*cat->v));
	}
	e = &cat->v[cat->nr++];
	e->type = xstrdup(type);
	e->interface = xstrdup(iface);
	e->region = xstrdup(region ? region : "");
	e->url = xstrdup(url);
}

/* token.catalog of a token response */
static int catalog_from_json(struct keystone_catalog *cat, json_t *catalog,
			     struct err *err)
{
	size_t i, j, n = 0;
	json_t *svc, *eps, *ep;
	const char *type;

	keystone_catalog_release(cat);
	if (!catalog)
		return 0;
	if (!json_is_array(catalog))
		return err_set(err, "token.catalog is not a list");
	json_array_foreach(catalog, i, svc) {
		type = jstr(svc, "type");
		eps = json_object_get(svc, "endpoints");
		if (!type || !*type || !printable(type) || !json_is_array(eps))
			continue;
		json_array_foreach(eps, j, ep) {
			if (++n > MAX_ENDPOINTS) {
				keystone_catalog_release(cat);
				return err_set(err, "more than %d endpoints in the catalog",
					       MAX_ENDPOINTS);
			}
			add_endpoint(cat, type, ep);
		}
	}
	return 0;
}

static json_t *load_token(const char *json, size_t len, struct err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);

	if (!root)
		return err_set(err, "the answer is not JSON: %s", jerr.text),
		       NULL;
	if (!json_is_object(json_object_get(root, "token"))) {
		json_decref(root);
		return err_set(err, "the answer has no token"), NULL;
	}
	return root;
}

int keystone_catalog_parse(struct keystone_catalog *cat, const char *json,
			   size_t len, struct err *err)
{
	json_t *root = load_token(json, len, err);
	int ret;

	keystone_catalog_release(cat);
	if (!root)
		return -1;
	ret = catalog_from_json(cat, json_object_get(json_object_get(root,
						"token"), "catalog"), err);
	json_decref(root);
	return ret;
}

/* "there are: public RegionOne, internal RegionOne" for `type` */
static void list_endpoints(const struct keystone_catalog *cat,
			   const char *type, struct buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < cat->nr; i++) {
		const struct keystone_endpoint *e = &cat->v[i];

		if (strcmp(e->type, type))
			continue;
		if (n++ == 8) {
			buf_addstr(out, ", ...");
			break;
		}
		buf_addf(out, "%s%.32s%s%.64s", n > 1 ? ", " : "",
			 e->interface, *e->region ? " " : "", e->region);
	}
}

/* the distinct service types of `cat`, sorted */
static void list_types(const struct keystone_catalog *cat, struct buf *out)
{
	struct strvec types = STRVEC_INIT;
	size_t i, n = 0;

	for (i = 0; i < cat->nr; i++)
		strvec_push(&types, cat->v[i].type);
	strvec_sort(&types);
	for (i = 0; i < types.nr; i++) {
		if (i && !strcmp(types.v[i], types.v[i - 1]))
			continue;
		if (n++ == 16) {
			buf_addstr(out, ", ...");
			break;
		}
		buf_addf(out, "%s%.32s", n > 1 ? ", " : "", types.v[i]);
	}
	strvec_clear(&types);
}

static int not_found(const struct keystone_catalog *cat, const char *type,
		     const char *iface, const char *region, int has_type,
		     struct err *err)
{
	struct buf msg = BUF_INIT;

	if (!has_type) {
		buf_addf(&msg, "no '%.64s' service in the catalog", type);
		if (cat->nr) {
			buf_addstr(&msg, " (there are: ");
			list_types(cat, &msg);
			buf_addch(&msg, ')');
		} else {
			buf_addstr(&msg, ", which is empty");
		}
	} else {
		buf_addf(&msg, "no %.32s endpoint of '%.64s'", iface, type);
		if (region)
			buf_addf(&msg, " in region '%.64s'", region);
		buf_addstr(&msg, " (there are: ");
		list_endpoints(cat, type, &msg);
		buf_addch(&msg, ')');
	}
	err_set(err, "%s", msg.ptr);
	buf_release(&msg);
	return -1;
}

int keystone_catalog_find(const struct keystone_catalog *cat,
			  const char *type, const char *interface,
			  const char *region, const char **url_out,
			  struct err *err)
{
	const struct keystone_endpoint *found = NULL;
	size_t i;
	int has_type = 0;

	*url_out = NULL;
	if (!interface || !*interface)
		interface = "public";
	if (region && !*region)
		region = NULL;
	for (i = 0; i < cat->nr; i++) {
		const struct keystone_endpoint *e = &cat->v[i];

		if (strcmp(e->type, type))
			continue;
		has_type = 1;
		if (strcmp(e->interface, interface) ||
		    (region && strcmp(e->region, region)))
			continue;
		if (found && strcmp(found->region, e->region)) {
			struct buf list = BUF_INIT;

			list_endpoints(cat, type, &list);
			err_set(err, "'%.64s' has %s endpoints in several regions (%s): choose one with region_name",
				type, interface, list.ptr);
			buf_release(&list);
			return -1;
		}
		if (!found)
			found = e;
	}
	if (!found)
		return not_found(cat, type, interface, region, has_type, err);
	*url_out = found->url;
	return 0;
}

/* ---- authentication ---- */

/* `s` for an error: printable, at most 64 bytes */
static void add_quoted(struct buf *b, const char *s)
{
	size_t n;

	for (n = 0; s[n] && n < 64; n++)
		buf_addch(b, (unsigned char)s[n] < 0x20 ||
			     (unsigned char)s[n] == 0x7f ? '?' : s[n]);
	if (s[n])
		buf_addstr(b, "...");
}

/* "authenticate as 'demo' at http://127.0.0.1:5000/v3" */
static void describe(const struct keystone *ks, struct buf *b)
{
	const struct clouds_cloud *c = ks->cloud;

	buf_addstr(b, "authenticate ");
	switch (c->auth_type) {
	case CLOUDS_AUTH_APPCRED:
		buf_addstr(b, "with application credential '");
		add_quoted(b, c->application_credential_id ?
			   c->application_credential_id :
			   c->application_credential_name);
		buf_addch(b, '\'');
		break;
	case CLOUDS_AUTH_TOKEN:
		buf_addstr(b, "with a token");
		break;
	default:
		buf_addstr(b, "as '");
		add_quoted(b, c->username ? c->username : c->user_id);
		buf_addch(b, '\'');
		break;
	}
	buf_addf(b, " at %s", ks->base);
}

/* Set o[key] = v; remember in *bad a value that is not UTF-8. */
static void set_str(json_t *o, const char *key, const char *v, int *bad)
{
	json_t *s;

	if (!v)
		return;
	s = json_string(v);
	if (!s)
		*bad = 1;
	else
		json_object_set_new(o, key, s);
}

/* {"id": ID} or {"name": NAME, "domain": {...}}, as Keystone wants */
static json_t *ref(const char *id, const char *name, const char *dom_id,
		   const char *dom_name, int *bad)
{
	json_t *o = json_object(), *d;

	if (id) {
		set_str(o, "id", id, bad);
		return o;
	}
	set_str(o, "name", name, bad);
	if (dom_id || dom_name) {
		d = json_object();
		if (dom_id)
			set_str(d, "id", dom_id, bad);
		else
			set_str(d, "name", dom_name, bad);
		json_object_set_new(o, "domain", d);
	}
	return o;
}

static json_t *user_ref(const struct clouds_cloud *c, int *bad)
{
	return ref(c->user_id, c->username, c->user_domain_id,
		   c->user_domain_name, bad);
}

/* The identity part of the request for the cloud's auth type. */
static json_t *identity(const struct clouds_cloud *c, int *bad)
{
	json_t *id = json_object(), *m;

	switch (c->auth_type) {
	case CLOUDS_AUTH_APPCRED:
		json_object_set_new(id, "methods",
				    json_pack("[s]", "application_credential"));
		m = json_object();
		if (c->application_credential_id) {
			set_str(m, "id", c->application_credential_id, bad);
		} else {
			set_str(m, "name", c->application_credential_name, bad);
			json_object_set_new(m, "user", user_ref(c, bad));
		}
		set_str(m, "secret", c->application_credential_secret, bad);
		json_object_set_new(id, "application_credential", m);
		break;
	case CLOUDS_AUTH_TOKEN:
		json_object_set_new(id, "methods", json_pack("[s]", "token"));
		m = json_object();
		set_str(m, "id", c->token, bad);
		json_object_set_new(id, "token", m);
		break;
	default:
		json_object_set_new(id, "methods", json_pack("[s]", "password"));
		m = user_ref(c, bad);
		set_str(m, "password", c->password, bad);
		json_object_set_new(id, "password", json_pack("{s:o}", "user", m));
		break;
	}
	return id;
}

/*
 * The body of POST /v3/auth/tokens (owned; it holds a secret: wipe it),
 * or NULL when a value is not UTF-8. Application credentials carry their
 * project: Keystone refuses a scope with them.
 */
static char *auth_body(const struct clouds_cloud *c)
{
	json_t *auth = json_object(), *root;
	char *text = NULL;
	int bad = 0;

	json_object_set_new(auth, "identity", identity(c, &bad));
	if (c->auth_type != CLOUDS_AUTH_APPCRED &&
	    (c->project_id || c->project_name))
		json_object_set_new(auth, "scope", json_pack("{s:o}", "project",
			ref(c->project_id, c->project_name,
			    c->project_domain_id, c->project_domain_name,
			    &bad)));
	root = json_pack("{s:o}", "auth", auth);
	if (!bad)
		text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

/* Keystone's message in an error answer: {"error": {"message": ...}} */
static void add_message(struct buf *b, const struct http_response *res)
{
	json_t *root = json_loadb(res->body.ptr, res->body.len, 0, NULL);
	const char *msg = jstr(json_object_get(root, "error"), "message");
	size_t n, i;

	if (!msg) {
		/* not JSON: the body's first line, if it is text */
		msg = res->body.ptr;
		n = strcspn(msg, "\r\n");
	} else {
		n = strlen(msg);
	}
	if (n > 300)
		n = 300;
	if (n)
		buf_addstr(b, ": ");
	for (i = 0; i < n; i++)
		buf_addch(b, (unsigned char)msg[i] < 0x20 ||
			     (unsigned char)msg[i] == 0x7f ? ' ' : msg[i]);
	json_decref(root);
}

/* The token of X-Subject-Token, checked, or NULL with `why`. */
static char *take_token(struct http_response *res, struct buf *why)
{
	const char *v = http_response_header(res, "X-Subject-Token");

	if (!v || !*v)
		return buf_addstr(why, "the answer has no X-Subject-Token"),
		       NULL;
	if (strlen(v) > KEYSTONE_MAX_TOKEN)
		return buf_addf(why, "X-Subject-Token longer than %d bytes",
				KEYSTONE_MAX_TOKEN), NULL;
	if (!printable(v))
		return buf_addstr(why, "X-Subject-Token is not printable"),
		       NULL;
	return xstrdup(v);
}

/* "2026-12-01T17:43:45.000000Z" */
static time_t parse_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	return timegm(&tm);
}

/* Take the token, its expiry, project and catalog from a 201 answer. */
static int take_answer(struct keystone *ks, struct http_response *res,
		       struct buf *why)
{
	struct keystone_catalog cat;
	struct err e = ERR_INIT;
	json_t *root, *tok;
	char *token;

	const char *project;

	keystone_catalog_init(&cat);
	if (!(token = take_token(res, why)))
		return -1;
	root = load_token(res->body.ptr, res->body.len, &e);
	tok = json_object_get(root, "token");
	if (!root ||
	    catalog_from_json(&cat, json_object_get(tok, "catalog"), &e) < 0) {
		buf_addstr(why, e.msg);
		json_decref(root);
		free_secret(token);
		return -1;
	}
	free_secret(ks->token);
	ks->token = token;
	ks->expires = parse_time(jstr(tok, "expires_at"));
	project = jstr(json_object_get(tok, "project"), "id");
	free(ks->project_id);
	ks->project_id = project ? xstrdup(project) : NULL;
	keystone_catalog_release(&ks->catalog);
	ks->catalog = cat;
	json_decref(root);
	if (!ks->catalog.nr) {
		buf_addstr(why, "the token has no service catalog (is a project given?)");
		return -1;
	}
	return 0;
}

/* The response's kept headers hold the token: overwrite them. */
static void wipe_response(struct http_response *res)
{
	size_t i;

	for (i = 0; i < res->headers.nr; i++)
		explicit_bzero(res->headers.v[i], strlen(res->headers.v[i]));
	http_response_release(res);
}

static int authenticate(struct keystone *ks, struct err *err)
{
	static const char *const headers[] = {
		"Content-Type: application/json",
		"Accept: application/json", NULL,
	};
	static const char *const want[] = { "X-Subject-Token", NULL };
	struct http_request req;
	struct http_response res;
	struct buf what = BUF_INIT, why = BUF_INIT;
	char *body = auth_body(ks->cloud);
	int ret = -1;

	http_response_init(&res);
	describe(ks, &what);
	if (!body) {
		err_set(err, "keystone: %s: the credentials are not valid UTF-8",
			what.ptr);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/auth/tokens";
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.want_headers = want;
	req.max_body = KEYSTONE_MAX_BODY;
	req.timeout_secs = 120;
	req.idempotent = 1;	/* nothing changes on the server */
	if (http_request(ks->http, &req, &res, err) < 0) {
		err_wrap(err, "keystone: %s", what.ptr);
		goto out;
	}
	if (res.status != 201 && res.status != 200) {
		buf_addf(&why, "HTTP %ld", res.status);
		add_message(&why, &res);
	} else if (take_answer(ks, &res, &why) == 0) {
		ret = 0;
	}
	if (ret < 0)
		err_set(err, "keystone: %s: %s", what.ptr, why.ptr);
out:
	free_secret(body);
	wipe_response(&res);
	buf_release(&what);
	buf_release(&why);
	return ret;
}

/* auth_url with /v3 (and no slash) at its end */
static int v3_base(const char *auth_url, char **base_out, struct err *err)
{
	char *b = xstrdup(auth_url);
	size_t n = strlen(b);

	while (n > 8 && b[n - 1] == '/')
		b[--n] = '\0';
	if (n >= 5 && !strcmp(b + n - 5, "/v2.0")) {
		free(b);
		return err_set(err, "keystone: '%.200s' is Keystone's v2.0 API: solum needs v3",
			       auth_url);
	}
	if (n < 3 || strcmp(b + n - 3, "/v3")) {
		*base_out = xstrfmt("%s/v3", b);
		free(b);
	} else {
		*base_out = b;
	}
	return 0;
}

/* An http handle for `url` with the TLS settings of `c`. */
static int open_http(const struct clouds_cloud *c, const char *url,
		     struct http **http_out, struct err *err)
{
	struct http_tls tls;
	struct http *h = NULL;

	*http_out = NULL;
	if (http_new(url, &h, err) < 0)
		return -1;
	if (starts_with(url, "https://", NULL)) {
		memset(&tls, 0, sizeof(tls));
		tls.ca_file = c->cacert;
		tls.cert_file = c->cert;
		tls.key_file = c->key;
		if ((c->cacert || c->cert) && http_set_tls(h, &tls, err) < 0)
			goto fail;
		if (!c->verify && http_set_insecure(h, err) < 0)
			goto fail;
	}
	*http_out = h;
	return 0;
fail:
	http_free(h);
	return -1;
}

int keystone_auth(const struct clouds_cloud *cloud, struct keystone **ks_out,
		  struct err *err)
{
	struct keystone *ks = xcalloc(1, sizeof(*ks));

	*ks_out = NULL;
	ks->cloud = cloud;
	keystone_catalog_init(&ks->catalog);
	if (!cloud->auth_url) {
		err_set(err, "keystone: cloud '%.64s' has no auth_url",
			cloud->name ? cloud->name : "");
		goto fail;
	}
	if (v3_base(cloud->auth_url, &ks->base, err) < 0)
		goto fail;
	if (open_http(cloud, ks->base, &ks->http, err) < 0) {
		err_wrap(err, "keystone: %s", ks->base);
		goto fail;
	}
	if (authenticate(ks, err) < 0)
		goto fail;
	*ks_out = ks;
	return 0;
fail:
	keystone_free(ks);
	return -1;
}

void keystone_free(struct keystone *ks)
{
	if (!ks)
		return;
	http_free(ks->http);
	free(ks->base);
	free_secret(ks->token);
	free(ks->project_id);
	keystone_catalog_release(&ks->catalog);
	free(ks);
}

int keystone_reauth(struct keystone *ks, struct err *err)
{
	return authenticate(ks, err);
}

const char *keystone_token(const struct keystone *ks)
{
	return ks->token;
}

size_t keystone_token_len(const struct keystone *ks)
{
	return ks->token ? strlen(ks->token) : 0;
}

time_t keystone_expires(const struct keystone *ks)
{
	return ks->expires;
}

const struct clouds_cloud *keystone_cloud(const struct keystone *ks)
{
	return ks->cloud;
}

const char *keystone_project_id(const struct keystone *ks)
{
	return ks->project_id;
}

const struct keystone_catalog *keystone_catalog(const struct keystone *ks)
{
	return &ks->catalog;
}

int keystone_endpoint(const struct keystone *ks, const char *type,
		      const char *interface, const char *region,
		      char **url_out, struct err *err)
{
	const char *url;

	*url_out = NULL;
	url = !strcmp(type, "image") ? ks->cloud->image_endpoint_override :
	      !strcmp(type, "orchestration") ?
	      ks->cloud->orchestration_endpoint_override : NULL;
	if (url) {
		*url_out = xstrdup(url);
		return 0;
	}
	if (keystone_catalog_find(&ks->catalog, type,
				  interface ? interface : ks->cloud->interface,
				  region ? region : ks->cloud->region_name,
				  &url, err) < 0)
		return err_wrap(err, "keystone");
	*url_out = xstrdup(url);
	return 0;
}

int keystone_connect(const struct keystone *ks, const char *url,
		     struct http **http_out, struct err *err)
{
	return open_http(ks->cloud, url, http_out, err);
}

int keystone_request(struct keystone *ks, struct http *h,
		     const struct http_request *req,
		     struct http_response *res, struct err *err)
{
	struct http_request r = *req;
	const char **headers;
	char *auth = NULL;
	size_t n = 0;
	int attempt, ret = -1;

	while (req->headers && req->headers[n])
		n++;
	headers = xcalloc(n + 2, sizeof(*headers));
	if (n)
		memcpy(headers, req->headers, n * sizeof(*headers));
	r.headers = headers;
	for (attempt = 0;; attempt++) {
		free_secret(auth);
		auth = xstrfmt("X-Auth-Token: %s", ks->token);
		headers[n] = auth;
		if (http_request(h, &r, res, err) < 0)
			break;
		ret = 0;
		if (res->status != 401 || attempt || req->body_read)
			break;
		ret = -1;
		if (keystone_reauth(ks, err) < 0)
			break;
	}
	free_secret(auth);
	free(headers);
	return ret;
}
