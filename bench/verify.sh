#!/bin/sh
# verify.sh - time custody-verify re-checking a case against stock tools.
#
#     sh bench/verify.sh BUILD_DIR
#
# Makes two cases in tmpfs (/dev/shm) from one file of pseudo-random data
# (BENCH_SIZE_MB, default 2048): one holding a raw acquisition (custody-image
# default --hash md5,sha256), one holding the same data as E01 (--format ewf
# --compression none).  custody-verify checks a whole case and cannot be
# limited to one unit, hence one case per format.  Side by side:
#
#   raw   custody-verify     sha256sum -c SHA256SUMS; md5sum image.raw
#                            hashdeep audit of the unit (docs/case-folder.md)
#   E01   custody-verify     ewfverify image.E01 (the anchor)
#                            hashdeep audit of the unit
#
# and dd of the raw image to /dev/null: what reading it costs one core,
# for the floor.  Runs go in rounds, each tool once per round, BENCH_RUNS
# rounds (default 3), and each tool's best time is kept.  `openssl speed`
# gives the limits: MD5 cannot be split across cores, so no tool checking
# an MD5 beats one core of it.  Last, one byte of the raw image is changed
# and every raw checker must notice it.
#
# Every tool's verdict is checked (custody-verify says verified, every
# sha256sum line OK, md5sum and ewfverify's MD5 equal to md5sum of the
# source, hashdeep's audit passed).  Exits non-zero on a wrong verdict, a
# failing tool, too little room or a missing tool, never on speed.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/verify.sh BUILD_DIR"
verify=$build/bin/custody-verify
image=$build/bin/custody-image
casetool=$build/bin/custody-case
for f in "$verify" "$image" "$casetool"; do
	[ -x "$f" ] || die "missing '$f' (make all)"
done
for tool in openssl hashdeep ewfverify md5sum sha256sum find xargs dd \
	head awk grep date mktemp df wc chmod; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'"
done
gnutime=/usr/bin/time
"$gnutime" -f %e true >/dev/null 2>&1 || die "missing tool '$gnutime' (GNU time)"

size_mb=${BENCH_SIZE_MB:-2048}
case $size_mb in
'' | *[!0-9]* | 0) die "BENCH_SIZE_MB must be a whole number of MiB" ;;
esac
runs=${BENCH_RUNS:-3}
case $runs in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number" ;;
esac
bytes=$((size_mb * 1024 * 1024))
shm=/dev/shm
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')
# Shown with the results: other work on the machine skews every timing.
read -r load_before _ </proc/loadavg || load_before=unknown

free_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
mem_kb() {
	awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo
}

# The source and both images while the cases are made, plus records.
need_kb=$((3 * size_mb * 1024 + size_mb * 1024 / 50 + 65536))
[ -d "$shm" ] || die "no '$shm': the cases are kept in tmpfs"
have_kb=$(free_kb "$shm")
[ "$have_kb" -ge "$need_kb" ] ||
	die "'$shm' has $((have_kb / 1024)) MiB free, needs $((need_kb / 1024)) MiB (set BENCH_SIZE_MB lower)"
have_kb=$(mem_kb)
[ "$have_kb" -ge "$need_kb" ] ||
	die "$((have_kb / 1024)) MiB of memory available, '$shm' needs $((need_kb / 1024)) MiB (set BENCH_SIZE_MB lower)"

dir=
cleanup() {
	[ -n "$dir" ] || return 0
	chmod -R u+w "$dir" 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$(mktemp -d "$shm/custody-bench.XXXXXX")
src=$dir/source
out=$dir/out # each run's output, emptied before every run
raw_case=$dir/case-raw
ewf_case=$dir/case-ewf
: >"$dir/times"
: >"$dir/mismatches"

now() {
	date +%s.%N
}

mismatch() {
	echo "$*" >>"$dir/mismatches"
}

# timed CMD...: run CMD under GNU time (CPU seconds, peak RSS), output into
# $out; CMD's exit status is kept in $out/status, not acted on here
timed() {
	set +e
	"$gnutime" -f '%U %S %M' -o "$out/time" "$@" >"$out/stdout" \
		2>"$out/stderr"
	echo $? >"$out/status"
	set -e
}

# The one unit of each case, found once the cases are made.
raw_unit=
ewf_unit=

job_cv_raw() { timed "$verify" --case "$raw_case" --quiet; }
job_cv_ewf() { timed "$verify" --case "$ewf_case" --quiet; }
# What a user types in the unit, one after the other: the manifest check,
# then the MD5 that SHA256SUMS does not hold.
# shellcheck disable=SC2016 # $1 is the inner shell's: the unit
job_sums_raw() {
	timed sh -c 'cd "$1" && sha256sum -c SHA256SUMS && md5sum image.raw' \
		sh "$raw_unit"
}
# The audit exactly as docs/case-folder.md gives it.
# shellcheck disable=SC2016 # $1 is the inner shell's: the unit
deep_audit() {
	timed sh -c 'cd "$1" &&
		find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS \
			! -path ./SHA256SUMS.p7s ! -path ./SHA256SUMS.p7s.tsr \
			-print0 | xargs -0 hashdeep -a -k manifest.hashdeep -l' \
		sh "$1"
}
job_deep_raw() { deep_audit "$raw_unit"; }
job_deep_ewf() { deep_audit "$ewf_unit"; }
job_ewfverify() { timed ewfverify -q "$ewf_unit/image.E01" </dev/null; }
# No digest at all: reading the image into 4 MiB buffers (the engine's
# size) costs one core this much, the part of every check not hashing.
job_dd_read() {
	timed dd if="$raw_unit/image.raw" of=/dev/null bs=4M
}

label() {
	case $1 in
	cv_raw) echo "custody-verify, raw case" ;;
	sums_raw) echo "sha256sum -c; md5sum image.raw" ;;
	deep_raw) echo "hashdeep audit, raw unit" ;;
	dd_read) echo "dd bs=4M of=/dev/null (read only)" ;;
	cv_ewf) echo "custody-verify, E01 case" ;;
	ewfverify) echo "ewfverify image.E01" ;;
	deep_ewf) echo "hashdeep audit, E01 unit" ;;
	esac
}

ref() {
	awk -v a="$1" '$1 == a { print $2 }' "$dir/ref"
}

# check JOB: is the last run's verdict the right one (everything intact)?
check() {
	status=$(cat "$out/status")
	if [ "$status" -ne 0 ]; then
		mismatch "FAILED: $(label "$1") exited $status: $(tail -n 3 "$out/stderr")"
		return 0
	fi
	case $1 in
	cv_*)
		grep -q '^verified: .* 1 sealed units; 0 failed' "$out/stdout" ||
			mismatch "WRONG VERDICT: $(label "$1"): $(tail -n 1 "$out/stdout")"
		;;
	sums_raw)
		# one "path: OK" line per file listed, then md5sum's line
		listed=$(wc -l <"$raw_unit/SHA256SUMS")
		oks=$(grep -c ': OK$' "$out/stdout" || :)
		[ "$oks" -eq "$listed" ] ||
			mismatch "WRONG VERDICT: $(label "$1"): $oks of $listed files OK"
		got=$(awk '$2 == "image.raw" { print $1 }' "$out/stdout")
		[ "$got" = "$(ref md5)" ] ||
			mismatch "DIGEST MISMATCH: md5sum image.raw '$got', source '$(ref md5)'"
		;;
	deep_*)
		grep -q '^hashdeep: Audit passed' "$out/stdout" ||
			mismatch "WRONG VERDICT: $(label "$1"): $(tail -n 1 "$out/stdout")"
		;;
	ewfverify)
		grep -q '^ewfverify: SUCCESS' "$out/stdout" ||
			mismatch "WRONG VERDICT: $(label "$1"): $(tail -n 1 "$out/stdout")"
		got=$(awk -F'\t' '/^MD5 hash calculated over data:/ { print $NF }' \
			"$out/stdout")
		[ "$got" = "$(ref md5)" ] ||
			mismatch "DIGEST MISMATCH: ewfverify MD5 '$got', source '$(ref md5)'"
		;;
	dd_read) ;;
	esac
}

# run JOB: one timed run, checked, added to times as
# "JOB t0 t1 user sys rss"
run() {
	rm -rf "$out"
	mkdir "$out"
	t0=$(now)
	"job_$1"
	t1=$(now)
	check "$1"
	echo "$1 $t0 $t1 $(tail -n 1 "$out/time")" >>"$dir/times"
}

echo "$prog: writing $size_mb MiB of pseudo-random data to $src" >&2
# AES-CTR of zeros under a fixed key: incompressible and the same every run.
openssl enc -aes-128-ctr -nosalt \
	-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	-in /dev/zero 2>/dev/null | head -c "$bytes" >"$src"
have=$(wc -c <"$src")
[ "$have" -eq "$bytes" ] || die "wrote $have bytes of $bytes"

echo "$prog: md5sum, sha256sum of the source" >&2
for alg in md5 sha256; do
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
limit_sha256=$(openssl_limit sha256) ||
	die "cannot read the sha256 speed of openssl"

# make_case DIR IMAGE-OPTION...: a case, item E001, one acquisition of
# the source.  --verify none: reading the image back is not what is timed.
make_case() {
	c=$1
	shift
	"$casetool" init "$c" --number B --title bench --examiner bench \
		>/dev/null || die "cannot create the case '$c'"
	"$casetool" add-item --case "$c" --item E001 >/dev/null ||
		die "cannot add item E001 to '$c'"
	echo "$prog: custody-image $* into $c" >&2
	"$image" --case "$c" --item E001 --quiet --verify none "$@" "$src" \
		>/dev/null 2>"$dir/image.err" ||
		die "custody-image $* failed: $(tail -n 3 "$dir/image.err")"
}
# the_unit CASE: the case's one acquisition
the_unit() {
	set -- "$1"/acquisitions/E001-A*
	if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
		die "no single acquisition in '$1'"
	fi
	echo "$1"
}
# record_sums UNIT: "alg hex" lines of the record's stream digests
record_sums() {
	awk '/"hashes"[ \t]*:[ \t]*\{/ { h = 1; next }
		h && /\}/ { exit }
		h { gsub(/[",:]/, " "); print $1, $2 }' "$1/acquisition.json"
}

make_case "$raw_case" --hash md5,sha256
make_case "$ewf_case" --hash md5,sha256 --format ewf --compression none
raw_unit=$(the_unit "$raw_case")
ewf_unit=$(the_unit "$ewf_case")
[ -f "$raw_unit/image.raw" ] || die "no image.raw in '$raw_unit'"
[ -f "$ewf_unit/image.E01" ] || die "no image.E01 in '$ewf_unit'"
for u in "$raw_unit" "$ewf_unit"; do
	for alg in md5 sha256; do
		got=$(record_sums "$u" | awk -v a="$alg" '$1 == a { print $2 }')
		[ "$got" = "$(ref "$alg")" ] ||
			die "DIGEST MISMATCH: '$u' records $alg '$got', ${alg}sum '$(ref "$alg")'"
	done
done
rm -f "$src" # both images hold it now; give tmpfs the room back
# The E01 segment files' bytes: custody hashes them for the manifests.
ewf_bytes=0
for f in "$ewf_unit"/image.E*; do
	ewf_bytes=$((ewf_bytes + $(wc -c <"$f")))
done

jobs="cv_raw sums_raw deep_raw dd_read cv_ewf ewfverify deep_ewf"
round=1
while [ "$round" -le "$runs" ]; do
	for job in $jobs; do
		echo "$prog: round $round of $runs: $(label "$job")" >&2
		run "$job"
	done
	round=$((round + 1))
done
read -r load_after _ </proc/loadavg || load_after=unknown

# A checker that cannot fail proves nothing: change one byte in the middle
# of the raw image and every raw checker must now say so.
echo "$prog: one byte of image.raw changed: every raw checker must fail" >&2
img=$raw_unit/image.raw
chmod u+w "$raw_unit" "$img"
at=$((bytes / 2 + 12345))
dd if="$img" of="$dir/byte" bs=1 skip="$at" count=1 2>/dev/null
if printf '\377' | cmp -s - "$dir/byte"; then
	printf '\000'
else
	printf '\377'
fi | dd of="$img" bs=1 seek="$at" conv=notrunc 2>/dev/null
for job in cv_raw sums_raw deep_raw; do
	rm -rf "$out"
	mkdir "$out"
	"job_$job"
	if [ "$(cat "$out/status")" -eq 0 ]; then
		mismatch "DAMAGE MISSED: $(label "$job") passed a changed image"
	elif [ "$job" = cv_raw ] &&
		! grep -q 'is damaged' "$out/stdout"; then
		mismatch "DAMAGE NOT NAMED: $(label "$job"): $(head -n 1 "$out/stdout")"
	fi
done

if [ -s "$dir/mismatches" ]; then
	sed "s/^/$prog: /" "$dir/mismatches" >&2
	exit 1
fi

awk -v bytes="$bytes" -v size_mb="$size_mb" -v runs="$runs" \
	-v load_before="$load_before" -v load_after="$load_after" \
	-v cores="$cores" -v l_md5="$limit_md5" -v l_sha256="$limit_sha256" \
	-v ewf_bytes="$ewf_bytes" '
function rate(t) { return t > 0 ? bytes / t / 1e6 : 0 }
function row(job, name) {
	printf "  %-36s %8.3f %8.1f %8.3f %7.2f %7.1f\n", name, best[job],
		rate(best[job]), worst[job], cpu[job], rss[job] / 1024
}
# The fastest any tool could do the same work on this machine: the CPU
# seconds that cannot be avoided spread over every core, and never less
# than the longest of them that must run on one core.
function floor_of(serial, work) {
	return work / cores > serial ? work / cores : serial
}
function floor_row(what, floor, work, job) {
	printf "%-46s %6.2f s (%.2f CPU s): custody at %.0f%% of it\n",
		what, floor, work, (best[job] > 0 ? 100 * floor / best[job] : 0)
}
function floors(   mb, emb, work, decode) {
	if (cores + 0 < 1 || l_md5 <= 0 || l_sha256 <= 0)
		return
	mb = bytes / 1000
	emb = ewf_bytes / 1000
	print "\nfloor: digests at the openssl limits, reads as dd pays them, " cores " cores"
	# raw: MD5 and SHA-256 of the stream, the SHA-256 block hashes, one
	# read; the image is the stream, so nothing more
	work = mb / l_md5 + 2 * mb / l_sha256 + cpu["dd_read"]
	floor_row("raw case (one pass)", floor_of(mb / l_md5, work), work,
		"cv_raw")
	printf "%-46s %6.1f%% of openssl md5\n", "  the floor itself runs at",
		100 * rate(floor_of(mb / l_md5, work)) / (l_md5 / 1000)
	# E01: the stream decoded (what ewfverify spends beyond its MD5) and
	# digested as above, and the segment files hashed, MD5 and SHA-256,
	# for the manifests: two MD5s, which may run on two cores at once
	decode = cpu["ewfverify"] - mb / l_md5
	if (decode < 0)
		decode = 0
	work = mb / l_md5 + 2 * mb / l_sha256 + decode + emb / l_md5 + \
		emb / l_sha256 + cpu["dd_read"] * ewf_bytes / bytes
	floor_row("E01 case (stream, then segment files)",
		floor_of(emb / l_md5, work), work, "cv_ewf")
}
function ratio(what, slow, fast,   r) {
	r = fast > 0 ? slow / fast : 0
	printf "%-46s %6.2fx\n", what, r
}
FILENAME == ARGV[1] {
	t = $3 - $2
	if (!($1 in best) || t < best[$1]) {
		best[$1] = t
		cpu[$1] = $4 + $5 # CPU seconds of the best round
	}
	if (!($1 in worst) || t > worst[$1]) worst[$1] = t
	if ($6 + 0 > rss[$1]) rss[$1] = $6
	next
}
END {
	printf "\nverifying a case, %d MiB image, tmpfs, best of %d rounds\n",
		size_mb, runs
	printf "(MB = 10^6 bytes; %s cores; load average %s before the runs, %s after)\n",
		cores, load_before, load_after
	print "(slowest: the worst round; CPU s: user+system of the best round;"
	print "RSS: peak resident memory)\n"
	printf "  %-36s %8s %8s %8s %7s %7s\n", "tool", "seconds", "MB/s",
		"slowest", "CPU s", "RSS MiB"
	print "raw acquisition (md5,sha256 + block hashes)"
	row("cv_raw", "custody-verify --quiet (whole case)")
	row("sums_raw", "sha256sum -c SHA256SUMS; md5sum")
	row("deep_raw", "hashdeep -a -k manifest.hashdeep")
	row("dd_read", "dd bs=4M of=/dev/null (read only)")
	print "E01 acquisition, no compression (md5,sha256 + block hashes)"
	row("cv_ewf", "custody-verify --quiet (whole case)")
	row("ewfverify", "ewfverify image.E01 (md5)")
	row("deep_ewf", "hashdeep -a -k manifest.hashdeep")
	printf "  %-36s %8.3f %8.1f\n", "ewfverify + hashdeep (stock total)",
		best["ewfverify"] + best["deep_ewf"],
		rate(best["ewfverify"] + best["deep_ewf"])
	print "limits: openssl speed -evp, 16384-byte blocks, one core"
	printf "  %-36s %8s %8.1f\n", "md5", "-", l_md5 / 1000
	printf "  %-36s %8s %8.1f\n", "sha256", "-", l_sha256 / 1000
	printf "\n"
	ratio("raw: sha256sum -c; md5sum vs custody-verify", best["sums_raw"],
		best["cv_raw"])
	ratio("raw: hashdeep audit vs custody-verify", best["deep_raw"],
		best["cv_raw"])
	ratio("E01: ewfverify vs custody-verify", best["ewfverify"],
		best["cv_ewf"])
	ratio("E01: ewfverify + hashdeep vs custody-verify",
		best["ewfverify"] + best["deep_ewf"], best["cv_ewf"])
	p = l_md5 > 0 ? 100 * rate(best["cv_raw"]) / (l_md5 / 1000) : 0
	printf "%-46s %6.1f%%  (target >= 85%%)%s\n",
		"raw case: custody-verify / openssl md5", p,
		(p >= 85 ? "" : "  BELOW TARGET")
	printf "%-46s %6.1f%%\n", "E01 case: custody-verify / openssl md5",
		(l_md5 > 0 ? 100 * rate(best["cv_ewf"]) / (l_md5 / 1000) : 0)
	floors()
}' "$dir/times"
echo "verdicts: every tool passed the intact cases, every raw checker failed the changed image; digests agree with md5sum and sha256sum of the source"
