/* hostkey: the SSH front's host keys under <home>/ssh (create, load) */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "buf.h"
#include "hostkey.h"
#include "log.h"
#include "banned.h"

static const struct {
	const char *file;
	enum ssh_keytypes_e type;
	int bits;
	const char *comment;
} hostkeys[] = {
	{ "host_ed25519_key", SSH_KEYTYPE_ED25519, 0, "solum-host-key" },
	{ "host_rsa_key", SSH_KEYTYPE_RSA, 3072, "solum-host-key" },
	/* the client key: fetches of upstreams, reports to Gerrit */
	{ "id_ed25519", SSH_KEYTYPE_ED25519, 0, "solum" },
};

#define NHOSTKEYS 2	/* the first ones: what the SSH front offers */

/*
 * Write `data` to `path` with `mode` unless `path` exists: a temporary file
 * is written, synced and linked into place, so `path` is either absent or
 * complete. Returns 0 when written or already there.
 */
static int write_new_file(const char *path, const char *data, mode_t mode,
			  struct err *err)
{
	char *tmp = xstrfmt("%s.tmp.%ld", path, (long)getpid());
	size_t len = strlen(data), off = 0;
	int fd, ret = -1;

	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		err_errno(err, "cannot create '%s'", tmp);
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err_errno(err, "cannot write '%s'", tmp);
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		err_errno(err, "cannot write '%s'", tmp);
		goto out;
	}
	if (link(tmp, path) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create '%s'", path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	return ret;
}

static int write_pubkey(const char *path, ssh_key key, const char *comment,
			struct err *err)
{
	char *b64 = NULL, *line = NULL;
	int ret;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return err_set(err, "cannot export the public key of '%s'",
			       path);
	line = xstrfmt("%s %s %s\n", ssh_key_type_to_char(ssh_key_type(key)),
		       b64, comment);
	ret = write_new_file(path, line, 0644, err);
	ssh_string_free_char(b64);
	free(line);
	return ret;
}

int hostkey_ensure(const char *home, struct err *err)
{
	char *dir = xstrfmt("%s/ssh", home), *path = NULL, *pub = NULL;
	char *b64 = NULL;
	ssh_key key = NULL;
	struct stat st;
	size_t i;
	int ret = -1;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		err_errno(err, "cannot create '%s'", dir);
		goto out;
	}
	for (i = 0; i < sizeof(hostkeys) / sizeof(hostkeys[0]); i++) {
		free(path);
		free(pub);
		path = xstrfmt("%s/%s", dir, hostkeys[i].file);
		pub = xstrfmt("%s.pub", path);
		ssh_key_free(key);
		key = NULL;
		if (!stat(path, &st)) {
			/* keep the key; restore a lost .pub next to it */
			if (!stat(pub, &st))
				continue;
			if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
							&key) != SSH_OK) {
				err_set(err, "cannot read host key '%s'", path);
				goto out;
			}
			if (write_pubkey(pub, key, hostkeys[i].comment, err) < 0)
				goto out;
			continue;
		}
		if (errno != ENOENT) {
			err_errno(err, "cannot stat '%s'", path);
			goto out;
		}
		if (ssh_pki_generate(hostkeys[i].type, hostkeys[i].bits,
				     &key) != SSH_OK) {
			err_set(err, "cannot generate host key '%s'", path);
			goto out;
		}
		if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL,
						  &b64) != SSH_OK) {
			err_set(err, "cannot export host key '%s'", path);
			goto out;
		}
		if (write_new_file(path, b64, 0600, err) < 0)
			goto out;
		ssh_string_free_char(b64);
		b64 = NULL;
		if (write_pubkey(pub, key, hostkeys[i].comment, err) < 0)
			goto out;
	}
	ret = 0;
out:
	ssh_string_free_char(b64);
	ssh_key_free(key);
	free(dir);
	free(path);
	free(pub);
	return ret;
}

int hostkey_load(ssh_bind bind, const char *home, struct err *err)
{
	struct stat st;
	ssh_key key = NULL;
	char *path = NULL;
	size_t i;
	int ret = -1;

	for (i = 0; i < NHOSTKEYS; i++) {
		free(path);
		path = xstrfmt("%s/ssh/%s", home, hostkeys[i].file);
		if (!stat(path, &st) && (st.st_mode & 077))
			log_warnx("host key '%s' is readable by others (mode %03o); it should be 0600",
				  path, (unsigned)(st.st_mode & 0777));
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL,
						&key) != SSH_OK) {
			err_set(err, "cannot read host key '%s'", path);
			goto out;
		}
		/* only the types solum made: no ECDSA or DSA key is offered */
		if (ssh_key_type(key) != hostkeys[i].type) {
			err_set(err, "host key '%s' is a %s key; expected %s",
				path, ssh_key_type_to_char(ssh_key_type(key)),
				ssh_key_type_to_char(hostkeys[i].type));
			goto out;
		}
		if (ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY,
					 key) != SSH_OK) {
			err_set(err, "host key '%s': %s", path,
				ssh_get_error(bind));
			goto out;
		}
		key = NULL;	/* the bind owns it now */
	}
	ret = 0;
out:
	ssh_key_free(key);
	free(path);
	return ret;
}
