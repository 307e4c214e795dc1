/* nginxapi: what the nginx*.c files share; not for other modules */
#ifndef SOLUM_NGINXAPI_H
#define SOLUM_NGINXAPI_H

#include <sys/types.h>

#include "buf.h"
#include "config.h"
#include "err.h"

/* Files we read back (app files, nginx output, the error log tail). */
#define MAX_FILE (64 * 1024)
/* Workers of one master we keep track of across a reload. */
#define MAX_WORKERS 64
/* Enough for the master's title to keep the -c path (see run_nginx). */
#define NGINX_ENV_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct paths {
	char *dir;	/* <home>/nginx, absolute */
	char *prefix;	/* the same with a trailing slash, for -p */
	char *conf;
	char *apps;
	char *pid;
	char *log;
	char *lock;
	char *tmp;
	const char *program;	/* local.nginx: a path, or a name for PATH */
};

/* The paths of cfg->home's front; nginx_paths_release frees them. */
void nginx_paths_init(struct paths *p, const struct config *cfg);
void nginx_paths_release(struct paths *p);

/*
 * Read a small file (at most MAX_FILE) into `out`. 1 if it was read, 0 if
 * it does not exist, -1 on error.
 */
int nginx_read_small(const char *path, struct buf *out, struct err *err);
/* Up to `len` bytes of fd at `off` appended to `out`. */
void nginx_pread_into(int fd, off_t off, size_t len, struct buf *out);

/*
 * 0 if process `pid` exists and is not a zombie, *ppid_out (optional) its
 * parent; else -1.
 */
int nginx_proc_stat(pid_t pid, pid_t *ppid_out);

/* The pid of this home's master (alive, started on our nginx.conf), or 0. */
pid_t nginx_master_pid(const struct paths *p);
/*
 * What worker `pid` of `master` does: W_GONE (exited, or not its worker),
 * W_ACTIVE (accepts connections), W_LEAVING ("shutting down").
 */
enum { W_GONE, W_ACTIVE, W_LEAVING };
int nginx_worker_state(pid_t master, pid_t pid);
/* The workers of `master` that accept connections, at most `max`. */
size_t nginx_active_workers(pid_t master, pid_t *pids, size_t max);
/*
 * Run nginx on this home's configuration: the master when `test` is 0
 * (it daemonizes), else `nginx -t`. -1 with nginx's own message.
 */
int nginx_run(const struct paths *p, int test, struct err *err);
/* A file's size, 0 when it cannot be read. */
off_t nginx_file_size(const char *path);
/* 1 and the line in `msg` if error.log got an [emerg] past `since`. */
int nginx_log_emerg_since(const struct paths *p, off_t since,
			  struct buf *msg);

struct nginx_probe {
	char release[32];	/* the X-Solum-Release the answer carried */
};

/*
 * One GET of `url` on a new connection, never through a proxy: the HTTP
 * status with the release in `pr`, or -1 with the reason in `why`.
 */
long nginx_probe(const char *url, long timeout_ms, struct nginx_probe *pr,
		 struct buf *why);

#endif
