/* proc: spawn programs with an argv and an allowlisted environment, never a shell */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "proc.h"
#include "banned.h"

void proc_init(struct proc *p)
{
	memset(p, 0, sizeof(*p));
	strvec_init(&p->args);
	strvec_init(&p->env);
	p->in = p->out = p->err = PROC_INHERIT;
	p->pid = -1;
}

void proc_release(struct proc *p)
{
	strvec_clear(&p->args);
	strvec_clear(&p->env);
}

void proc_env_allow(struct proc *p, const char *const *names)
{
	for (; *names; names++) {
		const char *v = getenv(*names);

		if (v)
			strvec_pushf(&p->env, "%s=%s", *names, v);
	}
}

static void close_pair(int fds[2])
{
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	fds[0] = fds[1] = -1;
}

/*
 * Arrange one of the child's standard streams. For a pipe, the child gets
 * the read end of its stdin and the write end of its stdout/stderr.
 */
static int setup_stream(posix_spawn_file_actions_t *fa, int spec, int target,
			int pipefds[2], int ours_is_write, struct err *err)
{
	int rc;

	if (spec == PROC_INHERIT)
		return 0;
	if (spec == PROC_NULL)
		rc = posix_spawn_file_actions_addopen(fa, target, "/dev/null",
						      target ? O_WRONLY : O_RDONLY, 0);
	else if (spec == PROC_PIPE) {
		if (pipe2(pipefds, O_CLOEXEC) < 0)
			return err_errno(err, "pipe");
		rc = posix_spawn_file_actions_adddup2(fa,
				ours_is_write ? pipefds[0] : pipefds[1], target);
	} else {
		rc = posix_spawn_file_actions_adddup2(fa, spec, target);
	}
	if (rc) {
		errno = rc;
		return err_errno(err, "spawn setup");
	}
	return 0;
}

int proc_start(struct proc *p, struct err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, er[2] = { -1, -1 };
	int rc, ret = -1;
	pid_t pid;

	if (!p->args.nr)
		BUG("proc_start without a program");
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);

	if (setup_stream(&fa, p->in, 0, in, 1, err) < 0 ||
	    setup_stream(&fa, p->out, 1, out, 0, err) < 0)
		goto out;
	if (p->err_to_out)
		rc = posix_spawn_file_actions_adddup2(&fa, 1, 2);
	else if (setup_stream(&fa, p->err, 2, er, 0, err) < 0)
		goto out;
	else
		rc = 0;
	if (!rc)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!rc && p->dir)
		rc = posix_spawn_file_actions_addchdir_np(&fa, p->dir);
	if (!rc) {
		sigset_t none, all;
		short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;

		sigemptyset(&none);
		sigfillset(&all);
		rc = posix_spawnattr_setsigmask(&attr, &none);
		if (!rc)
			rc = posix_spawnattr_setsigdefault(&attr, &all);
		if (p->new_session)
			flags |= POSIX_SPAWN_SETSID;
		else if (p->new_pgroup) {
			flags |= POSIX_SPAWN_SETPGROUP;
			if (!rc)
				rc = posix_spawnattr_setpgroup(&attr, 0);
		}
		if (!rc)
			rc = posix_spawnattr_setflags(&attr, flags);
	}
	if (rc) {
		errno = rc;
		err_errno(err, "spawn '%s'", p->args.v[0]);
		goto out;
	}
	rc = posix_spawnp(&pid, p->args.v[0], &fa, &attr, p->args.v,
			  p->env.v);
	if (rc) {
		errno = rc;
		err_errno(err, "cannot run '%s'", p->args.v[0]);
		goto out;
	}
	p->pid = pid;
	if (p->in == PROC_PIPE) {
		close(in[0]);
		p->in = in[1];
		p->owned |= 1;
		in[0] = in[1] = -1;
	}
	if (p->out == PROC_PIPE) {
		close(out[1]);
		p->out = out[0];
		p->owned |= 2;
		out[0] = out[1] = -1;
	}
	if (!p->err_to_out && p->err == PROC_PIPE) {
		close(er[1]);
		p->err = er[0];
		p->owned |= 4;
		er[0] = er[1] = -1;
	}
	ret = 0;
out:
	close_pair(in);
	close_pair(out);
	close_pair(er);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return ret;
}

int proc_finish(struct proc *p, int *status_out, struct err *err)
{
	int status = 0, ret = 0;
	pid_t r;

	/* close only the pipe ends proc_start made; the caller may have closed
	 * one already and set the field to -1 */
	if ((p->owned & 1) && p->in >= 0)
		close(p->in);
	if ((p->owned & 2) && p->out >= 0)
		close(p->out);
	if ((p->owned & 4) && p->err >= 0)
		close(p->err);
	p->owned = 0;
	if (p->pid > 0) {
		do {
			r = waitpid(p->pid, &status, 0);
		} while (r < 0 && errno == EINTR);
		if (r < 0)
			ret = err_errno(err, "wait for '%s'",
					p->args.nr ? p->args.v[0] : "?");
		p->pid = -1;
	}
	if (status_out)
		*status_out = status;
	proc_release(p);
	return ret;
}

void proc_describe_status(int status, char *dst, size_t size)
{
	if (WIFEXITED(status))
		snprintf(dst, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(dst, size, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(dst, size, "wait status %d", status);
}
