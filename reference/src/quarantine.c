/*
 * quarantine.c - checked builds only: a small ring of dead, poisoned
 * wk_wake / wk_local_wake blocks kept instead of freed at once.
 *
 * Why: a release after the last reference went would otherwise read freed
 * memory (undefined behaviour, usually silent).  While a block sits here
 * its header says "dead, count 0", so the late release reads valid memory
 * and aborts with "refcount underflow" (WK-WAKE-007).  The ring is bounded:
 * the oldest block is freed when a new one arrives, so detection covers
 * the last QUARANTINE_SIZE deaths, which is what a test or a fuzz run needs.
 *
 * The ring is reachable from a static, so leak checkers see "still
 * reachable", not a leak.  A mutex is fine: this is the checked build, and
 * the path runs once per object death.
 */
#include "wk_internal.h"

#if WK_CHECKED

#include <pthread.h>
#include <stdlib.h>

#define QUARANTINE_SIZE 256u

static pthread_mutex_t quarantine_lock = PTHREAD_MUTEX_INITIALIZER;
static void *quarantine_ring[QUARANTINE_SIZE];
static size_t quarantine_next; /* guarded by quarantine_lock */

void wk__quarantine_put(void *block)
{
	void *evicted;

	pthread_mutex_lock(&quarantine_lock);
	evicted = quarantine_ring[quarantine_next];
	quarantine_ring[quarantine_next] = block;
	quarantine_next = (quarantine_next + 1) % QUARANTINE_SIZE;
	pthread_mutex_unlock(&quarantine_lock);
	free(evicted); /* outside the lock: free(NULL) while the ring fills */
}

#else

/* ISO C forbids an empty translation unit. */
typedef int wk__quarantine_unused;

#endif
