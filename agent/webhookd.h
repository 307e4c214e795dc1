/* webhookd: the webhook receiver's HTTP server (libmicrohttpd, limits, signals) */
#ifndef SOLUM_WEBHOOKD_H
#define SOLUM_WEBHOOKD_H

#include "err.h"
#include "webhook.h"

/*
 * Serve POST /hooks/gitlab on `listen` ("ADDR:PORT"; NULL: the config's
 * webhook.listen; port 0 picks a free port, which is logged) until
 * SIGTERM or SIGINT; then it stops taking connections (the socket is
 * closed), gives the open ones webhook.timeout seconds to end, stops
 * libmicrohttpd and returns 0. -1 with err when it cannot start.
 *
 * Every answer is one line of JSON and "\n", Content-Type
 * application/json; errors are {"error":"..."}:
 *
 *   404  any other path ({"error":"not found"})
 *   405  any other method on /hooks/gitlab, with "Allow: POST"
 *   413  a Content-Length above webhook.max_body, answered before the
 *        body is read (the connection is then closed); or a chunked body
 *        that grows past it: the rest is read and dropped, up to
 *        4 x webhook.max_body, then answered 413. A body still coming
 *        past that, or webhook.timeout seconds after the request's
 *        headers, has its connection closed without an answer
 *   400  a missing or unknown X-Gitlab-Event, or a malformed
 *        X-Gitlab-Event-UUID
 *   200  {"ignored":...} for event types that never deploy (the token is
 *        not looked at: nothing about any app is told)
 *   401  {"error":"wrong or missing X-Gitlab-Token"} when the token is no
 *        app's webhook secret (webhook_token_known), before the body is
 *        parsed: a stranger learns nothing, not even whether the project
 *        or the JSON was right
 *   400  a body webhookev_parse refuses (the token being some app's)
 *   and what webhook_take answers: 404 (the project is no app's), 401
 *   (the token is another project's app's), 200 ignored or duplicate,
 *   202, 500, 503
 *
 * Limits: webhook.max_connections connections in all, and three quarters
 * of them (at least one) from one IP address; webhook.timeout seconds of
 * silence end a connection (MHD's idle timeout, which also bounds how
 * long the headers may trickle in, 32 KiB of them at most).
 *
 * Threads: libmicrohttpd's internal epoll threads, a pool of as many as
 * there are CPUs (2 to 8); wh->lock serialises the store. Deploys are
 * separate processes (posix_spawn, which closes every descriptor but the
 * three standard ones in the child); SIGCHLD is taken with sigwaitinfo
 * in the calling thread and the children reaped there. SIGTERM, SIGINT,
 * SIGCHLD and SIGHUP are blocked in every thread and SIGPIPE ignored for
 * as long as it runs.
 *
 * One log line per request (log.h): client, method, path, status, and
 * the apps, releases and event uuid where there are some. Never a header
 * value other than the uuid, never the body.
 */
int webhookd_run(struct webhook *wh, const char *listen, struct err *err);

#endif
