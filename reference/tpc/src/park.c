/*
 * park.c - sleeping and waking a core (futex), and the monotonic clock.
 *
 * A futex is a 32-bit word the kernel compares before it sleeps: wait(w, v)
 * sleeps only while *w == v, so a waker that changes *w and then calls
 * wake can never be missed.  Every caller loops on its own condition, so a
 * spurious or timed-out return is always harmless.
 */
#include "tpc_internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The kernel reads the word itself; _Atomic uint32_t has the size and
 * representation of uint32_t on Linux. */
static uint32_t *futex_word(_Atomic uint32_t *w)
{
	return (uint32_t *)(void *)w;
}

void wk__tpc_futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec ts, *tsp = NULL;
	if (timeout_ns != UINT64_MAX) {
		ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
		ts.tv_nsec = (long)(timeout_ns % 1000000000u);
		tsp = &ts;
	}
	/* EAGAIN (word changed), EINTR, ETIMEDOUT: the caller re-checks. */
	(void)syscall(SYS_futex, futex_word(word), FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
}

void wk__tpc_futex_wake_all(_Atomic uint32_t *word)
{
	(void)syscall(SYS_futex, futex_word(word), FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

uint64_t wk__tpc_monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
