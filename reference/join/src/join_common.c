/* join_common.c - the parts of a join that do not depend on its version. */
#include "join_internal.h"

bool wk__join_args_ok(wk_future *const *children, size_t n)
{
	if (n > WK_JOIN_MAX || (n > 0 && children == NULL))
		return false;
	for (size_t i = 0; i < n; i++)
		if (children[i] == NULL || children[i]->vtable == NULL)
			return false;
	return true;
}

void wk__join_head_init(wk__join_head *h, const wk_future_vtable *vt, size_t n)
{
	h->base.vtable = vt;
	h->n = n;
	h->unfinished = wk__join_bits(n);
	h->started = false;
	h->finished = false;
	for (size_t i = 0; i < WK_JOIN_MAX; i++)
		h->outputs[i] = NULL;
}

void wk__join_polled_after_ready(const wk__join_head *h, const char *fn)
{
	wk_fatal("%s: join %p polled after it returned Ready", fn, (const void *)h);
}

uint64_t wk__join_begin_poll(wk__join_head *h, uint64_t woken)
{
	if (!h->started) {
		h->started = true;
		return h->unfinished;
	}
	return woken & h->unfinished;
}

wk_poll wk__join_end_poll(wk__join_head *h, void **output)
{
	if (h->unfinished != 0)
		return WK_PENDING;
	h->finished = true;
	*output = (void *)h->outputs;
	return WK_READY;
}

void wk__join_refcount_overflow(const char *fn, const void *join)
{
	wk_fatal("%s: join %p refcount overflow", fn, join);
}

size_t wk_join_len(const wk_future *join)
{
	return ((const wk__join_head *)(const void *)join)->n;
}
