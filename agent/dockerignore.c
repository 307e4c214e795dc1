/* dockerignore: .dockerignore parsing and matching with Docker's own rules */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dockerignore.h"
#include "banned.h"

/*
 * How Docker's matcher treats a pattern. Patterns without any special
 * character are compared as strings; a pattern ending in `**` with nothing
 * special before it is a prefix; one starting with `**` and nothing special
 * after it is a suffix (so `**name` also matches `xname`); everything else
 * goes through an automaton equivalent to the regular expression that
 * Docker builds.
 */
enum match_type {
	MATCH_EXACT,
	MATCH_PREFIX,
	MATCH_SUFFIX,
	MATCH_AUTOMATON
};

/*
 * The automaton is a list of nodes run as a Thompson NFA over the runes of
 * the path (linear in the length of the path, whatever the pattern).
 * Each node has at most one empty move, always forward.
 */
enum op {
	OP_RUNE,	/* one rune equal to `arg` */
	OP_ANY,		/* `?`: one rune but `/` */
	OP_CLASS,	/* `[...]`: one rune in class `arg` */
	OP_STAR,	/* `*`: loop on runes but `/`; empty move to next */
	OP_DSTAR,	/* `**` then more: zero or more directories; */
			/* empty move to next+1 */
	OP_DSTAR_MID,	/* inside `.*` of the above, waiting for a `/` */
	OP_ANYSTAR,	/* `**` within a pattern's end: `.*` */
	OP_MATCH
};

struct node {
	unsigned char op;
	uint32_t arg;
};

struct range {
	uint32_t lo, hi;
};

struct class {
	size_t first, nr;	/* into pattern->ranges */
	int negated;
};

struct pattern {
	char *text;		/* cleaned, without the leading `!` */
	size_t len;
	int exclusion;
	enum match_type type;
	struct node *nodes;
	size_t nr_nodes;
	struct range *ranges;
	size_t nr_ranges;
	struct class *classes;
	size_t nr_classes;
};

struct dockerignore {
	struct pattern *patterns;
	size_t nr, alloc;
	int exclusions;
	/* scratch for the automaton, sized for the largest pattern */
	uint32_t *list_a, *list_b, *mark;
	uint32_t gen;
	size_t scratch_nodes;
	struct buf tmp;
};

/* Invalid bytes decode to values past Unicode so that they stay distinct. */
#define RUNE_BAD_BASE 0x110000u

/* Decode one rune at s[0..len); return its length in bytes (>= 1). */
static size_t decode_rune(const unsigned char *s, size_t len, uint32_t *r)
{
	uint32_t c = s[0], min;
	size_t n, i;

	if (c < 0x80) {
		*r = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		goto bad;
	}
	if (len < n)
		goto bad;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		goto bad;
	*r = c;
	return n;
bad:
	*r = RUNE_BAD_BASE + s[0];
	return 1;
}

/* Go's unicode.IsSpace, for the white space trimmed from patterns. */
static int is_space_rune(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200a;
}

/* Go's strings.TrimSpace on s[*start..*end). */
static void trim_space(const char *s, size_t *start, size_t *end)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t r;
	size_t n, back;

	while (*start < *end) {
		n = decode_rune(u + *start, *end - *start, &r);
		if (!is_space_rune(r))
			break;
		*start += n;
	}
	while (*end > *start) {
		/* find the start of the last rune (at most 4 bytes back) */
		for (back = 1; back < 4 && back < *end - *start &&
		     (u[*end - back] & 0xc0) == 0x80; back++)
			;
		n = decode_rune(u + *end - back, back, &r);
		if (n != back) {
			back = 1;
			decode_rune(u + *end - 1, 1, &r);
		}
		if (!is_space_rune(r))
			break;
		*end -= back;
	}
}

/* Go's filepath.Clean (on Unix) of s[0..len), into `out`. */
static void clean_path(const char *s, size_t len, struct buf *out)
{
	size_t r = 0, dotdot = 0;
	int rooted;

	buf_reset(out);
	if (!len) {
		buf_addch(out, '.');
		return;
	}
	rooted = s[0] == '/';
	if (rooted) {
		buf_addch(out, '/');
		r = dotdot = 1;
	}
	while (r < len) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == len || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && s[r + 1] == '.' &&
			   (r + 2 == len || s[r + 2] == '/')) {
			r += 2;
			if (out->len > dotdot) {
				size_t w = out->len - 1;

				while (w > dotdot && out->ptr[w] != '/')
					w--;
				buf_setlen(out, w);
			} else if (!rooted) {
				if (out->len)
					buf_addch(out, '/');
				buf_add(out, "..", 2);
				dotdot = out->len;
			}
		} else {
			if ((rooted && out->len != 1) || (!rooted && out->len))
				buf_addch(out, '/');
			for (; r < len && s[r] != '/'; r++)
				buf_addch(out, s[r]);
		}
	}
	if (!out->len)
		buf_addch(out, '.');
}

static void pattern_release(struct pattern *p)
{
	free(p->text);
	free(p->nodes);
	free(p->ranges);
	free(p->classes);
}

static void add_node(struct pattern *p, size_t *alloc, int op, uint32_t arg)
{
	if (p->nr_nodes == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 16;
		p->nodes = xrealloc(p->nodes, *alloc * sizeof(*p->nodes));
	}
	p->nodes[p->nr_nodes].op = (unsigned char)op;
	p->nodes[p->nr_nodes].arg = arg;
	p->nr_nodes++;
}

/*
 * One end of a class range, as Go's filepath.Match reads it: `\` escapes,
 * and an unescaped `-` or `]` or the end of the pattern is an error (a
 * class must also not end right after it).
 */
static int class_char(const unsigned char *s, size_t len, size_t *i,
		      uint32_t *r)
{
	if (*i >= len || s[*i] == '-' || s[*i] == ']')
		return -1;
	if (s[*i] == '\\') {
		(*i)++;
		if (*i >= len)
			return -1;
	}
	*i += decode_rune(s + *i, len - *i, r);
	return *i >= len ? -1 : 0;
}

/* Parse `[...]` starting after the `[`; *i ends after the `]`. */
static int parse_class(struct pattern *p, size_t *range_alloc,
		       const unsigned char *s, size_t len, size_t *i)
{
	struct class c;
	uint32_t lo, hi;

	c.first = p->nr_ranges;
	c.nr = 0;
	c.negated = 0;
	if (*i < len && s[*i] == '^') {
		c.negated = 1;
		(*i)++;
	}
	for (;;) {
		if (*i < len && s[*i] == ']' && c.nr) {
			(*i)++;
			break;
		}
		if (class_char(s, len, i, &lo))
			return -1;
		hi = lo;
		if (s[*i] == '-') {
			(*i)++;
			if (class_char(s, len, i, &hi))
				return -1;
			if (hi < lo)
				return -1;
		}
		if (p->nr_ranges == *range_alloc) {
			*range_alloc = *range_alloc ? *range_alloc * 2 : 8;
			p->ranges = xrealloc(p->ranges,
					     *range_alloc * sizeof(*p->ranges));
		}
		p->ranges[p->nr_ranges].lo = lo;
		p->ranges[p->nr_ranges].hi = hi;
		p->nr_ranges++;
		c.nr++;
	}
	p->classes = xrealloc(p->classes,
			      (p->nr_classes + 1) * sizeof(*p->classes));
	p->classes[p->nr_classes++] = c;
	return 0;
}

/*
 * Turn p->text into a match type and, when needed, an automaton, following
 * the order in which Docker decides the type. Returns -1 on a pattern that
 * Go's filepath.Match would call malformed.
 */
static int compile(struct pattern *p)
{
	const unsigned char *s = (const unsigned char *)p->text;
	size_t len = p->len, i = 0, node_alloc = 0, range_alloc = 0, tok;
	enum match_type type = MATCH_EXACT;
	uint32_t r;

	for (tok = 0; i < len; tok++) {
		unsigned char c = s[i];

		if (c == '*') {
			i++;
			if (i < len && s[i] == '*') {
				i++;
				if (i < len && s[i] == '/')
					i++;
				if (i == len) {
					if (type == MATCH_EXACT) {
						type = MATCH_PREFIX;
					} else {
						add_node(p, &node_alloc,
							 OP_ANYSTAR, 0);
						type = MATCH_AUTOMATON;
					}
				} else {
					add_node(p, &node_alloc, OP_DSTAR, 0);
					add_node(p, &node_alloc,
						 OP_DSTAR_MID, 0);
					type = MATCH_AUTOMATON;
				}
				if (!tok)
					type = MATCH_SUFFIX;
			} else {
				add_node(p, &node_alloc, OP_STAR, 0);
				type = MATCH_AUTOMATON;
			}
		} else if (c == '?') {
			i++;
			add_node(p, &node_alloc, OP_ANY, 0);
			type = MATCH_AUTOMATON;
		} else if (c == '\\') {
			i++;
			if (i == len)
				return -1;
			i += decode_rune(s + i, len - i, &r);
			add_node(p, &node_alloc, OP_RUNE, r);
			type = MATCH_AUTOMATON;
		} else if (c == '[') {
			i++;
			if (parse_class(p, &range_alloc, s, len, &i))
				return -1;
			add_node(p, &node_alloc, OP_CLASS,
				 (uint32_t)(p->nr_classes - 1));
			type = MATCH_AUTOMATON;
		} else {
			i += decode_rune(s + i, len - i, &r);
			add_node(p, &node_alloc, OP_RUNE, r);
			if (c == ']')
				type = MATCH_AUTOMATON;
		}
	}
	add_node(p, &node_alloc, OP_MATCH, 0);
	p->type = type;
	if (type != MATCH_AUTOMATON) {
		free(p->nodes);
		p->nodes = NULL;
		p->nr_nodes = 0;
	}
	return 0;
}

struct dockerignore *dockerignore_new(void)
{
	struct dockerignore *di = xcalloc(1, sizeof(*di));

	buf_init(&di->tmp);
	return di;
}

void dockerignore_free(struct dockerignore *di)
{
	size_t i;

	if (!di)
		return;
	for (i = 0; i < di->nr; i++)
		pattern_release(&di->patterns[i]);
	free(di->patterns);
	free(di->list_a);
	free(di->list_b);
	free(di->mark);
	buf_release(&di->tmp);
	free(di);
}

size_t dockerignore_count(const struct dockerignore *di)
{
	return di->nr;
}

int dockerignore_has_exceptions(const struct dockerignore *di)
{
	return di->exclusions;
}

const char *dockerignore_pattern(const struct dockerignore *di, size_t i,
				 int *exclusion_out)
{
	if (exclusion_out)
		*exclusion_out = di->patterns[i].exclusion;
	return di->patterns[i].text;
}

/* Append s[0..len) as Docker's matcher does with each pattern it is given. */
static int add_pattern(struct dockerignore *di, const char *s, size_t len,
		       int bounded, struct err *err)
{
	struct pattern p;
	size_t start = 0, end = len, off = 0;

	trim_space(s, &start, &end);
	if (start == end)
		return 0;
	if (bounded && di->nr >= DOCKERIGNORE_MAX_PATTERNS)
		return err_set(err, "more than %d patterns",
			       DOCKERIGNORE_MAX_PATTERNS);
	clean_path(s + start, end - start, &di->tmp);
	memset(&p, 0, sizeof(p));
	if (di->tmp.ptr[0] == '!') {
		if (di->tmp.len == 1)
			return err_set(err, "illegal exclusion pattern: '!'");
		p.exclusion = 1;
		off = 1;
	}
	p.text = xstrndup(di->tmp.ptr + off, di->tmp.len - off);
	p.len = di->tmp.len - off;
	if (compile(&p)) {
		pattern_release(&p);
		return err_set(err, "syntax error in pattern '%.*s'",
			       (int)(end - start), s + start);
	}
	if (p.exclusion)
		di->exclusions = 1;
	if (di->nr == di->alloc) {
		di->alloc = di->alloc ? di->alloc * 2 : 16;
		di->patterns = xrealloc(di->patterns,
					di->alloc * sizeof(*di->patterns));
	}
	di->patterns[di->nr++] = p;
	if (p.nr_nodes > di->scratch_nodes) {
		di->scratch_nodes = p.nr_nodes;
		di->list_a = xrealloc(di->list_a,
				      p.nr_nodes * sizeof(*di->list_a));
		di->list_b = xrealloc(di->list_b,
				      p.nr_nodes * sizeof(*di->list_b));
		free(di->mark);
		di->mark = xcalloc(p.nr_nodes, sizeof(*di->mark));
		di->gen = 0;
	}
	return 0;
}

int dockerignore_add(struct dockerignore *di, const char *pattern,
		     struct err *err)
{
	return add_pattern(di, pattern, strlen(pattern), 1, err);
}

int dockerignore_read(struct dockerignore *di, const char *name,
		      const char *data, size_t len, struct err *err)
{
	struct buf line = BUF_INIT;
	size_t pos = 0, lineno = 0, start, end, next;
	int ret = -1;

	if (len > DOCKERIGNORE_MAX_SIZE) {
		err_set(err, "'%s': larger than %d bytes", name,
			DOCKERIGNORE_MAX_SIZE);
		goto out;
	}
	while (pos < len) {
		const char *nl = memchr(data + pos, '\n', len - pos);

		start = pos;
		end = nl ? (size_t)(nl - data) : len;
		next = nl ? end + 1 : len;
		pos = next;
		lineno++;
		/* bufio.ScanLines drops one \r before the newline */
		if (end > start && data[end - 1] == '\r')
			end--;
		if (lineno == 1 && end - start >= 3 &&
		    !memcmp(data + start, "\xef\xbb\xbf", 3))
			start += 3;
		if (end - start > DOCKERIGNORE_MAX_PATTERN) {
			err_set(err,
				"'%s' line %zu: pattern longer than %d bytes",
				name, lineno, DOCKERIGNORE_MAX_PATTERN);
			goto out;
		}
		if (end > start && data[start] == '#')
			continue;
		trim_space(data, &start, &end);
		if (start == end)
			continue;
		/*
		 * The file reader strips the `!`, cleans, drops a leading `/`,
		 * and puts the `!` back; the matcher then cleans again.
		 */
		buf_reset(&line);
		if (data[start] == '!') {
			buf_addch(&line, '!');
			start++;
			trim_space(data, &start, &end);
		}
		if (end > start) {
			struct buf cleaned = BUF_INIT;
			size_t off;

			clean_path(data + start, end - start, &cleaned);
			off = cleaned.len > 1 && cleaned.ptr[0] == '/';
			buf_add(&line, cleaned.ptr + off, cleaned.len - off);
			buf_release(&cleaned);
		}
		if (add_pattern(di, line.ptr, line.len, 1, err)) {
			err_wrap(err, "'%s' line %zu", name, lineno);
			goto out;
		}
	}
	ret = 0;
out:
	buf_release(&line);
	return ret;
}

static int class_has(const struct pattern *p, uint32_t idx, uint32_t r)
{
	const struct class *c = &p->classes[idx];
	size_t i;

	for (i = 0; i < c->nr; i++)
		if (r >= p->ranges[c->first + i].lo &&
		    r <= p->ranges[c->first + i].hi)
			return !c->negated;
	return c->negated;
}

/* Add node k and what its empty moves reach to `list`. */
static void nfa_add(struct dockerignore *di, const struct pattern *p,
		    uint32_t *list, size_t *n, uint32_t k)
{
	for (;;) {
		if (di->mark[k] == di->gen)
			return;
		di->mark[k] = di->gen;
		list[(*n)++] = k;
		switch (p->nodes[k].op) {
		case OP_STAR:
		case OP_ANYSTAR:
			k++;
			break;
		case OP_DSTAR:
			k += 2;
			break;
		default:
			return;
		}
	}
}

static void nfa_next_gen(struct dockerignore *di)
{
	if (++di->gen == 0) {
		memset(di->mark, 0, di->scratch_nodes * sizeof(*di->mark));
		di->gen = 1;
	}
}

static int nfa_match(struct dockerignore *di, const struct pattern *p,
		     const char *path, size_t len)
{
	const unsigned char *s = (const unsigned char *)path;
	uint32_t *cur = di->list_a, *next = di->list_b, *t, r;
	size_t ncur = 0, nnext, i, pos = 0;

	nfa_next_gen(di);
	nfa_add(di, p, cur, &ncur, 0);
	while (pos < len && ncur) {
		pos += decode_rune(s + pos, len - pos, &r);
		nfa_next_gen(di);
		nnext = 0;
		for (i = 0; i < ncur; i++) {
			uint32_t k = cur[i];
			const struct node *nd = &p->nodes[k];

			switch (nd->op) {
			case OP_RUNE:
				if (r == nd->arg)
					nfa_add(di, p, next, &nnext, k + 1);
				break;
			case OP_ANY:
				if (r != '/')
					nfa_add(di, p, next, &nnext, k + 1);
				break;
			case OP_CLASS:
				if (class_has(p, nd->arg, r))
					nfa_add(di, p, next, &nnext, k + 1);
				break;
			case OP_STAR:
				if (r != '/')
					nfa_add(di, p, next, &nnext, k);
				break;
			case OP_ANYSTAR:
				/* Go's `.` does not match a newline */
				if (r != '\n')
					nfa_add(di, p, next, &nnext, k);
				break;
			case OP_DSTAR:
			case OP_DSTAR_MID: {
				uint32_t entry = nd->op == OP_DSTAR ? k : k - 1;

				if (r == '/')
					nfa_add(di, p, next, &nnext, entry);
				else if (r != '\n')
					nfa_add(di, p, next, &nnext, entry + 1);
				break;
			}
			}
		}
		t = cur;
		cur = next;
		next = t;
		ncur = nnext;
	}
	if (pos < len)
		return 0;
	for (i = 0; i < ncur; i++)
		if (p->nodes[cur[i]].op == OP_MATCH)
			return 1;
	return 0;
}

static int pattern_match(struct dockerignore *di, const struct pattern *p,
			 const char *path, size_t len)
{
	switch (p->type) {
	case MATCH_EXACT:
		return len == p->len && !memcmp(path, p->text, len);
	case MATCH_PREFIX:
		return len >= p->len - 2 && !memcmp(path, p->text, p->len - 2);
	case MATCH_SUFFIX: {
		const char *suffix = p->text + 2;
		size_t slen = p->len - 2;

		if (len >= slen && !memcmp(path + len - slen, suffix, slen))
			return 1;
		/* a pattern `**` `/foo` also matches `foo` */
		return slen && suffix[0] == '/' && len == slen - 1 &&
		       !memcmp(path, suffix + 1, len);
	}
	case MATCH_AUTOMATON:
		return nfa_match(di, p, path, len);
	}
	return 0;
}

/*
 * Go's filepath.Dir: the length of the parent of path[0..len) once cleaned
 * into `out`; 0 with "." in `out` when there is none.
 */
static void parent_dir(const char *path, size_t len, struct buf *out)
{
	size_t i = len;

	while (i > 0 && path[i - 1] != '/')
		i--;
	clean_path(path, i, out);
}

/* Does pattern p match one of the directories in `parent` (cleaned)? */
static int match_parents(struct dockerignore *di, const struct pattern *p,
			 const struct buf *parent)
{
	size_t i;

	if (!strcmp(parent->ptr, "."))
		return 0;
	for (i = 0; i < parent->len; i++)
		if (parent->ptr[i] == '/' &&
		    pattern_match(di, p, parent->ptr, i))
			return 1;
	return pattern_match(di, p, parent->ptr, parent->len);
}

static int matches_or_parent(struct dockerignore *di, const char *path,
			     size_t len)
{
	struct buf parent = BUF_INIT;
	int matched = 0, m;
	size_t i;

	parent_dir(path, len, &parent);
	for (i = 0; i < di->nr; i++) {
		const struct pattern *p = &di->patterns[i];

		if (p->exclusion != matched)
			continue;
		m = pattern_match(di, p, path, len);
		if (!m)
			m = match_parents(di, p, &parent);
		if (m)
			matched = !p->exclusion;
	}
	buf_release(&parent);
	return matched;
}

int dockerignore_matches(struct dockerignore *di, const char *path)
{
	struct buf cleaned = BUF_INIT;
	int ret = 0;

	clean_path(path, strlen(path), &cleaned);
	if (strcmp(cleaned.ptr, "."))
		ret = matches_or_parent(di, cleaned.ptr, cleaned.len);
	buf_release(&cleaned);
	return ret;
}

int dockerignore_matches_exact(struct dockerignore *di, const char *path)
{
	size_t i, len = strlen(path);
	int matched = 0;

	for (i = 0; i < di->nr; i++) {
		const struct pattern *p = &di->patterns[i];

		if (p->exclusion != matched)
			continue;
		if (pattern_match(di, p, path, len))
			matched = !p->exclusion;
	}
	return matched;
}

int dockerignore_keep(struct dockerignore *di, const char *path,
		      struct err *err)
{
	struct buf pat = BUF_INIT;
	int ret = 0;

	if (dockerignore_matches(di, path)) {
		buf_addch(&pat, '!');
		buf_addstr(&pat, path);
		/* two of these at most: not counted against the bound */
		ret = add_pattern(di, pat.ptr, pat.len, 0, err);
	}
	buf_release(&pat);
	return ret;
}

size_t dockerignore_state_size(const struct dockerignore *di)
{
	return (di->nr + 7) / 8;
}

#define BIT_GET(v, i) (((v)[(i) / 8] >> ((i) % 8)) & 1)
#define BIT_SET(v, i) ((v)[(i) / 8] |= (unsigned char)(1u << ((i) % 8)))

int dockerignore_match_walk(struct dockerignore *di, const char *path,
			    const unsigned char *parent,
			    unsigned char *state_out)
{
	struct buf pdir = BUF_INIT;
	size_t i, len = strlen(path);
	int matched = 0, m, have_pdir = 0;

	memset(state_out, 0, dockerignore_state_size(di));
	for (i = 0; i < di->nr; i++) {
		const struct pattern *p = &di->patterns[i];

		/*
		 * A pattern that matched the parent matches here too, even
		 * when it would not otherwise be looked at.
		 */
		m = parent && BIT_GET(parent, i);
		if (!m) {
			if (p->exclusion != matched)
				continue;
			m = pattern_match(di, p, path, len);
			if (!m && !parent) {
				if (!have_pdir) {
					parent_dir(path, len, &pdir);
					have_pdir = 1;
				}
				m = match_parents(di, p, &pdir);
			}
		}
		if (m) {
			BIT_SET(state_out, i);
			matched = !p->exclusion;
		}
	}
	buf_release(&pdir);
	return matched;
}

int dockerignore_descend(const struct dockerignore *di, const char *dir)
{
	size_t i, dlen = strlen(dir);

	if (!di->exclusions)
		return 0;
	/* Docker: does `pattern + "/"` start with `dir + "/"`? */
	for (i = 0; i < di->nr; i++) {
		const struct pattern *p = &di->patterns[i];

		if (!p->exclusion)
			continue;
		if (p->len + 1 < dlen + 1)
			continue;
		if (memcmp(p->text, dir, dlen))
			continue;
		if (p->len == dlen || p->text[dlen] == '/')
			return 1;
	}
	return 0;
}

int dockerignore_excluded(struct dockerignore *di, const char *path)
{
	size_t size = dockerignore_state_size(di), i, len = strlen(path);
	unsigned char *a = xcalloc(1, size), *b = xcalloc(1, size), *t;
	const unsigned char *parent = NULL;
	char *prefix = xstrdup(path);
	int ret;

	for (i = 0; i < len; i++) {
		if (path[i] != '/' || !i)
			continue;
		prefix[i] = '\0';
		ret = dockerignore_match_walk(di, prefix, parent, a);
		if (ret && !dockerignore_descend(di, prefix))
			goto out;
		prefix[i] = '/';
		parent = a;
		t = a;
		a = b;
		b = t;
	}
	ret = dockerignore_match_walk(di, path, parent, a);
out:
	free(prefix);
	free(a);
	free(b);
	return ret;
}
