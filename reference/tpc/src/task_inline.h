/*
 * task_inline.h - the runtime's hot paths, inline: a wake, a poll, a batch
 * of polls, a task's completion and its plain reference count.  Included
 * at the end of tpc_internal.h; not installed.
 *
 * WHY INLINE, AND WHY A may_trace PARAMETER
 *   A self-wake is: pop the task, poll it, its local waker's wake_by_ref
 *   marks it NOTIFIED, the poll returns Pending, the task goes to the back
 *   of the run queue (or, in the threaded loop, is polled again at once
 *   when that queue is empty).  Everything around the future's own code
 *   is a few loads and stores, so a function call, a register save or a
 *   test of a mode flag costs as much as the work itself.  These functions are
 *   therefore inlined into their few callers, and the deterministic mode's
 *   trace hooks hang on a `may_trace` argument that every threaded caller
 *   passes as the constant false: the threaded paths contain no trace test
 *   at all, while the deterministic scheduler runs the very same code with
 *   may_trace = true (one copy of the logic, two compiled instances).
 *   Likewise `lazy` selects the on_waker context at compile time in the
 *   threaded loop, which picks the instance once per batch.
 *
 * Everything here runs on the task's owner core (spec/runtime.md, section
 * 2): the state is a relaxed load and store, never a read-modify-write.
 *
 * WK_TPC_INJECT_* (here, task.c, waker.c): bugs injected on purpose, each
 * off unless its macro is defined, for fuzz/'s proof that its targets find
 * them (fuzz/README.md).  No build of the runtime itself defines them.
 */
#ifndef WK_TPC_TASK_INLINE_H
#define WK_TPC_TASK_INLINE_H

/* ---- references (owner core only, plain uint32_t) ------------------------------ */

WK__TPC_HOT void wk__tpc_task_retain(wk__tpc_task *t)
{
	if (WK__TPC_UNLIKELY(t->refs == UINT32_MAX))
		wk__tpc_task_ref_overflow(t);
	t->refs++;
}

WK__TPC_HOT void wk__tpc_task_release(wk__tpc_task *t)
{
	if (--t->refs == 0)
		wk__tpc_task_retire(t);
}

/* Free task memory into the core's cache (bounded), else to the allocator.
 * The cached memory keeps what wk__tpc_task_prepare filled in, so a spawn
 * that reuses it skips that work; callers leave it with no owner flags and
 * no handle (task.c, retirement).  Only this core's tasks come here
 * (t->core == core); the cache is emptied at the end of shutdown, after
 * which every task left is an orphan and is freed with free(). */
WK__TPC_HOT void wk__tpc_core_free_task(wk__tpc_core *core, wk__tpc_task *t)
{
	if (WK__TPC_LIKELY(core->cache_len < WK__TPC_TASK_CACHE)) {
		t->run_next = core->cache;
		core->cache = t;
		core->cache_len++;
		return;
	}
	free(t);
}

/* ---- the wake (the state table of spec/runtime.md, section 2) ----------------- */

/*
 * may_trace false: a wake through one of a THREADED core's vtables, which
 * runs on the task's owner core: a local waker is owner-thread only, and a
 * thread-safe one takes this path only after checking that the calling
 * thread runs the owner core (waker.c).  A threaded core's thread runs that
 * core for its whole life, so the core is the thread's current one, read
 * from thread-local storage rather than through t->core: one dependent load
 * fewer between the waker and the run-queue store the core loop reads next.
 * may_trace true (deterministic vtables, and the generic
 * wk__tpc_task_wake): t->core, since a deterministic runtime steps all its
 * cores on one thread.
 */
WK__TPC_HOT void wk__tpc_task_wake_at(wk__tpc_task *t, bool may_trace)
{
	uint8_t s = wk__tpc_state(t);
	if (WK__TPC_LIKELY(s == WK__TPC_IDLE)) {
		/* IDLE -> SCHEDULED: pushed at the back of the run queue.  The
		 * straight-line path: waking another task is the common wake
		 * (a self-wake is polled again at once, see run_batch). */
		wk__tpc_set_state(t, WK__TPC_SCHEDULED);
		wk__tpc_core_schedule(may_trace ? t->core : wk__tpc_tls_core, t);
	} else if (s == WK__TPC_RUNNING) {
		/* RUNNING -> NOTIFIED: remembered; the poll's end queues it. */
#if !defined(WK_TPC_INJECT_WAKE_IN_POLL_LOST) /* fuzz/: a wake during poll dropped */
		wk__tpc_set_state(t, WK__TPC_NOTIFIED);
#endif
	}
#if defined(WK_TPC_INJECT_NOTIFIED_OVERWRITTEN) /* fuzz/: a second wake undoes the first */
	else if (s == WK__TPC_NOTIFIED) {
		wk__tpc_set_state(t, WK__TPC_RUNNING);
	}
#endif
	/* SCHEDULED, NOTIFIED: coalesced.  COMPLETE: ignored (an orphan is
	 * always COMPLETE, so no core is used after shutdown). */
	if (may_trace && t->core != NULL)
		WK__TPC_TRACE(t->core, WK_TPC_EV_WAKE, t->id, s);
}

/* ---- completion ------------------------------------------------------------------ */

/* RUNNING or NOTIFIED -> COMPLETE after a poll returned Ready. */
WK__TPC_HOT void wk__tpc_task_finish(wk__tpc_core *core, wk__tpc_task *t, bool may_trace)
{
	wk_future *f = t->future;
	wk__tpc_set_state(t, WK__TPC_COMPLETE);
	if (may_trace)
		WK__TPC_TRACE(core, WK_TPC_EV_READY, t->id, 0);
	t->future = NULL; /* before the drop: nothing can reach it again */
	if (may_trace)
		WK__TPC_TRACE(core, WK_TPC_EV_DROP, t->id, 0);
	wk_future_drop(f);
	if (t->kind & WK__TPC_TASK_JOIN_LOCAL) {
		/* A local join handle: wake the task waiting on it, if any (the
		 * local half of wk__tpc_join_finish, inline). */
		if (t->own & WK__TPC_OWN_LOCAL_WAITER) {
			wk_local_waker w = t->join_local;
			t->own &= (uint8_t)~WK__TPC_OWN_LOCAL_WAITER;
			wk_local_waker_wake(&w);
		}
	} else if (t->kind & WK__TPC_TASK_JOIN_SHARED) {
		wk__tpc_join_finish(t, WK_TPC_JOIN_READY);
	}
	wk__tpc_task_release(t); /* the runtime's reference */
}

/* ---- a poll ---------------------------------------------------------------------- */

/*
 * SCHEDULED (just popped) -> RUNNING -> poll -> COMPLETE, IDLE, or, when a
 * wake came during the poll, SCHEDULED again at the back of the run queue.
 * The context is the one the task keeps (t->cx, cheap mode) or, with lazy,
 * one with an on_waker constructor built for this poll alone.  Ready
 * writes the output straight into t->output (a future leaves *output alone
 * on Pending, wk/future.h).
 *
 * may_repoll: when the task is to go to the back of an EMPTY run queue, it
 * is SCHEDULED and left out of the queue, and true is returned: the caller
 * polls it again at once, which is exactly what the push and the next pop
 * would do (the back of an empty queue is its front), minus the queue
 * traffic.  Only the threaded loop asks for it (run_batch).
 */
WK__TPC_HOT bool wk__tpc_task_poll_at(wk__tpc_core *core, wk__tpc_task *t, bool may_trace,
				      bool lazy, bool may_repoll)
{
	wk_poll r;
	wk__tpc_set_state(t, WK__TPC_RUNNING);
	if (may_trace)
		WK__TPC_TRACE(core, WK_TPC_EV_POLL, t->id, 0);
	if (lazy) {
		r = wk__tpc_task_poll_on_waker(t);
	} else {
#if defined(__GNUC__)
		/* Emits nothing.  Without it the threaded loop keeps &t->cx and
		 * &t->output in callee-saved registers across its polls (for the
		 * re-poll) and copies them into the argument registers each
		 * time: more instructions than computing them here. */
		__asm__("" : "+r"(t));
#endif
		r = wk_future_poll(t->future, &t->cx, &t->output);
	}
#if defined(WK_TPC_INJECT_POLL_AFTER_READY) /* fuzz/: woken while it ran wins over Ready */
	if (r == WK_READY && wk__tpc_state(t) != WK__TPC_NOTIFIED) {
#else
	if (r == WK_READY) {
#endif
		wk__tpc_task_finish(core, t, may_trace);
		return false;
	}
	if (wk__tpc_state(t) == WK__TPC_NOTIFIED) {
		wk__tpc_set_state(t, WK__TPC_SCHEDULED);
		if (may_repoll && core->run_head == NULL)
			return true;
		wk__tpc_core_schedule(core, t);
		if (may_trace)
			WK__TPC_TRACE(core, WK_TPC_EV_PENDING, t->id, 1);
	} else {
		wk__tpc_set_state(t, WK__TPC_IDLE);
		if (may_trace)
			WK__TPC_TRACE(core, WK_TPC_EV_PENDING, t->id, 0);
	}
	return false;
}

/*
 * The threaded loop: poll up to max tasks from the head of the run queue;
 * returns how many polls it made.  A task woken during its poll goes to the
 * back of the queue and counts again when it comes round (also when it is
 * polled again at once because the queue was empty), so the batch bounds
 * how long the remote queue and the timers wait behind a busy core
 * (spec/runtime.md, section 12).
 */
WK__TPC_HOT unsigned wk__tpc_core_run_batch(wk__tpc_core *core, unsigned max, bool lazy)
{
	wk__tpc_task *t = NULL; /* non-NULL: to be polled again at once */
	unsigned left = max;
	while (left > 0) {
		if (t == NULL) {
			t = wk__tpc_core_pop(core);
			if (t == NULL)
				break;
		}
		/* A re-poll only while the batch has room, so the loop never
		 * ends holding a task that is in no queue. */
		if (!wk__tpc_task_poll_at(core, t, false, lazy, --left > 0))
			t = NULL;
	}
	return max - left;
}

#endif /* WK_TPC_TASK_INLINE_H */
