/* cli: users' keys and roles — key, grant, revoke, grants */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "access.h"
#include "authkeys.h"
#include "buf.h"
#include "cli.h"
#include "name.h"
#include "banned.h"

#define MAX_KEYS_PER_FILE 100

/* ---- key ---- */

static const char key_usage[] =
	"solum key add USER FILE|-   ('-': standard input; over ssh only '-')\n"
	"   or: solum key list [USER] [--json]\n"
	"   or: solum key remove USER [FINGERPRINT]";

/*
 * Add every key of `f` (authorized_keys lines) for `user`; `what` names
 * the input in messages. Errors say which line, never what it holds.
 */
static int key_add_stream(struct ctx *ctx, const char *user, FILE *f,
			  const char *what, struct err *err)
{
	struct authkey k;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lineno = 0, added = 0, ret = -1;

	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (n > AUTHKEYS_LINE_MAX) {
			err_set(err, "%s:%d: line longer than %d bytes", what,
				lineno, AUTHKEYS_LINE_MAX);
			goto out;
		}
		if (authkeys_is_blank(line))
			continue;
		if (added >= MAX_KEYS_PER_FILE) {
			err_set(err, "%s: more than %d keys", what,
				MAX_KEYS_PER_FILE);
			goto out;
		}
		if (authkey_parse(line, &k, err) < 0) {
			err_wrap(err, "%s:%d", what, lineno);
			goto out;
		}
		if (store_key_add(ctx->store, user, k.type, k.blob, k.comment,
				  k.fingerprint, err) < 0) {
			authkey_release(&k);
			goto out;
		}
		printf("added %s key %s for '%s'\n", k.type, k.fingerprint,
		       user);
		authkey_release(&k);
		added++;
	}
	if (!added) {
		err_set(err, "no public key in %s", what);
		goto out;
	}
	ret = 0;
out:
	free(line);
	return ret;
}

static int key_add(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	FILE *f;
	int ret;

	if (argc != 3)
		return cli_usage(err);
	if (name_check("user", argv[1], err) < 0 ||
	    access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err))
		return -1;
	if (!strcmp(argv[2], "-"))
		return key_add_stream(ctx, argv[1], stdin, "standard input",
				      err);
	/* over ssh no argument names a file of the server, nor probes one */
	if (ctx->remote_user)
		return err_set(err, "over ssh, key add reads the keys from standard input: give '-' for FILE");
	f = fopen(argv[2], "re");
	if (!f)
		return err_errno(err, "cannot read key file '%s'", argv[2]);
	ret = key_add_stream(ctx, argv[1], f, argv[2], err);
	fclose(f);
	return ret;
}

static int key_print(const struct store_key *k, void *payload)
{
	json_t *arr = payload;
	char created[32];

	cli_fmt_time(k->created, created, sizeof(created));
	if (arr)
		json_array_append_new(arr, json_pack(
			"{s:s, s:s, s:s, s:s, s:s}", "user", k->user,
			"type", k->type, "fingerprint", k->fingerprint,
			"comment", k->comment, "created", created));
	else
		printf("%-16s %-20s %s %s\n", k->user, k->type,
		       k->fingerprint, k->comment);
	return 0;
}

static int key_list(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	const char *user = NULL;
	json_t *arr = NULL;
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !json)
			json = 1;
		else if (!user && argv[i][0] != '-')
			user = argv[i];
		else
			return cli_usage(err);
	}
	if (user && name_check("user", user, err) < 0)
		return -1;
	/* a user may list their own keys */
	if (!(user && ctx->remote_user && !strcmp(user, ctx->remote_user)) &&
	    access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err))
		return -1;
	if (json)
		arr = json_array();
	if (store_key_list(ctx->store, user, key_print, arr, err) < 0) {
		json_decref(arr);
		return -1;
	}
	if (arr)
		cli_print_json(arr);
	return 0;
}

static int key_remove(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	int removed = 0;

	if (argc != 2 && argc != 3)
		return cli_usage(err);
	if (name_check("user", argv[1], err) < 0)
		return -1;
	if (argc == 3 && (!starts_with(argv[2], "SHA256:", NULL) ||
			  strlen(argv[2]) > 80))
		return err_set(err, "invalid fingerprint '%.80s': expected SHA256:... as 'solum key list' shows",
			       argv[2]);
	if (access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err) ||
	    store_key_remove(ctx->store, argv[1], argc == 3 ? argv[2] : NULL,
			     &removed, err) < 0)
		return -1;
	if (!removed && argc == 3)
		return err_set(err, "user '%s' has no key %s", argv[1], argv[2]);
	if (!removed)
		return err_set(err, "user '%s' has no keys", argv[1]);
	printf("removed %d key%s of '%s'\n", removed, removed == 1 ? "" : "s",
	       argv[1]);
	return 0;
}

int cmd_key(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	int rc;

	if (argc < 2)
		return cli_exit(cli_usage(&err), &err, key_usage);
	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nUsers log in with the OpenSSH public keys registered here\n"
		       "(authorized_keys lines, without options).\n", key_usage);
		return 0;
	}
	if (!strcmp(argv[1], "add"))
		rc = key_add(argc - 1, argv + 1, ctx, &err);
	else if (!strcmp(argv[1], "list"))
		rc = key_list(argc - 1, argv + 1, ctx, &err);
	else if (!strcmp(argv[1], "remove"))
		rc = key_remove(argc - 1, argv + 1, ctx, &err);
	else
		rc = err_set(&err, "unknown key command '%.40s'; see 'solum key --help'",
			     argv[1]);
	return cli_exit(rc, &err, key_usage);
}

/* ---- grant, revoke, grants ---- */

static const char grant_usage[] =
	"solum grant USER REPO [--role read|push|admin]   (REPO '*': every repository)";
static const char revoke_usage[] = "solum revoke USER REPO";
static const char grants_usage[] = "solum grants [USER|REPO] [--json]";

/* A repository argument of grant and revoke: a name, or "*". */
static int check_repo_arg(const char *repo, struct err *err)
{
	return strcmp(repo, "*") ? name_check("repository", repo, err) : 0;
}

static int grant_parse(int argc, char **argv, const char **pos, int *role,
		       struct err *err)
{
	int npos = 0, i;

	for (i = 1; i < argc; i++) {
		const char *v;

		if (!strcmp(argv[i], "--role") && i + 1 < argc)
			v = argv[++i];
		else if (starts_with(argv[i], "--role=", &v))
			;
		else if (argv[i][0] != '-' && npos < 2) {
			pos[npos++] = argv[i];
			continue;
		} else
			return cli_usage(err);
		if (store_role_parse(v, role) < 0)
			return err_set(err, "invalid role '%.20s': use read, push or admin",
				       v);
	}
	return npos == 2 ? 0 : cli_usage(err);
}

static int grant_run(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	const char *pos[2] = { NULL, NULL };
	int role = ROLE_PUSH, rc;

	if (grant_parse(argc, argv, pos, &role, err) < 0 ||
	    name_check("user", pos[0], err) < 0 ||
	    check_repo_arg(pos[1], err) < 0)
		return -1;
	/* the role first: a refusal says nothing of what exists */
	if (access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err))
		return -1;
	if (strcmp(pos[1], "*")) {
		rc = store_repo_exists(ctx->store, pos[1], err);
		if (rc <= 0)
			return rc < 0 ? -1 : err_set(err, "repository '%s' not found (create an app for it first)",
						     pos[1]);
	}
	if (store_grant(ctx->store, pos[0], pos[1], role, err) < 0)
		return -1;
	printf("granted %s on '%s' to '%s'\n", store_role_name(role), pos[1],
	       pos[0]);
	return 0;
}

int cmd_grant(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nread: clone and fetch; push: also push and deploy; admin: also manage\n"
		       "the repository's apps. admin on '*' administers solum.\n", grant_usage);
		return 0;
	}
	return cli_exit(grant_run(argc, argv, ctx, &err), &err, grant_usage);
}

static int revoke_run(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	int removed = 0;

	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return cli_usage(err);
	if (name_check("user", argv[1], err) < 0 ||
	    check_repo_arg(argv[2], err) < 0 ||
	    access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err) ||
	    store_revoke(ctx->store, argv[1], argv[2], &removed, err) < 0)
		return -1;
	if (!removed)
		return err_set(err, "user '%s' has no role on '%s'", argv[1],
			       argv[2]);
	printf("revoked the role of '%s' on '%s'\n", argv[1], argv[2]);
	return 0;
}

int cmd_revoke(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n", revoke_usage);
		return 0;
	}
	return cli_exit(revoke_run(argc, argv, ctx, &err), &err, revoke_usage);
}

struct grants_list {
	const char *filter;	/* a user or a repository; NULL: all */
	json_t *arr;
};

static int grant_print(const struct store_grant *g, void *payload)
{
	struct grants_list *gl = payload;

	if (gl->filter && strcmp(g->user, gl->filter) &&
	    strcmp(g->repo, gl->filter))
		return 0;
	if (gl->arr)
		json_array_append_new(gl->arr, json_pack("{s:s, s:s, s:s}",
			"user", g->user, "repo", g->repo,
			"role", store_role_name(g->role)));
	else
		printf("%-24s %-24s %s\n", g->user, g->repo,
		       store_role_name(g->role));
	return 0;
}

static int grants_run(int argc, char **argv, struct ctx *ctx,
		      struct err *err)
{
	struct grants_list gl = { NULL, NULL };
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && !json)
			json = 1;
		else if (!gl.filter && argv[i][0] != '-')
			gl.filter = argv[i];
		else
			return cli_usage(err);
	}
	if (gl.filter && strcmp(gl.filter, "*") &&
	    name_check("user or repository", gl.filter, err) < 0)
		return -1;
	if (access_global(ctx->store, ctx->remote_user, ROLE_ADMIN, NULL, err))
		return -1;
	if (json)
		gl.arr = json_array();
	else
		printf("%-24s %-24s %s\n", "USER", "REPO", "ROLE");
	if (store_grant_list(ctx->store, NULL, grant_print, &gl, err) < 0) {
		json_decref(gl.arr);
		return -1;
	}
	if (gl.arr)
		cli_print_json(gl.arr);
	return 0;
}

int cmd_grants(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;

	if (cli_wants_help(argc, argv)) {
		printf("usage: %s\n\nWho has which role on which repository ('*': every one), by user;\n"
		       "USER or REPO keeps the grants of that user or on that repository.\n",
		       grants_usage);
		return 0;
	}
	return cli_exit(grants_run(argc, argv, ctx, &err), &err, grants_usage);
}
