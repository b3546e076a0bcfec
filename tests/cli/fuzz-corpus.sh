#!/bin/sh
# Replay the fuzz seed corpus through every harness (libFuzzer runs them
# for longer with `make fuzz`); a crash or sanitizer report fails here.
. "$CUSTODY_TOP/tests/cli/lib.sh"

for h in "$CUSTODY_BUILD"/fuzz/fuzz_*; do
	name=$(basename "$h")
	if TMPDIR=$T "$h" "$CUSTODY_TOP/tests/fuzz/corpus/$name"/* >"$T/.out" 2>&1; then
		ok "$name replays its corpus ($(grep -c '^ok' "$T/.out") inputs)"
	else
		fail "$name replays its corpus"
		sed 's/^/#   /' "$T/.out" | tail -n 20
	fi
done
echo "1..$n"
