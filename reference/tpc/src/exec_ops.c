/*
 * exec_ops.c - one table of operations per executor mode (WK-TPC-026), so
 * that an adapter (the conformance harness's, a benchmark's) wraps every
 * mode with the same code: create, spawn onto a core or any, run until
 * quiescent with a timeout, live-task count, destroy.
 */
#include "tpc_internal.h"

/* ---- threads and deterministic: the runtime itself ---------------------------------- */

static void *rt_create_threads(const wk_tpc_config *cfg)
{
	wk_tpc_config c;
	if (cfg != NULL)
		c = *cfg;
	else
		wk_tpc_config_init(&c);
	c.mode = WK_TPC_MODE_THREADS;
	return wk_tpc_create(&c);
}

static void *rt_create_det(const wk_tpc_config *cfg)
{
	wk_tpc_config c;
	if (cfg != NULL)
		c = *cfg;
	else
		wk_tpc_config_init(&c);
	c.mode = WK_TPC_MODE_DETERMINISTIC;
	return wk_tpc_create(&c);
}

static void rt_destroy(void *exec)
{
	wk_tpc_destroy(exec);
}

static int rt_spawn(void *exec, int core, unsigned flags, wk_future *future)
{
	return wk_tpc_spawn(exec, core, flags, future, NULL);
}

static int rt_run(void *exec, uint64_t timeout_ns)
{
	return wk_tpc_run_until_quiescent(exec, timeout_ns);
}

static size_t rt_live(void *exec)
{
	return wk_tpc_live_tasks(exec);
}

static unsigned rt_cores(void *exec)
{
	return wk_tpc_core_count(exec);
}

static const wk_tpc_exec_ops ops_threads = {
	WK_TPC_EXEC_OPS_VERSION,
	"tpc-threads",
	WK_TPC_MODE_THREADS,
	WK_TPC_CAP_THREAD_SAFE_WAKERS | WK_TPC_CAP_LOCAL_WAKERS | WK_TPC_CAP_MULTI_THREAD |
		WK_TPC_CAP_THREAD_PER_CORE | WK_TPC_CAP_SPAWN_ANY_THREAD,
	rt_create_threads,
	rt_destroy,
	rt_spawn,
	rt_run,
	rt_live,
	rt_cores,
};

static const wk_tpc_exec_ops ops_det = {
	WK_TPC_EXEC_OPS_VERSION,
	"tpc-deterministic",
	WK_TPC_MODE_DETERMINISTIC,
	WK_TPC_CAP_THREAD_SAFE_WAKERS | WK_TPC_CAP_LOCAL_WAKERS | WK_TPC_CAP_THREAD_PER_CORE |
		WK_TPC_CAP_DETERMINISTIC | WK_TPC_CAP_SPAWN_ANY_THREAD,
	rt_create_det,
	rt_destroy,
	rt_spawn,
	rt_run,
	rt_live,
	rt_cores,
};

/* ---- single-task ------------------------------------------------------------------ */

static void *single_create(const wk_tpc_config *cfg)
{
	return wk_tpc_single_create(cfg);
}

static void single_destroy(void *exec)
{
	wk_tpc_single_destroy(exec);
}

static int single_spawn(void *exec, int core, unsigned flags, wk_future *future)
{
	return wk_tpc_single_spawn(exec, core, flags, future);
}

static int single_run(void *exec, uint64_t timeout_ns)
{
	return wk_tpc_single_run_until_quiescent(exec, timeout_ns);
}

static size_t single_live(void *exec)
{
	return wk_tpc_single_live_tasks(exec);
}

static unsigned one_core(void *exec)
{
	(void)exec;
	return 1;
}

static const wk_tpc_exec_ops ops_single = {
	WK_TPC_EXEC_OPS_VERSION,
	"tpc-single",
	WK_TPC_MODE_SINGLE,
	WK_TPC_CAP_THREAD_SAFE_WAKERS | WK_TPC_CAP_SINGLE_TASK | WK_TPC_CAP_SPAWN_ANY_THREAD,
	single_create,
	single_destroy,
	single_spawn,
	single_run,
	single_live,
	one_core,
};

/* ---- slot table --------------------------------------------------------------------- */

static void *slots_create(const wk_tpc_config *cfg)
{
	return wk_tpc_slots_create(cfg);
}

static void slots_destroy(void *exec)
{
	wk_tpc_slots_destroy(exec);
}

static int slots_spawn(void *exec, int core, unsigned flags, wk_future *future)
{
	return wk_tpc_slots_spawn(exec, core, flags, future);
}

static int slots_run(void *exec, uint64_t timeout_ns)
{
	return wk_tpc_slots_run_until_quiescent(exec, timeout_ns);
}

static size_t slots_live(void *exec)
{
	return wk_tpc_slots_live_tasks(exec);
}

static const wk_tpc_exec_ops ops_slots = {
	WK_TPC_EXEC_OPS_VERSION,
	"tpc-slots",
	WK_TPC_MODE_SLOTS,
	WK_TPC_CAP_THREAD_SAFE_WAKERS | WK_TPC_CAP_SPAWN_ANY_THREAD,
	slots_create,
	slots_destroy,
	slots_spawn,
	slots_run,
	slots_live,
	one_core,
};

const wk_tpc_exec_ops *wk_tpc_exec_ops_for(wk_tpc_mode mode)
{
	switch (mode) {
	case WK_TPC_MODE_THREADS:
		return &ops_threads;
	case WK_TPC_MODE_DETERMINISTIC:
		return &ops_det;
	case WK_TPC_MODE_SINGLE:
		return &ops_single;
	case WK_TPC_MODE_SLOTS:
		return &ops_slots;
	}
	return NULL;
}
