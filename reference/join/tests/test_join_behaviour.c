/*
 * test_join_behaviour.c - the contract both join versions share, run once
 * per version (the cmocka prestate is the version): which children a poll
 * polls, how wakes reach the parent, completion, drop, and wakers that
 * outlive the join.  Single-threaded; cross-thread wakes are in
 * test_join_threads.c.
 */
#include "cmocka_prelude.h"

#include <stdint.h>
#include <stdlib.h>

#include "expect_abort.h"
#include "join_probe.h"

#define KIND(state) ((const wkjt_kind *)*(state))

/* Order in which probes were polled, across one join poll. */
static unsigned poll_log[WK_JOIN_MAX * 4];
static size_t poll_log_len;

static void log_poll(wkjt_probe *p)
{
	if (poll_log_len < sizeof(poll_log) / sizeof(poll_log[0]))
		poll_log[poll_log_len++] = p->index;
}

static wk_poll poll_join(wk_future *join, wkjt_parent *parent, void **out)
{
	return wk_future_poll(join, &parent->cx, out);
}

/* Every wake the parent received, through either of its wakers. */
static long all_parent_wakes(wkjt_parent *p)
{
	return wkt_load(&p->ts.wake) + wkt_load(&p->ts.wake_by_ref) + wkt_load(&p->local.wake) +
	       wkt_load(&p->local.wake_by_ref);
}

static void assert_polls(const wkjt_probe *probes, size_t n, const unsigned *expected)
{
	for (size_t i = 0; i < n; i++) {
		if (probes[i].polls != expected[i])
			print_error("child %zu: polled %u times, expected %u\n", i, probes[i].polls,
				    expected[i]);
		assert_int_equal(probes[i].polls, expected[i]);
	}
}

/* ---- first poll ------------------------------------------------------------ */

/* @proves WK-JOIN-002 */
static void test_first_poll_polls_every_child_in_order(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[5];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	const unsigned once[5] = {1, 1, 1, 1, 1};

	wkjt_probes_init(probes, 5);
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 5);
	assert_non_null(join);

	poll_log_len = 0;
	wkjt_on_poll = log_poll;
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	wkjt_on_poll = NULL;
	assert_polls(probes, 5, once);
	assert_int_equal(poll_log_len, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(poll_log[i], i);
	assert_null(out);

	wk_future_drop(join);
}

/* ---- only woken children ---------------------------------------------------- */

/* @proves WK-JOIN-003 WK-JOIN-005 */
static void test_later_polls_poll_only_woken_children(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[8];
	wkjt_parent parent;
	wk_future *join;
	wk_local_waker c;
	void *out = NULL;
	const unsigned after_first[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	const unsigned after_wakes[8] = {1, 1, 1, 2, 1, 2, 1, 1};

	wkjt_probes_init(probes, 8);
	for (size_t i = 0; i < 8; i++)
		probes[i].export_local = true;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 8);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 8, after_first);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 0);

	/* Two wakes between polls: the first wakes the parent, the second
	 * finds the word non-empty and coalesces. */
	wk_local_waker_wake_by_ref(&probes[3].exported);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 1);
	c = wk_local_waker_clone(&probes[5].exported);
	wk_local_waker_wake(&c);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 1);
	/* Waking the same child twice still means one poll. */
	wk_local_waker_wake_by_ref(&probes[3].exported);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 8, after_wakes);

	/* No wake, no poll. */
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 8, after_wakes);

	/* Clone and drop do not wake. */
	c = wk_local_waker_clone(&probes[6].exported);
	wk_local_waker_drop(&c);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 8, after_wakes);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 1);

	/* A wake after a poll wakes the parent again. */
	wk_local_waker_wake_by_ref(&probes[0].exported);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 2);

	wk_future_drop(join);
	wkjt_release_exported(probes, 8);
}

/* @proves WK-JOIN-004 */
static void test_every_wake_path_reaches_the_parent(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[4];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	unsigned expected[4] = {1, 1, 1, 1};

	wkjt_probes_init(probes, 4);
	for (size_t i = 0; i < 4; i++) {
		probes[i].export_local = true;
		probes[i].export_waker = true;
	}
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 4);
	assert_non_null(join);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 4, expected);

	/* Each path wakes one child; the poll after it polls that child only. */
	for (unsigned path = 0; path < 5; path++) {
		unsigned i = path % 4;
		long wakes = all_parent_wakes(&parent);
		wk_local_waker lc;
		wk_waker wc;

		switch (path) {
		case 0: /* local waker, by reference */
			wk_local_waker_wake_by_ref(&probes[i].exported);
			break;
		case 1: /* local waker, by value (a clone) */
			lc = wk_local_waker_clone(&probes[i].exported);
			wk_local_waker_wake(&lc);
			break;
		case 2: /* thread-safe waker, by reference */
			wk_waker_wake_by_ref(&probes[i].exported_waker);
			break;
		case 3: /* thread-safe waker, by value (a clone) */
			wc = wk_waker_clone(&probes[i].exported_waker);
			wk_waker_wake(&wc);
			break;
		default: /* thread-safe waker viewed as local */
			wk_local_waker_wake_by_ref(wk_waker_as_local(&probes[i].exported_waker));
			break;
		}
		assert_int_equal(all_parent_wakes(&parent), wakes + 1);
		assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
		expected[i]++;
		assert_polls(probes, 4, expected);
	}

	wk_future_drop(join);
	wkjt_release_exported(probes, 4);
}

/* @proves WK-JOIN-004 */
static void test_parent_waker_follows_the_latest_poll(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[2];
	wkjt_parent a, b;
	wkt_counter *a_used, *b_used;
	wk_future *join;
	void *out = NULL;
	long b_clones;

	wkjt_probes_init(probes, 2);
	probes[0].export_local = true;
	probes[1].export_local = true;
	wkjt_parent_split(&a);
	wkjt_parent_split(&b);
	a_used = k->local ? &a.local : &a.ts;
	b_used = k->local ? &b.local : &b.ts;
	join = wkjt_join_of(k, probes, 2);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &a, &out), WK_PENDING);
	assert_int_equal(wkt_load(&a_used->live), 2); /* the join keeps one clone */
	wk_local_waker_wake_by_ref(&probes[0].exported);
	assert_int_equal(wkjt_parent_wakes(&a, k), 1);

	/* Polled by another task: the join lets go of a and wakes b. */
	assert_int_equal(poll_join(join, &b, &out), WK_PENDING);
	assert_int_equal(wkt_load(&a_used->live), 1);
	assert_int_equal(wkt_load(&b_used->live), 2);
	wk_local_waker_wake_by_ref(&probes[1].exported);
	assert_int_equal(wkjt_parent_wakes(&a, k), 1);
	assert_int_equal(wkjt_parent_wakes(&b, k), 1);

	/* Same task again: clone_from skips the clone. */
	b_clones = wkt_load(&b_used->clone);
	assert_int_equal(poll_join(join, &b, &out), WK_PENDING);
	assert_int_equal(wkt_load(&b_used->clone), b_clones);
	assert_int_equal(probes[1].polls, 2);

	wk_future_drop(join);
	assert_int_equal(wkt_load(&b_used->live), 1);
	wkjt_release_exported(probes, 2);
}

/* ---- wakes during the poll --------------------------------------------------- */

/* @proves WK-JOIN-006 */
static void test_child_woken_during_its_own_poll_is_polled_again(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[4];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	const unsigned first[4] = {1, 1, 1, 1};
	const unsigned second[4] = {1, 1, 2, 1};
	const unsigned third[4] = {1, 1, 3, 1};

	wkjt_probes_init(probes, 4);
	probes[2].self_wake_at = 1;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 4);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 4, first);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 1); /* woken during the poll */

	probes[2].self_wake_at = 2; /* and again during the re-poll */
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 4, second);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 2);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 4, third);
	/* Poll 3 did not wake itself: nothing more until someone wakes it. */
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 4, third);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 2);

	wk_future_drop(join);
}

/* @proves WK-JOIN-006 */
static void test_sibling_woken_during_the_poll_is_polled_next(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[5];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	const unsigned first[5] = {1, 1, 1, 1, 1};
	const unsigned second[5] = {1, 2, 1, 1, 1};

	wkjt_probes_init(probes, 5);
	probes[1].export_local = true;
	probes[4].wake_sibling = 1; /* child 4 wakes child 1, already polled */
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 5);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 5, first);
	assert_int_equal(wkjt_parent_wakes(&parent, k), 1);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_polls(probes, 5, second);

	wk_future_drop(join);
	wkjt_release_exported(probes, 5);
}

/* ---- completion ------------------------------------------------------------- */

/* @proves WK-JOIN-007 WK-JOIN-009 */
static void test_ready_when_every_child_is_ready_with_outputs(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[4];
	wkjt_parent parent;
	wkt_counter *used;
	wk_future *join;
	void *out = NULL;
	void **outputs;
	const unsigned ready_at[4] = {1, 2, 3, 2};

	wkjt_probes_init(probes, 4);
	for (size_t i = 0; i < 4; i++) {
		probes[i].ready_at = ready_at[i];
		probes[i].output = (void *)(uintptr_t)(0x100 + i);
		probes[i].export_local = true;
		probes[i].keep_local = true;
	}
	wkjt_parent_split(&parent);
	used = k->local ? &parent.local : &parent.ts;
	join = wkjt_join_of(k, probes, 4);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_null(out);
	/* A child that is Ready is dropped at once. */
	assert_int_equal(probes[0].drops, 1);
	assert_int_equal(probes[1].drops, 0);

	for (size_t i = 0; i < 4; i++)
		wk_local_waker_wake_by_ref(&probes[i].exported);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[0].polls, 1); /* finished: never polled again */
	assert_int_equal(probes[1].polls, 2);
	assert_int_equal(probes[3].polls, 2);
	assert_int_equal(probes[1].drops, 1);
	assert_int_equal(probes[3].drops, 1);
	assert_int_equal(probes[2].drops, 0);

	wk_local_waker_wake_by_ref(&probes[2].exported);
	assert_int_equal(poll_join(join, &parent, &out), WK_READY);
	assert_non_null(out);
	outputs = out;
	for (size_t i = 0; i < 4; i++) {
		assert_ptr_equal(outputs[i], (void *)(uintptr_t)(0x100 + i));
		assert_int_equal(probes[i].drops, 1);
		assert_false(probes[i].polled_after_drop);
	}
	/* Finished: the join holds no clone of the parent's waker. */
	assert_int_equal(wkt_load(&used->live), 1);
	assert_int_equal(wkt_load(&parent.ts.live), 1);

	wk_future_drop(join);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(probes[i].drops, 1);
	wkjt_release_exported(probes, 4);
}

/* @proves WK-JOIN-002 WK-JOIN-003 WK-JOIN-007 */
static void test_sixty_four_children(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe *probes = calloc(WK_JOIN_MAX, sizeof(*probes));
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	void **outputs;
	const unsigned woken[3] = {63, 0, 31};

	assert_non_null(probes);
	wkjt_probes_init(probes, WK_JOIN_MAX);
	for (size_t i = 0; i < WK_JOIN_MAX; i++) {
		probes[i].ready_at = 2;
		probes[i].output = (void *)(uintptr_t)(1000 + i);
		probes[i].export_local = true;
	}
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, WK_JOIN_MAX);
	assert_non_null(join);
	assert_int_equal(wk_join_len(join), WK_JOIN_MAX);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	for (size_t i = 0; i < WK_JOIN_MAX; i++)
		assert_int_equal(probes[i].polls, 1);

	for (size_t w = 0; w < 3; w++)
		wk_local_waker_wake_by_ref(&probes[woken[w]].exported);
	poll_log_len = 0;
	wkjt_on_poll = log_poll;
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	wkjt_on_poll = NULL;
	/* Woken 63, 0, 31; polled in index order. */
	assert_int_equal(poll_log_len, 3);
	assert_int_equal(poll_log[0], 0);
	assert_int_equal(poll_log[1], 31);
	assert_int_equal(poll_log[2], 63);
	for (size_t i = 0; i < WK_JOIN_MAX; i++) {
		bool was_woken = i == 63 || i == 0 || i == 31;
		assert_int_equal(probes[i].polls, was_woken ? 2u : 1u);
		assert_int_equal(probes[i].drops, was_woken ? 1u : 0u);
	}

	for (size_t i = 0; i < WK_JOIN_MAX; i++)
		wk_local_waker_wake_by_ref(&probes[i].exported);
	assert_int_equal(poll_join(join, &parent, &out), WK_READY);
	outputs = out;
	for (size_t i = 0; i < WK_JOIN_MAX; i++) {
		assert_int_equal(probes[i].polls, 2);
		assert_int_equal(probes[i].drops, 1);
		assert_ptr_equal(outputs[i], (void *)(uintptr_t)(1000 + i));
	}

	wk_future_drop(join);
	wkjt_release_exported(probes, WK_JOIN_MAX);
	free(probes);
}

/* @proves WK-JOIN-001 */
static void test_creation_limits(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[WK_JOIN_MAX + 1];
	wk_future *children[WK_JOIN_MAX + 1];
	wk_future bad = {NULL};
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	wkjt_probes_init(probes, WK_JOIN_MAX + 1);
	wkjt_children(probes, children, WK_JOIN_MAX + 1);
	wkjt_parent_split(&parent);

	/* Refused: nothing is taken, nothing dropped. */
	assert_null(k->make(children, WK_JOIN_MAX + 1));
	assert_null(k->make(NULL, 1));
	children[2] = NULL;
	assert_null(k->make(children, 3));
	children[2] = &bad; /* a future with a NULL vtable */
	assert_null(k->make(children, 3));
	for (size_t i = 0; i < WK_JOIN_MAX + 1; i++) {
		assert_int_equal(probes[i].drops, 0);
		assert_int_equal(probes[i].polls, 0);
	}

	/* No children: Ready at once with an empty output array. */
	join = k->make(NULL, 0);
	assert_non_null(join);
	assert_int_equal(wk_join_len(join), 0);
	assert_int_equal(poll_join(join, &parent, &out), WK_READY);
	assert_non_null(out);
	wk_future_drop(join);

	children[2] = &probes[2].base;
	join = k->make(children, 5);
	assert_non_null(join);
	assert_int_equal(wk_join_len(join), 5);
	wk_future_drop(join);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(probes[i].drops, 1);
}

/* ---- drop ------------------------------------------------------------------- */

/* @proves WK-JOIN-008 */
static void test_drop_of_an_unfinished_join_drops_each_child_once(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[6];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	wkjt_probes_init(probes, 6);
	for (size_t i = 0; i < 6; i++)
		probes[i].keep_local = true;
	probes[1].ready_at = 1;
	probes[4].ready_at = 1;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 6);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[1].drops, 1);
	assert_int_equal(probes[4].drops, 1);
	assert_int_equal(probes[0].drops, 0);

	wk_future_drop(join);
	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(probes[i].drops, 1);
		assert_int_equal(probes[i].polls, 1);
	}
	/* Nothing of the parent is kept. */
	assert_int_equal(wkt_load(&parent.ts.live), 1);
	assert_int_equal(wkt_load(&parent.local.live), 1);
}

/* @proves WK-JOIN-008 */
static void test_drop_before_the_first_poll(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[3];
	wk_future *join;

	wkjt_probes_init(probes, 3);
	join = wkjt_join_of(k, probes, 3);
	assert_non_null(join);
	wk_future_drop(join);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(probes[i].drops, 1);
		assert_int_equal(probes[i].polls, 0);
	}
}

/* ---- wakers that outlive the join ---------------------------------------------- */

/* @proves WK-JOIN-009 */
static void test_wakes_after_completion_and_drop_are_harmless(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[3];
	wkjt_parent parent;
	wk_future *join;
	wk_local_waker c;
	void *out = NULL;
	long wakes;

	wkjt_probes_init(probes, 3);
	for (size_t i = 0; i < 3; i++) {
		probes[i].ready_at = 1;
		probes[i].export_local = true;
		probes[i].export_waker = true;
	}
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, 3);
	assert_non_null(join);
	assert_int_equal(poll_join(join, &parent, &out), WK_READY);
	wakes = all_parent_wakes(&parent);

	/* After completion: wake, clone, drop through every kind of waker. */
	for (size_t i = 0; i < 3; i++) {
		wk_local_waker_wake_by_ref(&probes[i].exported);
		wk_waker_wake_by_ref(&probes[i].exported_waker);
		c = wk_local_waker_clone(&probes[i].exported);
		wk_local_waker_wake(&c);
	}
	wk_future_drop(join);
	/* After the join is gone: the same again (the memory must still be
	 * there: ASan and Valgrind check it), then the last references go. */
	for (size_t i = 0; i < 3; i++) {
		wk_local_waker_wake_by_ref(&probes[i].exported);
		wk_waker_wake_by_ref(&probes[i].exported_waker);
		c = wk_local_waker_clone(&probes[i].exported);
		wk_local_waker_drop(&c);
	}
	assert_int_equal(all_parent_wakes(&parent), wakes);
	assert_int_equal(wkt_load(&parent.ts.live), 1);
	assert_int_equal(wkt_load(&parent.local.live), 1);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(probes[i].drops, 1);
		assert_int_equal(probes[i].polls, 1);
	}
	wkjt_release_exported(probes, 3); /* frees the join (leak checkers see it) */
}

/* ---- misuse ------------------------------------------------------------------- */

static void poll_after_ready(void *arg)
{
	const wkjt_kind *k = arg;
	wkjt_probe probe;
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	wkjt_probes_init(&probe, 1);
	probe.ready_at = 1;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, &probe, 1);
	if (join == NULL || wk_future_poll(join, &parent.cx, &out) != WK_READY)
		return; /* counts as "did not abort" */
	(void)wk_future_poll(join, &parent.cx, &out);
}

/* @proves WK-JOIN-010 */
static void test_poll_after_ready_aborts(void **state)
{
	const wkjt_kind *k = KIND(state);

	WKT_EXPECT_ABORT(poll_after_ready, (void *)k, "wakerconf: ", "polled after it returned Ready");
}

static void sync_join_under_local_only_parent(void *arg)
{
	wkjt_probe probe;
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	(void)arg;
	wkjt_probes_init(&probe, 1);
	wkjt_parent_local_only(&parent);
	join = wkjt_join_of(&wkjt_kind_sync, &probe, 1);
	if (join != NULL)
		(void)wk_future_poll(join, &parent.cx, &out);
}

/* @proves WK-JOIN-013 */
static void test_thread_safe_join_needs_a_thread_safe_parent(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(sync_join_under_local_only_parent, NULL, "wakerconf: wk_context_waker",
			 "has no thread-safe waker");
}

/* ---- the child's context -------------------------------------------------------- */

/* @proves WK-JOIN-018 */
static void test_child_context_has_own_wakers_and_parent_ext(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[3];
	wkjt_parent parent;
	wk_context_builder b;
	wk_future *join;
	void *out = NULL;
	int marker = 0;

	wkjt_probes_init(probes, 3);
	for (size_t i = 0; i < 3; i++)
		probes[i].ask_waker = true;
	wkjt_parent_split(&parent);
	b = wk_context_builder_from(&parent.cx);
	wk_context_builder_ext(&b, &marker);
	parent.cx = wk_context_builder_build(&b);
	join = wkjt_join_of(k, probes, 3);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	for (size_t i = 0; i < 3; i++) {
		assert_ptr_equal(probes[i].seen_ext, &marker);
		assert_true(probes[i].had_try_waker);
		assert_ptr_not_equal(probes[i].seen_local_data, &parent.local);
		assert_ptr_not_equal(probes[i].seen_local_data, &parent.ts);
		assert_ptr_not_equal(probes[i].seen_waker_data, &parent.ts);
		for (size_t o = 0; o < i; o++)
			assert_ptr_not_equal(probes[i].seen_local_data, probes[o].seen_local_data);
		/* Both wakers of a child lead to the same child record. */
		assert_ptr_equal(probes[i].seen_waker_data, probes[i].seen_local_data);
	}
	wk_future_drop(join);
}

/* The parent's context may change from poll to poll: each child poll sees
 * the ext of the poll in progress, and (local join) a thread-safe waker
 * exactly when that poll's parent offers one. */
/* @proves WK-JOIN-018 WK-JOIN-015 WK-CTX-008 */
static void test_child_context_follows_the_latest_parent(void **state)
{
	const wkjt_kind *k = KIND(state);
	wkjt_probe probes[2];
	wkjt_parent parent, local_only;
	wk_context_builder b;
	wk_future *join;
	void *out = NULL;
	int m1 = 0, m2 = 0;

	wkjt_probes_init(probes, 2);
	for (size_t i = 0; i < 2; i++) {
		probes[i].export_local = true;
		probes[i].ask_waker = true;
	}
	wkjt_parent_split(&parent);
	b = wk_context_builder_from(&parent.cx);
	wk_context_builder_ext(&b, &m1);
	parent.cx = wk_context_builder_build(&b);
	join = wkjt_join_of(k, probes, 2);
	assert_non_null(join);

	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_ptr_equal(probes[0].seen_ext, &m1);
	assert_ptr_equal(probes[1].seen_ext, &m1);

	wk_context_builder_ext(&b, &m2);
	parent.cx = wk_context_builder_build(&b);
	wk_local_waker_wake_by_ref(&probes[1].exported);
	assert_int_equal(poll_join(join, &parent, &out), WK_PENDING);
	assert_int_equal(probes[0].polls, 1);
	assert_int_equal(probes[1].polls, 2);
	assert_ptr_equal(probes[1].seen_ext, &m2);
	assert_true(probes[1].had_try_waker);

	if (k->local) {
		/* A second join, first polled by a parent without a thread-safe
		 * waker: its child gets none; then by one with: it gets one.
		 * (Not the other way round: once a child holds a thread-safe
		 * waker, a parent without one aborts, WK-JOIN-015.) */
		wkjt_probe more[1];
		wk_context_builder b2;
		wk_future *join2;
		wkjt_probes_init(more, 1);
		more[0].export_local = true;
		more[0].ask_waker = true;
		wkjt_parent_local_only(&local_only);
		b2 = wk_context_builder_from(&local_only.cx);
		wk_context_builder_ext(&b2, &m2); /* the same ext: only the offer differs */
		local_only.cx = wk_context_builder_build(&b2);
		join2 = wkjt_join_of(k, more, 1);
		assert_non_null(join2);
		assert_int_equal(poll_join(join2, &local_only, &out), WK_PENDING);
		assert_false(more[0].had_try_waker);
		assert_ptr_equal(more[0].seen_ext, &m2);
		wk_local_waker_wake_by_ref(&more[0].exported);
		assert_int_equal(poll_join(join2, &parent, &out), WK_PENDING);
		assert_int_equal(more[0].polls, 2);
		assert_true(more[0].had_try_waker);
		assert_ptr_equal(more[0].seen_ext, &m2);
		wk_future_drop(join2);
		wkjt_release_exported(more, 1);
	}
	wk_future_drop(join);
	wkjt_release_exported(probes, 2);
}

/* Each test once per version, named after it ("local/..." and "sync/..."). */
#define BOTH(fn)                                                                 \
	{"local/" #fn, fn, NULL, NULL, (void *)&wkjt_kind_local},                \
	{"sync/" #fn, fn, NULL, NULL, (void *)&wkjt_kind_sync}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_first_poll_polls_every_child_in_order),
		BOTH(test_later_polls_poll_only_woken_children),
		BOTH(test_every_wake_path_reaches_the_parent),
		BOTH(test_parent_waker_follows_the_latest_poll),
		BOTH(test_child_woken_during_its_own_poll_is_polled_again),
		BOTH(test_sibling_woken_during_the_poll_is_polled_next),
		BOTH(test_ready_when_every_child_is_ready_with_outputs),
		BOTH(test_sixty_four_children),
		BOTH(test_creation_limits),
		BOTH(test_drop_of_an_unfinished_join_drops_each_child_once),
		BOTH(test_drop_before_the_first_poll),
		BOTH(test_wakes_after_completion_and_drop_are_harmless),
		BOTH(test_poll_after_ready_aborts),
		BOTH(test_child_context_has_own_wakers_and_parent_ext),
		BOTH(test_child_context_follows_the_latest_parent),
		cmocka_unit_test(test_thread_safe_join_needs_a_thread_safe_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
