/* file: small file-system helpers shared by the modules */
#ifndef SOLUM_FILE_H
#define SOLUM_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* write(2) all of `len` bytes, retrying on EINTR; 0 or -1 with errno. */
int file_write_all(int fd, const void *data, size_t len);

/*
 * Replace `path` with `text` atomically: written and fsync'ed to a new
 * "<path>.tmp<pid>", then renamed over `path`, so a reader sees the old
 * file or the new one, never half of one. The file gets `mode` less the
 * umask, as open(2) gives it (solum runs under umask 077: its files are
 * its owner's alone).
 */
int file_write_atomic(const char *path, const char *text, mode_t mode,
		      struct err *err);

/*
 * Append all of the regular file `path` to `out`, at most `cap` bytes.
 * 0 when read; -1 with errno set: open(2)'s (ENOENT, EACCES, ...), EISDIR
 * or EINVAL for what is not a regular file, EFBIG past `cap` (what was
 * read stays in `out`), or read(2)'s. The caller words the error. The
 * bytes pass through a stack buffer that is wiped: files may hold secrets.
 */
struct buf;
int file_read_capped(const char *path, size_t cap, struct buf *out);

/* mkdir -p: create `path` and its missing parents with `mode`. */
int file_mkdir_p(const char *path, mode_t mode, struct err *err);

/*
 * OpenSSH's StrictModes for one path: 0 if `path` belongs to the effective
 * user and neither its group nor others may read, write or search it; 1 if
 * it does not exist; -1 with a line naming the path and its mode (or owner)
 * otherwise.
 */
int file_check_private(const char *path, struct err *err);

/*
 * chmod go-rwx, recursively: `path` and everything below it end up with
 * no group or other bits. Symbolic links are neither followed nor changed.
 * -1 with the path that could not be changed.
 */
int file_restrict_tree(const char *path, struct err *err);

#endif
