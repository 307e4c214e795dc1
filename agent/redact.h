/* redact: secret values masked out of text that people see */
#ifndef SOLUM_REDACT_H
#define SOLUM_REDACT_H

#include <stddef.h>

#include "buf.h"
#include "strvec.h"

/* What a secret value is replaced with. */
#define REDACT_MASK "******"

/*
 * The values to mask (secrets: each is overwritten before it is freed),
 * longest first, so that a value that contains another is masked whole.
 */
struct redact {
	struct strvec values;
};

void redact_init(struct redact *r);
void redact_release(struct redact *r);

/*
 * Mask `value` (copied), and its form inside a JSON string when that
 * differs (a value with quotes or backslashes); "" is ignored.
 */
void redact_add(struct redact *r, const char *value);

/*
 * Append `s` to `b` with every value of `r` (may be NULL) replaced by
 * REDACT_MASK and control characters by spaces, then cut to `max` bytes
 * with "..." added: masked before it is cut, so that no part of a value
 * survives the cut.
 */
void redact_append(const struct redact *r, struct buf *b, const char *s,
		   size_t max);

#endif
