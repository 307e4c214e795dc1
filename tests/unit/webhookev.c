/* unit tests for webhookev: GitLab webhook requests into events */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "file.h"
#include "webhookev.h"

#define SHA "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
#define PROJECT "\"project\":{\"git_http_url\":\"http://example.com/mike/diaspora.git\"," \
	"\"git_ssh_url\":\"git@example.com:mike/diaspora.git\"}"

static char *read_payload(const char *name)
{
	struct buf b = BUF_INIT;
	char *path = xstrfmt("%s/tests/webhook/%s", SOURCE_DIR, name);

	if (file_read_capped(path, 1 << 20, &b) < 0)
		fail_msg("cannot read %s", path);
	free(path);
	return buf_detach(&b);
}

static void parse_ok(const char *type, const char *body, struct webhookev *ev)
{
	struct err err = ERR_INIT;

	if (webhookev_parse(type, body, strlen(body), ev, &err) < 0)
		fail_msg("%s refused: %s\n%s", type ? type : "(none)", err.msg,
			 body);
}

/* `body` is refused with a one-line message containing `msg`. */
static void refused(const char *type, const char *body, const char *msg)
{
	struct webhookev ev;
	struct err err = ERR_INIT;

	if (webhookev_parse(type, body, strlen(body), &ev, &err) == 0)
		fail_msg("accepted: %s", body);
	if (!strstr(err.msg, msg))
		fail_msg("'%s' lacks '%s' for %s", err.msg, msg, body);
	assert_null(strchr(err.msg, '\n'));
	assert_string_equal(ev.newrev, "");
	assert_string_equal(ev.branch, "");
}

static void push_refused(const char *fields, const char *msg)
{
	char *body = xstrfmt("{\"object_kind\":\"push\",%s}", fields);

	refused("Push Hook", body, msg);
	free(body);
}

static void test_documented_push(void **state)
{
	struct webhookev ev;
	char *body = read_payload("push.json");

	parse_ok("Push Hook", body, &ev);
	assert_int_equal(ev.action, WEBHOOKEV_DEPLOY);
	assert_string_equal(ev.branch, "master");
	assert_string_equal(ev.newrev, SHA);
	assert_string_equal(ev.http_url, "http://example.com/mike/diaspora.git");
	assert_string_equal(ev.ssh_url, "git@example.com:mike/diaspora.git");
	assert_string_equal(ev.pusher, "gitlab:jsmith");
	/* a system hook's push event is the same payload */
	parse_ok("System Hook", body, &ev);
	assert_int_equal(ev.action, WEBHOOKEV_DEPLOY);
	assert_string_equal(ev.newrev, SHA);
	free(body);
}

static void test_documented_merge(void **state)
{
	struct webhookev ev;
	char *body = read_payload("merge.json");

	parse_ok("Merge Request Hook", body, &ev);
	assert_int_equal(ev.action, WEBHOOKEV_DEPLOY);
	assert_string_equal(ev.branch, "master");
	assert_string_equal(ev.newrev, SHA);
	assert_string_equal(ev.http_url, "http://example.com/mike/diaspora.git");
	assert_string_equal(ev.pusher, "gitlab:root");
	/* the same body under the wrong event type */
	refused("Push Hook", body, "object_kind is 'merge_request', not 'push'");
	free(body);
}

static void test_ignored(void **state)
{
	struct webhookev ev;

	parse_ok("Push Hook", "{\"object_kind\":\"push\",\"ref\":\"refs/heads/old\","
		 "\"after\":\"0000000000000000000000000000000000000000\"," PROJECT "}",
		 &ev);
	assert_int_equal(ev.action, WEBHOOKEV_IGNORE);
	assert_string_equal(ev.reason, "branch 'old' was deleted");
	assert_string_equal(ev.newrev, "");
	assert_string_equal(ev.http_url, "http://example.com/mike/diaspora.git");

	parse_ok("Push Hook", "{\"object_kind\":\"push\",\"ref\":\"refs/tags/v1\","
		 "\"after\":\"" SHA "\"," PROJECT "}", &ev);
	assert_int_equal(ev.action, WEBHOOKEV_IGNORE);
	assert_string_equal(ev.reason, "ref 'refs/tags/v1' is not a branch");

	parse_ok("Merge Request Hook", "{\"object_kind\":\"merge_request\"," PROJECT
		 ",\"object_attributes\":{\"action\":\"open\",\"target_branch\":\"master\"}}",
		 &ev);
	assert_int_equal(ev.action, WEBHOOKEV_IGNORE);
	assert_string_equal(ev.reason, "merge request action 'open' deploys nothing");

	/* merged without a merge commit: the push event deploys it */
	parse_ok("Merge Request Hook", "{\"object_kind\":\"merge_request\"," PROJECT
		 ",\"object_attributes\":{\"action\":\"merge\",\"target_branch\":\"main\"}}",
		 &ev);
	assert_int_equal(ev.action, WEBHOOKEV_IGNORE);
	assert_non_null(strstr(ev.reason, "the push event to 'main' deploys it"));
	parse_ok("Merge Request Hook", "{\"object_kind\":\"merge_request\"," PROJECT
		 ",\"object_attributes\":{\"action\":\"merge\",\"target_branch\":\"main\","
		 "\"merge_commit_sha\":null}}", &ev);
	assert_int_equal(ev.action, WEBHOOKEV_IGNORE);
}

static void test_other_types(void **state)
{
	static const char *const types[] = {
		"Tag Push Hook", "Issue Hook", "Note Hook", "Pipeline Hook",
		"Job Hook", "Wiki Page Hook", "Deployment Hook", "Release Hook",
		"Emoji Hook", NULL
	};
	const char *const *t;
	struct webhookev ev;

	/* never parsed: not even JSON is needed */
	for (t = types; *t; t++) {
		parse_ok(*t, "not json", &ev);
		assert_int_equal(ev.action, WEBHOOKEV_OTHER);
		assert_non_null(strstr(ev.reason, *t));
	}
	parse_ok("System Hook", "{\"object_kind\":\"user_create\"}", &ev);
	assert_int_equal(ev.action, WEBHOOKEV_OTHER);
	refused(NULL, "{}", "no X-Gitlab-Event header");
	refused("Push hook", "{}", "unknown X-Gitlab-Event 'Push hook'");
	refused("", "{}", "unknown X-Gitlab-Event ''");
	refused("Push Hook\x1b[31m", "{}", "unknown X-Gitlab-Event 'Push Hook?[31m'");
}

static void test_not_json(void **state)
{
	refused("Push Hook", "", "invalid Push Hook: the body is not JSON");
	refused("Push Hook", "{\"object_kind\":", "the body is not JSON");
	refused("Push Hook", "[1,2]", "the body is not a JSON object");
	refused("Push Hook", "\"push\"", "not JSON");
	refused("Push Hook", "{\"object_kind\":\"push\",\"object_kind\":\"push\"}",
		"the body is not JSON: duplicate object key");
	refused("Push Hook", "{\"object_kind\":\"pu\\u0000sh\"}", "not JSON");
	refused("Merge Request Hook", "{} trailing", "not JSON");
}

static void test_push_fields(void **state)
{
	push_refused("\"ref\":\"refs/heads/master\",\"after\":\"" SHA "\"",
		     "project is missing");
	push_refused("\"project\":[],\"ref\":\"refs/heads/master\"",
		     "project is not an object");
	push_refused("\"project\":{},\"ref\":\"refs/heads/master\"",
		     "project has neither git_http_url nor git_ssh_url");
	push_refused("\"project\":{\"git_http_url\":\"\",\"git_ssh_url\":\"\"}",
		     "project has neither");
	push_refused("\"project\":{\"git_http_url\":5}", "project.git_http_url is not a string");
	push_refused("\"project\":{\"git_ssh_url\":null}", "project.git_ssh_url is not a string");
	push_refused("\"project\":{\"git_http_url\":\"http://x/\\ny.git\"}",
		     "project.git_http_url contains a control character");
	push_refused(PROJECT ",\"after\":\"" SHA "\"", "ref is missing");
	push_refused(PROJECT ",\"ref\":[\"refs/heads/master\"],\"after\":\"" SHA "\"",
		     "ref is not a string");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\"", "after is missing");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\",\"after\":42",
		     "after is not a string");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\",\"after\":\"HEAD\"",
		     "after 'HEAD' is not 40 lowercase hex digits");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\",\"after\":\"DA1560886D4F094C3E6C9EF40349F7D38B5D27D7\"",
		     "is not 40 lowercase hex digits");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\",\"after\":\"" SHA "0\"",
		     "is not 40 lowercase hex digits");
	push_refused(PROJECT ",\"ref\":\"refs/heads/master\",\"after\":\"da1560886d4f094c3e6c9ef40349f7d38b5d27d;\"",
		     "is not 40 lowercase hex digits");
	push_refused(PROJECT ",\"ref\":\"refs/heads/a..b\",\"after\":\"" SHA "\"",
		     "branch 'a..b' is not a valid branch name");
	push_refused(PROJECT ",\"ref\":\"refs/heads/-x\",\"after\":\"" SHA "\"",
		     "branch '-x' is not a valid branch name");
	push_refused(PROJECT ",\"ref\":\"refs/heads/\",\"after\":\"" SHA "\"",
		     "branch '' is not a valid branch name");
	refused("Push Hook", "{\"ref\":\"refs/heads/master\"}", "object_kind is missing");
	refused("Push Hook", "{\"object_kind\":\"tag_push\"}",
		"object_kind is 'tag_push', not 'push'");
}

static void test_merge_fields(void **state)
{
	static const char head[] = "{\"object_kind\":\"merge_request\"," PROJECT;
	struct {
		const char *rest, *msg;
	} bad[] = {
		{ "}", "object_attributes is missing" },
		{ ",\"object_attributes\":\"merge\"}", "object_attributes is not an object" },
		{ ",\"object_attributes\":{}}", "object_attributes.action is missing" },
		{ ",\"object_attributes\":{\"action\":1}}", "object_attributes.action is not a string" },
		{ ",\"object_attributes\":{\"action\":\"merge\"}}",
		  "object_attributes.target_branch is missing" },
		{ ",\"object_attributes\":{\"action\":\"merge\",\"target_branch\":\"x y\","
		  "\"merge_commit_sha\":\"" SHA "\"}}",
		  "object_attributes.target_branch 'x y' is not a valid branch name" },
		{ ",\"object_attributes\":{\"action\":\"merge\",\"target_branch\":\"master\","
		  "\"merge_commit_sha\":\"abc\"}}",
		  "object_attributes.merge_commit_sha 'abc' is not 40 lowercase hex digits" },
		{ ",\"object_attributes\":{\"action\":\"merge\",\"target_branch\":\"master\","
		  "\"merge_commit_sha\":[]}}",
		  "object_attributes.merge_commit_sha is not a string" },
	};
	size_t i;
	char *body;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		body = xstrfmt("%s%s", head, bad[i].rest);
		refused("Merge Request Hook", body, bad[i].msg);
		free(body);
	}
}

static void test_lengths(void **state)
{
	struct buf b = BUF_INIT;
	struct webhookev ev;
	size_t i;

	/* a URL of 1024 bytes is taken, 1025 refused */
	buf_addstr(&b, "{\"object_kind\":\"push\",\"ref\":\"refs/heads/m\",\"after\":\""
		   SHA "\",\"project\":{\"git_http_url\":\"http://");
	for (i = 0; i < 1024 - 7; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\"}}");
	parse_ok("Push Hook", b.ptr, &ev);
	assert_int_equal(strlen(ev.http_url), 1024);
	assert_string_equal(ev.ssh_url, "");
	buf_reset(&b);
	buf_addstr(&b, "{\"object_kind\":\"push\",\"project\":{\"git_http_url\":\"");
	for (i = 0; i < 1025; i++)
		buf_addch(&b, 'a');
	buf_addstr(&b, "\"}}");
	refused("Push Hook", b.ptr, "project.git_http_url is longer than 1024 bytes");
	/* a branch of 200 bytes is taken, 201 refused */
	buf_reset(&b);
	buf_addstr(&b, "{\"object_kind\":\"push\"," PROJECT ",\"after\":\"" SHA
		   "\",\"ref\":\"refs/heads/");
	for (i = 0; i < 200; i++)
		buf_addch(&b, 'b');
	buf_addstr(&b, "\"}");
	parse_ok("Push Hook", b.ptr, &ev);
	assert_int_equal(strlen(ev.branch), 200);
	buf_setlen(&b, b.len - 2);
	buf_addstr(&b, "b\"}");
	refused("Push Hook", b.ptr, "is not a valid branch name");
	buf_release(&b);
}

static void test_pusher(void **state)
{
	struct webhookev ev;
	static const char head[] = "{\"object_kind\":\"push\",\"ref\":\"refs/heads/master\","
		"\"after\":\"" SHA "\"," PROJECT;
	char *body;

	body = xstrfmt("%s,\"user_username\":\"a.b_c-9\"}", head);
	parse_ok("Push Hook", body, &ev);
	assert_string_equal(ev.pusher, "gitlab:a.b_c-9");
	free(body);
	/* a name we would not record is left out, not refused */
	body = xstrfmt("%s,\"user_username\":\"x y\"}", head);
	parse_ok("Push Hook", body, &ev);
	assert_string_equal(ev.pusher, "webhook");
	free(body);
	body = xstrfmt("%s,\"user_username\":7}", head);
	parse_ok("Push Hook", body, &ev);
	assert_string_equal(ev.pusher, "webhook");
	free(body);
	body = xstrfmt("%s,\"user_username\":\"%s\"}", head,
		       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	parse_ok("Push Hook", body, &ev);
	assert_string_equal(ev.pusher, "webhook");
	free(body);
	body = xstrfmt("%s}", head);
	parse_ok("Push Hook", body, &ev);
	assert_string_equal(ev.pusher, "webhook");
	free(body);
}

static void test_length_bounds_the_body(void **state)
{
	struct webhookev ev;
	struct err err = ERR_INIT;
	static const char body[] = "{\"object_kind\":\"push\",\"ref\":\"refs/heads/master\","
		"\"after\":\"" SHA "\"," PROJECT "}GARBAGE";

	/* only `len` bytes are read: the buffer need not end in NUL */
	assert_int_equal(webhookev_parse("Push Hook", body, sizeof(body) - 8,
					 &ev, &err), 0);
	assert_int_equal(ev.action, WEBHOOKEV_DEPLOY);
	assert_int_equal(webhookev_parse("Push Hook", body, sizeof(body) - 1,
					 &ev, &err), -1);
	assert_int_equal(webhookev_parse("Push Hook", body, 10, &ev, &err), -1);
}

static void test_type(void **state)
{
	struct webhookev ev;
	struct err err = ERR_INIT;

	assert_int_equal(webhookev_type("Push Hook", &ev, &err), 1);
	assert_int_equal(webhookev_type("Merge Request Hook", &ev, &err), 1);
	assert_int_equal(webhookev_type("System Hook", &ev, &err), 1);
	assert_int_equal(webhookev_type("Pipeline Hook", &ev, &err), 0);
	assert_int_equal(ev.action, WEBHOOKEV_OTHER);
	assert_string_equal(ev.reason, "'Pipeline Hook' events deploy nothing");
	assert_int_equal(webhookev_type("push", &ev, &err), -1);
	assert_string_equal(err.msg, "unknown X-Gitlab-Event 'push'");
	assert_int_equal(webhookev_type(NULL, &ev, &err), -1);
	assert_string_equal(err.msg, "no X-Gitlab-Event header");
}

static void test_uuid(void **state)
{
	assert_true(webhookev_uuid_valid("6f1a8b5a-2c7e-4a4b-9a4e-0d4f1b2c3d4e"));
	assert_true(webhookev_uuid_valid("x"));
	assert_false(webhookev_uuid_valid(""));
	assert_false(webhookev_uuid_valid("6f1a8b5a 2c7e"));
	assert_false(webhookev_uuid_valid("a;b"));
	assert_false(webhookev_uuid_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_push),
		cmocka_unit_test(test_documented_merge),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_other_types),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_push_fields),
		cmocka_unit_test(test_merge_fields),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_pusher),
		cmocka_unit_test(test_length_bounds_the_body),
		cmocka_unit_test(test_type),
		cmocka_unit_test(test_uuid),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("webhookev", tests, NULL, NULL);
}
