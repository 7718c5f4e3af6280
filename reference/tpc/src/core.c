/*
 * core.c - what one core does, whoever drives it: apply its remote queue,
 * poll the task at the head of its run queue, spawn onto itself.
 *
 * The threaded loop (runtime.c) and the deterministic scheduler
 * (det_sched.c) both drive cores through these functions only, so a
 * schedule found by the fuzzer exercises the very code the threads run.
 *
 * Everything here runs on the core's own thread (or the driving thread of a
 * deterministic runtime while it steps this core): the run queue, the task
 * list and the task cache are plain data.
 */
#include "tpc_internal.h"

#include <stdlib.h>

_Thread_local wk__tpc_core *wk__tpc_tls_core;

void wk__tpc_core_init(wk__tpc_core *core, struct wk_tpc_runtime *rt, unsigned index)
{
	core->rt = rt;
	core->shared = rt->shared;
	core->rq = &rt->shared->queues[index];
	core->det = rt->det;
	core->index = index;
	core->waker_kind = rt->cfg.waker_kind;
	core->closing = false;
	core->run_head = core->run_tail = NULL;
	core->all_head = NULL;
	core->cache = NULL;
	core->cache_len = 0;
	core->next_seq = 0;
	core->heap = NULL;
	core->heap_len = core->heap_cap = 0;
	core->timer_seq = 0;
	atomic_init(&core->live, 0);
	atomic_init(&core->published_deadline, UINT64_MAX);
	atomic_init(&core->park_seq, 0);
	core->thread_started = false;
}

uint64_t wk__tpc_core_now(const wk__tpc_core *core)
{
	if (core->det != NULL)
		return wk__tpc_det_clock(core->det);
	return wk__tpc_monotonic_ns();
}

void wk__tpc_core_free_task(wk__tpc_core *core, wk__tpc_task *t)
{
	/* A small cache makes spawn-to-completion allocation-free in the
	 * steady state.  Never used once the core is closing: the cache is
	 * freed at shutdown. */
	if (!core->closing && core->cache_len < WK__TPC_TASK_CACHE) {
		t->run_next = core->cache;
		core->cache = t;
		core->cache_len++;
		return;
	}
	free(t);
}

size_t wk__tpc_core_drain(wk__tpc_core *core)
{
	wk__tpc_rnode *n = wk__tpc_rq_take(core->rq);
	size_t count = 0;
	while (n != NULL) {
		wk__tpc_rnode *next = n->next; /* before the node can be queued again */
		count++;
		if (n->kind == WK__TPC_RNODE_SPAWN) {
			wk__tpc_task *t = (wk__tpc_task *)n;
			WK__TPC_TRACE(core, WK_TPC_EV_DRAIN, t->id, 0);
			wk__tpc_task_adopt(core, t);
		} else {
			wk__tpc_handle *h = (wk__tpc_handle *)n;
			/* acq_rel: acquire pairs with every waker's release exchange
			 * (including coalesced ones); clearing first means a wake that
			 * comes after this line queues the handle again rather than
			 * being lost. */
			atomic_exchange_explicit(&h->queued, 0, memory_order_acq_rel);
			WK__TPC_TRACE(core, WK_TPC_EV_DRAIN, h->task_id, 1);
			if (h->task != NULL)
				wk__tpc_task_wake(h->task);
			wk__tpc_handle_release(h); /* the queue's reference */
		}
		n = next;
	}
	return count;
}

int wk__tpc_core_run_one(wk__tpc_core *core)
{
	wk__tpc_task *t = wk__tpc_core_pop(core);
	if (t == NULL)
		return 0;
	wk__tpc_task_poll(core, t);
	return 1;
}

int wk__tpc_core_spawn_here(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			    wk_tpc_join **join_out)
{
	uint8_t kind = 0;
	wk__tpc_task *t;
	uint64_t id;

	if (core->closing) {
		/* Shutting down (a future spawned from a drop): never runs. */
		wk_future_drop(f);
		return -1;
	}
	if (flags & WK_TPC_SPAWN_LOCAL)
		kind |= WK__TPC_TASK_LOCAL_ONLY;
	if (join_out != NULL)
		kind |= local_join ? WK__TPC_TASK_JOIN_LOCAL : WK__TPC_TASK_JOIN_SHARED;
	/* Ids made here never collide with remote-spawn ids (those stay
	 * below 2^40). */
	id = ((uint64_t)(core->index + 1) << 40) | ++core->next_seq;
	t = wk__tpc_task_new(core, core->shared, f, kind, id);
	if (t == NULL) {
		wk_future_drop(f);
		return -1;
	}
	wk__tpc_core_live_add(core, 1);
	if (join_out != NULL)
		*join_out = (wk_tpc_join *)t;
	wk__tpc_task_adopt(core, t);
	return 0;
}
