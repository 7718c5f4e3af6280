/*
 * mini_runner.c - a small stand-in for the harness runner, used only by
 * the suite's own tests: it implements wkc/check.h and runs every check of
 * conformance/tests/check_list.h against the development executors
 * (tests/devexec), each check in a forked child with a timeout, and fails
 * when any check fails, dies, or hangs.  The real runner (harness/, the
 * wakerconf executable) does the same with JSON results, profiles and
 * replay; this one exists so that the checks can be developed and
 * verified on their own.
 *
 *   wkc_selftest [--adapter NAME] [--check SUBSTRING] [--seed N] [--no-pressure]
 *
 * Environment: WK_TEST_SCALE (divides loop sizes, multiplies timeouts),
 * like the other tests of the tree.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devexec.h"
#include "wkc/check.h"
#include "wkc/registry.h"

#if defined(__SANITIZE_THREAD__)
#define ON_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ON_TSAN 1
#endif
#endif
#ifndef ON_TSAN
#define ON_TSAN 0
#endif

struct wkc_ctx {
	const wkc_adapter *a;
	const wkc_check *check;
	uint64_t seed;
	double scale;
	int fd;                 /* report pipe */
	_Atomic uint64_t rng;   /* relaxed: distinct values only */
	unsigned hammer_rounds; /* check thread only */
};

/* ---- reporting (child side) ---------------------------------------------------------------- */

/* One line per write(2), <= PIPE_BUF, so lines from threads never mix. */
static void send_line(wkc_ctx *cx, const char *verb, const char *id, const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof buf, "%s %s ", verb, id ? id : "-");
	if (fmt != NULL && n > 0 && (size_t)n < sizeof buf)
		n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof buf - 1)
		n = (int)sizeof buf - 2;
	for (int i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = ' ';
	buf[n++] = '\n';
	if (write(cx->fd, buf, (size_t)n) < 0) {
		/* the parent is gone; nothing to report to */
	}
}

static void report(wkc_ctx *cx, const char *verb, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(cx, verb, id, fmt, ap);
	va_end(ap);
}

const wkc_adapter *wkc_adapter_of(wkc_ctx *cx)
{
	return cx->a;
}

uint64_t wkc_seed(wkc_ctx *cx)
{
	return cx->seed;
}

static uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t wkc_rand(wkc_ctx *cx)
{
	/* relaxed: only distinct values matter. */
	return mix64(atomic_fetch_add_explicit(&cx->rng, 0x9e3779b97f4a7c15ull, memory_order_relaxed));
}

double wkc_scale(wkc_ctx *cx)
{
	return cx->scale;
}

wkc_executor *wkc_create(wkc_ctx *cx, const wkc_config *cfg)
{
	char err[256] = "";
	wkc_config def = {sizeof def, 0, cx->seed};
	wkc_executor *ex = cx->a->create(cfg ? cfg : &def, err, sizeof err);
	if (ex == NULL) {
		report(cx, "fail", cx->check->ids, "create failed: %s", err);
		_exit(0);
	}
	return ex;
}

/* Adapter calls: unwatched here (the real runner watches them, watch.c). */
int wkc_spawn(wkc_ctx *cx, wkc_executor *ex, wk_future *fut, int core, uint32_t flags)
{
	return cx->a->spawn(ex, fut, core, flags);
}

int wkc_run(wkc_ctx *cx, wkc_executor *ex, uint64_t timeout_ns)
{
	return cx->a->run(ex, timeout_ns);
}

long wkc_live_tasks(wkc_ctx *cx, wkc_executor *ex)
{
	return cx->a->live_tasks ? cx->a->live_tasks(ex) : -1;
}

uint32_t wkc_core_count(wkc_ctx *cx, wkc_executor *ex)
{
	uint32_t n = cx->a->core_count ? cx->a->core_count(ex) : 1;
	return n ? n : 1;
}

void wkc_destroy(wkc_ctx *cx, wkc_executor *ex)
{
	cx->a->destroy(ex);
}

void wkc_progress(wkc_ctx *cx)
{
	(void)cx;
}

void wkc_progress_end(wkc_ctx *cx)
{
	(void)cx;
}

/* Schedule pressure: a seeded per-thread stream of yields and short spins. */
static bool pressure_on = true;
static uint64_t pressure_seed;
static _Atomic uint64_t pressure_ordinal; /* relaxed: distinct values only */
static _Thread_local uint64_t pressure_state;

void wkc_perturb(wkc_ctx *cx)
{
	uint64_t r;
	(void)cx;
	if (!pressure_on)
		return;
	if (pressure_state == 0)
		pressure_state = mix64(pressure_seed ^
				       atomic_fetch_add_explicit(&pressure_ordinal, 1, memory_order_relaxed)) | 1;
	r = mix64(pressure_state++);
	if ((r & 7) == 0) {
		sched_yield();
	} else if ((r & 15) == 1) {
		volatile unsigned sink = 0;
		for (unsigned i = 0; i < (unsigned)(r >> 40) % 2000; i++)
			sink = sink + i;
	}
}

typedef struct hammer_thread {
	wkc_ctx *cx;
	unsigned index;
	wkc_hammer_fn fn;
	void *arg;
	pthread_barrier_t *start;
	long result;
} hammer_thread;

static void *hammer_main(void *p)
{
	hammer_thread *t = p;
	pthread_barrier_wait(t->start);
	t->result = t->fn(t->cx, t->index, t->arg);
	return NULL;
}

void wkc_hammer(wkc_ctx *cx, unsigned nthreads, wkc_hammer_fn fn, void *arg, long *results)
{
	hammer_thread ts[WKC_HAMMER_MAX];
	pthread_t tids[WKC_HAMMER_MAX];
	pthread_barrier_t start;
	if (nthreads == 0 || nthreads > WKC_HAMMER_MAX) {
		report(cx, "error", NULL, "wkc_hammer: %u threads", nthreads);
		_exit(3);
	}
	cx->hammer_rounds++;
	pthread_barrier_init(&start, NULL, nthreads);
	for (unsigned i = 0; i < nthreads; i++) {
		ts[i] = (hammer_thread){cx, i, fn, arg, &start, 0};
		if (pthread_create(&tids[i], NULL, hammer_main, &ts[i]) != 0) {
			report(cx, "error", NULL, "wkc_hammer: cannot start thread %u", i);
			_exit(3);
		}
	}
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	pthread_barrier_destroy(&start);
	if (results)
		for (unsigned i = 0; i < nthreads; i++)
			results[i] = ts[i].result;
}

void wkc_expect(wkc_ctx *cx, const char *id)
{
	report(cx, "expect", id, NULL);
}

void wkc_fail(wkc_ctx *cx, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(cx, "fail", id, fmt, ap);
	va_end(ap);
}

void wkc_note(wkc_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(cx, "note", NULL, fmt, ap);
	va_end(ap);
}

void wkc_unexercised(wkc_ctx *cx, const char *id, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(cx, "note", id, fmt, ap);
	va_end(ap);
}

void wkc_skip(wkc_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	send_line(cx, "skip", NULL, fmt, ap);
	va_end(ap);
	fflush(NULL);
	_exit(0);
}

/* ---- running (parent side) ------------------------------------------------------------------ */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

typedef enum verdict { V_PASS, V_FAIL, V_SKIP } verdict;

static verdict run_one(const wkc_adapter *a, const wkc_check *c, uint64_t seed, double scale,
		       double multiplier, bool verbose, double *ms)
{
	int fds[2], status = 0;
	pid_t pid;
	char buf[65536];
	size_t len = 0;
	double t0 = now_ms(), deadline = t0 + c->timeout_ms * multiplier;
	bool killed = false, done = false, failed = false, skipped = false;
	const char *expect = NULL;
	char expect_buf[64] = "";

	if (pipe(fds) != 0) {
		perror("pipe");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		wkc_ctx cx;
		close(fds[0]);
		memset(&cx, 0, sizeof cx);
		cx.a = a;
		cx.check = c;
		cx.seed = seed;
		cx.scale = scale;
		cx.fd = fds[1];
		atomic_init(&cx.rng, seed);
		pressure_seed = seed;
		c->run(&cx);
		report(&cx, "done", NULL, NULL);
		fflush(NULL);
		_exit(0);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = {fds[0], POLLIN, 0};
		int r = poll(&pfd, 1, 50);
		if (r > 0) {
			ssize_t k = read(fds[0], buf + len, sizeof buf - 1 - len);
			if (k <= 0)
				break;
			len += (size_t)k;
			if (len >= sizeof buf - 1)
				len = 0; /* runaway output: keep the tail */
		}
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	*ms = now_ms() - t0;
	buf[len] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (strncmp(line, "fail ", 5) == 0)
			failed = true;
		else if (strncmp(line, "skip ", 5) == 0)
			skipped = true;
		else if (strncmp(line, "done ", 5) == 0)
			done = true;
		else if (strncmp(line, "expect ", 7) == 0) {
			snprintf(expect_buf, sizeof expect_buf, "%.*s", (int)strcspn(line + 7, " "), line + 7);
			expect = expect_buf;
		}
		if (verbose || strncmp(line, "fail ", 5) == 0 || strncmp(line, "error ", 6) == 0 ||
		    strncmp(line, "skip ", 5) == 0)
			printf("    %s\n", line);
	}
	if (killed) {
		printf("    TIMEOUT after %.0f ms (charged to %s)\n", *ms, expect ? expect : c->ids);
		return V_FAIL;
	}
	if (WIFSIGNALED(status)) {
		printf("    died by signal %d (charged to %s)\n", WTERMSIG(status), expect ? expect : c->ids);
		return V_FAIL;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		printf("    exit status %d (charged to %s)\n", WEXITSTATUS(status), expect ? expect : c->ids);
		return V_FAIL;
	}
	if (skipped && !failed)
		return V_SKIP;
	if (failed || !done)
		return V_FAIL;
	return V_PASS;
}

int main(int argc, char **argv)
{
	const char *only_adapter = NULL, *only_check = NULL;
	uint64_t seed = 0x5eedull;
	double scale = ON_TSAN ? 0.25 : 1.0, multiplier = ON_TSAN ? 5.0 : 1.0;
	const char *env = getenv("WK_TEST_SCALE");
	unsigned pass = 0, fail = 0, skip = 0;
	bool verbose = false;
	double total = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--adapter") == 0 && i + 1 < argc)
			only_adapter = argv[++i];
		else if (strcmp(argv[i], "--check") == 0 && i + 1 < argc)
			only_check = argv[++i];
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--no-pressure") == 0)
			pressure_on = false;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = true;
		else {
			fprintf(stderr, "usage: %s [--adapter NAME] [--check SUBSTRING] [--seed N] "
					"[--no-pressure] [-v]\n", argv[0]);
			return 2;
		}
	}
	if (env != NULL && atoi(env) > 1) {
		scale /= atoi(env);
		multiplier *= atoi(env);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (unsigned ai = 0; ai < wkc_devexec_count; ai++) {
		const wkc_adapter *a = wkc_devexec_list[ai];
		if (only_adapter && strcmp(only_adapter, a->name) != 0)
			continue;
		for (size_t ci = 0; ci < wkc_check_count; ci++) {
			const wkc_check *c = &wkc_check_list[ci];
			double ms = 0;
			verdict v;
			if (only_check && strstr(c->name, only_check) == NULL)
				continue;
			if ((a->caps & c->needs_caps) != c->needs_caps || (a->caps & c->refuses_caps)) {
				printf("skip %-16s %-34s (capabilities)\n", a->name, c->name);
				skip++;
				continue;
			}
			v = run_one(a, c, seed ^ (ci * 0x100000001b3ull), scale, multiplier, verbose, &ms);
			total += ms;
			printf("%s %-16s %-34s %7.1f ms  [%s]\n",
			       v == V_PASS ? "pass" : v == V_SKIP ? "skip" : "FAIL", a->name, c->name, ms, c->ids);
			if (v == V_PASS)
				pass++;
			else if (v == V_SKIP)
				skip++;
			else
				fail++;
		}
	}
	printf("%u passed, %u failed, %u skipped; %.0f ms in checks\n", pass, fail, skip, total);
	return fail ? 1 : 0;
}
