/* dedup.c - signatures of reports and grouping by them. */
#define _GNU_SOURCE
#include "dedup.h"

#include <stdlib.h>
#include <string.h>

static bool has(const char *s, const char *needle)
{
	return s != NULL && strstr(s, needle) != NULL;
}

bool wkc__frame_is_runtime(const wkc__frame *f)
{
	static const char *const intercepted[] = {
		"malloc", "calloc", "realloc", "free", "memcpy", "memmove", "memset", "strlen",
		"pthread_create", "pthread_mutex_lock", "pthread_mutex_unlock", "pthread_join",
		"pthread_cond_wait", "pthread_cond_signal", "pthread_cond_broadcast", "usleep",
		"nanosleep", "operator new", "operator delete", "aligned_alloc", "posix_memalign",
	};
	if (f->fn == NULL && f->file == NULL)
		return true;
	if (has(f->module, "clang_rt") || has(f->module, "libtsan") || has(f->module, "libasan") ||
	    has(f->module, "libubsan") || has(f->module, "liblsan") || has(f->module, "vgpreload") ||
	    has(f->module, "/valgrind/"))
		return true;
	/* The C library's own frames (a bad pointer handed to pthread_mutex_lock):
	 * the site is its caller. */
	if (has(f->module, "/libc.so") || has(f->module, "/libpthread") || has(f->module, "/ld-linux") ||
	    (f->file && (strncmp(f->file, "nptl/", 5) == 0 || strncmp(f->file, "./nptl/", 7) == 0 ||
			 strncmp(f->file, "csu/", 4) == 0 || has(f->file, "/sysdeps/"))))
		return true;
	if (f->fn && (strncmp(f->fn, "__tsan", 6) == 0 || strncmp(f->fn, "__asan", 6) == 0 ||
		      strncmp(f->fn, "__sanitizer", 11) == 0 || strncmp(f->fn, "__interceptor", 13) == 0 ||
		      strncmp(f->fn, "__ubsan", 7) == 0 || strncmp(f->fn, "__lsan", 6) == 0 ||
		      strncmp(f->fn, "___interceptor", 14) == 0))
		return true;
	if (f->file == NULL && f->fn != NULL) {
		/* An interceptor prints as "calloc <null>": a libc name without a source. */
		for (size_t i = 0; i < sizeof intercepted / sizeof *intercepted; i++) {
			size_t k = strlen(intercepted[i]);
			if (strncmp(f->fn, intercepted[i], k) == 0 && (f->fn[k] == '\0' || f->fn[k] == '@' || f->fn[k] == '('))
				return true;
		}
	}
	return false;
}

bool wkc__frame_is_probe(const wkc__frame *f)
{
	/* The harness's own code between the executor and the check: probes,
	 * the runner and its annotation helpers. */
	return has(f->file, "/conformance/probes/") || has(f->file, "/conformance/tests/") ||
	       has(f->file, "/harness/src/") || has(f->file, "wkc/annotate.h") ||
	       (f->fn && strncmp(f->fn, "wkc_annotate_", 13) == 0);
}

/* The last two components of a path: stable across checkouts and machines. */
static const char *short_path(const char *p)
{
	const char *last = strrchr(p, '/'), *prev = NULL;
	if (last == NULL)
		return p;
	for (const char *q = p; q < last; q++)
		if (*q == '/')
			prev = q;
	return prev ? prev + 1 : p;
}

static char *frame_site(const wkc__frame *f)
{
	const char *fn = f->fn ? f->fn : "??";
	if (f->file)
		return wkc__xasprintf("%s %s:%d", fn, short_path(f->file), f->line);
	return wkc__xasprintf("%s (%s)", fn, f->module ? short_path(f->module) : "?");
}

const wkc__frame *wkc__site_frame(const wkc__stack *s)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < s->n; i++) {
			if (wkc__frame_is_runtime(&s->f[i]))
				continue;
			/* A race inside the harness itself still has a site: second pass. */
			if (pass == 0 && wkc__frame_is_probe(&s->f[i]))
				continue;
			return &s->f[i];
		}
	return NULL;
}

char *wkc__site_of(const wkc__stack *s)
{
	const wkc__frame *f = wkc__site_frame(s);
	return f ? frame_site(f) : NULL;
}

const char *wkc__group_class_name(wkc__group_class c)
{
	return c == WKC__G_RACE ? "race" : c == WKC__G_MEMORY ? "memory" : "thread";
}

/* libc's thread and process entry: below every stack, never part of a signature. */
static bool thread_entry(const wkc__frame *f)
{
	return f->fn && (!strcmp(f->fn, "start_thread") || !strcmp(f->fn, "clone") ||
			 !strcmp(f->fn, "clone3") || !strncmp(f->fn, "__libc_start", 12) ||
			 !strcmp(f->fn, "_start") || !strcmp(f->fn, "(below main)"));
}

static wkc__group_class class_of(const wkc__san_report *r)
{
	if (r->is_race)
		return WKC__G_RACE;
	if (!strcmp(r->tool, "asan") || !strcmp(r->tool, "lsan") || !strcmp(r->tool, "ubsan") ||
	    !strcmp(r->tool, "memcheck"))
		return WKC__G_MEMORY;
	return WKC__G_THREAD;
}

static const char *family(const char *tool)
{
	/* helgrind and DRD races meet TSan's by site; memory tools keep their names. */
	return tool;
}

static void signature(const wkc__san_report *r, wkc__group *g)
{
	g->cls = class_of(r);
	if (g->cls == WKC__G_RACE) {
		char *s[2] = {NULL, NULL};
		int k = 0;
		for (size_t i = 0; i < r->nsecs && k < 2; i++)
			if (r->secs[i].kind == WKC__SEC_ACCESS && r->secs[i].stack.n > 0)
				s[k++] = wkc__site_of(&r->secs[i].stack);
		for (int i = 0; i < 2; i++)
			if (s[i] == NULL)
				s[i] = wkc__xstrdup("?");
		/* Order independent: the smaller site first. */
		if (strcmp(s[0], s[1]) > 0) {
			char *t = s[0];
			s[0] = s[1];
			s[1] = t;
		}
		g->key = wkc__xasprintf("race|%s|%s", s[0], s[1]);
		g->title = wkc__xasprintf("data race: %s  vs  %s", s[0], s[1]);
		g->site[0] = s[0];
		g->site[1] = s[1];
	} else {
		wkc__buf b = {0};
		const wkc__stack *st = NULL;
		int k = 0;
		for (size_t i = 0; i < r->nsecs && st == NULL; i++)
			if (r->secs[i].stack.n > 0)
				st = &r->secs[i].stack;
		wkc__buf_printf(&b, "%s|%s", family(r->tool), r->kind);
		/* The executor's frames first; the harness's only when there are no others. */
		for (size_t i = 0, pass = 0; st && pass < 2 && k < 3; i++) {
			char *fs;
			if (i == st->n) {
				pass = k == 0 ? pass + 1 : 2;
				i = (size_t)-1;
				continue;
			}
			if (wkc__frame_is_runtime(&st->f[i]) || (pass == 0 && wkc__frame_is_probe(&st->f[i])))
			{
				/* Past the executor's own frames the stack is the check that
				 * called it, which differs from check to check: stop there. */
				if (k > 0 && pass == 0 && wkc__frame_is_probe(&st->f[i]))
					break;
				continue;
			}
			if (k > 0 && thread_entry(&st->f[i]))
				break;
			fs = frame_site(&st->f[i]);
			if (k == 0)
				g->site[0] = wkc__xstrdup(fs);
			wkc__buf_printf(&b, "|%s", fs);
			free(fs);
			k++;
		}
		g->key = b.s;
		g->title = wkc__xasprintf("%s: %s%s%s", r->tool, r->kind, g->site[0] ? " in " : "",
					  g->site[0] ? g->site[0] : "");
	}
}

static size_t find_slot(const wkc__groups *gs, const char *key, size_t *free_slot)
{
	size_t h = (size_t)wkc__fnv1a64(key);
	for (size_t k = h & (gs->tcap - 1);; k = (k + 1) & (gs->tcap - 1)) {
		if (gs->tab[k] == 0) {
			if (free_slot)
				*free_slot = k;
			return SIZE_MAX;
		}
		if (strcmp(gs->g[gs->tab[k] - 1].key, key) == 0)
			return gs->tab[k] - 1;
	}
}

const wkc__group *wkc__groups_find(const wkc__groups *gs, const char *key)
{
	size_t i;
	if (gs->tcap == 0)
		return NULL;
	i = find_slot(gs, key, NULL);
	return i == SIZE_MAX ? NULL : &gs->g[i];
}

static char *dupn(const char *s)
{
	return s ? wkc__xstrdup(s) : NULL;
}

size_t wkc__groups_add(wkc__groups *gs, wkc__san_report *r, const wkc__hit *h)
{
	wkc__group tmp = {0};
	size_t i, slot = 0;
	wkc__group *g;
	wkc__hit *nh;

	if ((gs->n + 1) * 2 > gs->tcap) {
		size_t ncap = gs->tcap ? gs->tcap * 4 : 64;
		free(gs->tab);
		gs->tab = wkc__xcalloc(ncap, sizeof *gs->tab);
		gs->tcap = ncap;
		for (size_t k = 0; k < gs->n; k++) {
			size_t s;
			find_slot(gs, gs->g[k].key, &s);
			gs->tab[s] = k + 1;
		}
	}
	signature(r, &tmp);
	i = find_slot(gs, tmp.key, &slot);
	if (i == SIZE_MAX) {
		gs->g = wkc__xrealloc(gs->g, (gs->n + 1) * sizeof *gs->g);
		tmp.rep = *r;
		memset(r, 0, sizeof *r);
		gs->g[gs->n] = tmp;
		gs->tab[slot] = ++gs->n;
		g = &gs->g[gs->n - 1];
	} else {
		g = &gs->g[i];
		free(tmp.key);
		free(tmp.title);
		free(tmp.site[0]);
		free(tmp.site[1]);
		wkc__san_report_free(r);
	}
	g->count++;
	/* One line per (run, check): a check that hit it twice is one hit. */
	for (size_t k = 0; k < g->nhits; k++)
		if (!strcmp(g->hits[k].check, h->check ? h->check : "") &&
		    !strcmp(g->hits[k].run, h->run ? h->run : ""))
			return (size_t)(g - gs->g);
	g->hits = wkc__xrealloc(g->hits, (g->nhits + 1) * sizeof *g->hits);
	nh = &g->hits[g->nhits++];
	nh->run = wkc__xstrdup(h->run ? h->run : "");
	nh->profile = dupn(h->profile);
	nh->check = wkc__xstrdup(h->check ? h->check : "");
	nh->seed = dupn(h->seed);
	nh->replay = dupn(h->replay);
	nh->file = dupn(h->file);
	nh->line = h->line;
	return (size_t)(g - gs->g);
}

void wkc__groups_free(wkc__groups *gs)
{
	for (size_t i = 0; i < gs->n; i++) {
		wkc__group *g = &gs->g[i];
		free(g->key);
		free(g->title);
		free(g->site[0]);
		free(g->site[1]);
		wkc__san_report_free(&g->rep);
		for (size_t k = 0; k < g->nhits; k++) {
			free(g->hits[k].run);
			free(g->hits[k].profile);
			free(g->hits[k].check);
			free(g->hits[k].seed);
			free(g->hits[k].replay);
			free(g->hits[k].file);
		}
		free(g->hits);
	}
	free(gs->g);
	free(gs->tab);
	memset(gs, 0, sizeof *gs);
}
