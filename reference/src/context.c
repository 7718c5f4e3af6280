/*
 * context.c - the out-of-line parts of wk/context.h: the lazy on_waker
 * constructor (extended profile, WK-EXT-004/005) and the loud failures of
 * a context without a thread-safe waker (WK-EXT-002) and of NULL builder
 * arguments (WK-CTX-006).
 *
 * A context is used by one thread at a time, so the lazy storage needs no
 * atomics: "at most once" is guaranteed by the built flag alone.
 */
#include "wk_internal.h"

/* Marks storage whose constructor is running, to catch a constructor that
 * asks the same context for its waker (it would otherwise recurse forever). */
#define LAZY_BUILDING (-1)

const wk_waker *wk__context_lazy_waker(const wk_context *cx)
{
	wk_lazy_waker *storage = cx->lazy_;
	wk_waker w;

	if (storage->built == 1)
		return &storage->waker;
	if (storage->built == LAZY_BUILDING)
		wk_fatal("wk_context_waker: the on_waker constructor of storage %p asked for the waker "
			 "it is building (re-entrant call)",
			 (void *)storage);
	if (storage->ctor == NULL)
		wk_fatal("wk_context_waker: lazy waker storage %p has no constructor (dropped by "
			 "wk_lazy_waker_drop, or never set up by wk_context_builder_on_waker)",
			 (void *)storage);

	storage->built = LAZY_BUILDING;
	w = storage->ctor(storage->local_waker, storage->arg);
	if (w.raw.vtable == NULL)
		wk_fatal("wk_context_waker: the on_waker constructor of storage %p returned a NULL "
			 "vtable (data %p)",
			 (void *)storage, w.raw.data);
#if WK_CHECKED
	if (w.raw.vtable == &wk__moved_vtable)
		wk_fatal("wk_context_waker: the on_waker constructor of storage %p returned a waker "
			 "used after it was moved",
			 (void *)storage);
#endif
	storage->waker = w;
	storage->built = 1;
	return &storage->waker;
}

void wk__context_no_waker(const wk_context *cx)
{
	wk_fatal("wk_context_waker: context %p has no thread-safe waker (it was built from a local "
		 "waker only); use wk_context_try_waker to test for one, or wk_context_local_waker",
		 (const void *)cx);
}

void wk__builder_null(const char *setter)
{
	wk_fatal("%s: argument must not be NULL", setter);
}

wk_context_builder *wk_context_builder_on_waker(wk_context_builder *b, wk_lazy_waker *storage,
						wk_waker_ctor ctor, void *arg)
{
	if (b == NULL)
		wk_fatal("wk_context_builder_on_waker: builder must not be NULL");
	if (storage == NULL)
		wk_fatal("wk_context_builder_on_waker: storage must not be NULL");
	if (ctor == NULL)
		wk_fatal("wk_context_builder_on_waker: constructor must not be NULL");

	storage->waker.raw.data = NULL;
	storage->waker.raw.vtable = NULL;
	WK__SET_OWNER(&storage->waker, 0);
	storage->built = 0;
	storage->ctor = ctor;
	storage->arg = arg;
	/* The constructor sees the local waker the builder has now, even if a
	 * later setter replaces it (documented in wk/context.h). */
	storage->local_waker = b->local_waker_;

	b->lazy_ = storage;
	b->waker_ = NULL;
	return b;
}

void wk_lazy_waker_drop(wk_lazy_waker *storage)
{
	/* NULL is accepted like free(NULL): a caller may drop unconditionally. */
	if (storage == NULL)
		return;
	if (storage->built == 1)
		wk_waker_drop(&storage->waker);
	/* Not 0-and-rebuildable: a context still pointing here must fail loudly
	 * instead of running the constructor a second time (WK-EXT-004). */
	storage->built = 0;
	storage->ctor = NULL;
}
