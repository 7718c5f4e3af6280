/*
 * mx_queue.c - a worker's remote queue: any thread pushes a task, only the
 * worker takes, and the worker parks on a condition variable while the
 * queue is empty.
 *
 * BASE: an intrusive Treiber stack taken whole with one exchange and then
 * reversed (push-only CAS plus take-all has no ABA problem).  A push never
 * waits for the worker; it takes the parking mutex only to signal a worker
 * that may be asleep, at most once per park.
 *
 * ORDERING (base)
 *   push CAS      release: the task's fields and qnext, and everything the
 *                 waking thread wrote, are visible to the take.
 *   take/close    acquire exchange: pairs with every push it takes.
 *   signal        acq_rel exchanges on both sides: the owner's clearing
 *                 exchange reads the latest push's exchange, so a push that
 *                 found the signal already raised is still seen (a load
 *                 could read an older raise and miss it).
 *
 * ANNOTATIONS (mx.h)
 *   head and signal are atomic; the push CAS / take exchange pair is the
 *   queue's release/acquire edge, stated on the queue's address.  The
 *   signal carries no data (the queue does), so it states no edge.
 *
 * BUGS
 *   MX_BUG_RELAXED_QUEUE  the push CAS is relaxed (tokio #7589, #1788).
 *   MX_BUG_BLOCKING_WAKE  a bounded ring whose push waits while it is full
 *                         (compio #1045).
 *   MX_BUG_LOST_UNPARK    the park re-arms the doorbell after the empty
 *                         take without looking at the queue again
 *                         (tokio #525, #1768).
 */
#include "mx.h"

#include <stdlib.h>

#ifndef MX_BUG_BLOCKING_WAKE

#define MXQ_EMPTY ((uintptr_t)0)
#define MXQ_CLOSED ((uintptr_t)1)

int mxq_init(mx_queue *q)
{
	atomic_init(&q->head, MXQ_EMPTY);
	atomic_init(&q->signal, 0);
	MX_ANNOTATE_ATOMIC(&q->head);
	MX_ANNOTATE_ATOMIC(&q->signal);
	if (pthread_mutex_init(&q->m, NULL) != 0)
		return -1;
	if (pthread_cond_init(&q->c, NULL) != 0) {
		pthread_mutex_destroy(&q->m);
		return -1;
	}
	return 0;
}

void mxq_fini(mx_queue *q)
{
	pthread_cond_destroy(&q->c);
	pthread_mutex_destroy(&q->m);
}

void mxq_unpark(mx_queue *q)
{
	pthread_mutex_lock(&q->m);
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
}

bool mxq_push(mx_queue *q, mx_task *t)
{
	/* relaxed: a guess, validated by the CAS. */
	uintptr_t old = atomic_load_explicit(&q->head, memory_order_relaxed);
	for (;;) {
		if (old == MXQ_CLOSED)
			return false;
		t->qnext = (mx_task *)old;
#ifndef MX_BUG_RELAXED_QUEUE
		/* The release of the CAS below, for tools that cannot see it.
		 * Not under MX_BUG_RELAXED_QUEUE: that CAS has no release, and
		 * an annotation would hand the tools the very edge the bug
		 * removed (the take's read of qnext would look ordered). */
		wkc_annotate_release(q);
#endif
#ifdef MX_BUG_RELAXED_QUEUE
		/* BUG (tokio #7589, #1788): "the CAS only has to be atomic" -
		 * relaxed on success publishes neither t->qnext nor anything
		 * the waker wrote before the wake to the worker's take. */
		if (atomic_compare_exchange_weak_explicit(&q->head, &old, (uintptr_t)t,
							  memory_order_relaxed, memory_order_relaxed))
			break;
#else
		/* release on success: publishes *t and the pusher's prior
		 * writes to the take; relaxed on failure: re-read only. */
		if (atomic_compare_exchange_weak_explicit(&q->head, &old, (uintptr_t)t,
							  memory_order_release, memory_order_relaxed))
			break;
#endif
	}
	mxq_kick(q);
	return true;
}

void mxq_kick(mx_queue *q)
{
	/* acq_rel: see ORDERING.  Only the first kick after a park locks. */
	if (atomic_exchange_explicit(&q->signal, 1, memory_order_acq_rel) == 0)
		mxq_unpark(q);
}

static mx_task *reverse(uintptr_t head)
{
	mx_task *n, *prev = NULL;
	if (head == MXQ_EMPTY || head == MXQ_CLOSED)
		return NULL;
	n = (mx_task *)head;
	while (n != NULL) {
		mx_task *next = n->qnext;
		n->qnext = prev;
		prev = n;
		n = next;
	}
	return prev;
}

/* The acquire of a take or close exchange, for tools that cannot see it:
 * before reverse() reads the pushers' qnext.  None under
 * MX_BUG_RELAXED_QUEUE, whose pushes release nothing (see mxq_push). */
static uintptr_t taken(mx_queue *q, uintptr_t head)
{
#ifndef MX_BUG_RELAXED_QUEUE
	wkc_annotate_acquire(q);
#else
	(void)q;
#endif
	return head;
}

mx_task *mxq_take(mx_queue *q)
{
	/* acquire: pairs with the release CAS of every push taken. */
	uintptr_t head = atomic_exchange_explicit(&q->head, MXQ_EMPTY, memory_order_acquire);
	return reverse(taken(q, head));
}

mx_task *mxq_close(mx_queue *q)
{
	/* acquire: as a take; every later push sees CLOSED and fails. */
	uintptr_t head = atomic_exchange_explicit(&q->head, MXQ_CLOSED, memory_order_acquire);
	return reverse(taken(q, head));
}

void mxq_park(mx_queue *q, const _Atomic int *stop)
{
	pthread_mutex_lock(&q->m);
#ifdef MX_BUG_LOST_UNPARK
	/* BUG (tokio #525, the race tokio #621 describes; tokio #1768): the
	 * worker goes to sleep after its last look at the queue without
	 * looking again once it announced that it sleeps.  The announcement
	 * is re-arming the doorbell: a ring left by pushes the last take
	 * already got would send the worker round its loop once more for
	 * nothing, so the bell is cleared on the way to sleep - by a store,
	 * after the take that
	 * found the queue empty.  A push that lands between that take and
	 * this store (a foreign wake of a task that just went idle) rings a
	 * bell that is then silenced: its pusher either found it already
	 * rung and did not unpark, or broadcast to a worker that was not yet
	 * waiting.  The task stays queued while its worker sleeps, until an
	 * unrelated push to this worker (or destroy) wakes it.  The fix is
	 * what the base does below: read and clear the bell in one exchange
	 * (or look at the queue again after arming it). */
	/* relaxed: only the value matters; the mutex orders it against the
	 * pushers' broadcasts. */
	atomic_store_explicit(&q->signal, 0, memory_order_relaxed);
#endif
	for (;;) {
		/* acq_rel: see ORDERING. */
		if (atomic_exchange_explicit(&q->signal, 0, memory_order_acq_rel) != 0)
			break;
		/* relaxed: destroy stores stop before it takes this mutex to
		 * broadcast, so the mutex orders it. */
		if (atomic_load_explicit(stop, memory_order_relaxed))
			break;
		pthread_cond_wait(&q->c, &q->m);
	}
	pthread_mutex_unlock(&q->m);
}

#else /* MX_BUG_BLOCKING_WAKE */

/*
 * (Every field of this queue is guarded by m, which the tools see: nothing
 * to annotate.)
 *
 * BUG (compio #1045): wakes travel through a bounded channel, and a wake
 * that finds it full waits for the worker to make room.  When the worker
 * is busy - or is the very thread that wakes, inside a poll - the waker
 * blocks, possibly forever.  The ring is sized like a fixed "no allocation
 * on wake" channel.
 */
#define MXQ_RING 32u

int mxq_init(mx_queue *q)
{
	q->ring = calloc(MXQ_RING, sizeof *q->ring);
	if (q->ring == NULL)
		return -1;
	q->cap = MXQ_RING;
	q->head = q->count = 0;
	q->closed = false;
	q->kicked = false;
	if (pthread_mutex_init(&q->m, NULL) != 0) {
		free(q->ring);
		return -1;
	}
	pthread_cond_init(&q->c, NULL);
	pthread_cond_init(&q->not_full, NULL);
	return 0;
}

void mxq_fini(mx_queue *q)
{
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->c);
	pthread_mutex_destroy(&q->m);
	free(q->ring);
}

void mxq_unpark(mx_queue *q)
{
	pthread_mutex_lock(&q->m);
	pthread_cond_broadcast(&q->c);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->m);
}

void mxq_kick(mx_queue *q)
{
	pthread_mutex_lock(&q->m);
	q->kicked = true;
	pthread_cond_broadcast(&q->c);
	pthread_mutex_unlock(&q->m);
}

bool mxq_push(mx_queue *q, mx_task *t)
{
	pthread_mutex_lock(&q->m);
	while (q->count == q->cap && !q->closed)
		pthread_cond_wait(&q->not_full, &q->m); /* the blocking wake */
	if (q->closed) {
		pthread_mutex_unlock(&q->m);
		return false;
	}
	q->ring[(q->head + q->count) % q->cap] = t;
	q->count++;
	pthread_cond_signal(&q->c);
	pthread_mutex_unlock(&q->m);
	return true;
}

static mx_task *take_locked(mx_queue *q)
{
	mx_task *first = NULL, **tail = &first;
	while (q->count > 0) {
		mx_task *t = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->count--;
		*tail = t;
		tail = &t->qnext;
	}
	*tail = NULL;
	pthread_cond_broadcast(&q->not_full);
	return first;
}

mx_task *mxq_take(mx_queue *q)
{
	mx_task *l;
	pthread_mutex_lock(&q->m);
	l = take_locked(q);
	pthread_mutex_unlock(&q->m);
	return l;
}

mx_task *mxq_close(mx_queue *q)
{
	mx_task *l;
	pthread_mutex_lock(&q->m);
	q->closed = true;
	l = take_locked(q);
	pthread_mutex_unlock(&q->m);
	return l;
}

void mxq_park(mx_queue *q, const _Atomic int *stop)
{
	pthread_mutex_lock(&q->m);
	/* relaxed: destroy stores stop before taking this mutex to broadcast. */
	while (q->count == 0 && !q->kicked && !atomic_load_explicit(stop, memory_order_relaxed))
		pthread_cond_wait(&q->c, &q->m);
	q->kicked = false;
	pthread_mutex_unlock(&q->m);
}

#endif /* MX_BUG_BLOCKING_WAKE */
