#!/bin/sh
# The forensic paths of custody's bulk_extractor feature files
# (targets/bulk_extractor/*.txt) are what bulk_extractor's tools take them
# for: an image offset in decimal, then the decoding chain.  A reader that
# does what identify_filenames.py does (the leading integer looked up in
# the <byte_run img_offset= len=> of custody's own DFXML) must find the
# file holding each address, no file for one in unallocated space or in
# slack, and for an address in the clear the image's bytes at that offset
# are the address.  The same on an ext4 at offset 0 of the image and on
# the same ext4 in an MBR partition starting at 1 MiB, so the partition's
# offset is proven added.  A file without runs (ext4 inline data) is at
# its first byte's offset with "-FILE-N".  The folder holds the report.xml
# bulk_extractor_reader.py opens a report by.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"

# The files: an address in plain text; two in a file of two extents (the
# second past its first extent); a gzip stream at 5120 of a file that is
# no archive (decoded where it lies); a .gz file (opened as an archive:
# its stream is a member); a short file whose slack gets an address.
mkdir -p "$T/root/mail" "$T/root/logs"
"$PYTHON" - "$T/root" "$T/spread.txt" <<'PY' || fail "files made"
import gzip, os, sys
d = sys.argv[1]
open(os.path.join(d, "mail/1.eml"), "wb").write(
    b"From: alice.smith@example.com\nSubject: list\n\nnothing else\n")
junk = bytes((i * 7 + 3) % 251 for i in range(5120)).replace(b"\x1f", b" ")
gz = gzip.compress(b"queue: gzip-inner@mail-gz.example.com\n", mtime=0)
open(os.path.join(d, "panel.db"), "wb").write(junk + gz + junk)
open(os.path.join(d, "logs/mail.log.1.gz"), "wb").write(
    gzip.compress(b"relay to gz-member@mail-log.example.org ok\n" * 3, mtime=0))
open(os.path.join(d, "slack.txt"), "wb").write(b"a short note, nothing in it\n")
for n in "abc":
    open(os.path.join(d, n), "wb").write(n.encode() * 4096)
s = b"x" * 100 + b" first@spread.example.com "
s += b"y" * (16000 - len(s)) + b" second@spread.example.com\n" + b"z" * 3000
open(sys.argv[2], "wb").write(s)
PY
# /b deleted, then /spread.txt written: its first blocks fill b's hole,
# the rest lies past /c
mke2fs -q -F -t ext4 -b 1024 -d "$T/root" "$T/fs.img" 4M >/dev/null 2>&1 &&
	debugfs -w -R "rm /b" "$T/fs.img" >/dev/null 2>&1 &&
	debugfs -w -R "write $T/spread.txt spread.txt" "$T/fs.img" >/dev/null 2>&1 ||
	fail "the ext4 image"
debugfs -R "stat /spread.txt" "$T/fs.img" 2>/dev/null | grep -q ', (' &&
	ok "spread.txt lies in two extents" || fail "spread.txt lies in two extents"
# an address in a free block, and one in the slack of /slack.txt
blk=3000
debugfs -R "testb $blk" "$T/fs.img" 2>/dev/null | grep -q 'not in use' ||
	fail "block $blk is free"
printf 'deleted note: mail free-block@unalloc.example.net tonight\n' |
	dd of="$T/fs.img" bs=1 seek=$((blk * 1024 + 100)) conv=notrunc status=none
sblk=$(debugfs -R "bmap /slack.txt 0" "$T/fs.img" 2>/dev/null)
case "$sblk" in
'' | *[!0-9]*) fail "the block of /slack.txt ($sblk)" ;;
esac
printf ' slack-note@slack.example.org ' |
	dd of="$T/fs.img" bs=1 seek=$((sblk * 1024 + 600)) conv=notrunc status=none

# The same file system in an MBR partition at sector 2048 (1 MiB)
fs_size=$(wc -c <"$T/fs.img")
head -c $((1048576 + fs_size + 65536)) /dev/zero >"$T/disk.img"
"$PYTHON" -c '
import struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(446)
    f.write(struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, int(sys.argv[2]) // 512))
    f.seek(510)
    f.write(b"\x55\xaa")
' "$T/disk.img" "$fs_size" &&
	dd if="$T/fs.img" of="$T/disk.img" bs=512 seek=2048 conv=notrunc status=none ||
	fail "the partitioned disk"

# what must be where: address, the file holding it ("-": none), and how
# it lies ("clear": the image's bytes at the offset are the address;
# "gzip": the offset is where its gzip stream begins; "coded": in a
# member, the offset of the file's first byte)
cat >"$T/expect" <<'EOF'
alice.smith@example.com mail/1.eml clear
first@spread.example.com spread.txt clear
second@spread.example.com spread.txt clear
gzip-inner@mail-gz.example.com panel.db gzip
gz-member@mail-log.example.org logs/mail.log.1.gz coded
free-block@unalloc.example.net - clear
slack-note@slack.example.org - clear
EOF

# locate.py IMAGE DFXML FEATURES EXPECT: every line of every feature file
# has three fields and a path of the documented form; each address of
# EXPECT is found at an offset that DFXML's byte runs place in the file
# given (or in none), with the image's bytes there as EXPECT says.
cat >"$T/locate.py" <<'PY'
import bisect, os, re, sys
import xml.etree.ElementTree as ET

image, dfxml, folder, expect = sys.argv[1:5]
bad = 0


def no(msg):
    global bad
    print("# " + msg)
    bad += 1


runs = []
for fo in ET.parse(dfxml).getroot().iter():
    if not fo.tag.endswith("}fileobject") and fo.tag != "fileobject":
        continue
    name = None
    for c in fo:
        if c.tag.endswith("filename"):
            name = c.text
    for br in fo.iter():
        if br.tag.endswith("byte_run") and "img_offset" in br.attrib:
            off = int(br.attrib["img_offset"])
            runs.append((off, off + int(br.attrib["len"]), name))
runs.sort()
starts = [r[0] for r in runs]


def file_at(off):
    i = bisect.bisect_right(starts, off) - 1
    while i >= 0 and runs[i][0] <= off:
        if off < runs[i][1]:
            return runs[i][2]
        i -= 1
    return None


form = re.compile(rb"^[0-9]+(-[A-Z0-9]+-[0-9]+)*$")
found = {}
names = [n for n in os.listdir(folder) if n.endswith(".txt")]
if "email.txt" not in names:
    no("no email.txt in " + folder)
for n in names:
    if n.endswith("_histogram.txt"):
        continue
    for line in open(os.path.join(folder, n), "rb"):
        if line.startswith(b"#"):
            continue
        cols = line.rstrip(b"\n").split(b"\t")
        if len(cols) != 3:
            no("%s: %d fields: %r" % (n, len(cols), line))
            continue
        if not form.match(cols[0]):
            no("%s: forensic path %r" % (n, cols[0]))
            continue
        if n == "email.txt":
            found.setdefault(cols[1].decode(), []).append(cols[0].decode())
img = open(image, "rb")
for line in open(expect):
    addr, want, how = line.split()
    for path in found.get(addr, []) or [None]:
        if path is None:
            no("%s: not in email.txt" % addr)
            continue
        off = int(path.split("-")[0])
        got = file_at(off)
        if (got or "-") != want:
            no("%s at %s: in %s, not %s" % (addr, path, got, want))
        img.seek(off)
        head = img.read(len(addr))
        if how == "clear" and (head != addr.encode() or path != str(off)):
            no("%s at %s: the image holds %r there" % (addr, path, head))
        if how == "gzip" and (head[:2] != b"\x1f\x8b" or "-GZIP-" not in path):
            no("%s at %s: no gzip stream there (%r)" % (addr, path, head[:2]))
        if how == "coded" and path == str(off):
            no("%s at %s: no chain" % (addr, path))
        print("# %s\t%s\t%s" % (path, addr, got or "(no file)"))
sys.exit(1 if bad else 0)
PY

last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
for img in fs disk; do
	check "extracted ($img.img)" custody-extract --case "$C" --item E001 \
		--quiet "$T/$img.img"
	X=$(last)
	if "$PYTHON" "$T/locate.py" "$T/$img.img" "$X/inventory.dfxml" \
		"$X/targets/bulk_extractor" "$T/expect" >"$T/.loc" 2>&1; then
		ok "$img.img: each address's offset lies in its file, in the image"
	else
		fail "$img.img: each address's offset lies in its file, in the image"
	fi
	sed 's/^/#   /' "$T/.loc"
	# bulk_extractor_reader.py opens a report folder by its report.xml
	"$PYTHON" - "$X/targets/bulk_extractor/report.xml" "$T/$img.img" <<'PY' &&
import sys
import xml.dom.minidom
d = xml.dom.minidom.parse(sys.argv[1])
name = d.getElementsByTagName("image_filename")[0].firstChild.wholeText
assert name.endswith(sys.argv[2].rsplit("/", 1)[1]), name
prog = d.getElementsByTagName("program")[0].firstChild.wholeText
assert prog == "custody-extract", prog
PY
		ok "$img.img: report.xml names the image" ||
		fail "$img.img: report.xml names the image"
done

# content with no byte of the image as its place: an ext4 file stored in
# its inode (inline_data) has no run; its features are at the first byte
# the rule gives it (the partition's, 0) and "-FILE-" the content offset
mkdir -p "$T/inline"
printf 'inline: tiny-inline@inline.example.com\n' >"$T/inline/tiny.txt"
mke2fs -q -F -t ext4 -O inline_data -b 1024 -d "$T/inline" "$T/inline.img" 2M \
	>/dev/null 2>&1 || fail "an ext4 with inline data"
check "extracted (inline.img)" custody-extract --case "$C" --item E001 \
	--quiet "$T/inline.img"
grep -q '"path":"/tiny.txt".*"runs"' "$(last)/inventory.jsonl" &&
	fail "tiny.txt has no runs" || ok "tiny.txt has no runs"
grep -q "^0-FILE-8	tiny-inline@inline.example.com	" \
	"$(last)/targets/bulk_extractor/email.txt" &&
	ok "a file without runs: its first byte's offset and -FILE-8" ||
	{ fail "a file without runs: its first byte's offset and -FILE-8"; sed 's/^/#   /' "$(last)/targets/bulk_extractor/email.txt"; }

# a file with a hole (ext4 leaves no extent for it): the DFXML says the
# hole is zeros (fill='0') as fiwalk does, never that it lies at an image
# offset, so no feature is found in it
mkdir -p "$T/holes"
printf 'head\n' >"$T/holes/sparse.bin"
printf 'tail\n' |
	dd of="$T/holes/sparse.bin" bs=4096 seek=20 conv=notrunc status=none
mke2fs -q -F -t ext4 -b 4096 -d "$T/holes" "$T/holes.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 with a sparse file"
check "extracted (holes.img)" custody-extract --case "$C" --item E001 \
	--quiet "$T/holes.img"
fiwalk -X "$T/holes.fiwalk.xml" "$T/holes.img" >/dev/null 2>&1 ||
	fail "fiwalk reads holes.img"
runs() {
	"$PYTHON" - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
for fo in ET.parse(sys.argv[1]).getroot().iter():
    if fo.tag.split("}")[-1] != "fileobject":
        continue
    name = [c.text for c in fo if c.tag.split("}")[-1] == "filename"]
    if not name or not name[0].endswith("sparse.bin"):
        continue
    for r in fo.iter():
        if r.tag.split("}")[-1] == "byte_run":
            print(r.get("file_offset"), r.get("img_offset"), r.get("fill"), r.get("len"))
PY
}
runs "$T/holes.fiwalk.xml" >"$T/holes.fiwalk"
runs "$(last)/inventory.dfxml" >"$T/holes.custody"
if [ -s "$T/holes.fiwalk" ] && grep -q ' None 0 ' "$T/holes.fiwalk" &&
	cmp -s "$T/holes.fiwalk" "$T/holes.custody"; then
	ok "a hole's byte run is fill='0', as fiwalk writes it"
else
	fail "a hole's byte run is fill='0', as fiwalk writes it"
	sed 's/^/#   fiwalk:  /' "$T/holes.fiwalk"
	sed 's/^/#   custody: /' "$T/holes.custody"
fi

# the checker can fail: an address moved by one byte, a file's run moved
# away, a line of four fields
X=$(ls -d "$C"/extractions/E001-X2)
B=$T/moved
cp -r "$X/targets/bulk_extractor" "$B"
chmod -R u+w "$B"
awk -F '\t' -v OFS='\t' '$2 == "free-block@unalloc.example.net" { $1 = $1 + 1 } { print }' \
	"$X/targets/bulk_extractor/email.txt" >"$B/email.txt"
expect_exit 1 "the check fails when an offset is one byte off" \
	"$PYTHON" "$T/locate.py" "$T/disk.img" "$X/inventory.dfxml" "$B" "$T/expect"
awk -F '\t' -v OFS='\t' '$2 == "alice.smith@example.com" { $1 = $1 - 1048576 } { print }' \
	"$X/targets/bulk_extractor/email.txt" >"$B/email.txt"
expect_exit 1 "the check fails when the partition's offset is left out" \
	"$PYTHON" "$T/locate.py" "$T/disk.img" "$X/inventory.dfxml" "$B" "$T/expect"
awk -F '\t' -v OFS='\t' 'NR == 6 { $0 = $0 "\textra" } { print }' \
	"$X/targets/bulk_extractor/email.txt" >"$B/email.txt"
expect_exit 1 "the check fails on a line of four fields" \
	"$PYTHON" "$T/locate.py" "$T/disk.img" "$X/inventory.dfxml" "$B" "$T/expect"
check "the case verifies" custody-verify --case "$C"
