/*
 * expect_abort.h - run a misuse case in a child process and check that it
 * aborts with the expected message.
 *
 * Misuse of the reference API ends in abort(): running it in the test's own
 * process would kill the whole test binary.  wkt_child_aborts forks, points
 * the child's stderr at a pipe, runs the callback there and reports whether
 * the child died by SIGABRT with every expected substring in its stderr.
 * On any mismatch it prints what happened and the captured text, so the
 * test log explains the failure.
 *
 * Call it only while the calling process has a single thread (fork copies
 * just the caller; ThreadSanitizer also refuses threads in the child of a
 * multi-threaded fork).  The callback may create threads in the child.
 */
#ifndef WKT_EXPECT_ABORT_H
#define WKT_EXPECT_ABORT_H

#include <stdbool.h>

typedef void (*wkt_child_fn)(void *arg);

/*
 * True when fn(arg), run in a child process, ends in SIGABRT and the
 * child's stderr contains each of the NULL-terminated needles.  A needle
 * that starts with '!' must NOT appear (the rest of it is the text), e.g.
 * "!vtable called" to prove that an abort came before a vtable call.  A
 * callback that returns counts as a failure ("did not abort").
 */
#if defined(__GNUC__)
__attribute__((sentinel))
#endif
bool wkt_child_aborts(wkt_child_fn fn, void *arg, ...);

/* cmocka form: fails the current test when the child did not abort as expected. */
#define WKT_EXPECT_ABORT(fn, arg, ...)                                          \
	assert_true(wkt_child_aborts((fn), (arg), __VA_ARGS__, (const char *)NULL))

#endif /* WKT_EXPECT_ABORT_H */
