/*
 * exec_lifetime.c - spec/executor.md section 5: lifetimes.
 *
 * Wakers outlive their task and their executor; wakes, clones and drops
 * inside a future's drop (after Ready, and during destroy, with other
 * threads waking at the same time) neither deadlock nor touch freed
 * memory; nothing is left once every task completed and every clone was
 * dropped.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "checks.h"
#include "wkc/annotate.h"

/* ---- wakers outlive the executor ---------------------------------------------------------- */

typedef struct outlive_arg {
	wkc_probe **ps;
	size_t n;
	unsigned iters;
} outlive_arg;

static long use_after_destroy(wkc_ctx *cx, unsigned index, void *arg)
{
	outlive_arg *a = arg;
	(void)cx;
	for (unsigned k = 0; k < a->iters; k++)
		for (size_t i = 0; i < a->n; i++) {
			const wkc_held *e = wkc_probe_export(a->ps[(i + index) % a->n]);
			if (e != NULL)
				wkc_held_churn(e, WKC_EVF_FOREIGN);
		}
	return 0;
}

/*
 * Tasks export their waker; half complete, half stay pending.  The
 * executor is destroyed; then four threads at once wake (by reference, by
 * value), clone and drop every exported waker, and the driver drops them
 * last.  Use of freed memory shows as a crash, an ASan report, or garbage.
 */
/* @proves WK-EXEC-010 WK-EXEC-018 */
void wkc_chk_outlive_executor(wkc_ctx *cx)
{
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step export_yield[] = {
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX),
		S(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec done_spec = SPEC(1, export_cx);
	static const wkc_probe_spec yield_spec = SPEC(3, export_yield);
	static const wkc_probe_spec pending_spec = SPEC(0, export_cx);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(outlive_executor),
							     .trace_capacity = 1u << 15});
	wkc_probe *ps[8];
	size_t n = 0;
	outlive_arg arg;
	/* Tasks that complete, in turn on executors that take one at a time. */
	for (int i = 0; i < 5; i++)
		ps[n++] = wkc_scene_probe(s, i < 3 ? &done_spec : &yield_spec);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	/* Tasks that stay pending, as many as the executor takes (up to 3). */
	for (int i = 0; i < 3; i++) {
		ps[n] = wkc_scene_probe(s, &pending_spec);
		if (wkc_scene_spawn(s, ps[n], WKC_ANY_CORE, 0) != 0)
			break;
		n++;
	}
	(void)wkc_scene_wait_exports(s, ps, n);
	wkc_scene_quiesce(s);
	wkc_scene_judge(s);
	wkc_expect(cx, "WK-EXEC-010");
	wkc_scene_destroy(s);
	arg.ps = ps;
	arg.n = n;
	arg.iters = wkc_scene_scaled(s, 40, 4);
	wkc_hammer(cx, 4, use_after_destroy, &arg, NULL);
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
}

/* ---- wakes inside a future's drop (after Ready) -------------------------------------------------- */

/*
 * Each "dropper" task keeps clones of its own waker and of a peer's waker
 * and completes; in its drop it wakes its own clones (by reference, by
 * value, through a clone), drops them, and wakes the peer, which is
 * pending and needs that wake.  With thread-safe wakers the drop also
 * hands the peer's waker to a courier.  Local tasks do the same with
 * local wakers.
 */
/* @proves WK-EXEC-016 */
void wkc_chk_drop_wakes(wkc_ctx *cx)
{
	static const wkc_step peer_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step peer_local[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX_LOCAL)};
	static const wkc_probe_spec peer_cx_spec = SPEC(2, peer_cx);
	static const wkc_probe_spec peer_local_spec = SPEC(2, peer_local);
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene_opts o = {.ids = WKC_IDS(drop_wakes), .lost_id = "WK-EXEC-016",
			    .couriers = ts ? 1 : 0};
	wkc_scene *s;
	int lcore;
	uint32_t lflags;
	bool local;
	/* Droppers name their peer's index: built here, live until finish. */
	wkc_step d_steps[2][3], d_drop[2][6];
	wkc_probe_spec d_spec[2];
	bool ran = false;

	/* A future dropped inside a wake issued from a drop is this rule's
	 * deadlock waiting to happen (tokio #1972). */
	o.id_for[WKC_OR_NESTED_DROP] = "WK-EXEC-016";
	s = wkc_scene_begin(cx, &o);
	local = wkc_scene_local_spawn(s, &lcore, &lflags);
	wkc_expect(cx, "WK-EXEC-016");
	for (int kind = 0; kind < 2; kind++) {
		bool is_local = kind == 1;
		wkc_probe *peer, *dropper;
		uint16_t peer_index;
		size_t nd = 0;
		if (!is_local && HAS(s, WKC_CAP_LOCAL_ONLY))
			continue;
		if (is_local && !local)
			continue;
		peer_index = (uint16_t)wkc_probe_count(s->set);
		peer = wkc_scene_probe(s, is_local ? &peer_local_spec : &peer_cx_spec);
		d_steps[kind][0] = (wkc_step){.first = 1, .op = WKC_OP_KEEP, .src = WKC_SRC_PEER,
					      .peer = peer_index, .slot = 3};
		d_steps[kind][1] = (wkc_step)SLOT(1, 0, WKC_OP_KEEP, is_local ? WKC_SRC_CX_LOCAL : WKC_SRC_CX, 0);
		d_steps[kind][2] = (wkc_step)SLOT(1, 0, WKC_OP_KEEP, is_local ? WKC_SRC_CX_LOCAL : WKC_SRC_CX, 2);
		d_drop[kind][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_SLOT, 0);
		d_drop[kind][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_SLOT, 0);
		d_drop[kind][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_WAKE, WKC_SRC_SLOT, 2);
		d_drop[kind][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_DROP, 0, 0);
		if (!is_local && ts)
			d_drop[kind][nd++] = (wkc_step){.op = WKC_OP_HANDOFF, .src = WKC_SRC_SLOT, .slot = 3,
							.action = WKC_CA_CLONE_WAKE,
							.trigger = WKC_TRIG_NOW};
		d_drop[kind][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_WAKE, WKC_SRC_SLOT, 3);
		d_spec[kind] = (wkc_probe_spec){.ready_phase = 1, .steps = d_steps[kind], .nsteps = 3,
						.drop_steps = d_drop[kind], .ndrop_steps = nd};
		dropper = wkc_scene_probe(s, &d_spec[kind]);
		/* The peer first (it exports in its first poll), the dropper
		 * after it, on the same thread for local ones. */
		wkc_scene_spawn_or_skip(s, peer, is_local ? lcore : WKC_ANY_CORE, is_local ? lflags : 0);
		wkc_scene_spawn_or_skip(s, dropper, is_local ? lcore : WKC_ANY_CORE, is_local ? lflags : 0);
		ran = true;
	}
	if (!ran)
		wkc_skip(cx, "no waker can be kept until a future's drop here");
	wkc_scene_settle(s);
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
}

/* ---- wakes during shutdown ---------------------------------------------------------------------- */

typedef struct shutdown_flood {
	wkc_scene *s;
	wkc_probe **ps;
	size_t n;
	_Atomic int stop;      /* relaxed: a request, no data travels with it */
	_Atomic int rounds;    /* relaxed: tells the driver the flood is on */
	unsigned long wakes;   /* read after join */
} shutdown_flood;

static void *shutdown_flood_main(void *arg)
{
	shutdown_flood *f = arg;
	uint64_t first = wkc_trace_seq(f->s->trace);
	wkc_waker_call_enter();
	/* relaxed: see shutdown_flood.stop. */
	while (!atomic_load_explicit(&f->stop, memory_order_relaxed)) {
		for (size_t i = 0; i < f->n; i++) {
			const wkc_held *e = wkc_probe_export(f->ps[i]);
			wk_waker c;
			if (e == NULL || e->local)
				continue;
			c = wk_waker_clone(&e->u.w);
			wk_waker_wake_by_ref(&e->u.w);
			wk_waker_wake(&c);
			f->wakes += 2;
		}
		atomic_fetch_add_explicit(&f->rounds, 1, memory_order_relaxed);
		wkc_perturb(f->s->cx);
	}
	wkc_waker_call_leave();
	for (size_t i = 0; i < f->n; i++)
		wkc_held_note_bulk(f->ps[i], first, wkc_trace_seq(f->s->trace), f->wakes / (f->n ? f->n : 1),
				   WKC_EVF_FOREIGN);
	return NULL;
}

/*
 * Tasks left pending at destroy keep clones of their wakers and of a
 * peer's (a ring of thread-safe tasks, and a ring of local tasks, each on
 * one core where cores can be chosen, so that a peer is still waiting when
 * a drop wakes it); their drops (run by destroy) wake and drop them and
 * hand some to a courier; meanwhile another thread keeps waking every
 * exported waker until destroy has returned.  No deadlock (the check would
 * time out, charged to WK-EXEC-017), no future dropped inline by one of
 * those wakes (tokio #1972), no freed memory touched, every future dropped
 * exactly once.
 */
/* @proves WK-EXEC-017 WK-EXEC-018 */
void wkc_chk_shutdown_wakes(wkc_ctx *cx)
{
	enum { RING = 4 };
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(shutdown_wakes),
							     .couriers = ts ? 1 : 0,
							     .no_spurious_note = true});
	int lcore, core = HAS(s, WKC_CAP_SPAWN_ON_CORE) ? 0 : WKC_ANY_CORE;
	uint32_t lflags;
	bool local = wkc_scene_local_spawn(s, &lcore, &lflags);
	wkc_step steps[2 * RING][3], drops[2 * RING][6];
	wkc_probe_spec specs[2 * RING];
	wkc_probe *ps[2 * RING];
	size_t n = 0;
	shutdown_flood f;
	pthread_t th;
	bool flooding = false;

	for (int ring = 0; ring < 2; ring++) {
		bool is_local = ring == 1;
		uint8_t src = is_local ? WKC_SRC_CX_LOCAL : WKC_SRC_CX;
		size_t first = n;
		if (is_local ? !local : HAS(s, WKC_CAP_LOCAL_ONLY))
			continue;
		for (unsigned i = 0; i < RING; i++) {
			size_t k = n, nd = 0;
			steps[k][0] = (wkc_step)SLOT(1, 0, WKC_OP_KEEP, src, 0);
			steps[k][1] = (wkc_step)SLOT(1, 0, WKC_OP_KEEP, src, 1);
			steps[k][2] = (wkc_step)S(1, 0, WKC_OP_EXPORT, src);
			drops[k][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_SLOT, 0);
			drops[k][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_SLOT, 1);
			drops[k][nd++] = (wkc_step)PEER(0, 0, WKC_OP_WAKE, (uint16_t)(first + (i + 1) % RING));
			if (!is_local && ts)
				drops[k][nd++] = (wkc_step){.op = WKC_OP_HANDOFF, .src = WKC_SRC_SLOT, .slot = 1,
							    .action = WKC_CA_WAKE, .trigger = WKC_TRIG_NOW};
			drops[k][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_WAKE, WKC_SRC_SLOT, 0);
			drops[k][nd++] = (wkc_step)SLOT(0, 0, WKC_OP_DROP, 0, 1);
			specs[k] = (wkc_probe_spec){.ready_phase = 0, .steps = steps[k], .nsteps = 3,
						    .drop_steps = drops[k], .ndrop_steps = nd};
			ps[k] = wkc_scene_probe(s, &specs[k]);
			if (wkc_scene_spawn(s, ps[k], is_local ? lcore : core, is_local ? lflags : 0) != 0) {
				if (n == 0)
					wkc_skip(cx, "the executor refused the first task");
				break;
			}
			n++;
		}
		if (n < first + RING)
			break; /* the executor takes no more tasks */
	}
	if (n == 0)
		wkc_skip(cx, "local-only executor without WKC_CAP_SPAWN_LOCAL: no waker outlives a poll");
	(void)wkc_scene_wait_exports(s, ps, n);
	wkc_scene_quiesce(s);
	wkc_scene_judge(s);
	memset(&f, 0, sizeof f);
	f.s = s;
	f.ps = ps;
	f.n = n;
	atomic_init(&f.stop, 0);
	atomic_init(&f.rounds, 0);
	/* For helgrind and DRD, which do not see C11 atomics. */
	wkc_annotate_atomic(&f.stop, sizeof f.stop);
	wkc_annotate_atomic(&f.rounds, sizeof f.rounds);
	if (ts)
		flooding = pthread_create(&th, NULL, shutdown_flood_main, &f) == 0;
	if (flooding) {
		/* Destroy only once the flood is under way (bounded wait). */
		double until = wkc_scene_now_ms() + wkc_scene_ms(s, 500.0);
		while (atomic_load_explicit(&f.rounds, memory_order_relaxed) < 2 &&
		       wkc_scene_now_ms() < until)
			sched_yield();
	}
	wkc_expect(cx, "WK-EXEC-017");
	wkc_scene_destroy(s);
	if (flooding) {
		atomic_store_explicit(&f.stop, 1, memory_order_relaxed);
		pthread_join(th, NULL);
		wkc_note(cx, "%lu wakes from another thread around destroy", f.wakes);
	}
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
}

/* ---- no leak ----------------------------------------------------------------------------------- */

/*
 * Tasks that clone, keep, hand off and export wakers in every way the
 * probes know, all balanced by the harness; once they completed and the
 * harness dropped everything, the executor's live-task count must read 0
 * (and LeakSanitizer / Valgrind, in their profiles, find nothing at exit).
 */
/* @proves WK-EXEC-019 */
void wkc_chk_no_leak(wkc_ctx *cx)
{
	static const wkc_step by_value[] = {S(1, 3, WKC_OP_WAKE, WKC_SRC_CX_LOCAL)};
	static const wkc_step keep_cx[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX, 0),
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX, 1),
		SLOT(2, 0, WKC_OP_DROP, 0, 0),
		S(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_step handed[] = {
		HAND(1, 2, WKC_SRC_CX, WKC_CA_DROP, WKC_TRIG_AFTER_POLL, 0, 0),
		HAND(1, 2, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 0, 0),
	};
	static const wkc_step exported[] = {
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX),
		S(1, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_CX),
	};
	static const wkc_step keep_local[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 1),
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX_LOCAL),
		S(1, 2, WKC_OP_WAKE, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec at_once = {.ready_phase = 1};
	static const wkc_probe_spec by_value_spec = SPEC(4, by_value);
	static const wkc_probe_spec keep_spec = SPEC(3, keep_cx);
	static const wkc_probe_spec handed_spec = SPEC(3, handed);
	static const wkc_probe_spec exported_spec = SPEC(2, exported);
	static const wkc_probe_spec local_spec = SPEC(3, keep_local);
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	bool local_only = (wkc_adapter_of(cx)->caps & WKC_CAP_LOCAL_ONLY) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(no_leak),
							     .couriers = ts ? 1 : 0});
	wkc_probe *ps[6];
	size_t n = 0;
	int lcore;
	uint32_t lflags;
	ps[n++] = wkc_scene_probe(s, &at_once);
	ps[n++] = wkc_scene_probe(s, &by_value_spec);
	if (!local_only) {
		ps[n++] = wkc_scene_probe(s, &keep_spec);
		ps[n++] = wkc_scene_probe(s, &exported_spec);
	}
	if (ts)
		ps[n++] = wkc_scene_probe(s, &handed_spec);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	if (wkc_scene_local_spawn(s, &lcore, &lflags)) {
		wkc_probe *p = wkc_scene_probe(s, &local_spec);
		wkc_scene_spawn_each(s, &p, 1, lcore, lflags);
	}
	wkc_scene_settle(s);
	(void)wkc_probe_set_couriers_idle(s->set, 1000);
	wkc_scene_drop_exports(s);
	wkc_scene_expect_no_leak(s);
	/* What is left at exit is charged to WK-EXEC-019 (wkc_scene_finish). */
	wkc_scene_finish(s);
}
