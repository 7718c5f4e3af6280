/*
 * join_internal.h - what the local and the thread-safe join share: the
 * head both start with (so wk_join_len works on either), argument checks,
 * the bookkeeping of a finished child, and the refcount guards.
 * Internal: not installed, names wk__join_*.
 */
#ifndef WK_JOIN_INTERNAL_H
#define WK_JOIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The public header under default visibility: shared builds export exactly
 * the wk_join_* functions it declares and hide the wk__join_* helpers. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif
#include "wk/join.h"
#include "wk/wake.h" /* WK_REFCOUNT_MAX */
#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

/* First member of both join structs.  Touched only by the polling thread. */
typedef struct wk__join_head {
	wk_future base;
	size_t n;
	uint64_t unfinished; /* bit i set: child i has not returned Ready */
	bool started;        /* the first poll (which polls every child) ran */
	bool finished;       /* the join returned Ready */
	void *outputs[WK_JOIN_MAX];
} wk__join_head;

/* True when children[0..n) may become a join (see wk/join.h). */
bool wk__join_args_ok(wk_future *const *children, size_t n);

/* Bits 0..n-1 set. */
static inline uint64_t wk__join_bits(size_t n)
{
	return n >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1);
}

/* Index of the lowest set bit of a non-zero word. */
static inline unsigned wk__join_lowest(uint64_t word)
{
	return (unsigned)__builtin_ctzll(word);
}

void wk__join_head_init(wk__join_head *h, const wk_future_vtable *vt, size_t n);

/*
 * Abort when the join already returned Ready: polling a finished future is
 * an executor bug (compio #856), and in a join it would otherwise turn into
 * polling a dropped child.
 */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__join_polled_after_ready(const wk__join_head *h, const char *fn);

static inline void wk__join_check_unfinished(const wk__join_head *h, const char *fn)
{
	if (h->finished)
		wk__join_polled_after_ready(h, fn);
}

/*
 * The bits the coming poll must look at, given the bits woken since the
 * last poll: every unfinished child on the first poll, else the woken
 * unfinished ones.
 */
uint64_t wk__join_begin_poll(wk__join_head *h, uint64_t woken);

/* Record child i's output and mark it finished; the caller drops it. */
static inline void wk__join_child_ready(wk__join_head *h, unsigned i, void *output)
{
	h->outputs[i] = output;
	h->unfinished &= ~((uint64_t)1 << i);
}

/* After the children were polled: Ready (with the outputs) or Pending. */
wk_poll wk__join_end_poll(wk__join_head *h, void **output);

/* Abort with "wakerconf: <fn>: refcount overflow" (never wrap). */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
void wk__join_refcount_overflow(const char *fn, const void *join);

#endif /* WK_JOIN_INTERNAL_H */
