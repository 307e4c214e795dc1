/* name: validation of the names users give (apps, repos, users, branches) */
#ifndef SOLUM_NAME_H
#define SOLUM_NAME_H

#include "err.h"

#define NAME_MAX_LEN 63

/* 1 if `s` matches [a-z0-9][a-z0-9._-]{0,62} and is not "." or "..". */
int name_valid(const char *s);

/*
 * Check a name; on failure set err to "invalid <what> name '<s>': ..." (the
 * name is shown escaped and cut short when hostile) and return -1.
 */
int name_check(const char *what, const char *s, struct err *err);

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

#endif
