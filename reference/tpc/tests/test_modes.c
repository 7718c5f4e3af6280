/*
 * test_modes.c - tpc.modes: the single-task (static flag) and task-id
 * (slot table) executors, and the executor ops shared by every mode.
 */
#include "support/tpc_test.h"

#include <stdlib.h>
#include <string.h>

#define RUN_NS (30ull * 1000000000ull)

/* Stores a clone of the waker; ready once *(p->user) is set. */
static wk_poll store_until_finish(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (!p->has_waker) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
	}
	return atomic_load((_Atomic int *)p->user) ? WK_READY : WK_PENDING;
}

static void *wake_twice(void *arg)
{
	wk_waker *w = arg;
	wk_waker c = wk_waker_clone(w);
	wk_waker_wake_by_ref(&c);
	wk_waker_wake(&c);
	return NULL;
}

/* ---- single-task executor --------------------------------------------------------- */

/* @proves WK-TPC-024 */
static void test_single_task_executor(void **state)
{
	wk_tpc_single *ex = wk_tpc_single_create(NULL);
	_Atomic int finish = 0, never = 0;
	probe a, b, c;
	wk_waker keep;
	(void)state;
	assert_non_null(ex);
	probe_init(&a, store_until_finish, &finish);
	probe_init(&b, probe_ready, NULL);
	assert_int_equal(wk_tpc_single_spawn(ex, 0, 0, &a.base), 0);
	assert_int_equal(wk_tpc_single_spawn(ex, 0, 0, &b.base), -1); /* one live task */
	assert_int_equal(probe_drops(&b), 1);
	assert_int_equal(probe_polls(&b), 0);
	assert_int_equal(wk_tpc_single_live_tasks(ex), 1);

	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&a), 1);
	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&a), 1); /* not woken: not polled */

	/* A wake from another thread raises the flag; wakes coalesce. */
	tpc_thread_join(tpc_thread_start(wake_twice, &a.waker));
	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&a), 2);

	atomic_store(&finish, 1);
	wk_waker_wake_by_ref(&a.waker);
	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&a), 3);
	assert_int_equal(probe_drops(&a), 1);
	assert_int_equal(wk_tpc_single_live_tasks(ex), 0);

	/* The next task gets another flag: the old waker is not "the same task". */
	probe_init(&c, store_until_finish, &never);
	assert_int_equal(wk_tpc_single_spawn(ex, WK_TPC_CORE_ANY, 0, &c.base), 0);
	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_false(wk_waker_will_wake(&a.waker, &c.waker));
	wk_waker_wake_by_ref(&a.waker); /* stale: harmless */
	assert_int_equal(wk_tpc_single_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&c), 1);
	keep = wk_waker_clone(&c.waker);

	wk_tpc_single_destroy(ex); /* drops the live task */
	assert_int_equal(probe_drops(&c), 1);
	/* Wakers outliving the executor: static flags, always safe. */
	wk_waker_wake_by_ref(&keep);
	wk_waker_wake(&keep);
	probe_release_wakers(&a);
	probe_release_wakers(&c);
}

/* ---- task-id executor ---------------------------------------------------------------- */

#define SLOT_TASKS 100

typedef struct slot_waker_job {
	probe *p;
	int rounds;
} slot_waker_job;

static void *wake_all(void *arg)
{
	slot_waker_job *j = arg;
	int r, i;
	for (r = 0; r < j->rounds; r++)
		for (i = 0; i < SLOT_TASKS; i++) {
			wk_waker c = wk_waker_clone(&j->p[i].waker);
			if (r % 2)
				wk_waker_wake(&c);
			else {
				wk_waker_wake_by_ref(&c);
				wk_waker_drop(&c);
			}
		}
	return NULL;
}

/* @proves WK-TPC-025 */
static void test_slot_table_executor(void **state)
{
	wk_tpc_config cfg = tpc_config(WK_TPC_MODE_SLOTS, 1);
	wk_tpc_slots *ex;
	static probe p[SLOT_TASKS];
	static _Atomic int finish[SLOT_TASKS];
	probe fresh, extra[5];
	slot_waker_job job;
	pthread_t t1, t2;
	int i, total_before, total_after;
	(void)state;
	ex = wk_tpc_slots_create(&cfg);
	assert_non_null(ex);
	for (i = 0; i < SLOT_TASKS; i++) {
		atomic_store(&finish[i], 0);
		probe_init(&p[i], store_until_finish, &finish[i]);
		assert_int_equal(wk_tpc_slots_spawn(ex, WK_TPC_CORE_ANY, 0, &p[i].base), 0);
	}
	assert_int_equal(wk_tpc_slots_live_tasks(ex), SLOT_TASKS);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	for (i = 0; i < SLOT_TASKS; i++)
		assert_int_equal(probe_polls(&p[i]), 1);

	/* Two threads wake every task many times: one poll each. */
	job.p = p;
	job.rounds = (int)tpc_scaled(200);
	t1 = tpc_thread_start(wake_all, &job);
	t2 = tpc_thread_start(wake_all, &job);
	tpc_thread_join(t1);
	tpc_thread_join(t2);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	for (i = 0; i < SLOT_TASKS; i++) {
		assert_int_equal(probe_polls(&p[i]), 2);
		assert_int_equal(atomic_load(&p[i].concurrent), 0);
	}

	/* Task 0 finishes; its id goes stale. */
	atomic_store(&finish[0], 1);
	wk_waker_wake_by_ref(&p[0].waker);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_drops(&p[0]), 1);
	assert_int_equal(wk_tpc_slots_live_tasks(ex), SLOT_TASKS - 1);
	/* A new task may reuse the slot; the stale id must not wake it. */
	probe_init(&fresh, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_slots_spawn(ex, 0, 0, &fresh.base), 0);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	total_before = 0;
	for (i = 0; i < SLOT_TASKS; i++)
		total_before += probe_polls(&p[i]);
	wk_waker_wake_by_ref(&p[0].waker);
	wk_waker_wake_by_ref(&p[0].waker);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	total_after = 0;
	for (i = 0; i < SLOT_TASKS; i++)
		total_after += probe_polls(&p[i]);
	assert_int_equal(total_after, total_before);
	assert_int_equal(probe_polls(&fresh), 1);
	assert_int_equal(probe_polls(&p[0]), 3);

	wk_tpc_slots_destroy(ex);
	for (i = 0; i < SLOT_TASKS; i++)
		assert_int_equal(probe_drops(&p[i]), 1);
	assert_int_equal(probe_drops(&fresh), 1);
	/* Ids of a freed table: harmless to wake, clone and drop. */
	for (i = 0; i < SLOT_TASKS; i++) {
		wk_waker c = wk_waker_clone(&p[i].waker);
		wk_waker_wake(&c);
		wk_waker_wake_by_ref(&p[i].waker);
		probe_release_wakers(&p[i]);
	}
	probe_release_wakers(&fresh);

	/* Capacity: spawn fails (future dropped) when max_tasks are live. */
	cfg.max_tasks = 4;
	ex = wk_tpc_slots_create(&cfg);
	assert_non_null(ex);
	for (i = 0; i < 5; i++)
		probe_init(&extra[i], probe_pending, NULL);
	for (i = 0; i < 4; i++)
		assert_int_equal(wk_tpc_slots_spawn(ex, 0, 0, &extra[i].base), 0);
	assert_int_equal(wk_tpc_slots_spawn(ex, 0, 0, &extra[4].base), -1);
	assert_int_equal(probe_drops(&extra[4]), 1);
	assert_int_equal(wk_tpc_slots_run_until_quiescent(ex, RUN_NS), 1);
	wk_tpc_slots_destroy(ex);
	for (i = 0; i < 4; i++)
		assert_int_equal(probe_drops(&extra[i]), 1);
}

/* ---- one ops table per mode --------------------------------------------------------------- */

static void ops_case(wk_tpc_mode mode)
{
	const wk_tpc_exec_ops *ops = wk_tpc_exec_ops_for(mode);
	wk_tpc_config cfg = tpc_config(mode, 2);
	_Atomic int finish = 0;
	probe selfw, waiter;
	void *ex;
	assert_non_null(ops);
	assert_int_equal(ops->version, WK_TPC_EXEC_OPS_VERSION);
	assert_int_equal(ops->mode, mode);
	assert_non_null(ops->name);
	assert_true(ops->caps & WK_TPC_CAP_THREAD_SAFE_WAKERS);
	cfg.mode = WK_TPC_MODE_SINGLE; /* ignored: the ops decide */
	ex = ops->create(&cfg);
	assert_non_null(ex);
	assert_true(ops->core_count(ex) >= 1);

	probe_init(&selfw, probe_self_wake_local, NULL);
	selfw.limit = 10;
	assert_int_equal(ops->spawn(ex, WK_TPC_CORE_ANY, 0, &selfw.base), 0);
	assert_int_equal(ops->run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&selfw), 10);
	assert_int_equal(probe_drops(&selfw), 1);
	assert_int_equal(ops->live_tasks(ex), 0);

	probe_init(&waiter, store_until_finish, &finish);
	assert_int_equal(ops->spawn(ex, 0, WK_TPC_SPAWN_LOCAL, &waiter.base), 0);
	assert_int_equal(ops->run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&waiter), 1);
	assert_int_equal(ops->live_tasks(ex), 1);
	atomic_store(&finish, 1);
	wk_waker_wake_by_ref(&waiter.waker); /* from this thread: foreign everywhere */
	assert_int_equal(ops->run_until_quiescent(ex, RUN_NS), 1);
	assert_int_equal(probe_polls(&waiter), 2);
	assert_int_equal(probe_drops(&waiter), 1);
	probe_release_wakers(&waiter);
	assert_int_equal(ops->live_tasks(ex), 0);
	ops->destroy(ex);
}

/* @proves WK-TPC-026 */
static void test_exec_ops_same_shape_every_mode(void **state)
{
	(void)state;
	ops_case(WK_TPC_MODE_THREADS);
	ops_case(WK_TPC_MODE_DETERMINISTIC);
	ops_case(WK_TPC_MODE_SINGLE);
	ops_case(WK_TPC_MODE_SLOTS);
	assert_null(wk_tpc_exec_ops_for((wk_tpc_mode)99));
	assert_true(wk_tpc_exec_ops_for(WK_TPC_MODE_DETERMINISTIC)->caps & WK_TPC_CAP_DETERMINISTIC);
	assert_true(wk_tpc_exec_ops_for(WK_TPC_MODE_SINGLE)->caps & WK_TPC_CAP_SINGLE_TASK);
	assert_true(wk_tpc_exec_ops_for(WK_TPC_MODE_THREADS)->caps & WK_TPC_CAP_LOCAL_WAKERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_task_executor),
		cmocka_unit_test(test_slot_table_executor),
		cmocka_unit_test(test_exec_ops_same_shape_every_mode),
	};
	return cmocka_run_group_tests_name("tpc.modes", tests, NULL, NULL);
}
