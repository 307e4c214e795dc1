/* fuzz-jsonstream: the Docker JSON-lines splitter, fed in random pieces */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstream.h"
#include "fuzz.h"

#define MAX_INPUT 65536

/* What a run saw: a hash of the messages, so two runs can be compared. */
struct seen {
	unsigned long count;
	unsigned long stop_at;	/* refuse this message (1-based); 0: never */
	int stop_silently;	/* refuse it without a message */
	uint64_t hash;
};

static int collect(json_t *msg, void *payload, struct err *err)
{
	struct seen *s = payload;
	char *text;
	const char *p;

	CHECK(json_is_object(msg));
	s->count++;
	if (s->stop_at && s->count == s->stop_at) {
		if (s->stop_silently)
			return -1;
		return err_set(err, "handler refused message %lu", s->count);
	}
	text = json_dumps(msg, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK(text);
	for (p = text; *p; p++)
		s->hash = (s->hash ^ (unsigned char)*p) * 0x100000001b3ull;
	s->hash = (s->hash ^ '\n') * 0x100000001b3ull;
	free(text);
	return 0;
}

/* xorshift: the cuts come from the input, so a crash replays */
static uint32_t next_rand(uint32_t *state)
{
	uint32_t x = *state;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x ? x : 1;
	return *state;
}

/*
 * Feed `in` whole (seed 0) or in pieces of 1 to `max_piece` bytes, then
 * finish. Returns what feed/finish returned; `err` has the message.
 */
static int run(const char *in, size_t len, size_t max_line, uint32_t seed,
	       size_t max_piece, struct seen *s, struct err *err)
{
	struct jsonstream js;
	struct err again = ERR_INIT;
	size_t at = 0, n;
	int ret = 0;

	jsonstream_init(&js, max_line, collect, s);
	while (at < len) {
		n = seed ? 1 + next_rand(&seed) % max_piece : len;
		if (n > len - at)
			n = len - at;
		ret = jsonstream_feed(&js, in + at, n, err);
		at += n;
		if (ret < 0)
			break;
	}
	if (!ret) {
		ret = jsonstream_finish(&js, err);
	} else {
		/* the stream stays failed, with the same message */
		CHECK(jsonstream_feed(&js, "{}\n", 3, &again) == -1);
		CHECK(!strcmp(again.msg, err->msg));
		CHECK(jsonstream_finish(&js, &again) == -1);
		CHECK(!strcmp(again.msg, err->msg));
	}
	jsonstream_release(&js);
	return ret;
}

/*
 * The first 4 bytes choose the line cap, the pieces and when the handler
 * refuses; the rest is the stream. Fed whole or in pieces, the stream must
 * give the same messages and end the same way.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen whole = { 0 }, cut = { 0 };
	struct err err_whole = ERR_INIT, err_cut = ERR_INIT;
	const char *in;
	size_t len, max_line, max_piece;
	uint32_t seed;
	int r_whole, r_cut;

	if (size < 4 || size > MAX_INPUT)
		return -1;
	max_line = data[0] & 0x80 ? 0 : (size_t)data[0] + 1;
	max_piece = (size_t)(data[1] & 0x3f) + 1;
	seed = ((uint32_t)data[2] << 8 | data[3]) + 1;
	whole.stop_at = cut.stop_at = data[1] >> 6 == 3 ? data[3] % 8 + 1 : 0;
	whole.stop_silently = cut.stop_silently = data[2] & 1;
	in = (const char *)data + 4;
	len = size - 4;

	r_whole = run(in, len, max_line, 0, 0, &whole, &err_whole);
	r_cut = run(in, len, max_line, seed, max_piece, &cut, &err_cut);
	CHECK(r_whole == 0 || r_whole == -1);
	CHECK(r_whole == r_cut);
	CHECK(whole.count == cut.count && whole.hash == cut.hash);
	CHECK(!strcmp(err_whole.msg, err_cut.msg));
	if (r_whole < 0)
		CHECK(err_whole.msg[0]);
	return 0;
}
