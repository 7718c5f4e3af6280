/* san.c - the report model: building, freeing, and the stack-line grammar
 * the sanitizers share. */
#define _GNU_SOURCE
#include "san.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Long enough for any real title or symbol; a hostile 20 MB line is cut. */
#define MAX_FIELD 2048

char *wkc__xstrndup(const char *s, size_t n)
{
	char *d;
	if (n > MAX_FIELD)
		n = MAX_FIELD;
	d = wkc__xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

bool wkc__lines_next(wkc__lines *ls, const char **line, size_t *n)
{
	const char *nl;
	if (ls->p >= ls->end)
		return false;
	nl = memchr(ls->p, '\n', (size_t)(ls->end - ls->p));
	*line = ls->p;
	*n = nl ? (size_t)(nl - ls->p) : (size_t)(ls->end - ls->p);
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	ls->p = nl ? nl + 1 : ls->end;
	ls->lineno++;
	return true;
}

void wkc__diag(wkc__buf *diag, const char *name, size_t line, const char *fmt, ...)
{
	va_list ap;
	if (diag == NULL)
		return;
	wkc__buf_printf(diag, "%s:%zu: ", name, line);
	va_start(ap, fmt);
	wkc__buf_vprintf(diag, fmt, ap);
	va_end(ap);
	wkc__buf_putc(diag, '\n');
}

void wkc__stack_push(wkc__stack *s, wkc__frame f)
{
	/* Deep recursion can print thousands of frames; the report shows the top. */
	if (s->n >= 256) {
		free(f.fn);
		free(f.file);
		free(f.module);
		return;
	}
	s->f = wkc__xrealloc(s->f, (s->n + 1) * sizeof *s->f);
	s->f[s->n++] = f;
}

static void stack_free(wkc__stack *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->f[i].fn);
		free(s->f[i].file);
		free(s->f[i].module);
	}
	free(s->f);
	s->f = NULL;
	s->n = 0;
}

wkc__section *wkc__report_add_section(wkc__san_report *r, wkc__sec_kind kind, const char *title,
				      size_t title_len)
{
	wkc__section *s;
	while (title_len > 0 && isspace((unsigned char)*title))
		title++, title_len--;
	while (title_len > 0 && (isspace((unsigned char)title[title_len - 1]) || title[title_len - 1] == ':'))
		title_len--;
	r->secs = wkc__xrealloc(r->secs, (r->nsecs + 1) * sizeof *r->secs);
	s = &r->secs[r->nsecs++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->title = wkc__xstrndup(title, title_len);
	return s;
}

wkc__san_report *wkc__san_list_add(wkc__san_list *l)
{
	l->r = wkc__xrealloc(l->r, (l->n + 1) * sizeof *l->r);
	memset(&l->r[l->n], 0, sizeof l->r[l->n]);
	return &l->r[l->n++];
}

void wkc__san_report_free(wkc__san_report *r)
{
	free(r->tool);
	free(r->kind);
	free(r->headline);
	free(r->summary);
	for (size_t i = 0; i < r->nsecs; i++) {
		free(r->secs[i].title);
		free(r->secs[i].thread);
		free(r->secs[i].mutexes);
		stack_free(&r->secs[i].stack);
	}
	free(r->secs);
	memset(r, 0, sizeof *r);
}

void wkc__san_list_free(wkc__san_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		wkc__san_report_free(&l->r[i]);
	free(l->r);
	l->r = NULL;
	l->n = 0;
}

/* Case-insensitive search in a bounded string. */
static const char *find_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

void wkc__access_fill(wkc__section *s)
{
	const char *t = s->title, *p;
	size_t n = strlen(t);
	/* Helgrind says "read of size 8 at 0x.. by thread #6"; DRD "Conflicting
	 * load by thread 2 at 0x.. size 8"; sanitizers "Write of size 8 at". */
	s->write = find_ci(t, n, "write") != NULL || find_ci(t, n, "store") != NULL;
	s->atomic = find_ci(t, n, "atomic") != NULL;
	if ((p = find_ci(t, n, "size ")) != NULL)
		s->size = (unsigned)strtoul(p + 5, NULL, 10);
	if ((p = find_ci(t, n, " by ")) != NULL) {
		const char *q = p + 4, *e = q;
		while (*e && *e != '(' && *e != ':' && strncmp(e, " at ", 4) != 0)
			e++;
		while (e > q && e[-1] == ' ')
			e--;
		s->thread = wkc__xstrndup(q, (size_t)(e - q));
	} else if ((p = find_ci(t, n, " thread ")) != NULL) {
		/* ASan: "WRITE of size 8 at 0x.. thread T0" */
		s->thread = wkc__xstrndup(p + 1, 7 + strcspn(p + 8, " :("));
	}
	if ((p = strstr(t, "(mutexes: ")) != NULL) {
		const char *e = strchr(p, ')');
		s->mutexes = wkc__xstrndup(p + 10, e ? (size_t)(e - p - 10) : strlen(p + 10));
	}
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "path:12:3" / "path:12" / "path" / "<null>" into f. */
static void location(const char *s, size_t n, wkc__frame *f)
{
	size_t cut = n;
	int nums[2] = {0, 0}, k = 0;
	if (n == 6 && memcmp(s, "<null>", 6) == 0)
		return;
	/* Peel up to two trailing ":digits". */
	while (k < 2) {
		size_t i = cut;
		while (i > 0 && isdigit((unsigned char)s[i - 1]))
			i--;
		if (i == cut || i == 0 || s[i - 1] != ':')
			break;
		{
			long v = 0;
			for (size_t d = i; d < cut && v < 100000000; d++)
				v = v * 10 + (s[d] - '0');
			nums[k++] = (int)v;
		}
		cut = i - 1;
	}
	f->file = wkc__xstrndup(s, cut);
	if (k == 2) {
		f->line = nums[1];
		f->col = nums[0];
	} else if (k == 1) {
		f->line = nums[0];
	}
}

bool wkc__frame_parse(const char *line, size_t n, wkc__frame *f)
{
	const char *s = line, *e = line + n, *sp;
	memset(f, 0, sizeof *f);
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= e || *s != '#')
		return false;
	s++;
	sp = s;
	while (s < e && isdigit((unsigned char)*s))
		s++;
	if (s == sp || s >= e || *s != ' ')
		return false;
	while (s < e && *s == ' ')
		s++;
	/* ASan: "0x7f05d6f0ae1b in fn ..." */
	if (e - s > 2 && s[0] == '0' && s[1] == 'x') {
		while (s < e && *s != ' ')
			s++;
		while (s < e && *s == ' ')
			s++;
		if (e - s >= 3 && memcmp(s, "in ", 3) == 0)
			s += 3;
	}
	/* Trailing "(BuildId: ...)" and "(module+0x...)" groups. */
	for (int pass = 0; pass < 2; pass++) {
		const char *q = e;
		while (q > s && q[-1] == ' ')
			q--;
		if (q > s && q[-1] == ')') {
			const char *o = q - 1;
			while (o > s && *o != '(')
				o--;
			if (*o == '(' && o > s && o[-1] == ' ') {
				size_t gl = (size_t)(q - o - 2);
				if (gl >= 8 && memcmp(o + 1, "BuildId:", 8) == 0) {
					e = o - 1;
					continue;
				}
				if (memchr(o + 1, '+', gl) != NULL) {
					const char *plus = memrchr(o + 1, '+', gl);
					free(f->module);
					f->module = wkc__xstrndup(o + 1, (size_t)(plus - o - 1));
					e = o - 1;
					continue;
				}
			}
		}
		break;
	}
	while (e > s && e[-1] == ' ')
		e--;
	if (e <= s)
		return true;
	/* Last token is the location when it looks like one. */
	{
		const char *t = e;
		while (t > s && t[-1] != ' ')
			t--;
		if (t > s) {
			size_t tl = (size_t)(e - t);
			bool loc = (tl == 6 && memcmp(t, "<null>", 6) == 0) || memchr(t, '/', tl) != NULL;
			if (!loc) {
				const char *c = memrchr(t, ':', tl);
				loc = c != NULL && all_digits(c + 1, (size_t)(e - c - 1));
			}
			if (loc) {
				location(t, tl, f);
				e = t - 1;
				while (e > s && e[-1] == ' ')
					e--;
			}
		}
	}
	f->fn = wkc__xstrndup(s, (size_t)(e - s));
	return true;
}
