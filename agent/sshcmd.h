/* sshcmd: parse the SSH exec request string (pure; no I/O) */
#ifndef SOLUM_SSHCMD_H
#define SOLUM_SSHCMD_H

#include "err.h"
#include "strvec.h"

#define SSHCMD_MAX 4096		/* longest exec string accepted */

enum sshcmd_kind {
	SSHCMD_RECEIVE_PACK,	/* git-receive-pack 'REPO.git' */
	SSHCMD_UPLOAD_PACK,	/* git-upload-pack 'REPO.git' */
	SSHCMD_ADMIN		/* one of solum's admin verbs */
};

struct sshcmd {
	enum sshcmd_kind kind;
	char repo[64];		/* git commands: the validated repo name */
	struct strvec args;	/* admin: the words, args.v[0] the verb */
};

void sshcmd_init(struct sshcmd *c);
void sshcmd_release(struct sshcmd *c);

/*
 * Parse `s` (not necessarily NUL-terminated: `len` bytes, at most
 * SSHCMD_MAX). Git commands are accepted as `git-receive-pack ARG`,
 * `git receive-pack ARG` (same for upload-pack) where ARG is one argument,
 * optionally in single quotes, naming `REPO.git`, `REPO`, `/REPO.git` or
 * `/REPO`; REPO must pass name_valid(). `~`, `..`, a leading `-`, quotes
 * inside, a second argument and anything outside [A-Za-z0-9._/-] are
 * refused. Admin commands are words separated by spaces (leading,
 * trailing and repeated spaces are ignored), at most 64, whose first word
 * is an admin verb (app, key, grant, revoke, grants, deploy, releases,
 * rollback, logs, cancel, help); quotes, backslashes and the shell's `$`, backtick,
 * `;`, `&`, `|`, `<`, `>` are refused even though no shell ever sees them.
 * Control characters, NUL bytes and non-ASCII bytes are refused anywhere.
 *
 * On success `out` holds the command (any previous content is released
 * first). On refusal it is left empty and err holds one line meant for the
 * client: "unknown command 'bash'", "invalid repository name '../etc'",
 * "command too long (more than 4096 bytes)", ...; untrusted text in it is
 * escaped and cut short (name_quote()).
 */
int sshcmd_parse(const char *s, size_t len, struct sshcmd *out,
		 struct err *err);

#endif
