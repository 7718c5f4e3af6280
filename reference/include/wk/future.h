/*
 * wk/future.h - a future: a poll function and a drop function.
 *
 * The C form of Rust's Future trait object.  The executor owns a spawned
 * future: it calls poll with a context until poll returns WK_READY, never
 * again after that, never from two threads at once, and calls drop exactly
 * once (after Ready, or unfinished at shutdown).
 */
#ifndef WK_FUTURE_H
#define WK_FUTURE_H

#include "wk/context.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wk_poll { WK_PENDING = 0, WK_READY = 1 } wk_poll;

typedef struct wk_future wk_future;

typedef struct wk_future_vtable {
	/* On WK_READY, *output receives the future's result (pointer-sized,
	 * owned by whoever joins the task); untouched on WK_PENDING. */
	wk_poll (*poll)(wk_future *self, const wk_context *cx, void **output);
	/* Release the future's resources; called exactly once. */
	void (*drop)(wk_future *self);
} wk_future_vtable;

/* Embed as the first member of a concrete future. */
struct wk_future {
	const wk_future_vtable *vtable;
};

#if WK_CHECKED
/* Checked-build slow path (src/diag.c): aborts naming the poll function. */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__context_modified(const wk_future *f, wk_poll (*poll)(wk_future *, const wk_context *, void **),
			  const wk_context *lent, const wk_context *now);
#endif

/*
 * Poll f once with cx.  A future must not change the context it is lent
 * (WK-CTX-007): the poll function receives it by const pointer, and a
 * checked build compares the context before and after the call and aborts,
 * naming the poll function, when a future cast the const away and wrote to
 * it (WK-CHECK-005).  An executor that lends one context to many polls
 * (the reference runtime's cheap mode) would otherwise hand every later
 * poll what one future wrote.
 */
static inline wk_poll wk_future_poll(wk_future *f, const wk_context *cx, void **output)
{
#if WK_CHECKED
	wk_poll (*poll)(wk_future *, const wk_context *, void **) = f->vtable->poll;
	wk_context lent = *cx;
	wk_poll r = poll(f, cx, output);
	if (lent.waker_ != cx->waker_ || lent.local_waker_ != cx->local_waker_ ||
	    lent.ext_ != cx->ext_ || lent.lazy_ != cx->lazy_)
		wk__context_modified(f, poll, &lent, cx);
	return r;
#else
	return f->vtable->poll(f, cx, output);
#endif
}

static inline void wk_future_drop(wk_future *f)
{
	f->vtable->drop(f);
}

#ifdef __cplusplus
}
#endif

#endif /* WK_FUTURE_H */
