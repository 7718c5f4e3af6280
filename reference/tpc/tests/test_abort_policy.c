/*
 * test_abort.c - tpc.abort_policy: what a foreign wake of a local-only task
 * does under each foreign-wake policy.
 */
#include "support/tpc_test.h"

#include <stdlib.h>
#include <string.h>

#define QUIESCE_NS (30ull * 1000000000ull)

typedef struct scenario {
	wk_tpc_mode mode;
	wk_tpc_foreign_policy policy;
	unsigned flags;  /* spawn flags of the target */
	int how;         /* 0 wake_by_ref here, 1 wake by value here, 2 from a pthread,
			    3 deferred (deterministic), 4 from another core */
	int polls_after; /* out: polls of the target after the wake */
} scenario;

static void *wake_from_thread(void *arg)
{
	wk_waker *w = arg;
	wk_waker_wake_by_ref(w);
	return NULL;
}

static void wake_on_core(void *arg)
{
	wk_waker_wake_by_ref(arg);
}

static void run_scenario(void *arg)
{
	scenario *s = arg;
	wk_tpc_config c = tpc_config(s->mode, 2);
	wk_tpc_runtime *rt;
	probe p;
	wk_waker w;
	c.foreign_policy = s->policy;
	rt = wk_tpc_create(&c);
	assert_non_null(rt);
	probe_init(&p, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, s->flags, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	w = wk_waker_clone(&p.waker);
	switch (s->how) {
	case 0:
		wk_waker_wake_by_ref(&w);
		break;
	case 1: {
		wk_waker v = wk_waker_clone(&w);
		wk_waker_wake(&v);
		break;
	}
	case 2:
		tpc_thread_join(tpc_thread_start(wake_from_thread, &w));
		break;
	case 3: {
		wk_waker v = wk_waker_clone(&w);
		wk_tpc_det_defer_wake(rt, &v);
		break;
	}
	default:
		assert_int_equal(wk_tpc_run_on(rt, 1, wake_on_core, &w, NULL), 0);
		break;
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	s->polls_after = probe_polls(&p);
	wk_waker_drop(&w);
	wk_tpc_destroy(rt);
	probe_release_wakers(&p);
}

static void run_scenario_void(void *arg)
{
	run_scenario(arg);
}

/* @proves WK-TPC-011 */
static void test_abort_policy_aborts_foreign_wake_of_local_task(void **state)
{
	scenario s;
	(void)state;
	memset(&s, 0, sizeof s);
	s.mode = WK_TPC_MODE_THREADS;
	s.policy = WK_TPC_FOREIGN_ABORT;
	s.flags = WK_TPC_SPAWN_LOCAL;
	s.how = 0;
	tpc_expect_abort(run_scenario_void, &s, "wakerconf: wk_tpc_waker_wake_by_ref: ",
			 "foreign wake of local-only task", "policy is abort", NULL);
	s.how = 1;
	tpc_expect_abort(run_scenario_void, &s, "wakerconf: wk_tpc_waker_wake: ",
			 "foreign wake of local-only task", NULL);
	s.how = 2;
	tpc_expect_abort(run_scenario_void, &s, "foreign wake of local-only task", NULL);
	s.how = 4; /* another core of the same runtime is foreign too */
	tpc_expect_abort(run_scenario_void, &s, "foreign wake of local-only task", NULL);
	s.mode = WK_TPC_MODE_DETERMINISTIC;
	s.how = 3;
	tpc_expect_abort(run_scenario_void, &s, "wakerconf: wk_tpc_waker_wake: ",
			 "foreign wake of local-only task", NULL);
}

/* @proves WK-TPC-011 */
static void test_route_policy_and_sendable_tasks_route(void **state)
{
	scenario s;
	int how;
	(void)state;
	for (how = 0; how <= 4; how++) {
		memset(&s, 0, sizeof s);
		s.mode = how == 3 ? WK_TPC_MODE_DETERMINISTIC : WK_TPC_MODE_THREADS;
		s.how = how;
		/* Default policy (route): a local-only task is woken. */
		s.policy = WK_TPC_FOREIGN_ROUTE;
		s.flags = WK_TPC_SPAWN_LOCAL;
		run_scenario(&s);
		assert_int_equal(s.polls_after, 2);
		/* Abort policy, sendable task: routed as well. */
		s.policy = WK_TPC_FOREIGN_ABORT;
		s.flags = 0;
		run_scenario(&s);
		assert_int_equal(s.polls_after, 2);
	}
}

/* Under the abort policy, a thread-safe wake on the owner core is local. */
static wk_poll wake_self_thread_safe_once(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (p->n++ == 0) {
		wk_waker c = wk_waker_clone(wk_context_waker(cx));
		wk_waker_wake(&c);
		return WK_PENDING;
	}
	return WK_READY;
}

/* @proves WK-TPC-011 */
static void test_abort_policy_allows_owner_core_wakes(void **state)
{
	wk_tpc_config c = tpc_config(WK_TPC_MODE_THREADS, 1);
	wk_tpc_runtime *rt;
	probe p;
	(void)state;
	c.foreign_policy = WK_TPC_FOREIGN_ABORT;
	rt = wk_tpc_create(&c);
	assert_non_null(rt);
	probe_init(&p, wake_self_thread_safe_once, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, WK_TPC_SPAWN_LOCAL, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 2);
	assert_int_equal(probe_drops(&p), 1);
	wk_tpc_destroy(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abort_policy_aborts_foreign_wake_of_local_task),
		cmocka_unit_test(test_route_policy_and_sendable_tasks_route),
		cmocka_unit_test(test_abort_policy_allows_owner_core_wakes),
	};
	return cmocka_run_group_tests_name("tpc.abort_policy", tests, NULL, NULL);
}
