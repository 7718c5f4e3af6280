/*
 * ref_tpc_abort.c - adapter "ref.tpc_abort": ref.tpc with the other
 * foreign-wake policy.  A wake of a LOCAL task (WKC_SPAWN_LOCAL) from a
 * thread other than its core's aborts the process with
 * "wakerconf: wk_tpc_waker_wake...: foreign wake of local-only task"
 * instead of being routed: the loud alternative to glommio #194 and
 * monoio #120, where such a wake silently touched thread-bound state.
 * Sendable tasks are routed as in ref.tpc.
 *
 * Capabilities: those of ref.tpc (ANNOTATED included) plus
 * FOREIGN_WAKE_ABORTS, so checks that wake a local task from another thread
 * expect the abort (and checks that need such a wake to succeed are
 * skipped).
 */
#include "ref_adapter.h"

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_THREADS,
	.policy = WK_TPC_FOREIGN_ABORT,
	.default_cores = 2,
	.max_cores = WK_TPC_MAX_CORES,
};

WKC_REF_ADAPTER(wkc__ref_tpc_abort_adapter, "ref.tpc_abort",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_MULTI_THREAD |
		WKC_CAP_THREAD_PER_CORE | WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL |
		WKC_CAP_FOREIGN_WAKE_ABORTS | WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
