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

unsigned wkc_oracle_affinity(const wkc_event *ev, size_t n, const wkc_oracle_opts *o,
			     wkc_finding *f)
{
	uint32_t m;
	task_state *t;
	uint32_t core_thread[MAX_CORES] = {0};
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
			if (*ct == 0)
				*ct = e->thread;
			else if (*ct != e->thread)
				violation(f, "task %" PRIu32 " pinned to core %" PRIu32 " was polled on thread %" PRIu32
					     " but core %" PRIu32 "'s tasks ran on thread %" PRIu32,
					  e->task, s->spawn_core, e->thread, s->spawn_core, *ct);
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
