/* fuzz-dockerignore: read any .dockerignore, then match paths against it */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dockerignore.h"
#include "fuzz.h"

/*
 * Matching costs patterns x path length x depth: bound the input and the
 * paths tried so that one run stays well under a second.
 */
#define MAX_INPUT 8192
#define MAX_PATHS 8
#define MAX_PATH 64

static const char *const fixed_paths[] = {
	"Dockerfile", ".dockerignore", "a/b/c", "node_modules/x/y.js",
};

static void try_path(struct dockerignore *di, const char *path)
{
	int excluded, exact, matches;

	excluded = dockerignore_excluded(di, path);
	exact = dockerignore_matches_exact(di, path);
	matches = dockerignore_matches(di, path);
	CHECK(excluded == 0 || excluded == 1);
	CHECK(exact == 0 || exact == 1);
	CHECK(matches == 0 || matches == 1);
	/*
	 * A top-level name has no parent to walk, so the three answers are
	 * one: the pattern list decides on the name alone.
	 */
	if (*path && !strchr(path, '/') && strcmp(path, ".") &&
	    strcmp(path, ".."))
		CHECK(excluded == exact && exact == matches);
}

/*
 * Paths to try: each line of the input as a path (its `!`, leading `/`
 * and white space taken off, so that patterns meet the paths they name),
 * then a few fixed ones.
 */
static void try_paths(struct dockerignore *di, const char *data, size_t size)
{
	size_t pos = 0, tried = 0, i;
	char path[MAX_PATH + 1];

	while (pos < size && tried < MAX_PATHS) {
		const char *nl = memchr(data + pos, '\n', size - pos);
		size_t end = nl ? (size_t)(nl - data) : size, start = pos, n;

		pos = nl ? end + 1 : size;
		while (start < end && strchr(" \t!/", data[start]))
			start++;
		while (end > start && strchr(" \t\r", data[end - 1]))
			end--;
		n = end - start;
		if (!n || n > MAX_PATH || memchr(data + start, '\0', n))
			continue;
		memcpy(path, data + start, n);
		path[n] = '\0';
		try_path(di, path);
		tried++;
	}
	for (i = 0; i < sizeof(fixed_paths) / sizeof(fixed_paths[0]); i++)
		try_path(di, fixed_paths[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerignore *di;
	struct err err = ERR_INIT;
	size_t i, n;
	int excl;

	if (size > MAX_INPUT)
		return -1;
	di = dockerignore_new();
	if (dockerignore_read(di, ".dockerignore", (const char *)data, size,
			      &err) < 0)
		CHECK(err.msg[0]);
	n = dockerignore_count(di);
	for (i = 0; i < n; i++) {
		const char *p = dockerignore_pattern(di, i, &excl);

		CHECK(p && (excl == 0 || excl == 1));
		CHECK(!excl || dockerignore_has_exceptions(di));
	}
	/* what solum does before a walk: the Dockerfile is always sent */
	err_clear(&err);
	if (!dockerignore_keep(di, "Dockerfile", &err))
		CHECK(!dockerignore_excluded(di, "Dockerfile") &&
		      !dockerignore_matches(di, "Dockerfile"));
	try_paths(di, (const char *)data, size);
	dockerignore_free(di);
	return 0;
}
