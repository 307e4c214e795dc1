/* store: solum's state in SQLite: schema, repos, users, keys, grants
 * (apps: storeapp.c, releases: storerel.c) */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "store.h"
#include "storeapi.h"
#include "banned.h"


/*
 * Migrations, applied in order; PRAGMA user_version records how many ran.
 * Never edit one that has shipped: add the next.
 */
static const char *const migrations[] = {
	/* 1: users, keys, repos, grants, apps */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE keys ("
	"  fingerprint TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	"  type TEXT NOT NULL,"
	"  blob TEXT NOT NULL,"
	"  comment TEXT NOT NULL DEFAULT '',"
	"  created INTEGER NOT NULL);"
	"CREATE INDEX keys_user ON keys(user);"
	"CREATE TABLE repos ("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE grants ("
	"  user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,"
	"  repo TEXT NOT NULL,"
	"  role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
	"  PRIMARY KEY (user, repo));"
	"CREATE TABLE apps ("
	"  name TEXT PRIMARY KEY,"
	"  repo TEXT NOT NULL REFERENCES repos(name),"
	"  branch TEXT NOT NULL,"
	"  template TEXT,"
	"  params TEXT NOT NULL DEFAULT '{}',"
	"  upstream TEXT,"
	"  dockerfile TEXT NOT NULL DEFAULT 'Dockerfile',"
	"  health_path TEXT NOT NULL DEFAULT '/',"
	"  port INTEGER NOT NULL DEFAULT 8080,"
	"  gate INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  UNIQUE (repo, branch));",

	/* 2: releases, and each app's stable public port */
	"ALTER TABLE apps ADD COLUMN public_port INTEGER;"
	"CREATE UNIQUE INDEX apps_public_port ON apps(public_port);"
	"CREATE TABLE releases ("
	"  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,"
	"  number INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  commit_oid TEXT NOT NULL,"
	"  tree_oid TEXT NOT NULL,"
	"  build_key TEXT NOT NULL,"
	"  image TEXT,"
	"  image_id TEXT,"
	"  digest TEXT,"
	"  container TEXT,"
	"  host_port INTEGER NOT NULL DEFAULT 0,"
	"  url TEXT,"
	"  source INTEGER NOT NULL DEFAULT 0,"
	"  pusher TEXT,"
	"  error TEXT,"
	"  pid INTEGER NOT NULL DEFAULT 0,"
	"  created INTEGER NOT NULL,"
	"  started INTEGER NOT NULL DEFAULT 0,"
	"  finished INTEGER NOT NULL DEFAULT 0,"
	"  build_ms INTEGER NOT NULL DEFAULT 0,"
	"  push_ms INTEGER NOT NULL DEFAULT 0,"
	"  deploy_ms INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (app, number));",

	/*
	 * 3: secret settings, per-app limits, and the container port a
	 * release listens on; port 0 means "the image's EXPOSE, else 5000"
	 * (8080 was the old default, and was never used)
	 */
	"ALTER TABLE apps ADD COLUMN secrets TEXT NOT NULL DEFAULT '{}';"
	"ALTER TABLE apps ADD COLUMN memory INTEGER NOT NULL DEFAULT -1;"
	"ALTER TABLE apps ADD COLUMN pids INTEGER NOT NULL DEFAULT -1;"
	"UPDATE apps SET port = 0 WHERE port = 8080;"
	"ALTER TABLE releases ADD COLUMN container_port INTEGER NOT NULL DEFAULT 0;",

	/*
	 * 4: the OpenStack target. An app's target (NULL: openstack when a
	 * cloud is configured, else local), its stack's name (NULL: the
	 * app's), whether the template comes from the pushed tree; a
	 * release's target, Glance image, stack, the stack's final status,
	 * the template's hash and the parameters sent (hidden ones left out)
	 */
	"ALTER TABLE apps ADD COLUMN target TEXT;"
	"ALTER TABLE apps ADD COLUMN stack TEXT;"
	"ALTER TABLE apps ADD COLUMN template_from_repo INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE releases ADD COLUMN target TEXT;"
	"ALTER TABLE releases ADD COLUMN glance_id TEXT;"
	"ALTER TABLE releases ADD COLUMN stack_id TEXT;"
	"ALTER TABLE releases ADD COLUMN stack_status TEXT;"
	"ALTER TABLE releases ADD COLUMN template_hash TEXT;"
	"ALTER TABLE releases ADD COLUMN params TEXT;",

	/*
	 * 5: triggers after a merge. An app's webhook secret (the
	 * X-Gitlab-Token it expects; NULL: it takes no webhook events), where
	 * its deploys are reported (NULL: nowhere) and the report's token; the
	 * webhook events taken, one per app and newrev and one per app and
	 * X-Gitlab-Event-UUID, with the release each made (0: none yet)
	 */
	"ALTER TABLE apps ADD COLUMN webhook_secret TEXT;"
	"ALTER TABLE apps ADD COLUMN report TEXT;"
	"ALTER TABLE apps ADD COLUMN report_token TEXT;"
	"CREATE TABLE webhook_events ("
	"  app TEXT NOT NULL REFERENCES apps(name) ON DELETE CASCADE,"
	"  uuid TEXT,"
	"  newrev TEXT NOT NULL,"
	"  release INTEGER NOT NULL DEFAULT 0,"
	"  received INTEGER NOT NULL,"
	"  UNIQUE (app, newrev));"
	"CREATE UNIQUE INDEX webhook_events_uuid ON webhook_events(app, uuid);",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int store_schema_version(void)
{
	return NMIGRATIONS;
}

int store_db_error(struct store *s, struct err *err, const char *what)
{
	return err_set(err, "state database '%s': %s: %s", s->path, what,
		       sqlite3_errmsg(s->db));
}

int store_exec(struct store *s, const char *sql, struct err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(err, "state database '%s': %s", s->path,
			msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int store_prep(struct store *s, const char *sql, sqlite3_stmt **out,
		struct err *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return store_db_error(s, err, "prepare");
	}
	return 0;
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
		     struct err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return store_db_error(s, err, what);
	return 0;
}

const char *store_col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : NULL;
}

char *store_col_dup(sqlite3_stmt *st, int i)
{
	const char *t = store_col_text(st, i);

	return t ? xstrdup(t) : NULL;
}

/* PRAGMA user_version into *version_out. */
static int schema_version(struct store *s, int *version_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret = 0;

	if (store_prep(s, "PRAGMA user_version", &st, err) < 0)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		*version_out = sqlite3_column_int(st, 0);
	else
		ret = store_db_error(s, err, "read schema version");
	sqlite3_finalize(st);
	return ret;
}

static int migrate(struct store *s, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int version = 0, i, ret = -1;

	/* the common case, up to date, takes no write lock (every SSH login) */
	if (schema_version(s, &version, err) < 0)
		return -1;
	if (version == NMIGRATIONS)
		return 0;
	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (schema_version(s, &version, err) < 0)
		goto out;
	if (version > NMIGRATIONS) {
		err_set(err, "state database '%s' has schema version %d; this solum knows up to %d",
			s->path, version, NMIGRATIONS);
		goto out;
	}
	for (i = version; i < NMIGRATIONS; i++) {
		char pragma[64];

		if (store_exec(s, migrations[i], err) < 0) {
			err_wrap(err, "migration %d", i + 1);
			goto out;
		}
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d",
			 i + 1);
		if (store_exec(s, pragma, err) < 0)
			goto out;
	}
	ret = store_exec(s, "COMMIT", err);
out:
	sqlite3_finalize(st);
	if (ret < 0)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

int store_open(const char *path, struct store **out, struct err *err)
{
	struct store *s = xcalloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	s->path = xstrdup(path);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		if (s->db)
			store_db_error(s, err, "open");
		else
			err_set(err, "state database '%s': cannot open", path);
		store_free(s);
		return -1;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (store_exec(s, "PRAGMA journal_mode = WAL; "
		     "PRAGMA synchronous = NORMAL; "
		     "PRAGMA foreign_keys = ON", err) < 0 ||
	    migrate(s, err) < 0) {
		store_free(s);
		return -1;
	}
	*out = s;
	return 0;
}

void store_free(struct store *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->data_version);
	sqlite3_close(s->db);
	free(s->path);
	free(s);
}

int store_tx(struct store *s,
	     int (*fn)(struct store *s, void *payload, struct err *err),
	     void *payload, struct err *err)
{
	if (store_exec(s, "BEGIN IMMEDIATE", err) < 0)
		return -1;
	if (fn(s, payload, err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (store_exec(s, "COMMIT", err) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

int store_data_version(struct store *s, long long *version_out,
		       struct err *err)
{
	int rc;

	if (!s->data_version &&
	    sqlite3_prepare_v3(s->db, "PRAGMA data_version", -1,
			       SQLITE_PREPARE_PERSISTENT, &s->data_version,
			       NULL) != SQLITE_OK)
		return store_db_error(s, err, "data version");
	rc = sqlite3_step(s->data_version);
	if (rc == SQLITE_ROW)
		*version_out = sqlite3_column_int64(s->data_version, 0);
	sqlite3_reset(s->data_version);
	if (rc != SQLITE_ROW)
		return store_db_error(s, err, "data version");
	return 0;
}

/* ---- roles and grants ---- */

static const char *const role_names[] = { "none", "read", "push", "admin" };

const char *store_role_name(int role)
{
	if (role < ROLE_NONE || role > ROLE_ADMIN)
		return "?";
	return role_names[role];
}

int store_role_parse(const char *s, int *role_out)
{
	int i;

	for (i = ROLE_READ; i <= ROLE_ADMIN; i++)
		if (!strcmp(s, role_names[i])) {
			*role_out = i;
			return 0;
		}
	return -1;
}

static int ensure_user(struct store *s, const char *user, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "INSERT OR IGNORE INTO users (name, created) VALUES (?, ?)",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	ret = store_step_done(s, st, "add user", err);
	sqlite3_finalize(st);
	return ret;
}

struct grant_args {
	const char *user, *repo;
	int role;
};

static int grant_tx(struct store *s, void *payload, struct err *err)
{
	struct grant_args *g = payload;
	sqlite3_stmt *st = NULL;
	int ret;

	if (ensure_user(s, g->user, err) < 0)
		return -1;
	if (store_prep(s, "INSERT INTO grants (user, repo, role) VALUES (?, ?, ?) "
		 "ON CONFLICT (user, repo) DO UPDATE SET role = excluded.role",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, g->user);
	store_bind_text(st, 2, g->repo);
	sqlite3_bind_int(st, 3, g->role);
	ret = store_step_done(s, st, "grant", err);
	sqlite3_finalize(st);
	return ret;
}

int store_grant(struct store *s, const char *user, const char *repo, int role,
		struct err *err)
{
	struct grant_args g = { user, repo, role };

	if (role < ROLE_READ || role > ROLE_ADMIN)
		BUG("bad role %d", role);
	return store_tx(s, grant_tx, &g, err);
}

int store_revoke(struct store *s, const char *user, const char *repo,
		 int *removed_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "DELETE FROM grants WHERE user = ? AND repo = ?", &st,
		 err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	store_bind_text(st, 2, repo);
	ret = store_step_done(s, st, "revoke", err);
	if (!ret && removed_out)
		*removed_out = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return ret;
}

int store_role(struct store *s, const char *user, const char *repo,
	       int *role_out, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*role_out = ROLE_NONE;
	if (store_prep(s, "SELECT COALESCE(MAX(role), 0) FROM grants "
		 "WHERE user = ? AND (repo = ? OR repo = '*')", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	store_bind_text(st, 2, repo);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*role_out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return store_db_error(s, err, "read role");
	return 0;
}

int store_grant_list(struct store *s, const char *user,
		     int (*cb)(const struct store_grant *g, void *payload),
		     void *payload, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (store_prep(s, "SELECT user, repo, role FROM grants "
		 "WHERE ?1 IS NULL OR user = ?1 ORDER BY user, repo", &st,
		 err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_grant g = {
			store_col_text(st, 0), store_col_text(st, 1),
			sqlite3_column_int(st, 2)
		};

		if (cb(&g, payload)) {
			ret = 0;
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		ret = store_db_error(s, err, "list grants");
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- users and keys ---- */

struct key_args {
	const char *user, *type, *blob, *comment, *fingerprint;
};

static int key_add_tx(struct store *s, void *payload, struct err *err)
{
	struct key_args *k = payload;
	sqlite3_stmt *st = NULL;
	char owner[128];
	int rc, ret = -1;

	rc = store_key_find(s, k->fingerprint, owner, sizeof(owner), err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (!strcmp(owner, k->user))
			return err_set(err, "key %s is already registered for '%s'",
				       k->fingerprint, owner);
		return err_set(err, "key %s already belongs to user '%s'",
			       k->fingerprint, owner);
	}
	if (ensure_user(s, k->user, err) < 0)
		return -1;
	if (store_prep(s, "INSERT INTO keys (fingerprint, user, type, blob, comment, created) "
		 "VALUES (?, ?, ?, ?, ?, ?)", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, k->fingerprint);
	store_bind_text(st, 2, k->user);
	store_bind_text(st, 3, k->type);
	store_bind_text(st, 4, k->blob);
	store_bind_text(st, 5, k->comment ? k->comment : "");
	sqlite3_bind_int64(st, 6, (sqlite3_int64)time(NULL));
	ret = store_step_done(s, st, "add key", err);
	sqlite3_finalize(st);
	return ret;
}

int store_key_add(struct store *s, const char *user, const char *type,
		  const char *blob, const char *comment,
		  const char *fingerprint, struct err *err)
{
	struct key_args k = { user, type, blob, comment, fingerprint };

	return store_tx(s, key_add_tx, &k, err);
}

int store_key_remove(struct store *s, const char *user,
		     const char *fingerprint, int *removed_out,
		     struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "DELETE FROM keys WHERE user = ?1 AND "
		 "(?2 IS NULL OR fingerprint = ?2)", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	store_bind_text(st, 2, fingerprint);
	ret = store_step_done(s, st, "remove key", err);
	if (!ret && removed_out)
		*removed_out = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return ret;
}

int store_key_find(struct store *s, const char *fingerprint, char *user_out,
		   size_t size, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret;

	if (store_prep(s, "SELECT user FROM keys WHERE fingerprint = ?", &st,
		 err) < 0)
		return -1;
	store_bind_text(st, 1, fingerprint);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(user_out, size, "%s", store_col_text(st, 0));
		ret = 0;
	} else if (rc == SQLITE_DONE) {
		ret = 1;
	} else {
		ret = store_db_error(s, err, "find key");
	}
	sqlite3_finalize(st);
	return ret;
}

int store_key_list(struct store *s, const char *user,
		   int (*cb)(const struct store_key *k, void *payload),
		   void *payload, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	if (store_prep(s, "SELECT user, type, blob, comment, fingerprint, created "
		 "FROM keys WHERE ?1 IS NULL OR user = ?1 "
		 "ORDER BY user, created, fingerprint", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, user);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_key k = {
			store_col_text(st, 0), store_col_text(st, 1), store_col_text(st, 2),
			store_col_text(st, 3), store_col_text(st, 4),
			(time_t)sqlite3_column_int64(st, 5)
		};

		if (cb(&k, payload))
			goto out;
	}
	if (rc != SQLITE_DONE)
		ret = store_db_error(s, err, "list keys");
out:
	sqlite3_finalize(st);
	return ret;
}

/* ---- repos ---- */

int store_repo_add(struct store *s, const char *repo, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "INSERT OR IGNORE INTO repos (name, created) VALUES (?, ?)",
		 &st, err) < 0)
		return -1;
	store_bind_text(st, 1, repo);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
	ret = store_step_done(s, st, "add repository", err);
	sqlite3_finalize(st);
	return ret;
}

int store_repo_exists(struct store *s, const char *repo, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (store_prep(s, "SELECT 1 FROM repos WHERE name = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, repo);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_db_error(s, err, "find repository");
}

int store_repo_delete(struct store *s, const char *repo, struct err *err)
{
	sqlite3_stmt *st = NULL;
	int ret;

	if (store_prep(s, "DELETE FROM repos WHERE name = ?", &st, err) < 0)
		return -1;
	store_bind_text(st, 1, repo);
	ret = store_step_done(s, st, "delete repository", err);
	sqlite3_finalize(st);
	return ret;
}
