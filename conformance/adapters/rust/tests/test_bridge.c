/*
 * test_bridge.c - the bridge's other direction: a C waker wrapped as a Rust
 * Waker (bridge/src/rust_waker.rs).  Each Rust clone must be one C clone,
 * each Rust wake / wake_by_ref / drop the C one, so that a C executor's
 * reference counts see exactly what Rust code does with the waker; the
 * reference count must come back to where it started.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "../shim/bridge_hooks.h"
#include "wk/waker.h"

static atomic_long refs, clones, wakes, wakes_by_ref, drops;
static char task; /* the "task" the waker's data points at */

static wk_raw_waker cw_clone(const void *data);
static void cw_wake(const void *data);
static void cw_wake_by_ref(const void *data);
static void cw_drop(const void *data);
static const wk_raw_waker_vtable vt = {cw_clone, cw_wake, cw_wake_by_ref, cw_drop};

static void check_data(const void *data)
{
	if (data != &task) {
		fprintf(stderr, "FAIL: a vtable function got data %p, not %p\n", data, (void *)&task);
		exit(1);
	}
}

/* Single-threaded test: relaxed counters are enough. */
static wk_raw_waker cw_clone(const void *data)
{
	wk_raw_waker r = {data, &vt};
	check_data(data);
	atomic_fetch_add_explicit(&clones, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&refs, 1, memory_order_relaxed);
	return r;
}

static void cw_wake(const void *data)
{
	check_data(data);
	atomic_fetch_add_explicit(&wakes, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&refs, 1, memory_order_relaxed);
}

static void cw_wake_by_ref(const void *data)
{
	check_data(data);
	atomic_fetch_add_explicit(&wakes_by_ref, 1, memory_order_relaxed);
}

static void cw_drop(const void *data)
{
	check_data(data);
	atomic_fetch_add_explicit(&drops, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&refs, 1, memory_order_relaxed);
}

static int expect(const char *what, long got, long want)
{
	if (got == want)
		return 0;
	fprintf(stderr, "FAIL: %s: %ld, expected %ld\n", what, got, want);
	return 1;
}

int main(void)
{
	/* c: clone kept, w: wake_by_ref, W: wake a fresh clone by value,
	 * d: drop the last kept clone; the rest is dropped at the end. */
	static const char ops[] = "cwcWdwWc";
	wk_raw_waker raw = {&task, &vt};
	int bad = 0;
	size_t n;

	wkc_rust_set_hooks(&wkc__rust_hooks);
	atomic_store(&refs, 1); /* the instance handed over */
	n = wkc_rust_bridge_exercise(raw, ops);
	bad |= expect("operations run", (long)n, 8);
	/* 3 kept clones + 2 clones woken by value */
	bad |= expect("C clones", atomic_load(&clones), 5);
	bad |= expect("C wakes by value", atomic_load(&wakes), 2);
	bad |= expect("C wake_by_ref", atomic_load(&wakes_by_ref), 2);
	/* 1 'd', 2 kept clones left at the end, the original */
	bad |= expect("C drops", atomic_load(&drops), 4);
	bad |= expect("references left", atomic_load(&refs), 0);
	if (!bad)
		printf("rust.bridge: a C waker as a Rust Waker: %s -> 5 clones, 2 wakes, 2 wake_by_ref, 4 drops, balanced\n",
		       ops);
	return bad;
}
