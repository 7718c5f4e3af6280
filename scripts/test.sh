#!/usr/bin/env bash
# Build wakerconf and run its tests: setup, then configure + build + test one preset
# (`default` unless told otherwise).  Works from any directory.
#
#   bash scripts/test.sh                      # cmake --workflow --preset default
#   bash scripts/test.sh -j2 -R '^ref\.'      # extra arguments go to ctest
#   bash scripts/test.sh --preset asan        # any preset of CMakePresets.json
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

preset=default
case "${1-}" in
--preset) preset=${2:?"--preset needs a name"}; shift 2 ;;
--preset=*) preset=${1#--preset=}; shift ;;
esac

bash scripts/setup.sh

if (($# == 0)); then
	cmake --workflow --preset "$preset"
else
	# A workflow takes no ctest arguments: run its three steps one by one.
	cmake --preset "$preset"
	cmake --build --preset "$preset"
	ctest --preset "$preset" "$@"
fi
