/* unit tests of jsonstream, the Docker JSON-lines splitter */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonstream.h"

/* Every message, compact with sorted keys, one per line. */
struct seen {
	struct buf out;
	int stop_at;	/* fail on this message (1-based), 0: never */
	int count;
};

static int collect(json_t *msg, void *payload, struct err *err)
{
	struct seen *s = payload;
	char *text;

	s->count++;
	if (s->stop_at && s->count == s->stop_at)
		return err_set(err, "handler refused message %d", s->count);
	text = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(text);
	buf_addstr(&s->out, text);
	buf_addch(&s->out, '\n');
	free(text);
	return 0;
}

/* Feed `in` in pieces cut at `cuts` (ascending offsets), then finish. */
static int run(const char *in, size_t len, const size_t *cuts, size_t ncuts,
	       size_t max, struct seen *s, struct err *err)
{
	struct jsonstream js;
	size_t i, at = 0;
	int ret = 0;

	jsonstream_init(&js, max, collect, s);
	for (i = 0; i <= ncuts && !ret; i++) {
		size_t end = i < ncuts ? cuts[i] : len;

		ret = jsonstream_feed(&js, in + at, end - at, err);
		at = end;
	}
	if (!ret)
		ret = jsonstream_finish(&js, err);
	jsonstream_release(&js);
	return ret;
}

static void seen_init(struct seen *s)
{
	buf_init(&s->out);
	s->stop_at = 0;
	s->count = 0;
}

static const char build_stream[] =
	"{\"stream\":\"Step 1/2 : FROM local/busybox\\n\"}\r\n"
	"{\"stream\":\" ---\\u003e 3953f8cbee03\\n\"}\r\n"
	"{\"status\":\"Pushing\",\"progressDetail\":{\"current\":512,\"total\":1024},\"id\":\"a1\"}\n"
	"{\"aux\":{\"ID\":\"sha256:0123\"}}\n"
	"{\"stream\":\"Successfully built 0123\\n\"}\r\n";

static const char build_expect[] =
	"{\"stream\":\"Step 1/2 : FROM local/busybox\\n\"}\n"
	"{\"stream\":\" ---> 3953f8cbee03\\n\"}\n"
	"{\"id\":\"a1\",\"progressDetail\":{\"current\":512,\"total\":1024},\"status\":\"Pushing\"}\n"
	"{\"aux\":{\"ID\":\"sha256:0123\"}}\n"
	"{\"stream\":\"Successfully built 0123\\n\"}\n";

static void test_whole(void **state)
{
	struct seen s;
	struct err err = ERR_INIT;

	seen_init(&s);
	assert_int_equal(run(build_stream, strlen(build_stream), NULL, 0, 0,
			     &s, &err), 0);
	assert_string_equal(s.out.ptr, build_expect);
	buf_release(&s.out);
}

/* One cut at every offset, then two cuts at every pair of offsets. */
static void test_every_split(void **state)
{
	size_t len = strlen(build_stream), i, j, cuts[2];
	struct err err = ERR_INIT;
	struct seen s;

	for (i = 0; i <= len; i++) {
		seen_init(&s);
		cuts[0] = i;
		assert_int_equal(run(build_stream, len, cuts, 1, 0, &s, &err), 0);
		assert_string_equal(s.out.ptr, build_expect);
		buf_release(&s.out);
	}
	for (i = 0; i <= len; i += 3)
		for (j = i; j <= len; j += 5) {
			seen_init(&s);
			cuts[0] = i;
			cuts[1] = j;
			assert_int_equal(run(build_stream, len, cuts, 2, 0, &s,
					     &err), 0);
			assert_string_equal(s.out.ptr, build_expect);
			buf_release(&s.out);
		}
}

static void test_byte_at_a_time(void **state)
{
	size_t len = strlen(build_stream), i;
	size_t *cuts = calloc(len, sizeof(*cuts));
	struct err err = ERR_INIT;
	struct seen s;

	for (i = 0; i < len; i++)
		cuts[i] = i;
	seen_init(&s);
	assert_int_equal(run(build_stream, len, cuts, len, 0, &s, &err), 0);
	assert_string_equal(s.out.ptr, build_expect);
	buf_release(&s.out);
	free(cuts);
}

static void test_blank_lines(void **state)
{
	static const char in[] = "\n\r\n  \t\n{\"a\":1}\n\n\r\n{\"b\":2}\r\n \n";
	struct err err = ERR_INIT;
	struct seen s;

	seen_init(&s);
	assert_int_equal(run(in, strlen(in), NULL, 0, 0, &s, &err), 0);
	assert_string_equal(s.out.ptr, "{\"a\":1}\n{\"b\":2}\n");
	buf_release(&s.out);

	seen_init(&s);
	assert_int_equal(run("", 0, NULL, 0, 0, &s, &err), 0);
	assert_string_equal(s.out.ptr, "");
	buf_release(&s.out);
}

static void test_no_final_newline(void **state)
{
	static const char in[] = "{\"a\":1}\n{\"b\":\"x\"}";
	struct err err = ERR_INIT;
	struct seen s;
	size_t cut = 10;

	seen_init(&s);
	assert_int_equal(run(in, strlen(in), &cut, 1, 0, &s, &err), 0);
	assert_string_equal(s.out.ptr, "{\"a\":1}\n{\"b\":\"x\"}\n");
	buf_release(&s.out);
}

static void test_back_to_back(void **state)
{
	static const char in[] = "{\"a\":1}{\"b\":2} {\"c\":[3]}\n";
	struct err err = ERR_INIT;
	struct seen s;

	seen_init(&s);
	assert_int_equal(run(in, strlen(in), NULL, 0, 0, &s, &err), 0);
	assert_string_equal(s.out.ptr, "{\"a\":1}\n{\"b\":2}\n{\"c\":[3]}\n");
	buf_release(&s.out);
}

static void test_overlong(void **state)
{
	/* 16 bytes is the cap: a 16-byte line passes, 17 bytes do not */
	static const char ok[] = "{\"k\":\"0123456\"}\n";	/* 15 + \n */
	static const char ok16[] = "{\"k\":\"01234567\"}\n";	/* 16 + \n */
	static const char bad[] = "{\"a\":1}\n{\"k\":\"012345678\"}\n{\"b\":2}\n";
	struct jsonstream js;
	struct err err = ERR_INIT;
	struct seen s;
	size_t cut = 12;

	seen_init(&s);
	assert_int_equal(run(ok, strlen(ok), NULL, 0, 16, &s, &err), 0);
	assert_int_equal(run(ok16, strlen(ok16), NULL, 0, 16, &s, &err), 0);
	assert_int_equal(s.count, 2);
	buf_release(&s.out);

	seen_init(&s);
	assert_int_equal(run(bad, strlen(bad), &cut, 1, 16, &s, &err), -1);
	assert_string_equal(err.msg, "jsonstream: line 2 longer than 16 bytes");
	assert_string_equal(s.out.ptr, "{\"a\":1}\n");
	buf_release(&s.out);

	/* detected while the line is still open, before any newline */
	seen_init(&s);
	jsonstream_init(&js, 16, collect, &s);
	assert_int_equal(jsonstream_feed(&js, "{\"k\":\"0123", 10, &err), 0);
	assert_int_equal(jsonstream_feed(&js, "456789", 6, &err), 0);
	assert_int_equal(jsonstream_feed(&js, "x", 1, &err), -1);
	assert_string_equal(err.msg, "jsonstream: line 1 longer than 16 bytes");
	/* and it stays failed */
	err_clear(&err);
	assert_int_equal(jsonstream_feed(&js, "\n{}\n", 4, &err), -1);
	assert_string_equal(err.msg, "jsonstream: line 1 longer than 16 bytes");
	err_clear(&err);
	assert_int_equal(jsonstream_finish(&js, &err), -1);
	assert_int_equal(s.count, 0);
	jsonstream_release(&js);
	buf_release(&s.out);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
		"{\"a\":1}\n{\"a\":}\n",
		"{\"a\":1}\n{\"a\":1\n",
		"{\"a\":1}\nnot json\n",
		"{\"a\":1}\n\"string\"\n",
		"{\"a\":1}\n[1,2]\n",
		"{\"a\":1}\n x {\"a\":1}\n",
		"{\"a\":1}\n{\"a\":\"\\u0000\" \n",
	};
	struct err err = ERR_INIT;
	struct seen s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		seen_init(&s);
		err_clear(&err);
		assert_int_equal(run(bad[i], strlen(bad[i]), NULL, 0, 0, &s, &err), -1);
		assert_non_null(strstr(err.msg, "jsonstream: line 2: "));
		assert_null(strchr(err.msg, '\n'));
		assert_string_equal(s.out.ptr, "{\"a\":1}\n");
		buf_release(&s.out);
	}
	/* garbage after a good object on the same line: that one got through */
	seen_init(&s);
	assert_int_equal(run("{\"a\":1} x\n", 10, NULL, 0, 0, &s, &err), -1);
	assert_non_null(strstr(err.msg, "jsonstream: line 1: invalid JSON"));
	assert_string_equal(s.out.ptr, "{\"a\":1}\n");
	buf_release(&s.out);
	/* a truncated last message is caught by finish */
	seen_init(&s);
	assert_int_equal(run("{\"a\":1}\n{\"b\"", 12, NULL, 0, 0, &s, &err), -1);
	assert_non_null(strstr(err.msg, "line 2: invalid JSON"));
	buf_release(&s.out);
}

static void test_handler_error(void **state)
{
	static const char in[] = "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n";
	struct err err = ERR_INIT;
	struct seen s;

	seen_init(&s);
	s.stop_at = 2;
	assert_int_equal(run(in, strlen(in), NULL, 0, 0, &s, &err), -1);
	assert_string_equal(err.msg, "handler refused message 2");
	assert_int_equal(s.count, 2);
	assert_string_equal(s.out.ptr, "{\"a\":1}\n");
	buf_release(&s.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_byte_at_a_time),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_handler_error),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("jsonstream", tests, NULL, NULL);
}
