/*
 * flag.c - the static-flag waker strategy (seed 002, strategy 1;
 * WK-STRAT-001/002): the waker's data is the address of a wk_flag; wake
 * raises it, clone and drop do nothing (the flag outlives every waker).
 *
 * STATES of flag->state
 *   0  clear
 *   1  raised
 *   2  clear, and a thread may be asleep in futex_wait on the word
 *
 * A waker raises with exchange(1) and issues futex_wake only when the old
 * state was 2, so a wake costs one atomic RMW when nobody sleeps.  A waiter
 * announces itself by moving 0 -> 2 before sleeping, and futex_wait only
 * sleeps while the word is still 2, so a raise between the announcement and
 * the sleep is never missed.  Every waiter is woken (several threads may
 * wait on one flag); the ones that lose the race to take the flag announce
 * themselves again and go back to sleep.
 *
 * ORDERING: wake is a release (everything written before the wake is
 * visible after a successful take or wait); take is an acquire.  The pair
 * is also stated with wkc/annotate.h (keyed by the flag) for helgrind and
 * DRD, and the state word is marked atomic whenever a waker of the flag is
 * made: a flag may be static (WK_FLAG_INIT), so it has no init call, and
 * only a waker raises it.
 */
#define _GNU_SOURCE /* syscall() */

#include "wk_internal.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wk_annotate.h"

#define FLAG_CLEAR 0u
#define FLAG_RAISED 1u
#define FLAG_SLEEPER 2u

static const wk_raw_waker_vtable flag_vtable;

static uint32_t *futex_word(wk_flag *flag)
{
	/* The kernel reads the 32-bit word itself; _Atomic uint32_t has the same
	 * size and representation on Linux. */
	return (uint32_t *)(void *)&flag->state;
}

static void futex_wait_while_sleeper(wk_flag *flag)
{
	/* Returns on a wake, on EAGAIN (the word is no longer 2), on EINTR or
	 * spuriously: the caller's loop re-checks the state in every case. */
	(void)syscall(SYS_futex, futex_word(flag), FUTEX_WAIT_PRIVATE, FLAG_SLEEPER, NULL, NULL, 0);
}

static void futex_wake_all(wk_flag *flag)
{
	(void)syscall(SYS_futex, futex_word(flag), FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void flag_raise(wk_flag *flag)
{
	uint32_t old;
	wk__annotate_release(flag); /* the exchange's release */
	/* release: the waker's writes happen-before the take that sees 1. */
	old = atomic_exchange_explicit(&flag->state, FLAG_RAISED, memory_order_release);
	if (old == FLAG_SLEEPER)
		futex_wake_all(flag);
}

bool wk_flag_take(wk_flag *flag)
{
	uint32_t expected = FLAG_RAISED;
	/* acquire on success: pairs with the release in flag_raise.  relaxed on
	 * failure: nothing was taken, nothing to see.  A CAS rather than an
	 * exchange(0): an exchange would also wipe state 2 and strand a thread
	 * asleep in wk_flag_wait (the next raise would see 0 and not wake it). */
	if (!atomic_compare_exchange_strong_explicit(&flag->state, &expected, FLAG_CLEAR,
						     memory_order_acquire, memory_order_relaxed))
		return false;
	wk__annotate_acquire(flag); /* the successful CAS's acquire */
	return true;
}

void wk_flag_wait(wk_flag *flag)
{
	for (;;) {
		uint32_t expected = FLAG_CLEAR;
		if (wk_flag_take(flag))
			return;
		/* relaxed: announcing a sleeper publishes nothing; the futex word
		 * compare in the kernel closes the race with a concurrent raise. */
		if (!atomic_compare_exchange_strong_explicit(&flag->state, &expected, FLAG_SLEEPER,
							     memory_order_relaxed, memory_order_relaxed) &&
		    expected == FLAG_RAISED)
			continue; /* raised meanwhile: take it */
		futex_wait_while_sleeper(flag);
	}
}

wk_waker wk_flag_waker(wk_flag *flag)
{
	if (flag == NULL)
		wk_fatal("wk_flag_waker: flag must not be NULL");
	wk__annotate_atomic(&flag->state, sizeof flag->state);
	return wk_waker_new(flag, &flag_vtable);
}

/* ---- the waker vtable -------------------------------------------------- */

static wk_raw_waker flag_clone(const void *data)
{
	wk_raw_waker raw; /* nothing to count: the flag outlives its wakers */
	raw.data = data;
	raw.vtable = &flag_vtable;
	return raw;
}

static void flag_wake(const void *data)
{
	flag_raise((wk_flag *)data);
}

static void flag_drop(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable flag_vtable = {
	flag_clone,
	flag_wake, /* wake: nothing to release */
	flag_wake, /* wake_by_ref */
	flag_drop,
};
