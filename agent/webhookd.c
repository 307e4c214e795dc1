/* webhookd: the webhook receiver's HTTP server (libmicrohttpd, limits, signals) */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "listen.h"
#include "log.h"
#include "name.h"
#include "webhookd.h"
#include "banned.h"

#define HOOK_PATH "/hooks/gitlab"
#define HEADER_MEMORY (32 << 10)	/* per connection: headers, read buffer */
#define DISCARD_FACTOR 4		/* an oversized body is read this far */
#define MIN_THREADS 2
#define MAX_THREADS 8

struct server {
	struct webhook *wh;
	size_t max_body;
	long timeout;			/* seconds */
	int in_flight;			/* requests being read or answered */
	int stopping;			/* answers close their connection */
};

/* One request with a body on its way to /hooks/gitlab. */
struct request {
	struct buf body;
	unsigned long long seen;	/* bytes of body received */
	int too_big;			/* past max_body: dropped, 413 */
	struct timespec start;
	const char *cut;		/* why its connection was closed */
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void client_address(struct MHD_Connection *c, char *dst, size_t size)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t sl = sa && sa->sa_family == AF_INET6 ?
		       sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (!sa || getnameinfo(sa, sl, dst, size, NULL, 0, NI_NUMERICHOST))
		snprintf(dst, size, "?");
}

static void log_request(struct MHD_Connection *c, const char *method,
			const char *url, const char *what)
{
	char peer[64], m[24], path[100];

	client_address(c, peer, sizeof(peer));
	name_quote(method, m, sizeof(m));
	name_quote(url, path, sizeof(path));
	log_info("%s %s %s %s", peer, m, path, what);
}

/*
 * Send `body` (stolen; NULL: an internal error) with `status`, and log
 * the request with `extra` (" app=... release=...") and `uuid`.
 */
static enum MHD_Result reply(struct server *srv, struct MHD_Connection *c,
			     const char *method, const char *url, int status,
			     json_t *body, const char *extra, const char *uuid)
{
	struct MHD_Response *res;
	enum MHD_Result ret;
	struct buf line = BUF_INIT, what = BUF_INIT;
	const char *why;
	char *text;

	if (!body) {
		status = 500;
		body = json_pack("{s:s}", "error", "internal error");
	}
	text = json_dumps(body, JSON_COMPACT);
	buf_addf(&what, "%d%s", status, extra ? extra : "");
	why = json_string_value(json_object_get(body, status >= 400 ?
						"error" : "ignored"));
	if (why)
		buf_addf(&what, " (%s%s)", status >= 400 ? "" : "ignored: ",
			 why);
	if (uuid)
		buf_addf(&what, " uuid=%s", uuid);
	json_decref(body);
	buf_addstr(&line, text ? text : "{\"error\":\"internal error\"}");
	buf_addch(&line, '\n');
	free(text);
	log_request(c, method, url, what.ptr);
	buf_release(&what);
	res = MHD_create_response_from_buffer(line.len, line.ptr,
					      MHD_RESPMEM_MUST_FREE);
	if (!res) {
		buf_release(&line);
		return MHD_NO;
	}
	buf_detach(&line);
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "POST");
	if (__atomic_load_n(&srv->stopping, __ATOMIC_ACQUIRE))
		MHD_add_response_header(res, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(c, (unsigned int)status, res);
	MHD_destroy_response(res);
	return ret;
}

static enum MHD_Result reply_error(struct server *srv,
				   struct MHD_Connection *c,
				   const char *method, const char *url,
				   int status, const char *msg)
{
	return reply(srv, c, method, url, status,
		     json_pack("{s:s}", "error", msg), NULL, NULL);
}

/* The first call, once the headers are in: answer at once, or expect a body. */
static enum MHD_Result on_headers(struct server *srv, struct MHD_Connection *c,
				  const char *url, const char *method,
				  void **con_cls)
{
	const char *cl;
	struct request *req;
	char msg[80], *end;
	unsigned long long n;

	if (strcmp(url, HOOK_PATH))
		return reply_error(srv, c, method, url, 404, "not found");
	if (strcmp(method, MHD_HTTP_METHOD_POST))
		return reply_error(srv, c, method, url, 405, "method not allowed: use POST");
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					 MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || end == cl || n > srv->max_body) {
			snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
				 srv->max_body);
			return reply_error(srv, c, method, url, 413, msg);
		}
	}
	req = xcalloc(1, sizeof(*req));
	__atomic_add_fetch(&srv->in_flight, 1, __ATOMIC_ACQ_REL);
	buf_init(&req->body);
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	*con_cls = req;
	return MHD_YES;
}

/* Body bytes: kept up to max_body, then counted and dropped. */
static enum MHD_Result on_body(struct server *srv, struct request *req,
			       const char *data, size_t size)
{
	req->seen += size;
	if (since(&req->start) > (double)srv->timeout) {
		req->cut = "closed: the request took longer than webhook.timeout";
		return MHD_NO;
	}
	if (!req->too_big && req->seen > srv->max_body) {
		req->too_big = 1;
		buf_release(&req->body);
	}
	if (req->too_big) {
		if (req->seen > (unsigned long long)srv->max_body *
				DISCARD_FACTOR) {
			req->cut = "closed: the body went on far past webhook.max_body";
			return MHD_NO;
		}
		return MHD_YES;
	}
	buf_add(&req->body, data, size);
	return MHD_YES;
}

/* The whole request is in: parse the event and act on it. */
static enum MHD_Result on_complete(struct server *srv,
				   struct MHD_Connection *c,
				   struct request *req, const char *url,
				   const char *method)
{
	const char *type, *uuid, *token;
	struct webhook_answer ans;
	struct webhookev ev;
	struct err err = ERR_INIT;
	char msg[80];
	enum MHD_Result ret;
	int rc;

	if (req->too_big) {
		snprintf(msg, sizeof(msg), "the body is larger than %zu bytes",
			 srv->max_body);
		return reply_error(srv, c, method, url, 413, msg);
	}
	type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Gitlab-Event");
	uuid = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
					   "X-Gitlab-Event-UUID");
	token = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Gitlab-Token");
	if (uuid && !webhookev_uuid_valid(uuid))
		return reply_error(srv, c, method, url, 400,
				   "invalid X-Gitlab-Event-UUID");
	rc = webhookev_type(type, &ev, &err);
	if (rc < 0)
		return reply_error(srv, c, method, url, 400, err.msg);
	if (rc == 0)
		return reply(srv, c, method, url, 200,
			     json_pack("{s:s}", "ignored", ev.reason), NULL, uuid);
	/* before the body is parsed: a stranger's costs one digest */
	rc = webhook_token_known(srv->wh, token, &err);
	if (rc < 0) {
		log_warnx("webhook: %s", err.msg);
		return reply_error(srv, c, method, url, 500,
				   "state database error; see the receiver's log");
	}
	if (rc == 0)
		return reply(srv, c, method, url, 401, json_pack("{s:s}", "error",
			     "wrong or missing X-Gitlab-Token"), NULL, uuid);
	if (webhookev_parse(type, req->body.ptr, req->body.len, &ev, &err) < 0)
		return reply(srv, c, method, url, 400,
			     json_pack("{s:s}", "error", err.msg), NULL, uuid);
	if (ev.action == WEBHOOKEV_OTHER)	/* a system hook's other events */
		return reply(srv, c, method, url, 200,
			     json_pack("{s:s}", "ignored", ev.reason), NULL, uuid);
	webhook_answer_init(&ans);
	webhook_take(srv->wh, &ev, token, uuid, &ans);
	ret = reply(srv, c, method, url, ans.status, ans.body, ans.log.ptr, uuid);
	ans.body = NULL;
	webhook_answer_release(&ans);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct server *srv = cls;
	struct request *req = *con_cls;
	enum MHD_Result ret;

	if (!req)
		return on_headers(srv, c, url, method, con_cls);
	if (*size) {
		ret = on_body(srv, req, data, *size);
		*size = 0;
		if (ret == MHD_NO)
			log_request(c, method, url, req->cut);
		return ret;
	}
	return on_complete(srv, c, req, url, method);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *req = *con_cls;

	if (!req)
		return;
	__atomic_sub_fetch(&srv->in_flight, 1, __ATOMIC_ACQ_REL);
	buf_release(&req->body);
	free(req);
	*con_cls = NULL;
}

static void on_mhd_message(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libmicrohttpd: %s", msg);
}

/* ---- the daemon ---- */

static unsigned int pool_size(const struct config *cfg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < MIN_THREADS)
		n = MIN_THREADS;
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (n > cfg->webhook_max_connections)
		n = cfg->webhook_max_connections;
	return (unsigned int)n;
}

static struct MHD_Daemon *start(struct server *srv, int fd,
				const struct config *cfg)
{
	unsigned int conns = (unsigned int)cfg->webhook_max_connections;
	unsigned int per_ip = conns - conns / 4;

	return MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO |
				MHD_USE_ITC | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				on_request, srv,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, pool_size(cfg),
				MHD_OPTION_CONNECTION_LIMIT, conns,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				per_ip ? per_ip : 1,
				MHD_OPTION_CONNECTION_TIMEOUT,
				(unsigned int)cfg->webhook_timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)HEADER_MEMORY,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, srv,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_message, srv,
				MHD_OPTION_END);
}

/*
 * Stop taking connections (the listening socket is closed) and give the
 * requests whose body is coming or whose answer is being made `timeout`
 * seconds to end; their answers close their connections. Idle
 * keep-alive connections are left to MHD_stop_daemon.
 */
static void drain(struct server *srv, struct MHD_Daemon *d)
{
	const struct timespec tick = { 0, 50 * 1000 * 1000 };
	MHD_socket fd;
	long i;

	__atomic_store_n(&srv->stopping, 1, __ATOMIC_RELEASE);
	fd = MHD_quiesce_daemon(d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (i = 0; i < srv->timeout * 20; i++) {
		if (!__atomic_load_n(&srv->in_flight, __ATOMIC_ACQUIRE))
			return;
		nanosleep(&tick, NULL);
	}
}

/* Reap the deploys that ended (they run detached, not waited for). */
static void reap(struct webhook *wh)
{
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		webhook_deploy_ended(wh);
}

/* Wait for SIGTERM or SIGINT, reaping children meanwhile. */
static void wait_for_stop(struct webhook *wh, const sigset_t *set)
{
	siginfo_t si;
	int sig;

	for (;;) {
		sig = sigwaitinfo(set, &si);
		if (sig < 0)
			continue;	/* EINTR: a signal not in the set */
		if (sig == SIGCHLD)
			reap(wh);
		else if (sig == SIGTERM || sig == SIGINT)
			return;
		else
			log_info("signal %d ignored", sig);
	}
}

int webhookd_run(struct webhook *wh, const char *listen, struct err *err)
{
	const struct config *cfg = &wh->ctx->cfg;
	struct server srv = { wh, (size_t)cfg->webhook_max_body,
			      cfg->webhook_timeout, 0, 0 };
	struct sigaction ign, old_pipe;
	struct MHD_Daemon *d;
	sigset_t set, old_mask;
	int fd;

	if (!listen)
		listen = cfg->webhook_listen;
	if (!listen || !*listen)
		return err_set(err, "no listen address: set webhook.listen or give --listen");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	/* before the first thread starts, so that every thread has it */
	pthread_sigmask(SIG_BLOCK, &set, &old_mask);
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old_pipe);
	fd = listen_open(listen, 128, err);
	if (fd < 0)
		goto fail;
	d = start(&srv, fd, cfg);
	if (!d) {
		/* libmicrohttpd closes the socket on some failures, not all:
		   it stays open until we exit */
		err_set(err, "cannot start the HTTP server on '%s' (libmicrohttpd failed; --verbose says why)",
			listen);
		goto fail;
	}
	wait_for_stop(wh, &set);
	log_info("stopping");
	drain(&srv, d);
	MHD_stop_daemon(d);
	reap(wh);
	log_info("stopped");
	sigaction(SIGPIPE, &old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return 0;
fail:
	sigaction(SIGPIPE, &old_pipe, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	return -1;
}
