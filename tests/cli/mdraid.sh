#!/bin/sh
# mdraid.sh - md RAID members (tests/fixtures/mdraid.py writes them, with a
# known payload): mdadm --examine reads every member as the generator meant
# it (level, UUID, role, layout, chunk, a correct checksum) and as
# custody's md module reads it (tests/fixtures/mdraid-cat); the members,
# given in reverse order, and with one missing for the levels that bear
# it, give back the payload byte for byte.  Hostile twins: a member whose
# checksum fails is set aside (a RAID5 is rebuilt without it); two such
# members of a RAID5 are an error naming the missing roles.
. "$CUSTODY_TOP/tests/cli/lib.sh"
PATH=$PATH:/sbin:/usr/sbin
GEN="$CUSTODY_TOP/tests/fixtures/mdraid.py"
CAT="$CUSTODY_BUILD/fixtures/mdraid-cat"
UUID=3b8e1c52:a1f04d6e:9c2b7d41:e5a09f13

# field FILE KEY: the value of "KEY : value" in mdadm's output FILE
field() { sed -n "s/^ *$2 : //p" "$1" | head -n 1; }

# the value of KEY in mdraid-cat examine's output FILE
mine() { sed -n "s/^$2=//p" "$1"; }

# one_array NAME DISKS LEVEL LAYOUT METADATA [MISSING]
one_array() {
	name=$1 disks=$2 level=$3 layout=$4 meta=$5 missing=${6:-}
	d=$T/$name
	set -- --level "$level" --disks "$disks" --metadata "$meta"
	[ "$layout" = - ] || set -- "$@" --layout "$layout"
	[ "$level" = linear ] && set -- "$@" --chunk 0
	if ! "$PYTHON" "$GEN" "$@" "$d" >"$T/.gen" 2>&1; then
		fail "$name: the generator writes the members"
		sed 's/^/#   /' "$T/.gen"
		return
	fi
	bad=""
	r=0
	while [ "$r" -lt "$disks" ]; do
		m=$d/m$r.img
		mdadm --examine "$m" >"$d/ex$r" 2>&1
		"$CAT" examine "$m" >"$d/my$r" 2>&1
		if [ "$meta" = 0.90 ]; then
			uuid=$(field "$d/ex$r" UUID)
			role=$(awk '$1 == "this" { print $5 }' "$d/ex$r")
		else
			uuid=$(field "$d/ex$r" "Array UUID")
			role=$(field "$d/ex$r" "Device Role" | sed 's/Active device //')
		fi
		want_level=raid$level
		[ "$level" = linear ] && want_level=linear
		grep -q "Checksum : [0-9a-f]* - correct" "$d/ex$r" ||
			bad="$bad m$r:checksum"
		[ "$(field "$d/ex$r" "Raid Level")" = "$want_level" ] ||
			bad="$bad m$r:level"
		[ "$(mine "$d/my$r" level)" = "$want_level" ] || bad="$bad m$r:my-level"
		[ "$uuid" = $UUID ] || bad="$bad m$r:uuid($uuid)"
		[ "$(mine "$d/my$r" uuid)" = $UUID ] || bad="$bad m$r:my-uuid"
		[ "$role" = "$r" ] || bad="$bad m$r:role($role)"
		[ "$(mine "$d/my$r" role)" = "$r" ] || bad="$bad m$r:my-role"
		[ "$(mine "$d/my$r" version)" = "$meta" ] || bad="$bad m$r:version"
		[ "$(mine "$d/my$r" valid)" = 1 ] || bad="$bad m$r:valid"
		lay=$(field "$d/ex$r" Layout)
		if [ -n "$lay" ] && [ "$level" != 4 ]; then
			[ "$(mine "$d/my$r" layout)" = "$lay" ] ||
				bad="$bad m$r:layout($lay)"
		fi
		chunk=$(field "$d/ex$r" "Chunk Size")
		if [ -n "$chunk" ] && [ "$level" != 1 ]; then
			[ "$(($(mine "$d/my$r" chunk) / 1024))K" = "$chunk" ] ||
				bad="$bad m$r:chunk($chunk)"
		fi
		if [ "$meta" != 0.90 ]; then
			off=$(field "$d/ex$r" "Data Offset" | sed 's/ sectors//')
			off=${off:-0} # 1.0: mdadm prints none, the data is at 0
			[ "$(($(mine "$d/my$r" data_offset) / 512))" = "$off" ] ||
				bad="$bad m$r:data-offset($off)"
		fi
		r=$((r + 1))
	done
	if [ -z "$bad" ]; then
		ok "$name: mdadm --examine and custody read every member alike"
	else
		fail "$name: mdadm --examine and custody differ:$bad"
		sed 's/^/#   /' "$d/ex0" "$d/my0"
	fi

	# all members, in reverse order
	set --
	r=0
	while [ "$r" -lt "$disks" ]; do
		set -- "$d/m$r.img" "$@"
		r=$((r + 1))
	done
	if "$CAT" cat "$@" >"$d/out" 2>"$T/.err" && cmp -s "$d/out" "$d/volume.bin"
	then
		ok "$name: the array read back is the payload"
	else
		fail "$name: the array read back is the payload"
		sed 's/^/#   /' "$T/.err"
	fi

	# one member missing
	[ -n "$missing" ] || return
	shift_out=$d/m$missing.img
	set --
	r=0
	while [ "$r" -lt "$disks" ]; do
		[ "$d/m$r.img" = "$shift_out" ] || set -- "$d/m$r.img" "$@"
		r=$((r + 1))
	done
	if "$CAT" cat "$@" >"$d/out" 2>"$T/.err" &&
	   cmp -s "$d/out" "$d/volume.bin" &&
	   "$CAT" json "$@" >"$d/json" && grep -q '"degraded": true' "$d/json"
	then
		ok "$name: without role $missing, the degraded array is the payload"
	else
		fail "$name: without role $missing, the degraded array is the payload"
		sed 's/^/#   /' "$T/.err"
	fi
}

if ! command -v mdadm >/dev/null 2>&1; then
	skip "md arrays: mdadm is not installed"
	echo "1..$n"
	exit 0
fi

one_array r5-ls-12 4 5 left-symmetric 1.2 2
one_array r5-ra-090 4 5 right-asymmetric 0.90 0
one_array r5-pf-11 3 5 parity-first 1.1 1
one_array r4-12 3 4 - 1.2 2
one_array r6-ls-11 5 6 left-symmetric 1.1 3
one_array r6-ddf-090 5 6 ddf-N-continue 0.90 4
one_array r6-la6-10 5 6 left-asymmetric-6 1.0 1
one_array r10-n2-12 4 10 n2 1.2 1
one_array r10-f2-10 4 10 f2 1.0 3
one_array r10-o2-12 3 10 o2 1.2 0
one_array r1-090 2 1 - 0.90 0
one_array r0-12 3 0 - 1.2
one_array linear-10 2 linear - 1.0

# hostile twins: a checksum that fails (a byte of the name flipped)
d=$T/r5-ls-12
flip_byte "$d/m1.img" 4140
mdadm --examine "$d/m1.img" >"$T/.ex" 2>&1
"$CAT" examine "$d/m1.img" >"$T/.my" 2>&1
if grep -q "Checksum : [0-9a-f]* - expected" "$T/.ex" &&
   grep -q "^valid=0" "$T/.my" && grep -q "^reason=1.x superblock checksum" "$T/.my"
then
	ok "a flipped superblock byte: mdadm and custody both find the checksum wrong"
else
	fail "a flipped superblock byte: mdadm and custody both find the checksum wrong"
	sed 's/^/#   /' "$T/.ex" "$T/.my"
fi
if "$CAT" cat "$d"/m*.img >"$d/out" 2>"$T/.err" && cmp -s "$d/out" "$d/volume.bin"
then
	ok "the member of the bad checksum is set aside, its data rebuilt"
else
	fail "the member of the bad checksum is set aside, its data rebuilt"
	sed 's/^/#   /' "$T/.err"
fi
flip_byte "$d/m3.img" 4140
expect_exit 1 "two bad members of a RAID5: no array" "$CAT" cat "$d"/m*.img
contains "$T/.err" "2 roles missing, more than it can lose: 1, 3" \
	"the error names the missing roles"
[ ! -s "$T/.out" ] && ok "and nothing is written" || fail "and nothing is written"
echo "1..$n"
