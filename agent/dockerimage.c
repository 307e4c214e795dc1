/* dockerimage: the Docker Engine API for images: build, tag, push, pull, save */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "docker.h"
#include "dockerapi.h"
#include "jsonstream.h"
#include "banned.h"

/* "X-Registry-Auth: <base64url of the JSON>"; owned, wipe after use. */
static char *auth_header(const struct docker_auth *auth)
{
	json_t *j = json_object();
	struct buf h = BUF_INIT;
	char *text;

	if (auth) {
		if (auth->username)
			json_object_set_new(j, "username", json_string(auth->username));
		if (auth->password)
			json_object_set_new(j, "password", json_string(auth->password));
		if (auth->serveraddress)
			json_object_set_new(j, "serveraddress",
					    json_string(auth->serveraddress));
	}
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		BUG("cannot encode registry credentials");
	buf_addstr(&h, "X-Registry-Auth: ");
	buf_add_base64(&h, (unsigned char *)text, strlen(text), 1);
	free_secret(text);
	return buf_detach(&h);
}

/* ---- the JSON message streams of build, push and pull ---- */

struct stream {
	const struct docker_out *out;
	struct jsonstream js;
	struct buf pending;		/* "stream" text short of a newline */
	char *aux_id;
	char *aux_digest;
	char *built_short;		/* from "Successfully built X" */
	char *error;			/* the engine's error text */
	time_t last_progress;
};

static void emit(struct stream *s, const char *line)
{
	const char *rest;

	if (starts_with(line, "Successfully built ", &rest) && *rest) {
		free(s->built_short);
		s->built_short = xstrdup(rest);
	}
	if (s->out && s->out->line)
		s->out->line(line, s->out->payload);
}

/* Relay complete lines of `pending`; with `all`, the remainder too. */
static void flush_pending(struct stream *s, int all)
{
	char *p = s->pending.ptr, *nl;
	size_t done;

	while ((nl = memchr(p, '\n', s->pending.len - (size_t)(p - s->pending.ptr)))) {
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		emit(s, p);
		p = nl + 1;
	}
	done = (size_t)(p - s->pending.ptr);
	if (all || s->pending.len - done > 65536) {
		if (s->pending.len > done)
			emit(s, p);
		done = s->pending.len;
	}
	if (done) {
		memmove(s->pending.ptr, s->pending.ptr + done, s->pending.len - done);
		buf_setlen(&s->pending, s->pending.len - done);
	}
}

static int on_message(json_t *msg, void *payload, struct err *err)
{
	struct stream *s = payload;
	json_t *detail = json_object_get(msg, "errorDetail");
	json_t *aux = json_object_get(msg, "aux");
	const char *text, *status;

	text = docker_jstr(detail, "message");
	if (!text)
		text = docker_jstr(msg, "error");
	if (text || detail || json_object_get(msg, "error")) {
		/* the first error is the one that matters */
		if (!s->error)
			s->error = xstrdup(text && *text ? text : "unknown error");
		return 0;
	}
	if ((text = docker_jstr(msg, "stream"))) {
		buf_addstr(&s->pending, text);
		flush_pending(s, 0);
	}
	if ((status = docker_jstr(msg, "status"))) {
		const char *id = docker_jstr(msg, "id"), *progress = docker_jstr(msg, "progress");
		struct buf line = BUF_INIT;
		time_t now = time(NULL);

		if (progress && *progress) {
			if (now - s->last_progress < 2)
				return 0;
			s->last_progress = now;
		}
		flush_pending(s, 1);
		if (id && *id)
			buf_addf(&line, "%s: ", id);
		buf_addstr(&line, status);
		if (progress && *progress)
			buf_addf(&line, " %s", progress);
		emit(s, line.ptr);
		buf_release(&line);
	}
	if (json_is_object(aux)) {
		if ((text = docker_jstr(aux, "ID"))) {
			free(s->aux_id);
			s->aux_id = xstrdup(text);
		}
		if ((text = docker_jstr(aux, "Digest"))) {
			free(s->aux_digest);
			s->aux_digest = xstrdup(text);
		}
	}
	return 0;
}

static int on_stream_data(const char *data, size_t len, void *payload,
			  struct err *err)
{
	struct stream *s = payload;

	return jsonstream_feed(&s->js, data, len, err);
}

static int on_tick(void *payload, struct err *err)
{
	struct stream *s = payload;

	return s->out && s->out->tick ? s->out->tick(s->out->payload, err) : 0;
}

static void stream_init(struct stream *s, const struct docker_out *out)
{
	memset(s, 0, sizeof(*s));
	s->out = out;
	jsonstream_init(&s->js, 0, on_message, s);
	buf_init(&s->pending);
}

static void stream_release(struct stream *s)
{
	jsonstream_release(&s->js);
	buf_release(&s->pending);
	free(s->aux_id);
	free(s->aux_digest);
	free(s->built_short);
	free(s->error);
}

/*
 * Run a request whose 2xx answer is a JSON message stream. Returns 0 when
 * the stream ended cleanly (s->error may still be set), -1 otherwise.
 */
static int run_stream(struct docker *d, struct http_request *req,
		      struct stream *s, const char *op, struct err *err)
{
	struct http_response res;
	int ret = -1;

	http_response_init(&res);
	req->on_data = on_stream_data;
	req->data_payload = s;
	req->tick = on_tick;
	req->tick_payload = s;
	if (docker_call(d, req, &res, err) < 0)
		goto out;
	if (res.status < 200 || res.status >= 300) {
		docker_api_error(&res, op, err);
		goto out;
	}
	if (jsonstream_finish(&s->js, err) < 0) {
		err_wrap(err, "docker: %s", op);
		goto out;
	}
	flush_pending(s, 1);
	ret = 0;
out:
	http_response_release(&res);
	return ret;
}

/* ---- images ---- */

int docker_build(struct docker *d, const struct docker_build_opts *opts,
		 const struct docker_out *out, char **image_id_out,
		 struct err *err)
{
	static const char *const hdrs[] = {
		"Content-Type: application/x-tar", NULL
	};
	struct http_request req = { 0 };
	struct buf path = BUF_INIT, op = BUF_INIT;
	struct stream s;
	struct docker_image img;
	int ret = -1;

	*image_id_out = NULL;
	stream_init(&s, out);
	docker_image_init(&img);
	if (opts->tag && docker_check_name("build", opts->tag, err) < 0)
		goto out;
	if (opts->tag)
		buf_addf(&op, "build '%s'", opts->tag);
	else
		buf_addstr(&op, "build");
	if (!opts->read) {
		err_set(err, "docker: %s: no build context", op.ptr);
		goto out;
	}

	buf_addstr(&path, API "/build?rm=1&forcerm=1");
	if (opts->tag) {
		buf_addstr(&path, "&t=");
		http_addquery(&path, opts->tag);
	}
	if (opts->dockerfile) {
		buf_addstr(&path, "&dockerfile=");
		http_addquery(&path, opts->dockerfile);
	}
	if (opts->nocache)
		buf_addstr(&path, "&nocache=1");
	docker_add_json_param(&path, "labels", docker_kv_object(opts->labels));
	docker_add_json_param(&path, "buildargs", docker_kv_object(opts->buildargs));

	req.method = "POST";
	req.path = path.ptr;
	req.headers = hdrs;
	req.body_read = opts->read;
	req.body_payload = opts->read_payload;
	req.timeout_secs = opts->timeout_secs;
	req.idle_secs = -1;	/* a RUN step may be silent for long */
	if (run_stream(d, &req, &s, op.ptr, err) < 0)
		goto out;
	if (s.error) {
		err_set(err, "%s", s.error);
		goto out;
	}
	if (s.aux_id) {
		*image_id_out = s.aux_id;
		s.aux_id = NULL;
	} else if (s.built_short || opts->tag) {
		/* older engines say only "Successfully built 0123abcd" */
		if (docker_image_inspect(d, s.built_short ? s.built_short : opts->tag,
					 &img, err) < 0)
			goto out;
		*image_id_out = img.id;
		img.id = NULL;
	} else {
		err_set(err, "docker: %s: the engine did not say which image it built",
			op.ptr);
		goto out;
	}
	ret = 0;
out:
	stream_release(&s);
	docker_image_release(&img);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

void docker_image_init(struct docker_image *img)
{
	memset(img, 0, sizeof(*img));
	strvec_init(&img->repo_tags);
	strvec_init(&img->repo_digests);
	strvec_init(&img->exposed);
}

void docker_image_release(struct docker_image *img)
{
	free(img->id);
	free(img->created);
	strvec_clear(&img->repo_tags);
	strvec_clear(&img->repo_digests);
	strvec_clear(&img->exposed);
	docker_image_init(img);
}

int docker_image_lowest_port(const struct docker_image *img, size_t *nr_out)
{
	size_t i, nr = 0;
	int low = 0;

	for (i = 0; i < img->exposed.nr; i++) {
		char *end;
		long p = strtol(img->exposed.v[i], &end, 10);

		if (p > 0 && p < 65536 && !strcmp(end, "/tcp")) {
			nr++;
			if (!low || p < low)
				low = (int)p;
		}
	}
	if (nr_out)
		*nr_out = nr;
	return low;
}

static void push_strings(struct strvec *sv, json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v))
			strvec_push(sv, json_string_value(v));
}

int docker_image_inspect(struct docker *d, const char *name,
			 struct docker_image *img, struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	json_t *j = NULL, *size;
	int ret = -1;

	http_response_init(&res);
	docker_image_release(img);
	if (docker_check_name("inspect image", name, err) < 0)
		goto out;
	buf_addf(&op, "inspect image '%s'", name);
	buf_addf(&path, API "/images/%s/json", name);
	if (docker_call_json(d, "GET", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	if (!(j = docker_parse_body(&res, op.ptr, err)))
		goto out;
	img->id = docker_jdup(j, "Id");
	img->created = docker_jdup(j, "Created");
	push_strings(&img->repo_tags, json_object_get(j, "RepoTags"));
	push_strings(&img->repo_digests, json_object_get(j, "RepoDigests"));
	{
		json_t *ports = json_object_get(json_object_get(j, "Config"),
						"ExposedPorts");
		const char *key;
		json_t *v;

		if (json_is_object(ports) && json_object_size(ports) < 1024) {
			json_object_foreach(ports, key, v)
				strvec_push(&img->exposed, key);
			strvec_sort(&img->exposed);
		}
	}
	size = json_object_get(j, "Size");
	img->size = json_is_integer(size) ? json_integer_value(size) : 0;
	if (!img->id) {
		err_set(err, "docker: %s: no Id in the answer", op.ptr);
		goto out;
	}
	ret = 0;
out:
	json_decref(j);
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

void docker_split_ref(const char *ref, char **name_out, char **tag_out)
{
	const char *at = strchr(ref, '@');
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');

	if (at) {
		*name_out = xstrndup(ref, (size_t)(at - ref));
		*tag_out = xstrdup(at + 1);
	} else if (colon && (!slash || colon > slash)) {
		*name_out = xstrndup(ref, (size_t)(colon - ref));
		*tag_out = xstrdup(colon + 1);
	} else {
		*name_out = xstrdup(ref);
		*tag_out = xstrdup("latest");
	}
}

int docker_image_tag(struct docker *d, const char *src, const char *dst,
		     struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	char *repo = NULL, *tag = NULL;
	int ret = -1;

	http_response_init(&res);
	if (docker_check_name("tag image", src, err) < 0 ||
	    docker_check_name("tag image", dst, err) < 0)
		goto out;
	buf_addf(&op, "tag image '%s' as '%s'", src, dst);
	docker_split_ref(dst, &repo, &tag);
	buf_addf(&path, API "/images/%s/tag?repo=", src);
	http_addquery(&path, repo);
	buf_addstr(&path, "&tag=");
	http_addquery(&path, tag);
	if (docker_call_json(d, "POST", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 201 && res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	ret = 0;
out:
	free(repo);
	free(tag);
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

int docker_auth_check(struct docker *d, const struct docker_auth *auth,
		      struct err *err)
{
	struct http_response res;
	json_t *body;
	int ret = -1;

	http_response_init(&res);
	body = json_pack("{s:s, s:s, s:s}", "username", auth->username,
			 "password", auth->password ? auth->password : "",
			 "serveraddress", auth->serveraddress);
	if (!body) {
		err_set(err, "docker: check credentials: invalid credentials");
		goto out;
	}
	if (docker_call_json(d, "POST", API "/auth", body, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		struct buf op = BUF_INIT;

		buf_addf(&op, "log in to '%s' as '%s'", auth->serveraddress,
			 auth->username);
		docker_api_error(&res, op.ptr, err);
		buf_release(&op);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	return ret;
}

/* What engines and registries say when credentials are missing or wrong. */
static int is_auth_error(const char *msg)
{
	return starts_with(msg, "unauthorized", NULL) ||
	       starts_with(msg, "denied", NULL) ||
	       strstr(msg, "authentication required") ||
	       strstr(msg, "no basic auth credentials");
}

/* Push or pull: both are JSON streams with X-Registry-Auth. */
static int registry_stream(struct docker *d, const char *verb, const char *ref,
			   const struct docker_auth *auth,
			   const struct docker_out *out, char **digest_out,
			   struct err *err)
{
	struct http_request req = { 0 };
	struct buf path = BUF_INIT, op = BUF_INIT;
	char *name = NULL, *tag = NULL, *hdr = NULL;
	const char *hdrs[2];
	struct stream s;
	int ret = -1;

	if (digest_out)
		*digest_out = NULL;
	stream_init(&s, out);
	if (docker_check_name(verb, ref, err) < 0)
		goto out;
	buf_addf(&op, "%s '%s'", verb, ref);
	docker_split_ref(ref, &name, &tag);
	if (!strcmp(verb, "push")) {
		buf_addf(&path, API "/images/%s/push?tag=", name);
		http_addquery(&path, tag);
	} else {
		buf_addstr(&path, API "/images/create?fromImage=");
		http_addquery(&path, name);
		buf_addstr(&path, "&tag=");
		http_addquery(&path, tag);
	}
	hdr = auth_header(auth);
	hdrs[0] = hdr;
	hdrs[1] = NULL;
	req.method = "POST";
	req.path = path.ptr;
	req.headers = hdrs;
	req.idle_secs = 300;
	if (run_stream(d, &req, &s, op.ptr, err) < 0)
		goto out;
	if (s.error && is_auth_error(s.error)) {
		if (auth && auth->username)
			err_set(err, "docker: %s: the registry refused the credentials of '%s': %s",
				op.ptr, auth->username, s.error);
		else
			err_set(err, "docker: %s: the registry wants credentials: %s",
				op.ptr, s.error);
		goto out;
	}
	if (s.error) {
		err_set(err, "docker: %s: %s", op.ptr, s.error);
		goto out;
	}
	if (digest_out && s.aux_digest) {
		*digest_out = s.aux_digest;
		s.aux_digest = NULL;
	}
	ret = 0;
out:
	free_secret(hdr);
	free(name);
	free(tag);
	stream_release(&s);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

int docker_push(struct docker *d, const char *ref,
		const struct docker_auth *auth, const struct docker_out *out,
		char **digest_out, struct err *err)
{
	char *digest = NULL;
	int ret;

	ret = registry_stream(d, "push", ref, auth, out, &digest, err);
	if (!ret && !digest) {
		ret = err_set(err, "docker: push '%s': the engine did not report a digest", ref);
	}
	if (digest_out && !ret)
		*digest_out = digest;
	else
		free(digest);
	return ret;
}

int docker_pull(struct docker *d, const char *ref,
		const struct docker_auth *auth, const struct docker_out *out,
		struct err *err)
{
	return registry_stream(d, "pull", ref, auth, out, NULL, err);
}

int docker_image_remove(struct docker *d, const char *name, int force,
			struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	if (docker_check_name("remove image", name, err) < 0)
		goto out;
	buf_addf(&op, "remove image '%s'", name);
	buf_addf(&path, API "/images/%s?force=%d", name, force ? 1 : 0);
	if (docker_call_json(d, "DELETE", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

struct save {
	http_data_fn *fn;
	void *payload;
	const struct docker_out *out;
};

static int save_tick(void *payload, struct err *err)
{
	struct save *s = payload;

	return s->out && s->out->tick ? s->out->tick(s->out->payload, err) : 0;
}

int docker_image_save(struct docker *d, const char *name,
		      http_data_fn *on_data, void *payload,
		      const struct docker_out *out, struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	struct save s = { on_data, payload, out };
	int ret = -1;

	http_response_init(&res);
	if (docker_check_name("save image", name, err) < 0)
		goto out;
	buf_addf(&op, "save image '%s'", name);
	buf_addf(&path, API "/images/%s/get", name);
	req.path = path.ptr;
	req.on_data = on_data;
	req.data_payload = payload;
	req.tick = save_tick;
	req.tick_payload = &s;
	req.idle_secs = 300;
	if (docker_call(d, &req, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}
