#!/bin/sh
# exec_compare.sh - wk_exec_bench's side-by-side table with exact instruction
# counts beside the times, in one command:
#   1. instructions per op of every single-thread-shaped case, from callgrind
#      (reference/bench/tokio/instr_per_op.sh: two round sizes, by difference),
#   2. the timed run, interleaved as always, printing them in an instr/op
#      column and each ratio's instruction ratio beside its time ratio.
# The cross-thread cases (xwake_*) get no count: their instructions include
# however long a thread waited, which is not a cost of the executor.
#
# usage: exec_compare.sh path/to/wk_exec_bench [wk_exec_bench options...]
#   e.g. reference/bench/exec_compare.sh build/default/reference/bench/wk_exec_bench
# Needs valgrind (callgrind); about a minute and a half on 2 cores (callgrind
# runs each case twice, then the full timed run).
set -eu
bench=${1:?usage: exec_compare.sh path/to/wk_exec_bench [options...]}
shift
here=$(dirname "$0")
[ -x "$bench" ] || {
	echo "exec_compare.sh: $bench is not an executable (build it: cmake --build build/default --target wk_exec_bench)" >&2
	exit 2
}
command -v valgrind >/dev/null || {
	echo "exec_compare.sh: valgrind is not installed (apt-get install valgrind)" >&2
	exit 2
}
instr=$(mktemp)
trap 'rm -f "$instr"' EXIT
cases=$("$bench" --list | grep -v '^xwake_')
n=$(echo "$cases" | wc -l)
echo "exec_compare.sh: callgrind, $n cases x 2 round sizes ..." >&2
# shellcheck disable=SC2086 # one case name per word
N1=${N1:-4000} N2=${N2:-24000} "$here/tokio/instr_per_op.sh" "$bench" $cases | tee "$instr" >&2
"$bench" --instr "$instr" "$@"
