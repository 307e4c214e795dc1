/* test-tool: exposes solum's internals to the shell tests, as in git */
#include <stdio.h>
#include <string.h>

#include "test-tool.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} tools[] = {
	{ "tarstream", tool_tarstream, "tarstream REPO REV [--dockerfile PATH] [--no-ignore]: write the build context tar to stdout" },
	{ "dockerignore", tool_dockerignore, "dockerignore FILE PATH...: print 'send' or 'skip' for each path" },
	{ "tarstream-build", tool_tarstream_build, "tarstream-build REPO REV HOST TAG [--no-cache] [--no-ignore]: stream a tree into a Docker build in one process" },
	{ "docker", tool_docker, "docker SUBCOMMAND ...: drive the Docker Engine client" },
	{ "jsonstream", tool_jsonstream, "jsonstream [--max N]: split stdin into JSON messages, one per output line" },
	{ "nginx", tool_nginx, "nginx HOME route|unroute|stop ...: drive the app front" },
	{ "sshcmd", tool_sshcmd, "sshcmd STRING: parse an SSH exec string" },
	{ "release", tool_release, "release HOME reap|cancel|holder APP [N]: the reaper, cancel, who holds a deploy lock" },
	{ "authkey", tool_authkey, "authkey LINE: parse an authorized_keys line, print the fingerprint" },
	{ "keystone", tool_keystone, "keystone CLOUD [--describe] [--get TYPE PATH] ...: authenticate, print the catalog's types and the token's length" },
	{ "heat", tool_heat, "heat CLOUD deploy|get|delete STACK ...: drive a Heat stack, events on stdout" },
	{ "glance", tool_glance, "glance CLOUD [--glance-url URL] upload|find|list|get|delete ...: drive the Glance client" },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc >= 2)
		for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
			if (!strcmp(argv[1], tools[i].name))
				return tools[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: test-tool TOOL [ARGS]\n");
	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		fprintf(stderr, "  %s\n", tools[i].usage);
	return 129;
}
