/*
 * exec_wake.c - spec/executor.md section 1: polls and wakes.
 *
 * A spawned task is polled; a wake after Pending (on the polling thread or
 * from another one, by reference, by value, through a clone, through the
 * local waker) is followed by a poll; a wake during the poll is not lost;
 * several wakes give at least one poll; wakers from earlier polls still
 * work.  The lost-wakeup oracle judges each check: a task whose completion
 * needs the poll that the wake owes stays pending if the wake is lost.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "wkc/annotate.h"

/* @proves WK-EXEC-001 */
void wkc_chk_poll_first(wkc_ctx *cx)
{
	static const wkc_probe_spec ready_at_once = {.ready_phase = 1};
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(poll_first)});
	for (int i = 0; i < 8; i++) {
		wkc_probe *p = wkc_scene_probe(s, &ready_at_once);
		if (wkc_scene_spawn(s, p, WKC_ANY_CORE, 0) != 0) {
			if (i == 0)
				wkc_scene_fail(s, "WK-EXEC-001",
					       "spawn refused the first task of a fresh executor");
			break;
		}
	}
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/* ---- after Pending, woken by the driver ------------------------------------------------ */

enum { ROUNDS = 4 };

/*
 * One task exports a waker in its first poll and returns Pending four
 * times; between polls the driver wakes it through the export: by
 * reference, through a clone woken by value, through a clone woken by
 * reference, and finally through the clone it kept since round 1.  On
 * executors that poll on the driver's thread these are same-thread wakes
 * (WK-EXEC-002), elsewhere foreign ones (WK-EXEC-003).
 */
/* Returns the id whose wakes it exercised (a poll came after at least
 * one of them), or NULL. */
static const char *after_pending(wkc_ctx *cx, bool local)
{
	static const wkc_step cx_steps[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step local_steps[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX_LOCAL)};
	static const wkc_probe_spec cx_spec = SPEC(ROUNDS + 1, cx_steps);
	static const wkc_probe_spec local_spec = SPEC(ROUNDS + 1, local_steps);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_after_pending)});
	wkc_probe *p = wkc_scene_probe(s, local ? &local_spec : &cx_spec);
	const wkc_held *e;
	wkc_held kept = {0};
	int core = WKC_ANY_CORE;
	uint32_t flags = 0;
	bool same;
	const char *id;

	if (local)
		(void)wkc_scene_local_spawn(s, &core, &flags);
	wkc_scene_spawn_or_skip(s, p, core, flags);
	if (!wkc_scene_wait_polled(s, p, 1) || (e = wkc_probe_export(p)) == NULL) {
		/* Never polled, or no export: the oracles say why. */
		wkc_scene_settle(s);
		wkc_scene_finish(s);
		return NULL;
	}
	same = wkc_probe_poll_thread(p) == s->driver;
	if (local && !same) {
		wkc_scene_finish(s);
		return NULL; /* the driver may not touch a local waker of another thread */
	}
	if (!same && !HAS(s, WKC_CAP_THREAD_SAFE_WAKERS)) {
		wkc_scene_finish(s);
		return NULL;
	}
	id = same ? "WK-EXEC-002" : "WK-EXEC-003";
	s->o.id_for[WKC_OR_LOST_WAKEUP] = id;
	for (uint32_t r = 1; r <= ROUNDS; r++) {
		wkc_held c;
		if (!wkc_scene_wait_polled(s, p, r))
			break;
		switch (r) {
		case 1:
			kept = wkc_held_clone(e, 0);
			wkc_held_wake_by_ref(e, 0);
			break;
		case 2:
			c = wkc_held_clone(e, 0);
			wkc_held_wake(&c, 0);
			break;
		case 3:
			c = wkc_held_clone(e, 0);
			wkc_held_wake_by_ref(&c, 0);
			wkc_held_drop(&c, 0);
			break;
		default:
			wkc_held_wake(&kept, 0);
			break;
		}
	}
	wkc_held_drop(&kept, 0); /* still held if a round never came */
	wkc_scene_settle(s);
	wkc_scene_judge(s);
	if (!local)
		wkc_scene_drop_exports(s);
	if (wkc_probe_polls(p) < 2)
		id = NULL; /* no wake was followed by a poll: its failure is reported */
	wkc_scene_finish(s);
	return id;
}

/* @proves WK-EXEC-002 WK-EXEC-003 */
void wkc_chk_wake_after_pending(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	bool ran = false, same = false, foreign = false;
	const char *id;
	if (!(a->caps & WKC_CAP_LOCAL_ONLY)) {
		id = after_pending(cx, false);
		same |= id != NULL && strcmp(id, "WK-EXEC-002") == 0;
		foreign |= id != NULL && strcmp(id, "WK-EXEC-003") == 0;
		ran = true;
	}
	if (a->caps & WKC_CAP_SPAWN_LOCAL) {
		id = after_pending(cx, true);
		same |= id != NULL && strcmp(id, "WK-EXEC-002") == 0;
		foreign |= id != NULL && strcmp(id, "WK-EXEC-003") == 0;
		ran = true;
	}
	if (!ran)
		wkc_skip(cx, "local-only executor without WKC_CAP_SPAWN_LOCAL: no waker the driver may use");
	/* Which wakes the driver's were depends on where the executor polled. */
	if (!same)
		wkc_unexercised(cx, "WK-EXEC-002",
				"the executor never polled the task on the driver's thread, so no wake "
				"of the driver's was a same-thread one (exec.wake.same_thread tests them "
				"between tasks)");
	if (!foreign)
		wkc_unexercised(cx, "WK-EXEC-003",
				"the executor polled the task on the driver's thread%s, so no wake of "
				"the driver's came from a foreign thread (exec.wake.foreign_thread tests "
				"them)",
				a->caps & WKC_CAP_THREAD_SAFE_WAKERS ? "" : " or has no thread-safe waker");
}

/* ---- after Pending, woken by another task on the same thread ---------------------------- */

/*
 * Pairs of tasks on one thread: A exports a waker and returns Pending; B,
 * polled after A's poll returned, wakes A through it (by reference, by
 * value through a clone, through a clone woken by reference; through A's
 * local waker when local tasks exist).  A needs that wake to complete.
 *
 * Which thread a task lands on is the executor's choice unless it pins
 * cores.  A pair placed on two threads tests a foreign wake, not this
 * rule: such wakes are judged as WK-EXEC-003's, and when no pair of an
 * attempt shared a thread the check tries once more with the tasks spawned
 * in another order (all A's first, then all B's), so that placements that
 * follow the spawn order put pairs together.  If no pair ever shared a
 * thread, WK-EXEC-002 was not exercised.
 */
static unsigned same_thread_attempt(wkc_ctx *cx, bool grouped)
{
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_step export_local[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX_LOCAL)};
	static const wkc_probe_spec a_cx = SPEC(2, export_cx);
	static const wkc_probe_spec a_local = SPEC(2, export_local);
	/* B's steps name the index of its A: built per pair below (they
	 * live until wkc_scene_finish, inside this function). */
	wkc_step b_steps[5][1];
	wkc_probe_spec b_specs[5];
	bool is_local_pair[5];
	static const uint8_t b_ops[5] = {WKC_OP_WAKE_BY_REF, WKC_OP_WAKE, WKC_OP_CLONE_BY_REF,
					 WKC_OP_WAKE_BY_REF, WKC_OP_WAKE};
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_same_thread)});
	wkc_probe *as[5], *bs[5];
	unsigned npairs = 0, together = 0;
	int core, lcore;
	uint32_t flags, lflags;
	bool pinned = wkc_scene_pinned_spawn(s, &core, &flags);
	bool local = wkc_scene_local_spawn(s, &lcore, &lflags);

	if (!pinned)
		wkc_skip(cx, "tasks may run on different threads and none can be pinned");
	for (unsigned k = 0; k < 5; k++) {
		bool is_local = k >= 3;
		if (!is_local && HAS(s, WKC_CAP_LOCAL_ONLY))
			continue;
		if (is_local && !local)
			continue;
		b_steps[k][0] = (wkc_step)PEER(1, 0, b_ops[k], (uint16_t)(2 * npairs));
		b_specs[k] = (wkc_probe_spec)SPEC(1, b_steps[k]);
		is_local_pair[npairs] = is_local;
		as[npairs] = wkc_scene_probe(s, is_local ? &a_local : &a_cx);
		bs[npairs] = wkc_scene_probe(s, &b_specs[k]);
		npairs++;
	}
	if (npairs == 0)
		wkc_skip(cx, "no waker kind usable between tasks here");
	for (unsigned pass = 0; pass < (grouped ? 2u : 1u); pass++)
		for (unsigned i = 0; i < npairs; i++) {
			bool is_local = is_local_pair[i];
			int c = is_local ? lcore : core;
			uint32_t fl = is_local ? lflags : flags;
			if (!grouped || pass == 0)
				wkc_scene_spawn_or_skip(s, as[i], c, fl);
			if (!grouped || pass == 1)
				wkc_scene_spawn_or_skip(s, bs[i], c, fl);
		}
	wkc_scene_settle(s);
	for (unsigned i = 0; i < npairs; i++) {
		uint32_t ta = wkc_probe_poll_thread(as[i]), tb = wkc_probe_poll_thread(bs[i]);
		if (ta != 0 && ta == tb)
			together++;
		else if (ta != 0 && tb != 0)
			wkc_note(cx, "pair %u ran on threads %u and %u: its wake was not a same-thread one",
				 i, (unsigned)ta, (unsigned)tb);
	}
	if (together == 0)
		s->o.id_for[WKC_OR_LOST_WAKEUP] = "WK-EXEC-003"; /* every wake was foreign */
	wkc_scene_judge(s);
	wkc_scene_drop_exports(s);
	wkc_scene_finish(s);
	return together;
}

/* @proves WK-EXEC-002 */
void wkc_chk_wake_same_thread(wkc_ctx *cx)
{
	/* Decided from the capabilities before any executor exists: a skip
	 * ends the process at once. */
	wkc_scene caps_only = {.a = wkc_adapter_of(cx)};
	int core;
	uint32_t flags;
	if (!wkc_scene_pinned_spawn(&caps_only, &core, &flags))
		wkc_skip(cx, "tasks may run on different threads and none can be pinned");
	if (HAS(&caps_only, WKC_CAP_LOCAL_ONLY) && !wkc_scene_local_spawn(&caps_only, &core, &flags))
		wkc_skip(cx, "no waker kind usable between tasks here");
	if (same_thread_attempt(cx, false) > 0 || same_thread_attempt(cx, true) > 0)
		return;
	wkc_unexercised(cx, "WK-EXEC-002",
			"the executor never polled the two tasks of a pair on the same thread (spawned "
			"interleaved, then grouped), so no wake between them was a same-thread one");
}

/* ---- from another thread ------------------------------------------------------------------- */

enum { FOREIGN_ROUNDS = 8, DELAY_ROUNDS = 4, DELAY_US = 1000 };

/*
 * Each poll hands a clone of the context's waker to a courier thread that
 * wakes it once the poll has returned (at once, or after a delay long
 * enough for the executor to go idle and park): by value, by reference
 * then drop, or through a clone of the clone.
 */
/* @proves WK-EXEC-003 */
void wkc_chk_wake_foreign(wkc_ctx *cx)
{
#define FOREIGN(act, trig, c, us, rounds)                                         \
	{.ready_phase = (rounds) + 1,                                              \
	 .steps = (const wkc_step[]){HAND(1, (rounds), WKC_SRC_CX, act, trig, c, us)}, \
	 .nsteps = 1}
	/* Automatic: the compound literals live as long as the probes. */
	const wkc_probe_spec specs[] = {
		FOREIGN(WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 0, 0, FOREIGN_ROUNDS),
		FOREIGN(WKC_CA_BY_REF_DROP, WKC_TRIG_AFTER_POLL, 1, 0, FOREIGN_ROUNDS),
		FOREIGN(WKC_CA_CLONE_WAKE, WKC_TRIG_AFTER_POLL, 0, 0, FOREIGN_ROUNDS),
		FOREIGN(WKC_CA_WAKE, WKC_TRIG_DELAY, 1, DELAY_US, DELAY_ROUNDS),
		FOREIGN(WKC_CA_BY_REF_DROP, WKC_TRIG_DELAY, 0, DELAY_US, DELAY_ROUNDS),
		FOREIGN(WKC_CA_CLONE_WAKE, WKC_TRIG_DELAY, 1, DELAY_US, DELAY_ROUNDS),
	};
#undef FOREIGN
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_foreign),
							     .lost_id = "WK-EXEC-003",
							     .couriers = 2});
	wkc_probe *ps[NSTEPS(specs)];
	for (size_t i = 0; i < NSTEPS(specs); i++)
		ps[i] = wkc_scene_probe(s, &specs[i]);
	wkc_scene_spawn_each(s, ps, NSTEPS(specs), WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/* ---- during the poll ---------------------------------------------------------------------- */

enum { DURING_ROUNDS = 10, BARRIER_ROUNDS = 15 };

/* Each poll wakes its own task before returning Pending: by reference, by
 * value through a clone, through a clone woken by reference, through the
 * local waker by reference and by value. */
/* @proves WK-EXEC-004 */
void wkc_chk_wake_during_poll(wkc_ctx *cx)
{
#define DURING(op, src) \
	{.ready_phase = DURING_ROUNDS + 1, .steps = (const wkc_step[]){S(1, DURING_ROUNDS, op, src)}, .nsteps = 1}
	const wkc_probe_spec specs[] = {
		DURING(WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		DURING(WKC_OP_WAKE, WKC_SRC_CX_LOCAL),
		DURING(WKC_OP_WAKE_BY_REF, WKC_SRC_CX),
		DURING(WKC_OP_WAKE, WKC_SRC_CX),
		DURING(WKC_OP_CLONE_BY_REF, WKC_SRC_CX),
	};
#undef DURING
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_during_poll),
							     .lost_id = "WK-EXEC-004"});
	wkc_probe *ps[NSTEPS(specs)];
	/* A local-only context has no thread-safe waker to wake through. */
	size_t n = HAS(s, WKC_CAP_LOCAL_ONLY) ? 2 : NSTEPS(specs);
	for (size_t i = 0; i < n; i++)
		ps[i] = wkc_scene_probe(s, &specs[i]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

/* Each poll hands a clone to a courier that wakes at once, and waits until
 * the courier's wake returned before returning Pending: the wake lands
 * while the poll runs, the race of tokio #6999. */
/* @proves WK-EXEC-004 */
void wkc_chk_wake_during_poll_foreign(wkc_ctx *cx)
{
#define BARRIER(act, c)                                                                   \
	{.ready_phase = BARRIER_ROUNDS + 1,                                                \
	 .steps = (const wkc_step[]){HAND(1, BARRIER_ROUNDS, WKC_SRC_CX, act, WKC_TRIG_NOW, c, 0), \
				     S(1, BARRIER_ROUNDS, WKC_OP_AWAIT_HANDOFFS, 0)},       \
	 .nsteps = 2}
	const wkc_probe_spec specs[] = {
		BARRIER(WKC_CA_WAKE, 0),
		BARRIER(WKC_CA_BY_REF_DROP, 1),
		BARRIER(WKC_CA_CLONE_WAKE, 0),
		BARRIER(WKC_CA_WAKE, 1),
	};
#undef BARRIER
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_during_poll_foreign),
							     .lost_id = "WK-EXEC-004",
							     .couriers = 2});
	wkc_probe *ps[NSTEPS(specs)];
	for (size_t i = 0; i < NSTEPS(specs); i++)
		ps[i] = wkc_scene_probe(s, &specs[i]);
	wkc_scene_spawn_each(s, ps, NSTEPS(specs), WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	wkc_scene_finish(s);
}

typedef struct race_arg {
	wkc_probe **ps;
	size_t n;
	unsigned polls;
} race_arg;

static bool raced_enough(wkc_scene *s, void *arg)
{
	race_arg *r = arg;
	unsigned polls = 0;
	(void)s;
	for (size_t i = 0; i < r->n; i++)
		polls += wkc_probe_polls(r->ps[i]);
	return polls >= r->polls;
}

/*
 * The end of a poll, raced: in every poll each task hands a clone to its
 * own courier and waits until the courier holds it, then announces its
 * end and spins a pseudo-random 0..JITTER iterations before returning;
 * the courier, spinning on the announcement, wakes at once.  Round after
 * round the wakes sweep the moment where the executor turns "running"
 * into "idle" after the poll: a state update that is not one atomic step
 * loses the wake (compio #948) and the task hangs.  The window is a few
 * instructions wide: the tasks race until they made RACE_POLLS poll ends
 * between them, or for at most RACE_MS when the machine is too slow or
 * loaded for that (each round then counts less, so it gets more time),
 * and a gate lets them complete.  Detection is probabilistic
 * (spec/executor.md, section 9).
 */
/* @proves WK-EXEC-004 */
void wkc_chk_wake_poll_end_race(wkc_ctx *cx)
{
	enum { TASKS = 4, JITTER = 2000, RACE_POLLS = 12000 };
	static const double race_ms = 1500.0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_poll_end_race),
							     .lost_id = "WK-EXEC-004",
							     .couriers = TASKS,
							     .trace_capacity = 1u << 17});
	static const uint8_t actions[TASKS] = {WKC_CA_WAKE, WKC_CA_BY_REF_DROP, WKC_CA_WAKE,
					       WKC_CA_CLONE_WAKE};
	_Atomic uint32_t gate = 0;
	wkc_step steps[TASKS][2];
	wkc_probe_spec specs[TASKS];
	wkc_probe *ps[TASKS];
	size_t n = 0;
	race_arg race;
	double t0;
	for (unsigned i = 0; i < TASKS; i++) {
		steps[i][0] = (wkc_step)HAND(1, WKC_FOREVER, WKC_SRC_CX, actions[i], WKC_TRIG_POLL_END, i, 0);
		steps[i][1] = (wkc_step)S(1, WKC_FOREVER, WKC_OP_AWAIT_TAKEN, 0);
		specs[i] = (wkc_probe_spec){.steps = steps[i], .nsteps = 2, .gate = &gate,
					    .gate_target = 1, .end_jitter = JITTER};
		ps[n] = wkc_scene_probe(s, &specs[i]);
		if (wkc_scene_spawn(s, ps[n], WKC_ANY_CORE, 0) != 0) {
			if (n == 0)
				wkc_skip(cx, "the executor refused the first task");
			break;
		}
		n++;
	}
	/* Race (the drive stops early if the executor goes idle with a wake
	 * owed), then let the tasks finish.  The bound is real time, whatever
	 * the profile: the rounds matter, not the slow-down. */
	race.ps = ps;
	race.n = n;
	race.polls = RACE_POLLS;
	t0 = wkc_scene_now_ms();
	(void)wkc_scene_drive(s, raced_enough, &race, race_ms / s->wait_factor);
	/* release: nothing to hand over; the tasks' acquire needs a pair. */
	wkc_annotate_release(&gate); /* the store's release, for helgrind and DRD */
	atomic_store_explicit(&gate, 1, memory_order_release);
	wkc_scene_settle(s);
	{
		unsigned polls = 0;
		for (size_t i = 0; i < n; i++)
			polls += wkc_probe_polls(ps[i]);
		wkc_note(cx, "%u raced poll ends in %.0f ms", polls, wkc_scene_now_ms() - t0);
	}
	wkc_scene_finish(s);
}

/*
 * Going to sleep, raced: in every poll one task hands a clone to a courier
 * and waits until the courier holds it, then returns Pending; the courier,
 * spinning on the task's poll count, wakes it a swept moment after the
 * return - from a few instructions to several microseconds - while the
 * executor records the task idle, looks at its queues a last time and goes
 * to sleep.  An executor that sleeps without looking at its queue again
 * after announcing that it sleeps (tokio #525, #1768) leaves the woken
 * task queued behind a sleeping thread, and the task never gets the poll
 * the wake owes it.  That is a lost wakeup, judged like any other: after
 * the race a gate lets the task finish, and the settle waits a bounded
 * time (scaled by the wait factor, as every check does) for the poll that
 * must come; a task stranded that way stays pending through it.
 *
 * One task, so that its courier can have a core to itself on a two-core
 * machine (it leaves the poll's core, courier.c): a courier that shares
 * the core of the thread it races runs only once that thread has gone to
 * sleep, and no wake lands in the window.  Like the end-of-poll race the
 * window is narrow: the task races until it made PARK_POLLS polls, or for
 * at most park_ms of real time, and detection is probabilistic
 * (spec/executor.md, section 9).
 */
/* The one task of the going-to-sleep races: each poll hands a clone to
 * the courier, waits until it holds it, and returns Pending; the courier
 * wakes a swept moment after the return.  Ready once *gate is 1. */
typedef struct sweep_task {
	wkc_step steps[2];
	wkc_probe_spec spec;
} sweep_task;

static wkc_probe *sweep_task_spawn(wkc_scene *s, sweep_task *t, const _Atomic uint32_t *gate)
{
	enum { SWEEP = 8192 };
	wkc_probe *p;
	t->steps[0] = (wkc_step)HAND(1, WKC_FOREVER, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_RETURN_SWEEP,
				     0, SWEEP);
	t->steps[1] = (wkc_step)S(1, WKC_FOREVER, WKC_OP_AWAIT_TAKEN, 0);
	t->spec = (wkc_probe_spec){.steps = t->steps, .nsteps = 2, .gate = gate, .gate_target = 1};
	p = wkc_scene_probe(s, &t->spec);
	if (wkc_scene_spawn(s, p, WKC_ANY_CORE, 0) != 0)
		wkc_skip(s->cx, "the executor refused the task");
	return p;
}

/* @proves WK-EXEC-003 */
void wkc_chk_wake_park_race(wkc_ctx *cx)
{
	enum { PARK_POLLS = 20000 };
	static const double park_ms = 1500.0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_park_race),
							     .lost_id = "WK-EXEC-003",
							     .couriers = 1,
							     .trace_capacity = 1u << 17});
	_Atomic uint32_t gate = 0;
	sweep_task task;
	wkc_probe *p = sweep_task_spawn(s, &task, &gate);
	race_arg race = {&p, 1, PARK_POLLS};
	double t0;
	/* Real time, whatever the profile (see wake_poll_end_race). */
	t0 = wkc_scene_now_ms();
	(void)wkc_scene_drive(s, raced_enough, &race, park_ms / s->wait_factor);
	/* release: nothing to hand over; the task's acquire needs a pair. */
	wkc_annotate_release(&gate); /* the store's release, for helgrind and DRD */
	atomic_store_explicit(&gate, 1, memory_order_release);
	wkc_scene_settle(s);
	wkc_note(cx, "%u polls in %.0f ms, each woken a swept moment after the previous one returned",
		 wkc_probe_polls(p), wkc_scene_now_ms() - t0);
	wkc_scene_finish(s);
}

/*
 * Going to sleep inside run(), raced: the sweep of exec.wake.park_race, but
 * the driver calls run() with a long timeout (RUN_SLICE_MS, scaled) and
 * every call is recorded.  An executor that drives tasks on the caller's
 * thread and, with nothing runnable, sleeps inside run() until a wake or
 * its deadline (a block_on-style driver, LocalPool::run_until) must look at
 * its queue again under the lock it sleeps with: one that does not sleeps
 * through a wake that landed between its "queue empty" and its sleep, and
 * the poll only comes when the call times out (in production, with no
 * deadline, it hangs).  Short run() slices hide that as a small delay,
 * which is why this check uses long ones: the served-in-run oracle
 * (WK-EXEC-025) judges every call that ran to its deadline, and a wake
 * that returned half a timeout before the call did without a poll of its
 * task is a lost unpark.
 *
 * An executor whose run() returns as soon as nothing is runnable never
 * sleeps inside it: then no call runs to its deadline with a wake in it,
 * and the id is reported not exercised.  An executor that cannot tell
 * idleness (WKC_RUN_BOUNDED) runs every call to its deadline and is judged
 * the same way: it may return at the deadline, but must serve the wakes
 * it is given before that.
 */
/* @proves WK-EXEC-025 */
void wkc_chk_wake_run_park_race(wkc_ctx *cx)
{
	enum { RUN_POLLS = 20000 };
	static const double race_ms = 1500.0, run_slice_ms = 250.0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_run_park_race),
							     .lost_id = "WK-EXEC-003",
							     .couriers = 1,
							     .trace_capacity = 1u << 17});
	_Atomic uint32_t gate = 0;
	sweep_task task;
	wkc_probe *p = sweep_task_spawn(s, &task, &gate);
	race_arg race = {&p, 1, RUN_POLLS};
	uint64_t slice_ns = (uint64_t)(wkc_scene_ms(s, run_slice_ms) * 1e6);
	unsigned calls = 0, judged;
	double t0, deadline;
	/* Real time, whatever the profile (see wake_poll_end_race). */
	t0 = wkc_scene_now_ms();
	deadline = t0 + race_ms / s->wait_factor;
	while (!raced_enough(s, &race) && !wkc_probe_complete(p) && wkc_scene_now_ms() < deadline) {
		(void)wkc_scene_run_judged(s, slice_ns);
		calls++;
	}
	/* release: nothing to hand over; the task's acquire needs a pair. */
	wkc_annotate_release(&gate); /* the store's release, for helgrind and DRD */
	atomic_store_explicit(&gate, 1, memory_order_release);
	wkc_scene_settle(s);
	judged = wkc_scene_served_judged(s);
	wkc_note(cx, "%u polls in %u run() calls of %.0f ms in %.0f ms; %u wakes landed in calls that ran "
		     "to their deadline",
		 wkc_probe_polls(p), calls, slice_ns / 1e6, wkc_scene_now_ms() - t0, judged);
	if (judged == 0 && wkc_probe_polls(p) > 0)
		wkc_scene_unexercised(s, "WK-EXEC-025",
				      "run() never ran to its deadline with a wake landing in it (it "
				      "returned as soon as nothing was runnable, last result %d), so no "
				      "wake could land while it slept",
				      s->last_run);
	wkc_scene_finish(s);
}

/* ---- coalescing -------------------------------------------------------------------------------- */

/* Many wakes in one poll, and several couriers waking together after it:
 * at least one more poll must follow (how many is reported). */
/* @proves WK-EXEC-005 */
void wkc_chk_wake_coalesce(wkc_ctx *cx)
{
	static const wkc_step local_burst[] = {
		SN(1, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL, 5),
		SN(1, 0, WKC_OP_WAKE, WKC_SRC_CX_LOCAL, 3),
	};
	static const wkc_step cx_burst[] = {
		SN(1, 0, WKC_OP_WAKE_BY_REF, WKC_SRC_CX, 5),
		SN(1, 0, WKC_OP_CLONE_BY_REF, WKC_SRC_CX, 3),
		SN(1, 0, WKC_OP_WAKE, WKC_SRC_CX_LOCAL, 3),
	};
	static const wkc_step foreign_burst[] = {
		HAND(1, 0, WKC_SRC_CX, WKC_CA_CLONE_WAKE, WKC_TRIG_AFTER_POLL, 0, 0),
		HAND(1, 0, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 1, 0),
		HAND(1, 0, WKC_SRC_CX, WKC_CA_BY_REF_DROP, WKC_TRIG_AFTER_POLL, 0, 0),
		HAND(1, 0, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 1, 0),
	};
	static const wkc_probe_spec specs[] = {SPEC(2, local_burst), SPEC(2, cx_burst),
					       SPEC(2, foreign_burst)};
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	bool local_only = (wkc_adapter_of(cx)->caps & WKC_CAP_LOCAL_ONLY) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_coalesce),
							     .lost_id = "WK-EXEC-005",
							     .couriers = ts ? 2 : 0});
	wkc_probe *ps[3];
	size_t n = 0;
	unsigned polls = 0;
	ps[n++] = wkc_scene_probe(s, &specs[0]);
	if (!local_only)
		ps[n++] = wkc_scene_probe(s, &specs[1]);
	if (ts)
		ps[n++] = wkc_scene_probe(s, &specs[2]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	for (size_t i = 0; i < n; i++)
		polls += wkc_probe_polls(ps[i]) - 1;
	wkc_note(cx, "%zu bursts of wakes were followed by %u polls in all", n, polls);
	wkc_scene_finish(s);
}

/* ---- wakers from earlier polls -------------------------------------------------------------- */

enum { OLD_PHASES = 5 };

/*
 * A task keeps a clone of its first poll's waker (and, as a local task, of
 * its local waker), is polled four more times, then wakes itself through
 * the old clone and needs the poll it owes.  Another task's first-poll
 * waker is woken by the driver after its fourth poll.
 */
/* @proves WK-EXEC-006 */
void wkc_chk_wake_old_waker(wkc_ctx *cx)
{
	static const wkc_step keep_cx[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX, 0),
		S(1, OLD_PHASES - 1, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		SLOT(OLD_PHASES, 0, WKC_OP_WAKE, WKC_SRC_SLOT, 0),
	};
	static const wkc_step keep_local[] = {
		SLOT(1, 0, WKC_OP_KEEP, WKC_SRC_CX_LOCAL, 1),
		S(1, OLD_PHASES - 1, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
		SLOT(OLD_PHASES, 0, WKC_OP_WAKE, WKC_SRC_SLOT, 1),
	};
	static const wkc_step exported[] = {
		S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX),
		S(1, 3, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL),
	};
	static const wkc_probe_spec cx_spec = SPEC(OLD_PHASES + 1, keep_cx);
	static const wkc_probe_spec local_spec = SPEC(OLD_PHASES + 1, keep_local);
	static const wkc_probe_spec export_spec = SPEC(5, exported);
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(wake_old_waker),
							     .lost_id = "WK-EXEC-006"});
	int core;
	uint32_t flags;
	bool ran = false;

	if (!HAS(s, WKC_CAP_LOCAL_ONLY)) {
		wkc_probe *p = wkc_scene_probe(s, &cx_spec);
		wkc_scene_spawn_each(s, &p, 1, WKC_ANY_CORE, 0);
		ran = true;
	}
	if (wkc_scene_local_spawn(s, &core, &flags)) {
		wkc_probe *p = wkc_scene_probe(s, &local_spec);
		wkc_scene_spawn_each(s, &p, 1, core, flags);
		ran = true;
	}
	if (!ran)
		wkc_skip(cx, "no waker can be kept across polls here");
	wkc_scene_settle(s);
	if (!HAS(s, WKC_CAP_LOCAL_ONLY)) {
		wkc_probe *p = wkc_scene_probe(s, &export_spec);
		const wkc_held *e;
		wkc_scene_spawn_each(s, &p, 1, WKC_ANY_CORE, 0);
		if (wkc_scene_wait_polled(s, p, 4) && (e = wkc_probe_export(p)) != NULL &&
		    (wkc_probe_poll_thread(p) == s->driver || HAS(s, WKC_CAP_THREAD_SAFE_WAKERS)))
			wkc_held_wake_by_ref(e, 0);
		wkc_scene_settle(s);
		wkc_scene_judge(s);
		wkc_scene_drop_exports(s);
	}
	wkc_scene_finish(s);
}
