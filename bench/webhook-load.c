/* webhook-load: concurrent GitLab-style webhook requests, their rate and latencies */
/*
 * webhook-load -p PORT -b BODY -t TOKEN [-c CLIENTS] [-d SECONDS]
 *              [-r GOOD_PER_SECOND] [-k] [-s] [-u PATH]
 *
 * CLIENTS threads (default 50) each send POST PATH (default
 * /hooks/gitlab) with X-Gitlab-Event: Push Hook to 127.0.0.1:PORT, one
 * request after the other, for SECONDS (default 10). The body is the file
 * BODY, in which each "@REV@" becomes a 40-hex revision no request used
 * before. GOOD_PER_SECOND times a second (default 10; 0: never), spread
 * evenly, the next client to send sends a good request: X-Gitlab-Token
 * TOKEN (and its fresh revision); every other request has a wrong token.
 * The good requests are paced rather than a share of all, so that the
 * deploys they start cost the same to every server, however fast it
 * answers. -k keeps connections alive (HTTP/1.1 keep-alive; a connection
 * the server closes is opened again); without it each request has a
 * connection of its own, with "Connection: close", as GitLab's webhook
 * sender does. -s (strict): a good request must be answered 202 and a bad
 * one 401, else it counts as an error.
 *
 * Prints one line: "requests N rps R good G p50 A p99 B bad K p50 C p99 D
 * errors E" (latencies in ms, from the first byte sent to the last byte
 * of the answer read). Every read and write waits 10 s at most.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define IO_TIMEOUT_MS 10000
#define MAX_CLIENTS 1000

static int port, clients = 50, seconds = 10, good_rate = 10, keep_alive, strict;
static const char *path = "/hooks/gitlab", *token;
static char *body_template;
static size_t body_len;
static double t_start, t_end;
static long next_good_us;	/* when the next good request is due */

struct samples {
	double *v;
	size_t nr, alloc;
};

struct client {
	pthread_t thread;
	int id;
	struct samples good, bad;
	unsigned long errors;
	unsigned long counter;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *msg)
{
	fprintf(stderr, "webhook-load: %s\n", msg);
	exit(1);
}

static void add_sample(struct samples *s, double ms)
{
	if (s->nr == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 4096;
		s->v = realloc(s->v, s->alloc * sizeof(*s->v));
		if (!s->v)
			die("out of memory");
	}
	s->v[s->nr++] = ms;
}

static int connect_server(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int wait_fd(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };

	return poll(&p, 1, IO_TIMEOUT_MS) == 1 ? 0 : -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		if (wait_fd(fd, POLLOUT) < 0)
			return -1;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Read one answer: its status into *status, and whether the server will
 * close the connection into *closing. 0, or -1 on a broken answer.
 */
static int read_answer(int fd, int *status, int *closing)
{
	char buf[8192], *hdr_end, *p;
	size_t have = 0, need;
	long clen = -1;
	ssize_t n;

	for (;;) {
		if (have == sizeof(buf) - 1 || wait_fd(fd, POLLIN) < 0)
			return -1;
		n = recv(fd, buf + have, sizeof(buf) - 1 - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
		buf[have] = '\0';
		hdr_end = strstr(buf, "\r\n\r\n");
		if (hdr_end)
			break;
	}
	if (sscanf(buf, "HTTP/1.%*c %d", status) != 1)
		return -1;
	*hdr_end = '\0';
	for (p = buf; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	p = strstr(buf, "\r\ncontent-length:");
	if (p)
		clen = strtol(p + 17, NULL, 10);
	*closing = strstr(buf, "\r\nconnection: close") != NULL;
	if (clen < 0)
		return -1;
	need = (size_t)(hdr_end + 4 - buf) + (size_t)clen;
	while (have < need) {
		if (wait_fd(fd, POLLIN) < 0)
			return -1;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

/* The request: headers then the body with @REV@ replaced. */
static size_t make_request(struct client *c, int good, char *out, size_t size)
{
	char rev[41], *at;
	size_t off, hl;
	int n;

	snprintf(rev, sizeof(rev), "%08x%08x%024lx", 0xbe9c0000u + (unsigned)c->id,
		 (unsigned)getpid(), ++c->counter);
	n = snprintf(out, size,
		     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		     "Content-Type: application/json\r\n"
		     "X-Gitlab-Event: Push Hook\r\nX-Gitlab-Token: %s\r\n"
		     "%sContent-Length: %zu\r\n\r\n", path, port,
		     good ? token : "wrong-token",
		     keep_alive ? "" : "Connection: close\r\n", body_len);
	if (n < 0 || (size_t)n + body_len >= size)
		die("request too large");
	hl = (size_t)n;
	memcpy(out + hl, body_template, body_len);
	for (off = 0; (at = memmem(out + hl + off, body_len - off, "@REV@", 5));
	     off = (size_t)(at - (out + hl)) + 40) {
		/* @REV@ is 5 bytes; the template holds it padded to 40 */
		memcpy(at, rev, 40);
	}
	return hl + body_len;
}

/* 1 if this request is to be a good one: the first to claim its turn. */
static int claim_good(void)
{
	long due = __atomic_load_n(&next_good_us, __ATOMIC_ACQUIRE);
	long at = (long)((now() - t_start) * 1e6);

	if (!good_rate || at < due)
		return 0;
	return __atomic_compare_exchange_n(&next_good_us, &due,
					   due + 1000000L / good_rate, 0,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	char *req = malloc(body_len + 1024);
	int fd = -1, good, status, closing;
	double t0, ms;
	size_t len;

	if (!req)
		die("out of memory");
	while (now() < t_end) {
		good = claim_good();
		len = make_request(c, good, req, body_len + 1024);
		t0 = now();
		if (fd < 0)
			fd = connect_server();
		if (fd < 0 || write_all(fd, req, len) < 0 ||
		    read_answer(fd, &status, &closing) < 0) {
			c->errors++;
			if (fd >= 0)
				close(fd);
			fd = -1;
			continue;
		}
		ms = (now() - t0) * 1000;
		if (strict && status != (good ? 202 : 401))
			c->errors++;
		else
			add_sample(good ? &c->good : &c->bad, ms);
		if (closing || !keep_alive) {
			close(fd);
			fd = -1;
		}
	}
	if (fd >= 0)
		close(fd);
	free(req);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(struct samples *s, double p)
{
	size_t i;

	if (!s->nr)
		return 0;
	qsort(s->v, s->nr, sizeof(*s->v), cmp_double);
	i = (size_t)(p * (double)(s->nr - 1) + 0.5);
	return s->v[i];
}

static void merge(struct samples *into, const struct samples *from)
{
	size_t i;

	for (i = 0; i < from->nr; i++)
		add_sample(into, from->v[i]);
}

/* The body with each "@REV@" padded to 40 bytes, ready for make_request. */
static void load_body(const char *file)
{
	FILE *f = fopen(file, "rb");
	char raw[1 << 20], *p, *q, *out;
	size_t n, o = 0;

	if (!f)
		die("cannot open the body file");
	n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	raw[n] = '\0';
	out = malloc(2 * n + 64 * 40);
	if (!out)
		die("out of memory");
	for (p = raw; (q = strstr(p, "@REV@")); p = q + 5) {
		memcpy(out + o, p, (size_t)(q - p));
		o += (size_t)(q - p);
		memcpy(out + o, "@REV@", 5);
		memset(out + o + 5, '0', 35);
		o += 40;
	}
	memcpy(out + o, p, strlen(p));
	o += strlen(p);
	body_template = out;
	body_len = o;
}

int main(int argc, char **argv)
{
	static struct client cl[MAX_CLIENTS];
	struct samples good = { 0 }, bad = { 0 };
	const char *body = NULL;
	unsigned long errors = 0;
	double t0, wall;
	int opt, i;

	while ((opt = getopt(argc, argv, "p:b:t:c:d:r:ksu:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 'b': body = optarg; break;
		case 't': token = optarg; break;
		case 'c': clients = atoi(optarg); break;
		case 'd': seconds = atoi(optarg); break;
		case 'r': good_rate = atoi(optarg); break;
		case 'k': keep_alive = 1; break;
		case 's': strict = 1; break;
		case 'u': path = optarg; break;
		default: die("usage: webhook-load -p PORT -b BODY -t TOKEN [-c CLIENTS] [-d SECONDS] [-r GOOD_PER_SECOND] [-k] [-s] [-u PATH]");
		}
	}
	if (port <= 0 || port > 65535 || !body || !token || clients < 1 ||
	    clients > MAX_CLIENTS || seconds < 1 || seconds > 3600 ||
	    good_rate < 0 || good_rate > 100000)
		die("bad arguments (see the comment at the top of webhook-load.c)");
	load_body(body);
	t0 = t_start = now();
	t_end = t0 + seconds;
	for (i = 0; i < clients; i++) {
		cl[i].id = i;
		if (pthread_create(&cl[i].thread, NULL, run_client, &cl[i]))
			die("cannot start a client thread");
	}
	for (i = 0; i < clients; i++) {
		pthread_join(cl[i].thread, NULL);
		merge(&good, &cl[i].good);
		merge(&bad, &cl[i].bad);
		errors += cl[i].errors;
		free(cl[i].good.v);
		free(cl[i].bad.v);
	}
	wall = now() - t0;
	printf("requests %zu rps %.0f good %zu p50 %.2f p99 %.2f bad %zu p50 %.2f p99 %.2f errors %lu\n",
	       good.nr + bad.nr, (double)(good.nr + bad.nr) / wall, good.nr,
	       percentile(&good, 0.50), percentile(&good, 0.99), bad.nr,
	       percentile(&bad, 0.50), percentile(&bad, 0.99), errors);
	free(good.v);
	free(bad.v);
	free(body_template);
	return 0;
}
