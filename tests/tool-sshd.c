/* tool-sshd: test-tool commands for the SSH front's parsers */
#include <stdio.h>
#include <string.h>

#include "authkeys.h"
#include "sshcmd.h"
#include "test-tool.h"

/*
 * sshcmd STRING: print "receive-pack REPO", "upload-pack REPO" or
 * "admin WORD..." (one word a line after the first); on refusal print the
 * client's line on stderr and exit 1.
 */
int tool_sshcmd(int argc, char **argv)
{
	struct sshcmd c;
	struct err err = ERR_INIT;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: test-tool sshcmd STRING\n");
		return 129;
	}
	sshcmd_init(&c);
	if (sshcmd_parse(argv[1], strlen(argv[1]), &c, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		sshcmd_release(&c);
		return 1;
	}
	switch (c.kind) {
	case SSHCMD_RECEIVE_PACK:
		printf("receive-pack %s\n", c.repo);
		break;
	case SSHCMD_UPLOAD_PACK:
		printf("upload-pack %s\n", c.repo);
		break;
	case SSHCMD_ADMIN:
		printf("admin\n");
		for (i = 0; i < c.args.nr; i++)
			printf("%s\n", c.args.v[i]);
		break;
	}
	sshcmd_release(&c);
	return 0;
}

/*
 * authkey LINE: print the fingerprint, then "type comment"; on refusal print
 * the reason on stderr and exit 1.
 */
int tool_authkey(int argc, char **argv)
{
	struct authkey k;
	struct err err = ERR_INIT;

	if (argc != 2) {
		fprintf(stderr, "usage: test-tool authkey LINE\n");
		return 129;
	}
	if (authkey_parse(argv[1], &k, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("%s\n%s %s\n", k.fingerprint, k.type, k.comment);
	authkey_release(&k);
	return 0;
}
