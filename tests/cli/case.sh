#!/bin/sh
# custody-case: init, add-item, show, status, and their hostile twins.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
expect_exit 0 "init creates a case" custody-case init "$C" --number 2011-RX-001 \
	--title "Operation b107" --examiner "Test Examiner" --agency DCU \
	--authority "Order 11-CV-00466"
contains "$T/.out" "created case 2011-RX-001" "init says what it created"
for f in case.json custody.log items acquisitions artifacts extractions reports examiners; do
	[ -e "$C/$f" ] && ok "init made $f" || fail "init made $f"
done
[ "$(wc -l <"$C/custody.log")" -eq 1 ] && ok "init logs case-created" || fail "init logs case-created"
contains "$C/custody.log" '"action":"case-created"' "first event is case-created"

cp "$C/case.json" "$T/case.before"
expect_exit 2 "init refuses a non-empty folder" custody-case init "$C" \
	--number 2 --title x --examiner y
contains "$T/.err" "is not empty" "refusal names the reason"
cmp -s "$C/case.json" "$T/case.before" && [ "$(wc -l <"$C/custody.log")" -eq 1 ] &&
	ok "refused init leaves the case untouched" || fail "refused init leaves the case untouched"
mkdir "$T/empty"
expect_exit 0 "init accepts an existing empty folder" custody-case init "$T/empty" \
	--number 3 --title t --examiner e
expect_exit 2 "init without --number is a usage error" custody-case init "$T/x" \
	--title t --examiner e
contains "$T/.err" "usage:" "usage error prints the synopsis"
[ ! -e "$T/x" ] && ok "failed init writes nothing" || fail "failed init writes nothing"

expect_exit 0 "add-item with every field" custody-case add-item --case "$C" \
	--item E001 --exhibit 1 --description "Controller disk, 500 GB" \
	--make "Western Digital" --model WD5000AAKS --serial WD-WCAS12345678 \
	--seized-at "Hosting provider, Kansas City, rack 12" \
	--seized-on 2011-03-16T09:05:00-05:00 --seized-by "US Marshal" --seal S-0042
contains "$C/items/E001/item.json" '"on": "2011-03-16T14:05:00.000Z"' \
	"seizure time stored in UTC"
contains "$C/items/E001/item.json" '"serial": "WD-WCAS12345678"' "serial recorded"
cp "$C/items/E001/item.json" "$T/item.before"
expect_exit 2 "add-item refuses an existing item" custody-case add-item \
	--case "$C" --item E001 --serial OTHER
contains "$T/.err" "already exists" "duplicate item is named"
cmp -s "$C/items/E001/item.json" "$T/item.before" && ok "existing item unchanged" ||
	fail "existing item unchanged"
expect_exit 2 "add-item refuses an id with ../" custody-case add-item \
	--case "$C" --item ../escape
expect_exit 2 "add-item refuses an id with a slash" custody-case add-item \
	--case "$C" --item a/b
expect_exit 2 "add-item refuses a leading dot" custody-case add-item \
	--case "$C" --item .E002
[ ! -e "$T/escape" ] && [ ! -e "$C/items/a" ] && ok "hostile ids write nothing" ||
	fail "hostile ids write nothing"
expect_exit 2 "add-item refuses a bad seizure time" custody-case add-item \
	--case "$C" --item E002 --seized-on "yesterday"
[ ! -e "$C/items/E002" ] && ok "refused item leaves no folder" || fail "refused item leaves no folder"
expect_exit 2 "add-item without --case or CUSTODY_CASE" custody-case add-item --item E003
CUSTODY_CASE=$C expect_exit 0 "CUSTODY_CASE names the case" custody-case add-item --item E003
expect_exit 3 "a folder that is not a case" custody-case show --case "$T"
contains "$T/.err" "is not a custody case" "not-a-case message"

expect_exit 0 "show prints the case" custody-case show --case "$C"
contains "$T/.out" "WD-WCAS12345678" "show lists item details"
contains "$T/.out" "Order 11-CV-00466" "show lists the authority"
expect_exit 0 "show --json" custody-case show --case "$C" --json
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [i["id"] for i in d["items"]]==["E001","E003"]' "$T/.out" &&
	ok "show --json lists the items in order" || fail "show --json lists the items in order"

expect_exit 0 "status" custody-case status --case "$C"
contains "$T/.out" "3 events" "status counts the log (init and two items)"
mkdir "$C/artifacts/H9.partial"
expect_exit 0 "status with a partial unit" custody-case status --case "$C" --json
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); u=d["units"]; assert u==[{"kind":"artifacts","name":"H9","path":"artifacts/H9.partial","state":"partial"}], u' "$T/.out" &&
	ok "status reports a partial unit as partial" || fail "status reports a partial unit as partial"

# a malformed case.json is named with its line
cp -r "$C" "$T/bad"
printf '{\n  "id": "x",\n  oops\n}\n' | { chmod u+w "$T/bad/case.json"; cat >"$T/bad/case.json"; }
expect_exit 3 "malformed case.json" custody-case status --case "$T/bad"
contains "$T/.err" "case.json' line 3" "message names the file and line"

echo "1..$n"
