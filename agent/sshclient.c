/* sshclient: solum as an SSH client (libssh): connect, check the server's
 * host key against known_hosts, log in with solum's key */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "out.h"
#include "sshclient.h"
#include "banned.h"

void sshclient_where(const char *host, int port, char *dst, size_t size)
{
	if (port == 22 && !strchr(host, ':'))
		snprintf(dst, size, "%s", host);
	else
		snprintf(dst, size, "[%s]:%d", host, port);
}

int sshclient_budget(ssh_session s, long long deadline, struct err *err)
{
	long long left = deadline - out_now_ms();
	long secs, usecs;

	if (left <= 0)
		return err_set(err, "no answer in time");
	secs = (long)(left / 1000);
	usecs = (long)(left % 1000) * 1000;
	if (ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &secs) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usecs) < 0)
		return err_set(err, "cannot set a timeout: %s",
			       ssh_get_error(s));
	return 0;
}

/* The host key must be the one o->known_hosts has for the host. */
static int check_host(ssh_session s, const struct sshclient_opts *o,
		      const char *where, struct err *err)
{
	switch (ssh_session_is_known_server(s)) {
	case SSH_KNOWN_HOSTS_OK:
		return 0;
	case SSH_KNOWN_HOSTS_CHANGED:
		return err_set(err, "the host key of %s is not the one in '%s': refused (if the change is expected, replace its line there)",
			       where, o->known_hosts);
	case SSH_KNOWN_HOSTS_OTHER:
		return err_set(err, "%s offered a host key of another type than the one in '%s': refused",
			       where, o->known_hosts);
	case SSH_KNOWN_HOSTS_UNKNOWN:
		return err_set(err, "the host key of %s is not in '%s': refused (add its line there once checked: ssh-keyscan -p %d %s)",
			       where, o->known_hosts, o->port, o->host);
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		return err_set(err, "no known hosts file '%s' to check the host key of %s: refused",
			       o->known_hosts, where);
	default:
		return err_set(err, "cannot check the host key of %s: %s",
			       where, ssh_get_error(s));
	}
}

static int login(ssh_session s, const struct sshclient_opts *o,
		 const char *where, struct err *err)
{
	ssh_key key = NULL;
	int rc;

	if (ssh_pki_import_privkey_file(o->identity, NULL, NULL, NULL,
					&key) != SSH_OK)
		return err_set(err, "cannot read the client key '%s'",
			       o->identity);
	if (sshclient_budget(s, o->deadline, err) < 0) {
		ssh_key_free(key);
		return err_wrap(err, "%s", where);
	}
	rc = ssh_userauth_publickey(s, NULL, key);
	ssh_key_free(key);
	if (rc == SSH_AUTH_SUCCESS)
		return 0;
	if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
		return err_set(err, "%s refused the key of '%s' for user '%s' (is '%s.pub' that account's SSH key?)",
			       where, o->identity, o->user, o->identity);
	return err_set(err, "cannot log in to %s: %s", where,
		       ssh_get_error(s));
}

static int setup(ssh_session s, const struct sshclient_opts *o)
{
	unsigned int port = (unsigned int)o->port;
	bool no = false;

	/* o->known_hosts alone decides; no ssh_config either */
	return ssh_options_set(s, SSH_OPTIONS_HOST, o->host) < 0 ||
	       ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
	       ssh_options_set(s, SSH_OPTIONS_USER, o->user) < 0 ||
	       ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, o->known_hosts) < 0 ||
	       ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
			       o->known_hosts) < 0 ||
	       ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ? -1 : 0;
}

int sshclient_connect(const struct sshclient_opts *o, ssh_session *out,
		      struct err *err)
{
	ssh_session s = ssh_new();
	char where[300];

	*out = NULL;
	sshclient_where(o->host, o->port, where, sizeof(where));
	if (!s)
		return err_set(err, "cannot create an SSH session");
	if (setup(s, o) < 0) {
		err_set(err, "%s: cannot set up the SSH session: %s", where,
			ssh_get_error(s));
		ssh_free(s);
		return -1;
	}
	if (sshclient_budget(s, o->deadline, err) < 0) {
		ssh_free(s);
		return err_wrap(err, "%s", where);
	}
	if (ssh_connect(s) != SSH_OK) {
		err_set(err, "cannot connect to %s: %s", where,
			ssh_get_error(s));
		ssh_free(s);
		return -1;
	}
	if (check_host(s, o, where, err) < 0 || login(s, o, where, err) < 0) {
		sshclient_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void sshclient_close(ssh_session s)
{
	long one = 1;

	if (!s)
		return;
	ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &one);
	ssh_disconnect(s);
	ssh_free(s);
}
