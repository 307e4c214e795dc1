/* replay: run a fuzz target over its corpus, without libFuzzer, as TAP */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fuzz.h"
#include "strvec.h"

/*
 * With no argument the corpus the binary was built for is replayed, so
 * that prove can run it as it is. Arguments name corpus directories or
 * single inputs (a crash reproducer, for instance).
 */
#ifndef CORPUS_DIR
#define CORPUS_DIR "tests/fuzz/corpus"
#endif

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Push the regular files of `dir` (not recursive), sorted. */
static int list_dir(const char *dir, struct strvec *files)
{
	struct strvec names = STRVEC_INIT;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);
	size_t i;

	if (!d) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", dir,
			strerror(errno));
		return -1;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			strvec_pushf(&names, "%s/%s", dir, de->d_name);
	closedir(d);
	if (names.nr)
		qsort(names.v, names.nr, sizeof(*names.v), by_name);
	for (i = 0; i < names.nr; i++)
		if (!stat(names.v[i], &st) && S_ISREG(st.st_mode))
			strvec_push(files, names.v[i]);
	strvec_clear(&names);
	return 0;
}

/* The whole file in a buffer of exactly its size, so overreads show. */
static int read_input(const char *path, uint8_t **data_out, size_t *size_out)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		fclose(f);
		buf_release(&b);
		return -1;
	}
	fclose(f);
	*size_out = b.len;
	*data_out = xmalloc(b.len ? b.len : 1);
	memcpy(*data_out, b.ptr, b.len);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	struct strvec files = STRVEC_INIT;
	const char *def[] = { CORPUS_DIR };
	const char *const *args = (const char *const *)argv + 1;
	size_t nargs = (size_t)argc - 1, i;
	struct stat st;
	int ret = 0;

	if (!nargs) {
		args = def;
		nargs = 1;
	}
	for (i = 0; i < nargs; i++) {
		if (stat(args[i], &st)) {
			fprintf(stderr, "replay: '%s': %s\n", args[i],
				strerror(errno));
			ret = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (list_dir(args[i], &files))
				ret = 1;
		} else {
			strvec_push(&files, args[i]);
		}
	}
	if (ret) {
		/* a corpus is committed with its target: missing is a failure */
		printf("Bail out! no corpus to replay\n");
		strvec_clear(&files);
		return 1;
	}
	printf("1..%zu\n", files.nr);
	fflush(stdout);
	for (i = 0; i < files.nr; i++) {
		uint8_t *data = NULL;
		size_t size = 0;

		if (read_input(files.v[i], &data, &size)) {
			printf("not ok %zu - %s\n", i + 1, files.v[i]);
			ret = 1;
			continue;
		}
		LLVMFuzzerTestOneInput(data, size);
		free(data);
		printf("ok %zu - %s\n", i + 1, files.v[i]);
		fflush(stdout);
	}
	strvec_clear(&files);
	return ret;
}
