#!/bin/sh
# The report in a real browser: headless Chromium renders the overview and the race page
# from disk; the rendered DOM must hold the verdict, the matrix rows and both sides of a
# race.  A screenshot of each page is kept in the work directory.  Skipped (exit 77) when
# Debian's chromium is not installed.  Chromium is never run under Valgrind: this script
# is not a test executable, so the valgrind preset's emulator does not wrap it.
. "$(dirname "$0")/lib.sh"
chrome=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chrome" ]; then
	echo "SKIP: chromium is not installed (apt-get install chromium); the browser test needs it"
	exit 77
fi
w=$(fresh browser)
"$WAKERCONF" report "$FIXTURES/runs/mutant" -o "$w/site" --quiet >/dev/null || fail "report"
run_chrome() { # what url
	# --no-sandbox: Chromium refuses to run as root with its sandbox; the pages are our own.
	timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$w/profile" --no-first-run --window-size=1400,2000 "$@" 2>>"$w/chrome.err"
}
run_chrome --dump-dom "file://$w/site/index.html" >"$w/index.dom" || fail "chromium failed: $(tail -3 "$w/chrome.err")"
run_chrome --dump-dom "file://$w/site/races.html" >"$w/races.dom" || fail "chromium failed on races.html"
need "$w/index.dom" 'id="verdict">FAIL' "the rendered verdict"
[ "$(grep -o '<tr class="req"' "$w/index.dom" | wc -l)" -ge 20 ] || fail "the rendered matrix has fewer than 20 rows"
need "$w/index.dom" 'id="m-mutant.nonatomic_refcount-WK-EXEC-013"' "the WK-EXEC-013 row"
need "$w/races.dom" 'class="side access-a"' "the first access rendered"
need "$w/races.dom" 'class="side access-b"' "the second access rendered"
need "$w/races.dom" 'ref_retain' "the first access's frame"
need "$w/races.dom" 'mx_task_release' "the second access's frame"
grep -q -i '<script' "$w/index.dom" "$w/races.dom" && fail "a script in the rendered DOM"
run_chrome --screenshot="$w/index.png" "file://$w/site/index.html" >/dev/null || fail "screenshot"
run_chrome --screenshot="$w/races.png" "file://$w/site/races.html" >/dev/null || fail "screenshot"
[ -s "$w/index.png" ] && [ -s "$w/races.png" ] || fail "no screenshot written"
ok "rendered in $chrome: verdict, matrix, both sides of a race; screenshots $w/index.png $w/races.png"
