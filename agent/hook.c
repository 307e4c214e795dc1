/* hook: what the repositories' git hooks run (post-receive, pre-receive) */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "deploy.h"
#include "hook.h"
#include "name.h"

static const char zero_oid[] = "0000000000000000000000000000000000000000";

static int is_hex40(const char *s)
{
	int i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int hook_parse_update(const char *line, struct hook_update *out,
		      struct err *err)
{
	size_t n = strlen(line);

	if (n < 83 || n > 82 + sizeof(out->ref) - 1 || line[40] != ' ' ||
	    line[81] != ' ' || !is_hex40(line) || !is_hex40(line + 41))
		return err_set(err, "hook: malformed ref update line");
	memcpy(out->old_oid, line, 40);
	out->old_oid[40] = '\0';
	memcpy(out->new_oid, line + 41, 40);
	out->new_oid[40] = '\0';
	memcpy(out->ref, line + 82, n - 82);
	out->ref[n - 82] = '\0';
	for (const char *p = out->ref; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return err_set(err, "hook: malformed ref name");
	return 0;
}

int hook_repo_name(const char *home, char *name_out, size_t size,
		   struct err *err)
{
	char cwd[PATH_MAX], *base, *repos = xstrfmt("%s/repos/", home);
	size_t n;
	int ret = -1;

	if (!getcwd(cwd, sizeof(cwd))) {
		err_errno(err, "hook: current directory");
		goto out;
	}
	if (!starts_with(cwd, repos, (const char **)&base) ||
	    strchr(base, '/')) {
		err_set(err, "hook: '%s' is not a repository of the solum home '%s'",
			cwd, home);
		goto out;
	}
	n = strlen(base);
	if (n < 5 || strcmp(base + n - 4, ".git") || n - 4 >= size) {
		err_set(err, "hook: unexpected repository directory '%s'", cwd);
		goto out;
	}
	memcpy(name_out, base, n - 4);
	name_out[n - 4] = '\0';
	if (name_check("repository", name_out, err) < 0)
		goto out;
	ret = 0;
out:
	free(repos);
	return ret;
}

/* Read and validate every update line; *nr_out of them into *ups_out. */
static int read_updates(FILE *in, struct hook_update **ups_out,
			size_t *nr_out, struct err *err)
{
	struct hook_update *ups = NULL;
	size_t nr = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;

	while ((n = getline(&line, &lcap, in)) >= 0) {
		if (n > 40 + 1 + 40 + 1 + 255 + 1) {
			err_set(err, "hook: ref update line longer than git writes");
			goto fail;
		}
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (nr >= HOOK_MAX_UPDATES) {
			err_set(err, "hook: more than %d ref updates in one push",
				HOOK_MAX_UPDATES);
			goto fail;
		}
		if (nr == cap) {
			cap = cap ? cap * 2 : 8;
			ups = xrealloc(ups, cap * sizeof(*ups));
		}
		if (hook_parse_update(line, &ups[nr], err) < 0)
			goto fail;
		nr++;
	}
	free(line);
	*ups_out = ups;
	*nr_out = nr;
	return 0;
fail:
	free(line);
	free(ups);
	return -1;
}

static void short_oid(const char *oid, char *dst)
{
	memcpy(dst, oid, 7);
	dst[7] = '\0';
}

enum deploy_mode { MODE_SYNC, MODE_ASYNC, MODE_SKIP };

/*
 * Push options (`git push -o deploy=skip|async`), which git hands to hooks
 * as GIT_PUSH_OPTION_COUNT and GIT_PUSH_OPTION_<i>.
 */
static enum deploy_mode push_mode(FILE *out)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	enum deploy_mode mode = MODE_SYNC;
	char name[40];
	long n, i;

	if (!count)
		return mode;
	n = strtol(count, NULL, 10);
	for (i = 0; i < n && i < 100; i++) {
		const char *v;

		snprintf(name, sizeof(name), "GIT_PUSH_OPTION_%ld", i);
		v = getenv(name);
		if (!v)
			continue;
		if (!strcmp(v, "deploy=skip"))
			mode = MODE_SKIP;
		else if (!strcmp(v, "deploy=async"))
			mode = MODE_ASYNC;
		else if (!strcmp(v, "deploy=sync"))
			mode = MODE_SYNC;
		else {
			char q[64];

			name_quote(v, q, sizeof(q));
			fprintf(out, "-----> ignoring unknown push option '%s' (known: deploy=skip, deploy=async)\n",
				q);
		}
	}
	return mode;
}

int hook_post_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err)
{
	struct hook_update *ups = NULL;
	char repo[64], s[8];
	size_t nr = 0, i;
	enum deploy_mode mode;
	int failed = 0;

	if (hook_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    read_updates(in, &ups, &nr, err) < 0)
		return -1;
	mode = push_mode(out);
	for (i = 0; i < nr; i++) {
		struct deploy_opts opts = { 0 };
		struct store_app app;
		const char *branch;
		int rc, number = 0;

		if (!starts_with(ups[i].ref, "refs/heads/", &branch)) {
			fprintf(out, "-----> %s: not a branch, nothing to deploy\n",
				ups[i].ref);
			continue;
		}
		rc = store_app_for_branch(ctx->store, repo, branch, &app, err);
		if (rc < 0) {
			fprintf(out, " !     %s: %s\n", branch, err->msg);
			err_clear(err);
			continue;
		}
		if (rc == 1) {
			fprintf(out, "-----> branch '%s' of '%s' is not mapped to an app: stored, not deployed\n",
				branch, repo);
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
		} else if (mode == MODE_SKIP) {
			fprintf(out, "-----> %s (%s) stored; deploy skipped (-o deploy=skip); run 'solum deploy %s' later\n",
				app.name, s, app.name);
		} else if (mode == MODE_ASYNC) {
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
	struct hook_update *ups = NULL;
	char repo[64];
	size_t nr = 0, i;
	int failed = 0;

	if (hook_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    read_updates(in, &ups, &nr, err) < 0)
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
			if (push_mode(out) == MODE_SKIP) {
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
