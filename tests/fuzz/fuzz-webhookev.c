/* fuzz-webhookev: webhookev_parse on any event type and body */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "name.h"
#include "webhookev.h"
#include "fuzz.h"

/* NUL-terminated within its array, no control character */
static int clean(const char *s, size_t size)
{
	size_t n = strnlen(s, size), i;

	if (n == size)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * The input is the X-Gitlab-Event value, a newline, then the body (which
 * the receiver caps at webhook.max_body before parsing).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	struct webhookev ev;
	struct err err = ERR_INIT;
	char *type, *body;
	size_t tlen;

	if (!nl || size > (1 << 20))
		return -1;
	tlen = (size_t)(nl - (const char *)data);
	type = xstrndup((const char *)data, tlen);
	/* not NUL-terminated: the parser must read `len` bytes only */
	body = xmalloc(size - tlen - 1 + 1);
	memcpy(body, nl + 1, size - tlen - 1);
	memset(&ev, 0xa5, sizeof(ev));
	if (webhookev_parse(type, body, size - tlen - 1, &ev, &err) < 0) {
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
	} else {
		CHECK(clean(ev.reason, sizeof(ev.reason)));
		CHECK(clean(ev.pusher, sizeof(ev.pusher)));
		CHECK(!strcmp(ev.pusher, "webhook") ||
		      starts_with(ev.pusher, "gitlab:", NULL));
		if (ev.action == WEBHOOKEV_OTHER) {
			CHECK(ev.reason[0]);
		} else {
			CHECK(ev.action == WEBHOOKEV_DEPLOY ||
			      ev.action == WEBHOOKEV_IGNORE);
			CHECK(clean(ev.http_url, sizeof(ev.http_url)));
			CHECK(clean(ev.ssh_url, sizeof(ev.ssh_url)));
			CHECK(ev.http_url[0] || ev.ssh_url[0]);
		}
		if (ev.action == WEBHOOKEV_DEPLOY) {
			CHECK(name_sha1_valid(ev.newrev));
			CHECK(strspn(ev.newrev, "0") != 40);
			CHECK(name_branch_valid(ev.branch));
		} else {
			CHECK(!ev.newrev[0] && !ev.branch[0] && ev.reason[0]);
		}
	}
	free(type);
	free(body);
	return 0;
}
