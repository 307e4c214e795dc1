/* heat: an app's Heat stack, created or updated, its events followed */
#ifndef SOLUM_HEAT_H
#define SOLUM_HEAT_H

#include <stddef.h>
#include <jansson.h>

#include "err.h"
#include "keystone.h"
#include "out.h"
#include "strvec.h"

/* err->code of a stack that does not exist */
#define HEAT_ENOTFOUND 404

/* A session with Heat's orchestration endpoint; one thread at a time. */
struct heat;

/* The orchestration endpoint of the catalog; *out owned (heat_free). */
int heat_open(struct keystone *ks, struct heat **out, struct err *err);
void heat_free(struct heat *h);

/* A stack as Heat describes it; owned strings, NULL when missing. */
struct heat_stack {
	char *id;
	char *name;
	char *status;		/* "UPDATE_COMPLETE", ... (stack_status) */
	char *reason;		/* stack_status_reason */
	json_t *outputs;	/* {"url": value, ...}; NULL when not asked */
};

void heat_stack_release(struct heat_stack *s);

/*
 * GET the stack `name` (name or id), with its outputs when
 * `with_outputs`. A missing stack (or one whose delete completed):
 * -1 with err->code HEAT_ENOTFOUND.
 */
int heat_stack_get(struct heat *h, const char *name, int with_outputs,
		   struct heat_stack *out, struct err *err);

/* What to deploy; everything borrowed. */
struct heat_spec {
	const char *name;		/* the stack's name */
	const char *template_text;	/* HOT, sent as a JSON string */
	const json_t *params;		/* {"name": "value"}: sent as is */
	const struct strvec *hidden;	/* parameter names never printed */
	int timeout_mins;		/* the stack timeout (Heat's and ours) */
	const char *tags;		/* "solum,app=web", or NULL */
};

/* How a deploy ended; owned, heat_result_release frees it. */
struct heat_result {
	char *stack_id;
	char *status;		/* final stack_status, NULL if none came */
	int created;		/* 1: this deploy created the stack */
	json_t *outputs;	/* {"key": value} once complete, else NULL */
	char *url;		/* the `url` output as a string, or NULL */
};

void heat_result_release(struct heat_result *r);

/*
 * Create the stack if there is none by that name, else update it (PUT,
 * the whole template and every parameter, rollback on failure), then
 * follow it to a final status:
 *
 * - each new event (of the stack and its resources, nested ones
 *   included) goes to `out` as it happens, once, in Heat's order, as
 *   "  heat: RESOURCE STATUS[: REASON]"; the events are polled with
 *   sort_dir=asc and the ids seen are remembered, since Heat ignores an
 *   unknown marker and restarts the list;
 * - a 409 (another action in progress) waits, with a progress line at
 *   least every out->interval_ms, until the stack is free or the stack
 *   timeout;
 * - the stack timeout is Heat's timeout_mins, and ours too (a stack
 *   still IN_PROGRESS a minute after it is a failure);
 * - out->cancelled: an update is cancelled in Heat (cancel_update, the
 *   stack rolls back, followed to its end); a stack this call created is
 *   deleted; -1 with "cancelled".
 *
 * Returns 0 on CREATE_COMPLETE or UPDATE_COMPLETE, with the outputs
 * printed ("  heat: output url = http://..."; values of `hidden`
 * parameters never appear) and r->url set from the `url` output.
 * Otherwise -1 with one line in err that names the failing resource and
 * Heat's reason, and says what stands now, e.g.:
 *   "heat: update of stack 'web' failed and was rolled back, the previous version still runs: failing: Resource UPDATE failed: ValueError: Test Resource failed"
 *   "heat: create stack 'web': HTTP 400: The Parameter (db_host) was not provided."
 *   "heat: create stack 'web': HTTP 403: Heat cannot create a trust with a token of an application credential; use auth_type password for cloud 'x' in clouds.yaml (the only other way: ...)"
 * ROLLBACK_COMPLETE after an update is such a failure; a create that
 * rolled back leaves no stack. Heat's texts (event reasons, error
 * messages, outputs) are shown with every hidden value masked, since Heat
 * echoes values in some of its errors. `r` holds what is known either way
 * (stack id, final status).
 *
 * The action is taken to have begun once Heat's status is *_IN_PROGRESS
 * or an event of the stack itself (resource name = stack name) comes, so
 * that the status of the action before is not taken for its end.
 */
int heat_deploy(struct heat *h, const struct heat_spec *spec, struct out *out,
		struct heat_result *r, struct err *err);

/*
 * Delete the stack `name` and wait until it is gone (at most
 * timeout_secs), each event on `out` as above (may be NULL). A stack
 * that does not exist is success; DELETE_FAILED is an error with Heat's
 * reason. A delete that meets a create in progress waits for the create
 * to roll back, and deletes again a stack Heat leaves behind. It is not
 * cancelled by out->cancelled: it is the way back.
 */
int heat_stack_delete(struct heat *h, const char *name, long timeout_secs,
		      struct out *out, struct err *err);

/*
 * Events of one GET .../events answer (`json`, {"events": [...]}) not yet
 * in `seen` (ids, kept sorted), each added to it and passed to `cb` in the
 * answer's order: resource name, status ("CREATE_COMPLETE"), reason (may
 * be ""). Pure, for tests and fuzzing; anything but that JSON, or over
 * 10000 ids seen, is an error.
 */
typedef void heat_event_fn(const char *resource, const char *status,
			   const char *reason, void *payload);
int heat_events_parse(const char *json, size_t len, struct strvec *seen,
		      heat_event_fn *cb, void *payload, struct err *err);

#endif
