/* storeapp: apps and their public ports in solum's state database */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "storeapi.h"
#include "banned.h"

/* ---- apps ---- */

void store_app_init(struct store_app *a)
{
	memset(a, 0, sizeof(*a));
	a->memory = -1;
	a->pids = -1;
}

void store_app_release(struct store_app *a)
{
	free(a->name);
	free(a->repo);
	free(a->branch);
	free(a->template);
	free(a->params);
	free(a->upstream);
	free(a->dockerfile);
	free(a->health_path);
	free(a->secrets);
	free(a->target);
	free(a->stack);
	free(a->webhook_secret);
	free(a->report);
	free(a->report_token);
	store_app_init(a);
}

#define APP_COLUMNS "name, repo, branch, template, params, upstream, " \
	"dockerfile, health_path, port, gate, created, secrets, memory, pids, " \
	"target, stack, template_from_repo, webhook_secret, report, report_token"
#define APP_SELECT APP_COLUMNS ", COALESCE(public_port, 0)"

static void app_from_row(sqlite3_stmt *st, struct store_app *a)
{
	store_app_init(a);
	a->name = store_col_dup(st, 0);
	a->repo = store_col_dup(st, 1);
	a->branch = store_col_dup(st, 2);
	a->template = store_col_dup(st, 3);
	a->params = store_col_dup(st, 4);
	a->upstream = store_col_dup(st, 5);
	a->dockerfile = store_col_dup(st, 6);
	a->health_path = store_col_dup(st, 7);
	a->port = sqlite3_column_int(st, 8);
	a->gate = sqlite3_column_int(st, 9);
	a->created = (time_t)sqlite3_column_int64(st, 10);
	a->secrets = store_col_dup(st, 11);
	a->memory = sqlite3_column_int64(st, 12);
	a->pids = sqlite3_column_int(st, 13);
	a->target = store_col_dup(st, 14);
	a->stack = store_col_dup(st, 15);
	a->template_from_repo = sqlite3_column_int(st, 16);
	a->webhook_secret = store_col_dup(st, 17);
	a->report = store_col_dup(st, 18);
	a->report_token = store_col_dup(st, 19);
	a->public_port = sqlite3_column_int(st, 20);
}

static void app_bind(sqlite3_stmt *st, const struct store_app *a)
{
	store_bind_text(st, 1, a->name);
	store_bind_text(st, 2, a->repo);
	store_bind_text(st, 3, a->branch);
	store_bind_text(st, 4, a->template);
	store_bind_text(st, 5, a->params ? a->params : "{}");
	store_bind_text(st, 6, a->upstream);
	store_bind_text(st, 7, a->dockerfile ? a->dockerfile : "Dockerfile");
	store_bind_text(st, 8, a->health_path ? a->health_path : "/");
	sqlite3_bind_int(st, 9, a->port);
	sqlite3_bind_int(st, 10, a->gate);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)(a->created ? a->created
							      : time(NULL)));
	store_bind_text(st, 12, a->secrets ? a->secrets : "{}");
	sqlite3_bind_int64(st, 13, a->memory);
	sqlite3_bind_int(st, 14, a->pids);
	store_bind_text(st, 15, a->target);
	store_bind_text(st, 16, a->stack);
	sqlite3_bind_int(st, 17, a->template_from_repo);
	store_bind_text(st, 18, a->webhook_secret);
	store_bind_text(st, 19, a->report);
	store_bind_text(st, 20, a->report_token);
}

static int app_conflict(struct store *s, const struct store_app *a,
			struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (store_prep(s, "SELECT name FROM apps WHERE repo = ? AND branch = ? "
		 "AND name != ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, a->repo);
	store_bind_text(st, 2, a->branch);
	store_bind_text(st, 3, a->name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		ret = err_set(err, "branch '%s' of repository '%s' already deploys app '%s'",
			      a->branch, a->repo, store_col_text(st, 0));
	else if (rc != SQLITE_DONE)
		ret = store_db_error(s, err, "find app");
	sqlite3_finalize(st);
	return ret;
}

static int app_create_tx(struct store *s, void *payload, struct err *err)
{
	const struct store_app *a = payload;
	struct store_app old;
	sqlite3_stmt *st = NULL;
	int rc, ret;

	rc = store_app_get(s, a->name, &old, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		store_app_release(&old);
		return err_set(err, "app '%s' already exists", a->name);
	}
	if (app_conflict(s, a, err) < 0 || store_repo_add(s, a->repo, err) < 0)
		return -1;
	if (store_prep(s, "INSERT INTO apps (" APP_COLUMNS ") VALUES "
		 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err) < 0)
		return -1;
	app_bind(st, a);
	ret = store_step_done(s, st, "create app", err);
	sqlite3_finalize(st);
	return ret;
}

int store_app_create(struct store *s, const struct store_app *a,
		     struct err *err)
{
	return store_tx(s, app_create_tx, (void *)a, err);
}

static int app_update_tx(struct store *s, void *payload, struct err *err)
{
	const struct store_app *a = payload;
	sqlite3_stmt *st = NULL;
	int ret;

	if (app_conflict(s, a, err) < 0 || store_repo_add(s, a->repo, err) < 0)
		return -1;
	if (store_prep(s, "UPDATE apps SET repo = ?2, branch = ?3, template = ?4, "
		 "params = ?5, upstream = ?6, dockerfile = ?7, "
		 "health_path = ?8, port = ?9, gate = ?10, secrets = ?12, "
		 "memory = ?13, pids = ?14, target = ?15, stack = ?16, "
		 "template_from_repo = ?17, webhook_secret = ?18, report = ?19, "
		 "report_token = ?20 WHERE name = ?1",
		 &st, err) < 0)
		return -1;
	app_bind(st, a);
	ret = store_step_done(s, st, "update app", err);
	if (!ret && sqlite3_changes(s->db) == 0)
		ret = err_set(err, "app '%s' not found", a->name);
	sqlite3_finalize(st);
	return ret;
}

int store_app_update(struct store *s, const struct store_app *a,
		     struct err *err)
{
	return store_tx(s, app_update_tx, (void *)a, err);
}

static int app_get_one(struct store *s, sqlite3_stmt *st,
		       struct store_app *out, struct err *err)
{
	int rc = sqlite3_step(st), ret;

	if (rc == SQLITE_ROW) {
		app_from_row(st, out);
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		store_app_init(out);
		ret = 1;
	} else {
		store_app_init(out);
		ret = store_db_error(s, err, "read app");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_app_get(struct store *s, const char *name, struct store_app *out,
		  struct err *err)
{
	sqlite3_stmt *st = NULL;

	store_app_init(out);
	if (store_prep(s, "SELECT " APP_SELECT " FROM apps WHERE name = ?", &st,
		 err) < 0)
		return -1;
	store_bind_text(st, 1, name);
	return app_get_one(s, st, out, err);
}

int store_app_for_branch(struct store *s, const char *repo,
			 const char *branch, struct store_app *out,
			 struct err *err)
{
	sqlite3_stmt *st = NULL;

	store_app_init(out);
	if (store_prep(s, "SELECT " APP_SELECT " FROM apps "
		 "WHERE repo = ? AND branch = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, repo);
	store_bind_text(st, 2, branch);
	return app_get_one(s, st, out, err);
}

int store_app_list(struct store *s, const char *repo,
		   int (*cb)(const struct store_app *a, void *payload),
		   void *payload, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0, stop;

	if (store_prep(s, "SELECT " APP_SELECT " FROM apps "
		 "WHERE ?1 IS NULL OR repo = ?1 ORDER BY name", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, repo);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_app a;

		app_from_row(st, &a);
		stop = cb(&a, payload);
		store_app_release(&a);
		if (stop)
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = store_db_error(s, err, "list apps");
out:
	sqlite3_finalize(st);
	return ret;
}

int store_app_delete(struct store *s, const char *name, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "DELETE FROM apps WHERE name = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, name);
	ret = store_step_done(s, st, "delete app", err);
	if (!ret && sqlite3_changes(s->db) == 0)
		ret = err_set(err, "app '%s' not found", name);
	sqlite3_finalize(st);
	return ret;
}

/* ---- public ports ---- */

int store_app_public_port(struct store *s, const char *app, int min, int max,
			  int *port_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, port = 0, ret = -1;

	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (store_prep(s, "SELECT COALESCE(public_port, 0) FROM apps WHERE name = ?",
		 &st, err) < 0)
		goto out;
	store_bind_text(st, 1, app);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		if (rc == SQLITE_DONE)
			err_set(err, "app '%s' not found", app);
		else
			store_db_error(s, err, "read app");
		goto out;
	}
	port = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (!port) {
		/* the lowest port of the range no other app holds */
		if (store_prep(s, "SELECT public_port FROM apps WHERE public_port "
			 "BETWEEN ? AND ? ORDER BY public_port", &st, err) < 0)
			goto out;
		sqlite3_bind_int(st, 1, min);
		sqlite3_bind_int(st, 2, max);
		port = min;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		       sqlite3_column_int(st, 0) == port)
			port++;
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			store_db_error(s, err, "allocate port");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (port > max) {
			err_set(err, "no free app port left in %d-%d", min, max);
			goto out;
		}
		if (store_prep(s, "UPDATE apps SET public_port = ? WHERE name = ?",
			 &st, err) < 0)
			goto out;
		sqlite3_bind_int(st, 1, port);
		store_bind_text(st, 2, app);
		if (store_step_done(s, st, "allocate port", err) < 0)
			goto out;
	}
	ret = store_exec(s, "COMMIT", err);
out:
	sqlite3_finalize(st);
	if (ret < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	else
		*port_out = port;
	return ret;
}
