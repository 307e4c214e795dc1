/* repo: the bare repositories under <home>/repos and their hooks */
#ifndef SOLUM_REPO_H
#define SOLUM_REPO_H

#include "err.h"

/* "<home>/repos/<name>.git"; owned string. */
char *repo_path(const char *home, const char *name);

/*
 * Create the bare repository for `name` if missing (receive.fsckObjects,
 * receive.denyNonFastForwards off, default branch master) and (re)install
 * solum's hooks, which run `self --home home hook ...`. Idempotent.
 */
int repo_create(const char *home, const char *name, const char *self,
		struct err *err);

/* Write the hooks into an existing repository's hooks/ directory. */
int repo_install_hooks(const char *gitdir, const char *self, const char *home,
		       struct err *err);

#endif
