#!/bin/sh
# The checkpoint custody-log add writes, checked against an independent
# RFC 6962 computation; custody-log proof, its proofs checked the same way
# and against proof.schema.json, and its refusals.
. "$CUSTODY_TOP/tests/cli/lib.sh"

S=$CUSTODY_TOP/evidence-schema
V=$CUSTODY_TOP/tests/validate_records.py
C=$T/case

if ! "$PYTHON" -c 'import jsonschema' 2>/dev/null; then
	fail "python3-jsonschema is installed for $PYTHON"
	echo "1..$n"
	exit 1
fi

# The independent side: RFC 6962 in Python (hashlib), naive and recursive.
cat >"$T/rfc6962.py" <<'EOF'
import hashlib, json, sys

def leaf(d): return hashlib.sha256(b"\0" + d).digest()
def node(a, b): return hashlib.sha256(b"\1" + a + b).digest()

def mth(lines):
    if not lines:
        return hashlib.sha256(b"").digest()
    if len(lines) == 1:
        return leaf(lines[0])
    k = 1
    while k * 2 < len(lines):
        k *= 2
    return node(mth(lines[:k]), mth(lines[k:]))

def log_lines(case):
    data = open(case + "/custody.log", "rb").read()
    assert data == b"" or data.endswith(b"\n"), "log ends in a torn line"
    return data.split(b"\n")[:-1]

def check_checkpoint(case):
    """The checkpoint is the canonical checkpoint of the whole log."""
    text = open(case + "/custody.checkpoint", "rb").read()
    cp = json.loads(text)
    lines = log_lines(case)
    canon = json.dumps(cp, sort_keys=True, separators=(",", ":"),
                       ensure_ascii=False).encode() + b"\n"
    assert text == canon, "not one canonical line"
    assert sorted(cp) == ["case_id", "events", "last_sha256", "root", "time",
                          "type", "version"], sorted(cp)
    assert cp["type"] == "custody-checkpoint" and cp["version"] == 1
    assert cp["events"] == len(lines), (cp["events"], len(lines))
    assert cp["root"] == mth(lines).hex(), "root"
    last = hashlib.sha256(lines[-1]).hexdigest() if lines else "0" * 64
    assert cp["last_sha256"] == last, "last_sha256"
    case_id = json.load(open(case + "/case.json"))["id"]
    assert cp["case_id"] == case_id, "case_id"

def check_proof(case, path, seq):
    """RFC 9162 2.1.3.2 from the proof alone, then against the case."""
    p = json.load(open(path))
    cp = json.loads(p["checkpoint"])
    n, i = p["tree_size"], p["leaf_index"]
    assert p["seq"] == seq and i == seq - 1 and n == cp["events"]
    assert json.loads(p["line"])["seq"] == seq
    fn, sn, r = i, n - 1, leaf(p["line"].encode())
    for h in p["path"]:
        h = bytes.fromhex(h)
        assert sn != 0, "path too long"
        if fn & 1 or fn == sn:
            r = node(h, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, h)
        fn >>= 1
        sn >>= 1
    assert sn == 0, "path too short"
    assert r.hex() == cp["root"], "path does not lead to the root"
    # and against the case: the line is the log's, the checkpoint the case's
    assert p["line"].encode() == log_lines(case)[seq - 1]
    assert p["checkpoint"].encode() == open(case + "/custody.checkpoint", "rb").read()
    assert p["case_id"] == cp["case_id"]

what = sys.argv[1]
if what == "checkpoint":
    check_checkpoint(sys.argv[2])
elif what == "proof":
    check_proof(sys.argv[2], sys.argv[3], int(sys.argv[4]))
EOF
independent() { "$PYTHON" "$T/rfc6962.py" "$@" 2>"$T/.py"; }
py_ok() {
	if [ "$1" -eq 0 ]; then ok "$2"; else
		fail "$2"
		sed 's/^/#   /' "$T/.py"
	fi
}

new_case "$C" || fail "test case created"
rm -f "$C/custody.checkpoint"

# each add leaves the checkpoint of the whole log
for i in 1 2 3 4 5 6 7; do
	expect_exit 0 "add event $i" custody-log add --case "$C" --action note --note "note $i"
	[ -f "$C/custody.checkpoint" ] && ok "add $i wrote custody.checkpoint" ||
		fail "add $i wrote custody.checkpoint"
	independent checkpoint "$C"
	py_ok $? "checkpoint after add $i is the RFC 6962 root of the log (Python)"
done
events=$(wc -l <"$C/custody.log")
grep -q "\"events\":$events," "$C/custody.checkpoint" &&
	ok "the checkpoint counts the $events events" ||
	fail "the checkpoint counts the $events events"
cp "$C/custody.checkpoint" "$T/checkpoint.json"
"$PYTHON" "$V" --schemas "$S" --record checkpoint "$T/checkpoint.json" >"$T/.tap" 2>&1 &&
	ok "the checkpoint matches checkpoint.schema.json" ||
	{ fail "the checkpoint matches checkpoint.schema.json"; sed 's/^/#   /' "$T/.tap"; }

# a proof of every event, checked from the proof alone and by the schema
seq=1
all=0
while [ "$seq" -le "$events" ]; do
	custody-log proof --case "$C" --seq "$seq" >"$T/proof-$seq.json" 2>"$T/.err" || all=1
	independent proof "$C" "$T/proof-$seq.json" "$seq" || { all=1; sed 's/^/#   /' "$T/.py"; }
	set -- "$@" --record proof "$T/proof-$seq.json"
	seq=$((seq + 1))
done
[ "$all" -eq 0 ] && ok "a proof of each of the $events events holds (Python, RFC 9162)" ||
	fail "a proof of each event holds"
"$PYTHON" "$V" --schemas "$S" "$@" >"$T/.tap" 2>&1
[ $? -eq 0 ] && [ "$(grep -c '^ok .*matches proof.schema.json' "$T/.tap")" -eq "$events" ] &&
	ok "each proof matches proof.schema.json" ||
	{ fail "each proof matches proof.schema.json"; sed 's/^/#   /' "$T/.tap"; }
set --

# -o FILE, --output FILE, --json
expect_exit 0 "proof -o FILE" custody-log proof --case "$C" --seq 3 -o "$T/p3.json"
contains "$T/.out" "proof of event 3 of $events written to $T/p3.json" "the file is named"
cmp -s "$T/p3.json" "$T/proof-3.json" && ok "-o writes the proof stdout gets" ||
	fail "-o writes the proof stdout gets"
expect_exit 0 "proof --output FILE --json" custody-log proof --case "$C" --seq 4 \
	--output "$T/p4.json" --json
cmp -s "$T/.out" "$T/p4.json" && ok "--json prints the proof written" ||
	fail "--json prints the proof written"
cp "$T/p3.json" "$T/p3.before"
expect_exit 4 "an existing output file is refused" custody-log proof --case "$C" --seq 5 -o "$T/p3.json"
contains "$T/.err" "already exists" "the existing file is named"
cmp -s "$T/p3.json" "$T/p3.before" && ok "the existing proof is left as it was" ||
	fail "the existing proof is left as it was"

# refusals
expect_exit 2 "seq 0 is refused" custody-log proof --case "$C" --seq 0
contains "$T/.err" "numbered from 1" "seq 0: the reason is given"
expect_exit 2 "a seq beyond the checkpoint is refused" custody-log proof --case "$C" --seq $((events + 1))
contains "$T/.err" "event $((events + 1)) is not covered by the checkpoint" \
	"the uncovered event is named"
expect_exit 2 "a seq that is not a number is refused" custody-log proof --case "$C" --seq 3x
expect_exit 2 "--seq is required" custody-log proof --case "$C"
expect_exit 2 "an argument is refused" custody-log proof --case "$C" --seq 1 extra
cp -R "$C" "$T/nocp"
rm "$T/nocp/custody.checkpoint"
expect_exit 3 "a case without checkpoint gives no proof" custody-log proof --case "$T/nocp" --seq 1
contains "$T/.err" "has no checkpoint" "the missing checkpoint is named"
printf '{"events":1}\n' >"$T/nocp/custody.checkpoint"
expect_exit 3 "a malformed checkpoint gives no proof" custody-log proof --case "$T/nocp" --seq 1
contains "$T/.err" "custody.checkpoint" "the malformed checkpoint is named"

# a log changed under its checkpoint gives no proof
cp -R "$C" "$T/cut"
head -n 5 "$C/custody.log" >"$T/cut/custody.log"
expect_exit 1 "a log cut below its checkpoint gives no proof" custody-log proof --case "$T/cut" --seq 2
contains "$T/.err" "has 5 events, its checkpoint" "the cut is named"
cp -R "$C" "$T/edited"
sed -i '4s/"note":"note 2"/"note":"note X"/' "$T/edited/custody.log"
expect_exit 3 "an edited log gives no proof" custody-log proof --case "$T/edited" --seq 2
contains "$T/.err" "line 5: it does not link to line 4" "the broken link is named"
expect_exit 3 "an edited log gets no checkpoint either" custody-log add --case "$T/edited" --action note
contains "$T/.err" "logged but the log's checkpoint was not written" \
	"add says the event is logged but not checkpointed"

# the checkpoint cannot be written: add fails and says so
cp -R "$C" "$T/blocked"
rm "$T/blocked/custody.checkpoint"
mkdir "$T/blocked/custody.checkpoint"
expect_exit 4 "add fails when the checkpoint cannot be written" \
	custody-log add --case "$T/blocked" --action note --note blocked
contains "$T/.err" "checkpoint was not written" "the checkpoint failure is named"
grep -q '"note":"blocked"' "$T/blocked/custody.log" &&
	ok "the event itself was logged" || fail "the event itself was logged"

# a signature of an older checkpoint does not survive the next add
printf 'old signature' >"$C/custody.checkpoint.p7s"
printf 'old token' >"$C/custody.checkpoint.p7s.tsr"
custody-log add --case "$C" --action note --note "after a signature" >/dev/null
[ ! -e "$C/custody.checkpoint.p7s" ] && [ ! -e "$C/custody.checkpoint.p7s.tsr" ] &&
	ok "a stale signature and token are removed" ||
	fail "a stale signature and token are removed"
independent checkpoint "$C"
py_ok $? "the checkpoint moved on with the log"

# a checkpoint kept elsewhere is still a prefix of the grown log (Python)
"$PYTHON" -c '
import hashlib, json, sys
def leaf(d): return hashlib.sha256(b"\0" + d).digest()
def node(a, b): return hashlib.sha256(b"\1" + a + b).digest()
def mth(l):
    if len(l) == 1: return leaf(l[0])
    k = 1
    while k * 2 < len(l): k *= 2
    return node(mth(l[:k]), mth(l[k:]))
old = json.load(open(sys.argv[2]))
lines = open(sys.argv[1] + "/custody.log", "rb").read().split(b"\n")[:-1]
assert len(lines) > old["events"]
assert mth(lines[:old["events"]]).hex() == old["root"]
' "$C" "$T/checkpoint.json" 2>"$T/.py"
py_ok $? "the older checkpoint is the root of the log's first events"

# hostile twins of the records: the schemas refuse them
sed 's/"version":1/"version":1,"signed":true/' "$T/checkpoint.json" >"$T/cp-extra.json"
"$PYTHON" "$V" --schemas "$S" --record checkpoint "$T/cp-extra.json" >"$T/.tap" 2>&1
[ $? -eq 1 ] && grep -q "'signed' was unexpected" "$T/.tap" &&
	ok "a checkpoint with a field custody never writes fails the schema" ||
	{ fail "a checkpoint with an extra field fails the schema"; sed 's/^/#   /' "$T/.tap"; }
"$PYTHON" -c '
import json, sys
p = json.load(open(sys.argv[1]))
p["path"][0] = p["path"][0].upper()
json.dump(p, open(sys.argv[2], "w"))
' "$T/proof-3.json" "$T/proof-upper.json"
"$PYTHON" "$V" --schemas "$S" --record proof "$T/proof-upper.json" >"$T/.tap" 2>&1
[ $? -eq 1 ] && grep -q "path/0" "$T/.tap" &&
	ok "a proof with an upper-case path hash fails the schema" ||
	{ fail "a proof with an upper-case path hash fails the schema"; sed 's/^/#   /' "$T/.tap"; }
"$PYTHON" -c '
import json, sys
p = json.load(open(sys.argv[1]))
p["leaf_index"] = -1
json.dump(p, open(sys.argv[2], "w"))
' "$T/proof-3.json" "$T/proof-neg.json"
"$PYTHON" "$V" --schemas "$S" --record proof "$T/proof-neg.json" >"$T/.tap" 2>&1
[ $? -eq 1 ] && grep -q "leaf_index" "$T/.tap" &&
	ok "a proof with a negative leaf_index fails the schema" ||
	{ fail "a proof with a negative leaf_index fails the schema"; sed 's/^/#   /' "$T/.tap"; }

echo "1..$n"
