/*
 * rust_adapter.c - the C side of a Rust adapter: its wkc_adapter table.
 *
 * One file, compiled once per adapter with
 *   WKC_RUST_KIND     the executor kind of ../executors/src/lib.rs
 *   WKC_RUST_NAME     the adapter's name ("tokio.current_thread")
 *   WKC_RUST_VERSION  the executor crate and version ("tokio 1.24.2")
 *   WKC_RUST_CAPS     its capability claims (enum wkc_capability bits)
 * and linked with the Rust staticlib.  This is the part built with the
 * preset's sanitizer (-fsanitize=thread / address,undefined): it is where
 * the harness's futures are polled and dropped and where the annotations
 * of wkc/annotate.h are issued.  The Rust side is never instrumented.
 *
 * The functions the bridge calls back, and the annotations they issue, are
 * in bridge_hooks.c.
 */
#include <stdint.h>
#include <stdio.h>

#include "bridge_hooks.h"
#include "wkc/adapter.h"
#include "wkc/annotate.h"

#if !defined(WKC_RUST_KIND) || !defined(WKC_RUST_NAME) || !defined(WKC_RUST_VERSION) ||         \
	!defined(WKC_RUST_CAPS)
#error "define WKC_RUST_KIND, WKC_RUST_NAME, WKC_RUST_VERSION and WKC_RUST_CAPS"
#endif

/* ---- the adapter ------------------------------------------------------------ */

static wkc_executor *rust_create(const wkc_config *cfg, char *err, size_t errlen)
{
	/* cfg->seed: none of these executors takes a seed. */
	uint32_t cores = cfg != NULL ? cfg->cores : 0;
	wkc_rust_exec *ex;
	wkc_rust_set_hooks(&wkc__rust_hooks);
	ex = wkc_rust_create(WKC_RUST_KIND, cores, err, errlen);
	if (ex == NULL && errlen > 0 && err[0] == '\0')
		snprintf(err, errlen, "%s: create failed", WKC_RUST_NAME);
	return (wkc_executor *)ex;
}

static void rust_destroy(wkc_executor *ex)
{
	wkc_annotate_release(&wkc__rust_destroy_edge);
	wkc_rust_destroy((wkc_rust_exec *)ex);
}

static int rust_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	(void)core; /* no SPAWN_ON_CORE: the executor places tasks itself */
	wkc_annotate_release(fut);
	return wkc_rust_spawn((wkc_rust_exec *)ex, fut, (flags & WKC_SPAWN_LOCAL) != 0);
}

static int rust_run(wkc_executor *ex, uint64_t timeout_ns)
{
	int r = wkc_rust_run((wkc_rust_exec *)ex, timeout_ns);
	wkc_annotate_acquire(&wkc__rust_run_edge);
	return r == 0 ? WKC_RUN_IDLE : WKC_RUN_TIMEOUT;
}

static uint32_t rust_core_count(wkc_executor *ex)
{
	return wkc_rust_core_count((wkc_rust_exec *)ex);
}

static const wkc_adapter rust_adapter = {
	.abi_version = WKC_ABI_VERSION,
	.name = WKC_RUST_NAME,
	.version = WKC_RUST_VERSION,
	.caps = WKC_RUST_CAPS,
	.create = rust_create,
	.destroy = rust_destroy,
	.spawn = rust_spawn,
	.run = rust_run,
	/* The executors free their task objects when the last waker goes,
	 * out of the adapter's sight: no exact count (no WKC_CAP_LIVE_TASKS);
	 * leaks are Valgrind memcheck's to judge. */
	.live_tasks = NULL,
	.core_count = rust_core_count,
};

const wkc_adapter *wkc_adapter_entry(void);
const wkc_adapter *wkc_adapter_entry(void)
{
	return &rust_adapter;
}
