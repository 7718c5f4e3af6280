/*
 * scene.c - create, drive, judge and tear down one executor under test
 * (scene.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "scene.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wk/waker.h"

/* How long run() may take per call while the driver waits for something. */
#define RUN_SLICE_NS 20000000ull
/* Default bound of a settle or quiesce, in ms (scaled). */
#define SETTLE_MS 2000.0
/* IDLE answers in a row, with a wake owed, before the driver stops waiting. */
#define IDLE_LIES 3

static const char *const default_ids[WKC_OR_COUNT] = {
	[WKC_OR_FIRST_POLL] = "WK-EXEC-001",
	[WKC_OR_LOST_WAKEUP] = "WK-EXEC-002",
	[WKC_OR_AFTER_READY] = "WK-EXEC-007",
	[WKC_OR_EXCLUSIVE] = "WK-EXEC-008",
	[WKC_OR_AFFINITY] = "WK-EXEC-012",
	[WKC_OR_DROP_ONCE] = "WK-EXEC-018",
	[WKC_OR_NO_LEAK] = "WK-EXEC-019",
	[WKC_OR_WILL_WAKE] = "WK-EXEC-020",
	[WKC_OR_WAKER_PRESENT] = "WK-EXEC-023",
	[WKC_OR_NEVER_BLOCKS] = "WK-EXEC-015",
	[WKC_OR_ORDERING] = "WK-EXEC-014",
	[WKC_OR_NESTED_DROP] = "WK-EXEC-017",
	[WKC_OR_SERVED_IN_RUN] = "WK-EXEC-025",
	[WKC_OR_INLINE_POLL] = "WK-EXEC-026",
	[WKC_OR_LAZY_WAKER] = "WK-EXT-008",
	[WKC_OR_SPURIOUS] = "WK-EXEC-024",
};

double wkc_scene_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void nap_us(long us)
{
	struct timespec d = {0, us * 1000L};
	nanosleep(&d, NULL);
}

double wkc_scene_ms(const wkc_scene *s, double ms)
{
	return ms * s->wait_factor;
}

unsigned wkc_scene_scaled(const wkc_scene *s, unsigned native, unsigned min)
{
	double v = native * wkc_scale(s->cx);
	return v < min ? min : (unsigned)v;
}

bool wkc_scene_proves(const wkc_scene *s, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = s->o.ids; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, " ");
		if (len == n && strncmp(p, id, n) == 0)
			return true;
		p += len;
		p += strspn(p, " ");
	}
	return false;
}

void wkc_scene_fail(wkc_scene *s, const char *id, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	wkc_fail(s->cx, id, "%s", msg);
}

void wkc_scene_unexercised(wkc_scene *s, const char *id, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	wkc_unexercised(s->cx, id, "%s", msg);
}

/* Each id of the check, not exercised (why). */
static void all_unexercised(wkc_scene *s, const char *why)
{
	for (const char *p = s->o.ids; p != NULL && *p != '\0';) {
		size_t len = strcspn(p, " ");
		char id[64];
		snprintf(id, sizeof id, "%.*s", (int)(len < sizeof id ? len : sizeof id - 1), p);
		if (len > 0)
			wkc_unexercised(s->cx, id, "%s", why);
		p += len;
		p += strspn(p, " ");
	}
}

/* The check's first id, NUL-terminated, for wkc_expect (one check per
 * process, so one buffer; it must outlive the check). */
static char first_id[64];

wkc_scene *wkc_scene_begin(wkc_ctx *cx, const wkc_scene_opts *o)
{
	wkc_scene *s = calloc(1, sizeof *s);
	wkc_probe_set_opts po;
	wkc_config cfg;
	double scale = wkc_scale(cx);
	if (s == NULL)
		wkc_skip(cx, "harness: out of memory");
	s->cx = cx;
	s->a = wkc_adapter_of(cx);
	s->o = *o;
	if (s->o.lost_id == NULL)
		s->o.lost_id = "WK-EXEC-002";
	for (int i = 0; i < WKC_OR_COUNT; i++)
		if (s->o.id_for[i] == NULL)
			s->o.id_for[i] = i == WKC_OR_LOST_WAKEUP ? s->o.lost_id : default_ids[i];
	/* Follow the runner's slow-down: scale is 1 natively and shrinks
	 * under sanitizers and Valgrind. */
	s->wait_factor = scale > 0 ? 1.0 / scale : 30.0;
	if (s->wait_factor < 1.0)
		s->wait_factor = 1.0;
	if (s->wait_factor > 30.0)
		s->wait_factor = 30.0;
	s->driver = wk_thread_id();
	s->last_run = -1;
	/* A previous scene of the same check left WK-EXEC-019 expected. */
	snprintf(first_id, sizeof first_id, "%.*s", (int)strcspn(o->ids, " "), o->ids);
	wkc_expect(cx, first_id);
	s->trace = wkc_trace_new(o->trace_capacity ? o->trace_capacity : 65536);
	if (s->trace == NULL)
		wkc_skip(cx, "harness: cannot allocate the trace");
	memset(&po, 0, sizeof po);
	po.cx = cx;
	po.trace = s->trace;
	po.couriers = o->couriers;
	po.wait_factor = s->wait_factor;
	s->set = wkc_probe_set_new(&po);
	if (s->set == NULL)
		wkc_skip(cx, "harness: cannot start %u courier threads", o->couriers);
	memset(&cfg, 0, sizeof cfg);
	cfg.size = sizeof cfg;
	cfg.cores = o->cores;
	cfg.seed = wkc_seed(cx);
	s->ex = wkc_create(cx, &cfg);
	return s;
}

wkc_probe *wkc_scene_probe(wkc_scene *s, const wkc_probe_spec *spec)
{
	return wkc_probe_new(s->set, spec);
}

int wkc_scene_spawn(wkc_scene *s, wkc_probe *p, int core, uint32_t flags)
{
	wkc_event ev;
	int r;
	bool pinned = core >= 0 && (s->a->caps & WKC_CAP_THREAD_PER_CORE) != 0;
	if (flags & WKC_SPAWN_LOCAL)
		wkc_probe_set_local(p, true);
	memset(&ev, 0, sizeof ev);
	/* The number comes before the call: a threaded executor may poll the
	 * task before spawn returns. */
	ev.seq = wkc_trace_seq(s->trace);
	r = wkc_spawn(s->cx, s->ex, wkc_probe_future(p), core, flags);
	ev.end = wkc_trace_seq(s->trace);
	ev.kind = WKC_EV_SPAWN;
	ev.task = wkc_probe_id(p);
	ev.other = (uint32_t)core;
	ev.value = r;
	ev.thread = wk_thread_id();
	ev.flags = ((flags & WKC_SPAWN_LOCAL) ? WKC_EVF_LOCAL : 0) | (pinned ? WKC_EVF_PINNED : 0);
	wkc_trace_add(s->trace, &ev);
	if (r == 0) {
		s->accepted++;
		wkc_probe_mark_spawned(p, ev.seq);
	}
	else
		s->refused++;
	return r;
}

void wkc_scene_spawn_or_skip(wkc_scene *s, wkc_probe *p, int core, uint32_t flags)
{
	if (wkc_scene_spawn(s, p, core, flags) != 0)
		wkc_skip(s->cx, "the executor refused task %u (it accepts at most %u tasks at once here)",
			 (unsigned)wkc_probe_id(p), s->accepted);
}

bool wkc_scene_pinned_spawn(const wkc_scene *s, int *core, uint32_t *flags)
{
	uint32_t caps = s->a->caps;
	*core = WKC_ANY_CORE;
	*flags = 0;
	if (caps & WKC_CAP_SPAWN_LOCAL) {
		*flags = WKC_SPAWN_LOCAL;
		if (caps & WKC_CAP_SPAWN_ON_CORE)
			*core = 0;
		return true;
	}
	if ((caps & WKC_CAP_THREAD_PER_CORE) && (caps & WKC_CAP_SPAWN_ON_CORE)) {
		*core = 0;
		return true;
	}
	return !(caps & WKC_CAP_MULTI_THREAD);
}

bool wkc_scene_local_spawn(const wkc_scene *s, int *core, uint32_t *flags)
{
	*core = WKC_ANY_CORE;
	*flags = 0;
	if (!(s->a->caps & WKC_CAP_SPAWN_LOCAL))
		return false;
	*flags = WKC_SPAWN_LOCAL;
	if (s->a->caps & WKC_CAP_SPAWN_ON_CORE)
		*core = 0;
	return true;
}

/* ---- driving ----------------------------------------------------------------------- */

static bool any_outstanding(wkc_scene *s)
{
	for (size_t i = 0; i < wkc_probe_count(s->set); i++)
		if (wkc_probe_outstanding(wkc_probe_at(s->set, i)))
			return true;
	return false;
}

bool wkc_scene_drive(wkc_scene *s, wkc_scene_pred done, void *arg, double bound_ms)
{
	double deadline = wkc_scene_now_ms() + wkc_scene_ms(s, bound_ms);
	unsigned lies = 0;
	if (s->ex == NULL)
		return done(s, arg);
	for (;;) {
		unsigned long jobs_before;
		int r;
		if (done(s, arg))
			return true;
		if (wkc_scene_now_ms() > deadline)
			return false;
		jobs_before = wkc_probe_set_jobs_pending(s->set);
		r = wkc_run(s->cx, s->ex, RUN_SLICE_NS);
		s->last_run = r;
		if (r != WKC_RUN_IDLE) {
			lies = 0;
			continue;
		}
		if (done(s, arg))
			return true;
		/* The executor says nothing is runnable.  If no courier was
		 * busy around the call and a wake is still owed, it is not
		 * going to poll; do not wait out the whole bound. */
		if (jobs_before == 0 && wkc_probe_set_jobs_pending(s->set) == 0 && any_outstanding(s)) {
			if (++lies >= IDLE_LIES)
				return false;
		} else {
			lies = 0;
		}
		/* Idle: leave the cores to courier and executor threads. */
		nap_us(lies ? 1000 : 100);
	}
}

bool wkc_scene_never(wkc_scene *s, void *arg)
{
	(void)s;
	(void)arg;
	return false;
}

static bool all_complete(wkc_scene *s, void *arg)
{
	(void)arg;
	if (wkc_probe_set_jobs_pending(s->set) != 0)
		return false;
	for (size_t i = 0; i < wkc_probe_count(s->set); i++) {
		wkc_probe *p = wkc_probe_at(s->set, i);
		if (wkc_probe_spawned(p) && !wkc_probe_complete(p))
			return false;
	}
	return true;
}

static bool quiescent(wkc_scene *s, void *arg)
{
	unsigned *calm = arg;
	if (wkc_probe_set_jobs_pending(s->set) != 0 || any_outstanding(s)) {
		*calm = 0;
		return false;
	}
	/* An executor that can tell says IDLE; one that cannot (BOUNDED)
	 * has to look calm over two run slices. */
	if (s->last_run == WKC_RUN_IDLE)
		return true;
	return ++*calm >= 3;
}

static void checkpoint(wkc_scene *s)
{
	wkc_trace_mark(s->trace, WKC_EV_CHECKPOINT, 0, 0, 0, 0);
}

bool wkc_scene_settle(wkc_scene *s)
{
	bool ok = wkc_scene_drive(s, all_complete, NULL, SETTLE_MS);
	if (!ok) {
		/* Let in-flight work land before judging (short and bounded). */
		unsigned calm = 0;
		(void)wkc_scene_drive(s, quiescent, &calm, 50.0);
	}
	checkpoint(s);
	return ok;
}

void wkc_scene_spawn_each(wkc_scene *s, wkc_probe *const *ps, size_t n, int core, uint32_t flags)
{
	for (size_t i = 0; i < n; i++) {
		if (wkc_scene_spawn(s, ps[i], core, flags) == 0)
			continue;
		(void)wkc_scene_drive(s, all_complete, NULL, SETTLE_MS);
		if (wkc_scene_spawn(s, ps[i], core, flags) != 0)
			wkc_skip(s->cx, "the executor refused task %u even with no task running",
				 (unsigned)wkc_probe_id(ps[i]));
	}
}

typedef struct polled_arg {
	wkc_probe *p;
	uint32_t polls;
} polled_arg;

static bool polled(wkc_scene *s, void *arg)
{
	polled_arg *a = arg;
	(void)s;
	return wkc_probe_complete(a->p) ||
	       (wkc_probe_polls_ended(a->p) >= a->polls && !wkc_probe_outstanding(a->p));
}

bool wkc_scene_wait_polled(wkc_scene *s, wkc_probe *p, uint32_t polls)
{
	polled_arg a = {p, polls};
	return wkc_scene_drive(s, polled, &a, SETTLE_MS);
}

typedef struct exports_arg {
	wkc_probe *const *ps;
	size_t n;
} exports_arg;

static bool exported(wkc_scene *s, void *arg)
{
	exports_arg *a = arg;
	(void)s;
	for (size_t i = 0; i < a->n; i++)
		if (wkc_probe_export(a->ps[i]) == NULL && !wkc_probe_complete(a->ps[i]))
			return false;
	return true;
}

bool wkc_scene_wait_exports(wkc_scene *s, wkc_probe *const *ps, size_t n)
{
	exports_arg a = {ps, n};
	return wkc_scene_drive(s, exported, &a, SETTLE_MS);
}

void wkc_scene_quiesce(wkc_scene *s)
{
	unsigned calm = 0;
	/* Always one run() first: a spawn may not have been looked at yet. */
	if (s->ex != NULL)
		s->last_run = wkc_run(s->cx, s->ex, RUN_SLICE_NS);
	(void)wkc_scene_drive(s, quiescent, &calm, SETTLE_MS);
	checkpoint(s);
}

/* ---- judging --------------------------------------------------------------------------- */

static void report(wkc_scene *s, const wkc_finding *now, const wkc_finding *before)
{
	for (int i = 0; i < WKC_OR_COUNT; i++) {
		unsigned n = now[i].count - (before ? before[i].count : 0);
		if (now[i].count == 0 || n == 0)
			continue;
		if (i == WKC_OR_SPURIOUS) {
			if (!s->o.no_spurious_note)
				wkc_note(s->cx, "%s (%s, reported, never a failure): %u; first: %s",
					 wkc_oracle_name((wkc_oracle)i), s->o.id_for[i], now[i].count,
					 now[i].first);
			continue;
		}
		if (before != NULL && before[i].count != 0)
			wkc_scene_fail(s, s->o.id_for[i], "%s: %u more violation%s by the end; latest: %s",
				       wkc_oracle_name((wkc_oracle)i), n, n == 1 ? "" : "s", now[i].last);
		else
			wkc_scene_fail(s, s->o.id_for[i], "%s: %s%s", wkc_oracle_name((wkc_oracle)i),
				       now[i].first,
				       n > 1 ? " (and more of the same kind)" : "");
	}
}

static void run_oracles(wkc_scene *s, bool final, wkc_finding out[WKC_OR_COUNT])
{
	size_t n;
	wkc_event *ev = wkc_trace_snapshot(s->trace, &n);
	wkc_oracle_opts oo = {final};
	if (ev == NULL)
		wkc_skip(s->cx, "harness: out of memory reading the trace");
	wkc_oracles_run_all(ev, n, &oo, out);
	if (wkc_trace_lost(s->trace) != 0)
		wkc_note(s->cx, "harness: %zu trace events lost (trace full); verdicts may miss violations",
			 wkc_trace_lost(s->trace));
	free(ev);
}

void wkc_scene_judge(wkc_scene *s)
{
	if (s->judged_early)
		return;
	run_oracles(s, false, s->early);
	report(s, s->early, NULL);
	s->judged_early = true;
}

void wkc_scene_drop_exports(wkc_scene *s)
{
	for (size_t i = 0; i < wkc_probe_count(s->set); i++) {
		wkc_probe *p = wkc_probe_at(s->set, i);
		const wkc_held *e = wkc_probe_export(p);
		if (e != NULL && wkc_held_usable_here(e))
			wkc_probe_drop_export(p);
	}
}

void wkc_scene_expect_no_leak(wkc_scene *s)
{
	double deadline;
	long live = -1;
	long held = wkc_probe_set_held_live(s->set);
	if (s->ex == NULL || !(s->a->caps & WKC_CAP_LIVE_TASKS) || s->a->live_tasks == NULL)
		return;
	if (held != 0)
		wkc_skip(s->cx, "harness error: %ld waker clones still held before the leak check", held);
	for (size_t i = 0; i < wkc_probe_count(s->set); i++) {
		wkc_probe *p = wkc_probe_at(s->set, i);
		if (wkc_probe_spawned(p) && !wkc_probe_complete(p)) {
			/* A task that never finished (its own failure is
			 * reported) keeps its object: no verdict on leaks. */
			if (wkc_scene_proves(s, "WK-EXEC-019"))
				wkc_scene_unexercised(s, "WK-EXEC-019",
						      "leak not judged: task %u did not complete",
						      (unsigned)wkc_probe_id(p));
			else
				wkc_note(s->cx, "leak not judged: task %u did not complete",
					 (unsigned)wkc_probe_id(p));
			return;
		}
	}
	deadline = wkc_scene_now_ms() + wkc_scene_ms(s, 1000.0);
	for (unsigned round = 0;; round++) {
		live = wkc_live_tasks(s->cx, s->ex);
		if (live == 0 || wkc_scene_now_ms() > deadline)
			break;
		/* Some executors free finished tasks when they next run. */
		s->last_run = wkc_run(s->cx, s->ex, RUN_SLICE_NS / 4);
		nap_us(round < 10 ? 100 : 1000);
	}
	wkc_trace_mark(s->trace, WKC_EV_LIVE_SAMPLE, 0, 0, live, WKC_EVF_EXPECT_ZERO);
}

void wkc_scene_destroy(wkc_scene *s)
{
	if (s->ex == NULL)
		return;
	wkc_trace_mark(s->trace, WKC_EV_DESTROY_BEGIN, 0, 0, 0, 0);
	wkc_destroy(s->cx, s->ex);
	s->ex = NULL;
	wkc_trace_mark(s->trace, WKC_EV_DESTROY_END, 0, 0, 0, 0);
}

int wkc_scene_run_judged(wkc_scene *s, uint64_t timeout_ns)
{
	wkc_event b, e;
	double t0;
	int r;
	/* The numbers are taken around the call, the events added after it,
	 * and only for a call that ran to its deadline (the only kind the
	 * oracle judges): executors that return at once make many calls. */
	memset(&b, 0, sizeof b);
	b.kind = WKC_EV_RUN_BEGIN;
	b.value = (int64_t)timeout_ns;
	b.flags = WKC_EVF_JUDGE_SERVE;
	b.thread = wk_thread_id();
	e = b;
	e.kind = WKC_EV_RUN_END;
	e.flags = 0;
	t0 = wkc_scene_now_ms();
	b.ns = (uint64_t)(t0 * 1e6);
	b.seq = b.end = wkc_trace_seq(s->trace);
	r = wkc_run(s->cx, s->ex, timeout_ns);
	e.seq = e.end = wkc_trace_seq(s->trace);
	e.ns = (uint64_t)(wkc_scene_now_ms() * 1e6);
	e.value = r;
	s->last_run = r;
	if ((double)(e.ns - b.ns) >= 0.5 * (double)timeout_ns) {
		wkc_trace_add(s->trace, &b);
		wkc_trace_add(s->trace, &e);
	}
	return r;
}

unsigned wkc_scene_served_judged(wkc_scene *s)
{
	size_t n;
	wkc_event *ev = wkc_trace_snapshot(s->trace, &n);
	unsigned judged;
	if (ev == NULL)
		wkc_skip(s->cx, "harness: out of memory reading the trace");
	judged = wkc_served_in_run_judged(ev, n);
	free(ev);
	return judged;
}

void wkc_scene_finish(wkc_scene *s)
{
	wkc_ctx *cx = s->cx;
	wkc_finding final[WKC_OR_COUNT];
	unsigned polls = 0;
	for (size_t i = 0; i < wkc_probe_count(s->set); i++)
		polls += wkc_probe_polls(wkc_probe_at(s->set, i));
	if (s->accepted > 0 && polls == 0) {
		char why[160];
		snprintf(why, sizeof why, "the executor polled none of the %u tasks it accepted",
			 s->accepted);
		all_unexercised(s, why);
	}
	wkc_scene_judge(s);
	wkc_scene_destroy(s);
	/* Couriers may still carry wakes of outliving wakers: let them land. */
	(void)wkc_probe_set_couriers_idle(s->set, 2000);
	run_oracles(s, true, final);
	report(s, final, s->early);
	wkc_probe_set_free(s->set);
	wkc_trace_free(s->trace);
	free(s);
	/* What a leak checker finds at exit (LSan, Valgrind) is charged to
	 * the no-leak requirement, not to this check's first id. */
	wkc_expect(cx, "WK-EXEC-019");
}
