/* buf: growable byte buffers that are always NUL-terminated */
#ifndef SOLUM_BUF_H
#define SOLUM_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * `ptr` always points at a NUL-terminated string (an empty one before the
 * first add), so it can be printed at any time. The buffer owns `ptr`;
 * buf_detach() hands it to the caller. Allocation failure aborts.
 */
struct buf {
	char *ptr;
	size_t len;
	size_t alloc;
};

#define BUF_INIT { buf_empty, 0, 0 }
extern char buf_empty[];

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
/* Shorten to `len` bytes (len <= b->len). */
void buf_setlen(struct buf *b, size_t len);
/* Drop trailing whitespace. */
void buf_rtrim(struct buf *b);
/* Append base64 of `data` (`url`: the URL-safe alphabet), padded. */
void buf_add_base64(struct buf *b, const void *data, size_t len, int url);
/*
 * Append the bytes `in` encodes. `strict`: the standard alphabet only,
 * padding only at the end and to a multiple of 4; else either alphabet,
 * padding optional. -1 (with part of the bytes added) if `in` is not base64.
 */
int buf_add_base64_decoded(struct buf *b, const char *in, int strict);

/* Hand the string to the caller (owned, free()), leaving `b` empty. */
char *buf_detach(struct buf *b);

/* Allocation helpers that abort on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Overwrite a secret string with zeros, then free it; NULL is fine. */
void free_secret(char *s);
/* Owned printf-style string. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* snprintf that reports truncation: 0 if it fit, -1 if not. */
int xsnprintf(char *dst, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* 1 if `s` starts with `prefix`; `*rest_out` (optional) gets what follows. */
int starts_with(const char *s, const char *prefix, const char **rest_out);

#endif
