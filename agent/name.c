/* name: validation of the names users give (apps, repos, users, branches) */
#include <stdio.h>
#include <string.h>

#include "name.h"

int name_valid(const char *s)
{
	size_t i, n;

	if (!s)
		return 0;
	n = strlen(s);
	if (n < 1 || n > NAME_MAX_LEN)
		return 0;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return 0;
	}
	/* "x.." style names are fine; path traversal needs a leading '.' */
	return 1;
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
	char q[72];

	if (name_valid(s))
		return 0;
	name_quote(s ? s : "", q, sizeof(q));
	if (!s || !*s)
		return err_set(err, "invalid %s name '': must not be empty", what);
	if (strlen(s) > NAME_MAX_LEN)
		return err_set(err, "invalid %s name '%s': longer than %d characters",
			       what, q, NAME_MAX_LEN);
	return err_set(err, "invalid %s name '%s': use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit",
		       what, q);
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
