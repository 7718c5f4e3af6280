# harness.profile_missing: asan/tsan profiles need the instrumented build; when it is
# missing the run stops (exit 2) and says exactly what to build.
# @proves WK-HARN-013
. "$(dirname "$0")/lib.sh"

if [ -n "$WKC_SANITIZE" ]; then
	# This tree is instrumented: valgrind cannot run it.
	expect_rc 2 "$W/vg" "$S" run --builtin sample --profile valgrind --out "$W/vg.out"
	expect_grep "profile valgrind:memcheck runs the uninstrumented build" "$W/vg"
fi
for p in tsan asan; do
	[ "$p" = tsan ] && [ "$WKC_SANITIZE" = thread ] && continue
	[ "$p" = asan ] && [ "$WKC_SANITIZE" = address ] && continue
	if [ $p = tsan ]; then var=WKC_TSAN_HARNESS; else var=WKC_ASAN_HARNESS; fi
	env "$var=$W/no-such-build/wakerconf-selftest" "$S" run --builtin sample --profile $p \
		--out "$W/$p.out" >"$W/$p" 2>&1
	expect_eq 2 $? "exit code of --profile $p without its build"
	expect_grep "profile $p needs the .*Sanitizer build of wakerconf-selftest at $W/no-such-build/wakerconf-selftest, which is missing" "$W/$p"
	expect_grep "cmake --preset $p && cmake --build --preset $p" "$W/$p"
	# A twin that is not instrumented would exec us back: refused, not a loop.
	env "$var=$S" WKC_REEXEC=1 "$S" run --builtin sample --profile $p --out "$W/$p.loop" \
		>"$W/$p.loop" 2>&1
	expect_eq 2 $? "exit code of a looping twin"
	expect_grep "refusing to loop" "$W/$p.loop"
done
# A library adapter needs its instrumented build for those profiles.
if [ "$WKC_SANITIZE" = thread ]; then
	expect_rc 2 "$W/lib" "$S" run --adapter "$M/libwkc_test_good.so" --profile tsan --out "$W/lib.out"
	expect_grep 'profile tsan needs the adapter built with -fsanitize=thread: pass --adapter-tsan PATH' "$W/lib"
fi
echo "harness.profile_missing: ok"
