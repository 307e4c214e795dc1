/* store: solum's state in SQLite (repos, apps, users, keys, grants, releases) */
#ifndef SOLUM_STORE_H
#define SOLUM_STORE_H

#include <time.h>

#include "err.h"

struct store;

/*
 * Open (creating and migrating as needed) the database at `path`: WAL
 * journal, a busy timeout, foreign keys on. *out is owned: store_free().
 */
int store_open(const char *path, struct store **out, struct err *err);
void store_free(struct store *s);

/* The schema version this build writes. */
int store_schema_version(void);

/* Run `fn` inside one write transaction (BEGIN IMMEDIATE ... COMMIT). */
int store_tx(struct store *s, int (*fn)(struct store *s, void *payload,
					struct err *err),
	     void *payload, struct err *err);

/*
 * A number that changes whenever another connection (another process)
 * commits to the database, as PRAGMA data_version: what this handle read
 * before is stale when it changed. Commits through `s` itself do not
 * change it. Cheap: one prepared statement, kept.
 */
int store_data_version(struct store *s, long long *version_out,
		       struct err *err);

/* ---- roles and grants ---- */

enum store_role {
	ROLE_NONE = 0,
	ROLE_READ = 1,	/* clone and fetch */
	ROLE_PUSH = 2,	/* also push, deploy, see logs */
	ROLE_ADMIN = 3	/* also manage apps of the repo; on "*": everything */
};

const char *store_role_name(int role);
/* 0 and *role_out on "read", "push", "admin"; -1 otherwise. */
int store_role_parse(const char *s, int *role_out);

/* Grant (or change) `user`'s role on `repo`; repo "*" means every repo. */
int store_grant(struct store *s, const char *user, const char *repo, int role,
		struct err *err);
/* Remove the grant; *removed_out gets 1 if there was one. */
int store_revoke(struct store *s, const char *user, const char *repo,
		 int *removed_out, struct err *err);
/* The effective role: the higher of the grant on `repo` and on "*". */
int store_role(struct store *s, const char *user, const char *repo,
	       int *role_out, struct err *err);

struct store_grant {
	const char *user;	/* borrowed for the callback's duration */
	const char *repo;
	int role;
};
/* Every grant, ordered by user then repo; `user` NULL for all users. */
int store_grant_list(struct store *s, const char *user,
		     int (*cb)(const struct store_grant *g, void *payload),
		     void *payload, struct err *err);

/* ---- users and keys ---- */

struct store_key {
	const char *user;	/* all fields borrowed for the callback */
	const char *type;	/* "ssh-ed25519", ... */
	const char *blob;	/* base64 as in authorized_keys */
	const char *comment;
	const char *fingerprint;	/* "SHA256:..." */
	time_t created;
};

/*
 * Add a key for `user` (the user is created if new). A key belongs to one
 * user only: adding a fingerprint that is already stored is an error
 * naming its owner.
 */
int store_key_add(struct store *s, const char *user, const char *type,
		  const char *blob, const char *comment,
		  const char *fingerprint, struct err *err);
/*
 * Remove `user`'s key with that fingerprint, or all of the user's keys when
 * `fingerprint` is NULL. *removed_out gets the number removed.
 */
int store_key_remove(struct store *s, const char *user,
		     const char *fingerprint, int *removed_out,
		     struct err *err);
/*
 * Find the user owning `fingerprint`: returns 0 and fills user_out (NUL
 * terminated, size bytes), 1 if no such key, -1 on error.
 */
int store_key_find(struct store *s, const char *fingerprint, char *user_out,
		   size_t size, struct err *err);
int store_key_list(struct store *s, const char *user,
		   int (*cb)(const struct store_key *k, void *payload),
		   void *payload, struct err *err);

/* ---- repos ---- */

/* Record a repository (idempotent). */
int store_repo_add(struct store *s, const char *repo, struct err *err);
/* 1 if known, 0 if not, -1 on error. */
int store_repo_exists(struct store *s, const char *repo, struct err *err);
int store_repo_delete(struct store *s, const char *repo, struct err *err);

/* ---- apps ---- */

/*
 * An app. Strings are owned by the struct (store_app_release frees them);
 * NULL means unset. `params` is a JSON object text {"K":"V",...}.
 */
struct store_app {
	char *name;
	char *repo;
	char *branch;
	char *template;		/* Heat template path, or NULL */
	char *params;		/* JSON object, never NULL once loaded */
	char *upstream;		/* URL fetched by webhook triggers */
	char *dockerfile;	/* path in the tree, default "Dockerfile" */
	char *health_path;	/* HTTP path checked after start, default "/" */
	int port;		/* port the app listens on inside; 0: the
				   image's single EXPOSE, else 5000 */
	int gate;		/* deploy from pre-receive, failing the push */
	int public_port;	/* stable port of its URL, 0 until first deploy */
	char *secrets;		/* JSON object {"K":"V"} of secret settings:
				   reach the container's environment only */
	long long memory;	/* bytes; -1: local.memory; 0: no limit */
	int pids;		/* -1: local.pids; 0: no limit */
	char *target;		/* "local", "openstack", or NULL: openstack
				   when a cloud is configured, else local */
	char *stack;		/* Heat stack name, or NULL: the app's name */
	int template_from_repo;	/* the template is .solum/heat.yaml of the
				   pushed tree */
	char *webhook_secret;	/* secret: the X-Gitlab-Token `solum webhook`
				   expects, or NULL: no webhook events */
	char *report;		/* where deploys are reported:
				   "gitlab:API_URL/projects/ID" or
				   "gerrit:ssh://USER@HOST:PORT", or NULL */
	char *report_token;	/* secret: GitLab's PRIVATE-TOKEN */
	time_t created;
};

void store_app_init(struct store_app *a);
void store_app_release(struct store_app *a);

/* Insert a new app; an existing name is an error. */
int store_app_create(struct store *s, const struct store_app *a,
		     struct err *err);
/* Overwrite every field of the app named a->name. */
int store_app_update(struct store *s, const struct store_app *a,
		     struct err *err);
/* 0 and *out filled (release it), 1 if no such app, -1 on error. */
int store_app_get(struct store *s, const char *name, struct store_app *out,
		  struct err *err);
/* Apps of `repo` (all when NULL), ordered by name. */
int store_app_list(struct store *s, const char *repo,
		   int (*cb)(const struct store_app *a, void *payload),
		   void *payload, struct err *err);
/* The app for repo + branch: 0 and *out, 1 if unmapped, -1 on error. */
int store_app_for_branch(struct store *s, const char *repo,
			 const char *branch, struct store_app *out,
			 struct err *err);
int store_app_delete(struct store *s, const char *name, struct err *err);

/*
 * The app's stable public port (where its URL answers), allocated on first
 * use as the lowest port in min..max no other app holds.
 */
int store_app_public_port(struct store *s, const char *app, int min, int max,
			  int *port_out, struct err *err);

/* ---- webhook events (storeevent.c) ---- */

/*
 * Take the webhook event `uuid` (X-Gitlab-Event-UUID; NULL when the
 * sender gave none) that moves `app` to `newrev` (40 hex), in one write
 * transaction: 0 when it is new (recorded, release 0), 1 when `app` took
 * that uuid or that newrev before (*release_out: the release that event
 * made, 0 if none yet), -1 on error. Survives restarts: it is a table.
 * An event taken more than 5 minutes ago that never got its release (its
 * receiver died in between) is forgotten first, so that a retry is taken.
 */
int store_event_take(struct store *s, const char *app, const char *uuid,
		     const char *newrev, int *release_out, struct err *err);
/* Record the release the event of `app` and `newrev` made. */
int store_event_set_release(struct store *s, const char *app,
			    const char *newrev, int release, struct err *err);
/* Forget that event (its release could not be queued): a retry is taken. */
int store_event_forget(struct store *s, const char *app, const char *newrev,
		       struct err *err);

/* ---- releases ---- */

/*
 * A release: one deploy of an app. Statuses: queued, building, pushing,
 * deploying (active); succeeded, failed, superseded, cancelled, skipped
 * (final). Strings are owned (store_release_release frees them).
 */
struct store_release {
	char *app;
	int number;		/* v1, v2, ... per app */
	char *status;
	char *commit;		/* 40-hex */
	char *tree;		/* 40-hex */
	char *build_key;	/* what decides whether a build can be reused */
	char *image;		/* the reference the image was tagged with */
	char *image_id;		/* "sha256:..." once built */
	char *digest;		/* registry digest once pushed */
	char *container;	/* container name once started */
	int host_port;		/* where the container answers */
	char *url;		/* the app's URL once live */
	int source;		/* release whose image was reused, or 0 */
	char *pusher;		/* user who triggered it */
	char *error;		/* why it failed, one line */
	long pid;		/* process running it */
	time_t created, started, finished;
	long build_ms, push_ms, deploy_ms;
	int container_port;	/* the port the app listens on inside */
	char *target;		/* "local" or "openstack"; NULL: local */
	char *glance_id;	/* openstack: the Glance image */
	char *stack_id;		/* openstack: the Heat stack */
	char *stack_status;	/* openstack: its final status */
	char *template_hash;	/* openstack: sha256 of the template sent */
	char *params;		/* openstack: JSON of the parameters sent,
				   hidden ones left out */
};

void store_release_init(struct store_release *r);
void store_release_release(struct store_release *r);
int store_release_status_final(const char *status);

/*
 * Insert a new release of r->app numbered one past the highest (set in
 * r->number), with r->status (default "queued"), commit, tree, build_key,
 * source, pusher and pid.
 */
int store_release_create(struct store *s, struct store_release *r,
			 struct err *err);
/* Write back every mutable field of the release r->app v r->number. */
int store_release_update(struct store *s, const struct store_release *r,
			 struct err *err);
/* 0 and *out, 1 if no such release, -1 on error (same for the others). */
int store_release_get(struct store *s, const char *app, int number,
		      struct store_release *out, struct err *err);
/* The newest release, or the newest with `status` when not NULL. */
int store_release_latest(struct store *s, const char *app, const char *status,
			 struct store_release *out, struct err *err);
/* The newest release with `build_key` that has an image. */
int store_release_find_build(struct store *s, const char *app,
			     const char *build_key, struct store_release *out,
			     struct err *err);
/* Newest first; at most `limit` (0: all). */
int store_release_list(struct store *s, const char *app, int limit,
		       int (*cb)(const struct store_release *r, void *payload),
		       void *payload, struct err *err);
/*
 * The highest number above `number` among the app's releases that were not
 * cancelled nor interrupted (failed with error "interrupted": their
 * process died), or 0: a release that finds one has been superseded.
 */
int store_release_newer(struct store *s, const char *app, int number,
			int *newer_out, struct err *err);
/*
 * The app's releases whose status is not final (queued or active), oldest
 * first; `cb` returns non-zero to stop. The release is borrowed for the
 * callback's duration.
 */
int store_release_list_unfinished(struct store *s, const char *app,
				  int (*cb)(const struct store_release *r,
					    void *payload),
				  void *payload, struct err *err);
/*
 * Mark release `number` failed with error `why` (its process is gone),
 * unless its status is final by now: *changed_out gets 1 if it was
 * changed, 0 if it had finished (or does not exist).
 */
int store_release_interrupt(struct store *s, const char *app, int number,
			    const char *why, int *changed_out, struct err *err);

#endif
