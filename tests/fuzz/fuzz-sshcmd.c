/* fuzz-sshcmd: sshcmd_parse on any exec string */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "sshcmd.h"
#include "fuzz.h"

/* What the client may be shown: one line of printable ASCII. */
static void check_message(const char *msg)
{
	const char *p;

	CHECK(*msg);
	for (p = msg; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static void check_result(const struct sshcmd *c, int ret,
			 const struct err *err)
{
	size_t i, j;

	if (ret < 0) {
		CHECK(ret == -1);
		CHECK(!c->repo[0] && !c->args.nr && !c->args.v[0]);
		check_message(err->msg);
		return;
	}
	CHECK(ret == 0);
	switch (c->kind) {
	case SSHCMD_RECEIVE_PACK:
	case SSHCMD_UPLOAD_PACK:
		CHECK(name_valid(c->repo));
		CHECK(!c->args.nr);
		break;
	case SSHCMD_ADMIN:
		CHECK(!c->repo[0]);
		CHECK(c->args.nr >= 1 && c->args.nr <= 64);
		CHECK(!c->args.v[c->args.nr]);
		for (i = 0; i < c->args.nr; i++) {
			CHECK(c->args.v[i][0]);
			for (j = 0; c->args.v[i][j]; j++)
				CHECK(!strchr(" '\"\\$`;&|<>",
					      c->args.v[i][j]) &&
				      (unsigned char)c->args.v[i][j] > 0x20 &&
				      (unsigned char)c->args.v[i][j] < 0x7f);
		}
		break;
	default:
		CHECK(!"unknown kind");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sshcmd c;
	struct err err = ERR_INIT;
	int ret;

	/* the input is bounded by SSHCMD_MAX; longer ones are refused early */
	sshcmd_init(&c);
	ret = sshcmd_parse((const char *)data, size, &c, &err);
	check_result(&c, ret, &err);

	/* again into the filled struct: what it held must be released */
	err_clear(&err);
	ret = sshcmd_parse((const char *)data, size, &c, &err);
	check_result(&c, ret, &err);
	sshcmd_release(&c);
	return 0;
}
