/* dockerapi: what the docker*.c files share; not for other modules */
#ifndef SOLUM_DOCKERAPI_H
#define SOLUM_DOCKERAPI_H

#include <jansson.h>

#include "buf.h"
#include "docker.h"
#include "http.h"

#define API "/" DOCKER_API

struct docker {
	struct http *http;
	char *host;
};

/* The string member `key` of `obj` (borrowed), or NULL. */
const char *docker_jstr(json_t *obj, const char *key);
/* The same, owned. */
char *docker_jdup(json_t *obj, const char *key);
/*
 * Names and ids go into URL paths as they are, so anything that could end
 * the path is refused: -1 with "docker: WHAT: invalid name '...'".
 */
int docker_check_name(const char *what, const char *name, struct err *err);
/*
 * An answer that is not what was hoped for: "docker: OP: HTTP N: message";
 * err->code DOCKER_ENOTFOUND on 404. Always -1.
 */
int docker_api_error(struct http_response *res, const char *op,
		     struct err *err);
/* A request whose transport failure is prefixed "docker: ". */
int docker_call(struct docker *d, struct http_request *req,
		struct http_response *res, struct err *err);
/* A request with an optional JSON body (stolen), the answer in `res`. */
int docker_call_json(struct docker *d, const char *method, const char *path,
		     json_t *body, struct http_response *res, struct err *err);
/* The answer's JSON (owned), or NULL with the reason in err. */
json_t *docker_parse_body(struct http_response *res, const char *op,
			  struct err *err);
/* "KEY=VALUE" list to a JSON object; NULL stays NULL. */
json_t *docker_kv_object(const char *const *kv);
json_t *docker_str_array(const char *const *v);
/* Append "&name=<json of obj>" (obj stolen) to a query. */
void docker_add_json_param(struct buf *q, const char *name, json_t *obj);

#endif
