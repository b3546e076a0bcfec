#!/bin/sh
# custody-log: manual events, the timeline, concurrent appends, a held lock.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"

for a in transferred stored sealed note; do
	expect_exit 0 "add a '$a' event" custody-log add --case "$C" --action "$a" \
		--item E001 --from "Test Examiner" --to "Evidence room" \
		--location "Locker 12" --note "bag S-0042 intact"
done
contains "$T/.out" "logged event 6: note" "the event number is reported"
expect_exit 2 "a non-manual action is refused" custody-log add --case "$C" --action acquired
expect_exit 2 "an unknown action is refused" custody-log add --case "$C" --action deleted
expect_exit 2 "--action is required" custody-log add --case "$C"
expect_exit 2 "an unknown item is refused" custody-log add --case "$C" --action note --item E404
expect_exit 2 "an item id with ../ is refused" custody-log add --case "$C" --action note --item ../E001
expect_exit 2 "invalid UTF-8 in a note is refused" custody-log add --case "$C" --action note \
	--note "$(printf 'bad \377 byte')"
[ "$(wc -l <"$C/custody.log")" -eq 6 ] && ok "refused events are not logged" || fail "refused events are not logged"

expect_exit 0 "show the timeline" custody-log show --case "$C"
[ "$(wc -l <"$T/.out")" -eq 6 ] && ok "one line per event" || fail "one line per event"
contains "$T/.out" "transferred" "timeline names the action"
contains "$T/.out" "location=Locker 12" "timeline shows the location"
expect_exit 0 "show --json" custody-log show --case "$C" --json
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [e["seq"] for e in d]==list(range(1,7)) and d[2]["to"]=="Evidence room"' "$T/.out" &&
	ok "--json is the list of events" || fail "--json is the list of events"
CUSTODY_EXAMINER="Second Examiner" custody-log add --case "$C" --action note --note handover >/dev/null
tail -n 1 "$C/custody.log" | grep -q '"actor":{"name":"Second Examiner"}' &&
	ok "CUSTODY_EXAMINER names the actor" || fail "CUSTODY_EXAMINER names the actor"
custody-log add --case "$C" --action note --examiner "Third Examiner" >/dev/null
tail -n 1 "$C/custody.log" | grep -q '"actor":{"name":"Third Examiner"}' &&
	ok "--examiner names the actor" || fail "--examiner names the actor"

expect_exit 0 "--at records when it happened" custody-log add --case "$C" --action sealed \
	--item E001 --at 2011-03-16T10:15:00-05:00 --note "bag S-0042"
tail -n 1 "$C/custody.log" | grep -q '"occurred":"2011-03-16T15:15:00.000Z"' &&
	ok "--at is stored in UTC" || fail "--at is stored in UTC"
expect_exit 2 "a bad --at is refused" custody-log add --case "$C" --action note --at "last tuesday"
expect_exit 2 "an empty --location is refused" custody-log add --case "$C" --action note --location ""

# eight commands at once: eight intact events, none lost or interleaved
before=$(wc -l <"$C/custody.log")
i=1
while [ $i -le 8 ]; do
	custody-log add --case "$C" --action note --note "parallel $i" >/dev/null &
	i=$((i + 1))
done
wait
after=$(wc -l <"$C/custody.log")
[ $((after - before)) -eq 8 ] && ok "8 concurrent appends give 8 events" ||
	fail "8 concurrent appends give 8 events ($before -> $after)"
i=1
missing=0
while [ $i -le 8 ]; do
	[ "$(grep -c "\"note\":\"parallel $i\"" "$C/custody.log")" -eq 1 ] || missing=1
	i=$((i + 1))
done
[ $missing -eq 0 ] && ok "each concurrent event appears once" || fail "each concurrent event appears once"
expect_exit 0 "the chain holds after concurrent appends" custody-verify --case "$C"

# a case locked by another process: a clear message after the wait.  This
# shell holds the lock through a descriptor of its own: held before the
# command starts (flock returns once it has it), let go when it is closed.
exec 9>>"$C/custody.log"
flock -x 9 || fail "the test takes the lock of custody.log"
lines=$(wc -l <"$C/custody.log")
CUSTODY_LOCK_TIMEOUT=1 expect_exit 4 "a held lock makes the command fail" \
	custody-log add --case "$C" --action note --note blocked
contains "$T/.err" "locked by another process" "the lock is named"
[ "$(wc -l <"$C/custody.log")" -eq "$lines" ] && ok "nothing written while locked" || fail "nothing written while locked"
exec 9>&-

# a log whose last line was cut off is not appended to
cp -r "$C" "$T/torn"
printf '{"action":"note","seq":' >>"$T/torn/custody.log"
cp "$T/torn/custody.log" "$T/torn.before"
expect_exit 3 "an incomplete last line is refused" custody-log add --case "$T/torn" --action note
contains "$T/.err" "incomplete line" "the problem is named"
cmp -s "$T/torn/custody.log" "$T/torn.before" && ok "the torn log is left as it was" ||
	fail "the torn log is left as it was"
expect_exit 3 "show names the bad line" custody-log show --case "$T/torn"
contains "$T/.err" "line $((lines + 1))" "show names the line number"

echo "1..$n"
