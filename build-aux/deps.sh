#!/bin/sh
# deps.sh - make sure every Debian package custody needs is installed.
#
# As root: runs `apt-get update` once and installs what is missing.
# Otherwise: prints the exact apt-get line and fails.
set -eu

# build: compiler, libraries; tests and benchmarks: the tools custody is
# checked against and the fixtures' needs (FUSE for the faulty disk; LVM2,
# XFS and md RAID tools to build and check the images of server layers;
# ntfs-3g to format NTFS)
packages="gcc make pkg-config libssl-dev openssl libjansson-dev libewf-dev
libdeflate-dev libtsk-dev libqcow-dev libarchive-dev libmagic-dev libpsl-dev libyara-dev
libucl-dev zlib1g-dev liblzma-dev libbz2-dev libfuse3-dev fuse3 libcmocka-dev hashdeep ewf-tools gddrescue dc3dd dcfldd
sleuthkit libxml2-utils dosfstools mtools zip p7zip-full cpio zstd lz4 bzip2
xz-utils binutils time python3 python3-jsonschema e2fsprogs util-linux
coreutils gdb libbfio-dev libvslvm-dev libfsxfs-dev libvslvm-utils
libfsxfs-utils lvm2 xfsprogs mdadm ntfs-3g"

missing=""
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "custody: installing missing packages:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >&2
	exit 0
fi

echo "custody: missing Debian packages; install them with:" >&2
echo "  sudo apt-get install$missing" >&2
exit 1
