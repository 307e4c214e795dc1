/* name: validation of the names users give (apps, repos, users, branches) */
#ifndef SOLUM_NAME_H
#define SOLUM_NAME_H

#include "err.h"

#define NAME_MAX_LEN 63

/*
 * The one rule for app, repository and user names, at every entry point:
 * 1 to 63 of [a-z0-9._-], starting and ending with a letter or digit, no
 * two of '.', '_', '-' in a row. Every consumer takes such a name as it
 * is: the SSH front's repository argument (which strips one ".git"),
 * Docker image and container names, file names under the home
 * (repos/NAME.git, logs/NAME/, the nginx front's NAME.conf).
 * 1 if `s` follows it.
 */
int name_valid(const char *s);

/*
 * Check a name; on failure set err to "invalid <what> name '<s>': <the
 * part of the rule it breaks>" (the name shown escaped and cut short when
 * hostile) and return -1.
 */
int name_check(const char *what, const char *s, struct err *err);

/*
 * Check the `len` bytes at `key` as the name of an environment variable the
 * app gets (a --param or a --secret, named by `what`): [A-Za-z0-9_], not
 * starting with a digit, at most 64 bytes, and none of solum's own: PORT
 * and SOLUM_*. On failure err names the rule broken, never a value.
 */
int name_env_check(const char *what, const char *key, size_t len,
		   struct err *err);

/*
 * 1 if `s` is a branch name solum accepts: what git check-ref-format
 * accepts for refs/heads/<s>, at most 200 bytes, printable ASCII only.
 */
int name_branch_valid(const char *s);

/*
 * Copy `s` into dst (size bytes) for use in a message: control characters
 * and non-ASCII bytes become '?', and the copy is cut with "..." when long.
 */
void name_quote(const char *s, char *dst, size_t size);

/*
 * 1 if `s` is an id as OpenStack services give them (a UUID, or hex):
 * 1 to `max` of letters, digits and '-', nothing else.
 */
int name_os_id_valid(const char *s, size_t max);

/* 1 if `s` is a git object name: exactly 40 lowercase hex digits. */
int name_sha1_valid(const char *s);

#endif
