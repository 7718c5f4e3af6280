/*
 * wkc/check.h - how a conformance check is declared and reports (internal to
 * the harness; not part of the adapter ABI).
 *
 * A check is a function run in its own child process against a fresh
 * executor made from the adapter under test.  It spawns probe futures,
 * drives the executor, lets oracles judge the recorded trace, and reports
 * per requirement id: a check proves one or more ids (its `ids` string, the
 * same ids as its @proves tag) and may fail any of them with a message.
 * Anything abnormal in the child (signal, abort, sanitizer report, timeout,
 * exit without a verdict) is turned into a failure by the runner, charged to
 * the check's first id unless the check said otherwise beforehand with
 * wkc_expect().
 *
 * The list of all checks is conformance/tests/check_list.h (one line per
 * check, X-macro style, like libuv's test-list.h).
 */
#ifndef WKC_CHECK_H
#define WKC_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "wkc/adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wkc_ctx wkc_ctx; /* per-run state owned by the runner */

typedef struct wkc_check {
	const char *name;       /* "exec.wake.foreign_thread": section.group.case */
	const char *ids;        /* space-separated requirement ids it proves */
	uint32_t needs_caps;    /* skipped unless all of these are claimed */
	uint32_t refuses_caps;  /* skipped when any of these is claimed */
	uint32_t timeout_ms;    /* base timeout; the runner scales it */
	void (*run)(wkc_ctx *cx);
} wkc_check;

/* ---- what a check can use ---------------------------------------------- */

const wkc_adapter *wkc_adapter_of(wkc_ctx *cx);
uint64_t wkc_seed(wkc_ctx *cx);
/* Deterministic per-run random numbers (seeded from wkc_seed). */
uint64_t wkc_rand(wkc_ctx *cx);
/* Scale for loop sizes: 1 natively, smaller under sanitizers/Valgrind. */
double wkc_scale(wkc_ctx *cx);

/* Create the executor under test (cfg may be NULL for defaults: size set,
 * cores 0, seed = wkc_seed).  Failure to create fails the check with the
 * adapter's reason, charged to the id in effect, and ends the check: it
 * never returns NULL.  The check destroys what it created through
 * wkc_adapter_of(cx)->destroy. */
wkc_executor *wkc_create(wkc_ctx *cx, const wkc_config *cfg);

/*
 * Calls into the executor.  Checks call the adapter through these, never
 * through its table: each call is watched for the ABI's own contract
 * (spec/harness.md section 7).  run() returning far past its timeout fails
 * WK-HARN-015 and the check goes on; a call that does not return ends the
 * check with the driver thread's stack (WK-HARN-015 when polls kept
 * beginning during an overrunning run(), else WK-HARN-016, naming the id
 * the check was testing).  Driver thread only, like the adapter calls.
 */
int wkc_spawn(wkc_ctx *cx, wkc_executor *ex, wk_future *fut, int core, uint32_t flags);
int wkc_run(wkc_ctx *cx, wkc_executor *ex, uint64_t timeout_ns);
/* -1 when the adapter has no live_tasks. */
long wkc_live_tasks(wkc_ctx *cx, wkc_executor *ex);
/* 1 when the adapter has no core_count (or it says 0). */
uint32_t wkc_core_count(wkc_ctx *cx, wkc_executor *ex);
void wkc_destroy(wkc_ctx *cx, wkc_executor *ex);
/* A probe poll began / returned (any thread): what tells a run() that is
 * busy past its deadline from one that is stuck, and the driver's time in
 * the harness's own polls from the adapter's. */
void wkc_progress(wkc_ctx *cx);
void wkc_progress_end(wkc_ctx *cx);

/* Schedule pressure: a seeded, PCT-style random delay or yield at a harness
 * call site (no-op when pressure is off).  Safe from any thread. */
void wkc_perturb(wkc_ctx *cx);

/*
 * Hammer: run fn on nthreads new threads (at most WKC_HAMMER_MAX) that
 * start together on a barrier, each called with its index 0..nthreads-1;
 * returns when all have finished, with thread i's return value in
 * results[i] (results may be NULL).  Each hammer thread has its own
 * deterministic pressure stream (seeded from the check's seed and its
 * index).  Failing to start the threads ends the check as a harness error.
 * Call it from the check's own thread.
 */
#define WKC_HAMMER_MAX 256
typedef long (*wkc_hammer_fn)(wkc_ctx *cx, unsigned index, void *arg);
void wkc_hammer(wkc_ctx *cx, unsigned nthreads, wkc_hammer_fn fn, void *arg, long *results);

/* ---- reporting --------------------------------------------------------- */

/* Name the id that an abnormal death from now on would break (a crash,
 * abort, timeout, sanitizer or Valgrind report, also one found at exit such
 * as a leak: name the no-leak id last before returning to charge leaks).
 * The string is kept, not copied: pass a string literal. */
void wkc_expect(wkc_ctx *cx, const char *id);
/* Record a failure of requirement id; the check continues. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void wkc_fail(wkc_ctx *cx, const char *id, const char *fmt, ...);
/* Record an observation that is reported but is not a failure
 * (e.g. "spurious polls: 3"). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void wkc_note(wkc_ctx *cx, const char *fmt, ...);
/*
 * The check could not exercise requirement id (the executor placed the
 * tasks so that the situation under test never arose, a wake never landed
 * where it had to, a poll never came): the id gets no PASS from this
 * check, only "not exercised" with the reason (a SKIP), unless the check
 * also failed it.  The check goes on: what the oracles saw still counts.
 * A check that exercised none of its ids and failed none ends as SKIP.
 */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void wkc_unexercised(wkc_ctx *cx, const char *id, const char *fmt, ...);

/* Skip the rest of the check with a reason (e.g. a capability the check
 * discovered missing at run time). */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
void wkc_skip(wkc_ctx *cx, const char *fmt, ...);

/* Assert that survives NDEBUG and prints both operands. */
#define WKC_CHECK_EQ(cx, id, a, b)                                             \
	do {                                                                   \
		long long wkc__a = (long long)(a), wkc__b = (long long)(b);    \
		if (wkc__a != wkc__b)                                          \
			wkc_fail((cx), (id), "%s:%d: %s == %s (%lld vs %lld)", \
				 __FILE__, __LINE__, #a, #b, wkc__a, wkc__b);  \
	} while (0)

#ifdef __cplusplus
}
#endif

#endif /* WKC_CHECK_H */
