/* hook: what the repositories' git hooks run (post-receive, pre-receive) */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "deploy.h"
#include "hook.h"
#include "hookinput.h"
#include "name.h"
#include "banned.h"

static const char zero_oid[] = "0000000000000000000000000000000000000000";

static void short_oid(const char *oid, char *dst)
{
	memcpy(dst, oid, 7);
	dst[7] = '\0';
}

int hook_post_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err)
{
	struct hookinput_update *ups = NULL;
	char repo[64], s[8];
	size_t nr = 0, i;
	enum hookinput_mode mode;
	int failed = 0;

	if (hookinput_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    hookinput_read_updates(in, &ups, &nr, err) < 0)
		return -1;
	mode = hookinput_push_mode(out);
	for (i = 0; i < nr; i++) {
		struct deploy_opts opts = { 0 };
		struct store_app app;
		const char *branch;
		int rc, number = 0;

		if (!starts_with(ups[i].ref, "refs/heads/", &branch)) {
			hookinput_say_not_branch(out, ups[i].ref);
			continue;
		}
		rc = store_app_for_branch(ctx->store, repo, branch, &app, err);
		if (rc < 0) {
			fprintf(out, " !     %s: %s\n", branch, err->msg);
			err_clear(err);
			continue;
		}
		if (rc == 1) {
			hookinput_say_unmapped(out, branch, repo);
			continue;
		}
		short_oid(ups[i].new_oid, s);
		if (!strcmp(ups[i].new_oid, zero_oid)) {
			fprintf(out, "-----> branch '%s' deleted; app '%s' keeps its current release\n",
				branch, app.name);
			store_app_release(&app);
			continue;
		}
		opts.rev = ups[i].new_oid;
		opts.pusher = getenv("SOLUM_USER");
		if (app.gate) {
			/* deployed by pre-receive before the refs moved */
		} else if (mode == HOOKINPUT_SKIP) {
			fprintf(out, "-----> %s (%s) stored; deploy skipped (-o deploy=skip); run 'solum deploy %s' later\n",
				app.name, s, app.name);
		} else if (mode == HOOKINPUT_ASYNC) {
			if (deploy_queue(ctx, &app, &opts, &number, err) < 0 ||
			    deploy_spawn_detached(ctx, app.name, number, err) < 0) {
				fprintf(out, " !     %s: %s\n", app.name, err->msg);
				err_clear(err);
				failed = 1;
			} else {
				fprintf(out, "-----> %s v%d (%s) is deploying in the background; follow with: solum logs %s %d --follow\n",
					app.name, number, s, app.name, number);
			}
		} else {
			fflush(out);
			opts.out = out;
			if (deploy_run(ctx, &app, &opts, &number, err) < 0)
				failed = 1;
			err_clear(err);
		}
		store_app_release(&app);
		fflush(out);
	}
	fflush(out);
	free(ups);
	/* the refs are stored whatever happened: report, don't fail */
	return failed ? 1 : 0;
}

int hook_pre_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err)
{
	struct hookinput_update *ups = NULL;
	char repo[64];
	size_t nr = 0, i;
	int failed = 0;

	if (hookinput_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    hookinput_read_updates(in, &ups, &nr, err) < 0)
		return -1;
	/*
	 * Gate mode: the pipeline runs before the refs are updated, from the
	 * objects in git's quarantine, and a failed deploy rejects the push.
	 */
	for (i = 0; i < nr; i++) {
		struct deploy_opts opts = { 0 };
		struct store_app app;
		const char *branch;
		int rc, number = 0;

		if (!starts_with(ups[i].ref, "refs/heads/", &branch) ||
		    !strcmp(ups[i].new_oid, zero_oid))
			continue;
		rc = store_app_for_branch(ctx->store, repo, branch, &app, err);
		if (rc < 0) {
			fprintf(out, " !     %s: %s\n", branch, err->msg);
			free(ups);
			return 1;
		}
		if (rc == 1)
			continue;
		if (app.gate) {
			if (hookinput_push_mode(out) == HOOKINPUT_SKIP) {
				fprintf(out, " !     %s deploys in gate mode: -o deploy=skip is not allowed\n",
					app.name);
				failed = 1;
			} else {
				opts.rev = ups[i].new_oid;
				opts.pusher = getenv("SOLUM_USER");
				opts.out = out;
				opts.gate = 1;
				fflush(out);
				if (deploy_run(ctx, &app, &opts, &number, err) < 0) {
					fprintf(out, " !     push of '%s' rejected: %s deploys in gate mode and the deploy failed\n",
						branch, app.name);
					failed = 1;
				}
				err_clear(err);
			}
		}
		store_app_release(&app);
		if (failed)
			break;
	}
	fflush(out);
	free(ups);
	return failed ? 1 : 0;
}
