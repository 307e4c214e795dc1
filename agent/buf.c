/* buf: growable byte buffers that are always NUL-terminated */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"
#include "banned.h"

char buf_empty[1];

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		BUG("out of memory allocating %zu bytes", n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		BUG("out of memory allocating %zu*%zu bytes", n, size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		BUG("out of memory allocating %zu bytes", n);
	return q;
}

void free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xstrfmt(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	return buf_detach(&b);
}

int xsnprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int starts_with(const char *s, const char *prefix, const char **rest_out)
{
	size_t n = strlen(prefix);

	if (strncmp(s, prefix, n))
		return 0;
	if (rest_out)
		*rest_out = s + n;
	return 1;
}

void buf_init(struct buf *b)
{
	b->ptr = buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void buf_release(struct buf *b)
{
	if (b->alloc)
		free(b->ptr);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	buf_setlen(b, 0);
}

void buf_grow(struct buf *b, size_t extra)
{
	size_t want = b->len + extra + 1;

	if (want <= b->alloc)
		return;
	if (want < b->alloc * 2)
		want = b->alloc * 2;
	if (want < 64)
		want = 64;
	if (!b->alloc) {
		b->ptr = xmalloc(want);
		b->ptr[0] = '\0';
	} else {
		b->ptr = xrealloc(b->ptr, want);
	}
	b->alloc = want;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	buf_grow(b, len);
	memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		BUG("vsnprintf failed");
	if ((size_t)n >= b->alloc - b->len) {
		buf_grow(b, (size_t)n);
		n = vsnprintf(b->ptr + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void buf_setlen(struct buf *b, size_t len)
{
	if (len > b->len)
		BUG("buf_setlen beyond length");
	b->len = len;
	if (b->alloc)
		b->ptr[len] = '\0';
}

void buf_rtrim(struct buf *b)
{
	while (b->len && (b->ptr[b->len - 1] == ' ' ||
			  b->ptr[b->len - 1] == '\t' ||
			  b->ptr[b->len - 1] == '\n' ||
			  b->ptr[b->len - 1] == '\r'))
		b->len--;
	if (b->alloc)
		b->ptr[b->len] = '\0';
}

char *buf_detach(struct buf *b)
{
	char *p = b->alloc ? b->ptr : xstrdup("");

	buf_init(b);
	return p;
}

static int b64_value(int c, int strict)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || (c == '-' && !strict))
		return 62;
	if (c == '/' || (c == '_' && !strict))
		return 63;
	return -1;
}

void buf_add_base64(struct buf *b, const void *data, size_t len, int url)
{
	const char *tab = url ?
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" :
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = data;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		buf_addch(b, tab[in[i] >> 2]);
		buf_addch(b, tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)]);
		buf_addch(b, tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)]);
		buf_addch(b, tab[in[i + 2] & 63]);
	}
	if (len - i == 1) {
		buf_addch(b, tab[in[i] >> 2]);
		buf_addch(b, tab[(in[i] & 3) << 4]);
		buf_addstr(b, "==");
	} else if (len - i == 2) {
		buf_addch(b, tab[in[i] >> 2]);
		buf_addch(b, tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)]);
		buf_addch(b, tab[(in[i + 1] & 15) << 2]);
		buf_addch(b, '=');
	}
}

int buf_add_base64_decoded(struct buf *b, const char *in, int strict)
{
	unsigned long acc = 0;
	size_t n = 0, pad = 0;
	int bits = 0, v;

	for (; *in; in++, n++) {
		if (*in == '=') {
			if (!strict)
				break;
			pad++;
			continue;
		}
		if (pad || (v = b64_value((unsigned char)*in, strict)) < 0)
			return -1;
		acc = (acc << 6) | (unsigned long)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_addch(b, (int)((acc >> bits) & 0xff));
			acc &= (1UL << bits) - 1;
		}
	}
	if (strict && (pad > 2 || (pad && n % 4)))
		return -1;
	return 0;
}
