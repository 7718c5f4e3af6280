/*
 * wk/wake.h - the Wake and LocalWake helpers: reference-counted heap objects
 * that become wakers without a second allocation (seed 002, strategy 3:
 * "a reference-counted pointer to the task").
 *
 * Normative contract: spec/api.md (ids WK-WAKE-*).
 *
 *   wk_wake        atomic refcount   -> wk_waker        (Rust: Arc<W: Wake>)
 *   wk_local_wake  plain refcount    -> wk_local_waker  (Rust: Rc<W: LocalWake>)
 *
 * An object is created with one reference owned by the caller.  Converting
 * it into a waker hands that reference to the waker (no clone, no
 * allocation); the waker's clone/drop are retain/release, wake calls
 * ops->wake with the waker's reference, wake_by_ref calls ops->wake_by_ref
 * (or, when that is NULL, retain + ops->wake).  When the last reference goes,
 * ops->destroy runs once and the memory is freed.
 *
 * The payload (user data) follows the header at a max_align_t boundary.
 *
 * REFCOUNT LIMITS AND FAILURE PATHS
 *   A count reaching WK_REFCOUNT_MAX aborts (never wraps): WK-WAKE-006.
 *   In checked builds a release of an object whose count already reached
 *   zero aborts with "refcount underflow" (freed objects are held in a
 *   small quarantine so the check reads valid memory): WK-WAKE-007; and a
 *   wk_local_wake used on a thread other than its creator aborts naming
 *   both threads: WK-WAKE-008.
 *
 * MEMORY ORDERING of wk_wake (the file-level essay is in src/wake.c):
 *   retain:  relaxed   - a new reference is made from an existing one, which
 *                        already orders everything the holder can see.
 *   release: acq_rel   - release publishes this holder's writes to whoever
 *                        frees; acquire on the last one sees all of them.
 *                        (Not release + acquire fence: TSan ignores fences.)
 */
#ifndef WK_WAKE_H
#define WK_WAKE_H

#include <stddef.h>

#include "wk/waker.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WK_REFCOUNT_MAX ((size_t)1 << (sizeof(size_t) * 8 - 2))

typedef struct wk_wake wk_wake;
typedef struct wk_local_wake wk_local_wake;

typedef struct wk_wake_ops {
	void (*wake)(wk_wake *self);        /* required; consumes one reference */
	void (*wake_by_ref)(wk_wake *self); /* optional; consumes nothing */
	void (*destroy)(wk_wake *self);     /* optional; last reference gone */
} wk_wake_ops;

typedef struct wk_local_wake_ops {
	void (*wake)(wk_local_wake *self);
	void (*wake_by_ref)(wk_local_wake *self);
	void (*destroy)(wk_local_wake *self);
} wk_local_wake_ops;

/* ---- wk_wake: thread-safe ---------------------------------------------- */

/* New object with refcount 1 and payload_size bytes of zeroed payload.
 * Returns NULL when out of memory or when ops/ops->wake is NULL. */
wk_wake *wk_wake_new(const wk_wake_ops *ops, size_t payload_size);
void *wk_wake_payload(wk_wake *obj);
wk_wake *wk_wake_from_payload(void *payload);
wk_wake *wk_wake_retain(wk_wake *obj);     /* +1, any thread */
void wk_wake_release(wk_wake *obj);        /* -1, any thread */
size_t wk_wake_refcount(const wk_wake *obj); /* a snapshot, for tests */

/* Consume one reference of obj into a waker.  No allocation. */
wk_waker wk_waker_from_wake(wk_wake *obj);

/* ---- wk_local_wake: one thread ----------------------------------------- */

wk_local_wake *wk_local_wake_new(const wk_local_wake_ops *ops, size_t payload_size);
void *wk_local_wake_payload(wk_local_wake *obj);
wk_local_wake *wk_local_wake_from_payload(void *payload);
wk_local_wake *wk_local_wake_retain(wk_local_wake *obj);
void wk_local_wake_release(wk_local_wake *obj);
size_t wk_local_wake_refcount(const wk_local_wake *obj);

/* Consume one reference of obj into a local waker (rust-lang/rust#122180:
 * this conversion must not leak a reference).  No allocation. */
wk_local_waker wk_local_waker_from_local_wake(wk_local_wake *obj);

#ifdef __cplusplus
}
#endif

#endif /* WK_WAKE_H */
