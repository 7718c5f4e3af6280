# harness.resume: a run killed with SIGKILL midway keeps every result it recorded (one
# per line, never half a line); --resume finishes it without losing or repeating a
# check, and refuses to continue a run made with another adapter, profile or seed.
# @proves WK-HARN-005
. "$(dirname "$0")/lib.sh"

lib="$M/libwkc_test_hang.so"
R="$W/out/results.jsonl"
# Each check hangs for its timeout (0.5 s here), one at a time: slow enough to kill.
"$S" run --adapter "$lib" --out "$W/out" --jobs 1 --timeout-multiplier 0.25 --seed 7 \
	>"$W/first" 2>&1 &
pid=$!
wait_for_lines "$R" 5 # header, 2 capability skips, 2 finished checks
kill -9 $pid
wait $pid
no_process_left "$lib"
results "$R" >/dev/null
done_before=$(($(wc -l <"$R") - 1))
[ $done_before -lt 9 ] || fail "the run finished before it was killed"
cp "$R" "$W/before"
# A write cut short by a power cut or a full disk: the reader must drop it.
printf '{"type":"result","check":"sample.wake.coal' >>"$R"

expect_rc 2 "$W/seed" "$S" run --adapter "$lib" --out "$W/out" --resume --seed 8
expect_grep "cannot resume $W/out: it was run with a different seed" "$W/seed"
expect_rc 2 "$W/adapter" "$S" run --builtin sample --out "$W/out" --resume
expect_grep "cannot resume $W/out: it was run with a different adapter" "$W/adapter"
case $OTHER_PROFILE in # the instrumented profiles load the adapter's instrumented build
tsan) instrumented="--adapter-tsan $lib" ;;
asan) instrumented="--adapter-asan $lib" ;;
*) instrumented="" ;;
esac
# shellcheck disable=SC2086 # $instrumented is two words or none
expect_rc 2 "$W/profile" "$S" run --adapter "$lib" $instrumented --out "$W/out" --resume \
	--profile $OTHER_PROFILE
expect_grep "cannot resume $W/out: it was run with a different profile" "$W/profile"
expect_rc 2 "$W/pressure" "$S" run --adapter "$lib" --out "$W/out" --resume --pressure
expect_grep "different pressure setting" "$W/pressure"

# Same adapter and profile; the seed comes from the results file.
expect_rc 1 "$W/resumed" "$S" run --adapter "$lib" --out "$W/out" --resume --jobs 2 \
	--timeout-multiplier 0.25
expect_grep 'seed 0x0000000000000007' "$W/resumed"
expect_grep '(resuming)' "$W/resumed"
expect_eq "results 9 pass 0 fail 6 skip 3" "$(results "$R")" "results after resume"
# What was recorded before the kill is still there, unchanged, first.
head -n $((done_before + 1)) "$R" | cmp -s - "$W/before" || fail "earlier results changed"
# The resumed run ran only the checks it had no result for.
started=$(grep -c '^FAIL sample' "$W/resumed")
expect_eq $((9 - 3 - (done_before - 2))) "$started" "checks run again"
echo "harness.resume: ok (killed after $done_before results)"
