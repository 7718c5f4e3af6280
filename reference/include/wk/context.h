/*
 * wk/context.h - the task context handed to every poll, and its builder.
 *
 * Normative contract: spec/api.md (ids WK-CTX-*, core profile, and
 * WK-EXT-*, extended profile).
 *
 * CORE PROFILE (as merged in Rust, feature local_waker / context_ext):
 *   wk_context_builder_from_waker, wk_context_builder_from (inherit from a
 *   context), the setters waker / local_waker / ext, build, and on the
 *   context: wk_context_waker, wk_context_local_waker, wk_context_ext.
 *
 * EXTENDED PROFILE (discussed in the proposal, dropped from the merge):
 *   wk_context_builder_from_local_waker (a context with no thread-safe
 *   waker: wk_context_waker aborts loudly, wk_context_try_waker returns
 *   NULL) and wk_context_builder_on_waker (a thread-safe waker built lazily,
 *   at most once, only when asked for).
 *
 * OWNERSHIP AND LIFETIME
 *   A context and a builder borrow everything they point at: wakers, the
 *   ext object and the lazy storage must outlive every use of the context.
 *   A context is used by one thread at a time (the polling thread); it is a
 *   small value type, build it on the stack for each poll.
 *
 *   Setting a field on a builder changes only that field, exactly as in the
 *   merged Rust API: wk_context_builder_from(cx) then _waker(b, w) keeps the
 *   parent's local waker.  A combinator that substitutes its own waker
 *   should therefore substitute the local waker too (spec WK-CTX-005).
 *   Nothing set on a builder or a child context ever changes the parent.
 */
#ifndef WK_CONTEXT_H
#define WK_CONTEXT_H

#include "wk/waker.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Builds the thread-safe waker on demand; must return an owned waker. */
typedef wk_waker (*wk_waker_ctor)(const wk_local_waker *local_waker, void *arg);

/*
 * Caller-provided storage for a lazily built waker (extended profile).
 * Initialised by wk_context_builder_on_waker; released by
 * wk_lazy_waker_drop once no context that uses it will be used again.
 */
typedef struct wk_lazy_waker {
	wk_waker waker;    /* valid when built != 0 */
	int built;         /* constructor has run */
	wk_waker_ctor ctor;
	void *arg;
	const wk_local_waker *local_waker; /* passed to ctor */
} wk_lazy_waker;

/*
 * The fields are private (names ending in '_'): use the accessors below.  A
 * future is lent its context read-only (const, WK-CTX-007) and must not
 * write them: an executor may lend one context object to every poll of a
 * task.  To change anything for its children it derives a new context with
 * wk_context_builder_from, used only during its own poll (WK-CTX-008).
 */
typedef struct wk_context {
	const wk_waker *waker_;             /* NULL: none, or lazy */
	const wk_local_waker *local_waker_; /* never NULL in a built context */
	void *ext_;                         /* NULL: no extension data */
	wk_lazy_waker *lazy_;               /* non-NULL: build waker on demand */
} wk_context;

typedef struct wk_context_builder {
	const wk_waker *waker_;
	const wk_local_waker *local_waker_;
	void *ext_;
	wk_lazy_waker *lazy_;
} wk_context_builder;

/* Slow paths, internal. */
const wk_waker *wk__context_lazy_waker(const wk_context *cx);
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__context_no_waker(const wk_context *cx);

/* ---- context ----------------------------------------------------------- */

/*
 * The thread-safe waker.  With an on_waker constructor it is built on the
 * first call (at most once per storage).  A context built without any
 * thread-safe waker aborts here with a message (WK-EXT-002): never a silent
 * noop waker.
 */
static inline const wk_waker *wk_context_waker(const wk_context *cx)
{
	if (cx->waker_ != NULL)
		return cx->waker_;
	if (cx->lazy_ != NULL)
		return wk__context_lazy_waker(cx);
	wk__context_no_waker(cx);
}

/* Like wk_context_waker, but NULL where the context has no waker at all. */
static inline const wk_waker *wk_context_try_waker(const wk_context *cx)
{
	if (cx->waker_ != NULL)
		return cx->waker_;
	if (cx->lazy_ != NULL)
		return wk__context_lazy_waker(cx);
	return NULL;
}

/*
 * Whether the context can produce a thread-safe waker (set, or lazily
 * buildable), without building a lazy one.  For combinators that must know
 * before they offer a waker of their own.
 */
static inline bool wk_context_has_waker(const wk_context *cx)
{
	return cx->waker_ != NULL || cx->lazy_ != NULL;
}

/* The local waker; falls back to the waker viewed as local.  Never NULL. */
static inline const wk_local_waker *wk_context_local_waker(const wk_context *cx)
{
	return cx->local_waker_;
}

/* The extension data set on the builder, or NULL. */
static inline void *wk_context_ext(const wk_context *cx)
{
	return cx->ext_;
}

/* ---- builder ----------------------------------------------------------- */

/* Aborts with a message naming the setter when passed NULL (WK-CTX-006). */
void wk__builder_null(const char *setter);

static inline wk_context_builder wk_context_builder_from_waker(const wk_waker *waker)
{
	wk_context_builder b;
	if (waker == NULL)
		wk__builder_null("wk_context_builder_from_waker");
	b.waker_ = waker;
	b.local_waker_ = wk_waker_as_local(waker);
	b.ext_ = NULL;
	b.lazy_ = NULL;
	return b;
}

/* Inherit waker, local waker, ext and any lazy constructor from cx. */
static inline wk_context_builder wk_context_builder_from(const wk_context *cx)
{
	wk_context_builder b;
	if (cx == NULL)
		wk__builder_null("wk_context_builder_from");
	b.waker_ = cx->waker_;
	b.local_waker_ = cx->local_waker_;
	b.ext_ = cx->ext_;
	b.lazy_ = cx->lazy_;
	return b;
}

/* Replace the thread-safe waker (cancels a lazy constructor). */
static inline wk_context_builder *wk_context_builder_waker(wk_context_builder *b, const wk_waker *waker)
{
	if (waker == NULL)
		wk__builder_null("wk_context_builder_waker");
	b->waker_ = waker;
	b->lazy_ = NULL;
	return b;
}

static inline wk_context_builder *wk_context_builder_local_waker(wk_context_builder *b,
								 const wk_local_waker *local_waker)
{
	if (local_waker == NULL)
		wk__builder_null("wk_context_builder_local_waker");
	b->local_waker_ = local_waker;
	return b;
}

/* Set the extension data (NULL clears it). */
static inline wk_context_builder *wk_context_builder_ext(wk_context_builder *b, void *ext)
{
	b->ext_ = ext;
	return b;
}

static inline wk_context wk_context_builder_build(const wk_context_builder *b)
{
	wk_context cx;
	cx.waker_ = b->waker_;
	cx.local_waker_ = b->local_waker_;
	cx.ext_ = b->ext_;
	cx.lazy_ = b->lazy_;
	return cx;
}

/* ---- extended profile -------------------------------------------------- */

/* A builder for a context with a local waker and no thread-safe waker. */
static inline wk_context_builder wk_context_builder_from_local_waker(const wk_local_waker *local_waker)
{
	wk_context_builder b;
	if (local_waker == NULL)
		wk__builder_null("wk_context_builder_from_local_waker");
	b.waker_ = NULL;
	b.local_waker_ = local_waker;
	b.ext_ = NULL;
	b.lazy_ = NULL;
	return b;
}

/*
 * Build the thread-safe waker lazily: ctor(local_waker, arg) runs at most
 * once for this storage, and only when wk_context_waker / try_waker is
 * called.  The constructor sees the local waker the builder has when this
 * setter is called.  Replaces any waker set before.
 */
wk_context_builder *wk_context_builder_on_waker(wk_context_builder *b, wk_lazy_waker *storage,
						wk_waker_ctor ctor, void *arg);

/* Drop the waker the storage built, if any.  Idempotent. */
void wk_lazy_waker_drop(wk_lazy_waker *storage);

#ifdef __cplusplus
}
#endif

#endif /* WK_CONTEXT_H */
