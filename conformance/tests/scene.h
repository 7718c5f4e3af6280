/*
 * scene.h - what every executor check does around its probes: create the
 * executor, the trace and the probe set; spawn; drive the executor until
 * the tasks are done or a bounded wait ends; judge the trace with the
 * oracles; destroy; judge again; free.
 *
 *     wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = ..., .lost_id = ...});
 *     wkc_probe *p = wkc_scene_probe(s, &spec);
 *     wkc_scene_spawn_or_skip(s, p, WKC_ANY_CORE, 0);
 *     wkc_scene_settle(s);          // drive, then record the checkpoint
 *     wkc_scene_finish(s);          // judge, destroy, judge the drops, free
 *
 * Each oracle maps to a requirement id (wkc_scene_opts.id_for overrides the
 * defaults).  Every violation an oracle finds fails its id, whichever check
 * saw it: oracles have no false positives in any check, so a violation of
 * an id that other checks prove still counts (the result names the check
 * that saw it and the evidence).
 *
 * EXERCISED
 *   A check passes an id only if it exercised it.  The scene reports every
 *   id of the check "not exercised" when the executor polled none of the
 *   tasks it accepted; checks add their own conditions (a pair that had to
 *   share a thread, a payload that had to be read) with
 *   wkc_scene_unexercised.
 *
 * BOUNDED WAITS
 *   Every wait is bounded and scaled by the wait factor, 1 / wkc_scale()
 *   clamped to [1, 30]: 1 natively, 4 under ThreadSanitizer, 10 to 30 under
 *   Valgrind, following the runner's timeout multiplier so that a slow tool
 *   never turns a correct executor into a lost wakeup.  Fast failure: an
 *   executor whose run() says IDLE three times in a row while a wake that
 *   completed before the call is still owed a poll is not waited for.
 */
#ifndef WKC_SCENE_H
#define WKC_SCENE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oracles.h"
#include "probe.h"
#include "wkc/check.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wkc_scene_opts {
	const char *ids;        /* the check's ids string (required) */
	const char *lost_id;    /* id a lost wakeup breaks (default WK-EXEC-002) */
	/* Per-oracle id overrides (NULL: the default of scene.c). */
	const char *id_for[WKC_OR_COUNT];
	unsigned couriers;      /* courier threads (0: none) */
	size_t trace_capacity;  /* events (0: 65536) */
	uint32_t cores;         /* wkc_config.cores (0: the adapter's default) */
	bool no_spurious_note;  /* the check's own wakes are not all recorded */
} wkc_scene_opts;

typedef struct wkc_scene {
	wkc_ctx *cx;
	const wkc_adapter *a;
	wkc_executor *ex; /* NULL once destroyed */
	wkc_trace *trace;
	wkc_probe_set *set;
	double wait_factor;
	wkc_scene_opts o;
	uint32_t driver;  /* wk_thread_id() of the driver thread */
	unsigned accepted, refused;
	bool judged_early;
	wkc_finding early[WKC_OR_COUNT];
	int last_run;     /* last wkc_run_result, -1 before the first run */
} wkc_scene;

/* Never returns NULL (harness failures end the check as a skip with the
 * reason; the adapter's create failure fails the check, see wkc_create). */
wkc_scene *wkc_scene_begin(wkc_ctx *cx, const wkc_scene_opts *o);

/* A new probe in the scene's set. */
wkc_probe *wkc_scene_probe(wkc_scene *s, const wkc_probe_spec *spec);

/* Spawn p (recorded).  Returns the adapter's result: 0, or -1 refused. */
int wkc_scene_spawn(wkc_scene *s, wkc_probe *p, int core, uint32_t flags);
/* Spawn p; a refusal ends the check as skipped ("the executor accepts at
 * most N tasks at once"). */
void wkc_scene_spawn_or_skip(wkc_scene *s, wkc_probe *p, int core, uint32_t flags);

/* Spawn every probe of ps; when the executor refuses one, let the tasks
 * already spawned finish (settle) and try again once, so that executors
 * that run one task at a time still run them all (in turn); a second
 * refusal ends the check as skipped.  For tasks that complete by
 * themselves. */
void wkc_scene_spawn_each(wkc_scene *s, wkc_probe *const *ps, size_t n, int core, uint32_t flags);

/* Drive until p's poll number `polls` has returned with no wake owed (or
 * p completed).  False when the bound passed first. */
bool wkc_scene_wait_polled(wkc_scene *s, wkc_probe *p, uint32_t polls);
/* Drive until every probe of ps has published its export (or completed). */
bool wkc_scene_wait_exports(wkc_scene *s, wkc_probe *const *ps, size_t n);

/* Flags and core for a task that must stay on one thread: WKC_SPAWN_LOCAL
 * when the executor honours it, core 0 when it pins cores.  Returns false
 * when the executor offers neither and may move tasks between threads. */
bool wkc_scene_pinned_spawn(const wkc_scene *s, int *core, uint32_t *flags);
/* Flags and core for a local task (WKC_SPAWN_LOCAL, core 0 when cores can
 * be chosen): the only tasks that keep local wakers beyond a poll.  False
 * when the executor does not honour WKC_SPAWN_LOCAL. */
bool wkc_scene_local_spawn(const wkc_scene *s, int *core, uint32_t *flags);

/* Drive until done(s, arg) is true or bound_ms (scaled) passed. */
typedef bool (*wkc_scene_pred)(wkc_scene *s, void *arg);
/* A predicate that is never true: drive for the whole bound. */
bool wkc_scene_never(wkc_scene *s, void *arg);
bool wkc_scene_drive(wkc_scene *s, wkc_scene_pred done, void *arg, double bound_ms);

/* Drive until every accepted task completed, or until it is clear that
 * some will not (quiescent with a wake owed, or the bound passed), then
 * record the checkpoint.  Returns true when every task completed. */
bool wkc_scene_settle(wkc_scene *s);
/* Same, but stop at quiescence (tasks may stay pending on purpose). */
void wkc_scene_quiesce(wkc_scene *s);

/* Run the oracles on what happened so far and report (once). */
void wkc_scene_judge(wkc_scene *s);

/* Drop every export the probes published (thread-safe ones, and local
 * ones owned by this thread). */
void wkc_scene_drop_exports(wkc_scene *s);

/*
 * When the adapter claims WKC_CAP_LIVE_TASKS: wait (bounded, driving the
 * executor) until live_tasks() reads 0 and record the sample that the
 * NO_LEAK oracle judges.  Precondition: every task completed and the
 * harness holds no waker (checked: a harness error otherwise).
 */
void wkc_scene_expect_no_leak(wkc_scene *s);

/* Destroy the executor (recorded).  Idempotent. */
void wkc_scene_destroy(wkc_scene *s);

/* Judge (if not yet), destroy (if not yet), judge the drops, free; then
 * name WK-EXEC-019 as what a leak checker's report at exit breaks.
 * (wkc_scene_begin names the check's first id again.) */
void wkc_scene_finish(wkc_scene *s);

/* Report a failure of id (whether or not the check proves it). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void wkc_scene_fail(wkc_scene *s, const char *id, const char *fmt, ...);

/* id could not be exercised here (why); see wkc_unexercised. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void wkc_scene_unexercised(wkc_scene *s, const char *id, const char *fmt, ...);

/*
 * One run() call of timeout_ns, recorded (RUN_BEGIN flagged JUDGE_SERVE,
 * RUN_END) for the served-in-run oracle: long calls during which foreign
 * wakes land while the driver may be asleep inside run().  Returns run()'s
 * result.
 */
int wkc_scene_run_judged(wkc_scene *s, uint64_t timeout_ns);
/* How many wakes the served-in-run oracle could judge so far. */
unsigned wkc_scene_served_judged(wkc_scene *s);

/* True when id is one of the check's ids. */
bool wkc_scene_proves(const wkc_scene *s, const char *id);

/* The scaled bound: ms * wait factor. */
double wkc_scene_ms(const wkc_scene *s, double ms);
double wkc_scene_now_ms(void);

/* Count of something scaled by wkc_scale (at least min). */
unsigned wkc_scene_scaled(const wkc_scene *s, unsigned native, unsigned min);

#ifdef __cplusplus
}
#endif

#endif /* WKC_SCENE_H */
