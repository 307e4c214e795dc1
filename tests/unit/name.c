/* unit tests: name validation (apps, repos, users, branches) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "name.h"

static void test_valid_names(void **state)
{
	static const char *const ok[] = {
		"a", "web", "web-2", "my.app", "a_b", "0day", "x.y-z_0", "git",
		"a.git", "a.git.b",
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(name_valid(ok[i]));
}

static void test_invalid_names(void **state)
{
	static const char *const bad[] = {
		"", ".", "..", "-web", ".web", "_web", "Web", "web app",
		"web/app", "../etc", "web\n", "web'", "w\"b", "w;b", "w$b",
		"caf\xc3\xa9", "\x01", "a..b", "x-", "x.", "x_", "a.-b", "a--b",
		"a__b", "-", "a/b", "abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(name_valid(bad[i]));
	assert_false(name_valid(NULL));
}

static void test_name_check_message(void **state)
{
	struct err err = ERR_INIT;
	char longname[300];

	(void)state;
	assert_int_equal(name_check("app", "web", &err), 0);
	assert_int_equal(name_check("app", "../x", &err), -1);
	assert_string_equal(err.msg, "invalid app name '../x': only lower-case letters, digits, '.', '_' and '-' are allowed");
	assert_int_equal(name_check("app", "a..b", &err), -1);
	assert_string_equal(err.msg, "invalid app name 'a..b': '.', '_' and '-' must stand between letters or digits, one at a time");
	assert_int_equal(name_check("app", "x-", &err), -1);
	assert_string_equal(err.msg, "invalid app name 'x-': must end with a letter or digit");
	assert_int_equal(name_check("user", "-x", &err), -1);
	assert_string_equal(err.msg, "invalid user name '-x': must start with a letter or digit");
	assert_int_equal(name_check("app", "Web", &err), -1);
	assert_non_null(strstr(err.msg, "only lower-case letters"));

	assert_int_equal(name_check("repository", "a\nb", &err), -1);
	assert_non_null(strstr(err.msg, "'a?b'"));
	assert_null(strchr(err.msg, '\n'));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(name_check("user", longname, &err), -1);
	assert_non_null(strstr(err.msg, "longer than 63"));
	assert_true(strlen(err.msg) < 200);
	assert_int_equal(name_check("user", "", &err), -1);
	assert_non_null(strstr(err.msg, "must not be empty"));
}

static void test_env_names(void **state)
{
	static const char *const ok[] = {
		"DB", "DATABASE_URL", "_x", "a1", "port", "Solum_x", "SOLUM",
	};
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(name_env_check("--param", ok[i], strlen(ok[i]),
						&err), 0);
	assert_int_equal(name_env_check("--param", "PORT", 4, &err), -1);
	assert_string_equal(err.msg, "invalid --param name 'PORT': reserved, solum sets it to the app's port");
	assert_int_equal(name_env_check("--secret", "SOLUM_APP", 9, &err), -1);
	assert_string_equal(err.msg, "invalid --secret name 'SOLUM_APP': reserved, names starting with SOLUM_ are set by solum");
	assert_int_equal(name_env_check("--param", "1x", 2, &err), -1);
	assert_string_equal(err.msg, "invalid --param name '1x': must not start with a digit");
	assert_int_equal(name_env_check("--param", "a-b", 3, &err), -1);
	assert_non_null(strstr(err.msg, "only letters, digits and '_'"));
	assert_int_equal(name_env_check("--secret", "", 0, &err), -1);
	assert_non_null(strstr(err.msg, "must not be empty"));
	/* only the `len` bytes count: a value after them is never shown */
	assert_int_equal(name_env_check("--secret", "PORT=hunter2", 4, &err), -1);
	assert_null(strstr(err.msg, "hunter2"));
	assert_int_equal(name_env_check("--secret", "A B=hunter2", 3, &err), -1);
	assert_null(strstr(err.msg, "hunter2"));
}

static void test_branches(void **state)
{
	static const char *const ok[] = {
		"master", "main", "feature/x", "release-1.2", "a.b/c_d",
	};
	static const char *const bad[] = {
		"", "-x", "/x", "x/", "x.", "a..b", "a//b", "x.lock",
		"a/.b", "a b", "a~b", "a^b", "a:b", "a?b", "a*b", "a[b",
		"a\\b", "@", "a@{b", "a\x7f", "x.lock/y",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(name_branch_valid(ok[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(name_branch_valid(bad[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_name_check_message),
		cmocka_unit_test(test_env_names),
		cmocka_unit_test(test_branches),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("name", tests, NULL, NULL);
}
