/* fuzz-template: template_parse and template_params_resolve on any text */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "strvec.h"
#include "template.h"

static void check_template(const struct template *t, const uint8_t *data,
			   size_t size)
{
	char hex[TEMPLATE_HASH_HEX];
	size_t i, j;

	CHECK(t->len == size && !memcmp(t->text, data, size));
	template_hash((const char *)data, size, hex);
	CHECK(!strcmp(hex, t->hash));
	for (i = 0; i < t->nr; i++) {
		const struct template_param *p = &t->params[i];

		CHECK(*p->name && strlen(p->name) <= TEMPLATE_NAME_MAX);
		CHECK(p->has_default == (p->default_text != NULL));
		CHECK(template_type_name(p->type));
		for (j = 0; j < i; j++)
			CHECK(strcmp(p->name, t->params[j].name));
	}
}

/* Every sent parameter is declared; every hidden one is masked. */
static void check_resolve(const struct template *t)
{
	struct strvec params = STRVEC_INIT, secrets = STRVEC_INIT;
	struct template_values v = {
		"127.0.0.1:5000/web@sha256:00", "id", "web", "1", "abc",
		"5000", &params, &secrets,
	};
	struct template_args a = TEMPLATE_ARGS_INIT;
	struct err err = ERR_INIT;
	const char *key;
	json_t *value, *shown;
	size_t i;

	/* half of the declared parameters get a setting, some secret */
	for (i = 0; i < t->nr; i += 2)
		strvec_pushf(i % 4 ? &secrets : &params, "%s=1",
			     t->params[i].name);
	if (template_params_resolve(t, &v, &a, &err) < 0) {
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
		CHECK(!a.params && !a.hidden.nr);
		goto out;
	}
	shown = template_args_printable(&a);
	json_object_foreach(a.params, key, value) {
		CHECK(template_param_get(t, key));
		CHECK(json_is_string(value));
		if (template_args_is_hidden(&a, key))
			CHECK(!strcmp(json_string_value(json_object_get(shown, key)),
				      "******"));
	}
	CHECK(json_object_size(shown) == json_object_size(a.params));
	json_decref(shown);
	template_args_release(&a);
out:
	strvec_clear(&params);
	strvec_clear(&secrets);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct template t = TEMPLATE_INIT;
	struct err err = ERR_INIT;
	int ret;

	if (size > TEMPLATE_MAX_SIZE + 1)
		return -1;
	ret = template_parse(&t, "fuzz.yaml", (const char *)data, size, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0) {
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
		CHECK(!t.nr && !t.params && !t.text);
		return 0;
	}
	check_template(&t, data, size);
	check_resolve(&t);
	template_release(&t);
	return 0;
}
