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

static inline wk_poll wk_future_poll(wk_future *f, const wk_context *cx, void **output)
{
	return f->vtable->poll(f, cx, output);
}

static inline void wk_future_drop(wk_future *f)
{
	f->vtable->drop(f);
}

#ifdef __cplusplus
}
#endif

#endif /* WK_FUTURE_H */
