/*
 * builtin_list.c - the built-in adapters the harness is linked with
 * (wkc/registry.h), in a stable order: the reference runtime in each mode.
 */
#include "ref_adapter.h"
#include "wkc/registry.h"

const wkc_adapter *const wkc_builtin_adapter_list[] = {
	&wkc__ref_tpc_adapter,    &wkc__ref_tpc_abort_adapter, &wkc__ref_single_adapter,
	&wkc__ref_taskid_adapter, &wkc__ref_flag_adapter,    &wkc__ref_tpc_lazy_adapter,
};

const size_t wkc_builtin_adapter_count =
	sizeof wkc_builtin_adapter_list / sizeof wkc_builtin_adapter_list[0];
