# harness.valgrind: --profile valgrind wraps each child in Valgrind (no instrumented
# build needed); a Valgrind error fails the check with the id in effect and the result
# points to the XML report.
# @proves WK-HARN-002 WK-HARN-013
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
[ -z "$WKC_SANITIZE" ] || skip "this tree is built with -fsanitize=$WKC_SANITIZE"

expect_rc 0 "$W/good" "$S" run --adapter "$M/libwkc_test_good.so" --profile valgrind \
	--filter 'sample.spawn.ready,sample.wake.driver,sample.wake.hammer' --out "$W/good.out"
expect_eq "results 3 pass 3 fail 0 skip 0" "$(results "$W/good.out/results.jsonl")" "memcheck, good"
[ -f "$W/good.out/vg/sample.spawn.ready.xml" ] || fail "no Valgrind XML written"

# The leaky executor passes every assertion, but memcheck sees the lost task objects.
expect_rc 1 "$W/leak" "$S" run --adapter "$M/libwkc_test_leak.so" --profile valgrind \
	--filter sample.spawn.ready --out "$W/leak.out"
R="$W/leak.out/results.jsonl"
expect_eq fail "$(field "$R" sample.spawn.ready status)" "status"
expect_eq SELF-005 "$(field "$R" sample.spawn.ready charged)" "charged id"
expect_eq vg/sample.spawn.ready.xml "$(field "$R" sample.spawn.ready report)" "report"
case "$(field "$R" sample.spawn.ready reason)" in
"Valgrind memcheck: "*"Leak_DefinitelyLost"*) ;;
*) fail "reason is '$(field "$R" sample.spawn.ready reason)'" ;;
esac
expect_grep "report: $W/leak.out/vg/sample.spawn.ready.xml" "$W/leak"

# helgrind sees the unsynchronised refcount of the racy executor.
expect_rc 1 "$W/racy" "$S" run --adapter "$M/libwkc_test_racy.so" --profile valgrind:helgrind \
	--filter sample.wake.hammer --out "$W/racy.out"
case "$(field "$W/racy.out/results.jsonl" sample.wake.hammer reason)" in
"Valgrind helgrind: "*"Race"*) ;;
*) fail "helgrind reason is '$(field "$W/racy.out/results.jsonl" sample.wake.hammer reason)'" ;;
esac
echo "harness.valgrind: ok"
