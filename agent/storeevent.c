/* storeevent: the webhook events apps took, in solum's state database */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store.h"
#include "storeapi.h"
#include "banned.h"

/*
 * An event still without a release this long after it was taken was
 * taken by a receiver that died before queueing (a receiver queues within
 * the request): it no longer blocks the event.
 */
#define STALE_SECS 300

struct take {
	const char *app, *uuid, *newrev;
	int seen;		/* 1: taken before */
	int release;
};

/*
 * One transaction: look for an event of the app with that newrev or that
 * uuid (a NULL uuid matches no row: "uuid = NULL" is never true), and
 * record the event when there is none.
 */
static int take_tx(struct store *s, void *payload, struct err *err)
{
	struct take *t = payload;
	sqlite3_stmt *st = NULL;
	int rc, ret = -1;

	if (store_prep(s, "DELETE FROM webhook_events WHERE app = ? AND "
		       "release = 0 AND received < ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, t->app);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL) - STALE_SECS);
	if (store_step_done(s, st, "forget stale webhook events", err) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if (store_prep(s, "SELECT release FROM webhook_events WHERE app = ?1 "
		       "AND (newrev = ?2 OR uuid = ?3) ORDER BY newrev = ?2 DESC "
		       "LIMIT 1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, t->app);
	store_bind_text(st, 2, t->newrev);
	store_bind_text(st, 3, t->uuid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->seen = 1;
		t->release = sqlite3_column_int(st, 0);
		ret = 0;
		goto out;
	}
	if (rc != SQLITE_DONE) {
		store_db_error(s, err, "look up webhook event");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (store_prep(s, "INSERT INTO webhook_events (app, uuid, newrev, "
		       "release, received) VALUES (?, ?, ?, 0, ?)", &st,
		       err) < 0)
		return -1;
	store_bind_text(st, 1, t->app);
	store_bind_text(st, 2, t->uuid);
	store_bind_text(st, 3, t->newrev);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	ret = store_step_done(s, st, "record webhook event", err);
out:
	sqlite3_finalize(st);
	return ret;
}

int store_event_take(struct store *s, const char *app, const char *uuid,
		     const char *newrev, int *release_out, struct err *err)
{
	struct take t = { app, uuid, newrev, 0, 0 };

	if (store_tx(s, take_tx, &t, err) < 0)
		return -1;
	*release_out = t.release;
	return t.seen;
}

int store_event_set_release(struct store *s, const char *app,
			    const char *newrev, int release, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "UPDATE webhook_events SET release = ? "
		       "WHERE app = ? AND newrev = ?", &st, err) < 0)
		return -1;
	sqlite3_bind_int(st, 1, release);
	store_bind_text(st, 2, app);
	store_bind_text(st, 3, newrev);
	ret = store_step_done(s, st, "record the release of a webhook event",
			      err);
	sqlite3_finalize(st);
	return ret;
}

int store_event_forget(struct store *s, const char *app, const char *newrev,
		       struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "DELETE FROM webhook_events WHERE app = ? "
		       "AND newrev = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	store_bind_text(st, 2, newrev);
	ret = store_step_done(s, st, "forget a webhook event", err);
	sqlite3_finalize(st);
	return ret;
}
