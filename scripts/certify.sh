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
stamp=$(mktemp)
trap 'rm -f "$stamp"' EXIT
build/default/harness/wakerconf certify "${target[@]}" --out build/certify "$@" || status=$?

echo "== certify: benchmark figures (tables of ns/op and ratios; informative, not part of the verdict)"
for bench in build/default/reference/bench/wk_bench build/default/reference/bench/wk_tpc_bench \
	build/default/reference/bench/wk_join_bench build/default/reference/bench/wk_exec_bench; do
	[[ -x $bench ]] && "$bench" --quick
done
echo "== certify: verdict above; full results in build/certify (exit status $status)"

# The HTML report of this run only: the results directories certify wrote or resumed
# just now (build/certify may hold older runs of other adapters).
mapfile -t runs < <(find build/certify -mindepth 3 -maxdepth 3 -name results.jsonl -newer "$stamp" -printf '%h\n' | sort)
if ((${#runs[@]} == 0)); then
	echo "== certify: no results were written, so no report" >&2
	exit "$status"
fi
rm -rf build/certify/report
echo "== certify: HTML report of this run (${#runs[@]} results directories)"
if index=$(build/default/harness/wakerconf report "${runs[@]}" --certify build/certify/certify.txt \
	-o build/certify/report); then
	echo "== certify: report: $root/$index"
else
	echo "== certify: the report could not be written (see above)" >&2
fi
exit "$status"
