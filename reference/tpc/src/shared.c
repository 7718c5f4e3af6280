/*
 * shared.c - the part of a runtime that outlives it: the remote queues and
 * the task counter, in one refcounted block.
 *
 * A thread-safe waker may be woken after its runtime is gone (WK-TPC-013).
 * It then pushes onto its core's remote queue, finds it CLOSED and gives
 * up; for that the queue's memory must still exist.  So every handle holds
 * a reference on this block, as do orphaned tasks and tasks with a shared
 * join handle (they update the counter when they are finally freed), and
 * the runtime holds one until wk_tpc_destroy.  The last release frees it.
 *
 * ORDERING: retain relaxed (a reference is only ever made from an existing
 * one); release acq_rel (release publishes the holder's last uses of the
 * block, acquire on the final one sees them all before the free; an RMW
 * rather than release + fence because ThreadSanitizer ignores fences).
 * The same pair is stated with wkc/annotate.h for helgrind and DRD.
 */
#include "tpc_internal.h"

#include <stdlib.h>
#include <string.h>

#include "wk_annotate.h"

wk__tpc_shared *wk__tpc_shared_new(unsigned ncores, wk_tpc_foreign_policy policy)
{
	size_t head = (sizeof(wk__tpc_shared) + WK__TPC_CACHELINE - 1) &
		      ~(size_t)(WK__TPC_CACHELINE - 1);
	size_t size = head + (size_t)ncores * sizeof(wk__tpc_rqueue);
	unsigned i;
	void *block;
	wk__tpc_shared *s;

	size = (size + WK__TPC_CACHELINE - 1) & ~(size_t)(WK__TPC_CACHELINE - 1);
	block = aligned_alloc(WK__TPC_CACHELINE, size);
	if (block == NULL)
		return NULL;
	memset(block, 0, size);
	s = block;
	atomic_init(&s->refs, 1);
	wk__annotate_atomic(&s->refs, sizeof s->refs);
	atomic_init(&s->foreign_tasks, 0);
	wk__annotate_atomic(&s->foreign_tasks, sizeof s->foreign_tasks);
	s->ncores = ncores;
	s->policy = policy;
	s->queues = (wk__tpc_rqueue *)(void *)((char *)block + head);
	for (i = 0; i < ncores; i++)
		wk__tpc_rq_init(&s->queues[i]);
	return s;
}

void wk__tpc_shared_retain(wk__tpc_shared *s)
{
	/* relaxed: made from a reference the caller already holds. */
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

void wk__tpc_shared_release(wk__tpc_shared *s)
{
	unsigned i;
	/* The release half of the decrement below. */
	wk__annotate_release(&s->refs);
	/* acq_rel: see the file comment. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) != 1)
		return;
	/* The acquire half of the last decrement. */
	wk__annotate_acquire(&s->refs);
	wk__annotate_freeing(&s->refs);
	for (i = 0; i < s->ncores; i++)
		wk__annotate_freeing(&s->queues[i]); /* remote_queue.c's edges */
	free(s);
}
