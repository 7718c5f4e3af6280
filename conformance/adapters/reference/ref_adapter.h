/*
 * ref_adapter.h - what the reference adapters share: one executor
 * wrapper over the runtime's per-mode operations (wk_tpc_exec_ops), so that
 * each mode's source only says which mode, which configuration and which
 * capabilities.  Internal to conformance/adapters/reference.
 *
 * OWNERSHIP ON REFUSAL
 *   The runtime drops a future whose spawn fails; the adapter ABI says a
 *   refused future stays the caller's.  So the wrapper refuses, before it
 *   calls the runtime, every spawn the runtime would refuse in a way it can
 *   foresee: a core out of range, a second live task on the single-task
 *   executor, a full slot table.  What it cannot foresee (out of memory, or
 *   the static-flag pool shared by every single-task executor of the process
 *   exhausted: 256 live at once) still ends in the runtime dropping the
 *   future and the wrapper returning -1, so the caller would then own a
 *   future that is already dropped.  Wrapping every future to intercept
 *   that drop would cost every poll an indirection for a case checks never
 *   reach; it is documented here instead.
 */
#ifndef WKC_REF_ADAPTER_H
#define WKC_REF_ADAPTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wk/tpc.h"
#include "wkc/adapter.h"

/* How one adapter sets the runtime up. */
typedef struct wkc__ref_mode {
	wk_tpc_mode mode;
	wk_tpc_foreign_policy policy;
	wk_tpc_waker_kind waker_kind; /* cheap (0, the default) or on_waker */
	unsigned default_cores; /* when the harness asks for 0 */
	unsigned max_cores;     /* largest core count this mode runs */
	bool seeded_schedule;   /* deterministic: schedule bytes from the run's seed */
	bool one_task;          /* spawn refuses while a task is live */
	uint32_t max_tasks;     /* slot table capacity (0: not a slot table) */
} wkc__ref_mode;

/* create/destroy/spawn/run/live_tasks/core_count of every reference mode. */
wkc_executor *wkc__ref_create(const wkc__ref_mode *m, const wkc_config *cfg, char *err,
			      size_t errlen);
void wkc__ref_destroy(wkc_executor *ex);
int wkc__ref_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags);
int wkc__ref_run(wkc_executor *ex, uint64_t timeout_ns);
long wkc__ref_live_tasks(wkc_executor *ex);
uint32_t wkc__ref_core_count(wkc_executor *ex);

/* The adapters (each defined by its mode's source). */
extern const wkc_adapter wkc__ref_tpc_adapter;
extern const wkc_adapter wkc__ref_tpc_abort_adapter;
extern const wkc_adapter wkc__ref_tpc_lazy_adapter;
extern const wkc_adapter wkc__ref_single_adapter;
extern const wkc_adapter wkc__ref_taskid_adapter;
extern const wkc_adapter wkc__ref_flag_adapter;

/*
 * A mode's source ends with WKC_REF_ENTRY(its adapter).  Built as a shared
 * library (WKC_REF_SHARED_ENTRY defined) this exports the one entry symbol
 * of the ABI, so the --adapter path loads the same executor the harness has
 * built in; in the static library of built-ins it expands to nothing.
 */
#ifdef WKC_REF_SHARED_ENTRY
#define WKC_REF_ENTRY(adapter)                                                 \
	__attribute__((visibility("default"))) const wkc_adapter *wkc_adapter_entry(void); \
	const wkc_adapter *wkc_adapter_entry(void)                             \
	{                                                                      \
		return &(adapter);                                             \
	}
#else
#define WKC_REF_ENTRY(adapter)
#endif

#ifndef WKC_REF_VERSION
#define WKC_REF_VERSION "0"
#endif

/*
 * A mode's whole adapter: its create (the shared wkc__ref_create with the
 * file's `static const wkc__ref_mode mode`), its table named `adapter`
 * with the given name and capabilities, and its entry (WKC_REF_ENTRY).
 * Every mode shares the other functions; only the mode and the
 * capabilities differ.
 */
#define WKC_REF_ADAPTER(adapter, name_, caps_)                                 \
	static wkc_executor *create(const wkc_config *cfg, char *err, size_t errlen) \
	{                                                                      \
		return wkc__ref_create(&mode, cfg, err, errlen);               \
	}                                                                      \
	const wkc_adapter adapter = {                                          \
		.abi_version = WKC_ABI_VERSION,                                \
		.name = name_,                                                 \
		.version = WKC_REF_VERSION,                                    \
		.caps = caps_,                                                 \
		.create = create,                                              \
		.destroy = wkc__ref_destroy,                                   \
		.spawn = wkc__ref_spawn,                                       \
		.run = wkc__ref_run,                                           \
		.live_tasks = wkc__ref_live_tasks,                             \
		.core_count = wkc__ref_core_count,                             \
	};                                                                     \
	WKC_REF_ENTRY(adapter)

#endif /* WKC_REF_ADAPTER_H */
