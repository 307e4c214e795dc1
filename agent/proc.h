/* proc: spawn programs with an argv and an allowlisted environment, never a shell */
#ifndef SOLUM_PROC_H
#define SOLUM_PROC_H

#include <sys/types.h>

#include "err.h"
#include "strvec.h"

/*
 * Fill in `args` (args.v[0] is looked up in PATH), `env` (the complete
 * environment of the child: nothing is inherited that is not listed) and
 * optionally `dir`. For each of in/out/err:
 *   PROC_INHERIT (the default after proc_init) - the child shares ours,
 *   PROC_PIPE - proc_start creates a pipe and leaves our end in the field
 *               (O_CLOEXEC, blocking),
 *   PROC_NULL - /dev/null,
 *   an fd >= 0 - dup'ed onto the child's stream (ours stays open).
 * To close one of our pipe ends early (EOF to the child), close it and set
 * the field to -1.
 * `err_to_out` sends the child's stderr to wherever its stdout goes.
 */
#define PROC_INHERIT (-1)
#define PROC_PIPE (-2)
#define PROC_NULL (-3)

struct proc {
	struct strvec args;
	struct strvec env;
	const char *dir;
	int in, out, err;
	int err_to_out;
	int new_pgroup;	/* put the child in a process group of its own */
	int new_session;	/* ... or in a session of its own (setsid) */
	pid_t pid;
	int owned;	/* private: which of in/out/err are our pipe ends */
};

void proc_init(struct proc *p);

/*
 * Copy the named variables from our environment into p->env, where set.
 * `names` is NULL-terminated.
 */
void proc_env_allow(struct proc *p, const char *const *names);

/* Start the child. On failure nothing is left open and -1 is returned. */
int proc_start(struct proc *p, struct err *err);

/*
 * Close our ends of any pipes still open, wait for the child and return its
 * wait status in *status_out (see waitpid(2)). Frees args and env.
 */
int proc_finish(struct proc *p, int *status_out, struct err *err);

/* Release args/env without waiting (after a failed proc_start). */
void proc_release(struct proc *p);

/* Describe a wait status: "exit status 3", "killed by signal 9". */
void proc_describe_status(int status, char *dst, size_t size);

#endif
