/*
 * test_join_threads.c - children woken from other threads, for both
 * versions (the local join through the thread-safe wakers its children ask
 * for, the thread-safe join through its own).
 *
 * PING-PONG: each worker thread owns some children.  For message m it
 * waits until its child acknowledged m-1, writes m into the child's plain
 * `payload` field and wakes the child (clone + wake by value, or wake by
 * reference).  The child's poll reads `payload` and acknowledges it.  The
 * main thread sleeps on a flag waker and polls the join each time it is
 * woken, until every child saw every message.
 *   - a lost wake leaves the main thread asleep: the ctest timeout fails it;
 *   - the payload is a plain field: the child reads what the worker wrote
 *     only because the wake orders it (release fetch_or / acquire
 *     exchange); ThreadSanitizer checks that ordering;
 *   - a child polled without a wake would read `payload` while its worker
 *     writes the next message: ThreadSanitizer reports that race, so the
 *     "only woken children are polled" rule is checked under concurrency.
 */
#include "cmocka_prelude.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "join_probe.h"
#include "scale.h"
#include "wk/strategies.h"

#define WORKERS 4
#define CHILDREN_PER_WORKER 4
#define CHILDREN (WORKERS * CHILDREN_PER_WORKER)

static unsigned long messages_per_child;

/* The poll-side half of the hand-over (runs on the main thread). */
static void ack_payload(wkjt_probe *p)
{
	if (p->polls == 1)
		return; /* the first poll polls everyone before the workers start */
	if (p->payload == p->acked + 1) {
		p->acked = p->payload;
		/* release: the worker that sees this ack may write the next payload. */
		atomic_store_explicit(&p->message, p->acked, memory_order_release);
	}
	if (p->acked == messages_per_child)
		p->ready_at = p->polls; /* Ready now */
}

typedef struct worker {
	wkjt_probe *probes[CHILDREN_PER_WORKER];
	wk_waker wakers[CHILDREN_PER_WORKER];
	unsigned long spins;
} worker;

static void *worker_main(void *arg)
{
	worker *w = arg;

	for (unsigned long m = 1; m <= messages_per_child; m++) {
		for (size_t c = 0; c < CHILDREN_PER_WORKER; c++) {
			wkjt_probe *p = w->probes[c];
			/* acquire: pairs with the child's release of its ack, so the
			 * child's read of the previous payload happened before. */
			while (atomic_load_explicit(&p->message, memory_order_acquire) != m - 1) {
				w->spins++;
				sched_yield();
			}
			p->payload = m;
			if (m % 2 == 0) {
				wk_waker clone = wk_waker_clone(&w->wakers[c]);
				wk_waker_wake(&clone);
			} else {
				wk_waker_wake_by_ref(&w->wakers[c]);
			}
		}
	}
	for (size_t c = 0; c < CHILDREN_PER_WORKER; c++)
		wk_waker_drop(&w->wakers[c]);
	return NULL;
}

/* @proves WK-JOIN-012 WK-JOIN-016 WK-JOIN-003 */
static void test_ping_pong_with_worker_threads(void **state)
{
	const wkjt_kind *k = *state;
	wkjt_probe *probes = calloc(CHILDREN, sizeof(*probes));
	worker workers[WORKERS];
	pthread_t threads[WORKERS];
	wk_flag flag = WK_FLAG_INIT;
	wk_waker parent_waker = wk_flag_waker(&flag);
	wk_context_builder b = wk_context_builder_from_waker(&parent_waker);
	wk_context cx = wk_context_builder_build(&b);
	wk_future *join;
	void *out = NULL;
	unsigned long polls = 0;

	assert_non_null(probes);
	messages_per_child = wkt_scaled(2000);
	wkjt_probes_init(probes, CHILDREN);
	for (size_t i = 0; i < CHILDREN; i++)
		probes[i].export_waker = true;
	join = wkjt_join_of(k, probes, CHILDREN);
	assert_non_null(join);

	wkjt_on_poll = ack_payload;
	assert_int_equal(wk_future_poll(join, &cx, &out), WK_PENDING);
	for (size_t t = 0; t < WORKERS; t++) {
		workers[t].spins = 0;
		for (size_t c = 0; c < CHILDREN_PER_WORKER; c++) {
			wkjt_probe *p = &probes[t * CHILDREN_PER_WORKER + c];
			assert_true(p->has_exported_waker);
			workers[t].probes[c] = p;
			workers[t].wakers[c] = wk_waker_clone(&p->exported_waker);
		}
		assert_int_equal(pthread_create(&threads[t], NULL, worker_main, &workers[t]), 0);
	}

	for (;;) {
		wk_flag_wait(&flag);
		polls++;
		if (wk_future_poll(join, &cx, &out) == WK_READY)
			break;
	}
	for (size_t t = 0; t < WORKERS; t++)
		assert_int_equal(pthread_join(threads[t], NULL), 0);
	wkjt_on_poll = NULL;

	for (size_t i = 0; i < CHILDREN; i++) {
		assert_int_equal(probes[i].acked, messages_per_child);
		/* One poll per message at most (wakes of one child may coalesce
		 * only when a poll did not come in between), plus the first. */
		assert_true(probes[i].polls <= messages_per_child + 1);
		assert_int_equal(probes[i].drops, 1);
	}
	print_message("%s: %lu messages per child, %lu join polls\n", k->name, messages_per_child,
		      polls);
	wk_future_drop(join);
	wkjt_release_exported(probes, CHILDREN);
	free(probes);
}

/* ---- wakers that outlive the join on other threads --------------------------------- */

typedef struct churn {
	wk_waker waker;
	unsigned long rounds;
} churn;

static void *churn_main(void *arg)
{
	churn *c = arg;

	for (unsigned long i = 0; i < c->rounds; i++) {
		wk_waker a = wk_waker_clone(&c->waker);
		wk_waker b2 = wk_waker_clone(&a);
		wk_waker_wake_by_ref(&a);
		wk_waker_drop(&a);
		wk_waker_wake(&b2);
	}
	wk_waker_drop(&c->waker);
	return NULL;
}

/* @proves WK-JOIN-009 WK-JOIN-012 WK-JOIN-016 */
static void test_wakers_outlive_the_join_on_other_threads(void **state)
{
	const wkjt_kind *k = *state;
	wkjt_probe probes[CHILDREN];
	churn churns[WORKERS];
	pthread_t threads[WORKERS];
	wkjt_parent parent;
	wk_future *join;
	void *out = NULL;

	wkjt_probes_init(probes, CHILDREN);
	for (size_t i = 0; i < CHILDREN; i++)
		probes[i].export_waker = true;
	wkjt_parent_split(&parent);
	join = wkjt_join_of(k, probes, CHILDREN);
	assert_non_null(join);
	assert_int_equal(wk_future_poll(join, &parent.cx, &out), WK_PENDING);

	for (size_t t = 0; t < WORKERS; t++) {
		churns[t].waker = wk_waker_clone(&probes[t * 3].exported_waker);
		churns[t].rounds = wkt_scaled(20000);
		assert_int_equal(pthread_create(&threads[t], NULL, churn_main, &churns[t]), 0);
	}
	/* Dropped while the workers clone, wake and drop. */
	wk_future_drop(join);
	wkjt_release_exported(probes, CHILDREN);
	for (size_t t = 0; t < WORKERS; t++)
		assert_int_equal(pthread_join(threads[t], NULL), 0);

	/* The join took no reference of the parent with it. */
	assert_int_equal(wkt_load(&parent.ts.live), 1);
	assert_int_equal(wkt_load(&parent.local.live), 1);
	for (size_t i = 0; i < CHILDREN; i++)
		assert_int_equal(probes[i].drops, 1);
}

/* Each test once per version, named after it ("local/..." and "sync/..."). */
#define BOTH(fn)                                                                 \
	{"local/" #fn, fn, NULL, NULL, (void *)&wkjt_kind_local},                \
	{"sync/" #fn, fn, NULL, NULL, (void *)&wkjt_kind_sync}

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_ping_pong_with_worker_threads),
		BOTH(test_wakers_outlive_the_join_on_other_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
