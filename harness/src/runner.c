/*
 * runner.c - the parent's loop: start children, read their report lines,
 * reap them, enforce timeouts.
 *
 * Modelled on libuv's test runner (one process per test, a timeout scaled
 * by a multiplier), with a few additions: children run in parallel, each
 * in its own process group so a timeout kills whatever the check started,
 * and a SIGCHLD self-pipe wakes the poll loop the moment a child exits.
 */
#define _GNU_SOURCE
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"
#include "spawn.h"
#include "util.h"
#include "verdict.h"

#define DEFAULT_TIMEOUT_MS 10000u

typedef struct slot {
	bool busy;
	const wkc_check *check;
	pid_t pid;
	int fd; /* -1 once the pipe reached EOF */
	double deadline_ms, start_ms;
	unsigned timeout_ms;
	wkc__buf partial; /* an incomplete report line */
	wkc__result r;
	char *expect, *skip_msg, *error_msg;
	bool done;
	char *log_rel, *san_rel, *vg_rel;
	char first_id[64];
} slot;

static int wake_pipe[2] = {-1, -1};
static volatile sig_atomic_t stop_signal;

static void poke(void)
{
	int saved = errno;
	char c = 0;
	if (write(wake_pipe[1], &c, 1) < 0) {
		/* Full pipe: the loop is already due to wake up. */
	}
	errno = saved;
}

static void on_sigchld(int sig)
{
	(void)sig;
	poke();
}

static void on_stop(int sig)
{
	stop_signal = sig;
	poke();
}

unsigned wkc__check_timeout_ms(const wkc_check *c)
{
	return c->timeout_ms ? c->timeout_ms : DEFAULT_TIMEOUT_MS;
}

static void handle_line(slot *s, const char *line)
{
	wkc__proto_line l;
	if (wkc__proto_parse(line, &l) != 0)
		return; /* not ours: ignore rather than guess */
	if (strcmp(l.verb, "expect") == 0) {
		free(s->expect);
		s->expect = wkc__xstrdup(l.id);
	} else if (strcmp(l.verb, "fail") == 0) {
		wkc__result_add_failure(&s->r, l.id, l.msg);
	} else if (strcmp(l.verb, "unexercised") == 0) {
		wkc__result_add_unexercised(&s->r, l.id, l.msg);
	} else if (strcmp(l.verb, "note") == 0) {
		wkc__result_add_note(&s->r, l.msg);
	} else if (strcmp(l.verb, "skip") == 0) {
		free(s->skip_msg);
		s->skip_msg = wkc__xstrdup(l.msg);
	} else if (strcmp(l.verb, "error") == 0) {
		free(s->error_msg);
		s->error_msg = wkc__xstrdup(l.msg);
	} else if (strcmp(l.verb, "done") == 0) {
		s->done = true;
	}
	wkc__proto_line_free(&l);
}

/* Read whatever the child has written so far. */
static void drain(slot *s)
{
	char chunk[4096];
	while (s->fd >= 0) {
		ssize_t n = read(s->fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return; /* EAGAIN: nothing more for now */
		if (n == 0) {
			close(s->fd);
			s->fd = -1;
			break;
		}
		wkc__buf_add(&s->partial, chunk, (size_t)n);
		for (;;) {
			char *nl = s->partial.s ? memchr(s->partial.s, '\n', s->partial.len) : NULL;
			size_t used;
			if (nl == NULL)
				break;
			*nl = '\0';
			handle_line(s, s->partial.s);
			used = (size_t)(nl - s->partial.s) + 1;
			memmove(s->partial.s, nl + 1, s->partial.len - used + 1);
			s->partial.len -= used;
		}
	}
}

static void start(const wkc__runner_cfg *cfg, slot *s, const wkc_check *c)
{
	char seed_hex[32], scale[32], deadline[32], err[300];
	char *stem = wkc__file_stem(c->name);
	char *log_abs, *san_abs, *vg_abs = NULL;
	char **wrapper;
	uint64_t seed = wkc__check_seed(cfg->run_seed, c->name);

	memset(s, 0, sizeof *s);
	s->check = c;
	s->fd = -1;
	s->r.check = wkc__xstrdup(c->name);
	s->r.ids = wkc__xstrdup(c->ids);
	s->r.seed = seed;
	snprintf(s->first_id, sizeof s->first_id, "%.*s", (int)strcspn(c->ids, " "), c->ids);
	s->log_rel = wkc__xasprintf("logs/%s.log", stem);
	s->san_rel = wkc__xasprintf("san/%s", stem);
	if (cfg->profile->kind == WKC__PROF_VALGRIND)
		s->vg_rel = wkc__xasprintf("vg/%s.xml", stem);
	log_abs = wkc__xasprintf("%s/%s", cfg->out_dir, s->log_rel);
	san_abs = wkc__xasprintf("%s/%s", cfg->out_dir, s->san_rel);
	if (s->vg_rel)
		vg_abs = wkc__xasprintf("%s/%s", cfg->out_dir, s->vg_rel);

	snprintf(seed_hex, sizeof seed_hex, "0x%016llx", (unsigned long long)seed);
	snprintf(scale, sizeof scale, "%g", wkc__profile_scale_for(cfg->profile, cfg->multiplier));
	{
		char *argv[] = {
			(char *)wkc__self_exe(), "__child", "--check", (char *)c->name,
			"--seed", seed_hex, "--scale", scale,
			"--pressure", cfg->pressure ? "1" : "0", "--deadline-ms", deadline,
			"--report-fd", "3",
			(char *)cfg->adapter_opt, (char *)cfg->adapter_value, NULL,
		};
		wkc__spawn_req req = {argv, NULL, log_abs, san_abs, cfg->bi};
		wrapper = wkc__profile_valgrind_argv(cfg->profile, vg_abs);
		req.wrapper = wrapper;
		s->timeout_ms = (unsigned)((double)wkc__check_timeout_ms(c) * cfg->multiplier);
		s->start_ms = wkc__now_ms();
		s->deadline_ms = s->start_ms + s->timeout_ms;
		/* The child's watchdog reports a stuck adapter call before this. */
		snprintf(deadline, sizeof deadline, "%.0f", s->deadline_ms);
		s->pid = wkc__spawn(&req, &s->fd, err, sizeof err);
		if (s->pid < 0)
			s->error_msg = wkc__xasprintf("cannot start the child: %s", err);
	}
	for (size_t i = 0; wrapper && wrapper[i]; i++)
		free(wrapper[i]);
	free(wrapper);
	free(stem);
	free(log_abs);
	free(san_abs);
	free(vg_abs);
	s->busy = true;
	if (cfg->on_start)
		cfg->on_start(cfg->ud, c);
}

static void finish(const wkc__runner_cfg *cfg, slot *s, int wait_status, bool timed_out)
{
	wkc__child_outcome o;
	drain(s);
	/* Whatever the check left in its group (helper processes) goes too. */
	if (s->pid > 0)
		kill(-s->pid, SIGKILL);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	memset(&o, 0, sizeof o);
	o.wait_status = wait_status;
	o.timed_out = timed_out;
	o.timeout_ms = s->timeout_ms;
	o.done = s->done;
	o.skip_msg = s->skip_msg;
	o.error_msg = s->error_msg;
	o.expect = s->expect;
	o.first_id = s->first_id;
	o.pid = s->pid;
	o.out_dir = cfg->out_dir;
	o.log_rel = s->log_rel;
	o.san_rel = s->san_rel;
	o.vg_rel = s->vg_rel;
	o.profile = cfg->profile;
	s->r.ms = wkc__now_ms() - s->start_ms;
	wkc__verdict(&s->r, &o);
	cfg->on_result(cfg->ud, s->check, &s->r);
	wkc__result_free(&s->r);
	wkc__buf_free(&s->partial);
	free(s->expect);
	free(s->skip_msg);
	free(s->error_msg);
	free(s->log_rel);
	free(s->san_rel);
	free(s->vg_rel);
	memset(s, 0, sizeof *s);
	s->fd = -1;
}

static void kill_and_reap(slot *s)
{
	int st;
	kill(-s->pid, SIGKILL);
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
}

static void install(int sig, void (*fn)(int), struct sigaction *old)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
	sigaction(sig, &sa, old);
}

int wkc__runner_run(const wkc__runner_cfg *cfg, const wkc_check *const *checks, size_t n)
{
	unsigned jobs = cfg->jobs ? cfg->jobs : 1;
	slot *slots = wkc__xcalloc(jobs, sizeof *slots);
	struct pollfd *pfds = wkc__xcalloc(jobs + 1, sizeof *pfds);
	struct sigaction old_chld, old_int, old_term;
	size_t next = 0;
	unsigned busy = 0;
	int interrupted = 0;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		wkc__error("pipe: %s", strerror(errno));
		exit(WKC__EXIT_USAGE);
	}
	stop_signal = 0;
	install(SIGCHLD, on_sigchld, &old_chld);
	install(SIGINT, on_stop, &old_int);
	install(SIGTERM, on_stop, &old_term);
	for (unsigned i = 0; i < jobs; i++)
		slots[i].fd = -1;

	for (;;) {
		double now;
		int timeout = 1000, np = 0;
		if (stop_signal) {
			interrupted = stop_signal;
			break;
		}
		for (unsigned i = 0; i < jobs && next < n; i++) {
			if (!slots[i].busy) {
				start(cfg, &slots[i], checks[next++]);
				busy++;
				if (slots[i].pid < 0) { /* could not start: a failed check */
					finish(cfg, &slots[i], 0, false);
					busy--;
				}
			}
		}
		if (busy == 0)
			break;

		now = wkc__now_ms();
		pfds[np].fd = wake_pipe[0];
		pfds[np++].events = POLLIN;
		for (unsigned i = 0; i < jobs; i++) {
			if (!slots[i].busy)
				continue;
			if (slots[i].fd >= 0) {
				pfds[np].fd = slots[i].fd;
				pfds[np++].events = POLLIN;
			}
			if (slots[i].deadline_ms - now < timeout)
				timeout = slots[i].deadline_ms - now < 0 ? 0
									 : (int)(slots[i].deadline_ms - now) + 1;
		}
		if (poll(pfds, (nfds_t)np, timeout) < 0 && errno != EINTR) {
			wkc__error("poll: %s", strerror(errno));
			exit(WKC__EXIT_USAGE);
		}
		{
			char sink[64];
			while (read(wake_pipe[0], sink, sizeof sink) > 0)
				;
		}
		now = wkc__now_ms();
		for (unsigned i = 0; i < jobs; i++) {
			slot *s = &slots[i];
			int st;
			pid_t w;
			if (!s->busy)
				continue;
			drain(s);
			w = waitpid(s->pid, &st, WNOHANG);
			if (w == s->pid) {
				finish(cfg, s, st, false);
				busy--;
			} else if (now >= s->deadline_ms) {
				kill(-s->pid, SIGKILL);
				kill(s->pid, SIGKILL);
				while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
					;
				finish(cfg, s, st, true);
				busy--;
			}
		}
	}

	if (interrupted) {
		for (unsigned i = 0; i < jobs; i++) {
			if (!slots[i].busy)
				continue;
			kill_and_reap(&slots[i]);
			if (slots[i].fd >= 0)
				close(slots[i].fd);
			wkc__result_free(&slots[i].r);
			wkc__buf_free(&slots[i].partial);
			free(slots[i].expect);
			free(slots[i].skip_msg);
			free(slots[i].error_msg);
			free(slots[i].log_rel);
			free(slots[i].san_rel);
			free(slots[i].vg_rel);
		}
	}
	sigaction(SIGCHLD, &old_chld, NULL);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	wake_pipe[0] = wake_pipe[1] = -1;
	free(slots);
	free(pfds);
	return interrupted;
}
