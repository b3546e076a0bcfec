# lib.sh - helpers for command-line tests; sourced by tests/cli/*.sh.
#
# Each test file prints TAP lines through ok/fail/check; tests/run.sh counts
# them.  Every test works in its own temporary folder, removed at exit.
set -u
T=$(mktemp -d "${TMPDIR:-/tmp}/custody-test.XXXXXX")
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
export CUSTODY_EXAMINER="Test Examiner"
# No examiner configuration of the machine's user leaks into a test: every
# key a test uses, it names.
export CUSTODY_CONFIG="$T/no-config"
unset CUSTODY_PASSPHRASE XDG_CONFIG_HOME
export CUSTODY_LOCK_TIMEOUT=${CUSTODY_LOCK_TIMEOUT:-10}
n=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
fail() { n=$((n + 1)); echo "not ok $n - $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND exits 0
check() {
	d=$1
	shift
	if "$@" >"$T/.out" 2>"$T/.err"; then ok "$d"; else
		fail "$d"
		sed 's/^/#   /' "$T/.out" "$T/.err"
	fi
}

# expect_exit CODE DESCRIPTION COMMAND...: passes when COMMAND exits CODE;
# its stdout and stderr stay in $T/.out and $T/.err for further checks
expect_exit() {
	want=$1
	d=$2
	shift 2
	"$@" >"$T/.out" 2>"$T/.err"
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$d"; else
		fail "$d (exit $got, expected $want)"
		sed 's/^/#   /' "$T/.out" "$T/.err"
	fi
}

# contains FILE TEXT DESCRIPTION: passes when FILE has TEXT (fixed string)
contains() {
	if grep -qF -- "$2" "$1"; then ok "$3"; else
		fail "$3 ('$2' not found)"
		sed 's/^/#   /' "$1"
	fi
}

# skip REASON: the TAP line of checks this machine cannot make, so that
# tests/run.sh counts them as skipped instead of never hearing of them
skip() { n=$((n + 1)); echo "ok $n # SKIP $*"; }

# testdata FILE WHAT: whether FILE of the shared test data is there.  If
# not, WHAT (the checks needing it) is skipped on a line naming FILE, or
# fails when CUSTODY_REQUIRE_TESTDATA is set to anything but "" or "0" (CI
# sets it to 1, where the shared test data is).
testdata() {
	[ -e "$1" ] && return 0
	case ${CUSTODY_REQUIRE_TESTDATA:-} in
	"" | 0) skip "$2: test data '$1' absent" ;;
	*) fail "$2: test data '$1' absent, and CUSTODY_REQUIRE_TESTDATA is set" ;;
	esac
	return 1
}

# kill_at WHERE COMMAND...: run COMMAND under gdb and kill it (SIGKILL)
# the first time it reaches WHERE, a gdb breakpoint location with an
# optional condition ("cust_log_append", "f if $_regex(name, \".*x$\")"):
# an interruption at exactly that step, with no clock involved.  Fails
# when COMMAND never got there.  gdb's output stays in $T/.gdb.
kill_at() {
	ka_where=$1
	ka_prog=$(command -v "$2")
	shift 2
	gdb -nx -batch -ex "set breakpoint pending on" -ex "break $ka_where" \
		-ex run -ex kill --args "$ka_prog" "$@" >"$T/.gdb" 2>&1
	grep -q "Breakpoint 1, " "$T/.gdb"
}

# wait_for SECONDS COMMAND...: wait for a sign that a process of the test
# reached the state a check needs: COMMAND, tried every 50 ms until it
# succeeds (0), or until SECONDS passed (1: a bound for a test gone wrong,
# not a guess at how long the process takes)
wait_for() {
	wf_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -le "$wf_end" ] || return 1
		sleep 0.05
	done
}

# flip_byte FILE OFFSET: inverts one byte in place. Writing a fixed byte
# instead would change nothing one time in 256 on random content.
flip_byte() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(-1, 1); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}

# schemas_ok CASE DESCRIPTION: every record and inventory line of CASE
# matches its JSON schema in evidence-schema/
schemas_ok() {
	if "$PYTHON" "$CUSTODY_TOP/tests/validate_records.py" \
		--schemas "$CUSTODY_TOP/evidence-schema" --case "$1" \
		>"$T/.schemas" 2>&1; then
		ok "$2"
	else
		fail "$2"
		grep -v '^ok' "$T/.schemas" | sed 's/^/#   /'
	fi
}

# new_case DIR: a case with one item E001, as the tests start from
new_case() {
	custody-case init "$1" --number 2011-RX-001 --title "Operation b107" \
		--examiner "Test Examiner" --agency "Digital Crimes Unit" \
		>/dev/null &&
	custody-case add-item --case "$1" --item E001 --exhibit 1 \
		--description "controller disk" --serial WD-123 \
		--seized-on 2011-03-16T14:05:00Z >/dev/null
}

# The project's Python is Debian's, where python3-jsonschema is installed.
PYTHON=/usr/bin/python3

# closed_pipe BYTES COMMAND...: run COMMAND with its stdout a pipe whose
# reader takes BYTES bytes, then closes its end (0: closed before COMMAND
# starts), as `COMMAND | head -c BYTES` does (COMMAND must then write more
# than a pipe holds, 64 KiB, to meet the closed end for sure), with SIGPIPE
# at its default whatever this shell was given; print COMMAND's exit status as a shell
# gives it (128 + N for a death by signal N).  Its stderr goes to $T/.err.
closed_pipe() {
	"$PYTHON" -c 'import os, subprocess, sys
n = int(sys.argv[2])
r, w = os.pipe()
if n == 0:
    os.close(r)
with open(sys.argv[1], "wb") as err:
    p = subprocess.Popen(sys.argv[3:], stdout=w, stderr=err,
                         restore_signals=True)
os.close(w)
if n:
    got = 0
    while got < n:
        b = os.read(r, n - got)
        if not b:
            break
        got += len(b)
    os.close(r)
s = p.wait()
print(s if s >= 0 else 128 - s)' "$T/.err" "$@"
}
