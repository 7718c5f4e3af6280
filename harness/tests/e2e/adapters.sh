# harness.adapters: built-ins are listed; a library adapter loads and is described.
# @proves WK-HARN-001
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$W/list" "$S" adapters
expect_grep '^sample  *1.0  *abi 1  THREAD_SAFE_WAKERS|LIVE_TASKS' "$W/list"
expect_grep '^sample-lost-wake ' "$W/list"
expect_rc 0 "$W/good" "$S" adapters --adapter "$M/libwkc_test_good.so"
expect_grep '^sample-good  *1.0  *abi 1' "$W/good"
# A bare file name in the current directory is that file, not a library search.
(cd "$M" && "$S" adapters --adapter libwkc_test_good.so) >"$W/bare" 2>&1 || fail "bare name did not load"
expect_grep '^sample-good' "$W/bare"
expect_rc 2 "$W/missing" "$S" adapters --adapter "$W/nonexistent.so"
expect_grep "adapter $W/nonexistent.so: no such file" "$W/missing"
echo "not a library" >"$W/text.so"
expect_rc 2 "$W/text" "$S" adapters --adapter "$W/text.so"
expect_grep "adapter $W/text.so: cannot load" "$W/text"
echo "harness.adapters: ok"
