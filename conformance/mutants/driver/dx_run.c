/*
 * dx_run.c - run(): the driver loop, on the caller's thread.
 *
 *   loop:
 *     deadline passed?  return IDLE when nothing is runnable, else TIMEOUT
 *     pop a task        poll it, loop
 *     none, and no task pending at all (every accepted task completed):
 *                       return IDLE at once (nothing can ever wake again)
 *     none, some pending:
 *                       park until a push or the deadline (dx_queue_park:
 *                       a predicate loop under the queue's mutex), loop
 *
 * The clock is read before every pop, so a task that keeps waking itself
 * cannot hold run() past its deadline.  "Pending" is the executor's list
 * of unfinished tasks, which only this thread changes (spawn, the poll
 * that completes a task, destroy), so it cannot change while the driver
 * parks.
 *
 * VARIANTS in this file: DX_BOUNDED (correct), DX_BUG_RUN_IGNORES_DEADLINE,
 * DX_BUG_NEVER_POLLS.  (DX_BUG_LOST_UNPARK is in dx_queue_park.)
 */
#include "dx.h"

#include <time.h>

static struct timespec deadline_after(uint64_t timeout_ns)
{
	struct timespec dl;
	uint64_t sec = timeout_ns / 1000000000u;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	/* Far deadlines saturate rather than overflow time_t. */
	if (sec > (uint64_t)(INT32_MAX)) {
		dl.tv_sec += INT32_MAX;
		return dl;
	}
	dl.tv_sec += (time_t)sec;
	dl.tv_nsec += (long)(timeout_ns % 1000000000u);
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	return dl;
}

static bool passed(const struct timespec *dl)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > dl->tv_sec || (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec);
}

/* What run() returns at its deadline. */
static int at_deadline(wkc_executor *ex)
{
#ifdef DX_BOUNDED
	/* CORRECT, but blind (a driver loop that has no "all tasks idle"
	 * signal, e.g. one that only ever runs for a time budget): it cannot
	 * say idle, so it says it ran until its deadline. */
	(void)ex;
	return WKC_RUN_BOUNDED;
#else
	return dx_queue_runnable(ex->shared) ? WKC_RUN_TIMEOUT : WKC_RUN_IDLE;
#endif
}

int dx_run(wkc_executor *ex, uint64_t timeout_ns)
{
	dx_shared *s = ex->shared;
	struct timespec dl = deadline_after(timeout_ns);
#ifdef DX_BUG_NEVER_POLLS
	/* BUG (an executor whose driver is never wired to its run queue, e.g.
	 * a run() that drives an empty local set while spawn fills another
	 * queue): spawn accepts every task, run() finds nothing to do and
	 * reports idle at once; nothing is ever polled.  destroy still drops
	 * every future. */
	return WKC_RUN_IDLE;
#endif
	for (;;) {
		dx_task *t;
#ifndef DX_BUG_RUN_IGNORES_DEADLINE
		if (passed(&dl))
			return at_deadline(ex);
#endif
		t = dx_queue_pop(s);
		if (t != NULL) {
			dx_task_run(ex, t);
			continue;
		}
#ifdef DX_BUG_RUN_IGNORES_DEADLINE
		/* BUG (a run-until-stalled loop that looks at its time budget
		 * only when it runs out of work, like an executor that checks
		 * its timer only before parking): while some task is runnable
		 * the clock is never read, so a task that keeps waking itself
		 * keeps run() from returning for as long as it keeps waking. */
		if (passed(&dl))
			return at_deadline(ex);
#endif
#ifndef DX_BOUNDED
		if (ex->tasks == NULL)
			return WKC_RUN_IDLE; /* every accepted task completed */
#endif
		dx_queue_park(s, &dl);
	}
}
