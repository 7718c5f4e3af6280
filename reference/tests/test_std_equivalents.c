/*
 * test_std_equivalents.c - C equivalents of the Rust standard library's own
 * tests and documented examples for this API, so that the reference
 * behaves as the merged Rust items do:
 *
 *   - the waker getters test (core: a vtable whose clone returns data + 1),
 *   - will_wake between a waker and its clone (alloc: Arc<Wake>, Rc<LocalWake>),
 *   - a noop waker polling a ready future,
 *   - the LocalWake documentation example: spawn / block_on with tasks that
 *     requeue themselves when woken,
 *   - a yield_now future run by that executor,
 *   - the regression test of rust-lang/rust#122180 (converting an Rc into a
 *     LocalWaker leaked it).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "wk/wk.h"

/* ---- getters ------------------------------------------------------------ */

static wk_raw_waker plus_one_clone(const void *data);
static void nothing(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable plus_one_vtable = {plus_one_clone, nothing, nothing, nothing};

static wk_raw_waker plus_one_clone(const void *data)
{
	wk_raw_waker r = {(const void *)((uintptr_t)data + 1), &plus_one_vtable};
	return r;
}

/* @proves WK-WAKER-002 WK-RAW-008 */
static void waker_getters(void **state)
{
	(void)state;
	wk_raw_waker raw = {(const void *)(uintptr_t)42, &plus_one_vtable};
	wk_waker w = wk_waker_from_raw(raw);
	assert_int_equal((uintptr_t)wk_waker_data(&w), 42);
	assert_ptr_equal(wk_waker_vtable(&w), &plus_one_vtable);

	wk_waker w2 = wk_waker_clone(&w);
	assert_int_equal((uintptr_t)wk_waker_data(&w2), 43);
	assert_ptr_equal(wk_waker_vtable(&w2), &plus_one_vtable);
	wk_waker_drop(&w2);
	wk_waker_drop(&w);
}

/* @proves WK-LOCAL-001 WK-RAW-008 */
static void local_waker_getters(void **state)
{
	(void)state;
	wk_raw_waker raw = {(const void *)(uintptr_t)42, &plus_one_vtable};
	wk_local_waker w = wk_local_waker_from_raw(raw);
	assert_int_equal((uintptr_t)wk_local_waker_data(&w), 42);
	assert_ptr_equal(wk_local_waker_vtable(&w), &plus_one_vtable);

	wk_local_waker w2 = wk_local_waker_clone(&w);
	assert_int_equal((uintptr_t)wk_local_waker_data(&w2), 43);
	assert_ptr_equal(wk_local_waker_vtable(&w2), &plus_one_vtable);
	wk_local_waker_drop(&w2);
	wk_local_waker_drop(&w);
}

/* ---- will_wake of a clone ------------------------------------------------ */

static void release_on_wake(wk_wake *self)
{
	wk_wake_release(self);
}

static void release_on_local_wake(wk_local_wake *self)
{
	wk_local_wake_release(self);
}

static const wk_wake_ops noop_wake_ops = {release_on_wake, NULL, NULL};
static const wk_local_wake_ops noop_local_wake_ops = {release_on_local_wake, NULL, NULL};

/* @proves WK-WAKER-003 */
static void waker_will_wake_clone(void **state)
{
	(void)state;
	wk_waker waker = wk_waker_from_wake(wk_wake_new(&noop_wake_ops, 0));
	wk_waker clone = wk_waker_clone(&waker);
	assert_true(wk_waker_will_wake(&waker, &clone));
	assert_true(wk_waker_will_wake(&clone, &waker));

	wk_waker other = wk_waker_from_wake(wk_wake_new(&noop_wake_ops, 0));
	assert_false(wk_waker_will_wake(&waker, &other));
	assert_false(wk_waker_will_wake(&other, &clone));
	wk_waker_drop(&other);
	wk_waker_drop(&clone);
	wk_waker_drop(&waker);
}

/* @proves WK-LOCAL-002 */
static void local_waker_will_wake_clone(void **state)
{
	(void)state;
	wk_local_waker waker = wk_local_waker_from_local_wake(wk_local_wake_new(&noop_local_wake_ops, 0));
	wk_local_waker clone = wk_local_waker_clone(&waker);
	assert_true(wk_local_waker_will_wake(&waker, &clone));
	assert_true(wk_local_waker_will_wake(&clone, &waker));

	wk_local_waker other = wk_local_waker_from_local_wake(wk_local_wake_new(&noop_local_wake_ops, 0));
	assert_false(wk_local_waker_will_wake(&waker, &other));
	assert_false(wk_local_waker_will_wake(&other, &clone));
	wk_local_waker_drop(&other);
	wk_local_waker_drop(&clone);
	wk_local_waker_drop(&waker);
}

/* ---- a noop waker polls a ready future ----------------------------------- */

typedef struct ready_future {
	wk_future base;
	int polls;
	int drops;
	int value;
} ready_future;

static wk_poll ready_poll(wk_future *self, const wk_context *cx, void **output)
{
	ready_future *f = (ready_future *)self;
	(void)cx;
	f->polls++;
	*output = &f->value;
	return WK_READY;
}

static void ready_drop(wk_future *self)
{
	((ready_future *)self)->drops++;
}

static const wk_future_vtable ready_vtable = {ready_poll, ready_drop};

/* @proves WK-WAKER-005 WK-CTX-001 */
static void noop_waker_polls_a_ready_future(void **state)
{
	(void)state;
	ready_future f = {{&ready_vtable}, 0, 0, 5};
	wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
	wk_context cx = wk_context_builder_build(&b);
	assert_ptr_equal(wk_context_waker(&cx), wk_waker_noop());
	void *out = NULL;
	assert_int_equal(wk_future_poll(&f.base, &cx, &out), WK_READY);
	assert_ptr_equal(out, &f.value);
	assert_int_equal(f.polls, 1);
	wk_future_drop(&f.base);
	assert_int_equal(f.drops, 1);
}

/* ---- the LocalWake executor (spawn / block_on) ---------------------------- */

/*
 * One thread, one run queue of task objects.  A task is a wk_local_wake
 * whose payload holds its future; waking it (by value) moves the waker's
 * reference onto the run queue, as the Rust example's
 * `impl LocalWake for Task { fn wake(self: Rc<Self>) { queue.push_back(self) } }`.
 * wake_by_ref is left NULL: the library's default (retain + wake) applies.
 */
enum { QUEUE_CAP = 256 };

typedef struct executor {
	wk_local_wake *queue[QUEUE_CAP];
	size_t head, len;
	int spawned;
	int destroyed; /* task objects freed: equals spawned when nothing leaks */
	int completed;
	bool overflow;
} executor;

typedef struct task {
	executor *ex;
	wk_future *future; /* NULL once it completed and was dropped */
	void *output;
} task;

static void queue_push(executor *ex, wk_local_wake *obj)
{
	if (ex->len == QUEUE_CAP) {
		ex->overflow = true; /* checked by the test; drop the reference */
		wk_local_wake_release(obj);
		return;
	}
	ex->queue[(ex->head + ex->len) % QUEUE_CAP] = obj;
	ex->len++;
}

static wk_local_wake *queue_pop(executor *ex)
{
	wk_local_wake *obj;
	if (ex->len == 0)
		return NULL;
	obj = ex->queue[ex->head];
	ex->head = (ex->head + 1) % QUEUE_CAP;
	ex->len--;
	return obj;
}

static void task_wake(wk_local_wake *self)
{
	task *t = wk_local_wake_payload(self);
	queue_push(t->ex, self); /* the reference moves into the queue */
}

static void task_destroy(wk_local_wake *self)
{
	task *t = wk_local_wake_payload(self);
	if (t->future != NULL) /* never completed: drop it now */
		wk_future_drop(t->future);
	t->ex->destroyed++;
}

static const wk_local_wake_ops task_ops = {task_wake, NULL, task_destroy};

static bool spawn(executor *ex, wk_future *future)
{
	wk_local_wake *obj = wk_local_wake_new(&task_ops, sizeof(task));
	if (obj == NULL)
		return false;
	task *t = wk_local_wake_payload(obj);
	t->ex = ex;
	t->future = future;
	t->output = NULL;
	ex->spawned++;
	queue_push(ex, obj); /* the creation reference belongs to the queue */
	return true;
}

static void block_on(executor *ex)
{
	wk_local_wake *obj;
	while ((obj = queue_pop(ex)) != NULL) {
		task *t = wk_local_wake_payload(obj);
		if (t->future != NULL) {
			/* `let local_waker: LocalWaker = task.clone().into();` */
			wk_local_waker lw = wk_local_waker_from_local_wake(wk_local_wake_retain(obj));
			wk_context_builder b = wk_context_builder_from_waker(wk_waker_noop());
			wk_context_builder_local_waker(&b, &lw);
			wk_context cx = wk_context_builder_build(&b);
			if (wk_future_poll(t->future, &cx, &t->output) == WK_READY) {
				wk_future_drop(t->future);
				t->future = NULL;
				ex->completed++;
			}
			wk_local_waker_drop(&lw);
		}
		wk_local_wake_release(obj); /* the queue's reference */
	}
}

/* A future that wakes itself and returns Pending a given number of times. */
typedef struct yielder {
	wk_future base;
	int yields_left;
	int polls;
	int drops;
	bool by_value; /* wake a clone by value, else wake_by_ref */
	bool saw_own_local_waker;
} yielder;

static wk_poll yielder_poll(wk_future *self, const wk_context *cx, void **output)
{
	yielder *y = (yielder *)self;
	const wk_local_waker *lw = wk_context_local_waker(cx);
	y->polls++;
	/* The executor's local waker, not the noop fallback. */
	if (wk_local_waker_will_wake(lw, wk_waker_as_local(wk_waker_noop())))
		y->saw_own_local_waker = false;
	if (y->yields_left == 0) {
		*output = y;
		return WK_READY;
	}
	y->yields_left--;
	if (y->by_value) {
		wk_local_waker c = wk_local_waker_clone(lw);
		wk_local_waker_wake(&c);
	} else {
		wk_local_waker_wake_by_ref(lw);
	}
	return WK_PENDING;
}

static void yielder_drop(wk_future *self)
{
	((yielder *)self)->drops++;
}

static const wk_future_vtable yielder_vtable = {yielder_poll, yielder_drop};

/* A one-shot channel: the receiver stores its local waker (updating it with
 * clone_from on every poll), the sender wakes it by value. */
typedef struct channel {
	bool sent;
	bool has_waker;
	wk_local_waker waker;
} channel;

typedef struct receiver {
	wk_future base;
	channel *ch;
	int polls, drops;
} receiver;

typedef struct sender {
	wk_future base;
	channel *ch;
	int polls, drops;
} sender;

static wk_poll receiver_poll(wk_future *self, const wk_context *cx, void **output)
{
	receiver *r = (receiver *)self;
	r->polls++;
	if (r->ch->sent) {
		*output = r->ch;
		return WK_READY;
	}
	if (r->ch->has_waker) {
		wk_local_waker_clone_from(&r->ch->waker, wk_context_local_waker(cx));
	} else {
		r->ch->waker = wk_local_waker_clone(wk_context_local_waker(cx));
		r->ch->has_waker = true;
	}
	return WK_PENDING;
}

static wk_poll sender_poll(wk_future *self, const wk_context *cx, void **output)
{
	sender *s = (sender *)self;
	(void)cx;
	s->polls++;
	s->ch->sent = true;
	if (s->ch->has_waker) {
		s->ch->has_waker = false;
		wk_local_waker_wake(&s->ch->waker);
	}
	*output = NULL;
	return WK_READY;
}

static void receiver_drop(wk_future *self)
{
	((receiver *)self)->drops++;
}

static void sender_drop(wk_future *self)
{
	((sender *)self)->drops++;
}

static const wk_future_vtable receiver_vtable = {receiver_poll, receiver_drop};
static const wk_future_vtable sender_vtable = {sender_poll, sender_drop};

/* @proves WK-WAKE-004 WK-CTX-002 */
static void local_wake_spawn_and_block_on(void **state)
{
	enum { N = 8 };
	static executor ex;
	yielder futures[N];
	(void)state;

	memset(&ex, 0, sizeof ex);
	for (int i = 0; i < N; i++) {
		futures[i] = (yielder){{&yielder_vtable}, i, 0, 0, (i % 2) == 1, true};
		assert_true(spawn(&ex, &futures[i].base));
	}
	/* A receiver spawned before its sender: it has to wait for a wake
	 * that comes from another task. */
	channel ch = {.sent = false, .has_waker = false};
	receiver rx = {{&receiver_vtable}, &ch, 0, 0};
	sender tx = {{&sender_vtable}, &ch, 0, 0};
	assert_true(spawn(&ex, &rx.base));
	assert_true(spawn(&ex, &tx.base));

	block_on(&ex);

	assert_false(ex.overflow);
	assert_int_equal(ex.len, 0);
	assert_int_equal(ex.spawned, N + 2);
	assert_int_equal(ex.completed, N + 2);
	for (int i = 0; i < N; i++) {
		assert_int_equal(futures[i].polls, i + 1); /* i Pending, then Ready */
		assert_int_equal(futures[i].drops, 1);
		assert_true(futures[i].saw_own_local_waker);
	}
	assert_int_equal(rx.polls, 2);
	assert_int_equal(rx.drops, 1);
	assert_int_equal(tx.polls, 1);
	assert_int_equal(tx.drops, 1);
	assert_false(ch.has_waker);
	/* No task object leaked: every one was destroyed exactly once. */
	assert_int_equal(ex.destroyed, ex.spawned);
}

/* `async fn yield_now()`: Pending once after waking itself by reference. */
typedef struct yield_now {
	wk_future base;
	bool yielded;
	int polls;
	int drops;
} yield_now;

static wk_poll yield_now_poll(wk_future *self, const wk_context *cx, void **output)
{
	yield_now *y = (yield_now *)self;
	y->polls++;
	if (y->yielded) {
		*output = y;
		return WK_READY;
	}
	y->yielded = true;
	wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

static void yield_now_drop(wk_future *self)
{
	((yield_now *)self)->drops++;
}

static const wk_future_vtable yield_now_vtable = {yield_now_poll, yield_now_drop};

/* @proves WK-WAKE-004 */
static void yield_now_on_the_local_executor(void **state)
{
	static executor ex;
	(void)state;

	memset(&ex, 0, sizeof ex);
	yield_now y = {{&yield_now_vtable}, false, 0, 0};
	assert_true(spawn(&ex, &y.base));
	block_on(&ex);
	assert_int_equal(y.polls, 2);
	assert_int_equal(y.drops, 1);
	assert_int_equal(ex.completed, 1);
	assert_int_equal(ex.destroyed, 1);

	/* An unfinished task at shutdown: its object is released by whoever
	 * holds the last reference, and destroy drops the future once. */
	memset(&ex, 0, sizeof ex);
	yield_now z = {{&yield_now_vtable}, false, 0, 0};
	assert_true(spawn(&ex, &z.base));
	wk_local_wake *obj = queue_pop(&ex); /* shut down instead of running */
	wk_local_wake_release(obj);
	assert_int_equal(z.polls, 0);
	assert_int_equal(z.drops, 1);
	assert_int_equal(ex.destroyed, 1);
}

/* ---- rust-lang/rust#122180 ------------------------------------------------ */

static int leak_destroys;
static int leak_wakes;

static void leak_wake(wk_local_wake *self)
{
	leak_wakes++;
	wk_local_wake_release(self);
}

static void leak_destroy(wk_local_wake *self)
{
	(void)self;
	leak_destroys++;
}

static const wk_local_wake_ops leak_ops = {leak_wake, NULL, leak_destroy};

/* @proves WK-WAKE-005 */
static void local_waker_from_rc_does_not_leak(void **state)
{
	(void)state;

	/* `let waker = LocalWaker::from(Rc::new(..)); drop(waker);` */
	leak_destroys = 0;
	wk_local_wake *obj = wk_local_wake_new(&leak_ops, 32);
	assert_non_null(obj);
	wk_local_waker w = wk_local_waker_from_local_wake(obj);
	assert_int_equal(wk_local_wake_refcount(obj), 1);
	wk_local_waker_drop(&w);
	assert_int_equal(leak_destroys, 1);

	/* clone, drop the clone, wake the original by value. */
	leak_destroys = leak_wakes = 0;
	obj = wk_local_wake_new(&leak_ops, 32);
	w = wk_local_waker_from_local_wake(obj);
	wk_local_waker c = wk_local_waker_clone(&w);
	wk_local_waker_drop(&c);
	wk_local_waker_wake(&w);
	assert_int_equal(leak_wakes, 1);
	assert_int_equal(leak_destroys, 1);

	/* wake by reference, then drop. */
	leak_destroys = leak_wakes = 0;
	obj = wk_local_wake_new(&leak_ops, 32);
	w = wk_local_waker_from_local_wake(obj);
	wk_local_waker_wake_by_ref(&w);
	assert_int_equal(leak_wakes, 1);
	assert_int_equal(leak_destroys, 0);
	wk_local_waker_drop(&w);
	assert_int_equal(leak_destroys, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waker_getters),
		cmocka_unit_test(local_waker_getters),
		cmocka_unit_test(waker_will_wake_clone),
		cmocka_unit_test(local_waker_will_wake_clone),
		cmocka_unit_test(noop_waker_polls_a_ready_future),
		cmocka_unit_test(local_wake_spawn_and_block_on),
		cmocka_unit_test(yield_now_on_the_local_executor),
		cmocka_unit_test(local_waker_from_rc_does_not_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
