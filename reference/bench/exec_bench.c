/*
 * exec_bench.c - wk_exec_bench: the same workloads through the same adapters
 * (wkc/adapter.h) on the reference runtime and on real Rust executors, in one
 * run, interleaved round by round.
 *
 * Executors (the shared-library adapters the conformance suite certifies,
 * loaded with dlopen exactly as `wakerconf run --adapter` loads them):
 *   ref        wkc_ref_tpc.so, the reference thread-per-core runtime, 1 core
 *   tokio_ct   tokio 1.24 current_thread      (conformance/adapters/rust)
 *   tokio_mt   tokio 1.24 multi_thread, 2 workers
 *   local_set  tokio 1.24 LocalSet (local spawns)
 *   async_task async-task 4.3 + a run queue (local spawns)
 *   local_pool futures-executor 0.3 LocalPool (local spawns)
 * An executor whose adapter is not built (no cargo: see
 * conformance/adapters/rust) or does not load has no rows: its ratios say
 * "n/a (case not run)" and get no verdict, and the output names it.
 *
 * Workloads, each a C future (wk/future.h) polled by the executor:
 *   self_wake   one task woken by wake_by_ref of its context waker in each
 *               poll: ns per wake+poll
 *   pingpong    two tasks, each waking the other through a clone of its
 *               waker: ns per wake+poll
 *   spawn       256 tasks at a time spawned through the adapter, each done
 *               in its first poll, driven until dropped: ns per task.
 *               The driver is not the reference's core thread, so its
 *               spawns take the remote path (a cross-thread queue and a
 *               hand-off), while the caller-driven Rust executors spawn
 *               locally; the runtime's local spawn (from a task) is
 *               wk_tpc_bench's spawn_complete, timed against tokio's in
 *               the same run
 *   xwake_1     a foreign thread wakes one task and waits until its poll
 *               acknowledged: ns per round trip (latency)
 *   xwake_64    a foreign thread wakes 64 tasks, then waits for the 64
 *               acknowledgements: ns per wake (throughput)
 *   fanin_k<k>  a JoinWaker-shaped fan-in: a parent with 64 children wakes k
 *               of them per round and polls its join (the reference local
 *               join, wk/join.h, on the reference runtime) against the same
 *               shape on FuturesUnordered and join_all (pure Rust on tokio
 *               current_thread, no adapter): ns per round
 * Everything an adapter adds is measured too: for the Rust executors, the
 * bridge's per-wake and per-poll bookkeeping (conformance/adapters/rust,
 * bridge/src/track.rs: a mutex-guarded table lookup on every wake) is part
 * of every figure, so the ratios overstate the reference's lead by that much.
 *
 * Ratios: executor ns / reference ns per workload, paired within rounds.
 * Targets (README.md, Benchmarks): >= 5x against tokio current_thread on
 * self-wake, ping-pong and spawn, >= 3x against the others, >= 3x for the
 * fan-in against FuturesUnordered and join_all; the cross-thread wake rows
 * are information.  A verdict is printed only for ratios whose two
 * figures were measured in this run.
 *
 * Exact instruction counts beside the times: reference/bench/exec_compare.sh
 * <wk_exec_bench> (callgrind, load-independent; --instr FILE prints them).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "wk/future.h"
#include "wk/join.h"
#include "wkc/adapter.h"

#ifndef WK_BENCH_BUILD_TYPE
#define WK_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef WK_BENCH_CFLAGS
#define WK_BENCH_CFLAGS ""
#endif

#define FULL_ITERS 200000u
#define FULL_ROUNDS 15u
#define SPAWN_BATCH 256u
#define XWAKE_MANY 64u

/* ---- executors ----------------------------------------------------------- */

typedef struct bexec {
	const char *id;    /* in case names */
	const char *label; /* in row labels */
	const char *path;  /* the adapter library ("" when not built) */
	uint32_t cores;
	bool local;        /* spawn with WKC_SPAWN_LOCAL (the executor's local spawn) */
	const wkc_adapter *ad;
	wkc_executor *ex;
	const char *missing; /* why it has no rows, or NULL */
} bexec;

#ifndef WK_EXEC_BENCH_REF
#define WK_EXEC_BENCH_REF ""
#endif
#ifndef WK_EXEC_BENCH_TOKIO_CT
#define WK_EXEC_BENCH_TOKIO_CT ""
#endif
#ifndef WK_EXEC_BENCH_TOKIO_MT
#define WK_EXEC_BENCH_TOKIO_MT ""
#endif
#ifndef WK_EXEC_BENCH_LOCAL_SET
#define WK_EXEC_BENCH_LOCAL_SET ""
#endif
#ifndef WK_EXEC_BENCH_ASYNC_TASK
#define WK_EXEC_BENCH_ASYNC_TASK ""
#endif
#ifndef WK_EXEC_BENCH_LOCAL_POOL
#define WK_EXEC_BENCH_LOCAL_POOL ""
#endif

static bexec execs[] = {
	{"ref", "reference tpc (1 core)", WK_EXEC_BENCH_REF, 1, false, NULL, NULL, NULL},
	{"tokio_ct", "tokio current_thread", WK_EXEC_BENCH_TOKIO_CT, 0, false, NULL, NULL, NULL},
	{"tokio_mt", "tokio multi_thread (2)", WK_EXEC_BENCH_TOKIO_MT, 2, false, NULL, NULL, NULL},
	{"local_set", "tokio LocalSet", WK_EXEC_BENCH_LOCAL_SET, 0, true, NULL, NULL, NULL},
	{"async_task", "async-task + queue", WK_EXEC_BENCH_ASYNC_TASK, 0, true, NULL, NULL, NULL},
	{"local_pool", "futures LocalPool", WK_EXEC_BENCH_LOCAL_POOL, 0, true, NULL, NULL, NULL},
};
#define NEXECS (sizeof execs / sizeof execs[0])

static void open_exec(bexec *b)
{
	static char why[NEXECS][256];
	size_t i = (size_t)(b - execs);
	void *h;
	const wkc_adapter *(*entry)(void);
	wkc_config cfg = {sizeof(wkc_config), b->cores, 1};
	char err[256] = "";

	if (b->path[0] == '\0') {
		b->missing = "adapter not built in this tree (conformance/adapters/rust needs cargo "
			     "and Debian's crates)";
		return;
	}
	h = dlopen(b->path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		snprintf(why[i], sizeof why[i], "dlopen: %s", dlerror());
		b->missing = why[i];
		return;
	}
	*(void **)&entry = dlsym(h, WKC_ADAPTER_ENTRY_SYMBOL);
	if (entry == NULL || (b->ad = entry()) == NULL) {
		b->missing = "no adapter entry";
		return;
	}
	b->ex = b->ad->create(&cfg, err, sizeof err);
	if (b->ex == NULL) {
		snprintf(why[i], sizeof why[i], "create: %s", err);
		b->missing = why[i];
	}
}

static int spawn(bexec *b, wk_future *f)
{
	return b->ad->spawn(b->ex, f, WKC_ANY_CORE, b->local ? WKC_SPAWN_LOCAL : 0);
}

/* Drive until *done (acquire: what the tasks wrote before setting it is
 * visible).  run() returns at idle; tasks woken by other threads need more
 * calls, and an executor with threads of its own runs between them. */
static void drive_until(bexec *b, atomic_bool *done)
{
	while (!atomic_load_explicit(done, memory_order_acquire))
		(void)b->ad->run(b->ex, 1000000000u);
}

/* ---- self-wake -------------------------------------------------------------- */

typedef struct self_wake {
	wk_future f;
	uint64_t left, polls;
	atomic_bool dropped;
} self_wake;

static wk_poll self_wake_poll(wk_future *f, const wk_context *cx, void **out)
{
	self_wake *s = (self_wake *)f;
	(void)out;
	s->polls++;
	if (s->left == 0)
		return WK_READY;
	s->left--;
	wk_waker_wake_by_ref(wk_context_waker(cx));
	return WK_PENDING;
}

static void self_wake_drop(wk_future *f)
{
	/* release: the driver reads polls after it sees the drop */
	atomic_store_explicit(&((self_wake *)f)->dropped, true, memory_order_release);
}

static const wk_future_vtable self_wake_vt = {self_wake_poll, self_wake_drop};

static uint64_t run_self_wake(void *arg, uint64_t iters)
{
	bexec *b = arg;
	self_wake s = {.f = {&self_wake_vt}, .left = iters};
	atomic_init(&s.dropped, false);
	if (spawn(b, &s.f) != 0)
		return 0;
	drive_until(b, &s.dropped);
	return s.polls == iters + 1 ? iters : 0;
}

/* ---- ping-pong ---------------------------------------------------------------- */

/* Two sides; turn t belongs to side t % 2, which advances it and wakes the
 * other.  Sequentially consistent turn and publication: a side that
 * advances the turn before the other published its waker, and the other
 * that publishes before it reads the turn, cannot both miss each other. */
typedef struct pingpong pingpong;
typedef struct pp_side {
	wk_future f;
	pingpong *pp;
	int me;
	wk_waker w;      /* a clone of this side's waker, once published */
	atomic_bool has; /* w is published */
	atomic_bool dropped;
} pp_side;

struct pingpong {
	pp_side side[2];
	atomic_uint_fast64_t turn;
	uint64_t end;
};

static void pp_wake_other(pp_side *s)
{
	pp_side *o = &s->pp->side[1 - s->me];
	if (atomic_load(&o->has))
		wk_waker_wake_by_ref(&o->w);
}

static wk_poll pp_poll(wk_future *f, const wk_context *cx, void **out)
{
	pp_side *s = (pp_side *)f;
	uint64_t t;
	(void)out;
	if (!atomic_load_explicit(&s->has, memory_order_relaxed)) {
		s->w = wk_waker_clone(wk_context_waker(cx));
		atomic_store(&s->has, true);
		pp_wake_other(s);
	}
	t = atomic_load(&s->pp->turn);
	if (t < s->pp->end && t % 2 == (uint64_t)s->me) {
		atomic_store(&s->pp->turn, t + 1);
		pp_wake_other(s);
		t++;
	}
	return t >= s->pp->end ? WK_READY : WK_PENDING;
}

static void pp_drop(wk_future *f)
{
	atomic_store_explicit(&((pp_side *)f)->dropped, true, memory_order_release);
}

static const wk_future_vtable pp_vt = {pp_poll, pp_drop};

static uint64_t run_pingpong(void *arg, uint64_t iters)
{
	bexec *b = arg;
	pingpong *pp = calloc(1, sizeof *pp);
	uint64_t turns;
	if (pp == NULL)
		return 0;
	pp->end = iters;
	atomic_init(&pp->turn, 0);
	for (int i = 0; i < 2; i++) {
		pp->side[i] = (pp_side){.f = {&pp_vt}, .pp = pp, .me = i};
		atomic_init(&pp->side[i].has, false);
		atomic_init(&pp->side[i].dropped, false);
	}
	if (spawn(b, &pp->side[0].f) != 0 || spawn(b, &pp->side[1].f) != 0) {
		free(pp); /* a refused spawn leaves the future with us (not reached here) */
		return 0;
	}
	drive_until(b, &pp->side[0].dropped);
	drive_until(b, &pp->side[1].dropped);
	turns = atomic_load(&pp->turn);
	/* Both sides are dropped: their clones are released here. */
	for (int i = 0; i < 2; i++)
		if (atomic_load(&pp->side[i].has))
			wk_waker_drop(&pp->side[i].w);
	free(pp);
	return turns == iters ? iters : 0;
}

/* ---- spawn to completion ------------------------------------------------------ */

typedef struct child {
	wk_future f;
	atomic_uint *left; /* children of the batch not yet dropped */
	atomic_bool *done;
} child;

static wk_poll child_poll(wk_future *f, const wk_context *cx, void **out)
{
	(void)f;
	(void)cx;
	(void)out;
	return WK_READY;
}

static void child_drop(wk_future *f)
{
	child *c = (child *)f;
	/* acq_rel: the last drop publishes every earlier one to the driver */
	if (atomic_fetch_sub_explicit(c->left, 1, memory_order_acq_rel) == 1)
		atomic_store_explicit(c->done, true, memory_order_release);
}

static const wk_future_vtable child_vt = {child_poll, child_drop};

static uint64_t run_spawn(void *arg, uint64_t iters)
{
	bexec *b = arg;
	child kids[SPAWN_BATCH];
	atomic_uint left;
	atomic_bool done;
	uint64_t n = 0;
	while (n < iters) {
		unsigned batch = iters - n < SPAWN_BATCH ? (unsigned)(iters - n) : SPAWN_BATCH;
		atomic_init(&left, batch);
		atomic_init(&done, false);
		for (unsigned i = 0; i < batch; i++) {
			kids[i] = (child){{&child_vt}, &left, &done};
			if (spawn(b, &kids[i].f) != 0)
				return 0;
		}
		drive_until(b, &done);
		n += batch;
	}
	return n;
}

/* ---- cross-thread wakes ------------------------------------------------------- */

/* A task acknowledges, in each poll, the latest request a foreign thread
 * made before waking it. */
typedef struct acker {
	wk_future f;
	atomic_uint_fast64_t req, ack;
	atomic_bool stop, dropped, has;
	wk_waker w; /* its waker, cloned in the first poll */
} acker;

static wk_poll acker_poll(wk_future *f, const wk_context *cx, void **out)
{
	acker *a = (acker *)f;
	(void)out;
	if (!atomic_load_explicit(&a->has, memory_order_relaxed)) {
		a->w = wk_waker_clone(wk_context_waker(cx));
		atomic_store_explicit(&a->has, true, memory_order_release);
	}
	/* acquire/release: the request the wake carried, the answer the
	 * foreign thread waits for */
	atomic_store_explicit(&a->ack, atomic_load_explicit(&a->req, memory_order_acquire),
			      memory_order_release);
	return atomic_load_explicit(&a->stop, memory_order_acquire) ? WK_READY : WK_PENDING;
}

static void acker_drop(wk_future *f)
{
	atomic_store_explicit(&((acker *)f)->dropped, true, memory_order_release);
}

static const wk_future_vtable acker_vt = {acker_poll, acker_drop};

/* The CPU mask the process started with: the foreign thread gets it back,
 * so that it never shares the driver's pinned CPU (two threads spinning
 * on one CPU measure the scheduler's time slice, not a wake). */
static cpu_set_t start_mask;
static int have_start_mask;

typedef struct xwake {
	acker *a;
	unsigned n;
	uint64_t rounds;
	atomic_bool finished;
} xwake;

static void *xwake_thread(void *arg)
{
	xwake *x = arg;
	for (uint64_t r = 1; r <= x->rounds; r++) {
		for (unsigned i = 0; i < x->n; i++) {
			atomic_store_explicit(&x->a[i].req, r, memory_order_release);
			wk_waker_wake_by_ref(&x->a[i].w);
		}
		for (unsigned i = 0; i < x->n; i++)
			for (unsigned spins = 0;
			     atomic_load_explicit(&x->a[i].ack, memory_order_acquire) < r; spins++)
				if (spins >= 1000) /* let a driver on this CPU run */
					sched_yield();
	}
	atomic_store_explicit(&x->finished, true, memory_order_release);
	return NULL;
}

static uint64_t run_xwake(bexec *b, unsigned n, uint64_t iters)
{
	acker *a = calloc(n, sizeof *a);
	xwake x = {.a = a, .n = n, .rounds = iters / n};
	pthread_t t;
	uint64_t ok = 0;
	if (a == NULL || x.rounds == 0) {
		free(a);
		return 0;
	}
	atomic_init(&x.finished, false);
	for (unsigned i = 0; i < n; i++) {
		a[i].f.vtable = &acker_vt;
		if (spawn(b, &a[i].f) != 0)
			goto out;
	}
	/* Every task polled once: its waker is there to wake. */
	for (unsigned i = 0; i < n; i++)
		while (!atomic_load_explicit(&a[i].has, memory_order_acquire))
			(void)b->ad->run(b->ex, 1000000000u);
	{
		pthread_attr_t attr;
		int err;
		pthread_attr_init(&attr);
		if (have_start_mask)
			pthread_attr_setaffinity_np(&attr, sizeof start_mask, &start_mask);
		err = pthread_create(&t, &attr, xwake_thread, &x);
		pthread_attr_destroy(&attr);
		if (err != 0)
			goto out;
	}
	drive_until(b, &x.finished);
	pthread_join(t, NULL);
	ok = x.rounds * n;
out:
	/* End every task: stop, wake, drive until dropped; then drop the clones. */
	for (unsigned i = 0; i < n; i++) {
		atomic_store_explicit(&a[i].stop, true, memory_order_release);
		if (atomic_load(&a[i].has))
			wk_waker_wake_by_ref(&a[i].w);
	}
	for (unsigned i = 0; i < n; i++)
		drive_until(b, &a[i].dropped);
	for (unsigned i = 0; i < n; i++)
		if (atomic_load(&a[i].has))
			wk_waker_drop(&a[i].w);
	free(a);
	return ok;
}

static uint64_t run_xwake_1(void *arg, uint64_t iters)
{
	return run_xwake(arg, 1, iters);
}

static uint64_t run_xwake_64(void *arg, uint64_t iters)
{
	return run_xwake(arg, XWAKE_MANY, iters);
}

/* ---- fan-in: a JoinWaker-shaped parent ------------------------------------------ */

/* The shape of join_bench.c, as a task: a parent holds a join of 64
 * children, each keeping its context's local waker (clone_from) and
 * returning Pending.  The first poll polls every child; every later poll
 * wakes k children through the wakers they kept (start rotating by 7),
 * polls the join once (which polls exactly those k), and wakes itself.
 * One op is one round.  The Rust rows run the same shape on
 * FuturesUnordered and join_all (conformance/adapters/rust/executors/src/
 * fanin.rs), as pure Rust on tokio current_thread. */
#define FANIN_CHILDREN 64u

typedef struct fchild {
	wk_future f;
	wk_local_waker kept;
	int has;
	uint64_t *polls;
} fchild;

static wk_poll fchild_poll(wk_future *f, const wk_context *cx, void **out)
{
	fchild *c = (fchild *)f;
	(void)out;
	if (!c->has) {
		c->kept = wk_local_waker_clone(wk_context_local_waker(cx));
		c->has = 1;
	} else {
		wk_local_waker_clone_from(&c->kept, wk_context_local_waker(cx));
	}
	(*c->polls)++;
	return WK_PENDING;
}

static void fchild_drop(wk_future *f)
{
	fchild *c = (fchild *)f;
	if (c->has)
		wk_local_waker_drop(&c->kept);
}

static const wk_future_vtable fchild_vt = {fchild_poll, fchild_drop};

typedef struct fparent {
	wk_future f;
	wk_future *join;
	fchild kids[FANIN_CHILDREN];
	unsigned k, start;
	uint64_t rounds, done, polls;
	int started;
	atomic_bool dropped;
} fparent;

static wk_poll fparent_poll(wk_future *f, const wk_context *cx, void **out)
{
	fparent *p = (fparent *)f;
	void *jout = NULL;
	(void)out;
	if (!p->started) {
		p->started = 1;
	} else {
		if (p->done == p->rounds)
			return WK_READY;
		for (unsigned j = 0; j < p->k; j++) {
			fchild *c = &p->kids[(p->start + j) % FANIN_CHILDREN];
			if (c->has)
				wk_local_waker_wake_by_ref(&c->kept);
		}
		p->start = (p->start + 7) % FANIN_CHILDREN;
		p->done++;
	}
	(void)wk_future_poll(p->join, cx, &jout);
	wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

static void fparent_drop(wk_future *f)
{
	fparent *p = (fparent *)f;
	wk_future_drop(p->join); /* drops the children */
	atomic_store_explicit(&p->dropped, true, memory_order_release);
}

static const wk_future_vtable fparent_vt = {fparent_poll, fparent_drop};

static uint64_t run_fanin_ref(bexec *b, unsigned k, uint64_t iters)
{
	fparent *p = calloc(1, sizeof *p);
	wk_future *kids[FANIN_CHILDREN];
	uint64_t ok;
	if (p == NULL)
		return 0;
	for (unsigned i = 0; i < FANIN_CHILDREN; i++) {
		p->kids[i] = (fchild){.f = {&fchild_vt}, .polls = &p->polls};
		kids[i] = &p->kids[i].f;
	}
	/* The local join: the parent is a local task of one core. */
	p->join = wk_join_local_new(kids, FANIN_CHILDREN);
	p->f.vtable = &fparent_vt;
	p->k = k;
	p->rounds = iters;
	atomic_init(&p->dropped, false);
	if (p->join == NULL || b->ad->spawn(b->ex, &p->f, WKC_ANY_CORE, WKC_SPAWN_LOCAL) != 0) {
		if (p->join != NULL)
			wk_future_drop(p->join);
		free(p);
		return 0;
	}
	drive_until(b, &p->dropped);
	ok = p->done == iters && p->polls >= FANIN_CHILDREN + iters * k ? iters : 0;
	free(p);
	return ok;
}

static uint64_t run_fanin_ref_1(void *arg, uint64_t iters)
{
	return run_fanin_ref(arg, 1, iters);
}
static uint64_t run_fanin_ref_8(void *arg, uint64_t iters)
{
	return run_fanin_ref(arg, 8, iters);
}
static uint64_t run_fanin_ref_64(void *arg, uint64_t iters)
{
	return run_fanin_ref(arg, 64, iters);
}

#if WK_EXEC_BENCH_RUST_FANIN
/* conformance/adapters/rust/executors/src/fanin.rs */
uint64_t wkc_rust_bench_fanin(int mode, uint32_t k, uint64_t rounds);
#define RUST_FANIN(name, mode, k)                                                                  \
	static uint64_t name(void *arg, uint64_t iters)                                            \
	{                                                                                          \
		(void)arg;                                                                         \
		return wkc_rust_bench_fanin(mode, k, iters);                                       \
	}
RUST_FANIN(run_fu_1, 0, 1)
RUST_FANIN(run_fu_8, 0, 8)
RUST_FANIN(run_fu_64, 0, 64)
RUST_FANIN(run_ja_1, 1, 1)
RUST_FANIN(run_ja_8, 1, 8)
RUST_FANIN(run_ja_64, 1, 64)
#endif

typedef struct fanin_row {
	const char *name, *label;
	wk_bench_fn fn;
	int rust;
} fanin_row;

static const fanin_row fanin_rows[] = {
	{"fanin_k1.ref", "fan-in k=1: reference local join", run_fanin_ref_1, 0},
	{"fanin_k8.ref", "fan-in k=8: reference local join", run_fanin_ref_8, 0},
	{"fanin_k64.ref", "fan-in k=64: reference local join", run_fanin_ref_64, 0},
#if WK_EXEC_BENCH_RUST_FANIN
	{"fanin_k1.futures_unordered", "fan-in k=1: FuturesUnordered (tokio ct)", run_fu_1, 1},
	{"fanin_k8.futures_unordered", "fan-in k=8: FuturesUnordered (tokio ct)", run_fu_8, 1},
	{"fanin_k64.futures_unordered", "fan-in k=64: FuturesUnordered (tokio ct)", run_fu_64, 1},
	{"fanin_k1.join_all", "fan-in k=1: join_all (tokio ct)", run_ja_1, 1},
	{"fanin_k8.join_all", "fan-in k=8: join_all (tokio ct)", run_ja_8, 1},
	{"fanin_k64.join_all", "fan-in k=64: join_all (tokio ct)", run_ja_64, 1},
#endif
};
#define NFANIN (sizeof fanin_rows / sizeof fanin_rows[0])

static const char *const fanin_rust[] = {"futures_unordered", "join_all"};
static const unsigned fanin_k[] = {1, 8, 64};

/* ---- the table ----------------------------------------------------------------- */

typedef struct workload {
	const char *id, *label;
	wk_bench_fn fn;
	uint64_t iters_div;
	double target_ct, target_other; /* 0: information only */
} workload;

static const workload workloads[] = {
	{"self_wake", "self-wake", run_self_wake, 1, 5.0, 3.0},
	{"pingpong", "ping-pong", run_pingpong, 1, 5.0, 3.0},
	{"spawn", "spawn to completion", run_spawn, 4, 5.0, 3.0},
	{"xwake_1", "cross-thread wake, 1 pair (latency)", run_xwake_1, 100, 0, 0},
	{"xwake_64", "cross-thread wake, 64 pairs (throughput)", run_xwake_64, 10, 0, 0},
};
#define NWORK (sizeof workloads / sizeof workloads[0])

int main(int argc, char **argv)
{
	static const char about[] =
		"wk_exec_bench: the same workloads through the same adapters on the reference\n"
		"runtime and on tokio (current_thread, multi_thread, LocalSet), async-task and\n"
		"futures-executor LocalPool, interleaved in one run.  Case names are\n"
		"<workload>.<executor>.  With instruction counts: reference/bench/exec_compare.sh.\n";
	enum { MAXC = NWORK * NEXECS + NFANIN, MAXR = NWORK * NEXECS + 6 };
	static wk_bench_case cases[MAXC];
	static wk_bench_ratio ratios[MAXR];
	static char names[MAXC][64], labels[MAXC][96];
	static char rnames[MAXR][64], rlabels[MAXR][96], rnum[MAXR][64], rden[MAXR][64];
	static char build[512];
	wk_bench_options o;
	wk_bench_report rep;
	size_t nc = 0, nr = 0;
	int rc, cpu, failed = 0;

	rc = wk_bench_parse_options(argc, argv, &o, FULL_ITERS, FULL_ROUNDS, about);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	/* Executors start their threads before this one pins itself, so that
	 * they keep the whole CPU mask. */
	if (!o.list)
		for (size_t e = 0; e < NEXECS; e++)
			open_exec(&execs[e]);
	for (size_t w = 0; w < NWORK; w++)
		for (size_t e = 0; e < NEXECS; e++) {
			snprintf(names[nc], sizeof names[nc], "%s.%s", workloads[w].id, execs[e].id);
			if (!o.list && execs[e].missing != NULL)
				continue;
			snprintf(labels[nc], sizeof labels[nc], "%s: %s", workloads[w].label,
				 execs[e].label);
			cases[nc] = (wk_bench_case)WK_BENCH_CASE(names[nc], labels[nc],
								 workloads[w].fn, &execs[e]);
			cases[nc].iters_div = workloads[w].iters_div;
			nc++;
		}
	for (size_t i = 0; i < NFANIN; i++) {
		/* The reference rows need the reference adapter. */
		if (!o.list && !fanin_rows[i].rust && execs[0].missing != NULL)
			continue;
		cases[nc] = (wk_bench_case)WK_BENCH_CASE(fanin_rows[i].name, fanin_rows[i].label,
							 fanin_rows[i].fn, &execs[0]);
		cases[nc].iters_div = 4;
		nc++;
	}
	if (o.list) {
		for (size_t i = 0; i < nc; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	for (size_t w = 0; w < NWORK; w++)
		for (size_t e = 1; e < NEXECS; e++) {
			double target = e == 1 ? workloads[w].target_ct : workloads[w].target_other;
			snprintf(rnames[nr], sizeof rnames[nr], "%s_%s_vs_ref", workloads[w].id,
				 execs[e].id);
			snprintf(rlabels[nr], sizeof rlabels[nr], "%s: %s / reference",
				 workloads[w].label, execs[e].id);
			ratios[nr] = (wk_bench_ratio)WK_BENCH_RATIO(
				rnames[nr], rlabels[nr], NULL, NULL,
				target > 0 ? WK_BENCH_AT_LEAST : WK_BENCH_INFO, target);
			/* num / den are case names: the executor's and the reference's. */
			snprintf(rnum[nr], sizeof rnum[nr], "%s.%s", workloads[w].id, execs[e].id);
			snprintf(rden[nr], sizeof rden[nr], "%s.ref", workloads[w].id);
			ratios[nr].num = rnum[nr];
			ratios[nr].den = rden[nr];
			nr++;
		}
	for (size_t r = 0; r < 2; r++)
		for (size_t i = 0; i < 3; i++) {
			snprintf(rnames[nr], sizeof rnames[nr], "fanin_k%u_%s_vs_ref", fanin_k[i],
				 fanin_rust[r]);
			snprintf(rlabels[nr], sizeof rlabels[nr], "fan-in k=%u: %s / reference join",
				 fanin_k[i], fanin_rust[r]);
			snprintf(rnum[nr], sizeof rnum[nr], "fanin_k%u.%s", fanin_k[i], fanin_rust[r]);
			snprintf(rden[nr], sizeof rden[nr], "fanin_k%u.ref", fanin_k[i]);
			ratios[nr] = (wk_bench_ratio)WK_BENCH_RATIO(rnames[nr], rlabels[nr], rnum[nr],
								    rden[nr], WK_BENCH_AT_LEAST, 3.0);
			nr++;
		}

	have_start_mask = sched_getaffinity(0, sizeof start_mask, &start_mask) == 0;
	cpu = wk_bench_pin_cpu();
	wk_bench_run(cases, nc, &o);
	wk_bench_eval_ratios(ratios, nr, cases, nc);

	snprintf(build, sizeof build, "%s, %s", WK_BENCH_BUILD_TYPE, WK_BENCH_CFLAGS);
	rep = (wk_bench_report){.title = "wk_exec_bench: executors through their adapters",
				.build = build,
				.cpu = cpu,
				.opts = &o,
				.cases = cases,
				.ncases = nc,
				.baseline = NULL,
				.ratios = ratios,
				.nratios = nr};
	if (o.json)
		wk_bench_print_json(stdout, &rep);
	else
		wk_bench_print_table(stdout, &rep);

	for (size_t i = 0; i < nc; i++)
		if (cases[i].ran && cases[i].total_ops == 0) {
			fprintf(stderr, "wk_exec_bench: case %s did not perform its operations\n",
				cases[i].name);
			failed = 1;
		}
	if (!o.json) {
		for (size_t e = 0; e < NEXECS; e++)
			if (execs[e].missing != NULL)
				printf("anchor missing: %s: %s (its rows are not measured; no verdict)\n",
				       execs[e].label, execs[e].missing);
#if !WK_EXEC_BENCH_RUST_FANIN
		printf("anchor missing: FuturesUnordered / join_all fan-in rows: the Rust library is "
		       "not built in this tree (no verdict)\n");
#endif
		printf("Rust rows through adapters include the bridge's bookkeeping (a table lookup per wake, "
		       "conformance/adapters/rust/bridge/src/track.rs).\n");
		printf("spawn: the driver is not the reference's core thread, so each of its spawns takes "
		       "the remote path\n(a cross-thread queue), while the caller-driven executors spawn "
		       "locally; the runtime's local\nspawn, from a task, is wk_tpc_bench's spawn_complete "
		       "(against tokio_spawn_complete in the same run).\n");
	}
	for (size_t e = 0; e < NEXECS; e++)
		if (execs[e].ex != NULL)
			execs[e].ad->destroy(execs[e].ex);
	return failed;
}
