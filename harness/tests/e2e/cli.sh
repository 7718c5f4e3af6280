# harness.cli: help for every subcommand, and usage errors exit 2 with a message.
# @proves WK-HARN-014 WK-HARN-011
. "$(dirname "$0")/lib.sh"

expect_rc 2 "$W/none" "$S"
expect_grep '^usage: ' "$W/none"
expect_rc 0 "$W/help" "$S" help
expect_grep 'certify' "$W/help"
expect_rc 0 "$W/version" "$S" --version
expect_grep '^wakerconf-selftest 0' "$W/version"
for cmd in run certify list adapters replay; do
	expect_rc 0 "$W/help-$cmd" "$S" "$cmd" --help
	expect_grep "^usage: wakerconf-selftest $cmd" "$W/help-$cmd"
done
expect_grep 'WKC_TSAN_HARNESS' "$W/help-run"
expect_grep 'not certified under tsan' "$W/help-certify"

# fuzz hands its arguments to the campaign driver of this checkout, or says why it cannot.
expect_rc 0 "$W/help-fuzz" "$S" fuzz --help
expect_grep '^usage: fuzz/campaign' "$W/help-fuzz"
expect_rc 2 "$W/fuzz-missing" env WKC_FUZZ_CAMPAIGN=/nonexistent/campaign "$S" fuzz --smoke
expect_grep 'campaign driver /nonexistent/campaign is not there' "$W/fuzz-missing"

expect_rc 2 "$W/e1" "$S" frobnicate
expect_grep "unknown command 'frobnicate'" "$W/e1"
expect_rc 2 "$W/e2" "$S" run --builtin sample --bogus
expect_grep 'unknown option --bogus' "$W/e2"
expect_rc 2 "$W/e3" "$S" run
expect_grep 'no executor named' "$W/e3"
expect_rc 2 "$W/e4" "$S" run --builtin nope
expect_grep "no built-in adapter named 'nope'" "$W/e4"
expect_grep 'built-in adapters: sample, sample-lost-wake' "$W/e4"
expect_rc 2 "$W/e5" "$S" run --builtin sample --shard 3/2
expect_grep 'shard wants i/n' "$W/e5"
expect_rc 2 "$W/e6" "$S" run --builtin sample --jobs 0
expect_rc 2 "$W/e7" "$S" run --builtin sample --seed xyz
expect_rc 2 "$W/e7m" "$S" run --builtin sample --timeout-multiplier 0
expect_grep 'timeout-multiplier wants a positive number' "$W/e7m"
expect_rc 2 "$W/e7n" "$S" run --builtin sample --timeout-multiplier 2x
expect_grep 'seed wants a number' "$W/e7"
expect_rc 2 "$W/e8" "$S" run --builtin sample --profile bogus
expect_grep "unknown profile 'bogus'" "$W/e8"
expect_rc 2 "$W/e9" "$S" run --builtin sample --profile valgrind:cachegrind
expect_grep "unknown Valgrind tool 'cachegrind'" "$W/e9"
expect_rc 2 "$W/e10" "$S" run --builtin sample --adapter "$M/libwkc_test_good.so"
expect_grep 'either --builtin or --adapter' "$W/e10"
expect_rc 2 "$W/e11" "$S" replay not-a-token
expect_grep 'not a replay token' "$W/e11"
expect_rc 2 "$W/e12" "$S" replay
expect_rc 2 "$W/e13" "$S" list --profile tsan
expect_grep 'unknown option --profile' "$W/e13"
expect_rc 2 "$W/e14" "$S" run --builtin sample --timeout-multiplier -1
expect_rc 2 "$W/e15" "$S" certify
expect_grep 'give --builtin' "$W/e15"

# The real executable of the tree answers too, whatever its checks are.
expect_rc 0 "$W/real-help" "$WKC_WAKERCONF" --help
expect_rc 0 "$W/real-list" "$WKC_WAKERCONF" list
expect_grep 'checks\{0,1\}$' "$W/real-list"
expect_rc 0 "$W/real-adapters" "$WKC_WAKERCONF" adapters
echo "harness.cli: ok"
