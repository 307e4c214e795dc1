/* hostkey: the SSH front's host keys under <home>/ssh (create, load) */
#ifndef SOLUM_HOSTKEY_H
#define SOLUM_HOSTKEY_H

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "err.h"

/*
 * Create the host keys <home>/ssh/host_ed25519_key and
 * <home>/ssh/host_rsa_key (3072 bits), and solum's client key
 * <home>/ssh/id_ed25519 (fetches of upstreams, reports to Gerrit: the
 * default of client.identity), mode 0600, each with its ".pub"
 * next to it, when they are missing; <home>/ssh is created (0700) if
 * needed. Existing keys are left alone, so this is idempotent. A key is
 * written to a temporary file and renamed into place, so a crash leaves
 * no half-written key.
 */
int hostkey_ensure(const char *home, struct err *err);

/*
 * Load both host keys into `bind`, which owns them from then on. A key
 * readable by others is loaded with a warning; a key file that holds
 * another type of key than its name says (an ECDSA key, say) is an error,
 * so that the server offers exactly the Ed25519 and RSA keys.
 */
int hostkey_load(ssh_bind bind, const char *home, struct err *err);

#endif
