/*
 * sample_exec.c - a small, correct single-thread executor, and the
 * deliberately broken variants the harness's own tests load.
 *
 * One run queue under a mutex (wakes come from any thread), a task state
 * machine (idle / scheduled / running / notified / done) so a wake during
 * poll is kept and a completed task is never polled again, and task
 * objects refcounted by their wakers so a waker outlives its task and the
 * executor.  SAMPLE_FAULT selects one defect:
 *
 *   SAMPLE_FAULT_CRASH      run() dereferences NULL (SIGSEGV) when it polls
 *   SAMPLE_FAULT_HANG       run() never returns
 *   SAMPLE_FAULT_ABORT      run() calls abort()
 *   SAMPLE_FAULT_LEAK       task objects are never freed
 *   SAMPLE_FAULT_RACY       the task refcount is a plain long (a data race)
 *   SAMPLE_FAULT_LOST_WAKE  a wake during poll is dropped
 *
 * Built as a built-in (SAMPLE_TABLE names the table) or as a shared
 * library adapter (SAMPLE_SHARED: exports wkc_adapter_entry).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wkc/adapter.h"

#define SAMPLE_FAULT_NONE 0
#define SAMPLE_FAULT_CRASH 1
#define SAMPLE_FAULT_HANG 2
#define SAMPLE_FAULT_ABORT 3
#define SAMPLE_FAULT_LEAK 4
#define SAMPLE_FAULT_RACY 5
#define SAMPLE_FAULT_LOST_WAKE 6

#ifndef SAMPLE_FAULT
#define SAMPLE_FAULT SAMPLE_FAULT_NONE
#endif
#ifndef SAMPLE_NAME
#define SAMPLE_NAME "sample"
#endif
#ifndef SAMPLE_TABLE
#define SAMPLE_TABLE sample_adapter
#endif

enum { IDLE, SCHEDULED, RUNNING, NOTIFIED, DONE };

typedef struct task task;

/* What wakers may still reach after the executor is gone. */
typedef struct shared {
	pthread_mutex_t lock;
	task *head, *tail; /* run queue, under lock */
	bool closed;       /* under lock: the executor was destroyed */
	atomic_long refs;  /* the executor + one per task object */
	atomic_long live;  /* task objects allocated */
} shared;

struct task {
	wk_future *fut; /* driver thread only; NULL once dropped */
#if SAMPLE_FAULT == SAMPLE_FAULT_RACY
	long refs; /* the defect: a plain count behind a thread-safe waker */
#else
	atomic_long refs; /* executor's list + queue + one per waker */
#endif
	atomic_int state;
	task *next;     /* run queue link, under shared->lock */
	task *all_next; /* the executor's list, driver thread only */
	shared *sh;
};

struct wkc_executor {
	shared *sh;
	task *all;
};

static void shared_release(shared *sh)
{
	/* acq_rel: the last release must see every other thread's use. */
	if (atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) == 1) {
		pthread_mutex_destroy(&sh->lock);
		free(sh);
	}
}

static void task_retain(task *t)
{
#if SAMPLE_FAULT == SAMPLE_FAULT_RACY
	t->refs++;
#else
	/* relaxed: a new reference is made from an existing one. */
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
#endif
}

static void task_release(task *t)
{
	long before;
#if SAMPLE_FAULT == SAMPLE_FAULT_RACY
	before = t->refs--;
#else
	/* acq_rel: the final release frees memory other threads used. */
	before = atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel);
#endif
	if (before != 1)
		return;
#if SAMPLE_FAULT != SAMPLE_FAULT_LEAK
	{
		shared *sh = t->sh;
		/* relaxed: a statistic read by live_tasks on the driver. */
		atomic_fetch_sub_explicit(&sh->live, 1, memory_order_relaxed);
		free(t);
		shared_release(sh);
	}
#endif
}

static void push(task *t)
{
	shared *sh = t->sh;
	pthread_mutex_lock(&sh->lock);
	if (!sh->closed) {
		task_retain(t); /* the queue's reference */
		t->next = NULL;
		if (sh->tail)
			sh->tail->next = t;
		else
			sh->head = t;
		sh->tail = t;
	}
	pthread_mutex_unlock(&sh->lock);
}

static task *pop(shared *sh)
{
	task *t;
	pthread_mutex_lock(&sh->lock);
	t = sh->head;
	if (t) {
		sh->head = t->next;
		if (sh->head == NULL)
			sh->tail = NULL;
	}
	pthread_mutex_unlock(&sh->lock);
	return t;
}

static void schedule(task *t)
{
	/* Every wake is an acq_rel RMW on the state, even one that finds the
	 * task already scheduled: the waker's writes before the wake then
	 * reach the poll through the driver's acq_rel exchange to RUNNING. */
	int s = atomic_load_explicit(&t->state, memory_order_acquire);
	for (;;) {
		int next;
		if (s == DONE)
			return;
		next = s == IDLE ? SCHEDULED : s == RUNNING ? NOTIFIED : s;
#if SAMPLE_FAULT == SAMPLE_FAULT_LOST_WAKE
		if (s == RUNNING)
			return; /* the defect: a wake during poll is dropped */
#endif
		if (atomic_compare_exchange_weak_explicit(&t->state, &s, next, memory_order_acq_rel,
							  memory_order_acquire)) {
			if (s == IDLE)
				push(t);
			return;
		}
	}
}

static wk_raw_waker vt_clone(const void *data);
static void vt_wake(const void *data);
static void vt_wake_by_ref(const void *data);
static void vt_drop(const void *data);
static const wk_raw_waker_vtable task_vtable = {vt_clone, vt_wake, vt_wake_by_ref, vt_drop};

static wk_raw_waker vt_clone(const void *data)
{
	wk_raw_waker r;
	task_retain((task *)(uintptr_t)data);
	r.data = data;
	r.vtable = &task_vtable;
	return r;
}

static void vt_wake(const void *data)
{
	task *t = (task *)(uintptr_t)data;
	schedule(t);
	task_release(t);
}

static void vt_wake_by_ref(const void *data)
{
	schedule((task *)(uintptr_t)data);
}

static void vt_drop(const void *data)
{
	task_release((task *)(uintptr_t)data);
}

static wkc_executor *sample_create(const wkc_config *cfg, char *err, size_t errlen)
{
	wkc_executor *ex = calloc(1, sizeof *ex);
	shared *sh = calloc(1, sizeof *sh);
	(void)cfg;
	if (ex == NULL || sh == NULL) {
		free(ex);
		free(sh);
		strncpy(err, "out of memory", errlen);
		return NULL;
	}
	pthread_mutex_init(&sh->lock, NULL);
	atomic_init(&sh->refs, 1);
	atomic_init(&sh->live, 0);
	ex->sh = sh;
	return ex;
}

static int sample_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	task *t;
	(void)core;
	if (flags & WKC_SPAWN_LOCAL)
		return -1; /* not claimed (no WKC_CAP_SPAWN_LOCAL) */
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return -1;
	t->fut = fut;
	t->sh = ex->sh;
#if SAMPLE_FAULT == SAMPLE_FAULT_RACY
	t->refs = 1;
#else
	atomic_init(&t->refs, 1); /* the executor's list */
#endif
	atomic_init(&t->state, SCHEDULED);
	/* relaxed: counters, read on the driver thread. */
	atomic_fetch_add_explicit(&ex->sh->refs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&ex->sh->live, 1, memory_order_relaxed);
	t->all_next = ex->all;
	ex->all = t;
	push(t);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#if SAMPLE_FAULT == SAMPLE_FAULT_CRASH
/* volatile: the compiler cannot prove it NULL and turn the store into a
 * trap instruction; this is a plain SIGSEGV. */
static int *volatile bad_pointer;
#endif

static void poll_task(task *t)
{
	wk_waker w = wk_waker_new(t, &task_vtable); /* borrowed: never dropped */
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	int expected = RUNNING;

#if SAMPLE_FAULT == SAMPLE_FAULT_CRASH
	*bad_pointer = 1;
#elif SAMPLE_FAULT == SAMPLE_FAULT_ABORT
	abort();
#endif
	/* acq_rel: see schedule(). */
	atomic_exchange_explicit(&t->state, RUNNING, memory_order_acq_rel);
	if (wk_future_poll(t->fut, &cx, &out) == WK_READY) {
		wk_future *f = t->fut;
		atomic_store_explicit(&t->state, DONE, memory_order_release);
		t->fut = NULL;
		wk_future_drop(f);
		return;
	}
	/* acq_rel / acquire: pairs with schedule(). */
	if (!atomic_compare_exchange_strong_explicit(&t->state, &expected, IDLE,
						     memory_order_acq_rel, memory_order_acquire)) {
		/* NOTIFIED while running: run it again. */
		atomic_store_explicit(&t->state, SCHEDULED, memory_order_release);
		push(t);
	}
}

static int sample_run(wkc_executor *ex, uint64_t timeout_ns)
{
	uint64_t deadline = now_ns() + timeout_ns;
#if SAMPLE_FAULT == SAMPLE_FAULT_HANG
	(void)deadline;
	for (;;)
		pause();
#endif
	for (;;) {
		task *t;
		if (now_ns() > deadline)
			return WKC_RUN_TIMEOUT;
		t = pop(ex->sh);
		if (t == NULL)
			return WKC_RUN_IDLE;
		if (t->fut != NULL)
			poll_task(t);
		task_release(t); /* the queue's reference */
	}
}

static long sample_live_tasks(wkc_executor *ex)
{
	return atomic_load_explicit(&ex->sh->live, memory_order_relaxed);
}

static void sample_destroy(wkc_executor *ex)
{
	shared *sh = ex->sh;
	task *q, *t;
	pthread_mutex_lock(&sh->lock);
	sh->closed = true;
	q = sh->head;
	sh->head = sh->tail = NULL;
	pthread_mutex_unlock(&sh->lock);
	while (q) {
		task *next = q->next;
		task_release(q);
		q = next;
	}
	/* Drop unfinished futures outside the lock: a drop may wake. */
	for (t = ex->all; t;) {
		task *next = t->all_next;
		if (t->fut) {
			wk_future *f = t->fut;
			t->fut = NULL;
			atomic_store_explicit(&t->state, DONE, memory_order_release);
			wk_future_drop(f);
		}
		task_release(t);
		t = next;
	}
	free(ex);
	shared_release(sh);
}

#ifdef SAMPLE_SHARED
static
#endif
const wkc_adapter SAMPLE_TABLE = {
	.abi_version = WKC_ABI_VERSION,
	.name = SAMPLE_NAME,
	.version = "1.0",
	.caps = WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LIVE_TASKS,
	.create = sample_create,
	.destroy = sample_destroy,
	.spawn = sample_spawn,
	.run = sample_run,
	.live_tasks = sample_live_tasks,
	.core_count = NULL,
};

#ifdef SAMPLE_SHARED
const wkc_adapter *wkc_adapter_entry(void);
const wkc_adapter *wkc_adapter_entry(void)
{
	return &SAMPLE_TABLE;
}
#endif
