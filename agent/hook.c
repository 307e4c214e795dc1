/* hook: what the repositories' git hooks run (post-receive, pre-receive) */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
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

int hook_post_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err)
{
	struct hook_update *ups = NULL;
	char repo[64], s[8];
	size_t nr = 0, i;

	if (hook_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    read_updates(in, &ups, &nr, err) < 0)
		return -1;
	for (i = 0; i < nr; i++) {
		struct store_app app;
		const char *branch;
		int rc;

		if (!starts_with(ups[i].ref, "refs/heads/", &branch)) {
			fprintf(out, "-----> %s: not a branch, nothing to deploy\n",
				ups[i].ref);
			continue;
		}
		rc = store_app_for_branch(ctx->store, repo, branch, &app, err);
		if (rc < 0) {
			fprintf(out, "-----> %s: %s\n", branch, err->msg);
			err_clear(err);
			continue;
		}
		if (rc == 1) {
			fprintf(out, "-----> %s: branch '%s' of '%s' is not mapped to an app, nothing to deploy\n",
				branch, branch, repo);
			continue;
		}
		if (!strcmp(ups[i].new_oid, zero_oid)) {
			fprintf(out, "-----> %s: branch deleted; app '%s' keeps its current release\n",
				branch, app.name);
		} else {
			short_oid(ups[i].new_oid, s);
			fprintf(out, "-----> %s (%s) maps to app '%s'\n",
				branch, s, app.name);
		}
		store_app_release(&app);
		fflush(out);
	}
	fflush(out);
	free(ups);
	return 0;
}

int hook_pre_receive(struct ctx *ctx, FILE *in, FILE *out, struct err *err)
{
	struct hook_update *ups = NULL;
	char repo[64];
	size_t nr = 0;

	if (hook_repo_name(ctx->home, repo, sizeof(repo), err) < 0 ||
	    read_updates(in, &ups, &nr, err) < 0)
		return -1;
	free(ups);
	return 0;
}
