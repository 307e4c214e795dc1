/* redact: secret values masked out of text that people see */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "redact.h"
#include "banned.h"

void redact_init(struct redact *r)
{
	strvec_init(&r->values);
}

void redact_release(struct redact *r)
{
	size_t i;

	for (i = 0; i < r->values.nr; i++) {
		free_secret(r->values.v[i]);
		r->values.v[i] = NULL;
	}
	r->values.nr = 0;
	strvec_clear(&r->values);
}

static int longest_first(const void *a, const void *b)
{
	size_t la = strlen(*(char *const *)a), lb = strlen(*(char *const *)b);

	return la < lb ? 1 : la > lb ? -1 : 0;
}

void redact_add(struct redact *r, const char *value)
{
	json_t *j;
	char *quoted;
	size_t n;

	if (!*value)
		return;
	strvec_push(&r->values, value);
	/* as it appears inside JSON (a value dumped compact) */
	j = json_string(value);
	quoted = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	json_decref(j);
	if (quoted && (n = strlen(quoted)) > 2 &&
	    (n - 2 != strlen(value) || memcmp(quoted + 1, value, n - 2))) {
		quoted[n - 1] = '\0';
		strvec_push(&r->values, quoted + 1);
	}
	free_secret(quoted);
	qsort(r->values.v, r->values.nr, sizeof(*r->values.v), longest_first);
}

void redact_append(const struct redact *r, struct buf *b, const char *s,
		   size_t max)
{
	struct buf t = BUF_INIT;
	size_t i, nr = r ? r->values.nr : 0;

	while (*s) {
		for (i = 0; i < nr; i++)
			if (starts_with(s, r->values.v[i], NULL))
				break;
		if (i < nr) {
			buf_addstr(&t, REDACT_MASK);
			s += strlen(r->values.v[i]);
			continue;
		}
		buf_addch(&t, (unsigned char)*s < 0x20 || *s == 0x7f ?
			  ' ' : *s);
		s++;
	}
	if (t.len > max) {
		buf_setlen(&t, max);
		buf_addstr(&t, "...");
	}
	buf_addstr(b, t.ptr);
	buf_release(&t);
}
