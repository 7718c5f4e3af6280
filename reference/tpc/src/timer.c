/*
 * timer.c - each core's local timers: a binary min-heap of armed timers,
 * ordered by (deadline, arming order), touched only by the core's thread.
 *
 * An armed timer holds a clone of the local waker of the task that polled
 * it (plain refcount, no atomic).  The core fires due timers before it
 * polls and parks with a timeout equal to the next deadline; a
 * deterministic runtime uses virtual time and fires them when the schedule
 * says so (det_sched.c).  Timer memory belongs to the future that embeds
 * it: a future's drop must cancel an armed timer (wk_tpc_sleep does).
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdlib.h>

enum { TIMER_NEW = 0, TIMER_ARMED = 1, TIMER_FIRED = 2, TIMER_CANCELLED = 3 };

static bool earlier(const wk_tpc_timer *a, const wk_tpc_timer *b)
{
	if (a->deadline_ns_ != b->deadline_ns_)
		return a->deadline_ns_ < b->deadline_ns_;
	return a->seq_ < b->seq_;
}

static void place(wk__tpc_core *core, size_t i, wk_tpc_timer *t)
{
	core->heap[i] = t;
	t->heap_index_ = i;
}

static void sift_up(wk__tpc_core *core, size_t i)
{
	wk_tpc_timer *t = core->heap[i];
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!earlier(t, core->heap[parent]))
			break;
		place(core, i, core->heap[parent]);
		i = parent;
	}
	place(core, i, t);
}

static void sift_down(wk__tpc_core *core, size_t i)
{
	wk_tpc_timer *t = core->heap[i];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const wk_tpc_timer *best = t;
		if (l < core->heap_len && earlier(core->heap[l], best)) {
			m = l;
			best = core->heap[l];
		}
		if (r < core->heap_len && earlier(core->heap[r], best))
			m = r;
		if (m == i)
			break;
		place(core, i, core->heap[m]);
		i = m;
	}
	place(core, i, t);
}

static void heap_push(wk__tpc_core *core, wk_tpc_timer *t)
{
	if (core->heap_len == core->heap_cap) {
		size_t cap = core->heap_cap ? core->heap_cap * 2 : 16;
		wk_tpc_timer **h = realloc(core->heap, cap * sizeof *h);
		if (h == NULL)
			wk_fatal("wk_tpc_timer_poll: out of memory for the timer heap");
		core->heap = h;
		core->heap_cap = cap;
	}
	place(core, core->heap_len++, t);
	sift_up(core, t->heap_index_);
}

static void heap_remove(wk__tpc_core *core, wk_tpc_timer *t)
{
	size_t i = t->heap_index_;
	wk_tpc_timer *last = core->heap[--core->heap_len];
	if (i == core->heap_len)
		return;
	place(core, i, last);
	if (i > 0 && earlier(last, core->heap[(i - 1) / 2]))
		sift_up(core, i);
	else
		sift_down(core, i);
}

/* ---- the core's side ------------------------------------------------------------- */

void wk__tpc_timers_fire(wk__tpc_core *core, uint64_t now)
{
	while (core->heap_len > 0 && core->heap[0]->deadline_ns_ <= now) {
		wk_tpc_timer *t = core->heap[0];
		wk_local_waker w = t->waker_;
		heap_remove(core, t);
		t->state_ = TIMER_FIRED;
		WK__TPC_TRACE(core, WK_TPC_EV_TIMER, 0, t->deadline_ns_);
		wk_local_waker_wake(&w);
	}
}

uint64_t wk__tpc_timers_next(const wk__tpc_core *core)
{
	return core->heap_len > 0 ? core->heap[0]->deadline_ns_ : UINT64_MAX;
}

void wk__tpc_timers_clear(wk__tpc_core *core)
{
	/* Only timers whose futures forgot to cancel them are left here. */
	while (core->heap_len > 0) {
		wk_tpc_timer *t = core->heap[core->heap_len - 1];
		core->heap_len--;
		t->state_ = TIMER_CANCELLED;
		wk_local_waker_drop(&t->waker_);
	}
	free(core->heap);
	core->heap = NULL;
	core->heap_cap = 0;
}

/* ---- the public timer --------------------------------------------------------------- */

uint64_t wk_tpc_now(void)
{
	wk__tpc_core *core = wk__tpc_tls_core;
	return core != NULL ? wk__tpc_core_now(core) : wk__tpc_monotonic_ns();
}

void wk_tpc_timer_init(wk_tpc_timer *t, uint64_t delay_ns)
{
	t->delay_ns_ = delay_ns;
	t->deadline_ns_ = 0;
	t->seq_ = 0;
	t->core_ = NULL;
	t->heap_index_ = 0;
	t->state_ = TIMER_NEW;
}

wk_poll wk_tpc_timer_poll(wk_tpc_timer *t, const wk_context *cx)
{
	wk__tpc_core *core = wk__tpc_tls_core;
	uint64_t now;
	if (core == NULL)
		wk_fatal("wk_tpc_timer_poll: not called on a runtime core");
	if (t->state_ == TIMER_FIRED || t->state_ == TIMER_CANCELLED)
		return WK_READY;
	if (t->state_ == TIMER_ARMED && t->core_ != core)
		wk_fatal("wk_tpc_timer_poll: timer armed on core %u polled on core %u",
			 ((wk__tpc_core *)t->core_)->index, core->index);
	now = wk__tpc_core_now(core);
	if (t->state_ == TIMER_NEW) {
		t->deadline_ns_ =
			t->delay_ns_ > UINT64_MAX - now ? UINT64_MAX : now + t->delay_ns_;
		if (now >= t->deadline_ns_) {
			t->state_ = TIMER_FIRED;
			return WK_READY;
		}
		t->core_ = core;
		t->seq_ = ++core->timer_seq;
		t->waker_ = wk_local_waker_clone(wk_context_local_waker(cx));
		t->state_ = TIMER_ARMED;
		heap_push(core, t);
		return WK_PENDING;
	}
	/* ARMED */
	if (now >= t->deadline_ns_) {
		heap_remove(core, t);
		t->state_ = TIMER_FIRED;
		wk_local_waker_drop(&t->waker_);
		return WK_READY;
	}
	wk_local_waker_clone_from(&t->waker_, wk_context_local_waker(cx));
	return WK_PENDING;
}

void wk_tpc_timer_cancel(wk_tpc_timer *t)
{
	wk__tpc_core *core = t->core_;
	if (t->state_ != TIMER_ARMED) {
		if (t->state_ == TIMER_NEW)
			t->state_ = TIMER_CANCELLED;
		return;
	}
	if (wk__tpc_tls_core != core)
		wk_fatal("wk_tpc_timer_cancel: timer armed on core %u cancelled off that core",
			 core->index);
	heap_remove(core, t);
	t->state_ = TIMER_CANCELLED;
	wk_local_waker_drop(&t->waker_);
}

/* ---- wk_tpc_sleep: a timer as a spawnable future ---------------------------------- */

typedef struct sleep_future {
	wk_future base;
	wk_tpc_timer timer;
} sleep_future;

static wk_poll sleep_poll(wk_future *self, const wk_context *cx, void **output)
{
	sleep_future *s = (sleep_future *)self;
	*output = NULL;
	return wk_tpc_timer_poll(&s->timer, cx);
}

static void sleep_drop(wk_future *self)
{
	sleep_future *s = (sleep_future *)self;
	wk_tpc_timer_cancel(&s->timer);
	free(s);
}

static const wk_future_vtable sleep_vtable = {sleep_poll, sleep_drop};

wk_future *wk_tpc_sleep(uint64_t delay_ns)
{
	sleep_future *s = malloc(sizeof *s);
	if (s == NULL)
		return NULL;
	s->base.vtable = &sleep_vtable;
	wk_tpc_timer_init(&s->timer, delay_ns);
	return &s->base;
}
