/* reportgerrit: a deploy's outcome as a comment on its Gerrit change (SSH) */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "name.h"
#include "out.h"
#include "reportapi.h"
#include "sshclient.h"
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
	if (sshclient_budget(g->s, g->deadline, err) == 0)
		return 0;
	return err_set(err, "%s: no answer within %d s", g->where,
		       REPORT_TIMEOUT_SECS);
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
	struct sshclient_opts so;
	struct buf cmd = BUF_INIT;
	char *identity = config_client_identity(&ctx->cfg);
	char *known_hosts = config_client_known_hosts(&ctx->cfg);
	int ret = -1;

	memset(&g, 0, sizeof(g));
	g.spec = spec;
	g.deadline = out_now_ms() + REPORT_TIMEOUT_SECS * 1000LL;
	sshclient_where(spec->host, spec->port, g.where, sizeof(g.where));
	if (!rel->commit || !name_sha1_valid(rel->commit)) {
		err_set(err, "release v%d has no commit id", rel->number);
		goto out;
	}
	buf_addstr(&cmd, "gerrit review --message '");
	comment(app, rel, state, url, &cmd);
	buf_addf(&cmd, "' %s", rel->commit);
	so.host = spec->host;
	so.port = spec->port;
	so.user = spec->user;
	so.identity = identity;
	so.known_hosts = known_hosts;
	so.deadline = g.deadline;
	if (sshclient_connect(&so, &g.s, err) < 0 ||
	    gerrit_run(&g, cmd.ptr, err) < 0)
		goto out;
	ret = 0;
out:
	if (g.ch)
		ssh_channel_free(g.ch);
	sshclient_close(g.s);
	buf_release(&cmd);
	free(identity);
	free(known_hosts);
	return ret;
}
