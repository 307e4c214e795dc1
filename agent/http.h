/* http: a small libcurl wrapper: unix sockets, streamed bodies, capped responses */
#ifndef SOLUM_HTTP_H
#define SOLUM_HTTP_H

#include <stddef.h>
#include <sys/types.h>

#include "buf.h"
#include "err.h"
#include "strvec.h"

/* Collected response bodies larger than this are an error, by default. */
#define HTTP_MAX_BODY (8u << 20)

/*
 * One endpoint: a base URL and the connection it keeps alive between
 * requests. A struct http is used by one thread at a time.
 */
struct http;

/*
 * `base` is one of
 *   unix:///path/to/socket   requests go over that socket (Host: localhost)
 *   tcp://host:port          plain HTTP to host:port (DOCKER_HOST style;
 *                            https once http_set_tls is called)
 *   http://host[:port][/prefix], https://...
 * A request's path is appended to the base. `*http_out` is owned (free it
 * with http_free). Fails only on a base it cannot understand.
 */
int http_new(const char *base, struct http **http_out, struct err *err);
void http_free(struct http *h);

/* The base as given to http_new (borrowed, valid until http_free). */
const char *http_base(const struct http *h);

/*
 * TLS with a private CA, the way Docker engines are secured: the server's
 * certificate must chain to the certificates in `ca_file` (PEM; only
 * those, not the system's) and name the host or address connected to;
 * `cert_file` and `key_file` (PEM, both or neither) are the client's
 * certificate and key, for servers that ask for one. TLS 1.2 or later.
 */
struct http_tls {
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
};

/*
 * Use `tls` for every request on `h`, which must have a tcp:// or
 * https:// base; a tcp:// base then speaks https. `ca_file` may be NULL
 * for an https:// base: the system's CAs are then trusted. The
 * paths are copied and each file must be readable now; one that is not is
 * an error naming it: "cannot read the client key '/x/key.pem': No such
 * file or directory". No error ever shows what a file holds.
 */
int http_set_tls(struct http *h, const struct http_tls *tls, struct err *err);

/*
 * Do not check the certificate of an https:// server, as OpenStack's
 * clients do for clouds.yaml's `verify: false`: anyone on the path can
 * then read and change the traffic. Fails for other bases.
 */
int http_set_insecure(struct http *h, struct err *err);

/*
 * err->code of a request that failed because the server's certificate
 * could not be verified (unknown CA, wrong name, expired);
 * http_cert_error() then gives the TLS library's reason, e.g. "SSL
 * certificate problem: unable to get local issuer certificate"
 * (borrowed, valid until the next request on `h`).
 */
#define HTTP_ECERT 495
const char *http_cert_error(const struct http *h);

/*
 * Defaults for every request on `h`: `connect_secs` to connect (default
 * 10); a transfer that moves no byte for `idle_secs` fails (default 60,
 * 0: never); `retries` more attempts `retry_ms` apart when an idempotent
 * request cannot connect (default 2, 250 ms).
 */
void http_set_timeouts(struct http *h, long connect_secs, long idle_secs);
void http_set_retries(struct http *h, int retries, long retry_ms);

/*
 * Pull-model body source: fill up to `len` bytes of `buf` and return how
 * many, 0 at the end, or -1 with `err` set.
 */
typedef ssize_t http_read_fn(void *buf, size_t len, void *payload,
			     struct err *err);

/* Receives the body of a 2xx response as it arrives; 0 or -1 with err. */
typedef int http_data_fn(const char *data, size_t len, void *payload,
			 struct err *err);

/*
 * Called about once a second while a request runs (also while it waits
 * for the peer); non-zero aborts the request with `err` as its reason.
 */
typedef int http_tick_fn(void *payload, struct err *err);

/*
 * A request. Zero-initialise it and set what applies; everything is
 * borrowed for the duration of http_request.
 */
struct http_request {
	const char *method;		/* "GET" (default), "POST", "PUT", ... */
	const char *path;		/* "/v1.41/images/json?all=1" */

	/*
	 * Extra request headers, "Name: value", NULL-terminated. Header
	 * values never appear in errors or logs, so credentials
	 * (X-Registry-Auth, X-Auth-Token) belong here.
	 */
	const char *const *headers;

	/* The body: none, a buffer, or streamed from a read callback. */
	const void *body;
	size_t body_len;
	http_read_fn *body_read;	/* wins over `body` */
	void *body_payload;
	/* > 0: the streamed body's exact size (Content-Length); else chunked */
	long long body_size;

	/*
	 * The response body: given to `on_data` as it arrives when the status
	 * is 2xx, otherwise (and when on_data is NULL) collected into the
	 * response's `body`, up to `max_body` bytes (0: HTTP_MAX_BODY);
	 * a longer body is an error.
	 */
	http_data_fn *on_data;
	void *data_payload;
	size_t max_body;

	/* Response headers to keep, by name (any case), NULL-terminated. */
	const char *const *want_headers;

	http_tick_fn *tick;
	void *tick_payload;

	long timeout_secs;	/* whole request; 0: no limit */
	long idle_secs;		/* > 0 overrides the handle's; < 0: no limit */

	/*
	 * Non-zero when repeating the request is harmless, which lets a
	 * failure to connect be retried. GET and HEAD always are.
	 */
	int idempotent;
};

/*
 * What came back. `body` and `headers` are owned by the struct
 * (http_response_release frees them); `headers` holds "Name: value" for
 * each wanted header that came, as the server spelled the name.
 */
struct http_response {
	long status;
	struct buf body;
	struct strvec headers;
};

void http_response_init(struct http_response *res);
void http_response_release(struct http_response *res);

/* Value of a kept header (borrowed, valid until release), or NULL. */
const char *http_response_header(const struct http_response *res,
				 const char *name);

/*
 * Perform `req`. Returns 0 when a response arrived, whatever its status
 * (check res->status), and -1 when none did or it could not be read in
 * full, with one line in `err` naming the request and the reason:
 *   "GET /v1.41/_ping: cannot connect to unix:///x/docker.sock: No such file or directory"
 * Errors set by the callbacks are passed on, prefixed the same way.
 * `res` must be initialised; it is reset first.
 */
int http_request(struct http *h, const struct http_request *req,
		 struct http_response *res, struct err *err);

/*
 * Append `s` to `b` percent-encoded for a URL query or path segment
 * (everything but unreserved characters is escaped).
 */
void http_addquery(struct buf *b, const char *s);

#endif
