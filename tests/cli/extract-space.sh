#!/bin/sh
# custody-extract carves what is outside every file: the unallocated
# blocks of an ext4 file system (where a deleted file's content stays when
# ext4 has zeroed its block pointers), a file's slack, and the space of a
# disk outside its partitions.  Offsets are checked against the image.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# at IMAGE OFFSET LEN: the bytes of IMAGE there
at() { tail -c +$(($2 + 1)) "$1" | head -c "$3"; }

# ext4: a target list written, then deleted before the raid
mkdir -p "$T/e"
printf 'live config, nothing here\n' >"$T/e/keep.txt"
{
	head -c 5000 /dev/zero | tr '\0' ' '
	printf 'spam run: deleted-victim@mailbox.example.org http://deleted-gate.example.net/x.php 192.0.2.201\n'
} >"$T/e/targets.txt"
mke2fs -q -F -t ext4 -d "$T/e" "$T/ext4.img" 8M >/dev/null 2>&1 &&
	debugfs -w -R "rm /targets.txt" "$T/ext4.img" >/dev/null 2>&1 &&
	ok "an ext4 image with a file deleted (mke2fs -d, debugfs rm)" ||
	fail "an ext4 image with a file deleted"
check "extracted" custody-extract --case "$C" --item E001 --quiet \
	--all-occurrences "$T/ext4.img"
X=$(last)
grep -q '^deleted-victim@mailbox.example.org,' "$X/targets/emails.csv" &&
	ok "the deleted file's address is carved" ||
	fail "the deleted file's address is carved"
# whatever libtsk can still read of the deleted inode, its blocks are
# unallocated: the address is found there, at its offset in the image
off=$(grep '"value":"deleted-victim@mailbox.example.org"' \
	"$X/targets/occurrences.jsonl" | grep '"where":"p0 (unallocated)"' |
	"$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.readline())["offset"])')
[ -n "$off" ] && ok "in the unallocated blocks" ||
	fail "in the unallocated blocks"
[ "$(at "$T/ext4.img" "${off:-0}" 34)" = "deleted-victim@mailbox.example.org" ] &&
	ok "the offset is the address's offset in the image" ||
	fail "the offset is the address's offset in the image ($off)"
grep -q '^http://deleted-gate.example.net/x.php,' "$X/targets/urls.csv" &&
	grep -q '^192.0.2.201,' "$X/targets/ips.csv" &&
	ok "its URL and IP address too" || fail "its URL and IP address too"
[ "$("$PYTHON" -c 'import json,sys; r = json.load(open(sys.argv[1])); print(r["counts"]["space_bytes_carved"] > 0 and r["walk"]["partitions"][0]["unallocated_bytes"] > 0)' "$X/extraction.json")" = True ] &&
	ok "the record counts the space carved" ||
	fail "the record counts the space carved"
check "--no-targets" custody-extract --case "$C" --item E001 --quiet \
	--no-targets "$T/ext4.img"
grep -q '"space_bytes_carved":0' "$(last)/extraction.json" ||
	"$PYTHON" -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["counts"]["space_bytes_carved"])' \
		"$(last)/extraction.json" &&
	ok "and none without targets" || fail "and none without targets"

# FAT: a marker in the slack of a 100-byte file's cluster
mkdir -p "$T/f"
head -c 100 /dev/zero | tr '\0' 'a' >"$T/f/SHORT.TXT"
mkfs.fat -C -s 8 "$T/fat.img" 4096 >/dev/null 2>&1 &&
	mcopy -i "$T/fat.img" "$T/f/SHORT.TXT" :: || fail "a FAT image"
check "extracted (FAT)" custody-extract --case "$C" --item E001 --quiet \
	"$T/fat.img"
X=$(last)
run=$(grep -F '"path":"/SHORT.TXT"' "$X/inventory.jsonl" |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["offset"])')
printf 'slack: hidden@slack-space.example.com\n' |
	dd of="$T/fat.img" bs=1 seek=$((run + 100)) conv=notrunc 2>/dev/null
check "extracted again, a marker in the file's slack" custody-extract \
	--case "$C" --item E001 --quiet "$T/fat.img"
X=$(last)
grep -q '^hidden@slack-space.example.com,1,p0:/SHORT.TXT (slack),107$' \
	"$X/targets/emails.csv" &&
	ok "the address in the slack: its file and its offset past the end" ||
	{ fail "the address in the slack"; sed 's/^/#   /' "$X/targets/emails.csv"; }
grep -F '"path":"/SHORT.TXT"' "$X/inventory.jsonl" |
	grep -q "\"md5\":\"$(md5sum <"$T/f/SHORT.TXT" | cut -d' ' -f1)\"" &&
	ok "the file's own MD5 is unchanged by its slack" ||
	fail "the file's own MD5 is unchanged by its slack"

# a partitioned disk: a FAT partition, and a marker in the gap after it
head -c $((4 * 1048576)) /dev/zero >"$T/disk.img"
# one DOS partition table entry: type 0x0c, sectors 2048..6143
"$PYTHON" -c '
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x0C, b"\0\0\0", 2048, 4096))
    f.seek(510)
    f.write(b"\x55\xaa")
' "$T/disk.img" || fail "a partition table"
mkfs.fat -C "$T/part.img" 2048 >/dev/null 2>&1 &&
	dd if="$T/part.img" of="$T/disk.img" bs=512 seek=2048 conv=notrunc 2>/dev/null
printf 'gap: between@partitions.example.net\n' |
	dd of="$T/disk.img" bs=1 seek=$((7000 * 512)) conv=notrunc 2>/dev/null
check "extracted (partitioned)" custody-extract --case "$C" --item E001 \
	--quiet "$T/disk.img"
X=$(last)
grep -q "^between@partitions.example.net,1,- (unpartitioned),$((7000 * 512 + 5))\$" \
	"$X/targets/emails.csv" &&
	ok "an address outside every partition, at its image offset" ||
	{ fail "an address outside every partition"; sed 's/^/#   /' "$X/targets/emails.csv"; }
check "the case verifies" custody-verify --case "$C"
schemas_ok "$C" "the records match their schemas"

echo "1..$n"
