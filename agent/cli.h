/* cli: the subcommands (admin commands, init, hook entry points) */
#ifndef SOLUM_CLI_H
#define SOLUM_CLI_H

#include "config.h"
#include "err.h"
#include "store.h"

/*
 * What every command gets. main() fills home and cfg; store is opened
 * for commands that need it (CMD_STORE). `remote_user` is set when the
 * command was run over SSH by that user (the command checks its role).
 */
struct ctx {
	const char *home;
	struct config cfg;
	struct store *store;
	const char *remote_user;
	const char *self;	/* absolute path of the solum binary */
};

/* Each returns the process exit status, having printed any error. */
int cmd_init(int argc, char **argv, struct ctx *ctx);
int cmd_sshd(int argc, char **argv, struct ctx *ctx);
int cmd_app(int argc, char **argv, struct ctx *ctx);
int cmd_key(int argc, char **argv, struct ctx *ctx);
int cmd_grant(int argc, char **argv, struct ctx *ctx);
int cmd_revoke(int argc, char **argv, struct ctx *ctx);
int cmd_hook(int argc, char **argv, struct ctx *ctx);
int cmd_deploy(int argc, char **argv, struct ctx *ctx);
int cmd_releases(int argc, char **argv, struct ctx *ctx);
int cmd_logs(int argc, char **argv, struct ctx *ctx);
int cmd_rollback(int argc, char **argv, struct ctx *ctx);
int cmd_cancel(int argc, char **argv, struct ctx *ctx);

/* Print "solum: <msg>" on stderr and return 1 (an exit status). */
int cli_error(const struct err *err);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
