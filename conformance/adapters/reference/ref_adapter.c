/*
 * ref_adapter.c - the executor wrapper every reference adapter uses: it maps
 * the adapter ABI (wkc/adapter.h) onto the runtime's per-mode operations
 * (wk/tpc.h, wk_tpc_exec_ops) and adds nothing to the executor's behaviour.
 *
 *   ABI                       runtime
 *   create(cfg)               ops->create(wk_tpc_config from cfg and the mode)
 *   spawn(fut, core, flags)   ops->spawn (WKC_ANY_CORE = WK_TPC_CORE_ANY,
 *                             WKC_SPAWN_LOCAL = WK_TPC_SPAWN_LOCAL)
 *   run(timeout)              ops->run_until_quiescent: 1 -> IDLE, 0 -> TIMEOUT
 *   live_tasks                ops->live_tasks
 *   core_count                ops->core_count
 *   destroy                   ops->destroy
 *
 * THREADS
 *   Every function here runs on the harness's driver thread (adapter.h), so
 *   the wrapper's own fields need no synchronisation.  The single-task
 *   executor's "is a task live" test before a spawn cannot race with the
 *   task's completion: that executor completes tasks inside run, on this
 *   same thread.
 */
#include "ref_adapter.h"

#include <stdio.h>
#include <stdlib.h>

struct wkc_executor {
	const wkc__ref_mode *mode;
	const wk_tpc_exec_ops *ops;
	void *exec;
	unsigned cores;
	uint8_t *schedule; /* deterministic mode: the bytes handed to create */
};

/* splitmix64: a small, well-mixed stream from the run's seed. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Schedule bytes for the deterministic mode: enough for long checks; when
 * they run out the scheduler goes round robin, which is still correct. */
#define SCHEDULE_BYTES 65536u

static uint8_t *seeded_schedule(uint64_t seed)
{
	uint8_t *b = malloc(SCHEDULE_BYTES);
	uint64_t s = seed;
	size_t i;
	if (b == NULL)
		return NULL;
	for (i = 0; i < SCHEDULE_BYTES; i += 8) {
		uint64_t r = splitmix64(&s);
		size_t k;
		for (k = 0; k < 8; k++)
			b[i + k] = (uint8_t)(r >> (8 * k));
	}
	return b;
}

wkc_executor *wkc__ref_create(const wkc__ref_mode *m, const wkc_config *cfg, char *err,
			      size_t errlen)
{
	wkc_executor *ex;
	wk_tpc_config tc;
	unsigned cores = cfg != NULL && cfg->cores != 0 ? cfg->cores : m->default_cores;
	uint64_t seed = cfg != NULL ? cfg->seed : 0;

	/* cores is a wish (adapter.h): a mode that runs fewer says so through
	 * core_count instead of failing the check. */
	if (cores > m->max_cores)
		cores = m->max_cores;
	ex = calloc(1, sizeof *ex);
	if (ex == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ex->mode = m;
	ex->ops = wk_tpc_exec_ops_for(m->mode);
	if (ex->ops == NULL) {
		snprintf(err, errlen, "the runtime has no operations for mode %d", (int)m->mode);
		free(ex);
		return NULL;
	}
	wk_tpc_config_init(&tc);
	tc.mode = m->mode;
	tc.cores = cores;
	tc.foreign_policy = m->policy;
	tc.waker_kind = m->waker_kind;
	tc.max_tasks = m->max_tasks;
	if (m->seeded_schedule) {
		ex->schedule = seeded_schedule(seed);
		if (ex->schedule == NULL) {
			snprintf(err, errlen, "out of memory for the schedule bytes");
			free(ex);
			return NULL;
		}
		tc.schedule = ex->schedule;
		tc.schedule_len = SCHEDULE_BYTES;
	}
	ex->exec = ex->ops->create(&tc);
	/* The runtime copied the bytes it keeps. */
	free(ex->schedule);
	ex->schedule = NULL;
	if (ex->exec == NULL) {
		snprintf(err, errlen, "%s: create failed (bad configuration or out of memory)",
			 ex->ops->name);
		free(ex);
		return NULL;
	}
	ex->cores = ex->ops->core_count(ex->exec);
	return ex;
}

void wkc__ref_destroy(wkc_executor *ex)
{
	if (ex == NULL)
		return;
	ex->ops->destroy(ex->exec);
	free(ex);
}

int wkc__ref_spawn(wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	unsigned tflags = 0;
	int tcore;

	/* Refuse up front what the runtime would refuse by dropping the
	 * future (see ref_adapter.h). */
	if (core == WKC_ANY_CORE)
		tcore = WK_TPC_CORE_ANY;
	else if (core < 0 || (unsigned)core >= ex->cores)
		return -1;
	else
		tcore = core;
	if (ex->mode->one_task && ex->ops->live_tasks(ex->exec) != 0)
		return -1;
	if (ex->mode->max_tasks != 0 && ex->ops->live_tasks(ex->exec) >= ex->mode->max_tasks)
		return -1;
	if (flags & WKC_SPAWN_LOCAL)
		tflags |= WK_TPC_SPAWN_LOCAL;
	/* Unknown flag bits are ignored: a newer harness may ask for more than
	 * this adapter knows, and ignoring a hint keeps the task correct. */
	return ex->ops->spawn(ex->exec, tcore, tflags, fut) == 0 ? 0 : -1;
}

int wkc__ref_run(wkc_executor *ex, uint64_t timeout_ns)
{
	return ex->ops->run_until_quiescent(ex->exec, timeout_ns) ? WKC_RUN_IDLE : WKC_RUN_TIMEOUT;
}

long wkc__ref_live_tasks(wkc_executor *ex)
{
	return (long)ex->ops->live_tasks(ex->exec);
}

uint32_t wkc__ref_core_count(wkc_executor *ex)
{
	return ex->cores;
}
