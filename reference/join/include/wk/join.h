/*
 * wk/join.h - a join of up to 64 futures that polls only the children whose
 * waker fired (the JoinWaker of seed 004).
 *
 * Normative contract: spec/join.md (ids WK-JOIN-*).
 *
 * A join owns n child futures (0 <= n <= WK_JOIN_MAX) and is itself a
 * wk_future.  Each child gets its own waker: waking child i's waker marks bit
 * i of a "woken" word and wakes the task that polls the join.  The first
 * poll of the join polls every child; every later poll polls exactly the
 * unfinished children whose bit is set, so a join of 64 futures in which one
 * child made progress costs one child poll, not 64.
 *
 * TWO VERSIONS, ONE CONTRACT
 *
 *   wk_join_local_new   for a task that stays on one thread (a thread-per-
 *                       core runtime's local task).  The woken word is a
 *                       plain uint64_t, the per-child wakers are local
 *                       wakers with a plain reference count, and the
 *                       parent's waker is kept as a local waker: no atomic
 *                       operation and no lock on the wake or poll path.
 *                       Where the parent context has a thread-safe waker,
 *                       a child that asks its context for one gets one,
 *                       built lazily (on_waker), that may be woken from any
 *                       thread: it marks the child in a separate atomic
 *                       word and wakes the parent through the parent's own
 *                       thread-safe waker.  Only then does the join start
 *                       paying for atomics, and only on the paths that need
 *                       them.  Where the parent has none, neither has the
 *                       child (wk_context_try_waker gives NULL).
 *
 *   wk_join_new         for a task that may be polled on any thread, with
 *                       children that may be woken from any thread.  The
 *                       woken word is atomic and the parent's waker sits
 *                       behind a mutex.  The parent context must have a
 *                       thread-safe waker (wk_context_waker aborts loudly
 *                       otherwise).
 *
 * OUTPUT
 *   When every child has returned WK_READY the join returns WK_READY and sets
 *   *output to a `void **` array of the n child outputs in child order.  The
 *   array belongs to the join and stays valid until the join is dropped; the
 *   outputs themselves belong to the caller, as with any future's output.
 *   A child that returns WK_READY is dropped at once and never polled again.
 *
 * LIFETIME
 *   The join owns its children from a successful *_new call on: dropping the
 *   join (wk_future_drop) drops every child that has not finished, exactly
 *   once.  Child wakers may outlive the join: the join's memory is reference
 *   counted by the wakers of its children, so cloning, waking and dropping a
 *   child waker after the join finished or was dropped is harmless (it wakes
 *   nobody: the join lets go of the parent's waker when it finishes or is
 *   dropped).  The local version counts local wakers with a plain count and
 *   thread-safe wakers with an atomic one; the memory goes with the last of
 *   both.
 *
 * THREADS
 *   A local join is polled, dropped, and has its local child wakers used on
 *   one thread: the thread of its first poll (checked builds abort with
 *   "owned by thread ... used on thread ..." otherwise).  It may be created
 *   on another thread.  A thread-safe join may be polled on any thread, one
 *   poll at a time, as any future.
 *
 * REENTRANCY
 *   A child waker wakes the parent's waker (thread-safe version: while
 *   holding the join's mutex).  The parent's wake and wake_by_ref must
 *   therefore not wake, clone or drop a waker of the same join, which no
 *   executor's wake does: it schedules a task, it does not run one.
 */
#ifndef WK_JOIN_H
#define WK_JOIN_H

#include <stddef.h>

#include "wk/future.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most children a join holds: one bit each in a 64-bit word. */
#define WK_JOIN_MAX 64

/*
 * A thread-safe join of children[0..n).  Takes ownership of the children
 * on success.  Returns NULL, and takes nothing, when n > WK_JOIN_MAX, when
 * children is NULL while n > 0, when a child or its vtable is NULL, or when
 * out of memory.  The one allocation a join makes is here.
 */
wk_future *wk_join_new(wk_future *const *children, size_t n);

/* A local join of children[0..n); same ownership and failure rules. */
wk_future *wk_join_local_new(wk_future *const *children, size_t n);

/* Number of children the join was created with (either version). */
size_t wk_join_len(const wk_future *join);

#ifdef __cplusplus
}
#endif

#endif /* WK_JOIN_H */
