#!/bin/sh
# hash.sh - time custody's digest engine against hashdeep and coreutils.
#
#     sh bench/hash.sh BUILD_DIR
#
# Hashes one file of pseudo-random data (BENCH_SIZE_MB, default 2048) with
# md5, sha1 and sha256 three ways, from a warm page cache: custody's engine
# (BUILD_DIR/bench/hashfile), hashdeep, and md5sum; sha1sum; sha256sum one
# after another.  Each is timed BENCH_RUNS times (default 3) and the best
# time kept, so that a busy neighbour on a shared machine skews less.
# `openssl speed` of md5 is the ceiling: md5 cannot be split across cores,
# so no tool computing it can beat one core of it.
#
# Exits non-zero on a digest mismatch or a missing tool, never on speed.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/hash.sh BUILD_DIR"
hashfile=$build/bench/hashfile
[ -x "$hashfile" ] || die "missing '$hashfile' (make $hashfile)"
for tool in openssl hashdeep md5sum sha1sum sha256sum head awk date mktemp; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'"
done
size_mb=${BENCH_SIZE_MB:-2048}
case $size_mb in
'' | *[!0-9]* | 0) die "BENCH_SIZE_MB must be a whole number of MiB" ;;
esac
runs=${BENCH_RUNS:-3}
case $runs in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number" ;;
esac
bytes=$((size_mb * 1024 * 1024))
# Shown with the results: other work on the machine skews every timing.
read -r load _ </proc/loadavg || load=unknown

dir=$(mktemp -d "${TMPDIR:-/tmp}/custody-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM
file=$dir/data

now() {
	date +%s.%N
}

# best_of CMD...: run CMD $runs times, print the shortest wall time
best_of() {
	best=
	i=0
	while [ "$i" -lt "$runs" ]; do
		t0=$(now)
		"$@" || return 1
		t1=$(now)
		best=$(awk -v t0="$t0" -v t1="$t1" -v best="$best" 'BEGIN {
			t = t1 - t0
			if (best != "" && best + 0 < t) t = best
			printf "%.3f", t
		}')
		i=$((i + 1))
	done
	echo "$best"
}

run_custody() {
	"$hashfile" --hash md5,sha1,sha256 "$file" \
		>"$dir/custody.out" 2>"$dir/custody.err"
}

run_hashdeep() {
	hashdeep -c md5,sha1,sha256 "$file" >"$dir/hashdeep.out"
}

run_coreutils() {
	md5sum "$file" >"$dir/md5sum.out" &&
		sha1sum "$file" >"$dir/sha1sum.out" &&
		sha256sum "$file" >"$dir/sha256sum.out"
}

echo "$prog: writing $size_mb MiB of pseudo-random data to $file" >&2
# AES-CTR of zeros under a fixed key: incompressible and the same every run.
openssl enc -aes-128-ctr -nosalt \
	-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	-in /dev/zero 2>/dev/null | head -c "$bytes" >"$file"
have=$(wc -c <"$file")
[ "$have" -eq "$bytes" ] || die "wrote $have bytes of $bytes"
# Flush first: writeback running under the timings would steal a core.
sync "$file" 2>/dev/null || sync
cat "$file" >/dev/null # warm the page cache once

echo "$prog: openssl speed -evp md5 -bytes 16384 -seconds 3" >&2
# The last line reads "md5  635032.31k": kB/s of 1000 bytes.
ceiling_kb=$(openssl speed -evp md5 -bytes 16384 -seconds 3 2>/dev/null |
	awk '$1 == "md5" { v = $NF; sub(/k$/, "", v); print v }')
case $ceiling_kb in
'' | *[!0-9.]*) die "cannot read the md5 speed of openssl" ;;
esac

echo "$prog: custody, best of $runs" >&2
t_custody=$(best_of run_custody) ||
	die "hashfile failed: $(cat "$dir/custody.err")"
echo "$prog: hashdeep, best of $runs" >&2
t_hashdeep=$(best_of run_hashdeep) || die "hashdeep failed"
echo "$prog: md5sum; sha1sum; sha256sum, best of $runs" >&2
t_coreutils=$(best_of run_coreutils) || die "coreutils failed"

# Every tool must agree with coreutils, or the timings mean nothing.
first_field() {
	awk '{ print $1; exit }' "$1"
}
custody_hex() {
	awk -v alg="$1" '$1 == alg { print $2 }' "$dir/custody.out"
}
hashdeep_line=$(awk -F, -v f="$file" '$NF == f { print; exit }' \
	"$dir/hashdeep.out")
status=0
n=2
for alg in md5 sha1 sha256; do
	want=$(first_field "$dir/${alg}sum.out")
	got=$(custody_hex "$alg")
	deep=$(echo "$hashdeep_line" | cut -d, -f"$n")
	n=$((n + 1))
	if [ "$got" != "$want" ]; then
		echo "$prog: DIGEST MISMATCH: custody $alg '$got', ${alg}sum '$want'" >&2
		status=1
	fi
	if [ "$deep" != "$want" ]; then
		echo "$prog: DIGEST MISMATCH: hashdeep $alg '$deep', ${alg}sum '$want'" >&2
		status=1
	fi
done
[ "$status" -eq 0 ] || exit 1

awk -v bytes="$bytes" -v size_mb="$size_mb" -v ceiling_kb="$ceiling_kb" \
	-v runs="$runs" -v load="$load" \
	-v tc="$t_custody" -v th="$t_hashdeep" -v tu="$t_coreutils" '
function rate(t) { return t > 0 ? bytes / t / 1e6 : 0 }
BEGIN {
	ceiling = ceiling_kb / 1000
	printf "\nmd5+sha1+sha256 of %d MiB from the page cache, best of %d runs\n",
		size_mb, runs
	printf "(MB = 10^6 bytes; load average %s before the runs)\n\n", load
	printf "%-34s %9s %9s\n", "tool", "seconds", "MB/s"
	printf "%-34s %9.3f %9.1f\n", "custody engine", tc, rate(tc)
	printf "%-34s %9.3f %9.1f\n", "hashdeep -c md5,sha1,sha256", th, rate(th)
	printf "%-34s %9.3f %9.1f\n", "md5sum; sha1sum; sha256sum", tu, rate(tu)
	printf "%-34s %9s %9.1f\n", "openssl speed md5 (ceiling)", "-", ceiling
	printf "\n"
	r = tc > 0 ? th / tc : 0
	printf "custody vs hashdeep:   %5.2fx  (target >= 3x)%s\n", r,
		(r >= 3 ? "" : "  BELOW TARGET")
	printf "custody vs coreutils:  %5.2fx\n", (tc > 0 ? tu / tc : 0)
	p = ceiling > 0 ? 100 * rate(tc) / ceiling : 0
	printf "custody / openssl md5: %5.1f%%  (target >= 85%%)%s\n", p,
		(p >= 85 ? "" : "  BELOW TARGET")
}'
echo "digests: custody, hashdeep and coreutils agree"
