/* tool-nginx: test-tool commands driving the app front */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "nginx.h"
#include "test-tool.h"

static const char usage[] =
	"usage: test-tool nginx HOME route APP LISTEN_PORT BACKEND_HOST BACKEND_PORT RELEASE\n"
	"       test-tool nginx HOME unroute APP\n"
	"       test-tool nginx HOME stop\n"
	"       test-tool nginx HOME status\n";

/* A whole decimal number, or -1 (the API's own checks refuse that). */
static int number(const char *s)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (!*s || *end || v < -1 || v > 1000000000L)
		return -1;
	return (int)v;
}

/*
 * route/unroute/stop print nothing on success and the error line on
 * stderr (exit 1) on failure; status prints "running PID" or "stopped".
 * TEST_NGINX_VERBOSE=1 lets log_debug through (timings).
 */
int tool_nginx(int argc, char **argv)
{
	struct config cfg;
	struct err err = ERR_INIT;
	const char *verb;
	pid_t pid;
	int ret = 1;

	if (argc < 3) {
		fputs(usage, stderr);
		return 129;
	}
	verb = argv[2];
	log_init("test-tool", 1, getenv("TEST_NGINX_VERBOSE") != NULL);
	config_init(&cfg);
	if (config_load_home(&cfg, argv[1], &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		config_release(&cfg);
		return 1;
	}
	if (!strcmp(verb, "route") && argc == 8) {
		ret = nginx_route(&cfg, argv[3], number(argv[4]), argv[5],
				  number(argv[6]), number(argv[7]), &err);
	} else if (!strcmp(verb, "unroute") && argc == 4) {
		ret = nginx_unroute(&cfg, argv[3], &err);
	} else if (!strcmp(verb, "stop") && argc == 3) {
		ret = nginx_stop(&cfg, &err);
	} else if (!strcmp(verb, "status") && argc == 3) {
		if (nginx_running(&cfg, &pid))
			printf("running %d\n", (int)pid);
		else
			printf("stopped\n");
		ret = 0;
	} else {
		fputs(usage, stderr);
		config_release(&cfg);
		return 129;
	}
	if (ret < 0)
		fprintf(stderr, "%s\n", err.msg);
	config_release(&cfg);
	return ret < 0 ? 1 : 0;
}
