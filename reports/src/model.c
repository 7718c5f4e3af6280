/* model.c - collecting a report's content from results directories, fuzz
 * campaigns and a baseline report. */
#define _GNU_SOURCE
#include "model.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "json.h"

/* A raw report bigger than this is not a sanitizer's: read only its start. */
#define MAX_REPORT_BYTES (64u << 20)

char *wkc__replay_line(const char *token)
{
	return token ? wkc__xasprintf("wakerconf replay %s", token) : NULL;
}

int wkc__run_load(wkc__run *r, const char *dir, wkc__buf *diag)
{
	size_t len;
	char *path = wkc__xasprintf("%s/results.jsonl", dir);
	char *text = wkc__read_file(path, &len);
	struct stat st;
	int rc;
	memset(r, 0, sizeof *r);
	if (text == NULL) {
		wkc__diag(diag, path, 0, "cannot read: %s", strerror(errno));
		free(path);
		return -1;
	}
	rc = wkc__rjsonl_parse(text, len, path, &r->h, &r->rs, &r->n, diag);
	free(text);
	if (rc == 0) {
		r->dir = wkc__xstrdup(dir);
		r->label = wkc__xasprintf("%s / %s", r->h.adapter_name, r->h.profile);
		r->date = stat(path, &st) == 0 ? st.st_mtime : 0;
	}
	free(path);
	return rc;
}

void wkc__run_free(wkc__run *r)
{
	free(r->dir);
	free(r->label);
	wkc__header_free(&r->h);
	wkc__results_free(r->rs, r->n);
	if (r->have_table)
		wkc__req_table_free(&r->table);
	memset(r, 0, sizeof *r);
}

int wkc__model_load_runs(wkc__model *m, char *const *dirs, size_t ndirs)
{
	m->generated = (long long)time(NULL);
	for (size_t i = 0; i < ndirs; i++) {
		wkc__run r;
		if (wkc__run_load(&r, dirs[i], &m->diag) != 0)
			continue;
		wkc__req_table_build(&r.table, r.rs, r.n);
		r.have_table = true;
		if (wkc__req_table_must_failures(&r.table) > 0)
			m->verdict_fail = true;
		m->runs = wkc__xrealloc(m->runs, (m->nruns + 1) * sizeof *m->runs);
		m->runs[m->nruns++] = r;
	}
	return m->nruns > 0 ? 0 : -1;
}

/* Index of the result whose file stem is stem (len bytes), or SIZE_MAX. */
typedef struct stem_map {
	char **stems;
	size_t *idx;
	size_t cap;
} stem_map;

static void stem_map_build(stem_map *sm, const wkc__run *r)
{
	sm->cap = 64;
	while (sm->cap < r->n * 2 + 2)
		sm->cap *= 2;
	sm->stems = wkc__xcalloc(sm->cap, sizeof *sm->stems);
	sm->idx = wkc__xcalloc(sm->cap, sizeof *sm->idx);
	for (size_t i = 0; i < r->n; i++) {
		char *st = wkc__file_stem(r->rs[i].check);
		size_t k = (size_t)wkc__fnv1a64(st) & (sm->cap - 1);
		while (sm->stems[k] && strcmp(sm->stems[k], st) != 0)
			k = (k + 1) & (sm->cap - 1);
		free(sm->stems[k]);
		sm->stems[k] = st;
		sm->idx[k] = i;
	}
}

static size_t stem_map_find(const stem_map *sm, const char *stem)
{
	size_t k = (size_t)wkc__fnv1a64(stem) & (sm->cap - 1);
	while (sm->stems[k]) {
		if (strcmp(sm->stems[k], stem) == 0)
			return sm->idx[k];
		k = (k + 1) & (sm->cap - 1);
	}
	return SIZE_MAX;
}

static void stem_map_free(stem_map *sm)
{
	for (size_t i = 0; i < sm->cap; i++)
		free(sm->stems[i]);
	free(sm->stems);
	free(sm->idx);
}

static char *read_capped(const char *path, size_t *len)
{
	struct stat st;
	FILE *f;
	char *t;
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	if ((size_t)st.st_size <= MAX_REPORT_BYTES)
		return wkc__read_file(path, len);
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	t = wkc__xmalloc(MAX_REPORT_BYTES + 1);
	*len = fread(t, 1, MAX_REPORT_BYTES, f);
	t[*len] = '\0';
	fclose(f);
	return t;
}

/* Parse one raw file of run ri, charged to result k (SIZE_MAX: unknown check). */
static const char *parse_file(wkc__model *m, size_t ri, size_t k, const char *rel, bool quiet_if_none)
{
	wkc__run *r = &m->runs[ri];
	char *path = wkc__xasprintf("%s/%s", r->dir, rel);
	size_t len = 0, before;
	char *text = read_capped(path, &len);
	wkc__san_list l = {0};
	const char *gkey = NULL;
	if (text == NULL) {
		wkc__diag(&m->diag, path, 0, "cannot read: %s", strerror(errno));
		free(path);
		return NULL;
	}
	before = m->diag.len;
	wkc__san_parse_any(text, len, path, &l, &m->diag);
	if (l.n == 0 && !quiet_if_none && before == m->diag.len)
		wkc__diag(&m->diag, path, 1, "no sanitizer or Valgrind report recognised in it");
	for (size_t i = 0; i < l.n; i++) {
		const wkc__result *res = k != SIZE_MAX ? &r->rs[k] : NULL;
		char seed[32];
		char *replay = res ? wkc__replay_line(res->replay) : NULL;
		wkc__hit h = {0};
		size_t gi;
		snprintf(seed, sizeof seed, "0x%016llx", res ? (unsigned long long)res->seed : 0ULL);
		h.run = r->label;
		h.profile = r->h.profile;
		h.check = res ? res->check : "(unknown check)";
		h.seed = seed;
		h.replay = replay;
		h.file = (char *)rel;
		h.line = l.r[i].line;
		gi = wkc__groups_add(&m->groups, &l.r[i], &h);
		if (gkey == NULL)
			gkey = m->groups.g[gi].key;
		m->raw_reports++;
		free(replay);
	}
	free(l.r);
	free(text);
	free(path);
	return gkey;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void scan_dir(wkc__model *m, size_t ri, const stem_map *sm, const char *sub, const char **gkeys)
{
	char *d = wkc__xasprintf("%s/%s", m->runs[ri].dir, sub);
	DIR *dp = opendir(d);
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0;
	while (dp && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, "wkc-valgrind.supp") == 0)
			continue;
		names = wkc__xrealloc(names, (nn + 1) * sizeof *names);
		names[nn++] = wkc__xstrdup(e->d_name);
	}
	if (dp)
		closedir(dp);
	/* Directory order is arbitrary: sort, so that reports are reproducible
	 * (qsort wants a non-NULL array even for none). */
	if (nn > 1)
		qsort(names, nn, sizeof *names, cmp_str);
	for (size_t i = 0; i < nn; i++) {
		char *stem = wkc__xstrdup(names[i]), *dot = strrchr(stem, '.');
		char *rel = wkc__xasprintf("%s/%s", sub, names[i]);
		size_t k;
		const char *g;
		if (dot)
			*dot = '\0';
		k = stem_map_find(sm, stem);
		g = parse_file(m, ri, k, rel, false);
		if (k != SIZE_MAX && gkeys[k] == NULL)
			gkeys[k] = g;
		free(stem);
		free(rel);
		free(names[i]);
	}
	free(names);
	free(d);
}

void wkc__model_collect(wkc__model *m)
{
	for (size_t ri = 0; ri < m->nruns; ri++) {
		wkc__run *r = &m->runs[ri];
		stem_map sm;
		const char **gkeys = wkc__xcalloc(r->n + 1, sizeof *gkeys);
		stem_map_build(&sm, r);
		scan_dir(m, ri, &sm, "san", gkeys);
		scan_dir(m, ri, &sm, "vg", gkeys);
		for (size_t k = 0; k < r->n; k++) {
			const wkc__result *res = &r->rs[k];
			wkc__failure_ref *f;
			const char *id;
			/* A report a runtime printed to stderr stays in the log (RUNNER.md). */
			if (res->report && strncmp(res->report, "logs/", 5) == 0 && strstr(res->report, "..") == NULL) {
				const char *g = parse_file(m, ri, k, res->report, true);
				if (gkeys[k] == NULL)
					gkeys[k] = g;
			}
			if (res->status != WKC__FAIL)
				continue;
			id = res->charged ? res->charged : res->nfailures ? res->failures[0].id : "";
			m->fails = wkc__xrealloc(m->fails, (m->nfails + 1) * sizeof *m->fails);
			f = &m->fails[m->nfails++];
			f->run = ri;
			f->result = k;
			f->key = wkc__xasprintf("%s|%s|%s|%s", r->h.adapter_name, r->h.profile, res->check, id);
			f->group = gkeys[k];
		}
		free(gkeys);
		stem_map_free(&sm);
	}
}

void wkc__model_add_campaign(wkc__model *m, const char *dir)
{
	wkc__campaign_load(dir, &m->camps, &m->ncamps, &m->diag);
}

static void push(char ***v, size_t *n, const char *s)
{
	*v = wkc__xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = wkc__xstrdup(s);
}

int wkc__model_baseline(wkc__model *m, const char *dir)
{
	char *path = wkc__xasprintf("%s/report.json", dir);
	size_t len, nprev = 0, ncur = 0;
	char *text = wkc__read_file(path, &len);
	wkc__json *j = NULL;
	char **prev = NULL, **prev_titles = NULL, **cur = NULL;
	const char *lists[2] = {"groups", "failures"};
	wkc__history *h = &m->hist;

	if (text == NULL || (j = wkc__json_parse(text)) == NULL || j->kind != WKC__J_OBJ ||
	    strcmp(wkc__json_get_str(j, "schema", ""), "wakerconf-report") != 0) {
		wkc__diag(&m->diag, path, 1, "%s", text ? "not a wakerconf report.json" : strerror(errno));
		free(text);
		wkc__json_free(j);
		free(path);
		return -1;
	}
	for (int l = 0; l < 2; l++) {
		const wkc__json *a = wkc__json_get(j, lists[l]);
		for (size_t i = 0; a && a->kind == WKC__J_ARR && i < a->n; i++) {
			const char *k = wkc__json_get_str(&a->items[i], "key", NULL);
			if (k == NULL)
				continue;
			push(&prev, &nprev, k);
			nprev--;
			push(&prev_titles, &nprev, wkc__json_get_str(&a->items[i], "title", k));
		}
	}
	for (size_t i = 0; i < m->groups.n; i++)
		push(&cur, &ncur, m->groups.g[i].key);
	for (size_t i = 0; i < m->nfails; i++)
		push(&cur, &ncur, m->fails[i].key);
	if (ncur > 1) /* qsort and bsearch want non-NULL arrays even for none */
		qsort(cur, ncur, sizeof *cur, cmp_str);
	for (size_t i = 0; i < nprev; i++) {
		if (ncur > 0 && bsearch(&prev[i], cur, ncur, sizeof *cur, cmp_str)) {
			push(&h->still_keys, &h->nstill, prev[i]);
		} else {
			push(&h->fixed_keys, &h->nfixed, prev[i]);
			h->nfixed--;
			push(&h->fixed_titles, &h->nfixed, prev_titles[i]);
		}
	}
	if (nprev > 1)
		qsort(prev, nprev, sizeof *prev, cmp_str);
	for (size_t i = 0; i < ncur; i++)
		if (nprev == 0 || !bsearch(&cur[i], prev, nprev, sizeof *prev, cmp_str))
			push(&h->new_keys, &h->nnew, cur[i]);
	h->have = true;
	h->baseline = wkc__xstrdup(dir);
	for (size_t i = 0; i < nprev; i++) {
		free(prev[i]);
		free(prev_titles[i]);
	}
	for (size_t i = 0; i < ncur; i++)
		free(cur[i]);
	free(prev);
	free(prev_titles);
	free(cur);
	wkc__json_free(j);
	free(text);
	free(path);
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void wkc__model_free(wkc__model *m)
{
	for (size_t i = 0; i < m->nruns; i++)
		wkc__run_free(&m->runs[i]);
	free(m->runs);
	wkc__groups_free(&m->groups);
	for (size_t i = 0; i < m->nfails; i++)
		free(m->fails[i].key);
	free(m->fails);
	for (size_t i = 0; i < m->ncamps; i++)
		wkc__campaign_free(&m->camps[i]);
	free(m->camps);
	free_strv(m->hist.new_keys, m->hist.nnew);
	free_strv(m->hist.fixed_keys, m->hist.nfixed);
	free_strv(m->hist.fixed_titles, m->hist.nfixed);
	free_strv(m->hist.still_keys, m->hist.nstill);
	free(m->hist.baseline);
	free(m->certify_text);
	wkc__buf_free(&m->diag);
	memset(m, 0, sizeof *m);
}
