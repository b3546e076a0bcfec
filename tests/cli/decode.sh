#!/bin/sh
# custody-extract decodes what lies compressed or encoded anywhere: a gzip
# stream inside a file, a base64 MIME part, UTF-16 text, a PDF's
# FlateDecode stream, the XML members of a .docx (a ZIP that libmagic
# names as a document, so the archive walk leaves it), a deleted zip
# whose central directory is gone (its local headers carved from the
# unallocated blocks).  Each address is found with its forensic path in
# the CSVs, occurrences.jsonl and bulk_extractor's feature files, which
# parse as bulk_extractor documents them; --no-decode finds none of them;
# --jobs does not change a byte; a deflate bomb is stopped and recorded.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }

mkdir -p "$T/e"
"$PYTHON" - "$T/e" "$T/old.zip" <<'PY' && ok "files made (gzip at 5120, MIME, UTF-16, PDF, docx, zip)" || fail "files made"
import io, os, sys, zlib, gzip, base64, zipfile
d = sys.argv[1]
junk = bytes((i * 7 + 3) % 251 for i in range(5120)).replace(b"\x1f", b" ")
gz = gzip.compress(b"queue: gzip-victim@mail-gz.example.com\n", mtime=0)
open(os.path.join(d, "panel.db"), "wb").write(junk + gz + junk)
# a gzipped list: the archive walk reads its member, the decoders leave it
open(os.path.join(d, "spam.txt.gz"), "wb").write(gzip.compress(
    b"rcpt: gzfile-rcpt@list-gzfile.example.com\n" * 3, mtime=0))
part = base64.encodebytes(b"leaked: mime-victim@mail-b64.example.com\n")
open(os.path.join(d, "msg.eml"), "wb").write(
    b"From: a\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
    + part + b"\n--b--\n")
open(os.path.join(d, "c2.ini"), "wb").write(
    b"\xff\xfe" + "C2=utf16-victim@mail-utf16.example.com\r\n".encode("utf-16-le"))
flate = zlib.compress(b"BT (pdf-victim@mail-pdf.example.com) Tj ET")
open(os.path.join(d, "doc.pdf"), "wb").write(
    b"%PDF-1.4\n1 0 obj\n<< /Length " + str(len(flate)).encode()
    + b" /Filter /FlateDecode >>\nstream\n" + flate + b"\nendstream\nendobj\n%%EOF\n")
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    z.writestr("word/document.xml", "<w:document><w:t>docx-victim@mail-docx.example.com</w:t></w:document>")
open(os.path.join(d, "report.docx"), "wb").write(b.getvalue())
b = io.BytesIO()
with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("a.txt", "first member, nothing\n" * 50)
    z.writestr("list.txt", "zip-victim@mail-zip.example.com\n" + "pad\n" * 100)
data = b.getvalue()
# the central directory overwritten: only the local headers are left
cd = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
cd = data.find(b"PK\x01\x02")
open(sys.argv[2], "wb").write(data[:cd] + b"\0" * (len(data) - cd))
PY
cp "$T/old.zip" "$T/e/old.zip"
mke2fs -q -F -t ext4 -b 1024 -d "$T/e" "$T/ext4.img" 4M >/dev/null 2>&1 &&
	debugfs -w -R "rm /old.zip" "$T/ext4.img" >/dev/null 2>&1 &&
	ok "an ext4 image, the zip deleted" || fail "an ext4 image"
check "extracted" custody-extract --case "$C" --item E001 --quiet \
	--all-occurrences --jobs 1 "$T/ext4.img"
X=$(last)
# first_offset: the offset of the stream, then the path
csv() { grep "^$1," "$X/targets/emails.csv" | cut -d, -f3-; }
for want in \
	'gzip-victim@mail-gz.example.com|p0:/panel.db,5120-GZIP-7' \
	'mime-victim@mail-b64.example.com|p0:/msg.eml,68-BASE64-8' \
	'utf16-victim@mail-utf16.example.com|p0:/c2.ini,2-UTF16-3' \
	'docx-victim@mail-docx.example.com|p0:/report.docx,' \
	'zip-victim@mail-zip.example.com|p0:/old.zip!list.txt,0'; do
	v=${want%%|*}
	e=${want#*|}
	got=$(csv "$v")
	case "$got" in
	"$e"*) ok "$v: $got" ;;
	*) fail "$v: '$got', expected '$e...'" ;;
	esac
done
got=$(csv pdf-victim@mail-pdf.example.com)
case "$got" in
p0:/doc.pdf,*-PDF-4) ok "pdf-victim: $got" ;;
*) fail "pdf-victim: '$got'" ;;
esac
case "$(csv docx-victim@mail-docx.example.com)" in
*,*-ZIP-*) ok "the docx member read through its local header" ;;
*) fail "the docx member read through its local header" ;;
esac
# libtsk still reads the deleted zip (the walk reads it as a zip whose
# central directory is gone); its blocks are unallocated too, where the
# surviving local header is carved
grep '"value":"zip-victim@mail-zip.example.com"' "$X/targets/occurrences.jsonl" |
	grep '"path":"-ZIP-0"' | grep -q '"where":"p0 (unallocated)"' &&
	ok "the deleted zip's member from its local header in unallocated space" ||
	fail "the deleted zip's member from its local header in unallocated space"
grep '"value":"gzip-victim@mail-gz.example.com"' "$X/targets/occurrences.jsonl" |
	grep -q '"offset":5120,"path":"-GZIP-7"' &&
	ok "occurrences.jsonl: offset and path" || fail "occurrences.jsonl: offset and path"

# the feature files
B=$X/targets/bulk_extractor
for f in email domain url ip; do
	[ -f "$B/$f.txt" ] && [ -f "$B/${f}_histogram.txt" ] ||
		fail "$f.txt and ${f}_histogram.txt"
done
grep -q "^[0-9]*-GZIP-7	gzip-victim@mail-gz.example.com	" "$B/email.txt" &&
	ok "email.txt: forensic path TAB feature TAB context" ||
	fail "email.txt: forensic path TAB feature TAB context"
"$PYTHON" - "$B" <<'PY' && ok "feature files parse as bulk_extractor documents them" || fail "feature files parse"
import os, re, sys
d = sys.argv[1]
esc = re.compile(r"\\(?![0-7]{3})")
path = re.compile(r"^[0-9]+(-[A-Z0-9]+-[0-9]+)*$")
for name in os.listdir(d):
    if name == "report.xml":
        continue
    lines = open(os.path.join(d, name), "rb").read().split(b"\n")
    assert lines[-1] == b"", name
    head = [l for l in lines if l.startswith(b"#")]
    assert any(l.startswith(b"# Feature-Recorder: ") for l in head), name
    kind = b"Histogram" if name.endswith("_histogram.txt") else b"Feature"
    assert b"# " + kind + b"-File-Version: 1.1" in head, name
    last = None
    for l in lines[:-1]:
        if l.startswith(b"#"):
            continue
        t = l.decode("utf-8")  # escaped: valid UTF-8
        assert not any(ord(c) < 32 and c != "\t" for c in t), (name, l)
        f = t.split("\t")
        if kind == b"Feature":
            assert len(f) == 3 and path.match(f[0]), (name, l)
            for x in f:
                assert not esc.search(x), (name, l)
        else:
            assert f[0].startswith("n=") and len(f) in (2, 3), (name, l)
            n = int(f[0][2:])
            assert last is None or n <= last[0], (name, l)
            last = (n, f[1])
PY
grep -q "^n=1	gzip-victim@mail-gz.example.com$" "$B/email_histogram.txt" &&
	grep -q "^n=1	utf16-victim@mail-utf16.example.com	(utf16=1)$" "$B/email_histogram.txt" &&
	ok "email_histogram.txt: counts, utf16 noted" || fail "email_histogram.txt"
"$PYTHON" - "$X/extraction.json" <<'PY' && ok "extraction.json: decode parameters and counts" || fail "extraction.json decode"
import json, sys
r = json.load(open(sys.argv[1]))
d = r["decode"]
assert r["parameters"]["decode"] is True
for k in ("GZIP", "BASE64", "UTF16", "PDF", "ZIP"):
    assert d["streams"][k] >= 1, k
assert d["bombs"] == 0
# panel.db's stream; spam.txt.gz is left to the archive walk
assert d["streams"]["GZIP"] == 1, d["streams"]
assert d["left_to_archives"] == 1, d
PY
grep -q '^gzfile-rcpt@list-gzfile.example.com,3,p0:/spam.txt.gz!' "$X/targets/emails.csv" &&
	ok "the gzipped file's address, from its member, counted once a line" ||
	fail "the gzipped file's address, from its member: $(grep gzfile-rcpt "$X/targets/emails.csv")"

# the same bytes whatever --jobs
check "extracted (--jobs 4)" custody-extract --case "$C" --item E001 --quiet \
	--all-occurrences --jobs 4 "$T/ext4.img"
Y=$(last)
diff -r "$X/targets" "$Y/targets" >/dev/null &&
	ok "--jobs 4: the same targets and feature files" ||
	fail "--jobs 4: the same targets and feature files"

# --no-decode: only what lies in the clear
check "extracted (--no-decode)" custody-extract --case "$C" --item E001 \
	--quiet --no-decode "$T/ext4.img"
Z=$(last)
grep -v "p0:/old.zip!" "$Z/targets/emails.csv" | grep -q "victim@mail-" &&
	fail "--no-decode decodes nothing" || ok "--no-decode decodes nothing"
"$PYTHON" -c 'import json,sys; r = json.load(open(sys.argv[1])); sys.exit(r["parameters"]["decode"] is not False or "decode" in r)' \
	"$Z/extraction.json" && ok "--no-decode in the record" ||
	fail "--no-decode in the record"

# hostile twin: a deflate bomb at a raw offset of a file
mkdir -p "$T/b"
"$PYTHON" - "$T/b/blob.bin" <<'PY'
import sys, zlib
c = zlib.compressobj(9, zlib.DEFLATED, 31)
z = c.compress(b"\0" * (256 << 20)) + c.flush()
open(sys.argv[1], "wb").write(b"x" * 4096 + z + b"bomb-neighbour@mail-bomb.example.com\n")
PY
mke2fs -q -F -t ext4 -d "$T/b" "$T/bomb.img" 8M >/dev/null 2>&1 ||
	fail "a bomb image"
check "extracted (a deflate bomb)" custody-extract --case "$C" --item E001 \
	--quiet "$T/bomb.img"
W=$(last)
"$PYTHON" - "$W/extraction.json" <<'PY' && ok "the bomb stopped and recorded" || fail "the bomb stopped and recorded"
import json, sys
d = json.load(open(sys.argv[1]))["decode"]
assert d["bombs"] >= 1
assert {"where": "p0:/blob.bin", "at": "4096-GZIP", "bombs": 1} in d["bomb_places"], d["bomb_places"]
assert d["bytes"]["GZIP"] < 256 << 20
PY
grep -q "^bomb-neighbour@mail-bomb.example.com," "$W/targets/emails.csv" &&
	ok "what follows the bomb is carved" || fail "what follows the bomb is carved"
# a PDF whose stream holds many addresses, behind its header: the hits
# are held until the file's type is known, then kept with the others,
# whose text grows as they are (with workers, as by default)
mkdir -p "$T/many"
"$PYTHON" - "$T/many/agenda.pdf" <<'PY'
import sys, zlib
text = b"".join(b"BT (contact-%03d@mail-agenda.example.com) Tj ET\n" % i
                for i in range(300))
flate = zlib.compress(text)
open(sys.argv[1], "wb").write(
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length " +
    str(len(flate)).encode() + b" /Filter /FlateDecode >>\nstream\n" +
    flate + b"\nendstream\nendobj\n%%EOF\n")
PY
mke2fs -q -F -t ext4 -d "$T/many" "$T/many.img" 4M >/dev/null 2>&1 ||
	fail "an image of a PDF of 300 addresses"
check "extracted (a PDF of 300 addresses, with workers)" custody-extract \
	--case "$C" --item E001 --quiet --jobs 2 "$T/many.img"
[ "$(grep -c '^contact-[0-9]*@mail-agenda.example.com,1,p0:/agenda.pdf,[0-9]*-PDF-' \
	"$(last)/targets/emails.csv")" -eq 300 ] &&
	ok "all 300 found in the PDF's stream, with their forensic paths" ||
	fail "all 300 found in the PDF's stream, with their forensic paths"
schemas_ok "$C" "the records match their schemas"

echo "1..$n"
