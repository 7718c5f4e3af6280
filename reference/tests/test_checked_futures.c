/*
 * test_checked_futures.c - what a checked build catches in futures that
 * break the context and local-waker rules C cannot reject at compile time:
 *
 *   WK-CHECK-005  a poll that writes to the context it was lent (after
 *                 casting the const away) aborts, naming the poll function;
 *   WK-CHECK-006  a local waker copied into a wk_waker aborts on its first
 *                 operation, on any thread, before any vtable call;
 *   WK-CHECK-002  applied to WK-LOCAL-005: a future that keeps a local waker
 *                 and is then polled on another thread (a work-stealing
 *                 executor moving a task that is not local) aborts there.
 *
 * Compiled with WK_CHECKED=1 and linked with wk_checked.  Every misuse runs
 * in a child process (support/expect_abort.h); the vtable prints a numbered
 * line on every call (support/loud_vtable.h) so the parent can require that
 * the abort came first.
 * The executable exports its symbols (ENABLE_EXPORTS) so that dladdr can
 * name writer_poll in the message, as it would in a shared-library future.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "support/expect_abort.h"
#include "support/loud_vtable.h"
#include "wk/wk.h"

#if !WK_CHECKED
#error "test_checked_futures.c must be compiled with WK_CHECKED=1"
#endif

static int task_a, task_b;

static wk_raw_waker raw_for(int *task)
{
	return wkt_loud_raw(task);
}

/* ---- WK-CHECK-005: a poll that writes to its context ----------------------- */

static wk_waker g_other; /* what the misbehaving poll installs */

/* Exported (not static): the message must name it. */
wk_poll writer_poll(wk_future *self, const wk_context *cx, void **output);
wk_poll writer_poll(wk_future *self, const wk_context *cx, void **output)
{
	(void)self;
	(void)output;
	/* The footgun of seed 004, reached by casting the const away. */
	((wk_context *)cx)->waker_ = &g_other;
	return WK_PENDING;
}

static wk_poll ext_writer_poll(wk_future *self, const wk_context *cx, void **output)
{
	static int other_ext;
	(void)self;
	(void)output;
	((wk_context *)cx)->ext_ = &other_ext;
	return WK_PENDING;
}

static void no_drop(wk_future *self)
{
	(void)self;
}

static const wk_future_vtable writer_vtable = {writer_poll, no_drop};
static const wk_future_vtable ext_writer_vtable = {ext_writer_poll, no_drop};

static void poll_once_with(void *arg)
{
	wk_future f = {(const wk_future_vtable *)arg};
	wk_waker w = wk_waker_from_raw(raw_for(&task_a));
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	void *out = NULL;
	g_other = wk_waker_from_raw(raw_for(&task_b));
	(void)wk_future_poll(&f, &cx, &out);
	fprintf(stderr, "poll returned\n");
}

/* @proves WK-CHECK-005 WK-CTX-007 */
static void poll_that_writes_its_context_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(poll_once_with, (void *)&writer_vtable, "wakerconf: wk_future_poll",
			 "writer_poll", "modified the context", "its thread-safe waker changed",
			 "WK-CTX-007", "!poll returned", "!vtable call");
	/* A static poll function has no symbol: the message names the module
	 * and offset instead, and the field that changed. */
	WKT_EXPECT_ABORT(poll_once_with, (void *)&ext_writer_vtable, "wakerconf: wk_future_poll",
			 "addr2line -f -e", "its extension data changed", "!poll returned");
}

/* A poll that only reads its context, and one that derives a child context
 * and changes that, pass: neither touches what it was lent. */
static wk_poll deriving_poll(wk_future *self, const wk_context *cx, void **output)
{
	static int ext;
	wk_context_builder b = wk_context_builder_from(cx);
	wk_context child;
	(void)self;
	wk_context_builder_waker(&b, &g_other);
	wk_context_builder_ext(&b, &ext);
	child = wk_context_builder_build(&b);
	*output = (void *)wk_context_waker(&child);
	return WK_READY;
}

static const wk_future_vtable deriving_vtable = {deriving_poll, no_drop};

/* @proves WK-CHECK-005 */
static void poll_that_derives_a_context_passes(void **state)
{
	wk_future f = {&deriving_vtable};
	wk_waker w = wk_waker_from_raw(raw_for(&task_a));
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx = wk_context_builder_build(&b);
	wk_context before = cx;
	void *out = NULL;
	(void)state;
	g_other = wk_waker_from_raw(raw_for(&task_b));
	assert_int_equal(wk_future_poll(&f, &cx, &out), WK_READY);
	assert_ptr_equal(out, &g_other);
	assert_memory_equal(&before, &cx, sizeof cx);
}

/* ---- WK-CHECK-006: a local waker copied into a waker ------------------------ */

static wk_waker g_converted;

enum op { OP_CLONE, OP_WAKE, OP_WAKE_BY_REF, OP_DROP };
static const char *const op_name[] = {"wakerconf: wk_waker_clone", "wakerconf: wk_waker_wake",
				      "wakerconf: wk_waker_wake_by_ref", "wakerconf: wk_waker_drop"};

static void waker_op(wk_waker *w, enum op op)
{
	switch (op) {
	case OP_CLONE: {
		wk_waker c = wk_waker_clone(w);
		wk_waker_drop(&c);
		break;
	}
	case OP_WAKE:
		wk_waker_wake(w);
		break;
	case OP_WAKE_BY_REF:
		wk_waker_wake_by_ref(w);
		break;
	case OP_DROP:
		wk_waker_drop(w);
		break;
	}
}

typedef struct convert_case {
	enum op op;
	bool on_other_thread;
} convert_case;

static void *use_converted(void *arg)
{
	const convert_case *k = arg;
	waker_op(&g_converted, k->op);
	fprintf(stderr, "use returned\n");
	return NULL;
}

/* The removed `into_waker` done by hand: the two types share a layout. */
static void convert_and_use(void *arg)
{
	const convert_case *k = arg;
	wk_local_waker l = wk_local_waker_from_raw(raw_for(&task_a));
	pthread_t tid;
	memcpy(&g_converted, &l, sizeof g_converted);
	if (!k->on_other_thread) {
		use_converted(arg);
		return;
	}
	if (pthread_create(&tid, NULL, use_converted, arg) != 0)
		return; /* reported as "did not abort" */
	pthread_join(tid, NULL);
}

/* @proves WK-CHECK-006 WK-LOCAL-004 */
static void local_waker_copied_into_a_waker_aborts(void **state)
{
	char owner[64];
	(void)state;
	snprintf(owner, sizeof owner, "local waker of thread %u", (unsigned)wk_thread_id());
	for (int op = OP_CLONE; op <= OP_DROP; op++) {
		for (int other = 0; other <= 1; other++) {
			convert_case k = {(enum op)op, other != 0};
			WKT_EXPECT_ABORT(convert_and_use, &k, op_name[op], owner,
					 "copied into a thread-safe waker", "WK-LOCAL-004",
					 "!vtable call", "!use returned");
		}
	}
}

/* @proves WK-CHECK-006 */
static void real_wakers_and_views_pass(void **state)
{
	wk_waker w = wk_waker_from_raw(raw_for(&task_a));
	wk_waker c = wk_waker_clone(&w);
	/* A waker viewed as local and cloned as local is a local waker of this
	 * thread, correctly typed: it never reaches the waker functions. */
	wk_local_waker l = wk_local_waker_clone(wk_waker_as_local(&w));
	(void)state;
	wk_waker_wake_by_ref(&c);
	wk_waker_wake(&c);
	wk_local_waker_drop(&l);
	wk_waker_drop(&w);
}

/* ---- WK-LOCAL-005: a future that is not local keeps a local waker --------- */

/*
 * The usual "keep the latest waker" future, written against the local
 * waker: fine in a local task, wrong in a task that may move threads.
 */
typedef struct keeper {
	wk_future base;
	wk_local_waker kept;
	bool has_kept;
} keeper;

static wk_poll keeper_poll(wk_future *self, const wk_context *cx, void **output)
{
	keeper *k = (keeper *)(void *)self;
	(void)output;
	if (!k->has_kept) {
		k->kept = wk_local_waker_clone(wk_context_local_waker(cx));
		k->has_kept = true;
	} else {
		wk_local_waker_clone_from(&k->kept, wk_context_local_waker(cx));
	}
	return WK_PENDING;
}

static const wk_future_vtable keeper_vtable = {keeper_poll, no_drop};

static keeper g_keeper;

/* One poll on the calling thread, with that thread's own local waker, the
 * way a thread-per-core executor lends one per task and thread. */
static void *poll_keeper_here(void *arg)
{
	int *task = arg;
	wk_waker w = wk_waker_from_raw(raw_for(task));
	wk_local_waker l = wk_local_waker_from_raw(raw_for(task));
	wk_context_builder b = wk_context_builder_from_waker(&w);
	wk_context cx;
	void *out = NULL;
	wk_context_builder_local_waker(&b, &l);
	cx = wk_context_builder_build(&b);
	(void)wk_future_poll(&g_keeper.base, &cx, &out);
	if (task == &task_b)
		fprintf(stderr, "poll on the new thread returned\n");
	return NULL;
}

/* The executor steals the task: its second poll runs on another thread. */
static void keeper_moves_threads(void *arg)
{
	pthread_t tid;
	(void)arg;
	g_keeper.base.vtable = &keeper_vtable;
	g_keeper.has_kept = false;
	poll_keeper_here(&task_a);
	if (pthread_create(&tid, NULL, poll_keeper_here, &task_b) != 0)
		return;
	pthread_join(tid, NULL);
}

/* @proves WK-LOCAL-005 WK-CHECK-002 */
static void non_local_future_keeping_a_local_waker_aborts_on_the_next_thread(void **state)
{
	char owner[64];
	(void)state;
	snprintf(owner, sizeof owner, "owned by thread %u", (unsigned)wk_thread_id());
	/* clone_from: the wakers differ, so the kept one is dropped there. */
	WKT_EXPECT_ABORT(keeper_moves_threads, NULL, "wakerconf: wk_local_waker_drop", owner,
			 "used on thread", "!poll on the new thread returned");
}

int main(void)
{
	/* Every misuse forks before the test process starts a thread. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(poll_that_writes_its_context_aborts),
		cmocka_unit_test(local_waker_copied_into_a_waker_aborts),
		cmocka_unit_test(non_local_future_keeping_a_local_waker_aborts_on_the_next_thread),
		cmocka_unit_test(poll_that_derives_a_context_passes),
		cmocka_unit_test(real_wakers_and_views_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
