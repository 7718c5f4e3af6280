/*
 * wk_internal.h - what the library's source files share, plus test hooks.
 * Not installed.  Every source file of the library includes this header
 * first (before any public header), so the visibility pragma below applies.
 *
 * EXPORTS
 *   Shared builds compile with -fvisibility=hidden.  The public headers are
 *   included here under "visibility push(default)", so exactly what they
 *   declare is exported: the wk_* API and the wk__* slow paths that their
 *   inline functions call (those must resolve from a consumer's code).
 *   Everything declared below the pop is hidden: internal helpers shared
 *   between files and the test hooks, which tests reach through the static
 *   wk_checked / wk_unchecked libraries.
 */
#ifndef WK_INTERNAL_H
#define WK_INTERNAL_H

/* Slow paths kept out of line so the refcount fast paths stay a few
 * instructions with no stack frame (measured: reference/bench). */
#define WK__COLD __attribute__((cold, noinline))
#define WK__UNLIKELY(x) __builtin_expect(!!(x), 0)

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif
#include "wk/wk.h"
#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#include <stddef.h>
#include <stdint.h>

/* ---- diag.c ------------------------------------------------------------ */

/* The operating-system thread id of the calling thread (gettid). */
long wk__os_tid(void);
/* The OS thread id recorded for a wk_thread_id() number, or -1 when unknown
 * (numbers beyond the recording table, or never handed out). */
long wk__thread_os_tid(uint32_t thread_id);
/* Abort because an object owned by thread `owner` is used by the calling
 * thread: "<op>: <what> <obj> owned by thread N (tid T) used on thread M
 * (tid U)".  `what` names the kind of object ("local waker", ...). */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__wrong_thread(const char *op, const char *what, const void *obj, uint32_t owner);

/* ---- quarantine.c (checked builds only) -------------------------------- */

#if WK_CHECKED
/* Take a dead, poisoned heap block instead of freeing it at once, so a late
 * release reads valid memory and reports "refcount underflow".  The oldest
 * block is freed when the ring is full.  Thread-safe. */
void wk__quarantine_put(void *block);
#endif

/* ---- test hooks -------------------------------------------------------- */

/* Overwrite the reference count, so the overflow abort (WK-WAKE-006) can be
 * tested without 2^62 increments.  Not for anything but tests. */
void wk__wake_set_refcount_for_test(wk_wake *obj, size_t count);
void wk__local_wake_set_refcount_for_test(wk_local_wake *obj, size_t count);

#endif /* WK_INTERNAL_H */
