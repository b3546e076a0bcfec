#!/bin/sh
# custody-extract on images made to hide evidence or to stall the run: what
# cannot be read is named in the record and the run exits 6; what a file
# claims beyond what its runs hold costs nothing to skip.
. "$CUSTODY_TOP/tests/cli/lib.sh"
export LC_ALL=C
# Under `make asan`: libtsk leaks a block for each damaged ext4 extent tree
# (tests/lsan.supp), which only the slow unwinder traces to the function
# named there.  No effect on other builds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# field FILE EXPR: a value of the JSON record FILE, as Python prints it
field() { "$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2], {"r": r}))' "$1" "$2"; }

# A directory of 400 files, each with a target, whose directory blocks are
# scattered among the files' (mke2fs -d adds them one by one): its extent
# tree has a block of its own.  Zeroing that block's header (12 bytes)
# leaves libtsk nothing to list.
mkdir -p "$T/src/dir"
i=1
while [ $i -le 400 ]; do
	printf 'bot %d reports to owner%d@botnet-%d.example.com\n' $i $i $i \
		>"$T/src/dir/f$i.txt"
	i=$((i + 1))
done
printf 'top\n' >"$T/src/top.txt"
mke2fs -q -F -t ext4 -b 1024 -d "$T/src" "$T/dirs.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 image with a directory of 400 files (mke2fs -d)"
etb=$(debugfs -R 'stat /dir' "$T/dirs.img" 2>/dev/null |
	sed -n 's/.*(ETB0):\([0-9]*\).*/\1/p')
[ -n "$etb" ] && ok "the directory has an extent block ($etb)" ||
	fail "the directory has an extent block"

check "the sound image extracts" custody-extract --case "$C" --item E001 \
	--quiet "$T/dirs.img"
X=$(last)
[ "$(grep -c '"path":"/dir/f' "$X/inventory.jsonl")" -eq 400 ] &&
	ok "the sound image: 400 files in /dir" || fail "the sound image: 400 files in /dir"
[ "$(field "$X/extraction.json" 'r["walk"]["complete"]')" = True ] &&
	ok "the sound image: complete" || fail "the sound image: complete"

cp "$T/dirs.img" "$T/damaged.img"
dd if=/dev/zero of="$T/damaged.img" bs=1 seek=$((etb * 1024)) count=12 \
	conv=notrunc 2>/dev/null || fail "the extent block's header zeroed (dd)"
expect_exit 6 "a directory that cannot be read: exit 6" \
	custody-extract --case "$C" --item E001 "$T/damaged.img"
contains "$T/.err" "not everything could be read" "and stderr says so"
X=$(last)
[ -f "$X/SHA256SUMS" ] && ok "the unit is sealed all the same" ||
	fail "the unit is sealed all the same"
grep -q "\"unit\":\"extractions/$(basename "$X")\"" "$C/custody.log" &&
	ok "and logged" || fail "and logged"
[ "$(field "$X/extraction.json" 'r["walk"]["complete"]')" = False ] &&
	ok "the record says the walk is not complete" ||
	fail "the record says the walk is not complete"
field "$X/extraction.json" \
	'"\n".join(p["message"] for p in r["walk"]["problems"])' >"$T/problems"
contains "$T/problems" "directory '/dir'" "the problem names the directory"
grep -q '"path":"/dir"' "$X/inventory.jsonl" &&
	ok "the directory itself is in the inventory" ||
	fail "the directory itself is in the inventory"
custody-verify --case "$C" >/dev/null 2>&1 && ok "the case verifies" ||
	fail "the case verifies"
schemas_ok "$C" "the records match their schemas"

# A file that claims a petabyte (1 KiB of content, one sparse run) on 8 MB
# of ext4, beside a sparse file whose content lies on both sides of a hole
# larger than the bound, and a sparse file within it.  No test may hang:
# each run is bounded by timeout(1) in case the bounds break.
mkdir -p "$T/p"
printf 'c2: http://gate.example.net/x.php\n' >"$T/p/huge.bin"
printf 'first login record\n' >"$T/p/lastlog"
printf 'late entry: late-login@lastlog.example.org\n' |
	dd of="$T/p/lastlog" bs=1M seek=200 conv=notrunc 2>/dev/null
truncate -s 300M "$T/p/lastlog"
printf 'vm disk head\n' >"$T/p/vm.img"
printf 'vm disk data: admin@vm-disk.example.com\n' |
	dd of="$T/p/vm.img" bs=1M seek=3 conv=notrunc 2>/dev/null
truncate -s 5M "$T/p/vm.img"
mke2fs -q -F -t ext4 -b 1024 -d "$T/p" "$T/peta.img" 8M >/dev/null 2>&1 &&
	debugfs -w -R 'sif /huge.bin size 1125899906842624' "$T/peta.img" \
		>/dev/null 2>&1 ||
	fail "an 8 MB ext4 with a file of 1 PiB (mke2fs -d, debugfs sif)"
# line PATH EXPR: EXPR of PATH's inventory line in the last unit
line() { "$PYTHON" -c 'import json, sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["path"] == sys.argv[2] and not o.get("member"):
        print(eval(sys.argv[3], {"o": o}))' "$(last)/inventory.jsonl" "$1" "$2"; }
# zeros_md5 HEAD N: MD5 of HEAD's bytes, then zeros to N bytes
zeros_md5() { "$PYTHON" -c 'import hashlib, sys
h = hashlib.md5(); head = open(sys.argv[1], "rb").read(); n = int(sys.argv[2])
h.update(head); left = n - len(head); z = bytes(1 << 20)
while left > 0:
    h.update(z[:min(left, len(z))]); left -= len(z)
print(h.hexdigest())' "$1" "$2"; }

expect_exit 6 "a petabyte claimed: the run ends, exit 6" \
	timeout 900 custody-extract --case "$C" --item E001 --max-sparse 64M \
	"$T/peta.img"
contains "$T/.err" "not everything could be read" "and stderr says so"
[ "$(line /huge.bin 'o["size"]')" = 1125899906842624 ] &&
	ok "the size it claims is recorded" || fail "the size it claims is recorded"
[ "$(line /huge.bin 'o.get("read_short_reason")')" = sparse-limit ] &&
	ok "read_short_reason: sparse-limit" ||
	fail "read_short_reason: sparse-limit ($(line /huge.bin 'o.get("read_short_reason")'))"
short=$(line /huge.bin 'o.get("read_short")')
[ "$short" = $((1024 + 64 * 1048576)) ] &&
	ok "its block and 64 MiB of its hole were hashed" ||
	fail "its block and 64 MiB of its hole were hashed (read_short $short)"
[ "$(line /huge.bin 'o.get("md5")')" = "$(zeros_md5 "$T/p/huge.bin" "$short")" ] &&
	ok "the MD5 is of those first read_short bytes" ||
	fail "the MD5 is of those first read_short bytes"
grep -q '^http://gate.example.net/x.php,' "$(last)/targets/urls.csv" &&
	ok "its content's target is carved" || fail "its content's target is carved"
[ "$(line /lastlog 'o.get("read_short_reason")')" = sparse-limit ] &&
	ok "a hole larger than the bound: read short" ||
	fail "a hole larger than the bound: read short"
grep -q '^late-login@lastlog.example.org,1,p0:/lastlog,209715212$' \
	"$(last)/targets/emails.csv" &&
	ok "what the image holds past the bound is still carved, at its offset" ||
	{ fail "what the image holds past the bound is still carved, at its offset"
	  sed 's/^/#   /' "$(last)/targets/emails.csv"; }
[ "$(line /vm.img 'o.get("md5")')" = "$(md5sum <"$T/p/vm.img" | cut -d' ' -f1)" ] &&
	[ "$(line /vm.img 'o.get("read_short")')" = None ] &&
	ok "a sparse file within the bound: the MD5 md5sum gives" ||
	fail "a sparse file within the bound: the MD5 md5sum gives"
grep -q '^admin@vm-disk.example.com,' "$(last)/targets/emails.csv" &&
	ok "and its target" || fail "and its target"
[ "$(field "$(last)/extraction.json" 'r["counts"]["read_short"]')" = 2 ] &&
	ok "counts.read_short: 2" || fail "counts.read_short: 2"
[ "$(field "$(last)/extraction.json" 'r["parameters"]["max_sparse"]')" = 67108864 ] &&
	ok "the record says the bound" || fail "the record says the bound"

# the default bound: 1 GiB of holes for a file the image holds little of
expect_exit 6 "the default bound: exit 6" timeout 900 custody-extract \
	--case "$C" --item E001 --quiet "$T/peta.img"
[ "$(line /huge.bin 'o.get("read_short")')" = $((1024 + 1073741824)) ] &&
	[ "$(line /huge.bin 'o.get("read_short_reason")')" = sparse-limit ] &&
	ok "by default a GiB of its hole is hashed" ||
	fail "by default a GiB of its hole is hashed ($(line /huge.bin 'o.get("read_short")'))"
[ "$(line /lastlog 'o.get("read_short")')" = None ] &&
	ok "and a 300 MB file of holes is hashed whole" ||
	fail "and a 300 MB file of holes is hashed whole"

# time: a terabyte of holes allowed cannot be hashed within one second
expect_exit 6 "--file-seconds 1: exit 6" timeout 900 custody-extract \
	--case "$C" --item E001 --quiet --max-sparse 1T --file-seconds 1 \
	"$T/peta.img"
[ "$(line /huge.bin 'o.get("read_short_reason")')" = time-limit ] &&
	ok "read_short_reason: time-limit" ||
	fail "read_short_reason: time-limit ($(line /huge.bin 'o.get("read_short_reason")'))"
[ "$(line /huge.bin 'o["read_short"] < (1 << 40)')" = True ] &&
	ok "and it stopped short" || fail "and it stopped short"
expect_exit 2 "--file-seconds 0 is refused" custody-extract --case "$C" \
	--item E001 --file-seconds 0 "$T/peta.img"
expect_exit 2 "--max-sparse x is refused" custody-extract --case "$C" \
	--item E001 --max-sparse x "$T/peta.img"
schemas_ok "$C" "the records with read_short_reason match their schemas"

echo "1..$n"
