/*
 * ref_tpc_lazy.c - adapter "ref.tpc_lazy": ref.tpc whose contexts carry no
 * thread-safe waker but an on_waker constructor (WK_TPC_WAKER_ON_WAKER, the
 * extended profile's wk_context_builder_on_waker): each poll gets a context
 * with the task's local waker and fresh lazy storage, and the handle waker
 * is built only if the future asks for it, at most once per poll, and
 * dropped when the poll returns (spec/runtime.md, WK-TPC-030).  What the
 * suite proves here that ref.tpc cannot show: that the executor really is
 * lazy (api.md WK-EXT-008), since the probes ask for the waker only in the
 * steps that use it.
 *
 * Capabilities: those of ref.tpc.  THREAD_SAFE_WAKERS holds because every
 * context can build the waker on demand (wk_context_has_waker is true);
 * cx local_waker() is the plain-count local waker, as in ref.tpc.
 */
#include "ref_adapter.h"

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_THREADS,
	.policy = WK_TPC_FOREIGN_ROUTE,
	.waker_kind = WK_TPC_WAKER_ON_WAKER,
	.default_cores = 2,
	.max_cores = WK_TPC_MAX_CORES,
};

WKC_REF_ADAPTER(wkc__ref_tpc_lazy_adapter, "ref.tpc_lazy",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS | WKC_CAP_MULTI_THREAD |
		WKC_CAP_THREAD_PER_CORE | WKC_CAP_SPAWN_ON_CORE | WKC_CAP_SPAWN_LOCAL |
		WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
