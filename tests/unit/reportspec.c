/* unit tests: report_spec_parse, where an app's deploys are reported */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

static void expect_gitlab(const char *spec, const char *url)
{
	struct report_spec r;
	struct err err = ERR_INIT;

	if (report_spec_parse(spec, &r, &err) < 0)
		fail_msg("'%s': %s", spec, err.msg);
	assert_int_equal(r.kind, REPORT_GITLAB);
	assert_string_equal(r.url, url);
	assert_null(r.user);
	assert_null(r.host);
	report_spec_release(&r);
}

static void expect_gerrit(const char *spec, const char *user,
			  const char *host, int port)
{
	struct report_spec r;
	struct err err = ERR_INIT;

	if (report_spec_parse(spec, &r, &err) < 0)
		fail_msg("'%s': %s", spec, err.msg);
	assert_int_equal(r.kind, REPORT_GERRIT);
	assert_null(r.url);
	assert_string_equal(r.user, user);
	assert_string_equal(r.host, host);
	assert_int_equal(r.port, port);
	report_spec_release(&r);
}

/* `spec` is refused, the reason holding `why` */
static void expect_bad(const char *spec, const char *why)
{
	struct report_spec r;
	struct err err = ERR_INIT;

	if (report_spec_parse(spec, &r, &err) == 0)
		fail_msg("'%s' was accepted", spec);
	if (!strstr(err.msg, why))
		fail_msg("'%s': '%s' does not say '%s'", spec, err.msg, why);
	assert_true(strncmp(err.msg, "invalid --report: ", 18) == 0);
	report_spec_release(&r);
	assert_null(r.url);
	assert_null(r.user);
	assert_null(r.host);
}

static void test_gitlab(void **state)
{
	(void)state;
	expect_gitlab("gitlab:https://gitlab.example.com/api/v4/projects/42",
		      "https://gitlab.example.com/api/v4/projects/42");
	expect_gitlab("gitlab:http://127.0.0.1:8080/api/v4/projects/42",
		      "http://127.0.0.1:8080/api/v4/projects/42");
	/* trailing slashes go */
	expect_gitlab("gitlab:https://gitlab.example.com/api/v4/projects/42/",
		      "https://gitlab.example.com/api/v4/projects/42");
	expect_gitlab("gitlab:https://g.example/api/v4/projects/7///",
		      "https://g.example/api/v4/projects/7");
	/* a project by its URL-encoded path; GitLab under a prefix */
	expect_gitlab("gitlab:https://g.example/api/v4/projects/team%2Fweb",
		      "https://g.example/api/v4/projects/team%2Fweb");
	expect_gitlab("gitlab:https://example.com/gitlab/api/v4/projects/1",
		      "https://example.com/gitlab/api/v4/projects/1");
	expect_gitlab("gitlab:http://[::1]:3000/api/v4/projects/5",
		      "http://[::1]:3000/api/v4/projects/5");
}

static void test_gitlab_bad(void **state)
{
	(void)state;
	expect_bad("gitlab:ftp://g.example/api/v4/projects/1", "http:// or https://");
	expect_bad("gitlab:g.example/api/v4/projects/1", "http:// or https://");
	expect_bad("gitlab:", "http:// or https://");
	expect_bad("gitlab:https://g.example/api/v4", "expected gitlab:API_URL/projects/ID");
	expect_bad("gitlab:https:///projects/1", "expected gitlab:API_URL/projects/ID");
	expect_bad("gitlab:https://g.example/api/v4/projects/", "project ID");
	expect_bad("gitlab:https://g.example/api/v4/projects//", "project ID");
	expect_bad("gitlab:https://g.example/api/v4/projects/team/web", "project ID");
	expect_bad("gitlab:https://g.example/api/v4/projects/1/statuses", "project ID");
	expect_bad("gitlab:https://bot:glpat-x@g.example/api/v4/projects/1", "no credentials");
	expect_bad("gitlab:https://bot@g.example/api/v4/projects/1", "no credentials");
	expect_bad("gitlab:https://g.example/api/v4/projects/1?private_token=x", "query");
	expect_bad("gitlab:https://g.example/api/v4/projects/1#x", "query");
	expect_bad("gitlab:https://g.example/api v4/projects/1", "spaces");
	expect_bad("gitlab:https://g.example/api/v4/projects/'1'", "quotes");
	expect_bad("gitlab:https://g.example/api/v4/projects/\"1\"", "quotes");
	expect_bad("gitlab:https://g.example/api/v4/projects/1\n", "control");
	expect_bad("gitlab:https://g.example/api/v4/projects/1\\", "quotes");
	expect_bad("gitlab:https://g.example/api/v4/projects/`id`", "quotes");
	expect_bad("gitlab:https://g.\xc3\xa9xample/api/v4/projects/1", "control");
}

static void test_gerrit(void **state)
{
	(void)state;
	expect_gerrit("gerrit:ssh://solum@review.example.com:29418", "solum",
		      "review.example.com", 29418);
	expect_gerrit("gerrit:ssh://solum@review.example.com", "solum",
		      "review.example.com", 29418);
	expect_gerrit("gerrit:ssh://ci-bot@10.0.0.5:22/", "ci-bot", "10.0.0.5",
		      22);
	expect_gerrit("gerrit:ssh://ci@[2001:db8::1]:2222", "ci", "2001:db8::1",
		      2222);
	expect_gerrit("gerrit:ssh://ci@[::1]", "ci", "::1", 29418);
	expect_gerrit("gerrit:ssh://ci@[::1]/", "ci", "::1", 29418);
	expect_gerrit("gerrit:ssh://a.b_c@h:1", "a.b_c", "h", 1);
	expect_gerrit("gerrit:ssh://a@h:65535", "a", "h", 65535);
}

static void test_gerrit_bad(void **state)
{
	(void)state;
	expect_bad("gerrit:ssh://review.example.com:29418", "USER@HOST");
	expect_bad("gerrit:ssh://@review.example.com", "USER@HOST");
	expect_bad("gerrit:http://solum@review.example.com", "USER@HOST");
	expect_bad("gerrit:solum@review.example.com:29418", "USER@HOST");
	expect_bad("gerrit:ssh://u@h:0", "port");
	expect_bad("gerrit:ssh://u@h:65536", "port");
	expect_bad("gerrit:ssh://u@h:-1", "port");
	expect_bad("gerrit:ssh://u@h:+22", "port");
	expect_bad("gerrit:ssh://u@h:22x", "port");
	expect_bad("gerrit:ssh://u@h:", "port");
	expect_bad("gerrit:ssh://u@h:99999999999999999999", "port");
	expect_bad("gerrit:ssh://u@[::1]:0", "port");
	expect_bad("gerrit:ssh://u@[::1", "unclosed");
	expect_bad("gerrit:ssh://u@[::1]x", "junk");
	expect_bad("gerrit:ssh://u@[]:22", "host");
	expect_bad("gerrit:ssh://u@", "host");
	expect_bad("gerrit:ssh://u@h/path", "host");
	expect_bad("gerrit:ssh://u@h@x", "host");
	expect_bad("gerrit:ssh://u:pw@h", "user");
	expect_bad("gerrit:ssh://u;id@h", "user");
	expect_bad("gerrit:ssh://u@h st", "spaces");
	expect_bad("gerrit:ssh://u@h:22'", "quotes");
	expect_bad("gerrit:ssh://'u'@h", "quotes");
	expect_bad("gerrit:ssh://u@h\t", "control");
}

static void test_other(void **state)
{
	char big[1100];

	(void)state;
	expect_bad("", "expected gitlab:API_URL/projects/ID or gerrit:");
	expect_bad("github:https://api.github.com/repos/a/b", "expected gitlab:");
	expect_bad("GITLAB:https://g.example/api/v4/projects/1", "expected gitlab:");
	expect_bad("https://g.example/api/v4/projects/1", "expected gitlab:");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "gitlab:https://", 15);
	expect_bad(big, "longer than 1024 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gitlab),
		cmocka_unit_test(test_gitlab_bad),
		cmocka_unit_test(test_gerrit),
		cmocka_unit_test(test_gerrit_bad),
		cmocka_unit_test(test_other),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("reportspec", tests, NULL, NULL);
}
