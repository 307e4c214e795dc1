/* fuzz-config: config_load on any solum.yaml */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

/* config_load is bounded at 1 MiB; stay far below to keep runs short */
#define MAX_INPUT 65536

static void check_str(const char *s, int nullable)
{
	const char *p;

	CHECK(s || nullable);
	if (!s)
		return;
	CHECK(*s && strlen(s) <= 4096);
	for (p = s; *p; p++)
		CHECK((unsigned char)*p >= 0x20);
}

static void check_config(const struct config *c)
{
	check_str(c->sshd_listen, 0);
	check_str(c->sshd_user, 0);
	check_str(c->git_path, 1);
	check_str(c->webhook_listen, 0);
	check_str(c->docker_host, 0);
	check_str(c->registry, 1);
	check_str(c->registry_username, 1);
	check_str(c->registry_password, 1);
	check_str(c->local_bind, 0);
	check_str(c->nginx_path, 0);
	check_str(c->public_host, 0);
	CHECK(c->sshd_max_startups >= 1 && c->sshd_max_startups <= 1000);
	CHECK(c->sshd_max_sessions >= 1 && c->sshd_max_sessions <= 10000);
	CHECK(c->local_port_min >= 1024 && c->local_port_min <= 65535);
	CHECK(c->local_port_min <= c->local_port_max);
	CHECK(c->public_port_min <= c->public_port_max);
	CHECK(c->keep_releases >= 1 && c->keep_releases <= 1000);
}

/*
 * config_load reads a path: the input goes into a memory file, opened
 * again by config_load through /proc/self/fd.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config c;
	struct err err = ERR_INIT;
	int ret;

	if (size > MAX_INPUT)
		return -1;
	if (fd < 0) {
		fd = memfd_create("solum.yaml", MFD_CLOEXEC);
		CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	CHECK(!ftruncate(fd, 0));
	CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);

	config_init(&c);
	ret = config_load(&c, path, 0, &err);
	CHECK(ret == 0 || ret == -1);
	if (ret < 0)
		CHECK(err.msg[0] && !strchr(err.msg, '\n'));
	else
		check_config(&c);
	config_release(&c);
	return 0;
}
