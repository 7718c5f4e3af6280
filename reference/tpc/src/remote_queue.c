/*
 * remote_queue.c - the per-core remote queue: how any thread hands a core a
 * wake or a spawn without ever waiting for that core (compio #1045 is what
 * a blocking wake costs).
 *
 * SHAPE
 *   An intrusive Treiber stack with many pushers and one consumer that only
 *   ever takes the whole stack with one exchange, then reverses it (oldest
 *   first).  Push-only CAS plus take-all exchange has no ABA problem: a
 *   pusher's CAS succeeds only if the head is still the value it linked its
 *   node to, and that value is then exactly the right successor, whatever
 *   happened to it meanwhile.  Lock-free: a push retries its CAS only
 *   because another push or the owner made progress.
 *
 * THE HEAD WORD doubles as the owner's sleep state, so that parking costs a
 * pusher nothing extra:
 *     EMPTY      nothing queued, owner awake
 *     SLEEPING   nothing queued, owner parked (or about to be) on wake_seq
 *     CLOSED     owner shut down: a push fails and the pusher keeps its node
 *     <node>     a chain of nodes; the last one's next is NULL
 *   The owner moves EMPTY -> SLEEPING before it parks.  A push that replaces
 *   SLEEPING is the one (and the only one) that unparks it: it bumps wake_seq
 *   and futex-wakes.  The owner read wake_seq before its CAS to SLEEPING and
 *   sleeps only while wake_seq still has that value, so the bump is never
 *   missed, whether it lands before or during the sleep.
 *
 * ORDERING
 *   push CAS:   release on success, so the node's contents and everything
 *               the pusher wrote before are visible to the owner's take;
 *               relaxed on failure (it only re-reads the head).
 *   take/close: acquire exchange, pairing with every push it takes.
 *   sleep CAS:  relaxed: it publishes nothing (the futex word orders the
 *               sleep itself, see above).
 *   The push -> take edge is also stated with wkc/annotate.h (keyed by the
 *   queue), for race detectors that do not see C11 atomics (helgrind, DRD).
 */
#include "tpc_internal.h"

#include "wk_annotate.h"

void wk__tpc_rq_init(wk__tpc_rqueue *q)
{
	atomic_init(&q->head, WK__TPC_RQ_EMPTY);
	wk__annotate_atomic(&q->head, sizeof q->head);
	atomic_init(&q->wake_seq, 0);
	wk__annotate_atomic(&q->wake_seq, sizeof q->wake_seq);
}

void wk__tpc_rq_unpark(wk__tpc_rqueue *q)
{
	/* seq_cst: totally ordered with the owner's read of wake_seq before it
	 * parks and with its stop-flag check (runtime.c, park). */
	atomic_fetch_add_explicit(&q->wake_seq, 1, memory_order_seq_cst);
	wk__tpc_futex_wake_all(&q->wake_seq);
}

bool wk__tpc_rq_push(wk__tpc_rqueue *q, wk__tpc_rnode *n)
{
	/* relaxed: only a guess at the head; the CAS below validates it. */
	uintptr_t old = atomic_load_explicit(&q->head, memory_order_relaxed);
	for (;;) {
		if (old == WK__TPC_RQ_CLOSED)
			return false;
		n->next = old == WK__TPC_RQ_SLEEPING ? NULL : (wk__tpc_rnode *)old;
		/* The release of the CAS below, for helgrind and DRD. */
		wk__annotate_release(q);
		/* release on success: publishes *n and the pusher's prior writes
		 * to the owner's acquire take.  relaxed on failure: re-read only. */
		if (atomic_compare_exchange_weak_explicit(&q->head, &old, (uintptr_t)n,
							  memory_order_release, memory_order_relaxed))
			break;
	}
	if (old == WK__TPC_RQ_SLEEPING)
		wk__tpc_rq_unpark(q);
	return true;
}

static wk__tpc_rnode *reverse(uintptr_t head)
{
	wk__tpc_rnode *n, *prev = NULL;
	if (head <= WK__TPC_RQ_CLOSED)
		return NULL;
	n = (wk__tpc_rnode *)head;
	while (n != NULL) {
		wk__tpc_rnode *next = n->next;
		n->next = prev;
		prev = n;
		n = next;
	}
	return prev;
}

wk__tpc_rnode *wk__tpc_rq_take(wk__tpc_rqueue *q)
{
	/* acquire: pairs with the release CAS of every push taken. */
	uintptr_t head = atomic_exchange_explicit(&q->head, WK__TPC_RQ_EMPTY, memory_order_acquire);
	/* The acquire of the exchange above, when it took something. */
	if (head > WK__TPC_RQ_CLOSED)
		wk__annotate_acquire(q);
	return reverse(head);
}

bool wk__tpc_rq_try_sleep(wk__tpc_rqueue *q)
{
	uintptr_t expected = WK__TPC_RQ_EMPTY;
	/* relaxed: announces the sleep, publishes nothing (see the file comment). */
	return atomic_compare_exchange_strong_explicit(&q->head, &expected, WK__TPC_RQ_SLEEPING,
						       memory_order_relaxed, memory_order_relaxed);
}

void wk__tpc_rq_end_sleep(wk__tpc_rqueue *q)
{
	uintptr_t expected = WK__TPC_RQ_SLEEPING;
	/* relaxed: when a push already replaced SLEEPING this fails, and the
	 * owner's next take (acquire) collects that push. */
	atomic_compare_exchange_strong_explicit(&q->head, &expected, WK__TPC_RQ_EMPTY,
						memory_order_relaxed, memory_order_relaxed);
}

wk__tpc_rnode *wk__tpc_rq_close(wk__tpc_rqueue *q)
{
	/* acquire: as a take; every later push sees CLOSED and fails. */
	uintptr_t head = atomic_exchange_explicit(&q->head, WK__TPC_RQ_CLOSED, memory_order_acquire);
	/* The acquire of the exchange above, when it took something. */
	if (head > WK__TPC_RQ_CLOSED)
		wk__annotate_acquire(q);
	return reverse(head);
}
