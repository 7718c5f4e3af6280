/*
 * probe.h - probe futures: harness futures that follow a small script and
 * record every poll and every waker operation into a wkc_trace.
 *
 * A probe is a wk_future (spawn it through the adapter).  Its behaviour is
 * a list of steps, each run on a range of "phases": phase k is the k-th
 * poll that got past all its steps (a step that must wait, e.g. for a
 * peer's waker, makes the probe yield: wake itself by reference and return
 * Pending without advancing the phase).  After the steps of a phase the
 * probe returns Ready when the phase reached ready_phase or when a gate
 * counter reached its target; otherwise Pending.
 *
 *   on phase k, do X:   wake itself by ref / by value (a clone) / via a
 *                       clone woken by ref / through the local waker;
 *                       keep a clone in a slot and use it phases later;
 *                       export a clone for peers and for the check;
 *                       hand a clone to a courier thread that wakes it now
 *                       (while the poll waits at a barrier), after this
 *                       poll returned, or after a delay;
 *                       lend the context's waker itself (no clone) to a
 *                       courier for the length of the poll;
 *                       spin, stall, touch cx waker().
 *   on drop, do Y:      wake / drop the kept wakers or a peer's export,
 *                       or hand them to a courier.
 *
 * Probes belong to a wkc_probe_set, which owns their memory: the executor's
 * drop call only marks a probe dropped (and counts it), so a double drop or
 * a poll after drop is recorded instead of corrupting the heap.
 *
 * ASKING FOR THE WAKER
 *   A probe asks its context for the thread-safe waker (wk_context_waker,
 *   try_waker) only in a step that uses it: an executor whose contexts
 *   build the waker lazily (on_waker) is then seen as it is, never changed
 *   by being tested.  Each poll records whether the context offers a
 *   constructor, whether it had run when the poll began and ended, and
 *   whether the poll asked (trace.h: LAZY, BUILT, ASKED).
 *
 * THREADS
 *   A probe's poll and drop run on whatever thread the executor uses.  The
 *   probe never uses a local waker off the thread that created it (that
 *   would be the harness's own contract violation): such a step is skipped
 *   and recorded as an anomaly.  Courier threads only ever get thread-safe
 *   wakers.
 *
 * MEMORY ORDERING
 *   The counters a driver reads while executor threads run (polls, the
 *   latest wake, completion) are relaxed atomics: the driver only needs
 *   their values, and an acquire/release pair between the waking thread and
 *   the polling thread here would hide an executor's missing ordering from
 *   ThreadSanitizer (trace.h).  The in-poll flag is a relaxed exchange:
 *   atomicity alone detects two polls at once.  Exports are published with
 *   release and read with acquire: that edge runs from the poll that made
 *   the clone to its user, which is the direction the user needs and not the
 *   wake-to-poll direction under test.
 */
#ifndef WKC_PROBE_H
#define WKC_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trace.h"
#include "wk/future.h"
#include "wkc/check.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WKC_PROBE_SLOTS 4
#define WKC_FOREVER UINT32_MAX

/* Where a step's waker comes from. */
typedef enum wkc_src {
	WKC_SRC_CX = 0,   /* the context's thread-safe waker: wk_context_waker */
	WKC_SRC_CX_LOCAL, /* the context's local waker */
	WKC_SRC_SLOT,     /* the waker kept in slot `slot` */
	WKC_SRC_PEER,     /* the export of probe `peer` (index in the set) */
} wkc_src;

typedef enum wkc_op {
	WKC_OP_WAKE_BY_REF = 1,  /* wake_by_ref src */
	WKC_OP_WAKE,             /* wake by value: a slot is consumed, other
				  * sources are cloned and the clone woken */
	WKC_OP_CLONE_BY_REF,     /* clone src, wake_by_ref the clone, drop it */
	WKC_OP_KEEP,             /* clone src into slot (dropping what it held) */
	WKC_OP_DROP,             /* drop the waker in slot */
	WKC_OP_EXPORT,           /* clone src into the export cell (once) */
	WKC_OP_HANDOFF,          /* clone src (thread-safe) and post it to a
				  * courier: action, trigger, arg (delay us);
				  * WKC_CA_BORROW lends src itself instead */
	WKC_OP_AWAIT_HANDOFFS,   /* block (bounded) until every handoff posted so
				  * far was carried out: a barrier with the
				  * courier while this poll runs */
	WKC_OP_SPIN,             /* busy-wait arg microseconds */
	WKC_OP_STALL,            /* block (bounded) until the set's stall is
				  * released: keeps an executor thread busy */
	WKC_OP_TOUCH_WAKER,      /* call wk_context_waker(cx) and record what it
				  * returned (aborts on a local-only context) */
	WKC_OP_READ_PAYLOAD,     /* if a courier delivered a payload (see
				  * WKC_CA_PAYLOAD), read it with a plain load */
	WKC_OP_AWAIT_TAKEN,      /* block (bounded) until the couriers took every
				  * job posted so far (they are now waiting for
				  * their trigger, e.g. WKC_TRIG_POLL_END) */
	WKC_OP_CHURN,            /* clone src and drop the clone, count times,
				  * unrecorded (one CLONE event sums them up):
				  * pressure on the waker's reference count */
} wkc_op;

/* What a courier does with the waker it was handed. */
typedef enum wkc_courier_action {
	WKC_CA_WAKE = 0,     /* wake by value */
	WKC_CA_BY_REF_DROP,  /* wake_by_ref, then drop */
	WKC_CA_CLONE_WAKE,   /* clone, wake the clone by value, drop the original */
	WKC_CA_DROP,         /* drop without waking */
	WKC_CA_PAYLOAD,      /* arg times (at least once), each time once the
			      * probe read the previous one and its poll
			      * returned (the task is idle; the probe must have
			      * no other waker): plain-store a payload into the
			      * probe, count it as sent (relaxed), wake_by_ref;
			      * then drop the waker.  The poll that reads the
			      * payload must
			      * happen-after a wake (WK-EXEC-014) */
	WKC_CA_BORROW,       /* the courier gets no clone but the poll's own
			      * context waker, by pointer (WKC_SRC_CX and
			      * WKC_TRIG_NOW only): while the posting poll
			      * runs it wakes that borrowed waker by reference
			      * and clones it, then gives the borrow back (the
			      * poll does not return before); once arg more
			      * polls of the task returned after the posting
			      * one, it wakes the clone by value.  The job
			      * counts as carried out only then: do not await
			      * it with WKC_OP_AWAIT_HANDOFFS */
} wkc_courier_action;

/* When the courier acts. */
typedef enum wkc_trigger {
	WKC_TRIG_NOW = 0,     /* at once (typically while the poll still runs) */
	WKC_TRIG_AFTER_POLL,  /* once the poll that posted it has returned */
	WKC_TRIG_DELAY,       /* arg microseconds after that poll returned */
	WKC_TRIG_POLL_END,    /* spin until the posting poll is about to return
			       * (see wkc_probe_spec.end_jitter), then act at
			       * once: the wake lands around the executor's
			       * end-of-poll state change (compio #948) */
	WKC_TRIG_RETURN_SWEEP, /* spin until the posting poll has returned,
			       * then spin a pseudo-random 0..arg-1
			       * iterations (drawn by the poll, log-uniform so
			       * that nanoseconds and microseconds get equal
			       * weight) and act: the wake lands anywhere in
			       * what the executor does after a poll - record
			       * the task idle, look at its queues a last
			       * time, go to sleep (tokio #1768).  Post it with
			       * WKC_OP_AWAIT_TAKEN after it, so that the
			       * courier spins before the poll returns.  For
			       * this trigger and POLL_END the courier first
			       * leaves the posting poll's core (courier.c). */
} wkc_trigger;

typedef struct wkc_step {
	uint32_t first, last; /* phases it runs on; last 0 = first only */
	uint8_t op;           /* wkc_op */
	uint8_t src;          /* wkc_src */
	uint8_t slot;         /* slot for WKC_SRC_SLOT, KEEP, DROP */
	uint8_t action;       /* HANDOFF: wkc_courier_action */
	uint8_t trigger;      /* HANDOFF: wkc_trigger */
	uint8_t courier;      /* HANDOFF: courier index (modulo the pool size) */
	uint16_t peer;        /* WKC_SRC_PEER: index of the probe in the set */
	uint32_t count;       /* repeat the op this many times (0 = once) */
	uint32_t arg;         /* SPIN / DELAY: microseconds; RETURN_SWEEP:
			       * bound of the spin after the return */
} wkc_step;

/*
 * GATES: a probe with a gate returns Ready from the first poll that reads
 * *gate >= gate_target.  The load is an acquire: whoever opens the gate
 * with a release store (or RMW) hands everything it did before to the
 * task's last poll and drop (a check that read the task's export before
 * opening the gate must not race with the drop that releases it).  That
 * edge runs from the check to the task; a check that tests the executor's
 * own wake-to-poll ordering (WK-EXEC-014) therefore uses no gate.
 */
typedef struct wkc_probe_spec {
	uint32_t ready_phase;           /* Ready at this phase; 0 = never by phase */
	const _Atomic uint32_t *gate;   /* Ready once *gate >= gate_target */
	uint32_t gate_target;
	const wkc_step *steps;
	size_t nsteps;
	const wkc_step *drop_steps;     /* run inside the future's drop */
	size_t ndrop_steps;
	uint32_t payload_rounds;        /* Ready once this many payloads were
					 * read (WKC_OP_READ_PAYLOAD); 0: no */
	/* Before returning, announce the end of the poll to couriers waiting
	 * with WKC_TRIG_POLL_END, then spin a pseudo-random 0..end_jitter-1
	 * iterations, so that their wakes land at varying points just before
	 * and just after the poll returns.  0: no announcement. */
	uint32_t end_jitter;
} wkc_probe_spec;

typedef struct wkc_probe wkc_probe;
typedef struct wkc_probe_set wkc_probe_set;

/* ---- a waker held by harness code -------------------------------------- */

/*
 * A thread-safe or local waker value owned by harness code, tagged with the
 * probe (task) it wakes, so that every operation on it is recorded.
 */
typedef struct wkc_held {
	union {
		wk_waker w;
		wk_local_waker l;
	} u;
	wkc_probe *task; /* NULL: empty */
	uint32_t owner;  /* local: the thread that made it; 0 for thread-safe */
	bool local;
} wkc_held;

/* Operations on held wakers: each records an event and applies schedule
 * pressure before the vtable call.  flags: extra WKC_EVF_* bits. */
wkc_held wkc_held_clone(const wkc_held *h, uint32_t flags);
void wkc_held_wake(wkc_held *h, uint32_t flags);        /* consumes */
void wkc_held_wake_by_ref(const wkc_held *h, uint32_t flags);
void wkc_held_drop(wkc_held *h, uint32_t flags);        /* consumes; empty ok */
/* Every operation once on a waker another holder keeps (the "churn" of a
 * foreign thread): clone, wake the clone by reference, clone it again,
 * wake the first clone by value, drop the second, wake h by reference.
 * Leaves h and the count as they were. */
void wkc_held_churn(const wkc_held *h, uint32_t flags);
/* Record wakes of task's wakers that harness code made without recording
 * each one (a flood): one WAKE_BY_REF event flagged BULK spanning
 * seq..end, value = count.  Owes the task a poll like any wake. */
void wkc_held_note_bulk(wkc_probe *task, uint64_t seq, uint64_t end, uint64_t count,
			uint32_t flags);
/*
 * Harness code that calls waker functions directly (floods, hammers)
 * brackets the calls with these, as the recorded operations above do: a
 * future dropped while the calling thread is inside a waker function is
 * an executor dropping futures inline in wake (tokio #1972), recorded as
 * an anomaly.  Thread-local; nest freely.
 */
void wkc_waker_call_enter(void);
void wkc_waker_call_leave(void);
/* will_wake of a's and b's wakers, recorded as a WILL_WAKE event. */
bool wkc_held_will_wake(const wkc_held *a, const wkc_held *b);
/* True when h may be used on the calling thread. */
bool wkc_held_usable_here(const wkc_held *h);

/* ---- sets --------------------------------------------------------------- */

typedef struct wkc_probe_set_opts {
	wkc_ctx *cx;          /* for schedule pressure; may be NULL */
	wkc_trace *trace;     /* required */
	unsigned couriers;    /* courier threads to start (0: none) */
	double wait_factor;   /* >= 1: scales the bounded waits */
} wkc_probe_set_opts;

/* NULL when out of memory or when courier threads cannot start. */
wkc_probe_set *wkc_probe_set_new(const wkc_probe_set_opts *o);

/* Stop the couriers (after they carried out every job) and free every
 * probe.  Call after the executor was destroyed and every thread that may
 * touch a probe has finished.  Exports still held are dropped first. */
void wkc_probe_set_free(wkc_probe_set *s);

/* A new probe (id = index + 1).  spec and what it points at must outlive
 * the probe.  Aborts the process on out of memory. */
wkc_probe *wkc_probe_new(wkc_probe_set *s, const wkc_probe_spec *spec);

size_t wkc_probe_count(const wkc_probe_set *s);
wkc_probe *wkc_probe_at(wkc_probe_set *s, size_t index);
wkc_trace *wkc_probe_set_trace(wkc_probe_set *s);

/* Release every staller (WKC_OP_STALL). */
void wkc_probe_set_release_stall(wkc_probe_set *s);

/* Wait (bounded by the set's wait factor) until every courier job was
 * carried out; false on timeout. */
bool wkc_probe_set_couriers_idle(wkc_probe_set *s, uint32_t wait_ms);
/* Courier jobs posted and not yet carried out (relaxed snapshot). */
unsigned long wkc_probe_set_jobs_pending(wkc_probe_set *s);

/* Live waker values held by harness code (clones minus wakes and drops):
 * 0 once the harness released everything it made. */
long wkc_probe_set_held_live(wkc_probe_set *s);

/* ---- one probe ------------------------------------------------------------ */

wk_future *wkc_probe_future(wkc_probe *p);
uint32_t wkc_probe_id(const wkc_probe *p);

/* Mark the probe as a local task (WKC_SPAWN_LOCAL) or a task pinned to a
 * core: it then keeps a home thread.  Called by the spawner, before spawn. */
void wkc_probe_set_local(wkc_probe *p, bool local);

/* The executor accepted the probe (spawn returned 0); seq is the number
 * taken before the spawn call.  The task is owed a first poll from then
 * on (wkc_probe_outstanding).  Driver thread only. */
void wkc_probe_mark_spawned(wkc_probe *p, uint64_t seq);
bool wkc_probe_spawned(const wkc_probe *p);

/* Relaxed snapshots for a driver (any thread). */
bool wkc_probe_complete(const wkc_probe *p);   /* returned Ready */
uint32_t wkc_probe_polls(const wkc_probe *p);  /* polls begun */
uint32_t wkc_probe_polls_ended(const wkc_probe *p); /* polls returned */
uint32_t wkc_probe_drops(const wkc_probe *p);  /* drop calls */
/* A wake was issued after the latest poll began and the task is not
 * complete: the executor owes it a poll. */
bool wkc_probe_outstanding(const wkc_probe *p);
/* The probe's completion flag (1 once it returned Ready), usable as
 * another probe's gate (wkc_probe_spec.gate, target 1). */
const _Atomic uint32_t *wkc_probe_complete_flag(const wkc_probe *p);
/* The thread of the latest poll (0 before the first). */
uint32_t wkc_probe_poll_thread(const wkc_probe *p);

/*
 * The export cell: a waker (thread-safe or local) the probe cloned with
 * WKC_OP_EXPORT.  NULL until published.  Borrowed: use it by reference or
 * clone it; a local one only on its owner thread (wkc_held_usable_here).
 */
const wkc_held *wkc_probe_export(wkc_probe *p);
/* Drop the export now (thread-safe exports: any thread; local: owner). */
void wkc_probe_drop_export(wkc_probe *p);

#ifdef __cplusplus
}
#endif

#endif /* WKC_PROBE_H */
