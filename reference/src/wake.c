/*
 * wake.c - wk_wake: a heap object with an atomic reference count that
 * becomes a thread-safe waker without a second allocation (Rust's
 * Arc<W: Wake>; seed 002, strategy 3).  Contract: wk/wake.h, WK-WAKE-001..003,
 * 006, 007.
 *
 * MEMORY ORDERING (the reasoning of Linux include/linux/refcount.h)
 *
 *   retain (fetch_add, relaxed).  A new reference is only ever made from an
 *   existing one, which the caller already holds; holding it already orders
 *   everything the caller may touch.  The increment itself has nothing to
 *   publish, so no ordering is needed, only atomicity.
 *
 *   release (fetch_sub, acq_rel).  Each holder's writes to the object (and
 *   to the payload) must be visible to whichever thread runs destroy and
 *   free: the release half of every decrement publishes them, and the
 *   acquire half of the final decrement (the one that sees 1) collects
 *   them all, through the release sequence formed by the decrements.
 *   Non-final decrements do not need the acquire half, and the textbook form
 *   is "fetch_sub(release); if last: fence(acquire)".  ThreadSanitizer does
 *   not model standalone fences and would report destroy as a race, so the
 *   acquire is folded into the RMW (the same instruction on x86, one
 *   barrier more on weakly ordered machines, only on the decrement).
 *
 *   Helgrind and DRD do not see C11 atomics: the count is marked atomic
 *   and the release/acquire pair is stated again with wkc/annotate.h
 *   (WT_BEFORE_DEC, WT_AFTER_LAST below).
 *
 *   wake ordering (WK-RAW-005) is ops->wake's business: the waker hands its
 *   reference to ops->wake, which schedules the task with whatever ordering
 *   its queue provides.  This file adds none and needs none.
 *
 * OVERFLOW (WK-WAKE-006)
 *   The old value returned by fetch_add is checked: a count reaching
 *   WK_REFCOUNT_MAX (2^62 on 64-bit) aborts.  The counter never wraps:
 *   reaching 2^64 from 2^62 would take 3 * 2^62 more increments racing past
 *   the abort, which cannot happen.  The check costs one compare on a value
 *   the increment already returned.
 *
 * UNDERFLOW (WK-WAKE-007, checked builds only)
 *   Dead objects are poisoned and quarantined so that a late use aborts
 *   with "refcount underflow": see wake_template.h.
 *
 * This file holds only what is particular to the atomic count (the struct
 * and the count operations, each with its ordering); the functions are
 * wake_template.h, shared with local_wake.c.
 */
#include "wk_internal.h"

#include <stdatomic.h>
#include <stdint.h>

#include "wk_annotate.h"

#if WK_CHECKED
#define WT_MAGIC_LIVE 0x57414b45u /* "WAKE" */
#endif

struct wk_wake {
	_Atomic size_t refcount;
	const wk_wake_ops *ops;
#if WK_CHECKED
	_Atomic uint32_t magic; /* atomic: a misused object is read by racing threads */
#endif
};

#define WT_OBJ wake
#define WT_WAKER waker

/* The count is only ever accessed atomically (helgrind and DRD cannot tell). */
#define WT_COUNT_INIT(obj)                                                                         \
	do {                                                                                       \
		atomic_init(&(obj)->refcount, 1);                                                  \
		wk__annotate_atomic(&(obj)->refcount, sizeof(obj)->refcount);                      \
	} while (0)
/* relaxed: a reference is made from a held one; nothing to publish. */
#define WT_COUNT_INC(obj) atomic_fetch_add_explicit(&(obj)->refcount, 1, memory_order_relaxed)
/* acq_rel: release publishes this holder's writes; acquire on the last
 * decrement sees every holder's writes before destroy (file comment). */
#define WT_COUNT_DEC(obj) (atomic_fetch_sub_explicit(&(obj)->refcount, 1, memory_order_acq_rel) - 1)
/* The same release/acquire pair stated for helgrind and DRD (wkc/annotate.h):
 * release before every decrement, acquire once the count reached zero. */
#define WT_BEFORE_DEC(obj) wk__annotate_release(&(obj)->refcount)
#define WT_AFTER_LAST(obj) wk__annotate_acquire(&(obj)->refcount)
#define WT_FREEING(obj) wk__annotate_freeing(&(obj)->refcount)
/* relaxed: a snapshot for tests; it may be stale by the time it returns. */
#define WT_COUNT_LOAD(obj) atomic_load_explicit(&(obj)->refcount, memory_order_relaxed)
/* relaxed: set on a dead object (the quarantine's mutex orders the rest)
 * or by tests while no other thread uses the object. */
#define WT_COUNT_SET(obj, n) atomic_store_explicit(&(obj)->refcount, (n), memory_order_relaxed)

#include "wake_template.h"
