/*
 * dx_task.c - a task's state machine, its references and its two wakers.
 *
 * STATE MACHINE (every transition an atomic read-modify-write on `state`)
 *
 *   from        event                    to         run queue
 *   IDLE        wake                     SCHEDULED  pushed (takes a reference)
 *   SCHEDULED   wake                     -          coalesced
 *   SCHEDULED   popped by the driver     RUNNING
 *   RUNNING     wake                     NOTIFIED   - (remembered)
 *   NOTIFIED    wake                     -          coalesced
 *   RUNNING     poll -> Pending          IDLE       reference dropped
 *   NOTIFIED    poll -> Pending          SCHEDULED  pushed again (reference kept)
 *   RUNNING/    poll -> Ready            COMPLETE   future dropped
 *     NOTIFIED
 *   not COMPL.  destroy                  COMPLETE   future dropped
 *   COMPLETE    wake                     -          ignored
 *
 * ORDERING
 *   Every write of `state` is an acq_rel read-modify-write, so that every
 *   wake is a release the driver's next transition acquires: the poll it
 *   causes sees what the waking thread wrote before the wake (WK-EXEC-014).
 *   A wake that finds the task SCHEDULED or NOTIFIED still writes the
 *   state (the same value, by compare-and-swap): a plain load there would
 *   coalesce the wake without publishing its writes.  For the same reason
 *   the driver leaves NOTIFIED by an exchange, not a store (a store would
 *   end the release sequence of a wake that coalesced onto NOTIFIED).  The
 *   run queue's mutex orders the push and the pop as well; the state word
 *   is what covers coalesced wakes.
 *   refs: retain relaxed (made from a held reference), release acq_rel
 *   (the last one sees every holder's use before the free; not release +
 *   fence, which ThreadSanitizer ignores).
 *
 * REFERENCES
 *   refs (atomic): one per thread-safe waker clone, one for the run queue
 *     entry (from the push that queued the task to the end of its poll),
 *     one "owner side" held while local_refs is non-zero.
 *   local_refs (plain): the executor's own reference (until the task
 *     completes or destroy cancels it) plus one per local-waker clone.
 *     Local wakers are used on the driver thread only (LocalWaker
 *     contract), and every poll and drop happens there, so a plain count
 *     is enough; it never sits behind a thread-safe waker.
 *
 * ANNOTATIONS (wkc/annotate.h)
 *   wkc_annotate_wake(t) in every wake before the state CAS that publishes
 *   it, wkc_annotate_poll(t) after the driver took the task and before the
 *   poll, wkc_annotate_freeing(t) before the free; `state` and `refs` are
 *   declared atomic to helgrind/DRD when the task is made.
 *   The task's reference count is deliberately NOT annotated per decrement
 *   (the release/acquire pair of linux/refcount.h that annotate.h
 *   describes).  What a foreign thread touches before it drops a reference
 *   is the task's atomics, `shared` (written before the task was
 *   published), `qnext` under the queue mutex, and the shared block's mutex
 *   and condvar in a push; helgrind and DRD do not treat free as a write
 *   (by default), and ThreadSanitizer sees an instrumented build's atomics
 *   itself.  The one ordering those tools must be told is "a push
 *   happens-before the shared block's free", and dx_queue_push states it on
 *   the block's own count, once per push.  Per decrement, the edge is
 *   costly: clone and drop of a thread-safe waker are what the waker checks
 *   hammer from several threads, and each happens-before request costs DRD
 *   a new segment; annotated that way, the executor ran those checks about
 *   a hundred times slower under DRD, and exec.waker.atomic_count ran out
 *   of its settle time (a lost-wakeup verdict on a correct executor).
 *
 * The context of each poll lends both wakers; a future that keeps one
 * clones it.
 */
#include "dx.h"

#include <stdlib.h>

#include "wkc/annotate.h"

static const wk_raw_waker_vtable ts_vtable;
static const wk_raw_waker_vtable local_vtable;

/* ---- references ------------------------------------------------------------------ */

static void task_retain(dx_task *t)
{
	/* relaxed: made from a reference the caller holds; it cannot be zero. */
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

static void task_free(dx_task *t)
{
	dx_shared *s = t->shared;
	wkc_annotate_freeing(t); /* the wake -> poll edge's object */
	free(t);
	/* relaxed: a counter (see dx_live_tasks); orders nothing. */
	atomic_fetch_sub_explicit(&s->live, 1, memory_order_relaxed);
	dx_shared_release(s); /* may free s: nothing of s after this */
}

void dx_task_release(dx_task *t)
{
	/* acq_rel: publishes this holder's use; the last one sees all before the free. */
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1)
		task_free(t); /* not annotated: see ANNOTATIONS */
}

/* Driver thread only (see REFERENCES). */
static void local_retain(dx_task *t)
{
	t->local_refs++;
}

static void local_release(dx_task *t)
{
	if (--t->local_refs == 0)
		dx_task_release(t); /* the owner side reference */
}

dx_task *dx_task_new(dx_shared *s, wk_future *f)
{
	dx_task *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	atomic_init(&t->state, DX_SCHEDULED); /* the spawn is its first wake */
	wkc_annotate_atomic(&t->state, sizeof t->state);
	atomic_init(&t->refs, 2); /* owner side + the spawn's queue entry */
	wkc_annotate_atomic(&t->refs, sizeof t->refs);
	t->local_refs = 1; /* the executor's */
	t->future = f;
	t->shared = s;
	dx_shared_retain(s);
	/* relaxed: a counter (see dx_live_tasks); orders nothing. */
	atomic_fetch_add_explicit(&s->live, 1, memory_order_relaxed);
	return t;
}

/* ---- the executor's list of unfinished tasks (driver thread) -------------------------- */

void dx_task_link(wkc_executor *ex, dx_task *t)
{
	t->prev = NULL;
	t->next = ex->tasks;
	if (ex->tasks != NULL)
		ex->tasks->prev = t;
	ex->tasks = t;
}

static void unlink_task(wkc_executor *ex, dx_task *t)
{
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		ex->tasks = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

/* ---- waking ------------------------------------------------------------------------ */

/* Any thread; the caller holds a reference to t. */
static void task_wake(dx_task *t)
{
	/* relaxed: a first guess; the CAS below decides and re-reads. */
	uint32_t s = atomic_load_explicit(&t->state, memory_order_relaxed);
	wkc_annotate_wake(t);
	for (;;) {
		uint32_t next;
		switch (s) {
		case DX_IDLE:
			next = DX_SCHEDULED;
			break;
		case DX_RUNNING:
			next = DX_NOTIFIED;
			break;
		case DX_SCHEDULED:
		case DX_NOTIFIED:
			next = s; /* coalesced, but published: see the file comment */
			break;
		default:
			return; /* COMPLETE: nothing to poll, nothing to publish */
		}
		/* acq_rel: publishes the waker's writes to the driver's next RMW (ORDERING). */
		if (atomic_compare_exchange_weak_explicit(&t->state, &s, next, memory_order_acq_rel,
							  memory_order_acquire))
			break;
	}
	if (s != DX_IDLE)
		return;
	task_retain(t); /* the queue entry's */
	if (!dx_queue_push(t->shared, t)) {
		/* Closed: destroy is cancelling every task itself and will
		 * find this one SCHEDULED; the wake has nothing left to do. */
		dx_task_release(t);
	}
}

/* ---- wakers -------------------------------------------------------------------------- */

static wk_raw_waker ts_clone(const void *data)
{
	wk_raw_waker raw;
	task_retain((dx_task *)(uintptr_t)data);
	raw.data = data;
	raw.vtable = &ts_vtable;
	return raw;
}

static void ts_wake(const void *data)
{
	dx_task *t = (dx_task *)(uintptr_t)data;
	task_wake(t);
	dx_task_release(t);
}

static void ts_wake_by_ref(const void *data)
{
	task_wake((dx_task *)(uintptr_t)data);
}

static void ts_drop(const void *data)
{
	dx_task_release((dx_task *)(uintptr_t)data);
}

static const wk_raw_waker_vtable ts_vtable = {ts_clone, ts_wake, ts_wake_by_ref, ts_drop};

/* The local waker: plain count, driver thread only (by the LocalWaker
 * contract; a checked build of the API enforces it at the call). */
static wk_raw_waker local_clone(const void *data)
{
	wk_raw_waker raw;
	local_retain((dx_task *)(uintptr_t)data);
	raw.data = data;
	raw.vtable = &local_vtable;
	return raw;
}

static void local_wake(const void *data)
{
	dx_task *t = (dx_task *)(uintptr_t)data;
	task_wake(t);
	local_release(t);
}

static void local_wake_by_ref(const void *data)
{
	task_wake((dx_task *)(uintptr_t)data);
}

static void local_drop(const void *data)
{
	local_release((dx_task *)(uintptr_t)data);
}

static const wk_raw_waker_vtable local_vtable = {local_clone, local_wake, local_wake_by_ref,
						 local_drop};

/* ---- the driver's side ---------------------------------------------------------------- */

static wk_poll poll_once(dx_task *t)
{
	void *out = NULL;
	wk_waker waker = wk_waker_new(t, &ts_vtable);                /* lent: owns nothing */
	wk_local_waker local = wk_local_waker_new(t, &local_vtable); /* lent */
	wk_context_builder b = wk_context_builder_from_waker(&waker);
	wk_context cx;
	wk_context_builder_local_waker(&b, &local);
	cx = wk_context_builder_build(&b);
	return wk_future_poll(t->future, &cx, &out);
}

void dx_task_run(wkc_executor *ex, dx_task *t)
{
	uint32_t s = DX_SCHEDULED;
	/* acq_rel: acquires every wake since the last poll (ORDERING). */
	if (!atomic_compare_exchange_strong_explicit(&t->state, &s, DX_RUNNING,
						     memory_order_acq_rel, memory_order_acquire)) {
		/* Cannot happen: only the driver moves a task out of
		 * SCHEDULED, and destroy empties the queue before it cancels.
		 * Drop the entry rather than poll something not scheduled. */
		dx_task_release(t);
		return;
	}
	wkc_annotate_poll(t);
	if (poll_once(t) == WK_READY) {
		/* acq_rel: later wakes see COMPLETE; reads a NOTIFIED left by the poll. */
		(void)atomic_exchange_explicit(&t->state, DX_COMPLETE, memory_order_acq_rel);
		/* Outside any lock: the drop may wake or drop wakers, this
		 * task's (now inert) or other tasks' (queued normally). */
		wk_future_drop(t->future);
		t->future = NULL;
		unlink_task(ex, t);
		local_release(t);   /* the executor's reference */
		dx_task_release(t); /* the queue entry's: may free t */
		return;
	}
	s = DX_RUNNING;
	/* acq_rel: publishes the poll to the next waker, or acquires a NOTIFIED. */
	if (atomic_compare_exchange_strong_explicit(&t->state, &s, DX_IDLE, memory_order_acq_rel,
						    memory_order_acquire)) {
		dx_task_release(t); /* the queue entry's; the owner side keeps t */
		return;
	}
	/* NOTIFIED: queue it again, keeping the queue reference.  acq_rel, and
	 * an exchange: still acquires a wake that coalesced after the CAS. */
	(void)atomic_exchange_explicit(&t->state, DX_SCHEDULED, memory_order_acq_rel);
	if (!dx_queue_push(t->shared, t))
		dx_task_release(t); /* only destroy closes, and it does not run polls */
}

void dx_task_cancel(wkc_executor *ex, dx_task *t)
{
	/* acq_rel: later wakes see COMPLETE and do nothing. */
	if (atomic_exchange_explicit(&t->state, DX_COMPLETE, memory_order_acq_rel) != DX_COMPLETE) {
		wk_future *f = t->future;
		t->future = NULL;
		/* Outside any lock (WK-EXEC-017): this drop may wake or drop
		 * wakers of tasks not cancelled yet (their pushes fail: the
		 * queue is closed) or already cancelled (inert). */
		wk_future_drop(f);
	}
	unlink_task(ex, t);
	local_release(t); /* the executor's reference */
}
