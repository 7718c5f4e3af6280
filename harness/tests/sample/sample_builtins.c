/* sample_builtins.c - the built-in adapters of the self-test harness: the
 * correct sample executor and its lost-wake variant (sample_exec.c). */
#include "wkc/registry.h"

extern const wkc_adapter sample_adapter;
extern const wkc_adapter sample_lost_wake_adapter;

const wkc_adapter *const wkc_builtin_adapter_list[] = {
	&sample_adapter,
	&sample_lost_wake_adapter,
};
const size_t wkc_builtin_adapter_count =
	sizeof wkc_builtin_adapter_list / sizeof wkc_builtin_adapter_list[0];
