/* access: every role check, for git verbs and admin verbs, one policy */
#ifndef SOLUM_ACCESS_H
#define SOLUM_ACCESS_H

#include "err.h"
#include "store.h"

/*
 * The policy, for the SSH front's git-receive-pack and git-upload-pack and
 * for every admin command:
 *
 *  - `user` NULL is the operator at the server (a local command): allowed.
 *  - A user without at least the read role on a repository learns nothing
 *    about it: the refusal is word for word the one for a repository (or
 *    app) that does not exist.
 *  - A user who may read it but lacks the role needed is told which role.
 *  - Global verbs (apps created or deleted, keys, grants) need the role on
 *    "*", checked before anything about their object is looked up.
 *
 * Each check returns 0 when allowed; 1 when refused, with err holding the
 * one line for the caller and *why_out (when not NULL) a short reason for
 * the operator's log ("no read role", "no such repository", ...); -1 when
 * the store failed (err for the log, not for the caller).
 */

/* `need` (ROLE_READ, ROLE_PUSH, ROLE_ADMIN) on repository `repo`. */
int access_repo(struct store *s, const char *user, const char *repo,
		int need, const char **why_out, struct err *err);

/*
 * The admin role on `repo`, which may not exist yet (an app moved to a new
 * repository creates it): allowed when the grants on it or on "*" give
 * admin; refused with the same lines as access_repo() otherwise.
 */
int access_repo_create(struct store *s, const char *user, const char *repo,
		       const char **why_out, struct err *err);

/* `need` on "*", for the verbs that are not about one repository. */
int access_global(struct store *s, const char *user, int need,
		  const char **why_out, struct err *err);

/*
 * `need` on the repository of app `name`; when allowed (0) the app is in
 * *out (release it with store_app_release), else *out is empty.
 */
int access_app(struct store *s, const char *user, const char *name,
	       int need, struct store_app *out, const char **why_out,
	       struct err *err);

/*
 * The user's role on `repo` (the higher of the grants on it and on "*"),
 * ROLE_ADMIN for the operator (user NULL). For what a command shows.
 */
int access_role(struct store *s, const char *user, const char *repo,
		int *role_out, struct err *err);

#endif
