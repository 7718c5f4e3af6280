/*
 * exec_placement.c - spec/executor.md section 3: exclusion and placement.
 *
 * One poll of a task at a time (never two threads, never re-entered from
 * a wake inside the poll); a local task polled and dropped on one thread;
 * a task pinned to a core polled only on that core's thread.
 */
#include "checks.h"

enum { EXCL_ROUNDS = 20, EXCL_SPIN_US = 100, PLACE_ROUNDS = 10 };

/*
 * Every poll wakes its own task by reference (an executor that polls
 * inline on wake re-enters here), hands clones to two couriers that wake
 * at once, and spins so that those wakes land while it still runs (an
 * executor that polls a woken task on another thread at once polls it
 * twice at the same time).  The probes' in-poll flag and the trace's poll
 * intervals judge.
 */
/* @proves WK-EXEC-008 */
void wkc_chk_poll_exclusive(wkc_ctx *cx)
{
	static const wkc_step foreign[] = {
		HAND(1, EXCL_ROUNDS, WKC_SRC_CX, WKC_CA_CLONE_WAKE, WKC_TRIG_NOW, 0, 0),
		HAND(1, EXCL_ROUNDS, WKC_SRC_CX, WKC_CA_BY_REF_DROP, WKC_TRIG_NOW, 1, 0),
		S(1, EXCL_ROUNDS, WKC_OP_WAKE_BY_REF, WKC_SRC_CX),
		{.first = 1, .last = EXCL_ROUNDS, .op = WKC_OP_SPIN, .arg = EXCL_SPIN_US},
		S(1, EXCL_ROUNDS, WKC_OP_AWAIT_HANDOFFS, 0),
	};
	static const wkc_step same_thread[] = {
		S(1, EXCL_ROUNDS, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		{.first = 1, .last = EXCL_ROUNDS, .op = WKC_OP_SPIN, .arg = EXCL_SPIN_US},
		S(1, EXCL_ROUNDS, WKC_OP_WAKE, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec foreign_spec = SPEC(EXCL_ROUNDS + 1, foreign);
	static const wkc_probe_spec local_spec = SPEC(EXCL_ROUNDS + 1, same_thread);
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(poll_exclusive),
							     .couriers = ts ? 2 : 0});
	wkc_probe *ps[4];
	for (size_t i = 0; i < NSTEPS(ps); i++)
		ps[i] = wkc_scene_probe(s, ts && i % 2 == 0 ? &foreign_spec : &local_spec);
	/* All at once where possible: more threads compete for them. */
	wkc_scene_spawn_each(s, ps, NSTEPS(ps), WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/*
 * Wakes that an executor could be tempted to serve inline: pairs of tasks
 * on one thread (pinned or local where the executor offers it), where B
 * wakes A in every one of its polls while A is idle, through A's waker
 * and through a clone (by value), and the driver wakes A between calls to
 * run() where it may.  An executor that polls the woken task right inside
 * the wake runs A's poll inside B's poll (or inside the driver's wake),
 * which the inline-poll oracle sees on the thread's nesting of polls and
 * waker calls.  Pairs placed on two threads still test the wake from
 * another task's poll.
 */
/* @proves WK-EXEC-026 */
void wkc_chk_poll_not_inline(wkc_ctx *cx)
{
	enum { PAIRS = 3, ROUNDS = 8 };
	static const uint8_t b_ops[PAIRS] = {WKC_OP_WAKE_BY_REF, WKC_OP_WAKE, WKC_OP_CLONE_BY_REF};
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(poll_not_inline)});
	wkc_step a_steps[PAIRS][1], b_steps[PAIRS][3];
	wkc_probe_spec a_spec[PAIRS], b_spec[PAIRS];
	wkc_probe *as[PAIRS];
	int core;
	uint32_t flags;
	bool local = wkc_scene_local_spawn(s, &core, &flags);
	if (!local)
		(void)wkc_scene_pinned_spawn(s, &core, &flags);
	for (unsigned i = 0; i < PAIRS; i++) {
		uint16_t a_index = (uint16_t)wkc_probe_count(s->set);
		wkc_probe *b;
		/* A local task's export is its local waker (usable on its thread);
		 * otherwise the thread-safe one, which the driver may use too. */
		a_steps[i][0] = (wkc_step)S(1, 0, WKC_OP_EXPORT, local || !ts ? WKC_SRC_CX_LOCAL : WKC_SRC_CX);
		a_spec[i] = (wkc_probe_spec){.ready_phase = ROUNDS + 1, .steps = a_steps[i], .nsteps = 1};
		as[i] = wkc_scene_probe(s, &a_spec[i]);
		b_steps[i][0] = (wkc_step)PEER(1, WKC_FOREVER, b_ops[i], a_index);
		b_steps[i][1] = (wkc_step)S(1, WKC_FOREVER, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL);
		b_steps[i][2] = (wkc_step){.first = 1, .last = WKC_FOREVER, .op = WKC_OP_SPIN, .arg = 20};
		b_spec[i] = (wkc_probe_spec){.steps = b_steps[i], .nsteps = 3,
					     .gate = wkc_probe_complete_flag(as[i]), .gate_target = 1};
		b = wkc_scene_probe(s, &b_spec[i]);
		wkc_scene_spawn_or_skip(s, as[i], core, flags);
		wkc_scene_spawn_or_skip(s, b, core, flags);
	}
	wkc_scene_settle(s);
	/* The driver's own wakes, between calls to run(), of tasks it may
	 * wake: a second round of A-like tasks woken only by the driver. */
	if (ts && !HAS(s, WKC_CAP_LOCAL_ONLY)) {
		static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
		static const wkc_probe_spec driven = SPEC(4, export_cx);
		wkc_probe *d = wkc_scene_probe(s, &driven);
		const wkc_held *e;
		wkc_scene_spawn_or_skip(s, d, WKC_ANY_CORE, 0);
		for (uint32_t r = 1; r <= 3; r++) {
			if (!wkc_scene_wait_polled(s, d, r) || (e = wkc_probe_export(d)) == NULL)
				break;
			wkc_held_wake_by_ref(e, 0);
		}
		wkc_scene_settle(s);
		wkc_scene_judge(s);
		wkc_scene_drop_exports(s);
	}
	wkc_scene_finish(s);
}

/*
 * A pair on two threads: task A (local, or pinned to core a) exports its
 * thread-safe waker and needs `rounds` more polls; task B (on another core
 * where cores can be chosen) wakes A through it in every poll, yielding
 * between wakes, until A completes.  B's wakes come from an executor
 * thread that does not own A: they must be routed to A's own thread
 * (monoio #120 ran the task wherever the wake happened).
 */
static void spawn_cross_pair(wkc_scene *s, wkc_step *a_steps, wkc_step *b_steps,
			     wkc_probe_spec *a_spec, wkc_probe_spec *b_spec, unsigned rounds,
			     int a_core, uint32_t a_flags, int b_core)
{
	uint16_t a_index = (uint16_t)wkc_probe_count(s->set);
	wkc_probe *a, *b;
	a_steps[0] = (wkc_step)S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX);
	a_steps[1] = (wkc_step)SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 0);
	*a_spec = (wkc_probe_spec){.ready_phase = rounds + 1, .steps = a_steps, .nsteps = 2};
	a = wkc_scene_probe(s, a_spec);
	b_steps[0] = (wkc_step)PEER(1, WKC_FOREVER, WKC_OP_WAKE_BY_REF, a_index);
	b_steps[1] = (wkc_step)S(1, WKC_FOREVER, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL);
	b_steps[2] = (wkc_step){.first = 1, .last = WKC_FOREVER, .op = WKC_OP_SPIN, .arg = 20};
	*b_spec = (wkc_probe_spec){.steps = b_steps, .nsteps = 3, .gate = wkc_probe_complete_flag(a),
				   .gate_target = 1};
	b = wkc_scene_probe(s, b_spec);
	wkc_scene_spawn_or_skip(s, a, a_core, a_flags);
	wkc_scene_spawn_or_skip(s, b, b_core, 0);
}

/*
 * Local tasks pending at destroy: each polled once (keeping a local waker
 * it drops in its drop), spread over the executor's threads (one per core
 * where cores can be chosen), then left pending.  The affinity oracle
 * judges their drops after destroy: on the thread that polled them.
 */
static void left_for_destroy(wkc_scene *s)
{
	static const wkc_step keep_local[] = {SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 0)};
	static const wkc_probe_spec pending = {.ready_phase = 0, .steps = keep_local, .nsteps = 1};
	uint32_t cores = HAS(s, WKC_CAP_SPAWN_ON_CORE) ? wkc_core_count(s->cx, s->ex) : 1;
	wkc_probe *ps[8];
	unsigned n = 0;
	if (cores > 4)
		cores = 4;
	for (uint32_t c = 0; c < cores; c++)
		for (int i = 0; i < 2; i++) {
			ps[n] = wkc_scene_probe(s, &pending);
			if (wkc_scene_spawn(s, ps[n], cores > 1 ? (int)c : WKC_ANY_CORE, WKC_SPAWN_LOCAL) != 0)
				return; /* a one-task-at-a-time executor: nothing left to destroy */
			n++;
		}
	for (unsigned i = 0; i < n; i++)
		(void)wkc_scene_wait_polled(s, ps[i], 1);
}

/*
 * Local tasks keep a local waker across polls and yield many times; with
 * thread-safe wakers (and a foreign wake that is routed, not fatal) some
 * are woken from courier threads and from a task on another core, which
 * the executor must route to the task's own thread.  Every poll and the
 * drop of each local task must happen on one thread.  Last, local tasks
 * that stay pending (polled once, keeping a local waker) are left for
 * destroy: an executor with threads of its own must drop each on the
 * thread that polled it, not on the thread that called destroy.
 */
/* @proves WK-EXEC-012 */
void wkc_chk_placement_local(wkc_ctx *cx)
{
	static const wkc_step yield_local[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 0),
		S(1, PLACE_ROUNDS, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_step yield_foreign[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 0),
		HAND(1, PLACE_ROUNDS, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 0, 0),
	};
	static const wkc_probe_spec local_spec = SPEC(PLACE_ROUNDS + 1, yield_local);
	static const wkc_probe_spec foreign_spec = SPEC(PLACE_ROUNDS + 1, yield_foreign);
	uint32_t caps = wkc_adapter_of(cx)->caps;
	bool foreign = (caps & WKC_CAP_THREAD_SAFE_WAKERS) && !(caps & WKC_CAP_FOREIGN_WAKE_ABORTS) &&
		       !(caps & WKC_CAP_LOCAL_ONLY);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(placement_local),
							     .couriers = foreign ? 2 : 0});
	wkc_probe *ps[6];
	wkc_step a_steps[2], b_steps[3];
	wkc_probe_spec a_spec, b_spec;
	size_t n = 0;
	for (int i = 0; i < 4; i++)
		ps[n++] = wkc_scene_probe(s, &local_spec);
	if (foreign)
		for (int i = 0; i < 2; i++)
			ps[n++] = wkc_scene_probe(s, &foreign_spec);
	/* Any core: a thread-per-core executor spreads them over its cores. */
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, WKC_SPAWN_LOCAL);
	wkc_scene_settle(s);
	if (foreign) {
		bool on_cores = HAS(s, WKC_CAP_SPAWN_ON_CORE) && wkc_core_count(cx, s->ex) >= 2;
		spawn_cross_pair(s, a_steps, b_steps, &a_spec, &b_spec, PLACE_ROUNDS,
				 on_cores ? 0 : WKC_ANY_CORE, WKC_SPAWN_LOCAL, on_cores ? 1 : WKC_ANY_CORE);
		wkc_scene_settle(s);
	}
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	left_for_destroy(s);
	wkc_scene_finish(s);
}

/*
 * Three tasks pinned to each core, yielding (and, with thread-safe wakers,
 * woken from courier threads); then, per core, a pinned task woken in
 * every round by a task pinned to the next core.  Each task is polled on
 * one thread only, the same thread for every task of a core.
 */
/* @proves WK-EXEC-012 */
void wkc_chk_placement_cores(wkc_ctx *cx)
{
	static const wkc_step yield_local[] = {S(1, PLACE_ROUNDS, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_step yield_foreign[] = {
		HAND(1, PLACE_ROUNDS, WKC_SRC_CX, WKC_CA_CLONE_WAKE, WKC_TRIG_AFTER_POLL, 1, 0),
	};
	static const wkc_probe_spec local_spec = SPEC(PLACE_ROUNDS + 1, yield_local);
	static const wkc_probe_spec foreign_spec = SPEC(PLACE_ROUNDS + 1, yield_foreign);
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(placement_cores),
							     .couriers = ts ? 2 : 0});
	uint32_t cores = wkc_core_count(cx, s->ex);
	wkc_step a_steps[8][2], b_steps[8][3];
	wkc_probe_spec a_spec[8], b_spec[8];
	if (cores == 0)
		cores = 1;
	if (cores > 8)
		cores = 8;
	for (uint32_t c = 0; c < cores; c++)
		for (int i = 0; i < 3; i++) {
			wkc_probe *p = wkc_scene_probe(s, ts && i == 2 ? &foreign_spec : &local_spec);
			wkc_scene_spawn_each(s, &p, 1, (int)c, 0);
		}
	wkc_scene_settle(s);
	if (ts && !HAS(s, WKC_CAP_LOCAL_ONLY)) {
		for (uint32_t c = 0; c < cores; c++)
			spawn_cross_pair(s, a_steps[c], b_steps[c], &a_spec[c], &b_spec[c], PLACE_ROUNDS,
					 (int)c, 0, (int)((c + 1) % cores));
		wkc_scene_settle(s);
		wkc_scene_judge(s);
		wkc_scene_drop_exports(s);
	}
	wkc_scene_finish(s);
}
