/* name: validation of the names users give (apps, repos, users, branches) */
#include <stdio.h>
#include <string.h>

#include "name.h"
#include "banned.h"

#define ENV_NAME_MAX 64

static int is_alnum_lower(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_separator(char c)
{
	return c == '.' || c == '_' || c == '-';
}

/* The rule name_valid() states; the broken part of it, or NULL. */
static const char *name_problem(const char *s)
{
	size_t i, n;

	if (!s || !*s)
		return "must not be empty";
	n = strlen(s);
	if (n > NAME_MAX_LEN)
		return "longer than 63 characters";
	for (i = 0; i < n; i++)
		if (!is_alnum_lower(s[i]) && !is_separator(s[i]))
			return "only lower-case letters, digits, '.', '_' and '-' are allowed";
	if (!is_alnum_lower(s[0]))
		return "must start with a letter or digit";
	if (!is_alnum_lower(s[n - 1]))
		return "must end with a letter or digit";
	for (i = 1; i < n; i++)
		if (is_separator(s[i]) && is_separator(s[i - 1]))
			return "'.', '_' and '-' must stand between letters or digits, one at a time";
	return NULL;
}

int name_valid(const char *s)
{
	return !name_problem(s);
}

void name_quote(const char *s, char *dst, size_t size)
{
	size_t i, o = 0;

	if (!size)
		return;
	for (i = 0; s[i] && o + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (o + 4 >= size && s[i + 1]) {
			/* room for "..." and the NUL */
			if (size >= 4) {
				o = size - 4;
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		dst[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[o] = '\0';
}

int name_check(const char *what, const char *s, struct err *err)
{
	const char *problem = name_problem(s);
	char q[72];

	if (!problem)
		return 0;
	name_quote(s ? s : "", q, sizeof(q));
	return err_set(err, "invalid %s name '%s': %s", what, q, problem);
}

int name_env_check(const char *what, const char *key, size_t len,
		   struct err *err)
{
	char k[ENV_NAME_MAX + 1], q[72];
	size_t i;

	if (!len)
		return err_set(err, "invalid %s: the name must not be empty",
			       what);
	if (len > ENV_NAME_MAX)
		return err_set(err, "invalid %s: the name is longer than %d characters",
			       what, ENV_NAME_MAX);
	memcpy(k, key, len);
	k[len] = '\0';
	name_quote(k, q, sizeof(q));
	for (i = 0; i < len; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= 'a' && k[i] <= 'z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return err_set(err, "invalid %s name '%s': only letters, digits and '_' are allowed",
				       what, q);
	if (k[0] >= '0' && k[0] <= '9')
		return err_set(err, "invalid %s name '%s': must not start with a digit",
			       what, q);
	if (!strcmp(k, "PORT"))
		return err_set(err, "invalid %s name 'PORT': reserved, solum sets it to the app's port",
			       what);
	if (!strncmp(k, "SOLUM_", 6))
		return err_set(err, "invalid %s name '%s': reserved, names starting with SOLUM_ are set by solum",
			       what, q);
	return 0;
}

int name_branch_valid(const char *s)
{
	size_t i, n = s ? strlen(s) : 0;
	const char *comp;

	if (n < 1 || n > 200)
		return 0;
	if (s[0] == '-' || s[0] == '/' || s[n - 1] == '/' || s[n - 1] == '.')
		return 0;
	if (strstr(s, "..") || strstr(s, "//") || strstr(s, "@{") ||
	    !strcmp(s, "@"))
		return 0;
	if (n >= 5 && !strcmp(s + n - 5, ".lock"))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("~^:?*[\\", c))
			return 0;
	}
	/* no component may start with '.' or end with ".lock" */
	for (comp = s; comp; comp = strchr(comp, '/')) {
		const char *end;

		if (*comp == '/')
			comp++;
		if (*comp == '.')
			return 0;
		end = strchr(comp, '/');
		if (end && end - comp >= 5 && !strncmp(end - 5, ".lock", 5))
			return 0;
	}
	return 1;
}

int name_os_id_valid(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");
	return n && !s[n] && n <= max;
}

int name_sha1_valid(const char *s)
{
	return s && strspn(s, "0123456789abcdef") == 40 && !s[40];
}
