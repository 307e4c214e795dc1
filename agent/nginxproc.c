/* nginxproc: the front's nginx master: run it, find it and its workers, ask it */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "nginx.h"
#include "nginxapi.h"
#include "proc.h"
#include "banned.h"

/*
 * The state and parent of a process from /proc/PID/stat: 0 if it exists
 * and is not a zombie (our master is reparented to whatever reaps orphans
 * here, which may leave it a zombie for a while), else -1.
 */
int nginx_proc_stat(pid_t pid, pid_t *ppid_out)
{
	char path[64], line[512], state;
	const char *rp;
	ssize_t n;
	int fd, ppid;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	line[n] = '\0';
	rp = strrchr(line, ')');
	if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2)
		return -1;
	if (state == 'Z' || state == 'X')
		return -1;
	if (ppid_out)
		*ppid_out = (pid_t)ppid;
	return 0;
}

/* The process title (/proc/PID/cmdline, NULs as spaces) into `dst`. */
static int proc_title(pid_t pid, char *dst, size_t size)
{
	char path[64];
	ssize_t n, i;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, dst, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	dst[n] = '\0';
	for (i = 0; i < n; i++)
		if (!dst[i])
			dst[i] = ' ';
	return 0;
}

pid_t nginx_master_pid(const struct paths *p)
{
	struct buf b = BUF_INIT;
	char title[4096], *end;
	const char *hit;
	long pid;
	size_t n;

	if (nginx_read_small(p->pid, &b, NULL) <= 0)
		goto none;
	errno = 0;
	pid = strtol(b.ptr, &end, 10);
	if (errno || end == b.ptr || pid <= 1 || pid > INT_MAX ||
	    (*end && *end != '\n'))
		goto none;
	if (nginx_proc_stat((pid_t)pid, NULL) < 0 ||
	    proc_title((pid_t)pid, title, sizeof(title)) < 0)
		goto none;
	/* "nginx: master process /usr/sbin/nginx -c <conf> -p ..." */
	if (!starts_with(title, "nginx: master process ", NULL))
		goto none;
	n = strlen(p->conf);
	for (hit = strstr(title, p->conf); hit; hit = strstr(hit + 1, p->conf))
		if (hit > title && hit[-1] == ' ' &&
		    (hit[n] == ' ' || !hit[n]))
			break;
	if (!hit)
		goto none;
	buf_release(&b);
	return (pid_t)pid;
none:
	buf_release(&b);
	return 0;
}

/* Worker states, for following a reload. */
int nginx_worker_state(pid_t master, pid_t pid)
{
	char title[256];
	pid_t ppid;

	if (nginx_proc_stat(pid, &ppid) < 0 || ppid != master ||
	    proc_title(pid, title, sizeof(title)) < 0)
		return W_GONE;
	/* nginx sets this title before it closes its listening sockets, in
	 * the same pass of its loop: from then on it accepts nothing */
	if (strstr(title, "shutting down"))
		return W_LEAVING;
	return W_ACTIVE;
}

/* The master's worker processes that accept connections now. */
size_t nginx_active_workers(pid_t master, pid_t *pids, size_t max)
{
	DIR *d;
	struct dirent *de;
	size_t nr = 0;
	char *end;
	long pid;
	pid_t ppid;

	d = opendir("/proc");
	if (!d)
		return 0;
	while (nr < max && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		if (nginx_proc_stat((pid_t)pid, &ppid) < 0 || ppid != master)
			continue;
		if (nginx_worker_state(master, (pid_t)pid) == W_ACTIVE)
			pids[nr++] = (pid_t)pid;
	}
	closedir(d);
	return nr;
}

/*
 * local.nginx into `dst`: a path as it is, a name as the first of that
 * name in PATH, else in /usr/sbin.
 */
static void nginx_program(const char *name, char *dst, size_t size)
{
	const char *path = getenv("PATH"), *p, *colon;
	size_t len;

	if (strchr(name, '/')) {
		snprintf(dst, size, "%s", name);
		return;
	}
	for (p = path; p && *p; p = colon ? colon + 1 : p + strlen(p)) {
		colon = strchr(p, ':');
		len = colon ? (size_t)(colon - p) : strlen(p);
		if (!len || p[0] != '/')
			continue;
		if (xsnprintf(dst, size, "%.*s/%s", (int)len, p, name) < 0)
			continue;
		if (!access(dst, X_OK))
			return;
	}
	snprintf(dst, size, "/usr/sbin/%s", name);
}

/*
 * Pick nginx's own message out of its output: the first "[emerg]",
 * "[alert]" or "[crit]" line, else the last line.
 */
static void nginx_message(const char *out, struct buf *msg)
{
	const char *line, *nl, *last = NULL;
	size_t last_len = 0, len;

	for (line = out; *line; line = nl ? nl + 1 : line + len) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (!len)
			continue;
		if (memmem(line, len, "[emerg]", 7) ||
		    memmem(line, len, "[alert]", 7) ||
		    memmem(line, len, "[crit]", 6)) {
			buf_add(msg, line, len);
			return;
		}
		last = line;
		last_len = len;
	}
	if (last)
		buf_add(msg, last, last_len);
}

/*
 * Run nginx with this home's configuration: `nginx -t -q` when `test`,
 * else start the master (it daemonizes; its exit status says whether the
 * configuration loaded and the ports were bound). Output is collected in
 * a memory file rather than a pipe: the daemon inherits it, and a pipe
 * would stay open as long as it runs.
 *
 * The environment holds only PATH. nginx writes its process title over
 * argv and the environment behind it; PATH leaves room for the title to
 * keep the -c path, which is how master_pid recognises our master.
 */
int nginx_run(const struct paths *p, int test, struct err *err)
{
	struct proc cmd;
	struct buf out = BUF_INIT, msg = BUF_INIT;
	char how[64], prog[PATH_MAX];
	int fd, status, ret = -1;
	off_t size;

	fd = memfd_create("solum-nginx", MFD_CLOEXEC);
	if (fd < 0)
		return err_errno(err, "memfd_create");
	nginx_program(p->program, prog, sizeof(prog));
	proc_init(&cmd);
	strvec_pushl(&cmd.args, prog, "-c", p->conf, "-p",
		     p->prefix, "-e", p->log, NULL);
	if (test)
		strvec_pushl(&cmd.args, "-t", "-q", NULL);
	strvec_push(&cmd.env, NGINX_ENV_PATH);
	cmd.in = PROC_NULL;
	cmd.out = fd;
	cmd.err_to_out = 1;
	if (proc_start(&cmd, err) < 0) {
		proc_release(&cmd);
		goto out;
	}
	if (proc_finish(&cmd, &status, err) < 0)
		goto out;
	if (WIFEXITED(status) && !WEXITSTATUS(status)) {
		ret = 0;
		goto out;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size > 0)
		nginx_pread_into(fd, 0, size > MAX_FILE ? MAX_FILE : (size_t)size,
			   &out);
	nginx_message(out.ptr, &msg);
	if (msg.len) {
		err_set(err, "%s", msg.ptr);
	} else {
		proc_describe_status(status, how, sizeof(how));
		err_set(err, "nginx failed (%s)", how);
	}
out:
	close(fd);
	buf_release(&out);
	buf_release(&msg);
	return ret;
}

off_t nginx_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? 0 : st.st_size;
}

/*
 * An [emerg] the master logged after `since`: a reload it refused (a port
 * it could not bind, ...). Written as nginx writes it on stderr,
 * "nginx: [emerg] <message>". Returns 1 if there is one.
 */
int nginx_log_emerg_since(const struct paths *p, off_t since,
			   struct buf *msg)
{
	struct buf tail = BUF_INIT;
	const char *hit, *text;
	off_t size = nginx_file_size(p->log);
	size_t len;
	int fd, found = 0;

	if (size <= since)
		return 0;
	if (size - since > MAX_FILE)
		since = size - MAX_FILE;
	fd = open(p->log, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	nginx_pread_into(fd, since, (size_t)(size - since), &tail);
	close(fd);
	hit = strstr(tail.ptr, " [emerg] ");
	if (!hit)
		goto out;
	/* "2024/01/02 03:04:05 [emerg] 123#123: bind() to ..." */
	text = hit + 9;
	len = strcspn(text, "\n");
	hit = memmem(text, len, ": ", 2);
	if (hit && hit < text + 24) {
		len -= (size_t)(hit + 2 - text);
		text = hit + 2;
	}
	buf_addstr(msg, "nginx: [emerg] ");
	buf_add(msg, text, len);
	found = 1;
out:
	buf_release(&tail);
	return found;
}

/* ---- confirming a route ---- */

static size_t probe_header(char *data, size_t size, size_t nmemb, void *pp)
{
	struct nginx_probe *pr = pp;
	size_t len = size * nmemb, n;
	static const char name[] = "X-Solum-Release:";
	const char *v, *end;

	if (len >= 5 && !memcmp(data, "HTTP/", 5))
		pr->release[0] = '\0';
	if (len > sizeof(name) - 1 &&
	    !strncasecmp(data, name, sizeof(name) - 1)) {
		v = data + sizeof(name) - 1;
		end = data + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && isspace((unsigned char)end[-1]))
			end--;
		n = (size_t)(end - v);
		if (n >= sizeof(pr->release))
			n = sizeof(pr->release) - 1;
		memcpy(pr->release, v, n);
		pr->release[n] = '\0';
	}
	return len;
}

/* The body is not needed: stop at its first byte. */
static size_t probe_body(char *data, size_t size, size_t nmemb, void *pp)
{
	return 0;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
	curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * One GET of `url` on a new connection, never through a proxy. Returns the
 * HTTP status with the X-Solum-Release value in `pr`, or -1 with the
 * reason in `why`.
 */
long nginx_probe(const char *url, long timeout_ms, struct nginx_probe *pr,
		  struct buf *why)
{
	CURL *c;
	CURLcode rc;
	long status = 0;

	pr->release[0] = '\0';
	pthread_once(&curl_once, curl_init);
	if (curl_init_code != CURLE_OK) {
		buf_addstr(why, curl_easy_strerror(curl_init_code));
		return -1;
	}
	c = curl_easy_init();
	if (!c) {
		buf_addstr(why, "cannot create a libcurl handle");
		return -1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
			 timeout_ms < 1000 ? timeout_ms : 1000L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "solum");
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, probe_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, pr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, probe_body);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if ((rc == CURLE_OK || rc == CURLE_WRITE_ERROR) && status > 0) {
		curl_easy_cleanup(c);
		return status;
	}
	buf_addstr(why, curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	return -1;
}
