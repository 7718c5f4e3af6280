/*
 * ref_tpc.c - adapter "ref.tpc": the reference thread-per-core runtime on
 * OS threads (two cores unless the harness asks otherwise), foreign wakes
 * of every task routed to the owner core's remote queue (the default
 * policy), the cheap waker upgraded on clone.
 *
 * Capabilities, each honoured by the runtime (spec/runtime.md):
 *   THREAD_SAFE_WAKERS  cx waker() is the task's routing waker
 *   LOCAL_WAKERS        cx local_waker() has a plain refcount, owner core only
 *   MULTI_THREAD        one OS thread per core
 *   THREAD_PER_CORE     a task never leaves the core it was spawned on
 *   SPAWN_ON_CORE       spawn takes a core index
 *   SPAWN_LOCAL         WKC_SPAWN_LOCAL maps to WK_TPC_SPAWN_LOCAL
 *   LIVE_TASKS          wk_tpc_live_tasks counts every task object not freed
 *   ANNOTATED           the runtime states its lock-free edges and atomics
 *                       with wkc/annotate.h (helgrind, DRD, TSan)
 */
#include "ref_adapter.h"

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_THREADS,
	.policy = WK_TPC_FOREIGN_ROUTE,
	.default_cores = 2,
	.max_cores = WK_TPC_MAX_CORES,
};

WKC_REF_ADAPTER(wkc__ref_tpc_adapter, "ref.tpc",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_MULTI_THREAD |
		WKC_CAP_THREAD_PER_CORE | WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL |
		WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
