/*
 * bridge_hooks.c - the four functions the bridge crate calls back
 * (wkc_bridge::Hooks, ../bridge/src/ffi.rs): a C future's poll and drop,
 * and the annotations of wkc/annotate.h.  Linked into every Rust adapter
 * (and the bridge's test), which installs them with wkc_rust_set_hooks;
 * built with the preset's flags and sanitizer, like the rest of the C side.
 *
 * THE EDGES (wkc/annotate.h), each beside the ordering the executor gives:
 *   wake -> poll       wkc_annotate_wake(data) in the bridge's wake and
 *                      wake_by_ref, before the executor's wake publishes
 *                      the task; wkc_annotate_poll(data) before each poll.
 *                      data is the waker's data pointer: the executor's own
 *                      task pointer (the bridge hands the executor's waker
 *                      to C unchanged).
 *   spawn -> poll      release(fut) before the future is handed to the
 *                      executor, acquire(fut) before each poll and the drop:
 *   poll -> poll/drop  release(fut) after each poll.  An executor polls a
 *                      task on one thread at a time and publishes it to the
 *                      next poller (or dropper) through its task state or
 *                      queue, which is the ordering these state.
 *   destroy -> drops   release(&destroy_edge) when destroy begins, acquire
 *                      before each drop: the drops an executor's shutdown
 *                      runs on its own threads follow the shutdown call
 *                      (a drop that completes a task while destroy begins
 *                      gets the edge too: it is never a drop the harness
 *                      races with, since the harness waits in destroy).
 *   poll -> run        release(&run_edge) after each poll and drop, acquire
 *   drop -> run        when run returns: run returns IDLE only after it
 *                      read, with sequentially consistent loads, the state
 *                      each poll and drop stored after it returned
 *                      (bridge/src/track.rs).
 */
#include "bridge_hooks.h"

#include "wkc/annotate.h"

/* The key of the poll -> run edge: any address the adapter owns for the
 * process's life (rust_adapter.c acquires it when run returns). */
char wkc__rust_run_edge;
char wkc__rust_destroy_edge;

static int hook_poll(void *fut, const void *data, const wk_raw_waker_vtable *vtable)
{
	/* The executor's waker, borrowed for this poll: the context points at
	 * it, the future clones it to keep it. */
	wk_waker w = wk_waker_new(data, vtable);
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	wk_poll r;

	wkc_annotate_poll(data);
	wkc_annotate_acquire(fut);
	r = wk_future_poll((wk_future *)fut, &cx, &out);
	wkc_annotate_release(fut);
	wkc_annotate_release(&wkc__rust_run_edge);
	return r == WK_READY;
}

static void hook_drop(void *fut)
{
	wkc_annotate_acquire(fut);
	wkc_annotate_acquire(&wkc__rust_destroy_edge);
	wk_future_drop((wk_future *)fut);
	wkc_annotate_release(&wkc__rust_run_edge);
}

static void hook_wake_edge(const void *data)
{
	wkc_annotate_wake(data);
}

static void hook_freeing(const void *data)
{
	wkc_annotate_freeing(data);
}

const wkc_rust_hooks wkc__rust_hooks = {hook_poll, hook_drop, hook_wake_edge, hook_freeing};
