#!/usr/bin/env bash
# Certify the built-in reference executor: build the harness twice (the `default` preset and
# the ThreadSanitizer `tsan` preset, which certify needs for its tsan profile), run
# `wakerconf certify` on every mode of the reference runtime and print the verdict, then print
# the benchmark figures.  Works from any directory; extra arguments go to `wakerconf certify`
# (e.g. --seed 42, or --builtin ref.tpc to certify one mode).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash scripts/setup.sh
echo "== certify: building the default and tsan harnesses (build/default, build/tsan)"
cmake --preset default >/dev/null
cmake --build --preset default
cmake --preset tsan >/dev/null
cmake --build --preset tsan --target wakerconf

target=(--builtin all)
for arg in "$@"; do
	case $arg in --builtin | --builtin=* | --adapter | --adapter=*) target=() ;; esac
done

status=0
build/default/harness/wakerconf certify "${target[@]}" --out build/certify "$@" || status=$?

echo "== certify: benchmark figures (tables of ns/op and ratios; informative, not part of the verdict)"
for bench in build/default/reference/bench/wk_bench build/default/reference/bench/wk_tpc_bench \
	build/default/reference/bench/wk_join_bench; do
	[[ -x $bench ]] && "$bench" --quick
done
echo "== certify: verdict above; full results in build/certify (exit status $status)"
exit "$status"
