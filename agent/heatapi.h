/* heatapi: what the heat*.c files share; not for other modules */
#ifndef SOLUM_HEATAPI_H
#define SOLUM_HEATAPI_H

#include <jansson.h>

#include "buf.h"
#include "heat.h"
#include "http.h"
#include "redact.h"

#define HEAT_MAX_ID 64
/* polls start this often, and slow down by half each time to HEAT_POLL_MS:
 * most actions of a small stack end within a second of their start */
#define HEAT_POLL_FIRST_MS 100
#define HEAT_POLL_MS 1000

struct heat {
	struct keystone *ks;		/* borrowed */
	struct http *http;
	char *url;			/* the orchestration endpoint */
};

/* Stack names as Heat has them (ids pass too), safe in a URL path. */
int heat_valid_name(const char *s);
int heat_ends_with(const char *s, const char *suffix);
/* Replace the owned string *dst with a copy of `s` (may be NULL). */
void heat_set_str(char **dst, const char *s);

/* One line to `out` (may be NULL), masked with `m` (may be NULL). */
void heat_say(struct out *out, const struct redact *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* err_set with the text masked. Always -1. */
int heat_err_masked(struct err *err, const struct redact *m,
		    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * One request to Heat, JSON both ways, the token added; `body` (may be
 * NULL) is sent and its text wiped; answers up to `max_body` (0: 1 MiB).
 * Returns as http_request.
 */
int heat_call(struct heat *h, const char *method, const char *path,
	      json_t *body, size_t max_body, struct http_response *res,
	      struct err *err);
/*
 * The error of an answer that is not what was wanted: "heat: WHAT: HTTP
 * N: Heat's message", masked; a 403 to an application credential says
 * what to do instead. Always -1.
 */
int heat_answer_error(struct heat *h, const struct http_response *res,
		      const struct redact *m, struct err *err,
		      const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/*
 * GET the stack NAME (and ID when known); a stack not found or deleted
 * is -1 with err->code HEAT_ENOTFOUND. `s` is owned by the caller.
 */
int heat_stack_show(struct heat *h, const char *name, const char *id,
		    int with_outputs, const struct redact *m,
		    struct heat_stack *s, struct err *err);

/* A stack action being followed to its end (heatfollow.c). */
struct heat_follow {
	struct heat *h;
	struct out *out;		/* NULL: events are not shown */
	const struct redact *mask;
	const char *name;
	char id[HEAT_MAX_ID + 1];
	struct strvec seen;		/* event ids, sorted */
	char *fail_res, *fail_reason;	/* the first resource that failed */
	char *stack_reason;		/* the stack's own FAILED event */
	char *status, *reason;		/* stack_status as last polled */
	int started;			/* the action is seen to run */
	int gone;			/* the stack is not found any more */
	int deleting;			/* the action is a delete */
	int settled;			/* polls that found it not busy */
	long long deadline_ms;
};

void heat_follow_init(struct heat_follow *f, struct heat *h, struct out *out,
		      const struct redact *m, const char *name);
void heat_follow_release(struct heat_follow *f);
/* Remember the events there are now, without showing them. */
int heat_follow_seed(struct heat_follow *f, struct err *err);
/*
 * Poll from every HEAT_POLL_FIRST_MS to every HEAT_POLL_MS, each new
 * event shown, until the action ends
 * (0), the deadline passes or `out` is cancelled (-1).
 */
int heat_follow_run(struct heat_follow *f, struct err *err);
/* "RESOURCE: REASON" of what failed, into `b` (returned). */
const char *heat_follow_cause(const struct heat_follow *f, struct buf *b);
/* Sleep `ms`, ticking `out` (may be NULL); -1 once cancelled. */
int heat_nap(struct out *out, long ms, struct err *err);
/* DELETE the stack NAME/ID and follow it until it is gone. */
int heat_delete_known(struct heat *h, const char *name, const char *id,
		      long timeout_secs, struct out *out,
		      const struct redact *m, struct err *err);

/* A string member without NULs, at most `max` bytes, or NULL (heatevents.c). */
const char *heat_json_str(json_t *o, const char *key, size_t max);

#endif
