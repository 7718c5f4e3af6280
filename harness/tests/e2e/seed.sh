# harness.seed: every run is seeded and prints its seed; a check's seed depends only on
# the run seed and the check's name.
# @proves WK-HARN-007
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$W/a" "$S" run --builtin sample --out "$W/a.out" --seed 99
expect_rc 0 "$W/b" "$S" run --builtin sample --out "$W/b.out" --seed 99 --filter sample.wake.hammer
expect_rc 0 "$W/c" "$S" run --builtin sample --out "$W/c.out" --seed 100
A=$(field "$W/a.out/results.jsonl" sample.wake.hammer seed)
B=$(field "$W/b.out/results.jsonl" sample.wake.hammer seed)
C=$(field "$W/c.out/results.jsonl" sample.wake.hammer seed)
expect_eq "$A" "$B" "check seed under a filter"
[ "$A" != "$C" ] || fail "another run seed gave the same check seed"
[ "$A" != "$(field "$W/a.out/results.jsonl" sample.spawn.ready seed)" ] || fail "two checks share a seed"
expect_grep "sample.wake.hammer (SELF-004 SELF-005) on sample 1.0, seed $A" "$W/a.out/logs/sample.wake.hammer.log"

# Without --seed: one from the clock, printed, recorded.
expect_rc 0 "$W/d" "$S" run --builtin sample --out "$W/d.out"
printed=$(sed -n 's/^wakerconf: run: .* seed \(0x[0-9a-f]*\),.*/\1/p' "$W/d")
[ -n "$printed" ] || fail "no seed printed"
expect_grep "\"seed\":\"$printed\"" "$W/d.out/results.jsonl"
echo "harness.seed: ok"
