/*
 * wkf.h - what every fuzz target shares: how a violation ends the run.
 *
 * A violation prints "wakerconf fuzz: <target>: <what>" and the input's
 * name, then aborts: libFuzzer and AFL++ save the input as a crash, the
 * replay build exits with SIGABRT and ctest fails.
 */
#ifndef WKF_H
#define WKF_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <stddef.h>
#include <stdint.h>

/* A warm-up (fuzz_main.h, WKF_WARMUP) runs only in the AFL++ build. */
#if defined(__GNUC__)
#define WKF_UNUSED __attribute__((unused))
#else
#define WKF_UNUSED
#endif

/* The target's entry point (libFuzzer's name, used by all three builds). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Defined by fuzz_main.h (the input being run, for messages). */
const char *wkf_current_input(void);

#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 2, 3)))
#endif
static inline void wkf_fail(const char *target, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "wakerconf fuzz: %s: ", target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nwakerconf fuzz: input: %s\n", wkf_current_input());
	fflush(stderr);
	abort();
}

#endif /* WKF_H */
