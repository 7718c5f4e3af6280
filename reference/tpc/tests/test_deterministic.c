/*
 * test_det.c - tpc.deterministic: the same bytes give the same trace,
 * deferred foreign wakes fire where the bytes say, and quiescence in
 * virtual time.
 */
#include "support/tpc_test.h"

#include <stdlib.h>
#include <string.h>

#define QUIESCE_NS (30ull * 1000000000ull)
#define CORES 3
#define ROUNDS 40

/* ---- a scenario with cross-core wakes, local spawns, timers, deferred wakes ------------ */

typedef struct world {
	wk_tpc_runtime *rt;
	wk_waker w[CORES];
	int has[CORES];
	int rounds[CORES];
	probe workers[CORES];
	probe children[CORES * ROUNDS];
	int nchildren;
	unsigned long main_thread;
	int off_thread_polls;
} world;

static world g;

static wk_poll child_poll(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (p->n++ == 0) {
		wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
		return WK_PENDING;
	}
	return WK_READY;
}

static wk_poll worker_poll(probe *p, const wk_context *cx, void **output)
{
	int me = (int)(intptr_t)p->user, next = (me + 1) % CORES;
	(void)output;
	if ((unsigned long)pthread_self() != g.main_thread)
		g.off_thread_polls++;
	if (!g.has[me]) {
		g.w[me] = wk_waker_clone(wk_context_waker(cx));
		g.has[me] = 1;
	}
	if (g.rounds[me] >= ROUNDS)
		return WK_READY;
	g.rounds[me]++;
	switch (g.rounds[me] % 4) {
	case 0:
		if (g.has[next])
			wk_waker_wake_by_ref(&g.w[next]); /* cross-core: routed */
		wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
		break;
	case 1:
		if (g.nchildren < CORES * ROUNDS) {
			probe *c = &g.children[g.nchildren++];
			probe_init(c, child_poll, NULL);
			wk_tpc_spawn_local(&c->base, NULL);
		}
		wk_waker_wake_by_ref(wk_context_waker(cx)); /* own core: local */
		break;
	case 2:
		if (g.has[next]) {
			wk_waker d = wk_waker_clone(&g.w[next]);
			wk_tpc_det_defer_wake(g.rt, &d);
		}
		wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
		break;
	default:
		/* a spawn onto another core: a remote spawn */
		if (g.nchildren < CORES * ROUNDS) {
			probe *c = &g.children[g.nchildren++];
			probe_init(c, child_poll, NULL);
			wk_tpc_spawn(g.rt, next, 0, &c->base, NULL);
		}
		if (g.has[next])
			wk_waker_wake_by_ref(&g.w[next]);
		{
			wk_waker self = wk_waker_clone(wk_context_waker(cx));
			wk_tpc_det_defer_wake(g.rt, &self);
		}
		break;
	}
	return WK_PENDING;
}

typedef struct run_result {
	uint64_t hash;
	size_t n;
	wk_tpc_event *events;
	size_t bytes_used;
	int off_thread_polls;
	int sleep_done;
} run_result;

static run_result run_world(const uint8_t *bytes, size_t len)
{
	wk_tpc_config c = tpc_config(WK_TPC_MODE_DETERMINISTIC, CORES);
	run_result r;
	const wk_tpc_event *ev;
	wk_tpc_join *sleeper = NULL;
	int i;

	memset(&g, 0, sizeof g);
	g.main_thread = (unsigned long)pthread_self();
	c.schedule = bytes;
	c.schedule_len = len;
	g.rt = wk_tpc_create(&c);
	assert_non_null(g.rt);
	for (i = 0; i < CORES; i++) {
		probe_init(&g.workers[i], worker_poll, (void *)(intptr_t)i);
		assert_int_equal(wk_tpc_spawn(g.rt, i, 0, &g.workers[i].base, NULL), 0);
	}
	assert_int_equal(wk_tpc_spawn(g.rt, 1, 0, wk_tpc_sleep(5000000), &sleeper), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(g.rt, QUIESCE_NS), 1);
	for (i = 0; i < CORES; i++)
		assert_int_equal(probe_drops(&g.workers[i]), 1);
	r.sleep_done = wk_tpc_join_wait(sleeper, NULL) == WK_TPC_JOIN_READY;
	wk_tpc_join_drop(sleeper);
	ev = wk_tpc_trace(g.rt, &r.n);
	r.hash = wk_tpc_trace_hash(g.rt);
	r.events = malloc(r.n * sizeof *r.events + 1);
	memcpy(r.events, ev, r.n * sizeof *r.events);
	r.bytes_used = wk_tpc_det_bytes_used(g.rt);
	r.off_thread_polls = g.off_thread_polls;
	for (i = 0; i < CORES; i++)
		if (g.has[i])
			wk_waker_drop(&g.w[i]);
	wk_tpc_destroy(g.rt);
	return r;
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	size_t i;
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		b[i] = (uint8_t)(seed >> 16);
	}
}

/* @proves WK-TPC-021 */
static void test_same_bytes_same_trace(void **state)
{
	uint8_t bytes[4096];
	run_result a, b, other;
	int differs = 0;
	unsigned seed;
	(void)state;
	fill(bytes, sizeof bytes, 1);
	a = run_world(bytes, sizeof bytes);
	b = run_world(bytes, sizeof bytes);
	assert_true(a.n > 100);
	assert_true(a.bytes_used > 50);
	assert_int_equal(a.off_thread_polls, 0); /* every core ran on this thread */
	assert_true(a.sleep_done);
	assert_int_equal(a.hash, b.hash);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(a.events, b.events, a.n * sizeof *a.events);
	for (seed = 2; seed < 7; seed++) {
		fill(bytes, sizeof bytes, seed);
		other = run_world(bytes, sizeof bytes);
		differs += other.hash != a.hash;
		free(other.events);
	}
	assert_true(differs >= 4); /* the bytes really steer the schedule */
	/* No bytes at all: round robin, and still replayable. */
	other = run_world(NULL, 0);
	free(b.events);
	b = run_world(NULL, 0);
	assert_int_equal(other.hash, b.hash);
	free(other.events);
	free(a.events);
	free(b.events);
}

/* ---- deferred foreign wakes ----------------------------------------------------------- */

static wk_poll busy_and_defer(probe *p, const wk_context *cx, void **output)
{
	probe *target = p->user;
	(void)output;
	if (p->n++ == 0) {
		wk_waker d = wk_waker_clone(&target->waker);
		wk_tpc_det_defer_wake(g.rt, &d);
	}
	if (p->n >= 10)
		return WK_READY;
	wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

/* Step of the first event of this kind (and this `a`, unless a < 0), or -1. */
static long first_step(wk_tpc_runtime *rt, int kind, long a)
{
	size_t n, i;
	const wk_tpc_event *ev = wk_tpc_trace(rt, &n);
	for (i = 0; i < n; i++)
		if (ev[i].kind == kind && (a < 0 || ev[i].a == (uint64_t)a))
			return (long)ev[i].step;
	return -1;
}

static long fire_step_with(uint8_t byte, int *order_ok, int *target_polls)
{
	wk_tpc_config c = tpc_config(WK_TPC_MODE_DETERMINISTIC, 1);
	uint8_t bytes[64];
	probe target, busy;
	long fire, defer, route, drain;
	memset(bytes, byte, sizeof bytes);
	c.schedule = bytes;
	c.schedule_len = sizeof bytes;
	g.rt = wk_tpc_create(&c);
	assert_non_null(g.rt);
	probe_init(&target, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_spawn(g.rt, 0, 0, &target.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(g.rt, QUIESCE_NS), 1);
	probe_init(&busy, busy_and_defer, &target);
	assert_int_equal(wk_tpc_spawn(g.rt, 0, 0, &busy.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(g.rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_det_step(g.rt), 0);
	*target_polls = probe_polls(&target);
	defer = first_step(g.rt, WK_TPC_EV_DEFER, -1);
	fire = first_step(g.rt, WK_TPC_EV_FIRE, -1);
	route = first_step(g.rt, WK_TPC_EV_ROUTE, -1);
	drain = first_step(g.rt, WK_TPC_EV_DRAIN, 1); /* a wake, not a spawn */
	*order_ok = defer >= 0 && defer < fire && fire == route && route < drain;
	wk_tpc_destroy(g.rt);
	probe_release_wakers(&target);
	return fire;
}

/* @proves WK-TPC-022 */
static void test_deferred_wakes_fire_where_bytes_say(void **state)
{
	int ok0, ok1, polls0, polls1;
	long f0, f1;
	(void)state;
	/* Candidates while busy runs: RUN(core 0), then FIRE.  Byte 0 keeps
	 * running the busy task; byte 1 fires the deferred wake at once. */
	f0 = fire_step_with(0, &ok0, &polls0);
	f1 = fire_step_with(1, &ok1, &polls1);
	assert_true(ok0);
	assert_true(ok1);
	assert_true(f1 < f0);
	/* Either way the foreign wake was not lost before quiescence. */
	assert_int_equal(polls0, 2);
	assert_int_equal(polls1, 2);
}

/* ---- quiescence in virtual time ----------------------------------------------------------- */

/* @proves WK-TPC-023 WK-TPC-021 */
static void test_quiescent_means_nothing_left(void **state)
{
	wk_tpc_runtime *rt;
	probe target;
	wk_waker d;
	(void)state;
	rt = tpc_runtime(WK_TPC_MODE_DETERMINISTIC, 2);
	assert_non_null(rt);
	g.rt = rt;
	probe_init(&target, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &target.base, NULL), 0);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, wk_tpc_sleep(3600ull * 1000000000ull), NULL), 0);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, wk_tpc_sleep(7200ull * 1000000000ull), NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	/* Both sleepers finished: virtual time jumped past two hours. */
	assert_int_equal(wk_tpc_live_tasks(rt), 1);
	assert_int_equal(wk_tpc_det_step(rt), 0);
	d = wk_waker_clone(&target.waker);
	wk_tpc_det_defer_wake(rt, &d);
	assert_int_equal(wk_tpc_det_step(rt), 1); /* a deferred wake is work */
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&target), 2);
	assert_int_equal(atomic_load(&target.first_core), 1);
	wk_tpc_destroy(rt);
	probe_release_wakers(&target);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_bytes_same_trace),
		cmocka_unit_test(test_deferred_wakes_fire_where_bytes_say),
		cmocka_unit_test(test_quiescent_means_nothing_left),
	};
	return cmocka_run_group_tests_name("tpc.deterministic", tests, NULL, NULL);
}
