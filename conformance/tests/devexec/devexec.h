/*
 * devexec.h - a small, correct executor used only by the conformance
 * suite's own tests: every check must pass on it, in each of its modes.
 * It is not a built-in adapter of the harness.
 *
 *   devexec-st      run() polls on the calling thread; thread-safe wakers
 *                   (atomic count) and local wakers (plain count);
 *                   WKC_SPAWN_LOCAL honoured (every task is on one thread).
 *   devexec-mt      two worker threads sharing one queue: tasks move
 *                   between threads; no local wakers.
 *   devexec-tpc     one worker thread per core, a queue per core, tasks
 *                   pinned to the core they were spawned on; local wakers;
 *                   unfinished futures dropped on their core's thread.
 *   devexec-local   like st, but contexts have no thread-safe waker at all
 *                   (WKC_CAP_LOCAL_ONLY).
 *   devexec-bounded like mt, but run() cannot tell idleness
 *                   (WKC_RUN_BOUNDED).
 *
 * Task state machine (idle / scheduled / running / notified / complete)
 * so that a wake during a poll is never lost and a complete task is never
 * polled again; the thread-safe wake never waits for the executor (a
 * short mutex section to push onto an unbounded queue).
 */
#ifndef WKC_DEVEXEC_H
#define WKC_DEVEXEC_H

#include "wkc/adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const wkc_adapter wkc_devexec_st;
extern const wkc_adapter wkc_devexec_mt;
extern const wkc_adapter wkc_devexec_tpc;
extern const wkc_adapter wkc_devexec_local;
extern const wkc_adapter wkc_devexec_bounded;

/* All of them, for loops in tests. */
extern const wkc_adapter *const wkc_devexec_list[];
extern const unsigned wkc_devexec_count;

#ifdef __cplusplus
}
#endif

#endif /* WKC_DEVEXEC_H */
