/* sshd: the SSH front's listener (accept, limits, connection processes, signals) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "buf.h"
#include "hostkey.h"
#include "log.h"
#include "proc.h"
#include "session.h"
#include "sshd.h"

#define KILL_AFTER_SECS 5	/* a closed connection that lingers is killed */

int sshd_hostkeys_ensure(const char *home, struct err *err)
{
	return hostkey_ensure(home, err);
}

static time_t now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}


static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}


struct child {
	pid_t pid;
	int startup_fd;		/* open while not authenticated */
	time_t started;
	time_t killed;		/* when we sent SIGTERM, or 0 */
	char peer[80];
};

struct server {
	const struct config *cfg;
	const char *self;
	ssh_bind bind;
	int listen_fd;
	struct child *children;
	size_t nr, alloc;
	int stopping;
};

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t got_stop;

static void parent_on_signal(int sig)
{
	int saved = errno;
	char ch = (char)sig;
	ssize_t r;

	if (sig == SIGTERM || sig == SIGINT)
		got_stop = 1;
	/* a full pipe means a wakeup is pending anyway */
	r = write(sig_pipe[1], &ch, 1);
	(void)r;
	errno = saved;
}

static int parse_listen(const char *addr, char *host, size_t hsize,
			char *port, size_t psize, struct err *err)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t hlen;

	if (!colon || !colon[1])
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (!hlen || hlen >= hsize || strlen(colon + 1) >= psize)
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

static int open_listener(const char *addr, struct err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[32], shown[300];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	if (parse_listen(addr, host, sizeof(host), port, sizeof(port),
			 err) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		return err_set(err, "listen address '%s': %s", addr,
			       gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		err_errno(err, "socket for '%s'", addr);
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (listen(fd, 128) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
	    !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
			 sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(shown, sizeof(shown),
			 strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
		log_info("listening on %s", shown);
	}
	freeaddrinfo(res);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

static size_t count_startups(const struct server *srv)
{
	size_t i, n = 0;

	for (i = 0; i < srv->nr; i++)
		if (srv->children[i].startup_fd >= 0)
			n++;
	return n;
}

static void reap_children(struct server *srv)
{
	char how[64];
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < srv->nr; i++)
			if (srv->children[i].pid == pid)
				break;
		if (i == srv->nr)
			continue;
		proc_describe_status(st, how, sizeof(how));
		if (WIFEXITED(st) && !WEXITSTATUS(st))
			log_info("connection from %s ended (pid %ld)",
				 srv->children[i].peer, (long)pid);
		else
			log_warnx("connection from %s ended: process %ld %s",
				  srv->children[i].peer, (long)pid, how);
		close_fd(&srv->children[i].startup_fd);
		srv->children[i] = srv->children[--srv->nr];
	}
}

static void describe_peer(const struct sockaddr_storage *ss, socklen_t sl,
			  char *dst, size_t size)
{
	char host[128], port[32];

	if (getnameinfo((const struct sockaddr *)ss, sl, host, sizeof(host),
			port, sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(dst, size, "?");
		return;
	}
	snprintf(dst, size, strchr(host, ':') ? "[%s]:%s" : "%s:%s", host,
		 port);
}

/* In a new connection's process: drop what belongs to the parent. */
static void child_close_parent_fds(struct server *srv)
{
	size_t i;

	close_fd(&srv->listen_fd);
	close_fd(&sig_pipe[0]);
	close_fd(&sig_pipe[1]);
	for (i = 0; i < srv->nr; i++)
		close_fd(&srv->children[i].startup_fd);
}

static void accept_one(struct server *srv, int fd, const char *peer)
{
	sigset_t block, old;
	struct child *ch;
	int sp[2], one = 1;
	pid_t pid;

	if (srv->nr >= (size_t)srv->cfg->sshd_max_sessions) {
		log_warnx("refused connection from %s: %zu connections already (sshd.max_sessions)",
			  peer, srv->nr);
		close(fd);
		return;
	}
	if (count_startups(srv) >= (size_t)srv->cfg->sshd_max_startups) {
		log_warnx("refused connection from %s: too many unauthenticated connections (sshd.max_startups %d)",
			  peer, srv->cfg->sshd_max_startups);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	/* libssh writes each packet on its own: no Nagle delay between them */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (pipe2(sp, O_CLOEXEC) < 0) {
		log_warn("refused connection from %s: pipe", peer);
		close(fd);
		return;
	}
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = fork();
	if (pid == 0) {
		close(sp[0]);
		child_close_parent_fds(srv);
		session_signals();
		sigprocmask(SIG_SETMASK, &old, NULL);
		session_run(srv->cfg, srv->self, srv->bind, fd, sp[1], peer);
		fflush(stdout);
		fflush(stderr);
		_exit(0);
	}
	close(sp[1]);
	close(fd);
	if (pid < 0) {
		log_warn("refused connection from %s: fork", peer);
		close(sp[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return;
	}
	if (srv->nr == srv->alloc) {
		srv->alloc = srv->alloc ? 2 * srv->alloc : 16;
		srv->children = xrealloc(srv->children,
					 srv->alloc * sizeof(*srv->children));
	}
	ch = &srv->children[srv->nr++];
	memset(ch, 0, sizeof(*ch));
	ch->pid = pid;
	ch->startup_fd = sp[0];
	ch->started = now_secs();
	snprintf(ch->peer, sizeof(ch->peer), "%s", peer);
	sigprocmask(SIG_SETMASK, &old, NULL);
	log_info("connection from %s (pid %ld)", peer, (long)pid);
}

static void accept_all(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char peer[80];
	int i, fd;

	/* a bounded batch; the rest waits for the next poll */
	for (i = 0; i < 32; i++) {
		sl = sizeof(ss);
		fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept");
			return;
		}
		describe_peer(&ss, sl, peer, sizeof(peer));
		accept_one(srv, fd, peer);
	}
}

static void start_stopping(struct server *srv)
{
	size_t i;

	srv->stopping = 1;
	close_fd(&srv->listen_fd);
	log_info("stopping: no new connections; waiting for %zu", srv->nr);
	/* unauthenticated and idle ones close; running commands finish */
	for (i = 0; i < srv->nr; i++)
		if (!srv->children[i].killed) {
			kill(srv->children[i].pid, SIGTERM);
			srv->children[i].killed = now_secs();
		}
}

static void enforce_grace(struct server *srv)
{
	time_t now = now_secs();
	size_t i;

	for (i = 0; i < srv->nr; i++) {
		struct child *ch = &srv->children[i];

		if (ch->startup_fd < 0)
			continue;
		if (!ch->killed &&
		    now - ch->started >= srv->cfg->sshd_login_grace_time) {
			log_info("connection from %s: not authenticated within %d seconds; closing",
				 ch->peer, srv->cfg->sshd_login_grace_time);
			kill(ch->pid, SIGTERM);
			ch->killed = now;
		} else if (ch->killed && now - ch->killed >= KILL_AFTER_SECS) {
			kill(ch->pid, SIGKILL);
		}
	}
}

int sshd_run(const struct config *cfg, const char *self, const char *listen,
	     struct err *err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct server srv;
	struct pollfd *pfd = NULL;
	size_t *owner = NULL, i, n, cap = 0;
	bool no = false;
	int ret = -1, verbosity = SSH_LOG_NOLOG;
	char ch[64];

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	srv.self = self;
	srv.listen_fd = -1;
	if (!listen)
		listen = cfg->sshd_listen;
	if (!listen || !*listen)
		return err_set(err, "no listen address: set sshd.listen or give --listen");
	if (cfg->sshd_max_sessions < 1 || cfg->sshd_max_startups < 1)
		return err_set(err, "sshd.max_sessions and sshd.max_startups must be at least 1");
	if (hostkey_ensure(cfg->home, err) < 0)
		return -1;

	srv.bind = ssh_bind_new();
	if (!srv.bind)
		return err_set(err, "cannot create the ssh server");
	/* nothing from /etc/ssh: solum.yaml is the configuration */
	ssh_bind_options_set(srv.bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	ssh_bind_options_set(srv.bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
			     &verbosity);
	if (hostkey_load(srv.bind, cfg->home, err) < 0)
		goto out_bind;
	srv.listen_fd = open_listener(listen, err);
	if (srv.listen_fd < 0)
		goto out_bind;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err_errno(err, "pipe");
		goto out_bind;
	}
	got_stop = 0;
	memset(&sa, 0, sizeof(sa));
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sa.sa_handler = (sigs[i] == SIGPIPE || sigs[i] == SIGHUP) ?
				SIG_IGN : parent_on_signal;
		sa.sa_flags = sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		sigaction(sigs[i], &sa, &old[i]);
	}

	for (;;) {
		reap_children(&srv);
		if (got_stop && !srv.stopping)
			start_stopping(&srv);
		if (srv.stopping && !srv.nr)
			break;
		enforce_grace(&srv);

		if (cap < srv.nr + 2) {
			cap = srv.nr + 2;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
			owner = xrealloc(owner, cap * sizeof(*owner));
		}
		n = 0;
		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		if (srv.listen_fd >= 0) {
			pfd[n].fd = srv.listen_fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < srv.nr; i++) {
			if (srv.children[i].startup_fd < 0)
				continue;
			owner[n] = i;
			pfd[n].fd = srv.children[i].startup_fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
		if (poll(pfd, n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			err_errno(err, "poll");
			break;
		}
		if (pfd[0].revents)
			while (read(sig_pipe[0], ch, sizeof(ch)) > 0)
				;
		for (i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == srv.listen_fd) {
				if (!got_stop)
					accept_all(&srv);
				continue;
			}
			/* EOF: authenticated, or gone */
			if (read(pfd[i].fd, ch, sizeof(ch)) <= 0)
				close_fd(&srv.children[owner[i]].startup_fd);
		}
	}
	if (srv.stopping && !srv.nr) {
		log_info("stopped");
		ret = 0;
	} else {
		/* a poll failure: leave the connections to themselves */
		for (i = 0; i < srv.nr; i++)
			close_fd(&srv.children[i].startup_fd);
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	close_fd(&sig_pipe[0]);
	close_fd(&sig_pipe[1]);
out_bind:
	close_fd(&srv.listen_fd);
	ssh_bind_free(srv.bind);
	free(srv.children);
	free(pfd);
	free(owner);
	return ret;
}
