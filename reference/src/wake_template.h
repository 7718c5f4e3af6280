/*
 * wake_template.h - the body that wk_wake (wake.c) and wk_local_wake
 * (local_wake.c) share: a heap object whose reference count becomes a waker
 * without a second allocation.  The two differ only in how the count is
 * read and changed (atomically, or plainly on the owner thread) and in the
 * owner-thread check; everything else (the checked-build poison and
 * quarantine, the overflow abort, the payload layout, the public functions
 * and the waker vtable) is written once here.  The memory-ordering
 * reasoning is in wake.c's file comment.
 *
 * Not a normal header: it is included once, at the end of each of those two
 * files, after they define
 *
 *   struct WT_TYPE       the object: `refcount`, `ops`, and when checked an
 *                        _Atomic uint32_t `magic` (read by threads racing on
 *                        a misused object, so it must not be a data race)
 *   WT_OBJ, WT_WAKER     name stems: wake / waker or local_wake / local_waker
 *                        (they build wk_<obj>_new, wk_<waker>_from_<obj>,
 *                        the op names in messages and the vtable functions'
 *                        names <obj>_clone, ...)
 *   WT_MAGIC_LIVE        (checked builds) the magic word of a live object
 *   WT_COUNT_INIT(obj)   set the count of a new object to 1
 *   WT_COUNT_INC(obj)    add one; evaluates to the count before
 *   WT_COUNT_DEC(obj)    subtract one; evaluates to the count after (so the
 *                        plain count's test for the last reference is one
 *                        subtract in memory and a branch on its flags)
 *   WT_COUNT_LOAD(obj)   read the count
 *   WT_COUNT_SET(obj,n)  overwrite the count
 * and optionally
 *   WT_CHECK_THREAD(obj,op)  (checked builds) abort unless on the owner thread
 *   WT_SET_OWNER(obj)        (checked builds) record the creating thread
 *   WT_BEFORE_DEC(obj)       right before each WT_COUNT_DEC
 *   WT_AFTER_LAST(obj)       once WT_COUNT_DEC reached zero, before destroy
 *   WT_FREEING(obj)          right before the block is freed or quarantined
 *                            (the atomic count's race-detector annotations)
 *
 * OVERFLOW (WK-WAKE-006): the count before an increment is checked, and a
 * count reaching WK_REFCOUNT_MAX aborts; it never wraps (wake.c).
 * UNDERFLOW (WK-WAKE-007, checked builds only): when the last reference
 * goes, destroy runs, then the header is poisoned (magic DEAD, count 0) and
 * the block goes to the quarantine ring (quarantine.c) instead of free().  A
 * later release, retain or wake reads valid memory, sees DEAD (or a count
 * of 0) and aborts with "refcount underflow".  Release builds free at once
 * and carry no magic word.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "wk_annotate.h"

#define WT_PASTE_(a, b) a##b
#define WT_PASTE(a, b) WT_PASTE_(a, b)
#define WT_STR_(x) #x
#define WT_STR(x) WT_STR_(x)

/* Names built from the stems, wake / waker shown (local_wake / local_waker
 * give wk_local_wake_new, local_wake_clone, ...). */
#define WT_TYPE WT_PASTE(wk_, WT_OBJ)                     /* wk_wake */
#define WT_OPS WT_PASTE(WT_TYPE, _ops)                    /* wk_wake_ops */
#define WT_API(suffix) WT_PASTE(WT_TYPE, suffix)          /* wk_wake_new, ... */
#define WT_WAKER_TYPE WT_PASTE(wk_, WT_WAKER)             /* wk_waker */
#define WT_WAKER_API(suffix) WT_PASTE(WT_WAKER_TYPE, suffix) /* wk_waker_clone, ... */
#define WT_FROM_OBJ WT_WAKER_API(WT_PASTE(_from_, WT_OBJ)) /* wk_waker_from_wake */
#define WT_VT(suffix) WT_PASTE(WT_OBJ, suffix)            /* wake_clone, ... */
#define WT_NAME WT_STR(WT_TYPE)                           /* "wk_wake", for messages */

#if WK_CHECKED
#define WT_MAGIC_DEAD 0xdeadbeefu
#endif
#ifndef WT_CHECK_THREAD
#define WT_CHECK_THREAD(obj, op) ((void)0)
#endif
#ifndef WT_SET_OWNER
#define WT_SET_OWNER(obj) ((void)0)
#endif
#ifndef WT_BEFORE_DEC
#define WT_BEFORE_DEC(obj) ((void)0)
#endif
#ifndef WT_AFTER_LAST
#define WT_AFTER_LAST(obj) ((void)0)
#endif
#ifndef WT_FREEING
#define WT_FREEING(obj) ((void)0)
#endif

/* The payload starts at the first max_align_t boundary after the header;
 * malloc returns max_align_t-aligned blocks, so the payload is too. */
#define PAYLOAD_ALIGN _Alignof(max_align_t)
#define HEADER_SIZE ((sizeof(struct WT_TYPE) + PAYLOAD_ALIGN - 1) / PAYLOAD_ALIGN * PAYLOAD_ALIGN)

static const wk_raw_waker_vtable WT_VT(_vtable);

static WT_TYPE *object_of(const void *data)
{
	return (WT_TYPE *)data;
}

#if WK_CHECKED
static void check_alive(const WT_TYPE *obj, const char *op)
{
	/* relaxed: DEAD is written after the count reached zero; a thread that
	 * still uses the object has no ordering with that write anyway (it is
	 * the bug being reported), it just must not be a data race. */
	uint32_t magic = atomic_load_explicit(&obj->magic, memory_order_relaxed);
	if (magic == WT_MAGIC_LIVE)
		return;
	if (magic == WT_MAGIC_DEAD)
		wk_fatal("%s: " WT_NAME " %p: refcount underflow (used after its last reference "
			 "was released)",
			 op, (const void *)obj);
	wk_fatal("%s: %p is not a " WT_NAME " object (magic %#x)", op, (const void *)obj,
		 (unsigned)magic);
}

/* Thread first: a foreign thread must not even trust the magic's meaning. */
#define CHECK_USE(obj, op)                                                                         \
	do {                                                                                       \
		WT_CHECK_THREAD((obj), (op));                                                      \
		check_alive((obj), (op));                                                          \
	} while (0)
#define CHECK_ALIVE(obj, op) check_alive((obj), (op))
#else
#define CHECK_USE(obj, op) ((void)0)
#define CHECK_ALIVE(obj, op) ((void)0)
#endif

WK__COLD __attribute__((noreturn)) static void overflow(const WT_TYPE *obj, const char *op)
{
	wk_fatal("%s: " WT_NAME " %p: refcount overflow (count would reach WK_REFCOUNT_MAX)", op,
		 (const void *)obj);
}

static void retain_as(WT_TYPE *obj, const char *op)
{
	size_t old;

	CHECK_USE(obj, op);
	old = WT_COUNT_INC(obj);
	if (WK__UNLIKELY(old >= WK_REFCOUNT_MAX - 1))
		overflow(obj, op);
#if WK_CHECKED
	if (old == 0)
		wk_fatal("%s: " WT_NAME " %p: refcount underflow (retained after its count reached "
			 "zero)",
			 op, (void *)obj);
#endif
}

/* The last reference went: destroy, then free (or quarantine when checked). */
WK__COLD static void destroy_object(WT_TYPE *obj)
{
	if (obj->ops->destroy != NULL)
		obj->ops->destroy(obj);
#if WK_CHECKED
	/* relaxed: see check_alive; the quarantine's mutex orders the rest. */
	atomic_store_explicit(&obj->magic, WT_MAGIC_DEAD, memory_order_relaxed);
	WT_COUNT_SET(obj, 0); /* destroy may not resurrect; make the poison exact */
	WT_FREEING(obj);
	wk__quarantine_put(obj);
#else
	WT_FREEING(obj);
	free(obj);
#endif
}

static void release_as(WT_TYPE *obj, const char *op)
{
	size_t left;

	CHECK_USE(obj, op);
	WT_BEFORE_DEC(obj);
	left = WT_COUNT_DEC(obj);
	if (WK__UNLIKELY(left == 0)) {
		WT_AFTER_LAST(obj);
		destroy_object(obj);
		return;
	}
#if WK_CHECKED
	if (left == SIZE_MAX) /* it was 0 */
		wk_fatal("%s: " WT_NAME " %p: refcount underflow (released after its count reached "
			 "zero)",
			 op, (void *)obj);
#else
	(void)op;
#endif
}

/* ---- public functions -------------------------------------------------- */

/* wk_wake_new, wk_local_wake_new */
WT_TYPE *WT_API(_new)(const WT_OPS *ops, size_t payload_size)
{
	WT_TYPE *obj;

	if (ops == NULL || ops->wake == NULL)
		return NULL;
	if (payload_size > SIZE_MAX - HEADER_SIZE)
		return NULL;
	obj = calloc(1, HEADER_SIZE + payload_size); /* zeroes the payload too */
	if (obj == NULL)
		return NULL;
	WT_COUNT_INIT(obj);
	obj->ops = ops;
#if WK_CHECKED
	atomic_init(&obj->magic, WT_MAGIC_LIVE);
	wk__annotate_atomic(&obj->magic, sizeof obj->magic);
	WT_SET_OWNER(obj);
#endif
	return obj;
}

/* wk_wake_payload, wk_local_wake_payload */
void *WT_API(_payload)(WT_TYPE *obj)
{
	return (char *)obj + HEADER_SIZE;
}

/* wk_wake_from_payload, wk_local_wake_from_payload */
WT_TYPE *WT_API(_from_payload)(void *payload)
{
	WT_TYPE *obj = (WT_TYPE *)(void *)((char *)payload - HEADER_SIZE);
	CHECK_ALIVE(obj, WT_STR(WT_API(_from_payload)));
	return obj;
}

/* wk_wake_retain, wk_local_wake_retain */
WT_TYPE *WT_API(_retain)(WT_TYPE *obj)
{
	retain_as(obj, WT_STR(WT_API(_retain)));
	return obj;
}

/* wk_wake_release, wk_local_wake_release */
void WT_API(_release)(WT_TYPE *obj)
{
	release_as(obj, WT_STR(WT_API(_release)));
}

/* wk_wake_refcount, wk_local_wake_refcount: a snapshot for tests. */
size_t WT_API(_refcount)(const WT_TYPE *obj)
{
	return WT_COUNT_LOAD(obj);
}

/* wk_waker_from_wake, wk_local_waker_from_local_wake */
WT_WAKER_TYPE WT_FROM_OBJ(WT_TYPE *obj)
{
	if (obj == NULL)
		wk_fatal(WT_STR(WT_FROM_OBJ) ": object must not be NULL");
	CHECK_USE(obj, WT_STR(WT_FROM_OBJ));
	/* The caller's reference becomes the waker's: no retain (the leak of
	 * rust-lang/rust#122180 was an extra one here), no allocation. */
	return WT_WAKER_API(_new)(obj, &WT_VT(_vtable));
}

/* wk__wake_set_refcount_for_test, wk__local_wake_set_refcount_for_test:
 * tests call it while no other thread uses the object. */
void WT_PASTE(WT_PASTE(wk__, WT_OBJ), _set_refcount_for_test)(WT_TYPE *obj, size_t count)
{
	WT_COUNT_SET(obj, count);
}

/* ---- the waker vtable -------------------------------------------------- */

static wk_raw_waker WT_VT(_clone)(const void *data)
{
	wk_raw_waker raw;
	retain_as(object_of(data), WT_STR(WT_WAKER_API(_clone)));
	raw.data = data;
	raw.vtable = &WT_VT(_vtable);
	return raw;
}

static void WT_VT(_wake)(const void *data)
{
	WT_TYPE *obj = object_of(data);
	CHECK_USE(obj, WT_STR(WT_WAKER_API(_wake)));
	obj->ops->wake(obj); /* the waker's reference goes to ops->wake */
}

static void WT_VT(_wake_by_ref)(const void *data)
{
	WT_TYPE *obj = object_of(data);
	CHECK_USE(obj, WT_STR(WT_WAKER_API(_wake_by_ref)));
	if (obj->ops->wake_by_ref != NULL) {
		obj->ops->wake_by_ref(obj);
		return;
	}
	/* No by-ref op: make a reference for ops->wake to consume (WK-WAKE-002). */
	retain_as(obj, WT_STR(WT_WAKER_API(_wake_by_ref)));
	obj->ops->wake(obj);
}

static void WT_VT(_drop)(const void *data)
{
	release_as(object_of(data), WT_STR(WT_WAKER_API(_drop)));
}

static const wk_raw_waker_vtable WT_VT(_vtable) = {
	WT_VT(_clone),
	WT_VT(_wake),
	WT_VT(_wake_by_ref),
	WT_VT(_drop),
};
