/* reportapi: what the report*.c files share; not for other modules */
#ifndef SOLUM_REPORTAPI_H
#define SOLUM_REPORTAPI_H

#include "buf.h"
#include "report.h"

/* Bytes of a status description or of the error quoted in a comment. */
#define REPORT_TEXT_MAX 160
/* Bytes of a remote's answer (a body, a line of stderr) a warning quotes. */
#define REPORT_REASON_MAX 200

/*
 * Append to `b` what `rel` is in `state`, in a few words: "v7 deploying",
 * "v7 is running", "v7 failed: <rel->error>", "v7 cancelled", "v7
 * superseded by a newer push". Only printable ASCII: every other byte
 * becomes '?'; cut to REPORT_TEXT_MAX bytes with "...".
 */
void report_describe(const struct store_release *rel, enum report_state state,
		     struct buf *b);

/*
 * Append `s` to `b` keeping the bytes `keep` accepts and writing '?' for
 * the others, at most `max` bytes of `s` ("..." added when cut).
 */
void report_sanitize(struct buf *b, const char *s, size_t max,
		     int (*keep)(int c));

/*
 * Post the GitLab commit status (report.c) or the Gerrit review comment
 * (reportgerrit.c) for `rel` in `state`; `url` is where the app answers,
 * or NULL. 0, or -1 with the reason in err (never a secret).
 */
int report_gitlab(const struct report_spec *spec, const struct store_app *app,
		  const struct store_release *rel, enum report_state state,
		  const char *url, struct err *err);
int report_gerrit(struct ctx *ctx, const struct report_spec *spec,
		  const struct store_app *app, const struct store_release *rel,
		  enum report_state state, const char *url, struct err *err);

#endif
