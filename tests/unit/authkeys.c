/* unit tests for authkeys: authorized_keys lines and fingerprints */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "authkeys.h"
#include "buf.h"

/*
 * Keys made once with ssh-keygen (OpenSSH 9.2); the fingerprints are what
 * `ssh-keygen -lf` printed for them.
 */
static const char ed_blob[] =
	"AAAAC3NzaC1lZDI1NTE5AAAAIJnfqhL19PBreu0zuAXYoVxE5Z60yuwjXZCz"
	"ESBsKKPJ";
static const char ed_fp[] = "SHA256:W9EkUtK/dVnzGJP+pi6VsThAWcMFVj+WtrOr2w0c1gs";
static const char rsa_blob[] =
	"AAAAB3NzaC1yc2EAAAADAQABAAABgQCyr3ivLR1cnD1qDXs/kJS41myHazCJ"
	"OJadNOHcZB6bqVIsw+dzRUvCPatM9AIS+K88AOlqvM9zMrJkF2eAQ17lg//u"
	"eqPFVYlsfxIr4mt59vUzV9ccm7ROMSXtgVXXYKbt4IVcdb7j68gxenNuw7ip"
	"WliZAxV7/C8KhAjTez7LMErFJeBLimN1L348aZQ1U1j/mR+YjPnquwhZJClM"
	"GZmVybDOsZ5/uaaJh7cOOQKr6ZGIKfh8uoITSHWYXecX/WeqpY23TwEj9reS"
	"m3yh7xrMD7/JF6xkYbnZm6iCqjaENk6N/2ih1r341o8CGFtmoTfxsIQIKfgy"
	"EGhlvfrnnfbAeihJ0hVuVq5/rQxSkW85sw+BE+2pitNNDmLZAIoM5N4yWr7m"
	"vam9NObyQAM3SQQmnk+sYc3Z0B0djVUY2Qsh7sArDfG0BqPW8S7IdShtQN6m"
	"Y4nOCtbIezRHdGGZiJey2kjjzXkuNbB0ePLR8fMmiNdFkyfpEVznvigW8QEO"
	"1t0=";
static const char rsa_fp[] = "SHA256:i+jrgFWbVb8Wn5j5nxK32a1tXdhrcKhSGNYwbmd8mDI";
static const char ec_blob[] =
	"AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPwSEtNh"
	"BbleG48HucQ5pkN2NJaGhCQ/nVBZ5JByiT5XQvrcZrlJHH9fYMbJEHPCD9ad"
	"AKdp/3HhA02wudYYPA8=";
static const char ec_fp[] = "SHA256:bRMUfSLUJGeNOZv8dVPjxgoALWx7yKUAPHGlE6AJ2+k";

static void assert_key(const char *line, const char *type, const char *blob,
		       const char *comment, const char *fp)
{
	struct authkey k;
	struct err err = ERR_INIT;

	if (authkey_parse(line, &k, &err) < 0)
		fail_msg("'%s' refused: %s", line, err.msg);
	assert_string_equal(k.type, type);
	assert_string_equal(k.blob, blob);
	assert_string_equal(k.comment, comment);
	assert_string_equal(k.fingerprint, fp);
	authkey_release(&k);
	assert_null(k.type);
}

static void assert_refused(const char *line, const char *msg)
{
	struct authkey k;
	struct err err = ERR_INIT;

	if (authkey_parse(line, &k, &err) == 0)
		fail_msg("'%s' accepted", line);
	if (!strstr(err.msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", line, err.msg, msg);
	assert_null(k.type);
	assert_null(k.fingerprint);
	authkey_release(&k);
}

static void test_fingerprints(void **state)
{
	char *line;

	line = xstrfmt("ssh-ed25519 %s alice@test", ed_blob);
	assert_key(line, "ssh-ed25519", ed_blob, "alice@test", ed_fp);
	free(line);
	line = xstrfmt("ssh-rsa %s bob@test", rsa_blob);
	assert_key(line, "ssh-rsa", rsa_blob, "bob@test", rsa_fp);
	free(line);
	line = xstrfmt("ecdsa-sha2-nistp256 %s carol", ec_blob);
	assert_key(line, "ecdsa-sha2-nistp256", ec_blob, "carol", ec_fp);
	free(line);
}

static void test_forms(void **state)
{
	char *line;

	/* no comment; trailing newline, CR and blanks */
	line = xstrfmt("ssh-ed25519 %s\r\n", ed_blob);
	assert_key(line, "ssh-ed25519", ed_blob, "", ed_fp);
	free(line);
	/* leading blanks, tabs between fields, a comment with spaces */
	line = xstrfmt("  ssh-ed25519\t%s \t Alice Smith <alice@example.com>  ",
		       ed_blob);
	assert_key(line, "ssh-ed25519", ed_blob,
		   "Alice Smith <alice@example.com>", ed_fp);
	free(line);
	/* UTF-8 in the comment is kept */
	line = xstrfmt("ssh-ed25519 %s J\xc3\xbcrgen", ed_blob);
	assert_key(line, "ssh-ed25519", ed_blob, "J\xc3\xbcrgen", ed_fp);
	free(line);
	/* the fingerprint alone */
	{
		struct err err = ERR_INIT;
		char *fp = authkey_fingerprint("ssh-rsa", rsa_blob, &err);

		assert_non_null(fp);
		assert_string_equal(fp, rsa_fp);
		free(fp);
		assert_null(authkey_fingerprint("ssh-rsa", ed_blob, &err));
		assert_non_null(strstr(err.msg, "not a 'ssh-rsa' key"));
	}
}

static void test_options_refused(void **state)
{
	char *line;

	line = xstrfmt("no-pty ssh-ed25519 %s alice", ed_blob);
	assert_refused(line, "key options are not supported; give the key without them");
	free(line);
	line = xstrfmt("command=\"git-shell -c x\",no-port-forwarding ssh-ed25519 %s",
		       ed_blob);
	assert_refused(line, "key options are not supported");
	free(line);
	line = xstrfmt("restrict,from=\"10.0.0.0/8\" ecdsa-sha2-nistp256 %s",
		       ec_blob);
	assert_refused(line, "key options are not supported");
	free(line);
}

static void test_hostile(void **state)
{
	char *line, *big;

	assert_refused("", "no key");
	assert_refused("   \n", "no key");
	assert_refused("# a comment", "no key");
	assert_refused("ssh-ed25519", "no key data");
	assert_refused("ssh-ed25519   ", "no key data");
	assert_refused("ssh-foo AAAA", "no known key type");
	assert_refused("AAAAC3NzaC1lZDI1NTE5 x", "no known key type");
	assert_refused("ssh-ed25519 !!!!", "not base64");
	assert_refused("ssh-ed25519 AAAA", "too short");
	assert_refused("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJnf", "cannot decode");
	assert_refused("ssh-ed25519 AA=A", "not base64");
	/* the blob's own type must match */
	line = xstrfmt("ssh-rsa %s", ed_blob);
	assert_refused(line, "not a 'ssh-rsa' key");
	free(line);
	line = xstrfmt("ssh-ed25519 %s", ec_blob);
	assert_refused(line, "not a 'ssh-ed25519' key");
	free(line);
	/* certificates and DSA */
	line = xstrfmt("ssh-ed25519-cert-v01@openssh.com %s", ed_blob);
	assert_refused(line, "certificates are not supported");
	free(line);
	assert_refused("ssh-dss AAAAB3NzaC1kc3M= x", "ssh-dss keys are not supported");
	/* control characters anywhere */
	line = xstrfmt("ssh-ed25519 %s alice\x1b[2J", ed_blob);
	assert_refused(line, "invalid character");
	free(line);
	line = xstrfmt("ssh-ed25519 %s a\nssh-ed25519 %s b", ed_blob, ed_blob);
	assert_refused(line, "invalid character");
	free(line);
	/* overlong */
	big = malloc(AUTHKEYS_LINE_MAX + 2);
	assert_non_null(big);
	memset(big, 'A', AUTHKEYS_LINE_MAX + 1);
	memcpy(big, "ssh-rsa ", 8);
	big[AUTHKEYS_LINE_MAX + 1] = '\0';
	assert_refused(big, "too long");
	free(big);
}

/* a file that is not a key list: nothing of it comes back in the error */
static void test_content_not_quoted(void **state)
{
	static const char *const lines[] = {
		"root:$y$j9T$Zk1Sz0hunter2:19000:0:99999:7:::",
		"hunter2 ssh-ed25519 AAAA",
		"secret-hunter2",
		"ssh-hunter2 AAAA",
		"ssh-hunter2-cert-v01@openssh.com AAAA",
		"from=\"hunter2\" ssh-ed25519 AAAA",
	};
	struct authkey k;
	struct err err = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		assert_int_equal(authkey_parse(lines[i], &k, &err), -1);
		if (strstr(err.msg, "hunter2"))
			fail_msg("'%s' quoted in '%s'", lines[i], err.msg);
	}
	assert_null(authkey_fingerprint("hunter2", "AAAA", &err));
	assert_null(strstr(err.msg, "hunter2"));
}

static void test_blank(void **state)
{
	assert_int_equal(authkeys_is_blank(""), 1);
	assert_int_equal(authkeys_is_blank(" \t\r\n"), 1);
	assert_int_equal(authkeys_is_blank("  # ssh-ed25519 AAAA"), 1);
	assert_int_equal(authkeys_is_blank("ssh-ed25519 AAAA"), 0);
	assert_int_equal(authkeys_is_blank(" x"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprints),
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_options_refused),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_content_not_quoted),
		cmocka_unit_test(test_blank),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("authkeys", tests, NULL, NULL);
}
