/* jsonstream: split Docker's JSON-lines streams (build, push) into messages */
#ifndef SOLUM_JSONSTREAM_H
#define SOLUM_JSONSTREAM_H

#include <stddef.h>

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Default cap on one line of the stream. */
#define JSONSTREAM_MAX_LINE (1u << 20)

/*
 * Called once per message, in order. `msg` is a JSON object, borrowed:
 * valid during the call only (json_incref it to keep it). Return 0 to go
 * on, or -1 with `err` set to stop the stream; jsonstream_feed then returns
 * -1 with that error as it is.
 */
typedef int jsonstream_fn(json_t *msg, void *payload, struct err *err);

/*
 * The splitter. Bytes are fed in chunks of any size; messages are lines
 * ending in "\n" (a "\r" before it and blank lines are fine). A line may
 * hold several objects back to back, as Go's json.Decoder allows. A line
 * longer than `max_line` bytes, invalid JSON or a value that is not an
 * object is an error, and the stream stays failed after one.
 * No I/O: this is a pure parser of untrusted input.
 */
struct jsonstream {
	struct buf line;	/* the incomplete last line */
	size_t max_line;
	jsonstream_fn *fn;
	void *payload;
	unsigned long lineno;	/* lines completed so far */
	int failed;
	struct err failure;
};

/* `max_line` 0 means JSONSTREAM_MAX_LINE. */
void jsonstream_init(struct jsonstream *js, size_t max_line,
		     jsonstream_fn *fn, void *payload);
void jsonstream_release(struct jsonstream *js);

/* Feed the next `len` bytes; 0 or -1 with `err` set. */
int jsonstream_feed(struct jsonstream *js, const void *data, size_t len,
		    struct err *err);

/*
 * The stream has ended: a last line without "\n" is still a message.
 * 0 or -1 with `err` set.
 */
int jsonstream_finish(struct jsonstream *js, struct err *err);

#endif
