/* gitssh: libgit2's fetches over SSH, done with libssh (sshclient.h)
 * rather than libgit2's own SSH, so that they speak what solum's SSH front
 * and OpenSSH speak and check hosts the way solum does */
#ifndef SOLUM_GITSSH_H
#define SOLUM_GITSSH_H

#include <git2.h>
#include <git2/sys/transport.h>

#include "err.h"
#include "out.h"

/* An SSH git URL: ssh://[USER@]HOST[:PORT]/PATH or [USER@]HOST:PATH. */
struct gitssh_url {
	char *user;	/* "git" when the URL names none */
	char *host;	/* IPv6 without brackets */
	int port;	/* 22 when the URL names none */
	char *path;	/* as git-upload-pack gets it */
};

/*
 * 1 and *out filled (gitssh_url_release) when `url` is an SSH git URL, 0
 * when it is of another kind (file://, http://, a local path), -1 with
 * err set when it is SSH but malformed, or its path holds a quote or a
 * control character.
 */
int gitssh_url_parse(const char *url, struct gitssh_url *out,
		     struct err *err);
void gitssh_url_release(struct gitssh_url *u);

/* What one fetch's transport needs; borrowed. */
struct gitssh {
	const char *identity;	/* solum's private key */
	const char *known_hosts;
	int timeout_secs;	/* connect; and silence while reading */
	struct out *o;		/* ticked while waiting: a cancel stops it */
	struct err *why;	/* set to what failed, for the caller */
};

/*
 * A git_transport_cb for git_remote_callbacks.transport (payload: a
 * struct gitssh): upload-pack over a libssh channel, fetches only.
 */
int gitssh_transport(git_transport **out, git_remote *owner, void *payload);

#endif
