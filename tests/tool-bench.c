/* tool-bench: test-tool tarstream-build, a deploy's build step alone */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <git2.h>

#include "buf.h"
#include "docker.h"
#include "tarstream.h"
#include "test-tool.h"

static void print_line(const char *line, void *payload)
{
	printf("%s\n", line);
}

static void print_warning(const char *msg, void *payload)
{
	fprintf(stderr, "warning: %s\n", msg);
}

struct source {
	struct tarstream *ts;
	struct timespec eof;	/* when the last byte was handed to libcurl */
};

static ssize_t tar_read(void *buf, size_t len, void *payload, struct err *err)
{
	struct source *src = payload;
	ssize_t n = tarstream_read(src->ts, buf, len, err);

	if (!n && len && !src->eof.tv_sec)
		clock_gettime(CLOCK_REALTIME, &src->eof);
	return n;
}

/*
 * test-tool tarstream-build REPO REV HOST TAG [--dockerfile PATH]
 *	[--no-ignore] [--no-cache]
 *
 * Streams the tree of REV straight into the engine's /build in this one
 * process, as `solum hook post-receive` does: the tar is produced inside
 * the HTTP client's read callback, so no pipe, no copy, no file. Build
 * output goes to stdout, then "image ID"; to stderr "files N bytes B eof
 * SECONDS", the wall-clock time (Unix seconds, to the microsecond) when
 * the last byte of the context was handed to the HTTP client.
 */
int tool_tarstream_build(int argc, char **argv)
{
	struct tarstream_opts topts = { NULL, 0, print_warning, NULL };
	struct docker_build_opts bopts = { 0 };
	struct docker_out out = { print_line, NULL, NULL };
	struct err err = ERR_INIT;
	git_repository *repo = NULL;
	struct tarstream *ts = NULL;
	struct source src = { 0 };
	struct docker *d = NULL;
	const char *pos[4] = { NULL, NULL, NULL, NULL };
	char *host = NULL, *id = NULL;
	size_t npos = 0, files = 0;
	uint64_t bytes = 0;
	int i, ret = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-ignore"))
			topts.no_ignore = 1;
		else if (!strcmp(argv[i], "--no-cache"))
			bopts.nocache = 1;
		else if (!strcmp(argv[i], "--dockerfile") && i + 1 < argc)
			topts.dockerfile = bopts.dockerfile = argv[++i];
		else if (npos < 4)
			pos[npos++] = argv[i];
		else
			goto usage;
	}
	if (npos != 4)
		goto usage;

	git_libgit2_init();
	if (tarstream_setup_libgit2(&err) < 0)
		goto fail;
	if (git_repository_open(&repo, pos[0]) < 0) {
		const git_error *e = git_error_last();

		err_set(&err, "open '%s': %s", pos[0],
			e ? e->message : "unknown error");
		goto fail;
	}
	if (tarstream_new(repo, pos[1], &topts, &ts, &err) < 0)
		goto fail;
	if (pos[2][0] == '/')
		host = xstrfmt("unix://%s", pos[2]);
	if (docker_open(host ? host : pos[2], NULL, &d, &err) < 0)
		goto fail;
	bopts.tag = *pos[3] ? pos[3] : NULL;
	bopts.read = tar_read;
	src.ts = ts;
	bopts.read_payload = &src;
	if (docker_build(d, &bopts, &out, &id, &err) < 0)
		goto fail;
	tarstream_stats(ts, &files, &bytes);
	printf("image %s\n", id);
	fprintf(stderr, "files %zu bytes %llu eof %lld.%06ld\n", files,
		(unsigned long long)bytes, (long long)src.eof.tv_sec,
		src.eof.tv_nsec / 1000);
	ret = 0;
	goto out;
fail:
	fflush(stdout);
	fprintf(stderr, "test-tool: %s\n", err.msg);
out:
	free(id);
	free(host);
	docker_free(d);
	tarstream_free(ts);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return ret;
usage:
	fprintf(stderr, "usage: test-tool tarstream-build REPO REV HOST TAG "
		"[--dockerfile PATH] [--no-ignore] [--no-cache]\n");
	return 129;
}
