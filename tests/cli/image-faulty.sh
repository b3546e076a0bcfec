#!/bin/sh
# custody-image on a damaged disk served by faultyfs through the real read
# path: exact unreadable ranges, an aligned zero-filled image, no hang.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/faulty.inc"
if ! faulty_usable; then
	ok "# SKIP $faulty_why"
	echo "1..$n"
	exit 0
fi

C=$T/case
new_case "$C" || fail "test case created"
head -c 8388608 /dev/urandom >"$T/backing.img"
field() { $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@"; }

# bad sectors 100-102 and 5000, a sector that fails only once
faulty_mount "$T/backing.img" "$T/mnt" --bad 100+3 --bad 5000+1 --flaky 3000+1 ||
	fail "faultyfs mounts"
expect_exit 6 "a disk with bad sectors exits 6" custody-image --case "$C" --item E001 \
	--quiet "$T/mnt/disk.img"
contains "$T/.err" "unreadable sectors filled with zeros" "the filling is reported"
A=$C/acquisitions/E001-A1
[ -d "$A" ] && ok "the acquisition is sealed" || fail "the acquisition is sealed"
grep -v '^#' "$A/errors.map" >"$T/map"
cat >"$T/want" <<'MAP'
0x00800000     +               1
0x00000000  0x0000C800  +
0x0000C800  0x00000600  -
0x0000CE00  0x00264200  +
0x00271000  0x00000200  -
0x00271200  0x0058EE00  +
MAP
cmp -s "$T/map" "$T/want" && ok "errors.map names exactly the bad sectors" ||
	{ fail "errors.map names exactly the bad sectors"; sed 's/^/#   /' "$T/map"; }
if command -v ddrescuelog >/dev/null; then
	ddrescuelog -t "$A/errors.map" >"$T/.ddr" 2>&1
	grep -q "bad-sector: *2048 B" "$T/.ddr" && ok "ddrescuelog counts 2048 bad bytes" ||
		{ fail "ddrescuelog counts 2048 bad bytes"; sed 's/^/#   /' "$T/.ddr"; }
else
	skip "ddrescuelog counts the bad bytes: no ddrescuelog (gddrescue)"
fi
cp "$T/backing.img" "$T/expected.img"
dd if=/dev/zero of="$T/expected.img" bs=512 seek=100 count=3 conv=notrunc 2>/dev/null
dd if=/dev/zero of="$T/expected.img" bs=512 seek=5000 count=1 conv=notrunc 2>/dev/null
cmp -s "$T/expected.img" "$A/image.raw" && ok "the image is aligned, zero-filled where unreadable" ||
	fail "the image is aligned, zero-filled where unreadable"
[ "$(field "$A/acquisition.json" errors.filled_sectors)" -eq 4 ] && ok "4 filled sectors recorded" ||
	fail "4 filled sectors recorded"
[ "$(field "$A/acquisition.json" errors.ranges.0.offset)" -eq 51200 ] && ok "the record lists the ranges" ||
	fail "the record lists the ranges"
[ "$(field "$A/acquisition.json" hashes.sha256)" = "$(sha256sum <"$T/expected.img" | cut -d' ' -f1)" ] &&
	ok "the hashes are those of the zero-filled image" || fail "the hashes are those of the zero-filled image"
expect_exit 0 "the case verifies" custody-verify --case "$C"
faulty_umount "$T/mnt"

# a large bad area with slow failures: the retry time bound ends it
faulty_mount "$T/backing.img" "$T/mnt" --bad 2048+4096 --delay-ms 20 || fail "faultyfs mounts"
timeout 120 custody-image --case "$C" --item E001 --quiet --max-retry-time 1 "$T/mnt/disk.img" \
	>"$T/.out" 2>"$T/.err"
[ $? -eq 6 ] && ok "a bounded retry time ends a slow bad area (exit 6)" ||
	{ fail "a bounded retry time ends a slow bad area"; sed 's/^/#   /' "$T/.err"; }
grep -q '  \*$' "$C/acquisitions/E001-A2/errors.map" && ok "the untried rest is mapped as not trimmed (*)" ||
	fail "the untried rest is mapped as not trimmed (*)"
filled=$(field "$C/acquisitions/E001-A2/acquisition.json" errors.filled_sectors)
# narrowing stops at 64 KiB areas past the bound: a little readable data
# next to the bad area may be filled too, never more than one such area
[ "$filled" -ge 4096 ] && [ "$filled" -le 4224 ] && ok "the bad area is filled, little more ($filled sectors)" ||
	fail "the bad area is filled, little more ($filled sectors)"
cmp -s -i 3211264 "$T/backing.img" "$C/acquisitions/E001-A2/image.raw" &&
	ok "the readable data after the bad area is kept" || fail "the readable data after the bad area is kept"
cmp -s -n 1048576 "$T/backing.img" "$C/acquisitions/E001-A2/image.raw" &&
	ok "the readable data before the bad area is kept" || fail "the readable data before the bad area is kept"
faulty_umount "$T/mnt"

# a disk that drops out: a clear error and a partial unit, nothing filled
faulty_mount "$T/backing.img" "$T/mnt" --bad 100+3 --vanish-after 4194304 || fail "faultyfs mounts"
expect_exit 5 "a vanishing disk ends the acquisition (exit 5)" custody-image --case "$C" \
	--item E001 --block-size 1M --quiet "$T/mnt/disk.img"
contains "$T/.err" "No such device or address" "the cause is named"
contains "$T/.err" "E001-A3.partial" "the partial unit is named"
[ -d "$C/acquisitions/E001-A3.partial" ] && [ ! -d "$C/acquisitions/E001-A3" ] &&
	ok "the unit stays partial" || fail "the unit stays partial"
faulty_umount "$T/mnt"
expect_exit 0 "the case still verifies, the partial unit as a warning" custody-verify --case "$C"
contains "$T/.out" "E001-A3.partial: unfinished unit" "verify reports the partial unit"

# the disk is back: --resume goes on from what was written and checked,
# and ends with the hashes of an uninterrupted run of the same disk
faulty_mount "$T/backing.img" "$T/mnt" --bad 100+3 || fail "faultyfs mounts"
expect_exit 6 "--resume completes the acquisition" custody-image --case "$C" --item E001 \
	--resume --quiet "$T/mnt/disk.img"
A3=$C/acquisitions/E001-A3
[ -d "$A3" ] && [ ! -e "$A3.partial" ] && ok "the resumed unit is sealed under its own name" ||
	fail "the resumed unit is sealed under its own name"
[ "$(field "$A3/acquisition.json" resumed.at_byte)" -gt 0 ] && ok "it resumed after the data already written" ||
	fail "it resumed after the data already written"
for f in resume.json blocks.partial errors.partial; do
	[ ! -e "$A3/$f" ] || fail "resume state $f left in the sealed unit"
done
expect_exit 6 "the same disk imaged without interruption" custody-image --case "$C" --item E001 \
	--block-size 1M --quiet "$T/mnt/disk.img"
A4=$C/acquisitions/E001-A4
for k in hashes.md5 hashes.sha256 blocks.merkle_root errors.filled_sectors; do
	[ "$(field "$A3/acquisition.json" $k)" = "$(field "$A4/acquisition.json" $k)" ] &&
		ok "resumed and uninterrupted runs agree: $k" || fail "resumed and uninterrupted runs agree: $k"
done
cmp -s "$A3/image.raw" "$A4/image.raw" && ok "the resumed image is byte-identical" ||
	fail "the resumed image is byte-identical"
grep -v '^#' "$A3/errors.map" >"$T/map.a3"
grep -v '^#' "$A4/errors.map" >"$T/map.a4"
cmp -s "$T/map.a3" "$T/map.a4" && ok "the resumed error map matches" || fail "the resumed error map matches"
expect_exit 2 "nothing left to resume" custody-image --case "$C" --item E001 --resume --quiet "$T/mnt/disk.img"
contains "$T/.err" "no interrupted acquisition" "the reason is given"
faulty_umount "$T/mnt"
expect_exit 0 "the case verifies after the resume" custody-verify --case "$C"

echo "1..$n"
