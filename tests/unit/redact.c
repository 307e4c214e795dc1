/* unit tests: secret values masked out of text */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "redact.h"

static const char *masked(const struct redact *r, const char *s, size_t max,
			  struct buf *b)
{
	buf_reset(b);
	redact_append(r, b, s, max);
	return b->ptr;
}

static void test_mask(void **state)
{
	struct redact r;
	struct buf b = BUF_INIT;

	(void)state;
	redact_init(&r);
	redact_add(&r, "");
	redact_add(&r, "s3cret");
	redact_add(&r, "s3cret-longer");
	assert_string_equal(masked(&r, "a s3cret-longer and s3cret", 100, &b),
			    "a ****** and ******");
	/* control characters become spaces */
	assert_string_equal(masked(&r, "one\ntwo\x7f", 100, &b), "one two ");
	/* masked before it is cut: no part of a value survives */
	assert_string_equal(masked(&r, "xxs3cret", 4, &b), "xx**...");
	assert_string_equal(masked(NULL, "s3cret", 100, &b), "s3cret");
	redact_release(&r);
	buf_release(&b);
}

static void test_json_form(void **state)
{
	struct redact r;
	struct buf b = BUF_INIT;

	(void)state;
	redact_init(&r);
	redact_add(&r, "p\"w\\x");
	assert_string_equal(masked(&r, "{\"pw\":\"p\\\"w\\\\x\"} p\"w\\x", 100,
				   &b), "{\"pw\":\"******\"} ******");
	redact_release(&r);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_json_form),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
