/* unit tests: buf (growth, formatting, base64) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

static void test_grow_and_format(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	assert_string_equal(b.ptr, "");
	for (i = 0; i < 1000; i++)
		buf_addf(&b, "%d,", i);
	assert_int_equal(b.len, strlen(b.ptr));
	assert_true(starts_with(b.ptr, "0,1,2,", NULL));
	buf_setlen(&b, 2);
	assert_string_equal(b.ptr, "0,");
	buf_addstr(&b, "  \n");
	buf_rtrim(&b);
	assert_string_equal(b.ptr, "0,");
	buf_release(&b);
	assert_int_equal(b.len, 0);
}

static void test_base64_roundtrip(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct buf e = BUF_INIT, d = BUF_INIT;

		buf_add_base64(&e, plain[i], strlen(plain[i]), 0);
		assert_string_equal(e.ptr, coded[i]);
		assert_int_equal(buf_add_base64_decoded(&d, e.ptr, 1), 0);
		assert_string_equal(d.ptr, plain[i]);
		buf_release(&e);
		buf_release(&d);
	}
}

static void test_base64_alphabets(void **state)
{
	struct buf b = BUF_INIT;
	static const unsigned char raw[] = { 0xfb, 0xff };

	(void)state;
	buf_add_base64(&b, raw, 2, 1);
	assert_string_equal(b.ptr, "-_8=");
	buf_reset(&b);
	buf_add_base64(&b, raw, 2, 0);
	assert_string_equal(b.ptr, "+/8=");
	buf_reset(&b);
	/* lenient: URL alphabet and missing padding */
	assert_int_equal(buf_add_base64_decoded(&b, "-_8", 0), 0);
	assert_memory_equal(b.ptr, raw, 2);
	buf_reset(&b);
	/* strict: standard alphabet, padding in place */
	assert_int_equal(buf_add_base64_decoded(&b, "-_8=", 1), -1);
	buf_reset(&b);
	assert_int_equal(buf_add_base64_decoded(&b, "Zg=a", 1), -1);
	buf_reset(&b);
	assert_int_equal(buf_add_base64_decoded(&b, "Zg===", 1), -1);
	buf_reset(&b);
	assert_int_equal(buf_add_base64_decoded(&b, "Zg= ", 1), -1);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_and_format),
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_base64_alphabets),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
