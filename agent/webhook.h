/* webhook: what a GitLab event does: the apps it is for, its token, the releases it queues */
#ifndef SOLUM_WEBHOOK_H
#define SOLUM_WEBHOOK_H

#include <pthread.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "buf.h"
#include "cli.h"
#include "webhookev.h"

/* At most this many apps of one project take an event; more are skipped. */
#define WEBHOOK_MAX_APPS 32
/* At most this many apps with an upstream are looked at (the first by name). */
#define WEBHOOK_MAX_KNOWN 10000

/* What an event needs to know of an app: never its secret, only a digest. */
struct webhook_app {
	char *name;		/* owned, as the strings below */
	char *upstream;
	char *branch;
	int has_secret;
	unsigned char digest[32];	/* SHA-256 of the webhook secret */
};

/*
 * What the receiver's threads share. ctx->store (one SQLite handle) and
 * everything that queues a release (deploy_queue keeps the release locks
 * it holds in a table of the process) are used under `lock` only, which
 * only events that deploy take. `apps` are the apps with an upstream as
 * of the store's data version `version`, read through a second handle,
 * `probe`, that never writes, under `apps_lock`: read again whenever the
 * store changed (store_data_version, asked on every request), so that a
 * secret set or removed counts from the next request on, and a request
 * with a wrong token never waits for a deploy being queued.
 */
struct webhook {
	struct ctx *ctx;
	pthread_mutex_t lock;
	pthread_mutex_t apps_lock;
	struct store *probe;
	EVP_MD *sha256;
	struct webhook_app *apps;
	size_t nr_apps;
	long long version;
	int loaded;
	int running;		/* deploys started and not reaped (atomic) */
};

/* Open the probe on ctx's home; webhook_release() in any case. */
int webhook_init(struct webhook *wh, struct ctx *ctx, struct err *err);
void webhook_release(struct webhook *wh);

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
 * 1 when `token` (X-Gitlab-Token; NULL when missing) is the webhook secret
 * of some app, 0 when of none, -1 with err when the store failed. Every
 * app's secret digest is compared (CRYPTO_memcmp of SHA-256 digests), so
 * the time taken says nothing about which. The receiver asks this before
 * it reads the body: a request with a wrong token is answered 401 having
 * cost one digest, and whatever it carries is neither parsed nor told
 * anything about (not even whether its project or its JSON is valid).
 */
int webhook_token_known(struct webhook *wh, const char *token,
			struct err *err);

/*
 * Act on `ev` (a DEPLOY or IGNORE event, webhookev.h), sent with the
 * X-Gitlab-Token `token` and the X-Gitlab-Event-UUID `uuid` (either may
 * be NULL), and fill in *ans:
 *
 *   404 {"error":"no app deploys this project"}: no app's upstream is the
 *       event's project.git_http_url or project.git_ssh_url (the token,
 *       checked by webhook_token_known first, is some other app's);
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
 *   500 {"error":...}: the state database failed while reading the apps;
 *   503 {"error":...}: an app's event could not be taken, its release
 *       queued or started (the store failed, or as many deploys as
 *       webhook.max_connections that this receiver started still run):
 *       its event is forgotten, so that a retry is taken;
 *       the releases other apps queued are listed in "releases".
 */
void webhook_take(struct webhook *wh, const struct webhookev *ev,
		  const char *token, const char *uuid,
		  struct webhook_answer *ans);

/* A deploy process the receiver started was reaped (webhookd's SIGCHLD). */
void webhook_deploy_ended(struct webhook *wh);

#endif
