/* glanceup: an engine's image streamed into Glance, checked, or removed */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "glanceapi.h"
#include "banned.h"

#define MIB (1024.0 * 1024.0)
#define IDLE_MS (600 * 1000)	/* the engine sends nothing for this long */

/*
 * The engine's `docker save` runs in a thread of its own and writes into
 * one end of a socket pair; the HTTP client's body reader takes the bytes
 * from the other end. The kernel's socket buffers are the only buffer, so
 * memory stays flat. Closing the reading end makes the thread's next write
 * fail (EPIPE), which ends the save; the thread closes the writing end
 * when the save is over, which the reader sees as the end of the body,
 * and then asks the thread how it went.
 */
struct pump {
	struct docker *docker;		/* used only by the thread */
	const char *ref;
	int rfd, wfd;
	int stop;			/* atomic: the reader gave up */
	int done;			/* atomic: result and err are set */
	int result;
	struct err err;
	pthread_t thread;
	int started;
};

/* The reader's state: what was sent, the hash, the progress lines. */
struct upload {
	struct pump *pump;
	struct out *out;
	const char *name;
	EVP_MD_CTX *sha;
	long long bytes;
	long long total;		/* the engine's estimate, or -1 */
	long long start_ms, last_line_ms, last_data_ms;
	int engine_failed;		/* the body ended with the engine's error */
};

static int pump_write(const char *data, size_t len, void *payload,
		      struct err *err)
{
	struct pump *p = payload;
	ssize_t n;

	while (len) {
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
			return err_set(err, "the upload stopped");
		n = send(p->wfd, data, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE)
			return err_set(err, "the upload stopped");
		if (n < 0)
			return err_errno(err, "passing the image on");
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int pump_tick(void *payload, struct err *err)
{
	struct pump *p = payload;

	if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
		return err_set(err, "the upload stopped");
	return 0;
}

static void *pump_run(void *arg)
{
	struct pump *p = arg;
	struct docker_out dout = { NULL, pump_tick, p };
	int ret;

	ret = docker_image_save(p->docker, p->ref, pump_write, p, &dout,
				&p->err);
	p->result = ret;
	__atomic_store_n(&p->done, 1, __ATOMIC_RELEASE);
	close(p->wfd);
	p->wfd = -1;
	return NULL;
}

static int pump_start(struct pump *p, struct err *err)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return err_errno(err, "socketpair");
	p->rfd = sv[0];
	p->wfd = sv[1];
	/* nothing is read back the other way */
	(void)shutdown(p->rfd, SHUT_WR);
	errno = pthread_create(&p->thread, NULL, pump_run, p);
	if (errno) {
		close(p->rfd);
		close(p->wfd);
		p->rfd = p->wfd = -1;
		return err_errno(err, "cannot start a thread");
	}
	p->started = 1;
	return 0;
}

/* Stop the thread (if it still runs) and wait for it. Idempotent. */
static void pump_finish(struct pump *p)
{
	if (!p->started)
		return;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	if (p->rfd >= 0)
		close(p->rfd);
	p->rfd = -1;
	pthread_join(p->thread, NULL);
	p->started = 0;
}

static void progress(struct upload *u, int force)
{
	long long now = out_now_ms();
	double secs = (double)(now - u->start_ms) / 1000.0;
	double rate = secs > 0 ? (double)u->bytes / MIB / secs : 0;

	if (!u->out || (!force && now - u->last_line_ms < u->out->interval_ms))
		return;
	u->last_line_ms = now;
	if (u->total > 0 && u->bytes < u->total)
		out_printf(u->out, "       uploading to Glance: %.0f MiB of about %.0f MiB (%d%%), %.0f MiB/s",
			   (double)u->bytes / MIB, (double)u->total / MIB,
			   (int)(u->bytes * 100 / u->total), rate);
	else
		out_printf(u->out, "       uploading to Glance: %.0f MiB, %.0f MiB/s",
			   (double)u->bytes / MIB, rate);
}

static int upload_tick(void *payload, struct err *err)
{
	struct upload *u = payload;

	progress(u, 0);
	return u->out ? out_tick(u->out, err) : 0;
}

/* The end of the body: the engine's save ended, well or not. */
static ssize_t body_end(struct upload *u, struct err *err)
{
	struct pump *p = u->pump;

	if (!__atomic_load_n(&p->done, __ATOMIC_ACQUIRE)) {
		/* cannot happen: the thread closes only when done */
		u->engine_failed = 1;
		return err_set(err, "the engine's stream ended early");
	}
	if (p->result < 0) {
		u->engine_failed = 1;
		*err = p->err;
		return -1;
	}
	return 0;
}

/*
 * Wait until the stream can be read: 1, or 0 when there is nothing yet
 * after `ms` (ticks done), -1 on error or cancel.
 */
static int wait_data(struct upload *u, int ms, struct err *err)
{
	struct pollfd pfd = { u->pump->rfd, POLLIN, 0 };
	int rc = poll(&pfd, 1, ms);

	if (rc < 0 && errno != EINTR)
		return err_errno(err, "poll");
	if (rc > 0)
		return 1;
	if (upload_tick(u, err))
		return -1;
	if (out_now_ms() - u->last_data_ms > IDLE_MS)
		return err_set(err, "the engine sent nothing for %d s",
			       IDLE_MS / 1000);
	return 0;
}

/*
 * http_read_fn: the next bytes of the save, hashed on their way. The
 * buffer is filled as far as the stream allows without waiting (Glance
 * spends time on each chunk: small ones slow it down).
 */
static ssize_t body_read(void *buf, size_t len, void *payload,
			 struct err *err)
{
	struct upload *u = payload;
	size_t got = 0;
	ssize_t n;
	int rc;

	while (got < len) {
		rc = wait_data(u, got ? 0 : 100, err);
		if (rc < 0)
			return -1;
		if (!rc && got)
			break;
		if (!rc)
			continue;
		n = recv(u->pump->rfd, (char *)buf + got, len - got,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return err_errno(err, "reading the engine's stream");
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (!got)
		return body_end(u, err);
	if (EVP_DigestUpdate(u->sha, buf, got) != 1)
		return err_set(err, "sha512 failed");
	u->bytes += (long long)got;
	u->last_data_ms = out_now_ms();
	progress(u, 0);
	return (ssize_t)got;
}

static void hex(const unsigned char *md, unsigned int n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned int i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[md[i] >> 4];
		out[2 * i + 1] = digits[md[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * PUT the engine's save of `ref` into /v2/images/ID/file. Errors name
 * what broke: Glance's answer, the connection (and how much had gone),
 * the engine, or a cancel.
 */
static int put_file(struct glance_conn *c, struct upload *u,
		    const char *id, const char *prefix, struct err *err)
{
	static const char *const headers[] = {
		"Accept: application/json",
		"Content-Type: application/octet-stream",
		NULL
	};
	struct http_request req = { 0 };
	struct http_response res;
	struct buf path = BUF_INIT;
	int ret = -1;

	http_response_init(&res);
	buf_addf(&path, "/v2/images/%s/file", id);
	req.method = "PUT";
	req.path = path.ptr;
	req.headers = headers;
	req.body_read = body_read;
	req.body_payload = u;
	req.tick = upload_tick;
	req.tick_payload = u;
	req.max_body = 64 * 1024;
	ret = glance_call(c, &req, &res, err);
	/* whatever happened, the engine's side stops here */
	pump_finish(u->pump);
	if (ret < 0) {
		if (u->engine_failed) {
			*err = u->pump->err;
			err_wrap(err, "%s", prefix);
		} else if (u->out && u->out->cancelled && *u->out->cancelled) {
			err_set(err, "%s: cancelled after %.0f MiB", prefix,
				(double)u->bytes / MIB);
		} else {
			err_wrap(err, "%s: connection cut after %.0f MiB",
				 prefix, (double)u->bytes / MIB);
		}
	} else if (res.status != 204 && res.status != 200) {
		ret = glance_http_error(&res, prefix, err);
	}
	http_response_release(&res);
	buf_release(&path);
	return ret;
}

/* The image Glance made of it is the one sent: active, size, sha512. */
static int verify(struct glance_conn *c, const char *id,
		  const struct upload *u, const char *sha512,
		  const char *prefix, struct err *err)
{
	struct glance_image img;
	int ret = -1;

	glance_image_init(&img);
	if (glance_conn_get(c, id, &img, err) < 0) {
		err_wrap(err, "%s: check", prefix);
		goto out;
	}
	if (strcmp(img.status, "active"))
		err_set(err, "%s: Glance left the image %s, not active",
			prefix, img.status);
	else if (img.size != u->bytes)
		err_set(err, "%s: size mismatch: Glance has %lld bytes, solum sent %lld",
			prefix, img.size, u->bytes);
	else if (!img.os_hash_value)
		err_set(err, "%s: Glance gives no os_hash_value", prefix);
	else if (strcmp(img.os_hash_value, sha512))
		err_set(err, "%s: sha512 mismatch: Glance has %.12s..., solum sent %.12s...",
			prefix, img.os_hash_value, sha512);
	else
		ret = 0;
out:
	glance_image_release(&img);
	return ret;
}

static int all_ok(const char *s, const char *set)
{
	return s[strspn(s, set)] == '\0';
}

static int check_props(const char *name, const struct glance_props *p,
		       struct err *err)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyz"
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:@";

	if (!name || !*name || strlen(name) > 255 || !all_ok(name, ok))
		return err_set(err, "glance: upload: invalid image name");
	if (!p->app || !*p->app || strlen(p->app) > 255 || !all_ok(p->app, ok) ||
	    p->release <= 0 || !p->digest || !*p->digest ||
	    strlen(p->digest) > 255 || !all_ok(p->digest, ok) ||
	    (p->commit && (strlen(p->commit) > 255 || !all_ok(p->commit, ok))) ||
	    (p->tree && (strlen(p->tree) > 255 || !all_ok(p->tree, ok))))
		return err_set(err, "glance: upload %s: invalid properties", name);
	return 0;
}

/*
 * Stream, then check. On failure the image is deleted and the deletion's
 * own failure, if any, added to the line.
 */
static int send_and_check(struct glance_conn *c, struct upload *u,
			  const char *id, const char *prefix,
			  struct glance_stats *stats, struct err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char sha512[129];

	if (pump_start(u->pump, err) < 0)
		return err_wrap(err, "%s", prefix);
	if (put_file(c, u, id, prefix, err) < 0)
		return -1;
	if (EVP_DigestFinal_ex(u->sha, md, &mdlen) != 1 || mdlen != 64)
		return err_set(err, "%s: sha512 failed", prefix);
	hex(md, mdlen, sha512);
	if (verify(c, id, u, sha512, prefix, err) < 0)
		return -1;
	if (stats) {
		stats->bytes = u->bytes;
		memcpy(stats->sha512, sha512, sizeof(stats->sha512));
	}
	return 0;
}

static void remove_image(struct glance_conn *c, const char *id,
			 struct err *err)
{
	struct err derr = ERR_INIT;
	char msg[sizeof(err->msg)];
	int code = err->code;

	if (glance_conn_delete(c, id, &derr) == 0)
		return;
	memcpy(msg, err->msg, sizeof(msg));
	err_set(err, "%.300s (and the image %s is left: %.140s)", msg, id,
		derr.msg);
	err->code = code;
}

int glance_upload(struct keystone *ks, struct docker *docker,
		  const char *engine_ref, const char *name,
		  const struct glance_props *props, struct out *out,
		  char **id_out, struct glance_stats *stats, struct err *err)
{
	struct pump pump = { 0 };
	struct upload u = { 0 };
	struct docker_image di;
	struct glance_conn c = { 0 };
	char *id = NULL, *prefix = NULL;
	int ret = -1;

	*id_out = NULL;
	pump.rfd = pump.wfd = -1;
	pump.docker = docker;
	pump.ref = engine_ref;
	docker_image_init(&di);
	if (check_props(name, props, err) < 0)
		return -1;
	prefix = xstrfmt("glance: upload %s", name);
	/* a missing image fails here, before Glance has anything */
	if (docker_image_inspect(docker, engine_ref, &di, err) < 0) {
		err_wrap(err, "%s", prefix);
		goto out;
	}
	u.pump = &pump;
	u.out = out;
	u.name = name;
	u.total = di.size > 0 ? di.size : -1;
	u.sha = EVP_MD_CTX_new();
	if (!u.sha || EVP_DigestInit_ex(u.sha, EVP_sha512(), NULL) != 1) {
		err_set(err, "%s: sha512 failed", prefix);
		goto out;
	}
	u.start_ms = u.last_line_ms = u.last_data_ms = out_now_ms();
	if (glance_conn_open(&c, ks, err) < 0 ||
	    glance_create(&c, name, props, &id, err) < 0)
		goto out;
	if (send_and_check(&c, &u, id, prefix, stats, err) < 0) {
		remove_image(&c, id, err);
		goto out;
	}
	if (out)
		out_printf(out, "       uploaded to Glance: %.1f MiB in %.1f s, %.0f MiB/s",
			   (double)u.bytes / MIB,
			   (double)(out_now_ms() - u.start_ms) / 1000.0,
			   (double)u.bytes / MIB * 1000.0 /
			   (double)(out_now_ms() - u.start_ms + 1));
	if (stats)
		stats->ms = out_now_ms() - u.start_ms;
	*id_out = id;
	id = NULL;
	ret = 0;
out:
	pump_finish(&pump);
	EVP_MD_CTX_free(u.sha);
	docker_image_release(&di);
	glance_conn_close(&c);
	free(id);
	free(prefix);
	return ret;
}
