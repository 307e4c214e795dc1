/* hook: what the repositories' git hooks run (post-receive, pre-receive) */
#ifndef SOLUM_HOOK_H
#define SOLUM_HOOK_H

#include <stdio.h>

#include "cli.h"
#include "err.h"

#define HOOK_MAX_UPDATES 1000	/* ref updates accepted in one push */

/* One "<old> <new> <ref>" line of a hook's input. */
struct hook_update {
	char old_oid[41];
	char new_oid[41];
	char ref[256];
};

/*
 * Parse one line (without its newline). Returns 0, or -1 with a reason
 * when the line is not two 40-hex object names and a ref name.
 */
int hook_parse_update(const char *line, struct hook_update *out,
		      struct err *err);

/*
 * The repository the hook runs in, from the current directory
 * ("<home>/repos/NAME.git"): writes NAME into name_out (64 bytes).
 */
int hook_repo_name(const char *home, char *name_out, size_t size,
		   struct err *err);

/*
 * Read ref updates from `in` and, for each branch mapped to an app,
 * report and deploy it, writing what the pusher sees to `out`. Returns
 * the hook's exit status (a post-receive hook cannot fail a push), or -1
 * with err when the input itself is bad.
 */
int hook_post_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err);

/* Gate mode: checks run before the refs are updated; non-zero rejects. */
int hook_pre_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err);

#endif
