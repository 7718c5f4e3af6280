/*
 * verdict.h - turning how a child ended into a check result: what it
 * reported, how it exited, whether it timed out, and any sanitizer or
 * Valgrind report it left.
 */
#ifndef WKC_VERDICT_H
#define WKC_VERDICT_H

#include <stdbool.h>
#include <sys/types.h>

#include "profile.h"
#include "result.h"

typedef struct wkc__child_outcome {
	int wait_status;       /* from waitpid */
	bool timed_out;
	unsigned timeout_ms;   /* the scaled timeout that expired */
	bool done;             /* "done" received */
	const char *skip_msg;  /* "skip" received, or NULL */
	const char *error_msg; /* "error" received, or NULL */
	const char *expect;    /* last "expect" id, or NULL */
	const char *first_id;  /* the check's first id */
	pid_t pid;
	const char *out_dir;
	const char *log_rel;    /* log, relative to out_dir */
	const char *san_rel;    /* sanitizer prefix, relative (reports are <prefix>.<pid>) */
	const char *vg_rel;     /* Valgrind XML, relative, or NULL */
	const wkc__profile *profile;
} wkc__child_outcome;

/* Fill r->status, reason, charged, completed, exit_code, signal,
 * timed_out and report from o (r's failures and notes are already in). */
void wkc__verdict(wkc__result *r, const wkc__child_outcome *o);

/* "SIGSEGV" and the like. */
const char *wkc__signal_name(int sig);

#endif /* WKC_VERDICT_H */
