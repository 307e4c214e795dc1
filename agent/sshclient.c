/* sshclient: solum as an SSH client (libssh): connect, check the server's
 * host key against known_hosts, log in with solum's key */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "knownhosts.h"
#include "sshclient.h"
#include "banned.h"

/* The server's key against o->known_hosts: 0 when it is listed. */
static int check_host(ssh_session s, const struct sshclient_opts *o,
		      struct err *err)
{
	struct buf blob = BUF_INIT;
	ssh_key key = NULL;
	char *b64 = NULL;
	int rc;

	if (ssh_get_server_publickey(s, &key) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK ||
	    buf_add_base64_decoded(&blob, b64, 1) < 0) {
		ssh_key_free(key);
		ssh_string_free_char(b64);
		buf_release(&blob);
		return err_set(err, "ssh %s port %d: no host key", o->host,
			       o->port);
	}
	rc = knownhosts_check(o->known_hosts, o->host, o->port,
			      (const unsigned char *)blob.ptr, blob.len, err);
	buf_release(&blob);
	ssh_string_free_char(b64);
	ssh_key_free(key);
	if (rc == KNOWNHOSTS_UNKNOWN)
		return err_set(err, "the SSH host key of %s port %d is not in '%s' (add it: ssh-keyscan -p %d %s >> %s)",
			       o->host, o->port, o->known_hosts, o->port,
			       o->host, o->known_hosts);
	if (rc == KNOWNHOSTS_CHANGED)
		return err_set(err, "the SSH host key of %s port %d does not match '%s': refusing to connect",
			       o->host, o->port, o->known_hosts);
	return rc < 0 ? -1 : 0;
}

static int login(ssh_session s, const struct sshclient_opts *o,
		 struct err *err)
{
	ssh_key key = NULL;
	int rc;

	if (ssh_pki_import_privkey_file(o->identity, NULL, NULL, NULL,
					&key) != SSH_OK)
		return err_set(err, "cannot read solum's SSH key '%s'",
			       o->identity);
	rc = ssh_userauth_publickey(s, NULL, key);
	ssh_key_free(key);
	if (rc != SSH_AUTH_SUCCESS)
		return err_set(err, "ssh %s@%s port %d refused solum's key '%s' (give %s.pub access there)",
			       o->user, o->host, o->port, o->identity,
			       o->identity);
	return 0;
}

int sshclient_connect(const struct sshclient_opts *o, ssh_session *out,
		      struct err *err)
{
	ssh_session s = ssh_new();
	long timeout = o->timeout_secs;
	unsigned int port = (unsigned int)o->port;
	bool no = false;

	*out = NULL;
	if (!s)
		return err_set(err, "out of memory");
	if (ssh_options_set(s, SSH_OPTIONS_HOST, o->host) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, o->user) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0) {
		err_set(err, "ssh %s port %d: %s", o->host, o->port,
			ssh_get_error(s));
		ssh_free(s);
		return -1;
	}
	if (ssh_connect(s) != SSH_OK) {
		err_set(err, "ssh %s port %d: %s", o->host, o->port,
			ssh_get_error(s));
		ssh_free(s);
		return -1;
	}
	if (check_host(s, o, err) < 0 || login(s, o, err) < 0) {
		sshclient_close(s);
		return -1;
	}
	*out = s;
	return 0;
}

void sshclient_close(ssh_session s)
{
	if (!s)
		return;
	ssh_disconnect(s);
	ssh_free(s);
}
