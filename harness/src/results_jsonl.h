/*
 * results_jsonl.h - results.jsonl: one JSON object per line, the run's
 * header first, then one line per finished check appended as it finishes
 * (written with one write(2) and fsync'd), so an interrupted run keeps
 * every check it finished and --resume can continue it.
 */
#ifndef WKC_RESULTS_JSONL_H
#define WKC_RESULTS_JSONL_H

#include <stddef.h>

#include "result.h"
#include "util.h"

typedef struct wkc__results_file {
	int fd;
	char *path;
} wkc__results_file;

/* Start a new file (replacing an old one) with the header line. */
int wkc__results_create(wkc__results_file *f, const char *path, const wkc__run_header *h,
			char *err, size_t errlen);

/*
 * Read a file (header and results).  A last line cut short by a kill is
 * ignored; with f non-NULL the file is also reopened for appending and
 * that partial line is cut off first.  Returns 0, or -1 with err set.
 */
int wkc__results_read(const char *path, wkc__results_file *f, wkc__run_header *h,
		      wkc__result **rs, size_t *n, char *err, size_t errlen);

/* Append one result line, flushed and fsync'd; 0 or -1. */
int wkc__results_append(wkc__results_file *f, const wkc__result *r);
void wkc__results_close(wkc__results_file *f);

void wkc__results_free(wkc__result *rs, size_t n);

#endif /* WKC_RESULTS_JSONL_H */
