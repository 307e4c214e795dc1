/* session: one SSH connection, in its own process (auth, channel, command) */
#ifndef SOLUM_SESSION_H
#define SOLUM_SESSION_H

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "config.h"

/*
 * In a new connection's process, while SIGTERM, SIGINT and SIGCHLD are
 * still blocked: a connection's own handlers. SIGTERM or SIGINT ends a
 * connection that has not authenticated at once; later it closes an idle
 * connection and refuses a new command, and a running command finishes.
 */
void session_signals(void);

/*
 * Serve the connection on the accepted socket `fd` (taken over, closed by
 * the time this returns) from `peer` ("ADDR:PORT", for the log): key
 * exchange with `bind`'s host keys and algorithms, public-key
 * authentication against the store in cfg->home, then one command on one
 * session channel (git-receive-pack, git-upload-pack or an admin verb run
 * as `<self> --home <home> VERB...`), its output and exit status.
 * `startup_fd` is closed once the client is authenticated, which tells the
 * listener the connection no longer counts as a startup. Returns when the
 * connection has ended and any command it started has finished.
 */
void session_run(const struct config *cfg, const char *self, ssh_bind bind,
		 int fd, int startup_fd, const char *peer);

#endif
