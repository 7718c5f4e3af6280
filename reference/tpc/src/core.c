/*
 * core.c - what one core does, whoever drives it: apply its remote queue,
 * poll the task at the head of its run queue, spawn onto itself.
 *
 * The threaded loop (runtime.c) and the deterministic scheduler
 * (det_sched.c) both drive cores through these functions and the inline
 * poll of task_inline.h, so a schedule found by the fuzzer exercises the
 * very code the threads run (the threads' instance of the poll is compiled
 * without the trace hooks, see task_inline.h).
 *
 * Everything here runs on the core's own thread (or the driving thread of a
 * deterministic runtime while it steps this core): the run queue, the task
 * list and the task cache are plain data.
 */
#include "tpc_internal.h"

#include <stdlib.h>

#include "wk_annotate.h"

_Thread_local wk__tpc_core *wk__tpc_tls_core WK__TPC_TLS_MODEL;
_Thread_local wk__tpc_rqueue *wk__tpc_tls_rq WK__TPC_TLS_MODEL;

void wk__tpc_core_init(wk__tpc_core *core, struct wk_tpc_runtime *rt, unsigned index)
{
	core->rt = rt;
	core->shared = rt->shared;
	core->rq = &rt->shared->queues[index];
	core->det = rt->det;
	core->index = index;
	/* Threads: set again by the core's thread when it starts (runtime.c);
	 * deterministic: every core runs on the creating thread. */
	core->thread_id = wk_thread_id();
	core->waker_kind = rt->cfg.waker_kind;
	core->closing = false;
	wk__tpc_core_run_queue_clear(core);
	core->all.prev = core->all.next = &core->all;
	core->cache = NULL;
	core->cache_len = 0;
	/* Ids made here never collide with remote-spawn ids (those stay
	 * below 2^40). */
	core->next_id = (uint64_t)(index + 1) << 40;
	core->heap = NULL;
	core->heap_len = core->heap_cap = 0;
	core->timer_seq = 0;
	atomic_init(&core->live, 0);
	wk__annotate_atomic(&core->live, sizeof core->live);
	atomic_init(&core->published_deadline, UINT64_MAX);
	wk__annotate_atomic(&core->published_deadline, sizeof core->published_deadline);
	atomic_init(&core->park_seq, 0);
	wk__annotate_atomic(&core->park_seq, sizeof core->park_seq);
	core->thread_started = false;
}

uint64_t wk__tpc_core_now(const wk__tpc_core *core)
{
	if (core->det != NULL)
		return wk__tpc_det_clock(core->det);
	return wk__tpc_monotonic_ns();
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
			 * being lost.  Both halves annotated for helgrind and DRD. */
			wk__annotate_release(&h->queued);
			atomic_exchange_explicit(&h->queued, 0, memory_order_acq_rel);
			wk__annotate_acquire(&h->queued);
			WK__TPC_TRACE(core, WK_TPC_EV_DRAIN, h->task_id, 1);
			wk__tpc_task_wake(h->task); /* COMPLETE once gone: ignored */
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
	/* The same inline poll as the threaded loop, with its trace hooks. */
	if (core->waker_kind == WK_TPC_WAKER_CHEAP)
		(void)wk__tpc_task_poll_at(core, t, true, false, false);
	else
		(void)wk__tpc_task_poll_at(core, t, true, true, false);
	return 1;
}

/* ---- spawning on the calling core ------------------------------------------------- */

/*
 * A spawn on the calling core is the hot half of spawn-to-completion.  Task
 * memory comes from the core's cache, already prepared for this core (core,
 * wakers, context: wk__tpc_task_prepare) and with no handle and no owner
 * flags (retirement sees to it, task.c), so only what differs between two
 * tasks is written.  Everything rare (refusal, an empty cache, a shared
 * join handle, the deterministic trace) is out of line and reached by a
 * tail call or after the hot work, so that the hot path of
 * wk_tpc_spawn_local calls nothing and keeps little in registers.
 */

static WK__TPC_RARE int spawn_refused(wk_future *f, wk_tpc_join **join_out)
{
	if (join_out != NULL)
		*join_out = NULL;
	wk_future_drop(f);
	return -1;
}

static WK__TPC_RARE int spawn_traced(wk__tpc_core *core, const wk__tpc_task *t)
{
	wk__tpc_trace(core->det, WK_TPC_EV_SPAWN, (int)core->index, t->id, t->kind);
	return 0;
}

static WK__TPC_NOINLINE void spawn_join_shared(wk__tpc_core *core, wk__tpc_task *t)
{
	atomic_init(&t->join_done, 0);
	wk__annotate_atomic(&t->join_done, sizeof t->join_done);
	atomic_init(&t->join_reg, WK__TPC_REG_WAITING);
	wk__annotate_atomic(&t->join_reg, sizeof t->join_reg);
	atomic_init(&t->join_refs, 2); /* core side + handle */
	wk__annotate_atomic(&t->join_refs, sizeof t->join_refs);
	t->has_join_waiter = false;
	wk__tpc_shared_retain(core->shared); /* the counters must outlive a late handle */
}

static WK__TPC_RARE int spawn_uncached(wk__tpc_core *core, wk_future *f, unsigned flags,
					bool local_join, wk_tpc_join **join_out);

WK__TPC_HOT int spawn_here(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			   wk_tpc_join **join_out)
{
	uint8_t kind = 0;
	wk__tpc_task *t;

	if (WK__TPC_UNLIKELY(core->closing))
		return spawn_refused(f, join_out); /* a spawn from a drop at shutdown */
	t = core->cache;
	if (WK__TPC_UNLIKELY(t == NULL))
		return spawn_uncached(core, f, flags, local_join, join_out);
	core->cache = t->run_next;
	core->cache_len--;
	if (flags & WK_TPC_SPAWN_LOCAL)
		kind |= WK__TPC_TASK_LOCAL_ONLY;
	if (join_out != NULL)
		kind |= local_join ? WK__TPC_TASK_JOIN_LOCAL : WK__TPC_TASK_JOIN_SHARED;
	t->kind = kind;
	/* The runtime's reference, and the local join handle's. */
	t->refs = (kind & WK__TPC_TASK_JOIN_LOCAL) ? 2 : 1;
	t->future = f;
	t->output = NULL;
	t->id = ++core->next_id;
	if (WK__TPC_UNLIKELY(kind & WK__TPC_TASK_JOIN_SHARED))
		spawn_join_shared(core, t);
	wk__tpc_core_live_add(core, 1);
	if (join_out != NULL)
		*join_out = (wk_tpc_join *)t;
	/* On the task list (for shutdown), then SCHEDULED at the back of the
	 * run queue: the (new) -> SCHEDULED row of the state table. */
	wk__tpc_core_list_add(core, t);
	wk__tpc_set_state(t, WK__TPC_SCHEDULED);
	wk__tpc_core_schedule(core, t);
	if (WK__TPC_UNLIKELY(core->det != NULL))
		return spawn_traced(core, t);
	return 0;
}

/* The cache is empty: allocate and prepare one task, put it in the cache,
 * and spawn from there. */
static int spawn_uncached(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			  wk_tpc_join **join_out)
{
	wk__tpc_task *t = malloc(sizeof *t);
	if (t == NULL)
		return spawn_refused(f, join_out);
	t->shared = core->shared;
	wk__tpc_task_prepare(core, t);
	t->own = 0;
	/* The state is set by spawn_here; both stay atomic while the memory
	 * stays in this core's cache. */
	wk__annotate_atomic(&t->state, sizeof t->state);
	atomic_init(&t->handle, NULL);
	wk__annotate_atomic(&t->handle, sizeof t->handle);
	t->run_next = core->cache; /* NULL: the cache was empty */
	core->cache = t;
	core->cache_len++;
	return spawn_here(core, f, flags, local_join, join_out);
}

int wk__tpc_core_spawn_here(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			    wk_tpc_join **join_out)
{
	return spawn_here(core, f, flags, local_join, join_out);
}

#if defined(__GNUC__)
__attribute__((noreturn, noinline, cold))
#endif
static void spawn_local_misuse(const wk_future *future)
{
	if (future == NULL)
		wk_fatal("wk_tpc_spawn_local: future must not be NULL");
	wk_fatal("wk_tpc_spawn_local: not called on a runtime core");
}

int wk_tpc_spawn_local(wk_future *future, wk_tpc_join **join_out)
{
	wk__tpc_core *cur = wk__tpc_tls_core;
	if (WK__TPC_UNLIKELY(future == NULL || cur == NULL))
		spawn_local_misuse(future);
	/* join_out is written on every path (NULL on failure) by spawn_here. */
	return spawn_here(cur, future, WK_TPC_SPAWN_LOCAL, true, join_out);
}
