/* authkeys: parse OpenSSH authorized_keys lines (pure; no I/O) */
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "authkeys.h"
#include "buf.h"
#include "banned.h"

#define CERT_SUFFIX "-cert-v01@openssh.com"
/*
 * What the line holds is never quoted back: `key add` may have been handed
 * a file that is not a key at all (a password file), and its error goes to
 * whoever ran it.
 */
#define UNKNOWN_TYPE "not a public key: no known key type (such as ssh-ed25519) at the start of the line"

void authkey_init(struct authkey *k)
{
	memset(k, 0, sizeof(*k));
}

void authkey_release(struct authkey *k)
{
	free(k->type);
	free(k->blob);
	free(k->comment);
	free(k->fingerprint);
	authkey_init(k);
}

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

int authkeys_is_blank(const char *line)
{
	while (is_space(*line) || *line == '\r' || *line == '\n')
		line++;
	return !*line || *line == '#';
}

/* The key type named inside the blob must be the one the line gives. */
static int check_embedded_type(const char *type, const char *blob,
			       struct err *err)
{
	struct buf raw = BUF_INIT;
	const unsigned char *head;
	size_t tlen = strlen(type), len;
	int ret = 0;

	/* the blob is bounded by the line (AUTHKEYS_LINE_MAX) */
	if (buf_add_base64_decoded(&raw, blob, 1) < 0) {
		ret = err_set(err, "invalid key: the key data is not base64");
		goto out;
	}
	if (raw.len < 4) {
		ret = err_set(err, "invalid key: the key data is too short");
		goto out;
	}
	head = (const unsigned char *)raw.ptr;
	len = ((size_t)head[0] << 24) | ((size_t)head[1] << 16) |
	      ((size_t)head[2] << 8) | head[3];
	if (len != tlen || raw.len < 4 + tlen || memcmp(head + 4, type, tlen))
		ret = err_set(err, "invalid key: the key data is not a '%s' key",
			      type);
out:
	buf_release(&raw);
	return ret;
}

static int supported_type(const char *type, struct err *err)
{
	size_t n = strlen(type), s = strlen(CERT_SUFFIX);

	if (n > s && !strcmp(type + n - s, CERT_SUFFIX))
		return err_set(err, "certificates are not supported; give the plain public key");
	if (!strcmp(type, "ssh-dss"))
		return err_set(err, "ssh-dss keys are not supported; use an ssh-ed25519 key");
	if (ssh_key_type_from_name(type) == SSH_KEYTYPE_UNKNOWN)
		return err_set(err, UNKNOWN_TYPE);
	return 0;
}

char *authkey_fingerprint(const char *type, const char *blob,
			  struct err *err)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, *ret = NULL;
	enum ssh_keytypes_e kt;

	if (supported_type(type, err) < 0 ||
	    check_embedded_type(type, blob, err) < 0)
		return NULL;
	kt = ssh_key_type_from_name(type);
	if (ssh_pki_import_pubkey_base64(blob, kt, &key) != SSH_OK) {
		err_set(err, "invalid key: cannot decode the '%s' key data",
			type);
		goto out;
	}
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
				   &hlen) < 0) {
		err_set(err, "invalid key: cannot compute its fingerprint");
		goto out;
	}
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (!fp) {
		err_set(err, "invalid key: cannot compute its fingerprint");
		goto out;
	}
	ret = xstrdup(fp);
out:
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return ret;
}

/* A word: up to the next space or tab. */
static const char *next_word(const char *p, size_t *len_out)
{
	while (is_space(*p))
		p++;
	*len_out = 0;
	while (p[*len_out] && !is_space(p[*len_out]))
		(*len_out)++;
	return p;
}

static int looks_like_type(const char *w, size_t n)
{
	char t[128];

	if (!n || n >= sizeof(t))
		return 0;
	memcpy(t, w, n);
	t[n] = '\0';
	return ssh_key_type_from_name(t) != SSH_KEYTYPE_UNKNOWN ||
	       !strcmp(t, "ssh-dss");
}

int authkey_parse(const char *line, struct authkey *out, struct err *err)
{
	char *copy = NULL, *type = NULL, *blob = NULL, *comment = NULL;
	const char *w, *rest;
	size_t n, len, i;
	int ret = -1;

	authkey_init(out);
	len = strlen(line);
	if (len > AUTHKEYS_LINE_MAX)
		return err_set(err, "key line too long (more than %d bytes)",
			       AUTHKEYS_LINE_MAX);
	copy = xstrndup(line, len);
	while (len && (copy[len - 1] == '\n' || copy[len - 1] == '\r' ||
		       is_space(copy[len - 1])))
		copy[--len] = '\0';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)copy[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			err_set(err, "invalid character in key line");
			goto out;
		}
	}
	if (authkeys_is_blank(copy)) {
		err_set(err, "no key on the line");
		goto out;
	}

	w = next_word(copy, &n);
	if (!looks_like_type(w, n)) {
		/* `options type blob`: options are the only other form */
		const char *p;

		for (p = w; *p; p++)
			if (p > w && is_space(p[-1]) &&
			    (starts_with(p, "ssh-", NULL) ||
			     starts_with(p, "ecdsa-", NULL) ||
			     starts_with(p, "sk-", NULL)))
				break;
		if (*p)
			err_set(err, "key options are not supported; give the key without them");
		else
			err_set(err, UNKNOWN_TYPE);
		goto out;
	}
	type = xstrndup(w, n);
	if (supported_type(type, err) < 0)
		goto out;
	w = next_word(w + n, &n);
	if (!n) {
		err_set(err, "invalid key: no key data after '%s'", type);
		goto out;
	}
	blob = xstrndup(w, n);
	rest = w + n;
	while (is_space(*rest))
		rest++;
	comment = xstrdup(rest);

	out->fingerprint = authkey_fingerprint(type, blob, err);
	if (!out->fingerprint)
		goto out;
	out->type = type;
	out->blob = blob;
	out->comment = comment;
	type = blob = comment = NULL;
	ret = 0;
out:
	free(copy);
	free(type);
	free(blob);
	free(comment);
	return ret;
}
