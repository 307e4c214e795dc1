/* deployctl: deploys seen from outside: cancel one, run one detached,
 * take an app off its target */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "clouds.h"
#include "deploy.h"
#include "lock.h"
#include "log.h"
#include "proc.h"
#include "release.h"
#include "strvec.h"
#include "target.h"
#include "banned.h"

int deploy_cancel(struct ctx *ctx, const struct store_app *app, int number,
		  int *number_out, struct err *err)
{
	char *path = lock_app_path(ctx->home, app->name);
	struct err e2 = ERR_INIT;
	pid_t pid;

	*number_out = 0;
	if (release_reap(ctx, app, 0, &e2) < 0)
		log_warnx("%s", e2.msg);
	if (number) {
		pid = release_holder(ctx, app->name, number, err);
	} else {
		pid = lock_holder(path, err);
		number = release_of(ctx, app->name, pid);
	}
	free(path);
	if (pid < 0)
		return -1;
	if (pid > 0 && !number) {
		/* not a deploy: a reader recovering, or `app delete` */
		err_set(err, "'%s' is locked by a solum process that runs no deploy (pid %ld); try again",
			app->name, (long)pid);
		return 1;
	}
	if (pid == 0) {
		if (number)
			err_set(err, "release v%d of '%s' is not running",
				number, app->name);
		else
			err_set(err, "no deploy of '%s' is running", app->name);
		return 1;
	}
	if (kill(pid, SIGTERM) < 0)
		return err_errno(err, "cannot stop the deploy of '%s' (pid %ld)",
				 app->name, (long)pid);
	*number_out = number;
	return 0;
}

/*
 * Take `app` off its target, holding its lock so that no deploy runs
 * meanwhile; a running deploy is refused.
 */
int deploy_destroy(struct ctx *ctx, const struct store_app *app, int purge,
		   FILE *out, struct err *err)
{
	char *path = lock_app_path(ctx->home, app->name);
	struct err e2 = ERR_INIT;
	int fd, number, ret = -1;

	if (release_reap(ctx, app, 0, &e2) < 0)
		log_warnx("%s", e2.msg);
	fd = lock_try(path, 1, err);
	if (fd == LOCK_BUSY) {
		number = release_of(ctx, app->name, lock_holder(path, &e2));
		if (number)
			err_set(err, "app '%s' is deploying v%d; cancel it first (solum cancel %s)",
				app->name, number, app->name);
		else
			err_set(err, "app '%s' is locked by another solum process; try again",
				app->name);
	} else if (fd >= 0 && (number = release_alive(ctx, app->name))) {
		err_set(err, "app '%s' has v%d queued; cancel it first (solum cancel %s)",
			app->name, number, app->name);
	} else if (fd >= 0) {
		/* off the target, then out of the store, both under the lock:
		 * no push can deploy the app in between */
		ret = target_for(&ctx->cfg, app)->destroy(ctx, app, purge,
							  out, err);
		if (!ret)
			ret = store_app_delete(ctx->store, app->name, err);
	}
	if (fd >= 0)
		lock_drop(fd, NULL);
	free(path);
	return ret;
}

int deploy_spawn_detached(struct ctx *ctx, const char *app, int number,
			  struct err *err)
{
	static const char *const keep[] = {
		"PATH", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY",
		"DOCKER_CERT_PATH", "HOME", "ASAN_OPTIONS",
		"UBSAN_OPTIONS", "LSAN_OPTIONS", "SOLUM_USER", "SOLUM_TEST_PAUSE",
		NULL
	};
	struct proc p;
	int fd = release_unhold(app, number), ret = 0;

	proc_init(&p);
	strvec_pushl(&p.args, ctx->self, "--home", ctx->home, "deploy", app,
		     "--release", NULL);
	strvec_pushf(&p.args, "%d", number);
	proc_env_allow(&p, keep);
	proc_env_allow(&p, clouds_env_names);
	/* the release's lock goes with it, so it is never unheld */
	p.in = fd >= 0 ? fd : PROC_NULL;
	p.out = PROC_NULL;
	p.err = PROC_NULL;
	p.new_session = 1;
	if (proc_start(&p, err) < 0) {
		struct err e2 = ERR_INIT;
		int changed;

		ret = -1;
		store_release_interrupt(ctx->store, app, number, err->msg,
					&changed, &e2);
		release_done(ctx, app, number, fd);
		fd = -1;
	}
	/* not waited for: it outlives us; init reaps it */
	proc_release(&p);
	if (fd >= 0)
		close(fd);
	return ret;
}
