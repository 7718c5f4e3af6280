/*
 * dx_shared.c - the block the executor shares with its tasks and wakers:
 * the run queue, its mutex and condition variable, the task counter, and
 * the reference count that keeps all of it alive while a waker may still
 * touch it.
 *
 * RUN QUEUE
 *   A FIFO of tasks under one mutex.  Any thread pushes (a wake) and
 *   signals the condition variable inside the same short critical section;
 *   only the driver pops, and it parks on the condition variable with a
 *   predicate loop, so a push that lands between the driver's last look
 *   and its wait is still seen: the push needs the mutex the driver holds
 *   from its look to its wait.  The mutex also orders everything the
 *   waking thread wrote before its push before the driver's pop.
 *
 * LIFETIME
 *   `refs`: the executor's reference plus one per task.  Whoever drops the
 *   last one (destroy, or the last waker of the last task, on any thread)
 *   frees the block.  Retain relaxed (made from a held reference), release
 *   acq_rel (the last one sees every holder's use before the free; not
 *   release + fence, which ThreadSanitizer ignores).
 *
 * ANNOTATIONS
 *   The block's count: wkc_annotate_release before every decrement,
 *   wkc_annotate_acquire when it reached zero, wkc_annotate_freeing before
 *   the free.  A push releases on the same object (see dx_queue_push).
 *
 * BUGS in this file: DX_BUG_LOST_UNPARK (see dx_queue_park).
 */
#include "dx.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "wkc/annotate.h"

dx_shared *dx_shared_new(void)
{
	dx_shared *s = calloc(1, sizeof *s);
	pthread_condattr_t ca;
	if (s == NULL)
		return NULL;
	if (pthread_mutex_init(&s->m, NULL) != 0) {
		free(s);
		return NULL;
	}
	if (pthread_condattr_init(&ca) != 0) {
		pthread_mutex_destroy(&s->m);
		free(s);
		return NULL;
	}
	/* The deadlines of run() are CLOCK_MONOTONIC: immune to clock jumps. */
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&s->c, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		pthread_mutex_destroy(&s->m);
		free(s);
		return NULL;
	}
	pthread_condattr_destroy(&ca);
	atomic_init(&s->refs, 1); /* the executor's */
	wkc_annotate_atomic(&s->refs, sizeof s->refs);
	atomic_init(&s->live, 0);
	wkc_annotate_atomic(&s->live, sizeof s->live);
	return s;
}

void dx_shared_retain(dx_shared *s)
{
	/* relaxed: made from a reference the caller holds; it cannot be zero. */
	atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
}

static void shared_free(dx_shared *s)
{
	pthread_cond_destroy(&s->c);
	pthread_mutex_destroy(&s->m);
	wkc_annotate_freeing(&s->refs);
	free(s);
}

void dx_shared_release(dx_shared *s)
{
	wkc_annotate_release(&s->refs);
	/* acq_rel: publishes this holder's use; the last one sees all before the free. */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
		wkc_annotate_acquire(&s->refs);
		shared_free(s);
	}
}

/* ---- the run queue ------------------------------------------------------------- */

bool dx_queue_push(dx_shared *s, dx_task *t)
{
	bool queued = false;
	pthread_mutex_lock(&s->m);
	if (!s->closed) {
		t->qnext = NULL;
		if (s->tail != NULL)
			s->tail->qnext = t;
		else
			s->head = t;
		s->tail = t;
		queued = true;
		/* Under the mutex: the driver is either before its look at
		 * the queue (and will see t) or inside its wait (and gets
		 * this signal).  Only the driver waits here. */
		pthread_cond_signal(&s->c);
	}
	pthread_mutex_unlock(&s->m);
	/* The pusher may be a foreign thread whose next step is dropping its
	 * waker, and that task reference is what keeps this block (and so the
	 * mutex and condvar just used) alive: the push happens-before the
	 * block's free through the task's count and then the block's, both
	 * acq_rel.  The task's count is not annotated (dx_task.c), so the edge
	 * is stated here, on the object the free acquires. */
	wkc_annotate_release(&s->refs);
	return queued;
}

static dx_task *pop_locked(dx_shared *s)
{
	dx_task *t = s->head;
	if (t != NULL) {
		s->head = t->qnext;
		if (s->head == NULL)
			s->tail = NULL;
		t->qnext = NULL;
	}
	return t;
}

dx_task *dx_queue_pop(dx_shared *s)
{
	dx_task *t;
	pthread_mutex_lock(&s->m);
	t = pop_locked(s);
	pthread_mutex_unlock(&s->m);
	return t;
}

bool dx_queue_runnable(dx_shared *s)
{
	bool r;
	pthread_mutex_lock(&s->m);
	r = s->head != NULL;
	pthread_mutex_unlock(&s->m);
	return r;
}

dx_task *dx_queue_close(dx_shared *s)
{
	dx_task *l;
	pthread_mutex_lock(&s->m);
	s->closed = true;
	l = s->head;
	s->head = s->tail = NULL;
	pthread_mutex_unlock(&s->m);
	return l;
}

void dx_queue_park(dx_shared *s, const struct timespec *deadline)
{
	pthread_mutex_lock(&s->m);
#ifdef DX_BUG_LOST_UNPARK
	/* BUG (tokio #525, the lost unpark of a park/unpark pair, here on the
	 * driver thread of a block_on-style executor): the driver decided to
	 * sleep on what its pop saw, and that look was made under an earlier
	 * hold of the mutex.  It takes the mutex again and waits once, without
	 * looking at the queue (or at a "notified" flag) under this hold.  A
	 * wake that lands between the pop's unlock and this lock - a foreign
	 * thread waking a task that just went idle - queues its task and
	 * signals while nobody waits; the signal is gone, and the driver
	 * sleeps until its deadline (or until some later, unrelated wake).  The
	 * fix is the predicate loop below. */
	(void)pthread_cond_timedwait(&s->c, &s->m, deadline);
#else
	while (s->head == NULL) {
		if (pthread_cond_timedwait(&s->c, &s->m, deadline) == ETIMEDOUT)
			break;
	}
#endif
	pthread_mutex_unlock(&s->m);
}
