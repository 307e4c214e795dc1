/* local: the local Docker engine target, behind the nginx front */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "local.h"
#include "nginx.h"
#include "strvec.h"
#include "banned.h"

/* 1 if nothing listens on addr:port now. */
static int port_free(const char *addr, int port)
{
	struct sockaddr_in sa;
	int fd, ok;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 0;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/*
 * A host port for the new container: free now and not claimed by another
 * solum container (label solum.port), starting from a spot that moves
 * with the release number so quick redeploys don't reuse a port in
 * TIME_WAIT.
 */
static int pick_port(struct target_run *t, int *port_out, struct err *err)
{
	const struct config *cfg = &t->ctx->cfg;
	struct docker_container *list = NULL;
	size_t nr = 0, i;
	int span = cfg->local_port_max - cfg->local_port_min + 1, k;

	if (docker_container_list(t->docker, "solum.port", 1, &list, &nr,
				  err) < 0)
		return -1;
	for (k = 0; k < span; k++) {
		int port = cfg->local_port_min +
			   (int)(((unsigned)getpid() + (unsigned)t->rel->number * 7u +
				  (unsigned)k) % (unsigned)span);
		int taken = 0;

		for (i = 0; i < nr && !taken; i++) {
			const char *p = docker_container_label(&list[i], "solum.port");

			taken = p && strtol(p, NULL, 10) == port;
		}
		if (!taken && port_free(cfg->local_bind, port)) {
			*port_out = port;
			docker_container_list_free(list, nr);
			return 0;
		}
	}
	docker_container_list_free(list, nr);
	return err_set(err, "no free port in %d-%d on %s", cfg->local_port_min,
		       cfg->local_port_max, cfg->local_bind);
}

/* GET the health path once: 1 if 2xx, 0 if not (yet). */
static int health_once(struct http *h, const char *path, long *status_out)
{
	struct http_request req = { 0 };
	struct http_response res;
	struct err e = ERR_INIT;
	int ok;

	http_response_init(&res);
	req.path = path;
	req.timeout_secs = 5;
	req.max_body = 1 << 20;
	ok = http_request(h, &req, &res, &e) == 0 && res.status >= 200 &&
	     res.status < 300;
	*status_out = res.status;
	http_response_release(&res);
	return ok;
}

/* The container exited? Then say so with its last lines: -1, else 0. */
static int check_exited(struct target_run *t, const char *id, struct err *err)
{
	struct docker_container c;
	struct buf logs = BUF_INIT;
	struct err e2 = ERR_INIT;
	char *nl, *line;
	int ret = 0;

	docker_container_init(&c);
	if (docker_container_inspect(t->docker, id, &c, &e2) < 0 || c.running)
		goto out;
	ret = err_set(err, "the new container exited (code %d) before answering on %s",
		      c.exit_code, t->app->health_path);
	if (docker_container_logs(t->docker, id, 5, &logs, &e2) < 0)
		goto out;
	for (line = logs.ptr; line && *line; line = nl + 1) {
		nl = strchrnul(line, '\n');
		if (nl > line)
			out_printf(t->out, "       | %.*s", (int)(nl - line), line);
		if (!*nl)
			break;
	}
out:
	buf_release(&logs);
	docker_container_release(&c);
	return ret;
}

/*
 * The TCP sockets listening in the network namespace of process `pid`, as
 * "ADDR:PORT" ("127.0.0.1:5000", "[::]:8080"), from /proc/PID/net/tcp{,6}.
 */
static void listeners(long pid, struct strvec *out)
{
	static const char *const files[] = { "tcp", "tcp6" };
	char path[64], line[512];
	size_t i;

	for (i = 0; i < 2 && pid > 0; i++) {
		FILE *f;
		int n = 0;

		snprintf(path, sizeof(path), "/proc/%ld/net/%s", pid, files[i]);
		if (!(f = fopen(path, "re")))
			continue;
		while (fgets(line, sizeof(line), f) && n++ < 4096) {
			char addr[40];
			unsigned port, st, a;

			if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x",
				   addr, &port, &st) != 3 || st != 0x0A)
				continue;
			/* the engine's DNS for user-defined networks */
			if (!strcmp(addr, "0B00007F"))
				continue;
			if (i == 0 && sscanf(addr, "%8x", &a) == 1)
				strvec_pushf(out, "%u.%u.%u.%u:%u", a & 0xff,
					     (a >> 8) & 0xff, (a >> 16) & 0xff,
					     a >> 24, port);
			else if (i == 1)
				strvec_pushf(out, "[%s]:%u",
					     !strcmp(addr, "00000000000000000000000000000000") ? "::" :
					     !strcmp(addr, "00000000000000000000000001000000") ? "::1" :
					     "...", port);
		}
		fclose(f);
	}
}

/*
 * The image's EXPOSE list ("8080/tcp, 8443/tcp", "nothing") into `out`;
 * *port_out (optional) the lowest TCP port of it, 0 for none.
 */
static void exposed_ports(struct target_run *t, const char *image,
			  struct buf *out, int *port_out, size_t *nr_out)
{
	struct docker_image img;
	struct err e = ERR_INIT;
	size_t i, nr = 0;
	int low = 0;

	docker_image_init(&img);
	if (docker_image_inspect(t->docker, image, &img, &e) == 0) {
		for (i = 0; i < img.exposed.nr; i++)
			buf_addf(out, "%s%s", out->len ? ", " : "",
				 img.exposed.v[i]);
		low = docker_image_lowest_port(&img, &nr);
	}
	if (!out->len)
		buf_addstr(out, "nothing");
	if (port_out)
		*port_out = low;
	if (nr_out)
		*nr_out = nr;
	docker_image_release(&img);
}

static void exposed_text(struct target_run *t, struct buf *out)
{
	exposed_ports(t, t->rel->image ? t->rel->image : t->rel->image_id, out,
		      NULL, NULL);
}

/*
 * The port the app listens on inside its container: `app set --port`,
 * else the image's EXPOSE (the lowest, with a word when there are
 * several), else 5000, as Heroku and Dokku do.
 */
static int choose_container_port(struct target_run *t, const char *image)
{
	struct buf list = BUF_INIT;
	size_t nr = 0;
	int port = 0;

	if (t->app->port > 0)
		return t->app->port;
	exposed_ports(t, image, &list, &port, &nr);
	if (nr > 1)
		out_printf(t->out, "       the image EXPOSEs %s: using %d (choose with solum app set %s --port N)",
			   list.ptr, port, t->app->name);
	buf_release(&list);
	return port ? port : 5000;
}

/* Why nothing answered, in words a developer can act on, into `why`. */
static void no_answer_reason(struct target_run *t, const char *id,
			     struct buf *why)
{
	struct docker_container c;
	struct strvec socks = STRVEC_INIT;
	struct err e = ERR_INIT;
	char want[16];
	size_t i, loopback = 0, on_port = 0;

	docker_container_init(&c);
	if (docker_container_inspect(t->docker, id, &c, &e) == 0)
		listeners(c.pid, &socks);
	snprintf(want, sizeof(want), ":%d", t->rel->container_port);
	for (i = 0; i < socks.nr; i++) {
		const char *colon = strrchr(socks.v[i], ':');

		if (strcmp(colon, want))
			continue;
		on_port++;
		if (starts_with(socks.v[i], "127.", NULL) ||
		    starts_with(socks.v[i], "[::1]", NULL))
			loopback++;
	}
	if (loopback && loopback == on_port)
		buf_addf(why, "; the app listens on 127.0.0.1%s inside its container, where nothing outside it can reach: listen on 0.0.0.0 ($PORT is %d)",
			 want, t->rel->container_port);
	else if (socks.nr && !on_port) {
		buf_addstr(why, "; the app listens on ");
		for (i = 0; i < socks.nr && i < 5; i++)
			buf_addf(why, "%s%s", i ? ", " : "", socks.v[i]);
		buf_addf(why, ", not on port %d: listen on $PORT or set the port (solum app set %s --port N)",
			 t->rel->container_port, t->app->name);
	} else if (!socks.nr && c.pid > 0)
		buf_addstr(why, "; nothing listens inside the container");
	strvec_clear(&socks);
	docker_container_release(&c);
}

static void health_failed(struct target_run *t, const char *id, long status,
			  struct err *err)
{
	const struct config *cfg = &t->ctx->cfg;
	struct buf why = BUF_INIT, exposed = BUF_INIT;

	if (status) {
		err_set(err, "health check: %s answered %ld, not 2xx, for %ds",
			t->app->health_path, status, cfg->health_timeout);
		return;
	}
	exposed_text(t, &exposed);
	no_answer_reason(t, id, &why);
	err_set(err, "health check: nothing answered on port %d of the container (published on %s:%d) within %ds; the image EXPOSEs %s%s",
		t->rel->container_port, cfg->local_bind, t->rel->host_port,
		cfg->health_timeout, exposed.ptr, why.ptr ? why.ptr : "");
	buf_release(&why);
	buf_release(&exposed);
}

static int health_check(struct target_run *t, const char *id, struct err *err)
{
	const struct config *cfg = &t->ctx->cfg;
	char *base = xstrfmt("http://%s:%d", cfg->local_bind, t->rel->host_port);
	struct http *h = NULL;
	long long deadline = out_now_ms() + (long long)cfg->health_timeout * 1000;
	long status = 0;
	int ret = -1, n = 0;

	if (http_new(base, &h, err) < 0)
		goto out;
	http_set_retries(h, 0, 0);
	http_set_timeouts(h, 2, 5);
	for (;;) {
		if (health_once(h, t->app->health_path, &status)) {
			out_printf(t->out, "       %s answered %ld after %.1fs",
				   t->app->health_path, status,
				   out_step_secs(t->out));
			ret = 0;
			break;
		}
		/* a container that exited will not come back */
		if (++n % 4 == 0 && check_exited(t, id, err) < 0)
			break;
		if (out_now_ms() >= deadline) {
			health_failed(t, id, status, err);
			break;
		}
		/* most apps answer within a few hundred ms: poll fast at first */
		if (out_wait_ms(t->out, n < 3 ? 50L << n : 250, err) < 0)
			break;
	}
out:
	http_free(h);
	free(base);
	return ret;
}

static void add_env_object(struct strvec *env, const char *text)
{
	json_t *obj = json_loads(text ? text : "{}", 0, NULL);
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v)
		if (json_is_string(v))
			strvec_pushf(env, "%s=%s", k, json_string_value(v));
	json_decref(obj);
}

/*
 * Environment of the container: the app's params and secret settings,
 * then solum's own (names solum reserves are refused as params).
 */
static void container_env(struct target_run *t, struct strvec *env)
{
	add_env_object(env, t->app->params);
	add_env_object(env, t->app->secrets);
	strvec_pushf(env, "PORT=%d", t->rel->container_port);
	strvec_pushf(env, "SOLUM_APP=%s", t->app->name);
	strvec_pushf(env, "SOLUM_RELEASE=v%d", t->rel->number);
	strvec_pushf(env, "SOLUM_COMMIT=%s", t->rel->commit);
}

/* The app's own network: apps cannot reach each other. */
static char *network_name(const char *app)
{
	return xstrfmt("solum-%s", app);
}

static int ensure_network(struct target_run *t, const char *net,
			  struct err *err)
{
	char *label = xstrfmt("solum.app=%s", t->app->name);
	const char *labels[] = { label, NULL };
	int ret = docker_network_ensure(t->docker, net, labels, err);

	free(label);
	return ret;
}

/* Stop and remove the app's containers other than `keep`. */
static void remove_old(struct target_run *t, const char *keep)
{
	struct docker_container *list = NULL;
	char *label = xstrfmt("solum.app=%s", t->app->name);
	struct err e = ERR_INIT;
	size_t nr = 0, i;

	if (docker_container_list(t->docker, label, 1, &list, &nr, &e) < 0) {
		out_printf(t->out, "       warning: cannot list old containers: %s", e.msg);
		free(label);
		return;
	}
	for (i = 0; i < nr; i++) {
		if (keep && (!strcmp(list[i].name, keep) || !strcmp(list[i].id, keep)))
			continue;
		if (docker_container_stop(t->docker, list[i].id, 10, &e) < 0 ||
		    docker_container_remove(t->docker, list[i].id, 1, &e) < 0)
			out_printf(t->out, "       warning: cannot remove %s: %s",
			     list[i].name, e.msg);
		else
			out_printf(t->out, "       stopped %s", list[i].name);
	}
	docker_container_list_free(list, nr);
	free(label);
}

static int is_cancelled(const struct target_run *t)
{
	return t->out->cancelled && *t->out->cancelled;
}

/*
 * Create the release's container `name` on the app's network, its port
 * published on a free host port: choosing the port and creating the
 * container that claims it happen under one lock. *id_out is owned.
 */
static int create_container(struct target_run *t, const char *name,
			    char **id_out, struct err *err)
{
	const struct config *cfg = &t->ctx->cfg;
	struct docker_container_opts copts = { 0 };
	struct strvec env = STRVEC_INIT, labels = STRVEC_INIT;
	char *lock_path = xstrfmt("%s/run/.ports.lock", t->ctx->home);
	char *net = network_name(t->app->name);
	int lock_fd, port = 0, ret = -1;

	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		err_errno(err, "lock '%s'", lock_path);
		goto out;
	}
	copts.image = t->rel->image ? t->rel->image : t->rel->image_id;
	if (pick_port(t, &port, err) < 0 || ensure_network(t, net, err) < 0)
		goto out;
	t->rel->host_port = port;
	t->rel->container_port = choose_container_port(t, copts.image);
	container_env(t, &env);
	strvec_pushf(&labels, "solum.app=%s", t->app->name);
	strvec_pushf(&labels, "solum.release=%d", t->rel->number);
	strvec_pushf(&labels, "solum.port=%d", port);
	strvec_pushf(&labels, "solum.commit=%s", t->rel->commit);
	copts.name = name;
	copts.env = (const char *const *)env.v;
	copts.labels = (const char *const *)labels.v;
	copts.network = net;
	copts.port = t->rel->container_port;
	copts.host_ip = cfg->local_bind;
	copts.host_port = port;
	copts.restart = "unless-stopped";
	copts.init = 1;
	copts.memory = t->app->memory >= 0 ? t->app->memory : cfg->local_memory;
	copts.pids = t->app->pids >= 0 ? t->app->pids : cfg->local_pids;
	copts.no_new_privileges = 1;
	ret = docker_container_create(t->docker, &copts, id_out, err);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	strvec_clear(&env);
	strvec_clear(&labels);
	free(lock_path);
	free(net);
	return ret;
}

static int local_release(struct target_run *t, struct err *err)
{
	const struct config *cfg = &t->ctx->cfg;
	char *name = xstrfmt("solum-%s-v%d", t->app->name, t->rel->number);
	char *id = NULL;
	int created = 0, public_port = 0, ret = -1;
	struct err e2 = ERR_INIT;

	out_step(t->out, "starting");
	out_printf(t->out, "-----> Starting %s v%d", t->app->name, t->rel->number);
	if (store_app_public_port(t->ctx->store, t->app->name,
				  cfg->public_port_min, cfg->public_port_max,
				  &public_port, err) < 0)
		goto out;
	/* a leftover of an interrupted attempt at this release */
	docker_container_remove(t->docker, name, 1, &e2);
	if (create_container(t, name, &id, err) < 0)
		goto out;
	created = 1;	/* removed on failure from here on */
	free(t->rel->container);
	t->rel->container = xstrdup(name);
	if (docker_container_start(t->docker, id, err) < 0)
		goto out;
	out_printf(t->out, "       container %s: port %d published on %s:%d",
		   name, t->rel->container_port, cfg->local_bind,
		   t->rel->host_port);
	out_test_pause(t->out, "starting");
	if (health_check(t, id, err) < 0)
		goto out;
	out_test_pause(t->out, "health");
	if (is_cancelled(t)) {
		err_set(err, "cancelled");
		goto out;
	}
	/* the swap: new requests go to the new container, then the old stops */
	if (nginx_route(cfg, t->app->name, public_port, cfg->local_bind,
			t->rel->host_port, t->rel->number, err) < 0)
		goto out;
	created = 0;	/* it serves now: keep it */
	out_test_pause(t->out, "swap");
	remove_old(t, name);
	free(t->rel->url);
	t->rel->url = xstrfmt("http://%s:%d/", cfg->public_host, public_port);
	ret = 0;
out:
	t->rel->deploy_ms = (long)(out_now_ms() - t->out->step_ms);
	if (created)
		docker_container_remove(t->docker, name, 1, &e2);
	free(name);
	free(id);
	return ret;
}

/*
 * Remove (forcibly) the app's containers but those of release `keep` (0:
 * every one), each told to `removed` (with `payload`). A container that
 * went away meanwhile is gone as asked.
 */
static int remove_containers(struct docker *d, const char *app, int keep,
			     void (*removed)(const char *name, void *payload),
			     void *payload, struct err *err)
{
	struct docker_container *list = NULL;
	char *label = xstrfmt("solum.app=%s", app);
	size_t nr = 0, i;
	int ret = -1;

	if (docker_container_list(d, label, 1, &list, &nr, err) < 0)
		goto out;
	for (i = 0; i < nr; i++) {
		const char *rel = docker_container_label(&list[i], "solum.release");

		if (rel && keep && strtol(rel, NULL, 10) == keep)
			continue;
		if (docker_container_remove(d, list[i].id, 1, err) < 0 &&
		    err->code != DOCKER_ENOTFOUND)
			goto out;
		removed(list[i].name, payload);
	}
	ret = 0;
out:
	docker_container_list_free(list, nr);
	free(label);
	return ret;
}

static void tell_removed(const char *name, void *payload)
{
	fprintf(payload, "removed container %s\n", name);
}

static int local_destroy(struct ctx *ctx, const struct store_app *a,
			 int purge, FILE *out, struct err *err)
{
	const char *app = a->name;
	struct docker *d = NULL;
	char *net;
	int ret = -1;

	(void)purge;	/* the engine's images go with their releases */
	if (!a->public_port)
		return 0;	/* never deployed here */
	net = network_name(app);
	if (nginx_unroute(&ctx->cfg, app, err) < 0 ||
	    target_docker_open(ctx, &d, err) < 0 ||
	    remove_containers(d, app, 0, tell_removed, out, err) < 0 ||
	    docker_network_remove(d, net, err) < 0)
		goto out;
	ret = 0;
out:
	docker_free(d);
	free(net);
	return ret;
}

static void log_removed(const char *name, void *payload)
{
	log_info("app '%s': removed container %s of an interrupted deploy",
		 (const char *)payload, name);
}

static int local_recover(struct ctx *ctx, const char *app, int serving,
			 struct err *err)
{
	struct docker *d = NULL;
	struct store_release rel;
	struct store_app a;
	int ret = -1, rc;

	store_release_init(&rel);
	store_app_init(&a);
	nginx_clean_temp(&ctx->cfg, app);
	if (target_docker_open(ctx, &d, err) < 0 ||
	    remove_containers(d, app, serving, log_removed, (void *)app,
			      err) < 0)
		goto out;
	rc = store_app_get(ctx->store, app, &a, err);
	if (rc < 0)
		goto out;
	if (rc == 1 || !a.public_port) {
		ret = 0;
		goto out;
	}
	/* the front may point at the dead release: point it back */
	if (serving > 0) {
		rc = store_release_get(ctx->store, app, serving, &rel, err);
		if (rc < 0)
			goto out;
		if (rc == 0 && rel.host_port &&
		    nginx_route(&ctx->cfg, app, a.public_port,
				ctx->cfg.local_bind, rel.host_port, serving,
				err) < 0)
			goto out;
	} else if (nginx_unroute(&ctx->cfg, app, err) < 0) {
		goto out;
	}
	ret = 0;
out:
	docker_free(d);
	store_release_release(&rel);
	store_app_release(&a);
	return ret;
}

static void local_describe(struct ctx *ctx, const struct store_app *app,
			   char *line, size_t size)
{
	struct store_app a;
	struct store_release ok;
	struct err e = ERR_INIT;
	int release = 0;
	long status;

	store_app_init(&a);
	store_release_init(&ok);
	if (store_app_get(ctx->store, app->name, &a, &e) != 0 ||
	    !a.public_port ||
	    store_release_latest(ctx->store, app->name, "succeeded", &ok,
				 &e) != 0) {
		snprintf(line, size, "nothing of %s is running yet", app->name);
		goto out;
	}
	status = nginx_answer(&ctx->cfg, a.public_port, &release, &e);
	if (status < 0)
		snprintf(line, size, "nothing answers at http://%s:%d/ (%s)",
			 ctx->cfg.public_host, a.public_port, e.msg);
	else if (release && status < 500)
		snprintf(line, size, "%s v%d is still serving at http://%s:%d/",
			 app->name, release, ctx->cfg.public_host,
			 a.public_port);
	else
		snprintf(line, size, "http://%s:%d/ answers %ld: no release of %s is serving",
			 ctx->cfg.public_host, a.public_port, status,
			 app->name);
out:
	store_release_release(&ok);
	store_app_release(&a);
}

const struct target local_target = {
	.name = "local",
	.release = local_release,
	.recover = local_recover,
	.destroy = local_destroy,
	.describe = local_describe,
};
