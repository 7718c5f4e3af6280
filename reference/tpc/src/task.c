/*
 * task.c - a task's life: its state machine, its plain reference count and
 * its local waker.
 *
 * STATE MACHINE (spec/runtime.md, WK-TPC-001..004)
 *
 *                 spawn: adopted by the owner core
 *                                 |
 *                                 v
 *     +--------+   wake     +-----------+   poll begins   +---------+
 *     |  IDLE  |----------->| SCHEDULED |---------------->| RUNNING |
 *     +--------+            +-----------+                 +---------+
 *         ^                   ^      |  ^                   |  |  |
 *         |     Pending       |      |  | wake: coalesced   |  |  | wake
 *         +-------------------|------|--+-------------------+  |  v
 *                             |      |                         | +----------+
 *                             |      |          Pending        | | NOTIFIED |<-+
 *                             +------|-------------------------|-|          |--+ wake:
 *                                    |      (queued again)     | +----------+   coalesced
 *                                    |                         |    |
 *                                    | shutdown        Ready   |    | Ready
 *                                    v                         v    v
 *                              +-----------------------------------------+
 *      IDLE --shutdown-------->|                COMPLETE                 |
 *                              +-----------------------------------------+
 *                                  wake: ignored    poll: never again
 *
 *   from       event              to          run queue
 *   ---------  -----------------  ----------  --------------------------
 *   (new)      adopted by core    SCHEDULED   pushed
 *   IDLE       wake               SCHEDULED   pushed
 *   SCHEDULED  wake               SCHEDULED   already in it (coalesced)
 *   SCHEDULED  popped, poll       RUNNING     -
 *   RUNNING    wake (in the poll) NOTIFIED    - (the wake is remembered)
 *   NOTIFIED   wake               NOTIFIED    - (coalesced)
 *   RUNNING    poll -> Pending    IDLE        -
 *   NOTIFIED   poll -> Pending    SCHEDULED   pushed at the back
 *   RUNNING,   poll -> Ready      COMPLETE    - (future dropped, joiners told)
 *    NOTIFIED
 *   not COMPL. shutdown           COMPLETE    abandoned (future dropped)
 *   COMPLETE   wake               COMPLETE    - (ignored)
 *
 * WHY EVERY TRANSITION IS A RELAXED LOAD AND STORE
 *   Every transition above is an atomic operation (a relaxed atomic load of
 *   the state and a relaxed atomic store of the new one) performed by the
 *   owner core's thread, and only by it: local wakers are owner-only, a wake
 *   through a thread-safe waker on the owner core takes the same path, and a
 *   foreign wake never touches the state: it queues the task's handle on the
 *   owner's remote queue (release), and the owner applies the wake when it
 *   drains that queue (acquire), between two polls.  With one writer no
 *   update can be lost, so no read-modify-write and no fence is needed:
 *   a relaxed load/store is a plain move on x86-64 and arm64.  They are
 *   atomic, not plain, so a diagnostic read from another thread is not a
 *   data race.  What a foreign waker wrote before its wake is published by
 *   the remote queue's release/acquire pair, not by the state.
 *
 *   No lost wake during a poll (WK-TPC-002): a wake while RUNNING moves to
 *   NOTIFIED, and the end of the poll turns NOTIFIED into SCHEDULED instead
 *   of IDLE.  A foreign wake that arrives during the poll sits in the remote
 *   queue and is applied after the poll, to an IDLE (or already SCHEDULED)
 *   task.  No poll after complete (WK-TPC-003): a COMPLETE task is never in
 *   the run queue (it was popped to be polled, and nothing pushes it again),
 *   and its future pointer is cleared before the future is dropped.
 *
 * REFERENCES (owner core only, plain uint32_t)
 *   1 held by the runtime from spawn until the task completes or is dropped
 *   at shutdown, +1 per local waker clone, +1 for a local join handle.  At
 *   zero the task is retired: its handle forgets it, and its memory is freed
 *   (into its core's task cache when it can) unless a shared join handle
 *   still owns it (join.c).
 *
 * WHERE THE CODE IS
 *   The hot transitions (wake, poll, completion, release) are inline in
 *   task_inline.h; this file holds the rest: setting a task up, its local
 *   waker's vtables, retirement, cancellation and orphaning.
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdlib.h>

#include "wk_annotate.h"

static const wk_raw_waker_vtable local_vtable;
static const wk_raw_waker_vtable local_vtable_traced;

/* Only ever read (its state, COMPLETE, and its core, NULL) by wakes of
 * handles whose task is gone. */
wk__tpc_task wk__tpc_retired_task = {.state = WK__TPC_COMPLETE};

/* ---- setting a task up ------------------------------------------------------------- */

wk__tpc_task *wk__tpc_task_new_remote(wk__tpc_shared *shared, wk_future *future, uint8_t kind,
				      uint64_t id)
{
	wk__tpc_task *t = malloc(sizeof *t);
	if (t == NULL)
		return NULL;
	/* Field by field rather than a memset of the whole object: the
	 * wakers and the context are filled in by the adopting core
	 * (wk__tpc_task_prepare), the join fields only when used. */
	t->node.next = NULL;
	t->node.kind = WK__TPC_RNODE_SPAWN;
	atomic_init(&t->state, WK__TPC_IDLE);
	wk__annotate_atomic(&t->state, sizeof t->state);
	t->kind = kind;
	t->own = 0;
	t->refs = 1; /* the runtime's reference */
	t->owner_thread = 0;
	t->core = NULL;
	t->shared = shared;
	t->future = future;
	t->output = NULL;
	t->run_next = NULL;
	t->all.prev = t->all.next = NULL;
	atomic_init(&t->handle, NULL);
	wk__annotate_atomic(&t->handle, sizeof t->handle);
	t->id = id;
	if (kind & WK__TPC_TASK_JOIN_SHARED) {
		atomic_init(&t->join_done, 0);
		wk__annotate_atomic(&t->join_done, sizeof t->join_done);
		atomic_init(&t->join_reg, WK__TPC_REG_WAITING);
		wk__annotate_atomic(&t->join_reg, sizeof t->join_reg);
		atomic_init(&t->join_refs, 2); /* core side + handle */
		wk__annotate_atomic(&t->join_refs, sizeof t->join_refs);
		t->has_join_waiter = false;
		wk__tpc_shared_retain(shared); /* the counters must outlive a late handle */
	}
	return t;
}

void wk__tpc_task_discard(wk__tpc_task *t)
{
	wk__tpc_shared *shared = t->shared;
	bool join = (t->kind & WK__TPC_TASK_JOIN_SHARED) != 0;
	free(t);
	if (join)
		wk__tpc_shared_release(shared);
}

void wk__tpc_task_prepare(wk__tpc_core *core, wk__tpc_task *t)
{
	wk_context_builder b;
	/* Not t->shared: set when the memory was allocated, and read by a
	 * shared join handle on other threads from the spawn on. */
	t->core = core;
	t->owner_thread = core->thread_id;
	/* A deterministic core gets the vtables whose wakes are traced; the
	 * threaded ones never test for a tracer (task_inline.h). */
	t->local_waker = wk_local_waker_new(t, core->det != NULL ? &local_vtable_traced
							       : &local_vtable);
	t->cheap_waker = wk_waker_new(t, core->det != NULL ? &wk__tpc_cheap_vtable_traced
							   : &wk__tpc_cheap_vtable);
	/* Cheap mode: both wakers are lent, so the context is built once and
	 * lent as it is to every poll.  (On_waker mode builds one per poll.) */
	b = wk_context_builder_from_waker(&t->cheap_waker);
	wk_context_builder_local_waker(&b, &t->local_waker);
	t->cx = wk_context_builder_build(&b);
}

void wk__tpc_task_adopt(wk__tpc_core *core, wk__tpc_task *t)
{
	wk__tpc_task_prepare(core, t);
	wk__tpc_core_list_add(core, t);
	wk__tpc_set_state(t, WK__TPC_SCHEDULED);
	wk__tpc_core_schedule(core, t);
	WK__TPC_TRACE(core, WK_TPC_EV_SPAWN, t->id, t->kind);
}

/* ---- transitions made out of line ------------------------------------------------- */

void wk__tpc_task_wake(wk__tpc_task *t)
{
	wk__tpc_task_wake_at(t, true);
}

wk_poll wk__tpc_task_poll_on_waker(wk__tpc_task *t)
{
	/* The lazy storage lives for this poll only: WK-TPC-030 asks for at
	 * most one constructed waker per poll, and the waker it built is
	 * dropped when the poll returns. */
	wk_context_builder b;
	wk_context cx;
	wk_lazy_waker lazy;
	wk_poll r;
	b = wk_context_builder_from_local_waker(&t->local_waker);
	wk_context_builder_on_waker(&b, &lazy, wk__tpc_on_waker_ctor, t);
	cx = wk_context_builder_build(&b);
	r = wk_future_poll(t->future, &cx, &t->output);
	wk_lazy_waker_drop(&lazy);
	return r;
}

void wk__tpc_task_cancel(wk__tpc_task *t)
{
	wk_future *f = t->future;
	t->future = NULL;
	t->own |= WK__TPC_OWN_CANCELLED;
#if defined(WK_TPC_INJECT_DROP_SKIPPED) /* fuzz/: a task with a thread-safe waker is skipped */
	if (atomic_load_explicit(&t->handle, memory_order_relaxed) != NULL)
		f = NULL;
#endif
	if (f != NULL) {
		if (t->core != NULL)
			WK__TPC_TRACE(t->core, WK_TPC_EV_DROP, t->id, 1);
		wk_future_drop(f);
	}
	wk__tpc_join_finish(t, WK_TPC_JOIN_CANCELLED);
	wk__tpc_task_release(t); /* the runtime's reference */
}

/* ---- references ---------------------------------------------------------------------- */

void wk__tpc_task_ref_overflow(const wk__tpc_task *t)
{
	wk_fatal("wk_tpc_local_waker_clone: refcount overflow on task %" PRIu64, t->id);
}

/* retire's general case: a handle, a local join waiter, a shared join
 * handle, an orphan, or a task dropped at shutdown. */
static void retire_slow(wk__tpc_task *t)
{
	wk__tpc_core *core = t->core;
	wk__tpc_shared *shared = t->shared;
	bool orphan = (t->own & WK__TPC_OWN_ORPHAN) != 0;
	bool shared_join = (t->kind & WK__TPC_TASK_JOIN_SHARED) != 0;
	/* acquire: the handle may have been installed by another thread. */
	wk__tpc_handle *h = atomic_load_explicit(&t->handle, memory_order_acquire);

	if (h != NULL) {
		/* The acquire of the load above (the install edge, waker.c). */
		wk__annotate_acquire(h);
		/* owner-only field: later wakes find a COMPLETE placeholder */
		h->task = &wk__tpc_retired_task;
		/* relaxed: the task is not polling, so no thread-safe waker can
		 * be cloned from its cheap waker any more; cached memory must
		 * have no handle (core.c, spawn_here). */
		atomic_store_explicit(&t->handle, NULL, memory_order_relaxed);
		wk__tpc_handle_release(h);
	}
	if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
		t->own &= (uint8_t)~WK__TPC_OWN_LOCAL_WAITER;
		wk_local_waker_drop(&t->join_local);
	}
	if (core != NULL)
		wk__tpc_core_list_remove(t);

	if (shared_join && !wk__tpc_join_core_release(t)) {
		/* A shared join handle still owns the memory and frees it later,
		 * off this core's books: move the count to the shared counter. */
		if (core != NULL) {
			wk__tpc_core_live_add(core, -1);
			/* relaxed: a statistic; see wk_tpc_live_tasks for its reading. */
			atomic_fetch_add_explicit(&shared->foreign_tasks, 1, memory_order_relaxed);
		}
		if (orphan)
			wk__tpc_shared_release(shared);
		return;
	}
	if (shared_join)
		wk__tpc_join_cell_clear(t);
	if (core != NULL) {
		wk__tpc_core_live_add(core, -1);
		t->own = 0; /* cached memory has no owner flags */
		wk__tpc_core_free_task(core, t);
	} else {
		/* relaxed: a statistic. */
		atomic_fetch_sub_explicit(&shared->foreign_tasks, 1, memory_order_relaxed);
		free(t);
	}
	if (shared_join)
		wk__tpc_shared_release(shared);
	if (orphan)
		wk__tpc_shared_release(shared);
}

/* refs reached zero: nothing on the owner's side refers to the task any more. */
void wk__tpc_task_retire(wk__tpc_task *t)
{
	/* The common case (no owner flags, so not an orphan: its core is
	 * alive; no shared join; no handle): off the task list and into the
	 * cache.  acquire: the handle may have been installed by another
	 * thread (a plain load on x86-64). */
	if (WK__TPC_LIKELY(t->own == 0 && !(t->kind & WK__TPC_TASK_JOIN_SHARED) &&
			   atomic_load_explicit(&t->handle, memory_order_acquire) == NULL)) {
		wk__tpc_core *core = t->core;
		wk__tpc_core_list_remove(t);
		wk__tpc_core_live_add(core, -1);
		wk__tpc_core_free_task(core, t);
		return;
	}
	retire_slow(t);
}

void wk__tpc_task_orphan(wk__tpc_task *t)
{
	wk__tpc_core *core = t->core;
	wk__tpc_core_list_remove(t);
	wk__tpc_core_live_add(core, -1);
	/* relaxed: a statistic. */
	atomic_fetch_add_explicit(&t->shared->foreign_tasks, 1, memory_order_relaxed);
	wk__tpc_shared_retain(t->shared);
	t->own |= WK__TPC_OWN_ORPHAN;
	t->core = NULL;
}

/* ---- the local waker: plain refcount, owner core only ------------------------- */

/*
 * Two vtables with the same functions, instantiated from the same inline
 * code: local_vtable for threaded cores (no trace test), local_vtable_traced
 * for deterministic ones (the wake is recorded).  A clone keeps the vtable
 * of what it was cloned from.
 */

#if WK_CHECKED
static void check_owner(const wk__tpc_task *t, const char *op)
{
	uint32_t me = wk_thread_id();
	if (t->owner_thread != 0 && t->owner_thread != me)
		wk_fatal("%s: local waker of task %" PRIu64 " owned by thread %u used on thread %u", op,
			 t->id, t->owner_thread, me);
}
#define CHECK_OWNER(t, op) check_owner((t), (op))
#else
#define CHECK_OWNER(t, op) ((void)0)
#endif

static inline wk_raw_waker local_clone_at(const void *data, const wk_raw_waker_vtable *vt)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	wk_raw_waker raw;
	CHECK_OWNER(t, "wk_tpc_local_waker_clone");
	wk__tpc_task_retain(t);
	raw.data = data;
	raw.vtable = vt;
	return raw;
}

static inline void local_wake_at(const void *data, bool may_trace)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_wake");
	wk__tpc_task_wake_at(t, may_trace);
	wk__tpc_task_release(t);
}

static inline void local_wake_by_ref_at(const void *data, bool may_trace)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_wake_by_ref");
	wk__tpc_task_wake_at(t, may_trace);
}

static void local_drop(const void *data)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_drop");
	wk__tpc_task_release(t);
}

static wk_raw_waker local_clone(const void *data)
{
	return local_clone_at(data, &local_vtable);
}

static void local_wake(const void *data)
{
	local_wake_at(data, false);
}

static void local_wake_by_ref(const void *data)
{
	local_wake_by_ref_at(data, false);
}

static const wk_raw_waker_vtable local_vtable = {
	local_clone,
	local_wake,
	local_wake_by_ref,
	local_drop,
};

static wk_raw_waker local_clone_traced(const void *data)
{
	return local_clone_at(data, &local_vtable_traced);
}

static void local_wake_traced(const void *data)
{
	local_wake_at(data, true);
}

static void local_wake_by_ref_traced(const void *data)
{
	local_wake_by_ref_at(data, true);
}

static const wk_raw_waker_vtable local_vtable_traced = {
	local_clone_traced,
	local_wake_traced,
	local_wake_by_ref_traced,
	local_drop,
};
