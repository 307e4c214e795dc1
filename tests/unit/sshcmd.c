/* unit tests for sshcmd: the SSH exec string parser */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sshcmd.h"

static int parse(const char *s, struct sshcmd *c, struct err *err)
{
	return sshcmd_parse(s, strlen(s), c, err);
}

static void assert_git(const char *s, enum sshcmd_kind kind,
		       const char *repo)
{
	struct sshcmd c;
	struct err err = ERR_INIT;

	sshcmd_init(&c);
	if (parse(s, &c, &err) < 0)
		fail_msg("'%s' refused: %s", s, err.msg);
	assert_int_equal(c.kind, kind);
	assert_string_equal(c.repo, repo);
	sshcmd_release(&c);
}

/* `s` is refused, and the message contains `msg` */
static void assert_refused_n(const char *s, size_t len, const char *msg)
{
	struct sshcmd c;
	struct err err = ERR_INIT;

	sshcmd_init(&c);
	if (sshcmd_parse(s, len, &c, &err) == 0)
		fail_msg("'%.*s' accepted", (int)len, s);
	if (!strstr(err.msg, msg))
		fail_msg("'%.*s': message '%s' lacks '%s'", (int)len, s,
			 err.msg, msg);
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(c.repo[0], '\0');
	assert_int_equal(c.args.nr, 0);
	sshcmd_release(&c);
}

static void assert_refused(const char *s, const char *msg)
{
	assert_refused_n(s, strlen(s), msg);
}

static void test_git_forms(void **state)
{
	assert_git("git-receive-pack '/web.git'", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-receive-pack 'web.git'", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-receive-pack '/web'", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-receive-pack 'web'", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-receive-pack web.git", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-receive-pack /web", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git receive-pack 'web.git'", SSHCMD_RECEIVE_PACK, "web");
	assert_git("git-upload-pack '/web.git'", SSHCMD_UPLOAD_PACK, "web");
	assert_git("git-upload-pack 'web'", SSHCMD_UPLOAD_PACK, "web");
	assert_git("git upload-pack '/web'", SSHCMD_UPLOAD_PACK, "web");
	assert_git("git-upload-pack 'my-app_2.x.git'", SSHCMD_UPLOAD_PACK,
		   "my-app_2.x");
	assert_git("git-upload-pack '0day'", SSHCMD_UPLOAD_PACK, "0day");
	/* ".git" is taken off once only */
	assert_git("git-upload-pack 'a.git.git'", SSHCMD_UPLOAD_PACK, "a.git");
	/* 63 characters is the longest name */
	assert_git("git-upload-pack 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.git'",
		   SSHCMD_UPLOAD_PACK,
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

static void test_git_hostile(void **state)
{
	static const char *const bad[] = {
		"git-upload-pack '../etc'",
		"git-upload-pack '/../etc/passwd'",
		"git-upload-pack 'web/../other'",
		"git-upload-pack '..'",
		"git-upload-pack '.'",
		"git-upload-pack '.git'",
		"git-upload-pack '/.git'",
		"git-upload-pack '/'",
		"git-upload-pack ''",
		"git-upload-pack '",
		"git-upload-pack ",
		"git-upload-pack '~/web.git'",
		"git-upload-pack '~root/web.git'",
		"git-upload-pack '-web'",
		"git-upload-pack '/-web'",
		"git-upload-pack '--upload-pack=touch x'",
		"git-upload-pack --help",
		"git-upload-pack 'we'b'",
		"git-upload-pack 'web'x'",
		"git-upload-pack 'web",
		"git-upload-pack web'",
		"git-upload-pack \"web\"",
		"git-upload-pack 'web' 'other'",
		"git-upload-pack 'web' ; rm -rf /",
		"git-upload-pack 'web'; rm -rf /",
		"git-upload-pack 'web$(id)'",
		"git-upload-pack 'web`id`'",
		"git-upload-pack 'web|id'",
		"git-upload-pack 'web&id'",
		"git-upload-pack 'w\\eb'",
		"git-upload-pack 'Web'",
		"git-upload-pack 'WEB.git'",
		"git-upload-pack '/srv/git/web.git'",
		"git-upload-pack 'a//b'",
		"git-upload-pack '//web'",
		"git-upload-pack 'web/'",
		"git-upload-pack '_web'",
		"git-upload-pack 'w%eb'",
		"git-upload-pack 'w eb'",
		"git-upload-pack  'web'",
		"git-receive-pack 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], "invalid repository name");
}

static void test_control_and_nul(void **state)
{
	static const char nul[] = "git-upload-pack 'web\0.git'";
	static const char nul2[] = "app list\0; rm -rf /";

	assert_refused("git-upload-pack 'web\n'", "invalid character");
	assert_refused("git-upload-pack 'web'\n", "invalid character");
	assert_refused("git-upload-pack\t'web'", "invalid character");
	assert_refused("git-upload-pack 'w\x1b[2Jeb'", "invalid character");
	assert_refused("git-upload-pack 'w\x7f'", "invalid character");
	assert_refused("git-upload-pack 'w\xc3\xa9" "b'", "invalid character");
	assert_refused("app list\r", "invalid character");
	assert_refused_n(nul, sizeof(nul) - 1, "invalid character");
	assert_refused_n(nul2, sizeof(nul2) - 1, "invalid character");
}

static void test_length(void **state)
{
	char s[SSHCMD_MAX + 2];
	struct sshcmd c;
	struct err err = ERR_INIT;
	size_t n;

	/* exactly SSHCMD_MAX bytes of admin words is fine */
	memset(s, 'x', sizeof(s));
	memcpy(s, "app ", 4);
	s[SSHCMD_MAX] = '\0';
	sshcmd_init(&c);
	assert_int_equal(sshcmd_parse(s, SSHCMD_MAX, &c, &err), 0);
	assert_int_equal(c.args.nr, 2);
	assert_int_equal(strlen(c.args.v[1]), SSHCMD_MAX - 4);
	sshcmd_release(&c);

	/* one more is not, and the length is checked before anything else */
	s[SSHCMD_MAX] = 'x';
	s[SSHCMD_MAX + 1] = '\0';
	assert_refused_n(s, SSHCMD_MAX + 1, "too long");
	n = strlen("git-upload-pack '");
	memcpy(s, "git-upload-pack '", n);
	assert_refused_n(s, SSHCMD_MAX + 1, "too long");
}

static void test_unknown(void **state)
{
	assert_refused("bash", "unknown command 'bash'");
	assert_refused("sh -c 'id'", "unknown command 'sh'");
	assert_refused("scp -t /tmp", "unknown command 'scp'");
	assert_refused("rsync --server .", "unknown command 'rsync'");
	assert_refused("git-upload-archive 'web'",
		       "unknown command 'git-upload-archive'");
	assert_refused("git-upload-pack", "unknown command 'git-upload-pack'");
	assert_refused("git 'upload-pack' web", "unknown command 'git'");
	assert_refused("git", "unknown command 'git'");
	assert_refused("apps list", "unknown command 'apps'");
	assert_refused("APP list", "unknown command 'APP'");
	assert_refused("init", "unknown command 'init'");
	assert_refused("sshd", "unknown command 'sshd'");
	assert_refused("hook post-receive", "unknown command 'hook'");
	assert_refused("", "empty command");
	assert_refused("   ", "empty command");
	/* the word shown is cut short and escaped */
	assert_refused("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		       "...'");
}

static void assert_admin(const char *s, size_t nr, ...)
{
	struct sshcmd c;
	struct err err = ERR_INIT;
	va_list ap;
	size_t i;

	sshcmd_init(&c);
	if (parse(s, &c, &err) < 0)
		fail_msg("'%s' refused: %s", s, err.msg);
	assert_int_equal(c.kind, SSHCMD_ADMIN);
	assert_int_equal(c.args.nr, nr);
	va_start(ap, nr);
	for (i = 0; i < nr; i++)
		assert_string_equal(c.args.v[i], va_arg(ap, const char *));
	va_end(ap);
	assert_null(c.args.v[nr]);
	sshcmd_release(&c);
}

static void test_admin(void **state)
{
	assert_admin("app list", 2, "app", "list");
	assert_admin("help", 1, "help");
	assert_admin("app list --json", 3, "app", "list", "--json");
	assert_admin("app create web --branch main --param K=V", 7, "app",
		     "create", "web", "--branch", "main", "--param", "K=V");
	assert_admin("grant bob web --role read", 5, "grant", "bob", "web",
		     "--role", "read");
	assert_admin("revoke bob web", 3, "revoke", "bob", "web");
	assert_admin("key list", 2, "key", "list");
	assert_admin("deploy web 1a2b3c", 3, "deploy", "web", "1a2b3c");
	assert_admin("releases web", 2, "releases", "web");
	assert_admin("rollback web 3", 3, "rollback", "web", "3");
	assert_admin("logs web --follow", 3, "logs", "web", "--follow");
	assert_admin("cancel web", 2, "cancel", "web");
	/* runs of spaces separate words; leading and trailing ones vanish */
	assert_admin("  app   list  ", 2, "app", "list");
	assert_admin("app set web --param URL=http://x/y?a=b#c", 5, "app",
		     "set", "web", "--param", "URL=http://x/y?a=b#c");
}

static void test_admin_hostile(void **state)
{
	static const char *const bad[] = {
		"app list; id", "app list && id", "app list | id",
		"app list > /tmp/x", "app list < /etc/passwd", "app $(id)",
		"app `id`", "app 'list'", "app \"list\"", "app li\\st",
		"app ${HOME}", "app list &",
	};
	char many[1024];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], "invalid character");
	assert_refused("app\tlist", "invalid character");
	assert_refused("app list\n", "invalid character");

	/* at most 64 words */
	many[0] = '\0';
	strcat(many, "app");
	for (i = 1; i < 64; i++)
		strcat(many, " x");
	assert_admin(many, 64, "app", "x", "x", "x", "x", "x", "x", "x", "x",
		     "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x",
		     "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x",
		     "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x",
		     "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x",
		     "x", "x", "x", "x", "x", "x", "x", "x", "x", "x", "x");
	strcat(many, " x");
	assert_refused(many, "too many arguments");
}

static void test_reuse(void **state)
{
	struct sshcmd c;
	struct err err = ERR_INIT;

	/* a struct can be parsed into again; a refusal leaves it empty */
	sshcmd_init(&c);
	assert_int_equal(parse("app list", &c, &err), 0);
	assert_int_equal(parse("git-upload-pack 'web'", &c, &err), 0);
	assert_int_equal(c.args.nr, 0);
	assert_string_equal(c.repo, "web");
	assert_int_equal(parse("bash", &c, &err), -1);
	assert_string_equal(c.repo, "");
	sshcmd_release(&c);
	sshcmd_release(&c);
	/* the string need not be NUL-terminated */
	assert_int_equal(sshcmd_parse("git-upload-pack 'web'XYZ", 21, &c,
				      &err), 0);
	assert_string_equal(c.repo, "web");
	sshcmd_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git_forms),
		cmocka_unit_test(test_git_hostile),
		cmocka_unit_test(test_control_and_nul),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_admin),
		cmocka_unit_test(test_admin_hostile),
		cmocka_unit_test(test_reuse),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("sshcmd", tests, NULL, NULL);
}
