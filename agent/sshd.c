/* sshd: the SSH front (libssh server; git and admin commands only) */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "access.h"
#include "authkeys.h"
#include "buf.h"
#include "log.h"
#include "name.h"
#include "proc.h"
#include "sshcmd.h"
#include "sshd.h"
#include "store.h"

#define MAX_AUTH_TRIES 10	/* authentication requests per connection */
#define MAX_REQUESTS 64		/* channel opens and requests per connection */
#define GIT_PROTOCOL_MAX 64
#define IO_CHUNK 32768
#define IN_HIGH (2u << 20)	/* client data libssh may hold for a slow git */
#define IN_LOW (512u << 10)
#define CLOSE_WAIT_SECS 5	/* for the client's close after exit-status */
#define KILL_AFTER_SECS 5	/* a closed connection that lingers is killed */

static const char shell_refusal[] =
	"solum: shell access is not available; use git to push and fetch, "
	"or run 'help' over ssh for the admin commands";

/* ---- host keys ---- */

static const struct {
	const char *file;
	enum ssh_keytypes_e type;
	int bits;
} hostkeys[] = {
	{ "host_ed25519_key", SSH_KEYTYPE_ED25519, 0 },
	{ "host_rsa_key", SSH_KEYTYPE_RSA, 3072 },
};

/*
 * Write `data` to `path` with `mode` unless `path` exists: a temporary file
 * is written, synced and linked into place, so `path` is either absent or
 * complete. Returns 0 when written or already there.
 */
static int write_new_file(const char *path, const char *data, mode_t mode,
			  struct err *err)
{
	char *tmp = xstrfmt("%s.tmp.%ld", path, (long)getpid());
	size_t len = strlen(data), off = 0;
	int fd, ret = -1;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		err_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_errno(err, "cannot write '%s'", tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		err_errno(err, "cannot write '%s'", tmp);
		goto out;
	}
	if (link(tmp, path) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create '%s'", path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return ret;
}

static int write_pubkey(const char *path, ssh_key key, struct err *err)
{
	char *b64 = NULL, *line = NULL;
	int ret;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return err_set(err, "cannot export the public key of '%s'",
			       path);
	line = xstrfmt("%s %s solum-host-key\n",
		       ssh_key_type_to_char(ssh_key_type(key)), b64);
	ret = write_new_file(path, line, 0644, err);
	ssh_string_free_char(b64);
	free(line);
	return ret;
}

int sshd_hostkeys_ensure(const char *home, struct err *err)
{
	char *dir = xstrfmt("%s/ssh", home), *path = NULL, *pub = NULL;
	char *b64 = NULL;
	ssh_key key = NULL;
	struct stat st;
	size_t i;
	int ret = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create '%s'", dir);
		goto out;
	}
	for (i = 0; i < sizeof(hostkeys) / sizeof(hostkeys[0]); i++) {
		free(path);
		free(pub);
		path = xstrfmt("%s/%s", dir, hostkeys[i].file);
		pub = xstrfmt("%s.pub", path);
		ssh_key_free(key);
		key = NULL;
		if (!stat(path, &st)) {
			/* keep the key; restore a lost .pub next to it */
			if (!stat(pub, &st))
				continue;
			if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
							&key) != SSH_OK) {
				err_set(err, "cannot read host key '%s'", path);
				goto out;
			}
			if (write_pubkey(pub, key, err) < 0)
				goto out;
			continue;
		}
		if (errno != ENOENT) {
			err_errno(err, "cannot stat '%s'", path);
			goto out;
		}
		if (ssh_pki_generate(hostkeys[i].type, hostkeys[i].bits,
				     &key) != SSH_OK) {
			err_set(err, "cannot generate host key '%s'", path);
			goto out;
		}
		if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
						  &b64) != SSH_OK) {
			err_set(err, "cannot export host key '%s'", path);
			goto out;
		}
		if (write_new_file(path, b64, 0600, err) < 0)
			goto out;
		ssh_string_free_char(b64);
		b64 = NULL;
		if (write_pubkey(pub, key, err) < 0)
			goto out;
	}
	ret = 0;
out:
	ssh_string_free_char(b64);
	ssh_key_free(key);
	free(dir);
	free(path);
	free(pub);
	return ret;
}

/* ---- time and fds ---- */

static time_t now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- one connection, in its own process ---- */

enum cmd_state {
	CMD_NONE,	/* no exec or shell request yet */
	CMD_PENDING,	/* accepted; to be started (or refused) */
	CMD_RUNNING,	/* the child runs; pumping */
	CMD_DONE	/* exit status sent */
};

/* one of the child's pipes, as registered with the ssh_event */
struct pipe_end {
	int fd;
	short registered;	/* events it is registered for, 0 if not */
	int eof;
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
	int exited, status;
	time_t done_at;
	int peer_closed;	/* the client closed the channel */
	int client_eof;

	struct pipe_end in, out, err;
	char inbuf[IO_CHUNK];	/* client data pulled from libssh, unwritten */
	size_t in_off, in_len;
	size_t in_unconsumed;	/* data libssh still holds for us */
	int paused;		/* the session is out of the event: see sync_fds */
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

static void unregister_pipes(struct conn *c);

/*
 * Hang up. libssh frees the channel with the session's channels, so it is
 * released first and forgotten.
 */
static void hang_up(struct conn *c)
{
	/* flushing polls the event: none of our callbacks may run now */
	unregister_pipes(c);
	if (c->channel) {
		ssh_channel_free(c->channel);
		c->channel = NULL;
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
	ssize_t n;

	c->last_activity = now_secs();
	/* before the command starts, libssh holds the data (the window
	 * bounds it) */
	if (!is_stderr && (c->state == CMD_NONE || c->state == CMD_PENDING)) {
		c->in_unconsumed = len;
		return 0;
	}
	/* nobody to give it to: drop it (the window still moves on) */
	if (is_stderr || c->in.fd < 0 || c->in.eof ||
	    c->state != CMD_RUNNING) {
		if (!is_stderr)
			c->in_unconsumed = 0;
		return (int)len;
	}
	/* keep the order: what we pulled earlier goes first */
	if (c->in_len) {
		c->in_unconsumed = len;
		return 0;
	}
	n = write(c->in.fd, data, len);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			n = 0;
		} else {
			/* the child closed its stdin: drop the rest */
			c->in.eof = 1;
			c->in_unconsumed = 0;
			return (int)len;
		}
	}
	c->in_unconsumed = len - (size_t)n;
	return (int)n;
}

static void on_eof(ssh_session session, ssh_channel channel, void *payload)
{
	struct conn *c = payload;

	c->client_eof = 1;
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
		"  app, key, grant, revoke, deploy, releases, rollback, logs, cancel\n"
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
		"DOCKER_HOST", "DOCKER_CONFIG",
		"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", NULL
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
	c->in.fd = p->in;
	c->out.fd = p->out;
	c->err.fd = p->err;
	set_nonblock(c->in.fd);
	set_nonblock(c->out.fd);
	set_nonblock(c->err.fd);
	c->state = CMD_RUNNING;
	log_info("%s: %s: run %s%s (pid %ld)", c->peer, c->user, c->what,
		 c->git_protocol[0] ? " with GIT_PROTOCOL" : "",
		 (long)p->pid);
out:
	sshcmd_release(&cmd);
}

/* Write what we hold, then what libssh holds, to the child's stdin. */
static void flush_stdin(struct conn *c)
{
	ssize_t n;
	int r;

	while (c->in.fd >= 0 && !c->in.eof) {
		if (!c->in_len && c->in_unconsumed) {
			/* libssh has these buffered already: no I/O here */
			r = ssh_channel_read_nonblocking(c->channel, c->inbuf,
				c->in_unconsumed < sizeof(c->inbuf) ?
				(uint32_t)c->in_unconsumed :
				(uint32_t)sizeof(c->inbuf), 0);
			if (r <= 0) {
				c->in_unconsumed = 0;
				break;
			}
			c->in_off = 0;
			c->in_len = (size_t)r;
			c->in_unconsumed -= (size_t)r;
		}
		if (!c->in_len)
			break;
		n = write(c->in.fd, c->inbuf + c->in_off, c->in_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			c->in.eof = 1;	/* child closed its stdin */
			c->in_len = c->in_unconsumed = 0;
			break;
		}
		c->in_off += (size_t)n;
		c->in_len -= (size_t)n;
	}
}

static int on_stdin_ready(socket_t fd, int revents, void *payload)
{
	flush_stdin(payload);
	return 0;
}

static void pump_out(struct conn *c, struct pipe_end *pe, int is_stderr)
{
	char buf[IO_CHUNK];
	uint32_t win;
	ssize_t n;

	if (pe->fd < 0 || pe->eof)
		return;
	win = ssh_channel_window_size(c->channel);
	if (!win)
		return;	/* unregistered until the client opens the window */
	n = read(pe->fd, buf, win < sizeof(buf) ? win : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pe->eof = 1;
		return;
	}
	c->last_activity = now_secs();
	if (is_stderr)
		ssh_channel_write_stderr(c->channel, buf, (uint32_t)n);
	else
		ssh_channel_write(c->channel, buf, (uint32_t)n);
}

static int on_stdout_ready(socket_t fd, int revents, void *payload)
{
	struct conn *c = payload;

	pump_out(c, &c->out, 0);
	return 0;
}

static int on_stderr_ready(socket_t fd, int revents, void *payload)
{
	struct conn *c = payload;

	pump_out(c, &c->err, 1);
	return 0;
}

static void sync_one(struct conn *c, struct pipe_end *pe, short want,
		     ssh_event_callback cb)
{
	if (pe->fd < 0)
		return;
	if (pe->registered != want) {
		if (pe->registered)
			ssh_event_remove_fd(c->event, pe->fd);
		pe->registered = 0;
		if (want && ssh_event_add_fd(c->event, pe->fd, want, cb,
					     c) == SSH_OK)
			pe->registered = want;
	}
}

static void unregister_pipes(struct conn *c)
{
	struct pipe_end *pe[] = { &c->in, &c->out, &c->err };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (pe[i]->registered && c->event)
			ssh_event_remove_fd(c->event, pe[i]->fd);
		pe[i]->registered = 0;
	}
}

/*
 * Bring the event's fds in line with the state: this is the only place
 * fds are added, removed and closed, never inside a callback.
 */
static void sync_fds(struct conn *c)
{
	int open_win = c->channel && ssh_channel_window_size(c->channel) > 0;
	int in_done;

	/*
	 * libssh 0.10 reopens the receive window whenever it runs low, without
	 * counting what it still holds for us, so a client that sends faster
	 * than git reads would make that backlog grow without bound. Past
	 * IN_HIGH we stop reading the socket (the session leaves the event)
	 * until git has taken the backlog below IN_LOW. The socket is read
	 * again at once when our own output window is shut, since the window
	 * adjustment we then wait for arrives on it.
	 */
	if (!c->paused && c->in_unconsumed >= IN_HIGH && open_win &&
	    c->in.fd >= 0 && !c->in.eof) {
		if (ssh_event_remove_session(c->event, c->session) == SSH_OK)
			c->paused = 1;
	} else if (c->paused && (c->in_unconsumed < IN_LOW || !open_win ||
				 c->in.fd < 0 || c->in.eof)) {
		if (ssh_event_add_session(c->event, c->session) == SSH_OK)
			c->paused = 0;
	}

	sync_one(c, &c->out, !c->out.eof && open_win ? POLLIN : 0,
		 on_stdout_ready);
	sync_one(c, &c->err, !c->err.eof && open_win ? POLLIN : 0,
		 on_stderr_ready);
	if (c->out.eof && c->out.fd >= 0)
		close_fd(&c->out.fd);
	if (c->err.eof && c->err.fd >= 0)
		close_fd(&c->err.fd);

	in_done = c->in.eof ||
		  (c->client_eof && !c->in_len && !c->in_unconsumed);
	sync_one(c, &c->in, !in_done && (c->in_len || c->in_unconsumed) ?
		 POLLOUT : 0, on_stdin_ready);
	if (in_done && c->in.fd >= 0)
		close_fd(&c->in.fd);	/* EOF to the child */
	/* proc_finish must not close them again */
	c->proc.in = c->in.fd;
	c->proc.out = c->out.fd;
	c->proc.err = c->err.fd;
}

static void try_reap(struct conn *c)
{
	pid_t r;

	if (c->exited || c->proc.pid <= 0)
		return;
	r = waitpid(c->proc.pid, &c->status, WNOHANG);
	if (r == c->proc.pid) {
		c->exited = 1;
		c->proc.pid = -1;
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
	char buf[IO_CHUNK];
	struct pollfd pfd[2];
	nfds_t n;
	ssize_t r;

	close_fd(&c->in.fd);
	for (;;) {
		n = 0;
		if (c->out.fd >= 0 && !c->out.eof) {
			pfd[n].fd = c->out.fd;
			pfd[n++].events = POLLIN;
		}
		if (c->err.fd >= 0 && !c->err.eof) {
			pfd[n].fd = c->err.fd;
			pfd[n++].events = POLLIN;
		}
		if (!n)
			break;
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (c->out.fd >= 0 && !c->out.eof) {
			r = read(c->out.fd, buf, sizeof(buf));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				c->out.eof = 1;
		}
		if (c->err.fd >= 0 && !c->err.eof) {
			r = read(c->err.fd, buf, sizeof(buf));
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				c->err.eof = 1;
		}
	}
	close_fd(&c->out.fd);
	close_fd(&c->err.fd);
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

static void serve(struct conn *c)
{
	time_t now;
	int timeout;

	for (;;) {
		now = now_secs();
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
			return;
		}
		if (c->state == CMD_PENDING)
			start_command(c);
		if (c->state == CMD_RUNNING && c->out.eof && c->err.eof &&
		    c->exited)
			finish_command(c);
		if (c->state == CMD_DONE &&
		    (c->peer_closed || now - c->done_at >= CLOSE_WAIT_SECS))
			return;
		if (child_stop && c->state == CMD_NONE) {
			log_info("%s: %s: closing idle connection: shutting down",
				 c->peer, c->user);
			return;
		}
		if (c->cfg->sshd_idle_timeout > 0 &&
		    now - c->last_activity >= c->cfg->sshd_idle_timeout) {
			log_info("%s: %s: no traffic for %d seconds; closing",
				 c->peer, c->user, c->cfg->sshd_idle_timeout);
			if (c->state == CMD_RUNNING) {
				hang_up(c);
				finish_orphan(c);
			}
			return;
		}
		sync_fds(c);
		timeout = c->state == CMD_RUNNING && c->out.eof &&
			  c->err.eof ? 20 : 1000;
		if (ssh_event_dopoll(c->event, timeout) == SSH_ERROR &&
		    !client_gone(c))
			poll(NULL, 0, timeout);	/* nothing to poll: pace */
	}
}

static void session_main(const struct config *cfg, const char *self,
			 ssh_bind bind, int fd, int startup_fd,
			 const char *peer)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->cfg = cfg;
	c->self = self;
	c->in.fd = c->out.fd = c->err.fd = -1;
	c->last_activity = now_secs();
	proc_init(&c->proc);
	snprintf(c->peer, sizeof(c->peer), "%s", peer);

	c->session = ssh_new();
	if (!c->session) {
		log_warnx("%s: cannot create an ssh session", peer);
		close(fd);
		goto out;
	}
	if (ssh_bind_accept_fd(bind, c->session, fd) != SSH_OK) {
		log_warnx("%s: %s", peer, ssh_get_error(bind));
		close(fd);
		goto out;
	}
	c->server_cb.userdata = c;
	c->server_cb.auth_pubkey_function = on_auth_pubkey;
	c->server_cb.channel_open_request_session_function = on_channel_open;
	ssh_callbacks_init(&c->server_cb);
	ssh_set_server_callbacks(c->session, &c->server_cb);
	ssh_set_auth_methods(c->session, SSH_AUTH_METHOD_PUBLICKEY);
	ssh_set_message_callback(c->session, on_message, c);

	if (ssh_handle_key_exchange(c->session) != SSH_OK) {
		log_info("%s: key exchange failed: %s", peer,
			 ssh_get_error(c->session));
		goto out;
	}
	ssh_set_blocking(c->session, 0);
	c->event = ssh_event_new();
	if (!c->event || ssh_event_add_session(c->event, c->session) != SSH_OK) {
		log_warnx("%s: cannot poll the session", peer);
		goto out;
	}
	while (!c->authed) {
		if (client_gone(c)) {
			log_info("%s: disconnected before authenticating", peer);
			goto out;
		}
		if (c->auth_tries > MAX_AUTH_TRIES || c->drop) {
			log_warnx("%s: too many authentication attempts; disconnecting",
				  peer);
			goto out;
		}
		ssh_event_dopoll(c->event, 1000);
	}
	/* tell the parent: no longer one of the max_startups */
	close(startup_fd);
	startup_fd = -1;
	serve(c);
out:
	if (startup_fd >= 0)
		close(startup_fd);
	if (c->state == CMD_RUNNING) {
		hang_up(c);
		finish_orphan(c);
	}
	if (c->session)
		hang_up(c);
	if (c->event) {
		if (c->session && !c->paused)
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

/* ---- the listening parent ---- */

struct child {
	pid_t pid;
	int startup_fd;		/* open while not authenticated */
	time_t started;
	time_t killed;		/* when we sent SIGTERM, or 0 */
	char peer[80];
};

struct server {
	const struct config *cfg;
	const char *self;
	ssh_bind bind;
	int listen_fd;
	struct child *children;
	size_t nr, alloc;
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

static int parse_listen(const char *addr, char *host, size_t hsize,
			char *port, size_t psize, struct err *err)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t hlen;

	if (!colon || !colon[1])
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (!hlen || hlen >= hsize || strlen(colon + 1) >= psize)
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

static int open_listener(const char *addr, struct err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[32], shown[300];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	if (parse_listen(addr, host, sizeof(host), port, sizeof(port),
			 err) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		return err_set(err, "listen address '%s': %s", addr,
			       gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		err_errno(err, "socket for '%s'", addr);
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (listen(fd, 128) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
	    !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
			 sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(shown, sizeof(shown),
			 strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
		log_info("listening on %s", shown);
	}
	freeaddrinfo(res);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

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
}

static void accept_one(struct server *srv, int fd, const char *peer)
{
	sigset_t block, old;
	struct child *ch;
	int sp[2], one = 1;
	pid_t pid;

	if (srv->nr >= (size_t)srv->cfg->sshd_max_sessions) {
		log_warnx("refused connection from %s: %zu connections already (sshd.max_sessions)",
			  peer, srv->nr);
		close(fd);
		return;
	}
	if (count_startups(srv) >= (size_t)srv->cfg->sshd_max_startups) {
		log_warnx("refused connection from %s: too many unauthenticated connections (sshd.max_startups %d)",
			  peer, srv->cfg->sshd_max_startups);
		close(fd);
		return;
	}
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	/* libssh writes each packet on its own: no Nagle delay between them */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
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
		struct sigaction sa;

		close(sp[0]);
		child_close_parent_fds(srv);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = child_on_term;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		session_main(srv->cfg, srv->self, srv->bind, fd, sp[1], peer);
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

static void accept_all(struct server *srv)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char peer[80];
	int i, fd;

	/* a bounded batch; the rest waits for the next poll */
	for (i = 0; i < 32; i++) {
		sl = sizeof(ss);
		fd = accept4(srv->listen_fd, (struct sockaddr *)&ss, &sl,
			     SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept");
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
	/* unauthenticated and idle ones close; running commands finish */
	for (i = 0; i < srv->nr; i++)
		if (!srv->children[i].killed) {
			kill(srv->children[i].pid, SIGTERM);
			srv->children[i].killed = now_secs();
		}
}

static void enforce_grace(struct server *srv)
{
	time_t now = now_secs();
	size_t i;

	for (i = 0; i < srv->nr; i++) {
		struct child *ch = &srv->children[i];

		if (ch->startup_fd < 0)
			continue;
		if (!ch->killed &&
		    now - ch->started >= srv->cfg->sshd_login_grace_time) {
			log_info("connection from %s: not authenticated within %d seconds; closing",
				 ch->peer, srv->cfg->sshd_login_grace_time);
			kill(ch->pid, SIGTERM);
			ch->killed = now;
		} else if (ch->killed && now - ch->killed >= KILL_AFTER_SECS) {
			kill(ch->pid, SIGKILL);
		}
	}
}

static int load_hostkeys(ssh_bind bind, const char *home, struct err *err)
{
	struct stat st;
	ssh_key key;
	char *path;
	size_t i;

	for (i = 0; i < sizeof(hostkeys) / sizeof(hostkeys[0]); i++) {
		path = xstrfmt("%s/ssh/%s", home, hostkeys[i].file);
		key = NULL;
		if (!stat(path, &st) && (st.st_mode & 077))
			log_warnx("host key '%s' is readable by others (mode %03o); it should be 0600",
				  path, (unsigned)(st.st_mode & 0777));
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
						&key) != SSH_OK) {
			err_set(err, "cannot read host key '%s'", path);
			free(path);
			return -1;
		}
		/* the bind owns the key from here */
		if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY,
					 key) != SSH_OK) {
			ssh_key_free(key);
			err_set(err, "host key '%s': %s", path,
				ssh_get_error(bind));
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

int sshd_run(const struct config *cfg, const char *self, const char *listen,
	     struct err *err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGPIPE, SIGHUP };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct server srv;
	struct pollfd *pfd = NULL;
	size_t *owner = NULL, i, n, cap = 0;
	bool no = false;
	int ret = -1, verbosity = SSH_LOG_NOLOG;
	char ch[64];

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
	if (sshd_hostkeys_ensure(cfg->home, err) < 0)
		return -1;

	srv.bind = ssh_bind_new();
	if (!srv.bind)
		return err_set(err, "cannot create the ssh server");
	/* nothing from /etc/ssh: solum.yaml is the configuration */
	ssh_bind_options_set(srv.bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
	ssh_bind_options_set(srv.bind, SSH_BIND_OPTIONS_LOG_VERBOSITY,
			     &verbosity);
	if (load_hostkeys(srv.bind, cfg->home, err) < 0)
		goto out_bind;
	srv.listen_fd = open_listener(listen, err);
	if (srv.listen_fd < 0)
		goto out_bind;
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
		err_errno(err, "pipe");
		goto out_bind;
	}
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
		if (srv.stopping && !srv.nr)
			break;
		enforce_grace(&srv);

		if (cap < srv.nr + 2) {
			cap = srv.nr + 2;
			pfd = xrealloc(pfd, cap * sizeof(*pfd));
			owner = xrealloc(owner, cap * sizeof(*owner));
		}
		n = 0;
		pfd[n].fd = sig_pipe[0];
		pfd[n++].events = POLLIN;
		if (srv.listen_fd >= 0) {
			pfd[n].fd = srv.listen_fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < srv.nr; i++) {
			if (srv.children[i].startup_fd < 0)
				continue;
			owner[n] = i;
			pfd[n].fd = srv.children[i].startup_fd;
			pfd[n++].events = POLLIN;
		}
		for (i = 0; i < n; i++)
			pfd[i].revents = 0;
		if (poll(pfd, n, 1000) < 0) {
			if (errno == EINTR)
				continue;
			err_errno(err, "poll");
			break;
		}
		if (pfd[0].revents)
			while (read(sig_pipe[0], ch, sizeof(ch)) > 0)
				;
		for (i = 1; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == srv.listen_fd) {
				if (!got_stop)
					accept_all(&srv);
				continue;
			}
			/* EOF: authenticated, or gone */
			if (read(pfd[i].fd, ch, sizeof(ch)) <= 0)
				close_fd(&srv.children[owner[i]].startup_fd);
		}
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
	close_fd(&sig_pipe[0]);
	close_fd(&sig_pipe[1]);
out_bind:
	close_fd(&srv.listen_fd);
	ssh_bind_free(srv.bind);
	free(srv.children);
	free(pfd);
	free(owner);
	return ret;
}
