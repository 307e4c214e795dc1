/* openstack: the OpenStack target: the image into Glance, the app's Heat
 * stack created or updated from its template */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "apptemplate.h"
#include "buf.h"
#include "clouds.h"
#include "glance.h"
#include "heat.h"
#include "log.h"
#include "openstack.h"
#include "osimages.h"
#include "template.h"
#include "banned.h"

extern char **environ;

/*
 * A deploy's session, from prepare to finish (t->priv). Keystone is asked
 * while the image builds, by a thread of its own: `cloud`, `ks`, `heat`
 * and `auth_*` are that thread's until it is joined.
 */
struct os_run {
	const struct config *cfg;
	struct clouds_cloud cloud;
	struct keystone *ks;
	struct heat *heat;
	struct template tpl;
	pthread_t auth_thread;
	int auth_running;	/* started, not joined yet */
	int auth_rc;
	struct err auth_err;
};

int openstack_connect(const struct config *cfg, struct clouds_cloud *cloud,
		      struct keystone **ks_out, struct err *err)
{
	struct strvec dirs = STRVEC_INIT;
	int rc;

	*ks_out = NULL;
	clouds_init(cloud);
	clouds_default_dirs((const char *const *)environ, &dirs);
	rc = clouds_load(cloud, cfg->openstack_cloud,
			 (const char *const *)environ,
			 (const char *const *)dirs.v, err);
	strvec_clear(&dirs);
	if (rc < 0)
		return err_wrap(err, "openstack");
	if (cfg->openstack_region) {
		free(cloud->region_name);
		cloud->region_name = xstrdup(cfg->openstack_region);
	}
	if (cfg->openstack_interface) {
		free(cloud->interface);
		cloud->interface = xstrdup(cfg->openstack_interface);
	}
	return keystone_auth(cloud, ks_out, err);
}

void openstack_disconnect(struct clouds_cloud *cloud, struct keystone *ks)
{
	keystone_free(ks);
	clouds_release(cloud);
}

static const char *stack_name(const struct store_app *app)
{
	return app->stack ? app->stack : app->name;
}

/* "NAME@DIGEST" when pushed, else the engine's name for it; owned. */
static char *image_reference(const struct store_release *rel)
{
	char *name = NULL, *tag = NULL, *ref;

	if (!rel->digest || !rel->image)
		return xstrdup(rel->image ? rel->image : rel->image_id);
	docker_split_ref(rel->image, &name, &tag);
	ref = xstrfmt("%s@%s", name, rel->digest);
	free(name);
	free(tag);
	return ref;
}

/* The port the app listens on: --port, else the image's EXPOSE, else 5000. */
static int app_port(struct target_run *t)
{
	struct docker_image img;
	struct err e = ERR_INIT;
	int low = 0;

	if (t->app->port > 0)
		return t->app->port;
	docker_image_init(&img);
	if (t->docker && docker_image_inspect(t->docker, t->rel->image_id, &img,
					      &e) == 0)
		low = docker_image_lowest_port(&img, NULL);
	docker_image_release(&img);
	return low ? low : 5000;
}

/* The app's settings ("K=V") from its JSON objects of params and secrets. */
static void settings(const char *json, struct strvec *out)
{
	json_t *obj = json_loads(json ? json : "{}", 0, NULL), *v;
	const char *k;

	json_object_foreach(obj, k, v)
		if (json_is_string(v))
			strvec_pushf(out, "%s=%s", k, json_string_value(v));
	json_decref(obj);
}

struct values {
	struct template_values v;
	struct strvec params, secrets;
	char release[16], port[16];
	char *image;
};

static void values_init(struct values *vs, struct target_run *t,
			const char *glance_image, int port)
{
	memset(vs, 0, sizeof(*vs));
	strvec_init(&vs->params);
	strvec_init(&vs->secrets);
	settings(t->app->params, &vs->params);
	settings(t->app->secrets, &vs->secrets);
	snprintf(vs->release, sizeof(vs->release), "%d", t->rel->number);
	snprintf(vs->port, sizeof(vs->port), "%d", port);
	vs->image = t->rel->image_id ? image_reference(t->rel) :
		    xstrfmt("%s@sha256:%064d", t->app->name, 0);
	vs->v.image = vs->image;
	vs->v.glance_image = glance_image;
	vs->v.app_name = t->app->name;
	vs->v.release = vs->release;
	vs->v.commit = t->rel->commit;
	vs->v.port = vs->port;
	vs->v.params = &vs->params;
	vs->v.secrets = &vs->secrets;
}

static void values_release(struct values *vs)
{
	strvec_clear(&vs->params);
	strvec_clear(&vs->secrets);
	free(vs->image);
}

/* The parameters as recorded: hidden ones left out. Owned. */
static char *record_params(const struct template_args *args)
{
	json_t *rec = json_deep_copy(args->params);
	size_t i;
	char *text;

	for (i = 0; i < args->hidden.nr; i++)
		json_object_del(rec, args->hidden.v[i]);
	text = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(rec);
	return text;
}

/* Join the thread that authenticates; its result. */
static int auth_join(struct os_run *os, struct err *err)
{
	if (os->auth_running) {
		pthread_join(os->auth_thread, NULL);
		os->auth_running = 0;
	}
	if (os->auth_rc < 0 && err)
		*err = os->auth_err;
	return os->auth_rc;
}

static void os_finish(struct target_run *t)
{
	struct os_run *os = t->priv;

	if (!os)
		return;
	auth_join(os, NULL);
	heat_free(os->heat);
	template_release(&os->tpl);
	openstack_disconnect(&os->cloud, os->ks);
	free(os);
	t->priv = NULL;
}

/* Authenticate and open Heat: the thread's work, or the caller's. */
static int os_connect(struct os_run *os, struct err *err)
{
	if (openstack_connect(os->cfg, &os->cloud, &os->ks, err) < 0 ||
	    heat_open(os->ks, &os->heat, err) < 0)
		return -1;
	return 0;
}

static void *auth_main(void *payload)
{
	struct os_run *os = payload;

	os->auth_rc = os_connect(os, &os->auth_err);
	return NULL;
}

static struct os_run *os_new(struct target_run *t)
{
	struct os_run *os = xcalloc(1, sizeof(*os));

	os->cfg = &t->ctx->cfg;
	clouds_init(&os->cloud);
	err_clear(&os->auth_err);
	t->priv = os;
	return os;
}

/* The session, once Keystone has answered; says who deploys. */
static int os_ready(struct target_run *t, struct err *err)
{
	struct os_run *os = t->priv;
	const struct clouds_cloud *c = &os->cloud;

	if (auth_join(os, err) < 0)
		return -1;
	out_printf(t->out, "-----> OpenStack: cloud %s, as %s (%s)", c->name,
		   c->username ? c->username :
		   c->user_id ? c->user_id : "?",
		   clouds_auth_type_name(c->auth_type));
	return 0;
}

/* A session now, in the caller's thread (a rollback builds nothing). */
static int os_open(struct target_run *t, struct err *err)
{
	struct os_run *os = os_new(t);

	os->auth_rc = os_connect(os, &os->auth_err);
	return os_ready(t, err);
}

/*
 * Before the build: the template and every parameter it needs (with a
 * stand-in for the Glance id); Keystone is asked while the image builds.
 */
static int os_prepare(struct target_run *t, struct err *err)
{
	struct template_args args = TEMPLATE_ARGS_INIT;
	struct os_run *os = os_new(t);
	struct values vs;
	int rc;

	if (apptemplate_load(t->ctx->home, t->app, t->rel->commit, &os->tpl,
			     err) < 0)
		return -1;
	values_init(&vs, t, "00000000-0000-0000-0000-000000000000",
		    t->app->port > 0 ? t->app->port : 5000);
	rc = template_params_resolve(&os->tpl, &vs.v, &args, err);
	values_release(&vs);
	template_args_release(&args);
	if (rc < 0)
		return -1;
	out_printf(t->out, "-----> Template %s (%.12s), stack %s",
		   os->tpl.name, os->tpl.hash, stack_name(t->app));
	if (pthread_create(&os->auth_thread, NULL, auth_main, os) != 0)
		os->auth_rc = os_connect(os, &os->auth_err);
	else
		os->auth_running = 1;
	return 0;
}

/* Create or update the stack with `args`; the release records it. */
static int update_stack(struct target_run *t, const struct template *tpl,
			const struct template_args *args, struct err *err)
{
	struct os_run *os = t->priv;
	struct heat_result res;
	struct heat_spec spec;
	char tags[160];
	int rc;

	memset(&res, 0, sizeof(res));
	snprintf(tags, sizeof(tags), "solum,solum_app=%s", t->app->name);
	spec.name = stack_name(t->app);
	spec.template_text = tpl->text;
	spec.params = args->params;
	spec.hidden = &args->hidden;
	spec.timeout_mins = (t->ctx->cfg.openstack_stack_timeout + 59) / 60;
	spec.tags = tags;
	free(t->rel->template_hash);
	t->rel->template_hash = xstrdup(tpl->hash);
	free(t->rel->params);
	t->rel->params = record_params(args);
	if (apptemplate_keep(t->ctx->home, tpl, err) < 0)
		return -1;
	out_step(t->out, "stack");
	out_printf(t->out, "-----> %s stack %s", "Deploying", spec.name);
	out_test_pause(t->out, "stack");
	rc = heat_deploy(os->heat, &spec, t->out, &res, err);
	free(t->rel->stack_id);
	t->rel->stack_id = res.stack_id;
	res.stack_id = NULL;
	free(t->rel->stack_status);
	t->rel->stack_status = res.status;
	res.status = NULL;
	if (rc == 0) {
		free(t->rel->url);
		t->rel->url = res.url ? xstrdup(res.url) :
			      xstrfmt("stack %s (the template has no url output)",
				      spec.name);
		out_printf(t->out, "-----> Stack %s is %s (%.1fs)", spec.name,
			   t->rel->stack_status ? t->rel->stack_status : "?",
			   out_step_secs(t->out));
	}
	heat_result_release(&res);
	return rc;
}

/* Resolve the template's parameters with the release's own values. */
static int resolve(struct target_run *t, const struct template *tpl,
		   struct template_args *args, struct err *err)
{
	struct values vs;
	int rc;

	values_init(&vs, t, t->rel->glance_id, app_port(t));
	rc = template_params_resolve(tpl, &vs.v, args, err);
	values_release(&vs);
	return rc;
}

/* The Glance image this deploy uploaded, gone again after a failure. */
static void drop_upload(struct target_run *t)
{
	struct os_run *os = t->priv;
	struct err e = ERR_INIT;

	if (glance_delete(os->ks, t->rel->glance_id, &e) < 0)
		out_printf(t->out, "       warning: %s", e.msg);
	else
		out_printf(t->out, "       removed Glance image %s-v%d (%s): its stack update failed",
			   t->app->name, t->rel->number, t->rel->glance_id);
	free(t->rel->glance_id);
	t->rel->glance_id = NULL;
}

static int os_release(struct target_run *t, struct err *err)
{
	struct template_args args = TEMPLATE_ARGS_INIT;
	struct os_run *os = t->priv;
	long long t0 = out_now_ms();
	int uploaded = 0, ret = -1;

	if (os_ready(t, err) < 0)
		return -1;
	t->rel->container_port = app_port(t);
	out_test_pause(t->out, "uploading");
	if (osimages_for_release(t, os->ks, &uploaded, err) < 0 ||
	    resolve(t, &os->tpl, &args, err) < 0)
		goto out;
	if (update_stack(t, &os->tpl, &args, err) < 0)
		goto out;
	osimages_prune(t->ctx, os->ks, t->app->name,
		       t->ctx->cfg.openstack_keep_images, t->rel->glance_id,
		       t->out);
	ret = 0;
out:
	if (ret < 0 && uploaded)
		drop_upload(t);
	template_args_release(&args);
	t->rel->deploy_ms = (long)(out_now_ms() - t0);
	return ret;
}

/* Release `old` as t->rel: its image, Glance image, template, parameters. */
static void adopt(struct store_release *rel, const struct store_release *old)
{
	char **dst[] = { &rel->image, &rel->image_id, &rel->digest,
			 &rel->glance_id };
	char *const src[] = { old->image, old->image_id, old->digest,
			      old->glance_id };
	size_t i;

	for (i = 0; i < sizeof(dst) / sizeof(dst[0]); i++) {
		free(*dst[i]);
		*dst[i] = src[i] ? xstrdup(src[i]) : NULL;
	}
	rel->container_port = old->container_port;
}

/*
 * The parameters of `old` again: its recorded values, and the hidden
 * ones (never recorded) from the app's settings of now.
 */
static int old_args(struct target_run *t, const struct template *tpl,
		    const struct store_release *old, struct template_args *args,
		    struct err *err)
{
	json_t *rec = json_loads(old->params, 0, NULL), *v;
	const char *k;

	if (!json_is_object(rec)) {
		json_decref(rec);
		return err_set(err, "the parameters of v%d are not readable",
			       old->number);
	}
	if (resolve(t, tpl, args, err) < 0) {
		json_decref(rec);
		return -1;
	}
	json_object_foreach(rec, k, v)
		if (template_param_get(tpl, k) &&
		    !template_args_is_hidden(args, k))
			json_object_set(args->params, k, v);
	json_decref(rec);
	return 0;
}

static int os_rollback(struct target_run *t, const struct store_release *old,
		       struct err *err)
{
	struct template_args args = TEMPLATE_ARGS_INIT;
	struct template tpl = TEMPLATE_INIT;
	struct glance_image img;
	struct os_run *os;
	long long t0 = out_now_ms();
	int ret = -1;

	if (!old->params || !old->template_hash || !old->glance_id)
		return err_set(err, "v%d was not deployed to OpenStack: there is no stack update to go back to",
			       old->number);
	out_printf(t->out, "-----> Rolling back %s to v%d (%.7s): its Glance image, template and parameters",
		   t->app->name, old->number, old->commit);
	if (os_open(t, err) < 0)
		return -1;
	os = t->priv;
	memset(&img, 0, sizeof(img));
	if (glance_get(os->ks, old->glance_id, &img, err) < 0) {
		if (err->code == GLANCE_ENOTFOUND)
			err_set(err, "the Glance image of v%d (%s) is gone (openstack.keep_images): deploy it again with a push",
				old->number, old->glance_id);
		return -1;
	}
	glance_image_release(&img);
	if (apptemplate_load_kept(t->ctx->home, old->template_hash, &tpl,
				  err) < 0)
		return err_wrap(err, "template of v%d", old->number);
	adopt(t->rel, old);
	if (old_args(t, &tpl, old, &args, err) == 0 &&
	    update_stack(t, &tpl, &args, err) == 0)
		ret = 0;
	t->rel->deploy_ms = (long)(out_now_ms() - t0);
	template_args_release(&args);
	template_release(&tpl);
	return ret;
}

static int os_recover(struct ctx *ctx, const char *app, int serving,
		      struct err *err)
{
	struct clouds_cloud cloud;
	struct keystone *ks = NULL;
	int rc;

	(void)serving;	/* Heat rolls a failed update back on its own */
	if (openstack_connect(&ctx->cfg, &cloud, &ks, err) < 0) {
		openstack_disconnect(&cloud, ks);
		return -1;
	}
	rc = osimages_prune(ctx, ks, app, ctx->cfg.openstack_keep_images,
			    NULL, NULL);
	openstack_disconnect(&cloud, ks);
	return rc ? err_set(err, "%d Glance images of '%s' could not be removed",
			    rc, app) : 0;
}

static int deployed_here(const struct store_release *r, void *payload)
{
	int *found = payload;

	*found = r->target && !strcmp(r->target, "openstack");
	return *found;
}

static int os_destroy(struct ctx *ctx, const struct store_app *app,
		      int purge, FILE *out, struct err *err)
{
	struct out o = { out, NULL, 0, 0, "deleting", 10000, NULL };
	struct clouds_cloud cloud;
	struct keystone *ks = NULL;
	struct heat *heat = NULL;
	int rc, found = 0;

	if (store_release_list(ctx->store, app->name, 0, deployed_here, &found,
			       err) < 0)
		return -1;
	if (!found)
		return 0;	/* never deployed to OpenStack: nothing there */
	o.last_ms = out_now_ms();
	rc = openstack_connect(&ctx->cfg, &cloud, &ks, err);
	if (!rc)
		rc = heat_open(ks, &heat, err);
	if (!rc)
		rc = heat_stack_delete(heat, stack_name(app),
				       ctx->cfg.openstack_stack_timeout, &o,
				       err);
	if (!rc && out)
		fprintf(out, "deleted stack %s\n", stack_name(app));
	if (!rc && purge)
		rc = osimages_purge(ks, app->name, out, err);
	else if (!rc && out)
		fprintf(out, "the Glance images of %s are kept (solum app delete %s --purge removes them)\n",
			app->name, app->name);
	heat_free(heat);
	openstack_disconnect(&cloud, ks);
	return rc;
}

static void os_describe(struct ctx *ctx, const struct store_app *app,
			char *line, size_t size)
{
	struct store_release ok;
	struct err e = ERR_INIT;

	store_release_init(&ok);
	if (store_release_latest(ctx->store, app->name, "succeeded", &ok,
				 &e) != 0 || !ok.stack_id)
		snprintf(line, size, "nothing of %s is deployed to OpenStack yet",
			 app->name);
	else
		snprintf(line, size, "stack %s keeps v%d, which still serves at %s",
			 stack_name(app), ok.number, ok.url ? ok.url : "?");
	store_release_release(&ok);
}

const struct target openstack_target = {
	.name = "openstack",
	.prepare = os_prepare,
	.release = os_release,
	.rollback = os_rollback,
	.finish = os_finish,
	.recover = os_recover,
	.destroy = os_destroy,
	.describe = os_describe,
};
