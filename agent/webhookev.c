/* webhookev: what a GitLab webhook request asks for, read from its event header and JSON body */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "name.h"
#include "webhookev.h"
#include "banned.h"

/*
 * GitLab's event types that never deploy: answered "ignored" (200), so
 * that a webhook with more events ticked does not fail in GitLab's eyes
 * (GitLab turns off a webhook that keeps failing).
 */
static const char *const other_types[] = {
	"Tag Push Hook", "Issue Hook", "Confidential Issue Hook",
	"Note Hook", "Confidential Note Hook", "Wiki Page Hook",
	"Pipeline Hook", "Job Hook", "Deployment Hook", "Feature Flag Hook",
	"Release Hook", "Milestone Hook", "Emoji Hook",
	"Resource Access Token Hook", "Vulnerability Hook", "Member Hook",
	"Project Hook", "Subgroup Hook", NULL
};

static int is_other_type(const char *type)
{
	const char *const *p;

	for (p = other_types; *p; p++)
		if (!strcmp(*p, type))
			return 1;
	return 0;
}

static int has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/*
 * obj[key] as a string of at most `max` bytes without control characters:
 * 0 and *out (borrowed from obj); 1 when the key is missing (or null,
 * when `null_ok`); -1 with err naming `what` otherwise.
 */
static int get_string(json_t *obj, const char *key, const char *what,
		      size_t max, int null_ok, const char **out,
		      struct err *err)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;

	*out = NULL;
	if (!v || (null_ok && json_is_null(v)))
		return 1;
	if (!json_is_string(v))
		return err_set(err, "%s is not a string", what);
	if (json_string_length(v) > max)
		return err_set(err, "%s is longer than %zu bytes", what, max);
	*out = json_string_value(v);
	if (has_control(*out))
		return err_set(err, "%s contains a control character", what);
	return 0;
}

/* A required string: 0, or -1 when missing or wrong. */
static int need_string(json_t *obj, const char *key, const char *what,
		       size_t max, const char **out, struct err *err)
{
	int rc = get_string(obj, key, what, max, 0, out, err);

	if (rc == 1)
		return err_set(err, "%s is missing", what);
	return rc;
}

static int get_object(json_t *obj, const char *key, const char *what,
		      json_t **out, struct err *err)
{
	*out = json_object_get(obj, key);
	if (!*out)
		return err_set(err, "%s is missing", what);
	if (!json_is_object(*out))
		return err_set(err, "%s is not an object", what);
	return 0;
}

static int user_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= WEBHOOKEV_USER_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789._-") == n;
}

/* The pusher from an optional username field (its form is not checked:
 * a name we would not record leaves "webhook"). */
static void set_pusher(struct webhookev *ev, json_t *obj, const char *key)
{
	json_t *v = obj ? json_object_get(obj, key) : NULL;
	const char *u = json_is_string(v) ? json_string_value(v) : NULL;

	if (u && strlen(u) == json_string_length(v) && user_valid(u))
		snprintf(ev->pusher, sizeof(ev->pusher), "gitlab:%s", u);
}

static int project_urls(json_t *root, struct webhookev *ev, struct err *err)
{
	json_t *project;
	const char *http, *ssh;
	int rh, rs;

	if (get_object(root, "project", "project", &project, err) < 0)
		return -1;
	rh = get_string(project, "git_http_url", "project.git_http_url",
			WEBHOOKEV_URL_MAX, 0, &http, err);
	if (rh < 0)
		return -1;
	rs = get_string(project, "git_ssh_url", "project.git_ssh_url",
			WEBHOOKEV_URL_MAX, 0, &ssh, err);
	if (rs < 0)
		return -1;
	if ((rh || !*http) && (rs || !*ssh))
		return err_set(err, "project has neither git_http_url nor git_ssh_url");
	snprintf(ev->http_url, sizeof(ev->http_url), "%s", rh ? "" : http);
	snprintf(ev->ssh_url, sizeof(ev->ssh_url), "%s", rs ? "" : ssh);
	return 0;
}

static int check_kind(json_t *root, const char *want, struct err *err)
{
	const char *kind;
	char q[40];

	if (need_string(root, "object_kind", "object_kind", 64, &kind,
			err) < 0)
		return -1;
	if (strcmp(kind, want)) {
		name_quote(kind, q, sizeof(q));
		return err_set(err, "object_kind is '%s', not '%s'", q, want);
	}
	return 0;
}

static int set_branch(struct webhookev *ev, const char *branch,
		      const char *what, struct err *err)
{
	char q[72];

	if (!name_branch_valid(branch)) {
		name_quote(branch, q, sizeof(q));
		return err_set(err, "%s '%s' is not a valid branch name", what, q);
	}
	snprintf(ev->branch, sizeof(ev->branch), "%s", branch);
	return 0;
}

static int set_newrev(struct webhookev *ev, const char *rev,
		      const char *what, struct err *err)
{
	char q[72];

	if (!name_sha1_valid(rev)) {
		name_quote(rev, q, sizeof(q));
		return err_set(err, "%s '%s' is not 40 lowercase hex digits",
			       what, q);
	}
	memcpy(ev->newrev, rev, 41);
	return 0;
}

static void ignore(struct webhookev *ev, const char *fmt, const char *arg)
{
	char q[72];

	name_quote(arg, q, sizeof(q));
	ev->action = WEBHOOKEV_IGNORE;
	snprintf(ev->reason, sizeof(ev->reason), fmt, q);
	ev->branch[0] = ev->newrev[0] = '\0';
}

static int parse_push(json_t *root, struct webhookev *ev, struct err *err)
{
	const char *ref, *after, *branch;

	if (check_kind(root, "push", err) < 0 ||
	    project_urls(root, ev, err) < 0 ||
	    need_string(root, "ref", "ref", 1024, &ref, err) < 0 ||
	    need_string(root, "after", "after", 64, &after, err) < 0)
		return -1;
	set_pusher(ev, root, "user_username");
	if (!starts_with(ref, "refs/heads/", &branch)) {
		ignore(ev, "ref '%s' is not a branch", ref);
		return 0;
	}
	if (set_branch(ev, branch, "branch", err) < 0 ||
	    set_newrev(ev, after, "after", err) < 0)
		return -1;
	if (strspn(after, "0") == 40) {
		ignore(ev, "branch '%s' was deleted", branch);
		return 0;
	}
	ev->action = WEBHOOKEV_DEPLOY;
	return 0;
}

static int parse_merge(json_t *root, struct webhookev *ev, struct err *err)
{
	json_t *attrs, *user;
	const char *action, *target, *sha;
	int rc;

	if (check_kind(root, "merge_request", err) < 0 ||
	    project_urls(root, ev, err) < 0 ||
	    get_object(root, "object_attributes", "object_attributes", &attrs,
		       err) < 0 ||
	    need_string(attrs, "action", "object_attributes.action", 64,
			&action, err) < 0)
		return -1;
	user = json_object_get(root, "user");
	set_pusher(ev, json_is_object(user) ? user : NULL, "username");
	if (strcmp(action, "merge")) {
		ignore(ev, "merge request action '%s' deploys nothing", action);
		return 0;
	}
	if (need_string(attrs, "target_branch", "object_attributes.target_branch",
			WEBHOOKEV_BRANCH_MAX + 1, &target, err) < 0 ||
	    set_branch(ev, target, "object_attributes.target_branch", err) < 0)
		return -1;
	rc = get_string(attrs, "merge_commit_sha",
			"object_attributes.merge_commit_sha", 64, 1, &sha, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		ignore(ev, "merged without a merge commit: the push event to '%s' deploys it",
		       target);
		return 0;
	}
	if (set_newrev(ev, sha, "object_attributes.merge_commit_sha", err) < 0)
		return -1;
	ev->action = WEBHOOKEV_DEPLOY;
	return 0;
}

static void other(struct webhookev *ev, const char *type)
{
	char q[72];

	name_quote(type, q, sizeof(q));
	ev->action = WEBHOOKEV_OTHER;
	snprintf(ev->reason, sizeof(ev->reason), "'%s' events deploy nothing", q);
}

static int parse_body(const char *type, const char *body, size_t len,
		      struct webhookev *ev, struct err *err)
{
	json_error_t jerr;
	json_t *root, *kind;
	char q[120];
	int ret = -1;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		name_quote(jerr.text, q, sizeof(q));
		return err_set(err, "the body is not JSON: %s", q);
	}
	if (!json_is_object(root)) {
		err_set(err, "the body is not a JSON object");
		goto out;
	}
	if (!strcmp(type, "System Hook")) {
		kind = json_object_get(root, "object_kind");
		if (json_is_string(kind) &&
		    !strcmp(json_string_value(kind), "push"))
			type = "Push Hook";
		else if (json_is_string(kind) &&
			 !strcmp(json_string_value(kind), "merge_request"))
			type = "Merge Request Hook";
		else {
			other(ev, "System Hook");
			ret = 0;
			goto out;
		}
	}
	if (!strcmp(type, "Push Hook"))
		ret = parse_push(root, ev, err);
	else
		ret = parse_merge(root, ev, err);
out:
	json_decref(root);
	return ret;
}

int webhookev_type(const char *type, struct webhookev *ev, struct err *err)
{
	char q[72];

	memset(ev, 0, sizeof(*ev));
	snprintf(ev->pusher, sizeof(ev->pusher), "webhook");
	if (!type)
		return err_set(err, "no X-Gitlab-Event header");
	if (is_other_type(type)) {
		other(ev, type);
		return 0;
	}
	if (strcmp(type, "Push Hook") && strcmp(type, "Merge Request Hook") &&
	    strcmp(type, "System Hook")) {
		name_quote(type, q, sizeof(q));
		return err_set(err, "unknown X-Gitlab-Event '%s'", q);
	}
	return 1;
}

int webhookev_parse(const char *type, const char *body, size_t len,
		    struct webhookev *ev, struct err *err)
{
	char what[80];
	int rc = webhookev_type(type, ev, err);

	if (rc <= 0)
		return rc;
	if (parse_body(type, body, len, ev, err) == 0)
		return 0;
	snprintf(what, sizeof(what), "invalid %s", type);
	memset(ev, 0, sizeof(*ev));
	return err_wrap(err, "%s", what);
}

int webhookev_uuid_valid(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	       strspn(s, "0123456789abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == n;
}
