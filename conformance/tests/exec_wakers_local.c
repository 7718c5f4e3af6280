/*
 * exec_wakers_local.c - section 4 of spec/executor.md, for local tasks: the
 * thread-safe waker a local task's context must carry in the core profile.
 *
 * The merged API makes the context's waker mandatory, so an executor whose
 * local tasks cannot be woken from another thread must still hand one out.
 * WK-EXEC-027 takes the proposal's position: that waker either works from
 * any thread (the wake is routed to the task's thread) or, under
 * WKC_CAP_FOREIGN_WAKE_ABORTS, aborts the process with a message; it is
 * never a silent noop.  A policy that aborts can only be judged in a process
 * of its own, so the check runs the task in a grandchild.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"
#include "grandchild.h"

/* Grandchild exit statuses; anything else is a signal or the executor's. */
enum {
	GC_SERVED = 0,      /* the foreign wake got the task polled */
	GC_NO_SETUP = 3,    /* create, trace or probe set failed */
	GC_NO_SPAWN = 4,    /* the local spawn was refused */
	GC_NEVER_POLLED = 6, /* the task never exported its waker */
	GC_LOST = 5,        /* woken from another thread, never polled again, no abort */
};

/* Marker on stderr once the foreign wake returned, so the parent can tell
 * an abort in the wake from one in the executor afterwards. */
#define WAKE_RETURNED "wakerconf-check: foreign wake returned\n"

static void *wake_export_here(void *arg)
{
	wkc_probe *p = arg;
	wkc_held_wake_by_ref(wkc_probe_export(p), 0);
	return NULL;
}

/* Run a->run in slices until done(p) or ms elapsed. */
static bool run_until(const wkc_adapter *a, wkc_executor *ex, wkc_probe *p,
		      bool (*done)(wkc_probe *), double ms)
{
	double end = wkc_scene_now_ms() + ms;
	while (!done(p)) {
		if (wkc_scene_now_ms() > end)
			return false;
		(void)a->run(ex, 20000000ull);
	}
	return true;
}

static bool exported(wkc_probe *p)
{
	return wkc_probe_export(p) != NULL && wkc_probe_polls_ended(p) >= 1;
}

static bool completed(wkc_probe *p)
{
	return wkc_probe_complete(p);
}

typedef struct foreign_wake_arg {
	const wkc_adapter *a;
	double ms; /* bound of each stage */
} foreign_wake_arg;

/* A local task exports its context's waker in its first poll and is Ready
 * on its second; a thread of its own wakes the export once. */
static void run_foreign_wake_in_grandchild(void *arg)
{
	const foreign_wake_arg *fw = arg;
	const wkc_adapter *a = fw->a;
	double ms = fw->ms;
	static const wkc_step export_cx[] = {S(1, 0, WKC_OP_EXPORT, WKC_SRC_CX)};
	static const wkc_probe_spec spec = SPEC(2, export_cx);
	wkc_config cfg = {sizeof cfg, 0, 1};
	char err[256] = "";
	wkc_executor *ex;
	wkc_trace *t;
	wkc_probe_set *set;
	wkc_probe_set_opts o = {0};
	wkc_probe *p;
	pthread_t tid;

	ex = a->create(&cfg, err, sizeof err);
	t = wkc_trace_new(64);
	o.trace = t;
	set = t ? wkc_probe_set_new(&o) : NULL;
	if (ex == NULL || set == NULL)
		_exit(GC_NO_SETUP);
	p = wkc_probe_new(set, &spec);
	wkc_probe_set_local(p, true);
	if (a->spawn(ex, wkc_probe_future(p), WKC_ANY_CORE, WKC_SPAWN_LOCAL) != 0)
		_exit(GC_NO_SPAWN);
	if (!run_until(a, ex, p, exported, ms))
		_exit(GC_NEVER_POLLED);
	if (pthread_create(&tid, NULL, wake_export_here, p) != 0)
		_exit(GC_NO_SETUP);
	pthread_join(tid, NULL);
	(void)!write(STDERR_FILENO, WAKE_RETURNED, strlen(WAKE_RETURNED));
	/* Leaves the executor as it is: the verdict is this process's fate. */
	_exit(run_until(a, ex, p, completed, ms) ? GC_SERVED : GC_LOST);
}

/*
 * A local task's context waker, woken once from a thread of the
 * grandchild's own: the task must be polled again (routed), or, when the
 * executor claims WKC_CAP_FOREIGN_WAKE_ABORTS, the process must die by
 * SIGABRT with a message on stderr.  A wake that returns and leaves the
 * task pending, with no abort, is the silent noop the proposal forbids.
 */
/* @proves WK-EXEC-027 */
void wkc_chk_ctx_local_task_waker(wkc_ctx *cx)
{
	const wkc_adapter *a = wkc_adapter_of(cx);
	bool may_abort = (a->caps & WKC_CAP_FOREIGN_WAKE_ABORTS) != 0;
	double scale = wkc_scale(cx) > 0 ? wkc_scale(cx) : 1;
	double bound = 3000.0 / scale;
	foreign_wake_arg fw = {a, bound};
	wkc_grandchild g;
	const char *out = g.out;
	int status;

	/* First, while this process runs no executor threads. */
	wkc_grandchild_run(cx, run_foreign_wake_in_grandchild, &fw, 3 * bound + 2000.0, &g);
	status = g.status;
	if (g.killed) {
		wkc_fail(cx, "WK-EXEC-027",
			 "the grandchild running a local task woken from another thread neither "
			 "finished nor aborted within %.0f ms (killed); stderr: %.300s",
			 3 * bound + 2000.0, out);
		return;
	}

	if (WIFEXITED(status)) {
		switch (WEXITSTATUS(status)) {
		case GC_SERVED: /* routed: the waker works from any thread */
			wkc_note(cx, "a foreign wake of a local task was routed: the task was polled again");
			return;
		case GC_LOST:
			wkc_fail(cx, "WK-EXEC-027",
				 "a wake of a local task's context waker from another thread returned "
				 "and the task was never polled again within %.0f ms, and nothing "
				 "aborted: a silent noop waker%s",
				 bound, may_abort ? " (the executor claims WKC_CAP_FOREIGN_WAKE_ABORTS, "
						    "so the wake had to abort)" : "");
			return;
		case GC_NO_SPAWN:
			wkc_unexercised(cx, "WK-EXEC-027", "the executor refused a local spawn");
			return;
		case GC_NEVER_POLLED:
			wkc_unexercised(cx, "WK-EXEC-027",
					"the local task was not polled within %.0f ms in the grandchild "
					"(other checks judge first polls)", bound);
			return;
		default:
			wkc_unexercised(cx, "WK-EXEC-027",
					"the grandchild could not set up (exit %d); stderr: %.300s",
					WEXITSTATUS(status), out);
			return;
		}
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) {
		/* What the executor wrote before the abort, without our marker. */
		bool in_wake = strstr(out, WAKE_RETURNED) == NULL;
		if (!may_abort)
			wkc_fail(cx, "WK-EXEC-027",
				 "a wake of a local task's context waker from another thread aborted "
				 "(%s), but the executor does not claim WKC_CAP_FOREIGN_WAKE_ABORTS; "
				 "stderr: %.300s",
				 in_wake ? "in the wake" : "after it", out);
		else if (out[0] == '\0' || (!in_wake && strcmp(out, WAKE_RETURNED) == 0))
			wkc_fail(cx, "WK-EXEC-027",
				 "a foreign wake of a local task aborted without a message on stderr: "
				 "the abort must say why");
		else
			wkc_note(cx, "a foreign wake of a local task aborted %s, as claimed: %.200s",
				 in_wake ? "in the wake" : "after it", out);
		return;
	}
	wkc_fail(cx, "WK-EXEC-027",
		 "the grandchild running a local task woken from another thread died by signal "
		 "%d; stderr: %.300s",
		 WIFSIGNALED(status) ? WTERMSIG(status) : -1, out);
}
