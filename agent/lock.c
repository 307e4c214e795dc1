/* lock: the locks of deploys, held by the kernel, and who holds them */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "lock.h"
#include "banned.h"

char *lock_app_path(const char *home, const char *app)
{
	return xstrfmt("%s/run/%s.lock", home, app);
}

char *lock_release_path(const char *home, const char *app, int number)
{
	return xstrfmt("%s/run/%s@v%d.lock", home, app, number);
}

char *lock_queue_path(const char *home, const char *app)
{
	return xstrfmt("%s/run/%s@queue.lock", home, app);
}

int lock_try(const char *path, int create, struct err *err)
{
	int fd = open(path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0644);

	if (fd < 0) {
		if (errno == ENOENT && !create)
			return LOCK_MISSING;
		return err_errno(err, "cannot open lock '%s'", path);
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			close(fd);
			return LOCK_BUSY;
		}
		err_errno(err, "cannot lock '%s'", path);
		close(fd);
		return -1;
	}
	return fd;
}

int lock_wait(const char *path, long timeout_ms, struct err *err)
{
	struct timespec slice = { 0, 10 * 1000000L };
	long waited = 0;
	int fd;

	while ((fd = lock_try(path, 1, err)) == LOCK_BUSY) {
		if (waited >= timeout_ms)
			return err_set(err, "'%s' stayed locked for %lds", path,
				       timeout_ms / 1000);
		nanosleep(&slice, NULL);
		waited += 10;
	}
	return fd;
}

void lock_drop(int fd, const char *path)
{
	if (fd < 0)
		return;
	if (path)
		unlink(path);
	close(fd);
}

int lock_fd_is(int fd, const char *path)
{
	struct stat a, b;

	return fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* 1 if process `pid` has the file (device, inode of `st`) open. */
static int has_open(pid_t pid, const struct stat *st)
{
	char dir[64];
	DIR *d;
	struct dirent *de;
	int found = 0;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	d = opendir(dir);
	while (d && !found && (de = readdir(d))) {
		struct stat s;

		if (de->d_name[0] == '.')
			continue;
		found = fstatat(dirfd(d), de->d_name, &s, 0) == 0 &&
			s.st_dev == st->st_dev && s.st_ino == st->st_ino;
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * One line of /proc/locks, "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5317 0 EOF":
 * the holder's pid if it is an FLOCK held (not waited for: "1: -> FLOCK")
 * on the file of `st`, else 0.
 */
static pid_t parse_locks_line(const char *line, const struct stat *st)
{
	char type[16], kind[16], mode[16];
	unsigned int maj, min;
	unsigned long long ino;
	long pid;

	if (sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%llu", type, kind,
		   mode, &pid, &maj, &min, &ino) != 7)
		return 0;
	if (strcmp(type, "FLOCK") || pid <= 0 || maj != major(st->st_dev) ||
	    min != minor(st->st_dev) || ino != (unsigned long long)st->st_ino)
		return 0;
	return (pid_t)pid;
}

pid_t lock_holder(const char *path, struct err *err)
{
	struct stat st;
	char line[256];
	FILE *f;
	pid_t pid, found = 0;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_errno(err, "cannot stat '%s'", path);
	}
	f = fopen("/proc/locks", "re");
	if (!f)
		return err_errno(err, "cannot read /proc/locks");
	while (!found && fgets(line, sizeof(line), f)) {
		pid = parse_locks_line(line, &st);
		if (pid > 0 && has_open(pid, &st))
			found = pid;
	}
	fclose(f);
	return found;
}
