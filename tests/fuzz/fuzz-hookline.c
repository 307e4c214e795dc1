/* fuzz-hookline: hookinput_parse_update on any line of a hook's input */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hookinput.h"
#include "fuzz.h"

static int is_hex40(const char *s)
{
	return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hookinput_update up;
	struct err err = ERR_INIT;
	char *line;
	const char *p;

	/* hookinput_read_updates() refuses lines longer than this before parsing */
	if (size > 4096)
		return -1;
	line = xstrndup((const char *)data, size);
	memset(&up, 0xa5, sizeof(up));
	if (hookinput_parse_update(line, &up, &err) < 0) {
		CHECK(err.msg[0]);
	} else {
		CHECK(is_hex40(up.old_oid) && is_hex40(up.new_oid));
		CHECK(up.ref[0] && strlen(up.ref) < sizeof(up.ref));
		for (p = up.ref; *p; p++)
			CHECK((unsigned char)*p > 0x20 &&
			      (unsigned char)*p < 0x7f);
		CHECK(!memcmp(line, up.old_oid, 40) &&
		      !memcmp(line + 41, up.new_oid, 40) &&
		      !strcmp(line + 82, up.ref));
	}
	free(line);
	return 0;
}
