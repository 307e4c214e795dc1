/* target: where a built release runs (the local engine; OpenStack next) */
#include "local.h"
#include "target.h"
#include "banned.h"

const struct target *target_for(const struct store_app *app)
{
	(void)app;
	return &local_target;
}

int target_docker_open(struct ctx *ctx, struct docker **out, struct err *err)
{
	struct docker_tls tls = { ctx->cfg.docker_tls_verify,
				  ctx->cfg.docker_cert_path };

	return docker_open(ctx->cfg.docker_host, &tls, out, err);
}
