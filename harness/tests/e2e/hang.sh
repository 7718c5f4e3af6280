# harness.hang: an executor whose run() never returns fails each check with a timeout;
# the run finishes (exit 1, complete results) and leaves no process behind.
# @proves WK-HARN-003
. "$(dirname "$0")/lib.sh"

lib="$M/libwkc_test_hang.so"
start=$(date +%s)
expect_rc 1 "$W/run" "$S" run --adapter "$lib" --out "$W/out" --timeout-multiplier 0.2 --jobs 2
end=$(date +%s)
R="$W/out/results.jsonl"
expect_eq "results 9 pass 0 fail 6 skip 3" "$(results "$R")" "results"
expect_eq true "$(field "$R" sample.spawn.ready timed_out)" "timed_out"
# 2000 ms x 0.2
case "$(field "$R" sample.spawn.ready reason)" in
"timeout after 400 ms"*) ;;
*) fail "reason is '$(field "$R" sample.spawn.ready reason)'" ;;
esac
case "$(field "$R" sample.wake.hammer reason)" in
"timeout after 800 ms"*) ;;
*) fail "hammer reason is '$(field "$R" sample.wake.hammer reason)'" ;;
esac
[ $((end - start)) -lt 15 ] || fail "the run took $((end - start)) s"
no_process_left "$lib"
echo "harness.hang: ok"
