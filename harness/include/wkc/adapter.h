/*
 * wkc/adapter.h - the executor adapter ABI of wakerconf.
 *
 * An executor is certified by plugging it into the harness through one
 * wkc_adapter: a table of a few functions.  The harness supplies the futures
 * (probe futures written against wk/future.h and wk/context.h); the executor
 * supplies the tasks, the wakers and the context each poll gets.
 *
 * VERSIONING (modelled on sqlite3_vfs)
 *   abi_version is the first field and tells which fields exist.  Fields are
 *   only ever appended; each block below says from which version it is
 *   valid.  The harness reads abi_version first, refuses versions it does
 *   not know (0, or above WKC_ABI_VERSION of the harness) with a clear
 *   error, and never touches a field newer than the adapter's version.  An
 *   adapter built against an older header keeps working with a newer
 *   harness.
 *
 * LOADING
 *   Built-in adapters are compiled into the harness.  A third-party adapter
 *   is a shared library exporting exactly one entry symbol:
 *
 *       const wkc_adapter *wkc_adapter_entry(void);
 *
 *   loaded with `wakerconf run --adapter path/to/libmyexec.so`.  The
 *   harness reports, as a failed load and never as a crash: a missing
 *   symbol, a NULL table, an unknown abi_version, a NULL required function,
 *   and contradictory capability flags.
 *
 * THREADING
 *   create, spawn (without WKC_SPAWN_FROM_ANY_THREAD), run, live_tasks and
 *   destroy are called from one harness thread (the "driver").  Probe
 *   futures may clone, wake and drop their wakers from any thread at any
 *   time, including after the task completed and after destroy returned:
 *   the contract of spec/executor.md says what the executor must survive.
 *
 * OWNERSHIP
 *   spawn transfers ownership of the future to the executor, which must
 *   poll it per wk/future.h and call its drop exactly once: after Ready, or
 *   when destroyed unfinished.  The probe's output (void *) is ignored by
 *   the harness unless a check joins it itself.
 */
#ifndef WKC_ADAPTER_H
#define WKC_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#include "wk/future.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The newest ABI version this header describes. */
#define WKC_ABI_VERSION 1

/* Name of the one symbol a shared-library adapter exports. */
#define WKC_ADAPTER_ENTRY_SYMBOL "wkc_adapter_entry"

/* ---- capabilities ------------------------------------------------------ */

/*
 * What the executor claims.  Checks that need a capability the executor
 * lacks are skipped with the reason; a claim the executor does not honour
 * fails the checks that test it.
 */
enum wkc_capability {
	/* cx waker() is a real thread-safe waker: wakes from any thread work. */
	WKC_CAP_THREAD_SAFE_WAKERS = 1u << 0,
	/* cx local_waker() is a specialised local waker (not just the waker). */
	WKC_CAP_LOCAL_WAKERS = 1u << 1,
	/* Tasks may be polled on more than one OS thread. */
	WKC_CAP_MULTI_THREAD = 1u << 2,
	/* One executor per core: a task is polled only on the core (thread)
	 * it was spawned on. */
	WKC_CAP_THREAD_PER_CORE = 1u << 3,
	/* spawn honours a core index. */
	WKC_CAP_SPAWN_ON_CORE = 1u << 4,
	/* spawn honours WKC_SPAWN_LOCAL (task is confined to one thread). */
	WKC_CAP_SPAWN_LOCAL = 1u << 5,
	/* Contexts have no thread-safe waker at all (extended profile): cx
	 * waker() aborts loudly and try_waker() is NULL.  Excludes
	 * WKC_CAP_THREAD_SAFE_WAKERS. */
	WKC_CAP_LOCAL_ONLY = 1u << 6,
	/* A foreign-thread wake of a local task aborts the process with a
	 * message instead of being routed (a policy, not a bug). */
	WKC_CAP_FOREIGN_WAKE_ABORTS = 1u << 7,
	/* live_tasks is implemented and exact. */
	WKC_CAP_LIVE_TASKS = 1u << 8,
	/* The adapter marks its executor's wake -> poll edges (and, where its
	 * synchronisation is lock-free, its reference counts) with
	 * wkc/annotate.h, so that ThreadSanitizer (executor code not
	 * instrumented) and helgrind/DRD (C11 atomics unseen) can judge races
	 * soundly.  Verdicts of those profiles then say "(annotated)". */
	WKC_CAP_ANNOTATED = 1u << 9,
};

/* spawn flags */
enum wkc_spawn_flag {
	/* The future is not sendable: the executor must poll it only on the
	 * thread that owns the core it runs on. */
	WKC_SPAWN_LOCAL = 1u << 0,
};

/* run() results */
enum wkc_run_result {
	/* Every task is complete or pending with no wake outstanding. */
	WKC_RUN_IDLE = 0,
	/* The deadline passed while tasks were still runnable. */
	WKC_RUN_TIMEOUT = 1,
	/* The executor cannot tell idleness; it ran until the deadline. */
	WKC_RUN_BOUNDED = 2,
};

/* Any core. */
#define WKC_ANY_CORE (-1)

typedef struct wkc_executor wkc_executor; /* opaque, owned by the adapter */

typedef struct wkc_config {
	uint32_t size;  /* sizeof(wkc_config) as the harness knows it */
	uint32_t cores; /* cores/threads wanted; 0 = the adapter's default */
	uint64_t seed;  /* the run's seed, for executors with randomness */
} wkc_config;

typedef struct wkc_adapter {
	/* ---- valid for abi_version >= 1 ------------------------------------ */
	int abi_version;     /* WKC_ABI_VERSION the adapter was built with */
	const char *name;    /* short identifier, [a-z0-9_.-]+ */
	const char *version; /* the executor's version string */
	uint32_t caps;       /* enum wkc_capability bits */

	/*
	 * Create an executor.  On failure return NULL and write a reason into
	 * err (NUL-terminated, at most errlen bytes).  Required.
	 */
	wkc_executor *(*create)(const wkc_config *cfg, char *err, size_t errlen);

	/*
	 * Tear down: drop every unfinished future exactly once, free what the
	 * executor owns.  Wakers still held elsewhere must stay safe to wake,
	 * clone and drop afterwards.  Required.
	 */
	void (*destroy)(wkc_executor *ex);

	/*
	 * Take ownership of fut and schedule its first poll.  core is a core
	 * index below the core count or WKC_ANY_CORE; flags are wkc_spawn_flag
	 * bits.  Returns 0, or -1 when the executor refuses (the future is then
	 * still owned by the caller).  Required.
	 */
	int (*spawn)(wkc_executor *ex, wk_future *fut, int core, uint32_t flags);

	/*
	 * Drive the executor until it is idle or timeout_ns has passed; for
	 * executors whose threads run by themselves this waits.  Returns an
	 * enum wkc_run_result.  May be called many times.  Required.
	 */
	int (*run)(wkc_executor *ex, uint64_t timeout_ns);

	/*
	 * Number of task objects still allocated (complete or not), or -1 when
	 * unknown.  Optional (NULL); exact when WKC_CAP_LIVE_TASKS is set.
	 */
	long (*live_tasks)(wkc_executor *ex);

	/* Number of cores the executor actually runs.  Optional (NULL = 1). */
	uint32_t (*core_count)(wkc_executor *ex);
	/* ---- end of version 1 ---------------------------------------------- */
} wkc_adapter;

/* The entry point a shared-library adapter exports. */
typedef const wkc_adapter *(*wkc_adapter_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* WKC_ADAPTER_H */
