/* session: one SSH connection, in its own process (auth, channel, command) */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "access.h"
#include "authkeys.h"
#include "buf.h"
#include "chanpipe.h"
#include "clouds.h"
#include "log.h"
#include "name.h"
#include "proc.h"
#include "session.h"
#include "sshcmd.h"
#include "store.h"
#include "banned.h"

#define MAX_AUTH_TRIES 10	/* authentication requests per connection */
#define MAX_REQUESTS 64		/* channel opens and requests per connection */
#define GIT_PROTOCOL_MAX 64
#define CLOSE_WAIT_SECS 5	/* for the client's close after exit-status */

static const char shell_refusal[] =
	"solum: shell access is not available; use git to push and fetch, "
	"or run 'help' over ssh for the admin commands";

static time_t now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

enum cmd_state {
	CMD_NONE,	/* no exec or shell request yet */
	CMD_PENDING,	/* accepted; to be started (or refused) */
	CMD_RUNNING,	/* the child runs; pumping */
	CMD_DONE	/* exit status sent */
};

struct conn {
	const struct config *cfg;
	const char *self;
	ssh_session session;
	ssh_event event;
	ssh_channel channel;
	struct ssh_server_callbacks_struct server_cb;
	struct ssh_channel_callbacks_struct channel_cb;
	char peer[80];
	struct store *store;

	int authed;
	int drop;		/* hang up at the next turn of the loop */
	char user[NAME_MAX_LEN + 1];
	char fp[128];
	int auth_tries;
	int requests;
	time_t last_activity;
	char git_protocol[GIT_PROTOCOL_MAX + 1];

	enum cmd_state state;
	char *exec;		/* the exec string; NULL for a shell request */
	char what[128];		/* the command, for the log */
	struct proc proc;
	int pidfd;		/* the command's, polled for its exit; or -1 */
	int exited, status;
	time_t done_at;
	int peer_closed;	/* the client closed the channel */

	struct chanpipe pipe;	/* the channel and the command's pipes */
};

static volatile sig_atomic_t child_authed;
static volatile sig_atomic_t child_stop;

static void child_on_term(int sig)
{
	(void)sig;
	/* nothing to save before authentication */
	if (!child_authed)
		_exit(0);
	child_stop = 1;
}

static int client_gone(struct conn *c)
{
	return (ssh_get_status(c->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

static void user_quote(const char *s, char *dst, size_t size)
{
	name_quote(s ? s : "", dst, size);
}

/* Only wakes the loop up, which reaps the command. */
static int on_child_exit(socket_t fd, int revents, void *payload)
{
	return 0;
}

/*
 * The command's exit makes its pidfd readable, so the exit status goes
 * out as soon as it can; without a pidfd the loop polls for it.
 */
static void watch_child(struct conn *c)
{
	c->pidfd = pidfd_open(c->proc.pid, 0);
	if (c->pidfd >= 0 &&
	    ssh_event_add_fd(c->event, c->pidfd, POLLIN, on_child_exit,
			     c) != SSH_OK) {
		close(c->pidfd);
		c->pidfd = -1;
	}
}

static void unwatch_child(struct conn *c)
{
	if (c->pidfd < 0)
		return;
	ssh_event_remove_fd(c->event, c->pidfd);
	close(c->pidfd);
	c->pidfd = -1;
}

/*
 * Hang up. libssh frees the channel with the session's channels, so it is
 * released first and forgotten.
 */
static void hang_up(struct conn *c)
{
	/* flushing polls the event: none of our callbacks may run now */
	chanpipe_unregister(&c->pipe);
	unwatch_child(c);
	if (c->channel) {
		ssh_channel_free(c->channel);
		c->channel = NULL;
		c->pipe.channel = NULL;
	}
	if (!client_gone(c)) {
		ssh_blocking_flush(c->session, 2000);
		ssh_disconnect(c->session);
	}
}

/* --- authentication --- */

static int open_store(struct conn *c)
{
	struct err err = ERR_INIT;
	char *path;

	if (c->store)
		return 0;
	path = xstrfmt("%s/solum.db", c->cfg->home);
	if (store_open(path, &c->store, &err) < 0) {
		log_warnx("%s: %s", c->peer, err.msg);
		free(path);
		return -1;
	}
	free(path);
	return 0;
}

/* The key's fingerprint, as `solum key list` shows it; NULL if unusable. */
static char *key_fingerprint(ssh_key key)
{
	struct err err = ERR_INIT;
	char *b64 = NULL, *fp;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));

	if (!type || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	fp = authkey_fingerprint(type, b64, &err);
	ssh_string_free_char(b64);
	return fp;
}

static int on_auth_pubkey(ssh_session session, const char *login,
			  struct ssh_key_struct *pubkey, char state,
			  void *payload)
{
	struct conn *c = payload;
	struct err err = ERR_INIT;
	char user[sizeof(c->user)], q[72];
	char *fp = NULL;
	int rc, ret = SSH_AUTH_DENIED;

	c->last_activity = now_secs();
	if (++c->auth_tries > MAX_AUTH_TRIES)
		return SSH_AUTH_DENIED;
	user_quote(login, q, sizeof(q));
	fp = key_fingerprint(pubkey);
	if (!fp) {
		log_warnx("%s: refused a key solum cannot use (login '%s')",
			  c->peer, q);
		goto out;
	}
	if (state != SSH_PUBLICKEY_STATE_NONE &&
	    state != SSH_PUBLICKEY_STATE_VALID) {
		log_warnx("%s: bad signature for key %s (login '%s')",
			  c->peer, fp, q);
		goto out;
	}
	if (open_store(c) < 0)
		goto out;
	rc = store_key_find(c->store, fp, user, sizeof(user), &err);
	if (rc < 0) {
		log_warnx("%s: looking up key %s: %s", c->peer, fp, err.msg);
		goto out;
	}
	if (rc == 1) {
		/* denied at the probe, a client never signs with it: one
		 * line per key offered */
		log_warnx("%s: unknown key %s (login '%s')", c->peer, fp, q);
		goto out;
	}
	if (state == SSH_PUBLICKEY_STATE_NONE) {
		ret = SSH_AUTH_SUCCESS;	/* "this key would do": pk-ok */
		goto out;
	}
	snprintf(c->user, sizeof(c->user), "%s", user);
	snprintf(c->fp, sizeof(c->fp), "%s", fp);
	c->authed = 1;
	child_authed = 1;
	log_info("%s: accepted key %s for user '%s' (login '%s')", c->peer,
		 fp, user, q);
	ret = SSH_AUTH_SUCCESS;
out:
	free(fp);
	return ret;
}

/* --- channel callbacks --- */

static int on_data(ssh_session session, ssh_channel channel, void *data,
		   uint32_t len, int is_stderr, void *payload)
{
	struct conn *c = payload;

	c->last_activity = now_secs();
	if (is_stderr)
		return (int)len;
	if (c->state == CMD_NONE || c->state == CMD_PENDING)
		return chanpipe_hold(&c->pipe, len);
	if (c->state != CMD_RUNNING)
		return chanpipe_drop(&c->pipe, len);
	return chanpipe_data(&c->pipe, data, len);
}

static void on_eof(ssh_session session, ssh_channel channel, void *payload)
{
	struct conn *c = payload;

	c->pipe.client_eof = 1;
	c->last_activity = now_secs();
}

static void on_close(ssh_session session, ssh_channel channel, void *payload)
{
	struct conn *c = payload;

	c->peer_closed = 1;
}

static int count_request(struct conn *c)
{
	c->last_activity = now_secs();
	if (++c->requests > MAX_REQUESTS) {
		if (!c->drop)
			log_warnx("%s: too many requests; disconnecting",
				  c->peer);
		c->drop = 1;
		return -1;
	}
	return 0;
}

static int on_pty(ssh_session session, ssh_channel channel, const char *term,
		  int width, int height, int pxwidth, int pwheight,
		  void *payload)
{
	struct conn *c = payload;

	if (count_request(c) < 0)
		return -1;
	log_info("%s: %s: refused pty request", c->peer, c->user);
	return -1;
}

static int accept_command(struct conn *c, const char *exec)
{
	if (c->state != CMD_NONE) {
		log_warnx("%s: %s: refused a second command", c->peer, c->user);
		return 1;
	}
	if (exec) {
		size_t n = strnlen(exec, SSHCMD_MAX + 1);

		c->exec = xstrndup(exec, n);
	}
	/* started (or refused, with a message) from the main loop, after
	 * libssh has sent the reply to this request */
	c->state = CMD_PENDING;
	return 0;
}

static int on_shell(ssh_session session, ssh_channel channel, void *payload)
{
	struct conn *c = payload;

	if (count_request(c) < 0)
		return 1;
	return accept_command(c, NULL);
}

static int on_exec(ssh_session session, ssh_channel channel,
		   const char *command, void *payload)
{
	struct conn *c = payload;

	if (count_request(c) < 0)
		return 1;
	return accept_command(c, command ? command : "");
}

static int git_protocol_valid(const char *v)
{
	size_t i, n = strlen(v);

	if (n < 1 || n > GIT_PROTOCOL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = v[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("=:.,_-", ch)))
			return 0;
	}
	return 1;
}

static int on_env(ssh_session session, ssh_channel channel, const char *name,
		  const char *value, void *payload)
{
	struct conn *c = payload;
	char q[72];

	if (count_request(c) < 0)
		return 1;
	if (name && !strcmp(name, "GIT_PROTOCOL") && value &&
	    git_protocol_valid(value) && c->state == CMD_NONE) {
		snprintf(c->git_protocol, sizeof(c->git_protocol), "%s", value);
		return 0;
	}
	user_quote(name, q, sizeof(q));
	log_info("%s: %s: refused env request '%s'", c->peer, c->user, q);
	return 1;
}

static int on_subsystem(ssh_session session, ssh_channel channel,
			const char *subsystem, void *payload)
{
	struct conn *c = payload;
	char q[72];

	if (count_request(c) < 0)
		return 1;
	user_quote(subsystem, q, sizeof(q));
	log_info("%s: %s: refused subsystem '%s'", c->peer, c->user, q);
	return 1;
}

static ssh_channel on_channel_open(ssh_session session, void *payload)
{
	struct conn *c = payload;

	if (count_request(c) < 0)
		return NULL;
	if (!c->authed || c->channel) {
		log_info("%s: %s: refused another session channel", c->peer,
			 c->user);
		return NULL;
	}
	c->channel = ssh_channel_new(session);
	if (!c->channel)
		return NULL;
	c->pipe.channel = c->channel;
	c->channel_cb.userdata = c;
	c->channel_cb.channel_data_function = on_data;
	c->channel_cb.channel_eof_function = on_eof;
	c->channel_cb.channel_close_function = on_close;
	c->channel_cb.channel_pty_request_function = on_pty;
	c->channel_cb.channel_shell_request_function = on_shell;
	c->channel_cb.channel_exec_request_function = on_exec;
	c->channel_cb.channel_env_request_function = on_env;
	c->channel_cb.channel_subsystem_request_function = on_subsystem;
	ssh_callbacks_init(&c->channel_cb);
	ssh_set_channel_callbacks(c->channel, &c->channel_cb);
	return c->channel;
}

/*
 * Everything the callbacks above do not take: other auth methods, other
 * channel types (forwarding), x11, global requests. Logged and refused
 * (returning 1 makes libssh send the default, negative, reply).
 */
static int on_message(ssh_session session, ssh_message msg, void *payload)
{
	struct conn *c = payload;
	int type = ssh_message_type(msg), sub = ssh_message_subtype(msg);
	char q[72];

	switch (type) {
	case SSH_REQUEST_AUTH:
		c->last_activity = now_secs();
		if (sub == SSH_AUTH_METHOD_NONE) {
			/* clients ask this first, to learn the methods */
			log_debug("%s: auth method none", c->peer);
			break;
		}
		if (++c->auth_tries > MAX_AUTH_TRIES)
			break;	/* the loop in session_main hangs up */
		user_quote(ssh_message_auth_user(msg), q, sizeof(q));
		log_info("%s: refused %s authentication (login '%s'): public keys only",
			 c->peer,
			 sub == SSH_AUTH_METHOD_PASSWORD ? "password" :
			 sub == SSH_AUTH_METHOD_INTERACTIVE ? "keyboard-interactive" :
			 sub == SSH_AUTH_METHOD_HOSTBASED ? "host-based" :
			 sub == SSH_AUTH_METHOD_GSSAPI_MIC ? "gssapi" : "unknown",
			 q);
		break;
	case SSH_REQUEST_CHANNEL_OPEN:
		if (count_request(c) < 0)
			return 0;
		log_info("%s: %s: refused %s channel", c->peer, c->user,
			 sub == SSH_CHANNEL_DIRECT_TCPIP ? "direct-tcpip (port forwarding)" :
			 sub == SSH_CHANNEL_FORWARDED_TCPIP ? "forwarded-tcpip (port forwarding)" :
			 sub == SSH_CHANNEL_X11 ? "x11" :
			 sub == SSH_CHANNEL_AUTH_AGENT ? "auth-agent" :
			 sub == SSH_CHANNEL_SESSION ? "session" : "unknown");
		break;
	case SSH_REQUEST_CHANNEL:
		if (count_request(c) < 0)
			return 0;
		if (sub == SSH_CHANNEL_REQUEST_WINDOW_CHANGE)
			return 0;	/* no pty, nothing to resize */
		log_info("%s: %s: refused %s request", c->peer, c->user,
			 sub == SSH_CHANNEL_REQUEST_X11 ? "x11 forwarding" :
			 "unknown channel");
		break;
	case SSH_REQUEST_GLOBAL:
		if (count_request(c) < 0)
			return 0;
		log_info("%s: %s: refused %s request", c->peer, c->user,
			 sub == SSH_GLOBAL_REQUEST_TCPIP_FORWARD ? "tcpip-forward (port forwarding)" :
			 sub == SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD ? "cancel-tcpip-forward" :
			 "global");
		break;
	default:
		break;
	}
	return 1;
}

/* --- the command --- */

/*
 * Answer the accepted request without running anything: the text (on
 * stderr or stdout), the exit status, EOF and close.
 */
static void answer(struct conn *c, const char *text, int is_stderr,
		   int status)
{
	uint32_t len = (uint32_t)strlen(text);

	if (is_stderr)
		ssh_channel_write_stderr(c->channel, text, len);
	else
		ssh_channel_write(c->channel, text, len);
	ssh_channel_request_send_exit_status(c->channel, status);
	ssh_channel_send_eof(c->channel);
	ssh_channel_close(c->channel);
	c->state = CMD_DONE;
	c->done_at = now_secs();
}

/* Refuse the accepted command: one line on stderr, exit status 128. */
static void refuse(struct conn *c, const char *line)
{
	char *text = xstrfmt("%s\n", line);

	answer(c, text, 1, 128);
	free(text);
}

static void send_help(struct conn *c)
{
	const char *u = c->cfg->sshd_user ? c->cfg->sshd_user : "solum";
	char *text = xstrfmt(
		"solum: push to deploy\n"
		"\n"
		"  git remote:  ssh://%s@HOST:PORT/REPO.git  (or %s@HOST:REPO.git)\n"
		"  you are:     %s\n"
		"\n"
		"admin commands (as your roles allow), e.g. 'ssh %s@HOST app list':\n"
		"  app, key, grant, revoke, grants, deploy, releases, rollback, logs,\n"
		"  cancel\n"
		"'COMMAND --help' describes one.\n",
		u, u, c->user, u);

	log_info("%s: %s: help", c->peer, c->user);
	answer(c, text, 0, 0);
	free(text);
}

static void child_env(struct conn *c, struct proc *p)
{
	/* the server's own settings, never the client's */
	static const char *const pass[] = {
		"DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_TLS_VERIFY",
		"DOCKER_CERT_PATH", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL
	};
	const char *path = getenv("PATH");

	strvec_pushf(&p->env, "PATH=%s",
		     path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	strvec_pushf(&p->env, "HOME=%s", c->cfg->home);
	strvec_pushf(&p->env, "SOLUM_HOME=%s", c->cfg->home);
	strvec_pushf(&p->env, "SOLUM_USER=%s", c->user);
	strvec_pushf(&p->env, "SOLUM_KEY=%s", c->fp);
	if (c->git_protocol[0])
		strvec_pushf(&p->env, "GIT_PROTOCOL=%s", c->git_protocol);
	proc_env_allow(p, pass);
	proc_env_allow(p, clouds_env_names);
}

/*
 * Decide what the parsed command may do. Returns 0 with p->args filled, or
 * -1 having refused (with the one line for the client).
 */
static int authorize(struct conn *c, const struct sshcmd *cmd, struct proc *p)
{
	struct err err = ERR_INIT;
	const char *why = NULL;
	char line[600];
	int rc;
	size_t i;

	if (cmd->kind == SSHCMD_ADMIN) {
		strvec_push(&p->args, c->self);
		strvec_pushl(&p->args, "--home", c->cfg->home, NULL);
		for (i = 0; i < cmd->args.nr; i++)
			strvec_push(&p->args, cmd->args.v[i]);
		strvec_push(&p->env, "SOLUM_REMOTE=1");
		snprintf(c->what, sizeof(c->what), "%s", cmd->args.v[0]);
		for (i = 1; i < cmd->args.nr && i < 3; i++) {
			size_t n = strlen(c->what);

			snprintf(c->what + n, sizeof(c->what) - n, " %s",
				 cmd->args.v[i]);
		}
		return 0;
	}

	snprintf(c->what, sizeof(c->what), "%s '%s'",
		 cmd->kind == SSHCMD_RECEIVE_PACK ? "git-receive-pack" :
		 "git-upload-pack", cmd->repo);
	if (open_store(c) < 0)
		goto internal;
	/* one policy for every role check (access.c) */
	rc = access_repo(c->store, c->user, cmd->repo,
			 cmd->kind == SSHCMD_RECEIVE_PACK ? ROLE_PUSH : ROLE_READ,
			 &why, &err);
	if (rc < 0) {
		log_warnx("%s: %s: %s: %s", c->peer, c->user, c->what,
			  err.msg);
		goto internal;
	}
	if (rc) {
		log_info("%s: %s: refused %s: %s", c->peer, c->user, c->what,
			 why);
		snprintf(line, sizeof(line), "solum: %s", err.msg);
		refuse(c, line);
		return -1;
	}
	if (c->cfg->git_path && *c->cfg->git_path)
		strvec_pushf(&p->args, "%s/git", c->cfg->git_path);
	else
		strvec_push(&p->args, "git");
	strvec_push(&p->args, cmd->kind == SSHCMD_RECEIVE_PACK ?
		    "receive-pack" : "upload-pack");
	strvec_pushf(&p->args, "%s/repos/%s.git", c->cfg->home, cmd->repo);
	return 0;
internal:
	refuse(c, "solum: internal error; the server log says more");
	return -1;
}

static void start_command(struct conn *c)
{
	struct sshcmd cmd;
	struct err err = ERR_INIT;
	struct proc *p = &c->proc;
	char line[600];

	sshcmd_init(&cmd);
	proc_init(p);
	if (!c->exec) {
		log_info("%s: %s: refused shell request", c->peer, c->user);
		refuse(c, shell_refusal);
		goto out;
	}
	if (child_stop) {
		refuse(c, "solum: the server is shutting down; try again in a moment");
		goto out;
	}
	if (sshcmd_parse(c->exec, strlen(c->exec), &cmd, &err) < 0) {
		log_info("%s: %s: refused command: %s", c->peer, c->user,
			 err.msg);
		snprintf(line, sizeof(line), "solum: %s", err.msg);
		if (!strncmp(err.msg, "unknown command", 15))
			snprintf(line, sizeof(line),
				 "solum: %s; only git push/fetch and the admin commands ('help') are available",
				 err.msg);
		refuse(c, line);
		goto out;
	}
	if (cmd.kind == SSHCMD_ADMIN && !strcmp(cmd.args.v[0], "help")) {
		send_help(c);
		goto out;
	}
	child_env(c, p);
	if (authorize(c, &cmd, p) < 0)
		goto out;
	p->dir = c->cfg->home;
	p->in = p->out = p->err = PROC_PIPE;
	/* a terminal's ^C to sshd must not cut a push short */
	p->new_pgroup = 1;
	if (proc_start(p, &err) < 0) {
		log_warnx("%s: %s: %s: %s", c->peer, c->user, c->what, err.msg);
		proc_release(p);
		refuse(c, "solum: internal error; the server log says more");
		goto out;
	}
	chanpipe_start(&c->pipe, p->in, p->out, p->err);
	watch_child(c);
	c->state = CMD_RUNNING;
	log_info("%s: %s: run %s%s (pid %ld)", c->peer, c->user, c->what,
		 c->git_protocol[0] ? " with GIT_PROTOCOL" : "",
		 (long)p->pid);
out:
	sshcmd_release(&cmd);
}

/* Write what we hold, then what libssh holds, to the child's stdin. */
static void try_reap(struct conn *c)
{
	pid_t r;

	if (c->exited || c->proc.pid <= 0)
		return;
	r = waitpid(c->proc.pid, &c->status, WNOHANG);
	if (r == c->proc.pid) {
		c->exited = 1;
		c->proc.pid = -1;
		unwatch_child(c);
	}
}

static void log_status(struct conn *c, const char *how_ended)
{
	char how[64];

	proc_describe_status(c->status, how, sizeof(how));
	log_info("%s: %s: %s: %s%s", c->peer, c->user, c->what, how,
		 how_ended);
}

/* Every byte of output is sent: now the status, EOF and close. */
static void finish_command(struct conn *c)
{
	if (WIFSIGNALED(c->status)) {
		const char *sig = sigabbrev_np(WTERMSIG(c->status));

		ssh_channel_request_send_exit_signal(c->channel,
						     sig ? sig : "KILL",
						     WCOREDUMP(c->status), "",
						     "");
	} else {
		ssh_channel_request_send_exit_status(c->channel,
						     WEXITSTATUS(c->status));
	}
	ssh_channel_send_eof(c->channel);
	ssh_channel_close(c->channel);
	log_status(c, "");
	proc_release(&c->proc);
	c->state = CMD_DONE;
	c->done_at = now_secs();
}

/*
 * The client is gone (or timed out) while the command runs: let it finish,
 * as a push that was received must be deployed, throwing its output away.
 */
static void finish_orphan(struct conn *c)
{
	chanpipe_drain(&c->pipe);
	c->proc.in = c->proc.out = c->proc.err = -1;
	if (!c->exited && c->proc.pid > 0) {
		while (waitpid(c->proc.pid, &c->status, 0) < 0 && errno == EINTR)
			;
		c->exited = 1;
		c->proc.pid = -1;
	}
	log_status(c, " (client gone)");
	proc_release(&c->proc);
	c->state = CMD_DONE;
}

/* One turn's checks; non-zero when the connection is to end. */
static int serve_turn(struct conn *c, time_t now)
{
	if (c->state == CMD_RUNNING)
		try_reap(c);
	if (client_gone(c) || c->drop ||
	    (c->peer_closed && c->state != CMD_DONE)) {
		if (c->state == CMD_RUNNING) {
			log_info("%s: %s: client went away; %s continues",
				 c->peer, c->user, c->what);
			hang_up(c);
			finish_orphan(c);
		}
		return 1;
	}
	if (c->state == CMD_PENDING)
		start_command(c);
	if (c->state == CMD_RUNNING && chanpipe_output_done(&c->pipe) &&
	    c->exited)
		finish_command(c);
	if (c->state == CMD_DONE &&
	    (c->peer_closed || now - c->done_at >= CLOSE_WAIT_SECS))
		return 1;
	if (child_stop && c->state == CMD_NONE) {
		log_info("%s: %s: closing idle connection: shutting down",
			 c->peer, c->user);
		return 1;
	}
	if (c->cfg->sshd_idle_timeout > 0 &&
	    now - c->last_activity >= c->cfg->sshd_idle_timeout) {
		log_info("%s: %s: no traffic for %d seconds; closing",
			 c->peer, c->user, c->cfg->sshd_idle_timeout);
		if (c->state == CMD_RUNNING) {
			hang_up(c);
			finish_orphan(c);
		}
		return 1;
	}
	return 0;
}

static void serve(struct conn *c)
{
	int timeout;

	while (!serve_turn(c, now_secs())) {
		chanpipe_sync(&c->pipe);
		/* proc_finish must not close them again */
		c->proc.in = c->pipe.in.fd;
		c->proc.out = c->pipe.out.fd;
		c->proc.err = c->pipe.err.fd;
		timeout = c->state == CMD_RUNNING && c->pidfd < 0 &&
			  chanpipe_output_done(&c->pipe) ? 20 : 1000;
		if (ssh_event_dopoll(c->event, timeout) == SSH_ERROR &&
		    !client_gone(c))
			poll(NULL, 0, timeout);	/* nothing to poll: pace */
		if (c->pipe.moved) {
			c->last_activity = now_secs();
			c->pipe.moved = 0;
		}
	}
}

/* Key exchange and authentication; 0 once the client is authenticated. */
static int start_session(struct conn *c, ssh_bind bind, int fd)
{
	c->session = ssh_new();
	if (!c->session) {
		log_warnx("%s: cannot create an ssh session", c->peer);
		close(fd);
		return -1;
	}
	if (ssh_bind_accept_fd(bind, c->session, fd) != SSH_OK) {
		log_warnx("%s: %s", c->peer, ssh_get_error(bind));
		close(fd);
		return -1;
	}
	c->server_cb.userdata = c;
	c->server_cb.auth_pubkey_function = on_auth_pubkey;
	c->server_cb.channel_open_request_session_function = on_channel_open;
	ssh_callbacks_init(&c->server_cb);
	ssh_set_server_callbacks(c->session, &c->server_cb);
	ssh_set_auth_methods(c->session, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_message_callback(c->session, on_message, c);

	if (ssh_handle_key_exchange(c->session) != SSH_OK) {
		log_info("%s: key exchange failed: %s", c->peer,
			 ssh_get_error(c->session));
		return -1;
	}
	ssh_set_blocking(c->session, 0);
	c->event = ssh_event_new();
	if (!c->event || ssh_event_add_session(c->event, c->session) != SSH_OK) {
		log_warnx("%s: cannot poll the session", c->peer);
		return -1;
	}
	c->pipe.session = c->session;
	c->pipe.event = c->event;
	while (!c->authed) {
		if (client_gone(c)) {
			log_info("%s: disconnected before authenticating",
				 c->peer);
			return -1;
		}
		if (c->auth_tries > MAX_AUTH_TRIES || c->drop) {
			log_warnx("%s: too many authentication attempts; disconnecting",
				  c->peer);
			return -1;
		}
		ssh_event_dopoll(c->event, 1000);
	}
	return 0;
}

void session_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
}

void session_run(const struct config *cfg, const char *self, ssh_bind bind,
		 int fd, int startup_fd, const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	c->self = self;
	c->last_activity = now_secs();
	c->pidfd = -1;
	chanpipe_init(&c->pipe);
	proc_init(&c->proc);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);

	if (start_session(c, bind, fd) == 0) {
		/* tell the parent: no longer one of the max_startups */
		close(startup_fd);
		startup_fd = -1;
		serve(c);
	}
	if (startup_fd >= 0)
		close(startup_fd);
	if (c->state == CMD_RUNNING) {
		hang_up(c);
		finish_orphan(c);
	}
	if (c->session)
		hang_up(c);
	if (c->event) {
		if (c->session && !c->pipe.paused)
			ssh_event_remove_session(c->event, c->session);
		ssh_event_free(c->event);
	}
	if (c->session)
		ssh_free(c->session);
	store_free(c->store);
	free(c->exec);
	proc_release(&c->proc);
	free(c);
}
