/* sshd: the SSH front's listener (accept, limits, connection processes, signals) */
#ifndef SOLUM_SSHD_H
#define SOLUM_SSHD_H

#include "config.h"
#include "err.h"

/*
 * Serve SSH on `listen` ("ADDR:PORT", "[ADDR6]:PORT"; NULL means
 * cfg->sshd_listen; port 0 picks a free port, which is logged) until
 * SIGTERM or SIGINT. `cfg->home` is the home; `self` is the absolute path
 * of the solum binary, run for the admin verbs as
 * `<self> --home <home> VERB ARGS...` with SOLUM_REMOTE=1 and
 * SOLUM_USER=<user> in its environment.
 *
 * Process model (OpenSSH's): this process accepts and forks one process
 * per connection, which runs session_run() (key exchange, authentication,
 * the one command) and opens the store itself. At most
 * cfg->sshd_max_startups connections are in the key exchange and
 * authentication at once: a further one is accepted and waits, unanswered,
 * for one of them to end (OpenSSH would drop it). A connection beyond
 * cfg->sshd_max_sessions in all (running and waiting), or one that has
 * waited cfg->sshd_login_grace_time seconds, is refused with an
 * SSH_MSG_DISCONNECT saying why ("too many connections, try again later"),
 * not a reset. A connection not authenticated within
 * cfg->sshd_login_grace_time seconds is closed; one without traffic for
 * cfg->sshd_idle_timeout seconds ends.
 *
 * The algorithms offered are cfg->sshd_kex, sshd_ciphers, sshd_macs and
 * sshd_hostkey_algorithms; a name libssh does not know in any of them is
 * an error naming the key and the name.
 *
 * On SIGTERM/SIGINT the listening socket is closed, unauthenticated and
 * idle connections are closed, commands that are running (a push) finish,
 * and sshd_run returns 0 once every connection has ended. It returns -1
 * with err set only when it cannot start (address, algorithms, host keys).
 *
 * Operator logs go through log.h. Installs its own handlers for SIGTERM,
 * SIGINT, SIGCHLD and ignores SIGPIPE and SIGHUP for as long as it runs.
 */
int sshd_run(const struct config *cfg, const char *self, const char *listen,
	     struct err *err);

#endif
