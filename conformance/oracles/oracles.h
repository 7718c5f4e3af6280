/*
 * oracles.h - pass/fail rules over a trace (probes/trace.h).
 *
 * Each oracle reads a snapshot of events sorted by sequence number and
 * counts violations of one rule, describing the first one.  Oracles know
 * nothing of executors or checks: a check maps each oracle to the
 * requirement id it proves (tests/scene.h), and the unit tests feed them
 * synthetic traces.
 *
 *   FIRST_POLL      every accepted spawn is polled at least once
 *   LOST_WAKEUP     every wake issued while the task was not complete is
 *                   followed by a poll that begins after the wake began;
 *                   judged on events before the last CHECKPOINT (the check
 *                   records it once the executor said idle or a bounded
 *                   wait ended)
 *   AFTER_READY     no poll begins after the poll that returned Ready, nor
 *                   after the future was dropped
 *   EXCLUSIVE       no poll of a task begins while another poll of it runs
 *                   (concurrent: another thread; re-entrant: same thread)
 *   AFFINITY        a local task is polled and dropped on one thread; a task
 *                   pinned to a core is polled on one thread, the same for
 *                   every task pinned to that core, and tasks pinned to two
 *                   different cores on two different threads
 *   DROP_ONCE       a future is dropped at most once, never before it
 *                   completed unless the executor is being destroyed, and
 *                   (final judgement, after destroy) exactly once; a future
 *                   whose spawn was refused is never polled nor dropped
 *   NO_LEAK         the last live-task sample taken when nothing should be
 *                   left reads 0
 *   WILL_WAKE       will_wake is never true for wakers of two tasks
 *   WAKER_PRESENT   no poll lacked the thread-safe waker a step needed
 *   NEVER_BLOCKS    no wake outlasted the bound (barrier or timed flood)
 *   ORDERING        no poll after a payload's wake read a stale payload
 *   NESTED_DROP     no future is dropped while its thread is inside a waker
 *                   function (the executor dropping futures inline in wake)
 *   SERVED_IN_RUN   in a judged run() call (RUN_BEGIN flagged JUDGE_SERVE)
 *                   that lasted to its deadline, every wake that returned
 *                   at least half the timeout before run() did got a poll
 *                   of its task before run() returned: run() never sleeps
 *                   past a wake it was given (a lost unpark on the driver)
 *   INLINE_POLL     no poll begins on a thread inside another task's poll
 *                   or inside a waker call on that thread (a wake that runs
 *                   the poll inline)
 *   LAZY_WAKER      a context's on_waker constructor has not run when a
 *                   poll begins unless an earlier poll of the task asked
 *                   for the waker, never runs in a poll that does not ask,
 *                   and gives every ask of a poll the same waker (contexts
 *                   without a constructor are not judged)
 *   SPURIOUS        polls not preceded by a wake since the previous poll
 *                   (counted for a note; never a failure)
 */
#ifndef WKC_ORACLES_H
#define WKC_ORACLES_H

#include <stdbool.h>
#include <stddef.h>

#include "trace.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wkc_oracle {
	WKC_OR_FIRST_POLL = 0,
	WKC_OR_LOST_WAKEUP,
	WKC_OR_AFTER_READY,
	WKC_OR_EXCLUSIVE,
	WKC_OR_AFFINITY,
	WKC_OR_DROP_ONCE,
	WKC_OR_NO_LEAK,
	WKC_OR_WILL_WAKE,
	WKC_OR_WAKER_PRESENT,
	WKC_OR_NEVER_BLOCKS,
	WKC_OR_ORDERING,
	WKC_OR_NESTED_DROP,
	WKC_OR_SERVED_IN_RUN,
	WKC_OR_INLINE_POLL,
	WKC_OR_LAZY_WAKER,
	WKC_OR_SPURIOUS,
	WKC_OR_COUNT
} wkc_oracle;

typedef struct wkc_finding {
	unsigned count;  /* violations (SPURIOUS: spurious polls) */
	char first[400]; /* what the first one was, "" when none */
	char last[400];  /* what the latest one was, "" when none */
} wkc_finding;

typedef struct wkc_oracle_opts {
	/* After destroy: every accepted future must have been dropped. */
	bool final;
} wkc_oracle_opts;

typedef unsigned (*wkc_oracle_fn)(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
				  wkc_finding *f);

unsigned wkc_oracle_first_poll(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_lost_wakeup(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_after_ready(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_exclusive(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_affinity(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_drop_once(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_no_leak(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_will_wake(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_waker_present(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_never_blocks(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_ordering(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_nested_drop(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_served_in_run(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_inline_poll(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
/* Wakes the served-in-run oracle could judge: they landed, at least half
 * a timeout before the end, in a judged run() that ran to its deadline. */
unsigned wkc_served_in_run_judged(const wkc_event *ev, size_t n);
unsigned wkc_oracle_lazy_waker(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);
unsigned wkc_oracle_spurious(const wkc_event *ev, size_t n, const wkc_oracle_opts *o, wkc_finding *f);

/* The oracle of index i (enum wkc_oracle) and its short name. */
wkc_oracle_fn wkc_oracle_get(wkc_oracle i);
const char *wkc_oracle_name(wkc_oracle i);

/* Run every oracle; out[i] for oracle i. */
void wkc_oracles_run_all(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			 wkc_finding out[WKC_OR_COUNT]);

#ifdef __cplusplus
}
#endif

#endif /* WKC_ORACLES_H */
