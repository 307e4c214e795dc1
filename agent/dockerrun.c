/* dockerrun: the Docker Engine API for what runs: containers and networks */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "docker.h"
#include "dockerapi.h"
#include "banned.h"

/* ---- containers ---- */

/* ExposedPorts and PortBindings: opts->port on host_ip:host_port. */
static void publish(const struct docker_container_opts *opts, json_t *body,
		    json_t *host)
{
	char key[32], hp[16];
	json_t *exposed = json_object(), *bindings = json_object();
	json_t *binding = json_object();

	snprintf(key, sizeof(key), "%d/tcp", opts->port);
	snprintf(hp, sizeof(hp), "%d", opts->host_port);
	json_object_set_new(exposed, key, json_object());
	json_object_set_new(body, "ExposedPorts", exposed);
	json_object_set_new(binding, "HostIp",
			    json_string(opts->host_ip ? opts->host_ip : "127.0.0.1"));
	json_object_set_new(binding, "HostPort",
			    json_string(opts->host_port ? hp : ""));
	json_object_set_new(bindings, key, json_pack("[o]", binding));
	json_object_set_new(host, "PortBindings", bindings);
}

/* Restart policy, limits, privileges and init of the HostConfig. */
static void host_limits(const struct docker_container_opts *opts,
			json_t *host)
{
	json_object_set_new(host, "RestartPolicy",
			    json_pack("{s:s}", "Name",
				      opts->restart ? opts->restart : "no"));
	if (opts->memory > 0)
		json_object_set_new(host, "Memory", json_integer(opts->memory));
	if (opts->pids > 0)
		json_object_set_new(host, "PidsLimit", json_integer(opts->pids));
	if (opts->no_new_privileges)
		json_object_set_new(host, "SecurityOpt",
				    json_pack("[s]", "no-new-privileges"));
	if (opts->init)
		json_object_set_new(host, "Init", json_true());
}

int docker_container_create(struct docker *d,
			    const struct docker_container_opts *opts,
			    char **id_out, struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	json_t *body, *host, *j = NULL;
	const char *id;
	int ret = -1;

	*id_out = NULL;
	http_response_init(&res);
	if (opts->name)
		buf_addf(&op, "create container '%s'", opts->name);
	else
		buf_addstr(&op, "create container");
	if ((opts->name && docker_check_name(op.ptr, opts->name, err) < 0) ||
	    docker_check_name(op.ptr, opts->image, err) < 0)
		goto out;
	if (opts->port < 0 || opts->port > 65535 ||
	    opts->host_port < 0 || opts->host_port > 65535) {
		err_set(err, "docker: %s: port out of range", op.ptr);
		goto out;
	}

	body = json_object();
	host = json_object();
	json_object_set_new(body, "Image", json_string(opts->image));
	if (opts->env)
		json_object_set_new(body, "Env", docker_str_array(opts->env));
	if (opts->labels)
		json_object_set_new(body, "Labels", docker_kv_object(opts->labels));
	if (opts->cmd)
		json_object_set_new(body, "Cmd", docker_str_array(opts->cmd));
	if (opts->network)
		json_object_set_new(host, "NetworkMode", json_string(opts->network));
	if (opts->port && !(opts->network && !strcmp(opts->network, "host")))
		publish(opts, body, host);
	host_limits(opts, host);
	json_object_set_new(body, "HostConfig", host);

	buf_addstr(&path, API "/containers/create");
	if (opts->name) {
		buf_addstr(&path, "?name=");
		http_addquery(&path, opts->name);
	}
	if (docker_call_json(d, "POST", path.ptr, body, &res, err) < 0)
		goto out;
	if (res.status != 201) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	if (!(j = docker_parse_body(&res, op.ptr, err)))
		goto out;
	if (!(id = docker_jstr(j, "Id"))) {
		err_set(err, "docker: %s: no Id in the answer", op.ptr);
		goto out;
	}
	*id_out = xstrdup(id);
	ret = 0;
out:
	json_decref(j);
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

/* ---- networks ---- */

int docker_network_ensure(struct docker *d, const char *name,
			  const char *const *labels, struct err *err)
{
	struct http_response res;
	struct buf op = BUF_INIT;
	json_t *body;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&op, "create network '%s'", name ? name : "");
	if (docker_check_name(op.ptr, name, err) < 0)
		goto out;
	body = json_pack("{s:s, s:b, s:s}", "Name", name, "CheckDuplicate", 1,
			 "Driver", "bridge");
	if (labels)
		json_object_set_new(body, "Labels", docker_kv_object(labels));
	if (docker_call_json(d, "POST", API "/networks/create", body, &res,
			     err) < 0)
		goto out;
	/* 409: it exists already, which is what was asked */
	if (res.status != 201 && res.status != 409) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&op);
	return ret;
}

int docker_network_remove(struct docker *d, const char *name,
			  struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&op, "remove network '%s'", name ? name : "");
	if (docker_check_name(op.ptr, name, err) < 0)
		goto out;
	buf_addf(&path, API "/networks/%s", name);
	if (docker_call_json(d, "DELETE", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 204 && res.status != 200 && res.status != 404) {
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

/* POST/DELETE on a container where 204 (and maybe 304) is success. */
static int container_action(struct docker *d, const char *method,
			    const char *verb, const char *id, const char *suffix,
			    long idle_secs, struct err *err)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&op, "%s container '%s'", verb, id ? id : "");
	if (docker_check_name(op.ptr, id, err) < 0)
		goto out;
	buf_addf(&path, API "/containers/%s%s", id, suffix);
	req.method = method;
	req.path = path.ptr;
	req.idle_secs = idle_secs;
	if (docker_call(d, &req, &res, err) < 0)
		goto out;
	if (res.status != 204 && res.status != 304 && res.status != 200) {
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

int docker_container_start(struct docker *d, const char *id, struct err *err)
{
	return container_action(d, "POST", "start", id, "/start", 0, err);
}

int docker_container_stop(struct docker *d, const char *id, int timeout_secs,
			  struct err *err)
{
	char suffix[32];

	if (timeout_secs < 0)
		timeout_secs = 0;
	snprintf(suffix, sizeof(suffix), "/stop?t=%d", timeout_secs);
	/* the engine answers only once the container is down */
	return container_action(d, "POST", "stop", id, suffix,
				(long)timeout_secs + 60, err);
}

int docker_container_remove(struct docker *d, const char *id, int force,
			    struct err *err)
{
	return container_action(d, "DELETE", "remove", id,
				force ? "?force=1&v=1" : "?v=1", 0, err);
}

void docker_container_init(struct docker_container *c)
{
	memset(c, 0, sizeof(*c));
	strvec_init(&c->labels);
}

void docker_container_release(struct docker_container *c)
{
	free(c->id);
	free(c->name);
	free(c->image);
	free(c->image_id);
	free(c->state);
	free(c->health);
	strvec_clear(&c->labels);
	docker_container_init(c);
}

const char *docker_container_label(const struct docker_container *c,
				   const char *key)
{
	size_t i, n = strlen(key);

	for (i = 0; i < c->labels.nr; i++)
		if (!strncmp(c->labels.v[i], key, n) && c->labels.v[i][n] == '=')
			return c->labels.v[i] + n + 1;
	return NULL;
}

static void set_labels(struct docker_container *c, json_t *labels)
{
	const char **keys;
	const char *key;
	json_t *v;
	size_t n = 0, i;

	if (!json_is_object(labels))
		return;
	keys = xcalloc(json_object_size(labels) + 1, sizeof(*keys));
	json_object_foreach(labels, key, v)
		keys[n++] = key;
	/* insertion sort: label sets are small */
	for (i = 1; i < n; i++) {
		const char *k = keys[i];
		size_t j = i;

		while (j && strcmp(keys[j - 1], k) > 0) {
			keys[j] = keys[j - 1];
			j--;
		}
		keys[j] = k;
	}
	for (i = 0; i < n; i++) {
		const char *val = docker_jstr(labels, keys[i]);

		strvec_pushf(&c->labels, "%s=%s", keys[i], val ? val : "");
	}
	free(keys);
}

static char *strip_slash(const char *name)
{
	return name ? xstrdup(name[0] == '/' ? name + 1 : name) : NULL;
}

int docker_container_inspect(struct docker *d, const char *id,
			     struct docker_container *c, struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	json_t *j = NULL, *state, *config, *health;
	int ret = -1;

	http_response_init(&res);
	docker_container_release(c);
	buf_addf(&op, "inspect container '%s'", id ? id : "");
	if (docker_check_name(op.ptr, id, err) < 0)
		goto out;
	buf_addf(&path, API "/containers/%s/json", id);
	if (docker_call_json(d, "GET", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	if (!(j = docker_parse_body(&res, op.ptr, err)))
		goto out;
	state = json_object_get(j, "State");
	config = json_object_get(j, "Config");
	health = json_object_get(state, "Health");
	c->id = docker_jdup(j, "Id");
	c->name = strip_slash(docker_jstr(j, "Name"));
	c->image = docker_jdup(config, "Image");
	c->image_id = docker_jdup(j, "Image");
	c->state = docker_jdup(state, "Status");
	c->running = json_is_true(json_object_get(state, "Running"));
	c->exit_code = (int)json_integer_value(json_object_get(state, "ExitCode"));
	c->health = docker_jdup(health, "Status");
	c->pid = (long)json_integer_value(json_object_get(state, "Pid"));
	set_labels(c, json_object_get(config, "Labels"));
	if (!c->id) {
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

int docker_container_list(struct docker *d, const char *label, int all,
			  struct docker_container **list_out, size_t *nr_out,
			  struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT;
	json_t *j = NULL, *v, *names;
	struct docker_container *list = NULL;
	size_t i, nr = 0;
	int ret = -1;

	*list_out = NULL;
	*nr_out = 0;
	http_response_init(&res);
	buf_addf(&path, API "/containers/json?all=%d", all ? 1 : 0);
	if (label)
		docker_add_json_param(&path, "filters",
			       json_pack("{s:[s]}", "label", label));
	if (docker_call_json(d, "GET", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, "list containers", err);
		goto out;
	}
	if (!(j = docker_parse_body(&res, "list containers", err)))
		goto out;
	if (!json_is_array(j)) {
		err_set(err, "docker: list containers: expected a JSON array");
		goto out;
	}
	list = xcalloc(json_array_size(j) + 1, sizeof(*list));
	json_array_foreach(j, i, v) {
		struct docker_container *c = &list[nr++];

		docker_container_init(c);
		c->id = docker_jdup(v, "Id");
		names = json_object_get(v, "Names");
		c->name = strip_slash(json_string_value(json_array_get(names, 0)));
		c->image = docker_jdup(v, "Image");
		c->state = docker_jdup(v, "State");
		c->running = c->state && !strcmp(c->state, "running");
		set_labels(c, json_object_get(v, "Labels"));
	}
	*list_out = list;
	*nr_out = nr;
	list = NULL;
	ret = 0;
out:
	json_decref(j);
	http_response_release(&res);
	buf_release(&path);
	return ret;
}

void docker_container_list_free(struct docker_container *list, size_t nr)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < nr; i++)
		docker_container_release(&list[i]);
	free(list);
}

int docker_container_logs(struct docker *d, const char *id, int tail,
			  struct buf *out, struct err *err)
{
	struct http_response res;
	struct buf path = BUF_INIT, op = BUF_INIT;
	const unsigned char *p;
	size_t left, n;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&op, "logs of container '%s'", id ? id : "");
	if (docker_check_name(op.ptr, id, err) < 0)
		goto out;
	buf_addf(&path, API "/containers/%s/logs?stdout=1&stderr=1", id);
	if (tail > 0)
		buf_addf(&path, "&tail=%d", tail);
	if (docker_call_json(d, "GET", path.ptr, NULL, &res, err) < 0)
		goto out;
	if (res.status != 200) {
		docker_api_error(&res, op.ptr, err);
		goto out;
	}
	/*
	 * Without a tty the engine multiplexes stdout and stderr: frames of
	 * [stream, 0, 0, 0, size (4 bytes, big endian)] + size bytes.
	 */
	p = (const unsigned char *)res.body.ptr;
	left = res.body.len;
	if (left >= 8 && p[0] <= 2 && !p[1] && !p[2] && !p[3]) {
		while (left >= 8) {
			n = ((size_t)p[4] << 24) | ((size_t)p[5] << 16) |
			    ((size_t)p[6] << 8) | p[7];
			if (n > left - 8)
				n = left - 8;
			buf_add(out, p + 8, n);
			p += 8 + n;
			left -= 8 + n;
		}
	} else {
		buf_add(out, res.body.ptr, res.body.len);
	}
	ret = 0;
out:
	http_response_release(&res);
	buf_release(&path);
	buf_release(&op);
	return ret;
}

