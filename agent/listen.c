/* listen: a listening TCP socket for the fronts (sshd, webhook) */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "banned.h"

static int parse_listen(const char *addr, char *host, size_t hsize,
			char *port, size_t psize, struct err *err)
{
	const char *colon = strrchr(addr, ':');
	const char *h = addr;
	size_t hlen;

	if (!colon || !colon[1])
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	hlen = (size_t)(colon - addr);
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
	}
	if (!hlen || hlen >= hsize || strlen(colon + 1) >= psize)
		return err_set(err, "invalid listen address '%s': expected ADDR:PORT",
			       addr);
	/* getaddrinfo takes "99999" and binds port 34463 */
	if (strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strlen(colon + 1) > 5 || strtol(colon + 1, NULL, 10) > 65535)
		return err_set(err, "invalid listen address '%s': the port is 0 to 65535",
			       addr);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

int listen_open(const char *addr, int backlog, struct err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[32], shown[300];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1, rc;

	if (parse_listen(addr, host, sizeof(host), port, sizeof(port),
			 err) < 0)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc)
		return err_set(err, "listen address '%s': %s", addr,
			       gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0) {
		err_errno(err, "socket for '%s'", addr);
		goto fail;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (listen(fd, backlog) < 0) {
		err_errno(err, "cannot listen on '%s'", addr);
		goto fail;
	}
	if (!getsockname(fd, (struct sockaddr *)&ss, &sl) &&
	    !getnameinfo((struct sockaddr *)&ss, sl, host, sizeof(host), port,
			 sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(shown, sizeof(shown),
			 strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
		log_info("listening on %s", shown);
	}
	freeaddrinfo(res);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return -1;
}
