#!/bin/sh
# Trust under mistakes and attack: a full disk, a torn log, a command that
# fails, signatures deleted, events rewritten or forged, and commands killed
# at the worst moment.  None may break the log for good, lose a signature
# or let a rewritten log verify; an interrupted run is named as such and
# recovered only by the examiner, on the record.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

FORGE="$PYTHON $CUSTODY_TOP/tests/fixtures/forge-log.py"
SMALL=$T/small
trap 'for p in $TSA_PIDS; do kill "$p" 2>/dev/null; done
	mountpoint -q "$SMALL" && umount "$SMALL"
	chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT

# same FILE1 FILE2 DESCRIPTION: passes when both files hold the same bytes
same() {
	if cmp -s "$1" "$2"; then ok "$3"; else fail "$3"; fi
}

# lines FILE: the number of lines of FILE
lines() { wc -l <"$1" | tr -d ' '; }

# --- a full disk ---------------------------------------------------------

mkdir -p "$SMALL"
if mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>/dev/null; then
	D=$SMALL/case
	new_case "$D" || fail "a case on a small file system"
	cp "$D/custody.log" "$T/log.before"
	dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null
	expect_exit 4 "full disk: custody-log add fails" custody-log add \
		--case "$D" --action note --note "$(head -c 3000 /dev/zero | tr '\0' x)"
	contains "$T/.err" "full" "full disk: the message says the disk is full"
	same "$D/custody.log" "$T/log.before" "full disk: the log is as it was"
	echo photo >"$T/photo.jpg"
	expect_exit 4 "full disk: custody-hash fails" custody-hash --case "$D" \
		--item E001 "$T/photo.jpg"
	[ -z "$(ls "$D/artifacts")" ] && ok "full disk: no unit was started" ||
		fail "full disk: no unit was started"
	rm -f "$SMALL/fill"
	expect_exit 0 "space freed: the next event is logged" custody-log add \
		--case "$D" --action note --note "disk freed"
	expect_exit 0 "space freed: the case verifies" custody-verify --case "$D"
	umount "$SMALL"
else
	skip "full disk: cannot mount a tmpfs here (not root?)"
fi

# a write cut short (a file size limit stands for a disk that fills up
# during the write): the log goes back to its old length and says so
C=$T/case
new_case "$C" || fail "test case"
cp "$C/custody.log" "$T/log.before"
size=$(wc -c <"$C/custody.log")
limit=$(((size + 1023) / 512)) # 512-byte blocks: room for part of the line
(ulimit -f "$limit" && custody-log add --case "$C" --action note \
	--note "$(head -c 3000 /dev/zero | tr '\0' y)") >"$T/.out" 2>"$T/.err"
got=$?
[ $got -eq 4 ] && ok "a cut write fails with exit 4" ||
	{ fail "a cut write fails with exit 4 (exit $got)"; sed 's/^/#   /' "$T/.err"; }
contains "$T/.err" "restored" "a cut write: the message says the log was restored"
same "$C/custody.log" "$T/log.before" "a cut write: the log is as it was"
expect_exit 0 "a cut write: the next event is logged" custody-log add \
	--case "$C" --action note --note "after the cut"
expect_exit 0 "a cut write: the case verifies" custody-verify --case "$C"

# a torn last line (a power cut): no command seals anything on it, and an
# explicit recovery keeps the torn bytes as evidence and mends the log
printf '{"action":"note","seq":9' >>"$C/custody.log"
cp "$C/custody.log" "$T/log.torn"
expect_exit 3 "a torn log: custody-hash refuses" custody-hash --case "$C" \
	--item E001 "$T/photo.jpg"
contains "$T/.err" "custody-case recover" "a torn log: the message names the recovery"
[ -z "$(ls "$C/artifacts")" ] && ok "a torn log: nothing is sealed" ||
	fail "a torn log: nothing is sealed"
expect_exit 1 "a torn log: verify fails" custody-verify --case "$C"
expect_exit 0 "custody-case status names the torn log" custody-case status --case "$C"
contains "$T/.out" "torn" "status: the torn line is named"
expect_exit 0 "custody-case recover mends the log" custody-case recover --case "$C"
R=$(ls -d "$C"/recoveries/R* 2>/dev/null | head -n 1)
printf '{"action":"note","seq":9' >"$T/torn.expected"
[ -n "$R" ] && cmp -s "$R/torn-tail.bin" "$T/torn.expected" &&
	ok "the torn bytes are kept in a sealed unit" ||
	fail "the torn bytes are kept in a sealed unit"
[ -n "$R" ] && (cd "$R" && sha256sum -c SHA256SUMS >/dev/null 2>&1) &&
	ok "the recovery unit checks with sha256sum -c" ||
	fail "the recovery unit checks with sha256sum -c"
tail -n 1 "$C/custody.log" | grep -q '"action":"recovered"' &&
	ok "the recovery is logged" || fail "the recovery is logged"
expect_exit 0 "after recovery the case verifies" custody-verify --case "$C"
expect_exit 0 "after recovery custody-hash works" custody-hash --case "$C" \
	--item E001 "$T/photo.jpg"
expect_exit 0 "nothing left to recover" custody-case recover --case "$C"
contains "$T/.out" "nothing to recover" "recover says when there is nothing to do"

# --- a failed command keeps the checkpoint's signature -------------------

examiner "$T/alice" "Alice Examiner" || fail "examiner key"
A=$(signing "$T/alice")
S=$T/signed
# shellcheck disable=SC2086 # $A is an option list
{
	custody-case init "$S" --number 2011-RX-009 --title "Signed" \
		--examiner "Alice Examiner" $A &&
	custody-case add-item --case "$S" --item E001 $A &&
	printf 'panel config\n' >"$T/config.php" &&
	custody-hash --case "$S" --item E001 $A "$T/config.php" &&
	custody-log add --case "$S" --action transferred --item E001 \
		--to "Evidence room" $A &&
	custody-log add --case "$S" --action stored --item E001 \
		--location "Locker 12" $A
} >"$T/.build" 2>&1 && ok "a signed case" ||
	{ fail "a signed case"; sed 's/^/#   /' "$T/.build"; }
cp "$S/custody.checkpoint" "$T/cp.before"
cp "$S/custody.checkpoint.p7s" "$T/p7s.before"
expect_exit 2 "extract with a mistyped --rules fails" custody-extract \
	--case "$S" --item E001 --rules "$T/no-such-rules" --no-sign "$T/config.php"
expect_exit 2 "a usage error" custody-log add --case "$S" --no-sign
expect_exit 2 "an event refused" custody-log add --case "$S" --no-sign \
	--action note --item E404
same "$S/custody.checkpoint" "$T/cp.before" "failed commands leave the checkpoint alone"
same "$S/custody.checkpoint.p7s" "$T/p7s.before" "failed commands leave its signature alone"
U=$T/unsigned-tail
cp -r "$S" "$U"
expect_exit 0 "an unsigned event after the signed ones" custody-log add \
	--case "$U" --no-sign --action note --note "custodian, no key"
[ ! -e "$U/custody.checkpoint.p7s" ] && ok "the new checkpoint is unsigned" ||
	fail "the new checkpoint is unsigned"
kept=$(ls "$U"/checkpoints/*.checkpoint 2>/dev/null | tail -n 1)
[ -n "$kept" ] && same "$kept" "$T/cp.before" "the signed checkpoint is kept in checkpoints/" ||
	fail "the signed checkpoint is kept in checkpoints/"
openssl cms -verify -binary -inform DER -in "$kept.p7s" -content "$kept" \
	-CAfile "$T/alice/cert.pem" -purpose any -out /dev/null 2>/dev/null &&
	ok "the kept checkpoint's signature verifies with openssl" ||
	fail "the kept checkpoint's signature verifies with openssl"
expect_exit 0 "an unsigned event at the end verifies" custody-verify --case "$U"
contains "$T/.out" "covered by no signature" "the unsigned tail is named"

# --- plain custody-verify and deleted signatures -------------------------

n_t=0
tamper() {
	desc=$1
	text=$2
	shift 2
	n_t=$((n_t + 1))
	X=$T/t$n_t
	cp -r "$S" "$X"
	(cd "$X" && eval "$@") >"$T/.tamper" 2>&1 ||
		sed 's/^/#   tampering: /' "$T/.tamper"
	expect_exit 1 "caught by plain verify: $desc" custody-verify --case "$X"
	contains "$T/.out" "$text" "named: $desc"
}
FP=$(openssl x509 -in "$T/alice/cert.pem" -noout -fingerprint -sha256 |
	cut -d= -f2 | tr -d : | tr A-F a-f)
tamper "event 3 rewritten, the log re-chained and re-checkpointed" \
	"checkpoints/" \
	"$FORGE . edit 3 actor.name=Mallory time=2011-03-17T00:00:00.000Z"
tamper "the same, and the kept checkpoints deleted" "no signed checkpoint covers" \
	"rm -r checkpoints; $FORGE . edit 3 actor.name=Mallory time=2011-03-17T00:00:00.000Z"
tamper "the last event removed, the checkpoint deleted" "checkpoints/" \
	"$FORGE . drop-last; rm custody.checkpoint"
tamper "the last events removed, every checkpoint deleted" "no signed checkpoint covers" \
	"$FORGE . drop-last; $FORGE . drop-last; rm -r custody.checkpoint checkpoints"
tamper "an event forged in the examiner's name" "no signed checkpoint covers" \
	"$FORGE . append action=note note=forged actor.name='Alice Examiner' actor.fingerprint=$FP"
tamper "the current checkpoint's signature deleted" "signature was removed" \
	"rm custody.checkpoint.p7s"
tamper "the log rewritten and signed again with the examiner's key" "checkpoints/" \
	"$FORGE . edit 3 note=rewritten;
	 openssl cms -sign -binary -in custody.checkpoint -signer '$T/alice/cert.pem' \
		-inkey '$T/alice/key.pem' -passin 'file:$T/alice/pass' -outform DER \
		-md sha256 -out custody.checkpoint.p7s"
tamper "event times that go backwards" "before event" \
	"$FORGE . edit 4 time=2001-01-01T00:00:00.000Z"

# --- runs killed at the worst moment -------------------------------------

K=$T/killed
new_case "$K" || fail "a case for interruptions"
if command -v gdb >/dev/null 2>&1; then
	# between sealing and logging
	kill_at cust_log_append custody-hash --case "$K" --item E001 "$T/photo.jpg" &&
		ok "custody-hash killed after sealing, before logging" ||
		{ fail "custody-hash killed after sealing, before logging"; sed 's/^/#   /' "$T/.gdb"; }
	[ -d "$K/artifacts/E001-H1" ] && ok "the unit is sealed" || fail "the unit is sealed"
	expect_exit 0 "status after the kill" custody-case status --case "$K"
	contains "$T/.out" "interrupted" "status names the interrupted run"
	expect_exit 1 "verify fails after the kill" custody-verify --case "$K"
	contains "$T/.out" "interrupted" "verify names the interrupted run"
	expect_exit 5 "a new run is refused until recovery" custody-hash --case "$K" \
		--item E001 "$T/photo.jpg"
	contains "$T/.err" "custody-case recover" "the refusal names the recovery"
	expect_exit 0 "custody-case recover records the interruption" \
		custody-case recover --case "$K"
	contains "$T/.out" "artifacts/E001-H1" "recover names the unit it recorded"
	expect_exit 0 "after recovery the case verifies" custody-verify --case "$K"
	contains "$T/.out" "interrupted" "verify still tells the unit was logged after an interruption"
	[ ! -e "$K/artifacts/E001-H2" ] && ok "the refused run sealed nothing" ||
		fail "the refused run sealed nothing"

	# between logging and the checkpoint
	events=$(lines "$K/custody.log")
	kill_at cust_checkpoint_update custody-log add --case "$K" --action note \
		--note "killed before its checkpoint" &&
		ok "custody-log add killed before its checkpoint" ||
		{ fail "custody-log add killed before its checkpoint"; sed 's/^/#   /' "$T/.gdb"; }
	expect_exit 1 "verify fails after the kill" custody-verify --case "$K"
	contains "$T/.out" "interrupted" "verify names the interrupted run, not tampering"
	expect_exit 5 "re-running it is refused: no duplicate event" custody-log add \
		--case "$K" --action note --note "killed before its checkpoint"
	[ "$(lines "$K/custody.log")" -eq $((events + 1)) ] &&
		ok "the killed event is logged once" || fail "the killed event is logged once"
	expect_exit 0 "recover" custody-case recover --case "$K"
	expect_exit 0 "after recovery the case verifies" custody-verify --case "$K"
	[ "$(grep -c 'killed before its checkpoint' "$K/custody.log")" -eq 1 ] &&
		ok "still no duplicate" || fail "still no duplicate"

	# killed before anything was written: nothing to recover, nothing refused
	kill_at cust_unit_begin custody-hash --case "$K" --item E001 "$T/photo.jpg" &&
		ok "custody-hash killed before it began a unit" ||
		fail "custody-hash killed before it began a unit"
	expect_exit 0 "the next run is not refused" custody-log add --case "$K" \
		--action note --note "nothing lost"
	expect_exit 0 "the case verifies" custody-verify --case "$K"
else
	skip "interrupted runs: gdb is not installed"
fi

echo "1..$n"
