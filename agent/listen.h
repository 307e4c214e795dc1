/* listen: a listening TCP socket for the fronts (sshd, webhook) */
#ifndef SOLUM_LISTEN_H
#define SOLUM_LISTEN_H

#include "err.h"

/*
 * Bind and listen on `addr` ("ADDR:PORT", "[ADDR6]:PORT"; a host name
 * is resolved, its first address taken; port 0 picks a free port) with
 * SO_REUSEADDR and `backlog`, and log "listening on ADDR:PORT" with the
 * address and port actually bound. Returns the socket (SOCK_CLOEXEC,
 * SOCK_NONBLOCK), or -1 with err naming the address.
 */
int listen_open(const char *addr, int backlog, struct err *err);

#endif
