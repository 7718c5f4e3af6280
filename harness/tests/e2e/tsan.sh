# harness.tsan: --profile tsan runs the checks in the ThreadSanitizer build; a data race
# fails the check with the id in effect and the result points to the report.  Needs a
# TSan build: this tree, or the twin the default tree execs (the tsan preset's tree).
# @proves WK-HARN-002 WK-HARN-013
. "$(dirname "$0")/lib.sh"

if [ "$WKC_SANITIZE" = thread ]; then
	mods="$M"
elif [ -x "$WKC_TSAN_TWIN" ] && [ -f "$WKC_TSAN_MODULE_DIR/libwkc_test_racy.so" ]; then
	mods="$WKC_TSAN_MODULE_DIR"
else
	skip "no ThreadSanitizer build at $WKC_TSAN_TWIN (cmake --preset tsan && cmake --build --preset tsan)"
fi

expect_rc 0 "$W/builtin" "$S" run --builtin sample --profile tsan --out "$W/builtin.out" --pressure
expect_eq "results 9 pass 6 fail 0 skip 3" "$(results "$W/builtin.out/results.jsonl")" "tsan, built-in"
expect_rc 0 "$W/good" "$S" run --adapter-tsan "$mods/libwkc_test_good.so" --profile tsan \
	--out "$W/good.out"

expect_rc 1 "$W/racy" "$S" run --adapter-tsan "$mods/libwkc_test_racy.so" --profile tsan \
	--filter sample.wake.hammer --out "$W/racy.out"
R="$W/racy.out/results.jsonl"
expect_eq SELF-004 "$(field "$R" sample.wake.hammer charged)" "charged id"
expect_eq 66 "$(field "$R" sample.wake.hammer exit_code)" "TSan exit code"
case "$(field "$R" sample.wake.hammer reason)" in
"ThreadSanitizer: data race"*) ;;
*) fail "reason is '$(field "$R" sample.wake.hammer reason)'" ;;
esac
report=$(field "$R" sample.wake.hammer report)
expect_grep 'WARNING: ThreadSanitizer: data race' "$W/racy.out/$report"
echo "harness.tsan: ok"
