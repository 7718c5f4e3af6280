/*
 * wk/waker.h - raw wakers, thread-safe wakers and local wakers.
 *
 * The C form of Rust's RawWaker / RawWakerVTable / Waker / LocalWaker.
 * Normative contract: spec/api.md (ids WK-RAW-*, WK-WAKER-*, WK-LOCAL-*,
 * WK-CHECK-*).
 *
 * OWNERSHIP
 *   A wk_waker / wk_local_waker value owns one "instance" of the resources
 *   behind its data pointer (typically one reference on a task).  Values are
 *   plain structs and may be copied bitwise only to *move* them: after a
 *   move, exactly one copy may be used.  Functions that consume a waker take
 *   a pointer and leave the source moved-from; a checked build (WK_CHECKED)
 *   poisons the source so any later use aborts with a message.
 *
 *     wk_waker_clone(&w)        -> new owned waker, w unchanged   (vtable clone)
 *     wk_waker_wake(&w)         -> wakes, consumes w               (vtable wake)
 *     wk_waker_wake_by_ref(&w)  -> wakes, w unchanged              (vtable wake_by_ref)
 *     wk_waker_drop(&w)         -> releases, consumes w            (vtable drop)
 *
 * THREAD SAFETY (who may call what, concurrently, on wakers of one task)
 *
 *     operation      | wk_waker                  | wk_local_waker
 *     ---------------+---------------------------+------------------------------
 *     clone          | any thread, concurrently  | owner thread only
 *     wake           | any thread, concurrently  | owner thread only
 *     wake_by_ref    | any thread, concurrently  | owner thread only
 *     drop           | any thread, concurrently  | owner thread only
 *     will_wake,data | any thread (pure)         | any thread (pure)
 *
 *   "Owner thread" is the thread that created the local waker (from_raw,
 *   clone of an owned local waker).  For wk_waker, "concurrently" covers
 *   different values of one task AND one value shared by pointer between
 *   threads (Rust's Sync): clone, wake_by_ref, will_wake and the getters
 *   only read the value, so they may run on a shared `const wk_waker *` at
 *   once; the vtable must make that safe (atomic refcounts).  wake and drop
 *   consume the value and need its sole owner (Rust's by-value self).
 *   A wk_local_waker's vtable needs no atomics: its functions are only ever
 *   called on the owner thread.  Checked builds record the owner thread and
 *   abort, naming both threads, when a local waker is used elsewhere.
 *
 * MEMORY ORDERING
 *   This header performs no atomic operations of its own; every ordering
 *   guarantee comes from the vtable.  The contract a thread-safe vtable must
 *   provide (spec WK-RAW-005): everything the waking thread wrote before
 *   wake/wake_by_ref happens-before the poll that wake causes.
 */
#ifndef WK_WAKER_H
#define WK_WAKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wk_raw_waker_vtable wk_raw_waker_vtable;

/* A data pointer plus the vtable that knows what it means. */
typedef struct wk_raw_waker {
	const void *data;
	const wk_raw_waker_vtable *vtable;
} wk_raw_waker;

/*
 * The four functions every waker implementation provides.  All four are
 * required (non-NULL).  Reference-count effect of each, per WK-RAW-001..004:
 *   clone:       +1  returns a raw waker for the same task (may use another
 *                    vtable or data pointer, e.g. to upgrade a cheap waker)
 *   wake:        -1  wakes the task and releases this instance
 *   wake_by_ref:  0  wakes the task
 *   drop:        -1  releases this instance without waking
 */
struct wk_raw_waker_vtable {
	wk_raw_waker (*clone)(const void *data);
	void (*wake)(const void *data);
	void (*wake_by_ref)(const void *data);
	void (*drop)(const void *data);
};

/*
 * A thread-safe waker (Rust's Waker: Send + Sync).  Same layout as
 * wk_local_waker so that any waker can be viewed as a local waker.
 */
typedef struct wk_waker {
	wk_raw_waker raw;
#if WK_CHECKED
	uint32_t wk__owner; /* always 0: a waker has no owner thread */
#endif
} wk_waker;

/* A waker that may only be used on the thread that created it. */
typedef struct wk_local_waker {
	wk_raw_waker raw;
#if WK_CHECKED
	uint32_t wk__owner; /* wk_thread_id() of the owner, 0 for views of a wk_waker */
#endif
} wk_local_waker;

/* ---- diagnostics (implemented in src/diag.c) --------------------------- */

/* Small per-thread number, 1 for the first thread that asks, never 0. */
uint32_t wk_thread_id(void);

/* Print "wakerconf: <what>" to stderr and abort().  Never returns. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
void wk_fatal(const char *fmt, ...);

/* Out-of-line slow paths of the checks below; internal, do not call. */
void wk__check_vtable(const wk_raw_waker_vtable *vt, const char *op);
#if WK_CHECKED
void wk__check_live(const wk_raw_waker *raw, const char *op);
void wk__check_owner(const void *obj, uint32_t owner, const char *op);
void wk__check_cloned(wk_raw_waker raw, const char *op);
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__check_converted(const void *obj, uint32_t owner, const char *op);
extern const wk_raw_waker_vtable wk__moved_vtable;
/* Forces a link error when a checked consumer links an unchecked library. */
extern const int wk_abi_checked;
__attribute__((used)) static const int *const wk__abi_guard = &wk_abi_checked;
#define WK__OWNED(w, op)                                                       \
	do {                                                                   \
		wk__check_live(&(w)->raw, op);                                 \
		if ((w)->wk__owner != 0 && (w)->wk__owner != wk_thread_id())   \
			wk__check_owner((w), (w)->wk__owner, op);              \
	} while (0)
#define WK__MOVED(w)                                                           \
	do {                                                                   \
		(w)->raw.vtable = &wk__moved_vtable;                           \
		(w)->raw.data = (const void *)(uintptr_t)0xdeadull;            \
	} while (0)
#define WK__CLONED(r, op) wk__check_cloned((r), op)
/* A wk_waker never has an owner: one that does is a local waker copied
 * into a waker (WK-LOCAL-004), caught before any vtable call. */
#define WK__SHARED(w, op)                                                      \
	do {                                                                   \
		wk__check_live(&(w)->raw, op);                                 \
		if ((w)->wk__owner != 0)                                       \
			wk__check_converted((w), (w)->wk__owner, op);          \
	} while (0)
#define WK__SET_OWNER(w, v) ((w)->wk__owner = (v))
#else
extern const int wk_abi_unchecked;
__attribute__((used)) static const int *const wk__abi_guard = &wk_abi_unchecked;
#define WK__SHARED(w, op) ((void)0)
#define WK__OWNED(w, op) ((void)0)
#define WK__MOVED(w) ((void)0)
#define WK__CLONED(r, op) ((void)0)
#define WK__SET_OWNER(w, v) ((void)0)
#endif

/* ---- wk_waker ---------------------------------------------------------- */

/*
 * Take ownership of a raw waker.  Aborts with a message when the vtable or
 * any of its four functions is NULL (WK-RAW-007): this is a construction-time
 * check and is present in every build.
 */
static inline wk_waker wk_waker_from_raw(wk_raw_waker raw)
{
	wk_waker w;
	if (raw.vtable == NULL || raw.vtable->clone == NULL || raw.vtable->wake == NULL ||
	    raw.vtable->wake_by_ref == NULL || raw.vtable->drop == NULL)
		wk__check_vtable(raw.vtable, "wk_waker_from_raw");
	w.raw = raw;
	WK__SET_OWNER(&w, 0);
	return w;
}

static inline wk_waker wk_waker_new(const void *data, const wk_raw_waker_vtable *vtable)
{
	wk_raw_waker raw;
	raw.data = data;
	raw.vtable = vtable;
	return wk_waker_from_raw(raw);
}

/* +1: a new waker for the same task.  Provides: whatever the vtable does. */
static inline wk_waker wk_waker_clone(const wk_waker *w)
{
	wk_waker c;
	WK__SHARED(w, "wk_waker_clone");
	c.raw = w->raw.vtable->clone(w->raw.data);
	WK__CLONED(c.raw, "wk_waker_clone");
	WK__SET_OWNER(&c, 0);
	return c;
}

/* Wake the task and consume *w (it is moved-from afterwards). */
static inline void wk_waker_wake(wk_waker *w)
{
	WK__SHARED(w, "wk_waker_wake");
	w->raw.vtable->wake(w->raw.data);
	WK__MOVED(w);
}

/* Wake the task; *w stays valid. */
static inline void wk_waker_wake_by_ref(const wk_waker *w)
{
	WK__SHARED(w, "wk_waker_wake_by_ref");
	w->raw.vtable->wake_by_ref(w->raw.data);
}

/* Release *w without waking (it is moved-from afterwards). */
static inline void wk_waker_drop(wk_waker *w)
{
	WK__SHARED(w, "wk_waker_drop");
	w->raw.vtable->drop(w->raw.data);
	WK__MOVED(w);
}

/*
 * True when both wakers have the same data pointer and the same vtable
 * address.  Best effort: false does not prove different tasks, true proves
 * the same task (WK-WAKER-003).
 */
static inline bool wk_waker_will_wake(const wk_waker *a, const wk_waker *b)
{
	return a->raw.data == b->raw.data && a->raw.vtable == b->raw.vtable;
}

/*
 * Make *dst wake what *src wakes, skipping the clone (and the drop of the
 * old *dst) when they already will_wake (WK-WAKER-004).  *dst must be live.
 */
static inline void wk_waker_clone_from(wk_waker *dst, const wk_waker *src)
{
	wk_waker c;
	if (wk_waker_will_wake(dst, src))
		return;
	c = wk_waker_clone(src);
	wk_waker_drop(dst);
	*dst = c;
}

static inline const void *wk_waker_data(const wk_waker *w)
{
	return w->raw.data;
}

static inline const wk_raw_waker_vtable *wk_waker_vtable(const wk_waker *w)
{
	return w->raw.vtable;
}

/* A static waker whose functions do nothing; never freed, any thread. */
const wk_waker *wk_waker_noop(void);

/*
 * View a waker as a local waker, without cloning (Rust's AsRef<LocalWaker>
 * for Waker).  The view borrows *w: do not wake or drop it by value.
 */
static inline const wk_local_waker *wk_waker_as_local(const wk_waker *w)
{
	return (const wk_local_waker *)(const void *)w;
}

/* ---- wk_local_waker ---------------------------------------------------- */

/* Take ownership of a raw waker on the calling (owner) thread. */
static inline wk_local_waker wk_local_waker_from_raw(wk_raw_waker raw)
{
	wk_local_waker w;
	if (raw.vtable == NULL || raw.vtable->clone == NULL || raw.vtable->wake == NULL ||
	    raw.vtable->wake_by_ref == NULL || raw.vtable->drop == NULL)
		wk__check_vtable(raw.vtable, "wk_local_waker_from_raw");
	w.raw = raw;
	WK__SET_OWNER(&w, wk_thread_id());
	return w;
}

static inline wk_local_waker wk_local_waker_new(const void *data, const wk_raw_waker_vtable *vtable)
{
	wk_raw_waker raw;
	raw.data = data;
	raw.vtable = vtable;
	return wk_local_waker_from_raw(raw);
}

/* +1, owner thread only.  A clone of a view of a wk_waker is owned here. */
static inline wk_local_waker wk_local_waker_clone(const wk_local_waker *w)
{
	wk_local_waker c;
	WK__OWNED(w, "wk_local_waker_clone");
	c.raw = w->raw.vtable->clone(w->raw.data);
	WK__CLONED(c.raw, "wk_local_waker_clone");
	WK__SET_OWNER(&c, wk_thread_id());
	return c;
}

static inline void wk_local_waker_wake(wk_local_waker *w)
{
	WK__OWNED(w, "wk_local_waker_wake");
	w->raw.vtable->wake(w->raw.data);
	WK__MOVED(w);
}

static inline void wk_local_waker_wake_by_ref(const wk_local_waker *w)
{
	WK__OWNED(w, "wk_local_waker_wake_by_ref");
	w->raw.vtable->wake_by_ref(w->raw.data);
}

static inline void wk_local_waker_drop(wk_local_waker *w)
{
	WK__OWNED(w, "wk_local_waker_drop");
	w->raw.vtable->drop(w->raw.data);
	WK__MOVED(w);
}

static inline bool wk_local_waker_will_wake(const wk_local_waker *a, const wk_local_waker *b)
{
	return a->raw.data == b->raw.data && a->raw.vtable == b->raw.vtable;
}

static inline void wk_local_waker_clone_from(wk_local_waker *dst, const wk_local_waker *src)
{
	wk_local_waker c;
	if (wk_local_waker_will_wake(dst, src))
		return;
	c = wk_local_waker_clone(src);
	wk_local_waker_drop(dst);
	*dst = c;
}

static inline const void *wk_local_waker_data(const wk_local_waker *w)
{
	return w->raw.data;
}

static inline const wk_raw_waker_vtable *wk_local_waker_vtable(const wk_local_waker *w)
{
	return w->raw.vtable;
}

/* A static local waker whose functions do nothing (usable on any thread). */
const wk_local_waker *wk_local_waker_noop(void);

#ifdef __cplusplus
}
#endif

#endif /* WK_WAKER_H */
