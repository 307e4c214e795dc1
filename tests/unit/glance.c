/* unit tests: Glance's image and list answers, parsed and checked */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "glance.h"

#define HASH "32258b19838279199783c016c832dc14a3ec5178a9de3bd95c7f68f100fce3b7" \
	"2ef4f8cbd86893d6e21891e7643a21d5837e1240b3daf84d398127613f6e926e"

/* an image as this machine's Glance lists it */
#define IMAGE(id, name, rel) \
	"{\"solum_app\":\"big\",\"solum_release\":\"" rel "\"," \
	"\"solum_digest\":\"sha256:b3\",\"name\":\"" name "\"," \
	"\"disk_format\":\"raw\",\"container_format\":\"docker\"," \
	"\"visibility\":\"shared\",\"size\":211858944,\"virtual_size\":null," \
	"\"status\":\"active\",\"checksum\":\"424664d8da8e9d5dc71c8b97b3cf1fae\"," \
	"\"protected\":false,\"min_ram\":0,\"min_disk\":0," \
	"\"owner\":\"b025faf4ddcd42648e6033f329021d93\",\"os_hidden\":false," \
	"\"os_hash_algo\":\"sha512\",\"os_hash_value\":\"" HASH "\"," \
	"\"id\":\"" id "\",\"created_at\":\"2026-12-01T18:07:07Z\"," \
	"\"updated_at\":\"2026-12-01T18:07:10Z\",\"tags\":[]," \
	"\"self\":\"/v2/images/" id "\",\"file\":\"/v2/images/" id "/file\"," \
	"\"schema\":\"/v2/schemas/image\",\"stores\":\"file\"}"

#define ID1 "aad0d0a9-30b3-436c-a487-7297eba4f328"
#define ID2 "0b1c2d3e-30b3-436c-a487-7297eba4f328"

static int parse(const char *json, struct glance_image *img, struct err *err)
{
	return glance_image_parse(json, strlen(json), img, err);
}

static void test_image(void **state)
{
	struct glance_image img;
	struct err err = ERR_INIT;

	(void)state;
	glance_image_init(&img);
	assert_int_equal(parse(IMAGE(ID1, "big-v3", "3"), &img, &err), 0);
	assert_string_equal(img.id, ID1);
	assert_string_equal(img.name, "big-v3");
	assert_string_equal(img.status, "active");
	assert_int_equal(img.size, 211858944);
	assert_string_equal(img.os_hash_value, HASH);
	assert_string_equal(img.digest, "sha256:b3");
	assert_int_equal(img.release, 3);
	assert_int_equal(img.created, 1796148427);

	/* a queued image: no size, no hash, no properties */
	assert_int_equal(parse("{\"id\":\"" ID2 "\",\"status\":\"queued\","
			       "\"size\":null,\"os_hash_value\":null,"
			       "\"name\":null}", &img, &err), 0);
	assert_string_equal(img.id, ID2);
	assert_null(img.name);
	assert_int_equal(img.size, -1);
	assert_null(img.os_hash_value);
	assert_null(img.digest);
	assert_int_equal(img.release, 0);
	assert_int_equal(img.created, 0);

	/* a release that is not a plain number counts as none */
	assert_int_equal(parse(IMAGE(ID1, "x", "3a"), &img, &err), 0);
	assert_int_equal(img.release, 0);
	assert_int_equal(parse(IMAGE(ID1, "x", "12345678901"), &img, &err), 0);
	assert_int_equal(img.release, 0);
	glance_image_release(&img);
}

static void expect_bad(const char *json, const char *msg)
{
	struct glance_image img;
	struct err err = ERR_INIT;

	glance_image_init(&img);
	assert_int_equal(parse(json, &img, &err), -1);
	if (!strstr(err.msg, msg))
		fail_msg("'%s': '%s' has no '%s'", json, err.msg, msg);
	assert_null(img.id);
	glance_image_release(&img);
}

static void test_bad_image(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	expect_bad("", "not JSON");
	expect_bad("[]", "not a JSON object");
	expect_bad("{\"status\":\"active\"}", "no valid id");
	expect_bad("{\"id\":\"../x\",\"status\":\"active\"}", "no valid id");
	expect_bad("{\"id\":\"a/b\",\"status\":\"active\"}", "no valid id");
	expect_bad("{\"id\":42,\"status\":\"active\"}", "no valid id");
	expect_bad("{\"id\":\"a\\u0000b\",\"status\":\"active\"}", "not JSON");
	expect_bad("{\"id\":\"" ID1 ID1 "\",\"status\":\"active\"}", "no valid id");
	expect_bad("{\"id\":\"" ID1 "\"}", "no valid status");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"Active!\"}", "no valid status");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"active\",\"size\":\"1\"}",
		   "invalid size");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"active\",\"size\":-1}",
		   "invalid size");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"active\","
		   "\"os_hash_value\":\"XYZ\"}", "invalid os_hash_value");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"active\","
		   "\"name\":\"a\\nb\"}", "invalid name");
	expect_bad("{\"id\":\"" ID1 "\",\"status\":\"active\","
		   "\"solum_digest\":7}", "invalid name or properties");
	expect_bad("{\"id\":\"" ID1 "\",\"id\":\"" ID2 "\",\"status\":\"active\"}",
		   "not JSON");
	buf_addstr(&b, "{\"id\":\"" ID1 "\",\"status\":\"active\",\"name\":\"");
	while (b.len < 2000)
		buf_addch(&b, 'n');
	buf_addstr(&b, "\"}");
	expect_bad(b.ptr, "invalid name");
	buf_release(&b);
}

static void test_page(void **state)
{
	static const char page[] = "{\"images\":[" IMAGE(ID2, "big-v4", "4") ","
		IMAGE(ID1, "big-v3", "3") "],"
		"\"first\":\"/v2/images?solum_app=big&limit=2\","
		"\"schema\":\"/v2/schemas/images\","
		"\"next\":\"/v2/images?solum_app=big&limit=2&marker=" ID1 "\"}";
	struct glance_image *v = NULL;
	struct err err = ERR_INIT;
	char *next = NULL;
	size_t nr = 0, i;

	(void)state;
	assert_int_equal(glance_page_parse(page, strlen(page), &v, &nr, &next,
					   &err), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(v[0].id, ID2);
	assert_int_equal(v[0].release, 4);
	assert_string_equal(v[1].name, "big-v3");
	assert_string_equal(next, "/v2/images?solum_app=big&limit=2&marker=" ID1);
	for (i = 0; i < nr; i++)
		glance_image_release(&v[i]);
	free(v);
	free(next);

	/* the last page has no next */
	assert_int_equal(glance_page_parse("{\"images\":[]}", 13, &v, &nr,
					   &next, &err), 0);
	assert_int_equal(nr, 0);
	assert_null(next);
	free(v);
}

static void expect_bad_page(const char *json, const char *msg)
{
	struct glance_image *v = (void *)1;
	struct err err = ERR_INIT;
	char *next = (void *)1;
	size_t nr = 1;

	assert_int_equal(glance_page_parse(json, strlen(json), &v, &nr, &next,
					   &err), -1);
	assert_non_null(strstr(err.msg, msg));
	assert_null(v);
	assert_null(next);
	assert_int_equal(nr, 0);
}

static void test_bad_page(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	expect_bad_page("{}", "no list of images");
	expect_bad_page("{\"images\":{}}", "no list of images");
	expect_bad_page("{\"images\":[" IMAGE(ID1, "x", "1") ",{\"id\":\"x\"}]}",
			"no valid status");
	expect_bad_page("{\"images\":[],\"next\":\"http://evil/v2/images?\"}",
			"invalid next link");
	expect_bad_page("{\"images\":[],\"next\":\"/v2/images?a b\"}",
			"invalid next link");
	expect_bad_page("{\"images\":[],\"next\":\"/v2/images/../x?\"}",
			"invalid next link");
	expect_bad_page("{\"images\":[],\"next\":7}", "invalid next link");
	buf_addstr(&b, "{\"images\":[");
	for (i = 0; i < 1001; i++)
		buf_addf(&b, "%s{\"id\":\"a%d\",\"status\":\"active\"}",
			 i ? "," : "", i);
	buf_addstr(&b, "]}");
	expect_bad_page(b.ptr, "more than 1000 images");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_bad_image),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_bad_page),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("glance", tests, NULL, NULL);
}
