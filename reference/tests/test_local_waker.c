/*
 * test_local_waker.c - the local waker (WK-LOCAL-*, WK-RAW-006): the same
 * operations and refcount contract as a waker, on the owner thread, with a
 * vtable that uses no atomics at all; will_wake across local wakers and
 * views of wakers; the static local noop waker.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "support/threads.h"
#include "wk/wk.h"

/*
 * A local vtable with plain (non-atomic) counts that also records whether
 * every call ran on the thread that owns the counter.  This is what a local
 * waker is for: no atomics (WK-RAW-006).
 */
typedef struct plain_counter {
	long clone, wake, wake_by_ref, drop, live;
	pthread_t owner;
	long foreign_calls; /* calls made on any other thread */
} plain_counter;

static const wk_raw_waker_vtable plain_vtable;

static plain_counter *plain_of(const void *data)
{
	plain_counter *p = (plain_counter *)(uintptr_t)data;
	if (!pthread_equal(pthread_self(), p->owner))
		p->foreign_calls++;
	return p;
}

static wk_raw_waker plain_clone(const void *data)
{
	plain_counter *p = plain_of(data);
	wk_raw_waker r = {data, &plain_vtable};
	p->clone++;
	p->live++;
	return r;
}

static void plain_wake(const void *data)
{
	plain_counter *p = plain_of(data);
	p->wake++;
	p->live--;
}

static void plain_wake_by_ref(const void *data)
{
	plain_of(data)->wake_by_ref++;
}

static void plain_drop(const void *data)
{
	plain_counter *p = plain_of(data);
	p->drop++;
	p->live--;
}

static const wk_raw_waker_vtable plain_vtable = {plain_clone, plain_wake, plain_wake_by_ref,
						  plain_drop};

static void plain_init(plain_counter *p)
{
	p->clone = p->wake = p->wake_by_ref = p->drop = 0;
	p->live = 1;
	p->owner = pthread_self();
	p->foreign_calls = 0;
}

#define ASSERT_PLAIN(p, n_clone, n_wake, n_wake_by_ref, n_drop, n_live)        \
	do {                                                                   \
		assert_int_equal((p)->clone, (n_clone));                       \
		assert_int_equal((p)->wake, (n_wake));                         \
		assert_int_equal((p)->wake_by_ref, (n_wake_by_ref));           \
		assert_int_equal((p)->drop, (n_drop));                         \
		assert_int_equal((p)->live, (n_live));                         \
	} while (0)

/* @proves WK-LOCAL-001 */
static void local_waker_refcount_contract(void **state)
{
	plain_counter p;
	(void)state;

	plain_init(&p);
	wk_local_waker w = wk_local_waker_new(&p, &plain_vtable);
	assert_ptr_equal(wk_local_waker_data(&w), &p);
	assert_ptr_equal(wk_local_waker_vtable(&w), &plain_vtable);
	ASSERT_PLAIN(&p, 0, 0, 0, 0, 1);
	wk_local_waker c = wk_local_waker_clone(&w);             /* +1 */
	ASSERT_PLAIN(&p, 1, 0, 0, 0, 2);
	wk_local_waker_wake_by_ref(&c);                           /* 0 */
	ASSERT_PLAIN(&p, 1, 0, 1, 0, 2);
	wk_local_waker_wake(&c);                                  /* -1 */
	ASSERT_PLAIN(&p, 1, 1, 1, 0, 1);
	wk_local_waker d = wk_local_waker_clone(&w);
	wk_local_waker_drop(&d);                                  /* -1 */
	ASSERT_PLAIN(&p, 2, 1, 1, 1, 1);

	/* clone_from: same task skips both calls; another task clones the
	 * source and drops the old destination. */
	wk_local_waker e = wk_local_waker_clone(&w);
	ASSERT_PLAIN(&p, 3, 1, 1, 1, 2);
	wk_local_waker_clone_from(&e, &w);
	ASSERT_PLAIN(&p, 3, 1, 1, 1, 2);
	plain_counter q;
	plain_init(&q);
	wk_local_waker other = wk_local_waker_new(&q, &plain_vtable);
	wk_local_waker_clone_from(&e, &other);
	ASSERT_PLAIN(&p, 3, 1, 1, 2, 1);
	ASSERT_PLAIN(&q, 1, 0, 0, 0, 2);
	assert_true(wk_local_waker_will_wake(&e, &other));
	wk_local_waker_drop(&e);
	wk_local_waker_drop(&other);
	ASSERT_PLAIN(&q, 1, 0, 0, 2, 0);

	wk_local_waker_drop(&w);
	ASSERT_PLAIN(&p, 3, 1, 1, 3, 0);
	assert_int_equal(p.foreign_calls, 0);
	assert_int_equal(q.foreign_calls, 0);
}

typedef struct own_thread_arg {
	plain_counter counter;
	long live_after;
	long calls;
} own_thread_arg;

/* A worker makes its own local waker and uses it: it is that waker's owner. */
static void *use_local_waker_on_own_thread(void *p)
{
	own_thread_arg *a = p;
	plain_init(&a->counter);
	wk_local_waker w = wk_local_waker_new(&a->counter, &plain_vtable);
	wk_local_waker c = wk_local_waker_clone(&w);
	wk_local_waker_wake_by_ref(&c);
	wk_local_waker_wake(&c);
	wk_local_waker_drop(&w);
	a->live_after = a->counter.live;
	a->calls = a->counter.clone + a->counter.wake + a->counter.wake_by_ref + a->counter.drop;
	return NULL;
}

/* @proves WK-RAW-006 */
static void local_vtable_runs_only_on_the_owner_thread(void **state)
{
	plain_counter p;
	(void)state;

	/* Main thread: every call of a non-atomic vtable happens here, at the
	 * API call (no deferred call from elsewhere). */
	plain_init(&p);
	wk_local_waker w = wk_local_waker_new(&p, &plain_vtable);
	for (int i = 0; i < 100; i++) {
		wk_local_waker c = wk_local_waker_clone(&w);
		assert_int_equal(p.clone, i + 1);
		wk_local_waker_wake_by_ref(&c);
		assert_int_equal(p.wake_by_ref, i + 1);
		if (i % 2 == 0)
			wk_local_waker_wake(&c);
		else
			wk_local_waker_drop(&c);
	}
	wk_local_waker_drop(&w);
	ASSERT_PLAIN(&p, 100, 50, 100, 51, 0);
	assert_int_equal(p.foreign_calls, 0);

	/* Two other threads, each the owner of its own local waker. */
	own_thread_arg args[2];
	assert_true(wkt_run_threads(2, use_local_waker_on_own_thread, args, sizeof args[0]));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(args[i].counter.foreign_calls, 0);
		assert_int_equal(args[i].live_after, 0);
		assert_int_equal(args[i].calls, 4);
	}
}

static wk_raw_waker other_clone(const void *data)
{
	wk_raw_waker r = {data, &plain_vtable};
	return r;
}

static void other_nothing(const void *data)
{
	(void)data;
}

/* Other address than plain_vtable, so will_wake must say false. */
static const wk_raw_waker_vtable other_vtable = {other_clone, other_nothing, other_nothing,
						  other_nothing};

/* @proves WK-LOCAL-002 */
static void local_will_wake_compares_data_and_vtable(void **state)
{
	plain_counter p, q;
	wkt_counter c;
	(void)state;

	plain_init(&p);
	plain_init(&q);
	wk_local_waker a = wk_local_waker_new(&p, &plain_vtable);
	wk_local_waker a2 = wk_local_waker_clone(&a);
	wk_local_waker b = wk_local_waker_new(&q, &plain_vtable);
	wk_local_waker a_other = wk_local_waker_new(&p, &other_vtable);
	assert_true(wk_local_waker_will_wake(&a, &a));
	assert_true(wk_local_waker_will_wake(&a, &a2));
	assert_true(wk_local_waker_will_wake(&a2, &a));
	assert_false(wk_local_waker_will_wake(&a, &b));
	assert_false(wk_local_waker_will_wake(&a, &a_other));
	assert_false(wk_local_waker_will_wake(&a_other, &a));
	ASSERT_PLAIN(&p, 1, 0, 0, 0, 2); /* pure */

	/* A local waker against a waker viewed as local. */
	wk_waker w = wkt_counting_waker(&c);
	wk_local_waker l_same = wk_local_waker_from_raw(wkt_counter_raw(&c));
	atomic_fetch_add(&c.live, 1); /* l_same is a second instance */
	assert_true(wk_local_waker_will_wake(&l_same, wk_waker_as_local(&w)));
	assert_true(wk_local_waker_will_wake(wk_waker_as_local(&w), &l_same));
	assert_false(wk_local_waker_will_wake(&a, wk_waker_as_local(&w)));
	assert_false(wk_local_waker_will_wake(wk_waker_as_local(&w), &a));
	/* A local clone of the view is the same task as the waker. */
	wk_local_waker lc = wk_local_waker_clone(wk_waker_as_local(&w));
	assert_true(wk_local_waker_will_wake(&lc, wk_waker_as_local(&w)));
	wk_local_waker_drop(&lc);
	wk_local_waker_drop(&l_same);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 1, 0, 0, 3, 0);

	wk_local_waker_drop(&a_other);
	wk_local_waker_drop(&b);
	wk_local_waker_drop(&a2);
	wk_local_waker_drop(&a);
}

typedef struct local_noop_arg {
	const wk_local_waker *seen;
	bool same_task;
} local_noop_arg;

static void *use_local_noop(void *p)
{
	local_noop_arg *a = p;
	a->seen = wk_local_waker_noop();
	wk_local_waker c = wk_local_waker_clone(a->seen);
	a->same_task = wk_local_waker_will_wake(&c, a->seen);
	wk_local_waker_wake_by_ref(a->seen);
	wk_local_waker_wake(&c);
	return NULL;
}

/* @proves WK-LOCAL-003 */
static void local_noop_waker_is_one_static_object(void **state)
{
	(void)state;
	const wk_local_waker *n = wk_local_waker_noop();
	assert_non_null(n);
	assert_ptr_equal(wk_local_waker_noop(), n);
	assert_non_null(wk_local_waker_vtable(n));

	wk_local_waker c = wk_local_waker_clone(n);
	assert_true(wk_local_waker_will_wake(&c, n));
	wk_local_waker_wake_by_ref(&c);
	wk_local_waker_wake(&c);
	wk_local_waker d = wk_local_waker_clone(n);
	wk_local_waker_drop(&d);
	wk_local_waker_wake_by_ref(n);
	assert_ptr_equal(wk_local_waker_noop(), n);

	/* Static and stateless: usable on another thread too (wk/waker.h). */
	local_noop_arg arg = {NULL, false};
	assert_true(wkt_run_threads(1, use_local_noop, &arg, sizeof arg));
	assert_ptr_equal(arg.seen, n);
	assert_true(arg.same_task);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_waker_refcount_contract),
		cmocka_unit_test(local_vtable_runs_only_on_the_owner_thread),
		cmocka_unit_test(local_will_wake_compares_data_and_vtable),
		cmocka_unit_test(local_noop_waker_is_one_static_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
