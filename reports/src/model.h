/*
 * model.h - everything one report shows, collected from the inputs: the
 * runs, the deduplicated sanitizer / Valgrind groups, the failed checks,
 * fuzz campaigns and, given a baseline report, what is new, fixed or
 * still there.  The writers (pages.c, rjson.c, sarif.c) only read it.
 */
#ifndef WKC_REPORTS_MODEL_H
#define WKC_REPORTS_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "dedup.h"
#include "runs.h"
#include "util.h"

/* Format version of report.json (reports/README.md). */
#define WKC__REPORT_JSON_VERSION 1

typedef struct wkc__failure_ref {
	size_t run, result; /* indexes into runs / runs[run].rs */
	char *key;          /* identity across reports: "ADAPTER|PROFILE|CHECK|ID" */
	const char *group;  /* key of the sanitizer group it raised, or NULL */
} wkc__failure_ref;

typedef struct wkc__history {
	bool have;
	char *baseline;           /* the baseline report directory */
	char **new_keys, **fixed_keys, **still_keys;
	size_t nnew, nfixed, nstill;
	char **fixed_titles;      /* titles of fixed items, from the baseline */
} wkc__history;

typedef struct wkc__model {
	wkc__run *runs;
	size_t nruns;
	wkc__groups groups;
	size_t raw_reports;
	wkc__failure_ref *fails;
	size_t nfails;
	wkc__campaign *camps;
	size_t ncamps;
	wkc__history hist;
	wkc__buf diag;      /* every input problem, NAME:LINE: message per line */
	bool verdict_fail;  /* a MUST requirement failed in some run */
	long long generated; /* time(NULL) at collection */
	const char *spec_dir;   /* the spec directory found (its .md files), or NULL */
	bool sources;        /* show source snippets */
	const char *src_from, *src_to; /* --source-map FROM=TO: where the sources are now */
	char *certify_text;  /* certify.txt of the certification the runs belong to, or NULL */
	bool not_certified;  /* it says NOT CERTIFIED */
} wkc__model;

/* Load results directories; 0, or -1 when none could be read. */
int wkc__model_load_runs(wkc__model *m, char *const *dirs, size_t ndirs);
/* Parse every sanitizer / Valgrind file of every run, group them. */
void wkc__model_collect(wkc__model *m);
void wkc__model_add_campaign(wkc__model *m, const char *dir);
/* Compare with DIR/report.json of an earlier report. 0 or -1. */
int wkc__model_baseline(wkc__model *m, const char *dir);
void wkc__model_free(wkc__model *m);

/* "wakerconf replay TOKEN", or NULL. */
char *wkc__replay_line(const char *token);

#endif /* WKC_REPORTS_MODEL_H */
