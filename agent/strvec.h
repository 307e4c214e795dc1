/* strvec: NULL-terminated, growable vectors of owned strings (argv, env) */
#ifndef SOLUM_STRVEC_H
#define SOLUM_STRVEC_H

#include <stddef.h>

/* `v` is always NULL-terminated; the vector owns every string in it. */
struct strvec {
	char **v;
	size_t nr;
	size_t alloc;
};

#define STRVEC_INIT { strvec_empty, 0, 0 }
extern char *strvec_empty[];

void strvec_init(struct strvec *sv);
void strvec_clear(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Push each argument up to a terminating NULL. */
void strvec_pushl(struct strvec *sv, ...) __attribute__((sentinel));
/* Sort the strings in strcmp order. */
void strvec_sort(struct strvec *sv);

#endif
