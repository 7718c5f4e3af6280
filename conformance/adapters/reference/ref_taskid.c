/*
 * ref_taskid.c - adapter "ref.taskid": the reference task-id executor.
 * Each task owns a slot of a wk_slot_table; its waker is the slot's id
 * (index + generation), with no allocation and no reference count, so a
 * waker that outlives its task or the executor wakes nothing.  Runs every
 * task on the thread that calls run (the driver); wakes from any thread
 * coalesce in the table.
 *
 * Capabilities:
 *   THREAD_SAFE_WAKERS  slot wakers work from any thread
 *   SPAWN_LOCAL         honoured trivially: every poll is on the driver thread
 *   LIVE_TASKS          tasks spawned and not finished (a task holds no
 *                       memory once finished: wakers are ids)
 *   ANNOTATED           the slot table and the runtime state their lock-free
 *                       edges and atomics with wkc/annotate.h
 * Not LOCAL_WAKERS (cx local_waker() is the slot waker viewed as local),
 * not MULTI_THREAD, no cores to choose (core 0 or any).
 */
#include "ref_adapter.h"

/* Enough for the largest check; a full table refuses spawns cleanly. */
#define TASKID_CAPACITY 16384u

static const wkc__ref_mode mode = {
	.mode = WK_TPC_MODE_SLOTS,
	.policy = WK_TPC_FOREIGN_ROUTE,
	.default_cores = 1,
	.max_cores = 1,
	.max_tasks = TASKID_CAPACITY,
};

WKC_REF_ADAPTER(wkc__ref_taskid_adapter, "ref.taskid",
		WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_SPAWN_LOCAL | WKC_CAP_LIVE_TASKS |
		WKC_CAP_ANNOTATED)
