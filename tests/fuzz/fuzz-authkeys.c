/* fuzz-authkeys: authkey_parse on any authorized_keys line */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"
#include "buf.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct authkey k;
	struct err err = ERR_INIT;
	char *line;
	char *fp;

	/* longer lines are refused before any work: keep the RSA cost low */
	if (size > AUTHKEYS_LINE_MAX + 1)
		return -1;
	line = xstrndup((const char *)data, size);
	(void)authkeys_is_blank(line);
	if (authkey_parse(line, &k, &err) < 0) {
		CHECK(!k.type && !k.blob && !k.comment && !k.fingerprint);
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
	} else {
		CHECK(k.type && k.blob && k.comment && k.fingerprint);
		CHECK(!strncmp(k.fingerprint, "SHA256:", 7));
		CHECK(!authkeys_is_blank(line));
		/* the fingerprint depends on the key alone */
		fp = authkey_fingerprint(k.type, k.blob, &err);
		CHECK(fp && !strcmp(fp, k.fingerprint));
		free(fp);
	}
	authkey_release(&k);
	free(line);
	return 0;
}
