/* repo: the bare repositories under <home>/repos and their hooks */
#ifndef SOLUM_REPO_H
#define SOLUM_REPO_H

#include "err.h"

/*
 * Initialise libgit2 for this process, once; only commands that read
 * repositories pay for it. repo_git_shutdown() at exit.
 */
int repo_git_init(struct err *err);
void repo_git_shutdown(void);

/* "<home>/repos/<name>.git"; owned string. */
char *repo_path(const char *home, const char *name);

/*
 * Create the bare repository for `name` if missing (receive.fsckObjects,
 * receive.denyNonFastForwards off, default branch master) and (re)install
 * solum's hooks, which run `self --home home hook ...`: post-receive
 * always, pre-receive only when `gate` (an app of the repo deploys in gate
 * mode). Idempotent.
 */
int repo_create(const char *home, const char *name, const char *self,
		int gate, struct err *err);

/* Write the hooks into an existing repository's hooks/ directory. */
int repo_install_hooks(const char *gitdir, const char *self, const char *home,
		       int gate, struct err *err);

#endif
