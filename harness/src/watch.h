/*
 * watch.h - adapter calls made by checks, watched for the ABI's own
 * contract (spec/harness.md section 7; watch.c says how).  The public
 * wrappers are declared in wkc/check.h.
 */
#ifndef WKC_WATCH_H
#define WKC_WATCH_H

#include <stddef.h>

#include "wkc/check.h"

/* The child's exit status after it reported its own abnormal end (the
 * watchdog found an adapter call stuck): the runner adds no reason. */
#define WKC__EXIT_REPORTED 4

typedef enum wkc__call_kind {
	WKC__CALL_NONE = 0,
	WKC__CALL_CREATE,
	WKC__CALL_SPAWN,
	WKC__CALL_RUN,
	WKC__CALL_LIVE_TASKS,
	WKC__CALL_CORE_COUNT,
	WKC__CALL_DESTROY,
} wkc__call_kind;

const char *wkc__call_name(wkc__call_kind k);

/* In the child, before the check runs: scale is the check's loop scale
 * (its inverse is the wait factor), deadline_ms the CLOCK_MONOTONIC time
 * at which the runner kills the check (0: unknown). */
void wkc__watch_init(wkc_ctx *cx, double scale, double deadline_ms);

/* End the watchdog (the check returned); idempotent. */
void wkc__watch_stop(void);

/* create(), watched; wkc_create (ctx.c) judges the result. */
wkc_executor *wkc__watched_create(wkc_ctx *cx, const wkc_config *cfg, char *err, size_t errlen);

#endif /* WKC_WATCH_H */
