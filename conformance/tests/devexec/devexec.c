/*
 * devexec.c - the development executor (devexec.h).
 *
 * MEMORY ORDERING
 *   task.state   CAS acq_rel everywhere: a wake that moves a task to
 *                SCHEDULED or NOTIFIED releases the waker's writes, the
 *                poller acquires them when it takes the task (queue mutex)
 *                or when its RUNNING->IDLE CAS fails on NOTIFIED.
 *   task.refs    retain relaxed (made from a reference already held),
 *                release acq_rel (the last one sees every holder's writes
 *                before freeing; no standalone fence: TSan ignores fences).
 *   shared.refs  same as task.refs.
 *   busy, live   acq_rel / relaxed counters; busy is read with acquire by
 *                run() so IDLE implies every poll's effects are visible.
 *   queues       a mutex per queue; a wake holds it only to link the task.
 */
#define _POSIX_C_SOURCE 200809L
#include "devexec.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wk/context.h"
#include "wk/waker.h"

#define MAX_CORES 8

enum { IDLE, SCHEDULED, RUNNING, NOTIFIED, COMPLETE };

typedef struct mode {
	unsigned threads;   /* 0: run() polls on the caller */
	bool shared_queue;  /* threads share queue 0 (tasks migrate) */
	bool local_wakers;  /* contexts carry a plain-count local waker */
	bool local_only;    /* contexts have no thread-safe waker */
	bool bounded;       /* run() returns WKC_RUN_BOUNDED */
} mode;

typedef struct task task;

typedef struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	task *head, *tail; /* guarded by mu; entries hold no reference */
	bool stop;         /* guarded by mu */
	bool closed;       /* guarded by mu: links nothing more (shutdown) */
} queue;

typedef struct shared {
	_Atomic size_t refs; /* the executor's + one per task object */
	mode m;
	unsigned nqueues;
	queue q[MAX_CORES];
	_Atomic long live;          /* task objects allocated */
	_Atomic long busy;          /* tasks SCHEDULED or RUNNING */
	pthread_mutex_t all_mu;     /* guards the list of unfinished tasks */
	task *all;
} shared;

struct task {
	_Atomic int state;
	_Atomic size_t refs;  /* 1 for the executor while unfinished + wakers */
	size_t local_refs;    /* local waker instances: owner thread only */
	wk_future *fut;
	shared *sh;
	unsigned core;
	task *next;                   /* queue link, guarded by the queue's mu */
	task *all_prev, *all_next;    /* guarded by all_mu */
};

typedef struct devexec {
	shared *sh;
	pthread_t workers[MAX_CORES];
	unsigned nworkers;
	unsigned next_core; /* round robin (driver thread only) */
} devexec;

/* ---- reference counts ------------------------------------------------------------ */

static void shared_release(shared *sh)
{
	/* acq_rel: see the file comment. */
	if (atomic_fetch_sub_explicit(&sh->refs, 1, memory_order_acq_rel) != 1)
		return;
	for (unsigned i = 0; i < sh->nqueues; i++) {
		pthread_cond_destroy(&sh->q[i].cv);
		pthread_mutex_destroy(&sh->q[i].mu);
	}
	pthread_mutex_destroy(&sh->all_mu);
	free(sh);
}

static void task_retain(task *t)
{
	/* relaxed: a new reference made from one already held. */
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
}

static void task_release(task *t)
{
	shared *sh;
	/* acq_rel: see the file comment. */
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	sh = t->sh;
	/* relaxed: a statistic read by live_tasks. */
	atomic_fetch_sub_explicit(&sh->live, 1, memory_order_relaxed);
	free(t);
	shared_release(sh);
}

/* ---- scheduling -------------------------------------------------------------------- */

static void enqueue(task *t)
{
	queue *q = &t->sh->q[t->sh->m.shared_queue ? 0 : t->core];
	pthread_mutex_lock(&q->mu);
	if (!q->closed) {
		t->next = NULL;
		if (q->tail)
			q->tail->next = t;
		else
			q->head = t;
		q->tail = t;
		pthread_cond_signal(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
}

/* The wake of every waker kind: never waits for a poll to finish. */
static void wake_task(task *t)
{
	int s = atomic_load_explicit(&t->state, memory_order_acquire);
	for (;;) {
		switch (s) {
		case IDLE:
			/* acq_rel: publishes the waker's writes to the poller. */
			if (atomic_compare_exchange_weak_explicit(&t->state, &s, SCHEDULED,
								  memory_order_acq_rel,
								  memory_order_acquire)) {
				/* acq_rel: run() reads busy with acquire. */
				atomic_fetch_add_explicit(&t->sh->busy, 1, memory_order_acq_rel);
				enqueue(t);
				return;
			}
			break;
		case RUNNING:
			if (atomic_compare_exchange_weak_explicit(&t->state, &s, NOTIFIED,
								  memory_order_acq_rel,
								  memory_order_acquire))
				return;
			break;
		default:
			return; /* already due, or complete: nothing to do */
		}
	}
}

/* ---- wakers ------------------------------------------------------------------------ */

static wk_raw_waker ts_clone(const void *d);
static void ts_wake(const void *d);
static void ts_wake_by_ref(const void *d);
static void ts_drop(const void *d);
static const wk_raw_waker_vtable ts_vtable = {ts_clone, ts_wake, ts_wake_by_ref, ts_drop};

static wk_raw_waker ts_clone(const void *d)
{
	wk_raw_waker r = {d, &ts_vtable};
	task_retain((task *)d);
	return r;
}

static void ts_wake(const void *d)
{
	wake_task((task *)d);
	task_release((task *)d);
}

static void ts_wake_by_ref(const void *d)
{
	wake_task((task *)d);
}

static void ts_drop(const void *d)
{
	task_release((task *)d);
}

/* Local wakers: a plain count of local instances that together hold one
 * atomic reference.  Only ever called on the task's polling thread. */
static wk_raw_waker lc_clone(const void *d);
static void lc_wake(const void *d);
static void lc_wake_by_ref(const void *d);
static void lc_drop(const void *d);
static const wk_raw_waker_vtable lc_vtable = {lc_clone, lc_wake, lc_wake_by_ref, lc_drop};

static wk_raw_waker lc_clone(const void *d)
{
	task *t = (task *)d;
	wk_raw_waker r = {d, &lc_vtable};
	if (t->local_refs++ == 0)
		task_retain(t);
	return r;
}

static void lc_drop(const void *d)
{
	task *t = (task *)d;
	if (--t->local_refs == 0)
		task_release(t);
}

static void lc_wake(const void *d)
{
	wake_task((task *)d);
	lc_drop(d);
}

static void lc_wake_by_ref(const void *d)
{
	wake_task((task *)d);
}

/* ---- polling ------------------------------------------------------------------------- */

static void unlink_all(task *t)
{
	shared *sh = t->sh;
	pthread_mutex_lock(&sh->all_mu);
	if (t->all_prev)
		t->all_prev->all_next = t->all_next;
	else if (sh->all == t)
		sh->all = t->all_next;
	if (t->all_next)
		t->all_next->all_prev = t->all_prev;
	t->all_prev = t->all_next = NULL;
	pthread_mutex_unlock(&sh->all_mu);
}

static void poll_task(task *t)
{
	shared *sh = t->sh;
	wk_waker w;
	wk_local_waker l;
	wk_context_builder b;
	wk_context cx;
	void *out = NULL;
	int s = SCHEDULED;

	/* acq_rel: takes the wakers' writes. */
	if (!atomic_compare_exchange_strong_explicit(&t->state, &s, RUNNING, memory_order_acq_rel,
						     memory_order_acquire))
		return; /* completed by destroy meanwhile */
	/* Borrowed wakers: the executor's reference backs them for the poll. */
	w = wk_waker_new(t, &ts_vtable);
	l = wk_local_waker_new(t, &lc_vtable);
	if (sh->m.local_only) {
		b = wk_context_builder_from_local_waker(&l);
	} else {
		b = wk_context_builder_from_waker(&w);
		if (sh->m.local_wakers)
			wk_context_builder_local_waker(&b, &l);
	}
	cx = wk_context_builder_build(&b);
	if (t->fut->vtable->poll(t->fut, &cx, &out) == WK_READY) {
		/* release: wakers that read COMPLETE need nothing else. */
		atomic_store_explicit(&t->state, COMPLETE, memory_order_release);
		t->fut->vtable->drop(t->fut);
		unlink_all(t);
		atomic_fetch_sub_explicit(&sh->busy, 1, memory_order_acq_rel);
		task_release(t); /* the executor's reference */
		return;
	}
	s = RUNNING;
	if (atomic_compare_exchange_strong_explicit(&t->state, &s, IDLE, memory_order_acq_rel,
						    memory_order_acquire)) {
		atomic_fetch_sub_explicit(&sh->busy, 1, memory_order_acq_rel);
		return;
	}
	/* Woken while running (NOTIFIED): poll again later, never lose it. */
	atomic_store_explicit(&t->state, SCHEDULED, memory_order_release);
	enqueue(t);
}

static task *dequeue(queue *q, bool wait)
{
	task *t;
	pthread_mutex_lock(&q->mu);
	while (wait && q->head == NULL && !q->stop)
		pthread_cond_wait(&q->cv, &q->mu);
	t = q->stop ? NULL : q->head;
	if (t != NULL) {
		q->head = t->next;
		if (q->head == NULL)
			q->tail = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return t;
}

/* Drop every unfinished future of core (all cores: UINT32_MAX), on the
 * calling thread. */
static void drop_unfinished(shared *sh, unsigned core)
{
	for (;;) {
		task *t;
		pthread_mutex_lock(&sh->all_mu);
		for (t = sh->all; t != NULL; t = t->all_next)
			if (core == UINT32_MAX || t->core == core)
				break;
		pthread_mutex_unlock(&sh->all_mu);
		if (t == NULL)
			return;
		unlink_all(t);
		atomic_store_explicit(&t->state, COMPLETE, memory_order_release);
		t->fut->vtable->drop(t->fut);
		task_release(t);
	}
}

/* Link nothing more into q and forget its entries.  Must precede dropping
 * the tasks it may hold: an entry holds no reference, so a task freed
 * while linked would be written through by the next enqueue. */
static void close_queue(queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->closed = true;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
}

typedef struct worker_arg {
	shared *sh;
	unsigned core;
} worker_arg;

static void *worker_main(void *p)
{
	worker_arg *wa = p;
	shared *sh = wa->sh;
	unsigned core = wa->core;
	queue *q = &sh->q[sh->m.shared_queue ? 0 : core];
	task *t;
	free(wa);
	while ((t = dequeue(q, true)) != NULL)
		poll_task(t);
	/* Pinned tasks die on their core's thread (their local wakers live
	 * here), once their queue links nothing more. */
	if (!sh->m.shared_queue) {
		close_queue(q);
		drop_unfinished(sh, core);
	}
	return NULL;
}

/* ---- adapter ------------------------------------------------------------------------- */

static void destroy(wkc_executor *e);

static wkc_executor *create(const mode *m, const wkc_config *cfg, char *err, size_t errlen)
{
	devexec *ex = calloc(1, sizeof *ex);
	shared *sh = calloc(1, sizeof *sh);
	unsigned n = m->threads;
	if (ex == NULL || sh == NULL) {
		free(ex);
		free(sh);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (n > 0 && cfg != NULL && cfg->cores > 0)
		n = cfg->cores < MAX_CORES ? cfg->cores : MAX_CORES;
	sh->m = *m;
	sh->m.threads = n;
	sh->nqueues = n == 0 ? 1 : n;
	atomic_init(&sh->refs, 1);
	atomic_init(&sh->live, 0);
	atomic_init(&sh->busy, 0);
	pthread_mutex_init(&sh->all_mu, NULL);
	for (unsigned i = 0; i < sh->nqueues; i++) {
		pthread_mutex_init(&sh->q[i].mu, NULL);
		pthread_cond_init(&sh->q[i].cv, NULL);
	}
	ex->sh = sh;
	for (unsigned i = 0; i < n; i++) {
		worker_arg *wa = malloc(sizeof *wa);
		if (wa == NULL || (wa->sh = sh, wa->core = i,
				   pthread_create(&ex->workers[i], NULL, worker_main, wa)) != 0) {
			free(wa);
			snprintf(err, errlen, "cannot start worker %u", i);
			ex->nworkers = i;
			destroy((wkc_executor *)ex); /* stops the workers already started */
			return NULL;
		}
		ex->nworkers = i + 1;
	}
	return (wkc_executor *)ex;
}

static void destroy(wkc_executor *e)
{
	devexec *ex = (devexec *)e;
	shared *sh = ex->sh;
	for (unsigned i = 0; i < sh->nqueues; i++) {
		pthread_mutex_lock(&sh->q[i].mu);
		sh->q[i].stop = true;
		pthread_cond_broadcast(&sh->q[i].cv);
		pthread_mutex_unlock(&sh->q[i].mu);
	}
	for (unsigned i = 0; i < ex->nworkers; i++)
		pthread_join(ex->workers[i], NULL);
	/* No thread polls any more: close the queues (a late wake then links
	 * nothing) and forget what they hold (the all-list owns the tasks). */
	for (unsigned i = 0; i < sh->nqueues; i++)
		close_queue(&sh->q[i]);
	drop_unfinished(sh, UINT32_MAX);
	free(ex);
	shared_release(sh);
}

static int spawn(wkc_executor *e, wk_future *fut, int core, uint32_t flags)
{
	devexec *ex = (devexec *)e;
	shared *sh = ex->sh;
	task *t;
	(void)flags; /* every task already stays on one thread, or none is local */
	if (core >= (int)sh->nqueues)
		return -1;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return -1;
	atomic_init(&t->state, SCHEDULED);
	atomic_init(&t->refs, 1);
	t->fut = fut;
	t->sh = sh;
	if (core >= 0)
		t->core = (unsigned)core;
	else
		t->core = ex->next_core++ % sh->nqueues;
	/* relaxed: a new reference from the executor's own. */
	atomic_fetch_add_explicit(&sh->refs, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->live, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->busy, 1, memory_order_acq_rel);
	pthread_mutex_lock(&sh->all_mu);
	t->all_next = sh->all;
	if (sh->all)
		sh->all->all_prev = t;
	sh->all = t;
	pthread_mutex_unlock(&sh->all_mu);
	enqueue(t);
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int run(wkc_executor *e, uint64_t timeout_ns)
{
	devexec *ex = (devexec *)e;
	shared *sh = ex->sh;
	double deadline = now_ns() + (double)timeout_ns;
	if (sh->m.threads == 0) {
		task *t;
		while ((t = dequeue(&sh->q[0], false)) != NULL) {
			poll_task(t);
			if (now_ns() > deadline)
				return WKC_RUN_TIMEOUT;
		}
		return WKC_RUN_IDLE;
	}
	for (;;) {
		struct timespec d = {0, 50000};
		/* acquire: the polls that brought busy to 0 are visible. */
		if (!sh->m.bounded && atomic_load_explicit(&sh->busy, memory_order_acquire) == 0)
			return WKC_RUN_IDLE;
		if (now_ns() > deadline)
			return sh->m.bounded ? WKC_RUN_BOUNDED : WKC_RUN_TIMEOUT;
		if (sh->m.bounded && timeout_ns > 2000000u) {
			/* Cannot tell idleness: wait a short slice and say so. */
			d.tv_nsec = 2000000;
			nanosleep(&d, NULL);
			return WKC_RUN_BOUNDED;
		}
		nanosleep(&d, NULL);
	}
}

static long live_tasks(wkc_executor *e)
{
	/* relaxed: a count; the driver waits for it to settle. */
	return atomic_load_explicit(&((devexec *)e)->sh->live, memory_order_relaxed);
}

static uint32_t core_count(wkc_executor *e)
{
	return ((devexec *)e)->sh->nqueues;
}

/* ---- the modes ---------------------------------------------------------------------- */

#define MODE_FN(name, ...)                                                                  \
	static wkc_executor *create_##name(const wkc_config *cfg, char *err, size_t errlen) \
	{                                                                                   \
		static const mode m = __VA_ARGS__;                                          \
		return create(&m, cfg, err, errlen);                                       \
	}

MODE_FN(st, {.threads = 0, .local_wakers = true})
MODE_FN(mt, {.threads = 2, .shared_queue = true})
MODE_FN(tpc, {.threads = 2, .local_wakers = true})
MODE_FN(local, {.threads = 0, .local_wakers = true, .local_only = true})
MODE_FN(bounded, {.threads = 2, .shared_queue = true, .bounded = true})

#define ADAPTER(var, nm, create_fn, c)                                                         \
	const wkc_adapter var = {                                                              \
		.abi_version = WKC_ABI_VERSION,                                                \
		.name = nm,                                                                    \
		.version = "1",                                                                \
		.caps = (c) | WKC_CAP_LIVE_TASKS,                                              \
		.create = create_fn,                                                           \
		.destroy = destroy,                                                            \
		.spawn = spawn,                                                                \
		.run = run,                                                                    \
		.live_tasks = live_tasks,                                                      \
		.core_count = core_count,                                                      \
	}

ADAPTER(wkc_devexec_st, "devexec-st", create_st,
	WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_SPAWN_LOCAL);
ADAPTER(wkc_devexec_mt, "devexec-mt", create_mt, WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_MULTI_THREAD);
ADAPTER(wkc_devexec_tpc, "devexec-tpc", create_tpc,
	WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_MULTI_THREAD |
		WKC_CAP_THREAD_PER_CORE | WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL);
ADAPTER(wkc_devexec_local, "devexec-local", create_local,
	WKC_CAP_LOCAL_WAKERS | WKC_CAP_LOCAL_ONLY | WKC_CAP_SPAWN_LOCAL);
ADAPTER(wkc_devexec_bounded, "devexec-bounded", create_bounded,
	WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_MULTI_THREAD);

const wkc_adapter *const wkc_devexec_list[] = {
	&wkc_devexec_st, &wkc_devexec_mt, &wkc_devexec_tpc, &wkc_devexec_local, &wkc_devexec_bounded,
};
const unsigned wkc_devexec_count = sizeof wkc_devexec_list / sizeof wkc_devexec_list[0];
