#!/bin/sh
# The faultyfs fixture itself: bad sectors fail every read touching them,
# flaky ones fail once, a vanishing disk fails with ENXIO, a held read waits
# for SIGUSR1, and no cache ever hides an error.  The imager's tests rely
# on exactly this.
. "$CUSTODY_TOP/tests/cli/lib.sh"
. "$CUSTODY_TOP/tests/cli/faulty.inc"
export LC_ALL=C

if ! faulty_usable; then
	ok "# SKIP $faulty_why"
	echo "1..$n"
	exit 0
fi
[ -x "$FAULTYFS" ] && ok "faultyfs is built" || fail "faultyfs is built ($FAULTYFS)"

IMG=$T/disk
M=$T/mnt
D=$M/disk.img
head -c 4194304 /dev/urandom >"$IMG"

# sector S of the backing image, and S read through the mount ($1 = dd iflags)
sector() { dd if="$IMG" bs=512 skip="$1" count=1 2>/dev/null; }
read_sector() { dd if="$D" bs=512 skip="$2" count=1 ${1:+iflag=$1}; }
# same_sector S DESCRIPTION: sector S reads fine, with the image's bytes
same_sector() {
	if read_sector direct "$1" >"$T/got" 2>"$T/.err" && sector "$1" >"$T/want" &&
		[ -s "$T/got" ] && cmp -s "$T/got" "$T/want"; then ok "$2"; else
		fail "$2"
		sed 's/^/#   /' "$T/.err"
	fi
}

expect_exit 2 "faultyfs refuses a malformed range" "$FAULTYFS" --image "$IMG" --bad 100-3 "$M"
expect_exit 2 "faultyfs refuses a negative number" "$FAULTYFS" --image "$IMG" --delay-ms -1 "$M"
expect_exit 2 "faultyfs refuses an empty range" "$FAULTYFS" --image "$IMG" --flaky 7+0 "$M"
expect_exit 2 "faultyfs without --image" "$FAULTYFS" "$M"

check "faultyfs mounts" faulty_mount "$IMG" "$M" --bad 100+3 --flaky 2000+1 --delay-ms 100
[ "$(ls "$M")" = disk.img ] && ok "the mount holds disk.img" || fail "the mount holds disk.img"
[ "$(stat -c %s "$D")" -eq 4194304 ] && ok "disk.img has the image's size" ||
	fail "disk.img has the image's size"
(: >"$D") 2>/dev/null && fail "disk.img is read-only" || ok "disk.img is read-only"

same_sector 99 "sector 99 alone reads the image's bytes"
same_sector 103 "sector 103 alone reads the image's bytes"
for s in 100 101 102; do
	expect_exit 1 "sector $s alone fails" read_sector direct $s
	contains "$T/.err" "Input/output error" "sector $s fails with EIO"
done
for i in 1 2; do	# no page cache between a plain read and the daemon
	expect_exit 1 "a plain (cached) read of sector 100 fails, try $i" read_sector "" 100
done
expect_exit 1 "a 64 KiB read spanning sector 100 fails" dd if="$D" bs=64K count=1 iflag=direct
contains "$T/.err" "Input/output error" "the 64 KiB read fails with EIO"
grep -q "^0+0 records in" "$T/.err" && ok "the failing 64 KiB read returns no data at all" ||
	fail "the failing 64 KiB read returns no data at all"
expect_exit 1 "flaky sector 2000 fails the first time" read_sector direct 2000
contains "$T/.err" "Input/output error" "flaky sector 2000 fails with EIO"
same_sector 2000 "flaky sector 2000 then reads the image's bytes"
same_sector 2000 "flaky sector 2000 keeps reading fine"

start=$(date +%s%N)
read_sector direct 101 >/dev/null 2>&1
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -ge 100 ] && ok "--delay-ms 100 delays a failing read (${ms} ms)" ||
	fail "--delay-ms 100 delays a failing read (${ms} ms)"

check "sectors 0..99 read in one go" dd if="$D" of="$T/head" bs=51200 count=1 iflag=direct
check "sectors 0..99 match the image" cmp -n 51200 "$T/head" "$IMG"
check "sectors 103.. read in 64 KiB blocks" dd if="$D" of="$T/tail" bs=64K \
	skip=$((103 * 512)) iflag=skip_bytes,direct
[ "$(stat -c %s "$T/tail")" -eq $((4194304 - 103 * 512)) ] &&
	ok "sectors 103.. read to the end" || fail "sectors 103.. read to the end"
check "sectors 103.. match the image" cmp "$T/tail" "$IMG" 0 $((103 * 512))
dd if="$D" bs=512 skip=8191 count=4 iflag=direct 2>/dev/null >"$T/last"
[ "$(stat -c %s "$T/last")" -eq 512 ] && ok "a read across the end is short" ||
	fail "a read across the end is short"

# the naive imager: dd with noerror,sync zero-fills exactly the bad sectors
cp "$IMG" "$T/want"
dd if=/dev/zero of="$T/want" bs=512 seek=100 count=3 conv=notrunc 2>/dev/null
# (its exit status after such errors differs between coreutils versions)
dd if="$D" of="$T/got" bs=512 conv=noerror,sync iflag=direct 2>"$T/.err"
[ "$(grep -c "Input/output error" "$T/.err")" -eq 3 ] && ok "dd meets exactly 3 errors" ||
	fail "dd meets exactly 3 errors"
check "dd's copy is the image with sectors 100..102 zeroed" cmp "$T/got" "$T/want"

check "faulty_umount unmounts" faulty_umount "$M"
! mountpoint -q "$M" && ok "the mount is gone" || fail "the mount is gone"
[ ! -s "$T/.faulty" ] && ! faulty_alive "$FAULTY_PID" && ok "the daemon is gone" ||
	fail "the daemon is gone"

# a read held past 1 MiB until the daemon gets SIGUSR1
check "faultyfs mounts with --hold-after" faulty_mount "$IMG" "$M" --hold-after 1048576
dd if="$D" of="$T/got" bs=64K iflag=direct 2>"$T/.dd" &
reader=$!
held() { grep -q "holding a read at byte 1048576" "$T/.faultyfs.$faulty_count.log"; }
wait_for 30 held && ok "the read past 1 MiB is held, and the daemon says so" ||
	fail "the read past 1 MiB is held, and the daemon says so"
kill -0 "$reader" 2>/dev/null && ok "the reader waits" || fail "the reader waits"
[ "$(stat -c %s "$T/got")" -eq 1048576 ] && ok "with exactly 1 MiB read" ||
	fail "with exactly 1 MiB read ($(stat -c %s "$T/got"))"
kill -USR1 "$FAULTY_PID"
wait "$reader" && ok "SIGUSR1 releases it: the read goes on to the end" ||
	{ fail "SIGUSR1 releases it: the read goes on to the end"; sed 's/^/#   /' "$T/.dd"; }
check "what was read is the image" cmp "$T/got" "$IMG"
check "faulty_umount unmounts the held disk" faulty_umount "$M"

# a disk that drops off the bus after 1 MiB
check "faultyfs mounts with --vanish-after" faulty_mount "$IMG" "$M" --vanish-after 1048576
expect_exit 1 "reading the vanishing disk fails" dd if="$D" of="$T/got" bs=64K iflag=direct
contains "$T/.err" "No such device or address" "the vanished disk fails with ENXIO"
[ "$(stat -c %s "$T/got")" -eq 1048576 ] && ok "exactly 1 MiB was read before" ||
	fail "exactly 1 MiB was read before ($(stat -c %s "$T/got"))"
check "what was read matches the image" cmp -n 1048576 "$T/got" "$IMG"
expect_exit 1 "sector 0 fails too once the disk vanished" read_sector direct 0
contains "$T/.err" "No such device or address" "sector 0 fails with ENXIO"
[ "$(stat -c %s "$D")" -eq 4194304 ] && ok "getattr still works on the vanished disk" ||
	fail "getattr still works on the vanished disk"

# What a reader sees when the daemon dies under an open file: a read racing
# the death fails with ECONNABORTED, every read after it with ENOTCONN.
if [ -x "$PYTHON" ]; then
	check "reads after the daemon's SIGKILL fail with ENOTCONN" "$PYTHON" -c '
import errno, os, signal, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
os.kill(int(sys.argv[2]), signal.SIGKILL)
for i in range(500):
    try:
        os.pread(fd, 512, 0)
        sys.exit("a read worked")
    except OSError as e:
        if e.errno == errno.ENOTCONN:
            sys.exit(0)
        if e.errno != errno.ECONNABORTED:
            sys.exit("got %s" % e)
    time.sleep(0.01)
sys.exit("still ECONNABORTED after 5 s")' "$D" "$FAULTY_PID"
else
	skip "reads after the daemon's SIGKILL: no $PYTHON"
fi
check "faulty_umount unmounts a dead daemon's mount" faulty_umount "$M"
! grep -qF "$M" /proc/self/mounts && ok "the dead mount is gone" || fail "the dead mount is gone"

echo "1..$n"
