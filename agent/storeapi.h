/* storeapi: what the store*.c files share; not for other modules */
#ifndef SOLUM_STOREAPI_H
#define SOLUM_STOREAPI_H

#include <sqlite3.h>

#include "err.h"
#include "store.h"

struct store {
	sqlite3 *db;
	char *path;
	sqlite3_stmt *data_version;	/* kept prepared: store_data_version */
};

/* "state database 'PATH': WHAT: <sqlite's message>"; always -1. */
int store_db_error(struct store *s, struct err *err, const char *what);
/* Run `sql` (one or more statements); -1 with err on failure. */
int store_exec(struct store *s, const char *sql, struct err *err);
/* Prepare `sql` into *out (finalize it); -1 with err on failure. */
int store_prep(struct store *s, const char *sql, sqlite3_stmt **out,
	       struct err *err);
/* Bind text, or NULL when v is NULL. */
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
/* Step a statement that returns no rows. */
int store_step_done(struct store *s, sqlite3_stmt *st, const char *what,
		    struct err *err);
/* Column i as text (borrowed until the next step), or NULL. */
const char *store_col_text(sqlite3_stmt *st, int i);
/* The same, owned. */
char *store_col_dup(sqlite3_stmt *st, int i);

#endif
