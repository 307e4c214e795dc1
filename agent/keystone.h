/* keystone: tokens and the service catalog from Keystone v3 */
#ifndef SOLUM_KEYSTONE_H
#define SOLUM_KEYSTONE_H

#include <stddef.h>
#include <time.h>

#include "clouds.h"
#include "err.h"
#include "http.h"

/* X-Subject-Token values longer than this are refused. */
#define KEYSTONE_MAX_TOKEN 16384

/* Token responses (mostly the catalog) larger than this are refused. */
#define KEYSTONE_MAX_BODY (4u << 20)

/* One endpoint of the catalog; the strings are owned by the catalog. */
struct keystone_endpoint {
	char *type;		/* "image", "orchestration", "identity", ... */
	char *interface;	/* "public", "internal", "admin" */
	char *region;		/* "RegionOne", or "" when it has none */
	char *url;		/* as Keystone gives it */
};

/* The service catalog of a token, in Keystone's order. */
struct keystone_catalog {
	struct keystone_endpoint *v;
	size_t nr, alloc;
};

void keystone_catalog_init(struct keystone_catalog *cat);
void keystone_catalog_release(struct keystone_catalog *cat);

/*
 * Fill `cat` (initialised, emptied first) from `json`, the body of
 * Keystone's POST /v3/auth/tokens answer ({"token": {"catalog": [...]}}).
 * Endpoints without a type, interface or http(s) URL are left out;
 * anything that is not that JSON, or holds more than 4096 endpoints or
 * strings over 2048 bytes, is an error. A pure function, for tests and
 * fuzzing.
 */
int keystone_catalog_parse(struct keystone_catalog *cat, const char *json,
			   size_t len, struct err *err);

/*
 * The URL of the endpoint of service `type` with `interface` ("public"
 * when NULL) in `region` (any when NULL or ""), borrowed from `cat`. When
 * nothing matches the error lists what there is: "no public endpoint of
 * 'image' in region 'RegionTwo' (there are: public RegionOne, internal
 * RegionOne)", "no 'image' service in the catalog (there are: compute,
 * identity)"; when endpoints of several regions match and no region is
 * given it asks for one. The URL is used as given: orchestration's ends
 * in the project id, image's has no version, identity's ends in /v3/.
 */
int keystone_catalog_find(const struct keystone_catalog *cat,
			  const char *type, const char *interface,
			  const char *region, const char **url_out,
			  struct err *err);

/*
 * A session with Keystone: one token (one per deploy) and its catalog.
 * Used by one thread at a time.
 */
struct keystone;

/*
 * Authenticate as `cloud` says (password, application credential or
 * token) with POST <auth_url>/v3/auth/tokens ("/v3" is added to an
 * auth_url without it), trusting cloud->cacert (else the system's CAs),
 * with cloud->cert/key, checking the server unless !cloud->verify.
 * `cloud` is borrowed and must stay valid until keystone_free: renewals
 * use it. `*ks_out` is owned (keystone_free). Errors say who
 * authenticated where and what went wrong, with Keystone's own message:
 *   "keystone: authenticate as 'demo' at http://127.0.0.1:5000/v3: HTTP 401: The request you have made requires authentication."
 *   "keystone: authenticate as 'demo' at http://127.0.0.1:5000/v3: POST /auth/tokens: cannot connect to http://127.0.0.1:5000/v3: Connection refused"
 * No error or log shows the password, secret or token.
 */
int keystone_auth(const struct clouds_cloud *cloud, struct keystone **ks_out,
		  struct err *err);

/* Forget the token (overwritten first) and the catalog; NULL is a no-op. */
void keystone_free(struct keystone *ks);

/*
 * Authenticate again and replace the token and the catalog, for a
 * request refused with 401 (an expired or revoked token): callers renew
 * once and repeat the request once (keystone_request does). Errors as
 * keystone_auth's.
 */
int keystone_reauth(struct keystone *ks, struct err *err);

/*
 * The token, for X-Auth-Token (borrowed, valid until keystone_reauth or
 * keystone_free): a secret, to go into request headers only.
 */
const char *keystone_token(const struct keystone *ks);

/* How many bytes the token has (for diagnostics, instead of the token). */
size_t keystone_token_len(const struct keystone *ks);

/* When the token expires (token.expires_at), or 0 if Keystone said not. */
time_t keystone_expires(const struct keystone *ks);

/* The cloud the session authenticates as (borrowed from keystone_auth). */
const struct clouds_cloud *keystone_cloud(const struct keystone *ks);

/* The token's project id, or NULL for an unscoped token (borrowed). */
const char *keystone_project_id(const struct keystone *ks);

/* The token's catalog (borrowed, valid until keystone_reauth/free). */
const struct keystone_catalog *keystone_catalog(const struct keystone *ks);

/*
 * keystone_catalog_find in the session's catalog, with the cloud's
 * interface and region_name when `interface` or `region` is NULL, unless
 * the cloud overrides the endpoint of `type` (image_endpoint_override,
 * orchestration_endpoint_override in clouds.yaml);
 * `*url_out` is owned (free()). Errors start "keystone: ".
 */
int keystone_endpoint(const struct keystone *ks, const char *type,
		      const char *interface, const char *region,
		      char **url_out, struct err *err);

/*
 * An http handle for `url` (an endpoint of the catalog) with the cloud's
 * TLS settings; `*http_out` is owned (http_free).
 */
int keystone_connect(const struct keystone *ks, const char *url,
		     struct http **http_out, struct err *err);

/*
 * http_request on `h` with the token added as X-Auth-Token. A 401 answer
 * renews the token once (keystone_reauth) and repeats the request, unless
 * its body is streamed (req->body_read: it cannot be sent again; the 401
 * is returned). Returns as http_request.
 */
int keystone_request(struct keystone *ks, struct http *h,
		     const struct http_request *req,
		     struct http_response *res, struct err *err);

#endif
