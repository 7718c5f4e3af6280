/*
 * join_sync.c - the thread-safe join (wk_join_new): an atomic woken word,
 * a mutex-guarded parent waker, per-child thread-safe wakers.
 *
 * WHO TOUCHES WHAT
 *   The polling thread (one at a time; the executor orders successive polls,
 *   which may run on different threads): the head and the children's
 *   futures.
 *   Any thread: `woken` and `refs` (atomics) and, under `lock`, `parent`.
 *   Only the polling thread writes `parent`, so it may read it without the
 *   lock: the previous write was by an earlier poll, which the executor's
 *   hand-over orders before this one.
 *
 * WAKE PROTOCOL
 *   A wake sets its bit with a release fetch_or; only the wake that finds
 *   the word empty takes the lock and wakes the parent.  A non-empty word
 *   means an earlier wake since the last poll has woken, or is about to
 *   wake, the parent, and the poll it causes takes every bit set by then.
 *   A poll first stores the parent's current waker, then takes the word with
 *   an acquire exchange, then polls the children.  A wake whose bit the poll
 *   missed came after the exchange: it, or the first wake after the
 *   exchange, found the word empty and wakes the parent the poll just
 *   stored, so another poll follows.
 *
 * LIFETIME
 *   `refs` counts the join future itself plus every live clone of a child
 *   waker; the memory goes with the last.  The wakers embedded in the child
 *   records (handed to children by reference in their contexts) are covered
 *   by the join future's reference.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "join_internal.h"

typedef struct sync_join sync_join;

typedef struct sync_child {
	sync_join *join;
	wk_future *future; /* NULL once the child returned Ready and was dropped */
	uint64_t bit;
	wk_waker waker; /* data = this record */
} sync_child;

struct sync_join {
	wk__join_head head;
	_Atomic uint64_t woken; /* bit i: child i's waker fired since the last poll */
	_Atomic size_t refs;
	pthread_mutex_t lock;
	wk_waker parent; /* the polling task's waker, when has_parent; under lock */
	bool has_parent;
	sync_child children[];
};

static const wk_raw_waker_vtable sync_child_vtable;

/* ---- lifetime ------------------------------------------------------------ */

static void join_release(sync_join *j)
{
	/* acq_rel: release publishes this holder's writes; acquire on the last
	 * reference sees all of them before the free (TSan ignores fences). */
	if (atomic_fetch_sub_explicit(&j->refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&j->lock);
	free(j);
}

/* ---- the parent's waker ---------------------------------------------------- */

static void parent_refresh(sync_join *j, const wk_waker *pw)
{
	wk_waker fresh, old;
	bool had;

	if (j->has_parent && wk_waker_will_wake(&j->parent, pw))
		return;
	fresh = wk_waker_clone(pw);
	pthread_mutex_lock(&j->lock);
	old = j->parent;
	had = j->has_parent;
	j->parent = fresh;
	j->has_parent = true;
	pthread_mutex_unlock(&j->lock);
	/* Outside the lock: a drop may run arbitrary release code. */
	if (had)
		wk_waker_drop(&old);
}

/* Let go of the parent: after Ready or at drop, wakes reach nobody. */
static void parent_release(sync_join *j)
{
	wk_waker old;
	bool had;

	if (!j->has_parent)
		return;
	pthread_mutex_lock(&j->lock);
	old = j->parent;
	had = j->has_parent;
	j->has_parent = false;
	pthread_mutex_unlock(&j->lock);
	if (had)
		wk_waker_drop(&old);
}

/* ---- the child's waker ----------------------------------------------------- */

static wk_raw_waker sync_child_clone(const void *data)
{
	const sync_child *c = data;
	wk_raw_waker raw;
	/* relaxed: a new reference is made from a live one, which already
	 * orders everything its holder can see. */
	size_t old = atomic_fetch_add_explicit(&c->join->refs, 1, memory_order_relaxed);

	if (old >= WK_REFCOUNT_MAX)
		wk__join_refcount_overflow("wk_join child waker clone", c->join);
	raw.data = data;
	raw.vtable = &sync_child_vtable;
	return raw;
}

static void sync_child_wake_by_ref(const void *data)
{
	const sync_child *c = data;
	sync_join *j = c->join;
	/* release: what the waking thread wrote before this wake is seen by the
	 * poll that takes the bit (acquire exchange in sync_join_poll). */
	uint64_t prev = atomic_fetch_or_explicit(&j->woken, c->bit, memory_order_release);

	if (prev != 0)
		return; /* an earlier wake since the last poll wakes the parent */
	pthread_mutex_lock(&j->lock);
	if (j->has_parent)
		wk_waker_wake_by_ref(&j->parent);
	pthread_mutex_unlock(&j->lock);
}

static void sync_child_drop(const void *data)
{
	const sync_child *c = data;
	join_release(c->join);
}

static void sync_child_wake(const void *data)
{
	sync_child_wake_by_ref(data);
	sync_child_drop(data);
}

static const wk_raw_waker_vtable sync_child_vtable = {
	sync_child_clone,
	sync_child_wake,
	sync_child_wake_by_ref,
	sync_child_drop,
};

/* ---- the future ------------------------------------------------------------ */

/*
 * A child's context: derived from the parent's for this child poll alone
 * (a derived context must not outlive the poll of its parent, WK-CTX-008),
 * with the parent's ext and both wakers the child's (a combinator that
 * substitutes one must substitute the other, spec WK-CTX-005).  Four
 * pointer copies: cheaper than remembering whether a cached one is stale.
 */
static void poll_child(sync_join *j, const wk_context *parent_cx, unsigned i)
{
	sync_child *c = &j->children[i];
	wk_context_builder b = wk_context_builder_from(parent_cx);
	wk_context cx;
	wk_future *done;
	void *out = NULL;

	wk_context_builder_waker(&b, &c->waker);
	wk_context_builder_local_waker(&b, wk_waker_as_local(&c->waker));
	cx = wk_context_builder_build(&b);
	if (wk_future_poll(c->future, &cx, &out) != WK_READY)
		return;
	done = c->future;
	c->future = NULL;
	wk__join_child_ready(&j->head, i, out);
	wk_future_drop(done);
}

static wk_poll sync_join_poll(wk_future *self, const wk_context *cx, void **output)
{
	sync_join *j = (sync_join *)(void *)self;
	uint64_t woken, todo;
	wk_poll r;

	wk__join_check_unfinished(&j->head, "wk_join_poll");
	/* The parent must have a thread-safe waker: aborts loudly otherwise. */
	parent_refresh(j, wk_context_waker(cx));
	/* acquire: pairs with each waker's release fetch_or. */
	woken = atomic_exchange_explicit(&j->woken, 0, memory_order_acquire);
	todo = wk__join_begin_poll(&j->head, woken);
	while (todo != 0) {
		unsigned i = wk__join_lowest(todo);
		todo &= todo - 1;
		poll_child(j, cx, i);
	}
	r = wk__join_end_poll(&j->head, output);
	if (r == WK_READY)
		parent_release(j);
	return r;
}

static void sync_join_drop(wk_future *self)
{
	sync_join *j = (sync_join *)(void *)self;

	/* Parent first: a child's drop that wakes a sibling then wakes nobody
	 * (no reentrant wake into a task being torn down, tokio #1972). */
	parent_release(j);
	for (size_t i = 0; i < j->head.n; i++) {
		wk_future *f = j->children[i].future;
		if (f != NULL) {
			j->children[i].future = NULL;
			wk_future_drop(f);
		}
	}
	join_release(j);
}

static const wk_future_vtable sync_join_vtable = {sync_join_poll, sync_join_drop};

wk_future *wk_join_new(wk_future *const *children, size_t n)
{
	sync_join *j;

	if (!wk__join_args_ok(children, n))
		return NULL;
	j = malloc(sizeof(*j) + n * sizeof(j->children[0]));
	if (j == NULL)
		return NULL;
	if (pthread_mutex_init(&j->lock, NULL) != 0) {
		free(j);
		return NULL;
	}
	wk__join_head_init(&j->head, &sync_join_vtable, n);
	atomic_init(&j->woken, 0);
	atomic_init(&j->refs, 1);
	j->has_parent = false;
	for (size_t i = 0; i < n; i++) {
		sync_child *c = &j->children[i];
		c->join = j;
		c->future = children[i];
		c->bit = (uint64_t)1 << i;
		c->waker = wk_waker_new(c, &sync_child_vtable);
	}
	return &j->head.base;
}
