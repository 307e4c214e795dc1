/* access: every role check, for git verbs and admin verbs, one policy */
#include <stddef.h>

#include "access.h"
#include "banned.h"

static void set_why(const char **why_out, const char *why)
{
	if (why_out)
		*why_out = why;
}

int access_role(struct store *s, const char *user, const char *repo,
		int *role_out, struct err *err)
{
	if (!user) {
		*role_out = ROLE_ADMIN;
		return 0;
	}
	return store_role(s, user, repo, role_out, err);
}

static const char *missing_role(int need)
{
	return need >= ROLE_ADMIN ? "no admin role" :
		need >= ROLE_PUSH ? "no push role" : "no read role";
}

static int repo_check(struct store *s, const char *user, const char *repo,
		      int need, int missing_ok, const char **why_out,
		      struct err *err)
{
	int exists, role = ROLE_NONE;

	set_why(why_out, NULL);
	exists = store_repo_exists(s, repo, err);
	if (exists < 0 || ((exists || missing_ok) &&
			   access_role(s, user, repo, &role, err) < 0))
		return -1;
	if (!exists && missing_ok && role >= need)
		return 0;
	if (!exists || role < ROLE_READ) {
		/* the same line either way: no read role hides the repository */
		set_why(why_out, exists ? "no read role" : "no such repository");
		err_set(err, "repository '%s' not found", repo);
		return 1;
	}
	if (role >= need)
		return 0;
	set_why(why_out, missing_role(need));
	if (need == ROLE_PUSH)
		err_set(err, "user '%s' may not push to '%s'", user, repo);
	else
		err_set(err, "user '%s' needs the %s role on '%s' for this",
			user, store_role_name(need), repo);
	return 1;
}

int access_repo(struct store *s, const char *user, const char *repo,
		int need, const char **why_out, struct err *err)
{
	return repo_check(s, user, repo, need, 0, why_out, err);
}

int access_repo_create(struct store *s, const char *user, const char *repo,
		       const char **why_out, struct err *err)
{
	return repo_check(s, user, repo, ROLE_ADMIN, 1, why_out, err);
}

int access_global(struct store *s, const char *user, int need,
		  const char **why_out, struct err *err)
{
	int role;

	set_why(why_out, NULL);
	if (access_role(s, user, "*", &role, err) < 0)
		return -1;
	if (role >= need)
		return 0;
	set_why(why_out, "no global role");
	err_set(err, "user '%s' needs the global %s role for this (grant %s '*' --role %s)",
		user, store_role_name(need), user, store_role_name(need));
	return 1;
}

int access_app(struct store *s, const char *user, const char *name,
	       int need, struct store_app *out, const char **why_out,
	       struct err *err)
{
	int rc, role = ROLE_NONE;

	set_why(why_out, NULL);
	rc = store_app_get(s, name, out, err);
	if (rc < 0) {
		store_app_init(out);
		return -1;
	}
	if (rc == 0 && access_role(s, user, out->repo, &role, err) < 0) {
		store_app_release(out);
		return -1;
	}
	if (rc == 1 || role < ROLE_READ) {
		if (rc == 0)
			store_app_release(out);
		else
			store_app_init(out);
		set_why(why_out, rc == 1 ? "no such app" : "no read role");
		err_set(err, "app '%s' not found", name);
		return 1;
	}
	if (role >= need)
		return 0;
	set_why(why_out, missing_role(need));
	err_set(err, "user '%s' needs the %s role on repository '%s' for app '%s'",
		user, store_role_name(need), out->repo, name);
	store_app_release(out);
	return 1;
}
