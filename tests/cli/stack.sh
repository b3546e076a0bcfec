#!/bin/sh
# A seized server's storage as it is built, end to end: md RAID1, LVM2 on
# the array, XFS and ext4 on the logical volumes (both disks given
# together, then one alone), and an MBR partition of type 8e holding LVM2
# with XFS on it.  Every file is found with the MD5 of the file written,
# and every layer's identity (array, group, volumes, file system) is in
# extraction.json and the DFXML.
. "$CUSTODY_TOP/tests/cli/lib.sh"

FIX=$CUSTODY_TOP/tests/fixtures/lvm-image.py
MD="$PYTHON $CUSTODY_TOP/tests/fixtures/mdraid.py"
C=$T/case
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
rec() {
	"$PYTHON" -c 'import json,sys; R = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$(last)/extraction.json" "$1"
}
# same_md5s PARTITION TREE: every file of TREE, with its MD5, in the last
# inventory under PARTITION
same_md5s() {
	"$PYTHON" - "$(last)/inventory.jsonl" "$1" "$2" <<'PY'
import hashlib, json, os, sys
inv = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("partition") == sys.argv[2] and e.get("type") == "regular" \
            and not e.get("member"):
        inv[e["path"]] = e.get("md5")
n = 0
for d, _, files in os.walk(sys.argv[3]):
    for f in files:
        p = os.path.join(d, f)
        want = hashlib.md5(open(p, "rb").read()).hexdigest()
        got = inv.get("/" + os.path.relpath(p, sys.argv[3]))
        assert got == want, (p, got, want)
        n += 1
assert n >= 3, n
PY
}

if ! command -v mkfs.xfs >/dev/null 2>&1; then
	skip "the server stack: mkfs.xfs (xfsprogs) is needed"
	echo "1..$n"
	exit 0
fi
. "$CUSTODY_TOP/tests/cli/lvm.inc"
new_case "$C" || fail "test case created"

# the files: the panel on XFS (mounted and filled), the database on ext4
mkdir -p "$T/srv/www/panel" "$T/srv/home/op" "$T/db/var/lib/mysql"
printf '<?php\n$db_host = "localhost";\n$db_user = "cp";\n$db_pass = "s3cret";\n' \
	>"$T/srv/www/panel/config.php"
head -c 200000 /dev/urandom >"$T/srv/home/op/bot.bin"
printf 'ops@panel.example.com\n' >"$T/srv/home/op/notes.txt"
head -c 90000 /dev/urandom >"$T/db/var/lib/mysql/ibdata1"
printf 'victims\n' >"$T/db/var/lib/mysql/list.txt"
printf '[mysqld]\n' >"$T/db/var/lib/mysql/my.cnf"
truncate -s 32M "$T/srv.xfs"
TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=xfs mkfs.xfs -q -f -L panel \
	"$T/srv.xfs" >/dev/null 2>&1 || fail "mkfs.xfs"
mkdir -p "$T/mnt"
mount -o loop "$T/srv.xfs" "$T/mnt" && cp -a "$T/srv/." "$T/mnt/" &&
	umount "$T/mnt" || fail "the XFS filled through a loop mount"
xfs_uuid=$(xfs_db -r -c 'sb 0' -c 'p uuid' "$T/srv.xfs" 2>/dev/null |
	sed 's/^uuid = //')
mke2fs -q -F -t ext4 -d "$T/db" "$T/db.ext4" 8M >/dev/null 2>&1 ||
	fail "an ext4 image (mke2fs -d)"

# ---- md RAID1 -> LVM2 -> XFS and ext4 ----------------------------------
# the physical volume, made on a loop device, the file systems written at
# its volumes' extents; then the RAID1 pair around it
disk "$T/pv.img" 48M && attach "$T/pv.img" 0 $((48 * 1048576)) &&
	lvm pvcreate -ff -y "$L" && lvm vgcreate vgsrv "$L" &&
	lvm lvcreate -an -Zn -y -L 32M -n srv vgsrv &&
	lvm lvcreate -an -Zn -y -L 8M -n db vgsrv &&
	layout vgsrv "$T/layout" && uuids vgsrv >"$T/uuids" &&
	ok "an LVM2 group of two volumes (pvcreate, vgcreate, lvcreate)" ||
	{ fail "an LVM2 group of two volumes"; sed 's/^/#   /' "$T/lvm.log"; }
detach
"$PYTHON" "$FIX" put "$T/pv.img" "$T/layout" srv "$T/srv.xfs" &&
	"$PYTHON" "$FIX" put "$T/pv.img" "$T/layout" db "$T/db.ext4" ||
	fail "the file systems written at the volumes' extents"
$MD --level 1 --disks 2 --metadata 1.2 --data-kib 49152 --volume "$T/pv.img" \
	--name srv:0 "$T/md" || fail "the RAID1 pair around the PV (mdraid.py)"

expect_exit 0 "extract the server's two disks together" custody-extract \
	--case "$C" --item E001 --quiet "$T/md/m0.img" --disk "$T/md/m1.img"
same_md5s md:srv:0/lvm:vgsrv/srv "$T/srv" &&
	ok "md RAID1 -> LVM2 -> XFS: every file, with its MD5" ||
	fail "md RAID1 -> LVM2 -> XFS: every file, with its MD5"
same_md5s md:srv:0/lvm:vgsrv/db "$T/db" &&
	ok "md RAID1 -> LVM2 -> ext4: every file, with its MD5" ||
	fail "md RAID1 -> LVM2 -> ext4: every file, with its MD5"
"$PYTHON" - "$(last)/extraction.json" "$T/uuids" "$xfs_uuid" <<'PY' && ok "each layer's identity: array, group, volumes, XFS UUID and label" || { fail "each layer's identity"; rec 'R["walk"]["partitions"]' | sed 's/^/#   /'; }
import json, sys
r = json.load(open(sys.argv[1]))
lines = open(sys.argv[2]).read().split()
vg_uuid, lvs = lines[0], dict(l.split("=") for l in lines[1:])
parts = {p["name"]: p for p in r["walk"]["partitions"]}
md = parts["md:srv:0"]
assert md["md"]["level"] == "raid1" and not md["md"]["degraded"], md
assert [m["source"] for m in md["md"]["members"]] == ["d1/p0", "d2/p0"], md
srv, db = parts["md:srv:0/lvm:vgsrv/srv"], parts["md:srv:0/lvm:vgsrv/db"]
assert srv["volume_group"]["uuid"] == vg_uuid, srv
assert srv["logical_volume"]["uuid"] == lvs["srv"], srv
assert db["logical_volume"]["uuid"] == lvs["db"], db
assert srv["fs_type"] == "xfs" and db["fs_type"] == "ext4", (srv, db)
assert srv["fs_uuid"] == sys.argv[3] and srv["fs_label"] == "panel", srv
PY
# runs DFXML OPTIONS... VOLUME TREE DISK...: the files' byte runs read
# back from the images (byteruns.py)
runs() { "$PYTHON" "$CUSTODY_TOP/tests/fixtures/byteruns.py" "$@"; }
# the volume starts at the member's data offset (2048 sectors) +
# pe_start + its first extent: one window of each disk's image, read
# from member 0 (role 0)
db_at=$(($("$PYTHON" "$FIX" at "$T/layout" db 0) + 1048576))
runs --offset "$db_at" \
	"$(last)/inventory.dfxml" md:srv:0/lvm:vgsrv/db "$T/db" \
	"$T/md/m0.img" "$T/md/m1.img" >"$T/runs.out" 2>&1 &&
	ok "md RAID1 -> LVM2 -> ext4: the byte runs hold each file's bytes in the image ($(cat "$T/runs.out"))" ||
	{ fail "md RAID1 -> LVM2 -> ext4: the byte runs hold each file's bytes in the image"; sed 's/^/#   /' "$T/runs.out"; }
runs "$(last)/inventory.dfxml" md:srv:0/lvm:vgsrv/srv "$T/srv" \
	"$T/md/m0.img" "$T/md/m1.img" >"$T/runs.out" 2>&1 &&
	ok "md RAID1 -> LVM2 -> XFS: the byte runs hold each file's bytes in the image ($(cat "$T/runs.out"))" ||
	{ fail "md RAID1 -> LVM2 -> XFS: the byte runs hold each file's bytes in the image"; sed 's/^/#   /' "$T/runs.out"; }
"$PYTHON" - "$(last)/inventory.jsonl" <<'PY' && ok "the inventory's runs name their disk (1: member 0) and their offset in the volume" || fail "the inventory's runs name their disk and their offset in the volume"
import json, sys
n = 0
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["partition"].startswith("md:srv:0/lvm:") and e.get("runs"):
        for r in e["runs"]:
            if not r.get("sparse"):
                assert r["disk"] == 1 and "fs_offset" in r, (e["path"], r)
                n += 1
assert n >= 4, n
PY
grep -q "custody:name='md:srv:0/lvm:vgsrv/srv'" "$(last)/inventory.dfxml" &&
	ok "the DFXML names the XFS volume by its layers" ||
	fail "the DFXML names the XFS volume by its layers"
schemas_ok "$C" "the stack's records match their schemas"

expect_exit 0 "extract one RAID1 disk alone" custody-extract --case "$C" \
	--item E001 --quiet "$T/md/m1.img"
same_md5s md:srv:0/lvm:vgsrv/srv "$T/srv" &&
	ok "one disk of the pair: the XFS files all the same" ||
	fail "one disk of the pair: the XFS files all the same"
runs "$(last)/inventory.dfxml" md:srv:0/lvm:vgsrv/db "$T/db" \
	"$T/md/m1.img" >"$T/runs.out" 2>&1 &&
	ok "one disk of the pair: the byte runs lie in member 1's image ($(cat "$T/runs.out"))" ||
	{ fail "one disk of the pair: the byte runs lie in member 1's image"; sed 's/^/#   /' "$T/runs.out"; }
[ "$(rec '[(p["md"]["degraded"], p["md"]["missing_roles"]) for p in R["walk"]["partitions"] if p.get("layer") == "md"]')" = \
	"[(True, [0])]" ] &&
	ok "one disk of the pair: the array says which member is missing" ||
	{ fail "one disk of the pair: the array says which member is missing"; rec '[p.get("md") for p in R["walk"]["partitions"]]' | sed 's/^/#   /'; }

# ---- an MBR partition of type 8e -> LVM2 -> XFS ------------------------
disk "$T/d8e.img" 50M && "$PYTHON" "$FIX" mbr "$T/d8e.img" 2048:98304:8e &&
	attach "$T/d8e.img" 1048576 $((48 * 1048576)) &&
	lvm pvcreate -ff -y "$L" && lvm vgcreate vg0 "$L" &&
	lvm lvcreate -an -Zn -y -L 32M -n root vg0 &&
	layout vg0 "$T/layout8e" ||
	{ fail "a PV in a partition of type 8e"; sed 's/^/#   /' "$T/lvm.log"; }
detach
"$PYTHON" "$FIX" put "$T/d8e.img" "$T/layout8e" root "$T/srv.xfs" ||
	fail "XFS written at the volume's extents"
expect_exit 0 "extract the disk of partition type 8e" custody-extract \
	--case "$C" --item E001 --quiet "$T/d8e.img"
same_md5s p1/lvm:vg0/root "$T/srv" &&
	ok "MBR 8e -> LVM2 -> XFS: every file, with its MD5" ||
	fail "MBR 8e -> LVM2 -> XFS: every file, with its MD5"
runs "$(last)/inventory.dfxml" p1/lvm:vg0/root "$T/srv" "$T/d8e.img" \
	>"$T/runs.out" 2>&1 &&
	ok "MBR 8e -> LVM2 -> XFS: the byte runs hold each file's bytes in the image ($(cat "$T/runs.out"))" ||
	{ fail "MBR 8e -> LVM2 -> XFS: the byte runs hold each file's bytes in the image"; sed 's/^/#   /' "$T/runs.out"; }
grep -q '"path":"/www/panel/config.php"' "$(last)/inventory.jsonl" &&
	grep -q 'panel-php-config' "$(last)/botconfigs.jsonl" &&
	ok "the panel's config on that XFS goes to the extractors" ||
	fail "the panel's config on that XFS goes to the extractors"

# ---- one LVM2 group over two seized disks -----------------------------
# each disk a whole-disk PV; the volume fills the first and runs onto the
# second
disk "$T/da.img" 24M && attach "$T/da.img" 0 $((24 * 1048576)) && L1=$L &&
	truncate -s 24M "$T/db.img" && attach "$T/db.img" 0 $((24 * 1048576)) &&
	L2=$L && lvm pvcreate -ff -y "$L1" "$L2" && lvm vgcreate vgspan "$L1" "$L2" &&
	lvm lvcreate -an -Zn -y -L 32M -n srv vgspan &&
	layout vgspan "$T/layoutspan" && uuids vgspan >"$T/uuidspan" ||
	{ fail "a group over two disks"; sed 's/^/#   /' "$T/lvm.log"; }
detach
# lvm-image.py put writes one file: the two disks as one, then split
cat "$T/da.img" "$T/db.img" >"$T/dab.img"
sed "s|^pv $L2 0 |pv $L2 $((24 * 1048576)) |" "$T/layoutspan" >"$T/layoutspan2"
"$PYTHON" "$FIX" put "$T/dab.img" "$T/layoutspan2" srv "$T/srv.xfs" &&
	head -c $((24 * 1048576)) "$T/dab.img" >"$T/da.img" &&
	tail -c $((24 * 1048576)) "$T/dab.img" >"$T/db.img" ||
	fail "XFS written across the two disks' extents"
grep -c "^seg srv" "$T/layoutspan" | grep -q '^[2-9]' &&
	ok "the volume spans both disks (two segments)" ||
	{ fail "the volume spans both disks"; sed 's/^/#   /' "$T/layoutspan"; }
expect_exit 0 "extract the two disks of the group together" custody-extract \
	--case "$C" --item E001 --quiet "$T/db.img" --disk "$T/da.img"
span=$(rec '[p["name"] for p in R["walk"]["partitions"] if p["name"].endswith("/lvm:vgspan/srv")][0]')
same_md5s "$span" "$T/srv" &&
	ok "a volume over two disks given together: every file ($span)" ||
	fail "a volume over two disks given together: every file"
runs --offset none "$(last)/inventory.dfxml" "$span" "$T/srv" "$T/db.img" \
	"$T/da.img" >"$T/runs.out" 2>&1 &&
	ok "a volume over two disks: the byte runs name the disk holding them, no one volume offset ($(cat "$T/runs.out"))" ||
	{ fail "a volume over two disks: the byte runs name the disk holding them"; sed 's/^/#   /' "$T/runs.out"; }
expect_exit 6 "extract one disk of the group alone" custody-extract \
	--case "$C" --item E001 --quiet "$T/da.img"
rec '"\n".join(p["message"] for p in R["walk"]["problems"])' >"$T/problems"
grep -q "volume group vgspan: its physical volume pv1 ([^)]*) is not among the ranges read" \
	"$T/problems" &&
	ok "one disk of the group alone: the missing PV is reported" ||
	{ fail "one disk of the group alone: the missing PV is reported"; sed 's/^/#   /' "$T/problems"; }

expect_exit 0 "the case verifies" custody-verify --case "$C"
echo "1..$n"
