/* webhookev: what a GitLab webhook request asks for, read from its event header and JSON body */
#ifndef SOLUM_WEBHOOKEV_H
#define SOLUM_WEBHOOKEV_H

#include <stddef.h>

#include "err.h"

#define WEBHOOKEV_URL_MAX 1024		/* as an app's --upstream */
#define WEBHOOKEV_BRANCH_MAX 200	/* as name_branch_valid */
#define WEBHOOKEV_USER_MAX 64		/* a GitLab username we record */

enum webhookev_action {
	/* deploy `newrev` to the apps of the project that map `branch` */
	WEBHOOKEV_DEPLOY,
	/* an event of the project that deploys nothing (a deleted branch, a
	   merge request opened, ...): `reason`, told once the token is good */
	WEBHOOKEV_IGNORE,
	/* an event type that never deploys (GitLab's issue, note, pipeline,
	   tag push, ... events): `reason`; the body is not read */
	WEBHOOKEV_OTHER
};

/*
 * One event. The URLs are "" when the payload leaves them out (never
 * both for DEPLOY and IGNORE); branch and newrev are set for DEPLOY
 * only. All strings are NUL-terminated, within their arrays, free of
 * control characters.
 */
struct webhookev {
	enum webhookev_action action;
	char http_url[WEBHOOKEV_URL_MAX + 1];	/* project.git_http_url */
	char ssh_url[WEBHOOKEV_URL_MAX + 1];	/* project.git_ssh_url */
	char branch[WEBHOOKEV_BRANCH_MAX + 1];	/* a name_branch_valid name */
	char newrev[41];			/* 40 lowercase hex, not zeros */
	char pusher[WEBHOOKEV_USER_MAX + 8];	/* "gitlab:USER" or "webhook" */
	char reason[256];			/* IGNORE, OTHER: why */
};

/*
 * Read the event that the X-Gitlab-Event header `type` (NULL when
 * missing) and the `len` bytes of `body` describe:
 *
 *   "Push Hook"           ref "refs/heads/B", after = newrev: DEPLOY;
 *                         after all zeros (B deleted) or a ref outside
 *                         refs/heads/: IGNORE
 *   "Merge Request Hook"  object_attributes.action "merge" with
 *                         target_branch and merge_commit_sha: DEPLOY;
 *                         merged without a merge commit (fast-forward;
 *                         the push event deploys it) or any other
 *                         action: IGNORE
 *   "System Hook"         as the two above when object_kind is "push" or
 *                         "merge_request"; else OTHER
 *   GitLab's other types  ("Tag Push Hook", "Issue Hook", "Note Hook",
 *                         "Pipeline Hook", ...): OTHER
 *
 * The project is project.git_http_url and project.git_ssh_url. The body
 * is parsed with jansson (duplicate keys refused); every field used is
 * checked for its type, length and form: the branch with
 * name_branch_valid, the revision with name_sha1_valid. The pusher is
 * "gitlab:" and user_username (push) or user.username (merge request)
 * when that is 1 to 64 of [A-Za-z0-9._-], else "webhook".
 *
 * Returns 0 with *ev filled, or -1 with one line in err for a request
 * that is wrong (a missing or unknown event type, a body that is not
 * JSON, a field missing or of the wrong type or form): the answer is
 * 400 and nothing is deployed. Pure: no I/O, no global state.
 */
int webhookev_parse(const char *type, const char *body, size_t len,
		    struct webhookev *ev, struct err *err);

/*
 * What the X-Gitlab-Event `type` (NULL when missing) says before the body
 * is read, as webhookev_parse's first step: 1 for the types the body
 * decides (Push Hook, Merge Request Hook, System Hook); 0 for GitLab's
 * types that never deploy, *ev then being their OTHER event; -1 with err
 * for a missing or unknown type.
 */
int webhookev_type(const char *type, struct webhookev *ev, struct err *err);

/*
 * 1 if `s` may be an X-Gitlab-Event-UUID: 1 to 64 of [0-9A-Za-z-] (GitLab
 * sends a UUID).
 */
int webhookev_uuid_valid(const char *s);

#endif
