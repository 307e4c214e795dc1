/* file: small file-system helpers shared by the modules */
#ifndef SOLUM_FILE_H
#define SOLUM_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* write(2) all of `len` bytes, retrying on EINTR; 0 or -1 with errno. */
int file_write_all(int fd, const void *data, size_t len);

/*
 * Replace `path` with `text` (mode `mode`) atomically: written and fsync'ed
 * to "<path>.tmp<pid>", then renamed over `path`, so a reader sees the old
 * file or the new one, never half of one.
 */
int file_write_atomic(const char *path, const char *text, mode_t mode,
		      struct err *err);

/* mkdir -p: create `path` and its missing parents with `mode`. */
int file_mkdir_p(const char *path, mode_t mode, struct err *err);

#endif
