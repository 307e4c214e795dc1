/* unit tests: Heat templates' parameters, their values, the shipped ones */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "template.h"

#ifndef SOURCE_DIR
#define SOURCE_DIR "."
#endif

#define HOT "heat_template_version: 2018-08-31\n"

static int parse(const char *text, struct template *t, struct err *err)
{
	return template_parse(t, "web.yaml", text, strlen(text), err);
}

static void expect_error(const char *text, const char *want)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;

	if (parse(text, &t, &err) != -1)
		fail_msg("parsed, want '%s'", want);
	if (strcmp(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
	assert_int_equal(t.nr, 0);
	assert_null(t.params);
	assert_null(t.text);
}

static void test_params(void **state)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	const struct template_param *p;
	const char *text = HOT
		"description: a web app\n"
		"parameters:\n"
		"  image:\n"
		"    type: string\n"
		"    description: the image\n"
		"  port: {type: number, default: 8080}\n"
		"  db_password:\n"
		"    type: string\n"
		"    hidden: true\n"
		"  opts: {type: json, default: {a: 1, b: [x, true, ~]}}\n"
		"  names: {type: comma_delimited_list, default: [a, b]}\n"
		"  debug: {type: boolean, default: no, hidden: false}\n"
		"  key_name: {type: string, default: ''}\n"
		"  nothing: {type: string, default: ~, label: N,\n"
		"            constraints: [{length: {max: 3}}], immutable: true,\n"
		"            tags: [x]}\n"
		"resources: {}\n"
		"outputs: {}\n";

	(void)state;
	assert_int_equal(parse(text, &t, &err), 0);
	assert_string_equal(t.name, "web.yaml");
	assert_int_equal(t.len, strlen(text));
	assert_string_equal(t.text, text);
	assert_int_equal(t.nr, 8);
	assert_string_equal(t.params[0].name, "image");
	assert_int_equal(t.params[0].type, TEMPLATE_STRING);
	assert_false(t.params[0].has_default);
	assert_null(t.params[0].default_text);
	assert_string_equal(t.params[0].description, "the image");
	assert_int_equal(t.params[0].line, 4);
	p = template_param_get(&t, "port");
	assert_non_null(p);
	assert_int_equal(p->type, TEMPLATE_NUMBER);
	assert_true(p->has_default);
	assert_string_equal(p->default_text, "8080");
	assert_null(p->description);
	p = template_param_get(&t, "db_password");
	assert_true(p->hidden);
	assert_false(p->has_default);
	p = template_param_get(&t, "opts");
	assert_int_equal(p->type, TEMPLATE_JSON);
	assert_string_equal(p->default_text,
			    "{\"a\":1,\"b\":[\"x\",true,null]}");
	p = template_param_get(&t, "names");
	assert_int_equal(p->type, TEMPLATE_LIST);
	assert_string_equal(p->default_text, "[\"a\",\"b\"]");
	p = template_param_get(&t, "debug");
	assert_int_equal(p->type, TEMPLATE_BOOLEAN);
	assert_false(p->hidden);
	assert_string_equal(p->default_text, "no");
	p = template_param_get(&t, "key_name");
	assert_true(p->has_default);	/* '' is a default; ~ is none */
	assert_string_equal(p->default_text, "");
	p = template_param_get(&t, "nothing");
	assert_false(p->has_default);
	assert_null(template_param_get(&t, "absent"));
	assert_string_equal(template_type_name(TEMPLATE_LIST),
			    "comma_delimited_list");
	template_release(&t);
	template_release(&t);	/* released twice: harmless */
}

static void test_json_and_empty(void **state)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	const char *json = "{\n\t\"heat_template_version\": \"2018-08-31\",\n"
		"\t\"parameters\": {\n\t\t\"image\": {\"type\": \"string\"},\n"
		"\t\t\"n\": {\"type\": \"number\", \"default\": 3}\n\t},\n"
		"\t\"resources\": {}\n}\n";

	(void)state;
	assert_int_equal(parse(json, &t, &err), 0);
	assert_int_equal(t.nr, 2);
	assert_string_equal(t.params[1].default_text, "3");
	template_release(&t);
	/* no parameters at all, or an empty section */
	assert_int_equal(parse(HOT, &t, &err), 0);
	assert_int_equal(t.nr, 0);
	template_release(&t);
	assert_int_equal(parse(HOT "parameters:\n", &t, &err), 0);
	assert_int_equal(t.nr, 0);
	template_release(&t);
	assert_int_equal(parse("---\n" HOT "...\n", &t, &err), 0);
	template_release(&t);
}

static void test_errors(void **state)
{
	char big[TEMPLATE_MAX_SIZE + 2];
	char longname[400];
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;

	(void)state;
	expect_error("", "web.yaml: empty template: no heat_template_version");
	expect_error("parameters: {}\n",
		     "web.yaml: no heat_template_version: not a HOT template");
	expect_error("- a\n", "web.yaml:1: expected a mapping of sections (heat_template_version:, parameters:, ...)");
	expect_error(HOT "parameters: [a]\n",
		     "web.yaml:2: parameters: expected a mapping of parameters");
	expect_error(HOT "parameters: x\n",
		     "web.yaml:2: parameters: expected a mapping of parameters");
	expect_error(HOT "parameters:\n  a: {type: string}\n  b: {type: string}\n"
		     "  a: {type: number}\n",
		     "web.yaml:5: parameter 'a' declared twice");
	expect_error(HOT "parameters:\n  a: {type: string, type: number}\n",
		     "web.yaml:3: parameter 'a': type given twice");
	expect_error(HOT "parameters:\n  a: {type: string, requried: true}\n",
		     "web.yaml:3: parameter 'a': unknown key 'requried'");
	expect_error(HOT "parameters:\n  a: {default: 1}\n",
		     "web.yaml:3: parameter 'a' has no type");
	expect_error(HOT "parameters:\n  a: string\n",
		     "web.yaml:3: parameter 'a': expected a mapping with a type");
	expect_error(HOT "parameters:\n  a: {type: integer}\n",
		     "web.yaml:3: parameter 'a': type must be one of string, number, json, comma_delimited_list, boolean");
	expect_error(HOT "parameters:\n  a: {type: string, hidden: maybe}\n",
		     "web.yaml:3: parameter 'a': hidden must be true or false");
	expect_error(HOT "parameters:\n  a: {type: string, description: [x]}\n",
		     "web.yaml:3: parameter 'a': description must be text");
	expect_error(HOT "parameters:\n  [a]: {type: string}\n",
		     "web.yaml:3: parameter names must be plain words");
	expect_error(HOT "parameters:\n  \"a\\tb\": {type: string}\n",
		     "web.yaml:3: control character in a parameter name");
	expect_error(HOT "parameters:\n  \"a\\0b\": {type: string}\n",
		     "web.yaml:3: NUL byte in a parameter name");
	expect_error(HOT "resorces: {}\n", "web.yaml:2: unknown section 'resorces'");
	expect_error(HOT "outputs: {}\noutputs: {}\n",
		     "web.yaml:3: section 'outputs' given twice");
	expect_error(HOT HOT, "web.yaml:2: section 'heat_template_version' given twice");
	expect_error("heat_template_version: [1]\n",
		     "web.yaml:1: heat_template_version: expected a version such as 2021-04-16");
	expect_error("heat_template_version:\n",
		     "web.yaml:1: heat_template_version: expected a version such as 2021-04-16");
	expect_error(HOT "---\n" HOT, "web.yaml:2: more than one YAML document");
	expect_error(HOT "parameters: {a: [}\n",
		     "web.yaml:2: did not find expected node content while parsing a flow node");
	memset(longname, 'n', sizeof(longname));
	memcpy(longname, HOT "parameters:\n  ", strlen(HOT) + 14);
	memcpy(longname + 320, ": {type: string}\n", 18);
	expect_error(longname, "web.yaml:3: parameter name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...' longer than 255 bytes");

	assert_int_equal(template_parse(&t, "web.yaml", HOT "\0x", strlen(HOT) + 2,
					&err), -1);
	assert_string_equal(err.msg, "web.yaml: NUL byte in template");
	memset(big, '#', sizeof(big));
	memcpy(big, HOT, strlen(HOT));
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(parse(big, &t, &err), -1);
	assert_string_equal(err.msg, "web.yaml: larger than 524288 bytes (Heat's limit)");
	big[sizeof(big) - 2] = '\0';	/* exactly the limit */
	assert_int_equal(parse(big, &t, &err), 0);
	template_release(&t);
}

static void test_aliases(void **state)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	/* an alias or two is fine */
	assert_int_equal(parse(HOT "parameters:\n"
			       "  a: &s {type: string, default: &d [x, y]}\n"
			       "  b: {type: json, default: {l: *d, m: *d}}\n"
			       "  c: *s\n", &t, &err), 0);
	assert_int_equal(t.nr, 3);
	assert_string_equal(t.params[1].default_text,
			    "{\"l\":[\"x\",\"y\"],\"m\":[\"x\",\"y\"]}");
	assert_string_equal(t.params[2].default_text, "[\"x\",\"y\"]");
	template_release(&t);

	/* billion laughs: ten levels of ten aliases each */
	buf_addstr(&b, HOT "parameters:\n  p:\n    type: json\n    default:\n"
		   "      l0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (i = 1; i < 10; i++)
		buf_addf(&b, "      l%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
			 i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
			 i - 1);
	assert_int_equal(parse(b.ptr, &t, &err), -1);
	assert_true(starts_with(err.msg, "web.yaml:", NULL));
	assert_non_null(strstr(err.msg, ": parameter 'p': default nested too deep or too large (aliases?)"));
	/* a cycle */
	assert_int_equal(parse(HOT "parameters:\n  p: {type: json, default: &c [*c]}\n",
			       &t, &err), -1);
	assert_non_null(strstr(err.msg, "default nested too deep"));
	/* a duplicate key inside a default */
	assert_int_equal(parse(HOT "parameters:\n  p: {type: json, default: {a: 1, a: 2}}\n",
			       &t, &err), -1);
	assert_string_equal(err.msg, "web.yaml:3: parameter 'p': key 'a' given twice");
	buf_release(&b);
}

static void test_hash(void **state)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	char hex[TEMPLATE_HASH_HEX];

	(void)state;
	template_hash("abc", 3, hex);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	template_hash("", 0, hex);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_int_equal(parse(HOT, &t, &err), 0);
	template_hash(HOT, strlen(HOT), hex);
	assert_string_equal(t.hash, hex);
	template_release(&t);
}

static const char resolve_text[] = HOT
	"parameters:\n"
	"  image: {type: string}\n"
	"  app_name: {type: string}\n"
	"  release: {type: string}\n"
	"  port: {type: number}\n"
	"  greeting: {type: string, default: hi}\n"
	"  workers: {type: number, default: 2}\n"
	"  db_password: {type: string, hidden: true, default: ''}\n"
	"  token: {type: string, default: x}\n";

static int resolve(const char *text, const struct template_values *v,
		   struct template_args *out, struct err *err)
{
	struct template t = TEMPLATE_INIT;
	int ret;

	assert_int_equal(parse(text, &t, err), 0);
	ret = template_params_resolve(&t, v, out, err);
	template_release(&t);
	return ret;
}

static char *dump(json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

static void test_resolve(void **state)
{
	struct strvec params = STRVEC_INIT, secrets = STRVEC_INIT;
	struct template_values v = {
		"127.0.0.1:5000/web@sha256:ab", "1111-2222", "web", "7",
		"0123abc", "5000", &params, &secrets,
	};
	struct template_args a = TEMPLATE_ARGS_INIT;
	struct err err = ERR_INIT;
	json_t *shown;
	char *s;

	(void)state;
	strvec_pushl(&params, "greeting=hello=you", "undeclared=1",
		     "db_password=visible", "token=old", NULL);
	strvec_pushl(&secrets, "token=s3cret", "other=x", NULL);
	assert_int_equal(resolve(resolve_text, &v, &a, &err), 0);
	s = dump(a.params);
	/* declared only; glance_image and commit are not declared */
	assert_string_equal(s, "{\"app_name\":\"web\",\"db_password\":\"visible\","
			    "\"greeting\":\"hello=you\",\"image\":\"127.0.0.1:5000/web@sha256:ab\","
			    "\"port\":\"5000\",\"release\":\"7\",\"token\":\"s3cret\"}");
	free(s);
	assert_int_equal(a.hidden.nr, 2);
	assert_string_equal(a.hidden.v[0], "db_password");
	assert_string_equal(a.hidden.v[1], "token");
	assert_true(template_args_is_hidden(&a, "token"));
	assert_false(template_args_is_hidden(&a, "greeting"));
	shown = template_args_printable(&a);
	s = dump(shown);
	assert_null(strstr(s, "s3cret"));
	assert_null(strstr(s, "visible"));
	assert_non_null(strstr(s, "\"token\":\"******\""));
	assert_non_null(strstr(s, "\"greeting\":\"hello=you\""));
	free(s);
	json_decref(shown);
	template_args_release(&a);
	template_args_release(&a);

	/* without settings: defaults are Heat's, left out */
	v.params = v.secrets = NULL;
	assert_int_equal(resolve(resolve_text, &v, &a, &err), 0);
	assert_int_equal(json_object_size(a.params), 4);
	assert_null(json_object_get(a.params, "workers"));
	assert_int_equal(a.hidden.nr, 0);
	template_args_release(&a);
	strvec_clear(&params);
	strvec_clear(&secrets);
}

static void expect_resolve_error(const char *text,
				 const struct template_values *v,
				 const char *want)
{
	struct template_args a = TEMPLATE_ARGS_INIT;
	struct err err = ERR_INIT;

	assert_int_equal(resolve(text, v, &a, &err), -1);
	if (strcmp(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
	assert_null(a.params);
	assert_int_equal(a.hidden.nr, 0);
}

static void test_resolve_errors(void **state)
{
	struct strvec params = STRVEC_INIT, secrets = STRVEC_INIT;
	struct template_values v = {
		"r/web@sha256:ab", NULL, "web", "7", "0123abc", "5000",
		&params, &secrets,
	};

	(void)state;
	expect_resolve_error(HOT "parameters:\n  db_password: {type: string}\n", &v,
			     "template 'web.yaml': parameter 'db_password' has no value and no default; set it with solum app set web --param db_password=... or give it a default (solum itself passes image, glance_image, app_name, release, commit, port)");
	expect_resolve_error(HOT "parameters:\n  key: {type: string, hidden: true}\n", &v,
			     "template 'web.yaml': parameter 'key' has no value and no default; set it with solum app set web --secret key or give it a default (solum itself passes image, glance_image, app_name, release, commit, port)");
	expect_resolve_error(HOT "parameters:\n  glance_image: {type: string}\n", &v,
			     "template 'web.yaml': parameter 'glance_image' is one solum passes, but it has no value for this deploy and no default");
	strvec_push(&params, "workers=many");
	expect_resolve_error(HOT "parameters:\n  workers: {type: number}\n", &v,
			     "template 'web.yaml': parameter 'workers' must be a number, got 'many'");
	strvec_clear(&params);
	strvec_push(&secrets, "workers=s3cret");
	expect_resolve_error(HOT "parameters:\n  workers: {type: number}\n", &v,
			     "template 'web.yaml': parameter 'workers' must be a number; its hidden value is not");
	strvec_clear(&secrets);
	strvec_pushl(&params, "flag=maybe", "cfg={x", NULL);
	expect_resolve_error(HOT "parameters:\n  flag: {type: boolean}\n", &v,
			     "template 'web.yaml': parameter 'flag' must be a boolean (true or false), got 'maybe'");
	expect_resolve_error(HOT "parameters:\n  cfg: {type: json}\n", &v,
			     "template 'web.yaml': parameter 'cfg' must be JSON, got '{x'");
	strvec_clear(&params);
	strvec_push(&params, "image=mine");
	expect_resolve_error(HOT "parameters:\n  image: {type: string}\n", &v,
			     "template 'web.yaml': parameter 'image' is solum's own; remove the app's setting with solum app set web --unset-param image");
	strvec_clear(&params);
	strvec_push(&secrets, "novalue");
	expect_resolve_error(HOT "parameters:\n  image: {type: string}\n", &v,
			     "an app secret is not KEY=VALUE");
	strvec_clear(&secrets);
	/* a port that is not a number */
	v.port = "http";
	expect_resolve_error(HOT "parameters:\n  port: {type: number}\n", &v,
			     "template 'web.yaml': parameter 'port' must be a number, got 'http'");
	strvec_clear(&params);
	strvec_clear(&secrets);
}

static void test_types(void **state)
{
	static const char *const numbers[] = { "0", "-1", "8080", "1.5",
		"1e3", "+2", ".5", "2.", "-1.5E-3" };
	static const char *const not_numbers[] = { "", "-", "1x", "0x10",
		"1e", " 1", "1 ", ".", "e3", "nan", "inf" };
	static const char *const booleans[] = { "true", "False", "yes",
		"no", "on", "OFF", "1", "0", "t", "f", "y", "N" };
	struct strvec params = STRVEC_INIT;
	struct template_values v = { .params = &params };
	struct template_args a = TEMPLATE_ARGS_INIT;
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(numbers) / sizeof(*numbers); i++) {
		strvec_clear(&params);
		strvec_pushf(&params, "n=%s", numbers[i]);
		if (resolve(HOT "parameters: {n: {type: number}}\n", &v, &a,
			    &err))
			fail_msg("'%s': %s", numbers[i], err.msg);
		template_args_release(&a);
	}
	for (i = 0; i < sizeof(not_numbers) / sizeof(*not_numbers); i++) {
		strvec_clear(&params);
		strvec_pushf(&params, "n=%s", not_numbers[i]);
		if (!resolve(HOT "parameters: {n: {type: number}}\n", &v, &a,
			     &err))
			fail_msg("'%s' taken for a number", not_numbers[i]);
	}
	for (i = 0; i < sizeof(booleans) / sizeof(*booleans); i++) {
		strvec_clear(&params);
		strvec_pushf(&params, "b=%s", booleans[i]);
		assert_int_equal(resolve(HOT "parameters: {b: {type: boolean}}\n",
					 &v, &a, &err), 0);
		template_args_release(&a);
	}
	strvec_clear(&params);
	strvec_pushl(&params, "j=[1, {\"a\": null}]", "l=a,b", NULL);
	assert_int_equal(resolve(HOT "parameters: {j: {type: json}, l: {type: comma_delimited_list}}\n",
				 &v, &a, &err), 0);
	assert_string_equal(json_string_value(json_object_get(a.params, "j")),
			    "[1, {\"a\": null}]");
	template_args_release(&a);
	strvec_clear(&params);
}

static void test_load(void **state)
{
	char path[] = "/tmp/solum-template-test-XXXXXX";
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	int fd = mkstemp(path);
	const char *base = strrchr(path, '/') + 1;
	char want[200];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, HOT "parameters: {image: {type: string}}\n",
			       strlen(HOT) + 36), (ssize_t)strlen(HOT) + 36);
	close(fd);
	assert_int_equal(template_load(&t, path, &err), 0);
	assert_string_equal(t.name, base);
	assert_int_equal(t.nr, 1);
	template_release(&t);
	unlink(path);
	assert_int_equal(template_load(&t, path, &err), -1);
	snprintf(want, sizeof(want), "cannot read template '%s': No such file or directory",
		 path);
	assert_string_equal(err.msg, want);
}

/* Every template solum ships, and the tests' own, parse and take an image. */
static void check_dir(const char *dir, size_t min)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		fail_msg("cannot open '%s'", dir);
	while ((de = readdir(d))) {
		struct template t = TEMPLATE_INIT;
		struct err err = ERR_INIT;
		char *path;

		if (!strstr(de->d_name, ".yaml"))
			continue;
		path = xstrfmt("%s/%s", dir, de->d_name);
		if (template_load(&t, path, &err))
			fail_msg("%s", err.msg);
		if (!template_param_get(&t, "image") &&
		    !template_param_get(&t, "glance_image"))
			fail_msg("%s declares neither image nor glance_image",
				 path);
		print_message("# %s: %zu parameters\n", path, t.nr);
		template_release(&t);
		free(path);
		n++;
	}
	closedir(d);
	assert_true(n >= min);
}

static void test_shipped(void **state)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	const struct template_param *p;

	(void)state;
	check_dir(SOURCE_DIR "/templates", 3);
	check_dir(SOURCE_DIR "/tests/templates", 3);

	assert_int_equal(template_load(&t, SOURCE_DIR "/templates/server-docker.yaml",
				       &err), 0);
	p = template_param_get(&t, "registry_password");
	assert_non_null(p);
	assert_true(p->hidden);
	p = template_param_get(&t, "floating_network");
	assert_true(p->has_default);
	assert_false(template_param_get(&t, "server_image")->has_default);
	template_release(&t);
	assert_int_equal(template_load(&t, SOURCE_DIR "/templates/nova-glance.yaml",
				       &err), 0);
	assert_string_equal(template_param_get(&t, "network")->default_text, "");
	assert_string_equal(template_param_get(&t, "flavor")->default_text,
			    "m1.tiny");
	template_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_json_and_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_resolve_errors),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_shipped),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("template", tests, NULL, NULL);
}
