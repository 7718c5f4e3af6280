/*
 * wk/tpc.h - the reference thread-per-core (TPC) runtime.
 *
 * Normative contract: spec/runtime.md (ids WK-TPC-*).
 *
 * ONE EXECUTOR PER CORE
 *   A runtime has N cores.  Each core owns a local run queue that only its
 *   own thread touches, a remote queue (lock-free MPSC, never blocks the
 *   waking thread) through which other threads hand it wakes and spawns, a
 *   timer heap, and a parking word (futex) so that an idle core sleeps until
 *   a remote wake, a spawn or its next timer.  A task never leaves the core
 *   it was spawned on.
 *
 * WAKERS
 *   Each poll gets a context whose LOCAL waker has a plain (non-atomic)
 *   reference count: clone, wake and drop on the owner core touch no atomic.
 *   The context's THREAD-SAFE waker is built lazily, in one of two ways
 *   (wk_tpc_config.waker_kind):
 *     WK_TPC_WAKER_CHEAP      a borrowed "cheap" waker that owns nothing; its
 *                             clone upgrades it to an owned, atomically
 *                             counted handle (seed 000: the waker upgraded on
 *                             clone).  Default.
 *     WK_TPC_WAKER_ON_WAKER   the extended-profile wk_context_builder_on_waker
 *                             constructor, run at most once per poll and only
 *                             when the future asks for the waker.
 *   Either way a wake from another thread is routed to the owner core's
 *   remote queue; a wake through a thread-safe waker on the owner core takes
 *   the local path.  The foreign-wake policy decides what a foreign wake of
 *   a LOCAL-ONLY task (WK_TPC_SPAWN_LOCAL) does: route it (default) or abort
 *   with "wakerconf: wk_tpc_waker_wake: foreign wake of local-only task".
 *
 * MODES (wk_tpc_mode; every mode has the same executor ops, see the end)
 *   THREADS        one OS thread per core, optionally pinned.
 *   DETERMINISTIC  every core runs on the calling thread; a scheduler takes
 *                  each choice (which core runs, when a remote queue is
 *                  drained, when a deferred foreign wake fires, when virtual
 *                  time jumps) from a byte stream and records a trace; the
 *                  same bytes give the same trace.  Same core code paths.
 *   SINGLE         a single-task executor woken through a static-flag waker.
 *   SLOTS          a task-id executor: wakers are slot-table ids with a
 *                  generation, so stale ids are harmless.
 *
 * THREADS AND CALLERS (threaded and deterministic runtimes)
 *   any thread      wk_tpc_spawn, wk_tpc_run_on, wk_tpc_live_tasks, the
 *                   thread-safe wakers, shared join handles;
 *   outside a core  wk_tpc_create, wk_tpc_destroy, wk_tpc_run_until_quiescent,
 *                   wk_tpc_block_on, wk_tpc_join_wait (they block or drive);
 *   on a core       wk_tpc_spawn_local, timers, local join handles, and the
 *                   local wakers of that core's tasks.
 *   Misuse that can be detected aborts with "wakerconf: <function>: ...".
 *
 * LIFETIME
 *   wk_tpc_destroy stops the cores and drops every unfinished future exactly
 *   once, on its own core's thread.  Wakers, local wakers and join handles
 *   may outlive the runtime: waking them is then a no-op, cloning and
 *   dropping them stays safe, and the memory behind them is freed when the
 *   last one goes.
 */
#ifndef WK_TPC_H
#define WK_TPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/wk.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WK_TPC_MAX_CORES 64

/* Pseudo core numbers for spawn. */
#define WK_TPC_CORE_ANY (-1)     /* round robin over the cores */
#define WK_TPC_CORE_CURRENT (-2) /* the core the caller runs on */

/* Spawn flags. */
#define WK_TPC_SPAWN_LOCAL 1u /* local-only future: its foreign wakes obey the policy */

typedef enum wk_tpc_mode {
	WK_TPC_MODE_THREADS = 0,
	WK_TPC_MODE_DETERMINISTIC = 1,
	WK_TPC_MODE_SINGLE = 2,
	WK_TPC_MODE_SLOTS = 3,
} wk_tpc_mode;

typedef enum wk_tpc_foreign_policy {
	WK_TPC_FOREIGN_ROUTE = 0, /* route to the owner core (default) */
	WK_TPC_FOREIGN_ABORT = 1, /* abort with a message */
} wk_tpc_foreign_policy;

typedef enum wk_tpc_waker_kind {
	WK_TPC_WAKER_CHEAP = 0,    /* cheap waker upgraded on clone (default) */
	WK_TPC_WAKER_ON_WAKER = 1, /* wk_context_builder_on_waker constructor */
} wk_tpc_waker_kind;

typedef struct wk_tpc_config {
	wk_tpc_mode mode;
	unsigned cores;     /* 1..WK_TPC_MAX_CORES; 0 means 1 (single/slots: ignored) */
	bool pin;           /* threads: pin core i to CPU i modulo the CPUs allowed */
	wk_tpc_foreign_policy foreign_policy;
	wk_tpc_waker_kind waker_kind;
	/* deterministic: the choice bytes (copied at create); when they run out
	 * the scheduler goes round robin.  NULL/0: round robin throughout. */
	const uint8_t *schedule;
	size_t schedule_len;
	/* slots: table capacity (0: 4096). */
	uint32_t max_tasks;
} wk_tpc_config;

/* Defaults: threads mode, 1 core, no pinning, route, cheap waker. */
void wk_tpc_config_init(wk_tpc_config *cfg);

/* ==== threaded and deterministic runtime ================================ */

typedef struct wk_tpc_runtime wk_tpc_runtime;
typedef struct wk_tpc_join wk_tpc_join;

/* cfg->mode must be THREADS or DETERMINISTIC.  NULL on a bad config or when
 * out of memory.  Threaded cores start running at once. */
wk_tpc_runtime *wk_tpc_create(const wk_tpc_config *cfg);

/*
 * Stop every core and drop every unfinished future exactly once (spawned,
 * running or still in a remote queue), each on its own core's thread.
 * Futures may wake and drop wakers from their drop function.  Must not be
 * called on one of the runtime's cores.
 */
void wk_tpc_destroy(wk_tpc_runtime *rt);

unsigned wk_tpc_core_count(const wk_tpc_runtime *rt);

/*
 * Spawn `future` on `core` (0..N-1, WK_TPC_CORE_ANY or WK_TPC_CORE_CURRENT),
 * from any thread.  The runtime owns the future from here: it is dropped
 * exactly once, also when spawning fails.  join_out (may be NULL) receives
 * a join handle: a local one when a core spawns WK_TPC_SPAWN_LOCAL onto
 * itself, a shared (any thread) one otherwise.  Returns 0, or -1 when the
 * runtime is shutting down or the core is out of range (future dropped).
 */
int wk_tpc_spawn(wk_tpc_runtime *rt, int core, unsigned flags, wk_future *future,
		 wk_tpc_join **join_out);

/* Spawn a local-only future on the calling core (a core thread, inside a
 * poll).  Aborts when not called on a core.  join_out as above (local). */
int wk_tpc_spawn_local(wk_future *future, wk_tpc_join **join_out);

/* Run fn(arg) once on `core`'s thread.  join_out as for wk_tpc_spawn (the
 * output is NULL).  Returns 0 or -1 (then fn never runs). */
int wk_tpc_run_on(wk_tpc_runtime *rt, int core, void (*fn)(void *arg), void *arg,
		  wk_tpc_join **join_out);

/*
 * Wait (threads) or drive (deterministic) until the runtime is quiescent:
 * no runnable task, no pending remote wake or spawn, no timer due (and, in
 * deterministic mode, no deferred wake and no armed timer: virtual time
 * jumps).  Returns 1 when quiescent, 0 when timeout_ns passed first.
 */
int wk_tpc_run_until_quiescent(wk_tpc_runtime *rt, uint64_t timeout_ns);

/* Task objects allocated by this runtime and not yet freed (a task lives
 * until it completed or was dropped and no waker or handle refers to it). */
size_t wk_tpc_live_tasks(const wk_tpc_runtime *rt);

/* The core the caller is running on, or -1; and its runtime, or NULL. */
int wk_tpc_current_core(void);
wk_tpc_runtime *wk_tpc_current_runtime(void);

/* ---- join handles ------------------------------------------------------- */

typedef enum wk_tpc_join_status {
	WK_TPC_JOIN_PENDING = 0,
	WK_TPC_JOIN_READY = 1,     /* the future returned WK_READY; *output set */
	WK_TPC_JOIN_CANCELLED = 2, /* dropped unfinished (shutdown); *output NULL */
} wk_tpc_join_status;

/*
 * From inside a poll: the task's status; while pending, registers the
 * context's waker (the local waker for a local handle, the thread-safe one
 * for a shared handle) to be woken at completion.  A local handle is usable
 * on its task's core only (aborts elsewhere).  output may be NULL.
 */
wk_tpc_join_status wk_tpc_join_poll(wk_tpc_join *join, const wk_context *cx, void **output);

/* Block (threads) or drive (deterministic) until the task finishes; shared
 * handles only, never on a core.  PENDING only when a deterministic runtime
 * went quiescent with the task unfinished. */
wk_tpc_join_status wk_tpc_join_wait(wk_tpc_join *join, void **output);

/* Release the handle (the task keeps running, detached).  Any thread for a
 * shared handle, the task's core for a local one; also after destroy. */
void wk_tpc_join_drop(wk_tpc_join *join);

/* spawn + join_wait + join_drop.  Returns the join status. */
wk_tpc_join_status wk_tpc_block_on(wk_tpc_runtime *rt, int core, wk_future *future,
				   void **output);

/* ---- timers (on a core, inside a poll) ----------------------------------- */

/* The clock of the calling core (virtual in deterministic mode), or
 * CLOCK_MONOTONIC outside any core; nanoseconds. */
uint64_t wk_tpc_now(void);

/*
 * A one-shot timer embedded in a future.  Fields are private.  A timer that
 * was polled must be fired or cancelled before its memory goes.
 */
typedef struct wk_tpc_timer {
	uint64_t delay_ns_;
	uint64_t deadline_ns_;
	uint64_t seq_;
	void *core_;
	size_t heap_index_;
	wk_local_waker waker_;
	int state_;
} wk_tpc_timer;

void wk_tpc_timer_init(wk_tpc_timer *t, uint64_t delay_ns);
/* READY once delay_ns has passed since the first poll; registers the
 * context's local waker otherwise. */
wk_poll wk_tpc_timer_poll(wk_tpc_timer *t, const wk_context *cx);
/* Disarm; idempotent; on the timer's core. */
void wk_tpc_timer_cancel(wk_tpc_timer *t);

/* A heap future that sleeps delay_ns (output NULL); its drop cancels it. */
wk_future *wk_tpc_sleep(uint64_t delay_ns);

/* ---- deterministic mode -------------------------------------------------- */

typedef enum wk_tpc_event_kind {
	WK_TPC_EV_SPAWN = 1,   /* task entered its core (a = flags) */
	WK_TPC_EV_POLL,        /* poll started */
	WK_TPC_EV_PENDING,     /* poll returned pending (a = 1 if notified during it) */
	WK_TPC_EV_READY,       /* poll returned ready */
	WK_TPC_EV_WAKE,        /* local wake (a = state before the wake) */
	WK_TPC_EV_ROUTE,       /* foreign wake pushed to the owner's remote queue */
	WK_TPC_EV_DRAIN,       /* remote item applied by its core (a = 1 wake, 0 spawn) */
	WK_TPC_EV_DEFER,       /* deferred foreign wake registered (a = its number) */
	WK_TPC_EV_FIRE,        /* deferred foreign wake fired (a = its number) */
	WK_TPC_EV_TIMER,       /* timer fired */
	WK_TPC_EV_CLOCK,       /* virtual time advanced (a = new time in us) */
	WK_TPC_EV_DROP,        /* future dropped (a = 1 if unfinished) */
} wk_tpc_event_kind;

typedef struct wk_tpc_event {
	uint32_t step;   /* scheduler step the event happened in */
	uint16_t kind;   /* wk_tpc_event_kind */
	uint16_t core;   /* core index, 0xffff when none */
	uint64_t task;   /* task id, 0 when none */
	uint64_t a;      /* kind-specific */
} wk_tpc_event;

const char *wk_tpc_event_name(int kind);

/* The recorded trace of a deterministic runtime (NULL/0 for threaded). */
const wk_tpc_event *wk_tpc_trace(const wk_tpc_runtime *rt, size_t *count);
/* FNV-1a hash of the trace: equal traces, equal hashes. */
uint64_t wk_tpc_trace_hash(const wk_tpc_runtime *rt);
/* Print the trace, one event per line. */
void wk_tpc_trace_print(const wk_tpc_runtime *rt, void *file /* FILE* */);

/* One scheduler step; 0 when there was nothing to do (quiescent). */
int wk_tpc_det_step(wk_tpc_runtime *rt);
/* Hand a waker to the scheduler's simulated foreign thread, which wakes it
 * (by value, from outside every core) at a step the bytes choose, and at the
 * latest before the runtime counts as quiescent.  Consumes *waker. */
void wk_tpc_det_defer_wake(wk_tpc_runtime *rt, wk_waker *waker);
/* How many schedule bytes the scheduler consumed so far. */
size_t wk_tpc_det_bytes_used(const wk_tpc_runtime *rt);

/* ==== single-task executor (static-flag waker) ============================ */

/*
 * Runs one task at a time on the thread that calls run_until_quiescent.  The
 * waker is a static-flag waker (wk/strategies.h) whose flag comes from a
 * static pool, so wakers outliving the executor stay safe; a waker kept past
 * its task's end may raise the flag of a later task (a spurious poll, never
 * a lost one).  spawn returns -1 (future dropped) while a task is live.
 */
typedef struct wk_tpc_single wk_tpc_single;
wk_tpc_single *wk_tpc_single_create(const wk_tpc_config *cfg);
void wk_tpc_single_destroy(wk_tpc_single *ex);
int wk_tpc_single_spawn(wk_tpc_single *ex, int core, unsigned flags, wk_future *future);
int wk_tpc_single_run_until_quiescent(wk_tpc_single *ex, uint64_t timeout_ns);
size_t wk_tpc_single_live_tasks(const wk_tpc_single *ex);

/* ==== task-id executor (slot table with generations) ===================== */

/*
 * Runs tasks on the thread that calls run_until_quiescent.  Each task's waker
 * is a wk_slot_waker id: wakes from any thread coalesce in the slot table;
 * an id whose task finished (or whose table is freed) wakes nothing.
 * spawn: any thread; returns -1 (future dropped) when max_tasks are live.
 */
typedef struct wk_tpc_slots wk_tpc_slots;
wk_tpc_slots *wk_tpc_slots_create(const wk_tpc_config *cfg);
void wk_tpc_slots_destroy(wk_tpc_slots *ex);
int wk_tpc_slots_spawn(wk_tpc_slots *ex, int core, unsigned flags, wk_future *future);
int wk_tpc_slots_run_until_quiescent(wk_tpc_slots *ex, uint64_t timeout_ns);
size_t wk_tpc_slots_live_tasks(const wk_tpc_slots *ex);

/* ==== executor ops: one shape for every mode ============================== */

#define WK_TPC_EXEC_OPS_VERSION 1

/* Capability flags of an executor mode. */
#define WK_TPC_CAP_THREAD_SAFE_WAKERS 0x01u /* cx waker usable from any thread */
#define WK_TPC_CAP_LOCAL_WAKERS 0x02u       /* a distinct local waker in cx */
#define WK_TPC_CAP_MULTI_THREAD 0x04u       /* tasks run on threads of their own */
#define WK_TPC_CAP_THREAD_PER_CORE 0x08u    /* several cores, tasks pinned to one */
#define WK_TPC_CAP_DETERMINISTIC 0x10u      /* replayable schedule and trace */
#define WK_TPC_CAP_SINGLE_TASK 0x20u        /* at most one live task */
#define WK_TPC_CAP_SPAWN_ANY_THREAD 0x40u   /* spawn may be called from any thread */

typedef struct wk_tpc_exec_ops {
	unsigned version; /* WK_TPC_EXEC_OPS_VERSION */
	const char *name; /* "tpc-threads", "tpc-deterministic", "tpc-single", "tpc-slots" */
	wk_tpc_mode mode;
	unsigned caps;
	/* cfg->mode is ignored: the ops decide. */
	void *(*create)(const wk_tpc_config *cfg);
	void (*destroy)(void *exec);
	int (*spawn)(void *exec, int core, unsigned flags, wk_future *future);
	int (*run_until_quiescent)(void *exec, uint64_t timeout_ns);
	size_t (*live_tasks)(void *exec);
	unsigned (*core_count)(void *exec);
} wk_tpc_exec_ops;

/* The ops of a mode, or NULL for an unknown mode. */
const wk_tpc_exec_ops *wk_tpc_exec_ops_for(wk_tpc_mode mode);

#ifdef __cplusplus
}
#endif

#endif /* WK_TPC_H */
