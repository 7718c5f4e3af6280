/*
 * test_join_checked.c - the local join's owner thread, as a checked build
 * enforces it: the thread of the first poll owns the join and its local
 * child wakers; another thread that polls or drops the join, or uses a
 * child's local waker, aborts with a message naming both threads.
 * Built only against the checked flavour.
 */
#include "cmocka_prelude.h"

#include <pthread.h>

#include "expect_abort.h"
#include "join_probe.h"

#if !WK_CHECKED
#error "test_join_checked.c needs the checked flavour (WK_CHECKED=1)"
#endif

typedef struct owned_join {
	wkjt_probe probes[2];
	wkjt_parent parent;
	wk_future *join;
} owned_join;

/* A local join polled once on the calling thread, which then owns it. */
static void owned_join_init(owned_join *o)
{
	void *out = NULL;

	wkjt_probes_init(o->probes, 2);
	o->probes[0].export_local = true;
	wkjt_parent_ts(&o->parent);
	o->join = wkjt_join_of(&wkjt_kind_local, o->probes, 2);
	if (o->join != NULL)
		(void)wk_future_poll(o->join, &o->parent.cx, &out);
}

static void *poll_elsewhere(void *arg)
{
	owned_join *o = arg;
	void *out = NULL;

	(void)wk_future_poll(o->join, &o->parent.cx, &out);
	return NULL;
}

static void *drop_elsewhere(void *arg)
{
	owned_join *o = arg;

	wk_future_drop(o->join);
	return NULL;
}

static void *wake_child_elsewhere(void *arg)
{
	owned_join *o = arg;

	wk_local_waker_wake_by_ref(&o->probes[0].exported);
	return NULL;
}

static void run_on_thread(void *(*fn)(void *), owned_join *o)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, o) == 0)
		pthread_join(t, NULL);
}

static void misuse_poll(void *arg)
{
	owned_join o;

	(void)arg;
	owned_join_init(&o);
	run_on_thread(poll_elsewhere, &o);
}

static void misuse_drop(void *arg)
{
	owned_join o;

	(void)arg;
	owned_join_init(&o);
	run_on_thread(drop_elsewhere, &o);
}

static void misuse_child_waker(void *arg)
{
	owned_join o;

	(void)arg;
	owned_join_init(&o);
	run_on_thread(wake_child_elsewhere, &o);
}

/* @proves WK-JOIN-017 */
static void test_poll_on_another_thread_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(misuse_poll, NULL, "wakerconf: wk_join_local_poll", "owned by thread",
			 "used on thread");
}

/* @proves WK-JOIN-017 */
static void test_drop_on_another_thread_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(misuse_drop, NULL, "wakerconf: wk_join_local_drop", "owned by thread",
			 "used on thread");
}

/* @proves WK-JOIN-014 WK-JOIN-017 */
static void test_child_local_waker_on_another_thread_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(misuse_child_waker, NULL, "wakerconf: wk_local_waker_wake_by_ref",
			 "owned by thread", "used on thread");
}

/* Created on one thread, polled (and so owned) on another: allowed. */
static void *create_join(void *arg)
{
	owned_join *o = arg;

	wkjt_probes_init(o->probes, 2);
	o->probes[0].ready_at = 1;
	o->probes[1].ready_at = 1;
	o->join = wkjt_join_of(&wkjt_kind_local, o->probes, 2);
	return NULL;
}

/* @proves WK-JOIN-017 */
static void test_created_elsewhere_owned_by_the_first_poller(void **state)
{
	owned_join o;
	void *out = NULL;

	(void)state;
	run_on_thread(create_join, &o);
	assert_non_null(o.join);
	wkjt_parent_ts(&o.parent);
	assert_int_equal(wk_future_poll(o.join, &o.parent.cx, &out), WK_READY);
	wk_future_drop(o.join);
	assert_int_equal(o.probes[0].drops, 1);
	assert_int_equal(o.probes[1].drops, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_on_another_thread_aborts),
		cmocka_unit_test(test_drop_on_another_thread_aborts),
		cmocka_unit_test(test_child_local_waker_on_another_thread_aborts),
		cmocka_unit_test(test_created_elsewhere_owned_by_the_first_poller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
