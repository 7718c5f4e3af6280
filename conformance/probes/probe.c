/*
 * probe.c - the probe future: poll runs the steps of the current phase and
 * decides Ready or Pending; drop runs the drop steps.  Both record what
 * they see (probe.h, trace.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_internal.h"
#include "wkc/annotate.h"

/* Helgrind and DRD do not see C11 atomics: every atomic field is marked
 * atomic (wkc/annotate.h) right after its initialisation, and each
 * release/acquire pair the probes use on purpose (the export cell, the
 * consumed payload count, gates) is stated beside its atomic operation.
 * No annotation ever links a wake to the poll it causes (trace.h). */
#define WKC__ATOMIC_INIT(field, value)                                          \
	do {                                                                    \
		atomic_init(&(field), (value));                                 \
		wkc_annotate_atomic(&(field), sizeof(field));                   \
	} while (0)

/* Bounds of the waits a poll may do, in ms (scaled by the wait factor). */
#define BARRIER_WAIT_MS 1000.0
#define STALL_WAIT_MS 3000.0

static wk_poll probe_poll(wk_future *self, const wk_context *cx, void **output);
static void probe_drop(wk_future *self);

static const wk_future_vtable probe_vtable = {probe_poll, probe_drop};

/* ---- sets ------------------------------------------------------------------ */

#define DEFAULT_MAX_PROBES 8192

wkc_probe_set *wkc_probe_set_new(const wkc_probe_set_opts *o)
{
	wkc_probe_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->cx = o->cx;
	s->trace = o->trace;
	s->wait_factor = o->wait_factor >= 1.0 ? o->wait_factor : 1.0;
	s->cap = DEFAULT_MAX_PROBES;
	WKC__ATOMIC_INIT(s->nprobes, 0);
	s->probes = calloc(s->cap, sizeof *s->probes);
	WKC__ATOMIC_INIT(s->jobs_posted, 0);
	WKC__ATOMIC_INIT(s->jobs_done, 0);
	WKC__ATOMIC_INIT(s->held_live, 0);
	WKC__ATOMIC_INIT(s->stall_released, 0);
	if (s->probes == NULL || wkc__couriers_start(s, o->couriers) != 0) {
		wkc__couriers_stop(s);
		free(s->probes);
		free(s);
		return NULL;
	}
	return s;
}

void wkc_probe_set_free(wkc_probe_set *s)
{
	if (s == NULL)
		return;
	/* Couriers finish their mailboxes first: a job holds a waker. */
	wkc__couriers_stop(s);
	size_t n = wkc_probe_count(s);
	for (size_t i = 0; i < n; i++) {
		wkc_probe *p = s->probes[i];
		/* acquire: pairs with the release that published exp. */
		if (atomic_load_explicit(&p->exp_state, memory_order_acquire) == 1 &&
		    (wkc_annotate_acquire(&p->exp_state), wkc_held_usable_here(&p->exp)))
			wkc_probe_drop_export(p);
	}
	for (size_t i = 0; i < n; i++)
		free(s->probes[i]);
	free(s->probes);
	free(s);
}

wkc_probe *wkc_probe_new(wkc_probe_set *s, const wkc_probe_spec *spec)
{
	wkc_probe *p;
	size_t n = wkc_probe_count(s);
	if (n == s->cap)
		wkc__probe_bug("more than %zu probes in one set", s->cap);
	p = calloc(1, sizeof *p);
	if (p == NULL)
		wkc__probe_bug("out of memory");
	p->fut.vtable = &probe_vtable;
	p->set = s;
	p->spec = spec;
	p->id = (uint32_t)n + 1;
	WKC__ATOMIC_INIT(p->in_poll, 0);
	WKC__ATOMIC_INIT(p->poller, 0);
	WKC__ATOMIC_INIT(p->polls, 0);
	WKC__ATOMIC_INIT(p->polls_ended, 0);
	WKC__ATOMIC_INIT(p->complete, 0);
	WKC__ATOMIC_INIT(p->drops, 0);
	WKC__ATOMIC_INIT(p->last_thread, 0);
	WKC__ATOMIC_INIT(p->last_begin_seq, 0);
	WKC__ATOMIC_INIT(p->max_wake_seq, 0);
	WKC__ATOMIC_INIT(p->posted, 0);
	WKC__ATOMIC_INIT(p->taken, 0);
	WKC__ATOMIC_INIT(p->done, 0);
	WKC__ATOMIC_INIT(p->ending, 0);
	p->jitter_rng = 0x9e3779b97f4a7c15ull * (p->id + 1);
	WKC__ATOMIC_INIT(p->exp_state, 0);
	WKC__ATOMIC_INIT(p->sent, 0);
	WKC__ATOMIC_INIT(p->consumed, 0);
	WKC__ATOMIC_INIT(p->returned, 0);
	/* The gate is the check's atomic (a probe only loads it). */
	if (spec->gate != NULL)
		wkc_annotate_atomic(spec->gate, sizeof *spec->gate);
	s->probes[n] = p;
	/* relaxed: see the layout (probe_internal.h). */
	atomic_store_explicit(&s->nprobes, n + 1, memory_order_relaxed);
	return p;
}

size_t wkc_probe_count(const wkc_probe_set *s)
{
	/* relaxed: see the layout (probe_internal.h). */
	return atomic_load_explicit(&((wkc_probe_set *)s)->nprobes, memory_order_relaxed);
}

wkc_probe *wkc_probe_at(wkc_probe_set *s, size_t index)
{
	return index < wkc_probe_count(s) ? s->probes[index] : NULL;
}

wkc_trace *wkc_probe_set_trace(wkc_probe_set *s)
{
	return s->trace;
}

void wkc_probe_set_release_stall(wkc_probe_set *s)
{
	/* relaxed: stallers only need to see the flag eventually. */
	atomic_store_explicit(&s->stall_released, 1, memory_order_relaxed);
}

unsigned long wkc_probe_set_jobs_pending(wkc_probe_set *s)
{
	/* relaxed snapshots; done never exceeds posted for a settled job. */
	unsigned long done = atomic_load_explicit(&s->jobs_done, memory_order_relaxed);
	unsigned long posted = atomic_load_explicit(&s->jobs_posted, memory_order_relaxed);
	return posted > done ? posted - done : 0;
}

bool wkc_probe_set_couriers_idle(wkc_probe_set *s, uint32_t wait_ms)
{
	double deadline = wkc__p_now_ms() + wait_ms * s->wait_factor;
	unsigned round = 0;
	while (wkc_probe_set_jobs_pending(s) != 0) {
		if (wkc__p_now_ms() > deadline)
			return false;
		wkc__p_backoff(round++);
	}
	return true;
}

long wkc_probe_set_held_live(wkc_probe_set *s)
{
	/* relaxed: read once the harness is done with its wakers. */
	return atomic_load_explicit(&s->held_live, memory_order_relaxed);
}

/* ---- probe accessors --------------------------------------------------------- */

wk_future *wkc_probe_future(wkc_probe *p)
{
	return &p->fut;
}

uint32_t wkc_probe_id(const wkc_probe *p)
{
	return p->id;
}

void wkc_probe_set_local(wkc_probe *p, bool local)
{
	p->local = local;
}

void wkc_probe_mark_spawned(wkc_probe *p, uint64_t seq)
{
	p->spawned = true;
	wkc__p_note_wake(p, seq);
}

bool wkc_probe_spawned(const wkc_probe *p)
{
	return p->spawned;
}

/* The accessors below are relaxed loads: snapshots for a driver. */
bool wkc_probe_complete(const wkc_probe *p)
{
	return atomic_load_explicit(&((wkc_probe *)p)->complete, memory_order_relaxed) != 0;
}

uint32_t wkc_probe_polls(const wkc_probe *p)
{
	return atomic_load_explicit(&((wkc_probe *)p)->polls, memory_order_relaxed);
}

uint32_t wkc_probe_polls_ended(const wkc_probe *p)
{
	return atomic_load_explicit(&((wkc_probe *)p)->polls_ended, memory_order_relaxed);
}

uint32_t wkc_probe_drops(const wkc_probe *p)
{
	return atomic_load_explicit(&((wkc_probe *)p)->drops, memory_order_relaxed);
}

uint32_t wkc_probe_poll_thread(const wkc_probe *p)
{
	return atomic_load_explicit(&((wkc_probe *)p)->last_thread, memory_order_relaxed);
}

const _Atomic uint32_t *wkc_probe_complete_flag(const wkc_probe *p)
{
	return &p->complete;
}

bool wkc_probe_outstanding(const wkc_probe *p)
{
	wkc_probe *q = (wkc_probe *)p;
	uint64_t woke = atomic_load_explicit(&q->max_wake_seq, memory_order_relaxed);
	uint64_t began = atomic_load_explicit(&q->last_begin_seq, memory_order_relaxed);
	if (atomic_load_explicit(&q->complete, memory_order_relaxed) ||
	    atomic_load_explicit(&q->drops, memory_order_relaxed))
		return false;
	return woke > began;
}

const wkc_held *wkc_probe_export(wkc_probe *p)
{
	/* acquire: pairs with the release in export_from; the edge runs from
	 * the poll that cloned the waker to its user. */
	if (atomic_load_explicit(&p->exp_state, memory_order_acquire) != 1)
		return NULL;
	wkc_annotate_acquire(&p->exp_state); /* the load's acquire */
	return &p->exp;
}

/*
 * Take the published export for dropping: 1 -> 2, once, whoever asks.  The
 * cell itself is never written after it was published (readers on other
 * threads read its fields to decide whether they may use it, while its
 * owner may be dropping it: executors drop futures on several threads at
 * once at shutdown), so the waker is dropped from a copy.
 */
static bool take_export(wkc_probe *p, wkc_held *out)
{
	uint32_t published = 1;
	/* acquire: the cell's contents as the publishing poll wrote them; the
	 * CAS makes exactly one taker win. */
	if (!atomic_compare_exchange_strong_explicit(&p->exp_state, &published, 2,
						     memory_order_acquire, memory_order_relaxed))
		return false;
	wkc_annotate_acquire(&p->exp_state); /* the CAS's acquire */
	*out = p->exp;
	return true;
}

void wkc_probe_drop_export(wkc_probe *p)
{
	wkc_held e;
	/* acquire: see wkc_probe_export. */
	if (atomic_load_explicit(&p->exp_state, memory_order_acquire) != 1)
		return;
	wkc_annotate_acquire(&p->exp_state); /* the load's acquire */
	if (!wkc_held_usable_here(&p->exp))
		wkc__probe_bug("drop of task %u's local export off its owner thread", (unsigned)p->id);
	if (take_export(p, &e))
		wkc_held_drop(&e, 0);
}

/* ---- recording helpers ----------------------------------------------------------- */

static void anomaly(wkc_probe *p, uint32_t kind, int64_t value)
{
	wkc_trace_mark(p->set->trace, WKC_EV_ANOMALY, p->id, kind, value, 0);
}

/* A local task must stay on its first thread (poll and drop). */
static void check_home(wkc_probe *p, const char *where)
{
	uint32_t me = wk_thread_id();
	(void)where;
	if (!p->local)
		return;
	if (p->home == 0)
		p->home = me;
	else if (p->home != me)
		anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)me);
}

/* ---- the context's thread-safe waker ------------------------------------------------- */

/*
 * The lazy storage a context carries, or NULL.  A future has no accessor
 * for it: wk_context_has_waker says "a waker or a constructor", and asking
 * for the waker builds it.  Whether the constructor has run is what
 * WK-EXT-008 is about, and the storage's `built` flag (a public field of
 * wk_lazy_waker) is the only trace of a construction a future can see; so
 * the probe follows the context's private lazy_ pointer here and nowhere
 * else, and only reads through it.
 */
static const wk_lazy_waker *lazy_storage(const wk_context *cx)
{
	return cx->lazy_;
}

/* WKC_EVF_LAZY and WKC_EVF_BUILT for the context as it is now. */
static uint32_t lazy_flags(const wk_context *cx)
{
	const wk_lazy_waker *l = lazy_storage(cx);
	if (l == NULL)
		return 0;
	return WKC_EVF_LAZY | (l->built ? WKC_EVF_BUILT : 0);
}

/*
 * Every ask of the thread-safe waker a probe makes, and only from a step
 * that uses the waker (probe.h): loud is wk_context_waker (aborts on a
 * local-only context), otherwise try_waker.  A lazy context must give
 * every ask of a poll the waker its first ask built (the constructor runs
 * at most once per poll).
 */
static const wk_waker *ask_waker(wkc_probe *p, const wk_context *cx, bool loud)
{
	const wk_waker *w = loud ? wk_context_waker(cx) : wk_context_try_waker(cx);
	p->asks++;
	if (w == NULL)
		return NULL;
	if (p->first_ask == NULL)
		p->first_ask = w;
	else if (w != p->first_ask && lazy_storage(cx) != NULL)
		anomaly(p, WKC_ANOM_LAZY_AGAIN, (int64_t)p->asks);
	return w;
}

/* ---- steps --------------------------------------------------------------------------- */

typedef enum step_result { STEP_DONE, STEP_DEFER } step_result;

typedef enum src_result { SRC_OK, SRC_WAIT, SRC_SKIP } src_result;

/* The waker a step names, as a borrowed held value.  SRC_WAIT: a peer has
 * not exported yet (the probe yields and retries); SRC_SKIP: the waker is
 * gone or not usable on this thread (the step is skipped). */
static src_result source(wkc_probe *p, const wk_context *cx, const wkc_step *st, wkc_held *out,
			 bool *is_slot)
{
	*is_slot = false;
	switch (st->src) {
	case WKC_SRC_CX: {
		const wk_waker *w;
		if (cx == NULL)
			wkc__probe_bug("task %u: context waker used in drop", (unsigned)p->id);
		w = ask_waker(p, cx, false);
		if (w == NULL) {
			anomaly(p, WKC_ANOM_NO_WAKER, 0);
			return SRC_SKIP;
		}
		*out = wkc__held_view(p, w);
		return SRC_OK;
	}
	case WKC_SRC_CX_LOCAL:
		if (cx == NULL)
			wkc__probe_bug("task %u: context local waker used in drop", (unsigned)p->id);
		*out = wkc__held_view_local(p, wk_context_local_waker(cx));
		return SRC_OK;
	case WKC_SRC_SLOT:
		if (st->slot >= WKC_PROBE_SLOTS)
			wkc__probe_bug("task %u: slot %u out of range", (unsigned)p->id,
				       (unsigned)st->slot);
		if (p->slots[st->slot].task == NULL)
			return SRC_SKIP;
		if (!wkc_held_usable_here(&p->slots[st->slot])) {
			anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)wk_thread_id());
			return SRC_SKIP;
		}
		*out = p->slots[st->slot];
		*is_slot = true;
		return SRC_OK;
	case WKC_SRC_PEER: {
		wkc_probe *peer = wkc_probe_at(p->set, st->peer);
		const wkc_held *e;
		if (peer == NULL)
			wkc__probe_bug("task %u: no peer %u", (unsigned)p->id, (unsigned)st->peer);
		e = wkc_probe_export(peer);
		if (e == NULL)
			/* relaxed: 2 (dropped) is final; 0 may still change. */
			return atomic_load_explicit(&peer->exp_state, memory_order_relaxed) == 0 &&
					       cx != NULL
				       ? SRC_WAIT
				       : SRC_SKIP;
		if (!wkc_held_usable_here(e))
			return SRC_SKIP;
		*out = *e;
		return SRC_OK;
	}
	default:
		wkc__probe_bug("task %u: unknown source %u", (unsigned)p->id, (unsigned)st->src);
	}
}

static void spin_us(uint32_t us)
{
	double until = wkc__p_now_ms() + us / 1000.0;
	while (wkc__p_now_ms() < until)
		;
}

static void await_handoffs(wkc_probe *p)
{
	double deadline = wkc__p_now_ms() + BARRIER_WAIT_MS * p->set->wait_factor;
	unsigned round = 0;
	/* relaxed: values only; the courier's wake must not synchronise with
	 * this poll through the harness (courier.c). */
	while (atomic_load_explicit(&p->done, memory_order_relaxed) <
	       atomic_load_explicit(&p->posted, memory_order_relaxed)) {
		if (wkc__p_now_ms() > deadline) {
			/* The courier's wake did not return while the task was
			 * being polled: the wake waits for the poll. */
			anomaly(p, WKC_ANOM_BARRIER_TIMEOUT,
				(int64_t)(BARRIER_WAIT_MS * p->set->wait_factor));
			return;
		}
		wkc__p_backoff(round++);
	}
}

static void await_taken(wkc_probe *p)
{
	double deadline = wkc__p_now_ms() + BARRIER_WAIT_MS * p->set->wait_factor;
	unsigned round = 0;
	/* relaxed: values only (courier.c). */
	while (atomic_load_explicit(&p->taken, memory_order_relaxed) <
	       atomic_load_explicit(&p->posted, memory_order_relaxed)) {
		if (wkc__p_now_ms() > deadline)
			return; /* a slow courier only weakens the race */
		wkc__p_backoff(round++);
	}
}

/* Clone and drop, count times, as fast as possible; one event sums up. */
static void churn(wkc_probe *p, const wkc_held *src, uint32_t count, uint32_t flags)
{
	wkc_event ev;
	uint64_t seq = wkc_trace_seq(p->set->trace);
	wkc_waker_call_enter();
	for (uint32_t i = 0; i < count; i++) {
		if (src->local) {
			wk_local_waker c = wk_local_waker_clone(&src->u.l);
			wk_local_waker_drop(&c);
		} else {
			wk_waker c = wk_waker_clone(&src->u.w);
			wk_waker_drop(&c);
		}
	}
	wkc_waker_call_leave();
	memset(&ev, 0, sizeof ev);
	ev.seq = seq;
	ev.end = wkc_trace_seq(p->set->trace);
	ev.kind = WKC_EV_CLONE;
	ev.task = src->task->id;
	ev.value = count;
	ev.thread = wk_thread_id();
	ev.flags = flags | WKC_EVF_BULK | (src->local ? WKC_EVF_LOCAL : 0);
	wkc_trace_add(p->set->trace, &ev);
}

/* xorshift: the same sequence on a replay of the same schedule.  Poll
 * (or drop) only, like every plain field of the probe. */
static uint64_t next_jitter(wkc_probe *p)
{
	uint64_t x = p->jitter_rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	p->jitter_rng = x;
	return x;
}

static void end_jitter(wkc_probe *p, uint32_t number, uint32_t max)
{
	volatile uint32_t sink = 0;
	uint32_t n;
	if (max == 0)
		return;
	n = (uint32_t)(next_jitter(p) % max);
	/* relaxed: couriers only need the value (courier.c). */
	atomic_store_explicit(&p->ending, number, memory_order_relaxed);
	for (uint32_t i = 0; i < n; i++)
		sink = sink + i;
}

static void stall(wkc_probe *p)
{
	double deadline = wkc__p_now_ms() + STALL_WAIT_MS * p->set->wait_factor;
	unsigned round = 0;
	/* relaxed: see wkc_probe_set_release_stall. */
	while (!atomic_load_explicit(&p->set->stall_released, memory_order_relaxed) &&
	       wkc__p_now_ms() < deadline) {
		/* Sleep from the start: a staller must not eat a core. */
		wkc__p_backoff(64 + round);
		round++;
	}
}

/* Post the context's waker itself, not a clone, to a courier: it comes
 * back before this poll returns (await_borrows). */
static void lend(wkc_probe *p, const wk_context *cx, const wkc_step *st)
{
	wkc__job *j;
	if (st->src != WKC_SRC_CX || st->trigger != WKC_TRIG_NOW)
		wkc__probe_bug("task %u: only the context's waker is lent, and only now",
			       (unsigned)p->id);
	j = calloc(1, sizeof *j);
	if (j == NULL)
		wkc__probe_bug("out of memory");
	/* The pointer itself, exactly as wk_context_waker gives it (the step's
	 * source already asked: this ask returns the same address). */
	j->borrowed = ask_waker(p, cx, false);
	j->task = p;
	j->action = WKC_CA_BORROW;
	j->trigger = WKC_TRIG_NOW;
	j->delay_us = st->arg; /* polls to wait for before the clone's wake */
	j->poll_cpu = -1;
	/* relaxed: this thread wrote the count (this poll has not ended). */
	j->after_polls = atomic_load_explicit(&p->polls_ended, memory_order_relaxed);
	p->lent++;
	wkc__courier_post(p->set, st->courier, j);
}

/*
 * Wait until every borrow this probe posted came back.  A borrowed waker
 * dies with the poll, so this wait ends only when the courier is done
 * with it: past the barrier's bound it is reported (a wake through the
 * borrowed waker that waits for the poll, WK-EXEC-015) and the wait goes
 * on; a wake that never returns ends in the check's timeout.
 */
static void await_borrows(wkc_probe *p)
{
	double deadline;
	unsigned round = 0;
	bool reported = false;
	if (p->lent == 0)
		return;
	deadline = wkc__p_now_ms() + BARRIER_WAIT_MS * p->set->wait_factor;
	/* acquire: see probe_internal.h (returned). */
	while (atomic_load_explicit(&p->returned, memory_order_acquire) < p->lent) {
		if (!reported && wkc__p_now_ms() > deadline) {
			anomaly(p, WKC_ANOM_BARRIER_TIMEOUT,
				(int64_t)(BARRIER_WAIT_MS * p->set->wait_factor));
			reported = true;
		}
		wkc__p_backoff(round++);
	}
	wkc_annotate_acquire(&p->returned); /* the load's acquire */
}

static void handoff(wkc_probe *p, const wk_context *cx, const wkc_step *st, const wkc_held *src)
{
	wkc__job *j;
	if (src->local)
		wkc__probe_bug("task %u: a local waker handed to a courier", (unsigned)p->id);
	if (st->action == WKC_CA_BORROW) {
		lend(p, cx, st);
		return;
	}
	j = calloc(1, sizeof *j);
	if (j == NULL)
		wkc__probe_bug("out of memory");
	j->h = wkc_held_clone(src, WKC_EVF_IN_POLL);
	j->task = src->task;
	j->action = st->action;
	j->trigger = st->trigger;
	j->delay_us = st->arg;
	if (st->trigger == WKC_TRIG_RETURN_SWEEP && st->arg > 1) {
		/* Log-uniform in 0..arg-1: an octave 0..log2(arg) first, then
		 * a value below it, so that the short delays (a few
		 * instructions after the return) are drawn as often as the
		 * long ones. */
		uint64_t x = next_jitter(p);
		unsigned octaves = 0;
		while (octaves < 31 && (2u << octaves) <= st->arg)
			octaves++;
		j->sweep = (uint32_t)((x >> 32) & ((1u << (x % (octaves + 1))) - 1u));
	}
	j->poll_cpu = st->trigger == WKC_TRIG_POLL_END || st->trigger == WKC_TRIG_RETURN_SWEEP
			      ? wkc__p_cpu()
			      : -1;
	/* relaxed: this thread wrote the count (this poll has not ended). */
	j->after_polls = atomic_load_explicit(&p->polls_ended, memory_order_relaxed);
	wkc__courier_post(p->set, st->courier, j);
}

int wkc__p_payload_value(const wkc_probe *p, uint32_t k)
{
	return (int)(0x5eed0000u + (p->id << 8) + (k & 0xff));
}

static void read_payload(wkc_probe *p)
{
	uint32_t k = p->payloads_read;
	int v;
	/* relaxed: see probe_internal.h (sent). */
	if (atomic_load_explicit(&p->sent, memory_order_relaxed) <= k)
		return;
	/* A poll with no wake of this task since the previous poll began is
	 * spurious (WK-EXEC-024 allows it; a batch executor polls every task
	 * when any is woken): nothing orders it after the courier's store, so
	 * it leaves the payload to the poll the courier's wake will cause.
	 * Relaxed: the caused poll happens-after the wake, whose number was
	 * raised before its vtable call (held.c), so it reads that number. */
	if (atomic_load_explicit(&p->max_wake_seq, memory_order_relaxed) <= p->prev_begin_seq)
		return;
	/* The read under test: plain, ordered after the courier's store only
	 * if the executor ordered its wake before this poll. */
	v = p->payload;
	if (v != wkc__p_payload_value(p, k))
		anomaly(p, WKC_ANOM_STALE_PAYLOAD, v);
	p->payloads_read = k + 1;
	/* The store's release (poll -> courier, not the direction under test). */
	wkc_annotate_release(&p->consumed);
	/* release: the courier writes the next payload after this read. */
	atomic_store_explicit(&p->consumed, k + 1, memory_order_release);
}

static step_result run_op(wkc_probe *p, const wk_context *cx, const wkc_step *st, uint32_t flags)
{
	wkc_held src, c;
	bool is_slot;
	src_result sr;
	switch (st->op) {
	case WKC_OP_SPIN:
		spin_us(st->arg);
		return STEP_DONE;
	case WKC_OP_STALL:
		stall(p);
		return STEP_DONE;
	case WKC_OP_AWAIT_HANDOFFS:
		await_handoffs(p);
		return STEP_DONE;
	case WKC_OP_TOUCH_WAKER:
		if (cx == NULL)
			wkc__probe_bug("task %u: touch waker in drop", (unsigned)p->id);
		(void)ask_waker(p, cx, true); /* aborts on a local-only context */
		return STEP_DONE;
	case WKC_OP_READ_PAYLOAD:
		read_payload(p);
		return STEP_DONE;
	case WKC_OP_AWAIT_TAKEN:
		await_taken(p);
		return STEP_DONE;
	case WKC_OP_DROP:
		if (st->slot >= WKC_PROBE_SLOTS)
			wkc__probe_bug("task %u: slot %u out of range", (unsigned)p->id,
				       (unsigned)st->slot);
		if (p->slots[st->slot].task != NULL && !wkc_held_usable_here(&p->slots[st->slot])) {
			anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)wk_thread_id());
			return STEP_DONE;
		}
		wkc_held_drop(&p->slots[st->slot], flags);
		return STEP_DONE;
	default:
		break;
	}
	sr = source(p, cx, st, &src, &is_slot);
	if (sr != SRC_OK)
		return sr == SRC_WAIT ? STEP_DEFER : STEP_DONE;
	switch (st->op) {
	case WKC_OP_WAKE_BY_REF:
		wkc_held_wake_by_ref(&src, flags);
		break;
	case WKC_OP_WAKE:
		if (is_slot) {
			wkc_held_wake(&p->slots[st->slot], flags); /* consumes the slot */
		} else {
			c = wkc_held_clone(&src, flags);
			wkc_held_wake(&c, flags);
		}
		break;
	case WKC_OP_CLONE_BY_REF:
		c = wkc_held_clone(&src, flags);
		wkc_held_wake_by_ref(&c, flags);
		wkc_held_drop(&c, flags);
		break;
	case WKC_OP_KEEP:
		if (st->slot >= WKC_PROBE_SLOTS)
			wkc__probe_bug("task %u: slot %u out of range", (unsigned)p->id,
				       (unsigned)st->slot);
		c = wkc_held_clone(&src, flags);
		if (p->slots[st->slot].task != NULL) {
			if (wkc_held_usable_here(&p->slots[st->slot]))
				wkc_held_drop(&p->slots[st->slot], flags);
			else
				anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)wk_thread_id());
		}
		p->slots[st->slot] = c;
		break;
	case WKC_OP_EXPORT:
		/* relaxed: only this probe's polls write the cell. */
		if (atomic_load_explicit(&p->exp_state, memory_order_relaxed) == 0) {
			p->exp = wkc_held_clone(&src, flags);
			wkc_annotate_release(&p->exp_state); /* the store's release */
			/* release: publishes exp to peers and the driver. */
			atomic_store_explicit(&p->exp_state, 1, memory_order_release);
		}
		break;
	case WKC_OP_HANDOFF:
		handoff(p, cx, st, &src);
		break;
	case WKC_OP_CHURN:
		churn(p, &src, st->count ? st->count : 1, flags);
		break;
	default:
		wkc__probe_bug("task %u: unknown op %u", (unsigned)p->id, (unsigned)st->op);
	}
	return STEP_DONE;
}

static step_result run_steps(wkc_probe *p, const wk_context *cx, const wkc_step *steps, size_t n,
			     uint32_t phase, uint32_t flags)
{
	for (size_t i = 0; i < n; i++) {
		const wkc_step *st = &steps[i];
		uint32_t last = st->last == 0 ? st->first : st->last;
		if (phase != 0 && (phase < st->first || phase > last))
			continue;
		/* CHURN uses count itself; every other op is repeated. */
		uint32_t reps = st->op == WKC_OP_CHURN ? 1 : (st->count ? st->count : 1);
		for (uint32_t k = 0; k < reps; k++)
			if (run_op(p, cx, st, flags) == STEP_DEFER)
				return STEP_DEFER;
	}
	return STEP_DONE;
}

/* ---- the future ------------------------------------------------------------------------ */

/* Records what the context holds without asking for the waker: a lazy
 * one stays unbuilt (its data and vtable are not recorded). */
static void record_poll_begin(wkc_probe *p, const wk_context *cx, uint64_t seq, uint32_t number,
			      uint32_t flags)
{
	wkc_event ev;
	uint32_t lazy = lazy_flags(cx);
	bool has = wk_context_has_waker(cx);
	/* No constructor: try_waker only returns the waker set. */
	const wk_waker *w = has && lazy == 0 ? wk_context_try_waker(cx) : NULL;
	const wk_local_waker *l = wk_context_local_waker(cx);
	memset(&ev, 0, sizeof ev);
	ev.seq = ev.end = seq;
	ev.kind = WKC_EV_POLL_BEGIN;
	ev.task = p->id;
	ev.other = number;
	ev.thread = wk_thread_id();
	ev.flags = flags | (has ? WKC_EVF_HAS_WAKER : 0) | lazy | (p->local ? WKC_EVF_LOCAL : 0);
	if (w != NULL) {
		ev.data = wk_waker_data(w);
		ev.vtable = (const void *)wk_waker_vtable(w);
	}
	ev.ldata = wk_local_waker_data(l);
	ev.lvtable = (const void *)wk_local_waker_vtable(l);
	wkc_trace_add(p->set->trace, &ev);
}

static void record_poll_end(wkc_probe *p, const wk_context *cx, uint64_t begin, uint32_t number,
			    bool ready)
{
	wkc_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = ev.end = wkc_trace_seq(p->set->trace);
	ev.kind = WKC_EV_POLL_END;
	ev.task = p->id;
	ev.other = number;
	ev.value = (int64_t)begin;
	ev.thread = wk_thread_id();
	ev.flags = (ready ? WKC_EVF_READY : 0) | (p->local ? WKC_EVF_LOCAL : 0) | lazy_flags(cx) |
		   (p->asks != 0 ? WKC_EVF_ASKED : 0);
	wkc_trace_add(p->set->trace, &ev);
}

static wk_poll probe_poll(wk_future *self, const wk_context *cx, void **output)
{
	wkc_probe *p = (wkc_probe *)self;
	const wkc_probe_spec *sp = p->spec;
	uint32_t me = wk_thread_id(), flags = 0, number, phase;
	uint64_t seq;
	bool ready, was_running;

	/* relaxed exchange: atomicity alone tells whether a poll is running. */
	was_running = atomic_exchange_explicit(&p->in_poll, 1, memory_order_relaxed) != 0;
	if (was_running)
		flags |= WKC_EVF_OVERLAP;
	/* relaxed: snapshots (probe_internal.h). */
	if (atomic_load_explicit(&p->complete, memory_order_relaxed) ||
	    atomic_load_explicit(&p->drops, memory_order_relaxed))
		flags |= WKC_EVF_AFTER_READY;
	seq = wkc_trace_seq(p->set->trace);
	/* Plain: polls of a task are ordered by a correct executor. */
	p->prev_begin_seq = atomic_load_explicit(&p->last_begin_seq, memory_order_relaxed);
	atomic_store_explicit(&p->last_begin_seq, seq, memory_order_relaxed);
	number = atomic_fetch_add_explicit(&p->polls, 1, memory_order_relaxed) + 1;
	atomic_store_explicit(&p->last_thread, me, memory_order_relaxed);
	p->asks = 0;
	p->first_ask = NULL;
	record_poll_begin(p, cx, seq, number, flags);
	if (p->set->cx != NULL)
		wkc_progress(p->set->cx); /* the adapter watchdog's "still busy" */
	check_home(p, "poll");

	if (flags & WKC_EVF_AFTER_READY) {
		/* Never run the script again; answer as a finished future. */
		record_poll_end(p, cx, seq, number, true);
		atomic_fetch_add_explicit(&p->polls_ended, 1, memory_order_relaxed);
		if (!was_running)
			atomic_store_explicit(&p->in_poll, 0, memory_order_relaxed);
		*output = p;
		if (p->set->cx != NULL)
			wkc_progress_end(p->set->cx);
		return WK_READY;
	}

	atomic_store_explicit(&p->poller, me, memory_order_relaxed);
	wkc__p_perturb(p->set);
	phase = p->phase + 1;
	if (run_steps(p, cx, sp->steps, sp->nsteps, phase, WKC_EVF_IN_POLL) == STEP_DEFER) {
		/* Wait for what the step needs: yield through the local waker
		 * (always present) and retry the same phase. */
		wkc_held self_waker = wkc__held_view_local(p, wk_context_local_waker(cx));
		wkc_held_wake_by_ref(&self_waker, WKC_EVF_IN_POLL);
		ready = false;
	} else {
		p->phase = phase;
		ready = (sp->ready_phase != 0 && phase >= sp->ready_phase) ||
			(sp->gate != NULL &&
			 /* acquire: see probe.h (gates); annotated when open. */
			 atomic_load_explicit(sp->gate, memory_order_acquire) >= sp->gate_target &&
			 (wkc_annotate_acquire(sp->gate), true)) ||
			(sp->payload_rounds != 0 && p->payloads_read >= sp->payload_rounds);
	}
	await_borrows(p);
	wkc__p_perturb(p->set);
	atomic_store_explicit(&p->poller, 0, memory_order_relaxed);
	record_poll_end(p, cx, seq, number, ready);
	if (ready) {
		atomic_store_explicit(&p->complete, 1, memory_order_relaxed);
		*output = p;
	}
	atomic_fetch_add_explicit(&p->polls_ended, 1, memory_order_relaxed);
	if (!was_running)
		atomic_store_explicit(&p->in_poll, 0, memory_order_relaxed);
	/* Last: the announcement and the jitter sit right before the return. */
	end_jitter(p, number, sp->end_jitter);
	if (p->set->cx != NULL)
		wkc_progress_end(p->set->cx);
	return ready ? WK_READY : WK_PENDING;
}

static void probe_drop(wk_future *self)
{
	wkc_probe *p = (wkc_probe *)self;
	const wkc_probe_spec *sp = p->spec;
	/* relaxed: a count; a second drop is an anomaly, not a sync point. */
	uint32_t n = atomic_fetch_add_explicit(&p->drops, 1, memory_order_relaxed) + 1;

	wkc_trace_mark(p->set->trace, WKC_EV_FUTURE_DROP, p->id, n, 0, p->local ? WKC_EVF_LOCAL : 0);
	if (wkc__p_waker_depth > 0)
		/* Dropped from inside a waker function this thread called. */
		anomaly(p, WKC_ANOM_DROP_IN_WAKE, (int64_t)wkc__p_waker_depth);
	if (n > 1) {
		anomaly(p, WKC_ANOM_DROP_AFTER_DROP, n);
		return;
	}
	check_home(p, "drop");
	run_steps(p, NULL, sp->drop_steps, sp->ndrop_steps, 0, WKC_EVF_IN_DROP);
	for (unsigned i = 0; i < WKC_PROBE_SLOTS; i++) {
		if (p->slots[i].task == NULL)
			continue;
		if (wkc_held_usable_here(&p->slots[i]))
			wkc_held_drop(&p->slots[i], WKC_EVF_IN_DROP);
		else
			/* Cannot release a local waker here; leaking it is the
			 * lesser harm, and the anomaly names the cause. */
			anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)wk_thread_id());
	}
	/* A local export dies with its task (only its thread may drop it);
	 * a thread-safe one stays for the check to release. */
	/* acquire: the cell is read only once seen published (annotated). */
	if (atomic_load_explicit(&p->exp_state, memory_order_acquire) == 1 &&
	    (wkc_annotate_acquire(&p->exp_state), p->exp.local)) {
		wkc_held e;
		if (wkc_held_usable_here(&p->exp)) {
			if (take_export(p, &e))
				wkc_held_drop(&e, WKC_EVF_IN_DROP);
		} else {
			anomaly(p, WKC_ANOM_LOCAL_WRONG_THREAD, (int64_t)wk_thread_id());
		}
	}
}
