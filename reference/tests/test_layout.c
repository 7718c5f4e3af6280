/*
 * test_layout.c - an unchecked build carries no checking state
 * (WK-CHECK-004, layout half).  Compiled with WK_CHECKED=0 and linked with
 * wk_unchecked.  The link-guard half (a checked consumer cannot link an
 * unchecked library) is the ctest ref.link_guard (link_guard.cmake).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "wk/wk.h"

#if WK_CHECKED
#error "test_layout.c must be compiled with WK_CHECKED=0"
#endif

/* @proves WK-CHECK-004 */
static void unchecked_waker_is_exactly_a_raw_waker(void **state)
{
	(void)state;
	assert_int_equal(sizeof(wk_waker), sizeof(wk_raw_waker));
	assert_int_equal(sizeof(wk_local_waker), sizeof(wk_raw_waker));
	assert_int_equal(sizeof(wk_raw_waker), 2 * sizeof(void *));
	assert_int_equal(alignof(wk_waker), alignof(wk_raw_waker));
	assert_int_equal(alignof(wk_local_waker), alignof(wk_raw_waker));
	assert_int_equal(offsetof(wk_waker, raw), 0);
	assert_int_equal(offsetof(wk_local_waker, raw), 0);
}

/* @proves WK-CHECK-004 */
static void unchecked_operations_leave_no_trace(void **state)
{
	wkt_counter c;
	(void)state;

	wkt_counter_init(&c);
	wk_raw_waker raw = wkt_counter_raw(&c);
	wk_waker w = wk_waker_from_raw(raw);
	/* The waker's bytes are the raw waker's bytes: nothing added. */
	assert_memory_equal(&w, &raw, sizeof raw);
	wk_local_waker l = wk_local_waker_from_raw(raw);
	atomic_fetch_add(&c.live, 1); /* l owns a second instance of the task */
	assert_memory_equal(&l, &raw, sizeof raw);
	wk_waker c2 = wk_waker_clone(&w);
	assert_memory_equal(&c2, &raw, sizeof raw);

	/* Consuming leaves the value bit-for-bit as it was: no poisoning. */
	wk_waker_drop(&c2);
	assert_memory_equal(&c2, &raw, sizeof raw);
	wk_local_waker_wake(&l);
	assert_memory_equal(&l, &raw, sizeof raw);
	WKT_ASSERT_COUNTS(&c, 1, 1, 0, 1, 1);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 1, 1, 0, 2, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unchecked_waker_is_exactly_a_raw_waker),
		cmocka_unit_test(unchecked_operations_leave_no_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
