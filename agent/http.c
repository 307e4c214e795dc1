/* http: a small libcurl wrapper: unix sockets, streamed bodies, capped responses */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "banned.h"

struct http {
	CURL *curl;
	char *base;		/* as given */
	char *url;		/* what paths are appended to */
	char *unix_path;	/* or NULL */
	long connect_secs;
	long idle_secs;
	int retries;
	long retry_ms;
	/* TLS with a private CA (http_set_tls), or all NULL */
	char *ca_file;
	char *cert_file;
	char *key_file;
	int tls;		/* http_set_tls was called */
	int insecure;
	char cert_error[CURL_ERROR_SIZE];
};

/* The state of one request, shared by the curl callbacks. */
struct xfer {
	const struct http_request *req;
	struct http_response *res;
	CURL *curl;
	size_t max_body;
	const char *body;	/* buffer body */
	size_t body_len, body_off;
	size_t sent;		/* bytes given to curl */
	int header_overflow;
	int too_big;
	int failed;		/* a callback failed: `cb_err` says why */
	struct err cb_err;
	time_t last_tick;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
	curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_new(const char *base, struct http **http_out, struct err *err)
{
	struct http *h;
	const char *rest;
	size_t n;

	*http_out = NULL;
	pthread_once(&curl_once, curl_init);
	if (curl_init_code != CURLE_OK)
		return err_set(err, "cannot initialise libcurl: %s",
			       curl_easy_strerror(curl_init_code));

	h = xcalloc(1, sizeof(*h));
	h->base = xstrdup(base);
	h->connect_secs = 10;
	h->idle_secs = 60;
	h->retries = 2;
	h->retry_ms = 250;
	if (starts_with(base, "unix://", &rest)) {
		if (rest[0] != '/') {
			http_free(h);
			return err_set(err, "'%s': a unix socket needs an absolute path", base);
		}
		h->unix_path = xstrdup(rest);
		h->url = xstrdup("http://localhost");
	} else if (starts_with(base, "tcp://", &rest)) {
		if (!*rest || strchr(rest, '/')) {
			http_free(h);
			return err_set(err, "'%s': expected tcp://HOST:PORT", base);
		}
		h->url = xstrfmt("http://%s", rest);
	} else if (starts_with(base, "http://", &rest) ||
		   starts_with(base, "https://", &rest)) {
		if (!*rest) {
			http_free(h);
			return err_set(err, "'%s': no host", base);
		}
		h->url = xstrdup(base);
		n = strlen(h->url);
		while (n && h->url[n - 1] == '/')
			h->url[--n] = '\0';
	} else {
		http_free(h);
		return err_set(err, "'%s': expected unix://, tcp://, http:// or https://", base);
	}

	h->curl = curl_easy_init();
	if (!h->curl) {
		http_free(h);
		return err_set(err, "cannot create a libcurl handle");
	}
	*http_out = h;
	return 0;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->base);
	free(h->url);
	free(h->unix_path);
	free(h->ca_file);
	free(h->cert_file);
	free(h->key_file);
	free(h);
}

const char *http_base(const struct http *h)
{
	return h->base;
}

/* `path` can be opened and is a file; the error names it as `what`. */
static int check_readable(const char *what, const char *path,
			  struct err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
		close(fd);
		fd = -1;
		errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	}
	if (fd < 0)
		return err_errno(err, "cannot read the %s '%s'", what, path);
	close(fd);
	return 0;
}

static char *nonempty_dup(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

int http_set_tls(struct http *h, const struct http_tls *tls, struct err *err)
{
	const char *rest;
	int has_cert = tls->cert_file && *tls->cert_file;
	int has_key = tls->key_file && *tls->key_file;

	if (!starts_with(h->base, "tcp://", &rest) &&
	    !starts_with(h->base, "https://", NULL))
		return err_set(err,
			       "'%s': TLS needs a tcp:// or https:// address",
			       h->base);
	if ((!tls->ca_file || !*tls->ca_file) &&
	    !starts_with(h->base, "https://", NULL))
		return err_set(err, "'%s': TLS needs a CA certificate",
			       h->base);
	if (has_cert != has_key)
		return err_set(err, "'%s': a client certificate needs its key, and a key its certificate",
			       h->base);
	if ((tls->ca_file && *tls->ca_file &&
	     check_readable("CA certificate", tls->ca_file, err) < 0) ||
	    (has_cert &&
	     (check_readable("client certificate", tls->cert_file, err) < 0 ||
	      check_readable("client key", tls->key_file, err) < 0)))
		return -1;
	free(h->ca_file);
	free(h->cert_file);
	free(h->key_file);
	h->ca_file = nonempty_dup(tls->ca_file);
	h->cert_file = nonempty_dup(tls->cert_file);
	h->key_file = nonempty_dup(tls->key_file);
	h->tls = 1;
	if (starts_with(h->base, "tcp://", &rest)) {
		free(h->url);
		h->url = xstrfmt("https://%s", rest);
	}
	return 0;
}

int http_set_insecure(struct http *h, struct err *err)
{
	if (!starts_with(h->base, "https://", NULL))
		return err_set(err, "'%s': only https:// can skip the server's certificate check",
			       h->base);
	h->tls = 1;
	h->insecure = 1;
	return 0;
}

const char *http_cert_error(const struct http *h)
{
	return h->cert_error;
}

void http_set_timeouts(struct http *h, long connect_secs, long idle_secs)
{
	h->connect_secs = connect_secs;
	h->idle_secs = idle_secs;
}

void http_set_retries(struct http *h, int retries, long retry_ms)
{
	h->retries = retries < 0 ? 0 : retries;
	h->retry_ms = retry_ms < 0 ? 0 : retry_ms;
}

void http_response_init(struct http_response *res)
{
	res->status = 0;
	buf_init(&res->body);
	strvec_init(&res->headers);
}

void http_response_release(struct http_response *res)
{
	buf_release(&res->body);
	strvec_clear(&res->headers);
	res->status = 0;
}

const char *http_response_header(const struct http_response *res,
				 const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < res->headers.nr; i++) {
		const char *h = res->headers.v[i];

		if (!strncasecmp(h, name, n) && h[n] == ':')
			return h[n + 1] == ' ' ? h + n + 2 : h + n + 1;
	}
	return NULL;
}

void http_addquery(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			buf_addch(b, c);
		} else {
			buf_addch(b, '%');
			buf_addch(b, hex[c >> 4]);
			buf_addch(b, hex[c & 15]);
		}
	}
}

static size_t on_read(char *dst, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t len = size * nmemb;
	ssize_t got;

	if (x->req->body_read) {
		got = x->req->body_read(dst, len, x->req->body_payload,
					&x->cb_err);
		if (got < 0 || (size_t)got > len) {
			if (got >= 0)
				err_set(&x->cb_err, "body reader returned too much");
			else if (!x->cb_err.msg[0])
				err_set(&x->cb_err, "cannot read the request body");
			x->failed = 1;
			return CURL_READFUNC_ABORT;
		}
		x->sent += (size_t)got;
		return (size_t)got;
	}
	if (len > x->body_len - x->body_off)
		len = x->body_len - x->body_off;
	memcpy(dst, x->body + x->body_off, len);
	x->body_off += len;
	x->sent += len;
	return len;
}

static int status_is_2xx(struct xfer *x)
{
	long code = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &code);
	x->res->status = code;
	return code >= 200 && code < 300;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t len = size * nmemb;

	if (x->req->on_data && status_is_2xx(x)) {
		if (x->req->on_data(data, len, x->req->data_payload,
				    &x->cb_err) < 0) {
			if (!x->cb_err.msg[0])
				err_set(&x->cb_err, "response handler failed");
			x->failed = 1;
			return 0;
		}
		return len;
	}
	if (x->res->body.len + len > x->max_body) {
		x->too_big = 1;
		return 0;
	}
	buf_add(&x->res->body, data, len);
	return len;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *p)
{
	struct xfer *x = p;
	size_t len = size * nmemb, i, n;
	const char *const *want = x->req->want_headers;
	const char *colon;

	/* a new status line (after 100 Continue): forget the earlier headers */
	if (len >= 5 && !memcmp(data, "HTTP/", 5)) {
		strvec_clear(&x->res->headers);
		return len;
	}
	if (!want)
		return len;
	colon = memchr(data, ':', len);
	if (!colon)
		return len;
	n = (size_t)(colon - data);
	for (i = 0; want[i]; i++) {
		const char *v, *end;

		if (strlen(want[i]) != n || strncasecmp(want[i], data, n))
			continue;
		if (x->res->headers.nr >= 64) {
			x->header_overflow = 1;
			break;
		}
		v = colon + 1;
		end = data + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
				   end[-1] == ' ' || end[-1] == '\t'))
			end--;
		strvec_pushf(&x->res->headers, "%.*s: %.*s", (int)n, data,
			     (int)(end - v), v);
		break;
	}
	return len;
}

static int on_progress(void *p, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = p;
	time_t now;

	if (!x->req->tick)
		return 0;
	now = time(NULL);
	if (now == x->last_tick)
		return 0;
	x->last_tick = now;
	if (x->req->tick(x->req->tick_payload, &x->cb_err)) {
		if (!x->cb_err.msg[0])
			err_set(&x->cb_err, "cancelled");
		x->failed = 1;
		return 1;
	}
	return 0;
}

/* "POST /v1.41/build" for messages: the path without its query */
static void describe(struct buf *what, const char *method, const char *path)
{
	const char *q = strchr(path, '?');

	buf_addf(what, "%s %.*s", method, (int)(q ? q - path : (long)strlen(path)), path);
}

/*
 * Only the private CA (else the system's), the peer and its name checked
 * (unless insecure), our certificate.
 */
static void setup_tls(struct http *h, CURL *c)
{
	if (!h->tls)
		return;
	if (h->ca_file) {
		curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file);
		curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	}
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, h->insecure ? 0L : 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, h->insecure ? 0L : 2L);
	curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (h->cert_file) {
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLCERT, h->cert_file);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
		curl_easy_setopt(c, CURLOPT_SSLKEY, h->key_file);
	}
}

static int setup(struct http *h, struct xfer *x, struct curl_slist **hdrs_out,
		 const char *url, const char *method, struct err *err)
{
	const struct http_request *req = x->req;
	CURL *c = h->curl;
	struct curl_slist *hdrs = NULL, *tmp;
	size_t i;
	long idle = req->idle_secs ? req->idle_secs : h->idle_secs;
	int has_body = req->body_read || req->body;

	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (h->unix_path) {
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->unix_path);
		curl_easy_setopt(c, CURLOPT_PROXY, "");
	} else {
		/* a build can keep a connection quiet for minutes */
		curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
		setup_tls(h, c);
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, h->connect_secs);
	if (idle > 0) {
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, idle);
	}
	if (req->timeout_secs > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_secs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "solum");

	if (!strcmp(method, "HEAD")) {
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		if (req->body_read && req->body_size <= 0)
			hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
		else
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)(req->body_read ?
						      req->body_size :
						      (long long)x->body_len));
	} else if (has_body) {
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, x);
		if (!req->body_read || req->body_size > 0)
			curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
					 (curl_off_t)(req->body_read ?
						      req->body_size :
						      (long long)x->body_len));
	} else if (strcmp(method, "GET")) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	/* no 100-continue round trip: engines and registries answer at once */
	hdrs = curl_slist_append(hdrs, "Expect:");
	for (i = 0; req->headers && req->headers[i]; i++) {
		tmp = curl_slist_append(hdrs, req->headers[i]);
		if (!tmp) {
			curl_slist_free_all(hdrs);
			return err_set(err, "out of memory");
		}
		hdrs = tmp;
	}
	if (!hdrs)
		return err_set(err, "out of memory");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	*hdrs_out = hdrs;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Add to `why` what went wrong with TLS: HTTP_ECERT for a server
 * certificate that fails verification, -1 for another TLS failure, 0
 * (nothing added) when `rc` is none. The reasons name files and
 * certificates, never what a key holds.
 */
static int explain_tls(struct http *h, const struct xfer *x, CURLcode rc,
		       const char *errbuf, long status, struct buf *why)
{
	const char *alert;
	size_t n;

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		(void)xsnprintf(h->cert_error, sizeof(h->cert_error), "%s",
				*errbuf ? errbuf : curl_easy_strerror(rc));
		buf_addf(why, "cannot verify the certificate of %s: %s",
			 h->base, h->cert_error);
		return HTTP_ECERT;
	case CURLE_SSL_CONNECT_ERROR:
		buf_addf(why, "TLS handshake with %s failed: %s", h->base,
			 *errbuf ? errbuf : curl_easy_strerror(rc));
		return -1;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		buf_addf(why, "cannot use the TLS files for %s: %s", h->base,
			 *errbuf ? errbuf : curl_easy_strerror(rc));
		return -1;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
		/*
		 * TLS 1.3 servers refuse a client certificate after the
		 * handshake: the first read or write fails, with the
		 * server's alert or a reset before any body went out
		 */
		alert = strstr(errbuf, "::");
		if (alert && !strstr(alert, "alert"))
			alert = NULL;
		if (!h->tls || status || (!alert && x->sent))
			return 0;
		buf_addf(why, "%s closed the TLS connection before answering",
			 h->base);
		if (alert) {
			n = strcspn(alert + 2, ",");
			buf_addf(why, ": %.*s", (int)n, alert + 2);
		}
		buf_addstr(why, h->cert_file ?
			   " (does it trust the client certificate?)" :
			   " (does it want a client certificate?)");
		return -1;
	default:
		return 0;
	}
}

/* The reason for a failed transfer; HTTP_ECERT for a certificate, else 0. */
static int explain(struct http *h, struct xfer *x, CURLcode rc,
		   const char *errbuf, struct buf *why)
{
	int tls;

	long idle = x->req->idle_secs > 0 ? x->req->idle_secs : h->idle_secs;
	long oserr = 0, status = 0;

	curl_easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &oserr);
	if (x->failed) {
		buf_addstr(why, x->cb_err.msg);
		return 0;
	}
	if (x->too_big) {
		buf_addf(why, "response body larger than %zu bytes", x->max_body);
		return 0;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
	tls = explain_tls(h, x, rc, errbuf, status, why);
	if (tls)
		return tls > 0 ? tls : 0;
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		buf_addf(why, "cannot connect to %s: %s", h->base,
			 oserr ? strerror((int)oserr) : "connection failed");
		return 0;
	case CURLE_COULDNT_RESOLVE_HOST:
		buf_addf(why, "cannot resolve the host of %s", h->base);
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		if (strstr(errbuf, "too slow"))
			buf_addf(why, "timed out talking to %s: no data for %ld s",
				 h->base, idle);
		else if (strstr(errbuf, "onnect"))
			buf_addf(why, "timed out connecting to %s after %ld s",
				 h->base, h->connect_secs);
		else
			buf_addf(why, "timed out talking to %s after %ld s",
				 h->base, x->req->timeout_secs);
		return 0;
	case CURLE_GOT_NOTHING:
		buf_addf(why, "%s closed the connection without answering", h->base);
		return 0;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
		buf_addf(why, "connection to %s broken before the response was complete", h->base);
		if (oserr)
			buf_addf(why, ": %s", strerror((int)oserr));
		return 0;
	case CURLE_SEND_ERROR:
		buf_addf(why, "connection to %s broken while sending", h->base);
		if (oserr)
			buf_addf(why, ": %s", strerror((int)oserr));
		return 0;
	default:
		buf_addstr(why, curl_easy_strerror(rc));
		if (*errbuf)
			buf_addf(why, ": %s", errbuf);
		return 0;
	}
}

int http_request(struct http *h, const struct http_request *req,
		 struct http_response *res, struct err *err)
{
	struct xfer x;
	struct curl_slist *hdrs = NULL;
	struct buf url = BUF_INIT, what = BUF_INIT, why = BUF_INIT;
	const char *method = req->method ? req->method : "GET";
	char errbuf[CURL_ERROR_SIZE];
	CURLcode rc;
	int attempt, ret = -1, retryable, code;

	buf_addstr(&url, h->url);
	buf_addstr(&url, req->path);
	describe(&what, method, req->path);
	retryable = req->idempotent || !strcmp(method, "GET") ||
		    !strcmp(method, "HEAD");

	for (attempt = 0;; attempt++) {
		memset(&x, 0, sizeof(x));
		h->cert_error[0] = '\0';
		x.req = req;
		x.res = res;
		x.curl = h->curl;
		x.max_body = req->max_body ? req->max_body : HTTP_MAX_BODY;
		x.body = req->body;
		x.body_len = req->body ? req->body_len : 0;
		x.last_tick = time(NULL);
		http_response_release(res);

		if (setup(h, &x, &hdrs, url.ptr, method, err) < 0)
			goto out;
		errbuf[0] = '\0';
		curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, errbuf);
		rc = curl_easy_perform(h->curl);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(hdrs);
		hdrs = NULL;

		if (rc == CURLE_OK && !x.failed && !x.too_big) {
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
					  &res->status);
			ret = 0;
			goto out;
		}
		/* nothing reached the server: a retry cannot do harm twice */
		if (rc == CURLE_COULDNT_CONNECT && retryable && !x.failed &&
		    attempt < h->retries && (!req->body_read || !x.sent)) {
			sleep_ms(h->retry_ms);
			continue;
		}
		code = explain(h, &x, rc, errbuf, &why);
		err_set(err, "%s: %s", what.ptr, why.ptr);
		if (code)
			err->code = code;
		if (x.failed && x.cb_err.code)
			err->code = x.cb_err.code;
		goto out;
	}
out:
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	buf_release(&url);
	buf_release(&what);
	buf_release(&why);
	return ret;
}
