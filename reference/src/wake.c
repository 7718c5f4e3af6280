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
 *   When the last reference goes, destroy runs, then the header is poisoned
 *   (magic DEAD, count 0) and the block goes to the quarantine ring
 *   (quarantine.c) instead of free().  A later release, retain or wake of the
 *   object reads valid memory, sees DEAD (or a decrement from 0) and aborts
 *   with "refcount underflow".  Release builds free at once and carry no
 *   magic word.
 */
#include "wk_internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#if WK_CHECKED
#define WAKE_MAGIC_LIVE 0x57414b45u /* "WAKE" */
#define WAKE_MAGIC_DEAD 0xdeadbeefu
#endif

struct wk_wake {
	_Atomic size_t refcount;
	const wk_wake_ops *ops;
#if WK_CHECKED
	_Atomic uint32_t magic; /* atomic: a misused object is read by racing threads */
#endif
};

/* The payload starts at the first max_align_t boundary after the header;
 * malloc returns max_align_t-aligned blocks, so the payload is too. */
#define PAYLOAD_ALIGN _Alignof(max_align_t)
#define HEADER_SIZE ((sizeof(struct wk_wake) + PAYLOAD_ALIGN - 1) / PAYLOAD_ALIGN * PAYLOAD_ALIGN)

static const wk_raw_waker_vtable wake_vtable;

static wk_wake *object_of(const void *data)
{
	return (wk_wake *)data;
}

#if WK_CHECKED
static void check_alive(const wk_wake *obj, const char *op)
{
	/* relaxed: DEAD is written after the count reached zero; a thread that
	 * still uses the object has no ordering with that write anyway (it is
	 * the bug being reported), it just must not be a data race. */
	uint32_t magic = atomic_load_explicit(&obj->magic, memory_order_relaxed);
	if (magic == WAKE_MAGIC_LIVE)
		return;
	if (magic == WAKE_MAGIC_DEAD)
		wk_fatal("%s: wk_wake %p: refcount underflow (used after its last reference was "
			 "released)",
			 op, (const void *)obj);
	wk_fatal("%s: %p is not a wk_wake object (magic %#x)", op, (const void *)obj,
		 (unsigned)magic);
}
#define CHECK_ALIVE(obj, op) check_alive((obj), (op))
#else
#define CHECK_ALIVE(obj, op) ((void)0)
#endif

WK__COLD __attribute__((noreturn)) static void overflow(const wk_wake *obj, const char *op)
{
	wk_fatal("%s: wk_wake %p: refcount overflow (count would reach WK_REFCOUNT_MAX)", op,
		 (const void *)obj);
}

static void retain_as(wk_wake *obj, const char *op)
{
	size_t old;

	CHECK_ALIVE(obj, op);
	/* relaxed: a reference is made from a held one; nothing to publish. */
	old = atomic_fetch_add_explicit(&obj->refcount, 1, memory_order_relaxed);
	if (WK__UNLIKELY(old >= WK_REFCOUNT_MAX - 1))
		overflow(obj, op);
#if WK_CHECKED
	if (old == 0)
		wk_fatal("%s: wk_wake %p: refcount underflow (retained after its count reached zero)",
			 op, (void *)obj);
#endif
}

WK__COLD static void destroy_object(wk_wake *obj)
{
	if (obj->ops->destroy != NULL)
		obj->ops->destroy(obj);
#if WK_CHECKED
	/* relaxed: see check_alive; the quarantine's mutex orders the rest. */
	atomic_store_explicit(&obj->magic, WAKE_MAGIC_DEAD, memory_order_relaxed);
	atomic_store_explicit(&obj->refcount, 0, memory_order_relaxed);
	wk__quarantine_put(obj);
#else
	free(obj);
#endif
}

static void release_as(wk_wake *obj, const char *op)
{
	size_t old;

	CHECK_ALIVE(obj, op);
	/* acq_rel: release publishes this holder's writes; acquire on the last
	 * decrement sees every holder's writes before destroy (file comment). */
	old = atomic_fetch_sub_explicit(&obj->refcount, 1, memory_order_acq_rel);
	if (WK__UNLIKELY(old == 1)) {
		destroy_object(obj);
		return;
	}
#if WK_CHECKED
	if (old == 0)
		wk_fatal("%s: wk_wake %p: refcount underflow (released after its count reached zero)",
			 op, (void *)obj);
#else
	(void)op;
#endif
}

/* ---- public functions -------------------------------------------------- */

wk_wake *wk_wake_new(const wk_wake_ops *ops, size_t payload_size)
{
	wk_wake *obj;

	if (ops == NULL || ops->wake == NULL)
		return NULL;
	if (payload_size > SIZE_MAX - HEADER_SIZE)
		return NULL;
	obj = calloc(1, HEADER_SIZE + payload_size); /* zeroes the payload too */
	if (obj == NULL)
		return NULL;
	atomic_init(&obj->refcount, 1);
	obj->ops = ops;
#if WK_CHECKED
	atomic_init(&obj->magic, WAKE_MAGIC_LIVE);
#endif
	return obj;
}

void *wk_wake_payload(wk_wake *obj)
{
	return (char *)obj + HEADER_SIZE;
}

wk_wake *wk_wake_from_payload(void *payload)
{
	wk_wake *obj = (wk_wake *)(void *)((char *)payload - HEADER_SIZE);
	CHECK_ALIVE(obj, "wk_wake_from_payload");
	return obj;
}

wk_wake *wk_wake_retain(wk_wake *obj)
{
	retain_as(obj, "wk_wake_retain");
	return obj;
}

void wk_wake_release(wk_wake *obj)
{
	release_as(obj, "wk_wake_release");
}

size_t wk_wake_refcount(const wk_wake *obj)
{
	/* relaxed: a snapshot for tests; it may be stale by the time it returns. */
	return atomic_load_explicit(&obj->refcount, memory_order_relaxed);
}

wk_waker wk_waker_from_wake(wk_wake *obj)
{
	if (obj == NULL)
		wk_fatal("wk_waker_from_wake: object must not be NULL");
	CHECK_ALIVE(obj, "wk_waker_from_wake");
	/* The caller's reference becomes the waker's: no retain, no allocation. */
	return wk_waker_new(obj, &wake_vtable);
}

void wk__wake_set_refcount_for_test(wk_wake *obj, size_t count)
{
	/* relaxed: tests call this while no other thread uses the object. */
	atomic_store_explicit(&obj->refcount, count, memory_order_relaxed);
}

/* ---- the waker vtable -------------------------------------------------- */

static wk_raw_waker wake_clone(const void *data)
{
	wk_raw_waker raw;
	retain_as(object_of(data), "wk_waker_clone");
	raw.data = data;
	raw.vtable = &wake_vtable;
	return raw;
}

static void wake_wake(const void *data)
{
	wk_wake *obj = object_of(data);
	CHECK_ALIVE(obj, "wk_waker_wake");
	obj->ops->wake(obj); /* the waker's reference goes to ops->wake */
}

static void wake_wake_by_ref(const void *data)
{
	wk_wake *obj = object_of(data);
	CHECK_ALIVE(obj, "wk_waker_wake_by_ref");
	if (obj->ops->wake_by_ref != NULL) {
		obj->ops->wake_by_ref(obj);
		return;
	}
	/* No by-ref op: make a reference for ops->wake to consume (WK-WAKE-002). */
	retain_as(obj, "wk_waker_wake_by_ref");
	obj->ops->wake(obj);
}

static void wake_drop(const void *data)
{
	release_as(object_of(data), "wk_waker_drop");
}

static const wk_raw_waker_vtable wake_vtable = {
	wake_clone,
	wake_wake,
	wake_wake_by_ref,
	wake_drop,
};
