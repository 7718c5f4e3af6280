/*
 * shutdown.c - how a core stops: every unfinished future dropped exactly
 * once, on the core's own thread, while wakes and spawns keep arriving
 * (WK-TPC-012..015).
 *
 * PHASES (on the core's thread; deterministic: the driving thread, with the
 * core as the current core)
 *   1. Close the remote queue.  Spawns still in it are adopted, so that
 *      phase 4 drops them like the others; queued wakes are released (their
 *      handles keep queued set: later wakes of them return at once).  From
 *      here a remote push fails and its pusher drops what it carried, and a
 *      spawn onto this core from a future's drop is refused (future dropped).
 *   2. Pin every task (one plain reference each), so that nothing is freed
 *      while futures are dropped: a dropped future may release local wakers
 *      and join handles of any task of this core.
 *   3. Mark every unfinished task COMPLETE before dropping any future: a
 *      drop that wakes another task of this core then finds it COMPLETE and
 *      the wake is ignored (tokio #1972 was a re-entrant poll from such a
 *      wake).  The run queue is abandoned.
 *   4. Drop each unfinished future (exactly once: its pointer is cleared
 *      first) and tell its join handle CANCELLED.
 *   5. Disarm timers whose futures did not cancel them.
 *   6. Unpin.  Tasks nobody else refers to are freed here.
 *   7. Orphan the rest: tasks still referenced by a local waker or a local
 *      join handle held outside any future.  They leave the core's books
 *      for the shared block, which they keep alive until their last
 *      reference goes.
 */
#include "tpc_internal.h"

#include <stdlib.h>

static void close_remote_queue(wk__tpc_core *core)
{
	wk__tpc_rnode *n = wk__tpc_rq_close(core->rq);
	while (n != NULL) {
		wk__tpc_rnode *next = n->next;
		if (n->kind == WK__TPC_RNODE_SPAWN)
			wk__tpc_task_adopt(core, (wk__tpc_task *)n);
		else
			wk__tpc_handle_release((wk__tpc_handle *)n);
		n = next;
	}
}

void wk__tpc_core_shutdown(wk__tpc_core *core)
{
	wk__tpc_task **pinned = NULL;
	wk__tpc_task *t;
	wk__tpc_link *l;
	size_t count = 0, i;

	core->closing = true;
	close_remote_queue(core);

	for (l = core->all.next; l != &core->all; l = l->next)
		count++;
	if (count > 0) {
		pinned = malloc(count * sizeof *pinned);
		if (pinned == NULL)
			wk_fatal("wk_tpc_destroy: out of memory while stopping core %u", core->index);
	}
	i = 0;
	for (l = core->all.next; l != &core->all; l = l->next) {
		t = wk__tpc_task_of_link(l);
		pinned[i++] = t;
		wk__tpc_task_retain(t);
	}

	for (i = 0; i < count; i++)
		if (pinned[i]->future != NULL)
			wk__tpc_set_state(pinned[i], WK__TPC_COMPLETE);
	wk__tpc_core_run_queue_clear(core);

	for (i = 0; i < count; i++)
		if (pinned[i]->future != NULL)
			wk__tpc_task_cancel(pinned[i]);

	wk__tpc_timers_clear(core);

	for (i = 0; i < count; i++)
		wk__tpc_task_release(pinned[i]);
	free(pinned);

	while (core->all.next != &core->all)
		wk__tpc_task_orphan(wk__tpc_task_of_link(core->all.next));

	while (core->cache != NULL) {
		t = core->cache;
		core->cache = t->run_next;
		free(t);
	}
	core->cache_len = 0;
}
