/* cli: app list and app show: what an app is, as each caller may see it */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "apptemplate.h"
#include "buf.h"
#include "cli.h"
#include "name.h"
#include "target.h"
#include "banned.h"

/* ---- showing an app ---- */

/* Where the app answers once deployed (owned), or NULL. */
static char *app_url(const struct ctx *ctx, const struct store_app *a)
{
	struct store_release rel;
	struct err e = ERR_INIT;
	char *url = NULL;

	if (strcmp(target_name(&ctx->cfg, a), "openstack")) {
		if (!a->public_port)
			return NULL;
		return xstrfmt("http://%s:%d/", ctx->cfg.public_host,
			       a->public_port);
	}
	/* on OpenStack: the stack's url output, as the last deploy saw it */
	store_release_init(&rel);
	if (store_release_latest(ctx->store, a->name, "succeeded", &rel,
				 &e) == 0 && rel.url)
		url = xstrdup(rel.url);
	store_release_release(&rel);
	return url;
}

/*
 * An object of settings as a caller may see it: with values when
 * `values`, else each name mapped to true (set).
 */
static json_t *settings_json(const char *text, int values)
{
	json_t *obj = json_loads(text ? text : "{}", 0, NULL), *out;
	const char *k;
	json_t *v;

	if (!json_is_object(obj)) {
		json_decref(obj);
		return json_object();
	}
	if (values)
		return obj;
	out = json_object();
	json_object_foreach(obj, k, v)
		json_object_set_new(out, k, json_true());
	json_decref(obj);
	return out;
}

static json_t *app_json(const struct ctx *ctx, const struct store_app *a,
			int admin)
{
	char created[32], *url = app_url(ctx, a);
	json_t *j;

	cli_fmt_time(a->created, created, sizeof(created));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:b, s:o, s:o, s:s?, s:s, s:s, s:i, s:I, s:i, s:b, s:s, s:s?, s:b, s:s?, s:b}",
		      "name", a->name, "repo", a->repo, "branch", a->branch,
		      "target", target_name(&ctx->cfg, a),
		      "stack", a->stack ? a->stack : a->name,
		      "template", a->template,
		      "template_from_repo", a->template_from_repo,
		      "params", settings_json(a->params, admin),
		      "secrets", settings_json(a->secrets, 0),
		      "upstream", a->upstream, "dockerfile", a->dockerfile,
		      "health_path", a->health_path, "port", a->port,
		      "memory", (json_int_t)a->memory, "pids", a->pids,
		      "gate", a->gate, "created", created, "url", url,
		      "webhook_secret_set", a->webhook_secret != NULL,
		      "report", a->report,
		      "report_token_set", a->report_token != NULL);
	free(url);
	return j;
}

/* "1g", "512m", "64k" or bytes, as --memory takes them. */
static void fmt_size(long long n, char *dst, size_t size)
{
	static const char units[] = "gmk";
	int shift = 30, i;

	for (i = 0; units[i]; i++, shift -= 10)
		if (n && !(n & ((1LL << shift) - 1))) {
			snprintf(dst, size, "%lld%c", n >> shift, units[i]);
			return;
		}
	snprintf(dst, size, "%lld", n);
}

static void print_limits(const struct ctx *ctx, const struct store_app *a)
{
	char size[32];

	if (a->port)
		printf("port:        %d\n", a->port);
	else
		printf("port:        auto (the image's EXPOSE, else 5000)\n");
	fmt_size(a->memory < 0 ? ctx->cfg.local_memory : a->memory, size,
		 sizeof(size));
	if (a->memory < 0 ? !ctx->cfg.local_memory : !a->memory)
		snprintf(size, sizeof(size), "no limit");
	printf("memory:      %s%s\n", size, a->memory < 0 ? " (default)" : "");
	if (a->pids < 0 ? !ctx->cfg.local_pids : !a->pids)
		printf("pids:        no limit%s\n", a->pids < 0 ? " (default)" : "");
	else
		printf("pids:        %d%s\n",
		       a->pids < 0 ? ctx->cfg.local_pids : a->pids,
		       a->pids < 0 ? " (default)" : "");
}

/* "K=V, ..." with values, "K, ..." without; "-" when there are none. */
static void print_settings(const char *label, const char *text, int values,
			   const char *note)
{
	json_t *obj = json_loads(text ? text : "{}", 0, NULL);
	const char *k, *sep = "";
	json_t *v;

	printf("%-12s ", label);
	if (!json_object_size(obj))
		printf("-");
	json_object_foreach(obj, k, v) {
		if (values)
			printf("%s%s=%s", sep, k, json_string_value(v));
		else
			printf("%s%s", sep, k);
		sep = ", ";
	}
	if (json_object_size(obj) && note)
		printf(" %s", note);
	putchar('\n');
	json_decref(obj);
}

static void print_app(const struct ctx *ctx, const struct store_app *a,
		      int admin)
{
	char created[32], *url = app_url(ctx, a);

	cli_fmt_time(a->created, created, sizeof(created));
	printf("app:         %s\n", a->name);
	printf("repo:        %s\n", a->repo);
	printf("branch:      %s\n", a->branch);
	printf("target:      %s%s\n", target_name(&ctx->cfg, a),
	       a->target ? "" : " (default)");
	if (!strcmp(target_name(&ctx->cfg, a), "openstack"))
		printf("stack:       %s\n", a->stack ? a->stack : a->name);
	printf("template:    %s\n", a->template_from_repo ?
	       "from the pushed tree (" APPTEMPLATE_REPO_PATH ")" :
	       a->template ? a->template : "-");
	print_settings("params:", a->params, admin,
		       admin ? NULL : "(values: admins only)");
	print_settings("secrets:", a->secrets, 0, "(set; never shown)");
	printf("upstream:    %s\n", a->upstream ? a->upstream : "-");
	printf("webhook:     %s\n", a->webhook_secret ?
	       "secret set (never shown)" : "- (no secret: takes no webhook events)");
	printf("report:      %s%s\n", a->report ? a->report : "-",
	       a->report_token ? " (token set; never shown)" : "");
	printf("dockerfile:  %s\n", a->dockerfile);
	printf("health:      %s\n", a->health_path);
	print_limits(ctx, a);
	printf("gate:        %s\n", a->gate ? "yes" : "no");
	printf("created:     %s\n", created);
	printf("url:         %s\n", url ? url : "(not deployed yet)");
	free(url);
}

/* 1 if the caller may see the app's param values (admin on its repo). */
static int sees_values(struct ctx *ctx, const struct store_app *a)
{
	struct err err = ERR_INIT;
	int role;

	if (access_role(ctx->store, ctx->remote_user, a->repo, &role, &err) < 0)
		return 0;
	return role >= ROLE_ADMIN;
}

struct list_state {
	struct ctx *ctx;
	json_t *arr;
};

static int list_one(const struct store_app *a, void *payload)
{
	struct list_state *ls = payload;
	struct err err = ERR_INIT;
	int role;

	if (access_role(ls->ctx->store, ls->ctx->remote_user, a->repo, &role,
			&err) < 0 || role < ROLE_READ)
		return 0;
	if (ls->arr)
		json_array_append_new(ls->arr, app_json(ls->ctx, a,
							role >= ROLE_ADMIN));
	else
		printf("%-24s %-24s %s\n", a->name, a->repo, a->branch);
	return 0;
}

int cli_app_list(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	struct list_state ls = { ctx, NULL };

	if (argc == 2 && !strcmp(argv[1], "--json"))
		ls.arr = json_array();
	else if (argc != 1)
		return cli_usage(err);
	if (!ls.arr)
		printf("%-24s %-24s %s\n", "APP", "REPO", "BRANCH");
	if (store_app_list(ctx->store, NULL, list_one, &ls, err) < 0) {
		json_decref(ls.arr);
		return -1;
	}
	if (ls.arr)
		cli_print_json(ls.arr);
	return 0;
}

int cli_app_show(int argc, char **argv, struct ctx *ctx, struct err *err)
{
	struct store_app a;
	const char *name = NULL;
	int i, json = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return cli_usage(err);
	}
	if (!name)
		return cli_usage(err);
	if (name_check("app", name, err) < 0 ||
	    access_app(ctx->store, ctx->remote_user, name, ROLE_READ, &a, NULL,
		       err))
		return -1;
	if (json)
		cli_print_json(app_json(ctx, &a, sees_values(ctx, &a)));
	else
		print_app(ctx, &a, sees_values(ctx, &a));
	store_app_release(&a);
	return 0;
}
