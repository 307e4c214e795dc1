/* err: one error type carrying one line of text */
#ifndef SOLUM_ERR_H
#define SOLUM_ERR_H

struct err {
	int code;
	char msg[512];
};

#define ERR_INIT { 0, "" }

/*
 * Set the message (printf-style) and return -1, so that a failing function
 * can end with `return err_set(err, "...")`. `err` may be NULL.
 */
int err_set(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Like err_set, with ": <strerror(errno)>" appended. */
int err_errno(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prepend one layer of context: "<context>: <old message>". Returns -1.
 */
int err_wrap(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Forget any message. */
void err_clear(struct err *err);

/* Report a programming error and abort. */
#define BUG(...) bug_fl(__FILE__, __LINE__, __VA_ARGS__)
void bug_fl(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif
