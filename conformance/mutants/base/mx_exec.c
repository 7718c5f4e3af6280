/*
 * mx_exec.c - the mx executor's workers, its adapter functions and the one
 * exported entry symbol (wkc/adapter.h).
 *
 * WORKER LOOP
 *   take everything queued; for each task: adopt it if it is new (a spawn),
 *   poll it; nothing queued: park until a push or stop.  On stop: close the
 *   queue, adopt what was still queued, cancel every unfinished task (its
 *   future dropped on this, its home, thread), exit.
 *
 * SHUTDOWN
 *   destroy raises `stop`, unparks every worker and joins them.  Each
 *   worker shuts down when it sees `stop` (after the batch it is running),
 *   independently of the others: the drops of different workers overlap
 *   when their timing happens to.  MX_PARALLEL_DROP (a correct flavour)
 *   has every worker close its queue and then wait at a barrier until all
 *   of them did, so that all workers drop their own tasks' futures at the
 *   same time; with every queue already closed, a wake from one of those
 *   drops fails its push cleanly wherever its task lives.
 *
 * QUIESCENCE
 *   `active` counts tasks scheduled or running: +1 when a wake moves a task
 *   out of IDLE (before the push), -1 when its poll ends in IDLE or
 *   COMPLETE.  run() waits under idle_m until it reads 0; the worker that
 *   brings it to 0 broadcasts under the same mutex, so the wait cannot miss
 *   it.
 *
 * LIFETIME
 *   The shared block (queues, counters, task lists) is reference counted:
 *   the executor holds one reference and every task one more, so wakers
 *   that outlive destroy still point into valid memory; the last task to go
 *   frees it.
 *
 * ANNOTATIONS (mx.h): the shared block's atomics; its reference count and
 * `active` (a release before every decrement, an acquire where run() or
 * the last release sees zero); `stop` (destroy's store releases what the
 * driver did before destroy to the drops the workers run).
 *
 * BUGS in this file: STATE_FREED (see mx_destroy), SPAWN_IGNORES_CORE (see
 * mx_spawn).
 */
#include "mx.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wkc_executor {
	mx_shared *shared;
	pthread_t threads[MX_MAX_WORKERS];
	unsigned started;
	unsigned rr; /* driver only: round robin for WKC_ANY_CORE */
};

typedef struct worker_arg {
	mx_shared *shared;
	unsigned index;
} worker_arg;

static _Thread_local const mx_shared *tls_shared;
static _Thread_local int tls_worker = -1;

int mx_current_worker(const mx_shared *s)
{
	return tls_shared == s ? tls_worker : -1;
}

/* ---- shared block ----------------------------------------------------------------- */

void mx_shared_retain(mx_shared *s)
{
	/* relaxed: made from a reference the caller holds. */
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

static void shared_free(mx_shared *s)
{
	unsigned i;
	/* No edge may outlive the block into a new one at the same address. */
	wkc_annotate_freeing(&s->refs);
	wkc_annotate_freeing(&s->active);
	wkc_annotate_freeing(&s->stop);
	for (i = 0; i < s->nworkers; i++) {
		wkc_annotate_freeing(&s->queues[i]);
#ifdef MX_BUG_WILL_WAKE_SHARED
		wkc_annotate_freeing(&s->poke[i]);
#endif
		mxq_fini(&s->queues[i]);
	}
#ifdef MX_PARALLEL_DROP
	pthread_cond_destroy(&s->drop_c);
	pthread_mutex_destroy(&s->drop_m);
#endif
	pthread_cond_destroy(&s->idle_c);
	pthread_mutex_destroy(&s->idle_m);
	free(s);
}

void mx_shared_release(mx_shared *s)
{
	wkc_annotate_release(&s->refs); /* the decrement's release half */
	/* acq_rel: the last release sees every holder's use before the free. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		wkc_annotate_acquire(&s->refs); /* its acquire half */
		shared_free(s);
	}
}

void mx_active_sub(mx_shared *s)
{
	wkc_annotate_release(&s->active); /* the decrement's release half */
	/* acq_rel: run() that reads 0 sees the polls that led there. */
	if (atomic_fetch_sub_explicit(&s->active, 1, memory_order_acq_rel) == 1) {
		pthread_mutex_lock(&s->idle_m);
		pthread_cond_broadcast(&s->idle_c);
		pthread_mutex_unlock(&s->idle_m);
	}
}

static mx_shared *shared_new(unsigned n)
{
	mx_shared *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	unsigned i;
	if (s == NULL)
		return NULL;
	atomic_init(&s->refs, 1);
	atomic_init(&s->live, 0);
	atomic_init(&s->active, 0);
	atomic_init(&s->stop, 0);
	MX_ANNOTATE_ATOMIC(&s->refs);
	MX_ANNOTATE_ATOMIC(&s->live);
	MX_ANNOTATE_ATOMIC(&s->active);
	MX_ANNOTATE_ATOMIC(&s->stop);
	s->nworkers = n;
	pthread_mutex_init(&s->idle_m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->idle_c, &ca);
	pthread_condattr_destroy(&ca);
#ifdef MX_PARALLEL_DROP
	pthread_mutex_init(&s->drop_m, NULL);
	pthread_cond_init(&s->drop_c, NULL);
	s->drop_expected = s->drop_arrived = 0;
#endif
	for (i = 0; i < n; i++) {
		if (mxq_init(&s->queues[i]) != 0) {
			while (i-- > 0)
				mxq_fini(&s->queues[i]);
#ifdef MX_PARALLEL_DROP
			pthread_cond_destroy(&s->drop_c);
			pthread_mutex_destroy(&s->drop_m);
#endif
			pthread_cond_destroy(&s->idle_c);
			pthread_mutex_destroy(&s->idle_m);
			free(s);
			return NULL;
		}
#ifdef MX_BUG_WILL_WAKE_SHARED
		atomic_init(&s->poke[i], 0);
		MX_ANNOTATE_ATOMIC(&s->poke[i]);
#endif
#ifdef MX_CHEAP_WAKER
		atomic_init(&s->slots[i].task, NULL);
		MX_ANNOTATE_ATOMIC(&s->slots[i].task);
#endif
	}
	return s;
}

/* ---- workers ---------------------------------------------------------------------- */

static void run_batch(mx_task *l)
{
	while (l != NULL) {
		mx_task *next = l->qnext;
		if (!l->adopted)
			mx_task_adopt(l);
		mx_task_run(l);
		l = next;
	}
}

#ifdef MX_PARALLEL_DROP
/* Wait until every started worker closed its queue. */
static void drop_barrier(mx_shared *s)
{
	pthread_mutex_lock(&s->drop_m);
	if (++s->drop_arrived == s->drop_expected)
		pthread_cond_broadcast(&s->drop_c);
	while (s->drop_arrived < s->drop_expected)
		pthread_cond_wait(&s->drop_c, &s->drop_m);
	pthread_mutex_unlock(&s->drop_m);
}
#endif

static void worker_shutdown(mx_shared *s, unsigned w)
{
	mx_task *l = mxq_close(&s->queues[w]);
	/* Queued entries: adopt spawns that never ran, drop the entries'
	 * references (the owner side one keeps each task alive). */
	while (l != NULL) {
		mx_task *next = l->qnext;
		if (!l->adopted)
			mx_task_adopt(l);
		mx_active_sub(s);
		mx_task_release(l);
		l = next;
	}
#ifdef MX_PARALLEL_DROP
	/* Every worker's queue is closed past this point, and every worker
	 * starts its drops now, together. */
	drop_barrier(s);
#endif
	/* Every unfinished task: its future dropped here, on its home thread;
	 * a drop may wake or drop other wakers (their pushes fail cleanly). */
	while (s->list[w] != NULL)
		mx_task_cancel(s->list[w]);
}

static void *worker_main(void *p)
{
	worker_arg a = *(worker_arg *)p;
	mx_shared *s = a.shared;
	free(p);
	tls_shared = s;
	tls_worker = (int)a.index;
	for (;;) {
		mx_task *l;
		/* acquire: pairs with destroy's store, so that what the driver
		 * did before destroy precedes the drops of worker_shutdown
		 * (mxq_park's read under its mutex only ends the park). */
		if (atomic_load_explicit(&s->stop, memory_order_acquire)) {
			wkc_annotate_acquire(&s->stop); /* the load's acquire */
			break;
		}
#ifdef MX_BUG_WILL_WAKE_SHARED
		mx_task_poke_all(s, a.index);
#endif
		l = mxq_take(&s->queues[a.index]);
		if (l != NULL) {
			run_batch(l);
			continue;
		}
		mxq_park(&s->queues[a.index], &s->stop);
	}
	worker_shutdown(s, a.index);
	tls_shared = NULL;
	tls_worker = -1;
	return NULL;
}

/* ---- adapter functions -------------------------------------------------------------- */

static void stop_workers(wkc_executor *ex)
{
	unsigned i;
#ifdef MX_PARALLEL_DROP
	/* Before stop: a worker reaches the barrier only after it saw stop. */
	pthread_mutex_lock(&ex->shared->drop_m);
	ex->shared->drop_expected = ex->started;
	pthread_mutex_unlock(&ex->shared->drop_m);
#endif
	wkc_annotate_release(&ex->shared->stop); /* the store's release half */
	/* seq_cst: stored before each queue's mutex is taken to broadcast
	 * (mxq_park reads it under that mutex); a release for the workers'
	 * acquire load in worker_main. */
	atomic_store_explicit(&ex->shared->stop, 1, memory_order_seq_cst);
	for (i = 0; i < ex->shared->nworkers; i++)
		mxq_unpark(&ex->shared->queues[i]);
	for (i = 0; i < ex->started; i++)
		pthread_join(ex->threads[i], NULL);
}

static wkc_executor *mx_create(const wkc_config *cfg, char *err, size_t errlen)
{
	unsigned n = cfg != NULL && cfg->cores != 0 ? cfg->cores : 2;
	wkc_executor *ex;
	unsigned i;
	if (n > MX_MAX_WORKERS)
		n = MX_MAX_WORKERS; /* a wish (adapter.h); core_count tells */
	ex = calloc(1, sizeof *ex);
	if (ex == NULL || (ex->shared = shared_new(n)) == NULL) {
		free(ex);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		worker_arg *a = malloc(sizeof *a);
		int rc = a == NULL ? ENOMEM : 0;
		if (a != NULL) {
			a->shared = ex->shared;
			a->index = i;
			rc = pthread_create(&ex->threads[i], NULL, worker_main, a);
			if (rc != 0)
				free(a);
		}
		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker %u: %s", i, strerror(rc));
			stop_workers(ex);
			mx_shared_release(ex->shared);
			free(ex);
			return NULL;
		}
		ex->started++;
	}
	return ex;
}

static void mx_destroy(wkc_executor *ex)
{
	stop_workers(ex);
#ifdef MX_BUG_STATE_FREED
	/* BUG (async-executor #163): the executor frees its state when it is
	 * dropped, although wakers (and the tasks they keep) still point at
	 * it; the next wake or drop of such a waker touches freed memory. */
	shared_free(ex->shared);
#else
	mx_shared_release(ex->shared);
#endif
	free(ex);
}

static int mx_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	mx_shared *s = ex->shared;
	unsigned home;
	mx_task *t;
	if (core == WKC_ANY_CORE)
		home = ex->rr++ % s->nworkers;
	else if (core < 0 || (unsigned)core >= s->nworkers)
		return -1;
	else
		home = (unsigned)core;
#ifdef MX_BUG_SPAWN_IGNORES_CORE
	/* BUG (the class of dragonfly #5651: placement state kept per worker
	 * thread and read on a thread that is not a worker, where it is
	 * empty): a spawn on a worker thread homes the task where it was
	 * asked, but the path for a thread outside the runtime - the
	 * cross-thread spawn every thread-per-core runtime has - was written
	 * for "spawn somewhere" and never got the core argument: every task it
	 * spawns lands on worker 0.  WKC_ANY_CORE still goes round robin; a
	 * task pinned to core 1 runs on core 0's thread. */
	if (core != WKC_ANY_CORE && mx_current_worker(s) < 0)
		home = 0;
#endif
	t = mx_task_new(s, fut, home);
	if (t == NULL)
		return -1;
	/* Every task stays on its home worker anyway; the flag only matters to
	 * the FOREIGN_ABORTS policy (mx_task.c).  Published by the push. */
	t->local = (flags & WKC_SPAWN_LOCAL) != 0;
	/* relaxed: a counter; run() reads it under idle_m. */
	atomic_fetch_add_explicit(&s->active, 1, memory_order_relaxed);
	if (!mxq_push(&s->queues[home], t)) {
		/* Cannot happen before destroy; undo without touching fut
		 * (a refused future stays the caller's). */
		mx_active_sub(s);
		mx_task_release(t); /* the queue entry's */
		mx_task_release(t); /* the owner side: frees t */
		return -1;
	}
	return 0;
}

static int mx_run(wkc_executor *ex, uint64_t timeout_ns)
{
	mx_shared *s = ex->shared;
	struct timespec dl;
	int result = WKC_RUN_IDLE;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)(timeout_ns / 1000000000u);
	dl.tv_nsec += (long)(timeout_ns % 1000000000u);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->idle_m);
	/* acquire: pairs with mx_active_sub. */
	while (atomic_load_explicit(&s->active, memory_order_acquire) != 0) {
		if (pthread_cond_timedwait(&s->idle_c, &s->idle_m, &dl) == ETIMEDOUT) {
			/* acquire: as above. */
			if (atomic_load_explicit(&s->active, memory_order_acquire) != 0)
				result = WKC_RUN_TIMEOUT;
			break;
		}
	}
	pthread_mutex_unlock(&s->idle_m);
	/* Zero was read by an acquire load: every decrement, and the poll
	 * before it, precedes the driver's next step. */
	if (result == WKC_RUN_IDLE)
		wkc_annotate_acquire(&s->active);
	return result;
}

static long mx_live_tasks(wkc_executor *ex)
{
	/* acquire: a snapshot that sees the frees it counts. */
	return atomic_load_explicit(&ex->shared->live, memory_order_acquire);
}

static uint32_t mx_core_count(wkc_executor *ex)
{
	return ex->shared->nworkers;
}

#ifndef MX_NAME
#define MX_NAME "mutant.control"
#endif

#ifdef MX_LOCAL_ONLY
#define MX_WAKER_CAPS (WKC_CAP_LOCAL_WAKERS | WKC_CAP_LOCAL_ONLY)
#elif defined(MX_FOREIGN_ABORTS)
#define MX_WAKER_CAPS (WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_FOREIGN_WAKE_ABORTS)
#else
#define MX_WAKER_CAPS (WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS)
#endif

static const wkc_adapter mx_adapter = {
	.abi_version = WKC_ABI_VERSION,
	.name = MX_NAME,
	.version = "1",
	.caps = MX_WAKER_CAPS | WKC_CAP_MULTI_THREAD | WKC_CAP_THREAD_PER_CORE |
		WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL | WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED,
	.create = mx_create,
	.destroy = mx_destroy,
	.spawn = mx_spawn,
	.run = mx_run,
	.live_tasks = mx_live_tasks,
	.core_count = mx_core_count,
};

__attribute__((visibility("default"))) const wkc_adapter *wkc_adapter_entry(void);

const wkc_adapter *wkc_adapter_entry(void)
{
	return &mx_adapter;
}
