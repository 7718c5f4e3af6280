# harness.pass: a correct executor passes (exit 0), built in or as a library, with and
# without schedule pressure; notes are shown, not failed.
# @proves WK-HARN-011
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$W/lib" "$S" run --adapter "$M/libwkc_test_good.so" --out "$W/lib.out"
expect_eq "results 9 pass 6 fail 0 skip 3" "$(results "$W/lib.out/results.jsonl")" "results"
expect_grep '^PASS: 9 checks (6 pass, 0 fail, 3 skip)' "$W/lib"
expect_grep '^  PASS        SELF-001 ' "$W/lib"
expect_grep '^  SKIP        SELF-006 ' "$W/lib"
expect_grep 'sample.local.owner: needs LOCAL_WAKERS' "$W/lib"
expect_grep 'skipped: the executor does not report its core count' "$W/lib"
expect_grep 'note: sample.wake.coalesce: 3 wakes while pending gave 1 poll(s)' "$W/lib"
expect_grep '^notes (reported, not failures)' "$W/lib"
expect_grep '^PASS: 9 checks' "$W/lib.out/summary.txt"
[ -f "$W/lib.out/logs/sample.spawn.ready.log" ] || fail "no log for sample.spawn.ready"
expect_grep '^wakerconf: check sample.spawn.ready (SELF-001) on sample-good 1.0, seed 0x' \
	"$W/lib.out/logs/sample.spawn.ready.log"

expect_rc 0 "$W/builtin" "$S" run --builtin sample --out "$W/builtin.out" --jobs 1 --pressure
expect_grep 'pressure on' "$W/builtin"
expect_eq "results 9 pass 6 fail 0 skip 3" "$(results "$W/builtin.out/results.jsonl")" "results"

expect_rc 0 "$W/quiet" "$S" run --builtin sample --out "$W/quiet.out" --quiet
expect_no_grep '^requirements' "$W/quiet"
expect_grep '^PASS: 9 checks' "$W/quiet"

# Every built-in in turn: the lost-wake one fails, so the run does.
expect_rc 1 "$W/all" "$S" run --builtin all --out "$W/all.out" --quiet --junit "$W/all.xml"
expect_eq "results 9 pass 6 fail 0 skip 3" "$(results "$W/all.out/sample/results.jsonl")" "sample"
expect_eq "results 9 pass 5 fail 1 skip 3" \
	"$(results "$W/all.out/sample-lost-wake/results.jsonl")" "sample-lost-wake"
"$T" xml "$W/all.sample.xml" >/dev/null || fail "JUnit of sample"
"$T" xml "$W/all.sample-lost-wake.xml" >/dev/null || fail "JUnit of sample-lost-wake"
echo "harness.pass: ok"
