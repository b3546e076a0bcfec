#!/bin/sh
# custody-image on files and streams: hashes, layouts, verification, record.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/faulty.inc"

C=$T/case
new_case "$C" || fail "test case created"
# 40 MiB + 1 sector: not a multiple of the block or segment sizes
head -c 41943552 /dev/urandom >"$T/disk.img"
md5=$(md5sum <"$T/disk.img" | cut -d' ' -f1)
sha1=$(sha1sum <"$T/disk.img" | cut -d' ' -f1)
sha256=$(sha256sum <"$T/disk.img" | cut -d' ' -f1)
sha512=$(sha512sum <"$T/disk.img" | cut -d' ' -f1)
validate() {
	$PYTHON "$CUSTODY_TOP/tests/validate_records.py" --schemas "$CUSTODY_TOP/evidence-schema" \
		--record acquisition "$1" >"$T/.val" 2>&1 && ok "$2" ||
		{ fail "$2"; sed 's/^/#   /' "$T/.val"; }
}
field() { $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$@"; }

# raw, all four digests
expect_exit 0 "raw acquisition of a file" custody-image --case "$C" --item E001 \
	--hash md5,sha1,sha256,sha512 --json "$T/disk.img"
cp "$T/.out" "$T/raw.json"
A=$C/acquisitions/E001-A1
[ "$(field "$T/raw.json" hashes.md5)" = "$md5" ] && ok "MD5 equals md5sum" || fail "MD5 equals md5sum"
[ "$(field "$T/raw.json" hashes.sha1)" = "$sha1" ] && ok "SHA-1 equals sha1sum" || fail "SHA-1 equals sha1sum"
[ "$(field "$T/raw.json" hashes.sha256)" = "$sha256" ] && ok "SHA-256 equals sha256sum" || fail "SHA-256 equals sha256sum"
[ "$(field "$T/raw.json" hashes.sha512)" = "$sha512" ] && ok "SHA-512 equals sha512sum" || fail "SHA-512 equals sha512sum"
cmp -s "$T/disk.img" "$A/image.raw" && ok "image.raw is the source" || fail "image.raw is the source"
[ "$(field "$T/raw.json" verification.image.result)" = verified ] && ok "image verified by blocks" ||
	fail "image verified by blocks"
[ "$(field "$T/raw.json" blocks.count)" -eq 3 ] && ok "three 16 MiB blocks" || fail "three 16 MiB blocks"
validate "$T/raw.json" "the record matches acquisition.schema.json"
(cd "$A" && sha256sum --quiet -c SHA256SUMS) && ok "sha256sum -c in the acquisition" ||
	fail "sha256sum -c in the acquisition"
# blocks.sha256 lines can be checked with dd and sha256sum alone
line=$(sed -n 2p "$A/blocks.sha256")
set -- $line
blk=$(dd if="$A/image.raw" bs=16M skip=1 count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$2" -eq 16777216 ] && [ "$4" = "$blk" ] && ok "blocks.sha256 line 2 is block 1" ||
	fail "blocks.sha256 line 2 is block 1"
grep -q '^0x00000000  0x02800200  +$' "$A/errors.map" && ok "errors.map: one good range" ||
	fail "errors.map: one good range"
if command -v ddrescuelog >/dev/null; then
	ddrescuelog -t "$A/errors.map" >"$T/.ddr" 2>&1 && grep -q "bad-sector: *0 B" "$T/.ddr" &&
		ok "ddrescuelog reads errors.map" || { fail "ddrescuelog reads errors.map"; sed 's/^/#   /' "$T/.ddr"; }
else
	skip "ddrescuelog reads errors.map: no ddrescuelog (gddrescue)"
fi
contains "$C/custody.log" '"action":"acquired"' "acquired event logged"
expect_exit 0 "custody-verify re-hashes the acquisition" custody-verify --case "$C"
contains "$T/.out" "image re-read: every digest and all 3 block hashes match" "verify names the image check"

# split raw, full verification, default digests
expect_exit 0 "split acquisition" custody-image --case "$C" --item E001 --format split \
	--segment-size 16M --verify full --quiet "$T/disk.img"
A2=$C/acquisitions/E001-A2
ls "$A2"/image.* >"$T/.segs"
[ "$(wc -l <"$T/.segs")" -eq 3 ] && ok "three segments" || fail "three segments"
cat "$A2"/image.000 "$A2"/image.001 "$A2"/image.002 | cmp -s - "$T/disk.img" &&
	ok "the segments concatenate to the source" || fail "the segments concatenate to the source"
[ "$(field "$A2/acquisition.json" verification.image.scope)" = full ] && ok "full verification recorded" ||
	fail "full verification recorded"
seg1=$(sha256sum <"$A2/image.001" | cut -d' ' -f1)
[ "$(field "$A2/acquisition.json" output.files.1.sha256)" = "$seg1" ] && ok "each segment's hash recorded" ||
	fail "each segment's hash recorded"

# standard input, with and without --size
cat "$T/disk.img" | custody-image --case "$C" --item E001 --quiet --verify none - >"$T/.out" 2>"$T/.err"
[ $? -eq 0 ] && ok "stdin of unknown size" || { fail "stdin of unknown size"; sed 's/^/#   /' "$T/.err"; }
A3=$C/acquisitions/E001-A3
[ "$(field "$A3/acquisition.json" hashes.sha256)" = "$sha256" ] && ok "stdin image hash right" || fail "stdin image hash right"
[ "$(field "$A3/acquisition.json" source.kind)" = stream ] && ok "the source is recorded as a stream" ||
	fail "the source is recorded as a stream"
[ "$(field "$A3/acquisition.json" verification.image.result)" = "not done" ] && ok "--verify none recorded" ||
	fail "--verify none recorded"
cat "$T/disk.img" | custody-image --case "$C" --item E001 --quiet --size 41943552 - >/dev/null 2>&1
[ $? -eq 0 ] && ok "stdin with --size" || fail "stdin with --size"
head -c 1000000 "$T/disk.img" | custody-image --case "$C" --item E001 --quiet --size 41943552 - >"$T/.out" 2>"$T/.err"
[ $? -eq 5 ] && ok "a stream shorter than --size is incomplete (exit 5)" || fail "a stream shorter than --size is incomplete (exit 5)"
contains "$T/.err" "before its announced size" "the short stream is named"
ls -d "$C"/acquisitions/E001-A5.partial >/dev/null 2>&1 && ok "it stays a partial unit" || fail "it stays a partial unit"
expect_exit 2 "--verify-source on a stream is refused" custody-image --case "$C" --item E001 --verify-source - </dev/null

# --verify-source on a file
expect_exit 0 "--verify-source" custody-image --case "$C" --item E001 --verify-source --json --quiet "$T/disk.img"
[ "$(field "$T/.out" verification.source.result)" = verified ] && ok "source verified" || fail "source verified"

# kill -9 in the middle, then --resume: the hashes of an uninterrupted run.
# faultyfs serves the source and holds every read past 96 MiB, so the
# acquisition cannot finish; it is killed once its six blocks before the
# hold are hashed (blocks.partial) and written (image.raw).
head -c 134217728 /dev/urandom >"$T/big.img"
if faulty_usable; then
	faulty_mount "$T/big.img" "$T/mnt" --hold-after 100663296 ||
		fail "faultyfs serves the source"
	custody-image --case "$C" --item E001 --hash md5,sha1,sha512 --quiet \
		"$T/mnt/disk.img" >"$T/.killed" 2>&1 &
	pid=$!
	# the unit of this run is the one keeping resume state
	unit_kept() {
		for d in "$C"/acquisitions/E001-A*.partial; do
			[ -e "$d/blocks.partial" ] && echo "$d"
		done | tail -n 1
	}
	at_hold() {
		kill -0 $pid 2>/dev/null || return 0 # died: the checks say so
		p=$(unit_kept)
		[ -n "$p" ] && [ "$(wc -l <"$p/blocks.partial")" -ge 6 ] &&
			[ "$(stat -c %s "$p/image.raw")" -ge 100663296 ]
	}
	wait_for 300 at_hold
	kill -0 $pid 2>/dev/null &&
		ok "the acquisition waits at 96 MiB, all before it hashed and written" ||
		{ fail "the acquisition waits at 96 MiB, all before it hashed and written"
		  sed 's/^/#   /' "$T/.killed"; }
	kill -9 $pid 2>/dev/null
	kill -USR1 "$FAULTY_PID" # its read answered, the killed reader can die
	wait $pid 2>/dev/null
	faulty_umount "$T/mnt" || fail "faultyfs unmounts"
	p=$(unit_kept)
	[ -n "$p" ] && [ -f "$p/resume.json" ] && ok "kill -9 leaves a partial unit" ||
		fail "kill -9 leaves a partial unit"
	expect_exit 0 "--resume after kill -9" custody-image --case "$C" --item E001 --resume --json --quiet "$T/big.img"
	[ "$(field "$T/.out" hashes.sha512)" = "$(sha512sum <"$T/big.img" | cut -d' ' -f1)" ] &&
		ok "the resumed SHA-512 is that of the source" || fail "the resumed SHA-512 is that of the source"
	[ "$(field "$T/.out" hashes.md5)" = "$(md5sum <"$T/big.img" | cut -d' ' -f1)" ] &&
		ok "the resumed MD5 is that of the source" || fail "the resumed MD5 is that of the source"
	[ "$(field "$T/.out" resumed.at_byte)" -eq 100663296 ] &&
		ok "the resume kept the 96 MiB written before the kill" ||
		fail "the resume kept the 96 MiB written before the kill ($(field "$T/.out" resumed.at_byte))"
else
	skip "kill -9 in the middle, then --resume: $faulty_why"
fi
rm -f "$T/big.img"

# progress on a terminal: bytes, percent, rate, time left, unreadable sectors
if command -v script >/dev/null; then
	script -qec "custody-image --case '$C' --item E001 --verify none '$T/disk.img'" /dev/null \
		>"$T/.tty" 2>&1
	grep -q 'reading: .* of 40.00 MiB (100%), .* MB/s, 0 unreadable sectors' "$T/.tty" &&
		ok "progress is shown on a terminal" || { fail "progress is shown on a terminal"; sed 's/^/#   /' "$T/.tty"; }
	contains "$T/.tty" "image: not done (none)" "a short summary ends the run"
else
	skip "progress on a terminal: no script(1) (bsdutils)"
fi
custody-image --case "$C" --item E001 --verify none "$T/disk.img" >"$T/.out" 2>"$T/.err"
grep -q 'reading:' "$T/.err" && fail "no progress when stderr is not a terminal" ||
	ok "no progress when stderr is not a terminal"

# bad arguments
printf 'odd' >>"$T/odd.img"
expect_exit 2 "EWF refuses a source that is not whole sectors, before reading" \
	custody-image --case "$C" --item E001 --format ewf "$T/odd.img"
contains "$T/.err" "not a whole number of 512-byte sectors" "the reason is given"
expect_exit 2 "--item is required" custody-image --case "$C" "$T/disk.img"
expect_exit 2 "an unknown item" custody-image --case "$C" --item E404 "$T/disk.img"
expect_exit 2 "a bad format" custody-image --case "$C" --item E001 --format vmdk "$T/disk.img"
expect_exit 2 "a bad segment size" custody-image --case "$C" --item E001 --format split --segment-size 1Q "$T/disk.img"
expect_exit 2 "--compression without ewf" custody-image --case "$C" --item E001 --compression fast "$T/disk.img"
expect_exit 3 "a missing source" custody-image --case "$C" --item E001 "$T/nope.img"
expect_exit 3 "a folder is not a source" custody-image --case "$C" --item E001 "$T"

# a damaged image is caught and the block named
cp -r "$C" "$T/bad"
chmod -R u+w "$T/bad"
flip_byte "$T/bad/acquisitions/E001-A1/image.raw" 20000000
expect_exit 1 "custody-verify catches a changed byte in an image" custody-verify --case "$T/bad" --quiet
contains "$T/.out" "block 1 (bytes 16777216-33554431) is damaged" "the damaged block is named"
cp -r "$C" "$T/bad2"
chmod -R u+w "$T/bad2"
truncate -s 30000000 "$T/bad2/acquisitions/E001-A2/image.002" 2>/dev/null
truncate -s 1000 "$T/bad2/acquisitions/E001-A2/image.002"
expect_exit 1 "custody-verify catches a truncated segment" custody-verify --case "$T/bad2" --quiet
contains "$T/.out" "E001-A2/image.002: file changed" "the truncated segment is named"

echo "1..$n"
