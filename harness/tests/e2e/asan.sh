# harness.asan: --profile asan runs the checks in the ASan+UBSan build; a leak found at
# exit fails the check with the id named last and the result points to the report.
# @proves WK-HARN-002 WK-HARN-013
. "$(dirname "$0")/lib.sh"

if [ "$WKC_SANITIZE" = address ]; then
	mods="$M"
elif [ -x "$WKC_ASAN_TWIN" ] && [ -f "$WKC_ASAN_MODULE_DIR/libwkc_test_leak.so" ]; then
	mods="$WKC_ASAN_MODULE_DIR"
else
	skip "no AddressSanitizer build at $WKC_ASAN_TWIN (cmake --preset asan && cmake --build --preset asan)"
fi

expect_rc 0 "$W/good" "$S" run --adapter-asan "$mods/libwkc_test_good.so" --profile asan \
	--out "$W/good.out"
expect_rc 1 "$W/leak" "$S" run --adapter-asan "$mods/libwkc_test_leak.so" --profile asan \
	--filter sample.spawn.ready --out "$W/leak.out"
R="$W/leak.out/results.jsonl"
expect_eq SELF-005 "$(field "$R" sample.spawn.ready charged)" "charged id"
case "$(field "$R" sample.spawn.ready reason)" in
*"LeakSanitizer"*) ;;
*) fail "reason is '$(field "$R" sample.spawn.ready reason)'" ;;
esac
echo "harness.asan: ok"
