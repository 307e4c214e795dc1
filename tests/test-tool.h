/* test-tool: the tools, each in its own tests/tool-*.c */
#ifndef SOLUM_TEST_TOOL_H
#define SOLUM_TEST_TOOL_H

/* argv[0] is the tool's name; each returns the exit status */
int tool_tarstream(int argc, char **argv);	/* tests/tool-tarstream.c */
int tool_dockerignore(int argc, char **argv);	/* tests/tool-tarstream.c */
int tool_docker(int argc, char **argv);		/* tests/tool-docker.c */
int tool_jsonstream(int argc, char **argv);	/* tests/tool-docker.c */
int tool_nginx(int argc, char **argv);		/* tests/tool-nginx.c */
int tool_sshcmd(int argc, char **argv);		/* tests/tool-sshd.c */
int tool_authkey(int argc, char **argv);	/* tests/tool-sshd.c */
int tool_tarstream_build(int argc, char **argv);	/* tests/tool-bench.c */
int tool_release(int argc, char **argv);	/* tests/tool-release.c */
int tool_keystone(int argc, char **argv);	/* tests/tool-keystone.c */
int tool_heat(int argc, char **argv);		/* tests/tool-heat.c */
int tool_glance(int argc, char **argv);		/* tests/tool-glance.c */

#endif
