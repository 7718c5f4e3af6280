/* sarif.c - SARIF 2.1.0: each deduplicated race is one result with both
 * access sites as its two locations; other sanitizer groups one result at
 * their top frame; a failed check without a sanitizer report one result
 * under its requirement id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "requirements.h"
#include "writers.h"

/* A file path as a URI reference: absolute paths become file:// URIs,
 * anything outside the unreserved set and '/' is percent-encoded. */
static void uri(wkc__buf *b, const char *path)
{
	wkc__buf u = {0};
	if (path[0] == '/')
		wkc__buf_puts(&u, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~/", *p))
			wkc__buf_putc(&u, (char)*p);
		else
			wkc__buf_printf(&u, "%%%02X", *p);
	}
	wkc__report_json_str(b, u.s);
	wkc__buf_free(&u);
}

static void location(wkc__buf *b, const wkc__frame *f, const char *msg)
{
	wkc__buf_putc(b, '{');
	if (f && f->file) {
		wkc__buf_puts(b, "\"physicalLocation\":{\"artifactLocation\":{\"uri\":");
		uri(b, f->file);
		wkc__buf_putc(b, '}');
		if (f->line > 0) {
			wkc__buf_printf(b, ",\"region\":{\"startLine\":%d", f->line);
			if (f->col > 0)
				wkc__buf_printf(b, ",\"startColumn\":%d", f->col);
			wkc__buf_putc(b, '}');
		}
		wkc__buf_puts(b, "},");
	}
	if (f && f->fn) {
		wkc__buf_puts(b, "\"logicalLocations\":[{\"name\":");
		wkc__report_json_str(b, f->fn);
		wkc__buf_puts(b, ",\"kind\":\"function\"}],");
	}
	wkc__buf_puts(b, "\"message\":{\"text\":");
	wkc__report_json_str(b, msg);
	wkc__buf_puts(b, "}}");
}

typedef struct rules {
	char **id;
	char **desc;
	size_t n;
} rules;

static size_t rule(rules *r, const char *id, const char *desc)
{
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->id[i], id) == 0)
			return i;
	r->id = wkc__xrealloc(r->id, (r->n + 1) * sizeof *r->id);
	r->desc = wkc__xrealloc(r->desc, (r->n + 1) * sizeof *r->desc);
	r->id[r->n] = wkc__xstrdup(id);
	r->desc[r->n] = wkc__xstrdup(desc);
	return r->n++;
}

static void group_result(wkc__buf *b, const wkc__group *g, rules *rs, bool first)
{
	char *rid = g->cls == WKC__G_RACE ? wkc__xstrdup("race")
					  : wkc__xasprintf("%s/%s", wkc__group_class_name(g->cls), g->rep.kind);
	size_t ri = rule(rs, rid, g->cls == WKC__G_RACE ? "data race between two accesses" : g->rep.kind);
	char *msg = wkc__xasprintf("%s (%zu check%s, %zu raw report%s; first: %s)", g->title, g->nhits,
				   g->nhits == 1 ? "" : "s", g->count, g->count == 1 ? "" : "s",
				   g->nhits ? g->hits[0].check : "?");
	int nloc = 0;
	wkc__buf_puts(b, first ? "{" : ",{");
	wkc__buf_puts(b, "\"ruleId\":");
	wkc__report_json_str(b, rid);
	wkc__buf_printf(b, ",\"ruleIndex\":%zu,\"level\":\"error\",\"message\":{\"text\":", ri);
	wkc__report_json_str(b, msg);
	wkc__buf_puts(b, "},\"locations\":[");
	for (size_t s = 0; s < g->rep.nsecs && nloc < (g->cls == WKC__G_RACE ? 2 : 1); s++) {
		const wkc__section *sec = &g->rep.secs[s];
		const wkc__frame *f;
		if (sec->stack.n == 0 || (g->cls == WKC__G_RACE && sec->kind != WKC__SEC_ACCESS))
			continue;
		f = wkc__site_frame(&sec->stack);
		if (nloc++)
			wkc__buf_putc(b, ',');
		location(b, f, sec->title);
	}
	wkc__buf_puts(b, "],\"partialFingerprints\":{\"wakerconf/v1\":");
	wkc__report_json_str(b, g->key);
	wkc__buf_puts(b, "},\"properties\":{\"checks\":[");
	for (size_t h = 0; h < g->nhits; h++) {
		if (h)
			wkc__buf_putc(b, ',');
		wkc__report_json_str(b, g->hits[h].check);
	}
	wkc__buf_puts(b, "]}}");
	free(rid);
	free(msg);
}

void wkc__report_sarif(wkc__buf *b, const wkc__model *m)
{
	wkc__buf res = {0};
	rules rs = {0};
	bool first = true;
	const char *version = m->nruns ? m->runs[0].h.harness_version : "0";

	for (size_t i = 0; i < m->groups.n; i++, first = false)
		group_result(&res, &m->groups.g[i], &rs, first);
	for (size_t i = 0; i < m->nfails; i++) {
		const wkc__failure_ref *f = &m->fails[i];
		const wkc__run *run = &m->runs[f->run];
		const wkc__result *r = &run->rs[f->result];
		const char *id = r->charged ? r->charged : r->nfailures ? r->failures[0].id : "WK-UNKNOWN";
		const wkc__requirement *req = wkc__requirement_find(id);
		size_t ri;
		char *msg;
		if (f->group)
			continue; /* its sanitizer group is the result */
		ri = rule(&rs, id, req ? req->summary : id);
		msg = wkc__xasprintf("%s (%s): %s", r->check, run->label,
				     r->reason ? r->reason : r->nfailures ? r->failures[0].msg : "failed");
		wkc__buf_puts(&res, first ? "{" : ",{");
		first = false;
		wkc__buf_puts(&res, "\"ruleId\":");
		wkc__report_json_str(&res, id);
		wkc__buf_printf(&res, ",\"ruleIndex\":%zu,\"level\":\"%s\",\"message\":{\"text\":", ri,
				strcmp(wkc__requirement_level(id), "MUST") == 0 ? "error" : "warning");
		wkc__report_json_str(&res, msg);
		wkc__buf_puts(&res, "},\"partialFingerprints\":{\"wakerconf/v1\":");
		wkc__report_json_str(&res, f->key);
		wkc__buf_puts(&res, "},\"properties\":{\"replay\":");
		wkc__report_json_str(&res, r->replay ? r->replay : "");
		wkc__buf_puts(&res, "}}");
		free(msg);
	}
	wkc__buf_puts(b, "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
			 "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"wakerconf\",\"version\":");
	wkc__report_json_str(b, version);
	wkc__buf_puts(b, ",\"rules\":[");
	for (size_t i = 0; i < rs.n; i++) {
		wkc__buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		wkc__report_json_str(b, rs.id[i]);
		wkc__buf_puts(b, ",\"shortDescription\":{\"text\":");
		wkc__report_json_str(b, rs.desc[i]);
		wkc__buf_puts(b, "}}");
		free(rs.id[i]);
		free(rs.desc[i]);
	}
	free(rs.id);
	free(rs.desc);
	wkc__buf_puts(b, "]}},\"results\":[");
	if (res.s)
		wkc__buf_add(b, res.s, res.len);
	wkc__buf_puts(b, "]}]}\n");
	wkc__buf_free(&res);
}
