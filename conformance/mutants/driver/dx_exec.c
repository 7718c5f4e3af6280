/*
 * dx_exec.c - the dx executor's adapter functions (wkc/adapter.h) other
 * than run(), and the one exported entry symbol.
 *
 *   create      the shared block; no threads.
 *   spawn       core WKC_ANY_CORE or 0 (one core: the driver thread); the
 *               task is linked into the list of unfinished tasks and
 *               queued.  WKC_SPAWN_LOCAL needs nothing more: every poll
 *               and every drop happens on the driver thread.
 *   destroy     close the queue (later wakes push nothing), drop the queue
 *               entries' references, then drop every unfinished future
 *               exactly once, here on the driver thread and outside any
 *               lock, so a drop that wakes or drops wakers neither
 *               deadlocks nor has a future dropped inline.  The shared
 *               block and the tasks stay until their last waker is gone.
 *   live_tasks  task objects allocated and not freed, exact.
 *
 * VARIANTS in this file: DX_BUG_SPAWN_HANGS, DX_BUG_DESTROY_HANGS,
 * DX_BUG_CREATE_NULL.
 */
#include "dx.h"

#include <stdio.h>
#include <stdlib.h>

static wkc_executor *dx_create(const wkc_config *cfg, char *err, size_t errlen)
{
	wkc_executor *ex = calloc(1, sizeof *ex);
	(void)cfg; /* one core, no randomness: nothing to configure */
	if (ex == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ex->shared = dx_shared_new();
#ifdef DX_BUG_CREATE_NULL
	/* BUG (an error path tested the wrong way round, whose bail-out also
	 * forgets to say why): the set-up's result is checked for success
	 * instead of failure, so create fails every time, returns NULL and
	 * leaves err empty: the caller has nothing to report. */
	if (ex->shared != NULL) {
		dx_shared_release(ex->shared);
		free(ex);
		return NULL;
	}
#endif
	if (ex->shared == NULL) {
		free(ex);
		snprintf(err, errlen, "cannot create the run queue (out of memory or resources)");
		return NULL;
	}
#ifdef DX_BUG_SPAWN_HANGS
	ex->permits = 1;
	if (pthread_cond_init(&ex->admit, NULL) != 0) {
		dx_shared_release(ex->shared);
		free(ex);
		snprintf(err, errlen, "cannot create a condition variable");
		return NULL;
	}
#endif
	return ex;
}

static void dx_destroy(wkc_executor *ex)
{
	dx_shared *s = ex->shared;
	dx_task *l = dx_queue_close(s);
	/* Queued entries: drop their references.  Each task is still in the
	 * list, whose owner side reference keeps it alive until it is
	 * cancelled below. */
	while (l != NULL) {
		dx_task *next = l->qnext;
		l->qnext = NULL;
		dx_task_release(l);
		l = next;
	}
	/* Every unfinished future, dropped once; a drop may wake tasks not
	 * reached yet (their pushes fail: the queue is closed), which are then
	 * cancelled here like the others. */
	while (ex->tasks != NULL)
		dx_task_cancel(ex, ex->tasks);
#ifdef DX_BUG_DESTROY_HANGS
	/* BUG (a shutdown handshake written for an executor that owns its
	 * driver thread, kept when the driver became the caller's thread, as
	 * in a block_on runtime whose drop still joins "its" loop): destroy
	 * waits for the driver loop to acknowledge the stop.  Only run() could
	 * acknowledge it, and run() is called by this same thread, which is
	 * here: nothing ever does, and destroy never returns. */
	pthread_mutex_lock(&s->m);
	while (!ex->stop_acked)
		pthread_cond_wait(&s->c, &s->m);
	pthread_mutex_unlock(&s->m);
#endif
#ifdef DX_BUG_SPAWN_HANGS
	pthread_cond_destroy(&ex->admit);
#endif
	free(ex);
	dx_shared_release(s); /* the executor's: wakers may keep s a while */
}

static int dx_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	dx_shared *s = ex->shared;
	dx_task *t;
	if (core != WKC_ANY_CORE && core != 0)
		return -1; /* one core */
	(void)flags; /* WKC_SPAWN_LOCAL: every task stays on the driver thread */
#ifdef DX_BUG_SPAWN_HANGS
	/* BUG (a leaked admission permit): spawn takes a permit from a
	 * bounded task budget (one task here) and waits for one when the
	 * budget is spent.  A permit should come back when its task
	 * completes; the completion path never returns it, so the first
	 * spawn spends the budget for good and the second waits on a
	 * condition variable nothing signals. */
	pthread_mutex_lock(&s->m);
	while (ex->permits == 0)
		pthread_cond_wait(&ex->admit, &s->m);
	ex->permits--;
	pthread_mutex_unlock(&s->m);
#endif
	t = dx_task_new(s, fut);
	if (t == NULL)
		return -1; /* fut is still the caller's */
	dx_task_link(ex, t);
	/* Cannot fail: only destroy closes the queue. */
	(void)dx_queue_push(s, t);
	return 0;
}

static long dx_live_tasks(wkc_executor *ex)
{
	/* relaxed: a counter, read once the harness has let the tasks go quiet. */
	return atomic_load_explicit(&ex->shared->live, memory_order_relaxed);
}

static uint32_t dx_core_count(wkc_executor *ex)
{
	(void)ex;
	return 1;
}

#ifndef DX_NAME
#define DX_NAME "mutant.driver_control"
#endif

static const wkc_adapter dx_adapter = {
	.abi_version = WKC_ABI_VERSION,
	.name = DX_NAME,
	.version = "1",
	.caps = WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_SPAWN_LOCAL |
		WKC_CAP_LIVE_TASKS | WKC_CAP_ANNOTATED,
	.create = dx_create,
	.destroy = dx_destroy,
	.spawn = dx_spawn,
	.run = dx_run,
	.live_tasks = dx_live_tasks,
	.core_count = dx_core_count,
};

__attribute__((visibility("default"))) const wkc_adapter *wkc_adapter_entry(void);

const wkc_adapter *wkc_adapter_entry(void)
{
	return &dx_adapter;
}
