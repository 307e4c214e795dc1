/* webhook: what a GitLab event does: the apps it is for, its token, the releases it queues */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "deploy.h"
#include "log.h"
#include "name.h"
#include "webhook.h"
#include "webhookd.h"
#include "banned.h"

void webhook_answer_init(struct webhook_answer *a)
{
	a->status = 500;
	a->body = NULL;
	buf_init(&a->log);
}

void webhook_answer_release(struct webhook_answer *a)
{
	json_decref(a->body);
	buf_release(&a->log);
	webhook_answer_init(a);
}

static void set_answer(struct webhook_answer *a, int status, json_t *body)
{
	json_decref(a->body);
	a->status = status;
	a->body = body;
}

void webhook_answer_error(struct webhook_answer *a, int status,
			  const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_answer(a, status, json_pack("{s:s}", "error", msg));
}

void webhook_answer_ignored(struct webhook_answer *a, const char *reason)
{
	set_answer(a, 200, json_pack("{s:s}", "ignored", reason));
}

/* ---- the apps with an upstream, as of the store's data version ---- */

static void sha256(const EVP_MD *md, const void *data, size_t len,
		   unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, md, NULL) != 1 || n != 32)
		BUG("SHA-256 failed");
}

int webhook_init(struct webhook *wh, struct ctx *ctx, struct err *err)
{
	char *path = xstrfmt("%s/solum.db", ctx->home);
	int ret;

	memset(wh, 0, sizeof(*wh));
	wh->ctx = ctx;
	pthread_mutex_init(&wh->lock, NULL);
	pthread_mutex_init(&wh->apps_lock, NULL);
	/* fetched once: EVP_sha256() would look it up on every digest */
	wh->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	ret = wh->sha256 ? store_open(path, &wh->probe, err) :
	      err_set(err, "libcrypto has no SHA-256");
	free(path);
	return ret;
}

static void free_apps(struct webhook_app *v, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		free(v[i].name);
		free(v[i].upstream);
		free(v[i].branch);
	}
	free(v);
}

void webhook_release(struct webhook *wh)
{
	free_apps(wh->apps, wh->nr_apps);
	store_free(wh->probe);
	EVP_MD_free(wh->sha256);
	pthread_mutex_destroy(&wh->lock);
	pthread_mutex_destroy(&wh->apps_lock);
	memset(wh, 0, sizeof(*wh));
}

struct app_list {
	const EVP_MD *md;
	struct webhook_app *v;
	size_t nr, alloc, skipped;
};

static int add_app(const struct store_app *a, void *payload)
{
	struct app_list *l = payload;
	struct webhook_app *w;

	if (!a->upstream || !*a->upstream)
		return 0;
	if (l->nr == WEBHOOK_MAX_KNOWN) {
		l->skipped++;
		return 0;
	}
	if (l->nr == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 16;
		l->v = xrealloc(l->v, l->alloc * sizeof(*l->v));
	}
	w = &l->v[l->nr++];
	memset(w, 0, sizeof(*w));
	w->name = xstrdup(a->name);
	w->upstream = xstrdup(a->upstream);
	w->branch = xstrdup(a->branch ? a->branch : "");
	w->has_secret = a->webhook_secret && *a->webhook_secret;
	if (w->has_secret)
		sha256(l->md, a->webhook_secret, strlen(a->webhook_secret),
		       w->digest);
	return 0;
}

/*
 * Read the apps again when the store changed (any commit but the probe's
 * own, and the probe never writes). Under apps_lock.
 */
static int refresh(struct webhook *wh, struct err *err)
{
	struct app_list l = { wh->sha256, NULL, 0, 0, 0 };
	long long version;

	if (store_data_version(wh->probe, &version, err) < 0)
		return -1;
	if (wh->loaded && version == wh->version)
		return 0;
	if (store_app_list(wh->probe, NULL, add_app, &l, err) < 0) {
		free_apps(l.v, l.nr);
		return -1;
	}
	if (l.skipped)
		log_warnx("webhook: %zu apps with an upstream past the first %d are not looked at",
			  l.skipped, WEBHOOK_MAX_KNOWN);
	free_apps(wh->apps, wh->nr_apps);
	wh->apps = l.v;
	wh->nr_apps = l.nr;
	wh->version = version;
	wh->loaded = 1;
	return 0;
}

int webhook_token_known(struct webhook *wh, const char *token,
			struct err *err)
{
	unsigned char want[32];
	size_t i;
	int known = 0, ret;

	if (!token)
		return 0;
	sha256(wh->sha256, token, strlen(token), want);
	pthread_mutex_lock(&wh->apps_lock);
	ret = refresh(wh, err);
	for (i = 0; !ret && i < wh->nr_apps; i++)
		known |= wh->apps[i].has_secret &
			 !CRYPTO_memcmp(wh->apps[i].digest, want, sizeof(want));
	pthread_mutex_unlock(&wh->apps_lock);
	OPENSSL_cleanse(want, sizeof(want));
	return ret < 0 ? -1 : known;
}

/* ---- the apps of the event's project ---- */

/* An app whose upstream is the event's project, and what it did with it. */
struct candidate {
	char name[NAME_MAX_LEN + 1];
	char *branch;		/* owned */
	int has_secret;
	unsigned char digest[32];
	int takes;		/* the token is its secret, the branch its */
	int release;		/* what taking the event gave */
	int duplicate;
	int failed;
};

struct candidates {
	struct candidate v[WEBHOOK_MAX_APPS];
	size_t nr;
	size_t skipped;		/* past WEBHOOK_MAX_APPS */
};

static int same_project(const struct webhook_app *a,
			const struct webhookev *ev)
{
	return (*ev->http_url && !strcmp(a->upstream, ev->http_url)) ||
	       (*ev->ssh_url && !strcmp(a->upstream, ev->ssh_url));
}

/* The apps of the event's project, in name order. */
static int find_candidates(struct webhook *wh, const struct webhookev *ev,
			   struct candidates *cs, struct err *err)
{
	const struct webhook_app *a;
	struct candidate *c;
	size_t i;
	int ret;

	cs->nr = cs->skipped = 0;
	pthread_mutex_lock(&wh->apps_lock);
	ret = refresh(wh, err);
	for (i = 0; !ret && i < wh->nr_apps; i++) {
		a = &wh->apps[i];
		if (!same_project(a, ev))
			continue;
		if (cs->nr == WEBHOOK_MAX_APPS) {
			cs->skipped++;
			continue;
		}
		c = &cs->v[cs->nr++];
		memset(c, 0, sizeof(*c));
		snprintf(c->name, sizeof(c->name), "%s", a->name);
		c->branch = xstrdup(a->branch);
		c->has_secret = a->has_secret;
		memcpy(c->digest, a->digest, sizeof(c->digest));
	}
	pthread_mutex_unlock(&wh->apps_lock);
	return ret;
}

static void candidates_release(struct candidates *cs)
{
	size_t i;

	for (i = 0; i < cs->nr; i++)
		free(cs->v[i].branch);
	cs->nr = 0;
}

/*
 * Mark the candidates whose secret is `token`: every one is compared,
 * whatever the others gave, so the time taken says nothing about which.
 * Returns how many.
 */
static size_t check_token(struct webhook *wh, struct candidates *cs,
			  const char *token)
{
	unsigned char want[32];
	size_t i, n = 0;
	int same;

	sha256(wh->sha256, token ? token : "", token ? strlen(token) : 0, want);
	for (i = 0; i < cs->nr; i++) {
		same = !CRYPTO_memcmp(cs->v[i].digest, want, sizeof(want));
		cs->v[i].takes = same & cs->v[i].has_secret & (token != NULL);
		n += (size_t)cs->v[i].takes;
	}
	OPENSSL_cleanse(want, sizeof(want));
	return n;
}

/* ---- one app takes the event ---- */

static void forget(struct webhook *wh, const char *app, const char *newrev)
{
	struct err e = ERR_INIT;

	if (store_event_forget(wh->ctx->store, app, newrev, &e) < 0)
		log_warnx("webhook: %s", e.msg);
}

/* Queue and start the release for `c`, whose event is recorded (new). */
static int deploy_one(struct webhook *wh, struct candidate *c,
		      const struct webhookev *ev, struct err *err)
{
	struct ctx *ctx = wh->ctx;
	struct store_app app;
	struct deploy_opts opts;
	int rc, n = 0, ret = -1;

	store_app_init(&app);
	rc = store_app_get(ctx->store, c->name, &app, err);
	if (rc == 1)
		err_set(err, "app '%s' was deleted", c->name);
	if (rc)
		goto out;
	memset(&opts, 0, sizeof(opts));
	opts.rev = ev->newrev;
	opts.fetch = 1;
	opts.pusher = ev->pusher;
	if (deploy_queue(ctx, &app, &opts, &n, err) < 0)
		goto out;
	c->release = n;
	if (store_event_set_release(ctx->store, c->name, ev->newrev, n,
				    err) < 0) {
		/* the release is queued all the same: a replay is still
		   a duplicate, only of "release 0" */
		log_warnx("webhook: %s", err->msg);
		err_clear(err);
	}
	ret = deploy_spawn_detached(ctx, c->name, n, err);
	if (!ret)
		__atomic_add_fetch(&wh->running, 1, __ATOMIC_RELAXED);
out:
	store_app_release(&app);
	return ret;
}

/*
 * The event for `c`: a duplicate, or a release queued and started, or
 * failed (c->failed, logged; its event forgotten so that a retry is new).
 */
static void take_one(struct webhook *wh, struct candidate *c,
		     const struct webhookev *ev, const char *uuid)
{
	struct err err = ERR_INIT;
	int rc;

	pthread_mutex_lock(&wh->lock);
	rc = store_event_take(wh->ctx->store, c->name, uuid, ev->newrev,
			      &c->release, &err);
	if (rc == 0 && __atomic_load_n(&wh->running, __ATOMIC_RELAXED) >=
		       wh->ctx->cfg.webhook_max_connections) {
		err_set(&err, "%d deploys this receiver started are still running (webhook.max_connections)",
			wh->ctx->cfg.webhook_max_connections);
		forget(wh, c->name, ev->newrev);
		rc = -1;
	} else if (rc == 0 && deploy_one(wh, c, ev, &err) < 0) {
		forget(wh, c->name, ev->newrev);
		rc = -1;
	}
	pthread_mutex_unlock(&wh->lock);
	if (rc < 0) {
		log_warnx("webhook: app '%s' %s: %s", c->name, ev->newrev,
			  err.msg);
		c->failed = 1;
		return;
	}
	c->duplicate = rc == 1;
}

void webhook_deploy_ended(struct webhook *wh)
{
	if (__atomic_load_n(&wh->running, __ATOMIC_RELAXED) > 0)
		__atomic_sub_fetch(&wh->running, 1, __ATOMIC_RELAXED);
}

/* ---- the answer ---- */

static json_t *release_list(const struct candidates *cs)
{
	json_t *list = json_array();
	const struct candidate *c;
	size_t i;

	for (i = 0; i < cs->nr; i++) {
		c = &cs->v[i];
		if (!c->takes || c->failed)
			continue;
		json_array_append_new(list, json_pack("{s:s,s:i}", "app",
						      c->name, "release",
						      c->release));
		if (c->duplicate)
			json_object_set_new(json_array_get(list,
					    json_array_size(list) - 1),
					    "duplicate", json_true());
	}
	return list;
}

static void answer_taken(struct webhook_answer *ans,
			 const struct candidates *cs, size_t ntaking)
{
	const struct candidate *first = NULL, *failed = NULL, *c;
	json_t *body;
	size_t i;

	for (i = 0; i < cs->nr; i++) {
		c = &cs->v[i];
		if (!c->takes)
			continue;
		buf_addf(&ans->log, " app=%s release=%d%s", c->name,
			 c->release, c->failed ? " (failed)" :
			 c->duplicate ? " (duplicate)" : "");
		if (c->failed && !failed)
			failed = c;
		else if (!c->failed && (!first || (first->duplicate &&
						   !c->duplicate)))
			first = c;
	}
	if (failed) {
		body = json_pack("{s:o}", "error", json_sprintf(
			"cannot queue a release of '%s' now; try again",
			failed->name));
		if (first)
			json_object_set_new(body, "releases", release_list(cs));
		set_answer(ans, 503, body);
		return;
	}
	if (first->duplicate)
		body = json_pack("{s:b,s:i,s:s}", "duplicate", 1, "release",
				 first->release, "app", first->name);
	else
		body = json_pack("{s:i,s:s}", "release", first->release,
				 "app", first->name);
	if (ntaking > 1)
		json_object_set_new(body, "releases", release_list(cs));
	set_answer(ans, first->duplicate ? 200 : 202, body);
}

void webhook_take(struct webhook *wh, const struct webhookev *ev,
		  const char *token, const char *uuid,
		  struct webhook_answer *ans)
{
	struct candidates cs;
	struct err err = ERR_INIT;
	size_t i, ntaking = 0;
	char q[72];

	if (find_candidates(wh, ev, &cs, &err) < 0) {
		log_warnx("webhook: %s", err.msg);
		webhook_answer_error(ans, 500, "state database error; see the receiver's log");
		goto out;
	}
	if (cs.skipped)
		log_warnx("webhook: %zu apps of the project past the first %d were skipped",
			  cs.skipped, WEBHOOK_MAX_APPS);
	if (!cs.nr) {
		webhook_answer_error(ans, 404, "no app deploys this project");
		goto out;
	}
	if (!check_token(wh, &cs, token)) {
		webhook_answer_error(ans, 401, "wrong or missing X-Gitlab-Token");
		goto out;
	}
	if (ev->action != WEBHOOKEV_DEPLOY) {
		webhook_answer_ignored(ans, ev->reason);
		goto out;
	}
	for (i = 0; i < cs.nr; i++) {
		cs.v[i].takes &= !strcmp(cs.v[i].branch, ev->branch);
		ntaking += (size_t)cs.v[i].takes;
	}
	if (!ntaking) {
		name_quote(ev->branch, q, sizeof(q));
		set_answer(ans, 200, json_pack("{s:o}", "ignored", json_sprintf(
			"no app of this project deploys branch '%s'", q)));
		goto out;
	}
	for (i = 0; i < cs.nr; i++)
		if (cs.v[i].takes)
			take_one(wh, &cs.v[i], ev, uuid);
	answer_taken(ans, &cs, ntaking);
out:
	candidates_release(&cs);
}

/* ---- solum webhook ---- */

static const char webhook_usage[] =
	"solum webhook [--listen ADDR:PORT] [--syslog] [--verbose]";

static void print_help(void)
{
	printf("usage: %s\n\n"
	       "Receive GitLab webhooks at POST /hooks/gitlab in the foreground until\n"
	       "SIGTERM or SIGINT: push events and merged merge requests deploy the\n"
	       "apps whose --upstream is the event's project and whose branch is the\n"
	       "event's, when X-Gitlab-Token is the app's --webhook-secret. Each\n"
	       "event deploys once: a replay (same X-Gitlab-Event-UUID, or a commit\n"
	       "the app took already) is answered as a duplicate. The answer (202,\n"
	       "with the release number) comes before the deploy, which runs as a\n"
	       "detached `solum deploy APP --release N` (solum logs APP N).\n"
	       "The address defaults to webhook.listen in solum.yaml; limits are\n"
	       "webhook.max_connections, webhook.timeout and webhook.max_body. Logs\n"
	       "(one line per request) go to stderr, or to syslog with --syslog;\n"
	       "--verbose adds debug lines.\n", webhook_usage);
}

int cmd_webhook(int argc, char **argv, struct ctx *ctx)
{
	struct err err = ERR_INIT;
	struct webhook wh;
	const char *listen;
	int rc;

	/* what the receiver reads (apps' secrets) is its owner's alone */
	rc = cli_front_start(argc, argv, ctx->home, NULL, 0, &listen, &err);
	if (rc == 1) {
		print_help();
		return 0;
	}
	if (rc < 0)
		return cli_exit(-1, &err, webhook_usage);
	if (webhook_init(&wh, ctx, &err) == 0)
		rc = webhookd_run(&wh, listen, &err);
	else
		rc = -1;
	webhook_release(&wh);
	return cli_exit(rc, &err, webhook_usage);
}
