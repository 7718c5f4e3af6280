/*
 * counting_vtable.h - a raw waker vtable that records every call.
 *
 * The data pointer of a counting raw waker is its wkt_counter.  Each vtable
 * function increments the counter for its operation, records the data
 * pointer it was given and keeps "live", the number of instances the
 * contract says exist (starts at 1: clone +1, wake -1, wake_by_ref 0,
 * drop -1).  Counters are atomic so thread-safe wakers may use the vtable
 * from many threads; read them only after joining those threads.
 *
 * The vtable's clone returns the same data pointer and vtable.
 */
#ifndef WKT_COUNTING_VTABLE_H
#define WKT_COUNTING_VTABLE_H

#include <stdatomic.h>
#include <stdint.h>

#include "wk/waker.h"

typedef struct wkt_counter {
	atomic_long clone;
	atomic_long wake;
	atomic_long wake_by_ref;
	atomic_long drop;
	atomic_long live;           /* instances alive according to the contract */
	atomic_uintptr_t last_data; /* data pointer of the most recent call */
} wkt_counter;

extern const wk_raw_waker_vtable wkt_counting_vtable;

/* Zero every counter and set live to 1 (the instance about to be made). */
void wkt_counter_init(wkt_counter *c);
/* A raw waker for c with the counting vtable. */
wk_raw_waker wkt_counter_raw(wkt_counter *c);
/* The set-up most tests start with: wkt_counter_init(c), then a waker (or
 * a local waker, owned by the calling thread) made from wkt_counter_raw(c). */
wk_waker wkt_counting_waker(wkt_counter *c);
wk_local_waker wkt_counting_local_waker(wkt_counter *c);
long wkt_load(atomic_long *v);

/* Assert every counter of c at once (cmocka must be included by the user). */
#define WKT_ASSERT_COUNTS(c, n_clone, n_wake, n_wake_by_ref, n_drop, n_live)   \
	do {                                                                   \
		assert_int_equal(wkt_load(&(c)->clone), (n_clone));            \
		assert_int_equal(wkt_load(&(c)->wake), (n_wake));              \
		assert_int_equal(wkt_load(&(c)->wake_by_ref), (n_wake_by_ref)); \
		assert_int_equal(wkt_load(&(c)->drop), (n_drop));              \
		assert_int_equal(wkt_load(&(c)->live), (n_live));              \
	} while (0)

#define WKT_ASSERT_LAST_DATA(c)                                                \
	assert_ptr_equal((const void *)atomic_load(&(c)->last_data), (const void *)(c))

#endif /* WKT_COUNTING_VTABLE_H */
