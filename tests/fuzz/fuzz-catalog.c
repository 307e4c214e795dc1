/* fuzz-catalog: keystone_catalog_parse and _find on any token answer */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keystone.h"
#include "fuzz.h"

#define MAX_INPUT 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = { "identity", "image",
					     "orchestration", "x" };
	struct keystone_catalog cat;
	struct err err = ERR_INIT;
	const char *url;
	size_t i;
	int ret;

	if (size > MAX_INPUT)
		return -1;
	keystone_catalog_init(&cat);
	ret = keystone_catalog_parse(&cat, (const char *)data, size, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0)
		CHECK(err.msg[0] && !strchr(err.msg, '\n') && !cat.nr);
	for (i = 0; i < cat.nr; i++) {
		CHECK(cat.v[i].type[0] && cat.v[i].interface[0]);
		CHECK(!strncmp(cat.v[i].url, "http://", 7) ||
		      !strncmp(cat.v[i].url, "https://", 8));
	}
	for (i = 0; i < 4; i++) {
		ret = keystone_catalog_find(&cat, types[i], NULL, NULL, &url,
					    &err);
		CHECK(ret == 0 ? url != NULL : url == NULL && err.msg[0]);
		ret = keystone_catalog_find(&cat, types[i], "internal",
					    "RegionOne", &url, &err);
		CHECK(ret == 0 ? url != NULL : url == NULL && err.msg[0]);
	}
	keystone_catalog_release(&cat);
	return 0;
}
