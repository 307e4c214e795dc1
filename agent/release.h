/* release: who runs a release, decided by the kernel; the reaper */
#ifndef SOLUM_RELEASE_H
#define SOLUM_RELEASE_H

#include <sys/types.h>

#include "cli.h"
#include "err.h"
#include "store.h"

/*
 * A release is run by the process that holds its lock (lock.h:
 * <home>/run/<app>@v<N>.lock) from the moment it is queued until it is
 * final. A release that is not final while no one holds its lock was
 * interrupted: its process died (kill -9, a crash, a reboot).
 */

/*
 * Store release *r (r->app, commit, ...; r->number is set) and take its
 * lock, both under the app's queue lock so that no reader sees the release
 * before its lock is held. Returns the lock's fd (ours to hold until
 * release_done), or -1 with err set.
 */
int release_create(struct ctx *ctx, struct store_release *r,
		   struct err *err);

/*
 * Keep `fd`, the lock of `app` v`number`, for a later release_unhold in
 * this process (deploy_queue, then deploy_spawn_detached or deploy_run).
 * release_unhold returns the fd and forgets it, or -1 when not held.
 */
int release_hold(const char *app, int number, int fd, struct err *err);
int release_unhold(const char *app, int number);

/*
 * Become the holder of the lock of `app` v`number` before running it:
 * held by this process already (release_hold), inherited as our stdin
 * from the process that queued it and spawned us (it is then taken anew
 * in our own name, so that lock_holder finds us, and stdin becomes
 * /dev/null), or free (an orphan run by hand). Returns the fd; -1 with
 * err set when another process holds it.
 */
int release_claim(struct ctx *ctx, const char *app, int number,
		  struct err *err);

/* The release is final: remove its lock file and let go of `fd`. */
void release_done(struct ctx *ctx, const char *app, int number, int fd);

/*
 * Turn each release of `app` whose process is gone into failed with
 * error "interrupted"; remove release locks no one holds. Queued releases
 * are marked at once. Active ones (building, pushing, deploying) may have
 * left containers and routes: they are marked only while the app's lock
 * is held (`have_lock`: by the caller; else it is tried without waiting,
 * and when a live deploy holds it they are left to that deploy), after
 * the target's recover() made the newest succeeded release serve again.
 * Returns -1 with err set on error, also when recovering failed (the
 * releases are marked all the same).
 */
int release_reap(struct ctx *ctx, const struct store_app *app, int have_lock,
		 struct err *err);

/* The unfinished release of `app` whose lock `pid` holds, or 0. */
int release_of(struct ctx *ctx, const char *app, pid_t pid);

/* The oldest unfinished release of `app` a live process holds, or 0. */
int release_alive(struct ctx *ctx, const char *app);

/* The process holding the lock of `app` v`number` (lock_holder). */
pid_t release_holder(struct ctx *ctx, const char *app, int number,
		     struct err *err);

#endif
