#!/bin/sh
# Conventions every command keeps: --help, --version, --json, exit codes,
# one-line usage errors on stderr.
. "$CUSTODY_TOP/tests/cli/lib.sh"

for cmd in custody custody-case custody-hash custody-image custody-log custody-verify \
	custody-keygen custody-sign custody-extract; do
	expect_exit 0 "$cmd --help exits 0" $cmd --help
	contains "$T/.out" "usage: " "$cmd --help prints usage on stdout"
	[ ! -s "$T/.err" ] && ok "$cmd --help writes nothing on stderr" || fail "$cmd --help writes nothing on stderr"
	expect_exit 0 "$cmd --version exits 0" $cmd --version
	grep -q "^$cmd [0-9]\+\.[0-9]\+\.[0-9]\+$" "$T/.out" && ok "$cmd --version prints name and version" ||
		fail "$cmd --version prints name and version"
	[ -f "$CUSTODY_TOP/docs/man/$cmd.1" ] && ok "$cmd has a man page" || fail "$cmd has a man page"
done
for cmd in "custody-case init" "custody-case add-item" "custody-case show" "custody-case status" \
	"custody-log add" "custody-log show" "custody-log proof"; do
	expect_exit 0 "$cmd --help exits 0" $cmd --help
	contains "$T/.out" "--json" "$cmd --help lists --json"
	expect_exit 2 "$cmd with an unknown option exits 2" $cmd --bogus
	[ "$(head -n 1 "$T/.err")" = "$cmd: unknown option '--bogus'" ] && ok "$cmd names the unknown option" ||
		fail "$cmd names the unknown option: $(head -n 1 "$T/.err")"
done
expect_exit 2 "a missing option argument exits 2" custody-hash --case
contains "$T/.err" "option '--case' needs an argument" "the option is named"
expect_exit 2 "an option given twice exits 2" custody-verify --case a --case b
contains "$T/.err" "given twice" "the repetition is named"
expect_exit 2 "custody-case without subcommand" custody-case
expect_exit 2 "custody-case with an unknown subcommand" custody-case destroy
expect_exit 2 "custody without command" custody
expect_exit 2 "custody with an unknown command" custody frobnicate
expect_exit 0 "custody help COMMAND shows its help" custody help verify
contains "$T/.out" "usage: custody-verify" "the command's own usage"
new_case "$T/case"
expect_exit 0 "custody CMD runs custody-CMD" custody case status --case "$T/case" --json
$PYTHON -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/.out" && ok "dispatched --json output is JSON" ||
	fail "dispatched --json output is JSON"
expect_exit 0 "arguments after -- are kept" custody-hash --case "$T/case" -- "$CUSTODY_TOP/README.md"
# a write error on stdout is an error, not a silent success
if [ -w /dev/full ]; then
	custody-case show --case "$T/case" >/dev/full 2>"$T/.err"
	[ $? -eq 4 ] && ok "a full stdout gives exit 4" || fail "a full stdout gives exit 4"
else
	skip "a full stdout gives exit 4: no writable /dev/full"
fi

# A reader that went away (`custody-log show | head -c1`) is a failed write
# too: exit 4 with a message, never a silent death by SIGPIPE (141).
custody-log add --case "$T/case" --action note --note "for the timeline" >/dev/null
for cmd in "custody --help" "custody-case --help" "custody-case show" \
	"custody-case status --json" "custody-log show" "custody-log show --json" \
	"custody-verify"; do
	st=$(CUSTODY_CASE=$T/case closed_pipe 0 $cmd)
	[ "$st" = 4 ] && ok "$cmd into a closed pipe exits 4" ||
		fail "$cmd into a closed pipe exits 4 (got $st)"
	contains "$T/.err" "cannot write the output: Broken pipe" "$cmd says why"
done
mkdir "$T/many"
i=0
while [ $i -lt 1500 ]; do : >"$T/many/photo-$i.jpg"; i=$((i + 1)); done
st=$(closed_pipe 1 custody-hash --case "$T/case" --note many "$T/many")
[ "$st" = 4 ] && ok "custody-hash | head -c1 exits 4" ||
	fail "custody-hash | head -c1 exits 4 (got $st)"
contains "$T/.err" "cannot write the output" "custody-hash says why"
expect_exit 0 "the unit is sealed and logged all the same" custody-verify --case "$T/case"

echo "1..$n"
