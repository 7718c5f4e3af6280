/*
 * san.h - sanitizer and Valgrind reports as the report writer sees them:
 * a report is a kind plus sections, each section a title line and a stack.
 *
 * Every parser is a function over a buffer (so a fuzz target can call it
 * directly): it never trusts the text, appends what it recognised to a
 * list, and writes one "NAME:LINE: message" line to diag for anything it
 * could not use (unknown text, a report cut short).  Nothing it reads can
 * make it crash or read outside the buffer.
 */
#ifndef WKC_REPORTS_SAN_H
#define WKC_REPORTS_SAN_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

typedef struct wkc__frame {
	char *fn;     /* function, or NULL */
	char *file;   /* source path as printed, or NULL */
	char *module; /* object file, or NULL */
	int line, col;
} wkc__frame;

typedef struct wkc__stack {
	wkc__frame *f;
	size_t n;
} wkc__stack;

typedef enum wkc__sec_kind {
	WKC__SEC_ACCESS, /* one side of a race, or the bad access of a memory error */
	WKC__SEC_LOCATION, /* heap block / global the access touched, with its allocation */
	WKC__SEC_THREAD, /* where a thread named in the report was created */
	WKC__SEC_MUTEX,  /* a mutex: created, acquired */
	WKC__SEC_FREED,  /* freed by */
	WKC__SEC_ALLOC,  /* allocated by (memory errors, leaks) */
	WKC__SEC_OTHER,
} wkc__sec_kind;

typedef struct wkc__section {
	wkc__sec_kind kind;
	char *title; /* the line that introduced it, trimmed */
	/* WKC__SEC_ACCESS only (0 / false / NULL when the tool did not say) */
	bool write, atomic;
	unsigned size;
	char *thread;  /* "thread T1", "main thread", "thread #6" */
	char *mutexes; /* "write M0" */
	wkc__stack stack;
} wkc__section;

typedef struct wkc__san_report {
	char *tool;     /* tsan asan lsan ubsan memcheck helgrind drd */
	char *kind;     /* "data race", "heap-use-after-free", "Race", "InvalidRead" ... */
	char *headline; /* the line that started it */
	char *summary;  /* the SUMMARY line, or NULL */
	bool is_race;
	bool truncated; /* input ended before the report did */
	wkc__section *secs;
	size_t nsecs;
	size_t line; /* 1-based line of the input where it starts */
} wkc__san_report;

typedef struct wkc__san_list {
	wkc__san_report *r;
	size_t n;
} wkc__san_list;

/* Parsers: each returns the number of reports appended to out. */
size_t wkc__san_parse_tsan(const char *buf, size_t len, const char *name, wkc__san_list *out,
			   wkc__buf *diag);
/* AddressSanitizer, LeakSanitizer (one report per leak) and UBSan text. */
size_t wkc__san_parse_asan(const char *buf, size_t len, const char *name, wkc__san_list *out,
			   wkc__buf *diag);
/* Valgrind --xml=yes output of memcheck, helgrind or drd. */
size_t wkc__san_parse_vgxml(const char *buf, size_t len, const char *name, wkc__san_list *out,
			    wkc__buf *diag);
/* Any of the above, chosen from the text itself (XML, TSan or ASan-family). */
size_t wkc__san_parse_any(const char *buf, size_t len, const char *name, wkc__san_list *out,
			  wkc__buf *diag);

void wkc__san_list_free(wkc__san_list *l);
void wkc__san_report_free(wkc__san_report *r);

/* ---- helpers shared by the parsers ---- */
/* One sanitizer stack line ("#3 0x... in fn file:12:3 (mod+0x1)") into f; false if it is not one. */
bool wkc__frame_parse(const char *line, size_t n, wkc__frame *f);
void wkc__stack_push(wkc__stack *s, wkc__frame f);
wkc__section *wkc__report_add_section(wkc__san_report *r, wkc__sec_kind kind, const char *title,
				      size_t title_len);
wkc__san_report *wkc__san_list_add(wkc__san_list *l);
char *wkc__xstrndup(const char *s, size_t n);
/* "Write of size 8 at 0x.. by thread T1 (mutexes: write M0):" -> the access fields. */
void wkc__access_fill(wkc__section *s);
/* A line-by-line cursor over a buffer that may contain NULs and no final newline. */
typedef struct wkc__lines {
	const char *p, *end;
	size_t lineno;
} wkc__lines;
bool wkc__lines_next(wkc__lines *ls, const char **line, size_t *n);
void wkc__diag(wkc__buf *diag, const char *name, size_t line, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 4, 5)))
#endif
	;

#endif /* WKC_REPORTS_SAN_H */
