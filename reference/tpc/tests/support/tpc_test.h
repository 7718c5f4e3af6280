/*
 * tpc_test.h - what the runtime's tests share: probe futures that count
 * their polls and drops, scaling of stress sizes, a child-process abort
 * check, and a small thread helper.
 *
 * cmocka asserts work only on the test's main thread: code running on core
 * threads or helper threads records into atomics, the main thread asserts.
 */
#ifndef WK_TPC_TEST_H
#define WK_TPC_TEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/tpc.h"

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

/* ---- probes ------------------------------------------------------------------ */

typedef struct probe probe;
/* The probe's behaviour; called from its poll after the counters. */
typedef wk_poll (*probe_fn)(probe *p, const wk_context *cx, void **output);

struct probe {
	wk_future base;
	probe_fn fn;
	void (*on_drop)(probe *p);  /* optional, runs inside the drop */
	_Atomic int polls;
	_Atomic int drops;
	_Atomic int ready;          /* returned WK_READY */
	_Atomic int poll_after_ready;
	_Atomic int concurrent;     /* polls overlapping another poll */
	_Atomic int in_poll;
	_Atomic int core;           /* wk_tpc_current_core() of the last poll */
	_Atomic int core_changes;   /* polls on a core other than the first one */
	_Atomic int first_core;
	_Atomic unsigned long thread; /* pthread_self() of the last poll */
	_Atomic int thread_changes;
	_Atomic int drop_core;       /* wk_tpc_current_core() inside the drop */
	_Atomic unsigned long drop_thread; /* pthread_self() inside the drop */
	int n;                      /* free for the behaviour (owner core only) */
	int limit;                  /* free for the behaviour */
	void *user;                 /* free for the behaviour */
	bool has_waker;
	wk_waker waker;             /* free for the behaviour */
	bool has_local;
	wk_local_waker local;       /* free for the behaviour */
};

void probe_init(probe *p, probe_fn fn, void *user);
/* An on_drop that frees a heap probe. */
void probe_free(probe *p);
/* Poll count and drop count, as seen by the main thread. */
int probe_polls(probe *p);
int probe_drops(probe *p);

/* Ready at once (output = user). */
wk_poll probe_ready(probe *p, const wk_context *cx, void **output);
/* Pending forever, never wakes itself. */
wk_poll probe_pending(probe *p, const wk_context *cx, void **output);
/* Wakes itself through the local waker until it was polled limit times. */
wk_poll probe_self_wake_local(probe *p, const wk_context *cx, void **output);
/* Same through the context's thread-safe waker (by reference). */
wk_poll probe_self_wake_waker(probe *p, const wk_context *cx, void **output);
/* Wakes itself through the local waker on every poll, forever. */
wk_poll probe_forever_self_wake(probe *p, const wk_context *cx, void **output);
/* Stores a clone of the thread-safe waker in p->waker on the first poll,
 * pending until p->limit (set from outside, atomically) polls happened. */
wk_poll probe_store_waker(probe *p, const wk_context *cx, void **output);

/* Drop any waker the probe still holds (call on the probe's core for the
 * local one, or after the runtime is gone for the thread-safe one). */
void probe_release_wakers(probe *p);

/* ---- sizes, timing ------------------------------------------------------------- */

/* n divided by the WK_TEST_SCALE divisor (at least 1). */
unsigned long tpc_scaled(unsigned long n);
uint64_t tpc_now_ns(void);
/* Spin (with sched_yield) until *flag != 0 or timeout_ms passes; 1 if set. */
int tpc_wait_flag(_Atomic int *flag, unsigned timeout_ms);

/* ---- abort checks ---------------------------------------------------------------- */

/*
 * Run fn(arg) in a child process; assert (on the main thread) that it dies
 * by SIGABRT and that its stderr contains every NULL-terminated substring.
 */
void tpc_expect_abort(void (*fn)(void *arg), void *arg, ...);

/* ---- threads ------------------------------------------------------------------------ */

pthread_t tpc_thread_start(void *(*fn)(void *arg), void *arg);
void tpc_thread_join(pthread_t t);

/* A runtime config in one line. */
wk_tpc_config tpc_config(wk_tpc_mode mode, unsigned cores);
/* A runtime made from tpc_config(mode, cores); NULL when creation fails. */
wk_tpc_runtime *tpc_runtime(wk_tpc_mode mode, unsigned cores);

#endif /* WK_TPC_TEST_H */
