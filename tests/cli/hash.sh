#!/bin/sh
# custody-hash: register artifacts as a sealed unit that stock tools verify.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
mkdir -p "$T/in/photos/rack 12" "$T/in/empty"
printf 'JPEG of the rack' >"$T/in/photos/rack 12/IMG_0001.jpg"
printf 'JPEG of the label' >"$T/in/photos/IMG_0002 (label).jpg"
printf 'Seizure form signed by the provider\n' >"$T/in/seizure-form.pdf"
ln -s /etc/passwd "$T/in/photos/escape"
head -c 9000000 /dev/urandom >"$T/in/logical-copy.bin" # above the one-shot size

expect_exit 0 "register files and a folder" custody-hash --case "$C" --item E001 \
	--note "photos of the seized server" "$T/in/photos" "$T/in/seizure-form.pdf" \
	"$T/in/logical-copy.bin"
contains "$T/.out" "sealed artifacts/E001-H1 (4 files)" "unit named after the item"
contains "$T/.err" "symbolic link (not followed)" "symlink in a folder is reported"
U=$C/artifacts/E001-H1
[ -d "$U" ] && [ ! -e "$U.partial" ] && ok "unit sealed (renamed from .partial)" ||
	fail "unit sealed (renamed from .partial)"
[ ! -e "$U/files/photos/escape" ] && ok "symlink not copied" || fail "symlink not copied"
cmp -s "$T/in/logical-copy.bin" "$U/files/logical-copy.bin" && ok "large file copied exactly" ||
	fail "large file copied exactly"
cmp -s "$T/in/photos/rack 12/IMG_0001.jpg" "$U/files/photos/rack 12/IMG_0001.jpg" &&
	ok "nested file copied exactly" || fail "nested file copied exactly"

# the output hashes are those of the sources
want=$(sha256sum "$T/in/logical-copy.bin" | cut -d' ' -f1)
contains "$T/.out" "$want" "printed SHA-256 matches sha256sum"
want=$(md5sum "$T/in/logical-copy.bin" | cut -d' ' -f1)
contains "$U/artifacts.json" "$want" "record has the MD5 of md5sum"
want=$(sha1sum "$T/in/logical-copy.bin" | cut -d' ' -f1)
contains "$U/artifacts.json" "$want" "record has the SHA-1 of sha1sum"
contains "$U/artifacts.json" '"source": "'"$T"'/in/photos/escape"' "record lists what was skipped"

# stock tools verify the seal
(cd "$U" && sha256sum --quiet -c SHA256SUMS) >"$T/.sum" 2>&1 && ok "sha256sum -c SHA256SUMS passes" ||
	fail "sha256sum -c SHA256SUMS passes"
[ "$(grep -c '^SHA256 (' "$U/SHA256SUMS")" -eq 5 ] && ok "SHA256SUMS lists 4 files and the record" ||
	fail "SHA256SUMS lists 4 files and the record"
sort -c "$U/SHA256SUMS" 2>/dev/null && ok "SHA256SUMS sorted" || fail "SHA256SUMS sorted"
audit() {
	(cd "$1" && find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS \
		! -path ./SHA256SUMS.p7s ! -path ./SHA256SUMS.p7s.tsr -print0 |
		xargs -0 hashdeep -a -k manifest.hashdeep -l)
}
audit "$U" >"$T/.audit" 2>&1 && ok "hashdeep audit passes" || fail "hashdeep audit passes"
contains "$T/.audit" "Audit passed" "hashdeep says Audit passed"

# hostile twins of the sealed unit: stock tools notice
cp -r "$U" "$T/u2"
chmod -R u+w "$T/u2"
flip_byte "$T/u2/files/logical-copy.bin" 4096
(cd "$T/u2" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1 && fail "sha256sum catches a flipped byte" ||
	ok "sha256sum catches a flipped byte"
audit "$T/u2" >/dev/null 2>&1 && fail "hashdeep catches a flipped byte" || ok "hashdeep catches a flipped byte"
cp -r "$U" "$T/u3"
chmod -R u+w "$T/u3"
echo extra >"$T/u3/files/planted.txt"
audit "$T/u3" >/dev/null 2>&1 && fail "hashdeep catches an added file" || ok "hashdeep catches an added file"

expect_exit 0 "custody-verify passes on the case" custody-verify --case "$C"
contains "$C/custody.log" '"action":"hashed"' "hashed event logged"
sums=$(sha256sum "$U/SHA256SUMS" | cut -d' ' -f1)
contains "$C/custody.log" "\"manifest_sha256\":\"$sums\"" "event carries the SHA-256 of SHA256SUMS"

expect_exit 0 "a second run without item" custody-hash --case "$C" --json "$T/in/seizure-form.pdf"
$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["unit"]=="artifacts/H1" and d["event"]["seq"]==4 and len(d["files"])==1' "$T/.out" &&
	ok "--json prints the record and the logged event" || fail "--json prints the record and the logged event"

# bad input: nothing is created
count() { find "$C/artifacts" -mindepth 1 -maxdepth 1 | wc -l; }
before=$(count)
expect_exit 3 "a missing file" custody-hash --case "$C" "$T/in/nope.txt"
contains "$T/.err" "nope.txt" "message names the missing file"
expect_exit 2 "no path at all" custody-hash --case "$C"
expect_exit 2 "an unknown item" custody-hash --case "$C" --item E999 "$T/in/seizure-form.pdf"
expect_exit 2 "a hostile item id" custody-hash --case "$C" --item ../../x "$T/in/seizure-form.pdf"
expect_exit 3 "a device is not an artifact" custody-hash --case "$C" /dev/null
expect_exit 3 "an empty folder has nothing to register" custody-hash --case "$C" "$T/in/empty"
mkdir -p "$T/in2/a" "$T/in2/b"
echo 1 >"$T/in2/a/same.txt"
echo 2 >"$T/in2/b/same.txt"
expect_exit 2 "two sources with one name" custody-hash --case "$C" "$T/in2/a/same.txt" "$T/in2/b/same.txt"
contains "$T/.err" "files/same.txt" "the clash is named"
nl=$(printf 'bad\nname')
printf x >"$T/in2/$nl"
expect_exit 3 "a name with a newline is refused" custody-hash --case "$C" "$T/in2/$nl"
expect_exit 2 "an empty note is refused" custody-hash --case "$C" --note "" "$T/in/seizure-form.pdf"
long=$(head -c 5000 /dev/zero | tr '\0' n)
expect_exit 2 "a note over 4096 bytes is refused" custody-hash --case "$C" --note "$long" "$T/in/seizure-form.pdf"
[ "$(count)" -eq "$before" ] && ok "refused runs create no unit" || fail "refused runs create no unit"

# an interrupted run exits 5 and leaves only a partial unit
truncate -s 2G "$T/in2/sparse.img"
custody-hash --case "$C" "$T/in2/sparse.img" >"$T/.out" 2>"$T/.err" &
pid=$!
i=0
while [ $i -lt 500 ] && ! ls -d "$C"/artifacts/*.partial >/dev/null 2>&1; do
	sleep 0.01
	i=$((i + 1))
done
kill -INT $pid
wait $pid
[ $? -eq 5 ] && ok "an interrupted registration exits 5" || fail "an interrupted registration exits 5"
contains "$T/.err" "interrupted" "the interruption is reported"
ls -d "$C"/artifacts/H2.partial >/dev/null 2>&1 && ok "the unfinished unit stays partial" ||
	fail "the unfinished unit stays partial"
rm -f "$T/in2/sparse.img"
expect_exit 0 "status after an interruption" custody-case status --case "$C"
contains "$T/.out" "partial  artifacts/H2.partial" "status names the partial unit"
expect_exit 0 "case still verifies" custody-verify --case "$C"

# the case itself, anything in it, or a folder holding it: sealing the case
# into itself (its live log, its own units) is refused, however it is named
cp "$C/custody.log" "$T/log.before"
before=$(count)
mkdir -p "$T/outer/inner"
mv "$C" "$T/outer/inner/case"
C=$T/outer/inner/case
ln -s "$C" "$T/case-link"
ln -s "$C/case.json" "$T/record-link"
for p in "$C" "$C/" "$C/case.json" "$C/items" "$C/items/E001/item.json" \
	"$C/artifacts/E001-H1" "$T/outer" "$T/outer/inner" "$T/case-link" \
	"$T/record-link" "$C/items/.." "$T/outer/inner/../inner/case/custody.log"; do
	expect_exit 2 "registering '${p#"$T"/}' from the case is refused" \
		custody-hash --case "$C" "$T/in/seizure-form.pdf" "$p"
done
contains "$T/.err" "custody.log': it is inside the case folder '$C'" "the message says why"
expect_exit 2 "'.' inside the case is refused" sh -c 'cd "$1" && custody-hash --case . .' sh "$C"
contains "$T/.err" "cannot register '.': it is the case folder" "the message names the case folder"
expect_exit 2 "the case as a relative path is refused" \
	sh -c 'cd "$1" && custody-hash --case inner/case inner' sh "$T/outer"
contains "$T/.err" "cannot register 'inner': it holds the case folder 'inner/case'" \
	"the message says the folder holds the case"
cmp -s "$T/log.before" "$C/custody.log" && [ "$(count)" -eq "$before" ] &&
	ok "nothing is logged or sealed" || fail "nothing is logged or sealed"
# the good twin: a symlink to the case inside a folder is never followed
mkdir "$T/near"
printf 'x\n' >"$T/near/note.txt"
ln -s "$C" "$T/near/case-link"
expect_exit 0 "a folder with a symlink to the case is registered" custody-hash --case "$C" "$T/near"
contains "$T/.err" "symbolic link (not followed)" "the symlink is skipped"

echo "1..$n"
