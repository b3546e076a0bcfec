#!/bin/sh
# docs/verifying-without-custody.md, followed literally: its shell blocks,
# run in order with nothing but the stock tools, pass on a real signed and
# timestamped case and fail on tampered copies of it.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

DOC=$CUSTODY_TOP/docs/verifying-without-custody.md
# the ```sh blocks, in order, as the reader would paste them
awk '/^```sh$/ { on = 1; next } /^```$/ { on = 0 } on' "$DOC" >"$T/steps.sh"
[ "$(grep -c '^```sh$' "$DOC")" -ge 5 ] && [ -s "$T/steps.sh" ] &&
	ok "the page's shell steps extracted" || fail "the page's shell steps"

examiner "$T/alice" "Alice Examiner" && examiner "$T/bob" "Bob Second" ||
	fail "examiner keys"
A=$(signing "$T/alice")
tsa_start ok || fail "test TSA"
C=$T/case
# shellcheck disable=SC2086 # $A is an option list
{
	custody-case init "$C" --number 2011-RX-004 --title "By hand" \
		--examiner "Alice Examiner" $A &&
	custody-case add-item --case "$C" --item E001 $A &&
	head -c 200000 /dev/urandom >"$T/disk.img" &&
	custody-image --case "$C" --item E001 --quiet --format split \
		--segment-size 64K $A --tsa "$TSA_URL" "$T/disk.img" &&
	printf 'bot config\n' >"$T/bot.cfg" &&
	mkdir "$T/panel" && printf 'checksums the bot kept\n' >"$T/panel/SHA256SUMS.txt" &&
	custody-hash --case "$C" --item E001 $A "$T/bot.cfg" \
		"$T/panel/SHA256SUMS.txt" &&
	custody-sign --case "$C" $(signing "$T/bob") --co-sign E001-H1 &&
	custody-log add --case "$C" --action stored --item E001 \
		--location "Locker 12" $A --tsa "$TSA_URL"
} >"$T/.build" 2>&1 && ok "a signed, timestamped, co-signed case" ||
	{ fail "a signed case"; sed 's/^/#   /' "$T/.build"; }
cat "$T/alice/cert.pem" "$T/bob/cert.pem" >"$T/examiners.pem"

# by_hand CASE: the steps, with the certificates from outside the case
by_hand() {
	CASE=$1 EXAMINER_CERT=$T/examiners.pem TSA_CA=$TSA_DIR/tsa-ca.pem \
		sh "$T/steps.sh"
}
expect_exit 0 "the clean case passes every step by hand" by_hand "$C"
contains "$T/.out" "ok: custody.checkpoint signed" "the checkpoint's root recomputed by hand matches"
grep -c '^ok: ' "$T/.out" | grep -qx 5 &&
	ok "two units, the log, the checkpoint and the kept ones each pass" ||
	fail "two units, the log, the checkpoint and the kept ones each pass"
expect_exit 0 "custody-verify agrees" custody-verify --case "$C" \
	--require-signatures --cafile "$T/examiners.pem" \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"

n_t=0
# tampered DESC TEXT SHELL: the steps fail on a copy tampered by SHELL and
# print TEXT
tampered() {
	n_t=$((n_t + 1))
	X=$T/t$n_t
	cp -r "$C" "$X" && chmod -R u+w "$X"
	(cd "$X" && eval "$3") >/dev/null 2>&1
	by_hand "$X" >"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" -ne 0 ] && grep -qF -- "$2" "$T/.err"; then
		ok "by hand, caught: $1"
	else
		fail "by hand, caught: $1 (exit $rc)"
		sed 's/^/#   /' "$T/.out" "$T/.err"
	fi
}
I=acquisitions/E001-A1
tampered "a byte of an image segment" "a file does not match SHA256SUMS" \
	"flip_byte $I/image.001 7"
tampered "a file added to a unit" "hashdeep audit failed" \
	"echo planted >$I/extra.txt"
# only the exact seal files are left out of the audit
tampered "SHA256SUMS.txt added to a unit" "hashdeep audit failed" \
	"echo planted >$I/SHA256SUMS.txt"
tampered "a signature's temporary left in a unit" "hashdeep audit failed" \
	"cp $I/SHA256SUMS.p7s $I/SHA256SUMS.p7s.tmp-4242"
tampered "an empty folder added to a unit" "empty folder" "mkdir $I/stash"
tampered "a unit replaced by a symlink to its copy" "is a symlink" \
	"mv $I \"\$PWD.unit\" && ln -s \"\$PWD.unit\" $I"
tampered "SHA256SUMS rewritten to match a changed file" \
	"signature over SHA256SUMS does not verify" \
	"flip_byte $I/image.000 7;
	 sed -i \"s/^\\(SHA256 (image.000) = \\).*/\\1\$(sha256sum $I/image.000 | cut -d' ' -f1)/\" $I/SHA256SUMS;
	 cd $I && find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS \
	   ! -path ./SHA256SUMS.p7s ! -path ./SHA256SUMS.p7s.tsr -print0 |
	 xargs -0 hashdeep -c md5,sha256 -l >../../manifest.new && mv ../../manifest.new manifest.hashdeep"
tampered "a timestamp token from another file" "timestamp does not verify" \
	"cp custody.checkpoint.p7s.tsr $I/SHA256SUMS.p7s.tsr"
tampered "a log line edited" "custody.log line 4 does not link" \
	"sed -i '3s/E001/E002/' custody.log"
tampered "the last log line removed" "custody.log has" "sed -i '\$d' custody.log"
tampered "the checkpoint's count edited" "checkpoint's signature" \
	"sed -i 's/\"events\":[0-9]*/\"events\":1/' custody.checkpoint"
# an insider with the examiner's key rewrites event 2, re-chains the log
# and signs a new checkpoint: the checkpoints signed before still disagree
tampered "the log rewritten and signed again" "are not the ones of the kept" \
	"$PYTHON '$CUSTODY_TOP/tests/fixtures/forge-log.py' . edit 2 note=rewritten;
	 openssl cms -sign -binary -in custody.checkpoint -signer '$T/alice/cert.pem' \
		-inkey '$T/alice/key.pem' -passin 'file:$T/alice/pass' -outform DER \
		-md sha256 -out custody.checkpoint.p7s"

echo "1..$n"
