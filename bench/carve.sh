#!/bin/sh
# carve.sh - time custody's carver against grep's email regex.
#
#     sh bench/carve.sh BUILD_DIR
#
# Makes three inputs, the same on every run:
#   random  BENCH_SIZE_MB MiB of AES-CTR output under a fixed key;
#   text    lines of prose with an email, URL, domain or address every
#           ~3 KiB (awk, no randomness), repeated to BENCH_SIZE_MB / 4 MiB;
#   mixed   BENCH_SIZE_MB MiB: each MiB is 3/4 random and 1/4 text, so that
#           grep has work and its lines are not all megabytes long.
# Then times, best of BENCH_RUNS (default 3), on one core from a warm page
# cache: BUILD_DIR/bench/carve (all eleven kinds) on each input, and
#   grep -aoE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
# on the mixed input.  Targets: 500 MB/s for the carver on random and on
# text, and 1.5x grep on mixed.  Then the cost of the decoders
# (decode.h): the carver with --decode on each input and on real mixed
# content, an ext4 image of /usr/share/doc and /usr/share/man of this
# machine (mke2fs -d, BENCH_REAL_MB MiB, default 512; BENCH_REAL=0 skips
# it), carved raw as custody carves space; printed as CPU seconds (user +
# system, best of BENCH_RUNS) so that a loaded machine misleads less, with
# the ratio to plain carving (target: 1.5x at most).  Exits non-zero when
# a tool fails or is missing or the carver finds no email where grep finds
# many, never on speed.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/carve.sh BUILD_DIR"
carve=$build/bench/carve
[ -x "$carve" ] || die "missing '$carve' (make $carve)"
for tool in openssl grep awk head dd wc date mktemp python3; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'"
done
size_mb=${BENCH_SIZE_MB:-1024}
case $size_mb in
'' | *[!0-9]* | 0 | 1 | 2 | 3) die "BENCH_SIZE_MB must be a whole number of MiB, 4 at least" ;;
esac
runs=${BENCH_RUNS:-3}
case $runs in
'' | *[!0-9]* | 0) die "BENCH_RUNS must be a whole number" ;;
esac
bytes=$((size_mb * 1024 * 1024))
read -r load _ </proc/loadavg || load=unknown

dir=$(mktemp -d "${TMPDIR:-/tmp}/custody-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

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

echo "$prog: writing the inputs ($size_mb MiB each for random and mixed)" >&2
openssl enc -aes-128-ctr -nosalt \
	-K 000102030405060708090a0b0c0d0e0f -iv 00000000000000000000000000000000 \
	-in /dev/zero 2>/dev/null | head -c "$bytes" >"$dir/random"
[ "$(wc -c <"$dir/random")" -eq "$bytes" ] || die "short random input"

# 256 KiB of text lines; a feature every 36 lines (about 3 KiB)
awk -v total=262144 'BEGIN {
	nw = split("the server was seized at the hosting provider and imaged on " \
	    "site by the unit; analysts read the configuration files, logs " \
	    "and the panel, version 2.4.1 of the bot, at 12:30:45 on 2011-03-16. " \
	    "Note: see the README for details (and more).", w, " ")
	nf = split("john.doe@mail-%d.example.com|http://cc%d.example.net/gate.php?id=%d|" \
	    "https://WWW.Panel%d.example.org/admin/login.html|" \
	    "ftp://drop:pass@files%d.example.co.uk/up/|10.%d.0.1|203.0.113.%d|" \
	    "2001:db8::%x|fe80::1:%x|bot%d.evil-domain.ru|spam.list-%d@example.de", f, "|")
	while (bytes < total) {
		s = ""
		for (i = 0; i < 14; i++)
			s = s w[(line * 7 + i * 3) % nw + 1] " "
		if (line % 36 == 0)
			s = s sprintf(f[int(line / 36) % nf + 1], line % 250, line % 250, line % 250) " "
		print s
		bytes += length(s) + 1
		line++
	}
}' | head -c 262144 >"$dir/text.blk"
[ "$(wc -c <"$dir/text.blk")" -eq 262144 ] || die "short text block"

# text: the block once per MiB of the source (a quarter of its size);
# mixed: per MiB, 768 KiB of random bytes then the 256 KiB block
i=0
while [ "$i" -lt "$size_mb" ]; do
	cat "$dir/text.blk"
	i=$((i + 1))
done >"$dir/text"
i=0
while [ "$i" -lt "$size_mb" ]; do
	dd if="$dir/random" bs=786432 skip="$i" count=1 2>/dev/null
	cat "$dir/text.blk"
	i=$((i + 1))
done >"$dir/mixed"
[ "$(wc -c <"$dir/mixed")" -eq "$bytes" ] || die "short mixed input"
text_bytes=$(wc -c <"$dir/text")
sync "$dir/mixed" 2>/dev/null || sync
cat "$dir/random" "$dir/text" "$dir/mixed" >/dev/null # warm the page cache

run_carve() {
	"$carve" "$dir/$1" >"$dir/carve-$1.out" 2>"$dir/carve-$1.err"
}
run_grep() {
	grep -aoE '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}' "$dir/mixed" \
		>"$dir/grep.out"
}

for input in random text mixed; do
	echo "$prog: carve $input, best of $runs" >&2
	t=$(best_of run_carve "$input") ||
		die "carve failed: $(cat "$dir/carve-$input.err")"
	eval "t_$input=\$t"
done
echo "$prog: grep -aoE (emails) mixed, best of $runs" >&2
t_grep=$(best_of run_grep) || die "grep failed"

grep_emails=$(wc -l <"$dir/grep.out")
carve_emails=$(awk '$1 == "email" { print $2 }' "$dir/carve-mixed.out")
[ "$grep_emails" -gt 0 ] || die "grep found no email in the mixed input"
[ "${carve_emails:-0}" -gt 0 ] || die "carve found no email where grep found $grep_emails"

# cpu_best CMD...: the least CPU time (user + system) of $runs runs
cpu_best() {
	python3 - "$runs" "$@" <<'PY'
import resource, subprocess, sys
best = None
for _ in range(int(sys.argv[1])):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    best = t if best is None or t < best else best
print("%.3f" % best)
PY
}
inputs="random text mixed"
if [ "${BENCH_REAL:-1}" != 0 ] && command -v mke2fs >/dev/null 2>&1; then
	real_mb=${BENCH_REAL_MB:-512}
	echo "$prog: writing the real-content image ($real_mb MiB of /usr/share/doc and /usr/share/man)" >&2
	mkdir -p "$dir/real.d"
	cp -r /usr/share/doc /usr/share/man "$dir/real.d/" 2>/dev/null || true
	if mke2fs -q -F -t ext4 -d "$dir/real.d" "$dir/real" "${real_mb}M" \
		>/dev/null 2>&1; then
		inputs="$inputs real"
	else
		echo "$prog: /usr/share/doc and man do not fit in $real_mb MiB: no real-content input (raise BENCH_REAL_MB)" >&2
	fi
	rm -rf "$dir/real.d"
fi
decode_rows=
for input in $inputs; do
	echo "$prog: carve and carve --decode $input, CPU time, best of $runs" >&2
	c=$(cpu_best "$carve" "$dir/$input") || die "carve failed on $input"
	dc=$(cpu_best "$carve" --decode "$dir/$input") ||
		die "carve --decode failed on $input"
	"$carve" --decode "$dir/$input" >/dev/null 2>"$dir/decode-$input.err" ||
		die "carve --decode failed on $input"
	streams=$(awk '/decoded/ { print $3 "/" $5 }' "$dir/decode-$input.err")
	decode_rows="$decode_rows$input $(wc -c <"$dir/$input") $c $dc $streams
"
done

awk -v bytes="$bytes" -v tbytes="$text_bytes" -v size_mb="$size_mb" \
	-v runs="$runs" -v load="$load" -v tr="$t_random" -v tt="$t_text" \
	-v tm="$t_mixed" -v tg="$t_grep" -v ge="$grep_emails" \
	-v ce="$carve_emails" '
function rate(b, t) { return t > 0 ? b / t / 1e6 : 0 }
function verdict(ok) { return ok ? "" : "  BELOW TARGET" }
BEGIN {
	printf "\ncarving, one core, from the page cache, best of %d runs\n", runs
	printf "(MB = 10^6 bytes; load average %s before the runs)\n\n", load
	printf "%-40s %9s %9s %9s\n", "tool and input", "MiB", "seconds", "MB/s"
	printf "%-40s %9d %9.3f %9.1f%s\n", "custody carver, all kinds, random",
		size_mb, tr, rate(bytes, tr), verdict(rate(bytes, tr) >= 500)
	printf "%-40s %9d %9.3f %9.1f%s\n", "custody carver, all kinds, text",
		tbytes / 1048576, tt, rate(tbytes, tt), verdict(rate(tbytes, tt) >= 500)
	printf "%-40s %9d %9.3f %9.1f\n", "custody carver, all kinds, mixed",
		size_mb, tm, rate(bytes, tm)
	printf "%-40s %9d %9.3f %9.1f\n", "grep -aoE email regex, mixed",
		size_mb, tg, rate(bytes, tg)
	printf "\n(targets: 500 MB/s on random and on text)\n"
	r = tm > 0 ? tg / tm : 0
	printf "custody vs grep on mixed: %5.2fx  (target >= 1.5x)%s\n", r,
		verdict(r >= 1.5)
	printf "emails on mixed: custody %d, grep %d (grep also takes file.txt-like junk and @ runs)\n", ce, ge
}'

printf '%s' "$decode_rows" | awk '
BEGIN {
	printf "\ndecoders (decode.h) beside the carver: CPU seconds, best of runs\n"
	printf "%-8s %7s %9s %12s %7s %s\n", "input", "MiB", "carve", "carve+decode", "ratio", "streams/bytes decoded"
}
{
	r = $3 > 0 ? $4 / $3 : 0
	printf "%-8s %7d %9.3f %12.3f %6.2fx %s%s\n", $1, $2 / 1048576, $3, $4, r, $5,
		r <= 1.5 ? "" : "  ABOVE TARGET"
}
END {
	printf "(target: 1.5x at most; on real content the decoded bytes are carved too:\n"
	printf " a gzipped man page costs its inflate and the carving of what it holds)\n"
}'
