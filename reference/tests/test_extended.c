/*
 * test_extended.c - the extended context profile (WK-EXT-*): a context with
 * only a local waker, the loud wk_context_waker and the quiet
 * wk_context_try_waker, and the lazy on_waker constructor.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "support/counting_vtable.h"
#include "support/expect_abort.h"
#include "wk/wk.h"

/* What a lazy constructor saw, and the waker it hands out. */
typedef struct ctor_probe {
	int calls;
	const wk_local_waker *seen_local;
	void *seen_arg;
	wkt_counter built; /* the task of the waker the constructor returns */
} ctor_probe;

static wk_waker probe_ctor(const wk_local_waker *local_waker, void *arg)
{
	ctor_probe *p = arg;
	p->calls++;
	p->seen_local = local_waker;
	p->seen_arg = arg;
	return wkt_counting_waker(&p->built);
}

/* @proves WK-EXT-001 */
static void local_only_context_returns_its_local_waker(void **state)
{
	wkt_counter l;
	(void)state;

	wk_local_waker lw = wkt_counting_local_waker(&l);
	wk_context_builder b = wk_context_builder_from_local_waker(&lw);
	wk_context cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_local_waker(&cx), &lw);
	assert_null(wk_context_ext(&cx));
	wk_local_waker_wake_by_ref(wk_context_local_waker(&cx));
	WKT_ASSERT_COUNTS(&l, 0, 0, 1, 0, 1);

	/* Inherited by a child context. */
	wk_context_builder cb = wk_context_builder_from(&cx);
	wk_context child = wk_context_builder_build(&cb);
	assert_ptr_equal(wk_context_local_waker(&child), &lw);
	wk_local_waker_drop(&lw);
}

static void waker_of_local_only_context(void *arg)
{
	const wk_context *cx = arg;
	const wk_waker *w = wk_context_waker(cx);
	/* Reaching this line is the failure; wake so that a silently returned
	 * noop waker would at least be exercised. */
	wk_waker_wake_by_ref(w);
}

/* @proves WK-EXT-002 */
static void waker_of_local_only_context_aborts(void **state)
{
	(void)state;
	wk_local_waker lw = wk_local_waker_new(wk_local_waker_data(wk_local_waker_noop()),
					       wk_local_waker_vtable(wk_local_waker_noop()));
	wk_context_builder b = wk_context_builder_from_local_waker(&lw);
	wk_context cx = wk_context_builder_build(&b);
	WKT_EXPECT_ABORT(waker_of_local_only_context, &cx, "wakerconf: wk_context_waker",
			 "has no thread-safe waker");

	/* A child inherits the absence: setting ext or a local waker adds none. */
	wk_context_builder cb = wk_context_builder_from(&cx);
	wk_context_builder_ext(&cb, &cx);
	wk_context_builder_local_waker(&cb, wk_local_waker_noop());
	wk_context child = wk_context_builder_build(&cb);
	WKT_EXPECT_ABORT(waker_of_local_only_context, &child, "wakerconf: wk_context_waker",
			 "has no thread-safe waker");
	wk_local_waker_drop(&lw);
}

/* @proves WK-EXT-003 */
static void try_waker_is_null_without_a_waker(void **state)
{
	ctor_probe probe = {0};
	wk_lazy_waker storage;
	(void)state;

	wk_context_builder lb = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context local_only = wk_context_builder_build(&lb);
	assert_null(wk_context_try_waker(&local_only));
	assert_null(wk_context_try_waker(&local_only)); /* and stays so */

	wk_context_builder wb = wk_context_builder_from_waker(wk_waker_noop());
	wk_context with_waker = wk_context_builder_build(&wb);
	assert_ptr_equal(wk_context_try_waker(&with_waker), wk_waker_noop());

	/* Setting a waker on a local-only builder gives it one. */
	wk_context_builder_waker(&lb, wk_waker_noop());
	wk_context now_with = wk_context_builder_build(&lb);
	assert_ptr_equal(wk_context_try_waker(&now_with), wk_waker_noop());
	assert_null(wk_context_try_waker(&local_only));

	/* With a constructor: the waker it builds. */
	wk_context_builder cb = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&cb, &storage, probe_ctor, &probe);
	wk_context lazy = wk_context_builder_build(&cb);
	const wk_waker *w = wk_context_try_waker(&lazy);
	assert_non_null(w);
	assert_int_equal(probe.calls, 1);
	assert_ptr_equal(wk_waker_data(w), &probe.built);
	assert_ptr_equal(wk_context_waker(&lazy), w);
	wk_lazy_waker_drop(&storage);
}

/* @proves WK-EXT-004 */
static void on_waker_runs_once_on_demand_and_storage_owns_it(void **state)
{
	ctor_probe probe = {0};
	wk_lazy_waker storage;
	(void)state;

	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	assert_ptr_equal(wk_context_builder_on_waker(&b, &storage, probe_ctor, &probe), &b);
	wk_context_builder_ext(&b, &probe);
	wk_context cx = wk_context_builder_build(&b);
	/* Not asked for yet: not built, whatever else is used. */
	assert_int_equal(probe.calls, 0);
	(void)wk_context_local_waker(&cx);
	(void)wk_context_ext(&cx);
	wk_context_builder cb = wk_context_builder_from(&cx);
	wk_context child = wk_context_builder_build(&cb);
	assert_int_equal(probe.calls, 0);

	/* Asked for: built once, then the same waker every time, from every
	 * context that shares the storage. */
	const wk_waker *w = wk_context_waker(&cx);
	assert_int_equal(probe.calls, 1);
	assert_ptr_equal(wk_waker_data(w), &probe.built);
	assert_ptr_equal(wk_context_waker(&cx), w);
	assert_ptr_equal(wk_context_try_waker(&cx), w);
	assert_ptr_equal(wk_context_waker(&child), w);
	assert_int_equal(probe.calls, 1);

	/* The storage owns the waker: borrowing it clones or drops nothing;
	 * a clone made from it is the caller's. */
	wk_waker_wake_by_ref(w);
	wk_waker mine = wk_waker_clone(w);
	wk_waker_drop(&mine);
	WKT_ASSERT_COUNTS(&probe.built, 1, 0, 1, 1, 1);
	wk_lazy_waker_drop(&storage);
	WKT_ASSERT_COUNTS(&probe.built, 1, 0, 1, 2, 0);
	wk_lazy_waker_drop(&storage); /* idempotent */
	WKT_ASSERT_COUNTS(&probe.built, 1, 0, 1, 2, 0);
	wk_lazy_waker_drop(NULL);     /* accepted, like free(NULL) */

	/* Never asked for: never built, and dropping the storage drops nothing. */
	ctor_probe idle = {0};
	wk_lazy_waker idle_storage;
	wk_context_builder ib = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&ib, &idle_storage, probe_ctor, &idle);
	wk_context icx = wk_context_builder_build(&ib);
	(void)icx;
	wk_lazy_waker_drop(&idle_storage);
	assert_int_equal(idle.calls, 0);

	/* A waker set after on_waker replaces the constructor: last call wins. */
	ctor_probe replaced = {0};
	wk_lazy_waker replaced_storage;
	wk_context_builder rb = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&rb, &replaced_storage, probe_ctor, &replaced);
	wk_context_builder_waker(&rb, wk_waker_noop());
	wk_context rcx = wk_context_builder_build(&rb);
	assert_ptr_equal(wk_context_waker(&rcx), wk_waker_noop());
	assert_int_equal(replaced.calls, 0);
	wk_lazy_waker_drop(&replaced_storage);
	assert_int_equal(replaced.calls, 0);
}

/* @proves WK-EXT-007 */
static void has_waker_reports_without_building(void **state)
{
	ctor_probe probe = {0};
	wk_lazy_waker storage;
	(void)state;

	wk_context_builder lb = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context local_only = wk_context_builder_build(&lb);
	assert_false(wk_context_has_waker(&local_only));

	wk_context_builder wb = wk_context_builder_from_waker(wk_waker_noop());
	wk_context with_waker = wk_context_builder_build(&wb);
	assert_true(wk_context_has_waker(&with_waker));

	wk_context_builder_on_waker(&lb, &storage, probe_ctor, &probe);
	wk_context lazy = wk_context_builder_build(&lb);
	assert_true(wk_context_has_waker(&lazy));
	assert_int_equal(probe.calls, 0); /* asking whether is not asking for it */
	wk_lazy_waker_drop(&storage);
}

/* @proves WK-EXT-005 */
static void on_waker_ctor_receives_local_waker_and_arg(void **state)
{
	wkt_counter l;
	ctor_probe probe = {0};
	wk_lazy_waker storage;
	(void)state;

	wk_local_waker lw = wkt_counting_local_waker(&l);
	wk_context_builder b = wk_context_builder_from_local_waker(&lw);
	wk_context_builder_on_waker(&b, &storage, probe_ctor, &probe);
	/* A local waker set after on_waker does not change what the
	 * constructor sees (wk/context.h); the context returns the new one. */
	wk_context_builder_local_waker(&b, wk_local_waker_noop());
	wk_context cx = wk_context_builder_build(&b);
	(void)wk_context_waker(&cx);
	assert_int_equal(probe.calls, 1);
	assert_ptr_equal(probe.seen_local, &lw);
	assert_ptr_equal(probe.seen_arg, &probe);
	assert_ptr_equal(wk_context_local_waker(&cx), wk_local_waker_noop());
	WKT_ASSERT_COUNTS(&l, 0, 0, 0, 0, 1); /* handed over by reference only */
	wk_lazy_waker_drop(&storage);

	/* Builder made from a waker: the constructor sees that waker viewed as
	 * local, and the lazy waker replaces the waker in the context. */
	wkt_counter c;
	ctor_probe probe2 = {0};
	wk_waker w = wkt_counting_waker(&c);
	wk_context_builder wb = wk_context_builder_from_waker(&w);
	wk_context_builder_on_waker(&wb, &storage, probe_ctor, &probe2);
	wk_context wcx = wk_context_builder_build(&wb);
	const wk_waker *built = wk_context_waker(&wcx);
	assert_int_equal(probe2.calls, 1);
	assert_ptr_equal(probe2.seen_local, wk_waker_as_local(&w));
	assert_ptr_equal(wk_waker_data(built), &probe2.built);
	wk_lazy_waker_drop(&storage);
	WKT_ASSERT_COUNTS(&probe2.built, 0, 0, 0, 1, 0);

	wk_waker_drop(&w);
	wk_local_waker_drop(&lw);
}

/* ---- loud failures of the lazy waker (every build) --------------------- */

static wk_waker unused_ctor(const wk_local_waker *local_waker, void *arg)
{
	(void)local_waker;
	(void)arg;
	return wk_waker_clone(wk_waker_noop());
}

static void on_waker_null_builder(void *arg)
{
	wk_lazy_waker storage;
	(void)arg;
	wk_context_builder_on_waker(NULL, &storage, unused_ctor, NULL);
}

static void on_waker_null_storage(void *arg)
{
	(void)arg;
	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&b, NULL, unused_ctor, NULL);
}

static void on_waker_null_ctor(void *arg)
{
	wk_lazy_waker storage;
	(void)arg;
	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&b, &storage, NULL, NULL);
}

static wk_waker null_vtable_ctor(const wk_local_waker *local_waker, void *arg)
{
	wk_waker w;
	(void)local_waker;
	(void)arg;
	memset(&w, 0, sizeof w);
	w.raw.data = &w; /* anything; only the NULL vtable matters */
	return w;
}

static void ctor_returns_null_vtable(void *arg)
{
	wk_lazy_waker storage;
	(void)arg;
	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&b, &storage, null_vtable_ctor, NULL);
	wk_context cx = wk_context_builder_build(&b);
	(void)wk_context_waker(&cx);
}

/* Asks the context it is building for its waker. */
static wk_waker reentrant_ctor(const wk_local_waker *local_waker, void *arg)
{
	const wk_context *cx = arg;
	(void)local_waker;
	return wk_waker_clone(wk_context_waker(cx));
}

static void ctor_reenters(void *arg)
{
	wk_lazy_waker storage;
	wk_context cx;
	(void)arg;
	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&b, &storage, reentrant_ctor, &cx);
	cx = wk_context_builder_build(&b);
	(void)wk_context_try_waker(&cx);
}

static int after_drop_ctor_calls;

static wk_waker counting_ctor(const wk_local_waker *local_waker, void *arg)
{
	(void)local_waker;
	(void)arg;
	after_drop_ctor_calls++;
	fprintf(stderr, "constructor call %d\n", after_drop_ctor_calls);
	return wk_waker_clone(wk_waker_noop());
}

typedef struct after_drop_case {
	bool build_first; /* ask for the waker before the drop */
	bool use_try;     /* then call try_waker instead of waker */
} after_drop_case;

static void waker_after_lazy_drop(void *arg)
{
	const after_drop_case *k = arg;
	wk_lazy_waker storage;
	wk_context_builder b = wk_context_builder_from_local_waker(wk_local_waker_noop());
	wk_context_builder_on_waker(&b, &storage, counting_ctor, NULL);
	wk_context cx = wk_context_builder_build(&b);
	if (k->build_first)
		(void)wk_context_waker(&cx);
	wk_lazy_waker_drop(&storage);
	if (k->use_try)
		(void)wk_context_try_waker(&cx);
	else
		(void)wk_context_waker(&cx);
}

/* @proves WK-EXT-006 */
static void lazy_waker_misuse_aborts(void **state)
{
	static const after_drop_case built_then_waker = {true, false};
	static const after_drop_case built_then_try = {true, true};
	static const after_drop_case never_built = {false, false};
	(void)state;

	WKT_EXPECT_ABORT(on_waker_null_builder, NULL, "wakerconf: wk_context_builder_on_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(on_waker_null_storage, NULL, "wakerconf: wk_context_builder_on_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(on_waker_null_ctor, NULL, "wakerconf: wk_context_builder_on_waker",
			 "must not be NULL");
	WKT_EXPECT_ABORT(ctor_returns_null_vtable, NULL, "wakerconf: wk_context_waker",
			 "returned a NULL vtable");
	WKT_EXPECT_ABORT(ctor_reenters, NULL, "wakerconf: wk_context_waker");
	/* After the drop the constructor must not run a second time. */
	WKT_EXPECT_ABORT(waker_after_lazy_drop, (void *)(uintptr_t)&built_then_waker,
			 "wakerconf: wk_context_waker", "constructor call 1", "!constructor call 2");
	WKT_EXPECT_ABORT(waker_after_lazy_drop, (void *)(uintptr_t)&built_then_try,
			 "wakerconf: wk_context_waker", "!constructor call 2");
	WKT_EXPECT_ABORT(waker_after_lazy_drop, (void *)(uintptr_t)&never_built,
			 "wakerconf: wk_context_waker", "!constructor call");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_only_context_returns_its_local_waker),
		cmocka_unit_test(waker_of_local_only_context_aborts),
		cmocka_unit_test(try_waker_is_null_without_a_waker),
		cmocka_unit_test(on_waker_runs_once_on_demand_and_storage_owns_it),
		cmocka_unit_test(on_waker_ctor_receives_local_waker_and_arg),
		cmocka_unit_test(has_waker_reports_without_building),
		cmocka_unit_test(lazy_waker_misuse_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
