/* hookinput: what git hands a hook (ref updates, push options, the repository) */
#ifndef SOLUM_HOOKINPUT_H
#define SOLUM_HOOKINPUT_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define HOOKINPUT_MAX_UPDATES 1000	/* ref updates accepted in one push */
/* the longest update line git writes: two object names, a ref, a newline */
#define HOOKINPUT_LINE_MAX (40 + 1 + 40 + 1 + 255 + 1)

/* One "<old> <new> <ref>" line of a hook's input. */
struct hookinput_update {
	char old_oid[41];
	char new_oid[41];
	char ref[256];
};

/*
 * Parse one line (without its newline). Returns 0, or -1 with a reason
 * when the line is not two 40-hex object names and a ref name.
 */
int hookinput_parse_update(const char *line, struct hookinput_update *out,
			   struct err *err);

/*
 * Read and check every update line of `in` up to EOF: at most
 * HOOKINPUT_MAX_UPDATES lines of at most HOOKINPUT_LINE_MAX bytes. On
 * success *ups_out (owned: the caller frees it) holds *nr_out updates.
 */
int hookinput_read_updates(FILE *in, struct hookinput_update **ups_out,
			   size_t *nr_out, struct err *err);

/*
 * The repository the hook runs in, from the current directory
 * ("<home>/repos/NAME.git"): writes NAME into name_out (64 bytes).
 */
int hookinput_repo_name(const char *home, char *name_out, size_t size,
			struct err *err);

enum hookinput_mode {
	HOOKINPUT_SYNC,		/* deploy now (the default) */
	HOOKINPUT_ASYNC,	/* -o deploy=async */
	HOOKINPUT_SKIP		/* -o deploy=skip */
};

/*
 * The push options (`git push -o deploy=skip|async|sync`), which git hands
 * to hooks as GIT_PUSH_OPTION_COUNT and GIT_PUSH_OPTION_<i>; the last one
 * wins. Each unknown option is reported on `out`.
 */
enum hookinput_mode hookinput_push_mode(FILE *out);

/*
 * What the pusher reads about a ref that deploys nothing: one that is not a
 * branch, and a branch that no app deploys. One line each on `out`.
 */
void hookinput_say_not_branch(FILE *out, const char *ref);
void hookinput_say_unmapped(FILE *out, const char *branch, const char *repo);

#endif
