# harness.select: list, --filter (names, ids, exclusions) and --shard choose the checks;
# a selection that is empty is a usage error, and a run in which every check was skipped
# is not a pass.
# @proves WK-HARN-009 WK-HARN-018
. "$(dirname "$0")/lib.sh"

count() { # the "N checks" line of `list`
	sed -n 's/^\([0-9]*\) checks\{0,1\}.*/\1/p' "$1"
}
expect_rc 0 "$W/all" "$S" list
expect_eq 9 "$(count "$W/all")" "all checks"
expect_grep '^sample.wake.hammer  *4000ms  SELF-004 SELF-005  *needs THREAD_SAFE_WAKERS' "$W/all"
expect_rc 0 "$W/for" "$S" list --builtin sample
expect_grep '^    SKIP for sample: needs LOCAL_WAKERS' "$W/for"
expect_grep '^9 checks, 2 skipped for sample 1.0' "$W/for"

expect_rc 0 "$W/glob" "$S" list --filter 'sample.wake.*'
expect_eq 4 "$(count "$W/glob")" "sample.wake.*"
expect_rc 0 "$W/id" "$S" list --filter SELF-001
expect_eq 3 "$(count "$W/id")" "checks naming SELF-001"
expect_rc 0 "$W/idglob" "$S" list --filter 'SELF-00[12]'
expect_eq 3 "$(count "$W/idglob")" "checks naming SELF-001 or SELF-002"
expect_rc 0 "$W/excl" "$S" list --filter 'sample.*,-sample.wake.*'
expect_eq 5 "$(count "$W/excl")" "exclusion"
expect_rc 0 "$W/onlyexcl" "$S" list --filter '-SELF-001'
expect_eq 6 "$(count "$W/onlyexcl")" "exclusion alone"

# Shards partition the selection.
expect_rc 0 "$W/s1" "$S" list --shard 1/2
expect_rc 0 "$W/s2" "$S" list --shard 2/2
expect_eq 5 "$(count "$W/s1")" "shard 1/2"
expect_eq 4 "$(count "$W/s2")" "shard 2/2"
grep '^sample\.' "$W/s1" | cut -d' ' -f1 >"$W/n1"
grep '^sample\.' "$W/s2" | cut -d' ' -f1 >"$W/n2"
grep '^sample\.' "$W/all" | cut -d' ' -f1 | sort >"$W/nall"
sort "$W/n1" "$W/n2" | cmp -s - "$W/nall" || fail "shards do not partition the checks"
[ -z "$(sort "$W/n1" "$W/n2" | uniq -d)" ] || fail "a check is in two shards"
expect_rc 0 "$W/sf" "$S" list --filter 'sample.wake.*' --shard 2/2
expect_eq 2 "$(count "$W/sf")" "shard of a filter"

# run honours the same selection.
expect_rc 0 "$W/run" "$S" run --builtin sample --filter 'sample.wake.*' --shard 1/2 --out "$W/run.out"
expect_eq "results 2 pass 2 fail 0 skip 0" "$(results "$W/run.out/results.jsonl")" "filtered run"
# Ids whose checks were not selected are NOT TESTED, and do not fail the run.
expect_grep '^  NOT TESTED  SELF-003 ' "$W/run"
expect_rc 2 "$W/none" "$S" run --builtin sample --filter 'nothing*' --out "$W/none.out"
expect_grep "no check matches --filter 'nothing\*'" "$W/none"
[ ! -e "$W/none.out/results.jsonl" ] || fail "an empty selection wrote results"
# Every selected check skipped: NOT TESTED, exit 1.
expect_rc 1 "$W/skipped" "$S" run --builtin sample --filter 'sample.local.*,sample.local_only.*' \
	--out "$W/skipped.out"
expect_grep '^NOT TESTED: 2 checks (0 pass, 0 fail, 2 skip)' "$W/skipped"

expect_rc 0 "$W/reqs" "$S" list --requirements
expect_grep '^SELF-001  *MUST   core       3 checks  a spawned future' "$W/reqs"
expect_grep '^SELF-007  *SHOULD' "$W/reqs"
echo "harness.select: ok"
