/* xfs_disk.h - what custody reads of XFS's on-disk structures itself,
 * where libfsxfs (which xfs.c walks with) gives nothing or gives it wrong:
 * the superblock's UUID and geometry, an inode's core (its times: libfsxfs
 * 20201117 misreads the big timestamps mkfs.xfs has written by default
 * since xfsprogs 5.15), the extents of its data fork (the runs of a
 * file), the raw bytes of the names in a directory (libfsxfs gives no name
 * that is not valid UTF-8) and the free-space B+tree of each allocation
 * group (the unallocated space).  Not installed.
 *
 * Everything here is read from a hostile image: each function takes the
 * bytes it parses with their length, checks every field it uses against
 * them and against the superblock, and bounds every loop (blocks visited,
 * levels, records) by what the file system could hold; damage is -1 with
 * WHY (at most WHYSZ bytes) saying what, never a read outside a buffer.
 * Multi-byte fields are big-endian, as XFS writes them. */
#ifndef CUSTODY_XFS_DISK_H
#define CUSTODY_XFS_DISK_H

#include <stddef.h>
#include <stdint.h>

#define XFS_SB_SIZE 512            /* bytes of the superblock read */
#define XFS_BTREE_LEVELS_MAX 9     /* B+tree levels followed, at most */
#define XFS_DIR_BLOCKS_MAX (1u << 20) /* directory blocks read per dir */

struct xfs_sb {
	uint32_t block_size;     /* bytes */
	uint64_t dblocks;        /* blocks of the data device */
	uint32_t agblocks;       /* blocks per allocation group */
	uint32_t agcount;
	uint64_t rootino;
	uint16_t sect_size, inode_size;
	uint8_t agblklog, inopblog, dirblklog;
	unsigned version;        /* 4 or 5 */
	uint32_t incompat;       /* v5's incompatible features */
	int ftype;               /* directory entries carry a type byte */
	uint8_t uuid[16];        /* sb_uuid: what blkid and xfs_db show */
	char label[13];          /* sb_fname, NUL-terminated (raw bytes) */
};

/* The superblock in BUF (LEN >= XFS_SB_SIZE bytes, the volume's first):
 * 0, or -1 when it is not XFS's or its geometry cannot be right. */
int xfs_sb_read(const unsigned char *buf, size_t len, struct xfs_sb *sb,
                char *why, size_t whysz);

/* UUID as 8-4-4-4-12 lower-case hex, as xfs_db prints it. */
void xfs_uuid_format(const uint8_t uuid[16], char out[37]);

/* The volume byte offset of file system block FSB (AG number and block
 * in its AG, packed as XFS packs them); -1 when it lies outside the file
 * system or past 64 bits. */
int xfs_fsb_offset(const struct xfs_sb *sb, uint64_t fsb, uint64_t *off);

/* The volume byte offset of inode number INO; -1 as above. */
int xfs_inode_offset(const struct xfs_sb *sb, uint64_t ino, uint64_t *off);

struct xfs_time {
	int present;   /* not 0 */
	int64_t sec;   /* since 1970-01-01 UTC */
	uint32_t nsec;
};

struct xfs_inode {
	uint16_t mode;           /* type and permission bits */
	uint8_t version, format; /* format: 1 local, 2 extents, 3 btree */
	uint32_t uid, gid;
	uint64_t size, nextents;
	struct xfs_time atime, mtime, ctime, crtime; /* crtime: v3 only */
	size_t fork_off, fork_len; /* the data fork, in the inode's bytes */
};

/* The inode core in BUF (LEN bytes: the superblock's inode size). */
int xfs_inode_read(const struct xfs_sb *sb, const unsigned char *buf,
                   size_t len, struct xfs_inode *ino, char *why,
                   size_t whysz);

/* Read LEN bytes at volume offset OFF into BUF: 0, or -1 when they are
 * not all there. */
typedef int (*xfs_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

/* An extent of a data fork: COUNT blocks of the file from block
 * FILE_BLOCK, at file system block FSB; UNWRITTEN: allocated, not written
 * (reads as zeros). */
struct xfs_extent {
	uint64_t file_block, fsb, count;
	int unwritten;
};

/* Called per extent in file order: 0 to go on, 1 to stop (no error). */
typedef int (*xfs_extent_fn)(void *ctx, const struct xfs_extent *x);

/* The extents of INO's data fork (IBUF: its LEN bytes), through its
 * extent list or its B+tree (blocks read with RD).  A fork of any other
 * format has none.  0 once they were all given (or FN stopped); -1 on
 * damage (those given before stand). */
int xfs_extents(const struct xfs_sb *sb, const struct xfs_inode *ino,
                const unsigned char *ibuf, size_t len, xfs_read_fn rd,
                void *rctx, xfs_extent_fn fn, void *fctx, char *why,
                size_t whysz);

/* Called per directory entry ("." and ".." left out), in on-disk order,
 * NAME's LEN raw bytes borrowed: 0 to go on, 1 to stop. */
typedef int (*xfs_dirent_fn)(void *ctx, uint64_t ino,
                             const unsigned char *name, size_t len);

/* The entries of directory INO (IBUF: its LEN bytes): a short form
 * directory in the inode, or the data blocks of any other (below
 * XFS_DIR2_LEAF_OFFSET).  At most XFS_DIR_BLOCKS_MAX blocks. */
int xfs_dir_entries(const struct xfs_sb *sb, const struct xfs_inode *ino,
                    const unsigned char *ibuf, size_t len, xfs_read_fn rd,
                    void *rctx, xfs_dirent_fn fn, void *fctx, char *why,
                    size_t whysz);

/* Called per free extent: LEN bytes at volume offset OFF.  0 to go on,
 * 1 to stop. */
typedef int (*xfs_free_fn)(void *ctx, uint64_t off, uint64_t len);

/* The free extents of allocation group AGNO, from its free-space B+tree
 * by block number (the AGF's bno tree), in block order.  Records out of
 * order or outside the group are damage. */
int xfs_free_space(const struct xfs_sb *sb, uint32_t agno, xfs_read_fn rd,
                   void *rctx, xfs_free_fn fn, void *fctx, char *why,
                   size_t whysz);

#endif
