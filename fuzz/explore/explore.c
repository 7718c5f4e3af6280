/*
 * explore.c - every schedule of one small program, the way loom explores
 * every interleaving: the reference runtime's deterministic mode takes each
 * choice from a byte, so a schedule is a byte string and the schedules of a
 * program form a tree that a depth-first search walks, running the
 * tpc_sched oracles (targets/tpc_prog.c) on every leaf.
 *
 *   fuzz_explore --builtin N | --input FILE   [--max-depth D] [--max-schedules S]
 *                [--seconds T] [--list]
 *
 * HOW THE TREE IS WALKED (stateless, by re-execution)
 *   A node is a prefix P of k choice bytes.  Running P followed by a 0
 *   byte tells whether a k-th choice exists: the scheduler consumed k + 1
 *   bytes.  If it did not, P fixes the whole run: a leaf, one schedule.
 *   If it did, the choice's arity n is found by running P + [v] for
 *   v = 1, 2, ...: the scheduler takes the byte modulo n, so the first v
 *   whose trace equals that of v = 0 is n (two different choices always
 *   differ in the first event of their step: a poll on another core, a
 *   drain, a fire, a timer).  The children are P + [0] .. P + [n-1].
 *   When the depth bound D or the schedule bound S cuts the walk, the
 *   space is reported as not exhausted.
 *
 * Exit status: 0 when every schedule passed (exhausted or not), abort on
 * the first violation, after writing the failing input (program and
 * schedule, a tpc_sched input) to explore-failure.bin in the current
 * directory: `fuzz_tpc_sched explore-failure.bin` replays it.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tpc_prog.h"
#include "wkf.h"

#define MAX_DEPTH_LIMIT 512
#define MAX_ARITY 64

/* The input of the run in progress (program + schedule), for failures. */
static uint8_t cur_input[2 + TP_SCRIPTS * (TP_OPS + 1) + MAX_DEPTH_LIMIT + 1];
static size_t cur_len, prog_len;
static char cur_desc[64] = "explore";

const char *wkf_current_input(void)
{
	return "explore-failure.bin (written at the abort; replay with fuzz_tpc_sched)";
}

static void on_abort(int sig)
{
	/* async-signal-safe: open, write, close, then die of the signal. */
	int fd = open("explore-failure.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		ssize_t w = write(fd, cur_input, cur_len);
		(void)w;
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* ---- built-in programs: op = opcode << 4 | arg (tpc_prog.c) ------------------------- */

#define OP(code, arg) (uint8_t)((code) << 4 | (arg))
enum { YL = 0, YT, YC, KEEP, WSLOT, DSLOT, DEFER, EXPORT, WPEER, WAIT, SPAWN, JOIN, SLEEP, SHUT, JW, READY };

typedef struct builtin {
	const char *what;
	unsigned cores, ntasks, kind;
	uint8_t len[TP_SCRIPTS];
	uint8_t ops[TP_SCRIPTS][TP_OPS];
} builtin;

static const builtin builtins[] = {
	{"2 tasks on 2 cores: a foreign wake of a waiting peer, a deferred foreign wake",
	 2, 2, 0, {3, 3},
	 {{OP(EXPORT, 0), OP(WAIT, 0), OP(READY, 0)}, {OP(WPEER, 0), OP(DEFER, 0), OP(READY, 0)}}},
	{"2 tasks on 2 cores, on_waker: self-wakes during poll, a kept clone woken later, 2 deferred wakes",
	 2, 2, 1, {4, 4},
	 {{OP(EXPORT, 0), OP(YL, 0), OP(DEFER, 0), OP(WAIT, 0)},
	  {OP(KEEP, 4), OP(WPEER, 0), OP(DEFER, 0), OP(WSLOT, 0)}}},
	{"3 tasks on 2 cores: 2 foreign wakers, a self-wake, a wait",
	 2, 3, 0, {3, 3, 2},
	 {{OP(EXPORT, 0), OP(WAIT, 0), OP(YT, 0)},
	  {OP(WPEER, 0), OP(DEFER, 0), OP(READY, 0)},
	  {OP(WPEER, 0), OP(DEFER, 0)}}},
	{"3 tasks on 2 cores: a remote spawn joined, a timer, a JoinWaker, deferred wakes",
	 2, 3, 0, {3, 3, 2, 2},
	 {{OP(SPAWN, 3), OP(DEFER, 0), OP(JOIN, 0)},
	  {OP(SLEEP, 0), OP(EXPORT, 0), OP(DEFER, 0)},
	  {OP(JW, 5), OP(WPEER, 1)},
	  {OP(YL, 0), OP(DEFER, 0)}}},
	{"3 tasks on 3 cores: each exports, wakes the next one's export, defers a wake and waits",
	 3, 3, 0, {4, 4, 4},
	 {{OP(EXPORT, 0), OP(WPEER, 1), OP(DEFER, 0), OP(WAIT, 0)},
	  {OP(EXPORT, 0), OP(WPEER, 2), OP(DEFER, 0), OP(WAIT, 0)},
	  {OP(EXPORT, 0), OP(WPEER, 0), OP(DEFER, 0), OP(WAIT, 0)}}},
};
#define NBUILTINS (sizeof builtins / sizeof builtins[0])

/* ---- the walk ------------------------------------------------------------------------- */

typedef struct walk {
	tp_prog prog;
	uint8_t sched[MAX_DEPTH_LIMIT + 1];
	size_t max_depth;
	uint64_t max_schedules;
	double deadline;
	uint64_t schedules, runs;
	size_t deepest;
	bool cut;
} walk;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_prefix(walk *w, size_t len, tp_result *r)
{
	memcpy(cur_input + prog_len, w->sched, len);
	cur_len = prog_len + len;
	w->prog.sched = w->sched;
	w->prog.sched_len = len;
	memset(r, 0, sizeof *r);
	tp_run(&w->prog, r);
	w->runs++;
}

static void explore(walk *w, size_t k)
{
	tp_result r0, rv;
	unsigned n, v;
	if (w->schedules >= w->max_schedules || (w->runs % 256 == 0 && now_s() > w->deadline)) {
		w->cut = true;
		return;
	}
	if (k > w->deepest)
		w->deepest = k;
	w->sched[k] = 0;
	run_prefix(w, k + 1, &r0);
	if (r0.bytes_used <= k) {
		w->schedules++; /* no choice at depth k: a leaf */
		return;
	}
	if (k == w->max_depth) {
		w->schedules++; /* the bound: this prefix, then round robin */
		w->cut = true;
		return;
	}
	for (n = 1; n < MAX_ARITY; n++) {
		w->sched[k] = (uint8_t)n;
		run_prefix(w, k + 1, &rv);
		if (rv.trace_hash == r0.trace_hash && rv.events == r0.events)
			break;
	}
	if (n == MAX_ARITY)
		wkf_fail("explore", "a choice with %u or more alternatives at depth %zu", MAX_ARITY, k);
	for (v = 0; v < n; v++) {
		w->sched[k] = (uint8_t)v;
		explore(w, k + 1);
		if (w->cut && (w->schedules >= w->max_schedules || now_s() > w->deadline))
			return;
	}
}

static void usage(FILE *out)
{
	size_t i;
	fprintf(out,
		"usage: fuzz_explore (--builtin N | --input FILE) [--max-depth D] [--max-schedules S]\n"
		"                    [--seconds T]\n"
		"       fuzz_explore --list\n"
		"Runs every schedule of one tpc_sched program (the program part of FILE, a tpc_sched\n"
		"input, or built-in program N) up to D choices deep (default 64), at most S schedules\n"
		"(default 1000000, divided by $WK_TEST_SCALE) and T seconds (default 600), with the\n"
		"tpc_sched oracles on each.  Prints schedules explored, schedules per second and whether\n"
		"the space was exhausted.  A violation aborts after writing explore-failure.bin.\n"
		"Built-in programs:\n");
	for (i = 0; i < NBUILTINS; i++)
		fprintf(out, "  %zu  %s\n", i, builtins[i].what);
}

int main(int argc, char **argv)
{
	walk *w = calloc(1, sizeof *w);
	const char *input = NULL;
	long which = -1;
	double seconds = 600, t0, dt;
	const char *scale = getenv("WK_TEST_SCALE");
	int i;

	if (w == NULL)
		return 2;
	w->max_depth = 64;
	w->max_schedules = 1000000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--list") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--builtin") == 0 && v) {
			which = strtol(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--input") == 0 && v) {
			input = v;
			i++;
		} else if (strcmp(a, "--max-depth") == 0 && v) {
			w->max_depth = (size_t)strtoul(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--max-schedules") == 0 && v) {
			w->max_schedules = strtoull(v, NULL, 10);
			i++;
		} else if (strcmp(a, "--seconds") == 0 && v) {
			seconds = strtod(v, NULL);
			i++;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (w->max_depth > MAX_DEPTH_LIMIT)
		w->max_depth = MAX_DEPTH_LIMIT;
	if (scale != NULL && atoi(scale) > 1)
		w->max_schedules /= (uint64_t)atoi(scale);
	if (input != NULL) {
		static uint8_t buf[4096];
		FILE *f = fopen(input, "rb");
		size_t n;
		if (f == NULL) {
			fprintf(stderr, "fuzz_explore: cannot open %s\n", input);
			return 2;
		}
		n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		tp_parse(&w->prog, buf, n);
		snprintf(cur_desc, sizeof cur_desc, "%s", input);
	} else if (which >= 0 && (size_t)which < NBUILTINS) {
		const builtin *b = &builtins[which];
		w->prog.cores = b->cores;
		w->prog.ntasks = b->ntasks;
		w->prog.waker_kind = b->kind;
		memcpy(w->prog.len, b->len, sizeof b->len);
		memcpy(w->prog.ops, b->ops, sizeof b->ops);
		snprintf(cur_desc, sizeof cur_desc, "built-in %ld", which);
	} else {
		usage(stderr);
		return 2;
	}
	prog_len = tp_encode(&w->prog, cur_input);
	signal(SIGABRT, on_abort);
	t0 = now_s();
	w->deadline = t0 + seconds;
	explore(w, 0);
	dt = now_s() - t0;
	printf("explore %s: %u core%s, %u task%s\n", cur_desc, w->prog.cores,
	       w->prog.cores == 1 ? "" : "s", w->prog.ntasks, w->prog.ntasks == 1 ? "" : "s");
	printf("  schedules explored: %" PRIu64 " (%" PRIu64 " runs, deepest choice %zu)\n",
	       w->schedules, w->runs, w->deepest);
	printf("  time: %.3f s, %.0f schedules/s, %.0f runs/s\n", dt,
	       dt > 0 ? (double)w->schedules / dt : 0.0, dt > 0 ? (double)w->runs / dt : 0.0);
	printf("  space exhausted: %s\n",
	       w->cut ? "no (a bound cut the walk: raise --max-depth/--max-schedules/--seconds)"
		      : "yes (every schedule ran, no oracle violation)");
	free(w);
	return 0;
}
