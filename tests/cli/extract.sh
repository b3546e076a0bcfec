#!/bin/sh
# custody-extract: the inventory and target lists of real images, in every
# container, as a sealed unit; hostile twins give a clear error.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
D=$CUSTODY_TESTDATA/dfvfs
inv() { echo "$C/extractions/$1/inventory.jsonl"; }

if testdata "$D/ext2.E01" "the dfvfs ext2 image in every container"; then
	check "an E01 given by path" custody-extract --case "$C" --item E001 \
		"$D/ext2.E01"
	grep '"path":"/passwords.txt"' "$(inv E001-X1)" |
		grep -q '"md5":"39cb097008d17660abd0539891a672af"' &&
		ok "passwords.txt has the published MD5" ||
		fail "passwords.txt has the published MD5"
	grep -q '"link_target":"a_directory/another_file"' "$(inv E001-X1)" &&
		ok "the symlink and its target" || fail "the symlink and its target"
	x=2
	for img in ext2.split.E01 ext2.splitraw.000 ext2.vmdk ext2.vhd ext2.qcow2; do
		custody-extract --case "$C" --item E001 "$D/$img" >"$T/.out" 2>"$T/.err"
		if cmp -s "$(inv E001-X1)" "$(inv "E001-X$x")"; then
			ok "$img gives the same inventory, byte for byte"
		else
			fail "$img gives the same inventory, byte for byte"
			sed 's/^/#   /' "$T/.err"
		fi
		x=$((x + 1))
	done
	grep -qF "$D/ext2.split.E02" \
		"$C/extractions/E001-X2/extraction.json" &&
		ok "the second segment was found and recorded" ||
		fail "the second segment was found and recorded"
	# an ISO 9660 image and a bzip2 stream as files of a disk
	mkdir -p "$T/iso"
	cp "$D/iso9660.raw" "$T/iso/disc.iso" && cp "$D/syslog.bz2" "$T/iso/" &&
		mke2fs -q -F -t ext4 -d "$T/iso" "$T/iso.img" 8M >/dev/null 2>&1 ||
		fail "an ext4 image holding an ISO and a bzip2 stream"
	check "extract the disk holding them" custody-extract --case "$C" \
		--item E001 --quiet "$T/iso.img"
	X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
	grep -F '"path":"/disc.iso!PASSWORDS.TXT"' "$X/inventory.jsonl" |
		grep -q '"md5":"39cb097008d17660abd0539891a672af"' &&
		ok "the ISO's members: passwords.txt with its published MD5" ||
		fail "the ISO's members: passwords.txt with its published MD5"
	grep -F '"path":"/syslog.bz2!syslog"' "$X/inventory.jsonl" |
		grep -q "\"md5\":\"$(md5sum <"$D/syslog" | cut -d' ' -f1)\"" &&
		ok "the bzip2 stream's content, as md5sum says of syslog" ||
		fail "the bzip2 stream's content"
fi

# a FAT disk: a live file and a deleted one, both with targets
mkdir -p "$T/files"
printf 'admin: ops@botnet-panel.example.com\nc2: http://update.example.net/gate.php\n' \
	>"$T/files/CONFIG.TXT"
printf 'list: victim1@example.org victim2@example.org 203.0.113.17\n' \
	>"$T/files/LIST.TXT"
mkfs.fat -C -n CONTROLLER "$T/fat.img" 2048 >/dev/null 2>&1 &&
	mcopy -i "$T/fat.img" "$T/files/CONFIG.TXT" "$T/files/LIST.TXT" :: &&
	mdel -i "$T/fat.img" ::LIST.TXT &&
	ok "a FAT image with a file deleted (mkfs.fat, mcopy, mdel)" ||
	fail "a FAT image"
check "the disk acquired" custody-image --case "$C" --item E001 --quiet \
	--verify none "$T/fat.img"
A=$(basename "$(ls -d "$C"/acquisitions/E001-A*)")
check "custody-extract --acq" custody-extract --case "$C" --acq "$A"
X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
grep '"name_allocated":false' "$X/inventory.jsonl" | grep -q 'IST.TXT' &&
	ok "the deleted file is in the inventory" ||
	fail "the deleted file is in the inventory"
grep -q '^victim1@example.org,' "$X/targets/emails.csv" &&
	ok "an address only in the deleted file is carved" ||
	fail "an address only in the deleted file is carved"
grep -q '^ops@botnet-panel.example.com,1,' "$X/targets/emails.csv" &&
	ok "an address of the live file, counted once" ||
	fail "an address of the live file, counted once"
grep -q '^http://update.example.net/gate.php,' "$X/targets/urls.csv" &&
	ok "the C&C URL" || fail "the C&C URL"
grep -q '^203.0.113.17,' "$X/targets/ips.csv" && ok "the IP address" ||
	fail "the IP address"
grep -q '"manifest_sha256"' "$X/extraction.json" &&
	ok "the record ties the extraction to the acquisition's seal" ||
	fail "the record ties the extraction to the acquisition's seal"
check "a second run" custody-extract --case "$C" --acq "$A"
Y=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
cmp -s "$X/inventory.jsonl" "$Y/inventory.jsonl" &&
	cmp -s "$X/targets/emails.csv" "$Y/targets/emails.csv" &&
	cmp -s "$X/targets/urls.csv" "$Y/targets/urls.csv" &&
	ok "same image, same inventory and targets" ||
	fail "same image, same inventory and targets"
check "the case verifies with its extractions" custody-verify --case "$C"
grep -q '"action":"extracted"' "$C/custody.log" && ok "extracted is logged" ||
	fail "extracted is logged"

schemas_ok "$C" "extraction records and every inventory line match their schemas"

[ "$(grep -c '<fileobject' "$X/inventory.dfxml")" -eq \
	"$(grep -c '"type":"regular"\|"type":"directory"\|"type":"symlink"\|"type":"virtual"\|"type":"other"' "$X/inventory.jsonl")" ] &&
	ok "one fileobject per inventory entry" ||
	fail "one fileobject per inventory entry"
XSD=$CUSTODY_TESTDATA/schemas/dfxml/dfxml.xsd
if ! command -v xmllint >/dev/null 2>&1; then
	skip "inventory.dfxml against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "inventory.dfxml against the DFXML schema"; then
	check "inventory.dfxml is valid against the DFXML schema (xmllint)" \
		xmllint --noout --nonet --schema "$XSD" "$X/inventory.dfxml"
fi

# file types as file(1) gives them, for the same content
mkdir -p "$T/types"
cp /usr/bin/true "$T/types/TRUE"
printf '<?php\n$db_pass = "x";\n' >"$T/types/PANEL.PHP"
printf '<html><head><title>panel</title></head><body>login</body></html>\n' \
	>"$T/types/INDEX.HTM"
printf 'bot list\n' | gzip -9n >"$T/types/LIST.GZ"
printf 'plain target list\nvictim@example.org\n' >"$T/types/NOTES.TXT"
# larger than the head file(1) reads: its type needs its tail too
head -c 3000000 /dev/urandom | gzip -1n >"$T/types/BIG.GZ"
mkfs.fat -C -n TYPES "$T/types.img" 16384 >/dev/null 2>&1 &&
	mcopy -i "$T/types.img" "$T/types/"* :: ||
	fail "a FAT image of typed files"
check "extract the typed files" custody-extract --case "$C" --item E001 \
	"$T/types.img"
X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
for f in TRUE PANEL.PHP INDEX.HTM LIST.GZ NOTES.TXT BIG.GZ; do
	want_mime=$(file -b -P bytes=1048576 --mime-type "$T/types/$f")
	want_desc=$(file -b -P bytes=1048576 "$T/types/$f")
	line=$(grep "\"path\":\"/$f\"" "$X/inventory.jsonl")
	got_mime=$(printf '%s' "$line" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("mime"))')
	got_desc=$(printf '%s' "$line" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin).get("description"))')
	if [ "$got_mime" = "$want_mime" ] && [ "$got_desc" = "$want_desc" ]; then
		ok "$f: $want_mime, as file(1) says"
	else
		fail "$f: '$got_mime' / '$got_desc', file(1): '$want_mime' / '$want_desc'"
	fi
done

# archives inside the file system: nested, hostile names, a bomb
mkdir -p "$T/arc/install" "$T/disk/var/www" "$T/arc/deep"
printf '<?php $admin = "root@cnc-panel.example.net"; ?>\n' >"$T/arc/install/config.php"
(cd "$T/arc" && zip -q -r panel.zip install && tar -czf backup.tar.gz panel.zip) &&
	cp "$T/arc/backup.tar.gz" "$T/disk/var/www/" &&
	head -c 104857600 /dev/zero >"$T/arc/zeros.bin" &&
	(cd "$T/arc" && zip -q -9 bomb.zip zeros.bin) &&
	cp "$T/arc/bomb.zip" "$T/disk/var/www/" ||
	fail "archives made with zip and tar"
[ -f "$D/zip_mixed_paths.zip" ] && cp "$D/zip_mixed_paths.zip" "$T/disk/var/www/"
mke2fs -q -F -t ext4 -d "$T/disk" "$T/arc.img" 16M >/dev/null 2>&1 ||
	fail "an ext4 image holding them (mke2fs -d)"
check "extract an image holding archives" custody-extract --case "$C" \
	--item E001 "$T/arc.img"
X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
want=$(md5sum <"$T/arc/install/config.php" | cut -d' ' -f1)
grep -F '"path":"/var/www/backup.tar.gz!panel.zip!install/config.php"' \
	"$X/inventory.jsonl" | grep -q "\"md5\":\"$want\"" &&
	ok "a file in a zip in a tar.gz: its chain and its MD5" ||
	fail "a file in a zip in a tar.gz: its chain and its MD5"
grep -q '^root@cnc-panel.example.net,[0-9]*,p0:/var/www/backup.tar.gz!panel.zip!install/config.php,' \
	"$X/targets/emails.csv" &&
	ok "an address inside the nested archive is carved, with its chain" ||
	fail "an address inside the nested archive is carved, with its chain"
grep -F '"path":"/var/www/bomb.zip"' "$X/inventory.jsonl" |
	grep -q '"kind":"bomb-expanded"' &&
	ok "the zip bomb is recorded as a bomb" ||
	fail "the zip bomb is recorded as a bomb"
if testdata "$D/zip_mixed_paths.zip" "a member with an absolute name"; then
	grep -F '"container":"/var/www/zip_mixed_paths.zip"' "$X/inventory.jsonl" |
		grep -qF '"name":"/folder/syslog"' &&
		ok "a member with an absolute name is recorded as named" ||
		fail "a member with an absolute name is recorded as named"
fi
[ "$(find "$C" -newer "$T/arc.img" -type f | grep -v "^$X/\|custody\.\|examiners/" | wc -l)" -eq 0 ] &&
	ok "nothing from the archives was written outside the unit" ||
	fail "nothing from the archives was written outside the unit"
schemas_ok "$C" "member lines match inventory.schema.json"

# FAT keeps local wall-clock times in no recorded zone: a file stamped
# 14:05 UTC, copied on a machine in Tokyo, holds 23:05; the inventory says
# 23:05 without a zone, whatever the examiner's own zone is
printf 'tz\n' >"$T/TZ.TXT"
touch -d '2011-03-16 14:05:00 UTC' "$T/TZ.TXT"
mkfs.fat -C "$T/tz.img" 2048 >/dev/null 2>&1 &&
	TZ=Asia/Tokyo mcopy -m -i "$T/tz.img" "$T/TZ.TXT" :: ||
	fail "a FAT image written in Tokyo"
for zone in UTC America/New_York; do
	TZ=$zone custody-extract --case "$C" --item E001 --quiet "$T/tz.img" ||
		fail "extracted with TZ=$zone"
	X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
	grep '"name":"TZ.TXT"' "$X/inventory.jsonl" >"$T/tz.$(echo $zone | tr / _)"
done
grep -q '"mtime":"2011-03-16T23:05:00"' "$T/tz.UTC" &&
	ok "a FAT time is its wall-clock time, without a zone" ||
	{ fail "a FAT time is its wall-clock time"; sed 's/^/#   /' "$T/tz.UTC"; }
cmp -s "$T/tz.UTC" "$T/tz.America_New_York" &&
	ok "the examiner's time zone changes nothing" ||
	fail "the examiner's time zone changes nothing"
grep -q '<mtime prec=.2.>2011-03-16T23:05:00</mtime>' "$X/inventory.dfxml" &&
	ok "the DFXML has it as fiwalk writes it" ||
	fail "the DFXML has the FAT time as fiwalk writes it"

# a folder a hosting provider exported, and one archive handed over alone
mkdir -p "$T/export/a" "$T/export/www"
printf 'relay: spam-relay@botnet.example.com\n' >"$T/export/a/x.cfg"
printf 'a.txt sorts before a/x.cfg\n' >"$T/export/a.txt"
printf 'gate http://gate.example.org/panel.php\n' >"$T/export/a0"
printf '<?php $db = "10.1.2.3"; ?>\n' >"$T/export/www/index.php"
ln -s /etc/passwd "$T/export/passwd-link"
mkfifo "$T/export/pipe"
(cd "$T/export" && tar czf "$T/panel.tgz" www a/x.cfg)
# a.txt was never read: relatime would stamp its first reading
atime_before=$(stat -c %x "$T/export/a.txt")
check "a folder extracted" custody-extract --case "$C" --item E001 --quiet \
	"$T/export"
X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
grep -q '"path":"/a/x.cfg".*' "$X/inventory.jsonl" &&
	grep -q '^spam-relay@botnet.example.com,1,p0:/a/x.cfg,' \
		"$X/targets/emails.csv" &&
	ok "its files are inventoried and carved" ||
	fail "a folder's files are inventoried and carved"
grep '"path":"/passwd-link"' "$X/inventory.jsonl" |
	grep '"link_target":"/etc/passwd"' | grep -qv '"sha256"' &&
	ok "a symlink is recorded with its target, never followed" ||
	fail "a symlink is recorded, never followed"
grep '"path":"/pipe"' "$X/inventory.jsonl" | grep -q '"type":"fifo"' &&
	ok "a FIFO is recorded, not opened" || fail "a FIFO is recorded"
[ "$(stat -c %x "$T/export/a.txt")" = "$atime_before" ] &&
	ok "reading left the access times as they were" ||
	fail "reading left the access times as they were"
check "the folder again" custody-extract --case "$C" --item E001 --quiet \
	"$T/export"
Y=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
# Linux stamps a symlink's access time when its target is read, whatever
# the flags: that line may change between runs, no other may
grep -v '"path":"/passwd-link"' "$X/inventory.jsonl" >"$T/folder.1"
grep -v '"path":"/passwd-link"' "$Y/inventory.jsonl" >"$T/folder.2"
cmp -s "$T/folder.1" "$T/folder.2" &&
	ok "a second extraction of the folder gives the same inventory" ||
	{ fail "a second extraction of the folder gives the same inventory"
	  diff "$T/folder.1" "$T/folder.2" | cut -c1-300 | sed 's/^/#   /'; }
want=$(cd "$T/export" && find . -type f -print0 | LC_ALL=C sort -z |
	xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
"$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))["source"]["folder"]
sys.exit(0 if s["sha256"] == sys.argv[2] and s["files"] == 4 else 1)' \
	"$X/extraction.json" "$want" &&
	ok "the folder's digest is what find, sort and sha256sum give" ||
	fail "the folder's digest is what find, sort and sha256sum give"
# without SHA-256 on the lines, the digest is taken by reading again
custody-extract --case "$C" --item E001 --quiet --hash md5 "$T/export" ||
	fail "the folder extracted with --hash md5"
"$PYTHON" -c 'import json, sys
s = json.load(open(sys.argv[1]))["source"]["folder"]
sys.exit(0 if s["sha256"] == sys.argv[2] and s["files"] == 4 else 1)' \
	"$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)/extraction.json" \
	"$want" &&
	ok "and the same digest without SHA-256 among the digests" ||
	fail "the same folder digest without SHA-256 among the digests"
# the member's address, seen first there, then in the tgz's stream
check "an archive by path extracted" custody-extract --case "$C" \
	--item E001 --quiet "$T/panel.tgz"
X=$(ls -d "$C"/extractions/E001-X* | sort -V | tail -n 1)
grep -F '"container":"/panel.tgz"' "$X/inventory.jsonl" |
	grep -qF '"name":"a/x.cfg"' &&
	grep -q '^spam-relay@botnet.example.com,2,p0:/panel.tgz!a/x.cfg,' \
		"$X/targets/emails.csv" &&
	ok "its members are inventoried and carved" ||
	{ fail "an archive's members are inventoried and carved"
	  cut -c1-200 "$X/inventory.jsonl" | sed 's/^/#   /'; }
if ! command -v xmllint >/dev/null 2>&1; then
	skip "the folder's DFXML against the DFXML schema: no xmllint (libxml2-utils)"
elif testdata "$XSD" "the folder's DFXML against the DFXML schema"; then
	check "the folder's DFXML is valid (xmllint)" \
		xmllint --noout --nonet --schema "$XSD" "$Y/inventory.dfxml"
fi
schemas_ok "$C" "the folder and archive records match their schemas"

# hostile twins
head -c 1048576 /dev/urandom >"$T/random.img"
expect_exit 0 "random bytes: no file system, carved as unrecognised space" \
	custody-extract --case "$C" --item E001 "$T/random.img"
contains "$T/.err" "no file system found: the whole image was carved" "and says so"
head -c 300000 "$T/fat.img" >"$T/cut.img"
# what the cut left out is a problem of the record (6); never a clean 0
expect_exit 6 "a truncated image: a record that says so" custody-extract \
	--case "$C" --item E001 "$T/cut.img"
mkdir "$T/empty"
expect_exit 3 "an empty folder: a clear error" custody-extract --case "$C" \
	--item E001 "$T/empty"
contains "$T/.err" "is empty" "and says so"
ls -d "$C"/extractions/*.partial >/dev/null 2>&1 &&
	fail "a refused run leaves no unfinished unit behind" ||
	ok "a refused run leaves no unfinished unit behind"
expect_exit 2 "--acq and image files together are refused" \
	custody-extract --case "$C" --acq "$A" "$T/fat.img"
expect_exit 2 "an image by path needs --item" \
	custody-extract --case "$C" "$T/fat.img"
expect_exit 3 "an acquisition that does not exist" \
	custody-extract --case "$C" --acq E001-A99

echo "1..$n"
