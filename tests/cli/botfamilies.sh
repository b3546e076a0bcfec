#!/bin/sh
# custody-extract and the families beyond ZeuS, end to end: a Mirai string
# table, a spam campaign (template, recipients, relays, advertised links),
# an IRC bot's configs.h and a JSON C&C config, each found in an ext4
# image, inside a zip inside a tar.gz, and deleted from a FAT image.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
last() { ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1; }
# bc UNIT EXPR: a Python expression over `recs`, the records of UNIT, and
# `by(extractor[, end])`, the first record of that extractor (of a file
# whose path ends so: FAT loses a deleted name's first letter)
bc() {
	"$PYTHON" -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1] + "/botconfigs.jsonl")]
def by(x, path=None):
    for r in recs:
        if r["extractor"] == x and (path is None or any(
                p["path"].lower().endswith(path) for p in r["provenance"]["places"])):
            return r
print(eval(sys.argv[2]))' "$1" "$2"
}

"$PYTHON" "$CUSTODY_TOP/tests/fixtures/botfamilies.py" "$T/d" ||
	fail "the families' samples written"

# check UNIT WHERE: every family found in UNIT, its fields decoded
check() {
	u=$1 where=$2
	[ "$(bc "$u" '[(c["host"], c["port"]) for c in by("mirai-table")["c2"]]')" = \
		"[('cnc.botlab-test.net', 23), ('report.botlab-test.net', 48101)]" ] &&
		ok "mirai: the C&C and the report host and port, decoded ($where)" ||
		{ fail "mirai: the C&C, decoded ($where)"; sed 's/^/#   /' "$u/botconfigs.jsonl"; }
	[ "$(bc "$u" 'by("spam-template")["other"]["spintax_groups"]')" = 5 ] &&
		ok "spam template: its spintax ($where)" ||
		fail "spam template: its spintax ($where)"
	[ "$(bc "$u" 'by("spam-list", "aillist.txt")["counts"]["recipients"]')" = 25 ] &&
		ok "spam: 25 recipients ($where)" || fail "spam: 25 recipients ($where)"
	[ "$(bc "$u" 'by("spam-list", "inks.txt")["targets"]["domains"]')" = \
		"['pills-direct.example.com', 'rolex-replica.example.net', 'cheap-meds.example.org']" ] &&
		ok "spam: the advertised domains ($where)" ||
		fail "spam: the advertised domains ($where)"
	[ "$(bc "$u" 'sorted((e["host"], e["port"]) for e in by("relay-list")["targets"]["smtp_relays"])')" = \
		"[('203.0.113.25', 587), ('mx.relay-one.example.com', 25), ('relay-two.example.net', 2526)]" ] &&
		ok "spam: the SMTP relays, an odd port by the file's name ($where)" ||
		fail "spam: the SMTP relays ($where)"
	[ "$(bc "$u" '[(c["host"], c["port"]) for c in by("irc-bot-config")["c2"]]')" = \
		"[('irc.botlab-test.net', 6667)]" ] &&
		ok "irc: the server and port ($where)" ||
		{ fail "irc: the server and port ($where)"; bc "$u" 'by("irc-bot-config")' | sed 's/^/#   /'; }
	[ "$(bc "$u" 'sorted(c["host"] for c in by("generic-c2-config")["c2"])')" = \
		"['198.51.100.23', 'cnc1.botlab-test.com']" ] &&
		ok "generic: the JSON config's C&C hosts ($where)" ||
		{ fail "generic: the JSON config's C&C hosts ($where)"; bc "$u" 'by("generic-c2-config")' | sed 's/^/#   /'; }
}

# ---- in an ext4 image
mke2fs -q -F -t ext4 -d "$T/d" "$T/ext4.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 image (mke2fs -d)"
expect_exit 0 "extract the ext4 image" custody-extract --case "$C" \
	--item E001 --quiet "$T/ext4.img"
X=$(last)
check "$X" ext4
grep -q '^cnc.botlab-test.net:23,c2,mirai,1,' "$X/targets/c2.csv" &&
	ok "c2.csv lists Mirai's C&C" ||
	{ fail "c2.csv lists Mirai's C&C"; sed 's/^/#   /' "$X/targets/c2.csv"; }
[ "$(grep -c '@mail.example.com' "$X/targets/recipients.csv")" -eq 25 ] &&
	ok "recipients.csv lists the 25 recipients" ||
	fail "recipients.csv lists the 25 recipients"
grep -q '^relay-two.example.net,2526,' "$X/targets/smtp-relays.csv" &&
	ok "smtp-relays.csv lists the relays" ||
	{ fail "smtp-relays.csv lists the relays"; sed 's/^/#   /' "$X/targets/smtp-relays.csv"; }
"$PYTHON" -c 'import json, sys
r = json.load(open(sys.argv[1]))["botconfigs"]
assert r["families"] == ["generic", "irc-bot", "mirai", "spam"], r["families"]' \
	"$X/extraction.json" && ok "extraction.json names the four families" ||
	fail "extraction.json names the four families"
schemas_ok "$C" "the records match their schemas"

# ---- inside a zip inside a tar.gz
mkdir -p "$T/n/srv"
(cd "$T/d" && zip -qr "$T/bundle.zip" .) && (cd "$T" && tar czf n/srv/old.tgz bundle.zip) ||
	fail "a zip inside a tar.gz"
mke2fs -q -F -t ext4 -d "$T/n" "$T/nested.img" 8M >/dev/null 2>&1 ||
	fail "an ext4 image of the archive"
expect_exit 0 "extract the nested archives" custody-extract --case "$C" \
	--item E001 --quiet "$T/nested.img"
N=$(last)
check "$N" "zip in tar.gz"
[ "$(bc "$N" 'by("mirai-table")["provenance"]["places"][0]["path"]')" = \
	"/srv/old.tgz!bundle.zip!mirai/table.c" ] &&
	ok "the provenance names the member by its chain" ||
	{ fail "the provenance names the member by its chain"; bc "$N" '[r["provenance"] for r in recs]' | sed 's/^/#   /'; }

# ---- deleted from a FAT image
dd if=/dev/zero of="$T/fat.img" bs=1M count=8 2>/dev/null
mkfs.fat "$T/fat.img" >/dev/null 2>&1 || fail "a FAT image (mkfs.fat)"
# all copied before any is deleted: a file copied after a deletion would
# take the clusters just freed
files="mirai/table.c spam/offer.eml spam/maillist.txt spam/smtp-list.txt
	spam/links.txt irc/configs.h c2/settings.json"
mmd -i "$T/fat.img" ::/mirai ::/spam ::/irc ::/c2 || fail "FAT directories"
for f in $files; do
	mcopy -i "$T/fat.img" "$T/d/$f" "::/$f" || fail "$f copied to FAT"
done
for f in $files; do
	mdel -i "$T/fat.img" "::/$f" || fail "$f deleted from FAT"
done
expect_exit 0 "extract the FAT image" custody-extract --case "$C" --item E001 \
	--quiet "$T/fat.img"
F=$(last)
check "$F" "deleted on FAT"
"$PYTHON" - "$F/inventory.jsonl" <<'PY' && ok "the inventory names the deleted files' extractors, copies kept" || fail "the inventory names the deleted files' extractors"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
taken = [o for o in lines if o.get("extractors")]
assert len(taken) == 7, [(o.get("path"), o.get("extractors")) for o in taken]
assert all(o["name_allocated"] is False and "object" in o for o in taken), taken
PY
schemas_ok "$C" "the records of all three match their schemas"
expect_exit 0 "the case verifies" custody-verify --case "$C"

echo "1..$n"
