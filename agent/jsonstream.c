/* jsonstream: split Docker's JSON-lines streams (build, push) into messages */
#include <string.h>

#include "jsonstream.h"
#include "banned.h"

void jsonstream_init(struct jsonstream *js, size_t max_line,
		     jsonstream_fn *fn, void *payload)
{
	buf_init(&js->line);
	js->max_line = max_line ? max_line : JSONSTREAM_MAX_LINE;
	js->fn = fn;
	js->payload = payload;
	js->lineno = 0;
	js->failed = 0;
	err_clear(&js->failure);
}

void jsonstream_release(struct jsonstream *js)
{
	buf_release(&js->line);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int fail(struct jsonstream *js, struct err *err)
{
	js->failed = 1;
	js->failure = *err;
	buf_release(&js->line);
	return -1;
}

/* One complete line (without its "\n"): zero or more objects. */
static int parse_line(struct jsonstream *js, const char *p, size_t len,
		      struct err *err)
{
	json_error_t jerr;
	json_t *msg;
	int ret;

	js->lineno++;
	for (;;) {
		while (len && is_space(*p)) {
			p++;
			len--;
		}
		if (!len)
			return 0;
		msg = json_loadb(p, len, JSON_DISABLE_EOF_CHECK | JSON_ALLOW_NUL,
				 &jerr);
		if (!msg) {
			err_set(err, "jsonstream: line %lu: invalid JSON: %s",
				js->lineno, jerr.text);
			return fail(js, err);
		}
		if (!json_is_object(msg)) {
			json_decref(msg);
			err_set(err, "jsonstream: line %lu: not a JSON object",
				js->lineno);
			return fail(js, err);
		}
		if (jerr.position <= 0 || (size_t)jerr.position > len) {
			json_decref(msg);
			err_set(err, "jsonstream: line %lu: parser lost its place",
				js->lineno);
			return fail(js, err);
		}
		p += jerr.position;
		len -= (size_t)jerr.position;
		ret = js->fn(msg, js->payload, err);
		json_decref(msg);
		if (ret < 0) {
			if (!err->msg[0])
				err_set(err, "jsonstream: message handler failed");
			return fail(js, err);
		}
	}
}

static int too_long(struct jsonstream *js, struct err *err)
{
	err_set(err, "jsonstream: line %lu longer than %zu bytes",
		js->lineno + 1, js->max_line);
	return fail(js, err);
}

int jsonstream_feed(struct jsonstream *js, const void *data, size_t len,
		    struct err *err)
{
	const char *p = data, *nl;
	size_t n;

	if (js->failed) {
		*err = js->failure;
		return -1;
	}
	while (len) {
		nl = memchr(p, '\n', len);
		n = nl ? (size_t)(nl - p) : len;
		if (js->line.len + n > js->max_line)
			return too_long(js, err);
		if (!nl) {
			buf_add(&js->line, p, n);
			return 0;
		}
		if (js->line.len) {
			buf_add(&js->line, p, n);
			if (parse_line(js, js->line.ptr, js->line.len, err) < 0)
				return -1;
			buf_reset(&js->line);
		} else if (parse_line(js, p, n, err) < 0) {
			return -1;
		}
		p += n + 1;
		len -= n + 1;
	}
	return 0;
}

int jsonstream_finish(struct jsonstream *js, struct err *err)
{
	int ret = 0;

	if (js->failed) {
		*err = js->failure;
		return -1;
	}
	if (js->line.len)
		ret = parse_line(js, js->line.ptr, js->line.len, err);
	buf_release(&js->line);
	return ret;
}
