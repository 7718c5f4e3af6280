/* pages.c - the static site: overview with the requirement matrix, one page
 * per failure class, fuzz campaigns, history, and the requirement texts. */
#define _GNU_SOURCE
#include "pages.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "html.h"
#include "requirements.h"

/* Bounds that keep a page readable and a report over 10,000 results small. */
#define LOG_TAIL_BYTES 16384
#define LOG_LINE_BYTES 4096
#define MAX_LOGS_SHOWN 200
#define SNIPPET_FRAMES 6
#define SOURCE_MAX_BYTES (4u << 20)

/* ---- source snippets -------------------------------------------------------------- */
typedef struct src_cache {
	const char *from, *to; /* path prefix rewrite (--source-map) */
	char *path[256];
	char *text[256];
	size_t len[256];
	size_t n;
} src_cache;

static bool source_name(const char *p)
{
	static const char *const ext[] = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".rs", ".inc"};
	const char *dot = strrchr(p, '.');
	if (p[0] != '/' || dot == NULL || strstr(p, "/../"))
		return false;
	for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
		if (strcmp(dot, ext[i]) == 0)
			return true;
	return false;
}

/* Only source files (by name), regular, not huge: a report names paths we do
 * not control, and the report must not copy arbitrary files into a web page. */
static const char *source_text(src_cache *c, const char *orig, size_t *len)
{
	struct stat st;
	char *mapped = NULL;
	const char *path = orig;
	size_t fl = c->from ? strlen(c->from) : 0;
	if (fl > 0 && strncmp(orig, c->from, fl) == 0 && (orig[fl] == '/' || orig[fl] == '\0')) {
		mapped = wkc__xasprintf("%s%s", c->to, orig + fl);
		path = mapped;
	}
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->path[i], path) == 0) {
			free(mapped);
			*len = c->len[i];
			return c->text[i];
		}
	if (c->n == 256 || !source_name(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > SOURCE_MAX_BYTES) {
		free(mapped);
		return NULL;
	}
	c->path[c->n] = wkc__xstrdup(path);
	c->text[c->n] = wkc__read_file(path, &c->len[c->n]);
	free(mapped);
	*len = c->len[c->n];
	return c->text[c->n] ? c->text[c->n++] : NULL;
}

static void src_cache_free(src_cache *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->path[i]);
		free(c->text[i]);
	}
}

/* Lines line-3 .. line+3 of the file, the frame's own highlighted. */
static bool snippet(wkc__buf *b, src_cache *c, const wkc__frame *f)
{
	size_t len, ln = 1;
	const char *t, *p, *end;
	if (f->file == NULL || f->line <= 0 || (t = source_text(c, f->file, &len)) == NULL)
		return false;
	end = t + len;
	p = t;
	while (p < end && ln + 3 < (size_t)f->line) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return false;
		p = nl + 1;
		ln++;
	}
	wkc__buf_puts(b, "<pre>");
	for (; p < end && ln <= (size_t)f->line + 3; ln++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		wkc__buf_printf(b, "<span%s>%5zu  ", ln == (size_t)f->line ? " class=\"hl\"" : "", ln);
		wkc__html_text(b, p, n > 400 ? 400 : n);
		wkc__buf_puts(b, ln == (size_t)f->line ? "</span>" : "</span>\n");
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	wkc__buf_puts(b, "</pre>");
	return true;
}

static void frame_text(wkc__buf *b, const wkc__frame *f)
{
	wkc__buf_puts(b, "<b>");
	wkc__html_str(b, f->fn ? f->fn : "??");
	wkc__buf_puts(b, "</b> ");
	if (f->file) {
		wkc__html_str(b, f->file);
		if (f->line > 0)
			wkc__buf_printf(b, ":%d", f->line);
	} else if (f->module) {
		wkc__buf_putc(b, '(');
		wkc__html_str(b, f->module);
		wkc__buf_putc(b, ')');
	}
}

static void stack_html(wkc__buf *b, const wkc__stack *s, src_cache *c, bool sources)
{
	int shown = 0;
	if (s->n == 0)
		return;
	wkc__buf_puts(b, "<ol class=\"stack\" start=\"0\">");
	for (size_t i = 0; i < s->n; i++) {
		const wkc__frame *f = &s->f[i];
		bool rt = wkc__frame_is_runtime(f), probe = wkc__frame_is_probe(f);
		wkc__buf_printf(b, "<li%s>", rt ? " class=\"rt\"" : probe ? " class=\"probe\"" : "");
		if (sources && !rt && shown < SNIPPET_FRAMES && f->file && f->line > 0) {
			wkc__buf sn = {0};
			if (snippet(&sn, c, f)) {
				wkc__buf_puts(b, shown == 0 ? "<details open><summary>" : "<details><summary>");
				frame_text(b, f);
				wkc__buf_puts(b, "</summary>");
				wkc__buf_add(b, sn.s, sn.len);
				wkc__buf_puts(b, "</details>");
				wkc__buf_free(&sn);
				shown++;
				wkc__buf_puts(b, "</li>");
				continue;
			}
		}
		frame_text(b, f);
		wkc__buf_puts(b, "</li>");
	}
	wkc__buf_puts(b, "</ol>");
}

static void section_html(wkc__buf *b, const wkc__section *s, src_cache *c, bool sources)
{
	wkc__buf_puts(b, "<h4>");
	wkc__html_str(b, s->title);
	wkc__buf_puts(b, "</h4>");
	if (s->kind == WKC__SEC_ACCESS && (s->size || s->thread)) {
		wkc__buf_puts(b, "<p class=\"meta\">");
		wkc__html_printf(b, "%s%s", s->atomic ? "atomic " : "", s->write ? "write" : "read");
		if (s->size)
			wkc__buf_printf(b, ", %u bytes", s->size);
		if (s->thread)
			wkc__html_printf(b, ", %s", s->thread);
		if (s->mutexes)
			wkc__html_printf(b, ", holding %s", s->mutexes);
		wkc__buf_puts(b, "</p>");
	}
	stack_html(b, &s->stack, c, sources);
}

/* ---- shared pieces ------------------------------------------------------------------- */
static void hits_table(wkc__buf *b, const wkc__group *g)
{
	wkc__buf_printf(b, "<details%s><summary>%zu check%s hit it (%zu raw report%s)</summary>",
			g->nhits <= 12 ? " open" : "", g->nhits, g->nhits == 1 ? "" : "s", g->count,
			g->count == 1 ? "" : "s");
	wkc__buf_puts(b, "<table class=\"hits\"><tr><th>run</th><th>check</th><th>seed</th><th>report</th><th>replay</th></tr>");
	for (size_t i = 0; i < g->nhits; i++) {
		const wkc__hit *h = &g->hits[i];
		wkc__html_printf(b, "<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td><code>%s</code>:%zu</td><td><code>%s</code></td></tr>",
				 h->run, h->check, h->seed ? h->seed : "", h->file ? h->file : "", h->line,
				 h->replay ? h->replay : "(no replay token)");
	}
	wkc__buf_puts(b, "</table></details>");
}

static void group_anchor(wkc__buf *b, const char *prefix, size_t i)
{
	wkc__buf_printf(b, "%s-%zu", prefix, i + 1);
}

static void race_group(wkc__buf *b, const wkc__group *g, size_t i, src_cache *c, bool sources)
{
	const wkc__section *acc[2] = {NULL, NULL};
	int na = 0;
	wkc__buf_puts(b, "<section class=\"group race\" id=\"");
	group_anchor(b, "race", i);
	wkc__buf_puts(b, "\"><h2>");
	wkc__html_str(b, g->title);
	wkc__buf_puts(b, "</h2><p class=\"meta\">");
	wkc__html_printf(b, "first seen by %s as <code>%s</code>; signature <code>%s</code>", g->rep.tool,
			 g->rep.headline, g->key);
	wkc__buf_puts(b, "</p>");
	hits_table(b, g);
	for (size_t k = 0; k < g->rep.nsecs && na < 2; k++)
		if (g->rep.secs[k].kind == WKC__SEC_ACCESS)
			acc[na++] = &g->rep.secs[k];
	wkc__buf_puts(b, "<div class=\"pair\">");
	for (int k = 0; k < 2; k++) {
		wkc__buf_printf(b, "<div class=\"side access-%c\">", k ? 'b' : 'a');
		if (acc[k])
			section_html(b, acc[k], c, sources);
		else
			wkc__buf_puts(b, "<h4>other access</h4><p class=\"meta\">the tool gave no stack for it "
					 "(DRD names the other thread's segment only)</p>");
		wkc__buf_puts(b, "</div>");
	}
	wkc__buf_puts(b, "</div>");
	for (size_t k = 0; k < g->rep.nsecs; k++) {
		const wkc__section *s = &g->rep.secs[k];
		if (s == acc[0] || s == acc[1])
			continue;
		section_html(b, s, c, sources && s->kind == WKC__SEC_LOCATION);
	}
	wkc__buf_puts(b, "</section>\n");
}

static void plain_group(wkc__buf *b, const wkc__group *g, size_t i, src_cache *c, bool sources)
{
	wkc__buf_puts(b, "<section class=\"group\" id=\"");
	group_anchor(b, g->cls == WKC__G_MEMORY ? "mem" : "thr", i);
	wkc__buf_puts(b, "\"><h2>");
	wkc__html_str(b, g->title);
	wkc__buf_puts(b, "</h2><p class=\"meta\">");
	wkc__html_printf(b, "<code>%s</code>; signature <code>%s</code>", g->rep.headline, g->key);
	if (g->rep.summary)
		wkc__html_printf(b, "<br><code>%s</code>", g->rep.summary);
	wkc__buf_puts(b, "</p>");
	hits_table(b, g);
	for (size_t k = 0; k < g->rep.nsecs; k++)
		section_html(b, &g->rep.secs[k], c, sources && k < 3);
	wkc__buf_puts(b, "</section>\n");
}

static void verdict_span(wkc__buf *b, const char *word)
{
	wkc__buf_puts(b, "<td class=\"");
	wkc__html_anchor(b, word);
	wkc__buf_puts(b, "\">");
	wkc__html_str(b, word);
	wkc__buf_puts(b, "</td>");
}

static const char *row_word(const wkc__req_row *r)
{
	return r == NULL ? "not-run" : r->v == WKC__V_NOT_TESTED ? "NOT-TESTED" : wkc__verdict_word(r->v);
}

static void counts(const wkc__run *r, size_t *pass, size_t *fail, size_t *skip)
{
	*pass = *fail = *skip = 0;
	for (size_t i = 0; i < r->n; i++)
		(r->rs[i].status == WKC__PASS ? pass : r->rs[i].status == WKC__FAIL ? fail : skip)[0]++;
}

/* ---- pages ------------------------------------------------------------------------------- */
static void page_index(wkc__buf *b, const wkc__model *m)
{
	size_t nrace = 0, nmem = 0, nthr = 0;
	char date[64];
	time_t gen = (time_t)m->generated;
	for (size_t i = 0; i < m->groups.n; i++)
		(m->groups.g[i].cls == WKC__G_RACE ? &nrace : m->groups.g[i].cls == WKC__G_MEMORY ? &nmem : &nthr)[0]++;
	wkc__html_begin(b, "wakerconf report", "index.html");
	wkc__buf_printf(b, "<p><span class=\"verdict %s\" id=\"verdict\">%s</span> ",
			m->verdict_fail ? "FAIL" : "PASS",
			m->verdict_fail ? "FAIL: a MUST requirement failed" : "PASS: every MUST requirement that applies passed");
	if (m->certify_text)
		wkc__buf_printf(b, "<span class=\"verdict %s\" id=\"certified\">%s</span> ",
				m->not_certified ? "FAIL" : "PASS", m->not_certified ? "NOT CERTIFIED" : "CERTIFIED");
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&gen));
	wkc__buf_printf(b, "<span class=\"meta\">generated %s</span></p>", date);
	wkc__buf_printf(b, "<p>%zu distinct race%s, %zu distinct memory error%s, %zu other thread error%s "
			   "(from %zu raw sanitizer and Valgrind reports); %zu failed check result%s.</p>",
			nrace, nrace == 1 ? "" : "s", nmem, nmem == 1 ? "" : "s", nthr, nthr == 1 ? "" : "s",
			m->raw_reports, m->nfails, m->nfails == 1 ? "" : "s");
	wkc__buf_puts(b, "<h2>Runs</h2><table id=\"runs\"><tr><th>executor</th><th>version</th><th>adapter</th>"
			 "<th>profile</th><th>seed</th><th>pressure</th><th>harness</th><th>date</th>"
			 "<th>pass / fail / skip</th><th>verdict</th><th>results</th></tr>");
	for (size_t i = 0; i < m->nruns; i++) {
		const wkc__run *r = &m->runs[i];
		size_t p, f, s;
		time_t d = r->date;
		bool bad = wkc__req_table_must_failures(&r->table) > 0;
		counts(r, &p, &f, &s);
		strftime(date, sizeof date, "%Y-%m-%d %H:%M", gmtime(&d));
		wkc__html_printf(b, "<tr><td>%s</td><td>%s</td><td><code>%s</code></td><td>%s</td>",
				 r->h.adapter_name, r->h.adapter_version, r->h.adapter, r->h.profile);
		wkc__buf_printf(b, "<td><code>0x%016llx</code></td><td>%s</td>", (unsigned long long)r->h.seed,
				r->h.pressure ? "on" : "off");
		wkc__html_printf(b, "<td>%s%s%s</td><td>%s</td>", r->h.harness_version,
				 r->h.build && r->h.build[0] ? " -fsanitize=" : "", r->h.build ? r->h.build : "", date);
		wkc__buf_printf(b, "<td>%zu / %zu / %zu</td>", p, f, s);
		verdict_span(b, bad ? "FAIL" : "PASS");
		wkc__html_printf(b, "<td><code>%s</code></td></tr>", r->dir);
	}
	wkc__buf_puts(b, "</table>");

	/* One matrix per executor: its profiles side by side. */
	for (size_t i = 0; i < m->nruns; i++) {
		const char *name = m->runs[i].h.adapter_name;
		size_t cols[32], nc = 0;
		wkc__req_table ids = {0};
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= strcmp(m->runs[k].h.adapter_name, name) == 0;
		if (seen)
			continue;
		for (size_t k = i; k < m->nruns && nc < 32; k++)
			if (strcmp(m->runs[k].h.adapter_name, name) == 0)
				cols[nc++] = k;
		for (size_t c = 0; c < nc; c++) {
			const wkc__req_table *t = &m->runs[cols[c]].table;
			for (size_t r = 0; r < t->n; r++)
				if (!wkc__req_table_find(&ids, t->rows[r].id)) {
					ids.rows = wkc__xrealloc(ids.rows, (ids.n + 1) * sizeof *ids.rows);
					ids.rows[ids.n] = t->rows[r];
					ids.rows[ids.n].id = wkc__xstrdup(t->rows[r].id);
					ids.rows[ids.n].why = NULL;
					ids.n++;
				}
		}
		wkc__buf_puts(b, "<h2>Requirements: ");
		wkc__html_str(b, name);
		wkc__buf_puts(b, "</h2><table class=\"matrix\"><tr><th>id</th><th>level</th>");
		for (size_t c = 0; c < nc; c++)
			wkc__html_printf(b, "<th>%s</th>", m->runs[cols[c]].h.profile);
		wkc__buf_puts(b, "<th>summary</th></tr>");
		for (size_t r = 0; r < ids.n; r++) {
			wkc__buf_puts(b, "<tr class=\"req\" id=\"m-");
			wkc__html_anchor(b, name);
			wkc__buf_putc(b, '-');
			wkc__html_anchor(b, ids.rows[r].id);
			wkc__buf_puts(b, "\"><td><a href=\"spec.html#");
			wkc__html_anchor(b, ids.rows[r].id);
			wkc__buf_puts(b, "\">");
			wkc__html_str(b, ids.rows[r].id);
			wkc__html_printf(b, "</a></td><td>%s</td>", ids.rows[r].level);
			for (size_t c = 0; c < nc; c++)
				verdict_span(b, row_word(wkc__req_table_find(&m->runs[cols[c]].table, ids.rows[r].id)));
			wkc__html_printf(b, "<td>%s</td></tr>", ids.rows[r].summary);
		}
		wkc__buf_puts(b, "</table>");
		wkc__req_table_free(&ids);
	}
	if (m->certify_text) {
		wkc__buf_puts(b, "<h2>Certification</h2><details><summary>certify.txt</summary><pre id=\"certify\">");
		wkc__html_str(b, m->certify_text);
		wkc__buf_puts(b, "</pre></details>");
	}
	if (m->diag.len > 0) {
		wkc__buf_puts(b, "<h2>Input problems</h2><pre id=\"diag\">");
		wkc__html_text(b, m->diag.s, m->diag.len > 65536 ? 65536 : m->diag.len);
		wkc__buf_puts(b, "</pre>");
	}
	wkc__html_end(b);
}

static void page_groups(wkc__buf *b, const wkc__model *m, bool races)
{
	src_cache *c = wkc__xcalloc(1, sizeof *c);
	size_t n = 0;
	c->from = m->src_from;
	c->to = m->src_to;
	wkc__html_begin(b, races ? "Data races" : "Memory errors and other thread errors",
			races ? "races.html" : "memory.html");
	for (int pass = 0; pass < (races ? 1 : 2); pass++) {
		wkc__group_class want = races ? WKC__G_RACE : pass == 0 ? WKC__G_MEMORY : WKC__G_THREAD;
		size_t k = 0;
		for (size_t i = 0; i < m->groups.n; i++)
			k += m->groups.g[i].cls == want;
		if (!races)
			wkc__buf_printf(b, "<h2>%s (%zu)</h2>", pass == 0 ? "Memory errors" : "Other thread errors", k);
		else
			wkc__buf_printf(b, "<p>%zu distinct race%s, both accesses side by side.</p>", k, k == 1 ? "" : "s");
		for (size_t i = 0; i < m->groups.n; i++) {
			const wkc__group *g = &m->groups.g[i];
			if (g->cls != want)
				continue;
			if (races)
				race_group(b, g, i, c, m->sources);
			else
				plain_group(b, g, i, c, m->sources);
			n++;
		}
	}
	if (n == 0)
		wkc__buf_puts(b, "<p>None.</p>");
	wkc__html_end(b);
	src_cache_free(c);
	free(c);
}

/* The last LOG_TAIL_BYTES of a log, long lines cut. */
static void log_tail(wkc__buf *b, const char *dir, const char *rel)
{
	char *path;
	FILE *f;
	long size;
	char *t;
	size_t n;
	if (rel == NULL || strstr(rel, "..") || rel[0] == '/')
		return;
	path = wkc__xasprintf("%s/%s", dir, rel);
	f = fopen(path, "rb");
	free(path);
	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, size > LOG_TAIL_BYTES ? size - LOG_TAIL_BYTES : 0, SEEK_SET);
	t = wkc__xmalloc(LOG_TAIL_BYTES + 1);
	n = fread(t, 1, LOG_TAIL_BYTES, f);
	fclose(f);
	wkc__buf_printf(b, "<details><summary>log (%s%ld bytes)</summary><pre>", size > LOG_TAIL_BYTES ? "last part of " : "", size);
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(t + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (t + i)) : n - i;
		wkc__html_text(b, t + i, len > LOG_LINE_BYTES ? LOG_LINE_BYTES : len);
		if (len > LOG_LINE_BYTES)
			wkc__buf_printf(b, " [... %zu more bytes]", len - LOG_LINE_BYTES);
		wkc__buf_putc(b, '\n');
		i += len + 1;
	}
	wkc__buf_puts(b, "</pre></details>");
	free(t);
}

static const char *fail_class(const wkc__result *r, const char *group)
{
	if (group)
		return "sanitizer";
	if (r->timed_out)
		return "timeout";
	if (r->signal)
		return "crash";
	if (r->reason)
		return "abnormal end";
	return "contract";
}

static void page_failures(wkc__buf *b, const wkc__model *m)
{
	static const char *const order[] = {"contract", "timeout", "crash", "abnormal end", "sanitizer"};
	size_t logs = 0;
	wkc__html_begin(b, "Failed checks", "failures.html");
	wkc__buf_printf(b, "<p>%zu failed check result%s. Contract failures are the checks' own verdicts; "
			   "sanitizer failures link to their deduplicated report.</p>", m->nfails, m->nfails == 1 ? "" : "s");
	for (size_t o = 0; o < sizeof order / sizeof *order; o++) {
		size_t k = 0;
		for (size_t i = 0; i < m->nfails; i++)
			k += strcmp(fail_class(&m->runs[m->fails[i].run].rs[m->fails[i].result], m->fails[i].group), order[o]) == 0;
		if (k == 0)
			continue;
		wkc__buf_printf(b, "<h2>%s (%zu)</h2>", order[o], k);
		for (size_t i = 0; i < m->nfails; i++) {
			const wkc__failure_ref *fr = &m->fails[i];
			const wkc__run *run = &m->runs[fr->run];
			const wkc__result *r = &run->rs[fr->result];
			char *replay;
			if (strcmp(fail_class(r, fr->group), order[o]) != 0)
				continue;
			wkc__buf_puts(b, "<section class=\"group fail\" id=\"f-");
			wkc__html_anchor(b, fr->key);
			wkc__html_printf(b, "\"><h3>%s <span class=\"meta\">(%s)</span></h3><p>", r->check, run->label);
			wkc__html_printf(b, "ids <code>%s</code>; seed <code>", r->ids);
			wkc__buf_printf(b, "0x%016llx</code>; %.1f ms", (unsigned long long)r->seed, r->ms);
			if (r->charged)
				wkc__html_printf(b, "; charged to <b>%s</b>", r->charged);
			wkc__buf_puts(b, "</p>");
			if (r->reason)
				wkc__html_printf(b, "<p>%s</p>", r->reason);
			if (fr->group) {
				for (size_t g = 0; g < m->groups.n; g++)
					if (m->groups.g[g].key == fr->group) {
						wkc__buf_printf(b, "<p><a href=\"%s#", m->groups.g[g].cls == WKC__G_RACE ? "races.html" : "memory.html");
						group_anchor(b, m->groups.g[g].cls == WKC__G_RACE ? "race" : m->groups.g[g].cls == WKC__G_MEMORY ? "mem" : "thr", g);
						wkc__buf_puts(b, "\">");
						wkc__html_str(b, m->groups.g[g].title);
						wkc__buf_puts(b, "</a></p>");
					}
			}
			if (r->nfailures) {
				wkc__buf_puts(b, "<ul>");
				for (size_t k2 = 0; k2 < r->nfailures; k2++)
					wkc__html_printf(b, "<li><b>%s</b>: %s</li>", r->failures[k2].id, r->failures[k2].msg);
				if (r->dropped_failures)
					wkc__buf_printf(b, "<li>... and %zu more</li>", r->dropped_failures);
				wkc__buf_puts(b, "</ul>");
			}
			replay = wkc__replay_line(r->replay);
			if (replay)
				wkc__html_printf(b, "<p>replay: <code>%s</code></p>", replay);
			free(replay);
			if (logs < MAX_LOGS_SHOWN) {
				log_tail(b, run->dir, r->log);
				logs++;
			} else if (r->log) {
				wkc__html_printf(b, "<p class=\"meta\">log: <code>%s/%s</code></p>", run->dir, r->log);
			}
			wkc__buf_puts(b, "</section>\n");
		}
	}
	wkc__html_end(b);
}

static void page_fuzz(wkc__buf *b, const wkc__model *m)
{
	src_cache cache;
	memset(&cache, 0, sizeof cache);
	cache.from = m->src_from;
	cache.to = m->src_to;
	wkc__html_begin(b, "Fuzz campaigns", "fuzz.html");
	if (m->ncamps == 0)
		wkc__buf_puts(b, "<p>No campaign given (<code>--fuzz DIR</code>).</p>");
	for (size_t i = 0; i < m->ncamps; i++) {
		const wkc__campaign *c = &m->camps[i];
		double *xs = wkc__xcalloc(c->npts + 1, sizeof *xs), *ys = wkc__xcalloc(c->npts + 1, sizeof *ys);
		const char *titles[] = {"executions per second", "coverage", "corpus size", "crashes"};
		wkc__html_printf(b, "<section class=\"campaign\"><h2>%s</h2><p class=\"meta\">target %s, engine %s, ",
				 c->name, c->target, c->engine);
		wkc__buf_printf(b, "%.0f s, %zu samples, %zu crash input%s</p>", c->seconds, c->npts, c->ncrashes,
				c->ncrashes == 1 ? "" : "s");
		for (int k = 0; k < 4; k++) {
			for (size_t p = 0; p < c->npts; p++) {
				const wkc__fuzz_point *pt = &c->pts[p];
				xs[p] = pt->t;
				ys[p] = k == 0 ? pt->execs_per_s : k == 1 ? pt->coverage : k == 2 ? pt->corpus : pt->crashes;
			}
			wkc__svg_plot(b, titles[k], xs, ys, c->npts);
		}
		wkc__buf_puts(b, "<h3>Crash inputs</h3><table><tr><th>input</th><th>reports</th><th>first</th></tr>");
		for (size_t k = 0; k < c->ncrashes; k++) {
			const wkc__fuzz_crash *fc = &c->crashes[k];
			wkc__html_printf(b, "<tr><td><code>%s</code></td><td>%zu</td><td>", fc->file, fc->reports.n);
			if (fc->reports.n)
				wkc__html_printf(b, "%s: %s", fc->reports.r[0].tool, fc->reports.r[0].kind);
			wkc__buf_puts(b, "</td></tr>");
		}
		if (c->ncrashes == 0)
			wkc__buf_puts(b, "<tr><td colspan=\"3\">none</td></tr>");
		wkc__buf_puts(b, "</table>");
		wkc__buf_printf(b, "<h3>Distinct crashes (%zu)</h3>", c->groups.n);
		for (size_t g = 0; g < c->groups.n; g++)
			plain_group(b, &c->groups.g[g], g, &cache, m->sources);
		wkc__buf_puts(b, "</section>");
		free(xs);
		free(ys);
	}
	src_cache_free(&cache);
	wkc__html_end(b);
}

/* One line per key: what it is now (group title or failed check), linked. */
static void key_list(wkc__buf *b, const wkc__model *m, const char *cls, char **keys, size_t n)
{
	wkc__buf_printf(b, "<ul class=\"%s\">", cls);
	for (size_t i = 0; i < n; i++) {
		bool done = false;
		wkc__buf_puts(b, "<li>");
		for (size_t g = 0; g < m->groups.n && !done; g++) {
			const wkc__group *gr = &m->groups.g[g];
			if (strcmp(gr->key, keys[i]) != 0)
				continue;
			wkc__buf_printf(b, "<a href=\"%s#", gr->cls == WKC__G_RACE ? "races.html" : "memory.html");
			group_anchor(b, gr->cls == WKC__G_RACE ? "race" : gr->cls == WKC__G_MEMORY ? "mem" : "thr", g);
			wkc__buf_puts(b, "\">");
			wkc__html_str(b, gr->title);
			wkc__buf_printf(b, "</a> (%zu check%s)", gr->nhits, gr->nhits == 1 ? "" : "s");
			done = true;
		}
		for (size_t f = 0; f < m->nfails && !done; f++) {
			const wkc__failure_ref *fr = &m->fails[f];
			if (strcmp(fr->key, keys[i]) != 0)
				continue;
			wkc__buf_puts(b, "<a href=\"failures.html#f-");
			wkc__html_anchor(b, fr->key);
			wkc__html_printf(b, "\">failed check %s</a> (%s)", m->runs[fr->run].rs[fr->result].check,
					 m->runs[fr->run].label);
			done = true;
		}
		wkc__html_printf(b, " <code>%s</code></li>", keys[i]);
	}
	wkc__buf_puts(b, "</ul>");
}

static void page_history(wkc__buf *b, const wkc__model *m)
{
	const wkc__history *h = &m->hist;
	wkc__html_begin(b, "History", "history.html");
	if (!h->have) {
		wkc__buf_puts(b, "<p>No baseline given (<code>--baseline DIR</code>, an earlier report).</p>");
		wkc__html_end(b);
		return;
	}
	wkc__html_printf(b, "<p>Compared with the report in <code>%s</code>: ", h->baseline);
	wkc__buf_printf(b, "<span class=\"new\">%zu new</span>, <span class=\"fixed\">%zu fixed</span>, %zu still present.</p>",
			h->nnew, h->nfixed, h->nstill);
	wkc__buf_puts(b, "<h2 class=\"new\">New</h2>");
	key_list(b, m, "new", h->new_keys, h->nnew);
	wkc__buf_puts(b, "<h2 class=\"fixed\">Fixed</h2><ul class=\"fixed\">");
	for (size_t i = 0; i < h->nfixed; i++)
		wkc__html_printf(b, "<li>%s <code>%s</code></li>", h->fixed_titles[i], h->fixed_keys[i]);
	wkc__buf_puts(b, "</ul><h2>Still present</h2>");
	key_list(b, m, "still", h->still_keys, h->nstill);
	wkc__html_end(b);
}

/* The paragraph of a spec .md file that starts with **ID**, up to the blank line. */
static void spec_text(wkc__buf *b, const char *const *texts, size_t nt, const char *id)
{
	char needle[96];
	snprintf(needle, sizeof needle, "**%.80s**", id);
	for (size_t i = 0; i < nt; i++) {
		const char *p = texts[i] ? strstr(texts[i], needle) : NULL;
		const char *e;
		if (p == NULL)
			continue;
		e = strstr(p, "\n\n");
		wkc__buf_puts(b, "<blockquote>");
		wkc__html_text(b, p, e ? (size_t)(e - p) : strlen(p));
		wkc__buf_puts(b, "</blockquote>");
		return;
	}
}

static void page_spec(wkc__buf *b, const wkc__model *m)
{
	static const char *const files[] = {"executor.md", "api.md", "runtime.md", "join.md", "harness.md", "package.md"};
	char *texts[6] = {0};
	size_t nt = sizeof files / sizeof *files;
	for (size_t i = 0; m->spec_dir && i < nt; i++) {
		char *p = wkc__xasprintf("%s/%s", m->spec_dir, files[i]);
		size_t len;
		texts[i] = wkc__read_file(p, &len);
		free(p);
	}
	wkc__html_begin(b, "Requirements", "spec.html");
	if (m->spec_dir)
		wkc__html_printf(b, "<p class=\"meta\">Texts from <code>%s</code>.</p>", m->spec_dir);
	else
		wkc__buf_puts(b, "<p class=\"meta\">spec/ not found (pass <code>--spec DIR</code>): summaries only.</p>");
	for (size_t i = 0; i < wkc__requirement_count; i++) {
		const wkc__requirement *r = &wkc__requirement_list[i];
		if (r->id == NULL)
			continue;
		wkc__buf_puts(b, "<section id=\"");
		wkc__html_anchor(b, r->id);
		wkc__html_printf(b, "\"><h3>%s <span class=\"meta\">%s, %s</span></h3><p>%s</p>", r->id, r->level,
				 r->profile, r->summary);
		spec_text(b, (const char *const *)texts, nt, r->id);
		wkc__buf_puts(b, "</section>");
	}
	wkc__html_end(b);
	for (size_t i = 0; i < nt; i++)
		free(texts[i]);
}

int wkc__pages_write(const wkc__model *m, const char *dir)
{
	struct {
		const char *name;
		void (*fn)(wkc__buf *, const wkc__model *);
	} pages[] = {
		{"index.html", page_index},     {"failures.html", page_failures}, {"fuzz.html", page_fuzz},
		{"history.html", page_history}, {"spec.html", page_spec},
	};
	for (size_t i = 0; i < sizeof pages / sizeof *pages + 2; i++) {
		wkc__buf b = {0};
		const char *name;
		if (i < 2) {
			name = i == 0 ? "races.html" : "memory.html";
			page_groups(&b, m, i == 0);
		} else {
			name = pages[i - 2].name;
			pages[i - 2].fn(&b, m);
		}
		if (wkc__html_write(dir, name, &b) != 0) {
			wkc__error("report: cannot write %s/%s: %s", dir, name, strerror(errno));
			wkc__buf_free(&b);
			return -1;
		}
		wkc__buf_free(&b);
	}
	return 0;
}
