#!/bin/sh
# custody-extract on evidence a suspect prepared: names longer than any
# record holds, compressed streams that look like archives, sources that
# are not files.  Each case runs to a sealed unit (or a clear error), with
# everything else of the source still inventoried and carved.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }

# inventory_check UNIT PYTHON-BODY: runs the body with `lines` (the parsed
# inventory lines) and `emails` (first_seen by value from emails.csv)
inventory_check() {
	"$PYTHON" - "$1" <<EOF
import csv, json, sys
unit = sys.argv[1]
lines = [json.loads(l) for l in open(unit + "/inventory.jsonl", encoding="utf-8")]
emails = {r["value"]: r for r in csv.DictReader(open(unit + "/targets/emails.csv", encoding="utf-8"))}
urls = {r["value"]: r for r in csv.DictReader(open(unit + "/targets/urls.csv", encoding="utf-8"))}
$2
EOF
}

# ---- places longer than a record holds ----------------------------------

# a tar whose members have names of 10,000 bytes (two of them alike but for
# one byte in the middle), between two ordinary members
"$PYTHON" - "$T/long.tar" <<'EOF' || fail "a tar with 10,000-byte names"
import io, sys, tarfile
long1 = "d/" * 10 + "x" * 4990 + "1" + "x" * 4979 + "/config.php"
long2 = "d/" * 10 + "x" * 4990 + "2" + "x" * 4979 + "/config.php"
with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as t:
    for name, data in [("a.txt", b"first: alice@first.example.com\n"),
                       (long1, b"deep: bob@deep.example.org http://deep.example.net/gate.php\n"),
                       (long2, b"deeper: dave@deeper.example.org\n"),
                       ("z.txt", b"last: carol@last.example.net\n")]:
        ti = tarfile.TarInfo(name)
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
EOF
check "a tar with 10,000-byte member names is extracted" \
	custody-extract --case "$C" --item E001 --quiet --all-occurrences \
	"$T/long.tar"
X=$(last)
inventory_check "$X" '
members = [l for l in lines if l.get("member")]
names = sorted(l["name"] for l in members)
long = [l for l in members if l["name"].startswith("d/")]
ok = len(members) == 4 and names[0] == "a.txt" and names[-1] == "z.txt"
ok = ok and len(long) == 2 and long[0]["path"] != long[1]["path"]
for l in long:
    b = len(l["path"].encode()) 
    ok = ok and l.get("path_truncated") is True and b <= 4095
    ok = ok and "[...shortened from " in l["path"] and l["path"].endswith("/config.php")
    ok = ok and len(l["name"].encode()) <= 4095 and "sha256" in l
for v in ["alice@first.example.com", "bob@deep.example.org", "dave@deeper.example.org", "carol@last.example.net"]:
    ok = ok and v in emails
# the tar is carved whole first, then each member at its own place
occ = [json.loads(l) for l in open(unit + "/targets/occurrences.jsonl", encoding="utf-8")]
ok = ok and {"value": "bob@deep.example.org", "where": "p0:" + long[0]["path"]} in \
    [{"value": o["value"], "where": o["where"]} for o in occ]
ok = ok and "http://deep.example.net/gate.php" in urls
sys.exit(0 if ok else 1)' &&
	ok "every member is inventoried and carved; the long names are shortened, distinct, flagged" ||
	{ fail "every member is inventoried and carved; long names shortened"
	  cut -c1-300 "$X/inventory.jsonl" "$X/targets/emails.csv" | sed 's/^/#   /'; }
check "the tar again" custody-extract --case "$C" --item E001 --quiet \
	"$T/long.tar"
Y=$(last)
grep '"member":true' "$X/inventory.jsonl" >"$T/long.1"
grep '"member":true' "$Y/inventory.jsonl" >"$T/long.2"
cmp -s "$T/long.1" "$T/long.2" && cmp -s "$X/targets/emails.csv" "$Y/targets/emails.csv" &&
	ok "the shortened places are the same in a second run" ||
	fail "the shortened places are the same in a second run"
schemas_ok "$C" "the records with shortened places match their schemas"

# a folder with a path of more than 4096 bytes beside ordinary files
mkdir -p "$T/export"
printf 'first: alice@first.example.com\n' >"$T/export/a.txt"
printf 'last: carol@last.example.net\n' >"$T/export/z.txt"
"$PYTHON" - "$T/export" <<'EOF' || fail "a folder more than 4096 bytes deep"
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(25):
    name = "level%02d" % i + "x" * 193
    os.mkdir(name, dir_fd=fd)
    sub = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = sub
out = os.open("deep.cfg", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
os.write(out, b"deep: bob@deep.example.org\n")
os.close(out)
EOF
check "a folder holding a path of 5000 bytes is extracted" \
	custody-extract --case "$C" --item E001 --quiet "$T/export"
X=$(last)
inventory_check "$X" '
paths = [l["path"] for l in lines]
deep = [l for l in lines if l["path"].endswith("/deep.cfg")]
ok = "/a.txt" in paths and "/z.txt" in paths and len(deep) == 1
ok = ok and deep[0].get("path_truncated") is True and len(deep[0]["path"].encode()) <= 4095
ok = ok and "[...shortened from " in deep[0]["path"] and "sha256" in deep[0]
ok = ok and len(set(paths)) == len(paths)
for v in ["alice@first.example.com", "bob@deep.example.org", "carol@last.example.net"]:
    ok = ok and v in emails
ok = ok and emails["bob@deep.example.org"]["first_seen"] == "p0:" + deep[0]["path"]
sys.exit(0 if ok else 1)' &&
	ok "every file is inventoried and carved; the long path is shortened and flagged" ||
	{ fail "every file is inventoried and carved; the long path is shortened"
	  cut -c1-200 "$X/inventory.jsonl" | sed 's/^/#   /'; }
# the folder's digest still covers the whole paths ("SHA256  .PATH\n" of
# every file, in byte order of the paths), as Python computes it here
want=$("$PYTHON" - "$T/export" <<'EOF'
import hashlib, os, sys
files = []
def walk(fd, rel):
    for name in os.listdir(fd):
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        if os.path.stat.S_ISDIR(st.st_mode):
            sub = os.open(name, os.O_RDONLY, dir_fd=fd)
            walk(sub, rel + "/" + name)
            os.close(sub)
        elif os.path.stat.S_ISREG(st.st_mode):
            f = os.open(name, os.O_RDONLY, dir_fd=fd)
            data = b""
            while True:
                b = os.read(f, 65536)
                if not b:
                    break
                data += b
            os.close(f)
            files.append(((rel + "/" + name).encode(), hashlib.sha256(data).hexdigest()))
walk(os.open(sys.argv[1], os.O_RDONLY), "")
files.sort()
print(hashlib.sha256(b"".join(h.encode() + b"  ." + p + b"\n" for p, h in files)).hexdigest())
EOF
)
"$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))["source"]["folder"]
sys.exit(0 if s["sha256"] == sys.argv[2] and s["files"] == 3 else 1)' \
	"$X/extraction.json" "$want" &&
	ok "the folder's digest covers the whole long path" ||
	fail "the folder's digest covers the whole long path"
schemas_ok "$C" "the folder record with a shortened path matches its schema"

# ---- compressed streams that look like archives --------------------------

# an SQL dump behind what a format reader takes for its header: a tar's
# end-of-archive zeros, ar's, cpio's and zip's magic; each dump names its
# own addresses.  And a plain tar.gz beside them.
mkdir -p "$T/streams"
dump() {
	printf "INSERT INTO bots VALUES (1,'%s@cnc.example.com','http://%s.example.net/gate.php');\n" "$1" "$1"
}
{ head -c 1024 /dev/zero; dump zeros; } >"$T/zeros.sql"
{ printf '!<arch>\n'; dump ar; } >"$T/ar.sql"
{ printf '070707'; dump odc; } >"$T/odc.sql"
{ printf 'PK\003\004'; dump pk; } >"$T/pk.sql"
for f in zeros ar odc pk; do
	gzip -nc "$T/$f.sql" >"$T/streams/$f.sql.gz" || fail "gzip of $f.sql"
done
dump panel >"$T/panel.sql"
(cd "$T" && tar -cf panel.tar panel.sql && gzip -nc panel.tar >"$T/streams/panel.tar.gz") ||
	fail "a tar.gz"
check "a folder of compressed streams is extracted" \
	custody-extract --case "$C" --item E001 --quiet "$T/streams"
X=$(last)
for f in zeros ar odc pk; do
	inventory_check "$X" "
md5 = '$(md5sum <"$T/$f.sql" | cut -d' ' -f1)'
s = [l for l in lines if l['path'] == '/$f.sql.gz!$f.sql']
ok = len(s) == 1 and s[0].get('stream') is True and s[0].get('md5') == md5
ok = ok and s[0].get('size') is None and 'read_short' not in s[0]
ok = ok and emails.get('$f@cnc.example.com', {}).get('first_seen') == 'p0:/$f.sql.gz!$f.sql'
ok = ok and 'http://$f.example.net/gate.php' in urls
sys.exit(0 if ok else 1)" &&
		ok "$f.sql.gz: the decompressed stream is hashed whole and carved" ||
		{ fail "$f.sql.gz: the decompressed stream is hashed whole and carved"
		  grep -F "/$f.sql.gz" "$X/inventory.jsonl" | cut -c1-400 | sed 's/^/#   /'; }
done
inventory_check "$X" "
s = [l for l in lines if l['path'] == '/panel.tar.gz!panel.tar']
m = [l for l in lines if l['path'] == '/panel.tar.gz!panel.sql']
ok = len(s) == 1 and s[0].get('stream') is True
ok = ok and s[0].get('md5') == '$(md5sum <"$T/panel.tar" | cut -d' ' -f1)'
ok = ok and len(m) == 1 and 'stream' not in m[0]
ok = ok and m[0].get('md5') == '$(md5sum <"$T/panel.sql" | cut -d' ' -f1)'
# the member's own place comes first: the stream's targets follow it
ok = ok and emails['panel@cnc.example.com']['first_seen'] == 'p0:/panel.tar.gz!panel.sql'
sys.exit(0 if ok else 1)" &&
	ok "a tar.gz: its member, and its stream hashed whole besides" ||
	{ fail "a tar.gz: its member, and its stream hashed whole besides"
	  grep -F "/panel.tar.gz" "$X/inventory.jsonl" | cut -c1-400 | sed 's/^/#   /'; }
check "one compressed stream given by path" \
	custody-extract --case "$C" --item E001 --quiet "$T/streams/zeros.sql.gz"
X=$(last)
grep -q '^zeros@cnc.example.com,[0-9]*,p0:/zeros.sql.gz!zeros.sql,' \
	"$X/targets/emails.csv" &&
	ok "its dump is carved" || fail "a compressed stream given by path: its dump is carved"
schemas_ok "$C" "the stream lines match their schema"

# ---- sources that are not what they seem ---------------------------------

# reading an image or an archive given by path leaves its access time as it
# was (relatime would stamp the first reading after a change: the access
# times are set in the past, before the files' last change)
mkdir -p "$T/small"
printf 'admin: root@atime.example.com\n' >"$T/small/config.txt"
mke2fs -q -F -t ext2 -d "$T/small" "$T/small.img" 2M >/dev/null 2>&1 ||
	fail "an ext2 image (mke2fs -d)"
split -b 1M -d -a 3 "$T/small.img" "$T/small.split." || fail "a split raw image"
(cd "$T/small" && tar -czf "$T/kit.tar.gz" config.txt) || fail "an archive"
for f in small.img small.split.000 small.split.001 kit.tar.gz; do
	touch -a -d '2001-09-09 01:46:40' "$T/$f"
done
check "a raw image given by path is extracted" \
	custody-extract --case "$C" --item E001 --quiet "$T/small.img"
check "a split raw image given by path is extracted" \
	custody-extract --case "$C" --item E001 --quiet "$T/small.split.000"
check "an archive given by path is extracted" \
	custody-extract --case "$C" --item E001 --quiet "$T/kit.tar.gz"
X=$(last)
for f in small.img small.split.000 small.split.001 kit.tar.gz; do
	[ "$(stat -c %X "$T/$f")" = 1000000000 ] &&
		ok "$f: its access time is as it was" ||
		fail "$f: its access time is as it was ($(stat -c %x "$T/$f"))"
done
grep -F '"path":"/kit.tar.gz"' "$X/inventory.jsonl" |
	grep -qF '"atime":"2001-09-09T01:46:40Z"' &&
	ok "the archive's access time recorded is the one it had" ||
	{ fail "the archive's access time recorded is the one it had"
	  grep -F '"path":"/kit.tar.gz"' "$X/inventory.jsonl" | cut -c1-300 | sed 's/^/#   /'; }

# a FIFO given as a source: a clear error at once, not a wait for a writer
mkfifo "$T/pipe.img"
timeout 30 custody-extract --case "$C" --item E001 "$T/pipe.img" \
	>"$T/.out" 2>"$T/.err"
rc=$?
[ "$rc" -eq 3 ] && ok "a FIFO as a source: exit 3" ||
	fail "a FIFO as a source: exit 3, not $rc (124: it hung)"
contains "$T/.err" "pipe.img" "and the message names it"
grep -qi "fifo" "$T/.err" && ok "and says it is a FIFO" ||
	{ fail "and says it is a FIFO"; sed 's/^/#   /' "$T/.err"; }

# damaged E01s say what is wrong with them
E01=$CUSTODY_TESTDATA/dfvfs/ext2.E01
if [ -f "$E01" ]; then
	# the first section's descriptor overwritten
	cp "$E01" "$T/header.E01" && chmod u+w "$T/header.E01"
	printf 'XXXXXXXXXXXXXXXX' |
		dd of="$T/header.E01" bs=1 seek=13 conv=notrunc 2>/dev/null
	expect_exit 3 "an E01 with a damaged header: exit 3" \
		custody-extract --case "$C" --item E001 "$T/header.E01"
	if grep -q "empty" "$T/.err" || ! grep -qi "ewf" "$T/.err"; then
		fail "it says what is wrong, not 'empty'"
		sed 's/^/#   /' "$T/.err"
	else
		ok "it says what is wrong, not 'empty'"
	fi
	# cut after its volume section: libewf opens it, its chunks are gone
	# (read as zeros, with memory lost on each read): refused, saying so
	head -c 2000 "$E01" >"$T/cut.E01"
	expect_exit 3 "a truncated E01: exit 3" \
		custody-extract --case "$C" --item E001 "$T/cut.E01"
	grep -q "truncated or corrupted" "$T/.err" &&
		ok "it says the E01 is truncated or corrupted" ||
		{ fail "it says the E01 is truncated or corrupted"
		  sed 's/^/#   /' "$T/.err"; }
else
	ok "# SKIP no $E01 (the shared test data)"
fi

echo "1..$n"
