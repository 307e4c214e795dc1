/* sshd: the SSH front's listener (accept, limits, connection processes, signals) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <libssh/ssh2.h>

#include "buf.h"
#include "file.h"
#include "hostkey.h"
#include "listen.h"
#include "log.h"
#include "proc.h"
#include "session.h"
#include "sshd.h"
#include "banned.h"

#define KILL_AFTER_SECS 5	/* a closed connection that lingers is killed */
#define ACCEPT_BATCH 32		/* accepted per turn of the loop */
#define MAX_CLOSING 64		/* refused connections being closed */
#define CLOSING_SECS 3		/* for a refused client to read why and close */


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

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* the one connection process per client: see session.h */
struct child {
	pid_t pid;
	int startup_fd;		/* open while not authenticated */
	time_t started;
	time_t killed;		/* when we sent SIGTERM, or 0 */
	char peer[80];
};

/* accepted, waiting for one of the max_startups to free up */
struct waiting {
	int fd;
	time_t since;
	char peer[80];
};

/* refused with a disconnect message; its input is read until it closes */
struct closing {
	int fd;
	time_t until;
};

struct server {
	const struct config *cfg;
	const char *self;
	ssh_bind bind;
	int listen_fd;
	time_t accept_again;	/* out of fds: accept nothing before this */
	struct child *children;
	size_t nr, alloc;
	struct waiting *queue;	/* oldest first */
	size_t nq, qalloc;
	struct closing closing[MAX_CLOSING];
	size_t ncl;
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

/* ---- algorithms ---- */

static const struct {
	const char *key;	/* in solum.yaml's sshd section */
	size_t offset;		/* of the list in struct config */
	enum ssh_bind_options_e opts[2];
} algo_lists[] = {
	{ "kex", offsetof(struct config, sshd_kex),
	  { SSH_BIND_OPTIONS_KEY_EXCHANGE, SSH_BIND_OPTIONS_KEY_EXCHANGE } },
	{ "ciphers", offsetof(struct config, sshd_ciphers),
	  { SSH_BIND_OPTIONS_CIPHERS_C_S, SSH_BIND_OPTIONS_CIPHERS_S_C } },
	{ "macs", offsetof(struct config, sshd_macs),
	  { SSH_BIND_OPTIONS_HMAC_C_S, SSH_BIND_OPTIONS_HMAC_S_C } },
	{ "hostkey_algorithms",
	  offsetof(struct config, sshd_hostkey_algorithms),
	  { SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS,
	    SSH_BIND_OPTIONS_HOSTKEY_ALGORITHMS } },
};

/*
 * libssh drops the names it does not know from a list as long as one is
 * left: try each name alone on a scratch bind, so that a typo is an error
 * rather than an algorithm silently missing.
 */
static int check_algorithms(ssh_bind scratch, const char *key,
			    enum ssh_bind_options_e opt, const char *list,
			    struct err *err)
{
	char *copy = xstrdup(list), *name, *save = NULL;
	int ret = 0;

	if (!*list)
		ret = err_set(err, "sshd.%s: empty list", key);
	for (name = strtok_r(copy, ",", &save); name && !ret;
	     name = strtok_r(NULL, ",", &save))
		if (ssh_bind_options_set(scratch, opt, name) != SSH_OK)
			ret = err_set(err, "sshd.%s: unknown or unsupported algorithm '%s'",
				      key, name);
	if (!ret && strstr(list, ",,"))
		ret = err_set(err, "sshd.%s: empty name in '%s'", key, list);
	free(copy);
	return ret;
}

/* What the server offers: the four lists of solum.yaml, checked. */
static int set_algorithms(ssh_bind bind, const struct config *cfg,
			  struct err *err)
{
	ssh_bind scratch = ssh_bind_new();
	size_t i;
	int ret = -1;

	if (!scratch)
		return err_set(err, "cannot create the ssh server");
	for (i = 0; i < sizeof(algo_lists) / sizeof(algo_lists[0]); i++) {
		const char *list = *(char *const *)((const char *)cfg +
						    algo_lists[i].offset);

		if (!list)
			list = "";
		if (check_algorithms(scratch, algo_lists[i].key,
				     algo_lists[i].opts[0], list, err) < 0)
			goto out;
		if (ssh_bind_options_set(bind, algo_lists[i].opts[0],
					 list) != SSH_OK ||
		    ssh_bind_options_set(bind, algo_lists[i].opts[1],
					 list) != SSH_OK) {
			err_set(err, "sshd.%s: %s", algo_lists[i].key,
				ssh_get_error(bind));
			goto out;
		}
	}
	ret = 0;
out:
	ssh_bind_free(scratch);
	return ret;
}

/* ---- refusing with a word to the client ---- */

/*
 * Refuse in SSH terms rather than with a reset: our version line, then an
 * SSH_MSG_DISCONNECT with `reason` and `text` in the clear (RFC 4253 4.2,
 * 6, 11.1: before the key exchange packets carry no MAC), which OpenSSH
 * shows as "Received disconnect from ...: <text>". Then our side is shut,
 * and the client's version line and key exchange are read away until it
 * closes, since closing with unread input would send a reset that can
 * overtake the message.
 */
static void refuse_conn(struct server *srv, int fd, uint32_t reason,
			const char *text)
{
	unsigned char pkt[512];
	size_t n = strlen(text), len, pad, off = 0;
	char banner[64];
	int bl;

	if (n > 256)
		n = 256;
	bl = snprintf(banner, sizeof(banner), "SSH-2.0-libssh_%d.%d.%d\r\n",
		      LIBSSH_VERSION_MAJOR, LIBSSH_VERSION_MINOR,
		      LIBSSH_VERSION_MICRO);
	/* payload: byte 1, uint32 reason, string text, string language */
	len = 1 + 4 + 4 + n + 4;
	pad = 8 - (4 + 1 + len) % 8;
	if (pad < 4)
		pad += 8;
	memcpy(pkt, banner, (size_t)bl);
	off = (size_t)bl;
	put_u32(pkt + off, (uint32_t)(1 + len + pad));
	pkt[off + 4] = (unsigned char)pad;
	pkt[off + 5] = SSH2_MSG_DISCONNECT;
	put_u32(pkt + off + 6, reason);
	put_u32(pkt + off + 10, (uint32_t)n);
	memcpy(pkt + off + 14, text, n);
	put_u32(pkt + off + 14 + n, 0);
	arc4random_buf(pkt + off + 5 + len, pad);
	off += 4 + 1 + len + pad;

	set_nonblock(fd);
	if (file_write_all(fd, pkt, off) < 0 || shutdown(fd, SHUT_WR) < 0 ||
	    srv->ncl >= MAX_CLOSING) {
		close(fd);
		return;
	}
	srv->closing[srv->ncl].fd = fd;
	srv->closing[srv->ncl++].until = now_secs() + CLOSING_SECS;
}

/* Read a refused client's input away; close it at EOF or when its time is up. */
static void drain_closing(struct server *srv, size_t i, int ready)
{
	char buf[4096];
	ssize_t r = 1;
	int n;

	for (n = 0; ready && n < 16; n++) {
		r = read(srv->closing[i].fd, buf, sizeof(buf));
		if (r <= 0)
			break;
	}
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR) ||
	    now_secs() >= srv->closing[i].until) {
		close(srv->closing[i].fd);
		srv->closing[i] = srv->closing[--srv->ncl];
	}
}

/* ---- connections ---- */

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
	for (i = 0; i < srv->nq; i++)
		close_fd(&srv->queue[i].fd);
	for (i = 0; i < srv->ncl; i++)
		close_fd(&srv->closing[i].fd);
}

/* Fork the connection's process, which runs the session. */
static void start_conn(struct server *srv, int fd, const char *peer)
{
	sigset_t block, old;
	struct child *ch;
	int sp[2];
	pid_t pid;

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

/* Start waiting connections, oldest first, while startups are free. */
static void start_waiting(struct server *srv)
{
	size_t startups = count_startups(srv);
	struct waiting w;

	while (srv->nq && !srv->stopping &&
	       startups < (size_t)srv->cfg->sshd_max_startups) {
		/* out of the queue first: the new process closes its fds */
		w = srv->queue[0];
		memmove(srv->queue, srv->queue + 1,
			--srv->nq * sizeof(*srv->queue));
		start_conn(srv, w.fd, w.peer);
		startups++;
	}
}

/*
 * Beyond max_sessions (running and waiting) a client is refused with a
 * disconnect message; beyond max_startups it waits, accepted but not yet
 * answered (as in the listen backlog), for a startup to end.
 */
static void accept_one(struct server *srv, int fd, const char *peer)
{
	struct waiting *w;
	int one = 1;

	if (srv->nr + srv->nq >= (size_t)srv->cfg->sshd_max_sessions) {
		log_warnx("refused connection from %s: %zu connections already (sshd.max_sessions)",
			  peer, srv->nr + srv->nq);
		refuse_conn(srv, fd, SSH2_DISCONNECT_TOO_MANY_CONNECTIONS,
			    "too many connections, try again later");
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	/* libssh writes each packet on its own: no Nagle delay between them */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (!srv->nq &&
	    count_startups(srv) < (size_t)srv->cfg->sshd_max_startups) {
		start_conn(srv, fd, peer);
		return;
	}
	if (srv->nq == srv->qalloc) {
		srv->qalloc = srv->qalloc ? 2 * srv->qalloc : 16;
		srv->queue = xrealloc(srv->queue,
				      srv->qalloc * sizeof(*srv->queue));
	}
	w = &srv->queue[srv->nq++];
	w->fd = fd;
	w->since = now_secs();
	snprintf(w->peer, sizeof(w->peer), "%s", peer);
	log_info("connection from %s waits: %d unauthenticated connections already (sshd.max_startups)",
		 peer, srv->cfg->sshd_max_startups);
}

static void accept_all(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char peer[80];
	int i, fd;

	/* a bounded batch; the rest waits for the next poll */
	for (i = 0; i < ACCEPT_BATCH; i++) {
		sl = sizeof(ss);
		fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/* the client stays in the backlog meanwhile */
				log_warn("accept: pausing for a second");
				srv->accept_again = now_secs() + 1;
			} else if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_warn("accept");
			}
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
	for (i = 0; i < srv->nq; i++)
		refuse_conn(srv, srv->queue[i].fd,
			    SSH2_DISCONNECT_BY_APPLICATION,
			    "the server is shutting down, try again in a moment");
	srv->nq = 0;
	/* unauthenticated and idle ones close; running commands finish */
	for (i = 0; i < srv->nr; i++)
		if (!srv->children[i].killed) {
			kill(srv->children[i].pid, SIGTERM);
			srv->children[i].killed = now_secs();
		}
}

/*
 * Unauthenticated connections get login_grace_time seconds, and so does a
 * wait for a startup: a connection waiting longer is refused.
 */
static void enforce_grace(struct server *srv)
{
	time_t now = now_secs();
	int grace = srv->cfg->sshd_login_grace_time;
	size_t i;

	for (i = 0; i < srv->nr; i++) {
		struct child *ch = &srv->children[i];

		if (ch->startup_fd < 0)
			continue;
		if (!ch->killed && now - ch->started >= grace) {
			log_info("connection from %s: not authenticated within %d seconds; closing",
				 ch->peer, grace);
			kill(ch->pid, SIGTERM);
			ch->killed = now;
		} else if (ch->killed && now - ch->killed >= KILL_AFTER_SECS) {
			kill(ch->pid, SIGKILL);
		}
	}
	while (srv->nq && now - srv->queue[0].since >= grace) {
		log_warnx("refused connection from %s: waited %d seconds for one of the sshd.max_startups",
			  srv->queue[0].peer, grace);
		refuse_conn(srv, srv->queue[0].fd,
			    SSH2_DISCONNECT_TOO_MANY_CONNECTIONS,
			    "server busy, try again later");
		memmove(srv->queue, srv->queue + 1,
			(srv->nq - 1) * sizeof(*srv->queue));
		srv->nq--;
	}
}

/* ---- the loop ---- */

/* poll(2)'s array, and what each entry stands for */
struct pollset {
	struct pollfd *pfd;
	int *kind;		/* POLL_* */
	size_t *index;		/* in children or closing */
	size_t n, cap;
};

enum { POLL_SIGNAL, POLL_LISTEN, POLL_STARTUP, POLL_CLOSING };

static void pollset_add(struct pollset *ps, int fd, int kind, size_t index)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 64;
		ps->pfd = xrealloc(ps->pfd, ps->cap * sizeof(*ps->pfd));
		ps->kind = xrealloc(ps->kind, ps->cap * sizeof(*ps->kind));
		ps->index = xrealloc(ps->index, ps->cap * sizeof(*ps->index));
	}
	ps->pfd[ps->n].fd = fd;
	ps->pfd[ps->n].events = POLLIN;
	ps->pfd[ps->n].revents = 0;
	ps->kind[ps->n] = kind;
	ps->index[ps->n++] = index;
}

static void pollset_fill(struct pollset *ps, struct server *srv)
{
	size_t i;

	ps->n = 0;
	pollset_add(ps, sig_pipe[0], POLL_SIGNAL, 0);
	if (srv->listen_fd >= 0 && !got_stop &&
	    now_secs() >= srv->accept_again)
		pollset_add(ps, srv->listen_fd, POLL_LISTEN, 0);
	for (i = 0; i < srv->nr; i++)
		if (srv->children[i].startup_fd >= 0)
			pollset_add(ps, srv->children[i].startup_fd,
				    POLL_STARTUP, i);
	for (i = 0; i < srv->ncl; i++)
		pollset_add(ps, srv->closing[i].fd, POLL_CLOSING, i);
}

/* One poll and what it found; -1 with err when poll itself fails. */
static int serve_once(struct server *srv, struct pollset *ps,
		      struct err *err)
{
	char ch[64];
	size_t i;

	pollset_fill(ps, srv);
	if (poll(ps->pfd, ps->n, 1000) < 0) {
		if (errno == EINTR)
			return 0;
		return err_errno(err, "poll");
	}
	/* from the last entry down: drain_closing moves the last one */
	for (i = ps->n; i-- > 0;) {
		switch (ps->kind[i]) {
		case POLL_SIGNAL:
			if (ps->pfd[i].revents)
				while (read(sig_pipe[0], ch, sizeof(ch)) > 0)
					;
			break;
		case POLL_LISTEN:
			if (ps->pfd[i].revents && !got_stop)
				accept_all(srv);
			break;
		case POLL_STARTUP:
			/* EOF: authenticated, or gone */
			if (ps->pfd[i].revents &&
			    read(ps->pfd[i].fd, ch, sizeof(ch)) <= 0)
				close_fd(&srv->children[ps->index[i]].startup_fd);
			break;
		case POLL_CLOSING:
			drain_closing(srv, ps->index[i], ps->pfd[i].revents);
			break;
		}
	}
	return 0;
}

/* Bind options, host keys, the listening socket, the signal pipe. */
static int server_start(struct server *srv, const char *listen,
			struct err *err)
{
	int verbosity = SSH_LOG_NOLOG;
	bool no = false;

	if (hostkey_ensure(srv->cfg->home, err) < 0)
		return -1;
	srv->bind = ssh_bind_new();
	if (!srv->bind)
		return err_set(err, "cannot create the ssh server");
	/* nothing from /etc/ssh: solum.yaml is the configuration */
	ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	ssh_bind_options_set(srv->bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
			     &verbosity);
	if (set_algorithms(srv->bind, srv->cfg, err) < 0 ||
	    hostkey_load(srv->bind, srv->cfg->home, err) < 0)
		return -1;
	srv->listen_fd = listen_open(listen, 128, err);
	if (srv->listen_fd < 0)
		return -1;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_errno(err, "pipe");
	return 0;
}

int sshd_run(const struct config *cfg, const char *self, const char *listen,
	     struct err *err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct pollset ps = { 0 };
	struct server srv;
	size_t i;
	int ret = -1;

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
	if (server_start(&srv, listen, err) < 0)
		goto out;
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
		if (srv.stopping && !srv.nr && !srv.ncl)
			break;
		enforce_grace(&srv);
		start_waiting(&srv);
		if (serve_once(&srv, &ps, err) < 0)
			break;
		start_waiting(&srv);
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
out:
	for (i = 0; i < srv.nq; i++)
		close(srv.queue[i].fd);
	for (i = 0; i < srv.ncl; i++)
		close(srv.closing[i].fd);
	close_fd(&sig_pipe[0]);
	close_fd(&sig_pipe[1]);
	close_fd(&srv.listen_fd);
	ssh_bind_free(srv.bind);
	free(srv.children);
	free(srv.queue);
	free(ps.pfd);
	free(ps.kind);
	free(ps.index);
	return ret;
}
