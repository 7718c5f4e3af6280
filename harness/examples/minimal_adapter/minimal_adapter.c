/*
 * minimal_adapter.c - the smallest complete executor adapter for wakerconf.
 *
 * A single-thread executor: one run queue under a mutex, because wakes may
 * come from any thread; a task state machine, so that a wake during poll
 * is not lost and a finished task is never polled again; and task objects
 * refcounted by their wakers, so that a waker outlives its task and the
 * executor.  Read harness/docs/ADAPTERS.md alongside.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wkc/adapter.h"

enum { IDLE, SCHEDULED, RUNNING, NOTIFIED, DONE };

typedef struct task task;

/* The run queue lives apart from the executor: wakers can reach it after
 * destroy, and must then find it closed rather than freed. */
typedef struct queue {
	pthread_mutex_t lock;
	task *head, *tail;
	bool closed;
	atomic_long refs; /* the executor + one per task */
} queue;

struct task {
	wk_future *fut;   /* driver thread only; NULL once dropped */
	atomic_long refs; /* the executor's list + the queue + one per waker */
	atomic_int state;
	task *next;       /* queue link, under queue.lock */
	task *all_next;   /* the executor's list, driver thread only */
	queue *q;
};

struct wkc_executor {
	queue *q;
	task *all;
};

static void queue_release(queue *q)
{
	/* acq_rel: whoever frees must see every other user's writes. */
	if (atomic_fetch_sub_explicit(&q->refs, 1, memory_order_acq_rel) == 1) {
		pthread_mutex_destroy(&q->lock);
		free(q);
	}
}

static void task_retain(task *t)
{
	/* relaxed: a reference is only ever made from another one. */
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

static void task_release(task *t)
{
	/* acq_rel: the last release frees what other threads touched. */
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
		queue *q = t->q;
		free(t);
		queue_release(q);
	}
}

static void enqueue(task *t)
{
	queue *q = t->q;
	pthread_mutex_lock(&q->lock);
	if (!q->closed) {
		task_retain(t);
		t->next = NULL;
		if (q->tail)
			q->tail->next = t;
		else
			q->head = t;
		q->tail = t;
	}
	pthread_mutex_unlock(&q->lock);
}

static task *dequeue(queue *q)
{
	task *t;
	pthread_mutex_lock(&q->lock);
	t = q->head;
	if (t != NULL) {
		q->head = t->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	return t;
}

/* Any thread.  Every wake is an acq_rel RMW on the state, so what the
 * waker wrote before waking is visible to the poll it causes. */
static void wake_task(task *t)
{
	int s = atomic_load_explicit(&t->state, memory_order_acquire);
	for (;;) {
		int next = s == IDLE ? SCHEDULED : s == RUNNING ? NOTIFIED : s;
		if (s == DONE)
			return;
		if (atomic_compare_exchange_weak_explicit(&t->state, &s, next, memory_order_acq_rel,
							  memory_order_acquire)) {
			if (s == IDLE)
				enqueue(t);
			return;
		}
	}
}

static wk_raw_waker waker_clone(const void *data);
static void waker_wake(const void *data);
static void waker_wake_by_ref(const void *data);
static void waker_drop(const void *data);
static const wk_raw_waker_vtable waker_vtable = {waker_clone, waker_wake, waker_wake_by_ref,
						 waker_drop};

static wk_raw_waker waker_clone(const void *data)
{
	wk_raw_waker r = {data, &waker_vtable};
	task_retain((task *)(uintptr_t)data);
	return r;
}

static void waker_wake(const void *data)
{
	wake_task((task *)(uintptr_t)data);
	task_release((task *)(uintptr_t)data);
}

static void waker_wake_by_ref(const void *data)
{
	wake_task((task *)(uintptr_t)data);
}

static void waker_drop(const void *data)
{
	task_release((task *)(uintptr_t)data);
}

static wkc_executor *minimal_create(const wkc_config *cfg, char *err, size_t errlen)
{
	wkc_executor *ex = calloc(1, sizeof *ex);
	queue *q = calloc(1, sizeof *q);
	(void)cfg; /* one thread, no randomness: nothing to configure */
	if (ex == NULL || q == NULL) {
		free(ex);
		free(q);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	atomic_init(&q->refs, 1);
	ex->q = q;
	return ex;
}

static int minimal_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	task *t;
	(void)core; /* one core */
	(void)flags; /* every task runs on the driver thread: local or not */
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return -1;
	t->fut = fut;
	t->q = ex->q;
	atomic_init(&t->refs, 1); /* the executor's list */
	atomic_init(&t->state, SCHEDULED);
	atomic_fetch_add_explicit(&ex->q->refs, 1, memory_order_relaxed); /* relaxed: see task_retain */
	t->all_next = ex->all;
	ex->all = t;
	enqueue(t);
	return 0;
}

static void poll_task(task *t)
{
	/* The context borrows a waker for the task; the future clones it to
	 * keep it. */
	wk_waker w = wk_waker_new(t, &waker_vtable);
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	int expected = RUNNING;
	void *out = NULL;

	atomic_exchange_explicit(&t->state, RUNNING, memory_order_acq_rel); /* see wake_task */
	if (wk_future_poll(t->fut, &cx, &out) == WK_READY) {
		wk_future *f = t->fut;
		atomic_store_explicit(&t->state, DONE, memory_order_release);
		t->fut = NULL;
		wk_future_drop(f);
		return;
	}
	if (!atomic_compare_exchange_strong_explicit(&t->state, &expected, IDLE,
						     memory_order_acq_rel, memory_order_acquire)) {
		/* Woken while it ran: poll it again. */
		atomic_store_explicit(&t->state, SCHEDULED, memory_order_release);
		enqueue(t);
	}
}

static int minimal_run(wkc_executor *ex, uint64_t timeout_ns)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		task *t = dequeue(ex->q);
		if (t == NULL)
			return WKC_RUN_IDLE;
		if (t->fut != NULL)
			poll_task(t);
		task_release(t); /* the queue's reference */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - start.tv_sec) * 1000000000u +
			    (uint64_t)(now.tv_nsec - start.tv_nsec) > timeout_ns)
			return WKC_RUN_TIMEOUT;
	}
}

static void minimal_destroy(wkc_executor *ex)
{
	queue *q = ex->q;
	task *pending;
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pending = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->lock);
	while (pending != NULL) {
		task *next = pending->next;
		task_release(pending);
		pending = next;
	}
	/* Unfinished futures are dropped exactly once, outside the lock:
	 * a future's drop may wake or drop wakers. */
	for (task *t = ex->all; t != NULL;) {
		task *next = t->all_next;
		if (t->fut != NULL) {
			wk_future *f = t->fut;
			t->fut = NULL;
			atomic_store_explicit(&t->state, DONE, memory_order_release);
			wk_future_drop(f);
		}
		task_release(t);
		t = next;
	}
	free(ex);
	queue_release(q);
}

static const wkc_adapter minimal_adapter = {
	.abi_version = WKC_ABI_VERSION,
	.name = "minimal",
	.version = "1.0",
	.caps = WKC_CAP_THREAD_SAFE_WAKERS,
	.create = minimal_create,
	.destroy = minimal_destroy,
	.spawn = minimal_spawn,
	.run = minimal_run,
	.live_tasks = NULL, /* optional */
	.core_count = NULL, /* optional: one core */
};

/* The one symbol the harness looks up. */
const wkc_adapter *wkc_adapter_entry(void);
const wkc_adapter *wkc_adapter_entry(void)
{
	return &minimal_adapter;
}
