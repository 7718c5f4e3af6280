/*
 * join_local.c - the local join (wk_join_local_new): a plain woken word,
 * per-child local wakers, the parent kept as a local waker.
 *
 * WHO TOUCHES WHAT
 *   Owner thread only, no atomics, no lock: the head, `woken`, `parent`,
 *   `local_refs`, `remote_used`, `parent_cx`, every child's future and lazy
 *   storage.  The owner is the thread of the first poll.
 *   Any thread: `remote_woken` and `shared_refs` (atomics) and, under
 *   `remote_lock`, `remote_parent`.  Only the owner writes remote_parent, so
 *   the owner may read it without the lock (reads do not race with reads).
 *
 * THE THREAD-SAFE PATH
 *   A child that asks its context for a thread-safe waker
 *   (wk_context_waker / try_waker) triggers the on_waker constructor below.
 *   That waker may be woken from any thread, so it must not touch `woken` or
 *   `parent`: it sets the child's bit in the atomic `remote_woken` and wakes
 *   the parent through the parent's *thread-safe* waker, a clone of which the
 *   join keeps in `remote_parent` behind a mutex - exactly what the
 *   thread-safe join does, but only for children that asked.  Until a child
 *   asks, a poll does no atomic operation at all; afterwards it adds one
 *   relaxed load (and an exchange when a remote wake came in).
 *
 * LIFETIME: TWO COUNTS
 *   local_refs  (plain, owner thread): 1 for the join future itself plus one
 *               per live clone of a child's local waker.
 *   shared_refs (atomic, any thread):   1 for the whole local side while
 *               local_refs > 0, plus one per live thread-safe child waker.
 *   When local_refs reaches 0 the local side gives up its shared reference;
 *   the memory goes when shared_refs reaches 0.  A thread-safe waker that
 *   outlives everything therefore still points at valid memory, and the
 *   local wakers never pay for an atomic.
 *
 * WAKE PROTOCOL (both words)
 *   A wake sets its bit; only the wake that finds the word empty wakes the
 *   parent.  A non-empty word means an earlier wake since the last poll has
 *   woken, or is about to wake, the parent, and the poll it causes takes
 *   every bit set by then.  A poll first refreshes the parent waker, then
 *   takes the word, then polls the children: a wake during the poll (also a
 *   child waking itself) finds the word empty and wakes the parent again.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "join_internal.h"

typedef struct local_join local_join;

typedef struct local_child {
	local_join *join;
	wk_future *future;    /* NULL once the child returned Ready and was dropped */
	uint64_t bit;
	wk_local_waker waker; /* data = this record; made at the first poll */
	wk_lazy_waker lazy;   /* the child's thread-safe waker, built on demand */
	wk_context_builder with_waker; /* local waker + lazy thread-safe waker */
	wk_context cx;        /* the child's context, while the join's cx_ready */
} local_child;

struct local_join {
	wk__join_head head;
	uint64_t woken;              /* bit i: child i's local waker fired since the last poll */
	wk_local_waker parent;       /* the polling task's local waker, when has_parent */
	bool has_parent;
	bool remote_used;            /* a child built a thread-safe waker */
	bool remote_fresh;           /* remote_parent wakes the task `parent` wakes */
	uint32_t owner;              /* wk_thread_id() of the first poll, 0 before it */
	size_t local_refs;
	const wk_context *parent_cx; /* the context of the poll in progress */
	/* The children's contexts differ from poll to poll only in the ext
	 * they inherit and whether they offer a thread-safe waker: built
	 * when either changes, not per child poll. */
	bool cx_ready;
	bool cx_offer;
	void *cx_ext;

	_Atomic uint64_t remote_woken; /* bit i: child i's thread-safe waker fired */
	_Atomic size_t shared_refs;
	pthread_mutex_t remote_lock;
	wk_waker remote_parent; /* the polling task's thread-safe waker, when has_remote_parent */
	bool has_remote_parent;

	local_child children[];
};

static const wk_raw_waker_vtable local_child_vtable;
static const wk_raw_waker_vtable remote_child_vtable;

/* ---- lifetime ------------------------------------------------------------ */

static void shared_retain(local_join *j, const char *fn)
{
	/* relaxed: a new reference is made from a live one, which already
	 * orders everything its holder can see. */
	size_t old = atomic_fetch_add_explicit(&j->shared_refs, 1, memory_order_relaxed);
	if (old >= WK_REFCOUNT_MAX)
		wk__join_refcount_overflow(fn, j);
}

static void shared_release(local_join *j)
{
	/* acq_rel: release publishes this holder's writes; acquire on the last
	 * reference sees all of them before the free (TSan ignores fences). */
	if (atomic_fetch_sub_explicit(&j->shared_refs, 1, memory_order_acq_rel) != 1)
		return;
	pthread_mutex_destroy(&j->remote_lock);
	free(j);
}

static void local_release(local_join *j)
{
	if (--j->local_refs == 0)
		shared_release(j);
}

static void check_owner(const local_join *j, const char *fn)
{
#if WK_CHECKED
	uint32_t me = wk_thread_id();
	if (j->owner != 0 && j->owner != me)
		wk_fatal("%s: local join %p owned by thread %u used on thread %u", fn, (const void *)j,
			 (unsigned)j->owner, (unsigned)me);
#else
	(void)j;
	(void)fn;
#endif
}

/* ---- the parent's wakers --------------------------------------------------- */

/* Keep a clone of the parent's thread-safe waker for remote wakes. */
static void remote_parent_refresh(local_join *j, const wk_waker *pw)
{
	wk_waker fresh, old;
	bool had;

	if (j->has_remote_parent && wk_waker_will_wake(&j->remote_parent, pw))
		return;
	fresh = wk_waker_clone(pw);
	pthread_mutex_lock(&j->remote_lock);
	old = j->remote_parent;
	had = j->has_remote_parent;
	j->remote_parent = fresh;
	j->has_remote_parent = true;
	pthread_mutex_unlock(&j->remote_lock);
	/* Outside the lock: a drop may run arbitrary release code. */
	if (had)
		wk_waker_drop(&old);
}

/* Let go of the parent: after Ready or at drop, wakes reach nobody. */
static void release_parents(local_join *j)
{
	wk_waker old;
	bool had;

	if (j->has_parent) {
		j->has_parent = false;
		wk_local_waker_drop(&j->parent);
	}
	j->remote_fresh = false;
	if (!j->has_remote_parent)
		return;
	pthread_mutex_lock(&j->remote_lock);
	old = j->remote_parent;
	had = j->has_remote_parent;
	j->has_remote_parent = false;
	pthread_mutex_unlock(&j->remote_lock);
	if (had)
		wk_waker_drop(&old);
}

/* ---- the child's local waker: plain word, plain count ---------------------- */

static wk_raw_waker local_child_clone(const void *data)
{
	const local_child *c = data;
	wk_raw_waker raw;

	if (c->join->local_refs >= WK_REFCOUNT_MAX)
		wk__join_refcount_overflow("wk_join_local child waker clone", c->join);
	c->join->local_refs++;
	raw.data = data;
	raw.vtable = &local_child_vtable;
	return raw;
}

static void local_child_wake_by_ref(const void *data)
{
	const local_child *c = data;
	local_join *j = c->join;
	uint64_t prev = j->woken;

	j->woken = prev | c->bit;
	if (prev == 0 && j->has_parent)
		wk_local_waker_wake_by_ref(&j->parent);
}

static void local_child_drop(const void *data)
{
	const local_child *c = data;
	local_release(c->join);
}

static void local_child_wake(const void *data)
{
	local_child_wake_by_ref(data);
	local_child_drop(data);
}

static const wk_raw_waker_vtable local_child_vtable = {
	local_child_clone,
	local_child_wake,
	local_child_wake_by_ref,
	local_child_drop,
};

/* ---- the child's thread-safe waker: atomic word, mutex-guarded parent ------ */

static wk_raw_waker remote_child_clone(const void *data)
{
	const local_child *c = data;
	wk_raw_waker raw;

	shared_retain(c->join, "wk_join_local child waker clone");
	raw.data = data;
	raw.vtable = &remote_child_vtable;
	return raw;
}

static void remote_child_wake_by_ref(const void *data)
{
	const local_child *c = data;
	local_join *j = c->join;
	/* release: what the waking thread wrote before this wake is seen by the
	 * poll that takes the bit (acquire exchange in local_join_poll). */
	uint64_t prev = atomic_fetch_or_explicit(&j->remote_woken, c->bit, memory_order_release);

	if (prev != 0)
		return; /* an earlier wake since the last poll wakes the parent */
	pthread_mutex_lock(&j->remote_lock);
	if (j->has_remote_parent)
		wk_waker_wake_by_ref(&j->remote_parent);
	pthread_mutex_unlock(&j->remote_lock);
}

static void remote_child_drop(const void *data)
{
	const local_child *c = data;
	shared_release(c->join);
}

static void remote_child_wake(const void *data)
{
	remote_child_wake_by_ref(data);
	remote_child_drop(data);
}

static const wk_raw_waker_vtable remote_child_vtable = {
	remote_child_clone,
	remote_child_wake,
	remote_child_wake_by_ref,
	remote_child_drop,
};

/*
 * The on_waker constructor of a child's context: runs on the owner thread,
 * during that child's poll, the first time the child asks (at most once per
 * child: the storage keeps the waker until the child finishes or the join
 * is dropped).  From now on every poll keeps remote_parent current.
 */
static wk_waker remote_waker_ctor(const wk_local_waker *local_waker, void *arg)
{
	local_child *c = arg;
	local_join *j = c->join;

	(void)local_waker;
	/* Asked once per parent task: building the parent's thread-safe waker
	 * may cost (it may be lazy as well), and any owned one keeps working. */
	if (!j->remote_fresh) {
		remote_parent_refresh(j, wk_context_waker(j->parent_cx));
		j->remote_fresh = true;
	}
	j->remote_used = true;
	shared_retain(j, "wk_join_local child waker");
	return wk_waker_new(c, &remote_child_vtable);
}

/* ---- the future ------------------------------------------------------------ */

/* Whether the parent can back a child's thread-safe waker; unlike
 * try_waker this never forces a lazy one to be built. */
static bool context_offers_waker(const wk_context *cx)
{
	return wk_context_has_waker(cx);
}

/*
 * The children's contexts: each child's own local waker, the parent's ext,
 * and - where the parent has a thread-safe waker - the child's lazily built
 * one.  The lazy storage lives as long as the join, so the constructor runs
 * at most once per child; without a parent thread-safe waker the child
 * gets none either, and its wk_context_waker then fails loudly, as the
 * parent's would.
 */
static void build_child_contexts(local_join *j, void *ext, bool offer_waker)
{
	for (size_t i = 0; i < j->head.n; i++) {
		local_child *c = &j->children[i];
		wk_context_builder b = offer_waker ? c->with_waker
						   : wk_context_builder_from_local_waker(&c->waker);
		wk_context_builder_ext(&b, ext);
		c->cx = wk_context_builder_build(&b);
	}
	j->cx_ext = ext;
	j->cx_offer = offer_waker;
	j->cx_ready = true;
}

static void poll_child(local_join *j, unsigned i)
{
	local_child *c = &j->children[i];
	wk_future *done;
	void *out = NULL;

	if (wk_future_poll(c->future, &c->cx, &out) != WK_READY)
		return;
	done = c->future;
	c->future = NULL;
	wk__join_child_ready(&j->head, i, out);
	wk_future_drop(done);
	wk_lazy_waker_drop(&c->lazy); /* its thread-safe waker, if one was built */
}

/* First poll: the children's local wakers and context builders. */
static void make_child_wakers(local_join *j)
{
	for (size_t i = 0; i < j->head.n; i++) {
		local_child *c = &j->children[i];
		c->waker = wk_local_waker_new(c, &local_child_vtable);
		c->with_waker = wk_context_builder_from_local_waker(&c->waker);
		wk_context_builder_on_waker(&c->with_waker, &c->lazy, remote_waker_ctor, c);
	}
}

static wk_poll local_join_poll(wk_future *self, const wk_context *cx, void **output)
{
	local_join *j = (local_join *)(void *)self;
	const wk_local_waker *plw = wk_context_local_waker(cx);
	uint64_t todo;
	bool parent_changed, offer_waker;
	wk_poll r;

	check_owner(j, "wk_join_local_poll");
	wk__join_check_unfinished(&j->head, "wk_join_local_poll");
	if (!j->head.started) {
		j->owner = wk_thread_id();
		make_child_wakers(j);
	}
	todo = wk__join_begin_poll(&j->head, j->woken);
	j->woken = 0;

	parent_changed = !j->has_parent || !wk_local_waker_will_wake(&j->parent, plw);
	if (parent_changed) {
		if (j->has_parent)
			wk_local_waker_drop(&j->parent);
		j->parent = wk_local_waker_clone(plw);
		j->has_parent = true;
		j->remote_fresh = false;
	}
	if (j->remote_used) {
		/* Same local waker means same task: the thread-safe clone we hold
		 * still wakes it.  A new task must have a thread-safe waker
		 * (wk_context_waker aborts loudly otherwise). */
		if (!j->remote_fresh) {
			remote_parent_refresh(j, wk_context_waker(cx));
			j->remote_fresh = true;
		}
		/* relaxed: only decides whether to pay for the exchange; a bit set
		 * after this load comes with a parent wake, hence another poll. */
		if (atomic_load_explicit(&j->remote_woken, memory_order_relaxed) != 0)
			/* acquire: pairs with the waker's release fetch_or. */
			todo |= atomic_exchange_explicit(&j->remote_woken, 0, memory_order_acquire) &
				j->head.unfinished;
	}

	offer_waker = context_offers_waker(cx);
	if (!j->cx_ready || j->cx_offer != offer_waker || j->cx_ext != wk_context_ext(cx))
		build_child_contexts(j, wk_context_ext(cx), offer_waker);
	j->parent_cx = cx;
	while (todo != 0) {
		unsigned i = wk__join_lowest(todo);
		todo &= todo - 1;
		poll_child(j, i);
	}
	j->parent_cx = NULL;

	r = wk__join_end_poll(&j->head, output);
	if (r == WK_READY)
		release_parents(j);
	return r;
}

static void local_join_drop(wk_future *self)
{
	local_join *j = (local_join *)(void *)self;

	check_owner(j, "wk_join_local_drop");
	/* Parents first: a child's drop that wakes a sibling then wakes nobody
	 * (no reentrant wake into a task being torn down, tokio #1972). */
	release_parents(j);
	for (size_t i = 0; i < j->head.n; i++) {
		wk_future *f = j->children[i].future;
		if (f != NULL) {
			j->children[i].future = NULL;
			wk_future_drop(f);
		}
		wk_lazy_waker_drop(&j->children[i].lazy);
	}
	local_release(j);
}

static const wk_future_vtable local_join_vtable = {local_join_poll, local_join_drop};

wk_future *wk_join_local_new(wk_future *const *children, size_t n)
{
	local_join *j;

	if (!wk__join_args_ok(children, n))
		return NULL;
	j = malloc(sizeof(*j) + n * sizeof(j->children[0]));
	if (j == NULL)
		return NULL;
	if (pthread_mutex_init(&j->remote_lock, NULL) != 0) {
		free(j);
		return NULL;
	}
	wk__join_head_init(&j->head, &local_join_vtable, n);
	j->woken = 0;
	j->has_parent = false;
	j->remote_used = false;
	j->remote_fresh = false;
	j->owner = 0;
	j->local_refs = 1;
	j->parent_cx = NULL;
	j->cx_ready = false;
	j->cx_offer = false;
	j->cx_ext = NULL;
	atomic_init(&j->remote_woken, 0);
	atomic_init(&j->shared_refs, 1);
	j->has_remote_parent = false;
	for (size_t i = 0; i < n; i++) {
		local_child *c = &j->children[i];
		memset(c, 0, sizeof(*c));
		c->join = j;
		c->future = children[i];
		c->bit = (uint64_t)1 << i;
	}
	return &j->head.base;
}
