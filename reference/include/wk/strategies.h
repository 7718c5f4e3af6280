/*
 * wk/strategies.h - the other two waker strategies of seed 002 as ready-made
 * constructors (the third, a reference-counted task pointer, is wk/wake.h).
 *
 * Normative contract: spec/api.md (ids WK-STRAT-*).
 *
 * 1. STATIC FLAG.  The waker's data is the address of a wk_flag with static
 *    (or otherwise longer-than-every-waker) lifetime; wake raises the flag,
 *    clone and drop do nothing.  For single-task executors and embedded use.
 *    Thread-safe.
 *
 * 2. TASK ID.  The waker's data is an id, not a pointer: an index into a
 *    slot table plus the slot's generation (and the table's own registry
 *    index and generation).  Waking a live id marks that slot woken and
 *    calls the table's notify hook; waking a stale id (slot released, maybe
 *    reused; or table freed) does nothing.  Clone and drop do nothing.
 *    Thread-safe; wake never blocks (it may retry a CAS).
 *
 *    Id wrap-around: generations are 20 bits; an id goes stale-but-valid
 *    again only after its slot has been reused 2^20 times while the old
 *    waker was kept.  Capacity is at most 2^20 - 1 slots per table and at
 *    most 1023 live tables per process.  64-bit platforms only.
 */
#ifndef WK_STRATEGIES_H
#define WK_STRATEGIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/waker.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- static flag ------------------------------------------------------- */

typedef struct wk_flag {
	_Atomic uint32_t state; /* 0 clear, 1 raised, 2 clear with a sleeper */
} wk_flag;

#define WK_FLAG_INIT {0}

/* A waker that raises *flag.  Provides release ordering on wake. */
wk_waker wk_flag_waker(wk_flag *flag);
/* Clear the flag and return whether it was raised.  Provides acquire. */
bool wk_flag_take(wk_flag *flag);
/* Block the calling thread until the flag is raised, then clear it. */
void wk_flag_wait(wk_flag *flag);

/* ---- task id into a slot table ----------------------------------------- */

typedef struct wk_slot_table wk_slot_table;
typedef uint64_t wk_slot_id; /* 0 is never a valid id */

/* Called from the waking thread after a slot turns woken.  Must not block
 * and must not free the table. */
typedef void (*wk_slot_notify_fn)(void *arg);

/* NULL when capacity is 0 or too large, or on out of memory. */
wk_slot_table *wk_slot_table_new(uint32_t capacity, wk_slot_notify_fn notify, void *arg);
/* Free the table.  Wakers of its ids stay safe to wake, clone and drop. */
void wk_slot_table_free(wk_slot_table *t);

/* Claim a free slot; 0 when the table is full. */
wk_slot_id wk_slot_alloc(wk_slot_table *t);
/* Release a slot; bumps its generation so every old id turns stale. */
void wk_slot_release(wk_slot_table *t, wk_slot_id id);
/* A waker for id (no allocation, no refcount). */
wk_waker wk_slot_waker(wk_slot_table *t, wk_slot_id id);

/* Collect up to max woken ids into out (each at most once per wake burst),
 * clearing their woken mark.  Owner thread only.  Returns the count. */
size_t wk_slot_drain(wk_slot_table *t, wk_slot_id *out, size_t max);
/* True when id names a slot that is allocated now (not stale). */
bool wk_slot_live(const wk_slot_table *t, wk_slot_id id);

#ifdef __cplusplus
}
#endif

#endif /* WK_STRATEGIES_H */
