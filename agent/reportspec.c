/* reportspec: where an app's deploys are reported, parsed and checked */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"
#include "banned.h"

#define MAX_SPEC 1024

void report_spec_release(struct report_spec *r)
{
	free(r->url);
	free(r->user);
	free(r->host);
	memset(r, 0, sizeof(*r));
}

/* Printable ASCII without spaces, quotes or backslashes. */
static int plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f || strchr("\"'\\`<>{}|^", s[i]))
			return 0;
	return 1;
}

static int parse_gitlab(const char *v, struct report_spec *out,
			struct err *err)
{
	const char *rest, *p, *id;
	size_t n = strlen(v);

	if (!starts_with(v, "https://", &rest) &&
	    !starts_with(v, "http://", &rest))
		return err_set(err, "invalid --report: GitLab's API URL must start with http:// or https://");
	if (!plain(v, n) || strchr(v, '?') || strchr(v, '#'))
		return err_set(err, "invalid --report: the GitLab URL holds a space, a quote or a query");
	p = strstr(rest, "/projects/");
	if (!p || p == rest || rest[0] == '/')
		return err_set(err, "invalid --report: expected gitlab:API_URL/projects/ID, e.g. gitlab:https://gitlab.example.com/api/v4/projects/42");
	id = p + strlen("/projects/");
	while (n && v[n - 1] == '/')
		n--;
	if (id >= v + n || memchr(id, '/', (size_t)(v + n - id)))
		return err_set(err, "invalid --report: the project ID after /projects/ is a number or a URL-encoded path (group%%2Fproject)");
	if (memchr(rest, '@', (size_t)(p - rest)))
		return err_set(err, "invalid --report: no credentials in the URL; use --report-token");
	out->kind = REPORT_GITLAB;
	out->url = xstrndup(v, n);
	return 0;
}

static int parse_gerrit(const char *v, struct report_spec *out,
			struct err *err)
{
	const char *rest, *at, *host, *colon, *end;
	char *tail;
	long port = 29418;

	if (!starts_with(v, "ssh://", &rest) || !(at = strchr(rest, '@')) ||
	    at == rest)
		return err_set(err, "invalid --report: expected gerrit:ssh://USER@HOST:PORT");
	host = at + 1;
	end = host + strlen(host);
	if (end > host && end[-1] == '/')
		end--;
	if (*host == '[') {
		const char *close = memchr(host, ']', (size_t)(end - host));

		if (!close)
			return err_set(err, "invalid --report: unclosed '[' in the Gerrit host");
		colon = close[1] == ':' ? close + 1 : NULL;
		out->host = xstrndup(host + 1, (size_t)(close - host - 1));
		if (!colon && close + 1 != end)
			return err_set(err, "invalid --report: junk after the Gerrit host");
	} else {
		colon = memchr(host, ':', (size_t)(end - host));
		out->host = xstrndup(host, (size_t)((colon ? colon : end) - host));
	}
	if (colon) {
		port = strtol(colon + 1, &tail, 10);
		if (tail != end || port < 1 || port > 65535 || colon[1] == '+' ||
		    colon[1] == '-')
			return err_set(err, "invalid --report: the Gerrit port must be a number from 1 to 65535");
	}
	out->user = xstrndup(rest, (size_t)(at - rest));
	if (!*out->host || !plain(out->host, strlen(out->host)) ||
	    strpbrk(out->host, "/@?#"))
		return err_set(err, "invalid --report: bad Gerrit host");
	if (strpbrk(out->user, ":/@;"))
		return err_set(err, "invalid --report: bad Gerrit user name");
	out->kind = REPORT_GERRIT;
	out->port = (int)port;
	return 0;
}

int report_spec_parse(const char *spec, struct report_spec *out,
		      struct err *err)
{
	const char *v;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) > MAX_SPEC)
		return err_set(err, "invalid --report: longer than %d bytes",
			       MAX_SPEC);
	if (!plain(spec, strlen(spec)))
		return err_set(err, "invalid --report: spaces, quotes and control characters are not allowed");
	if (starts_with(spec, "gitlab:", &v))
		return parse_gitlab(v, out, err);
	if (starts_with(spec, "gerrit:", &v))
		return parse_gerrit(v, out, err);
	return err_set(err, "invalid --report: expected gitlab:API_URL/projects/ID or gerrit:ssh://USER@HOST:PORT");
}
