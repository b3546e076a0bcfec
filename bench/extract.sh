#!/bin/sh
# extract.sh - time custody-extract against fiwalk on ext4 images of many
# small files.
#
#     sh bench/extract.sh BUILD_DIR [--memory]
#
# Builds, once, ext4 images (mke2fs -d) of BENCH_FILES small files (default
# 50000, about 563 MB of content, 100 B to 64 KiB, about 11 KB on average):
# a fixed mix of text (configs, PHP, HTML, mail, web logs), pseudo-random
# binary (openssl enc -aes-128-ctr under a fixed key), gzip and zip.  They
# are cached in BENCH_DIR (default /tmp/custody-bench) with the MD5, SHA-1
# and SHA-256 of every file, so every run is checked against them.  Then,
# page cache warm (each image is read once with cat; nothing is dropped),
# outputs in tmpfs, in rounds of every tool, BENCH_RUNS rounds (default 3),
# the best time of each kept:
#
#   BENCH_FILES image       fiwalk -X                 (MD5 + SHA-1, no types)
#                           custody-extract --hash md5,sha1 --no-types
#                               --no-targets          (the same work)
#                           the same with --jobs 1    (one core)
#                           custody-extract           (MD5 + SHA-256, types,
#                                                     targets: the inventory)
#                           the same, --extractors none (the extractors' cost)
#   BENCH_TYPED_FILES image fiwalk -f -X              (types through file(1))
#     (default 5000, the    custody-extract           (the inventory)
#     same mix: fiwalk -f
#     costs ms a file)
#
# Ratios are taken on the same image only; the typed ratio is not scaled to
# the larger image.  --memory also builds an image of BENCH_BIG_FILES
# (default 500000) smaller files (100 B to 4 KiB; building it takes
# minutes) and runs custody-extract (default, and --no-types --no-targets)
# and fiwalk -X on it once, for the peak memory at both sizes (GNU time,
# %M) and the distinct targets that custody holds.
#
# Exits non-zero when a digest disagrees with the reference, a file is
# missing from an inventory, a tool fails, refuses an option or is missing,
# or there is not enough room; never on speed: a missed target is printed
# as BELOW TARGET.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

usage="usage: sh bench/extract.sh BUILD_DIR [--memory]"
build=${1:-}
[ -n "$build" ] || die "$usage"
shift
memory=0
for a in "$@"; do
	case $a in
	--memory) memory=1 ;;
	*) die "$usage" ;;
	esac
done
extract=$build/bin/custody-extract
casetool=$build/bin/custody-case
for f in "$extract" "$casetool"; do
	[ -x "$f" ] || die "missing '$f' (make all)"
done
# tool:Debian package, for the message when one is missing
for tp in fiwalk:sleuthkit mke2fs:e2fsprogs openssl:openssl zip:zip \
	gzip:gzip file:file md5sum:coreutils sha1sum:coreutils \
	sha256sum:coreutils split:coreutils touch:coreutils du:coreutils \
	xargs:findutils find:findutils awk:mawk df:coreutils; do
	command -v "${tp%%:*}" >/dev/null 2>&1 ||
		die "missing tool '${tp%%:*}' (apt-get install ${tp#*:})"
done
gnutime=/usr/bin/time
"$gnutime" -f %M true >/dev/null 2>&1 ||
	die "missing '$gnutime', GNU time, for peak memory (apt-get install time)"

num() { # num NAME VALUE: VALUE must be a whole number, 1 at least
	case $2 in
	'' | *[!0-9]* | 0) die "$1 must be a whole number, 1 at least" ;;
	esac
}
files=${BENCH_FILES:-50000}
num BENCH_FILES "$files"
typed_files=${BENCH_TYPED_FILES:-5000}
num BENCH_TYPED_FILES "$typed_files"
[ "$typed_files" -le "$files" ] || typed_files=$files
big_files=${BENCH_BIG_FILES:-500000}
num BENCH_BIG_FILES "$big_files"
runs=${BENCH_RUNS:-3}
num BENCH_RUNS "$runs"
cache=${BENCH_DIR:-/tmp/custody-bench}
cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?')

free_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
now() {
	date +%s.%N
}

# The generator's version is in the image names: change what it writes and
# bump it, so that no image of an older mix is reused.
gen=v2
image_of() { # image_of FILES MAXSIZE
	echo "$cache/ext4-$gen-$1-$2.img"
}

# make_tree ROOT FILES MAXSIZE: write the files.  File i gets a size
# between 100 and MAXSIZE bytes, spread over a log scale by the golden
# ratio sequence and skewed to the larger sizes (from 100 B to 64 KiB,
# about 11 KB on average, before compression); its kind is i mod 20:
#   0-3 config, 4-6 PHP, 7-8 HTML, 9-10 mail, 11 web log, 12 web log
#   gzipped, 13 an HTML page zipped (even i / 20) or HTML (odd), 14-19
#   binary.
# Text is written by awk, without randomness; binary sizes are rounded to
# one of 64 classes so that split(1) cuts each class out of one AES-CTR
# stream; gzip -n and zip -X run on what awk leaves to them.  A smaller
# set has the same mix, its text files are the first of a larger one.
make_tree() {
	root=$1
	mkdir -p "$root"
	awk -v n="$2" -v hi="$3" -v root="$root" -v lists="$root.lists" '
	function word(k) { return w[k % nw + 1] }
	function prose(i, j,   s, k) {
		s = word(i * 7 + j * 3)
		for (k = 1; k < 9; k++)
			s = s " " word(i * 7 + j * 3 + k * 5)
		return s
	}
	function line(kind, i, j,   m, x) {
		x = (i * 31 + j * 17) % 9973
		m = j % 6
		if (kind == "conf") {
			if (j == 0) return "# configuration " i
			if (m == 0) return "[section" j "]"
			if (m == 1) return "server = cc" x ".example.net"
			if (m == 2) return "port = " (1024 + x)
			if (m == 3) return "admin = ops" x "@panel" (i % 53) ".example.com"
			if (m == 4) return "key = " sprintf("%08x%08x", i * 2654435 % 4294967291, x * 40503)
			return "; " prose(i, j)
		}
		if (kind == "php") {
			if (j == 0) return "<?php /* module " i " */"
			if (m == 0) return "$db_host = \"db" x ".example.org\";"
			if (m == 1) return "$mail[] = \"victim" x "@example.org\";"
			if (m == 2) return "function f" j "($a) { return $a + " x "; }"
			if (m == 3) return "$gate = \"http://gate" (i % 97) ".example.net/gate.php?id=" x "\";"
			return "// " prose(i, j)
		}
		if (kind == "html") {
			if (j == 0) return "<html><head><title>page " i "</title></head><body>"
			if (m == 0 || m == 3) return "<p>" prose(i, j) "</p>"
			if (m == 1) return "<a href=\"http://site" x ".example.com/p" j ".html\">link " j "</a>"
			if (m == 2) return "<img src=\"/img/" x ".png\" alt=\"" word(x) "\">"
			return "<div class=\"c" x "\">" prose(i, j) "</div>"
		}
		if (kind == "mail") {
			if (j == 0) return "From: user" i "@mail" (i % 89) ".example.com"
			if (j == 1) return "To: list" x "@example.org"
			if (j == 2) return "Subject: offer " i
			if (j == 3) return "Date: Wed, 16 Mar 2011 12:30:45 +0000"
			if (j == 4) return "Message-ID: <" i "." x "@example.com>"
			if (j == 5) return ""
			if (m == 0) return "write to sales" x "@shop" (x % 41) ".example.com"
			return prose(i, j)
		}
		# web log
		return "203.0.113." (x % 250) " - - [16/Mar/2011:12:" \
		    sprintf("%02d", j % 60) ":45 +0000] \"GET /gate.php?id=" \
		    (i * 1000 + j) " HTTP/1.1\" 200 " (x % 5000)
	}
	function emit(path, size, kind, i,   n, j, s) {
		n = 0
		for (j = 0; n < size; j++) {
			s = line(kind, i, j) "\n"
			if (n + length(s) > size)
				s = substr(s, 1, size - n)
			printf "%s", s > path
			n += length(s)
		}
		close(path)
	}
	BEGIN {
		nw = split("the server was seized at the hosting provider and " \
		    "imaged on site by the unit analysts read configuration " \
		    "files logs panel version of bot spam template recipient " \
		    "list controller update payload", w, " ")
		phi = 0.6180339887498949
		span = log(hi / 100)
		for (k = 0; k < 64; k++)
			cls[k] = int(100 * exp(((k + 0.5) / 64) ^ 0.8 * span) + 0.5)
		for (i = 0; i < n; i++) {
			u = i * phi - int(i * phi)
			size = int(100 * exp(u ^ 0.8 * span) + 0.5)
			d = sprintf("%s/t/d%03d", root, int(i / 500))
			if (i % 500 == 0)
				system("mkdir -p \"" d "\"")
			f = sprintf("%s/f%06d", d, i)
			s = i % 20
			if (s >= 14) {
				bins[int(u * 64)]++
			} else if (s <= 3) {
				emit(f ".conf", size, "conf", i)
			} else if (s <= 6) {
				emit(f ".php", size, "php", i)
			} else if (s <= 8) {
				emit(f ".html", size, "html", i)
			} else if (s <= 10) {
				emit(f ".eml", size, "mail", i)
			} else if (s == 11) {
				emit(f ".log", size, "log", i)
			} else if (s == 12) {
				emit(f ".log", size, "log", i)
				print f ".log" > (lists ".gz")
			} else if (int(i / 20) % 2 == 0) {
				emit(f ".html", size, "html", i)
				print f > (lists ".zip")
			} else {
				emit(f ".html", size, "html", i)
			}
		}
		for (k = 0; k < 64; k++)
			if (bins[k] > 0)
				print k, cls[k], bins[k] > (lists ".bin")
	}'
	stamp='2011-03-16 14:05:00 UTC'
	if [ -s "$root.lists.gz" ]; then
		xargs gzip -n <"$root.lists.gz"
	fi
	if [ -s "$root.lists.zip" ]; then
		while read -r f; do
			touch -d "$stamp" "$f.html"
			(cd "${f%/*}" && zip -q -X "${f##*/}.zip" "${f##*/}.html") &&
				rm "$f.html" || return 1
		done <"$root.lists.zip"
	fi
	if [ -s "$root.lists.bin" ]; then
		openssl enc -aes-128-ctr -nosalt \
			-K 000102030405060708090a0b0c0d0e0f \
			-iv 00000000000000000000000000000000 \
			-in /dev/zero 2>/dev/null | {
			while read -r k size count <&3; do
				mkdir -p "$root/bin/c$k"
				head -c $((size * count)) |
					split -a 6 -d -b "$size" - "$root/bin/c$k/f"
			done 3<"$root.lists.bin"
		}
	fi
	rm -f "$root.lists.gz" "$root.lists.zip" "$root.lists.bin"
	find "$root" -exec touch -h -d "$stamp" {} +
}

# make_refs ROOT OUT: "path md5 sha1 sha256" of every file, path from /
make_refs() {
	(
		cd "$1" || exit 1
		find . -type f -printf '%p %s\n' | LC_ALL=C sort >"$2.sizes"
		awk '{ print $1 }' "$2.sizes" >"$2.list"
		for a in md5 sha1 sha256; do
			xargs "${a}sum" <"$2.list" >"$2.$a" || exit 1
		done
	) || return 1
	awk 'FILENAME ~ /\.sizes$/ { z[substr($1, 2)] = $2; next }
		FILENAME ~ /\.md5$/ { m[substr($2, 2)] = $1; next }
		FILENAME ~ /\.sha1$/ { s1[substr($2, 2)] = $1; next }
		{ p = substr($2, 2); print p, m[p], s1[p], $1, z[p] }' \
		"$2.sizes" "$2.md5" "$2.sha1" "$2.sha256" >"$2.tmp"
	rm -f "$2.sizes" "$2.list" "$2.md5" "$2.sha1" "$2.sha256"
	mv "$2.tmp" "$2"
}

# need_image FILES MAXSIZE: the image and its .ref, built when not cached
need_image() {
	img=$(image_of "$1" "$2")
	[ -f "$img" ] && [ -f "$img.ref" ] && return 0
	mkdir -p "$cache"
	# the files in 4 KiB blocks, then the image of them
	need_kb=$(awk -v n="$1" -v hi="$2" 'BEGIN {
		print int(2.6 * n * (4 + hi / 1024 / 7) + 262144) }')
	have_kb=$(free_kb "$cache")
	[ "$have_kb" -ge "$need_kb" ] ||
		die "'$cache' has $((have_kb / 1024)) MiB free, the $1-file image needs about $((need_kb / 1024)) MiB (set BENCH_DIR)"
	tree=$cache/tree-$gen-$1-$2
	rm -rf "$tree" "$tree.lists".* "$img.tmp"
	echo "$prog: writing $1 files (up to $2 bytes) into $tree" >&2
	make_tree "$tree" "$1" "$2" || die "cannot write the files of $img"
	make_refs "$tree" "$img.ref.tmp" || die "cannot hash the files of $img"
	got=$(wc -l <"$img.ref.tmp")
	[ "$got" -eq "$1" ] || die "wrote $got files of $1 into $tree"
	kb=$(du -sk "$tree" | awk '{ print $1 }')
	inodes=$(find "$tree" | wc -l)
	# the files, their block maps, the inode tables and the journal
	size_kb=$((kb + kb / 8 + (inodes + 1024) / 4 + 131072))
	echo "$prog: mke2fs -t ext4 -d: $img" >&2
	mke2fs -q -F -t ext4 -b 4096 -m 0 -N $((inodes + 1024)) \
		-U 0b1d1e57-0000-4000-8000-00000000b107 \
		-E hash_seed=0b1d1e57-0000-4000-8000-00000000b107 \
		-d "$tree" "$img.tmp" "${size_kb}k" >"$cache/mke2fs.log" 2>&1 ||
		die "mke2fs failed: $(tail -n 3 "$cache/mke2fs.log")"
	rm -rf "$tree"
	mv "$img.ref.tmp" "$img.ref"
	mv "$img.tmp" "$img"
}

main_img=$(image_of "$files" 65536)
typed_img=$(image_of "$typed_files" 65536)
big_img=$(image_of "$big_files" 4096)
need_image "$files" 65536
need_image "$typed_files" 65536
[ "$memory" -eq 0 ] || need_image "$big_files" 4096

# Outputs go to tmpfs when it has the room, so no disk sets the pace.
out_kb=$(((memory ? big_files : files) * 4 + 262144))
base=/dev/shm
[ -d "$base" ] && [ "$(free_kb "$base")" -ge "$out_kb" ] ||
	base=${TMPDIR:-/tmp}
[ "$(free_kb "$base")" -ge "$out_kb" ] ||
	die "'$base' has $(($(free_kb "$base") / 1024)) MiB free, the outputs need $((out_kb / 1024)) MiB"
dir=
cleanup() {
	[ -n "$dir" ] || return 0
	chmod -R u+w "$dir" 2>/dev/null || :
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
dir=$(mktemp -d "$base/custody-bench.XXXXXX")
out=$dir/out
case=$dir/case
: >"$dir/times"
: >"$dir/mismatches"
# No key or configuration of the machine's user: the runs are unsigned.
export CUSTODY_CONFIG="$dir/no-config"
export CUSTODY_EXAMINER=bench
unset CUSTODY_CASE CUSTODY_PASSPHRASE

"$casetool" init "$case" --number B --title bench --examiner bench \
	--no-sign >/dev/null || die "cannot create the case"
"$casetool" add-item --case "$case" --item E001 --no-sign >/dev/null ||
	die "cannot add item E001"

mismatch() {
	echo "$*" >>"$dir/mismatches"
}

# tidy: remove the last run's outputs and extraction unit
tidy() {
	for d in "$out" "$case"/extractions/E001-X*; do
		[ -e "$d" ] || continue
		chmod -R u+w "$d" 2>/dev/null || :
		rm -rf "$d"
	done
	mkdir "$out"
}

# timed CMD...: CMD under GNU time (peak RSS, CPU seconds); its status
# is kept in $out/status
timed() {
	set +e
	"$gnutime" -f '%M %U %S' -o "$out/time" "$@" >"$out/stdout" \
		2>"$out/stderr"
	echo $? >"$out/status"
	set -e
}

fast_opts="--hash md5,sha1 --no-types --no-targets"
custody() { # custody IMAGE OPTION...
	img=$1
	shift
	timed "$extract" --case "$case" --item E001 --no-sign "$@" "$img"
}
job_fw_x() { timed fiwalk -X "$out/fiwalk.xml" "$main_img"; }
# shellcheck disable=SC2086 # the options are words
job_cx_fast() { custody "$main_img" $fast_opts; }
# shellcheck disable=SC2086
job_cx_fast1() { custody "$main_img" $fast_opts --jobs 1; }
job_cx_full() { custody "$main_img"; }
job_cx_noext() { custody "$main_img" --extractors none; }
job_fw_typed() { timed fiwalk -f -X "$out/fiwalk.xml" "$typed_img"; }
job_cx_typed() { custody "$typed_img"; }
job_fw_big() { timed fiwalk -X "$out/fiwalk.xml" "$big_img"; }
job_cx_big() { custody "$big_img"; }
# shellcheck disable=SC2086
job_cx_fast_big() { custody "$big_img" $fast_opts; }

label() {
	case $1 in
	fw_x | fw_big) echo "fiwalk -X" ;;
	cx_fast | cx_fast_big) echo "custody --hash md5,sha1 --no-types --no-targets" ;;
	cx_fast1) echo "custody, the same, --jobs 1" ;;
	cx_full | cx_typed | cx_big) echo "custody (md5,sha256, types, targets)" ;;
	cx_noext) echo "custody, the same, --extractors none" ;;
	fw_typed) echo "fiwalk -f -X" ;;
	esac
}

image_for() {
	case $1 in
	*_typed) echo "$typed_img" ;;
	*_big) echo "$big_img" ;;
	*) echo "$main_img" ;;
	esac
}

# The regular files of the last run's output, "path md5 sha1 sha256 typed"
# (- for what it does not hold), archive members left out.
listing() {
	case $1 in
	fw_*)
		# fiwalk names files from the root without the leading /
		awk '/<fileobject>/ { f = ""; t = ""; m = "-"; s = "-"; ty = "-" }
			/<filename>/ { f = $0; sub(/.*<filename>/, "", f)
				sub(/<\/filename>.*/, "", f) }
			/<name_type>r</ { t = "r" }
			/<hashdigest type=.md5.>/ { m = $0; gsub(/<[^>]*>| /, "", m) }
			/<hashdigest type=.sha1.>/ { s = $0; gsub(/<[^>]*>| /, "", s) }
			/<libmagic>/ { ty = "y" }
			/<\/fileobject>/ && t == "r" { print "/" f, m, s, "-", ty }' \
			"$out/fiwalk.xml"
		;;
	cx_*)
		set -- "$case"/extractions/E001-X*/inventory.jsonl
		[ -f "$1" ] || return 0
		awk 'function v(k,   r) {
				if (!match($0, "\"" k "\":\"[^\"]*\"")) return "-"
				r = substr($0, RSTART, RLENGTH)
				return substr(r, length(k) + 5, RLENGTH - length(k) - 5)
			}
			/"type":"regular"/ && !/"member":true/ {
				print v("path"), v("md5"), v("sha1"), v("sha256"),
					(v("mime") == "-" ? "-" : "y")
			}' "$1"
		;;
	esac
}

# check JOB: the last run's files and digests against the reference
check() {
	listing "$1" >"$dir/listing"
	case $1 in
	fw_typed | cx_full | cx_noext | cx_typed | cx_big) typed=y ;;
	*) typed=- ;;
	esac
	case $1 in
	fw_*) algs="md5 sha1" ;;
	cx_fast*) algs="md5 sha1" ;;
	*) algs="md5 sha256" ;;
	esac
	awk -v job="$(label "$1")" -v algs="$algs" -v typed="$typed" '
		BEGIN { name[2] = "md5"; name[3] = "sha1"; name[4] = "sha256" }
		FILENAME == ARGV[1] { ref[$1] = $0; next }
		{
			seen[$1] = 1
			if (!($1 in ref)) { bad++; if (bad <= 3)
				print job ": \"" $1 "\" is not in the image"; next }
			split(ref[$1], r, " ")
			for (k = 2; k <= 4; k++) {
				if (algs !~ name[k]) continue
				if ($k == "-") {
					bad++
					if (bad <= 3) print job ": no " name[k] \
					    " of " $1
				} else if ($k != r[k]) {
					bad++
					if (bad <= 3) print job ": " name[k] \
					    " MISMATCH on " $1
				}
			}
			if ($5 != typed) {
				bad++
				if (bad <= 3) print job ": " $1 \
				    (typed == "y" ? " has no type" : " was typed")
			}
		}
		END {
			for (p in ref) if (!(p in seen)) { miss++; if (miss <= 3)
				print job ": MISSING " p }
			if (bad + miss > 3)
				print job ": " bad + miss " problems in all"
		}' "$(image_for "$1").ref" "$dir/listing" >>"$dir/mismatches"
}

# run JOB: one timed run, checked; "job t0 t1 rss user sys" to times
run() {
	tidy
	t0=$(now)
	"job_$1"
	t1=$(now)
	st=$(cat "$out/status")
	if [ "$st" -eq 2 ] && [ "${1#cx_}" != "$1" ]; then
		die "$extract refused an option of '$(label "$1")' (exit 2, usage): $(head -n 1 "$out/stderr")"
	fi
	[ "$st" -eq 0 ] ||
		die "$(label "$1") failed (exit $st): $(tail -n 3 "$out/stderr")"
	check "$1"
	# From custody's record: the distinct targets (the sum of the counts,
	# to tell memory held for targets from memory held per file) and the
	# milliseconds of the walk (the rest: the image's digest, the record,
	# DFXML and seal).
	dt=-
	ms=-
	case $1 in
	cx_*)
		set -- "$1" "$case"/extractions/E001-X*/extraction.json
		dt=$(awk '{ while (match($0, /"distinct": *[0-9]+/)) {
				v = substr($0, RSTART, RLENGTH)
				sub(/.*: */, "", v)
				n += v
				$0 = substr($0, RSTART + RLENGTH)
			} }
			END { print n + 0 }' "$2")
		ms=$(awk 'match($0, /"milliseconds": *[0-9]+/) {
				v = substr($0, RSTART, RLENGTH)
				sub(/.*: */, "", v)
				print v
				exit
			}' "$2")
		;;
	esac
	echo "$1 $t0 $t1 $(tail -n 1 "$out/time") $dt ${ms:--}" >>"$dir/times"
}

# Warm the page cache, and fail early, before the long runs, on an option
# the build does not have: the custody runs once on the small image.
echo "$prog: reading the images into the page cache" >&2
cat "$main_img" "$typed_img" >/dev/null
for job in cx_fast cx_fast1 cx_full; do
	echo "$prog: warm-up: $(label "$job")" >&2
	tidy
	# shellcheck disable=SC2086
	case $job in
	cx_fast) custody "$typed_img" $fast_opts ;;
	cx_fast1) custody "$typed_img" $fast_opts --jobs 1 ;;
	cx_full) custody "$typed_img" ;;
	esac
	st=$(cat "$out/status")
	[ "$st" -ne 2 ] ||
		die "$extract refused an option of '$(label "$job")' (exit 2, usage): $(head -n 1 "$out/stderr")"
	[ "$st" -eq 0 ] ||
		die "$(label "$job") failed (exit $st): $(tail -n 3 "$out/stderr")"
done

read -r load_before _ </proc/loadavg || load_before=unknown
jobs="fw_x cx_fast cx_fast1 cx_full cx_noext fw_typed cx_typed"
round=1
while [ "$round" -le "$runs" ]; do
	for job in $jobs; do
		echo "$prog: round $round of $runs: $(label "$job"), $(basename "$(image_for "$job")")" >&2
		run "$job"
	done
	round=$((round + 1))
done
if [ "$memory" -eq 1 ]; then
	echo "$prog: reading $big_img into the page cache" >&2
	cat "$big_img" >/dev/null
	for job in cx_big cx_fast_big fw_big; do
		echo "$prog: peak memory: $(label "$job"), $(basename "$big_img")" >&2
		run "$job"
	done
fi
tidy
read -r load_after _ </proc/loadavg || load_after=unknown

if [ -s "$dir/mismatches" ]; then
	sed "s/^/$prog: /" "$dir/mismatches" >&2
	exit 1
fi

size_of() { # size_of IMAGE: "files MB" of its content, from its .ref
	awk '{ n++; b += $5 } END { printf "%d %.0f", n, b / 1e6 }' "$1.ref"
}
big_size="0 0"
[ "$memory" -eq 0 ] || big_size=$(size_of "$big_img")

awk -v runs="$runs" -v cores="$cores" -v lb="$load_before" \
	-v la="$load_after" -v memory="$memory" -v big_files="$big_files" \
	-v main="$(size_of "$main_img")" -v typed="$(size_of "$typed_img")" \
	-v big="$big_size" '
function files(job) {
	return job ~ /_typed$/ ? n_typed : job ~ /_big$/ ? n_big : n_main
}
function row(job, name) {
	if (!(job in best)) return
	printf "  %-42s %7.2f %8.0f %6.1f %7.1f %6s\n", name, best[job],
		(best[job] > 0 ? files(job) / best[job] : 0), cpu[job],
		rss[job] / 1024,
		(walk[job] == "-" ? "-" : sprintf("%.2f", walk[job] / 1000))
}
function ratio(what, slow, fast, target,   r) {
	r = best[fast] > 0 ? best[slow] / best[fast] : 0
	if (target == "")
		printf "%-52s %6.2fx\n", what, r
	else
		printf "%-52s %6.2fx  (target >= %sx)%s\n", what, r, target,
			(r >= target ? "" : "  BELOW TARGET")
}
# What the CPU time custody spends on a typed file allows on these
# cores: its CPU seconds spread over every core are the fastest it could
# run, which bounds the ratio; and the CPU per file 10x would need.
function typed_floor(   per, floor, need) {
	if (!("cx_typed" in best) || !("fw_typed" in best) || cores + 0 < 1)
		return
	per = cpu["cx_typed"] / n_typed * 1000
	floor = cpu["cx_typed"] / cores
	need = best["fw_typed"] / 10 * cores / n_typed * 1000
	printf "  custody: %.2f ms of CPU a file; spread over %d cores at best %.2f s,\n",
		per, cores, floor
	printf "  so at most %.2fx here; 10x on %d cores needs <= %.2f ms of CPU a file\n",
		best["fw_typed"] / floor, cores, need
}
# grow WHAT SMALL BIG TARGET: peak memory at both sizes
function grow(what, small, big, target,   g) {
	g = rss[small] > 0 ? rss[big] / rss[small] : 0
	printf "  %-34s %6.1f -> %6.1f MiB %6.2fx", what, rss[small] / 1024,
		rss[big] / 1024, g
	if (target == "")
		printf "\n"
	else
		printf "  (target: flat, <= %sx)%s\n", target,
			(g <= target ? "" : "  NOT FLAT")
}
BEGIN {
	split(main, a, " "); n_main = a[1]; mb_main = a[2]
	split(typed, a, " "); n_typed = a[1]; mb_typed = a[2]
	split(big, a, " "); n_big = a[1]; mb_big = a[2]
}
{
	t = $3 - $2
	if (!($1 in best) || t < best[$1]) {
		best[$1] = t
		cpu[$1] = $5 + $6
		walk[$1] = $8
	}
	targets[$1] = $7
	if ($4 + 0 > rss[$1]) rss[$1] = $4
}
END {
	print "\ninventory of ext4 images of small files, page cache warm, outputs in tmpfs"
	printf "(best of %d rounds; %s cores; load average %s before the runs, %s after;\n",
		runs, cores, lb, la
	print "CPU s: user+system of the best round; RSS: peak resident memory;"
	print "walk s: the walk of custody'"'"'s best round, from its record: the rest"
	print "is the digest of the image, the record, the DFXML and the seal)\n"
	printf "  %-42s %7s %8s %6s %7s %6s\n", "tool", "seconds", "files/s",
		"CPU s", "RSS MiB", "walk s"
	printf "%d files, %d MB, MD5 + SHA-1, no types\n", n_main, mb_main
	row("fw_x", "fiwalk -X")
	row("cx_fast", "custody md5,sha1 --no-types --no-targets")
	row("cx_fast1", "custody, the same, --jobs 1")
	printf "%d files, %d MB, MD5 + SHA-256, types, targets\n", n_main, mb_main
	row("cx_full", "custody (default)")
	row("cx_noext", "custody, the same, --extractors none")
	printf "%d files, %d MB (the first of the set), types\n", n_typed, mb_typed
	row("fw_typed", "fiwalk -f -X (MD5 + SHA-1, file(1))")
	row("cx_typed", "custody (default)")
	if (memory) {
		printf "%d files, %d MB (100 B to 4 KiB), one run\n", n_big, mb_big
		row("fw_big", "fiwalk -X")
		row("cx_fast_big", "custody md5,sha1 --no-types --no-targets")
		row("cx_big", "custody (default)")
	}
	printf "\n"
	ratio("MD5 + SHA-1, no types: fiwalk -X / custody", "fw_x", "cx_fast", 2)
	ratio("  the same, custody on one core", "fw_x", "cx_fast1", "")
	ratio(sprintf("types, %d files: fiwalk -f -X / custody", n_typed),
		"fw_typed", "cx_typed", 10)
	if (n_typed < n_main)
		printf "  (measured on the %d-file image only, not scaled to %d files)\n",
			n_typed, n_main
	typed_floor()
	if (best["cx_noext"] > 0) {
		r = best["cx_full"] / best["cx_noext"]
		printf "%-52s %6.2fx  (target <= 1.10x)%s\n",
			"cost of the extractors: default / --extractors none", r,
			(r <= 1.10 ? "" : "  ABOVE TARGET")
	}
	if (!memory) {
		printf "%-52s %6.1f MiB at %d files (--memory: %d files too)\n",
			"peak memory of custody (default)", rss["cx_full"] / 1024,
			n_main, big_files
		exit
	}
	printf "\npeak memory, %d files -> %d files\n", n_main, n_big
	grow("custody (default)", "cx_full", "cx_big", 1.25)
	printf "  %-34s %9d -> %d\n", "  distinct targets", targets["cx_full"],
		targets["cx_big"]
	grow("custody --no-types --no-targets", "cx_fast", "cx_fast_big", "")
	grow("fiwalk -X", "fw_x", "fw_big", "")
}' "$dir/times"
echo "digests: every run lists every file of its image, with the MD5, SHA-1 and SHA-256 of md5sum, sha1sum and sha256sum"
