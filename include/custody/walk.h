/*
 * walk.h - every entry of a disk image, through The Sleuth Kit.
 *
 * cust_walk_image opens an image (raw and split raw read through
 * descriptors of its own; EWF, VMDK, VHD through libtsk; QCOW2 through
 * libqcow handed to libtsk), walks its volume system and every file system
 * it finds, and calls back once per directory entry, allocated or deleted,
 * with a description of the entry and a handle to read its content.  The
 * image is hostile: every count and length read from it is bounded, damage
 * is recorded in the report and the walk goes on; only an image that
 * cannot be opened at all is an error.  An image in which nothing opens
 * as a file system is no error either: its bytes are handed over as
 * "unrecognised" space (see "Nothing opens" below).
 *
 * Opening.  Raw segments are opened as evidence is (fsutil.h,
 * cust_fs_open_evidence): with O_NOATIME where the examiner may, so that
 * reading leaves their access times as they were, and a FIFO or socket in
 * place of a segment is refused at once rather than waited on.  libewf,
 * libvmdk, libvhdi and libqcow open their files themselves, without
 * O_NOATIME: mount such images read-only (or noatime) to keep their access
 * times.  An E01 is first opened with libewf alone, which says what is
 * wrong with a damaged one: its own error, no media in it, or segment
 * files truncated or corrupted (such an E01 is refused: libewf would read
 * what is missing as zeros but loses memory on every such read, so a
 * walk would not stay bounded; ewfrecover makes a complete copy).
 *
 * Nothing is lost without a word.  libtsk's own directory walk skips a
 * directory it cannot read (and, past 128 levels or 4096 bytes of path,
 * the rest of the directory holding it) and says nothing; the walk
 * notices, opens such a directory itself to learn why, and records it.
 * Every directory that cannot be read or is not entered, every allocated
 * name whose metadata cannot be read, and every entry whose content
 * cust_walk_read could not read (once per entry) is a problem in the
 * report, which is then not complete.
 *
 * Partition names.  When a volume system is found, its allocated
 * partitions (TSK_VS_PART_FLAG_ALLOC: table entries that hold data, not
 * the tables, extended containers or unallocated gaps) are named "p1",
 * "p2", ... in the order libtsk lists them, which is the order of their
 * start sector (for DOS: primary entries, then each extended table in
 * chain order).  An image without a volume system is one file system at
 * offset 0, named "p0".
 *
 * Nothing opens.  A range (the "p0" image, a partition, a volume of a
 * layer) in which libtsk opens no file system, libfsxfs finds no XFS
 * signature and no layer is recognised is not damage but a finding: its
 * report object gets "fs_error" ("no file system could be opened: " and
 * libtsk's message: "Cannot determine file system type", "Possible
 * encryption detected (High entropy (7.97))"), the report's "notes" get
 * {"partition", "kind": "no-file-system", "message"}, and with
 * options.space its whole extent is handed over as "unrecognised" space
 * (a wiped disk, a memory or swap dump, an encrypted or unknown
 * partition: every byte is carved); the walk stays complete.  A range
 * where something was recognised but cannot be read (an XFS signature
 * whose file system does not open, see "XFS") is a problem, and its bytes
 * are "unreadable-partition" space.
 *
 * Several file systems in one range.  libtsk's autodetection tries NTFS,
 * FAT, ext2/3/4, UFS, YAFFS2, HFS and ISO9660 in turn and refuses a
 * range where two of them open ("Cannot determine file system type
 * (EXT2/3/4 or NTFS)": a partition formatted twice, a hybrid image); it
 * names the two it met first and tries no further.  The walk then opens
 * the range as each of these types by name and walks every one that
 * opens, in that order, each as a partition of its own named
 * "NAME#TYPE" ("p1#ntfs", "p1#ext2"; TYPE is fs_type), its report object
 * a copy of the range's with "fs_type" and "file_systems" (the names of
 * all of them), and the report's "notes" get {"partition": NAME, "kind":
 * "several-file-systems", "message"}.  Their space is read once: a byte
 * of the range is "unallocated" space of the first of them whose blocks
 * hold it, and only when every one of them holding it leaves it
 * unallocated (a byte one of them allocates is that one's file content,
 * or its structures); the bytes past the end of all of them are the
 * "volume-slack" of the one that ends last.  When only one opens by name,
 * it is walked as the range itself; when none does, nothing opens.
 *
 * Layers: LVM2.  A partition (of any type) or a "p0" image that holds an
 * LVM2 physical volume label ("LABELONE" in one of its first four
 * 512-byte sectors) is not opened as a file system: its report object
 * gets "layer": "lvm" and "physical_volume" {"uuid", "offset", "size",
 * "data_offset" (where its extents start), "name"} and "volume_group".
 * After all partitions, the volume groups of the physical volumes found
 * are opened (lib/lvm.h; a group over several partitions is opened once,
 * with all of them), read through libvslvm or, where libvslvm falls short
 * (a group it refuses, of several physical volumes, or striped),
 * custody's own reader of the LVM2 metadata (lib/lvm_meta.h), and each
 * logical volume is walked as a
 * partition named "pN/lvm:VG/LV" (pN: the physical volume the group was
 * read from, "p0" for a whole disk; VG and LV escaped: anything but
 * A-Z a-z 0-9 + _ . - is \xHH).  Its report object has "layer": "lvm",
 * "volume_group" {"name", "uuid", "extent_size", "sequence", "reader"
 * ("libvslvm" or "custody"), "reader_reason" (why custody's: libvslvm's
 * own error when it refused the group), "metadata_checksums_ok"},
 * "logical_volume" {"name", "uuid", "size", "segments": [{"offset",
 * "size", "stripes", "type", "stripe_size"}]} and "physical_volume"
 * {"name", "uuid", "offset", "size"}; cust_walk_entry.layer points at
 * these keys.  Inside a logical
 * volume the partition's offset and space are offsets in that volume,
 * not in the image: its "offset" is 0, and the segments and the physical
 * volume say where it lies; the runs of its files and their slack are
 * placed in the image (see "Runs through the layers"), and so is its
 * space, through cust_walk_space.volume.  Content is read through the
 * group's reader, never straight from the image file.  A volume with a
 * segment of a type other than "striped" (thin, raid1, mirror, snapshot,
 * cache...) or damaged metadata is not walked (a problem naming the type
 * or the damage; its extents are carved as lvm-unassigned); a physical
 * volume the group lists but no partition holds is a problem naming its
 * UUID, and reads of its extents fail while the rest of the volume is
 * read; a group neither reader can read, a checksum of the metadata that
 * does not match, extents past the end of a physical volume: each is a
 * problem and the walk goes on.  At
 * most CUST_LVM_PVS_MAX physical volumes and CUST_LVM_LVS_MAX volumes of
 * a group are read (lib/lvm.h).
 *
 * Layers: md RAID.  A partition or a "p0" image that holds a valid md
 * superblock (0.90, 1.0, 1.1 or 1.2: include/custody/mdraid.h) is a
 * member: it is not opened as a file system, its report object gets
 * "layer": "md-member" and "md_member" {"uuid", "name", "level",
 * "layout", "role", "metadata", "data_offset", "events"}.  After all
 * partitions of every disk, the members are assembled by array UUID and
 * role (lib/mdset.h; never by the order they were found) and each array
 * is walked as a partition named "md:NAME" (the array's name, else its
 * UUID; a '/' in it written \x2f), its report object with "layer": "md"
 * and "md" (cust_md_array_json: level, layout, chunk, every role with
 * the partition holding it, degraded, missing and rebuilt roles, members
 * not used and why).  A RAID1 member seized alone is read as its array,
 * degraded; a RAID4/5 array missing one member, a RAID6 missing two, are
 * rebuilt from parity as they are read.  An LVM2 physical volume on an
 * array is opened as on a partition (md arrays come before LVM2: a
 * server's usual stack is md RAID, then LVM2, then the file system).  A
 * superblock that fails a check is a problem and its partition is opened
 * as anything else; an array that cannot be assembled (more members
 * missing than its level tolerates, members that disagree) is a problem
 * and, with space, its members are read as "unreadable-partition" (they
 * were recognised; their array's content cannot be read).  A '#' in an
 * array's name is written \x23 (see "Several file systems").
 * Offsets inside an array (the partition's, space) are offsets in the
 * array; its files' runs and slack are placed in the images, and its
 * space through cust_walk_space.volume.
 *
 * Runs through the layers.  The runs of every entry (cust_walk_run) say
 * where its bytes lie in the seized images, whatever layers hold its
 * file system.  A partition is a window of its disk's image; an md
 * array lies on its members: RAID1 on the member of the lowest role
 * present (the one read first), linear on each member in turn, RAID0,
 * RAID10 (the first copy present) and RAID4/5/6 chunk by chunk on the
 * member holding each data chunk (parity holds no file byte); an LVM2
 * logical volume lies on its physical volumes segment by segment, a
 * striped segment stripe chunk by chunk (as custody's reading of the
 * metadata lays them out, lvm.h).  These compose as they nest (md RAID1
 * -> LVM2 -> ext4: the member's data offset + pe_start + the extent +
 * the offset in the volume).  A run is split where its bytes stop
 * following each other in one image (runs_truncated when that passes
 * CUST_WALK_RUNS_MAX); with several disks each run names its disk
 * (DISK, K of "dK").  A run whose bytes lie in no image has no offset
 * and says why (PLACE): a chunk of a missing RAID4/5/6 member, rebuilt
 * from parity as it is read (CUST_WALK_REBUILT); extents on a physical
 * volume not found, or past the end of a truncated member or physical
 * volume (CUST_WALK_MISSING); a group custody cannot read the metadata of
 * (libvslvm reads it its own way: CUST_WALK_UNPLACED).  FS_OFFSET keeps
 * where the run lies from the start of its file system.  A volume whose
 * bytes all lie in one run of one image is a window of it: its report
 * object gets "image_offset" (and "image_disk", "dK", with several disks);
 * others (chunks, stripes, several segments or disks) have none.  The
 * slack of a file in a layer (cust_walk_slack) is placed in the images
 * as runs are; space in a volume (cust_walk_space) keeps offsets in the
 * volume, and cust_walk_volume_place places them while its run lasts.
 *
 * Several disks (cust_walk_disks).  The disks of one server are walked
 * together so that arrays and volume groups spanning them are
 * assembled: the partitions of disk K are named "dK/pN" ("dK/p0"), the
 * layers' volumes are named after the range they were found in
 * ("dK/pN/lvm:VG/LV") or their array ("md:NAME"), and each disk's
 * unpartitioned space is of partition "dK".
 *
 * Order.  Partitions in the order above; within a file system the order
 * of tsk_fs_dir_walk (directory order on disk, depth first, then TSK's
 * $OrphanFiles folder).  The same image always gives the same sequence.
 *
 * Content recoverability (enum cust_walk_content) is what libtsk's own
 * reading of the entry can honestly claim:
 *  - FAT: a deleted file keeps its first cluster and size, but its cluster
 *    chain is cleared; libtsk reads SIZE bytes of contiguous clusters from
 *    the first one.  That is the content only when the file was not
 *    fragmented, which nothing on disk can prove: RECOVERED ("recovered,
 *    not verified").
 *  - NTFS: the runs of a deleted file survive in its MFT entry until the
 *    entry is reused: RECOVERED while the entry is unallocated, REUSED
 *    when the name points at an entry now allocated to another file.
 *  - ext2/3/4: ext2 keeps block pointers of a deleted inode (RECOVERED);
 *    ext3/4 zero them on delete, so there are no runs: NO_RUNS.
 *  - any file system: a deleted entry whose clusters are now allocated to
 *    another file is REUSED, whatever libtsk would read.
 *
 * XFS.  libtsk 4.11 reads no XFS.  Where it opens no file system in a
 * range (a partition, or a "p0" image), the walk asks libfsxfs whether
 * the range holds XFS (its superblock's signature) and, if so, walks it
 * through libfsxfs: every entry from the root, depth first, each
 * directory's entries in the order libfsxfs gives them (the order on
 * disk), fs_type "xfs", fs_uuid and fs_label set.  libfsxfs gives the
 * names, inode numbers, types, modes, owners, sizes and symlink targets,
 * and reads the content (cust_walk_read); the walk reads itself, from the
 * on-disk structures (lib/xfs_disk.h), what libfsxfs does not give or
 * gives wrong: the times (libfsxfs 20201117 misreads the big timestamps
 * of every file system xfsprogs 5.15 or later made), crtime included (v5
 * inodes), in UTC with nanoseconds; the runs (the extents of the data
 * fork: a hole between or after them, and an unwritten extent, which
 * reads as zeros, are sparse runs; cust_walk_span and cust_walk_holes
 * follow them, and the slack is read from the image past the size in the
 * last extent); a name that is not UTF-8 (libfsxfs refuses it: the raw
 * bytes are read from the directory); the UUID (sb_uuid).  A directory's
 * size is its inode's.  Every entry is allocated, its content ALLOCATED
 * or EMPTY: libfsxfs lists no deleted entry, and the partition's report
 * says so ("deleted": "not listed: libfsxfs reads allocated entries
 * only"), whatever include_deleted asks; their content is still carved
 * from the unallocated space.  A directory whose inode was entered
 * already (a loop, or a second name of a directory on a damaged file
 * system) is reported and not entered; depth, path length and
 * max_entries are bounded as for libtsk; an entry libfsxfs cannot read
 * is a problem for that entry, and the walk goes on.  A range with XFS's
 * signature that cannot be opened (a damaged superblock; an image cut
 * before the last group's superblock, which libfsxfs reads when it opens
 * the volume) is a partition with fs_error and a problem (damage), its
 * bytes "unreadable-partition" space.
 *
 * Space outside files.  With cust_walk_options.space set, the walk also
 * hands over, in chunks of at most CUST_WALK_SPACE_CHUNK bytes, the image
 * bytes no file claims.  Each kind below comes in block (byte) order at
 * the place given:
 *  - "unallocated": after a file system's entries, its blocks that libtsk's
 *    block walk reports unallocated (tsk_fs_block_walk with
 *    TSK_FS_BLOCK_WALK_FLAG_UNALLOC).  What that means depends on the file
 *    system: the free blocks of ext2/3/4's bitmaps, FAT's free clusters
 *    (whole clusters, so without the slack of live files: see
 *    cust_walk_slack), NTFS's free clusters in $Bitmap.  ISO9660 has no
 *    allocation map: libtsk calls every block that holds no file content
 *    unallocated, volume descriptors and directory records included.
 *    XFS: the free extents of each allocation group's free-space B+tree
 *    (by block number), read by the walk itself; a group whose tree is
 *    damaged is a problem, and what was read of it stands.  The blocks of
 *    the groups' free lists (AGFL) are not included.
 *  - "volume-slack": then the bytes of the partition (or of a "p0" image)
 *    past the end of its file system.
 *  - "unrecognised": the whole extent of a range in which nothing opens
 *    (see "Nothing opens": an unknown, encrypted, wiped or damaged
 *    partition, the "p0" image, a logical volume or md array without a
 *    file system; offsets in the volume for those), in its turn among the
 *    partitions.
 *  - "unreadable-partition": the whole extent of a range in which
 *    something was recognised that cannot be read: an XFS signature whose
 *    file system does not open, and the layers' below.
 *  - "lvm-unassigned": after the logical volumes of an LVM2 volume group
 *    (and those of a volume not walked),
 *    the bytes of each of its physical volumes that no logical volume
 *    holds (the label, the metadata area, the free extents), partition
 *    the physical volume's (pN), image offsets; the physical volumes of a
 *    group that cannot be read are handed over whole as
 *    "unreadable-partition" (a logical volume without a file system is
 *    "unrecognised", offsets in the volume).
 *  - "unpartitioned": after all partitions, the gaps of the volume system
 *    (TSK_VS_PART_FLAG_UNALLOC: the sectors before the first partition,
 *    between partitions and after the last), partition "-".
 * Contiguous bytes of one kind form a run; the calls within a run after
 * its first have continues=1, so a caller can match across chunks, and
 * options.space_end follows its last.  A read
 * that fails is recorded in the report's problems and skipped (the next
 * call then starts with continues=0).  Offsets are the image's, of the
 * disk (dK) the partition is on; in a volume of a layer (a logical
 * volume, an md array, and an LVM2 physical volume on an array) they
 * are the volume's, and cust_walk_space.volume places them in the disks'
 * images.  Only bytes inside the image are
 * read, so the total is at most the image size.  A file system whose
 * block walk fails is recorded as a problem; the walk goes on.
 */
#ifndef CUSTODY_WALK_H
#define CUSTODY_WALK_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

/* Bounds against hostile images. */
#define CUST_WALK_PATH_MAX 4096     /* bytes of an escaped path, with NUL */
#define CUST_WALK_LINK_MAX 4096     /* bytes of a symlink target read */
#define CUST_WALK_RUNS_MAX 1024     /* data runs described per entry */
#define CUST_WALK_DEPTH_MAX 256     /* directory levels below the root */
#define CUST_WALK_SEGMENTS_MAX 1000 /* segments of a split image */
#define CUST_WALK_PARTS_MAX 1024    /* partitions walked */
#define CUST_WALK_PART_NAME_MAX 288 /* bytes of a partition name, with NUL */
#define CUST_WALK_PROBLEMS_MAX 1000 /* problems recorded in the report */

enum cust_walk_type {
	CUST_WALK_REGULAR,
	CUST_WALK_DIRECTORY,
	CUST_WALK_SYMLINK,
	CUST_WALK_SOCKET,
	CUST_WALK_FIFO,
	CUST_WALK_CHAR_DEVICE,
	CUST_WALK_BLOCK_DEVICE,
	CUST_WALK_VIRTUAL, /* made up by libtsk: $MBR, $FAT1, $OrphanFiles */
	CUST_WALK_OTHER
};

/* What reading the content gives (see the top of this file). */
enum cust_walk_content {
	CUST_WALK_CONTENT_ALLOCATED, /* live metadata: the file's content */
	CUST_WALK_CONTENT_EMPTY,     /* size 0: nothing to read */
	CUST_WALK_CONTENT_RECOVERED, /* deleted: recovered, not verified */
	CUST_WALK_CONTENT_REUSED,    /* deleted: metadata or clusters reused */
	CUST_WALK_CONTENT_NO_RUNS    /* deleted: no data addresses left */
};

/* A time stamp; PRESENT is 0 when the file system has none or it is 0.
 * FAT and exFAT keep the local time of the machine that wrote them, in a
 * zone they do not record: LOCAL is set and SEC counts that wall-clock
 * time as if it were UTC (libtsk converts it with mktime(), so the walk
 * runs with TZ=UTC0 and the result never depends on the examiner's zone:
 * cust_walk_image sets it). */
struct cust_walk_time {
	int present;
	int local;     /* a wall-clock time in an unknown zone */
	int64_t sec;   /* seconds since 1970-01-01 UTC (or see LOCAL) */
	uint32_t nsec; /* 0 when the file system has no finer resolution */
};

/* Where a run's bytes lie (see "Runs through the layers" above). */
enum cust_walk_place {
	CUST_WALK_IN_IMAGE = 0, /* at OFFSET of the image of disk DISK */
	CUST_WALK_REBUILT,      /* in no image: a chunk of a missing md
	                           member, rebuilt from parity when read */
	CUST_WALK_MISSING,      /* in no image: on an LVM2 physical volume
	                           no range holds, past the end of a
	                           truncated member or physical volume */
	CUST_WALK_UNPLACED      /* where cannot be computed (a group only
	                           libvslvm reads) */
};

/* One run of the entry's default data stream, in image bytes. */
struct cust_walk_run {
	uint64_t offset; /* from the start of the image of disk DISK (0 when
	                    sparse, filler or not CUST_WALK_IN_IMAGE) */
	uint64_t length;
	uint64_t fs_offset; /* from the start of the range its file system
	                       lies in (the partition, the volume of a
	                       layer): fiwalk's fs_offset (0 when sparse or
	                       filler) */
	int sparse;      /* a hole: reads as zeros, no image bytes */
	int filler;      /* libtsk does not know where this run lies yet;
	                    it reads as zeros, and is recorded as a hole */
	enum cust_walk_place place; /* CUST_WALK_IN_IMAGE unless sparse or
	                               filler runs lie in no image */
	unsigned disk;   /* the disk holding it, K of "dK" (from 1), when
	                    several were walked (cust_walk_disks); else 0 */
};

/* One directory entry.  Every pointer is borrowed for the callback. */
struct cust_walk_entry {
	const char *partition; /* "p0", "p1", ..., "p1/lvm:VG/LV", "md:NAME",
	                          "p1#ntfs" (one of several file systems),
	                          "d2/p1" (cust_walk_disks) */
	const char *fs_type;   /* tsk_fs_type_toname: "ext2", "fat12", "ntfs";
	                        * "xfs" (read through libfsxfs) */
	/* the file system's identity where the walk reads it (XFS): its UUID
	 * (8-4-4-4-12 hex) and its label (escaped); else NULL */
	const char *fs_uuid, *fs_label;
	/* the partition's place, as in the report: image offset, and the
	 * image's sector size */
	uint64_t partition_offset;
	uint32_t sector_size;
	/* where the first byte of the partition (ORIGIN is PARTITION_OFFSET)
	 * or of the volume of a layer lies in its disk's image: 0 when that
	 * byte lies in no image (see "Runs through the layers") */
	uint64_t origin;
	/* a volume of a layer (an LVM2 logical volume): its report keys
	 * "layer", "volume_group", "logical_volume", "physical_volume"
	 * (see "Layers" above); NULL for a partition of the image */
	const json_t *layer;
	/* The path from the root, "/a_directory/a_file", and the last name:
	 * bytes from the image kept as given except that anything not valid
	 * UTF-8, a control character or a backslash is written \xHH, so each
	 * is one line of safe UTF-8.  Never a host path. */
	const char *path;
	const char *name;
	int path_truncated;     /* PATH did not fit CUST_WALK_PATH_MAX: cut
	                         * (an image), shortened around a marker
	                         * (a folder, place.h) */
	uint64_t meta_addr;     /* inode / MFT entry / FAT directory entry */
	int name_allocated;     /* 0: the name is deleted */
	int meta_allocated;     /* 0: the metadata is deleted (or none) */
	int has_meta;           /* 0: libtsk found no metadata for the name */
	int orphan;             /* found under $OrphanFiles, not by name */
	enum cust_walk_type type;
	uint64_t size;
	struct cust_walk_time mtime, atime, ctime, crtime;
	uint32_t mode;          /* permission bits and set-id/sticky bits */
	uint32_t uid, gid;
	const char *link_target; /* a symlink's target, escaped; else NULL */
	const struct cust_walk_run *runs;
	size_t nruns;
	int runs_truncated;     /* more than CUST_WALK_RUNS_MAX runs */
	int runs_resident;      /* content stored in the metadata (NTFS) */
	enum cust_walk_content content;
	/* 1: the runs hold the content byte for byte, in order from its
	 * first byte: content offset N lies where the runs, laid end to end,
	 * put it (in a run neither sparse nor filler).  0 when the stream is
	 * compressed or encrypted (NTFS) or its runs hold bytes before the
	 * content: the runs say where its clusters are, not where a byte is */
	int runs_plain;
};

#define CUST_WALK_SPACE_CHUNK (1u << 20) /* bytes per space callback, max */
#define CUST_WALK_SLACK_MAX (1u << 20)   /* bytes of slack read per file */

/* Where the bytes of a space callback lie (see the top of this file). */
struct cust_walk_space {
	const char *partition; /* "p0", "p1", ..., or "-" for "unpartitioned" */
	const char *kind;      /* "unallocated", "volume-slack",
	                          "unrecognised", "unreadable-partition",
	                          "lvm-unassigned", "unpartitioned" */
	uint64_t image_offset; /* of BUF[0] in the image (of disk dK with
	                          several disks), or, when VOLUME is set,
	                          in that volume */
	int continues;         /* 1: BUF follows the previous call's bytes
	                          directly (same run): a feature may span both */
	/* A volume of a layer (pN/lvm:VG/LV, md:NAME, or an md array holding
	 * an LVM2 physical volume): IMAGE_OFFSET is in the volume, and
	 * cust_walk_volume_place says where any byte of it lies in the
	 * disks' images.  Borrowed: valid from this call until the run ends
	 * (the walk calls options.space_end, before it reads anything else
	 * or closes the volume), never after cust_walk_image returns.  NULL
	 * for a partition or a disk: IMAGE_OFFSET is the image's. */
	const struct cust_walk_volume *volume;
	/* with VOLUME: where its first byte lies in its disk's image (0
	 * when it lies in no image) */
	uint64_t origin;
};

/*
 * Where byte OFF of volume V lies in the disks' images: CUST_WALK_IN_IMAGE
 * with *DISK (K of "dK" with several disks, else 0) and *AT, the offset in
 * that disk's image; else where it lies in no image (a chunk of a missing
 * md member rebuilt from parity, an extent on a missing physical volume:
 * enum cust_walk_place), *DISK and *AT 0.  CUST_WALK_UNPLACED for a V no
 * longer valid (see cust_walk_space.volume) or an OFF past its end.
 */
struct cust_walk_volume;
enum cust_walk_place cust_walk_volume_place(const struct cust_walk_volume *v,
                                            uint64_t off, unsigned *disk,
                                            uint64_t *at);

/*
 * Called with LEN (1 .. CUST_WALK_SPACE_CHUNK) bytes of space outside
 * files; BUF and S are borrowed for the call.  Return 0 to go on, -1
 * (with ERR set) to stop the walk: cust_walk_image then returns -1 with
 * that error.
 */
typedef int (*cust_walk_space_fn)(void *ctx, const struct cust_walk_space *s,
                                  const void *buf, size_t len,
                                  struct cust_error *err);

/*
 * Called once a run of space has been handed over whole (after its last
 * chunk; also after a run a failed read broke), before the walk reads
 * anything else or closes the volume it lies in: what the caller still
 * holds of the run (a feature found at its end) is placed now, while
 * cust_walk_space.volume is valid.  Return as cust_walk_space_fn.
 */
typedef int (*cust_walk_space_end_fn)(void *ctx, struct cust_error *err);

struct cust_walk_options {
	int include_deleted;  /* also deleted names and $OrphanFiles */
	uint64_t max_entries; /* stop after this many entries; 0: no limit */
	cust_walk_space_fn space; /* NULL: space outside files not read */
	cust_walk_space_end_fn space_end; /* NULL: not told */
	void *space_ctx;      /* passed to SPACE and SPACE_END */
	/* Read every content through libtsk.  By default the live files of
	 * ext2/3/4 and FAT in a single raw image file are read through their
	 * runs straight from the file (the same bytes, without libtsk's
	 * block cache); this is the reference to check that against. */
	int tsk_reads;
};

/* The content of the entry being reported; valid only during the call. */
struct cust_walk_file;

/*
 * Called once per entry.  Return 0 to go on, -1 (with ERR set) to stop
 * the walk: cust_walk_image then returns -1 with that error.
 */
typedef int (*cust_walk_fn)(void *ctx, const struct cust_walk_entry *e,
                            struct cust_walk_file *f, struct cust_error *err);

/*
 * Read up to LEN bytes of F's content from OFFSET into BUF; *GOT receives
 * the count (0 at or after the end).  Reads the default data stream
 * through libtsk (an XFS entry's through libfsxfs), deleted entries
 * included (see enum cust_walk_content for what that content is worth).
 * -1 (CUST_E_INPUT) when libtsk (libfsxfs) cannot read it: the message
 * names the entry and carries the library's, and the first
 * such failure of an entry is a problem of the walk's report.
 */
int cust_walk_read(struct cust_walk_file *f, uint64_t offset, void *buf,
                   size_t len, size_t *got, struct cust_error *err);

/*
 * Where F's content at OFFSET comes from, so that a reader need not read
 * what it can compute: *LEN bytes from OFFSET (to the next change, at
 * most to the end) that are a hole (*HOLE 1: they read as zeros, and no
 * byte of the image holds them) or not (*HOLE 0: read them with
 * cust_walk_read).  Holes are the runs libtsk reads as zeros (sparse,
 * and filler: ext4's gaps between extents) of a stream it reads plainly
 * (not compressed, encrypted or offset), and the holes a host file's
 * system reports (SEEK_HOLE); bytes no run describes are not holes:
 * libtsk says what they read as.  *LEN is 0 at or past the end.
 * Looking forward from the last span asked costs nothing more; -1
 * (CUST_E_USAGE) only outside the entry's callback.
 */
int cust_walk_span(struct cust_walk_file *f, uint64_t offset, int *hole,
                   uint64_t *len, struct cust_error *err);

/* The bytes of F's content in holes, as cust_walk_span sees them (0
 * outside the entry's callback): the rest of its size is what the image
 * holds for it. */
uint64_t cust_walk_holes(struct cust_walk_file *f);

/*
 * The file slack of F: the bytes of its last allocated cluster (or block)
 * past its size, up to CAP (at most CUST_WALK_SLACK_MAX) into BUF; *GOT
 * receives the count and *WHERE the place of BUF[0], as a run of *GOT
 * bytes (the bytes are contiguous there): its offset and disk in the
 * disks' images, through the layers (see "Runs through the layers"; PLACE
 * says when it lies in no image), and FS_OFFSET in the partition or the
 * volume of a layer.  Slack lies in one block of its file system, so in
 * one chunk of an array or one extent of a logical volume; were a
 * cluster larger than a chunk to straddle two, WHERE is its first
 * byte's place.  Read through libtsk
 * (TSK_FS_FILE_READ_FLAG_SLACK) up to the allocated size of the default
 * data stream, never past the end of the run holding the last byte.
 * *GOT is 0 when there is none or it cannot be read: content resident in
 * the metadata (NTFS), compressed or encrypted streams, a sparse last run,
 * a size on a cluster boundary, and any entry whose content is not
 * CUST_WALK_CONTENT_ALLOCATED or that is not a regular file (the clusters
 * of a deleted file are unallocated space, or another file's).  Only -1
 * (CUST_E_USAGE) when called outside the entry's callback.
 */
int cust_walk_slack(struct cust_walk_file *f, void *buf, size_t cap,
                    size_t *got, struct cust_walk_run *where,
                    struct cust_error *err);

/*
 * Walk a folder of the examiner's machine as cust_walk_image walks an
 * image: PATH is a folder (every entry below it, "/a", "/a/b", in byte
 * order of the full paths but that each folder comes right before its own
 * entries) or a regular file (the one entry "/NAME").  The
 * entries are of partition "p0", file system "folder"; a path longer than
 * CUST_WALK_PATH_MAX is shortened (place.h: head and tail around a marker
 * with the length and SHA-256 of the whole); times, mode, owner
 * and inode number come from statx (the birth time where the host file
 * system keeps one); content is read from the files themselves, opened
 * without following symlinks and with O_NOATIME where allowed, so reading
 * leaves the access times as they were.  Symlinks are reported with their
 * targets, never followed (Linux stamps a symlink's access time when its
 * target is read, whatever the flags: the time recorded is the one from
 * before; mount the folder read-only to keep it); folders on another file system, or deeper than
 * CUST_WALK_DEPTH_MAX, are reported and not entered; what cannot be read
 * (a folder, a file that cannot be opened or read) is a problem in the
 * report, which is then not complete.  O->space is ignored (a folder has no space
 * outside files) and so is O->include_deleted.  REPORT receives the keys
 * cust_walk_image writes: "container" {"type": "folder" or "file",
 * "size" (bytes of its regular files), "segments": [PATH]},
 * "volume_system" null, one partition "p0" (fs_type "folder"),
 * "problems", "entries", "complete".
 */
int cust_walk_folder(const char *path, const struct cust_walk_options *o,
                     cust_walk_fn fn, void *ctx, json_t *report,
                     struct cust_error *err);

/*
 * The digest that fixes what a folder held when it was extracted: the
 * SHA-256 (hex, 65 bytes) of the lines "SHA256  .PATH\n" (the file's
 * SHA-256 in lower-case hex, two spaces, the entry's path) of every
 * regular file cust_walk_folder reports, in its order, each PATH whole
 * even where the entry's is shortened; *FILES and *BYTES count them.  For a regular file PATH it is the one line of that file.
 * Inside the folder, for names without a newline or a backslash and
 * valid UTF-8 (which paths escape), stock tools give the same:
 *   find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
 *       sha256sum
 */
int cust_walk_folder_digest(const char *path, char sha256[65],
                            uint64_t *files, uint64_t *bytes,
                            struct cust_error *err);

/*
 * That digest built from lines the caller already has: each regular file
 * of the walk, in its order, with its SHA-256 in hex and its path (an
 * extraction takes them from its own inventory lines, so the folder is
 * read once).  cust_folder_listing_end gives the digest and the counts and
 * frees the listing; cust_folder_listing_free drops it (NULL is fine).
 */
struct cust_folder_listing;
struct cust_folder_listing *cust_folder_listing_new(struct cust_error *err);
int cust_folder_listing_add(struct cust_folder_listing *l,
                            const char sha256[65], const char *path,
                            uint64_t size, struct cust_error *err);
void cust_folder_listing_end(struct cust_folder_listing *l, char sha256[65],
                             uint64_t *files, uint64_t *bytes);
void cust_folder_listing_free(struct cust_folder_listing *l);

/*
 * Pin the process to TZ=UTC0 (setenv, tzset), so libtsk's mktime() of FAT
 * times does not depend on the examiner's zone.  cust_walk_image calls
 * it; setenv is not safe while other threads read the environment, so a
 * caller that starts threads before the walk calls it first.
 */
void cust_walk_pin_zone(void);

/*
 * Walk the image made of the NPATHS files PATHS (the segments of a split
 * image in order, or its first segment alone: the others are looked up
 * next to it by cust_walk_segments).  O may be NULL (deleted entries
 * included, no entry limit, no space).  FN is called for every entry and
 * O->space for the space outside files, in the order documented above; an
 * entry limit that stops the walk stops the space too.
 *
 * REPORT, when not NULL, must be a JSON object; it receives:
 *   "container": {"type", "size", "sector_size", "segments": [paths]}
 *   "volume_system": {"type", "offset", "block_size"} or null
 *   "partitions": [{"name", "offset", "length", "description",
 *                   "fs_type" or "fs_error", "entries"; for XFS also
 *                   "fs_uuid", "fs_label", "fs_version", "deleted"}]; with
 *                   options.space also the bytes handed over of each kind:
 *                   "unallocated_bytes", "volume_slack_bytes" (a file
 *                   system), "unrecognised_bytes" (nothing opened) or
 *                   "unreadable_bytes" (recognised, not read); of several
 *                   file systems in one range, "file_systems"; an LVM2
 *                   physical volume and its logical volumes also the
 *                   layer's keys (see "Layers" above), the physical
 *                   volume "lvm_unassigned_bytes" with options.space
 *   "unpartitioned_bytes": with options.space and a volume system
 *   "problems": [{"partition", "message"}] (at most CUST_WALK_PROBLEMS_MAX;
 *                "problems_dropped" counts the rest)
 *   "notes": [{"partition", "kind", "message"}]: findings that are no
 *            damage ("no-file-system", "several-file-systems"; at most
 *            CUST_WALK_PROBLEMS_MAX)
 *   "entries": count reported, "complete": false when a limit stopped it
 *              or anything was not read (any problem)
 * Returns 0 once the image was walked, even past damage (the problems say
 * what was missed); -1 when the image cannot be opened (CUST_E_INPUT),
 * on a failure of the system (CUST_E_IO) or when FN failed.
 */
int cust_walk_image(const char *const *paths, size_t npaths,
                    const struct cust_walk_options *o, cust_walk_fn fn,
                    void *ctx, json_t *report, struct cust_error *err);

/* One disk of a walk over several (cust_walk_disks): the segments of its
 * image in order, or its first segment alone (cust_walk_image's PATHS). */
struct cust_walk_disk {
	const char *const *paths;
	size_t npaths;
};

#define CUST_WALK_DISKS_MAX 64 /* disks walked together */

/*
 * Walk NDISKS disks of one server together, as cust_walk_image walks one:
 * the partitions of each disk in turn, named "dK/pN" (K from 1, in the
 * order given; "dK/p0" for a disk without a volume system), then the md
 * RAID arrays and LVM2 volume groups their partitions make, whichever
 * disks they span (members and physical volumes are matched by their
 * UUIDs, never by the order of the disks), then the unpartitioned space
 * of each disk (partition "dK").  With one disk it is cust_walk_image:
 * names "pN", unpartitioned "-".  REPORT receives the keys
 * cust_walk_image writes ("container" and "volume_system" are the first
 * disk's) and, for several disks, "disks": [{"name": "dK", "container",
 * "volume_system", "unpartitioned_bytes"}].  A disk that cannot be opened
 * fails the walk (CUST_E_INPUT), as for one.
 */
int cust_walk_disks(const struct cust_walk_disk *disks, size_t ndisks,
                    const struct cust_walk_options *o, cust_walk_fn fn,
                    void *ctx, json_t *report, struct cust_error *err);

/*
 * The segments of the split image whose first segment is FIRST: FIRST
 * itself, then the files next to it with the following names, while they
 * exist: NAME.000 or NAME.001 -> .001/.002 ... (same number of digits);
 * NAME.E01 -> .E02 ... .E99, .EAA ... (libewf's naming, either case).
 * Any other name is a single segment.  At most CUST_WALK_SEGMENTS_MAX.
 * *OUT is a malloc'd array of malloc'd strings (free with
 * cust_walk_segments_free), *N its length.
 */
int cust_walk_segments(const char *first, char ***out, size_t *n,
                       struct cust_error *err);

/* Free what cust_walk_segments returned (NULL is fine). */
void cust_walk_segments_free(char **segs, size_t n);

/*
 * Escape the LEN bytes of IN into OUT (OUTSZ bytes, NUL-terminated) as
 * described for cust_walk_entry.path: valid UTF-8 other than control
 * characters and backslash is kept, every other byte is \xHH.  Never cuts
 * inside a character or an escape.  Returns 1 when IN had to be cut to
 * fit, else 0.
 */
int cust_walk_escape(const void *in, size_t len, char *out, size_t outsz);

/* "allocated", "empty", "recovered-unverified", "unrecoverable-reused",
 * "unrecoverable-no-runs". */
const char *cust_walk_content_name(enum cust_walk_content c);

/* "regular", "directory", "symlink", "socket", "fifo", "char-device",
 * "block-device", "virtual", "other". */
const char *cust_walk_type_name(enum cust_walk_type t);

#endif
