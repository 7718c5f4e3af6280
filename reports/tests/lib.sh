# Shared by the reports/ test scripts (POSIX sh).  The environment comes from
# tests/CMakeLists.txt: WAKERCONF, SELFTEST, FIXTURES, WORK.
set -u
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
ok() {
	echo "ok: $*"
}
need() { # file pattern what
	grep -q -- "$2" "$1" || fail "$3 (no '$2' in $1)"
}
fresh() { # a clean work directory
	rm -rf "$WORK/$1" && mkdir -p "$WORK/$1" && echo "$WORK/$1"
}
