/* config: solum.yaml (read with libyaml), with defaults for every key */
#ifndef SOLUM_CONFIG_H
#define SOLUM_CONFIG_H

#include "err.h"

/*
 * Everything solum.yaml can set. Strings are owned by the struct
 * (config_release frees them). config_init fills in the defaults below,
 * which are also what `solum init` writes, commented.
 */
struct config {
	char *home;			/* not from the file: --home / SOLUM_HOME */

	/* sshd: */
	char *sshd_listen;		/* "127.0.0.1:2222" */
	int sshd_max_startups;		/* concurrent unauthenticated conns: 10 */
	int sshd_max_sessions;		/* concurrent connections in all: 64 */
	int sshd_login_grace_time;	/* seconds to authenticate: 30 */
	int sshd_idle_timeout;		/* seconds without traffic: 600 */
	char *sshd_user;		/* the login name clients use: "solum" */
	char *git_path;			/* directory holding git's programs, or NULL for PATH */
	char *sshd_kex;			/* key exchange algorithms, comma-separated */
	char *sshd_ciphers;		/* ciphers, comma-separated */
	char *sshd_macs;		/* MACs (encrypt-then-MAC only by default) */
	char *sshd_hostkey_algorithms;	/* host key signature algorithms */

	/* webhook: */
	char *webhook_listen;		/* "127.0.0.1:8090" */
	int webhook_max_connections;	/* concurrent connections: 64 */
	int webhook_timeout;		/* seconds a request may take: 10 */
	long long webhook_max_body;	/* bytes of a request body: 1m */

	/* client: SSH from solum (upstream fetches, reports to Gerrit) */
	char *client_identity;		/* private key, or NULL: <home>/ssh/id_ed25519 */
	char *client_known_hosts;	/* OpenSSH known_hosts, or NULL:
					   <home>/ssh/known_hosts */

	/* docker: */
	char *docker_host;		/* "unix:///var/run/docker.sock"; DOCKER_HOST wins */
	int docker_tls_verify;		/* 1: TLS to tcp:// hosts, server checked; DOCKER_TLS_VERIFY wins */
	char *docker_cert_path;		/* directory with ca.pem, cert.pem, key.pem; DOCKER_CERT_PATH wins */

	/* registry: */
	char *registry;			/* "127.0.0.1:5000", or NULL: no push */
	char *registry_username;
	char *registry_password;

	/* local backend: */
	char *local_bind;		/* address ports are published on: "127.0.0.1" */
	int local_port_min;		/* container ports, one per release: 20000 */
	int local_port_max;		/* 20999 */
	int public_port_min;		/* apps' stable ports (nginx): 8000 */
	int public_port_max;		/* 8999 */
	char *nginx_path;		/* "nginx" */
	int health_timeout;		/* seconds for the health check: 30 */
	char *public_host;		/* host shown in app URLs: "127.0.0.1" */
	long long local_memory;		/* bytes of memory per app container: 512m; 0: no limit */
	int local_pids;			/* processes per app container: 256; 0: no limit */

	/* openstack: */
	char *openstack_cloud;		/* clouds.yaml entry, or NULL: no OpenStack */
	char *openstack_region;		/* catalog region, or NULL: the cloud's */
	char *openstack_interface;	/* "public" */
	int openstack_stack_timeout;	/* seconds: 600 */
	int openstack_keep_images;	/* Glance images kept per app: 10 */
	char *openstack_templates;	/* directory of --template NAME, or NULL:
					   solum's own templates/ */
	/* deploy: */
	int progress_interval;		/* seconds between progress lines: 10 */
	int build_timeout;		/* seconds: 1800 */
	int keep_releases;		/* images kept for rollback: 10 */
};

void config_init(struct config *c);
void config_release(struct config *c);

/*
 * Read `path` over the defaults. A missing file is not an error when
 * `missing_ok`. Unknown keys, wrong types and out-of-range values are
 * errors naming the file, line and key: "solum.yaml:7: sshd.max_startups:
 * expected an integer from 1 to 1000, got 'x'".
 */
int config_load(struct config *c, const char *path, int missing_ok,
		struct err *err);

/*
 * Parse a size as Docker writes it ("512m", "1g", "65536", "64k"; case
 * insensitive, b/k/m/g suffixes, binary multiples) into *bytes_out.
 * "0" means no limit. -1 on anything else, the reason in err.
 */
int config_parse_size(const char *s, long long *bytes_out, struct err *err);

/* The default file that `solum init` writes (static string). */
const char *config_default_text(void);

/*
 * Load the configuration of the home directory `home`:
 * config_init + config_load("<home>/solum.yaml", missing_ok=1), with
 * DOCKER_HOST overriding docker.host.
 */
int config_load_home(struct config *c, const char *home, struct err *err);

/* client.identity and client.known_hosts, or their defaults; owned. */
char *config_client_identity(const struct config *c);
char *config_client_known_hosts(const struct config *c);

#endif
