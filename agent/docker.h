/* docker: a client of the Docker Engine API (v1.41) */
#ifndef SOLUM_DOCKER_H
#define SOLUM_DOCKER_H

#include <stddef.h>

#include "err.h"
#include "http.h"
#include "strvec.h"

#define DOCKER_API "v1.41"
#define DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"

/*
 * err->code of a failure because the image or container does not exist
 * (the engine answered 404).
 */
#define DOCKER_ENOTFOUND 404

/*
 * Errors are one line. Those of the transport name the request:
 *   "docker: GET /v1.41/_ping: cannot connect to unix:///x/docker.sock: No such file or directory"
 * Those the engine answers name the operation, its subject and the status:
 *   "docker: start container 'web-3': HTTP 404: No such container: web-3"
 * A build that fails in a step is the exception: the message is the
 * engine's own text, e.g. "The command '/bin/sh -c make' returned a
 * non-zero code: 2", for the caller to put in context.
 */

/* A connection to one engine; one thread at a time. */
struct docker;

/*
 * TLS to a tcp:// engine, as the docker CLI does it with DOCKER_TLS_VERIFY
 * and DOCKER_CERT_PATH. With `verify` set, requests go over https with
 * `cert_path`/cert.pem and key.pem as the client's certificate and key,
 * and the engine's certificate must be signed by `cert_path`/ca.pem and
 * name the host; `cert_path` NULL or "" means ~/.docker. All three files
 * must be readable. Without `verify` a tcp:// engine is plain HTTP.
 * unix:// engines ignore this. The strings are borrowed for the call.
 */
struct docker_tls {
	int verify;
	const char *cert_path;
};

/*
 * Open a client of the engine at `host`, which uses DOCKER_HOST's syntax
 * (unix:///path/docker.sock or tcp://host[:port]; the port defaults to
 * 2376 with TLS and 2375 without, as docker's). NULL or "" means
 * $DOCKER_HOST, else DOCKER_DEFAULT_HOST. `tls` NULL means the
 * environment's: DOCKER_TLS_VERIFY set and not empty, DOCKER_CERT_PATH.
 * Nothing is sent yet (see docker_ping), but missing certificate files
 * are an error naming the file. `*docker_out` is owned: docker_free() it.
 *
 * An engine whose certificate cannot be verified fails every request with
 *   "docker: cannot verify the engine's certificate at tcp://h:2376: <why>"
 */
int docker_open(const char *host, const struct docker_tls *tls,
		struct docker **docker_out, struct err *err);
void docker_free(struct docker *d);

/* The engine's address (borrowed, valid until docker_free). */
const char *docker_host(const struct docker *d);

/* The engine answers and speaks API 1.41 or later. */
int docker_ping(struct docker *d, struct err *err);

/*
 * Where long operations report as they go. `line` gets each line of output
 * meant for the pusher, without the newline (borrowed for the call).
 * `tick`, if set, is called about once a second while the engine works,
 * including when it is silent (time for a progress line); returning
 * non-zero with `err` set cancels the operation. Either may be NULL.
 */
struct docker_out {
	void (*line)(const char *line, void *payload);
	int (*tick)(void *payload, struct err *err);
	void *payload;
};

/* Registry credentials; the strings are borrowed by whoever is given one. */
struct docker_auth {
	const char *username;
	const char *password;
	const char *serveraddress;	/* "127.0.0.1:5000" */
};

/* ---- images ---- */

/*
 * A build. The context is a tar stream pulled from `read` (see
 * http_read_fn), sent chunked as it is produced; nothing is stored.
 */
struct docker_build_opts {
	const char *tag;		/* "name:tag", or NULL */
	const char *dockerfile;		/* in the context; NULL: "Dockerfile" */
	const char *const *labels;	/* "KEY=VALUE", NULL-terminated, or NULL */
	const char *const *buildargs;	/* "KEY=VALUE", NULL-terminated, or NULL */
	int nocache;
	long timeout_secs;		/* whole build; 0: no limit */
	http_read_fn *read;
	void *read_payload;
};

/*
 * POST /build?t=TAG&dockerfile=PATH&rm=1&forcerm=1. Each message of the
 * build stream is relayed to `out` as it arrives: "stream" text line by
 * line, "status" (and "progress", at most every 2 s) as one line. On
 * success `*image_id_out` is the new image id, "sha256:..." (owned, free()).
 * A step that fails gives -1 with the engine's error text in `err`.
 */
int docker_build(struct docker *d, const struct docker_build_opts *opts,
		 const struct docker_out *out, char **image_id_out,
		 struct err *err);

struct docker_image {
	char *id;			/* "sha256:..." */
	struct strvec repo_tags;	/* "name:tag" */
	struct strvec repo_digests;	/* "name@sha256:..." */
	long long size;
	char *created;			/* RFC 3339 */
	struct strvec exposed;		/* EXPOSE of the image: "8080/tcp", sorted */
};

void docker_image_init(struct docker_image *img);
void docker_image_release(struct docker_image *img);

/*
 * The lowest TCP port the image EXPOSEs, 0 for none; *nr_out (optional)
 * how many TCP ports it EXPOSEs.
 */
int docker_image_lowest_port(const struct docker_image *img, size_t *nr_out);

/*
 * GET /images/NAME/json into `img` (which must be initialised; its strings
 * are owned by it). A missing image: -1 with err->code DOCKER_ENOTFOUND.
 */
int docker_image_inspect(struct docker *d, const char *name,
			 struct docker_image *img, struct err *err);

/* Give image `src` (name or id) the name `dst`, "repo[:tag]". */
int docker_image_tag(struct docker *d, const char *src, const char *dst,
		     struct err *err);

/*
 * Push `ref` ("host:port/repo:tag") with `auth` (NULL: anonymous), sent as
 * X-Registry-Auth and never logged. Progress goes to `out` like a build's.
 * An error in the stream (for example the registry refusing the
 * credentials) gives "docker: push 'REF': <engine's text>". On success
 * `*digest_out` (may be NULL) is the manifest digest, "sha256:..." (owned).
 */
int docker_push(struct docker *d, const char *ref,
		const struct docker_auth *auth, const struct docker_out *out,
		char **digest_out, struct err *err);

/*
 * POST /auth: the engine logs in to auth->serveraddress with the
 * credentials, as `docker login` does, so bad credentials or an
 * unreachable registry show before anything is built. The password is
 * sent in the body and never logged.
 */
int docker_auth_check(struct docker *d, const struct docker_auth *auth,
		      struct err *err);

/*
 * Pull `ref` from a registry, like a push. Used for images made
 * elsewhere; the pipeline builds its own.
 */
int docker_pull(struct docker *d, const char *ref,
		const struct docker_auth *auth, const struct docker_out *out,
		struct err *err);

/*
 * DELETE /images/NAME. `force` also removes an image other tags or stopped
 * containers use. A missing image: -1 with err->code DOCKER_ENOTFOUND.
 */
int docker_image_remove(struct docker *d, const char *name, int force,
			struct err *err);

/*
 * GET /images/NAME/get: the image as a `docker save` tar, handed to
 * `on_data` as it arrives (for an upload elsewhere; see http_data_fn).
 */
int docker_image_save(struct docker *d, const char *name,
		      http_data_fn *on_data, void *payload,
		      const struct docker_out *out, struct err *err);

/* ---- containers ---- */

struct docker_container_opts {
	const char *name;		/* or NULL: the engine picks one */
	const char *image;
	const char *const *env;		/* "KEY=VALUE", NULL-terminated, or NULL */
	const char *const *labels;	/* "KEY=VALUE", NULL-terminated, or NULL */
	const char *const *cmd;		/* NULL: the image's CMD */
	/*
	 * "host" shares the host's network: the app listens on
	 * 127.0.0.1:$PORT itself and no port is published (what
	 * scripts/dockerd.sh's engines, started with --bridge=none, need).
	 * NULL: the engine's default bridge, with `port` published below.
	 */
	const char *network;
	int port;			/* container port P/tcp to publish, 0: none */
	const char *host_ip;		/* NULL: "127.0.0.1" */
	int host_port;			/* 0: the engine picks one */
	const char *restart;		/* "no" (NULL), "always", "unless-stopped", "on-failure" */
	long long memory;		/* bytes, 0: no limit */
	long long pids;			/* processes, 0: no limit */
	int no_new_privileges;		/* security-opt no-new-privileges */
	/*
	 * Run the engine's init (tini) as PID 1, so the app gets SIGTERM with
	 * its default action on stop even when it installs no handler.
	 */
	int init;
};

/*
 * Create the bridge network `name` with `labels` ("KEY=VALUE", NULL-ended)
 * unless it exists. Its subnet comes from the engine's address pool.
 */
int docker_network_ensure(struct docker *d, const char *name,
			  const char *const *labels, struct err *err);
/* Remove network `name`; a missing one is not an error. */
int docker_network_remove(struct docker *d, const char *name,
			  struct err *err);

/* Create a container; `*id_out` is its id (owned). */
int docker_container_create(struct docker *d,
			    const struct docker_container_opts *opts,
			    char **id_out, struct err *err);

/* Start; a running container is fine. `id` is an id or a name. */
int docker_container_start(struct docker *d, const char *id, struct err *err);

/* Stop, killing after `timeout_secs`; a stopped container is fine. */
int docker_container_stop(struct docker *d, const char *id, int timeout_secs,
			  struct err *err);

/*
 * Remove (`force`: even running). A missing container: -1 with err->code
 * DOCKER_ENOTFOUND.
 */
int docker_container_remove(struct docker *d, const char *id, int force,
			    struct err *err);

struct docker_container {
	char *id;
	char *name;		/* without the leading "/" */
	char *image;		/* as created: name or id */
	char *image_id;		/* "sha256:..."; NULL from a list */
	char *state;		/* "created", "running", "exited", ... */
	int running;
	int exit_code;		/* last exit status; 0 from a list */
	char *health;		/* "healthy", ... or NULL without a healthcheck */
	struct strvec labels;	/* "KEY=VALUE", sorted */
	long pid;		/* its init's pid on the engine's host; 0 from a list */
};

void docker_container_init(struct docker_container *c);
void docker_container_release(struct docker_container *c);

/* Value of a label (borrowed, valid until release), or NULL. */
const char *docker_container_label(const struct docker_container *c,
				   const char *key);

/*
 * GET /containers/ID/json into `c` (initialised; owns its strings). A
 * missing container: -1 with err->code DOCKER_ENOTFOUND.
 */
int docker_container_inspect(struct docker *d, const char *id,
			     struct docker_container *c, struct err *err);

/*
 * Containers carrying `label` ("KEY" or "KEY=VALUE"; NULL: all), stopped
 * ones too when `all`. `*list_out` is an owned array of `*nr_out`
 * containers: docker_container_list_free() it.
 */
int docker_container_list(struct docker *d, const char *label, int all,
			  struct docker_container **list_out, size_t *nr_out,
			  struct err *err);
void docker_container_list_free(struct docker_container *list, size_t nr);

/*
 * The last `tail` lines (0: all) of a container's stdout and stderr,
 * appended to `out` (capped at HTTP_MAX_BODY).
 */
int docker_container_logs(struct docker *d, const char *id, int tail,
			  struct buf *out, struct err *err);

/* ---- registry credentials ---- */

/*
 * Credentials stored the way `docker login` stores them: the "auths" entry
 * for `server` in `config_path` (NULL: $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json), its "auth" being base64 of "user:password".
 * The strings in `*auth_out` are owned: free them with
 * docker_auth_release(), which also wipes the password. No entry: -1 with
 * err->code DOCKER_ENOTFOUND. Credential helpers are not supported.
 */
int docker_registry_auth_from_config(const char *config_path,
				     const char *server,
				     struct docker_auth *auth_out,
				     struct err *err);
void docker_auth_release(struct docker_auth *auth);

/*
 * Split "host:port/repo/name:tag" (or "...@sha256:...") into an owned name
 * and a tag or digest ("latest" when absent). A colon in the registry's
 * host:port is not a tag.
 */
void docker_split_ref(const char *ref, char **name_out, char **tag_out);

#endif
