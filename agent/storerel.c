/* storerel: releases in solum's state database */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "storeapi.h"
#include "banned.h"

static const char *const final_statuses[] = {
	"succeeded", "failed", "superseded", "cancelled", "skipped", NULL
};

int store_release_status_final(const char *status)
{
	const char *const *p;

	for (p = final_statuses; *p; p++)
		if (!strcmp(*p, status))
			return 1;
	return 0;
}

void store_release_init(struct store_release *r)
{
	memset(r, 0, sizeof(*r));
}

void store_release_release(struct store_release *r)
{
	free(r->app);
	free(r->status);
	free(r->commit);
	free(r->tree);
	free(r->build_key);
	free(r->image);
	free(r->image_id);
	free(r->digest);
	free(r->container);
	free(r->url);
	free(r->pusher);
	free(r->error);
	free(r->target);
	free(r->glance_id);
	free(r->stack_id);
	free(r->stack_status);
	free(r->template_hash);
	free(r->params);
	store_release_init(r);
}

#define REL_COLUMNS "app, number, status, commit_oid, tree_oid, build_key, " \
	"image, image_id, digest, container, host_port, url, source, pusher, " \
	"error, pid, created, started, finished, build_ms, push_ms, deploy_ms, " \
	"container_port, target, glance_id, stack_id, stack_status, " \
	"template_hash, params"

static void release_from_row(sqlite3_stmt *st, struct store_release *r)
{
	store_release_init(r);
	r->app = store_col_dup(st, 0);
	r->number = sqlite3_column_int(st, 1);
	r->status = store_col_dup(st, 2);
	r->commit = store_col_dup(st, 3);
	r->tree = store_col_dup(st, 4);
	r->build_key = store_col_dup(st, 5);
	r->image = store_col_dup(st, 6);
	r->image_id = store_col_dup(st, 7);
	r->digest = store_col_dup(st, 8);
	r->container = store_col_dup(st, 9);
	r->host_port = sqlite3_column_int(st, 10);
	r->url = store_col_dup(st, 11);
	r->source = sqlite3_column_int(st, 12);
	r->pusher = store_col_dup(st, 13);
	r->error = store_col_dup(st, 14);
	r->pid = (long)sqlite3_column_int64(st, 15);
	r->created = (time_t)sqlite3_column_int64(st, 16);
	r->started = (time_t)sqlite3_column_int64(st, 17);
	r->finished = (time_t)sqlite3_column_int64(st, 18);
	r->build_ms = (long)sqlite3_column_int64(st, 19);
	r->push_ms = (long)sqlite3_column_int64(st, 20);
	r->deploy_ms = (long)sqlite3_column_int64(st, 21);
	r->container_port = sqlite3_column_int(st, 22);
	r->target = store_col_dup(st, 23);
	r->glance_id = store_col_dup(st, 24);
	r->stack_id = store_col_dup(st, 25);
	r->stack_status = store_col_dup(st, 26);
	r->template_hash = store_col_dup(st, 27);
	r->params = store_col_dup(st, 28);
}

static int release_create_tx(struct store *s, void *payload, struct err *err)
{
	struct store_release *r = payload;
	sqlite3_stmt *st = NULL;
	int ret = -1;

	if (store_prep(s, "SELECT COALESCE(MAX(number), 0) + 1 FROM releases "
		 "WHERE app = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, r->app);
	if (sqlite3_step(st) != SQLITE_ROW) {
		store_db_error(s, err, "number release");
		goto out;
	}
	r->number = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (store_prep(s, "INSERT INTO releases (app, number, status, commit_oid, "
		 "tree_oid, build_key, source, pusher, pid, created) "
		 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err) < 0)
		goto out;
	store_bind_text(st, 1, r->app);
	sqlite3_bind_int(st, 2, r->number);
	store_bind_text(st, 3, r->status ? r->status : "queued");
	store_bind_text(st, 4, r->commit);
	store_bind_text(st, 5, r->tree);
	store_bind_text(st, 6, r->build_key);
	sqlite3_bind_int(st, 7, r->source);
	store_bind_text(st, 8, r->pusher);
	sqlite3_bind_int64(st, 9, r->pid);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)(r->created = time(NULL)));
	ret = store_step_done(s, st, "create release", err);
out:
	sqlite3_finalize(st);
	return ret;
}

int store_release_create(struct store *s, struct store_release *r,
			 struct err *err)
{
	if (!r->status)
		r->status = xstrdup("queued");
	return store_tx(s, release_create_tx, r, err);
}

int store_release_update(struct store *s, const struct store_release *r,
			 struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "UPDATE releases SET status = ?3, image = ?4, "
		 "image_id = ?5, digest = ?6, container = ?7, host_port = ?8, "
		 "url = ?9, error = ?10, pid = ?11, started = ?12, "
		 "finished = ?13, build_ms = ?14, push_ms = ?15, "
		 "deploy_ms = ?16, source = ?17, container_port = ?18, "
		 "target = ?19, glance_id = ?20, stack_id = ?21, "
		 "stack_status = ?22, template_hash = ?23, params = ?24, "
		 "tree_oid = ?25, build_key = ?26 "
		 "WHERE app = ?1 AND number = ?2",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, r->app);
	sqlite3_bind_int(st, 2, r->number);
	store_bind_text(st, 3, r->status);
	store_bind_text(st, 4, r->image);
	store_bind_text(st, 5, r->image_id);
	store_bind_text(st, 6, r->digest);
	store_bind_text(st, 7, r->container);
	sqlite3_bind_int(st, 8, r->host_port);
	store_bind_text(st, 9, r->url);
	store_bind_text(st, 10, r->error);
	sqlite3_bind_int64(st, 11, r->pid);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)r->started);
	sqlite3_bind_int64(st, 13, (sqlite3_int64)r->finished);
	sqlite3_bind_int64(st, 14, r->build_ms);
	sqlite3_bind_int64(st, 15, r->push_ms);
	sqlite3_bind_int64(st, 16, r->deploy_ms);
	sqlite3_bind_int(st, 17, r->source);
	sqlite3_bind_int(st, 18, r->container_port);
	store_bind_text(st, 19, r->target);
	store_bind_text(st, 20, r->glance_id);
	store_bind_text(st, 21, r->stack_id);
	store_bind_text(st, 22, r->stack_status);
	store_bind_text(st, 23, r->template_hash);
	store_bind_text(st, 24, r->params);
	store_bind_text(st, 25, r->tree ? r->tree : "");
	store_bind_text(st, 26, r->build_key ? r->build_key : "");
	ret = store_step_done(s, st, "update release", err);
	if (!ret && sqlite3_changes(s->db) == 0)
		ret = err_set(err, "release '%s' v%d not found", r->app,
			      r->number);
	sqlite3_finalize(st);
	return ret;
}

static int release_one(struct store *s, sqlite3_stmt *st,
		       struct store_release *out, struct err *err)
{
	int rc = sqlite3_step(st), ret;

	store_release_init(out);
	if (rc == SQLITE_ROW) {
		release_from_row(st, out);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	} else {
		ret = store_db_error(s, err, "read release");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_release_get(struct store *s, const char *app, int number,
		      struct store_release *out, struct err *err)
{
	sqlite3_stmt *st = NULL;

	store_release_init(out);
	if (store_prep(s, "SELECT " REL_COLUMNS " FROM releases "
		 "WHERE app = ? AND number = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	sqlite3_bind_int(st, 2, number);
	return release_one(s, st, out, err);
}

int store_release_latest(struct store *s, const char *app, const char *status,
			 struct store_release *out, struct err *err)
{
	sqlite3_stmt *st = NULL;

	store_release_init(out);
	if (store_prep(s, "SELECT " REL_COLUMNS " FROM releases WHERE app = ?1 "
		 "AND (?2 IS NULL OR status = ?2) ORDER BY number DESC LIMIT 1",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	store_bind_text(st, 2, status);
	return release_one(s, st, out, err);
}

int store_release_find_build(struct store *s, const char *app,
			     const char *build_key, struct store_release *out,
			     struct err *err)
{
	sqlite3_stmt *st = NULL;

	store_release_init(out);
	if (store_prep(s, "SELECT " REL_COLUMNS " FROM releases WHERE app = ? "
		 "AND build_key = ? AND image_id IS NOT NULL "
		 "ORDER BY number DESC LIMIT 1", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	store_bind_text(st, 2, build_key);
	return release_one(s, st, out, err);
}

/*
 * Each row of the prepared `st` to `cb` (stop when it returns non-zero);
 * finalizes `st`. `what` names the query in an error.
 */
static int release_rows(struct store *s, sqlite3_stmt *st,
			int (*cb)(const struct store_release *r, void *payload),
			void *payload, const char *what, struct err *err)
{
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_release r;
		int stop;

		release_from_row(st, &r);
		stop = cb(&r, payload);
		store_release_release(&r);
		if (stop)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = store_db_error(s, err, what);
out:
	sqlite3_finalize(st);
	return ret;
}

int store_release_list(struct store *s, const char *app, int limit,
		       int (*cb)(const struct store_release *r, void *payload),
		       void *payload, struct err *err)
{
	sqlite3_stmt *st = NULL;

	if (store_prep(s, "SELECT " REL_COLUMNS " FROM releases WHERE app = ? "
		 "ORDER BY number DESC LIMIT ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	return release_rows(s, st, cb, payload, "list releases", err);
}

int store_release_newer(struct store *s, const char *app, int number,
			int *newer_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*newer_out = 0;
	if (store_prep(s, "SELECT COALESCE(MAX(number), 0) FROM releases "
		 "WHERE app = ? AND number > ? AND status != 'cancelled' AND "
		 "NOT (status = 'failed' AND error IS 'interrupted')", &st,
		 err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	sqlite3_bind_int(st, 2, number);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*newer_out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s, err, "find newer releases");
	return 0;
}

int store_release_list_unfinished(struct store *s, const char *app,
				  int (*cb)(const struct store_release *r,
					    void *payload),
				  void *payload, struct err *err)
{
	sqlite3_stmt *st = NULL;

	if (store_prep(s, "SELECT " REL_COLUMNS " FROM releases WHERE app = ? AND "
		 "status NOT IN ('succeeded', 'failed', 'superseded', "
		 "'cancelled', 'skipped') ORDER BY number", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	return release_rows(s, st, cb, payload, "list unfinished releases",
			    err);
}

int store_release_interrupt(struct store *s, const char *app, int number,
			    const char *why, int *changed_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	*changed_out = 0;
	if (store_prep(s, "UPDATE releases SET status = 'failed', error = ?3, "
		 "finished = ?4 WHERE app = ?1 AND number = ?2 AND status NOT IN "
		 "('succeeded', 'failed', 'superseded', 'cancelled', 'skipped')",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, app);
	sqlite3_bind_int(st, 2, number);
	store_bind_text(st, 3, why);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
	ret = store_step_done(s, st, "mark an interrupted release", err);
	if (!ret)
		*changed_out = sqlite3_changes(s->db) > 0;
	sqlite3_finalize(st);
	return ret;
}
