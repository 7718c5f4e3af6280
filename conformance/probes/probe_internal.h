/*
 * probe_internal.h - the layout of probes and probe sets, shared by probe.c
 * (the future and its script), held.c (recorded waker operations) and
 * courier.c (the threads that wake from elsewhere).  Not for checks.
 */
#ifndef WKC_PROBE_INTERNAL_H
#define WKC_PROBE_INTERNAL_H

#include <pthread.h>

#include "probe.h"

#define WKC__MAX_COURIERS 8

struct wkc_probe {
	wk_future fut; /* first member: the executor sees a wk_future */
	wkc_probe_set *set;
	uint32_t id;
	const wkc_probe_spec *spec;
	bool local;   /* local task: keeps a home thread */
	bool spawned; /* driver thread only */

	/*
	 * Touched only inside poll and drop.  Plain on purpose: a correct
	 * executor orders consecutive polls of a task (and the drop after
	 * them), so ThreadSanitizer reports these fields exactly when an
	 * executor polls without that ordering.
	 */
	uint32_t phase; /* phases completed */
	wkc_held slots[WKC_PROBE_SLOTS];
	uint32_t payloads_read; /* payloads this probe has read */
	uint64_t prev_begin_seq; /* the previous poll's begin number (0 before) */
	uint32_t home; /* home thread of a local task (0 before its first poll) */
	/* This poll's asks for the thread-safe waker, and what the first one
	 * returned (a lazy context must return it again). */
	uint32_t asks;
	const wk_waker *first_ask;
	uint32_t lent; /* borrows of the context waker posted so far (WKC_CA_BORROW) */

	/* relaxed: detects a second poll entering while one runs. */
	_Atomic uint32_t in_poll;
	/* Thread running a poll of this probe, 0 outside polls.  relaxed: a
	 * thread compares it with itself, which it wrote. */
	_Atomic uint32_t poller;
	/* relaxed counters read by the driver (probe.h) */
	_Atomic uint32_t polls, polls_ended, complete, drops, last_thread;
	_Atomic uint64_t last_begin_seq, max_wake_seq;
	/* relaxed: courier jobs this probe posted / that a courier took /
	 * that were carried out. */
	_Atomic unsigned long posted, taken, done;
	/* relaxed: number of the poll about to return (end_jitter). */
	_Atomic uint32_t ending;
	uint64_t jitter_rng; /* poll only: end_jitter and RETURN_SWEEP draws */

	/* Export cell: exp is written before exp_state turns 1 (release) and
	 * never again; readers load exp_state with acquire.  1 -> 2 (dropped)
	 * is a CAS, and the drop works on a copy, so a neighbour reading the
	 * cell on another thread never races with its owner dropping it. */
	wkc_held exp;
	_Atomic uint32_t exp_state;

	/* The payload under test (WKC_CA_PAYLOAD): a plain int written by a
	 * courier before its wake and read by the poll.  sent (payloads
	 * written) is relaxed so that only the executor's wake-to-poll
	 * ordering protects payload (a poll reads it only after a wake made
	 * it due, unless the executor polls spuriously, see courier.c).  consumed (payloads read) goes the other
	 * way, poll to courier, with release/acquire: the courier's next write
	 * must come after the poll's read, and that edge does not run in the
	 * direction under test. */
	int payload;
	_Atomic uint32_t sent;
	_Atomic uint32_t consumed;

	/* Borrows of the poll's context waker the courier gave back
	 * (WKC_CA_BORROW).  The poll waits for every one before it returns:
	 * the borrowed pointer dies with the poll.  The courier's increment is
	 * a release and the poll's load an acquire, as a scoped thread's join
	 * is: the courier's use of the borrowed waker happens-before the
	 * executor reuses or frees it.  That edge runs courier -> poll, the
	 * direction of the wake under test, but only into the poll that lent
	 * the waker: the poll the courier's wake causes is ordered after it by
	 * the executor alone (WK-EXEC-014 is judged elsewhere). */
	_Atomic uint32_t returned;
};

typedef struct wkc__job {
	struct wkc__job *next;
	wkc_held h;         /* moved in; thread-safe */
	const wk_waker *borrowed; /* WKC_CA_BORROW: the poll's context waker */
	wkc_probe *task;
	uint8_t action;     /* wkc_courier_action */
	uint8_t trigger;    /* wkc_trigger */
	uint32_t delay_us;    /* DELAY: microseconds; PAYLOAD: payloads to deliver;
			       * BORROW: polls after the posting one before the
			       * clone's wake */
	uint32_t after_polls; /* AFTER_POLL/DELAY/RETURN_SWEEP: wait until polls_ended > this */
	uint32_t sweep;       /* RETURN_SWEEP: iterations to spin after the return */
	int poll_cpu;         /* POLL_END/RETURN_SWEEP: core of the posting poll, -1 unknown */
} wkc__job;

typedef struct wkc__courier {
	wkc_probe_set *set;
	pthread_t thread;
	pthread_mutex_t mu; /* guards head/tail/stop; edges run poll -> courier */
	pthread_cond_t cv;
	wkc__job *head, *tail;
	bool stop;
	bool started;
} wkc__courier;

struct wkc_probe_set {
	wkc_ctx *cx;
	wkc_trace *trace;
	double wait_factor;
	/* Fixed capacity, entries written by the driver before the probe that
	 * names them is spawned (spawn orders them for the executor).  The
	 * count is a relaxed atomic: executor threads read it (peer lookups)
	 * while the driver adds probes; only its atomicity is needed. */
	wkc_probe **probes;
	_Atomic size_t nprobes;
	size_t cap;
	wkc__courier couriers[WKC__MAX_COURIERS];
	unsigned ncouriers;
	/* relaxed counters: jobs posted / carried out; harness-held wakers. */
	_Atomic unsigned long jobs_posted, jobs_done;
	_Atomic long held_live;
	/* relaxed: stallers poll it; the release carries no data. */
	_Atomic uint32_t stall_released;
};

/* courier.c */
int wkc__couriers_start(wkc_probe_set *s, unsigned n);
void wkc__couriers_stop(wkc_probe_set *s);
void wkc__courier_post(wkc_probe_set *s, unsigned courier, wkc__job *job);
/* The core the calling thread runs on, -1 when unknown. */
int wkc__p_cpu(void);

/* held.c: a borrowed view of a context waker (never woken by value or
 * dropped) tagged with its task. */
wkc_held wkc__held_view(wkc_probe *task, const wk_waker *w);
/* Recorded operations through a borrowed pointer to a waker (the
 * context's own, WKC_CA_BORROW): the vtable is called on *w itself, not
 * on a copy. */
void wkc__held_borrowed_wake_by_ref(wkc_probe *task, const wk_waker *w, uint32_t flags);
wkc_held wkc__held_borrowed_clone(wkc_probe *task, const wk_waker *w, uint32_t flags);
wkc_held wkc__held_view_local(wkc_probe *task, const wk_local_waker *l);
/* Raise task's latest-wake mark to seq (relaxed max). */
void wkc__p_note_wake(wkc_probe *task, uint64_t seq);
/* Current thread is polling task. */
bool wkc__p_in_poll_of(const wkc_probe *task);
void wkc__p_perturb(wkc_probe_set *s);
/* The k-th payload a courier delivers to p (WKC_CA_PAYLOAD). */
int wkc__p_payload_value(const wkc_probe *p, uint32_t k);
/* Depth of waker calls on this thread (wkc_waker_call_enter). */
extern _Thread_local unsigned wkc__p_waker_depth;
/* Sleep or yield a little while waiting for something (bounded loops). */
void wkc__p_backoff(unsigned round);
double wkc__p_now_ms(void);

/* A script error in a check: the harness is wrong, not the executor. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 1, 2)))
#endif
void wkc__probe_bug(const char *fmt, ...);

#endif /* WKC_PROBE_INTERNAL_H */
