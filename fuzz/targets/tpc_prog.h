/*
 * tpc_prog.h - a small concurrent program for the reference runtime's
 * deterministic mode, and the oracles that judge one run of it.  Shared by
 * the tpc_sched fuzz target (the input chooses program and schedule) and
 * by fuzz/explore (every schedule of one program).
 *
 * INPUT FORMAT (also in fuzz/README.md; missing bytes read as 0)
 *   byte 0   bits 0-1  cores - 1 (3 reads as 0: one core)
 *            bit  2    waker kind: 0 cheap waker, 1 on_waker constructor
 *            bits 3-4  initial tasks - 1 (1..4); task i runs script i on
 *                      core i mod cores
 *            bit  5    shut down (destroy) after `byte 1` scheduler steps
 *            bit  6    initial tasks are local-only (WK_TPC_SPAWN_LOCAL)
 *   byte 1   the shutdown step (when bit 5)
 *   scripts  4 times: a length byte (mod 9: 0..8 ops) then that many ops;
 *            op = opcode << 4 | arg (tpc_prog.c lists the 16 opcodes)
 *   rest     the schedule: wk_tpc_config.schedule, one byte per choice
 */
#ifndef WKF_TPC_PROG_H
#define WKF_TPC_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TP_SCRIPTS 4
#define TP_OPS 8
#define TP_MAX_TASKS 12
#define TP_SLOTS 4
#define TP_MAX_STEPS 20000

typedef struct tp_prog {
	unsigned cores;
	unsigned waker_kind; /* wk_tpc_waker_kind */
	unsigned ntasks;
	bool local_tasks;
	bool shutdown_set;
	uint32_t shutdown_step;
	uint8_t len[TP_SCRIPTS];
	uint8_t ops[TP_SCRIPTS][TP_OPS];
	const uint8_t *sched;
	size_t sched_len;
} tp_prog;

typedef struct tp_result {
	uint64_t trace_hash;  /* the runtime's trace hash, before destroy */
	uint64_t events;      /* events the oracles judged */
	size_t steps;
	size_t bytes_used;    /* schedule bytes the scheduler consumed */
	bool quiescent;       /* ran to quiescence (not shut down early) */
} tp_result;

/* Decode an input; returns how many bytes the header and scripts took (the
 * schedule is the rest). */
size_t tp_parse(tp_prog *p, const uint8_t *data, size_t size);

/* Encode a program back into input bytes (header and scripts, no
 * schedule) into out (at least 2 + TP_SCRIPTS * (TP_OPS + 1) bytes).
 * Returns the length. */
size_t tp_encode(const tp_prog *p, uint8_t *out);

/* Run the program under its schedule and judge it: every violation ends
 * the process through wkf_fail. */
void tp_run(const tp_prog *p, tp_result *r);

#endif /* WKF_TPC_PROG_H */
