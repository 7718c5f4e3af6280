/*
 * ref_single.c - adapter "ref.single": the reference runtime as a
 * single-thread executor.  Its deterministic mode runs every core on the
 * thread that calls run (the harness's driver) and takes each scheduling
 * choice (which core runs, when a remote queue drains, when virtual time
 * jumps) from a byte stream; here the bytes come from the run's seed, so a
 * failure replays with the seed alone.  One core, whatever the harness asks
 * for: the runtime's deterministic mode can run several cores on the one
 * thread, but THREAD_PER_CORE promises a thread per core (two cores, two
 * threads: WK-EXEC-012), so the adapter never offers a second one (the
 * fuzzers drive multi-core deterministic schedules through the runtime
 * itself, fuzz/targets/tpc_sched.c).  Thread-safe wakers work
 * from any thread: a foreign wake lands in the remote queue and the next
 * run drains it.
 *
 * Capabilities:
 *   THREAD_SAFE_WAKERS  the routing waker, as in ref.tpc
 *   LOCAL_WAKERS        plain-refcount local waker, the driver thread only
 *   THREAD_PER_CORE     a task stays on its core, the one core is the
 *                       driver thread
 *   SPAWN_ON_CORE, SPAWN_LOCAL, LIVE_TASKS, ANNOTATED  as ref.tpc
 * Not MULTI_THREAD: every poll runs on the driver thread.
 */
#include "ref_adapter.h"

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_DETERMINISTIC,
	.policy = WK_TPC_FOREIGN_ROUTE,
	.default_cores = 1,
	.max_cores = 1, /* see the comment at the top */
	.seeded_schedule = true,
};

WKC_REF_ADAPTER(wkc__ref_single_adapter, "ref.single",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_THREAD_PER_CORE |
		WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL | WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
