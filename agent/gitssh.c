/* gitssh: libgit2's fetches over SSH, done with libssh (sshclient.h) */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "gitssh.h"
#include "sshclient.h"
#include "banned.h"

#define MAX_STDERR 1024		/* of the server's complaint, kept */

void gitssh_url_release(struct gitssh_url *u)
{
	free(u->user);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/* "[USER@]HOST[:PORT]" of an ssh:// URL, up to `end`. */
static int parse_authority(const char *p, const char *end,
			   struct gitssh_url *u)
{
	const char *at = memchr(p, '@', (size_t)(end - p));
	const char *host, *hend, *colon = NULL;

	if (at)
		u->user = xstrndup(p, (size_t)(at - p));
	host = at ? at + 1 : p;
	if (*host == '[') {
		hend = memchr(host, ']', (size_t)(end - host));
		if (!hend)
			return -1;
		u->host = xstrndup(host + 1, (size_t)(hend - host - 1));
		if (hend + 1 < end && hend[1] != ':')
			return -1;
		colon = hend + 1 < end ? hend + 1 : NULL;
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		u->host = xstrndup(host, (size_t)((colon ? colon : end) - host));
	}
	if (colon) {
		char *tail;
		long port = strtol(colon + 1, &tail, 10);

		if (tail != end || port < 1 || port > 65535 || colon[1] == '-' ||
		    colon[1] == '+')
			return -1;
		u->port = (int)port;
	}
	return 0;
}

int gitssh_url_parse(const char *url, struct gitssh_url *u, struct err *err)
{
	const char *rest, *end, *colon, *at;
	size_t i;

	memset(u, 0, sizeof(*u));
	u->port = 22;
	if (starts_with(url, "ssh://", &rest)) {
		end = rest + strcspn(rest, "/");
		if (!*end || parse_authority(rest, end, u) < 0)
			goto bad;
		u->path = xstrdup(end);
	} else {
		colon = strchr(url, ':');
		at = strchr(url, '@');
		/* scp-like: a ':' before any '/', and not a scheme's "://" */
		if (!colon || strcspn(url, "/") < (size_t)(colon - url) ||
		    !strncmp(colon, "://", 3) || !at || at > colon)
			return 0;
		u->user = xstrndup(url, (size_t)(at - url));
		u->host = xstrndup(at + 1, (size_t)(colon - at - 1));
		u->path = xstrdup(colon + 1);
	}
	if (!u->user)
		u->user = xstrdup("git");
	if (!*u->user || !*u->host || !*u->path || strpbrk(u->user, ":/") ||
	    strpbrk(u->host, "/@"))
		goto bad;
	for (i = 0; u->path[i]; i++)
		if ((unsigned char)u->path[i] < 0x20 || u->path[i] == '\'' ||
		    u->path[i] == 0x7f || u->path[i] == '\\')
			goto bad;
	return 1;
bad:
	gitssh_url_release(u);
	return err_set(err, "invalid SSH upstream '%.200s'", url);
}

/* ---- the transport ---- */

struct sub;

struct stream {
	git_smart_subtransport_stream parent;	/* first: libgit2 casts */
	struct sub *sub;
	ssh_channel ch;
};

struct sub {
	git_smart_subtransport parent;		/* first */
	struct gitssh *g;
	ssh_session s;
	struct stream *cur;	/* upload-pack's, for both actions */
};

static int fail(struct gitssh *g, const char *msg)
{
	if (msg != g->why->msg)
		err_set(g->why, "%s", msg);
	git_error_set_str(GIT_ERROR_NET, msg);
	return -1;
}

/* The channel ended with no data: what the server said on stderr. */
static int ended(struct stream *st)
{
	char buf[MAX_STDERR], *nl;
	int n = ssh_channel_read_nonblocking(st->ch, buf, sizeof(buf) - 1, 1);

	if (n <= 0)
		return fail(st->sub->g, "the upstream closed the connection");
	buf[n] = '\0';
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	for (nl = buf; *nl; nl++)
		if ((unsigned char)*nl < 0x20)
			*nl = '?';
	err_set(st->sub->g->why, "the upstream said: %s", buf);
	git_error_set_str(GIT_ERROR_NET, st->sub->g->why->msg);
	return -1;
}

static int stream_read(git_smart_subtransport_stream *stream, char *buffer,
		       size_t size, size_t *got)
{
	struct stream *st = (struct stream *)stream;
	struct gitssh *g = st->sub->g;
	struct err e = ERR_INIT;
	int waited = 0, n;

	*got = 0;
	if (!st->ch)
		return fail(g, "the connection to the upstream is closed");
	if (size > INT_MAX)
		size = INT_MAX;
	for (;;) {
		n = ssh_channel_read_timeout(st->ch, buffer, (uint32_t)size, 0,
					     1000);
		if (n > 0) {
			*got = (size_t)n;
			return 0;
		}
		if (n == SSH_ERROR)
			return fail(g, ssh_get_error(st->sub->s));
		/* no data: the end, or a complaint on stderr */
		if (ssh_channel_is_eof(st->ch) || !ssh_channel_is_open(st->ch) ||
		    ssh_channel_poll(st->ch, 1) != 0)
			return ended(st);
		if (g->o && out_tick(g->o, &e) < 0)
			return fail(g, e.msg);
		if (++waited >= g->timeout_secs)
			return fail(g, "the upstream sent nothing for too long");
	}
}

static int stream_write(git_smart_subtransport_stream *stream,
			const char *buffer, size_t len)
{
	struct stream *st = (struct stream *)stream;

	if (!st->ch)
		return fail(st->sub->g, "the connection to the upstream is closed");
	while (len) {
		uint32_t chunk = len > 65536 ? 65536 : (uint32_t)len;
		int n = ssh_channel_write(st->ch, buffer, chunk);

		if (n == SSH_ERROR || n <= 0)
			return fail(st->sub->g, ssh_get_error(st->sub->s));
		buffer += n;
		len -= (size_t)n;
	}
	return 0;
}

static void stream_free(git_smart_subtransport_stream *stream)
{
	struct stream *st = (struct stream *)stream;

	if (st->sub->cur == st)
		st->sub->cur = NULL;
	if (st->ch) {
		ssh_channel_close(st->ch);
		ssh_channel_free(st->ch);
	}
	free(st);
}

/* Log in and start `git-upload-pack 'PATH'` on a channel. */
static int open_uploadpack(struct sub *t, const char *url, struct stream **out)
{
	struct gitssh_url u;
	struct sshclient_opts so;
	struct stream *st;
	char *cmd;
	int rc;

	rc = gitssh_url_parse(url, &u, t->g->why);
	if (rc <= 0)
		return rc < 0 ? fail(t->g, t->g->why->msg) :
			fail(t->g, "not an SSH URL");
	so.host = u.host;
	so.port = u.port;
	so.user = u.user;
	so.identity = t->g->identity;
	so.known_hosts = t->g->known_hosts;
	so.deadline = out_now_ms() + t->g->timeout_secs * 1000LL;
	if (!t->s && sshclient_connect(&so, &t->s, t->g->why) < 0) {
		gitssh_url_release(&u);
		return fail(t->g, t->g->why->msg);
	}
	st = xcalloc(1, sizeof(*st));
	st->parent.read = stream_read;
	st->parent.write = stream_write;
	st->parent.free = stream_free;
	st->sub = t;
	cmd = xstrfmt("git-upload-pack '%s'", u.path);
	gitssh_url_release(&u);
	st->ch = ssh_channel_new(t->s);
	if (!st->ch || ssh_channel_open_session(st->ch) != SSH_OK ||
	    ssh_channel_request_exec(st->ch, cmd) != SSH_OK) {
		free(cmd);
		fail(t->g, ssh_get_error(t->s));
		stream_free(&st->parent);
		return -1;
	}
	free(cmd);
	*out = st;
	return 0;
}

static int sub_action(git_smart_subtransport_stream **out,
		      git_smart_subtransport *transport, const char *url,
		      git_smart_service_t action)
{
	struct sub *t = (struct sub *)transport;

	switch (action) {
	case GIT_SERVICE_UPLOADPACK_LS:
		if (open_uploadpack(t, url, &t->cur) < 0)
			return -1;
		*out = &t->cur->parent;
		return 0;
	case GIT_SERVICE_UPLOADPACK:
		/* the same conversation goes on */
		if (!t->cur)
			return fail(t->g, "upload-pack is not running");
		*out = &t->cur->parent;
		return 0;
	default:
		return fail(t->g, "solum only fetches from an upstream");
	}
}

static int sub_close(git_smart_subtransport *transport)
{
	struct sub *t = (struct sub *)transport;

	/* a channel never outlives its session */
	if (t->cur && t->cur->ch) {
		ssh_channel_close(t->cur->ch);
		ssh_channel_free(t->cur->ch);
		t->cur->ch = NULL;
	}
	sshclient_close(t->s);
	t->s = NULL;
	return 0;
}

static void sub_free(git_smart_subtransport *transport)
{
	sub_close(transport);
	free(transport);
}

static int make_sub(git_smart_subtransport **out, git_transport *owner,
		    void *param)
{
	struct sub *t = xcalloc(1, sizeof(*t));

	(void)owner;
	t->parent.action = sub_action;
	t->parent.close = sub_close;
	t->parent.free = sub_free;
	t->g = param;
	*out = &t->parent;
	return 0;
}

int gitssh_transport(git_transport **out, git_remote *owner, void *payload)
{
	git_smart_subtransport_definition def = { make_sub, 0, payload };

	return git_transport_smart(out, owner, &def);
}
