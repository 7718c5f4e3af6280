/*
 * courier.c - threads that wake a probe's waker from somewhere else.
 *
 * A probe hands a courier a clone of its thread-safe waker with an action
 * (wake, wake by ref then drop, clone and wake, drop, deliver a payload;
 * or, lending the context's waker itself, use it by reference during the
 * poll, see borrow) and a trigger (now, once the posting poll returned, a delay after that,
 * right at the poll's end, a swept spin after its return).
 * "Now" while the poll waits at WKC_OP_AWAIT_HANDOFFS is the barrier case:
 * the wake lands while the poll is running.
 *
 * Each courier has a mailbox guarded by a mutex.  The mutex orders the
 * posting poll before the courier's work (the courier must see the waker
 * value it was given), which is the only direction of synchronisation a
 * courier creates but one: it reports completion through relaxed
 * counters, so a poll that follows a courier's wake is ordered after it
 * only by the executor (WK-EXEC-014).  The exception is a borrow: the
 * lending poll waits for the borrowed waker to come back, with acquire
 * (probe_internal.h, returned), so that the executor may free it after
 * the poll; that edge ends in the lending poll, never in a poll the
 * courier's wakes cause.
 */
/* sched_getcpu, sched_setaffinity and CPU_SET (Linux): keep_apart. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probe_internal.h"
#include "wkc/annotate.h"

/* How long a trigger may wait for the posting poll to return before the
 * courier acts anyway (scaled by the set's wait factor). */
#define TRIGGER_WAIT_MS 2000.0

/* POLL_END: spin (no yield: the moment matters) until the posting poll
 * announces its end, for a bounded time, then back off. */
static void wait_poll_end(wkc__courier *c, const wkc__job *j)
{
	double deadline = wkc__p_now_ms() + TRIGGER_WAIT_MS * c->set->wait_factor;
	uint32_t want = j->after_polls + 1;
	/* relaxed: only the value matters (see the file comment). */
	for (unsigned long n = 0;; n++) {
		if (atomic_load_explicit(&j->task->ending, memory_order_relaxed) >= want ||
		    atomic_load_explicit(&j->task->drops, memory_order_relaxed) != 0)
			return;
		if ((n & 1023) == 1023) {
			if (wkc__p_now_ms() > deadline)
				return;
			if (n > (1ul << 16))
				wkc__p_backoff((unsigned)(n >> 16));
		}
	}
}

/* RETURN_SWEEP: spin (no yield) until the posting poll returned, for a
 * bounded time, then spin the job's sweep.  The wake lands that long after
 * the return, while the executor winds the poll down and goes idle. */
static void wait_return_sweep(wkc__courier *c, const wkc__job *j)
{
	double deadline = wkc__p_now_ms() + TRIGGER_WAIT_MS * c->set->wait_factor;
	volatile uint32_t sink = 0;
	/* relaxed: only the value matters (see the file comment). */
	for (unsigned long n = 0;; n++) {
		if (atomic_load_explicit(&j->task->polls_ended, memory_order_relaxed) > j->after_polls ||
		    atomic_load_explicit(&j->task->drops, memory_order_relaxed) != 0)
			break;
		if ((n & 1023) == 1023) {
			if (wkc__p_now_ms() > deadline)
				break;
			if (n > (1ul << 16))
				wkc__p_backoff((unsigned)(n >> 16));
		}
	}
	for (uint32_t i = 0; i < j->sweep; i++)
		sink = sink + i;
}

static void wait_trigger(wkc__courier *c, const wkc__job *j)
{
	double deadline;
	unsigned round = 0;
	if (j->trigger == WKC_TRIG_NOW)
		return;
	if (j->trigger == WKC_TRIG_POLL_END) {
		wait_poll_end(c, j);
		return;
	}
	if (j->trigger == WKC_TRIG_RETURN_SWEEP) {
		wait_return_sweep(c, j);
		return;
	}
	deadline = wkc__p_now_ms() + TRIGGER_WAIT_MS * c->set->wait_factor;
	/* relaxed: only the counter's value matters (see the file comment). */
	while (atomic_load_explicit(&j->task->polls_ended, memory_order_relaxed) <= j->after_polls &&
	       atomic_load_explicit(&j->task->drops, memory_order_relaxed) == 0 &&
	       wkc__p_now_ms() < deadline)
		wkc__p_backoff(round++);
	if (j->trigger == WKC_TRIG_DELAY && j->delay_us > 0) {
		struct timespec d = {(time_t)(j->delay_us / 1000000u),
				     (long)(j->delay_us % 1000000u) * 1000L};
		nanosleep(&d, NULL);
	}
}

/*
 * Payload k is written only once the probe read payload k-1 and its poll
 * has returned: the task is then idle and this courier is its only waker,
 * so the wake below is not coalesced with another one and every correct
 * executor makes it a release that the next poll acquires (a wake that
 * finds the task already scheduled typically writes nothing, tokio's
 * included, and orders nothing: such a wake cannot be held to WK-EXEC-014).
 */
static void deliver_payloads(wkc__job *j)
{
	wkc_probe *t = j->task;
	uint32_t rounds = j->delay_us ? j->delay_us : 1;
	for (uint32_t k = 0; k < rounds; k++) {
		double deadline = wkc__p_now_ms() + TRIGGER_WAIT_MS * t->set->wait_factor;
		unsigned round = 0;
		for (;;) {
			/* acquire: pairs with the poll's release after its read;
			 * the counters are relaxed values (see the file comment). */
			bool read = atomic_load_explicit(&t->consumed, memory_order_acquire) >= k;
			uint32_t ended = atomic_load_explicit(&t->polls_ended, memory_order_relaxed);
			uint32_t begun = atomic_load_explicit(&t->polls, memory_order_relaxed);
			if (read && ended == begun && ended > j->after_polls) {
				/* The acquire of the consumed load above (poll -> courier). */
				wkc_annotate_acquire(&t->consumed);
				break;
			}
			if (wkc__p_now_ms() > deadline ||
			    atomic_load_explicit(&t->drops, memory_order_relaxed) != 0)
				goto out;
			wkc__p_backoff(round++);
		}
		/* Plain store: only the executor's wake-to-poll ordering may
		 * make it visible to the poll that reads it. */
		t->payload = wkc__p_payload_value(t, k);
		/* relaxed: see probe_internal.h (sent). */
		atomic_store_explicit(&t->sent, k + 1, memory_order_relaxed);
		wkc_held_wake_by_ref(&j->h, WKC_EVF_FOREIGN);
	}
out:
	wkc_held_drop(&j->h, WKC_EVF_FOREIGN);
}

/*
 * WKC_CA_BORROW: the job carries the poll's own context waker, valid only
 * while that poll runs, and the poll waits for it to come back.  Wake it
 * by reference and clone it through the pointer, give it back, then keep
 * the clone until `delay_us` more polls of the task returned after the
 * posting one and wake it by value: that wake must get its own poll, so a
 * clone that is still the borrowed waker (no upgrade off the polling
 * thread) is lost there.
 */
static void borrow(wkc__courier *c, wkc__job *j)
{
	wkc_probe *t = j->task;
	wkc_held clone;
	double deadline;
	unsigned round = 0;
	wkc__held_borrowed_wake_by_ref(t, j->borrowed, WKC_EVF_FOREIGN);
	clone = wkc__held_borrowed_clone(t, j->borrowed, WKC_EVF_FOREIGN);
	j->borrowed = NULL;
	/* The release of the increment below (for helgrind and DRD). */
	wkc_annotate_release(&t->returned);
	/* release: pairs with the lending poll's acquire (probe_internal.h):
	 * the borrowed waker's use is over before that poll returns. */
	atomic_fetch_add_explicit(&t->returned, 1, memory_order_release);
	/* The clone's wake: after the posting poll and delay_us more. */
	deadline = wkc__p_now_ms() + TRIGGER_WAIT_MS * c->set->wait_factor;
	/* relaxed: only the counters' values matter (see the file comment). */
	while (atomic_load_explicit(&t->polls_ended, memory_order_relaxed) <= j->after_polls + j->delay_us &&
	       atomic_load_explicit(&t->drops, memory_order_relaxed) == 0 &&
	       wkc__p_now_ms() < deadline)
		wkc__p_backoff(round++);
	wkc_held_wake(&clone, WKC_EVF_FOREIGN);
}

static void carry_out(wkc__courier *co, wkc__job *j)
{
	wkc_held c;
	switch (j->action) {
	case WKC_CA_WAKE:
		wkc_held_wake(&j->h, WKC_EVF_FOREIGN);
		break;
	case WKC_CA_BY_REF_DROP:
		wkc_held_wake_by_ref(&j->h, WKC_EVF_FOREIGN);
		wkc_held_drop(&j->h, WKC_EVF_FOREIGN);
		break;
	case WKC_CA_CLONE_WAKE:
		c = wkc_held_clone(&j->h, WKC_EVF_FOREIGN);
		wkc_held_wake(&c, WKC_EVF_FOREIGN);
		wkc_held_drop(&j->h, WKC_EVF_FOREIGN);
		break;
	case WKC_CA_DROP:
		wkc_held_drop(&j->h, WKC_EVF_FOREIGN);
		break;
	case WKC_CA_PAYLOAD:
		deliver_payloads(j);
		break;
	case WKC_CA_BORROW:
		borrow(co, j);
		break;
	default:
		wkc__probe_bug("unknown courier action %u", (unsigned)j->action);
	}
}

int wkc__p_cpu(void)
{
	return sched_getcpu();
}

/*
 * A racing job (POLL_END, RETURN_SWEEP) is useless on the core of the poll
 * it races: the courier would run only once that thread blocked, long
 * after the moment it aims at.  A sleeping courier is woken by the poll
 * that posts its job, and the scheduler tends to place it on that poll's
 * core when the other cores are busy - about every time on a two-core
 * machine running two checks.  So before it reports the job taken, a
 * courier on the poll's core leaves it: it narrows its own affinity to the
 * other cores it may use (a harness thread's placement; the executor's
 * threads are not touched).  Nothing to do with one core, or when the
 * cores are unknown (-1).
 */
static void keep_apart(const cpu_set_t *allowed, int poll_cpu)
{
	cpu_set_t others;
	if (poll_cpu < 0 || sched_getcpu() != poll_cpu || !CPU_ISSET(poll_cpu, allowed))
		return;
	others = *allowed;
	CPU_CLR(poll_cpu, &others);
	if (CPU_COUNT(&others) == 0)
		return;
	(void)sched_setaffinity(0, sizeof others, &others);
}

static void *courier_main(void *arg)
{
	wkc__courier *c = arg;
	cpu_set_t allowed;
	bool known = sched_getaffinity(0, sizeof allowed, &allowed) == 0;
	for (;;) {
		wkc__job *j;
		pthread_mutex_lock(&c->mu);
		while (c->head == NULL && !c->stop)
			pthread_cond_wait(&c->cv, &c->mu);
		j = c->head;
		if (j != NULL) {
			c->head = j->next;
			if (c->head == NULL)
				c->tail = NULL;
		}
		pthread_mutex_unlock(&c->mu);
		if (j == NULL)
			return NULL; /* stop, and the mailbox is empty */
		if (known && (j->trigger == WKC_TRIG_POLL_END || j->trigger == WKC_TRIG_RETURN_SWEEP))
			keep_apart(&allowed, j->poll_cpu);
		/* relaxed: a counter the poster waits on (WKC_OP_AWAIT_TAKEN). */
		atomic_fetch_add_explicit(&j->task->taken, 1, memory_order_relaxed);
		wait_trigger(c, j);
		carry_out(c, j);
		/* relaxed: counters, see the file comment. */
		atomic_fetch_add_explicit(&j->task->done, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&c->set->jobs_done, 1, memory_order_relaxed);
		free(j);
	}
}

int wkc__couriers_start(wkc_probe_set *s, unsigned n)
{
	if (n > WKC__MAX_COURIERS)
		n = WKC__MAX_COURIERS;
	for (unsigned i = 0; i < n; i++) {
		wkc__courier *c = &s->couriers[i];
		c->set = s;
		pthread_mutex_init(&c->mu, NULL);
		pthread_cond_init(&c->cv, NULL);
		if (pthread_create(&c->thread, NULL, courier_main, c) != 0) {
			pthread_cond_destroy(&c->cv);
			pthread_mutex_destroy(&c->mu);
			return -1;
		}
		c->started = true;
		s->ncouriers = i + 1;
	}
	return 0;
}

void wkc__couriers_stop(wkc_probe_set *s)
{
	for (unsigned i = 0; i < s->ncouriers; i++) {
		wkc__courier *c = &s->couriers[i];
		if (!c->started)
			continue;
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
		pthread_cond_destroy(&c->cv);
		pthread_mutex_destroy(&c->mu);
		c->started = false;
	}
	s->ncouriers = 0;
}

void wkc__courier_post(wkc_probe_set *s, unsigned courier, wkc__job *job)
{
	wkc__courier *c;
	if (s->ncouriers == 0)
		wkc__probe_bug("handoff in a set without couriers");
	c = &s->couriers[courier % s->ncouriers];
	job->next = NULL;
	/* relaxed: counters, see the file comment. */
	atomic_fetch_add_explicit(&job->task->posted, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&s->jobs_posted, 1, memory_order_relaxed);
	pthread_mutex_lock(&c->mu);
	if (c->tail != NULL)
		c->tail->next = job;
	else
		c->head = job;
	c->tail = job;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}
