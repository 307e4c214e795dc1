/* report: a deploy's outcome told where the team looks (GitLab commit
 * statuses, Gerrit review comments) */
#ifndef SOLUM_REPORT_H
#define SOLUM_REPORT_H

#include "cli.h"
#include "err.h"
#include "out.h"
#include "store.h"

#define REPORT_TIMEOUT_SECS 10	/* one report, connect to answer */

/* An `app set --report` value, parsed (reportspec.c); strings owned. */
struct report_spec {
	enum { REPORT_GITLAB = 1, REPORT_GERRIT } kind;
	char *url;	/* gitlab: "API_URL/projects/ID", no trailing '/' */
	char *user;	/* gerrit: */
	char *host;	/* a name or an address; IPv6 without brackets */
	int port;	/* 29418 when not given */
};

/*
 * Parse "gitlab:API_URL/projects/ID" (API_URL http:// or https://, e.g.
 * https://gitlab.example.com/api/v4; ID a number or a URL-encoded path
 * such as group%2Fproject) or "gerrit:ssh://USER@HOST[:PORT]". Returns 0,
 * or -1 with the reason in err; *out needs report_spec_release either way.
 */
int report_spec_parse(const char *spec, struct report_spec *out,
		      struct err *err);
void report_spec_release(struct report_spec *r);

enum report_state {
	REPORT_PENDING,		/* the deploy starts */
	REPORT_SUCCESS,		/* it runs at rel->url */
	REPORT_FAILED,		/* rel->error says why */
	REPORT_CANCELED		/* cancelled, or superseded by a newer one */
};

/*
 * Tell app->report (nothing when NULL) that release `rel` (its commit,
 * number, url, error) is in `state`. GitLab: POST
 * API_URL/projects/ID/statuses/COMMIT with PRIVATE-TOKEN
 * app->report_token, state pending, success, failed or canceled, the
 * app's URL as target_url. Gerrit: `gerrit review --message MSG COMMIT`
 * over SSH with client.identity, the host checked against
 * client.known_hosts; pending is not reported there. Bounded by
 * REPORT_TIMEOUT_SECS. A failure is shown on `o` as one line,
 *   "       warning: could not report to GitLab (success): <reason>",
 * that never carries the token, and logged (log_warnx) when no pusher
 * reads `o` (in a push, solum's stderr reaches the pusher too); it never
 * fails the deploy.
 */
void report_deploy(struct ctx *ctx, const struct store_app *app,
		   const struct store_release *rel, enum report_state state,
		   struct out *o);

#endif
