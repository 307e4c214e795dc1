/* repo: the bare repositories under <home>/repos and their hooks */
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "hooktext.h"
#include "repo.h"
#include "tarstream.h"
#include "banned.h"

static int git_ready;

int repo_git_init(struct err *err)
{
	if (git_ready)
		return 0;
	if (git_libgit2_init() < 0)
		return err_set(err, "cannot initialise libgit2");
	git_ready = 1;
	return tarstream_setup_libgit2(err);
}

void repo_git_shutdown(void)
{
	if (git_ready)
		git_libgit2_shutdown();
	git_ready = 0;
}

char *repo_path(const char *home, const char *name)
{
	return xstrfmt("%s/repos/%s.git", home, name);
}

static int git_fail(struct err *err, const char *what)
{
	const git_error *e = git_error_last();

	return err_set(err, "%s: %s", what, e && e->message ? e->message
							   : "libgit2 error");
}

/* Replace @SOLUM_BIN@ and @SOLUM_HOME@ in a hook template. */
static char *expand(const char *tmpl, const char *self, const char *home)
{
	struct buf b = BUF_INIT;
	const char *p = tmpl, *at;

	while ((at = strchr(p, '@'))) {
		buf_add(&b, p, (size_t)(at - p));
		if (starts_with(at, "@SOLUM_BIN@", NULL)) {
			buf_addstr(&b, self);
			p = at + strlen("@SOLUM_BIN@");
		} else if (starts_with(at, "@SOLUM_HOME@", NULL)) {
			buf_addstr(&b, home);
			p = at + strlen("@SOLUM_HOME@");
		} else {
			buf_addch(&b, '@');
			p = at + 1;
		}
	}
	buf_addstr(&b, p);
	return buf_detach(&b);
}

int repo_install_hooks(const char *gitdir, const char *self, const char *home,
		       int gate, struct err *err)
{
	static const struct {
		const char *name, *text;
		int gate_only;
	} hooks[] = {
		{ "post-receive", hook_post_receive, 0 },
		{ "pre-receive", hook_pre_receive, 1 },
	};
	size_t i;
	int ret = 0;

	/* the hook quotes these paths with single quotes */
	if (strchr(self, '\'') || strchr(home, '\''))
		return err_set(err, "paths with a single quote are not supported: '%s'",
			       strchr(self, '\'') ? self : home);
	for (i = 0; i < sizeof(hooks) / sizeof(hooks[0]) && !ret; i++) {
		char *path = xstrfmt("%s/hooks/%s", gitdir, hooks[i].name);
		char *text = expand(hooks[i].text, self, home);

		/* a hook costs a process per push: gate mode alone needs this one */
		if (hooks[i].gate_only && !gate) {
			if (unlink(path) < 0 && errno != ENOENT)
				ret = err_errno(err, "cannot remove '%s'", path);
		} else {
			ret = file_write_atomic(path, text, 0755, err);
		}
		free(path);
		free(text);
	}
	return ret;
}

int repo_create(const char *home, const char *name, const char *self,
		int gate, struct err *err)
{
	git_repository_init_options opts;
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	char *path = repo_path(home, name), *hooks = NULL;
	int ret = -1;

	git_repository_init_options_init(&opts,
					 GIT_REPOSITORY_INIT_OPTIONS_VERSION);
	if (repo_git_init(err) < 0)
		goto out;
	opts.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_MKPATH |
		     GIT_REPOSITORY_INIT_NO_REINIT;
	opts.initial_head = "master";
	if (git_repository_open_bare(&repo, path) == 0) {
		;	/* exists: only refresh hooks and settings */
	} else if (git_repository_init_ext(&repo, path, &opts) < 0) {
		git_fail(err, "cannot create repository");
		err_wrap(err, "repository '%s'", name);
		goto out;
	}
	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_bool(cfg, "receive.fsckObjects", 1) < 0 ||
	    git_config_set_bool(cfg, "transfer.fsckObjects", 1) < 0 ||
	    git_config_set_bool(cfg, "receive.denyDeletes", 0) < 0 ||
	    git_config_set_bool(cfg, "core.logAllRefUpdates", 1) < 0 ||
	    git_config_set_bool(cfg, "uploadpack.allowFilter", 1) < 0 ||
	    git_config_set_bool(cfg, "receive.advertisePushOptions", 1) < 0) {
		git_fail(err, "cannot configure repository");
		err_wrap(err, "repository '%s'", name);
		goto out;
	}
	hooks = xstrfmt("%s/hooks", path);
	if (mkdir(hooks, 0755) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create '%s'", hooks);
		goto out;
	}
	ret = repo_install_hooks(path, self, home, gate, err);
out:
	git_config_free(cfg);
	git_repository_free(repo);
	free(hooks);
	free(path);
	return ret;
}

/*
 * Open an app's repository. In a pre-receive hook (gate mode) the pushed
 * objects are still in git's quarantine directory, which git names in
 * GIT_QUARANTINE_PATH: it is added as an alternate so they can be read.
 */
int repo_open(const char *home, const char *name, git_repository **out,
	      struct err *err)
{
	char *path = repo_path(home, name);
	const char *q = getenv("GIT_QUARANTINE_PATH");
	git_odb *odb = NULL;
	int ret = -1;

	*out = NULL;
	if (repo_git_init(err) < 0)
		goto out;
	if (git_repository_open_bare(out, path) < 0) {
		git_fail(err, "open repository");
		err_wrap(err, "repository '%s'", name);
		goto out;
	}
	if (q && *q && (git_repository_odb(&odb, *out) < 0 ||
			git_odb_add_disk_alternate(odb, q) < 0)) {
		git_fail(err, "read the pushed objects");
		err_wrap(err, "repository '%s'", name);
		git_repository_free(*out);
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	git_odb_free(odb);
	free(path);
	return ret;
}

int repo_resolve(const char *home, const char *name, const char *branch,
		 const char *rev, char commit_out[41], char tree_out[41],
		 struct err *err)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	char *spec = NULL;
	int ret = -1;

	if (repo_open(home, name, &repo, err) < 0)
		goto out;
	spec = rev ? xstrdup(rev) : xstrfmt("refs/heads/%s", branch);
	if (strlen(spec) > 256 || spec[0] == '-') {
		err_set(err, "invalid revision '%.64s'", spec);
		goto out;
	}
	if (git_revparse_single(&obj, repo, spec) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		err_set(err, "revision '%s' not found in repository '%s'%s",
			spec, name, rev ? "" : " (push the branch first)");
		goto out;
	}
	git_oid_tostr(commit_out, 41, git_commit_id(commit));
	git_oid_tostr(tree_out, 41, git_commit_tree_id(commit));
	ret = 0;
out:
	git_commit_free(commit);
	git_object_free(obj);
	git_repository_free(repo);
	free(spec);
	return ret;
}
