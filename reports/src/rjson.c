/* rjson.c - report.json (schema in reports/README.md, versioned by
 * WKC__REPORT_JSON_VERSION). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "writers.h"

static void kv(wkc__buf *b, const char *k, const char *v, bool comma)
{
	wkc__buf_printf(b, "%s\"%s\":", comma ? "," : "", k);
	if (v)
		wkc__report_json_str(b, v);
	else
		wkc__buf_puts(b, "null");
}

static void frame_json(wkc__buf *b, const wkc__frame *f)
{
	wkc__buf_putc(b, '{');
	kv(b, "fn", f->fn, false);
	kv(b, "file", f->file, true);
	wkc__buf_printf(b, ",\"line\":%d", f->line);
	kv(b, "module", f->module, true);
	wkc__buf_putc(b, '}');
}

static void group_json(wkc__buf *b, const wkc__group *g)
{
	wkc__buf_putc(b, '{');
	kv(b, "key", g->key, false);
	kv(b, "class", wkc__group_class_name(g->cls), true);
	kv(b, "title", g->title, true);
	kv(b, "tool", g->rep.tool, true);
	kv(b, "kind", g->rep.kind, true);
	wkc__buf_printf(b, ",\"count\":%zu,\"sites\":[", g->count);
	for (int i = 0; i < 2 && g->site[i]; i++) {
		if (i)
			wkc__buf_putc(b, ',');
		wkc__report_json_str(b, g->site[i]);
	}
	wkc__buf_puts(b, "],\"sections\":[");
	for (size_t s = 0; s < g->rep.nsecs; s++) {
		const wkc__section *sec = &g->rep.secs[s];
		static const char *const kinds[] = {"access", "location", "thread", "mutex", "freed", "allocated", "other"};
		wkc__buf_puts(b, s ? ",{" : "{");
		kv(b, "kind", kinds[sec->kind], false);
		kv(b, "title", sec->title, true);
		if (sec->kind == WKC__SEC_ACCESS)
			wkc__buf_printf(b, ",\"write\":%s,\"atomic\":%s,\"size\":%u", sec->write ? "true" : "false",
					sec->atomic ? "true" : "false", sec->size);
		kv(b, "thread", sec->thread, true);
		kv(b, "mutexes", sec->mutexes, true);
		wkc__buf_puts(b, ",\"stack\":[");
		for (size_t f = 0; f < sec->stack.n; f++) {
			if (f)
				wkc__buf_putc(b, ',');
			frame_json(b, &sec->stack.f[f]);
		}
		wkc__buf_puts(b, "]}");
	}
	wkc__buf_puts(b, "],\"hits\":[");
	for (size_t h = 0; h < g->nhits; h++) {
		const wkc__hit *x = &g->hits[h];
		wkc__buf_puts(b, h ? ",{" : "{");
		kv(b, "run", x->run, false);
		kv(b, "profile", x->profile, true);
		kv(b, "check", x->check, true);
		kv(b, "seed", x->seed, true);
		kv(b, "replay", x->replay, true);
		kv(b, "file", x->file, true);
		wkc__buf_printf(b, ",\"line\":%zu}", x->line);
	}
	wkc__buf_puts(b, "]}");
}

void wkc__report_json(wkc__buf *b, const wkc__model *m)
{
	char seed[32];
	wkc__buf_printf(b, "{\"schema\":\"wakerconf-report\",\"version\":%d,\"generated\":%lld",
			WKC__REPORT_JSON_VERSION, m->generated);
	kv(b, "verdict", m->verdict_fail ? "FAIL" : "PASS", true);
	if (m->certify_text)
		kv(b, "certified", m->not_certified ? "NOT CERTIFIED" : "CERTIFIED", true);
	wkc__buf_printf(b, ",\"raw_reports\":%zu,\"runs\":[", m->raw_reports);
	for (size_t i = 0; i < m->nruns; i++) {
		const wkc__run *r = &m->runs[i];
		size_t c[3] = {0, 0, 0};
		for (size_t k = 0; k < r->n; k++)
			c[r->rs[k].status]++;
		wkc__buf_puts(b, i ? ",{" : "{");
		kv(b, "dir", r->dir, false);
		kv(b, "adapter", r->h.adapter, true);
		kv(b, "adapter_name", r->h.adapter_name, true);
		kv(b, "adapter_version", r->h.adapter_version, true);
		kv(b, "profile", r->h.profile, true);
		snprintf(seed, sizeof seed, "0x%016llx", (unsigned long long)r->h.seed);
		kv(b, "seed", seed, true);
		wkc__buf_printf(b, ",\"pressure\":%s", r->h.pressure ? "true" : "false");
		kv(b, "harness_version", r->h.harness_version, true);
		kv(b, "build", r->h.build, true);
		wkc__buf_printf(b, ",\"date\":%lld,\"pass\":%zu,\"fail\":%zu,\"skip\":%zu,\"must_failures\":%zu}",
				(long long)r->date, c[WKC__PASS], c[WKC__FAIL], c[WKC__SKIP],
				wkc__req_table_must_failures(&r->table));
	}
	wkc__buf_puts(b, "],\"requirements\":[");
	{
		size_t out = 0;
		for (size_t i = 0; i < m->nruns; i++)
			for (size_t r = 0; r < m->runs[i].table.n; r++) {
				const wkc__req_row *row = &m->runs[i].table.rows[r];
				wkc__buf_puts(b, out++ ? ",{" : "{");
				kv(b, "run", m->runs[i].label, false);
				kv(b, "id", row->id, true);
				kv(b, "level", row->level, true);
				kv(b, "verdict", row->v == WKC__V_NOT_TESTED ? "NOT-TESTED" : wkc__verdict_word(row->v), true);
				kv(b, "why", row->why, true);
				wkc__buf_putc(b, '}');
			}
	}
	wkc__buf_puts(b, "],\"groups\":[");
	for (size_t i = 0; i < m->groups.n; i++) {
		if (i)
			wkc__buf_putc(b, ',');
		group_json(b, &m->groups.g[i]);
	}
	wkc__buf_puts(b, "],\"failures\":[");
	for (size_t i = 0; i < m->nfails; i++) {
		const wkc__failure_ref *f = &m->fails[i];
		const wkc__run *run = &m->runs[f->run];
		const wkc__result *r = &run->rs[f->result];
		char *title = wkc__xasprintf("%s (%s)", r->check, run->label);
		wkc__buf_puts(b, i ? ",{" : "{");
		kv(b, "key", f->key, false);
		kv(b, "title", title, true);
		kv(b, "run", run->label, true);
		kv(b, "check", r->check, true);
		kv(b, "ids", r->ids, true);
		kv(b, "charged", r->charged, true);
		kv(b, "reason", r->reason, true);
		kv(b, "group", f->group, true);
		wkc__buf_printf(b, ",\"timed_out\":%s,\"signal\":%d,\"failures\":[", r->timed_out ? "true" : "false", r->signal);
		for (size_t k = 0; k < r->nfailures; k++) {
			wkc__buf_puts(b, k ? ",{" : "{");
			kv(b, "id", r->failures[k].id, false);
			kv(b, "msg", r->failures[k].msg, true);
			wkc__buf_putc(b, '}');
		}
		wkc__buf_putc(b, ']');
		kv(b, "log", r->log, true);
		kv(b, "replay", r->replay, true);
		wkc__buf_putc(b, '}');
		free(title);
	}
	wkc__buf_puts(b, "],\"campaigns\":[");
	for (size_t i = 0; i < m->ncamps; i++) {
		const wkc__campaign *c = &m->camps[i];
		wkc__buf_puts(b, i ? ",{" : "{");
		kv(b, "name", c->name, false);
		kv(b, "target", c->target, true);
		kv(b, "engine", c->engine, true);
		wkc__buf_printf(b, ",\"seconds\":%g,\"samples\":%zu,\"crash_inputs\":%zu,\"groups\":[", c->seconds,
				c->npts, c->ncrashes);
		for (size_t g = 0; g < c->groups.n; g++) {
			if (g)
				wkc__buf_putc(b, ',');
			group_json(b, &c->groups.g[g]);
		}
		wkc__buf_puts(b, "]}");
	}
	wkc__buf_puts(b, "]");
	if (m->hist.have) {
		const char *names[3] = {"new", "fixed", "still"};
		char **lists[3] = {m->hist.new_keys, m->hist.fixed_keys, m->hist.still_keys};
		size_t ns[3] = {m->hist.nnew, m->hist.nfixed, m->hist.nstill};
		wkc__buf_puts(b, ",\"history\":{");
		kv(b, "baseline", m->hist.baseline, false);
		for (int l = 0; l < 3; l++) {
			wkc__buf_printf(b, ",\"%s\":[", names[l]);
			for (size_t i = 0; i < ns[l]; i++) {
				if (i)
					wkc__buf_putc(b, ',');
				wkc__report_json_str(b, lists[l][i]);
			}
			wkc__buf_putc(b, ']');
		}
		wkc__buf_putc(b, '}');
	}
	wkc__buf_puts(b, "}\n");
}
