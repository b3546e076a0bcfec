#!/bin/sh
# image.sh - time custody-image against dc3dd, dcfldd and ewfacquire.
#
#     sh bench/image.sh BUILD_DIR
#
# Acquires one file of pseudo-random data (BENCH_SIZE_MB, default 2048)
# held in tmpfs (/dev/shm), so the page cache feeds every tool and no disk
# sets the pace; every image is written to tmpfs too.  Side by side:
#
#   raw, md5+sha1+sha256, read back   custody (--verify blocks)  dc3dd hof=
#   raw, md5+sha1+sha256              custody --verify none      dc3dd of=, dcfldd
#   raw, sha256                       custody --verify none      dc3dd of=
#   E01, md5+sha1, -c none and fast   custody --verify none      ewfacquire
#
# Runs go in rounds, each tool once per round, BENCH_RUNS rounds (default
# 3), and each tool's best time is kept: a busy neighbour on a shared
# machine then skews every tool alike rather than one.  `openssl speed`
# gives the limits: md5 cannot be split across cores, so no tool computing
# it beats one core of it.  Last, custody-image images a sparse file of
# BENCH_SPARSE_GB (default 20; 0 skips it) under /usr/bin/time -v for its
# peak memory, writing to /dev/shm when memory allows, else to a folder on
# disk under ${TMPDIR:-/tmp}.
#
# Every digest is checked against md5sum, sha1sum and sha256sum of the
# source, every raw image against the source (cmp).  Exits non-zero on a
# wrong digest or image, a failing tool, too little room or a missing tool,
# never on speed.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/image.sh BUILD_DIR"
image=$build/bin/custody-image
casetool=$build/bin/custody-case
for f in "$image" "$casetool"; do
	[ -x "$f" ] || die "missing '$f' (make all)"
done
for tool in openssl dc3dd dcfldd ewfacquire md5sum sha1sum sha256sum cmp \
	head awk date mktemp df truncate stat; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'"
done
gnutime=/usr/bin/time
"$gnutime" -v true >/dev/null 2>&1 || die "missing tool '$gnutime' (GNU time)"

size_mb=${BENCH_SIZE_MB:-2048}
case $size_mb in
'' | *[!0-9]* | 0) die "BENCH_SIZE_MB must be a whole number of MiB" ;;
esac
runs=${BENCH_RUNS:-3}
case $runs in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number" ;;
esac
sparse_gb=${BENCH_SPARSE_GB:-20}
case $sparse_gb in
'' | *[!0-9]*) die "BENCH_SPARSE_GB must be a whole number of GiB (0 skips)" ;;
esac
bytes=$((size_mb * 1024 * 1024))
shm=/dev/shm
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
# Shown with the results: other work on the machine skews every timing.
read -r load_before _ </proc/loadavg || load_before=unknown

# free_kb DIR: KiB free in the file system holding DIR
free_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
# MemAvailable in KiB: what tmpfs can still take without squeezing others
mem_kb() {
	awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo
}

# The source and one image at a time, plus logs: tmpfs holds them in RAM.
need_kb=$((2 * size_mb * 1024 + size_mb * 1024 / 50 + 65536))
[ -d "$shm" ] || die "no '$shm': the images are written to tmpfs"
have_kb=$(free_kb "$shm")
[ "$have_kb" -ge "$need_kb" ] ||
	die "'$shm' has $((have_kb / 1024)) MiB free, needs $((need_kb / 1024)) MiB (set BENCH_SIZE_MB lower)"
have_kb=$(mem_kb)
[ "$have_kb" -ge "$need_kb" ] ||
	die "$((have_kb / 1024)) MiB of memory available, '$shm' needs $((need_kb / 1024)) MiB (set BENCH_SIZE_MB lower)"

dir=
disk=
cleanup() {
	for d in "$dir" "$disk"; do
		[ -n "$d" ] || continue
		chmod -R u+w "$d" 2>/dev/null || :
		rm -rf "$d"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$(mktemp -d "$shm/custody-bench.XXXXXX")
src=$dir/source
out=$dir/out     # each run's image and logs, emptied before every run
case=$dir/case
: >"$dir/times"
: >"$dir/mismatches"

now() {
	date +%s.%N
}

# tidy: remove the last run's image, logs and custody unit
tidy() {
	for d in "$out" "$case"/acquisitions/E001-A*; do
		[ -e "$d" ] || continue
		chmod -R u+w "$d" 2>/dev/null || :
		rm -rf "$d"
	done
	mkdir "$out"
}

# timed CMD...: run CMD under GNU time for its peak RSS, output into $out
timed() {
	"$gnutime" -f %M -o "$dir/rss" "$@" >"$out/stdout" 2>"$out/stderr"
}

custody() {
	timed "$image" --case "$case" --item E001 --quiet "$@" "$src"
}

job_ci_blocks() { custody --hash md5,sha1,sha256; }
job_ci_none() { custody --hash md5,sha1,sha256 --verify none; }
job_ci_sha256() { custody --hash sha256 --verify none; }
job_ci_ewf_none() {
	custody --format ewf --compression none --hash md5,sha1 --verify none
}
job_ci_ewf_fast() {
	custody --format ewf --compression fast --hash md5,sha1 --verify none
}
job_dc3dd_hof() {
	timed dc3dd if="$src" hof="$out/image.dd" hash=md5 hash=sha1 \
		hash=sha256 log="$out/dc3dd.log"
}
job_dc3dd_of() {
	timed dc3dd if="$src" of="$out/image.dd" hash=md5 hash=sha1 \
		hash=sha256 log="$out/dc3dd.log"
}
job_dc3dd_sha256() {
	timed dc3dd if="$src" of="$out/image.dd" hash=sha256 \
		log="$out/dc3dd.log"
}
# No digest at all: what copying the source into tmpfs costs one core, the
# part of every job that is not hashing.
job_dd_copy() {
	timed dd if="$src" of="$out/image.dd" bs=1M
}
job_dcfldd() {
	timed dcfldd if="$src" of="$out/image.dd" hash=md5,sha1,sha256 \
		hashlog="$out/dcfldd.log" bs=1M
}
# ewfacquire wants absolute paths (libsmraw: "missing basename"); 64
# sectors a chunk and 1500 MiB segments are custody's (libewf's) defaults.
ewfacquire_run() {
	timed ewfacquire -u -q -f encase6 -b 64 -S 1572864000 -d sha1 \
		-c "$1" -l "$out/ewf.log" -t "$out/image" "$src" </dev/null
}
job_ewf_none() { ewfacquire_run none; }
job_ewf_fast() { ewfacquire_run fast; }

label() {
	case $1 in
	ci_blocks) echo "custody raw, verify blocks" ;;
	dc3dd_hof) echo "dc3dd hof= (re-reads image)" ;;
	ci_none) echo "custody raw, --verify none" ;;
	dc3dd_of) echo "dc3dd of=" ;;
	dcfldd) echo "dcfldd bs=1M" ;;
	ci_sha256) echo "custody raw sha256, verify none" ;;
	dc3dd_sha256) echo "dc3dd of= hash=sha256" ;;
	ci_ewf_none) echo "custody E01 -c none, v. none" ;;
	ewf_none) echo "ewfacquire -c none" ;;
	ci_ewf_fast) echo "custody E01 -c fast, v. none" ;;
	ewf_fast) echo "ewfacquire -c fast" ;;
	dd_copy) echo "dd bs=1M (copy, no digest)" ;;
	esac
}

# The digests each job computes, checked against coreutils.
algs_of() {
	case $1 in
	ci_sha256 | dc3dd_sha256) echo sha256 ;;
	ci_ewf_* | ewf_*) echo md5 sha1 ;;
	dd_copy) ;;
	*) echo md5 sha1 sha256 ;;
	esac
}

# sums_JOB-kind: print "alg hex" lines of what the last run computed
sums_custody() {
	set -- "$case"/acquisitions/E001-A*
	[ "$#" -eq 1 ] && [ -f "$1/acquisition.json" ] || return 0
	# "hashes": { "md5": "...", ... } of the record, pretty-printed
	awk '/"hashes"[ \t]*:[ \t]*\{/ { h = 1; next }
		h && /\}/ { exit }
		h { gsub(/[",:]/, " "); print $1, $2 }' "$1/acquisition.json"
}
sums_dc3dd() {
	# "input results": "   <hex> (md5)"; hof= adds "   [ok] <hex> (md5)"
	awk '/^input results/ { s = "in" } /^output results/ { s = "out" }
		$NF ~ /^\((md5|sha1|sha256)\)$/ {
			alg = substr($NF, 2, length($NF) - 2)
			if (s == "in" && NF == 2) print alg, $1
			if (s == "out") print alg "-check", $1
		}' "$out/dc3dd.log"
}
sums_dcfldd() {
	awk '$1 == "Total" { alg = $2; gsub(/[():]/, "", alg); print alg, $3 }' \
		"$out/dcfldd.log"
}
sums_ewf() {
	awk -F'\t' '/^MD5 hash calculated over data:/ { print "md5", $NF }
		/^SHA1 hash calculated over data:/ { print "sha1", $NF }' \
		"$out/ewf.log"
}

mismatch() {
	echo "$*" >>"$dir/mismatches"
}

# check JOB: compare the last run's digests and image with the source's
check() {
	case $1 in
	ci_*) sums_custody ;;
	dc3dd_*) sums_dc3dd ;;
	dcfldd) sums_dcfldd ;;
	ewf_*) sums_ewf ;;
	dd_copy) ;;
	esac >"$dir/sums"
	for alg in $(algs_of "$1"); do
		want=$(awk -v a="$alg" '$1 == a { print $2 }' "$dir/ref")
		got=$(awk -v a="$alg" '$1 == a { print $2; exit }' "$dir/sums")
		[ "$got" = "$want" ] ||
			mismatch "DIGEST MISMATCH: $(label "$1"): $alg '$got', ${alg}sum '$want'"
		if [ "$1" = dc3dd_hof ]; then
			ok=$(awk -v a="$alg-check" '$1 == a { print $2; exit }' \
				"$dir/sums")
			[ "$ok" = "[ok]" ] ||
				mismatch "IMAGE NOT VERIFIED: $(label "$1"): $alg of the image read back: '$ok'"
		fi
	done
	img=
	case $1 in
	ci_blocks | ci_none | ci_sha256)
		set -- "$1" "$case"/acquisitions/E001-A*/image.raw
		img=$2
		;;
	dc3dd_* | dcfldd | dd_copy) img=$out/image.dd ;;
	ci_ewf_*)
		set -- "$1" "$case"/acquisitions/E001-A*/image.E01
		[ -f "$2" ] || mismatch "NO IMAGE: $(label "$1"): no image.E01"
		;;
	ewf_*)
		[ -f "$out/image.E01" ] ||
			mismatch "NO IMAGE: $(label "$1"): no image.E01"
		;;
	esac
	if [ -n "$img" ] && ! cmp -s "$src" "$img"; then
		mismatch "IMAGE DIFFERS: $(label "$1"): '$img' is not the source"
	fi
}

# run JOB: one timed run, checked, its time and peak RSS added to times
run() {
	tidy
	t0=$(now)
	"job_$1" || die "$(label "$1") failed: $(tail -n 3 "$out/stderr")"
	t1=$(now)
	check "$1"
	rss=$(tail -n 1 "$dir/rss")
	# custody's record times the reading alone ("throughput"); what is
	# left is closing the image, hashing its files and reading it back
	acq=-
	case $1 in
	ci_*)
		acq=$(cat "$case"/acquisitions/E001-A*/acquisition.json |
			awk '/"throughput"/ { t = 1 }
			t && /"milliseconds"/ { gsub(/[^0-9]/, ""); print; exit }')
		;;
	esac
	echo "$1 $t0 $t1 $rss ${acq:--}" >>"$dir/times"
}

echo "$prog: writing $size_mb MiB of pseudo-random data to $src" >&2
# AES-CTR of zeros under a fixed key: incompressible and the same every run.
openssl enc -aes-128-ctr -nosalt \
	-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	-in /dev/zero 2>/dev/null | head -c "$bytes" >"$src"
have=$(wc -c <"$src")
[ "$have" -eq "$bytes" ] || die "wrote $have bytes of $bytes"

echo "$prog: md5sum, sha1sum, sha256sum of the source" >&2
for alg in md5 sha1 sha256; do
	echo "$alg $("${alg}sum" <"$src" | awk '{ print $1 }')"
done >"$dir/ref"

# openssl_limit ALG: kB/s (1000 bytes) of ALG on 16384-byte blocks; the
# last line reads "md5  635032.31k"
openssl_limit() {
	echo "$prog: openssl speed -evp $1 -bytes 16384 -seconds 3" >&2
	v=$(openssl speed -evp "$1" -bytes 16384 -seconds 3 2>/dev/null |
		awk -v a="$1" '$1 == a { v = $NF; sub(/k$/, "", v); print v }')
	case $v in
	'' | *[!0-9.]*) return 1 ;;
	esac
	echo "$v"
}
limit_md5=$(openssl_limit md5) || die "cannot read the md5 speed of openssl"
limit_sha1=$(openssl_limit sha1) || die "cannot read the sha1 speed of openssl"
limit_sha256=$(openssl_limit sha256) ||
	die "cannot read the sha256 speed of openssl"

"$casetool" init "$case" --number B --title bench --examiner bench \
	>/dev/null || die "cannot create the case"
"$casetool" add-item --case "$case" --item E001 >/dev/null ||
	die "cannot add item E001"

jobs="ci_blocks dc3dd_hof ci_none dc3dd_of dcfldd ci_sha256 dc3dd_sha256
ci_ewf_none ewf_none ci_ewf_fast ewf_fast dd_copy"
round=1
while [ "$round" -le "$runs" ]; do
	for job in $jobs; do
		echo "$prog: round $round of $runs: $(label "$job")" >&2
		run "$job"
	done
	round=$((round + 1))
done
tidy
read -r load_after _ </proc/loadavg || load_after=unknown

if [ -s "$dir/mismatches" ]; then
	sed "s/^/$prog: /" "$dir/mismatches" >&2
	exit 1
fi

# Peak memory: a source far larger than any buffer, so that whatever grows
# with the stream shows.  The sparse file costs no room; the image does.
sparse_rss=
sparse_t=
sparse_where=
if [ "$sparse_gb" -gt 0 ]; then
	rm -f "$src" # the 2 GiB are no longer needed; give tmpfs the room
	sparse_kb=$((sparse_gb * 1024 * 1024 + 65536))
	# tmpfs only with 4 GiB of memory to spare for everything else
	if [ "$(free_kb "$shm")" -ge "$sparse_kb" ] &&
		[ "$(mem_kb)" -ge $((sparse_kb + 4194304)) ]; then
		sparse_case=$case
		sparse_where=$shm
	else
		disk=$(mktemp -d "${TMPDIR:-/tmp}/custody-bench-sparse.XXXXXX")
		have_kb=$(free_kb "$disk")
		[ "$have_kb" -ge "$sparse_kb" ] ||
			die "'$disk' has $((have_kb / 1024)) MiB free, the $sparse_gb GiB image needs $((sparse_kb / 1024)) MiB (BENCH_SPARSE_GB=0 skips it)"
		if [ "$(stat -f -c %T "$disk")" = tmpfs ] &&
			[ "$(mem_kb)" -lt $((sparse_kb + 4194304)) ]; then
			die "'$disk' is tmpfs without memory for a $sparse_gb GiB image (BENCH_SPARSE_GB=0 skips it)"
		fi
		sparse_case=$disk/case
		sparse_where=$disk
		"$casetool" init "$sparse_case" --number B --title bench \
			--examiner bench >/dev/null || die "cannot create the case"
		"$casetool" add-item --case "$sparse_case" --item E001 \
			>/dev/null || die "cannot add item E001"
	fi
	sparse=$dir/sparse
	truncate -s "${sparse_gb}G" "$sparse"
	echo "$prog: peak memory: custody-image --hash sha256 --verify none of a $sparse_gb GiB sparse file into $sparse_where" >&2
	t0=$(now)
	"$gnutime" -v -o "$dir/time-v" "$image" --case "$sparse_case" \
		--item E001 --quiet --hash sha256 --verify none "$sparse" \
		>/dev/null 2>"$dir/sparse.err" ||
		die "custody-image of the sparse file failed: $(tail -n 3 "$dir/sparse.err")"
	t1=$(now)
	sparse_t=$(awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f", t1 - t0 }')
	sparse_rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' \
		"$dir/time-v")
	case $sparse_rss in
	'' | *[!0-9]*) die "cannot read the peak memory of custody-image" ;;
	esac
	set -- "$sparse_case"/acquisitions/E001-A*
	got=$(
		awk '/"hashes"[ \t]*:[ \t]*\{/ { h = 1; next } h && /\}/ { exit }
			h { gsub(/[",:]/, " "); if ($1 == "sha256") print $2 }' \
			"$1/acquisition.json"
	)
	want=$(sha256sum <"$sparse" | awk '{ print $1 }')
	[ "$got" = "$want" ] ||
		die "DIGEST MISMATCH: custody sparse sha256 '$got', sha256sum '$want'"
	chmod -R u+w "$1" 2>/dev/null || :
	rm -rf "$1"
fi

awk -v bytes="$bytes" -v size_mb="$size_mb" -v runs="$runs" \
	-v load_before="$load_before" -v load_after="$load_after" \
	-v cores="$cores" -v l_md5="$limit_md5" -v l_sha1="$limit_sha1" \
	-v l_sha256="$limit_sha256" -v sparse_gb="$sparse_gb" \
	-v sparse_rss="$sparse_rss" -v sparse_t="$sparse_t" \
	-v sparse_where="$sparse_where" '
function rate(t) { return t > 0 ? bytes / t / 1e6 : 0 }
function row(job, name) {
	printf "  %-36s %8.3f %8.1f %8.3f %7.1f %8s\n", name, best[job],
		rate(best[job]), worst[job], rss[job] / 1024,
		(acq[job] == "-" ? "-" : sprintf("%.3f", acq[job] / 1000))
}
# The fastest any tool could be on this machine: the CPU seconds that
# cannot be avoided (each digest once at the openssl limit, the SHA-256
# block hashes once more, one copy into tmpfs as dd pays it) spread over
# every core, and never less than the slowest digest on one core.
function floor_of(serial, hashing,   t) {
	t = (hashing + best["dd_copy"]) / cores
	return t > serial ? t : serial
}
function floor_row(what, floor, fast, slow, slow_name,   p) {
	p = best[fast] > 0 ? 100 * floor / best[fast] : 0
	printf "%-44s %6.2f s: custody at %.0f%% of it, %s at most %.2fx\n",
		what, floor, p, slow_name, (floor > 0 ? best[slow] / floor : 0)
}
function floors(   mb, f3, f1) {
	if (cores + 0 < 1 || l_md5 <= 0 || l_sha1 <= 0 || l_sha256 <= 0)
		return
	mb = bytes / 1000
	f3 = floor_of(mb / l_md5, mb / l_md5 + mb / l_sha1 + 2 * mb / l_sha256)
	f1 = floor_of(mb / l_sha256, 2 * mb / l_sha256)
	print "\nfloor: digests at the openssl limits, block hashes, one dd copy, " cores " cores"
	floor_row("raw 3 digests, --verify none", f3, "ci_none", "dc3dd_of",
		"dc3dd of=")
	printf "%-44s %6.1f%% of openssl md5\n", "  the floor itself runs at",
		100 * rate(f3) / (l_md5 / 1000)
	floor_row("raw sha256, --verify none", f1, "ci_sha256", "dc3dd_sha256",
		"dc3dd sha256")
}
function ratio(what, slow, fast, target,   r) {
	r = best[fast] > 0 ? best[slow] / best[fast] : 0
	if (target == "")
		printf "%-44s %6.2fx\n", what, r
	else
		printf "%-44s %6.2fx  (target >= %sx)%s\n", what, r, target,
			(r >= target ? "" : "  BELOW TARGET")
}
FILENAME == ARGV[1] {
	t = $3 - $2
	if (!($1 in best) || t < best[$1]) {
		best[$1] = t
		acq[$1] = $5
	}
	if (!($1 in worst) || t > worst[$1]) worst[$1] = t
	if ($4 + 0 > rss[$1]) rss[$1] = $4
	next
}
END {
	printf "\nacquisition of %d MiB from tmpfs to tmpfs, best of %d rounds\n",
		size_mb, runs
	printf "(MB = 10^6 bytes; %s cores; load average %s before the runs, %s after)\n",
		cores, load_before, load_after
	print "(slowest: the worst round; RSS: peak resident memory; read s: the"
	print "reading phase of custody'"'"'s best round, from its record: the rest is"
	print "closing the image, hashing its files and reading it back)\n"
	printf "  %-36s %8s %8s %8s %7s %8s\n", "tool", "seconds", "MB/s",
		"slowest", "RSS MiB", "read s"
	print "raw image, md5+sha1+sha256, image read back and checked"
	row("ci_blocks", "custody-image (--verify blocks)")
	row("dc3dd_hof", "dc3dd hof=")
	print "raw image, md5+sha1+sha256, no read-back"
	row("ci_none", "custody-image --verify none")
	row("dc3dd_of", "dc3dd of=")
	row("dcfldd", "dcfldd bs=1M")
	print "raw image, sha256 only, no read-back"
	row("ci_sha256", "custody-image --verify none")
	row("dc3dd_sha256", "dc3dd of=")
	print "E01 (encase6), md5+sha1, no read-back"
	row("ci_ewf_none", "custody-image -c none")
	row("ewf_none", "ewfacquire -c none")
	row("ci_ewf_fast", "custody-image -c fast")
	row("ewf_fast", "ewfacquire -c fast")
	print "limits: openssl speed -evp, 16384-byte blocks, one core"
	printf "  %-36s %8s %8.1f\n", "md5", "-", l_md5 / 1000
	printf "  %-36s %8s %8.1f\n", "sha1", "-", l_sha1 / 1000
	printf "  %-36s %8s %8.1f\n", "sha256", "-", l_sha256 / 1000
	row("dd_copy", "dd bs=1M (copy only, no digest)")
	if (sparse_gb > 0)
		printf "peak memory: %d GiB sparse source, sha256, --verify none, image in %s\n  %-36s %8.3f %8.1f %8s %7.1f\n",
			sparse_gb, sparse_where, "custody-image", sparse_t,
			sparse_gb * 1073741824 / sparse_t / 1e6, "-", sparse_rss / 1024
	printf "\n"
	ratio("raw 3 digests + read-back vs dc3dd hof=", "dc3dd_hof",
		"ci_blocks", 3.5)
	ratio("raw 3 digests, --verify none vs dc3dd of=", "dc3dd_of",
		"ci_none", 3.5)
	ratio("raw 3 digests, --verify none vs dcfldd", "dcfldd", "ci_none", "")
	ratio("raw sha256, --verify none vs dc3dd", "dc3dd_sha256",
		"ci_sha256", 5)
	ratio("E01 -c none vs ewfacquire", "ewf_none", "ci_ewf_none", "")
	ratio("E01 -c fast vs ewfacquire", "ewf_fast", "ci_ewf_fast", 2)
	p = l_md5 > 0 ? 100 * rate(best["ci_none"]) / (l_md5 / 1000) : 0
	printf "%-44s %6.1f%%  (target >= 85%%)%s\n",
		"--verify none, 3 digests / openssl md5", p,
		(p >= 85 ? "" : "  BELOW TARGET")
	floors()
	if (sparse_gb > 0) {
		m = sparse_rss / 1024
		printf "%-44s %6.1f MiB  (target <= 64 MiB)%s\n",
			"peak memory, " sparse_gb " GiB sparse source", m,
			(m <= 64 ? "" : "  ABOVE TARGET")
	} else
		printf "%-44s skipped (BENCH_SPARSE_GB=0)\n", "peak memory"
}' "$dir/times"
echo "digests: custody, dc3dd, dcfldd and ewfacquire agree with coreutils; raw images equal the source"
