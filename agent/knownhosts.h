/* knownhosts: an SSH server's host key checked against an OpenSSH
 * known_hosts file */
#ifndef SOLUM_KNOWNHOSTS_H
#define SOLUM_KNOWNHOSTS_H

#include <stddef.h>

#include "err.h"

enum knownhosts_result {
	KNOWNHOSTS_OK = 0,	/* a line for the host holds this key */
	KNOWNHOSTS_UNKNOWN = 1,	/* no line for the host (or no file) */
	KNOWNHOSTS_CHANGED = 2	/* the host's lines hold other keys only,
				   or this key is @revoked */
};

/*
 * Look `host` (port 22: "host", else "[host]:port", as ssh writes them;
 * plain, wildcard or hashed "|1|" patterns, "!" negations) up in the
 * known_hosts file `path` and compare `blob` (the key in SSH wire format,
 * what the server sent) with the keys of its lines. @cert-authority
 * lines are skipped. Returns a knownhosts_result, or -1 with err set
 * when the file cannot be read (a missing file is KNOWNHOSTS_UNKNOWN).
 */
int knownhosts_check(const char *path, const char *host, int port,
		     const unsigned char *blob, size_t len, struct err *err);

#endif
