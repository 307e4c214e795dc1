/* sshclient: solum as an SSH client (libssh): connect, check the server's
 * host key against known_hosts, log in with solum's key */
#ifndef SOLUM_SSHCLIENT_H
#define SOLUM_SSHCLIENT_H

#include <libssh/libssh.h>

#include "err.h"

struct sshclient_opts {
	const char *host;	/* a name or address, IPv6 without brackets */
	int port;
	const char *user;
	const char *identity;	/* private key file */
	const char *known_hosts;	/* OpenSSH known_hosts file */
	int timeout_secs;	/* connect and each exchange */
};

/*
 * Connect, check the host key (knownhosts.h: an unknown host is refused
 * with the line that would add it, a changed key as such), and
 * authenticate with the identity only (no agent, no ~/.ssh/config, no
 * password). *out is owned: sshclient_close. Errors are one line naming
 * USER@HOST:PORT and what failed.
 */
int sshclient_connect(const struct sshclient_opts *o, ssh_session *out,
		      struct err *err);
void sshclient_close(ssh_session s);

#endif
