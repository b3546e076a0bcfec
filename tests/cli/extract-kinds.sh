#!/bin/sh
# custody-extract lists the target kinds of botnet cases: card numbers,
# Bitcoin addresses, Tor onions, phone numbers, MAC addresses and
# host:port pairs, each in its CSV with its count, in extraction.json's
# targets and on the summary line; their broken twins (a card number
# failing Luhn, an address failing its checksum, an unassigned country
# code, an all-zero MAC, a URL's host:port) are in no list.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }

ONION=duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad
mkdir -p "$T/e/panel" "$T/e/logs"
cat >"$T/e/panel/cards.txt" <<'CARDS'
4111 1111 1111 1111|12/25|John Smith
4111-1111-1111-1111|12/25|John Smith
5555555555554444|01/27|Ann Lee
378282246310005|03/26|Bob Ray
4111111111111112|broken twin
CARDS
cat >"$T/e/panel/wallets.cfg" <<CFG
wallet=1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa
wallet2=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4
bad=1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb
c2=http://$ONION.onion/gate.php
bad_c2=${ONION%d}e.onion
CFG
cat >"$T/e/logs/victims.log" <<'LOG'
victim +1 (202) 555-0123 mac 00:1A:2B:3C:4D:5E
victim +44 20 7946 0958 mac 00-1a-2b-3c-4d-5f
junk +28 1234 5678 mac 00:00:00:00:00:00
socks5 10.0.0.1:1080 smtp relay mx.evil-relay.com:25 relay 10.0.0.1:1080
panel http://panel.example.com:8080/admin
LOG
mke2fs -q -F -t ext4 -d "$T/e" "$T/ext4.img" 8M >/dev/null 2>&1 &&
	ok "an ext4 image holding each kind (mke2fs -d)" ||
	fail "an ext4 image holding each kind"
check "extracted" custody-extract --case "$C" --item E001 "$T/ext4.img"
X=$(last)

# row FILE VALUE COUNT: FILE has VALUE counted COUNT times, first seen in
# a file of p0
row() {
	if grep -q "^$2,$3,p0:/" "$X/targets/$1"; then ok "$1: $2 ($3)"; else
		fail "$1: $2 ($3)"
		sed 's/^/#   /' "$X/targets/$1"
	fi
}
# rows FILE N: FILE holds N values
rows() {
	[ "$(($(wc -l <"$X/targets/$1") - 1))" -eq "$2" ] &&
		ok "$1: $2 values" ||
		{ fail "$1: $2 values"; sed 's/^/#   /' "$X/targets/$1"; }
}
for f in ccns.csv bitcoin.csv onions.csv phones.csv macs.csv hostports.csv; do
	[ "$(head -n 1 "$X/targets/$f")" = "value,count,first_seen,first_offset" ] &&
		ok "$f: its header" || fail "$f: its header"
done
row ccns.csv 4111111111111111 2
row ccns.csv 5555555555554444 1
row ccns.csv 378282246310005 1
rows ccns.csv 3
row bitcoin.csv 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa 1
row bitcoin.csv bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4 1
rows bitcoin.csv 2
row onions.csv "$ONION.onion" 1
rows onions.csv 1
row phones.csv +12025550123 1
row phones.csv +442079460958 1
rows phones.csv 2
row macs.csv 00:1a:2b:3c:4d:5e 1
row macs.csv 00:1a:2b:3c:4d:5f 1
rows macs.csv 2
row hostports.csv 10.0.0.1:1080 2
row hostports.csv mx.evil-relay.com:25 1
rows hostports.csv 2

# the record's counts and the summary line
[ "$("$PYTHON" -c 'import json,sys
t = json.load(open(sys.argv[1]))["targets"]
print(" ".join("%s=%d/%d" % (k, t[k]["distinct"], t[k]["occurrences"])
               for k in ("ccn", "bitcoin", "onion", "phone", "mac", "hostport")))' \
	"$X/extraction.json")" = "ccn=3/4 bitcoin=2/2 onion=1/1 phone=2/2 mac=2/2 hostport=2/3" ] &&
	ok "extraction.json counts each kind" ||
	fail "extraction.json counts each kind"
contains "$T/.out" "3 card numbers, 2 Bitcoin, 1 onions, 2 phones, 2 MACs, 2 host:ports (distinct)" \
	"the summary line counts each kind"
schemas_ok "$C" "the records match their schemas"

# --no-targets: every list holds its header only
check "--no-targets" custody-extract --case "$C" --item E001 --quiet \
	--no-targets "$T/ext4.img"
X=$(last)
for f in ccns.csv bitcoin.csv onions.csv phones.csv macs.csv hostports.csv; do
	[ "$(wc -l <"$X/targets/$f")" -eq 1 ] && ok "--no-targets: $f empty" ||
		fail "--no-targets: $f empty"
done
