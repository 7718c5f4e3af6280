/*
 * mode_single.c - the single-task executor (WK-TPC-024): seed 002's first
 * strategy.  The waker's data is the address of a flag with static storage;
 * wake raises it, clone and drop do nothing.  The executor polls its one
 * task, then again each time it finds the flag raised.
 *
 * WHY A POOL OF STATIC FLAGS
 *   A flag inside the executor would dangle once the executor is freed, and
 *   a waker may outlive it.  So flags live in a static array that is never
 *   freed: a stale waker always raises valid memory.  Each task claims the
 *   next free flag in round-robin order (clearing it), so wakers of
 *   different live tasks never compare equal, and a stale waker reaches a
 *   later task only after the pool went all the way round: at worst a
 *   spurious poll, never a lost one.
 *
 * THREADS
 *   spawn: any thread (claims the live slot with a CAS, publishes the
 *   future with a release exchange).  run_until_quiescent, destroy: the
 *   driving thread.  Wakers: any thread (the flag is atomic).  Every
 *   release/acquire pair here is also stated with wkc/annotate.h, beside
 *   its atomic operation, for helgrind and DRD.
 */
#include "tpc_internal.h"

#include <stdlib.h>

#include "wk_annotate.h"

#define FLAG_POOL 256u

static wk_flag flag_pool[FLAG_POOL];
static _Atomic uint8_t flag_used[FLAG_POOL];
static _Atomic uint32_t flag_cursor;

struct wk_tpc_single {
	_Atomic(wk_future *) incoming; /* spawned, not yet taken by the driver */
	_Atomic uint32_t live;         /* 0 or 1: claimed by spawn, freed at completion */
	unsigned incoming_flag;        /* flag claimed by spawn (guarded by incoming) */
	wk_future *task;               /* driver only */
	unsigned flag;                 /* driver only */
	bool poll_due;                 /* driver only: first poll not done yet */
};

static int claim_flag(unsigned *out)
{
	unsigned tries;
	for (tries = 0; tries < FLAG_POOL; tries++) {
		/* relaxed: only spreads the claims round the pool. */
		unsigned i = atomic_fetch_add_explicit(&flag_cursor, 1, memory_order_relaxed) %
			     FLAG_POOL;
		uint8_t expected = 0;
		/* acquire: see the previous user's release before reusing. */
		if (atomic_compare_exchange_strong_explicit(&flag_used[i], &expected, 1,
							    memory_order_acquire,
							    memory_order_relaxed)) {
			wk__annotate_acquire(&flag_used[i]); /* the CAS's acquire */
			(void)wk_flag_take(&flag_pool[i]); /* forget a stale raise */
			*out = i;
			return 0;
		}
	}
	return -1;
}

static void release_flag(unsigned i)
{
	wk__annotate_release(&flag_used[i]); /* the store's release */
	/* release: this task's last use of the flag precedes the next claim. */
	atomic_store_explicit(&flag_used[i], 0, memory_order_release);
}

wk_tpc_single *wk_tpc_single_create(const wk_tpc_config *cfg)
{
	wk_tpc_single *ex = calloc(1, sizeof *ex);
	(void)cfg;
	if (ex == NULL)
		return NULL;
	atomic_init(&ex->incoming, NULL);
	wk__annotate_atomic(&ex->incoming, sizeof ex->incoming);
	atomic_init(&ex->live, 0);
	wk__annotate_atomic(&ex->live, sizeof ex->live);
	/* The static pool: atomic for the whole process (again per executor,
	 * which is harmless: a static object is never freed). */
	wk__annotate_atomic(flag_used, sizeof flag_used);
	wk__annotate_atomic(&flag_cursor, sizeof flag_cursor);
	return ex;
}

int wk_tpc_single_spawn(wk_tpc_single *ex, int core, unsigned flags, wk_future *future)
{
	uint32_t expected = 0;
	unsigned flag;
	(void)flags; /* one thread runs everything: local and sendable alike */
	if (future == NULL)
		wk_fatal("wk_tpc_single_spawn: future must not be NULL");
	if (core > 0) {
		wk_future_drop(future);
		return -1;
	}
	/* acquire: the previous task's completion happened before this claim. */
	if (!atomic_compare_exchange_strong_explicit(&ex->live, &expected, 1, memory_order_acquire,
						     memory_order_relaxed)) {
		wk_future_drop(future);
		return -1;
	}
	wk__annotate_acquire(&ex->live); /* the CAS's acquire */
	if (claim_flag(&flag) != 0) {
		wk__annotate_release(&ex->live); /* the store's release */
		atomic_store_explicit(&ex->live, 0, memory_order_release);
		wk_future_drop(future);
		return -1;
	}
	ex->incoming_flag = flag;
	wk__annotate_release(&ex->incoming); /* the store's release */
	/* release: publishes the future and incoming_flag to the driver. */
	atomic_store_explicit(&ex->incoming, future, memory_order_release);
	return 0;
}

static void finish_task(wk_tpc_single *ex)
{
	wk_future_drop(ex->task);
	ex->task = NULL;
	release_flag(ex->flag);
	wk__annotate_release(&ex->live); /* the store's release */
	/* release: the next spawn (acquire CAS) sees this task gone. */
	atomic_store_explicit(&ex->live, 0, memory_order_release);
}

int wk_tpc_single_run_until_quiescent(wk_tpc_single *ex, uint64_t timeout_ns)
{
	uint64_t start = wk__tpc_monotonic_ns();
	uint64_t end = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	unsigned long iter;
	for (iter = 1;; iter++) {
		wk_waker waker;
		wk_context_builder b;
		wk_context cx;
		void *out = NULL;
		if (ex->task == NULL) {
			/* acquire: pairs with the release in spawn. */
			wk_future *f = atomic_exchange_explicit(&ex->incoming, NULL, memory_order_acquire);
			if (f == NULL)
				return 1;
			wk__annotate_acquire(&ex->incoming); /* the exchange's acquire */
			ex->task = f;
			ex->flag = ex->incoming_flag;
			ex->poll_due = true;
		}
		if (!ex->poll_due && !wk_flag_take(&flag_pool[ex->flag]))
			return 1; /* pending and not woken: nothing to do */
		ex->poll_due = false;
		waker = wk_flag_waker(&flag_pool[ex->flag]);
		b = wk_context_builder_from_waker(&waker);
		cx = wk_context_builder_build(&b);
		if (wk_future_poll(ex->task, &cx, &out) == WK_READY)
			finish_task(ex);
		wk_waker_drop(&waker);
		/* Every 16 polls, as the deterministic runtime does: a slow poll
		 * must not carry run() far past its deadline (WK-HARN-015). */
		if ((iter & 15u) == 0 && wk__tpc_monotonic_ns() >= end)
			return 0;
	}
}

size_t wk_tpc_single_live_tasks(const wk_tpc_single *ex)
{
	/* acquire: a snapshot that sees a completion's effects. */
	size_t live = atomic_load_explicit(&((wk_tpc_single *)ex)->live, memory_order_acquire);
	if (live == 0)
		wk__annotate_acquire(&ex->live); /* the load's acquire, of a completion */
	return live;
}

void wk_tpc_single_destroy(wk_tpc_single *ex)
{
	wk_future *f;
	if (ex == NULL)
		return;
	if (ex->task != NULL)
		finish_task(ex);
	/* acquire: pairs with the release in spawn. */
	f = atomic_exchange_explicit(&ex->incoming, NULL, memory_order_acquire);
	if (f != NULL) {
		wk__annotate_acquire(&ex->incoming); /* the exchange's acquire */
		wk_future_drop(f);
		release_flag(ex->incoming_flag);
	}
	wk__annotate_freeing(&ex->incoming);
	wk__annotate_freeing(&ex->live);
	free(ex);
}
