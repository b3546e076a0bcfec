#!/bin/sh
# layers.sh - the cost of a server's storage layers: the same files
# extracted from a plain ext4 partition and from XFS on LVM2 on an md
# RAID1 member, side by side.
#
#     sh bench/layers.sh BUILD_DIR
#
# Takes the 50,000-file ext4 image bench/extract.sh builds (BENCH_DIR,
# default /tmp/custody-bench; run it first) and makes, once, cached there:
#   - the image as partition 1 (type 83) of an MBR disk;
#   - an XFS holding the same files (mkfs.xfs, loop mounts, cp -a);
#   - an LVM2 physical volume (pvcreate, vgcreate, lvcreate without
#     activation: no device-mapper is needed) whose logical volume holds
#     that XFS at its extents;
#   - member 0 of an md RAID1 (metadata 1.2) around the physical volume,
#     written by tests/fixtures/mdraid.py.
# Then, page cache warm, outputs in tmpfs, custody-extract (default
# options) on each in rounds, BENCH_RUNS (default 3), the best of each
# kept, every file's MD5 checked against the image's reference.  Target:
# the layered disk takes at most 1.25x the plain one.  Needs root (loop
# devices, mount).  Exits non-zero when a digest disagrees, a file is
# missing or a tool fails; never on speed (BELOW TARGET is printed).
set -eu

prog=bench
die() {
	echo "$prog: $*" >&2
	exit 1
}
build=${1:-}
[ -n "$build" ] || die "usage: sh bench/layers.sh BUILD_DIR"
top=$(cd "$(dirname "$0")/.." && pwd)
extract=$build/bin/custody-extract
casetool=$build/bin/custody-case
for f in "$extract" "$casetool"; do
	[ -x "$f" ] || die "missing '$f' (make all)"
done
[ "$(id -u)" -eq 0 ] || die "needs root: loop devices and mounts"
for tp in mkfs.xfs:xfsprogs pvcreate:lvm2 losetup:mount mount:mount \
	python3:python3 md5sum:coreutils; do
	command -v "${tp%%:*}" >/dev/null 2>&1 ||
		die "missing tool '${tp%%:*}' (apt-get install ${tp#*:})"
done
runs=${BENCH_RUNS:-3}
cache=${BENCH_DIR:-/tmp/custody-bench}
ext4=$cache/ext4-v2-50000-65536.img
[ -f "$ext4" ] && [ -f "$ext4.ref" ] ||
	die "no '$ext4': run sh bench/extract.sh $build first (it builds it)"
plain=$cache/layers-v1-ext4-partition.img
member=$cache/layers-v1-md-lvm-xfs-member0.img

scratch=$(mktemp -d "${TMPDIR:-/tmp}/custody-layers.XXXXXX")
loops=""
mounts=""
cleanup() {
	for m in $mounts; do umount "$m" 2>/dev/null || :; done
	for l in $loops; do losetup -d "$l" 2>/dev/null || :; done
	chmod -R u+w "$scratch" 2>/dev/null || :
	rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mib() { echo $((($1 + 1048575) / 1048576)); }

if [ ! -f "$plain" ]; then
	echo "$prog: the ext4 image as partition 1 of a disk: $plain" >&2
	size=$(stat -c %s "$ext4")
	truncate -s $((1048576 + size)) "$plain.tmp"
	python3 "$top/tests/fixtures/lvm-image.py" mbr "$plain.tmp" \
		"2048:$((size / 512)):83"
	dd if="$ext4" of="$plain.tmp" bs=1M seek=1 conv=notrunc,sparse \
		status=none
	mv "$plain.tmp" "$plain"
fi

if [ ! -f "$member" ]; then
	echo "$prog: XFS on LVM2 on an md RAID1 member: $member" >&2
	size=$(stat -c %s "$ext4")
	xfs=$scratch/xfs.img
	# room for the files and XFS's own: a fifth more than ext4 took
	truncate -s "$(($(mib $((size + size / 5))) * 1048576))" "$xfs"
	mkfs.xfs -q -f -m uuid=0b1d1e57-0000-4000-8000-0000000b1070 "$xfs" ||
		die "mkfs.xfs failed"
	mkdir -p "$scratch/src" "$scratch/dst"
	mount -o loop,ro,noload "$ext4" "$scratch/src" || die "cannot mount '$ext4'"
	mounts="$scratch/src $mounts"
	mount -o loop "$xfs" "$scratch/dst" || die "cannot mount the XFS"
	mounts="$scratch/dst $mounts"
	cp -a "$scratch/src/." "$scratch/dst/" || die "cp -a into the XFS failed"
	rm -rf "$scratch/dst/lost+found"
	umount "$scratch/dst" && umount "$scratch/src" || die "umount failed"
	mounts=""
	# the physical volume: the XFS, 16 MiB for LVM2's label and metadata
	xsize=$(stat -c %s "$xfs")
	pv=$scratch/pv.img
	truncate -s $((xsize + 16 * 1048576)) "$pv"
	export LVM_SYSTEM_DIR="$scratch/lvm" LVM_SUPPRESS_FD_WARNINGS=1
	mkdir -p "$LVM_SYSTEM_DIR"
	loop=$(losetup -f --show "$pv") || die "no loop device"
	loops=$loop
	cat >"$LVM_SYSTEM_DIR/lvm.conf" <<CONF
devices { global_filter = [ "a|^$loop\$|", "r|.*|" ] obtain_device_list_from_udev = 0
          use_devicesfile = 0 hints = "none" }
backup { backup = 0 archive = 0 }
activation { udev_sync = 0 udev_rules = 0 }
CONF
	pvcreate -ff -y "$loop" --driverloaded n >/dev/null 2>&1 &&
		vgcreate vgsrv "$loop" --driverloaded n >/dev/null 2>&1 &&
		lvcreate -an -Zn -y -L "$(mib "$xsize")m" -n srv vgsrv \
			--driverloaded n >/dev/null 2>&1 ||
		die "the LVM2 tools could not make the volume"
	pe=$(pvs --noheadings --units b --nosuffix -o pe_start "$loop" \
		--driverloaded n 2>/dev/null | tr -d ' ')
	first=$(lvs --noheadings -o seg_pe_ranges vgsrv/srv --driverloaded n \
		2>/dev/null | sed 's/.*:\([0-9]*\)-.*/\1/' | tr -d ' ')
	[ "$first" = 0 ] || die "the volume does not start at extent 0 ($first)"
	losetup -d "$loop"
	loops=""
	dd if="$xfs" of="$pv" bs=1M seek="$pe" oflag=seek_bytes conv=notrunc \
		status=none
	rm -f "$xfs"
	# member 0 of a RAID1 pair around it
	python3 "$top/tests/fixtures/mdraid.py" --level 1 --disks 2 \
		--metadata 1.2 --data-kib $(($(stat -c %s "$pv") / 1024)) \
		--volume "$pv" --name srv:0 "$scratch/md" ||
		die "mdraid.py failed"
	mv "$scratch/md/m0.img" "$member"
	rm -rf "$scratch/md" "$pv"
fi

# runs go to tmpfs when it has the room
out_base=/dev/shm
[ "$(df -Pk "$out_base" | awk 'NR == 2 { print $4 }')" -ge 1048576 ] ||
	out_base=$scratch
case=$(mktemp -d "$out_base/custody-layers-case.XXXXXX")
trap 'cleanup; chmod -R u+w "$case" 2>/dev/null; rm -rf "$case"' EXIT
export CUSTODY_CONFIG="$scratch/no-config" CUSTODY_EXAMINER=bench
unset CUSTODY_CASE CUSTODY_PASSPHRASE
rm -rf "$case"
"$casetool" init "$case" --number B --title bench --examiner bench \
	--no-sign >/dev/null && "$casetool" add-item --case "$case" --item E001 \
	--no-sign >/dev/null || die "cannot make the case"
cat "$plain" "$member" >/dev/null # the page cache, warm

# run IMAGE PARTITION: one extraction, its seconds on stdout; every file
# of the reference found with its MD5 in PARTITION
run() {
	for u in "$case"/extractions/E001-X*; do
		[ -e "$u" ] && chmod -R u+w "$u" && rm -rf "$u"
	done
	t0=$(date +%s.%N)
	"$extract" --case "$case" --item E001 --quiet --no-sign "$1" ||
		[ $? -eq 6 ] || die "custody-extract failed on '$1'"
	t1=$(date +%s.%N)
	u=$(ls -d "$case"/extractions/E001-X*)
	python3 - "$u/inventory.jsonl" "$2" "$ext4.ref" <<'PY' || die "digests of '$1' disagree with the reference"
import json, sys
md5 = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e.get("partition") == sys.argv[2] and e.get("type") == "regular" \
            and not e.get("member"):
        md5[e["path"]] = e.get("md5")
bad = 0
for l in open(sys.argv[3]):
    path, m = l.split()[:2]
    if md5.get(path) != m:
        bad += 1
sys.exit(1 if bad else 0)
PY
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", b - a }'
}

best_plain=
best_layers=
i=1
while [ "$i" -le "$runs" ]; do
	echo "$prog: round $i of $runs" >&2
	p=$(run "$plain" p1)
	l=$(run "$member" "md:srv:0/lvm:vgsrv/srv")
	best_plain=$(awk -v a="$p" -v b="${best_plain:-$p}" 'BEGIN { print (a < b ? a : b) }')
	best_layers=$(awk -v a="$l" -v b="${best_layers:-$l}" 'BEGIN { print (a < b ? a : b) }')
	i=$((i + 1))
done

files=$(wc -l <"$ext4.ref")
echo
echo "the same $files files, custody-extract (default options), best of $runs,"
echo "page cache warm, outputs in $out_base"
printf '  %-44s %8s s\n' "ext4 in an MBR partition" "$best_plain"
printf '  %-44s %8s s\n' "XFS on LVM2 on an md RAID1 member" "$best_layers"
awk -v a="$best_layers" -v b="$best_plain" 'BEGIN {
	r = a / b
	printf "layers / plain                                  %5.2fx  (target <= 1.25x)%s\n",
	       r, (r > 1.25 ? "  BELOW TARGET" : "")
}'
