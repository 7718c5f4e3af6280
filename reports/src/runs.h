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

/* Read DIR/results.jsonl; -1 (and a diag line) when it is unusable. */
int wkc__run_load(wkc__run *r, const char *dir, wkc__buf *diag);
void wkc__run_free(wkc__run *r);

/* ---- fuzz campaigns ---- */
typedef struct wkc__fuzz_point {
	double t, execs_per_s, coverage, corpus, crashes;
} wkc__fuzz_point;

typedef struct wkc__fuzz_crash {
	char *file;   /* name inside the crash directory */
	char *target; /* fuzz target, when known */
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

/* campaign.json from a buffer (tolerant: see reports/README.md). */
int wkc__campaign_parse(const char *buf, size_t len, const char *name, wkc__campaign *c,
			wkc__buf *diag);
/* DIR/campaign.json and DIR/crashes/ (each crash's sanitizer output, if any). */
int wkc__campaign_load(wkc__campaign *c, const char *dir, wkc__buf *diag);
void wkc__campaign_free(wkc__campaign *c);

#endif /* WKC_REPORTS_RUNS_H */
