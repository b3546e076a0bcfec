#!/bin/sh
# The passphrase asked on the terminal: echo off while it is typed, and on
# again however the prompt ends, a Ctrl-C, a SIGTERM or a Ctrl-Z included.
# Each command runs on a pseudo-terminal of its own, as a shell's job
# (tests/fixtures/pty-run.py), which reports the terminal's echo flag.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

PTY="$PYTHON $CUSTODY_TOP/tests/fixtures/pty-run.py --transcript $T/.tty"
if ! "$PYTHON" -c 'import os; os.openpty()' 2>/dev/null; then
	echo "1..0 # SKIP no pseudo-terminals here"
	exit 0
fi

# on_tty DESCRIPTION STEP... -- COMMAND...: run it on a terminal; what
# pty-run.py reports goes to $T/.rep, the terminal's transcript to $T/.tty
on_tty() {
	d=$1
	shift
	if $PTY "$@" >"$T/.rep" 2>"$T/.pty"; then ok "$d"; else
		fail "$d"
		sed 's/^/#   /' "$T/.pty" "$T/.tty"
		echo
	fi
}
# reported TEXT DESCRIPTION: pty-run.py reported the line TEXT
reported() {
	if grep -qx -- "$1" "$T/.rep"; then ok "$2"; else
		fail "$2 (reported: $(tr '\n' ' ' <"$T/.rep"))"
	fi
}
absent() { # TEXT DESCRIPTION: the terminal never showed TEXT
	if grep -qF -- "$1" "$T/.tty"; then fail "$2"; else ok "$2"; fi
}

PASS='correct horse battery'

# ---- custody-keygen asks twice ----
on_tty "keygen: a passphrase typed twice" \
	"expect:passphrase for the new key: " "send:$PASS\n" \
	"expect:again: " "send:$PASS\n" \
	-- custody-keygen --name "Jane Examiner" --out "$T/k1"
reported "exit 0" "keygen: the key is made"
reported "echo=on" "keygen: echo is on afterwards"
absent "battery" "keygen: the passphrase never showed"
[ -f "$T/k1/examiner.key" ] && ok "keygen: examiner.key written" ||
	fail "keygen: examiner.key written"

on_tty "keygen: two different answers" \
	"expect:new key: " "send:$PASS\n" "expect:again: " "send:$PASS!\n" \
	-- custody-keygen --name "Jane Examiner" --out "$T/k2"
reported "exit 2" "keygen: different answers are a usage error"
reported "echo=on" "keygen: echo is on after the mismatch"
contains "$T/.tty" "the passphrases do not match" "keygen: says they differ"
[ ! -e "$T/k2" ] && ok "keygen: nothing written after the mismatch" ||
	fail "keygen: nothing written after the mismatch"

# ---- Ctrl-C at either prompt, half a passphrase typed or a whole one ----
interrupted_keygen() { # WHERE
	reported "exit 5" "keygen: Ctrl-C at $1 exits 5"
	reported "echo=on" "keygen: Ctrl-C at $1 turns echo on again"
	contains "$T/.tty" "custody-keygen: interrupted" "keygen: Ctrl-C at $1 says so"
	[ ! -e "$T/k3" ] && ok "keygen: Ctrl-C at $1 writes nothing" ||
		fail "keygen: Ctrl-C at $1 writes nothing"
}
on_tty "keygen: Ctrl-C at the first prompt" "expect:new key: " 'send:corr\x03' \
	-- custody-keygen --name J --out "$T/k3"
interrupted_keygen "the first prompt"
on_tty "keygen: Ctrl-C at the second prompt" "expect:new key: " "send:$PASS\n" \
	"expect:again: " 'send:\x03' -- custody-keygen --name J --out "$T/k3"
interrupted_keygen "the second prompt"

# ---- a command that signs: Ctrl-C, SIGTERM, SIGHUP at its prompt ----
examiner "$T/alice" "Alice Examiner" || fail "test key made"
C=$T/case
new_case "$C" || fail "test case made"
printf 'photo\n' >"$T/photo.jpg"
KEY="--key $T/alice/key.pem --cert $T/alice/cert.pem"
cp "$C/custody.log" "$T/log.before"
for how in 'send:\x03' signal:TERM signal:HUP; do
	# shellcheck disable=SC2086
	on_tty "custody-hash: $how at the prompt" "expect:Passphrase for " "$how" \
		-- custody-hash --case "$C" $KEY "$T/photo.jpg"
	reported "exit 5" "custody-hash: $how at the prompt exits 5"
	reported "echo=on" "custody-hash: $how at the prompt turns echo on again"
	contains "$T/.tty" "custody-hash: interrupted" "custody-hash: $how: says so"
done
nothing_sealed() { [ ! -d "$C/artifacts" ] || [ -z "$(ls -A "$C/artifacts")" ]; }
cmp -s "$T/log.before" "$C/custody.log" && nothing_sealed &&
	ok "custody-hash: nothing logged or sealed after the interruptions" ||
	fail "custody-hash: nothing logged or sealed after the interruptions"

# ---- Ctrl-Z: stopped with echo on, asked again when it goes on ----
APASS=$(cat "$T/alice/pass")
# shellcheck disable=SC2086
on_tty "custody-hash: Ctrl-Z at the prompt, then fg" \
	"expect:Passphrase for " 'send:\x1a' stopped cont \
	"expect:Passphrase for " "send:$APASS\n" \
	-- custody-hash --case "$C" $KEY "$T/photo.jpg"
reported "stopped echo=on" "custody-hash: echo is on while it is stopped"
reported "exit 0" "custody-hash: signs with the passphrase typed after fg"
reported "echo=on" "custody-hash: echo is on at the end"
absent "correct horse" "custody-hash: the passphrase never showed"
[ -f "$C/artifacts/H1/SHA256SUMS.p7s" ] && ok "custody-hash: the unit is signed" ||
	fail "custody-hash: the unit is signed"

echo "1..$n"
