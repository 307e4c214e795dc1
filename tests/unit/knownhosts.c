/* unit tests: known_hosts lookups and SSH git URLs */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "gitssh.h"
#include "knownhosts.h"

/* Two made-up key blobs, and their base64. */
static const unsigned char key_a[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20" "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
static const unsigned char key_b[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20" "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
#define KEYLEN (sizeof(key_a) - 1)

static char path[64];

static char *b64(const unsigned char *k)
{
	struct buf b = BUF_INIT;

	buf_add_base64(&b, k, KEYLEN, 0);
	buf_add(&b, "", 1);
	return b.ptr;
}

static int check(const char *text, const char *host, int port,
		 const unsigned char *key)
{
	struct err err = ERR_INIT;
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return knownhosts_check(path, host, port, key, KEYLEN, &err);
}

static void test_plain_and_ports(void **state)
{
	char *a = b64(key_a), *b = b64(key_b), text[1024];

	(void)state;
	snprintf(text, sizeof(text), "# c\n\ngit.example.com ssh-ed25519 %s c\n"
		 "[127.0.0.1]:2222 ssh-ed25519 %s\n", a, b);
	assert_int_equal(check(text, "git.example.com", 22, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "GIT.example.com", 22, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "git.example.com", 22, key_b), KNOWNHOSTS_CHANGED);
	assert_int_equal(check(text, "git.example.com", 2222, key_a), KNOWNHOSTS_UNKNOWN);
	assert_int_equal(check(text, "127.0.0.1", 2222, key_b), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "127.0.0.1", 22, key_b), KNOWNHOSTS_UNKNOWN);
	/* two keys for one host: either is fine */
	snprintf(text, sizeof(text), "h ssh-ed25519 %s\nh ssh-ed25519 %s\n", b, a);
	assert_int_equal(check(text, "h", 22, key_a), KNOWNHOSTS_OK);
	free(a);
	free(b);
}

static void test_patterns(void **state)
{
	char *a = b64(key_a), text[1024];

	(void)state;
	snprintf(text, sizeof(text), "*.example.com,!bad.example.com,10.0.0.? ssh-ed25519 %s\n", a);
	assert_int_equal(check(text, "git.example.com", 22, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "bad.example.com", 22, key_a), KNOWNHOSTS_UNKNOWN);
	assert_int_equal(check(text, "10.0.0.7", 22, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "10.0.0.17", 22, key_a), KNOWNHOSTS_UNKNOWN);
	assert_int_equal(check(text, "example.com", 22, key_a), KNOWNHOSTS_UNKNOWN);
	/* '[' is no glob class: only the literal "[h]:2222" */
	snprintf(text, sizeof(text), "[h]:2222 ssh-ed25519 %s\n", a);
	assert_int_equal(check(text, "h", 2222, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "h", 22, key_a), KNOWNHOSTS_UNKNOWN);
	free(a);
}

static void test_hashed_revoked_ca(void **state)
{
	static const unsigned char salt[20] = "0123456789abcdefghij";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen;
	struct buf s = BUF_INIT, m = BUF_INIT;
	char *a = b64(key_a), text[1024];

	(void)state;
	HMAC(EVP_sha1(), salt, sizeof(salt), (const unsigned char *)"[g]:29418",
	     9, mac, &maclen);
	buf_add_base64(&s, salt, sizeof(salt), 0);
	buf_add_base64(&m, mac, maclen, 0);
	buf_add(&s, "", 1);
	buf_add(&m, "", 1);
	snprintf(text, sizeof(text), "|1|%s|%s ssh-ed25519 %s\n", s.ptr, m.ptr, a);
	assert_int_equal(check(text, "g", 29418, key_a), KNOWNHOSTS_OK);
	assert_int_equal(check(text, "g", 22, key_a), KNOWNHOSTS_UNKNOWN);
	snprintf(text, sizeof(text), "h ssh-ed25519 %s\n@revoked * ssh-ed25519 %s\n", a, a);
	assert_int_equal(check(text, "h", 22, key_a), KNOWNHOSTS_CHANGED);
	snprintf(text, sizeof(text), "@cert-authority h ssh-ed25519 %s\nh ssh-ed25519 !!!\n", a);
	assert_int_equal(check(text, "h", 22, key_a), KNOWNHOSTS_UNKNOWN);
	unlink(path);
	assert_int_equal(knownhosts_check(path, "h", 22, key_a, KEYLEN, NULL),
			 KNOWNHOSTS_UNKNOWN);
	buf_release(&s);
	buf_release(&m);
	free(a);
}

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
		cmocka_unit_test(test_plain_and_ports),
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_hashed_revoked_ca),
		cmocka_unit_test(test_ssh_urls),
	};
	int rc;

	snprintf(path, sizeof(path), "/tmp/solum-kh-%ld", (long)getpid());
	cmocka_set_message_output(CM_OUTPUT_TAP);
	rc = cmocka_run_group_tests_name("knownhosts", tests, NULL, NULL);
	unlink(path);
	return rc;
}
