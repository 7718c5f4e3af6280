/* summary.c - requirement verdicts and the text summary of a run. */
#define _POSIX_C_SOURCE 200809L
#include "summary.h"

#include <stdlib.h>
#include <string.h>

#include "requirements.h"
#include "util.h"
#include "wkc/registry.h"

const char *wkc__verdict_word(wkc__req_verdict v)
{
	switch (v) {
	case WKC__V_PASS: return "PASS";
	case WKC__V_FAIL: return "FAIL";
	case WKC__V_SKIP: return "SKIP";
	default: return "NOT TESTED";
	}
}

static wkc__req_row *row_for(wkc__req_table *t, const char *id)
{
	const wkc__requirement *req;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].id, id) == 0)
			return &t->rows[i];
	t->rows = wkc__xrealloc(t->rows, (t->n + 1) * sizeof *t->rows);
	req = wkc__requirement_find(id);
	memset(&t->rows[t->n], 0, sizeof t->rows[0]);
	t->rows[t->n].id = wkc__xstrdup(id);
	t->rows[t->n].level = req ? req->level : "MUST";
	t->rows[t->n].summary = req ? req->summary : "(not in spec/)";
	t->rows[t->n].v = WKC__V_NOT_TESTED;
	return &t->rows[t->n++];
}

/* Call fn for each id of a space-separated list. */
static void each_id(const char *ids, wkc__req_table *t,
		    void (*fn)(wkc__req_table *t, const char *id, const void *arg), const void *arg)
{
	const char *p = ids;
	while (p && *p) {
		size_t w = strcspn(p, " ");
		if (w > 0) {
			char *id = wkc__xasprintf("%.*s", (int)w, p);
			fn(t, id, arg);
			free(id);
		}
		p += w;
		while (*p == ' ')
			p++;
	}
}

static void add_untested(wkc__req_table *t, const char *id, const void *arg)
{
	(void)arg;
	row_for(t, id);
}

static void set_verdict(wkc__req_row *row, wkc__req_verdict v, const char *why)
{
	/* FAIL > PASS > SKIP > NOT TESTED */
	static const int rank[] = {[WKC__V_FAIL] = 3, [WKC__V_PASS] = 2, [WKC__V_SKIP] = 1,
				   [WKC__V_NOT_TESTED] = 0};
	if (rank[v] < rank[row->v] || (rank[v] == rank[row->v] && row->why != NULL))
		return;
	row->v = v;
	free(row->why);
	row->why = why ? wkc__xstrdup(why) : NULL;
}

static void judge_id(wkc__req_table *t, const char *id, const void *arg)
{
	const wkc__result *r = arg;
	wkc__req_row *row = row_for(t, id);
	if (r->status == WKC__SKIP) {
		char *why = wkc__xasprintf("%s: %s", r->check, r->reason ? r->reason : "skipped");
		set_verdict(row, WKC__V_SKIP, why);
		free(why);
		return;
	}
	for (size_t i = 0; i < r->nfailures; i++)
		if (strcmp(r->failures[i].id, id) == 0) {
			char *why = wkc__xasprintf("%s: %s", r->check, r->failures[i].msg);
			set_verdict(row, WKC__V_FAIL, why);
			free(why);
			return;
		}
	if (r->charged && strcmp(r->charged, id) == 0) {
		char *why = wkc__xasprintf("%s: %s", r->check, r->reason ? r->reason : "failed");
		set_verdict(row, WKC__V_FAIL, why);
		free(why);
		return;
	}
	if (wkc__result_unexercised(r, id) != NULL) {
		char *why = wkc__xasprintf("%s: not exercised: %s", r->check,
					   wkc__result_unexercised(r, id));
		set_verdict(row, WKC__V_SKIP, why);
		free(why);
		return;
	}
	/* Ids of a check that died were not all judged: no PASS from it. */
	if (r->completed && r->reason == NULL) {
		set_verdict(row, WKC__V_PASS, NULL);
	} else {
		char *why = wkc__xasprintf("%s ended before judging it", r->check);
		set_verdict(row, WKC__V_NOT_TESTED, why);
		free(why);
	}
}

void wkc__req_table_build(wkc__req_table *t, const wkc__result *rs, size_t n)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < wkc_check_count; i++)
		each_id(wkc_check_list[i].ids, t, add_untested, NULL);
	for (size_t i = 0; i < n; i++) {
		const wkc__result *r = &rs[i];
		each_id(r->ids, t, judge_id, r);
		/* Ids failed that the check does not list. */
		for (size_t k = 0; k < r->nfailures; k++)
			if (!wkc__ids_contain(r->ids, r->failures[k].id))
				judge_id(t, r->failures[k].id, r);
		if (r->charged && !wkc__ids_contain(r->ids, r->charged))
			judge_id(t, r->charged, r);
	}
	/* Spec order; ids the spec does not know last, alphabetically. */
	for (size_t i = 1; i < t->n; i++) {
		wkc__req_row row = t->rows[i];
		size_t j = i, rank = wkc__requirement_rank(row.id);
		while (j > 0) {
			size_t prev = wkc__requirement_rank(t->rows[j - 1].id);
			if (prev < rank || (prev == rank && strcmp(t->rows[j - 1].id, row.id) <= 0))
				break;
			t->rows[j] = t->rows[j - 1];
			j--;
		}
		t->rows[j] = row;
	}
}

bool wkc__results_any_ran(const wkc__result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rs[i].status != WKC__SKIP)
			return true;
	return false;
}

void wkc__req_table_free(wkc__req_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->rows[i].id);
		free(t->rows[i].why);
	}
	free(t->rows);
	memset(t, 0, sizeof *t);
}

const wkc__req_row *wkc__req_table_find(const wkc__req_table *t, const char *id)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].id, id) == 0)
			return &t->rows[i];
	return NULL;
}

size_t wkc__req_table_must_failures(const wkc__req_table *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].v == WKC__V_FAIL && strcmp(t->rows[i].level, "MUST") == 0)
			n++;
	return n;
}

static void print_check(FILE *f, const wkc__result *r, const char *exe, const char *out_dir)
{
	const char *word = r->status == WKC__PASS ? "PASS" : r->status == WKC__FAIL ? "FAIL" : "SKIP";
	fprintf(f, "  %-4s  %-40s %8.1f ms  %s\n", word, r->check, r->ms, r->ids);
	if (r->status == WKC__SKIP) {
		fprintf(f, "        skipped: %s\n", r->reason ? r->reason : "");
		return;
	}
	if (r->reason)
		fprintf(f, "        %s: %s\n", r->charged ? r->charged : "?", r->reason);
	for (size_t i = 0; i < r->nfailures; i++)
		fprintf(f, "        %s: %s\n", r->failures[i].id, r->failures[i].msg);
	if (r->dropped_failures)
		fprintf(f, "        ... and %zu more failures\n", r->dropped_failures);
	for (size_t i = 0; i < r->nunexercised; i++)
		if (!wkc__result_failed(r, r->unexercised[i].id))
			fprintf(f, "        %s not exercised: %s\n", r->unexercised[i].id,
				r->unexercised[i].msg);
	if (r->status == WKC__FAIL) {
		if (r->log)
			fprintf(f, "        log: %s/%s\n", out_dir, r->log);
		if (r->report)
			fprintf(f, "        report: %s/%s\n", out_dir, r->report);
		if (r->replay)
			fprintf(f, "        replay: %s replay %s\n", exe, r->replay);
	}
}

void wkc__summary_print(FILE *f, const wkc__summary_info *in, const wkc__result *rs, size_t n,
			const wkc__req_table *t, bool brief)
{
	size_t pass = 0, fail = 0, skip = 0, must_fail = wkc__req_table_must_failures(t);
	size_t counts[4] = {0};
	bool any_notes = false;
	for (size_t i = 0; i < n; i++) {
		pass += rs[i].status == WKC__PASS;
		fail += rs[i].status == WKC__FAIL;
		skip += rs[i].status == WKC__SKIP;
		any_notes |= rs[i].nnotes > 0;
	}
	for (size_t i = 0; i < t->n; i++)
		counts[t->rows[i].v]++;

	if (!brief) {
		fprintf(f, "\nwakerconf: adapter %s %s (%s), profile %s, seed 0x%016llx, pressure %s\n",
			in->adapter_name, in->adapter_version, in->adapter, in->profile, in->seed,
			in->pressure ? "on" : "off");
		fprintf(f, "\nrequirements (%zu pass, %zu fail, %zu skip, %zu not tested)\n",
			counts[WKC__V_PASS], counts[WKC__V_FAIL], counts[WKC__V_SKIP],
			counts[WKC__V_NOT_TESTED]);
		for (size_t i = 0; i < t->n; i++) {
			const wkc__req_row *row = &t->rows[i];
			fprintf(f, "  %-10s  %-14s %-6s  %.70s\n", wkc__verdict_word(row->v), row->id,
				row->level, row->summary);
			if (row->why && row->v != WKC__V_PASS)
				fprintf(f, "              %.200s\n", row->why);
		}
		fprintf(f, "\nchecks (%zu: %zu pass, %zu fail, %zu skip)\n", n, pass, fail, skip);
		for (size_t i = 0; i < n; i++)
			print_check(f, &rs[i], in->exe, in->out_dir);
		if (any_notes) {
			fprintf(f, "\nnotes (reported, not failures)\n");
			for (size_t i = 0; i < n; i++)
				for (size_t k = 0; k < rs[i].nnotes; k++)
					fprintf(f, "  %s: %s\n", rs[i].check, rs[i].notes[k]);
		}
		fputc('\n', f);
	}
	fprintf(f, "%s: %zu checks (%zu pass, %zu fail, %zu skip) in %.2f s; results %s\n",
		must_fail ? "FAIL" : pass + fail == 0 ? "NOT TESTED" : "PASS", n, pass, fail, skip,
		in->seconds, in->results_path);
	if (pass + fail == 0)
		fprintf(f, "NOT TESTED: no check exercised this executor (every one was skipped): "
			   "not a pass\n");
	if (must_fail) {
		fprintf(f, "FAIL: %zu MUST requirement%s failed:", must_fail, must_fail == 1 ? "" : "s");
		for (size_t i = 0; i < t->n; i++)
			if (t->rows[i].v == WKC__V_FAIL && strcmp(t->rows[i].level, "MUST") == 0)
				fprintf(f, " %s", t->rows[i].id);
		fputc('\n', f);
	}
}
