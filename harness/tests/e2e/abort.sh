# harness.abort: an executor that aborts fails with SIGABRT and a finished run.
# @proves WK-HARN-002 WK-HARN-011
. "$(dirname "$0")/lib.sh"

expect_rc 1 "$W/run" "$S" run --adapter "$M/libwkc_test_abort.so" --out "$W/out"
R="$W/out/results.jsonl"
expect_eq "results 9 pass 0 fail 6 skip 3" "$(results "$R")" "results"
expect_eq 6 "$(field "$R" sample.spawn.ready signal)" "signal"
case "$(field "$R" sample.spawn.ready reason)" in
"killed by signal 6 (SIGABRT)"*) ;;
*) fail "reason is '$(field "$R" sample.spawn.ready reason)'" ;;
esac
echo "harness.abort: ok"
