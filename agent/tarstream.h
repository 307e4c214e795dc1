/* tarstream: a commit's tree as a tar build context, pulled buffer by buffer */
#ifndef SOLUM_TARSTREAM_H
#define SOLUM_TARSTREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <git2.h>

#include "err.h"

/*
 * The tree of a commit, read straight from the object database (no
 * checkout, no temporary file) and handed out as a tar stream (POSIX pax,
 * so long and non-ASCII paths survive) by tarstream_read(), which fits
 * inside an HTTP client's read callback.
 *
 * What the tar holds:
 *  - regular files with mode 0644, or 0755 when git has the executable bit;
 *  - symbolic links, their targets taken from their blobs;
 *  - directories (0755), each before its entries, so empty-looking paths
 *    exist;
 *  - not submodules (commits in the tree): each is skipped with a warning;
 *  - not what `.dockerignore` (read from the tree itself) excludes, with
 *    Docker's rules (see dockerignore.h); `<Dockerfile>.dockerignore`
 *    next to the Dockerfile, when present, is used instead, as BuildKit
 *    does. The Dockerfile and `.dockerignore` are always sent. An
 *    excluded directory that is still walked (an exception may re-include
 *    something below it) gets no entry of its own, as with `docker build`.
 *
 * The same tree always gives the same bytes: entries in tree order, every
 * time stamp the commit's time, uid and gid 0, no user or group names.
 *
 * Memory stays bounded by the largest blob (one blob is held at a time),
 * libgit2's mapped pack windows (see tarstream_setup_libgit2()) and a few
 * KiB: file data goes from the blob into the caller's buffer without an
 * intermediate copy. Large loose objects are not even held whole: they are
 * inflated straight into the caller's buffer.
 */
struct tarstream;

struct tarstream_opts {
	/* Path of the Dockerfile in the tree; NULL means "Dockerfile". */
	const char *dockerfile;
	/* Non-zero: send everything, ignoring any .dockerignore. */
	int no_ignore;
	/*
	 * Called with one line (no newline) for what is left out and why,
	 * such as a submodule. `msg` is valid during the call only. May be
	 * NULL.
	 */
	void (*warn)(const char *msg, void *payload);
	void *payload;
};

/*
 * Process-wide libgit2 settings that streaming needs: call once, after
 * git_libgit2_init() and before threads use libgit2. They turn off libgit2's
 * re-hashing of every object read (which would double the cost; objects were
 * checked when received, and git does not re-hash either) and keep mapped
 * pack windows to TARSTREAM_MWINDOW_LIMIT in all, so that reading a large
 * pack does not make the whole pack resident.
 */
#define TARSTREAM_MWINDOW_SIZE (2 * 1024 * 1024)
#define TARSTREAM_MWINDOW_LIMIT (8 * 1024 * 1024)
int tarstream_setup_libgit2(struct err *err);

/*
 * Resolve `rev` (any revision string: a branch, a tag, an object id...) to
 * a commit and get ready to stream its tree. Checks here, before any byte
 * is produced: the revision names a commit, the Dockerfile exists at its
 * path ("no Dockerfile at 'path' in 1a2b3c4"), and the ignore file reads.
 *
 * `repo` is borrowed and must stay open until tarstream_free(); `opts` (may
 * be NULL) is copied. On success `*out` is owned by the caller.
 */
int tarstream_new(git_repository *repo, const char *rev,
		  const struct tarstream_opts *opts, struct tarstream **out,
		  struct err *err);

/*
 * Fill up to `len` bytes of `buf` with the next part of the tar. Returns
 * the number of bytes written (fewer than `len` only at the very end), 0
 * once the tar is complete (or when `len` is 0), or -1 on error; after an
 * error, each further call fails with the same message. Any `len` works;
 * file data is produced in slices of at most `len` bytes.
 */
ssize_t tarstream_read(struct tarstream *ts, void *buf, size_t len,
		       struct err *err);

/*
 * What has been produced so far: files (regular files and symbolic links)
 * and tar bytes. Either pointer may be NULL.
 */
void tarstream_stats(const struct tarstream *ts, size_t *files_out,
		     uint64_t *bytes_out);

/* The id of the commit being streamed (borrowed, valid until free). */
const git_oid *tarstream_commit_id(const struct tarstream *ts);

/* Free everything; NULL is a no-op. */
void tarstream_free(struct tarstream *ts);

#endif
