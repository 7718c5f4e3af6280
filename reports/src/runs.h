/*
 * runs.h - the inputs of a report: results directories (results.jsonl and
 * the sanitizer / Valgrind files beside it) and fuzz campaigns, read
 * tolerantly: a damaged line is reported with its file and line and
 * skipped, never fatal unless nothing usable is left.
 */
#ifndef WKC_REPORTS_RUNS_H
#define WKC_REPORTS_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "result.h"
#include "results_jsonl.h"
#include "dedup.h"
#include "san.h"
#include "summary.h"
#include "util.h"

/* results.jsonl from a buffer: the header, then the results (a check
 * recorded twice keeps its last record).  Returns 0, or -1 when there is no
 * run header; damaged lines go to diag as NAME:LINE. */
int wkc__rjsonl_parse(const char *buf, size_t len, const char *name, wkc__run_header *h,
		      wkc__result **rs, size_t *n, wkc__buf *diag);

typedef struct wkc__run {
	char *dir;   /* as given on the command line */
	char *label; /* "ADAPTER / PROFILE" */
	wkc__run_header h;
	wkc__result *rs;
	size_t n;
	time_t date; /* results.jsonl's modification time */
	wkc__req_table table;
	bool have_table;
} wkc__run;

/* Read DIR/results.jsonl; -1 (and a diag line) when it is unusable (model.c). */
int wkc__run_load(wkc__run *r, const char *dir, wkc__buf *diag);
void wkc__run_free(wkc__run *r);

/* ---- fuzz campaigns ---- */
typedef struct wkc__fuzz_point {
	double t, execs_per_s, coverage, corpus, crashes; /* < 0: not known */
	double execs_per_s_base; /* total executions at t (exec/s is a slope) */
} wkc__fuzz_point;

typedef struct wkc__fuzz_crash {
	char *file;   /* name inside the crash directory */
	char *target; /* fuzz target, when known */
	char *report_path; /* its sanitizer output, when the campaign kept it */
	char *signature;   /* the campaign's own triage signature, or NULL */
	wkc__san_list reports;
} wkc__fuzz_crash;

typedef struct wkc__campaign {
	char *dir, *name, *target, *engine;
	double seconds;
	wkc__fuzz_point *pts;
	size_t npts;
	wkc__fuzz_crash *crashes;
	size_t ncrashes;
	wkc__groups groups; /* the crashes' reports, deduplicated (each crash input is a hit) */
} wkc__campaign;

/* campaign.json from a buffer: fuzz/campaign's format (one campaign per
 * target) or the tolerant generic one of reports/README.md.  Appends to
 * *cs; 0, or -1 when it is not a JSON object. */
int wkc__campaign_parse(const char *buf, size_t len, const char *name, wkc__campaign **cs, size_t *n,
			wkc__buf *diag);
/* DIR/campaign.json, and each crash's sanitizer output (its triage "report",
 * else DIR/crashes/NAME.log|.txt), deduplicated into each campaign's groups. */
int wkc__campaign_load(const char *dir, wkc__campaign **cs, size_t *n, wkc__buf *diag);
void wkc__campaign_free(wkc__campaign *c);

#endif /* WKC_REPORTS_RUNS_H */
