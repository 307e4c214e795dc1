/* repo: the bare repositories under <home>/repos and their hooks */
#ifndef SOLUM_REPO_H
#define SOLUM_REPO_H

#include <git2.h>

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

/*
 * Open repository `name` of `home`, libgit2 set up first. In a
 * pre-receive hook (gate mode) the pushed objects are still in git's
 * quarantine (GIT_QUARANTINE_PATH): it is added as an alternate so that
 * they can be read. *out is owned (git_repository_free).
 */
int repo_open(const char *home, const char *name, git_repository **out,
	      struct err *err);

/*
 * The commit and tree (40 hex each) of `rev` in repository `name`, or of
 * the head of `branch` when rev is NULL. An unknown revision is one line
 * naming it and the repository.
 */
int repo_resolve(const char *home, const char *name, const char *branch,
		 const char *rev, char commit_out[41], char tree_out[41],
		 struct err *err);

#endif
