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
 *   unless a shared join handle still owns it (join.c).
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdlib.h>

static const wk_raw_waker_vtable local_vtable;

/* ---- allocation ------------------------------------------------------------ */

wk__tpc_task *wk__tpc_task_new(wk__tpc_core *core, wk__tpc_shared *shared, wk_future *future,
			       uint8_t kind, uint64_t id)
{
	wk__tpc_task *t;
	if (core != NULL && core->cache != NULL) {
		t = core->cache;
		core->cache = t->run_next;
		core->cache_len--;
	} else {
		t = malloc(sizeof *t);
		if (t == NULL)
			return NULL;
	}
	/* Field by field rather than a memset of the whole object: spawn is a
	 * hot path, and the wakers and join fields are set where they are used
	 * (adopt, join.c) or guarded by a flag. */
	t->node.next = NULL;
	t->node.kind = WK__TPC_RNODE_SPAWN;
	atomic_init(&t->state, WK__TPC_IDLE);
	t->kind = kind;
	t->own = 0;
	t->refs = 1; /* the runtime's reference */
	t->owner_thread = 0;
	t->core = NULL;
	t->shared = shared;
	t->future = future;
	t->run_next = t->all_prev = t->all_next = NULL;
	atomic_init(&t->handle, NULL);
	t->id = id;
	t->output = NULL;
	if (kind & WK__TPC_TASK_JOIN_LOCAL)
		t->refs++;
	if (kind & WK__TPC_TASK_JOIN_SHARED) {
		atomic_init(&t->join_done, 0);
		atomic_init(&t->join_reg, WK__TPC_REG_WAITING);
		atomic_init(&t->join_refs, 2); /* core side + handle */
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

void wk__tpc_task_adopt(wk__tpc_core *core, wk__tpc_task *t)
{
	t->core = core;
	t->owner_thread = wk_thread_id();
	t->local_waker = wk_local_waker_new(t, &local_vtable);
	t->cheap_waker = wk_waker_new(t, &wk__tpc_cheap_vtable);
	t->all_prev = NULL;
	t->all_next = core->all_head;
	if (core->all_head != NULL)
		core->all_head->all_prev = t;
	core->all_head = t;
	wk__tpc_set_state(t, WK__TPC_SCHEDULED);
	wk__tpc_core_schedule(core, t);
	WK__TPC_TRACE(core, WK_TPC_EV_SPAWN, t->id, t->kind);
}

/* ---- state transitions --------------------------------------------------------- */

void wk__tpc_task_wake(wk__tpc_task *t)
{
	uint8_t s = wk__tpc_state(t);
	if (s == WK__TPC_IDLE) {
		wk__tpc_set_state(t, WK__TPC_SCHEDULED);
		wk__tpc_core_schedule(t->core, t);
	} else if (s == WK__TPC_RUNNING) {
		wk__tpc_set_state(t, WK__TPC_NOTIFIED);
	}
	/* SCHEDULED, NOTIFIED: coalesced.  COMPLETE: ignored (an orphan is
	 * always COMPLETE, so t->core is never touched after shutdown). */
	if (t->core != NULL)
		WK__TPC_TRACE(t->core, WK_TPC_EV_WAKE, t->id, s);
}

static void finish(wk__tpc_core *core, wk__tpc_task *t, void *output)
{
	wk_future *f = t->future;
	wk__tpc_set_state(t, WK__TPC_COMPLETE);
	WK__TPC_TRACE(core, WK_TPC_EV_READY, t->id, 0);
	t->future = NULL; /* before the drop: nothing can reach it again */
	t->output = output;
	WK__TPC_TRACE(core, WK_TPC_EV_DROP, t->id, 0);
	wk_future_drop(f);
	wk__tpc_join_finish(t, WK_TPC_JOIN_READY);
	wk__tpc_task_release(t); /* the runtime's reference */
}

void wk__tpc_task_poll(wk__tpc_core *core, wk__tpc_task *t)
{
	wk_context_builder b;
	wk_context cx;
	void *output = NULL;
	wk_poll r;

	wk__tpc_set_state(t, WK__TPC_RUNNING);
	WK__TPC_TRACE(core, WK_TPC_EV_POLL, t->id, 0);
	if (WK__TPC_LIKELY(core->waker_kind == WK_TPC_WAKER_CHEAP)) {
		/* Both wakers are lent: building the context counts nothing. */
		b = wk_context_builder_from_waker(&t->cheap_waker);
		wk_context_builder_local_waker(&b, &t->local_waker);
		cx = wk_context_builder_build(&b);
		r = wk_future_poll(t->future, &cx, &output);
	} else {
		wk_lazy_waker lazy;
		b = wk_context_builder_from_local_waker(&t->local_waker);
		wk_context_builder_on_waker(&b, &lazy, wk__tpc_on_waker_ctor, t);
		cx = wk_context_builder_build(&b);
		r = wk_future_poll(t->future, &cx, &output);
		wk_lazy_waker_drop(&lazy);
	}
	if (r == WK_READY) {
		finish(core, t, output);
		return;
	}
	if (wk__tpc_state(t) == WK__TPC_NOTIFIED) {
		wk__tpc_set_state(t, WK__TPC_SCHEDULED);
		wk__tpc_core_schedule(core, t);
		WK__TPC_TRACE(core, WK_TPC_EV_PENDING, t->id, 1);
	} else {
		wk__tpc_set_state(t, WK__TPC_IDLE);
		WK__TPC_TRACE(core, WK_TPC_EV_PENDING, t->id, 0);
	}
}

void wk__tpc_task_cancel(wk__tpc_task *t)
{
	wk_future *f = t->future;
	t->future = NULL;
	t->own |= WK__TPC_OWN_CANCELLED;
	if (f != NULL) {
		if (t->core != NULL)
			WK__TPC_TRACE(t->core, WK_TPC_EV_DROP, t->id, 1);
		wk_future_drop(f);
	}
	wk__tpc_join_finish(t, WK_TPC_JOIN_CANCELLED);
	wk__tpc_task_release(t); /* the runtime's reference */
}

/* ---- references -------------------------------------------------------------- */

void wk__tpc_task_retain(wk__tpc_task *t)
{
	if (WK__TPC_UNLIKELY(t->refs == UINT32_MAX))
		wk_fatal("wk_tpc_local_waker_clone: refcount overflow on task %" PRIu64, t->id);
	t->refs++;
}

static void unlink_task(wk__tpc_core *core, wk__tpc_task *t)
{
	if (t->all_prev != NULL)
		t->all_prev->all_next = t->all_next;
	else
		core->all_head = t->all_next;
	if (t->all_next != NULL)
		t->all_next->all_prev = t->all_prev;
}

/* refs reached zero: nothing on the owner's side refers to the task any more. */
static void retire(wk__tpc_task *t)
{
	wk__tpc_core *core = t->core;
	wk__tpc_shared *shared = t->shared;
	bool orphan = (t->own & WK__TPC_OWN_ORPHAN) != 0;
	bool shared_join = (t->kind & WK__TPC_TASK_JOIN_SHARED) != 0;
	/* acquire: the handle may have been installed by another thread. */
	wk__tpc_handle *h = atomic_load_explicit(&t->handle, memory_order_acquire);

	if (h != NULL) {
		h->task = NULL; /* owner-only field: later remote wakes find nothing */
		wk__tpc_handle_release(h);
	}
	if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
		t->own &= (uint8_t)~WK__TPC_OWN_LOCAL_WAITER;
		wk_local_waker_drop(&t->join_local);
	}
	if (core != NULL)
		unlink_task(core, t);

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

void wk__tpc_task_release(wk__tpc_task *t)
{
	if (--t->refs == 0)
		retire(t);
}

void wk__tpc_task_orphan(wk__tpc_task *t)
{
	wk__tpc_core *core = t->core;
	unlink_task(core, t);
	wk__tpc_core_live_add(core, -1);
	/* relaxed: a statistic. */
	atomic_fetch_add_explicit(&t->shared->foreign_tasks, 1, memory_order_relaxed);
	wk__tpc_shared_retain(t->shared);
	t->own |= WK__TPC_OWN_ORPHAN;
	t->core = NULL;
}

/* ---- the local waker: plain refcount, owner core only ------------------------- */

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

static wk_raw_waker local_clone(const void *data)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	wk_raw_waker raw;
	CHECK_OWNER(t, "wk_tpc_local_waker_clone");
	wk__tpc_task_retain(t);
	raw.data = data;
	raw.vtable = &local_vtable;
	return raw;
}

static void local_wake(const void *data)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_wake");
	wk__tpc_task_wake(t);
	wk__tpc_task_release(t);
}

static void local_wake_by_ref(const void *data)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_wake_by_ref");
	wk__tpc_task_wake(t);
}

static void local_drop(const void *data)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	CHECK_OWNER(t, "wk_tpc_local_waker_drop");
	wk__tpc_task_release(t);
}

static const wk_raw_waker_vtable local_vtable = {
	local_clone,
	local_wake,
	local_wake_by_ref,
	local_drop,
};
