/*
 * test_wake.c - wk_wake, the thread-safe reference-counted task object
 * (WK-WAKE-001, 002, 003, 006, 009): conversion into a waker without a
 * second allocation, the refcount effect of each waker operation, the
 * default wake_by_ref, destroy on the releasing thread, a multi-thread
 * stress of clone / wake / wake_by_ref / drop, the overflow abort (through
 * the library's test hook) and creation failures.
 *
 * Atomics: worker threads update tallies with relaxed RMWs (a comment at
 * each says why); the main thread resets and reads them only while no
 * worker runs (before the start, after the join), with the default
 * seq_cst calls, which the thread start and join already order.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
#endif

#include "support/cmocka_prelude.h"
#include "support/expect_abort.h"
#include "support/scale.h"
#include "support/threads.h"
#include "wk_internal.h" /* wk__wake_set_refcount_for_test */

/* ---- a recording task -------------------------------------------------- */

/* What the ops saw; reset by each test.  Single-thread tests only, except
 * the atomic tallies used by the stress test. */
static struct {
	int wakes;
	int wakes_by_ref;
	int destroys;
	size_t refcount_at_wake;       /* wk_wake_refcount seen inside ops->wake */
	wk_wake *woken;                /* the object ops->wake received */
	bool keep_reference;           /* ops->wake queues instead of releasing */
} rec;

static void rec_reset(void)
{
	memset(&rec, 0, sizeof rec);
}

static void rec_wake(wk_wake *self)
{
	rec.wakes++;
	rec.refcount_at_wake = wk_wake_refcount(self);
	rec.woken = self;
	if (!rec.keep_reference)
		wk_wake_release(self); /* ops->wake owns the reference it got */
}

static void rec_wake_by_ref(wk_wake *self)
{
	rec.wakes_by_ref++;
	rec.refcount_at_wake = wk_wake_refcount(self);
}

static void rec_destroy(wk_wake *self)
{
	(void)self;
	rec.destroys++;
}

static const wk_wake_ops rec_ops = {rec_wake, rec_wake_by_ref, rec_destroy};
static const wk_wake_ops rec_ops_no_by_ref = {rec_wake, NULL, rec_destroy};
static const wk_wake_ops rec_ops_no_destroy = {rec_wake, NULL, NULL};

static void noop_release(wk_wake *self)
{
	wk_wake_release(self);
}

/* Bytes the allocator has handed out, or 0 where it cannot tell (sanitizer
 * and Valgrind allocators do not feed glibc's statistics). */
static size_t heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	return mallinfo2().uordblks;
#else
	return 0;
#endif
}

/* @proves WK-WAKE-001 */
static void wake_object_becomes_a_waker_without_allocating(void **state)
{
	typedef struct payload {
		long a;
		char bytes[40];
	} payload;
	(void)state;

	rec_reset();
	wk_wake *obj = wk_wake_new(&rec_ops, sizeof(payload));
	assert_non_null(obj);
	assert_int_equal(wk_wake_refcount(obj), 1);
	payload *p = wk_wake_payload(obj);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
	static const payload zero;
	assert_memory_equal(p, &zero, sizeof zero);
	assert_ptr_equal(wk_wake_from_payload(p), obj);
	memset(p, 0x5a, sizeof *p); /* the payload is writable in full */

	/* Conversion moves the caller's reference into the waker. */
	size_t heap_before = heap_in_use();
	wk_waker w = wk_waker_from_wake(obj);
	size_t heap_after = heap_in_use();
	if (heap_before != 0)
		assert_int_equal(heap_after, heap_before);
	assert_ptr_equal(wk_waker_data(&w), obj);
	assert_int_equal(wk_wake_refcount(obj), 1);

	/* clone retains, drop releases. */
	wk_waker c = wk_waker_clone(&w);
	assert_int_equal(wk_wake_refcount(obj), 2);
	assert_true(wk_waker_will_wake(&c, &w));
	wk_waker_drop(&c);
	assert_int_equal(wk_wake_refcount(obj), 1);
	assert_int_equal(rec.destroys, 0);

	/* wake_by_ref: the by-ref op, no count change. */
	wk_waker_wake_by_ref(&w);
	assert_int_equal(rec.wakes_by_ref, 1);
	assert_int_equal(rec.refcount_at_wake, 1);
	assert_int_equal(rec.wakes, 0);

	/* Explicit retain/release on the object. */
	assert_ptr_equal(wk_wake_retain(obj), obj);
	assert_int_equal(wk_wake_refcount(obj), 2);
	wk_wake_release(obj);
	assert_int_equal(wk_wake_refcount(obj), 1);

	/* wake hands the waker's own reference to ops->wake (no extra one),
	 * and ops->wake's release of the last reference runs destroy once. */
	wk_waker_wake(&w);
	assert_int_equal(rec.wakes, 1);
	assert_ptr_equal(rec.woken, obj);
	assert_int_equal(rec.refcount_at_wake, 1);
	assert_int_equal(rec.destroys, 1);

	/* ops->wake may keep the reference (queue the task) and release later. */
	rec_reset();
	rec.keep_reference = true;
	obj = wk_wake_new(&rec_ops, 0);
	assert_non_null(obj);
	w = wk_waker_from_wake(obj);
	wk_waker c2 = wk_waker_clone(&w);
	wk_waker_wake(&c2);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(wk_wake_refcount(obj), 2); /* queued + w */
	wk_waker_drop(&w);
	assert_int_equal(rec.destroys, 0);
	wk_wake_release(rec.woken); /* the "queue" lets go */
	assert_int_equal(rec.destroys, 1);

	/* destroy is optional. */
	rec_reset();
	obj = wk_wake_new(&rec_ops_no_destroy, 16);
	assert_non_null(obj);
	w = wk_waker_from_wake(obj);
	wk_waker_drop(&w);
	assert_int_equal(rec.destroys, 0);
	assert_int_equal(rec.wakes, 0);
}

/* The thread that releases the last reference runs destroy. */
static pthread_t destroyed_on;
static atomic_int destroy_on_thread_calls;

static void remember_destroy_thread(wk_wake *self)
{
	(void)self;
	destroyed_on = pthread_self();
	atomic_fetch_add_explicit(&destroy_on_thread_calls, 1, memory_order_relaxed); /* tally */
}

static const wk_wake_ops remember_ops = {noop_release, NULL, remember_destroy_thread};

typedef struct last_ref_arg {
	wk_waker waker; /* the only reference */
	pthread_t self;
} last_ref_arg;

static void *drop_last_reference(void *p)
{
	last_ref_arg *a = p;
	a->self = pthread_self();
	wk_waker_drop(&a->waker);
	return NULL;
}

/* @proves WK-WAKE-001 */
static void destroy_runs_once_on_the_releasing_thread(void **state)
{
	(void)state;
	atomic_store(&destroy_on_thread_calls, 0);
	wk_wake *obj = wk_wake_new(&remember_ops, 0);
	assert_non_null(obj);
	last_ref_arg arg;
	arg.waker = wk_waker_from_wake(obj);
	assert_true(wkt_run_threads(1, drop_last_reference, &arg, sizeof arg));
	assert_int_equal(atomic_load(&destroy_on_thread_calls), 1);
	assert_true(pthread_equal(destroyed_on, arg.self));
	assert_false(pthread_equal(destroyed_on, pthread_self()));
}

/* ---- creation failures ------------------------------------------------- */

static void from_wake_null(void *arg)
{
	(void)arg;
	wk_waker w = wk_waker_from_wake(NULL);
	(void)w;
}

/* @proves WK-WAKE-009 */
static void wake_new_fails_cleanly(void **state)
{
	static const wk_wake_ops no_wake = {NULL, rec_wake_by_ref, rec_destroy};
	(void)state;

	rec_reset();
	size_t heap_before = heap_in_use();
	assert_null(wk_wake_new(NULL, 0));
	assert_null(wk_wake_new(&no_wake, 0));
	assert_null(wk_wake_new(&no_wake, 64));
	/* Header + payload does not fit in a size_t. */
	assert_null(wk_wake_new(&rec_ops, SIZE_MAX));
	assert_null(wk_wake_new(&rec_ops, SIZE_MAX - 1));
	/* Fits, but no machine has it: out of memory. */
	assert_null(wk_wake_new(&rec_ops, (size_t)1 << 62));
	size_t heap_after = heap_in_use();
	if (heap_before != 0)
		assert_int_equal(heap_after, heap_before);
	assert_int_equal(rec.destroys, 0);
	assert_int_equal(rec.wakes, 0);

	WKT_EXPECT_ABORT(from_wake_null, NULL, "wakerconf: wk_waker_from_wake", "must not be NULL");
}

/* @proves WK-WAKE-002 */
static void null_wake_by_ref_is_retain_then_wake(void **state)
{
	(void)state;

	rec_reset();
	wk_wake *obj = wk_wake_new(&rec_ops_no_by_ref, 0);
	assert_non_null(obj);
	wk_waker w = wk_waker_from_wake(obj);
	wk_waker_wake_by_ref(&w);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(rec.wakes_by_ref, 0);
	assert_int_equal(rec.refcount_at_wake, 2); /* retained for ops->wake */
	assert_ptr_equal(rec.woken, obj);
	assert_int_equal(wk_wake_refcount(obj), 1); /* ops->wake released it */
	assert_int_equal(rec.destroys, 0);

	/* Repeatable, and the waker stays usable. */
	wk_waker_wake_by_ref(&w);
	wk_waker c = wk_waker_clone(&w);
	wk_waker_wake_by_ref(&c);
	assert_int_equal(rec.wakes, 3);
	assert_int_equal(wk_wake_refcount(obj), 2);
	wk_waker_drop(&c);
	wk_waker_drop(&w);
	assert_int_equal(rec.destroys, 1);

	/* A wake_by_ref whose ops->wake keeps the reference leaves it queued. */
	rec_reset();
	rec.keep_reference = true;
	obj = wk_wake_new(&rec_ops_no_by_ref, 0);
	w = wk_waker_from_wake(obj);
	wk_waker_wake_by_ref(&w);
	assert_int_equal(wk_wake_refcount(obj), 2);
	wk_waker_drop(&w);
	assert_int_equal(rec.destroys, 0);
	wk_wake_release(rec.woken);
	assert_int_equal(rec.destroys, 1);
}

/* ---- concurrent use ---------------------------------------------------- */

enum { STRESS_THREADS = 4 };

typedef struct stress_payload {
	atomic_long wakes;         /* ops->wake calls */
	atomic_long wakes_by_ref;  /* ops->wake_by_ref calls */
	long written[STRESS_THREADS]; /* plain: each worker writes its own slot */
} stress_payload;

static atomic_long stress_destroys;
static atomic_long stress_sum_at_destroy;

static void stress_wake(wk_wake *self)
{
	stress_payload *p = wk_wake_payload(self);
	atomic_fetch_add_explicit(&p->wakes, 1, memory_order_relaxed); /* tally, read after join */
	wk_wake_release(self);
}

static void stress_wake_by_ref(wk_wake *self)
{
	stress_payload *p = wk_wake_payload(self);
	atomic_fetch_add_explicit(&p->wakes_by_ref, 1, memory_order_relaxed); /* tally */
}

static void stress_destroy(wk_wake *self)
{
	stress_payload *p = wk_wake_payload(self);
	long sum = 0;
	/* Plain reads of every worker's plain writes: race-free only because
	 * each release is acq_rel (ThreadSanitizer checks that). */
	for (int i = 0; i < STRESS_THREADS; i++)
		sum += p->written[i];
	atomic_store_explicit(&stress_sum_at_destroy, sum, memory_order_relaxed); /* read after join */
	atomic_fetch_add_explicit(&stress_destroys, 1, memory_order_relaxed);      /* tally */
}

static const wk_wake_ops stress_ops = {stress_wake, stress_wake_by_ref, stress_destroy};
static const wk_wake_ops stress_ops_no_by_ref = {stress_wake, NULL, stress_destroy};

typedef struct stress_arg {
	wk_waker own;           /* this worker's clone; the worker drops it */
	const wk_waker *shared; /* one value all workers read at once (Sync) */
	wk_wake *obj;           /* for direct retain / release */
	int index;
	unsigned long iterations;
	stress_payload *payload;
} stress_arg;

static void *stress_worker(void *p)
{
	stress_arg *a = p;
	for (unsigned long i = 0; i < a->iterations; i++) {
		wk_waker c = wk_waker_clone(&a->own);
		wk_waker_wake_by_ref(&c);
		wk_waker d = wk_waker_clone(&c);
		wk_waker_wake(&d);
		wk_waker e = wk_waker_clone(&a->own);
		wk_waker_drop(&e);
		wk_waker_drop(&c);
		wk_waker s = wk_waker_clone(a->shared);
		wk_waker_wake_by_ref(a->shared);
		wk_waker_drop(&s);
		wk_wake_release(wk_wake_retain(a->obj));
	}
	a->payload->written[a->index] = (long)a->iterations;
	wk_waker_drop(&a->own); /* may be the last reference: destroy here */
	return NULL;
}

static void run_stress(const wk_wake_ops *ops, bool by_ref_op)
{
	const unsigned long n = wkt_scaled(20000);
	const long total = (long)n * STRESS_THREADS;
	stress_arg args[STRESS_THREADS];

	/* Phase 1: main keeps its reference; after the workers, the count is
	 * back to exactly that one and nothing was destroyed. */
	atomic_store(&stress_destroys, 0);
	wk_wake *obj = wk_wake_new(ops, sizeof(stress_payload));
	assert_non_null(obj);
	stress_payload *p = wk_wake_payload(obj);
	wk_waker w = wk_waker_from_wake(obj);
	for (int i = 0; i < STRESS_THREADS; i++) {
		args[i].own = wk_waker_clone(&w);
		args[i].shared = &w;
		args[i].obj = obj;
		args[i].index = i;
		args[i].iterations = n;
		args[i].payload = p;
	}
	assert_int_equal(wk_wake_refcount(obj), 1 + STRESS_THREADS);
	assert_true(wkt_run_threads(STRESS_THREADS, stress_worker, args, sizeof args[0]));
	assert_int_equal(wk_wake_refcount(obj), 1);
	assert_int_equal(atomic_load(&stress_destroys), 0);
	if (by_ref_op) {
		assert_int_equal(atomic_load(&p->wakes), total);
		assert_int_equal(atomic_load(&p->wakes_by_ref), 2 * total);
	} else {
		/* Each default wake_by_ref is retain + ops->wake. */
		assert_int_equal(atomic_load(&p->wakes), 3 * total);
		assert_int_equal(atomic_load(&p->wakes_by_ref), 0);
	}
	wk_waker_drop(&w);
	assert_int_equal(atomic_load(&stress_destroys), 1);
	assert_int_equal(atomic_load(&stress_sum_at_destroy), total);

	/* Phase 2: main lets go first, so the last release (and destroy) happens
	 * on whichever worker finishes last. */
	atomic_store(&stress_destroys, 0);
	atomic_store(&stress_sum_at_destroy, 0);
	obj = wk_wake_new(ops, sizeof(stress_payload));
	assert_non_null(obj);
	p = wk_wake_payload(obj);
	w = wk_waker_from_wake(obj);
	for (int i = 0; i < STRESS_THREADS; i++) {
		args[i].own = wk_waker_clone(&w);
		/* main's value goes away below: each worker shares its own */
		args[i].shared = &args[i].own;
		args[i].obj = obj;
		args[i].index = i;
		args[i].iterations = n;
		args[i].payload = p;
	}
	wk_waker_drop(&w);
	assert_true(wkt_run_threads(STRESS_THREADS, stress_worker, args, sizeof args[0]));
	assert_int_equal(atomic_load(&stress_destroys), 1);
	assert_int_equal(atomic_load(&stress_sum_at_destroy), total);
}

/* @proves WK-WAKE-003 */
static void concurrent_clone_wake_drop_stay_balanced(void **state)
{
	(void)state;
	run_stress(&stress_ops, true);
}

/* @proves WK-WAKE-003 WK-WAKE-002 */
static void concurrent_default_wake_by_ref_stays_balanced(void **state)
{
	(void)state;
	run_stress(&stress_ops_no_by_ref, false);
}

/* ---- overflow ---------------------------------------------------------- */

static const wk_wake_ops plain_ops = {noop_release, NULL, NULL};

static wk_wake *object_at_count(size_t count)
{
	wk_wake *obj = wk_wake_new(&plain_ops, 0);
	if (obj != NULL)
		wk__wake_set_refcount_for_test(obj, count);
	return obj;
}

static void retain_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_wake_retain(object_at_count(WK_REFCOUNT_MAX - 1));
}

static void clone_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_waker w = wk_waker_from_wake(object_at_count(WK_REFCOUNT_MAX - 1));
	wk_waker c = wk_waker_clone(&w);
	(void)c;
}

static void default_wake_by_ref_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_waker w = wk_waker_from_wake(object_at_count(WK_REFCOUNT_MAX - 1));
	wk_waker_wake_by_ref(&w);
}

/* @proves WK-WAKE-006 */
static void refcount_overflow_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(retain_at_max_minus_one, NULL, "wakerconf: wk_wake_retain",
			 "refcount overflow");
	WKT_EXPECT_ABORT(clone_at_max_minus_one, NULL, "wakerconf: wk_waker_clone",
			 "refcount overflow");
	WKT_EXPECT_ABORT(default_wake_by_ref_at_max_minus_one, NULL, "refcount overflow");

	/* One below: the count may reach WK_REFCOUNT_MAX - 1. */
	wk_wake *obj = object_at_count(WK_REFCOUNT_MAX - 2);
	assert_non_null(obj);
	wk_wake_retain(obj);
	assert_int_equal(wk_wake_refcount(obj), WK_REFCOUNT_MAX - 1);
	wk__wake_set_refcount_for_test(obj, 1);
	wk_wake_release(obj); /* freed: Valgrind/ASan see no leak */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wake_object_becomes_a_waker_without_allocating),
		cmocka_unit_test(null_wake_by_ref_is_retain_then_wake),
		/* Forks before any thread was started. */
		cmocka_unit_test(refcount_overflow_aborts),
		cmocka_unit_test(wake_new_fails_cleanly),
		cmocka_unit_test(destroy_runs_once_on_the_releasing_thread),
		cmocka_unit_test(concurrent_clone_wake_drop_stay_balanced),
		cmocka_unit_test(concurrent_default_wake_by_ref_stays_balanced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
