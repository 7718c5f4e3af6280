#!/usr/bin/env bash
# Certify: build the reference implementation with the `default` preset, run the checks
# that certify it and print its benchmark figures.  Works from any directory.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
build=build/default

# The certification proper.  THIS IS THE ONE PLACE TO CHANGE when the harness CLI lands:
# replace the body with `"$build/<path>/wakerconf" certify ...`.
certify() {
	echo "== certify: reference API tests"
	ctest --preset default -R '^ref\.'

	# Every benchmark of reference/bench (wk_bench: waker operations, then the others that
	# are built: JoinWaker, TPC runtime); each prints its own table of figures and ratios.
	local bench found=0
	for bench in "$build"/reference/bench/wk_*bench; do
		[[ -x $bench ]] || continue
		found=1
		echo "== certify: benchmark $bench"
		"$bench"
	done
	if ((!found)); then
		echo "== certify: no benchmark built in $build/reference/bench; skipped"
	fi
}

bash scripts/setup.sh
cmake --preset default
cmake --build --preset default
certify
echo "== certify: done"
