#!/bin/sh
# RFC 3161 with stock OpenSSL alone: the test TSA (tests/fixtures/tsa-setup.sh
# and tsa-server.py, which custody's timestamp module is tested against)
# answers real TimeStampReqs over HTTP, and a defense expert's
#   openssl ts -verify -data FILE -in FILE.tsr -CAfile tsa-ca.pem -untrusted tsa.pem
# accepts its tokens, and only for the right file, root and request.
. "$CUSTODY_TOP/tests/cli/lib.sh"

FIX=$CUSTODY_TOP/tests/fixtures
TSA=$T/tsa
SERVER_PID=

# stop_server: SIGTERM, and the server must exit 0
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID"
	ss_status=$?
	SERVER_PID=
	return $ss_status
}
trap 'stop_server; chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

# start_server MODE: the TSA in MODE on a free port; its URL in $URL
start_server() {
	rm -f "$T/port"
	"$PYTHON" "$FIX/tsa-server.py" --dir "$TSA" --port-file "$T/port" \
		--mode "$1" --delay 20 >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	i=0
	while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -s "$T/port" ] || return 1
	URL="http://127.0.0.1:$(cat "$T/port")/tsa"
}

# post QUERY REPLY: POST the TimeStampReq QUERY to $URL, the body to REPLY;
# prints the HTTP status and the content type
post() {
	"$PYTHON" - "$URL" "$1" "$2" <<'EOF'
import sys, urllib.error, urllib.request
url, query, reply = sys.argv[1:4]
req = urllib.request.Request(url, data=open(query, "rb").read(),
                             headers={"Content-Type": "application/timestamp-query"})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        body, status, ctype = r.read(), r.status, r.headers.get("Content-Type")
except urllib.error.HTTPError as e:
    body, status, ctype = e.read(), e.code, e.headers.get("Content-Type")
open(reply, "wb").write(body)
print(status, ctype)
EOF
}

# stamp FILE MODE: query for FILE (FILE.tsq), asked from a server in MODE,
# reply in FILE.tsr; the status line of post in $T/.post
stamp() {
	openssl ts -query -data "$1" -sha256 -cert -out "$1.tsq" 2>/dev/null &&
		start_server "$2" && post "$1.tsq" "$1.tsr" >"$T/.post"
	st=$?
	stop_server || st=1
	return $st
}

verify() { # verify DATA TSR [CAFILE]
	openssl ts -verify -data "$1" -in "$2" -CAfile "${3:-$TSA/tsa-ca.pem}" \
		-untrusted "$TSA/tsa.pem"
}

check "tsa-setup.sh makes a test TSA" sh "$FIX/tsa-setup.sh" "$TSA"
openssl x509 -in "$TSA/tsa.pem" -noout -ext extendedKeyUsage,keyUsage >"$T/ext" 2>&1
contains "$T/ext" "X509v3 Extended Key Usage: critical" "the TSA certificate's extendedKeyUsage is critical"
contains "$T/ext" "Time Stamping" "the TSA certificate is for time stamping"
contains "$T/ext" "Digital Signature, Non Repudiation" "the TSA key signs with non-repudiation"
expect_exit 1 "tsa-setup.sh refuses to overwrite a setup" sh "$FIX/tsa-setup.sh" "$TSA"

mkdir "$T/unit"
head -c 5000 /dev/urandom >"$T/unit/SHA256SUMS.p7s"
printf 'another signature\n' >"$T/other.p7s"
D=$T/unit/SHA256SUMS.p7s

# the genuine exchange
check "the TSA answers a TimeStampReq" stamp "$D" ok
contains "$T/.post" "200 application/timestamp-reply" "as application/timestamp-reply"
check "openssl ts -verify accepts the token" verify "$D" "$D.tsr"
contains "$T/.out" "Verification: OK" "openssl says Verification: OK"
check "the token matches its request (imprint and nonce)" \
	openssl ts -verify -queryfile "$D.tsq" -in "$D.tsr" -CAfile "$TSA/tsa-ca.pem"
openssl ts -reply -in "$D.tsr" -text >"$T/text" 2>/dev/null
contains "$T/text" "Status: Granted." "the reply is granted"
contains "$T/text" "Policy OID: 1.3.6.1.4.1.99999.1" "under the test policy"
contains "$T/text" "Hash Algorithm: sha256" "over a SHA-256 imprint"
contains "$T/text" "Nonce: 0x" "with the request's nonce"

# hostile twins, each refused by the stock tool
expect_exit 1 "openssl ts -verify rejects the token for another file" verify "$T/other.p7s" "$D.tsr"
contains "$T/.err" "message imprint mismatch" "the imprint mismatch is named"
expect_exit 1 "openssl ts -verify rejects a root that is not the TSA's" verify "$D" "$D.tsr" "$TSA/other-ca.pem"
cp "$D.tsr" "$T/flipped.tsr"
size=$(wc -c <"$T/flipped.tsr")
last=$(od -An -tu1 -j $((size - 1)) "$T/flipped.tsr" | tr -d ' ')
printf "\\$(printf '%03o' $(((last + 1) % 256)))" |
	dd of="$T/flipped.tsr" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
expect_exit 1 "openssl ts -verify rejects a token with a flipped signature byte" verify "$D" "$T/flipped.tsr"
head -c $((size / 2)) "$D.tsr" >"$T/truncated.tsr"
expect_exit 1 "openssl ts -verify rejects a truncated token" verify "$D" "$T/truncated.tsr"

# the server's faulty modes (the unit test drives custody's client at them)
check "wrong-imprint: the TSA signs other data" stamp "$D" wrong-imprint
expect_exit 1 "openssl ts -verify rejects it for the data" verify "$D" "$D.tsr"
contains "$T/.err" "message imprint mismatch" "as an imprint mismatch"
check "wrong-nonce: the TSA answers another request" stamp "$D" wrong-nonce
expect_exit 0 "the data is timestamped" verify "$D" "$D.tsr"
expect_exit 1 "but the nonce is not the request's" \
	openssl ts -verify -queryfile "$D.tsq" -in "$D.tsr" -CAfile "$TSA/tsa-ca.pem"
contains "$T/.err" "nonce mismatch" "as a nonce mismatch"
check "bad-signature: the TSA's reply is damaged" stamp "$D" bad-signature
expect_exit 1 "openssl ts -verify rejects it" verify "$D" "$D.tsr"
check "reject: the TSA refuses" stamp "$D" reject
openssl ts -reply -in "$D.tsr" -text >"$T/text" 2>&1
contains "$T/text" "Status: Rejected." "openssl reads the refusal"
contains "$T/text" "the requested TSA policy is not supported" "with its failure info (unacceptedPolicy)"
expect_exit 1 "openssl ts -verify rejects a refusal" verify "$D" "$D.tsr"
check "http-error: the server fails" stamp "$D" http-error
contains "$T/.post" "500 text/plain" "with HTTP 500"
check "garbage: the server sends noise" stamp "$D" garbage
contains "$T/.post" "200 application/timestamp-reply" "labelled as a reply"
expect_exit 1 "openssl ts -verify rejects the noise" verify "$D" "$D.tsr"

# one request at a time, and SIGTERM during a slow answer still stops it cleanly
openssl ts -query -data "$D" -sha256 -cert -out "$D.tsq" 2>/dev/null
start_server slow || fail "the slow server starts"
post "$D.tsq" "$T/slow.tsr" >/dev/null 2>&1 &
client=$!
sleep 0.5
check "SIGTERM stops the server in the middle of a slow answer (exit 0)" stop_server
wait "$client"
[ ! -s "$T/slow.tsr" ] && ok "the slow client got no reply" || fail "the slow client got no reply"
echo "1..$n"
