/*
 * mode_slots.c - the task-id executor (WK-TPC-025): seed 002's second
 * strategy.  Each task owns a slot of a wk_slot_table; its waker is the
 * slot's id (index + generation), which wakes nothing once the slot is
 * released or the table freed.  Wakes from any thread coalesce in the table;
 * the driver drains the woken ids and polls those tasks.
 *
 * The id layout is the table's business, so tasks are found by id through
 * a small open-addressing hash map (linear probing, backward-shift delete),
 * touched by the driving thread only.  Spawns from any thread arrive through
 * the same lock-free queue the runtime's cores use (remote_queue.c).
 */
#include "tpc_internal.h"

#include <stdlib.h>

#include "wk_annotate.h"

#define DRAIN_BATCH 64

typedef struct slot_task {
	wk_slot_id id;
	wk_future *future;
} slot_task;

typedef struct spawn_msg {
	wk__tpc_rnode node;
	wk_future *future;
} spawn_msg;

struct wk_tpc_slots {
	wk_slot_table *table;
	uint32_t capacity;
	_Atomic uint32_t live; /* spawned and not finished (any thread) */
	wk__tpc_rqueue inbox;
	slot_task **map; /* driver only */
	size_t map_mask;
};

/* ---- the id -> task map ------------------------------------------------------------- */

static size_t map_home(const wk_tpc_slots *ex, wk_slot_id id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 17) & ex->map_mask;
}

static void map_put(wk_tpc_slots *ex, slot_task *t)
{
	size_t i = map_home(ex, t->id);
	while (ex->map[i] != NULL)
		i = (i + 1) & ex->map_mask;
	ex->map[i] = t;
}

static slot_task *map_get(const wk_tpc_slots *ex, wk_slot_id id)
{
	size_t i = map_home(ex, id);
	while (ex->map[i] != NULL) {
		if (ex->map[i]->id == id)
			return ex->map[i];
		i = (i + 1) & ex->map_mask;
	}
	return NULL;
}

static void map_del(wk_tpc_slots *ex, wk_slot_id id)
{
	size_t i = map_home(ex, id), j;
	while (ex->map[i] != NULL && ex->map[i]->id != id)
		i = (i + 1) & ex->map_mask;
	if (ex->map[i] == NULL)
		return;
	ex->map[i] = NULL;
	/* Backward shift: move later entries of the cluster into the hole
	 * when their home position allows it. */
	j = i;
	for (;;) {
		size_t home;
		j = (j + 1) & ex->map_mask;
		if (ex->map[j] == NULL)
			return;
		home = map_home(ex, ex->map[j]->id);
		if (((j - home) & ex->map_mask) >= ((j - i) & ex->map_mask)) {
			ex->map[i] = ex->map[j];
			ex->map[j] = NULL;
			i = j;
		}
	}
}

/* ---- lifecycle ----------------------------------------------------------------------- */

wk_tpc_slots *wk_tpc_slots_create(const wk_tpc_config *cfg)
{
	uint32_t cap = cfg != NULL && cfg->max_tasks != 0 ? cfg->max_tasks : 4096u;
	size_t mapsize = 16;
	wk_tpc_slots *ex = calloc(1, sizeof *ex);
	if (ex == NULL)
		return NULL;
	while (mapsize < (size_t)cap * 2)
		mapsize *= 2;
	ex->map = calloc(mapsize, sizeof *ex->map);
	ex->table = wk_slot_table_new(cap, NULL, NULL);
	if (ex->map == NULL || ex->table == NULL) {
		if (ex->table != NULL)
			wk_slot_table_free(ex->table);
		free(ex->map);
		free(ex);
		return NULL;
	}
	ex->map_mask = mapsize - 1;
	ex->capacity = cap;
	atomic_init(&ex->live, 0);
	wk__annotate_atomic(&ex->live, sizeof ex->live);
	wk__tpc_rq_init(&ex->inbox);
	return ex;
}

int wk_tpc_slots_spawn(wk_tpc_slots *ex, int core, unsigned flags, wk_future *future)
{
	spawn_msg *m;
	uint32_t live;
	(void)flags; /* one thread runs everything */
	if (future == NULL)
		wk_fatal("wk_tpc_slots_spawn: future must not be NULL");
	if (core > 0)
		goto fail;
	/* relaxed: a counter; the slot itself is claimed by the driver. */
	live = atomic_load_explicit(&ex->live, memory_order_relaxed);
	do {
		if (live >= ex->capacity)
			goto fail;
	} while (!atomic_compare_exchange_weak_explicit(&ex->live, &live, live + 1,
							memory_order_relaxed, memory_order_relaxed));
	m = malloc(sizeof *m);
	if (m == NULL) {
		atomic_fetch_sub_explicit(&ex->live, 1, memory_order_relaxed);
		goto fail;
	}
	m->node.kind = WK__TPC_RNODE_OTHER;
	m->future = future;
	if (!wk__tpc_rq_push(&ex->inbox, &m->node)) {
		atomic_fetch_sub_explicit(&ex->live, 1, memory_order_relaxed);
		free(m);
		goto fail;
	}
	return 0;
fail:
	wk_future_drop(future);
	return -1;
}

static void finish(wk_tpc_slots *ex, slot_task *t)
{
	map_del(ex, t->id);
	wk_slot_release(ex->table, t->id); /* every waker of this id goes stale */
	wk_future_drop(t->future);
	free(t);
	/* relaxed: a counter. */
	atomic_fetch_sub_explicit(&ex->live, 1, memory_order_relaxed);
}

static void poll_task(wk_tpc_slots *ex, slot_task *t)
{
	wk_waker w = wk_slot_waker(ex->table, t->id);
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	wk_poll r = wk_future_poll(t->future, &cx, &out);
	wk_waker_drop(&w);
	if (r == WK_READY)
		finish(ex, t);
}

/* Take the spawns that arrived; poll each once.  Returns how many. */
static size_t adopt_spawns(wk_tpc_slots *ex)
{
	wk__tpc_rnode *n = wk__tpc_rq_take(&ex->inbox);
	size_t count = 0;
	while (n != NULL) {
		spawn_msg *m = (spawn_msg *)n;
		slot_task *t = malloc(sizeof *t);
		n = n->next;
		count++;
		if (t == NULL || (t->id = wk_slot_alloc(ex->table)) == 0) {
			/* Cannot happen within capacity; drop rather than leak. */
			free(t);
			wk_future_drop(m->future);
			atomic_fetch_sub_explicit(&ex->live, 1, memory_order_relaxed);
			free(m);
			continue;
		}
		t->future = m->future;
		free(m);
		map_put(ex, t);
		poll_task(ex, t);
	}
	return count;
}

int wk_tpc_slots_run_until_quiescent(wk_tpc_slots *ex, uint64_t timeout_ns)
{
	uint64_t start = wk__tpc_monotonic_ns();
	uint64_t end = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	wk_slot_id ids[DRAIN_BATCH];
	for (;;) {
		size_t did = adopt_spawns(ex);
		size_t n = wk_slot_drain(ex->table, ids, DRAIN_BATCH), i;
		for (i = 0; i < n; i++) {
			slot_task *t = map_get(ex, ids[i]);
			if (t != NULL)
				poll_task(ex, t);
		}
		did += n;
		if (did == 0)
			return 1;
		if (wk__tpc_monotonic_ns() >= end)
			return 0;
	}
}

size_t wk_tpc_slots_live_tasks(const wk_tpc_slots *ex)
{
	/* relaxed: a snapshot. */
	return atomic_load_explicit(&((wk_tpc_slots *)ex)->live, memory_order_relaxed);
}

void wk_tpc_slots_destroy(wk_tpc_slots *ex)
{
	wk__tpc_rnode *n;
	size_t i;
	if (ex == NULL)
		return;
	/* Close the inbox first: a spawn racing with destroy then fails and
	 * drops its own future. */
	n = wk__tpc_rq_close(&ex->inbox);
	while (n != NULL) {
		spawn_msg *m = (spawn_msg *)n;
		n = n->next;
		wk_future_drop(m->future);
		free(m);
	}
	for (i = 0; i <= ex->map_mask; i++) {
		slot_task *t = ex->map[i];
		if (t == NULL)
			continue;
		ex->map[i] = NULL;
		wk_slot_release(ex->table, t->id);
		wk_future_drop(t->future);
		free(t);
	}
	wk_slot_table_free(ex->table); /* wakers of its ids stay harmless */
	free(ex->map);
	wk__annotate_freeing(&ex->inbox); /* remote_queue.c's edges */
	free(ex);
}
