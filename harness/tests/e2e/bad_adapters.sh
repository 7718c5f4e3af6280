# harness.bad_adapters: each broken adapter is a clean one-line load error (exit 2)
# naming the file and the problem, for run and for adapters; nothing is run.
# @proves WK-HARN-001 WK-HARN-011
. "$(dirname "$0")/lib.sh"

check_bad() {
	lib="$M/libwkc_bad_$1.so"
	[ -f "$lib" ] || fail "missing test adapter $lib"
	expect_rc 2 "$W/$1.run" "$S" run --adapter "$lib" --out "$W/$1.out"
	expect_eq 1 "$(wc -l <"$W/$1.run")" "lines of the load error for $1"
	expect_grep "^wakerconf: error: adapter $lib: .*$2" "$W/$1.run"
	[ ! -e "$W/$1.out/results.jsonl" ] || fail "$1: a results file was started"
	expect_rc 2 "$W/$1.adapters" "$S" adapters --adapter "$lib"
	expect_grep "^wakerconf: error: adapter $lib: .*$2" "$W/$1.adapters"
	expect_rc 2 "$W/$1.certify" "$S" certify --adapter "$lib" --profiles default --out "$W/$1.c"
	expect_grep "$2" "$W/$1.certify"
}

check_bad no_entry 'no entry symbol wkc_adapter_entry'
check_bad null_table 'wkc_adapter_entry() returned NULL'
check_bad version_99 'unknown abi_version 99 (this harness knows 1\.\.1)'
check_bad version_0 'unknown abi_version 0 '
check_bad null_run 'required function run is NULL'
check_bad name 'name "Bad Name!" is not \[a-z0-9_.-\]+'
check_bad local_only_thread_safe 'contradictory capabilities: LOCAL_ONLY .* with THREAD_SAFE_WAKERS'
check_bad local_only_no_local_wakers 'contradictory capabilities: LOCAL_ONLY without LOCAL_WAKERS'
check_bad foreign_aborts_no_local 'contradictory capabilities: FOREIGN_WAKE_ABORTS without SPAWN_LOCAL or THREAD_PER_CORE'
check_bad live_tasks_null 'LIVE_TASKS claimed but live_tasks is NULL'
check_bad unknown_caps 'unknown capability bits 0x100000'
echo "harness.bad_adapters: ok"
