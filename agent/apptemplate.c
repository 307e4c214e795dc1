/* apptemplate: where an app's Heat template comes from, and the copies
 * kept for rollbacks */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

#include "apptemplate.h"
#include "buf.h"
#include "file.h"
#include "name.h"
#include "repo.h"
#include "banned.h"

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* "server-docker" or "server-docker.yaml" as a template name, else 0. */
static int template_name_valid(const char *arg, char *base, size_t size)
{
	size_t n = strlen(arg);

	if (n > 5 && !strcmp(arg + n - 5, ".yaml"))
		n -= 5;
	if (!n || n >= size)
		return 0;
	memcpy(base, arg, n);
	base[n] = '\0';
	return name_valid(base);
}

/* The shipped template `base`.yaml, from the first directory holding it. */
static char *find_named(const struct config *cfg, const char *base)
{
	const char *dirs[3];
	size_t i, nr = 0;

	if (cfg->openstack_templates)
		dirs[nr++] = cfg->openstack_templates;
	dirs[nr++] = SOLUM_TEMPLATES_DIR;
	dirs[nr++] = SOLUM_SOURCE_TEMPLATES;
	for (i = 0; i < nr; i++) {
		char *path = xstrfmt("%s/%s.yaml", dirs[i], base);

		if (is_file(path))
			return path;
		free(path);
		if (cfg->openstack_templates)
			break;	/* the operator's directory, and only it */
	}
	return NULL;
}

int apptemplate_resolve(const struct config *cfg, const char *arg, int remote,
			char **path_out, struct err *err)
{
	struct template t = TEMPLATE_INIT;
	char base[NAME_MAX + 1], *path = NULL;

	if (!remote && (strchr(arg, '/') || is_file(arg))) {
		path = realpath(arg, NULL);
		if (!path)
			return err_errno(err, "template '%.200s'", arg);
	} else if (!template_name_valid(arg, base, sizeof(base))) {
		return err_set(err, remote ?
			       "over ssh, --template takes the NAME of one of solum's templates, or '-' and the template on standard input" :
			       "template '%.200s': no such file, and not the name of one of solum's templates",
			       arg);
	} else if (!(path = find_named(cfg, base))) {
		return err_set(err, "template '%s' is not one of solum's templates (see templates/ and the README)",
			       base);
	}
	if (template_load(&t, path, err) < 0) {
		free(path);
		return -1;
	}
	template_release(&t);
	*path_out = path;
	return 0;
}

int apptemplate_save(const char *home, const char *app, const char *text,
		     char **path_out, struct err *err)
{
	struct template t = TEMPLATE_INIT;
	char *dir, *path = NULL, *label = xstrfmt("%s.yaml", app);
	int ret = -1;

	if (template_parse(&t, label, text, strlen(text), err) < 0)
		goto out;
	template_release(&t);
	dir = xstrfmt("%s/templates", home);
	path = xstrfmt("%s/%s.yaml", dir, app);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		err_errno(err, "cannot create '%s'", dir);
	else if (file_write_atomic(path, text, 0600, err) == 0)
		ret = 0;
	free(dir);
	if (!ret) {
		*path_out = path;
		path = NULL;
	}
out:
	free(path);
	free(label);
	return ret;
}

/* APPTEMPLATE_REPO_PATH of `commit` in the app's repository. */
static int load_from_tree(const char *home, const struct store_app *app,
			  const char *commit, struct template *t,
			  struct err *err)
{
	git_repository *repo = NULL;
	git_commit *c = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	git_oid oid;
	char label[64];
	int ret = -1;

	snprintf(label, sizeof(label), "%.7s:%s", commit, APPTEMPLATE_REPO_PATH);
	if (repo_open(home, app->repo, &repo, err) < 0)
		return -1;
	if (git_oid_fromstr(&oid, commit) < 0 ||
	    git_commit_lookup(&c, repo, &oid) < 0 ||
	    git_commit_tree(&tree, c) < 0) {
		err_set(err, "commit %.40s is not in repository '%s'", commit,
			app->repo);
	} else if (git_tree_entry_bypath(&entry, tree,
					 APPTEMPLATE_REPO_PATH) < 0 ||
		   git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		err_set(err, "the pushed tree has no %s, and app '%s' takes its template from there (--template-from-repo)",
			APPTEMPLATE_REPO_PATH, app->name);
	} else if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) {
		err_set(err, "cannot read %s", label);
	} else if (git_blob_rawsize(blob) > TEMPLATE_MAX_SIZE) {
		err_set(err, "%s: larger than %d bytes (Heat's limit)", label,
			TEMPLATE_MAX_SIZE);
	} else {
		ret = template_parse(t, label, git_blob_rawcontent(blob),
				     (size_t)git_blob_rawsize(blob), err);
	}
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(c);
	git_repository_free(repo);
	return ret;
}

int apptemplate_load(const char *home, const struct store_app *app,
		     const char *commit, struct template *t, struct err *err)
{
	if (app->template_from_repo)
		return load_from_tree(home, app, commit, t, err);
	if (!app->template)
		return err_set(err, "app '%s' has no Heat template: solum app set %s --template NAME|FILE|- (or --template-from-repo)",
			       app->name, app->name);
	return template_load(t, app->template, err);
}

static char *kept_path(const char *home, const char *hash)
{
	return xstrfmt("%s/templates/sha256/%s.yaml", home, hash);
}

int apptemplate_keep(const char *home, const struct template *t,
		     struct err *err)
{
	char *dir = xstrfmt("%s/templates/sha256", home);
	char *path = kept_path(home, t->hash);
	int ret = 0;

	if (!is_file(path) &&
	    (file_mkdir_p(dir, 0700, err) < 0 ||
	     file_write_atomic(path, t->text, 0600, err) < 0))
		ret = -1;
	free(dir);
	free(path);
	return ret;
}

int apptemplate_load_kept(const char *home, const char *hash,
			  struct template *t, struct err *err)
{
	char *path;
	int ret;

	if (strlen(hash) != TEMPLATE_HASH_HEX - 1 ||
	    strspn(hash, "0123456789abcdef") != TEMPLATE_HASH_HEX - 1)
		return err_set(err, "bad template hash");
	path = kept_path(home, hash);
	ret = template_load(t, path, err);
	free(path);
	if (ret == 0 && strcmp(t->hash, hash)) {
		template_release(t);
		return err_set(err, "the kept template %.12s... was changed since", hash);
	}
	return ret;
}
