/*
 * trace.h - the per-check event trace that probes write and oracles read.
 *
 * Every poll of a probe future, every waker operation the harness performs
 * (in a probe, in its drop, on a courier or hammer thread, on the driver),
 * every spawn and the executor's destruction become one wkc_event.  Oracles
 * (oracles/oracles.h) decide pass or fail from the trace alone, so they can
 * be unit-tested on synthetic traces.
 *
 * ORDER
 *   Events are ordered by a global sequence number taken from one atomic
 *   counter.  A waker operation takes one number before it calls the vtable
 *   (seq) and one after the call returned (end); a poll takes one when it
 *   begins and one when it ends.  Comparing sequence numbers is how oracles
 *   say "after": if A happens-before B then A's number is smaller (the
 *   counter's modification order agrees with happens-before), so a correct
 *   executor whose wake happens-before the poll it causes always shows
 *   wake.seq < poll.seq.
 *
 * MEMORY ORDERING (why almost everything is relaxed)
 *   The harness must not synchronise the threads it observes.  If taking a
 *   sequence number were an acquire/release operation, a waking thread and
 *   the polling thread would synchronise through the trace itself, and an
 *   executor that forgot the release/acquire pair between wake and poll
 *   (tokio #7589, #1788) would look correct to ThreadSanitizer.  So:
 *     - the sequence counter and the slot counter are relaxed RMWs (atomic,
 *       totally ordered per counter, no happens-before edges);
 *     - an event's fields are relaxed atomic stores into a slot only its
 *       writer touches (atomic so that helgrind and DRD, which cannot see
 *       the flag's ordering cheaply, need no edge per event), published by
 *       a release store of the slot's `ready` flag;
 *       only the oracle thread loads `ready` (acquire), after the check has
 *       quiesced, so the only edges created point at the reader;
 *     - slot chunks are allocated up front for the capacity asked for; a
 *       chunk added later is installed by a CAS (acq_rel, rare, documented
 *       at the use).
 *   An event whose `ready` flag is still clear when an oracle reads (a
 *   writer still running) is skipped and counted in wkc_trace_unready.
 */
#ifndef WKC_TRACE_H
#define WKC_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wkc_ev_kind {
	WKC_EV_SPAWN = 1,    /* task given to the executor; value: spawn() result,
			      * other: core asked for, flags: WKC_EVF_LOCAL/PINNED */
	WKC_EV_POLL_BEGIN,   /* poll started; other: poll number (1-based);
			      * data/vtable: cx waker when set eagerly,
			      * ldata/lvtable: cx local waker; flags HAS_WAKER,
			      * LAZY, BUILT, OVERLAP, AFTER_READY */
	WKC_EV_POLL_END,     /* poll returned; other: poll number, value: the
			      * seq of its POLL_BEGIN; flags READY when it
			      * returned Ready, ASKED, LAZY, BUILT */
	WKC_EV_CLONE,        /* a waker of task was cloned; data/vtable: source,
			      * ldata/lvtable: what clone returned */
	WKC_EV_WAKE,         /* wake by value (consumes) */
	WKC_EV_WAKE_BY_REF,  /* wake_by_ref */
	WKC_EV_DROP_WAKER,   /* drop of a waker instance */
	WKC_EV_FUTURE_DROP,  /* the executor called the probe's drop */
	WKC_EV_WILL_WAKE,    /* will_wake(waker of task, waker of other) -> value */
	WKC_EV_LIVE_SAMPLE,  /* adapter live_tasks() -> value; flags EXPECT_ZERO
			      * when every task completed and every clone is gone */
	WKC_EV_DESTROY_BEGIN, /* adapter destroy() called */
	WKC_EV_DESTROY_END,   /* adapter destroy() returned */
	WKC_EV_CHECKPOINT,    /* the check quiesced: wakes before it are judged */
	WKC_EV_ANOMALY,       /* something the probe saw that breaks a rule
			       * directly; other: enum wkc_anomaly */
	WKC_EV_RUN_BEGIN,     /* the driver calls run(); value: its timeout in
			       * ns; flags JUDGE_SERVE when the served-in-run
			       * oracle judges this call */
	WKC_EV_RUN_END,       /* run() returned; value: its result */
	WKC_EV_KIND_MAX
} wkc_ev_kind;

/* Event flags. */
enum {
	WKC_EVF_LOCAL = 1u << 0,       /* through a local waker / local task */
	WKC_EVF_IN_POLL = 1u << 1,     /* issued inside a poll of this task */
	WKC_EVF_IN_DROP = 1u << 2,     /* issued inside a future's drop */
	WKC_EVF_READY = 1u << 3,       /* POLL_END: the poll returned Ready */
	WKC_EVF_HAS_WAKER = 1u << 4,   /* POLL_BEGIN: has_waker was true (a waker
					* set, or an on_waker constructor) */
	WKC_EVF_OVERLAP = 1u << 5,     /* POLL_BEGIN: another poll of this task
					* was still running (in-poll flag set) */
	WKC_EVF_AFTER_READY = 1u << 6, /* POLL_BEGIN: the probe had returned
					* Ready (or was dropped) before */
	WKC_EVF_PINNED = 1u << 7,      /* SPAWN: on a given core of a
					* thread-per-core executor */
	WKC_EVF_EXPECT_ZERO = 1u << 8, /* LIVE_SAMPLE: must read 0 */
	WKC_EVF_FOREIGN = 1u << 9,     /* performed off the task's poll thread
					* by a courier or hammer thread */
	WKC_EVF_BULK = 1u << 10,       /* one event standing for value operations
					* (a flood); seq..end spans them */
	WKC_EVF_JUDGE_SERVE = 1u << 11, /* RUN_BEGIN: a long run() whose wakes the
					 * served-in-run oracle judges */
	WKC_EVF_LAZY = 1u << 12,       /* POLL_BEGIN/END: the context offers an
					* on_waker constructor (extended profile) */
	WKC_EVF_BUILT = 1u << 13,      /* POLL_BEGIN/END with LAZY: the
					* constructor had run (the storage's
					* built flag) when the poll began/ended */
	WKC_EVF_ASKED = 1u << 14,      /* POLL_END: the poll asked for the
					* thread-safe waker (wk_context_waker or
					* try_waker) at least once */
};

/* WKC_EV_ANOMALY kinds (event.other). */
typedef enum wkc_anomaly {
	WKC_ANOM_DROP_AFTER_DROP = 1, /* future dropped a second time */
	WKC_ANOM_LOCAL_WRONG_THREAD,  /* local task's probe ran on a thread other
				       * than its first (poll or drop) */
	WKC_ANOM_BARRIER_TIMEOUT,     /* a wake from another thread did not
				       * complete while the poll waited for it */
	WKC_ANOM_SLOW_WAKE,           /* one wake took longer than the bound;
				       * value: nanoseconds */
	WKC_ANOM_NO_WAKER,            /* try_waker was NULL where a waker was
				       * required */
	WKC_ANOM_STALE_PAYLOAD,       /* a poll after the payload's wake read
				       * the payload's old value; value: it */
	WKC_ANOM_DROP_IN_WAKE,        /* the future was dropped while its thread
				       * was inside a waker function */
	WKC_ANOM_LAZY_AGAIN,          /* an ask for the waker of a context with an
				       * on_waker constructor returned another
				       * address than the poll's first ask (the
				       * constructor ran again); value: the ask */
} wkc_anomaly;

typedef struct wkc_event {
	uint64_t seq;       /* number taken first */
	uint64_t end;       /* number taken when the operation returned (>= seq) */
	uint32_t kind;      /* wkc_ev_kind */
	uint32_t task;      /* probe id, 1-based; 0 for none */
	uint32_t other;     /* meaning depends on kind */
	uint32_t thread;    /* wk_thread_id() of the thread that recorded it */
	uint32_t flags;     /* WKC_EVF_* */
	uint32_t pad_;
	int64_t value;      /* meaning depends on kind */
	uint64_t ns;        /* CLOCK_MONOTONIC ns when it was recorded (after
			     * the operation returned); wkc_trace_add stamps
			     * it when the writer left it 0 */
	const void *data, *vtable;   /* the waker involved (or cx waker) */
	const void *ldata, *lvtable; /* second waker (clone result, cx local waker) */
} wkc_event;

typedef struct wkc_trace wkc_trace;

/* A trace with room for at least capacity events (more chunks are added on
 * demand).  NULL when out of memory. */
wkc_trace *wkc_trace_new(size_t capacity);
void wkc_trace_free(wkc_trace *t);

/* Empty the trace for reuse, keeping its memory (a fuzz target's next
 * input): cheaper than wkc_trace_new's zeroed chunks.  Only once every
 * writer is done, like wkc_trace_free. */
void wkc_trace_reset(wkc_trace *t);

/* A fresh sequence number.  Relaxed (see above).  Any thread. */
uint64_t wkc_trace_seq(wkc_trace *t);

/* Append a copy of *ev (whose seq/end the caller set).  Any thread.  Returns
 * false when the trace is full (the event is counted as lost). */
bool wkc_trace_add(wkc_trace *t, const wkc_event *ev);

/* Shorthand: an event of kind for task taking one fresh number as seq and
 * end, recorded by the calling thread. */
void wkc_trace_mark(wkc_trace *t, uint32_t kind, uint32_t task, uint32_t other, int64_t value,
		    uint32_t flags);

/*
 * Reader side, for the oracles: a snapshot of the events recorded so far,
 * sorted by seq, in a heap array the caller frees.  Call it once writers are
 * quiet (events still being written are skipped and counted).
 */
wkc_event *wkc_trace_snapshot(wkc_trace *t, size_t *count);

/* Events skipped by the last snapshot because they were not yet published,
 * and events lost because the trace was full. */
size_t wkc_trace_unready(const wkc_trace *t);
size_t wkc_trace_lost(const wkc_trace *t);

const char *wkc_ev_kind_name(uint32_t kind);

#ifdef __cplusplus
}
#endif

#endif /* WKC_TRACE_H */
