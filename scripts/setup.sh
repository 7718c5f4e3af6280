#!/usr/bin/env bash
# Install the Debian 12 packages wakerconf needs to build and test itself.
#
# Idempotent: asks dpkg what is missing, and only then runs apt-get update + install
# (with sudo when not root).  Extra packages may be named on the command line:
#   bash scripts/setup.sh [package...]
# On a system without apt-get it only checks that the tools are on PATH.
set -euo pipefail

packages=(
	cmake              # the build (presets need >= 3.25; Debian 12 has 3.25.1)
	make               # CMake's default generator
	gcc                # default compiler, and gcc's ASan/UBSan/TSan runtimes
	libc6-dev          # C headers and crt files: only a Recommends of gcc, and setup skips recommends
	clang              # second compiler; the asan and tsan presets
	libclang-rt-14-dev # clang 14's sanitizer runtimes
	libcmocka-dev      # unit-test framework of the reference tests
	valgrind           # the valgrind preset runs every test executable under memcheck
	pkg-config         # the package.consumer_pkgconfig test
	# The Rust executors certified through conformance/adapters/rust and benchmarked by
	# wk_exec_bench / wk_tpc_bench: Debian's cargo builds them offline from these crates.
	cargo
	librust-tokio-dev
	librust-async-task-dev
	librust-futures-executor-dev
	librust-futures-util-dev
	librust-futures-task-dev
	librust-libc-dev
	# fuzz/: AFL++ (afl-clang-fast, afl-fuzz, afl-tmin, afl-cmin) and afl-plot's gnuplot;
	# libFuzzer comes with libclang-rt-14-dev.
	afl++
	gnuplot-nox
	# reports/: the report is opened in a real browser, and its SARIF validated with ajv.
	chromium
	nodejs
	node-ajv
)
packages+=("$@")

have_package() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
	echo "setup: no apt-get/dpkg here; checking the tools instead of installing packages"
	missing_tools=()
	for tool in cmake make gcc clang valgrind pkg-config; do
		command -v "$tool" >/dev/null 2>&1 || missing_tools+=("$tool")
	done
	if ((${#missing_tools[@]})); then
		echo "setup: missing tools: ${missing_tools[*]} (install them with your package manager)" >&2
		exit 1
	fi
	echo "setup: all tools found (cmocka and the sanitizer runtimes are not checked)"
	exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
	have_package "$pkg" || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "setup: all ${#packages[@]} packages present"
else
	sudo_cmd=()
	if [[ $(id -u) -ne 0 ]]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "setup: missing packages ${missing[*]}, and no root or sudo to install them" >&2
			exit 1
		fi
		sudo_cmd=(sudo)
	fi
	echo "setup: installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	"${sudo_cmd[@]}" apt-get update -q
	"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Presets version 6 (workflow presets) need CMake 3.25.
cmake_version=$(cmake --version | sed -n '1s/^cmake version \([0-9.]*\).*/\1/p')
if [[ $(printf '%s\n3.25\n' "$cmake_version" | sort -V | head -n1) != 3.25 ]]; then
	echo "setup: CMake $cmake_version is too old: wakerconf needs 3.25 or newer" >&2
	exit 1
fi
