/*
 * pressure.c - schedule pressure at the harness's own call sites
 * (wkc_perturb), PCT style.
 *
 * PCT (probabilistic concurrency testing) gives every thread a random
 * priority and lowers the running thread's priority at a few random change
 * points; bugs of small depth then show up with good probability.  An OS
 * scheduler cannot be told priorities from here, so a priority becomes a
 * probability of being delayed at each call site: a high-priority thread
 * mostly runs on, a low-priority one yields, spins or sleeps a few
 * microseconds, opening the race windows between harness threads and the
 * executor's threads.  Every decision comes from the check's seed and the
 * thread's ordinal, so a thread makes the same decisions on a replay; the
 * OS still decides the final interleaving.
 */
#define _POSIX_C_SOURCE 200809L
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "ctx.h"
#include "util.h"
#include "wkc/annotate.h"

enum {
	PRIO_LEVELS = 8,  /* 0 lowest .. 7 highest */
	CHANGE_SPAN = 64, /* a change point every 1..64 calls */
	MAX_SPIN = 4000,  /* ~ a few microseconds */
	MAX_SLEEP_NS = 20000,
};

/* Written once by the child before the check (and so before any of its
 * threads) starts: plain globals, published by pthread_create. */
static bool pressure_on;
static uint64_t pressure_seed;
/* Ordinals for threads that did not get one from wkc_hammer (the check's
 * thread, executor threads).  relaxed: only distinct values matter. */
static _Atomic uint64_t next_ordinal = 1;

typedef struct thread_state {
	bool ready;
	bool low; /* past an odd number of change points: demoted */
	unsigned prio;
	uint64_t rng, calls, next_change;
} thread_state;

static _Thread_local thread_state ts;

static uint64_t next_rand(void)
{
	return wkc__mix64(ts.rng++);
}

void wkc__pressure_init(uint64_t seed, bool on)
{
	pressure_seed = seed;
	pressure_on = on;
	/* For helgrind and DRD, which do not see C11 atomics. */
	wkc_annotate_atomic(&next_ordinal, sizeof next_ordinal);
}

void wkc__pressure_thread(uint64_t ordinal)
{
	ts.rng = wkc__mix64(pressure_seed ^ wkc__mix64(ordinal));
	ts.prio = (unsigned)(next_rand() % PRIO_LEVELS);
	ts.low = false;
	ts.calls = 0;
	ts.next_change = 1 + next_rand() % CHANGE_SPAN;
	ts.ready = true;
}

static void spin(unsigned n)
{
	volatile unsigned sink = 0;
	for (unsigned i = 0; i < n; i++)
		sink = sink + i;
}

void wkc_perturb(wkc_ctx *cx)
{
	uint64_t r;
	unsigned prio;
	(void)cx;
	if (!pressure_on)
		return;
	if (!ts.ready)
		wkc__pressure_thread(atomic_fetch_add_explicit(&next_ordinal, 1, memory_order_relaxed));
	if (++ts.calls >= ts.next_change) {
		/* PCT change point: demote (or restore) this thread. */
		ts.low = !ts.low;
		if (!ts.low)
			ts.prio = (unsigned)(next_rand() % PRIO_LEVELS);
		ts.next_change = ts.calls + 1 + next_rand() % CHANGE_SPAN;
	}
	prio = ts.low ? 0 : ts.prio;
	r = next_rand();
	/* Priority p runs on with probability 2p/16: 7 -> 7/8, 0 -> never. */
	if ((r & 15) < prio * 2)
		return;
	switch ((r >> 8) & 7) {
	case 0: case 1: case 2: case 3:
		sched_yield();
		break;
	case 4: case 5: case 6:
		spin((unsigned)((r >> 16) % MAX_SPIN));
		break;
	default: {
		struct timespec d = {0, (long)(1000 + (r >> 16) % MAX_SLEEP_NS)};
		nanosleep(&d, NULL);
		break;
	}
	}
}
