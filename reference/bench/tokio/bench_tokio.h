/*
 * bench_tokio.h - the C side of the wk_bench_tokio static library (src/lib.rs):
 * the single-core workloads of wk_tpc_bench run on tokio's current_thread
 * runtime, for the side-by-side rows of wk_tpc_bench.  Built only when
 * reference/bench/tokio.cmake finds cargo and Debian's librust-tokio-dev.
 *
 * Every run function performs its workload on a runtime thread, waits for it
 * and returns the operations it performed and verified, 0 on any failure.
 */
#ifndef WK_BENCH_TOKIO_H
#define WK_BENCH_TOKIO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wk_bench_tokio wk_bench_tokio;

/*
 * Start a thread pinned to the first CPU the process may use (where the
 * reference runtime pins its core 0) with a tokio current_thread runtime
 * (Builder::new_current_thread(), no I/O or time driver).  Call before the
 * calling thread pins itself.  *cpu receives the pinned CPU or -1.  NULL on
 * failure.
 */
wk_bench_tokio *wk_bench_tokio_create(int *cpu);
void wk_bench_tokio_destroy(wk_bench_tokio *tk);

/* One task, iters polls each waking itself with cx.waker().wake_by_ref(). */
uint64_t wk_bench_tokio_self_wake(const wk_bench_tokio *tk, uint64_t iters);
/* The same, each poll waking a clone of cx.waker() by value. */
uint64_t wk_bench_tokio_clone_wake(const wk_bench_tokio *tk, uint64_t iters);
/* Two tasks waking each other iters times; returns the wakes (iters + 1). */
uint64_t wk_bench_tokio_pingpong(const wk_bench_tokio *tk, uint64_t iters);
/* iters tasks spawned 256 at a time, each joined through its JoinHandle. */
uint64_t wk_bench_tokio_spawn_complete(const wk_bench_tokio *tk, uint64_t iters);

#ifdef __cplusplus
}
#endif

#endif /* WK_BENCH_TOKIO_H */
