/* glanceapi: what glance.c and glanceup.c share; not for other modules */
#ifndef SOLUM_GLANCEAPI_H
#define SOLUM_GLANCEAPI_H

#include "glance.h"
#include "http.h"

/* Glance answers (JSON) larger than this are refused; a page is < 1 MiB. */
#define GLANCE_MAX_BODY (4u << 20)

/* The image endpoint of a session and a connection to it. */
struct glance_conn {
	struct keystone *ks;	/* borrowed */
	struct http *http;
	char *url;		/* the endpoint, without a version */
};

/* Find the endpoint (or the override) and connect; errors start "glance: ". */
int glance_conn_open(struct glance_conn *c, struct keystone *ks,
		     struct err *err);
void glance_conn_close(struct glance_conn *c);

/*
 * keystone_request with "Accept: application/json" added (Glance's error
 * bodies are HTML otherwise), and a JSON Content-Type for buffer bodies.
 */
int glance_call(struct glance_conn *c, const struct http_request *req,
		struct http_response *res, struct err *err);

/*
 * Set err to "<what>: HTTP <status>: <Glance's message>", the message on
 * one line and bounded; err->code is the status. Always -1.
 */
int glance_http_error(const struct http_response *res, const char *what,
		      struct err *err);

/* Append to `b` Glance's message in an error answer, one line, bounded. */
void glance_error_message(const struct http_response *res, struct buf *b);

/* The image id is one Glance could have made: [A-Za-z0-9-], bounded. */
int glance_valid_id(const char *id);

/* POST /v2/images; *id_out owned. Errors start "glance: upload NAME: ". */
int glance_create(struct glance_conn *c, const char *name,
		  const struct glance_props *props, char **id_out,
		  struct err *err);

/* GET /v2/images/ID into `img` (released first). */
int glance_conn_get(struct glance_conn *c, const char *id,
		    struct glance_image *img, struct err *err);

/* DELETE /v2/images/ID; 404 is success. */
int glance_conn_delete(struct glance_conn *c, const char *id,
		       struct err *err);

#endif
