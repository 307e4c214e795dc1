/* dockerauth: registry credentials as the docker CLI keeps them */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "docker.h"
#include "dockerapi.h"
#include "banned.h"

void docker_auth_release(struct docker_auth *auth)
{
	free_secret((char *)auth->username);
	free_secret((char *)auth->password);
	free((char *)auth->serveraddress);
	auth->username = auth->password = auth->serveraddress = NULL;
}

/* "https://host:port/v1/" -> "host:port" */
static void host_of(struct buf *out, const char *s)
{
	const char *rest, *end;

	if (starts_with(s, "https://", &rest) || starts_with(s, "http://", &rest))
		s = rest;
	end = strchr(s, '/');
	buf_add(out, s, end ? (size_t)(end - s) : strlen(s));
}

int docker_registry_auth_from_config(const char *config_path,
				     const char *server,
				     struct docker_auth *auth_out,
				     struct err *err)
{
	struct buf path = BUF_INIT, want = BUF_INIT, have = BUF_INIT;
	struct buf plain = BUF_INIT;
	json_error_t jerr;
	json_t *j = NULL, *auths, *entry = NULL, *v;
	const char *key, *b64, *colon, *dir;
	struct stat st;
	int ret = -1;

	memset(auth_out, 0, sizeof(*auth_out));
	if (config_path) {
		buf_addstr(&path, config_path);
	} else if ((dir = getenv("DOCKER_CONFIG")) && *dir) {
		buf_addf(&path, "%s/config.json", dir);
	} else if ((dir = getenv("HOME")) && *dir) {
		buf_addf(&path, "%s/.docker/config.json", dir);
	} else {
		err_set(err, "docker: registry credentials: no HOME to find .docker/config.json in");
		err->code = DOCKER_ENOTFOUND;
		goto out;
	}
	if (stat(path.ptr, &st) < 0) {
		err_errno(err, "docker: registry credentials: '%s'", path.ptr);
		if (errno == ENOENT)
			err->code = DOCKER_ENOTFOUND;
		goto out;
	}
	if (st.st_size > (1 << 20)) {
		err_set(err, "docker: registry credentials: '%s' is larger than 1 MiB",
			path.ptr);
		goto out;
	}
	j = json_load_file(path.ptr, 0, &jerr);
	if (!j) {
		err_set(err, "docker: registry credentials: '%s':%d: %s",
			path.ptr, jerr.line, jerr.text);
		goto out;
	}
	host_of(&want, server);
	auths = json_object_get(j, "auths");
	json_object_foreach(auths, key, v) {
		buf_reset(&have);
		host_of(&have, key);
		if (!strcmp(have.ptr, want.ptr)) {
			entry = v;
			break;
		}
	}
	if (!entry) {
		if (docker_jstr(j, "credsStore") || json_object_get(j, "credHelpers"))
			err_set(err, "docker: registry credentials for '%s': '%s' uses a credential helper, which solum does not support",
				server, path.ptr);
		else
			err_set(err, "docker: registry credentials: no entry for '%s' in '%s'",
				server, path.ptr);
		err->code = DOCKER_ENOTFOUND;
		goto out;
	}
	if ((b64 = docker_jstr(entry, "auth")) && *b64) {
		if (buf_add_base64_decoded(&plain, b64, 0) < 0 ||
		    !(colon = memchr(plain.ptr, ':', plain.len))) {
			err_set(err, "docker: registry credentials for '%s' in '%s': bad \"auth\" value",
				server, path.ptr);
			goto out;
		}
		auth_out->username = xstrndup(plain.ptr, (size_t)(colon - plain.ptr));
		auth_out->password = xstrdup(colon + 1);
	} else if (docker_jstr(entry, "username") && docker_jstr(entry, "password")) {
		auth_out->username = xstrdup(docker_jstr(entry, "username"));
		auth_out->password = xstrdup(docker_jstr(entry, "password"));
	} else {
		err_set(err, "docker: registry credentials for '%s' in '%s': no \"auth\"",
			server, path.ptr);
		goto out;
	}
	auth_out->serveraddress = xstrdup(want.ptr);
	ret = 0;
out:
	if (plain.alloc)
		explicit_bzero(plain.ptr, plain.alloc);
	buf_release(&plain);
	json_decref(j);
	buf_release(&path);
	buf_release(&want);
	buf_release(&have);
	return ret;
}
