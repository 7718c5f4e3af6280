/*
 * api_bench.c - wk_bench: what the reference API's waker operations cost,
 * all measured in one run of one process, as ns/op and as ratios.
 *
 * ROWS (one "op" is one iteration of the loop described)
 *
 *   bare_inc_dec         ++ then -- of a size_t in memory, with a compiler
 *                        barrier between so both really happen, in memory.
 *                        The work a non-atomic refcount does, nothing more.
 *   bare_atomic_inc_dec  atomic fetch_add(relaxed) then fetch_sub(acq_rel)
 *                        of a size_t: the two RMWs of a wk_wake retain +
 *                        release, without the calls around them.
 *   floor                two indirect calls through a vtable the compiler
 *                        cannot see through: clone(data) returns a raw
 *                        waker after ++count, then the returned vtable's
 *                        drop(data) does --count.  Exactly the shape of a
 *                        local waker clone + drop (see FLOOR below).
 *   local_clone_drop     wk_local_waker_clone + wk_local_waker_drop of a
 *                        local waker made from a wk_local_wake object.
 *   waker_clone_drop     wk_waker_clone + wk_waker_drop of a waker made from
 *                        a wk_wake object (atomic refcount).
 *   local_wake_by_ref    wk_local_waker_wake_by_ref of that local waker;
 *                        ops->wake_by_ref bumps a plain counter.
 *   waker_wake_by_ref    wk_waker_wake_by_ref of that waker; same callback.
 *                        (The callbacks bump a plain counter: the benchmark
 *                        is single-threaded and measures the waker path,
 *                        not a callback's own synchronisation.)
 *   context_build        wk_context_builder_from_waker + _local_waker +
 *                        _build, with the context forced into memory (as
 *                        when handed to a poll) and wk_context_local_waker
 *                        read back through it.
 *   flag_wake_by_ref     wk_waker_wake_by_ref of a static-flag waker: one
 *                        atomic exchange(release) on the flag.
 *   slot_wake_by_ref     wk_waker_wake_by_ref of a slot-table waker whose
 *                        slot is already woken (the coalesced steady state:
 *                        id decode, the registry pin fetch_add/fetch_sub
 *                        that makes a freed table safe, generation check,
 *                        no notify).
 *
 * FLOOR: WHY IT IS THE FAIR COMPARISON
 *   A local waker is a vtable; its clone and drop are two indirect calls
 *   whatever the implementation does inside them, because the caller cannot
 *   know the implementation (that is the point of a waker).  Comparing a
 *   local clone+drop with a bare ++/-- (bare_inc_dec) would charge the
 *   refcount for the calls, which no refcount scheme can avoid.  The floor
 *   makes the same two calls, through the same wk_raw_waker_vtable type,
 *   with the same data flow (clone returns the raw waker whose drop is then
 *   called), and does inside them only the bare ++ and --.  So
 *   local_clone_drop / floor isolates what the API and wk_local_wake add on
 *   top of the unavoidable: the inline wrappers (nothing, in an unchecked
 *   build) and the refcount's limit checks (overflow abort on retain, the
 *   zero test that frees on release).  The ratio against bare_inc_dec is
 *   printed too, as information.
 *
 * SHAPE CHECK (objdump -d wk_bench; unchecked RelWithDebInfo, gcc 12 and
 * clang 14).  run_floor and run_local_clone_drop (and run_waker_clone_drop)
 * compile to the same loop, instruction for instruction:
 *     mov 0x8(w),%rax; mov (w),%rdi; call *(%rax);      clone(data)
 *     mov %rax,%rdi; call *0x18(%rdx);                  returned vtable->drop
 *     loop counter, branch
 * so the inline API adds nothing.  The differences are inside the callees:
 *     floor_clone:      addq $1,(%rdi); mov; lea vtable; ret
 *     local_wake_clone: load count; add; store; cmp the old count with
 *                       WK_REFCOUNT_MAX - 1; jb cold; lea vtable; ret
 *                       (+movabs of the limit; clang also pushes/pops for
 *                       the cold call)
 *     floor_drop:       subq $1,(%rdi); ret
 *     local_wake_drop:  subq $1,(%rdi); jne <a ret> (gcc: a taken branch to
 *                       a ret placed after the inline free path)
 * Callgrind, instructions per op (support/callgrind_per_op.sh), gcc / clang:
 *     bare_inc_dec 5 / 4, floor 14 / 13, local_clone_drop 20 / 21,
 *     waker_clone_drop 19 / 20 (two lock-prefixed RMWs instead of plain ones).
 *
 * TARGETS (printed with PASS / MISS; timing never fails the program)
 *   local_clone_drop / floor            <= 1.5x
 *   waker_clone_drop / local_clone_drop >= 4x
 *
 * Exact, repeatable counts: support/callgrind_per_op.sh runs each case alone
 * under callgrind (--toggle-collect=run_<case>) and divides by total_ops.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "wk/wk.h"

#include "bench_util.h"

#ifndef WK_BENCH_BUILD_TYPE
#define WK_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef WK_BENCH_CFLAGS
#define WK_BENCH_CFLAGS ""
#endif

#define FULL_ITERS 100000u
#define FULL_ROUNDS 101u

/* ---- bare refcount operations ------------------------------------------ */

typedef struct plain_count {
	size_t n;
} plain_count;

typedef struct atomic_count {
	_Atomic size_t n;
} atomic_count;

static uint64_t run_bare_inc_dec(void *arg, uint64_t iters)
{
	plain_count *c = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		c->n++;
		WK_BENCH_BARRIER(); /* the ++ must reach memory before the -- */
		c->n--;
		WK_BENCH_BARRIER();
	}
	return iters;
}

static uint64_t run_bare_atomic_inc_dec(void *arg, uint64_t iters)
{
	atomic_count *c = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		/* relaxed: as wk_wake retain, a new reference from an existing one */
		atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
		/* acq_rel: as wk_wake release, publishes to whoever frees */
		atomic_fetch_sub_explicit(&c->n, 1, memory_order_acq_rel);
		WK_BENCH_BARRIER(); /* one op per iteration: clang would unroll */
	}
	return iters;
}

/* ---- the floor: two opaque indirect calls doing ++ and -- -------------- */

static const wk_raw_waker_vtable floor_vtable;

static wk_raw_waker floor_clone(const void *data)
{
	wk_raw_waker raw;
	((plain_count *)(uintptr_t)data)->n++;
	raw.data = data;
	raw.vtable = &floor_vtable;
	return raw;
}

static void floor_drop(const void *data)
{
	((plain_count *)(uintptr_t)data)->n--;
}

static void floor_nothing(const void *data)
{
	(void)data;
}

static const wk_raw_waker_vtable floor_vtable = {
	floor_clone,
	floor_nothing,
	floor_nothing,
	floor_drop,
};

static uint64_t run_floor(void *arg, uint64_t iters)
{
	/* Reached through the driver's opaque pointer: the compiler cannot
	 * know which functions the vtable holds, exactly as for a waker. */
	const wk_raw_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		wk_raw_waker c = w->vtable->clone(w->data);
		c.vtable->drop(c.data);
	}
	return iters;
}

/* ---- wakers of the reference API --------------------------------------- */

static size_t wakes_seen; /* bumped by every wake_by_ref callback */

static void local_bump(wk_local_wake *self)
{
	(void)self;
	wakes_seen++;
}

static void local_wake(wk_local_wake *self)
{
	wakes_seen++;
	wk_local_wake_release(self);
}

static void bump(wk_wake *self)
{
	(void)self;
	wakes_seen++;
}

static void wake(wk_wake *self)
{
	wakes_seen++;
	wk_wake_release(self);
}

static const wk_local_wake_ops local_ops = {local_wake, local_bump, NULL};
static const wk_wake_ops ops = {wake, bump, NULL};

static uint64_t run_local_clone_drop(void *arg, uint64_t iters)
{
	const wk_local_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		wk_local_waker c = wk_local_waker_clone(w);
		wk_local_waker_drop(&c);
	}
	return iters;
}

static uint64_t run_waker_clone_drop(void *arg, uint64_t iters)
{
	const wk_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		wk_waker c = wk_waker_clone(w);
		wk_waker_drop(&c);
	}
	return iters;
}

static uint64_t run_local_wake_by_ref(void *arg, uint64_t iters)
{
	const wk_local_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++)
		wk_local_waker_wake_by_ref(w);
	return iters;
}

/* One function per case (not one shared loop) so that callgrind can count
 * each case alone with --toggle-collect=run_<case>. */
static uint64_t run_waker_wake_by_ref(void *arg, uint64_t iters)
{
	const wk_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++)
		wk_waker_wake_by_ref(w);
	return iters;
}

static uint64_t run_flag_wake_by_ref(void *arg, uint64_t iters)
{
	const wk_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++)
		wk_waker_wake_by_ref(w);
	return iters;
}

static uint64_t run_slot_wake_by_ref(void *arg, uint64_t iters)
{
	const wk_waker *w = arg;
	uint64_t i;
	for (i = 0; i < iters; i++)
		wk_waker_wake_by_ref(w);
	return iters;
}

typedef struct context_args {
	const wk_waker *waker;
	const wk_local_waker *local_waker;
} context_args;

static uint64_t run_context_build(void *arg, uint64_t iters)
{
	const context_args *a = arg;
	uint64_t i;
	for (i = 0; i < iters; i++) {
		const wk_waker *w = a->waker;
		const wk_local_waker *lw = a->local_waker;
		wk_context_builder b;
		wk_context cx;
		/* Unknown pointers each time round: nothing is hoisted out. */
		WK_BENCH_LAUNDER(w);
		WK_BENCH_LAUNDER(lw);
		b = wk_context_builder_from_waker(w);
		wk_context_builder_local_waker(&b, lw);
		cx = wk_context_builder_build(&b);
		WK_BENCH_ESCAPE(&cx); /* built in memory, as for a poll(&cx) */
		WK_BENCH_USE(wk_context_local_waker(&cx));
	}
	return iters;
}

/* The slot table's notify hook: runs only when a slot turns woken. */
static void slot_notified(void *arg)
{
	(*(size_t *)arg)++;
}

/* ---- setup, the table of cases, the after-run sanity checks ------------- */

/* Everything the cases work on; lives for the whole run (flag starts clear:
 * static storage is zeroed, as WK_FLAG_INIT). */
typedef struct bench_objects {
	plain_count bare, floor_obj;
	atomic_count atomic_bare;
	wk_raw_waker floor_waker;
	wk_local_wake *lobj;
	wk_wake *aobj;
	wk_local_waker lw;
	wk_waker w, fw, sw;
	wk_flag flag;
	wk_slot_table *table;
	wk_slot_id slot;
	size_t notified;
	context_args cargs;
} bench_objects;

static int fail(const char *what)
{
	fprintf(stderr, "wk_bench: %s\n", what);
	return 1;
}

static int setup(bench_objects *b)
{
	b->floor_waker.data = &b->floor_obj;
	b->floor_waker.vtable = &floor_vtable;
	b->lobj = wk_local_wake_new(&local_ops, 0);
	b->aobj = wk_wake_new(&ops, 0);
	b->table = wk_slot_table_new(4, slot_notified, &b->notified);
	if (b->lobj == NULL || b->aobj == NULL || b->table == NULL)
		return fail("out of memory setting up");
	b->slot = wk_slot_alloc(b->table);
	if (b->slot == 0)
		return fail("wk_slot_alloc failed on an empty table");
	/* Each conversion hands the creation reference to the waker. */
	b->lw = wk_local_waker_from_local_wake(b->lobj);
	b->w = wk_waker_from_wake(b->aobj);
	b->fw = wk_flag_waker(&b->flag);
	b->sw = wk_slot_waker(b->table, b->slot);
	b->cargs.waker = &b->w;
	b->cargs.local_waker = &b->lw;
	return 0;
}

/*
 * The benchmark must have done what it claims: every count back where it
 * started, every wake_by_ref seen by its callback, the flag raised, the slot
 * woken.  A broken library or an optimised-away loop fails here.
 */
static int verify(bench_objects *b, wk_bench_case *cases, size_t ncases)
{
	size_t expected_wakes =
		(size_t)(wk_bench_find(cases, ncases, "local_wake_by_ref")->total_ops +
			 wk_bench_find(cases, ncases, "waker_wake_by_ref")->total_ops);
	int bad = 0;

	if (b->bare.n != 0 || b->floor_obj.n != 0 || atomic_load(&b->atomic_bare.n) != 0)
		bad |= fail("a bare counter is unbalanced");
	if (wk_local_wake_refcount(b->lobj) != 1 || wk_wake_refcount(b->aobj) != 1)
		bad |= fail("a waker refcount is unbalanced after clone+drop");
	if (wakes_seen != expected_wakes)
		bad |= fail("wake_by_ref callbacks were not all called");
	if (wk_bench_find(cases, ncases, "flag_wake_by_ref")->ran && !wk_flag_take(&b->flag))
		bad |= fail("the flag waker did not raise its flag");
	if (wk_bench_find(cases, ncases, "slot_wake_by_ref")->ran) {
		wk_slot_id woken[4];
		if (b->notified == 0 || wk_slot_drain(b->table, woken, 4) != 1 ||
		    woken[0] != b->slot)
			bad |= fail("the slot waker did not mark its slot woken");
	}
	return bad;
}

static void teardown(bench_objects *b)
{
	wk_waker_drop(&b->sw);
	wk_waker_drop(&b->fw);
	wk_waker_drop(&b->w);        /* the last reference: frees aobj */
	wk_local_waker_drop(&b->lw); /* the last reference: frees lobj */
	wk_slot_release(b->table, b->slot);
	wk_slot_table_free(b->table);
}

static void describe_build(char *buf, size_t size)
{
	snprintf(buf, size, "%s, WK_CHECKED=%d, %s%s, flags: %s", WK_BENCH_BUILD_TYPE, WK_CHECKED,
#if defined(__clang__)
		 "", /* __VERSION__ names clang itself */
#else
		 "gcc ",
#endif
		 __VERSION__, WK_BENCH_CFLAGS);
}

int main(int argc, char **argv)
{
	static const char about[] =
		"wk_bench: ns/op of the reference API's waker operations and the ratios the\n"
		"performance targets name, all measured in one run (see api_bench.c).";
	static bench_objects b; /* static: zeroed, and its address is stable */
	static char build[512];
	wk_bench_options o;
	size_t i;
	int rc, bad;

	rc = wk_bench_parse_options(argc, argv, &o, FULL_ITERS, FULL_ROUNDS, about);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (setup(&b) != 0)
		return 1;

	{
		wk_bench_case cases[] = {
			WK_BENCH_CASE("bare_inc_dec", "bare non-atomic inc+dec", run_bare_inc_dec,
				      &b.bare),
			WK_BENCH_CASE("bare_atomic_inc_dec", "bare atomic inc+dec (relaxed/acq_rel)",
				      run_bare_atomic_inc_dec, &b.atomic_bare),
			WK_BENCH_CASE("floor", "FLOOR: 2 indirect calls (inc, dec)", run_floor,
				      &b.floor_waker),
			WK_BENCH_CASE("local_clone_drop", "local waker clone+drop (wk_local_wake)",
				      run_local_clone_drop, &b.lw),
			WK_BENCH_CASE("waker_clone_drop", "waker clone+drop (wk_wake)",
				      run_waker_clone_drop, &b.w),
			WK_BENCH_CASE("local_wake_by_ref", "local waker wake_by_ref (wk_local_wake)",
				      run_local_wake_by_ref, &b.lw),
			WK_BENCH_CASE("waker_wake_by_ref", "waker wake_by_ref (wk_wake)",
				      run_waker_wake_by_ref, &b.w),
			WK_BENCH_CASE("context_build", "context build + local_waker lookup",
				      run_context_build, &b.cargs),
			WK_BENCH_CASE("flag_wake_by_ref", "flag waker wake_by_ref",
				      run_flag_wake_by_ref, &b.fw),
			WK_BENCH_CASE("slot_wake_by_ref", "slot-table waker wake_by_ref (coalesced)",
				      run_slot_wake_by_ref, &b.sw),
		};
		wk_bench_ratio ratios[] = {
			WK_BENCH_RATIO("local_vs_floor", "local clone+drop / floor",
				       "local_clone_drop", "floor", WK_BENCH_AT_MOST, 1.5),
			WK_BENCH_RATIO("waker_vs_local", "waker clone+drop / local clone+drop",
				       "waker_clone_drop", "local_clone_drop", WK_BENCH_AT_LEAST, 4.0),
			WK_BENCH_RATIO("floor_vs_bare", "floor / bare inc+dec (cost of the calls)",
				       "floor", "bare_inc_dec", WK_BENCH_INFO, 0.0),
			WK_BENCH_RATIO("local_vs_bare", "local clone+drop / bare inc+dec",
				       "local_clone_drop", "bare_inc_dec", WK_BENCH_INFO, 0.0),
			WK_BENCH_RATIO("atomic_vs_bare", "bare atomic / bare non-atomic inc+dec",
				       "bare_atomic_inc_dec", "bare_inc_dec", WK_BENCH_INFO, 0.0),
			WK_BENCH_RATIO("waker_vs_local_wake_by_ref", "waker / local waker wake_by_ref",
				       "waker_wake_by_ref", "local_wake_by_ref", WK_BENCH_INFO, 0.0),
		};
		const size_t ncases = sizeof cases / sizeof cases[0];
		const size_t nratios = sizeof ratios / sizeof ratios[0];
		wk_bench_report report;

		if (o.list) {
			wk_bench_print_list(stdout, cases, ncases);
			teardown(&b);
			return 0;
		}
		for (i = 0; i < o.nselect; i++) {
			if (wk_bench_find(cases, ncases, o.select[i]) == NULL) {
				fprintf(stderr, "wk_bench: no case named %s (see --list)\n",
					o.select[i]);
				teardown(&b);
				return 2;
			}
		}

		report.cpu = wk_bench_pin_cpu();
		wk_bench_run(cases, ncases, &o);
		wk_bench_eval_ratios(ratios, nratios, cases, ncases);

		describe_build(build, sizeof build);
		report.title = "wk_bench: reference API waker operations (ns/op, one run)";
		report.build = build;
		report.opts = &o;
		report.cases = cases;
		report.ncases = ncases;
		report.baseline = "floor";
		report.ratios = ratios;
		report.nratios = nratios;
		if (o.json)
			wk_bench_print_json(stdout, &report);
		else
			wk_bench_print_table(stdout, &report);

		bad = verify(&b, cases, ncases);
	}
	teardown(&b);
	return bad;
}
