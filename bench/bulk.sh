#!/bin/sh
# bulk.sh - custody-extract against bulk_extractor 2.x on about 1 GiB of
# real, mixed content, side by side.
#
#     sh bench/bulk.sh BUILD_DIR
#
# bulk_extractor is not a Debian package: its source,
# ../shared/tools/bulk_extractor-src.tar.xz beside the project (or
# BENCH_BULK_SRC), is built once into BENCH_DIR/bulk_extractor-2.x
# (bench/bulk-build.inc; BENCH_DIR defaults to /tmp/custody-bench), its
# build dependencies installed with apt-get when root.  BENCH_BULK_EXTRACTOR
# names a bulk_extractor 2.x to use instead; without a source, one on PATH
# is used; without either, the comparison is skipped (custody's runs are
# still timed) on a line saying how to get it.
#
# The image, built once and cached in BENCH_DIR (bulk-v2.img, its file
# count, size and content digest in bulk-v2.img.info, the addresses the
# generator wrote in bulk-v2.img.planted): an ext4 (mke2fs -d)
# of the folder bench/bulk-tree.py writes: this machine's /usr/share/doc,
# /usr/share/man, /usr/lib/python3* and /usr/lib/x86_64-linux-gnu/*.so*,
# then mailboxes, a mail queue, PDFs, docx and xlsx documents, panel
# configurations, SQL dumps and spam lists made from fixed seeds; about
# 38,000 files and 960 MB.
#
# Then, page cache warm, outputs in tmpfs when it has the room, in rounds
# (BENCH_RUNS, default 3, the best of each kept), under GNU time:
#
#   bulk_extractor -o OUT IMAGE                 every default scanner
#   bulk_extractor -x all -e email -o OUT IMAGE its email scanner alone
#   custody-extract IMAGE                       the default run: inventory,
#                                               types, digests, carving,
#                                               decoders when it has them
#   custody-extract --no-types IMAGE
#   custody-extract --no-decode IMAGE           when custody-extract has
#   custody-extract --no-types --no-decode IMAGE  --no-decode
#
# and the ratios: custody's default run at least as fast as bulk_extractor's
# (>= 1x); --no-types >= 3x bulk_extractor's default run and faster than
# its email scanner alone; the decoders' cost over plain carving <= 1.5x.
# Then the distinct email addresses each found, side by side, and how many
# of those the generator wrote each found, by the form they lie in (clear
# text, base64, PDF Flate streams, docx, xlsx, gzip).
#
# Exits non-zero when a tool fails or is missing, or there is not enough
# room; never on speed: a missed target is printed as BELOW TARGET.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/bulk.sh BUILD_DIR"
top=$(cd "$(dirname "$0")/.." && pwd)
extract=$build/bin/custody-extract
casetool=$build/bin/custody-case
for f in "$extract" "$casetool"; do
	[ -x "$f" ] || die "missing '$f' (make all)"
done
for tp in mke2fs:e2fsprogs debugfs:e2fsprogs dumpe2fs:e2fsprogs \
	python3:python3 sha256sum:coreutils xz:xz-utils df:coreutils \
	du:coreutils; do
	command -v "${tp%%:*}" >/dev/null 2>&1 ||
		die "missing tool '${tp%%:*}' (apt-get install ${tp#*:})"
done
gnutime=/usr/bin/time
"$gnutime" -f %M true >/dev/null 2>&1 ||
	die "missing '$gnutime', GNU time, for peak memory (apt-get install time)"
runs=${BENCH_RUNS:-3}
case $runs in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number, 1 at least" ;;
esac
cache=${BENCH_DIR:-/tmp/custody-bench}
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
free_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
mkdir -p "$cache"

scratch=
out_dir=
cleanup() {
	for d in "$scratch" "$out_dir"; do
		[ -n "$d" ] || continue
		chmod -R u+w "$d" 2>/dev/null || :
		rm -rf "$d"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
scratch=$(mktemp -d "${TMPDIR:-/tmp}/custody-bulk.XXXXXX")

# ---- bulk_extractor ----------------------------------------------------------

bulk_top=$top
# shellcheck source=bench/bulk-build.inc
. "$top/bench/bulk-build.inc"
bulk=
if [ -n "${BENCH_BULK_EXTRACTOR:-}" ]; then
	bulk=$(bulk_find) ||
		die "BENCH_BULK_EXTRACTOR='$BENCH_BULK_EXTRACTOR' is not a bulk_extractor 2.x"
else
	set +e
	bulk=$(bulk_build)
	st=$?
	set -e
	case $st in
	0) ;;
	2)
		bulk=$(bulk_find) || bulk=
		[ -n "$bulk" ] ||
			echo "$prog: no bulk_extractor: the comparison is skipped. To run it, put bulk_extractor 2.x's public source tree (its repository with its submodules, as a tar.xz) at '$(bulk_src)' or name it in BENCH_BULK_SRC, or name a bulk_extractor 2.x binary in BENCH_BULK_EXTRACTOR" >&2
		;;
	*) die "cannot build bulk_extractor from '$(bulk_src)'" ;;
	esac
fi
if [ -n "$bulk" ]; then
	bulk_smoke "$bulk" "$scratch" || die "bulk_extractor '$bulk' does not work"
	bulk_version=$("$bulk" -V 2>/dev/null | head -n 1)
	echo "$prog: $bulk_version: $bulk" >&2
fi

# ---- the image ---------------------------------------------------------------

# stamp_inodes IMAGE: every inode in use (the root, then 11 and up) gets
# the tree's time as its change and access times too: mke2fs -d takes them
# from the folder, where they are when it was written and read
stamp_inodes() {
	dumpe2fs "$1" 2>/dev/null | awk -v t=20110316140500 '
		function flush(   i) {
			if (g < 0) return
			for (i = g * ipg + 1; i <= (g + 1) * ipg; i++)
				if (!(i in free) && (i == 2 || i >= 11)) {
					print "sif <" i "> ctime " t
					print "sif <" i "> atime " t
				}
			split("", free)
		}
		BEGIN { g = -1 }
		/^Inodes per group:/ { ipg = $4 }
		/^Group [0-9]+:/ { flush(); g = $2 + 0 }
		/^  Free inodes:/ {
			sub(/^  Free inodes: */, "")
			n = split($0, r, ", *")
			for (k = 1; k <= n; k++) {
				if (r[k] == "") continue
				if (split(r[k], ab, "-") == 1) ab[2] = ab[1]
				for (i = ab[1] + 0; i <= ab[2] + 0; i++) free[i] = 1
			}
		}
		END { flush() }' >"$scratch/stamp.cmds"
	[ -s "$scratch/stamp.cmds" ] || return 1
	E2FSPROGS_FAKE_TIME=1300284300 debugfs -w -f "$scratch/stamp.cmds" "$1" \
		>"$scratch/stamp.log" 2>&1 || return 1
	! grep -qv "^debugfs" "$scratch/stamp.log"
}

# The generator's version is in the image's name: change what
# bench/bulk-tree.py writes and bump it, so no image of another mix is used.
img=$cache/bulk-v2.img
if [ ! -f "$img" ] || [ ! -f "$img.info" ] || [ ! -f "$img.planted" ]; then
	# the folder in tmpfs when it has the room: its listing order is the
	# order the files were written in, so mke2fs -d lays them out alike
	# on every build
	base=/dev/shm
	[ -d "$base" ] && [ "$(free_kb "$base")" -ge 3145728 ] || base=$cache
	[ "$(free_kb "$base")" -ge 2097152 ] ||
		die "'$base' has $(($(free_kb "$base") / 1024)) MiB free, the image's folder needs 2048 MiB"
	[ "$(free_kb "$cache")" -ge 2097152 ] ||
		die "'$cache' has $(($(free_kb "$cache") / 1024)) MiB free, the image needs 2048 MiB (set BENCH_DIR)"
	tree=$(mktemp -d "$base/custody-bulk-tree.XXXXXX")
	trap 'cleanup; rm -rf "$tree"' EXIT
	echo "$prog: writing the image's files into $tree" >&2
	python3 "$top/bench/bulk-tree.py" "$tree" "$img.planted.tmp" \
		>"$scratch/tree.count" ||
		die "bench/bulk-tree.py failed"
	read -r nfiles nbytes <"$scratch/tree.count"
	digest=$(cd "$tree" && find . -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum | sha256sum | awk '{ print $1 }')
	kb=$(du -sk "$tree" | awk '{ print $1 }')
	inodes=$(find "$tree" | wc -l)
	size_kb=$((kb + kb / 8 + (inodes + 1024) / 4 + 131072))
	echo "$prog: mke2fs -t ext4 -d: $img" >&2
	E2FSPROGS_FAKE_TIME=1300284300 mke2fs -q -F -t ext4 -b 4096 -m 0 \
		-N $((inodes + 1024)) \
		-U 0b1d1e57-0000-4000-8000-00000000b1c0 \
		-E hash_seed=0b1d1e57-0000-4000-8000-00000000b1c0 \
		-d "$tree" "$img.tmp" "${size_kb}k" >"$scratch/mke2fs.log" 2>&1 ||
		die "mke2fs failed: $(tail -n 3 "$scratch/mke2fs.log")"
	stamp_inodes "$img.tmp" ||
		die "debugfs could not stamp the image's inodes: $(grep -v '^debugfs' "$scratch/stamp.log" | head -n 3)"
	rm -rf "$tree"
	{
		echo "files $nfiles"
		echo "bytes $nbytes"
		echo "content $digest"
		echo "image $(sha256sum "$img.tmp" | awk '{ print $1 }')"
	} >"$img.info"
	mv "$img.planted.tmp" "$img.planted"
	mv "$img.tmp" "$img"
fi
nfiles=$(awk '$1 == "files" { print $2 }' "$img.info")
nbytes=$(awk '$1 == "bytes" { print $2 }' "$img.info")
isize=$(stat -c %s "$img")
isum=$(awk '$1 == "image" { print $2 }' "$img.info")

# ---- the runs ----------------------------------------------------------------

# Outputs go to tmpfs when it has the room, so no disk sets the pace.
out_kb=3145728
out_base=/dev/shm
[ -d "$out_base" ] && [ "$(free_kb "$out_base")" -ge "$out_kb" ] ||
	out_base=${TMPDIR:-/tmp}
[ "$(free_kb "$out_base")" -ge "$out_kb" ] ||
	die "'$out_base' has $(($(free_kb "$out_base") / 1024)) MiB free, the outputs need $((out_kb / 1024)) MiB"
out_dir=$(mktemp -d "$out_base/custody-bulk.XXXXXX")
out=$out_dir/out
case=$out_dir/case
: >"$scratch/times"
export CUSTODY_CONFIG="$scratch/no-config" CUSTODY_EXAMINER=bench
unset CUSTODY_CASE CUSTODY_PASSPHRASE
"$casetool" init "$case" --number B --title bench --examiner bench \
	--no-sign >/dev/null || die "cannot create the case"
"$casetool" add-item --case "$case" --item E001 --no-sign >/dev/null ||
	die "cannot add item E001"

nodecode=0
"$extract" --help 2>&1 | grep -q -e '--no-decode' && nodecode=1

tidy() {
	for d in "$out" "$case"/extractions/E001-X*; do
		[ -e "$d" ] || continue
		chmod -R u+w "$d" 2>/dev/null || :
		rm -rf "$d"
	done
}

# timed CMD...: CMD under GNU time; "seconds user system rss" in
# $scratch/time, its status in $scratch/status
timed() {
	set +e
	"$gnutime" -f '%e %U %S %M' -o "$scratch/time" "$@" \
		>"$scratch/stdout" 2>"$scratch/stderr"
	echo $? >"$scratch/status"
	set -e
}

job_be_all() { timed "$bulk" -o "$out" "$1"; }
job_be_email() { timed "$bulk" -x all -e email -o "$out" "$1"; }
custody() { # custody IMAGE OPTION...
	c_img=$1
	shift
	timed "$extract" --case "$case" --item E001 --no-sign --quiet "$@" \
		"$c_img"
}
job_cx_all() { custody "$1"; }
job_cx_notypes() { custody "$1" --no-types; }
job_cx_nodecode() { custody "$1" --no-decode; }
job_cx_notypes_nodecode() { custody "$1" --no-types --no-decode; }

label() {
	case $1 in
	be_all) echo "bulk_extractor (default scanners)" ;;
	be_email) echo "bulk_extractor -x all -e email" ;;
	cx_all) echo "custody-extract (default)" ;;
	cx_notypes) echo "custody-extract --no-types" ;;
	cx_nodecode) echo "custody-extract --no-decode" ;;
	cx_notypes_nodecode) echo "custody-extract --no-types --no-decode" ;;
	esac
}

# emails JOB: the distinct email addresses of the last run, lower case,
# one a line, sorted
emails() {
	case $1 in
	be_*)
		[ -f "$out/email.txt" ] || return 0
		awk -F '\t' '!/^#/ && NF >= 2 { print tolower($2) }' \
			"$out/email.txt" | LC_ALL=C sort -u
		;;
	cx_*)
		set -- "$case"/extractions/E001-X*/targets/emails.csv
		[ -f "$1" ] || return 0
		python3 -c 'import csv, sys
r = csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="replace"))
next(r, None)
for row in r:
    if row:
        print(row[0].lower())' "$1" | LC_ALL=C sort -u
		;;
	esac
}

# run JOB IMAGE: one timed run; "job seconds user system rss" to times
run() {
	tidy
	"job_$1" "$2"
	st=$(cat "$scratch/status")
	case $1 in
	cx_*)
		[ "$st" -ne 2 ] ||
			die "$extract refused an option of '$(label "$1")' (exit 2, usage): $(head -n 1 "$scratch/stderr")"
		;;
	esac
	[ "$st" -eq 0 ] ||
		die "$(label "$1") failed (exit $st) on '$2': $(tail -n 3 "$scratch/stderr")"
	emails "$1" >"$scratch/emails.$1"
	echo "$1 $(tail -n 1 "$scratch/time")" >>"$scratch/times"
}

jobs="cx_all cx_notypes"
[ "$nodecode" -eq 0 ] || jobs="$jobs cx_nodecode cx_notypes_nodecode"
[ -z "$bulk" ] || jobs="be_all be_email $jobs"

# Every tool once on a small image whose addresses are known, so that a
# refused option or a tool finding nothing stops the bench before the
# long runs.
mkdir -p "$scratch/small/mail"
printf 'From: alice.smith@example.com\nTo: bob.jones@example.org\n\nhello\n' \
	>"$scratch/small/mail/1.eml"
mke2fs -q -F -t ext4 -d "$scratch/small" "$scratch/small.img" 8m \
	>/dev/null 2>&1 || die "mke2fs of the small image failed"
for job in $jobs; do
	echo "$prog: warm-up on a small image: $(label "$job")" >&2
	run "$job" "$scratch/small.img"
	for a in alice.smith@example.com bob.jones@example.org; do
		grep -qx "$a" "$scratch/emails.$job" ||
			die "$(label "$job") did not find $a on the small image"
	done
done
: >"$scratch/times"

echo "$prog: reading $img into the page cache" >&2
cat "$img" >/dev/null
read -r load_before _ </proc/loadavg || load_before=unknown
round=1
while [ "$round" -le "$runs" ]; do
	for job in $jobs; do
		echo "$prog: round $round of $runs: $(label "$job")" >&2
		run "$job" "$img"
		[ "$round" -gt 1 ] || cp "$scratch/emails.$job" "$scratch/kept.$job"
	done
	round=$((round + 1))
done
tidy
read -r load_after _ </proc/loadavg || load_after=unknown

echo
echo "custody-extract against bulk_extractor, $nfiles files, $((nbytes / 1000000)) MB of content in a $((isize / 1048576)) MiB ext4 image"
echo "(bench/bulk-tree.py; image SHA-256 $isum;"
echo "best of $runs rounds; page cache warm; outputs in $out_base;"
echo "$cores cores; load average $load_before before the runs, $load_after after)"
[ -z "$bulk" ] || echo "${bulk_version:-bulk_extractor}"
[ "$nodecode" -eq 1 ] ||
	echo "custody-extract has no --no-decode: the decoders' cost is not measured"
echo
awk -v nbytes="$nbytes" '
function row(job, name) {
	if (!(job in best)) return
	printf "  %-40s %8.2f %7.1f %8.1f %8.1f\n", name, best[job],
		nbytes / best[job] / 1e6, cpu[job], rss[job] / 1024
}
function ratio(what, slow, fast, target,   r) {
	if (!(slow in best) || !(fast in best)) return
	r = best[slow] / best[fast]
	printf "  %-52s %6.2fx  (target >= %sx)%s\n", what, r, target,
		(r >= target ? "" : "  BELOW TARGET")
}
function cost(what, with, without, target,   r) {
	if (!(with in best) || !(without in best)) return
	r = best[with] / best[without]
	printf "  %-52s %6.2fx  (target <= %sx)%s\n", what, r, target,
		(r <= target ? "" : "  BELOW TARGET")
}
{
	if (!($1 in best) || $2 < best[$1]) {
		best[$1] = $2
		cpu[$1] = $3 + $4
	}
	if ($5 + 0 > rss[$1]) rss[$1] = $5
}
END {
	printf "  %-40s %8s %7s %8s %8s\n", "tool", "seconds", "MB/s", "CPU s", "RSS MiB"
	row("be_all", "bulk_extractor (default scanners)")
	row("be_email", "bulk_extractor -x all -e email")
	row("cx_all", "custody-extract (default)")
	row("cx_notypes", "custody-extract --no-types")
	row("cx_nodecode", "custody-extract --no-decode")
	row("cx_notypes_nodecode", "custody-extract --no-types --no-decode")
	print ""
	ratio("bulk_extractor default / custody default", "be_all", "cx_all", 1)
	ratio("bulk_extractor default / custody --no-types", "be_all", "cx_notypes", 3)
	ratio("bulk_extractor email alone / custody --no-types", "be_email", "cx_notypes", 1)
	cost("decoders: custody default / --no-decode", "cx_all", "cx_nodecode", 1.5)
	cost("decoders: --no-types / --no-types --no-decode", "cx_notypes",
		"cx_notypes_nodecode", 1.5)
}' "$scratch/times"

echo
echo "distinct email addresses (lower case; custody: targets/emails.csv,"
echo "bulk_extractor: the features of email.txt)"
for job in $jobs; do
	printf '  %-40s %8d\n' "$(label "$job")" "$(wc -l <"$scratch/kept.$job")"
done
if [ -n "$bulk" ]; then
	a=$scratch/kept.cx_all
	b=$scratch/kept.be_all
	both=$(LC_ALL=C comm -12 "$a" "$b" | wc -l)
	only_c=$(LC_ALL=C comm -23 "$a" "$b" | wc -l)
	only_b=$(LC_ALL=C comm -13 "$a" "$b" | wc -l)
	echo "  default runs: $both found by both, $only_c by custody alone, $only_b by bulk_extractor alone"
	for w in c b; do
		if [ "$w" = c ]; then
			n=$only_c
			what="custody alone"
			flag=-23
		else
			n=$only_b
			what="bulk_extractor alone"
			flag=-13
		fi
		[ "$n" -gt 0 ] || continue
		printf '    %s, for example:' "$what"
		LC_ALL=C comm $flag "$a" "$b" | awk -v n="$n" '(NR - 1) % int((n + 4) / 5) == 0 { printf " %s", $0 }
			END { print "" }'
	done
fi

echo
echo "the addresses bench/bulk-tree.py wrote, found, by the form they lie in"
echo "(clear: in clear text somewhere; the others only in that form; other:"
echo "addresses found that it did not write: the system files', message IDs,"
echo "fragments)"
# shellcheck disable=SC2086 # the jobs are words
python3 - "$img.planted" "$scratch" $jobs <<'PY'
import sys
planted = {}
for line in open(sys.argv[1]):
    f, a = line.split()
    planted[a] = f if "," not in f else "several"
cols = ["clear", "base64", "pdf", "docx", "xlsx", "gzip", "several"]
total = {c: 0 for c in cols}
for f in planted.values():
    total[f] += 1
names = {"be_all": "bulk_extractor (default scanners)",
         "be_email": "bulk_extractor -x all -e email",
         "cx_all": "custody-extract (default)",
         "cx_notypes": "custody-extract --no-types",
         "cx_nodecode": "custody-extract --no-decode",
         "cx_notypes_nodecode": "custody-extract --no-types --no-decode"}
print("  %-40s" % "" + "".join("%8s" % c for c in cols) + "%8s" % "other")
print("  %-40s" % "written" + "".join("%8d" % total[c] for c in cols))
for job in sys.argv[3:]:
    got = {c: 0 for c in cols}
    other = 0
    for a in open("%s/kept.%s" % (sys.argv[2], job)):
        a = a.strip()
        if a in planted:
            got[planted[a]] += 1
        else:
            other += 1
    print("  %-40s" % names[job] + "".join("%8d" % got[c] for c in cols) +
          "%8d" % other)
PY
