/*
 * test_foreign.c - tpc.foreign: wakes from plain threads, parking, and the
 * 4 threads x 100,000 foreign-wake stress (ThreadSanitizer-clean).
 */
#include "support/tpc_test.h"
#include "tpc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUIESCE_NS (30ull * 1000000000ull)

/* ---- a plain pthread wakes a task ------------------------------------------------- */

typedef struct waker_job {
	wk_waker waker; /* owned by the job */
	int by_value;
} waker_job;

static void *wake_job(void *arg)
{
	waker_job *j = arg;
	if (j->by_value) {
		wk_waker_wake(&j->waker);
	} else {
		wk_waker_wake_by_ref(&j->waker);
		wk_waker_drop(&j->waker);
	}
	return NULL;
}

static void pthread_wake_case(wk_tpc_mode mode, int by_value)
{
	wk_tpc_runtime *rt = tpc_runtime(mode, 2);
	probe p;
	waker_job job;
	pthread_t th;
	assert_non_null(rt);
	probe_init(&p, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 1);
	job.waker = wk_waker_clone(&p.waker);
	job.by_value = by_value;
	th = tpc_thread_start(wake_job, &job);
	tpc_thread_join(th);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 2);
	assert_int_equal(atomic_load(&p.first_core), 1);
	assert_int_equal(atomic_load(&p.core_changes), 0);
	wk_tpc_destroy(rt);
	assert_int_equal(probe_drops(&p), 1);
	probe_release_wakers(&p);
}

/* @proves WK-TPC-008 */
static void test_wake_from_plain_pthread(void **state)
{
	(void)state;
	pthread_wake_case(WK_TPC_MODE_THREADS, 0);
	pthread_wake_case(WK_TPC_MODE_THREADS, 1);
	/* The deterministic runtime's remote queues take real foreign wakes too. */
	pthread_wake_case(WK_TPC_MODE_DETERMINISTIC, 0);
	pthread_wake_case(WK_TPC_MODE_DETERMINISTIC, 1);
}

/* ---- parking ---------------------------------------------------------------------- */

static int wait_polls(probe *p, int want, unsigned ms)
{
	uint64_t end = tpc_now_ns() + (uint64_t)ms * 1000000u;
	while (probe_polls(p) < want)
		if (tpc_now_ns() > end)
			return 0;
		else
			usleep(100);
	return 1;
}

/* Until the core is asleep in its futex wait (park_seq odd). */
static int wait_parked(wk_tpc_runtime *rt, unsigned core, unsigned ms)
{
	uint64_t end = tpc_now_ns() + (uint64_t)ms * 1000000u;
	while ((atomic_load(&rt->cores[core].park_seq) & 1u) == 0)
		if (tpc_now_ns() > end)
			return 0;
		else
			usleep(100);
	usleep(1000); /* from "about to sleep" to asleep */
	return 1;
}

/* @proves WK-TPC-010 */
static void test_parked_core_wakes(void **state)
{
	wk_tpc_runtime *rt = tpc_runtime(WK_TPC_MODE_THREADS, 1);
	probe p, q;
	wk_tpc_join *j = NULL;
	int round;
	(void)state;
	assert_non_null(rt);
	probe_init(&p, probe_store_waker, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &p.base, NULL), 0);
	assert_true(wait_polls(&p, 1, 10000));
	for (round = 0; round < 5; round++) {
		/* Let the core run out of work and sleep, then wake it from here. */
		assert_true(wait_parked(rt, 0, 10000));
		wk_waker_wake_by_ref(&p.waker);
		assert_true(wait_polls(&p, 2 + round, 10000));
	}
	/* A spawn wakes a parked core. */
	assert_true(wait_parked(rt, 0, 10000));
	probe_init(&q, probe_ready, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &q.base, NULL), 0);
	assert_true(wait_polls(&q, 1, 10000));
	/* A due timer wakes a parked core (nobody else will). */
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, wk_tpc_sleep(20000000), &j), 0);
	assert_int_equal(wk_tpc_join_wait(j, NULL), WK_TPC_JOIN_READY);
	wk_tpc_join_drop(j);
	wk_tpc_destroy(rt); /* and stop wakes it too */
	assert_int_equal(probe_drops(&p), 1);
	probe_release_wakers(&p);
}

/* ---- stress: 4 threads x 100,000 foreign wakes ------------------------------------------ */

#define STRESS_THREADS 4
#define STRESS_TARGETS 8

typedef struct target {
	probe p;
	_Atomic unsigned long issued; /* wakes issued so far (before each wake) */
	unsigned long seen;           /* issued, as read by the last poll */
	_Atomic int finish;
} target;

static wk_poll target_poll(probe *p, const wk_context *cx, void **output)
{
	target *t = (target *)p;
	(void)output;
	/* acquire: a wake issued after its counter bump must be seen by the
	 * poll it causes. */
	t->seen = atomic_load_explicit(&t->issued, memory_order_acquire);
	if (!p->has_waker) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
	}
	return atomic_load(&t->finish) ? WK_READY : WK_PENDING;
}

typedef struct stresser {
	target *targets;
	wk_waker wakers[STRESS_TARGETS]; /* one clone per target, owned here */
	unsigned long wakes;
	unsigned seed;
} stresser;

static void *stress_thread(void *arg)
{
	stresser *s = arg;
	unsigned long i;
	for (i = 0; i < s->wakes; i++) {
		unsigned k = (unsigned)rand_r(&s->seed);
		target *t = &s->targets[k % STRESS_TARGETS];
		wk_waker *w = &s->wakers[k % STRESS_TARGETS];
		/* release: pairs with the acquire in target_poll. */
		atomic_fetch_add_explicit(&t->issued, 1, memory_order_release);
		switch ((k >> 8) % 4) {
		case 0:
			wk_waker_wake_by_ref(w);
			break;
		case 1: {
			wk_waker c = wk_waker_clone(w);
			wk_waker_wake(&c);
			break;
		}
		case 2: {
			wk_waker c = wk_waker_clone(w);
			wk_waker_wake_by_ref(&c);
			wk_waker_drop(&c);
			break;
		}
		default: {
			wk_waker c = wk_waker_clone(w);
			wk_waker_drop(&c);
			wk_waker_wake_by_ref(w);
			break;
		}
		}
	}
	return NULL;
}

/* @proves WK-TPC-028 WK-TPC-008 */
static void test_stress_foreign_wakes(void **state)
{
	wk_tpc_runtime *rt = tpc_runtime(WK_TPC_MODE_THREADS, 2);
	static target targets[STRESS_TARGETS];
	stresser s[STRESS_THREADS];
	pthread_t th[STRESS_THREADS];
	unsigned long per_thread = tpc_scaled(100000);
	int i, k;
	(void)state;
	assert_non_null(rt);
	memset(targets, 0, sizeof targets);
	for (k = 0; k < STRESS_TARGETS; k++) {
		probe_init(&targets[k].p, target_poll, NULL);
		assert_int_equal(wk_tpc_spawn(rt, k % 2, 0, &targets[k].p.base, NULL), 0);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (i = 0; i < STRESS_THREADS; i++) {
		s[i].targets = targets;
		s[i].wakes = per_thread;
		s[i].seed = 12345u + (unsigned)i;
		for (k = 0; k < STRESS_TARGETS; k++)
			s[i].wakers[k] = wk_waker_clone(&targets[k].p.waker);
	}
	for (i = 0; i < STRESS_THREADS; i++)
		th[i] = tpc_thread_start(stress_thread, &s[i]);
	for (i = 0; i < STRESS_THREADS; i++)
		tpc_thread_join(th[i]);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);

	for (k = 0; k < STRESS_TARGETS; k++) {
		target *t = &targets[k];
		wk__tpc_task *task;
		wk__tpc_handle *h;
		/* No lost wakeup: the last poll saw the last wake issued. */
		assert_int_equal(t->seen, atomic_load(&t->issued));
		assert_int_equal(atomic_load(&t->p.concurrent), 0);
		assert_int_equal(atomic_load(&t->p.core_changes), 0);
		/* Balanced counts: the task's own reference, the probe's waker and
		 * one per stress thread; nothing queued any more. */
		h = (wk__tpc_handle *)wk_waker_data(&t->p.waker);
		task = h->task;
		assert_non_null(task);
		assert_ptr_equal(atomic_load(&task->handle), h);
		assert_int_equal(atomic_load(&h->refs), 2 + STRESS_THREADS);
		assert_int_equal(atomic_load(&h->queued), 0);
	}
	for (i = 0; i < STRESS_THREADS; i++)
		for (k = 0; k < STRESS_TARGETS; k++)
			wk_waker_drop(&s[i].wakers[k]);

	/* Finish every target; their memory and handles go back. */
	for (k = 0; k < STRESS_TARGETS; k++) {
		atomic_store(&targets[k].finish, 1);
		wk_waker_wake_by_ref(&targets[k].p.waker);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (k = 0; k < STRESS_TARGETS; k++) {
		assert_int_equal(probe_drops(&targets[k].p), 1);
		probe_release_wakers(&targets[k].p);
	}
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_from_plain_pthread),
		cmocka_unit_test(test_parked_core_wakes),
		cmocka_unit_test(test_stress_foreign_wakes),
	};
	return cmocka_run_group_tests_name("tpc.foreign", tests, NULL, NULL);
}
