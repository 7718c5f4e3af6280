/*
 * check_list.h - every conformance check, one line each, in a stable order
 * (X-macro, like libuv's test-list.h).  Include it with WKC_CHECK defined:
 *
 *   WKC_CHECK(function, "section.group.case", "ids", needs_caps, refuses_caps, timeout_ms)
 *
 * The function is wkc_chk_<function> in conformance/tests/exec_<section>.c
 * and carries a "@proves" tag naming exactly the ids of its line (the
 * ctest conformance.tags_match compares them).  Requirement ids are in
 * spec/executor.ids (and, for what executors owe the API's extended and
 * core waker rules, spec/api.ids); section numbers below are those of
 * spec/executor.md.
 */

#define WKC__TS WKC_CAP_THREAD_SAFE_WAKERS

/* 1. Polls and wakes (exec_wake.c) */
WKC_CHECK(poll_first, "exec.poll.first", "WK-EXEC-001", 0, 0, 10000)
WKC_CHECK(wake_after_pending, "exec.wake.after_pending", "WK-EXEC-002 WK-EXEC-003", 0, 0, 10000)
WKC_CHECK(wake_same_thread, "exec.wake.same_thread", "WK-EXEC-002", 0, 0, 10000)
WKC_CHECK(wake_foreign, "exec.wake.foreign_thread", "WK-EXEC-003", WKC__TS, 0, 10000)
WKC_CHECK(wake_during_poll, "exec.wake.during_poll", "WK-EXEC-004", 0, 0, 10000)
WKC_CHECK(wake_during_poll_foreign, "exec.wake.during_poll_foreign", "WK-EXEC-004", WKC__TS, 0, 10000)
WKC_CHECK(wake_poll_end_race, "exec.wake.poll_end_race", "WK-EXEC-004", WKC__TS, 0, 20000)
WKC_CHECK(wake_park_race, "exec.wake.park_race", "WK-EXEC-003", WKC__TS, 0, 20000)
WKC_CHECK(wake_run_park_race, "exec.wake.run_park_race", "WK-EXEC-025", WKC__TS, 0, 20000)
WKC_CHECK(wake_coalesce, "exec.wake.coalesce", "WK-EXEC-005", 0, 0, 10000)
WKC_CHECK(wake_old_waker, "exec.wake.old_waker", "WK-EXEC-006", 0, 0, 10000)

/* 2. Completion (exec_completion.c) */
WKC_CHECK(ready_no_poll_after, "exec.ready.no_poll_after", "WK-EXEC-007", 0, 0, 10000)
WKC_CHECK(ready_wake_completed, "exec.ready.wake_completed", "WK-EXEC-009", 0, WKC_CAP_LOCAL_ONLY, 10000)
WKC_CHECK(drop_exactly_once, "exec.drop.exactly_once", "WK-EXEC-018", 0, 0, 10000)

/* 3. Exclusion and placement (exec_placement.c) */
WKC_CHECK(poll_exclusive, "exec.poll.exclusive", "WK-EXEC-008", 0, 0, 10000)
WKC_CHECK(poll_not_inline, "exec.poll.not_inline", "WK-EXEC-026", 0, 0, 10000)
WKC_CHECK(placement_local, "exec.placement.local", "WK-EXEC-012", WKC_CAP_SPAWN_LOCAL, 0, 10000)
WKC_CHECK(placement_cores, "exec.placement.cores", "WK-EXEC-012",
	  WKC_CAP_THREAD_PER_CORE | WKC_CAP_SPAWN_ON_CORE, 0, 10000)

/* 4. Wakers (exec_wakers.c) */
WKC_CHECK(waker_hammer, "exec.waker.hammer", "WK-EXEC-011 WK-EXEC-004", WKC__TS, 0, 20000)
WKC_CHECK(waker_atomic_count, "exec.waker.atomic_count", "WK-EXEC-013", WKC__TS, 0, 20000)
WKC_CHECK(waker_ordering, "exec.waker.ordering", "WK-EXEC-014", WKC__TS, 0, 10000)
WKC_CHECK(wake_never_blocks, "exec.wake.never_blocks", "WK-EXEC-015", WKC__TS, 0, 20000)
WKC_CHECK(waker_will_wake, "exec.waker.will_wake", "WK-EXEC-020", 0, 0, 10000)
WKC_CHECK(waker_local_same_task, "exec.waker.local_same_task", "WK-EXEC-021", 0, 0, 10000)
WKC_CHECK(ctx_local_only, "exec.ctx.local_only", "WK-EXEC-022", WKC_CAP_LOCAL_ONLY, 0, 10000)
WKC_CHECK(ctx_waker_present, "exec.ctx.waker_present", "WK-EXEC-023", 0, WKC_CAP_LOCAL_ONLY, 10000)
WKC_CHECK(ctx_lazy_waker, "exec.ctx.lazy_waker", "WK-EXT-008", 0, WKC_CAP_LOCAL_ONLY, 10000)
WKC_CHECK(waker_borrowed_foreign, "exec.waker.borrowed_foreign", "WK-EXEC-028 WK-RAW-005", WKC__TS, 0, 20000)
/* (exec_wakers_local.c) */
WKC_CHECK(ctx_local_task_waker, "exec.ctx.local_task_waker", "WK-EXEC-027", WKC_CAP_SPAWN_LOCAL,
	  WKC_CAP_LOCAL_ONLY, 20000)

/* 5. Lifetimes (exec_lifetime.c) */
WKC_CHECK(outlive_executor, "exec.lifetime.outlive_executor", "WK-EXEC-010 WK-EXEC-018", WKC__TS, 0, 10000)
WKC_CHECK(drop_wakes, "exec.lifetime.drop_wakes", "WK-EXEC-016", 0, 0, 10000)
WKC_CHECK(shutdown_wakes, "exec.lifetime.shutdown", "WK-EXEC-017 WK-EXEC-018", 0, 0, 10000)
WKC_CHECK(no_leak, "exec.lifetime.no_leak", "WK-EXEC-019", WKC_CAP_LIVE_TASKS, 0, 10000)

/* 6. Spurious polls (exec_spurious.c) */
WKC_CHECK(poll_spurious, "exec.poll.spurious", "WK-EXEC-024", 0, 0, 10000)
