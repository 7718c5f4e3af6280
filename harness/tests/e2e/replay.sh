# harness.replay: a failure's replay token, and the equivalent run command, reproduce it.
# @proves WK-HARN-008
. "$(dirname "$0")/lib.sh"

expect_rc 1 "$W/run" "$S" run --builtin sample-lost-wake --out "$W/out" --seed 0x1234 --pressure
R="$W/out/results.jsonl"
token=$(sed -n 's/^  replay: .* replay \(wkc1\.[A-Za-z0-9_-]*\)$/\1/p' "$W/run" | head -n 1)
[ -n "$token" ] || fail "no replay line printed"
expect_eq "$token" "$(field "$R" sample.wake.during_poll replay)" "token in results.jsonl"

expect_rc 1 "$W/replay" "$S" replay "$token" --out "$W/replay.out"
RR="$W/replay.out/results.jsonl"
expect_eq "results 1 pass 0 fail 1 skip 0" "$(results "$RR")" "replay results"
expect_eq "$(field "$R" sample.wake.during_poll seed)" "$(field "$RR" sample.wake.during_poll seed)" \
	"the check's seed"
expect_grep 'SELF-003: .*polls(&p) >= 2 == 1 (0 vs 1)' "$W/replay"
expect_grep 'pressure on' "$W/replay"
# replay shows the failed check's log.
expect_grep '^---- sample.wake.during_poll' "$W/replay"

# The equivalent command line it prints does the same.
cmd=$(sed -n 's/^wakerconf: replay: //p' "$W/replay")
expect_grep 'run --builtin sample-lost-wake --profile default --seed 0x0000000000001234 --pressure --filter sample.wake.during_poll' "$W/replay"
expect_rc 1 "$W/equiv" sh -c "$cmd --out '$W/equiv.out'"
expect_eq "results 1 pass 0 fail 1 skip 0" "$(results "$W/equiv.out/results.jsonl")" "equivalent run"

# A crash replays as the same crash, for a library adapter too.
expect_rc 1 "$W/crash" "$S" run --adapter "$M/libwkc_test_crash.so" --out "$W/crash.out" \
	--filter sample.wake.hammer
token=$(field "$W/crash.out/results.jsonl" sample.wake.hammer replay)
expect_rc 1 "$W/crash.replay" "$S" replay "$token" --out "$W/crash.replay.out" --quiet
expect_segv "$W/crash.replay.out/results.jsonl" "$W/crash.replay.out" sample.wake.hammer
echo "harness.replay: ok"
