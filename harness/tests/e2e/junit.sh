# harness.junit: --junit writes well-formed XML with one testcase per check, failures
# and skips as such, and messages escaped.
# @proves WK-HARN-010
. "$(dirname "$0")/lib.sh"

expect_rc 1 "$W/crash" "$S" run --adapter "$M/libwkc_test_crash.so" --out "$W/crash.out" \
	--junit "$W/crash.xml" --quiet
expect_eq "elements 34 testcase 9 failure 6 skipped 3" "$("$T" xml "$W/crash.xml")" "crash JUnit"
expect_grep 'tests="9" failures="6" errors="0" skipped="3"' "$W/crash.xml"
# Each crash's message is its reason: the signal, or a sanitizer's report of the crash.
[ "$(grep -c "<failure type=\"SELF-00[1-57]\" message=\"$SEGV_RE" "$W/crash.xml")" = 6 ] ||
	fail "not 6 crash failures in $W/crash.xml"

# A failure message with '&' and '>' in it (the WKC_CHECK_EQ expression).
expect_rc 1 "$W/lost" "$S" run --builtin sample-lost-wake --out "$W/lost.out" \
	--junit "$W/lost.xml" --quiet
"$T" xml "$W/lost.xml" >"$W/lost.counts" || fail "lost-wake JUnit is not well-formed"
expect_grep 'testcase 9 failure 1 skipped 3' "$W/lost.counts"
expect_grep 'polls(&amp;p) &gt;= 2 == 1 (0 vs 1)' "$W/lost.xml"
expect_grep '<failure type="SELF-003"' "$W/lost.xml"

expect_rc 0 "$W/good" "$S" run --builtin sample --out "$W/good.out" --junit "$W/good.xml" --quiet
expect_grep 'testcase 9 failure 0 skipped 3' "$("$T" xml "$W/good.xml" >"$W/good.counts"; echo "$W/good.counts")"
echo "harness.junit: ok"
