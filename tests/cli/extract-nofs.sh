#!/bin/sh
# custody-extract where nothing opens as a file system: raw media, a
# memory or swap dump, a wiped disk, the same inside an E01, a partition
# table whose partitions hold nothing.  Each range in which nothing opens
# is carved end to end as "unrecognised" space, the record says why, the
# run succeeds and says so on stderr.  And a partition formatted twice
# (NTFS, then ext2 over the same sectors): both file systems walked, each
# recorded as its own.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# rec EXPR: EXPR of the last extraction record R, printed by Python
rec() {
	"$PYTHON" -c 'import json, sys
R = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$(last)/extraction.json" "$1"
}
no_partial() {
	if ls -d "$C"/extractions/*.partial >/dev/null 2>&1; then
		fail "$1"
		ls -d "$C"/extractions/*.partial | sed 's/^/#   /'
	else
		ok "$1"
	fi
}
MiB=1048576

# ---- a memory or swap dump: bytes of no file system, text in them -------
# seeded pseudo-random bytes (never a file system) with addresses at
# known offsets: one across the 1 MiB boundary of the walk's chunks, one
# in the image's last bytes
"$PYTHON" - "$T/dump.img" <<'EOF' || fail "a dump image"
import random, sys
rnd = random.Random(13)
size = 3 * 1048576
buf = bytearray(rnd.getrandbits(8) for _ in range(size))
# text runs with no '@' or '.' in the noise around them
for i in range(size):
    if buf[i] in b"@.:":
        buf[i] = 0
def put(off, text):
    buf[off:off + len(text)] = text
put(4096, b"\0From: alice.raw@dump-one.example.org\r\n\0")
put(1048576 - 12, b"\0mallory@chunk-edge.example.net\0")
put(2 * 1048576 + 777, b"\0RCPT TO:<bob@swap-dump.example.com>\0")
tail = b"\0eve@last-bytes.example.org"
put(size - len(tail), tail)
open(sys.argv[1], "wb").write(buf)
EOF
# stock tools find no file system either
fsstat "$T/dump.img" >/dev/null 2>&1 && fail "fsstat finds a file system in the dump" ||
	ok "fsstat finds no file system in the dump"
expect_exit 0 "a dump with no file system: extracted, exit 0" \
	custody-extract --case "$C" --item E001 --quiet --jobs 1 "$T/dump.img"
contains "$T/.err" "custody-extract: no file system found: the whole image was carved as unrecognised space" \
	"it says so on stderr"
[ "$(grep -c . "$T/.err")" -eq 1 ] && ok "in one line" ||
	{ fail "in one line"; sed 's/^/#   /' "$T/.err"; }
X=$(last)
case $X in *.partial) fail "the unit is sealed ($X)" ;; *) ok "the unit is sealed" ;; esac
no_partial "no partial unit is left"
# every address at its offset in the image, of partition p0 (unrecognised)
cat >"$T/dump.want" <<EOF
alice.raw@dump-one.example.org,1,p0 (unrecognised),4103
bob@swap-dump.example.com,1,p0 (unrecognised),$((2 * MiB + 777 + 10))
eve@last-bytes.example.org,1,p0 (unrecognised),$((3 * MiB - 26))
mallory@chunk-edge.example.net,1,p0 (unrecognised),$((MiB - 11))
EOF
grep -v '^value,' "$X/targets/emails.csv" | grep -e dump-one -e swap-dump \
	-e last-bytes -e chunk-edge | sort >"$T/dump.got"
cmp -s "$T/dump.want" "$T/dump.got" &&
	ok "every address carved, at its image offset, in p0 (unrecognised)" ||
	{ fail "every address carved, at its image offset, in p0 (unrecognised)"
	  diff "$T/dump.want" "$T/dump.got" | sed 's/^/#   /'; }
[ "$(rec '(R["counts"]["entries"], R["counts"]["space_bytes_carved"], R["walk"]["complete"])')" = \
	"(0, $((3 * MiB)), True)" ] &&
	ok "no entries, every byte carved, the walk complete" ||
	{ fail "no entries, every byte carved, the walk complete"; rec 'R["counts"], R["walk"]' | sed 's/^/#   /'; }
[ "$(rec '[(p["name"], p["offset"], p["length"], "fs_type" in p, p.get("unrecognised_bytes")) for p in R["walk"]["partitions"]]')" = \
	"[('p0', 0, $((3 * MiB)), False, $((3 * MiB)))]" ] &&
	ok "the record: p0, the whole image, unrecognised_bytes" ||
	{ fail "the record: p0, the whole image, unrecognised_bytes"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
rec 'R["walk"]["partitions"][0]["fs_error"]' | grep -q "no file system could be opened" &&
	rec '[n["partition"] + ": " + n["message"] for n in R["walk"]["notes"]]' |
	grep -q "p0: no file system found" &&
	ok "the record: the partition's fs_error and a note of the walk" ||
	{ fail "the record: the partition's fs_error and a note of the walk"; rec 'R["walk"]' | sed 's/^/#   /'; }
[ ! -s "$X/inventory.jsonl" ] && ok "an empty inventory" || fail "an empty inventory"
# the same whatever --jobs
expect_exit 0 "the dump again with --jobs 4" \
	custody-extract --case "$C" --item E001 --quiet --jobs 4 "$T/dump.img"
cmp -s "$X/targets/emails.csv" "$(last)/targets/emails.csv" &&
	cmp -s "$X/targets/urls.csv" "$(last)/targets/urls.csv" &&
	ok "the same target lists whatever --jobs" ||
	fail "the same target lists whatever --jobs"

# ---- the same media inside an E01 made by ewfacquire --------------------
mkdir -p "$T/ewf"
if ewfacquire -q -u -t "$T/ewf/dump" -c none -m fixed -S 1GiB \
	"$T/dump.img" >"$T/ewf/log" 2>&1 && [ -f "$T/ewf/dump.E01" ]; then
	ok "an E01 of the dump (ewfacquire)"
else
	fail "an E01 of the dump (ewfacquire)"; sed 's/^/#   /' "$T/ewf/log"
fi
expect_exit 0 "an E01 whose media holds no file system: exit 0" \
	custody-extract --case "$C" --item E001 --quiet "$T/ewf/dump.E01"
contains "$T/.err" "no file system found: the whole image was carved" \
	"it says so on stderr"
grep -v '^value,' "$(last)/targets/emails.csv" | grep -e dump-one \
	-e swap-dump -e last-bytes -e chunk-edge | sort >"$T/ewf.got"
cmp -s "$T/dump.want" "$T/ewf.got" &&
	ok "the same addresses at the same offsets as in the raw dump" ||
	{ fail "the same addresses at the same offsets as in the raw dump"
	  diff "$T/dump.want" "$T/ewf.got" | sed 's/^/#   /'; }
[ "$(rec 'R["walk"]["container"]["type"], R["walk"]["partitions"][0]["unrecognised_bytes"]')" = \
	"('ewf', $((3 * MiB)))" ] && ok "read through libewf, every byte" ||
	{ fail "read through libewf, every byte"; rec 'R["walk"]' | sed 's/^/#   /'; }

# ---- a wiped disk: all zeros ---------------------------------------------
truncate -s 2M "$T/zeros.img"
expect_exit 0 "an image of zeros: exit 0" \
	custody-extract --case "$C" --item E001 --quiet "$T/zeros.img"
contains "$T/.err" "no file system found" "it says so"
[ "$(rec '(R["counts"]["entries"], R["walk"]["partitions"][0]["unrecognised_bytes"], sum(v["distinct"] for v in R["targets"].values()))')" = \
	"(0, $((2 * MiB)), 0)" ] &&
	ok "every byte carved, nothing found" ||
	{ fail "every byte carved, nothing found"; rec 'R["counts"]' | sed 's/^/#   /'; }
# without carving nothing is read: said, still not an error
expect_exit 0 "zeros with --no-targets: exit 0" \
	custody-extract --case "$C" --item E001 --quiet --no-targets "$T/zeros.img"
contains "$T/.err" "no file system found" "it says so"
no_partial "no partial unit is left"

# ---- a partition table whose partitions hold nothing --------------------
# DOS: p1 (0x83) holds text, p2 (0x07) zeros, a gap after them
truncate -s 4M "$T/parts.img"
"$PYTHON" - "$T/parts.img" <<'EOF' || fail "a partition table"
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 2048))
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x07, b"\0\0\0", 4096, 2048))
    f.seek(510)
    f.write(b"\x55\xaa")
    f.seek(2048 * 512 + 1000)
    f.write(b"\0carol@empty-partition.example.org\0")
    f.seek(7000 * 512)
    f.write(b"\0dave@after-the-partitions.example.org\0")
EOF
expect_exit 0 "partitions holding nothing: exit 0" \
	custody-extract --case "$C" --item E001 --quiet "$T/parts.img"
contains "$T/.err" "no file system found in p1, p2: carved as unrecognised space" \
	"it says which partitions, in one line"
X=$(last)
grep -qx "carol@empty-partition.example.org,1,p1 (unrecognised),$((2048 * 512 + 1001))" \
	"$X/targets/emails.csv" &&
	grep -qx "dave@after-the-partitions.example.org,1,- (unpartitioned),$((7000 * 512 + 1))" \
	"$X/targets/emails.csv" &&
	ok "the partition carved as unrecognised, the gap as unpartitioned" ||
	{ fail "the partition carved as unrecognised, the gap as unpartitioned"
	  sed 's/^/#   /' "$X/targets/emails.csv"; }
[ "$(rec '[(p["name"], p.get("unrecognised_bytes")) for p in R["walk"]["partitions"]], R["walk"]["complete"]')" = \
	"([('p1', 1048576), ('p2', 1048576)], True)" ] &&
	ok "each partition's bytes in the record" ||
	{ fail "each partition's bytes in the record"; rec 'R["walk"]' | sed 's/^/#   /'; }

# ---- a partition formatted twice: NTFS, then ext2 over it ----------------
# mkfs.ntfs with 64 KiB clusters leaves the first cluster to its boot
# sector; mke2fs (1 KiB blocks, 16 inodes) keeps its structures and files
# inside that cluster, but wipes the first sector: NTFS's boot sector is
# written back there (ext2 never uses the first 1024 bytes)
if ! command -v mkfs.ntfs >/dev/null 2>&1 || ! command -v ntfscp >/dev/null 2>&1; then
	skip "a partition formatted twice: no mkfs.ntfs and ntfscp (ntfs-3g)"
else
	truncate -s 8M "$T/twice.img"
	printf 'ntfs side: alice@ntfs-side.example.org\n' >"$T/n.txt"
	mkdir -p "$T/e"
	printf 'ext side: bob@ext-side.example.org\n' >"$T/e/e.txt"
	mkfs.ntfs -F -q -f -c 65536 "$T/twice.img" >/dev/null 2>&1 &&
		ntfscp -f "$T/twice.img" "$T/n.txt" ntfs-note.txt >/dev/null 2>&1 &&
		dd if="$T/twice.img" of="$T/boot.bin" bs=512 count=1 status=none &&
		mke2fs -q -F -t ext2 -b 1024 -N 16 -I 128 \
			-O ^resize_inode,^dir_index -E nodiscard -m 0 -d "$T/e" \
			"$T/twice.img" >/dev/null 2>&1 &&
		dd if="$T/boot.bin" of="$T/twice.img" conv=notrunc status=none ||
		fail "NTFS and ext2 over the same sectors"
	# in a partition of a DOS disk
	truncate -s 10M "$T/twodisk.img"
	"$PYTHON" - "$T/twodisk.img" <<'EOF' || fail "its partition table"
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x07, b"\0\0\0", 2048, 16384))
    f.seek(510)
    f.write(b"\x55\xaa")
EOF
	dd if="$T/twice.img" of="$T/twodisk.img" bs=512 seek=2048 conv=notrunc status=none
	fsstat -o 2048 "$T/twodisk.img" >/dev/null 2>"$T/.fsstat"
	contains "$T/.fsstat" "Cannot determine file system type (EXT2/3/4 or NTFS)" \
		"TSK's autodetection refuses it: two types match"
	icat -o 2048 -f ntfs "$T/twodisk.img" 64 2>/dev/null | grep -q alice@ &&
		icat -o 2048 -f ext2 "$T/twodisk.img" 12 2>/dev/null | grep -q bob@ &&
		e2fsck -fn "$T/twice.img" >/dev/null 2>&1 &&
		ok "both file systems read with their type named (icat -f), e2fsck clean" ||
		fail "both file systems read with their type named (icat -f)"
	expect_exit 0 "the twice-formatted partition: extracted, exit 0" \
		custody-extract --case "$C" --item E001 --quiet --jobs 1 \
		--all-occurrences "$T/twodisk.img"
	contains "$T/.err" "custody-extract: p1 holds more than one file system (ntfs, ext2): each walked as its own" \
		"it warns that the partition holds more than one"
	X=$(last)
	grep -F '"path":"/ntfs-note.txt"' "$X/inventory.jsonl" |
		grep -qF '"partition":"p1#ntfs"' &&
		grep -F '"path":"/e.txt"' "$X/inventory.jsonl" |
		grep -qF '"partition":"p1#ext2"' &&
		ok "the inventory: the NTFS file in p1#ntfs, the ext2 file in p1#ext2" ||
		{ fail "the inventory: each file system's files"; cut -c1-160 "$X/inventory.jsonl" | sed 's/^/#   /'; }
	# (the bytes are shared: NTFS keeps the small file in its $MFT, and
	# ext2's blocks lie in NTFS's first cluster, $Boot's slack)
	grep '"value":"alice@ntfs-side.example.org"' "$X/targets/occurrences.jsonl" |
		grep -qF '"where":"p1#ntfs:/ntfs-note.txt"' &&
		grep '"value":"bob@ext-side.example.org"' "$X/targets/occurrences.jsonl" |
		grep -qF '"where":"p1#ext2:/e.txt"' &&
		ok "each file's address carved, in its file system" ||
		{ fail "each file's address carved, in its file system"; sed 's/^/#   /' "$X/targets/occurrences.jsonl"; }
	[ "$(rec '[(p["name"], p["offset"], p["fs_type"], p["file_systems"]) for p in R["walk"]["partitions"]]')" = \
		"[('p1#ntfs', 1048576, 'ntfs', ['p1#ntfs', 'p1#ext2']), ('p1#ext2', 1048576, 'ext2', ['p1#ntfs', 'p1#ext2'])]" ] &&
		ok "the record: two file systems of p1, each naming both" ||
		{ fail "the record: two file systems of p1"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
	rec '[n["partition"] + ": " + n["message"] for n in R["walk"]["notes"]]' |
		grep -q "^\['p1: more than one file system" &&
		ok "and a note of the walk" || { fail "and a note of the walk"; rec 'R["walk"]' | sed 's/^/#   /'; }
	# the space of the partition is carved once: no offset twice
	"$PYTHON" - "$X/targets/occurrences.jsonl" >"$T/.once" <<'EOF'
import json, sys
seen = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    if " (" not in o["where"]:
        continue
    k = (o["value"], o["offset"])
    seen[k] = seen.get(k, 0) + 1
twice = [k for k, v in seen.items() if v > 1]
print("twice" if twice else "once", twice)
EOF
	grep -q '^once' "$T/.once" && ok "its space carved once, not once per file system" ||
		{ fail "its space carved once"; sed 's/^/#   /' "$T/.once"; }
	if command -v xmllint >/dev/null 2>&1; then
		xmllint --xpath 'count(//*[local-name()="volume"])' "$X/inventory.dfxml" >"$T/.vol" 2>/dev/null
		[ "$(cat "$T/.vol")" = 2 ] &&
			grep -q "name='p1#ntfs'" "$X/inventory.dfxml" &&
			grep -q "name='p1#ext2'" "$X/inventory.dfxml" &&
			ok "the DFXML: a volume per file system, named" ||
			{ fail "the DFXML: a volume per file system"; grep -n "volume" "$X/inventory.dfxml" | sed 's/^/#   /'; }
	else
		skip "the DFXML's volumes: no xmllint (libxml2-utils)"
	fi
	expect_exit 0 "again with --jobs 4" custody-extract --case "$C" \
		--item E001 --quiet --jobs 4 "$T/twodisk.img"
	cmp -s "$X/targets/emails.csv" "$(last)/targets/emails.csv" &&
		cmp -s "$X/inventory.jsonl" "$(last)/inventory.jsonl" &&
		ok "the same inventory and lists whatever --jobs" ||
		fail "the same inventory and lists whatever --jobs"
fi

check "the case verifies" custody-verify --case "$C"
schemas_ok "$C" "the records match their schemas"

echo "1..$n"
