# harness.crash: an executor that crashes (SIGSEGV in poll) fails every check that polls,
# each with its signal (or, in a sanitizer build, the sanitizer's report of the crash),
# charged to the id in effect; the run finishes with exit 1 and a complete results file.
# @proves WK-HARN-002 WK-HARN-011
. "$(dirname "$0")/lib.sh"

expect_rc 1 "$W/run" "$S" run --adapter "$M/libwkc_test_crash.so" --out "$W/out"
R="$W/out/results.jsonl"
expect_eq "results 9 pass 0 fail 6 skip 3" "$(results "$R")" "results"
for c in sample.spawn.ready sample.wake.driver sample.wake.during_poll sample.wake.hammer \
	sample.leak.live_tasks sample.wake.coalesce; do
	expect_segv "$R" "$W/out" $c
	expect_eq false "$(field "$R" $c completed)" "$c completed"
	[ -f "$W/out/$(field "$R" $c log)" ] || fail "$c: no log file"
done
# Charged to the id the check named last with wkc_expect before the crash.
expect_eq SELF-001 "$(field "$R" sample.wake.driver charged)" "charged id of sample.wake.driver"
expect_eq SELF-004 "$(field "$R" sample.wake.hammer charged)" "charged id of sample.wake.hammer"
expect_eq SELF-005 "$(field "$R" sample.leak.live_tasks charged)" "charged id of sample.leak.live_tasks"
expect_grep "^FAIL sample.wake.driver: SELF-001: $SEGV_RE" "$W/run"
expect_grep '  replay: .* replay wkc1\.' "$W/run"
expect_grep '^FAIL: 4 MUST requirements failed: SELF-001 SELF-003 SELF-004 SELF-005' "$W/run"
# SELF-002's only check died before judging it.
expect_grep '^  NOT TESTED  SELF-002 ' "$W/run"
expect_grep 'sample.wake.driver ended before judging it' "$W/run"
echo "harness.crash: ok"
