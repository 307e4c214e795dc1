/* unit tests: Heat's events, parsed, each shown once */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "heat.h"

/* an answer as this machine's Heat gives it, trimmed (links left out) */
static const char page1[] =
	"{\"events\": ["
	" {\"id\": \"1e0afd6a-0d42-46f1-846b-3e0a7fb03e54\","
	"  \"event_time\": \"2026-12-01T18:01:20Z\", \"logical_resource_id\": \"web\","
	"  \"resource_name\": \"web\", \"resource_status\": \"UPDATE_IN_PROGRESS\","
	"  \"resource_status_reason\": \"Stack UPDATE started\"},"
	" {\"id\": \"6c747058-630f-419f-bcd5-fc74e508caa5\","
	"  \"resource_name\": \"failing\", \"resource_status\": \"CREATE_FAILED\","
	"  \"resource_status_reason\": \"ValueError: resources.failing: Test Resource failed failing\"},"
	" {\"id\": \"0000aaaa-0d42-46f1-846b-3e0a7fb03e54\","
	"  \"resource_name\": \"echo\", \"resource_status\": \"UPDATE_COMPLETE\","
	"  \"resource_status_reason\": null}"
	"]}";

/* the same list restarted (an unknown marker), with one more event */
static const char page2[] =
	"{\"events\": ["
	" {\"id\": \"1e0afd6a-0d42-46f1-846b-3e0a7fb03e54\","
	"  \"resource_name\": \"web\", \"resource_status\": \"UPDATE_IN_PROGRESS\","
	"  \"resource_status_reason\": \"Stack UPDATE started\"},"
	" {\"id\": \"6c747058-630f-419f-bcd5-fc74e508caa5\","
	"  \"resource_name\": \"failing\", \"resource_status\": \"CREATE_FAILED\","
	"  \"resource_status_reason\": \"ValueError: resources.failing: Test Resource failed failing\"},"
	" {\"id\": \"0000aaaa-0d42-46f1-846b-3e0a7fb03e54\","
	"  \"resource_name\": \"echo\", \"resource_status\": \"UPDATE_COMPLETE\"},"
	" {\"id\": \"ffff0000-0d42-46f1-846b-3e0a7fb03e54\","
	"  \"resource_name\": \"web\", \"resource_status\": \"ROLLBACK_COMPLETE\","
	"  \"resource_status_reason\": \"Stack ROLLBACK completed successfully\"}"
	"]}";

/* collects "RESOURCE STATUS[: REASON]" lines */
static void collect(const char *res, const char *status, const char *reason,
		    void *payload)
{
	struct buf *b = payload;

	buf_addf(b, "%s %s%s%s\n", res, status, *reason ? ": " : "", reason);
}

static int parse(const char *json, struct strvec *seen, struct buf *got,
		 struct err *err)
{
	return heat_events_parse(json, strlen(json), seen, collect, got, err);
}

static void test_order_kept(void **state)
{
	struct strvec seen = STRVEC_INIT;
	struct buf got = BUF_INIT;
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	assert_int_equal(parse(page1, &seen, &got, &err), 0);
	/* the answer's order, not the ids' */
	assert_string_equal(got.ptr,
		"web UPDATE_IN_PROGRESS: Stack UPDATE started\n"
		"failing CREATE_FAILED: ValueError: resources.failing: Test Resource failed failing\n"
		"echo UPDATE_COMPLETE\n");
	/* the ids seen are kept sorted */
	assert_int_equal(seen.nr, 3);
	for (i = 1; i < seen.nr; i++)
		assert_true(strcmp(seen.v[i - 1], seen.v[i]) < 0);
	strvec_clear(&seen);
	buf_release(&got);
}

static void test_restart_remembered(void **state)
{
	struct strvec seen = STRVEC_INIT;
	struct buf got = BUF_INIT;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(parse(page1, &seen, &got, &err), 0);
	buf_reset(&got);
	/* the list starts again: only the new event is passed on */
	assert_int_equal(parse(page2, &seen, &got, &err), 0);
	assert_string_equal(got.ptr,
		"web ROLLBACK_COMPLETE: Stack ROLLBACK completed successfully\n");
	buf_reset(&got);
	assert_int_equal(parse(page2, &seen, &got, &err), 0);
	assert_string_equal(got.ptr, "");
	assert_int_equal(seen.nr, 4);
	/* the same id twice in one answer: once */
	strvec_clear(&seen);
	buf_reset(&got);
	assert_int_equal(parse("{\"events\":["
		"{\"id\":\"a1\",\"resource_name\":\"x\",\"resource_status\":\"CREATE_COMPLETE\"},"
		"{\"id\":\"a1\",\"resource_name\":\"x\",\"resource_status\":\"CREATE_COMPLETE\"}]}",
		&seen, &got, &err), 0);
	assert_string_equal(got.ptr, "x CREATE_COMPLETE\n");
	strvec_clear(&seen);
	buf_release(&got);
}

static void test_bad_json(void **state)
{
	struct strvec seen = STRVEC_INIT;
	struct buf got = BUF_INIT;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(parse("<html>", &seen, &got, &err), -1);
	assert_non_null(strstr(err.msg, "the events answer is not JSON"));
	assert_int_equal(parse("{}", &seen, &got, &err), -1);
	assert_string_equal(err.msg, "the events answer has no list of events");
	assert_int_equal(parse("{\"events\":{}}", &seen, &got, &err), -1);
	assert_int_equal(parse("[]", &seen, &got, &err), -1);
	/* odd events are left out, not shown */
	assert_int_equal(parse("{\"events\":[42, null, {},"
		"{\"id\":\"../x\",\"resource_name\":\"x\",\"resource_status\":\"CREATE_COMPLETE\"},"
		"{\"id\":\"b2\",\"resource_name\":\"x\",\"resource_status\":\"create complete\"},"
		"{\"id\":\"b3\",\"resource_name\":\"\",\"resource_status\":\"CREATE_COMPLETE\"},"
		"{\"id\":\"b4\",\"resource_name\":7,\"resource_status\":\"CREATE_COMPLETE\"},"
		"{\"id\":\"b5\",\"resource_name\":\"y\",\"resource_status\":\"CREATE_COMPLETE\","
		" \"resource_status_reason\":7}]}", &seen, &got, &err), 0);
	assert_string_equal(got.ptr, "y CREATE_COMPLETE\n");
	assert_int_equal(seen.nr, 1);
	strvec_clear(&seen);
	buf_release(&got);
}

static void test_caps(void **state)
{
	struct strvec seen = STRVEC_INIT;
	struct buf got = BUF_INIT, big = BUF_INIT, id = BUF_INIT;
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	/* ids longer than a UUID could be are left out */
	for (i = 0; i < 65; i++)
		buf_addch(&id, 'a');
	buf_addf(&big, "{\"events\":[{\"id\":\"%s\",\"resource_name\":\"x\","
		 "\"resource_status\":\"CREATE_COMPLETE\"}]}", id.ptr);
	assert_int_equal(parse(big.ptr, &seen, &got, &err), 0);
	assert_int_equal(seen.nr, 0);
	/* at most 10000 ids remembered */
	buf_reset(&big);
	buf_addstr(&big, "{\"events\":[");
	for (i = 0; i < 10001; i++)
		buf_addf(&big, "%s{\"id\":\"e%zu\",\"resource_name\":\"r\","
			 "\"resource_status\":\"CREATE_COMPLETE\"}",
			 i ? "," : "", i);
	buf_addstr(&big, "]}");
	assert_int_equal(parse(big.ptr, &seen, &got, &err), -1);
	assert_string_equal(err.msg, "more than 10000 events");
	assert_int_equal(seen.nr, 10000);
	strvec_clear(&seen);
	buf_release(&got);
	buf_release(&big);
	buf_release(&id);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_kept),
		cmocka_unit_test(test_restart_remembered),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_caps),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("heat", tests, NULL, NULL);
}
