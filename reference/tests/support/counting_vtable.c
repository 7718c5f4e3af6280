/* counting_vtable.c - see counting_vtable.h. */
#include "counting_vtable.h"

/* All counter updates are relaxed: they are tallies, read only after the
 * threads that made them were joined (the join orders them). */

static wkt_counter *counter_of(const void *data)
{
	wkt_counter *c = (wkt_counter *)(uintptr_t)data;
	atomic_store_explicit(&c->last_data, (uintptr_t)data, memory_order_relaxed); /* tally */
	return c;
}

static wk_raw_waker counting_clone(const void *data)
{
	wkt_counter *c = counter_of(data);
	wk_raw_waker r;

	atomic_fetch_add_explicit(&c->clone, 1, memory_order_relaxed); /* tally */
	atomic_fetch_add_explicit(&c->live, 1, memory_order_relaxed);  /* tally */
	r.data = data;
	r.vtable = &wkt_counting_vtable;
	return r;
}

static void counting_wake(const void *data)
{
	wkt_counter *c = counter_of(data);

	atomic_fetch_add_explicit(&c->wake, 1, memory_order_relaxed); /* tally */
	atomic_fetch_sub_explicit(&c->live, 1, memory_order_relaxed); /* tally */
}

static void counting_wake_by_ref(const void *data)
{
	wkt_counter *c = counter_of(data);

	atomic_fetch_add_explicit(&c->wake_by_ref, 1, memory_order_relaxed); /* tally */
}

static void counting_drop(const void *data)
{
	wkt_counter *c = counter_of(data);

	atomic_fetch_add_explicit(&c->drop, 1, memory_order_relaxed); /* tally */
	atomic_fetch_sub_explicit(&c->live, 1, memory_order_relaxed); /* tally */
}

const wk_raw_waker_vtable wkt_counting_vtable = {
	counting_clone,
	counting_wake,
	counting_wake_by_ref,
	counting_drop,
};

void wkt_counter_init(wkt_counter *c)
{
	atomic_init(&c->clone, 0);
	atomic_init(&c->wake, 0);
	atomic_init(&c->wake_by_ref, 0);
	atomic_init(&c->drop, 0);
	atomic_init(&c->live, 1);
	atomic_init(&c->last_data, 0);
}

wk_raw_waker wkt_counter_raw(wkt_counter *c)
{
	wk_raw_waker r;

	r.data = c;
	r.vtable = &wkt_counting_vtable;
	return r;
}

wk_waker wkt_counting_waker(wkt_counter *c)
{
	wkt_counter_init(c);
	return wk_waker_from_raw(wkt_counter_raw(c));
}

wk_local_waker wkt_counting_local_waker(wkt_counter *c)
{
	wkt_counter_init(c);
	return wk_local_waker_from_raw(wkt_counter_raw(c));
}

long wkt_load(atomic_long *v)
{
	/* Relaxed: callers read after joining every thread that wrote. */
	return atomic_load_explicit(v, memory_order_relaxed);
}
