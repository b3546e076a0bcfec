#!/bin/sh
# make install: commands, man pages, headers, libcustody and custody.pc land
# under DESTDIR, and a program builds against the installed library.
. "$CUSTODY_TOP/tests/cli/lib.sh"

D=$T/root
build=$CUSTODY_BUILD # absolute: the build folder need not be in the tree
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$CUSTODY_TOP" BUILD="$build" install DESTDIR="$D" PREFIX=/usr/local >"$T/.make" 2>&1; then
	ok "make install into DESTDIR"
else
	fail "make install into DESTDIR"
	sed 's/^/#   /' "$T/.make" | tail -n 20
fi
for f in bin/custody bin/custody-case bin/custody-hash bin/custody-log bin/custody-verify \
	share/man/man1/custody.1 share/man/man1/custody-verify.1 include/custody/digest.h \
	include/custody/caseio.h lib/libcustody.a lib/libcustody.so.0 lib/pkgconfig/custody.pc; do
	[ -e "$D/usr/local/$f" ] && ok "installed $f" || fail "installed $f"
done
"$D/usr/local/bin/custody-verify" --version >"$T/.out" 2>&1 && contains "$T/.out" "custody-verify" "installed command runs"

# a program using the installed library through pkg-config
cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <custody/digest.h>
#include <custody/version.h>
int main(void)
{
	unsigned char md[32];
	char hex[65];
	if (cust_digest_buffer(CUST_DIGEST_SHA256, "abc", 3, md, NULL) < 0)
		return 1;
	cust_hex_encode(md, sizeof md, hex);
	printf("%s %s\n", cust_version(), hex);
	return 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$D" PKG_CONFIG_LIBDIR="$D/usr/local/lib/pkgconfig:/usr/lib/x86_64-linux-gnu/pkgconfig:/usr/share/pkgconfig"
san=""
case "$build" in *asan*) san="-fsanitize=address,undefined" ;; esac
# shellcheck disable=SC2046
if gcc $san -o "$T/prog" "$T/prog.c" $(pkg-config --cflags custody) \
	$(pkg-config --static --libs custody) >"$T/.cc" 2>&1; then
	ok "a program compiles and links with pkg-config custody"
else
	fail "a program compiles and links with pkg-config custody"
	sed 's/^/#   /' "$T/.cc"
fi
LD_LIBRARY_PATH="$D/usr/local/lib" "$T/prog" >"$T/.out" 2>&1
contains "$T/.out" "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" \
	"the installed library computes SHA-256 of abc"
echo "1..$n"
