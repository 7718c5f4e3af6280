/*
 * test_local_wake.c - wk_local_wake, the single-thread reference-counted
 * task object (WK-WAKE-004, 005, 006, 009): conversion into a local waker
 * without a second allocation, the same refcount contract as wk_wake, the
 * leak regression of rust-lang/rust#122180, the overflow abort and
 * creation failures.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "support/expect_abort.h"
#include "wk_internal.h" /* wk__local_wake_set_refcount_for_test */

static struct {
	int wakes;
	int wakes_by_ref;
	int destroys;
	size_t refcount_at_wake;
	wk_local_wake *woken;
	bool keep_reference;
} rec;

static void rec_reset(void)
{
	memset(&rec, 0, sizeof rec);
}

static void rec_wake(wk_local_wake *self)
{
	rec.wakes++;
	rec.refcount_at_wake = wk_local_wake_refcount(self);
	rec.woken = self;
	if (!rec.keep_reference)
		wk_local_wake_release(self);
}

static void rec_wake_by_ref(wk_local_wake *self)
{
	rec.wakes_by_ref++;
	rec.refcount_at_wake = wk_local_wake_refcount(self);
}

static void rec_destroy(wk_local_wake *self)
{
	(void)self;
	rec.destroys++;
}

static const wk_local_wake_ops rec_ops = {rec_wake, rec_wake_by_ref, rec_destroy};
static const wk_local_wake_ops rec_ops_no_by_ref = {rec_wake, NULL, rec_destroy};

/* @proves WK-WAKE-004 */
static void local_wake_object_becomes_a_local_waker(void **state)
{
	(void)state;

	rec_reset();
	wk_local_wake *obj = wk_local_wake_new(&rec_ops, 24);
	assert_non_null(obj);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	unsigned char *p = wk_local_wake_payload(obj);
	assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
	for (int i = 0; i < 24; i++)
		assert_int_equal(p[i], 0);
	assert_ptr_equal(wk_local_wake_from_payload(p), obj);

	/* The reference moves into the local waker; no second object. */
	wk_local_waker w = wk_local_waker_from_local_wake(obj);
	assert_ptr_equal(wk_local_waker_data(&w), obj);
	assert_int_equal(wk_local_wake_refcount(obj), 1);

	wk_local_waker c = wk_local_waker_clone(&w); /* +1 */
	assert_int_equal(wk_local_wake_refcount(obj), 2);
	assert_true(wk_local_waker_will_wake(&c, &w));
	wk_local_waker_wake_by_ref(&c); /* 0 */
	assert_int_equal(rec.wakes_by_ref, 1);
	assert_int_equal(rec.refcount_at_wake, 2);
	assert_int_equal(wk_local_wake_refcount(obj), 2);
	wk_local_waker_drop(&c); /* -1 */
	assert_int_equal(wk_local_wake_refcount(obj), 1);

	assert_ptr_equal(wk_local_wake_retain(obj), obj);
	assert_int_equal(wk_local_wake_refcount(obj), 2);
	wk_local_wake_release(obj);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	assert_int_equal(rec.destroys, 0);

	/* wake hands over the waker's reference; destroy runs once. */
	wk_local_waker_wake(&w);
	assert_int_equal(rec.wakes, 1);
	assert_ptr_equal(rec.woken, obj);
	assert_int_equal(rec.refcount_at_wake, 1);
	assert_int_equal(rec.destroys, 1);

	/* Default wake_by_ref: retain, then ops->wake. */
	rec_reset();
	obj = wk_local_wake_new(&rec_ops_no_by_ref, 0);
	assert_non_null(obj);
	w = wk_local_waker_from_local_wake(obj);
	wk_local_waker_wake_by_ref(&w);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(rec.refcount_at_wake, 2);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	wk_local_waker_drop(&w);
	assert_int_equal(rec.destroys, 1);

	/* ops->wake may keep the reference. */
	rec_reset();
	rec.keep_reference = true;
	obj = wk_local_wake_new(&rec_ops, 0);
	w = wk_local_waker_from_local_wake(obj);
	wk_local_waker_wake(&w);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	assert_int_equal(rec.destroys, 0);
	wk_local_wake_release(rec.woken);
	assert_int_equal(rec.destroys, 1);
}

static void from_local_wake_null(void *arg)
{
	(void)arg;
	wk_local_waker w = wk_local_waker_from_local_wake(NULL);
	(void)w;
}

/* @proves WK-WAKE-009 */
static void local_wake_new_fails_cleanly(void **state)
{
	static const wk_local_wake_ops no_wake = {NULL, rec_wake_by_ref, rec_destroy};
	(void)state;

	rec_reset();
	assert_null(wk_local_wake_new(NULL, 0));
	assert_null(wk_local_wake_new(&no_wake, 0));
	assert_null(wk_local_wake_new(&no_wake, 64));
	assert_null(wk_local_wake_new(&rec_ops, SIZE_MAX));
	assert_null(wk_local_wake_new(&rec_ops, SIZE_MAX - 1));
	assert_null(wk_local_wake_new(&rec_ops, (size_t)1 << 62));
	assert_int_equal(rec.destroys, 0);

	WKT_EXPECT_ABORT(from_local_wake_null, NULL, "wakerconf: wk_local_waker_from_local_wake",
			 "must not be NULL");
}

/* @proves WK-WAKE-005 */
static void local_waker_from_local_wake_does_not_leak(void **state)
{
	(void)state;

	/* Convert and drop: the only reference goes, destroy runs. */
	rec_reset();
	wk_local_wake *obj = wk_local_wake_new(&rec_ops, 64);
	assert_non_null(obj);
	wk_local_waker w = wk_local_waker_from_local_wake(obj);
	wk_local_waker_drop(&w);
	assert_int_equal(rec.destroys, 1);

	/* Convert a retained object: the caller's extra reference remains. */
	rec_reset();
	obj = wk_local_wake_new(&rec_ops, 0);
	w = wk_local_waker_from_local_wake(wk_local_wake_retain(obj));
	assert_int_equal(wk_local_wake_refcount(obj), 2);
	wk_local_waker_drop(&w);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	assert_int_equal(rec.destroys, 0);
	wk_local_wake_release(obj);
	assert_int_equal(rec.destroys, 1);

	/* Convert, clone, drop the clone, wake the original. */
	rec_reset();
	obj = wk_local_wake_new(&rec_ops, 0);
	w = wk_local_waker_from_local_wake(obj);
	wk_local_waker c = wk_local_waker_clone(&w);
	wk_local_waker_drop(&c);
	wk_local_waker_wake(&w);
	assert_int_equal(rec.wakes, 1);
	assert_int_equal(rec.destroys, 1);
}

/* ---- overflow ---------------------------------------------------------- */

static void noop_wake(wk_local_wake *self)
{
	wk_local_wake_release(self);
}

static const wk_local_wake_ops plain_ops = {noop_wake, NULL, NULL};

static wk_local_wake *object_at_count(size_t count)
{
	wk_local_wake *obj = wk_local_wake_new(&plain_ops, 0);
	if (obj != NULL)
		wk__local_wake_set_refcount_for_test(obj, count);
	return obj;
}

static void retain_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_local_wake_retain(object_at_count(WK_REFCOUNT_MAX - 1));
}

static void clone_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_local_waker w = wk_local_waker_from_local_wake(object_at_count(WK_REFCOUNT_MAX - 1));
	wk_local_waker c = wk_local_waker_clone(&w);
	(void)c;
}

static void default_wake_by_ref_at_max_minus_one(void *arg)
{
	(void)arg;
	wk_local_waker w = wk_local_waker_from_local_wake(object_at_count(WK_REFCOUNT_MAX - 1));
	wk_local_waker_wake_by_ref(&w);
}

/* @proves WK-WAKE-006 */
static void local_refcount_overflow_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(retain_at_max_minus_one, NULL, "wakerconf: wk_local_wake_retain",
			 "refcount overflow");
	WKT_EXPECT_ABORT(clone_at_max_minus_one, NULL, "wakerconf: wk_local_waker_clone",
			 "refcount overflow");
	WKT_EXPECT_ABORT(default_wake_by_ref_at_max_minus_one, NULL, "refcount overflow");

	wk_local_wake *obj = object_at_count(WK_REFCOUNT_MAX - 2);
	assert_non_null(obj);
	wk_local_wake_retain(obj);
	assert_int_equal(wk_local_wake_refcount(obj), WK_REFCOUNT_MAX - 1);
	wk__local_wake_set_refcount_for_test(obj, 1);
	wk_local_wake_release(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_wake_object_becomes_a_local_waker),
		cmocka_unit_test(local_waker_from_local_wake_does_not_leak),
		cmocka_unit_test(local_refcount_overflow_aborts),
		cmocka_unit_test(local_wake_new_fails_cleanly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
