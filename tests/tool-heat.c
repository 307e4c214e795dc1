/* tool-heat: test-tool heat, the heat module against a real Heat */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clouds.h"
#include "heat.h"
#include "keystone.h"
#include "out.h"
#include "strvec.h"
#include "template.h"
#include "test-tool.h"

extern char **environ;

static const char heat_usage[] =
	"usage: test-tool heat CLOUD deploy STACK TEMPLATE [--param K=V]...\n"
	"           [--hidden NAME]... [--timeout MINS] [--tags T]\n"
	"           [--interval MS]\n"
	"       test-tool heat CLOUD get STACK\n"
	"       test-tool heat CLOUD delete STACK [--timeout SECS]\n"
	"  Events and outputs go to stdout as they come; SIGTERM or SIGINT\n"
	"  cancels a deploy. Parameters the template marks hidden are hidden\n"
	"  as well as the --hidden ones.\n";

static volatile sig_atomic_t cancelled;

static void on_signal(int sig)
{
	cancelled = 1;
}

struct opts {
	const char *cloud, *cmd, *stack, *template, *tags;
	json_t *params;
	struct strvec hidden;
	long timeout;
	int interval_ms;
};

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	if (argc < 4)
		return -1;
	o->cloud = argv[1];
	o->cmd = argv[2];
	o->stack = argv[3];
	i = 4;
	if (!strcmp(o->cmd, "deploy")) {
		if (argc < 5)
			return -1;
		o->template = argv[i++];
	} else if (strcmp(o->cmd, "get") && strcmp(o->cmd, "delete")) {
		return -1;
	}
	for (; i < argc; i++) {
		const char *eq;

		if (!strcmp(argv[i], "--param") && i + 1 < argc &&
		    (eq = strchr(argv[i + 1], '='))) {
			char *k = strndup(argv[i + 1], eq - argv[i + 1]);

			json_object_set_new(o->params, k, json_string(eq + 1));
			free(k);
			i++;
		} else if (!strcmp(argv[i], "--hidden") && i + 1 < argc) {
			strvec_push(&o->hidden, argv[++i]);
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			o->timeout = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--tags") && i + 1 < argc) {
			o->tags = argv[++i];
		} else if (!strcmp(argv[i], "--interval") && i + 1 < argc) {
			o->interval_ms = (int)strtol(argv[++i], NULL, 10);
		} else {
			return -1;
		}
	}
	return 0;
}

static int deploy(struct heat *h, struct opts *o, struct out *out,
		  struct err *err)
{
	struct template t = TEMPLATE_INIT;
	struct heat_spec spec;
	struct heat_result r;
	size_t i;
	int ret;

	if (template_load(&t, o->template, err) < 0)
		return -1;
	for (i = 0; i < t.nr; i++)
		if (t.params[i].hidden)
			strvec_push(&o->hidden, t.params[i].name);
	strvec_sort(&o->hidden);
	memset(&spec, 0, sizeof(spec));
	spec.name = o->stack;
	spec.template_text = t.text;
	spec.params = o->params;
	spec.hidden = &o->hidden;
	spec.timeout_mins = o->timeout ? (int)o->timeout : 5;
	spec.tags = o->tags;
	out_step(out, "deploying the stack");
	ret = heat_deploy(h, &spec, out, &r, err);
	printf("status: %s\ncreated: %d\n", r.status ? r.status : "-",
	       r.created);
	if (r.url)
		printf("url: %s\n", r.url);
	heat_result_release(&r);
	template_release(&t);
	return ret;
}

static int get(struct heat *h, const struct opts *o, struct err *err)
{
	struct heat_stack s;
	const char *key;
	json_t *v;

	if (heat_stack_get(h, o->stack, 1, &s, err) < 0)
		return -1;
	printf("name: %s\nstatus: %s\nreason: %s\n", s.name ? s.name : "-",
	       s.status, s.reason ? s.reason : "");
	json_object_foreach(s.outputs, key, v) {
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

		printf("output %s = %s\n", key, text ? text : "?");
		free(text);
	}
	heat_stack_release(&s);
	return 0;
}

static int run(struct keystone *ks, struct opts *o, struct err *err)
{
	struct out out;
	struct heat *h = NULL;
	int ret = -1;

	memset(&out, 0, sizeof(out));
	out.client = stdout;
	out.interval_ms = o->interval_ms > 0 ? o->interval_ms : 5000;
	out.cancelled = &cancelled;
	out.last_ms = out_now_ms();
	out_step(&out, "waiting for heat");
	if (heat_open(ks, &h, err) < 0)
		return -1;
	if (!strcmp(o->cmd, "deploy"))
		ret = deploy(h, o, &out, err);
	else if (!strcmp(o->cmd, "get"))
		ret = get(h, o, err);
	else if (!(ret = heat_stack_delete(h, o->stack,
					   o->timeout ? o->timeout : 120,
					   &out, err)))
		printf("deleted: %s\n", o->stack);
	heat_free(h);
	return ret;
}

int tool_heat(int argc, char **argv)
{
	struct opts o;
	struct clouds_cloud cloud;
	struct strvec dirs = STRVEC_INIT;
	struct keystone *ks = NULL;
	struct err err = ERR_INIT;
	struct sigaction sa;
	int ret = 1;

	memset(&o, 0, sizeof(o));
	o.params = json_object();
	strvec_init(&o.hidden);
	clouds_init(&cloud);
	if (parse(argc, argv, &o) < 0) {
		fputs(heat_usage, stderr);
		ret = 129;
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	clouds_default_dirs((const char *const *)environ, &dirs);
	if (clouds_load(&cloud, o.cloud, (const char *const *)environ,
			(const char *const *)dirs.v, &err) < 0 ||
	    keystone_auth(&cloud, &ks, &err) < 0 ||
	    run(ks, &o, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "test-tool: %s\n", err.msg);
		goto out;
	}
	ret = 0;
out:
	fflush(stdout);
	keystone_free(ks);
	clouds_release(&cloud);
	strvec_clear(&dirs);
	strvec_clear(&o.hidden);
	json_decref(o.params);
	return ret;
}
