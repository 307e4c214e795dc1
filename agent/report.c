/* report: a deploy's outcome told where the team looks (dispatch, GitLab) */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "http.h"
#include "log.h"
#include "name.h"
#include "redact.h"
#include "reportapi.h"
#include "banned.h"

#define MAX_ANSWER (64 * 1024)	/* bytes of GitLab's answer we read */
#define MAX_URL 1024		/* a target_url longer than this is left out */

/* GitLab's names of the states (the order of enum report_state) */
static const char *const state_names[] = {
	"pending", "success", "failed", "canceled"
};

static int printable(int c)
{
	return c >= 0x20 && c < 0x7f;
}

void report_sanitize(struct buf *b, const char *s, size_t max,
		     int (*keep)(int c))
{
	size_t i, n = strlen(s);

	if (n > max)
		n = max > 3 ? max - 3 : 0;
	for (i = 0; i < n; i++)
		buf_addch(b, keep((unsigned char)s[i]) ? s[i] : '?');
	if (n < strlen(s))
		buf_addstr(b, "...");
}

void report_describe(const struct store_release *rel, enum report_state state,
		     struct buf *b)
{
	size_t start = b->len;

	buf_addf(b, "v%d ", rel->number);
	switch (state) {
	case REPORT_PENDING:
		buf_addstr(b, "deploying");
		break;
	case REPORT_SUCCESS:
		buf_addstr(b, "is running");
		break;
	case REPORT_FAILED:
		buf_addstr(b, "failed");
		if (rel->error && *rel->error) {
			buf_addstr(b, ": ");
			report_sanitize(b, rel->error,
					REPORT_TEXT_MAX - (b->len - start),
					printable);
		}
		break;
	case REPORT_CANCELED:
		buf_addstr(b, rel->status && !strcmp(rel->status, "superseded") ?
			   "superseded by a newer push" : "cancelled");
		break;
	}
}

/* A URL we pass on: http(s), printable, no spaces or quotes. */
static int url_ok(const char *url)
{
	const char *p;

	if (strlen(url) > MAX_URL || (!starts_with(url, "http://", NULL) &&
				      !starts_with(url, "https://", NULL)))
		return 0;
	for (p = url; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("\"'\\`<>", *p))
			return 0;
	return 1;
}

/*
 * Where the app answers (owned), or NULL: this release's URL, else the
 * one the last release that succeeded gave.
 */
static char *app_url(struct ctx *ctx, const struct store_app *app,
		     const struct store_release *rel)
{
	struct store_release ok;
	struct err e = ERR_INIT;
	char *url = NULL;

	if (rel->url) {
		url = xstrdup(rel->url);
	} else {
		store_release_init(&ok);
		if (store_release_latest(ctx->store, app->name, "succeeded",
					 &ok, &e) == 0 && ok.url)
			url = xstrdup(ok.url);
		store_release_release(&ok);
	}
	if (url && !url_ok(url)) {
		free(url);
		url = NULL;
	}
	return url;
}

/*
 * Why GitLab said no, from the answer's "message" or "error" (a string,
 * or the JSON of what is there instead), else its first line.
 */
static void explain_answer(const struct http_response *res, struct err *err)
{
	struct buf why = BUF_INIT;
	json_t *j = json_loadb(res->body.ptr, res->body.len, 0, NULL);
	json_t *m = json_object_get(j, "message");
	char *text = NULL;

	if (!m)
		m = json_object_get(j, "error");
	if (json_is_string(m))
		text = xstrdup(json_string_value(m));
	else if (m)
		text = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		text = xstrndup(res->body.ptr, strcspn(res->body.ptr, "\r\n"));
	report_sanitize(&why, text, REPORT_REASON_MAX, printable);
	err_set(err, "GitLab answered HTTP %ld%s%s", res->status,
		why.len ? ": " : "", why.ptr);
	free(text);
	buf_release(&why);
	json_decref(j);
}

/* The status's JSON (owned): state, name, description, target_url. */
static char *status_body(const struct store_app *app,
			 const struct store_release *rel,
			 enum report_state state, const char *url)
{
	struct buf desc = BUF_INIT;
	char *name = xstrfmt("solum/%s", app->name), *body;
	json_t *j;

	report_describe(rel, state, &desc);
	j = json_pack("{s:s, s:s, s:s}", "state", state_names[state],
		      "name", name, "description", desc.ptr);
	if (j && url)
		json_object_set_new(j, "target_url", json_string(url));
	body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (!body)
		BUG("cannot encode a commit status");
	json_decref(j);
	free(name);
	buf_release(&desc);
	return body;
}

int report_gitlab(const struct report_spec *spec, const struct store_app *app,
		  const struct store_release *rel, enum report_state state,
		  const char *url, struct err *err)
{
	struct http *h = NULL;
	struct http_request req;
	struct http_response res;
	const char *headers[4];
	char *body = NULL, *path = NULL, *token = NULL;
	const char *p;
	int ret = -1;

	if (!app->report_token)
		return err_set(err, "no token (solum app set %s --report-token -)",
			       app->name);
	for (p = app->report_token; *p; p++)
		if (!printable((unsigned char)*p))
			return err_set(err, "the token holds a control character");
	if (!rel->commit || !name_sha1_valid(rel->commit))
		return err_set(err, "release v%d has no commit id", rel->number);
	http_response_init(&res);
	if (http_new(spec->url, &h, err) < 0)
		goto out;
	http_set_timeouts(h, REPORT_TIMEOUT_SECS, 0);
	http_set_retries(h, 0, 0);
	body = status_body(app, rel, state, url);
	path = xstrfmt("/statuses/%s", rel->commit);
	token = xstrfmt("PRIVATE-TOKEN: %s", app->report_token);
	headers[0] = token;
	headers[1] = "Content-Type: application/json";
	headers[2] = "Accept: application/json";
	headers[3] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = path;
	req.headers = headers;
	req.body = body;
	req.body_len = strlen(body);
	req.max_body = MAX_ANSWER;
	req.timeout_secs = REPORT_TIMEOUT_SECS;
	if (http_request(h, &req, &res, err) < 0)
		goto out;
	if (res.status != 200 && res.status != 201) {
		explain_answer(&res, err);
		goto out;
	}
	ret = 0;
out:
	free_secret(token);
	free(path);
	free(body);
	http_response_release(&res);
	http_free(h);
	return ret;
}

/*
 * One line on `o` for the pusher and the release log; the operator's log
 * gets it too when no pusher sees `o` (a detached deploy, a webhook, a
 * pusher who hung up): in a push, solum's stderr is the pusher's too.
 */
static void warn(const struct store_app *app, const struct store_release *rel,
		 const char *to, enum report_state state, const char *why,
		 struct out *o)
{
	struct redact red;
	struct buf line = BUF_INIT;

	/* whatever the remote said, the token is not repeated */
	redact_init(&red);
	if (app->report_token)
		redact_add(&red, app->report_token);
	redact_append(&red, &line, why, sizeof(((struct err *)0)->msg));
	redact_release(&red);
	out_printf(o, "       warning: could not report to %s (%s): %s", to,
		   state_names[state], line.ptr);
	if (!o->client)
		log_warnx("%s v%d: could not report to %s (%s): %s", app->name,
			  rel->number, to, state_names[state], line.ptr);
	buf_release(&line);
}

void report_deploy(struct ctx *ctx, const struct store_app *app,
		   const struct store_release *rel, enum report_state state,
		   struct out *o)
{
	struct report_spec spec;
	struct err err = ERR_INIT;
	char *url = NULL;
	int rc;

	if (!app->report)
		return;
	if (report_spec_parse(app->report, &spec, &err) < 0) {
		warn(app, rel, "its --report target", state, err.msg, o);
		report_spec_release(&spec);
		return;
	}
	/* a review comment for each deploy that starts would be noise */
	if (spec.kind == REPORT_GERRIT && state == REPORT_PENDING) {
		report_spec_release(&spec);
		return;
	}
	url = app_url(ctx, app, rel);
	if (spec.kind == REPORT_GITLAB)
		rc = report_gitlab(&spec, app, rel, state, url, &err);
	else
		rc = report_gerrit(ctx, &spec, app, rel, state, url, &err);
	if (rc < 0)
		warn(app, rel, spec.kind == REPORT_GITLAB ? "GitLab" : "Gerrit",
		     state, err.msg, o);
	free(url);
	report_spec_release(&spec);
}
