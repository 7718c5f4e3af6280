/*
 * test_many.c - tpc.many: 10,000 tasks in one runtime, and cross-core
 * ping-pong through thread-safe wakers.
 */
#include "support/tpc_test.h"

#include <stdlib.h>
#include <string.h>

#define QUIESCE_NS (60ull * 1000000000ull)
#define MANY 10000

/* ---- 10,000 tasks ------------------------------------------------------------------ */

static void many_case(wk_tpc_mode mode, unsigned cores)
{
	wk_tpc_runtime *rt = tpc_runtime(mode, cores);
	probe *p = calloc(MANY, sizeof *p);
	int i, bad_polls = 0, bad_drops = 0;
	assert_non_null(rt);
	assert_non_null(p);
	for (i = 0; i < MANY; i++) {
		probe_init(&p[i], i % 2 ? probe_self_wake_local : probe_self_wake_waker, NULL);
		p[i].limit = 3;
		assert_int_equal(wk_tpc_spawn(rt, WK_TPC_CORE_ANY, 0, &p[i].base, NULL), 0);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (i = 0; i < MANY; i++) {
		bad_polls += probe_polls(&p[i]) != 3;
		bad_drops += probe_drops(&p[i]) != 1;
	}
	assert_int_equal(bad_polls, 0);
	assert_int_equal(bad_drops, 0);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
	free(p);
}

/* A task that spawns MANY local tasks and joins them all. */
typedef struct spawner {
	probe p;
	probe *children;
	wk_tpc_join **joins;
	int next_join;
	int ready;
} spawner;

static wk_poll spawner_poll(probe *p, const wk_context *cx, void **output)
{
	spawner *s = (spawner *)p;
	(void)output;
	if (p->n++ == 0) {
		int i;
		for (i = 0; i < MANY; i++) {
			probe_init(&s->children[i], probe_ready, (void *)(uintptr_t)(i + 1));
			if (wk_tpc_spawn_local(&s->children[i].base, &s->joins[i]) != 0)
				return WK_READY;
		}
	}
	while (s->next_join < MANY) {
		void *out = NULL;
		wk_tpc_join_status st = wk_tpc_join_poll(s->joins[s->next_join], cx, &out);
		if (st == WK_TPC_JOIN_PENDING)
			return WK_PENDING;
		if (st == WK_TPC_JOIN_READY && out == (void *)(uintptr_t)(s->next_join + 1))
			s->ready++;
		wk_tpc_join_drop(s->joins[s->next_join]);
		s->next_join++;
	}
	return WK_READY;
}

/* @proves WK-TPC-027 */
static void test_ten_thousand_tasks(void **state)
{
	spawner s;
	wk_tpc_runtime *rt;
	(void)state;
	many_case(WK_TPC_MODE_THREADS, 2);
	many_case(WK_TPC_MODE_DETERMINISTIC, 3);

	rt = tpc_runtime(WK_TPC_MODE_THREADS, 1);
	assert_non_null(rt);
	memset(&s, 0, sizeof s);
	probe_init(&s.p, spawner_poll, NULL);
	s.children = calloc(MANY, sizeof *s.children);
	s.joins = calloc(MANY, sizeof *s.joins);
	assert_int_equal(wk_tpc_block_on(rt, 0, &s.p.base, NULL), WK_TPC_JOIN_READY);
	assert_int_equal(s.ready, MANY);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
	free(s.children);
	free(s.joins);
}

/* ---- cross-core ping-pong ---------------------------------------------------------------- */

typedef struct pingpong {
	_Atomic unsigned long seq; /* even: side 0 acts, odd: side 1 acts */
	unsigned long total;       /* seq stops here */
	wk_waker w[2];             /* each side's thread-safe waker */
	_Atomic int published[2];
	_Atomic unsigned long acted[2];
} pingpong;

typedef struct side {
	probe p;
	pingpong *pp;
	int me;
} side;

static wk_poll side_poll(probe *p, const wk_context *cx, void **output)
{
	side *sd = (side *)p;
	pingpong *pp = sd->pp;
	int me = sd->me, other = 1 - me;
	unsigned long s;
	(void)output;
	if (!atomic_load_explicit(&pp->published[me], memory_order_relaxed)) {
		pp->w[me] = wk_waker_clone(wk_context_waker(cx));
		/* seq_cst store then load (both sides): at least one side sees the
		 * other's flag, so at least one wakes the other. */
		atomic_store(&pp->published[me], 1);
		if (atomic_load(&pp->published[other]))
			wk_waker_wake_by_ref(&pp->w[other]);
	}
	/* acquire: see the other side's waker before using it. */
	if (!atomic_load_explicit(&pp->published[other], memory_order_acquire))
		return WK_PENDING; /* the other side wakes us once it published */
	s = atomic_load(&pp->seq);
	if (s < pp->total && s % 2 == (unsigned long)me) {
		atomic_fetch_add(&pp->acted[me], 1);
		atomic_store(&pp->seq, s + 1);
		wk_waker_wake_by_ref(&pp->w[other]);
		s++;
	}
	return s >= pp->total ? WK_READY : WK_PENDING;
}

/* @proves WK-TPC-029 */
static void test_cross_core_ping_pong(void **state)
{
	wk_tpc_runtime *rt = tpc_runtime(WK_TPC_MODE_THREADS, 2);
	pingpong pp;
	side a, b;
	(void)state;
	assert_non_null(rt);
	memset(&pp, 0, sizeof pp);
	pp.total = 2 * tpc_scaled(20000);
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	probe_init(&a.p, side_poll, NULL);
	probe_init(&b.p, side_poll, NULL);
	a.pp = b.pp = &pp;
	a.me = 0;
	b.me = 1;
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &a.p.base, NULL), 0);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &b.p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	/* A lost wake would have stopped the exchange early. */
	assert_int_equal(atomic_load(&pp.seq), pp.total);
	assert_int_equal(atomic_load(&pp.acted[0]), pp.total / 2);
	assert_int_equal(atomic_load(&pp.acted[1]), pp.total / 2);
	assert_int_equal(probe_drops(&a.p), 1);
	assert_int_equal(probe_drops(&b.p), 1);
	assert_int_equal(atomic_load(&a.p.first_core), 0);
	assert_int_equal(atomic_load(&b.p.first_core), 1);
	assert_int_equal(atomic_load(&a.p.core_changes) + atomic_load(&b.p.core_changes), 0);
	wk_waker_drop(&pp.w[0]);
	wk_waker_drop(&pp.w[1]);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ten_thousand_tasks),
		cmocka_unit_test(test_cross_core_ping_pong),
	};
	return cmocka_run_group_tests_name("tpc.many", tests, NULL, NULL);
}
