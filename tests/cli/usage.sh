#!/bin/sh
# Usage errors (exit 2): what counts as one, and what one leaves behind,
# which is nothing (docs/exit-codes.md).
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case made"
printf 'photo\n' >"$T/photo.jpg"
printf 'raw\n' >"$T/disk.raw"

# ---- an empty argument names nothing: usage, not a failed file operation ----
expect_exit 2 "custody-case init '' is a usage error" custody-case init "" \
	--number 1 --title t --examiner x
contains "$T/.err" "usage: custody-case init DIR" "custody-case init '' shows the usage"
contains "$T/.err" "custody-case init: an argument is empty" "custody-case init '' says why"
expect_exit 2 "custody-hash '' is a usage error" custody-hash --case "$C" "" "$T/photo.jpg"
contains "$T/.err" "an argument is empty" "custody-hash '' says why"
expect_exit 2 "custody-image '' is a usage error" custody-image --case "$C" --item E001 ""
expect_exit 2 "custody-extract '' is a usage error" custody-extract --case "$C" --item E001 ""
expect_exit 2 "custody-sign '' is a usage error" custody-sign --case "$C" ""
expect_exit 2 "custody-case show '' is a usage error" custody-case show --case "$C" ""

# ---- a usage error writes nothing to the case ----
# every entry of the case with its type, mode and (for files) its SHA-256
snapshot() {
	(cd "$C" && find . -printf '%y %m %p\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k 2)
}
snapshot >"$T/before"
mkdir "$T/empty-dir"
for cmd in \
	"custody-case add-item --case $C --item E001" \
	"custody-case add-item --case $C --item .E002" \
	"custody-case add-item --case $C --item E002 --seized-on yesterday" \
	"custody-case add-item --case $C --item E002 --key $T/k" \
	"custody-case add-item --case $C --item E002 --no-sign --tsa http://127.0.0.1:9/" \
	"custody-hash --case $C --item E404 $T/photo.jpg" \
	"custody-hash --case $C $T/photo.jpg $T/photo.jpg" \
	"custody-hash --case $C --cert $T/c $T/photo.jpg" \
	"custody-hash --case $C" \
	"custody-hash --case $C $C/custody.log" \
	"custody-hash --case $C $T" \
	"custody-hash --case $C --bogus $T/photo.jpg" \
	"custody-log add --case $C --action acquired" \
	"custody-log add --case $C --action note --item E404" \
	"custody-log add --case $C" \
	"custody-image --case $C --item E404 $T/disk.raw" \
	"custody-image --case $C --item E001 --format tiff $T/disk.raw" \
	"custody-image --case $C --item E001 --hash crc99 $T/disk.raw" \
	"custody-image --case $C $T/disk.raw" \
	"custody-extract --case $C --item E404 $T/disk.raw" \
	"custody-extract --case $C --item E001 --copy some $T/disk.raw" \
	"custody-sign --case $C" \
	"custody-sign --case $C E001-H9" \
	"custody-verify --case $C --proof a --checkpoint b"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$cmd" $cmd
done
snapshot >"$T/after"
grep -v 'custody\.checkpoint' "$T/before" >"$T/before.rest"
grep -v 'custody\.checkpoint' "$T/after" >"$T/after.rest"
if cmp -s "$T/before.rest" "$T/after.rest"; then
	ok "after them the case is as it was: no unit, no log line, no record"
else
	fail "after them the case is as it was: no unit, no log line, no record"
	diff "$T/before.rest" "$T/after.rest" | sed 's/^/#   /'
fi
# the checkpoint is written only after an append: it is as it was too
if cmp -s "$T/before" "$T/after"; then
	ok "the checkpoint is as it was"
else
	fail "the checkpoint is as it was"
	diff "$T/before" "$T/after" | sed 's/^/#   /'
fi

echo "1..$n"
