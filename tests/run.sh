#!/bin/sh
# run.sh BUILD_DIR - run every test of custody and print "N passed, N failed".
#
# Unit tests (BUILD_DIR/tests/test_*, cmocka) and command-line tests
# (tests/cli/*.sh) all speak TAP; this counts their "ok" and "not ok" lines.
# A test program that dies without reporting counts as one failure.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$(cd "$build/bin" && pwd)
export CUSTODY_BIN="$bin"
export CUSTODY_BUILD=$(cd "$build" && pwd)
export PATH="$bin:$PATH"
export CUSTODY_TOP="$top"
export CUSTODY_TESTDATA="${CUSTODY_TESTDATA:-$top/../shared/testdata}"
export CMOCKA_MESSAGE_OUTPUT=TAP
# Under `make asan` a sanitizer report must never pass for an expected exit
# status (custody-verify's 1, say): give it an exit status of its own.
export ASAN_OPTIONS="${ASAN_OPTIONS:-exitcode=86:abort_on_error=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-exitcode=86:suppressions=$top/tests/lsan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:exitcode=86:print_stacktrace=1}"
# the acting examiner must come from each test, never from the caller
unset CUSTODY_EXAMINER CUSTODY_CASE CUSTODY_PASSPHRASE CUSTODY_CONFIG XDG_CONFIG_HOME

passed=0
failed=0
skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1
	shift
	"$@" >"$log" 2>&1
	status=$?
	# a skipped test is neither passed nor failed (cmocka writes
	# "not ok N # SKIP", TAP "ok N # SKIP")
	s=$(grep -c '^\(not \)\{0,1\}ok .*# SKIP' "$log")
	p=$(grep '^ok ' "$log" | grep -vc '# SKIP')
	f=$(grep '^not ok ' "$log" | grep -vc '# SKIP')
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "not ok - $name exited with status $status"
	fi
	grep '^not ok ' "$log" | grep -v '# SKIP'
	if [ "$f" -gt 0 ]; then
		echo "--- $name output:"
		sed 's/^/    /' "$log" | tail -n 60
	fi
	extra=""
	[ "$s" -eq 0 ] || extra=", $s skipped"
	echo "$name: $p passed, $f failed$extra"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
}

for t in "$build"/tests/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in "$top"/tests/cli/*.sh; do
	case "$(basename "$t")" in lib.sh) continue ;; esac
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done

[ "$skipped" -eq 0 ] || echo "($skipped skipped: see the lines above)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
