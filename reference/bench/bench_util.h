/*
 * bench_util.h - timing support shared by the benchmarks in reference/bench.
 *
 * A benchmark is a table of cases.  Each case is a function that performs
 * `iters` operations and returns how many it did; the driver times it.
 *
 * Method (why each step is there):
 *   - pin the process to one CPU (wk_bench_pin_cpu) so that migrations do
 *     not show up as noise; failing to pin is reported, not fatal;
 *   - warm up every case (page faults, branch predictors, CPU clock ramp);
 *   - run K rounds of N operations per case and keep the per-round ns/op;
 *     the rounds of all cases are interleaved (round r runs every case,
 *     starting at a rotating offset) so that slow drift of the machine
 *     (frequency, a neighbour's load) touches every case alike;
 *   - report the minimum (the run least disturbed by anything else: the
 *     figure to compare) and the median (how typical the minimum is).
 *
 * Ratios between two cases come from one run of one process, three ways:
 *   paired     the median over rounds of (num / den within that round).
 *              The two figures of a pair were taken milliseconds apart, so
 *              a slow phase of the machine (a busy neighbour on a shared
 *              host) scales both; the median drops the rounds where a
 *              disturbance hit only one of them.  On a shared 2-core
 *              machine under load from other jobs it varied least between
 *              runs (on a quiet machine the ratio of minima is as steady).
 *              The verdicts use it; all three are printed.
 *   of minima  num.min / den.min: each case at its least disturbed; the
 *              two minima may come from different phases of the machine.
 *   of medians num.median / den.median.
 *
 * Timing is printed, never asserted: a benchmark prints PASS / MISS against
 * a target as information, its exit status only says whether it ran.
 */
#ifndef WK_BENCH_UTIL_H
#define WK_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- keeping the optimiser honest -------------------------------------- */

/*
 * Compiler barrier: memory the compiler cannot prove private must be stored
 * before and reloaded after it.  Emits no instruction.
 */
#define WK_BENCH_BARRIER() __asm__ __volatile__("" ::: "memory")

/*
 * Pretend the scalar or pointer v is consumed by an instruction, so the code
 * computing it cannot be deleted.  Emits no instruction.
 */
#define WK_BENCH_USE(v) __asm__ __volatile__("" : : "r"(v))

/*
 * Make the compiler forget everything it knew about the scalar or pointer
 * lvalue v (its value may have changed), so it can neither constant-fold it
 * nor see through a function pointer loaded from it.  Emits no instruction.
 */
#define WK_BENCH_LAUNDER(v) __asm__ __volatile__("" : "+r"(v))

/*
 * Let the pointer p escape: the object it points at counts as read and
 * written here, so it must really be built in memory (as it would be when
 * handed to an opaque function).  Emits no instruction.
 */
#define WK_BENCH_ESCAPE(p) __asm__ __volatile__("" : : "r"(p) : "memory")

/* ---- time -------------------------------------------------------------- */

/* Monotonic time in nanoseconds (CLOCK_MONOTONIC, a vDSO call). */
uint64_t wk_bench_now_ns(void);

/*
 * Pin the calling thread to the CPU it is running on.  Returns that CPU, or
 * -1 when pinning is not possible (the benchmark then runs unpinned).
 */
int wk_bench_pin_cpu(void);

/* ---- options ----------------------------------------------------------- */

#define WK_BENCH_MAX_ROUNDS 301
#define WK_BENCH_MAX_SELECT 16

typedef struct wk_bench_options {
	uint64_t iters;   /* N: operations per round of a case */
	unsigned rounds;  /* K: timed rounds per case (<= WK_BENCH_MAX_ROUNDS) */
	unsigned warmup;  /* untimed rounds per case before the timed ones */
	int quick;        /* --quick: small N and K, for a smoke test */
	int json;         /* --json: machine-readable output */
	int list;         /* --list: print the case names and exit */
	const char *instr; /* --instr FILE: callgrind instructions per op, "case value" lines */
	size_t nselect;   /* --case NAME given this many times */
	const char *select[WK_BENCH_MAX_SELECT];
} wk_bench_options;

/*
 * Parse the common options: --quick, --json, --list, --case NAME (repeatable),
 * --iters N, --rounds K, --warmup W, --help.  full_iters / full_rounds are the
 * defaults of a normal run; --quick divides them.  Returns 0 to run, 1 when
 * --help was printed (exit 0), -1 on a bad option (message printed, exit 2).
 * `about` is printed at the top of --help; it may be NULL.
 */
int wk_bench_parse_options(int argc, char **argv, wk_bench_options *o, uint64_t full_iters,
			   unsigned full_rounds, const char *about);

/* ---- cases and the driver ---------------------------------------------- */

/* Perform `iters` operations on `arg`; return how many were performed. */
typedef uint64_t (*wk_bench_fn)(void *arg, uint64_t iters);

typedef struct wk_bench_case {
	const char *name;  /* short id, used by --case and in JSON */
	const char *label; /* row label of the table */
	wk_bench_fn run;
	void *arg;
	uint64_t iters_div; /* run N / iters_div operations per round (0: N) */

	/* Filled by wk_bench_run. */
	int ran;
	unsigned nsamples;
	double samples[WK_BENCH_MAX_ROUNDS]; /* ns/op of each timed round */
	double min_ns, median_ns, max_ns;
	uint64_t total_ops; /* every op performed, warm-up included */
	double instr_per_op; /* from --instr (callgrind); 0 when not measured */
} wk_bench_case;

/* Initialiser of a case (the result fields start zeroed). */
#define WK_BENCH_CASE(name_, label_, run_, arg_)                                                   \
	{ .name = (name_), .label = (label_), .run = (run_), .arg = (arg_) }

/* Whether the options select this case (all cases when no --case). */
int wk_bench_selected(const wk_bench_options *o, const char *name);

/*
 * Run the selected cases: o->warmup untimed rounds, then o->rounds timed
 * rounds, interleaved across cases.  Fills the result fields.
 */
void wk_bench_run(wk_bench_case *cases, size_t ncases, const wk_bench_options *o);

/* The case with this name, or NULL. */
wk_bench_case *wk_bench_find(wk_bench_case *cases, size_t ncases, const char *name);

/* ---- ratios and targets ------------------------------------------------ */

typedef enum wk_bench_cmp {
	WK_BENCH_INFO = 0,  /* printed, no target */
	WK_BENCH_AT_MOST,   /* num / den <= target */
	WK_BENCH_AT_LEAST,  /* num / den >= target */
} wk_bench_cmp;

typedef struct wk_bench_ratio {
	const char *name;  /* short id, for JSON */
	const char *label; /* e.g. "local clone+drop / floor" */
	const char *num;   /* case name of the numerator */
	const char *den;   /* case name of the denominator */
	wk_bench_cmp cmp;
	double target;

	/* Filled by wk_bench_eval_ratios. */
	int valid;           /* both cases ran */
	double paired;       /* median over rounds of the in-round ratio: the verdict uses it */
	double of_min;       /* num.min_ns / den.min_ns */
	double of_median;    /* num.median_ns / den.median_ns */
	int pass;            /* target met (always 1 for WK_BENCH_INFO) */
	double of_instr;     /* num / den instructions per op; 0 when either is unknown */
} wk_bench_ratio;

/* Initialiser of a ratio num / den with a target (0 and WK_BENCH_INFO: none). */
#define WK_BENCH_RATIO(name_, label_, num_, den_, cmp_, target_)                                   \
	{                                                                                          \
		.name = (name_), .label = (label_), .num = (num_), .den = (den_), .cmp = (cmp_),   \
		.target = (target_)                                                                \
	}

void wk_bench_eval_ratios(wk_bench_ratio *ratios, size_t nratios, wk_bench_case *cases,
			  size_t ncases);

/* ---- output ------------------------------------------------------------ */

typedef struct wk_bench_report {
	const char *title;    /* first line of the table, "name" in JSON */
	const char *build;    /* build description: type, checked, compiler */
	int cpu;              /* pinned CPU, -1 when unpinned */
	const wk_bench_options *opts;
	wk_bench_case *cases;
	size_t ncases;
	const char *baseline; /* case name of the "x <baseline>" column, or NULL */
	wk_bench_ratio *ratios;
	size_t nratios;
} wk_bench_report;

/* Human-readable table: ns/op (min, median), ratio to the baseline, then
 * the ratios with their targets and a PASS / MISS verdict. */
void wk_bench_print_table(FILE *out, const wk_bench_report *r);

/* The same figures as one JSON object. */
void wk_bench_print_json(FILE *out, const wk_bench_report *r);

/* Print the selected case names, one per line with the label. */
void wk_bench_print_list(FILE *out, const wk_bench_case *cases, size_t ncases);

#ifdef __cplusplus
}
#endif

#endif /* WK_BENCH_UTIL_H */
