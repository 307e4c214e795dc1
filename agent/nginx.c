/* nginx: the app front: one nginx master per home, a stable port per app */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "lock.h"
#include "log.h"
#include "name.h"
#include "nginx.h"
#include "nginxapi.h"
#include "proc.h"
#include "banned.h"

void nginx_paths_init(struct paths *p, const struct config *cfg)
{
	const char *home = cfg->home;
	struct buf d = BUF_INIT;
	char cwd[PATH_MAX];

	if (home[0] != '/' && getcwd(cwd, sizeof(cwd)))
		buf_addf(&d, "%s/", cwd);
	buf_addstr(&d, home);
	while (d.len > 1 && d.ptr[d.len - 1] == '/')
		buf_setlen(&d, d.len - 1);
	buf_addstr(&d, "/nginx");
	p->dir = buf_detach(&d);
	p->prefix = xstrfmt("%s/", p->dir);
	p->conf = xstrfmt("%s/nginx.conf", p->dir);
	p->apps = xstrfmt("%s/apps", p->dir);
	p->pid = xstrfmt("%s/nginx.pid", p->dir);
	p->log = xstrfmt("%s/error.log", p->dir);
	p->lock = xstrfmt("%s/lock", p->dir);
	p->tmp = xstrfmt("%s/tmp", p->dir);
	p->program = cfg->nginx_path ? cfg->nginx_path : "nginx";
}

void nginx_paths_release(struct paths *p)
{
	free(p->dir);
	free(p->prefix);
	free(p->conf);
	free(p->apps);
	free(p->pid);
	free(p->log);
	free(p->lock);
	free(p->tmp);
}

/* ---- validation ---- */

/* One rule for app names everywhere (name.c). */
static int valid_app(const char *app)
{
	return app && name_valid(app);
}

/* 4 or 6 for an address literal, 0 otherwise */
static int ip_family(const char *host)
{
	unsigned char a[16];

	if (inet_pton(AF_INET, host, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, host, a) == 1)
		return 6;
	return 0;
}

/* "HOST:PORT" as nginx and URLs want it: IPv6 in brackets */
static void add_hostport(struct buf *b, const char *host, int port)
{
	if (ip_family(host) == 6)
		buf_addf(b, "[%s]:%d", host, port);
	else
		buf_addf(b, "%s:%d", host, port);
}

/* ---- files ---- */

/*
 * Read a small file into `out`. Returns 1 if it was read, 0 if it does not
 * exist, -1 on error.
 */
int nginx_read_small(const char *path, struct buf *out, struct err *err)
{
	buf_reset(out);
	if (file_read_capped(path, MAX_FILE, out) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	if (errno == EFBIG)
		return err_set(err, "'%s' is larger than %d bytes", path,
			       MAX_FILE);
	return err_errno(err, "cannot read '%s'", path);
}

/* Append up to `len` bytes of `fd` from offset `off` to `out`. */
void nginx_pread_into(int fd, off_t off, size_t len, struct buf *out)
{
	char chunk[4096];
	ssize_t n;

	while (len) {
		n = pread(fd, chunk, len < sizeof(chunk) ? len : sizeof(chunk),
			  off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf_add(out, chunk, (size_t)n);
		off += n;
		len -= (size_t)n;
	}
}

static int make_dir(const char *path, struct err *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return err_errno(err, "cannot create '%s'", path);
	return 0;
}

static void main_conf(struct buf *b)
{
	buf_addstr(b,
		"# nginx.conf: written by solum for this home's app front;\n"
		"# solum rewrites it on every route change, edits are lost.\n"
		"# Relative paths are under the -p prefix, <home>/nginx/.\n"
		"worker_processes 1;\n"
		"pid nginx.pid;\n"
		"lock_file nginx.lock;\n"
		"error_log error.log notice;\n"
		"\n"
		"events {\n"
		"\tworker_connections 1024;\n"
		"}\n"
		"\n"
		"http {\n"
		"\taccess_log off;\n"
		"\tserver_tokens off;\n"
		"\t# nothing under /var/lib/nginx: every temp path is ours\n"
		"\tclient_body_temp_path tmp/body;\n"
		"\tproxy_temp_path tmp/proxy;\n"
		"\tfastcgi_temp_path tmp/fastcgi;\n"
		"\tuwsgi_temp_path tmp/uwsgi;\n"
		"\tscgi_temp_path tmp/scgi;\n"
		"\n"
		"\tinclude apps/*.conf;\n"
		"}\n");
}

/* The layout under <home>/nginx/, and nginx.conf as this solum writes it. */
static int prepare(const struct paths *p, struct err *err)
{
	struct buf want = BUF_INIT, have = BUF_INIT;
	int ret = -1, r;

	if (make_dir(p->dir, err) < 0 || make_dir(p->apps, err) < 0 ||
	    make_dir(p->tmp, err) < 0)
		goto out;
	main_conf(&want);
	r = nginx_read_small(p->conf, &have, err);
	if (r < 0)
		goto out;
	if ((!r || strcmp(have.ptr, want.ptr)) &&
	    file_write_atomic(p->conf, want.ptr, 0644, err) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&want);
	buf_release(&have);
	return ret;
}

int nginx_prepare(const struct config *cfg, struct err *err)
{
	struct paths p;
	int ret;

	nginx_paths_init(&p, cfg);
	ret = prepare(&p, err);
	nginx_paths_release(&p);
	return ret;
}

/* Take the home's nginx lock; the kernel drops it when we die. */
static int take_lock(const struct paths *p, int *fd_out, struct err *err)
{
	*fd_out = lock_wait(p->lock, NGINX_LOCK_SECS * 1000L, err);
	return *fd_out < 0 ? -1 : 0;
}

long nginx_answer(const struct config *cfg, int listen_port, int *release_out,
		  struct err *err)
{
	struct nginx_probe pr;
	struct buf url = BUF_INIT, why = BUF_INIT;
	long status;

	*release_out = 0;
	buf_addstr(&url, "http://");
	add_hostport(&url, cfg->local_bind, listen_port);
	buf_addstr(&url, "/");
	status = nginx_probe(url.ptr, 3000, &pr, &why);
	if (status < 0)
		err_set(err, "%s", why.ptr ? why.ptr : "no answer");
	else if (pr.release[0])
		*release_out = (int)strtol(pr.release, NULL, 10);
	buf_release(&url);
	buf_release(&why);
	return status;
}

/*
 * Remove what an interrupted writer left in apps/: "APP.conf.tmpPID"
 * files whose process is gone.
 */
void nginx_clean_temp(const struct config *cfg, const char *app)
{
	struct paths p;
	char *prefix;
	DIR *dir;
	struct dirent *de;

	nginx_paths_init(&p, cfg);
	prefix = xstrfmt("%s.conf.tmp", app);
	dir = opendir(p.apps);
	while (dir && (de = readdir(dir))) {
		const char *pid = de->d_name + strlen(prefix);
		char *end, *path;
		long n;

		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		n = strtol(pid, &end, 10);
		if (*end || n <= 0 || (kill((pid_t)n, 0) == 0 || errno == EPERM))
			continue;
		path = xstrfmt("%s/%s", p.apps, de->d_name);
		unlink(path);
		free(path);
	}
	if (dir)
		closedir(dir);
	free(prefix);
	nginx_paths_release(&p);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000L +
	       (now.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Reload `master` gracefully (SIGHUP) and wait until it has taken the new
 * configuration, that is until every worker that accepted connections
 * before no longer does (nginx starts the new workers first), or until
 * it has refused it: an [emerg] in the error log, after which the log
 * stays quiet for a second (a port it cannot bind is retried five times,
 * 500 ms apart, before nginx gives up). The deadline is
 * NGINX_CONFIRM_SECS from `t0`. The workers of before are left in
 * `old`/`*nr_old` for the caller to wait on.
 */
static int reload(const struct paths *p, pid_t master,
		  const struct timespec *t0, pid_t *old, size_t *nr_old,
		  struct err *err)
{
	struct buf msg = BUF_INIT;
	off_t since = nginx_file_size(p->log), size, last_size = since;
	long changed_at = ms_since(t0);
	size_t i, left;
	int ret = -1;

	*nr_old = nginx_active_workers(master, old, MAX_WORKERS);
	if (kill(master, SIGHUP) < 0)
		return err_errno(err, "signal master %d", (int)master);
	for (;;) {
		for (i = 0, left = 0; i < *nr_old; i++)
			if (nginx_worker_state(master, old[i]) == W_ACTIVE)
				left++;
		if (!left) {
			ret = 0;
			break;
		}
		size = nginx_file_size(p->log);
		if (size != last_size) {
			last_size = size;
			changed_at = ms_since(t0);
		}
		if (!msg.len)
			nginx_log_emerg_since(p, since, &msg);
		if (msg.len && ms_since(t0) - changed_at >= 1000) {
			err_set(err, "%s", msg.ptr);
			break;
		}
		if (nginx_master_pid(p) != master) {
			err_set(err, "the nginx master exited; see '%s'",
				p->log);
			break;
		}
		if (ms_since(t0) >= NGINX_CONFIRM_SECS * 1000L) {
			if (msg.len)
				err_set(err, "%s", msg.ptr);
			else
				err_set(err, "%zu old nginx worker(s) still accept connections after %d s",
					left, NGINX_CONFIRM_SECS);
			break;
		}
		sleep_ms(10);
	}
	buf_release(&msg);
	return ret;
}

/* What a change must be seen to do before it counts as applied. */
struct change {
	const char *app;
	const char *bind;	/* local_bind */
	int listen_port;	/* 0: nothing to probe (unroute) */
	int release;
};

/*
 * Start the master, or reload it, and confirm the change (see nginx.h):
 * the old workers no longer accept, and the route answers with the
 * release. `*loaded_out` says whether nginx took the new configuration,
 * so that on failure the caller knows whether to reload the old one.
 */
static int apply(const struct paths *p, const struct change *ch,
		 int *loaded_out, struct err *err)
{
	pid_t master, old[MAX_WORKERS];
	size_t nr_old = 0, i, left;
	struct timespec t0;
	struct buf url = BUF_INIT, why = BUF_INIT;
	struct nginx_probe pr;
	char want[32], last[160] = "";
	const char *host;
	int ret = -1;
	long ms, status;

	*loaded_out = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	snprintf(want, sizeof(want), "%d", ch->release);
	host = ch->bind;
	if (!strcmp(host, "0.0.0.0"))
		host = "127.0.0.1";
	else if (!strcmp(host, "::"))
		host = "::1";
	buf_addstr(&url, "http://");
	add_hostport(&url, host, ch->listen_port);
	buf_addch(&url, '/');

	master = nginx_master_pid(p);
	if (!master) {
		if (!ch->listen_port) {
			ret = 0;
			goto out;
		}
		unlink(p->pid);
		if (nginx_run(p, 0, err) < 0) {
			err_wrap(err, "start for app '%s'", ch->app);
			goto out;
		}
		*loaded_out = 1;
		/* the daemon writes the pid file just after its parent exits */
		while (!(master = nginx_master_pid(p)) && ms_since(&t0) < 5000)
			sleep_ms(20);
		if (!master) {
			err_set(err, "start for app '%s': no nginx master in '%s'",
				ch->app, p->pid);
			goto out;
		}
		log_debug("nginx: started master %d", (int)master);
	} else {
		if (reload(p, master, &t0, old, &nr_old, err) < 0) {
			err_wrap(err, "reload for app '%s'", ch->app);
			goto out;
		}
		*loaded_out = 1;
		log_debug("nginx: reloaded for app '%s' in %ld ms", ch->app,
			  ms_since(&t0));
	}

	/* a new connection is answered with the new release */
	while (ch->listen_port) {
		ms = NGINX_CONFIRM_SECS * 1000L - ms_since(&t0);
		if (ms <= 0) {
			err_set(err, "confirm route for app '%s': no answer with X-Solum-Release %s from %s within %d s (%s)",
				ch->app, want, url.ptr, NGINX_CONFIRM_SECS,
				last[0] ? last : "no attempt");
			goto out;
		}
		buf_reset(&why);
		status = nginx_probe(url.ptr, ms < 250 ? 250 : ms, &pr, &why);
		if (status > 0 && !strcmp(pr.release, want))
			break;
		if (status > 0)
			snprintf(last, sizeof(last),
				 "last: HTTP %ld, X-Solum-Release %s", status,
				 pr.release[0] ? pr.release : "missing");
		else
			snprintf(last, sizeof(last), "last: %s", why.ptr);
		sleep_ms(20);
	}
	log_debug("nginx: app '%s' confirmed in %ld ms", ch->app,
		  ms_since(&t0));

	/* let the old workers finish their requests; not an error if slow */
	for (;;) {
		for (i = 0, left = 0; i < nr_old; i++)
			if (nginx_worker_state(master, old[i]) != W_GONE)
				left++;
		if (!left)
			break;
		if (ms_since(&t0) >= (NGINX_CONFIRM_SECS + NGINX_DRAIN_SECS) *
				     1000L) {
			log_info("nginx: %zu old worker(s) still finishing requests",
				 left);
			break;
		}
		sleep_ms(20);
	}
	log_debug("nginx: old workers done after %ld ms", ms_since(&t0));
	ret = 0;
out:
	buf_release(&url);
	buf_release(&why);
	return ret;
}

/* After a failed change was put back: have nginx load what is on disk. */
static void revert(const struct paths *p)
{
	struct err err = ERR_INIT;
	struct timespec t0;
	pid_t master = nginx_master_pid(p), old[MAX_WORKERS];
	size_t nr_old;

	if (!master)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (reload(p, master, &t0, old, &nr_old, &err) < 0)
		log_warnx("nginx: reload after a failed change: %s", err.msg);
}

/* ---- routes ---- */

static char *app_file(const struct paths *p, const char *app)
{
	return xstrfmt("%s/%s.conf", p->apps, app);
}

/*
 * The app already routed on `port`, other than `app` (owned), or NULL.
 * Each app file starts with "# solum: app APP listen PORT ...".
 */
static char *port_owner(const struct paths *p, const char *app, int port)
{
	DIR *d;
	struct dirent *de;
	struct buf b = BUF_INIT;
	char *path, name[64], *owner = NULL;
	size_t len;
	int other;

	d = opendir(p->apps);
	if (!d)
		return NULL;
	while (!owner && (de = readdir(d))) {
		len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		path = xstrfmt("%s/%s", p->apps, de->d_name);
		if (nginx_read_small(path, &b, NULL) > 0 &&
		    sscanf(b.ptr, "# solum: app %63s listen %d", name,
			   &other) == 2 &&
		    other == port && strcmp(name, app))
			owner = xstrdup(name);
		free(path);
	}
	closedir(d);
	buf_release(&b);
	return owner;
}

static void app_conf(struct buf *b, const char *app, const char *bind,
		     int listen_port, const char *backend_host,
		     int backend_port, int release)
{
	buf_addf(b, "# solum: app %s listen %d backend ", app, listen_port);
	add_hostport(b, backend_host, backend_port);
	buf_addf(b, " release %d\n", release);
	buf_addstr(b, "# written by solum; edits are lost on the next deploy\n"
		   "server {\n\tlisten ");
	add_hostport(b, bind, listen_port);
	buf_addstr(b, ";\n"
		   "\tlocation / {\n"
		   "\t\tproxy_pass http://");
	add_hostport(b, backend_host, backend_port);
	buf_addstr(b, ";\n"
		   "\t\tproxy_http_version 1.1;\n"
		   "\t\tproxy_set_header Host $host;\n"
		   "\t\tproxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
		   "\t\tproxy_set_header X-Forwarded-Proto $scheme;\n"
		   "\t\tproxy_set_header X-Forwarded-Port $server_port;\n"
		   "\t\tproxy_set_header Connection \"\";\n"
		   "\t\t# bodies stream through, never to a temporary file: the\n"
		   "\t\t# workers need not reach into the (private) home\n"
		   "\t\tproxy_request_buffering off;\n"
		   "\t\tproxy_max_temp_file_size 0;\n"
		   "\t\t# the release header is ours alone\n"
		   "\t\tproxy_hide_header X-Solum-Release;\n"
		   "\t}\n");
	/* `always`: on errors and 502s too, which the confirmation relies on */
	buf_addf(b, "\tadd_header X-Solum-Release %d always;\n}\n", release);
}

/* Put back what the app file held before (`had` 0: there was none). */
static void restore(const char *path, int had, const struct buf *old)
{
	struct err ignored = ERR_INIT;

	if (had) {
		if (file_write_atomic(path, old->ptr, 0644, &ignored) < 0)
			log_warnx("nginx: %s", ignored.msg);
	} else if (unlink(path) < 0 && errno != ENOENT) {
		log_warn("nginx: cannot remove '%s'", path);
	}
}

int nginx_route(const struct config *cfg, const char *app, int listen_port,
		const char *backend_host, int backend_port, int release,
		struct err *err)
{
	struct paths p;
	struct buf old = BUF_INIT, text = BUF_INIT;
	struct change ch;
	char *path = NULL, *owner = NULL;
	const char *bind = cfg->local_bind ? cfg->local_bind : "127.0.0.1";
	int lock = -1, had, loaded, ret = -1;

	if (!valid_app(app))
		return err_set(err, "nginx: route for app '%s': invalid app name (expected [a-z0-9][a-z0-9._-]{0,62})",
			       app ? app : "");
	if (listen_port < 1 || listen_port > 65535)
		return err_set(err, "nginx: route for app '%s': listen port %d is not in 1..65535",
			       app, listen_port);
	if (backend_port < 1 || backend_port > 65535)
		return err_set(err, "nginx: route for app '%s': backend port %d is not in 1..65535",
			       app, backend_port);
	if (!backend_host || (strcmp(backend_host, "localhost") &&
			      !ip_family(backend_host)))
		return err_set(err, "nginx: route for app '%s': backend host '%s' is not an IP address or localhost",
			       app, backend_host ? backend_host : "");
	if (!ip_family(bind))
		return err_set(err, "nginx: route for app '%s': local.bind '%s' is not an IP address",
			       app, bind);
	if (release < 0)
		return err_set(err, "nginx: route for app '%s': invalid release %d",
			       app, release);
	if (backend_port == listen_port &&
	    (!strcmp(backend_host, bind) || !strcmp(backend_host, "localhost")))
		return err_set(err, "nginx: route for app '%s': backend %s:%d is the app's own stable port",
			       app, backend_host, backend_port);

	nginx_paths_init(&p, cfg);
	if (prepare(&p, err) < 0 || take_lock(&p, &lock, err) < 0) {
		err_wrap(err, "nginx: route for app '%s'", app);
		goto out;
	}
	owner = port_owner(&p, app, listen_port);
	if (owner) {
		err_set(err, "nginx: route for app '%s': port %d is already routed to app '%s'",
			app, listen_port, owner);
		goto out;
	}
	path = app_file(&p, app);
	had = nginx_read_small(path, &old, err);
	if (had < 0) {
		err_wrap(err, "nginx: route for app '%s'", app);
		goto out;
	}
	app_conf(&text, app, bind, listen_port, backend_host, backend_port,
		 release);
	if (file_write_atomic(path, text.ptr, 0644, err) < 0) {
		err_wrap(err, "nginx: route for app '%s'", app);
		goto out;
	}
	if (nginx_run(&p, 1, err) < 0) {
		restore(path, had, &old);
		err_wrap(err, "nginx: reload for app '%s'", app);
		goto out;
	}
	ch.app = app;
	ch.bind = bind;
	ch.listen_port = listen_port;
	ch.release = release;
	if (apply(&p, &ch, &loaded, err) < 0) {
		/* a refused reload left the old configuration running */
		restore(path, had, &old);
		if (loaded)
			revert(&p);
		err_wrap(err, "nginx");
		goto out;
	}
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	nginx_paths_release(&p);
	buf_release(&old);
	buf_release(&text);
	free(path);
	free(owner);
	return ret;
}

int nginx_unroute(const struct config *cfg, const char *app, struct err *err)
{
	struct paths p;
	struct buf old = BUF_INIT;
	struct change ch;
	char *path = NULL;
	int lock = -1, had, loaded, ret = -1;

	if (!valid_app(app))
		return err_set(err, "nginx: unroute app '%s': invalid app name",
			       app ? app : "");
	nginx_paths_init(&p, cfg);
	if (prepare(&p, err) < 0 || take_lock(&p, &lock, err) < 0) {
		err_wrap(err, "nginx: unroute app '%s'", app);
		goto out;
	}
	path = app_file(&p, app);
	had = nginx_read_small(path, &old, err);
	if (had < 0) {
		err_wrap(err, "nginx: unroute app '%s'", app);
		goto out;
	}
	if (!had) {
		ret = 0;
		goto out;
	}
	if (unlink(path) < 0) {
		err_errno(err, "nginx: unroute app '%s': cannot remove '%s'",
			  app, path);
		goto out;
	}
	if (!nginx_master_pid(&p)) {
		ret = 0;
		goto out;
	}
	if (nginx_run(&p, 1, err) < 0) {
		restore(path, had, &old);
		err_wrap(err, "nginx: reload for app '%s'", app);
		goto out;
	}
	memset(&ch, 0, sizeof(ch));
	ch.app = app;
	ch.bind = "127.0.0.1";
	if (apply(&p, &ch, &loaded, err) < 0) {
		restore(path, had, &old);
		if (loaded)
			revert(&p);
		err_wrap(err, "nginx");
		goto out;
	}
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	nginx_paths_release(&p);
	buf_release(&old);
	free(path);
	return ret;
}

/* Wait up to `ms` for `pid` to be gone. 1 if it is. */
static int wait_gone(pid_t pid, long ms)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (nginx_proc_stat(pid, NULL) == 0) {
		if (ms_since(&t0) >= ms)
			return 0;
		sleep_ms(20);
	}
	return 1;
}

int nginx_stop(const struct config *cfg, struct err *err)
{
	struct paths p;
	int lock = -1, ret = -1;
	pid_t master;

	nginx_paths_init(&p, cfg);
	if (access(p.dir, F_OK) < 0) {
		ret = 0;
		goto out;
	}
	if (take_lock(&p, &lock, err) < 0) {
		err_wrap(err, "nginx: stop");
		goto out;
	}
	master = nginx_master_pid(&p);
	if (!master) {
		ret = 0;
		goto out;
	}
	if (kill(master, SIGQUIT) < 0 && errno != ESRCH) {
		err_errno(err, "nginx: stop: signal master %d", (int)master);
		goto out;
	}
	if (!wait_gone(master, NGINX_STOP_SECS * 1000L)) {
		log_warnx("nginx: master %d still finishing requests after %d s, stopping it now",
			  (int)master, NGINX_STOP_SECS);
		kill(master, SIGTERM);
		if (!wait_gone(master, 5000)) {
			err_set(err, "nginx: stop: master %d did not exit",
				(int)master);
			goto out;
		}
	}
	ret = 0;
out:
	if (lock >= 0)
		close(lock);
	nginx_paths_release(&p);
	return ret;
}

int nginx_running(const struct config *cfg, pid_t *pid_out)
{
	struct paths p;
	pid_t pid;

	nginx_paths_init(&p, cfg);
	pid = nginx_master_pid(&p);
	nginx_paths_release(&p);
	if (pid_out)
		*pid_out = pid;
	return pid ? 1 : 0;
}
