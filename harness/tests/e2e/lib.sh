# lib.sh - helpers shared by the harness's end-to-end tests (POSIX sh).
# Environment (set by harness/tests/CMakeLists.txt):
#   WKC_SELFTEST  the harness built with the self-test fixtures
#   WKC_WAKERCONF the wakerconf executable of this tree
#   WKC_TESTTOOL  wkc_testtool (checks JUnit and results.jsonl files)
#   WKC_MODULE_DIR the shared-library test adapters
#   WKC_WORK      a scratch directory; each test uses WKC_WORK/<test name>
#   WKC_SANITIZE  '', 'address' or 'thread': how this tree is instrumented
set -u
S="$WKC_SELFTEST"
T="$WKC_TESTTOOL"
M="$WKC_MODULE_DIR"
TEST_NAME=$(basename "$0" .sh)
W="$WKC_WORK/$TEST_NAME"
rm -rf "$W"
mkdir -p "$W"

fail() {
	echo "FAIL ($TEST_NAME): $*" >&2
	exit 1
}

skip() {
	echo "SKIP ($TEST_NAME): $*"
	exit 77
}

# expect_rc RC OUT cmd...: run cmd with stdout+stderr into OUT; its exit code must be RC.
expect_rc() {
	_want=$1
	_out=$2
	shift 2
	"$@" >"$_out" 2>&1
	_rc=$?
	if [ "$_rc" != "$_want" ]; then
		cat "$_out" >&2
		fail "expected exit code $_want, got $_rc: $*"
	fi
}

# expect_grep PATTERN FILE: FILE has a line matching the basic regular expression.
expect_grep() {
	grep -q -e "$1" "$2" || {
		cat "$2" >&2
		fail "no line matching '$1' in $2"
	}
}

expect_no_grep() {
	if grep -q -e "$1" "$2"; then
		cat "$2" >&2
		fail "unexpected line matching '$1' in $2"
	fi
}

# expect_eq WANT GOT WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# results FILE: "results N pass P fail F skip S" (and the file is well-formed).
results() {
	"$T" jsonl "$1" || fail "$1 is not a well-formed results file"
}

# field FILE CHECK KEY: a field of a check's result line.
field() {
	"$T" field "$1" "$2" "$3"
}

# no_process_left PATTERN: no process has PATTERN in its command line.
no_process_left() {
	_i=0
	while pgrep -f -- "$1" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -lt 20 ] || fail "a process running '$1' outlived the run"
		sleep 0.1
	done
}

# wait_for_lines FILE N: wait (at most 20 s) until FILE has at least N lines.
wait_for_lines() {
	_i=0
	while [ ! -f "$1" ] || [ "$(wc -l <"$1")" -lt "$2" ]; do
		_i=$((_i + 1))
		[ $_i -lt 400 ] || fail "$1 never reached $2 lines"
		sleep 0.05
	done
}

# What a failed check's reason says when the executor dies of its SIGSEGV: the signal
# (with the process's last words after it) or, in a sanitizer build, the sanitizer's
# report of it (ASan/TSan "SEGV on unknown address", UBSan "store to null pointer").
# A basic regular expression, for grep.
if [ -n "$WKC_SANITIZE" ]; then
	SEGV_RE='\(killed by signal 11 (SIGSEGV)\|[A-Za-z]*Sanitizer: SEGV \|\(UndefinedBehaviorSanitizer: \)\?runtime error: store to null pointer\)'
else
	SEGV_RE='killed by signal 11 (SIGSEGV)'
fi

# expect_segv RESULTS DIR CHECK: CHECK failed because the executor crashed (SIGSEGV in
# poll).  Without a sanitizer that is the signal, with no report.  In a sanitizer build
# the sanitizer may see the bad store first and end the process itself: then the reason
# is its report, naming the report file (DIR/<report>), which exists and shows the crash
# site; or the process still dies of the signal.
expect_segv() {
	_reason=$(field "$1" "$3" reason)
	_report=$(field "$1" "$3" report)
	expect_eq fail "$(field "$1" "$3" status)" "$3 status"
	case "$_reason" in
	"killed by signal 11 (SIGSEGV)"*)
		expect_eq 11 "$(field "$1" "$3" signal)" "$3 signal"
		[ -n "$WKC_SANITIZE" ] || expect_eq null "$_report" "$3 report" ;;
	*"Sanitizer: SEGV "* | "runtime error: store to null pointer"* | \
		"UndefinedBehaviorSanitizer: runtime error: store to null pointer"*)
		[ -n "$WKC_SANITIZE" ] || fail "$3: a sanitizer report in a plain build: $_reason"
		expect_eq 0 "$(field "$1" "$3" signal)" "$3 signal"
		# The status the runner's sanitizer options give a report: 66 TSan, 67 ASan/UBSan.
		expect_eq "$([ "$WKC_SANITIZE" = thread ] && echo 66 || echo 67)" \
			"$(field "$1" "$3" exit_code)" "$3 exit code"
		case "$_reason" in
		*" (report $_report)") ;;
		*) fail "$3: the reason does not name its report '$_report': $_reason" ;;
		esac
		[ -f "$2/$_report" ] || fail "$3: no sanitizer report at $2/$_report"
		expect_grep 'poll_task\|sample_exec\.c\|libwkc_test_crash\.so' "$2/$_report" ;;
	*) fail "$3: not a SIGSEGV: '$_reason'" ;;
	esac
}

# A profile other than default that this build can run without another build.
case "$WKC_SANITIZE" in
thread) OTHER_PROFILE=tsan ;;
address) OTHER_PROFILE=asan ;;
*) OTHER_PROFILE=valgrind ;;
esac
