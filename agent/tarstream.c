/* tarstream: a commit's tree as a tar build context, pulled buffer by buffer */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "dockerignore.h"
#include "tarstream.h"
#include "banned.h"

/*
 * Deeper or longer than this cannot be a path that Docker could extract
 * anyway; the bound also keeps each tar header small.
 */
#define MAX_DEPTH 2048
#define MAX_PATH (64 * 1024)
/* Linux's PATH_MAX less the terminating NUL. */
#define MAX_LINK_TARGET 4095
/*
 * Blobs from this size on are streamed when the object database can (loose
 * objects), instead of being inflated whole into memory.
 */
#define STREAM_MIN (256 * 1024)

struct frame {
	git_tree *tree;		/* owned */
	size_t next, nr;	/* next entry to look at, number of entries */
	size_t pathlen;		/* length of "dir/" in ts->path */
	unsigned char *state;	/* dockerignore state; NULL at the top */
};

enum ts_state {
	TS_WALK,		/* between entries */
	TS_DATA,		/* inside the data of the current file */
	TS_DONE,		/* the end of the archive has been written */
	TS_FAILED
};

struct tarstream {
	git_repository *repo;	/* borrowed */
	git_commit *commit;
	char short_id[GIT_OID_HEXSZ + 1];
	char *dockerfile;
	int no_ignore;
	void (*warn)(const char *msg, void *payload);
	void *payload;
	struct dockerignore *di;	/* NULL when nothing is excluded */
	unsigned char *scratch;		/* for a file being matched */
	time_t mtime;

	struct archive *ar;
	struct archive_entry *entry;
	locale_t loc;

	struct frame *stack;
	size_t depth, alloc;
	struct buf path;
	struct buf tmp;

	git_odb *odb;
	/* the file whose data is being written: from a stream or a blob */
	git_odb_stream *stream;
	git_odb_object *obj;
	const char *data;
	int has_loose;
	size_t size, off;

	enum ts_state state;
	struct err failure;

	/* Where on_write() puts bytes during tarstream_read(). */
	unsigned char *dst;
	size_t dst_len, dst_used;
	struct buf over;	/* what did not fit, handed out first */
	size_t over_off;
	int discard;		/* being freed: drop what is written */

	size_t files;
	uint64_t bytes;
};

/* Set err to "<fmt with arg>: <libgit2's last error>" and return -1. */
static int git_fail(struct err *err, const char *fmt, const char *arg)
{
	const git_error *e = git_error_last();
	struct buf msg = BUF_INIT;

	buf_addf(&msg, fmt, arg);
	err_set(err, "%s: %s", msg.ptr,
		e && e->message ? e->message : "unknown error");
	buf_release(&msg);
	return -1;
}

/*
 * libarchive's write callback: straight into the caller's buffer, the rest
 * (a header or padding at most, since file data is written only as far as
 * the buffer has room) into the overflow buffer.
 */
static la_ssize_t on_write(struct archive *a, void *payload,
			   const void *data, size_t len)
{
	struct tarstream *ts = payload;
	size_t room, n = 0;

	(void)a;
	if (ts->discard)
		return (la_ssize_t)len;
	if (ts->dst && ts->over.len == ts->over_off) {
		room = ts->dst_len - ts->dst_used;
		n = len < room ? len : room;
		/* streamed data was read in place: nothing to copy */
		if (data != ts->dst + ts->dst_used)
			memmove(ts->dst + ts->dst_used, data, n);
		ts->dst_used += n;
	}
	if (n < len)
		buf_add(&ts->over, (const char *)data + n, len - n);
	return (la_ssize_t)len;
}

static void drain_over(struct tarstream *ts)
{
	size_t have = ts->over.len - ts->over_off;
	size_t room = ts->dst_len - ts->dst_used;
	size_t n = have < room ? have : room;

	memcpy(ts->dst + ts->dst_used, ts->over.ptr + ts->over_off, n);
	ts->dst_used += n;
	ts->over_off += n;
	if (ts->over_off == ts->over.len) {
		buf_reset(&ts->over);
		ts->over_off = 0;
	}
}

static int archive_fail(struct tarstream *ts, struct err *err,
			const char *what)
{
	const char *msg = archive_error_string(ts->ar);

	return err_set(err, "%s '%s': %s", what, ts->path.ptr,
		       msg ? msg : "unknown error");
}

/* Write the header for ts->path, of `type` (AE_IF*), `perm` and `size`. */
static int write_header(struct tarstream *ts, unsigned int type,
			unsigned int perm, size_t size, const char *target,
			struct err *err)
{
	struct archive_entry *e = ts->entry;
	int r;

	/*
	 * The entry is reused as it is, each field set every time: clearing
	 * it would free and reallocate its strings for every file. Owner,
	 * group and the other times stay unset (0, no names).
	 */
	archive_entry_copy_pathname(e, ts->path.ptr);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm);
	archive_entry_set_size(e, (la_int64_t)size);
	archive_entry_set_mtime(e, ts->mtime, 0);
	archive_entry_copy_symlink(e, target);
	r = archive_write_header(ts->ar, e);
	/* ARCHIVE_WARN: a name not in UTF-8, written as raw bytes */
	if (r < ARCHIVE_WARN)
		return archive_fail(ts, err, "write tar header for");
	return 0;
}

static void warn(struct tarstream *ts, const char *fmt, const char *arg)
{
	struct buf msg = BUF_INIT;

	if (!ts->warn)
		return;
	buf_addf(&msg, fmt, arg);
	ts->warn(msg.ptr, ts->payload);
	buf_release(&msg);
}

static void push_frame(struct tarstream *ts, git_tree *tree,
		       unsigned char *state)
{
	struct frame *f;

	if (ts->depth == ts->alloc) {
		ts->alloc = ts->alloc ? ts->alloc * 2 : 16;
		ts->stack = xrealloc(ts->stack, ts->alloc * sizeof(*ts->stack));
	}
	f = &ts->stack[ts->depth++];
	f->tree = tree;
	f->next = 0;
	f->nr = git_tree_entrycount(tree);
	f->pathlen = ts->path.len;
	f->state = state;
}

static void pop_frame(struct tarstream *ts)
{
	struct frame *f = &ts->stack[--ts->depth];

	git_tree_free(f->tree);
	free(f->state);
}

/* Is `path` the Dockerfile or `.dockerignore`, always sent? */
static int is_kept(const struct tarstream *ts, const char *path)
{
	return !strcmp(path, ts->dockerfile) || !strcmp(path, ".dockerignore");
}

/* Is `dir` a parent directory of the Dockerfile? */
static int holds_kept(const struct tarstream *ts, const char *dir, size_t len)
{
	return !strncmp(ts->dockerfile, dir, len) && ts->dockerfile[len] == '/';
}

static int valid_name(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

/*
 * A regular file big enough to be worth it, when the object database can
 * stream it: 1 if ts->stream is ready, 0 if the blob must be read whole.
 * Only loose objects can be streamed by libgit2; when the repository has
 * none, this costs nothing.
 */
static int open_stream(struct tarstream *ts, const git_oid *id,
		       git_filemode_t mode, struct err *err)
{
	git_object_t type;
	size_t size;
	int r;

	if (mode == GIT_FILEMODE_LINK || !ts->has_loose)
		return 0;
	if (git_odb_read_header(&size, &type, ts->odb, id))
		return git_fail(err, "read blob '%s'", ts->path.ptr);
	if (size < STREAM_MIN)
		return 0;
	r = git_odb_open_rstream(&ts->stream, &size, &type, ts->odb, id);
	if (r) {
		/* a packed object */
		git_error_clear();
		ts->stream = NULL;
		return 0;
	}
	if (type != GIT_OBJECT_BLOB) {
		git_odb_stream_free(ts->stream);
		ts->stream = NULL;
		return err_set(err, "'%s' is not a blob", ts->path.ptr);
	}
	if (write_header(ts, AE_IFREG,
			 mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644,
			 size, NULL, err)) {
		git_odb_stream_free(ts->stream);
		ts->stream = NULL;
		return -1;
	}
	ts->files++;
	ts->size = size;
	ts->off = 0;
	ts->state = TS_DATA;
	return 1;
}

static int start_file(struct tarstream *ts, const git_tree_entry *te,
		      git_filemode_t mode, struct err *err)
{
	git_odb_object *obj = NULL;
	size_t size;
	const char *data;
	int r;

	r = open_stream(ts, git_tree_entry_id(te), mode, err);
	if (r)
		return r < 0 ? -1 : 0;
	/* the object database directly: blobs are not cached anyway */
	if (git_odb_read(&obj, ts->odb, git_tree_entry_id(te)))
		return git_fail(err, "read blob '%s'", ts->path.ptr);
	if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
		git_odb_object_free(obj);
		return err_set(err, "'%s' is not a blob", ts->path.ptr);
	}
	size = git_odb_object_size(obj);
	data = git_odb_object_data(obj);
	if (mode == GIT_FILEMODE_LINK) {
		if (size > MAX_LINK_TARGET || memchr(data, '\0', size)) {
			git_odb_object_free(obj);
			return err_set(err, "symbolic link '%s': bad target",
				       ts->path.ptr);
		}
		buf_reset(&ts->tmp);
		buf_add(&ts->tmp, data, size);
		git_odb_object_free(obj);
		if (write_header(ts, AE_IFLNK, 0777, 0, ts->tmp.ptr, err))
			return -1;
		ts->files++;
		return 0;
	}
	if (write_header(ts, AE_IFREG,
			 mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644,
			 size, NULL, err)) {
		git_odb_object_free(obj);
		return -1;
	}
	ts->files++;
	if (!size) {
		git_odb_object_free(obj);
		return 0;
	}
	ts->obj = obj;
	ts->data = data;
	ts->size = size;
	ts->off = 0;
	ts->state = TS_DATA;
	return 0;
}

/* Does the object database hold loose objects (objects/xx/ directories)? */
static int has_loose_objects(git_repository *repo)
{
	struct buf path = BUF_INIT;
	struct dirent *de;
	DIR *dir;
	int found = 0;

	buf_addf(&path, "%s/objects", git_repository_commondir(repo));
	dir = opendir(path.ptr);
	if (!dir) {
		buf_release(&path);
		return 1;	/* do not know: try */
	}
	while (!found && (de = readdir(dir)))
		found = strlen(de->d_name) == 2 &&
			isxdigit((unsigned char)de->d_name[0]) &&
			isxdigit((unsigned char)de->d_name[1]);
	closedir(dir);
	buf_release(&path);
	return found;
}

/* A directory: go into it, and write its header unless it is excluded. */
static int enter_dir(struct tarstream *ts, const git_tree_entry *te,
		     int excluded, unsigned char *state, struct err *err)
{
	git_tree *sub = NULL;

	if (excluded && !dockerignore_descend(ts->di, ts->path.ptr) &&
	    !holds_kept(ts, ts->path.ptr, ts->path.len)) {
		free(state);
		return 0;
	}
	if (ts->depth >= MAX_DEPTH) {
		free(state);
		return err_set(err, "tree of %s: '%s' nested too deep",
			       ts->short_id, ts->path.ptr);
	}
	if (git_tree_lookup(&sub, ts->repo, git_tree_entry_id(te))) {
		free(state);
		return git_fail(err, "read tree '%s'", ts->path.ptr);
	}
	if (!excluded && write_header(ts, AE_IFDIR, 0755, 0, NULL, err)) {
		free(state);
		git_tree_free(sub);
		return -1;
	}
	buf_addch(&ts->path, '/');
	push_frame(ts, sub, state);
	return !excluded;
}

/*
 * Look at the next entry of the innermost directory: 1 if it wrote a header,
 * 0 if it was passed over, -1 on error.
 */
static int visit(struct tarstream *ts, struct err *err)
{
	struct frame *f = &ts->stack[ts->depth - 1];
	const git_tree_entry *te = git_tree_entry_byindex(f->tree, f->next++);
	const char *name = git_tree_entry_name(te);
	git_filemode_t mode = git_tree_entry_filemode(te);
	unsigned char *state = NULL;
	int excluded = 0;

	buf_setlen(&ts->path, f->pathlen);
	if (!valid_name(name))
		return err_set(err, "tree of %s: bad entry name '%s' in '%s'",
			       ts->short_id, name,
			       f->pathlen ? ts->path.ptr : ".");
	buf_addstr(&ts->path, name);
	if (ts->path.len > MAX_PATH)
		return err_set(err, "tree of %s: path over %d bytes: '%.64s'",
			       ts->short_id, MAX_PATH, ts->path.ptr);

	if (ts->di) {
		unsigned char *out = ts->scratch;

		if (mode == GIT_FILEMODE_TREE)
			out = state = xmalloc(dockerignore_state_size(ts->di));
		excluded = dockerignore_match_walk(ts->di, ts->path.ptr,
						   f->state, out);
		if (excluded && is_kept(ts, ts->path.ptr))
			excluded = 0;
	}

	switch (mode) {
	case GIT_FILEMODE_TREE:
		return enter_dir(ts, te, excluded, state, err);
	case GIT_FILEMODE_COMMIT:
		if (!excluded)
			warn(ts, "skipping submodule '%s': a build context "
			     "holds no submodules", ts->path.ptr);
		return 0;
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
	case GIT_FILEMODE_LINK:
		if (excluded)
			return 0;
		return start_file(ts, te, mode, err) ? -1 : 1;
	default:
		return err_set(err, "tree of %s: '%s' has unknown mode %o",
			       ts->short_id, ts->path.ptr, (unsigned int)mode);
	}
}

/*
 * Move the walk on until one entry has been written (or the end of the
 * archive). Entries that are left out are passed over here.
 */
static int step(struct tarstream *ts, struct err *err)
{
	int r;

	for (;;) {
		struct frame *f;

		if (!ts->depth) {
			if (archive_write_close(ts->ar) < ARCHIVE_WARN)
				return archive_fail(ts, err,
						    "finish tar after");
			ts->state = TS_DONE;
			return 0;
		}
		f = &ts->stack[ts->depth - 1];
		if (f->next == f->nr) {
			pop_frame(ts);
			if (ts->depth)
				buf_setlen(&ts->path,
					   ts->stack[ts->depth - 1].pathlen);
			continue;
		}
		r = visit(ts, err);
		if (r)
			return r < 0 ? -1 : 0;
	}
}

static int write_data(struct tarstream *ts, struct err *err)
{
	size_t room = ts->dst_len - ts->dst_used;
	size_t n = ts->size - ts->off;
	const char *from;
	la_ssize_t w;

	if (n > room)
		n = room;
	if (ts->stream) {
		/* inflate straight into the caller's buffer */
		char *to = (char *)ts->dst + ts->dst_used;
		int r;

		if (n > INT_MAX)
			n = INT_MAX;
		r = git_odb_stream_read(ts->stream, to, n);
		if (r < 0)
			return git_fail(err, "read blob '%s'", ts->path.ptr);
		if (!r)
			return err_set(err, "read blob '%s': ends early",
				       ts->path.ptr);
		n = (size_t)r;
		from = to;
	} else {
		from = ts->data + ts->off;
	}
	w = archive_write_data(ts->ar, from, n);
	if (w < 0 || (size_t)w != n)
		return archive_fail(ts, err, "write tar data for");
	ts->off += n;
	if (ts->off == ts->size) {
		git_odb_stream_free(ts->stream);
		ts->stream = NULL;
		git_odb_object_free(ts->obj);
		ts->obj = NULL;
		ts->data = NULL;
		ts->state = TS_WALK;
	}
	return 0;
}

int tarstream_setup_libgit2(struct err *err)
{
	/*
	 * Objects were checked by index-pack when they were received; like
	 * git itself, do not hash every blob again on each read.
	 */
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0) ||
	    /* small pack windows, few mapped at once: bounded memory */
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE,
			     (size_t)TARSTREAM_MWINDOW_SIZE) ||
	    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT,
			     (size_t)TARSTREAM_MWINDOW_LIMIT))
		return git_fail(err, "%s", "set up libgit2");
	return 0;
}

ssize_t tarstream_read(struct tarstream *ts, void *buf, size_t len,
		       struct err *err)
{
	locale_t old;
	int ret = 0;

	if (ts->state == TS_FAILED) {
		if (err)
			*err = ts->failure;
		return -1;
	}
	if (!len)
		return 0;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	ts->dst = buf;
	ts->dst_len = len;
	ts->dst_used = 0;
	drain_over(ts);
	/* libarchive converts names with the thread's locale: make it UTF-8 */
	old = ts->loc ? uselocale(ts->loc) : (locale_t)0;
	while (!ret && ts->dst_used < len) {
		if (ts->state == TS_DATA)
			ret = write_data(ts, &ts->failure);
		else if (ts->state == TS_WALK)
			ret = step(ts, &ts->failure);
		else
			break;
	}
	if (ts->loc)
		uselocale(old);
	ts->dst = NULL;
	if (ret) {
		ts->state = TS_FAILED;
		if (err)
			*err = ts->failure;
		return -1;
	}
	ts->bytes += ts->dst_used;
	return (ssize_t)ts->dst_used;
}

void tarstream_stats(const struct tarstream *ts, size_t *files_out,
		     uint64_t *bytes_out)
{
	if (files_out)
		*files_out = ts->files;
	if (bytes_out)
		*bytes_out = ts->bytes;
}

const git_oid *tarstream_commit_id(const struct tarstream *ts)
{
	return git_commit_id(ts->commit);
}

void tarstream_free(struct tarstream *ts)
{
	if (!ts)
		return;
	if (ts->ar) {
		/*
		 * Freeing an unfinished archive writes its end: throw that
		 * away. (archive_write_fail() would skip it but leaks.)
		 */
		ts->discard = 1;
		archive_write_free(ts->ar);
	}
	if (ts->entry)
		archive_entry_free(ts->entry);
	while (ts->depth)
		pop_frame(ts);
	free(ts->stack);
	if (ts->stream)
		git_odb_stream_free(ts->stream);
	git_odb_object_free(ts->obj);
	git_odb_free(ts->odb);
	git_commit_free(ts->commit);
	dockerignore_free(ts->di);
	free(ts->scratch);
	free(ts->dockerfile);
	if (ts->loc)
		freelocale(ts->loc);
	buf_release(&ts->path);
	buf_release(&ts->tmp);
	buf_release(&ts->over);
	free(ts);
}

/* A path inside the tree: no empty, `.` or `..` component, not absolute. */
static int valid_path(const char *path)
{
	const char *p = path;
	size_t n;

	for (;;) {
		n = strcspn(p, "/");
		if (!n || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

/*
 * Read the ignore file at `path` of the root tree, if there is one: 1 if
 * found and read, 0 if absent.
 */
static int load_ignore(struct tarstream *ts, git_tree *root, const char *path,
		       struct err *err)
{
	git_tree_entry *te = NULL;
	git_blob *blob = NULL;
	git_object_t type;
	size_t size;
	int ret = -1, r;

	r = git_tree_entry_bypath(&te, root, path);
	if (r == GIT_ENOTFOUND)
		return 0;
	if (r) {
		git_fail(err, "look up '%s'", path);
		goto out;
	}
	if (git_tree_entry_filemode(te) != GIT_FILEMODE_BLOB &&
	    git_tree_entry_filemode(te) != GIT_FILEMODE_BLOB_EXECUTABLE) {
		err_set(err, "'%s' in %s is not a regular file", path,
			ts->short_id);
		goto out;
	}
	/* look at the size before loading a blob that could be huge */
	if (git_odb_read_header(&size, &type, ts->odb, git_tree_entry_id(te))) {
		git_fail(err, "read '%s'", path);
		goto out;
	}
	if (size > DOCKERIGNORE_MAX_SIZE) {
		err_set(err, "'%s' in %s: larger than %d bytes", path,
			ts->short_id, DOCKERIGNORE_MAX_SIZE);
		goto out;
	}
	if (git_blob_lookup(&blob, ts->repo, git_tree_entry_id(te))) {
		git_fail(err, "read '%s'", path);
		goto out;
	}
	if (dockerignore_read(ts->di, path, git_blob_rawcontent(blob),
			      (size_t)git_blob_rawsize(blob), err))
		goto out;
	ret = 1;
out:
	git_blob_free(blob);
	git_tree_entry_free(te);
	return ret;
}

static int setup_ignore(struct tarstream *ts, git_tree *root, struct err *err)
{
	char *specific = xstrfmt("%s.dockerignore", ts->dockerfile);
	int r;

	ts->di = dockerignore_new();
	/* BuildKit: <Dockerfile>.dockerignore wins over .dockerignore */
	r = load_ignore(ts, root, specific, err);
	if (!r)
		r = load_ignore(ts, root, ".dockerignore", err);
	free(specific);
	if (r < 0)
		return -1;
	if (dockerignore_keep(ts->di, ".dockerignore", err) ||
	    dockerignore_keep(ts->di, ts->dockerfile, err))
		return -1;
	if (!dockerignore_count(ts->di)) {
		dockerignore_free(ts->di);
		ts->di = NULL;
		return 0;
	}
	ts->scratch = xmalloc(dockerignore_state_size(ts->di) + 1);
	return 0;
}

static int setup_archive(struct tarstream *ts, struct err *err)
{
	ts->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	ts->ar = archive_write_new();
	ts->entry = archive_entry_new();
	if (!ts->ar || !ts->entry)
		return err_set(err, "cannot set up a tar writer");
	if (archive_write_set_format_pax_restricted(ts->ar) ||
	    archive_write_set_bytes_per_block(ts->ar, 0) ||
	    /* without a UTF-8 locale, names go out as raw bytes */
	    (!ts->loc &&
	     archive_write_set_options(ts->ar, "hdrcharset=BINARY")) ||
	    archive_write_open2(ts->ar, ts, NULL, on_write, NULL, NULL))
		return err_set(err, "set up a tar writer: %s",
			       archive_error_string(ts->ar));
	return 0;
}

int tarstream_new(git_repository *repo, const char *rev,
		  const struct tarstream_opts *opts, struct tarstream **out,
		  struct err *err)
{
	struct tarstream *ts = xcalloc(1, sizeof(*ts));
	git_object *obj = NULL, *peeled = NULL;
	git_tree *root = NULL;
	git_tree_entry *te = NULL;
	git_buf sid = { NULL, 0, 0 };
	const char *df;
	int r;

	*out = NULL;
	ts->repo = repo;
	buf_init(&ts->path);
	buf_init(&ts->tmp);
	buf_init(&ts->over);
	df = opts && opts->dockerfile ? opts->dockerfile : "Dockerfile";
	while (df[0] == '.' && df[1] == '/')
		df += 2;
	ts->dockerfile = xstrdup(df);
	if (opts) {
		ts->no_ignore = opts->no_ignore;
		ts->warn = opts->warn;
		ts->payload = opts->payload;
	}
	if (!valid_path(ts->dockerfile)) {
		err_set(err, "bad Dockerfile path '%s'", ts->dockerfile);
		goto fail;
	}

	if (git_repository_odb(&ts->odb, repo)) {
		git_fail(err, "%s", "open object database");
		goto fail;
	}
	r = git_revparse_single(&obj, repo, rev);
	if (r == GIT_ENOTFOUND || r == GIT_EAMBIGUOUS ||
	    r == GIT_EINVALIDSPEC) {
		err_set(err, "unknown revision '%s'", rev);
		goto fail;
	} else if (r) {
		git_fail(err, "resolve revision '%s'", rev);
		goto fail;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT)) {
		err_set(err, "revision '%s' is not a commit", rev);
		goto fail;
	}
	ts->commit = (git_commit *)peeled;
	peeled = NULL;
	ts->mtime = (time_t)git_commit_time(ts->commit);
	if (!git_object_short_id(&sid, (git_object *)ts->commit)) {
		xsnprintf(ts->short_id, sizeof(ts->short_id), "%s", sid.ptr);
		git_buf_dispose(&sid);
	} else {
		git_oid_tostr(ts->short_id, 8, git_commit_id(ts->commit));
	}
	if (git_commit_tree(&root, ts->commit)) {
		git_fail(err, "read tree of '%s'", ts->short_id);
		goto fail;
	}

	r = git_tree_entry_bypath(&te, root, ts->dockerfile);
	if (r && r != GIT_ENOTFOUND) {
		git_fail(err, "look up '%s'", ts->dockerfile);
		goto fail;
	}
	if (r == GIT_ENOTFOUND ||
	    git_tree_entry_type(te) != GIT_OBJECT_BLOB) {
		err_set(err, "no Dockerfile at '%s' in %s", ts->dockerfile,
			ts->short_id);
		goto fail;
	}

	ts->has_loose = has_loose_objects(repo);
	if (!ts->no_ignore && setup_ignore(ts, root, err))
		goto fail;
	if (setup_archive(ts, err))
		goto fail;

	push_frame(ts, root, NULL);
	root = NULL;
	ts->state = TS_WALK;
	git_tree_entry_free(te);
	git_object_free(obj);
	*out = ts;
	return 0;

fail:
	git_tree_entry_free(te);
	git_tree_free(root);
	git_object_free(peeled);
	git_object_free(obj);
	tarstream_free(ts);
	return -1;
}
