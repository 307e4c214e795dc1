/* unit tests: solum.yaml parsing and its errors */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"

static char path[] = "/tmp/solum-config-test-XXXXXX";

static void write_text(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Load `text`; 0 or -1, with the message in err. */
static int load(const char *text, struct config *c, struct err *err)
{
	write_text(text);
	config_init(c);
	return config_load(c, path, 0, err);
}

static void expect_error(const char *text, const char *want)
{
	struct config c;
	struct err err = ERR_INIT;
	const char *base = strrchr(path, '/') + 1;
	char full[600];

	assert_int_equal(load(text, &c, &err), -1);
	snprintf(full, sizeof(full), "%s:%s", base, want);
	if (strcmp(err.msg, full))
		fail_msg("got '%s', want '%s'", err.msg, full);
	config_release(&c);
}

static void test_defaults_roundtrip(void **state)
{
	struct config c;
	struct err err = ERR_INIT;

	(void)state;
	/* the file `solum init` writes parses and says what config_init says */
	assert_int_equal(load(config_default_text(), &c, &err), 0);
	assert_string_equal(c.sshd_listen, "127.0.0.1:2222");
	assert_int_equal(c.sshd_max_startups, 10);
	assert_int_equal(c.sshd_max_sessions, 64);
	assert_int_equal(c.sshd_login_grace_time, 30);
	assert_int_equal(c.sshd_idle_timeout, 600);
	assert_null(c.registry);
	assert_string_equal(c.local_bind, "127.0.0.1");
	assert_int_equal(c.progress_interval, 10);
	assert_true(c.local_memory == 512LL << 20);
	assert_int_equal(c.local_pids, 256);
	assert_int_equal(c.docker_tls_verify, 0);
	assert_null(c.docker_cert_path);
	assert_null(strstr(c.sshd_kex, "nistp"));
	assert_null(strstr(c.sshd_macs, "hmac-sha2-256,"));
	config_release(&c);
}

static void test_sizes(void **state)
{
	struct err err = ERR_INIT;
	long long n = -1;

	(void)state;
	assert_int_equal(config_parse_size("512m", &n, &err), 0);
	assert_true(n == 512LL << 20);
	assert_int_equal(config_parse_size("1G", &n, &err), 0);
	assert_true(n == 1LL << 30);
	assert_int_equal(config_parse_size("64kb", &n, &err), 0);
	assert_true(n == 64LL << 10);
	assert_int_equal(config_parse_size("4096", &n, &err), 0);
	assert_true(n == 4096);
	assert_int_equal(config_parse_size("0", &n, &err), 0);
	assert_true(n == 0);
	assert_int_equal(config_parse_size("", &n, &err), -1);
	assert_int_equal(config_parse_size("m", &n, &err), -1);
	assert_int_equal(config_parse_size("5x", &n, &err), -1);
	assert_int_equal(config_parse_size("5mm", &n, &err), -1);
	assert_int_equal(config_parse_size("-5m", &n, &err), -1);
	assert_int_equal(config_parse_size("99999999999999g", &n, &err), -1);
	assert_non_null(strstr(err.msg, "too large"));
	expect_error("local:\n  memory: 1k\n",
		     "2: local.memory: at least 6m (Docker's minimum), or 0 for no limit");
	expect_error("local:\n  memory: lots\n",
		     "2: local.memory: expected a size such as 512m or 1g, got 'lots'");
}

static void test_values(void **state)
{
	struct config c;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(load("sshd:\n  listen: 127.0.0.1:2022\n"
			      "  max_startups: 3\n"
			      "registry:\n  address: 127.0.0.1:5000\n"
			      "  username: u\n  password: 'p w'\n", &c, &err), 0);
	assert_string_equal(c.sshd_listen, "127.0.0.1:2022");
	assert_int_equal(c.sshd_max_startups, 3);
	assert_string_equal(c.registry, "127.0.0.1:5000");
	assert_string_equal(c.registry_password, "p w");
	config_release(&c);
	/* empty files and empty sections are all defaults */
	assert_int_equal(load("", &c, &err), 0);
	config_release(&c);
	assert_int_equal(load("sshd:\n", &c, &err), 0);
	config_release(&c);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("sshd:\n  listen: 127.0.0.1:2022\n  max_startups: x\n",
		     "3: sshd.max_startups: expected an integer from 1 to 1000, got 'x'");
	expect_error("sshd:\n  max_startups: 0\n",
		     "2: sshd.max_startups: expected an integer from 1 to 1000, got '0'");
	expect_error("sshd:\n  max_startups: 99999999999999999999\n",
		     "2: sshd.max_startups: expected an integer from 1 to 1000, got '99999999999999999999'");
	expect_error("sshd:\n  listn: 1\n", "2: unknown key 'sshd.listn'");
	expect_error("\n\nnope:\n  a: 1\n", "3: unknown key 'nope'");
	expect_error("sshd:\n  listen: nowhere\n",
		     "2: sshd.listen: expected ADDR:PORT, got 'nowhere'");
	expect_error("sshd:\n  listen: 1.2.3.4:70000\n",
		     "2: sshd.listen: expected ADDR:PORT, got '1.2.3.4:70000'");
	expect_error("sshd:\n  listen: [a, b]\n",
		     "2: sshd.listen: expected a single value");
	expect_error("sshd: 3\n", "1: sshd: expected a mapping of keys");
	expect_error("- a\n- b\n",
		     "1: expected a mapping of sections (sshd:, docker:, ...)");
	expect_error("sshd:\n  user:\n", "2: sshd.user: must not be empty");
	expect_error("sshd:\n  user: a\n  user: b\n", "3: sshd.user given twice");
	expect_error("sshd:\n  user: a\nsshd:\n  max_startups: 3\n",
		     "3: section 'sshd' given twice");
	expect_error("sshd:\n  user: a\n---\n- x\n", "3: more than one YAML document");
	expect_error("sshd:\n  max_startups: ' 5'\n",
		     "2: sshd.max_startups: expected an integer from 1 to 1000, got ' 5'");
	expect_error("local:\n  port_min: 30000\n  port_max: 20000\n",
		     " local.port_min (30000) is above local.port_max (20000)");
}

static void test_syntax_error_line(void **state)
{
	struct config c;
	struct err err = ERR_INIT;

	(void)state;
	assert_int_equal(load("sshd:\n  listen: a\n bad: [\n", &c, &err), -1);
	assert_non_null(strstr(err.msg, ":3: ") ? strstr(err.msg, ":3: ")
						 : strstr(err.msg, ":4: "));
	config_release(&c);
}

static void test_missing_file(void **state)
{
	struct config c;
	struct err err = ERR_INIT;

	(void)state;
	config_init(&c);
	assert_int_equal(config_load(&c, "/nonexistent/solum.yaml", 1, &err), 0);
	assert_int_equal(config_load(&c, "/nonexistent/solum.yaml", 0, &err), -1);
	assert_non_null(strstr(err.msg, "cannot read configuration '/nonexistent/solum.yaml'"));
	config_release(&c);
}

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_roundtrip),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_syntax_error_line),
		cmocka_unit_test(test_missing_file),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("config", tests, setup, teardown);
}
