/*
 * exec_wakers.c - spec/executor.md section 4: the wakers an executor hands
 * out.
 *
 * Thread-safe wakers survive many threads cloning, waking and dropping at
 * once (balanced, race-free, no non-atomic count behind them); a wake
 * orders the waker's writes before the poll; a wake never blocks;
 * will_wake never confuses two tasks; the context's waker and local waker
 * wake the task being polled; a local-only context fails loudly in
 * waker(); every other context has a waker that really wakes; an on_waker
 * constructor runs only when a future asks; the context's waker lent by
 * pointer to another thread during the poll works there.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "grandchild.h"
#include "wkc/annotate.h"

/* ---- many threads on one task's wakers -------------------------------------------------------- */

typedef struct hammer_arg {
	wkc_trace *trace;
	wkc_probe *task;
	unsigned iters;
	_Atomic uint32_t *gate;
} hammer_arg;

/*
 * Each hammer thread takes its own clone of the task's exported waker and
 * runs a tight mix of clone / wake_by_ref / wake / drop on it, unrecorded
 * (recording every call would serialise the threads on the trace counter
 * and hide the races), summarised as one bulk event; then it opens its
 * share of the gate and wakes the task by value, recorded: that last wake
 * is what the task needs to complete.
 */
static long hammer_thread(wkc_ctx *cx, unsigned index, void *arg)
{
	hammer_arg *a = arg;
	const wkc_held *e = wkc_probe_export(a->task);
	wkc_held mine;
	uint64_t first;
	unsigned long wakes = 0;
	(void)index;
	if (e == NULL)
		return -1;
	mine = wkc_held_clone(e, WKC_EVF_FOREIGN);
	first = wkc_trace_seq(a->trace);
	wkc_waker_call_enter();
	for (unsigned i = 0; i < a->iters; i++) {
		wk_waker c, d;
		if ((i & 63) == 0)
			wkc_perturb(cx);
		switch (i & 3) {
		case 0:
			c = wk_waker_clone(&mine.u.w);
			wk_waker_wake_by_ref(&c);
			wk_waker_drop(&c);
			wakes++;
			break;
		case 1:
			c = wk_waker_clone(&mine.u.w);
			wk_waker_wake(&c);
			wakes++;
			break;
		case 2:
			c = wk_waker_clone(&mine.u.w);
			d = wk_waker_clone(&c);
			wk_waker_drop(&c);
			wk_waker_drop(&d);
			break;
		default:
			wk_waker_wake_by_ref(&mine.u.w);
			wakes++;
			break;
		}
	}
	wkc_waker_call_leave();
	wkc_held_note_bulk(a->task, first, wkc_trace_seq(a->trace), wakes, WKC_EVF_FOREIGN);
	/* relaxed: the task only needs the count; no edge from these threads
	 * to the poll (the exports they used are dropped after the join). */
	atomic_fetch_add_explicit(a->gate, 1, memory_order_relaxed);
	wkc_held_wake(&mine, WKC_EVF_FOREIGN);
	return (long)wakes;
}

/*
 * One task waits at a gate with its waker exported; four threads hammer
 * clones, wakes and drops of it at once, then each opens its share of the
 * gate and wakes the task by value.  The task must complete (its last
 * wakes race with its polls: a lost one is WK-EXEC-004), be dropped once,
 * and leave nothing behind; TSan sees any race on the count.
 */
/* @proves WK-EXEC-011 WK-EXEC-004 */
void wkc_chk_waker_hammer(wkc_ctx *cx)
{
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	enum { THREADS = 4 };
	_Atomic uint32_t gate = 0;
	wkc_probe_spec spec = {.steps = export_cx, .nsteps = 1, .gate = &gate, .gate_target = THREADS};
	wkc_scene_opts o = {.ids = WKC_IDS(waker_hammer), .lost_id = "WK-EXEC-004"};
	wkc_scene *s;
	wkc_probe *p;
	hammer_arg arg;
	/* Balanced means: completes, dropped once, nothing left. */
	o.id_for[WKC_OR_DROP_ONCE] = "WK-EXEC-011";
	o.id_for[WKC_OR_NO_LEAK] = "WK-EXEC-011";
	s = wkc_scene_begin(cx, &o);
	p = wkc_scene_probe(s, &spec);
	wkc_scene_spawn_or_skip(s, p, WKC_ANY_CORE, 0);
	if (wkc_scene_wait_exports(s, &p, 1) && wkc_probe_export(p) != NULL) {
		arg.trace = s->trace;
		arg.task = p;
		/* Long enough that the threads overlap for most of their run,
		 * whatever their start-up skew. */
		arg.iters = wkc_scene_scaled(s, 50000, 2000);
		arg.gate = &gate;
		wkc_expect(cx, "WK-EXEC-011");
		wkc_hammer(cx, THREADS, hammer_thread, &arg, NULL);
	}
	wkc_scene_settle(s);
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_expect_no_leak(s);
	wkc_scene_finish(s);
}

/* ---- no non-atomic count behind a thread-safe waker -------------------------------------------- */

enum { CHURN_PER_POLL = 2000, HANDOFFS_PER_POLL = 4, CHURNERS = 2 };

typedef struct churner {
	wkc_probe **ps;
	size_t n;
	_Atomic int stop;     /* relaxed: a request, no data travels with it */
} churner;

/* Clone and drop the tasks' exported wakers until told to stop. */
static void *churner_main(void *arg)
{
	churner *c = arg;
	wkc_waker_call_enter();
	/* relaxed: see churner.stop. */
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		for (size_t i = 0; i < c->n; i++) {
			const wkc_held *e = wkc_probe_export(c->ps[i]);
			wk_waker w;
			if (e == NULL)
				continue;
			for (int k = 0; k < 64; k++) {
				w = wk_waker_clone(&e->u.w);
				wk_waker_drop(&w);
			}
		}
	}
	wkc_waker_call_leave();
	return NULL;
}

/*
 * The owner and other threads at once: each poll clones and drops its
 * context waker thousands of times and hands clones to couriers that drop
 * them, while two more threads clone and drop the task's exported waker
 * for the whole run.  A count that is not atomic loses updates: the task
 * is freed early (a crash, or a report from ASan/TSan) or never freed
 * (the live count stays up).
 */
/* @proves WK-EXEC-013 */
void wkc_chk_waker_atomic_count(wkc_ctx *cx)
{
	wkc_scene_opts o = {.ids = WKC_IDS(waker_atomic_count), .couriers = 2,
			    .trace_capacity = 1u << 15};
	wkc_scene *s;
	wkc_probe *ps[2];
	unsigned rounds;
	churner ch;
	pthread_t th[CHURNERS];
	unsigned started = 0;
	o.id_for[WKC_OR_NO_LEAK] = "WK-EXEC-013";
	s = wkc_scene_begin(cx, &o);
	rounds = wkc_scene_scaled(s, 20, 4);
	{
		const wkc_step churn[] = {
			S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX),
			{.first = 1, .last = rounds, .op = WKC_OP_HANDOFF, .src = WKC_SRC_CX,
			 .action = WKC_CA_DROP, .trigger = WKC_TRIG_NOW, .courier = 0, .count = HANDOFFS_PER_POLL},
			{.first = 1, .last = rounds, .op = WKC_OP_HANDOFF, .src = WKC_SRC_CX,
			 .action = WKC_CA_DROP, .trigger = WKC_TRIG_NOW, .courier = 1, .count = HANDOFFS_PER_POLL},
			{.first = 1, .last = rounds, .op = WKC_OP_CHURN, .src = WKC_SRC_CX,
			 .count = CHURN_PER_POLL},
			S(1, rounds, WKC_OP_AWAIT_HANDOFFS, 0),
			S(1, rounds, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		};
		const wkc_probe_spec spec = {.ready_phase = rounds + 1, .steps = churn, .nsteps = NSTEPS(churn)};
		for (size_t i = 0; i < NSTEPS(ps); i++)
			ps[i] = wkc_scene_probe(s, &spec);
		memset(&ch, 0, sizeof ch);
		ch.ps = ps;
		ch.n = NSTEPS(ps);
		atomic_init(&ch.stop, 0);
		wkc_annotate_atomic(&ch.stop, sizeof ch.stop); /* for helgrind and DRD */
		wkc_expect(cx, "WK-EXEC-013");
		for (unsigned i = 0; i < CHURNERS; i++)
			if (pthread_create(&th[i], NULL, churner_main, &ch) == 0)
				started++;
		wkc_scene_spawn_each(s, ps, NSTEPS(ps), WKC_ANY_CORE, 0);
		wkc_scene_settle(s);
		atomic_store_explicit(&ch.stop, 1, memory_order_relaxed);
		for (unsigned i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		wkc_scene_judge(s);
		wkc_scene_drop_exports(s);
		wkc_scene_expect_no_leak(s);
		wkc_scene_finish(s);
	}
}

/* ---- a wake happens-before the poll it causes ---------------------------------------------------- */

typedef struct probes_arg {
	wkc_probe **ps;
	size_t n;
} probes_arg;

static bool probes_complete(wkc_scene *s, void *arg)
{
	probes_arg *a = arg;
	(void)s;
	for (size_t i = 0; i < a->n; i++)
		if (!wkc_probe_complete(a->ps[i]))
			return false;
	return true;
}

/*
 * Two to four hundred times per task, a courier waits until the task is idle
 * (its last poll read the previous payload and returned), writes a plain
 * payload into it and wakes it - the task's only waker, so the wake is
 * never coalesced with another one; the poll after the wake reads the
 * payload with a plain load.  Only the executor orders the two (the
 * courier reports back through relaxed counters; each courier gets one
 * job, so its mailbox creates no edge back to a polling thread).  Without
 * that ordering ThreadSanitizer reports a race, on the payload or inside
 * the executor (tsan profile); on a weakly ordered machine the poll may
 * read the old value (the oracle).
 *
 * Each poll spins SPIN_US after its read, so that the executor's threads
 * are busy when the other tasks' wakes arrive: a wake then travels through
 * the executor's queue to a thread that is running, not through the lock
 * of a thread that was asleep (which orders everything before it whether
 * or not the queue does).  No task wakes itself: a thread that queues its
 * own task runs the executor's wake path itself - an acq_rel doorbell
 * exchange, say - and that orders every foreign push made before it ahead
 * of its next take by accident, hiding a push that publishes nothing
 * (tokio #7589) from ThreadSanitizer but in a window of a few
 * instructions.  So the threads are kept busy by two such tasks per core,
 * all woken from other threads, not by a busy task that wakes itself.
 */
/* @proves WK-EXEC-014 */
void wkc_chk_waker_ordering(wkc_ctx *cx)
{
	/* Two tasks per core, four at least; at most one per courier (the
	 * probe set starts at most eight). */
	enum { MIN_TASKS = 4, MAX_TASKS = 8, SPIN_US = 50 };
	wkc_step steps[MAX_TASKS][3];
	wkc_probe_spec specs[MAX_TASKS];
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(waker_ordering),
							     .lost_id = "WK-EXEC-014",
							     .couriers = MAX_TASKS});
	wkc_probe *ps[MAX_TASKS];
	probes_arg pa = {ps, 0};
	unsigned rounds = wkc_scene_scaled(s, 400, 200);
	uint32_t cores = wkc_core_count(s->cx, s->ex);
	unsigned tasks = cores > MAX_TASKS / 2 ? MAX_TASKS : cores * 2;
	if (tasks < MIN_TASKS)
		tasks = MIN_TASKS;
	for (unsigned i = 0; i < tasks; i++) {
		steps[i][0] = (wkc_step)S(1, WKC_FOREVER, WKC_OP_READ_PAYLOAD, 0);
		steps[i][1] = (wkc_step)HAND(1, 0, WKC_SRC_CX, WKC_CA_PAYLOAD, WKC_TRIG_AFTER_POLL, i, rounds);
		steps[i][2] = (wkc_step){.first = 1, .last = WKC_FOREVER, .op = WKC_OP_SPIN, .arg = SPIN_US};
		specs[i] = (wkc_probe_spec){.steps = steps[i], .nsteps = 3, .payload_rounds = rounds};
		ps[pa.n] = wkc_scene_probe(s, &specs[i]);
		if (wkc_scene_spawn(s, ps[pa.n], WKC_ANY_CORE, 0) != 0) {
			if (pa.n == 0)
				wkc_skip(cx, "the executor refused the first task");
			break;
		}
		pa.n++;
	}
	wkc_expect(cx, "WK-EXEC-014");
	(void)wkc_scene_drive(s, probes_complete, &pa, 2000.0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/* ---- a wake never blocks -------------------------------------------------------------------------- */

typedef struct flood {
	wkc_scene *s;
	wkc_probe **ps;
	size_t n;
	unsigned long wakes;
	double bound_ms;      /* one wake longer than this is an anomaly */
	_Atomic uint32_t *gate;
	_Atomic int finished; /* relaxed: polled by the driver, data read after join */
	double max_ms;        /* read after join */
	unsigned slow;
} flood;

static void *flood_main(void *arg)
{
	flood *f = arg;
	wkc_trace *t = f->s->trace;
	uint64_t seq = wkc_trace_seq(t);
	for (unsigned long i = 0; i < f->wakes; i++) {
		wkc_probe *p = f->ps[i % f->n];
		const wkc_held *e = wkc_probe_export(p);
		double t0, dt;
		if (e == NULL)
			continue;
		t0 = wkc_scene_now_ms();
		wkc_waker_call_enter();
		wk_waker_wake_by_ref(&e->u.w);
		wkc_waker_call_leave();
		dt = wkc_scene_now_ms() - t0;
		if (dt > f->max_ms)
			f->max_ms = dt;
		if (dt > f->bound_ms && f->slow++ < 3)
			wkc_trace_mark(t, WKC_EV_ANOMALY, wkc_probe_id(p), WKC_ANOM_SLOW_WAKE,
				       (int64_t)(dt * 1e6), WKC_EVF_FOREIGN);
	}
	for (size_t k = 0; k < f->n; k++)
		wkc_held_note_bulk(f->ps[k], seq, wkc_trace_seq(t), f->wakes / f->n, WKC_EVF_FOREIGN);
	/* relaxed: the tasks only need the value; the exports this thread
	 * used are dropped by the driver after the join. */
	atomic_store_explicit(f->gate, 1, memory_order_relaxed);
	for (size_t k = 0; k < f->n; k++) {
		const wkc_held *e = wkc_probe_export(f->ps[k]);
		if (e != NULL)
			wkc_held_wake_by_ref(e, WKC_EVF_FOREIGN);
	}
	atomic_store_explicit(&f->finished, 1, memory_order_relaxed);
	return NULL;
}

static bool stallers_running(wkc_scene *s, void *arg)
{
	size_t *range = arg; /* first, end */
	(void)s;
	for (size_t i = range[0]; i < range[1]; i++)
		if (wkc_probe_polls(wkc_probe_at(s->set, i)) == 0)
			return false;
	return true;
}

/*
 * Many tasks wait with an exported waker; the executor is stalled (the
 * driver stops calling run(), and stallers occupy its threads); a foreign
 * thread then wakes them ~10^5 times, timing each call.  A wake that waits
 * for the executor (a full bounded queue, a lock held across polls) makes
 * one call slow, the flood late, or the check hang (charged to
 * WK-EXEC-015 beforehand).  Also: wakes from a courier while the task's
 * poll waits for them at a barrier.
 */
/* @proves WK-EXEC-015 */
void wkc_chk_wake_never_blocks(wkc_ctx *cx)
{
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step stall[] = {S(1, 0, WKC_OP_STALL, 0)};
	static const wkc_step barrier[] = {
		HAND(1, 5, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_NOW, 0, 0),
		S(1, 5, WKC_OP_AWAIT_HANDOFFS, 0),
	};
	static const wkc_probe_spec stall_spec = SPEC(1, stall);
	static const wkc_probe_spec barrier_spec = SPEC(6, barrier);
	_Atomic uint32_t gate = 0;
	wkc_probe_spec target_spec = {.steps = export_cx, .nsteps = 1, .gate = &gate, .gate_target = 1};
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_never_blocks),
							     .couriers = 1,
							     .trace_capacity = 1u << 15});
	unsigned ntargets = wkc_scene_scaled(s, 512, 32);
	wkc_probe **targets = calloc(ntargets, sizeof *targets);
	flood f;
	pthread_t th;
	size_t range[2];
	bool driver_runs = true, stalled = true;
	double deadline;
	uint32_t cores;
	wkc_probe *bp[2];

	if (targets == NULL)
		wkc_skip(cx, "harness: out of memory");
	/* Barrier part first: a wake that waits for the running poll. */
	bp[0] = wkc_scene_probe(s, &barrier_spec);
	bp[1] = wkc_scene_probe(s, &barrier_spec);
	wkc_expect(cx, "WK-EXEC-015");
	wkc_scene_spawn_each(s, bp, 2, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);

	memset(&f, 0, sizeof f);
	for (f.n = 0; f.n < ntargets; f.n++) {
		targets[f.n] = wkc_scene_probe(s, &target_spec);
		if (wkc_scene_spawn(s, targets[f.n], WKC_ANY_CORE, 0) != 0)
			break;
	}
	if (f.n == 0)
		wkc_skip(cx, "the executor refused every task");
	if (!wkc_scene_wait_exports(s, targets, f.n)) {
		wkc_scene_settle(s);
		wkc_scene_finish(s);
		free(targets);
		return;
	}
	for (size_t i = 0; i < f.n; i++)
		if (wkc_probe_poll_thread(targets[i]) != s->driver)
			driver_runs = false;
	if (!driver_runs) {
		/* Occupy every executor thread with a staller. */
		cores = wkc_core_count(s->cx, s->ex);
		if (cores == 0 || cores > 64)
			cores = 1;
		range[0] = wkc_probe_count(s->set);
		for (uint32_t c = 0; c < cores; c++) {
			wkc_probe *st = wkc_scene_probe(s, &stall_spec);
			int core = HAS(s, WKC_CAP_SPAWN_ON_CORE) ? (int)c : WKC_ANY_CORE;
			if (wkc_scene_spawn(s, st, core, 0) != 0)
				break;
		}
		range[1] = wkc_probe_count(s->set);
		stalled = wkc_scene_drive(s, stallers_running, range, 1000.0);
		if (!stalled)
			wkc_note(cx, "not every executor thread could be stalled; the flood ran against a running executor");
	}

	f.s = s;
	f.ps = targets;
	f.wakes = wkc_scene_scaled(s, 100000, 5000);
	f.bound_ms = wkc_scene_ms(s, 500.0);
	f.gate = &gate;
	atomic_init(&f.finished, 0);
	wkc_annotate_atomic(&f.finished, sizeof f.finished); /* for helgrind and DRD */
	if (pthread_create(&th, NULL, flood_main, &f) != 0)
		wkc_skip(cx, "harness: cannot start the flood thread");
	/* Do not run the executor: only wait, bounded. */
	deadline = wkc_scene_now_ms() + wkc_scene_ms(s, 2000.0);
	/* relaxed: only tells when to join; the results come with the join. */
	while (!atomic_load_explicit(&f.finished, memory_order_relaxed) && wkc_scene_now_ms() < deadline) {
		struct timespec d = {0, 1000000};
		nanosleep(&d, NULL);
	}
	if (!atomic_load_explicit(&f.finished, memory_order_relaxed)) {
		wkc_scene_fail(s, "WK-EXEC-015",
			       "%lu wakes of %zu tasks did not finish within %.0f ms while the executor was "
			       "not running: a wake waits for the executor",
			       f.wakes, f.n, wkc_scene_ms(s, 2000.0));
		/* Let the executor run so that the blocked wake can return. */
		wkc_probe_set_release_stall(s->set);
		while (!atomic_load_explicit(&f.finished, memory_order_relaxed))
			(void)wkc_run(s->cx, s->ex, 10000000);
	}
	pthread_join(th, NULL);
	wkc_probe_set_release_stall(s->set);
	wkc_note(cx, "%lu foreign wakes of %zu stalled tasks: slowest %.3f ms%s", f.wakes, f.n, f.max_ms,
		 driver_runs ? " (driver-run executor, not run during the flood)" : "");
	wkc_scene_settle(s);
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
	free(targets);
}

/* ---- will_wake ------------------------------------------------------------------------------- */

/*
 * Live tasks export their context's waker (and local tasks their local
 * waker); every pair of different tasks is compared with will_wake, which
 * must be false.  will_wake of a waker and its own clone is best effort
 * and only reported.
 */
/* @proves WK-EXEC-020 */
void wkc_chk_waker_will_wake(wkc_ctx *cx)
{
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step export_local[] = {
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX_LOCAL),
		S(1, WKC_FOREVER, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		{.first = 1, .last = WKC_FOREVER, .op = WKC_OP_SPIN, .arg = 50},
	};
	_Atomic uint32_t gate = 0;
	wkc_probe_spec cx_spec = {.steps = export_cx, .nsteps = 1, .gate = &gate, .gate_target = 1};
	wkc_probe_spec local_spec = {.steps = export_local, .nsteps = NSTEPS(export_local),
				     .gate = &gate, .gate_target = 1};
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(waker_will_wake)});
	wkc_probe *ps[10];
	size_t n = 0;
	unsigned same = 0, same_of = 0;
	int core;
	uint32_t flags;

	if (!HAS(s, WKC_CAP_LOCAL_ONLY))
		for (int i = 0; i < 6; i++) {
			ps[n] = wkc_scene_probe(s, &cx_spec);
			if (wkc_scene_spawn(s, ps[n], WKC_ANY_CORE, 0) != 0)
				break;
			n++;
		}
	if (wkc_scene_local_spawn(s, &core, &flags))
		for (int i = 0; i < 4; i++) {
			ps[n] = wkc_scene_probe(s, &local_spec);
			if (wkc_scene_spawn(s, ps[n], WKC_ANY_CORE, flags) != 0)
				break;
			n++;
		}
	if (n < 2)
		wkc_skip(cx, "fewer than two tasks can be live at once (%zu)", n);
	(void)wkc_scene_wait_exports(s, ps, n);
	for (size_t i = 0; i < n; i++) {
		const wkc_held *a = wkc_probe_export(ps[i]);
		if (a == NULL)
			continue;
		for (size_t j = 0; j < n; j++) {
			const wkc_held *b = wkc_probe_export(ps[j]);
			if (i != j && b != NULL)
				(void)wkc_held_will_wake(a, b);
		}
		if (!a->local) {
			wkc_held c = wkc_held_clone(a, 0);
			same += wkc_held_will_wake(a, &c);
			same_of++;
			wkc_held_drop(&c, 0);
		}
	}
	if (same_of)
		wkc_note(cx, "will_wake(waker, its clone): true for %u of %u (best effort)", same, same_of);
	/* release: the comparisons above read exports that local tasks drop
	 * in their drop, after their gate opened (probe.h, gates). */
	wkc_annotate_release(&gate); /* the store's release, for helgrind and DRD */
	atomic_store_explicit(&gate, 1, memory_order_release);
	for (size_t i = 0; i < n; i++) {
		const wkc_held *e = wkc_probe_export(ps[i]);
		if (e != NULL && !e->local &&
		    (HAS(s, WKC_CAP_THREAD_SAFE_WAKERS) || wkc_probe_poll_thread(ps[i]) == s->driver))
			wkc_held_wake_by_ref(e, 0);
	}
	wkc_scene_quiesce(s);
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
}

/* ---- the context's two wakers wake the polled task -------------------------------------------- */

/*
 * Several live tasks each wake themselves through the context's local
 * waker (by reference, by value) and through its waker (by reference,
 * through a clone); each needs every one of those wakes to complete, so a
 * waker that wakes another task, or nothing, leaves it pending.
 */
/* @proves WK-EXEC-021 */
void wkc_chk_waker_local_same_task(wkc_ctx *cx)
{
	static const wkc_step both[] = {
		S(1, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		S(2, 0, WKC_OP_WAKE, WKC_SRC_CX_LOCAL),
		S(3, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX),
		S(4, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_CX),
	};
	static const wkc_probe_spec both_spec = SPEC(5, both);
	static const wkc_probe_spec local_spec = {.ready_phase = 3, .steps = both, .nsteps = 2};
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(waker_local_same_task),
							     .lost_id = "WK-EXEC-021"});
	wkc_probe *ps[4];
	size_t n = 0;
	for (int i = 0; i < 4; i++) {
		ps[n] = wkc_scene_probe(s, HAS(s, WKC_CAP_LOCAL_ONLY) ? &local_spec : &both_spec);
		if (wkc_scene_spawn(s, ps[n], WKC_ANY_CORE, 0) != 0) {
			if (n == 0)
				wkc_skip(cx, "the executor refused the first task");
			break;
		}
		n++;
	}
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/* ---- local-only contexts fail loudly ---------------------------------------------------------- */

static void run_touch_in_grandchild(void *arg)
{
	const wkc_adapter *a = arg;
	static const wkc_step touch[] = {S(1, 0, WKC_OP_TOUCH_WAKER, 0)};
	static const wkc_probe_spec spec = SPEC(1, touch);
	wkc_config cfg = {sizeof cfg, 0, 1};
	char err[256] = "";
	wkc_executor *ex;
	wkc_trace *t;
	wkc_probe_set *set;
	wkc_probe_set_opts o = {0};
	wkc_probe *p;
	ex = a->create(&cfg, err, sizeof err);
	t = wkc_trace_new(64);
	o.trace = t;
	set = t ? wkc_probe_set_new(&o) : NULL;
	if (ex == NULL || set == NULL)
		_exit(3);
	p = wkc_probe_new(set, &spec);
	if (a->spawn(ex, wkc_probe_future(p), WKC_ANY_CORE, 0) != 0)
		_exit(4);
	(void)a->run(ex, 2000000000ull);
	/* waker() returned instead of aborting. */
	_exit(wkc_probe_polls(p) > 0 ? 0 : 5);
}

/*
 * In a grandchild process: a probe calls waker() on the context of an
 * executor that claims to have no thread-safe wakers; it must abort with
 * "has no thread-safe waker" (never hand out a noop).  In this process:
 * try_waker() is NULL in every poll, and the local waker works.
 */
/* @proves WK-EXEC-022 */
void wkc_chk_ctx_local_only(wkc_ctx *cx)
{
	static const wkc_step yield[] = {S(1, 3, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_probe_spec yield_spec = SPEC(4, yield);
	wkc_grandchild g;
	wkc_scene *s;
	wkc_event *ev;
	size_t n;
	int status;
	const char *out = g.out;

	/* First, while this process has no executor threads. */
	wkc_grandchild_run(cx, run_touch_in_grandchild, (void *)wkc_adapter_of(cx),
			   5000.0 / (wkc_scale(cx) > 0 ? wkc_scale(cx) : 1), &g);
	status = g.status;
	if (g.killed) {
		wkc_fail(cx, "WK-EXEC-022", "waker() on a local-only context neither aborted nor "
			 "returned within the bound (the process was killed)");
	} else {
		if (WIFEXITED(status) && WEXITSTATUS(status) >= 3)
			wkc_note(cx, "the grandchild could not run the probe (exit %d); loud-waker part not judged",
				 WEXITSTATUS(status));
		else if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
			wkc_fail(cx, "WK-EXEC-022",
				 "waker() on a local-only context did not abort (%s %d); stderr: %.300s",
				 WIFSIGNALED(status) ? "signal" : "exit status",
				 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), out);
		else if (strstr(out, "has no thread-safe waker") == NULL)
			wkc_fail(cx, "WK-EXEC-022",
				 "waker() aborted without saying \"has no thread-safe waker\"; stderr: %.300s", out);
	}

	s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(ctx_local_only),
						  .lost_id = "WK-EXEC-022"});
	wkc_probe *p = wkc_scene_probe(s, &yield_spec);
	wkc_scene_spawn_or_skip(s, p, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	ev = wkc_trace_snapshot(s->trace, &n);
	for (size_t i = 0; ev != NULL && i < n; i++)
		if (ev[i].kind == WKC_EV_POLL_BEGIN && (ev[i].flags & WKC_EVF_HAS_WAKER)) {
			wkc_fail(cx, "WK-EXEC-022",
				 "poll #%u of a local-only executor had a thread-safe waker (has_waker() "
				 "true%s; data %p)",
				 (unsigned)ev[i].other,
				 (ev[i].flags & WKC_EVF_LAZY) ? ", an on_waker constructor" : "",
				 ev[i].data);
			break;
		}
	free(ev);
	wkc_scene_finish(s);
}

/* ---- every other context has a real waker ------------------------------------------------------ */

/*
 * An executor that does not claim WKC_CAP_LOCAL_ONLY: every poll's
 * context has a thread-safe waker, and waking it (on the polling thread,
 * and from a courier thread when wakers are thread-safe) gets the task
 * polled: a silent noop waker leaves the task pending.
 */
/* @proves WK-EXEC-023 */
void wkc_chk_ctx_waker_present(wkc_ctx *cx)
{
	static const wkc_step same[] = {S(1, 3, WKC_OP_CLONE_BY_REF, WKC_SRC_CX)};
	static const wkc_step foreign[] = {
		HAND(1, 3, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 0, 0),
	};
	static const wkc_probe_spec specs[] = {SPEC(4, same), SPEC(4, foreign)};
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(ctx_waker_present),
							     .lost_id = "WK-EXEC-023",
							     .couriers = ts ? 1 : 0});
	wkc_probe *ps[2];
	size_t n = ts ? 2 : 1;
	wkc_event *ev;
	size_t ne;
	for (size_t i = 0; i < n; i++)
		ps[i] = wkc_scene_probe(s, &specs[i]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	ev = wkc_trace_snapshot(s->trace, &ne);
	for (size_t i = 0; ev != NULL && i < ne; i++)
		if (ev[i].kind == WKC_EV_POLL_BEGIN && !(ev[i].flags & WKC_EVF_HAS_WAKER)) {
			wkc_fail(cx, "WK-EXEC-023",
				 "poll #%u of task %u had no thread-safe waker, but the executor does not "
				 "claim WKC_CAP_LOCAL_ONLY",
				 (unsigned)ev[i].other, (unsigned)ev[i].task);
			break;
		}
	free(ev);
	wkc_scene_finish(s);
}

/* ---- an on_waker constructor stays lazy ------------------------------------------------------- */

/* What the trace shows of the contexts' lazy constructors (WK-EXT-008). */
typedef struct lazy_seen {
	unsigned polls;     /* polls whose context offered a constructor */
	unsigned on_demand; /* began unbuilt, asked, ended built */
	unsigned untouched; /* began unbuilt, did not ask, ended unbuilt */
} lazy_seen;

static lazy_seen lazy_count(wkc_scene *s)
{
	lazy_seen seen = {0, 0, 0};
	size_t n, ntasks = wkc_probe_count(s->set);
	wkc_event *ev = wkc_trace_snapshot(s->trace, &n);
	bool *begun_built = calloc(ntasks + 1, sizeof *begun_built);
	for (size_t i = 0; ev != NULL && begun_built != NULL && i < n; i++) {
		const wkc_event *e = &ev[i];
		bool built = (e->flags & WKC_EVF_BUILT) != 0;
		if (e->task == 0 || e->task > ntasks || !(e->flags & WKC_EVF_LAZY))
			continue;
		if (e->kind == WKC_EV_POLL_BEGIN) {
			seen.polls++;
			begun_built[e->task] = built;
		} else if (e->kind == WKC_EV_POLL_END && !begun_built[e->task]) {
			if ((e->flags & WKC_EVF_ASKED) && built)
				seen.on_demand++;
			else if (!(e->flags & WKC_EVF_ASKED) && !built)
				seen.untouched++;
		}
	}
	free(begun_built);
	free(ev);
	return seen;
}

/*
 * Tasks that do not ask for the thread-safe waker in their first two
 * polls (they yield through the local waker), ask for it twice in the
 * third (wake_by_ref, then a clone woken and dropped), and not in the
 * fourth.  Every poll records whether its context offers an on_waker
 * constructor and whether it had run when the poll began and ended; the
 * lazy-waker oracle fails a constructor run ahead of the poll or in a
 * poll that did not ask, and a second ask that got another waker.  The
 * check is exercised only where the contexts offer a constructor: an
 * executor that sets its waker eagerly is not what WK-EXT-008 judges.
 */
/* @proves WK-EXT-008 */
void wkc_chk_ctx_lazy_waker(wkc_ctx *cx)
{
	static const wkc_step steps[] = {
		S(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		S(3, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX),
		S(3, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_CX),
		S(4, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec spec = SPEC(5, steps);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(ctx_lazy_waker)});
	wkc_probe *ps[4];
	lazy_seen seen;
	for (size_t i = 0; i < NSTEPS(ps); i++)
		ps[i] = wkc_scene_probe(s, &spec);
	wkc_scene_spawn_each(s, ps, NSTEPS(ps), WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	seen = lazy_count(s);
	if (seen.polls == 0)
		wkc_scene_unexercised(s, "WK-EXT-008",
				      "no poll's context offered an on_waker constructor: the executor "
				      "sets its thread-safe waker eagerly, which WK-EXT-008 does not judge");
	else if (seen.on_demand == 0 || seen.untouched == 0)
		wkc_scene_unexercised(s, "WK-EXT-008",
				      "of %u polls with an on_waker constructor, %u built the waker when "
				      "asked and %u left it unbuilt without asking: not both seen",
				      seen.polls, seen.on_demand, seen.untouched);
	else
		wkc_note(cx, "on_waker contexts in %u polls: the waker built when asked in %u, left "
			     "unbuilt by %u that did not ask",
			 seen.polls, seen.on_demand, seen.untouched);
	wkc_scene_finish(s);
}

/* ---- the context's waker, borrowed by another thread ------------------------------------------ */

/*
 * Each poll of an odd phase lends its context's waker itself - the
 * pointer wk_context_waker returned, not a clone - to a courier thread,
 * and does not return before the courier gives it back.  Meanwhile the
 * courier wakes it by reference (a wake during the poll: another poll must
 * follow) and clones it through the pointer.  The even phase's poll, the
 * one that by-reference wake caused, does nothing; once it returned, the
 * courier wakes its clone by value, and only that wake can bring the next
 * phase.  A cheap waker whose clone does not upgrade on a thread other
 * than the polling one hands the courier the borrowed waker again, valid
 * only during the poll: that wake is lost (or worse, under ASan).  TSan
 * sees any race between the courier's use and the poll.
 */
/* @proves WK-EXEC-028 WK-RAW-005 */
void wkc_chk_waker_borrowed_foreign(wkc_ctx *cx)
{
	enum { TASKS = 4, MAX_ROUNDS = 16 };
	wkc_step steps[TASKS][MAX_ROUNDS];
	wkc_probe_spec specs[TASKS];
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(waker_borrowed_foreign),
							     .lost_id = "WK-EXEC-028",
							     .couriers = TASKS});
	wkc_probe *ps[TASKS];
	unsigned rounds = wkc_scene_scaled(s, MAX_ROUNDS, 2);
	if (rounds > MAX_ROUNDS)
		rounds = MAX_ROUNDS;
	for (unsigned i = 0; i < TASKS; i++) {
		/* One courier per task: a courier keeps its job until the
		 * clone's wake, and must not hold up another task's borrow. */
		for (unsigned k = 0; k < rounds; k++)
			steps[i][k] = (wkc_step)HAND(2 * k + 1, 0, WKC_SRC_CX, WKC_CA_BORROW,
						     WKC_TRIG_NOW, i, 1);
		specs[i] = (wkc_probe_spec){.ready_phase = 2 * rounds + 1, .steps = steps[i],
					    .nsteps = rounds};
		ps[i] = wkc_scene_probe(s, &specs[i]);
	}
	wkc_scene_spawn_each(s, ps, TASKS, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}
