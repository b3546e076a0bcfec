#!/bin/sh
# custody-extract decodes the other forms targets hide in on a controller:
# the shared strings of an .xlsx and the slides of a .pptx (ZIPs that
# libmagic names as documents), bzip2, xz and lzma streams inside a panel's
# blob, a quoted-printable HTML part, a percent-encoded query, UTF-16BE
# text, a data: URI and an HTTP response whose body is gzip.  Each address
# is in emails.csv with the decoding that reached it; with --no-decode none
# of them is (each lies only encoded), and the record counts each stream.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }

for tool in bzip2 xz; do
	command -v $tool >/dev/null || fail "$tool is installed"
done
mkdir -p "$T/e"
"$PYTHON" - "$T/e" <<'PY' && ok "files made" || fail "files made"
import base64, gzip, io, os, sys, zipfile
d = sys.argv[1]


def put(name, data):
    open(os.path.join(d, name), "wb").write(data)


def office(name, members):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, text in members:
            z.writestr(n, text)
    put(name, b.getvalue())


office("victims.xlsx", [
    ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
    ("xl/workbook.xml", "<workbook><sheets><sheet name=\"bots\"/></sheets></workbook>"),
    ("xl/sharedStrings.xml", "<sst><si><t>xlsx-victim@mail-xlsx.example.com</t></si></sst>"),
])
office("deck.pptx", [
    ("[Content_Types].xml", '<?xml version="1.0"?><Types/>'),
    ("_rels/.rels", '<?xml version="1.0"?><Relationships/>'),
    ("ppt/slides/slide1.xml", "<p:sld><a:t>pptx-victim@mail-pptx.example.com</a:t></p:sld>"),
])
# the blob: a header, then the three streams the compressors wrote
pad = b"BLOB" + bytes(range(32, 127)) * 20
parts = [pad]
for tool, addr in (("bzip2", "bz2-victim@mail-bz2.example.com"),
                   ("xz", "xz-victim@mail-xz.example.com"),
                   ("lzma", "lzma-victim@mail-lzma.example.com")):
    src = os.path.join(d, "in")
    # long enough that xz's LZMA2 compresses it (a short input is stored)
    open(src, "w").write("recipient: %s\n%s" % (addr, "queue entry\n" * 200))
    cmd = "xz --format=lzma" if tool == "lzma" else tool
    os.system("%s -c %s > %s.out" % (cmd, src, src))
    parts.append(open(src + ".out", "rb").read())
    parts.append(pad)
    os.remove(src + ".out")
os.remove(src)
put("panel.blob", b"".join(parts))
put("offer.eml",
    b"Content-Type: text/html; charset=utf-8\n"
    b"Content-Transfer-Encoding: quoted-printable\n\n"
    b"<p style=3D\"x\">write to qp-victim@mail-=\nqp.example.com at once</p>\n")
put("gate.log",
    b"GET /gate.php?bot=PC7&mail=pct-victim%40mail-pct.example.com&x=1 HTTP/1.1\n")
put("c2.txt", "C2=utf16be-victim@mail-utf16be.example.com\n".encode("utf-16-be"))
put("page.html",
    b'<a href="data:text/plain;base64,'
    + base64.b64encode(b"uri-victim@mail-uri.example.com is next")
    + b'">x</a>\n')
body = gzip.compress(b"<p>http-victim@mail-http.example.com</p>", mtime=0)
put("capture.bin",
    b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "
    + str(len(body)).encode() + b"\r\n\r\n" + body)
PY
mke2fs -q -F -t ext4 -b 1024 -d "$T/e" "$T/ext4.img" 4M >/dev/null 2>&1 &&
	ok "an ext4 image of them (mke2fs -d)" || fail "an ext4 image of them"
check "extracted" custody-extract --case "$C" --item E001 --quiet "$T/ext4.img"
X=$(last)

# first_seen and first_offset of an address: the file, then the offset of
# the stream and the decodings that reached it
for want in \
	xlsx-victim@mail-xlsx.example.com:/victims.xlsx:ZIP \
	pptx-victim@mail-pptx.example.com:/deck.pptx:ZIP \
	bz2-victim@mail-bz2.example.com:/panel.blob:BZIP2 \
	xz-victim@mail-xz.example.com:/panel.blob:XZ \
	lzma-victim@mail-lzma.example.com:/panel.blob:LZMA \
	qp-victim@mail-qp.example.com:/offer.eml:QP \
	pct-victim@mail-pct.example.com:/gate.log:PERCENT \
	utf16be-victim@mail-utf16be.example.com:/c2.txt:UTF16 \
	uri-victim@mail-uri.example.com:/page.html:BASE64 \
	http-victim@mail-http.example.com:/capture.bin:GZIP; do
	v=${want%%:*}
	rest=${want#*:}
	file=${rest%%:*}
	kind=${rest#*:}
	got=$(grep "^$v," "$X/targets/emails.csv" | cut -d, -f3-)
	case "$got" in
	"p0:$file,"[0-9]*"-$kind-"[0-9]*) ok "$v: $got" ;;
	*) fail "$v: '$got', expected p0:$file,N-$kind-N" ;;
	esac
done

# the record counts the streams of each decoding
"$PYTHON" - "$X/extraction.json" <<'PY' && ok "extraction.json counts a stream of each" || fail "extraction.json counts a stream of each"
import json, sys
s = json.load(open(sys.argv[1]))["decode"]["streams"]
missing = [k for k in ("ZIP", "BZIP2", "XZ", "LZMA", "QP", "PERCENT", "UTF16", "BASE64", "GZIP")
           if s.get(k, 0) < 1]
if missing:
    print("# no stream of", missing, s)
    sys.exit(1)
PY

# each lies only encoded: without the decoders, none is found
check "extracted --no-decode" custody-extract --case "$C" --item E001 --quiet \
	--no-decode "$T/ext4.img"
Y=$(last)
if grep -q -- '-victim@' "$Y/targets/emails.csv"; then
	fail "--no-decode finds none of them"
	sed 's/^/#   /' "$Y/targets/emails.csv"
else
	ok "--no-decode finds none of them"
fi
