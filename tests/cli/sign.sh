#!/bin/sh
# Signed units, co-signatures, timestamps and signed checkpoints: made by the
# commands, checked by custody-verify and by stock openssl.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

examiner "$T/alice" "Alice Examiner" && examiner "$T/bob" "Bob Second" &&
	ok "two examiner keys made with openssl" || fail "examiner keys"
A=$(signing "$T/alice")
B=$(signing "$T/bob")
cat "$T/alice/cert.pem" "$T/bob/cert.pem" >"$T/both.pem"
C=$T/case

# cms_ok CONTENT SIG CAFILE: what a defence expert runs
cms_ok() {
	openssl cms -verify -binary -inform DER -in "$2" -content "$1" \
		-CAfile "$3" -purpose any -out /dev/null 2>/dev/null
}
sha() { sha256sum "$1" | cut -d' ' -f1; }
fp_of() {
	openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2 |
		tr -d : | tr A-F a-f
}

# --- signing as the case is made and worked ---
# shellcheck disable=SC2086 # $A and $B are option lists
check "custody-case init signs the checkpoint" \
	custody-case init "$C" --number 2011-RX-002 --title "Signed" \
	--examiner "Alice Examiner" $A
check "the checkpoint's signature verifies with openssl cms" \
	cms_ok "$C/custody.checkpoint" "$C/custody.checkpoint.p7s" \
	"$T/alice/cert.pem"
check "the examiner's certificate is kept as examiners/<fingerprint>.pem" \
	cmp "$T/alice/cert.pem" "$C/examiners/$(fp_of "$T/alice/cert.pem").pem"
check "custody-case add-item, signed" \
	custody-case add-item --case "$C" --item E001 $A
printf 'spam template\n' >"$T/template.txt"
check "custody-hash seals and signs a unit" \
	custody-hash --case "$C" --item E001 $A "$T/template.txt"
H=$C/artifacts/E001-H1
check "SHA256SUMS.p7s verifies with openssl cms -CAfile the examiner" \
	cms_ok "$H/SHA256SUMS" "$H/SHA256SUMS.p7s" "$T/alice/cert.pem"
cp "$H/SHA256SUMS" "$T/sums" && echo "SHA256 (x) = 00" >>"$T/sums"
if cms_ok "$T/sums" "$H/SHA256SUMS.p7s" "$T/alice/cert.pem"; then
	fail "openssl cms refuses a changed SHA256SUMS"
else ok "openssl cms refuses a changed SHA256SUMS"; fi
if cms_ok "$H/SHA256SUMS" "$H/SHA256SUMS.p7s" "$T/bob/cert.pem"; then
	fail "openssl cms refuses another examiner's certificate as anchor"
else ok "openssl cms refuses another examiner's certificate as anchor"; fi
grep '"action":"signed"' "$C/custody.log" | grep -q "\"sha256\":\"$(sha "$H/SHA256SUMS.p7s")\"" &&
	ok "the signed event names the signature's SHA-256" ||
	fail "the signed event names the signature's SHA-256"
grep '"action":"signed"' "$C/custody.log" | grep -q '"actor":{"fingerprint":"'"$(fp_of "$T/alice/cert.pem")"'"' &&
	ok "the signed event names the signer's fingerprint" ||
	fail "the signed event names the signer's fingerprint"
check "custody-verify --require-signatures: the signed case verifies" \
	custody-verify --case "$C" --require-signatures
contains "$T/.out" "signed by CN = Alice Examiner" "the report names the signer"

# --- timestamps from a real RFC 3161 authority on loopback ---
if tsa_start ok; then ok "test TSA started"; else fail "test TSA started"; fi
head -c 1048576 /dev/urandom >"$T/disk.img"
check "custody-image with --tsa signs and timestamps the acquisition" \
	custody-image --case "$C" --item E001 --quiet $A --tsa "$TSA_URL" \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem" "$T/disk.img"
I=$C/acquisitions/E001-A1
check "openssl ts -verify accepts SHA256SUMS.p7s.tsr" \
	openssl ts -verify -data "$I/SHA256SUMS.p7s" -in "$I/SHA256SUMS.p7s.tsr" \
	-CAfile "$TSA_DIR/tsa-ca.pem"
grep '"action":"timestamped"' "$C/custody.log" | grep -q "\"sha256\":\"$(sha "$I/SHA256SUMS.p7s.tsr")\"" &&
	ok "the timestamped event names the token's SHA-256" ||
	fail "the timestamped event names the token's SHA-256"
check "the checkpoint is timestamped too" \
	openssl ts -verify -data "$C/custody.checkpoint.p7s" \
	-in "$C/custody.checkpoint.p7s.tsr" -CAfile "$TSA_DIR/tsa-ca.pem"
check "custody-verify checks the timestamps against the TSA anchor" \
	custody-verify --case "$C" --require-signatures \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "timestamped at" "the report gives the timestamp time"

# --- co-signing, re-signing ---
check "custody-sign --co-sign adds a second examiner's signature" \
	custody-sign --case "$C" $B --co-sign E001-A1
signers=$(openssl cms -cmsout -print -inform DER -in "$I/SHA256SUMS.p7s" |
	grep -c 'signatureAlgorithm:')
[ "$signers" -eq 2 ] && ok "the signature has two signers" ||
	fail "the signature has two signers ($signers)"
check "openssl cms verifies both signers with both certificates" \
	cms_ok "$I/SHA256SUMS" "$I/SHA256SUMS.p7s" "$T/both.pem"
if cms_ok "$I/SHA256SUMS" "$I/SHA256SUMS.p7s" "$T/alice/cert.pem"; then
	fail "openssl cms checks every signer (Bob's is not trusted alone)"
else ok "openssl cms checks every signer (Bob's is not trusted alone)"; fi
[ ! -e "$I/SHA256SUMS.p7s.tsr" ] &&
	ok "the token over the old signature is dropped" ||
	fail "the token over the old signature is dropped"
expect_exit 2 "co-signing twice as the same examiner is refused" \
	custody-sign --case "$C" $B --co-sign E001-A1
contains "$T/.err" "already signed" "and says so"
expect_exit 2 "signing a signed unit needs --co-sign or --replace" \
	custody-sign --case "$C" $A E001-H1
check "custody-sign --timestamp adds a timestamp later" \
	env -u CUSTODY_EXAMINER custody-sign --case "$C" $B --tsa "$TSA_URL" \
	--timestamp E001-A1
check "custody-verify: co-signed and timestamped unit verifies" \
	custody-verify --case "$C" --require-signatures \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "Bob Second" "the report names the co-signer"
grep '"action":"timestamped"' "$C/custody.log" | tail -n 1 |
	grep -q '"actor":{"fingerprint":"[0-9a-f]*","name":"Bob Second"}' &&
	ok "the co-signer acts under the certificate's name" ||
	fail "the co-signer acts under the certificate's name"
check "custody-sign --replace signs again" \
	custody-sign --case "$C" $A --replace E001-H1

# --- an authority that fails does not lose the work ---
closed_port || fail "a port that refuses connections"
port=$CLOSED_PORT
"$PYTHON" -c 'import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))' "$port" 2>/dev/null &&
	fail "no other process can take that port" ||
	ok "no other process can take that port"
printf 'target list\n' >"$T/targets.txt"
check "custody-hash with an unreachable TSA still seals and signs" \
	custody-hash --case "$C" --item E001 $A --tsa "http://127.0.0.1:$port/tsa" \
	"$T/targets.txt"
contains "$T/.err" "not timestamped" "it warns that the unit is not timestamped"
H2=$C/artifacts/E001-H2
[ -f "$H2/SHA256SUMS.p7s" ] && [ ! -e "$H2/SHA256SUMS.p7s.tsr" ] &&
	ok "the unit is signed, without a token" || fail "signed, no token"
grep '"action":"signed"' "$C/custody.log" | tail -n 1 | grep -q timestamp_error &&
	ok "the missing timestamp is recorded in the signed event" ||
	fail "the missing timestamp is recorded in the signed event"
for mode in reject http-error garbage wrong-imprint reset; do
	tsa_start "$mode" || fail "test TSA in mode $mode"
	printf 'x %s\n' "$mode" >"$T/$mode.txt"
	custody-hash --case "$C" --item E001 $A --tsa "$TSA_URL" "$T/$mode.txt" \
		>"$T/.out" 2>"$T/.err"
	rc=$?
	if [ "$rc" -eq 0 ] && grep -q "not timestamped" "$T/.err"; then
		ok "a TSA answering '$mode' leaves a signed unit and a warning"
	else
		fail "a TSA answering '$mode' (exit $rc)"
		sed 's/^/#   /' "$T/.err"
	fi
done
tsa_start ok || fail "test TSA"
check "custody-sign --timestamp adds the missing token" \
	custody-sign --case "$C" $A --tsa "$TSA_URL" --timestamp E001-H2
check "openssl ts -verify accepts the token added later" \
	openssl ts -verify -data "$H2/SHA256SUMS.p7s" -in "$H2/SHA256SUMS.p7s.tsr" \
	-CAfile "$TSA_DIR/tsa-ca.pem"

# --- key safety ---
cp "$C/custody.log" "$T/log.before"
echo "wrong passphrase" >"$T/wrong"
expect_exit 3 "a wrong passphrase is refused" \
	custody-hash --case "$C" --item E001 --key "$T/alice/key.pem" \
	--cert "$T/alice/cert.pem" --passphrase-file "$T/wrong" "$T/template.txt"
contains "$T/.err" "passphrase" "the message names the passphrase"
cmp -s "$T/log.before" "$C/custody.log" && [ ! -e "$C/artifacts/E001-H8" ] &&
	ok "and nothing was written" || fail "and nothing was written"
expect_exit 2 "a key without its certificate is refused" \
	custody-hash --case "$C" --item E001 --key "$T/alice/key.pem" \
	--passphrase-file "$T/alice/pass" "$T/template.txt"
cp "$T/alice/key.pem" "$T/open.pem" && chmod 644 "$T/open.pem"
custody-hash --case "$C" --item E001 --key "$T/open.pem" \
	--cert "$T/alice/cert.pem" --passphrase-file "$T/alice/pass" \
	"$T/template.txt" >"$T/.out" 2>"$T/.err" &&
	fail "a key readable by others is refused" ||
	ok "a key readable by others is refused"
expect_exit 2 "--tsa without a key is refused" \
	custody-hash --case "$C" --item E001 --tsa "$TSA_URL" "$T/template.txt"
CUSTODY_PASSPHRASE=$(cat "$T/alice/pass")
export CUSTODY_PASSPHRASE
check "the passphrase from CUSTODY_PASSPHRASE" \
	custody-hash --case "$C" --item E001 --key "$T/alice/key.pem" \
	--cert "$T/alice/cert.pem" "$T/template.txt"
unset CUSTODY_PASSPHRASE
cat >"$T/config" <<EOF
# the examiner's configuration
key = alice/key.pem
cert = alice/cert.pem
passphrase_file = alice/pass
EOF
export CUSTODY_CONFIG="$T/config"
check "the key found through the configuration file" \
	custody-hash --case "$C" --item E001 "$T/template.txt"
last=$(ls -d "$C"/artifacts/E001-H* | sort -V | tail -n 1)
[ -f "$last/SHA256SUMS.p7s" ] && ok "and the unit is signed" ||
	fail "and the unit is signed"
check "--no-sign leaves the unit unsigned" \
	custody-hash --case "$C" --item E001 --no-sign "$T/template.txt"
export CUSTODY_CONFIG="$T/no-config"
last=$(ls -d "$C"/artifacts/E001-H* | sort -V | tail -n 1)
[ ! -e "$last/SHA256SUMS.p7s" ] && [ ! -e "$C/custody.checkpoint.p7s" ] &&
	ok "no signature on the unit or the checkpoint" ||
	fail "no signature on the unit or the checkpoint"
check "custody-verify: an unsigned unit is reported, not failed" \
	custody-verify --case "$C" --tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "unsigned" "the report lists it as unsigned"
expect_exit 1 "custody-verify --require-signatures fails on it" \
	custody-verify --case "$C" --require-signatures \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"

# --- the records match their schemas ---
custody-verify --case "$C" --json --tsa-cafile "$TSA_DIR/tsa-ca.pem" >"$T/report.json"
custody-sign --case "$C" $B --co-sign --json E001-H2 >"$T/signature.json"
custody-log proof --case "$C" --seq 2 -o "$T/proof2.json" >/dev/null 2>&1
custody-verify --proof "$T/proof2.json" --cafile "$T/both.pem" --json >"$T/proof-report.json"
if "$PYTHON" "$CUSTODY_TOP/tests/validate_records.py" \
	--schemas "$CUSTODY_TOP/evidence-schema" --case "$C" \
	--report "$T/report.json" --record verify-report "$T/proof-report.json" \
	--record signature "$T/signature.json" --record proof "$T/proof2.json" \
	>"$T/.schemas" 2>&1; then
	ok "signed events, checkpoint, proof, signature record and reports match their schemas"
else
	fail "records match their schemas"
	grep -v '^ok' "$T/.schemas" | sed 's/^/#   /'
fi

# --- an examiner certified by the agency's CA (custody-keygen --csr) ---
mkdir -p "$T/ca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/ca/ca.key" -out "$T/ca/ca.pem" -subj "/CN=Test Agency CA" \
	-days 30 -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null ||
	fail "test agency CA"
printf 'carol passphrase\n' >"$T/carol.pass"
check "custody-keygen --csr for the agency's CA" \
	custody-keygen --name "Carol Third" --agency "Digital Crimes Unit" \
	--out "$T/carol" --csr --passphrase-file "$T/carol.pass"
openssl x509 -req -in "$T/carol/examiner.csr" -CA "$T/ca/ca.pem" \
	-CAkey "$T/ca/ca.key" -CAcreateserial -days 30 -copy_extensions copy \
	-out "$T/carol-issued.pem" 2>/dev/null || fail "the CA issues"
cat "$T/carol-issued.pem" "$T/ca/ca.pem" >"$T/carol-chain.pem"
check "custody-keygen --import-cert installs what the CA issued" \
	custody-keygen --out "$T/carol" --import-cert "$T/carol-chain.pem"
check "custody-sign --co-sign as the CA-certified examiner" \
	custody-sign --case "$C" --key "$T/carol/examiner.key" \
	--cert "$T/carol/examiner.pem" --passphrase-file "$T/carol.pass" \
	--co-sign E001-H1
expect_exit 1 "without the agency's CA file her signature is not trusted" \
	custody-verify --case "$C" --tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "issuer not trusted" "and the report says why"
check "with --cafile the agency's CA, it is" \
	custody-verify --case "$C" --cafile "$T/ca/ca.pem" \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"
cat "$T/alice/cert.pem" "$T/ca/ca.pem" >"$T/alice-ca.pem"
check "openssl cms verifies the chain the signature carries" \
	cms_ok "$H/SHA256SUMS" "$H/SHA256SUMS.p7s" "$T/alice-ca.pem"

# --- a certificate is judged at the time it signed, not at verification ---
cat >"$T/ca/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $T/ca/index.txt
new_certs_dir = $T/ca
certificate = $T/ca/ca.pem
private_key = $T/ca/ca.key
serial = $T/ca/serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
commonName = supplied
organizationName = optional
emailAddress = optional
EOF
: >"$T/ca/index.txt"
echo 01 >"$T/ca/serial"
printf 'dave passphrase\n' >"$T/dave.pass"
custody-keygen --name "Dave Shortlived" --out "$T/dave" --csr \
	--passphrase-file "$T/dave.pass" >/dev/null 2>&1
ends=$(($(date +%s) + 6))
openssl ca -batch -notext -config "$T/ca/ca.cnf" -in "$T/dave/examiner.csr" \
	-out "$T/dave-issued.pem" \
	-enddate "$(date -u -d "@$ends" +%Y%m%d%H%M%SZ)" >/dev/null 2>&1 &&
	custody-keygen --out "$T/dave" --import-cert "$T/dave-issued.pem" \
	>/dev/null 2>&1 && ok "a certificate valid for six seconds" ||
	fail "a certificate valid for six seconds"
DAVE="--key $T/dave/examiner.key --cert $T/dave/examiner.pem --passphrase-file $T/dave.pass"
check "it signs while it is valid" custody-sign --case "$C" $DAVE --co-sign E001-H3
while [ "$(date +%s)" -le "$ends" ]; do sleep 1; done
if cms_ok "$C/artifacts/E001-H3/SHA256SUMS" "$C/artifacts/E001-H3/SHA256SUMS.p7s" \
	"$T/alice-ca.pem"; then
	fail "stock openssl, judging at the present time, now refuses it"
else ok "stock openssl, judging at the present time, now refuses it"; fi
check "custody-verify still accepts it: it was valid when it signed" \
	custody-verify --case "$C" --cafile "$T/ca/ca.pem" \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "Dave Shortlived" "the report names that signer"
expect_exit 3 "signing with the expired certificate is refused" \
	custody-sign --case "$C" $DAVE --co-sign E001-H4
contains "$T/.err" "expired" "and says it expired"

# --- a checkpoint kept elsewhere, inclusion proofs ---
check "sign again" custody-sign --case "$C" $A "$(basename "$last")"
cp "$C/custody.checkpoint" "$T/kept.checkpoint"
cp "$C/custody.checkpoint.p7s" "$T/kept.checkpoint.p7s"
check "more work after the checkpoint was kept" \
	custody-hash --case "$C" --item E001 $A "$T/targets.txt"
check "--checkpoint: the log only grew since the kept checkpoint" \
	custody-verify --case "$C" --checkpoint "$T/kept.checkpoint" \
	--cafile "$T/ca/ca.pem" --tsa-cafile "$TSA_DIR/tsa-ca.pem"
check "custody-log proof writes an inclusion proof" \
	custody-log proof --case "$C" --seq 3 -o "$T/proof.json"
check "custody-verify --proof checks it with the examiner's certificate" \
	custody-verify --proof "$T/proof.json" --cafile "$T/alice/cert.pem"
contains "$T/.out" "checkpoint signed by" "the proof's checkpoint signature is checked"
expect_exit 1 "a proof checked against another examiner is not trusted" \
	custody-verify --proof "$T/proof.json" --cafile "$T/bob/cert.pem"
grep -q 'hashed' "$T/proof.json" || fail "event 3 of the proof is 'hashed'"
sed 's/hashed/hushed/' "$T/proof.json" >"$T/proof-bad.json"
expect_exit 1 "a proof whose event was edited fails" \
	custody-verify --proof "$T/proof-bad.json" --cafile "$T/alice/cert.pem"
head -n 5 "$C/custody.log" >"$T/short.log" && cp "$T/short.log" "$C/custody.log"
expect_exit 1 "--checkpoint: a log cut below the kept checkpoint fails" \
	custody-verify --case "$C" --checkpoint "$T/kept.checkpoint" \
	--tsa-cafile "$TSA_DIR/tsa-ca.pem"
contains "$T/.out" "$T/kept.checkpoint" "the kept checkpoint is named"

echo "1..$n"
