/*
 * test_context.c - the task context and its builder, core profile
 * (WK-CTX-*): getters, the local waker fallback, extension data, setter
 * isolation, inheritance from a parent context, and the loud failure on
 * NULL arguments.
 *
 * A context borrows its wakers: building one must make no vtable call, so
 * every check also asserts the counting vtable saw nothing.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "support/expect_abort.h"
#include "wk/wk.h"

/* @proves WK-CTX-001 */
static void context_waker_is_the_builder_waker(void **state)
{
	wkt_counter c, d;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	wk_waker v = wkt_counting_waker(&d);

	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w);
	assert_ptr_equal(wk_context_try_waker(&cx), &w);

	/* Through the waker setter. */
	wk_context_builder_waker(&b, &v);
	wk_context cv = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cv), &v);
	/* The context built before is a separate value. */
	assert_ptr_equal(wk_context_waker(&cx), &w);

	/* Waking through the context reaches the task; the context borrowed. */
	wk_waker_wake_by_ref(wk_context_waker(&cx));
	WKT_ASSERT_COUNTS(&c, 0, 0, 1, 0, 1);
	WKT_ASSERT_COUNTS(&d, 0, 0, 0, 0, 1);
	wk_waker_drop(&v);
	wk_waker_drop(&w);
}

/* @proves WK-CTX-002 */
static void context_local_waker_set_or_fallback(void **state)
{
	wkt_counter c, l;
	(void)state;

	wk_waker w = wkt_counting_waker(&c);
	wk_local_waker lw = wkt_counting_local_waker(&l);

	/* No local waker set: the waker viewed as local. */
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	const wk_local_waker *fallback = wk_context_local_waker(&cx);
	assert_non_null(fallback);
	assert_ptr_equal(fallback, wk_waker_as_local(&w));
	assert_ptr_equal(wk_local_waker_data(fallback), &c);
	wk_local_waker_wake_by_ref(fallback);
	WKT_ASSERT_COUNTS(&c, 0, 0, 1, 0, 1);

	/* Set: exactly that local waker. */
	wk_context_builder_local_waker(&b, &lw);
	wk_context cl = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_local_waker(&cl), &lw);
	assert_ptr_equal(wk_context_waker(&cl), &w);
	wk_local_waker_wake_by_ref(wk_context_local_waker(&cl));
	WKT_ASSERT_COUNTS(&l, 0, 0, 1, 0, 1);

	/* The noop waker: never NULL either. */
	wk_context_builder nb = wk_context_builder_from_waker(wk_waker_noop());
	wk_context ncx = wk_context_builder_build(&nb);
	assert_ptr_equal(wk_context_local_waker(&ncx), wk_waker_as_local(wk_waker_noop()));

	wk_local_waker_drop(&lw);
	wk_waker_drop(&w);
	WKT_ASSERT_COUNTS(&c, 0, 0, 1, 1, 0);
}

static int ext_a, ext_b;

/* @proves WK-CTX-003 */
static void context_ext_is_the_builder_ext_or_null(void **state)
{
	(void)state;
	wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context none = wk_context_builder_build(&b);
	assert_null(wk_context_ext(&none));

	wk_context_builder_ext(&b, &ext_a);
	wk_context with = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_ext(&with), &ext_a);
	assert_null(wk_context_ext(&none));
}

static int lazy_calls;

static wk_waker count_and_noop(const wk_local_waker *local_waker, void *arg)
{
	(void)local_waker;
	(void)arg;
	lazy_calls++;
	return wk_waker_clone(wk_waker_noop());
}

/* @proves WK-CTX-004 */
static void setters_change_only_their_field_last_wins(void **state)
{
	wkt_counter c1, c2, l1, l2;
	(void)state;

	wk_waker w1 = wkt_counting_waker(&c1);
	wk_waker w2 = wkt_counting_waker(&c2);
	wk_local_waker lw1 = wkt_counting_local_waker(&l1);
	wk_local_waker lw2 = wkt_counting_local_waker(&l2);

	wk_context_builder b = wk_context_builder_from_waker(&w1);
	/* Setters return the builder, for chaining. */
	assert_ptr_equal(wk_context_builder_ext(&b, &ext_a), &b);
	wk_context cx = wk_context_builder_build(&b);

	/* waker: only the waker changes; the local waker stays w1's view. */
	assert_ptr_equal(wk_context_builder_waker(&b, &w2), &b);
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w2);
	assert_ptr_equal(wk_context_local_waker(&cx), wk_waker_as_local(&w1));
	assert_ptr_equal(wk_context_ext(&cx), &ext_a);

	/* local_waker: only the local waker changes. */
	assert_ptr_equal(wk_context_builder_local_waker(&b, &lw1), &b);
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w2);
	assert_ptr_equal(wk_context_local_waker(&cx), &lw1);
	assert_ptr_equal(wk_context_ext(&cx), &ext_a);

	/* ext: only ext changes. */
	wk_context_builder_ext(&b, &ext_b);
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w2);
	assert_ptr_equal(wk_context_local_waker(&cx), &lw1);
	assert_ptr_equal(wk_context_ext(&cx), &ext_b);

	/* The last call wins, for each field. */
	wk_context_builder_waker(wk_context_builder_waker(&b, &w1), &w2);
	wk_context_builder_local_waker(wk_context_builder_local_waker(&b, &lw2), &lw1);
	wk_context_builder_local_waker(&b, &lw2);
	wk_context_builder_ext(wk_context_builder_ext(&b, &ext_a), NULL); /* NULL clears */
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w2);
	assert_ptr_equal(wk_context_local_waker(&cx), &lw2);
	assert_null(wk_context_ext(&cx));

	/* build copies: two builds are equal, later setters leave built
	 * contexts alone. */
	wk_context again = wk_context_builder_build(&b);
	assert_memory_equal(&cx, &again, sizeof cx);
	wk_context_builder_ext(&b, &ext_a);
	wk_context_builder_waker(&b, &w1);
	assert_null(wk_context_ext(&cx));
	assert_ptr_equal(wk_context_waker(&cx), &w2);

	/* waker and the (extended) lazy constructor share one field. */
	wk_lazy_waker storage;
	lazy_calls = 0;
	wk_context_builder_on_waker(&b, &storage, count_and_noop, NULL);
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &storage.waker); /* replaced w1 */
	assert_int_equal(lazy_calls, 1);
	assert_ptr_equal(wk_context_local_waker(&cx), &lw2);     /* untouched */
	assert_ptr_equal(wk_context_ext(&cx), &ext_a);
	wk_lazy_waker_drop(&storage);
	wk_context_builder_on_waker(&b, &storage, count_and_noop, NULL);
	wk_context_builder_waker(&b, &w2); /* cancels the constructor */
	cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), &w2);
	assert_int_equal(lazy_calls, 1);
	wk_lazy_waker_drop(&storage);

	/* Building borrows: no vtable call anywhere. */
	WKT_ASSERT_COUNTS(&c1, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&c2, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&l1, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&l2, 0, 0, 0, 0, 1);
	wk_local_waker_drop(&lw2);
	wk_local_waker_drop(&lw1);
	wk_waker_drop(&w2);
	wk_waker_drop(&w1);
}

/* @proves WK-CTX-005 */
static void builder_from_context_inherits_and_isolates(void **state)
{
	wkt_counter c1, c2, l1, l2;
	(void)state;

	wk_waker w1 = wkt_counting_waker(&c1);
	wk_waker w2 = wkt_counting_waker(&c2);
	wk_local_waker lw1 = wkt_counting_local_waker(&l1);
	wk_local_waker lw2 = wkt_counting_local_waker(&l2);

	wk_context_builder pb = wk_context_builder_from_waker(&w1);
	wk_context_builder_local_waker(&pb, &lw1);
	wk_context_builder_ext(&pb, &ext_a);
	wk_context parent = wk_context_builder_build(&pb);
	const wk_context snapshot = parent;

	/* Inherit everything. */
	wk_context_builder cb = wk_context_builder_from(&parent);
	wk_context child = wk_context_builder_build(&cb);
	assert_ptr_equal(wk_context_waker(&child), &w1);
	assert_ptr_equal(wk_context_local_waker(&child), &lw1);
	assert_ptr_equal(wk_context_ext(&child), &ext_a);

	/* Override one field at a time: the rest stays inherited. */
	wk_context_builder_waker(&cb, &w2);
	child = wk_context_builder_build(&cb);
	assert_ptr_equal(wk_context_waker(&child), &w2);
	assert_ptr_equal(wk_context_local_waker(&child), &lw1); /* kept: only its field */
	assert_ptr_equal(wk_context_ext(&child), &ext_a);
	wk_context_builder_local_waker(&cb, &lw2);
	wk_context_builder_ext(&cb, &ext_b);
	child = wk_context_builder_build(&cb);
	assert_ptr_equal(wk_context_local_waker(&child), &lw2);
	assert_ptr_equal(wk_context_ext(&child), &ext_b);

	/* A grandchild inherits from the child, not the parent. */
	wk_context_builder gb = wk_context_builder_from(&child);
	wk_context grandchild = wk_context_builder_build(&gb);
	assert_ptr_equal(wk_context_waker(&grandchild), &w2);
	assert_ptr_equal(wk_context_local_waker(&grandchild), &lw2);
	assert_ptr_equal(wk_context_ext(&grandchild), &ext_b);

	/* Nothing leaked into the parent. */
	assert_ptr_equal(wk_context_waker(&parent), &w1);
	assert_ptr_equal(wk_context_local_waker(&parent), &lw1);
	assert_ptr_equal(wk_context_ext(&parent), &ext_a);
	assert_memory_equal(&parent, &snapshot, sizeof parent);

	/* The fallback is inherited as such: the parent's waker viewed as local. */
	wk_context_builder fb = wk_context_builder_from_waker(&w1);
	wk_context fparent = wk_context_builder_build(&fb);
	wk_context_builder fcb = wk_context_builder_from(&fparent);
	wk_context fchild = wk_context_builder_build(&fcb);
	assert_ptr_equal(wk_context_local_waker(&fchild), wk_waker_as_local(&w1));

	/* A lazy constructor is inherited too: the child's waker() builds the
	 * same storage's waker, once; replacing the child's waker cancels the
	 * constructor in the child only. */
	wk_lazy_waker storage;
	lazy_calls = 0;
	wk_context_builder lb = wk_context_builder_from_local_waker(&lw1);
	wk_context_builder_on_waker(&lb, &storage, count_and_noop, NULL);
	wk_context lparent = wk_context_builder_build(&lb);
	wk_context_builder lcb = wk_context_builder_from(&lparent);
	wk_context lchild = wk_context_builder_build(&lcb);
	assert_int_equal(lazy_calls, 0);
	const wk_waker *built = wk_context_waker(&lchild);
	assert_int_equal(lazy_calls, 1);
	assert_ptr_equal(wk_context_waker(&lparent), built);
	assert_int_equal(lazy_calls, 1);
	wk_context_builder_waker(&lcb, &w2);
	wk_context lchild2 = wk_context_builder_build(&lcb);
	assert_ptr_equal(wk_context_waker(&lchild2), &w2);
	assert_ptr_equal(wk_context_waker(&lparent), built);
	wk_lazy_waker_drop(&storage);

	WKT_ASSERT_COUNTS(&c1, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&c2, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&l1, 0, 0, 0, 0, 1);
	WKT_ASSERT_COUNTS(&l2, 0, 0, 0, 0, 1);
	wk_local_waker_drop(&lw2);
	wk_local_waker_drop(&lw1);
	wk_waker_drop(&w2);
	wk_waker_drop(&w1);
}

/* ---- NULL arguments abort (every build) -------------------------------- */

static void from_waker_null(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from_waker(NULL);
	(void)b;
}

static void from_context_null(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from(NULL);
	(void)b;
}

static void set_waker_null(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context_builder_waker(&b, NULL);
}

static void set_local_waker_null(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context_builder_local_waker(&b, NULL);
}

static void from_local_waker_null(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from_local_waker(NULL);
	(void)b;
}

/* @proves WK-CTX-006 */
static void builder_rejects_null_arguments(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(from_waker_null, NULL, "wakerconf: wk_context_builder_from_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(from_context_null, NULL, "wakerconf: wk_context_builder_from",
			 "must not be NULL");
	WKT_EXPECT_ABORT(set_waker_null, NULL, "wakerconf: wk_context_builder_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(set_local_waker_null, NULL, "wakerconf: wk_context_builder_local_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(from_local_waker_null, NULL,
			 "wakerconf: wk_context_builder_from_local_waker", "must not be NULL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(context_waker_is_the_builder_waker),
		cmocka_unit_test(context_local_waker_set_or_fallback),
		cmocka_unit_test(context_ext_is_the_builder_ext_or_null),
		cmocka_unit_test(setters_change_only_their_field_last_wins),
		cmocka_unit_test(builder_from_context_inherits_and_isolates),
		cmocka_unit_test(builder_rejects_null_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
