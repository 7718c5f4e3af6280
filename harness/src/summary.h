/*
 * summary.h - verdicts per requirement id, built from check results, and
 * the text summary of a run.
 */
#ifndef WKC_SUMMARY_H
#define WKC_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "result.h"

typedef enum wkc__req_verdict {
	WKC__V_PASS,
	WKC__V_FAIL,
	WKC__V_SKIP,
	WKC__V_NOT_TESTED,
} wkc__req_verdict;

typedef struct wkc__req_row {
	char *id;
	const char *level;   /* from spec/; unknown ids count as MUST */
	const char *summary; /* "" for ids the spec does not know */
	wkc__req_verdict v;
	char *why;           /* FAIL: first failure; SKIP: reason; else NULL */
} wkc__req_row;

typedef struct wkc__req_table {
	wkc__req_row *rows;
	size_t n;
} wkc__req_table;

/*
 * One row per id named by any check the harness has (so ids whose checks
 * were filtered out show as NOT TESTED) and per id a result failed, in
 * spec order.  Per check: a failure fails its id; a check that returned
 * passes its other ids; one that died passes none; a skip skips them.
 * FAIL beats PASS beats SKIP beats NOT TESTED.
 */
void wkc__req_table_build(wkc__req_table *t, const wkc__result *rs, size_t n);
void wkc__req_table_free(wkc__req_table *t);
/* At least one result passed or failed (not every check was skipped). */
bool wkc__results_any_ran(const wkc__result *rs, size_t n);
const wkc__req_row *wkc__req_table_find(const wkc__req_table *t, const char *id);

/* Number of MUST ids that failed (0 means the run passes). */
size_t wkc__req_table_must_failures(const wkc__req_table *t);
const char *wkc__verdict_word(wkc__req_verdict v); /* "PASS" ... "NOT TESTED" */

typedef struct wkc__summary_info {
	const char *adapter, *adapter_name, *adapter_version, *profile;
	unsigned long long seed;
	bool pressure;
	double seconds;    /* wall time of this invocation */
	const char *results_path;
	const char *out_dir; /* log and report paths are printed under it */
	const char *exe;   /* for replay commands */
} wkc__summary_info;

/* The whole text summary (requirements, checks, notes, verdict); with
 * brief, only failing checks and the verdict line. */
void wkc__summary_print(FILE *f, const wkc__summary_info *info, const wkc__result *rs, size_t n,
			const wkc__req_table *t, bool brief);

#endif /* WKC_SUMMARY_H */
