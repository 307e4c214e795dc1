/* clouds: OpenStack credentials from clouds.yaml, secure.yaml and OS_* */
#ifndef SOLUM_CLOUDS_H
#define SOLUM_CLOUDS_H

#include "buf.h"
#include "err.h"
#include "strvec.h"

/* clouds.yaml and secure.yaml larger than this are refused. */
#define CLOUDS_MAX_FILE (1024 * 1024)

/* The cloud the OS_* variables describe, as openstacksdk names it. */
#define CLOUDS_ENVVARS "envvars"

enum clouds_auth_type {
	CLOUDS_AUTH_PASSWORD,		/* "password", "v3password" */
	CLOUDS_AUTH_APPCRED,		/* "v3applicationcredential" */
	CLOUDS_AUTH_TOKEN,		/* "token", "v3token" */
};

/*
 * The credentials of one cloud. Every string is owned by the struct
 * (clouds_release frees it) and is NULL when not given. `password`,
 * `application_credential_secret` and `token` are secrets: they are
 * overwritten with zeros before they are freed and no function of solum
 * prints them.
 */
struct clouds_cloud {
	char *name;			/* "mycloud", or "envvars" */
	char *file;			/* its clouds.yaml; NULL: OS_* */
	enum clouds_auth_type auth_type;

	char *auth_url;			/* as given: ".../v3" or without version */
	char *username, *user_id;
	char *password;
	char *project_name, *project_id;
	char *user_domain_name, *user_domain_id;
	char *project_domain_name, *project_domain_id;
	char *application_credential_id, *application_credential_name;
	char *application_credential_secret;
	char *token;

	char *region_name;
	char *interface;		/* "public" (default), "internal", "admin" */
	char *cacert;			/* PEM file of the CAs to trust */
	char *cert, *key;		/* client certificate and key (PEM) */
	int verify;			/* 0: the server is not checked */
	/* URLs used instead of the catalog's (openstacksdk's keys), or NULL */
	char *image_endpoint_override;
	char *orchestration_endpoint_override;
};

/*
 * The environment variables clouds_load reads (OS_CLOUD, the files'
 * places, every OS_* it knows), NULL-terminated: what solum's own child
 * processes inherit so that a deploy finds the operator's cloud.
 */
extern const char *const clouds_env_names[];

void clouds_init(struct clouds_cloud *c);
void clouds_release(struct clouds_cloud *c);

/*
 * The directories clouds.yaml and secure.yaml are looked for in, in
 * openstacksdk's order, pushed onto `dirs_out`: the current directory
 * ("."), $XDG_CONFIG_HOME/openstack (else $HOME/.config/openstack),
 * /etc/openstack. `env` is an environment ("NAME=value", NULL-terminated,
 * as `environ`).
 */
void clouds_default_dirs(const char *const *env, struct strvec *dirs_out);

/*
 * Load the cloud called `name` into `c` (initialised by the caller).
 *
 * The cloud is `name` when given (solum.yaml's openstack.cloud), else
 * $OS_CLOUD, else "envvars" when any OS_* credential variable is set.
 * "envvars" is the cloud the OS_* variables make (OS_AUTH_URL,
 * OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, ..., OS_CACERT, OS_INSECURE);
 * they are not merged into a cloud of clouds.yaml, as in openstacksdk.
 *
 * Other clouds come from the first clouds.yaml (or clouds.yml) found at
 * $OS_CLIENT_CONFIG_FILE, then in each of `dirs` in order, with the
 * first secure.yaml ($OS_CLIENT_SECURE_FILE, then `dirs`) merged over it
 * key by key. `env` is the environment, `dirs` NULL-terminated (see
 * clouds_default_dirs).
 *
 * Every value is checked: files over CLOUDS_MAX_FILE, duplicate keys,
 * values that are not single strings, unknown auth types, a missing
 * auth_url or password are errors naming the file, line and cloud:
 * "clouds.yaml:4: clouds.prod.auth_type: unknown auth type 'oidc' (solum
 * knows password, v3applicationcredential, token)". A cloud that is not
 * found is an error listing the clouds there are; no error shows a
 * secret.
 */
int clouds_load(struct clouds_cloud *c, const char *name,
		const char *const *env, const char *const *dirs,
		struct err *err);

/* The auth type as clouds.yaml spells it: "password", ... (static). */
const char *clouds_auth_type_name(enum clouds_auth_type t);

/*
 * Append a description of `c` to `out`, one "key: value" line per value
 * set, secrets shown only as "<set>", for diagnostics.
 */
void clouds_describe(const struct clouds_cloud *c, struct buf *out);

#endif
