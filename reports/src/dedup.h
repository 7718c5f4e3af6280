/*
 * dedup.h - one entry per distinct problem.  A race is identified by the
 * pair of its access sites (the first frame of each access outside the
 * sanitizer runtimes and the harness's probes: function, file, line; the
 * pair in either order); any other report by its tool, kind and top three
 * such frames of the executor (stopping where the harness's code begins).  One race seen by 40 checks across 3 seeds is one
 * group listing every check, seed and replay command that hit it.
 */
#ifndef WKC_REPORTS_DEDUP_H
#define WKC_REPORTS_DEDUP_H

#include <stdbool.h>
#include <stddef.h>

#include "san.h"

typedef enum wkc__group_class {
	WKC__G_RACE,   /* data races (TSan, helgrind, DRD) */
	WKC__G_MEMORY, /* ASan, LSan, UBSan, memcheck */
	WKC__G_THREAD, /* lock order, invalid mutex use, signal-unsafe calls ... */
} wkc__group_class;

typedef struct wkc__hit {
	char *run;    /* the run's label */
	char *profile;
	char *check;
	char *seed;   /* "0x..." of the check */
	char *replay; /* "wakerconf replay wkc1...." or NULL */
	char *file;   /* the raw report, as a path relative to the results directory */
	size_t line;
} wkc__hit;

typedef struct wkc__group {
	char *key;     /* the signature */
	char *title;   /* one line for people */
	char *site[2]; /* race: the two access sites ("fn file:line"); else site[0] = top frame */
	wkc__group_class cls;
	wkc__san_report rep; /* the first report seen, kept whole */
	wkc__hit *hits;
	size_t nhits;
	size_t count; /* raw reports folded into it */
} wkc__group;

typedef struct wkc__groups {
	wkc__group *g;
	size_t n;
	size_t *tab; /* hash table of index+1 */
	size_t tcap;
} wkc__groups;

/* Frame filters (exposed for tests). */
bool wkc__frame_is_runtime(const wkc__frame *f);
bool wkc__frame_is_probe(const wkc__frame *f);
/* "fn dir/file.c:12" of the first frame of s that is neither; NULL when none. */
char *wkc__site_of(const wkc__stack *s);
const wkc__frame *wkc__site_frame(const wkc__stack *s); /* that frame, or NULL */

/* Add one report (moved into the groups, or freed when it joins one) and
 * where it was seen (copied).  Returns the index of its group. */
size_t wkc__groups_add(wkc__groups *gs, wkc__san_report *r, const wkc__hit *h); /* its group */
const wkc__group *wkc__groups_find(const wkc__groups *gs, const char *key);
void wkc__groups_free(wkc__groups *gs);
const char *wkc__group_class_name(wkc__group_class c); /* "race" "memory" "thread" */

#endif /* WKC_REPORTS_DEDUP_H */
