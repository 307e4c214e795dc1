/* chanpipe: an SSH channel joined to a child's stdin, stdout and stderr */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "chanpipe.h"
#include "banned.h"

#define IN_HIGH (2u << 20)	/* client data libssh may hold for a slow git */
#define IN_LOW (512u << 10)

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void close_end(struct chanpipe_end *pe)
{
	if (pe->fd >= 0)
		close(pe->fd);
	pe->fd = -1;
}

void chanpipe_init(struct chanpipe *p)
{
	memset(p, 0, sizeof(*p));
	p->in.fd = p->out.fd = p->err.fd = -1;
}

void chanpipe_start(struct chanpipe *p, int in, int out, int err)
{
	p->in.fd = in;
	p->out.fd = out;
	p->err.fd = err;
	set_nonblock(in);
	set_nonblock(out);
	set_nonblock(err);
}

/* before the command starts, libssh holds the data (the window bounds it) */
int chanpipe_hold(struct chanpipe *p, uint32_t len)
{
	p->in_unconsumed = len;
	return 0;
}

/* nobody to give it to: drop it (the window still moves on) */
int chanpipe_drop(struct chanpipe *p, uint32_t len)
{
	p->in_unconsumed = 0;
	return (int)len;
}

int chanpipe_data(struct chanpipe *p, const void *data, uint32_t len)
{
	ssize_t n;

	if (p->in.fd < 0 || p->in.eof)
		return chanpipe_drop(p, len);
	/* keep the order: what we pulled earlier goes first */
	if (p->in_len)
		return chanpipe_hold(p, len);
	n = write(p->in.fd, data, len);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR) {
			/* the child closed its stdin: drop the rest */
			p->in.eof = 1;
			return chanpipe_drop(p, len);
		}
		n = 0;
	}
	p->in_unconsumed = len - (size_t)n;
	return (int)n;
}

/* Write what we hold, then what libssh holds, to the child's stdin. */
static void flush_stdin(struct chanpipe *p)
{
	ssize_t n;
	int r;

	while (p->in.fd >= 0 && !p->in.eof) {
		if (!p->in_len && p->in_unconsumed) {
			/* libssh has these buffered already: no I/O here */
			r = ssh_channel_read_nonblocking(p->channel, p->inbuf,
				p->in_unconsumed < sizeof(p->inbuf) ?
				(uint32_t)p->in_unconsumed :
				(uint32_t)sizeof(p->inbuf), 0);
			if (r <= 0) {
				p->in_unconsumed = 0;
				break;
			}
			p->in_off = 0;
			p->in_len = (size_t)r;
			p->in_unconsumed -= (size_t)r;
		}
		if (!p->in_len)
			break;
		n = write(p->in.fd, p->inbuf + p->in_off, p->in_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n < 0) {
			p->in.eof = 1;	/* child closed its stdin */
			p->in_len = p->in_unconsumed = 0;
			break;
		}
		p->in_off += (size_t)n;
		p->in_len -= (size_t)n;
	}
}

static int on_stdin_ready(socket_t fd, int revents, void *payload)
{
	flush_stdin(payload);
	return 0;
}

static void pump_out(struct chanpipe *p, struct chanpipe_end *pe,
		     int is_stderr)
{
	char buf[CHANPIPE_CHUNK];
	uint32_t win;
	ssize_t n;

	if (pe->fd < 0 || pe->eof)
		return;
	win = ssh_channel_window_size(p->channel);
	if (!win)
		return;	/* unregistered until the client opens the window */
	n = read(pe->fd, buf, win < sizeof(buf) ? win : sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		pe->eof = 1;
		return;
	}
	p->moved = 1;
	if (is_stderr)
		ssh_channel_write_stderr(p->channel, buf, (uint32_t)n);
	else
		ssh_channel_write(p->channel, buf, (uint32_t)n);
}

static int on_stdout_ready(socket_t fd, int revents, void *payload)
{
	struct chanpipe *p = payload;

	pump_out(p, &p->out, 0);
	return 0;
}

static int on_stderr_ready(socket_t fd, int revents, void *payload)
{
	struct chanpipe *p = payload;

	pump_out(p, &p->err, 1);
	return 0;
}

static void sync_one(struct chanpipe *p, struct chanpipe_end *pe, short want,
		     ssh_event_callback cb)
{
	if (pe->fd < 0)
		return;
	if (pe->registered != want) {
		if (pe->registered)
			ssh_event_remove_fd(p->event, pe->fd);
		pe->registered = 0;
		if (want && ssh_event_add_fd(p->event, pe->fd, want, cb,
					     p) == SSH_OK)
			pe->registered = want;
	}
}

void chanpipe_unregister(struct chanpipe *p)
{
	struct chanpipe_end *pe[] = { &p->in, &p->out, &p->err };
	size_t i;

	for (i = 0; i < 3; i++) {
		if (pe[i]->registered && p->event)
			ssh_event_remove_fd(p->event, pe[i]->fd);
		pe[i]->registered = 0;
	}
}

void chanpipe_sync(struct chanpipe *p)
{
	int open_win = p->channel && ssh_channel_window_size(p->channel) > 0;
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
	if (!p->paused && p->in_unconsumed >= IN_HIGH && open_win &&
	    p->in.fd >= 0 && !p->in.eof) {
		if (ssh_event_remove_session(p->event, p->session) == SSH_OK)
			p->paused = 1;
	} else if (p->paused && (p->in_unconsumed < IN_LOW || !open_win ||
				 p->in.fd < 0 || p->in.eof)) {
		if (ssh_event_add_session(p->event, p->session) == SSH_OK)
			p->paused = 0;
	}

	sync_one(p, &p->out, !p->out.eof && open_win ? POLLIN : 0,
		 on_stdout_ready);
	sync_one(p, &p->err, !p->err.eof && open_win ? POLLIN : 0,
		 on_stderr_ready);
	if (p->out.eof)
		close_end(&p->out);
	if (p->err.eof)
		close_end(&p->err);

	in_done = p->in.eof ||
		  (p->client_eof && !p->in_len && !p->in_unconsumed);
	sync_one(p, &p->in, !in_done && (p->in_len || p->in_unconsumed) ?
		 POLLOUT : 0, on_stdin_ready);
	if (in_done)
		close_end(&p->in);	/* EOF to the child */
}

int chanpipe_output_done(const struct chanpipe *p)
{
	return p->out.eof && p->err.eof;
}

/* Read one pipe's output away; at EOF (or an error) mark it. */
static void discard(struct chanpipe_end *pe)
{
	char buf[CHANPIPE_CHUNK];
	ssize_t r;

	if (pe->fd < 0 || pe->eof)
		return;
	r = read(pe->fd, buf, sizeof(buf));
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		pe->eof = 1;
}

void chanpipe_drain(struct chanpipe *p)
{
	struct pollfd pfd[2];
	nfds_t n;

	close_end(&p->in);
	for (;;) {
		n = 0;
		if (p->out.fd >= 0 && !p->out.eof) {
			pfd[n].fd = p->out.fd;
			pfd[n++].events = POLLIN;
		}
		if (p->err.fd >= 0 && !p->err.eof) {
			pfd[n].fd = p->err.fd;
			pfd[n++].events = POLLIN;
		}
		if (!n)
			break;
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		discard(&p->out);
		discard(&p->err);
	}
	close_end(&p->out);
	close_end(&p->err);
}
