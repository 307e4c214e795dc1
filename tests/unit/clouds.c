/* unit tests: clouds.yaml, secure.yaml and the OS_* variables */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "buf.h"
#include "clouds.h"

/* three search directories: "cwd", "user", "site" */
static char top[] = "/tmp/solum-clouds-test-XXXXXX";
static char cwd_dir[64], user_dir[64], site_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = xstrfmt("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(path);
}

static void remove_files(void)
{
	const char *dirs[] = { cwd_dir, user_dir, site_dir };
	const char *names[] = { "clouds.yaml", "clouds.yml", "secure.yaml",
				"secure.yml", "other.yaml" };
	size_t i, j;

	for (i = 0; i < 3; i++)
		for (j = 0; j < 5; j++) {
			char *p = xstrfmt("%s/%s", dirs[i], names[j]);

			unlink(p);
			free(p);
		}
}

static const char *const dirs[] = { cwd_dir, user_dir, site_dir, NULL };
static const char *const no_env[] = { NULL };

static const char demo[] =
	"clouds:\n"
	"  demo:\n"
	"    auth:\n"
	"      auth_url: http://127.0.0.1:5000/v3\n"
	"      username: demo\n"
	"      password: s3cret\n"
	"      project_name: demo\n"
	"      user_domain_name: Default\n"
	"      project_domain_name: Default\n"
	"    region_name: RegionOne\n"
	"    identity_api_version: 3\n";

static int load(struct clouds_cloud *c, const char *name,
		const char *const *env, struct err *err)
{
	clouds_init(c);
	return clouds_load(c, name, env, dirs, err);
}

static void expect_error(const char *name, const char *const *env,
			 const char *want)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;

	assert_int_equal(load(&c, name, env, &err), -1);
	if (strcmp(err.msg, want))
		fail_msg("got '%s', want '%s'", err.msg, want);
	assert_null(strstr(err.msg, "s3cret"));
	clouds_release(&c);
}

/* the error for `text` as the user's clouds.yaml, "FILE" standing for it */
static void expect_file_error(const char *text, const char *want)
{
	char *full = NULL;
	struct buf w = BUF_INIT;
	const char *p;

	remove_files();
	write_file(user_dir, "clouds.yaml", text);
	full = xstrfmt("%s/clouds.yaml", user_dir);
	for (p = want; *p; p++) {
		if (starts_with(p, "FILE", NULL)) {
			buf_addstr(&w, full);
			p += 3;
		} else {
			buf_addch(&w, *p);
		}
	}
	expect_error("demo", no_env, w.ptr);
	buf_release(&w);
	free(full);
}

static void test_password_cloud(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	char *file = xstrfmt("%s/clouds.yaml", user_dir);

	(void)state;
	remove_files();
	write_file(user_dir, "clouds.yaml", demo);
	assert_int_equal(load(&c, "demo", no_env, &err), 0);
	assert_string_equal(c.name, "demo");
	assert_string_equal(c.file, file);
	assert_int_equal(c.auth_type, CLOUDS_AUTH_PASSWORD);
	assert_string_equal(c.auth_url, "http://127.0.0.1:5000/v3");
	assert_string_equal(c.username, "demo");
	assert_string_equal(c.password, "s3cret");
	assert_string_equal(c.project_name, "demo");
	assert_string_equal(c.user_domain_name, "Default");
	assert_string_equal(c.project_domain_name, "Default");
	assert_string_equal(c.region_name, "RegionOne");
	assert_string_equal(c.interface, "public");
	assert_int_equal(c.verify, 1);
	assert_null(c.cacert);
	clouds_release(&c);
	assert_null(c.password);
	free(file);
}

static void test_search_order(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	char *other = xstrfmt("%s/other.yaml", site_dir);
	char *env_var = xstrfmt("OS_CLIENT_CONFIG_FILE=%s", other);
	const char *env[] = { env_var, NULL };
	const char *const site_only[] = { site_dir, NULL };

	(void)state;
	remove_files();
	write_file(site_dir, "clouds.yaml", demo);
	write_file(user_dir, "clouds.yml",
		   "clouds:\n  demo:\n    auth:\n"
		   "      auth_url: http://user:5000\n"
		   "      user_id: u1\n      password: p\n");
	write_file(site_dir, "other.yaml",
		   "clouds:\n  demo:\n    auth:\n"
		   "      auth_url: http://other:5000\n"
		   "      user_id: u1\n      password: p\n");
	/* the first directory with a file wins; .yml counts */
	assert_int_equal(load(&c, "demo", no_env, &err), 0);
	assert_string_equal(c.auth_url, "http://user:5000");
	clouds_release(&c);
	/* only the first file found is read, even without the cloud */
	write_file(cwd_dir, "clouds.yaml", "clouds:\n  prod: {}\n");
	{
		char *want = xstrfmt("cloud 'demo' not found in %s/clouds.yaml (clouds there: prod)",
				     cwd_dir);

		expect_error("demo", no_env, want);
		free(want);
	}
	/* OS_CLIENT_CONFIG_FILE comes before every directory */
	assert_int_equal(load(&c, "demo", env, &err), 0);
	assert_string_equal(c.auth_url, "http://other:5000");
	clouds_release(&c);
	/* the directories as given */
	assert_int_equal(clouds_load(&c, "demo", no_env, site_only, &err), 0);
	assert_string_equal(c.auth_url, "http://127.0.0.1:5000/v3");
	clouds_release(&c);
	/* an OS_CLIENT_CONFIG_FILE that is not there is an error */
	unlink(other);
	assert_int_equal(load(&c, "demo", env, &err), -1);
	assert_non_null(strstr(err.msg, "No such file"));
	free(env_var);
	free(other);
}

static void test_not_found(void **state)
{
	char *want;

	(void)state;
	remove_files();
	want = xstrfmt("cloud 'demo' not found: no clouds.yaml in %s, %s, %s and OS_CLIENT_CONFIG_FILE is not set",
		       cwd_dir, user_dir, site_dir);
	expect_error("demo", no_env, want);
	free(want);
	/* the names there are listed, nothing else */
	write_file(user_dir, "clouds.yaml", demo);
	write_file(user_dir, "secure.yaml",
		   "clouds:\n  zeta:\n    auth:\n      password: s3cret\n");
	want = xstrfmt("cloud 'prod' not found in %s/clouds.yaml and %s/secure.yaml (clouds there: demo, zeta)",
		       user_dir, user_dir);
	expect_error("prod", no_env, want);
	free(want);
}

static void test_secure_merge(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	char *sec = xstrfmt("%s/secure.yaml", site_dir);
	char *env_var = xstrfmt("OS_CLIENT_SECURE_FILE=%s", sec);
	const char *env[] = { env_var, NULL };

	(void)state;
	remove_files();
	write_file(user_dir, "clouds.yaml",
		   "clouds:\n  demo:\n    auth:\n"
		   "      auth_url: http://127.0.0.1:5000\n"
		   "      username: demo\n"
		   "      user_domain_id: default\n"
		   "      project_id: p1\n"
		   "    region_name: RegionOne\n");
	/* secure.yaml in a later directory still counts */
	write_file(site_dir, "secure.yaml",
		   "clouds:\n  demo:\n    auth:\n      password: s3cret\n"
		   "    region_name: RegionTwo\n");
	assert_int_equal(load(&c, "demo", no_env, &err), 0);
	assert_string_equal(c.username, "demo");
	assert_string_equal(c.password, "s3cret");
	assert_string_equal(c.project_id, "p1");
	assert_string_equal(c.region_name, "RegionTwo");
	clouds_release(&c);
	/* a secure.yaml of an earlier directory wins */
	write_file(cwd_dir, "secure.yml",
		   "clouds:\n  demo:\n    auth:\n      password: other\n");
	assert_int_equal(load(&c, "demo", no_env, &err), 0);
	assert_string_equal(c.password, "other");
	assert_string_equal(c.region_name, "RegionOne");
	clouds_release(&c);
	/* OS_CLIENT_SECURE_FILE first */
	assert_int_equal(load(&c, "demo", env, &err), 0);
	assert_string_equal(c.password, "s3cret");
	clouds_release(&c);
	/* without a password anywhere */
	remove_files();
	write_file(user_dir, "clouds.yaml",
		   "clouds:\n  demo:\n    auth:\n"
		   "      auth_url: http://127.0.0.1:5000\n"
		   "      user_id: u1\n");
	free(sec);
	sec = xstrfmt("cloud 'demo' (%s/clouds.yaml): auth.password is not set",
		      user_dir);
	expect_error("demo", no_env, sec);
	free(sec);
	free(env_var);
}

static void test_envvars(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	const char *env[] = {
		"OS_AUTH_URL=http://10.0.0.1:5000/v3",
		"OS_USERNAME=admin", "OS_PASSWORD=s3cret",
		"OS_PROJECT_NAME=admin", "OS_USER_DOMAIN_NAME=Default",
		"OS_PROJECT_DOMAIN_ID=default", "OS_REGION_NAME=RegionOne",
		"OS_INTERFACE=internal", "OS_INSECURE=true",
		"OS_CACERT=/etc/ca.pem", "HOME=/nowhere", NULL,
	};
	const char *env_cloud[] = { "OS_CLOUD=demo", env[0], env[1], env[2], env[4],
				    NULL };
	const char *region_only[] = { "OS_REGION_NAME=RegionOne", NULL };

	(void)state;
	remove_files();
	write_file(user_dir, "clouds.yaml", demo);
	/* no name, no OS_CLOUD: the variables are the cloud */
	assert_int_equal(load(&c, NULL, env, &err), 0);
	assert_string_equal(c.name, "envvars");
	assert_null(c.file);
	assert_string_equal(c.auth_url, "http://10.0.0.1:5000/v3");
	assert_string_equal(c.username, "admin");
	assert_string_equal(c.project_domain_id, "default");
	assert_string_equal(c.interface, "internal");
	assert_string_equal(c.cacert, "/etc/ca.pem");
	assert_int_equal(c.verify, 0);
	clouds_release(&c);
	/* OS_CLOUD wins over the variables, which are not merged in */
	assert_int_equal(load(&c, NULL, env_cloud, &err), 0);
	assert_string_equal(c.name, "demo");
	assert_string_equal(c.auth_url, "http://127.0.0.1:5000/v3");
	assert_string_equal(c.username, "demo");
	clouds_release(&c);
	/* the configured name wins over OS_CLOUD */
	assert_int_equal(load(&c, "envvars", env_cloud, &err), 0);
	assert_string_equal(c.username, "admin");
	clouds_release(&c);
	/* OS_REGION_NAME alone is no cloud */
	expect_error(NULL, region_only,
		     "no OpenStack cloud chosen: set openstack.cloud in solum.yaml, OS_CLOUD, or the OS_* variables");
	expect_error("envvars", no_env, "cloud 'envvars': no OS_* variable is set");
	{
		const char *e[] = { "OS_USERNAME=a", "OS_PASSWORD=s3cret",
				    NULL };

		expect_error(NULL, e, "cloud 'envvars': OS_AUTH_URL is not set");
	}
	{
		const char *e[] = { "OS_AUTH_URL=http://x", "OS_USERNAME=a",
				    "OS_PASSWORD=s3cret", NULL };

		expect_error(NULL, e, "cloud 'envvars': OS_USER_DOMAIN_NAME or OS_USER_DOMAIN_ID is not set: a user name needs its domain");
	}
	{
		const char *e[] = { "OS_AUTH_URL=http://x", "OS_TOKEN=s3cret",
				    "OS_AUTH_TYPE=oidc", NULL };

		expect_error(NULL, e, "OS_AUTH_TYPE: unknown auth type 'oidc' (solum knows password, v3applicationcredential, token)");
	}
}

static void test_auth_types(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;

	(void)state;
	remove_files();
	write_file(user_dir, "clouds.yaml",
		   "clouds:\n"
		   "  ac:\n"
		   "    auth_type: v3applicationcredential\n"
		   "    auth:\n"
		   "      auth_url: https://keystone.example/v3\n"
		   "      application_credential_id: 4a1b\n"
		   "      application_credential_secret: s3cret\n"
		   "    cacert: /etc/ca.pem\n"
		   "    verify: no\n"
		   "  acname:\n"
		   "    auth_type: v3applicationcredential\n"
		   "    auth:\n"
		   "      auth_url: https://keystone.example/v3\n"
		   "      application_credential_name: deployer\n"
		   "      application_credential_secret: s3cret\n"
		   "      username: demo\n"
		   "      domain_name: Default\n"
		   "  tok:\n"
		   "    auth_type: token\n"
		   "    auth:\n"
		   "      auth_url: http://127.0.0.1:5000/\n"
		   "      token: s3cret\n"
		   "      project_id: 1234\n"
		   "    interface: publicURL\n");
	assert_int_equal(load(&c, "ac", no_env, &err), 0);
	assert_int_equal(c.auth_type, CLOUDS_AUTH_APPCRED);
	assert_string_equal(c.application_credential_id, "4a1b");
	assert_string_equal(c.application_credential_secret, "s3cret");
	assert_string_equal(c.cacert, "/etc/ca.pem");
	assert_int_equal(c.verify, 0);
	clouds_release(&c);
	assert_int_equal(load(&c, "acname", no_env, &err), 0);
	assert_string_equal(c.application_credential_name, "deployer");
	/* domain_name stands for both domains */
	assert_string_equal(c.user_domain_name, "Default");
	assert_string_equal(c.project_domain_name, "Default");
	clouds_release(&c);
	assert_int_equal(load(&c, "tok", no_env, &err), 0);
	assert_int_equal(c.auth_type, CLOUDS_AUTH_TOKEN);
	assert_string_equal(c.token, "s3cret");
	assert_string_equal(c.project_id, "1234");
	assert_string_equal(c.interface, "public");
	clouds_release(&c);
}

static void test_bad_files(void **state)
{
	(void)state;
	expect_file_error("clouds:\n  demo:\n    auth_type: oidc\n    auth:\n"
			  "      auth_url: http://x\n",
			  "FILE:3: clouds.demo.auth_type: unknown auth type 'oidc' (solum knows password, v3applicationcredential, token)");
	expect_file_error("clouds:\n  demo:\n    auth:\n      username: a\n"
			  "      username: b\n",
			  "FILE:5: 'username' given twice");
	expect_file_error("clouds:\n  demo: {}\n  demo: {}\n",
			  "FILE:3: 'demo' given twice");
	expect_file_error("clouds:\n  demo:\n    auth:\n      password: [a, b]\n",
			  "FILE:4: clouds.demo.auth.password: expected a single value");
	expect_file_error("clouds:\n  demo:\n    auth: text\n",
			  "FILE:3: clouds.demo.auth: expected a mapping of keys");
	expect_file_error("clouds:\n  demo: text\n",
			  "FILE:2: clouds.demo: expected a mapping of keys");
	expect_file_error("clouds: [demo]\n",
			  "FILE:1: clouds: expected a mapping of clouds");
	expect_file_error("- clouds\n",
			  "FILE:1: expected a mapping with 'clouds:'");
	expect_file_error("clouds:\n  demo:\n    verify: maybe\n",
			  "FILE:3: clouds.demo.verify: expected true or false, got 'maybe'");
	expect_file_error("clouds:\n  demo:\n    auth:\n      user_id: u\n"
			  "      password: s3cret\n",
			  "cloud 'demo' (FILE): auth.auth_url is not set");
	expect_file_error("clouds:\n  demo:\n    auth:\n      auth_url: ftp://x\n",
			  "FILE:4: clouds.demo.auth.auth_url: expected an http:// or https:// URL, got 'ftp://x'");
	expect_file_error("clouds:\n  demo:\n    interface: private\n"
			  "    auth:\n      auth_url: http://x\n",
			  "FILE:3: clouds.demo.interface: expected public, internal or admin, got 'private'");
	expect_file_error("clouds:\n  demo:\n    profile: vexxhost\n",
			  "FILE:3: clouds.demo.profile: profiles are not supported: give auth_url and the rest in the cloud");
	expect_file_error("clouds:\n  envvars: {}\n",
			  "FILE:2: clouds.envvars: that name is kept for the cloud of the OS_* variables");
	expect_file_error("clouds:\n  demo:\n    auth:\n      auth_url: http://x\n"
			  "      username: u\n      password: s3cret\n"
			  "      user_domain_id: default\n"
			  "      project_name: p\n",
			  "cloud 'demo' (FILE): auth.project_domain_name or auth.project_domain_id is not set: a project name needs its domain");
	expect_file_error("clouds:\n  demo:\n    auth_type: v3applicationcredential\n"
			  "    auth:\n      auth_url: http://x\n"
			  "      application_credential_name: n\n"
			  "      application_credential_secret: s3cret\n",
			  "cloud 'demo' (FILE): auth.username or auth.user_id is not set: an application credential by name needs its user");
	expect_file_error("clouds:\n  demo:\n    cert: /c.pem\n"
			  "    auth:\n      auth_url: http://x\n",
			  "cloud 'demo' (FILE): key is not set: a client certificate needs its key, a key its certificate");
	expect_file_error("clouds:\n  demo:\n    auth:\n      password: \"a\\x01\"\n",
			  "FILE:4: clouds.demo.auth.password: control character in value");
	expect_file_error("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
			  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			  "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
			  "FILE:1: too many values (aliases?)");
	expect_file_error("clouds:\n  demo:\n    auth: {\n",
			  "FILE:4: did not find expected node content while parsing a flow node");
}

static void test_big_file(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	char *path = xstrfmt("%s/clouds.yaml", user_dir);
	FILE *f;
	size_t i;

	(void)state;
	remove_files();
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("clouds:\n", f);
	for (i = 0; i < CLOUDS_MAX_FILE / 16 + 1; i++)
		fprintf(f, "  c%011zu: {}\n", i);
	fclose(f);
	assert_int_equal(load(&c, "demo", no_env, &err), -1);
	assert_non_null(strstr(err.msg, "larger than 1048576 bytes"));
	free(path);
}

static void test_describe(void **state)
{
	struct clouds_cloud c;
	struct err err = ERR_INIT;
	struct buf out = BUF_INIT;

	(void)state;
	remove_files();
	write_file(user_dir, "clouds.yaml", demo);
	assert_int_equal(load(&c, "demo", no_env, &err), 0);
	clouds_describe(&c, &out);
	assert_null(strstr(out.ptr, "s3cret"));
	assert_non_null(strstr(out.ptr, "cloud: demo\n"));
	assert_non_null(strstr(out.ptr, "auth_type: password\n"));
	assert_non_null(strstr(out.ptr, "auth.password: <set>\n"));
	assert_non_null(strstr(out.ptr, "auth.username: demo\n"));
	buf_release(&out);
	clouds_release(&c);
}

static void test_default_dirs(void **state)
{
	struct strvec v = STRVEC_INIT;
	const char *env1[] = { "HOME=/home/u", NULL };
	const char *env2[] = { "HOME=/home/u", "XDG_CONFIG_HOME=/cfg", NULL };

	(void)state;
	clouds_default_dirs(env1, &v);
	assert_int_equal(v.nr, 3);
	assert_string_equal(v.v[0], ".");
	assert_string_equal(v.v[1], "/home/u/.config/openstack");
	assert_string_equal(v.v[2], "/etc/openstack");
	strvec_clear(&v);
	clouds_default_dirs(env2, &v);
	assert_string_equal(v.v[1], "/cfg/openstack");
	strvec_clear(&v);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(top))
		return -1;
	snprintf(cwd_dir, sizeof(cwd_dir), "%s/cwd", top);
	snprintf(user_dir, sizeof(user_dir), "%s/user", top);
	snprintf(site_dir, sizeof(site_dir), "%s/site", top);
	if (mkdir(cwd_dir, 0700) || mkdir(user_dir, 0700) ||
	    mkdir(site_dir, 0700))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_files();
	rmdir(cwd_dir);
	rmdir(user_dir);
	rmdir(site_dir);
	rmdir(top);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_cloud),
		cmocka_unit_test(test_search_order),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_secure_merge),
		cmocka_unit_test(test_envvars),
		cmocka_unit_test(test_auth_types),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_big_file),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_default_dirs),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("clouds", tests, setup, teardown);
}
