/* fuzz-glance: glance_image_parse and glance_page_parse on any answer */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glance.h"
#include "fuzz.h"

#define MAX_INPUT 65536

static void check_image(const struct glance_image *img)
{
	size_t n;

	CHECK(img->id && img->status);
	n = strlen(img->id);
	CHECK(n && n <= GLANCE_ID_MAX && !strchr(img->id, '/') &&
	      !strchr(img->id, '.'));
	CHECK(img->size >= -1 && img->release >= 0);
	if (img->os_hash_value)
		CHECK(strlen(img->os_hash_value) <= 128);
	if (img->name)
		CHECK(!strchr(img->name, '\n'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct glance_image img, *v = NULL;
	struct err err = ERR_INIT;
	char *next = NULL;
	size_t nr = 0, i;
	int ret;

	if (size > MAX_INPUT)
		return -1;
	glance_image_init(&img);
	ret = glance_image_parse((const char *)data, size, &img, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0)
		CHECK(err.msg[0] && !img.id);
	else
		check_image(&img);
	glance_image_release(&img);

	ret = glance_page_parse((const char *)data, size, &v, &nr, &next, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0)
		CHECK(err.msg[0] && !v && !nr && !next);
	for (i = 0; i < nr; i++) {
		check_image(&v[i]);
		glance_image_release(&v[i]);
	}
	if (next)
		CHECK(!strncmp(next, "/v2/images?", 11) && !strchr(next, ' '));
	free(v);
	free(next);
	return 0;
}
