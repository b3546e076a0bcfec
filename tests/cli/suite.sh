#!/bin/sh
# The test suite's own machinery: .ci/run keeps make's exit status and sums
# the totals of both runs; CUSTODY_REQUIRE_TESTDATA turns a skip for want of
# the shared test data into a failure, in the C helpers and in the shell
# ones; the DFXML writer's refusals are checked without the DFXML schema.
. "$CUSTODY_TOP/tests/cli/lib.sh"

# ---- .ci/run, in a tree of its own, with a make that does what it is told

R=$T/tree
mkdir -p "$R/.ci" "$R/build-aux" "$T/fakebin"
cp "$CUSTODY_TOP/.ci/run" "$R/.ci/run"
printf '#!/bin/sh\nexit 0\n' >"$R/build-aux/deps.sh"
# make TARGET -j2: prints $FAKE/TARGET.out, exits with $FAKE/TARGET.rc, and
# notes the environment the tests would run in
cat >"$T/fakebin/make" <<'EOF'
#!/bin/sh
echo "$1 CUSTODY_REQUIRE_TESTDATA=${CUSTODY_REQUIRE_TESTDATA:-}" >>"$FAKE/env"
cat "$FAKE/$1.out"
exit "$(cat "$FAKE/$1.rc")"
EOF
chmod +x "$T/fakebin/make"

# ci CHECK_STATUS CHECK_OUTPUT ASAN_STATUS ASAN_OUTPUT: run .ci/run (with
# sh, POSIX: dash on Debian) over make check and make asan doing that; its
# status in $rc, its last line in $last
ci() {
	echo "$1" >"$T/check.rc"
	printf '%s\n' "$2" >"$T/check.out"
	echo "$3" >"$T/asan.rc"
	printf '%s\n' "$4" >"$T/asan.out"
	: >"$T/env"
	FAKE=$T PATH="$T/fakebin:$PATH" sh "$R/.ci/run" >"$T/.ci" 2>&1
	rc=$?
	last=$(tail -n 1 "$T/.ci")
}
# ci_says DESCRIPTION WANT_STATUS WANT_LAST: the status (0 or not) and the
# last line of the run just made
ci_says() {
	if { [ "$2" -eq 0 ] && [ "$rc" -eq 0 ]; } ||
		{ [ "$2" -ne 0 ] && [ "$rc" -ne 0 ]; }; then
		[ "$last" = "$3" ] && ok "$1" ||
			fail "$1: last line '$last', expected '$3'"
	else
		fail "$1: .ci/run exited $rc"
		sed 's/^/#   /' "$T/.ci"
	fi
}

ci 0 "12 passed, 0 failed" 0 "11 passed, 0 failed"
ci_says ".ci/run: both runs pass, the totals are summed" 0 "23 passed, 0 failed"
[ "$(cat "$T/env")" = "check CUSTODY_REQUIRE_TESTDATA=1
asan CUSTODY_REQUIRE_TESTDATA=1" ] &&
	ok ".ci/run runs make check, then make asan, with CUSTODY_REQUIRE_TESTDATA=1" ||
	{ fail ".ci/run runs make check, then make asan, with CUSTODY_REQUIRE_TESTDATA=1"
	  sed 's/^/#   /' "$T/env"; }
grep -qx "12 passed, 0 failed" "$T/.ci" && grep -qx "11 passed, 0 failed" "$T/.ci" &&
	ok ".ci/run shows what make printed" || fail ".ci/run shows what make printed"
ci 2 "12 passed, 0 failed" 0 "11 passed, 0 failed"
ci_says ".ci/run fails when make check fails after its tests passed" 1 \
	"23 passed, 1 failed"
ci 0 "12 passed, 0 failed" 2 "cc: error: no such file"
ci_says ".ci/run fails when make asan dies before its summary" 1 \
	"12 passed, 1 failed"
ci 1 "10 passed, 2 failed" 0 "11 passed, 0 failed"
ci_says ".ci/run fails when tests fail, and counts them" 1 "21 passed, 2 failed"
[ -z "$(find "$R" -newer "$R/.ci/run" -name '*.log')" ] &&
	ok ".ci/run leaves no log in the tree" || fail ".ci/run leaves no log in the tree"

# ---- no shared test data, required or not

none=$T/no-testdata
# unit PROGRAM [VAR=VALUE...]: run the unit test PROGRAM without test data
unit() {
	u=$1
	shift
	env CMOCKA_MESSAGE_OUTPUT=TAP CUSTODY_TESTDATA="$none" "$@" \
		"$CUSTODY_BUILD/tests/$u" >"$T/.out" 2>&1
}
# failures: the "not ok" lines of $T/.out that are not skips
failures() { grep '^not ok' "$T/.out" | grep -v '# SKIP'; }
for u in test_walk test_archive test_dfxml; do
	unit $u CUSTODY_REQUIRE_TESTDATA=
	if [ $? -eq 0 ] && grep -q '# SKIP' "$T/.out" && [ -z "$(failures)" ]; then
		ok "$u: without the test data, its tests skip"
	else
		fail "$u: without the test data, its tests skip"
		sed 's/^/#   /' "$T/.out"
	fi
	unit $u CUSTODY_REQUIRE_TESTDATA=1
	if [ $? -ne 0 ] && [ -n "$(failures)" ] &&
		grep -q "CUSTODY_REQUIRE_TESTDATA" "$T/.out"; then
		ok "$u: with CUSTODY_REQUIRE_TESTDATA=1, they fail"
	else
		fail "$u: with CUSTODY_REQUIRE_TESTDATA=1, they fail"
		sed 's/^/#   /' "$T/.out"
	fi
done
unit test_dfxml
for t in test_hostile_fields test_hostile_names; do
	grep -q "^ok [0-9]* - $t\$" "$T/.out" &&
		ok "$t runs without the DFXML schema" ||
		{ fail "$t runs without the DFXML schema"; grep "$t" "$T/.out" | sed 's/^/#   /'; }
done

# the shell helpers, in the test that uses the most test data
CUSTODY_TESTDATA=$none CUSTODY_REQUIRE_TESTDATA= \
	sh "$CUSTODY_TOP/tests/cli/extract.sh" >"$T/.out" 2>&1
if grep -q "^ok [0-9]* # SKIP .*$none" "$T/.out" && [ -z "$(failures)" ]; then
	ok "cli/extract: without the test data, its checks skip, naming it"
else
	fail "cli/extract: without the test data, its checks skip, naming it"
	grep 'SKIP\|^not ok' "$T/.out" | sed 's/^/#   /'
fi
CUSTODY_TESTDATA=$none CUSTODY_REQUIRE_TESTDATA=1 \
	sh "$CUSTODY_TOP/tests/cli/extract.sh" >"$T/.out" 2>&1
if failures | grep -q "$none.*CUSTODY_REQUIRE_TESTDATA" &&
	! grep -q '# SKIP.*test data' "$T/.out"; then
	ok "cli/extract: with CUSTODY_REQUIRE_TESTDATA=1, they fail"
else
	fail "cli/extract: with CUSTODY_REQUIRE_TESTDATA=1, they fail"
	grep 'SKIP\|^not ok' "$T/.out" | sed 's/^/#   /'
fi

echo "1..$n"
