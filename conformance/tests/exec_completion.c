/*
 * exec_completion.c - spec/executor.md section 2: completion.
 *
 * A task is never polled after Ready (also when it was woken during or
 * right after its last poll); waking a completed task's wakers is
 * harmless; every future is dropped exactly once, after Ready or by
 * destroy, including tasks that were woken and queued when destroy came.
 */
#include "checks.h"

/* @proves WK-EXEC-007 */
void wkc_chk_ready_no_poll_after(wkc_ctx *cx)
{
	static const wkc_step self_local[] = {S(1, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_step self_cx[] = {SN(1, 0, WKC_OP_WAKE, WKC_SRC_CX, 2)};
	static const wkc_step yield_then[] = {S(1, 3, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_step foreign_during[] = {
		HAND(1, 0, WKC_SRC_CX, WKC_CA_CLONE_WAKE, WKC_TRIG_NOW, 0, 0),
		S(1, 0, WKC_OP_AWAIT_HANDOFFS, 0),
	};
	static const wkc_step foreign_after[] = {
		HAND(1, 0, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 1, 0),
		HAND(1, 0, WKC_SRC_CX, WKC_CA_BY_REF_DROP, WKC_TRIG_DELAY, 0, 500),
	};
	static const wkc_probe_spec local_specs[] = {SPEC(1, self_local), SPEC(3, yield_then)};
	static const wkc_probe_spec cx_specs[] = {SPEC(1, self_cx)};
	static const wkc_probe_spec ts_specs[] = {SPEC(1, foreign_during), SPEC(1, foreign_after)};
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(ready_no_poll_after),
							     .couriers = ts ? 2 : 0});
	wkc_probe *ps[8];
	size_t n = 0;
	for (size_t i = 0; i < NSTEPS(local_specs); i++)
		ps[n++] = wkc_scene_probe(s, &local_specs[i]);
	if (!HAS(s, WKC_CAP_LOCAL_ONLY))
		ps[n++] = wkc_scene_probe(s, &cx_specs[0]);
	if (ts)
		for (size_t i = 0; i < NSTEPS(ts_specs); i++)
			ps[n++] = wkc_scene_probe(s, &ts_specs[i]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	/* Give an executor that would poll again every chance to. */
	wkc_scene_quiesce(s);
	wkc_scene_finish(s);
}

/* ---- waking completed tasks ------------------------------------------------------------------ */

typedef struct completed_arg {
	wkc_probe **ps;
	size_t n;
	unsigned iters;
} completed_arg;

/* Hammer thread: clone, wake and drop the wakers of finished tasks. */
static long wake_completed_from_thread(wkc_ctx *cx, unsigned index, void *arg)
{
	completed_arg *a = arg;
	(void)cx;
	for (unsigned k = 0; k < a->iters; k++) {
		const wkc_held *e = wkc_probe_export(a->ps[(k + index) % a->n]);
		if (e != NULL)
			wkc_held_churn(e, WKC_EVF_FOREIGN);
	}
	return 0;
}

/*
 * Tasks export a waker and complete.  Afterwards the driver and, with
 * thread-safe wakers, two threads at once wake (by reference and by value),
 * clone and drop those wakers; then the executor runs again.  Nothing may
 * be polled, nothing may crash, and the clones stay balanced.
 */
/* @proves WK-EXEC-009 */
void wkc_chk_ready_wake_completed(wkc_ctx *cx)
{
	static const wkc_step export_now[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step export_yield[] = {
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX),
		S(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec specs[] = {SPEC(1, export_now), SPEC(3, export_yield)};
	wkc_scene_opts o = {.ids = WKC_IDS(ready_wake_completed)};
	wkc_scene *s;
	wkc_probe *ps[6];
	size_t n = 0;
	completed_arg arg;
	/* Here a poll after completion is exactly what WK-EXEC-009 forbids. */
	o.id_for[WKC_OR_AFTER_READY] = "WK-EXEC-009";
	s = wkc_scene_begin(cx, &o);
	for (size_t i = 0; i < NSTEPS(ps); i++)
		ps[n++] = wkc_scene_probe(s, &specs[i % 2]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_expect(cx, "WK-EXEC-009");
	for (size_t i = 0; i < n; i++) {
		const wkc_held *e = wkc_probe_export(ps[i]);
		wkc_held c;
		if (e == NULL || (wkc_probe_poll_thread(ps[i]) != s->driver &&
				  !HAS(s, WKC_CAP_THREAD_SAFE_WAKERS)))
			continue;
		wkc_held_wake_by_ref(e, 0);
		c = wkc_held_clone(e, 0);
		wkc_held_wake(&c, 0);
		c = wkc_held_clone(e, 0);
		wkc_held_wake_by_ref(&c, 0);
		wkc_held_drop(&c, 0);
	}
	if (HAS(s, WKC_CAP_THREAD_SAFE_WAKERS)) {
		arg.ps = ps;
		arg.n = n;
		arg.iters = wkc_scene_scaled(s, 60, 6);
		wkc_hammer(cx, 2, wake_completed_from_thread, &arg, NULL);
	}
	wkc_scene_quiesce(s);
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_expect_no_leak(s);
	wkc_scene_finish(s);
}

/* ---- dropped exactly once ------------------------------------------------------------------ */

/*
 * A mix: tasks that complete at once or after yielding, tasks that stay
 * pending (never woken), tasks woken just before destroy (queued, not yet
 * polled), a local task holding a local waker.  After destroy every
 * accepted future has been dropped exactly once.
 */
/* @proves WK-EXEC-018 */
void wkc_chk_drop_exactly_once(wkc_ctx *cx)
{
	static const wkc_step yield2[] = {S(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step keep_local[] = {SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 1)};
	static const wkc_probe_spec at_once = {.ready_phase = 1};
	static const wkc_probe_spec after_yield = SPEC(3, yield2);
	static const wkc_probe_spec never = {.ready_phase = 0};
	static const wkc_probe_spec woken_late = SPEC(0, export_cx);
	static const wkc_probe_spec local_pending = SPEC(0, keep_local);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(drop_exactly_once)});
	wkc_probe *ps[12];
	size_t n = 0, late_from;
	int core;
	uint32_t flags;

	for (int i = 0; i < 3; i++)
		ps[n++] = wkc_scene_probe(s, &at_once);
	for (int i = 0; i < 2; i++)
		ps[n++] = wkc_scene_probe(s, &after_yield);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	/* Tasks that stay unfinished: spawned only if the executor takes
	 * more than one task at a time. */
	for (int i = 0; i < 3; i++) {
		wkc_probe *p = wkc_scene_probe(s, &never);
		if (wkc_scene_spawn(s, p, WKC_ANY_CORE, 0) != 0)
			break;
	}
	late_from = wkc_probe_count(s->set);
	if (!HAS(s, WKC_CAP_LOCAL_ONLY))
		for (int i = 0; i < 2; i++) {
			wkc_probe *p = wkc_scene_probe(s, &woken_late);
			if (wkc_scene_spawn(s, p, WKC_ANY_CORE, 0) != 0)
				break;
		}
	if (wkc_scene_local_spawn(s, &core, &flags)) {
		wkc_probe *p = wkc_scene_probe(s, &local_pending);
		(void)wkc_scene_spawn(s, p, core, flags);
	}
	wkc_scene_quiesce(s);
	wkc_scene_judge(s);
	/* Wake the exported ones and destroy before the executor runs. */
	for (size_t i = late_from; i < wkc_probe_count(s->set); i++) {
		wkc_probe *p = wkc_probe_at(s->set, i);
		const wkc_held *e = wkc_probe_export(p);
		if (e != NULL && (HAS(s, WKC_CAP_THREAD_SAFE_WAKERS) || wkc_probe_poll_thread(p) == s->driver))
			wkc_held_wake_by_ref(e, 0);
	}
	wkc_expect(cx, "WK-EXEC-018");
	wkc_scene_destroy(s);
	wkc_scene_finish(s);
}
