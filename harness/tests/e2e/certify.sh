# harness.certify: the verdict table per requirement and profile, CERTIFIED only when
# every profile ran and passed; a missing tsan build means NOT CERTIFIED, with the reason.
# @proves WK-HARN-012
. "$(dirname "$0")/lib.sh"

expect_rc 0 "$W/one" "$S" certify --builtin sample --profiles default --out "$W/one.out"
expect_grep '^  SELF-001  *MUST   PASS  *a spawned future' "$W/one"
expect_grep '^  SELF-006  *MUST   SKIP ' "$W/one"
expect_grep '^CERTIFIED: sample 1.0$' "$W/one"
expect_grep '^CERTIFIED: sample 1.0$' "$W/one.out/certify.txt"
expect_grep 'pressure on' "$W/one"
expect_eq "results 9 pass 6 fail 0 skip 3" "$(results "$W/one.out/sample/default/results.jsonl")" "results"
"$T" xml "$W/one.out/sample/default/junit.xml" >/dev/null || fail "certify JUnit"

expect_rc 1 "$W/all" "$S" certify --builtin all --profiles default --out "$W/all.out"
expect_grep '^CERTIFIED: sample 1.0$' "$W/all"
expect_grep '^NOT CERTIFIED: sample-lost-wake 1.0$' "$W/all"
expect_grep '1 MUST requirement(s) failed under default' "$W/all"
expect_grep '^  SELF-003  *MUST   FAIL ' "$W/all"
expect_grep '^NOT CERTIFIED (2 adapters)$' "$W/all"
expect_grep 'replay: .* replay wkc1\.' "$W/all"

expect_rc 0 "$W/lib" "$S" certify --adapter "$M/libwkc_test_good.so" --profiles default --out "$W/lib.out"
expect_grep '^CERTIFIED: sample-good 1.0$' "$W/lib"

# The default profiles are default and tsan.
if [ "$WKC_SANITIZE" = thread ] || [ -x "$WKC_TSAN_TWIN" ]; then
	expect_rc 0 "$W/both" "$S" certify --builtin sample --out "$W/both.out"
	expect_grep '^  SELF-001  *MUST   PASS       PASS ' "$W/both"
else
	expect_rc 1 "$W/both" "$S" certify --builtin sample --out "$W/both.out"
	expect_grep 'not certified under tsan: profile tsan needs the ThreadSanitizer build' "$W/both"
	expect_grep '^  SELF-001  *MUST   PASS       not-run ' "$W/both"
	expect_grep '^NOT CERTIFIED: sample 1.0$' "$W/both"
fi
# A library adapter needs its TSan build named for the tsan profile.
expect_rc 1 "$W/notsan" env WKC_TSAN_HARNESS="$S" "$S" certify --adapter "$M/libwkc_test_good.so" \
	--out "$W/notsan.out"
expect_grep 'not certified under tsan: no --adapter-tsan given' "$W/notsan"
echo "harness.certify: ok"
