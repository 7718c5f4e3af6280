/* rjsonl.c - results.jsonl read from a buffer, line by line, tolerant of
 * damage (the harness's own reader refuses it, because --resume must not
 * build on a damaged file; a report shows what it can and says what not). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "results_jsonl.h"
#include "runs.h"

static char *dup_or_null(const char *s)
{
	return s ? wkc__xstrdup(s) : NULL;
}

static uint64_t hex_of(const wkc__json *j, const char *key)
{
	uint64_t v = 0;
	wkc__parse_u64(wkc__json_get_str(j, key, "0"), &v);
	return v;
}

static void header_of(const wkc__json *j, wkc__run_header *h)
{
	h->adapter = dup_or_null(wkc__json_get_str(j, "adapter", "?"));
	h->adapter_name = dup_or_null(wkc__json_get_str(j, "adapter_name", "?"));
	h->adapter_version = dup_or_null(wkc__json_get_str(j, "adapter_version", "?"));
	h->caps = (unsigned)wkc__json_get_num(j, "caps", 0);
	h->profile = dup_or_null(wkc__json_get_str(j, "profile", "?"));
	h->seed = hex_of(j, "seed");
	h->pressure = wkc__json_get_bool(j, "pressure", false);
	h->multiplier = wkc__json_get_num(j, "timeout_multiplier", 1);
	h->harness_version = dup_or_null(wkc__json_get_str(j, "harness_version", "?"));
	h->build = dup_or_null(wkc__json_get_str(j, "build", ""));
}

static void items(const wkc__json *j, const char *key, wkc__result *r, bool failures)
{
	const wkc__json *arr = wkc__json_get(j, key);
	for (size_t i = 0; arr && arr->kind == WKC__J_ARR && i < arr->n; i++) {
		const wkc__json *it = &arr->items[i];
		if (failures)
			wkc__result_add_failure(r, wkc__json_get_str(it, "id", "?"), wkc__json_get_str(it, "msg", ""));
		else
			wkc__result_add_unexercised(r, wkc__json_get_str(it, "id", "?"),
						    wkc__json_get_str(it, "msg", ""));
	}
}

static void result_of(const wkc__json *j, wkc__result *r)
{
	const char *status = wkc__json_get_str(j, "status", "");
	const wkc__json *arr;
	memset(r, 0, sizeof *r);
	r->check = wkc__xstrdup(wkc__json_get_str(j, "check", "?"));
	r->ids = wkc__xstrdup(wkc__json_get_str(j, "ids", ""));
	r->status = strcmp(status, "pass") == 0 ? WKC__PASS : strcmp(status, "skip") == 0 ? WKC__SKIP : WKC__FAIL;
	r->reason = dup_or_null(wkc__json_get_str(j, "reason", NULL));
	r->charged = dup_or_null(wkc__json_get_str(j, "charged", NULL));
	items(j, "failures", r, true);
	items(j, "unexercised", r, false);
	r->dropped_failures = (size_t)wkc__json_get_num(j, "dropped_failures", 0);
	arr = wkc__json_get(j, "notes");
	for (size_t i = 0; arr && arr->kind == WKC__J_ARR && i < arr->n; i++)
		if (arr->items[i].kind == WKC__J_STR)
			wkc__result_add_note(r, arr->items[i].str);
	r->dropped_notes = (size_t)wkc__json_get_num(j, "dropped_notes", 0);
	r->completed = wkc__json_get_bool(j, "completed", false);
	r->seed = hex_of(j, "seed");
	r->ms = wkc__json_get_num(j, "ms", 0);
	r->exit_code = (int)wkc__json_get_num(j, "exit_code", -1);
	r->signal = (int)wkc__json_get_num(j, "signal", 0);
	r->timed_out = wkc__json_get_bool(j, "timed_out", false);
	r->log = dup_or_null(wkc__json_get_str(j, "log", NULL));
	r->report = dup_or_null(wkc__json_get_str(j, "report", NULL));
	r->replay = dup_or_null(wkc__json_get_str(j, "replay", NULL));
}

typedef struct slot {
	const char *key;
	size_t idx;
} slot;

int wkc__rjsonl_parse(const char *buf, size_t len, const char *name, wkc__run_header *h,
		      wkc__result **rs_out, size_t *n_out, wkc__buf *diag)
{
	wkc__lines ls = {buf, buf + len, 0};
	const char *line;
	size_t n, nrs = 0, cap = 0, tcap = 64;
	wkc__result *rs = NULL;
	bool have_header = false;
	/* check name -> index, so that 10,000 results load in linear time */
	slot *tab = wkc__xcalloc(tcap, sizeof *tab);

	memset(h, 0, sizeof *h);
	while (wkc__lines_next(&ls, &line, &n)) {
		char *text;
		wkc__json *j;
		const char *type;
		if (n == 0)
			continue;
		if (line + n >= buf + len && buf[len - 1] != '\n') {
			/* A last line without its newline is a write cut short by a kill. */
			wkc__diag(diag, name, ls.lineno, "last line has no newline (the run was interrupted); ignored");
			break;
		}
		text = wkc__xmalloc(n + 1);
		memcpy(text, line, n);
		text[n] = '\0';
		j = strlen(text) == n ? wkc__json_parse(text) : NULL;
		free(text);
		if (j == NULL || j->kind != WKC__J_OBJ) {
			wkc__diag(diag, name, ls.lineno, "not a JSON object; line skipped");
			wkc__json_free(j);
			continue;
		}
		type = wkc__json_get_str(j, "type", "");
		if (strcmp(type, "run") == 0) {
			if (have_header)
				wkc__diag(diag, name, ls.lineno, "a second run header; ignored");
			else
				header_of(j, h);
			have_header = true;
		} else if (strcmp(type, "result") == 0 && wkc__json_get_str(j, "check", NULL)) {
			wkc__result r;
			size_t hsh, idx = SIZE_MAX;
			if (!have_header)
				wkc__diag(diag, name, ls.lineno, "a result before the run header");
			result_of(j, &r);
			hsh = (size_t)wkc__fnv1a64(r.check);
			for (size_t k = hsh & (tcap - 1);; k = (k + 1) & (tcap - 1)) {
				if (tab[k].key == NULL)
					break;
				if (strcmp(tab[k].key, r.check) == 0) {
					idx = tab[k].idx;
					break;
				}
			}
			if (idx != SIZE_MAX) {
				/* A check recorded twice (a --resume) keeps its last record; the
				 * table's key points into the old record, so re-point it. */
				char *old = rs[idx].check;
				wkc__result_free(&rs[idx]);
				rs[idx] = r;
				for (size_t k = 0; k < tcap; k++)
					if (tab[k].key == old)
						tab[k].key = rs[idx].check;
				wkc__json_free(j);
				continue;
			}
			if (nrs == cap) {
				cap = cap ? cap * 2 : 64;
				rs = wkc__xrealloc(rs, cap * sizeof *rs);
			}
			rs[nrs] = r;
			if ((nrs + 1) * 2 > tcap) {
				size_t ncap = tcap * 4;
				slot *nt = wkc__xcalloc(ncap, sizeof *nt);
				for (size_t k = 0; k < tcap; k++) {
					if (tab[k].key == NULL)
						continue;
					for (size_t m = (size_t)wkc__fnv1a64(tab[k].key) & (ncap - 1);; m = (m + 1) & (ncap - 1))
						if (nt[m].key == NULL) {
							nt[m] = tab[k];
							break;
						}
				}
				free(tab);
				tab = nt;
				tcap = ncap;
			}
			for (size_t k = hsh & (tcap - 1);; k = (k + 1) & (tcap - 1))
				if (tab[k].key == NULL) {
					tab[k].key = rs[nrs].check;
					tab[k].idx = nrs;
					break;
				}
			nrs++;
		} else {
			wkc__diag(diag, name, ls.lineno, "unknown record type '%.40s'; line skipped", type);
		}
		wkc__json_free(j);
	}
	free(tab);
	if (!have_header) {
		wkc__diag(diag, name, 1, "no run header: not a wakerconf results file");
		wkc__results_free(rs, nrs);
		return -1;
	}
	*rs_out = rs;
	*n_out = nrs;
	return 0;
}
