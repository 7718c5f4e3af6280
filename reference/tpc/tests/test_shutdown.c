/*
 * test_shutdown.c - tpc.shutdown: destroy drops every unfinished future
 * exactly once on its core, futures that wake, drop and spawn from their
 * drop, and wakers / join handles that outlive the runtime.
 */
#include "support/tpc_test.h"

#include <stdlib.h>
#include <string.h>

#define QUIESCE_NS (30ull * 1000000000ull)

static wk_tpc_runtime *make_rt(wk_tpc_mode mode, unsigned cores)
{
	wk_tpc_runtime *rt = tpc_runtime(mode, cores);
	assert_non_null(rt);
	return rt;
}

/* ---- every future dropped exactly once, on its own core ------------------------------- */

#define PENDING_N 20
#define BUSY_N 2
#define DONE_N 10

/* @proves WK-TPC-012 WK-TPC-015 */
static void test_destroy_drops_each_future_once(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2);
	probe pend[PENDING_N], busy[BUSY_N], done[DONE_N], out_of_range;
	int i;
	(void)state;
	for (i = 0; i < PENDING_N; i++) {
		probe_init(&pend[i], probe_pending, NULL);
		assert_int_equal(wk_tpc_spawn(rt, i % 2, i % 3 ? 0 : WK_TPC_SPAWN_LOCAL,
					      &pend[i].base, NULL),
				 0);
	}
	for (i = 0; i < DONE_N; i++) {
		probe_init(&done[i], probe_ready, NULL);
		assert_int_equal(wk_tpc_spawn(rt, i % 2, 0, &done[i].base, NULL), 0);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (i = 0; i < BUSY_N; i++) {
		probe_init(&busy[i], probe_forever_self_wake, NULL);
		assert_int_equal(wk_tpc_spawn(rt, i % 2, 0, &busy[i].base, NULL), 0);
	}
	probe_init(&out_of_range, probe_ready, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 2, 0, &out_of_range.base, NULL), -1);
	assert_int_equal(probe_drops(&out_of_range), 1);
	assert_int_equal(probe_polls(&out_of_range), 0);
	for (i = 0; i < DONE_N; i++)
		assert_int_equal(probe_drops(&done[i]), 1); /* at completion */

	wk_tpc_destroy(rt);

	for (i = 0; i < PENDING_N; i++) {
		assert_int_equal(probe_drops(&pend[i]), 1);
		assert_int_equal(probe_polls(&pend[i]), 1);
		assert_int_equal(atomic_load(&pend[i].drop_core), i % 2);
		assert_true(atomic_load(&pend[i].drop_thread) == atomic_load(&pend[i].thread));
	}
	for (i = 0; i < BUSY_N; i++) {
		assert_int_equal(probe_drops(&busy[i]), 1);
		assert_int_equal(atomic_load(&busy[i].drop_core), i % 2);
	}
	for (i = 0; i < DONE_N; i++)
		assert_int_equal(probe_drops(&done[i]), 1);
}

/* ---- deterministic: what the drops do during shutdown --------------------------------- */

typedef struct drop_actions {
	wk_tpc_runtime *rt;
	probe spawned[4];          /* futures spawned from drops */
	int spawn_result[4];
	probe *victim;             /* a pending task whose wakers the drops use */
	wk_local_waker victim_local;
	wk_waker victim_waker;
} drop_actions;

static drop_actions g_actions;

static void drop_of_core0(probe *p)
{
	drop_actions *a = &g_actions;
	(void)p;
	/* Core 0 shuts down first: core 1 still takes spawns, core 0 does not. */
	a->spawn_result[0] = wk_tpc_spawn(a->rt, 1, 0, &a->spawned[0].base, NULL);
	a->spawn_result[1] = wk_tpc_spawn(a->rt, 0, 0, &a->spawned[1].base, NULL);
	/* Wake a task of this core (local and thread-safe), then let go of
	 * the wakers: the task is already complete, nothing may poll it. */
	wk_local_waker_wake_by_ref(&a->victim_local);
	wk_waker_wake_by_ref(&a->victim_waker);
	wk_local_waker_drop(&a->victim_local);
	wk_waker_drop(&a->victim_waker);
}

static void drop_of_core1(probe *p)
{
	drop_actions *a = &g_actions;
	(void)p;
	a->spawn_result[2] = wk_tpc_spawn(a->rt, 0, 0, &a->spawned[2].base, NULL);
	a->spawn_result[3] = wk_tpc_spawn_local(&a->spawned[3].base, NULL);
}

static wk_poll victim_poll(probe *p, const wk_context *cx, void **output)
{
	(void)p;
	(void)output;
	g_actions.victim_local = wk_local_waker_clone(wk_context_local_waker(cx));
	g_actions.victim_waker = wk_waker_clone(wk_context_waker(cx));
	return WK_PENDING;
}

/* @proves WK-TPC-014 WK-TPC-015 WK-TPC-012 */
static void test_drops_during_shutdown(void **state)
{
	drop_actions *a = &g_actions;
	probe x, y, victim, queued;
	wk_waker queued_waker;
	int i;
	(void)state;
	memset(a, 0, sizeof *a);
	a->rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 2);
	for (i = 0; i < 4; i++)
		probe_init(&a->spawned[i], probe_ready, NULL);
	probe_init(&victim, victim_poll, NULL);
	probe_init(&x, probe_pending, NULL);
	x.on_drop = drop_of_core0;
	probe_init(&y, probe_pending, NULL);
	y.on_drop = drop_of_core1;
	/* Whatever the order of the drops, every unfinished task of a core is
	 * complete before its first drop runs. */
	assert_int_equal(wk_tpc_spawn(a->rt, 0, 0, &victim.base, NULL), 0);
	assert_int_equal(wk_tpc_spawn(a->rt, 0, 0, &x.base, NULL), 0);
	assert_int_equal(wk_tpc_spawn(a->rt, 1, 0, &y.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(a->rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&victim), 1);

	/* Still queued at destroy: a spawn and a foreign wake. */
	probe_init(&queued, probe_ready, NULL);
	assert_int_equal(wk_tpc_spawn(a->rt, 1, 0, &queued.base, NULL), 0);
	queued_waker = wk_waker_clone(&a->victim_waker);
	wk_waker_wake_by_ref(&queued_waker);

	wk_tpc_destroy(a->rt);

	assert_int_equal(probe_drops(&victim), 1);
	assert_int_equal(probe_polls(&victim), 1); /* the drop's wakes polled nothing */
	assert_int_equal(probe_drops(&x), 1);
	assert_int_equal(probe_drops(&y), 1);
	assert_int_equal(probe_drops(&queued), 1);
	assert_int_equal(probe_polls(&queued), 0);
	assert_int_equal(a->spawn_result[0], 0);  /* core 1 was still open */
	assert_int_equal(a->spawn_result[1], -1); /* core 0 was closing */
	assert_int_equal(a->spawn_result[2], -1); /* core 0 was closed */
	assert_int_equal(a->spawn_result[3], -1); /* core 1 was closing */
	for (i = 0; i < 4; i++) {
		assert_int_equal(probe_drops(&a->spawned[i]), 1);
		assert_int_equal(probe_polls(&a->spawned[i]), 0);
	}
	/* The runtime is gone; this waker still works as a no-op. */
	wk_waker_wake_by_ref(&queued_waker);
	wk_waker_drop(&queued_waker);
}

/* ---- wakers and handles outliving the runtime ------------------------------------------- */

#define OUTLIVE_THREADS 3
#define OUTLIVE_TASKS 4

typedef struct outliver {
	wk_waker w[OUTLIVE_TASKS];
	_Atomic int *stop;
	unsigned long after_stop;
	unsigned long ops;
} outliver;

static void *outlive_thread(void *arg)
{
	outliver *o = arg;
	unsigned long extra = 0;
	unsigned k = 0;
	while (extra < o->after_stop) {
		wk_waker *w = &o->w[k++ % OUTLIVE_TASKS];
		wk_waker c = wk_waker_clone(w);
		wk_waker_wake_by_ref(&c);
		if (k % 3 == 0) {
			wk_waker_wake(&c);
		} else {
			wk_waker_drop(&c);
			wk_waker_wake_by_ref(w);
		}
		o->ops++;
		if (atomic_load(o->stop))
			extra++;
	}
	for (k = 0; k < OUTLIVE_TASKS; k++)
		wk_waker_drop(&o->w[k]);
	return NULL;
}

static wk_poll leak_local_join(probe *p, const wk_context *cx, void **output)
{
	probe *child = p->user;
	wk_tpc_join *j = NULL;
	(void)cx;
	wk_tpc_spawn_local(&child->base, &j);
	*output = j;
	return WK_READY;
}

/* @proves WK-TPC-013 */
static void test_wakers_outlive_runtime(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2);
	probe p[OUTLIVE_TASKS], keeper, child, outer;
	outliver o[OUTLIVE_THREADS];
	pthread_t th[OUTLIVE_THREADS];
	_Atomic int stop = 0;
	wk_waker mine;
	wk_tpc_join *j = NULL;
	void *out = NULL;
	int i, k;
	(void)state;
	for (k = 0; k < OUTLIVE_TASKS; k++) {
		probe_init(&p[k], probe_store_waker, NULL);
		assert_int_equal(wk_tpc_spawn(rt, k % 2, k % 2 ? WK_TPC_SPAWN_LOCAL : 0, &p[k].base,
					      NULL),
				 0);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (i = 0; i < OUTLIVE_THREADS; i++) {
		o[i].stop = &stop;
		o[i].after_stop = tpc_scaled(20000);
		o[i].ops = 0;
		for (k = 0; k < OUTLIVE_TASKS; k++)
			o[i].w[k] = wk_waker_clone(&p[k].waker);
	}
	mine = wk_waker_clone(&p[0].waker);
	for (i = 0; i < OUTLIVE_THREADS; i++)
		th[i] = tpc_thread_start(outlive_thread, &o[i]);

	wk_tpc_destroy(rt); /* while the threads keep waking */
	atomic_store(&stop, 1);
	for (i = 0; i < OUTLIVE_THREADS; i++)
		tpc_thread_join(th[i]);
	for (k = 0; k < OUTLIVE_TASKS; k++) {
		assert_int_equal(probe_drops(&p[k]), 1);
		probe_release_wakers(&p[k]);
	}
	/* The last holder: wake, clone, drop after everything else is gone. */
	wk_waker_wake_by_ref(&mine);
	{
		wk_waker c = wk_waker_clone(&mine);
		wk_waker_wake(&c);
	}
	wk_waker_drop(&mine);

	/* Deterministic: a local waker and a local join handle kept past the
	 * runtime (this thread was every core's thread). */
	rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 1);
	probe_init(&keeper, probe_pending, NULL);
	probe_init(&child, probe_pending, NULL);
	probe_init(&outer, leak_local_join, &child);
	assert_int_equal(wk_tpc_block_on(rt, 0, &outer.base, &out), WK_TPC_JOIN_READY);
	j = out;
	assert_non_null(j);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &keeper.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 2); /* child (held by j), keeper */
	wk_tpc_destroy(rt);
	assert_int_equal(probe_drops(&child), 1);
	assert_int_equal(probe_drops(&keeper), 1);
	{
		wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
		wk_context cx = wk_context_builder_build(&b);
		assert_int_equal(wk_tpc_join_poll(j, &cx, &out), WK_TPC_JOIN_CANCELLED);
	}
	wk_tpc_join_drop(j); /* frees the orphaned child */
}

static wk_poll keep_local(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	p->local = wk_local_waker_clone(wk_context_local_waker(cx));
	p->has_local = true;
	return WK_PENDING;
}

/* @proves WK-TPC-013 */
static void test_local_waker_outlives_runtime(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 2);
	probe p;
	wk_local_waker c;
	(void)state;
	probe_init(&p, keep_local, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	wk_tpc_destroy(rt);
	assert_int_equal(probe_drops(&p), 1);
	/* The orphaned task: wake is ignored, clone and drop count, the last
	 * drop frees it (Valgrind and LeakSanitizer check the free). */
	wk_local_waker_wake_by_ref(&p.local);
	c = wk_local_waker_clone(&p.local);
	wk_local_waker_wake(&c);
	assert_int_equal(probe_polls(&p), 1);
	probe_release_wakers(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destroy_drops_each_future_once),
		cmocka_unit_test(test_drops_during_shutdown),
		cmocka_unit_test(test_wakers_outlive_runtime),
		cmocka_unit_test(test_local_waker_outlives_runtime),
	};
	return cmocka_run_group_tests_name("tpc.shutdown", tests, NULL, NULL);
}
