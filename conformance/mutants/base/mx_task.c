/*
 * mx_task.c - a task's state machine, its references and its two wakers.
 *
 * STATE MACHINE (every transition a CAS or exchange on `state`)
 *
 *   from        event                    to         queue
 *   IDLE        wake                     SCHEDULED  pushed (takes a reference)
 *   SCHEDULED   wake                     -          coalesced (a CAS to itself)
 *   SCHEDULED   taken by the worker      RUNNING
 *   RUNNING     wake                     NOTIFIED   - (remembered)
 *   NOTIFIED    wake                     -          coalesced (a CAS to itself)
 *   RUNNING     poll -> Pending          IDLE       reference dropped
 *   NOTIFIED    poll -> Pending          SCHEDULED  pushed again (reference kept)
 *   RUNNING/    poll -> Ready            COMPLETE   future dropped
 *     NOTIFIED
 *   not COMPL.  shutdown                 COMPLETE   future dropped
 *   COMPLETE    wake                     -          ignored
 *
 * ORDERING
 *   state: acq_rel CAS.  A waker's IDLE -> SCHEDULED and the worker's
 *     SCHEDULED -> RUNNING form a release/acquire pair (as does the queue),
 *     so what the waker wrote before the wake is visible to the poll.  A
 *     coalesced wake writes the state it read back with the same acq_rel
 *     CAS instead of returning after a load: a load releases nothing, and
 *     the poll that follows would not be ordered after what the waker
 *     wrote (WK-EXEC-014).  The CAS either lands before the worker's next
 *     transition, which then reads it, or fails and retries on the state
 *     that transition left.
 *   refs: retain relaxed (made from a reference the caller holds); release
 *     acq_rel (the last one sees every holder's use before the free).  Not
 *     release + fence: ThreadSanitizer ignores fences.
 *   local_refs: plain; only the home worker's thread touches it (local
 *     wakers are owner-thread only by contract).
 *
 * ANNOTATIONS (mx.h): the task address is the state word's
 *   synchronisation object: wkc_annotate_wake before a waker's CAS,
 *   wkc_annotate_poll after the worker's SCHEDULED -> RUNNING, a release
 *   before the end of a poll and an acquire after a waker's IDLE ->
 *   SCHEDULED (the push that follows writes qnext, which the worker's last
 *   take wrote).  &t->refs is the reference count's: a release before each
 *   decrement, an acquire at zero.  Under MX_BUG_NONATOMIC_REFCOUNT the
 *   count is neither declared atomic nor annotated: a plain count orders
 *   nothing, and its race must stay visible.
 *
 * BUGS in this file: NONATOMIC_REFCOUNT, CLONE_NO_INC, WAKE_NO_DEC,
 * WAKE_BY_REF_DEC, WAKE_IN_POLL_LOST, RACY_NOTIFIED, NOTIFIED_OVERWRITTEN,
 * POLL_AFTER_READY, LOCAL_WRONG_THREAD, WILL_WAKE_SHARED,
 * REENTRANT_SHUTDOWN_DROP, NOOP_WAKER, INLINE_POLL_ON_WAKE,
 * CHEAP_CLONE_NO_UPGRADE (flavour MX_CHEAP_WAKER), EAGER_ON_WAKER (flavour
 * MX_ON_WAKER) (see each switch).
 */
#include "mx.h"

#include <stdio.h>
#include <stdlib.h>

static const wk_raw_waker_vtable ts_vtable;
static const wk_raw_waker_vtable local_vtable;
#ifdef MX_BUG_INLINE_POLL_ON_WAKE
static void poll_and_settle(mx_task *t);
#endif

/* ---- references ---------------------------------------------------------------- */

static void ref_retain(mx_task *t)
{
#ifdef MX_BUG_NONATOMIC_REFCOUNT
	/* BUG (glommio #194, monoio #120, futures-rs #1654, compio #108): the
	 * task's count is a plain Rc-style counter, but the waker built on it
	 * is handed out as thread-safe.  Clones and drops on two threads at
	 * once lose updates: the task is freed early or never. */
	t->refs++;
#else
	/* relaxed: made from a reference the caller holds. */
	atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
#endif
}

static void task_free(mx_task *t)
{
	mx_shared *s = t->shared;
	/* No edge may outlive the task into a new one at the same address. */
	wkc_annotate_freeing(t);
	wkc_annotate_freeing(&t->refs);
	free(t);
	/* relaxed: a counter; live_tasks reads it once the executor is quiet. */
	atomic_fetch_sub_explicit(&s->live, 1, memory_order_relaxed);
#ifndef MX_BUG_STATE_FREED
	mx_shared_release(s);
#endif
}

void mx_task_release(mx_task *t)
{
#ifdef MX_BUG_NONATOMIC_REFCOUNT
	/* Not annotated: the plain decrement orders nothing (see the file
	 * comment). */
	if (--t->refs == 0)
		task_free(t);
#else
	/* The release half of the decrement below, for the tools. */
	wkc_annotate_release(&t->refs);
	/* acq_rel: see ORDERING. */
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) == 1) {
		/* Its acquire half: every holder's use precedes the free. */
		wkc_annotate_acquire(&t->refs);
		task_free(t);
	}
#endif
}

/* Home worker only. */
static void local_retain(mx_task *t)
{
	t->local_refs++;
}

static void local_release(mx_task *t)
{
	if (--t->local_refs == 0)
		mx_task_release(t); /* the owner side reference */
}

mx_task *mx_task_new(mx_shared *s, wk_future *f, unsigned home)
{
	mx_task *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	atomic_init(&t->state, MX_SCHEDULED); /* the spawn is its first wake */
	MX_ANNOTATE_ATOMIC(&t->state);
#ifdef MX_BUG_NONATOMIC_REFCOUNT
	t->refs = 2; /* plain: not annotated atomic, its race stays visible */
#else
	atomic_init(&t->refs, 2); /* owner side + the spawn's queue entry */
	MX_ANNOTATE_ATOMIC(&t->refs);
#endif
	t->local_refs = 1; /* the runtime's reference */
	t->future = f;
	t->shared = s;
	t->home = home;
#ifndef MX_BUG_STATE_FREED
	mx_shared_retain(s);
#else
	/* BUG (async-executor #163): "the executor outlives its tasks", so a
	 * task keeps a plain pointer to the shared state.  A waker kept past
	 * destroy then frees its task into freed state (task_free). */
#endif
	/* relaxed: a counter (see task_free). */
	atomic_fetch_add_explicit(&s->live, 1, memory_order_relaxed);
	return t;
}

/* ---- scheduling ------------------------------------------------------------------- */

/* Push t (state already SCHEDULED, reference already taken) to worker w. */
static void push_to(mx_task *t, unsigned w)
{
	if (!mxq_push(&t->shared->queues[w], t)) {
		/* Closed: the executor is shutting down and cancels the task
		 * itself; this wake has nothing left to do.  The counter
		 * first: the release may free the task and, after destroy,
		 * the shared block with it. */
		mx_active_sub(t->shared);
		mx_task_release(t);
	}
}

static unsigned wake_target(mx_task *t)
{
#ifdef MX_BUG_LOCAL_WRONG_THREAD
	/* BUG (monoio #120): the wake schedules the task on "the current
	 * thread's" executor when it is called on a worker, which is where a
	 * waker moved to another thread ends up: the task, local or not, is
	 * then polled by a worker that does not own it. */
	int cur = mx_current_worker(t->shared);
	if (cur >= 0)
		return (unsigned)cur;
#endif
	return t->home;
}

#ifdef MX_BUG_REENTRANT_SHUTDOWN_DROP
/*
 * BUG (tokio #1972): once shutdown began, a wake does not queue its target:
 * it cancels it on the spot, so the target's future is dropped inside the
 * wake - nested in whatever called wake (another future's drop, a poll),
 * on whatever thread called it.  A drop that takes a lock its caller holds
 * deadlocks; a thread-bound future is dropped on a foreign thread.
 */
static bool cancel_inline_during_shutdown(mx_task *t)
{
	uint32_t idle = MX_IDLE;
	/* relaxed: a hint; the CAS below decides. */
	if (!atomic_load_explicit(&t->shared->stop, memory_order_relaxed))
		return false;
	/* acq_rel: wins the task against its worker's own cancel. */
	if (!atomic_compare_exchange_strong_explicit(&t->state, &idle, MX_COMPLETE,
						     memory_order_acq_rel, memory_order_acquire))
		return false;
	/* The CAS's acquire: the last poll precedes this drop. */
	wkc_annotate_acquire(t);
	wk_future_drop(t->future);
	return true;
}
#endif

#ifdef MX_BUG_INLINE_POLL_ON_WAKE
/*
 * BUG (ngx-rust #295: its scheduler re-polled a woken task synchronously
 * inside wake(), and a wake issued under h2's stream lock re-entered the
 * task, which took the same lock: deadlock): "the wake is on the task's
 * own thread and the task is idle, so why go through the queue" - the wake
 * polls the task right there.  That poll begins inside whatever called
 * wake: another task's poll, a future's drop, a waker call, on the same
 * stack, re-entering the caller's state and any lock it holds.  Everything
 * else is the base's: IDLE -> RUNNING in one CAS stands for the wake's
 * IDLE -> SCHEDULED and the worker's SCHEDULED -> RUNNING, with the same
 * queue-entry reference, `active` count and end of poll, so the only thing
 * wrong is where the poll runs.  Wakes from other threads queue as usual.
 */
static bool poll_inline(mx_task *t, uint32_t *s)
{
	wkc_annotate_wake(t);
	/* acq_rel: the wake's and the poll's transitions in one. */
	if (!atomic_compare_exchange_weak_explicit(&t->state, s, MX_RUNNING, memory_order_acq_rel,
						   memory_order_acquire))
		return false;
	wkc_annotate_poll(t);
	ref_retain(t); /* what the queue entry would hold */
	/* relaxed: a counter; run() reads it under idle_m. */
	atomic_fetch_add_explicit(&t->shared->active, 1, memory_order_relaxed);
	poll_and_settle(t);
	return true;
}
#endif

void mx_task_wake(mx_task *t)
{
	/* acquire: pairs with the worker's transitions. */
	uint32_t s = atomic_load_explicit(&t->state, memory_order_acquire);
#ifdef MX_BUG_REENTRANT_SHUTDOWN_DROP
	if (cancel_inline_during_shutdown(t))
		return;
#endif
	for (;;) {
		uint32_t cur = s;
		switch (s) {
		case MX_IDLE:
#ifdef MX_BUG_INLINE_POLL_ON_WAKE
			if (mx_current_worker(t->shared) == (int)t->home) {
				if (poll_inline(t, &s))
					return;
				break;
			}
#endif
			wkc_annotate_wake(t);
			/* acq_rel: see ORDERING. */
			if (atomic_compare_exchange_weak_explicit(&t->state, &s, MX_SCHEDULED,
								  memory_order_acq_rel,
								  memory_order_acquire)) {
				/* The CAS's acquire: the last poll, whose take
				 * wrote qnext, precedes the push below. */
				wkc_annotate_acquire(t);
				ref_retain(t); /* the queue entry's */
				/* relaxed: a counter; run() reads it under idle_m. */
				atomic_fetch_add_explicit(&t->shared->active, 1,
							  memory_order_relaxed);
				push_to(t, wake_target(t));
				return;
			}
			break;
		case MX_RUNNING:
#ifdef MX_BUG_RACY_NOTIFIED
			/* BUG (compio #948): the notified mark is written with
			 * a plain store after the state was read, not with a
			 * CAS on the value read.  If the poll ends between the
			 * read and the store, the worker has already moved the
			 * task to IDLE, the store turns it into NOTIFIED with
			 * nobody left to act on it, and this wake - and every
			 * later one, which sees NOTIFIED and coalesces - is
			 * lost. */
			wkc_annotate_wake(t); /* the store still releases */
			atomic_store_explicit(&t->state, MX_NOTIFIED, memory_order_release);
			return;
#endif
#ifdef MX_BUG_WAKE_IN_POLL_LOST
			/* BUG (tokio #6999): "the task is running, it will
			 * see whatever woke it" - so a wake that arrives
			 * after the future checked its condition, but before
			 * the poll returned Pending, is dropped. */
			return;
#else
			wkc_annotate_wake(t);
			/* acq_rel: the worker's end-of-poll CAS sees it. */
			if (atomic_compare_exchange_weak_explicit(&t->state, &s, MX_NOTIFIED,
								  memory_order_acq_rel,
								  memory_order_acquire))
				return;
			break;
#endif
		case MX_SCHEDULED:
		case MX_NOTIFIED:
			/* Coalesced: a poll is owed already.  Write the state
			 * back so that the wake still releases (see ORDERING). */
			wkc_annotate_wake(t);
			/* acq_rel: the worker's next transition reads it. */
			if (atomic_compare_exchange_weak_explicit(&t->state, &s, cur,
								  memory_order_acq_rel,
								  memory_order_acquire))
				return;
			break;
		default:
			return; /* COMPLETE: ignored */
		}
	}
}

/* ---- wakers ---------------------------------------------------------------------- */

#ifndef MX_BUG_WILL_WAKE_SHARED

static wk_raw_waker ts_clone(const void *data)
{
	mx_task *t = (mx_task *)data;
	wk_raw_waker raw;
#ifdef MX_BUG_CLONE_NO_INC
	/* BUG (rust #52629 was the mirror image, an extra release on clone):
	 * the clone hands out a second waker for the same reference. */
	(void)t;
#else
	ref_retain(t);
#endif
	raw.data = data;
	raw.vtable = &ts_vtable;
	return raw;
}

#ifdef MX_FOREIGN_ABORTS
/*
 * The FOREIGN_ABORTS policy: a local task is never routed across threads,
 * so its thread-safe waker woken on any thread but its home worker's stops
 * the process with a message, which is conformant under
 * WKC_CAP_FOREIGN_WAKE_ABORTS (spec WK-EXEC-027).  True when the wake was
 * such a foreign one and the caller must not wake the task.
 */
static bool foreign_wake_of_local(mx_task *t)
{
	if (!t->local || mx_current_worker(t->shared) == (int)t->home)
		return false;
#ifdef MX_BUG_FOREIGN_WAKE_SILENT
	/* BUG: the capability is claimed, but the wake just returns: every
	 * foreign wake of a local task is a noop, the lost wakeup nobody
	 * reports that the proposal's argument against noop wakers is about. */
	return true;
#else
	fprintf(stderr, "mutant: the waker of local task %p woken on a thread that is not its "
		"worker's: this executor aborts on foreign wakes of local tasks\n", (void *)t);
	abort();
#endif
}
#endif

static void ts_wake(const void *data)
{
	mx_task *t = (mx_task *)data;
#ifdef MX_FOREIGN_ABORTS
	if (foreign_wake_of_local(t)) {
		mx_task_release(t); /* by value: the waker is consumed all the same */
		return;
	}
#endif
	mx_task_wake(t);
#ifdef MX_BUG_WAKE_NO_DEC
	/* BUG: wake by value is written as wake_by_ref, forgetting that it
	 * consumes the waker: every such wake leaks the task. */
#else
	mx_task_release(t);
#endif
}

static void ts_wake_by_ref(const void *data)
{
	mx_task *t = (mx_task *)data;
#ifdef MX_FOREIGN_ABORTS
	if (foreign_wake_of_local(t))
		return;
#endif
	mx_task_wake(t);
#ifdef MX_BUG_WAKE_BY_REF_DEC
	/* BUG: wake_by_ref is written as wake, releasing a reference the
	 * caller still owns: the task is freed under its wakers. */
	mx_task_release(t);
#endif
}

static void ts_drop(const void *data)
{
	mx_task_release((mx_task *)data);
}

#else /* MX_BUG_WILL_WAKE_SHARED */

/*
 * BUG (will_wake true across tasks): the minimal-executor design with one
 * waker for the whole executor: its data is the shared block, and waking it
 * makes every worker re-poll all of its idle tasks.  No wake is lost (the
 * right task is among those polled), but every task's waker compares equal
 * to every other's, so will_wake(a, b) is true for different tasks, and a
 * future that keeps "the" waker when will_wake says so keeps another
 * task's.
 */
static void poke(mx_shared *s)
{
	unsigned w;
	for (w = 0; w < s->nworkers; w++) {
		/* relaxed: a counter, raised before the poke can be handled
		 * (the worker takes it back once it did), so run() never
		 * reads 0 with a poke outstanding. */
		atomic_fetch_add_explicit(&s->active, 1, memory_order_relaxed);
		wkc_annotate_release(&s->poke[w]); /* the exchange's release */
		/* acq_rel: the worker's clearing exchange sees this wake's writes. */
		if (atomic_exchange_explicit(&s->poke[w], 1, memory_order_acq_rel) == 0)
			mxq_kick(&s->queues[w]);
		else
			mx_active_sub(s); /* already poked: coalesced */
	}
}

static wk_raw_waker ts_clone(const void *data)
{
	wk_raw_waker raw;
	mx_shared_retain((mx_shared *)data);
	raw.data = data;
	raw.vtable = &ts_vtable;
	return raw;
}

static void ts_wake(const void *data)
{
	poke((mx_shared *)data);
	mx_shared_release((mx_shared *)data);
}

static void ts_wake_by_ref(const void *data)
{
	poke((mx_shared *)data);
}

static void ts_drop(const void *data)
{
	mx_shared_release((mx_shared *)data);
}

void mx_task_poke_all(mx_shared *s, unsigned worker)
{
	mx_task *t;
	/* acq_rel: pairs with poke(). */
	if (atomic_exchange_explicit(&s->poke[worker], 0, memory_order_acq_rel) == 0)
		return;
	wkc_annotate_acquire(&s->poke[worker]); /* the exchange's acquire */
	for (t = s->list[worker]; t != NULL; t = t->next)
		mx_task_wake(t);
	mx_active_sub(s);
}

#endif /* MX_BUG_WILL_WAKE_SHARED */

static const wk_raw_waker_vtable ts_vtable = {ts_clone, ts_wake, ts_wake_by_ref, ts_drop};

/* The local waker: plain count, home worker only (by the LocalWaker
 * contract; a checked build of the API enforces it at the call). */
static wk_raw_waker local_clone(const void *data)
{
	wk_raw_waker raw;
	local_retain((mx_task *)data);
	raw.data = data;
	raw.vtable = &local_vtable;
	return raw;
}

static void local_wake(const void *data)
{
	mx_task_wake((mx_task *)data);
	local_release((mx_task *)data);
}

static void local_wake_by_ref(const void *data)
{
	mx_task_wake((mx_task *)data);
}

static void local_drop(const void *data)
{
	local_release((mx_task *)data);
}

static const wk_raw_waker_vtable local_vtable = {local_clone, local_wake, local_wake_by_ref,
						 local_drop};

#ifdef MX_CHEAP_WAKER
/*
 * The cheap waker (flavour MX_CHEAP_WAKER): data is the home worker's poll
 * slot.  It owns nothing, so lending it costs one store; it is valid while
 * the poll it was lent to runs, when the slot names that poll's task.
 * Whoever keeps it clones it, and the clone upgrades to the task's counted
 * waker (ts_vtable) - on whichever thread clones: a future may lend the
 * waker by pointer to another thread for the length of its poll (Rust's
 * &Waker is Sync; spec/executor.md WK-EXEC-028).  The task is alive while
 * its poll runs (the queue entry's reference), so the retain is sound.
 */
static const wk_raw_waker_vtable cheap_vtable;

static mx_task *slot_task(const void *data)
{
	const mx_slot *slot = data;
	/* acquire: pairs with the worker's release before the poll. */
	mx_task *t = atomic_load_explicit(&((mx_slot *)slot)->task, memory_order_acquire);
	if (t != NULL)
		wkc_annotate_acquire(slot); /* the load's acquire, of that store */
	return t;
}

static wk_raw_waker cheap_clone(const void *data)
{
	mx_task *t = slot_task(data);
	wk_raw_waker raw;
	/* NULL: the waker is used after its poll (the caller broke the
	 * borrow); its clone is as stale as it is. */
	if (t == NULL
#ifdef MX_BUG_CHEAP_CLONE_NO_UPGRADE
	    /* BUG: the upgrade is written for the future that keeps its own
	     * waker, which clones on the polling thread; "only the home
	     * worker touches its tasks' wakers", so a clone anywhere else
	     * gets the lent waker back unchanged.  A thread the waker was
	     * lent to during the poll then keeps a waker that names the
	     * worker's slot, not the task: after the poll it wakes nothing
	     * (or whatever task the worker polls then). */
	    || mx_current_worker(t->shared) != (int)t->home
#endif
	) {
		raw.data = data;
		raw.vtable = &cheap_vtable;
		return raw;
	}
	ref_retain(t);
	raw.data = t;
	raw.vtable = &ts_vtable;
	return raw;
}

/* Owns nothing: a wake by value is a wake by reference, a drop nothing. */
static void cheap_wake_by_ref(const void *data)
{
	mx_task *t = slot_task(data);
	if (t != NULL)
		mx_task_wake(t);
}

static void cheap_drop(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable cheap_vtable = {cheap_clone, cheap_wake_by_ref, cheap_wake_by_ref,
						 cheap_drop};
#endif /* MX_CHEAP_WAKER */

#ifdef MX_ON_WAKER
/* The on_waker constructor (flavour MX_ON_WAKER): the task's counted
 * waker, one new reference, owned by the poll's lazy storage. */
static wk_waker on_waker_ctor(const wk_local_waker *local, void *arg)
{
	mx_task *t = arg;
	(void)local;
	ref_retain(t);
	return wk_waker_new(t, &ts_vtable);
}
#endif

/* ---- the worker's side --------------------------------------------------------------- */

void mx_task_adopt(mx_task *t)
{
	mx_task **head = &t->shared->list[t->home];
	t->adopted = true;
	t->prev = NULL;
	t->next = *head;
	if (*head != NULL)
		(*head)->prev = t;
	*head = t;
}

static void unlink_task(mx_task *t)
{
	mx_task **head = &t->shared->list[t->home];
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		*head = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->prev = t->next = NULL;
}

static wk_poll poll_once(mx_task *t)
{
	void *out = NULL;
#ifdef MX_BUG_WILL_WAKE_SHARED
	wk_waker waker = wk_waker_new(t->shared, &ts_vtable); /* lent */
#else
	wk_waker waker = wk_waker_new(t, &ts_vtable); /* lent: owns nothing */
#endif
	wk_local_waker local = wk_local_waker_new(t, &local_vtable); /* lent */
	wk_context_builder b;
	wk_context cx;
	wk_poll r;
#ifdef MX_CHEAP_WAKER
	mx_slot *slot = &t->shared->slots[t->home];
	wk_waker cheap = wk_waker_new(slot, &cheap_vtable); /* lent: owns nothing */
#endif
#ifdef MX_ON_WAKER
	wk_lazy_waker lazy;
#endif
#if defined(MX_LOCAL_ONLY) && defined(MX_BUG_NOOP_WAKER)
	/* BUG: this executor has no thread-safe waker, and the context it
	 * hands out pretends otherwise with the noop waker - the stand-in
	 * people reach for because Context::from_waker wants one.  cx
	 * waker() then "works", and every wake through it is silently lost,
	 * instead of failing loudly where it is asked for. */
	b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context_builder_local_waker(&b, &local);
	(void)waker;
#elif defined(MX_LOCAL_ONLY)
	b = wk_context_builder_from_local_waker(&local);
	(void)waker;
#elif defined(MX_ON_WAKER)
	b = wk_context_builder_from_local_waker(&local);
	wk_context_builder_on_waker(&b, &lazy, on_waker_ctor, t);
	(void)waker;
#elif defined(MX_CHEAP_WAKER)
	b = wk_context_builder_from_waker(&cheap);
	wk_context_builder_local_waker(&b, &local);
	(void)waker;
	/* The release of the store below (for helgrind and DRD). */
	wkc_annotate_release(slot);
	/* release: a thread that finds t through the lent waker sees it as
	 * this worker does. */
	atomic_store_explicit(&slot->task, t, memory_order_release);
#else
	b = wk_context_builder_from_waker(&waker);
	wk_context_builder_local_waker(&b, &local);
#endif
	cx = wk_context_builder_build(&b);
#if defined(MX_ON_WAKER) && defined(MX_BUG_EAGER_ON_WAKER)
	/* BUG: "build the waker now, so that the future never pays for it" -
	 * the constructor runs before every poll, whether the future asks or
	 * not: the cost the lazy constructor exists to remove (the proposal's
	 * on_waker, seed 000), and no future can tell this executor from an
	 * eager one any more. */
	(void)wk_context_try_waker(&cx);
#endif
	r = wk_future_poll(t->future, &cx, &out);
#ifdef MX_ON_WAKER
	wk_lazy_waker_drop(&lazy); /* the waker it built, if any, dies with the poll */
#endif
#ifdef MX_CHEAP_WAKER
	/* The lent waker names no task once the poll is over.  relaxed:
	 * nothing is published through NULL (a waker call that reads it does
	 * nothing). */
	atomic_store_explicit(&slot->task, NULL, memory_order_relaxed);
#endif
	return r;
}

/* After a Pending poll: RUNNING -> IDLE, true; false when a wake made the
 * task NOTIFIED during the poll (it must run again). */
static bool end_poll_idle(mx_task *t)
{
	/* Both variants below release the poll to the next waker. */
	wkc_annotate_release(t);
#ifdef MX_BUG_NOTIFIED_OVERWRITTEN
	/* BUG (the register/wake race of an atomic waker cell, futures-rs
	 * #868, here in the task's state word): "only a waker writes
	 * NOTIFIED and only this thread writes IDLE, so a look and a store
	 * will do".  The worker reads the state, finds RUNNING and stores
	 * IDLE - its registration "the next wake queues me" - outside the
	 * one atomic step that would see a concurrent wake.  A wake whose
	 * RUNNING -> NOTIFIED lands between the read and the store returns
	 * trusting the worker to run the task again; the store erases its
	 * mark, and the wake is lost.  (The waker-side twin is
	 * RACY_NOTIFIED, compio #948.) */
	/* acquire: reads a NOTIFIED written during the poll. */
	if (atomic_load_explicit(&t->state, memory_order_acquire) != MX_RUNNING)
		return false;
	/* release: publishes the poll to the next waker. */
	atomic_store_explicit(&t->state, MX_IDLE, memory_order_release);
	return true;
#else
	uint32_t s = MX_RUNNING;
	/* acq_rel: publishes the poll to the next waker, or reads the
	 * NOTIFIED a waker wrote during the poll. */
	return atomic_compare_exchange_strong_explicit(&t->state, &s, MX_IDLE, memory_order_acq_rel,
						       memory_order_acquire);
#endif
}

/* t is RUNNING and holds a queue entry's reference and one `active` count:
 * poll it once and settle its state. */
static void poll_and_settle(mx_task *t)
{
	wk_poll r = poll_once(t);
#ifdef MX_BUG_POLL_AFTER_READY
	/* BUG (compio #856, shuttle #12): "woken while it ran: run it again"
	 * is decided before the poll's result is looked at, so a task that
	 * woke itself (or was woken) during its last poll is polled again
	 * after it returned Ready. */
	/* acquire: a snapshot of the state. */
	if (atomic_load_explicit(&t->state, memory_order_acquire) == MX_NOTIFIED) {
		/* release: as the base's NOTIFIED -> SCHEDULED below. */
		atomic_store_explicit(&t->state, MX_SCHEDULED, memory_order_release);
		push_to(t, t->home);
		return;
	}
#endif
	if (r == WK_READY) {
		mx_shared *sh = t->shared;
		/* release: a later waker that sees COMPLETE does nothing. */
		atomic_store_explicit(&t->state, MX_COMPLETE, memory_order_release);
		wk_future_drop(t->future);
		unlink_task(t);
		local_release(t);   /* the runtime's reference */
		mx_task_release(t); /* the queue entry's: may free t */
		/* Last: run() that returns idle must find the task already
		 * freed (when nothing else holds it), or live_tasks lies. */
		mx_active_sub(sh);
		return;
	}
	if (end_poll_idle(t)) {
		mx_shared *sh = t->shared;
		mx_task_release(t); /* the queue entry's (the owner side keeps t) */
		mx_active_sub(sh);
		return;
	}
	/* NOTIFIED: go round again, keeping the queue entry's reference.
	 * acq_rel exchange, not a store: it reads the last coalesced wake's
	 * CAS (NOTIFIED -> NOTIFIED) that landed after the failed CAS above,
	 * which a store would overwrite unread, leaving that wake unordered
	 * before the next poll. */
	atomic_exchange_explicit(&t->state, MX_SCHEDULED, memory_order_acq_rel);
	push_to(t, t->home);
}

void mx_task_run(mx_task *t)
{
	uint32_t s = MX_SCHEDULED;
	/* acq_rel: pairs with the waker's IDLE -> SCHEDULED (ORDERING). */
	if (!atomic_compare_exchange_strong_explicit(&t->state, &s, MX_RUNNING,
						     memory_order_acq_rel, memory_order_acquire)) {
		/* Cancelled while queued (only a buggy inline cancel does
		 * that): drop the queue entry. */
		mx_shared *sh = t->shared;
		mx_task_release(t);
		mx_active_sub(sh);
		return;
	}
	/* The CAS's acquire: every wake that led here precedes the poll. */
	wkc_annotate_poll(t);
	poll_and_settle(t);
}

void mx_task_cancel(mx_task *t)
{
	/* acq_rel: exactly one of this and a completing poll (or a buggy
	 * inline cancel) drops the future. */
	if (atomic_exchange_explicit(&t->state, MX_COMPLETE, memory_order_acq_rel) != MX_COMPLETE)
		wk_future_drop(t->future);
	unlink_task(t);
	local_release(t); /* the runtime's reference */
}
