#!/bin/sh
# Exact instructions per op of wk_tpc_bench cases, reference and tokio side
# by side, from callgrind: repeatable where wall time on a shared machine is
# not.  The work of wk_tpc_bench runs on runtime threads (a reference core,
# the tokio runtime thread), so every thread is counted and the fixed costs
# (process start, runtime creation, handing a round over, spinning before
# parking) are removed by difference: each case runs alone (--case) for one
# round of N1 and then of N2 ops, no warm-up, and
#     instr/op = (Ir(N2) - Ir(N1)) / (ops(N2) - ops(N1)).
# Instructions are not time: an atomic read-modify-write is one instruction
# that costs some 20 cycles, so these ratios understate what atomics cost.
#
# usage: instr_per_op.sh path/to/wk_tpc_bench [case...]
#   (default: the single-core cases and their tokio twins; the tokio cases
#   exist only in a build with tokio rows, see reference/bench/tokio.cmake)
# Any bench of bench_util.h works (--case, --json, total_ops): wk_exec_bench
# too (reference/bench/exec_compare.sh).  N1 and N2 in the environment change
# the two round sizes.  The output is what a bench's --instr FILE reads.
set -eu
bench=${1:?usage: instr_per_op.sh path/to/wk_tpc_bench [case...]}
shift
[ $# -gt 0 ] || set -- self_wake_local self_wake_waker clone_wake_local clone_wake_waker \
	pingpong_local pingpong_waker spawn_complete \
	tokio_self_wake tokio_clone_wake tokio_pingpong tokio_spawn_complete
n1=${N1:-20000}
n2=${N2:-120000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# count CASE N: prints "instructions ops" of one round of N ops.
count()
{
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$bench" --case "$1" --json \
		--iters "$2" --rounds 1 --warmup 0 >"$tmp/out" 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		exit 1
	}
	ops=$(sed -n 's/.*"total_ops": \([0-9]*\).*/\1/p' "$tmp/out" | head -n 1)
	ir=$(callgrind_annotate "$tmp/cg" | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	[ -n "$ops" ] && [ -n "$ir" ] || {
		echo "no figures for $1 (is it a case of this build? see --list)" >&2
		exit 1
	}
	echo "$ir $ops"
}

printf '%-22s %12s\n' case instr/op
for c in "$@"; do
	a=$(count "$c" "$n1")
	b=$(count "$c" "$n2")
	echo "$c $a $b" | awk '{ printf "%-22s %12.1f\n", $1, ($4 - $2) / ($5 - $3) }'
done
