/* tool-keystone: test-tool keystone, the clouds and keystone modules */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "clouds.h"
#include "http.h"
#include "keystone.h"
#include "strvec.h"
#include "test-tool.h"

extern char **environ;

static const char keystone_usage[] =
	"usage: test-tool keystone CLOUD [--describe] [--reauth]\n"
	"           [--endpoint TYPE] [--get TYPE PATH]\n"
	"           [--interface I] [--region R]\n"
	"  CLOUD '' is OS_CLOUD, else the OS_* variables; clouds.yaml is\n"
	"  looked for as openstacksdk does. Prints the token's length, never\n"
	"  the token.\n";

struct opts {
	const char *cloud, *endpoint, *get_type, *get_path;
	const char *interface, *region;
	int describe, reauth;
};

static int fail(const struct err *err)
{
	fprintf(stderr, "test-tool: %s\n", err->msg);
	return 1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	if (argc < 2)
		return -1;
	o->cloud = argv[1];
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--describe")) {
			o->describe = 1;
		} else if (!strcmp(argv[i], "--reauth")) {
			o->reauth = 1;
		} else if (!strcmp(argv[i], "--endpoint") && i + 1 < argc) {
			o->endpoint = argv[++i];
		} else if (!strcmp(argv[i], "--get") && i + 2 < argc) {
			o->get_type = argv[++i];
			o->get_path = argv[++i];
		} else if (!strcmp(argv[i], "--interface") && i + 1 < argc) {
			o->interface = argv[++i];
		} else if (!strcmp(argv[i], "--region") && i + 1 < argc) {
			o->region = argv[++i];
		} else {
			return -1;
		}
	}
	return 0;
}

/* "types: identity image orchestration" */
static void print_catalog(const struct keystone *ks)
{
	const struct keystone_catalog *cat = keystone_catalog(ks);
	struct strvec types = STRVEC_INIT;
	size_t i;

	for (i = 0; i < cat->nr; i++)
		strvec_push(&types, cat->v[i].type);
	strvec_sort(&types);
	printf("types:");
	for (i = 0; i < types.nr; i++)
		if (!i || strcmp(types.v[i], types.v[i - 1]))
			printf(" %s", types.v[i]);
	printf("\ntoken-length: %zu\n", keystone_token_len(ks));
	if (keystone_project_id(ks))
		printf("project: %s\n", keystone_project_id(ks));
	printf("expires: %lld\n", (long long)keystone_expires(ks));
	strvec_clear(&types);
}

/* GET PATH on the endpoint of TYPE, with the token; renewed on a 401 */
static int get(struct keystone *ks, const struct opts *o, struct err *err)
{
	struct http_request req;
	struct http_response res;
	struct http *h = NULL;
	char *url = NULL;
	int ret = -1;

	http_response_init(&res);
	if (keystone_endpoint(ks, o->get_type, o->interface, o->region, &url,
			      err) < 0 ||
	    keystone_connect(ks, url, &h, err) < 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.path = o->get_path;
	if (keystone_request(ks, h, &req, &res, err) < 0)
		goto out;
	printf("status: %ld\n", res.status);
	fwrite(res.body.ptr, 1, res.body.len, stdout);
	ret = res.status >= 200 && res.status < 300 ? 0 : 1;
out:
	http_response_release(&res);
	http_free(h);
	free(url);
	return ret;
}

static int run(struct keystone *ks, const struct opts *o, struct err *err)
{
	char *url = NULL;

	print_catalog(ks);
	if (o->reauth) {
		if (keystone_reauth(ks, err) < 0)
			return -1;
		printf("renewed, token-length: %zu\n", keystone_token_len(ks));
	}
	if (o->endpoint) {
		if (keystone_endpoint(ks, o->endpoint, o->interface, o->region,
				      &url, err) < 0)
			return -1;
		printf("endpoint: %s\n", url);
		free(url);
	}
	if (o->get_type)
		return get(ks, o, err);
	return 0;
}

int tool_keystone(int argc, char **argv)
{
	struct opts o;
	struct clouds_cloud cloud;
	struct strvec dirs = STRVEC_INIT;
	struct keystone *ks = NULL;
	struct err err = ERR_INIT;
	struct buf out = BUF_INIT;
	int ret = 1;

	if (parse(argc, argv, &o) < 0) {
		fputs(keystone_usage, stderr);
		return 129;
	}
	clouds_init(&cloud);
	clouds_default_dirs((const char *const *)environ, &dirs);
	if (clouds_load(&cloud, o.cloud, (const char *const *)environ,
			(const char *const *)dirs.v, &err) < 0) {
		ret = fail(&err);
		goto out;
	}
	if (o.describe) {
		clouds_describe(&cloud, &out);
		fputs(out.ptr, stdout);
		ret = 0;
		goto out;
	}
	if (keystone_auth(&cloud, &ks, &err) < 0) {
		ret = fail(&err);
		goto out;
	}
	ret = run(ks, &o, &err);
	if (ret < 0)
		ret = fail(&err);
out:
	fflush(stdout);
	keystone_free(ks);
	clouds_release(&cloud);
	strvec_clear(&dirs);
	buf_release(&out);
	return ret;
}
