#!/bin/sh
# Hostile inputs: script tags, quotes, javascript: URLs, ../ paths, invalid UTF-8 and a
# 20 MB log line in every field a report shows.  The output must contain no markup
# that the report did not write itself, be valid UTF-8, and no file outside the
# output directory may be written (a planted symbolic link is not followed).
. "$(dirname "$0")/lib.sh"
w=$(fresh hostile)
box="$w/box"
in="$box/in/run"
out="$box/out"
mkdir -p "$in/logs" "$in/san" "$in/vg" "$out" "$box/victim"
bad='<script>alert(1)</script>"><img src=x onerror=alert(2)> javascript:alert(3) '"'"'q'"'"
invalid=$(printf '\377\376\300\257 \355\240\200 \001\033[31m')
# the same bytes as a JSON string can carry them: raw invalid UTF-8, escaped control characters
invalid_json=$(printf '\377\376\300\257 \355\240\200 \\u0001\\u001b[31m')

# results.jsonl: hostile adapter, check names, ids, reasons, paths
{
	printf '{"type":"run","format":1,"adapter":"path:/x/<script>.so","adapter_name":"%s","adapter_version":"%s","caps":1,"profile":"<b>tsan</b>","seed":"0x1","pressure":true,"timeout_multiplier":1,"harness_version":"%s","build":"javascript:alert(4)"}\n' \
		'<script>alert(0)</script>' '\"><svg onload=alert(5)>' "$invalid_json"
	printf '{"type":"result","check":"../../../../victim/pwn","ids":"WK-EXEC-001 <i>x</i>","status":"fail","reason":"%s","charged":"WK-EXEC-001\\"><a href=javascript:alert(6)>","failures":[{"id":"<script>","msg":"%s"}],"dropped_failures":0,"unexercised":[],"notes":[],"dropped_notes":0,"completed":true,"seed":"0x2","ms":1,"exit_code":66,"signal":0,"timed_out":false,"log":"logs/huge.log","report":"../../victim/x","replay":"wkc1.<script>alert(7)</script>"}\n' \
		"$(printf '%s' "$bad" | sed 's/"/\\"/g')" "$invalid_json"
	printf '{"type":"result","check":"<img src=x onerror=alert(8)>","ids":"WK-EXEC-002","status":"fail","reason":"javascript:alert(9)","charged":"WK-EXEC-002","failures":[],"dropped_failures":0,"unexercised":[],"notes":[],"dropped_notes":0,"completed":false,"seed":"0x3","ms":1,"exit_code":-1,"signal":11,"timed_out":true,"log":"../../../etc/passwd","report":null,"replay":null}\n'
} >"$in/results.jsonl"
# a 20 MB log line with markup in the middle and at the end
{
	head -c 10000000 /dev/zero | tr '\0' 'A'
	printf '%s' "$bad"
	head -c 10000000 /dev/zero | tr '\0' 'B'
	printf '%s%s\n' "$bad" "$invalid"
} >"$in/logs/huge.log"
# a ThreadSanitizer report whose frames carry markup and ../ paths
cat >"$in/san/__.._.._.._.._victim_pwn.1" <<EOT
==================
WARNING: ThreadSanitizer: data race <script>alert(10)</script> (pid=1)
  Write of size 8 at 0x1 by thread T1 "><img src=x onerror=alert(11)>:
    #0 <script>alert(12)</script> /../../etc/passwd:1:1 (javascript:alert(13)+0x1)
    #1 evil$invalid ../../victim/src.c:2:2 (m+0x2)

  Previous read of size 8 at 0x1 by thread T2:
    #0 other "quoted" /tmp/<b>.c:3:3 (m+0x3)

SUMMARY: ThreadSanitizer: data race <script>
==================
EOT
# Valgrind XML with entities that decode to markup
cat >"$in/vg/x.xml" <<'EOT'
<?xml version="1.0"?>
<valgrindoutput><tool>helgrind</tool>
<error><kind>Race</kind><xwhat><text>&lt;script&gt;alert(14)&lt;/script&gt; of size 8 by thread #1</text><hthreadid>1</hthreadid></xwhat>
<stack><frame><fn>&lt;img src=x onerror=alert(15)&gt;</fn><dir>..</dir><file>&#x3c;x&#62;.c</file><line>1</line></frame></stack>
</error></valgrindoutput>
EOT
# a symbolic link planted where the report writes index.html
echo "precious" >"$box/victim/keep"
ln -s "$box/victim/keep" "$out/index.html"
find "$box" -path "$out" -prune -o -print | xargs -d '\n' ls -ld --time-style=+%s.%N | sort >"$w/before"

"$WAKERCONF" report "$box/in" -o "$out" >"$w/stdout" 2>"$w/stderr" || fail "report exited $?: $(tail -5 "$w/stderr")"

find "$box" -path "$out" -prune -o -print | xargs -d '\n' ls -ld --time-style=+%s.%N | sort >"$w/after"
diff "$w/before" "$w/after" >/dev/null || fail "files outside the output directory changed: $(diff "$w/before" "$w/after")"
[ "$(cat "$box/victim/keep")" = precious ] || fail "the planted link's target was written"
[ -L "$out/index.html" ] && fail "index.html is still the planted link"
ok "nothing written outside the output directory; the planted link was replaced, not followed"

for f in "$out"/*.html; do
	# The only tags are the report's own: no script, no injected img/svg/a with a handler.
	grep -q -i '<script' "$f" && fail "$f contains a script tag"
	grep -q -i '<img' "$f" && fail "$f contains an img tag"
	grep -q -i '<svg onload' "$f" && fail "$f contains an injected svg"
	grep -q -i -E '<[^>]* on[a-z]+=' "$f" && fail "$f contains an event handler attribute"
	grep -q -i '<i>x</i>\|<b>tsan</b>' "$f" && fail "$f contains injected inline markup"
	# every link is one of the report's own pages, with an anchor it made
	bad_links=$(grep -o -i -E '(href|src)="[^"]*"' "$f" |
		grep -v -E '^href="(index|races|memory|failures|fuzz|history|spec)\.html(#[A-Za-z0-9_.-]+)?"$' || true)
	[ -z "$bad_links" ] || fail "$f links somewhere else: $bad_links"
	iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1 || fail "$f is not valid UTF-8"
	# no raw control characters (ESC, NUL) in the output
	LC_ALL=C grep -q -P '[\x00-\x08\x0b\x0c\x0e-\x1f]' "$f" && fail "$f contains control characters"
done
need "$out/index.html" '&lt;script&gt;alert(0)&lt;/script&gt;' "the adapter name is shown, escaped"
need "$out/races.html" '&lt;script&gt;alert(12)&lt;/script&gt;' "a hostile frame is shown, escaped"
need "$out/failures.html" 'more bytes\]' "the 20 MB line is cut"
[ "$(wc -c <"$out/failures.html")" -lt 2000000 ] || fail "failures.html carries the 20 MB line"
for f in report.json report.sarif; do
	grep -q '<script' "$out/$f" && fail "$f carries an unescaped script tag"
	iconv -f UTF-8 -t UTF-8 "$out/$f" >/dev/null 2>&1 || fail "$f is not valid UTF-8"
done
ok "hostile strings escaped everywhere, output valid UTF-8, long lines cut"
