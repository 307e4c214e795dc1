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
	long long deadline;	/* out_now_ms() at which connecting gives up */
};

/*
 * "host" on port 22, else "[host]:port", as known_hosts writes them:
 * what messages call the server.
 */
void sshclient_where(const char *host, int port, char *dst, size_t size);

/*
 * Connect, check the host key with libssh against o->known_hosts alone
 * (no ~/.ssh/config, no other known_hosts: an unknown host, a changed
 * key or a key of another type is refused, saying what to do), and log
 * in with the identity only (no agent, no password). Each step gets what
 * is left until o->deadline. *out is owned: sshclient_close. Errors are
 * one line naming [HOST]:PORT and what failed.
 */
int sshclient_connect(const struct sshclient_opts *o, ssh_session *out,
		      struct err *err);

/* Give the next blocking libssh call what is left until `deadline`. */
int sshclient_budget(ssh_session s, long long deadline, struct err *err);

/* Disconnect (a peer that stopped answering gets a second) and free. */
void sshclient_close(ssh_session s);

#endif
