/*
 * adapter_ops.c - fuzz target: an op program played against any executor
 * adapter (wkc/adapter.h) with real threads, judged by the conformance
 * oracles.  How a campaign fuzzes a third-party executor; pair it with the
 * ThreadSanitizer build of the target and of the adapter.
 *
 *   fuzz_adapter_ops[_afl|_libfuzzer] --adapter NAME|PATH  [inputs...]
 *   (or WKF_ADAPTER=NAME|PATH in the environment; default ref.tpc)
 *
 * NAME is a built-in adapter (the reference runtime's modes), PATH a shared
 * library exporting wkc_adapter_entry, such as a conformance mutant.
 *
 * INPUT FORMAT (also in fuzz/README.md; missing bytes read as 0)
 *   byte 0   bit 0     two cores (else one)
 *            bits 1-2  scripts - 1 (1..4)
 *            bit 3     spawn WKC_SPAWN_LOCAL (when the adapter honours it)
 *            bit 4     pin task i to core i mod cores (when it honours cores)
 *            bits 5-6  copies: 1, 4, 16 or 64 tasks per script (at most 64
 *                      tasks); task i (from 1) runs script (i - 1) mod scripts
 *   scripts  4 times: a length byte (mod 9) then that many ops,
 *            op = opcode << 4 | a:
 *     0 YIELD_LOCAL  wake_by_ref the local waker; Pending
 *     1 YIELD_TS     wake_by_ref the thread-safe waker; Pending
 *     2 YIELD_CLONE  clone the thread-safe waker, wake the clone; Pending
 *     3 KEEP         clone into slot a&3 (a&4: thread-safe, else local)
 *     4 WAKE_SLOT    wake slot a&3 by value     5 DROP_SLOT  drop slot a&3
 *     6 FOREIGN      a new thread wakes a thread-safe clone by value (a&1:
 *                    wake_by_ref then drop), at once or (a&2) once this
 *                    poll returned, or late: (a&4) once destroy began,
 *                    racing it, (a&8) once destroy returned, a waker that
 *                    outlives its executor; Pending
 *     7 EXPORT       publish a thread-safe clone
 *     8 WAKE_PEER    wake_by_ref the export of task 1 + a mod tasks
 *     9 WAIT         Pending with no wake of its own
 *    10 WILL_WAKE    will_wake(own waker, export of task 1 + a mod tasks)
 *    11 FOREIGN_PEER a new thread wakes a clone of that export
 *    12 SPIN         busy-wait (a+1) * 20 us (a wide window for races)
 *    13..15 READY
 *
 * EXECUTOR REUSE (WKF_REUSE=1, any build): a fresh executor per input makes,
 * wakes and joins its threads.  With reuse the executor (one per core
 * count) is kept for the next input when this one left it clean: every
 * task completed and was dropped exactly once, every foreign thread was
 * joined, and the adapter claims WKC_CAP_LIVE_TASKS and counts zero live
 * tasks.  Otherwise it is destroyed as always, so destroy is judged on
 * every input that leaves work behind.  A kept executor that later polls or
 * drops a future of an input it finished fails loudly (the run is retired,
 * not freed, for a few inputs).  Off by default: it can make a crash depend
 * on the inputs before it, and for the reference runtime it saves little
 * (fuzz/README.md has the figures): the cost of an input is the executor's
 * thread hand-offs, which reuse keeps.  It pays for executors whose
 * creation is dear.  At exit a reusing run says on stderr how many inputs
 * ran on a kept executor.
 *
 * ORACLES: FIRST_POLL, LOST_WAKEUP, AFTER_READY, EXCLUSIVE, AFFINITY,
 * DROP_ONCE (final), NO_LEAK (adapters claiming WKC_CAP_LIVE_TASKS),
 * WILL_WAKE, NESTED_DROP, INLINE_POLL; a local-only adapter must not
 * hand out a thread-safe waker; and a wake must return (WK-EXEC-015): a
 * watchdog thread fails the input when a waker call has not returned after
 * WAKE_BOUND_MS (1 s, times WK_TEST_SCALE, or 5 under TSan and 2 under ASan
 * when it is not set; WKF_WAKE_BOUND_MS overrides), a
 * wake that waits for an executor which waits for it; the same watchdog
 * times the adapter's own calls (WK-HARN-016: every adapter call returns;
 * as in the harness, a call is stuck only while no poll begins, so a run()
 * that drives tasks on the caller's thread past its timeout is not),
 * so a deadlocked executor ends as a crash, never as a hang.  The same
 * bound ends the drive loop.  Fuzz with a larger per-input timeout (-t 2000), or
 * AFL++ calls such an input a hang first.  Threads make runs differ: AFL++'s
 * stability for this target is below 100% by nature.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oracles.h"
#include "trace.h"
#include "wk/wk.h"
#include "wkc/adapter.h"
#include "wkc/registry.h"
#include "wkf.h"

#define TARGET "adapter_ops"
#define SCRIPTS 4
#define MAX_TASKS 64
#define OPS 8
#define SLOTS 4
#define MAX_THREADS 64

static const wkc_adapter *adapter;
static bool reuse; /* keep a clean executor for the next input (EXECUTOR REUSE) */

/* Shared-library adapters resolve the reference library in the executable
 * (ENABLE_EXPORTS): keep what they may call linked in, as the harness does,
 * even where this target does not call it itself. */
__attribute__((used)) static const void *const keep_for_adapters[] = {
	(const void *)wk_waker_noop, (const void *)wk_local_waker_noop,
	(const void *)wk_wake_new,   (const void *)wk_local_wake_new,
	(const void *)wk_flag_waker, (const void *)wk_slot_table_new,
	(const void *)wk_context_builder_on_waker,
};

typedef struct ao_run ao_run;

typedef struct ao_task {
	wk_future base;
	ao_run *run;
	uint32_t id;
	uint8_t script, pc;
	_Atomic uint32_t in_poll;
	_Atomic uint32_t polls, polls_ended, drops;
	_Atomic uint32_t done;
	struct {
		bool used, local;
		uint32_t owner;
		union {
			wk_waker w;
			wk_local_waker l;
		} u;
	} slot[SLOTS];
} ao_task;

typedef struct ao_job {
	ao_run *run;
	ao_task *task;      /* whose poll it waits for (after-poll jobs) */
	uint32_t after_poll; /* 0: at once; else wait until polls_ended >= it */
	uint32_t target;    /* task the waker wakes */
	bool by_ref;
	wk_waker w;
	int late;           /* 0, or the phase it waits for: PHASE_DESTROYING / PHASE_DESTROYED */
} ao_job;

/* Where the input is, for late jobs: set (release) by the driver around destroy. */
enum { PHASE_RUNNING, PHASE_DESTROYING, PHASE_DESTROYED };

struct ao_run {
	uint8_t len[SCRIPTS], ops[SCRIPTS][OPS];
	unsigned ntasks;
	wkc_trace *trace;
	ao_task task[MAX_TASKS + 1];
	_Atomic(wk_waker *) export_[MAX_TASKS + 1];
	wk_waker export_store[MAX_TASKS + 1];
	pthread_t th[MAX_THREADS];
	ao_job *jobs[MAX_THREADS];
	_Atomic unsigned nthreads;
	pthread_mutex_t lock; /* guards th[] and jobs[] */
	_Atomic bool retired; /* finished on an executor that was kept (EXECUTOR REUSE) */
	_Atomic int phase;    /* PHASE_*, for late jobs */
};

/* Thread-local: inside a waker call (NESTED_DROP, INLINE_POLL). */
static _Thread_local unsigned in_waker;

/* ---- adapter loading ------------------------------------------------------------------- */

static const wkc_adapter *load_adapter(const char *spec)
{
	size_t i;
	void *h, *sym;
	const wkc_adapter *a;
	for (i = 0; i < wkc_builtin_adapter_count; i++)
		if (strcmp(wkc_builtin_adapter_list[i]->name, spec) == 0)
			return wkc_builtin_adapter_list[i];
	h = dlopen(spec, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		fprintf(stderr, "adapter_ops: %s is no built-in adapter and cannot be loaded: %s\n", spec,
			dlerror());
		exit(2);
	}
	sym = dlsym(h, WKC_ADAPTER_ENTRY_SYMBOL);
	if (sym == NULL) {
		fprintf(stderr, "adapter_ops: %s exports no %s\n", spec, WKC_ADAPTER_ENTRY_SYMBOL);
		exit(2);
	}
	a = ((wkc_adapter_entry_fn)(uintptr_t)sym)();
	if (a == NULL || a->abi_version < 1 || a->abi_version > WKC_ABI_VERSION || !a->create ||
	    !a->destroy || !a->spawn || !a->run) {
		fprintf(stderr, "adapter_ops: %s: unusable adapter table\n", spec);
		exit(2);
	}
	return a;
}

static void adapter_init(int *argc, char ***argv)
{
	const char *spec = getenv("WKF_ADAPTER");
	int i, j;
	for (i = 1; i < *argc; i++) {
		if (strcmp((*argv)[i], "--adapter") == 0 && i + 1 < *argc) {
			spec = (*argv)[i + 1];
			for (j = i; j + 2 <= *argc; j++)
				(*argv)[j] = (*argv)[j + 2];
			*argc -= 2;
			break;
		}
	}
	adapter = load_adapter(spec != NULL ? spec : "ref.tpc");
	reuse = getenv("WKF_REUSE") != NULL && strcmp(getenv("WKF_REUSE"), "1") == 0;
	/* Only a live-task count tells that the executor let go of everything. */
	if (!(adapter->caps & WKC_CAP_LIVE_TASKS) || adapter->live_tasks == NULL)
		reuse = false;
}
#define WKF_INIT adapter_init

/* ---- recording ------------------------------------------------------------------------------ */

static uint64_t mark(ao_run *r, uint32_t kind, uint32_t task, uint32_t other, int64_t value,
		     uint32_t flags)
{
	wkc_event e;
	memset(&e, 0, sizeof e);
	e.seq = e.end = wkc_trace_seq(r->trace);
	e.kind = kind;
	e.task = task;
	e.other = other;
	e.value = value;
	e.flags = flags;
	e.thread = wk_thread_id();
	wkc_trace_add(r->trace, &e);
	return e.seq;
}

/* ---- the wake watchdog (WK-EXEC-015) ------------------------------------------------------ */

#define WATCH_SLOTS 256
#define WAKE_BOUND_MS 1000u

/* A sanitizer build runs several times slower: its bound scales with it
 * unless WK_TEST_SCALE says how (the presets set it). */
#if defined(__SANITIZE_THREAD__)
#define SANITIZER_SLOWDOWN 5u
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SANITIZER_SLOWDOWN 5u
#elif __has_feature(address_sanitizer)
#define SANITIZER_SLOWDOWN 2u
#endif
#endif
#if !defined(SANITIZER_SLOWDOWN) && defined(__SANITIZE_ADDRESS__)
#define SANITIZER_SLOWDOWN 2u
#endif
#ifndef SANITIZER_SLOWDOWN
#define SANITIZER_SLOWDOWN 1u
#endif

/* A waker call in flight: its start (CLOCK_MONOTONIC ns, 0 = free slot),
 * task and event kind.  At most MAX_THREADS foreign threads and the
 * executor's own make calls at once, far below WATCH_SLOTS. */
static _Atomic uint64_t watch_start[WATCH_SLOTS];
static _Atomic uint32_t watch_what[WATCH_SLOTS];
static uint64_t watch_bound_ns;
/* When a poll last began (ns): an adapter call is stuck only if no poll
 * began during its bound (WK-HARN-016): a run() that drives tasks on the
 * caller's thread may outlast its timeout while it makes progress. */
static _Atomic uint64_t last_poll_ns;

/* Adapter calls, watched like waker calls (kinds above every event kind). */
enum { AO_CALL_CREATE = 0x8000, AO_CALL_SPAWN, AO_CALL_RUN, AO_CALL_LIVE, AO_CALL_DESTROY };

static const char *call_name(uint32_t k)
{
	static const char *const names[] = {"create()", "spawn()", "run()", "live_tasks()",
					    "destroy()"};
	return names[k - AO_CALL_CREATE];
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int watch_begin(uint32_t kind, uint32_t task)
{
	static _Atomic uint32_t hint;
	/* relaxed: only spreads the threads over the slots. */
	uint32_t h = atomic_fetch_add_explicit(&hint, 1, memory_order_relaxed);
	uint64_t t = now_ns(), free_ = 0;
	unsigned k;
	for (k = 0; k < WATCH_SLOTS; k++) {
		unsigned i = (h + k) % WATCH_SLOTS;
		free_ = 0;
		/* relaxed: the slot's what is written after the claim and read
		 * only as a description; the start alone decides. */
		if (atomic_compare_exchange_strong_explicit(&watch_start[i], &free_, t,
							    memory_order_relaxed, memory_order_relaxed)) {
			atomic_store_explicit(&watch_what[i], kind << 16 | (task & 0xffffu),
					      memory_order_relaxed);
			return (int)i;
		}
	}
	return -1; /* not watched */
}

static void watch_end(int slot)
{
	if (slot >= 0)
		atomic_store_explicit(&watch_start[slot], 0, memory_order_relaxed); /* only frees it */
}

static void *watchdog_main(void *arg)
{
	struct timespec nap = {0, 50000000};
	(void)arg;
	for (;;) {
		uint64_t t = now_ns();
		unsigned i;
		nanosleep(&nap, NULL);
		for (i = 0; i < WATCH_SLOTS; i++) {
			uint64_t s0 = atomic_load_explicit(&watch_start[i], memory_order_relaxed);
			uint32_t what = atomic_load_explicit(&watch_what[i], memory_order_relaxed);
			/* relaxed: a timestamp, compared with slack. */
			uint64_t lp = atomic_load_explicit(&last_poll_ns, memory_order_relaxed);
			bool idle = t < lp || t - lp > watch_bound_ns;
			if ((what >> 16) >= AO_CALL_CREATE && !idle)
				continue;
			if (s0 != 0 && t > s0 && t - s0 > watch_bound_ns && (what >> 16) >= AO_CALL_CREATE)
				wkf_fail(TARGET,
					 "adapter %s: its %s has not returned after %llu ms (WK-HARN-016: every "
					 "adapter call returns; a deadlock inside the executor ends the same way)",
					 adapter->name, call_name(what >> 16),
					 (unsigned long long)((t - s0) / 1000000u));
			if (s0 != 0 && t > s0 && t - s0 > watch_bound_ns)
				wkf_fail(TARGET,
					 "adapter %s: a waker call (%s) on task %u has not returned after %llu ms: "
					 "a wake waits for the executor, which may be waiting for it (WK-EXEC-015)",
					 adapter->name, wkc_ev_kind_name(what >> 16), what & 0xffffu,
					 (unsigned long long)((t - s0) / 1000000u));
		}
	}
	return NULL;
}

/* Started on the first input: after AFL++'s fork server forked, since a
 * fork keeps no thread but the caller. */
static void watchdog_start(void)
{
	static bool started;
	const char *v = getenv("WKF_WAKE_BOUND_MS"), *sc = getenv("WK_TEST_SCALE");
	unsigned long ms = WAKE_BOUND_MS, scale = 1;
	pthread_t th;
	if (started)
		return;
	started = true;
	if (v != NULL) {
		char *end;
		ms = strtoul(v, &end, 10);
		if (*v == '\0' || *end != '\0' || ms == 0 || ms > 3600000)
			wkf_fail(TARGET, "WKF_WAKE_BOUND_MS=%s: not a number of milliseconds (1..3600000)", v);
	} else if (sc != NULL && strtoul(sc, NULL, 10) > 0) {
		scale = strtoul(sc, NULL, 10);
	} else {
		scale = SANITIZER_SLOWDOWN;
	}
	watch_bound_ns = (uint64_t)ms * scale * 1000000u;
	if (pthread_create(&th, NULL, watchdog_main, NULL) != 0)
		wkf_fail(TARGET, "cannot start the wake watchdog");
	pthread_detach(th);
}

/* The adapter's functions, each timed by the watchdog. */
static wkc_executor *call_create(const wkc_config *cfg, char *err, size_t len)
{
	int w = watch_begin(AO_CALL_CREATE, 0);
	wkc_executor *ex = adapter->create(cfg, err, len);
	watch_end(w);
	return ex;
}

static int call_spawn(wkc_executor *ex, wk_future *f, int core, uint32_t flags)
{
	int w = watch_begin(AO_CALL_SPAWN, 0), rc = adapter->spawn(ex, f, core, flags);
	watch_end(w);
	return rc;
}

static int call_run(wkc_executor *ex, uint64_t timeout_ns)
{
	int w = watch_begin(AO_CALL_RUN, 0), rc = adapter->run(ex, timeout_ns);
	watch_end(w);
	return rc;
}

static long call_live(wkc_executor *ex)
{
	int w = watch_begin(AO_CALL_LIVE, 0);
	long n = adapter->live_tasks(ex);
	watch_end(w);
	return n;
}

static void call_destroy(wkc_executor *ex)
{
	int w = watch_begin(AO_CALL_DESTROY, 0);
	adapter->destroy(ex);
	watch_end(w);
}

/* A waker call: one number before, one after; marks the thread as inside a
 * waker function meanwhile, and the watchdog times it. */
typedef struct ao_call {
	wkc_event e;
	int slot;
} ao_call;

static void call_begin(ao_run *r, ao_call *c, uint32_t kind, uint32_t task, uint32_t flags)
{
	memset(&c->e, 0, sizeof c->e);
	c->e.kind = kind;
	c->e.task = task;
	c->e.flags = flags;
	c->e.thread = wk_thread_id();
	c->e.seq = wkc_trace_seq(r->trace);
	c->slot = watch_begin(kind, task);
	in_waker++;
}

static void call_end(ao_run *r, ao_call *c)
{
	in_waker--;
	watch_end(c->slot);
	c->e.end = wkc_trace_seq(r->trace);
	wkc_trace_add(r->trace, &c->e);
}

/* ---- foreign threads ------------------------------------------------------------------------ */

static void *job_main(void *arg)
{
	ao_job *j = arg;
	ao_call c;
	if (j->after_poll) {
		/* Bounded: a poll that never returns must not hang the input. */
		struct timespec ts = {0, 20000};
		int k;
		for (k = 0; k < 5000 && atomic_load_explicit(&j->task->polls_ended, memory_order_relaxed) <
						j->after_poll; k++)
			nanosleep(&ts, NULL);
	}
	if (j->late) {
		/* Not bounded by time: a late wake that fired early, on a slow
		 * machine, would land before destroy with nobody driving the
		 * executor, a lost wakeup that is ours.  The driver always gets
		 * to destroy; a stuck executor call is ended by the watchdog.
		 * acquire: pairs with the driver's release of the phase. */
		struct timespec ts = {0, 20000};
		while (atomic_load_explicit(&j->run->phase, memory_order_acquire) < j->late)
			nanosleep(&ts, NULL);
	}
	call_begin(j->run, &c, j->by_ref ? WKC_EV_WAKE_BY_REF : WKC_EV_WAKE, j->target, WKC_EVF_FOREIGN);
	if (j->by_ref) {
		wk_waker_wake_by_ref(&j->w);
		call_end(j->run, &c);
		wk_waker_drop(&j->w);
	} else {
		wk_waker_wake(&j->w);
		call_end(j->run, &c);
	}
	return NULL;
}

static void post_job(ao_run *r, ao_task *t, uint32_t after, uint32_t target, bool by_ref, wk_waker w,
		     int late)
{
	ao_job *j;
	unsigned n;
	pthread_mutex_lock(&r->lock);
	n = atomic_load_explicit(&r->nthreads, memory_order_relaxed);
	if (n == MAX_THREADS) {
		pthread_mutex_unlock(&r->lock);
		wk_waker_drop(&w);
		return;
	}
	j = malloc(sizeof *j);
	if (j == NULL)
		wkf_fail(TARGET, "out of memory");
	*j = (ao_job){r, t, after, target, by_ref, w, late};
	if (pthread_create(&r->th[n], NULL, job_main, j) != 0) {
		pthread_mutex_unlock(&r->lock);
		wk_waker_drop(&j->w);
		free(j);
		return;
	}
	r->jobs[n] = j;
	atomic_store_explicit(&r->nthreads, n + 1, memory_order_relaxed);
	pthread_mutex_unlock(&r->lock);
}

/* Late jobs wait for destroy: before it, only the others are joined. */
static bool jobs_in_flight(ao_run *r, bool late_too)
{
	unsigned i, n;
	bool any = false;
	pthread_mutex_lock(&r->lock);
	n = atomic_load_explicit(&r->nthreads, memory_order_relaxed);
	for (i = 0; i < n && !any; i++)
		any = r->jobs[i] != NULL && (late_too || !r->jobs[i]->late);
	pthread_mutex_unlock(&r->lock);
	return any;
}

static void join_jobs(ao_run *r, bool late_too)
{
	unsigned i, n;
	pthread_mutex_lock(&r->lock);
	n = atomic_load_explicit(&r->nthreads, memory_order_relaxed);
	for (i = 0; i < n; i++) {
		if (r->jobs[i] == NULL || (!late_too && r->jobs[i]->late))
			continue;
		pthread_join(r->th[i], NULL);
		free(r->jobs[i]);
		r->jobs[i] = NULL;
	}
	pthread_mutex_unlock(&r->lock);
}

/* ---- the task -------------------------------------------------------------------------------- */

static const wk_waker *export_of(ao_run *r, unsigned a)
{
	uint32_t peer = 1 + a % r->ntasks;
	/* acquire: the export's waker value was written before its publication. */
	return atomic_load_explicit(&r->export_[peer], memory_order_acquire);
}

/* acquire: pairs with the release that retired the run, after its last
 * judged event. */
static void check_not_retired(ao_run *r, ao_task *t, const char *what)
{
	if (atomic_load_explicit(&r->retired, memory_order_acquire))
		wkf_fail(TARGET,
			 "adapter %s: task %u of an earlier input %s after it had been dropped and the "
			 "executor counted no live task (WK-EXEC-007, WK-EXEC-018)",
			 adapter->name, t->id, what);
}

static void slot_drop(ao_task *t, int i)
{
	if (!t->slot[i].used)
		return;
	if (t->slot[i].local && t->slot[i].owner != wk_thread_id())
		return; /* never touch a local waker off its thread (leaked instead) */
	t->slot[i].used = false;
	if (t->slot[i].local)
		wk_local_waker_drop(&t->slot[i].u.l);
	else
		wk_waker_drop(&t->slot[i].u.w);
}

static void task_drop(wk_future *self)
{
	ao_task *t = (ao_task *)self;
	ao_run *r = t->run;
	int i;
	check_not_retired(r, t, "dropped");
	mark(r, WKC_EV_FUTURE_DROP, t->id, 0, 0, 0);
	if (in_waker > 0)
		mark(r, WKC_EV_ANOMALY, t->id, WKC_ANOM_DROP_IN_WAKE, 0, 0);
	if (atomic_fetch_add_explicit(&t->drops, 1, memory_order_relaxed) > 0)
		return;
	for (i = 0; i < SLOTS; i++)
		slot_drop(t, i);
}

static int task_op(ao_task *t, const wk_context *cx, uint8_t op)
{
	ao_run *r = t->run;
	unsigned a = op & 15u;
	const wk_waker *w = wk_context_try_waker(cx);
	const wk_waker *peer;
	ao_call c;
	int s = a & 3;

	if (w != NULL && (adapter->caps & WKC_CAP_LOCAL_ONLY))
		wkf_fail(TARGET, "adapter %s claims WKC_CAP_LOCAL_ONLY but its context has a thread-safe waker",
			 adapter->name);
	switch (op >> 4) {
	case 0:
		call_begin(r, &c, WKC_EV_WAKE_BY_REF, t->id, WKC_EVF_IN_POLL | WKC_EVF_LOCAL);
		wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
		call_end(r, &c);
		return 0;
	case 1:
	case 2:
		if (w == NULL)
			return 1;
		if ((op >> 4) == 1) {
			call_begin(r, &c, WKC_EV_WAKE_BY_REF, t->id, WKC_EVF_IN_POLL);
			wk_waker_wake_by_ref(w);
		} else {
			wk_waker k = wk_waker_clone(w);
			call_begin(r, &c, WKC_EV_WAKE, t->id, WKC_EVF_IN_POLL);
			wk_waker_wake(&k);
		}
		call_end(r, &c);
		return 0;
	case 3:
		slot_drop(t, s);
		if (t->slot[s].used)
			return 1;
		t->slot[s].local = (a & 4) == 0 || w == NULL;
		t->slot[s].owner = wk_thread_id();
		if (t->slot[s].local)
			t->slot[s].u.l = wk_local_waker_clone(wk_context_local_waker(cx));
		else
			t->slot[s].u.w = wk_waker_clone(w);
		t->slot[s].used = true;
		return 1;
	case 4:
		if (!t->slot[s].used || (t->slot[s].local && t->slot[s].owner != wk_thread_id()))
			return 1;
		t->slot[s].used = false;
		call_begin(r, &c, WKC_EV_WAKE, t->id, WKC_EVF_IN_POLL | (t->slot[s].local ? WKC_EVF_LOCAL : 0));
		if (t->slot[s].local)
			wk_local_waker_wake(&t->slot[s].u.l);
		else
			wk_waker_wake(&t->slot[s].u.w);
		call_end(r, &c);
		return 1;
	case 5:
		slot_drop(t, s);
		return 1;
	case 6:
		if (w == NULL)
			return 1;
		post_job(r, t, (a & 2) ? atomic_load_explicit(&t->polls, memory_order_relaxed) : 0, t->id,
			 a & 1, wk_waker_clone(w),
			 (a & 8) ? PHASE_DESTROYED : (a & 4) ? PHASE_DESTROYING : 0);
		return 0;
	case 7:
		if (w != NULL && atomic_load_explicit(&r->export_[t->id], memory_order_relaxed) == NULL) {
			r->export_store[t->id] = wk_waker_clone(w);
			/* release: publishes the waker value to the peers that load it. */
			atomic_store_explicit(&r->export_[t->id], &r->export_store[t->id], memory_order_release);
		}
		return 1;
	case 8:
		peer = export_of(r, a);
		if (peer != NULL) {
			uint32_t pid = 1 + a % r->ntasks;
			call_begin(r, &c, WKC_EV_WAKE_BY_REF, pid, pid == t->id ? WKC_EVF_IN_POLL : 0);
			wk_waker_wake_by_ref(peer);
			call_end(r, &c);
		}
		return 1;
	case 9:
		return 0;
	case 10:
		peer = export_of(r, a);
		if (peer != NULL && w != NULL) {
			wkc_event e;
			memset(&e, 0, sizeof e);
			e.seq = e.end = wkc_trace_seq(r->trace);
			e.kind = WKC_EV_WILL_WAKE;
			e.task = t->id;
			e.other = 1 + a % r->ntasks;
			e.value = wk_waker_will_wake(w, peer);
			e.thread = wk_thread_id();
			e.data = w->raw.data;
			e.vtable = w->raw.vtable;
			e.ldata = peer->raw.data;
			e.lvtable = peer->raw.vtable;
			wkc_trace_add(r->trace, &e);
		}
		return 1;
	case 11:
		peer = export_of(r, a);
		if (peer != NULL)
			post_job(r, t, 0, 1 + a % r->ntasks, false, wk_waker_clone(peer), 0);
		return 1;
	case 12: {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do
			clock_gettime(CLOCK_MONOTONIC, &t1);
		while ((t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec) <
		       (long)(a + 1) * 20000L);
		return 1;
	}
	default:
		return 2;
	}
}

static wk_poll task_poll(wk_future *self, const wk_context *cx, void **out)
{
	ao_task *t = (ao_task *)self;
	ao_run *r = t->run;
	uint32_t flags = wk_context_has_waker(cx) ? WKC_EVF_HAS_WAKER : 0, n;
	uint64_t begin;
	int res = 1;
	check_not_retired(r, t, "polled");
	atomic_store_explicit(&last_poll_ns, now_ns(), memory_order_relaxed); /* a timestamp */
	/* relaxed exchange: atomicity alone tells two polls at once. */
	if (atomic_exchange_explicit(&t->in_poll, 1, memory_order_relaxed))
		flags |= WKC_EVF_OVERLAP;
	if (atomic_load_explicit(&t->done, memory_order_relaxed) ||
	    atomic_load_explicit(&t->drops, memory_order_relaxed))
		flags |= WKC_EVF_AFTER_READY;
	n = atomic_fetch_add_explicit(&t->polls, 1, memory_order_relaxed) + 1;
	begin = mark(r, WKC_EV_POLL_BEGIN, t->id, n, 0, flags);
	if (flags & (WKC_EVF_OVERLAP | WKC_EVF_AFTER_READY)) {
		/* Judged by the oracles; the script's state is not touched. */
		mark(r, WKC_EV_POLL_END, t->id, n, (int64_t)begin, 0);
		return WK_PENDING;
	}
	while (res == 1) {
		if (t->pc >= r->len[t->script]) {
			res = 2;
			break;
		}
		res = task_op(t, cx, r->ops[t->script][t->pc++]);
	}
	if (res == 2) {
		atomic_store_explicit(&t->done, 1, memory_order_relaxed);
		*out = NULL;
	}
	mark(r, WKC_EV_POLL_END, t->id, n, (int64_t)begin, res == 2 ? WKC_EVF_READY : 0);
	atomic_fetch_add_explicit(&t->polls_ended, 1, memory_order_relaxed);
	atomic_store_explicit(&t->in_poll, 0, memory_order_relaxed);
	return res == 2 ? WK_READY : WK_PENDING;
}

static const wk_future_vtable task_vtable = {task_poll, task_drop};

/* ---- one input --------------------------------------------------------------------------------- */

static void judge(ao_run *r, bool final)
{
	static const wkc_oracle which[] = {
		WKC_OR_FIRST_POLL, WKC_OR_LOST_WAKEUP, WKC_OR_AFTER_READY, WKC_OR_EXCLUSIVE,
		WKC_OR_AFFINITY,   WKC_OR_DROP_ONCE,   WKC_OR_NO_LEAK,     WKC_OR_WILL_WAKE,
		WKC_OR_NESTED_DROP, WKC_OR_INLINE_POLL,
	};
	wkc_oracle_opts o = {.final = final};
	wkc_finding f;
	size_t n = 0, k;
	wkc_event *ev = wkc_trace_snapshot(r->trace, &n);
	if (ev == NULL)
		wkf_fail(TARGET, "out of memory for the snapshot");
	for (k = 0; k < sizeof which / sizeof which[0]; k++)
		if (wkc_oracle_get(which[k])(ev, n, &o, &f) > 0)
			wkf_fail(TARGET, "adapter %s: oracle %s: %s", adapter->name, wkc_oracle_name(which[k]),
				 f.first);
	free(ev);
}

/* Polls begun so far, by every task: tells progress from a stop. */
static uint64_t polls_begun(ao_run *r)
{
	uint64_t n = 0;
	unsigned i;
	for (i = 1; i <= r->ntasks; i++)
		n += atomic_load_explicit(&r->task[i].polls, memory_order_relaxed); /* a count */
	return n;
}

static bool all_done(ao_run *r)
{
	unsigned i;
	for (i = 1; i <= r->ntasks; i++)
		if (!atomic_load_explicit(&r->task[i].done, memory_order_relaxed))
			return false;
	return true;
}

/* ---- executor reuse ------------------------------------------------------------------------ */

#define RETIRED 8

static wkc_executor *kept[3];       /* by core count: a clean executor for the next input */
static ao_run *retired_runs[RETIRED]; /* finished runs of kept executors, oldest evicted */
static unsigned retired_next;
static unsigned long inputs_run, inputs_on_kept;

/* One spare trace, reset for the next input: a new trace's zeroed chunk
 * (some 330 KiB) cost a sixth of an input's time. */
static wkc_trace *spare_trace;

static wkc_trace *get_trace(void)
{
	wkc_trace *t = spare_trace;
	if (t != NULL) {
		spare_trace = NULL;
		wkc_trace_reset(t);
		return t;
	}
	t = wkc_trace_new(4096);
	if (t == NULL)
		wkf_fail(TARGET, "out of memory for the trace");
	return t;
}

static void free_run(ao_run *r)
{
	if (spare_trace == NULL)
		spare_trace = r->trace;
	else
		wkc_trace_free(r->trace);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static void retire_run(ao_run *r)
{
	ao_run *old = retired_runs[retired_next];
	/* release: every event of the run precedes its retirement. */
	atomic_store_explicit(&r->retired, true, memory_order_release);
	retired_runs[retired_next] = r;
	retired_next = (retired_next + 1) % RETIRED;
	if (old != NULL)
		free_run(old);
}

/* At exit (AFL++ ends a persistent child after its loop count, libFuzzer at
 * the end): the kept executors are destroyed, their retired runs freed. */
static void drop_kept(void)
{
	unsigned i;
	fprintf(stderr, "adapter_ops: %lu of %lu inputs ran on a kept executor (EXECUTOR REUSE)\n",
		inputs_on_kept, inputs_run);
	for (i = 0; i < 3; i++)
		if (kept[i] != NULL) {
			call_destroy(kept[i]);
			kept[i] = NULL;
		}
	for (i = 0; i < RETIRED; i++)
		if (retired_runs[i] != NULL) {
			free_run(retired_runs[i]);
			retired_runs[i] = NULL;
		}
}

static wkc_executor *take_executor(const wkc_config *cfg)
{
	static bool registered;
	wkc_executor *ex = kept[cfg->cores];
	char err[256] = "";
	inputs_run++;
	if (ex != NULL) {
		kept[cfg->cores] = NULL;
		inputs_on_kept++;
		if (getenv("WKF_VERBOSE") != NULL)
			fprintf(stderr, "adapter_ops: %s: on a kept executor\n", wkf_current_input());
		return ex;
	}
	if (reuse && !registered) {
		registered = true;
		atexit(drop_kept);
	}
	ex = call_create(cfg, err, sizeof err);
	if (ex == NULL)
		wkf_fail(TARGET, "adapter %s: create failed: %s", adapter->name, err);
	return ex;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ao_run *r = calloc(1, sizeof *r);
	wkc_config cfg = {sizeof cfg, 1, 1};
	wkc_executor *ex;
	size_t pos = 0;
	uint8_t b0;
	unsigned i, k, idle = 0, nscripts;
	static const unsigned copies[4] = {1, 4, 16, 64};
	bool all = true, clean = false, settled;
	uint64_t deadline, seen, progress;
	uint32_t spawn_flags = 0;

	if (r == NULL)
		wkf_fail(TARGET, "out of memory");
#define NEXT() (pos < size ? data[pos++] : (uint8_t)0)
	b0 = NEXT();
	for (k = 0; k < SCRIPTS; k++) {
		r->len[k] = (uint8_t)(NEXT() % (OPS + 1));
		for (i = 0; i < r->len[k]; i++)
			r->ops[k][i] = NEXT();
	}
#undef NEXT
	cfg.cores = (b0 & 1) ? 2 : 1;
	nscripts = ((b0 >> 1) & 3u) + 1;
	r->ntasks = nscripts * copies[(b0 >> 5) & 3u];
	if (r->ntasks > MAX_TASKS)
		r->ntasks = MAX_TASKS;
	watchdog_start();
	if ((b0 & 8) && (adapter->caps & WKC_CAP_SPAWN_LOCAL))
		spawn_flags |= WKC_SPAWN_LOCAL;
	pthread_mutex_init(&r->lock, NULL);
	r->trace = get_trace();
	ex = take_executor(&cfg);
	mark(r, WKC_EV_CHECKPOINT, 0, 0, 0, 0);
	for (i = 1; i <= r->ntasks; i++) {
		ao_task *t = &r->task[i];
		int core = WKC_ANY_CORE, rc;
		uint32_t ev_flags = (spawn_flags & WKC_SPAWN_LOCAL) ? WKC_EVF_LOCAL : 0;
		t->base.vtable = &task_vtable;
		t->run = r;
		t->id = i;
		t->script = (uint8_t)((i - 1) % nscripts);
		if ((b0 & 16) && (adapter->caps & WKC_CAP_SPAWN_ON_CORE)) {
			core = (int)((i - 1) % cfg.cores);
			if (adapter->caps & WKC_CAP_THREAD_PER_CORE)
				ev_flags |= WKC_EVF_PINNED;
		}
		{
			uint64_t seq = wkc_trace_seq(r->trace);
			wkc_event e;
			rc = call_spawn(ex, &t->base, core, spawn_flags);
			memset(&e, 0, sizeof e);
			e.seq = seq;
			e.end = wkc_trace_seq(r->trace);
			e.kind = WKC_EV_SPAWN;
			e.task = i;
			e.other = core < 0 ? 0 : (uint32_t)core;
			e.value = rc;
			e.flags = ev_flags;
			e.thread = wk_thread_id();
			wkc_trace_add(r->trace, &e);
		}
		if (rc != 0)
			atomic_store_explicit(&t->done, 1, memory_order_relaxed); /* refused: owed nothing */
	}
	/* Drive until every task is done, or until the executor said idle
	 * three times in a row with no foreign wake in flight (the rule of the
	 * conformance scene, tests/scene.h: one early IDLE right after a wake
	 * is not yet a lost wakeup); at most WAKE_BOUND_MS of wall time, so
	 * that an executor that stopped (a deadlock) is judged before AFL++'s
	 * per-input timeout (-t 2000) calls the input a hang. */
	deadline = now_ns() + watch_bound_ns;
	seen = polls_begun(r);
	progress = now_ns();
	for (k = 0; idle < 3 && now_ns() < deadline; k++) {
		int res = call_run(ex, 5000000);
		if (polls_begun(r) != seen) {
			seen = polls_begun(r);
			progress = now_ns();
		}
		if (all_done(r))
			break;
		if (res != WKC_RUN_IDLE) {
			idle = 0;
		} else if (jobs_in_flight(r, false)) {
			join_jobs(r, false); /* their wakes land now: idle counts again from 0 */
			idle = 0;
		} else {
			idle++;
		}
	}
	/* Liveness (first poll, lost wakeup) is judged up to the checkpoint
	 * below, and only when the executor settled (every task done, or
	 * idle three times with no wake in flight) or stopped (no poll began
	 * in the last half of the bound): an executor that the bound cut off
	 * while it still made progress, on a loaded machine, owes nothing
	 * yet, and its input is judged for safety only. */
	settled = all_done(r) || idle >= 3 || now_ns() - progress > watch_bound_ns / 2;
	join_jobs(r, false);
	for (i = 1; i <= r->ntasks; i++) {
		wk_waker *w = atomic_load_explicit(&r->export_[i], memory_order_acquire);
		if (w != NULL) {
			atomic_store_explicit(&r->export_[i], NULL, memory_order_relaxed);
			wk_waker_drop(w);
		}
		if (!atomic_load_explicit(&r->task[i].done, memory_order_relaxed))
			all = false;
	}
	if (settled)
		mark(r, WKC_EV_CHECKPOINT, 0, 0, 0, 0);
	/* No-leak is judged only when nothing of ours still holds a clone: a
	 * late job's clone keeps its (completed) task alive, rightly. */
	if (all && (adapter->caps & WKC_CAP_LIVE_TASKS) && adapter->live_tasks != NULL &&
	    !jobs_in_flight(r, true)) {
		/* Executors may free a finished task's memory a little later, on
		 * one of their threads: wait up to 200 ms of wall time (run()
		 * returns at once when idle, so the bound is the clock, not a
		 * count; fuzz with -t 2000 so that the wait is no hang). */
		long live = call_live(ex);
		struct timespec t0, now, nap = {0, 1000000};
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (live != 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) > 200000000L)
				break;
			(void)call_run(ex, 1000000);
			nanosleep(&nap, NULL);
			live = call_live(ex);
		}
		mark(r, WKC_EV_LIVE_SAMPLE, 0, 0, live, WKC_EVF_EXPECT_ZERO);
		clean = live == 0;
	}
	judge(r, false);
	for (i = 1; i <= r->ntasks && clean; i++)
		clean = atomic_load_explicit(&r->task[i].drops, memory_order_relaxed) == 1;
	if (reuse && clean && !jobs_in_flight(r, true)) {
		/* Every future was dropped once and nothing is live: the final
		 * judgement needs no destroy (EXECUTOR REUSE). */
		judge(r, true);
		kept[cfg.cores] = ex;
		retire_run(r);
		return 0;
	}
	mark(r, WKC_EV_DESTROY_BEGIN, 0, 0, 0, 0);
	/* release: the late jobs' wakes happen-after everything before. */
	atomic_store_explicit(&r->phase, PHASE_DESTROYING, memory_order_release);
	call_destroy(ex);
	mark(r, WKC_EV_DESTROY_END, 0, 0, 0, 0);
	atomic_store_explicit(&r->phase, PHASE_DESTROYED, memory_order_release); /* as above */
	join_jobs(r, true);
	judge(r, true);
	free_run(r);
	return 0;
}

#include "fuzz_main.h"
