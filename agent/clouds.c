/* clouds: OpenStack credentials from clouds.yaml, secure.yaml and OS_* */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "clouds.h"
#include "file.h"
#include "yamldoc.h"
#include "banned.h"

#define MAX_VALUE 4096
#define NONE ((size_t)-1)

/* indexes into fields[] */
enum {
	I_AUTH_URL, I_USERNAME, I_USER_ID, I_PASSWORD, I_PROJECT_NAME,
	I_PROJECT_ID, I_USER_DOMAIN_NAME, I_USER_DOMAIN_ID,
	I_PROJECT_DOMAIN_NAME, I_PROJECT_DOMAIN_ID, I_APPCRED_ID,
	I_APPCRED_NAME, I_APPCRED_SECRET, I_TOKEN, I_REGION, I_INTERFACE,
	I_CACERT, I_CERT, I_KEY, I_IMAGE_URL, I_ORCH_URL, I_AUTH_TYPE, I_VERIFY, I_INSECURE,
	I_DOMAIN_NAME, I_DOMAIN_ID, I_PROFILE,
};

/* What a cloud can say, where clouds.yaml and the environment say it. */
struct field {
	const char *key;	/* in the cloud's mapping; "auth." for under auth: */
	const char *env;
	size_t offset;		/* of a char * in clouds_cloud, or NONE */
	int secret;
};

#define F(k, e, m, s) { k, e, offsetof(struct clouds_cloud, m), s }
#define X(k, e) { k, e, NONE, 0 }

static const struct field fields[] = {
	[I_AUTH_URL] = F("auth.auth_url", "OS_AUTH_URL", auth_url, 0),
	[I_USERNAME] = F("auth.username", "OS_USERNAME", username, 0),
	[I_USER_ID] = F("auth.user_id", "OS_USER_ID", user_id, 0),
	[I_PASSWORD] = F("auth.password", "OS_PASSWORD", password, 1),
	[I_PROJECT_NAME] = F("auth.project_name", "OS_PROJECT_NAME",
			     project_name, 0),
	[I_PROJECT_ID] = F("auth.project_id", "OS_PROJECT_ID", project_id, 0),
	[I_USER_DOMAIN_NAME] = F("auth.user_domain_name",
				 "OS_USER_DOMAIN_NAME", user_domain_name, 0),
	[I_USER_DOMAIN_ID] = F("auth.user_domain_id", "OS_USER_DOMAIN_ID",
			       user_domain_id, 0),
	[I_PROJECT_DOMAIN_NAME] = F("auth.project_domain_name",
				    "OS_PROJECT_DOMAIN_NAME",
				    project_domain_name, 0),
	[I_PROJECT_DOMAIN_ID] = F("auth.project_domain_id",
				  "OS_PROJECT_DOMAIN_ID", project_domain_id, 0),
	[I_APPCRED_ID] = F("auth.application_credential_id",
			   "OS_APPLICATION_CREDENTIAL_ID",
			   application_credential_id, 0),
	[I_APPCRED_NAME] = F("auth.application_credential_name",
			     "OS_APPLICATION_CREDENTIAL_NAME",
			     application_credential_name, 0),
	[I_APPCRED_SECRET] = F("auth.application_credential_secret",
			       "OS_APPLICATION_CREDENTIAL_SECRET",
			       application_credential_secret, 1),
	[I_TOKEN] = F("auth.token", "OS_TOKEN", token, 1),
	[I_REGION] = F("region_name", "OS_REGION_NAME", region_name, 0),
	[I_INTERFACE] = F("interface", "OS_INTERFACE", interface, 0),
	[I_CACERT] = F("cacert", "OS_CACERT", cacert, 0),
	[I_CERT] = F("cert", "OS_CERT", cert, 0),
	[I_KEY] = F("key", "OS_KEY", key, 0),
	/* openstacksdk's <service type>_endpoint_override */
	[I_IMAGE_URL] = F("image_endpoint_override", NULL,
			  image_endpoint_override, 0),
	[I_ORCH_URL] = F("orchestration_endpoint_override", NULL,
			 orchestration_endpoint_override, 0),
	/* read, checked, then turned into other fields */
	[I_AUTH_TYPE] = X("auth_type", "OS_AUTH_TYPE"),
	[I_VERIFY] = X("verify", NULL),
	[I_INSECURE] = X("insecure", "OS_INSECURE"),
	[I_DOMAIN_NAME] = X("auth.domain_name", "OS_DOMAIN_NAME"),
	[I_DOMAIN_ID] = X("auth.domain_id", "OS_DOMAIN_ID"),
	[I_PROFILE] = X("profile", NULL),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

/* The chosen cloud's values as read, before they are checked. */
struct raw {
	const char *name;
	char *val[NFIELDS];
	size_t line[NFIELDS];		/* 0: from the environment */
	const char *file[NFIELDS];	/* borrowed from struct load */
	int found;			/* the cloud was in a file */
};

/* The state of one clouds_load. */
struct load {
	const char *const *env;
	const char *const *dirs;
	char *clouds_file, *secure_file;	/* found, or NULL */
	struct strvec names;		/* clouds seen, for errors */
	struct raw raw;
};

static const char *env_get(const char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (!strncmp(*env, name, n) && (*env)[n] == '=')
			return (*env)[n + 1] ? *env + n + 1 : NULL;
	return NULL;
}

static char **str_field(struct clouds_cloud *c, const struct field *f)
{
	return (char **)((char *)c + f->offset);
}

void clouds_init(struct clouds_cloud *c)
{
	memset(c, 0, sizeof(*c));
	c->verify = 1;
}

void clouds_release(struct clouds_cloud *c)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].offset != NONE) {
			free_secret(*str_field(c, &fields[i]));
			*str_field(c, &fields[i]) = NULL;
		}
	free(c->name);
	free(c->file);
	clouds_init(c);
}

void clouds_default_dirs(const char *const *env, struct strvec *dirs_out)
{
	const char *xdg = env_get(env, "XDG_CONFIG_HOME");
	const char *home = env_get(env, "HOME");

	strvec_push(dirs_out, ".");
	if (xdg && *xdg == '/')
		strvec_pushf(dirs_out, "%s/openstack", xdg);
	else if (home)
		strvec_pushf(dirs_out, "%s/.config/openstack", home);
	strvec_push(dirs_out, "/etc/openstack");
}

const char *clouds_auth_type_name(enum clouds_auth_type t)
{
	switch (t) {
	case CLOUDS_AUTH_APPCRED: return "v3applicationcredential";
	case CLOUDS_AUTH_TOKEN: return "token";
	default: return "password";
	}
}

/* `v` made printable and short, for an error */
static const char *quote(const char *v, char *q, size_t size)
{
	snprintf(q, size, "%.60s%s", v, strlen(v) > 60 ? "..." : "");
	for (char *p = q; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return q;
}

const char *const clouds_env_names[] = {
	"OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE",
	"XDG_CONFIG_HOME", "OS_APPLICATION_CREDENTIAL_ID",
	"OS_APPLICATION_CREDENTIAL_NAME", "OS_APPLICATION_CREDENTIAL_SECRET",
	"OS_AUTH_TYPE", "OS_AUTH_URL", "OS_CACERT", "OS_CERT",
	"OS_DOMAIN_ID", "OS_DOMAIN_NAME", "OS_INSECURE", "OS_INTERFACE",
	"OS_KEY", "OS_PASSWORD", "OS_PROJECT_DOMAIN_ID",
	"OS_PROJECT_DOMAIN_NAME", "OS_PROJECT_ID", "OS_PROJECT_NAME",
	"OS_REGION_NAME", "OS_TOKEN", "OS_USERNAME", "OS_USER_DOMAIN_ID",
	"OS_USER_DOMAIN_NAME", "OS_USER_ID", NULL
};

/* "clouds.yaml:4: clouds.prod.auth_type" or "OS_AUTH_TYPE" */
static const char *where(const struct raw *r, size_t i, char *w, size_t size)
{
	const char *key = fields[i].key;

	if (!r->line[i])
		snprintf(w, size, "%s", fields[i].env ? fields[i].env : key);
	else
		snprintf(w, size, "%s:%zu: clouds.%.64s.%s", r->file[i],
			 r->line[i], r->name, key);
	return w;
}

/* ---- reading the files ---- */

/*
 * The first of `path` (from an environment variable: it must exist) or
 * `dir/base.yaml`, `dir/base.yml` for each of `dirs`; NULL if none.
 */
static int find_file(const char *path, const char *const *dirs,
		     const char *base, char **found_out, struct err *err)
{
	static const char *const exts[] = { "yaml", "yml" };
	size_t i, j;
	char *p;

	*found_out = NULL;
	if (path) {
		if (access(path, R_OK) < 0)
			return err_errno(err, "cannot read '%s'", path);
		*found_out = xstrdup(path);
		return 0;
	}
	for (i = 0; dirs && dirs[i]; i++)
		for (j = 0; j < 2; j++) {
			p = xstrfmt("%s/%s.%s", dirs[i], base, exts[j]);
			if (!access(p, F_OK)) {
				*found_out = p;
				return 0;
			}
			free(p);
		}
	return 0;
}

/* Read all of `path` into `text`, at most CLOUDS_MAX_FILE bytes. */
static int read_file(const char *path, struct buf *text, struct err *err)
{
	if (file_read_capped(path, CLOUDS_MAX_FILE, text) == 0)
		return 0;
	if (errno == EFBIG)
		return err_set(err, "%s: larger than %d bytes", path,
			       CLOUDS_MAX_FILE);
	return err_errno(err, "cannot read '%s'", path);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A YAML null: an empty plain scalar, ~ or null */
static int is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*s || !strcmp(s, "~") || !strcmp(s, "null") ||
		!strcmp(s, "Null") || !strcmp(s, "NULL"));
}

/*
 * Every mapping of the document has plain keys, each once. Aliases can
 * make a small file a huge (or endless) tree: `*budget` bounds the walk.
 */
static int check_mappings(yaml_document_t *doc, yaml_node_t *n,
			  const char *file, int depth, size_t *budget,
			  struct err *err)
{
	yaml_node_pair_t *p, *q;
	yaml_node_item_t *it;

	if (depth > 32)
		return err_set(err, "%s:%zu: nested too deeply", file,
			       n->start_mark.line + 1);
	if (!*budget)
		return err_set(err, "%s:%zu: too many values (aliases?)", file,
			       n->start_mark.line + 1);
	--*budget;
	if (n->type == YAML_SEQUENCE_NODE) {
		for (it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			yaml_node_t *c = yaml_document_get_node(doc, *it);

			if (c && check_mappings(doc, c, file, depth + 1, budget,
					   err))
				return -1;
		}
		return 0;
	}
	if (n->type != YAML_MAPPING_NODE)
		return 0;
	if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > 1000)
		return err_set(err, "%s:%zu: more than 1000 keys in a mapping",
			       file, n->start_mark.line + 1);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (!k || !v || k->type != YAML_SCALAR_NODE ||
		    strlen(scalar(k)) != k->data.scalar.length)
			return err_set(err, "%s:%zu: keys must be plain words",
				       file, k ? k->start_mark.line + 1 : 0);
		for (q = n->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *qk = yaml_document_get_node(doc, q->key);

			if (!strcmp(scalar(qk), scalar(k))) {
				char w[80];

				return err_set(err, "%s:%zu: '%s' given twice",
					       file, k->start_mark.line + 1,
					       quote(scalar(k), w, sizeof(w)));
			}
		}
		if (check_mappings(doc, v, file, depth + 1, budget, err) < 0)
			return -1;
	}
	return 0;
}

static yaml_node_t *map_get(yaml_document_t *doc, yaml_node_t *map,
			    const char *key)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++)
		if (!strcmp(scalar(yaml_document_get_node(doc, p->key)), key))
			return yaml_document_get_node(doc, p->value);
	return NULL;
}

/* Set raw value `i` from node `v` of `file`; a null unsets it. */
static int set_raw(struct raw *r, size_t i, yaml_node_t *v, const char *file,
		   struct err *err)
{
	const char *s = scalar(v);
	char w[200];

	r->line[i] = v->start_mark.line + 1;
	r->file[i] = file;
	if (v->type != YAML_SCALAR_NODE)
		return err_set(err, "%s: expected a single value",
			       where(r, i, w, sizeof(w)));
	if (strlen(s) != v->data.scalar.length)
		return err_set(err, "%s: NUL byte in value",
			       where(r, i, w, sizeof(w)));
	if (v->data.scalar.length > MAX_VALUE)
		return err_set(err, "%s: value longer than %d bytes",
			       where(r, i, w, sizeof(w)), MAX_VALUE);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, "%s: control character in value",
				       where(r, i, w, sizeof(w)));
	free_secret(r->val[i]);
	r->val[i] = is_null(v) || !*s ? NULL : xstrdup(s);
	return 0;
}

/* The keys of one mapping of the cloud, `prefix` "" or "auth." */
static int load_keys(struct raw *r, yaml_document_t *doc, yaml_node_t *map,
		     const char *prefix, const char *file, struct err *err)
{
	yaml_node_pair_t *p;
	char key[128];
	size_t i;

	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(doc, p->key);
		yaml_node_t *v = yaml_document_get_node(doc, p->value);

		if (!*prefix && !strcmp(scalar(k), "auth")) {
			if (is_null(v))
				continue;
			if (v->type != YAML_MAPPING_NODE)
				return err_set(err, "%s:%zu: clouds.%.64s.auth: expected a mapping of keys",
					       file, v->start_mark.line + 1,
					       r->name);
			if (load_keys(r, doc, v, "auth.", file, err) < 0)
				return -1;
			continue;
		}
		snprintf(key, sizeof(key), "%s%.64s", prefix, scalar(k));
		/* other keys (identity_api_version, ...) are openstacksdk's */
		for (i = 0; i < NFIELDS; i++)
			if (!strcmp(fields[i].key, key) &&
			    set_raw(r, i, v, file, err) < 0)
				return -1;
	}
	return 0;
}

/* Parse `text` of `file` and take the chosen cloud's values from it. */
static int load_doc(struct load *l, const char *text, size_t len,
		    const char *file, struct err *err)
{
	yaml_document_t doc;
	yaml_node_t *root, *clouds, *cloud;
	yaml_node_pair_t *p;
	size_t budget = 100000;	/* more than 1 MiB can hold */
	int ret = -1;

	if (yamldoc_load(text, len, file, &doc, err) < 0)
		return -1;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		ret = 0;
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err_set(err, "%s:%zu: expected a mapping with 'clouds:'", file,
			root->start_mark.line + 1);
		goto out;
	}
	if (check_mappings(&doc, root, file, 0, &budget, err) < 0)
		goto out;
	clouds = map_get(&doc, root, "clouds");
	if (!clouds || is_null(clouds)) {
		ret = 0;
		goto out;
	}
	if (clouds->type != YAML_MAPPING_NODE) {
		err_set(err, "%s:%zu: clouds: expected a mapping of clouds",
			file, clouds->start_mark.line + 1);
		goto out;
	}
	for (p = clouds->data.mapping.pairs.start;
	     p < clouds->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&doc, p->key);

		if (!strcmp(scalar(k), CLOUDS_ENVVARS)) {
			err_set(err, "%s:%zu: clouds.%s: that name is kept for the cloud of the OS_* variables",
				file, k->start_mark.line + 1, CLOUDS_ENVVARS);
			goto out;
		}
		strvec_push(&l->names, scalar(k));
	}
	cloud = map_get(&doc, clouds, l->raw.name);
	if (cloud && !is_null(cloud)) {
		if (cloud->type != YAML_MAPPING_NODE) {
			err_set(err, "%s:%zu: clouds.%.64s: expected a mapping of keys",
				file, cloud->start_mark.line + 1, l->raw.name);
			goto out;
		}
		if (load_keys(&l->raw, &doc, cloud, "", file, err) < 0)
			goto out;
	}
	if (cloud)
		l->raw.found = 1;
	ret = 0;
out:
	yaml_document_delete(&doc);
	return ret;
}

static int load_file(struct load *l, const char *path, struct err *err)
{
	struct buf text = BUF_INIT;
	int ret;

	ret = read_file(path, &text, err);
	if (!ret)
		ret = load_doc(l, text.ptr, text.len, path, err);
	if (text.alloc)
		explicit_bzero(text.ptr, text.alloc);
	buf_release(&text);
	return ret;
}

/* ---- the envvars cloud ---- */

static int from_env(struct load *l, struct err *err)
{
	const char *v;
	size_t i;
	int any = 0;

	for (i = 0; i < NFIELDS; i++) {
		if (!fields[i].env || !(v = env_get(l->env, fields[i].env)))
			continue;
		if (strlen(v) > MAX_VALUE)
			return err_set(err, "%s: value longer than %d bytes",
				       fields[i].env, MAX_VALUE);
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				return err_set(err, "%s: control character in value",
					       fields[i].env);
		l->raw.val[i] = xstrdup(v);
		any = 1;
	}
	if (!any)
		return err_set(err, "cloud '%s': no OS_* variable is set",
			       CLOUDS_ENVVARS);
	return 0;
}

/* Whether the environment describes a cloud: an OS_* credential is set. */
static int env_has_cloud(const char *const *env)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		/* OS_REGION_NAME only selects, as OS_CLOUD does */
		if (fields[i].env && strcmp(fields[i].env, "OS_REGION_NAME") &&
		    env_get(env, fields[i].env))
			return 1;
	return 0;
}

/* ---- checking the cloud ---- */

static int parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i]))
			return *out = 1, 0;
		if (!strcasecmp(s, no[i]))
			return *out = 0, 0;
	}
	return -1;
}

/* A field's name as the user wrote it: "auth.password" or "OS_PASSWORD" */
static const char *fname(const struct load *l, size_t i)
{
	return l->clouds_file || l->secure_file ? fields[i].key :
						  fields[i].env;
}

/*
 * "cloud 'prod' (FILE): auth.password is not set", or with `or_i` "auth.username
 * or auth.user_id is not set"; `why` (optional) is appended.
 */
static int missing(const struct load *l, size_t i, size_t or_i,
		   const char *why, struct err *err)
{
	const char *file = l->clouds_file ? l->clouds_file : l->secure_file;
	struct buf where = BUF_INIT;

	buf_addf(&where, "cloud '%.64s'", l->raw.name);
	if (file)
		buf_addf(&where, " (%s)", file);
	err_set(err, "%s: %s%s%s is not set%s%s", where.ptr, fname(l, i),
		or_i != NONE ? " or " : "", or_i != NONE ? fname(l, or_i) : "",
		why ? ": " : "", why ? why : "");
	buf_release(&where);
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* Move the values into `c`, with domain_name/domain_id as fallbacks. */
static void take(struct raw *r, struct clouds_cloud *c)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (fields[i].offset != NONE) {
			*str_field(c, &fields[i]) = r->val[i];
			r->val[i] = NULL;
		}
	if (!c->user_domain_name && !c->user_domain_id) {
		c->user_domain_name = dup_or_null(r->val[I_DOMAIN_NAME]);
		c->user_domain_id = dup_or_null(r->val[I_DOMAIN_ID]);
	}
	if (!c->project_domain_name && !c->project_domain_id) {
		c->project_domain_name = dup_or_null(r->val[I_DOMAIN_NAME]);
		c->project_domain_id = dup_or_null(r->val[I_DOMAIN_ID]);
	}
}

/* auth_type, verify, insecure, interface, profile, auth_url */
static int check_values(struct load *l, struct clouds_cloud *c,
			struct err *err)
{
	struct raw *r = &l->raw;
	const char *v;
	char w[200], q[80];
	int b;

	if (r->val[I_PROFILE])
		return err_set(err, "%s: profiles are not supported: give auth_url and the rest in the cloud",
			       where(r, I_PROFILE, w, sizeof(w)));
	v = r->val[I_AUTH_TYPE];
	if (!v || !strcmp(v, "password") || !strcmp(v, "v3password"))
		c->auth_type = CLOUDS_AUTH_PASSWORD;
	else if (!strcmp(v, "v3applicationcredential"))
		c->auth_type = CLOUDS_AUTH_APPCRED;
	else if (!strcmp(v, "token") || !strcmp(v, "v3token"))
		c->auth_type = CLOUDS_AUTH_TOKEN;
	else
		return err_set(err, "%s: unknown auth type '%s' (solum knows password, v3applicationcredential, token)",
			       where(r, I_AUTH_TYPE, w, sizeof(w)),
			       quote(v, q, sizeof(q)));
	if (r->val[I_INSECURE]) {
		if (parse_bool(r->val[I_INSECURE], &b) < 0)
			return err_set(err, "%s: expected true or false, got '%s'",
				       where(r, I_INSECURE, w, sizeof(w)),
				       quote(r->val[I_INSECURE], q, sizeof(q)));
		c->verify = !b;
	}
	if (r->val[I_VERIFY]) {
		if (parse_bool(r->val[I_VERIFY], &b) < 0)
			return err_set(err, "%s: expected true or false, got '%s'",
				       where(r, I_VERIFY, w, sizeof(w)),
				       quote(r->val[I_VERIFY], q, sizeof(q)));
		c->verify = b;
	}
	return 0;
}

/* what `c` needs for its auth type */
static int check_auth(struct load *l, const struct clouds_cloud *c,
		      struct err *err)
{
	if (c->auth_type == CLOUDS_AUTH_PASSWORD) {
		if (!c->username && !c->user_id)
			return missing(l, I_USERNAME, I_USER_ID, NULL, err);
		if (!c->password)
			return missing(l, I_PASSWORD, NONE, NULL, err);
	} else if (c->auth_type == CLOUDS_AUTH_APPCRED) {
		if (!c->application_credential_secret)
			return missing(l, I_APPCRED_SECRET, NONE, NULL, err);
		if (!c->application_credential_id &&
		    !c->application_credential_name)
			return missing(l, I_APPCRED_ID, I_APPCRED_NAME, NULL,
				       err);
		if (!c->application_credential_id && !c->username &&
		    !c->user_id)
			return missing(l, I_USERNAME, I_USER_ID, "an application credential by name needs its user", err);
	} else if (!c->token) {
		return missing(l, I_TOKEN, NONE, NULL, err);
	}
	if (c->username && !c->user_id && !c->user_domain_name &&
	    !c->user_domain_id &&
	    (c->auth_type == CLOUDS_AUTH_PASSWORD ||
	     !c->application_credential_id))
		return missing(l, I_USER_DOMAIN_NAME, I_USER_DOMAIN_ID,
			        "a user name needs its domain", err);
	if (c->project_name && !c->project_id && !c->project_domain_name &&
	    !c->project_domain_id && c->auth_type != CLOUDS_AUTH_APPCRED)
		return missing(l, I_PROJECT_DOMAIN_NAME,
			       I_PROJECT_DOMAIN_ID, "a project name needs its domain", err);
	return 0;
}

/* An endpoint override, when given, is an http(s) URL. */
static int check_url(struct load *l, const char *url, int field,
		     struct err *err)
{
	char w[200], q[80];
	const char *rest;

	if (!url || starts_with(url, "http://", &rest) ||
	    starts_with(url, "https://", &rest))
		return 0;
	return err_set(err, "%s: expected an http:// or https:// URL, got '%s'",
		       where(&l->raw, field, w, sizeof(w)),
		       quote(url, q, sizeof(q)));
}

static int check_cloud(struct load *l, struct clouds_cloud *c,
		       struct err *err)
{
	char w[200], q[80];
	const char *rest;
	char *v;

	if (check_values(l, c, err) < 0)
		return -1;
	take(&l->raw, c);
	if (!c->auth_url)
		return missing(l, I_AUTH_URL, NONE, NULL, err);
	if (!starts_with(c->auth_url, "http://", &rest) &&
	    !starts_with(c->auth_url, "https://", &rest))
		return err_set(err, "%s: expected an http:// or https:// URL, got '%s'",
			       where(&l->raw, I_AUTH_URL, w, sizeof(w)),
			       quote(c->auth_url, q, sizeof(q)));
	if (check_url(l, c->image_endpoint_override, I_IMAGE_URL, err) < 0 ||
	    check_url(l, c->orchestration_endpoint_override, I_ORCH_URL,
		      err) < 0)
		return -1;
	if (!c->interface)
		c->interface = xstrdup("public");
	v = c->interface;
	if (strlen(v) > 3 && !strcmp(v + strlen(v) - 3, "URL"))
		v[strlen(v) - 3] = '\0';	/* keystoneauth's old publicURL */
	if (strcmp(v, "public") && strcmp(v, "internal") && strcmp(v, "admin"))
		return err_set(err, "%s: expected public, internal or admin, got '%s'",
			       where(&l->raw, I_INTERFACE, w, sizeof(w)),
			       quote(v, q, sizeof(q)));
	if (!c->cert != !c->key)
		return missing(l, c->cert ? I_KEY : I_CERT, NONE,
			       "a client certificate needs its key, a key its certificate", err);
	return check_auth(l, c, err);
}

/* ---- choosing and loading ---- */

/* "cloud 'x' not found in FILE (clouds there: a, b)" */
static int not_found(struct load *l, struct err *err)
{
	struct buf msg = BUF_INIT;
	char q[80];
	size_t i, shown = 0;

	buf_addf(&msg, "cloud '%s' not found", quote(l->raw.name, q, sizeof(q)));
	if (!l->clouds_file && !l->secure_file) {
		buf_addstr(&msg, ": no clouds.yaml in");
		for (i = 0; l->dirs && l->dirs[i]; i++)
			buf_addf(&msg, "%s %s", i ? "," : "", l->dirs[i]);
		if (!i)
			buf_addstr(&msg, " any directory");
		buf_addstr(&msg, " and OS_CLIENT_CONFIG_FILE is not set");
		goto out;
	}
	buf_addf(&msg, " in %s", l->clouds_file ? l->clouds_file : l->secure_file);
	if (l->clouds_file && l->secure_file)
		buf_addf(&msg, " and %s", l->secure_file);
	strvec_sort(&l->names);
	for (i = 0; i < l->names.nr; i++) {
		if (i && !strcmp(l->names.v[i], l->names.v[i - 1]))
			continue;
		if (shown == 10) {
			buf_addstr(&msg, ", ...");
			break;
		}
		buf_addf(&msg, "%s%s", shown++ ? ", " : " (clouds there: ",
			 quote(l->names.v[i], q, sizeof(q)));
	}
	buf_addstr(&msg, shown ? ")" : " (it has no clouds)");
out:
	err_set(err, "%s", msg.ptr);
	buf_release(&msg);
	return -1;
}

static int load_files(struct load *l, struct err *err)
{
	if (find_file(env_get(l->env, "OS_CLIENT_CONFIG_FILE"), l->dirs,
		      "clouds", &l->clouds_file, err) < 0 ||
	    find_file(env_get(l->env, "OS_CLIENT_SECURE_FILE"), l->dirs,
		      "secure", &l->secure_file, err) < 0)
		return -1;
	if ((l->clouds_file && load_file(l, l->clouds_file, err) < 0) ||
	    (l->secure_file && load_file(l, l->secure_file, err) < 0))
		return -1;
	if (!l->raw.found)
		return not_found(l, err);
	return 0;
}

static int check_name(const char *name, struct err *err)
{
	const char *p;

	if (strlen(name) > 255)
		return err_set(err, "cloud name longer than 255 bytes");
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, "control character in cloud name");
	return 0;
}

int clouds_load(struct clouds_cloud *c, const char *name,
		const char *const *env, const char *const *dirs,
		struct err *err)
{
	struct load l;
	size_t i;
	int ret = -1;

	memset(&l, 0, sizeof(l));
	strvec_init(&l.names);
	l.env = env;
	l.dirs = dirs;
	if (!name || !*name)
		name = env_get(env, "OS_CLOUD");
	if (!name && env_has_cloud(env))
		name = CLOUDS_ENVVARS;
	if (!name) {
		err_set(err, "no OpenStack cloud chosen: set openstack.cloud in solum.yaml, OS_CLOUD, or the OS_* variables");
		goto out;
	}
	if (check_name(name, err) < 0)
		goto out;
	l.raw.name = name;
	if (!strcmp(name, CLOUDS_ENVVARS) ? from_env(&l, err) < 0 :
					     load_files(&l, err) < 0)
		goto out;
	clouds_release(c);
	c->name = xstrdup(name);
	c->file = dup_or_null(l.clouds_file ? l.clouds_file : l.secure_file);
	ret = check_cloud(&l, c, err);
	if (ret < 0)
		clouds_release(c);
out:
	for (i = 0; i < NFIELDS; i++)
		free_secret(l.raw.val[i]);
	free(l.clouds_file);
	free(l.secure_file);
	strvec_clear(&l.names);
	return ret;
}

void clouds_describe(const struct clouds_cloud *c, struct buf *out)
{
	size_t i;

	buf_addf(out, "cloud: %s\n", c->name ? c->name : "");
	buf_addf(out, "from: %s\n", c->file ? c->file : "the OS_* variables");
	buf_addf(out, "auth_type: %s\n", clouds_auth_type_name(c->auth_type));
	for (i = 0; i < NFIELDS; i++) {
		const char *v;

		if (fields[i].offset == NONE)
			continue;
		v = *str_field((struct clouds_cloud *)c, &fields[i]);
		if (!v)
			continue;
		buf_addf(out, "%s: %s\n", fields[i].key,
			 fields[i].secret ? "<set>" : v);
	}
	if (!c->verify)
		buf_addstr(out, "verify: false\n");
}
