/* nginx: the app front: one nginx master per home, a stable port per app */
#ifndef SOLUM_NGINX_H
#define SOLUM_NGINX_H

#include <sys/types.h>

#include "config.h"
#include "err.h"

/*
 * The local backend publishes each release of an app on a port of its
 * own. In front of them solum runs one nginx master per home, with one
 * server block per app listening on the app's stable port
 * (<local_bind>:<listen_port>) and proxying to the current release.
 *
 * Everything lives under <home>/nginx/, written by solum:
 *   nginx.conf      rewritten on every change; edits are lost
 *   apps/APP.conf   one server block per app
 *   nginx.pid, error.log, lock, tmp/ (nginx's temp paths)
 * The master runs as `nginx -c <home>/nginx/nginx.conf -p <home>/nginx/
 * -e <home>/nginx/error.log`, daemonized (its own session, stdio on
 * /dev/null), so it outlives the solum process that started it. The
 * program is local.nginx (a path, or a name looked up in PATH, else in
 * /usr/sbin). When solum runs as root the workers run as nginx's default
 * user (nobody), who cannot enter the home (0700): so request and
 * response bodies stream through, never to a temporary file.
 *
 * Calls on one home are serialised by a lock on <home>/nginx/lock that
 * the kernel drops when its holder dies; a call waits for it at most
 * NGINX_LOCK_SECS.
 *
 * Errors are one line naming the step and the app, with nginx's own
 * message where there is one:
 *   nginx: reload for app 'web': nginx: [emerg] bind() to 127.0.0.1:80 failed (98: Address already in use)
 */

#define NGINX_CONFIRM_SECS 10	/* for a new route to answer */
#define NGINX_DRAIN_SECS 10	/* for old workers to finish, at most */
#define NGINX_STOP_SECS 10	/* for a graceful stop */
#define NGINX_LOCK_SECS 60

/*
 * Point APP's stable port at backend_host:backend_port, the container of
 * release `release`, and return once that is what serves new requests.
 *
 * `app` matches [a-z0-9][a-z0-9._-]{0,62}; ports are 1..65535;
 * `backend_host` is an IPv4 or IPv6 literal or "localhost"; `release` is
 * >= 0; `listen_port` must not be routed to another app. Invalid input is
 * refused before anything changes.
 *
 * Steps: write apps/APP.conf atomically; `nginx -t` (on failure the
 * previous file is put back); start the master if it is not running, else
 * reload it gracefully (SIGHUP); then confirm, within NGINX_CONFIRM_SECS:
 * (1) every worker that ran before the reload has stopped accepting
 * connections (it is gone or "shutting down"), and (2) a fresh
 * `GET http://<local_bind>:<listen_port>/` is answered with
 * `X-Solum-Release: <release>` (any status: a 502 from a dead backend
 * still proves the route). Then it waits up to NGINX_DRAIN_SECS for the
 * old workers to finish their in-flight requests, which are never cut.
 *
 * So when this returns 0, every new connection to the stable port goes to
 * the new backend and the caller may stop the old container. On -1 the
 * previous file is back in place and nginx serves what it served before.
 */
int nginx_route(const struct config *cfg, const char *app, int listen_port,
		const char *backend_host, int backend_port, int release,
		struct err *err);

/*
 * Remove APP's route: delete apps/APP.conf and, when the master runs,
 * reload and wait until the old workers no longer accept connections (so
 * the port is closed). No route for APP is not an error.
 */
int nginx_unroute(const struct config *cfg, const char *app,
		  struct err *err);

/*
 * Stop the master gracefully (SIGQUIT: in-flight requests finish) and wait
 * up to NGINX_STOP_SECS for it to exit; then SIGTERM and a few seconds
 * more. Not running is not an error.
 */
int nginx_stop(const struct config *cfg, struct err *err);

/*
 * 1 if this home's master runs (the pid in nginx.pid is alive and is an
 * nginx master started with this home's nginx.conf), else 0. `pid_out`
 * (optional) gets its pid, or 0.
 */
int nginx_running(const struct config *cfg, pid_t *pid_out);

/*
 * Write <home>/nginx/ and its nginx.conf (no app yet), so that the front
 * can be started on its own, e.g. by contrib/systemd/solum-front.service,
 * before any deploy: a master that runs already is reloaded by deploys,
 * never restarted, so it stays in whatever service started it.
 */
int nginx_prepare(const struct config *cfg, struct err *err);

/*
 * One GET of http://<local_bind>:<listen_port>/: the HTTP status (any) with
 * *release_out the X-Solum-Release it carried (0: none), or -1 when
 * nothing answered, the reason in err.
 */
long nginx_answer(const struct config *cfg, int listen_port, int *release_out,
		  struct err *err);

/* Remove temporary files an interrupted change of APP's route left. */
void nginx_clean_temp(const struct config *cfg, const char *app);

#endif
