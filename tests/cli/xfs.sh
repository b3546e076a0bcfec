#!/bin/sh
# custody-extract reads XFS (which libtsk does not) through libfsxfs: every
# entry of a file system mkfs.xfs made and the kernel filled, with its
# metadata as stat(2) gave it while mounted and its content as md5sum
# reads it; the same inside an MBR partition; a ZeuS config found on it;
# a deleted file's address carved from its free space; and hostile twins
# (a damaged superblock, a truncated image, a directory loop).
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# at IMAGE OFFSET LEN: the bytes of IMAGE there
at() { tail -c +$(($2 + 1)) "$1" | head -c "$3"; }
# mkfs.xfs refuses less than 300 MB unless it runs under fstests
mkxfs() {
	TEST_DIR=1 TEST_DEV=1 QA_CHECK_FS=xfs mkfs.xfs -q -f -L "$2" "$1" \
		>/dev/null 2>&1
}
M=$T/mnt
mkdir -p "$M"
# fill IMAGE: run the commands of $T/fill.sh in the mounted file system,
# then write what stat says of every entry to $T/stat.json.  The
# speculative preallocation is kept small (allocsize), so that files
# written in turns are made of several extents.
fill() {
	mount -o loop,allocsize=4k "$1" "$M" || return 1
	(cd "$M" && sh "$T/fill.sh") &&
		"$PYTHON" - "$M" >"$T/stat.json" <<'EOF'
import hashlib, json, os, stat, sys
root = os.fsencode(sys.argv[1])
# read everything first (which sets the access times once, relatime),
# then stat: the times are those the unmounted image keeps
md5, paths = {}, []
for d, dirs, files in os.walk(root):
    for n in sorted(dirs + files):
        p = os.path.join(d, n)
        paths.append(p)
        if stat.S_ISREG(os.lstat(p).st_mode):
            md5[p] = hashlib.md5(open(p, "rb").read()).hexdigest()
out = {}
for p in paths:
    st = os.lstat(p)
    rel = p[len(root):].decode("utf-8", "surrogateescape")
    o = {"ino": st.st_ino, "mode": stat.S_IMODE(st.st_mode),
         "uid": st.st_uid, "gid": st.st_gid, "size": st.st_size,
         "mtime": st.st_mtime_ns, "atime": st.st_atime_ns,
         "ctime": st.st_ctime_ns}
    if p in md5:
        o["md5"] = md5[p]
    if stat.S_ISLNK(st.st_mode):
        o["link"] = os.readlink(p).decode("utf-8", "surrogateescape")
    out[rel] = o
json.dump(out, sys.stdout)
EOF
	rc=$?
	umount "$M" || rc=1
	return $rc
}

if ! command -v mkfs.xfs >/dev/null || [ "$(id -u)" -ne 0 ]; then
	skip "XFS: mkfs.xfs and a loop mount (root) are needed"
	exit 0
fi

# ---- a controller's disk ----------------------------------------------------
S=$T/src
mkdir -p "$S"
head -c 1048576 /dev/urandom >"$S/big"
head -c 300000 /dev/urandom >"$S/middle"
cat >"$S/config.txt" <<'CFG'
;Build time: 14:15:23 10.04.2009 GMT
;Version: 1.3.2.1
entry "StaticConfig"
  botnet "btn-xfs"
  timer_config 60 1
  url_config "http://citysvc.example/cfg/config.bin"
  encryption_key "kN9#q2!Lr"
end
entry "DynamicConfig"
  url_loader "http://citysvc.example/bot.exe"
  url_server "http://citysvc.example/gate.php"
end
CFG
cat >"$T/fill.sh" <<EOF
set -e
mkdir -p var/www/builder etc/nginx home/op/a/b/c/d
cp "$S/config.txt" var/www/builder/config.txt
printf 'server { listen 80; }\n' >etc/nginx/site.conf
# big: eight pieces written in turns with small files: several extents
for i in 0 1 2 3 4 5 6 7; do
	dd if="$S/big" of=home/op/big bs=128k count=1 skip=\$i seek=\$i \
		conv=notrunc,fsync status=none
	head -c 8192 "$S/middle" >home/op/pad\$i
	sync
done
cp "$S/middle" home/op/a/b/c/d/middle.bin
# sparse: 40 blocks with holes between them, more extents than the inode
# holds (a B+tree of extents), and a hole at the end
for i in \$(seq 0 39); do
	printf 'block %d of the sparse file\n' \$i |
		dd of=home/op/sparse bs=4096 seek=\$((i * 3)) conv=notrunc status=none
done
truncate -s 2000000 home/op/sparse
: >home/op/empty
ln -s ../../var/www/builder/config.txt home/op/cfg-link
printf 'not utf-8\n' >"\$(printf 'home/op/caf\351.txt')"
printf 'utf-8\n' >home/op/résumé.txt
chown 1001:1002 home/op/résumé.txt
chmod 4750 home/op/empty
touch -d '2011-03-14 09:26:53.123456789 UTC' etc/nginx/site.conf
EOF
truncate -s 48M "$T/ctl.img" && mkxfs "$T/ctl.img" CTL-B107 &&
	fill "$T/ctl.img" && cp "$T/stat.json" "$T/stat.json.ctl" &&
	ok "an XFS image filled through a loop mount" ||
	fail "an XFS image filled through a loop mount"

expect_exit 0 "extract it" custody-extract --case "$C" --item E001 --quiet \
	"$T/ctl.img"
X=$(last)

# every entry, its metadata as stat gave it, its content as md5sum reads it
cat >"$T/compare.py" <<'EOF'
import datetime, json, sys
stats = json.load(open(sys.argv[1]))
inv = [json.loads(l) for l in open(sys.argv[2] + "/inventory.jsonl")]
part = sys.argv[3]
def esc(s):
    b = s.encode("utf-8", "surrogateescape")
    out, i = "", 0
    while i < len(b):
        for n in (4, 3, 2, 1):
            try:
                c = b[i:i + n].decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(c) == 1 and not (ord(c) < 0x20 or ord(c) == 0x7f or
                                    c == "\\" or 0x80 <= ord(c) <= 0x9f):
                out += c
                i += n
                break
        else:
            out += "\\x%02x" % b[i]
            i += 1
    return out
def ts(ns):
    s, f = divmod(ns, 10**9)
    t = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".%09d" % f if f else "") + "Z"
bad = []
lines = {l["path"]: l for l in inv if l.get("partition") == part and "!" not in l["path"]}
want = {esc(p): o for p, o in stats.items()}
if sorted(lines) != sorted(want):
    bad.append("paths differ: only listed %s, only on disk %s" % (
        sorted(set(lines) - set(want)), sorted(set(want) - set(lines))))
for p, o in want.items():
    l = lines.get(p)
    if not l:
        continue
    for k, v in (("meta_addr", o["ino"]), ("uid", o["uid"]),
                 ("gid", o["gid"]), ("mode", "%04o" % o["mode"]),
                 ("mtime", ts(o["mtime"])), ("atime", ts(o["atime"])),
                 ("ctime", ts(o["ctime"])), ("fs_type", "xfs")):
        if l.get(k) != v:
            bad.append("%s: %s is %r, stat says %r" % (p, k, l.get(k), v))
    if "crtime" not in l:
        bad.append("%s: no crtime" % p)
    if "md5" in o and o["size"] == 0:
        if l.get("content") != "empty" or l.get("size") != 0:
            bad.append("%s: empty, but content %s" % (p, l.get("content")))
    elif "md5" in o and (l.get("md5") != o["md5"] or l.get("size") != o["size"]):
        bad.append("%s: md5 %s size %s, md5sum %s size %s" % (
            p, l.get("md5"), l.get("size"), o["md5"], o["size"]))
    if "link" in o and l.get("link_target") != esc(o["link"]):
        bad.append("%s: link %r" % (p, l.get("link_target")))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
check "every entry listed with stat's metadata and md5sum's MD5" \
	"$PYTHON" "$T/compare.py" "$T/stat.json" "$X" p0
grep -F '"path":"/home/op/caf\\xe9.txt"' "$X/inventory.jsonl" |
	grep -q '"md5":"'"$(printf 'not utf-8\n' | md5sum | cut -d' ' -f1)"'"' &&
	ok "the name that is not UTF-8, escaped, with its content" ||
	fail "the name that is not UTF-8, escaped, with its content"
grep -F '"path":"/etc/nginx/site.conf"' "$X/inventory.jsonl" |
	grep -q '"mtime":"2011-03-14T09:26:53.123456789Z"' &&
	ok "a time set with nanoseconds, in UTC" ||
	fail "a time set with nanoseconds, in UTC"

# the runs: several extents, holes, and the image bytes they point at
"$PYTHON" - "$X" "$T/ctl.img" "$S/big" 0 >"$T/.runs" 2>&1 <<'EOF'
import json, sys
inv = {}
for l in open(sys.argv[1] + "/inventory.jsonl"):
    o = json.loads(l)
    inv[o["path"]] = o
big = inv["/home/op/big"]["runs"]
assert len(big) >= 3 and not any(r.get("sparse") for r in big), big
img = open(sys.argv[2], "rb")
src = open(sys.argv[3], "rb").read()
base, pos = int(sys.argv[4]), 0
for r in big:
    img.seek(r["offset"])
    n = min(r["length"], len(src) - pos)
    assert img.read(n) == src[pos:pos + n], ("run", r)
    pos += n
assert pos == len(src)
sp = inv["/home/op/sparse"]
holes = [r for r in sp["runs"] if r.get("sparse")]
assert len(sp["runs"]) >= 79 and len(holes) >= 40, sp["runs"][:5]
assert sum(r["length"] for r in sp["runs"]) >= sp["size"]
print("ok")
EOF
grep -qx ok "$T/.runs" &&
	ok "runs: several extents of a file, its image bytes; a sparse file's holes" ||
	{ fail "runs"; sed 's/^/#   /' "$T/.runs"; }

# the file system's identity, in extraction.json and the DFXML
uuid=$(xfs_db -r -c 'sb 0' -c 'p uuid' "$T/ctl.img" | sed 's/^uuid = //')
"$PYTHON" -c 'import json, sys
p = json.load(open(sys.argv[1]))["walk"]["partitions"][0]
assert p["fs_type"] == "xfs" and p["fs_uuid"] == sys.argv[2], p
assert p["fs_label"] == "CTL-B107" and p["fs_version"] == 5, p
assert p["deleted"].startswith("not listed"), p' "$X/extraction.json" "$uuid" &&
	ok "extraction.json: xfs, the UUID xfs_db prints, the label, version 5" ||
	fail "extraction.json: xfs, the UUID xfs_db prints ($uuid), the label"
grep -q "<ftype_str>xfs</ftype_str>" "$X/inventory.dfxml" &&
	grep -q "<custody:fs_uuid>$uuid</custody:fs_uuid>" "$X/inventory.dfxml" &&
	grep -q "<custody:fs_label>CTL-B107</custody:fs_label>" "$X/inventory.dfxml" &&
	ok "the DFXML volume: xfs, its UUID and label" ||
	fail "the DFXML volume: xfs, its UUID and label"
XSD=$CUSTODY_TESTDATA/schemas/dfxml/dfxml.xsd
if ! command -v xmllint >/dev/null 2>&1; then
	skip "the DFXML against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "the DFXML against the DFXML schema"; then
	check "the DFXML validates against the DFXML schema" \
		xmllint --noout --nonet --schema "$XSD" "$X/inventory.dfxml"
fi
schemas_ok "$C" "the records match their schemas"

# the bot config found on XFS, end to end
"$PYTHON" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1] + "/botconfigs.jsonl")]
z = [r for r in recs if r["extractor"] == "zeus-config"]
assert z and z[0]["status"] == "decoded" and z[0]["botnet"] == "btn-xfs", recs
assert [p["path"] for p in z[0]["provenance"]["places"]] == \
    ["/var/www/builder/config.txt"], z[0]["provenance"]' "$X" &&
	ok "the ZeuS config on XFS, decoded" || fail "the ZeuS config on XFS, decoded"
grep -q '^http://citysvc.example/gate.php,' "$X/targets/c2.csv" &&
	ok "its C&C in the target lists" || fail "its C&C in the target lists"

# ---- the hierarchy as libfsxfs's own tool lists it ---------------------------
# (fsxfsinfo stops at a name that is not UTF-8: a file system without one)
cat >"$T/fill.sh" <<'EOF'
set -e
mkdir -p srv/a/b srv/c etc
printf 'one\n' >srv/a/b/one.txt
printf 'two\n' >srv/c/two.txt
printf 'spam run: deleted-victim@mailbox.example.org 192.0.2.201\n' >gone.txt
head -c 5000 /dev/zero | tr '\0' ' ' >>gone.txt
sync
rm gone.txt
sync
ln -s srv/a top-link
EOF
truncate -s 32M "$T/space.img" && mkxfs "$T/space.img" SPACE &&
	fill "$T/space.img" && ok "a second XFS, a file written then deleted" ||
	fail "a second XFS, a file written then deleted"
expect_exit 0 "extract it" custody-extract --case "$C" --item E001 --quiet \
	--all-occurrences "$T/space.img"
X=$(last)
fsxfsinfo -H "$T/space.img" | sed -n '/^File system hierarchy:/,$p' |
	sed '1d;/^$/d;/^\/$/d' >"$T/fsxfsinfo.txt"
"$PYTHON" -c 'import json, sys
for l in open(sys.argv[1]):
    print(json.loads(l)["path"])' "$X/inventory.jsonl" >"$T/walk.txt"
if [ -s "$T/fsxfsinfo.txt" ] && cmp -s "$T/fsxfsinfo.txt" "$T/walk.txt"; then
	ok "the entries in fsxfsinfo -H's order"
else
	fail "the entries in fsxfsinfo -H's order"
	diff "$T/fsxfsinfo.txt" "$T/walk.txt" | sed 's/^/#   /'
fi
check "every entry with stat's metadata (second image)" \
	"$PYTHON" "$T/compare.py" "$T/stat.json" "$X" p0
grep -q '^deleted-victim@mailbox.example.org,' "$X/targets/emails.csv" &&
	ok "the deleted file's address is carved" ||
	fail "the deleted file's address is carved"
off=$(grep '"value":"deleted-victim@mailbox.example.org"' \
	"$X/targets/occurrences.jsonl" | grep '"where":"p0 (unallocated)"' |
	"$PYTHON" -c 'import json,sys; print(json.loads(sys.stdin.readline())["offset"])')
[ -n "$off" ] && [ "$(at "$T/space.img" "$off" 34)" = \
	"deleted-victim@mailbox.example.org" ] &&
	ok "from XFS's free space, at its offset in the image" ||
	fail "from XFS's free space, at its offset in the image ($off)"
"$PYTHON" -c 'import json, sys
p = json.load(open(sys.argv[1]))["walk"]["partitions"][0]
assert 0 < p["unallocated_bytes"] < p["length"], p' "$X/extraction.json" &&
	ok "unallocated bytes counted, fewer than the volume's" ||
	fail "unallocated bytes counted, fewer than the volume's"

# ---- the first image inside an MBR partition --------------------------------
# one DOS partition table entry: type 0x83, sectors 2048..100351
truncate -s 50M "$T/disk.img" && "$PYTHON" -c '
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 98304))
    f.seek(510)
    f.write(b"\x55\xaa")
' "$T/disk.img" && dd if="$T/ctl.img" of="$T/disk.img" bs=1M seek=1 conv=notrunc \
		status=none && ok "an MBR disk with the XFS in partition 1" ||
	fail "an MBR disk with the XFS in partition 1"
expect_exit 0 "extract the disk" custody-extract --case "$C" --item E001 \
	--quiet "$T/disk.img"
X=$(last)
check "every entry of p1, as stat and md5sum say" \
	"$PYTHON" "$T/compare.py" "$T/stat.json.ctl" "$X" p1
"$PYTHON" - "$X" "$T/disk.img" "$S/big" >"$T/.runs" 2>&1 <<'EOF'
import json, sys
for l in open(sys.argv[1] + "/inventory.jsonl"):
    o = json.loads(l)
    if o["path"] == "/home/op/big":
        runs = o["runs"]
img = open(sys.argv[2], "rb")
src = open(sys.argv[3], "rb").read()
pos = 0
for r in runs:
    assert r["offset"] >= 1048576, r
    img.seek(r["offset"])
    n = min(r["length"], len(src) - pos)
    assert img.read(n) == src[pos:pos + n], ("run", r)
    pos += n
print("ok")
EOF
grep -qx ok "$T/.runs" &&
	ok "its runs are offsets in the disk image" ||
	{ fail "its runs are offsets in the disk image"; sed 's/^/#   /' "$T/.runs"; }

# ---- hostile twins ------------------------------------------------------------
# the superblock damaged after its magic: the block size zeroed
cp "$T/space.img" "$T/badsb.img"
printf '\000\000\000\000' | dd of="$T/badsb.img" bs=1 seek=4 conv=notrunc \
	status=none
# (an XFS that does not open is damage: a problem, exit 6, its bytes
# carved as unreadable-partition space)
expect_exit 6 "a damaged superblock: exit 6, carved as unreadable space" \
	custody-extract --case "$C" --item E001 --quiet "$T/badsb.img"
"$PYTHON" -c 'import json, sys
w = json.load(open(sys.argv[1]))["walk"]
m = " ".join(p["message"] for p in w["problems"])
assert "XFS signature, but" in m and "block size 0" in m, m
p0 = w["partitions"][0]
assert p0["unreadable_bytes"] == w["container"]["size"], p0' \
	"$(last)/extraction.json" >"$T/.why" 2>&1 &&
	ok "it says the XFS superblock is damaged, and where; every byte carved" ||
	{ fail "it says the XFS superblock is damaged, and where"; sed 's/^/#   /' "$T/.why"; }

# truncated: its last quarter gone (both groups' superblocks there)
head -c 24M "$T/space.img" >"$T/short.img"
expect_exit 6 "a truncated XFS: walked, exit 6" custody-extract --case "$C" \
	--item E001 --quiet "$T/short.img"
X=$(last)
"$PYTHON" -c 'import json, sys
w = json.load(open(sys.argv[1]))["walk"]
assert not w["complete"], w
assert any("truncated" in p["message"] for p in w["problems"]), w["problems"]
assert w["partitions"][0]["fs_type"] == "xfs", w' "$X/extraction.json" &&
	ok "the record says it is truncated" || fail "the record says it is truncated"
# cut in half: libfsxfs reads every group's superblock when it opens one,
# and the second is gone
head -c 16M "$T/space.img" >"$T/half.img"
expect_exit 6 "an XFS cut in half: exit 6, carved as unreadable space" \
	custody-extract --case "$C" --item E001 --quiet "$T/half.img"
"$PYTHON" -c 'import json, sys
w = json.load(open(sys.argv[1]))["walk"]
m = " ".join(p["message"] for p in w["problems"])
assert "truncated" in m and "16777216 bytes" in m, m' \
	"$(last)/extraction.json" >"$T/.why" 2>&1 &&
	ok "it says the image ends before the file system" ||
	{ fail "it says the image ends before the file system"; sed 's/^/#   /' "$T/.why"; }

# a directory loop: an entry of /d1/d2 made to name /d1 (xfs_db -x)
cat >"$T/fill.sh" <<'EOF'
set -e
mkdir -p d1/d2/sub
printf 'x\n' >d1/d2/file
EOF
truncate -s 32M "$T/loop.img" && mkxfs "$T/loop.img" LOOP &&
	fill "$T/loop.img" || fail "an XFS for the loop"
d1=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["/d1"]["ino"])' "$T/stat.json")
d2=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["/d1/d2"]["ino"])' "$T/stat.json")
xfs_db -x -c "inode $d2" -c "write u3.sfdir3.list[0].inumber.i4 $d1" \
	"$T/loop.img" >/dev/null 2>&1 &&
	xfs_db -r -c "inode $d2" -c "p u3.sfdir3.list[0].inumber.i4" \
		"$T/loop.img" | grep -q "= $d1\$" &&
	ok "/d1/d2/sub made to be /d1 (xfs_db -x)" || fail "/d1/d2/sub made to be /d1"
expect_exit 6 "the loop: walked once, exit 6" custody-extract --case "$C" \
	--item E001 --quiet "$T/loop.img"
X=$(last)
"$PYTHON" -c 'import json, sys
w = json.load(open(sys.argv[1]))["walk"]
paths = [json.loads(l)["path"] for l in open(sys.argv[2])]
assert paths == ["/d1", "/d1/d2", "/d1/d2/sub", "/d1/d2/file"], paths
assert any("/d1/d2/sub" in p["message"] and "loop" in p["message"]
           for p in w["problems"]), w["problems"]' "$X/extraction.json" \
	"$X/inventory.jsonl" &&
	ok "the loop is entered once and recorded" ||
	fail "the loop is entered once and recorded"

# a small file whose extent points outside the file system (xfs_db -x):
# its content cannot be read, which its line says; the rest is extracted
cat >"$T/fill.sh" <<'EOF2'
set -e
printf 'a small file\n' >small.txt
printf 'another\n' >other.txt
EOF2
truncate -s 32M "$T/bad-extent.img" && mkxfs "$T/bad-extent.img" BAD &&
	fill "$T/bad-extent.img" || fail "an XFS for the bad extent"
ino=$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["/small.txt"]["ino"])' "$T/stat.json")
xfs_db -x -c "inode $ino" -c "write u3.bmx[0].startblock 9999999" \
	"$T/bad-extent.img" >/dev/null 2>&1 &&
	ok "/small.txt's extent made to point past the file system" ||
	fail "/small.txt's extent made to point past the file system"
expect_exit 6 "extracted, exit 6" custody-extract --case "$C" --item E001 \
	--quiet "$T/bad-extent.img"
X=$(last)
grep -F '"path":"/small.txt"' "$X/inventory.jsonl" | grep -q '"read_error"' &&
	grep -F '"path":"/other.txt"' "$X/inventory.jsonl" |
		grep -q "\"md5\":\"$(printf 'another\n' | md5sum | cut -d' ' -f1)\"" &&
	ok "its line has read_error; the other file is read" ||
	fail "its line has read_error; the other file is read"
