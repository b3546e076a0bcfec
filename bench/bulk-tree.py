#!/usr/bin/env python3
"""bulk-tree.py - write the folder bench/bulk.sh makes its ext4 image of.

    python3 bench/bulk-tree.py ROOT PLANTED

About 1 GiB of real, mixed content, the same bytes on every run on one
machine: this machine's system documentation (/usr/share/doc), man pages
(/usr/share/man, gzipped), Python scripts and modules (/usr/lib/python3*)
and shared libraries (/usr/lib/x86_64-linux-gnu/*.so*), copied in sorted
order; then what a seized botnet controller holds, written from fixed
seeds: mailboxes (mbox, with base64 and quoted-printable MIME parts) and a
mail queue, PDFs whose text lies in FlateDecode streams, Office Open XML
documents (docx, xlsx: ZIP of XML members), panel configurations, SQL
dumps, spam recipient lists (plain and gzipped) and proxy lists.  Every
address is under example.com, example.net or example.org.  Every file,
link and folder is stamped 2011-03-16 14:05:00 UTC (mke2fs -d takes the
times from the tree).

Writes to PLANTED every address it wrote, a line each, "FORM ADDRESS":
"clear" when it lies in clear text somewhere, else the forms it lies in
("base64", "pdf", "docx", "xlsx", "gzip", comma-separated).  Prints
"files bytes" of what it wrote: regular files and their bytes.
"""

import gzip
import io
import os
import random
import shutil
import stat
import sys
import zipfile
import zlib

STAMP = 1300284300  # 2011-03-16 14:05:00 UTC
ZIP_TIME = (2011, 3, 16, 14, 5, 0)

WORDS = (
    "the server was seized at the hosting provider and imaged on site by "
    "the unit analysts read configuration files logs panel version of bot "
    "spam template recipient list controller update payload invoice order "
    "shipment account password reset bank transfer confirm customer "
    "support quarterly report meeting agenda draft final review"
).split()


class Tree:
    def __init__(self, root):
        self.root = root
        self.files = 0
        self.bytes = 0

    def path(self, rel):
        p = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def write(self, rel, data):
        with open(self.path(rel), "wb") as f:
            f.write(data)
        self.files += 1
        self.bytes += len(data)

    def copy(self, src, rel):
        """a regular file, a link or a folder of the system, as it is"""
        st = os.lstat(src)
        if stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(src), self.path(rel))
        elif stat.S_ISREG(st.st_mode):
            dst = self.path(rel)
            shutil.copyfile(src, dst)
            os.chmod(dst, stat.S_IMODE(st.st_mode))
            self.files += 1
            self.bytes += st.st_size

    def copy_tree(self, src, rel):
        """every file and link under SRC, in sorted order"""
        if not os.path.isdir(src):
            return
        for dirpath, dirnames, filenames in os.walk(src):
            dirnames.sort()
            sub = os.path.relpath(dirpath, src)
            os.makedirs(os.path.normpath(os.path.join(self.root, rel, sub)),
                        exist_ok=True)
            for name in sorted(filenames + [d for d in dirnames
                                            if os.path.islink(
                                                os.path.join(dirpath, d))]):
                self.copy(os.path.join(dirpath, name),
                          os.path.normpath(os.path.join(rel, sub, name)))

    def stamp(self):
        for dirpath, dirnames, filenames in os.walk(self.root, topdown=False):
            for name in filenames + dirnames:
                os.utime(os.path.join(dirpath, name), (STAMP, STAMP),
                         follow_symlinks=False)
        os.utime(self.root, (STAMP, STAMP))


def prose(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def person(rng):
    return "%s.%s%d" % (rng.choice(WORDS), rng.choice(WORDS),
                        rng.randrange(1000))


# every address written, with the forms it was written in: "clear", or
# only inside a "base64" MIME part, a "pdf" FlateDecode stream, a "docx"
# or "xlsx" (deflated ZIP members) or a "gzip" list
PLANTED = {}
FORM = ["clear"]


def address(rng, pool):
    a = "%s@%s" % (person(rng), rng.choice(pool))
    PLANTED.setdefault(a, set()).add(FORM[0])
    return a


def form(name):
    FORM[0] = name


def domains(rng, n):
    out = []
    for i in range(n):
        out.append("%s%d.example.%s" % (rng.choice(WORDS), i,
                                        ("com", "net", "org")[i % 3]))
    return out


def wrap76(b64):
    return "\n".join(b64[i:i + 76] for i in range(0, len(b64), 76))


def qp(text):
    """quoted-printable, as mail clients write it: '=' as =3D, soft breaks"""
    out = []
    line = ""
    for ch in text:
        enc = "=3D" if ch == "=" else ch
        if ch == "\n":
            out.append(line)
            line = ""
            continue
        if len(line) + len(enc) > 75:
            out.append(line + "=")
            line = ""
        line += enc
    out.append(line)
    return "\n".join(out)


def message(rng, pool, i, kind):
    import base64
    frm = address(rng, pool)
    to = address(rng, pool)
    head = ("From: %s\nTo: %s\nCc: %s\nSubject: %s %d\n"
            "Date: Wed, 16 Mar 2011 %02d:%02d:%02d +0000\n"
            "Message-ID: <%d.%d@%s>\n" %
            (frm, to, address(rng, pool), prose(rng, 3), i,
             rng.randrange(24), rng.randrange(60), rng.randrange(60), i,
             rng.randrange(10**6), rng.choice(pool)))
    body = "\n".join(
        prose(rng, 10) + (" write to %s" % address(rng, pool)
                          if rng.random() < 0.2 else "")
        for _ in range(rng.randrange(5, 40)))
    if kind == 0:
        return head + "\n" + body + "\n"
    bound = "=_b%d" % i
    if kind == 1:
        form("base64")
        leads = "\n".join(address(rng, pool) for _ in range(rng.randrange(20, 200)))
        form("clear")
        part = ("Content-Type: text/plain; name=\"leads.txt\"\n"
                "Content-Transfer-Encoding: base64\n"
                "Content-Disposition: attachment; filename=\"leads.txt\"\n\n" +
                wrap76(base64.b64encode(leads.encode()).decode()) + "\n")
    else:
        html = "<html><body>\n%s\n<p>reply to <a href=\"mailto:%s\">%s</a></p>\n</body></html>\n" % (
            body, frm, frm)
        part = ("Content-Type: text/html; charset=\"utf-8\"\n"
                "Content-Transfer-Encoding: quoted-printable\n\n" + qp(html) + "\n")
    return (head + "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
            "boundary=\"%s\"\n\n--%s\nContent-Type: text/plain\n\n%s\n--%s\n%s--%s--\n"
            % (bound, bound, body, bound, part, bound))


def mail(t, rng, pool):
    for k in range(40):
        msgs = []
        for i in range(150):
            msgs.append("From %s Wed Mar 16 12:%02d:00 2011\n" %
                        (address(rng, pool), i % 60) +
                        message(rng, pool, k * 1000 + i, (0, 0, 1, 2)[i % 4]))
        t.write("var/mail/%s%02d" % (rng.choice(WORDS), k),
                "\n".join(msgs).encode())
    for i in range(3000):
        t.write("var/spool/postfix/deferred/%X/%08X" % (i % 16, 0x5A000 + i),
                message(rng, pool, i, (0, 1, 0, 2)[i % 4]).encode())


def pdf(rng, pool, i):
    """a PDF of a few pages; their text in FlateDecode content streams"""
    objs = []
    pages = rng.randrange(1, 6)
    kids = []
    n = 3
    for p in range(pages):
        lines = []
        for j in range(rng.randrange(20, 45)):
            s = prose(rng, 8)
            if rng.random() < 0.15:
                s += " contact " + address(rng, pool)
            lines.append("(%s) Tj T*" % s)
        content = ("BT /F1 10 Tf 12 TL 50 780 Td\n%s\nET\n" % "\n".join(lines)).encode()
        stream = zlib.compress(content, 6)
        page, cont = n, n + 1
        n += 2
        kids.append(page)
        objs.append((page, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
                     b"/Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                     % (0, cont)))
        objs.append((cont, b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream)
                     + stream + b"\nendstream"))
    font = n
    n += 1
    objs = [(o, body.replace(b"/F1 0 0 R", b"/F1 %d 0 R" % font)) for o, body in objs]
    objs.append((font, b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"))
    if rng.random() < 0.5:  # a scanned page's image: bytes that do not compress
        raw = rng.randbytes(rng.randrange(8192, 131072))
        img = zlib.compress(raw, 1)
        objs.append((n, b"<< /Type /XObject /Subtype /Image /Width 256 /Height %d "
                     b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d "
                     b"/Filter /FlateDecode >>\nstream\n" % (len(raw) // 256, len(img))
                     + img + b"\nendstream"))
        n += 1
    objs.insert(0, (2, b"<< /Type /Pages /Kids [%s] /Count %d >>" %
                    (b" ".join(b"%d 0 R" % k for k in kids), pages)))
    objs.insert(0, (1, b"<< /Type /Catalog /Pages 2 0 R >>"))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    where = {}
    for o, body in sorted(objs):
        where[o] = out.tell()
        out.write(b"%d 0 obj\n" % o + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % n)
    for o in range(1, n):
        out.write(b"%010d 00000 n \n" % where[o])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info << /Author (%s) >> >>\n"
              b"startxref\n%d\n%%%%EOF\n" % (n, person(rng).encode(), xref))
    return out.getvalue()


def ooxml(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def docx(rng, pool):
    paras = []
    for _ in range(rng.randrange(10, 120)):
        s = prose(rng, rng.randrange(6, 30))
        if rng.random() < 0.2:
            s += " (" + address(rng, pool) + ")"
        paras.append("<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % esc(s))
    ns = "http://schemas.openxmlformats.org/"
    return ooxml([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="%spackage/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/word/document.xml" ContentType="application/'
         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>' % ns),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%spackage/2006/relationships">'
         '<Relationship Id="rId1" Type="%sofficeDocument/2006/relationships/officeDocument" '
         'Target="word/document.xml"/></Relationships>' % (ns, ns)),
        ("docProps/core.xml",
         '<?xml version="1.0" encoding="UTF-8"?><cp:coreProperties xmlns:cp="%spackage/2006/'
         'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
         '<dc:creator>%s</dc:creator></cp:coreProperties>' % (ns, esc(address(rng, pool)))),
        ("word/document.xml",
         '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="%swordprocessingml/2006/main">'
         '<w:body>%s</w:body></w:document>' % (ns, "".join(paras))),
    ])


def xlsx(rng, pool):
    strings = []
    rows = []
    for r in range(1, rng.randrange(20, 400)):
        strings.append(esc(address(rng, pool)))
        strings.append(esc(prose(rng, 3)))
        rows.append('<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="s"><v>%d</v></c>'
                    '<c r="C%d"><v>%d</v></c></row>' %
                    (r, r, len(strings) - 2, r, len(strings) - 1, r, rng.randrange(10**6)))
    ns = "http://schemas.openxmlformats.org/"
    return ooxml([
        ("[Content_Types].xml",
         '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="%spackage/2006/content-types">'
         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
         '<Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/'
         'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>' % ns),
        ("_rels/.rels",
         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="%spackage/2006/relationships">'
         '<Relationship Id="rId1" Type="%sofficeDocument/2006/relationships/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>' % (ns, ns)),
        ("xl/workbook.xml",
         '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="%sspreadsheetml/2006/main">'
         '<sheets><sheet name="victims" sheetId="1" r:id="rId1" xmlns:r="%s'
         'officeDocument/2006/relationships"/></sheets></workbook>' % (ns, ns)),
        ("xl/sharedStrings.xml",
         '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="%sspreadsheetml/2006/main" '
         'count="%d">%s</sst>' % (ns, len(strings), "".join("<si><t>%s</t></si>" % s
                                                             for s in strings))),
        ("xl/worksheets/sheet1.xml",
         '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="%sspreadsheetml/2006/main">'
         '<sheetData>%s</sheetData></worksheet>' % (ns, "".join(rows))),
    ])


def ip(rng):
    return "%d.%d.%d.%d" % (rng.choice((198, 203, 192)), rng.randrange(256),
                            rng.randrange(256), rng.randrange(1, 255))


def panel(t, rng, pool):
    for k in range(12):
        t.write("var/www/panel%d/config.php" % k, (
            "<?php\n$config['mysql_host'] = '127.0.0.1';\n"
            "$config['mysql_user'] = 'panel%d';\n$config['mysql_pass'] = '%08x';\n"
            "$config['admin_mail'] = '%s';\n$config['reports_to'] = '%s';\n"
            "$config['gate'] = 'http://%s/gate.php';\n$config['botnet'] = 'bn%d';\n"
            "$config['jabber'] = '%s';\n" % (k, rng.getrandbits(32), address(rng, pool),
                                            address(rng, pool), rng.choice(pool), k,
                                            address(rng, pool))).encode())
        for j in range(40):
            t.write("var/www/panel%d/logs/gate-%02d.log" % (k, j), "".join(
                '%s - - [16/Mar/2011:%02d:%02d:00 +0000] "POST /gate.php HTTP/1.1" 200 %d\n'
                % (ip(rng), j % 24, i % 60, rng.randrange(9000))
                for i in range(rng.randrange(200, 2000))).encode())
    for k in range(4):
        rows = []
        for b in range(rng.randrange(20000, 60000)):
            rows.append("(%d,'%s_%08X','%s','%s','%s',%d)" % (
                b, rng.choice(("WIN7", "XP", "W10")), rng.getrandbits(32), ip(rng),
                rng.choice(("US", "DE", "RU", "BR", "IN")), address(rng, pool)
                if rng.random() < 0.3 else "", rng.randrange(10**9)))
        lines = ["-- MySQL dump 10.13  Distrib 5.1.49\n",
                 "CREATE TABLE `botnet_list` (`id` int, `bot_id` varchar(100), `ipv4` varchar(15),"
                 " `country` char(2), `email` varchar(255), `rtime` int);\n"]
        for s in range(0, len(rows), 500):
            lines.append("INSERT INTO `botnet_list` VALUES %s;\n" % ",".join(rows[s:s + 500]))
        t.write("root/backup/panel%d-%s.sql" % (k, ("cpdb", "stats", "bots", "grabbed")[k]),
                "".join(lines).encode())
    for k in range(120):
        form("gzip" if k % 4 == 3 else "clear")
        lst = "".join(address(rng, pool) + "\n" for _ in range(rng.randrange(200, 1500)))
        if k % 4 == 3:
            t.write("home/spam/lists/recipients-%03d.txt.gz" % k,
                    gzip.compress(lst.encode(), 6, mtime=STAMP))
        else:
            t.write("home/spam/lists/recipients-%03d.txt" % k, lst.encode())
    form("clear")
    for k in range(30):
        t.write("home/spam/templates/offer%02d.html" % k, (
            "<html><body><p>%s</p><p>Unsubscribe: <a href=\"mailto:%s\">%s</a></p>"
            "<img src=\"http://%s/t.gif?id=%d\"></body></html>\n" %
            (prose(rng, 200), address(rng, pool), address(rng, pool), rng.choice(pool),
             k)).encode())
    for k in range(10):
        t.write("home/spam/proxies-%d.txt" % k, "".join(
            "%s:%d\n" % (ip(rng), rng.choice((1080, 3128, 8080, 25, 587)))
            for _ in range(rng.randrange(500, 3000))).encode())


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bulk-tree.py ROOT PLANTED")
    t = Tree(sys.argv[1])
    os.makedirs(t.root, exist_ok=True)
    t.copy_tree("/usr/share/doc", "usr/share/doc")
    t.copy_tree("/usr/share/man", "usr/share/man")
    for d in sorted(os.listdir("/usr/lib")):
        if d.startswith("python3"):
            t.copy_tree(os.path.join("/usr/lib", d), os.path.join("usr/lib", d))
    libdir = "/usr/lib/x86_64-linux-gnu"
    if os.path.isdir(libdir):
        for name in sorted(os.listdir(libdir)):
            p = os.path.join(libdir, name)
            if ".so" in name and os.path.isfile(p) and not os.path.islink(p):
                t.copy(p, os.path.join("usr/lib/x86_64-linux-gnu", name))
    rng = random.Random(13)
    pool = domains(rng, 60)
    mail(t, rng, pool)
    form("pdf")
    for i in range(1200):
        t.write("home/%s/documents/%s-%04d.pdf" % (WORDS[i % 7], rng.choice(WORDS), i),
                pdf(rng, pool, i))
    form("docx")
    for i in range(1000):
        t.write("home/%s/documents/%s-%04d.docx" % (WORDS[i % 7], rng.choice(WORDS), i),
                docx(rng, pool))
    form("xlsx")
    for i in range(600):
        t.write("home/%s/documents/%s-%04d.xlsx" % (WORDS[i % 7], rng.choice(WORDS), i),
                xlsx(rng, pool))
    form("clear")
    panel(t, rng, pool)
    t.stamp()
    with open(sys.argv[2], "w") as f:
        for a in sorted(PLANTED):
            forms = PLANTED[a]
            f.write("%s %s\n" % ("clear" if "clear" in forms else
                                  ",".join(sorted(forms)), a))
    print(t.files, t.bytes)


if __name__ == "__main__":
    main()
