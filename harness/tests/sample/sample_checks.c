/*
 * sample_checks.c - the harness's self-test checks: small, fast checks
 * against the sample executor and its broken variants, enough to exercise
 * every path of the runner (pass, wkc_fail, crash, abort, hang, skip by
 * capability and at run time, notes, hammer threads, pressure, sanitizer
 * and Valgrind reports).  Their ids (SELF-*) are fixtures, listed in
 * selftest.ids, not requirements of the specification.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "wkc/check.h"
#include "wkc/registry.h"

#define RUN_NS 2000000000ull /* 2 s: idle comes much sooner */

enum probe_mode {
	READY_AT_ONCE,   /* poll 1: Ready */
	SAVE_THEN_READY, /* poll 1: keep a clone of the waker, Pending; poll 2: Ready */
	WAKE_DURING,     /* poll 1: wake_by_ref, Pending; poll 2: Ready */
};

typedef struct probe {
	wk_future base;
	wkc_ctx *cx;
	enum probe_mode mode;
	/* relaxed counters: read by the check after run() returned. */
	atomic_int polls, drops;
	wk_waker saved; /* SAVE_THEN_READY: the clone poll 1 kept */
} probe;

static wk_poll probe_poll(wk_future *f, const wk_context *cx, void **out)
{
	probe *p = (probe *)f;
	int n = atomic_fetch_add_explicit(&p->polls, 1, memory_order_relaxed) + 1;
	wkc_perturb(p->cx);
	switch (p->mode) {
	case SAVE_THEN_READY:
		if (n == 1) {
			p->saved = wk_waker_clone(wk_context_waker(cx));
			return WK_PENDING;
		}
		break;
	case WAKE_DURING:
		if (n == 1) {
			wk_waker_wake_by_ref(wk_context_waker(cx));
			return WK_PENDING;
		}
		break;
	case READY_AT_ONCE:
		break;
	}
	*out = NULL;
	return WK_READY;
}

static void probe_drop(wk_future *f)
{
	probe *p = (probe *)f;
	atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed);
}

static const wk_future_vtable probe_vtable = {probe_poll, probe_drop};

static void probe_init(probe *p, wkc_ctx *cx, enum probe_mode mode)
{
	memset(p, 0, sizeof *p);
	p->base.vtable = &probe_vtable;
	p->cx = cx;
	p->mode = mode;
	atomic_init(&p->polls, 0);
	atomic_init(&p->drops, 0);
}

static int polls(probe *p)
{
	return atomic_load_explicit(&p->polls, memory_order_relaxed);
}

static int drops(probe *p)
{
	return atomic_load_explicit(&p->drops, memory_order_relaxed);
}

static void spawn_or_fail(wkc_ctx *cx, wkc_executor *ex, probe *p, const char *id)
{
	if (wkc_adapter_of(cx)->spawn(ex, &p->base, WKC_ANY_CORE, 0) != 0)
		wkc_fail(cx, id, "spawn refused a plain future");
}

static void check_spawn_ready(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	probe p;
	probe_init(&p, cx, READY_AT_ONCE);
	wkc_expect(cx, "SELF-001");
	spawn_or_fail(cx, ex, &p, "SELF-001");
	a->run(ex, RUN_NS);
	WKC_CHECK_EQ(cx, "SELF-001", polls(&p), 1);
	WKC_CHECK_EQ(cx, "SELF-001", drops(&p), 1);
	a->destroy(ex);
	WKC_CHECK_EQ(cx, "SELF-001", drops(&p), 1);
	/* From here an error found at exit (a leak) breaks SELF-005. */
	wkc_expect(cx, "SELF-005");
}

static void check_wake_driver(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	probe p;
	probe_init(&p, cx, SAVE_THEN_READY);
	wkc_expect(cx, "SELF-001");
	spawn_or_fail(cx, ex, &p, "SELF-001");
	a->run(ex, RUN_NS);
	WKC_CHECK_EQ(cx, "SELF-002", polls(&p), 1);
	wkc_expect(cx, "SELF-002");
	wk_waker_wake(&p.saved);
	a->run(ex, RUN_NS);
	WKC_CHECK_EQ(cx, "SELF-002", polls(&p), 2);
	a->destroy(ex);
	WKC_CHECK_EQ(cx, "SELF-001", drops(&p), 1);
}

static void check_wake_during_poll(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	probe p;
	probe_init(&p, cx, WAKE_DURING);
	wkc_expect(cx, "SELF-003");
	spawn_or_fail(cx, ex, &p, "SELF-003");
	a->run(ex, RUN_NS);
	/* Woken during its first poll, the task must be polled again before
	 * the executor calls itself idle. */
	WKC_CHECK_EQ(cx, "SELF-003", polls(&p) >= 2, 1);
	a->destroy(ex);
}

typedef struct hammer_arg {
	wk_waker mine[WKC_HAMMER_MAX]; /* one waker value per thread */
	long iterations;
} hammer_arg;

static long hammer_body(wkc_ctx *cx, unsigned index, void *arg)
{
	hammer_arg *h = arg;
	long n;
	for (n = 0; n < h->iterations; n++) {
		wk_waker c = wk_waker_clone(&h->mine[index]);
		wkc_perturb(cx);
		wk_waker_wake_by_ref(&c);
		if (n & 1)
			wk_waker_wake(&c);
		else
			wk_waker_drop(&c);
	}
	wk_waker_drop(&h->mine[index]);
	return n;
}

static void check_hammer(wkc_ctx *cx)
{
	enum { THREADS = 4 };
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	hammer_arg *h = calloc(1, sizeof *h);
	long results[THREADS], total = 0;
	probe p;
	probe_init(&p, cx, SAVE_THEN_READY);
	h->iterations = (long)(2000 * wkc_scale(cx)) + 1;
	wkc_expect(cx, "SELF-004");
	spawn_or_fail(cx, ex, &p, "SELF-004");
	a->run(ex, RUN_NS);
	for (int i = 0; i < THREADS; i++)
		h->mine[i] = wk_waker_clone(&p.saved);
	wkc_hammer(cx, THREADS, hammer_body, h, results);
	for (int i = 0; i < THREADS; i++)
		total += results[i];
	WKC_CHECK_EQ(cx, "SELF-004", total, THREADS * h->iterations);
	a->run(ex, RUN_NS);
	WKC_CHECK_EQ(cx, "SELF-004", polls(&p), 2);
	wk_waker_drop(&p.saved);
	wkc_expect(cx, "SELF-005");
	if (a->caps & WKC_CAP_LIVE_TASKS)
		WKC_CHECK_EQ(cx, "SELF-005", a->live_tasks(ex), 1); /* done, still listed */
	a->destroy(ex);
	free(h);
}

static void check_live_tasks(wkc_ctx *cx)
{
	enum { N = 10 };
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	probe p[N];
	wkc_expect(cx, "SELF-005");
	for (int i = 0; i < N; i++) {
		probe_init(&p[i], cx, READY_AT_ONCE);
		spawn_or_fail(cx, ex, &p[i], "SELF-005");
	}
	a->run(ex, RUN_NS);
	WKC_CHECK_EQ(cx, "SELF-005", a->live_tasks(ex), N); /* listed until destroy */
	a->destroy(ex);
	for (int i = 0; i < N; i++)
		WKC_CHECK_EQ(cx, "SELF-001", drops(&p[i]), 1);
}

static void check_coalesce(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	wkc_executor *ex = wkc_create(cx, NULL);
	probe p;
	probe_init(&p, cx, SAVE_THEN_READY);
	wkc_expect(cx, "SELF-007");
	spawn_or_fail(cx, ex, &p, "SELF-007");
	a->run(ex, RUN_NS);
	for (int i = 0; i < 3; i++)
		wk_waker_wake_by_ref(&p.saved);
	a->run(ex, RUN_NS);
	if (polls(&p) < 2)
		wkc_fail(cx, "SELF-007", "3 wakes gave no poll");
	wkc_note(cx, "3 wakes while pending gave %d poll(s)", polls(&p) - 1);
	wk_waker_drop(&p.saved);
	a->destroy(ex);
}

static void check_needs_local(wkc_ctx *cx)
{
	wkc_fail(cx, "SELF-006", "never run: needs WKC_CAP_LOCAL_WAKERS, which the samples lack");
}

static void check_local_only(wkc_ctx *cx)
{
	wkc_fail(cx, "SELF-008", "never run on an executor with thread-safe wakers");
}

static void check_runtime_skip(wkc_ctx *cx)
{
	if (wkc_adapter_of(cx)->core_count == NULL)
		wkc_skip(cx, "the executor does not report its core count");
	{
		wkc_executor *ex = wkc_create(cx, NULL);
		WKC_CHECK_EQ(cx, "SELF-008", wkc_adapter_of(cx)->core_count(ex) > 0, 1);
		wkc_adapter_of(cx)->destroy(ex);
	}
}

const wkc_check wkc_check_list[] = {
	{"sample.spawn.ready", "SELF-001", 0, 0, 2000, check_spawn_ready},
	{"sample.wake.driver", "SELF-002 SELF-001", 0, 0, 2000, check_wake_driver},
	{"sample.wake.during_poll", "SELF-003", 0, 0, 2000, check_wake_during_poll},
	{"sample.wake.hammer", "SELF-004 SELF-005", WKC_CAP_THREAD_SAFE_WAKERS, 0, 4000, check_hammer},
	{"sample.leak.live_tasks", "SELF-005 SELF-001", WKC_CAP_LIVE_TASKS, 0, 2000, check_live_tasks},
	{"sample.wake.coalesce", "SELF-007", 0, 0, 2000, check_coalesce},
	{"sample.local.owner", "SELF-006", WKC_CAP_LOCAL_WAKERS, 0, 2000, check_needs_local},
	{"sample.local_only.loud", "SELF-008", 0, WKC_CAP_THREAD_SAFE_WAKERS, 2000, check_local_only},
	{"sample.cores.reported", "SELF-008", 0, 0, 2000, check_runtime_skip},
};
const size_t wkc_check_count = sizeof wkc_check_list / sizeof wkc_check_list[0];
