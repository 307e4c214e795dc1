/* out: what the pusher sees, line by line, copied into the release log */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "out.h"
#include "banned.h"

long long out_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void out_line(struct out *o, const char *line)
{
	char safe[OUT_LINE_MAX];
	size_t i, n = 0;

	/* one line, no control characters (build output is untrusted) */
	for (i = 0; line[i] && n + 1 < sizeof(safe); i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\r' || c == '\n')
			continue;
		safe[n++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	safe[n] = '\0';
	if (o->client) {
		if (fprintf(o->client, "%s\n", safe) < 0 ||
		    fflush(o->client) == EOF) {
			/* the pusher hung up: carry on for the log */
			o->client = NULL;
		}
	}
	if (o->log) {
		fprintf(o->log, "%s\n", safe);
		fflush(o->log);
	}
	o->last_ms = out_now_ms();
}

void out_printf(struct out *o, const char *fmt, ...)
{
	char line[OUT_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	out_line(o, line);
}

void out_step(struct out *o, const char *step)
{
	o->step = step;
	o->step_ms = out_now_ms();
}

double out_step_secs(const struct out *o)
{
	return (double)(out_now_ms() - o->step_ms) / 1000.0;
}

void out_relay_line(const char *line, void *payload)
{
	struct out *o = payload;

	if (!*line)
		return;
	out_printf(o, "       %s", line);
}

int out_tick(void *payload, struct err *err)
{
	struct out *o = payload;
	long long now = out_now_ms();

	if (o->cancelled && *o->cancelled)
		return err_set(err, "cancelled");
	if (now - o->last_ms >= o->interval_ms)
		out_printf(o, "       ... still %s (%.0fs)",
			   o->step ? o->step : "working",
			   (double)(now - o->step_ms) / 1000.0);
	return 0;
}

int out_wait_ms(struct out *o, long ms, struct err *err)
{
	long long end = out_now_ms() + ms, left;

	while ((left = end - out_now_ms()) > 0) {
		struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };

		if (out_tick(o, err) < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

void out_test_pause(struct out *o, const char *step)
{
	const char *want = getenv("SOLUM_TEST_PAUSE");
	long long end = out_now_ms() + OUT_TEST_PAUSE_SECS * 1000LL;
	struct timespec ts = { 0, 100 * 1000000L };

	if (!want || strcmp(want, step))
		return;
	out_printf(o, "       paused at %s (pid %ld)", step, (long)getpid());
	while (out_now_ms() < end && !(o->cancelled && *o->cancelled))
		nanosleep(&ts, NULL);
}
