/*
 * test_waker.c - the thread-safe waker (WK-WAKER-*): consuming operations,
 * getters, will_wake, clone_from, the static noop waker and the view of a
 * waker as a local waker.
 *
 * The misuse half of "moved-from" (reuse aborts) needs a checked build and
 * lives in test_checked.c; here, in any build, the consuming operations
 * must make exactly one vtable call, and a checked build must leave the
 * source poisoned.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "support/scale.h"
#include "support/threads.h"
#include "wk/wk.h"

/* @proves WK-WAKER-001 */
static void wake_and_drop_consume_the_waker(void **state)
{
	wkt_counter c;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	wk_waker_wake(&w);
	WKT_ASSERT_COUNTS(&c, 0, 1, 0, 0, 0);
#if WK_CHECKED
	/* Poisoned: no longer the task's waker. */
	assert_ptr_not_equal(wk_waker_vtable(&w), &wkt_counting_vtable);
	assert_ptr_not_equal(wk_waker_data(&w), &c);
#endif

	w = wkt_counting_waker(&c);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 0, 0, 0, 1, 0);
#if WK_CHECKED
	assert_ptr_not_equal(wk_waker_vtable(&w), &wkt_counting_vtable);
	assert_ptr_not_equal(wk_waker_data(&w), &c);
#endif

	/* A moved-from variable may be assigned a new waker and used again. */
	w = wkt_counting_waker(&c);
	wk_waker_wake_by_ref(&w);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 0, 0, 1, 1, 0);
}

static wk_raw_waker plus_one_clone(const void *data);
static void ignore(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable plus_one_vtable = {plus_one_clone, ignore, ignore, ignore};
/* Same functions, another address: a different vtable for will_wake. */
static const wk_raw_waker_vtable other_vtable = {plus_one_clone, ignore, ignore, ignore};

static wk_raw_waker plus_one_clone(const void *data)
{
	wk_raw_waker r = {(const void *)((uintptr_t)data + 1), &plus_one_vtable};
	return r;
}

/* @proves WK-WAKER-002 */
static void getters_return_data_and_vtable(void **state)
{
	wkt_counter c;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	assert_ptr_equal(wk_waker_data(&w), &c);
	assert_ptr_equal(wk_waker_vtable(&w), &wkt_counting_vtable);
	WKT_ASSERT_COUNTS(&c, 0, 0, 0, 0, 1); /* getters call nothing */
	wk_waker_drop(&w);

	/* Data need not be a pointer to anything. */
	wk_waker n = wk_waker_new((const void *)(uintptr_t)7, &plus_one_vtable);
	assert_ptr_equal(wk_waker_data(&n), (const void *)(uintptr_t)7);
	assert_ptr_equal(wk_waker_vtable(&n), &plus_one_vtable);
	wk_waker m = wk_waker_clone(&n);
	assert_ptr_equal(wk_waker_data(&m), (const void *)(uintptr_t)8);
	wk_waker_drop(&m);
	wk_waker_drop(&n);
}

static int task_a, task_b;

/* @proves WK-WAKER-003 */
static void will_wake_compares_data_and_vtable(void **state)
{
	wkt_counter c;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	wk_waker clone = wk_waker_clone(&w);
	assert_true(wk_waker_will_wake(&w, &w));
	assert_true(wk_waker_will_wake(&w, &clone));
	assert_true(wk_waker_will_wake(&clone, &w));

	/* Same vtable, other data: another task. */
	wk_waker a = wk_waker_new(&task_a, &plus_one_vtable);
	wk_waker b = wk_waker_new(&task_b, &plus_one_vtable);
	assert_false(wk_waker_will_wake(&a, &b));
	assert_false(wk_waker_will_wake(&b, &a));
	/* Same data, other vtable: not provably the same task. */
	wk_waker a_other = wk_waker_new(&task_a, &other_vtable);
	assert_false(wk_waker_will_wake(&a, &a_other));
	assert_false(wk_waker_will_wake(&a_other, &a));
	/* Two equal raw wakers built separately: same task. */
	wk_waker a_again = wk_waker_new(&task_a, &plus_one_vtable);
	assert_true(wk_waker_will_wake(&a, &a_again));
	/* will_wake is pure. */
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);

	/* Two reference-counted tasks of the library: never equal. */
	static const wk_wake_ops ops = {wk_wake_release, NULL, NULL};
	wk_waker t1 = wk_waker_from_wake(wk_wake_new(&ops, 0));
	wk_waker t2 = wk_waker_from_wake(wk_wake_new(&ops, 0));
	wk_waker t1c = wk_waker_clone(&t1);
	assert_false(wk_waker_will_wake(&t1, &t2));
	assert_true(wk_waker_will_wake(&t1, &t1c));
	wk_waker_drop(&t1c);
	wk_waker_drop(&t2);
	wk_waker_drop(&t1);

	wk_waker_drop(&a_again);
	wk_waker_drop(&a_other);
	wk_waker_drop(&b);
	wk_waker_drop(&a);
	wk_waker_drop(&clone);
	wk_waker_drop(&w);
}

/* @proves WK-WAKER-004 */
static void clone_from_skips_work_when_will_wake(void **state)
{
	wkt_counter c, d;
	(void)state;

	/* Same task: no clone, no drop. */
	wk_waker dst = wkt_counting_waker(&c);
	wk_waker src = wk_waker_clone(&dst);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	wk_waker_clone_from(&dst, &src);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);
	assert_true(wk_waker_will_wake(&dst, &src));
	/* Also when dst and src are the very same value. */
	wk_waker_clone_from(&dst, &dst);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 0, 2);

	/* Other task: clone the source, drop the old destination. */
	wk_waker other = wkt_counting_waker(&d);
	wk_waker_clone_from(&dst, &other);
	WKT_ASSERT_COUNTS(&d, 1, 0, 0, 0, 2);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 1, 1);
	assert_true(wk_waker_will_wake(&dst, &other));
	assert_ptr_equal(wk_waker_data(&dst), &d);

	wk_waker_drop(&dst);
	wk_waker_drop(&other);
	wk_waker_drop(&src);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 2, 0);
	WKT_ASSERT_COUNTS(&d, 1, 0, 0, 2, 0);
}

typedef struct noop_arg {
	unsigned long iterations;
	const wk_waker *seen; /* wk_waker_noop() as this thread saw it */
	bool all_same;
} noop_arg;

static void *use_noop(void *p)
{
	noop_arg *a = p;
	a->seen = wk_waker_noop();
	a->all_same = true;
	for (unsigned long i = 0; i < a->iterations; i++) {
		const wk_waker *n = wk_waker_noop();
		wk_waker c = wk_waker_clone(n);
		if (n != a->seen || !wk_waker_will_wake(&c, n))
			a->all_same = false;
		wk_waker_wake_by_ref(n);
		wk_waker_wake_by_ref(&c);
		wk_waker d = wk_waker_clone(&c);
		wk_waker_wake(&d);
		wk_waker_drop(&c);
	}
	return NULL;
}

/* @proves WK-WAKER-005 */
static void noop_waker_is_one_static_object(void **state)
{
	(void)state;
	const wk_waker *n = wk_waker_noop();
	assert_non_null(n);
	assert_ptr_equal(wk_waker_noop(), n);
	assert_non_null(wk_waker_vtable(n));

	wk_waker c = wk_waker_clone(n);
	assert_true(wk_waker_will_wake(&c, n));
	wk_waker_wake(&c);
	wk_waker c2 = wk_waker_clone(n);
	wk_waker_drop(&c2);
	wk_waker_wake_by_ref(n);
	/* Still the same object with the same contents after all that. */
	assert_ptr_equal(wk_waker_noop(), n);
	wk_waker c3 = wk_waker_clone(n);
	assert_true(wk_waker_will_wake(&c3, n));
	wk_waker_drop(&c3);

	/* Any thread, concurrently. */
	noop_arg args[4];
	for (int i = 0; i < 4; i++)
		args[i].iterations = wkt_scaled(2000);
	assert_true(wkt_run_threads(4, use_noop, args, sizeof args[0]));
	for (int i = 0; i < 4; i++) {
		assert_ptr_equal(args[i].seen, n);
		assert_true(args[i].all_same);
	}
}

/* @proves WK-WAKER-006 */
static void waker_viewed_as_local_waker_without_clone(void **state)
{
	wkt_counter c;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	const wk_local_waker *view = wk_waker_as_local(&w);
	/* A view of the same storage, not a copy and not a clone. */
	assert_ptr_equal((const void *)view, (const void *)&w);
	assert_ptr_equal(wk_local_waker_data(view), wk_waker_data(&w));
	assert_ptr_equal(wk_local_waker_vtable(view), wk_waker_vtable(&w));
	WKT_ASSERT_COUNTS(&c, 0, 0, 0, 0, 1);

	/* Local operations through the view reach the same task. */
	wk_local_waker_wake_by_ref(view);
	WKT_ASSERT_COUNTS(&c, 0, 0, 1, 0, 1);
	wk_local_waker owned = wk_local_waker_clone(view);
	WKT_ASSERT_COUNTS(&c, 1, 0, 1, 0, 2);
	assert_true(wk_local_waker_will_wake(&owned, view));
	wk_local_waker_wake(&owned);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 0, 1);

	/* The noop waker too. */
	const wk_local_waker *nv = wk_waker_as_local(wk_waker_noop());
	assert_ptr_equal(wk_local_waker_data(nv), wk_waker_data(wk_waker_noop()));
	wk_local_waker_wake_by_ref(nv);

	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 1, 1, 1, 1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wake_and_drop_consume_the_waker),
		cmocka_unit_test(getters_return_data_and_vtable),
		cmocka_unit_test(will_wake_compares_data_and_vtable),
		cmocka_unit_test(clone_from_skips_work_when_will_wake),
		cmocka_unit_test(noop_waker_is_one_static_object),
		cmocka_unit_test(waker_viewed_as_local_waker_without_clone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
