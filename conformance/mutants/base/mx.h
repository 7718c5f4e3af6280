/*
 * mx.h - "mx", the small multi-threaded executor every known-bad executor
 * of conformance/mutants is built from.  Internal to conformance/mutants.
 *
 * THE CORRECT BASE (built with no MX_BUG_* switch: wkc_mutant_control.so)
 *   N worker threads (2 unless the harness asks otherwise), one per core.
 *   A task is pinned to its home worker: only that thread polls it, drops
 *   its future and touches its owner-only fields.  Each worker has a remote
 *   queue (mx_queue.c) that any thread pushes to and only the worker takes
 *   from, and parks on a mutex/condvar when the queue is empty.
 *
 *   Task state (mx_task.c): IDLE, SCHEDULED, RUNNING, NOTIFIED (woken while
 *   running), COMPLETE; every transition an atomic compare-and-swap, so a
 *   wake during a poll is remembered and a complete task is never queued.
 *
 *   References: `refs` (atomic) counts thread-safe wakers, queue entries and
 *   one "owner side" reference; `local_refs` (plain, home worker only)
 *   counts the runtime's own reference plus local-waker clones and holds
 *   the owner side reference while it is non-zero.  The task is freed when
 *   `refs` reaches zero, wherever that happens.  Each task holds a reference
 *   on the shared block (queues, counters), so a waker that outlives the
 *   executor still finds valid memory.
 *
 *   Contexts: the task's thread-safe waker and its local waker (both lent
 *   for the poll); in the MX_LOCAL_ONLY flavour the local waker only, so
 *   that cx waker() aborts loudly (wkc_mutant_control_local_only.so).  Two
 *   more flavours lend the thread-safe waker differently:
 *     MX_CHEAP_WAKER  a cheap waker that names the home worker's poll slot
 *                     (the task being polled, NULL between polls) and owns
 *                     nothing: free to lend, valid only while the poll
 *                     runs; its clone, on any thread, upgrades to the
 *                     task's counted waker (the "waker upgraded on clone"
 *                     of api.md WK-RAW-001; wkc_mutant_control_cheap.so);
 *     MX_ON_WAKER     no waker but an on_waker constructor (extended
 *                     profile) that builds the task's counted waker if the
 *                     future asks, with storage fresh for each poll
 *                     (wkc_mutant_control_on_waker.so).
 *   In the MX_FOREIGN_ABORTS flavour a local task's thread-safe waker
 *   works on its home worker only and aborts, saying why, when woken on
 *   any other thread (WKC_CAP_FOREIGN_WAKE_ABORTS:
 *   wkc_mutant_control_foreign_aborts.so).
 *
 *   Shutdown (mx_exec.c): every worker closes its queue and drops the
 *   futures of its own unfinished tasks on its own thread.  Workers start
 *   that as each one sees the stop flag, so their drops overlap only by
 *   chance; the MX_PARALLEL_DROP flavour makes them meet at a barrier
 *   first, so that every worker drops at the same time
 *   (wkc_mutant_control_parallel_drop.so).
 *
 * ANNOTATIONS (wkc/annotate.h; every build claims WKC_CAP_ANNOTATED)
 *   Helgrind and DRD do not understand C11 atomics, and a TSan process may
 *   load an mx built without TSan; so mx states its synchronisation:
 *     - every atomic field is declared atomic once initialised
 *       (MX_ANNOTATE_ATOMIC);
 *     - the task's state word is one synchronisation object, the task
 *       address: a release before each state change that publishes
 *       something (a wake's CAS: wkc_annotate_wake; the end of a poll) and
 *       an acquire after each one that takes it (the poll's CAS:
 *       wkc_annotate_poll; a wake's IDLE -> SCHEDULED);
 *     - the remote queue: a release on the queue before the push CAS, an
 *       acquire after the take / close exchange;
 *     - reference counts (task refs, shared block refs) and the `active`
 *       count that run() waits on: a release before every decrement, an
 *       acquire where the count is seen at zero, and wkc_annotate_freeing
 *       of every synchronisation object before its memory is freed;
 *     - destroy's `stop` store and the workers' acquire load of it.
 *   Each annotation stands next to the atomic operation whose ordering it
 *   repeats, and only there: a switch that weakens that operation drops
 *   its annotation too, so that the bug stays visible to every tool.
 *
 * THE BUGS
 *   Each mutant is this base compiled with exactly one MX_BUG_<NAME>
 *   switch; the code under the switch is the bug, written the way the
 *   executor cited beside it had it.  See conformance/mutants/CMakeLists.txt
 *   for the table of mutants, the requirement each one breaks and the
 *   profile that sees it.
 */
#ifndef MX_H
#define MX_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/wk.h"
#include "wkc/adapter.h"
#include "wkc/annotate.h"

#define MX_MAX_WORKERS 16

/* Tell helgrind and DRD that *p is only ever accessed atomically: right
 * after its initialisation, and only for fields that really are atomic. */
#define MX_ANNOTATE_ATOMIC(p) wkc_annotate_atomic((p), sizeof *(p))

typedef struct mx_shared mx_shared;
typedef struct mx_task mx_task;

/* ---- task ----------------------------------------------------------------- */

enum mx_state {
	MX_IDLE = 0,      /* pending, not queued */
	MX_SCHEDULED = 1, /* queued (or about to be) for its home worker */
	MX_RUNNING = 2,   /* being polled */
	MX_NOTIFIED = 3,  /* being polled, and woken since the poll began */
	MX_COMPLETE = 4,  /* returned Ready or cancelled: never polled again */
};

#ifdef MX_BUG_NONATOMIC_REFCOUNT
typedef size_t mx_refcount; /* the bug: see mx_task.c, ref_retain */
#else
typedef _Atomic size_t mx_refcount;
#endif

struct mx_task {
	mx_task *qnext;         /* queue link: written by the pusher, read by the taker */
	_Atomic uint32_t state; /* enum mx_state */
	mx_refcount refs;       /* thread-safe references (see the file comment) */
	size_t local_refs;      /* home worker only */
	wk_future *future;      /* home worker only after spawn */
	mx_shared *shared;
	unsigned home;          /* index of the home worker */
	bool local;             /* spawned WKC_SPAWN_LOCAL; written before the spawn's push */
	bool adopted;           /* home worker only: linked into its task list */
	mx_task *prev, *next;   /* home worker only: the list of unfinished tasks */
};

#ifdef MX_CHEAP_WAKER
/* A worker's poll slot: the task it is polling, NULL between polls.  The
 * cheap waker lent to a poll points here, not at the task.  The worker
 * stores the task with release (NULL relaxed: it publishes nothing), a
 * waker call loads with acquire. */
typedef struct mx_slot {
	_Atomic(mx_task *) task;
} mx_slot;
#endif

/* ---- queue (mx_queue.c) ------------------------------------------------------ */

typedef struct mx_queue {
#ifdef MX_BUG_BLOCKING_WAKE
	mx_task **ring; /* bounded ring, guarded by m */
	unsigned cap, head, count;
	bool closed;
	bool kicked;
	pthread_cond_t not_full;
#else
	_Atomic uintptr_t head; /* Treiber stack of tasks; MXQ_CLOSED when closed */
	_Atomic int signal;     /* something was pushed since the owner last parked */
#endif
	pthread_mutex_t m; /* parking */
	pthread_cond_t c;
} mx_queue;

int mxq_init(mx_queue *q);
void mxq_fini(mx_queue *q);
/* Any thread.  false when the queue is closed (the task was not queued). */
bool mxq_push(mx_queue *q, mx_task *t);
/* Owner.  Everything queued, oldest first (linked by qnext), or NULL. */
mx_task *mxq_take(mx_queue *q);
/* Owner.  Sleep until a push since the last park, or *stop. */
void mxq_park(mx_queue *q, const _Atomic int *stop);
/* Any thread: wake the owner if it is parked (it re-checks *stop). */
void mxq_unpark(mx_queue *q);
/* Any thread: make the owner's current or next park return, as a push
 * does, without queueing anything. */
void mxq_kick(mx_queue *q);
/* Owner, at shutdown.  Later pushes fail.  Returns what was queued. */
mx_task *mxq_close(mx_queue *q);

/* ---- shared block (mx_exec.c) -------------------------------------------------- */

struct mx_shared {
	_Atomic size_t refs;  /* the executor + every task */
	_Atomic long live;    /* task objects allocated and not freed */
	_Atomic long active;  /* tasks scheduled or running (quiescence) */
	_Atomic int stop;     /* destroy began */
	unsigned nworkers;
	pthread_mutex_t idle_m; /* run() waits here for active == 0 */
	pthread_cond_t idle_c;
#ifdef MX_BUG_WILL_WAKE_SHARED
	_Atomic int poke[MX_MAX_WORKERS]; /* "re-poll your idle tasks" */
#endif
	mx_queue queues[MX_MAX_WORKERS];
#ifdef MX_CHEAP_WAKER
	mx_slot slots[MX_MAX_WORKERS]; /* slots[i]: worker i's poll slot */
#endif
	/* Each worker's unfinished tasks; list[i] is worker i's alone. */
	mx_task *list[MX_MAX_WORKERS];
#ifdef MX_PARALLEL_DROP
	/* The shutdown barrier: every started worker arrives before any of
	 * them drops a future.  A mutex and a condition variable rather than
	 * a pthread_barrier_t, whose count must be known at init: destroy
	 * sets `drop_expected` to the number of workers actually started. */
	pthread_mutex_t drop_m;
	pthread_cond_t drop_c;
	unsigned drop_expected; /* guarded by drop_m */
	unsigned drop_arrived;  /* guarded by drop_m */
#endif
};

void mx_shared_retain(mx_shared *s);
void mx_shared_release(mx_shared *s);
/* active went down: wake run() when it reached zero. */
void mx_active_sub(mx_shared *s);

/* The worker running on the calling thread (index) for this shared block,
 * or -1. */
int mx_current_worker(const mx_shared *s);

/* ---- task operations (mx_task.c) ---------------------------------------------------- */

/* Every task is pinned to its home worker, so WKC_SPAWN_LOCAL needs nothing more. */
mx_task *mx_task_new(mx_shared *s, wk_future *f, unsigned home);
/* Schedule t for a poll if it is idle; remember the wake if it is running. */
void mx_task_wake(mx_task *t);
/* Home worker: poll t (it was taken from the queue in state SCHEDULED). */
void mx_task_run(mx_task *t);
/* Home worker, at shutdown: drop the future of an unfinished task. */
void mx_task_cancel(mx_task *t);
/* Home worker: link a newly arrived task into its worker's list. */
void mx_task_adopt(mx_task *t);
/* Drop one queue entry's reference (after the poll, or a failed push). */
void mx_task_release(mx_task *t);

#ifdef MX_BUG_WILL_WAKE_SHARED
/* Home worker: a poke arrived; schedule every idle task of the list. */
void mx_task_poke_all(mx_shared *s, unsigned worker);
#endif

#endif /* MX_H */
