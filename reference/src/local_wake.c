/*
 * local_wake.c - wk_local_wake: a heap object with a plain (non-atomic)
 * reference count that becomes a local waker without a second allocation
 * (Rust's Rc<W: LocalWake>).  Contract: wk/wake.h, WK-WAKE-004..008.
 *
 * No atomics on the count: every operation runs on the creating thread
 * (WK-RAW-006).  Checked builds make that visible: the creator's
 * wk_thread_id() is stored, and a retain, release or wake on another thread
 * aborts naming both threads (WK-WAKE-008) instead of racing on the count.
 *
 * Overflow and underflow work as in wake.c (see its file comment): a count
 * reaching WK_REFCOUNT_MAX aborts; checked builds poison and quarantine dead
 * objects so a late release aborts with "refcount underflow".
 */
#include "wk_internal.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#if WK_CHECKED
#define LOCAL_MAGIC_LIVE 0x4c57414bu /* "LWAK" */
#define LOCAL_MAGIC_DEAD 0xdeadbeefu
#endif

struct wk_local_wake {
	size_t refcount; /* plain: owner thread only */
	const wk_local_wake_ops *ops;
#if WK_CHECKED
	/* atomic: the whole point of the check is that a wrong thread may read
	 * it; that read must not itself be a data race. */
	_Atomic uint32_t magic;
	uint32_t owner; /* wk_thread_id() of the creator; written once */
#endif
};

#define PAYLOAD_ALIGN _Alignof(max_align_t)
#define HEADER_SIZE                                                                                \
	((sizeof(struct wk_local_wake) + PAYLOAD_ALIGN - 1) / PAYLOAD_ALIGN * PAYLOAD_ALIGN)

static const wk_raw_waker_vtable local_wake_vtable;

static wk_local_wake *object_of(const void *data)
{
	return (wk_local_wake *)data;
}

#if WK_CHECKED
static void check_thread(const wk_local_wake *obj, const char *op)
{
	if (obj->owner != wk_thread_id())
		wk__wrong_thread(op, "wk_local_wake", obj, obj->owner);
}

static void check_alive(const wk_local_wake *obj, const char *op)
{
	/* relaxed: only atomicity is needed (see the struct). */
	uint32_t magic = atomic_load_explicit(&obj->magic, memory_order_relaxed);
	if (magic == LOCAL_MAGIC_LIVE)
		return;
	if (magic == LOCAL_MAGIC_DEAD)
		wk_fatal("%s: wk_local_wake %p: refcount underflow (used after its last reference "
			 "was released)",
			 op, (const void *)obj);
	wk_fatal("%s: %p is not a wk_local_wake object (magic %#x)", op, (const void *)obj,
		 (unsigned)magic);
}

/* Thread first: a foreign thread must not even trust the magic's meaning. */
#define CHECK_USE(obj, op)                                                                         \
	do {                                                                                       \
		check_thread((obj), (op));                                                         \
		check_alive((obj), (op));                                                          \
	} while (0)
#define CHECK_ALIVE(obj, op) check_alive((obj), (op))
#else
#define CHECK_USE(obj, op) ((void)0)
#define CHECK_ALIVE(obj, op) ((void)0)
#endif

WK__COLD __attribute__((noreturn)) static void overflow(const wk_local_wake *obj, const char *op)
{
	wk_fatal("%s: wk_local_wake %p: refcount overflow (count would reach WK_REFCOUNT_MAX)", op,
		 (const void *)obj);
}

/* The last reference went: destroy, then free (or quarantine when checked). */
WK__COLD static void last_release(wk_local_wake *obj)
{
	if (obj->ops->destroy != NULL)
		obj->ops->destroy(obj);
#if WK_CHECKED
	/* relaxed: see check_alive. */
	atomic_store_explicit(&obj->magic, LOCAL_MAGIC_DEAD, memory_order_relaxed);
	obj->refcount = 0; /* destroy may not resurrect; make the poison exact */
	wk__quarantine_put(obj);
#else
	free(obj);
#endif
}

static void retain_as(wk_local_wake *obj, const char *op)
{
	CHECK_USE(obj, op);
	if (WK__UNLIKELY(obj->refcount >= WK_REFCOUNT_MAX - 1))
		overflow(obj, op);
#if WK_CHECKED
	if (obj->refcount == 0)
		wk_fatal("%s: wk_local_wake %p: refcount underflow (retained after its count reached "
			 "zero)",
			 op, (void *)obj);
#endif
	obj->refcount++;
}

static void release_as(wk_local_wake *obj, const char *op)
{
	CHECK_USE(obj, op);
#if WK_CHECKED
	if (obj->refcount == 0)
		wk_fatal("%s: wk_local_wake %p: refcount underflow (released after its count reached "
			 "zero)",
			 op, (void *)obj);
#else
	(void)op;
#endif
	if (WK__UNLIKELY(--obj->refcount == 0))
		last_release(obj);
}

/* ---- public functions -------------------------------------------------- */

wk_local_wake *wk_local_wake_new(const wk_local_wake_ops *ops, size_t payload_size)
{
	wk_local_wake *obj;

	if (ops == NULL || ops->wake == NULL)
		return NULL;
	if (payload_size > SIZE_MAX - HEADER_SIZE)
		return NULL;
	obj = calloc(1, HEADER_SIZE + payload_size); /* zeroes the payload too */
	if (obj == NULL)
		return NULL;
	obj->refcount = 1;
	obj->ops = ops;
#if WK_CHECKED
	atomic_init(&obj->magic, LOCAL_MAGIC_LIVE);
	obj->owner = wk_thread_id();
#endif
	return obj;
}

void *wk_local_wake_payload(wk_local_wake *obj)
{
	return (char *)obj + HEADER_SIZE;
}

wk_local_wake *wk_local_wake_from_payload(void *payload)
{
	wk_local_wake *obj = (wk_local_wake *)(void *)((char *)payload - HEADER_SIZE);
	CHECK_ALIVE(obj, "wk_local_wake_from_payload");
	return obj;
}

wk_local_wake *wk_local_wake_retain(wk_local_wake *obj)
{
	retain_as(obj, "wk_local_wake_retain");
	return obj;
}

void wk_local_wake_release(wk_local_wake *obj)
{
	release_as(obj, "wk_local_wake_release");
}

size_t wk_local_wake_refcount(const wk_local_wake *obj)
{
	return obj->refcount;
}

wk_local_waker wk_local_waker_from_local_wake(wk_local_wake *obj)
{
	if (obj == NULL)
		wk_fatal("wk_local_waker_from_local_wake: object must not be NULL");
	CHECK_USE(obj, "wk_local_waker_from_local_wake");
	/* The caller's reference becomes the waker's: no retain (the leak of
	 * rust-lang/rust#122180 was an extra one here), no allocation. */
	return wk_local_waker_new(obj, &local_wake_vtable);
}

void wk__local_wake_set_refcount_for_test(wk_local_wake *obj, size_t count)
{
	obj->refcount = count;
}

/* ---- the local waker vtable -------------------------------------------- */

static wk_raw_waker local_wake_clone(const void *data)
{
	wk_raw_waker raw;
	retain_as(object_of(data), "wk_local_waker_clone");
	raw.data = data;
	raw.vtable = &local_wake_vtable;
	return raw;
}

static void local_wake_wake(const void *data)
{
	wk_local_wake *obj = object_of(data);
	CHECK_USE(obj, "wk_local_waker_wake");
	obj->ops->wake(obj); /* the waker's reference goes to ops->wake */
}

static void local_wake_wake_by_ref(const void *data)
{
	wk_local_wake *obj = object_of(data);
	CHECK_USE(obj, "wk_local_waker_wake_by_ref");
	if (obj->ops->wake_by_ref != NULL) {
		obj->ops->wake_by_ref(obj);
		return;
	}
	/* No by-ref op: make a reference for ops->wake to consume (WK-WAKE-002). */
	retain_as(obj, "wk_local_waker_wake_by_ref");
	obj->ops->wake(obj);
}

static void local_wake_drop(const void *data)
{
	release_as(object_of(data), "wk_local_waker_drop");
}

static const wk_raw_waker_vtable local_wake_vtable = {
	local_wake_clone,
	local_wake_wake,
	local_wake_wake_by_ref,
	local_wake_drop,
};
