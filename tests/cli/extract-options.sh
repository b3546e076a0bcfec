#!/bin/sh
# custody-extract's workers and options on a real ext4 image: the same
# inventory and targets whatever the number of workers; the digests asked
# for (checked with md5sum, sha1sum, sha256sum); no types, no targets;
# every occurrence; a file too large for the workers streams in order.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
field() { # field UNIT PATH NAME: NAME of PATH's inventory line
	grep -F "\"path\":\"$2\"" "$1/inventory.jsonl" | head -n 1 |
		"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$3"
}

# 300 small files (many alike, for the type cache), a nested archive, and a
# file larger than what a worker holds, with an address at each end
S=$T/src
mkdir -p "$S/www/panel" "$S/var/spool" "$S/big"
i=0
while [ $i -lt 300 ]; do
	d=$S/www/panel/d$((i % 10))
	mkdir -p "$d"
	case $((i % 3)) in
	0) printf '<?php $gate = "http://gate%d.example.net/g.php"; ?>\n' \
		$((i % 7)) >"$d/f$i.php" ;;
	1) printf 'bot%d@spam-list.example.org\n198.51.100.%d\n' $i $((i % 250)) \
		>"$d/f$i.txt" ;;
	# random-looking bytes, the same every run: /dev/urandom now and
	# then gave bytes file(1) took for something worth a copy
	2) head -c $((100 + i * 37)) /dev/zero | openssl enc -aes-128-ctr \
		-K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' $i)" \
		-nosalt >"$d/f$i.bin" ;;
	esac
	i=$((i + 1))
done
printf 'relay: mx@relay-panel.example.com\n' >"$S/var/spool/conf"
(cd "$S/var/spool" && tar -czf kit.tar.gz conf && rm conf)
{
	printf 'first: head@large-file.example.com\n'
	head -c 6000000 /dev/urandom | base64
	printf '\nlast: tail@large-file.example.com\n'
} >"$S/big/dump.sql"
mke2fs -q -F -t ext4 -d "$S" "$T/disk.img" 64M >/dev/null 2>&1 &&
	ok "an ext4 image of 300 files, an archive and an 8 MB file (mke2fs -d)" ||
	fail "an ext4 image (mke2fs -d)"

# the same answers from 0, 1 and 3 workers
for j in 0 1 3; do
	check "--jobs $j" custody-extract --case "$C" --item E001 --jobs $j \
		--quiet "$T/disk.img"
done
X1=$C/extractions/E001-X1
same=1
for x in 2 3; do
	# the DFXML's creator says how the run was started; the rest is equal
	for u in X1 "X$x"; do
		grep -v '<command_line>\|<start_time>' \
			"$C/extractions/E001-$u/inventory.dfxml" >"$T/$u.dfxml"
	done
	cmp -s "$T/X1.dfxml" "$T/X$x.dfxml" || {
		same=0
		echo "#   E001-X$x/inventory.dfxml differs"
	}
	for f in inventory.jsonl targets/emails.csv targets/domains.csv \
		targets/urls.csv targets/ips.csv; do
		cmp -s "$X1/$f" "$C/extractions/E001-X$x/$f" || {
			same=0
			echo "#   E001-X$x/$f differs"
		}
	done
done
[ $same -eq 1 ] && ok "0, 1 and 3 workers: the same inventory, DFXML and targets" ||
	fail "0, 1 and 3 workers: the same inventory, DFXML and targets"
jq_() { # jq_ FILE EXPR: a Python expression over the JSON record r
	"$PYTHON" -c 'import json,sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
[ "$(jq_ "$C/extractions/E001-X3/extraction.json" 'r["performance"]["workers"]')" = 3 ] &&
	ok "the record says how many workers ran" ||
	fail "the record says how many workers ran"

want=$(md5sum <"$S/big/dump.sql" | cut -d' ' -f1)
[ "$(field "$X1" /big/dump.sql md5)" = "$want" ] &&
	ok "the large file streamed: its MD5" || fail "the large file streamed: its MD5"
for a in head tail; do
	grep -q "^$a@large-file.example.com,1,p0:/big/dump.sql," \
		"$X1/targets/emails.csv" &&
		ok "the address at the $a of the large file" ||
		fail "the address at the $a of the large file"
done
# seen twice: in the member, its first place, and in the tar.gz's stream
grep -q '^mx@relay-panel.example.com,2,p0:/var/spool/kit.tar.gz!conf,' \
	"$X1/targets/emails.csv" &&
	ok "an archive opened by the committer: its member's address" ||
	fail "an archive opened by the committer: its member's address"
grep -q '^bot7@spam-list.example.org,1,p0:/www/panel/d7/f7.txt,' \
	"$X1/targets/emails.csv" &&
	ok "a small file's address and its place" ||
	fail "a small file's address and its place"
[ "$(field "$X1" /www/panel/d0/f0.php mime)" = "text/x-php" ] &&
	[ "$(field "$X1" /www/panel/d3/f3.php mime)" = "text/x-php" ] &&
	ok "types of files alike" || fail "types of files alike"

# the digests asked for
check "--hash md5,sha1,sha256" custody-extract --case "$C" --item E001 \
	--hash md5,sha1,sha256 --quiet "$T/disk.img"
X=$(last)
f=/www/panel/d4/f4.txt
for alg in md5 sha1 sha256; do
	want=$(${alg}sum <"$S$f" | cut -d' ' -f1)
	[ "$(field "$X" "$f" $alg)" = "$want" ] && ok "$alg as ${alg}sum says" ||
		fail "$alg as ${alg}sum says"
done
grep -q "<hashdigest type='sha1'>" "$X/inventory.dfxml" &&
	ok "DFXML carries the SHA-1" || fail "DFXML carries the SHA-1"
XSD=$CUSTODY_TESTDATA/schemas/dfxml/dfxml.xsd
if ! command -v xmllint >/dev/null 2>&1; then
	skip "the DFXML against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "the DFXML against the DFXML schema"; then
	check "and is valid against the DFXML schema" \
		xmllint --noout --nonet --schema "$XSD" "$X/inventory.dfxml"
fi

# fiwalk's work only: MD5 and SHA-1, no types, no targets
check "--hash md5,sha1 --no-types --no-targets" custody-extract --case "$C" \
	--item E001 --hash md5,sha1 --no-types --no-targets --quiet \
	"$T/disk.img"
X=$(last)
grep -q '"mime"\|"sha256"\|"member":true' "$X/inventory.jsonl" &&
	fail "no types, no SHA-256, no archive opened" ||
	ok "no types, no SHA-256, no archive opened"
[ "$(wc -l <"$X/targets/emails.csv")" -eq 1 ] &&
	ok "no targets: the lists hold their header only" ||
	fail "no targets: the lists hold their header only"
[ "$(jq_ "$X/extraction.json" 'json.dumps({k: v for k, v in r["parameters"].items() if k != "extractors"}, sort_keys=True)')" = \
	'{"all_occurrences": false, "copy": "interest", "decode": false, "deleted": true, "file_seconds": 3600, "hashes": ["md5", "sha1"], "key_hints": [], "max_sparse": null, "rules": null, "targets": false, "types": false}' ] && ok "the record says what was asked" ||
	fail "the record says what was asked"
[ "$(jq_ "$X/extraction.json" 'r["parameters"]["extractors"]')" = "[]" ] &&
	ok "no target lists: no extractor ran, and the record says so" ||
	fail "no target lists: no extractor ran, and the record says so"

# every occurrence
check "--all-occurrences" custody-extract --case "$C" --item E001 \
	--all-occurrences --jobs 2 --quiet "$T/disk.img"
X=$(last)
O=$X/targets/occurrences.jsonl
[ "$(grep -c '"value":"gate3.example.net"' "$O")" -eq \
	"$(grep '^gate3.example.net,' "$X/targets/domains.csv" | cut -d, -f2)" ] &&
	ok "one occurrence line per count in domains.csv" ||
	fail "one occurrence line per count in domains.csv"
grep '"value":"tail@large-file.example.com"' "$O" |
	grep -q '"where":"p0:/big/dump.sql"' &&
	ok "an occurrence names its file" || fail "an occurrence names its file"
off=$(grep '"value":"tail@large-file.example.com"' "$O" |
	"$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["offset"])')
[ "$(tail -c +$((off + 1)) "$S/big/dump.sql" | head -c 27)" = \
	"tail@large-file.example.com" ] &&
	ok "and its offset in the file" || fail "and its offset in the file ($off)"
check "the case verifies" custody-verify --case "$C"
schemas_ok "$C" "every record and inventory line matches its schema"

# copies of files of interest, named by their content
X=$X1
obj=$(field "$X" /www/panel/d0/f0.php object)
want=$(sha256sum <"$S/www/panel/d0/f0.php" | cut -d' ' -f1)
[ "$obj" = "objects/$(echo "$want" | cut -c1-2)/$want" ] &&
	[ "$(field "$X" /www/panel/d0/f0.php interest)" = script ] &&
	cmp -s "$X/$obj" "$S/www/panel/d0/f0.php" &&
	ok "a PHP script is copied to objects/<aa>/<sha256>" ||
	fail "a PHP script is copied to objects/<aa>/<sha256> ($obj)"
[ -z "$(field "$X" /www/panel/d1/f1.txt object)" ] &&
	[ -z "$(field "$X" /www/panel/d2/f2.bin object)" ] &&
	ok "plain text and random data are not copied" ||
	fail "plain text and random data are not copied"
obj=$(field "$X" /big/dump.sql object)
[ -n "$obj" ] && cmp -s "$X/$obj" "$S/big/dump.sql" &&
	[ "$(field "$X" /big/dump.sql interest)" = database ] &&
	ok "the large SQL dump is copied as it is read (its name asks for it)" ||
	fail "the large SQL dump is copied ($obj)"
grep -F '"path":"/var/spool/kit.tar.gz"' "$X/inventory.jsonl" |
	grep -q '"interest":"archive"' &&
	ok "an archive is of interest" || fail "an archive is of interest"
# 100 PHP files of 7 contents: 7 objects; every object named is there
[ "$(grep '"interest":"script"' "$X/inventory.jsonl" | grep -c '"object"')" -eq 100 ] &&
	[ "$(grep '"interest":"script"' "$X/inventory.jsonl" |
		grep -o '"object":"[^"]*"' | sort -u | wc -l)" -eq 7 ] &&
	ok "each content stored once: 7 objects for 100 PHP files" ||
	fail "each content stored once: 7 objects for 100 PHP files"
[ "$(grep -o '"object":"[^"]*"' "$X/inventory.jsonl" | sort -u | wc -l)" -eq \
	"$(find "$X/objects" -type f | wc -l)" ] &&
	ok "one file in objects/ per distinct object named" ||
	fail "one file in objects/ per distinct object named"
find "$X/objects" -type f | grep -qv '/objects/[0-9a-f][0-9a-f]/[0-9a-f]\{64\}$' &&
	fail "only <aa>/<sha256> in objects/" || ok "only <aa>/<sha256> in objects/"
bad=0
for f in $(find "$X/objects" -type f); do
	[ "$(sha256sum <"$f" | cut -d' ' -f1)" = "$(basename "$f")" ] || bad=1
done
[ $bad -eq 0 ] && ok "every object hashes to its name" ||
	fail "every object hashes to its name"
grep -q '^SHA256 (objects/' "$X/SHA256SUMS" &&
	(cd "$X" && sha256sum -c --quiet SHA256SUMS >/dev/null 2>&1) &&
	ok "the objects are sealed with the unit (sha256sum -c)" ||
	fail "the objects are sealed with the unit"
check "--copy all" custody-extract --case "$C" --item E001 --copy all \
	--quiet "$T/disk.img"
X=$(last)
[ -n "$(field "$X" /www/panel/d2/f2.bin object)" ] &&
	ok "--copy all copies random data too" ||
	fail "--copy all copies random data too"
grep -F '"path":"/var/spool/kit.tar.gz!conf"' "$X/inventory.jsonl" |
	grep -q '"object":"objects/' && ok "and archive members" ||
	fail "and archive members"
check "--copy none" custody-extract --case "$C" --item E001 --copy none \
	--quiet "$T/disk.img"
X=$(last)
[ ! -e "$X/objects" ] && ! grep -q '"object"' "$X/inventory.jsonl" &&
	ok "--copy none: no objects/" || fail "--copy none: no objects/"
grep -q '"interest":"script"' "$X/inventory.jsonl" &&
	ok "and interest still recorded" || fail "and interest still recorded"
expect_exit 2 "--copy with an unknown word" custody-extract --case "$C" \
	--item E001 --copy some "$T/disk.img"

# YARA rules on every file, member and large file
R=$T/rules
mkdir -p "$R/c2"
cat >"$R/c2/gates.yar" <<'EOF2'
rule gate_script : c2 panel
{
	meta:
		extractor = "gatepanel"
	strings:
		$g = "gate3.example.net"
	condition:
		$g
}
EOF2
cat >"$R/relay.yara" <<'EOF2'
rule relay_conf { strings: $r = "relay-panel.example.com" condition: $r }
rule large_tail { strings: $t = "tail@large-file" condition: $t }
EOF2
check "--rules" custody-extract --case "$C" --item E001 --rules "$R" \
	--quiet "$T/disk.img"
X=$(last)
line=$(grep -F '"path":"/www/panel/d3/f3.php"' "$X/inventory.jsonl")
echo "$line" | grep -qF '"rules":[{"extractor":{"name":"gatepanel","status":"not available"},"namespace":"c2/gates.yar","offset":' &&
	echo "$line" | grep -qF '"rule":"gate_script","tags":"c2 panel"}]' &&
	ok "a rule's hit on a file: rule, file, tags, offset, its extractor named" ||
	{ fail "a rule's hit on a file"; echo "#   $line"; }
[ "$(grep -c '"rule":"gate_script"' "$X/inventory.jsonl")" -eq \
	"$(grep -rl gate3.example.net "$S" | wc -l)" ] &&
	ok "every file holding the string, no other" ||
	fail "every file holding the string, no other"
grep -F '"path":"/var/spool/kit.tar.gz!conf"' "$X/inventory.jsonl" |
	grep -q '"rule":"relay_conf"' && ok "a rule's hit on an archive member" ||
	fail "a rule's hit on an archive member"
# a member larger than the 16 MiB kept in memory: its rules read it back
# from a scratch file, so a string past 16 MiB is still found
mkdir -p "$T/big"
head -c $((20 * 1048576)) /dev/urandom >"$T/big/dump.sql"
printf 'relay-panel.example.com\n' >>"$T/big/dump.sql"
(cd "$T/big" && tar czf "$T/big.tgz" dump.sql)
check "an archive with a 20 MiB member, --rules" custody-extract \
	--case "$C" --item E001 --rules "$R" --quiet "$T/big.tgz"
Y=$(last)
grep -F '"path":"/big.tgz!dump.sql"' "$Y/inventory.jsonl" |
	grep -q '"rule":"relay_conf"' &&
	ok "a rule's hit past 16 MiB of a member" ||
	{ fail "a rule's hit past 16 MiB of a member"
	  grep -F '"path":"/big.tgz!dump.sql"' "$Y/inventory.jsonl" | cut -c1-400 |
		sed 's/^/#   /'; }
[ -z "$(find "$Y" -type f -newer "$T/big.tgz" | grep -v "^$Y/\(objects/\|targets/\|inventory\|extraction\|botconfigs\|SHA256SUMS\|manifest\)")" ] &&
	ok "no scratch file is left in the unit" ||
	fail "no scratch file is left in the unit"
grep -F '"path":"/big/dump.sql"' "$X/inventory.jsonl" |
	grep -q '"rule":"large_tail"' &&
	ok "a rule's hit at the end of a large file (read in blocks)" ||
	fail "a rule's hit at the end of a large file"
grep -F '"path":"/var/spool/kit.tar.gz!conf"' "$X/inventory.jsonl" |
	grep '"interest":"rule"' | grep -q '"object":"objects/' &&
	ok "a hit makes a file of interest: copied" ||
	fail "a hit makes a file of interest: copied"
[ "$(jq_ "$X/extraction.json" 'r["parameters"]["rules"]["rules"]')" = 3 ] &&
	[ "$(jq_ "$X/extraction.json" 'r["parameters"]["rules"]["sha256"]')" = \
		"$(cd "$R" && find . -type f | sed 's|^\./||' | LC_ALL=C sort |
			xargs sha256sum | sha256sum | cut -d' ' -f1)" ] &&
	ok "the record names the rule set and its SHA-256 (sha256sum of the files)" ||
	fail "the record names the rule set and its SHA-256"
printf 'rule broken { condition: \n' >"$R/bad.yar"
expect_exit 2 "a rule file that does not compile" custody-extract --case "$C" \
	--item E001 --rules "$R" "$T/disk.img"
contains "$T/.err" "bad.yar:" "the error names the file and line"
expect_exit 2 "a rules folder that does not exist" custody-extract \
	--case "$C" --item E001 --rules "$T/none" "$T/disk.img"

# addresses back to back across the boundaries of image segments: split
# raw and E01 segments of 1 MiB, each address must still be found whole
mkdir -p "$T/seg"
"$PYTHON" -c '
import sys
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write("u%06d@split-segment.example.com\n" % i)
' "$T/seg/list.txt"
mke2fs -q -F -t ext4 -d "$T/seg" "$T/seg.img" 8M >/dev/null 2>&1 ||
	fail "an image for segments"
for fmt in split ewf; do
	check "$fmt segments of 1 MiB" custody-image --case "$C" --item E001 \
		--quiet --verify none --format $fmt --segment-size 1M "$T/seg.img"
	A=$(basename "$(ls -td "$C"/acquisitions/E001-A* | head -n 1)")
	[ "$(ls "$C/acquisitions/$A" | grep -c '\.\(00[0-9]\|E0[0-9]\)$')" -gt 2 ] &&
		ok "$fmt: several segments" || fail "$fmt: several segments"
	check "$fmt: extracted" custody-extract --case "$C" --acq "$A" --quiet \
		--copy none
	X=$(last)
	[ "$(grep -c '@split-segment.example.com,' "$X/targets/emails.csv")" -eq 100000 ] &&
		ok "$fmt: all 100000 addresses, none cut at a segment's end" ||
		fail "$fmt: $(grep -c '@split-segment.example.com,' "$X/targets/emails.csv") of 100000 addresses"
done

expect_exit 2 "--jobs beyond the limit" custody-extract --case "$C" \
	--item E001 --jobs 1000 "$T/disk.img"
expect_exit 2 "--hash with a digest an inventory does not take" \
	custody-extract --case "$C" --item E001 --hash sha512 "$T/disk.img"
expect_exit 2 "--hash with an unknown digest" \
	custody-extract --case "$C" --item E001 --hash crc32 "$T/disk.img"

echo "1..$n"
