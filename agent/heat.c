/* heat: an app's Heat stack, created or updated, its events followed */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "buf.h"
#include "heatapi.h"
#include "name.h"
#include "banned.h"

#define MAX_BODY (1u << 20)		/* a stack, an error answer */
#define MAX_ID HEAT_MAX_ID
#define MAX_NAME 255
#define MAX_STATUS 64
#define MAX_REASON 2048
#define MAX_MESSAGE 400			/* bytes of Heat's text in an error */
#define MAX_OUTPUT 512			/* bytes of an output value shown */
#define MAX_URL 2048
#define MAX_TIMEOUT_MINS (7 * 24 * 60)
#define REQUEST_SECS 60
#define MAX_BUSY_RETRIES 20		/* 409 answers to one update */

/* ---- small helpers ---- */

/* Heat's stack names: a letter, then letters, digits, "_.-" (ids pass). */
int heat_valid_name(const char *s)
{
	size_t n = s ? strlen(s) : 0, i;

	if (!n || n > MAX_NAME)
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= '0' && s[i] <= '9') &&
		    !(s[i] >= 'a' && s[i] <= 'z') &&
		    !(s[i] >= 'A' && s[i] <= 'Z') &&
		    (!i || (s[i] != '-' && s[i] != '_' && s[i] != '.')))
			return 0;
	return 1;
}

static int valid_status(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (!n || n > MAX_STATUS)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'A' && *s <= 'Z') && *s != '_')
			return 0;
	return 1;
}

int heat_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

void heat_set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? xstrdup(s) : NULL;
}

/* ---- hidden values ---- */

static void mask_init(struct redact *m, const struct heat_spec *spec)
{
	size_t i;

	redact_init(m);
	for (i = 0; spec->hidden && i < spec->hidden->nr; i++) {
		json_t *v = json_object_get(spec->params, spec->hidden->v[i]);
		char *text;

		if (json_is_string(v)) {
			redact_add(m, json_string_value(v));
		} else if (v && (text = json_dumps(v, JSON_COMPACT |
						     JSON_ENCODE_ANY))) {
			redact_add(m, text);
			free_secret(text);
		}
	}
}

/* One line to `out` (may be NULL), masked. */
void heat_say(struct out *out, const struct redact *m, const char *fmt, ...)
{
	struct buf raw = BUF_INIT, line = BUF_INIT;
	va_list ap;

	if (!out)
		return;
	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	redact_append(m, &line, raw.ptr, OUT_LINE_MAX - 8);
	out_line(out, line.ptr);
	memset(raw.ptr, 0, raw.len);	/* unmasked */
	buf_release(&raw);
	buf_release(&line);
}

/* err_set with the text masked. */
int heat_err_masked(struct err *err, const struct redact *m,
		      const char *fmt, ...)
{
	struct buf raw = BUF_INIT, line = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&raw, fmt, ap);
	va_end(ap);
	redact_append(m, &line, raw.ptr, sizeof(err->msg) - 4);
	err_set(err, "%s", line.ptr);
	memset(raw.ptr, 0, raw.len);	/* unmasked */
	buf_release(&raw);
	buf_release(&line);
	return -1;
}

/* ---- requests ---- */

/* One request, JSON both ways; `body` (may be NULL) is sent and wiped. */
int heat_call(struct heat *h, const char *method, const char *path,
		json_t *body, size_t max_body, struct http_response *res,
		struct err *err)
{
	static const char *const headers[] = {
		"Accept: application/json", "Content-Type: application/json",
		NULL
	};
	static const char *const want[] = { "Location", NULL };
	struct http_request req;
	char *text = NULL;
	int ret;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.headers = headers;
	req.want_headers = want;
	req.max_body = max_body ? max_body : MAX_BODY;
	req.timeout_secs = REQUEST_SECS;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return err_set(err, "%s %s: cannot encode the request",
				       method, path);
		req.body = text;
		req.body_len = strlen(text);
	}
	ret = keystone_request(h->ks, h->http, &req, res, err);
	free_secret(text);	/* it holds the parameters */
	return ret;
}

/* Heat's message in an error answer ({"error": {"message": ...}}). */
static void add_message(struct buf *b, const struct http_response *res,
			const struct redact *m)
{
	json_t *root = json_loadb(res->body.ptr, res->body.len, 0, NULL);
	const char *msg = heat_json_str(json_object_get(root, "error"), "message",
			       MAX_BODY);
	struct buf first = BUF_INIT;

	if (!msg)
		msg = heat_json_str(root, "explanation", MAX_BODY);
	if (!msg && !root && res->body.len && !memchr(res->body.ptr, '<', 1)) {
		buf_add(&first, res->body.ptr,
			strcspn(res->body.ptr, "\r\n"));
		msg = first.ptr;
	}
	if (msg && *msg) {
		buf_addstr(b, ": ");
		redact_append(m, b, msg, MAX_MESSAGE);
		buf_rtrim(b);
	}
	buf_release(&first);
	json_decref(root);
}

/*
 * The error of an answer that is not what `what` wanted. A 403 to a
 * token of an application credential is Heat failing to create a trust.
 */
int heat_answer_error(struct heat *h, const struct http_response *res,
			const struct redact *m, struct err *err,
			const char *fmt, ...)
{
	const struct clouds_cloud *c = keystone_cloud(h->ks);
	struct buf msg = BUF_INIT, what = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&what, fmt, ap);
	va_end(ap);
	if (res->status == 403 && c && c->auth_type == CLOUDS_AUTH_APPCRED) {
		err_set(err, "heat: %s: HTTP 403: Heat cannot create a trust with a token of an application credential; use auth_type password for cloud '%s' in clouds.yaml (the only other way: the operator sets keystone's insecure allow_insecure_application_credential_trust_escalation)",
			what.ptr, c->name ? c->name : "?");
	} else {
		add_message(&msg, res, m);
		heat_err_masked(err, m, "heat: %s: HTTP %ld%s", what.ptr,
			   res->status, msg.ptr);
	}
	buf_release(&msg);
	buf_release(&what);
	return -1;
}

/* The stack id at the end of a Location ("…/stacks/NAME/ID?…"). */
static int id_from_location(const char *loc, char id_out[MAX_ID + 1])
{
	size_t end, start;

	if (!loc)
		return -1;
	end = strcspn(loc, "?#");
	start = end;
	while (start > 0 && loc[start - 1] != '/')
		start--;
	if (end - start > MAX_ID || end == start)
		return -1;
	memcpy(id_out, loc + start, end - start);
	id_out[end - start] = '\0';
	return name_os_id_valid(id_out, MAX_ID) ? 0 : -1;
}

/* ---- the session ---- */

int heat_open(struct keystone *ks, struct heat **out, struct err *err)
{
	struct heat *h = xcalloc(1, sizeof(*h));
	size_t n;

	*out = NULL;
	h->ks = ks;
	if (keystone_endpoint(ks, "orchestration", NULL, NULL, &h->url,
			      err) < 0)
		goto fail;
	n = strlen(h->url);
	while (n > 0 && h->url[n - 1] == '/')
		h->url[--n] = '\0';
	if (keystone_connect(ks, h->url, &h->http, err) < 0) {
		err_wrap(err, "heat");
		goto fail;
	}
	*out = h;
	return 0;
fail:
	heat_free(h);
	return -1;
}

void heat_free(struct heat *h)
{
	if (!h)
		return;
	http_free(h->http);
	free(h->url);
	free(h);
}

void heat_stack_release(struct heat_stack *s)
{
	free(s->id);
	free(s->name);
	free(s->status);
	free(s->reason);
	json_decref(s->outputs);
	memset(s, 0, sizeof(*s));
}

void heat_result_release(struct heat_result *r)
{
	free(r->stack_id);
	free(r->status);
	json_decref(r->outputs);
	free(r->url);
	memset(r, 0, sizeof(*r));
}

/* ---- one stack ---- */

/* {"outputs": [{"output_key": k, "output_value": v}, ...]} as {k: v} */
static json_t *outputs_from(json_t *list)
{
	json_t *o = json_object(), *item;
	size_t i;

	json_array_foreach(list, i, item) {
		const char *key = heat_json_str(item, "output_key", MAX_NAME);
		json_t *v = json_object_get(item, "output_value");

		if (key && *key)
			json_object_set(o, key, v ? v : json_null());
	}
	return o;
}

static int stack_from(const struct http_response *res, int with_outputs,
		      struct heat_stack *s, struct err *err)
{
	json_t *root = json_loadb(res->body.ptr, res->body.len, 0, NULL);
	json_t *st = json_object_get(root, "stack");
	const char *id = heat_json_str(st, "id", MAX_ID);
	const char *status = heat_json_str(st, "stack_status", MAX_STATUS);
	json_t *outputs = json_object_get(st, "outputs");

	if (!json_is_object(st) || !name_os_id_valid(id, MAX_ID) || !valid_status(status)) {
		json_decref(root);
		return err_set(err, "the answer is not a stack");
	}
	s->id = xstrdup(id);
	s->status = xstrdup(status);
	heat_set_str(&s->name, heat_json_str(st, "stack_name", MAX_NAME));
	heat_set_str(&s->reason, heat_json_str(st, "stack_status_reason", MAX_REASON));
	if (with_outputs)
		s->outputs = json_is_array(outputs) ? outputs_from(outputs) :
			     json_object();
	json_decref(root);
	return 0;
}

/* GET /stacks/NAME[/ID]; the redirect of a lookup by name is followed. */
int heat_stack_show(struct heat *h, const char *name, const char *id,
		      int with_outputs, const struct redact *m,
		      struct heat_stack *s, struct err *err)
{
	struct http_response res;
	char found[MAX_ID + 1];
	char *path;
	int ret = -1;

	memset(s, 0, sizeof(*s));
	http_response_init(&res);
	path = xstrfmt("/stacks/%s%s%s%s", name, id ? "/" : "", id ? id : "",
		       with_outputs ? "" : "?resolve_outputs=False");
	if (heat_call(h, "GET", path, NULL, 0, &res, err) < 0) {
		err_wrap(err, "heat: stack '%s'", name);
		goto out;
	}
	if (!id && res.status == 302 &&
	    !id_from_location(http_response_header(&res, "Location"), found)) {
		ret = heat_stack_show(h, name, found, with_outputs, m, s, err);
		goto out;
	}
	if (res.status == 404) {
		err_set(err, "heat: stack '%s' not found", name);
		err->code = HEAT_ENOTFOUND;
		goto out;
	}
	if (res.status != 200) {
		heat_answer_error(h, &res, m, err, "stack '%s'", name);
		goto out;
	}
	if (stack_from(&res, with_outputs, s, err) < 0) {
		err_wrap(err, "heat: stack '%s'", name);
		goto out;
	}
	if (!strcmp(s->status, "DELETE_COMPLETE")) {
		heat_stack_release(s);
		err_set(err, "heat: stack '%s' not found", name);
		err->code = HEAT_ENOTFOUND;
		goto out;
	}
	ret = 0;
out:
	free(path);
	http_response_release(&res);
	return ret;
}

int heat_stack_get(struct heat *h, const char *name, int with_outputs,
		   struct heat_stack *out, struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (!heat_valid_name(name))
		return err_set(err, "heat: invalid stack name or id");
	return heat_stack_show(h, name, NULL, with_outputs, NULL, out, err);
}

/* ---- deploy ---- */

static int check_spec(const struct heat_spec *spec, struct err *err)
{
	if (!heat_valid_name(spec->name) || !((spec->name[0] >= 'a' &&
					  spec->name[0] <= 'z') ||
					 (spec->name[0] >= 'A' &&
					  spec->name[0] <= 'Z')))
		return err_set(err, "heat: invalid stack name (a letter, then letters, digits, '_', '.' or '-', at most %d)",
			       MAX_NAME);
	if (!spec->template_text)
		return err_set(err, "heat: stack '%s': no template", spec->name);
	if (spec->params && !json_is_object(spec->params))
		return err_set(err, "heat: stack '%s': the parameters are not an object",
			       spec->name);
	if (spec->timeout_mins < 1 || spec->timeout_mins > MAX_TIMEOUT_MINS)
		return err_set(err, "heat: stack '%s': timeout of %d min out of range (1 to %d)",
			       spec->name, spec->timeout_mins,
			       MAX_TIMEOUT_MINS);
	return 0;
}

/* The body of a create (with the stack's name) or of an update. */
static json_t *stack_body(const struct heat_spec *spec, int create,
			  struct err *err)
{
	json_t *b, *t = json_string(spec->template_text);

	if (!t) {
		err_set(err, "heat: stack '%s': the template is not UTF-8 text",
			spec->name);
		return NULL;
	}
	b = json_object();
	if (create)
		json_object_set_new(b, "stack_name", json_string(spec->name));
	json_object_set_new(b, "template", t);
	json_object_set_new(b, "parameters", spec->params ?
			    json_deep_copy(spec->params) : json_object());
	json_object_set_new(b, "timeout_mins",
			    json_integer(spec->timeout_mins));
	json_object_set_new(b, "disable_rollback", json_false());
	if (spec->tags)
		json_object_set_new(b, "tags", json_string(spec->tags));
	return b;
}

static int create(struct heat *h, const struct heat_spec *spec,
		  struct heat_follow *f, struct err *err)
{
	struct http_response res;
	json_t *body = stack_body(spec, 1, err), *root = NULL;
	const char *id;
	int ret = -1;

	if (!body)
		return -1;
	http_response_init(&res);
	if (heat_call(h, "POST", "/stacks", body, 0, &res, err) < 0) {
		err_wrap(err, "heat: create stack '%s'", spec->name);
		goto out;
	}
	if (res.status != 201 && res.status != 200) {
		heat_answer_error(h, &res, f->mask, err, "create stack '%s'",
			     spec->name);
		goto out;
	}
	root = json_loadb(res.body.ptr, res.body.len, 0, NULL);
	id = heat_json_str(json_object_get(root, "stack"), "id", MAX_ID);
	if (!name_os_id_valid(id, MAX_ID)) {
		err_set(err, "heat: create stack '%s': the answer has no stack id",
			spec->name);
		goto out;
	}
	xsnprintf(f->id, sizeof(f->id), "%s", id);
	ret = 0;
out:
	json_decref(root);
	json_decref(body);
	http_response_release(&res);
	return ret;
}

/* Another action runs (409): wait until the stack is free. */
static int wait_free(struct heat_follow *f, long long deadline_ms, struct err *err)
{
	struct heat_stack s;
	int said = 0, busy;

	for (;;) {
		if (heat_stack_show(f->h, f->name, f->id, 0, f->mask, &s, err) < 0)
			return -1;
		busy = heat_ends_with(s.status, "_IN_PROGRESS");
		if (busy && !said++)
			heat_say(f->out, f->mask, "  heat: stack '%s' is busy (%s), waiting for it",
			    f->name, s.status);
		heat_stack_release(&s);
		if (!busy)
			return 0;
		if (out_now_ms() >= deadline_ms)
			return err_set(err, "heat: stack '%s' still busy with another action after the stack timeout",
				       f->name);
		if (heat_nap(f->out, HEAT_POLL_MS, err) < 0)
			return -1;
	}
}

/* PUT the whole template and every parameter; a busy stack is waited for. */
static int update(struct heat *h, const struct heat_spec *spec,
		  struct heat_follow *f, long long busy_deadline_ms,
		  struct err *err)
{
	struct http_response res;
	char *path = xstrfmt("/stacks/%s/%s", f->name, f->id);
	json_t *body;
	int ret = -1, i, rc;

	http_response_init(&res);
	for (i = 0; i < MAX_BUSY_RETRIES; i++) {
		if (heat_follow_seed(f, err) < 0 || !(body = stack_body(spec, 0, err)))
			break;
		rc = heat_call(h, "PUT", path, body, 0, &res, err);
		json_decref(body);
		if (rc < 0) {
			err_wrap(err, "heat: update stack '%s'", f->name);
			break;
		}
		if (res.status >= 200 && res.status < 300) {
			ret = 0;	/* 202, its body HTML */
			break;
		}
		if (res.status != 409) {
			heat_answer_error(h, &res, f->mask, err,
				     "update stack '%s'", f->name);
			break;
		}
		if (wait_free(f, busy_deadline_ms, err) < 0)
			break;
	}
	if (i == MAX_BUSY_RETRIES)
		err_set(err, "heat: update stack '%s': still busy after %d tries",
			f->name, i);
	http_response_release(&res);
	free(path);
	return ret;
}

/* The deploy is cancelled: undo what it started, then "cancelled". */
static int cancel(struct heat_follow *f, int created, struct err *err)
{
	volatile sig_atomic_t *flag = f->out->cancelled;
	struct http_response res;
	json_t *body = json_pack("{s:n}", "cancel_update");
	struct err e2 = ERR_INIT;
	char *path = xstrfmt("/stacks/%s/%s/actions", f->name, f->id);
	long long left = f->deadline_ms - out_now_ms();

	http_response_init(&res);
	f->out->cancelled = NULL;	/* what follows is the way back */
	if (created) {
		heat_say(f->out, f->mask, "  heat: cancelled: deleting stack '%s', which this deploy created",
		    f->name);
		if (heat_delete_known(f->h, f->name, f->id,
				 left > 60000 ? left / 1000 : 60, f->out,
				 f->mask, &e2) < 0)
			heat_say(f->out, f->mask, "  %s", e2.msg);
		else
			heat_say(f->out, f->mask, "  heat: stack '%s' deleted",
			    f->name);
		goto out;
	}
	heat_say(f->out, f->mask, "  heat: cancelled: cancelling the update of stack '%s'",
	    f->name);
	if (heat_call(f->h, "POST", path, body, 0, &res, &e2) < 0)
		heat_say(f->out, f->mask, "  heat: cancel_update: %s", e2.msg);
	else if (res.status >= 300 &&
		 heat_answer_error(f->h, &res, f->mask, &e2, "cancel_update"))
		heat_say(f->out, f->mask, "  %s", e2.msg);
	if (left < 60000)
		f->deadline_ms = out_now_ms() + 60000;
	if (heat_follow_run(f, &e2) < 0)
		heat_say(f->out, f->mask, "  %s", e2.msg);
	else
		heat_say(f->out, f->mask, "  heat: stack '%s' is %s", f->name,
		    f->gone ? "gone" : f->status);
out:
	f->out->cancelled = flag;
	json_decref(body);
	free(path);
	http_response_release(&res);
	return err_set(err, "cancelled");
}

/* 0 when the action completed, else the error that says what stands. */
static int verdict(const struct heat_follow *f, int created, struct err *err)
{
	const char *act = created ? "create" : "update";
	char done[32];
	struct buf why = BUF_INIT;
	int ret = -1;

	xsnprintf(done, sizeof(done), "%s_COMPLETE",
		  created ? "CREATE" : "UPDATE");
	heat_follow_cause(f, &why);
	if (f->gone && created)
		heat_err_masked(err, f->mask, "heat: create of stack '%s' failed and was rolled back, the stack is deleted: %s",
			   f->name, why.ptr);
	else if (f->gone)
		err_set(err, "heat: stack '%s' was deleted during its update",
			f->name);
	else if (!strcmp(f->status, done))
		ret = 0;
	else if (!strcmp(f->status, "ROLLBACK_COMPLETE") && !created)
		heat_err_masked(err, f->mask, "heat: update of stack '%s' failed and was rolled back, the previous version still runs: %s",
			   f->name, why.ptr);
	else if (!strcmp(f->status, "ROLLBACK_COMPLETE"))
		heat_err_masked(err, f->mask, "heat: create of stack '%s' failed and was rolled back: %s",
			   f->name, why.ptr);
	else
		heat_err_masked(err, f->mask, "heat: %s of stack '%s' ended %s: %s",
			   act, f->name, f->status, why.ptr);
	buf_release(&why);
	return ret;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "  heat: output KEY = VALUE", by key; r->url from `url`. */
static void take_outputs(struct heat_follow *f, json_t *outputs,
			 struct heat_result *r)
{
	struct strvec keys = STRVEC_INIT;
	struct buf val = BUF_INIT;
	const char *key, *url;
	json_t *v;
	size_t i;

	json_object_foreach(outputs, key, v)
		strvec_push(&keys, key);
	if (keys.nr)
		qsort(keys.v, keys.nr, sizeof(*keys.v), by_str);
	for (i = 0; i < keys.nr; i++) {
		char *text = NULL;

		v = json_object_get(outputs, keys.v[i]);
		if (!json_is_string(v))
			text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		buf_reset(&val);
		redact_append(f->mask, &val, text ? text : json_string_value(v),
			 MAX_OUTPUT);
		heat_say(f->out, f->mask, "  heat: output %s = %s", keys.v[i],
		    val.ptr);
		free_secret(text);
	}
	url = heat_json_str(outputs, "url", MAX_URL);
	if (url && *url)
		r->url = xstrdup(url);
	r->outputs = json_incref(outputs);
	strvec_clear(&keys);
	buf_release(&val);
}

int heat_deploy(struct heat *h, const struct heat_spec *spec, struct out *out,
		struct heat_result *r, struct err *err)
{
	struct redact m;
	struct heat_follow f;
	struct heat_stack s;
	long long limit_ms, start = out_now_ms();
	int ret = -1;

	memset(r, 0, sizeof(*r));
	if (check_spec(spec, err) < 0)
		return -1;
	mask_init(&m, spec);
	heat_follow_init(&f, h, out, &m, spec->name);
	limit_ms = spec->timeout_mins * 60000LL;
	if (!heat_stack_show(h, spec->name, NULL, 0, &m, &s, err)) {
		xsnprintf(f.id, sizeof(f.id), "%s", s.id);
		heat_stack_release(&s);
		r->stack_id = xstrdup(f.id);
		if (update(h, spec, &f, start + limit_ms, err) < 0)
			goto out;
	} else if (err->code == HEAT_ENOTFOUND) {
		if (create(h, spec, &f, err) < 0)
			goto out;
		r->created = 1;
		r->stack_id = xstrdup(f.id);
	} else {
		goto out;
	}
	f.deadline_ms = out_now_ms() + limit_ms + 60000;
	if (heat_follow_run(&f, err) < 0) {
		if (out && out->cancelled && *out->cancelled)
			cancel(&f, r->created, err);
		heat_set_str(&r->status, f.status);
		goto out;
	}
	heat_set_str(&r->status, f.gone ? NULL : f.status);
	if (verdict(&f, r->created, err) < 0)
		goto out;
	if (heat_stack_show(h, f.name, f.id, 1, &m, &s, err) < 0)
		goto out;
	take_outputs(&f, s.outputs, r);
	heat_stack_release(&s);
	ret = 0;
out:
	heat_follow_release(&f);
	redact_release(&m);
	return ret;
}
