/* webhook: what a GitLab event does: the apps it is for, its token, the releases it queues */
#ifndef SOLUM_WEBHOOK_H
#define SOLUM_WEBHOOK_H

#include <pthread.h>

#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "webhookev.h"

/* At most this many apps of one project take an event; more are skipped. */
#define WEBHOOK_MAX_APPS 32

/*
 * What the receiver's threads share: ctx->store (one SQLite handle) and
 * everything that queues a release (deploy_queue keeps the release locks
 * it holds in a table of the process) are used under `lock` only.
 */
struct webhook {
	struct ctx *ctx;
	pthread_mutex_t lock;
};

/* An answer: `status` and the JSON object `body` (owned). */
struct webhook_answer {
	int status;
	json_t *body;
	struct buf log;		/* " app=web release=3", for the log line */
};

void webhook_answer_init(struct webhook_answer *a);
void webhook_answer_release(struct webhook_answer *a);
/* Set the answer to `status` and {"error": "<message>"}. */
void webhook_answer_error(struct webhook_answer *a, int status,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Set the answer to `status` and {"ignored": "<reason>"}. */
void webhook_answer_ignored(struct webhook_answer *a, const char *reason);

/*
 * Act on `ev` (a DEPLOY or IGNORE event, webhookev.h), sent with the
 * X-Gitlab-Token `token` and the X-Gitlab-Event-UUID `uuid` (either may
 * be NULL), and fill in *ans:
 *
 *   404 {"error":"no app deploys this project"}: no app's upstream is the
 *       event's project.git_http_url or project.git_ssh_url;
 *   401 {"error":...}: the token is not the webhook secret of any of those
 *       apps (each is compared in constant time, as SHA-256 digests with
 *       CRYPTO_memcmp; an app with no secret takes no event). Nothing
 *       about branches is told before this;
 *   200 {"ignored":...}: an IGNORE event, or no app whose secret is the
 *       token maps the event's branch;
 *   200 {"duplicate":true,"release":N,"app":...}: every app that maps the
 *       branch took this uuid or this newrev before (store_event_take):
 *       nothing is deployed;
 *   202 {"release":N,"app":...}: a release was queued (deploy_queue with
 *       fetch, the pusher from the event) and started in a detached
 *       `solum deploy APP --release N` for each app that had not taken
 *       the event; with several apps, "releases" lists each
 *       {"app","release"[,"duplicate":true]};
 *   500 {"error":...}: the state database failed;
 *   503 {"error":...}: a release could not be queued or started: its
 *       event is forgotten, so that GitLab's retry is taken.
 */
void webhook_take(struct webhook *wh, const struct webhookev *ev,
		  const char *token, const char *uuid,
		  struct webhook_answer *ans);

#endif
