/*
 * bad_adapter.c - shared-library adapters that must fail to load, one
 * defect each (chosen with -DBAD_<KIND>).  Their functions are never called:
 * the loader rejects the table first.
 */
#include <stddef.h>

#include "wkc/adapter.h"

static wkc_executor *bad_create(const wkc_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return NULL;
}
static void bad_destroy(wkc_executor *ex)
{
	(void)ex;
}
static int bad_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	(void)ex;
	(void)fut;
	(void)core;
	(void)flags;
	return -1;
}
#if defined(__GNUC__)
__attribute__((unused)) /* not referenced by the BAD_NULL_RUN table */
#endif
static int bad_run(wkc_executor *ex, uint64_t timeout_ns)
{
	(void)ex;
	(void)timeout_ns;
	return WKC_RUN_IDLE;
}

#define CAPS_OK WKC_CAP_THREAD_SAFE_WAKERS

#if defined(BAD_VERSION_99)
#define VERSION 99
#elif defined(BAD_VERSION_0)
#define VERSION 0
#else
#define VERSION WKC_ABI_VERSION
#endif

#if defined(BAD_LOCAL_ONLY_THREAD_SAFE)
#define CAPS (WKC_CAP_LOCAL_ONLY | WKC_CAP_LOCAL_WAKERS | WKC_CAP_THREAD_SAFE_WAKERS)
#elif defined(BAD_LOCAL_ONLY_NO_LOCAL_WAKERS)
#define CAPS WKC_CAP_LOCAL_ONLY
#elif defined(BAD_FOREIGN_ABORTS_NO_LOCAL)
#define CAPS (CAPS_OK | WKC_CAP_FOREIGN_WAKE_ABORTS)
#elif defined(BAD_LIVE_TASKS_NULL)
#define CAPS (CAPS_OK | WKC_CAP_LIVE_TASKS)
#elif defined(BAD_UNKNOWN_CAPS)
#define CAPS (CAPS_OK | (1u << 20))
#else
#define CAPS CAPS_OK
#endif

static const wkc_adapter table = {
	.abi_version = VERSION,
#if defined(BAD_NAME)
	.name = "Bad Name!",
#else
	.name = "bad",
#endif
	.version = "0",
	.caps = CAPS,
	.create = bad_create,
	.destroy = bad_destroy,
	.spawn = bad_spawn,
#if defined(BAD_NULL_RUN)
	.run = NULL,
#else
	.run = bad_run,
#endif
	.live_tasks = NULL,
	.core_count = NULL,
};

#if defined(BAD_NO_ENTRY)
/* Exports something, but not the entry symbol. */
const wkc_adapter *not_the_entry(void);
const wkc_adapter *not_the_entry(void)
{
	return &table;
}
#else
const wkc_adapter *wkc_adapter_entry(void);
const wkc_adapter *wkc_adapter_entry(void)
{
#if defined(BAD_NULL_TABLE)
	(void)table;
	return NULL;
#else
	return &table;
#endif
}
#endif
