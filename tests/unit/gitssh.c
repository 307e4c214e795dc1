/* unit tests: SSH git URLs of upstreams */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gitssh.h"

static void test_ssh_urls(void **state)
{
	struct err err = ERR_INIT;
	struct gitssh_url u;

	(void)state;
	assert_int_equal(gitssh_url_parse("ssh://solum@127.0.0.1:2222/up.git", &u, &err), 1);
	assert_string_equal(u.user, "solum");
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 2222);
	assert_string_equal(u.path, "/up.git");
	gitssh_url_release(&u);
	assert_int_equal(gitssh_url_parse("ssh://[::1]:29418/team/web", &u, &err), 1);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.user, "git");
	gitssh_url_release(&u);
	assert_int_equal(gitssh_url_parse("git@gitlab.example.com:team/web.git", &u, &err), 1);
	assert_string_equal(u.host, "gitlab.example.com");
	assert_int_equal(u.port, 22);
	assert_string_equal(u.path, "team/web.git");
	gitssh_url_release(&u);
	assert_int_equal(gitssh_url_parse("https://h/x.git", &u, &err), 0);
	assert_int_equal(gitssh_url_parse("file:///srv/x.git", &u, &err), 0);
	assert_int_equal(gitssh_url_parse("/srv/x:y", &u, &err), 0);
	assert_int_equal(gitssh_url_parse("ssh://h:99999/x", &u, &err), -1);
	assert_int_equal(gitssh_url_parse("ssh://h:22", &u, &err), -1);
	assert_int_equal(gitssh_url_parse("ssh://h/it's", &u, &err), -1);
	assert_int_equal(gitssh_url_parse("git@h:x\ny", &u, &err), -1);
	assert_int_equal(gitssh_url_parse("ssh://[::1/x", &u, &err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ssh_urls),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("gitssh", tests, NULL, NULL);
}
