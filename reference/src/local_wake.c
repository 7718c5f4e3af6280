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
 * Overflow and underflow work as in wake.c: a count reaching WK_REFCOUNT_MAX
 * aborts; checked builds poison and quarantine dead objects so a late
 * release aborts with "refcount underflow".  This file holds only what is
 * particular to the plain count and the owner thread; the functions are
 * wake_template.h, shared with wake.c.
 */
#include "wk_internal.h"

#include <stdatomic.h>
#include <stdint.h>

#if WK_CHECKED
#define WT_MAGIC_LIVE 0x4c57414bu /* "LWAK" */
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

#define WT_OBJ local_wake
#define WT_WAKER local_waker

/* Plain operations: every caller is on the owner thread (checked builds
 * check that first, before the count is touched). */
#define WT_COUNT_INIT(obj) ((obj)->refcount = 1)
#define WT_COUNT_INC(obj) ((obj)->refcount++)
#define WT_COUNT_DEC(obj) (--(obj)->refcount)
#define WT_COUNT_LOAD(obj) ((obj)->refcount)
#define WT_COUNT_SET(obj, n) ((obj)->refcount = (n))

#if WK_CHECKED
static void check_thread(const wk_local_wake *obj, const char *op)
{
	if (obj->owner != wk_thread_id())
		wk__wrong_thread(op, "wk_local_wake", obj, obj->owner);
}
#define WT_CHECK_THREAD(obj, op) check_thread((obj), (op))
#define WT_SET_OWNER(obj) ((obj)->owner = wk_thread_id())
#endif

#include "wake_template.h"
