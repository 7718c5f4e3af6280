/*
 * test_join_local.c - what only the local join does: it wakes the parent
 * through its local waker and leaves the parent's thread-safe waker alone
 * until a child asks for a thread-safe waker, which is then built lazily,
 * only where the parent has one, and works from any thread.
 */
#include "cmocka_prelude.h"

#include <pthread.h>
#include <stdint.h>

#include "expect_abort.h"
#include "join_probe.h"

static wk_poll poll_join(wk_future *join, wkjt_parent *parent, void **out)
{
	return wk_future_poll(join, &parent->cx, out);
}

/* @proves WK-JOIN-014 */
static void test_local_path_never_touches_the_parent_thread_safe_waker(void **state)
{
	wkjt_probe probes[4];
	wkjt_parent parent;
	wk_future *join;
	wk_local_waker c;
	void *out = NULL;

	(void)state;
	wkjt_probes_init(probes, 4);
	for (size_t i = 0; i < 4; i++) {
		probes[i].keep_local = true;
		probes[i].export_local = true;
		probes[i].ready_at = 3;
	}
	wkjt_parent_split(&parent);
	join = wkjt_join_of(&wkjt_kind_local, probes, 4);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < 4; i++) {
			c = wk_local_waker_clone(&probes[i].exported);
			wk_local_waker_wake(&c);
		}
		poll_join(join, &parent, &out);
	}
	assert_non_null(out);
	/* The local waker carried every wake (one per round: coalesced). */
	assert_int_equal(wkt_load(&parent.local.wake_by_ref), 2);
	/* The thread-safe waker was never cloned, woken or dropped. */
	WKT_ASSERT_COUNTS(&parent.ts, 0, 0, 0, 0, 1);
	assert_int_equal(wkt_load(&parent.local.live), 1);

	wk_future_drop(join);
	wkjt_release_exported(probes, 4);
}

/* ---- lazily built thread-safe child wakers -------------------------------------- */

typedef struct lazy_parent {
	wkjt_parent base;
	wk_lazy_waker storage;
	int ctor_calls;
} lazy_parent;

static wk_waker lazy_parent_ctor(const wk_local_waker *local_waker, void *arg)
{
	lazy_parent *lp = arg;

	(void)local_waker;
	lp->ctor_calls++;
	return wk_waker_clone(&lp->base.waker);
}

/* A context the way a thread-per-core runtime builds it for each poll:
 * a local waker, and a thread-safe waker built only on demand. */
static void lazy_parent_begin_poll(lazy_parent *lp)
{
	wk_context_builder b = wk_context_builder_from_local_waker(&lp->base.local_waker);

	wk_context_builder_on_waker(&b, &lp->storage, lazy_parent_ctor, lp);
	lp->base.cx = wk_context_builder_build(&b);
}

static void lazy_parent_end_poll(lazy_parent *lp)
{
	wk_lazy_waker_drop(&lp->storage);
}

/* @proves WK-JOIN-015 */
static void test_thread_safe_waker_is_built_only_when_a_child_asks(void **state)
{
	lazy_parent lp;
	wkjt_probe probes[3];
	wk_future *join;
	void *out = NULL;

	(void)state;
	wkjt_parent_split(&lp.base);
	lp.ctor_calls = 0;
	wkjt_probes_init(probes, 3);
	for (size_t i = 0; i < 3; i++)
		probes[i].export_local = true;
	join = wkjt_join_of(&wkjt_kind_local, probes, 3);
	assert_non_null(join);

	/* Nobody asks: the parent's constructor never runs. */
	for (int round = 0; round < 3; round++) {
		lazy_parent_begin_poll(&lp);
		assert_int_equal(wk_future_poll(join, &lp.base.cx, &out), WK_PENDING);
		lazy_parent_end_poll(&lp);
		wk_local_waker_wake_by_ref(&probes[round].exported);
	}
	assert_int_equal(lp.ctor_calls, 0);
	WKT_ASSERT_COUNTS(&lp.base.ts, 0, 0, 0, 0, 1);

	/* Child 1 asks on every poll from now on: the parent's thread-safe
	 * waker is built once for this task, not once per poll. */
	probes[1].ask_waker = true;
	for (int round = 0; round < 3; round++) {
		wk_local_waker_wake_by_ref(&probes[1].exported);
		lazy_parent_begin_poll(&lp);
		assert_int_equal(wk_future_poll(join, &lp.base.cx, &out), WK_PENDING);
		lazy_parent_end_poll(&lp);
		assert_true(probes[1].had_try_waker);
		assert_ptr_equal(probes[1].seen_waker_data, probes[1].seen_local_data);
	}
	assert_int_equal(lp.ctor_calls, 1);
	/* The join keeps one clone of it for remote wakes. */
	assert_int_equal(wkt_load(&lp.base.ts.live), 2);

	wk_future_drop(join);
	assert_int_equal(wkt_load(&lp.base.ts.live), 1);
	assert_int_equal(wkt_load(&lp.base.local.live), 1);
	wkjt_release_exported(probes, 3);
}

/* @proves WK-JOIN-015 */
static void test_no_thread_safe_waker_when_the_parent_has_none(void **state)
{
	wkjt_probe probes[2];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	(void)state;
	wkjt_probes_init(probes, 2);
	probes[0].ask_waker = true;
	probes[1].ask_waker = true;
	wkjt_parent_local_only(&parent);
	join = wkjt_join_of(&wkjt_kind_local, probes, 2);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_false(probes[0].had_try_waker);
	assert_false(probes[1].had_try_waker);
	assert_non_null(probes[0].seen_local_data);
	wk_future_drop(join);
}

static void child_demands_waker_of_local_only_parent(void *arg)
{
	wkjt_probe probe;
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	(void)arg;
	wkjt_probes_init(&probe, 1);
	probe.export_waker = true; /* calls wk_context_waker */
	wkjt_parent_local_only(&parent);
	join = wkjt_join_of(&wkjt_kind_local, &probe, 1);
	if (join != NULL)
		(void)wk_future_poll(join, &parent.cx, &out);
}

/* @proves WK-JOIN-015 */
static void test_waker_of_child_fails_loudly_when_the_parent_has_none(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(child_demands_waker_of_local_only_parent, NULL, "wakerconf: wk_context_waker",
			 "has no thread-safe waker");
}

/* ---- thread-safe child wakers used from another thread ---------------------------- */

typedef struct remote_job {
	wk_waker waker; /* a clone owned by the job */
	int wakes;
	bool drop_at_end;
} remote_job;

static void *remote_job_main(void *arg)
{
	remote_job *job = arg;

	for (int i = 0; i < job->wakes; i++) {
		wk_waker c = wk_waker_clone(&job->waker);
		if (i % 2 == 0)
			wk_waker_wake(&c);
		else {
			wk_waker_wake_by_ref(&c);
			wk_waker_drop(&c);
		}
	}
	if (job->drop_at_end)
		wk_waker_drop(&job->waker);
	return NULL;
}

static void run_remote_job(remote_job *job)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, remote_job_main, job), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

/* @proves WK-JOIN-016 WK-JOIN-009 */
static void test_thread_safe_child_waker_works_from_another_thread(void **state)
{
	wkjt_probe probes[4];
	wkjt_parent parent;
	wk_future *join;
	remote_job job;
	void *out = NULL;

	(void)state;
	wkjt_probes_init(probes, 4);
	probes[2].export_waker = true;
	probes[1].export_local = true;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(&wkjt_kind_local, probes, 4);
	assert_non_null(join);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_true(probes[2].has_exported_waker);

	/* Woken three times on another thread: one wake of the parent's
	 * thread-safe waker (coalesced), none of its local waker. */
	job.waker = wk_waker_clone(&probes[2].exported_waker);
	job.wakes = 3;
	job.drop_at_end = false;
	run_remote_job(&job);
	assert_int_equal(wkt_load(&parent.ts.wake_by_ref), 1);
	assert_int_equal(wkt_load(&parent.local.wake_by_ref), 0);

	/* A local wake as well: the next poll takes both marks. */
	wk_local_waker_wake_by_ref(&probes[1].exported);
	assert_int_equal(wkt_load(&parent.local.wake_by_ref), 1);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[0].polls, 1);
	assert_int_equal(probes[1].polls, 2);
	assert_int_equal(probes[2].polls, 2);
	assert_int_equal(probes[3].polls, 1);

	/* Again, then nothing more. */
	run_remote_job(&job);
	assert_int_equal(wkt_load(&parent.ts.wake_by_ref), 2);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[2].polls, 3);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[2].polls, 3);

	/* The join goes; the other thread's waker outlives it: waking it
	 * reaches nobody, dropping it frees the join. */
	wk_future_drop(join);
	wkjt_release_exported(probes, 4);
	assert_int_equal(wkt_load(&parent.ts.live), 1);
	job.drop_at_end = true;
	run_remote_job(&job);
	assert_int_equal(wkt_load(&parent.ts.wake_by_ref), 2);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(probes[i].drops, 1);
}

/* @proves WK-JOIN-016 */
static void test_thread_safe_waker_follows_a_new_parent_task(void **state)
{
	wkjt_probe probes[2];
	wkjt_parent a, b;
	wk_future *join;
	void *out = NULL;

	(void)state;
	wkjt_probes_init(probes, 2);
	probes[0].export_waker = true;
	wkjt_parent_split(&a);
	wkjt_parent_split(&b);
	join = wkjt_join_of(&wkjt_kind_local, probes, 2);
	assert_non_null(join);

	assert_int_equal(wk_future_poll(join, &a.cx, &out), WK_PENDING);
	assert_int_equal(wkt_load(&a.ts.live), 2);
	/* Polled by task b: the remote path now wakes b's thread-safe waker. */
	assert_int_equal(wk_future_poll(join, &b.cx, &out), WK_PENDING);
	assert_int_equal(wkt_load(&a.ts.live), 1);
	assert_int_equal(wkt_load(&b.ts.live), 2);
	wk_waker_wake_by_ref(&probes[0].exported_waker);
	assert_int_equal(wkt_load(&a.ts.wake_by_ref), 0);
	assert_int_equal(wkt_load(&b.ts.wake_by_ref), 1);
	assert_int_equal(wk_future_poll(join, &b.cx, &out), WK_PENDING);
	assert_int_equal(probes[0].polls, 2);
	assert_int_equal(probes[1].polls, 1);

	wk_future_drop(join);
	assert_int_equal(wkt_load(&b.ts.live), 1);
	wkjt_release_exported(probes, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_local_path_never_touches_the_parent_thread_safe_waker),
		cmocka_unit_test(test_thread_safe_waker_is_built_only_when_a_child_asks),
		cmocka_unit_test(test_no_thread_safe_waker_when_the_parent_has_none),
		cmocka_unit_test(test_waker_of_child_fails_loudly_when_the_parent_has_none),
		cmocka_unit_test(test_thread_safe_child_waker_works_from_another_thread),
		cmocka_unit_test(test_thread_safe_waker_follows_a_new_parent_task),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
