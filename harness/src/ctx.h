/*
 * ctx.h - the state behind a wkc_ctx in a check's child process (one check
 * per process, so one context).
 */
#ifndef WKC_CTX_H
#define WKC_CTX_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wkc/check.h"

struct wkc_ctx {
	const wkc_adapter *adapter;
	const wkc_check *check;
	uint64_t seed;
	double scale;
	int report_fd;
	char first_id[64]; /* the check's first id: charged when none was expected */
	/* wkc_rand: a splitmix64 counter; relaxed, only distinct values
	 * matter, not their order between threads. */
	_Atomic uint64_t rng;
	/* The id wkc_expect named last (a string literal of the check), or
	 * NULL; relaxed, read only to label a failure. */
	_Atomic(const char *) expect;
	/* Hammer rounds so far; each round's threads get their own pressure
	 * streams.  Touched only by the check's thread. */
	unsigned hammer_rounds;
};

void wkc__ctx_init(wkc_ctx *cx, const wkc_adapter *a, const wkc_check *c, uint64_t seed,
		   double scale, int report_fd);

/* The id an abnormal end would be charged to right now. */
const char *wkc__ctx_current_id(wkc_ctx *cx);

/* The harness failed in the child (not the executor): report and exit 3. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
void wkc__ctx_harness_error(wkc_ctx *cx, const char *fmt, ...);

/* pressure.c */
void wkc__pressure_init(uint64_t seed, bool on);
/* Give the calling thread a deterministic pressure stream. */
void wkc__pressure_thread(uint64_t ordinal);

#endif /* WKC_CTX_H */
