/* target: where a built release runs (the local engine, or OpenStack) */
#include <string.h>

#include "local.h"
#include "openstack.h"
#include "target.h"
#include "banned.h"

const char *target_name(const struct config *cfg, const struct store_app *app)
{
	if (app->target && target_by_name(app->target))
		return app->target;
	return cfg->openstack_cloud ? "openstack" : "local";
}

const struct target *target_by_name(const char *name)
{
	if (!strcmp(name, local_target.name))
		return &local_target;
	if (!strcmp(name, openstack_target.name))
		return &openstack_target;
	return NULL;
}

const struct target *target_for(const struct config *cfg,
				const struct store_app *app)
{
	return target_by_name(target_name(cfg, app));
}

int target_docker_open(struct ctx *ctx, struct docker **out, struct err *err)
{
	struct docker_tls tls = { ctx->cfg.docker_tls_verify,
				  ctx->cfg.docker_cert_path };

	return docker_open(ctx->cfg.docker_host, &tls, out, err);
}
