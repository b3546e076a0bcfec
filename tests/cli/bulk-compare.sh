#!/bin/sh
# custody's email feature file (targets/bulk_extractor/email.txt) against
# the one bulk_extractor 2.x writes for the same bytes, when a
# bulk_extractor 2.x is on this machine: BENCH_BULK_EXTRACTOR, the one
# bench/bulk.sh builds into BENCH_DIR/bulk_extractor-2.x (default
# /tmp/custody-bench), or one on PATH.  The image is an ext4 holding plain
# text with known addresses in files and in unallocated blocks at known
# offsets, so no decoder is needed: both must name the same addresses at
# the same image offsets (custody's forensic paths are image offsets,
# features.h).
# Skipped, on a line saying why, when there is no bulk_extractor 2.x or
# custody writes no bulk_extractor feature files.
. "$CUSTODY_TOP/tests/cli/lib.sh"

bulk_top=$CUSTODY_TOP
. "$CUSTODY_TOP/bench/bulk-build.inc"

if ! bulk=$(bulk_find); then
	skip "no bulk_extractor 2.x (BENCH_BULK_EXTRACTOR, $(bulk_cache) or PATH): sh bench/bulk.sh BUILD_DIR builds one from $(bulk_src)"
	exit 0
fi

# compare.py BE CUSTODY: prints the differences of two email.txt files and
# exits 1 when there are any: the set of features, then the (offset,
# feature) pairs of custody's lines whose forensic path is an image offset
# (digits only), each of which bulk_extractor must have.  With a third
# argument, a file of "offset feature" lines that both must hold.
cat >"$T/compare.py" <<'PY'
import sys


def read(path):
    feats, pairs, paths = set(), set(), 0
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            if not line or line.startswith(b"#"):
                continue
            cols = line.split(b"\t")
            if len(cols) < 2:
                print("%s: not a feature line: %r" % (path, line[:80]))
                sys.exit(1)
            feats.add(cols[1])
            if cols[0].isdigit():
                pairs.add((int(cols[0]), cols[1]))
            paths += 1
    return feats, pairs, paths


be, be_pairs, _ = read(sys.argv[1])
cu, cu_pairs, cu_lines = read(sys.argv[2])
bad = 0
for f in sorted(be - cu):
    print("only bulk_extractor: %s" % f.decode("utf-8", "replace"))
    bad += 1
for f in sorted(cu - be):
    print("only custody: %s" % f.decode("utf-8", "replace"))
    bad += 1
for o, f in sorted(cu_pairs - be_pairs):
    print("custody at %d, bulk_extractor not: %s" % (o, f.decode("utf-8", "replace")))
    bad += 1
if len(sys.argv) > 3:
    for line in open(sys.argv[3]):
        o, f = line.split()
        for name, pairs in (("bulk_extractor", be_pairs), ("custody", cu_pairs)):
            if (int(o), f.encode()) not in pairs:
                print("%s has no %s at %s" % (name, f, o))
                bad += 1
print("%d features, %d at image offsets in custody's file" % (len(cu), len(cu_pairs)))
sys.exit(1 if bad else 0)
PY

# The image: a 16 MiB ext4 (4 KiB blocks) whose files hold addresses in
# plain text, and two unallocated blocks, found free by debugfs, holding
# more at known offsets.
mkdir -p "$T/root/mail" "$T/root/notes"
printf 'From: alice.smith@example.com\nTo: bob.jones@example.org\nSubject: list\n\nsend it to carol.white@example.net by friday\n' \
	>"$T/root/mail/1.eml"
printf 'contacts\n  dave.brown@example.com (panel admin)\n  erin.green@example.org\n' \
	>"$T/root/notes/contacts.txt"
mke2fs -q -F -t ext4 -b 4096 -d "$T/root" "$T/disk.img" 16m >/dev/null 2>&1 ||
	fail "mke2fs of the test image"
: >"$T/known"
prefix='deleted note: mail '
for spec in 3000:frank.black@example.net 3500:grace.hall@example.com; do
	blk=${spec%%:*}
	addr=${spec#*:}
	debugfs -R "testb $blk" "$T/disk.img" 2>/dev/null | grep -q 'not in use' ||
		fail "block $blk of the test image is free"
	at=$((blk * 4096 + 100))
	printf '%s%s tonight\n' "$prefix" "$addr" |
		dd of="$T/disk.img" bs=1 seek=$((at - ${#prefix})) conv=notrunc status=none
	echo "$at $addr" >>"$T/known"
done

expect_exit 0 "bulk_extractor's email scanner runs on the image" \
	"$bulk" -x all -e email -o "$T/be" "$T/disk.img"
be=$T/be/email.txt
for a in alice.smith@example.com bob.jones@example.org carol.white@example.net \
	dave.brown@example.com erin.green@example.org frank.black@example.net \
	grace.hall@example.com; do
	grep -q "	$a	" "$be" || missing="${missing:-} $a"
done
if [ -z "${missing:-}" ]; then
	ok "bulk_extractor finds the seven addresses"
else
	fail "bulk_extractor finds the seven addresses (not:$missing)"
fi

# The comparison can fail: against bulk_extractor's own file it passes,
# against that file less one address, or with one offset moved, it fails.
expect_exit 0 "the comparison passes on bulk_extractor's own file" \
	"$PYTHON" "$T/compare.py" "$be" "$be" "$T/known"
grep -v "	carol.white@example.net	" "$be" >"$T/less.txt"
expect_exit 1 "the comparison fails when an address is missing" \
	"$PYTHON" "$T/compare.py" "$be" "$T/less.txt"
contains "$T/.out" "only bulk_extractor: carol.white@example.net" \
	"the comparison names the missing address"
awk -F '\t' -v OFS='\t' '$2 == "grace.hall@example.com" { $1 = $1 + 1 } { print }' \
	"$be" >"$T/moved.txt"
expect_exit 1 "the comparison fails when an offset differs" \
	"$PYTHON" "$T/compare.py" "$be" "$T/moved.txt"

new_case "$T/case"
expect_exit 0 "custody-extract on the image" \
	custody-extract --case "$T/case" --item E001 --quiet "$T/disk.img"
cu=
for f in "$T"/case/extractions/E001-X*/targets/bulk_extractor/email.txt; do
	[ -f "$f" ] && cu=$f
done
if [ -z "$cu" ]; then
	skip "custody-extract writes no targets/bulk_extractor/email.txt"
	exit 0
fi
if "$PYTHON" "$T/compare.py" "$be" "$cu" >"$T/.cmp" 2>&1; then
	ok "custody's email.txt names the addresses bulk_extractor's does ($(tail -n 1 "$T/.cmp"))"
else
	fail "custody's email.txt against bulk_extractor's"
	sed 's/^/#   /' "$T/.cmp"
fi
# every address lies in the clear, in a file or in a free block: each of
# custody's forensic paths is an image offset, bulk_extractor's own
contains "$T/.cmp" "7 features, 7 at image offsets" \
	"custody's forensic path of every address is an image offset"
expect_exit 0 "custody and bulk_extractor give the addresses in files and in unallocated blocks at the same offsets" \
	"$PYTHON" "$T/compare.py" "$be" "$cu" "$T/known"
