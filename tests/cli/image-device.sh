#!/bin/sh
# custody-image on block devices (loop devices): identity, write-blocking,
# mounted and self-overwriting sources refused; and E01 output checked with
# ewfverify and ewfinfo.
. "$CUSTODY_TOP/tests/cli/lib.sh"

field() { $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@"; }
C=$T/case
new_case "$C" || fail "test case created"
head -c 25165824 /dev/urandom >"$T/disk.img"

# E01 (no root needed)
expect_exit 0 "E01 acquisition" custody-image --case "$C" --item E001 --format ewf \
	--compression fast --hash md5,sha1,sha256 --note "rack 12, slot 3" --json --quiet "$T/disk.img"
E=$C/acquisitions/E001-A1
md5=$(md5sum <"$T/disk.img" | cut -d' ' -f1)
if ewfverify -q "$E/image.E01" >"$T/.ewf" 2>&1; then ok "ewfverify passes"; else
	fail "ewfverify passes"
	sed 's/^/#   /' "$T/.ewf"
fi
ewfverify "$E/image.E01" 2>&1 | grep -i "md5" >"$T/.ewfmd5"
contains "$T/.ewfmd5" "$md5" "ewfverify finds the source's MD5"
ewfinfo "$E/image.E01" >"$T/.info" 2>&1
contains "$T/.info" "2011-RX-001" "ewfinfo: case number"
contains "$T/.info" "Test Examiner" "ewfinfo: examiner"
contains "$T/.info" "controller disk" "ewfinfo: description"
contains "$T/.info" "rack 12, slot 3" "ewfinfo: notes"
[ "$(field "$T/.out" verification.image.result)" = verified ] && ok "E01 read back through libewf" ||
	fail "E01 read back through libewf"
expect_exit 0 "custody-verify re-reads the E01" custody-verify --case "$C"

if [ "$(id -u)" -ne 0 ] || ! command -v losetup >/dev/null; then
	ok "# SKIP loop devices need root"
	echo "1..$n"
	exit 0
fi
LOOPS=""
MOUNTS=""
cleanup() {
	for m in $MOUNTS; do umount "$m" 2>/dev/null; done
	for l in $LOOPS; do blockdev --setrw "$l" 2>/dev/null; losetup -d "$l" 2>/dev/null; done
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

L=$(losetup -f --show "$T/disk.img") && LOOPS="$L" && ok "loop device $L" || fail "loop device"
expect_exit 0 "acquire a loop device, write-blocked" custody-image --case "$C" --item E001 \
	--set-readonly --json --quiet "$L"
cp "$T/.out" "$T/loop.json"
[ "$(field "$T/loop.json" source.kind)" = block ] && ok "kind block" || fail "kind block"
[ "$(field "$T/loop.json" source.size)" -eq "$(blockdev --getsize64 "$L")" ] && ok "size as blockdev says" ||
	fail "size as blockdev says"
[ "$(field "$T/loop.json" source.logical_sector_size)" -eq "$(blockdev --getss "$L")" ] &&
	ok "logical sector size as blockdev says" || fail "logical sector size as blockdev says"
[ "$(field "$T/loop.json" source.physical_sector_size)" -eq "$(blockdev --getpbsz "$L")" ] &&
	ok "physical sector size as blockdev says" || fail "physical sector size as blockdev says"
[ "$(field "$T/loop.json" source.hpa.checked)" = False ] && ok "HPA not checked on a loop device" ||
	fail "HPA not checked on a loop device"
field "$T/loop.json" source.hpa.reason >/dev/null 2>&1 && ok "with a reason" || fail "with a reason"
[ "$(blockdev --getro "$L")" = 1 ] && ok "--set-readonly left the device read-only" ||
	fail "--set-readonly left the device read-only"
[ "$(field "$T/loop.json" hashes.md5)" = "$md5" ] && ok "device MD5 equals md5sum of the file" ||
	fail "device MD5 equals md5sum of the file"
cmp -s "$T/disk.img" "$C/acquisitions/E001-A2/image.raw" && ok "device image is the disk" ||
	fail "device image is the disk"

L4=$(losetup -f --show --sector-size 4096 "$T/disk.img") && LOOPS="$LOOPS $L4"
expect_exit 0 "acquire a 4K-sector device" custody-image --case "$C" --item E001 --json --quiet "$L4"
[ "$(field "$T/.out" source.logical_sector_size)" -eq 4096 ] && ok "4096-byte sectors recorded" ||
	fail "4096-byte sectors recorded"

# a device mounted read-write is refused; a case on the source is refused
head -c 33554432 /dev/zero >"$T/fs.img"
mkfs.ext4 -q -F "$T/fs.img"
LF=$(losetup -f --show "$T/fs.img") && LOOPS="$LOOPS $LF"
mkdir "$T/mnt" && mount "$LF" "$T/mnt" && MOUNTS="$T/mnt"
expect_exit 2 "a device mounted read-write is refused" custody-image --case "$C" --item E001 --quiet "$LF"
contains "$T/.err" "mounted read-write" "the mount is named"
new_case "$T/mnt/case"
expect_exit 2 "imaging a device into a case on it is refused" custody-image --case "$T/mnt/case" \
	--item E001 --force --quiet "$LF"
contains "$T/.err" "would write onto the evidence" "the reason is given"
[ -z "$(ls "$T/mnt/case/acquisitions")" ] && ok "nothing was written onto the source" ||
	fail "nothing was written onto the source"
expect_exit 0 "--force images a mounted device into another case" custody-image --case "$C" \
	--item E001 --force --quiet "$LF"

echo "1..$n"
