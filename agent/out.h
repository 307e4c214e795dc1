/* out: what the pusher sees, line by line, copied into the release log */
#ifndef SOLUM_OUT_H
#define SOLUM_OUT_H

#include <signal.h>
#include <stdio.h>

#include "err.h"

#define OUT_LINE_MAX 4096	/* one line to the pusher, at most */

/*
 * Each line goes to the pusher (until it hangs up) and to the release
 * log, flushed as it is written. Both FILEs are borrowed. `cancelled`
 * (borrowed, may be NULL) is polled by out_tick: once it is set, ticks
 * and waits fail with "cancelled".
 */
struct out {
	FILE *client;
	FILE *log;
	long long last_ms;	/* when the last line went out */
	long long step_ms;	/* when the current step began */
	const char *step;	/* "building", ... for progress lines */
	int interval_ms;	/* progress line at least this often */
	volatile sig_atomic_t *cancelled;
};

/* Monotonic milliseconds. */
long long out_now_ms(void);

/*
 * Write one line: control characters become '?', CR/LF are dropped, the
 * line is cut at OUT_LINE_MAX. A pusher who hung up is dropped quietly.
 */
void out_line(struct out *o, const char *line);
void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A step begins: progress lines name it, out_step_secs counts from now. */
void out_step(struct out *o, const char *step);
double out_step_secs(const struct out *o);

/*
 * docker_out callbacks (payload: the struct out): relay a line indented;
 * print "... still <step>" when the pusher has seen nothing for
 * interval_ms. The tick fails once cancelled.
 */
void out_relay_line(const char *line, void *payload);
int out_tick(void *payload, struct err *err);

/* Sleep `ms` in slices of at most 100 ms, ticking; -1 if cancelled. */
int out_wait_ms(struct out *o, long ms, struct err *err);

/*
 * Test hook, for tests that kill a deploy at a precise step: when the
 * environment variable SOLUM_TEST_PAUSE equals `step` ("building",
 * "pushing", "starting", "health", "swap"; on OpenStack "uploading" and
 * "stack"; "fetching" an upstream), print "paused at STEP (pid
 * N)" and sleep, at most OUT_TEST_PAUSE_SECS and no longer once
 * cancelled. Does nothing otherwise.
 */
#define OUT_TEST_PAUSE_SECS 60
void out_test_pause(struct out *o, const char *step);

#endif
