/* template: a Heat (HOT) template's declared parameters, and their values */
#ifndef SOLUM_TEMPLATE_H
#define SOLUM_TEMPLATE_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"
#include "strvec.h"

/* Heat's own cap on a template (max_template_size): 512 KiB. */
#define TEMPLATE_MAX_SIZE (512 * 1024)
/* Longest parameter name accepted, in bytes. */
#define TEMPLATE_NAME_MAX 255
/* Size of a template hash: sha256 in lower-case hex, and its NUL. */
#define TEMPLATE_HASH_HEX 65

enum template_type {
	TEMPLATE_STRING,
	TEMPLATE_NUMBER,
	TEMPLATE_JSON,
	TEMPLATE_LIST,		/* comma_delimited_list */
	TEMPLATE_BOOLEAN,
};

/*
 * One entry of the template's `parameters` section. Strings are owned by
 * the template. `default_text` is the default as written for a scalar,
 * as compact JSON for a list or mapping, NULL when there is no default (a
 * `default:` that is null is none, as Heat has it). `description` is NULL
 * when there is none.
 */
struct template_param {
	char *name;
	enum template_type type;
	int has_default;
	char *default_text;
	int hidden;
	char *description;
	size_t line;		/* 1-based, of the name */
};

/*
 * A parsed template. `name` labels it in errors (the file's base name);
 * `text` is the template as read, NUL-terminated, for Heat; `hash` its
 * sha256 in hex, for the release record. Everything is owned by the
 * struct; params are in the template's order.
 */
struct template {
	char *name;
	char *text;
	size_t len;
	char hash[TEMPLATE_HASH_HEX];
	struct template_param *params;
	size_t nr;
};

#define TEMPLATE_INIT { NULL, NULL, 0, "", NULL, 0 }

/*
 * Parse `len` bytes of `text` (YAML, or JSON, which is YAML) named `name`
 * into `t`, which must be fresh (TEMPLATE_INIT) or released. Pure: no
 * I/O, so that it can be fuzzed. Refused, with "NAME:LINE: ..." errors:
 * more than TEMPLATE_MAX_SIZE bytes, invalid YAML, a NUL byte, more than
 * one document, a root that is not a mapping, an unknown or repeated
 * top-level section, no `heat_template_version`, a `parameters` that is
 * not a mapping, a repeated, empty, over-long (TEMPLATE_NAME_MAX) or
 * control-character name, a parameter that is not a mapping, an unknown
 * or repeated key in one, a missing or unknown `type`, a `hidden` that is
 * not a boolean, and a default whose aliases expand beyond a small bound.
 * On failure `t` holds nothing to release.
 */
int template_parse(struct template *t, const char *name, const char *text,
		   size_t len, struct err *err);

/* Read the file `path` (at most TEMPLATE_MAX_SIZE) and template_parse it. */
int template_load(struct template *t, const char *path, struct err *err);

void template_release(struct template *t);

/* The declared parameter `name` (borrowed from `t`), or NULL. */
const struct template_param *template_param_get(const struct template *t,
						const char *name);

/* The HOT name of a type ("comma_delimited_list"); static. */
const char *template_type_name(enum template_type type);

/* sha256 of `len` bytes of `text` into hex_out, lower-case hex. */
void template_hash(const char *text, size_t len,
		   char hex_out[TEMPLATE_HASH_HEX]);

/*
 * What solum has to give a template. Every field is borrowed and may be
 * NULL (not known here). `params` and `secrets` hold the app's settings
 * as "KEY=VALUE"; a secret is never printed, whatever the template says.
 * solum's own names (image, glance_image, app_name, release, commit,
 * port) cannot be set through them.
 */
struct template_values {
	const char *image;		/* registry reference with digest */
	const char *glance_image;	/* Glance image id */
	const char *app_name;
	const char *release;		/* release number */
	const char *commit;		/* full commit id */
	const char *port;		/* port the app listens on */
	const struct strvec *params;
	const struct strvec *secrets;
};

/*
 * The parameters to send: `params` maps each declared parameter that
 * has a value to that value, a JSON string (Heat parses every type from
 * one); declared parameters without a value are left out, for Heat's
 * default. `hidden` names, sorted, the parameters whose value must never
 * be printed: the template's `hidden: true` ones and every secret.
 * Owned; template_args_release frees them.
 */
struct template_args {
	json_t *params;
	struct strvec hidden;
};

#define TEMPLATE_ARGS_INIT { NULL, STRVEC_INIT }

void template_args_release(struct template_args *a);

/*
 * Fill `out` (fresh) with the parameters of `t` from `v`. Errors, which
 * never show a hidden value: a declared parameter with no value and no
 * default ("template 'web.yaml': parameter 'db_password' has no value
 * and no default; set it with solum app set web --param db_password=...
 * or give it a default", with what solum itself passes), a value that is
 * not a number for a `number`, not a boolean for a `boolean`, not JSON
 * for a `json`, a setting that is not KEY=VALUE, and an app setting named
 * as one of solum's own values. On failure `out` holds nothing.
 *
 * To stop a deploy before anything is uploaded, call it first with a
 * stand-in for what is not known yet (glance_image before the upload),
 * then again with the real values.
 */
int template_params_resolve(const struct template *t,
			    const struct template_values *v,
			    struct template_args *out, struct err *err);

/* 1 if the value of `name` must never be printed. */
int template_args_is_hidden(const struct template_args *a, const char *name);

/*
 * A new object (owned, json_decref) like a->params with every hidden
 * value replaced by "******": what may be shown or logged.
 */
json_t *template_args_printable(const struct template_args *a);

#endif
