/* hookmain: solum-hook, what a repository's post-receive hook runs first */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "file.h"
#include "hookinput.h"
#include "banned.h"

/*
 * Every push runs the post-receive hook, and most pushes deploy nothing:
 * a topic branch, a tag, a repository no app deploys from. solum itself
 * loads some fifty libraries before it can say so; this program needs libc
 * and SQLite. The hook runs it as
 *
 *	solum-hook SOLUM --home HOME hook post-receive
 *
 * It reads git's ref updates, and when no pushed branch is mapped to an app
 * it prints what `solum hook post-receive` prints for such refs and exits 0.
 * Otherwise, and whenever anything is out of the ordinary (input solum
 * would refuse, a state database it cannot read), it runs the rest of its
 * command line, `SOLUM --home HOME hook post-receive`, with the same input:
 * solum deploys, and has the last word on errors.
 *
 * The one query relies on the table apps(repo, branch) of solum's state
 * database (agent/store.c), there since its first schema; the database is
 * opened read-only, so this never migrates or writes it.
 */

#define INPUT_MAX ((HOOKINPUT_MAX_UPDATES + 1) * (HOOKINPUT_LINE_MAX + 1))

/*
 * Read stdin to EOF into `b`, at most INPUT_MAX bytes. Returns 1 when it
 * all fits, 0 when there is more (solum refuses that much), -1 on a read
 * error.
 */
static int read_input(struct buf *b)
{
	ssize_t n;

	for (;;) {
		if (b->len >= INPUT_MAX)
			return 0;
		buf_grow(b, 16384);
		n = read(0, b->ptr + b->len, b->alloc - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (!n)
			return 1;
		b->len += (size_t)n;
		b->ptr[b->len] = '\0';
	}
}

/*
 * Run `argv` (solum), with `input`, when not NULL, as its stdin instead of
 * ours. Returns only when that cannot be done.
 */
static int hand_over(char **argv, const struct buf *input)
{
	int fd;

	if (input) {
		fd = memfd_create("solum-hook-input", 0);
		if (fd < 0 || file_write_all(fd, input->ptr, input->len) < 0 ||
		    lseek(fd, 0, SEEK_SET) < 0 || dup2(fd, 0) < 0) {
			fprintf(stderr, "solum: hook: cannot pass the ref updates on: %s\n",
				strerror(errno));
			return 1;
		}
		close(fd);
	}
	fflush(stdout);
	execv(argv[0], argv);
	fprintf(stderr, "solum: hook: cannot run '%s': %s\n", argv[0],
		strerror(errno));
	return 1;
}

/*
 * Is any pushed branch mapped to an app? 1 yes, 0 no, -1 when the store
 * cannot tell us.
 */
static int any_mapped(const char *home, const char *repo,
		      const struct hookinput_update *ups, size_t nr)
{
	char *path = xstrfmt("%s/solum.db", home);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *branch;
	int ret = -1, rc = SQLITE_DONE;
	size_t i;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM apps "
			       "WHERE repo = ?1 AND branch = ?2", -1, &st,
			       NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, repo, -1, SQLITE_STATIC) != SQLITE_OK)
		goto out;
	for (i = 0; i < nr && rc == SQLITE_DONE; i++) {
		if (!starts_with(ups[i].ref, "refs/heads/", &branch))
			continue;
		sqlite3_reset(st);
		if (sqlite3_bind_text(st, 2, branch, -1, SQLITE_STATIC) !=
		    SQLITE_OK)
			goto out;
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW)
		ret = 1;
	else if (rc == SQLITE_DONE)
		ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	free(path);
	return ret;
}

/* Say what solum says about refs that deploy nothing. */
static void report(const char *repo, const struct hookinput_update *ups,
		   size_t nr)
{
	const char *branch;
	size_t i;

	hookinput_push_mode(stdout);
	for (i = 0; i < nr; i++) {
		if (starts_with(ups[i].ref, "refs/heads/", &branch))
			hookinput_say_unmapped(stdout, branch, repo);
		else
			hookinput_say_not_branch(stdout, ups[i].ref);
	}
}

int main(int argc, char **argv)
{
	struct hookinput_update *ups = NULL;
	struct err err = ERR_INIT;
	struct buf input = BUF_INIT;
	char repo[64];
	size_t nr = 0;
	FILE *f = NULL;
	int ret;

	if (argc < 2) {
		fprintf(stderr, "usage: solum-hook SOLUM --home HOME hook post-receive\n");
		return 129;
	}
	/* anything but the one command we know: solum does it */
	if (argc != 6 || strcmp(argv[2], "--home") ||
	    strcmp(argv[4], "hook") || strcmp(argv[5], "post-receive") ||
	    hookinput_repo_name(argv[3], repo, sizeof(repo), &err) < 0)
		return hand_over(argv + 1, NULL);
	if (read_input(&input) != 1 || !input.len ||
	    !(f = fmemopen(input.ptr, input.len, "r")) ||
	    hookinput_read_updates(f, &ups, &nr, &err) < 0 ||
	    any_mapped(argv[3], repo, ups, nr) != 0) {
		ret = hand_over(argv + 1, &input);
		goto out;
	}
	report(repo, ups, nr);
	ret = fflush(stdout) ? 1 : 0;
out:
	if (f)
		fclose(f);
	free(ups);
	buf_release(&input);
	return ret;
}
