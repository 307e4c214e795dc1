/* fuzz-heat: heat_events_parse on any events answer, twice */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heat.h"
#include "fuzz.h"

#define MAX_INPUT 65536

struct count {
	size_t n;
};

static void on_event(const char *res, const char *status, const char *reason,
		     void *payload)
{
	struct count *c = payload;
	const char *p;

	CHECK(res[0] && status[0] && reason);
	for (p = status; *p; p++)
		CHECK((*p >= 'A' && *p <= 'Z') || *p == '_');
	c->n++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec seen = STRVEC_INIT;
	struct err err = ERR_INIT;
	struct count c = { 0 }, again = { 0 };
	size_t i;
	int ret;

	if (size > MAX_INPUT)
		return -1;
	ret = heat_events_parse((const char *)data, size, &seen, on_event, &c,
				&err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0)
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
	/* each event passed on is remembered, sorted, once */
	CHECK(c.n == seen.nr);
	for (i = 1; i < seen.nr; i++)
		CHECK(strcmp(seen.v[i - 1], seen.v[i]) < 0);
	/* the same answer again brings nothing new */
	if (ret == 0) {
		ret = heat_events_parse((const char *)data, size, &seen,
					on_event, &again, &err);
		CHECK(ret == 0 && again.n == 0);
	}
	strvec_clear(&seen);
	return 0;
}
