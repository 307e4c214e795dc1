/* upstream: an app's upstream repository fetched into solum's (libgit2) */
#ifndef SOLUM_UPSTREAM_H
#define SOLUM_UPSTREAM_H

#include "cli.h"
#include "err.h"
#include "out.h"
#include "store.h"

/*
 * Fetch app->branch of app->upstream (file://, http(s):// or ssh://; over
 * SSH with client.identity, the host key checked against
 * client.known_hosts) into the app's repository as
 * refs/solum/upstream/BRANCH, then make sure `commit` (40 hex) is there.
 * refs/heads/BRANCH moves to `commit` when it fast-forwards (or is
 * missing). Progress lines go to `o`. Returns 0, or -1 with err naming
 * the upstream and what failed (never a credential).
 */
/*
 * 0 when `url` is an upstream solum can fetch from: file://, http(s)://,
 * ssh://[USER@]HOST[:PORT]/PATH or USER@HOST:PATH; else -1 with one line.
 */
int upstream_url_check(const char *url, struct err *err);

int upstream_fetch(struct ctx *ctx, const struct store_app *app,
		   const char *commit, struct out *o, struct err *err);

#endif
