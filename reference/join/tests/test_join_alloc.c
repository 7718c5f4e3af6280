/*
 * test_join_alloc.c - a join allocates once, when it is created: polls,
 * child waker clones, wakes and drops, and the lazily built thread-safe
 * child wakers allocate nothing.
 *
 * The program is linked with --wrap for the allocation functions, so every
 * call made by the test's own objects and by the static join and API
 * libraries comes through the counters below (cmocka, a shared library, is
 * not counted).  Counting is plain arithmetic on an atomic, so it is safe
 * with sanitizers and Valgrind, which still provide the real allocator.
 */
#include "cmocka_prelude.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "join_probe.h"

/* relaxed everywhere: a tally read on the thread that made the calls. */
static atomic_long allocations;

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
void *__real_aligned_alloc(size_t align, size_t size);
int __real_posix_memalign(void **p, size_t align, size_t size);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
void *__wrap_aligned_alloc(size_t align, size_t size);
int __wrap_posix_memalign(void **p, size_t align, size_t size);

void *__wrap_malloc(size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __real_realloc(p, size);
}

void *__wrap_aligned_alloc(size_t align, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __real_aligned_alloc(align, size);
}

int __wrap_posix_memalign(void **p, size_t align, size_t size)
{
	atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed);
	return __real_posix_memalign(p, align, size);
}

static long allocated(void)
{
	return atomic_load_explicit(&allocations, memory_order_relaxed);
}

#define N 64

/* @proves WK-JOIN-011 */
static void test_only_creation_allocates(void **state)
{
	const wkjt_kind *k = *state;
	wkjt_probe *probes = malloc(N * sizeof(*probes));
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;
	long before, after_create, after_use;
	wk_local_waker lc;
	wk_waker wc;

	assert_non_null(probes);
	wkjt_probes_init(probes, N);
	for (size_t i = 0; i < N; i++) {
		probes[i].keep_local = true;
		probes[i].export_local = true;
		probes[i].export_waker = i % 8 == 0; /* builds thread-safe wakers */
		probes[i].ask_waker = i % 5 == 0;
		probes[i].ready_at = 5;
	}
	wkjt_parent_split(&parent);

	before = allocated();
	join = wkjt_join_of(k, probes, N);
	assert_non_null(join);
	after_create = allocated();
	assert_int_equal(after_create - before, 1);

	/* Polls, every kind of wake, clones and drops, until Ready. */
	for (int round = 0; round < 6; round++) {
		wk_poll r = wk_future_poll(join, &parent.cx, &out);
		if (r == WK_READY)
			break;
		for (size_t i = round % 2; i < N; i += 1 + (size_t)round % 3) {
			lc = wk_local_waker_clone(&probes[i].exported);
			wk_local_waker_wake(&lc);
			if (probes[i].has_exported_waker) {
				wc = wk_waker_clone(&probes[i].exported_waker);
				wk_waker_wake(&wc);
			}
		}
		for (size_t i = 0; i < N; i++)
			wk_local_waker_wake_by_ref(&probes[i].exported);
	}
	assert_non_null(out);
	after_use = allocated();
	assert_int_equal(after_use - after_create, 0);

	wk_future_drop(join);
	wkjt_release_exported(probes, N);
	assert_int_equal(allocated() - after_use, 0); /* dropping frees, never allocates */
	free(probes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{"local/test_only_creation_allocates", test_only_creation_allocates, NULL, NULL,
		 (void *)&wkjt_kind_local},
		{"sync/test_only_creation_allocates", test_only_creation_allocates, NULL, NULL,
		 (void *)&wkjt_kind_sync},
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
