/*
 * test_task.c - tpc.task: the task state machine, wakers, joins, timers,
 * run_on, quiescence and misuse messages of the reference runtime.
 */
#include "support/tpc_test.h"
#include "tpc_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QUIESCE_NS (10ull * 1000000000ull)

static wk_tpc_runtime *make_rt(wk_tpc_mode mode, unsigned cores, wk_tpc_waker_kind kind)
{
	wk_tpc_config c = tpc_config(mode, cores);
	wk_tpc_runtime *rt;
	c.waker_kind = kind;
	rt = wk_tpc_create(&c);
	assert_non_null(rt);
	return rt;
}

/* ---- wake during poll --------------------------------------------------------- */

static void self_wake_case(wk_tpc_mode mode, wk_tpc_waker_kind kind, probe_fn fn)
{
	wk_tpc_runtime *rt = make_rt(mode, 1, kind);
	probe p;
	probe_init(&p, fn, NULL);
	p.limit = 100;
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	/* Every poll woke the task while it ran; none of those wakes was lost. */
	assert_int_equal(probe_polls(&p), 100);
	assert_int_equal(probe_drops(&p), 1);
	assert_int_equal(atomic_load(&p.poll_after_ready), 0);
	assert_int_equal(atomic_load(&p.concurrent), 0);
	if (mode == WK_TPC_MODE_DETERMINISTIC) {
		/* The trace shows RUNNING -> NOTIFIED -> SCHEDULED each time. */
		size_t n, i;
		int notified = 0, plain = 0;
		const wk_tpc_event *ev = wk_tpc_trace(rt, &n);
		for (i = 0; i < n; i++)
			if (ev[i].kind == WK_TPC_EV_PENDING)
				ev[i].a ? notified++ : plain++;
		assert_int_equal(notified, 99);
		assert_int_equal(plain, 0);
	}
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
}

/* @proves WK-TPC-001 WK-TPC-002 */
static void test_wake_during_poll_local(void **state)
{
	(void)state;
	self_wake_case(WK_TPC_MODE_THREADS, WK_TPC_WAKER_CHEAP, probe_self_wake_local);
	self_wake_case(WK_TPC_MODE_DETERMINISTIC, WK_TPC_WAKER_CHEAP, probe_self_wake_local);
}

/* @proves WK-TPC-002 WK-TPC-030 */
static void test_wake_during_poll_thread_safe(void **state)
{
	(void)state;
	self_wake_case(WK_TPC_MODE_THREADS, WK_TPC_WAKER_CHEAP, probe_self_wake_waker);
	self_wake_case(WK_TPC_MODE_DETERMINISTIC, WK_TPC_WAKER_CHEAP, probe_self_wake_waker);
	self_wake_case(WK_TPC_MODE_THREADS, WK_TPC_WAKER_ON_WAKER, probe_self_wake_waker);
	self_wake_case(WK_TPC_MODE_DETERMINISTIC, WK_TPC_WAKER_ON_WAKER, probe_self_wake_waker);
}

/* A foreign thread wakes the task while its poll is still running. */
typedef struct foreign_during {
	probe p;
	_Atomic int go, done, timed_out;
} foreign_during;

static void *foreign_during_thread(void *arg)
{
	foreign_during *f = arg;
	if (!tpc_wait_flag(&f->go, 10000))
		return NULL;
	wk_waker_wake_by_ref(&f->p.waker);
	atomic_store(&f->done, 1);
	return NULL;
}

static wk_poll foreign_during_poll(probe *p, const wk_context *cx, void **output)
{
	foreign_during *f = (foreign_during *)p;
	(void)output;
	if (++p->n == 1) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
		atomic_store(&f->go, 1);
		/* The owner core is busy right here: a wake that waited for it
		 * would never finish (WK-TPC-009). */
		if (!tpc_wait_flag(&f->done, 10000))
			atomic_store(&f->timed_out, 1);
		return WK_PENDING;
	}
	wk_waker_drop(&p->waker);
	p->has_waker = false;
	return WK_READY;
}

/* @proves WK-TPC-002 WK-TPC-008 WK-TPC-009 */
static void test_foreign_wake_during_poll(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 1, WK_TPC_WAKER_CHEAP);
	foreign_during f;
	pthread_t th;
	(void)state;
	memset(&f, 0, sizeof f);
	probe_init(&f.p, foreign_during_poll, NULL);
	th = tpc_thread_start(foreign_during_thread, &f);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &f.p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	tpc_thread_join(th);
	assert_int_equal(atomic_load(&f.timed_out), 0);
	assert_int_equal(probe_polls(&f.p), 2);
	assert_int_equal(probe_drops(&f.p), 1);
	wk_tpc_destroy(rt);
}

/* ---- no poll after ready --------------------------------------------------------- */

static wk_poll keep_wakers_then_ready(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	p->local = wk_local_waker_clone(wk_context_local_waker(cx));
	p->has_local = true;
	p->waker = wk_waker_clone(wk_context_waker(cx));
	p->has_waker = true;
	return WK_READY;
}

static void wake_local_on_core(void *arg)
{
	probe *p = arg;
	wk_local_waker_wake_by_ref(&p->local);
	wk_local_waker_wake_by_ref(&p->local);
}

static void drop_local_on_core(void *arg)
{
	probe *p = arg;
	p->has_local = false;
	wk_local_waker_drop(&p->local);
}

/* @proves WK-TPC-003 WK-TPC-020 */
static void test_no_poll_after_ready(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	probe p;
	int i;
	(void)state;
	probe_init(&p, keep_wakers_then_ready, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 1);
	assert_int_equal(probe_drops(&p), 1);
	/* The two wakers keep the task object alive. */
	assert_int_equal(wk_tpc_live_tasks(rt), 1);

	for (i = 0; i < 3; i++)
		wk_waker_wake_by_ref(&p.waker); /* foreign: routed to core 1 */
	assert_int_equal(wk_tpc_run_on(rt, 1, wake_local_on_core, &p, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 1);
	assert_int_equal(atomic_load(&p.poll_after_ready), 0);

	/* Last local reference gone: the task is freed; its thread-safe waker
	 * outlives it and stays harmless. */
	assert_int_equal(wk_tpc_run_on(rt, 1, drop_local_on_core, &p, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_waker_wake_by_ref(&p.waker);
	{
		wk_waker c = wk_waker_clone(&p.waker);
		wk_waker_wake(&c);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&p), 1);
	assert_int_equal(probe_drops(&p), 1);
	probe_release_wakers(&p);
	wk_tpc_destroy(rt);
}

/* ---- coalescing -------------------------------------------------------------------- */

static wk_poll store_both(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (!p->has_waker) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
		p->local = wk_local_waker_clone(wk_context_local_waker(cx));
		p->has_local = true;
	}
	return WK_PENDING;
}

static wk_poll wake_target_five_times(probe *p, const wk_context *cx, void **output)
{
	probe *target = p->user;
	int i;
	(void)cx;
	(void)output;
	for (i = 0; i < 5; i++)
		wk_local_waker_wake_by_ref(&target->local);
	return WK_READY;
}

/* @proves WK-TPC-004 */
static void test_wakes_coalesce(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 1, WK_TPC_WAKER_CHEAP);
	probe target, waker_task;
	int i;
	(void)state;
	probe_init(&target, store_both, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &target.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&target), 1);

	/* Five foreign wakes before the core drains: one queued item, one poll. */
	for (i = 0; i < 5; i++)
		wk_waker_wake_by_ref(&target.waker);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&target), 2);

	/* Five local wakes from another task of the core: one poll. */
	probe_init(&waker_task, wake_target_five_times, &target);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &waker_task.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&target), 3);

	wk_tpc_destroy(rt); /* drops target's future; its wakers are released below */
	assert_int_equal(probe_drops(&target), 1);
	probe_release_wakers(&target); /* deterministic: this thread was its core */
}

/* ---- owner thread ---------------------------------------------------------------- */

#define OWNER_TASKS 8

/* @proves WK-TPC-005 */
static void test_polled_on_owner_core_only(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	probe p[OWNER_TASKS];
	int i, round;
	(void)state;
	for (i = 0; i < OWNER_TASKS; i++) {
		probe_init(&p[i], probe_store_waker, NULL);
		assert_int_equal(wk_tpc_spawn(rt, i % 2, i >= 4 ? WK_TPC_SPAWN_LOCAL : 0, &p[i].base,
					      NULL),
				 0);
	}
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < OWNER_TASKS; i++)
			wk_waker_wake_by_ref(&p[i].waker);
		assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	}
	for (i = 0; i < OWNER_TASKS; i++) {
		assert_true(probe_polls(&p[i]) >= 2);
		assert_int_equal(atomic_load(&p[i].first_core), i % 2);
		assert_int_equal(atomic_load(&p[i].core_changes), 0);
		assert_int_equal(atomic_load(&p[i].thread_changes), 0);
		assert_true(atomic_load(&p[i].thread) != (unsigned long)pthread_self());
		assert_int_equal(atomic_load(&p[i].concurrent), 0);
	}
	wk_tpc_destroy(rt);
	for (i = 0; i < OWNER_TASKS; i++) {
		assert_int_equal(probe_drops(&p[i]), 1);
		probe_release_wakers(&p[i]);
	}
}

/* ---- the lazy thread-safe waker ------------------------------------------------------ */

typedef struct lazy_probe {
	probe p;
	wk_tpc_join *join;           /* the task itself */
	int handle_after_local;      /* handle existed after local ops */
	int handle_after_cx_wake;    /* ... after cx waker wake_by_ref on the core */
	int handle_after_clone;
	int same_handle;
	int same_waker_pointer;
} lazy_probe;

static wk__tpc_handle *handle_of(lazy_probe *lp)
{
	return atomic_load(&((wk__tpc_task *)lp->join)->handle);
}

static wk_poll lazy_poll(probe *p, const wk_context *cx, void **output)
{
	lazy_probe *lp = (lazy_probe *)p;
	(void)output;
	if (++p->n == 1) {
		wk_local_waker c = wk_local_waker_clone(wk_context_local_waker(cx));
		wk_local_waker_wake_by_ref(&c);
		wk_local_waker_drop(&c);
		lp->handle_after_local = handle_of(lp) != NULL;
		return WK_PENDING; /* notified: polled again */
	}
	if (p->n == 2) {
		if (lp->p.limit == 0) /* cheap waker: wake_by_ref on the core is local */
			wk_waker_wake_by_ref(wk_context_waker(cx));
		else
			wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
		lp->handle_after_cx_wake = handle_of(lp) != NULL;
		return WK_PENDING;
	}
	{
		const wk_waker *w1 = wk_context_waker(cx);
		const wk_waker *w2 = wk_context_waker(cx);
		wk_waker a = wk_waker_clone(w1);
		wk_waker b = wk_waker_clone(w2);
		lp->same_waker_pointer = w1 == w2;
		lp->handle_after_clone = handle_of(lp) != NULL;
		lp->same_handle = wk_waker_data(&a) == wk_waker_data(&b) &&
				  wk_waker_data(&a) == (const void *)handle_of(lp);
		wk_waker_drop(&a);
		wk_waker_drop(&b);
	}
	return WK_READY;
}

static void lazy_case(wk_tpc_waker_kind kind)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 1, kind);
	lazy_probe lp;
	memset(&lp, 0, sizeof lp);
	probe_init(&lp.p, lazy_poll, NULL);
	lp.p.limit = kind == WK_TPC_WAKER_CHEAP ? 0 : 1;
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &lp.p.base, &lp.join), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&lp.p), 3);
	assert_int_equal(lp.handle_after_local, 0);
	assert_int_equal(lp.handle_after_cx_wake, 0);
	assert_int_equal(lp.handle_after_clone, 1);
	assert_int_equal(lp.same_handle, 1);
	assert_int_equal(lp.same_waker_pointer, 1); /* built once per poll */
	assert_int_equal(wk_tpc_join_wait(lp.join, NULL), WK_TPC_JOIN_READY);
	wk_tpc_join_drop(lp.join);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);
}

/* @proves WK-TPC-006 WK-TPC-007 WK-TPC-030 */
static void test_thread_safe_waker_is_lazy(void **state)
{
	(void)state;
	lazy_case(WK_TPC_WAKER_CHEAP);
	lazy_case(WK_TPC_WAKER_ON_WAKER);
}

/* ---- join handles --------------------------------------------------------------------- */

static wk_poll outer_local_join(probe *p, const wk_context *cx, void **output)
{
	wk_tpc_join *j = p->user;
	void *out = NULL;
	wk_tpc_join_status st;
	if (j == NULL) {
		probe *inner = malloc(sizeof *inner);
		probe_init(inner, probe_ready, (void *)(uintptr_t)0x1234);
		inner->on_drop = probe_free;
		assert_int_equal(wk_tpc_spawn_local(&inner->base, &j), 0);
		p->user = j;
	}
	st = wk_tpc_join_poll(j, cx, &out);
	if (st == WK_TPC_JOIN_PENDING) {
		p->n++;
		return WK_PENDING;
	}
	*output = out;
	p->limit = (int)st;
	wk_tpc_join_drop(j);
	return WK_READY;
}

typedef struct cross_join {
	probe p;
	wk_tpc_runtime *rt;
	wk_tpc_join *j;
} cross_join;

static wk_poll inner_sleep_then_value(probe *p, const wk_context *cx, void **output)
{
	wk_tpc_timer *t = p->user;
	if (wk_tpc_timer_poll(t, cx) == WK_PENDING)
		return WK_PENDING;
	*output = (void *)(uintptr_t)(0x5000 + wk_tpc_current_core());
	return WK_READY;
}

static wk_poll outer_cross_join(probe *p, const wk_context *cx, void **output)
{
	cross_join *c = (cross_join *)p;
	void *out = NULL;
	if (c->j == NULL) {
		probe *inner = malloc(sizeof *inner + sizeof(wk_tpc_timer));
		wk_tpc_timer *t = (wk_tpc_timer *)(inner + 1);
		wk_tpc_timer_init(t, 1000000); /* 1 ms */
		probe_init(inner, inner_sleep_then_value, t);
		inner->on_drop = probe_free;
		if (wk_tpc_spawn(c->rt, 1, 0, &inner->base, &c->j) != 0)
			return WK_READY;
	}
	if (wk_tpc_join_poll(c->j, cx, &out) == WK_TPC_JOIN_PENDING)
		return WK_PENDING;
	wk_tpc_join_drop(c->j);
	*output = out;
	return WK_READY;
}

/* @proves WK-TPC-016 */
static void test_join_handles(void **state)
{
	wk_tpc_runtime *rt;
	probe outer, selfw;
	cross_join cj;
	void *out = NULL;
	wk_tpc_join *j = NULL;
	(void)state;

	/* Local join, same core: deterministic and threads. */
	rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 1, WK_TPC_WAKER_CHEAP);
	probe_init(&outer, outer_local_join, NULL);
	assert_int_equal(wk_tpc_block_on(rt, 0, &outer.base, &out), WK_TPC_JOIN_READY);
	assert_ptr_equal(out, (void *)(uintptr_t)0x1234);
	assert_int_equal(outer.limit, WK_TPC_JOIN_READY);
	assert_int_equal(outer.n, 1); /* pending once, then woken by the completion */
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);

	rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	probe_init(&outer, outer_local_join, NULL);
	assert_int_equal(wk_tpc_block_on(rt, 1, &outer.base, &out), WK_TPC_JOIN_READY);
	assert_ptr_equal(out, (void *)(uintptr_t)0x1234);

	/* Shared join across cores: a task on core 0 awaits one on core 1. */
	memset(&cj, 0, sizeof cj);
	probe_init(&cj.p, outer_cross_join, NULL);
	cj.rt = rt;
	assert_int_equal(wk_tpc_block_on(rt, 0, &cj.p.base, &out), WK_TPC_JOIN_READY);
	assert_ptr_equal(out, (void *)(uintptr_t)0x5001);

	/* join_wait from this plain thread. */
	probe_init(&selfw, probe_self_wake_local, (void *)(uintptr_t)7);
	selfw.limit = 1000;
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &selfw.base, &j), 0);
	assert_int_equal(wk_tpc_join_wait(j, &out), WK_TPC_JOIN_READY);
	assert_int_equal(probe_polls(&selfw), 1000);
	wk_tpc_join_drop(j);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);

	/* A task dropped at shutdown: its handle outlives the runtime and
	 * reports CANCELLED. */
	probe_init(&outer, probe_pending, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &outer.base, &j), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	wk_tpc_destroy(rt);
	assert_int_equal(probe_drops(&outer), 1);
	assert_int_equal(wk_tpc_join_wait(j, &out), WK_TPC_JOIN_CANCELLED);
	assert_null(out);
	wk_tpc_join_drop(j);
}

/* ---- timers ------------------------------------------------------------------------------ */

typedef struct timer_probe {
	probe p;
	wk_tpc_timer timer;
	uint64_t first_poll, ready_at;
	int cancel_on_second;
} timer_probe;

static wk_poll timer_poll(probe *p, const wk_context *cx, void **output)
{
	timer_probe *tp = (timer_probe *)p;
	(void)output;
	if (p->n++ == 0)
		tp->first_poll = wk_tpc_now();
	else if (tp->cancel_on_second) {
		wk_tpc_timer_cancel(&tp->timer);
		return WK_READY;
	}
	if (tp->cancel_on_second && !p->has_waker) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
	}
	if (wk_tpc_timer_poll(&tp->timer, cx) == WK_PENDING)
		return WK_PENDING;
	tp->ready_at = wk_tpc_now();
	return WK_READY;
}

/* @proves WK-TPC-017 */
static void test_timers(void **state)
{
	wk_tpc_runtime *rt;
	timer_probe tp;
	wk_future *s;
	uint64_t t0;
	size_t n, i;
	int clock_events = 0;
	(void)state;

	/* Threads: real time, at least the delay. */
	rt = make_rt(WK_TPC_MODE_THREADS, 1, WK_TPC_WAKER_CHEAP);
	memset(&tp, 0, sizeof tp);
	probe_init(&tp.p, timer_poll, NULL);
	wk_tpc_timer_init(&tp.timer, 3000000); /* 3 ms */
	assert_int_equal(wk_tpc_block_on(rt, 0, &tp.p.base, NULL), WK_TPC_JOIN_READY);
	assert_true(tp.ready_at - tp.first_poll >= 3000000);
	assert_int_equal(probe_polls(&tp.p), 2); /* pending, then woken by the timer */
	s = wk_tpc_sleep(2000000);
	t0 = tpc_now_ns();
	assert_int_equal(wk_tpc_block_on(rt, 0, s, NULL), WK_TPC_JOIN_READY);
	assert_true(tpc_now_ns() - t0 >= 2000000);

	/* A cancelled timer gives its waker back: the task can be freed. */
	memset(&tp, 0, sizeof tp);
	probe_init(&tp.p, timer_poll, NULL);
	tp.cancel_on_second = 1;
	wk_tpc_timer_init(&tp.timer, 3600ull * 1000000000ull);
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, &tp.p.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 1);
	wk_waker_wake_by_ref(&tp.p.waker);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_drops(&tp.p), 1);
	probe_release_wakers(&tp.p);
	assert_int_equal(wk_tpc_live_tasks(rt), 0);
	wk_tpc_destroy(rt);

	/* Deterministic: virtual time jumps; an hour takes no real time. */
	rt = make_rt(WK_TPC_MODE_DETERMINISTIC, 1, WK_TPC_WAKER_CHEAP);
	memset(&tp, 0, sizeof tp);
	probe_init(&tp.p, timer_poll, NULL);
	wk_tpc_timer_init(&tp.timer, 3600ull * 1000000000ull);
	t0 = tpc_now_ns();
	assert_int_equal(wk_tpc_block_on(rt, 0, &tp.p.base, NULL), WK_TPC_JOIN_READY);
	assert_true(tpc_now_ns() - t0 < 60ull * 1000000000ull);
	assert_true(tp.ready_at - tp.first_poll >= 3600ull * 1000000000ull);
	{
		const wk_tpc_event *ev = wk_tpc_trace(rt, &n);
		for (i = 0; i < n; i++)
			clock_events += ev[i].kind == WK_TPC_EV_CLOCK;
	}
	assert_int_equal(clock_events, 1);
	wk_tpc_destroy(rt);
}

/* ---- run_on ---------------------------------------------------------------------------------- */

typedef struct run_on_rec {
	_Atomic int calls;
	_Atomic int core;
	_Atomic unsigned long thread;
} run_on_rec;

static void record_call(void *arg)
{
	run_on_rec *r = arg;
	atomic_store(&r->core, wk_tpc_current_core());
	atomic_store(&r->thread, (unsigned long)pthread_self());
	atomic_fetch_add(&r->calls, 1);
}

/* @proves WK-TPC-018 */
static void test_run_on(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	run_on_rec r;
	wk_tpc_join *j = NULL;
	(void)state;
	memset(&r, 0, sizeof r);
	assert_int_equal(wk_tpc_run_on(rt, 1, record_call, &r, &j), 0);
	assert_int_equal(wk_tpc_join_wait(j, NULL), WK_TPC_JOIN_READY);
	wk_tpc_join_drop(j);
	assert_int_equal(atomic_load(&r.calls), 1);
	assert_int_equal(atomic_load(&r.core), 1);
	assert_true(atomic_load(&r.thread) != (unsigned long)pthread_self());
	assert_int_equal(wk_tpc_run_on(rt, 0, record_call, &r, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(atomic_load(&r.calls), 2);
	assert_int_equal(atomic_load(&r.core), 0);
	assert_int_equal(wk_tpc_run_on(rt, 5, record_call, &r, NULL), -1); /* no core 5 */
	wk_tpc_destroy(rt);
	assert_int_equal(atomic_load(&r.calls), 2);
}

/* ---- quiescence --------------------------------------------------------------------------- */

/* @proves WK-TPC-019 WK-TPC-010 */
static void test_quiescence(void **state)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	probe busy, forever;
	uint64_t t0;
	(void)state;

	/* Not quiescent while a task is runnable: returns only after it ends. */
	probe_init(&busy, probe_self_wake_local, NULL);
	busy.limit = 20000;
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &busy.base, NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(probe_polls(&busy), 20000);
	assert_int_equal(probe_drops(&busy), 1);

	/* A timer armed but not due does not prevent quiescence. */
	assert_int_equal(wk_tpc_spawn(rt, 0, 0, wk_tpc_sleep(3600ull * 1000000000ull), NULL), 0);
	assert_int_equal(wk_tpc_run_until_quiescent(rt, QUIESCE_NS), 1);
	assert_int_equal(wk_tpc_live_tasks(rt), 1);

	/* A task that never stops: the timeout wins. */
	probe_init(&forever, probe_forever_self_wake, NULL);
	assert_int_equal(wk_tpc_spawn(rt, 1, 0, &forever.base, NULL), 0);
	t0 = tpc_now_ns();
	assert_int_equal(wk_tpc_run_until_quiescent(rt, 30000000), 0);
	assert_true(tpc_now_ns() - t0 >= 30000000);
	assert_true(probe_polls(&forever) > 1);
	wk_tpc_destroy(rt);
	assert_int_equal(probe_drops(&forever), 1);
}

/* ---- misuse --------------------------------------------------------------------------------- */

static void spawn_local_off_core(void *arg)
{
	probe *p = malloc(sizeof *p);
	(void)arg;
	probe_init(p, probe_ready, NULL);
	wk_tpc_spawn_local(&p->base, NULL);
}

static void destroy_self(void *arg)
{
	wk_tpc_destroy(arg);
}

static void destroy_on_core(void *arg)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 1, WK_TPC_WAKER_CHEAP);
	(void)arg;
	wk_tpc_run_on(rt, 0, destroy_self, rt, NULL);
	wk_tpc_run_until_quiescent(rt, QUIESCE_NS);
	for (;;)
		pause();
}

static wk_poll leak_local_join(probe *p, const wk_context *cx, void **output)
{
	probe *inner = malloc(sizeof *inner);
	(void)cx;
	probe_init(inner, probe_pending, NULL);
	inner->on_drop = probe_free;
	wk_tpc_spawn_local(&inner->base, (wk_tpc_join **)&p->user);
	*output = p->user;
	return WK_READY;
}

static void local_join_off_core(void *arg)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 1, WK_TPC_WAKER_CHEAP);
	probe p;
	void *j = NULL;
	wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context cx = wk_context_builder_build(&b);
	probe_init(&p, leak_local_join, NULL);
	wk_tpc_block_on(rt, 0, &p.base, &j);
	if (arg != NULL)
		wk_tpc_join_wait(j, NULL);
	else
		wk_tpc_join_poll(j, &cx, NULL);
}

static void join_wait_on_core_fn(void *arg)
{
	wk_tpc_join *j = arg;
	wk_tpc_join_wait(j, NULL);
}

static void join_wait_on_core(void *arg)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 2, WK_TPC_WAKER_CHEAP);
	probe p;
	wk_tpc_join *j = NULL;
	(void)arg;
	probe_init(&p, probe_pending, NULL);
	wk_tpc_spawn(rt, 1, 0, &p.base, &j);
	wk_tpc_run_on(rt, 0, join_wait_on_core_fn, j, NULL);
	wk_tpc_run_until_quiescent(rt, QUIESCE_NS);
	for (;;)
		pause();
}

#if WK_CHECKED
static void *drop_local_elsewhere(void *arg)
{
	probe *p = arg;
	wk_local_waker_wake_by_ref(&p->local);
	return NULL;
}

static void local_waker_other_thread(void *arg)
{
	wk_tpc_runtime *rt = make_rt(WK_TPC_MODE_THREADS, 1, WK_TPC_WAKER_CHEAP);
	probe p;
	pthread_t t;
	(void)arg;
	probe_init(&p, keep_wakers_then_ready, NULL);
	wk_tpc_spawn(rt, 0, 0, &p.base, NULL);
	wk_tpc_run_until_quiescent(rt, QUIESCE_NS);
	pthread_create(&t, NULL, drop_local_elsewhere, &p);
	pthread_join(t, NULL);
}
#endif

/* @proves WK-TPC-031 */
static void test_misuse_aborts_with_message(void **state)
{
	(void)state;
	tpc_expect_abort(spawn_local_off_core, NULL, "wakerconf: wk_tpc_spawn_local: ",
			 "not called on a runtime core", NULL);
	tpc_expect_abort(destroy_on_core, NULL, "wakerconf: wk_tpc_destroy: ",
			 "of the runtime it destroys", NULL);
	tpc_expect_abort(local_join_off_core, NULL, "wakerconf: wk_tpc_join_poll: ",
			 "local join handle", "used off its core", NULL);
	tpc_expect_abort(local_join_off_core, (void *)1, "wakerconf: wk_tpc_join_wait: ",
			 "local join handle", NULL);
	tpc_expect_abort(join_wait_on_core, NULL, "wakerconf: wk_tpc_join_wait: ",
			 "which it would block", NULL);
#if WK_CHECKED
	tpc_expect_abort(local_waker_other_thread, NULL, "wakerconf: wk_local_waker_wake_by_ref: ",
			 "owned by thread", "used on thread", NULL);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wake_during_poll_local),
		cmocka_unit_test(test_wake_during_poll_thread_safe),
		cmocka_unit_test(test_foreign_wake_during_poll),
		cmocka_unit_test(test_no_poll_after_ready),
		cmocka_unit_test(test_wakes_coalesce),
		cmocka_unit_test(test_polled_on_owner_core_only),
		cmocka_unit_test(test_thread_safe_waker_is_lazy),
		cmocka_unit_test(test_join_handles),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_run_on),
		cmocka_unit_test(test_quiescence),
		cmocka_unit_test(test_misuse_aborts_with_message),
	};
	return cmocka_run_group_tests_name("tpc.task", tests, NULL, NULL);
}
