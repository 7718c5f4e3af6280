/*
 * trace.c - the event trace (see trace.h for the ordering essay).
 *
 * Storage is a fixed table of chunk pointers; event i lives in chunk
 * i / CHUNK_EVENTS.  Chunks covering the capacity asked for are allocated
 * by wkc_trace_new, before any writer thread exists, so the common path is
 * two relaxed fetch_adds, relaxed stores of the event's words and one
 * release store.
 *
 * WHY THE EVENT IS STORED AS ATOMIC WORDS
 *   An event is written once by one thread and read by the snapshot after
 *   its ready flag (release/acquire).  Its words are relaxed atomics, which
 *   cost what plain moves cost, so that the whole chunk is atomic memory:
 *   helgrind and DRD, which do not see C11 atomics, are told so once per
 *   chunk (wkc/annotate.h) and need no edge from each writer to the
 *   snapshot.  Stating that edge per event instead (a happens-before
 *   annotation beside every ready store) made DRD start a segment per
 *   event, and a check whose probes spin through thousands of polls ran
 *   several times slower under it.  ThreadSanitizer still sees the ready
 *   flag's release/acquire pair.  The counters stay without edges
 *   (trace.h).
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

/* An event as 64-bit words (its padding included). */
#define EV_WORDS ((sizeof(wkc_event) + sizeof(uint64_t) - 1) / sizeof(uint64_t))

typedef struct slot {
	/* The event, relaxed stores and loads (see above). */
	_Atomic uint64_t ev[EV_WORDS];
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

/* A zeroed chunk, marked atomic: every byte of it that is ever accessed is
 * an atomic (zero is their initial value). */
static slot *new_chunk(void)
{
	slot *c = calloc(CHUNK_EVENTS, sizeof *c);
	if (c != NULL)
		wkc_annotate_atomic(c, CHUNK_EVENTS * sizeof *c);
	return c;
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
		free(atomic_load_explicit(&t->chunks[i], memory_order_relaxed));
	free(t);
}

void wkc_trace_reset(wkc_trace *t)
{
	/* relaxed throughout: every writer was joined (trace.h). */
	size_t len = atomic_load_explicit(&t->len, memory_order_relaxed), i;
	size_t cap = (size_t)MAX_CHUNKS * CHUNK_EVENTS;
	if (len > cap)
		len = cap;
	/* Only the ready flags of used slots: a slot is read only when ready,
	 * and its writer fills every word before setting ready again. */
	for (i = 0; i < len; i++) {
		slot *c = atomic_load_explicit(&t->chunks[i >> CHUNK_SHIFT], memory_order_relaxed);
		if (c != NULL)
			atomic_store_explicit(&c[i & (CHUNK_EVENTS - 1)].ready, 0, memory_order_relaxed);
	}
	atomic_store_explicit(&t->seq, 1, memory_order_relaxed);
	atomic_store_explicit(&t->len, 0, memory_order_relaxed);
	atomic_store_explicit(&t->lost, 0, memory_order_relaxed);
	t->unready = 0;
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
	if (c != NULL)
		return c;
	/* Beyond the capacity asked for: rare, and then the edge between two
	 * writers is accepted (the check under-estimated its trace). */
	fresh = new_chunk();
	if (fresh == NULL)
		return NULL;
	/* acq_rel: release publishes the zeroed chunk, acquire on failure
	 * reads the winner's.  (A chunk is atomic memory only: helgrind and
	 * DRD need no edge for it.) */
	if (atomic_compare_exchange_strong_explicit(&t->chunks[ci], &expected, fresh,
						    memory_order_acq_rel, memory_order_acquire))
		return fresh;
	free(fresh);
	return expected;
}

bool wkc_trace_add(wkc_trace *t, const wkc_event *ev)
{
	/* relaxed: the index only has to be unique. */
	size_t i = atomic_fetch_add_explicit(&t->len, 1, memory_order_relaxed);
	slot *c = chunk_for(t, i);
	slot *s;
	wkc_event e;
	uint64_t w[EV_WORDS];
	if (c == NULL) {
		/* relaxed: a counter read after the writers finished. */
		atomic_fetch_add_explicit(&t->lost, 1, memory_order_relaxed);
		return false;
	}
	s = &c[i & (CHUNK_EVENTS - 1)];
	e = *ev;
	if (e.ns == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		e.ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	}
	memset(w, 0, sizeof w);
	memcpy(w, &e, sizeof e);
	for (size_t k = 0; k < EV_WORDS; k++)
		/* relaxed: published by the release store of ready below. */
		atomic_store_explicit(&s->ev[k], w[k], memory_order_relaxed);
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
		slot *c, *s;
		uint64_t w[EV_WORDS];
		if (ci >= MAX_CHUNKS)
			break;
		/* acquire: see chunk_for. */
		c = atomic_load_explicit(&t->chunks[ci], memory_order_acquire);
		if (c == NULL) {
			t->unready++;
			continue;
		}
		s = &c[i & (CHUNK_EVENTS - 1)];
		/* acquire: pairs with the writer's release of ready. */
		if (!atomic_load_explicit(&s->ready, memory_order_acquire)) {
			t->unready++;
			continue;
		}
		for (size_t k = 0; k < EV_WORDS; k++)
			/* relaxed: ordered by the acquire load of ready above. */
			w[k] = atomic_load_explicit(&s->ev[k], memory_order_relaxed);
		memcpy(&out[n++], w, sizeof out[0]);
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
