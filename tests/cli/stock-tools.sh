#!/bin/sh
# docs/case-folder.md, "Checking a case with stock tools", followed step by
# step: a case is checked with sha256sum, hashdeep and sh alone.
. "$CUSTODY_TOP/tests/cli/lib.sh"

C=$T/case
new_case "$C" || fail "test case created"
printf 'spam template\n' >"$T/template.eml"
custody-hash --case "$C" --item E001 "$T/template.eml" >/dev/null
custody-log add --case "$C" --action stored --location "Locker 12" --at 2011-03-17T08:00:00Z >/dev/null

# the chain loop exactly as the document prints it
chain() (
	cd "$1" || exit 1
	n=0 prev=$(printf '%064d' 0)
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		*"\"prev\":\"$prev\""*"\"seq\":$n,"*) ;;
		*) echo "custody.log line $n: broken link or seq" ;;
		esac
		prev=$(printf '%s' "$line" | sha256sum | cut -d' ' -f1)
	done <custody.log
	echo "$n lines checked"
)

chain "$C" >"$T/chain"
[ "$(cat "$T/chain")" = "4 lines checked" ] && ok "the sh chain check passes a clean log" ||
	fail "the sh chain check passes a clean log: $(cat "$T/chain")"
cp -r "$C" "$T/edited"
sed -i '3s/E001/E009/' "$T/edited/custody.log"
chain "$T/edited" >"$T/chain"
contains "$T/chain" "custody.log line 4: broken link or seq" "the sh chain check names the line after the edited one"

U=$C/artifacts/E001-H1
(cd "$U" && sha256sum -c SHA256SUMS) >/dev/null 2>&1 && ok "sha256sum -c inside the unit" ||
	fail "sha256sum -c inside the unit"
(cd "$U" && find . -type f ! -path ./manifest.hashdeep ! -path ./SHA256SUMS \
	! -path ./SHA256SUMS.p7s ! -path ./SHA256SUMS.p7s.tsr -print0 |
	xargs -0 hashdeep -a -k manifest.hashdeep -l) >"$T/audit" 2>&1
contains "$T/audit" "Audit passed" "the documented hashdeep audit passes"
(cd "$U" && hashdeep -a -k manifest.hashdeep -r -l .) >"$T/audit" 2>&1 &&
	fail "the short hashdeep form fails, as documented" || ok "the short hashdeep form fails, as documented"
logged=$(cd "$C" && grep '"unit":"artifacts/E001-H1"' custody.log | grep -o '"manifest_sha256":"[0-9a-f]*"' | cut -d'"' -f4)
actual=$(cd "$C" && sha256sum artifacts/E001-H1/SHA256SUMS | cut -d' ' -f1)
[ -n "$logged" ] && [ "$logged" = "$actual" ] && ok "SHA256SUMS matches its logged manifest_sha256" ||
	fail "SHA256SUMS matches its logged manifest_sha256"
echo "1..$n"
