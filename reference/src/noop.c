/*
 * noop.c - the static noop waker and local noop waker (WK-WAKER-005,
 * WK-LOCAL-003): one object each, never freed, whose functions do nothing.
 * They hold no state, so they are safe on any thread; the local one has
 * owner 0 ("no owner") in checked builds for the same reason.
 */
#include "wk_internal.h"

static wk_raw_waker noop_clone(const void *data);
static void noop_nothing(const void *data);

static const wk_raw_waker_vtable noop_vtable = {
	noop_clone,
	noop_nothing,
	noop_nothing,
	noop_nothing,
};

static wk_raw_waker noop_clone(const void *data)
{
	/* Nothing to retain: the clone is the same static raw waker. */
	wk_raw_waker raw;
	raw.data = data;
	raw.vtable = &noop_vtable;
	return raw;
}

static void noop_nothing(const void *data)
{
	(void)data;
}

/* The data pointer is never read; it points at the object itself only so
 * that it is not NULL (a NULL data pointer looks like a bug in a trace). */
static const wk_waker noop_waker = {.raw = {.data = &noop_waker, .vtable = &noop_vtable}};
static const wk_local_waker noop_local_waker = {
	.raw = {.data = &noop_local_waker, .vtable = &noop_vtable}};

const wk_waker *wk_waker_noop(void)
{
	return &noop_waker;
}

const wk_local_waker *wk_local_waker_noop(void)
{
	return &noop_local_waker;
}
