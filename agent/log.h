/* log: operator logging, OpenBSD style (stderr in the foreground, else syslog) */
#ifndef SOLUM_LOG_H
#define SOLUM_LOG_H

/*
 * `ident` names the program in syslog; `foreground` non-zero logs to stderr.
 * `verbose` non-zero lets log_debug through. Before log_init, messages go
 * to stderr.
 */
void log_init(const char *ident, int foreground, int verbose);

/* log_warn appends ": <strerror(errno)>"; log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
