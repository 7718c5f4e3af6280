/*
 * wkc/registry.h - the lists the harness is built with (internal).
 *
 * conformance/ defines both: the checks (conformance/tests/check_list.h)
 * and the built-in adapters (conformance/adapters/: the reference runtime in
 * each of its modes).  The harness only iterates them.
 */
#ifndef WKC_REGISTRY_H
#define WKC_REGISTRY_H

#include <stddef.h>

#include "wkc/adapter.h"
#include "wkc/check.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All checks, in a stable order. */
extern const wkc_check wkc_check_list[];
extern const size_t wkc_check_count;

/* All built-in adapters, in a stable order. */
extern const wkc_adapter *const wkc_builtin_adapter_list[];
extern const size_t wkc_builtin_adapter_count;

#ifdef __cplusplus
}
#endif

#endif /* WKC_REGISTRY_H */
