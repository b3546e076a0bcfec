#!/bin/sh
# custody-verify: a clean case verifies; each tampering is caught and named.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
mkdir "$T/in"
printf 'panel config\n' >"$T/in/config.php"
printf 'a@example.com\nb@example.org\n' >"$T/in/targets.txt"
custody-hash --case "$C" --item E001 "$T/in/config.php" "$T/in/targets.txt" >/dev/null
custody-log add --case "$C" --action transferred --item E001 --to "Evidence room" >/dev/null
custody-log add --case "$C" --action stored --item E001 --location "Locker 12" >/dev/null
custody-hash --case "$C" "$T/in/config.php" >/dev/null

expect_exit 0 "a clean case verifies" custody-verify --case "$C"
contains "$T/.out" "verified: 6 events, 1 items, 2 sealed units; 0 failed" "summary line"
expect_exit 0 "--json report" custody-verify --case "$C" --json
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["result"]=="verified" and not [f for f in d["findings"] if f["status"]=="failed"]' "$T/.out" &&
	ok "--json report says verified" || fail "--json report says verified"
expect_exit 1 "--require-signatures fails an unsigned case" custody-verify --case "$C" --require-signatures

# tamper CASE-COPY: run a tampering on a fresh copy, expect exit 1 and TEXT
n_t=0
tamper() {
	desc=$1
	text=$2
	shift 2
	n_t=$((n_t + 1))
	X=$T/t$n_t
	cp -r "$C" "$X"
	chmod -R u+w "$X"
	(cd "$X" && eval "$@")
	expect_exit 1 "caught: $desc" custody-verify --case "$X" --quiet
	contains "$T/.out" "$text" "named: $desc"
}

U=artifacts/E001-H1
tamper "one byte changed in a unit file" "$U/files/config.php: file changed" \
	"flip_byte $U/files/config.php 2"
tamper "a unit file deleted" "$U/files/targets.txt: file listed in SHA256SUMS is missing" \
	"rm $U/files/targets.txt"
tamper "a file added to a unit" "$U/files/planted.php: extra file" \
	"echo '<?php' > $U/files/planted.php"
tamper "the unit record edited" "$U/artifacts.json: file changed" \
	"sed -i 's/\"note\"/\"nope\"/; s/E001/E002/' $U/artifacts.json"
tamper "a file changed and both manifests rewritten" "SHA256SUMS differs from the one logged" \
	"echo changed > $U/files/config.php; cd $U; rm SHA256SUMS manifest.hashdeep;
	 sha256sum --tag artifacts.json files/config.php files/targets.txt > SHA256SUMS;
	 find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS -print0 | xargs -0 hashdeep -c md5,sha256 -l > manifest.hashdeep"
tamper "manifest.hashdeep edited" "manifest.hashdeep disagrees" \
	"sed -i 's/^\\([0-9]*\\),[0-9a-f]\\{4\\}/\\1,0000/' $U/manifest.hashdeep"
tamper "a whole unit deleted" "unit logged at custody.log line 3 is missing" "rm -r $U"
tamper "a unit planted without a log event" "artifacts/H2: sealed unit has no event" \
	"cp -r artifacts/H1 artifacts/H2"
tamper "a unit renamed" "artifacts/E001-H9: sealed unit has no event" "mv $U artifacts/E001-H9"
tamper "a log line edited" "custody.log line 5: does not link to line 4" \
	"sed -i '4s/Evidence room/Somewhere else/' custody.log"
tamper "a log line deleted" "custody.log line 4: seq 5 where 4 was expected" \
	"sed -i '4d' custody.log"
tamper "two log lines swapped" "custody.log line 4: seq 5 where 4 was expected" \
	"awk 'NR==4{h=\$0;next} NR==5{print;print h;next} {print}' custody.log > l && mv l custody.log"
tamper "a log line duplicated" "custody.log line 5: seq 4 where 5 was expected" \
	"sed -i '4p' custody.log"
tamper "a log line reformatted by an editor" "custody.log line 2: line is not in the canonical form" \
	"sed -i '2s/,\"host\"/, \"host\"/' custody.log"
tamper "garbage in the log" "custody.log line 3: not a valid event" \
	"sed -i '3s/^{/{{/' custody.log"
tamper "an item record edited" "id 'E999' does not match its folder 'E001'" \
	"sed -i 's/\"id\": \"E001\"/\"id\": \"E999\"/' items/E001/item.json"
grep -q "is missing" "$T/.out" && fail "a broken item is not also called missing" ||
	ok "a broken item is not also called missing"
tamper "the case title edited" "case.json: record changed since it was written" \
	"sed -i 's/Operation b107/Operation Other/' case.json"
tamper "an item serial edited" "items/E001: record changed since it was written" \
	"sed -i 's/WD-123/WD-999/' items/E001/item.json"
tamper "case.json taken from another case" "case id differs from the one in the custody log" \
	"custody-case init ../other-\$\$ --number 2011-RX-001 --title 'Operation b107' --examiner 'Test Examiner' --agency 'Digital Crimes Unit' >/dev/null && cp ../other-\$\$/case.json case.json"
tamper "an item planted without an event" "items/E002: record has no event in the custody log" \
	"mkdir items/E002 && sed 's/E001/E002/' items/E001/item.json > items/E002/item.json"
tamper "an item deleted" "item logged at custody.log line 2 is missing" "rm -r items/E001"
tamper "a stray file among the units" "artifacts/notes.txt: not a unit custody wrote" \
	"echo x > artifacts/notes.txt"

# Only the exact seal files are left out of a unit's manifests: anything
# else named like them is a file planted after sealing.
tamper "SHA256SUMS.txt planted in a unit" "$U/SHA256SUMS.txt: extra file" \
	"echo planted > $U/SHA256SUMS.txt"
tamper "SHA256SUMS.old planted in a unit" "$U/SHA256SUMS.old: extra file" \
	"cp $U/SHA256SUMS $U/SHA256SUMS.old"
tamper "a signature-like file planted in an unsigned unit" \
	"$U/SHA256SUMS.p7s.tmp-4242: an interrupted signing left this file" \
	"echo planted > $U/SHA256SUMS.p7s.tmp-4242"
# a manifest lists files, never folders: an empty folder came later
tamper "an empty folder planted in a unit" "$U/files/stash: empty folder" \
	"mkdir $U/files/stash"
tamper "an empty folder planted at the top of a unit" "$U/a/b: empty folder" \
	"mkdir -p $U/a/b"
# the case folder holds only what custody writes
tamper "a file planted in the case folder" "notes.txt: not part of a case folder" \
	"echo x > notes.txt"
tamper "a folder planted in the case folder" "stash: not part of a case folder" \
	"mkdir stash && echo x > stash/x"
tamper "a file planted in items/" \
	"items/notes.txt: '$T/t$((n_t + 1))/items/notes.txt' is not a folder" \
	"echo x > items/notes.txt"
tamper "a file planted in an item folder" \
	"items/E001/photo.jpg: not part of an item" "echo x > items/E001/photo.jpg"
# symlinks where custody keeps folders: nothing behind one is evidence,
# even an exact copy of what was there
tamper "artifacts/ replaced by a symlink to a copy" \
	"artifacts: a symlink where custody keeps a folder" \
	"mv artifacts \"\$PWD.artifacts\" && ln -s \"\$PWD.artifacts\" artifacts"
custody-verify --case "$X" >"$T/.full" 2>&1
grep -q "^ok  *unit  *$U" "$T/.full" &&
	fail "nothing behind a symlinked artifacts/ is reported ok" ||
	ok "nothing behind a symlinked artifacts/ is reported ok"
tamper "acquisitions/ replaced by a symlink" \
	"acquisitions: a symlink where custody keeps a folder" \
	"rmdir acquisitions && mkdir \"\$PWD.acq\" && ln -s \"\$PWD.acq\" acquisitions"
tamper "extractions/ replaced by a symlink" \
	"extractions: a symlink where custody keeps a folder" \
	"rmdir extractions && mkdir \"\$PWD.x\" && ln -s \"\$PWD.x\" extractions"
tamper "a unit replaced by a symlink to a copy" "$U: a symlink, not a unit folder" \
	"mv $U \"\$PWD.unit\" && ln -s \"\$PWD.unit\" $U"
tamper "items/ replaced by a symlink to a copy" \
	"items: a symlink where custody keeps a folder" \
	"mv items \"\$PWD.items\" && ln -s \"\$PWD.items\" items"
tamper "an item folder replaced by a symlink to a copy" \
	"items/E001: '$T/t$((n_t + 1))/items/E001' is a symlink" \
	"mv items/E001 \"\$PWD.E001\" && ln -s \"\$PWD.E001\" items/E001"
tamper "the checkpoint replaced by a symlink to a copy" \
	"custody.checkpoint: a symlink, not a file custody writes" \
	"mv custody.checkpoint \"\$PWD.cp\" && ln -s \"\$PWD.cp\" custody.checkpoint"

# what an interrupted command leaves beside the case's files is reported,
# not failed: the case folder as a whole is not sealed
cp -r "$C" "$T/leftover"
chmod -R u+w "$T/leftover"
cp "$T/leftover/custody.checkpoint" "$T/leftover/custody.checkpoint.tmp-4242"
cp "$T/leftover/items/E001/item.json" "$T/leftover/items/E001/item.json.tmp-77"
expect_exit 0 "a leftover temporary in the case folder does not fail" \
	custody-verify --case "$T/leftover"
contains "$T/.out" "warning  case      custody.checkpoint.tmp-4242: an interrupted command left this file" \
	"the leftover temporary is reported"
contains "$T/.out" "warning  item      items/E001/item.json.tmp-77: an interrupted custody-case add-item left this file" \
	"the leftover temporary of an item record is reported"
tamper "a file planted under a temporary-like name" \
	"custody.log.tmp-1: not part of a case folder" "echo x > custody.log.tmp-1"
# the folders custody keeps besides the units are known, when they are folders
cp -r "$C" "$T/kept"
chmod -R u+w "$T/kept"
mkdir -p "$T/kept/checkpoints" "$T/kept/runs" "$T/kept/recoveries"
expect_exit 0 "checkpoints/, runs/ and recoveries/ are part of a case" \
	custody-verify --case "$T/kept"
tamper "examiners/ replaced by a symlink" \
	"examiners: a symlink where custody keeps a folder" \
	"rmdir examiners && mkdir \"\$PWD.ex\" && ln -s \"\$PWD.ex\" examiners"
tamper "runs/ replaced by a file" "runs: not a folder, where custody keeps one" \
	"rm -rf runs && echo x > runs"

# a leftover partial unit is reported but is not a failure
cp -r "$C" "$T/partial"
mkdir "$T/partial/artifacts/H7.partial"
echo half >"$T/partial/artifacts/H7.partial/half-copied.bin"
expect_exit 0 "a partial unit alone does not fail verification" custody-verify --case "$T/partial"
contains "$T/.out" "warning  unit      artifacts/H7.partial: unfinished unit" "the partial unit is reported"

cp -r "$C" "$T/nocase"
chmod u+w "$T/nocase/case.json"
echo '{"id": 5}' >"$T/nocase/case.json"
expect_exit 1 "a malformed case record fails verification" custody-verify --case "$T/nocase"
contains "$T/.out" "failed   case      case.json: '$T/nocase/case.json': format_version" "the bad field is named"
contains "$T/.out" "ok       unit      artifacts/H1" "the rest of the case is still checked"
expect_exit 3 "a folder without case.json is not a case" custody-verify --case "$T/in"

echo "1..$n"
