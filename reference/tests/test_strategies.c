/*
 * test_strategies.c - the static-flag and task-id waker strategies
 * (WK-STRAT-*): raising and taking a flag, waiting for it while another
 * thread raises it, slot wakers of live, stale and freed ids, coalescing,
 * and wakes from worker threads.
 *
 * Workers never assert: they record what they saw and the main thread
 * checks it after the join.
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
#include <string.h>
#include <time.h>

#include "support/cmocka_prelude.h"
#include "support/scale.h"
#include "support/threads.h"
#include "wk/wk.h"

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- static flag ------------------------------------------------------- */

typedef struct raise_arg {
	wk_waker waker; /* this thread's waker of the shared flag */
	int times;
	bool by_value_last;
} raise_arg;

static void *raise_flag(void *p)
{
	raise_arg *a = p;
	for (int i = 0; i < a->times; i++)
		wk_waker_wake_by_ref(&a->waker);
	if (a->by_value_last)
		wk_waker_wake(&a->waker);
	else
		wk_waker_drop(&a->waker);
	return NULL;
}

/* @proves WK-STRAT-001 */
static void flag_waker_raises_its_flag(void **state)
{
	static wk_flag flag = WK_FLAG_INIT;
	(void)state;

	wk_waker w = wk_flag_waker(&flag);
	assert_ptr_equal(wk_waker_data(&w), &flag);
	assert_false(wk_flag_take(&flag));

	wk_waker_wake_by_ref(&w);
	assert_true(wk_flag_take(&flag));
	assert_false(wk_flag_take(&flag)); /* take cleared it */

	/* Several raises before a take: one take sees them all. */
	wk_waker_wake_by_ref(&w);
	wk_waker_wake_by_ref(&w);
	assert_true(wk_flag_take(&flag));
	assert_false(wk_flag_take(&flag));

	/* clone and drop touch nothing: the flag state does not move. */
	wk_waker c = wk_waker_clone(&w);
	assert_true(wk_waker_will_wake(&c, &w));
	assert_int_equal(atomic_load(&flag.state), 0);
	wk_waker_drop(&c);
	assert_int_equal(atomic_load(&flag.state), 0);
	assert_false(wk_flag_take(&flag));

	/* wake by value raises too. */
	wk_waker d = wk_waker_clone(&w);
	wk_waker_wake(&d);
	assert_true(wk_flag_take(&flag));

	/* Two flags are two tasks. */
	static wk_flag other = WK_FLAG_INIT;
	wk_waker o = wk_flag_waker(&other);
	assert_false(wk_waker_will_wake(&o, &w));
	wk_waker_wake_by_ref(&o);
	assert_false(wk_flag_take(&flag));
	assert_true(wk_flag_take(&other));
	wk_waker_drop(&o);

	/* From any thread. */
	raise_arg args[4];
	for (int i = 0; i < 4; i++) {
		args[i].waker = wk_waker_clone(&w);
		args[i].times = (int)wkt_scaled(1000);
		args[i].by_value_last = (i % 2) == 0;
	}
	assert_true(wkt_run_threads(4, raise_flag, args, sizeof args[0]));
	assert_true(wk_flag_take(&flag));
	assert_false(wk_flag_take(&flag));
	wk_waker_drop(&w);
}

typedef struct publish_arg {
	wk_flag *flag;
	long value; /* plain: ordered only by the flag */
} publish_arg;

static void *publish_then_raise(void *p)
{
	publish_arg *a = p;
	wk_waker w = wk_flag_waker(a->flag);
	a->value = 7;
	wk_waker_wake(&w);
	return NULL;
}

/* @proves WK-STRAT-001 */
static void flag_take_sees_writes_before_the_wake(void **state)
{
	static wk_flag flag = WK_FLAG_INIT;
	pthread_t tid;
	(void)state;

	/* Static, not on this stack: ThreadSanitizer (clang 14) misses races
	 * on the main thread's stack in this pattern. */
	static publish_arg arg;
	arg.flag = &flag;
	arg.value = 0;
	assert_int_equal(pthread_create(&tid, NULL, publish_then_raise, &arg), 0);
	while (!wk_flag_take(&flag))
		sched_yield();
	/* No join yet: only the release/acquire pair orders this read
	 * (ThreadSanitizer reports a race if it is missing). */
	assert_int_equal(arg.value, 7);
	pthread_join(tid, NULL);
}

typedef struct sleeper_arg {
	wk_flag *flag;
	int rounds;
	int saw_sleeper; /* rounds in which the waiter had announced its sleep */
	int raised;
} sleeper_arg;

/* Raise only after the waiter announced it is going to sleep (state 2, see
 * wk/strategies.h), so the wake lands on a sleeping or about-to-sleep waiter. */
static void *raise_when_waiter_sleeps(void *p)
{
	sleeper_arg *a = p;
	wk_waker w = wk_flag_waker(a->flag);
	for (int r = 0; r < a->rounds; r++) {
		double deadline = now_seconds() + 30.0;
		bool seen = false;
		while (now_seconds() < deadline) {
			if (atomic_load_explicit(&a->flag->state, memory_order_relaxed) == 2) {
				seen = true; /* relaxed: a hint for when to raise */
				break;
			}
			sched_yield();
		}
		if (seen)
			a->saw_sleeper++;
		wk_waker_wake_by_ref(&w);
		a->raised++;
		/* Wait until the waiter consumed this raise before the next round. */
		while (atomic_load_explicit(&a->flag->state, memory_order_relaxed) == 1)
			sched_yield();
	}
	wk_waker_drop(&w);
	return NULL;
}

/* @proves WK-STRAT-002 */
static void flag_wait_returns_once_raised(void **state)
{
	static wk_flag flag = WK_FLAG_INIT;
	pthread_t tid;
	(void)state;

	/* Already raised: returns at once and clears. */
	wk_waker w = wk_flag_waker(&flag);
	wk_waker_wake_by_ref(&w);
	wk_flag_wait(&flag);
	assert_false(wk_flag_take(&flag));
	wk_waker_drop(&w);

	/* Raised by another thread while this one sleeps, several rounds. */
	sleeper_arg arg = {&flag, 20, 0, 0};
	assert_int_equal(pthread_create(&tid, NULL, raise_when_waiter_sleeps, &arg), 0);
	for (int r = 0; r < 20; r++) {
		wk_flag_wait(&flag);
		/* wait cleared the flag it consumed */
		assert_int_not_equal(atomic_load(&flag.state), 1);
	}
	pthread_join(tid, NULL);
	assert_int_equal(arg.raised, 20);
	assert_int_equal(arg.saw_sleeper, 20);
	assert_false(wk_flag_take(&flag));
}

/* ---- task id in a slot table ------------------------------------------- */

typedef struct notify_count {
	atomic_long calls;
	atomic_long on_main; /* calls made on the test's main thread */
} notify_count;

static pthread_t main_thread;

/* The hook runs on the waking thread (WK-STRAT-003): record which one. */
static void count_notify(void *arg)
{
	notify_count *n = arg;
	atomic_fetch_add_explicit(&n->calls, 1, memory_order_relaxed); /* tally */
	if (pthread_equal(pthread_self(), main_thread))
		atomic_fetch_add_explicit(&n->on_main, 1, memory_order_relaxed); /* tally */
}

static long notified(notify_count *n)
{
	return atomic_load_explicit(&n->calls, memory_order_relaxed);
}

static bool contains(const wk_slot_id *ids, size_t n, wk_slot_id id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* @proves WK-STRAT-003 */
static void slot_waker_marks_and_coalesces(void **state)
{
	notify_count nc = {0};
	wk_slot_id out[8];
	(void)state;

	assert_null(wk_slot_table_new(0, count_notify, &nc));
	assert_null(wk_slot_table_new(1u << 20, count_notify, &nc)); /* limit is 2^20 - 1 */

	wk_slot_table *t = wk_slot_table_new(3, count_notify, &nc);
	assert_non_null(t);
	wk_slot_id a = wk_slot_alloc(t);
	wk_slot_id b = wk_slot_alloc(t);
	wk_slot_id c = wk_slot_alloc(t);
	assert_true(a != 0 && b != 0 && c != 0);
	assert_true(a != b && b != c && a != c);
	assert_int_equal(wk_slot_alloc(t), 0); /* full */
	assert_true(wk_slot_live(t, a));
	assert_int_equal(wk_slot_drain(t, out, 8), 0); /* nothing woken yet */

	wk_waker wa = wk_slot_waker(t, a);
	wk_waker wb = wk_slot_waker(t, b);
	/* clone is a copy of the id; drop does nothing. */
	wk_waker wa2 = wk_waker_clone(&wa);
	assert_true(wk_waker_will_wake(&wa, &wa2));
	assert_false(wk_waker_will_wake(&wa, &wb));
	wk_waker_drop(&wa2);
	assert_int_equal(notified(&nc), 0);

	/* One wake: one transition, one notify, one drained id. */
	wk_waker_wake_by_ref(&wa);
	assert_int_equal(notified(&nc), 1);
	assert_int_equal(wk_slot_drain(t, out, 8), 1);
	assert_int_equal(out[0], a);
	assert_int_equal(wk_slot_drain(t, out, 8), 0);

	/* Many wakes before a drain: coalesced into one id; at least the
	 * transition notified. */
	long before = notified(&nc);
	for (int i = 0; i < 5; i++)
		wk_waker_wake_by_ref(&wa);
	wk_waker wa3 = wk_waker_clone(&wa);
	wk_waker_wake(&wa3);
	assert_true(notified(&nc) >= before + 1);
	assert_true(notified(&nc) <= before + 6);
	assert_int_equal(wk_slot_drain(t, out, 8), 1);
	assert_int_equal(out[0], a);

	/* A wake after the drain marks and notifies again. */
	before = notified(&nc);
	wk_waker_wake_by_ref(&wa);
	assert_int_equal(notified(&nc), before + 1);

	/* Two ids woken, one not: exactly those two, each once. */
	wk_waker_wake_by_ref(&wb);
	wk_waker_wake_by_ref(&wb);
	assert_int_equal(wk_slot_drain(t, out, 8), 2);
	assert_true(contains(out, 2, a));
	assert_true(contains(out, 2, b));
	assert_false(contains(out, 2, c));

	/* drain respects max; the rest stays for the next drain. */
	wk_waker wc = wk_slot_waker(t, c);
	wk_waker_wake_by_ref(&wa);
	wk_waker_wake_by_ref(&wb);
	wk_waker_wake_by_ref(&wc);
	size_t first = wk_slot_drain(t, out, 2);
	assert_int_equal(first, 2);
	size_t second = wk_slot_drain(t, out + 2, 6);
	assert_int_equal(second, 1);
	assert_true(contains(out, 3, a) && contains(out, 3, b) && contains(out, 3, c));

	/* Every wake above ran on this thread, and so did every notify. */
	assert_int_equal(atomic_load(&nc.on_main), notified(&nc));
	wk_waker_drop(&wc);
	wk_waker_drop(&wb);
	wk_waker_drop(&wa);
	wk_slot_table_free(t);
}

enum { WAKE_THREADS = 4, WAKE_IDS = 16 };

typedef struct slot_waker_arg {
	wk_waker wakers[WAKE_IDS];
	int rounds;
} slot_waker_arg;

static void *wake_every_id(void *p)
{
	slot_waker_arg *a = p;
	for (int r = 0; r < a->rounds; r++)
		for (int i = 0; i < WAKE_IDS; i++) {
			if (r % 2)
				wk_waker_wake_by_ref(&a->wakers[i]);
			else {
				wk_waker c = wk_waker_clone(&a->wakers[i]);
				wk_waker_wake(&c);
			}
		}
	for (int i = 0; i < WAKE_IDS; i++)
		wk_waker_drop(&a->wakers[i]);
	return NULL;
}

/* @proves WK-STRAT-003 */
static void slot_wakes_from_many_threads_coalesce(void **state)
{
	notify_count nc = {0};
	wk_slot_id ids[WAKE_IDS], out[WAKE_IDS * 2];
	slot_waker_arg args[WAKE_THREADS];
	const int rounds = (int)wkt_scaled(500);
	(void)state;

	wk_slot_table *t = wk_slot_table_new(WAKE_IDS, count_notify, &nc);
	assert_non_null(t);
	for (int i = 0; i < WAKE_IDS; i++) {
		ids[i] = wk_slot_alloc(t);
		assert_true(ids[i] != 0);
	}
	for (int k = 0; k < WAKE_THREADS; k++) {
		for (int i = 0; i < WAKE_IDS; i++)
			args[k].wakers[i] = wk_slot_waker(t, ids[i]);
		args[k].rounds = rounds;
	}
	assert_true(wkt_run_threads(WAKE_THREADS, wake_every_id, args, sizeof args[0]));

	/* Every id exactly once, however many wakes it got. */
	size_t n = wk_slot_drain(t, out, WAKE_IDS * 2);
	assert_int_equal(n, WAKE_IDS);
	for (int i = 0; i < WAKE_IDS; i++)
		assert_true(contains(out, n, ids[i]));
	assert_int_equal(wk_slot_drain(t, out, WAKE_IDS * 2), 0);
	assert_true(notified(&nc) >= WAKE_IDS);
	assert_int_equal(atomic_load(&nc.on_main), 0); /* only workers woke */
	assert_true(notified(&nc) <= (long)WAKE_THREADS * rounds * WAKE_IDS);
	wk_slot_table_free(t);
}

/* @proves WK-STRAT-004 */
static void stale_slot_waker_does_nothing(void **state)
{
	notify_count nc = {0};
	wk_slot_id out[4];
	(void)state;

	wk_slot_table *t = wk_slot_table_new(1, count_notify, &nc);
	assert_non_null(t);
	wk_slot_id old = wk_slot_alloc(t);
	assert_true(old != 0);
	wk_waker stale = wk_slot_waker(t, old);

	/* Released: no mark, no notify. */
	wk_slot_release(t, old);
	assert_false(wk_slot_live(t, old));
	wk_waker_wake_by_ref(&stale);
	wk_waker c = wk_waker_clone(&stale);
	wk_waker_wake(&c);
	assert_int_equal(notified(&nc), 0);
	assert_int_equal(wk_slot_drain(t, out, 4), 0);

	/* Reused under a new generation: the old id still does nothing, the
	 * new one works. */
	wk_slot_id fresh = wk_slot_alloc(t); /* capacity 1: the same slot */
	assert_true(fresh != 0);
	assert_true(fresh != old);
	assert_false(wk_slot_live(t, old));
	assert_true(wk_slot_live(t, fresh));
	wk_waker_wake_by_ref(&stale);
	assert_int_equal(notified(&nc), 0);
	assert_int_equal(wk_slot_drain(t, out, 4), 0);
	wk_waker now = wk_slot_waker(t, fresh);
	wk_waker_wake_by_ref(&now);
	assert_int_equal(notified(&nc), 1);
	assert_int_equal(wk_slot_drain(t, out, 4), 1);
	assert_int_equal(out[0], fresh);

	/* Woken while live, released before the drain: the drain reports no
	 * id that is not live. */
	wk_waker_wake_by_ref(&now);
	wk_slot_release(t, fresh);
	size_t n = wk_slot_drain(t, out, 4);
	for (size_t i = 0; i < n; i++)
		assert_true(wk_slot_live(t, out[i]));
	wk_slot_id third = wk_slot_alloc(t);
	assert_true(third != 0 && third != fresh && third != old);
	wk_waker_wake_by_ref(&now); /* stale again */
	wk_waker_wake_by_ref(&stale);
	n = wk_slot_drain(t, out, 4);
	assert_int_equal(n, 0);

	wk_waker_drop(&now);
	wk_waker_drop(&stale);
	wk_slot_table_free(t);
}

typedef struct racing_wake_arg {
	wk_waker waker;
	atomic_bool *stop;
	long wakes;
} racing_wake_arg;

static void *wake_until_stopped(void *p)
{
	racing_wake_arg *a = p;
	/* acquire: pairs with the main thread's release store of stop. */
	while (!atomic_load_explicit(a->stop, memory_order_acquire)) {
		wk_waker_wake_by_ref(&a->waker);
		a->wakes++;
		if ((a->wakes & 63) == 0)
			sched_yield();
	}
	/* The table is gone by now: all of these must be harmless. */
	wk_waker_wake_by_ref(&a->waker);
	wk_waker c = wk_waker_clone(&a->waker);
	wk_waker_wake(&c);
	wk_waker_wake(&a->waker);
	return NULL;
}

/* @proves WK-STRAT-005 */
static void slot_waker_outlives_its_table(void **state)
{
	notify_count nc = {0};
	notify_count fresh_nc = {0};
	wk_slot_id out[4];
	(void)state;

	wk_slot_table *t = wk_slot_table_new(2, count_notify, &nc);
	assert_non_null(t);
	wk_slot_id id = wk_slot_alloc(t);
	wk_waker w = wk_slot_waker(t, id);
	wk_waker woken_before = wk_slot_waker(t, id);
	wk_waker_wake_by_ref(&woken_before); /* queued when the table goes */
	wk_slot_table_free(t);
	long at_free = notified(&nc);

	wk_waker_wake_by_ref(&w);
	wk_waker c = wk_waker_clone(&w);
	wk_waker_wake(&c);
	wk_waker_wake_by_ref(&woken_before);
	wk_waker_drop(&woken_before);
	assert_int_equal(notified(&nc), at_free);

	/* New tables, eventually in the same registry entry (1023 entries):
	 * the old id never reaches them. */
	long fresh_drained = 0;
	for (int i = 0; i < 1100; i++) {
		wk_slot_table *t2 = wk_slot_table_new(2, count_notify, &fresh_nc);
		assert_non_null(t2);
		wk_slot_id id2 = wk_slot_alloc(t2);
		assert_true(id2 != 0);
		wk_waker_wake_by_ref(&w);
		fresh_drained += (long)wk_slot_drain(t2, out, 4);
		wk_slot_table_free(t2);
	}
	assert_int_equal(notified(&fresh_nc), 0);
	assert_int_equal(fresh_drained, 0);
	assert_int_equal(notified(&nc), at_free);
	wk_waker_wake(&w);

	/* Free while other threads keep waking: no access to freed memory
	 * (AddressSanitizer, Valgrind), no race (ThreadSanitizer). */
	atomic_bool stop;
	atomic_init(&stop, false);
	racing_wake_arg args[2];
	pthread_t tids[2];
	notify_count race_nc = {0};
	wk_slot_table *t3 = wk_slot_table_new(2, count_notify, &race_nc);
	assert_non_null(t3);
	wk_slot_id id3 = wk_slot_alloc(t3);
	for (int i = 0; i < 2; i++) {
		args[i].waker = wk_slot_waker(t3, id3);
		args[i].stop = &stop;
		args[i].wakes = 0;
		assert_int_equal(pthread_create(&tids[i], NULL, wake_until_stopped, &args[i]), 0);
	}
	for (int i = 0; i < 100; i++) {
		(void)wk_slot_drain(t3, out, 4);
		sched_yield();
	}
	wk_slot_table_free(t3);
	long after_free = notified(&race_nc);
	/* release: the workers' acquire load sees the table as freed by now. */
	atomic_store_explicit(&stop, true, memory_order_release);
	for (int i = 0; i < 2; i++)
		pthread_join(tids[i], NULL);
	/* Wakes that started before the free may still have notified; none
	 * may notify after free returned (it waits for wakes in flight). */
	assert_int_equal(notified(&race_nc), after_free);
}

int main(void)
{
	main_thread = pthread_self();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(flag_waker_raises_its_flag),
		cmocka_unit_test(flag_take_sees_writes_before_the_wake),
		cmocka_unit_test(flag_wait_returns_once_raised),
		cmocka_unit_test(slot_waker_marks_and_coalesces),
		cmocka_unit_test(slot_wakes_from_many_threads_coalesce),
		cmocka_unit_test(stale_slot_waker_does_nothing),
		cmocka_unit_test(slot_waker_outlives_its_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
