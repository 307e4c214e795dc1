/* cli: the subcommands (admin commands, init, hook entry points) */
#ifndef SOLUM_CLI_H
#define SOLUM_CLI_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "err.h"
#include "store.h"

/*
 * What every command gets. main() fills home and cfg; store is opened
 * for commands that need it (CMD_STORE). `remote_user` is set when the
 * command was run over SSH by that user (the command checks its role
 * with access_*; NULL is the operator at the server).
 */
struct ctx {
	const char *home;
	struct config cfg;
	struct store *store;
	const char *remote_user;
	const char *self;	/* absolute path of the solum binary */
};

/*
 * Each returns the process exit status, having printed any error: 0, 1 for
 * a failure, 129 for a usage error. cli.c: init, sshd, hook; cli-app.c:
 * app; cli-keys.c: key, grant, revoke, grants; cli-releases.c: deploy,
 * releases, logs, rollback, cancel.
 */
int cmd_init(int argc, char **argv, struct ctx *ctx);
int cmd_sshd(int argc, char **argv, struct ctx *ctx);
int cmd_app(int argc, char **argv, struct ctx *ctx);
int cmd_key(int argc, char **argv, struct ctx *ctx);
int cmd_grant(int argc, char **argv, struct ctx *ctx);
int cmd_revoke(int argc, char **argv, struct ctx *ctx);
int cmd_grants(int argc, char **argv, struct ctx *ctx);
int cmd_hook(int argc, char **argv, struct ctx *ctx);
int cmd_deploy(int argc, char **argv, struct ctx *ctx);
int cmd_releases(int argc, char **argv, struct ctx *ctx);
int cmd_logs(int argc, char **argv, struct ctx *ctx);
int cmd_rollback(int argc, char **argv, struct ctx *ctx);
int cmd_cancel(int argc, char **argv, struct ctx *ctx);
/* webhook.c: the GitLab webhook receiver */
int cmd_webhook(int argc, char **argv, struct ctx *ctx);

/* cli-appshow.c: `app list` and `app show` for cmd_app (argv[0] is the verb) */
int cli_app_list(int argc, char **argv, struct ctx *ctx, struct err *err);
int cli_app_show(int argc, char **argv, struct ctx *ctx, struct err *err);

/* Print "solum: <msg>" on stderr and return 1 (an exit status). */
int cli_error(const struct err *err);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For the cmd_* files. Below cmd_*, a helper returns 0 or -1 with the
 * reason in err, and never an exit status; cli_exit() is the one place
 * that turns its result into one.
 */
#define CLI_EUSAGE (-1000)	/* err->code: wrong arguments */
#define CLI_EPRINTED (-1001)	/* err->code: the failure was told already */

/* Set err to "wrong arguments" (CLI_EUSAGE) and return -1. */
int cli_usage(struct err *err);

/*
 * What both fronts (sshd, webhook) take: --listen ADDR:PORT (to
 * *listen_out, NULL when not given), --syslog, --verbose, --help. Parses
 * them; then, like OpenSSH's StrictModes, refuses a `home` whose
 * directory, solum.yaml, database or `extra` paths (under the home)
 * others can read or write, with one line naming the path; then sets up
 * logging. 0 to go on, 1 for --help (the caller prints its help), -1
 * with err set (cli_usage's for a usage error).
 */
int cli_front_start(int argc, char **argv, const char *home,
		    const char *const *extra, size_t nr_extra,
		    const char **listen_out, struct err *err);
/* Set err to "already told" (CLI_EPRINTED) and return -1. */
int cli_printed(struct err *err);

/*
 * The exit status for a helper's result `rc` (0 or -1 with err): 0; 129
 * after printing "usage: <usage>" for CLI_EUSAGE; 1 after printing
 * "solum: <msg>" (nothing for CLI_EPRINTED).
 */
int cli_exit(int rc, const struct err *err, const char *usage);

/* 1 if argv[1..] holds --help or -h. */
int cli_wants_help(int argc, char **argv);

/* Print `j` (stolen) indented, keys sorted. */
void cli_print_json(json_t *j);

/* "2024-01-31T12:00:00Z" into dst. */
void cli_fmt_time(time_t t, char *dst, size_t size);

/*
 * Read standard input to its end into *out (owned, NUL-terminated): at
 * most `max` bytes, no NUL byte. `what` names it in errors ("template").
 */
int cli_read_stdin(const char *what, size_t max, char **out,
		   struct err *err);

#endif
