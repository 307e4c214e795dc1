/* template: a Heat (HOT) template's declared parameters, and their values */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <yaml.h>

#include "buf.h"
#include "file.h"
#include "template.h"
#include "yamldoc.h"
#include "banned.h"

/*
 * A default is the only part walked in depth: its aliases could make a
 * small file a huge tree (billion laughs), or a cycle, so the walk is
 * bounded in nodes and depth.
 */
#define DEFAULT_MAX_NODES 10000
#define DEFAULT_MAX_DEPTH 32

static const char *const sections[] = {
	"heat_template_version", "description", "parameter_groups",
	"parameters", "resources", "outputs", "conditions",
};

static const char *const param_keys[] = {
	"type", "default", "label", "description", "hidden", "constraints",
	"immutable", "tags",
};

static const char *const type_names[] = {
	[TEMPLATE_STRING] = "string",
	[TEMPLATE_NUMBER] = "number",
	[TEMPLATE_JSON] = "json",
	[TEMPLATE_LIST] = "comma_delimited_list",
	[TEMPLATE_BOOLEAN] = "boolean",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* What one parse carries along. */
struct parse {
	struct template *t;
	yaml_document_t *doc;
	const char *file;
	const char *param;	/* the parameter whose default is walked */
	size_t budget;		/* nodes a default may still expand to */
};

const char *template_type_name(enum template_type type)
{
	if ((size_t)type >= ARRAY_SIZE(type_names))
		BUG("bad template type %d", (int)type);
	return type_names[type];
}

void template_hash(const char *text, size_t len,
		   char hex_out[TEMPLATE_HASH_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(text, len, md, &n, EVP_sha256(), NULL) || n != 32)
		BUG("sha256 failed");
	for (i = 0; i < n; i++)
		snprintf(hex_out + 2 * i, 3, "%02x", md[i]);
}

static size_t line_of(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A null as YAML 1.1 (Heat's loader) reads it: ~, null, or nothing. */
static int is_null(const yaml_node_t *n)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE)
		return 0;
	if (n->tag && !strcmp((const char *)n->tag, YAML_NULL_TAG))
		return 1;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = scalar(n);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* 1 for a YAML 1.1 true, 0 for a false, -1 for anything else. */
static int yaml_bool(const char *s)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i]))
			return 1;
		if (!strcasecmp(s, no[i]))
			return 0;
	}
	return -1;
}

static json_t *scalar_to_json(const yaml_node_t *n)
{
	const char *s = scalar(n);
	long long v;
	char *end;
	int b;

	if (is_null(n))
		return json_null();
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(s, n->data.scalar.length);
	b = yaml_bool(s);
	if (b >= 0 && strlen(s) > 1)
		return json_boolean(b);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s && !*end && !errno && (*s == '-' || (*s >= '0' && *s <= '9')))
		return json_integer(v);
	return json_stringn(s, n->data.scalar.length);
}

static json_t *node_to_json(struct parse *p, yaml_node_t *n, int depth,
			    struct err *err);

static json_t *mapping_to_json(struct parse *p, yaml_node_t *n, int depth,
			       struct err *err)
{
	json_t *obj = json_object();
	yaml_node_pair_t *pair;

	for (pair = n->data.mapping.pairs.start;
	     pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		json_t *v;

		if (!kn || !vn || kn->type != YAML_SCALAR_NODE) {
			err_set(err, "%s:%zu: parameter '%.64s': keys must be plain words",
				p->file, line_of(n), p->param);
			goto fail;
		}
		if (json_object_get(obj, scalar(kn))) {
			err_set(err, "%s:%zu: parameter '%.64s': key '%.64s' given twice",
				p->file, line_of(kn), p->param, scalar(kn));
			goto fail;
		}
		v = node_to_json(p, vn, depth + 1, err);
		if (!v)
			goto fail;
		json_object_set_new(obj, scalar(kn), v);
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

/* A YAML node as JSON (owned), or NULL and err past the bounds. */
static json_t *node_to_json(struct parse *p, yaml_node_t *n, int depth,
			    struct err *err)
{
	json_t *arr;
	yaml_node_item_t *it;

	if (!p->budget || depth > DEFAULT_MAX_DEPTH) {
		err_set(err, "%s:%zu: parameter '%.64s': default nested too deep or too large (aliases?)",
			p->file, line_of(n), p->param);
		return NULL;
	}
	p->budget--;
	if (n->type == YAML_SCALAR_NODE)
		return scalar_to_json(n);
	if (n->type == YAML_MAPPING_NODE)
		return mapping_to_json(p, n, depth, err);
	arr = json_array();
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		yaml_node_t *in = yaml_document_get_node(p->doc, *it);
		json_t *v = in ? node_to_json(p, in, depth + 1, err) : NULL;

		if (!v) {
			if (!in)
				err_set(err, "%s:%zu: parameter '%.64s': bad sequence",
					p->file, line_of(n), p->param);
			json_decref(arr);
			return NULL;
		}
		json_array_append_new(arr, v);
	}
	return arr;
}

static int set_default(struct parse *p, struct template_param *tp,
		       yaml_node_t *vn, struct err *err)
{
	json_t *j;

	if (is_null(vn))
		return 0;
	tp->has_default = 1;
	if (vn->type == YAML_SCALAR_NODE) {
		tp->default_text = xstrdup(scalar(vn));
		return 0;
	}
	p->param = tp->name;
	j = node_to_json(p, vn, 0, err);
	if (!j)
		return -1;
	tp->default_text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (!tp->default_text)
		BUG("json_dumps failed");
	return 0;
}

static int set_type(struct parse *p, struct template_param *tp,
		    yaml_node_t *vn, struct err *err)
{
	size_t i;

	if (vn->type == YAML_SCALAR_NODE)
		for (i = 0; i < ARRAY_SIZE(type_names); i++)
			if (!strcmp(scalar(vn), type_names[i])) {
				tp->type = (enum template_type)i;
				return 0;
			}
	return err_set(err, "%s:%zu: parameter '%.64s': type must be one of string, number, json, comma_delimited_list, boolean",
		       p->file, line_of(vn), tp->name);
}

/* One key of a parameter's mapping. */
static int param_key(struct parse *p, struct template_param *tp,
		     const char *key, yaml_node_t *vn, struct err *err)
{
	int b;

	if (!strcmp(key, "type"))
		return set_type(p, tp, vn, err);
	if (!strcmp(key, "default"))
		return set_default(p, tp, vn, err);
	if (!strcmp(key, "hidden")) {
		b = vn->type == YAML_SCALAR_NODE ? yaml_bool(scalar(vn)) : -1;
		if (b < 0)
			return err_set(err, "%s:%zu: parameter '%.64s': hidden must be true or false",
				       p->file, line_of(vn), tp->name);
		tp->hidden = b;
		return 0;
	}
	if (!strcmp(key, "description")) {
		if (vn->type != YAML_SCALAR_NODE)
			return err_set(err, "%s:%zu: parameter '%.64s': description must be text",
				       p->file, line_of(vn), tp->name);
		if (!is_null(vn))
			tp->description = xstrdup(scalar(vn));
	}
	return 0;	/* label, constraints, immutable, tags: Heat's */
}

static int known(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

/*
 * The keys of mapping `map` up to `pair`: 1 if `name` is among them.
 * Callers refuse unknown keys first, so a mapping checked this way holds
 * few keys before it fails.
 */
static int seen_before(yaml_document_t *doc, yaml_node_t *map,
		       yaml_node_pair_t *pair, const char *name)
{
	yaml_node_pair_t *q;

	for (q = map->data.mapping.pairs.start; q < pair; q++) {
		yaml_node_t *qk = yaml_document_get_node(doc, q->key);

		if (qk && qk->type == YAML_SCALAR_NODE &&
		    !strcmp(scalar(qk), name))
			return 1;
	}
	return 0;
}

static int check_name(struct parse *p, yaml_node_t *kn, struct err *err)
{
	const unsigned char *s;

	if (!kn || kn->type != YAML_SCALAR_NODE || !kn->data.scalar.length)
		return err_set(err, "%s:%zu: parameter names must be plain words",
			       p->file, kn ? line_of(kn) : 0);
	if (strlen(scalar(kn)) != kn->data.scalar.length)
		return err_set(err, "%s:%zu: NUL byte in a parameter name",
			       p->file, line_of(kn));
	if (kn->data.scalar.length > TEMPLATE_NAME_MAX)
		return err_set(err, "%s:%zu: parameter name '%.32s...' longer than %d bytes",
			       p->file, line_of(kn), scalar(kn),
			       TEMPLATE_NAME_MAX);
	for (s = kn->data.scalar.value; *s; s++)
		if (*s < 0x20 || *s == 0x7f)
			return err_set(err, "%s:%zu: control character in a parameter name",
				       p->file, line_of(kn));
	return 0;
}

static int parse_param(struct parse *p, yaml_node_t *kn, yaml_node_t *vn,
		       struct err *err)
{
	struct template_param *tp = &p->t->params[p->t->nr];
	yaml_node_pair_t *pair;
	int has_type = 0;

	if (check_name(p, kn, err) < 0)
		return -1;
	memset(tp, 0, sizeof(*tp));
	tp->name = xstrdup(scalar(kn));
	tp->line = line_of(kn);
	p->t->nr++;
	if (!vn || vn->type != YAML_MAPPING_NODE)
		return err_set(err, "%s:%zu: parameter '%.64s': expected a mapping with a type",
			       p->file, tp->line, tp->name);
	for (pair = vn->data.mapping.pairs.start;
	     pair < vn->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(p->doc, pair->value);

		if (!k || !v || k->type != YAML_SCALAR_NODE ||
		    !known(param_keys, ARRAY_SIZE(param_keys), scalar(k)))
			return err_set(err, "%s:%zu: parameter '%.64s': unknown key '%.64s'",
				       p->file, k ? line_of(k) : tp->line,
				       tp->name, k && k->type == YAML_SCALAR_NODE ?
				       scalar(k) : "?");
		if (seen_before(p->doc, vn, pair, scalar(k)))
			return err_set(err, "%s:%zu: parameter '%.64s': %s given twice",
				       p->file, line_of(k), tp->name, scalar(k));
		if (param_key(p, tp, scalar(k), v, err) < 0)
			return -1;
		has_type |= !strcmp(scalar(k), "type");
	}
	if (!has_type)
		return err_set(err, "%s:%zu: parameter '%.64s' has no type",
			       p->file, tp->line, tp->name);
	return 0;
}

static int by_name_line(const void *a, const void *b)
{
	const struct template_param *x = *(const struct template_param *const *)a;
	const struct template_param *y = *(const struct template_param *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Names repeated: sorted rather than compared pairwise, for big files. */
static int check_duplicates(struct parse *p, struct err *err)
{
	struct template_param **v;
	size_t i;
	int ret = 0;

	if (p->t->nr < 2)
		return 0;
	v = xcalloc(p->t->nr, sizeof(*v));
	for (i = 0; i < p->t->nr; i++)
		v[i] = &p->t->params[i];
	qsort(v, p->t->nr, sizeof(*v), by_name_line);
	for (i = 1; i < p->t->nr && !ret; i++)
		if (!strcmp(v[i - 1]->name, v[i]->name))
			ret = err_set(err, "%s:%zu: parameter '%.64s' declared twice",
				      p->file, v[i]->line, v[i]->name);
	free(v);
	return ret;
}

static int parse_params(struct parse *p, yaml_node_t *map, struct err *err)
{
	yaml_node_pair_t *pair;
	size_t n;

	if (is_null(map))
		return 0;	/* "parameters:" with nothing under it */
	if (map->type != YAML_MAPPING_NODE)
		return err_set(err, "%s:%zu: parameters: expected a mapping of parameters",
			       p->file, line_of(map));
	n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
	p->t->params = xcalloc(n ? n : 1, sizeof(*p->t->params));
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++)
		if (parse_param(p, yaml_document_get_node(p->doc, pair->key),
				yaml_document_get_node(p->doc, pair->value),
				err) < 0)
			return -1;
	return check_duplicates(p, err);
}

static int check_version(struct parse *p, yaml_node_t *vn, struct err *err)
{
	const unsigned char *s;

	if (vn->type != YAML_SCALAR_NODE || is_null(vn) ||
	    vn->data.scalar.length > 64)
		return err_set(err, "%s:%zu: heat_template_version: expected a version such as 2021-04-16",
			       p->file, line_of(vn));
	for (s = vn->data.scalar.value; *s; s++)
		if (*s <= 0x20 || *s >= 0x7f)
			return err_set(err, "%s:%zu: heat_template_version: expected a version such as 2021-04-16",
				       p->file, line_of(vn));
	return 0;
}

static int parse_root(struct parse *p, yaml_node_t *root, struct err *err)
{
	yaml_node_pair_t *pair;
	int has_version = 0;

	if (!root || is_null(root))
		return err_set(err, "%s: empty template: no heat_template_version",
			       p->file);
	if (root->type != YAML_MAPPING_NODE)
		return err_set(err, "%s:%zu: expected a mapping of sections (heat_template_version:, parameters:, ...)",
			       p->file, line_of(root));
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(p->doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(p->doc, pair->value);
		const char *name;

		if (!kn || !vn || kn->type != YAML_SCALAR_NODE)
			return err_set(err, "%s:%zu: section names must be plain words",
				       p->file, kn ? line_of(kn) : 0);
		name = scalar(kn);
		if (!known(sections, ARRAY_SIZE(sections), name))
			return err_set(err, "%s:%zu: unknown section '%.64s'",
				       p->file, line_of(kn), name);
		if (seen_before(p->doc, root, pair, name))
			return err_set(err, "%s:%zu: section '%s' given twice",
				       p->file, line_of(kn), name);
		if (!strcmp(name, "heat_template_version")) {
			if (check_version(p, vn, err) < 0)
				return -1;
			has_version = 1;
		} else if (!strcmp(name, "parameters") &&
			   parse_params(p, vn, err) < 0) {
			return -1;
		}
	}
	if (!has_version)
		return err_set(err, "%s: no heat_template_version: not a HOT template",
			       p->file);
	return 0;
}

/* The one document (yamldoc.c), then its root. */
static int parse_text(struct parse *p, const char *text, size_t len,
		      struct err *err)
{
	yaml_document_t doc;
	int ret;

	if (yamldoc_load(text, len, p->file, &doc, err) < 0)
		return -1;
	p->doc = &doc;
	ret = parse_root(p, yaml_document_get_root_node(&doc), err);
	p->doc = NULL;
	yaml_document_delete(&doc);
	return ret;
}

int template_parse(struct template *t, const char *name, const char *text,
		   size_t len, struct err *err)
{
	struct parse p = { t, NULL, name, NULL, DEFAULT_MAX_NODES };

	memset(t, 0, sizeof(*t));
	if (len > TEMPLATE_MAX_SIZE)
		return err_set(err, "%s: larger than %d bytes (Heat's limit)",
			       name, TEMPLATE_MAX_SIZE);
	if (memchr(text, '\0', len))
		return err_set(err, "%s: NUL byte in template", name);
	if (parse_text(&p, text, len, err) < 0) {
		template_release(t);
		return -1;
	}
	t->name = xstrdup(name);
	t->text = xstrndup(text, len);
	t->len = len;
	template_hash(text, len, t->hash);
	return 0;
}

int template_load(struct template *t, const char *path, struct err *err)
{
	struct buf text = BUF_INIT;
	const char *base = strrchr(path, '/');
	int ret;

	memset(t, 0, sizeof(*t));
	base = base ? base + 1 : path;
	if (file_read_capped(path, TEMPLATE_MAX_SIZE, &text) < 0) {
		buf_release(&text);
		if (errno == EFBIG)
			return err_set(err, "%s: larger than %d bytes (Heat's limit)",
				       base, TEMPLATE_MAX_SIZE);
		return err_errno(err, "cannot read template '%s'", path);
	}
	ret = template_parse(t, base, text.ptr, text.len, err);
	buf_release(&text);
	return ret;
}

void template_release(struct template *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++) {
		free(t->params[i].name);
		free(t->params[i].default_text);
		free(t->params[i].description);
	}
	free(t->params);
	free(t->name);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

const struct template_param *template_param_get(const struct template *t,
						const char *name)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		if (!strcmp(t->params[i].name, name))
			return &t->params[i];
	return NULL;
}

/* ---- values ---- */

#define OWN_NAMES "image, glance_image, app_name, release, commit, port"

static const char *own_value(const struct template_values *v,
			     const char *name, int *own_out)
{
	const struct { const char *name; const char *value; } own[] = {
		{ "image", v->image },
		{ "glance_image", v->glance_image },
		{ "app_name", v->app_name },
		{ "release", v->release },
		{ "commit", v->commit },
		{ "port", v->port },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(own); i++)
		if (!strcmp(own[i].name, name)) {
			*own_out = 1;
			return own[i].value;
		}
	*own_out = 0;
	return NULL;
}

/*
 * The value of `name` among "KEY=VALUE" settings (the last one wins, as
 * in an environment), or NULL. -1 for a setting that is not KEY=VALUE.
 */
static int setting(const struct strvec *sv, const char *what,
		   const char *name, const char **value_out, struct err *err)
{
	size_t i, n = strlen(name);

	*value_out = NULL;
	for (i = 0; sv && i < sv->nr; i++) {
		const char *eq = strchr(sv->v[i], '=');

		if (!eq || eq == sv->v[i])
			return err_set(err, "an app %s is not KEY=VALUE", what);
		if ((size_t)(eq - sv->v[i]) == n && !memcmp(sv->v[i], name, n))
			*value_out = eq + 1;
	}
	return 0;
}

static int valid_number(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++)
		digits++;
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return !*s;
}

static int valid_json(const char *s)
{
	json_t *j;

	if (!*s)
		return 1;
	j = json_loads(s, JSON_DECODE_ANY, NULL);
	json_decref(j);
	return j != NULL;
}

/* The value against the declared type; the message hides hidden values. */
static int check_type(const struct template *t,
		      const struct template_param *p, const char *value,
		      int hidden, struct err *err)
{
	const char *what;
	int ok;

	switch (p->type) {
	case TEMPLATE_NUMBER:
		ok = valid_number(value);
		what = "a number";
		break;
	case TEMPLATE_BOOLEAN:
		ok = yaml_bool(value) >= 0 || !strcmp(value, "1") ||
		     !strcmp(value, "0") || !strcasecmp(value, "t") ||
		     !strcasecmp(value, "f");
		what = "a boolean (true or false)";
		break;
	case TEMPLATE_JSON:
		ok = valid_json(value);
		what = "JSON";
		break;
	default:
		return 0;
	}
	if (ok)
		return 0;
	if (hidden)
		return err_set(err, "template '%s': parameter '%.64s' must be %s; its hidden value is not",
			       t->name, p->name, what);
	return err_set(err, "template '%s': parameter '%.64s' must be %s, got '%.64s'",
		       t->name, p->name, what, value);
}

static int missing(const struct template *t, const struct template_param *p,
		   const struct template_values *v, int own, struct err *err)
{
	const char *app = v->app_name ? v->app_name : "APP";

	if (own)
		return err_set(err, "template '%s': parameter '%.64s' is one solum passes, but it has no value for this deploy and no default",
			       t->name, p->name);
	if (p->hidden)
		return err_set(err, "template '%s': parameter '%.64s' has no value and no default; set it with solum app set %s --secret %.64s or give it a default (solum itself passes " OWN_NAMES ")",
			       t->name, p->name, app, p->name);
	return err_set(err, "template '%s': parameter '%.64s' has no value and no default; set it with solum app set %s --param %.64s=... or give it a default (solum itself passes " OWN_NAMES ")",
		       t->name, p->name, app, p->name);
}

/* The value of one declared parameter: NULL with no error if none. */
static int find_value(const struct template *t,
		      const struct template_param *p,
		      const struct template_values *v, const char **value_out,
		      int *secret_out, int *own_out, struct err *err)
{
	const char *pv, *sv;

	*secret_out = 0;
	*value_out = own_value(v, p->name, own_out);
	if (setting(v->params, "param", p->name, &pv, err) < 0 ||
	    setting(v->secrets, "secret", p->name, &sv, err) < 0)
		return -1;
	if (*own_out && (pv || sv))
		return err_set(err, "template '%s': parameter '%.64s' is solum's own; remove the app's setting with solum app set %s --unset-%s %.64s",
			       t->name, p->name,
			       v->app_name ? v->app_name : "APP",
			       sv ? "secret" : "param", p->name);
	if (sv) {
		*value_out = sv;
		*secret_out = 1;
	} else if (pv) {
		*value_out = pv;
	}
	return 0;
}

int template_params_resolve(const struct template *t,
			    const struct template_values *v,
			    struct template_args *out, struct err *err)
{
	size_t i;

	out->params = json_object();
	strvec_init(&out->hidden);
	for (i = 0; i < t->nr; i++) {
		const struct template_param *p = &t->params[i];
		const char *value;
		int secret, own;

		if (find_value(t, p, v, &value, &secret, &own, err) < 0)
			goto fail;
		if (!value) {
			if (p->has_default)
				continue;
			missing(t, p, v, own, err);
			goto fail;
		}
		if (check_type(t, p, value, secret || p->hidden, err) < 0)
			goto fail;
		if (json_object_set_new(out->params, p->name,
					json_string(value)) < 0) {
			err_set(err, "template '%s': parameter '%.64s': value is not UTF-8",
				t->name, p->name);
			goto fail;
		}
		if (secret || p->hidden)
			strvec_push(&out->hidden, p->name);
	}
	strvec_sort(&out->hidden);
	return 0;
fail:
	template_args_release(out);
	return -1;
}

void template_args_release(struct template_args *a)
{
	json_decref(a->params);
	a->params = NULL;
	strvec_clear(&a->hidden);
}

int template_args_is_hidden(const struct template_args *a, const char *name)
{
	size_t i;

	for (i = 0; i < a->hidden.nr; i++)
		if (!strcmp(a->hidden.v[i], name))
			return 1;
	return 0;
}

json_t *template_args_printable(const struct template_args *a)
{
	json_t *copy = json_object();
	const char *key;
	json_t *value;

	json_object_foreach(a->params, key, value)
		json_object_set_new(copy, key,
				    template_args_is_hidden(a, key) ?
				    json_string("******") :
				    json_incref(value));
	return copy;
}
