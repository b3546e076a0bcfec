#!/bin/sh
# evidence-schema: the schemas and their examples are valid, every record of
# a case built by the commands and the JSON they print validate, and
# records with a bad field do not.
. "$CUSTODY_TOP/tests/cli/lib.sh"

S=$CUSTODY_TOP/evidence-schema
V=$CUSTODY_TOP/tests/validate_records.py
C=$T/case

if ! "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
	fail "python3-jsonschema is installed for $PYTHON"
	exit 1
fi

# validate ARGS...: run the validator and relay its TAP lines as our own
validate() {
	"$PYTHON" "$V" --schemas "$S" --tap-offset "$n" "$@" >"$T/.tap" 2>"$T/.err"
	rc=$?
	cat "$T/.tap"
	n=$((n + $(grep -c -E '^(not )?ok ' "$T/.tap")))
	if [ "$rc" -eq 0 ]; then ok "the validator exits 0"; else
		fail "the validator exits 0 (exit $rc)"
		sed 's/^/#   /' "$T/.err"
	fi
}

# refuse DESCRIPTION LABEL WHY ARGS...: the validator exits 1 with a failure
# naming LABEL for the reason WHY; its own output is kept out of our TAP
refuse() {
	d=$1
	label=$2
	why=$3
	shift 3
	"$PYTHON" "$V" --schemas "$S" "$@" >"$T/.twin" 2>&1
	rc=$?
	if [ "$rc" -eq 1 ] &&
		grep '^not ok ' "$T/.twin" | grep -F -- "$label" | grep -qF -- "$why"
	then ok "$d"; else
		fail "$d (exit $rc)"
		sed 's/^/#   /' "$T/.twin"
	fi
}

# A case with every kind of record the commands write today.
expect_exit 0 "init with every field" custody-case init "$C" \
	--number DCU-2026-0147 --title "Operation Tidewater: Marlin C&C servers" \
	--examiner "Test Examiner" --agency "Digital Crimes Unit" \
	--authority "Seizure order 26-CV-01873"
expect_exit 0 "add-item with every field" custody-case add-item --case "$C" \
	--item E001 --exhibit 1 --description "Disk of C&C server mx-relay-04" \
	--make Seagate --model ST2000NM0055 --serial ZC1B7X4Q \
	--seized-at "Hostnet BV, Amsterdam, rack A12" \
	--seized-on 2026-11-24T10:42:00+01:00 --seized-by "Insp. M. de Vries" \
	--seal DCU-BAG-00731 --json
cp "$T/.out" "$T/item.out"
expect_exit 0 "add-item with only an id" custody-case add-item --case "$C" \
	--item E002

mkdir -p "$T/onsite/paperwork/scans"
printf 'rack A12, front\n' >"$T/onsite/rack.jpg"
printf 'seizure report\n' >"$T/onsite/paperwork/report.pdf"
printf 'handover form\n' >"$T/onsite/paperwork/scans/handover.pdf"
ln -s ../rack.jpg "$T/onsite/paperwork/latest.jpg"
mkfifo "$T/onsite/paperwork/pipe"
expect_exit 0 "custody-hash of files and a folder" custody-hash --case "$C" \
	--item E001 --note "photos and paperwork" --json \
	"$T/onsite/rack.jpg" "$T/onsite/paperwork"
cp "$T/.out" "$T/hash.out"
contains "$T/hash.out" '"reason": "symbolic link (not followed)"' \
	"the symlink is listed as skipped"
contains "$T/hash.out" '"reason": "not a regular file"' \
	"the FIFO is listed as skipped"
expect_exit 0 "custody-hash without an item" custody-hash --case "$C" \
	"$T/onsite/rack.jpg"

for action in sealed transferred stored note; do
	expect_exit 0 "custody-log add --action $action" custody-log add \
		--case "$C" --action "$action" --item E001 --from "Insp. M. de Vries" \
		--to "Test Examiner" --location "DCU evidence room, locker 14" \
		--note "seal DCU-BAG-00731 intact" --json
	cp "$T/.out" "$T/log-$action.out"
done
expect_exit 0 "custody-log show --json" custody-log show --case "$C" --json

mkdir "$C/artifacts/E001-H9.partial" # as an interrupted run leaves it
expect_exit 0 "custody-verify --json passes with a partial unit" \
	custody-verify --case "$C" --json
cp "$T/.out" "$T/verify.json"
contains "$T/verify.json" '"status": "warning"' "the partial unit is a warning"
expect_exit 0 "custody-case status --json" custody-case status --case "$C" \
	--json
cp "$T/.out" "$T/status.json"
contains "$T/status.json" '"state": "partial"' "status lists the partial unit"

# A tampered twin: its report says failed, and still has the report's shape.
cp -R "$C" "$T/tampered"
printf 'x' >>"$T/tampered/artifacts/E001-H1/files/rack.jpg"
expect_exit 1 "custody-verify --json fails on a tampered unit" \
	custody-verify --case "$T/tampered" --json
cp "$T/.out" "$T/verify-failed.json"

# Everything above through the schemas.
validate --examples --case "$C" --report "$T/verify.json" \
	--status "$T/status.json" --record verify-report "$T/verify-failed.json" \
	--record item "$T/item.out" --record artifacts "$T/hash.out" \
	--record event "$T/log-sealed.out" --record event "$T/log-transferred.out" \
	--record event "$T/log-stored.out" --record event "$T/log-note.out"
lines=$(wc -l <"$C/custody.log")
got=$(grep -c '^ok .* custody.log line [0-9]* matches' "$T/.tap")
[ "$lines" -eq 9 ] && [ "$got" -eq "$lines" ] &&
	ok "each of the $lines log lines was validated" ||
	fail "each log line was validated ($got of $lines, 9 expected)"
got=$(grep -c '^ok .* example .* matches' "$T/.tap")
want=$(ls "$CUSTODY_TOP"/evidence-schema/*.schema.json | grep -vc common.schema.json)
[ "$got" -eq "$want" ] && ok "an example validated for each of the $want schemas" ||
	fail "an example validated for each schema ($got of $want)"

# Hostile twins: one bad field each, and the validator refuses them.
mkdir "$T/twin"
cp -R "$C" "$T/twin/case"
sed 's/"created": "[^"]*"/"created": "16 March 2011"/' "$C/case.json" \
	>"$T/twin/case/case.json"
refuse "case.json whose created is not a time fails" "case.json matches" \
	"created: '16 March 2011'" --case "$T/twin/case"
sed 's/"id": "[^"]*"/"id": "not-a-uuid"/' "$C/case.json" >"$T/twin/case.json"
refuse "case.json whose id is not a UUID fails" "case.json matches" \
	"id: 'not-a-uuid'" --record case "$T/twin/case.json"
sed 's/"serial": /"colour": "black",\n  "serial": /' \
	"$C/items/E001/item.json" >"$T/twin/item.json"
refuse "item.json with a field custody never writes fails" "item.json matches" \
	"'colour' was unexpected" --record item "$T/twin/item.json"
sed '0,/"md5": "[0-9a-f]*"/s//"md5": "d41d8cd98f00b204"/' \
	"$C/artifacts/E001-H1/artifacts.json" >"$T/twin/artifacts.json"
refuse "artifacts.json with a short md5 fails" "artifacts.json matches" \
	"files/0/md5" --record artifacts "$T/twin/artifacts.json"
grep -m1 '"action":"hashed"' "$C/custody.log" |
	sed 's/"action":"hashed"/"action":"deleted"/' >"$T/twin/event.json"
refuse "an event with an unknown action fails" "event.json matches" \
	"action: 'deleted'" --record event "$T/twin/event.json"
grep -m1 '"action":"hashed"' "$C/custody.log" |
	sed 's/"bytes":[0-9]*/"bytes":1.5/' >"$T/twin/float.json"
refuse "an event with a floating-point number fails" "float.json matches" \
	"floating-point" --record event "$T/twin/float.json"
sed 's/"result": "failed"/"result": "verified"/' "$T/verify-failed.json" \
	>"$T/twin/verify.json"
refuse "a report verified with failures fails" "verify.json matches" \
	"counts/failed" --record verify-report "$T/twin/verify.json"
expect_exit 2 "the validator refuses a missing --schemas" "$PYTHON" "$V"
