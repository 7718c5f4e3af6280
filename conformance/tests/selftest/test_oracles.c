/*
 * test_oracles.c - the oracles on synthetic traces (each rule must flag a
 * trace that breaks it and pass one that keeps it), the trace under
 * concurrent writers, and a probe driven by hand.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "oracles.h"
#include "probe.h"
#include "trace.h"
#include "wk/context.h"

/* The probes apply schedule pressure through the runner; none here. */
void wkc_perturb(wkc_ctx *cx);
void wkc_perturb(wkc_ctx *cx)
{
	(void)cx;
}

/* Nor a watchdog counting polls. */
void wkc_progress(wkc_ctx *cx);
void wkc_progress(wkc_ctx *cx)
{
	(void)cx;
}

void wkc_progress_end(wkc_ctx *cx);
void wkc_progress_end(wkc_ctx *cx)
{
	(void)cx;
}

/* ---- a synthetic trace ---------------------------------------------------------------------- */

static wkc_event evs[512];
static size_t nev;
static uint64_t next_seq;

static int setup(void **state)
{
	(void)state;
	nev = 0;
	next_seq = 1;
	return 0;
}

static wkc_event *add(uint32_t kind, uint32_t task)
{
	wkc_event *e = &evs[nev++];
	memset(e, 0, sizeof *e);
	e->seq = e->end = next_seq++;
	e->kind = kind;
	e->task = task;
	e->thread = 1;
	return e;
}

static void spawn(uint32_t task, int64_t result, uint32_t flags, uint32_t core)
{
	wkc_event *e = add(WKC_EV_SPAWN, task);
	e->value = result;
	e->flags = flags;
	e->other = core;
}

static uint64_t begin(uint32_t task, uint32_t thread)
{
	wkc_event *e = add(WKC_EV_POLL_BEGIN, task);
	e->thread = thread;
	return e->seq;
}

static void end(uint32_t task, uint64_t began, bool ready, uint32_t thread)
{
	wkc_event *e = add(WKC_EV_POLL_END, task);
	e->value = (int64_t)began;
	e->flags = ready ? WKC_EVF_READY : 0;
	e->thread = thread;
}

static void poll_once(uint32_t task, bool ready)
{
	end(task, begin(task, 1), ready, 1);
}

static void wake(uint32_t task, uint32_t flags)
{
	add(WKC_EV_WAKE_BY_REF, task)->flags = flags;
}

static unsigned run(wkc_oracle which, bool final, wkc_finding *f)
{
	wkc_oracle_opts o = {final};
	return wkc_oracle_get(which)(evs, nev, &o, f);
}

/* ---- LOST_WAKEUP / FIRST_POLL ---------------------------------------------------------------- */

static void lost_wake_after_pending_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	poll_once(1, false);
	wake(1, WKC_EVF_FOREIGN);
	add(WKC_EV_CHECKPOINT, 0);
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 1);
	assert_non_null(strstr(f.first, "task 1"));
	assert_non_null(strstr(f.first, "from another thread"));
}

static void wake_followed_by_poll_passes(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	poll_once(1, false);
	wake(1, 0);
	poll_once(1, false); /* pending again, but the wake got its poll */
	add(WKC_EV_CHECKPOINT, 0);
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 0);
	assert_string_equal(f.first, "");
}

static void wake_during_poll_needs_another_poll(void **state)
{
	wkc_finding f;
	uint64_t b;
	(void)state;
	spawn(1, 0, 0, 0);
	b = begin(1, 1);
	wake(1, WKC_EVF_IN_POLL);
	end(1, b, false, 1);
	add(WKC_EV_CHECKPOINT, 0);
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 1);
	assert_non_null(strstr(f.first, "inside its own poll"));
}

static void wake_during_final_poll_is_fine(void **state)
{
	wkc_finding f;
	uint64_t b;
	(void)state;
	spawn(1, 0, 0, 0);
	b = begin(1, 1);
	wake(1, WKC_EVF_IN_POLL);
	end(1, b, true, 1);
	wake(1, 0); /* after completion: nothing owed */
	add(WKC_EV_CHECKPOINT, 0);
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 0);
}

static void wakes_after_checkpoint_or_drop_are_not_judged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	spawn(2, 0, 0, 0);
	poll_once(1, false);
	poll_once(2, false);
	add(WKC_EV_CHECKPOINT, 0);
	wake(1, 0); /* after the checkpoint */
	add(WKC_EV_DESTROY_BEGIN, 0);
	add(WKC_EV_FUTURE_DROP, 2);
	wake(2, WKC_EVF_IN_DROP); /* after its drop */
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 0);
}

static void spawned_but_never_polled_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	spawn(2, -1, 0, 0); /* refused: owes nothing */
	spawn(3, 0, 0, 0);
	poll_once(3, true);
	add(WKC_EV_CHECKPOINT, 0);
	assert_int_equal(run(WKC_OR_FIRST_POLL, false, &f), 1);
	assert_non_null(strstr(f.first, "task 1"));
}

/* ---- AFTER_READY / EXCLUSIVE ------------------------------------------------------------------ */

static void poll_after_ready_or_drop_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	poll_once(1, true);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_AFTER_READY, false, &f), 1);
	assert_non_null(strstr(f.first, "Ready"));
	setup(NULL);
	spawn(1, 0, 0, 0);
	poll_once(1, false);
	add(WKC_EV_FUTURE_DROP, 1);
	poll_once(1, false);
	assert_int_equal(run(WKC_OR_AFTER_READY, false, &f), 1);
	assert_non_null(strstr(f.first, "dropped"));
	setup(NULL);
	spawn(1, 0, 0, 0);
	poll_once(1, false);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_AFTER_READY, false, &f), 0);
}

static void overlapping_polls_are_flagged(void **state)
{
	wkc_finding f;
	uint64_t b1, b2;
	(void)state;
	spawn(1, 0, 0, 0);
	b1 = begin(1, 1);
	b2 = begin(1, 2);
	end(1, b2, false, 2);
	end(1, b1, false, 1);
	assert_int_equal(run(WKC_OR_EXCLUSIVE, false, &f), 1);
	assert_non_null(strstr(f.first, "concurrent"));
	setup(NULL);
	spawn(1, 0, 0, 0);
	b1 = begin(1, 1);
	b2 = begin(1, 1);
	end(1, b2, false, 1);
	end(1, b1, false, 1);
	assert_int_equal(run(WKC_OR_EXCLUSIVE, false, &f), 1);
	assert_non_null(strstr(f.first, "re-entrant"));
	setup(NULL);
	spawn(1, 0, 0, 0);
	b1 = begin(1, 1);
	evs[nev - 1].flags |= WKC_EVF_OVERLAP;
	end(1, b1, false, 1);
	assert_int_equal(run(WKC_OR_EXCLUSIVE, false, &f), 1);
	setup(NULL);
	spawn(1, 0, 0, 0);
	spawn(2, 0, 0, 0);
	b1 = begin(1, 1);
	b2 = begin(2, 2); /* another task at the same time: fine */
	end(1, b1, false, 1);
	end(2, b2, false, 2);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_EXCLUSIVE, false, &f), 0);
}

/* ---- AFFINITY ----------------------------------------------------------------------------------- */

static void local_task_on_two_threads_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, WKC_EVF_LOCAL, (uint32_t)-1);
	end(1, begin(1, 1), false, 1);
	end(1, begin(1, 2), true, 2);
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 1);
	assert_non_null(strstr(f.first, "local"));
	setup(NULL);
	spawn(1, 0, 0, (uint32_t)-1); /* not local: may move */
	end(1, begin(1, 1), false, 1);
	end(1, begin(1, 2), true, 2);
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 0);
	setup(NULL);
	spawn(1, 0, WKC_EVF_LOCAL, (uint32_t)-1);
	end(1, begin(1, 1), true, 1);
	add(WKC_EV_FUTURE_DROP, 1)->thread = 3; /* dropped elsewhere */
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 1);
	assert_non_null(strstr(f.first, "dropped"));
}

static void pinned_tasks_follow_their_core(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, WKC_EVF_PINNED, 0);
	spawn(2, 0, WKC_EVF_PINNED, 0);
	spawn(3, 0, WKC_EVF_PINNED, 1);
	end(1, begin(1, 5), true, 5);
	end(3, begin(3, 6), true, 6);
	end(2, begin(2, 7), true, 7); /* core 0 ran on thread 5 before */
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 1);
	assert_non_null(strstr(f.first, "core 0"));
	setup(NULL);
	spawn(1, 0, 0, 0);
	add(WKC_EV_ANOMALY, 1)->other = WKC_ANOM_LOCAL_WRONG_THREAD;
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 1);
}

static void two_cores_on_one_thread_are_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	/* Every task "pinned" to cores 0 and 1 lands on one thread: the
	 * executor ignored the core index. */
	spawn(1, 0, WKC_EVF_PINNED, 0);
	spawn(2, 0, WKC_EVF_PINNED, 1);
	spawn(3, 0, WKC_EVF_PINNED, 1);
	end(1, begin(1, 5), true, 5);
	end(2, begin(2, 5), true, 5);
	end(3, begin(3, 5), true, 5);
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 1); /* once per thread */
	assert_non_null(strstr(f.first, "two cores share one thread"));
	/* One thread per core: fine. */
	setup(NULL);
	spawn(1, 0, WKC_EVF_PINNED, 0);
	spawn(2, 0, WKC_EVF_PINNED, 1);
	end(1, begin(1, 5), true, 5);
	end(2, begin(2, 6), true, 6);
	assert_int_equal(run(WKC_OR_AFFINITY, false, &f), 0);
}

/* ---- SERVED_IN_RUN / INLINE_POLL ------------------------------------------------------------------ */

/* A judged run() call of timeout_ms that took took_ms, starting at ns t0. */
static wkc_event *run_begin(uint64_t t0, double timeout_ms)
{
	wkc_event *e = add(WKC_EV_RUN_BEGIN, 0);
	e->value = (int64_t)(timeout_ms * 1e6);
	e->flags = WKC_EVF_JUDGE_SERVE;
	e->ns = t0;
	return e;
}

static void run_end(uint64_t t)
{
	add(WKC_EV_RUN_END, 0)->ns = t;
}

static void wake_at(uint32_t task, uint64_t ns)
{
	wkc_event *e = add(WKC_EV_WAKE_BY_REF, task);
	e->flags = WKC_EVF_FOREIGN;
	e->ns = ns;
}

static void lost_unpark_in_run_is_flagged(void **state)
{
	wkc_finding f;
	const uint64_t ms = 1000000;
	(void)state;
	spawn(1, 0, 0, 0);
	run_begin(1000 * ms, 250);
	poll_once(1, false);
	wake_at(1, 1010 * ms);      /* 240 ms before the end, never polled */
	run_end(1250 * ms);
	poll_once(1, true);         /* only the next call serves it */
	assert_int_equal(run(WKC_OR_SERVED_IN_RUN, false, &f), 1);
	assert_non_null(strstr(f.first, "lost unpark"));
	assert_int_equal(wkc_served_in_run_judged(evs, nev), 1);
}

static void served_or_unjudged_runs_pass(void **state)
{
	wkc_finding f;
	const uint64_t ms = 1000000;
	(void)state;
	/* Served within the call. */
	spawn(1, 0, 0, 0);
	run_begin(1000 * ms, 250);
	poll_once(1, false);
	wake_at(1, 1010 * ms);
	poll_once(1, true);
	run_end(1250 * ms);
	assert_int_equal(run(WKC_OR_SERVED_IN_RUN, false, &f), 0);
	/* A call that returned early (IDLE) is not judged. */
	setup(NULL);
	spawn(1, 0, 0, 0);
	run_begin(1000 * ms, 250);
	poll_once(1, false);
	wake_at(1, 1001 * ms);
	run_end(1002 * ms);
	assert_int_equal(run(WKC_OR_SERVED_IN_RUN, false, &f), 0);
	assert_int_equal(wkc_served_in_run_judged(evs, nev), 0);
	/* A wake that landed near the deadline may be served by the next call. */
	setup(NULL);
	spawn(1, 0, 0, 0);
	run_begin(1000 * ms, 250);
	poll_once(1, false);
	wake_at(1, 1240 * ms);
	run_end(1250 * ms);
	assert_int_equal(run(WKC_OR_SERVED_IN_RUN, false, &f), 0);
}

static void inline_poll_is_flagged(void **state)
{
	wkc_finding f;
	uint64_t b, w;
	wkc_event *e;
	(void)state;
	/* Task 2's poll runs on thread 3 inside task 1's poll there. */
	b = begin(1, 3);
	end(2, begin(2, 3), false, 3);
	end(1, b, false, 3);
	assert_int_equal(run(WKC_OR_INLINE_POLL, false, &f), 1);
	assert_non_null(strstr(f.first, "inside a poll of task 1"));
	/* Inside a wake_by_ref on the driver's thread. */
	setup(NULL);
	w = next_seq++;
	end(1, begin(1, 1), false, 1);
	e = add(WKC_EV_WAKE_BY_REF, 1);
	e->seq = w;
	assert_int_equal(run(WKC_OR_INLINE_POLL, false, &f), 1);
	assert_non_null(strstr(f.first, "wake_by_ref"));
	/* The same polls on two threads, one after the other: fine. */
	setup(NULL);
	b = begin(1, 3);
	end(2, begin(2, 4), false, 4);
	end(1, b, false, 3);
	wake(1, 0);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_INLINE_POLL, false, &f), 0);
}

/* ---- DROP_ONCE / NO_LEAK ------------------------------------------------------------------------ */

static void drops_are_counted(void **state)
{
	wkc_finding f;
	(void)state;
	/* twice */
	spawn(1, 0, 0, 0);
	poll_once(1, true);
	add(WKC_EV_FUTURE_DROP, 1);
	add(WKC_EV_FUTURE_DROP, 1);
	assert_int_equal(run(WKC_OR_DROP_ONCE, false, &f), 1);
	assert_non_null(strstr(f.first, "2 times"));
	/* never, judged only finally */
	setup(NULL);
	spawn(1, 0, 0, 0);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_DROP_ONCE, false, &f), 0);
	assert_int_equal(run(WKC_OR_DROP_ONCE, true, &f), 1);
	assert_non_null(strstr(f.first, "never dropped"));
	/* unfinished: before destroy is wrong, during destroy is right */
	setup(NULL);
	spawn(1, 0, 0, 0);
	spawn(2, 0, 0, 0);
	poll_once(1, false);
	poll_once(2, false);
	add(WKC_EV_FUTURE_DROP, 1);
	add(WKC_EV_DESTROY_BEGIN, 0);
	add(WKC_EV_FUTURE_DROP, 2);
	assert_int_equal(run(WKC_OR_DROP_ONCE, true, &f), 1);
	assert_non_null(strstr(f.first, "task 1"));
	/* refused: never touched; refused then accepted on retry: normal */
	setup(NULL);
	spawn(1, -1, 0, 0);
	poll_once(1, false);
	spawn(2, -1, 0, 0);
	spawn(2, 0, 0, 0);
	poll_once(2, true);
	add(WKC_EV_FUTURE_DROP, 2);
	assert_int_equal(run(WKC_OR_DROP_ONCE, true, &f), 1);
	assert_non_null(strstr(f.first, "refused"));
}

static void live_sample_must_be_zero(void **state)
{
	wkc_finding f;
	wkc_event *e;
	(void)state;
	add(WKC_EV_LIVE_SAMPLE, 0)->value = 3; /* not an expect-zero sample */
	e = add(WKC_EV_LIVE_SAMPLE, 0);
	e->flags = WKC_EVF_EXPECT_ZERO;
	e->value = 0;
	assert_int_equal(run(WKC_OR_NO_LEAK, false, &f), 0);
	e = add(WKC_EV_LIVE_SAMPLE, 0);
	e->flags = WKC_EVF_EXPECT_ZERO;
	e->value = 2;
	assert_int_equal(run(WKC_OR_NO_LEAK, false, &f), 1);
	assert_non_null(strstr(f.first, "= 2"));
}

/* ---- WILL_WAKE / SPURIOUS / anomalies ------------------------------------------------------------ */

static void will_wake_across_tasks_is_flagged(void **state)
{
	wkc_finding f;
	wkc_event *e;
	(void)state;
	e = add(WKC_EV_WILL_WAKE, 1);
	e->other = 1;
	e->value = 1; /* same task: fine */
	e = add(WKC_EV_WILL_WAKE, 1);
	e->other = 2;
	e->value = 0;
	assert_int_equal(run(WKC_OR_WILL_WAKE, false, &f), 0);
	e = add(WKC_EV_WILL_WAKE, 2);
	e->other = 3;
	e->value = 1;
	assert_int_equal(run(WKC_OR_WILL_WAKE, false, &f), 1);
	assert_non_null(strstr(f.first, "task 2"));
}

static void spurious_polls_are_counted(void **state)
{
	wkc_finding f;
	wkc_event *e;
	(void)state;
	spawn(1, 0, 0, 0);
	poll_once(1, false);
	wake(1, 0);
	poll_once(1, false); /* woken: not spurious */
	poll_once(1, false); /* no wake: spurious */
	e = add(WKC_EV_WAKE_BY_REF, 1);
	e->flags = WKC_EVF_BULK;
	e->end = next_seq + 10; /* a flood covering the next polls */
	poll_once(1, false);
	poll_once(1, true);
	assert_int_equal(run(WKC_OR_SPURIOUS, false, &f), 1);
}

static void anomalies_feed_their_oracles(void **state)
{
	wkc_finding f;
	(void)state;
	add(WKC_EV_ANOMALY, 1)->other = WKC_ANOM_BARRIER_TIMEOUT;
	add(WKC_EV_ANOMALY, 1)->other = WKC_ANOM_SLOW_WAKE;
	add(WKC_EV_ANOMALY, 2)->other = WKC_ANOM_STALE_PAYLOAD;
	add(WKC_EV_ANOMALY, 3)->other = WKC_ANOM_NO_WAKER;
	assert_int_equal(run(WKC_OR_NEVER_BLOCKS, false, &f), 2);
	assert_int_equal(run(WKC_OR_ORDERING, false, &f), 1);
	assert_int_equal(run(WKC_OR_WAKER_PRESENT, false, &f), 1);
	assert_int_equal(run(WKC_OR_LOST_WAKEUP, false, &f), 0);
}

/* ---- LAZY_WAKER ----------------------------------------------------------------------------------- */

static void lazy_poll(uint32_t task, uint32_t begin_flags, uint32_t end_flags)
{
	uint64_t b = begin(task, 1);
	wkc_event *e;
	evs[nev - 1].flags = begin_flags;
	end(task, b, false, 1);
	e = &evs[nev - 1];
	e->flags |= end_flags;
}

static void lazy_built_ahead_of_the_poll_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	/* Built when the first poll began: no poll had asked. */
	lazy_poll(1, WKC_EVF_LAZY | WKC_EVF_BUILT, WKC_EVF_LAZY | WKC_EVF_BUILT);
	assert_int_equal(run(WKC_OR_LAZY_WAKER, false, &f), 1);
	assert_non_null(strstr(f.first, "ahead of the poll"));
}

static void lazy_built_in_a_poll_that_did_not_ask_is_flagged(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	lazy_poll(1, WKC_EVF_LAZY, WKC_EVF_LAZY | WKC_EVF_BUILT);
	add(WKC_EV_ANOMALY, 1)->other = WKC_ANOM_LAZY_AGAIN;
	assert_int_equal(run(WKC_OR_LAZY_WAKER, false, &f), 2);
	assert_non_null(strstr(f.first, "never asked"));
	assert_non_null(strstr(f.last, "ran twice in one poll"));
}

static void lazy_on_demand_and_kept_storage_pass(void **state)
{
	wkc_finding f;
	(void)state;
	spawn(1, 0, 0, 0);
	lazy_poll(1, WKC_EVF_LAZY, WKC_EVF_LAZY);
	lazy_poll(1, WKC_EVF_LAZY, WKC_EVF_LAZY | WKC_EVF_BUILT | WKC_EVF_ASKED);
	/* The same storage kept for the next polls: built by a poll that asked. */
	lazy_poll(1, WKC_EVF_LAZY | WKC_EVF_BUILT, WKC_EVF_LAZY | WKC_EVF_BUILT);
	/* An eager context is not judged, whatever its flags say of BUILT. */
	spawn(2, 0, 0, 0);
	lazy_poll(2, WKC_EVF_HAS_WAKER | WKC_EVF_BUILT, WKC_EVF_BUILT);
	assert_int_equal(run(WKC_OR_LAZY_WAKER, false, &f), 0);
}

/* ---- the trace under concurrent writers ---------------------------------------------------------- */

enum { WRITERS = 4, PER_WRITER = 20000 };

static void *writer(void *arg)
{
	wkc_trace *t = arg;
	for (int i = 0; i < PER_WRITER; i++)
		wkc_trace_mark(t, WKC_EV_WAKE_BY_REF, 1, 0, i, 0);
	return NULL;
}

static void trace_takes_concurrent_writers(void **state)
{
	/* Small capacity: most chunks are added while the writers run. */
	wkc_trace *t = wkc_trace_new(1000);
	pthread_t th[WRITERS];
	wkc_event *ev;
	size_t n;
	(void)state;
	assert_non_null(t);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, t), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	ev = wkc_trace_snapshot(t, &n);
	assert_non_null(ev);
	assert_int_equal(n, WRITERS * PER_WRITER);
	assert_int_equal(wkc_trace_lost(t), 0);
	assert_int_equal(wkc_trace_unready(t), 0);
	for (size_t i = 1; i < n; i++)
		assert_true(ev[i - 1].seq < ev[i].seq);
	free(ev);
	wkc_trace_free(t);
}

/* ---- a probe driven by hand ------------------------------------------------------------------------- */

typedef struct counts {
	int refs, clones, wakes, by_ref, drops;
} counts;
static counts cnt;

static wk_raw_waker c_clone(const void *d);
static void c_wake(const void *d)
{
	(void)d;
	cnt.wakes++;
	cnt.refs--;
}
static void c_by_ref(const void *d)
{
	(void)d;
	cnt.by_ref++;
}
static void c_drop(const void *d)
{
	(void)d;
	cnt.drops++;
	cnt.refs--;
}
static const wk_raw_waker_vtable counting = {c_clone, c_wake, c_by_ref, c_drop};
static wk_raw_waker c_clone(const void *d)
{
	wk_raw_waker r = {d, &counting};
	cnt.clones++;
	cnt.refs++;
	return r;
}

static void probe_follows_its_script(void **state)
{
	static const wkc_step steps[] = {
		{.first = 1, .op = WKC_OP_WAKE_BY_REF, .src = WKC_SRC_CX_LOCAL},
		{.first = 1, .op = WKC_OP_EXPORT, .src = WKC_SRC_CX},
		{.first = 2, .last = 3, .op = WKC_OP_KEEP, .src = WKC_SRC_CX, .slot = 0},
	};
	static const wkc_step drops[] = {{.op = WKC_OP_WAKE, .src = WKC_SRC_SLOT, .slot = 0}};
	static const wkc_probe_spec spec = {.ready_phase = 3, .steps = steps, .nsteps = 3,
					    .drop_steps = drops, .ndrop_steps = 1};
	static int task_data;
	wkc_trace *t = wkc_trace_new(256);
	wkc_probe_set_opts o = {.trace = t};
	wkc_probe_set *set = wkc_probe_set_new(&o);
	wkc_probe *p = wkc_probe_new(set, &spec);
	wk_future *fut = wkc_probe_future(p);
	wk_waker w = wk_waker_new(&task_data, &counting);
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	wkc_event *ev;
	size_t n;
	wkc_finding f;
	wkc_oracle_opts final = {true};
	(void)state;
	memset(&cnt, 0, sizeof cnt);

	assert_int_equal(fut->vtable->poll(fut, &cx, &out), WK_PENDING);
	assert_int_equal(cnt.by_ref, 1);
	assert_non_null(wkc_probe_export(p));
	assert_int_equal(cnt.refs, 1); /* the export */
	assert_true(wkc_probe_outstanding(p)); /* woke itself during the poll */
	assert_int_equal(fut->vtable->poll(fut, &cx, &out), WK_PENDING);
	assert_int_equal(cnt.refs, 2); /* + slot 0 */
	assert_int_equal(fut->vtable->poll(fut, &cx, &out), WK_READY);
	assert_ptr_equal(out, p);
	assert_int_equal(cnt.refs, 2); /* slot 0 replaced: one clone, one drop */
	assert_true(wkc_probe_complete(p));
	/* A buggy executor polls again and drops twice: recorded, harmless. */
	assert_int_equal(fut->vtable->poll(fut, &cx, &out), WK_READY);
	fut->vtable->drop(fut);
	assert_int_equal(cnt.wakes, 1); /* the drop step woke slot 0 by value */
	fut->vtable->drop(fut);
	assert_int_equal(wkc_probe_drops(p), 2);
	wkc_probe_drop_export(p);
	assert_int_equal(cnt.refs, 0);
	assert_int_equal(wkc_probe_set_held_live(set), 0);

	ev = wkc_trace_snapshot(t, &n);
	assert_int_equal(wkc_oracle_after_ready(ev, n, &final, &f), 1);
	assert_int_equal(wkc_oracle_drop_once(ev, n, &final, &f), 1);
	assert_int_equal(wkc_oracle_exclusive(ev, n, &final, &f), 0);
	free(ev);
	wkc_probe_set_free(set);
	wkc_trace_free(t);
}

/* An on_waker constructor that counts its runs and hands out a counting waker. */
static int ctor_runs;
static wk_waker counting_ctor(const wk_local_waker *local, void *arg)
{
	wk_raw_waker r = {arg, &counting};
	(void)local;
	ctor_runs++;
	cnt.refs++;
	return wk_waker_from_raw(r);
}

/*
 * A probe asks for the thread-safe waker only in a step that uses it, so
 * a lazy context stays unbuilt in the polls that do not; an executor that
 * builds it before the poll is flagged.
 */
static void probe_leaves_a_lazy_waker_unbuilt(void **state)
{
	static const wkc_step steps[] = {
		{.first = 1, .op = WKC_OP_WAKE_BY_REF, .src = WKC_SRC_CX_LOCAL},
		{.first = 2, .op = WKC_OP_WAKE_BY_REF, .src = WKC_SRC_CX},
		{.first = 2, .op = WKC_OP_CLONE_BY_REF, .src = WKC_SRC_CX},
	};
	static const wkc_probe_spec spec = {.ready_phase = 3, .steps = steps, .nsteps = 3};
	static int task_data;
	wkc_trace *t = wkc_trace_new(256);
	wkc_probe_set_opts o = {.trace = t};
	wkc_probe_set *set = wkc_probe_set_new(&o);
	wkc_probe *p = wkc_probe_new(set, &spec), *q = wkc_probe_new(set, &spec);
	wk_local_waker local = wk_local_waker_new(&task_data, &counting);
	void *out = NULL;
	wkc_event *ev;
	size_t n;
	wkc_finding f;
	wkc_oracle_opts early = {false};
	(void)state;
	memset(&cnt, 0, sizeof cnt);
	ctor_runs = 0;
	for (int poll = 1; poll <= 3; poll++) {
		wk_lazy_waker lazy;
		wk_context_builder b = wk_context_builder_from_local_waker(&local);
		wk_context cx;
		wk_context_builder_on_waker(&b, &lazy, counting_ctor, &task_data);
		cx = wk_context_builder_build(&b);
		assert_int_equal(wkc_probe_future(p)->vtable->poll(wkc_probe_future(p), &cx, &out),
				 poll == 3 ? WK_READY : WK_PENDING);
		/* Built in the poll that used the waker (twice), and only there. */
		assert_int_equal(ctor_runs, poll >= 2 ? 1 : 0);
		wk_lazy_waker_drop(&lazy);
	}
	assert_int_equal(cnt.by_ref, 3); /* local, cx, the clone */
	ev = wkc_trace_snapshot(t, &n);
	assert_int_equal(wkc_oracle_lazy_waker(ev, n, &early, &f), 0);
	free(ev);

	/* An executor that runs the constructor before the poll. */
	{
		wk_lazy_waker lazy;
		wk_context_builder b = wk_context_builder_from_local_waker(&local);
		wk_context cx;
		wk_context_builder_on_waker(&b, &lazy, counting_ctor, &task_data);
		cx = wk_context_builder_build(&b);
		(void)wk_context_try_waker(&cx);
		assert_int_equal(wkc_probe_future(q)->vtable->poll(wkc_probe_future(q), &cx, &out),
				 WK_PENDING);
		wk_lazy_waker_drop(&lazy);
	}
	ev = wkc_trace_snapshot(t, &n);
	assert_int_equal(wkc_oracle_lazy_waker(ev, n, &early, &f), 1);
	free(ev);
	assert_int_equal(cnt.refs, 0);
	wkc_probe_future(p)->vtable->drop(wkc_probe_future(p));
	wkc_probe_future(q)->vtable->drop(wkc_probe_future(q));
	wkc_probe_set_free(set);
	wkc_trace_free(t);
}

/* A thread-safe counting waker for the borrow: a courier thread uses it. */
static _Atomic int ts_refs, ts_clones, ts_wakes, ts_by_refs;
static wk_raw_waker ts_clone(const void *d);
static void ts_wake(const void *d)
{
	(void)d;
	atomic_fetch_add(&ts_wakes, 1);
	atomic_fetch_sub(&ts_refs, 1);
}
static void ts_by_ref(const void *d)
{
	(void)d;
	atomic_fetch_add(&ts_by_refs, 1);
}
static void ts_drop(const void *d)
{
	(void)d;
	atomic_fetch_sub(&ts_refs, 1);
}
static const wk_raw_waker_vtable ts_counting = {ts_clone, ts_wake, ts_by_ref, ts_drop};
static wk_raw_waker ts_clone(const void *d)
{
	wk_raw_waker r = {d, &ts_counting};
	atomic_fetch_add(&ts_clones, 1);
	atomic_fetch_add(&ts_refs, 1);
	return r;
}

/*
 * WKC_CA_BORROW: the courier wakes and clones the context's waker through
 * the pointer while the poll runs (the poll returns only after), and wakes
 * its clone once the next poll returned.
 */
static void probe_lends_its_waker_for_the_poll(void **state)
{
	static const wkc_step steps[] = {{.first = 1, .op = WKC_OP_HANDOFF, .src = WKC_SRC_CX,
					  .action = WKC_CA_BORROW, .trigger = WKC_TRIG_NOW,
					  .arg = 1}};
	static const wkc_probe_spec spec = {.ready_phase = 3, .steps = steps, .nsteps = 1};
	static int task_data;
	wkc_trace *t = wkc_trace_new(256);
	wkc_probe_set_opts o = {.trace = t, .couriers = 1};
	wkc_probe_set *set = wkc_probe_set_new(&o);
	wkc_probe *p = wkc_probe_new(set, &spec);
	wk_waker w = wk_waker_new(&task_data, &ts_counting);
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	(void)state;
	assert_non_null(set);
	atomic_store(&ts_refs, 0);
	atomic_store(&ts_clones, 0);
	atomic_store(&ts_wakes, 0);
	atomic_store(&ts_by_refs, 0);
	assert_int_equal(wkc_probe_future(p)->vtable->poll(wkc_probe_future(p), &cx, &out), WK_PENDING);
	/* Both borrowed operations happened before the poll returned. */
	assert_int_equal(atomic_load(&ts_by_refs), 1);
	assert_int_equal(atomic_load(&ts_clones), 1);
	assert_int_equal(atomic_load(&ts_wakes), 0);
	assert_true(wkc_probe_outstanding(p)); /* the by-ref wake landed during the poll */
	assert_int_equal(wkc_probe_future(p)->vtable->poll(wkc_probe_future(p), &cx, &out), WK_PENDING);
	/* Generous: returns as soon as the courier is done, also under Valgrind. */
	assert_true(wkc_probe_set_couriers_idle(set, 30000));
	assert_int_equal(atomic_load(&ts_wakes), 1); /* the clone, by value */
	assert_int_equal(atomic_load(&ts_refs), 0);
	assert_true(wkc_probe_outstanding(p));
	assert_int_equal(wkc_probe_future(p)->vtable->poll(wkc_probe_future(p), &cx, &out), WK_READY);
	wkc_probe_future(p)->vtable->drop(wkc_probe_future(p));
	assert_int_equal(wkc_probe_set_held_live(set), 0);
	wkc_probe_set_free(set);
	wkc_trace_free(t);
}

static void probe_defers_until_its_peer_exports(void **state)
{
	static const wkc_step a_steps[] = {{.first = 2, .op = WKC_OP_EXPORT, .src = WKC_SRC_CX}};
	static const wkc_step b_steps[] = {{.first = 1, .op = WKC_OP_WAKE, .src = WKC_SRC_PEER, .peer = 0}};
	static const wkc_probe_spec a_spec = {.ready_phase = 3, .steps = a_steps, .nsteps = 1};
	static const wkc_probe_spec b_spec = {.ready_phase = 1, .steps = b_steps, .nsteps = 1};
	static int data_a, data_b;
	wkc_trace *t = wkc_trace_new(256);
	wkc_probe_set_opts o = {.trace = t};
	wkc_probe_set *set = wkc_probe_set_new(&o);
	wkc_probe *a = wkc_probe_new(set, &a_spec), *bp = wkc_probe_new(set, &b_spec);
	wk_waker wa = wk_waker_new(&data_a, &counting), wb = wk_waker_new(&data_b, &counting);
	wk_context_builder ba = wk_context_builder_from_waker(&wa), bb = wk_context_builder_from_waker(&wb);
	wk_context ca = wk_context_builder_build(&ba), cb = wk_context_builder_build(&bb);
	void *out;
	(void)state;
	memset(&cnt, 0, sizeof cnt);
	/* B first: A has not exported, so B yields (wakes itself) and waits. */
	assert_int_equal(wkc_probe_future(bp)->vtable->poll(wkc_probe_future(bp), &cb, &out), WK_PENDING);
	assert_int_equal(cnt.by_ref, 1);
	assert_int_equal(wkc_probe_future(a)->vtable->poll(wkc_probe_future(a), &ca, &out), WK_PENDING);
	assert_int_equal(wkc_probe_future(a)->vtable->poll(wkc_probe_future(a), &ca, &out), WK_PENDING);
	assert_non_null(wkc_probe_export(a));
	assert_false(wkc_probe_outstanding(a));
	assert_int_equal(wkc_probe_future(bp)->vtable->poll(wkc_probe_future(bp), &cb, &out), WK_READY);
	assert_int_equal(cnt.wakes, 1);
	assert_true(wkc_probe_outstanding(a)); /* B woke A: A owes a poll */
	wkc_probe_future(a)->vtable->drop(wkc_probe_future(a));
	wkc_probe_future(bp)->vtable->drop(wkc_probe_future(bp));
	wkc_probe_set_free(set); /* drops A's export */
	assert_int_equal(cnt.refs, 0);
	wkc_trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(lost_wake_after_pending_is_flagged, setup),
		cmocka_unit_test_setup(wake_followed_by_poll_passes, setup),
		cmocka_unit_test_setup(wake_during_poll_needs_another_poll, setup),
		cmocka_unit_test_setup(wake_during_final_poll_is_fine, setup),
		cmocka_unit_test_setup(wakes_after_checkpoint_or_drop_are_not_judged, setup),
		cmocka_unit_test_setup(spawned_but_never_polled_is_flagged, setup),
		cmocka_unit_test_setup(poll_after_ready_or_drop_is_flagged, setup),
		cmocka_unit_test_setup(overlapping_polls_are_flagged, setup),
		cmocka_unit_test_setup(local_task_on_two_threads_is_flagged, setup),
		cmocka_unit_test_setup(pinned_tasks_follow_their_core, setup),
		cmocka_unit_test_setup(two_cores_on_one_thread_are_flagged, setup),
		cmocka_unit_test_setup(lost_unpark_in_run_is_flagged, setup),
		cmocka_unit_test_setup(served_or_unjudged_runs_pass, setup),
		cmocka_unit_test_setup(inline_poll_is_flagged, setup),
		cmocka_unit_test_setup(drops_are_counted, setup),
		cmocka_unit_test_setup(live_sample_must_be_zero, setup),
		cmocka_unit_test_setup(will_wake_across_tasks_is_flagged, setup),
		cmocka_unit_test_setup(spurious_polls_are_counted, setup),
		cmocka_unit_test_setup(anomalies_feed_their_oracles, setup),
		cmocka_unit_test_setup(lazy_built_ahead_of_the_poll_is_flagged, setup),
		cmocka_unit_test_setup(lazy_built_in_a_poll_that_did_not_ask_is_flagged, setup),
		cmocka_unit_test_setup(lazy_on_demand_and_kept_storage_pass, setup),
		cmocka_unit_test(trace_takes_concurrent_writers),
		cmocka_unit_test(probe_follows_its_script),
		cmocka_unit_test(probe_leaves_a_lazy_waker_unbuilt),
		cmocka_unit_test(probe_lends_its_waker_for_the_poll),
		cmocka_unit_test(probe_defers_until_its_peer_exports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
