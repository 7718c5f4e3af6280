/*
 * tpc_sched.c - fuzz target: the reference runtime in deterministic mode.
 * The input chooses a small program (tasks, self-wakes, local and foreign
 * wakes, deferred foreign wakes, clones held across polls, spawns from
 * tasks, joins, timers, JoinWaker children, shutdown at any step) and the
 * schedule; tpc_prog.c runs it and judges it.  Input format: tpc_prog.h.
 *
 * Same input, same trace: the replay build runs every input twice and
 * fails when the two runs' traces differ (AFL++ reads the same property
 * as stability, which must be 100%).
 */
#include <inttypes.h>
#include <stdint.h>

#include "tpc_prog.h"
#include "wkf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tp_prog p;
	tp_result a = {0};
	tp_parse(&p, data, size);
	tp_run(&p, &a);
#if defined(WKF_ENGINE_REPLAY)
	{
		tp_result b = {0};
		tp_run(&p, &b);
		if (a.trace_hash != b.trace_hash || a.events != b.events || a.steps != b.steps)
			wkf_fail("tpc_sched", "two runs of one input differ: trace %016" PRIx64 " / %016" PRIx64
				 ", %" PRIu64 " / %" PRIu64 " events, %zu / %zu steps",
				 a.trace_hash, b.trace_hash, a.events, b.events, a.steps, b.steps);
	}
#endif
	return 0;
}

/* The smallest program (one task, Ready at once): the one-time
 * initialisations (the driving thread's id, the runtime's statics) happen
 * before AFL++'s fork server (fuzz_main.h, WKF_WARMUP).  Nothing richer:
 * a warm-up that hits an injected bug would kill the fork server. */
WKF_UNUSED static void tpc_sched_warmup(void)
{
	static const uint8_t empty[] = {0x00};
	LLVMFuzzerTestOneInput(empty, sizeof empty);
}
#define WKF_WARMUP tpc_sched_warmup

#include "fuzz_main.h"
