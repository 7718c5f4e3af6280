/*
 * threads.h - start and join a group of worker threads.
 *
 * Workers never assert (cmocka asserts work only on the test's main
 * thread): they write their findings into their argument and the main
 * thread checks them after wkt_run_threads returns.
 */
#ifndef WKT_THREADS_H
#define WKT_THREADS_H

#include <stdbool.h>
#include <stddef.h>

typedef void *(*wkt_thread_fn)(void *arg);

/* Run fn(args + i * arg_size) on n new threads and join them all.
 * False when a thread could not be created (those created are joined). */
bool wkt_run_threads(size_t n, wkt_thread_fn fn, void *args, size_t arg_size);

#endif /* WKT_THREADS_H */
