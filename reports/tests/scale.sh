#!/bin/sh
# Scale: generate two results directories with 10,000 results in all (a third failed,
# with messages and logs) and 1,000 raw sanitizer reports (real TSan and ASan reports
# from the fixtures, their sites varied so that they fold into 40 races and 4 memory
# errors), then time `wakerconf report` over them and print the figure.  A benchmark:
# it fails only when the report is wrong, never on time.
. "$(dirname "$0")/lib.sh"
w=$(fresh scale)
gen() { # dir profile first count reports
	d=$1
	mkdir -p "$d/logs" "$d/san"
	awk -v prof="$2" -v first="$3" -v count="$4" -v nrep="$5" -v d="$d" \
		-v race="$FIXTURES/tsan/race_heap.txt" -v uaf="$FIXTURES/asan/use_after_free.txt" '
	function slurp(f,   s, l) { s = ""; while ((getline l < f) > 0) s = s l "\n"; close(f); return s }
	BEGIN {
		r = slurp(race); u = slurp(uaf)
		out = d "/results.jsonl"
		printf "{\"type\":\"run\",\"format\":1,\"adapter\":\"builtin:scale\",\"adapter_name\":\"scale\",\"adapter_version\":\"1.0\",\"caps\":1,\"profile\":\"%s\",\"seed\":\"0x00000000000005ee\",\"pressure\":true,\"timeout_multiplier\":1,\"harness_version\":\"0.1.0\",\"build\":\"\"}\n", prof > out
		for (i = first; i < first + count; i++) {
			c = sprintf("scale.check.%05d", i)
			st = (i % 3 == 0) ? "fail" : "pass"
			rep = "null"
			if (st == "fail" && nrep > 0) {
				f = sprintf("san/%s.%d", c, 1000 + i)
				t = (i % 5 == 0) ? u : r
				# vary the sites: failing checks are i % 3 == 0, so 40 race sites (i % 5 != 0) and 4 memory ones
				gsub(/mx_task.c:70:9/, "mx_task.c:" (70 + i % 50) ":9", t)
				gsub(/mx_task.c:85:2/, "mx_task.c:" (85 + i % 20) ":2", t)
				printf "%s", t > (d "/" f); close(d "/" f)
				rep = "\"" f "\""; nrep--
			}
			if (st == "fail") {
				lg = sprintf("logs/%s.log", c)
				for (k = 0; k < 20; k++) printf "step %d of %s: waker cloned, woken, dropped\n", k, c > (d "/" lg)
				close(d "/" lg)
			}
			printf "{\"type\":\"result\",\"check\":\"%s\",\"ids\":\"WK-EXEC-%03d\",\"status\":\"%s\",\"reason\":%s,\"charged\":%s,\"failures\":[%s],\"dropped_failures\":0,\"unexercised\":[],\"notes\":[],\"dropped_notes\":0,\"completed\":true,\"seed\":\"0x%016x\",\"ms\":1.5,\"exit_code\":%d,\"signal\":0,\"timed_out\":false,\"log\":\"logs/%s.log\",\"report\":%s,\"replay\":\"wkc1.c2NhbGU\"}\n", \
				c, 1 + i % 26, st, st == "fail" ? "\"ThreadSanitizer: data race\"" : "null", \
				st == "fail" ? sprintf("\"WK-EXEC-%03d\"", 1 + i % 26) : "null", \
				st == "fail" ? sprintf("{\"id\":\"WK-EXEC-%03d\",\"msg\":\"lost wake after %d polls\"}", 1 + i % 26, i) : "", \
				i, st == "fail" ? 66 : 0, c, rep > out
		}
	}'
}
t0=$(date +%s.%N)
gen "$w/in/default" default 0 5000 0
gen "$w/in/tsan" tsan 5000 5000 1000
t1=$(date +%s.%N)
[ "$(ls "$w/in/tsan/san" | wc -l)" -eq 1000 ] || fail "the generator wrote $(ls "$w/in/tsan/san" | wc -l) reports, not 1000"
"$WAKERCONF" report "$w/in" -o "$w/out" >/dev/null 2>"$w/err" || fail "report exited $?: $(tail -3 "$w/err")"
t2=$(date +%s.%N)
line=$(grep 'raw sanitizer' "$w/err")
echo "$line" | grep -q '1000 raw sanitizer/Valgrind reports -> 40 distinct races, 4 memory errors' ||
	fail "unexpected dedup: $line"
echo "$line" | grep -q '2 runs' || fail "not 2 runs: $line"
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$(du -sk "$w/out" | cut -f1)" 'BEGIN {
	printf "scale: generated 10000 results + 1000 raw reports in %.2f s\n", b - a
	printf "scale: wakerconf report over them: %.2f s wall (%d KiB of output)\n", c - b, s }'
echo "scale: $line"
