/* file: small file-system helpers shared by the modules */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"

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

int file_write_atomic(const char *path, const char *text, mode_t mode,
		      struct err *err)
{
	char *tmp = xstrfmt("%s.tmp%ld", path, (long)getpid());
	int fd, ret = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		err_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	if (file_write_all(fd, text, strlen(text)) < 0 || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0) {
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
