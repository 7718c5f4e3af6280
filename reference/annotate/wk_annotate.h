/*
 * wk_annotate.h - how the reference libraries (wk, wk_tpc) state their
 * synchronisation to race detectors.  Private to reference/: never
 * installed, never included by a public wk/ header.
 *
 * The calls are wkc/annotate.h's (header-only, from harness/include; the
 * libraries link nothing of the harness), behind a gate: natively a
 * Valgrind client request is a dozen instructions and a stack frame, which
 * the runtime's hot paths (a clone, a drop, a cross-core wake) would pay
 * on every operation for a tool that is not there.  So each call is a load,
 * a test and a branch to an out-of-line call, taken only when a tool that
 * reads annotations can be present:
 *   - ThreadSanitizer build: always (compiled in, no gate);
 *   - otherwise: under Valgrind (helgrind, DRD), or when the process has
 *     the TSan runtime's entry points (an uninstrumented build of the
 *     library loaded by a TSan harness: see wkc/annotate.h).
 * The gate is decided once per translation unit before main (or when a
 * module is loaded), before any thread can run this code.
 *
 *   wk__annotate_release(obj)  wkc_annotate_release
 *   wk__annotate_acquire(obj)  wkc_annotate_acquire
 *   wk__annotate_freeing(obj)  wkc_annotate_freeing
 *   wk__annotate_atomic(a, n)  wkc_annotate_atomic
 * Each sits beside the atomic operation that provides the edge it states.
 * wk__annotating() tells whether they do anything in this process, for a
 * hot path that keeps an instance without them (waker.c, the drop).
 */
#ifndef WK_ANNOTATE_H
#define WK_ANNOTATE_H

#include <stddef.h>

#include "wkc/annotate.h"

#if defined(WKC_ANNOTATE_NONE)
#define WK__ANNOTATE_ON 0
#elif defined(WKC__ANNOTATE_TSAN) || !defined(__GNUC__)
#define WK__ANNOTATE_ON 1
#else
/* Written once, by the constructor below, before any thread runs. */
static int wk__annotate_gate;

__attribute__((constructor)) static void wk__annotate_gate_init(void)
{
	int on = 0;
#ifdef WKC__ANNOTATE_VALGRIND
	if (RUNNING_ON_VALGRIND)
		on = 1;
#endif
#if defined(__ELF__)
	/* The weak TSan entry points of wkc/annotate.h, if the process has them. */
	if (__tsan_release != NULL)
		on = 1;
#endif
	wk__annotate_gate = on;
}

#define WK__ANNOTATE_ON __builtin_expect(wk__annotate_gate, 0)
#endif

/* A translation unit may use only some of these: unused, not a warning. */
#if defined(__GNUC__)
#define WK__ANNOTATE_SLOW static __attribute__((noinline, cold, unused))
#else
#define WK__ANNOTATE_SLOW static inline
#endif

/* Out of line, so that a hot path keeps no frame for the client request. */
WK__ANNOTATE_SLOW void wk__annotate_release_slow(const void *obj)
{
	wkc_annotate_release(obj);
}

WK__ANNOTATE_SLOW void wk__annotate_acquire_slow(const void *obj)
{
	wkc_annotate_acquire(obj);
}

WK__ANNOTATE_SLOW void wk__annotate_freeing_slow(const void *obj)
{
	wkc_annotate_freeing(obj);
}

WK__ANNOTATE_SLOW void wk__annotate_atomic_slow(const void *addr, size_t len)
{
	wkc_annotate_atomic(addr, len);
}

static inline int wk__annotating(void)
{
	return WK__ANNOTATE_ON;
}

static inline void wk__annotate_release(const void *obj)
{
	if (WK__ANNOTATE_ON)
		wk__annotate_release_slow(obj);
}

static inline void wk__annotate_acquire(const void *obj)
{
	if (WK__ANNOTATE_ON)
		wk__annotate_acquire_slow(obj);
}

static inline void wk__annotate_freeing(const void *obj)
{
	if (WK__ANNOTATE_ON)
		wk__annotate_freeing_slow(obj);
}

static inline void wk__annotate_atomic(const void *addr, size_t len)
{
	if (WK__ANNOTATE_ON)
		wk__annotate_atomic_slow(addr, len);
}

#endif /* WK_ANNOTATE_H */
