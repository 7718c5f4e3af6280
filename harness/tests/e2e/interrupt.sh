# harness.interrupt: SIGTERM or SIGINT stops a run cleanly (exit 128+N), kills the
# running checks, keeps the finished results, and --resume completes the run.
# @proves WK-HARN-006 WK-HARN-005
. "$(dirname "$0")/lib.sh"

lib="$M/libwkc_test_hang.so"
for sig in TERM INT; do
	out="$W/$sig"
	"$S" run --adapter "$lib" --out "$out" --jobs 1 --timeout-multiplier 0.25 \
		>"$W/$sig.log" 2>&1 &
	pid=$!
	wait_for_lines "$out/results.jsonl" 4
	kill -$sig $pid
	wait $pid
	rc=$?
	if [ $sig = TERM ]; then want=143; else want=130; fi
	expect_eq $want $rc "exit code after SIG$sig"
	expect_grep "interrupted by SIG$sig: .* checks are recorded in" "$W/$sig.log"
	no_process_left "$lib"
	n=$("$T" jsonl "$out/results.jsonl" | cut -d' ' -f2)
	[ "$n" -ge 3 ] && [ "$n" -lt 9 ] || fail "SIG$sig: $n results kept"
	expect_rc 1 "$W/$sig.resumed" "$S" run --adapter "$lib" --out "$out" --resume \
		--timeout-multiplier 0.25 --jobs 2
	expect_eq "results 9 pass 0 fail 6 skip 3" "$(results "$out/results.jsonl")" "SIG$sig resumed"
done
echo "harness.interrupt: ok"
