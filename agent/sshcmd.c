/* sshcmd: parse the SSH exec request string (pure; no I/O) */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "name.h"
#include "sshcmd.h"
#include "banned.h"

#define SSHCMD_MAX_WORDS 64

static const char *const admin_verbs[] = {
	"app", "key", "grant", "revoke", "grants", "deploy", "releases",
	"rollback", "logs", "cancel", "help", NULL
};

/* characters a shell would give meaning to; refused even without a shell */
static const char admin_forbidden[] = "'\"\\$`;&|<>";

void sshcmd_init(struct sshcmd *c)
{
	memset(c, 0, sizeof(*c));
	strvec_init(&c->args);
}

void sshcmd_release(struct sshcmd *c)
{
	strvec_clear(&c->args);
	c->repo[0] = '\0';
}

/* Show `len` bytes of untrusted text in a message: quoted, escaped, cut. */
static void quote_n(const char *s, size_t len, char *dst, size_t size)
{
	char tmp[80];

	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	name_quote(tmp, dst, size);
}

static int bad_repo(const char *arg, size_t len, struct err *err)
{
	char q[72];

	quote_n(arg, len, q, sizeof(q));
	return err_set(err, "invalid repository name '%s'", q);
}

/*
 * The one argument of a git command: 'PATH' or PATH, where PATH is
 * [/]REPO[.git]. Everything about it is checked before the name itself.
 */
static int parse_repo_arg(const char *arg, size_t len, struct sshcmd *out,
			  struct err *err)
{
	const char *p = arg;
	size_t n = len, i;

	if (n >= 2 && p[0] == '\'' && p[n - 1] == '\'') {
		p++;
		n -= 2;
	}
	if (!n)
		return bad_repo(arg, len, err);
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-' || c == '/'))
			return bad_repo(arg, len, err);
	}
	if (memmem(p, n, "..", 2))
		return bad_repo(arg, len, err);
	if (p[0] == '/') {
		p++;
		n--;
	}
	if (n > 4 && !memcmp(p + n - 4, ".git", 4))
		n -= 4;
	if (!n || n >= sizeof(out->repo) || p[0] == '-' || memchr(p, '/', n))
		return bad_repo(arg, len, err);
	memcpy(out->repo, p, n);
	out->repo[n] = '\0';
	if (!name_valid(out->repo)) {
		out->repo[0] = '\0';
		return bad_repo(arg, len, err);
	}
	return 0;
}

static int is_admin_verb(const char *w, size_t len)
{
	size_t i;

	for (i = 0; admin_verbs[i]; i++)
		if (strlen(admin_verbs[i]) == len &&
		    !memcmp(admin_verbs[i], w, len))
			return 1;
	return 0;
}

static int parse_admin(const char *s, size_t len, struct sshcmd *out,
		       struct err *err)
{
	size_t i, start;
	char *word;

	for (i = 0; i < len; i++)
		if (strchr(admin_forbidden, s[i]))
			return err_set(err, "invalid character '%c' in command",
				       s[i]);
	i = 0;
	while (i < len) {
		while (i < len && s[i] == ' ')
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		if (out->args.nr >= SSHCMD_MAX_WORDS) {
			strvec_clear(&out->args);
			return err_set(err, "too many arguments (at most %d)",
				       SSHCMD_MAX_WORDS);
		}
		word = xstrndup(s + start, i - start);
		strvec_push(&out->args, word);
		free(word);
	}
	out->kind = SSHCMD_ADMIN;
	return 0;
}

int sshcmd_parse(const char *s, size_t len, struct sshcmd *out,
		 struct err *err)
{
	static const struct {
		const char *prefix;
		enum sshcmd_kind kind;
	} git_forms[] = {
		{ "git-receive-pack ", SSHCMD_RECEIVE_PACK },
		{ "git receive-pack ", SSHCMD_RECEIVE_PACK },
		{ "git-upload-pack ", SSHCMD_UPLOAD_PACK },
		{ "git upload-pack ", SSHCMD_UPLOAD_PACK },
	};
	size_t i, w, first;
	char q[72];

	sshcmd_release(out);
	if (len > SSHCMD_MAX)
		return err_set(err, "command too long (more than %d bytes)",
			       SSHCMD_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			return err_set(err, "invalid character in command");
	}
	for (first = 0; first < len && s[first] == ' '; first++)
		;
	if (first == len)
		return err_set(err, "empty command");
	s += first;
	len -= first;

	for (i = 0; i < sizeof(git_forms) / sizeof(git_forms[0]); i++) {
		size_t n = strlen(git_forms[i].prefix);

		if (len < n || memcmp(s, git_forms[i].prefix, n))
			continue;
		if (parse_repo_arg(s + n, len - n, out, err) < 0)
			return -1;
		out->kind = git_forms[i].kind;
		return 0;
	}

	for (w = 0; w < len && s[w] != ' '; w++)
		;
	if (is_admin_verb(s, w))
		return parse_admin(s, len, out, err);
	quote_n(s, w, q, sizeof(q));
	return err_set(err, "unknown command '%s'", q);
}
