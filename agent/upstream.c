/* upstream: an app's upstream repository fetched into solum's (libgit2) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <git2.h>

#include "buf.h"
#include "config.h"
#include "gitssh.h"
#include "name.h"
#include "repo.h"
#include "upstream.h"
#include "banned.h"

#define PROGRESS_MS 2000	/* at most one "received" line this often */
#define FETCH_IDLE_SECS 60	/* SSH: connect, or silence from the upstream */

/*
 * What the callbacks of one fetch share; the struct gitssh first: the
 * transport gets the same payload.
 */
struct fetch {
	struct gitssh g;
	struct out *o;
	int ssh;
	long long last_ms;
	struct err why;		/* set by a callback that refused */
};

/*
 * The kinds of URL solum fetches from: file://, http(s)://, and SSH
 * (ssh:// or USER@HOST:PATH, through gitssh.h).
 */
static int check_url(const char *url, int *ssh, struct err *err)
{
	struct gitssh_url u;
	const char *rest;
	int rc;

	*ssh = 0;
	if (starts_with(url, "file://", &rest) ||
	    starts_with(url, "https://", &rest) ||
	    starts_with(url, "http://", &rest))
		return 0;
	rc = gitssh_url_parse(url, &u, err);
	if (rc < 0)
		return -1;
	gitssh_url_release(&u);
	if (rc == 0)
		return err_set(err, "upstream '%.200s' is not a file://, http(s):// or ssh:// URL (or USER@HOST:PATH)",
			       url);
	*ssh = 1;
	return 0;
}

int upstream_url_check(const char *url, struct err *err)
{
	int ssh;

	return check_url(url, &ssh, err);
}

/* A progress line now and then; the fetch stops once cancelled. */
static int progress(const git_indexer_progress *st, void *payload)
{
	struct fetch *f = payload;
	struct err e = ERR_INIT;
	long long now = out_now_ms();

	if (out_tick(f->o, &e) < 0) {
		err_set(&f->why, "%s", e.msg);
		return GIT_EUSER;
	}
	if (now - f->last_ms >= PROGRESS_MS && st->total_objects) {
		f->last_ms = now;
		out_printf(f->o, "       received %u of %u objects (%zu KiB)",
			   st->received_objects, st->total_objects,
			   st->received_bytes >> 10);
	}
	return 0;
}

/* The libgit2 error, or what a callback said when it refused. */
static int git_failed(struct fetch *f, const char *url, struct err *err)
{
	const git_error *ge = git_error_last();

	if (f->why.msg[0])
		return err_set(err, "cannot fetch upstream '%.200s': %s", url,
			       f->why.msg);
	return err_set(err, "cannot fetch upstream '%.200s': %s", url,
		       ge && ge->message ? ge->message : "unknown error");
}

static int fetch_branch(git_repository *repo, const struct store_app *app,
			struct fetch *f, struct err *err)
{
	git_fetch_options opts;
	git_remote_create_options ropts;
	git_remote *remote = NULL;
	char *spec = xstrfmt("+refs/heads/%s:refs/solum/upstream/%s",
			     app->branch, app->branch);
	char *specs[] = { spec };
	git_strarray refspecs = { specs, 1 };
	int ret = 0;

	git_fetch_options_init(&opts, GIT_FETCH_OPTIONS_VERSION);
	if (f->ssh)
		opts.callbacks.transport = gitssh_transport;
	opts.callbacks.transfer_progress = progress;
	opts.callbacks.payload = f;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.prune = GIT_FETCH_NO_PRUNE;
	opts.update_fetchhead = 0;
	/* anonymous, and no url.*.insteadOf of any config rewrites it */
	git_remote_create_options_init(&ropts, GIT_REMOTE_CREATE_OPTIONS_VERSION);
	ropts.repository = repo;
	ropts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
		      GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, app->upstream, &ropts) < 0 ||
	    git_remote_fetch(remote, &refspecs, &opts, NULL) < 0)
		ret = git_failed(f, app->upstream, err);
	git_remote_free(remote);
	free(spec);
	return ret;
}

/*
 * refs/heads/BRANCH to `want` when that is a fast-forward (or the branch
 * is missing): a clone of solum's repository shows what was deployed.
 */
static void move_branch(git_repository *repo, const struct store_app *app,
			const git_oid *want, struct out *o)
{
	char *name = xstrfmt("refs/heads/%s", app->branch);
	git_reference *ref = NULL;
	git_oid cur;
	int rc = git_reference_name_to_id(&cur, repo, name);

	if (rc == GIT_ENOTFOUND)
		rc = git_reference_create(&ref, repo, name, want, 0,
					  "solum: fetched from upstream");
	else if (rc == 0 && git_oid_cmp(&cur, want) &&
		 git_graph_descendant_of(repo, want, &cur) == 1)
		rc = git_reference_create_matching(&ref, repo, name, want, 1,
						   &cur, "solum: fetched from upstream");
	else if (rc == 0 && git_oid_cmp(&cur, want))
		out_printf(o, "       %s of solum's repository has commits the upstream has not; left as it is",
			   app->branch);
	if (rc < 0)
		out_printf(o, "       warning: %s not moved: %s", name,
			   git_error_last() ? git_error_last()->message : "?");
	git_reference_free(ref);
	free(name);
}

int upstream_fetch(struct ctx *ctx, const struct store_app *app,
		   const char *commit, struct out *o, struct err *err)
{
	struct fetch f;
	char *identity = NULL, *known_hosts = NULL;
	git_repository *repo = NULL;
	git_commit *c = NULL;
	git_oid want, got;
	char *ref = NULL;
	int ret = -1;

	memset(&f, 0, sizeof(f));
	f.o = o;
	f.last_ms = out_now_ms();
	if (!app->upstream)
		return err_set(err, "app '%s' has no upstream (solum app set %s --upstream URL)",
			       app->name, app->name);
	if (!name_sha1_valid(commit) || git_oid_fromstr(&want, commit) < 0)
		return err_set(err, "invalid commit '%.60s': 40 hex digits",
			       commit);
	if (check_url(app->upstream, &f.ssh, err) < 0 ||
	    repo_open(ctx->home, app->repo, &repo, err) < 0)
		return -1;
	identity = config_client_identity(&ctx->cfg);
	known_hosts = config_client_known_hosts(&ctx->cfg);
	f.g.identity = identity;
	f.g.known_hosts = known_hosts;
	f.g.timeout_secs = FETCH_IDLE_SECS;
	f.g.o = o;
	f.g.why = &f.why;
	if (fetch_branch(repo, app, &f, err) < 0)
		goto out;
	ref = xstrfmt("refs/solum/upstream/%s", app->branch);
	if (git_reference_name_to_id(&got, repo, ref) == GIT_ENOTFOUND) {
		err_set(err, "upstream '%.200s' has no branch '%s'",
			app->upstream, app->branch);
		goto out;
	}
	if (git_commit_lookup(&c, repo, &want) < 0) {
		err_set(err, "commit %.12s is not on branch '%s' of upstream '%.200s' (force-pushed away?)",
			commit, app->branch, app->upstream);
		goto out;
	}
	move_branch(repo, app, &want, o);
	ret = 0;
out:
	git_commit_free(c);
	git_repository_free(repo);
	free(ref);
	free(identity);
	free(known_hosts);
	return ret;
}
