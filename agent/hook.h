/* hook: what the repositories' git hooks run (post-receive, pre-receive) */
#ifndef SOLUM_HOOK_H
#define SOLUM_HOOK_H

#include <stdio.h>

#include "cli.h"
#include "err.h"

/*
 * Read ref updates from `in` (see hookinput.h) and, for each branch
 * mapped to an app, report and deploy it, writing what the pusher sees to
 * `out`. Returns the hook's exit status (a post-receive hook cannot fail
 * a push), or -1 with err when the input itself is bad.
 */
int hook_post_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err);

/* Gate mode: checks run before the refs are updated; non-zero rejects. */
int hook_pre_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err);

#endif
