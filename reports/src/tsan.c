/* tsan.c - ThreadSanitizer's text reports: data races (both accesses, the
 * heap block, thread creations, mutexes), lock-order inversions, invalid
 * mutex use, signal-unsafe calls, and any other WARNING kind generically. */
#define _GNU_SOURCE
#include <string.h>

#include "san.h"

static bool starts(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && memcmp(s, p, k) == 0;
}

static const char *mem_find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* What a section line under a WARNING introduces. */
static wkc__sec_kind classify(const char *t, size_t n)
{
	if (mem_find(t, n, " of size ") && (mem_find(t, n, " by ") || mem_find(t, n, " thread")) &&
	    !starts(t, n, "Location"))
		return WKC__SEC_ACCESS;
	if (starts(t, n, "Location is"))
		return WKC__SEC_LOCATION;
	if (starts(t, n, "Thread ") && mem_find(t, n, "created"))
		return WKC__SEC_THREAD;
	if (starts(t, n, "Mutex "))
		return WKC__SEC_MUTEX;
	return WKC__SEC_OTHER;
}

size_t wkc__san_parse_tsan(const char *buf, size_t len, const char *name, wkc__san_list *out,
			   wkc__buf *diag)
{
	static const char warn[] = "WARNING: ThreadSanitizer: ";
	wkc__lines ls = {buf, buf + len, 0};
	const char *line;
	size_t n, found = 0;
	wkc__san_report *r = NULL; /* the open report */
	wkc__section *sec = NULL;
	size_t open_idx = 0;

	while (wkc__lines_next(&ls, &line, &n)) {
		const char *t = line;
		size_t tn = n;
		while (tn > 0 && (*t == ' ' || *t == '\t'))
			t++, tn--;
		if (starts(t, tn, warn)) {
			const char *k = t + sizeof warn - 1, *e = mem_find(k, tn - (sizeof warn - 1), " (pid=");
			size_t kn = e ? (size_t)(e - k) : tn - (sizeof warn - 1);
			if (r != NULL && r->summary == NULL) {
				r->truncated = true;
				wkc__diag(diag, name, r->line, "ThreadSanitizer report cut short (no SUMMARY line)");
			}
			r = wkc__san_list_add(out);
			open_idx = out->n - 1;
			r->tool = wkc__xstrdup("tsan");
			r->kind = wkc__xstrndup(k, kn);
			r->headline = wkc__xstrndup(t, tn);
			r->is_race = starts(k, kn, "data race");
			r->line = ls.lineno;
			sec = NULL;
			found++;
			continue;
		}
		if (r == NULL)
			continue;
		r = &out->r[open_idx]; /* the list may have moved */
		if (starts(t, tn, "SUMMARY: ThreadSanitizer:")) {
			if (r->summary == NULL) /* a second one (mangled input) is ignored */
				r->summary = wkc__xstrndup(t, tn);
			continue;
		}
		if (starts(t, tn, "==================")) {
			if (r->summary == NULL) {
				r->truncated = true;
				wkc__diag(diag, name, r->line, "ThreadSanitizer report cut short (no SUMMARY line)");
			}
			r = NULL;
			sec = NULL;
			continue;
		}
		if (tn == 0)
			continue;
		if (t[0] == '#') {
			wkc__frame f;
			if (!wkc__frame_parse(t, tn, &f))
				continue;
			if (sec == NULL) /* frames straight under the WARNING line */
				sec = wkc__report_add_section(r, WKC__SEC_ACCESS, r->kind, strlen(r->kind));
			wkc__stack_push(&sec->stack, f);
			continue;
		}
		if (r->summary != NULL)
			continue;
		sec = wkc__report_add_section(r, classify(t, tn), t, tn);
		if (sec->kind == WKC__SEC_ACCESS)
			wkc__access_fill(sec);
		/* A line with no stack under it ("Cycle in lock order graph: ...")
		 * stays a section with an empty stack. */
	}
	if (r != NULL && out->r[open_idx].summary == NULL) {
		out->r[open_idx].truncated = true;
		wkc__diag(diag, name, out->r[open_idx].line,
			  "ThreadSanitizer report cut short (input ended before its SUMMARY line)");
	}
	return found;
}
