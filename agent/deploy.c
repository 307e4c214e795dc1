/* deploy: the pipeline steps (build, push, run), releases and rollback */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deploy.h"
#include "docker.h"
#include "http.h"
#include "log.h"
#include "nginx.h"
#include "proc.h"
#include "repo.h"
#include "tarstream.h"

#define LINE_MAX_OUT 4096	/* one line to the pusher, at most */

static volatile sig_atomic_t cancelled;

static void on_cancel(int sig)
{
	(void)sig;
	cancelled = 1;
}

/*
 * What the pusher sees: each line goes to the pusher (until it hangs up)
 * and to the release log, flushed as it is written.
 */
struct out {
	FILE *client;
	FILE *log;
	long long last_ms;	/* when the last line went out */
	long long step_ms;	/* when the current step began */
	const char *step;	/* "building", ... for progress lines */
	int interval_ms;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void out_write(struct out *o, const char *line)
{
	char safe[LINE_MAX_OUT];
	size_t i, n = 0;

	/* one line, no control characters (build output is untrusted) */
	for (i = 0; line[i] && n + 1 < sizeof(safe); i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\r' || c == '\n')
			continue;
		safe[n++] = (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c;
	}
	safe[n] = '\0';
	if (o->client) {
		if (fprintf(o->client, "%s\n", safe) < 0 ||
		    fflush(o->client) == EOF) {
			/* the pusher hung up: carry on for the log */
			o->client = NULL;
		}
	}
	if (o->log) {
		fprintf(o->log, "%s\n", safe);
		fflush(o->log);
	}
	o->last_ms = now_ms();
}

static void outf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void outf(struct out *o, const char *fmt, ...)
{
	char line[LINE_MAX_OUT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	out_write(o, line);
}

static void step_begin(struct out *o, const char *step)
{
	o->step = step;
	o->step_ms = now_ms();
}

static double step_secs(const struct out *o)
{
	return (double)(now_ms() - o->step_ms) / 1000.0;
}

/* docker_out callbacks: relay lines indented, keep silent steps chatty */
static void relay_line(const char *line, void *payload)
{
	struct out *o = payload;

	if (!*line)
		return;
	outf(o, "       %s", line);
}

static int relay_tick(void *payload, struct err *err)
{
	struct out *o = payload;
	long long now = now_ms();

	if (cancelled)
		return err_set(err, "cancelled");
	if (now - o->last_ms >= o->interval_ms)
		outf(o, "       ... still %s (%.0fs)", o->step ? o->step : "working",
		     (double)(now - o->step_ms) / 1000.0);
	return 0;
}

/* Sleep `ms` in small slices, printing progress; -1 if cancelled. */
static int wait_ms(struct out *o, long ms, struct err *err)
{
	long long end = now_ms() + ms;

	long long left;

	while ((left = end - now_ms()) > 0) {
		struct timespec ts = { 0, (left < 100 ? left : 100) * 1000000L };

		if (relay_tick(o, err) < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

char *deploy_log_path(const char *home, const char *app, int number)
{
	return xstrfmt("%s/logs/%s/v%d.log", home, app, number);
}

static FILE *open_log(const char *home, const char *app, int number,
		      struct err *err)
{
	char *dir = xstrfmt("%s/logs/%s", home, app);
	char *path = deploy_log_path(home, app, number);
	FILE *f = NULL;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		err_errno(err, "cannot create '%s'", dir);
	else if (!(f = fopen(path, "ae")))
		err_errno(err, "cannot write release log '%s'", path);
	free(dir);
	free(path);
	return f;
}

/* ---- locking ---- */

/*
 * The app's lock: flock on <home>/run/<app>.lock, which the kernel drops
 * when its holder dies, so there are no stale locks. Returns the fd.
 */
static int lock_app(struct ctx *ctx, const char *app, struct out *o,
		    int number, struct err *err)
{
	char *path = xstrfmt("%s/run/%s.lock", ctx->home, app);
	int fd, waited = 0;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		err_errno(err, "cannot open lock '%s'", path);
		free(path);
		return -1;
	}
	free(path);
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			err_errno(err, "lock app '%s'", app);
			close(fd);
			return -1;
		}
		if (!waited) {
			int running = 0;
			long pid = 0;
			struct err e2 = ERR_INIT;

			deploy_active(ctx, app, &running, &pid, &e2);
			if (running)
				outf(o, "-----> Waiting for %s v%d to finish deploying (v%d is queued)",
				     app, running, number);
			else
				outf(o, "-----> Waiting for another deploy of %s to finish (v%d is queued)",
				     app, number);
			step_begin(o, "waiting");
			waited = 1;
		}
		if (wait_ms(o, 200, err) < 0) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

struct active_state {
	int number;
	long pid;
};

static int find_active(const struct store_release *r, void *payload)
{
	struct active_state *a = payload;

	if (!strcmp(r->status, "building") || !strcmp(r->status, "pushing") ||
	    !strcmp(r->status, "deploying")) {
		a->number = r->number;
		a->pid = r->pid;
		return 1;
	}
	return 0;
}

int deploy_active(struct ctx *ctx, const char *app, int *number_out,
		  long *pid_out, struct err *err)
{
	struct active_state a = { 0, 0 };

	/* one runs at a time, so it is among the newest few */
	if (store_release_list(ctx->store, app, 50, find_active, &a, err) < 0)
		return -1;
	*number_out = a.number;
	*pid_out = a.pid;
	return 0;
}

/* ---- revision and build key ---- */

static int git_fail(struct err *err, const char *what)
{
	const git_error *e = git_error_last();

	return err_set(err, "%s: %s", what,
		       e && e->message ? e->message : "libgit2 error");
}

/*
 * Open an app's repository. In a pre-receive hook (gate mode) the pushed
 * objects are still in git's quarantine directory, which git names in
 * GIT_QUARANTINE_PATH: it is added as an alternate so they can be read.
 */
static int open_repo(const char *home, const char *name,
		     git_repository **out, struct err *err)
{
	char *path = repo_path(home, name);
	const char *q = getenv("GIT_QUARANTINE_PATH");
	git_odb *odb = NULL;
	int ret = -1;

	*out = NULL;
	if (repo_git_init(err) < 0)
		goto out;
	if (git_repository_open_bare(out, path) < 0) {
		git_fail(err, "open repository");
		err_wrap(err, "repository '%s'", name);
		goto out;
	}
	if (q && *q && (git_repository_odb(&odb, *out) < 0 ||
			git_odb_add_disk_alternate(odb, q) < 0)) {
		git_fail(err, "read the pushed objects");
		err_wrap(err, "repository '%s'", name);
		git_repository_free(*out);
		*out = NULL;
		goto out;
	}
	ret = 0;
out:
	git_odb_free(odb);
	free(path);
	return ret;
}

static int resolve_rev(const char *home, const struct store_app *app,
		       const char *rev, char commit_out[41], char tree_out[41],
		       struct err *err)
{
	git_repository *repo = NULL;
	git_object *obj = NULL;
	git_commit *commit = NULL;
	char *spec = NULL;
	int ret = -1;

	if (open_repo(home, app->repo, &repo, err) < 0)
		goto out;
	spec = rev ? xstrdup(rev) : xstrfmt("refs/heads/%s", app->branch);
	if (strlen(spec) > 256 || spec[0] == '-') {
		err_set(err, "invalid revision '%.64s'", spec);
		goto out;
	}
	if (git_revparse_single(&obj, repo, spec) < 0 ||
	    git_object_peel((git_object **)&commit, obj, GIT_OBJECT_COMMIT) < 0) {
		err_set(err, "revision '%s' not found in repository '%s'%s",
			spec, app->repo, rev ? "" : " (push the branch first)");
		goto out;
	}
	git_oid_tostr(commit_out, 41, git_commit_id(commit));
	git_oid_tostr(tree_out, 41, git_commit_tree_id(commit));
	ret = 0;
out:
	git_commit_free(commit);
	git_object_free(obj);
	git_repository_free(repo);
	free(spec);
	return ret;
}

/* ---- queueing ---- */

int deploy_queue(struct ctx *ctx, const struct store_app *app,
		 const struct deploy_opts *opts, int *number_out,
		 struct err *err)
{
	struct store_release r, src;
	char commit[41], tree[41];
	int ret = -1;

	store_release_init(&r);
	store_release_init(&src);
	if (opts->rollback_of > 0) {
		int rc = store_release_get(ctx->store, app->name,
					   opts->rollback_of, &src, err);

		if (rc < 0)
			goto out;
		if (rc == 1) {
			err_set(err, "app '%s' has no release v%d", app->name,
				opts->rollback_of);
			goto out;
		}
		if (!src.image_id) {
			err_set(err, "release v%d of '%s' has no image to roll back to",
				opts->rollback_of, app->name);
			goto out;
		}
		r.commit = xstrdup(src.commit);
		r.tree = xstrdup(src.tree);
		r.build_key = xstrdup(src.build_key);
		r.source = src.number;
	} else {
		if (resolve_rev(ctx->home, app, opts->rev, commit, tree, err) < 0)
			goto out;
		r.commit = xstrdup(commit);
		r.tree = xstrdup(tree);
		/* same tree and Dockerfile path: same image */
		r.build_key = xstrfmt("%s:%s", tree, app->dockerfile);
	}
	r.app = xstrdup(app->name);
	r.pusher = xstrdup(opts->pusher ? opts->pusher : "local");
	r.pid = (long)getpid();
	if (store_release_create(ctx->store, &r, err) < 0)
		goto out;
	*number_out = r.number;
	ret = 0;
out:
	store_release_release(&r);
	store_release_release(&src);
	return ret;
}

/* ---- the steps ---- */

/* Everything one run of the pipeline holds. */
struct run {
	struct ctx *ctx;
	const struct store_app *app;
	struct store_release rel;
	struct out out;
	struct docker *docker;
	char short_commit[8];
	char *new_container;	/* created by this run; removed on failure */
	int public_port;
};

static int save(struct run *r, const char *status, struct err *err)
{
	if (status) {
		free(r->rel.status);
		r->rel.status = xstrdup(status);
	}
	return store_release_update(r->ctx->store, &r->rel, err);
}

static ssize_t tar_read(void *buf, size_t len, void *payload, struct err *err)
{
	return tarstream_read(payload, buf, len, err);
}

static void tar_warn(const char *msg, void *payload)
{
	outf(payload, "       warning: %s", msg);
}

static char *image_name(const struct run *r)
{
	const struct config *cfg = &r->ctx->cfg;

	if (cfg->registry)
		return xstrfmt("%s/%s:v%d", cfg->registry, r->app->name,
			       r->rel.number);
	return xstrfmt("solum/%s:v%d", r->app->name, r->rel.number);
}

static void registry_auth(const struct config *cfg, struct docker_auth *auth,
			  struct docker_auth *stored, int *have_stored)
{
	struct err e = ERR_INIT;

	*have_stored = 0;
	memset(auth, 0, sizeof(*auth));
	if (!cfg->registry)
		return;
	if (cfg->registry_username) {
		auth->username = cfg->registry_username;
		auth->password = cfg->registry_password ? cfg->registry_password : "";
		auth->serveraddress = cfg->registry;
	} else if (docker_registry_auth_from_config(NULL, cfg->registry,
						    stored, &e) == 0) {
		*auth = *stored;
		*have_stored = 1;
	}
}

/*
 * The engine lost a release's image (pruned): get it back from the
 * registry by the digest that was pushed.
 */
static int pull_release(struct run *r, const struct store_release *prev,
			struct err *err)
{
	struct docker_auth auth, stored;
	struct docker_out dout = { relay_line, relay_tick, &r->out };
	char *name = NULL, *tag = NULL, *ref = NULL;
	int have_stored, ret = -1;

	if (!prev->image || !prev->digest || !r->ctx->cfg.registry)
		return err_set(err, "the image of v%d (%s) is no longer in the Docker engine and was never pushed to a registry",
			       prev->number, prev->image_id);
	docker_split_ref(prev->image, &name, &tag);
	ref = xstrfmt("%s@%s", name, prev->digest);
	outf(&r->out, "-----> Pulling the image of v%d from %s", prev->number, ref);
	registry_auth(&r->ctx->cfg, &auth, &stored, &have_stored);
	if (docker_pull(r->docker, ref, auth.username ? &auth : NULL, &dout,
			err) < 0 ||
	    docker_image_tag(r->docker, ref, prev->image, err) < 0)
		goto out;
	ret = 0;
out:
	if (have_stored)
		docker_auth_release(&stored);
	free(name);
	free(tag);
	free(ref);
	return ret;
}

/*
 * Reuse the image of an earlier release built from the same tree when the
 * engine still has it. 1 if reused, 0 if a build is needed, -1 on error.
 */
static int try_reuse(struct run *r, struct err *err)
{
	struct store_release prev;
	struct docker_image img;
	struct err e2 = ERR_INIT;
	int rc, source = r->rel.source;

	store_release_init(&prev);
	if (source > 0)
		rc = store_release_get(r->ctx->store, r->app->name, source,
				       &prev, err);
	else
		rc = store_release_find_build(r->ctx->store, r->app->name,
					      r->rel.build_key, &prev, err);
	if (rc < 0)
		return -1;
	if (rc == 1 || !prev.image_id) {
		store_release_release(&prev);
		if (source > 0)
			return err_set(err, "release v%d has no image", source);
		return 0;
	}
	docker_image_init(&img);
	rc = docker_image_inspect(r->docker, prev.image_id, &img, &e2);
	docker_image_release(&img);
	if (rc < 0) {
		if (e2.code != DOCKER_ENOTFOUND) {
			*err = e2;
			store_release_release(&prev);
			return -1;
		}
		if (source > 0 && pull_release(r, &prev, err) < 0) {
			store_release_release(&prev);
			return -1;
		}
		if (source > 0)
			goto reuse;
		store_release_release(&prev);
		return 0;
	}
reuse:
	if (source > 0)
		outf(&r->out, "-----> Rolling back %s to v%d (%.7s): reusing its image",
		     r->app->name, source, r->rel.commit);
	else
		outf(&r->out, "-----> Reusing the image of v%d: tree %.7s was built before",
		     prev.number, r->rel.tree);
	free(r->rel.image_id);
	r->rel.image_id = xstrdup(prev.image_id);
	r->rel.source = prev.number;
	store_release_release(&prev);
	return 1;
}

static int step_build(struct run *r, struct err *err)
{
	git_repository *repo = NULL;
	struct tarstream *ts = NULL;
	struct tarstream_opts topts = { 0 };
	struct docker_build_opts bopts = { 0 };
	struct docker_out dout = { relay_line, relay_tick, &r->out };
	char *tag = NULL;
	char *label_app = NULL, *label_commit = NULL, *image_id = NULL;
	const char *labels[3];
	size_t files = 0;
	uint64_t bytes = 0;
	int rc, ret = -1;

	step_begin(&r->out, "building");
	rc = try_reuse(r, err);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		ret = 0;
		goto out;
	}
	outf(&r->out, "-----> Building %s (%s)", r->app->name, r->short_commit);
	if (open_repo(r->ctx->home, r->app->repo, &repo, err) < 0)
		goto out;
	topts.dockerfile = r->app->dockerfile;
	topts.warn = tar_warn;
	topts.payload = &r->out;
	if (tarstream_new(repo, r->rel.commit, &topts, &ts, err) < 0)
		goto out;
	tag = image_name(r);
	label_app = xstrfmt("solum.app=%s", r->app->name);
	label_commit = xstrfmt("solum.commit=%s", r->rel.commit);
	labels[0] = label_app;
	labels[1] = label_commit;
	labels[2] = NULL;
	bopts.tag = tag;
	bopts.dockerfile = r->app->dockerfile;
	bopts.labels = labels;
	bopts.timeout_secs = r->ctx->cfg.build_timeout;
	bopts.read = tar_read;
	bopts.read_payload = ts;
	if (docker_build(r->docker, &bopts, &dout, &image_id, err) < 0) {
		if (!cancelled)
			err_wrap(err, "build");
		goto out;
	}
	tarstream_stats(ts, &files, &bytes);
	free(r->rel.image_id);
	r->rel.image_id = image_id;
	image_id = NULL;
	free(r->rel.image);
	r->rel.image = tag;
	tag = NULL;
	outf(&r->out, "-----> Built %.19s in %.1fs (context: %zu files, %.1f MiB)",
	     r->rel.image_id, step_secs(&r->out), files,
	     (double)bytes / (1024.0 * 1024.0));
	ret = 0;
out:
	r->rel.build_ms = (long)(now_ms() - r->out.step_ms);
	tarstream_free(ts);
	git_repository_free(repo);
	free(tag);
	free(label_app);
	free(label_commit);
	free(image_id);
	return ret;
}

static int step_push(struct run *r, struct err *err)
{
	const struct config *cfg = &r->ctx->cfg;
	struct docker_auth auth, stored;
	struct docker_out dout = { relay_line, relay_tick, &r->out };
	char *ref = image_name(r), *digest = NULL;
	int have_stored = 0, ret = -1;

	step_begin(&r->out, "pushing");
	/* the image gets this release's name, built now or reused */
	if (docker_image_tag(r->docker, r->rel.image_id, ref, err) < 0)
		goto out;
	free(r->rel.image);
	r->rel.image = xstrdup(ref);
	if (!cfg->registry) {
		ret = 0;
		goto out;
	}
	registry_auth(cfg, &auth, &stored, &have_stored);
	outf(&r->out, "-----> Pushing %s", ref);
	if (docker_push(r->docker, ref, auth.username ? &auth : NULL,
			&dout, &digest, err) < 0)
		goto out;
	free(r->rel.digest);
	r->rel.digest = digest;
	outf(&r->out, "-----> Pushed %s@%s in %.1fs", ref,
	     digest ? digest : "?", step_secs(&r->out));
	ret = 0;
out:
	r->rel.push_ms = (long)(now_ms() - r->out.step_ms);
	if (have_stored)
		docker_auth_release(&stored);
	free(ref);
	return ret;
}

/* Bad registry credentials fail the release before the build, not after. */
static int check_registry(struct run *r, struct err *err)
{
	struct docker_auth auth, stored;
	int have_stored, ret = 0;

	registry_auth(&r->ctx->cfg, &auth, &stored, &have_stored);
	if (auth.username && docker_auth_check(r->docker, &auth, err) < 0)
		ret = err_wrap(err, "registry");
	if (have_stored)
		docker_auth_release(&stored);
	return ret;
}

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
static int pick_port(struct run *r, int *port_out, struct err *err)
{
	const struct config *cfg = &r->ctx->cfg;
	struct docker_container *list = NULL;
	size_t nr = 0, i;
	int span = cfg->local_port_max - cfg->local_port_min + 1, k;

	if (docker_container_list(r->docker, "solum.port", 1, &list, &nr,
				  err) < 0)
		return -1;
	for (k = 0; k < span; k++) {
		int port = cfg->local_port_min +
			   (int)(((unsigned)getpid() + (unsigned)r->rel.number * 7u +
				  (unsigned)k) % (unsigned)span);
		int taken = 0;

		for (i = 0; i < nr && !taken; i++) {
			const char *p = docker_container_label(&list[i], "solum.port");

			taken = p && atoi(p) == port;
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

static int health_check(struct run *r, const char *id, struct err *err)
{
	const struct config *cfg = &r->ctx->cfg;
	char *base = xstrfmt("http://%s:%d", cfg->local_bind, r->rel.host_port);
	struct http *h = NULL;
	long long deadline = now_ms() + (long long)cfg->health_timeout * 1000;
	long status = 0;
	int ret = -1, n = 0;

	if (http_new(base, &h, err) < 0)
		goto out;
	http_set_retries(h, 0, 0);
	http_set_timeouts(h, 2, 5);
	for (;;) {
		if (health_once(h, r->app->health_path, &status)) {
			outf(&r->out, "       %s answered %ld after %.1fs",
			     r->app->health_path, status, step_secs(&r->out));
			ret = 0;
			break;
		}
		/* a container that exited will not come back */
		if (++n % 4 == 0) {
			struct docker_container c;
			struct err e2 = ERR_INIT;

			docker_container_init(&c);
			if (docker_container_inspect(r->docker, id, &c, &e2) == 0 &&
			    !c.running) {
				struct buf logs = BUF_INIT;
				char *nl, *line;

				err_set(err, "the new container exited (code %d) before answering on %s",
					c.exit_code, r->app->health_path);
				if (docker_container_logs(r->docker, id, 5, &logs,
							  &e2) == 0) {
					for (line = logs.ptr; *line; line = nl + 1) {
						nl = strchrnul(line, '\n');
						if (nl > line)
							outf(&r->out, "       | %.*s",
							     (int)(nl - line), line);
						if (!*nl)
							break;
					}
				}
				buf_release(&logs);
				docker_container_release(&c);
				break;
			}
			docker_container_release(&c);
		}
		if (now_ms() >= deadline) {
			if (status)
				err_set(err, "health check: %s answered %ld, not 2xx, for %ds",
					r->app->health_path, status, cfg->health_timeout);
			else
				err_set(err, "health check: nothing answered on %s:%d%s within %ds",
					cfg->local_bind, r->rel.host_port,
					r->app->health_path, cfg->health_timeout);
			break;
		}
		/* most apps answer within a few hundred ms: poll fast at first */
		if (wait_ms(&r->out, n < 3 ? 50L << n : 250, err) < 0)
			break;
	}
out:
	http_free(h);
	free(base);
	return ret;
}

/* Environment of the container: the app's params, then solum's own. */
static void container_env(struct run *r, struct strvec *env)
{
	json_t *params = json_loads(r->app->params ? r->app->params : "{}", 0,
				    NULL);
	const char *k;
	json_t *v;

	json_object_foreach(params, k, v)
		if (json_is_string(v))
			strvec_pushf(env, "%s=%s", k, json_string_value(v));
	json_decref(params);
	strvec_pushf(env, "PORT=%d", r->rel.host_port);
	strvec_pushf(env, "SOLUM_APP=%s", r->app->name);
	strvec_pushf(env, "SOLUM_RELEASE=v%d", r->rel.number);
	strvec_pushf(env, "SOLUM_COMMIT=%s", r->rel.commit);
}

/* Stop and remove the app's containers other than `keep`. */
static void remove_old(struct run *r, const char *keep)
{
	struct docker_container *list = NULL;
	char *label = xstrfmt("solum.app=%s", r->app->name);
	struct err e = ERR_INIT;
	size_t nr = 0, i;

	if (docker_container_list(r->docker, label, 1, &list, &nr, &e) < 0) {
		outf(&r->out, "       warning: cannot list old containers: %s", e.msg);
		free(label);
		return;
	}
	for (i = 0; i < nr; i++) {
		if (keep && (!strcmp(list[i].name, keep) || !strcmp(list[i].id, keep)))
			continue;
		if (docker_container_stop(r->docker, list[i].id, 10, &e) < 0 ||
		    docker_container_remove(r->docker, list[i].id, 1, &e) < 0)
			outf(&r->out, "       warning: cannot remove %s: %s",
			     list[i].name, e.msg);
		else
			outf(&r->out, "       stopped %s", list[i].name);
	}
	docker_container_list_free(list, nr);
	free(label);
}

static int step_run(struct run *r, struct err *err)
{
	const struct config *cfg = &r->ctx->cfg;
	struct docker_container_opts copts = { 0 };
	struct strvec env = STRVEC_INIT, labels = STRVEC_INIT;
	char *name = xstrfmt("solum-%s-v%d", r->app->name, r->rel.number);
	char *id = NULL, *lock_path = xstrfmt("%s/run/ports.lock", r->ctx->home);
	int lock_fd = -1, port = 0, ret = -1;
	struct err e2 = ERR_INIT;

	step_begin(&r->out, "starting");
	outf(&r->out, "-----> Starting %s v%d", r->app->name, r->rel.number);
	if (store_app_public_port(r->ctx->store, r->app->name,
				  cfg->public_port_min, cfg->public_port_max,
				  &r->public_port, err) < 0)
		goto out;
	/* a leftover of an interrupted attempt at this release */
	docker_container_remove(r->docker, name, 1, &e2);

	/* choosing a port and creating the container that claims it is atomic */
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) < 0) {
		err_errno(err, "lock '%s'", lock_path);
		goto out;
	}
	if (pick_port(r, &port, err) < 0)
		goto out;
	r->rel.host_port = port;
	container_env(r, &env);
	strvec_pushf(&labels, "solum.app=%s", r->app->name);
	strvec_pushf(&labels, "solum.release=%d", r->rel.number);
	strvec_pushf(&labels, "solum.port=%d", port);
	strvec_pushf(&labels, "solum.commit=%s", r->rel.commit);
	copts.name = name;
	copts.image = r->rel.image ? r->rel.image : r->rel.image_id;
	copts.env = (const char *const *)env.v;
	copts.labels = (const char *const *)labels.v;
	copts.network = "host";
	copts.restart = "unless-stopped";
	copts.init = 1;
	if (docker_container_create(r->docker, &copts, &id, err) < 0)
		goto out;
	r->new_container = xstrdup(name);
	free(r->rel.container);
	r->rel.container = xstrdup(name);
	close(lock_fd);
	lock_fd = -1;
	if (docker_container_start(r->docker, id, err) < 0)
		goto out;
	outf(&r->out, "       container %s listens on %s:%d", name,
	     cfg->local_bind, port);
	if (health_check(r, id, err) < 0)
		goto out;
	if (cancelled) {
		err_set(err, "cancelled");
		goto out;
	}
	/* the swap: new requests go to the new container, then the old stops */
	if (nginx_route(cfg, r->app->name, r->public_port, cfg->local_bind,
			port, r->rel.number, err) < 0)
		goto out;
	free(r->new_container);
	r->new_container = NULL;	/* it serves now: keep it */
	remove_old(r, name);
	free(r->rel.url);
	r->rel.url = xstrfmt("http://%s:%d/", cfg->public_host, r->public_port);
	ret = 0;
out:
	r->rel.deploy_ms = (long)(now_ms() - r->out.step_ms);
	if (lock_fd >= 0)
		close(lock_fd);
	strvec_clear(&env);
	strvec_clear(&labels);
	free(lock_path);
	free(name);
	free(id);
	return ret;
}

/*
 * Keep the engine's copies of the images of the newest keep_releases
 * releases; drop the names of older ones (the registry keeps them, and a
 * rollback pulls them back). An image another name still uses stays.
 */
struct prune_state {
	struct run *r;
	int seen;
};

static int prune_one(const struct store_release *rel, void *payload)
{
	struct prune_state *ps = payload;
	struct err e = ERR_INIT;

	if (!rel->image)
		return 0;
	if (++ps->seen <= ps->r->ctx->cfg.keep_releases)
		return 0;
	if (docker_image_remove(ps->r->docker, rel->image, 0, &e) == 0)
		log_debug("pruned image %s", rel->image);
	return 0;
}

static void prune_images(struct run *r)
{
	struct prune_state ps = { r, 0 };
	struct err e = ERR_INIT;

	store_release_list(r->ctx->store, r->app->name, 0, prune_one, &ps, &e);
}

int deploy_destroy(struct ctx *ctx, const char *app, FILE *out,
		   struct err *err)
{
	struct docker *d = NULL;
	struct docker_container *list = NULL;
	char *label = xstrfmt("solum.app=%s", app);
	size_t nr = 0, i;
	int ret = -1;

	if (nginx_unroute(&ctx->cfg, app, err) < 0)
		goto out;
	if (docker_open(ctx->cfg.docker_host, &(struct docker_tls){
			ctx->cfg.docker_tls_verify, ctx->cfg.docker_cert_path },
			&d, err) < 0 ||
	    docker_container_list(d, label, 1, &list, &nr, err) < 0)
		goto out;
	for (i = 0; i < nr; i++) {
		if (docker_container_remove(d, list[i].id, 1, err) < 0)
			goto out;
		fprintf(out, "removed container %s\n", list[i].name);
	}
	ret = 0;
out:
	docker_container_list_free(list, nr);
	docker_free(d);
	free(label);
	return ret;
}

/* ---- the pipeline ---- */

static void install_signals(struct sigaction *old_term, struct sigaction *old_int,
			    struct sigaction *old_pipe, struct sigaction *old_hup)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_cancel;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, old_term);
	sigaction(SIGINT, &sa, old_int);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, old_pipe);
	sigaction(SIGHUP, &sa, old_hup);
}

static void restore_signals(struct sigaction *old_term, struct sigaction *old_int,
			    struct sigaction *old_pipe, struct sigaction *old_hup)
{
	sigaction(SIGTERM, old_term, NULL);
	sigaction(SIGINT, old_int, NULL);
	sigaction(SIGPIPE, old_pipe, NULL);
	sigaction(SIGHUP, old_hup, NULL);
}

int deploy_run(struct ctx *ctx, const struct store_app *app,
	       const struct deploy_opts *opts, int *number_out,
	       struct err *err)
{
	struct sigaction ot, oi, op, oh;
	struct run r;
	struct err e2 = ERR_INIT;
	int number = opts->release, lock_fd = -1, rc, newest = 0, ret = -1;
	int prev_ok = 0;
	long long t0 = now_ms();

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	r.app = app;
	r.out.client = opts->out;
	r.out.interval_ms = ctx->cfg.progress_interval * 1000;
	r.out.last_ms = now_ms();
	store_release_init(&r.rel);
	cancelled = 0;
	install_signals(&ot, &oi, &op, &oh);

	if (!number && deploy_queue(ctx, app, opts, &number, err) < 0) {
		outf(&r.out, "-----> %s: %s", app->name, err->msg);
		goto done;
	}
	*number_out = number;
	rc = store_release_get(ctx->store, app->name, number, &r.rel, err);
	if (rc != 0) {
		if (rc == 1)
			err_set(err, "app '%s' has no release v%d", app->name, number);
		goto done;
	}
	if (strcmp(r.rel.status, "queued")) {
		err_set(err, "release v%d of '%s' is %s, not queued", number,
			app->name, r.rel.status);
		goto done;
	}
	r.out.log = open_log(ctx->home, app->name, number, err);
	if (!r.out.log)
		goto done;
	snprintf(r.short_commit, sizeof(r.short_commit), "%.7s", r.rel.commit);
	r.rel.pid = (long)getpid();
	if (save(&r, NULL, err) < 0)
		goto done;

	lock_fd = lock_app(ctx, app->name, &r.out, number, err);
	if (lock_fd < 0)
		goto fail;
	/* we hold the lock: whatever still looks active was interrupted */
	if (store_release_fail_stale(ctx->store, app->name, number,
				     "interrupted: its process ended", err) < 0)
		goto fail;
	/* only the newest push is deployed: older ones that waited give way */
	if (store_release_newer(ctx->store, app->name, number, &newest, err) < 0)
		goto fail;
	if (newest > number) {
		outf(&r.out, "-----> %s v%d (%s) superseded by v%d, a newer push: not deployed",
		     app->name, number, r.short_commit, newest);
		r.rel.finished = time(NULL);
		if (save(&r, "superseded", err) < 0)
			goto fail;
		ret = 0;
		goto done;
	}
	{
		struct store_release cur;

		prev_ok = store_release_latest(ctx->store, app->name, "succeeded",
					       &cur, &e2) == 0 ? cur.number : 0;
		store_release_release(&cur);
	}
	r.rel.started = time(NULL);
	if (save(&r, "building", err) < 0)
		goto fail;
	if (docker_open(ctx->cfg.docker_host, &(struct docker_tls){
			ctx->cfg.docker_tls_verify, ctx->cfg.docker_cert_path },
			&r.docker, err) < 0 ||
	    docker_ping(r.docker, err) < 0) {
		err_wrap(err, "Docker engine");
		goto fail;
	}
	if (check_registry(&r, err) < 0 || step_build(&r, err) < 0)
		goto fail;
	if (save(&r, "pushing", err) < 0 || step_push(&r, err) < 0)
		goto fail;
	if (save(&r, "deploying", err) < 0 || step_run(&r, err) < 0)
		goto fail;
	r.rel.finished = time(NULL);
	free(r.rel.error);
	r.rel.error = NULL;
	if (save(&r, "succeeded", err) < 0)
		goto fail;
	outf(&r.out, "-----> %s v%d is running at %s (%.1fs)", app->name, number,
	     r.rel.url, (double)(now_ms() - t0) / 1000.0);
	prune_images(&r);
	ret = 0;
	goto done;
fail:
	if (r.new_container && r.docker) {
		docker_container_remove(r.docker, r.new_container, 1, &e2);
	}
	if (cancelled)
		err_set(err, "cancelled by request (solum cancel)");
	free(r.rel.error);
	r.rel.error = xstrdup(err->msg);
	r.rel.finished = time(NULL);
	if (r.rel.app) {
		struct err e3 = ERR_INIT;

		free(r.rel.status);
		r.rel.status = xstrdup(cancelled ? "cancelled" : "failed");
		store_release_update(ctx->store, &r.rel, &e3);
	}
	outf(&r.out, " !     %s v%d %s: %s", app->name, number,
	     r.rel.status ? r.rel.status : "failed", err->msg);
	if (prev_ok)
		outf(&r.out, " !     %s v%d is still serving; fix the problem and push again (log: solum logs %s %d)",
		     app->name, prev_ok, app->name, number);
	else
		outf(&r.out, " !     nothing of %s is running yet; fix the problem and push again (log: solum logs %s %d)",
		     app->name, app->name, number);
done:
	if (lock_fd >= 0)
		close(lock_fd);
	if (r.out.log)
		fclose(r.out.log);
	docker_free(r.docker);
	free(r.new_container);
	store_release_release(&r.rel);
	restore_signals(&ot, &oi, &op, &oh);
	return ret;
}

int deploy_spawn_detached(struct ctx *ctx, const char *app, int number,
			  struct err *err)
{
	static const char *const keep[] = {
		"PATH", "DOCKER_HOST", "DOCKER_CONFIG", "HOME", "ASAN_OPTIONS",
		"UBSAN_OPTIONS", "LSAN_OPTIONS", "SOLUM_USER", NULL
	};
	struct proc p;

	proc_init(&p);
	strvec_pushl(&p.args, ctx->self, "--home", ctx->home, "deploy", app,
		     "--release", NULL);
	strvec_pushf(&p.args, "%d", number);
	proc_env_allow(&p, keep);
	p.in = PROC_NULL;
	p.out = PROC_NULL;
	p.err = PROC_NULL;
	p.new_session = 1;
	if (proc_start(&p, err) < 0) {
		proc_release(&p);
		return -1;
	}
	/* not waited for: it outlives us; init reaps it */
	proc_release(&p);
	return 0;
}
