/*
 * join.c - join handles: await another task's output (WK-TPC-016).
 *
 * A join handle is the task itself, seen from outside.  Two kinds:
 *
 * LOCAL (a core spawns a WK_TPC_SPAWN_LOCAL future onto itself)
 *   Usable on that core only.  The handle is one plain reference on the
 *   task; the waiting task's local waker is kept in task->join_local and
 *   woken when the task finishes.  No atomic anywhere.
 *
 * SHARED (every other spawn that asks for a handle)
 *   Usable from any thread, also after the runtime is gone.  The memory has
 *   two owners counted in join_refs (the core side, released when the task
 *   retires, and the handle); the last one frees it.  The waiter is
 *   registered with the protocol of futures-rs AtomicWaker (states WAITING,
 *   REGISTERING, WAKING in join_reg): the waiter slot is touched only by
 *   whoever moved join_reg out of WAITING, and a wake that lands while a
 *   registration runs is handed to the registering side, so it is never
 *   lost and never blocks.  The result is published in join_done.
 *
 * ORDERING
 *   join_done: store release by the owner after writing the output; load
 *     acquire by the handle, so the output is visible.
 *   join_reg: acq_rel RMWs on both sides: each side's use of the waiter slot
 *     happens-before the other side's next use.
 *   join_refs: acq_rel decrement: the last owner sees the other's last use
 *     before freeing.
 *   Each edge is also stated with wkc/annotate.h beside its atomic
 *   operation (keyed by the word), for helgrind and DRD.
 *
 * wk_tpc_join_wait blocks a plain thread with a heap wk_wake object whose
 * wake raises a wk_flag: refcounted, so a completion that wakes it after
 * the waiter returned still touches live memory.
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdlib.h>

#include "wk_annotate.h"

/* The acquire of a load of join_done that saw the task finished. */
static uint32_t done_seen(wk__tpc_task *t, uint32_t done)
{
	if (done != 0)
		wk__annotate_acquire(&t->join_done);
	return done;
}

/* ---- the shared cell ---------------------------------------------------------- */

static void cell_register(wk__tpc_task *t, const wk_waker *w)
{
	uint32_t cur = WK__TPC_REG_WAITING;
	bool won;
	wk__annotate_release(&t->join_reg); /* the CAS's release half */
	/* acq_rel/acquire: take exclusive use of the waiter slot and see the
	 * previous user's writes to it. */
	won = atomic_compare_exchange_strong_explicit(&t->join_reg, &cur, WK__TPC_REG_REGISTERING,
						      memory_order_acq_rel, memory_order_acquire);
	wk__annotate_acquire(&t->join_reg); /* its acquire half, success or failure */
	if (won) {
		if (t->has_join_waiter) {
			wk_waker_clone_from(&t->join_waiter, w);
		} else {
			t->join_waiter = wk_waker_clone(w);
			t->has_join_waiter = true;
		}
		cur = WK__TPC_REG_REGISTERING;
		wk__annotate_release(&t->join_reg); /* the CAS's release half */
		/* acq_rel: publish the slot to a later wake. */
		won = atomic_compare_exchange_strong_explicit(&t->join_reg, &cur, WK__TPC_REG_WAITING,
							      memory_order_acq_rel,
							      memory_order_acquire);
		wk__annotate_acquire(&t->join_reg); /* its acquire half */
		if (won)
			return;
		/* A wake arrived meanwhile (REGISTERING|WAKING) and left the
		 * waiter to us: hand it its wake. */
		{
			wk_waker taken = t->join_waiter;
			t->has_join_waiter = false;
			wk__annotate_release(&t->join_reg); /* the store's release */
			/* release: the slot is empty again for the next user. */
			atomic_store_explicit(&t->join_reg, WK__TPC_REG_WAITING, memory_order_release);
			wk_waker_wake(&taken);
		}
	} else if (cur == WK__TPC_REG_WAKING) {
		/* A wake is running right now: make sure this waker sees it. */
		wk_waker_wake_by_ref(w);
	}
	/* Otherwise a registration is running concurrently, which one handle
	 * holder never does. */
}

static void cell_wake(wk__tpc_task *t)
{
	uint32_t prev;
	wk__annotate_release(&t->join_reg); /* the RMW's release half */
	/* acq_rel: see the registrar's slot writes; announce the wake. */
	prev = atomic_fetch_or_explicit(&t->join_reg, WK__TPC_REG_WAKING, memory_order_acq_rel);
	wk__annotate_acquire(&t->join_reg); /* its acquire half */
	if (prev == WK__TPC_REG_WAITING) {
		wk_waker taken;
		bool had = t->has_join_waiter;
		if (had) {
			taken = t->join_waiter;
			t->has_join_waiter = false;
		}
		wk__annotate_release(&t->join_reg); /* the RMW's release */
		/* release: the slot is free for a later registration. */
		atomic_fetch_and_explicit(&t->join_reg, ~WK__TPC_REG_WAKING, memory_order_release);
		if (had)
			wk_waker_wake(&taken);
	}
	/* prev had REGISTERING: that side sees WAKING and wakes its waker. */
}

void wk__tpc_join_cell_clear(wk__tpc_task *t)
{
	/* Both owners are done: nothing else can touch the slot. */
	if (t->has_join_waiter) {
		t->has_join_waiter = false;
		wk_waker_drop(&t->join_waiter);
	}
	/* Right before the memory is freed or cached: forget its edges. */
	wk__annotate_freeing(&t->join_done);
	wk__annotate_freeing(&t->join_reg);
	wk__annotate_freeing(&t->join_refs);
}

/* ---- the owner's side ----------------------------------------------------------- */

void wk__tpc_join_finish(wk__tpc_task *t, wk_tpc_join_status status)
{
	if (t->kind & WK__TPC_TASK_JOIN_LOCAL) {
		if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
			wk_local_waker w = t->join_local;
			t->own &= (uint8_t)~WK__TPC_OWN_LOCAL_WAITER;
			wk_local_waker_wake(&w);
		}
	} else if (t->kind & WK__TPC_TASK_JOIN_SHARED) {
		wk__annotate_release(&t->join_done); /* the store's release */
		/* release: the output written before is visible to the handle. */
		atomic_store_explicit(&t->join_done, (uint32_t)status, memory_order_release);
		cell_wake(t);
	}
}

bool wk__tpc_join_core_release(wk__tpc_task *t)
{
	wk__annotate_release(&t->join_refs); /* the decrement's release half */
	/* acq_rel: the last owner sees the other's last use before freeing. */
	if (atomic_fetch_sub_explicit(&t->join_refs, 1, memory_order_acq_rel) != 1)
		return false;
	wk__annotate_acquire(&t->join_refs); /* the last one's acquire half */
	return true;
}

static void shared_handle_release(wk__tpc_task *t)
{
	wk__tpc_shared *shared = t->shared;
	if (!wk__tpc_join_core_release(t))
		return; /* the core side still has the task */
	wk__tpc_join_cell_clear(t);
	/* relaxed: a statistic (the core side moved the task onto this
	 * counter when it retired first). */
	atomic_fetch_sub_explicit(&shared->foreign_tasks, 1, memory_order_relaxed);
	free(t);
	wk__tpc_shared_release(shared); /* the join's reference */
}

/* ---- the handle -------------------------------------------------------------------- */

/* A local handle used where t->core is not the calling core: fine for an
 * orphan (the runtime is gone; the owner thread's checks are the local
 * wakers'), misuse otherwise. */
static WK__TPC_RARE void local_handle_elsewhere(const wk__tpc_task *t, const char *op)
{
	if (!(t->own & WK__TPC_OWN_ORPHAN))
		wk_fatal("%s: local join handle of task %" PRIu64 " used off its core (owned by "
			 "thread %u, used on thread %u)",
			 op, t->id, t->owner_thread, wk_thread_id());
}

/* A local handle, in every case but the hot one: off its core (an orphan's
 * handle, or misuse), or its task has not finished (register the waiting
 * task's local waker, plain refcount). */
static WK__TPC_NOINLINE wk_tpc_join_status local_poll(wk__tpc_task *t, const wk_context *cx,
						       void **output)
{
	if (t->core != wk__tpc_tls_core)
		local_handle_elsewhere(t, "wk_tpc_join_poll");
	if (wk__tpc_state(t) == WK__TPC_COMPLETE) {
		bool cancelled = (t->own & WK__TPC_OWN_CANCELLED) != 0;
		if (output != NULL)
			*output = cancelled ? NULL : t->output;
		return cancelled ? WK_TPC_JOIN_CANCELLED : WK_TPC_JOIN_READY;
	}
	if (output != NULL)
		*output = NULL;
	if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
		wk_local_waker_clone_from(&t->join_local, wk_context_local_waker(cx));
	} else {
		t->join_local = wk_local_waker_clone(wk_context_local_waker(cx));
		t->own |= WK__TPC_OWN_LOCAL_WAITER;
	}
	return WK_TPC_JOIN_PENDING;
}

static WK__TPC_NOINLINE wk_tpc_join_status shared_poll(wk__tpc_task *t, const wk_context *cx,
							void **output)
{
	uint32_t done;
	if (output != NULL)
		*output = NULL;
	/* acquire: pairs with the release in wk__tpc_join_finish. */
	done = done_seen(t, atomic_load_explicit(&t->join_done, memory_order_acquire));
	if (done == 0) {
		cell_register(t, wk_context_waker(cx));
		done = done_seen(t, atomic_load_explicit(&t->join_done, memory_order_acquire));
	}
	if (done == WK_TPC_JOIN_READY && output != NULL)
		*output = t->output;
	return (wk_tpc_join_status)done;
}

/* The finished local handle polled on its core is the hot case (a spawner
 * collecting its children): it calls nothing; every other case is a tail
 * call. */
wk_tpc_join_status wk_tpc_join_poll(wk_tpc_join *join, const wk_context *cx, void **output)
{
	wk__tpc_task *t = (wk__tpc_task *)join;
	if (WK__TPC_UNLIKELY(join == NULL || cx == NULL))
		wk_fatal("wk_tpc_join_poll: join and cx must not be NULL");
	if (!(t->kind & WK__TPC_TASK_JOIN_LOCAL))
		return shared_poll(t, cx, output);
	/* Local: plain data of the owner core, no atomic operation. */
	if (WK__TPC_UNLIKELY(t->core != wk__tpc_tls_core || wk__tpc_state(t) != WK__TPC_COMPLETE ||
			     (t->own & WK__TPC_OWN_CANCELLED)))
		return local_poll(t, cx, output);
	if (output != NULL)
		*output = t->output;
	return WK_TPC_JOIN_READY;
}

/* ---- blocking wait ---------------------------------------------------------------- */

static void waiter_wake_by_ref(wk_wake *self)
{
	wk_waker w = wk_flag_waker((wk_flag *)wk_wake_payload(self));
	wk_waker_wake(&w);
}

static void waiter_wake(wk_wake *self)
{
	waiter_wake_by_ref(self);
	wk_wake_release(self);
}

static const wk_wake_ops waiter_ops = {waiter_wake, waiter_wake_by_ref, NULL};

wk_tpc_join_status wk_tpc_join_wait(wk_tpc_join *join, void **output)
{
	wk__tpc_task *t = (wk__tpc_task *)join;
	uint32_t done;
	if (join == NULL)
		wk_fatal("wk_tpc_join_wait: join must not be NULL");
	if (output != NULL)
		*output = NULL;
	if (t->kind & WK__TPC_TASK_JOIN_LOCAL)
		wk_fatal("wk_tpc_join_wait: task %" PRIu64 " has a local join handle; poll it with "
			 "wk_tpc_join_poll on its core",
			 t->id);
	if (wk__tpc_tls_core != NULL)
		wk_fatal("wk_tpc_join_wait: called on core %u, which it would block",
			 wk__tpc_tls_core->index);
	/* acquire: pairs with the release in wk__tpc_join_finish. */
	done = done_seen(t, atomic_load_explicit(&t->join_done, memory_order_acquire));
	if (done == 0 && t->shared->deterministic) {
		/* Unfinished, so the runtime still exists (shutdown finishes
		 * every task): drive it. */
		wk_tpc_runtime *rt = t->shared->rt;
		while ((done = done_seen(t, atomic_load_explicit(&t->join_done,
								    memory_order_acquire))) == 0)
			if (!wk_tpc_det_step(rt))
				break;
	} else if (done == 0) {
		wk_wake *obj = wk_wake_new(&waiter_ops, sizeof(wk_flag));
		wk_waker w;
		if (obj == NULL)
			wk_fatal("wk_tpc_join_wait: out of memory");
		wk_wake_retain(obj); /* one for the waker, one kept here for the flag */
		w = wk_waker_from_wake(obj);
		cell_register(t, &w);
		while ((done = done_seen(t, atomic_load_explicit(&t->join_done,
								    memory_order_acquire))) == 0)
			wk_flag_wait((wk_flag *)wk_wake_payload(obj));
		wk_waker_drop(&w);
		wk_wake_release(obj);
	}
	if (done == WK_TPC_JOIN_READY && output != NULL)
		*output = t->output;
	return (wk_tpc_join_status)done;
}

void wk_tpc_join_drop(wk_tpc_join *join)
{
	wk__tpc_task *t = (wk__tpc_task *)join;
	if (join == NULL)
		return;
	if (t->kind & WK__TPC_TASK_JOIN_LOCAL) {
		if (WK__TPC_UNLIKELY(t->core != wk__tpc_tls_core))
			local_handle_elsewhere(t, "wk_tpc_join_drop");
		if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
			t->own &= (uint8_t)~WK__TPC_OWN_LOCAL_WAITER;
			wk_local_waker_drop(&t->join_local);
		}
		wk__tpc_task_release(t);
		return;
	}
	shared_handle_release(t);
}

wk_tpc_join_status wk_tpc_block_on(wk_tpc_runtime *rt, int core, wk_future *future, void **output)
{
	wk_tpc_join *join = NULL;
	wk_tpc_join_status st;
	if (output != NULL)
		*output = NULL;
	if (wk_tpc_spawn(rt, core, 0, future, &join) != 0)
		return WK_TPC_JOIN_CANCELLED;
	st = wk_tpc_join_wait(join, output);
	wk_tpc_join_drop(join);
	return st;
}
