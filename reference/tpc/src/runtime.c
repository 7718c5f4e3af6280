/*
 * runtime.c - creating and destroying a runtime, spawning onto it, the core
 * threads' loop with parking, and waiting for quiescence.
 *
 * THE CORE LOOP (threads mode)
 *     poll up to BATCH tasks from the run queue
 *     fire due timers
 *     apply the remote queue if anything is there (a relaxed load when not)
 *     nothing runnable: park until a push, the next timer, or stop
 *   The batch bounds how long remote wakes and timers wait behind a busy
 *   run queue: the remote queue (one relaxed load when empty) and the
 *   timers are looked at after every BATCH = 64 polls at most, so a foreign
 *   wake or spawn waits behind at most 64 polls of this core's tasks, never
 *   longer, however busy the core is (a self-waking task goes to the back
 *   of the queue each time and counts again).  Nothing else is checked per
 *   poll: no clock read, no trace test (the threaded instance of the poll
 *   has none, task_inline.h), no atomic.
 *
 * PARKING (no lost wakeup, WK-TPC-010)
 *   read wake_seq; check stop; CAS remote head EMPTY -> SLEEPING (fails if
 *   anything is queued); publish "parked"; futex-wait while wake_seq is
 *   unchanged.  A push that replaces SLEEPING bumps wake_seq and wakes us
 *   (remote_queue.c); destroy sets stop and bumps wake_seq.  The read of
 *   wake_seq, the stop load, destroy's stop store and bump are seq_cst: if
 *   our stop load missed the store, the bump comes after our read in the
 *   single total order, so the futex wait does not sleep.
 *
 * QUIESCENCE (WK-TPC-019)
 *   Each core has park_seq, odd while parked (single writer, seq_cst
 *   stores).  A checker reads every park_seq (all odd), then every remote
 *   head (nothing queued) and published deadline (none due), then every
 *   park_seq again (unchanged).  A core that stayed parked across both reads
 *   ran nothing in between, and a remote queue only drains when its core
 *   runs; so at the moment of the first reads every core was parked with
 *   nothing queued and nothing due: quiescent.  Cores bump idle_seq when
 *   they park with a waiter registered, so the checker sleeps on a futex
 *   instead of spinning (and re-checks at least every millisecond).
 */
#include "tpc_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "wk_annotate.h"

#define BATCH 64
#define QUIESCE_RECHECK_NS 1000000u
#define SPIN_BEFORE_PARK_NS 20000u

void wk_tpc_config_init(wk_tpc_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->mode = WK_TPC_MODE_THREADS;
	cfg->cores = 1;
	cfg->foreign_policy = WK_TPC_FOREIGN_ROUTE;
	cfg->waker_kind = WK_TPC_WAKER_CHEAP;
}

/* ---- the core thread ------------------------------------------------------------ */

static void pin_self(unsigned index)
{
	cpu_set_t allowed, one;
	int n = 0, cpu, want;
	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed))
			n++;
	if (n == 0)
		return;
	want = (int)(index % (unsigned)n);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		if (want-- == 0)
			break;
	}
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	(void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);
}

static void park(wk__tpc_core *core)
{
	wk_tpc_runtime *rt = core->rt;
	wk__tpc_rqueue *rq = core->rq;
	uint64_t deadline, now, timeout = UINT64_MAX;
	uint32_t seq = atomic_load_explicit(&rq->wake_seq, memory_order_seq_cst);
	uint32_t ps;

	if (atomic_load_explicit(&rt->stop, memory_order_seq_cst))
		return;
	if (!wk__tpc_rq_try_sleep(rq))
		return; /* something arrived */
	deadline = wk__tpc_timers_next(core);
	if (deadline != UINT64_MAX) {
		now = wk__tpc_monotonic_ns();
		if (deadline <= now) {
			wk__tpc_rq_end_sleep(rq);
			return;
		}
		timeout = deadline - now;
	}
	/* relaxed: read by the quiescence check only after its seq_cst load of
	 * park_seq below, which orders it. */
	atomic_store_explicit(&core->published_deadline, deadline, memory_order_relaxed);
	ps = atomic_load_explicit(&core->park_seq, memory_order_relaxed);
	/* seq_cst: ordered with a quiescence waiter's registration (below). */
	atomic_store_explicit(&core->park_seq, ps + 1, memory_order_seq_cst);
	if (atomic_load_explicit(&rt->quiesce_waiters, memory_order_seq_cst) != 0) {
		atomic_fetch_add_explicit(&rt->idle_seq, 1, memory_order_seq_cst);
		wk__tpc_futex_wake_all(&rt->idle_seq);
	}
	wk__tpc_futex_wait(&rq->wake_seq, seq, timeout);
	/* seq_cst: "running again" is visible before anything we do next. */
	atomic_store_explicit(&core->park_seq, ps + 2, memory_order_seq_cst);
	wk__tpc_rq_end_sleep(rq);
}

/*
 * Before parking, watch the remote queue for a short while: a futex sleep
 * and wake-up costs tens of microseconds on a loaded machine, far more than
 * a cross-core wake that arrives a moment later.  Bounded, so an idle core
 * still gives its CPU back almost at once (SPIN_BEFORE_PARK_NS).  Reads
 * only (relaxed loads).
 */
static bool spin_for_work(wk__tpc_core *core)
{
	uint64_t end = 0;
	unsigned i;
	for (i = 0;; i++) {
		if (wk__tpc_rq_pending(core->rq) ||
		    atomic_load_explicit(&core->rt->stop, memory_order_relaxed))
			return true;
		if ((i & 63u) == 0) {
			uint64_t now = wk__tpc_monotonic_ns();
			if (end == 0)
				end = now + SPIN_BEFORE_PARK_NS;
			else if (now >= end)
				return false;
		}
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#endif
	}
}

static void *core_main(void *arg)
{
	wk__tpc_core *core = arg;
	wk_tpc_runtime *rt = core->rt;
	/* Before the core is current: nothing is adopted before this. */
	core->thread_id = wk_thread_id();
	wk__tpc_set_current(core);
	if (rt->cfg.pin)
		pin_self(core->index);
	for (;;) {
		/* The waker kind is fixed per runtime: pick the compiled
		 * instance of the poll once per batch, not once per poll. */
		if (WK__TPC_LIKELY(core->waker_kind == WK_TPC_WAKER_CHEAP))
			wk__tpc_core_run_batch(core, BATCH, false);
		else
			wk__tpc_core_run_batch(core, BATCH, true);
		if (core->heap_len > 0)
			wk__tpc_timers_fire(core, wk__tpc_monotonic_ns());
		if (wk__tpc_rq_pending(core->rq))
			wk__tpc_core_drain(core);
		/* relaxed: a hint; park() re-checks with seq_cst before sleeping. */
		if (atomic_load_explicit(&rt->stop, memory_order_relaxed))
			break;
		if (core->run_head == NULL && !spin_for_work(core))
			park(core);
	}
	wk__tpc_core_shutdown(core);
	wk__tpc_set_current(NULL);
	return NULL;
}

/* ---- create / destroy --------------------------------------------------------------- */

static void destroy_partial(wk_tpc_runtime *rt)
{
	if (rt->det != NULL)
		wk__tpc_det_free(rt->det);
	free(rt->cores);
	if (rt->shared != NULL)
		wk__tpc_shared_release(rt->shared);
	free(rt);
}

wk_tpc_runtime *wk_tpc_create(const wk_tpc_config *cfg)
{
	wk_tpc_runtime *rt;
	wk_tpc_config def;
	unsigned i, n;

	if (cfg == NULL) {
		wk_tpc_config_init(&def);
		cfg = &def;
	}
	if (cfg->mode != WK_TPC_MODE_THREADS && cfg->mode != WK_TPC_MODE_DETERMINISTIC)
		return NULL;
	n = cfg->cores == 0 ? 1 : cfg->cores;
	if (n > WK_TPC_MAX_CORES)
		return NULL;
	rt = calloc(1, sizeof *rt);
	if (rt == NULL)
		return NULL;
	rt->cfg = *cfg;
	rt->cfg.cores = n;
	rt->cfg.schedule = NULL; /* copied into the scheduler */
	rt->cfg.schedule_len = 0;
	rt->ncores = n;
	atomic_init(&rt->stop, 0);
	wk__annotate_atomic(&rt->stop, sizeof rt->stop);
	atomic_init(&rt->rr, 0);
	wk__annotate_atomic(&rt->rr, sizeof rt->rr);
	atomic_init(&rt->foreign_seq, 0);
	wk__annotate_atomic(&rt->foreign_seq, sizeof rt->foreign_seq);
	atomic_init(&rt->idle_seq, 0);
	wk__annotate_atomic(&rt->idle_seq, sizeof rt->idle_seq);
	atomic_init(&rt->quiesce_waiters, 0);
	wk__annotate_atomic(&rt->quiesce_waiters, sizeof rt->quiesce_waiters);
	rt->shared = wk__tpc_shared_new(n, cfg->foreign_policy);
	if (rt->shared == NULL) {
		destroy_partial(rt);
		return NULL;
	}
	if (cfg->mode == WK_TPC_MODE_DETERMINISTIC) {
		rt->det = wk__tpc_det_new(cfg->schedule, cfg->schedule_len);
		if (rt->det == NULL) {
			destroy_partial(rt);
			return NULL;
		}
		rt->shared->deterministic = true;
		rt->shared->det = rt->det;
		rt->shared->det_thread = wk_thread_id();
		rt->shared->rt = rt;
	}
	rt->cores = aligned_alloc(WK__TPC_CACHELINE, n * sizeof *rt->cores);
	if (rt->cores == NULL) {
		destroy_partial(rt);
		return NULL;
	}
	memset(rt->cores, 0, n * sizeof *rt->cores);
	for (i = 0; i < n; i++)
		wk__tpc_core_init(&rt->cores[i], rt, i);
	if (rt->det != NULL)
		return rt;
	for (i = 0; i < n; i++) {
		if (pthread_create(&rt->cores[i].thread, NULL, core_main, &rt->cores[i]) != 0) {
			/* Stop the cores already running, then give up. */
			unsigned j;
			atomic_store_explicit(&rt->stop, 1, memory_order_seq_cst);
			for (j = 0; j < i; j++) {
				wk__tpc_rq_unpark(rt->cores[j].rq);
				pthread_join(rt->cores[j].thread, NULL);
			}
			destroy_partial(rt);
			return NULL;
		}
		rt->cores[i].thread_started = true;
	}
	return rt;
}

void wk_tpc_destroy(wk_tpc_runtime *rt)
{
	unsigned i;
	if (rt == NULL)
		return;
	if (wk__tpc_tls_core != NULL && wk__tpc_tls_core->rt == rt)
		wk_fatal("wk_tpc_destroy: called on core %u of the runtime it destroys",
			 wk__tpc_tls_core->index);
	if (rt->det == NULL) {
		/* seq_cst: see PARKING above. */
		atomic_store_explicit(&rt->stop, 1, memory_order_seq_cst);
		for (i = 0; i < rt->ncores; i++)
			wk__tpc_rq_unpark(rt->cores[i].rq);
		for (i = 0; i < rt->ncores; i++)
			if (rt->cores[i].thread_started)
				pthread_join(rt->cores[i].thread, NULL);
	} else {
		wk__tpc_core *saved = wk__tpc_tls_core;
		atomic_store_explicit(&rt->stop, 1, memory_order_seq_cst);
		for (i = 0; i < rt->ncores; i++) {
			wk__tpc_set_current(&rt->cores[i]);
			wk__tpc_core_shutdown(&rt->cores[i]);
		}
		wk__tpc_set_current(saved);
		wk__tpc_det_drop_deferred(rt->det);
	}
	destroy_partial(rt);
}

unsigned wk_tpc_core_count(const wk_tpc_runtime *rt)
{
	return rt->ncores;
}

int wk_tpc_current_core(void)
{
	return wk__tpc_tls_core != NULL ? (int)wk__tpc_tls_core->index : -1;
}

wk_tpc_runtime *wk_tpc_current_runtime(void)
{
	return wk__tpc_tls_core != NULL ? wk__tpc_tls_core->rt : NULL;
}

/* ---- spawning -------------------------------------------------------------------- */

int wk__tpc_spawn_remote(wk_tpc_runtime *rt, unsigned core, wk_future *f, unsigned flags,
			 wk_tpc_join **join_out)
{
	uint8_t kind = 0;
	wk__tpc_task *t;
	uint64_t id;

	if (flags & WK_TPC_SPAWN_LOCAL)
		kind |= WK__TPC_TASK_LOCAL_ONLY;
	if (join_out != NULL)
		kind |= WK__TPC_TASK_JOIN_SHARED;
	/* relaxed: only uniqueness matters. */
	id = atomic_fetch_add_explicit(&rt->foreign_seq, 1, memory_order_relaxed) + 1;
	t = wk__tpc_task_new_remote(rt->shared, f, kind, id);
	if (t == NULL) {
		wk_future_drop(f);
		return -1;
	}
	/* relaxed: a statistic, read as described in wk_tpc_live_tasks. */
	atomic_fetch_add_explicit(&rt->shared->foreign_tasks, 1, memory_order_relaxed);
	if (join_out != NULL)
		*join_out = (wk_tpc_join *)t;
	if (!wk__tpc_rq_push(&rt->shared->queues[core], &t->node)) {
		/* The core is shutting down: the task never existed. */
		if (join_out != NULL)
			*join_out = NULL;
		atomic_fetch_sub_explicit(&rt->shared->foreign_tasks, 1, memory_order_relaxed);
		wk__tpc_task_discard(t);
		wk_future_drop(f);
		return -1;
	}
	return 0;
}

int wk_tpc_spawn(wk_tpc_runtime *rt, int core, unsigned flags, wk_future *future,
		 wk_tpc_join **join_out)
{
	wk__tpc_core *cur = wk__tpc_tls_core;
	unsigned idx;

	if (join_out != NULL)
		*join_out = NULL;
	if (rt == NULL || future == NULL)
		wk_fatal("wk_tpc_spawn: rt and future must not be NULL");
	if (cur != NULL && cur->rt != rt)
		cur = NULL; /* a core of another runtime: a foreign thread for us */
	if (core == WK_TPC_CORE_CURRENT) {
		if (cur == NULL)
			wk_fatal("wk_tpc_spawn: WK_TPC_CORE_CURRENT outside the runtime's cores");
		idx = cur->index;
	} else if (core == WK_TPC_CORE_ANY) {
		/* relaxed: only spreads the load. */
		idx = atomic_fetch_add_explicit(&rt->rr, 1, memory_order_relaxed) % rt->ncores;
	} else if (core < 0 || (unsigned)core >= rt->ncores) {
		wk_future_drop(future);
		return -1;
	} else {
		idx = (unsigned)core;
	}
	if (cur != NULL && cur->index == idx)
		return wk__tpc_core_spawn_here(cur, future, flags, (flags & WK_TPC_SPAWN_LOCAL) != 0,
					       join_out);
	return wk__tpc_spawn_remote(rt, idx, future, flags, join_out);
}

/* ---- run a function on a core ------------------------------------------------------- */

typedef struct call_future {
	wk_future base;
	void (*fn)(void *arg);
	void *arg;
} call_future;

static wk_poll call_poll(wk_future *self, const wk_context *cx, void **output)
{
	call_future *c = (call_future *)self;
	(void)cx;
	c->fn(c->arg);
	*output = NULL;
	return WK_READY;
}

static void call_drop(wk_future *self)
{
	free(self);
}

static const wk_future_vtable call_vtable = {call_poll, call_drop};

int wk_tpc_run_on(wk_tpc_runtime *rt, int core, void (*fn)(void *arg), void *arg,
		  wk_tpc_join **join_out)
{
	call_future *c;
	if (join_out != NULL)
		*join_out = NULL;
	if (fn == NULL)
		wk_fatal("wk_tpc_run_on: fn must not be NULL");
	c = malloc(sizeof *c);
	if (c == NULL)
		return -1;
	c->base.vtable = &call_vtable;
	c->fn = fn;
	c->arg = arg;
	return wk_tpc_spawn(rt, core, 0, &c->base, join_out);
}

/* ---- quiescence and counts ------------------------------------------------------------ */

static bool quiescent(wk_tpc_runtime *rt)
{
	uint32_t seen[WK_TPC_MAX_CORES];
	uint64_t now = wk__tpc_monotonic_ns();
	unsigned i;
	for (i = 0; i < rt->ncores; i++) {
		/* seq_cst: pairs with the core's stores (see QUIESCENCE). */
		seen[i] = atomic_load_explicit(&rt->cores[i].park_seq, memory_order_seq_cst);
		if ((seen[i] & 1u) == 0)
			return false;
	}
	for (i = 0; i < rt->ncores; i++) {
		if (wk__tpc_rq_pending(rt->cores[i].rq))
			return false;
		/* relaxed: ordered by the seq_cst park_seq load above. */
		if (atomic_load_explicit(&rt->cores[i].published_deadline, memory_order_relaxed) <=
		    now)
			return false;
	}
	for (i = 0; i < rt->ncores; i++)
		if (atomic_load_explicit(&rt->cores[i].park_seq, memory_order_seq_cst) != seen[i])
			return false;
	return true;
}

int wk_tpc_run_until_quiescent(wk_tpc_runtime *rt, uint64_t timeout_ns)
{
	uint64_t start = wk__tpc_monotonic_ns();
	uint64_t end = timeout_ns > UINT64_MAX - start ? UINT64_MAX : start + timeout_ns;
	int result = 0;

	if (wk__tpc_tls_core != NULL && wk__tpc_tls_core->rt == rt)
		wk_fatal("wk_tpc_run_until_quiescent: called on core %u of the runtime",
			 wk__tpc_tls_core->index);
	if (rt->det != NULL) {
		unsigned long steps = 0;
		for (;;) {
			if (!wk_tpc_det_step(rt))
				return 1;
			/* The clock every 16 steps: a step is one poll, and a poll
			 * may be slow (a future that spins or waits), so a coarser
			 * stride let run() overrun its deadline by whole seconds
			 * (WK-HARN-015); 16 keeps the clock's cost out of the
			 * fuzzers' step rate. */
			if ((++steps & 15u) == 0 && wk__tpc_monotonic_ns() >= end)
				return 0;
		}
	}
	atomic_fetch_add_explicit(&rt->quiesce_waiters, 1, memory_order_seq_cst);
	for (;;) {
		uint32_t seq = atomic_load_explicit(&rt->idle_seq, memory_order_seq_cst);
		uint64_t now, wait;
		if (quiescent(rt)) {
			result = 1;
			break;
		}
		now = wk__tpc_monotonic_ns();
		if (now >= end)
			break;
		wait = end - now < QUIESCE_RECHECK_NS ? end - now : QUIESCE_RECHECK_NS;
		wk__tpc_futex_wait(&rt->idle_seq, seq, wait);
	}
	atomic_fetch_sub_explicit(&rt->quiesce_waiters, 1, memory_order_seq_cst);
	return result;
}

size_t wk_tpc_live_tasks(const wk_tpc_runtime *rt)
{
	long sum = 0;
	unsigned i;
	/* Cores first, with acquire: a core that counted a task off (adopted
	 * from a remote spawn, or moved to the shared counter) published that
	 * after the matching increment elsewhere, so reading the shared counter
	 * afterwards cannot miss the increment. */
	for (i = 0; i < rt->ncores; i++)
		sum += atomic_load_explicit(&((wk_tpc_runtime *)rt)->cores[i].live,
					    memory_order_acquire);
	/* relaxed: ordered by the acquire loads above. */
	sum += atomic_load_explicit(&rt->shared->foreign_tasks, memory_order_relaxed);
	return sum > 0 ? (size_t)sum : 0;
}
