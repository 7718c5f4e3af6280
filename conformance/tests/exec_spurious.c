/*
 * exec_spurious.c - spec/executor.md section 6: spurious polls.
 *
 * A poll that no wake asked for is allowed (WK-EXEC-024 is a MAY): the
 * probes tolerate it, and the suite reports how many there were.  Every
 * check's judgement notes them too; this check makes sure there is a
 * number in every report, zero included.
 */
#include <stdlib.h>

#include "checks.h"

/* @proves WK-EXEC-024 */
void wkc_chk_poll_spurious(wkc_ctx *cx)
{
	static const wkc_step yield[] = {S(1, 5, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL)};
	static const wkc_step burst[] = {SN(1, 2, WKC_OP_WAKE_BY_REF, WKC_SRC_CX_LOCAL, 4)};
	static const wkc_step foreign[] = {
		HAND(1, 5, WKC_SRC_CX, WKC_CA_WAKE, WKC_TRIG_AFTER_POLL, 0, 0),
	};
	static const wkc_probe_spec specs[] = {SPEC(6, yield), SPEC(3, burst), SPEC(6, foreign)};
	bool ts = (wkc_adapter_of(cx)->caps & WKC_CAP_THREAD_SAFE_WAKERS) != 0;
	wkc_scene *s = wkc_scene_begin(cx, &(wkc_scene_opts){.ids = WKC_IDS(poll_spurious),
							     .couriers = ts ? 1 : 0,
							     .no_spurious_note = true});
	wkc_probe *ps[3];
	size_t n = ts ? 3 : 2, ne;
	unsigned polls = 0;
	wkc_event *ev;
	wkc_finding f;
	for (size_t i = 0; i < n; i++)
		ps[i] = wkc_scene_probe(s, &specs[i]);
	wkc_scene_spawn_each(s, ps, n, WKC_ANY_CORE, 0);
	wkc_scene_settle(s);
	ev = wkc_trace_snapshot(s->trace, &ne);
	if (ev == NULL)
		wkc_skip(cx, "harness: out of memory reading the trace");
	for (size_t i = 0; i < ne; i++)
		polls += ev[i].kind == WKC_EV_POLL_BEGIN;
	wkc_oracle_spurious(ev, ne, NULL, &f);
	free(ev);
	wkc_note(cx, "spurious polls (WK-EXEC-024, reported, never a failure): %u of %u polls%s%s", f.count,
		 polls, f.count ? "; first: " : "", f.first);
	wkc_scene_finish(s);
}
