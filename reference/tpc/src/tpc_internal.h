/*
 * tpc_internal.h - what the runtime's source files share.  Not installed.
 *
 * WHO OWNS WHAT
 *   owner core   everything of a task except the fields marked "any thread":
 *                state, refs, the run-queue and task-list links, the future,
 *                the local join waiter; a core's run queue, task list, timer
 *                heap, free-task cache and counters.  Only that core's thread
 *                (in deterministic mode: the driving thread while the core is
 *                stepped) touches them, so they need no atomic RMW.
 *   any thread   the remote queues, a handle's refcount and queued flag, a
 *                task's handle pointer, the shared join fields, the shared
 *                block's refcount and counters.
 *
 * OBJECTS
 *   wk__tpc_shared  one block per runtime holding the remote queues and the
 *                   counters that must outlive the runtime: it is refcounted
 *                   (runtime + every handle + every orphaned task + every
 *                   task with a shared join handle) and freed by the last one.
 *   wk__tpc_handle  the thread-safe side of one task, created lazily: what a
 *                   thread-safe waker points at.  Atomic refcount.  It never
 *                   keeps its task alive; the owner core clears handle->task
 *                   when the task goes, and a foreign wake only ever reaches
 *                   the task through the owner's remote queue.
 *   wk__tpc_task    one spawned future.  Plain refcount (runtime reference
 *                   until complete, local wakers, local join handle).
 */
#ifndef WK_TPC_INTERNAL_H
#define WK_TPC_INTERNAL_H

/* The public API keeps default visibility in a shared build; everything
 * declared below is hidden (the library builds with -fvisibility=hidden). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif
#include "wk/tpc.h"
#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WK__TPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define WK__TPC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WK__TPC_CACHELINE 64

struct wk__tpc_core;
struct wk__tpc_det;
struct wk__tpc_task;

/* ---- remote queue (remote_queue.c) --------------------------------------- */

/* Queue link, the first member of everything a remote queue carries. */
typedef struct wk__tpc_rnode {
	struct wk__tpc_rnode *next;
	uint8_t kind; /* WK__TPC_RNODE_* */
} wk__tpc_rnode;

enum { WK__TPC_RNODE_SPAWN = 1, WK__TPC_RNODE_WAKE = 2, WK__TPC_RNODE_OTHER = 3 };

/* Sentinel head values; a real node pointer is never 1 or 2. */
#define WK__TPC_RQ_EMPTY ((uintptr_t)0)
#define WK__TPC_RQ_SLEEPING ((uintptr_t)1) /* empty, and the owner is parked */
#define WK__TPC_RQ_CLOSED ((uintptr_t)2)   /* owner gone: pushes fail */

typedef struct wk__tpc_rqueue {
	_Alignas(WK__TPC_CACHELINE) _Atomic uintptr_t head;
	_Atomic uint32_t wake_seq; /* futex word the owner parks on */
} wk__tpc_rqueue;

void wk__tpc_rq_init(wk__tpc_rqueue *q);
/* Push from any thread, never blocking.  Unparks the owner when it was
 * asleep.  false when the queue is closed (the node was not queued). */
bool wk__tpc_rq_push(wk__tpc_rqueue *q, wk__tpc_rnode *n);
/* Owner: everything queued, oldest first, or NULL. */
wk__tpc_rnode *wk__tpc_rq_take(wk__tpc_rqueue *q);
/* Owner: EMPTY -> SLEEPING; false when something is queued. */
bool wk__tpc_rq_try_sleep(wk__tpc_rqueue *q);
/* Owner, after waking: SLEEPING -> EMPTY (a no-op if a push replaced it). */
void wk__tpc_rq_end_sleep(wk__tpc_rqueue *q);
/* Owner, at shutdown: close for good; everything queued, oldest first. */
wk__tpc_rnode *wk__tpc_rq_close(wk__tpc_rqueue *q);
/* Any thread: wake the owner if parked (bumps wake_seq). */
void wk__tpc_rq_unpark(wk__tpc_rqueue *q);

/* Something is queued.  relaxed: a hint for the owner's loop and for the
 * quiescence check; the drain itself is an acquire exchange. */
static inline bool wk__tpc_rq_pending(const wk__tpc_rqueue *q)
{
	uintptr_t h = atomic_load_explicit(&((wk__tpc_rqueue *)q)->head, memory_order_relaxed);
	return h > WK__TPC_RQ_CLOSED;
}

/* ---- parking and time (park.c) -------------------------------------------- */

/* Sleep while *word == expected, at most timeout_ns (UINT64_MAX: no limit). */
void wk__tpc_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns);
void wk__tpc_futex_wake_all(_Atomic uint32_t *word);
uint64_t wk__tpc_monotonic_ns(void);

/* ---- shared block ----------------------------------------------------------- */

typedef struct wk__tpc_shared {
	_Atomic size_t refs;
	_Atomic long foreign_tasks; /* tasks allocated minus freed off their core's books */
	unsigned ncores;
	wk_tpc_foreign_policy policy;
	bool deterministic;
	uint32_t det_thread;         /* deterministic: the driving thread's wk_thread_id */
	struct wk__tpc_det *det;     /* deterministic: the scheduler (driving thread only) */
	struct wk_tpc_runtime *rt;   /* deterministic: to drive it while it lives */
	wk__tpc_rqueue *queues;      /* one per core */
} wk__tpc_shared;

wk__tpc_shared *wk__tpc_shared_new(unsigned ncores, wk_tpc_foreign_policy policy);
void wk__tpc_shared_retain(wk__tpc_shared *s);
void wk__tpc_shared_release(wk__tpc_shared *s);

/* ---- handles: the thread-safe waker (waker.c) ------------------------------- */

typedef struct wk__tpc_handle {
	wk__tpc_rnode node;        /* remote-queue link (first member) */
	_Atomic uint32_t queued;   /* 1 while in the remote queue: wakes coalesce */
	unsigned core_index;
	_Atomic size_t refs;       /* wakers + 1 while queued + 1 from its task */
	wk__tpc_shared *shared;    /* one reference held */
	struct wk__tpc_task *task; /* owner core only; NULL once the task is freed */
	uint64_t task_id;          /* for messages and traces */
	uint32_t owner_thread;     /* for messages */
	bool local_only;
} wk__tpc_handle;

extern const wk_raw_waker_vtable wk__tpc_cheap_vtable;
extern const wk_raw_waker_vtable wk__tpc_handle_vtable;

/* The task's handle, created on first use (any thread, CAS-installed). */
wk__tpc_handle *wk__tpc_handle_get(struct wk__tpc_task *t);
void wk__tpc_handle_release(wk__tpc_handle *h);
/* The on_waker constructor (arg is the task). */
wk_waker wk__tpc_on_waker_ctor(const wk_local_waker *local_waker, void *arg);

/* ---- tasks (task.c) -------------------------------------------------------- */

/* Task states; transitions in task.c and spec/runtime.md. */
enum {
	WK__TPC_IDLE = 0,
	WK__TPC_SCHEDULED = 1,
	WK__TPC_RUNNING = 2,
	WK__TPC_NOTIFIED = 3,
	WK__TPC_COMPLETE = 4,
};

/* Immutable after spawn (read by any thread). */
#define WK__TPC_TASK_LOCAL_ONLY 0x01u
#define WK__TPC_TASK_JOIN_LOCAL 0x02u
#define WK__TPC_TASK_JOIN_SHARED 0x04u

/* Owner core only. */
#define WK__TPC_OWN_ORPHAN 0x01u      /* runtime gone; core == NULL */
#define WK__TPC_OWN_CANCELLED 0x02u   /* dropped unfinished */
#define WK__TPC_OWN_LOCAL_WAITER 0x04u /* join_local holds a waker */

/* Shared join cell states (join.c). */
#define WK__TPC_REG_WAITING 0u
#define WK__TPC_REG_REGISTERING 1u
#define WK__TPC_REG_WAKING 2u

typedef struct wk__tpc_task {
	wk__tpc_rnode node;        /* remote spawn link (first member) */
	_Atomic uint8_t state;     /* single writer: the owner core */
	uint8_t kind;              /* WK__TPC_TASK_*, immutable */
	uint8_t own;               /* WK__TPC_OWN_*, owner only */
	uint32_t refs;             /* owner only */
	uint32_t owner_thread;     /* wk_thread_id of the owner core's thread */
	struct wk__tpc_core *core; /* owner core; NULL once orphaned */
	wk__tpc_shared *shared;
	wk_future *future;         /* NULL once dropped */
	struct wk__tpc_task *run_next;
	struct wk__tpc_task *all_prev, *all_next;
	_Atomic(wk__tpc_handle *) handle; /* any thread; created lazily */
	uint64_t id;
	void *output;
	wk_local_waker local_waker; /* lent to every poll's context */
	wk_waker cheap_waker;       /* lent to every poll (WK_TPC_WAKER_CHEAP) */
	wk_local_waker join_local;  /* local join: the waiting task's waker */
	/* shared join (any thread, see join.c) */
	_Atomic uint32_t join_done; /* 0, or the final wk_tpc_join_status */
	_Atomic uint32_t join_reg;  /* WK__TPC_REG_* */
	_Atomic uint32_t join_refs; /* owners of the memory: core side + handle */
	bool has_join_waiter;       /* guarded by join_reg */
	wk_waker join_waiter;       /* guarded by join_reg */
} wk__tpc_task;

static inline uint8_t wk__tpc_state(const wk__tpc_task *t)
{
	/* relaxed: only the owner writes the state (see task.c). */
	return atomic_load_explicit(&((wk__tpc_task *)t)->state, memory_order_relaxed);
}

static inline void wk__tpc_set_state(wk__tpc_task *t, uint8_t s)
{
	/* relaxed: single writer (the owner core); see the table in task.c. */
	atomic_store_explicit(&t->state, s, memory_order_relaxed);
}

/* Allocate (from the core's cache when core != NULL) and initialise. */
wk__tpc_task *wk__tpc_task_new(struct wk__tpc_core *core, wk__tpc_shared *shared,
			       wk_future *future, uint8_t kind, uint64_t id);
/* Give up a task that never entered a core (failed remote spawn). */
void wk__tpc_task_discard(wk__tpc_task *t);
/* Owner: the task enters its core: task list, wakers, scheduled. */
void wk__tpc_task_adopt(struct wk__tpc_core *core, wk__tpc_task *t);
void wk__tpc_task_wake(wk__tpc_task *t);
void wk__tpc_task_poll(struct wk__tpc_core *core, wk__tpc_task *t);
void wk__tpc_task_retain(wk__tpc_task *t);
void wk__tpc_task_release(wk__tpc_task *t);
/* Owner, at shutdown: drop the unfinished future (the caller marked it complete). */
void wk__tpc_task_cancel(wk__tpc_task *t);
/* Owner, at shutdown: the runtime goes, the task stays for its holders. */
void wk__tpc_task_orphan(wk__tpc_task *t);

/* ---- join (join.c) -------------------------------------------------------- */

/* Owner: the task finished (READY or CANCELLED): tell the join handle. */
void wk__tpc_join_finish(wk__tpc_task *t, wk_tpc_join_status status);
/* The core side is done with the task's memory: true when the caller must
 * free it now, false when a shared join handle still owns it. */
bool wk__tpc_join_core_release(wk__tpc_task *t);
/* Drop what the shared join cell still holds, right before the free. */
void wk__tpc_join_cell_clear(wk__tpc_task *t);

/* ---- cores (core.c) --------------------------------------------------------- */

#define WK__TPC_TASK_CACHE 256

typedef struct wk__tpc_core {
	_Alignas(WK__TPC_CACHELINE) struct wk_tpc_runtime *rt;
	wk__tpc_shared *shared;
	wk__tpc_rqueue *rq;
	struct wk__tpc_det *det; /* deterministic mode: the tracer; NULL otherwise */
	unsigned index;
	wk_tpc_waker_kind waker_kind;
	bool closing;
	wk__tpc_task *run_head, *run_tail;
	wk__tpc_task *all_head;
	wk__tpc_task *cache;
	unsigned cache_len;
	uint64_t next_seq;
	/* timers (timer.c) */
	wk_tpc_timer **heap;
	size_t heap_len, heap_cap;
	uint64_t timer_seq;
	/* read by other threads */
	_Atomic long live;                  /* single writer: tasks allocated minus freed here */
	_Atomic uint64_t published_deadline; /* next timer when parked; UINT64_MAX none */
	_Atomic uint32_t park_seq;           /* odd while parked */
	pthread_t thread;
	bool thread_started;
} wk__tpc_core;

/* The core the calling thread runs (threads: its core thread; deterministic:
 * the core being stepped), else NULL. */
extern _Thread_local wk__tpc_core *wk__tpc_tls_core;

static inline void wk__tpc_core_schedule(wk__tpc_core *core, wk__tpc_task *t)
{
	t->run_next = NULL;
	if (core->run_tail != NULL)
		core->run_tail->run_next = t;
	else
		core->run_head = t;
	core->run_tail = t;
}

static inline wk__tpc_task *wk__tpc_core_pop(wk__tpc_core *core)
{
	wk__tpc_task *t = core->run_head;
	if (t != NULL) {
		core->run_head = t->run_next;
		if (core->run_head == NULL)
			core->run_tail = NULL;
	}
	return t;
}

/* Single-writer counter update: a relaxed load and store, no RMW. */
static inline void wk__tpc_core_live_add(wk__tpc_core *core, long d)
{
	long v = atomic_load_explicit(&core->live, memory_order_relaxed);
	/* release: a reader that sees this count also sees the transfer it
	 * accounts for (see wk_tpc_live_tasks). */
	atomic_store_explicit(&core->live, v + d, memory_order_release);
}

void wk__tpc_core_init(wk__tpc_core *core, struct wk_tpc_runtime *rt, unsigned index);
/* Apply everything in the remote queue; returns how many items. */
size_t wk__tpc_core_drain(wk__tpc_core *core);
/* Poll the task at the head of the run queue; 0 when the queue is empty. */
int wk__tpc_core_run_one(wk__tpc_core *core);
int wk__tpc_core_spawn_here(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			    wk_tpc_join **join_out);
uint64_t wk__tpc_core_now(const wk__tpc_core *core);
void wk__tpc_core_free_task(wk__tpc_core *core, wk__tpc_task *t);
/* Stop for good and drop every unfinished future (shutdown.c). */
void wk__tpc_core_shutdown(wk__tpc_core *core);

/* ---- timers (timer.c) ------------------------------------------------------ */

void wk__tpc_timers_fire(wk__tpc_core *core, uint64_t now);
uint64_t wk__tpc_timers_next(const wk__tpc_core *core); /* UINT64_MAX: none */
void wk__tpc_timers_clear(wk__tpc_core *core);

/* ---- runtime (runtime.c) ----------------------------------------------------- */

struct wk_tpc_runtime {
	wk_tpc_config cfg;
	wk__tpc_shared *shared;
	unsigned ncores;
	wk__tpc_core *cores;
	struct wk__tpc_det *det; /* deterministic mode only */
	_Atomic uint32_t stop;
	_Atomic uint32_t rr;
	_Atomic uint64_t foreign_seq;
	_Atomic uint32_t idle_seq;        /* futex word of quiescence waiters */
	_Atomic uint32_t quiesce_waiters;
};

/* Spawn from a thread that is not the target core. */
int wk__tpc_spawn_remote(struct wk_tpc_runtime *rt, unsigned core, wk_future *f, unsigned flags,
			 wk_tpc_join **join_out);

/* ---- deterministic scheduler (det_sched.c) --------------------------------- */

struct wk__tpc_det *wk__tpc_det_new(const uint8_t *bytes, size_t len);
void wk__tpc_det_free(struct wk__tpc_det *det);
/* Drop the deferred wakers still pending (at destroy). */
void wk__tpc_det_drop_deferred(struct wk__tpc_det *det);
uint64_t wk__tpc_det_clock(const struct wk__tpc_det *det);
void wk__tpc_trace(struct wk__tpc_det *det, int kind, int core, uint64_t task, uint64_t a);

/* Trace an event when the core is deterministic (a NULL test otherwise). */
#define WK__TPC_TRACE(core, kind, task, a)                                                        \
	do {                                                                                       \
		if (WK__TPC_UNLIKELY((core)->det != NULL))                                         \
			wk__tpc_trace((core)->det, (kind), (int)(core)->index, (task), (a));       \
	} while (0)

#endif /* WK_TPC_INTERNAL_H */
