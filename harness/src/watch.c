/*
 * watch.c - every call a check makes into the adapter goes through here,
 * so that an adapter that breaks the ABI's own contract (spec/harness.md
 * section 7) is reported as that, not as whatever executor requirement the
 * check happened to be testing:
 *
 *   - run() must return by its deadline.  A call that returns more than a
 *     grace period late is a failure of WK-HARN-015 (the check goes on).
 *   - every call must return.  A watchdog thread looks at the call in
 *     progress every WATCH_TICK_MS; one still running past its bound (or
 *     close to the check's own timeout, whichever comes first) ends the
 *     check: the driver thread's stack goes to the log (a signal makes the
 *     driver write its own backtrace), the failure is reported, and the
 *     child exits with WKC__EXIT_REPORTED.  A run() that overran while
 *     polls kept beginning ignores its deadline while busy (WK-HARN-015);
 *     a call during which nothing moved is stuck (WK-HARN-016); the message
 *     names the requirement the check was testing, since an executor
 *     deadlocked by the situation under test ends the same way, and that
 *     requirement is left NOT TESTED (the check ended before judging it).
 *   - create() that fails must say why (WK-HARN-017).
 *
 * Adapter calls come from the driver thread only (adapter.h, THREADING),
 * so one "call in progress" record is enough.  Its fields are atomics the
 * driver writes and the watchdog reads, seqlock style: the driver bumps
 * `gen` to odd before changing them and to even after, the watchdog reads
 * gen, the fields, and gen again, and ignores a snapshot taken while they
 * changed; all of it sequentially consistent (write_begin says why).  Those edges join two harness threads
 * only; no executor or probe data is published through them.
 *
 * Time the driver spends inside a probe's poll (an executor that polls on
 * the caller's thread runs the harness's futures inside run()) is the
 * harness's, not the adapter's: an executor cannot return in the middle
 * of a poll.  So a call is judged from the later of its deadline and the
 * end of the driver's last poll, never while a poll runs; and a run() that
 * keeps beginning polls more than the grace past its deadline (LATE_POLLS
 * of them: an executor may look at its clock only every so many polls)
 * ignores its deadline while busy, however long each poll takes.
 */
#define _GNU_SOURCE
#include "watch.h"

#include <errno.h>
#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "proto.h"
#include "util.h"
#include "wkc/annotate.h"

#define WATCH_TICK_MS 50
/* Grace past run()'s timeout before it counts as late: at least this, at
 * least the timeout itself, times the wait factor. */
#define RUN_GRACE_MS 1000.0
/* Bounds of the calls that do not take a timeout (times the wait factor). */
#define SHORT_CALL_MS 2000.0  /* spawn, live_tasks, core_count */
#define CREATE_MS 5000.0
#define DESTROY_MS 5000.0
/* "Busy": a poll began within this long (times the wait factor). */
#define BUSY_MS 500.0
#define STACK_FRAMES 48
/* Polls a run() may begin past deadline + grace (it may look at its clock
 * every so many polls, and one harness poll may have taken the grace). */
#define LATE_POLLS 128

static const char *const call_names[] = {
	[WKC__CALL_NONE] = "?",	       [WKC__CALL_CREATE] = "create()",
	[WKC__CALL_SPAWN] = "spawn()",     [WKC__CALL_RUN] = "run()",
	[WKC__CALL_LIVE_TASKS] = "live_tasks()", [WKC__CALL_CORE_COUNT] = "core_count()",
	[WKC__CALL_DESTROY] = "destroy()",
};

static struct {
	_Atomic unsigned gen;       /* odd while the driver changes the record */
	_Atomic int kind;           /* wkc__call_kind in progress, NONE between calls */
	_Atomic uint64_t in_poll_since; /* driver inside a probe poll since (0: not) */
	_Atomic uint64_t last_poll_end; /* the driver's last poll during the call ended (0: none) */
	_Atomic uint64_t late_poll; /* run(): driver polls begun past deadline + grace */
	_Atomic uint64_t start_ns;  /* when it began */
	_Atomic uint64_t bound_ns;  /* how long it may take past its deadline (run(): the grace) */
	_Atomic uint64_t timeout_ns; /* run(): its timeout */
	_Atomic uint64_t progress;  /* polls begun (wkc_progress) */
	_Atomic int stack_done;     /* the driver wrote its backtrace */
	_Atomic int stop;           /* the check returned: the watchdog ends */
	_Atomic int stack_fd;       /* where it writes it (set before the signal) */
	pthread_t driver;
	pthread_t thread;
	bool started;
	wkc_ctx *cx;
	double wait_factor;
	uint64_t check_deadline_ns; /* 0: unknown */
} w;

const char *wkc__call_name(wkc__call_kind k)
{
	return (unsigned)k < sizeof call_names / sizeof call_names[0] ? call_names[k] : "?";
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the driver's backtrace, written by the driver itself ------------------------------- */

static void on_stack_signal(int sig)
{
	void *frames[STACK_FRAMES];
	int n;
	(void)sig;
	n = backtrace(frames, STACK_FRAMES);
	/* acquire: pairs with the watchdog's release before it signalled (a
	 * signal is no synchronisation that ThreadSanitizer sees). */
	backtrace_symbols_fd(frames, n, atomic_load_explicit(&w.stack_fd, memory_order_acquire));
	/* release: the frames written above are there when the flag is seen. */
	atomic_store_explicit(&w.stack_done, 1, memory_order_release);
}

/* The driver's stack as text (heap; NULL when it could not be taken). */
static char *driver_stack(void)
{
	int fds[2];
	char *text = NULL;
	size_t len = 0;
	if (pipe(fds) != 0)
		return NULL;
	/* release: see on_stack_signal. */
	atomic_store_explicit(&w.stack_fd, fds[1], memory_order_release);
	/* relaxed: reset before the signal, whose delivery orders it. */
	atomic_store_explicit(&w.stack_done, 0, memory_order_relaxed);
	if (pthread_kill(w.driver, SIGURG) == 0) {
		for (int i = 0; i < 40; i++) {
			struct timespec d = {0, 25000000};
			/* acquire: pairs with the handler's release. */
			if (atomic_load_explicit(&w.stack_done, memory_order_acquire))
				break;
			nanosleep(&d, NULL);
		}
	}
	close(fds[1]);
	/* acquire: see above. */
	if (atomic_load_explicit(&w.stack_done, memory_order_acquire)) {
		char chunk[1024];
		ssize_t r;
		while ((r = read(fds[0], chunk, sizeof chunk)) > 0) {
			text = wkc__xrealloc(text, len + (size_t)r + 1);
			memcpy(text + len, chunk, (size_t)r);
			len += (size_t)r;
			text[len] = '\0';
		}
	}
	close(fds[0]);
	return text;
}

/* The first frames of a backtrace outside the harness, on one line. */
static char *top_frames(const char *stack)
{
	wkc__buf b = {0};
	int shown = 0;
	for (const char *p = stack; p && *p && shown < 4;) {
		size_t n = strcspn(p, "\n");
		/* Skip the handler, libc's signal return and the watch wrapper. */
		bool ours = memmem(p, n, "on_stack_signal", 15) || memmem(p, n, "__restore_rt", 12) ||
			    memmem(p, n, "[0x", 3) == p || memmem(p, n, "watched_", 8);
		if (!ours && n > 0) {
			wkc__buf_printf(&b, "%s%.*s", shown ? " <- " : "", (int)(n > 120 ? 120 : n), p);
			shown++;
		}
		p += n + (p[n] == '\n');
	}
	return b.s;
}

/* ---- the watchdog -------------------------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void end_check(const char *contract_id, const char *msg)
{
	wkc_ctx *cx = w.cx;
	char *stack = driver_stack();
	char *top = stack ? top_frames(stack) : NULL;
	char *full = wkc__xasprintf("%s%s%s", msg,
				    top ? "; driver thread: " : "; the driver thread's stack could not be taken",
				    top ? top : "");
	fprintf(stderr, "wakerconf: %s\n", full);
	if (stack != NULL)
		fprintf(stderr, "wakerconf: the driver thread's stack:\n%s", stack);
	wkc__proto_send(cx->report_fd, "expect", contract_id, NULL);
	wkc__proto_send(cx->report_fd, "fail", contract_id, full);
	fflush(NULL);
	_exit(WKC__EXIT_REPORTED);
}

/* The runner kills the check at its deadline: a call still running just
 * before it is reported while there is time. */
static bool near_deadline(uint64_t t)
{
	uint64_t reserve = (uint64_t)(WATCH_TICK_MS * 6) * 1000000u;
	return w.check_deadline_ns != 0 && t + reserve >= w.check_deadline_ns;
}

/* How long past its deadline (and the driver's last poll) a call may run
 * before, near the check's own deadline, it counts as overrunning. */
static uint64_t overrun_ns(int kind)
{
	double ms = kind == WKC__CALL_RUN ? 100.0 : 250.0;
	return (uint64_t)(ms * w.wait_factor * 1e6);
}

static void *watchdog(void *arg)
{
	uint64_t seen_progress = 0, last_move = now_ns();
	/* helgrind/DRD: the seqlock's edges are atomics they cannot see; the
	 * record is atomics only, so there is no plain data to order. */
	(void)arg;
	for (;;) {
		struct timespec d = {0, WATCH_TICK_MS * 1000000L};
		uint64_t t, start, bound, p;
		int kind;
		nanosleep(&d, NULL);
		/* relaxed: only tells the loop to end; the join orders the rest. */
		if (atomic_load_explicit(&w.stop, memory_order_relaxed))
			return NULL;
		t = now_ns();
		/* relaxed: a count, compared with the previous sample. */
		p = atomic_load_explicit(&w.progress, memory_order_relaxed);
		if (p != seen_progress) {
			seen_progress = p;
			last_move = t;
		}
		{
			/* seq_cst, like every access to the record (write_begin). */
			unsigned g = atomic_load(&w.gen);
			uint64_t since, poll_end, late, tmo, ref;
			if (g & 1)
				continue;
			/* Validated by the second load of gen. */
			kind = atomic_load(&w.kind);
			start = atomic_load(&w.start_ns);
			bound = atomic_load(&w.bound_ns);
			tmo = atomic_load(&w.timeout_ns);
			since = atomic_load(&w.in_poll_since);
			poll_end = atomic_load(&w.last_poll_end);
			late = atomic_load(&w.late_poll);
			if (kind == WKC__CALL_NONE || atomic_load(&w.gen) != g)
				continue;
			t = now_ns();
			if (t < start)
				continue;
			if (late >= LATE_POLLS) {
				/* Busy past its deadline: polls keep beginning. */
				end_check("WK-HARN-015",
					  wkc__xasprintf("adapter contract: run() had not returned %.1f s "
							 "after its %.0f ms timeout and had begun %llu polls "
							 "more than %.1f s past it: it does not look at its "
							 "deadline while busy (WK-HARN-015)",
							 (t - start - tmo) / 1e9, tmo / 1e6,
							 (unsigned long long)late, bound / 1e9));
			}
			if (since != 0)
				continue; /* inside the harness's own poll: not the adapter's time */
			ref = start + tmo > poll_end ? start + tmo : poll_end;
			if (t < ref || (t - ref <= bound && !(near_deadline(t) && t - ref > overrun_ns(kind))))
				continue;
		}
		{
			double secs = (double)(t - start) / 1e9;
			bool busy = t - last_move < (uint64_t)(BUSY_MS * w.wait_factor * 1e6);
			const char *expected = wkc__ctx_current_id(w.cx);
			if (kind == WKC__CALL_RUN && busy) {
				double tmo = (double)atomic_load(&w.timeout_ns) / 1e6;
				end_check("WK-HARN-015",
					  wkc__xasprintf("adapter contract: run() had not returned after "
							 "%.1f s for a %.0f ms timeout, while tasks kept being "
							 "polled: it does not look at its deadline while busy "
							 "(WK-HARN-015)",
							 secs, tmo));
			}
			end_check("WK-HARN-016",
				  wkc__xasprintf("adapter contract: %s had not returned after %.1f s, and "
						 "no poll began for %.1f s: the executor is stuck inside it "
						 "(WK-HARN-016; the check was testing %s, which a deadlock "
						 "caused by the situation under test would also break)",
						 wkc__call_name((wkc__call_kind)kind), secs,
						 (double)(t - last_move) / 1e9, expected));
		}
	}
	return NULL;
}

void wkc__watch_init(wkc_ctx *cx, double scale, double deadline_ms)
{
	struct sigaction sa;
	void *warm[4];
	w.cx = cx;
	w.wait_factor = scale > 0 ? 1.0 / scale : 30.0;
	if (w.wait_factor < 1.0)
		w.wait_factor = 1.0;
	if (w.wait_factor > 30.0)
		w.wait_factor = 30.0;
	/* CLOCK_MONOTONIC milliseconds, as the runner reads its clock. */
	w.check_deadline_ns = deadline_ms > 0 ? (uint64_t)(deadline_ms * 1e6) : 0;
	w.driver = pthread_self();
	atomic_init(&w.gen, 0);
	atomic_init(&w.kind, WKC__CALL_NONE);
	atomic_init(&w.in_poll_since, 0);
	atomic_init(&w.last_poll_end, 0);
	atomic_init(&w.late_poll, 0);
	atomic_init(&w.start_ns, 0);
	atomic_init(&w.bound_ns, 0);
	atomic_init(&w.timeout_ns, 0);
	atomic_init(&w.progress, 0);
	atomic_init(&w.stack_done, 0);
	atomic_init(&w.stop, 0);
	atomic_init(&w.stack_fd, -1);
	wkc_annotate_atomic(&w.gen, sizeof w.gen);
	wkc_annotate_atomic(&w.kind, sizeof w.kind);
	wkc_annotate_atomic(&w.in_poll_since, sizeof w.in_poll_since);
	wkc_annotate_atomic(&w.last_poll_end, sizeof w.last_poll_end);
	wkc_annotate_atomic(&w.late_poll, sizeof w.late_poll);
	wkc_annotate_atomic(&w.start_ns, sizeof w.start_ns);
	wkc_annotate_atomic(&w.bound_ns, sizeof w.bound_ns);
	wkc_annotate_atomic(&w.timeout_ns, sizeof w.timeout_ns);
	wkc_annotate_atomic(&w.progress, sizeof w.progress);
	wkc_annotate_atomic(&w.stack_done, sizeof w.stack_done);
	wkc_annotate_atomic(&w.stop, sizeof w.stop);
	wkc_annotate_atomic(&w.stack_fd, sizeof w.stack_fd);
	/* backtrace() loads its unwinder on first use: not in a handler. */
	(void)backtrace(warm, 4);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stack_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGURG, &sa, NULL);
}

static void ensure_started(void)
{
	if (w.started)
		return;
	w.started = pthread_create(&w.thread, NULL, watchdog, NULL) == 0;
	if (!w.started)
		fprintf(stderr, "wakerconf: warning: cannot start the adapter watchdog: %s\n",
			strerror(errno));
}

void wkc__watch_stop(void)
{
	if (!w.started)
		return;
	/* relaxed: see the watchdog's loop. */
	atomic_store_explicit(&w.stop, 1, memory_order_relaxed);
	/* Joined, so that the child exits with no thread of the harness's
	 * left running (ThreadSanitizer sleeps a second at exit otherwise). */
	pthread_join(w.thread, NULL);
	w.started = false;
}

/* The seqlock's write side (driver only).  Every access to gen and to
 * the record's fields is sequentially consistent: one total order, so a
 * watchdog that read gen even twice around its reads saw no write between
 * them, with no fence (gcc's ThreadSanitizer refuses standalone fences).
 * Cost is no concern: a few adapter calls and polls of the driver. */
static void write_begin(void)
{
	atomic_fetch_add(&w.gen, 1);
}

static void write_end(void)
{
	atomic_fetch_add(&w.gen, 1);
}

static uint64_t begin(wkc__call_kind kind, double bound_ms, uint64_t timeout_ns)
{
	uint64_t t = now_ns();
	if (w.cx == NULL)
		return t; /* no watch set up (a test of the harness itself) */
	ensure_started();
	write_begin();
	/* seq_cst: the record's fields (write_begin). */
	atomic_store(&w.start_ns, t);
	atomic_store(&w.bound_ns, (uint64_t)(bound_ms * w.wait_factor * 1e6));
	atomic_store(&w.timeout_ns, timeout_ns);
	atomic_store(&w.last_poll_end, 0);
	atomic_store(&w.late_poll, 0);
	atomic_store(&w.kind, (int)kind);
	write_end();
	return t;
}

/* Ends the call; *poll_end: when the driver's last poll in it ended (0:
 * none), *late: driver polls begun past deadline + grace. */
static void end(uint64_t *poll_end, uint64_t *late)
{
	if (w.cx == NULL) {
		*poll_end = *late = 0;
		return;
	}
	write_begin();
	/* The driver's own values (seq_cst: the record, write_begin). */
	*poll_end = atomic_load(&w.last_poll_end);
	*late = atomic_load(&w.late_poll);
	atomic_store(&w.kind, WKC__CALL_NONE);
	write_end();
}

static bool on_driver(void)
{
	return w.cx != NULL && pthread_equal(pthread_self(), w.driver);
}

void wkc_progress(wkc_ctx *cx)
{
	(void)cx;
	/* relaxed: a count the watchdog only compares. */
	atomic_fetch_add_explicit(&w.progress, 1, memory_order_relaxed);
	if (on_driver()) {
		/* The driver's own values (seq_cst: the record, write_begin). */
		int kind = atomic_load(&w.kind);
		uint64_t t = now_ns();
		uint64_t limit = atomic_load(&w.start_ns) +
				 atomic_load(&w.timeout_ns) +
				 atomic_load(&w.bound_ns);
		write_begin();
		atomic_store(&w.in_poll_since, t);
		if (kind == WKC__CALL_RUN && t > limit)
			atomic_store(&w.late_poll, atomic_load(&w.late_poll) + 1);
		write_end();
	}
}

void wkc_progress_end(wkc_ctx *cx)
{
	(void)cx;
	if (!on_driver())
		return;
	write_begin();
	/* The driver's own values (seq_cst: the record, write_begin). */
	atomic_store(&w.last_poll_end, now_ns());
	atomic_store(&w.in_poll_since, 0);
	write_end();
}

/* ---- the calls -------------------------------------------------------------------------------- */

wkc_executor *wkc__watched_create(wkc_ctx *cx, const wkc_config *cfg, char *err, size_t errlen)
{
	wkc_executor *ex;
	uint64_t pe, late;
	begin(WKC__CALL_CREATE, CREATE_MS, 0);
	ex = cx->adapter->create(cfg, err, errlen);
	end(&pe, &late);
	return ex;
}

int wkc_spawn(wkc_ctx *cx, wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	int r;
	uint64_t pe, late;
	begin(WKC__CALL_SPAWN, SHORT_CALL_MS, 0);
	r = cx->adapter->spawn(ex, fut, core, flags);
	end(&pe, &late);
	return r;
}

int wkc_run(wkc_ctx *cx, wkc_executor *ex, uint64_t timeout_ns)
{
	double tmo_ms = (double)timeout_ns / 1e6;
	double grace = tmo_ms > RUN_GRACE_MS ? tmo_ms : RUN_GRACE_MS;
	uint64_t t0 = begin(WKC__CALL_RUN, grace, timeout_ns), t1, ref, poll_end, late;
	int r = cx->adapter->run(ex, timeout_ns);
	end(&poll_end, &late);
	t1 = now_ns();
	/* The adapter's own lateness: from the later of its deadline and the
	 * end of the harness's last poll on the driver. */
	ref = t0 + timeout_ns > poll_end ? t0 + timeout_ns : poll_end;
	if (w.cx != NULL &&
	    (late >= LATE_POLLS || (t1 > ref && (double)(t1 - ref) > grace * w.wait_factor * 1e6)))
		wkc_fail(cx, "WK-HARN-015",
			 "adapter contract: run() returned after %.2f s for a %.0f ms timeout%s",
			 (t1 - t0) / 1e9, tmo_ms,
			 late >= LATE_POLLS ? ", beginning polls long after its deadline" : "");
	if (r != WKC_RUN_IDLE && r != WKC_RUN_TIMEOUT && r != WKC_RUN_BOUNDED)
		wkc_fail(cx, "WK-HARN-015",
			 "adapter contract: run() returned %d, which is not an enum wkc_run_result", r);
	return r;
}

long wkc_live_tasks(wkc_ctx *cx, wkc_executor *ex)
{
	long n;
	uint64_t pe, late;
	if (cx->adapter->live_tasks == NULL)
		return -1;
	begin(WKC__CALL_LIVE_TASKS, SHORT_CALL_MS, 0);
	n = cx->adapter->live_tasks(ex);
	end(&pe, &late);
	return n;
}

uint32_t wkc_core_count(wkc_ctx *cx, wkc_executor *ex)
{
	uint32_t n;
	uint64_t pe, late;
	if (cx->adapter->core_count == NULL)
		return 1;
	begin(WKC__CALL_CORE_COUNT, SHORT_CALL_MS, 0);
	n = cx->adapter->core_count(ex);
	end(&pe, &late);
	return n ? n : 1;
}

void wkc_destroy(wkc_ctx *cx, wkc_executor *ex)
{
	uint64_t pe, late;
	begin(WKC__CALL_DESTROY, DESTROY_MS, 0);
	cx->adapter->destroy(ex);
	end(&pe, &late);
}
