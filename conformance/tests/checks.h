/*
 * checks.h - what the exec_*.c files share: the prototypes and indexes of
 * the checks (from check_list.h) and shorthands for probe scripts.
 */
#ifndef WKC_CHECKS_H
#define WKC_CHECKS_H

#include <stddef.h>

#include "probe.h"
#include "scene.h"
#include "wkc/registry.h"

#define WKC_CHECK(fn, name, ids, needs, refuses, ms) void wkc_chk_##fn(wkc_ctx *cx);
#include "check_list.h"
#undef WKC_CHECK

enum {
#define WKC_CHECK(fn, name, ids, needs, refuses, ms) WKC_IDX_##fn,
#include "check_list.h"
#undef WKC_CHECK
	WKC_IDX_COUNT
};

/* The ids string of a check, from its line in check_list.h. */
#define WKC_IDS(fn) (wkc_check_list[WKC_IDX_##fn].ids)

/* Script shorthands.  S(first, last, op, src): a step on phases first..last
 * (last 0: first only). */
#define S(f, l, o, s_) {.first = (f), .last = (l), .op = (o), .src = (s_)}
/* The same, repeated n times per phase. */
#define SN(f, l, o, s_, n) {.first = (f), .last = (l), .op = (o), .src = (s_), .count = (n)}
/* A step on a slot: KEEP into it, DROP it, or use it as the source. */
#define SLOT(f, l, o, s_, slot_) {.first = (f), .last = (l), .op = (o), .src = (s_), .slot = (slot_)}
/* A step on a peer's export. */
#define PEER(f, l, o, peer_) {.first = (f), .last = (l), .op = (o), .src = WKC_SRC_PEER, .peer = (peer_)}
/* Hand a clone of src to courier c: action, trigger, delay (us). */
#define HAND(f, l, s_, act, trig, c, us)                                                \
	{.first = (f), .last = (l), .op = WKC_OP_HANDOFF, .src = (s_), .action = (act), \
	 .trigger = (trig), .courier = (c), .arg = (us)}
#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))
#define SPEC(ready, steps_) {.ready_phase = (ready), .steps = (steps_), .nsteps = NSTEPS(steps_)}

/* Capability shorthands. */
#define HAS(s, cap) (((s)->a->caps & (cap)) != 0)

#endif /* WKC_CHECKS_H */
