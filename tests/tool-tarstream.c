/* tool-tarstream: test-tool tarstream and test-tool dockerignore */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "buf.h"
#include "dockerignore.h"
#include "tarstream.h"
#include "test-tool.h"

/*
 * What an HTTP client typically asks for in one read callback; the shell
 * tests vary it with TEST_TARSTREAM_CHUNK, and stop early (freeing a
 * stream midway) with TEST_TARSTREAM_STOP=BYTES.
 */
#define CHUNK (64 * 1024)

static size_t env_size(const char *name, size_t dflt)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long n;

	if (!v || !*v)
		return dflt;
	n = strtoull(v, &end, 10);
	return *end || !n ? dflt : (size_t)n;
}

static void print_warning(const char *msg, void *payload)
{
	(void)payload;
	fprintf(stderr, "warning: %s\n", msg);
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tool_tarstream(int argc, char **argv)
{
	struct tarstream_opts opts = { NULL, 0, print_warning, NULL };
	struct err err = ERR_INIT;
	git_repository *repo = NULL;
	struct tarstream *ts = NULL;
	const char *repo_path = NULL, *rev = NULL;
	char *chunk = NULL;
	size_t chunk_size = env_size("TEST_TARSTREAM_CHUNK", CHUNK);
	size_t stop = env_size("TEST_TARSTREAM_STOP", SIZE_MAX), done = 0;
	ssize_t n = 0;
	int i, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-ignore"))
			opts.no_ignore = 1;
		else if (!strcmp(argv[i], "--dockerfile") && i + 1 < argc)
			opts.dockerfile = argv[++i];
		else if (!repo_path)
			repo_path = argv[i];
		else if (!rev)
			rev = argv[i];
		else
			goto usage;
	}
	if (!repo_path || !rev)
		goto usage;

	git_libgit2_init();
	if (tarstream_setup_libgit2(&err)) {
		fprintf(stderr, "test-tool: %s\n", err.msg);
		goto out;
	}
	if (git_repository_open(&repo, repo_path)) {
		const git_error *e = git_error_last();

		fprintf(stderr, "test-tool: open '%s': %s\n", repo_path,
			e ? e->message : "unknown error");
		goto out;
	}
	if (tarstream_new(repo, rev, &opts, &ts, &err)) {
		fprintf(stderr, "test-tool: %s\n", err.msg);
		goto out;
	}
	chunk = xmalloc(chunk_size);
	while (done < stop &&
	       (n = tarstream_read(ts, chunk, chunk_size, &err)) > 0) {
		if (write_all(1, chunk, (size_t)n)) {
			perror("test-tool: write");
			goto out;
		}
		done += (size_t)n;
	}
	if (done >= stop) {
		ret = 0;
		goto out;
	}
	if (n < 0) {
		fprintf(stderr, "test-tool: %s\n", err.msg);
		goto out;
	}
	if (getenv("TEST_TARSTREAM_STATS")) {
		size_t files;
		uint64_t bytes;

		tarstream_stats(ts, &files, &bytes);
		fprintf(stderr, "files %zu bytes %llu\n", files,
			(unsigned long long)bytes);
	}
	ret = 0;
out:
	free(chunk);
	tarstream_free(ts);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
usage:
	fprintf(stderr, "usage: test-tool tarstream REPO REV "
		"[--dockerfile PATH] [--no-ignore]\n");
	return 129;
}

int tool_dockerignore(int argc, char **argv)
{
	struct dockerignore *di = NULL;
	struct err err = ERR_INIT;
	struct buf data = BUF_INIT;
	char chunk[8192];
	ssize_t n;
	int i, fd = -1, ret = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: test-tool dockerignore FILE PATH...\n");
		return 129;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "test-tool: open '%s': %s\n", argv[1],
			strerror(errno));
		goto out;
	}
	/* one byte past the limit is enough to be refused */
	while (data.len <= DOCKERIGNORE_MAX_SIZE &&
	       (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "test-tool: read '%s': %s\n", argv[1],
				strerror(errno));
			goto out;
		}
		buf_add(&data, chunk, (size_t)n);
	}
	di = dockerignore_new();
	if (dockerignore_read(di, argv[1], data.ptr, data.len, &err) ||
	    dockerignore_keep(di, ".dockerignore", &err) ||
	    dockerignore_keep(di, "Dockerfile", &err)) {
		fprintf(stderr, "test-tool: %s\n", err.msg);
		goto out;
	}
	for (i = 2; i < argc; i++) {
		int skip = strcmp(argv[i], "Dockerfile") &&
			   strcmp(argv[i], ".dockerignore") &&
			   dockerignore_excluded(di, argv[i]);

		printf("%s %s\n", skip ? "skip" : "send", argv[i]);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&data);
	dockerignore_free(di);
	return ret;
}
