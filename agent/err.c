/* err: one error type carrying one line of text */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "banned.h"

static void flatten(char *s)
{
	/* an error is one line: newlines from libraries become spaces */
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			*s = ' ';
}

int err_set(struct err *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	flatten(err->msg);
	err->code = -1;
	return -1;
}

int err_errno(struct err *err, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(saved));
	flatten(err->msg);
	err->code = saved ? saved : -1;
	errno = saved;
	return -1;
}

int err_wrap(struct err *err, const char *fmt, ...)
{
	char ctx[sizeof(err->msg)], old[sizeof(err->msg)];
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	{
		/* "<ctx>: <old>", cut at the end when too long */
		size_t n = strlen(ctx), m = strlen(old), cap = sizeof(err->msg) - 1;

		if (n > cap)
			n = cap;
		memcpy(err->msg, ctx, n);
		if (n + 2 <= cap) {
			memcpy(err->msg + n, ": ", 2);
			n += 2;
		}
		if (m > cap - n)
			m = cap - n;
		memcpy(err->msg + n, old, m);
		err->msg[n + m] = '\0';
	}
	flatten(err->msg);
	if (!err->code)
		err->code = -1;
	return -1;
}

void err_clear(struct err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

void bug_fl(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "BUG: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
