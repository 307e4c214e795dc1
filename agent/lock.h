/* lock: the locks of deploys, held by the kernel, and who holds them */
#ifndef SOLUM_LOCK_H
#define SOLUM_LOCK_H

#include <sys/types.h>

#include "err.h"

/*
 * Whether a deploy is alive is decided by the kernel, never by a stored
 * PID: a deploy holds an flock (exclusive, on a file in <home>/run) that
 * the kernel drops when the process dies, however it dies. Three files
 * per app ('@' is in no app name, so no two apps' files meet):
 *
 *   <app>.lock        the app's lock: held by the one deploy that runs
 *   <app>@v<N>.lock   release N's lock: held by the process that runs (or
 *                     will run) release N from the moment it is queued
 *                     until it ends; removed by that process, or by
 *                     whoever finds it free afterwards
 *   <app>@queue.lock  held for a moment while a release is created and its
 *                     lock taken, and while releases are checked, so that
 *                     no one sees a new release before its lock is held
 */

#define LOCK_BUSY (-2)		/* another open file holds the lock */
#define LOCK_MISSING (-3)	/* the file does not exist (and !create) */

/* "<home>/run/<app>.lock", "<app>@v<N>.lock", "<app>@queue.lock"; owned. */
char *lock_app_path(const char *home, const char *app);
char *lock_release_path(const char *home, const char *app, int number);
char *lock_queue_path(const char *home, const char *app);

/*
 * Open `path` (created when `create`, mode 0644) and try to take its lock
 * without waiting. Returns the fd (O_CLOEXEC) holding the lock, LOCK_BUSY,
 * LOCK_MISSING, or -1 with err set.
 */
int lock_try(const char *path, int create, struct err *err);

/*
 * Take the lock on `path` (created if missing), waiting at most
 * `timeout_ms`. Returns the fd, or -1 with err set (also on timeout).
 */
int lock_wait(const char *path, long timeout_ms, struct err *err);

/*
 * Give up a lock: when `path` is not NULL the file is removed first, while
 * the lock is still held. fd < 0 is a no-op.
 */
void lock_drop(int fd, const char *path);

/* 1 if `fd` is open on the file `path` names (same device and inode). */
int lock_fd_is(int fd, const char *path);

/*
 * The process that holds the flock on `path`, proven twice: /proc/locks
 * names it as the holder of an FLOCK on the file's device and inode, and
 * /proc/PID/fd shows it has that file open (a PID alone may have been
 * reused). Returns the pid, 0 when no live process holds it (or the file
 * does not exist), -1 with err set when /proc cannot be read.
 */
pid_t lock_holder(const char *path, struct err *err);

#endif
