/* dockerignore: .dockerignore parsing and matching with Docker's own rules */
#ifndef SOLUM_DOCKERIGNORE_H
#define SOLUM_DOCKERIGNORE_H

#include <stddef.h>

#include "err.h"

/*
 * A list of patterns read from a .dockerignore file, matched against
 * slash-separated paths relative to the top of the build context. This is
 * pure: no file is opened here.
 *
 * The rules are Docker's (the docker CLI's ignore file reader and moby's
 * pattern matcher), so a context sent by solum holds what `docker build`
 * would send:
 *
 *  - lines starting with `#` are comments; a UTF-8 BOM is dropped; each line
 *    is trimmed of leading and trailing white space; blank lines are skipped;
 *  - a leading `!` makes an exception; the pattern is cleaned like Go's
 *    filepath.Clean (`a//b/../c` is `a/c`) and a leading `/` is dropped;
 *  - `*` matches any run of characters but `/`, `?` one character but `/`,
 *    `[...]` a class (`[^...]` negated, `a-z` ranges), `\` escapes the next
 *    character, `**` any number of directories (zero included);
 *  - a pattern that matches a directory matches everything below it;
 *  - the last pattern that matches a path decides: excluded, or re-included
 *    by an exception;
 *  - during a walk, an excluded directory is skipped whole unless the text
 *    of some exception starts with the directory's path (Docker's test:
 *    `!dir/keep` keeps `dir` open, `!*.keep` does not).
 *
 * Known differences from Docker, all in patterns Docker itself mishandles:
 * `*` and `?` inside `[...]` are plain characters, `\` followed by a letter
 * is that letter, `^` outside a class is a plain character, and a class
 * range running backwards (`[z-a]`) is refused when the file is read rather
 * than failing each match.
 *
 * Matching keeps scratch space in the struct: one `struct dockerignore` must
 * not be used by two threads at once.
 */
struct dockerignore;

/* Bounds on what is read, so that a hostile file cannot exhaust memory. */
#define DOCKERIGNORE_MAX_SIZE (1024 * 1024)
#define DOCKERIGNORE_MAX_PATTERNS 10000
#define DOCKERIGNORE_MAX_PATTERN 4096

/* An empty list (excludes nothing). Owned: free with dockerignore_free(). */
struct dockerignore *dockerignore_new(void);

/* Free `di` and its patterns; NULL is a no-op. */
void dockerignore_free(struct dockerignore *di);

/*
 * Read the contents of an ignore file (`len` bytes, not NUL-terminated) and
 * append its patterns. `name` names the file in error messages, for
 * instance "'.dockerignore' line 3: syntax error in pattern '[a-'". Fails
 * past the bounds above or on a pattern that Docker refuses; on failure `di`
 * keeps the patterns that came before the bad line.
 */
int dockerignore_read(struct dockerignore *di, const char *name,
		      const char *data, size_t len, struct err *err);

/*
 * Append one pattern as Docker's matcher takes it (white space trimmed,
 * cleaned, `!` for an exception; the leading `/` is dropped by the file
 * reader, not here). An empty pattern is ignored.
 */
int dockerignore_add(struct dockerignore *di, const char *pattern,
		     struct err *err);

/*
 * Make sure `path` is sent even if the patterns exclude it, as Docker does
 * for the Dockerfile and `.dockerignore`: if it matches, the exception
 * `!path` is appended.
 */
int dockerignore_keep(struct dockerignore *di, const char *path,
		      struct err *err);

/* Number of patterns, and whether any of them is an exception. */
size_t dockerignore_count(const struct dockerignore *di);
int dockerignore_has_exceptions(const struct dockerignore *di);

/*
 * Pattern `i` (< dockerignore_count()) as cleaned, without its `!`;
 * `*exclusion_out` (optional) is set for an exception. Borrowed: valid
 * until dockerignore_free().
 */
const char *dockerignore_pattern(const struct dockerignore *di, size_t i,
				 int *exclusion_out);

/*
 * 1 if `path` or one of its parent directories is matched (and not
 * re-included by a later exception), else 0: Docker's
 * MatchesOrParentMatches. `.` is never matched.
 */
int dockerignore_matches(struct dockerignore *di, const char *path);

/* Like dockerignore_matches but parent directories are not tried. */
int dockerignore_matches_exact(struct dockerignore *di, const char *path);

/*
 * Matching during a walk from the top of the context down (Docker's
 * MatchesUsingParentResults). `parent` is the state returned for the
 * directory holding `path`, or NULL at the top level. The state of `path`
 * is written to `state_out` (dockerignore_state_size() bytes, owned by the
 * caller), to be passed down to its entries when `path` is a directory.
 * Returns 1 if `path` is excluded, else 0.
 */
size_t dockerignore_state_size(const struct dockerignore *di);
int dockerignore_match_walk(struct dockerignore *di, const char *path,
			    const unsigned char *parent,
			    unsigned char *state_out);

/*
 * For a directory that dockerignore_match_walk() excluded: 1 if the walk must
 * still look inside it because an exception may re-include something below
 * it, 0 if it is skipped whole.
 */
int dockerignore_descend(const struct dockerignore *di, const char *dir);

/*
 * The whole decision for one path, walking its parent directories from the
 * top as a build context walk does: 1 if `path` is left out of the context,
 * 0 if it is sent. The path is taken as a file; its parents as directories.
 */
int dockerignore_excluded(struct dockerignore *di, const char *path);

#endif
