/*
 * held.c - waker operations performed by harness code, each recorded in the
 * trace with the sequence numbers around the vtable call, and each preceded
 * by schedule pressure (wkc_perturb) so that race windows open around the
 * executor's waker functions.
 */
#define _POSIX_C_SOURCE 200809L
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_internal.h"

void wkc__probe_bug(const char *fmt, ...)
{
	va_list ap;
	fputs("wakerconf: probe script error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

double wkc__p_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void wkc__p_backoff(unsigned round)
{
	/* Spin-yield first (cheap when the other side is about to finish),
	 * then sleep so that a waiter does not starve the threads it waits
	 * for on a 2-core machine or under Valgrind's serialised scheduler. */
	if (round < 64) {
		sched_yield();
	} else {
		struct timespec d = {0, round < 1024 ? 20000 : 200000};
		nanosleep(&d, NULL);
	}
}

_Thread_local unsigned wkc__p_waker_depth;

void wkc_waker_call_enter(void)
{
	wkc__p_waker_depth++;
}

void wkc_waker_call_leave(void)
{
	wkc__p_waker_depth--;
}

void wkc__p_perturb(wkc_probe_set *s)
{
	if (s->cx != NULL)
		wkc_perturb(s->cx);
}

void wkc__p_note_wake(wkc_probe *task, uint64_t seq)
{
	/* relaxed: a monotonic maximum the driver only reads as a value. */
	uint64_t cur = atomic_load_explicit(&task->max_wake_seq, memory_order_relaxed);
	while (cur < seq &&
	       !atomic_compare_exchange_weak_explicit(&task->max_wake_seq, &cur, seq,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

bool wkc__p_in_poll_of(const wkc_probe *task)
{
	/* relaxed: equal only if this thread stored its own id (see layout). */
	return atomic_load_explicit(&((wkc_probe *)task)->poller, memory_order_relaxed) ==
	       wk_thread_id();
}

wkc_held wkc__held_view(wkc_probe *task, const wk_waker *w)
{
	wkc_held h;
	memset(&h, 0, sizeof h);
	h.u.w = *w; /* a bitwise view, only ever used by reference or cloned */
	h.task = task;
	h.owner = 0;
	h.local = false;
	return h;
}

wkc_held wkc__held_view_local(wkc_probe *task, const wk_local_waker *l)
{
	wkc_held h;
	memset(&h, 0, sizeof h);
	h.u.l = *l;
	h.task = task;
	h.owner = wk_thread_id();
	h.local = true;
	return h;
}

bool wkc_held_usable_here(const wkc_held *h)
{
	return h->task != NULL && (!h->local || h->owner == wk_thread_id());
}

static const void *held_data(const wkc_held *h)
{
	return h->local ? wk_local_waker_data(&h->u.l) : wk_waker_data(&h->u.w);
}

static const void *held_vtable(const wkc_held *h)
{
	return h->local ? (const void *)wk_local_waker_vtable(&h->u.l)
			: (const void *)wk_waker_vtable(&h->u.w);
}

static void record(const wkc_held *h, uint32_t kind, uint64_t seq, uint64_t end, uint32_t flags,
		   const wkc_held *second)
{
	wkc_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = seq;
	ev.end = end;
	ev.kind = kind;
	ev.task = h->task->id;
	ev.thread = wk_thread_id();
	ev.flags = flags | (h->local ? WKC_EVF_LOCAL : 0) |
		   (wkc__p_in_poll_of(h->task) ? WKC_EVF_IN_POLL : 0);
	ev.data = held_data(h);
	ev.vtable = held_vtable(h);
	if (second != NULL) {
		ev.ldata = held_data(second);
		ev.lvtable = held_vtable(second);
	}
	wkc_trace_add(h->task->set->trace, &ev);
}

static void check_usable(const wkc_held *h, const char *op)
{
	if (h->task == NULL)
		wkc__probe_bug("%s of an empty held waker", op);
	if (!wkc_held_usable_here(h))
		wkc__probe_bug("%s of a local waker of task %u off its owner thread", op,
			       (unsigned)h->task->id);
}

/* Clone h, calling the vtable on *through when it is given (a borrowed
 * waker h is a view of) and on h's own value otherwise. */
static wkc_held clone_through(const wkc_held *h, const wk_waker *through, uint32_t flags)
{
	wkc_probe_set *s;
	wkc_held c;
	uint64_t seq, end;
	check_usable(h, "clone");
	s = h->task->set;
	memset(&c, 0, sizeof c);
	c.task = h->task;
	c.local = h->local;
	seq = wkc_trace_seq(s->trace);
	wkc__p_perturb(s);
	wkc_waker_call_enter();
	if (h->local) {
		c.u.l = wk_local_waker_clone(&h->u.l);
		c.owner = wk_thread_id();
	} else {
		c.u.w = wk_waker_clone(through != NULL ? through : &h->u.w);
		c.owner = 0;
	}
	wkc_waker_call_leave();
	end = wkc_trace_seq(s->trace);
	/* relaxed: a balance counter read once the harness is done. */
	atomic_fetch_add_explicit(&s->held_live, 1, memory_order_relaxed);
	record(h, WKC_EV_CLONE, seq, end, flags, &c);
	return c;
}

wkc_held wkc_held_clone(const wkc_held *h, uint32_t flags)
{
	return clone_through(h, NULL, flags);
}

wkc_held wkc__held_borrowed_clone(wkc_probe *task, const wk_waker *w, uint32_t flags)
{
	wkc_held view = wkc__held_view(task, w);
	return clone_through(&view, w, flags);
}

void wkc_held_wake(wkc_held *h, uint32_t flags)
{
	wkc_probe_set *s;
	wkc_held copy;
	uint64_t seq, end;
	check_usable(h, "wake");
	s = h->task->set;
	copy = *h; /* for the record: the value is moved-from afterwards */
	seq = wkc_trace_seq(s->trace);
	wkc__p_perturb(s);
	/* After the pressure point, right before the call: a spurious poll that
	 * sees this mark before the wake's release is a narrow window. */
	wkc__p_note_wake(h->task, seq);
	wkc_waker_call_enter();
	if (h->local)
		wk_local_waker_wake(&h->u.l);
	else
		wk_waker_wake(&h->u.w);
	wkc_waker_call_leave();
	end = wkc_trace_seq(s->trace);
	/* relaxed: see wkc_held_clone. */
	atomic_fetch_sub_explicit(&s->held_live, 1, memory_order_relaxed);
	record(&copy, WKC_EV_WAKE, seq, end, flags, NULL);
	h->task = NULL;
}

/* Wake h by reference, through *through when given (see clone_through). */
static void wake_by_ref_through(const wkc_held *h, const wk_waker *through, uint32_t flags)
{
	wkc_probe_set *s;
	uint64_t seq, end;
	check_usable(h, "wake_by_ref");
	s = h->task->set;
	seq = wkc_trace_seq(s->trace);
	wkc__p_perturb(s);
	/* After the pressure point, right before the call: a spurious poll that
	 * sees this mark before the wake's release is a narrow window. */
	wkc__p_note_wake(h->task, seq);
	wkc_waker_call_enter();
	if (h->local)
		wk_local_waker_wake_by_ref(&h->u.l);
	else
		wk_waker_wake_by_ref(through != NULL ? through : &h->u.w);
	wkc_waker_call_leave();
	end = wkc_trace_seq(s->trace);
	record(h, WKC_EV_WAKE_BY_REF, seq, end, flags, NULL);
}

void wkc_held_wake_by_ref(const wkc_held *h, uint32_t flags)
{
	wake_by_ref_through(h, NULL, flags);
}

void wkc__held_borrowed_wake_by_ref(wkc_probe *task, const wk_waker *w, uint32_t flags)
{
	wkc_held view = wkc__held_view(task, w);
	wake_by_ref_through(&view, w, flags);
}

void wkc_held_drop(wkc_held *h, uint32_t flags)
{
	wkc_probe_set *s;
	wkc_held copy;
	uint64_t seq, end;
	if (h->task == NULL)
		return;
	check_usable(h, "drop");
	s = h->task->set;
	copy = *h;
	seq = wkc_trace_seq(s->trace);
	wkc__p_perturb(s);
	wkc_waker_call_enter();
	if (h->local)
		wk_local_waker_drop(&h->u.l);
	else
		wk_waker_drop(&h->u.w);
	wkc_waker_call_leave();
	end = wkc_trace_seq(s->trace);
	/* relaxed: see wkc_held_clone. */
	atomic_fetch_sub_explicit(&s->held_live, 1, memory_order_relaxed);
	record(&copy, WKC_EV_DROP_WAKER, seq, end, flags, NULL);
	h->task = NULL;
}

bool wkc_held_will_wake(const wkc_held *a, const wkc_held *b)
{
	wkc_event ev;
	bool r;
	if (a->task == NULL || b->task == NULL)
		wkc__probe_bug("will_wake of an empty held waker");
	if (!a->local && !b->local)
		r = wk_waker_will_wake(&a->u.w, &b->u.w);
	else
		/* Mixed or local: compare as local wakers (a waker viewed as
		 * local keeps its data and vtable). */
		r = wk_local_waker_will_wake(a->local ? &a->u.l : wk_waker_as_local(&a->u.w),
					     b->local ? &b->u.l : wk_waker_as_local(&b->u.w));
	memset(&ev, 0, sizeof ev);
	ev.seq = ev.end = wkc_trace_seq(a->task->set->trace);
	ev.kind = WKC_EV_WILL_WAKE;
	ev.task = a->task->id;
	ev.other = b->task->id;
	ev.value = r;
	ev.thread = wk_thread_id();
	ev.flags = (a->local || b->local) ? WKC_EVF_LOCAL : 0;
	ev.data = held_data(a);
	ev.vtable = held_vtable(a);
	ev.ldata = held_data(b);
	ev.lvtable = held_vtable(b);
	wkc_trace_add(a->task->set->trace, &ev);
	return r;
}

void wkc_held_note_bulk(wkc_probe *task, uint64_t seq, uint64_t end, uint64_t count,
			uint32_t flags)
{
	wkc_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = seq;
	ev.end = end;
	ev.kind = WKC_EV_WAKE_BY_REF;
	ev.task = task->id;
	ev.value = (int64_t)count;
	ev.thread = wk_thread_id();
	ev.flags = flags | WKC_EVF_BULK;
	wkc__p_note_wake(task, seq);
	wkc_trace_add(task->set->trace, &ev);
}

void wkc_held_churn(const wkc_held *h, uint32_t flags)
{
	wkc_held c = wkc_held_clone(h, flags), d;
	wkc_held_wake_by_ref(&c, flags);
	d = wkc_held_clone(&c, flags);
	wkc_held_wake(&c, flags);
	wkc_held_drop(&d, flags);
	wkc_held_wake_by_ref(h, flags);
}
