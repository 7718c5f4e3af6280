/*
 * join_probe.h - what the join tests share: a probe future that records how
 * it is polled and dropped, the two join versions behind one table, and
 * parent contexts of the shapes an executor hands out.
 *
 * Probes live in memory the test owns (arrays on the test's stack or in a
 * fixture): the join's drop of a probe runs its drop function, which
 * releases the wakers the probe kept and counts the drop, but frees nothing,
 * so a test can still read a probe's record after the join is gone.
 */
#ifndef WKJT_JOIN_PROBE_H
#define WKJT_JOIN_PROBE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/join.h"

/* ---- the two versions ----------------------------------------------------- */

typedef wk_future *(*wkjt_join_ctor)(wk_future *const *children, size_t n);

typedef struct wkjt_kind {
	const char *name;
	wkjt_join_ctor make;
	bool local; /* children get local wakers; the parent's local waker is woken */
} wkjt_kind;

extern const wkjt_kind wkjt_kind_local;
extern const wkjt_kind wkjt_kind_sync;

/* ---- probe ------------------------------------------------------------------ */

typedef struct wkjt_probe {
	wk_future base;
	unsigned index;

	/* Behaviour, set by the test before the first poll. */
	unsigned ready_at;      /* return Ready on this poll (1-based); 0: never */
	void *output;           /* what Ready returns */
	unsigned self_wake_at;  /* wake own local waker by ref during this poll; 0: never */
	int wake_sibling;       /* during poll 1, wake this sibling's exported waker; -1: none */
	bool keep_local;        /* keep a clone of the context's local waker (clone_from) */
	bool export_local;      /* on poll 1, clone the local waker into `exported` */
	bool export_waker;      /* on poll 1, clone the thread-safe waker into `exported_waker` */
	bool ask_waker;         /* call wk_context_try_waker on every poll (builds a lazy one) */
	struct wkjt_probe *siblings; /* for wake_sibling */

	/* Record. */
	unsigned polls;
	unsigned drops;
	bool polled_after_drop;
	bool had_try_waker;     /* ask_waker: wk_context_try_waker was non-NULL on the last poll */
	void *seen_ext;         /* wk_context_ext of the last poll */
	const void *seen_local_data; /* data pointer of the last poll's local waker */
	const void *seen_waker_data; /* ask_waker: data pointer of the last poll's waker */
	_Atomic unsigned long message;  /* see the thread tests */
	unsigned long acked;            /* plain: read by the test after joins */
	unsigned long payload;          /* plain: written by a waking thread before its wake */

	/* Wakers the probe holds. */
	wk_local_waker kept;
	bool has_kept;
	wk_local_waker exported;
	bool has_exported;
	wk_waker exported_waker;
	bool has_exported_waker;
} wkjt_probe;

/* Initialise probes[0..n): never ready, nothing kept, index i. */
void wkjt_probes_init(wkjt_probe *probes, size_t n);
/* Fill children[i] = &probes[i].base. */
void wkjt_children(wkjt_probe *probes, wk_future **children, size_t n);
/* A join of kind k whose children are probes[0..n) (n <= WK_JOIN_MAX + 1),
 * set up as the test wants them: what k->make returns, NULL when it
 * refuses. */
wk_future *wkjt_join_of(const wkjt_kind *k, wkjt_probe *probes, size_t n);

/* Drop the wakers probes exported to the test (they outlive the join). */
void wkjt_release_exported(wkjt_probe *probes, size_t n);

/*
 * Hand-over hook for the thread tests: a probe whose `message` (atomic,
 * written by another thread) differs from `acked` reads `payload` and acks
 * it.  NULL by default; see test_join_threads.c.
 */
extern void (*wkjt_on_poll)(wkjt_probe *p);

/* ---- parent contexts ------------------------------------------------------- */

/*
 * A parent task as an executor would present it: a counted thread-safe
 * waker and, unless local_only, that same waker as the context's waker; a
 * separate counted local waker when split is set (a thread-per-core
 * runtime's task), else the waker viewed as local.  All counters come from
 * reference/tests/support/counting_vtable.h.
 */
#include "counting_vtable.h"

typedef struct wkjt_parent {
	wkt_counter ts;    /* the thread-safe waker's counts */
	wkt_counter local; /* the local waker's counts (split or local_only) */
	wk_waker waker;
	wk_local_waker local_waker;
	wk_context cx;
} wkjt_parent;

/* Context with a thread-safe waker, viewed as the local waker too. */
void wkjt_parent_ts(wkjt_parent *p);
/* Context with a thread-safe waker and a distinct local waker. */
void wkjt_parent_split(wkjt_parent *p);
/* Context with only a local waker (extended profile). */
void wkjt_parent_local_only(wkjt_parent *p);

/* Wakes the parent received through whichever waker the join should use. */
long wkjt_parent_wakes(wkjt_parent *p, const wkjt_kind *k);

#endif /* WKJT_JOIN_PROBE_H */
