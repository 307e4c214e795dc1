/* config: solum.yaml (read with libyaml), with defaults for every key */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "config.h"
#include "file.h"
#include "yamldoc.h"
#include "banned.h"

#define CONFIG_MAX_SIZE (1024 * 1024)

enum type { T_STR, T_INT, T_HOSTPORT, T_SIZE };

struct key {
	const char *section;
	const char *name;
	enum type type;
	size_t offset;
	int min, max;		/* T_INT; T_SIZE: KiB, 0 for no bound */
	int nullable;		/* T_STR: may be empty (unset); T_SIZE: may be 0 */
};

#define S(sec, nm, field, null) \
	{ sec, nm, T_STR, offsetof(struct config, field), 0, 0, null }
#define I(sec, nm, field, lo, hi) \
	{ sec, nm, T_INT, offsetof(struct config, field), lo, hi, 0 }
#define Z(sec, nm, field, lo_kib, hi_kib, zero) \
	{ sec, nm, T_SIZE, offsetof(struct config, field), lo_kib, hi_kib, zero }
#define H(sec, nm, field) \
	{ sec, nm, T_HOSTPORT, offsetof(struct config, field), 0, 0, 0 }

static const struct key keys[] = {
	H("sshd", "listen", sshd_listen),
	I("sshd", "max_startups", sshd_max_startups, 1, 1000),
	I("sshd", "max_sessions", sshd_max_sessions, 1, 10000),
	I("sshd", "login_grace_time", sshd_login_grace_time, 1, 3600),
	I("sshd", "idle_timeout", sshd_idle_timeout, 1, 86400),
	S("sshd", "user", sshd_user, 0),
	S("sshd", "git_path", git_path, 1),
	S("sshd", "kex", sshd_kex, 0),
	S("sshd", "ciphers", sshd_ciphers, 0),
	S("sshd", "macs", sshd_macs, 0),
	S("sshd", "hostkey_algorithms", sshd_hostkey_algorithms, 0),
	H("webhook", "listen", webhook_listen),
	I("webhook", "max_connections", webhook_max_connections, 1, 10000),
	I("webhook", "timeout", webhook_timeout, 1, 3600),
	Z("webhook", "max_body", webhook_max_body, 1, 64 << 10, 0),
	S("client", "identity", client_identity, 1),
	S("client", "known_hosts", client_known_hosts, 1),
	S("docker", "host", docker_host, 0),
	I("docker", "tls_verify", docker_tls_verify, 0, 1),
	S("docker", "cert_path", docker_cert_path, 1),
	S("registry", "address", registry, 1),
	S("registry", "username", registry_username, 1),
	S("registry", "password", registry_password, 1),
	S("local", "bind", local_bind, 0),
	I("local", "port_min", local_port_min, 1024, 65535),
	I("local", "port_max", local_port_max, 1024, 65535),
	I("local", "public_port_min", public_port_min, 1024, 65535),
	I("local", "public_port_max", public_port_max, 1024, 65535),
	I("local", "health_timeout", health_timeout, 1, 3600),
	S("local", "nginx", nginx_path, 0),
	S("local", "public_host", public_host, 0),
	Z("local", "memory", local_memory, 6 << 10, 0, 1),
	I("local", "pids", local_pids, 0, 4194304),
	S("openstack", "cloud", openstack_cloud, 1),
	S("openstack", "region", openstack_region, 1),
	S("openstack", "interface", openstack_interface, 0),
	I("openstack", "stack_timeout", openstack_stack_timeout, 1, 86400),
	I("openstack", "keep_images", openstack_keep_images, 1, 1000),
	S("openstack", "templates", openstack_templates, 1),
	I("deploy", "progress_interval", progress_interval, 1, 300),
	I("deploy", "build_timeout", build_timeout, 10, 86400),
	I("deploy", "keep_releases", keep_releases, 1, 1000),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

#define DEFAULT_KEX "curve25519-sha256,curve25519-sha256@libssh.org," \
	"diffie-hellman-group16-sha512,diffie-hellman-group18-sha512"
#define DEFAULT_CIPHERS "chacha20-poly1305@openssh.com," \
	"aes256-gcm@openssh.com,aes128-gcm@openssh.com," \
	"aes256-ctr,aes192-ctr,aes128-ctr"
#define DEFAULT_MACS "hmac-sha2-256-etm@openssh.com," \
	"hmac-sha2-512-etm@openssh.com"
#define DEFAULT_HOSTKEY_ALGOS "ssh-ed25519,rsa-sha2-512,rsa-sha2-256"

static const char default_text[] =
	"# solum configuration; every key is optional and shows its default.\n"
	"sshd:\n"
	"  listen: 127.0.0.1:2222      # ADDR:PORT of the SSH front\n"
	"  max_startups: 10            # concurrent unauthenticated connections\n"
	"  max_sessions: 64            # concurrent connections in all\n"
	"  login_grace_time: 30        # seconds a client has to authenticate\n"
	"  idle_timeout: 600           # seconds without traffic before a hang-up\n"
	"  user: solum                 # the login name in git remotes\n"
	"  kex: " DEFAULT_KEX "\n"
	"  ciphers: " DEFAULT_CIPHERS "\n"
	"  macs: " DEFAULT_MACS "\n"
	"  hostkey_algorithms: " DEFAULT_HOSTKEY_ALGOS "\n"
	"webhook:\n"
	"  listen: 127.0.0.1:8090      # ADDR:PORT of solum webhook (POST /hooks/gitlab)\n"
	"  max_connections: 64         # concurrent connections\n"
	"  timeout: 10                 # seconds a request may take\n"
	"  max_body: 1m                # bytes of a request body\n"
	"client:                       # SSH from solum: upstream fetches, Gerrit reports\n"
	"  identity:                   # private key; empty: <home>/ssh/id_ed25519\n"
	"  known_hosts:                # empty: <home>/ssh/known_hosts\n"
	"docker:\n"
	"  host: unix:///var/run/docker.sock   # DOCKER_HOST overrides this\n"
	"  tls_verify: 0               # 1: TLS to tcp:// (DOCKER_TLS_VERIFY)\n"
	"  cert_path:                  # ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH)\n"
	"registry:\n"
	"  address:                    # e.g. 127.0.0.1:5000; empty: images stay local\n"
	"  username:\n"
	"  password:\n"
	"local:\n"
	"  bind: 127.0.0.1             # address app ports are published on\n"
	"  port_min: 20000\n"
	"  port_max: 20999\n"
	"  public_port_min: 8000       # apps' stable URLs get ports from here\n"
	"  public_port_max: 8999\n"
	"  nginx: nginx                # the front that keeps URLs stable\n"
	"  health_timeout: 30          # seconds for a new release to answer\n"
	"  public_host: 127.0.0.1      # host name shown in app URLs\n"
	"  memory: 512m                # memory per app container; 0: no limit\n"
	"  pids: 256                   # processes per app container; 0: no limit\n"
	"openstack:\n"
	"  cloud:                      # clouds.yaml entry (OS_CLOUD, OS_*); set: new apps\n"
	"                              # deploy to OpenStack (app create --target)\n"
	"  region:                     # the catalog's region; empty: the cloud's\n"
	"  interface: public           # endpoints used: public, internal or admin\n"
	"  stack_timeout: 600          # seconds for a stack create or update\n"
	"  keep_images: 10             # Glance images kept per app\n"
	"  templates:                  # where --template NAME is looked for; empty:\n"
	"                              # the installed templates/ of solum\n"
	"deploy:\n"
	"  progress_interval: 10       # seconds between progress lines\n"
	"  build_timeout: 1800\n"
	"  keep_releases: 10\n";

char *config_client_identity(const struct config *c)
{
	if (c->client_identity)
		return xstrdup(c->client_identity);
	return xstrfmt("%s/ssh/id_ed25519", c->home ? c->home : ".");
}

char *config_client_known_hosts(const struct config *c)
{
	if (c->client_known_hosts)
		return xstrdup(c->client_known_hosts);
	return xstrfmt("%s/ssh/known_hosts", c->home ? c->home : ".");
}

const char *config_default_text(void)
{
	return default_text;
}

static char **str_field(struct config *c, const struct key *k)
{
	return (char **)((char *)c + k->offset);
}

static int *int_field(struct config *c, const struct key *k)
{
	return (int *)((char *)c + k->offset);
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->sshd_listen = xstrdup("127.0.0.1:2222");
	c->sshd_max_startups = 10;
	c->sshd_max_sessions = 64;
	c->sshd_login_grace_time = 30;
	c->sshd_idle_timeout = 600;
	c->sshd_user = xstrdup("solum");
	c->sshd_kex = xstrdup(DEFAULT_KEX);
	c->sshd_ciphers = xstrdup(DEFAULT_CIPHERS);
	c->sshd_macs = xstrdup(DEFAULT_MACS);
	c->sshd_hostkey_algorithms = xstrdup(DEFAULT_HOSTKEY_ALGOS);
	c->webhook_listen = xstrdup("127.0.0.1:8090");
	c->webhook_max_connections = 64;
	c->webhook_timeout = 10;
	c->webhook_max_body = 1LL << 20;
	c->docker_host = xstrdup("unix:///var/run/docker.sock");
	c->local_bind = xstrdup("127.0.0.1");
	c->local_port_min = 20000;
	c->local_port_max = 20999;
	c->public_port_min = 8000;
	c->public_port_max = 8999;
	c->nginx_path = xstrdup("nginx");
	c->health_timeout = 30;
	c->public_host = xstrdup("127.0.0.1");
	c->local_memory = 512LL << 20;
	c->local_pids = 256;
	c->progress_interval = 10;
	c->build_timeout = 1800;
	c->keep_releases = 10;
	c->openstack_interface = xstrdup("public");
	c->openstack_stack_timeout = 600;
	c->openstack_keep_images = 10;
}

void config_release(struct config *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (keys[i].type != T_INT && keys[i].type != T_SIZE) {
			free(*str_field(c, &keys[i]));
			*str_field(c, &keys[i]) = NULL;
		}
	free(c->home);
	c->home = NULL;
}

static int valid_hostport(const char *v)
{
	const char *colon = strrchr(v, ':');
	char *end;
	long port;

	if (!colon || colon == v || strlen(v) > 255)
		return 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return !errno && *end == '\0' && end != colon + 1 && port > 0 &&
	       port <= 65535;
}

int config_parse_size(const char *s, long long *bytes_out, struct err *err)
{
	unsigned long long n = 0;
	const char *p = s;
	int shift = 0;

	if (!*p || strlen(s) > 24)
		return err_set(err, "expected a size such as 512m or 1g, got '%.30s'",
			       s);
	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (1ULL << 50))
			return err_set(err, "size '%s' is too large", s);
		n = n * 10 + (unsigned)(*p - '0');
	}
	if (p == s)
		return err_set(err, "expected a size such as 512m or 1g, got '%.30s'",
			       s);
	switch (*p) {
	case '\0': case 'b': case 'B': break;
	case 'k': case 'K': shift = 10; break;
	case 'm': case 'M': shift = 20; break;
	case 'g': case 'G': shift = 30; break;
	default:
		return err_set(err, "expected a size such as 512m or 1g, got '%.30s'",
			       s);
	}
	if (*p && p[1] && !((p[1] == 'b' || p[1] == 'B') && !p[2] && shift))
		return err_set(err, "expected a size such as 512m or 1g, got '%.30s'",
			       s);
	if (n > (1ULL << (50 - shift)))
		return err_set(err, "size '%s' is too large", s);
	*bytes_out = (long long)(n << shift);
	return 0;
}

static int set_value(struct config *c, const struct key *k, const char *v,
		     const char *file, size_t line, struct err *err)
{
	char q[80];

	snprintf(q, sizeof(q), "%.60s%s", v, strlen(v) > 60 ? "..." : "");
	for (char *p = q; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	if (k->type == T_INT) {
		char *end;
		long n;

		errno = 0;
		n = strtol(v, &end, 10);
		if (errno || !*v || *end || n < k->min || n > k->max ||
		    !((*v >= '0' && *v <= '9') || *v == '-'))
			return err_set(err, "%s:%zu: %s.%s: expected an integer from %d to %d, got '%s'",
				       file, line, k->section, k->name,
				       k->min, k->max, q);
		*int_field(c, k) = (int)n;
		return 0;
	}
	if (k->type == T_SIZE) {
		struct err e = ERR_INIT;
		long long n;

		if (config_parse_size(v, &n, &e) < 0)
			return err_set(err, "%s:%zu: %s.%s: %s", file, line,
				       k->section, k->name, e.msg);
		if (!n && !k->nullable)
			return err_set(err, "%s:%zu: %s.%s: must not be 0",
				       file, line, k->section, k->name);
		if (n && k->offset == offsetof(struct config, local_memory) &&
		    n < (6LL << 20))
			return err_set(err, "%s:%zu: %s.%s: at least 6m (Docker's minimum), or 0 for no limit",
				       file, line, k->section, k->name);
		if (n && (n < ((long long)k->min << 10) ||
			  (k->max && n > ((long long)k->max << 10))))
			return err_set(err, "%s:%zu: %s.%s: expected a size from %dk to %dk",
				       file, line, k->section, k->name,
				       k->min, k->max);
		*(long long *)((char *)c + k->offset) = n;
		return 0;
	}
	if (strlen(v) > 4096)
		return err_set(err, "%s:%zu: %s.%s: value longer than 4096 bytes",
			       file, line, k->section, k->name);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			return err_set(err, "%s:%zu: %s.%s: control character in value",
				       file, line, k->section, k->name);
	if (!*v && !k->nullable)
		return err_set(err, "%s:%zu: %s.%s: must not be empty",
			       file, line, k->section, k->name);
	if (k->type == T_HOSTPORT && !valid_hostport(v))
		return err_set(err, "%s:%zu: %s.%s: expected ADDR:PORT, got '%s'",
			       file, line, k->section, k->name, q);
	free(*str_field(c, k));
	*str_field(c, k) = *v ? xstrdup(v) : NULL;
	return 0;
}

static int load_section(struct config *c, yaml_document_t *doc,
			const char *section, yaml_node_t *map,
			const char *file, struct err *err)
{
	yaml_node_pair_t *pair;

	if (map->type == YAML_SCALAR_NODE && !map->data.scalar.length)
		return 0;	/* "section:" with nothing under it */
	if (map->type != YAML_MAPPING_NODE)
		return err_set(err, "%s:%zu: %s: expected a mapping of keys",
			       file, map->start_mark.line + 1, section);
	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(doc, pair->value);
		const struct key *k = NULL;
		const char *name;
		size_t i;

		if (!kn || kn->type != YAML_SCALAR_NODE || !vn)
			return err_set(err, "%s:%zu: %s: keys must be plain words",
				       file, kn ? kn->start_mark.line + 1 : 0,
				       section);
		name = (const char *)kn->data.scalar.value;
		for (i = 0; i < NKEYS; i++)
			if (!strcmp(keys[i].section, section) &&
			    !strcmp(keys[i].name, name))
				k = &keys[i];
		if (!k)
			return err_set(err, "%s:%zu: unknown key '%s.%.64s'",
				       file, kn->start_mark.line + 1, section,
				       name);
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start;
		     q < pair; q++) {
			yaml_node_t *qk = yaml_document_get_node(doc, q->key);

			if (qk && qk->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)qk->data.scalar.value, name))
				return err_set(err, "%s:%zu: %s.%s given twice",
					       file, kn->start_mark.line + 1,
					       section, name);
		}
		if (vn->type != YAML_SCALAR_NODE)
			return err_set(err, "%s:%zu: %s.%s: expected a single value",
				       file, vn->start_mark.line + 1, section,
				       name);
		if (strlen((const char *)vn->data.scalar.value) !=
		    vn->data.scalar.length)
			return err_set(err, "%s:%zu: %s.%s: NUL byte in value",
				       file, vn->start_mark.line + 1, section,
				       name);
		if (set_value(c, k, (const char *)vn->data.scalar.value, file,
			      vn->start_mark.line + 1, err) < 0)
			return -1;
	}
	return 0;
}

static int check_known_section(const char *s)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, s))
			return 1;
	return 0;
}

static int load_text(struct config *c, const char *text, size_t len,
		     const char *file, struct err *err)
{
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int ret = -1;

	if (yamldoc_load(text, len, file, &doc, err) < 0)
		return -1;
	root = yaml_document_get_root_node(&doc);
	if (!root || (root->type == YAML_SCALAR_NODE &&
		      !root->data.scalar.length)) {
		ret = 0;	/* empty file: all defaults */
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		err_set(err, "%s:%zu: expected a mapping of sections (sshd:, docker:, ...)",
			file, root->start_mark.line + 1);
		goto out;
	}
	for (pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *kn = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *vn = yaml_document_get_node(&doc, pair->value);
		const char *name;

		if (!kn || kn->type != YAML_SCALAR_NODE || !vn) {
			err_set(err, "%s:%zu: section names must be plain words",
				file, kn ? kn->start_mark.line + 1 : 0);
			goto out;
		}
		name = (const char *)kn->data.scalar.value;
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start;
		     q < pair; q++) {
			yaml_node_t *qk = yaml_document_get_node(&doc, q->key);

			if (qk && qk->type == YAML_SCALAR_NODE &&
			    !strcmp((const char *)qk->data.scalar.value, name)) {
				err_set(err, "%s:%zu: section '%.64s' given twice",
					file, kn->start_mark.line + 1, name);
				goto out;
			}
		}
		if (!check_known_section(name)) {
			err_set(err, "%s:%zu: unknown key '%.64s'", file,
				kn->start_mark.line + 1, name);
			goto out;
		}
		if (load_section(c, &doc, name, vn, file, err) < 0)
			goto out;
	}
	if (c->public_port_min > c->public_port_max) {
		err_set(err, "%s: local.public_port_min (%d) is above local.public_port_max (%d)",
			file, c->public_port_min, c->public_port_max);
		goto out;
	}
	if (c->local_port_min > c->local_port_max) {
		err_set(err, "%s: local.port_min (%d) is above local.port_max (%d)",
			file, c->local_port_min, c->local_port_max);
		goto out;
	}
	ret = 0;
out:
	yaml_document_delete(&doc);
	return ret;
}

int config_load(struct config *c, const char *path, int missing_ok,
		struct err *err)
{
	struct buf text = BUF_INIT;
	const char *base = strrchr(path, '/');
	int ret;

	base = base ? base + 1 : path;
	if (file_read_capped(path, CONFIG_MAX_SIZE, &text) < 0) {
		buf_release(&text);
		if (errno == ENOENT && missing_ok)
			return 0;
		if (errno == EFBIG)
			return err_set(err, "%s: larger than %d bytes", path,
				       CONFIG_MAX_SIZE);
		return err_errno(err, "cannot read configuration '%s'", path);
	}
	ret = load_text(c, text.ptr, text.len, base, err);
	buf_release(&text);
	return ret;
}

int config_load_home(struct config *c, const char *home, struct err *err)
{
	char *path = xstrfmt("%s/solum.yaml", home);
	const char *dh = getenv("DOCKER_HOST");
	int ret;

	free(c->home);
	c->home = xstrdup(home);
	ret = config_load(c, path, 1, err);
	free(path);
	if (!ret && dh && *dh) {
		free(c->docker_host);
		c->docker_host = xstrdup(dh);
	}
	/* as the docker CLI: DOCKER_TLS_VERIFY set and not empty turns TLS on */
	dh = getenv("DOCKER_TLS_VERIFY");
	if (!ret && dh)
		c->docker_tls_verify = *dh != '\0';
	dh = getenv("DOCKER_CERT_PATH");
	if (!ret && dh && *dh) {
		free(c->docker_cert_path);
		c->docker_cert_path = xstrdup(dh);
	}
	return ret;
}
