/* file: small file-system helpers shared by the modules */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "banned.h"

int file_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int file_read_capped(const char *path, size_t cap, struct buf *out)
{
	char chunk[8192];
	struct stat st;
	size_t start = out->len;
	ssize_t n;
	int fd, ret = -1, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto out;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
		goto out;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (!n)
			break;
		buf_add(out, chunk, (size_t)n);
		if (out->len - start > cap) {
			errno = EFBIG;
			goto out;
		}
	}
	ret = 0;
out:
	saved = errno;
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	errno = saved;
	return ret;
}

int file_write_atomic(const char *path, const char *text, mode_t mode,
		      struct err *err)
{
	char *tmp = xstrfmt("%s.tmp%ld", path, (long)getpid());
	int fd, ret = -1;

	/* a new file, so that open(2) gives it `mode` less the umask */
	if (unlink(tmp) < 0 && errno != ENOENT) {
		err_errno(err, "cannot remove '%s'", tmp);
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		err_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	if (file_write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		err_errno(err, "cannot write '%s'", tmp);
		close(fd);
		unlink(tmp);
		goto out;
	}
	if (close(fd) < 0) {
		err_errno(err, "cannot write '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		err_errno(err, "cannot rename '%s'", tmp);
		unlink(tmp);
		goto out;
	}
	ret = 0;
out:
	free(tmp);
	return ret;
}

int file_mkdir_p(const char *path, mode_t mode, struct err *err)
{
	char *tmp = xstrdup(path), *p;
	int ret = 0;

	for (p = tmp + 1; ; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(tmp, mode) < 0 && errno != EEXIST) {
				ret = err_errno(err, "cannot create '%s'", tmp);
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(tmp);
	return ret;
}

int file_check_private(const char *path, struct err *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 1;
		return err_errno(err, "cannot stat '%s'", path);
	}
	if (st.st_uid != geteuid())
		return err_set(err, "'%s' belongs to uid %lu, not to uid %lu that runs solum",
			       path, (unsigned long)st.st_uid,
			       (unsigned long)geteuid());
	if (st.st_mode & 077)
		return err_set(err, "'%s' is open to other users (mode %04o, want %04o)",
			       path, (unsigned)(st.st_mode & 07777),
			       (unsigned)(st.st_mode & 07700));
	return 0;
}

/* Take group and other bits off `name` in directory `at`, and below it. */
static int restrict_at(int at, const char *name, const char *path,
		       int depth, struct err *err)
{
	struct stat st;
	DIR *d = NULL;
	struct dirent *de;
	int fd, ret = 0;

	if (fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 :
			err_errno(err, "cannot stat '%s'", path);
	/* a link's own mode means nothing; what it points at is not ours */
	if (S_ISLNK(st.st_mode))
		return 0;
	if ((st.st_mode & 077) &&
	    fchmodat(at, name, st.st_mode & 07700, 0) < 0)
		return err_errno(err, "cannot change the mode of '%s'", path);
	if (!S_ISDIR(st.st_mode))
		return 0;
	if (depth > 64)
		return err_set(err, "'%s': directories nested too deep", path);
	fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_errno(err, "cannot open '%s'", path);
	}
	while (!ret && (de = readdir(d))) {
		char *sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		sub = xstrfmt("%s/%s", path, de->d_name);
		ret = restrict_at(fd, de->d_name, sub, depth + 1, err);
		free(sub);
	}
	closedir(d);
	return ret;
}

int file_restrict_tree(const char *path, struct err *err)
{
	return restrict_at(AT_FDCWD, path, path, 0, err);
}
