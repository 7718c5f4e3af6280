/*
 * trace.c - the event trace (see trace.h for the ordering essay).
 *
 * Storage is a fixed table of chunk pointers; event i lives in chunk
 * i / CHUNK_EVENTS.  Chunks covering the capacity asked for are allocated
 * by wkc_trace_new, before any writer thread exists, so the common path is
 * two relaxed fetch_adds, plain stores and one release store.
 *
 * Helgrind and DRD do not see C11 atomics: the counters, the chunk table
 * and every slot's ready flag are marked atomic (wkc/annotate.h), and the
 * writer -> snapshot edge of each slot is stated beside its release store
 * and acquire load.  Nothing else is annotated: the counters stay without
 * edges (trace.h).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "trace.h"

#include <time.h>

#include <stdlib.h>
#include <string.h>

#include "wk/waker.h"
#include "wkc/annotate.h"

enum {
	CHUNK_SHIFT = 12,
	CHUNK_EVENTS = 1 << CHUNK_SHIFT, /* 4096 events, ~330 KiB per chunk */
	MAX_CHUNKS = 1024,               /* at most 4M events per check */
};

typedef struct slot {
	wkc_event ev;
	/* Set (release) once ev is written; read (acquire) by the snapshot. */
	_Atomic uint32_t ready;
} slot;

struct wkc_trace {
	/* relaxed: totally ordered per counter, no edges between writers. */
	_Atomic uint64_t seq;
	/* relaxed: hands out distinct slot indexes. */
	_Atomic size_t len;
	/* relaxed: a statistic read after the writers are done. */
	_Atomic size_t lost;
	size_t unready; /* written by the snapshot's thread only */
	_Atomic(slot *) chunks[MAX_CHUNKS];
};

/* A zeroed chunk whose ready flags are marked atomic (0 is their initial
 * value). */
static slot *new_chunk(void)
{
	slot *c = calloc(CHUNK_EVENTS, sizeof *c);
	if (c != NULL)
		for (size_t i = 0; i < CHUNK_EVENTS; i++)
			wkc_annotate_atomic(&c[i].ready, sizeof c[i].ready);
	return c;
}

/* Forget the slots' edges, then free the chunk. */
static void free_chunk(slot *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < CHUNK_EVENTS; i++)
		wkc_annotate_freeing(&c[i].ready);
	wkc_annotate_freeing(c);
	free(c);
}

wkc_trace *wkc_trace_new(size_t capacity)
{
	wkc_trace *t = calloc(1, sizeof *t);
	size_t n;
	if (t == NULL)
		return NULL;
	atomic_init(&t->seq, 1); /* 0 means "no number" in the oracles */
	wkc_annotate_atomic(&t->seq, sizeof t->seq);
	atomic_init(&t->len, 0);
	wkc_annotate_atomic(&t->len, sizeof t->len);
	atomic_init(&t->lost, 0);
	wkc_annotate_atomic(&t->lost, sizeof t->lost);
	for (size_t i = 0; i < MAX_CHUNKS; i++)
		atomic_init(&t->chunks[i], NULL);
	wkc_annotate_atomic(t->chunks, sizeof t->chunks);
	n = (capacity + CHUNK_EVENTS - 1) / CHUNK_EVENTS;
	if (n == 0)
		n = 1;
	if (n > MAX_CHUNKS)
		n = MAX_CHUNKS;
	for (size_t i = 0; i < n; i++) {
		slot *c = new_chunk();
		if (c == NULL) {
			wkc_trace_free(t);
			return NULL;
		}
		/* relaxed: no writer exists yet; thread creation publishes it. */
		atomic_store_explicit(&t->chunks[i], c, memory_order_relaxed);
	}
	return t;
}

void wkc_trace_free(wkc_trace *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < MAX_CHUNKS; i++)
		/* relaxed: freeing happens after every writer was joined. */
		free_chunk(atomic_load_explicit(&t->chunks[i], memory_order_relaxed));
	free(t);
}

uint64_t wkc_trace_seq(wkc_trace *t)
{
	/* relaxed: see trace.h; an edge here would hide executor ordering bugs. */
	return atomic_fetch_add_explicit(&t->seq, 1, memory_order_relaxed);
}

static slot *chunk_for(wkc_trace *t, size_t index)
{
	size_t ci = index >> CHUNK_SHIFT;
	slot *c, *fresh, *expected = NULL;
	if (ci >= MAX_CHUNKS)
		return NULL;
	/* acquire: pairs with the acq_rel CAS below when another writer added
	 * this chunk; for the chunks made by wkc_trace_new it orders nothing
	 * new (thread creation already did). */
	c = atomic_load_explicit(&t->chunks[ci], memory_order_acquire);
	if (c != NULL) {
		wkc_annotate_acquire(c); /* the load's acquire (a chunk added late) */
		return c;
	}
	/* Beyond the capacity asked for: rare, and then the edge between two
	 * writers is accepted (the check under-estimated its trace). */
	fresh = new_chunk();
	if (fresh == NULL)
		return NULL;
	/* The CAS's release, keyed by the chunk (a writer-to-writer edge,
	 * accepted here only: see above). */
	wkc_annotate_release(fresh);
	/* acq_rel: release publishes the zeroed chunk, acquire on failure
	 * reads the winner's. */
	if (atomic_compare_exchange_strong_explicit(&t->chunks[ci], &expected, fresh,
						    memory_order_acq_rel, memory_order_acquire))
		return fresh;
	free_chunk(fresh);
	wkc_annotate_acquire(expected); /* the failed CAS's acquire */
	return expected;
}

bool wkc_trace_add(wkc_trace *t, const wkc_event *ev)
{
	/* relaxed: the index only has to be unique. */
	size_t i = atomic_fetch_add_explicit(&t->len, 1, memory_order_relaxed);
	slot *c = chunk_for(t, i);
	slot *s;
	if (c == NULL) {
		/* relaxed: a counter read after the writers finished. */
		atomic_fetch_add_explicit(&t->lost, 1, memory_order_relaxed);
		return false;
	}
	s = &c[i & (CHUNK_EVENTS - 1)];
	s->ev = *ev;
	if (s->ev.ns == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s->ev.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	wkc_annotate_release(&s->ready); /* the store's release (writer -> snapshot) */
	/* release: the oracle's acquire load of ready sees the fields. */
	atomic_store_explicit(&s->ready, 1, memory_order_release);
	return true;
}

void wkc_trace_mark(wkc_trace *t, uint32_t kind, uint32_t task, uint32_t other, int64_t value,
		    uint32_t flags)
{
	wkc_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = ev.end = wkc_trace_seq(t);
	ev.kind = kind;
	ev.task = task;
	ev.other = other;
	ev.value = value;
	ev.flags = flags;
	ev.thread = wk_thread_id();
	wkc_trace_add(t, &ev);
}

static int by_seq(const void *a, const void *b)
{
	const wkc_event *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	/* Equal seq only for synthetic traces; keep the order stable-ish. */
	return x->kind < y->kind ? -1 : x->kind > y->kind;
}

wkc_event *wkc_trace_snapshot(wkc_trace *t, size_t *count)
{
	/* relaxed: writers that matter have finished; late ones are skipped. */
	size_t len = atomic_load_explicit(&t->len, memory_order_relaxed);
	size_t n = 0;
	wkc_event *out = malloc((len ? len : 1) * sizeof *out);
	t->unready = 0;
	if (out == NULL) {
		*count = 0;
		return NULL;
	}
	for (size_t i = 0; i < len; i++) {
		size_t ci = i >> CHUNK_SHIFT;
		slot *c;
		if (ci >= MAX_CHUNKS)
			break;
		/* acquire: see chunk_for. */
		c = atomic_load_explicit(&t->chunks[ci], memory_order_acquire);
		if (c == NULL) {
			t->unready++;
			continue;
		}
		wkc_annotate_acquire(c); /* the load's acquire (see chunk_for) */
		/* acquire: pairs with the writer's release of ready. */
		if (!atomic_load_explicit(&c[i & (CHUNK_EVENTS - 1)].ready, memory_order_acquire)) {
			t->unready++;
			continue;
		}
		wkc_annotate_acquire(&c[i & (CHUNK_EVENTS - 1)].ready); /* the load's acquire */
		out[n++] = c[i & (CHUNK_EVENTS - 1)].ev;
	}
	qsort(out, n, sizeof *out, by_seq);
	*count = n;
	return out;
}

size_t wkc_trace_unready(const wkc_trace *t)
{
	return t->unready;
}

size_t wkc_trace_lost(const wkc_trace *t)
{
	/* relaxed: a statistic. */
	return atomic_load_explicit(&((wkc_trace *)t)->lost, memory_order_relaxed);
}

const char *wkc_ev_kind_name(uint32_t kind)
{
	static const char *const names[WKC_EV_KIND_MAX] = {
		[WKC_EV_SPAWN] = "spawn",
		[WKC_EV_POLL_BEGIN] = "poll-begin",
		[WKC_EV_POLL_END] = "poll-end",
		[WKC_EV_CLONE] = "clone",
		[WKC_EV_WAKE] = "wake",
		[WKC_EV_WAKE_BY_REF] = "wake_by_ref",
		[WKC_EV_DROP_WAKER] = "drop",
		[WKC_EV_FUTURE_DROP] = "future-drop",
		[WKC_EV_WILL_WAKE] = "will_wake",
		[WKC_EV_LIVE_SAMPLE] = "live-sample",
		[WKC_EV_DESTROY_BEGIN] = "destroy-begin",
		[WKC_EV_DESTROY_END] = "destroy-end",
		[WKC_EV_CHECKPOINT] = "checkpoint",
		[WKC_EV_ANOMALY] = "anomaly",
		[WKC_EV_RUN_BEGIN] = "run-begin",
		[WKC_EV_RUN_END] = "run-end",
	};
	return kind < WKC_EV_KIND_MAX && names[kind] ? names[kind] : "?";
}
