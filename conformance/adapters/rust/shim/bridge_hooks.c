/*
 * bridge_hooks.c - the four functions the bridge crate (../bridge/src/ffi.rs)
 * calls back: a C future's poll and drop, and the annotations of
 * wkc/annotate.h.  Linked into every Rust adapter (and the bridge's test);
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
 *   poll -> run        release(&run_edge) after each poll, acquire when run
 *                      returns: run returns IDLE only after it read, with
 *                      sequentially consistent loads, the state each poll
 *                      stored after it returned (bridge/src/track.rs).
 */
#include <stddef.h>

#include "wk/future.h"
#include "wkc/annotate.h"

int wkc_rust_c_poll(void *fut, const void *data, const wk_raw_waker_vtable *vtable);
void wkc_rust_c_drop(void *fut);
void wkc_rust_c_wake_edge(const void *data);
void wkc_rust_c_freeing(const void *data);

/* The key of the poll -> run edge: any address the adapter owns for the
 * process's life (rust_adapter.c acquires it when run returns). */
extern char wkc__rust_run_edge;
char wkc__rust_run_edge;

int wkc_rust_c_poll(void *fut, const void *data, const wk_raw_waker_vtable *vtable)
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

void wkc_rust_c_drop(void *fut)
{
	wkc_annotate_acquire(fut);
	wk_future_drop((wk_future *)fut);
}

void wkc_rust_c_wake_edge(const void *data)
{
	wkc_annotate_wake(data);
}

void wkc_rust_c_freeing(const void *data)
{
	wkc_annotate_freeing(data);
}
