/* hookinput: what git hands a hook (ref updates, push options, the repository) */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "hookinput.h"
#include "name.h"
#include "banned.h"

static int is_hex40(const char *s)
{
	int i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int hookinput_parse_update(const char *line, struct hookinput_update *out,
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

int hookinput_repo_name(const char *home, char *name_out, size_t size,
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

int hookinput_read_updates(FILE *in, struct hookinput_update **ups_out,
			   size_t *nr_out, struct err *err)
{
	struct hookinput_update *ups = NULL;
	size_t nr = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t n;

	while ((n = getline(&line, &lcap, in)) >= 0) {
		if (n > HOOKINPUT_LINE_MAX) {
			err_set(err, "hook: ref update line longer than git writes");
			goto fail;
		}
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (nr >= HOOKINPUT_MAX_UPDATES) {
			err_set(err, "hook: more than %d ref updates in one push",
				HOOKINPUT_MAX_UPDATES);
			goto fail;
		}
		if (nr == cap) {
			cap = cap ? cap * 2 : 8;
			ups = xrealloc(ups, cap * sizeof(*ups));
		}
		if (hookinput_parse_update(line, &ups[nr], err) < 0)
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

enum hookinput_mode hookinput_push_mode(FILE *out)
{
	const char *count = getenv("GIT_PUSH_OPTION_COUNT");
	enum hookinput_mode mode = HOOKINPUT_SYNC;
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
			mode = HOOKINPUT_SKIP;
		else if (!strcmp(v, "deploy=async"))
			mode = HOOKINPUT_ASYNC;
		else if (!strcmp(v, "deploy=sync"))
			mode = HOOKINPUT_SYNC;
		else {
			char q[64];

			name_quote(v, q, sizeof(q));
			fprintf(out, "-----> ignoring unknown push option '%s' (known: deploy=skip, deploy=async)\n",
				q);
		}
	}
	return mode;
}

void hookinput_say_not_branch(FILE *out, const char *ref)
{
	fprintf(out, "-----> %s: not a branch, nothing to deploy\n", ref);
}

void hookinput_say_unmapped(FILE *out, const char *branch, const char *repo)
{
	fprintf(out, "-----> branch '%s' of '%s' is not mapped to an app: stored, not deployed\n",
		branch, repo);
}
