#!/bin/sh
# Exact instructions per op of wk_bench cases, from callgrind (repeatable,
# unlike wall time on a shared machine).  Each case runs alone (--case), 5
# rounds of 20000 ops and no warm-up; only its run_<case> function (and what
# it calls) is counted, and the count is divided by the ops the case
# performed (total_ops).  The loop's own counter and branch are part of each
# op; the function's entry and exit add a few instructions per round.
#
# usage: callgrind_per_op.sh path/to/wk_bench [case...]
#   (default cases: bare_inc_dec floor local_clone_drop waker_clone_drop)
set -eu
bench=${1:?usage: callgrind_per_op.sh path/to/wk_bench [case...]}
shift
[ $# -gt 0 ] || set -- bare_inc_dec floor local_clone_drop waker_clone_drop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-24s %14s %10s %12s\n' case instructions ops instr/op
for c in "$@"; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$c" \
		--toggle-collect="run_$c" "$bench" --case "$c" --json \
		--iters 20000 --rounds 5 --warmup 0 \
		>"$tmp/out.$c" 2>"$tmp/err.$c" || { cat "$tmp/err.$c" >&2; exit 1; }
	ops=$(sed -n 's/.*"total_ops": \([0-9]*\).*/\1/p' "$tmp/out.$c" | head -n 1)
	ir=$(callgrind_annotate "$tmp/cg.$c" | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,)
	[ -n "$ops" ] && [ -n "$ir" ] || { echo "no figures for $c" >&2; exit 1; }
	awk -v c="$c" -v ir="$ir" -v ops="$ops" \
		'BEGIN { printf "%-24s %14d %10d %12.3f\n", c, ir, ops, ir / ops }'
done
