/*
 * bridge_hooks.h - the C side of the bridge crate: the hook table it calls
 * back (wkc_bridge::Hooks in ../bridge/src/ffi.rs, same layout) and the
 * extern "C" functions the Rust library exports (../executors/src/lib.rs).
 */
#ifndef WKC_RUST_BRIDGE_HOOKS_H
#define WKC_RUST_BRIDGE_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "wk/future.h"

typedef struct wkc_rust_hooks {
	int (*poll)(void *fut, const void *data, const wk_raw_waker_vtable *vtable);
	void (*drop)(void *fut);
	void (*wake_edge)(const void *data);
	void (*freeing)(const void *data);
} wkc_rust_hooks;

/* bridge_hooks.c */
extern const wkc_rust_hooks wkc__rust_hooks;
/* Keys of the poll -> run and destroy -> drop edges (bridge_hooks.c). */
extern char wkc__rust_run_edge;
extern char wkc__rust_destroy_edge;

/* The Rust library. */
typedef struct wkc_rust_exec wkc_rust_exec;
void wkc_rust_set_hooks(const wkc_rust_hooks *hooks);
wkc_rust_exec *wkc_rust_create(int kind, uint32_t cores, char *err, size_t errlen);
void wkc_rust_destroy(wkc_rust_exec *ex);
int wkc_rust_spawn(wkc_rust_exec *ex, void *fut, int local);
int wkc_rust_run(wkc_rust_exec *ex, uint64_t timeout_ns);
uint32_t wkc_rust_core_count(wkc_rust_exec *ex);
size_t wkc_rust_bridge_exercise(wk_raw_waker raw, const char *ops);

#endif /* WKC_RUST_BRIDGE_HOOKS_H */
