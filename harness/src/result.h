/*
 * result.h - what the runner knows about a run and about each finished
 * check; written as JSON lines (results_jsonl.c), JUnit (junit.c) and text
 * (summary.c).
 */
#ifndef WKC_RESULT_H
#define WKC_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum wkc__status { WKC__PASS, WKC__FAIL, WKC__SKIP } wkc__status;

typedef struct wkc__failure {
	char *id;
	char *msg;
} wkc__failure;

/* At most this many failures / notes are kept per check; the rest are
 * counted. */
#define WKC__MAX_ITEMS 64

typedef struct wkc__result {
	char *check;  /* check name */
	char *ids;    /* the check's ids, space-separated */
	wkc__status status;
	wkc__failure *failures; /* wkc_fail calls, in order */
	size_t nfailures, dropped_failures;
	wkc__failure *unexercised; /* wkc_unexercised calls: id and why */
	size_t nunexercised;
	char **notes; /* wkc_note calls, in order */
	size_t nnotes, dropped_notes;
	char *reason;  /* abnormal end, or the skip reason; NULL otherwise */
	char *charged; /* id charged with the abnormal end; NULL otherwise */
	bool completed; /* the check function returned ("done") */
	uint64_t seed;  /* the check's seed (derived from the run seed) */
	double ms;
	int exit_code;   /* -1 when killed by a signal or never started */
	int signal;      /* terminating signal, 0 if none */
	bool timed_out;
	char *log;       /* child's stdout+stderr, relative to the output dir */
	char *report;    /* sanitizer / Valgrind report, relative; NULL if none */
	char *replay;    /* replay token */
} wkc__result;

/* The first line of results.jsonl: what the run was. */
typedef struct wkc__run_header {
	char *adapter;         /* "builtin:NAME" or "path:/abs/lib.so" */
	char *adapter_name;
	char *adapter_version;
	unsigned caps;
	char *profile;         /* canonical profile name */
	uint64_t seed;
	bool pressure;
	double multiplier;
	char *harness_version;
	char *build;           /* sanitizer of the harness build, "" if none */
} wkc__run_header;

void wkc__result_free(wkc__result *r);
void wkc__header_free(wkc__run_header *h);
const char *wkc__status_name(wkc__status s); /* "pass" | "fail" | "skip" */

/* Add to a result, keeping at most WKC__MAX_ITEMS of each. */
void wkc__result_add_failure(wkc__result *r, const char *id, const char *msg);
void wkc__result_add_note(wkc__result *r, const char *msg);
void wkc__result_add_unexercised(wkc__result *r, const char *id, const char *msg);
/* Why the check did not exercise id, or NULL when it did (or never said). */
const char *wkc__result_unexercised(const wkc__result *r, const char *id);
/* True when the check failed id (a wkc_fail or the abnormal end's charge). */
bool wkc__result_failed(const wkc__result *r, const char *id);

/* Does this result name / fail this id? */
bool wkc__ids_contain(const char *ids, const char *id);

#endif /* WKC_RESULT_H */
