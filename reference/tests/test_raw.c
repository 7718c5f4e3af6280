/*
 * test_raw.c - the raw waker vtable contract (WK-RAW-*): the reference count
 * effect of each operation, one vtable call per API call with the waker's
 * data pointer, the thread safety of the library's thread-safe vtables, and
 * the construction-time check of the vtable (every build).
 *
 * Most checks use the counting vtable (support/counting_vtable.h), whose
 * "live" counter follows the contract: clone +1, wake -1, wake_by_ref 0,
 * drop -1.  Wrong data pointers show up as counts on the wrong counter.
 *
 * Atomics: worker threads update tallies with relaxed RMWs (a comment at
 * each says why); the main thread resets and reads them only while no
 * worker runs (before the start, after the join), with the default
 * seq_cst calls, which the thread start and join already order.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "support/expect_abort.h"
#include "support/scale.h"
#include "support/threads.h"
#include "wk/wk.h"

/* ---- refcount effect of each operation --------------------------------- */

/* @proves WK-RAW-001 */
static void clone_retains_one_more_instance(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_waker w = wk_waker_from_raw(wkt_counter_raw(&c));
	wk_waker w2 = wk_waker_clone(&w);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	assert_ptr_equal(wk_waker_data(&w2), &c);
	assert_ptr_equal(wk_waker_vtable(&w2), &wkt_counting_vtable);
	assert_true(wk_waker_will_wake(&w, &w2));
	wk_waker w3 = wk_waker_clone(&w2);
	WKT_ASSERT_COUNTS(&c, 2, 0, 0, 0, 3);
	wk_waker_drop(&w3);
	wk_waker_drop(&w2);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 2, 0, 0, 3, 0);

	wkt_counter_init(&c);
	wk_local_waker l = wk_local_waker_from_raw(wkt_counter_raw(&c));
	wk_local_waker l2 = wk_local_waker_clone(&l);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	assert_ptr_equal(wk_local_waker_data(&l2), &c);
	assert_true(wk_local_waker_will_wake(&l, &l2));
	wk_local_waker_drop(&l2);
	wk_local_waker_drop(&l);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 2, 0);
}

/* @proves WK-RAW-002 */
static void wake_wakes_and_releases_the_instance(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_waker w = wk_waker_from_raw(wkt_counter_raw(&c));
	wk_waker w2 = wk_waker_clone(&w);
	wk_waker_wake(&w2);
	WKT_ASSERT_COUNTS(&c, 1, 1, 0, 0, 1);
	wk_waker_wake(&w);
	WKT_ASSERT_COUNTS(&c, 1, 2, 0, 0, 0); /* no drop call: wake released it */

	wkt_counter_init(&c);
	wk_local_waker l = wk_local_waker_from_raw(wkt_counter_raw(&c));
	wk_local_waker_wake(&l);
	WKT_ASSERT_COUNTS(&c, 0, 1, 0, 0, 0);
}

/* @proves WK-RAW-003 */
static void wake_by_ref_wakes_and_releases_nothing(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_waker w = wk_waker_from_raw(wkt_counter_raw(&c));
	wk_waker_wake_by_ref(&w);
	wk_waker_wake_by_ref(&w);
	wk_waker_wake_by_ref(&w);
	WKT_ASSERT_COUNTS(&c, 0, 0, 3, 0, 1);
	/* Still a live waker: it can be consumed once. */
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 0, 0, 3, 1, 0);

	wkt_counter_init(&c);
	wk_local_waker l = wk_local_waker_from_raw(wkt_counter_raw(&c));
	wk_local_waker_wake_by_ref(&l);
	wk_local_waker_wake_by_ref(&l);
	WKT_ASSERT_COUNTS(&c, 0, 0, 2, 0, 1);
	wk_local_waker_wake(&l);
	WKT_ASSERT_COUNTS(&c, 0, 1, 2, 0, 0);
}

/* @proves WK-RAW-004 */
static void drop_releases_without_waking(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_waker w = wk_waker_from_raw(wkt_counter_raw(&c));
	wk_waker w2 = wk_waker_clone(&w);
	wk_waker_drop(&w2);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 1, 1);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 2, 0);

	wkt_counter_init(&c);
	wk_local_waker l = wk_local_waker_from_raw(wkt_counter_raw(&c));
	wk_local_waker_drop(&l);
	WKT_ASSERT_COUNTS(&c, 0, 0, 0, 1, 0);
}

/* ---- one vtable call per operation ------------------------------------- */

/* @proves WK-RAW-008 */
static void each_operation_is_one_call_with_the_data_pointer(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_waker w = wk_waker_new(&c, &wkt_counting_vtable);
	WKT_ASSERT_COUNTS(&c, 0, 0, 0, 0, 1); /* construction calls nothing */
	wk_waker w2 = wk_waker_clone(&w);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	wk_waker_wake_by_ref(&w);
	WKT_ASSERT_COUNTS(&c, 1, 0, 1, 0, 2);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	wk_waker_wake(&w2);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 0, 1);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	(void)wk_waker_will_wake(&w, &w);
	(void)wk_waker_data(&w);
	(void)wk_waker_vtable(&w);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 0, 1); /* pure operations call nothing */
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 1, 0);
	WKT_ASSERT_LAST_DATA(&c);

	wkt_counter_init(&c);
	wk_local_waker l = wk_local_waker_new(&c, &wkt_counting_vtable);
	wk_local_waker l2 = wk_local_waker_clone(&l);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	wk_local_waker_wake_by_ref(&l2);
	WKT_ASSERT_COUNTS(&c, 1, 0, 1, 0, 2);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	wk_local_waker_wake(&l2);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 0, 1);
	WKT_ASSERT_LAST_DATA(&c);
	atomic_store(&c.last_data, 0);
	wk_local_waker_drop(&l);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 1, 0);
	WKT_ASSERT_LAST_DATA(&c);
}

/*
 * A vtable whose clone "upgrades" the waker: it returns a different data
 * pointer (the second counter) and a different vtable (the counting one).
 * The clone must carry exactly that raw waker.  Used on one thread; its
 * counters are atomic only because wkt_counter's are.
 */
typedef struct upgrade_pair {
	wkt_counter before; /* first member: the data pointer of the original */
	wkt_counter after;  /* what clone returns */
} upgrade_pair;

static wk_raw_waker upgrade_clone(const void *data)
{
	upgrade_pair *p = (upgrade_pair *)(uintptr_t)data;
	atomic_fetch_add(&p->before.clone, 1);
	atomic_fetch_add(&p->after.live, 1);
	return wkt_counter_raw(&p->after);
}

static void upgrade_wake(const void *data)
{
	upgrade_pair *p = (upgrade_pair *)(uintptr_t)data;
	atomic_fetch_add(&p->before.wake, 1);
	atomic_fetch_sub(&p->before.live, 1);
}

static void upgrade_wake_by_ref(const void *data)
{
	upgrade_pair *p = (upgrade_pair *)(uintptr_t)data;
	atomic_fetch_add(&p->before.wake_by_ref, 1);
}

static void upgrade_drop(const void *data)
{
	upgrade_pair *p = (upgrade_pair *)(uintptr_t)data;
	atomic_fetch_add(&p->before.drop, 1);
	atomic_fetch_sub(&p->before.live, 1);
}

static const wk_raw_waker_vtable upgrade_vtable = {
	upgrade_clone,
	upgrade_wake,
	upgrade_wake_by_ref,
	upgrade_drop,
};

/* @proves WK-RAW-008 */
static void clone_carries_the_raw_waker_clone_returned(void **state)
{
	upgrade_pair p;
	(void)state;

	wkt_counter_init(&p.before);
	wkt_counter_init(&p.after);
	atomic_store(&p.after.live, 0);
	wk_waker w = wk_waker_new(&p, &upgrade_vtable);
	wk_waker up = wk_waker_clone(&w);
	assert_ptr_equal(wk_waker_data(&up), &p.after);
	assert_ptr_equal(wk_waker_vtable(&up), &wkt_counting_vtable);
	assert_false(wk_waker_will_wake(&w, &up));
	WKT_ASSERT_COUNTS(&p.before, 1, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&p.after, 0, 0, 0, 0, 1);
	/* The clone's operations go to the vtable and data it was given. */
	wk_waker_wake_by_ref(&up);
	wk_waker_wake(&up);
	WKT_ASSERT_COUNTS(&p.after, 0, 1, 1, 0, 0);
	WKT_ASSERT_LAST_DATA(&p.after);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&p.before, 1, 0, 0, 1, 0);

	wkt_counter_init(&p.before);
	wkt_counter_init(&p.after);
	atomic_store(&p.after.live, 0);
	wk_local_waker l = wk_local_waker_new(&p, &upgrade_vtable);
	wk_local_waker lup = wk_local_waker_clone(&l);
	assert_ptr_equal(wk_local_waker_data(&lup), &p.after);
	assert_ptr_equal(wk_local_waker_vtable(&lup), &wkt_counting_vtable);
	wk_local_waker_drop(&lup);
	WKT_ASSERT_COUNTS(&p.after, 0, 0, 0, 1, 0);
	wk_local_waker_wake(&l);
	WKT_ASSERT_COUNTS(&p.before, 1, 1, 0, 0, 0);
}

/* ---- thread-safe vtables of the library -------------------------------- */

/* A wk_wake task whose ops tally wakes; payload layout below. */
typedef struct tally {
	atomic_long wakes;       /* ops->wake calls (each consumed a reference) */
	atomic_long wakes_by_ref;
} tally;

static atomic_long tally_destroyed;

static void tally_wake(wk_wake *self)
{
	tally *t = wk_wake_payload(self);
	atomic_fetch_add_explicit(&t->wakes, 1, memory_order_relaxed); /* tally, read after join */
	wk_wake_release(self);
}

static void tally_wake_by_ref(wk_wake *self)
{
	tally *t = wk_wake_payload(self);
	atomic_fetch_add_explicit(&t->wakes_by_ref, 1, memory_order_relaxed); /* tally */
}

static void tally_destroy(wk_wake *self)
{
	(void)self;
	atomic_fetch_add_explicit(&tally_destroyed, 1, memory_order_relaxed); /* tally */
}

static const wk_wake_ops tally_ops = {tally_wake, tally_wake_by_ref, tally_destroy};

enum { HAMMER_THREADS = 4 };

typedef struct hammer_arg {
	wk_waker own;           /* this thread's clone; the thread drops it */
	const wk_waker *shared; /* one value every thread reads at once (Sync) */
	unsigned long iterations;
} hammer_arg;

/* Every operation on this thread's own values of a shared task, and the
 * non-consuming ones on the one value all threads share by pointer. */
static void *hammer(void *p)
{
	hammer_arg *h = p;

	for (unsigned long i = 0; i < h->iterations; i++) {
		wk_waker c = wk_waker_clone(&h->own);
		wk_waker_wake_by_ref(&c);
		wk_waker d = wk_waker_clone(&c);
		wk_waker_wake(&d);
		wk_waker_drop(&c);
		wk_waker s = wk_waker_clone(h->shared);
		wk_waker_wake_by_ref(h->shared);
		(void)wk_waker_will_wake(h->shared, &s);
		wk_waker_drop(&s);
	}
	wk_waker_drop(&h->own);
	return NULL;
}

static void hammer_waker(const wk_waker *w, unsigned long iterations)
{
	hammer_arg args[HAMMER_THREADS];

	for (int i = 0; i < HAMMER_THREADS; i++) {
		args[i].own = wk_waker_clone(w);
		args[i].shared = w;
		args[i].iterations = iterations;
	}
	assert_true(wkt_run_threads(HAMMER_THREADS, hammer, args, sizeof args[0]));
}

static atomic_long slot_notified;

static void count_notify(void *arg)
{
	(void)arg;
	atomic_fetch_add_explicit(&slot_notified, 1, memory_order_relaxed); /* tally */
}

/* @proves WK-RAW-005 */
static void library_thread_safe_vtables_under_concurrent_use(void **state)
{
	const unsigned long n = wkt_scaled(5000);
	const long total = (long)(n * HAMMER_THREADS);
	(void)state;

	/* Reference-counted task. */
	atomic_store(&tally_destroyed, 0);
	wk_wake *obj = wk_wake_new(&tally_ops, sizeof(tally));
	assert_non_null(obj);
	wk_waker w = wk_waker_from_wake(obj);
	hammer_waker(&w, n);
	tally *t = wk_wake_payload(obj);
	assert_int_equal(atomic_load(&t->wakes), total);
	assert_int_equal(atomic_load(&t->wakes_by_ref), 2 * total);
	assert_int_equal(wk_wake_refcount(obj), 1);
	assert_int_equal(atomic_load(&tally_destroyed), 0);
	wk_waker_drop(&w);
	assert_int_equal(atomic_load(&tally_destroyed), 1);

	/* Static flag. */
	static wk_flag flag = WK_FLAG_INIT;
	wk_waker fw = wk_flag_waker(&flag);
	hammer_waker(&fw, n);
	assert_true(wk_flag_take(&flag));
	assert_false(wk_flag_take(&flag));
	wk_waker_drop(&fw);

	/* Task id in a slot table: many wakes coalesce into one drained id. */
	atomic_store(&slot_notified, 0);
	wk_slot_table *table = wk_slot_table_new(4, count_notify, NULL);
	assert_non_null(table);
	wk_slot_id id = wk_slot_alloc(table);
	assert_true(id != 0);
	wk_waker sw = wk_slot_waker(table, id);
	hammer_waker(&sw, n);
	wk_slot_id out[4];
	assert_int_equal(wk_slot_drain(table, out, 4), 1);
	assert_int_equal(out[0], id);
	assert_true(atomic_load(&slot_notified) >= 1);
	wk_waker_drop(&sw);
	wk_slot_table_free(table);

	/* The noop waker: nothing to count, but nothing may race either. */
	hammer_waker(wk_waker_noop(), n);

	/* The counting vtable: the API adds no shared state of its own. */
	wkt_counter c;
	wk_waker cw = wkt_counting_waker(&c);
	hammer_waker(&cw, n);
	/* Per thread: 1 clone by main, 3n clones, n wakes, 2n by ref, 2n + 1 drops. */
	WKT_ASSERT_COUNTS(&c, HAMMER_THREADS + 3 * total, total, 2 * total,
			  2 * total + HAMMER_THREADS, 1);
	wk_waker_drop(&cw);
}

/*
 * Wake ordering: a worker writes a plain (non-atomic) value, then wakes.
 * The main thread waits for that wake and reads the value without joining
 * first, so only the waker's own ordering makes the read race-free.  The
 * value check can fail on weak hardware; ThreadSanitizer reports the race
 * on any hardware.
 */
typedef struct publish_arg {
	wk_waker waker;
	long message; /* plain on purpose */
} publish_arg;

static void *publish_then_wake(void *p)
{
	publish_arg *a = p;
	a->message = 42;
	wk_waker_wake(&a->waker);
	return NULL;
}

/* @proves WK-RAW-005 */
static void wake_orders_prior_writes_before_the_poll(void **state)
{
	pthread_t tid;
	(void)state;

	/* Flag: wk_flag_wait returns after the wake; acquire pairs with the
	 * wake's release. */
	static wk_flag flag = WK_FLAG_INIT;
	/* Static, not on this stack: ThreadSanitizer (clang 14) misses races
	 * on the main thread's stack in this pattern. */
	static publish_arg fa;
	fa.waker = wk_flag_waker(&flag);
	fa.message = 0;
	assert_int_equal(pthread_create(&tid, NULL, publish_then_wake, &fa), 0);
	wk_flag_wait(&flag);
	assert_int_equal(fa.message, 42);
	pthread_join(tid, NULL);

	/* Slot table: the owner drains the woken id, then "polls". */
	wk_slot_table *table = wk_slot_table_new(2, count_notify, NULL);
	assert_non_null(table);
	wk_slot_id id = wk_slot_alloc(table);
	static publish_arg sa;
	sa.waker = wk_slot_waker(table, id);
	sa.message = 0;
	assert_int_equal(pthread_create(&tid, NULL, publish_then_wake, &sa), 0);
	wk_slot_id out[2];
	size_t got = 0;
	while (got == 0) {
		got = wk_slot_drain(table, out, 2);
		if (got == 0)
			sched_yield();
	}
	assert_int_equal(got, 1);
	assert_int_equal(out[0], id);
	assert_int_equal(sa.message, 42);
	pthread_join(tid, NULL);
	wk_slot_table_free(table);
}

/* ---- construction-time vtable check (every build) ---------------------- */

static wk_raw_waker any_clone(const void *data)
{
	wk_raw_waker r = {data, NULL};
	return r;
}

static void any_op(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable no_clone = {NULL, any_op, any_op, any_op};
static const wk_raw_waker_vtable no_wake = {any_clone, NULL, any_op, any_op};
static const wk_raw_waker_vtable no_wake_by_ref = {any_clone, any_op, NULL, any_op};
static const wk_raw_waker_vtable no_drop = {any_clone, any_op, any_op, NULL};

static int some_task;

static void waker_from_raw_child(void *vt)
{
	wk_raw_waker r = {&some_task, vt};
	wk_waker w = wk_waker_from_raw(r);
	(void)w;
}

static void local_waker_from_raw_child(void *vt)
{
	wk_raw_waker r = {&some_task, vt};
	wk_local_waker w = wk_local_waker_from_raw(r);
	(void)w;
}

static void waker_new_child(void *vt)
{
	wk_waker w = wk_waker_new(&some_task, vt);
	(void)w;
}

static void local_waker_new_child(void *vt)
{
	wk_local_waker w = wk_local_waker_new(&some_task, vt);
	(void)w;
}

/* @proves WK-RAW-007 */
static void from_raw_rejects_a_null_vtable(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(waker_from_raw_child, NULL, "wakerconf: wk_waker_from_raw", "NULL vtable");
	WKT_EXPECT_ABORT(local_waker_from_raw_child, NULL, "wakerconf: wk_local_waker_from_raw",
			 "NULL vtable");
	/* The _new forms build a raw waker and go through from_raw. */
	WKT_EXPECT_ABORT(waker_new_child, NULL, "wakerconf: wk_waker_from_raw", "NULL vtable");
	WKT_EXPECT_ABORT(local_waker_new_child, NULL, "wakerconf: wk_local_waker_from_raw",
			 "NULL vtable");
}

/* @proves WK-RAW-007 */
static void from_raw_rejects_a_vtable_with_a_null_function(void **state)
{
	static const wk_raw_waker_vtable *const broken[] = {&no_clone, &no_wake, &no_wake_by_ref,
							    &no_drop};
	static const char *const missing[] = {"clone", "wake", "wake_by_ref", "drop"};
	(void)state;

	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		void *vt = (void *)(uintptr_t)broken[i];
		WKT_EXPECT_ABORT(waker_from_raw_child, vt, "wakerconf: wk_waker_from_raw",
				 "NULL function", missing[i]);
		WKT_EXPECT_ABORT(local_waker_from_raw_child, vt, "wakerconf: wk_local_waker_from_raw",
				 "NULL function", missing[i]);
		WKT_EXPECT_ABORT(waker_new_child, vt, "NULL function");
		WKT_EXPECT_ABORT(local_waker_new_child, vt, "NULL function");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(clone_retains_one_more_instance),
		cmocka_unit_test(wake_wakes_and_releases_the_instance),
		cmocka_unit_test(wake_by_ref_wakes_and_releases_nothing),
		cmocka_unit_test(drop_releases_without_waking),
		cmocka_unit_test(each_operation_is_one_call_with_the_data_pointer),
		cmocka_unit_test(clone_carries_the_raw_waker_clone_returned),
		/* Forking tests run before any thread was ever started. */
		cmocka_unit_test(from_raw_rejects_a_null_vtable),
		cmocka_unit_test(from_raw_rejects_a_vtable_with_a_null_function),
		cmocka_unit_test(library_thread_safe_vtables_under_concurrent_use),
		cmocka_unit_test(wake_orders_prior_writes_before_the_poll),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
