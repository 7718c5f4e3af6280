/*
 * test_checked.c - the checked build (WK-CHECK-001..003, WK-WAKE-007, 008):
 * reuse of moved-from wakers, local wakers and local wake objects used on a
 * foreign thread, a vtable clone that returns a NULL vtable, and late
 * releases of dead reference-counted objects.
 *
 * Compiled with WK_CHECKED=1 and linked with wk_checked, whatever the
 * setting of the public `wk` library.  Every misuse runs in a child process
 * (support/expect_abort.h).  The wakers a child misuses are globals, so the
 * parent knows their addresses and can require them in the message, and
 * their vtable prints a numbered line on every call, so the parent can
 * require that the abort came before any further vtable call.
 *
 * Atomics: worker threads update tallies with relaxed RMWs (a comment at
 * each says why); the main thread resets and reads them only while no
 * worker runs (before the start, after the join), with the default
 * seq_cst calls, which the thread start and join already order.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "support/cmocka_prelude.h"
#include "support/expect_abort.h"
#include "support/loud_vtable.h"
#include "support/threads.h"
#include "wk/wk.h"

#if !WK_CHECKED
#error "test_checked.c must be compiled with WK_CHECKED=1"
#endif

/* The task every loud waker of these tests points at. */
static int loud_task;

static wk_raw_waker loud_raw(void)
{
	return wkt_loud_raw(&loud_task);
}

/* The values children misuse; globals so the parent can name their address. */
static wk_waker g_waker;
static wk_local_waker g_local;

static const char *address_of(const void *p)
{
	static char buf[8][32];
	static int next;
	char *b = buf[next++ % 8];
	snprintf(b, sizeof buf[0], "%p", p);
	return b;
}

/* ---- WK-CHECK-001: moved-from reuse ------------------------------------ */

enum op { OP_CLONE, OP_WAKE, OP_WAKE_BY_REF, OP_DROP };
static const char *const waker_op_name[] = {"wakerconf: wk_waker_clone", "wakerconf: wk_waker_wake",
					    "wakerconf: wk_waker_wake_by_ref",
					    "wakerconf: wk_waker_drop"};
static const char *const local_op_name[] = {
	"wakerconf: wk_local_waker_clone", "wakerconf: wk_local_waker_wake",
	"wakerconf: wk_local_waker_wake_by_ref", "wakerconf: wk_local_waker_drop"};

typedef struct reuse_case {
	bool consume_by_wake; /* else by drop */
	enum op op;
} reuse_case;

static void waker_op(wk_waker *w, enum op op)
{
	switch (op) {
	case OP_CLONE: {
		wk_waker c = wk_waker_clone(w);
		(void)c;
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

static void local_op(wk_local_waker *w, enum op op)
{
	switch (op) {
	case OP_CLONE: {
		wk_local_waker c = wk_local_waker_clone(w);
		(void)c;
		break;
	}
	case OP_WAKE:
		wk_local_waker_wake(w);
		break;
	case OP_WAKE_BY_REF:
		wk_local_waker_wake_by_ref(w);
		break;
	case OP_DROP:
		wk_local_waker_drop(w);
		break;
	}
}

static void reuse_waker(void *arg)
{
	const reuse_case *k = arg;
	g_waker = wk_waker_from_raw(loud_raw());
	if (k->consume_by_wake)
		wk_waker_wake(&g_waker);
	else
		wk_waker_drop(&g_waker);
	waker_op(&g_waker, k->op); /* vtable call 1 was the consumption */
}

static void reuse_local_waker(void *arg)
{
	const reuse_case *k = arg;
	g_local = wk_local_waker_from_raw(loud_raw());
	if (k->consume_by_wake)
		wk_local_waker_wake(&g_local);
	else
		wk_local_waker_drop(&g_local);
	local_op(&g_local, k->op);
}

/* @proves WK-CHECK-001 */
static void moved_from_reuse_aborts(void **state)
{
	(void)state;
	for (int by_wake = 0; by_wake < 2; by_wake++) {
		for (int op = OP_CLONE; op <= OP_DROP; op++) {
			reuse_case k = {by_wake != 0, (enum op)op};
			WKT_EXPECT_ABORT(reuse_waker, &k, waker_op_name[op], "used after it was moved",
					 address_of(&g_waker), "vtable call 1", "!vtable call 2");
			WKT_EXPECT_ABORT(reuse_local_waker, &k, local_op_name[op],
					 "used after it was moved", address_of(&g_local),
					 "vtable call 1", "!vtable call 2");
		}
	}
}

static void clone_from_into_moved_dst(void *arg)
{
	(void)arg;
	wk_waker src = wk_waker_from_raw(loud_raw());
	g_waker = wk_waker_new(&g_waker, &wkt_loud_vtable); /* another task */
	wk_waker_drop(&g_waker);                        /* call 1 */
	wk_waker_clone_from(&g_waker, &src);            /* clone = call 2, then drop aborts */
}

static void clone_from_moved_src(void *arg)
{
	(void)arg;
	wk_waker dst = wk_waker_from_raw(loud_raw());
	g_waker = wk_waker_new(&g_waker, &wkt_loud_vtable);
	wk_waker_wake(&g_waker);            /* call 1 */
	wk_waker_clone_from(&dst, &g_waker); /* clone of the moved src aborts */
}

static void local_clone_from_into_moved_dst(void *arg)
{
	(void)arg;
	wk_local_waker src = wk_local_waker_from_raw(loud_raw());
	g_local = wk_local_waker_new(&g_local, &wkt_loud_vtable);
	wk_local_waker_drop(&g_local);
	wk_local_waker_clone_from(&g_local, &src);
}

static wk_raw_waker clone_returns_moved(const void *data)
{
	wk_raw_waker r = {data, &wk__moved_vtable};
	return r;
}

static void ignore(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable returns_moved_vtable = {clone_returns_moved, ignore, ignore,
							  ignore};

static void clone_returns_a_moved_waker(void *arg)
{
	(void)arg;
	wk_waker w = wk_waker_new(&loud_task, &returns_moved_vtable);
	wk_waker c = wk_waker_clone(&w);
	(void)c;
}

static void poison_vtable_called_directly(void *arg)
{
	(void)arg;
	g_waker = wk_waker_from_raw(loud_raw());
	wk_waker_drop(&g_waker);
	wk_raw_waker copied = g_waker.raw; /* bypasses the API's check */
	copied.vtable->wake_by_ref(copied.data);
}

/* @proves WK-CHECK-001 */
static void moved_from_reuse_through_other_paths_aborts(void **state)
{
	(void)state;
	WKT_EXPECT_ABORT(clone_from_into_moved_dst, NULL, "wakerconf: wk_waker_drop",
			 "used after it was moved", address_of(&g_waker), "vtable call 2",
			 "!vtable call 3");
	WKT_EXPECT_ABORT(clone_from_moved_src, NULL, "wakerconf: wk_waker_clone",
			 "used after it was moved", address_of(&g_waker), "!vtable call 2");
	WKT_EXPECT_ABORT(local_clone_from_into_moved_dst, NULL, "wakerconf: wk_local_waker_drop",
			 "used after it was moved", "!vtable call 3");
	WKT_EXPECT_ABORT(clone_returns_a_moved_waker, NULL, "wakerconf: wk_waker_clone",
			 "used after it was moved");
	WKT_EXPECT_ABORT(poison_vtable_called_directly, NULL, "used after it was moved",
			 "!vtable call 2");
}

/* ---- WK-CHECK-002: local waker on a foreign thread --------------------- */

typedef struct foreign_case {
	enum op op;
	bool via_clone_from;
} foreign_case;

static void *use_g_local_here(void *arg)
{
	const foreign_case *k = arg;
	if (k->via_clone_from) {
		wk_local_waker other = wk_local_waker_new(&g_local, &wkt_loud_vtable);
		wk_local_waker_clone_from(&g_local, &other); /* drops g_local: foreign */
	} else {
		local_op(&g_local, k->op);
	}
	return NULL;
}

static void local_waker_on_foreign_thread(void *arg)
{
	pthread_t tid;
	g_local = wk_local_waker_from_raw(loud_raw()); /* owned by this (main) thread */
	if (pthread_create(&tid, NULL, use_g_local_here, arg) != 0)
		return; /* reported as "did not abort" */
	pthread_join(tid, NULL);
}

/* A worker makes a local waker; the child's main thread then misuses it. */
static void *make_g_local_here(void *arg)
{
	(void)arg;
	g_local = wk_local_waker_clone(wk_waker_as_local(&g_waker)); /* owned by the worker */
	return NULL;
}

static void worker_owned_clone_used_on_main(void *arg)
{
	pthread_t tid;
	(void)arg;
	g_waker = wk_waker_from_raw(loud_raw());
	if (pthread_create(&tid, NULL, make_g_local_here, NULL) != 0)
		return;
	pthread_join(tid, NULL);
	wk_local_waker_wake_by_ref(&g_local);
}

/* @proves WK-CHECK-002 */
static void local_waker_on_foreign_thread_aborts(void **state)
{
	char owner[64];
	(void)state;

	/* The child inherits this thread's number. */
	snprintf(owner, sizeof owner, "owned by thread %u", (unsigned)wk_thread_id());
	for (int op = OP_CLONE; op <= OP_DROP; op++) {
		foreign_case k = {(enum op)op, false};
		WKT_EXPECT_ABORT(local_waker_on_foreign_thread, &k, local_op_name[op], owner,
				 "used on thread", address_of(&g_local), "!vtable call");
	}
	foreign_case via = {OP_DROP, true};
	WKT_EXPECT_ABORT(local_waker_on_foreign_thread, &via, "wakerconf: wk_local_waker_drop", owner,
			 "used on thread", "!vtable call 2");
	WKT_EXPECT_ABORT(worker_owned_clone_used_on_main, NULL,
			 "wakerconf: wk_local_waker_wake_by_ref", "owned by thread", "used on thread",
			 "vtable call 1 (clone)", "!vtable call 2");
}

typedef struct view_arg {
	const wk_waker *waker;
	wk_local_waker clone_of_view; /* made and dropped on the worker */
	bool noop_ok;
} view_arg;

static void *use_views_here(void *p)
{
	view_arg *a = p;
	const wk_local_waker *view = wk_waker_as_local(a->waker);
	wk_local_waker_wake_by_ref(view);
	a->clone_of_view = wk_local_waker_clone(view);
	wk_local_waker_wake_by_ref(&a->clone_of_view);
	wk_local_waker_drop(&a->clone_of_view);
	wk_local_waker n = wk_local_waker_clone(wk_local_waker_noop());
	wk_local_waker_wake_by_ref(wk_local_waker_noop());
	wk_local_waker_drop(&n);
	a->noop_ok = true;
	return NULL;
}

static atomic_int quiet_calls;

static wk_raw_waker quiet_clone(const void *data);
static void quiet_op(const void *data)
{
	(void)data;
	atomic_fetch_add_explicit(&quiet_calls, 1, memory_order_relaxed); /* tally, read after join */
}

static const wk_raw_waker_vtable quiet_vtable = {quiet_clone, quiet_op, quiet_op, quiet_op};

static wk_raw_waker quiet_clone(const void *data)
{
	wk_raw_waker r = {data, &quiet_vtable};
	quiet_op(data);
	return r;
}

/* @proves WK-CHECK-002 */
static void owner_zero_local_wakers_pass_on_every_thread(void **state)
{
	static int task;
	(void)state;

	atomic_store(&quiet_calls, 0);
	wk_waker w = wk_waker_new(&task, &quiet_vtable);
	view_arg arg = {&w, {{NULL, NULL}, 0}, false};
	assert_true(wkt_run_threads(1, use_views_here, &arg, sizeof arg));
	assert_true(arg.noop_ok);
	assert_int_equal(atomic_load(&quiet_calls), 4); /* wbr, clone, wbr, drop */
	/* The owner of a local waker is where it was created. */
	wk_local_waker mine = wk_local_waker_clone(wk_waker_as_local(&w));
	assert_int_equal(mine.wk__owner, wk_thread_id());
	assert_int_equal(wk_waker_as_local(&w)->wk__owner, 0);
	assert_int_equal(wk_local_waker_noop()->wk__owner, 0);
	wk_local_waker_drop(&mine);
	wk_waker_drop(&w);
}

/* ---- WK-CHECK-003: clone returning a NULL vtable ----------------------- */

static wk_raw_waker clone_returns_null_vtable(const void *data)
{
	wk_raw_waker r = {data, NULL};
	return r;
}

static const wk_raw_waker_vtable returns_null_vtable = {clone_returns_null_vtable, ignore, ignore,
							 ignore};

static const wk_raw_waker_vtable has_null_wake = {clone_returns_null_vtable, NULL, ignore, ignore};

static wk_raw_waker clone_returns_broken_vtable(const void *data)
{
	wk_raw_waker r = {data, &has_null_wake};
	return r;
}

static const wk_raw_waker_vtable returns_broken_vtable = {clone_returns_broken_vtable, ignore,
							   ignore, ignore};

static void clone_waker_of(void *vt)
{
	wk_waker w = wk_waker_new(&loud_task, vt);
	wk_waker c = wk_waker_clone(&w);
	fprintf(stderr, "the clone call came back\n");
	(void)c;
}

static void clone_local_waker_of(void *vt)
{
	wk_local_waker w = wk_local_waker_new(&loud_task, vt);
	wk_local_waker c = wk_local_waker_clone(&w);
	fprintf(stderr, "the clone call came back\n");
	(void)c;
}

/* @proves WK-CHECK-003 */
static void clone_returning_null_vtable_aborts(void **state)
{
	void *null_vt = (void *)(uintptr_t)&returns_null_vtable;
	void *broken_vt = (void *)(uintptr_t)&returns_broken_vtable;
	(void)state;

	WKT_EXPECT_ABORT(clone_waker_of, null_vt, "wakerconf: wk_waker_clone",
			 "returned a NULL vtable", "!the clone call came back");
	WKT_EXPECT_ABORT(clone_local_waker_of, null_vt, "wakerconf: wk_local_waker_clone",
			 "returned a NULL vtable", "!the clone call came back");
	/* Reference behaviour beyond the requirement: a returned vtable with a
	 * NULL function is rejected by the same function. */
	WKT_EXPECT_ABORT(clone_waker_of, broken_vt, "wakerconf: wk_waker_clone", "NULL function",
			 "!the clone call came back");
	WKT_EXPECT_ABORT(clone_local_waker_of, broken_vt, "wakerconf: wk_local_waker_clone",
			 "NULL function", "!the clone call came back");
}

/* ---- WK-WAKE-007: late use of a dead object ---------------------------- */

static void release_wake(wk_wake *self)
{
	wk_wake_release(self);
}

static void print_destroy(wk_wake *self)
{
	(void)self;
	fprintf(stderr, "destroyed\n");
}

static const wk_wake_ops dying_ops = {release_wake, NULL, print_destroy};

static void release_local_wake(wk_local_wake *self)
{
	wk_local_wake_release(self);
}

static void print_local_destroy(wk_local_wake *self)
{
	(void)self;
	fprintf(stderr, "destroyed\n");
}

static const wk_local_wake_ops dying_local_ops = {release_local_wake, NULL, print_local_destroy};

enum late_use { LATE_RELEASE, LATE_RETAIN, LATE_WAKE };

/* Balanced retain/release, the last release, then one more use. */
static void late_use_of_wake(void *arg)
{
	enum late_use how = *(const enum late_use *)arg;
	wk_wake *obj = wk_wake_new(&dying_ops, 8);
	wk_waker w = wk_waker_from_wake(wk_wake_retain(obj));
	wk_waker stale_copy = w; /* a bitwise copy escapes the poisoning */
	wk_wake_retain(obj);
	wk_wake_release(obj);
	wk_waker_drop(&w);
	wk_wake_release(obj); /* the last reference: destroyed */
	switch (how) {
	case LATE_RELEASE:
		wk_wake_release(obj);
		break;
	case LATE_RETAIN:
		wk_wake_retain(obj);
		break;
	case LATE_WAKE:
		wk_waker_wake(&stale_copy);
		break;
	}
}

static void late_use_of_local_wake(void *arg)
{
	enum late_use how = *(const enum late_use *)arg;
	wk_local_wake *obj = wk_local_wake_new(&dying_local_ops, 8);
	wk_local_waker w = wk_local_waker_from_local_wake(wk_local_wake_retain(obj));
	wk_local_waker stale_copy = w;
	wk_local_wake_retain(obj);
	wk_local_wake_release(obj);
	wk_local_waker_drop(&w);
	wk_local_wake_release(obj);
	switch (how) {
	case LATE_RELEASE:
		wk_local_wake_release(obj);
		break;
	case LATE_RETAIN:
		wk_local_wake_retain(obj);
		break;
	case LATE_WAKE:
		wk_local_waker_wake(&stale_copy);
		break;
	}
}

/* @proves WK-WAKE-007 */
static void use_after_last_release_aborts(void **state)
{
	static const enum late_use hows[] = {LATE_RELEASE, LATE_RETAIN, LATE_WAKE};
	static const char *const wake_fn[] = {"wakerconf: wk_wake_release",
					      "wakerconf: wk_wake_retain", "wakerconf: wk_waker_wake"};
	static const char *const local_fn[] = {"wakerconf: wk_local_wake_release",
					       "wakerconf: wk_local_wake_retain",
					       "wakerconf: wk_local_waker_wake"};
	(void)state;

	for (int i = 0; i < 3; i++) {
		void *how = (void *)(uintptr_t)&hows[i];
		WKT_EXPECT_ABORT(late_use_of_wake, how, "destroyed", wake_fn[i], "refcount underflow");
		WKT_EXPECT_ABORT(late_use_of_local_wake, how, "destroyed", local_fn[i],
				 "refcount underflow");
	}
}

/* ---- WK-WAKE-008: local wake object on a foreign thread ---------------- */

static wk_local_wake *g_local_obj;
static wk_local_waker g_obj_waker;

static void noisy_local_wake(wk_local_wake *self)
{
	fprintf(stderr, "ops wake called\n");
	wk_local_wake_release(self);
}

static void noisy_local_wake_by_ref(wk_local_wake *self)
{
	(void)self;
	fprintf(stderr, "ops wake_by_ref called\n");
}

static const wk_local_wake_ops noisy_ops = {noisy_local_wake, noisy_local_wake_by_ref, NULL};

enum foreign_use { F_RETAIN, F_RELEASE, F_WAKE, F_WAKE_BY_REF, F_CONVERT };

static void *use_local_obj_here(void *arg)
{
	enum foreign_use how = *(const enum foreign_use *)arg;
	/* The raw vtable is called directly: the local waker's own owner check
	 * (WK-CHECK-002) would otherwise fire first. */
	const wk_raw_waker_vtable *vt = wk_local_waker_vtable(&g_obj_waker);
	switch (how) {
	case F_RETAIN:
		wk_local_wake_retain(g_local_obj);
		break;
	case F_RELEASE:
		wk_local_wake_release(g_local_obj);
		break;
	case F_WAKE:
		vt->wake(wk_local_waker_data(&g_obj_waker));
		break;
	case F_WAKE_BY_REF:
		vt->wake_by_ref(wk_local_waker_data(&g_obj_waker));
		break;
	case F_CONVERT: {
		wk_local_waker w = wk_local_waker_from_local_wake(g_local_obj);
		(void)w;
		break;
	}
	}
	fprintf(stderr, "foreign use returned, refcount %zu\n", wk_local_wake_refcount(g_local_obj));
	return NULL;
}

static void local_obj_on_foreign_thread(void *arg)
{
	pthread_t tid;
	g_local_obj = wk_local_wake_new(&noisy_ops, 0);
	g_obj_waker = wk_local_waker_from_local_wake(wk_local_wake_retain(g_local_obj));
	if (pthread_create(&tid, NULL, use_local_obj_here, arg) != 0)
		return;
	pthread_join(tid, NULL);
}

/* @proves WK-WAKE-008 */
static void local_wake_object_on_foreign_thread_aborts(void **state)
{
	static const enum foreign_use uses[] = {F_RETAIN, F_RELEASE, F_WAKE, F_WAKE_BY_REF,
						F_CONVERT};
	static const char *const fn[] = {"wakerconf: wk_local_wake_retain",
					 "wakerconf: wk_local_wake_release",
					 "wakerconf: wk_local_waker_wake",
					 "wakerconf: wk_local_waker_wake_by_ref",
					 "wakerconf: wk_local_waker_from_local_wake"};
	char owner[64];
	(void)state;

	snprintf(owner, sizeof owner, "owned by thread %u", (unsigned)wk_thread_id());
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++)
		WKT_EXPECT_ABORT(local_obj_on_foreign_thread, (void *)(uintptr_t)&uses[i], fn[i],
				 owner, "used on thread", "!ops wake", "!foreign use returned");
}

int main(void)
{
	/* Every test here forks before it starts threads; the thread-using
	 * positive checks come last. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(moved_from_reuse_aborts),
		cmocka_unit_test(moved_from_reuse_through_other_paths_aborts),
		cmocka_unit_test(local_waker_on_foreign_thread_aborts),
		cmocka_unit_test(clone_returning_null_vtable_aborts),
		cmocka_unit_test(use_after_last_release_aborts),
		cmocka_unit_test(local_wake_object_on_foreign_thread_aborts),
		cmocka_unit_test(owner_zero_local_wakers_pass_on_every_thread),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
