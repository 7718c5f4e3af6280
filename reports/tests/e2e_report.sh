#!/bin/sh
# wakerconf report on real runs (fixtures/runs/mutant: a TSan and a default run of the
# nonatomic_refcount mutant, laid out as certify writes them), history against a
# baseline, and wakerconf merge of shards.
. "$(dirname "$0")/lib.sh"
w=$(fresh e2e)

# ---- the report -------------------------------------------------------------------------
# The fixtures were made in a checkout at /work/main: read the sources from this one.
"$WAKERCONF" report "$FIXTURES/runs/mutant" -o "$w/r1" --source-map "/work/main=$SOURCE_DIR" \
	>"$w/out" 2>"$w/err" || fail "report exited $?: $(cat "$w/err")"
need "$w/out" "$w/r1/index.html" "the path of index.html is printed"
for f in index.html races.html memory.html failures.html fuzz.html history.html spec.html report.json report.sarif; do
	[ -s "$w/r1/$f" ] || fail "$f not written"
done
need "$w/r1/index.html" 'id="verdict">FAIL' "the verdict is FAIL (a MUST requirement failed)"
# the matrix: one row per id, a column per profile, WK-EXEC-013 failed under both
row=$(grep -o '<tr class="req" id="m-mutant.nonatomic_refcount-WK-EXEC-013">.*</tr>' "$w/r1/index.html" | sed 's|</tr>.*||')
[ -n "$row" ] || fail "no matrix row for WK-EXEC-013"
[ "$(printf '%s' "$row" | grep -o 'class="FAIL"' | wc -l)" -eq 2 ] || fail "WK-EXEC-013 is not FAIL under both profiles: $row"
printf '%s' "$row" | grep -q 'href="spec.html#WK-EXEC-013"' || fail "the id does not link to its text"
need "$w/r1/spec.html" 'id="WK-EXEC-013"' "spec.html has the requirement's anchor"
need "$w/r1/spec.html" 'no non-atomic reference count' "spec.html has the requirement's text"
ok "overview: verdict, matrix, spec links"

# races: both accesses side by side, the heap block, thread creations, replay commands
need "$w/r1/races.html" 'class="side access-a"' "first access"
need "$w/r1/races.html" 'class="side access-b"' "second access"
need "$w/r1/races.html" '<b>ref_retain</b>' "the clone side's frame"
need "$w/r1/races.html" '<b>mx_task_release</b>' "the release side's frame"
need "$w/r1/races.html" 'Location is heap block' "the heap block"
need "$w/r1/races.html" 'created by' "thread creations"
need "$w/r1/races.html" 'wakerconf replay wkc1\.' "replay commands"
need "$w/r1/races.html" 'class="hl"' "a source snippet around a frame"
"$WAKERCONF" report "$FIXTURES/runs/mutant" -o "$w/r0" --source-map "/work/main=$w/nowhere" --quiet >/dev/null ||
	fail "report with sources elsewhere"
grep -q 'class="hl"' "$w/r0/races.html" && fail "a snippet was read though the sources are mapped to nowhere"
# dedup: the 12 raw reports are fewer races, each listing its checks
line=$(grep 'raw sanitizer/Valgrind report' "$w/err")
raw=$(echo "$line" | sed 's/.*; \([0-9]*\) raw.*/\1/')
races=$(echo "$line" | sed 's/.*-> \([0-9]*\) distinct race.*/\1/')
[ "$raw" -eq 12 ] || fail "expected 12 raw reports: $line"
[ "$races" -ge 1 ] && [ "$races" -lt "$raw" ] || fail "dedup did not reduce 12 reports: $line"
ok "races: $raw raw reports -> $races distinct races, both sides shown"
need "$w/r1/failures.html" 'exec.wake.foreign_thread' "failed checks listed"
need "$w/r1/report.json" '"schema":"wakerconf-report","version":1' "report.json's schema and version"

# ---- history: the same runs minus the default profile: its failures are fixed ------------------
mkdir -p "$w/only_tsan" && cp -r "$FIXTURES/runs/mutant/tsan" "$w/only_tsan/"
"$WAKERCONF" report "$w/only_tsan" -o "$w/r2" --baseline "$w/r1" --quiet >/dev/null || fail "report with a baseline"
need "$w/r2/history.html" 'class="new">0 new' "nothing new against the baseline"
grep -q 'class="fixed">[1-9][0-9]* fixed' "$w/r2/history.html" || fail "the default run's failures should show as fixed"
ok "history: new / fixed / still present"

# ---- merge ----------------------------------------------------------------------------------
for a in sample sample-lost-wake; do
	"$SELFTEST" run --builtin $a --seed 7 --out "$w/$a.full" --quiet >/dev/null 2>&1
	full=$?
	"$SELFTEST" run --builtin $a --seed 7 --shard 1/2 --out "$w/$a.s1" --quiet >/dev/null 2>&1
	"$SELFTEST" run --builtin $a --seed 7 --shard 2/2 --out "$w/$a.s2" --quiet >/dev/null 2>&1
	"$SELFTEST" merge "$w/$a.s1" "$w/$a.s2" -o "$w/$a.merged" >"$w/merge.out" 2>&1
	rc=$?
	[ $rc -eq $full ] || fail "merge of $a exits $rc, the unsharded run $full: $(cat "$w/merge.out")"
	[ "$(wc -l <"$w/$a.merged/results.jsonl")" -eq "$(wc -l <"$w/$a.full/results.jsonl")" ] ||
		fail "merged results.jsonl of $a has another number of lines than the unsharded run"
	[ -s "$w/$a.merged/summary.txt" ] || fail "no merged summary.txt"
done
ok "merge: two shards give the unsharded verdict (pass and fail)"
"$SELFTEST" run --builtin sample --seed 8 --shard 2/2 --out "$w/other.s2" --quiet >/dev/null 2>&1
"$SELFTEST" merge "$w/sample.s1" "$w/other.s2" -o "$w/bad" >"$w/merge.out" 2>&1
[ $? -eq 2 ] || fail "shards with different seeds must be refused"
need "$w/merge.out" "seed differs" "the refusal names the field"
"$SELFTEST" merge "$w/sample.s1" "$w/sample.s1" -o "$w/bad2" >"$w/merge.out" 2>&1
[ $? -eq 2 ] || fail "overlapping shards must be refused"
need "$w/merge.out" "overlap" "the refusal says the shards overlap"
"$SELFTEST" merge "$w/sample.s1" "$w/sample-lost-wake.s2" -o "$w/bad3" >"$w/merge.out" 2>&1
[ $? -eq 2 ] || fail "shards of two adapters must be refused"
need "$w/merge.out" "adapter differs" "the refusal names the adapter"
ok "merge refuses mismatched and overlapping shards"

# ---- fuzz campaign -----------------------------------------------------------------------
"$WAKERCONF" report --fuzz "$FIXTURES/fuzz" -o "$w/r3" --quiet >/dev/null || fail "report of a campaign"
[ "$(grep -o '<svg' "$w/r3/fuzz.html" | wc -l)" -eq 4 ] || fail "four plots expected"
need "$w/r3/fuzz.html" 'Distinct crashes (1)' "the two crash inputs are one crash"
need "$w/r3/fuzz.html" 'heap-use-after-free' "the crash's kind"
grep -q '<script' "$w/r3/fuzz.html" && fail "a script in fuzz.html"
"$WAKERCONF" report --fuzz "$FIXTURES/fuzz-real" -o "$w/r4" --quiet >/dev/null || fail "report of a real campaign"
[ "$(grep -o '<polyline' "$w/r4/fuzz.html" | wc -l)" -eq 8 ] || fail "a real campaign of two targets: eight plotted lines expected"
ok "fuzz campaign: plots and deduplicated crashes"
