/*
 * det_sched.c - the deterministic mode (WK-TPC-021..023): every core of the
 * runtime runs on the one thread that drives it, and each scheduling choice
 * is read from a byte stream, so a schedule fuzzer controls the
 * interleaving and any schedule it finds replays exactly.
 *
 * ONE STEP
 *   The scheduler lists what could happen next, in a fixed order:
 *     RUN(c)    poll the task at the head of core c's run queue
 *     DRAIN(c)  apply core c's remote queue (foreign wakes and spawns)
 *     FIRE(k)   wake the k-th deferred "foreign" waker (by value, from
 *               outside every core: the routing path of a real foreign
 *               thread)
 *     TIMER     advance virtual time to the earliest armed timer (if not
 *               already there) and fire every due timer
 *   and takes the next byte modulo the number of choices (two bytes when
 *   there are more than 256; none when there is only one).  When the bytes
 *   run out it goes round robin over the list.  Nothing to choose from
 *   means quiescent.
 *
 *   RUN, DRAIN and the timer firing call the same core functions as the
 *   threaded loop (core.c, timer.c), with the stepped core installed as the
 *   calling thread's current core; only parking is absent.  Waking a handle
 *   while core c is stepped is therefore a local wake for core c's tasks
 *   and a routed one for every other core's, exactly as on threads.
 *
 * TRACE
 *   Every event (wk_tpc_event_kind) is appended with the step it happened
 *   in and folded into an FNV-1a hash, so two runs can be compared by hash
 *   or event by event.  At most TRACE_KEEP events are stored; the hash
 *   covers all of them.  Task ids are deterministic: a core numbers its own
 *   spawns, and remote spawns are numbered in the order they are made.
 */
#include "tpc_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACE_KEEP ((size_t)1 << 20)
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

struct wk__tpc_det {
	uint8_t *bytes;
	size_t len, pos;
	uint64_t rr;
	uint64_t clock;
	uint32_t step;
	wk_waker *deferred;
	uint64_t *deferred_no;
	size_t ndeferred, deferred_cap;
	uint64_t defer_seq;
	wk_tpc_event *trace;
	size_t ntrace, trace_cap;
	uint64_t hash;
};

struct wk__tpc_det *wk__tpc_det_new(const uint8_t *bytes, size_t len)
{
	struct wk__tpc_det *det = calloc(1, sizeof *det);
	if (det == NULL)
		return NULL;
	if (len > 0) {
		det->bytes = malloc(len);
		if (det->bytes == NULL) {
			free(det);
			return NULL;
		}
		memcpy(det->bytes, bytes, len);
		det->len = len;
	}
	det->hash = FNV_OFFSET;
	return det;
}

void wk__tpc_det_drop_deferred(struct wk__tpc_det *det)
{
	while (det->ndeferred > 0)
		wk_waker_drop(&det->deferred[--det->ndeferred]);
}

void wk__tpc_det_free(struct wk__tpc_det *det)
{
	wk__tpc_det_drop_deferred(det);
	free(det->deferred);
	free(det->deferred_no);
	free(det->trace);
	free(det->bytes);
	free(det);
}

uint64_t wk__tpc_det_clock(const struct wk__tpc_det *det)
{
	return det->clock;
}

/* ---- trace ------------------------------------------------------------------------ */

static void hash_u64(uint64_t *h, uint64_t v)
{
	int i;
	for (i = 0; i < 8; i++) {
		*h ^= (v >> (8 * i)) & 0xffu;
		*h *= FNV_PRIME;
	}
}

void wk__tpc_trace(struct wk__tpc_det *det, int kind, int core, uint64_t task, uint64_t a)
{
	wk_tpc_event e;
	e.step = det->step;
	e.kind = (uint16_t)kind;
	e.core = core < 0 ? 0xffffu : (uint16_t)core;
	e.task = task;
	e.a = a;
	hash_u64(&det->hash, e.step);
	hash_u64(&det->hash, ((uint64_t)e.kind << 16) | e.core);
	hash_u64(&det->hash, e.task);
	hash_u64(&det->hash, e.a);
	if (det->ntrace == det->trace_cap) {
		size_t cap = det->trace_cap ? det->trace_cap * 2 : 256;
		wk_tpc_event *grown;
		if (det->trace_cap >= TRACE_KEEP)
			return; /* hashed, not stored */
		grown = realloc(det->trace, cap * sizeof *grown);
		if (grown == NULL)
			return;
		det->trace = grown;
		det->trace_cap = cap;
	}
	det->trace[det->ntrace++] = e;
}

const char *wk_tpc_event_name(int kind)
{
	static const char *const names[] = {
		"?",     "spawn", "poll", "pending", "ready", "wake", "route",
		"drain", "defer", "fire", "timer",   "clock", "drop",
	};
	if (kind < 0 || (size_t)kind >= sizeof names / sizeof names[0])
		return "?";
	return names[kind];
}

const wk_tpc_event *wk_tpc_trace(const wk_tpc_runtime *rt, size_t *count)
{
	if (rt->det == NULL) {
		if (count != NULL)
			*count = 0;
		return NULL;
	}
	if (count != NULL)
		*count = rt->det->ntrace;
	return rt->det->trace;
}

uint64_t wk_tpc_trace_hash(const wk_tpc_runtime *rt)
{
	return rt->det != NULL ? rt->det->hash : 0;
}

void wk_tpc_trace_print(const wk_tpc_runtime *rt, void *file)
{
	FILE *out = file != NULL ? file : stdout;
	size_t n = 0, i;
	const wk_tpc_event *ev = wk_tpc_trace(rt, &n);
	for (i = 0; i < n; i++) {
		fprintf(out, "%6" PRIu32 " %-7s ", ev[i].step, wk_tpc_event_name(ev[i].kind));
		if (ev[i].core == 0xffffu)
			fprintf(out, "core -  ");
		else
			fprintf(out, "core %-2u ", (unsigned)ev[i].core);
		fprintf(out, "task %#" PRIx64 " a=%" PRIu64 "\n", ev[i].task, ev[i].a);
	}
	fprintf(out, "trace: %zu events, hash %016" PRIx64 "\n", n, wk_tpc_trace_hash(rt));
}

/* ---- choices -------------------------------------------------------------------------- */

static size_t choose(struct wk__tpc_det *det, size_t n)
{
	uint32_t v;
	if (n <= 1)
		return 0;
	if (det->pos < det->len) {
		v = det->bytes[det->pos++];
		if (n > 256 && det->pos < det->len)
			v = (v << 8) | det->bytes[det->pos++];
		return v % n;
	}
	return (size_t)(det->rr++ % n);
}

size_t wk_tpc_det_bytes_used(const wk_tpc_runtime *rt)
{
	return rt->det != NULL ? rt->det->pos : 0;
}

void wk_tpc_det_defer_wake(wk_tpc_runtime *rt, wk_waker *waker)
{
	struct wk__tpc_det *det = rt->det;
	wk__tpc_core *cur = wk__tpc_tls_core;
	if (det == NULL)
		wk_fatal("wk_tpc_det_defer_wake: the runtime is not deterministic");
	if (waker == NULL)
		wk_fatal("wk_tpc_det_defer_wake: waker must not be NULL");
	if (det->ndeferred == det->deferred_cap) {
		size_t cap = det->deferred_cap ? det->deferred_cap * 2 : 16;
		wk_waker *w = realloc(det->deferred, cap * sizeof *w);
		uint64_t *no;
		if (w == NULL)
			wk_fatal("wk_tpc_det_defer_wake: out of memory");
		det->deferred = w;
		no = realloc(det->deferred_no, cap * sizeof *no);
		if (no == NULL)
			wk_fatal("wk_tpc_det_defer_wake: out of memory");
		det->deferred_no = no;
		det->deferred_cap = cap;
	}
	det->deferred[det->ndeferred] = *waker; /* moved: the caller gives it up */
	det->deferred_no[det->ndeferred] = ++det->defer_seq;
	det->ndeferred++;
	wk__tpc_trace(det, WK_TPC_EV_DEFER, cur != NULL && cur->rt == rt ? (int)cur->index : -1, 0,
		      det->defer_seq);
}

/* ---- one step --------------------------------------------------------------------- */

static wk__tpc_core *nth_core(wk_tpc_runtime *rt, size_t k, bool runnable)
{
	unsigned i;
	for (i = 0; i < rt->ncores; i++) {
		wk__tpc_core *c = &rt->cores[i];
		bool has = runnable ? c->run_head != NULL : wk__tpc_rq_pending(c->rq);
		if (has && k-- == 0)
			return c;
	}
	return NULL;
}

static void fire_deferred(wk_tpc_runtime *rt, struct wk__tpc_det *det, size_t k)
{
	wk_waker w = det->deferred[k];
	uint64_t no = det->deferred_no[k];
	memmove(&det->deferred[k], &det->deferred[k + 1],
		(det->ndeferred - k - 1) * sizeof det->deferred[0]);
	memmove(&det->deferred_no[k], &det->deferred_no[k + 1],
		(det->ndeferred - k - 1) * sizeof det->deferred_no[0]);
	det->ndeferred--;
	wk__tpc_trace(det, WK_TPC_EV_FIRE, -1, 0, no);
	(void)rt;
	wk__tpc_set_current(NULL); /* from outside every core */
	wk_waker_wake(&w);
}

static void advance_timers(wk_tpc_runtime *rt, struct wk__tpc_det *det)
{
	uint64_t next = UINT64_MAX;
	unsigned i;
	for (i = 0; i < rt->ncores; i++) {
		uint64_t d = wk__tpc_timers_next(&rt->cores[i]);
		if (d < next)
			next = d;
	}
	if (next > det->clock) {
		det->clock = next;
		wk__tpc_trace(det, WK_TPC_EV_CLOCK, -1, 0, next / 1000u);
	}
	for (i = 0; i < rt->ncores; i++) {
		wk__tpc_set_current(&rt->cores[i]);
		wk__tpc_timers_fire(&rt->cores[i], det->clock);
	}
}

int wk_tpc_det_step(wk_tpc_runtime *rt)
{
	struct wk__tpc_det *det = rt->det;
	wk__tpc_core *saved = wk__tpc_tls_core;
	size_t n_run = 0, n_drain = 0, n_timer = 0, total, k;
	unsigned i;

	if (det == NULL)
		wk_fatal("wk_tpc_det_step: the runtime is not deterministic");
	if (saved != NULL && saved->rt == rt)
		wk_fatal("wk_tpc_det_step: called from inside core %u of the runtime", saved->index);
	if (wk_thread_id() != rt->shared->det_thread)
		wk_fatal("wk_tpc_det_step: a deterministic runtime is driven by the thread that "
			 "created it (thread %u), not thread %u",
			 rt->shared->det_thread, wk_thread_id());
	for (i = 0; i < rt->ncores; i++) {
		if (rt->cores[i].run_head != NULL)
			n_run++;
		if (wk__tpc_rq_pending(rt->cores[i].rq))
			n_drain++;
		if (rt->cores[i].heap_len > 0)
			n_timer = 1;
	}
	total = n_run + n_drain + det->ndeferred + n_timer;
	if (total == 0)
		return 0;
	k = choose(det, total);
	if (k < n_run) {
		wk__tpc_core *c = nth_core(rt, k, true);
		wk__tpc_set_current(c);
		wk__tpc_core_run_one(c);
	} else if ((k -= n_run) < n_drain) {
		wk__tpc_core *c = nth_core(rt, k, false);
		wk__tpc_set_current(c);
		wk__tpc_core_drain(c);
	} else if ((k -= n_drain) < det->ndeferred) {
		fire_deferred(rt, det, k);
	} else {
		advance_timers(rt, det);
	}
	wk__tpc_set_current(saved);
	det->step++;
	return 1;
}
