/* tool-release: test-tool release, the reaper and cancel before cli has them */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "deploy.h"
#include "lock.h"
#include "log.h"
#include "release.h"
#include "test-tool.h"

static const char usage[] =
	"usage: test-tool release HOME reap APP\n"
	"       test-tool release HOME cancel APP [N]\n"
	"       test-tool release HOME holder APP [N]\n"
	"  reap: deploy_reap; cancel: deploy_cancel, prints 'cancelled vN';\n"
	"  holder: the pid holding the app's lock (release N's), or nothing\n";

static int run(struct ctx *ctx, const char *verb, const struct store_app *app,
	       int number, struct err *err)
{
	char *path;
	pid_t pid;
	int rc;

	if (!strcmp(verb, "reap"))
		return deploy_reap(ctx, app, err) < 0 ? 1 : 0;
	if (!strcmp(verb, "cancel")) {
		rc = deploy_cancel(ctx, app, number, &number, err);
		if (rc == 0)
			printf("cancelled v%d\n", number);
		return rc ? 1 : 0;
	}
	if (number) {
		pid = release_holder(ctx, app->name, number, err);
	} else {
		path = lock_app_path(ctx->home, app->name);
		pid = lock_holder(path, err);
		free(path);
	}
	if (pid > 0)
		printf("%ld\n", (long)pid);
	return pid < 0 ? 1 : 0;
}

int tool_release(int argc, char **argv)
{
	struct ctx ctx;
	struct store_app app;
	struct err err = ERR_INIT;
	char *dbpath = NULL;
	int ret = 1, number = 0;

	if (argc < 4 || argc > 5 || (strcmp(argv[2], "reap") &&
				     strcmp(argv[2], "cancel") &&
				     strcmp(argv[2], "holder"))) {
		fputs(usage, stderr);
		return 129;
	}
	if (argc == 5)
		number = (int)strtol(argv[4], NULL, 10);
	log_init("test-tool", 1, 0);
	memset(&ctx, 0, sizeof(ctx));
	store_app_init(&app);
	config_init(&ctx.cfg);
	ctx.home = argv[1];
	dbpath = xstrfmt("%s/solum.db", ctx.home);
	if (config_load_home(&ctx.cfg, ctx.home, &err) < 0 ||
	    store_open(dbpath, &ctx.store, &err) < 0)
		goto out;
	if (store_app_get(ctx.store, argv[3], &app, &err) != 0) {
		if (!err.msg[0])
			err_set(&err, "app '%s' not found", argv[3]);
		goto out;
	}
	ret = run(&ctx, argv[2], &app, number, &err);
out:
	if (err.msg[0])
		fprintf(stderr, "test-tool: %s\n", err.msg);
	store_app_release(&app);
	store_free(ctx.store);
	config_release(&ctx.cfg);
	free(dbpath);
	return ret;
}
