#!/bin/sh
# The tamper suite of a signed, timestamped case: a clean case verifies with
# exit 0, and every tampering is caught (exit 1) with a message naming what
# and where.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

examiner "$T/alice" "Alice Examiner" && examiner "$T/bob" "Bob Second" &&
	examiner "$T/mallory" "Mallory Forger" || fail "examiner keys"
A=$(signing "$T/alice")
B=$(signing "$T/bob")
tsa_start ok || fail "test TSA"
C=$T/case
ALICE_FP=$(openssl x509 -in "$T/alice/cert.pem" -noout -fingerprint -sha256 |
	cut -d= -f2 | tr -d : | tr A-F a-f)
MALLORY_FP=$(openssl x509 -in "$T/mallory/cert.pem" -noout -fingerprint \
	-sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)

# shellcheck disable=SC2086 # $A and $B are option lists
{
	custody-case init "$C" --number 2011-RX-003 --title "Tampered" \
		--examiner "Alice Examiner" $A &&
	custody-case add-item --case "$C" --item E001 $A &&
	custody-case add-item --case "$C" --item E002 $A &&
	head -c 300000 /dev/urandom >"$T/disk.img" &&
	custody-image --case "$C" --item E001 --quiet --format split \
		--segment-size 128K --block-size 64K $A --tsa "$TSA_URL" \
		"$T/disk.img" &&
	cp "$C/custody.checkpoint" "$T/old.checkpoint" &&
	cp "$C/custody.checkpoint.p7s" "$T/old.checkpoint.p7s" &&
	printf 'panel config\n' >"$T/config.php" &&
	custody-hash --case "$C" --item E001 $A --tsa "$TSA_URL" "$T/config.php" &&
	cp "$C/artifacts/E001-H1/SHA256SUMS.p7s" "$T/alice-only.p7s" &&
	custody-sign --case "$C" $B --co-sign --tsa "$TSA_URL" E001-H1 &&
	custody-log add --case "$C" --action transferred --item E001 \
		--to "Evidence room" $A &&
	custody-log add --case "$C" --action stored --item E001 \
		--location "Locker 12" $A
} >"$T/.build" 2>&1 && ok "a signed, timestamped, co-signed case" ||
	{ fail "a signed case"; sed 's/^/#   /' "$T/.build"; }
cat "$T/alice/cert.pem" "$T/bob/cert.pem" >"$T/examiners.pem"
VERIFY="custody-verify --require-signatures --tsa-cafile $TSA_DIR/tsa-ca.pem"

expect_exit 0 "the clean case verifies" $VERIFY --case "$C"
grep -q '^failed\|^warning' "$T/.out" && fail "no false alarm: not one warning" ||
	ok "no false alarm: not one warning"
expect_exit 0 "the clean case verifies with the examiners' certificates from outside" \
	$VERIFY --case "$C" --cafile "$T/examiners.pem"

n_t=0
tamper() {
	desc=$1
	text=$2
	shift 2
	n_t=$((n_t + 1))
	X=$T/t$n_t
	cp -r "$C" "$X"
	chmod -R u+w "$X"
	(cd "$X" && eval "$@") >"$T/.tamper" 2>&1 ||
		sed 's/^/#   tampering: /' "$T/.tamper"
	expect_exit 1 "caught: $desc" $VERIFY --case "$X" --quiet
	contains "$T/.out" "$text" "named: $desc"
}

# mallory_sign FILE: a detached signature over FILE by a key not the case's
mallory_sign() {
	openssl cms -sign -binary -in "$1" -signer "$T/mallory/cert.pem" \
		-inkey "$T/mallory/key.pem" -passin "file:$T/mallory/pass" \
		-outform DER -md sha256 -out "$1.p7s"
}

I=acquisitions/E001-A1
H=artifacts/E001-H1
tamper "one byte flipped in an image segment" "$I/image.001" \
	"flip_byte $I/image.001 1000"
tamper "a truncated image segment" "$I/image.000" \
	"truncate -s -512 $I/image.000"
tamper "a deleted image segment" "$I/image.002" "rm $I/image.002"
tamper "a file added to a unit" "$I/notes.txt" "echo planted >$I/notes.txt"
tamper "acquisition.json edited" "$I/acquisition.json" \
	"sed -i 's/\"examiner\"/\"Examiner\"/' $I/acquisition.json"
# the first hex digit changed, whatever it was (a fixed digit would be no
# change one run in sixteen)
tamper "SHA256SUMS edited, its old signature kept" "does not verify" \
	"sed -i '1{s/= 0/= 1/;t;s/= ./= 0/}' $I/SHA256SUMS"
# the forger rewrites a record and both manifests so that they agree
tamper "a record and its manifests rewritten, the old signature kept" \
	"does not verify" \
	"sed -i 's/Tampered/Tampered!/' $H/artifacts.json 2>/dev/null;
	 sed -i 's/panel config/panel-config/' $H/files/config.php;
	 new=\$(sha256sum $H/files/config.php | cut -d' ' -f1);
	 sed -i \"s/^\\(SHA256 (files\\/config.php) = \\).*/\\1\$new/\" $H/SHA256SUMS"
tamper "the signature replaced by one from another key" "not trusted" \
	"rm $H/SHA256SUMS.p7s; mallory_sign $H/SHA256SUMS"
tamper "another key's signature, its certificate planted in examiners/" \
	"not the one logged" \
	"rm $H/SHA256SUMS.p7s; mallory_sign $H/SHA256SUMS;
	 cp '$T/mallory/cert.pem' examiners/$MALLORY_FP.pem"
tamper "the examiner certificate replaced" "examiners/$ALICE_FP.pem" \
	"cp '$T/mallory/cert.pem' examiners/$ALICE_FP.pem"
tamper "a custody log line deleted" "custody.log line 5" "sed -i 5d custody.log"
tamper "a custody log line edited" "line 4 was changed" \
	"sed -i '4s/E001/E009/' custody.log"
tamper "two custody log lines swapped" "custody.log line" \
	"sed -i -n '3{h;n;G};p' custody.log"
tamper "the log truncated after the checkpoint" "cut" \
	"sed -i '\$d' custody.log"
tamper "the checkpoint replaced by an older one" "not covered" \
	"cp '$T/old.checkpoint' custody.checkpoint;
	 cp '$T/old.checkpoint.p7s' custody.checkpoint.p7s;
	 rm -f custody.checkpoint.p7s.tsr"
tamper "events forged at the end of the log, the chain kept" "not covered" \
	"$PYTHON - custody.log <<'EOF'
import hashlib, json, sys
lines = open(sys.argv[1], 'rb').read().splitlines()
last = json.loads(lines[-1])
ev = dict(last, seq=last['seq'] + 1, note='forged',
          prev=hashlib.sha256(lines[-1]).hexdigest())
with open(sys.argv[1], 'ab') as f:
    f.write(json.dumps(ev, sort_keys=True, separators=(',', ':')).encode() + b'\n')
EOF"
tamper "the checkpoint edited, its signature kept" "custody.checkpoint" \
	"sed -i 's/\"events\":[0-9]*/\"events\":3/' custody.checkpoint"
tamper "the checkpoint's signature removed" "checkpoint is not signed" \
	"rm -f custody.checkpoint.p7s custody.checkpoint.p7s.tsr"
tamper "a timestamp token altered" "$I" \
	"flip_byte $I/SHA256SUMS.p7s.tsr \$((\$(wc -c <$I/SHA256SUMS.p7s.tsr) - 10))"
tamper "a timestamp token taken from another unit" "other data" \
	"cp $H/SHA256SUMS.p7s.tsr $I/SHA256SUMS.p7s.tsr"
tamper "a timestamp token deleted" "SHA256SUMS.p7s.tsr logged" \
	"rm $I/SHA256SUMS.p7s.tsr"
tamper "a unit's signature deleted" "SHA256SUMS.p7s logged" \
	"rm $I/SHA256SUMS.p7s $I/SHA256SUMS.p7s.tsr"
tamper "a co-signature stripped" "not the one logged" \
	"cp '$T/alice-only.p7s' $H/SHA256SUMS.p7s; rm -f $H/SHA256SUMS.p7s.tsr"
# A custody-sign killed while writing: a file size limit kills it (SIGXFSZ)
# in the middle of writing the new signature or token to its temporary
# name, which stays in the unit.  Not tampering, but the unit is no longer
# exactly what was sealed: verify fails and says what the file is.
tamper "custody-sign --co-sign killed while writing the signature" \
	"an interrupted signing left this file" \
	"kill_at 'cust_fs_close_synced if \$_regex(name, \".*/SHA256SUMS\\\\.p7s\$\")' \
		custody-sign --case . $B --co-sign E001-A1;
	 ls $I/SHA256SUMS.p7s.tmp-*"
contains "$T/.out" "failed   unit      $I/SHA256SUMS.p7s.tmp-" \
	"the leftover signature is named as a failure of the unit"
expect_exit 1 "custody-sign refuses the unit while the leftover is there" \
	custody-sign --case "$X" $B --co-sign E001-A1
contains "$T/.err" "SHA256SUMS.p7s.tmp-" "custody-sign names the leftover"
rm -f "$X/$I"/SHA256SUMS.p7s.tmp-*
expect_exit 0 "the unit verifies again once the leftover is removed" \
	$VERIFY --case "$X"
tamper "custody-sign --timestamp killed while writing the token" \
	"an interrupted timestamping left this file" \
	"kill_at 'cust_fs_close_synced if \$_regex(name, \".*/SHA256SUMS\\\\.p7s\\\\.tsr\$\")' \
		custody-sign --case . $A --timestamp --tsa '$TSA_URL' E001-H1;
	 ls $H/SHA256SUMS.p7s.tsr.tmp-*"
contains "$T/.out" "failed   unit      $H/SHA256SUMS.p7s.tsr.tmp-" \
	"the leftover token is named as a failure of the unit"
# a file size limit reached while writing is a write error now, not a
# death by SIGXFSZ: custody-sign fails and leaves nothing behind
X=$T/fsize
cp -r "$C" "$X"
# shellcheck disable=SC2086 # $B is an option list
(ulimit -f 1; exec custody-sign --case "$X" $B --co-sign E001-A1) >"$T/.out" 2>"$T/.err"
got=$?
[ "$got" -eq 4 ] && ok "custody-sign at a file size limit fails with exit 4" ||
	{ fail "custody-sign at a file size limit fails with exit 4 (exit $got)"; sed 's/^/#   /' "$T/.err"; }
[ -z "$(ls "$X/$I" | grep tmp-)" ] && ok "and leaves no temporary in the unit" ||
	fail "and leaves no temporary in the unit"
expect_exit 0 "and the case still verifies" $VERIFY --case "$X"
tamper "a unit renamed" "$I" "mv $I acquisitions/E001-A2"
tamper "a unit moved under another item" "$H" "mv $H artifacts/E002-H1"

echo "1..$n"
