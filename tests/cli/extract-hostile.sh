#!/bin/sh
# custody-extract on images made to hide evidence or to stall the run: what
# cannot be read is named in the record and the run exits 6; what a file
# claims beyond what its runs hold costs nothing to skip.
. "$CUSTODY_TOP/tests/cli/lib.sh"
export LC_ALL=C

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# field FILE EXPR: a value of the JSON record FILE, as Python prints it
field() { "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {"r": r}))' "$1" "$2"; }

# A directory of 400 files, each with a target, whose directory blocks are
# scattered among the files' (mke2fs -d adds them one by one): its extent
# tree has a block of its own.  Zeroing that block's header (12 bytes)
# leaves libtsk nothing to list.
mkdir -p "$T/src/dir"
i=1
while [ $i -le 400 ]; do
	printf 'bot %d reports to owner%d@botnet-%d.example.com\n' $i $i $i \
		>"$T/src/dir/f$i.txt"
	i=$((i + 1))
done
printf 'top\n' >"$T/src/top.txt"
mke2fs -q -F -t ext4 -b 1024 -d "$T/src" "$T/dirs.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 image with a directory of 400 files (mke2fs -d)"
etb=$(debugfs -R 'stat /dir' "$T/dirs.img" 2>/dev/null |
	sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
[ -n "$etb" ] && ok "the directory has an extent block ($etb)" ||
	fail "the directory has an extent block"

check "the sound image extracts" custody-extract --case "$C" --item E001 \
	--quiet "$T/dirs.img"
X=$(last)
[ "$(grep -c '"path":"/dir/f' "$X/inventory.jsonl")" -eq 400 ] &&
	ok "the sound image: 400 files in /dir" || fail "the sound image: 400 files in /dir"
[ "$(field "$X/extraction.json" 'r["walk"]["complete"]')" = True ] &&
	ok "the sound image: complete" || fail "the sound image: complete"

cp "$T/dirs.img" "$T/damaged.img"
dd if=/dev/zero of="$T/damaged.img" bs=1 seek=$((etb * 1024)) count=12 \
	conv=notrunc 2>/dev/null || fail "the extent block's header zeroed (dd)"
expect_exit 6 "a directory that cannot be read: exit 6" \
	custody-extract --case "$C" --item E001 "$T/damaged.img"
contains "$T/.err" "not everything could be read" "and stderr says so"
X=$(last)
[ -f "$X/SHA256SUMS" ] && ok "the unit is sealed all the same" ||
	fail "the unit is sealed all the same"
grep -q "\"unit\":\"extractions/$(basename "$X")\"" "$C/custody.log" &&
	ok "and logged" || fail "and logged"
[ "$(field "$X/extraction.json" 'r["walk"]["complete"]')" = False ] &&
	ok "the record says the walk is not complete" ||
	fail "the record says the walk is not complete"
field "$X/extraction.json" \
	'"\n".join(p["message"] for p in r["walk"]["problems"])' >"$T/problems"
contains "$T/problems" "directory '/dir'" "the problem names the directory"
grep -q '"path":"/dir"' "$X/inventory.jsonl" &&
	ok "the directory itself is in the inventory" ||
	fail "the directory itself is in the inventory"
custody-verify --case "$C" >/dev/null 2>&1 && ok "the case verifies" ||
	fail "the case verifies"
schemas_ok "$C" "the records match their schemas"

echo "1..$n"
