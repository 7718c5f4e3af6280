/*
 * hammer.c - many threads doing the same thing at the same moment
 * (wkc_hammer): they are all created first and released together by a
 * barrier, so their clone / wake / drop calls overlap instead of running
 * one after the other as thread start-up costs would otherwise make them.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "util.h"

typedef struct hammer_thread {
	wkc_ctx *cx;
	unsigned index;
	uint64_t ordinal;
	wkc_hammer_fn fn;
	void *arg;
	pthread_barrier_t *start;
	long result; /* read by the caller after pthread_join */
} hammer_thread;

static void *hammer_main(void *p)
{
	hammer_thread *t = p;
	wkc__pressure_thread(t->ordinal);
	pthread_barrier_wait(t->start);
	t->result = t->fn(t->cx, t->index, t->arg);
	return NULL;
}

void wkc_hammer(wkc_ctx *cx, unsigned nthreads, wkc_hammer_fn fn, void *arg, long *results)
{
	hammer_thread *ts;
	pthread_t *tids;
	pthread_barrier_t start;
	unsigned round;
	int rc;

	if (nthreads == 0)
		return;
	if (nthreads > WKC_HAMMER_MAX)
		wkc__ctx_harness_error(cx, "wkc_hammer: %u threads asked, at most %d", nthreads,
				       WKC_HAMMER_MAX);
	round = ++cx->hammer_rounds;
	ts = wkc__xcalloc(nthreads, sizeof *ts);
	tids = wkc__xcalloc(nthreads, sizeof *tids);
	if (pthread_barrier_init(&start, NULL, nthreads) != 0)
		wkc__ctx_harness_error(cx, "wkc_hammer: pthread_barrier_init failed");
	for (unsigned i = 0; i < nthreads; i++) {
		ts[i].cx = cx;
		ts[i].index = i;
		/* Distinct from the lazily numbered threads (small numbers). */
		ts[i].ordinal = ((uint64_t)round << 32) | i;
		ts[i].fn = fn;
		ts[i].arg = arg;
		ts[i].start = &start;
		rc = pthread_create(&tids[i], NULL, hammer_main, &ts[i]);
		if (rc != 0)
			/* Threads already started wait on the barrier forever;
			 * the process ends here, so they end with it. */
			wkc__ctx_harness_error(cx, "wkc_hammer: cannot start thread %u of %u: %s", i,
					       nthreads, strerror(rc));
	}
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&start);
	if (results != NULL)
		for (unsigned i = 0; i < nthreads; i++)
			results[i] = ts[i].result;
	free(ts);
	free(tids);
}
