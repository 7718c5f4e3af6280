/*
 * requirements.h - the requirement ids the harness knows (generated at build
 * time from the .ids files of spec/ by harness/cmake/gen_requirements.cmake).
 */
#ifndef WKC_REQUIREMENTS_H
#define WKC_REQUIREMENTS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct wkc__requirement {
	const char *id;      /* "WK-RAW-001" */
	const char *level;   /* "MUST" | "SHOULD" | "MAY" */
	const char *profile; /* "core" | "extended" | "checked" | ... */
	const char *summary;
} wkc__requirement;

extern const wkc__requirement wkc__requirement_list[];
extern const size_t wkc__requirement_count;

/* The entry for id, or NULL when the spec does not list it. */
const wkc__requirement *wkc__requirement_find(const char *id);

/* Level of id; an id the spec does not know is treated as MUST, so a
 * failure of it can never pass silently. */
const char *wkc__requirement_level(const char *id);

/* Index of id in the table (its order in spec/), or the table size when
 * unknown: the summary lists ids in spec order. */
size_t wkc__requirement_rank(const char *id);

#endif /* WKC_REQUIREMENTS_H */
