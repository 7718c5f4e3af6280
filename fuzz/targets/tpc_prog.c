/*
 * tpc_prog.c - run a tpc_prog on the reference runtime in deterministic
 * mode and judge the run.
 *
 * TASKS
 *   Each task is a future that runs a script of up to 8 ops, several per
 *   poll, until an op makes it wait (returns Pending) or the script ends
 *   (Ready).  Opcodes (op >> 4; a = op & 15):
 *     0 YIELD_LOCAL  wake_by_ref the context's local waker; Pending
 *     1 YIELD_TS     wake_by_ref the context's thread-safe waker; Pending
 *     2 YIELD_CLONE  clone a waker (a&1: thread-safe, else local), wake the
 *                    clone by value; Pending
 *     3 KEEP         clone into slot a&3 (a&4: thread-safe, else local),
 *                    held across polls; a&8: the drop wakes it instead of
 *                    dropping it (a wake from a future's drop, at shutdown)
 *     4 WAKE_SLOT    wake slot a&3 by value (consumes it)
 *     5 DROP_SLOT    drop slot a&3
 *     6 DEFER        hand a thread-safe clone to the scheduler's simulated
 *                    foreign thread, which wakes it later; Pending
 *     7 EXPORT       publish a thread-safe clone for the other tasks
 *     8 WAKE_PEER    wake_by_ref the export of task 1 + a mod tasks made
 *                    (a foreign wake when that task lives on another core)
 *     9 WAIT         Pending with no wake of its own (a peer may wake it)
 *    10 SPAWN        spawn a child running script a&3: a&4 local
 *                    (wk_tpc_spawn_local, local join handle), else on the
 *                    next core (a&8: this core) with a shared join handle
 *    11 JOIN         await the last child through its join handle
 *    12 SLEEP        a runtime timer of (a+1) us; Pending until it fires
 *    13 SHUTDOWN     the driver destroys the runtime after this step
 *    14 JOINWAKER    await a local JoinWaker (wk/join.h) of (a&3)+1 leaf
 *                    futures, each waking itself a>>2 times before Ready
 *    15 READY        Ready now
 *
 * ORACLES
 *   Every poll, every wake a task issues (and the deferred wakes, when the
 *   simulated foreign thread fires them), every spawn and drop becomes a
 *   wkc_event, and the conformance oracles (conformance/oracles) judge the
 *   trace: FIRST_POLL, LOST_WAKEUP, AFTER_READY, EXCLUSIVE, DROP_ONCE (final),
 *   NO_LEAK, INLINE_POLL.  Wakes the runtime makes for us (timers, join
 *   handles, the JoinWaker) are judged at quiescence instead: a task still
 *   waiting on a fired timer, a finished child or a JoinWaker whose leaves
 *   can always progress lost that wake.  The runtime's own trace is checked
 *   against its state machine (task.c): every transition from the state it
 *   left, nothing scheduled at quiescence, and a wake applied only on the
 *   core being stepped (a foreign wake is routed, never applied from
 *   outside the core).  A task is polled and dropped only on its core.
 */
#include "tpc_prog.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracles.h"
#include "trace.h"
#include "wk/join.h"
#include "wk/tpc.h"
#include "wk/wk.h"
#include "wkf.h"

#define TARGET "tpc_sched"

enum {
	OP_YIELD_LOCAL, OP_YIELD_TS, OP_YIELD_CLONE, OP_KEEP, OP_WAKE_SLOT, OP_DROP_SLOT,
	OP_DEFER, OP_EXPORT, OP_WAKE_PEER, OP_WAIT, OP_SPAWN, OP_JOIN, OP_SLEEP, OP_SHUTDOWN,
	OP_JOINWAKER, OP_READY,
};

/* Why a task returned Pending: what must wake it. */
enum { PARK_NONE, PARK_SELF, PARK_DEFER, PARK_WAIT, PARK_JOIN, PARK_SLEEP, PARK_JOINWAKER };

typedef struct tp_state tp_state;
typedef struct tp_task tp_task;

typedef struct tp_slot {
	bool used, local, wake_on_drop;
	union {
		wk_waker w;
		wk_local_waker l;
	} u;
} tp_slot;

struct tp_task {
	wk_future base; /* first member: the runtime sees a wk_future */
	tp_state *run;
	uint32_t id;    /* 1-based, the oracles' task number */
	uint8_t script, pc, parked;
	int home;       /* the core it was spawned on */
	uint32_t polls, drops;
	bool in_poll, done, spawned;
	tp_slot slot[TP_SLOTS];
	wk_tpc_join *child;
	tp_task *child_task;
	wk_tpc_timer timer;
	bool timer_live;
	wk_future *jw;
	uint8_t jw_n;
};

typedef struct tp_leaf {
	wk_future base;
	tp_state *run;
	uint8_t left, idx;
} tp_leaf;

/* A deferred foreign wake: the scheduler fires it; we record the wake. */
typedef struct tp_wrap {
	wk_waker inner;
	tp_state *run;
	uint32_t task;
} tp_wrap;

struct tp_state {
	const tp_prog *p;
	wk_tpc_runtime *rt;
	tp_task task[TP_MAX_TASKS + 1]; /* index = id; 0 unused */
	unsigned ntasks;
	wk_waker export_[TP_MAX_TASKS + 1];
	bool exported[TP_MAX_TASKS + 1];
	bool shutdown;
	long leaves_live, wraps_live;
	wkc_event *ev;
	size_t nev, cap;
	uint64_t seq;
};

/* ---- the event trace --------------------------------------------------------- */

static wkc_event *ev_add(tp_state *r, uint32_t kind, uint32_t task, uint32_t other, int64_t value,
			 uint32_t flags)
{
	wkc_event *e;
	if (r->nev == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		wkc_event *g = realloc(r->ev, cap * sizeof *g);
		if (g == NULL)
			wkf_fail(TARGET, "out of memory for the trace");
		r->ev = g;
		r->cap = cap;
	}
	e = &r->ev[r->nev++];
	memset(e, 0, sizeof *e);
	e->seq = e->end = ++r->seq;
	e->kind = kind;
	e->task = task;
	e->other = other;
	e->value = value;
	e->flags = flags;
	e->thread = 1; /* one thread drives every core */
	e->ns = 1;
	return e;
}

/* A wake: one number before the vtable call, one after (trace.h). */
static size_t wake_begin(tp_state *r, uint32_t kind, uint32_t task, uint32_t flags)
{
	ev_add(r, kind, task, 0, 0, flags);
	return r->nev - 1;
}

static void wake_end(tp_state *r, size_t i)
{
	r->ev[i].end = ++r->seq;
}

/* ---- deferred wakes: a wrapper that records the wake when it fires ---------------- */

static void wrap_free(tp_wrap *w)
{
	w->run->wraps_live--;
	free(w);
}

static wk_raw_waker wrap_clone(const void *data);
static void wrap_wake(const void *data)
{
	tp_wrap *w = (tp_wrap *)data;
	/* The simulated foreign thread: a wake from outside every core. */
	size_t i = wake_begin(w->run, WKC_EV_WAKE, w->task, WKC_EVF_FOREIGN);
	wk_waker_wake(&w->inner);
	wake_end(w->run, i);
	wrap_free(w);
}
static void wrap_wake_by_ref(const void *data)
{
	tp_wrap *w = (tp_wrap *)data;
	size_t i = wake_begin(w->run, WKC_EV_WAKE_BY_REF, w->task, WKC_EVF_FOREIGN);
	wk_waker_wake_by_ref(&w->inner);
	wake_end(w->run, i);
}
static void wrap_drop(const void *data)
{
	tp_wrap *w = (tp_wrap *)data;
	wk_waker_drop(&w->inner);
	wrap_free(w);
}
static const wk_raw_waker_vtable wrap_vtable = {wrap_clone, wrap_wake, wrap_wake_by_ref, wrap_drop};

static tp_wrap *wrap_new(tp_state *r, uint32_t task, wk_waker inner)
{
	tp_wrap *w = malloc(sizeof *w);
	if (w == NULL)
		wkf_fail(TARGET, "out of memory");
	w->inner = inner;
	w->run = r;
	w->task = task;
	r->wraps_live++;
	return w;
}

static wk_raw_waker wrap_clone(const void *data)
{
	const tp_wrap *w = data;
	tp_wrap *c = wrap_new(w->run, w->task, wk_waker_clone(&w->inner));
	wk_raw_waker raw = {c, &wrap_vtable};
	return raw;
}

/* ---- JoinWaker leaves ------------------------------------------------------------- */

static wk_poll leaf_poll(wk_future *self, const wk_context *cx, void **out)
{
	tp_leaf *l = (tp_leaf *)self;
	const wk_waker *w;
	if (l->left == 0) {
		*out = (void *)(uintptr_t)(l->idx + 1);
		return WK_READY;
	}
	l->left--;
	/* Odd leaves ask for the thread-safe waker: the local join builds it
	 * lazily (on_waker), the path that costs atomics. */
	w = (l->idx & 1) ? wk_context_try_waker(cx) : NULL;
	if (w != NULL)
		wk_waker_wake_by_ref(w);
	else
		wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

static void leaf_drop(wk_future *self)
{
	tp_leaf *l = (tp_leaf *)self;
	l->run->leaves_live--;
	free(l);
}

static const wk_future_vtable leaf_vtable = {leaf_poll, leaf_drop};

/* ---- tasks ------------------------------------------------------------------------ */

static void slot_release(tp_task *t, tp_slot *s, bool at_drop)
{
	if (!s->used)
		return;
	s->used = false;
	if (at_drop && s->wake_on_drop) {
		size_t i = wake_begin(t->run, WKC_EV_WAKE, t->id,
				      WKC_EVF_IN_DROP | (s->local ? WKC_EVF_LOCAL : 0));
		if (s->local)
			wk_local_waker_wake(&s->u.l);
		else
			wk_waker_wake(&s->u.w);
		wake_end(t->run, i);
	} else if (s->local) {
		wk_local_waker_drop(&s->u.l);
	} else {
		wk_waker_drop(&s->u.w);
	}
}

static tp_task *task_new(tp_state *r, uint8_t script, int home);

static void check_core(const tp_task *t, const char *what)
{
	int cur = wk_tpc_current_core();
	if (cur != t->home)
		wkf_fail(TARGET, "task %" PRIu32 " %s on core %d; it was spawned on core %d", t->id,
			 what, cur, t->home);
}

static void task_drop(wk_future *self)
{
	tp_task *t = (tp_task *)self;
	tp_state *r = t->run;
	int i;
	check_core(t, "dropped");
	ev_add(r, WKC_EV_FUTURE_DROP, t->id, 0, 0, 0);
	if (++t->drops > 1)
		return; /* the oracle reports it; the state is released already */
	for (i = 0; i < TP_SLOTS; i++)
		slot_release(t, &t->slot[i], true);
	if (t->child != NULL) {
		wk_tpc_join_drop(t->child);
		t->child = NULL;
	}
	if (t->timer_live) {
		wk_tpc_timer_cancel(&t->timer);
		t->timer_live = false;
	}
	if (t->jw != NULL) {
		wk_future_drop(t->jw);
		t->jw = NULL;
	}
}

/* One op.  Returns 1 to go on with the next op, 0 to return Pending, 2 for
 * Ready. */
static int task_op(tp_task *t, const wk_context *cx, uint8_t op)
{
	tp_state *r = t->run;
	unsigned a = op & 15u;
	const wk_local_waker *lw = wk_context_local_waker(cx);
	size_t i;
	tp_slot *s;

	switch (op >> 4) {
	case OP_YIELD_LOCAL:
		i = wake_begin(r, WKC_EV_WAKE_BY_REF, t->id, WKC_EVF_IN_POLL | WKC_EVF_LOCAL);
		wk_local_waker_wake_by_ref(lw);
		wake_end(r, i);
		t->parked = PARK_SELF;
		return 0;
	case OP_YIELD_TS:
		i = wake_begin(r, WKC_EV_WAKE_BY_REF, t->id, WKC_EVF_IN_POLL);
		wk_waker_wake_by_ref(wk_context_waker(cx));
		wake_end(r, i);
		t->parked = PARK_SELF;
		return 0;
	case OP_YIELD_CLONE:
		if (a & 1) {
			wk_waker c = wk_waker_clone(wk_context_waker(cx));
			i = wake_begin(r, WKC_EV_WAKE, t->id, WKC_EVF_IN_POLL);
			wk_waker_wake(&c);
		} else {
			wk_local_waker c = wk_local_waker_clone(lw);
			i = wake_begin(r, WKC_EV_WAKE, t->id, WKC_EVF_IN_POLL | WKC_EVF_LOCAL);
			wk_local_waker_wake(&c);
		}
		wake_end(r, i);
		t->parked = PARK_SELF;
		return 0;
	case OP_KEEP:
		s = &t->slot[a & 3];
		slot_release(t, s, false);
		s->local = (a & 4) == 0;
		s->wake_on_drop = (a & 8) != 0;
		if (s->local)
			s->u.l = wk_local_waker_clone(lw);
		else
			s->u.w = wk_waker_clone(wk_context_waker(cx));
		s->used = true;
		return 1;
	case OP_WAKE_SLOT:
		s = &t->slot[a & 3];
		if (s->used) {
			s->used = false;
			i = wake_begin(r, WKC_EV_WAKE, t->id,
				       WKC_EVF_IN_POLL | (s->local ? WKC_EVF_LOCAL : 0));
			if (s->local)
				wk_local_waker_wake(&s->u.l);
			else
				wk_waker_wake(&s->u.w);
			wake_end(r, i);
		}
		return 1;
	case OP_DROP_SLOT:
		slot_release(t, &t->slot[a & 3], false);
		return 1;
	case OP_DEFER: {
		tp_wrap *w = wrap_new(r, t->id, wk_waker_clone(wk_context_waker(cx)));
		wk_waker ww = wk_waker_new(w, &wrap_vtable);
		wk_tpc_det_defer_wake(r->rt, &ww);
		t->parked = PARK_DEFER;
		return 0;
	}
	case OP_EXPORT:
		if (!r->exported[t->id]) {
			r->export_[t->id] = wk_waker_clone(wk_context_waker(cx));
			r->exported[t->id] = true;
		}
		return 1;
	case OP_WAKE_PEER: {
		uint32_t peer = 1 + a % r->ntasks;
		if (r->exported[peer]) {
			i = wake_begin(r, WKC_EV_WAKE_BY_REF, peer,
				       peer == t->id ? WKC_EVF_IN_POLL : 0);
			wk_waker_wake_by_ref(&r->export_[peer]);
			wake_end(r, i);
		}
		return 1;
	}
	case OP_WAIT:
		t->parked = PARK_WAIT;
		return 0;
	case OP_SPAWN: {
		tp_task *c;
		int cur = wk_tpc_current_core(), core, rc;
		if (r->ntasks >= TP_MAX_TASKS)
			return 1;
		if (t->child != NULL) {
			wk_tpc_join_drop(t->child); /* detach the previous child */
			t->child = NULL;
		}
		core = (a & 4) || (a & 8) ? cur : (cur + 1) % (int)r->p->cores;
		c = task_new(r, (uint8_t)(a & 3), core);
		ev_add(r, WKC_EV_SPAWN, c->id, (uint32_t)core, 0, (a & 4) ? WKC_EVF_LOCAL : 0);
		if (a & 4)
			rc = wk_tpc_spawn_local(&c->base, &t->child);
		else
			rc = wk_tpc_spawn(r->rt, core, 0, &c->base, &t->child);
		r->ev[r->nev - 1].value = rc; /* the spawn event's result */
		if (rc != 0)
			wkf_fail(TARGET, "spawn from a poll refused (runtime not shutting down)");
		t->child_task = c;
		return 1;
	}
	case OP_JOIN: {
		void *out = NULL;
		wk_tpc_join_status st;
		if (t->child == NULL)
			return 1;
		st = wk_tpc_join_poll(t->child, cx, &out);
		if (st == WK_TPC_JOIN_PENDING) {
			t->parked = PARK_JOIN;
			return 0;
		}
		if (st != WK_TPC_JOIN_READY || out != (void *)(uintptr_t)t->child_task->id)
			wkf_fail(TARGET, "task %" PRIu32 ": join of task %" PRIu32 " gave status %d output %p",
				 t->id, t->child_task->id, (int)st, out);
		wk_tpc_join_drop(t->child);
		t->child = NULL;
		return 1;
	}
	case OP_SLEEP:
		if (!t->timer_live) {
			wk_tpc_timer_init(&t->timer, (uint64_t)(a + 1) * 1000u);
			t->timer_live = true;
		}
		if (wk_tpc_timer_poll(&t->timer, cx) == WK_PENDING) {
			t->parked = PARK_SLEEP;
			return 0;
		}
		t->timer_live = false;
		return 1;
	case OP_SHUTDOWN:
		r->shutdown = true;
		return 1;
	case OP_JOINWAKER: {
		void *out = NULL;
		if (t->jw == NULL) {
			wk_future *kids[4];
			unsigned n = (a & 3) + 1, k;
			for (k = 0; k < n; k++) {
				tp_leaf *l = malloc(sizeof *l);
				if (l == NULL)
					wkf_fail(TARGET, "out of memory");
				l->base.vtable = &leaf_vtable;
				l->run = r;
				l->left = (uint8_t)(a >> 2);
				l->idx = (uint8_t)k;
				r->leaves_live++;
				kids[k] = &l->base;
			}
			t->jw = wk_join_local_new(kids, n);
			if (t->jw == NULL)
				wkf_fail(TARGET, "wk_join_local_new failed");
			t->jw_n = (uint8_t)n;
		}
		if (wk_future_poll(t->jw, cx, &out) == WK_PENDING) {
			t->parked = PARK_JOINWAKER;
			return 0;
		}
		for (unsigned k = 0; k < t->jw_n; k++)
			if (((void **)out)[k] != (void *)(uintptr_t)(k + 1))
				wkf_fail(TARGET, "task %" PRIu32 ": JoinWaker child %u output %p", t->id, k,
					 ((void **)out)[k]);
		wk_future_drop(t->jw);
		t->jw = NULL;
		return 1;
	}
	default: /* OP_READY */
		return 2;
	}
}

static wk_poll task_poll(wk_future *self, const wk_context *cx, void **out)
{
	tp_task *t = (tp_task *)self;
	tp_state *r = t->run;
	const tp_prog *p = r->p;
	uint32_t flags = wk_context_has_waker(cx) ? WKC_EVF_HAS_WAKER : 0;
	size_t begin;
	int res = 1;

	if (t->in_poll)
		flags |= WKC_EVF_OVERLAP;
	if (t->done || t->drops > 0)
		flags |= WKC_EVF_AFTER_READY;
	ev_add(r, WKC_EV_POLL_BEGIN, t->id, ++t->polls, 0, flags);
	begin = r->nev - 1;
	if (flags & (WKC_EVF_OVERLAP | WKC_EVF_AFTER_READY))
		wkf_fail(TARGET, "task %" PRIu32 " polled %s (poll #%" PRIu32 ")", t->id,
			 (flags & WKC_EVF_OVERLAP) ? "while its poll runs"
			 : t->done		   ? "after it returned Ready"
						   : "after it was dropped",
			 t->polls);
	check_core(t, "polled");
	t->in_poll = true;
	t->parked = PARK_NONE;
	while (res == 1) {
		if (t->pc >= p->len[t->script]) {
			res = 2;
			break;
		}
		/* An op that waits stays current (JOIN, SLEEP, JOINWAKER) until
		 * it completes; every other op is done once. */
		res = task_op(t, cx, p->ops[t->script][t->pc]);
		if (res == 1 || (res == 0 && t->parked != PARK_JOIN && t->parked != PARK_SLEEP &&
				 t->parked != PARK_JOINWAKER))
			t->pc++;
	}
	t->in_poll = false;
	if (res == 2) {
		t->done = true;
		*out = (void *)(uintptr_t)t->id;
	}
	ev_add(r, WKC_EV_POLL_END, t->id, t->polls, (int64_t)r->ev[begin].seq,
	       res == 2 ? WKC_EVF_READY : 0);
	return res == 2 ? WK_READY : WK_PENDING;
}

static const wk_future_vtable task_vtable = {task_poll, task_drop};

static tp_task *task_new(tp_state *r, uint8_t script, int home)
{
	tp_task *t = &r->task[++r->ntasks];
	memset(t, 0, sizeof *t);
	t->base.vtable = &task_vtable;
	t->run = r;
	t->id = r->ntasks;
	t->script = script;
	t->home = home;
	return t;
}

/* ---- the runtime's own trace against its state machine (task.c) ------------------- */

enum { S_NEW, S_IDLE, S_SCHED, S_RUN, S_NOTIFIED, S_DONE };
/* The runtime's WK__TPC_* value for each of our states (the WAKE event's a). */
static const int64_t runtime_state[] = {-1, 0, 1, 2, 3, 4};

static void check_runtime_trace(wk_tpc_runtime *rt, bool quiescent)
{
	size_t n = 0, i, j;
	const wk_tpc_event *ev = wk_tpc_trace(rt, &n);
	uint64_t ids[4 * TP_MAX_TASKS];
	int st[4 * TP_MAX_TASKS];
	unsigned drops[4 * TP_MAX_TASKS];
	size_t nids = 0;
	uint32_t step = UINT32_MAX;
	int step_core = -2; /* -1: outside every core; -2: a timer step (not judged) */

	for (i = 0; i < n; i++) {
		const wk_tpc_event *e = &ev[i];
		int *s;
		if (e->step != step) {
			step = e->step;
			if (e->kind == WK_TPC_EV_POLL || e->kind == WK_TPC_EV_DRAIN)
				step_core = e->core;
			else if (e->kind == WK_TPC_EV_FIRE)
				step_core = -1;
			else
				step_core = -2;
		}
		if (e->task == 0)
			continue; /* clock, fire, defer: no task */
		{
			for (j = 0; j < nids && ids[j] != e->task; j++)
				;
			if (j == nids) {
				if (nids == sizeof ids / sizeof ids[0])
					wkf_fail(TARGET, "runtime trace: too many task ids");
				ids[nids] = e->task;
				st[nids] = S_NEW;
				drops[nids] = 0;
				nids++;
			}
			s = &st[j];
		}
		switch (e->kind) {
		case WK_TPC_EV_SPAWN:
			if (*s != S_NEW)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " spawned twice (step %" PRIu32 ")",
					 e->task, e->step);
			*s = S_SCHED;
			break;
		case WK_TPC_EV_POLL:
			if (*s != S_SCHED)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " polled in state %d, not SCHEDULED (step %" PRIu32 ")",
					 e->task, *s, e->step);
			*s = S_RUN;
			break;
		case WK_TPC_EV_PENDING:
			if (*s != S_RUN && *s != S_NOTIFIED)
				wkf_fail(TARGET, "runtime task %#" PRIx64 ": a poll ended Pending in state %d (step %" PRIu32 ")",
					 e->task, *s, e->step);
			if ((e->a == 1) != (*s == S_NOTIFIED))
				wkf_fail(TARGET, "runtime task %#" PRIx64 ": poll ended Pending with notified=%" PRIu64
					 " but %s wake came during the poll (step %" PRIu32 "): a wake during poll %s",
					 e->task, e->a, *s == S_NOTIFIED ? "a" : "no", e->step,
					 *s == S_NOTIFIED ? "was lost" : "was invented");
			*s = e->a ? S_SCHED : S_IDLE;
			break;
		case WK_TPC_EV_READY:
			if (*s != S_RUN && *s != S_NOTIFIED)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " Ready in state %d (step %" PRIu32 ")", e->task,
					 *s, e->step);
			*s = S_DONE;
			break;
		case WK_TPC_EV_WAKE:
			if (step_core != -2 && step_core != (int)e->core)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " of core %u woken locally while %s was "
					 "being stepped (step %" PRIu32 "): a foreign wake must be routed",
					 e->task, (unsigned)e->core,
					 step_core == -1 ? "no core" : "another core", e->step);
			if (*s != S_NEW && e->a != (uint64_t)runtime_state[*s])
				wkf_fail(TARGET, "runtime task %#" PRIx64 " woken in runtime state %" PRIu64
					 " while its transitions say %" PRId64 " (step %" PRIu32 ")",
					 e->task, e->a, runtime_state[*s], e->step);
			if (*s == S_IDLE)
				*s = S_SCHED;
			else if (*s == S_RUN)
				*s = S_NOTIFIED;
			break;
		case WK_TPC_EV_DROP:
			if (++drops[j] > 1)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " dropped twice (step %" PRIu32 ")", e->task,
					 e->step);
			if (*s != S_DONE)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " dropped unfinished before destroy (step %" PRIu32 ")",
					 e->task, e->step);
			break;
		default:
			break;
		}
	}
	if (quiescent)
		for (j = 0; j < nids; j++)
			if (st[j] == S_SCHED || st[j] == S_RUN || st[j] == S_NOTIFIED)
				wkf_fail(TARGET, "runtime task %#" PRIx64 " is scheduled (state %d) but the runtime "
					 "went quiescent without polling it",
					 ids[j], st[j]);
}

/* ---- parsing ---------------------------------------------------------------------- */

size_t tp_parse(tp_prog *p, const uint8_t *data, size_t size)
{
	size_t pos = 0;
	uint8_t b0, b1;
	unsigned k, i;
#define NEXT() (pos < size ? data[pos++] : (uint8_t)0)
	memset(p, 0, sizeof *p);
	b0 = NEXT();
	b1 = NEXT();
	p->cores = (b0 & 3u) == 3u ? 1u : (b0 & 3u) + 1u;
	p->waker_kind = (b0 >> 2) & 1u;
	p->ntasks = ((b0 >> 3) & 3u) + 1u;
	p->shutdown_set = (b0 >> 5) & 1u;
	p->local_tasks = (b0 >> 6) & 1u;
	p->shutdown_step = b1;
	for (k = 0; k < TP_SCRIPTS; k++) {
		p->len[k] = (uint8_t)(NEXT() % (TP_OPS + 1));
		for (i = 0; i < p->len[k]; i++)
			p->ops[k][i] = NEXT();
	}
#undef NEXT
	p->sched = pos < size ? data + pos : NULL;
	p->sched_len = pos < size ? size - pos : 0;
	return pos;
}

size_t tp_encode(const tp_prog *p, uint8_t *out)
{
	size_t n = 0;
	unsigned k, i;
	out[n++] = (uint8_t)((p->cores - 1) | (p->waker_kind << 2) | ((p->ntasks - 1) << 3) |
			     ((unsigned)p->shutdown_set << 5) | ((unsigned)p->local_tasks << 6));
	out[n++] = (uint8_t)p->shutdown_step;
	for (k = 0; k < TP_SCRIPTS; k++) {
		out[n++] = p->len[k];
		for (i = 0; i < p->len[k]; i++)
			out[n++] = p->ops[k][i];
	}
	return n;
}

/* ---- one run ----------------------------------------------------------------------- */

static void judge(tp_state *r, bool final)
{
	static const wkc_oracle which[] = {
		WKC_OR_FIRST_POLL, WKC_OR_LOST_WAKEUP, WKC_OR_AFTER_READY, WKC_OR_EXCLUSIVE,
		WKC_OR_DROP_ONCE,  WKC_OR_NO_LEAK,     WKC_OR_INLINE_POLL,
	};
	wkc_oracle_opts o = {.final = final};
	wkc_finding f;
	size_t k;
	for (k = 0; k < sizeof which / sizeof which[0]; k++)
		if (wkc_oracle_get(which[k])(r->ev, r->nev, &o, &f) > 0)
			wkf_fail(TARGET, "oracle %s: %s", wkc_oracle_name(which[k]), f.first);
}

/* At quiescence a task waiting on something the runtime wakes for us must
 * not be waiting still: the timer fired (no timer is armed at
 * quiescence), the child finished, the JoinWaker's leaves only ever wake
 * themselves. */
static void check_parked(tp_state *r)
{
	unsigned id;
	for (id = 1; id <= r->ntasks; id++) {
		const tp_task *t = &r->task[id];
		const char *what = NULL;
		if (t->done || t->drops > 0 || t->polls == 0)
			continue;
		if (t->parked == PARK_SLEEP)
			what = "its timer fired";
		else if (t->parked == PARK_JOINWAKER)
			what = "its JoinWaker's children woke it";
		else if (t->parked == PARK_JOIN && t->child_task != NULL && t->child_task->done)
			what = "the child it joins finished";
		if (what != NULL)
			wkf_fail(TARGET, "task %" PRIu32 " was never polled again after %s (lost wakeup)",
				 t->id, what);
	}
}

void tp_run(const tp_prog *p, tp_result *res)
{
	tp_state *r = calloc(1, sizeof *r);
	wk_tpc_config cfg;
	unsigned i;
	size_t steps = 0;
	bool quiescent = false, all_done = true;

	if (r == NULL)
		wkf_fail(TARGET, "out of memory");
	r->p = p;
	wk_tpc_config_init(&cfg);
	cfg.mode = WK_TPC_MODE_DETERMINISTIC;
	cfg.cores = p->cores;
	cfg.waker_kind = p->waker_kind ? WK_TPC_WAKER_ON_WAKER : WK_TPC_WAKER_CHEAP;
	cfg.schedule = p->sched;
	cfg.schedule_len = p->sched_len;
	r->rt = wk_tpc_create(&cfg);
	if (r->rt == NULL)
		wkf_fail(TARGET, "wk_tpc_create failed");
	/* Nothing is judged before the checkpoint a quiescent run records:
	 * a run shut down early owes no poll to the wakes it made. */
	ev_add(r, WKC_EV_CHECKPOINT, 0, 0, 0, 0);
	for (i = 0; i < p->ntasks; i++) {
		int core = (int)(i % p->cores);
		tp_task *t = task_new(r, (uint8_t)i, core);
		int rc;
		ev_add(r, WKC_EV_SPAWN, t->id, (uint32_t)core, 0, p->local_tasks ? WKC_EVF_LOCAL : 0);
		rc = wk_tpc_spawn(r->rt, core, p->local_tasks ? WK_TPC_SPAWN_LOCAL : 0, &t->base, NULL);
		r->ev[r->nev - 1].value = rc;
		if (rc != 0)
			wkf_fail(TARGET, "spawn on core %d refused", core);
	}
	for (;;) {
		if (r->shutdown || (p->shutdown_set && steps == p->shutdown_step) || steps == TP_MAX_STEPS)
			break;
		if (!wk_tpc_det_step(r->rt)) {
			quiescent = true;
			break;
		}
		steps++;
	}
	res->steps = steps;
	res->quiescent = quiescent;
	res->bytes_used = wk_tpc_det_bytes_used(r->rt);
	check_runtime_trace(r->rt, quiescent);
	res->trace_hash = wk_tpc_trace_hash(r->rt);
	if (quiescent) {
		check_parked(r);
		for (i = 1; i <= r->ntasks; i++) {
			if (r->exported[i]) {
				wk_waker_drop(&r->export_[i]);
				r->exported[i] = false;
			}
			if (!r->task[i].done)
				all_done = false;
		}
		ev_add(r, WKC_EV_CHECKPOINT, 0, 0, 0, 0);
		if (all_done)
			ev_add(r, WKC_EV_LIVE_SAMPLE, 0, 0, (int64_t)wk_tpc_live_tasks(r->rt),
			       WKC_EVF_EXPECT_ZERO);
		judge(r, false);
	}
	ev_add(r, WKC_EV_DESTROY_BEGIN, 0, 0, 0, 0);
	wk_tpc_destroy(r->rt);
	ev_add(r, WKC_EV_DESTROY_END, 0, 0, 0, 0);
	for (i = 1; i <= r->ntasks; i++)
		if (r->exported[i])
			wk_waker_drop(&r->export_[i]); /* wakers outlive the runtime safely */
	judge(r, true);
	if (r->leaves_live != 0 || r->wraps_live != 0)
		wkf_fail(TARGET, "%ld JoinWaker children and %ld deferred wakers never dropped",
			 r->leaves_live, r->wraps_live);
	res->events = r->nev;
	free(r->ev);
	free(r);
}
