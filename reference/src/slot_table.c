/*
 * slot_table.c - the task-id waker strategy (seed 002, strategy 2;
 * WK-STRAT-003..005): a waker's data is an id, not a pointer, so a waker
 * may outlive its slot and even its table and stay harmless to wake.
 *
 * ID LAYOUT (64 bits, never 0 because registry index 0 is never used)
 *
 *   63      54 53        40 39          20 19           0
 *   | reg idx | reg gen    | slot index   | slot gen     |
 *     10 bits   14 bits      20 bits        20 bits
 *
 * THE REGISTRY: finding a table that may be gone
 *   A waker cannot hold a table pointer (the table may be freed under it), so
 *   it names a registry entry.  Each entry has one 64-bit word:
 *     low 32 bits   users: wakes in flight inside this entry's table
 *     high 32 bits  life counter: odd while a table lives here; bumped once
 *                   when a table moves in and once when it is freed, so the
 *                   registry generation is (life >> 1) & 0x3fff.
 *   A wake first reads the word and gives up at once if its table is gone
 *   (so stale wakes cannot keep users above 0 and starve a free); if not,
 *   it does users++ (fetch_add, acquire) and looks again at the life counter in
 *   the value it got back: odd with a matching generation means the table is
 *   live and, because the increment is already in the word, will stay so
 *   until users-- (fetch_sub, release).  wk_slot_table_free bumps the life
 *   counter (live -> gone, new generation), then waits for users == 0
 *   (acquire), then frees.  Because both sides are RMWs on one word, their
 *   order is total: a wake is either counted before the bump (free waits for
 *   it) or sees the bump (and touches nothing).  No seq_cst is needed, as it
 *   would be with the counter and the generation in two separate words.
 *
 * SLOTS: a state word per slot
 *     bits 3..22  slot generation (20 bits)
 *     bit 2       WOKEN: the current generation was woken and not drained
 *     bit 1       QUEUED: the slot's link is in use (it is on the woken
 *                 stack or on the owner's pending list)
 *     bit 0       ALLOCATED
 *   A wake sets WOKEN | QUEUED, only while the generation matches and the
 *   slot is allocated; only the wake that turns QUEUED on pushes the slot, so
 *   a slot is never linked twice and repeated wakes coalesce.  Release bumps
 *   the generation and clears ALLOCATED and WOKEN (every old id turns stale,
 *   and an undrained wake of it is forgotten) but keeps QUEUED: the link
 *   still belongs to the stack.  The slot goes straight back to the free
 *   list; if it is reused while still queued, a wake of the new id just sets
 *   WOKEN on the entry already queued, and the drain reports only slots whose
 *   WOKEN it clears, with their current generation.
 *
 * THE WOKEN STACK: an intrusive MPSC Treiber stack of slot indices.  Wakers
 *   push (CAS on the head); the owner takes everything with one exchange and
 *   never pops single nodes, so the usual Treiber-pop ABA problem cannot
 *   arise.  The owner reverses what it took (oldest first) into a private
 *   pending list, from which wk_slot_drain hands out ids.
 *
 * WAKE ORDERING (WK-RAW-005): a waker's writes happen-before the drain that
 *   reports its slot, also when its wake was coalesced: every wake performs a
 *   release RMW on the slot word (even one that finds QUEUED already set),
 *   and the drain clears QUEUED with an acquire RMW, which reads from that
 *   release sequence.
 *
 * RACE DETECTORS: helgrind and DRD do not see C11 atomics, so every atomic
 *   word is marked atomic with wkc/annotate.h when its memory is set up,
 *   and every release/acquire pair above is stated again beside its atomic
 *   operation, keyed by the word (the registry entry's, the slot's state,
 *   the stack head).
 *
 * THREADS: wake, clone and drop of slot wakers: any thread, never blocking
 *   (wake may retry a CAS).  wk_slot_table_new / _free / _alloc / _release /
 *   _drain: the owner thread.  wk_slot_live: any thread (a snapshot).
 */
#include "wk_internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "wk_annotate.h"

_Static_assert(sizeof(uintptr_t) >= sizeof(uint64_t),
	       "slot ids are 64-bit and travel in a waker's data pointer: 64-bit platforms only");

/* ---- id packing -------------------------------------------------------- */

#define SLOT_GEN_BITS 20
#define SLOT_INDEX_BITS 20
#define REG_GEN_BITS 14
#define REG_INDEX_BITS 10

#define SLOT_GEN_SHIFT 0
#define SLOT_INDEX_SHIFT (SLOT_GEN_SHIFT + SLOT_GEN_BITS)
#define REG_GEN_SHIFT (SLOT_INDEX_SHIFT + SLOT_INDEX_BITS)
#define REG_INDEX_SHIFT (REG_GEN_SHIFT + REG_GEN_BITS)

#define SLOT_GEN_MASK ((1u << SLOT_GEN_BITS) - 1)
#define SLOT_INDEX_MASK ((1u << SLOT_INDEX_BITS) - 1)
#define REG_GEN_MASK ((1u << REG_GEN_BITS) - 1)
#define REG_INDEX_MASK ((1u << REG_INDEX_BITS) - 1)

#define REGISTRY_SIZE (REG_INDEX_MASK + 1) /* 1024 entries, index 0 unused */
#define MAX_CAPACITY SLOT_INDEX_MASK        /* 2^20 - 1 slots */

typedef struct id_parts {
	uint32_t reg_index, reg_gen, slot_index, slot_gen;
} id_parts;

static wk_slot_id make_id(uint32_t reg_index, uint32_t reg_gen, uint32_t slot_index,
			  uint32_t slot_gen)
{
	return (uint64_t)reg_index << REG_INDEX_SHIFT | (uint64_t)reg_gen << REG_GEN_SHIFT |
	       (uint64_t)slot_index << SLOT_INDEX_SHIFT | (uint64_t)slot_gen << SLOT_GEN_SHIFT;
}

static id_parts split_id(wk_slot_id id)
{
	id_parts p;
	p.reg_index = (uint32_t)(id >> REG_INDEX_SHIFT) & REG_INDEX_MASK;
	p.reg_gen = (uint32_t)(id >> REG_GEN_SHIFT) & REG_GEN_MASK;
	p.slot_index = (uint32_t)(id >> SLOT_INDEX_SHIFT) & SLOT_INDEX_MASK;
	p.slot_gen = (uint32_t)(id >> SLOT_GEN_SHIFT) & SLOT_GEN_MASK;
	return p;
}

/* ---- slot state word --------------------------------------------------- */

#define SLOT_ALLOCATED 1u
#define SLOT_QUEUED 2u
#define SLOT_WOKEN 4u
#define SLOT_STATE_GEN_SHIFT 3

static uint32_t state_gen(uint32_t state)
{
	return (state >> SLOT_STATE_GEN_SHIFT) & SLOT_GEN_MASK;
}

/* ---- data structures --------------------------------------------------- */

typedef struct slot {
	_Atomic uint32_t state;       /* generation | WOKEN | QUEUED | ALLOCATED */
	_Atomic uint32_t next_queued; /* stack / pending link: index + 1, 0 ends */
	uint32_t next_free;           /* free-list link (owner only): index + 1 */
} slot;

struct wk_slot_table {
	/* Written by every waker: on its own cache line. */
	_Alignas(64) _Atomic uint32_t woken_head; /* Treiber stack: index + 1, 0 empty */

	/* Owner only, or read-only after creation. */
	_Alignas(64) uint32_t pending_head; /* taken from the stack, not yet drained */
	uint32_t pending_tail;
	uint32_t free_head;
	uint32_t capacity;
	uint32_t reg_index;
	uint32_t reg_gen;
	wk_slot_notify_fn notify;
	void *notify_arg;
	slot *slots;
};

#define USERS_MASK UINT64_C(0xffffffff)
#define LIFE_ONE (UINT64_C(1) << 32)

typedef struct registry_entry {
	_Alignas(64) _Atomic uint64_t word; /* life counter << 32 | users in flight */
	wk_slot_table *table;               /* set before the word turns live */
	int in_use;                         /* guarded by registry_lock */
} registry_entry;

static registry_entry registry[REGISTRY_SIZE];
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t registry_cursor = 1; /* guarded by registry_lock */

static uint32_t life_gen(uint64_t life)
{
	return (uint32_t)(life >> 1) & REG_GEN_MASK;
}

/* ---- registry ---------------------------------------------------------- */

/* Moves t into a free registry entry; 0 when all 1023 are taken. */
static uint32_t registry_enter(wk_slot_table *t)
{
	uint32_t i, idx = 0;
	uint64_t life;
	registry_entry *e;

	pthread_mutex_lock(&registry_lock);
	/* Round robin, so a freed entry is reused as late as possible and its
	 * 14-bit generation wraps as slowly as possible. */
	for (i = 0; i < REGISTRY_SIZE - 1; i++) {
		uint32_t candidate = (registry_cursor - 1 + i) % (REGISTRY_SIZE - 1) + 1;
		if (!registry[candidate].in_use) {
			idx = candidate;
			break;
		}
	}
	if (idx == 0) {
		pthread_mutex_unlock(&registry_lock);
		return 0;
	}
	e = &registry[idx];
	/* A static entry: marked again at each use, which is harmless. */
	wk__annotate_atomic(&e->word, sizeof e->word);
	e->in_use = 1;
	e->table = t;
	/* relaxed: only this lock's holder changes the life counter of an entry
	 * that is not in use; the users half may move, and is masked off. */
	life = (atomic_load_explicit(&e->word, memory_order_relaxed) >> 32) + 1;
	t->reg_index = idx;
	t->reg_gen = life_gen(life);
	wk__annotate_release(&e->word); /* the RMW's release */
	/* release: a wake that sees the word live (acquire) sees e->table and
	 * the table's initialised fields. */
	atomic_fetch_add_explicit(&e->word, LIFE_ONE, memory_order_release);
	registry_cursor = idx % (REGISTRY_SIZE - 1) + 1;
	pthread_mutex_unlock(&registry_lock);
	return idx;
}

static void registry_leave(wk_slot_table *t)
{
	registry_entry *e = &registry[t->reg_index];

	/* relaxed: live -> gone with a new generation.  One word with the users
	 * count, so every later wake's fetch_add sees it (modification order),
	 * and the loads below read it or later (same-location coherence). */
	atomic_fetch_add_explicit(&e->word, LIFE_ONE, memory_order_relaxed);
	/* acquire: pairs with the release decrement of each wake in flight, so
	 * everything it did to the table happens-before the free that follows.
	 * Wakes never block and notify must not block, so this wait is short. */
	while ((atomic_load_explicit(&e->word, memory_order_acquire) & USERS_MASK) != 0)
		sched_yield();
	wk__annotate_acquire(&e->word); /* the acquire of the load that saw 0 */

	pthread_mutex_lock(&registry_lock);
	e->table = NULL;
	e->in_use = 0;
	pthread_mutex_unlock(&registry_lock);
}

/* ---- owner-side lists -------------------------------------------------- */

static void free_push(wk_slot_table *t, uint32_t index)
{
	t->slots[index].next_free = t->free_head;
	t->free_head = index + 1;
}

/* Append everything wakers pushed to the pending list, oldest first. */
static void collect_woken(wk_slot_table *t)
{
	uint32_t node, oldest_first = 0, last = 0;

	/* acquire: pairs with every pusher's release CAS (one release sequence
	 * on the head), so their links and slot updates are visible. */
	node = atomic_exchange_explicit(&t->woken_head, 0, memory_order_acquire);
	if (node == 0)
		return;
	wk__annotate_acquire(&t->woken_head); /* the exchange's acquire */
	last = node; /* the newest entry ends the reversed list */
	while (node != 0) {
		slot *s = &t->slots[node - 1];
		/* relaxed: ordered by the acquire exchange; QUEUED is set, so no
		 * waker writes this link until the owner clears QUEUED. */
		uint32_t next = atomic_load_explicit(&s->next_queued, memory_order_relaxed);
		atomic_store_explicit(&s->next_queued, oldest_first, memory_order_relaxed);
		oldest_first = node;
		node = next;
	}
	if (t->pending_tail != 0)
		/* relaxed: owner-only link while QUEUED is set. */
		atomic_store_explicit(&t->slots[t->pending_tail - 1].next_queued, oldest_first,
				      memory_order_relaxed);
	else
		t->pending_head = oldest_first;
	t->pending_tail = last;
}

/* ---- waking (any thread) ----------------------------------------------- */

static const wk_raw_waker_vtable slot_vtable;

static void push_woken(wk_slot_table *t, uint32_t index)
{
	slot *s = &t->slots[index];
	/* relaxed: only the index is used, never dereferenced (no ABA, see top). */
	uint32_t head = atomic_load_explicit(&t->woken_head, memory_order_relaxed);
	do {
		/* relaxed: published by the release CAS below. */
		atomic_store_explicit(&s->next_queued, head, memory_order_relaxed);
		wk__annotate_release(&t->woken_head); /* the CAS's release */
		/* release: the link and this waker's writes reach the owner's
		 * acquire exchange in collect_woken. */
	} while (!atomic_compare_exchange_weak_explicit(&t->woken_head, &head, index + 1,
							memory_order_release, memory_order_relaxed));
}

static void mark_woken(wk_slot_table *t, uint32_t index, uint32_t gen)
{
	slot *s;
	uint32_t cur;

	if (index >= t->capacity)
		return; /* not an id this table ever handed out */
	s = &t->slots[index];
	/* relaxed: only a starting guess for the CAS below. */
	cur = atomic_load_explicit(&s->state, memory_order_relaxed);
	for (;;) {
		if (!(cur & SLOT_ALLOCATED) || state_gen(cur) != gen)
			return; /* stale id: released, maybe reused (WK-STRAT-004) */
		wk__annotate_release(&s->state); /* the CAS's release */
		/* release, also when WOKEN is already set: a coalesced wake's
		 * writes must reach the drain's acquire clear of WOKEN too. */
		if (atomic_compare_exchange_weak_explicit(&s->state, &cur,
							  cur | SLOT_WOKEN | SLOT_QUEUED,
							  memory_order_release, memory_order_relaxed))
			break;
	}
	if (cur & SLOT_QUEUED)
		return; /* already linked: the drain will find WOKEN there */
	push_woken(t, index);
	if (t->notify != NULL)
		t->notify(t->notify_arg);
}

static void slot_wake(const void *data)
{
	id_parts p = split_id((wk_slot_id)(uintptr_t)data);
	registry_entry *e;
	uint64_t old, life;

	if (p.reg_index == 0)
		return; /* never a valid id */
	e = &registry[p.reg_index];
	/* relaxed: a cheap early exit for ids of gone tables, so a storm of stale
	 * wakes does not keep users above 0 and starve wk_slot_table_free.  The
	 * decision is made again on the RMW below. */
	life = atomic_load_explicit(&e->word, memory_order_relaxed) >> 32;
	if (!(life & 1) || life_gen(life) != p.reg_gen)
		return;
	/* acquire: pairs with the release in registry_enter, so a live table
	 * is seen fully initialised.  The increment keeps it from being freed
	 * until the decrement below (see the file comment). */
	old = atomic_fetch_add_explicit(&e->word, 1, memory_order_acquire);
	wk__annotate_acquire(&e->word); /* the RMW's acquire */
	life = old >> 32;
	if ((life & 1) && life_gen(life) == p.reg_gen)
		mark_woken(e->table, p.slot_index, p.slot_gen);
	wk__annotate_release(&e->word); /* the RMW's release */
	/* release: everything done to the table happens-before its free. */
	atomic_fetch_sub_explicit(&e->word, 1, memory_order_release);
}

static wk_raw_waker slot_clone(const void *data)
{
	wk_raw_waker raw; /* an id needs no counting: clone is a copy */
	raw.data = data;
	raw.vtable = &slot_vtable;
	return raw;
}

static void slot_drop(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable slot_vtable = {
	slot_clone,
	slot_wake, /* wake: nothing to release */
	slot_wake, /* wake_by_ref */
	slot_drop,
};

/* ---- owner API --------------------------------------------------------- */

static void check_table(const wk_slot_table *t, const char *op)
{
	if (t == NULL)
		wk_fatal("%s: table must not be NULL", op);
}

/* The slot index of an id of table t, or abort naming the operation. */
static uint32_t own_slot_index(const wk_slot_table *t, wk_slot_id id, const char *op)
{
	id_parts p = split_id(id);
	if (p.reg_index != t->reg_index || p.reg_gen != t->reg_gen || p.slot_index >= t->capacity)
		wk_fatal("%s: id %#llx does not belong to table %p", op, (unsigned long long)id,
			 (const void *)t);
	return p.slot_index;
}

wk_slot_table *wk_slot_table_new(uint32_t capacity, wk_slot_notify_fn notify, void *arg)
{
	wk_slot_table *t;
	uint32_t i;

	if (capacity == 0 || capacity > MAX_CAPACITY)
		return NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->slots = calloc(capacity, sizeof *t->slots);
	if (t->slots == NULL) {
		free(t);
		return NULL;
	}
	t->capacity = capacity;
	t->notify = notify;
	t->notify_arg = arg;
	/* calloc'd zeros are the atomics' initial values. */
	wk__annotate_atomic(&t->woken_head, sizeof t->woken_head);
	for (i = 0; i < capacity; i++) {
		wk__annotate_atomic(&t->slots[i].state, sizeof t->slots[i].state);
		wk__annotate_atomic(&t->slots[i].next_queued, sizeof t->slots[i].next_queued);
	}
	for (i = capacity; i > 0; i--) /* lowest index handed out first */
		free_push(t, i - 1);
	if (registry_enter(t) == 0) {
		free(t->slots);
		free(t);
		return NULL;
	}
	return t;
}

void wk_slot_table_free(wk_slot_table *t)
{
	if (t == NULL)
		return;
	registry_leave(t);
	/* Forget the edges keyed by the memory freed below (slot states). */
	for (uint32_t i = 0; i < t->capacity; i++)
		wk__annotate_freeing(&t->slots[i].state);
	wk__annotate_freeing(&t->woken_head);
	free(t->slots);
	free(t);
}

wk_slot_id wk_slot_alloc(wk_slot_table *t)
{
	uint32_t index, old;

	check_table(t, "wk_slot_alloc");
	if (t->free_head == 0)
		return 0;
	index = t->free_head - 1;
	t->free_head = t->slots[index].next_free;
	/* relaxed: the id reaches wakers through whatever hands them the
	 * waker, which orders this write for them. */
	old = atomic_fetch_or_explicit(&t->slots[index].state, SLOT_ALLOCATED, memory_order_relaxed);
	return make_id(t->reg_index, t->reg_gen, index, state_gen(old));
}

void wk_slot_release(wk_slot_table *t, wk_slot_id id)
{
	uint32_t index, cur, next;
	slot *s;

	check_table(t, "wk_slot_release");
	index = own_slot_index(t, id, "wk_slot_release");
	s = &t->slots[index];
	/* relaxed: ALLOCATED and the generation change only on this thread. */
	cur = atomic_load_explicit(&s->state, memory_order_relaxed);
	if (!(cur & SLOT_ALLOCATED) || state_gen(cur) != split_id(id).slot_gen)
		wk_fatal("wk_slot_release: id %#llx of table %p is not allocated (released twice, or "
			 "stale)",
			 (unsigned long long)id, (const void *)t);
	do {
		/* New generation; not allocated, not woken; QUEUED kept (the link
		 * belongs to the stack, maybe set by a wake racing with us). */
		next = ((state_gen(cur) + 1) & SLOT_GEN_MASK) << SLOT_STATE_GEN_SHIFT |
		       (cur & SLOT_QUEUED);
		/* relaxed: a stale wake needs no ordering, only to fail its
		 * generation check; a CAS, not a store, so a racing QUEUED is kept. */
	} while (!atomic_compare_exchange_weak_explicit(&s->state, &cur, next, memory_order_relaxed,
							memory_order_relaxed));
	free_push(t, index);
}

wk_waker wk_slot_waker(wk_slot_table *t, wk_slot_id id)
{
	check_table(t, "wk_slot_waker");
	(void)own_slot_index(t, id, "wk_slot_waker");
	return wk_waker_new((const void *)(uintptr_t)id, &slot_vtable);
}

size_t wk_slot_drain(wk_slot_table *t, wk_slot_id *out, size_t max)
{
	size_t n = 0;

	check_table(t, "wk_slot_drain");
	collect_woken(t);
	while (n < max && t->pending_head != 0) {
		uint32_t node = t->pending_head;
		slot *s = &t->slots[node - 1];
		uint32_t old;

		/* relaxed: owner-only link (see collect_woken). */
		t->pending_head = atomic_load_explicit(&s->next_queued, memory_order_relaxed);
		if (t->pending_head == 0)
			t->pending_tail = 0;
		/* acquire: reads from the release CAS of every wake since the slot
		 * was queued, coalesced ones included (WK-RAW-005).  Once QUEUED is
		 * clear, the next wake links the slot again. */
		old = atomic_fetch_and_explicit(&s->state, ~(SLOT_QUEUED | SLOT_WOKEN),
						memory_order_acquire);
		wk__annotate_acquire(&s->state); /* the RMW's acquire */
		if (old & SLOT_WOKEN) /* else: released (maybe reused) since its wake */
			out[n++] = make_id(t->reg_index, t->reg_gen, node - 1, state_gen(old));
	}
	return n;
}

bool wk_slot_live(const wk_slot_table *t, wk_slot_id id)
{
	id_parts p = split_id(id);
	uint32_t state;

	check_table(t, "wk_slot_live");
	if (p.reg_index != t->reg_index || p.reg_gen != t->reg_gen || p.slot_index >= t->capacity)
		return false;
	/* relaxed: a snapshot; only the owner changes ALLOCATED. */
	state = atomic_load_explicit(&t->slots[p.slot_index].state, memory_order_relaxed);
	return (state & SLOT_ALLOCATED) && state_gen(state) == p.slot_gen;
}
