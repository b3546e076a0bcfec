#!/bin/sh
# custody-keygen: examiner keys and certificates that stock openssl uses and
# checks; requests for an agency CA and the certificates it issues.
. "$CUSTODY_TOP/tests/cli/lib.sh"

unset CUSTODY_PASSPHRASE CUSTODY_CONFIG XDG_CONFIG_HOME
printf 'correct horse battery\n' >"$T/pass"
printf 'evidence: SHA256 (image.raw) = 00ff\n' >"$T/F"

# no controlling terminal, so that nothing can be asked interactively
noterm() { setsid -w "$@" </dev/null; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }
# the fingerprint as stock openssl gives it: lower case, no colons
ossl_fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'; }
json() { $PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]] if d[sys.argv[2]] is not None else "null")' "$T/.out" "$1"; }
cms_sign() { # CERT KEY FILE: a detached CMS signature FILE.p7s
	openssl cms -sign -binary -in "$3" -signer "$1" -inkey "$2" -passin file:"$T/pass" \
		-outform DER -out "$3.p7s" -md sha256 2>"$T/.cms"
}
cms_verify() { # ANCHOR FILE
	openssl cms -verify -binary -inform DER -in "$2.p7s" -content "$2" -CAfile "$1" \
		-purpose any -out /dev/null 2>"$T/.cms"
}

# ---- conventions ----
expect_exit 0 "--help exits 0" custody-keygen --help
contains "$T/.out" "usage: custody-keygen --name NAME" "--help prints the usage"
contains "$T/.out" "--import-cert FILE" "--help lists --import-cert"
expect_exit 0 "--version exits 0" custody-keygen --version
grep -q '^custody-keygen [0-9]\+\.[0-9]\+\.[0-9]\+$' "$T/.out" && ok "--version prints name and version" ||
	fail "--version prints name and version"
[ -f "$CUSTODY_TOP/docs/man/custody-keygen.1" ] && ok "has a man page" || fail "has a man page"
expect_exit 2 "an unknown option" custody-keygen --bogus
[ "$(head -n 1 "$T/.err")" = "custody-keygen: unknown option '--bogus'" ] && ok "names the unknown option" ||
	fail "names the unknown option"
expect_exit 2 "--name is required" custody-keygen --out "$T/x"
contains "$T/.err" "--name is required" "says --name is required"
expect_exit 2 "an unknown type" custody-keygen --name J --type dsa --out "$T/x" --passphrase-file "$T/pass"
contains "$T/.err" "unknown key type 'dsa'" "names the type"
expect_exit 2 "days out of range" custody-keygen --name J --days 0 --out "$T/x" --passphrase-file "$T/pass"
expect_exit 2 "a name with a control character" custody-keygen --name "$(printf 'J\033[2J')" --out "$T/x" --passphrase-file "$T/pass"
expect_exit 2 "an email that is not one" custody-keygen --name J --email 'a@b,c@d' --out "$T/x" --passphrase-file "$T/pass"
expect_exit 2 "--import-cert with --name" custody-keygen --import-cert "$T/F" --name J
contains "$T/.err" "--import-cert does not take --name" "names the conflict"
expect_exit 2 "an extra argument" custody-keygen --name J extra
[ ! -e "$T/x" ] && ok "usage errors write nothing" || fail "usage errors write nothing"

# ---- each key type: files, fingerprint, stock openssl signs and checks ----
for type in ecdsa ed25519 rsa3072; do
	D=$T/$type
	(umask 000 && custody-keygen --name "Jane Examiner" --agency "Digital Crimes Unit" \
		--email jane@dcu.invalid --type $type --out "$D" --passphrase-file "$T/pass" --json \
		>"$T/.out" 2>"$T/.err")
	[ $? -eq 0 ] && ok "$type: key made" || { fail "$type: key made"; sed 's/^/#   /' "$T/.err"; continue; }
	[ "$(mode "$D/examiner.key")" = 600 ] && ok "$type: key is 0600 under umask 000" ||
		fail "$type: key is 0600 under umask 000 ($(mode "$D/examiner.key"))"
	[ "$(mode "$D")" = 700 ] && ok "$type: folder is 0700" || fail "$type: folder is 0700"
	head -n 1 "$D/examiner.key" | grep -q '^-----BEGIN ENCRYPTED PRIVATE KEY-----$' &&
		ok "$type: key is encrypted PKCS#8" || fail "$type: key is encrypted PKCS#8"
	openssl asn1parse -in "$D/examiner.key" | grep -q ':scrypt' && ok "$type: key encrypted with scrypt" ||
		fail "$type: key encrypted with scrypt"
	openssl pkey -in "$D/examiner.key" -passin pass:wrong-passphrase -noout 2>/dev/null &&
		fail "$type: openssl refuses a wrong passphrase" || ok "$type: openssl refuses a wrong passphrase"
	[ "$(json fingerprint)" = "$(ossl_fp "$D/examiner.pem")" ] && ok "$type: fingerprint = openssl's" ||
		fail "$type: fingerprint = openssl's ($(json fingerprint))"
	[ "$(json key)" = "$D/examiner.key" ] && [ "$(json cert)" = "$D/examiner.pem" ] &&
		[ "$(json config)" = "$D/config" ] && ok "$type: --json names the files" || fail "$type: --json names the files"
	case $type in ecdsa) want=ecdsa-p256 ;; *) want=$type ;; esac
	[ "$(json type)" = "$want" ] && ok "$type: --json names the type" || fail "$type: --json names the type"
	openssl x509 -in "$D/examiner.pem" -noout -text >"$T/.text"
	contains "$T/.text" "Subject: CN = Jane Examiner, O = Digital Crimes Unit, emailAddress = jane@dcu.invalid" \
		"$type: subject"
	contains "$T/.text" "CA:FALSE" "$type: not a CA"
	contains "$T/.text" "Digital Signature, Non Repudiation" "$type: key usage"
	contains "$T/.text" "E-mail Protection" "$type: extended key usage"
	contains "$T/.text" "email:jane@dcu.invalid" "$type: subject alternative name"
	openssl verify -CAfile "$D/examiner.pem" "$D/examiner.pem" >/dev/null 2>&1 &&
		ok "$type: certificate is its own trust anchor" || fail "$type: certificate is its own trust anchor"
	cp "$T/F" "$T/F.$type"
	if cms_sign "$D/examiner.pem" "$D/examiner.key" "$T/F.$type"; then
		cms_verify "$D/examiner.pem" "$T/F.$type" && ok "$type: openssl cms -verify passes" ||
			{ fail "$type: openssl cms -verify passes"; sed 's/^/#   /' "$T/.cms"; }
		flip_byte "$T/F.$type" 3
		cms_verify "$D/examiner.pem" "$T/F.$type" && fail "$type: a changed byte fails cms -verify" ||
			ok "$type: a changed byte fails cms -verify"
	elif [ $type = ed25519 ] && grep -q 'invalid digest\|no default digest' "$T/.cms"; then
		# OpenSSL before 3.2 has no Ed25519 in CMS (RFC 8419)
		ok "$type: cms round trip # SKIP openssl $(openssl version | cut -d' ' -f2) has no Ed25519 CMS"
	else
		fail "$type: openssl cms -sign with the key"
		sed 's/^/#   /' "$T/.cms"
	fi
done
custody-keygen --name J --type ed25519 --out "$T/ed2" --passphrase-file "$T/pass" >/dev/null 2>"$T/.err"
if openssl version | grep -q '^OpenSSL 3\.[01]\.'; then
	contains "$T/.err" "cannot make or check CMS signatures with Ed25519" "ed25519 on OpenSSL 3.0: a note says so"
else
	grep -q "CMS signatures with Ed25519" "$T/.err" &&
		fail "ed25519 on OpenSSL 3.2 or later: no note of missing CMS support" ||
		ok "ed25519 on OpenSSL 3.2 or later: no note of missing CMS support"
fi

# ---- text output and the configuration file ----
D=$T/ecdsa
expect_exit 0 "the configuration file was written" test -f "$D/config"
contains "$D/config" "key = examiner.key" "config names the key"
contains "$D/config" "cert = examiner.pem" "config names the certificate"
D=$T/plain
expect_exit 0 "text output" custody-keygen --name "Jane Examiner" --out "$D" --passphrase-file "$T/pass"
contains "$T/.out" "fingerprint  $(ossl_fp "$D/examiner.pem")" "prints openssl's fingerprint"
contains "$T/.out" "key          $D/examiner.key (ecdsa-p256, encrypted)" "prints the key"
contains "$T/.out" "certificate  $D/examiner.pem" "prints the certificate"
contains "$T/.out" "export CUSTODY_CONFIG=$D/config" "says how other commands find it"

# an existing key is never overwritten
before=$(sha "$D/examiner.key")
expect_exit 4 "an existing key is refused" custody-keygen --name Other --out "$D" --passphrase-file "$T/pass"
contains "$T/.err" "'$D/examiner.key' already exists; custody never overwrites" "says so, naming the key"
[ "$(sha "$D/examiner.key")" = "$before" ] && ok "the key is unchanged" || fail "the key is unchanged"
[ "$(ls "$D" | wc -l)" -eq 3 ] && ok "nothing else written" || fail "nothing else written"

# an existing configuration is never replaced
D=$T/ownconfig
mkdir -p "$D"
printf 'key = /somewhere/else.key\n' >"$D/config"
expect_exit 0 "a folder with its own config" custody-keygen --name J --out "$D" --passphrase-file "$T/pass"
[ "$(cat "$D/config")" = "key = /somewhere/else.key" ] && ok "its config is left unchanged" ||
	fail "its config is left unchanged"
contains "$T/.err" "does not name this key" "and the user is told"

# the default folder: ~/.config/custody, and XDG_CONFIG_HOME
H=$T/home
mkdir "$H"
expect_exit 0 "default folder under HOME" env HOME="$H" custody-keygen --name J --passphrase-file "$T/pass"
[ -f "$H/.config/custody/examiner.key" ] && [ -f "$H/.config/custody/config" ] &&
	ok "written to ~/.config/custody" || fail "written to ~/.config/custody"
[ "$(mode "$H/.config/custody")" = 700 ] && ok "~/.config/custody is 0700" || fail "~/.config/custody is 0700"
mkdir "$T/xdg"
expect_exit 0 "default folder under XDG_CONFIG_HOME" env HOME="$H" XDG_CONFIG_HOME="$T/xdg" \
	custody-keygen --name J --passphrase-file "$T/pass" --json
[ "$(json key)" = "$T/xdg/custody/examiner.key" ] && ok "written to \$XDG_CONFIG_HOME/custody" ||
	fail "written to \$XDG_CONFIG_HOME/custody"

# ---- passphrases ----
expect_exit 0 "passphrase from CUSTODY_PASSPHRASE" env CUSTODY_PASSPHRASE=from-the-env \
	custody-keygen --name J --out "$T/env"
openssl pkey -in "$T/env/examiner.key" -passin pass:from-the-env -noout 2>/dev/null &&
	ok "the key opens with the env passphrase" || fail "the key opens with the env passphrase"
printf 'file wins over env\n' >"$T/pass2"
expect_exit 0 "--passphrase-file wins over the env" env CUSTODY_PASSPHRASE=from-the-env \
	custody-keygen --name J --out "$T/both" --passphrase-file "$T/pass2"
openssl pkey -in "$T/both/examiner.key" -passin file:"$T/pass2" -noout 2>/dev/null &&
	ok "the key opens with the file's passphrase" || fail "the key opens with the file's passphrase"
printf 'short\n' >"$T/short"
expect_exit 2 "a passphrase under 8 bytes" custody-keygen --name J --out "$T/short-dir" --passphrase-file "$T/short"
contains "$T/.err" "at least 8 bytes" "says how long it must be"
[ ! -e "$T/short-dir" ] && ok "nothing written for a short passphrase" || fail "nothing written for a short passphrase"
expect_exit 2 "no passphrase source and no terminal" noterm custody-keygen --name J --out "$T/none"
contains "$T/.err" "no passphrase: give --passphrase-file, set CUSTODY_PASSPHRASE, or run on a terminal" \
	"says where a passphrase can come from"
[ ! -e "$T/none" ] && ok "nothing written without a passphrase" || fail "nothing written without a passphrase"
expect_exit 3 "a missing passphrase file" custody-keygen --name J --out "$T/none" --passphrase-file "$T/nope"
contains "$T/.err" "$T/nope" "names the passphrase file"

# ---- a folder others can write to: the key is secret, so say so ----
# (others who can write there could swap the key, certificate or config)
mkdir "$T/open" "$T/open/sub" "$T/sticky" "$T/group" "$T/mine"
chmod 777 "$T/open"
chmod 1777 "$T/sticky"
chmod 770 "$T/group"
for case in "open/keys:open" "open/sub/keys:open" "group:group" "sticky/keys:" "mine/keys:"; do
	out=${case%%:*}
	bad=${case#*:}
	expect_exit 0 "keygen --out $out" custody-keygen --name J --out "$T/$out" \
		--passphrase-file "$T/pass"
	if [ -n "$bad" ]; then
		contains "$T/.err" "custody-keygen: warning: others can write to '$T/$bad' (mode $(mode "$T/$bad"))" \
			"--out $out: warns that others can write to $bad"
	elif grep -q "warning" "$T/.err"; then
		fail "--out $out: no warning"
		sed 's/^/#   /' "$T/.err"
	else
		ok "--out $out: no warning"
	fi
done
[ -f "$T/open/keys/examiner.key" ] && ok "the key is made all the same" ||
	fail "the key is made all the same"
expect_exit 4 "--import-cert into an open folder (a certificate is there)" custody-keygen --out "$T/open/sub/keys" \
	--import-cert "$T/open/sub/keys/examiner.pem" --passphrase-file "$T/pass"
contains "$T/.err" "warning: others can write to '$T/open'" "--import-cert warns too"

# ---- a request for the agency CA, the certificate it issues ----
CA=$T/ca
mkdir -p "$CA/newcerts"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CA/ca.key" \
	-out "$CA/ca.pem" -subj "/CN=Test Agency CA" -days 30 \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null &&
	ok "test CA made" || fail "test CA made"
D=$T/req
expect_exit 0 "--csr writes a request" custody-keygen --name "Jane Examiner" --agency "Digital Crimes Unit" \
	--email jane@dcu.invalid --out "$D" --csr --passphrase-file "$T/pass" --json
[ "$(json csr)" = "$D/examiner.csr" ] && [ "$(json fingerprint)" = null ] && ok "--json names the request" ||
	fail "--json names the request"
[ ! -e "$D/examiner.pem" ] && ok "no certificate with --csr" || fail "no certificate with --csr"
openssl req -in "$D/examiner.csr" -noout -verify 2>&1 | grep -q 'verify OK' && ok "the request verifies" ||
	fail "the request verifies"
openssl req -in "$D/examiner.csr" -noout -text >"$T/.text"
contains "$T/.text" "Requested Extensions" "the request asks for extensions"
contains "$T/.text" "Digital Signature, Non Repudiation" "the request asks for the key usage"
openssl x509 -req -in "$D/examiner.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -CAcreateserial \
	-days 30 -copy_extensions copy -out "$CA/issued.pem" 2>/dev/null && ok "the CA issues" || fail "the CA issues"
cat "$CA/issued.pem" "$CA/ca.pem" >"$CA/bundle.pem"

# a certificate for another key is refused
custody-keygen --name Other --out "$T/other" --csr --passphrase-file "$T/pass" >/dev/null 2>&1
openssl x509 -req -in "$T/other/examiner.csr" -CA "$CA/ca.pem" -CAkey "$CA/ca.key" -CAcreateserial \
	-days 30 -out "$CA/other.pem" 2>/dev/null
expect_exit 3 "a certificate of another key is refused" noterm custody-keygen --out "$D" --import-cert "$CA/other.pem"
contains "$T/.err" "the certificate in '$CA/other.pem' (CN=Other) is for another key, not for '$D/examiner.key'" \
	"says it is for another key"
[ ! -e "$D/examiner.pem" ] && ok "nothing installed" || fail "nothing installed"

# an expired certificate is refused (made with openssl ca -startdate/-enddate)
cat >"$CA/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $CA/index.txt
new_certs_dir = $CA/newcerts
certificate = $CA/ca.pem
private_key = $CA/ca.key
serial = $CA/serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
commonName = supplied
organizationName = optional
emailAddress = optional
EOF
: >"$CA/index.txt"
echo 01 >"$CA/serial"
openssl ca -batch -notext -config "$CA/ca.cnf" -in "$D/examiner.csr" -out "$CA/old.pem" \
	-startdate 20200101000000Z -enddate 20200201000000Z >/dev/null 2>&1 && ok "openssl ca issues an old one" ||
	fail "openssl ca issues an old one"
expect_exit 3 "an expired certificate is refused" noterm custody-keygen --out "$D" --import-cert "$CA/old.pem"
contains "$T/.err" "expired on 2020-02-01T00:00:00Z" "says when it expired"
expect_exit 3 "a file with no certificate" noterm custody-keygen --out "$D" --import-cert "$T/F"
contains "$T/.err" "no certificate in '$T/F'" "says there is no certificate in it"

# the right one: installed without a passphrase (the request gives the key)
expect_exit 0 "--import-cert installs the CA's certificate" noterm custody-keygen --out "$D" \
	--import-cert "$CA/bundle.pem" --json
[ "$(json fingerprint)" = "$(ossl_fp "$CA/issued.pem")" ] && ok "fingerprint of the issued certificate" ||
	fail "fingerprint of the issued certificate"
[ "$(grep -c 'BEGIN CERTIFICATE' "$D/examiner.pem")" -eq 2 ] && ok "the chain is kept" || fail "the chain is kept"
[ "$(json config_written)" = False ] && ok "the config from --csr is kept" || fail "the config from --csr is kept"
cp "$T/F" "$T/F.ca"
cms_sign "$D/examiner.pem" "$D/examiner.key" "$T/F.ca" && cms_verify "$CA/ca.pem" "$T/F.ca" &&
	ok "signed with the CA's certificate, openssl checks it against the CA" ||
	{ fail "signed with the CA's certificate, openssl checks it against the CA"; sed 's/^/#   /' "$T/.cms"; }
cms_verify "$T/ecdsa/examiner.pem" "$T/F.ca" && fail "another anchor does not verify it" ||
	ok "another anchor does not verify it"
before=$(sha "$D/examiner.pem")
expect_exit 4 "an installed certificate is not replaced" noterm custody-keygen --out "$D" --import-cert "$CA/bundle.pem"
[ "$(sha "$D/examiner.pem")" = "$before" ] && ok "the certificate is unchanged" || fail "the certificate is unchanged"

# without the request next to the key, the passphrase is needed
D2=$T/req2
mkdir "$D2"
cp -p "$D/examiner.key" "$D2/"
expect_exit 2 "no request and no passphrase" noterm custody-keygen --out "$D2" --import-cert "$CA/bundle.pem"
printf 'not the passphrase\n' >"$T/wrong"
expect_exit 3 "a wrong passphrase" custody-keygen --out "$D2" --import-cert "$CA/bundle.pem" --passphrase-file "$T/wrong"
[ "$(tail -n 1 "$T/.err")" = "custody-keygen: wrong passphrase for '$D2/examiner.key'" ] &&
	ok "says the passphrase is wrong, naming the key" || fail "says the passphrase is wrong: $(cat "$T/.err")"
[ "$(ls "$D2")" = examiner.key ] && ok "nothing written after a wrong passphrase" ||
	fail "nothing written after a wrong passphrase"
chmod 644 "$D2/examiner.key"
expect_exit 3 "a key file open to others" custody-keygen --out "$D2" --import-cert "$CA/bundle.pem" --passphrase-file "$T/pass"
contains "$T/.err" "chmod 600 '$D2/examiner.key'" "says to chmod 600"
chmod 600 "$D2/examiner.key"
expect_exit 0 "the right passphrase" custody-keygen --out "$D2" --import-cert "$CA/bundle.pem" --passphrase-file "$T/pass"
contains "$D2/config" "cert = examiner.pem" "a config is written next to it"

echo "1..$n"
