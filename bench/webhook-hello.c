/* webhook-hello: the baseline of bench/webhook, a plain libmicrohttpd "hello" server */
/*
 * webhook-hello PORT MAX_CONNECTIONS TIMEOUT MAX_BODY
 *
 * Serves 127.0.0.1:PORT with the threading mode and limits `solum webhook`
 * uses (agent/webhookd.c: epoll in a pool of internal threads, one per CPU
 * from 2 to 8, turbo, the same connection, per-IP, timeout and memory
 * limits), reads each request's body up to MAX_BODY and answers every
 * request 202 with a one-line JSON body, as solum answers a good event,
 * without looking at anything. Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static size_t max_body;

struct request {
	size_t seen;
};

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	static const char answer[] = "{\"release\":1,\"app\":\"hello\"}\n";
	struct request *req = *con_cls;
	struct MHD_Response *res;
	enum MHD_Result ret;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		*con_cls = req;
		return MHD_YES;
	}
	if (*size) {
		req->seen += *size;
		*size = 0;
		return req->seen > max_body ? MHD_NO : MHD_YES;
	}
	res = MHD_create_response_from_buffer(sizeof(answer) - 1,
					      (void *)answer,
					      MHD_RESPMEM_PERSISTENT);
	if (!res)
		return MHD_NO;
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	ret = MHD_queue_response(c, 202, res);
	MHD_destroy_response(res);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	free(*con_cls);
	*con_cls = NULL;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	unsigned int conns, timeout, threads;
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct sockaddr_in sa;
	sigset_t set;
	int sig;

	if (argc != 5) {
		fprintf(stderr, "usage: webhook-hello PORT MAX_CONNECTIONS TIMEOUT MAX_BODY\n");
		return 129;
	}
	conns = (unsigned int)atoi(argv[2]);
	timeout = (unsigned int)atoi(argv[3]);
	max_body = (size_t)atol(argv[4]);
	threads = (unsigned int)(n < 2 ? 2 : n > 8 ? 8 : n);
	if (threads > conns)
		threads = conns;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO |
			     MHD_USE_ITC, 0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
			     MHD_OPTION_LISTEN_BACKLOG_SIZE, 128u,
			     MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_LIMIT, conns,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     conns - conns / 4 ? conns - conns / 4 : 1,
			     MHD_OPTION_CONNECTION_TIMEOUT, timeout,
			     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 << 10),
			     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "webhook-hello: cannot start on port %s\n", argv[1]);
		return 1;
	}
	sigwait(&set, &sig);
	MHD_stop_daemon(d);
	return 0;
}
