/*
 * dx.h - "dx", the driver-thread executor of conformance/mutants.  Internal
 * to conformance/mutants/driver.
 *
 * THE CORRECT EXECUTOR (no DX_* switch: wkc_mutant_driver_control.so)
 *   No threads of its own.  run() drives the tasks on the caller's thread,
 *   the way block_on or LocalPool::run_until does: it pops a runnable task
 *   from the run queue (a FIFO under a mutex, dx_shared.c), polls it, and
 *   repeats; when nothing is runnable but some task is pending it sleeps on
 *   a condition variable until a wake arrives or its deadline passes.  Every
 *   poll, every future's drop and every local-waker operation happens on
 *   the driver thread; wakes of the thread-safe waker come from anywhere.
 *
 *   Task state (dx_task.c): IDLE, SCHEDULED, RUNNING, NOTIFIED (woken while
 *   running), COMPLETE; every transition an atomic read-modify-write, so a
 *   wake during a poll is remembered and a complete task is never polled.
 *
 *   References: `refs` (atomic) counts thread-safe wakers, the run queue's
 *   entry and one "owner side" reference; `local_refs` (plain, driver
 *   thread only) counts the executor's own reference plus local-waker
 *   clones and holds the owner side reference while it is non-zero.  The
 *   task is freed when `refs` reaches zero, on whatever thread that
 *   happens.  The shared block (queue, mutex, condvar, counters) is counted
 *   too: one reference for the executor, one per task, so a waker that
 *   outlives destroy still touches valid memory.
 *
 *   The adapter claims WKC_CAP_ANNOTATED: the wake -> poll edge and the
 *   shared block's reference count are marked with wkc/annotate.h, and
 *   every atomic field is declared atomic to helgrind/DRD right after it is
 *   initialised.  (Why the task's own count is not: dx_task.c.)
 *
 * THE VARIANTS
 *   The same sources with at most one DX_* switch (DX_BOUNDED, a correct
 *   executor that cannot tell idleness, or one DX_BUG_<NAME>); the code
 *   under each switch says what it changes and which real executor class
 *   it models.  conformance/mutants/driver/CMakeLists.txt has the table.
 */
#ifndef DX_H
#define DX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/wk.h"
#include "wkc/adapter.h"

typedef struct dx_shared dx_shared;
typedef struct dx_task dx_task;

/* ---- task (dx_task.c) -------------------------------------------------------- */

enum dx_state {
	DX_IDLE = 0,      /* pending, not queued */
	DX_SCHEDULED = 1, /* queued (or being queued) for the driver */
	DX_RUNNING = 2,   /* being polled */
	DX_NOTIFIED = 3,  /* being polled, and woken since the poll began */
	DX_COMPLETE = 4,  /* returned Ready or cancelled: never polled again */
};

struct dx_task {
	_Atomic uint32_t state; /* enum dx_state */
	_Atomic size_t refs;    /* thread-safe references (see the file comment) */
	dx_task *qnext;         /* run queue link, under shared->m */
	size_t local_refs;      /* driver thread only */
	wk_future *future;      /* driver thread only */
	dx_shared *shared;
	dx_task *prev, *next;   /* driver thread only: the executor's unfinished tasks */
};

/* ---- shared block and run queue (dx_shared.c) ------------------------------------ */

struct dx_shared {
	_Atomic size_t refs; /* the executor + every task */
	_Atomic long live;   /* task objects allocated and not freed */
	pthread_mutex_t m;   /* guards everything below */
	pthread_cond_t c;    /* CLOCK_MONOTONIC; signalled by every push */
	dx_task *head, *tail; /* the run queue, FIFO */
	bool closed;          /* destroy began: pushes fail */
};

dx_shared *dx_shared_new(void);
void dx_shared_retain(dx_shared *s);
void dx_shared_release(dx_shared *s);
/* Any thread.  Append t (its queue reference already taken) and signal the
 * driver.  false when the queue is closed (t was not queued). */
bool dx_queue_push(dx_shared *s, dx_task *t);
/* Driver.  The oldest queued task, or NULL. */
dx_task *dx_queue_pop(dx_shared *s);
/* Driver.  Whether anything is queued (a snapshot). */
bool dx_queue_runnable(dx_shared *s);
/* Driver, at destroy.  Later pushes fail.  Returns what was queued, oldest
 * first, linked by qnext. */
dx_task *dx_queue_close(dx_shared *s);
/* Driver.  Sleep until something is queued or the deadline (CLOCK_MONOTONIC)
 * passed. */
void dx_queue_park(dx_shared *s, const struct timespec *deadline);

/* ---- the executor (dx_exec.c, dx_run.c) -------------------------------------------- */

struct wkc_executor {
	dx_shared *shared;
	dx_task *tasks; /* driver thread only: unfinished tasks (pending) */
#ifdef DX_BUG_SPAWN_HANGS
	unsigned permits;     /* under shared->m; see dx_spawn */
	pthread_cond_t admit; /* never signalled */
#endif
#ifdef DX_BUG_DESTROY_HANGS
	bool stop_acked; /* under shared->m; see dx_destroy */
#endif
};

int dx_run(wkc_executor *ex, uint64_t timeout_ns);

/* ---- task operations (dx_task.c) ----------------------------------------------------- */

/* A new task for f, state SCHEDULED (the spawn is its first wake), holding
 * the owner side and the queue entry's references.  NULL when out of
 * memory (f untouched). */
dx_task *dx_task_new(dx_shared *s, wk_future *f);
/* Driver: link t into / out of the executor's list of unfinished tasks. */
void dx_task_link(wkc_executor *ex, dx_task *t);
/* Driver: poll t, taken from the queue with its queue reference.  Consumes
 * that reference (or hands it to the queue again when woken meanwhile). */
void dx_task_run(wkc_executor *ex, dx_task *t);
/* Driver, at destroy: drop the future of the unfinished task t (the head of
 * the list) and give up the executor's reference. */
void dx_task_cancel(wkc_executor *ex, dx_task *t);
/* Drop one thread-safe reference (a queue entry's, a waker's). */
void dx_task_release(dx_task *t);

#endif /* DX_H */
