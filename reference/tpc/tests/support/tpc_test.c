/* tpc_test.c - see tpc_test.h. */
#define _GNU_SOURCE

#include "tpc_test.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- probes ------------------------------------------------------------------ */

static wk_poll probe_poll(wk_future *self, const wk_context *cx, void **output)
{
	probe *p = (probe *)self;
	int core = wk_tpc_current_core();
	unsigned long me = (unsigned long)pthread_self();
	wk_poll r;

	/* relaxed everywhere: the main thread reads these after a quiescence
	 * or join that orders them. */
	if (atomic_fetch_add_explicit(&p->in_poll, 1, memory_order_relaxed) != 0)
		atomic_fetch_add_explicit(&p->concurrent, 1, memory_order_relaxed);
	if (atomic_load_explicit(&p->ready, memory_order_relaxed))
		atomic_fetch_add_explicit(&p->poll_after_ready, 1, memory_order_relaxed);
	if (atomic_fetch_add_explicit(&p->polls, 1, memory_order_relaxed) == 0) {
		atomic_store_explicit(&p->first_core, core, memory_order_relaxed);
		atomic_store_explicit(&p->thread, me, memory_order_relaxed);
	} else {
		if (atomic_load_explicit(&p->first_core, memory_order_relaxed) != core)
			atomic_fetch_add_explicit(&p->core_changes, 1, memory_order_relaxed);
		if (atomic_load_explicit(&p->thread, memory_order_relaxed) != me)
			atomic_fetch_add_explicit(&p->thread_changes, 1, memory_order_relaxed);
	}
	atomic_store_explicit(&p->core, core, memory_order_relaxed);
	r = p->fn(p, cx, output);
	if (r == WK_READY)
		atomic_store_explicit(&p->ready, 1, memory_order_relaxed);
	atomic_fetch_sub_explicit(&p->in_poll, 1, memory_order_relaxed);
	return r;
}

static void probe_drop(wk_future *self)
{
	probe *p = (probe *)self;
	atomic_store_explicit(&p->drop_core, wk_tpc_current_core(), memory_order_relaxed);
	atomic_store_explicit(&p->drop_thread, (unsigned long)pthread_self(),
			      memory_order_relaxed);
	/* release: a thread that sees the count sees the probe's last state.
	 * Counted before on_drop, which may free the probe. */
	atomic_fetch_add_explicit(&p->drops, 1, memory_order_release);
	if (p->on_drop != NULL)
		p->on_drop(p);
}

static const wk_future_vtable probe_vtable = {probe_poll, probe_drop};

void probe_init(probe *p, probe_fn fn, void *user)
{
	memset(p, 0, sizeof *p);
	p->base.vtable = &probe_vtable;
	p->fn = fn;
	p->user = user;
	atomic_init(&p->first_core, -9);
	atomic_init(&p->core, -9);
	atomic_init(&p->drop_core, -9);
}

void probe_free(probe *p)
{
	free(p);
}

int probe_polls(probe *p)
{
	return atomic_load_explicit(&p->polls, memory_order_acquire);
}

int probe_drops(probe *p)
{
	return atomic_load_explicit(&p->drops, memory_order_acquire);
}

wk_poll probe_ready(probe *p, const wk_context *cx, void **output)
{
	(void)cx;
	*output = p->user;
	return WK_READY;
}

wk_poll probe_pending(probe *p, const wk_context *cx, void **output)
{
	(void)p;
	(void)cx;
	(void)output;
	return WK_PENDING;
}

wk_poll probe_self_wake_local(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (++p->n >= p->limit)
		return WK_READY;
	wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

wk_poll probe_self_wake_waker(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (++p->n >= p->limit)
		return WK_READY;
	wk_waker_wake_by_ref(wk_context_waker(cx));
	return WK_PENDING;
}

wk_poll probe_forever_self_wake(probe *p, const wk_context *cx, void **output)
{
	(void)p;
	(void)output;
	wk_local_waker_wake_by_ref(wk_context_local_waker(cx));
	return WK_PENDING;
}

wk_poll probe_store_waker(probe *p, const wk_context *cx, void **output)
{
	(void)output;
	if (!p->has_waker) {
		p->waker = wk_waker_clone(wk_context_waker(cx));
		p->has_waker = true;
	}
	++p->n;
	return WK_PENDING;
}

void probe_release_wakers(probe *p)
{
	if (p->has_waker) {
		p->has_waker = false;
		wk_waker_drop(&p->waker);
	}
	if (p->has_local) {
		p->has_local = false;
		wk_local_waker_drop(&p->local);
	}
}

/* ---- sizes, timing ------------------------------------------------------------- */

unsigned long tpc_scaled(unsigned long n)
{
	const char *env = getenv("WK_TEST_SCALE");
	unsigned long d = 1;
	if (env != NULL && *env != '\0') {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (*end == '\0' && v > 0)
			d = v;
	}
	n /= d;
	return n > 0 ? n : 1;
}

uint64_t tpc_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int tpc_wait_flag(_Atomic int *flag, unsigned timeout_ms)
{
	uint64_t end = tpc_now_ns() + (uint64_t)timeout_ms * 1000000u;
	while (!atomic_load_explicit(flag, memory_order_acquire)) {
		if (tpc_now_ns() > end)
			return 0;
		sched_yield();
	}
	return 1;
}

/* ---- abort checks ---------------------------------------------------------------- */

void tpc_expect_abort(void (*fn)(void *arg), void *arg, ...)
{
	int fds[2];
	pid_t pid;
	char buf[16384];
	size_t len = 0;
	int status = 0;
	va_list ap;
	const char *want;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		sigset_t set;
		close(fds[0]);
		if (dup2(fds[1], STDERR_FILENO) < 0)
			_exit(98);
		signal(SIGABRT, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, SIGABRT);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		alarm(120);
		fn(arg);
		fputs("tpc_expect_abort: the callback returned without aborting\n", stderr);
		_exit(97);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof buf - 1) {
			char sink[4096];
			while (read(fds[0], sink, sizeof sink) > 0)
				;
			break;
		}
	}
	buf[len] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT))
		fail_msg("child did not abort (status %#x); its stderr:\n%s", status, buf);
	va_start(ap, arg);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (strstr(buf, want) == NULL)
			fail_msg("abort message lacks \"%s\"; its stderr:\n%s", want, buf);
	va_end(ap);
}

/* ---- threads -------------------------------------------------------------------- */

pthread_t tpc_thread_start(void *(*fn)(void *arg), void *arg)
{
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

void tpc_thread_join(pthread_t t)
{
	assert_int_equal(pthread_join(t, NULL), 0);
}

wk_tpc_config tpc_config(wk_tpc_mode mode, unsigned cores)
{
	wk_tpc_config c;
	wk_tpc_config_init(&c);
	c.mode = mode;
	c.cores = cores;
	return c;
}

wk_tpc_runtime *tpc_runtime(wk_tpc_mode mode, unsigned cores)
{
	wk_tpc_config c = tpc_config(mode, cores);
	return wk_tpc_create(&c);
}
