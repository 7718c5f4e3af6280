/*
 * waker.c - a task's thread-safe wakers and how a foreign wake reaches the
 * owner core (WK-TPC-007..011).
 *
 * TWO VTABLES
 *   cheap   data = the task.  Lent to each poll as the context's waker when
 *           waker_kind is WK_TPC_WAKER_CHEAP: it owns nothing, so handing it
 *           out costs nothing.  Its clone upgrades it to a handle waker (the
 *           "fake waker upgraded on clone" of seed 000); wake_by_ref on the
 *           owner core is a local wake, elsewhere it routes through the
 *           handle.  Valid only while the poll it was lent to runs.
 *   handle  data = the task's handle, created on first need and shared by
 *           every thread-safe waker of the task.  Atomic refcount.  It is
 *           what the on_waker constructor returns too.
 *
 * ROUTING A WAKE
 *   On the owner core (the calling thread runs that core, or, in
 *   deterministic mode, the scheduler is stepping it) a handle wake is a
 *   local wake of handle->task: no atomic.  Anywhere else it is a foreign
 *   wake: if the task is local-only and the policy is abort, abort with a
 *   message (glommio #194 and monoio #120 are what a silent foreign wake of
 *   a thread-bound task costs); otherwise set the handle's queued flag and,
 *   if it was clear, push the handle onto the owner's remote queue.  The
 *   owner clears the flag when it drains the handle and then wakes the task,
 *   so wakes that arrive before the drain coalesce into one.
 *
 * ORDERING
 *   handle->queued exchange: acq_rel.  Release, so that this waker's writes
 *     are visible to the owner after it drains, also when this wake found
 *     the flag already set and pushed nothing (the owner's clearing exchange
 *     reads from this one, making it synchronise).  Acquire, so that a
 *     waker that finds the flag clear and pushes sees the owner's earlier
 *     use of the node's link.
 *   refs: retain relaxed, release acq_rel (as shared.c).
 *   task->handle: installed with a CAS, release on success (publishes the
 *     new handle's fields), acquire on failure (reads the winner's);
 *     read with acquire.
 *   Each of these edges is also stated with wkc/annotate.h, beside its
 *   atomic operation, for helgrind and DRD (which do not see C11 atomics);
 *   the install edge is keyed by the handle, the others by their word.
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdlib.h>

#include "wk_annotate.h"

/* ---- handles ----------------------------------------------------------------- */

static void handle_retain(wk__tpc_handle *h, const char *op)
{
	/* relaxed: a reference made from one the caller holds. */
	size_t old = atomic_fetch_add_explicit(&h->refs, 1, memory_order_relaxed);
	if (WK__TPC_UNLIKELY(old >= WK_REFCOUNT_MAX))
		wk_fatal("%s: refcount overflow on the thread-safe waker of task %" PRIu64, op,
			 h->task_id);
}

/* The last reference went (out of line: a drop keeps no frame for it). */
static WK__TPC_RARE void handle_free(wk__tpc_handle *h)
{
	wk__tpc_shared *s = h->shared;
	/* The acquire half of the last decrement (wk__tpc_handle_release). */
	wk__annotate_acquire(&h->refs);
	wk__annotate_freeing(&h->refs);
	wk__annotate_freeing(&h->queued);
	wk__annotate_freeing(h);
	free(h);
	wk__tpc_shared_release(s);
}

/* One reference fewer.  `annotated` is a constant at both calls below, so
 * that the plain instance, the one a native process runs, keeps a drop
 * free of any frame (wk_annotate.h). */
WK__TPC_HOT void handle_release_at(wk__tpc_handle *h, bool annotated)
{
	/* The release half of the decrement below. */
	if (annotated)
		wk__annotate_release(&h->refs);
	/* acq_rel: the last release sees every other holder's use before the free. */
	if (atomic_fetch_sub_explicit(&h->refs, 1, memory_order_acq_rel) == 1)
		handle_free(h);
}

static WK__TPC_NOINLINE void handle_release_annotated(wk__tpc_handle *h)
{
	handle_release_at(h, true);
}

void wk__tpc_handle_release(wk__tpc_handle *h)
{
	if (WK__TPC_UNLIKELY(wk__annotating()))
		handle_release_annotated(h);
	else
		handle_release_at(h, false);
}

wk__tpc_handle *wk__tpc_handle_get(wk__tpc_task *t)
{
	/* acquire: see the fields of a handle another thread installed. */
	wk__tpc_handle *h = atomic_load_explicit(&t->handle, memory_order_acquire);
	wk__tpc_handle *expected = NULL;
	if (WK__TPC_LIKELY(h != NULL)) {
		/* The acquire of the load above (the install edge, keyed by h). */
		wk__annotate_acquire(h);
		return h;
	}
	h = malloc(sizeof *h);
	if (h == NULL)
		wk_fatal("wk_tpc_waker_clone: out of memory for the thread-safe waker of task %" PRIu64,
			 t->id);
	h->node.next = NULL;
	h->node.kind = WK__TPC_RNODE_WAKE;
	atomic_init(&h->queued, 0);
	wk__annotate_atomic(&h->queued, sizeof h->queued);
	h->core_index = t->core->index;
	h->rq = t->core->rq;
	h->vtable = t->core->det != NULL ? &wk__tpc_handle_vtable_traced : &wk__tpc_handle_vtable;
	atomic_init(&h->refs, 1); /* the task's reference, dropped when the task goes */
	wk__annotate_atomic(&h->refs, sizeof h->refs);
	h->shared = t->shared;
	wk__tpc_shared_retain(h->shared);
	h->task = t;
	h->task_id = t->id;
	h->owner_thread = t->owner_thread;
	h->local_only = (t->kind & WK__TPC_TASK_LOCAL_ONLY) != 0;
	/* The release of the CAS below, keyed by the handle it publishes. */
	wk__annotate_release(h);
	/* release on success: publishes *h; acquire on failure: reads the winner. */
	if (atomic_compare_exchange_strong_explicit(&t->handle, &expected, h, memory_order_acq_rel,
						    memory_order_acquire))
		return h;
	/* The acquire of the failed CAS: the winner's handle. */
	wk__annotate_acquire(expected);
	wk__annotate_freeing(h);
	wk__tpc_shared_release(h->shared);
	free(h);
	return expected;
}

/* ---- routing -------------------------------------------------------------------- */

static WK__TPC_NOINLINE void route(wk__tpc_handle *h, const char *op)
{
	wk__tpc_shared *s = h->shared;
	if (h->local_only && s->policy == WK_TPC_FOREIGN_ABORT)
		wk_fatal("%s: foreign wake of local-only task %" PRIu64
			 " (core %u, owner thread %u) from thread %u; the runtime's foreign-wake "
			 "policy is abort",
			 op, h->task_id, h->core_index, h->owner_thread, wk_thread_id());
	/* The release half of the exchange below. */
	wk__annotate_release(&h->queued);
	/* acq_rel: see the file comment. */
	if (atomic_exchange_explicit(&h->queued, 1, memory_order_acq_rel) != 0)
		return; /* already queued: this wake coalesces with it */
	/* Its acquire half: the owner's earlier use of the node's link. */
	wk__annotate_acquire(&h->queued);
	handle_retain(h, op); /* the queue's reference */
	if (!wk__tpc_rq_push(h->rq, &h->node)) {
		/* Runtime gone: the wake has nowhere to go, and nothing to wake.
		 * queued stays set, so later wakes return at once. */
		wk__tpc_handle_release(h);
		return;
	}
	if (WK__TPC_UNLIKELY(s->det != NULL) && s->det_thread == wk_thread_id())
		wk__tpc_trace(s->det, WK_TPC_EV_ROUTE, (int)h->core_index, h->task_id, 0);
}

/*
 * Whether the calling thread runs the handle's owner core.  A core's remote
 * queue identifies it: it lives in the shared block, which the handle keeps
 * alive, so no other core (of this runtime or a later one) can have the
 * same address; the current core's queue is kept in a thread-local for
 * this one comparison.
 */
static inline bool on_owner_core(const wk__tpc_handle *h)
{
	return wk__tpc_tls_rq == h->rq;
}

/* A handle wake on the owner core is a local wake of the task (no atomic);
 * anywhere else it is routed (a tail call, off the hot path). */
static inline void handle_wake_impl(wk__tpc_handle *h, const char *op, bool may_trace)
{
#if defined(WK_TPC_INJECT_LOCAL_FROM_REMOTE) /* fuzz/: a foreign wake applied in place */
	if (on_owner_core(h) || true) {
#else
	if (WK__TPC_LIKELY(on_owner_core(h))) {
#endif
		/* The owner core: handle->task is ours to read; once the task
		 * is gone it is the COMPLETE placeholder, and the wake is
		 * ignored like any wake of a COMPLETE task. */
		wk__tpc_task_wake_at(h->task, may_trace);
		return;
	}
	route(h, op);
}

static wk_raw_waker handle_clone(const void *data)
{
	const wk__tpc_handle *h = data;
	wk_raw_waker raw;
	handle_retain((wk__tpc_handle *)data, "wk_tpc_waker_clone");
	raw.data = data;
	raw.vtable = h->vtable;
	return raw;
}

static void handle_drop(const void *data)
{
	wk__tpc_handle_release((wk__tpc_handle *)data);
}

/* Two vtables, as for the local waker (task.c): handles of threaded
 * runtimes, whose owner-core wakes test for no tracer, and handles of
 * deterministic ones.  h->vtable says which; a clone keeps it. */

static void handle_wake(const void *data)
{
	wk__tpc_handle *h = (wk__tpc_handle *)data;
	handle_wake_impl(h, "wk_tpc_waker_wake", false);
	wk__tpc_handle_release(h);
}

static void handle_wake_by_ref(const void *data)
{
	handle_wake_impl((wk__tpc_handle *)data, "wk_tpc_waker_wake_by_ref", false);
}

const wk_raw_waker_vtable wk__tpc_handle_vtable = {
	handle_clone,
	handle_wake,
	handle_wake_by_ref,
	handle_drop,
};

static void handle_wake_traced(const void *data)
{
	wk__tpc_handle *h = (wk__tpc_handle *)data;
	handle_wake_impl(h, "wk_tpc_waker_wake", true);
	wk__tpc_handle_release(h);
}

static void handle_wake_by_ref_traced(const void *data)
{
	handle_wake_impl((wk__tpc_handle *)data, "wk_tpc_waker_wake_by_ref", true);
}

const wk_raw_waker_vtable wk__tpc_handle_vtable_traced = {
	handle_clone,
	handle_wake_traced,
	handle_wake_by_ref_traced,
	handle_drop,
};

/* ---- the cheap waker lent to each poll ------------------------------------------- */

static wk_raw_waker cheap_clone(const void *data)
{
	wk__tpc_handle *h = wk__tpc_handle_get((wk__tpc_task *)data);
	wk_raw_waker raw;
	handle_retain(h, "wk_tpc_waker_clone");
	raw.data = h;
	raw.vtable = h->vtable;
	return raw;
}

static inline void cheap_wake_by_ref_at(const void *data, bool may_trace)
{
	wk__tpc_task *t = (wk__tpc_task *)data;
	/* The task is polling, so it and its core are alive. */
	if (WK__TPC_LIKELY(wk__tpc_tls_core == t->core)) {
		wk__tpc_task_wake_at(t, may_trace);
		return;
	}
	route(wk__tpc_handle_get(t), "wk_tpc_waker_wake_by_ref");
}

static void cheap_drop(const void *data)
{
	(void)data; /* owns nothing */
}

/* Nothing is owned, so nothing to release: a wake by value is a wake.
 * Two vtables, as for the local waker (task.c): threaded cores, and
 * deterministic ones whose wakes are traced. */

static void cheap_wake_by_ref(const void *data)
{
	cheap_wake_by_ref_at(data, false);
}

const wk_raw_waker_vtable wk__tpc_cheap_vtable = {
	cheap_clone,
	cheap_wake_by_ref,
	cheap_wake_by_ref,
	cheap_drop,
};

static void cheap_wake_by_ref_traced(const void *data)
{
	cheap_wake_by_ref_at(data, true);
}

const wk_raw_waker_vtable wk__tpc_cheap_vtable_traced = {
	cheap_clone,
	cheap_wake_by_ref_traced,
	cheap_wake_by_ref_traced,
	cheap_drop,
};

/* ---- the on_waker constructor ---------------------------------------------------- */

wk_waker wk__tpc_on_waker_ctor(const wk_local_waker *local_waker, void *arg)
{
	wk__tpc_handle *h = wk__tpc_handle_get((wk__tpc_task *)arg);
	(void)local_waker;
	handle_retain(h, "wk_tpc_on_waker");
	return wk_waker_new(h, h->vtable);
}
