/* authkeys: parse OpenSSH authorized_keys lines (pure; no I/O) */
#ifndef SOLUM_AUTHKEYS_H
#define SOLUM_AUTHKEYS_H

#include "err.h"

#define AUTHKEYS_LINE_MAX 16384

/* One public key. Strings are owned: authkey_release(). */
struct authkey {
	char *type;		/* "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ... */
	char *blob;		/* the base64 field, as given */
	char *comment;		/* may be "" */
	char *fingerprint;	/* "SHA256:<base64 without padding>" */
};

void authkey_init(struct authkey *k);
void authkey_release(struct authkey *k);

/*
 * Parse one authorized_keys line: optional options (refused: solum keys
 * carry no options, so a line with options is an error), type, base64
 * blob, optional comment. The blob must decode, its embedded type must
 * match, and it must be a key type libssh accepts. Returns 0, or -1 with a
 * one-line reason. Blank lines and comments are errors too (callers skip
 * them first with authkeys_is_blank()).
 */
int authkey_parse(const char *line, struct authkey *out, struct err *err);

/* 1 if the line is empty, whitespace or a '#' comment. */
int authkeys_is_blank(const char *line);

/*
 * Fingerprint of a raw base64 blob, as OpenSSH prints it ("SHA256:...").
 * Owned string, or NULL (with err) if the blob is not a valid key.
 */
char *authkey_fingerprint(const char *type, const char *blob,
			  struct err *err);

#endif
