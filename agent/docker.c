/* docker: a client of the Docker Engine API (v1.41): the connection, ping, shared helpers */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker.h"
#include "dockerapi.h"
#include "banned.h"

/* "tcp://h" gets docker's default port: 2376 with TLS, 2375 without. */
static char *with_default_port(const char *host, int tls)
{
	const char *rest, *bracket;

	if (!starts_with(host, "tcp://", &rest) || !*rest)
		return xstrdup(host);
	bracket = strrchr(rest, ']');
	if (strchr(bracket ? bracket : rest, ':'))
		return xstrdup(host);
	return xstrfmt("%s:%d", host, tls ? 2376 : 2375);
}

/* ca.pem, cert.pem and key.pem of `cert_path` (else ~/.docker) for d->http */
static int open_tls(struct docker *d, const char *cert_path, struct err *err)
{
	struct http_tls tls;
	const char *home = getenv("HOME");
	char *dir;
	size_t n;
	int ret;

	if (cert_path && *cert_path)
		dir = xstrdup(cert_path);
	else if (home && *home)
		dir = xstrfmt("%s/.docker", home);
	else
		return err_set(err, "docker: TLS to %s: no certificate directory (DOCKER_CERT_PATH, docker.cert_path) and no HOME",
			       d->host);
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		dir[--n] = '\0';
	tls.ca_file = xstrfmt("%s/ca.pem", dir);
	tls.cert_file = xstrfmt("%s/cert.pem", dir);
	tls.key_file = xstrfmt("%s/key.pem", dir);
	ret = http_set_tls(d->http, &tls, err);
	if (ret < 0)
		err_wrap(err, "docker: TLS to %s", d->host);
	free((char *)tls.ca_file);
	free((char *)tls.cert_file);
	free((char *)tls.key_file);
	free(dir);
	return ret;
}

int docker_open(const char *host, const struct docker_tls *tls,
		struct docker **docker_out, struct err *err)
{
	struct docker_tls env_tls;
	struct docker *d;
	const char *v;
	int use_tls;

	*docker_out = NULL;
	if (!host || !*host)
		host = getenv("DOCKER_HOST");
	if (!host || !*host)
		host = DOCKER_DEFAULT_HOST;
	if (!tls) {
		/* as the docker CLI: set and not empty turns TLS on */
		v = getenv("DOCKER_TLS_VERIFY");
		env_tls.verify = v && *v;
		env_tls.cert_path = getenv("DOCKER_CERT_PATH");
		tls = &env_tls;
	}
	if (!starts_with(host, "unix://", NULL) &&
	    !starts_with(host, "tcp://", NULL) &&
	    !starts_with(host, "http://", NULL))
		return err_set(err, "docker: host '%s': expected unix:///path or tcp://host:port",
			       host);
	use_tls = tls->verify && starts_with(host, "tcp://", NULL);
	d = xcalloc(1, sizeof(*d));
	d->host = with_default_port(host, use_tls);
	if (http_new(d->host, &d->http, err) < 0) {
		docker_free(d);
		return err_wrap(err, "docker");
	}
	if (use_tls && open_tls(d, tls->cert_path, err) < 0) {
		docker_free(d);
		return -1;
	}
	*docker_out = d;
	return 0;
}

void docker_free(struct docker *d)
{
	if (!d)
		return;
	http_free(d->http);
	free(d->host);
	free(d);
}

const char *docker_host(const struct docker *d)
{
	return d->host;
}

/* ---- helpers ---- */

const char *docker_jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

char *docker_jdup(json_t *obj, const char *key)
{
	const char *s = docker_jstr(obj, key);

	return s ? xstrdup(s) : NULL;
}

/*
 * Names and ids go into URL paths as they are (an image name has "/" and
 * a registry's ":port"), so anything that could end the path is refused.
 */
int docker_check_name(const char *what, const char *name, struct err *err)
{
	const char *p;

	if (!name || !*name)
		return err_set(err, "docker: %s: empty name", what);
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/:@", *p)))
			return err_set(err, "docker: %s: invalid name '%s'",
				       what, name);
	if (strstr(name, "..") || name[0] == '/' || name[0] == '-')
		return err_set(err, "docker: %s: invalid name '%s'", what, name);
	return 0;
}

/*
 * An answer that is not what was hoped for: "docker: OP: HTTP N: message",
 * the message from the engine's {"message": ...} when there is one.
 */
int docker_api_error(struct http_response *res, const char *op,
		     struct err *err)
{
	json_t *j = NULL;
	const char *msg = NULL;
	struct buf text = BUF_INIT;

	if (res->body.len) {
		j = json_loadb(res->body.ptr, res->body.len, 0, NULL);
		msg = docker_jstr(j, "message");
	}
	if (!msg) {
		buf_add(&text, res->body.ptr, res->body.len > 200 ? 200 : res->body.len);
		buf_rtrim(&text);
		msg = text.len ? text.ptr : "no message";
	}
	err_set(err, "docker: %s: HTTP %ld: %s", op, res->status, msg);
	if (res->status == 404)
		err->code = DOCKER_ENOTFOUND;
	json_decref(j);
	buf_release(&text);
	return -1;
}

/* Perform a request whose failure is a transport error, prefixed "docker: ". */
int docker_call(struct docker *d, struct http_request *req,
		struct http_response *res, struct err *err)
{
	if (http_request(d->http, req, res, err) < 0) {
		int code = err->code;

		if (code == HTTP_ECERT)
			err_set(err, "docker: cannot verify the engine's certificate at %s: %s",
				d->host, http_cert_error(d->http));
		else
			err_wrap(err, "docker");
		err->code = code;
		return -1;
	}
	return 0;
}

/* Request with an optional JSON body (stolen), answer in `res`. */
int docker_call_json(struct docker *d, const char *method, const char *path,
		     json_t *body, struct http_response *res, struct err *err)
{
	static const char *const json_hdr[] = {
		"Content-Type: application/json", NULL
	};
	struct http_request req = { 0 };
	char *text = NULL;
	int ret;

	req.method = method;
	req.path = path;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
		if (!text)
			return err_set(err, "docker: %s %s: cannot encode JSON", method, path);
		req.body = text;
		req.body_len = strlen(text);
		req.headers = json_hdr;
	}
	ret = docker_call(d, &req, res, err);
	free(text);
	return ret;
}

json_t *docker_parse_body(struct http_response *res, const char *op,
			  struct err *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(res->body.ptr, res->body.len, 0, &jerr);

	if (!j)
		err_set(err, "docker: %s: invalid JSON in the answer: %s", op, jerr.text);
	return j;
}

/* "KEY=VALUE" list to a JSON object; NULL stays NULL. */
json_t *docker_kv_object(const char *const *kv)
{
	json_t *o;
	size_t i;

	if (!kv)
		return NULL;
	o = json_object();
	for (i = 0; kv[i]; i++) {
		const char *eq = strchr(kv[i], '=');
		char *key;

		if (!eq) {
			json_object_set_new(o, kv[i], json_string(""));
			continue;
		}
		key = xstrndup(kv[i], (size_t)(eq - kv[i]));
		json_object_set_new(o, key, json_string(eq + 1));
		free(key);
	}
	return o;
}

json_t *docker_str_array(const char *const *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; v && v[i]; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

/* Append "&name=<json of obj>" (obj stolen) to a query. */
void docker_add_json_param(struct buf *q, const char *name, json_t *obj)
{
	char *text;

	if (!obj)
		return;
	text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(obj);
	if (!text)
		return;
	buf_addf(q, "&%s=", name);
	http_addquery(q, text);
	free(text);
}

/* ---- ping ---- */

int docker_ping(struct docker *d, struct err *err)
{
	static const char *const want[] = { "Api-Version", NULL };
	struct http_request req = { 0 };
	struct http_response res;
	const char *v;
	int ret = -1, major = 0, minor = 0;

	http_response_init(&res);
	req.path = API "/_ping";
	req.want_headers = want;
	req.max_body = 4096;
	if (docker_call(d, &req, &res, err) < 0)
		goto out;
	if (res.status == 400 && res.body.len &&
	    memmem(res.body.ptr, res.body.len, "HTTPS server", 12)) {
		err_set(err, "docker: the engine at %s wants TLS: set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (docker.tls_verify, docker.cert_path)",
			d->host);
		goto out;
	}
	if (res.status != 200) {
		docker_api_error(&res, "ping", err);
		goto out;
	}
	v = http_response_header(&res, "Api-Version");
	if (v && sscanf(v, "%d.%d", &major, &minor) == 2 &&
	    (major < 1 || (major == 1 && minor < 41))) {
		err_set(err, "docker: %s speaks API %s; solum needs 1.41 or later",
			d->host, v);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	return ret;
}
