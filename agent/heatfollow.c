/* heatfollow: a stack action followed to its end, event by event; delete */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "heatapi.h"
#include "banned.h"

#define MAX_EVENTS_BODY (16u << 20)	/* up to 10000 events of ~1 KiB */
#define MAX_POLL_ERRORS 5		/* failed polls in a row */

void heat_follow_init(struct heat_follow *f, struct heat *h, struct out *out,
			const struct redact *m, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->h = h;
	f->out = out;
	f->mask = m;
	f->name = name;
	strvec_init(&f->seen);
}

void heat_follow_release(struct heat_follow *f)
{
	strvec_clear(&f->seen);
	free(f->fail_res);
	free(f->fail_reason);
	free(f->stack_reason);
	free(f->status);
	free(f->reason);
}

/* heat_event_fn: show a new event; remember what failed first. */
static void on_event(const char *res, const char *status, const char *reason,
		     void *payload)
{
	struct heat_follow *f = payload;
	int stack = !strcmp(res, f->name);

	if (stack)
		f->started = 1;
	if (heat_ends_with(status, "_FAILED")) {
		if (!stack && !f->fail_res) {
			f->fail_res = xstrdup(res);
			f->fail_reason = xstrdup(reason);
		} else if (stack && !f->stack_reason) {
			f->stack_reason = xstrdup(reason);
		}
	}
	/* "state changed" says nothing the status does not */
	if (!*reason || !strcmp(reason, "state changed"))
		heat_say(f->out, f->mask, "  heat: %s %s", res, status);
	else
		heat_say(f->out, f->mask, "  heat: %s %s: %s", res, status, reason);
}

static void on_seed(const char *res, const char *status, const char *reason,
		    void *payload)
{
}

/*
 * GET the stack's events (nested ones too) and pass the new ones to `cb`.
 * A stack that is not found any more sets f->gone.
 */
static int get_events(struct heat_follow *f, heat_event_fn *cb, struct err *err)
{
	struct http_response res;
	char *path;
	int ret = -1;

	http_response_init(&res);
	/* nested_depth lists nothing once a delete has begun */
	path = xstrfmt("/stacks/%s/%s/events?sort_dir=asc%s", f->name, f->id,
		       f->deleting ? "" : "&nested_depth=2");
	if (heat_call(f->h, "GET", path, NULL, MAX_EVENTS_BODY, &res, err) < 0) {
		err_wrap(err, "heat: events of stack '%s'", f->name);
		goto out;
	}
	if (res.status == 404) {
		f->gone = 1;
		ret = 0;
		goto out;
	}
	if (res.status != 200) {
		heat_answer_error(f->h, &res, f->mask, err, "events of stack '%s'",
			     f->name);
		goto out;
	}
	ret = heat_events_parse(res.body.ptr, res.body.len, &f->seen, cb, f,
				err);
	if (ret < 0)
		err_wrap(err, "heat: events of stack '%s'", f->name);
out:
	free(path);
	http_response_release(&res);
	return ret;
}

/* The stack's status, then its new events; 1 once the action ended. */
static int poll_once(struct heat_follow *f, struct err *err)
{
	struct heat_stack s;

	if (heat_stack_show(f->h, f->name, f->id, 0, f->mask, &s, err) < 0) {
		if (err->code != HEAT_ENOTFOUND)
			return -1;
		f->gone = 1;
	} else {
		heat_set_str(&f->status, s.status);
		heat_set_str(&f->reason, s.reason);
		if (heat_ends_with(s.status, "_IN_PROGRESS"))
			f->started = 1;
		heat_stack_release(&s);
	}
	/* the events of a deleted stack are still there, by id */
	if (get_events(f, on_event, err) < 0)
		return -1;
	if (f->gone)
		return 1;
	if (heat_ends_with(f->status, "_IN_PROGRESS")) {
		f->settled = 0;
		return 0;
	}
	/*
	 * A delete that came during a create ends when the create has
	 * rolled back, and Heat may leave that stack (ROLLBACK_COMPLETE):
	 * a status that stays put for a few polls is the delete's end too.
	 */
	if (f->deleting)
		return starts_with(f->status, "DELETE_", NULL) ||
		       ++f->settled >= 3;
	return f->started;
}

/* Sleep `ms`, ticking `out` (progress lines; -1 once cancelled). */
int heat_nap(struct out *out, long ms, struct err *err)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (out)
		return out_wait_ms(out, ms, err);
	nanosleep(&ts, NULL);
	return 0;
}

/* Poll until the action ends, the deadline passes or `out` is cancelled. */
int heat_follow_run(struct heat_follow *f, struct err *err)
{
	long nap = HEAT_POLL_FIRST_MS;
	int errors = 0, r;

	for (;;) {
		r = poll_once(f, err);
		if (r > 0)
			return 0;
		if (r < 0 && ++errors >= MAX_POLL_ERRORS)
			return -1;
		if (r == 0)
			errors = 0;
		if (out_now_ms() >= f->deadline_ms)
			return err_set(err, "heat: stack '%s' still %s after its timeout",
				       f->name, f->status ? f->status : "busy");
		if (heat_nap(f->out, nap, err) < 0)
			return -1;
		nap = nap * 3 / 2 < HEAT_POLL_MS ? nap * 3 / 2 : HEAT_POLL_MS;
	}
}

/* Remember the events there are now, without showing them. */
int heat_follow_seed(struct heat_follow *f, struct err *err)
{
	return get_events(f, on_seed, err);
}

/* "RESOURCE: REASON" of what failed, for an error line */
const char *heat_follow_cause(const struct heat_follow *f, struct buf *b)
{
	buf_reset(b);
	if (f->fail_res)
		buf_addf(b, "%s: %s", f->fail_res, f->fail_reason);
	else if (f->stack_reason && *f->stack_reason)
		buf_addstr(b, f->stack_reason);
	else if (f->reason)
		buf_addstr(b, f->reason);
	else
		buf_addstr(b, "no reason given");
	return b->ptr;
}

/* ---- delete ---- */

/* DELETE; 1 when the stack is already gone. */
static int send_delete(struct heat *h, const char *name, const char *path,
		       const struct redact *m, struct err *err)
{
	struct http_response res;
	int ret = -1;

	http_response_init(&res);
	if (heat_call(h, "DELETE", path, NULL, 0, &res, err) < 0)
		err_wrap(err, "heat: delete stack '%s'", name);
	else if (res.status == 404)
		ret = 1;
	else if (res.status >= 200 && res.status < 300)
		ret = 0;
	else
		heat_answer_error(h, &res, m, err, "delete stack '%s'", name);
	http_response_release(&res);
	return ret;
}

/*
 * DELETE a stack whose id is known, and follow it until it is gone. A
 * stack left in another final status (a create rolled back on the way)
 * is deleted again, a few times at most.
 */
int heat_delete_known(struct heat *h, const char *name, const char *id,
			long timeout_secs, struct out *out,
			const struct redact *m, struct err *err)
{
	struct heat_follow f;
	struct buf why = BUF_INIT;
	char *path = xstrfmt("/stacks/%s/%s", name, id);
	int ret = -1, tries, rc;

	heat_follow_init(&f, h, out, m, name);
	xsnprintf(f.id, sizeof(f.id), "%s", id);
	f.deadline_ms = out_now_ms() + timeout_secs * 1000;
	f.deleting = 1;
	if (heat_follow_seed(&f, err) < 0)
		goto out;
	for (tries = 0; tries < 3; tries++) {
		if ((rc = send_delete(h, name, path, m, err)) < 0)
			goto out;
		if (rc > 0 || heat_follow_run(&f, err) < 0) {
			ret = rc > 0 ? 0 : -1;
			goto out;
		}
		if (f.gone || starts_with(f.status, "DELETE_", NULL))
			break;
		f.settled = 0;
	}
	if (!f.gone && strcmp(f.status, "DELETE_COMPLETE")) {
		heat_err_masked(err, m, "heat: delete of stack '%s' ended %s: %s",
			   name, f.status, heat_follow_cause(&f, &why));
		goto out;
	}
	ret = 0;
out:
	heat_follow_release(&f);
	buf_release(&why);
	free(path);
	return ret;
}

int heat_stack_delete(struct heat *h, const char *name, long timeout_secs,
		      struct out *out, struct err *err)
{
	struct heat_stack s;
	volatile sig_atomic_t *cancelled = out ? out->cancelled : NULL;
	int ret;

	if (!heat_valid_name(name))
		return err_set(err, "heat: invalid stack name or id");
	if (heat_stack_show(h, name, NULL, 0, NULL, &s, err) < 0)
		return err->code == HEAT_ENOTFOUND ? 0 : -1;
	/* a delete is the way back: it is not cancelled */
	if (out)
		out->cancelled = NULL;
	ret = heat_delete_known(h, s.name && heat_valid_name(s.name) ? s.name : name,
			   s.id, timeout_secs, out, NULL, err);
	if (out)
		out->cancelled = cancelled;
	heat_stack_release(&s);
	return ret;
}
