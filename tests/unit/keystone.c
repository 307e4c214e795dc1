/* unit tests: Keystone's service catalog, parsed and searched */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "keystone.h"

/* a token answer as this machine's Keystone gives it, trimmed */
static const char token_json[] =
	"{\"token\": {\"methods\": [\"password\"],"
	" \"user\": {\"domain\": {\"id\": \"default\", \"name\": \"Default\"},"
	"  \"id\": \"5b1c\", \"name\": \"demo\"},"
	" \"expires_at\": \"2026-12-01T17:43:45.000000Z\","
	" \"project\": {\"id\": \"0f3a9b\", \"name\": \"demo\"},"
	" \"catalog\": ["
	"  {\"type\": \"identity\", \"name\": \"keystone\", \"id\": \"1\","
	"   \"endpoints\": ["
	"    {\"id\": \"a\", \"interface\": \"public\", \"region_id\": \"RegionOne\","
	"     \"url\": \"http://127.0.0.1:5000/v3/\", \"region\": \"RegionOne\"},"
	"    {\"id\": \"b\", \"interface\": \"admin\", \"region_id\": \"RegionOne\","
	"     \"url\": \"http://127.0.0.1:5001/v3/\", \"region\": \"RegionOne\"}]},"
	"  {\"type\": \"image\", \"name\": \"glance\", \"id\": \"2\","
	"   \"endpoints\": ["
	"    {\"id\": \"c\", \"interface\": \"public\", \"region_id\": \"RegionOne\","
	"     \"url\": \"http://127.0.0.1:9292\", \"region\": \"RegionOne\"},"
	"    {\"id\": \"d\", \"interface\": \"internal\", \"region_id\": \"RegionOne\","
	"     \"url\": \"http://10.0.0.1:9292\", \"region\": \"RegionOne\"},"
	"    {\"id\": \"e\", \"interface\": \"public\", \"region_id\": \"RegionTwo\","
	"     \"url\": \"http://127.0.0.2:9292\", \"region\": \"RegionTwo\"}]},"
	"  {\"type\": \"orchestration\", \"name\": \"heat\", \"id\": \"3\","
	"   \"endpoints\": ["
	"    {\"id\": \"f\", \"interface\": \"public\", \"region_id\": \"RegionOne\","
	"     \"url\": \"http://127.0.0.1:8004/v1/0f3a9b\", \"region\": \"RegionOne\"}]},"
	"  {\"type\": \"broken\", \"endpoints\": ["
	"    {\"interface\": \"public\", \"url\": \"file:///etc/passwd\"},"
	"    {\"interface\": \"public\"}, 42, {\"url\": \"http://x\"}]},"
	"  {\"name\": \"no type\", \"endpoints\": []},"
	"  {\"type\": \"compute\", \"endpoints\": \"none\"}"
	" ]}}";

static struct keystone_catalog cat;

static const char *find(const char *type, const char *iface,
			const char *region, struct err *err)
{
	const char *url = NULL;

	if (keystone_catalog_find(&cat, type, iface, region, &url, err) < 0) {
		assert_null(url);
		return NULL;
	}
	return url;
}

static void expect_find_error(const char *type, const char *iface,
			      const char *region, const char *want)
{
	struct err err = ERR_INIT;

	assert_null(find(type, iface, region, &err));
	if (strcmp(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
}

static void test_parse(void **state)
{
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	assert_int_equal(keystone_catalog_parse(&cat, token_json,
						strlen(token_json), &err), 0);
	/* only the usable endpoints */
	assert_int_equal(cat.nr, 6);
	for (i = 0; i < cat.nr; i++)
		assert_string_not_equal(cat.v[i].type, "broken");
	assert_string_equal(cat.v[0].type, "identity");
	assert_string_equal(cat.v[0].interface, "public");
	assert_string_equal(cat.v[0].region, "RegionOne");
	assert_string_equal(cat.v[0].url, "http://127.0.0.1:5000/v3/");
}

static void test_find(void **state)
{
	struct err err = ERR_INIT;

	(void)state;
	/* URLs as given: identity's ends in /v3/, image's has no version */
	assert_string_equal(find("identity", NULL, NULL, &err),
			    "http://127.0.0.1:5000/v3/");
	assert_string_equal(find("identity", "admin", "RegionOne", &err),
			    "http://127.0.0.1:5001/v3/");
	assert_string_equal(find("image", "public", "RegionOne", &err),
			    "http://127.0.0.1:9292");
	assert_string_equal(find("image", "public", "RegionTwo", &err),
			    "http://127.0.0.2:9292");
	assert_string_equal(find("image", "internal", NULL, &err),
			    "http://10.0.0.1:9292");
	/* the orchestration URL already ends in the project id */
	assert_string_equal(find("orchestration", "public", "", &err),
			    "http://127.0.0.1:8004/v1/0f3a9b");
}

static void test_find_errors(void **state)
{
	(void)state;
	expect_find_error("image", "public", NULL,
			  "'image' has public endpoints in several regions (public RegionOne, internal RegionOne, public RegionTwo): choose one with region_name");
	expect_find_error("image", "admin", "RegionOne",
			  "no admin endpoint of 'image' in region 'RegionOne' (there are: public RegionOne, internal RegionOne, public RegionTwo)");
	expect_find_error("orchestration", "public", "RegionTwo",
			  "no public endpoint of 'orchestration' in region 'RegionTwo' (there are: public RegionOne)");
	expect_find_error("volumev3", NULL, NULL,
			  "no 'volumev3' service in the catalog (there are: identity, image, orchestration)");
}

static void test_bad_answers(void **state)
{
	struct keystone_catalog c2;
	struct err err = ERR_INIT;
	struct buf big = BUF_INIT;
	const char *url;
	size_t i;

	(void)state;
	keystone_catalog_init(&c2);
	assert_int_equal(keystone_catalog_parse(&c2, "<html>", 6, &err), -1);
	assert_non_null(strstr(err.msg, "the answer is not JSON"));
	assert_int_equal(keystone_catalog_parse(&c2, "{}", 2, &err), -1);
	assert_string_equal(err.msg, "the answer has no token");
	assert_int_equal(keystone_catalog_parse(&c2, "{\"token\":{\"catalog\":7}}",
						23, &err), -1);
	assert_string_equal(err.msg, "token.catalog is not a list");
	/* a token without a catalog: an empty one */
	assert_int_equal(keystone_catalog_parse(&c2, "{\"token\":{}}", 12,
						&err), 0);
	assert_int_equal(c2.nr, 0);
	assert_int_equal(keystone_catalog_find(&c2, "image", NULL, NULL, &url,
					       &err), -1);
	assert_string_equal(err.msg,
			    "no 'image' service in the catalog, which is empty");
	/* bounded */
	buf_addstr(&big, "{\"token\":{\"catalog\":[{\"type\":\"x\",\"endpoints\":[");
	for (i = 0; i < 4097; i++)
		buf_addf(&big, "%s{\"interface\":\"public\",\"url\":\"http://h/%zu\"}",
			 i ? "," : "", i);
	buf_addstr(&big, "]}]}}");
	assert_int_equal(keystone_catalog_parse(&c2, big.ptr, big.len, &err), -1);
	assert_string_equal(err.msg, "more than 4096 endpoints in the catalog");
	assert_int_equal(c2.nr, 0);
	buf_release(&big);
	keystone_catalog_release(&c2);
}

static int setup(void **state)
{
	(void)state;
	keystone_catalog_init(&cat);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	keystone_catalog_release(&cat);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_errors),
		cmocka_unit_test(test_bad_answers),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("keystone", tests, setup, teardown);
}
