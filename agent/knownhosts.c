/* knownhosts: an SSH server's host key checked against an OpenSSH
 * known_hosts file */
#include <errno.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "file.h"
#include "knownhosts.h"
#include "banned.h"

#define MAX_FILE (4 << 20)
#define MAX_FIELDS 4

/* "|1|base64(salt)|base64(HMAC-SHA1(salt, name))" matches `name`. */
static int hashed_match(const char *pattern, const char *name)
{
	struct buf salt = BUF_INIT, want = BUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *copy = xstrdup(pattern + 3), *bar = strchr(copy, '|');
	int ok = 0;

	if (bar) {
		*bar = '\0';
		if (buf_add_base64_decoded(&salt, copy, 0) == 0 &&
		    buf_add_base64_decoded(&want, bar + 1, 0) == 0 &&
		    HMAC(EVP_sha1(), salt.ptr, (int)salt.len,
			 (const unsigned char *)name, strlen(name), mac,
			 &maclen) && maclen == want.len &&
		    !CRYPTO_memcmp(mac, want.ptr, maclen))
			ok = 1;
	}
	buf_release(&salt);
	buf_release(&want);
	free(copy);
	return ok;
}

/*
 * OpenSSH's patterns: '*' and '?' are wildcards, nothing else is; case
 * is ignored. Backtracks to the last '*' only: O(pattern * name).
 */
static int wild_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = ++p;
			resume = s;
		} else if (*p && (*p == '?' || tolower((unsigned char)*p) ==
				  tolower((unsigned char)*s))) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return !*p;
}

/* 1 when the comma-separated `patterns` match `name` and no "!" one does. */
static int hosts_match(char *patterns, const char *name)
{
	char *p, *save = NULL;
	int match = 0;

	if (!strncmp(patterns, "|1|", 3))
		return hashed_match(patterns, name);
	for (p = strtok_r(patterns, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		int neg = *p == '!';

		if (wild_match(p + neg, name)) {
			if (neg)
				return 0;
			match = 1;
		}
	}
	return match;
}

/* Split `line` at blanks into at most MAX_FIELDS fields. */
static int split(char *line, char **f)
{
	int n = 0;
	char *p = line;

	while (n < MAX_FIELDS) {
		p += strspn(p, " \t");
		if (!*p || *p == '#')
			break;
		f[n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
	return n;
}

#define LINE_REVOKED 3

/*
 * One line: -1 not about this host, else KNOWNHOSTS_OK (it lists this
 * key), KNOWNHOSTS_CHANGED (another key) or LINE_REVOKED.
 */
static int check_line(char *line, const char *name,
		      const unsigned char *blob, size_t len)
{
	struct buf key = BUF_INIT;
	char *f[MAX_FIELDS];
	int n = split(line, f), revoked = 0, same, i = 0;

	if (n && f[0][0] == '@') {
		if (!strcmp(f[0], "@cert-authority"))
			return -1;
		revoked = !strcmp(f[0], "@revoked");
		if (!revoked)
			return -1;
		i = 1;
	}
	if (n - i < 3 || !hosts_match(f[i], name))
		return -1;
	if (buf_add_base64_decoded(&key, f[i + 2], 1) < 0) {
		buf_release(&key);
		return -1;
	}
	same = key.len == len && !memcmp(key.ptr, blob, len);
	buf_release(&key);
	if (revoked)
		return same ? LINE_REVOKED : -1;
	return same ? KNOWNHOSTS_OK : KNOWNHOSTS_CHANGED;
}

int knownhosts_check(const char *path, const char *host, int port,
		     const unsigned char *blob, size_t len, struct err *err)
{
	struct buf text = BUF_INIT;
	char *name, *line, *save = NULL;
	int ok = 0, other = 0, revoked = 0, r;

	if (file_read_capped(path, MAX_FILE, &text) < 0) {
		if (errno == ENOENT)
			return KNOWNHOSTS_UNKNOWN;
		return err_errno(err, "cannot read known hosts '%s'", path);
	}
	buf_add(&text, "", 1);
	name = port == 22 ? xstrdup(host) : xstrfmt("[%s]:%d", host, port);
	for (line = strtok_r(text.ptr, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		r = check_line(line, name, blob, len);
		ok |= r == KNOWNHOSTS_OK;
		other |= r == KNOWNHOSTS_CHANGED;
		revoked |= r == LINE_REVOKED;
	}
	free(name);
	buf_release(&text);
	/* a host may have several keys; a revoked one fails all the same */
	if (revoked || (!ok && other))
		return KNOWNHOSTS_CHANGED;
	return ok ? KNOWNHOSTS_OK : KNOWNHOSTS_UNKNOWN;
}
