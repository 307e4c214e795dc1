/* unit tests for dockerignore: Docker's .dockerignore reading and matching */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "dockerignore.h"

/*
 * The cases below are those of moby's patternmatcher and ignorefile tests
 * (and the filepath.Match cases they borrow from Go), so that solum agrees
 * with `docker build` on them.
 */

enum expect { FAIL, EXACT, INEXACT };

static const struct single_case {
	const char *pattern, *text;
	enum expect pass;
} single_cases[] = {
	{ "**", "file", EXACT },
	{ "**", "file/", EXACT },
	{ "**/", "file", EXACT },
	{ "**/", "file/", EXACT },
	{ "**", "/", EXACT },
	{ "**/", "/", EXACT },
	{ "**", "dir/file", EXACT },
	{ "**/", "dir/file", EXACT },
	{ "**", "dir/file/", EXACT },
	{ "**/", "dir/file/", EXACT },
	{ "**/**", "dir/file", EXACT },
	{ "**/**", "dir/file/", EXACT },
	{ "dir/**", "dir/file", EXACT },
	{ "dir/**", "dir/file/", EXACT },
	{ "dir/**", "dir/dir2/file", EXACT },
	{ "dir/**", "dir/dir2/file/", EXACT },
	{ "**/dir", "dir", EXACT },
	{ "**/dir", "dir/file", INEXACT },
	{ "**/dir2/*", "dir/dir2/file", EXACT },
	{ "**/dir2/*", "dir/dir2/file/", INEXACT },
	{ "**/dir2/**", "dir/dir2/dir3/file", EXACT },
	{ "**/dir2/**", "dir/dir2/dir3/file/", EXACT },
	{ "**file", "file", EXACT },
	{ "**file", "dir/file", EXACT },
	{ "**/file", "dir/file", EXACT },
	{ "**file", "dir/dir/file", EXACT },
	{ "**/file", "dir/dir/file", EXACT },
	{ "**/file*", "dir/dir/file", EXACT },
	{ "**/file*", "dir/dir/file.txt", EXACT },
	{ "**/file*txt", "dir/dir/file.txt", EXACT },
	{ "**/file*.txt", "dir/dir/file.txt", EXACT },
	{ "**/file*.txt*", "dir/dir/file.txt", EXACT },
	{ "**/**/*.txt", "dir/dir/file.txt", EXACT },
	{ "**/**/*.txt2", "dir/dir/file.txt", FAIL },
	{ "**/*.txt", "file.txt", EXACT },
	{ "**/**/*.txt", "file.txt", EXACT },
	{ "a**/*.txt", "a/file.txt", EXACT },
	{ "a**/*.txt", "a/dir/file.txt", EXACT },
	{ "a**/*.txt", "a/dir/dir/file.txt", EXACT },
	{ "a/*.txt", "a/dir/file.txt", FAIL },
	{ "a/*.txt", "a/file.txt", EXACT },
	{ "a/*.txt**", "a/file.txt", EXACT },
	{ "a[b-d]e", "ae", FAIL },
	{ "a[b-d]e", "ace", EXACT },
	{ "a[b-d]e", "aae", FAIL },
	{ "a[^b-d]e", "aze", EXACT },
	{ ".*", ".foo", EXACT },
	{ ".*", "foo", FAIL },
	{ "abc.def", "abcdef", FAIL },
	{ "abc.def", "abc.def", EXACT },
	{ "abc.def", "abcZdef", FAIL },
	{ "abc?def", "abcZdef", EXACT },
	{ "abc?def", "abcdef", FAIL },
	{ "**/foo/bar", "foo/bar", EXACT },
	{ "**/foo/bar", "dir/foo/bar", EXACT },
	{ "**/foo/bar", "dir/dir2/foo/bar", EXACT },
	{ "abc/**", "abc", FAIL },
	{ "abc/**", "abc/def", EXACT },
	{ "abc/**", "abc/def/ghi", EXACT },
	{ "**/.foo", ".foo", EXACT },
	{ "**/.foo", "bar.foo", FAIL },
	{ "a(b)c/def", "a(b)c/def", EXACT },
	{ "a(b)c/def", "a(b)c/xyz", FAIL },
	{ "a.|)$(}+{bc", "a.|)$(}+{bc", EXACT },
	{ "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
	{ "dist/*.whl",
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", EXACT },
	{ "a\\\\", "a\\", EXACT },
	{ "a\\*b", "a*b", EXACT },
	/* Docker's quirks, kept on purpose */
	{ "**file", "xfile", EXACT },	/* a suffix match */
	{ "a**b", "a/x/b", EXACT },
	{ "a**b", "axb", FAIL },
	{ "a**b", "ab", EXACT },
	{ "**", "x\ny", EXACT },
	{ "**/**", "x\ny", FAIL },	/* Go's `.` stops at a newline */
	{ "a*", "a\nb", EXACT },
	{ "h\xc3\xa9llo", "h\xc3\xa9llo", EXACT },
	{ "h?llo", "h\xc3\xa9llo", EXACT },
	{ "h??llo", "h\xc3\xa9llo", FAIL },
};

static const struct multi_case {
	const char *patterns[4];
	const char *text;
	enum expect pass;
} multi_cases[] = {
	{ { "**", "!util/docker/web" }, "util/docker/web/foo", FAIL },
	{ { "**", "!util/docker/web", "util/docker/web/foo" },
	  "util/docker/web/foo", EXACT },
	{ { "**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl" },
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL },
	{ { "**", "!dist/*.whl" },
	  "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", FAIL },
};

/* Go's filepath.Match cases, through MatchesOrParentMatches. */
static const struct match_case {
	const char *pattern, *text;
	int match;
	int bad;
} match_cases[] = {
	{ "abc", "abc", 1, 0 },
	{ "*", "abc", 1, 0 },
	{ "*c", "abc", 1, 0 },
	{ "a*", "a", 1, 0 },
	{ "a*", "abc", 1, 0 },
	{ "a*", "ab/c", 1, 0 },
	{ "a*/b", "abc/b", 1, 0 },
	{ "a*/b", "a/c/b", 0, 0 },
	{ "a*b*c*d*e*/f", "axbxcxdxe/f", 1, 0 },
	{ "a*b*c*d*e*/f", "axbxcxdxexxx/f", 1, 0 },
	{ "a*b*c*d*e*/f", "axbxcxdxe/xxx/f", 0, 0 },
	{ "a*b*c*d*e*/f", "axbxcxdxexxx/fff", 0, 0 },
	{ "a*b?c*x", "abxbbxdbxebxczzx", 1, 0 },
	{ "a*b?c*x", "abxbbxdbxebxczzy", 0, 0 },
	{ "ab[c]", "abc", 1, 0 },
	{ "ab[b-d]", "abc", 1, 0 },
	{ "ab[e-g]", "abc", 0, 0 },
	{ "ab[^c]", "abc", 0, 0 },
	{ "ab[^b-d]", "abc", 0, 0 },
	{ "ab[^e-g]", "abc", 1, 0 },
	{ "a\\*b", "a*b", 1, 0 },
	{ "a\\*b", "ab", 0, 0 },
	{ "a?b", "a\xe2\x98\xba" "b", 1, 0 },
	{ "a[^a]b", "a\xe2\x98\xba" "b", 1, 0 },
	{ "a???b", "a\xe2\x98\xba" "b", 0, 0 },
	{ "a[^a][^a][^a]b", "a\xe2\x98\xba" "b", 0, 0 },
	{ "[a-\xce\xb6]*", "\xce\xb1", 1, 0 },
	{ "*[a-\xce\xb6]", "A", 0, 0 },
	{ "a?b", "a/b", 0, 0 },
	{ "a*b", "a/b", 0, 0 },
	{ "[\\]a]", "]", 1, 0 },
	{ "[\\-]", "-", 1, 0 },
	{ "[x\\-]", "x", 1, 0 },
	{ "[x\\-]", "-", 1, 0 },
	{ "[x\\-]", "z", 0, 0 },
	{ "[\\-x]", "x", 1, 0 },
	{ "[\\-x]", "-", 1, 0 },
	{ "[\\-x]", "a", 0, 0 },
	{ "[]a]", "]", 0, 1 },
	{ "[-]", "-", 0, 1 },
	{ "[x-]", "x", 0, 1 },
	{ "[x-]", "-", 0, 1 },
	{ "[x-]", "z", 0, 1 },
	{ "[-x]", "x", 0, 1 },
	{ "[-x]", "-", 0, 1 },
	{ "[-x]", "a", 0, 1 },
	{ "\\", "a", 0, 1 },
	{ "[a-b-c]", "a", 0, 1 },
	{ "[", "a", 0, 1 },
	{ "[^", "a", 0, 1 },
	{ "[^bc", "a", 0, 1 },
	{ "a[", "a", 0, 1 },
	{ "a[", "ab", 0, 1 },
	{ "*x", "xxx", 1, 0 },
};

static struct dockerignore *make(const char *const *patterns, size_t nr)
{
	struct dockerignore *di = dockerignore_new();
	struct err err = ERR_INIT;
	size_t i;

	for (i = 0; i < nr && patterns[i]; i++)
		if (dockerignore_add(di, patterns[i], &err))
			fail_msg("pattern '%s' refused: %s", patterns[i],
				 err.msg);
	return di;
}

/* MatchesUsingParentResults, fed the results of each parent in turn. */
static int walk_match(struct dockerignore *di, const char *text)
{
	size_t size = dockerignore_state_size(di), i, len = strlen(text);
	unsigned char *a = calloc(1, size + 1), *b = calloc(1, size + 1), *t;
	const unsigned char *parent = NULL;
	char *prefix = strdup(text);
	int ret;

	/* the parents of `text` as Go's filepath.Dir gives them */
	for (i = 1; i < len; i++) {
		if (text[i] != '/')
			continue;
		prefix[i] = '\0';
		dockerignore_match_walk(di, prefix, parent, a);
		prefix[i] = '/';
		parent = a;
		t = a;
		a = b;
		b = t;
	}
	ret = dockerignore_match_walk(di, text, parent, a);
	free(prefix);
	free(a);
	free(b);
	return ret;
}

static void test_single_patterns(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(single_cases) / sizeof(*single_cases); i++) {
		const struct single_case *c = &single_cases[i];
		const char *pats[] = { c->pattern };
		struct dockerignore *di = make(pats, 1);
		int want_exact = c->pass == EXACT, want_any = c->pass != FAIL;
		int got_exact = dockerignore_matches_exact(di, c->text);
		int got_parent = dockerignore_matches(di, c->text);
		int got_walk = walk_match(di, c->text);
		size_t size = dockerignore_state_size(di);
		unsigned char *st = calloc(1, size + 1);
		int got_nocontext = dockerignore_match_walk(di, c->text, NULL,
							    st);

		free(st);
		if (got_exact != want_exact || got_parent != want_any ||
		    got_walk != want_any || got_nocontext != want_any) {
			print_error("pattern '%s' text '%s': exact %d/%d "
				    "parent %d/%d walk %d/%d nocontext %d/%d\n",
				    c->pattern, c->text, got_exact, want_exact,
				    got_parent, want_any, got_walk, want_any,
				    got_nocontext, want_any);
			bad++;
		}
		dockerignore_free(di);
	}
	assert_int_equal(bad, 0);
}

static void test_multi_patterns(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(multi_cases) / sizeof(*multi_cases); i++) {
		const struct multi_case *c = &multi_cases[i];
		struct dockerignore *di = make(c->patterns, 4);
		int want = c->pass != FAIL;
		int got_parent = dockerignore_matches(di, c->text);
		int got_walk = walk_match(di, c->text);

		if (got_parent != want || got_walk != want) {
			print_error("case %zu text '%s': parent %d walk %d, want %d\n",
				    i, c->text, got_parent, got_walk, want);
			bad++;
		}
		dockerignore_free(di);
	}
	assert_int_equal(bad, 0);
}

static void test_filepath_match(void **state)
{
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(match_cases) / sizeof(*match_cases); i++) {
		const struct match_case *c = &match_cases[i];
		struct dockerignore *di = dockerignore_new();
		struct err err = ERR_INIT;
		int r = dockerignore_add(di, c->pattern, &err), got = 0;

		if (!r)
			got = dockerignore_matches(di, c->text);
		if ((r < 0) != c->bad || got != c->match) {
			print_error("Match('%s', '%s') = %d (err '%s'), want %d%s\n",
				    c->pattern, c->text, got, err.msg,
				    c->match, c->bad ? " and an error" : "");
			bad++;
		}
		if (r < 0 && !strstr(err.msg, "syntax error in pattern")) {
			print_error("unexpected message '%s'\n", err.msg);
			bad++;
		}
		dockerignore_free(di);
	}
	assert_int_equal(bad, 0);
}

static void test_matches_basics(void **state)
{
	const char *star[] = { "*" }, *go[] = { "*.go" };
	const char *exc_before[] = { "!fileutils.go", "*.go" };
	const char *exc_after[] = { "*.go", "!fileutils.go" };
	const char *folder[][2] = {
		{ "docs", "!docs/README.md" },
		{ "docs/", "!docs/README.md" },
		{ "docs/*", "!docs/README.md" },
	};
	struct dockerignore *di;
	struct err err = ERR_INIT;
	size_t i;

	(void)state;
	di = make(star, 1);
	assert_true(dockerignore_matches(di, "fileutils.go"));
	dockerignore_free(di);
	di = make(go, 1);
	assert_true(dockerignore_matches(di, "fileutils.go"));
	assert_false(dockerignore_matches(di, "."));	/* never the top */
	dockerignore_free(di);
	di = make(exc_before, 2);
	assert_true(dockerignore_matches(di, "fileutils.go"));
	dockerignore_free(di);
	di = make(exc_after, 2);
	assert_false(dockerignore_matches(di, "fileutils.go"));
	dockerignore_free(di);
	for (i = 0; i < 3; i++) {
		di = make(folder[i], 2);
		assert_false(dockerignore_matches(di, "docs/README.md"));
		assert_true(dockerignore_has_exceptions(di));
		dockerignore_free(di);
	}

	/* no patterns: nothing matches */
	di = dockerignore_new();
	assert_false(dockerignore_matches(di, "/any/path/there"));
	assert_int_equal(dockerignore_count(di), 0);
	assert_false(dockerignore_has_exceptions(di));
	/* a lone "!" and a malformed pattern are errors */
	assert_int_equal(dockerignore_add(di, "!", &err), -1);
	assert_string_equal(err.msg, "illegal exclusion pattern: '!'");
	assert_int_equal(dockerignore_add(di, "[", &err), -1);
	/* empty patterns are dropped; white space is trimmed */
	assert_int_equal(dockerignore_add(di, "docs", &err), 0);
	assert_int_equal(dockerignore_add(di, "", &err), 0);
	assert_int_equal(dockerignore_add(di, "   ", &err), 0);
	assert_int_equal(dockerignore_add(di, "  !docs/README.md  ", &err), 0);
	assert_int_equal(dockerignore_count(di), 2);
	assert_true(dockerignore_has_exceptions(di));
	dockerignore_free(di);
	dockerignore_free(NULL);
}

static void read_ok(struct dockerignore *di, const char *text)
{
	struct err err = ERR_INIT;

	if (dockerignore_read(di, ".dockerignore", text, strlen(text), &err))
		fail_msg("read refused: %s", err.msg);
}

static void assert_patterns(struct dockerignore *di, const char *const *want)
{
	size_t i;
	int exc;
	const char *p;
	struct buf got = BUF_INIT;

	for (i = 0; want[i]; i++) {
		assert_true(i < dockerignore_count(di));
		p = dockerignore_pattern(di, i, &exc);
		buf_reset(&got);
		if (exc)
			buf_addch(&got, '!');
		buf_addstr(&got, p);
		assert_string_equal(got.ptr, want[i]);
	}
	assert_int_equal(dockerignore_count(di), i);
	buf_release(&got);
}

static void test_read_file(void **state)
{
	static const char content[] =
		"test1\n"
		"/test2\n"
		"/a/file/here\n"
		"\n"
		"lastfile\n"
		"# this is a comment\n"
		"! /inverted/abs/path\n";
	static const char *const want[] = {
		"test1", "test2", "a/file/here", "lastfile",
		"!inverted/abs/path", NULL
	};
	static const char crlf[] =
		"\xef\xbb\xbf" "first\r\n"
		"  # not a comment\r\n"
		"\t\xc2\xa0spaced\xc2\xa0 \r\n"
		"./dot/../clean//me/\n"
		"/\n"
		"last";
	static const char *const want_crlf[] = {
		"first", "# not a comment", "spaced", "clean/me", "/", "last",
		NULL
	};
	struct dockerignore *di;
	struct err err = ERR_INIT;

	(void)state;
	di = dockerignore_new();
	read_ok(di, content);
	assert_patterns(di, want);
	dockerignore_free(di);

	di = dockerignore_new();
	read_ok(di, crlf);
	assert_patterns(di, want_crlf);
	dockerignore_free(di);

	/* "!/" is cleaned to "!" by the matcher, so Docker refuses it too */
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore", "!/", 2, &err),
			 -1);
	dockerignore_free(di);

	/* "!" alone on a line is refused, naming the file and the line */
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore",
					   "a\n# c\n!\n", 7, &err), -1);
	assert_string_equal(err.msg,
			    "'.dockerignore' line 3: illegal exclusion pattern: '!'");
	dockerignore_free(di);

	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, "x/.dockerignore", "ok\n  [a-\n",
					   10, &err), -1);
	assert_string_equal(err.msg,
			    "'x/.dockerignore' line 2: syntax error in pattern '[a-'");
	dockerignore_free(di);

	/* a comment mark only counts in the first column */
	di = dockerignore_new();
	read_ok(di, "#x\n #y\n");
	assert_true(dockerignore_matches(di, "#y"));
	assert_false(dockerignore_matches(di, "#x"));
	dockerignore_free(di);
}

static void test_limits(void **state)
{
	struct dockerignore *di;
	struct err err = ERR_INIT;
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	/* a pattern of the maximum length is fine, one byte more is not */
	for (i = 0; i < DOCKERIGNORE_MAX_PATTERN; i++)
		buf_addch(&b, 'a');
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore", b.ptr, b.len,
					   &err), 0);
	dockerignore_free(di);
	buf_addch(&b, 'a');
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore", b.ptr, b.len,
					   &err), -1);
	assert_string_equal(err.msg,
			    "'.dockerignore' line 1: pattern longer than 4096 bytes");
	dockerignore_free(di);

	buf_reset(&b);
	for (i = 0; i < DOCKERIGNORE_MAX_PATTERNS; i++)
		buf_addf(&b, "p%zu\n", i);
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore", b.ptr, b.len,
					   &err), 0);
	assert_int_equal(dockerignore_count(di), DOCKERIGNORE_MAX_PATTERNS);
	dockerignore_free(di);
	buf_addstr(&b, "one-too-many\n");
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, ".dockerignore", b.ptr, b.len,
					   &err), -1);
	assert_string_equal(err.msg,
			    "'.dockerignore' line 10001: more than 10000 patterns");
	dockerignore_free(di);

	buf_reset(&b);
	while (b.len <= DOCKERIGNORE_MAX_SIZE)
		buf_addstr(&b, "# a comment line to fill the file up\n");
	di = dockerignore_new();
	assert_int_equal(dockerignore_read(di, "big", b.ptr, b.len, &err), -1);
	assert_string_equal(err.msg, "'big': larger than 1048576 bytes");
	dockerignore_free(di);
	buf_release(&b);

	/* a pathological pattern still matches in linear time */
	buf_reset(&b);
	for (i = 0; i < 1000; i++)
		buf_addstr(&b, "**/a");
	di = dockerignore_new();
	assert_int_equal(dockerignore_add(di, b.ptr, &err), 0);
	buf_reset(&b);
	for (i = 0; i < 2000; i++)
		buf_addstr(&b, "a/");
	buf_addch(&b, 'b');
	assert_false(dockerignore_matches_exact(di, b.ptr));
	buf_setlen(&b, 2 * 999);
	buf_addch(&b, 'a');
	assert_true(dockerignore_matches_exact(di, b.ptr));
	buf_setlen(&b, 2 * 998);
	buf_addch(&b, 'a');
	assert_false(dockerignore_matches_exact(di, b.ptr));
	dockerignore_free(di);
	buf_release(&b);
}

/* What a build context walk sends, as the docker CLI decides it. */
static void test_walk(void **state)
{
	static const struct {
		const char *file;
		const char *path;
		int skip;
	} cases[] = {
		{ "docs\n!docs/README.md\n", "docs/README.md", 0 },
		{ "docs\n!docs/README.md\n", "docs/other.md", 1 },
		{ "docs\n!docs/README.md\n", "docs/sub/README.md", 1 },
		/* no exception can start with "dir/": skipped whole */
		{ "dir\n!*.md\n", "dir/x.md", 1 },
		{ "dir\n!**/*.md\n", "dir/x.md", 1 },
		/* ... but one that names a path below it keeps it open */
		{ "dir\n!**/*.md\n!dir/sub\n", "dir/x.md", 0 },
		{ "*\n!src\n", "src/main.c", 0 },
		{ "*\n!src\n", "README", 1 },
		{ "*\n!src\nsrc/*.o\n", "src/main.o", 1 },
		{ "**/*.log\n", "a/b/c.log", 1 },
		{ "**/*.log\n", "c.log", 1 },
		{ "**/*.log\n!keep/*.log\n", "keep/x.log", 0 },
		{ "node_modules\n", "node_modules/x/y.js", 1 },
		{ "node_modules\n", "sub/node_modules/y.js", 0 },
		{ "/abs\n", "abs/x", 1 },
		{ "*/tmp\n", "a/tmp/x", 1 },
		{ "*/tmp\n", "tmp/x", 0 },
		/* the Dockerfile is sent even when the patterns say no */
		{ "*\n", "Dockerfile", 0 },
		{ "Dockerfile\n.dockerignore\n", ".dockerignore", 0 },
		{ "*\n", "other", 1 },
	};
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct dockerignore *di = dockerignore_new();
		struct err err = ERR_INIT;
		int got;

		read_ok(di, cases[i].file);
		if (dockerignore_keep(di, ".dockerignore", &err) ||
		    dockerignore_keep(di, "Dockerfile", &err))
			fail_msg("keep: %s", err.msg);
		got = dockerignore_excluded(di, cases[i].path);
		if (got != cases[i].skip) {
			print_error("case %zu: '%s' is %s, want %s\n", i,
				    cases[i].path, got ? "skipped" : "sent",
				    cases[i].skip ? "skipped" : "sent");
			bad++;
		}
		dockerignore_free(di);
	}
	assert_int_equal(bad, 0);
}

static void test_keep(void **state)
{
	struct dockerignore *di;
	struct err err = ERR_INIT;
	int exc;

	(void)state;
	di = dockerignore_new();
	read_ok(di, "*.txt\n");
	assert_int_equal(dockerignore_keep(di, "Dockerfile", &err), 0);
	assert_int_equal(dockerignore_count(di), 1);	/* not matched */
	assert_int_equal(dockerignore_keep(di, "build/a.txt", &err), 0);
	assert_int_equal(dockerignore_count(di), 1);	/* `*` and `/` */
	assert_int_equal(dockerignore_keep(di, "a.txt", &err), 0);
	assert_int_equal(dockerignore_count(di), 2);
	assert_string_equal(dockerignore_pattern(di, 1, &exc), "a.txt");
	assert_true(exc);
	assert_false(dockerignore_matches(di, "a.txt"));
	assert_true(dockerignore_matches(di, "b.txt"));
	dockerignore_free(di);

	/* a kept Dockerfile inside an excluded directory */
	di = dockerignore_new();
	read_ok(di, "docker\n");
	assert_int_equal(dockerignore_keep(di, "docker/Dockerfile", &err), 0);
	assert_false(dockerignore_excluded(di, "docker/Dockerfile"));
	assert_true(dockerignore_excluded(di, "docker/other"));
	dockerignore_free(di);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_patterns),
		cmocka_unit_test(test_multi_patterns),
		cmocka_unit_test(test_filepath_match),
		cmocka_unit_test(test_matches_basics),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_keep),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("dockerignore", tests, NULL, NULL);
}
