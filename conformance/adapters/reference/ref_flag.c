/*
 * ref_flag.c - adapter "ref.flag": the reference single-task executor.  Its
 * waker is a static-flag waker (seed 002's first strategy): wake raises a
 * flag from a static pool, clone and drop do nothing, so wakers that
 * outlive the task or the executor stay harmless.  It runs ONE task at a
 * time, on the driver thread: spawn refuses (returns -1, the future stays
 * the harness's) while a task is live.
 *
 * Capabilities: only what it honours.
 *   THREAD_SAFE_WAKERS  the flag is atomic: wakes from any thread work
 *   SPAWN_LOCAL         honoured trivially: every poll is on the driver thread
 *   LIVE_TASKS          0 or 1
 *   ANNOTATED           the flag and the runtime state their release/acquire
 *                       pairs and atomics with wkc/annotate.h
 * The ABI (version 1) has no way to say "one task at a time": checks that
 * need two live tasks see their second spawn refused.
 */
#include "ref_adapter.h"

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_SINGLE,
	.policy = WK_TPC_FOREIGN_ROUTE,
	.default_cores = 1,
	.max_cores = 1,
	.one_task = true,
};

WKC_REF_ADAPTER(wkc__ref_flag_adapter, "ref.flag",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_SPAWN_LOCAL | WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
