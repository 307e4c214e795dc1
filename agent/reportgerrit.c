/* reportgerrit: a deploy's outcome as a comment on its Gerrit change (SSH) */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "name.h"
#include "out.h"
#include "reportapi.h"
#include "banned.h"

#define MAX_OUTPUT (64 * 1024)	/* bytes of the command's output we read */
#define SLICE_MS 100		/* a wait on the channel, at most */

/* One connection to Gerrit's SSH daemon, bounded by `deadline`. */
struct gerrit {
	ssh_session s;
	ssh_channel ch;
	const struct report_spec *spec;
	long long deadline;	/* out_now_ms() at which we give up */
	char where[300];	/* "[host]:port", as known_hosts writes it */
};

/*
 * What the comment may hold: inside single quotes on Gerrit's command
 * line only a quote is special, but no quote, backslash, '$' or '`'
 * makes it there, whatever parses the line at the other end.
 */
static int comment_char(int c)
{
	return (c < 0x7f && isalnum(c)) || (c && strchr(" .,:;/_-+=@%()[]#~?", c));
}

/* Give the next blocking libssh call what is left of the deadline. */
static int budget(struct gerrit *g, struct err *err)
{
	long long left = g->deadline - out_now_ms();
	long secs, usecs;

	if (left <= 0)
		return err_set(err, "%s: no answer within %d s", g->where,
			       REPORT_TIMEOUT_SECS);
	secs = (long)(left / 1000);
	usecs = (long)(left % 1000) * 1000;
	if (ssh_options_set(g->s, SSH_OPTIONS_TIMEOUT, &secs) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_TIMEOUT_USEC, &usecs) < 0)
		return err_set(err, "%s: cannot set a timeout: %s", g->where,
			       ssh_get_error(g->s));
	return 0;
}

/* The host key must be the one client.known_hosts has for the host. */
static int check_host(struct gerrit *g, const char *known_hosts,
		      struct err *err)
{
	switch (ssh_session_is_known_server(g->s)) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
		return err_set(err, "the host key of %s is not the one in '%s': refused (if the change is expected, replace its line there)",
			       g->where, known_hosts);
	case SSH_KNOWN_HOSTS_OTHER:
		return err_set(err, "%s offered a host key of another type than the one in '%s': refused",
			       g->where, known_hosts);
	case SSH_KNOWN_HOSTS_UNKNOWN:
		return err_set(err, "the host key of %s is not in '%s': refused (add its line there once checked)",
			       g->where, known_hosts);
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		return err_set(err, "no known hosts file '%s' to check the host key of %s: refused",
			       known_hosts, g->where);
	default:
		return err_set(err, "cannot check the host key of %s: %s",
			       g->where, ssh_get_error(g->s));
	}
}

static int gerrit_connect(struct gerrit *g, const char *known_hosts,
			  struct err *err)
{
	unsigned int port = (unsigned int)g->spec->port;
	bool config = false;

	/* client.known_hosts alone decides; no ssh_config either */
	if (ssh_options_set(g->s, SSH_OPTIONS_HOST, g->spec->host) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_USER, g->spec->user) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_KNOWNHOSTS, known_hosts) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
			    known_hosts) < 0 ||
	    ssh_options_set(g->s, SSH_OPTIONS_PROCESS_CONFIG, &config) < 0)
		return err_set(err, "%s: cannot set up the SSH session: %s",
			       g->where, ssh_get_error(g->s));
	if (budget(g, err) < 0)
		return -1;
	if (ssh_connect(g->s) != SSH_OK)
		return err_set(err, "cannot connect to %s: %s", g->where,
			       ssh_get_error(g->s));
	return check_host(g, known_hosts, err);
}

static int gerrit_auth(struct gerrit *g, const char *identity,
		       struct err *err)
{
	ssh_key key = NULL;
	int rc;

	if (ssh_pki_import_privkey_file(identity, NULL, NULL, NULL,
					&key) != SSH_OK)
		return err_set(err, "cannot read the client key '%s'",
			       identity);
	if (budget(g, err) < 0) {
		ssh_key_free(key);
		return -1;
	}
	rc = ssh_userauth_publickey(g->s, NULL, key);
	ssh_key_free(key);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
		return err_set(err, "%s refused the key of '%s' for user '%s' (is '%s.pub' that Gerrit account's SSH key?)",
			       g->where, identity, g->spec->user, identity);
	return err_set(err, "cannot log in to %s: %s", g->where,
		       ssh_get_error(g->s));
}

/*
 * Read the command's output to its end, keeping the start of its stderr
 * in `errout`, within the deadline and MAX_OUTPUT bytes.
 */
static int drain(struct gerrit *g, struct buf *errout, struct err *err)
{
	char chunk[4096];
	size_t total = 0;
	long long left;
	int n, m;

	while (!ssh_channel_is_eof(g->ch)) {
		left = g->deadline - out_now_ms();
		if (left <= 0)
			return err_set(err, "%s: gerrit review did not finish within %d s",
				       g->where, REPORT_TIMEOUT_SECS);
		n = ssh_channel_read_timeout(g->ch, chunk, sizeof(chunk), 1,
					     left < SLICE_MS ? (int)left :
					     SLICE_MS);
		m = n < 0 ? 0 : ssh_channel_read_nonblocking(g->ch, chunk,
							      sizeof(chunk), 0);
		if (m == SSH_EOF)	/* stdout ended; stderr may not have */
			m = 0;
		if (n < 0 || m < 0)
			return err_set(err, "%s: connection lost: %s", g->where,
				       ssh_get_error(g->s));
		if (n > 0 && errout->len < REPORT_REASON_MAX)
			buf_add(errout, chunk, (size_t)n);
		total += (size_t)n + (size_t)m;
		if (total > MAX_OUTPUT)
			return err_set(err, "%s: gerrit review wrote more than %d bytes",
				       g->where, MAX_OUTPUT);
		if (!n && !m && ssh_channel_is_closed(g->ch))
			break;
	}
	return 0;
}

/* Run `cmd`; it must exit 0. */
static int gerrit_run(struct gerrit *g, const char *cmd, struct err *err)
{
	struct buf errout = BUF_INIT, line = BUF_INIT;
	int status, ret = -1;

	if (budget(g, err) < 0)
		goto out;
	g->ch = ssh_channel_new(g->s);
	if (!g->ch || ssh_channel_open_session(g->ch) != SSH_OK ||
	    ssh_channel_request_exec(g->ch, cmd) != SSH_OK) {
		err_set(err, "%s: cannot run gerrit review: %s", g->where,
			ssh_get_error(g->s));
		goto out;
	}
	if (drain(g, &errout, err) < 0 || budget(g, err) < 0)
		goto out;
	status = ssh_channel_get_exit_status(g->ch);
	if (status == 0) {
		ret = 0;
		goto out;
	}
	buf_setlen(&errout, strcspn(errout.ptr, "\r\n"));
	report_sanitize(&line, errout.ptr, REPORT_REASON_MAX, comment_char);
	if (status < 0)
		err_set(err, "%s: gerrit review ended without an exit status%s%s",
			g->where, line.len ? ": " : "", line.ptr);
	else
		err_set(err, "%s: gerrit review exited %d%s%s", g->where,
			status, line.len ? ": " : "", line.ptr);
out:
	buf_release(&errout);
	buf_release(&line);
	return ret;
}

/* "solum: web v7 is running at URL", "solum: web v7 failed: ... (app at URL)" */
static void comment(const struct store_app *app,
		    const struct store_release *rel, enum report_state state,
		    const char *url, struct buf *b)
{
	struct buf text = BUF_INIT;

	buf_addf(&text, "solum: %s ", app->name);
	report_describe(rel, state, &text);
	if (url)
		buf_addf(&text, state == REPORT_SUCCESS ? " at %s" :
			 " (app at %s)", url);
	report_sanitize(b, text.ptr, 2 * REPORT_TEXT_MAX, comment_char);
	buf_release(&text);
}

int report_gerrit(struct ctx *ctx, const struct report_spec *spec,
		  const struct store_app *app, const struct store_release *rel,
		  enum report_state state, const char *url, struct err *err)
{
	struct gerrit g;
	struct buf cmd = BUF_INIT;
	char *identity = config_client_identity(&ctx->cfg);
	char *known_hosts = config_client_known_hosts(&ctx->cfg);
	long one = 1;
	int ret = -1;

	memset(&g, 0, sizeof(g));
	g.spec = spec;
	g.deadline = out_now_ms() + REPORT_TIMEOUT_SECS * 1000LL;
	if (spec->port == 22 && !strchr(spec->host, ':'))
		snprintf(g.where, sizeof(g.where), "%s", spec->host);
	else
		snprintf(g.where, sizeof(g.where), "[%s]:%d", spec->host,
			 spec->port);
	if (!rel->commit || !name_sha1_valid(rel->commit)) {
		err_set(err, "release v%d has no commit id", rel->number);
		goto out;
	}
	buf_addstr(&cmd, "gerrit review --message '");
	comment(app, rel, state, url, &cmd);
	buf_addf(&cmd, "' %s", rel->commit);
	g.s = ssh_new();
	if (!g.s) {
		err_set(err, "cannot create an SSH session");
		goto out;
	}
	if (gerrit_connect(&g, known_hosts, err) < 0 ||
	    gerrit_auth(&g, identity, err) < 0 ||
	    gerrit_run(&g, cmd.ptr, err) < 0)
		goto out;
	ret = 0;
out:
	if (g.s) {
		/* a peer that stopped answering gets a second, no more */
		ssh_options_set(g.s, SSH_OPTIONS_TIMEOUT, &one);
		if (g.ch)
			ssh_channel_free(g.ch);
		ssh_disconnect(g.s);
		ssh_free(g.s);
	}
	buf_release(&cmd);
	free(identity);
	free(known_hosts);
	return ret;
}
