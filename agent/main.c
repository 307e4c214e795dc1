/* main: option parsing and subcommand dispatch */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "log.h"
#include "repo.h"
#include "banned.h"

#define CMD_STORE 1	/* needs the home's state database */

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct ctx *ctx);
	int flags;
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, 0, "create the home: layout, configuration, host keys" },
	{ "sshd", cmd_sshd, CMD_STORE, "run the SSH front" },
	{ "app", cmd_app, CMD_STORE, "create, list, show, change and delete apps" },
	{ "key", cmd_key, CMD_STORE, "add, list and remove users' SSH keys" },
	{ "grant", cmd_grant, CMD_STORE, "give a user a role on a repository" },
	{ "revoke", cmd_revoke, CMD_STORE, "take a user's role on a repository away" },
	{ "grants", cmd_grants, CMD_STORE, "list who has which role on which repository" },
	{ "deploy", cmd_deploy, CMD_STORE, "run the pipeline for a revision in the repository" },
	{ "releases", cmd_releases, CMD_STORE, "an app's release history" },
	{ "logs", cmd_logs, CMD_STORE, "a release's log; --follow for a running one" },
	{ "rollback", cmd_rollback, CMD_STORE, "redeploy an earlier release's image, no build" },
	{ "cancel", cmd_cancel, CMD_STORE, "stop an app's running deploy" },
	{ "hook", cmd_hook, CMD_STORE, "what a repository's git hooks run" },
	{ "webhook", cmd_webhook, CMD_STORE, "receive GitLab push and merge webhooks" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: solum [--home DIR] COMMAND [ARGS]\n\n"
		"commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n'solum COMMAND --help' describes a command. The home "
		"is --home, else $SOLUM_HOME, else /var/lib/solum.\n");
}

static char *self_path(const char *argv0)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n > 0) {
		path[n] = '\0';
		return xstrdup(path);
	}
	return xstrdup(argv0);
}

/*
 * The options before the command (--home, --help, --version): the index of
 * the command's name in argv, or -1 when main should return *ret_out.
 */
static int global_options(int argc, char **argv, const char **home_out,
			  int *ret_out)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--home")) {
			if (i + 1 >= argc) {
				*ret_out = cli_errorf("--home needs a directory");
				return -1;
			}
			*home_out = argv[++i];
		} else if (starts_with(argv[i], "--home=", home_out)) {
			;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			*ret_out = 0;
			return -1;
		} else if (!strcmp(argv[i], "--version")) {
			printf("solum 0.1\n");
			*ret_out = 0;
			return -1;
		} else {
			return i;
		}
	}
	usage(stderr);
	*ret_out = 1;
	return -1;
}

/* Open the state database for a command that needs it (not for --help). */
static int open_store(struct ctx *ctx, const struct command *cmd, int argc,
		      char **argv, char **dbpath_out)
{
	struct err err = ERR_INIT;
	struct stat st;

	if (!(cmd->flags & CMD_STORE) ||
	    (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))))
		return 0;
	if (stat(ctx->home, &st) < 0 || !S_ISDIR(st.st_mode))
		return cli_errorf("home '%s' does not exist; run 'solum --home %s init' first",
				  ctx->home, ctx->home);
	*dbpath_out = xstrfmt("%s/solum.db", ctx->home);
	if (store_open(*dbpath_out, &ctx->store, &err) < 0)
		return cli_error(&err);
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx ctx;
	struct err err = ERR_INIT;
	const struct command *cmd = NULL;
	const char *home = NULL;
	char *dbpath = NULL, *abshome = NULL;
	int i, ret = 1;

	/*
	 * What solum creates is its owner's alone (configuration with
	 * passwords, the database, logs, repositories), whatever umask it
	 * was started with; the processes it runs inherit this.
	 */
	umask(077);
	memset(&ctx, 0, sizeof(ctx));
	config_init(&ctx.cfg);
	if ((i = global_options(argc, argv, &home, &ret)) < 0)
		goto out;
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(commands[c].name, argv[i]))
			cmd = &commands[c];
	if (!cmd) {
		ret = cli_errorf("'%s' is not a solum command; see 'solum --help'",
				 argv[i]);
		goto out;
	}
	if (!home)
		home = getenv("SOLUM_HOME");
	if (!home || !*home)
		home = "/var/lib/solum";
	abshome = realpath(home, NULL);
	ctx.home = abshome ? abshome : home;
	ctx.self = self_path(argv[0]);
	ctx.remote_user = getenv("SOLUM_REMOTE") ? getenv("SOLUM_USER") : NULL;
	if (ctx.remote_user && !*ctx.remote_user)
		ctx.remote_user = NULL;

	/* `init` writes the configuration; everyone else reads it */
	if (cmd->fn != cmd_init &&
	    config_load_home(&ctx.cfg, ctx.home, &err) < 0) {
		ret = cli_error(&err);
		goto out;
	}
	ret = open_store(&ctx, cmd, argc - i, argv + i, &dbpath);
	if (!ret)
		ret = cmd->fn(argc - i, argv + i, &ctx);
out:
	store_free(ctx.store);
	config_release(&ctx.cfg);
	free(dbpath);
	free(abshome);
	free((char *)ctx.self);
	repo_git_shutdown();
	return ret;
}
