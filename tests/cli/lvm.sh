#!/bin/sh
# custody-extract reads LVM2 volume groups (libvslvm, and custody's own
# reader of the metadata where libvslvm falls short): the logical volumes
# of a physical volume in an MBR partition of type 8e, of two partitions
# (a volume striped over both, a linear volume spanning both) and of a
# whole disk are walked like partitions, named pN/lvm:VG/LV; the extents
# outside every volume are carved; a segment type custody does not read
# (raid1, thin-pool) is refused, never read as linear; a missing physical
# volume reads as errors; hostile metadata is a problem, never a crash.  The images are made with the
# stock LVM2 tools on loop devices (nothing is activated: there is no
# device-mapper here, --driverloaded n), then the file systems are written
# at the volumes' physical extents.
. "$CUSTODY_TOP/tests/cli/lib.sh"

FIX=$CUSTODY_TOP/tests/fixtures/lvm-image.py
C=$T/case
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# jq-like: a Python expression on the record R of the last extraction
rec() {
	"$PYTHON" -c 'import json,sys; R = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$(last)/extraction.json" "$1"
}
md5of() { md5sum <"$1" | cut -d' ' -f1; }
# hostile RECORD-CHECK DESCRIPTION: the last extraction did not crash (an
# exit status custody gives), and its record passes CHECK
hostile() {
	s=$1
	[ "$s" -lt 64 ] && [ "$(rec "$2")" = True ] && ok "$3" ||
		{ fail "$3 (exit $s)"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
}
# inv_md5 PARTITION PATH: the MD5 of that file in the last inventory
inv_md5() {
	"$PYTHON" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("partition") == sys.argv[2] and e.get("path") == sys.argv[3]:
        print(e.get("md5")); break' "$(last)/inventory.jsonl" "$1" "$2"
}

. "$CUSTODY_TOP/tests/cli/lvm.inc"

new_case "$C" || fail "test case created"

# ---- one PV in partition 1: two linear volumes, free extents ----------
mkdir -p "$T/root/etc" "$T/root/srv/panel" "$T/data/db"
printf 'server panel.example.net\ncontact ops@lvm-panel.example.net\n' >"$T/root/etc/c2.conf"
head -c 300000 /dev/urandom >"$T/root/srv/panel/bot.bin"
printf '<?php $db_pass = "hunter2";\n' >"$T/root/srv/panel/config.php"
printf 'victims\n' >"$T/data/db/list.txt"
head -c 70000 /dev/urandom >"$T/data/db/dump.bin"
printf 'slack file\n' >"$T/root/etc/slack.txt"
mke2fs -q -F -t ext4 -d "$T/root" "$T/root.ext4" 8M >/dev/null 2>&1 &&
	mke2fs -q -F -t ext4 -d "$T/data" "$T/data.ext4" 8M >/dev/null 2>&1 ||
	fail "ext4 images of two trees (mke2fs -d)"
# root's ext4 before it is placed: an address in a block no file holds
# (debugfs testb) and one in the slack of /etc/slack.txt (11 bytes in its
# block: debugfs bmap), at ROOT_FREE and ROOT_SLACK of the volume
poke() { printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
BS=$(dumpe2fs -h "$T/root.ext4" 2>/dev/null | awk -F: '/^Block size/ {print $2 + 0}')
NB=$(dumpe2fs -h "$T/root.ext4" 2>/dev/null | awk -F: '/^Block count/ {print $2 + 0}')
SB=$(debugfs -R "bmap /etc/slack.txt 0" "$T/root.ext4" 2>/dev/null)
ROOT_FREE=$(((NB - 20) * BS + 100))
ROOT_SLACK=$((SB * BS + 11 + 20))
debugfs -R "testb $((NB - 20))" "$T/root.ext4" 2>/dev/null | grep -q "not in use" &&
	[ "$SB" -gt 0 ] && poke "$T/root.ext4" "$ROOT_FREE" "gone@lv-unalloc.example.org" &&
	poke "$T/root.ext4" "$ROOT_SLACK" "tail@lv-slack.example.org" &&
	ok "addresses in a free block and in a file's slack of root's ext4 (debugfs testb, bmap)" ||
	fail "addresses in a free block and in a file's slack of root's ext4"
D1=$T/disk1.img
disk "$D1" 64M && "$PYTHON" "$FIX" mbr "$D1" 2048:61440:8e &&
	attach "$D1" $((2048 * 512)) $((61440 * 512)) &&
	lvm pvcreate -ff -y "$L" && lvm vgcreate vg0 "$L" &&
	lvm lvcreate -an -Zn -y -L 8M -n root vg0 &&
	lvm lvcreate -an -Zn -y -L 8M -n data vg0 &&
	layout vg0 "$T/layout1" && uuids vg0 >"$T/uuids1" &&
	ok "a PV in partition 1 of type 8e, vg0 with root and data (pvcreate, vgcreate, lvcreate -an -Zn)" ||
	{ fail "an LVM2 image"; sed 's/^/#   /' "$T/lvm.log"; }
detach
"$PYTHON" "$FIX" put "$D1" "$T/layout1" root "$T/root.ext4" &&
	"$PYTHON" "$FIX" put "$D1" "$T/layout1" data "$T/data.ext4" &&
	ok "ext4 written at the volumes' extents" || fail "ext4 written at the volumes' extents"

# ---- two PVs in partitions 1 and 2: a volume striped over both --------
D2=$T/disk2.img
disk "$D2" 64M &&
	"$PYTHON" "$FIX" mbr "$D2" 2048:55296:8e 57344:55296:8e 112640:18432:0c &&
	attach "$D2" $((2048 * 512)) $((55296 * 512)) && L1=$L &&
	attach "$D2" $((57344 * 512)) $((55296 * 512)) && L2=$L &&
	lvm pvcreate -ff -y "$L1" "$L2" && lvm vgcreate vg0 "$L1" "$L2" &&
	lvm lvcreate -an -Zn -y -i 2 -I 64k -L 16M -n root vg0 &&
	layout vg0 "$T/layout2" && uuids vg0 >"$T/uuids2" &&
	grep -q "^seg root 0 16777216 2 65536 " "$T/layout2" &&
	ok "vg0 over two partitions, root striped over both (lvcreate -i 2 -I 64k)" ||
	{ fail "a striped LVM2 image"; sed 's/^/#   /' "$T/lvm.log" "$T/layout2"; }
detach
"$PYTHON" "$FIX" put "$D2" "$T/layout2" root "$T/root.ext4" ||
	fail "ext4 written over the stripes"
# and a FAT partition 3 beside them
printf 'notes\n' >"$T/NOTES.TXT"
mkfs.fat -C "$T/fat.img" 9216 >/dev/null 2>&1 && mcopy -i "$T/fat.img" "$T/NOTES.TXT" :: &&
	dd if="$T/fat.img" of="$D2" bs=512 seek=112640 conv=notrunc 2>/dev/null ||
	fail "a FAT partition 3"

# ---- two PVs: a linear volume whose second segment is on the second ----
# (p1 holds one extent, root takes it and two of p2's)
mkdir -p "$T/span/var"
head -c 6000000 /dev/urandom >"$T/span/var/big.bin"
printf 'gate http://gate.example.com/x.php\n' >"$T/span/var/gate.txt"
mke2fs -q -F -t ext4 -d "$T/span" "$T/span.ext4" 12M >/dev/null 2>&1 ||
	fail "an ext4 image of 6 MB (mke2fs -d)"
D4=$T/disk4.img
disk "$D4" 48M &&
	"$PYTHON" "$FIX" mbr "$D4" 2048:12288:8e 14336:51200:8e &&
	attach "$D4" $((2048 * 512)) $((12288 * 512)) && L1=$L &&
	attach "$D4" $((14336 * 512)) $((51200 * 512)) && L2=$L &&
	lvm pvcreate -ff -y "$L1" "$L2" && lvm vgcreate vg0 "$L1" "$L2" &&
	lvm lvcreate -an -Zn -y -L 4M -n root vg0 "$L1" &&
	lvm lvextend -y -L 12M vg0/root "$L2" &&
	layout vg0 "$T/layout4" && uuids vg0 >"$T/uuids4" &&
	pvs --noheadings -o pv_uuid "$L2" 2>/dev/null | tr -d ' ' >"$T/pv1uuid4" &&
	[ "$(grep -c '^seg root ' "$T/layout4")" = 2 ] &&
	ok "vg0 over two partitions, root linear over both (two segments)" ||
	{ fail "a linear volume over two PVs"; sed 's/^/#   /' "$T/lvm.log" "$T/layout4"; }
detach
"$PYTHON" "$FIX" put "$D4" "$T/layout4" root "$T/span.ext4" ||
	fail "ext4 written over the two segments"

# ---- a whole disk as the PV, no partition table ----------------------
D3=$T/disk3.img
disk "$D3" 24M && attach "$D3" 0 $((24 * 1048576)) &&
	lvm pvcreate -ff -y "$L" && lvm vgcreate vg0 "$L" &&
	lvm lvcreate -an -Zn -y -L 8M -n root vg0 &&
	layout vg0 "$T/layout3" && uuids vg0 >"$T/uuids3" &&
	ok "a whole disk as the PV" ||
	{ fail "a whole-disk PV"; sed 's/^/#   /' "$T/lvm.log"; }
detach
"$PYTHON" "$FIX" put "$D3" "$T/layout3" root "$T/data.ext4" ||
	fail "ext4 written on the whole-disk PV's volume"

# ---- the linear volumes walked ----------------------------------------
# an address in the free extents (PE 5 of the PV: after root and data)
PE1=$(awk '$1 == "pv" {print $4}' "$T/layout1")
FREE_AT=$((2048 * 512 + PE1 + 5 * 4194304 + 100))
printf 'free extents: lost@unassigned.example.org\n' |
	dd of="$D1" bs=1 seek="$FREE_AT" conv=notrunc 2>/dev/null
check "vslvminfo reads the PV of partition 1" sh -c \
	"dd if='$D1' of='$T/p1.img' bs=512 skip=2048 count=61440 2>/dev/null && vslvminfo '$T/p1.img' >'$T/vslvminfo1'"
grep -q "Name:.*vg0" "$T/vslvminfo1" && grep -q "Name:.*root" "$T/vslvminfo1" &&
	grep -q "Identifier:.*$(sed -n 's/^root=//p' "$T/uuids1")" "$T/vslvminfo1" &&
	ok "and finds vg0/root with the UUID lvs gives" ||
	{ fail "vslvminfo finds vg0/root"; sed 's/^/#   /' "$T/vslvminfo1"; }
check "extracted (a PV in partition 1)" custody-extract --case "$C" --item E001 \
	--quiet "$D1"
X=$(last)
for f in etc/c2.conf srv/panel/bot.bin srv/panel/config.php; do
	[ "$(inv_md5 p1/lvm:vg0/root "/$f")" = "$(md5of "$T/root/$f")" ] &&
		ok "p1/lvm:vg0/root: /$f listed with its MD5" ||
		fail "p1/lvm:vg0/root: /$f listed with its MD5"
done
# runs OPTIONS... VOLUME TREE DISK...: the files' byte runs in the last
# DFXML read back from the image (byteruns.py)
runs() {
	"$PYTHON" "$CUSTODY_TOP/tests/fixtures/byteruns.py" "$1" "$2" \
		"$(last)/inventory.dfxml" "$3" "$4" "$5" >"$T/runs.out" 2>&1
}
runs --offset "$("$PYTHON" "$FIX" at "$T/layout1" root 0)" \
	p1/lvm:vg0/root "$T/root" "$D1" &&
	ok "p1/lvm:vg0/root: the volume's offset and every byte run where the files' bytes are in the image ($(cat "$T/runs.out"))" ||
	{ fail "p1/lvm:vg0/root: the byte runs in the image"; sed 's/^/#   /' "$T/runs.out"; }
at=$(awk -F '\t' '$2 == "ops@lvm-panel.example.net" {print $1}' \
	"$X/targets/bulk_extractor/email.txt")
[ -n "$at" ] && [ "$(dd if="$D1" bs=1 skip="$at" count=25 2>/dev/null)" = \
	"ops@lvm-panel.example.net" ] &&
	ok "an address in a file of the volume: its feature at the image offset of its bytes ($at)" ||
	{ fail "an address in a file of the volume: its feature's image offset ($at)"; sed 's/^/#   /' "$X/targets/bulk_extractor/email.txt"; }
# feat ADDRESS DISK: the address's feature offset, and whether DISK holds
# its bytes there
feat() {
	at=$(awk -F '\t' -v a="$1" '$2 == a {print $1}' \
		"$X/targets/bulk_extractor/email.txt")
	[ -n "$at" ] && [ "$(dd if="$2" bs=1 skip="${at%%-*}" count=${#1} 2>/dev/null)" = "$1" ]
}
feat gone@lv-unalloc.example.org "$D1" &&
	[ "$at" = "$("$PYTHON" "$FIX" at "$T/layout1" root "$ROOT_FREE")" ] &&
	ok "an address in the volume's unallocated space: its feature at the image offset of its bytes ($at)" ||
	{ fail "an address in the volume's unallocated space: its feature's image offset ($at)"; grep lv-unalloc "$X/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
feat tail@lv-slack.example.org "$D1" &&
	[ "$at" = "$("$PYTHON" "$FIX" at "$T/layout1" root "$ROOT_SLACK")" ] &&
	ok "an address in a file's slack in the volume: its feature at the image offset of its bytes ($at)" ||
	{ fail "an address in a file's slack in the volume: its feature's image offset ($at)"; grep lv-slack "$X/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
for f in db/list.txt db/dump.bin; do
	[ "$(inv_md5 p1/lvm:vg0/data "/$f")" = "$(md5of "$T/data/$f")" ] &&
		ok "p1/lvm:vg0/data: /$f listed with its MD5" ||
		fail "p1/lvm:vg0/data: /$f listed with its MD5"
done
[ "$(rec 'R["walk"]["complete"] and not R["walk"]["problems"]')" = True ] &&
	ok "the walk is complete, no problem" ||
	{ fail "the walk is complete"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
want="$(head -n 1 "$T/uuids1") $(sed -n 's/^root=//p' "$T/uuids1") $(sed -n 's/^data=//p' "$T/uuids1")"
got=$(rec '" ".join([[p for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"][0]["volume_group"]["uuid"]] + [[p for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/" + n][0]["logical_volume"]["uuid"] for n in ("root", "data")])')
[ "$got" = "$want" ] &&
	ok "the record names vg0, root and data with the UUIDs of the LVM2 tools" ||
	fail "the VG and LV UUIDs ($got, expected $want)"
[ "$(rec '[(p["layer"], p["volume_group"]["name"], p["logical_volume"]["name"], p["logical_volume"]["segments"], p["physical_volume"]["name"], p["physical_volume"]["offset"]) for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/data"]')" = \
	"[('lvm', 'vg0', 'data', [{'offset': 0, 'size': 8388608, 'stripes': 1}], 'pv0', 1048576)]" ] &&
	ok "the volume's layer: group, volume, its segment, the PV and where it lies" ||
	fail "the volume's layer in the record"
grep -q "^lost@unassigned.example.org,1,p1 (lvm-unassigned),$((FREE_AT + 14))\$" \
	"$X/targets/emails.csv" &&
	ok "an address in the PV's free extents is carved, at its image offset" ||
	{ fail "an address in the free extents"; sed 's/^/#   /' "$X/targets/emails.csv"; }
grep -q "<volume offset='$("$PYTHON" "$FIX" at "$T/layout1" root 0)' custody:name='p1/lvm:vg0/root' custody:layer='lvm' custody:volume_group='vg0'" \
	"$X/inventory.dfxml" &&
	ok "the DFXML volume of the LV names it and its layer" ||
	fail "the DFXML volume of the LV"
XSD=$CUSTODY_TESTDATA/schemas/dfxml/dfxml.xsd
if ! command -v xmllint >/dev/null 2>&1; then
	skip "the DFXML against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "the DFXML against the DFXML schema"; then
	check "the DFXML is valid against the DFXML schema (xmllint)" \
		xmllint --noout --nonet --schema "$XSD" "$X/inventory.dfxml"
fi

# ---- the striped volume: libvslvm (20181227) refuses its stripes list,
# custody reads the group itself --------------------------------------
check "extracted (a volume striped over two PVs, and FAT)" \
	custody-extract --case "$C" --item E001 --quiet "$D2"
X=$(last)
[ "$(inv_md5 p3 /NOTES.TXT)" = "$(md5of "$T/NOTES.TXT")" ] &&
	ok "the FAT partition's file is listed" ||
	fail "the FAT partition beside the striped group"
for f in etc/c2.conf srv/panel/bot.bin srv/panel/config.php; do
	[ "$(inv_md5 p1/lvm:vg0/root "/$f")" = "$(md5of "$T/root/$f")" ] &&
		ok "striped p1/lvm:vg0/root: /$f listed with its MD5" ||
		fail "striped p1/lvm:vg0/root: /$f listed with its MD5"
done
feat gone@lv-unalloc.example.org "$D2" &&
	[ "$at" = "$("$PYTHON" "$FIX" at "$T/layout2" root "$ROOT_FREE")" ] &&
	ok "striped: an address in the volume's unallocated space at the image offset of its stripe ($at)" ||
	{ fail "striped: an address in unallocated space, its feature's image offset ($at)"; grep lv-unalloc "$X/targets/bulk_extractor/email.txt" | sed 's/^/#   /'; }
runs --offset none p1/lvm:vg0/root "$T/root" "$D2" &&
	ok "striped: each byte run, split per stripe, where the files' bytes are in the image, no one volume offset ($(cat "$T/runs.out"))" ||
	{ fail "striped: the byte runs in the image"; sed 's/^/#   /' "$T/runs.out"; }
[ "$(rec 'R["walk"]["complete"] and not R["walk"]["problems"]')" = True ] &&
	ok "the walk is complete, no problem" ||
	{ fail "the striped walk is complete"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
[ "$(rec '[(p["volume_group"]["reader"], "libvslvm" in p["volume_group"]["reader_reason"], p["logical_volume"]["uuid"], p["logical_volume"]["segments"]) for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"]')" = \
	"[('custody', True, '$(sed -n 's/^root=//p' "$T/uuids2")', [{'offset': 0, 'size': 16777216, 'stripe_size': 65536, 'stripes': 2, 'type': 'striped'}])]" ] &&
	ok "the record: custody's reader (libvslvm's refusal quoted), 2 stripes of 64 KiB" ||
	{ fail "the striped volume's record"; rec '[p for p in R["walk"]["partitions"] if p["name"].startswith("p1")]' | sed 's/^/#   /'; }
[ "$(rec '[p["volume_group"]["reader"] for p in R["walk"]["partitions"] if p["name"] == "p2"]')" = "['custody']" ] &&
	ok "the second PV belongs to the group read" ||
	fail "the second PV of the striped group"

# ---- a linear volume over two PVs -------------------------------------
check "extracted (a linear volume over two PVs)" \
	custody-extract --case "$C" --item E001 --quiet "$D4"
for f in var/big.bin var/gate.txt; do
	[ "$(inv_md5 p1/lvm:vg0/root "/$f")" = "$(md5of "$T/span/$f")" ] &&
		ok "p1/lvm:vg0/root over two PVs: /$f listed with its MD5" ||
		fail "p1/lvm:vg0/root over two PVs: /$f listed with its MD5"
done
runs --offset none p1/lvm:vg0/root "$T/span" "$D4" &&
	ok "over two PVs: each byte run where the files' bytes are in the image ($(cat "$T/runs.out"))" ||
	{ fail "over two PVs: the byte runs in the image"; sed 's/^/#   /' "$T/runs.out"; }
[ "$(rec 'R["walk"]["complete"] and [len(p["logical_volume"]["segments"]) for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"] == [2]')" = True ] &&
	ok "complete, two segments in the record" ||
	{ fail "the spanning volume's record"; rec 'R["walk"]' | sed 's/^/#   /'; }

# ---- a physical volume missing: its extents read as errors ------------
cp "$D4" "$T/nopv1.img" && "$PYTHON" "$FIX" mbr "$T/nopv1.img" 2048:12288:8e 0:0:0 ||
	fail "partition 2 removed from the table"
expect_exit 6 "extracted (its second PV missing: not complete)" \
	custody-extract --case "$C" --item E001 --quiet "$T/nopv1.img"
U=$(cat "$T/pv1uuid4")
[ "$(rec 'any("'"$U"'" in p["message"] for p in R["walk"]["problems"])')" = True ] &&
	ok "a problem names the missing PV's UUID" ||
	{ fail "the missing PV named"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
[ "$(inv_md5 p1/lvm:vg0/root /var/big.bin)" != "$(md5of "$T/span/var/big.bin")" ] &&
	[ "$(rec 'any(p["name"] == "p1/lvm:vg0/root" and p["entries"] > 0 for p in R["walk"]["partitions"])')" = True ] &&
	ok "the volume is walked; the file on the missing PV is not read as if whole" ||
	fail "the volume with a missing PV"

# ---- the striped volume, a PV missing -----------------------------------
cp "$D2" "$T/nostripe.img" &&
	"$PYTHON" "$FIX" mbr "$T/nostripe.img" 2048:55296:8e 0:0:0 112640:18432:0c ||
	fail "the second stripe's partition removed"
expect_exit 6 "extracted (a striped volume, a PV missing)" \
	custody-extract --case "$C" --item E001 --quiet "$T/nostripe.img"
# (every other 64 KiB of the volume is missing: the root directory too)
[ "$(rec 'any("is not among the ranges read" in p["message"] and "physical volume pv1" in p["message"] for p in R["walk"]["problems"])')" = True ] &&
	[ "$(rec 'any(p["partition"] == "p1/lvm:vg0/root" for p in R["walk"]["problems"]) and [p["volume_group"]["reader"] for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"] == ["custody"]')" = True ] &&
	[ "$(inv_md5 p1/lvm:vg0/root /srv/panel/bot.bin)" != "$(md5of "$T/root/srv/panel/bot.bin")" ] &&
	ok "walked, the missing stripe named, its reads errors, no file read as whole" ||
	{ fail "the striped volume with a missing PV"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }

# ---- segment types custody does not read --------------------------------
# raid1 written into the metadata of the linear group (libvslvm opens it)
cp "$D1" "$T/raid1.img"
"$PYTHON" "$FIX" patch "$T/raid1.img" $((2048 * 512)) 'type = "striped"' 'type = "raid1"' ||
	fail "metadata patched: root's segment of type raid1"
custody-extract --case "$C" --item E001 --quiet "$T/raid1.img" >/dev/null 2>&1
s=$?
[ "$s" -lt 64 ] &&
	[ "$(rec 'any("raid1" in p["message"] and "vg0/root" in p["message"] for p in R["walk"]["problems"])')" = True ] &&
	[ "$(rec '[p for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"]')" = "[]" ] &&
	[ "$(inv_md5 p1/lvm:vg0/data /db/dump.bin)" = "$(md5of "$T/data/db/dump.bin")" ] &&
	ok "a raid1 segment: refused with its type named, not read as linear; data still read" ||
	{ fail "a raid1 segment refused (exit $s)"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
# thin-pool written into the striped group's metadata (custody's reader)
cp "$D2" "$T/thin.img"
"$PYTHON" "$FIX" patch "$T/thin.img" $((2048 * 512)) 'type = "striped"' 'type = "thin-pool"' ||
	fail "metadata patched: a thin-pool segment"
custody-extract --case "$C" --item E001 --quiet "$T/thin.img" >/dev/null 2>&1
s=$?
[ "$s" -lt 64 ] &&
	[ "$(rec 'any("thin-pool" in p["message"] and "vg0/root" in p["message"] for p in R["walk"]["problems"])')" = True ] &&
	[ "$(rec '[p for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"]')" = "[]" ] &&
	ok "a thin-pool segment: refused with its type named, not read" ||
	{ fail "a thin-pool segment refused (exit $s)"; rec 'R["walk"]["problems"]' | sed 's/^/#   /'; }
# a stripes list shorter than its stripe_count
cp "$D2" "$T/short.img"
"$PYTHON" "$FIX" patch "$T/short.img" $((2048 * 512)) 'stripe_count = 2' 'stripe_count = 3' ||
	fail "metadata patched: stripe_count 3 over 2 stripes"
custody-extract --case "$C" --item E001 --quiet "$T/short.img" >/dev/null 2>&1
hostile $? 'any("stripes list of 2 stripes" in p["message"] for p in R["walk"]["problems"]) and not [p for p in R["walk"]["partitions"] if p["name"] == "p1/lvm:vg0/root"]' \
	"a stripes list shorter than stripe_count: a problem, the volume not read"

# ---- the whole-disk PV ------------------------------------------------
check "extracted (a whole-disk PV)" custody-extract --case "$C" --item E001 \
	--quiet "$D3"
[ "$(inv_md5 p0/lvm:vg0/root /db/dump.bin)" = "$(md5of "$T/data/db/dump.bin")" ] &&
	ok "p0/lvm:vg0/root: its files listed with their MD5" ||
	fail "p0/lvm:vg0/root: its files listed"
[ "$(rec '[p["logical_volume"]["uuid"] for p in R["walk"]["partitions"] if p["name"] == "p0/lvm:vg0/root"][0]')" = \
	"$(sed -n 's/^root=//p' "$T/uuids3")" ] &&
	ok "and its UUID" || fail "the whole-disk PV's volume UUID"

# ---- hostile twins ----------------------------------------------------
cp "$D1" "$T/past.img"
"$PYTHON" "$FIX" patch "$T/past.img" $((2048 * 512)) '"pv0", 2' '"pv0", 90' ||
	fail "metadata patched: data's extents past the disk"
custody-extract --case "$C" --item E001 --quiet "$T/past.img" >/dev/null 2>&1
hostile $? 'any("data" in p["message"] and "past the end of physical volume pv0" in p["message"] for p in R["walk"]["problems"]) and any(p["name"] == "p1/lvm:vg0/root" and p["entries"] > 0 for p in R["walk"]["partitions"])' \
	"extents past the disk: a problem, root still walked"
cp "$D1" "$T/missing.img"
"$PYTHON" "$FIX" patch "$T/missing.img" $((2048 * 512)) '"pv0", 2' '"pv7", 2' ||
	fail "metadata patched: data on a PV the group does not list"
custody-extract --case "$C" --item E001 --quiet "$T/missing.img" >/dev/null 2>&1
hostile $? 'any("logical volume 2 cannot be read" in p["message"] for p in R["walk"]["problems"]) and any(p["name"] == "p1/lvm:vg0/root" and p["entries"] > 0 for p in R["walk"]["partitions"])' \
	"a segment on a PV the group does not list: a problem, root still walked"
head -c $((2048 * 512 + PE1 + 4194304 + 2097152)) "$D1" >"$T/cut.img"
custody-extract --case "$C" --item E001 --quiet "$T/cut.img" >/dev/null 2>&1
hostile $? 'not R["walk"]["complete"] and any("truncated" in p["message"] for p in R["walk"]["problems"])' \
	"a truncated image: problems, no crash"

check "the case verifies" custody-verify --case "$C"
schemas_ok "$C" "the records match their schemas"

echo "1..$n"
