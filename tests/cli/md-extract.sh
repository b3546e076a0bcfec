#!/bin/sh
# custody-extract reads md RAID arrays: a RAID1 member seized alone, a
# RAID5 set whose members are partitions of one image (whole, then with a
# member lost), each walked as partition md:NAME with its files' MD5s and
# the array's identity in extraction.json.  The members are written by
# tests/fixtures/mdraid.py as md lays them out (mdadm --examine reads
# them), around an ext4 image made with mke2fs -d.
. "$CUSTODY_TOP/tests/cli/lib.sh"

MD="$PYTHON $CUSTODY_TOP/tests/fixtures/mdraid.py"
MBR="$PYTHON $CUSTODY_TOP/tests/fixtures/lvm-image.py mbr"
C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# rec EXPR: a Python expression on R, the last extraction.json
rec() {
	"$PYTHON" -c 'import json,sys; R = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$(last)/extraction.json" "$1"
}
# same_md5s PARTITION: every file of the tree has its MD5 in the last
# inventory, under PARTITION
same_md5s() {
	"$PYTHON" - "$(last)/inventory.jsonl" "$1" "$T/tree" <<'PY'
import hashlib, json, os, sys
inv = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("partition") == sys.argv[2] and e.get("type") == "regular":
        inv[e["path"]] = e.get("md5")
top = sys.argv[3]
n = 0
for d, _, files in os.walk(top):
    for f in files:
        p = os.path.join(d, f)
        want = hashlib.md5(open(p, "rb").read()).hexdigest()
        got = inv.get("/" + os.path.relpath(p, top))
        assert got == want, (p, got, want)
        n += 1
assert n >= 3, n
PY
}

mkdir -p "$T/tree/var/www/panel" "$T/tree/root"
printf '<?php\n$db_host = "localhost";\n$db_user = "panel";\n$db_pass = "pw";\n' \
	>"$T/tree/var/www/panel/config.php"
head -c 300000 /dev/zero | tr '\0' 'x' >"$T/tree/root/big.txt"
printf 'ops@panel.example.com\n' >"$T/tree/root/notes.txt"
mke2fs -q -F -t ext4 -d "$T/tree" "$T/fs.img" 4M >/dev/null 2>&1 ||
	fail "an ext4 image of the server's files (mke2fs -d)"
# addresses in two blocks no file holds (debugfs testb), written into the
# array's content before the members are made: FREE_AT in the array's
# 60th chunk of 64 KiB (on RAID5's role 2, RAID0's role 1), LOST_AT in
# its 62nd (on RAID5's role 1)
BS=$(dumpe2fs -h "$T/fs.img" 2>/dev/null | awk -F: '/^Block size/ {print $2 + 0}')
FREE_AT=$((59 * 65536 + 20 * BS + 100))
LOST_AT=$((61 * 65536 + 20 * BS + 100))
for a in $FREE_AT:gone@md-unalloc.example.org $LOST_AT:lost@md-rebuilt.example.org; do
	debugfs -R "testb $((${a%%:*} / BS))" "$T/fs.img" 2>/dev/null | grep -q "not in use" &&
		printf '%s' "${a#*:}" | dd of="$T/fs.img" bs=1 seek="${a%%:*}" conv=notrunc 2>/dev/null ||
		fail "an address in a free block at ${a%%:*} of the ext4"
done
# feat ADDRESS IMAGE: the address's feature in the last extraction, and
# whether IMAGE holds its bytes at the feature's offset
feat() {
	at=$(awk -F '\t' -v a="$1" '$2 == a {print $1}' \
		"$(last)/targets/bulk_extractor/email.txt")
	[ -n "$at" ] && [ "$(dd if="$2" bs=1 skip="${at%%-*}" count=${#1} 2>/dev/null)" = "$1" ]
}

# ---- a RAID1 member seized alone ---------------------------------------
$MD --level 1 --disks 2 --metadata 1.2 --data-kib 4096 --volume "$T/fs.img" \
	--name srv:0 "$T/r1" || fail "a RAID1 pair (mdraid.py)"
mdadm --examine "$T/r1/m0.img" 2>/dev/null | grep -q 'Raid Level : raid1' &&
	ok "mdadm --examine reads the member as RAID1" ||
	fail "mdadm --examine reads the member as RAID1"
expect_exit 0 "extract the RAID1 member alone" custody-extract --case "$C" \
	--item E001 --quiet "$T/r1/m0.img"
same_md5s md:srv:0 && ok "its files, with their MD5s, as partition md:srv:0" ||
	fail "its files, with their MD5s, as partition md:srv:0"
[ "$(rec '[(p["name"], p.get("layer"), p.get("md_member", {}).get("role")) for p in R["walk"]["partitions"]]')" = \
	"[('p0', 'md-member', 0), ('md:srv:0', 'md', None)]" ] &&
	ok "the member and the array are both in extraction.json" ||
	{ fail "the member and the array are both in extraction.json"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
[ "$(rec '[(p["md"]["level"], p["md"]["degraded"], p["md"]["missing_roles"], p["md"]["uuid"]) for p in R["walk"]["partitions"] if p.get("layer") == "md"]')" = \
	"[('raid1', True, [1], '3b8e1c52:a1f04d6e:9c2b7d41:e5a09f13')]" ] &&
	ok "the array's level, UUID, and the member not seized" ||
	{ fail "the array's level, UUID, and the member not seized"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
uuid=$(mdadm --examine "$T/r1/m0.img" 2>/dev/null | awk '/Array UUID/ {print $4}')
[ "$uuid" = 3b8e1c52:a1f04d6e:9c2b7d41:e5a09f13 ] &&
	ok "the UUID is the one mdadm --examine gives" ||
	fail "the UUID is the one mdadm --examine gives ($uuid)"
feat gone@md-unalloc.example.org "$T/r1/m0.img" &&
	[ "$at" = $((1048576 + FREE_AT)) ] &&
	ok "RAID1: an address in the array's unallocated space, its feature at the image offset of its bytes ($at)" ||
	{ fail "RAID1: an address in unallocated space, its feature's image offset ($at)"; grep md-unalloc "$(last)/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
schemas_ok "$C" "the record with its md layer matches the schema"
# the array is one window of the member's image, at its data offset
# (mdraid.py: 2048 sectors)
grep -q "<volume offset='1048576' custody:name='md:srv:0' custody:layer='md' custody:md='srv:0' custody:md_uuid='3b8e1c52:a1f04d6e:9c2b7d41:e5a09f13' custody:md_level='raid1'>" \
	"$(last)/inventory.dfxml" &&
	ok "the DFXML volume of the array names it, its UUID and level" ||
	{ fail "the DFXML volume of the array"; grep '<volume' "$(last)/inventory.dfxml" | sed 's/^/#   /'; }
XSD=$CUSTODY_TESTDATA/schemas/dfxml/dfxml.xsd
if ! command -v xmllint >/dev/null 2>&1; then
	skip "the DFXML against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "the DFXML against the DFXML schema"; then
	check "the DFXML is valid against the DFXML schema (xmllint)" \
		xmllint --noout --nonet --schema "$XSD" "$(last)/inventory.dfxml"
fi

# ---- RAID5 over three partitions of one image --------------------------
$MD --level 5 --disks 3 --metadata 1.2 --chunk 64 --data-kib 2048 \
	--volume "$T/fs.img" --uuid 0badc0de0badc0de0badc0de0badc0de \
	--name web:1 "$T/r5" || fail "a RAID5 set of three (mdraid.py)"
msz=$(($(stat -c %s "$T/r5/m0.img") / 512))
# raid5disk OUT [SKIP]: an MBR image with the members in partitions 1-3
# (type fd), member SKIP's partition left zero
raid5disk() {
	truncate -s $(((2048 + 3 * msz) * 512 + 1048576)) "$1"
	$MBR "$1" 2048:$msz:fd $((2048 + msz)):$msz:fd \
		$((2048 + 2 * msz)):$msz:fd
	for i in 0 1 2; do
		[ "$i" = "${2:-}" ] && continue
		dd if="$T/r5/m$i.img" of="$1" bs=512 seek=$((2048 + i * msz)) \
			conv=notrunc 2>/dev/null
	done
}
raid5disk "$T/r5.img"
expect_exit 0 "extract the disk of the RAID5 set" custody-extract --case "$C" \
	--item E001 --quiet "$T/r5.img"
same_md5s md:web:1 && ok "RAID5: every file, with its MD5" ||
	fail "RAID5: every file, with its MD5"
# runs OPTIONS... VOLUME DISK...: the byte runs of the tree's files in
# the last DFXML read back from the images (byteruns.py)
runs() {
	o=""
	while [ "${1#--}" != "$1" ]; do o="$o $1 $2"; shift 2; done
	v=$1
	shift
	# shellcheck disable=SC2086
	"$PYTHON" "$CUSTODY_TOP/tests/fixtures/byteruns.py" $o \
		"$(last)/inventory.dfxml" "$v" "$T/tree" "$@" >"$T/runs.out" 2>&1
}
feat gone@md-unalloc.example.org "$T/r5.img" &&
	ok "RAID5: an address in the array's unallocated space, its feature at the image offset of its bytes ($at)" ||
	{ fail "RAID5: an address in unallocated space, its feature's image offset ($at)"; grep md-unalloc "$(last)/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
runs --offset none md:web:1 "$T/r5.img" &&
	ok "RAID5: each byte run, split per chunk, where the files' bytes are in the image ($(cat "$T/runs.out"))" ||
	{ fail "RAID5: the byte runs in the image"; sed 's/^/#   /' "$T/runs.out"; }
[ "$(rec '[(p["md"]["level"], p["md"]["layout"], p["md"]["degraded"], [m["source"] for m in p["md"]["members"]]) for p in R["walk"]["partitions"] if p.get("layer") == "md"]')" = \
	"[('raid5', 'left-symmetric', False, ['p1', 'p2', 'p3'])]" ] &&
	ok "RAID5: level, layout, and which partition holds each role" ||
	{ fail "RAID5: level, layout and members"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }

# the same with the second member's partition wiped: rebuilt from parity
raid5disk "$T/r5-lost.img" 1
# the wiped partition holds nothing: carved as unrecognised space and
# said, no damage (the array is rebuilt from parity): exit 0
expect_exit 0 "extract the RAID5 set missing a member" custody-extract \
	--case "$C" --item E001 --quiet "$T/r5-lost.img"
contains "$T/.err" "no file system found in p2: carved as unrecognised space" \
	"the wiped partition is named on stderr"
same_md5s md:web:1 && ok "RAID5 less a member: every file, rebuilt" ||
	fail "RAID5 less a member: every file, rebuilt"
feat gone@md-unalloc.example.org "$T/r5-lost.img" &&
	at=$(awk -F '\t' '$2 == "lost@md-rebuilt.example.org" {print $1}' \
		"$(last)/targets/bulk_extractor/email.txt") &&
	expr "$at" : "[0-9][0-9]*-VOLUME-$LOST_AT\$" >/dev/null &&
	ok "RAID5 less a member: an address on the present member at its image offset, one rebuilt from parity at -VOLUME-N ($at)" ||
	{ fail "RAID5 less a member: the features in unallocated space ($at)"; grep md- "$(last)/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
runs --no-image rebuilt md:web:1 "$T/r5-lost.img" &&
	ok "RAID5 less a member: the chunks rebuilt have no img_offset, the others hold the files' bytes ($(cat "$T/runs.out"))" ||
	{ fail "RAID5 less a member: the byte runs"; sed 's/^/#   /' "$T/runs.out"; }
[ "$(rec '[(p["md"]["degraded"], p["md"]["rebuilt_roles"]) for p in R["walk"]["partitions"] if p.get("layer") == "md"]')" = \
	"[(True, [1])]" ] &&
	ok "RAID5 less a member: the record says which role was rebuilt" ||
	{ fail "RAID5 less a member: the record says which"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }

# two members gone, the first's place reformatted FAT: more than RAID5
# loses; a problem, the member left carved, the FAT walked
raid5disk "$T/r5-two.img" 1
truncate -s $((msz * 512)) "$T/fat.img" && mkfs.fat "$T/fat.img" >/dev/null 2>&1 &&
	dd if="$T/fat.img" of="$T/r5-two.img" bs=512 seek=2048 conv=notrunc 2>/dev/null ||
	fail "a FAT file system over the first member"
expect_exit 6 "extract the RAID5 set missing two members" custody-extract \
	--case "$C" --item E001 --quiet "$T/r5-two.img"
rec '[p["message"] for p in R["walk"]["problems"]]' | grep -q "cannot be assembled.*missing" &&
	ok "two members lost: a problem names the missing roles" ||
	{ fail "two members lost: a problem names the missing roles"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
# (p2, wiped, holds nothing: unrecognised; p3, a member of an array
# that cannot be assembled: unreadable)
[ "$(rec '[(p["name"], p.get("fs_type"), p.get("unreadable_bytes", 0) > 0, p.get("unrecognised_bytes", 0) > 0) for p in R["walk"]["partitions"]]')" = \
	"[('p1', 'fat12', False, False), ('p2', None, False, True), ('p3', None, True, False)]" ] &&
	ok "two members lost: no array made up, the member left read as space" ||
	{ fail "two members lost: no array made up, the member left read as space"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }

# ---- several disks of one server, given together ----------------------
# the RAID1 pair as two seized disks, the second given with --disk
expect_exit 0 "extract both RAID1 disks together (--disk)" custody-extract \
	--case "$C" --item E001 --quiet "$T/r1/m1.img" --disk "$T/r1/m0.img"
same_md5s md:srv:0 && ok "two disks: the array's files" ||
	fail "two disks: the array's files"
runs --offset 1048576 md:srv:0 "$T/r1/m1.img" "$T/r1/m0.img" &&
	grep -q "custody:image_disk='d2'" "$(last)/inventory.dfxml" &&
	grep -q "img_offset='[0-9]*' custody:disk='d2'" "$(last)/inventory.dfxml" &&
	ok "two disks: the runs read from role 0's disk (d2), named ($(cat "$T/runs.out"))" ||
	{ fail "two disks: the runs read from role 0's disk"; sed 's/^/#   /' "$T/runs.out"; }

[ "$(rec '[(p["md"]["degraded"], [m["source"] for m in p["md"]["members"]]) for p in R["walk"]["partitions"] if p.get("layer") == "md"]')" = \
	"[(False, ['d2/p0', 'd1/p0'])]" ] &&
	ok "two disks: whole, each role from its disk whatever the order given" ||
	{ fail "two disks: whole, each role from its disk"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
"$PYTHON" - "$(last)/extraction.json" "$T/r1/m1.img" "$T/r1/m0.img" <<'PY' && ok "two disks: the record lists both, each with its files hashed" || fail "two disks: the record lists both, each with its files hashed"
import hashlib, json, sys
r = json.load(open(sys.argv[1]))
assert [d["name"] for d in r["walk"]["disks"]] == ["d1", "d2"], r["walk"]
for d, path in zip(r["source"]["disks"], sys.argv[2:]):
    f = d["files"][0]
    assert f["path"] == path, d
    assert f["sha256"] == hashlib.sha256(open(path, "rb").read()).hexdigest()
PY
# RAID0 over two disks: each chunk on its disk
$MD --level 0 --disks 2 --metadata 1.2 --chunk 64 --data-kib 2048 \
	--volume "$T/fs.img" --uuid 5eed5eed5eed5eed5eed5eed5eed5eed \
	--name r0:0 "$T/r0" || fail "a RAID0 pair (mdraid.py)"
expect_exit 0 "extract the two disks of a RAID0 pair" custody-extract \
	--case "$C" --item E001 --quiet "$T/r0/m0.img" --disk "$T/r0/m1.img"
same_md5s md:r0:0 && ok "RAID0: every file, with its MD5" ||
	fail "RAID0: every file, with its MD5"
feat gone@md-unalloc.example.org "$T/r0/m1.img" &&
	ok "RAID0: an address in unallocated space at its offset in the image of the disk holding its chunk (d2: $at)" ||
	{ fail "RAID0: an address in unallocated space, its feature's image offset ($at)"; grep md-unalloc "$(last)/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
runs --offset none md:r0:0 "$T/r0/m0.img" "$T/r0/m1.img" &&
	grep -q "custody:disk='d2'" "$(last)/inventory.dfxml" &&
	ok "RAID0: each run on the disk holding its chunk ($(cat "$T/runs.out"))" ||
	{ fail "RAID0: the byte runs on the disks"; sed 's/^/#   /' "$T/runs.out"; }
schemas_ok "$C" "the record of two disks matches the schema"

# the RAID5 set as three seized disks, one missing, by their acquisitions
for i in 0 2; do
	custody-case add-item --case "$C" --item E10$i --description "member $i" \
		>/dev/null 2>&1 &&
		custody-image --case "$C" --item E10$i --quiet "$T/r5/m$i.img" \
			>/dev/null 2>&1 || fail "acquire member $i"
done
expect_exit 0 "extract two of the three RAID5 disks (--acq twice)" \
	custody-extract --case "$C" --quiet --acq E102-A1 --acq E100-A1
Y=$(ls -d "$C"/extractions/E102-X* | sort -V | tail -n 1)
"$PYTHON" - "$Y/extraction.json" <<'PY' && ok "three disks less one: rebuilt from parity, the acquisitions named" || fail "three disks less one: rebuilt from parity, the acquisitions named"
import json, sys
r = json.load(open(sys.argv[1]))
md = [p for p in r["walk"]["partitions"] if p.get("layer") == "md"][0]
assert md["md"]["rebuilt_roles"] == [1], md
assert [m["source"] for m in md["md"]["members"]] == ["d2/p0", None, "d1/p0"], md
assert [d["acquisition"] for d in r["source"]["disks"]] == ["E102-A1", "E100-A1"], r["source"]
PY
expect_exit 2 "--disk with --acq is a usage error" custody-extract \
	--case "$C" --acq E100-A1 --disk "$T/r5/m1.img"

expect_exit 0 "the case verifies" custody-verify --case "$C"
echo "1..$n"
