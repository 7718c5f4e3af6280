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
 *                   keeps its task alive; the owner core points handle->task
 *                   at a COMPLETE placeholder (wk__tpc_retired_task) when
 *                   the task goes, and a foreign wake only ever reaches
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
#include <stdlib.h>

#define WK__TPC_LIKELY(x) __builtin_expect(!!(x), 1)
#define WK__TPC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WK__TPC_CACHELINE 64
/* The hot paths (task_inline.h, the run queue): inlined into every caller
 * whatever the compiler's size heuristics say, so that the constant
 * arguments that select a mode fold away. */
#if defined(__GNUC__)
#define WK__TPC_HOT static inline __attribute__((always_inline))
#else
#define WK__TPC_HOT static inline
#endif
/* The rare paths next to a hot one: never inlined into it, so that the hot
 * path keeps no registers for them (reached by tail calls, mostly). */
#if defined(__GNUC__)
#define WK__TPC_RARE __attribute__((noinline, cold))
#define WK__TPC_NOINLINE __attribute__((noinline))
#else
#define WK__TPC_RARE
#define WK__TPC_NOINLINE
#endif

struct wk__tpc_core;
struct wk__tpc_det;
struct wk__tpc_task;

/* A link of a circular doubly linked list with a sentinel: adding and
 * removing need no test for the ends. */
typedef struct wk__tpc_link {
	struct wk__tpc_link *prev, *next;
} wk__tpc_link;

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
	wk__tpc_rqueue *rq;        /* the owner core's remote queue (in *shared) */
	const wk_raw_waker_vtable *vtable; /* traced for a deterministic runtime */
	_Atomic size_t refs;       /* wakers + 1 while queued + 1 from its task */
	wk__tpc_shared *shared;    /* one reference held */
	/* Owner core only; wk__tpc_retired_task once the task is freed, so
	 * that a wake needs no test for it (that task is always COMPLETE). */
	struct wk__tpc_task *task;
	uint64_t task_id;          /* for messages and traces */
	uint32_t owner_thread;     /* for messages */
	bool local_only;
} wk__tpc_handle;

extern const wk_raw_waker_vtable wk__tpc_cheap_vtable;
extern const wk_raw_waker_vtable wk__tpc_cheap_vtable_traced; /* deterministic cores */
extern const wk_raw_waker_vtable wk__tpc_handle_vtable;
extern const wk_raw_waker_vtable wk__tpc_handle_vtable_traced; /* deterministic */

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
	/* Hot: every poll and wake reads these (owner core only). */
	_Atomic uint8_t state;     /* single writer: the owner core */
	uint8_t kind;              /* WK__TPC_TASK_*, immutable */
	uint8_t own;               /* WK__TPC_OWN_*, owner only */
	uint32_t refs;             /* owner only */
	struct wk__tpc_core *core; /* owner core; NULL once orphaned */
	struct wk__tpc_task *run_next; /* run queue link; free-cache link */
	wk_future *future;         /* NULL once dropped */
	void *output;              /* the poll writes it directly on Ready */
	/* Built once when the task memory first enters its core and kept
	 * while the memory stays in that core's cache (wk__tpc_task_prepare,
	 * and the task cache in core.c): a poll lends them as they are. */
	wk_context cx;              /* cheap mode: the context every poll gets */
	wk_local_waker local_waker; /* lent to every poll's context */
	wk_waker cheap_waker;       /* lent to every poll (WK_TPC_WAKER_CHEAP) */
	wk__tpc_shared *shared;
	uint32_t owner_thread;      /* wk_thread_id of the owner core's thread */
	/* Spawn and retirement. */
	wk__tpc_link all;           /* on its core's task list (core->all) */
	_Atomic(wk__tpc_handle *) handle; /* any thread; created lazily */
	uint64_t id;
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

/* What a handle points at once its task is freed: COMPLETE, on no core,
 * never written, so waking it does nothing (task.c). */
extern struct wk__tpc_task wk__tpc_retired_task;

/* A task for a remote spawn: malloc'd and initialised, not on any core yet. */
wk__tpc_task *wk__tpc_task_new_remote(wk__tpc_shared *shared, wk_future *future, uint8_t kind,
				      uint64_t id);
/* Give up a task that never entered a core (failed remote spawn). */
void wk__tpc_task_discard(wk__tpc_task *t);
/* Owner: fill in what stays valid while the memory stays with this core
 * (core, wakers, context; t->shared is set already); see the task cache in
 * core.c. */
void wk__tpc_task_prepare(struct wk__tpc_core *core, wk__tpc_task *t);
/* Owner: a remote spawn enters its core: prepared, listed, scheduled. */
void wk__tpc_task_adopt(struct wk__tpc_core *core, wk__tpc_task *t);
/* Owner: a wake from outside the task's local wakers (a drained remote
 * wake, a thread-safe waker woken on the owner core): traced when the core
 * is deterministic. */
void wk__tpc_task_wake(wk__tpc_task *t);
/* refs reached zero (task_inline.h, wk__tpc_task_release). */
void wk__tpc_task_retire(wk__tpc_task *t);
/* waker_kind on_waker: one poll with a lazily built thread-safe waker. */
wk_poll wk__tpc_task_poll_on_waker(wk__tpc_task *t);
/* Owner, at shutdown: drop the unfinished future (the caller marked it complete). */
void wk__tpc_task_cancel(wk__tpc_task *t);
/* Owner, at shutdown: the runtime goes, the task stays for its holders. */
void wk__tpc_task_orphan(wk__tpc_task *t);
/* The overflow abort of wk__tpc_task_retain, out of line. */
#if defined(__GNUC__)
__attribute__((noreturn, cold))
#endif
void wk__tpc_task_ref_overflow(const wk__tpc_task *t);

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
	/* Hot: the run loop, wakes and spawns. */
	/* Run queue: FIFO through task->run_next; run_tail_link points at the
	 * last task's run_next, or at run_head when the queue is empty.  The
	 * last task's run_next is left unset (the pop knows the last task by
	 * run_tail_link), so a push is two stores and no test. */
	_Alignas(WK__TPC_CACHELINE) wk__tpc_task *run_head;
	wk__tpc_task **run_tail_link;
	wk__tpc_link all;        /* sentinel of the list of this core's tasks */
	wk__tpc_task *cache;     /* free task memory, prepared for this core */
	unsigned cache_len;
	bool closing;
	uint64_t next_id;        /* last id of a spawn made here */
	struct wk__tpc_det *det; /* deterministic mode: the tracer; NULL otherwise */
	wk__tpc_rqueue *rq;
	struct wk_tpc_runtime *rt;
	wk__tpc_shared *shared;
	unsigned index;
	uint32_t thread_id;      /* wk_thread_id of the thread that runs the core */
	wk_tpc_waker_kind waker_kind;
	/* timers (timer.c) */
	wk_tpc_timer **heap;
	size_t heap_len, heap_cap;
	uint64_t timer_seq;
	/* read by other threads */
	/* On a line of their own: the hot fields above are the core thread's
	 * alone and should not share a line with what others read. */
	_Alignas(WK__TPC_CACHELINE) _Atomic long live; /* single writer: allocated minus freed */
	_Atomic uint64_t published_deadline; /* next timer when parked; UINT64_MAX none */
	_Atomic uint32_t park_seq;           /* odd while parked */
	pthread_t thread;
	bool thread_started;
} wk__tpc_core;

/*
 * The core the calling thread runs (threads: its core thread; deterministic:
 * the core being stepped), else NULL; and that core's remote queue, which
 * identifies the core to a handle in one load (waker.c).  Both are set by
 * wk__tpc_set_current only.
 *
 * initial-exec: they are read on every wake through a thread-safe waker,
 * every threaded local wake, every spawn and every join poll.  The
 * general-dynamic model a position-independent build defaults to is a call
 * to __tls_get_addr as far as the compiler knows (the linker relaxes it
 * only when it links an executable), so every function touching them saved
 * and restored registers around it.  Initial-exec is a load off %fs; in a
 * shared build the two pointers take 16 bytes of static TLS, which glibc
 * keeps spare room for even when the library comes in through dlopen.
 */
#if defined(__GNUC__)
#define WK__TPC_TLS_MODEL __attribute__((tls_model("initial-exec")))
#else
#define WK__TPC_TLS_MODEL
#endif
extern _Thread_local wk__tpc_core *wk__tpc_tls_core WK__TPC_TLS_MODEL;
extern _Thread_local wk__tpc_rqueue *wk__tpc_tls_rq WK__TPC_TLS_MODEL;

static inline void wk__tpc_set_current(wk__tpc_core *core)
{
	wk__tpc_tls_core = core;
	wk__tpc_tls_rq = core != NULL ? core->rq : NULL;
}

WK__TPC_HOT void wk__tpc_core_schedule(wk__tpc_core *core, wk__tpc_task *t)
{
	*core->run_tail_link = t;
	core->run_tail_link = &t->run_next;
}

WK__TPC_HOT wk__tpc_task *wk__tpc_core_pop(wk__tpc_core *core)
{
	wk__tpc_task *t = core->run_head;
	if (t != NULL) {
		/* Likely: the short queue (a task waking one other, a self-wake
		 * that was not polled again) is the latency-critical case, and
		 * this keeps its path free of taken jumps. */
		if (WK__TPC_LIKELY(core->run_tail_link == &t->run_next)) {
			/* The last one: t->run_next was never set. */
			core->run_head = NULL;
			core->run_tail_link = &core->run_head;
		} else {
			core->run_head = t->run_next;
		}
	}
	return t;
}

/* Forget the run queue (shutdown: its tasks are all COMPLETE). */
static inline void wk__tpc_core_run_queue_clear(wk__tpc_core *core)
{
	core->run_head = NULL;
	core->run_tail_link = &core->run_head;
}

static inline wk__tpc_task *wk__tpc_task_of_link(wk__tpc_link *l)
{
	return (wk__tpc_task *)(void *)((char *)l - offsetof(wk__tpc_task, all));
}

/* Every task of a core is on its list from adoption until it retires or is
 * orphaned, so that shutdown finds them all. */
WK__TPC_HOT void wk__tpc_core_list_add(wk__tpc_core *core, wk__tpc_task *t)
{
	wk__tpc_link *s = &core->all;
	t->all.prev = s;
	t->all.next = s->next;
	s->next->prev = &t->all;
	s->next = &t->all;
}

WK__TPC_HOT void wk__tpc_core_list_remove(wk__tpc_task *t)
{
	t->all.prev->next = t->all.next;
	t->all.next->prev = t->all.prev;
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
/* Poll the task at the head of the run queue; 0 when the queue is empty.
 * The deterministic scheduler's RUN (traced); the threads use
 * wk__tpc_core_run_batch (task_inline.h). */
int wk__tpc_core_run_one(wk__tpc_core *core);
int wk__tpc_core_spawn_here(wk__tpc_core *core, wk_future *f, unsigned flags, bool local_join,
			    wk_tpc_join **join_out);
uint64_t wk__tpc_core_now(const wk__tpc_core *core);
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

/* The inline hot paths: wake, poll, release (they need all of the above). */
#include "task_inline.h"

#endif /* WK_TPC_INTERNAL_H */
