/* chanpipe: an SSH channel joined to a child's stdin, stdout and stderr */
#ifndef SOLUM_CHANPIPE_H
#define SOLUM_CHANPIPE_H

#include <stddef.h>
#include <stdint.h>

#include <libssh/libssh.h>

#define CHANPIPE_CHUNK 32768

/* one of the child's pipes, as registered with the ssh_event */
struct chanpipe_end {
	int fd;			/* our end, non-blocking; -1 once closed */
	short registered;	/* events it is registered for, 0 if not */
	int eof;
};

/*
 * Moves the client's data into the child's stdin and the child's stdout
 * and stderr into the channel, within both flow-control windows, all from
 * the session's ssh_event: the pipes are registered with the event while
 * there is something they can do. `session`, `event` and `channel` are
 * borrowed and set by the owner; `channel` goes back to NULL when the
 * owner frees the channel.
 */
struct chanpipe {
	ssh_session session;
	ssh_event event;
	ssh_channel channel;
	struct chanpipe_end in, out, err;
	char inbuf[CHANPIPE_CHUNK];	/* client data pulled from libssh, unwritten */
	size_t in_off, in_len;
	size_t in_unconsumed;	/* data libssh still holds for us */
	int client_eof;		/* the client sent EOF: set by the owner */
	int paused;		/* the session is out of the event: see chanpipe_sync */
	int moved;		/* output sent; the owner clears it */
};

/* No pipes yet, nothing held. */
void chanpipe_init(struct chanpipe *p);

/* The child runs: our ends of its stdin, stdout, stderr (made non-blocking). */
void chanpipe_start(struct chanpipe *p, int in, int out, int err);

/*
 * For a channel data callback. chanpipe_hold leaves the `len` bytes with
 * libssh (before the child runs); chanpipe_drop takes and discards them
 * (nobody to give them to); chanpipe_data writes what the child's stdin
 * takes now and leaves the rest with libssh. Each returns what the
 * callback returns: the number of bytes consumed.
 */
int chanpipe_hold(struct chanpipe *p, uint32_t len);
int chanpipe_drop(struct chanpipe *p, uint32_t len);
int chanpipe_data(struct chanpipe *p, const void *data, uint32_t len);

/*
 * Bring the event's registrations in line with the state, close the pipes
 * at EOF (the child's stdin once the client's data is all written after
 * its EOF). The only place fds are added, removed and closed: call it
 * between polls, never from a callback.
 */
void chanpipe_sync(struct chanpipe *p);

/* Take the pipes out of the event (before the channel or event goes). */
void chanpipe_unregister(struct chanpipe *p);

/* Non-zero once the child's stdout and stderr are both at EOF. */
int chanpipe_output_done(const struct chanpipe *p);

/*
 * The client is gone: close the child's stdin, read its stdout and stderr
 * to EOF throwing them away (blocking), and close them.
 */
void chanpipe_drain(struct chanpipe *p);

#endif
