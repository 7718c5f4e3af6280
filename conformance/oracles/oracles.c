/*
 * oracles.c - the rules of oracles.h over a snapshot of a trace.
 *
 * Every oracle is one pass (or a sort and a pass) over the events, with
 * per-task state in arrays indexed by task id.  Sequence numbers are the
 * only notion of time: "after" means a larger number (trace.h says why
 * that is sound for a correct executor).
 */
#include "oracles.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#define NO_SEQ UINT64_MAX
#define MAX_CORES 1024

/* ---- helpers ------------------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void violation(wkc_finding *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->last, sizeof f->last, fmt, ap);
	va_end(ap);
	if (f->count++ == 0)
		memcpy(f->first, f->last, sizeof f->first);
}

static void reset(wkc_finding *f)
{
	f->count = 0;
	f->first[0] = '\0';
	f->last[0] = '\0';
}

static uint32_t max_task(const wkc_event *ev, size_t n)
{
	uint32_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].task > m)
			m = ev[i].task;
		if (ev[i].kind == WKC_EV_WILL_WAKE && ev[i].other > m)
			m = ev[i].other;
	}
	return m;
}

/* Sequence number of the last event of kind (NO_SEQ when none). */
static uint64_t last_of(const wkc_event *ev, size_t n, uint32_t kind)
{
	for (size_t i = n; i-- > 0;)
		if (ev[i].kind == kind)
			return ev[i].seq;
	return NO_SEQ;
}

static uint64_t first_of(const wkc_event *ev, size_t n, uint32_t kind)
{
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == kind)
			return ev[i].seq;
	return NO_SEQ;
}

static bool is_wake(const wkc_event *e)
{
	return e->kind == WKC_EV_WAKE || e->kind == WKC_EV_WAKE_BY_REF;
}

/* "wake_by_ref through a local waker, from another thread (thread 4)" */
static void describe_wake(char *buf, size_t len, const wkc_event *e)
{
	snprintf(buf, len, "%s%s%s%s%s (thread %" PRIu32 ", seq %" PRIu64 ")",
		 e->flags & WKC_EVF_BULK ? "a flood of wakes ending with " : "",
		 e->kind == WKC_EV_WAKE ? "wake by value" : "wake_by_ref",
		 e->flags & WKC_EVF_LOCAL ? " through a local waker" : "",
		 e->flags & WKC_EVF_FOREIGN ? " from another thread"
		 : e->flags & WKC_EVF_IN_POLL ? " inside its own poll"
					      : "",
		 e->flags & WKC_EVF_IN_DROP ? " inside a future's drop" : "", e->thread, e->seq);
}

typedef struct task_state {
	uint64_t spawn_seq;   /* NO_SEQ: no spawn event */
	int64_t spawn_result; /* SPAWN value */
	uint32_t spawn_flags;
	uint32_t spawn_core;
	uint64_t ready_end;   /* seq of the first Ready POLL_END, NO_SEQ */
	uint64_t first_drop;  /* seq of the first FUTURE_DROP, NO_SEQ */
	uint32_t drops;
	uint64_t last_begin;  /* latest POLL_BEGIN seq, 0 when none */
	uint32_t polls;
	size_t wake_idx;      /* index of the latest wake, SIZE_MAX when none */
	uint32_t thread;      /* first thread seen (affinity) */
	bool woken;           /* spurious: a wake since the latest poll began */
	uint64_t bulk_end;    /* spurious: a flood covers up to here */
} task_state;

static task_state *tasks_new(uint32_t m)
{
	task_state *t = calloc((size_t)m + 1, sizeof *t);
	if (t == NULL)
		return NULL;
	for (uint32_t i = 0; i <= m; i++) {
		t[i].spawn_seq = NO_SEQ;
		t[i].ready_end = NO_SEQ;
		t[i].first_drop = NO_SEQ;
		t[i].wake_idx = SIZE_MAX;
	}
	return t;
}

/* Fill what most oracles need, from events before `cutoff`. */
static task_state *collect(const wkc_event *ev, size_t n, uint64_t cutoff, uint32_t *m_out)
{
	uint32_t m = max_task(ev, n);
	task_state *t = tasks_new(m);
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < n && ev[i].seq < cutoff; i++) {
		const wkc_event *e = &ev[i];
		task_state *s = &t[e->task];
		switch (e->kind) {
		case WKC_EV_SPAWN:
			/* A refused spawn may be retried later: the accepted
			 * one is the task's spawn. */
			if (s->spawn_seq == NO_SEQ || s->spawn_result != 0) {
				s->spawn_seq = e->seq;
				s->spawn_result = e->value;
				s->spawn_flags = e->flags;
				s->spawn_core = e->other;
			}
			break;
		case WKC_EV_POLL_BEGIN:
			s->last_begin = e->seq;
			s->polls++;
			break;
		case WKC_EV_POLL_END:
			if ((e->flags & WKC_EVF_READY) && s->ready_end == NO_SEQ)
				s->ready_end = e->seq;
			break;
		case WKC_EV_FUTURE_DROP:
			if (s->first_drop == NO_SEQ)
				s->first_drop = e->seq;
			s->drops++;
			break;
		case WKC_EV_WAKE:
		case WKC_EV_WAKE_BY_REF:
			s->wake_idx = i;
			break;
		default:
			break;
		}
	}
	*m_out = m;
	return t;
}

#define OOM(f) violation((f), "oracle out of memory: verdict unknown")

/* How an oracle over per-task state starts: clear the finding and collect
 * the tasks from events before `cutoff`.  NULL when out of memory, with the
 * finding saying so (the caller returns f->count). */
static task_state *start_with_tasks(const wkc_event *ev, size_t n, uint64_t cutoff,
				    uint32_t *m_out, wkc_finding *f)
{
	task_state *t;
	reset(f);
	t = collect(ev, n, cutoff, m_out);
	if (t == NULL)
		OOM(f);
	return t;
}

/* ---- FIRST_POLL ----------------------------------------------------------------- */

unsigned wkc_oracle_first_poll(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			       wkc_finding *f)
{
	uint64_t cut = last_of(ev, n, WKC_EV_CHECKPOINT);
	uint32_t m;
	task_state *t;
	(void)o;
	t = start_with_tasks(ev, n, cut, &m, f);
	if (t == NULL)
		return f->count;
	for (uint32_t id = 1; id <= m; id++)
		if (t[id].spawn_seq != NO_SEQ && t[id].spawn_result == 0 && t[id].polls == 0)
			violation(f, "task %" PRIu32 " was spawned (seq %" PRIu64
				     ") and never polled before the executor went idle",
				  id, t[id].spawn_seq);
	free(t);
	return f->count;
}

/* ---- LOST_WAKEUP ---------------------------------------------------------------- */

unsigned wkc_oracle_lost_wakeup(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
				wkc_finding *f)
{
	uint64_t cut = last_of(ev, n, WKC_EV_CHECKPOINT);
	uint32_t m;
	task_state *t;
	(void)o;
	t = start_with_tasks(ev, n, cut, &m, f);
	if (t == NULL)
		return f->count;
	for (uint32_t id = 1; id <= m; id++) {
		const task_state *s = &t[id];
		const wkc_event *w;
		char what[200];
		if (s->wake_idx == SIZE_MAX || s->ready_end != NO_SEQ)
			continue; /* never woken, or completed: nothing owed */
		w = &ev[s->wake_idx];
		if (s->first_drop < w->seq)
			continue; /* woken after its drop: nothing to poll */
		if (s->last_begin > w->seq)
			continue; /* a poll began after the latest wake */
		describe_wake(what, sizeof what, w);
		if (s->polls == 0)
			violation(f, "task %" PRIu32 ": %s was never followed by a poll (the task was never polled)",
				  id, what);
		else
			violation(f, "task %" PRIu32 ": %s was not followed by a poll; its last poll (#%" PRIu32
				     ") began before it, at seq %" PRIu64,
				  id, what, s->polls, s->last_begin);
	}
	free(t);
	return f->count;
}

/* ---- AFTER_READY ---------------------------------------------------------------- */

unsigned wkc_oracle_after_ready(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
				wkc_finding *f)
{
	uint32_t m;
	task_state *t;
	(void)o;
	t = start_with_tasks(ev, n, NO_SEQ, &m, f);
	if (t == NULL)
		return f->count;
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		const task_state *s = &t[e->task];
		if (e->kind != WKC_EV_POLL_BEGIN)
			continue;
		if (e->seq > s->ready_end)
			violation(f, "task %" PRIu32 ": poll #%" PRIu32 " (thread %" PRIu32 ", seq %" PRIu64
				     ") began after the poll that returned Ready ended (seq %" PRIu64 ")",
				  e->task, e->other, e->thread, e->seq, s->ready_end);
		else if (e->seq > s->first_drop)
			violation(f, "task %" PRIu32 ": poll #%" PRIu32 " (thread %" PRIu32 ", seq %" PRIu64
				     ") began after the future was dropped (seq %" PRIu64 ")",
				  e->task, e->other, e->thread, e->seq, s->first_drop);
	}
	free(t);
	return f->count;
}

/* ---- EXCLUSIVE ------------------------------------------------------------------ */

typedef struct interval {
	uint32_t task, number, thread;
	uint64_t begin, end;
} interval;

static int by_task_begin(const void *a, const void *b)
{
	const interval *x = a, *y = b;
	if (x->task != y->task)
		return x->task < y->task ? -1 : 1;
	return x->begin < y->begin ? -1 : x->begin > y->begin;
}

unsigned wkc_oracle_exclusive(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			      wkc_finding *f)
{
	interval *iv;
	size_t k = 0;
	(void)o;
	reset(f);
	/* Polls whose probe saw its in-poll flag already set. */
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == WKC_EV_POLL_BEGIN && (ev[i].flags & WKC_EVF_OVERLAP))
			violation(f, "task %" PRIu32 ": poll #%" PRIu32 " began on thread %" PRIu32
				     " (seq %" PRIu64 ") while another poll of the task was running",
				  ev[i].task, ev[i].other, ev[i].thread, ev[i].seq);
	/* Interval overlaps not already flagged (a synthetic trace, or a
	 * flag cleared by the other poll before this one read it). */
	iv = malloc((n ? n : 1) * sizeof *iv);
	if (iv == NULL) {
		OOM(f);
		return f->count;
	}
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == WKC_EV_POLL_END)
			iv[k++] = (interval){ev[i].task, ev[i].other, ev[i].thread, (uint64_t)ev[i].value,
					     ev[i].seq};
	qsort(iv, k, sizeof *iv, by_task_begin);
	for (size_t i = 0, top = 0; i < k; i++) {
		if (i == 0 || iv[i].task != iv[i - 1].task) {
			top = i; /* the interval reaching furthest so far */
			continue;
		}
		if (iv[i].begin < iv[top].end) {
			bool flagged = false;
			for (size_t j = 0; j < n && !flagged; j++)
				flagged = ev[j].kind == WKC_EV_POLL_BEGIN && ev[j].seq == iv[i].begin &&
					  (ev[j].flags & WKC_EVF_OVERLAP);
			if (!flagged)
				violation(f, "task %" PRIu32 ": %s poll: poll #%" PRIu32 " began on thread %" PRIu32
					     " (seq %" PRIu64 ") inside poll #%" PRIu32 " on thread %" PRIu32
					     " (seq %" PRIu64 "..%" PRIu64 ")",
					  iv[i].task, iv[i].thread == iv[top].thread ? "re-entrant" : "concurrent",
					  iv[i].number, iv[i].thread, iv[i].begin, iv[top].number,
					  iv[top].thread, iv[top].begin, iv[top].end);
		}
		if (iv[i].end > iv[top].end)
			top = i;
	}
	free(iv);
	return f->count;
}

/* ---- AFFINITY ------------------------------------------------------------------- */

typedef struct thread_core {
	uint32_t thread, core;
	bool flagged; /* its "two cores, one thread" violation was reported */
} thread_core;

unsigned wkc_oracle_affinity(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			     wkc_finding *f)
{
	uint32_t m;
	task_state *t;
	uint32_t core_thread[MAX_CORES] = {0};
	/* Which core each thread that polled pinned tasks serves: two cores
	 * are two threads (one thread per core). */
	thread_core served[MAX_CORES];
	size_t nserved = 0;
	(void)o;
	t = start_with_tasks(ev, n, NO_SEQ, &m, f);
	if (t == NULL)
		return f->count;
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		task_state *s = &t[e->task];
		bool local = (s->spawn_flags & WKC_EVF_LOCAL) != 0;
		bool pinned = (s->spawn_flags & WKC_EVF_PINNED) != 0;
		if (e->kind == WKC_EV_ANOMALY && e->other == WKC_ANOM_LOCAL_WRONG_THREAD) {
			violation(f, "task %" PRIu32 ": a local waker or local task was reached on thread %" PRId64
				     " after living on another thread",
				  e->task, e->value);
			continue;
		}
		if (e->kind != WKC_EV_POLL_BEGIN && !(local && e->kind == WKC_EV_FUTURE_DROP))
			continue;
		if (!local && !pinned)
			continue;
		if (s->thread == 0)
			s->thread = e->thread;
		else if (s->thread != e->thread)
			violation(f, "task %" PRIu32 " (%s): %s on thread %" PRIu32 " (seq %" PRIu64
				     ") after running on thread %" PRIu32,
				  e->task, local ? "local" : "pinned to a core",
				  e->kind == WKC_EV_FUTURE_DROP ? "dropped" : "polled", e->thread, e->seq,
				  s->thread);
		if (pinned && e->kind == WKC_EV_POLL_BEGIN && s->spawn_core < MAX_CORES) {
			uint32_t *ct = &core_thread[s->spawn_core];
			size_t k;
			if (*ct == 0)
				*ct = e->thread;
			else if (*ct != e->thread)
				violation(f, "task %" PRIu32 " pinned to core %" PRIu32 " was polled on thread %" PRIu32
					     " but core %" PRIu32 "'s tasks ran on thread %" PRIu32,
					  e->task, s->spawn_core, e->thread, s->spawn_core, *ct);
			for (k = 0; k < nserved && served[k].thread != e->thread; k++)
				;
			if (k == nserved && nserved < MAX_CORES)
				served[nserved++] = (thread_core){e->thread, s->spawn_core, false};
			else if (k < nserved && served[k].core != s->spawn_core && !served[k].flagged) {
				served[k].flagged = true; /* once per thread */
				violation(f, "task %" PRIu32 " pinned to core %" PRIu32 " was polled on thread %" PRIu32
					     " (seq %" PRIu64 "), which already ran tasks pinned to core %" PRIu32
					     ": two cores share one thread (was the core index ignored?)",
					  e->task, s->spawn_core, e->thread, e->seq, served[k].core);
			}
		}
	}
	free(t);
	return f->count;
}

/* ---- DROP_ONCE ------------------------------------------------------------------ */

unsigned wkc_oracle_drop_once(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			      wkc_finding *f)
{
	uint64_t destroy = first_of(ev, n, WKC_EV_DESTROY_BEGIN);
	uint32_t m;
	task_state *t;
	t = start_with_tasks(ev, n, NO_SEQ, &m, f);
	if (t == NULL)
		return f->count;
	for (uint32_t id = 1; id <= m; id++) {
		const task_state *s = &t[id];
		bool refused = s->spawn_seq != NO_SEQ && s->spawn_result != 0;
		if (refused) {
			if (s->polls || s->drops)
				violation(f, "task %" PRIu32 ": spawn was refused but the executor then %s the future",
					  id, s->polls ? "polled" : "dropped");
			continue;
		}
		if (s->drops > 1)
			violation(f, "task %" PRIu32 " was dropped %" PRIu32 " times", id, s->drops);
		if (s->drops > 0 && s->first_drop < s->ready_end && s->first_drop < destroy)
			violation(f, "task %" PRIu32 " was dropped (seq %" PRIu64
				     ") before it returned Ready and before the executor was destroyed",
				  id, s->first_drop);
		if (o != NULL && o->final && s->spawn_seq != NO_SEQ && s->drops == 0)
			violation(f, "task %" PRIu32 " was never dropped (%s)", id,
				  s->ready_end != NO_SEQ ? "it returned Ready"
							 : "it was unfinished when the executor was destroyed");
	}
	free(t);
	return f->count;
}

/* ---- NO_LEAK -------------------------------------------------------------------- */

unsigned wkc_oracle_no_leak(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			    wkc_finding *f)
{
	(void)o;
	reset(f);
	for (size_t i = n; i-- > 0;) {
		if (ev[i].kind != WKC_EV_LIVE_SAMPLE || !(ev[i].flags & WKC_EVF_EXPECT_ZERO))
			continue;
		if (ev[i].value != 0)
			violation(f, "live_tasks() = %" PRId64
				     " after every task completed and every waker clone was dropped",
				  ev[i].value);
		break;
	}
	return f->count;
}

/* ---- WILL_WAKE ------------------------------------------------------------------ */

unsigned wkc_oracle_will_wake(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			      wkc_finding *f)
{
	(void)o;
	reset(f);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == WKC_EV_WILL_WAKE && ev[i].value && ev[i].task != ev[i].other)
			violation(f, "will_wake is true for a %s of task %" PRIu32 " (data %p, vtable %p) and "
				     "one of task %" PRIu32 " (data %p, vtable %p)",
				  ev[i].flags & WKC_EVF_LOCAL ? "local waker" : "waker", ev[i].task,
				  ev[i].data, ev[i].vtable, ev[i].other, ev[i].ldata, ev[i].lvtable);
	return f->count;
}

/* ---- anomaly-based oracles ----------------------------------------------------- */

static unsigned count_anomalies(const wkc_event *ev, size_t n, uint32_t a, uint32_t b,
				wkc_finding *f)
{
	reset(f);
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		if (e->kind != WKC_EV_ANOMALY || (e->other != a && e->other != b))
			continue;
		switch (e->other) {
		case WKC_ANOM_NO_WAKER:
			violation(f, "task %" PRIu32 ": the context of a poll on thread %" PRIu32
				     " had no thread-safe waker (try_waker returned NULL)",
				  e->task, e->thread);
			break;
		case WKC_ANOM_BARRIER_TIMEOUT:
			violation(f, "task %" PRIu32 ": a wake from another thread did not return within %" PRId64
				     " ms while the task's poll was running (the wake waits for the poll)",
				  e->task, e->value);
			break;
		case WKC_ANOM_SLOW_WAKE:
			violation(f, "task %" PRIu32 ": one wake took %.1f ms on thread %" PRIu32,
				  e->task, (double)e->value / 1e6, e->thread);
			break;
		case WKC_ANOM_DROP_IN_WAKE:
			violation(f, "task %" PRIu32 ": its future was dropped on thread %" PRIu32
				     " inside a waker function that thread called (a future dropped inline"
				     " by wake, clone or drop)",
				  e->task, e->thread);
			break;
		case WKC_ANOM_STALE_PAYLOAD:
			violation(f, "task %" PRIu32 ": the poll after a wake read a stale payload (%#" PRIx64
				     ") written before the wake",
				  e->task, (uint64_t)e->value);
			break;
		default:
			violation(f, "task %" PRIu32 ": anomaly %" PRIu32, e->task, e->other);
			break;
		}
	}
	return f->count;
}

/* An oracle that is the count of anomalies of kind a or b. */
#define ANOMALY_ORACLE(name, a, b)                                                                 \
	unsigned wkc_oracle_##name(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,        \
				   wkc_finding *f)                                                 \
	{                                                                                          \
		(void)o;                                                                           \
		return count_anomalies(ev, n, (a), (b), f);                                        \
	}

ANOMALY_ORACLE(waker_present, WKC_ANOM_NO_WAKER, WKC_ANOM_NO_WAKER)
ANOMALY_ORACLE(never_blocks, WKC_ANOM_BARRIER_TIMEOUT, WKC_ANOM_SLOW_WAKE)
ANOMALY_ORACLE(ordering, WKC_ANOM_STALE_PAYLOAD, WKC_ANOM_STALE_PAYLOAD)
ANOMALY_ORACLE(nested_drop, WKC_ANOM_DROP_IN_WAKE, WKC_ANOM_DROP_IN_WAKE)

/* ---- SERVED_IN_RUN -------------------------------------------------------------- */

/* A run() that returned this close to its deadline ran to it. */
#define RAN_TO_DEADLINE 0.9

/* How long before event b event a was recorded, in ms; 0 when it was not
 * before.  A wake's time is stamped when it is recorded, a moment after it
 * returned, so this never overstates how early it landed. */
static double ms_before(const wkc_event *a, const wkc_event *b)
{
	return a->ns < b->ns ? (double)(b->ns - a->ns) / 1e6 : 0.0;
}

/* The oracle, also counting the wakes it could judge (into *judged). */
static unsigned served_in_run(const wkc_event *ev, size_t n, wkc_finding *f, unsigned *judged)
{
	uint32_t m = max_task(ev, n);
	size_t *owed = malloc(((size_t)m + 1) * sizeof *owed); /* wake index, SIZE_MAX: none */
	reset(f);
	*judged = 0;
	if (owed == NULL) {
		OOM(f);
		return f->count;
	}
	for (size_t b = 0; b < n; b++) {
		const wkc_event *rb = &ev[b], *re = NULL;
		size_t e;
		double timeout_ms, took_ms;
		if (rb->kind != WKC_EV_RUN_BEGIN || !(rb->flags & WKC_EVF_JUDGE_SERVE))
			continue;
		for (e = b + 1; e < n && ev[e].kind != WKC_EV_RUN_END; e++)
			;
		if (e == n)
			break; /* still running when judged: no verdict */
		re = &ev[e];
		timeout_ms = (double)rb->value / 1e6;
		took_ms = (double)(re->ns - rb->ns) / 1e6;
		if (took_ms < timeout_ms * RAN_TO_DEADLINE)
			continue; /* it returned early: the next call serves what it missed */
		for (uint32_t id = 0; id <= m; id++)
			owed[id] = SIZE_MAX;
		for (size_t i = b + 1; i < e; i++) {
			const wkc_event *x = &ev[i];
			if (x->task > m)
				continue;
			if (is_wake(x) && x->end < re->seq) {
				owed[x->task] = i;
				if (ms_before(x, re) >= timeout_ms / 2)
					++*judged;
			}
			else if (x->kind == WKC_EV_POLL_BEGIN || x->kind == WKC_EV_FUTURE_DROP ||
				 (x->kind == WKC_EV_POLL_END && (x->flags & WKC_EVF_READY)))
				owed[x->task] = SIZE_MAX; /* polled (or done with) after it */
		}
		for (uint32_t id = 1; id <= m; id++) {
			const wkc_event *w;
			double before_ms;
			char what[200];
			if (owed[id] == SIZE_MAX)
				continue;
			w = &ev[owed[id]];
			before_ms = ms_before(w, re);
			if (before_ms < timeout_ms / 2)
				continue; /* landed near the deadline: may be served next call */
			describe_wake(what, sizeof what, w);
			violation(f, "task %" PRIu32 ": %s returned %.0f ms before run() did, and run() "
				     "(timeout %.0f ms, returned after %.0f ms) never polled the task: it "
				     "slept past a wake it was given (a lost unpark)",
				  id, what, before_ms, timeout_ms, took_ms);
		}
	}
	free(owed);
	return f->count;
}

unsigned wkc_oracle_served_in_run(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
				  wkc_finding *f)
{
	unsigned judged;
	(void)o;
	return served_in_run(ev, n, f, &judged);
}

unsigned wkc_served_in_run_judged(const wkc_event *ev, size_t n)
{
	wkc_finding f;
	unsigned judged;
	(void)served_in_run(ev, n, &f, &judged);
	return judged;
}

/* ---- INLINE_POLL ---------------------------------------------------------------- */

typedef struct span {
	uint32_t thread, task;
	uint64_t begin, end;
	bool poll; /* a poll; else a waker call */
	uint32_t kind;
} span;

static int by_thread_begin(const void *a, const void *b)
{
	const span *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	/* A poll begin (end 0) after the spans that open at the same number. */
	return x->end < y->end ? 1 : x->end > y->end ? -1 : 0;
}

unsigned wkc_oracle_inline_poll(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
				wkc_finding *f)
{
	/* Spans of polls and waker calls per thread, and the poll begins to
	 * place in them (end 0), sorted by thread and number: on one thread
	 * spans nest or are disjoint, so one stack per thread finds, for each
	 * poll begin, the spans open around it. */
	span *sp = malloc((n ? n : 1) * sizeof *sp), *stack;
	size_t k = 0, depth = 0;
	(void)o;
	reset(f);
	stack = malloc((n ? n : 1) * sizeof *stack);
	if (sp == NULL || stack == NULL) {
		free(sp);
		free(stack);
		OOM(f);
		return f->count;
	}
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		if (e->kind == WKC_EV_POLL_END)
			sp[k++] = (span){e->thread, e->task, (uint64_t)e->value, e->seq, true, e->kind};
		else if (e->kind == WKC_EV_POLL_BEGIN)
			sp[k++] = (span){e->thread, e->task, e->seq, 0, true, e->kind};
		else if ((is_wake(e) || e->kind == WKC_EV_CLONE || e->kind == WKC_EV_DROP_WAKER) &&
			 e->end > e->seq)
			sp[k++] = (span){e->thread, e->task, e->seq, e->end, false, e->kind};
	}
	qsort(sp, k, sizeof *sp, by_thread_begin);
	for (size_t i = 0; i < k; i++) {
		const span *x = &sp[i];
		if (i > 0 && sp[i - 1].thread != x->thread)
			depth = 0;
		while (depth > 0 && stack[depth - 1].end < x->begin)
			depth--;
		if (x->end != 0) {
			stack[depth++] = *x;
			continue;
		}
		/* A poll begins: the innermost open span that is not this poll. */
		for (size_t d = depth; d-- > 0;) {
			const span *in = &stack[d];
			if (in->poll && in->begin == x->begin)
				continue; /* its own span */
			if (in->poll && in->task == x->task)
				break; /* a re-entrant poll of the same task: WK-EXEC-008's */
			violation(f, "task %" PRIu32 ": a poll began on thread %" PRIu32 " (seq %" PRIu64
				     ") inside %s of task %" PRIu32 " on that thread (seq %" PRIu64 "..%" PRIu64
				     "): the executor ran a poll inline",
				  x->task, x->thread, x->begin,
				  in->poll ? "a poll" : in->kind == WKC_EV_CLONE ? "a waker clone"
						   : in->kind == WKC_EV_DROP_WAKER ? "a waker drop"
						   : in->kind == WKC_EV_WAKE	   ? "a wake by value"
										   : "a wake_by_ref",
				  in->task, in->begin, in->end);
			break;
		}
	}
	free(stack);
	free(sp);
	return f->count;
}

/* ---- LAZY_WAKER ----------------------------------------------------------------- */

typedef struct lazy_state {
	bool asked;       /* an earlier poll of the task asked for the waker */
	bool begun_built; /* the latest poll began with the constructor run */
} lazy_state;

unsigned wkc_oracle_lazy_waker(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			       wkc_finding *f)
{
	uint32_t m = max_task(ev, n);
	lazy_state *t = calloc((size_t)m + 1, sizeof *t);
	(void)o;
	reset(f);
	if (t == NULL) {
		OOM(f);
		return f->count;
	}
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		lazy_state *s = &t[e->task];
		bool built = (e->flags & (WKC_EVF_LAZY | WKC_EVF_BUILT)) ==
			     (WKC_EVF_LAZY | WKC_EVF_BUILT);
		if (e->kind == WKC_EV_POLL_BEGIN) {
			/* Built by an earlier poll that asked: a storage kept
			 * across polls, which WK-EXT-008 allows. */
			if (built && !s->asked)
				violation(f, "task %" PRIu32 ": poll #%" PRIu32 " (thread %" PRIu32
					     ", seq %" PRIu64 ") began with its context's on_waker "
					     "constructor already run, and no poll of the task had asked "
					     "for the waker: the executor built it ahead of the poll",
					  e->task, e->other, e->thread, e->seq);
			s->begun_built = built;
		} else if (e->kind == WKC_EV_POLL_END) {
			if (built && !s->begun_built && !(e->flags & WKC_EVF_ASKED))
				violation(f, "task %" PRIu32 ": the on_waker constructor ran during poll #%" PRIu32
					     " (thread %" PRIu32 ", seq %" PRIu64 "), which never asked for the "
					     "waker",
					  e->task, e->other, e->thread, e->seq);
			if (e->flags & WKC_EVF_ASKED)
				s->asked = true;
		} else if (e->kind == WKC_EV_ANOMALY && e->other == WKC_ANOM_LAZY_AGAIN) {
			violation(f, "task %" PRIu32 ": ask #%" PRId64 " for the waker in one poll (thread %" PRIu32
				     ") returned another waker than the poll's first ask: the on_waker "
				     "constructor ran twice in one poll",
				  e->task, e->value, e->thread);
		}
	}
	free(t);
	return f->count;
}

/* ---- SPURIOUS ------------------------------------------------------------------- */

unsigned wkc_oracle_spurious(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			     wkc_finding *f)
{
	uint32_t m = max_task(ev, n);
	task_state *t = tasks_new(m);
	(void)o;
	reset(f);
	if (t == NULL) {
		OOM(f);
		return f->count;
	}
	for (size_t i = 0; i < n; i++) {
		const wkc_event *e = &ev[i];
		task_state *s = &t[e->task];
		if (is_wake(e)) {
			s->woken = true;
			if ((e->flags & WKC_EVF_BULK) && e->end > s->bulk_end)
				s->bulk_end = e->end;
		} else if (e->kind == WKC_EV_POLL_END && (e->flags & WKC_EVF_READY)) {
			if (s->ready_end == NO_SEQ)
				s->ready_end = e->seq;
		} else if (e->kind == WKC_EV_POLL_BEGIN) {
			if (s->polls > 0 && !s->woken && e->seq > s->bulk_end && e->seq < s->ready_end)
				violation(f, "task %" PRIu32 ": poll #%" PRIu32 " (seq %" PRIu64
					     ") had no wake since the previous poll began",
					  e->task, e->other, e->seq);
			s->polls++;
			s->woken = false;
		}
	}
	free(t);
	return f->count;
}

/* ---- table -------------------------------------------------------------------------- */

static const struct {
	wkc_oracle_fn fn;
	const char *name;
} table[WKC_OR_COUNT] = {
	[WKC_OR_FIRST_POLL] = {wkc_oracle_first_poll, "first-poll"},
	[WKC_OR_LOST_WAKEUP] = {wkc_oracle_lost_wakeup, "lost-wakeup"},
	[WKC_OR_AFTER_READY] = {wkc_oracle_after_ready, "poll-after-ready"},
	[WKC_OR_EXCLUSIVE] = {wkc_oracle_exclusive, "exclusive-poll"},
	[WKC_OR_AFFINITY] = {wkc_oracle_affinity, "thread-affinity"},
	[WKC_OR_DROP_ONCE] = {wkc_oracle_drop_once, "drop-once"},
	[WKC_OR_NO_LEAK] = {wkc_oracle_no_leak, "no-leak"},
	[WKC_OR_WILL_WAKE] = {wkc_oracle_will_wake, "will-wake"},
	[WKC_OR_WAKER_PRESENT] = {wkc_oracle_waker_present, "waker-present"},
	[WKC_OR_NEVER_BLOCKS] = {wkc_oracle_never_blocks, "never-blocks"},
	[WKC_OR_ORDERING] = {wkc_oracle_ordering, "wake-ordering"},
	[WKC_OR_NESTED_DROP] = {wkc_oracle_nested_drop, "drop-inside-wake"},
	[WKC_OR_SERVED_IN_RUN] = {wkc_oracle_served_in_run, "served-in-run"},
	[WKC_OR_INLINE_POLL] = {wkc_oracle_inline_poll, "inline-poll"},
	[WKC_OR_LAZY_WAKER] = {wkc_oracle_lazy_waker, "lazy-waker"},
	[WKC_OR_SPURIOUS] = {wkc_oracle_spurious, "spurious-polls"},
};

wkc_oracle_fn wkc_oracle_get(wkc_oracle i)
{
	return (unsigned)i < WKC_OR_COUNT ? table[i].fn : NULL;
}

const char *wkc_oracle_name(wkc_oracle i)
{
	return (unsigned)i < WKC_OR_COUNT ? table[i].name : "?";
}

void wkc_oracles_run_all(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			 wkc_finding out[WKC_OR_COUNT])
{
	for (int i = 0; i < WKC_OR_COUNT; i++)
		table[i].fn(ev, n, o, &out[i]);
}
