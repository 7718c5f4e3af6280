/* join_probe.c - see join_probe.h. */
#include "join_probe.h"

#include <stdlib.h>
#include <string.h>

const wkjt_kind wkjt_kind_local = {"local", wk_join_local_new, true};
const wkjt_kind wkjt_kind_sync = {"sync", wk_join_new, false};

void (*wkjt_on_poll)(wkjt_probe *p) = NULL;

static wk_poll probe_poll(wk_future *self, const wk_context *cx, void **output)
{
	wkjt_probe *p = (wkjt_probe *)(void *)self;
	const wk_local_waker *lw = wk_context_local_waker(cx);

	if (p->drops > 0)
		p->polled_after_drop = true;
	p->polls++;
	p->seen_ext = wk_context_ext(cx);
	p->seen_local_data = wk_local_waker_data(lw);
	if (p->ask_waker) {
		const wk_waker *w = wk_context_try_waker(cx);
		p->had_try_waker = w != NULL;
		p->seen_waker_data = w != NULL ? wk_waker_data(w) : NULL;
	}

	if (p->keep_local) {
		if (p->has_kept) {
			wk_local_waker_clone_from(&p->kept, lw);
		} else {
			p->kept = wk_local_waker_clone(lw);
			p->has_kept = true;
		}
	}
	if (p->polls == 1 && p->export_local) {
		p->exported = wk_local_waker_clone(lw);
		p->has_exported = true;
	}
	if (p->polls == 1 && p->export_waker) {
		p->exported_waker = wk_waker_clone(wk_context_waker(cx));
		p->has_exported_waker = true;
	}
	if (p->polls == 1 && p->wake_sibling >= 0) {
		wkjt_probe *s = &p->siblings[p->wake_sibling];
		if (s->has_exported)
			wk_local_waker_wake_by_ref(&s->exported);
	}
	if (p->self_wake_at != 0 && p->polls == p->self_wake_at)
		wk_local_waker_wake_by_ref(lw);
	if (wkjt_on_poll != NULL)
		wkjt_on_poll(p);
	if (p->ready_at != 0 && p->polls >= p->ready_at) {
		*output = p->output;
		return WK_READY;
	}
	return WK_PENDING;
}

static void probe_drop(wk_future *self)
{
	wkjt_probe *p = (wkjt_probe *)(void *)self;

	p->drops++;
	if (p->has_kept) {
		p->has_kept = false;
		wk_local_waker_drop(&p->kept);
	}
}

static const wk_future_vtable probe_vtable = {probe_poll, probe_drop};

void wkjt_probes_init(wkjt_probe *probes, size_t n)
{
	memset(probes, 0, n * sizeof(*probes));
	for (size_t i = 0; i < n; i++) {
		probes[i].base.vtable = &probe_vtable;
		probes[i].index = (unsigned)i;
		probes[i].wake_sibling = -1;
		probes[i].siblings = probes;
		atomic_init(&probes[i].message, 0);
	}
}

void wkjt_children(wkjt_probe *probes, wk_future **children, size_t n)
{
	for (size_t i = 0; i < n; i++)
		children[i] = &probes[i].base;
}

wk_future *wkjt_join_of(const wkjt_kind *k, wkjt_probe *probes, size_t n)
{
	/* One more than a join takes, so a test can see the join refuse it. */
	wk_future *children[WK_JOIN_MAX + 1];

	if (n > WK_JOIN_MAX + 1)
		abort(); /* a test asking for more is itself wrong */
	wkjt_children(probes, children, n);
	return k->make(children, n);
}

void wkjt_release_exported(wkjt_probe *probes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (probes[i].has_exported) {
			probes[i].has_exported = false;
			wk_local_waker_drop(&probes[i].exported);
		}
		if (probes[i].has_exported_waker) {
			probes[i].has_exported_waker = false;
			wk_waker_drop(&probes[i].exported_waker);
		}
	}
}

/* ---- parents ---------------------------------------------------------------- */

void wkjt_parent_ts(wkjt_parent *p)
{
	wk_context_builder b;

	p->waker = wkt_counting_waker(&p->ts);
	wkt_counter_init(&p->local);
	b = wk_context_builder_from_waker(&p->waker);
	p->cx = wk_context_builder_build(&b);
}

void wkjt_parent_split(wkjt_parent *p)
{
	wk_context_builder b;

	p->waker = wkt_counting_waker(&p->ts);
	p->local_waker = wkt_counting_local_waker(&p->local);
	b = wk_context_builder_from_waker(&p->waker);
	wk_context_builder_local_waker(&b, &p->local_waker);
	p->cx = wk_context_builder_build(&b);
}

void wkjt_parent_local_only(wkjt_parent *p)
{
	wk_context_builder b;

	wkt_counter_init(&p->ts);
	p->local_waker = wkt_counting_local_waker(&p->local);
	b = wk_context_builder_from_local_waker(&p->local_waker);
	p->cx = wk_context_builder_build(&b);
}

long wkjt_parent_wakes(wkjt_parent *p, const wkjt_kind *k)
{
	wkt_counter *c = &p->ts;

	/* A local join wakes the local waker it was given; in a context built
	 * from a thread-safe waker alone that is the same counter. */
	if (k->local && wk_context_local_waker(&p->cx) == &p->local_waker)
		c = &p->local;
	return wkt_load(&c->wake_by_ref) + wkt_load(&c->wake);
}
