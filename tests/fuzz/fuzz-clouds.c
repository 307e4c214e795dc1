/* fuzz-clouds: clouds_load on any clouds.yaml */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "clouds.h"
#include "fuzz.h"

/* clouds_load is bounded at 1 MiB; stay far below to keep runs short */
#define MAX_INPUT 65536

static void check_str(const char *s)
{
	const char *p;

	if (!s)
		return;
	CHECK(*s && strlen(s) <= 4096);
	for (p = s; *p; p++)
		CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_cloud(const struct clouds_cloud *c)
{
	CHECK(c->name && !strcmp(c->name, "demo"));
	CHECK(c->auth_url && (!strncmp(c->auth_url, "http://", 7) ||
			      !strncmp(c->auth_url, "https://", 8)));
	CHECK(c->interface && (!strcmp(c->interface, "public") ||
			       !strcmp(c->interface, "internal") ||
			       !strcmp(c->interface, "admin")));
	CHECK(!c->cert == !c->key);
	CHECK(c->verify == 0 || c->verify == 1);
	switch (c->auth_type) {
	case CLOUDS_AUTH_PASSWORD:
		CHECK(c->password && (c->username || c->user_id));
		break;
	case CLOUDS_AUTH_APPCRED:
		CHECK(c->application_credential_secret);
		CHECK(c->application_credential_id ||
		      c->application_credential_name);
		break;
	case CLOUDS_AUTH_TOKEN:
		CHECK(c->token);
		break;
	default:
		CHECK(0);
	}
	check_str(c->username);
	check_str(c->password);
	check_str(c->project_name);
	check_str(c->region_name);
	check_str(c->cacert);
}

/*
 * The input is the clouds.yaml that OS_CLIENT_CONFIG_FILE names: a
 * memory file, read through /proc/self/fd.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char var[80];
	const char *env[] = { var, NULL };
	const char *const dirs[] = { NULL };
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	int ret;

	if (size > MAX_INPUT)
		return -1;
	if (fd < 0) {
		fd = memfd_create("clouds.yaml", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(var, sizeof(var),
			 "OS_CLIENT_CONFIG_FILE=/proc/self/fd/%d", fd);
	}
	CHECK(!ftruncate(fd, 0));
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	clouds_init(&c);
	ret = clouds_load(&c, "demo", env, dirs, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0) {
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
		CHECK(!c.name && !c.password);
	} else {
		check_cloud(&c);
	}
	clouds_release(&c);
	return 0;
}
