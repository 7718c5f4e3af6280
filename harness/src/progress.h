/*
 * progress.h - what a run prints while it runs, on stderr: one updating
 * line on a terminal, one line per check otherwise, only failures with
 * --quiet.  Every failure is printed with its replay command as soon as it
 * is known.
 */
#ifndef WKC_PROGRESS_H
#define WKC_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "result.h"

typedef struct wkc__progress {
	bool tty, quiet, line_shown;
	size_t total, done, failed, skipped;
	const char *exe;
	const char *out_dir; /* log paths are printed under it */
	char running[96];
} wkc__progress;

void wkc__progress_init(wkc__progress *p, bool quiet, size_t total, size_t done,
			const char *exe, const char *out_dir);
void wkc__progress_start(wkc__progress *p, const char *check);
void wkc__progress_result(wkc__progress *p, const wkc__result *r);
void wkc__progress_end(wkc__progress *p);

#endif /* WKC_PROGRESS_H */
