/* xfs_disk.c - XFS's on-disk structures custody reads itself (xfs_disk.h).
 * The layouts are those of the kernel's fs/xfs/libxfs/xfs_format.h,
 * xfs_da_format.h and xfs_log_format.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/error.h"
#include "xfs_disk.h"

#define SB_MAGIC 0x58465342u     /* "XFSB" */
#define AGF_MAGIC 0x58414746u    /* "XAGF" */
#define ABTB_MAGIC 0x41425442u   /* bno B+tree block, v4 */
#define AB3B_MAGIC 0x41423342u   /* and v5 */
#define BMAP_MAGIC 0x424d4150u   /* data fork B+tree block, v4 */
#define BMA3_MAGIC 0x424d4133u   /* and v5 */
#define XD2B_MAGIC 0x58443242u   /* directory: single block, v4 */
#define XD2D_MAGIC 0x58443244u   /* data block, v4 */
#define XDB3_MAGIC 0x58444233u   /* single block, v5 */
#define XDD3_MAGIC 0x58444433u   /* data block, v5 */
#define INCOMPAT_FTYPE 0x1u
#define INCOMPAT_BIGTIME 0x8u
#define INCOMPAT_NREXT64 0x20u
#define VERSION2_FTYPE 0x0200u   /* sb_features2: v4's ftype */
#define DIFLAG2_BIGTIME (1u << 3)
#define DIFLAG2_NREXT64 (1u << 4)
#define FMT_LOCAL 1
#define FMT_EXTENTS 2
#define FMT_BTREE 3
#define DIR_LEAF_OFFSET (32ull << 30) /* XFS_DIR2_LEAF_OFFSET, bytes */
#define BIGTIME_EPOCH_OFFSET 2147483648ll /* 2^31 s before 1970 */

static int fail(char *why, size_t whysz, const char *fmt, ...)
	CUST_PRINTF(3, 4);

static int fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (why && whysz) {
		va_start(ap, fmt);
		vsnprintf(why, whysz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static int pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static unsigned log2_of(uint64_t v)
{
	unsigned l = 0;

	while (v > 1) {
		v >>= 1;
		l++;
	}
	return l;
}

/* ---- superblock --------------------------------------------------------- */

int xfs_sb_read(const unsigned char *b, size_t len, struct xfs_sb *sb,
                char *why, size_t whysz)
{
	uint16_t vnum;
	uint8_t blocklog, inodelog;

	memset(sb, 0, sizeof *sb);
	if (len < XFS_SB_SIZE || be32(b) != SB_MAGIC)
		return fail(why, whysz, "no XFS superblock (magic XFSB)");
	sb->block_size = be32(b + 4);
	sb->dblocks = be64(b + 8);
	memcpy(sb->uuid, b + 32, 16);
	sb->rootino = be64(b + 56);
	sb->agblocks = be32(b + 84);
	sb->agcount = be32(b + 88);
	vnum = be16(b + 100);
	sb->version = vnum & 0xf;
	sb->sect_size = be16(b + 102);
	sb->inode_size = be16(b + 104);
	memcpy(sb->label, b + 108, 12);
	sb->label[12] = '\0';
	blocklog = b[120];
	inodelog = b[122];
	sb->inopblog = b[123];
	sb->agblklog = b[124];
	sb->dirblklog = b[192];
	if (sb->version == 5)
		sb->incompat = be32(b + 216);
	sb->ftype = sb->version == 5 ? (sb->incompat & INCOMPAT_FTYPE) != 0
	                             : (be32(b + 200) & VERSION2_FTYPE) != 0;
	if (sb->version != 4 && sb->version != 5)
		return fail(why, whysz, "XFS superblock of version %u, not 4 or 5",
		            sb->version);
	if (!pow2(sb->block_size) || sb->block_size < 512 ||
	    sb->block_size > 65536 || log2_of(sb->block_size) != blocklog)
		return fail(why, whysz, "XFS superblock: block size %u",
		            sb->block_size);
	if (!pow2(sb->sect_size) || sb->sect_size < 512 ||
	    sb->sect_size > 32768 || sb->sect_size > sb->block_size)
		return fail(why, whysz, "XFS superblock: sector size %u",
		            sb->sect_size);
	if (!pow2(sb->inode_size) || sb->inode_size < 256 ||
	    sb->inode_size > 2048 || sb->inode_size > sb->block_size ||
	    log2_of(sb->inode_size) != inodelog ||
	    sb->inopblog != blocklog - inodelog)
		return fail(why, whysz, "XFS superblock: inode size %u",
		            sb->inode_size);
	if (sb->agcount == 0 || sb->agblocks < 5 || sb->agblklog > 31 ||
	    (uint64_t)sb->agblocks > (1ull << sb->agblklog) ||
	    (sb->agblklog > 0 && (uint64_t)sb->agblocks <=
	                         (1ull << (sb->agblklog - 1))))
		return fail(why, whysz, "XFS superblock: %u allocation groups of "
		            "%u blocks (log %u)", sb->agcount, sb->agblocks,
		            sb->agblklog);
	if (sb->dblocks == 0 ||
	    sb->dblocks > (uint64_t)sb->agcount * sb->agblocks ||
	    sb->dblocks <= (uint64_t)(sb->agcount - 1) * sb->agblocks)
		return fail(why, whysz, "XFS superblock: %llu blocks in %u "
		            "allocation groups of %u",
		            (unsigned long long)sb->dblocks, sb->agcount,
		            sb->agblocks);
	if (sb->dirblklog > 7 ||
	    ((uint64_t)sb->block_size << sb->dirblklog) > 65536)
		return fail(why, whysz, "XFS superblock: directory blocks of "
		            "2^%u blocks", sb->dirblklog);
	return 0;
}

void xfs_uuid_format(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* AG AGNO's block AGBNO (+ BYTE bytes) as a volume offset; -1 outside. */
static int ag_offset(const struct xfs_sb *sb, uint64_t agno, uint64_t agbno,
                     uint64_t byte, uint64_t *off)
{
	uint64_t blk;

	if (agno >= sb->agcount || agbno >= sb->agblocks)
		return -1;
	blk = agno * sb->agblocks + agbno; /* < 2^32 * 2^31 */
	if (blk >= sb->dblocks)
		return -1;
	*off = blk * sb->block_size + byte; /* < 2^63 + 2^16 */
	return 0;
}

int xfs_fsb_offset(const struct xfs_sb *sb, uint64_t fsb, uint64_t *off)
{
	return ag_offset(sb, fsb >> sb->agblklog,
	                 fsb & ((1ull << sb->agblklog) - 1), 0, off);
}

int xfs_inode_offset(const struct xfs_sb *sb, uint64_t ino, uint64_t *off)
{
	unsigned bits = sb->agblklog + sb->inopblog;
	uint64_t agino;

	if (bits >= 64)
		return -1;
	agino = ino & ((1ull << bits) - 1);
	return ag_offset(sb, ino >> bits, agino >> sb->inopblog,
	                 (agino & ((1ull << sb->inopblog) - 1)) *
	                         sb->inode_size, off);
}

/* ---- inodes ------------------------------------------------------------- */

static struct xfs_time inode_time(const unsigned char *p, int big)
{
	struct xfs_time t = { 0, 0, 0 };

	/* none: zeros on disk (in the big form, its epoch of 1901) */
	if (be64(p) == 0)
		return t;
	if (big) {
		uint64_t ns = be64(p);
		t.sec = (int64_t)(ns / 1000000000u) - BIGTIME_EPOCH_OFFSET;
		t.nsec = (uint32_t)(ns % 1000000000u);
	} else {
		t.sec = (int32_t)be32(p);
		t.nsec = be32(p + 4);
		if (t.nsec >= 1000000000u)
			t.nsec = 0;
	}
	t.present = 1;
	return t;
}

int xfs_inode_read(const struct xfs_sb *sb, const unsigned char *b,
                   size_t len, struct xfs_inode *ino, char *why,
                   size_t whysz)
{
	size_t core, forkoff;
	uint64_t flags2 = 0;
	int big;

	memset(ino, 0, sizeof *ino);
	if (len < 176 || len != sb->inode_size || be16(b) != 0x494e)
		return fail(why, whysz, "no inode there (magic IN)");
	ino->mode = be16(b + 2);
	ino->version = b[4];
	ino->format = b[5];
	if (ino->version < 1 || ino->version > 3 ||
	    (sb->version == 5) != (ino->version == 3))
		return fail(why, whysz, "inode of version %u", ino->version);
	core = ino->version == 3 ? 176 : 100;
	ino->uid = be32(b + 8);
	ino->gid = be32(b + 12);
	if (ino->version == 3)
		flags2 = be64(b + 120);
	big = (flags2 & DIFLAG2_BIGTIME) != 0;
	ino->atime = inode_time(b + 32, big);
	ino->mtime = inode_time(b + 40, big);
	ino->ctime = inode_time(b + 48, big);
	if (ino->version == 3)
		ino->crtime = inode_time(b + 144, big);
	ino->size = be64(b + 56);
	ino->nextents = (flags2 & DIFLAG2_NREXT64) ? be64(b + 24) : be32(b + 76);
	forkoff = (size_t)b[82] * 8;
	ino->fork_off = core;
	ino->fork_len = forkoff ? forkoff : len - core;
	if (ino->fork_len > len - core)
		return fail(why, whysz, "inode's attribute fork at %zu of %zu "
		            "bytes", forkoff, len - core);
	if (ino->size > (uint64_t)INT64_MAX)
		return fail(why, whysz, "inode of %llu bytes",
		            (unsigned long long)ino->size);
	return 0;
}

/* ---- extents ------------------------------------------------------------ */

static void unpack_extent(const unsigned char *p, struct xfs_extent *x)
{
	uint64_t l0 = be64(p), l1 = be64(p + 8);

	x->unwritten = (int)(l0 >> 63);
	x->file_block = (l0 >> 9) & ((1ull << 54) - 1);
	x->fsb = ((l0 & 0x1ff) << 43) | (l1 >> 21);
	x->count = l1 & ((1ull << 21) - 1);
}

struct bmap_walk {
	const struct xfs_sb *sb;
	xfs_read_fn rd;
	void *rctx;
	xfs_extent_fn fn;
	void *fctx;
	char *why;
	size_t whysz;
	uint64_t next_block;  /* the extents must come in file order */
	uint64_t blocks_read; /* B+tree blocks: bounded */
	uint64_t given;       /* extents given: at most the inode's count */
	uint64_t limit;
	unsigned char *buf[XFS_BTREE_LEVELS_MAX];
	int stopped;
};

/* Give the N packed extents at P; -1 on damage. */
static int give_extents(struct bmap_walk *m, const unsigned char *p,
                        size_t n)
{
	struct xfs_extent x;
	size_t i;

	for (i = 0; i < n && !m->stopped; i++) {
		unpack_extent(p + i * 16, &x);
		if (x.count == 0 || x.file_block < m->next_block ||
		    x.file_block > UINT64_MAX - x.count)
			return fail(m->why, m->whysz, "extent %llu out of order "
			            "or empty (file block %llu)",
			            (unsigned long long)m->given,
			            (unsigned long long)x.file_block);
		if (++m->given > m->limit)
			return fail(m->why, m->whysz, "more extents than the "
			            "inode's %llu", (unsigned long long)m->limit);
		m->next_block = x.file_block + x.count;
		if (m->fn(m->fctx, &x) != 0)
			m->stopped = 1;
	}
	return 0;
}

/* The subtree of data fork B+tree block FSB, at LEVEL (0: a leaf). */
static int bmap_block(struct bmap_walk *m, uint64_t fsb, unsigned level)
{
	const struct xfs_sb *sb = m->sb;
	size_t hdr = sb->version == 5 ? 72 : 24, n, max, i;
	unsigned char *b;
	uint64_t off;
	uint32_t magic;

	if (level >= XFS_BTREE_LEVELS_MAX)
		return fail(m->why, m->whysz, "B+tree of more than %d levels",
		            XFS_BTREE_LEVELS_MAX);
	if (++m->blocks_read > sb->dblocks)
		return fail(m->why, m->whysz, "B+tree visits more blocks than "
		            "the file system holds");
	if (xfs_fsb_offset(sb, fsb, &off) < 0)
		return fail(m->why, m->whysz, "B+tree block %llu outside the "
		            "file system", (unsigned long long)fsb);
	if (!m->buf[level] && !(m->buf[level] = malloc(sb->block_size)))
		return fail(m->why, m->whysz, "out of memory");
	b = m->buf[level];
	if (m->rd(m->rctx, off, b, sb->block_size) < 0)
		return fail(m->why, m->whysz, "B+tree block %llu cannot be read",
		            (unsigned long long)fsb);
	magic = be32(b);
	if (magic != (sb->version == 5 ? BMA3_MAGIC : BMAP_MAGIC) ||
	    be16(b + 4) != level)
		return fail(m->why, m->whysz, "B+tree block %llu: not a block of "
		            "level %u", (unsigned long long)fsb, level);
	n = be16(b + 6);
	if (level == 0) {
		if (n > (sb->block_size - hdr) / 16)
			return fail(m->why, m->whysz, "B+tree leaf of %zu records",
			            n);
		return give_extents(m, b + hdr, n);
	}
	max = (sb->block_size - hdr) / 16;
	if (n == 0 || n > max)
		return fail(m->why, m->whysz, "B+tree node of %zu records", n);
	for (i = 0; i < n && !m->stopped; i++) {
		/* the buffer of this level is reused below: read the pointer
		 * again after each child */
		uint64_t child = be64(m->buf[level] + hdr + max * 8 + i * 8);
		if (bmap_block(m, child, level - 1) < 0)
			return -1;
	}
	return 0;
}

int xfs_extents(const struct xfs_sb *sb, const struct xfs_inode *ino,
                const unsigned char *ibuf, size_t len, xfs_read_fn rd,
                void *rctx, xfs_extent_fn fn, void *fctx, char *why,
                size_t whysz)
{
	struct bmap_walk m;
	const unsigned char *fork = ibuf + ino->fork_off;
	int rc = 0;
	size_t i;

	if (ino->fork_off > len || ino->fork_len > len - ino->fork_off)
		return fail(why, whysz, "data fork outside the inode");
	memset(&m, 0, sizeof m);
	m.sb = sb;
	m.rd = rd;
	m.rctx = rctx;
	m.fn = fn;
	m.fctx = fctx;
	m.why = why;
	m.whysz = whysz;
	m.limit = ino->nextents;
	if (ino->format == FMT_EXTENTS) {
		if (ino->nextents > ino->fork_len / 16)
			return fail(why, whysz, "%llu extents in a fork of %zu bytes",
			            (unsigned long long)ino->nextents, ino->fork_len);
		return give_extents(&m, fork, (size_t)ino->nextents);
	}
	if (ino->format != FMT_BTREE)
		return 0;
	{
		/* the root in the inode: level, count, keys, then pointers */
		size_t n, max;
		unsigned level;
		if (ino->fork_len < 4 + 16)
			return fail(why, whysz, "B+tree root of %zu bytes",
			            ino->fork_len);
		level = be16(fork);
		n = be16(fork + 2);
		max = (ino->fork_len - 4) / 16;
		if (level == 0 || level >= XFS_BTREE_LEVELS_MAX || n == 0 ||
		    n > max)
			return fail(why, whysz, "B+tree root of level %u with %zu "
			            "records", level, n);
		for (i = 0; i < n && !m.stopped && rc == 0; i++)
			rc = bmap_block(&m, be64(fork + 4 + max * 8 + i * 8),
			                level - 1);
	}
	for (i = 0; i < XFS_BTREE_LEVELS_MAX; i++)
		free(m.buf[i]);
	return rc;
}

/* ---- directories -------------------------------------------------------- */

/* The extents of a directory below the leaf offset, gathered to find its
 * data blocks (bounded by XFS_DIR_BLOCKS_MAX blocks). */
struct dir_map {
	struct xfs_extent *x;
	size_t n, cap;
	uint64_t blocks;
	uint64_t leaf_block; /* first file block of the leaf area */
	int full;
};

static int dir_map_add(void *ctx, const struct xfs_extent *x)
{
	struct dir_map *d = ctx;
	struct xfs_extent *nx;

	if (x->file_block >= d->leaf_block)
		return 1; /* the leaf and free-index areas: done */
	if (d->blocks >= XFS_DIR_BLOCKS_MAX) {
		d->full = 1;
		return 1;
	}
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		if (!(nx = realloc(d->x, nc * sizeof *nx))) {
			d->full = 1;
			return 1;
		}
		d->x = nx;
		d->cap = nc;
	}
	d->x[d->n++] = *x;
	d->blocks += x->count;
	return 0;
}

/* The entries of the directory data block B (SIZE bytes). */
static int dir_block(const struct xfs_sb *sb, const unsigned char *b,
                     size_t size, xfs_dirent_fn fn, void *fctx, char *why,
                     size_t whysz)
{
	uint32_t magic = be32(b);
	size_t pos, end = size;
	int v5 = sb->version == 5;

	if (magic == (v5 ? XDB3_MAGIC : XD2B_MAGIC)) {
		uint32_t count = be32(b + size - 8);
		if ((uint64_t)count * 8 + 8 > size)
			return fail(why, whysz, "directory block of %u leaf entries",
			            count);
		end = size - 8 - (size_t)count * 8;
	} else if (magic != (v5 ? XDD3_MAGIC : XD2D_MAGIC)) {
		return fail(why, whysz, "not a directory data block");
	}
	pos = v5 ? 64 : 16;
	while (pos + 8 <= end) {
		size_t nlen, elen;
		if (be16(b + pos) == 0xffff) { /* unused space */
			elen = be16(b + pos + 2);
			if (elen < 8 || elen % 8 || elen > end - pos)
				return fail(why, whysz, "directory block: free space "
				            "of %zu bytes at %zu", elen, pos);
			pos += elen;
			continue;
		}
		if (pos + 9 > end)
			break;
		nlen = b[pos + 8];
		elen = (8 + 1 + nlen + (sb->ftype ? 1 : 0) + 2 + 7) & ~(size_t)7;
		if (nlen == 0 || elen > end - pos)
			return fail(why, whysz, "directory block: an entry of %zu "
			            "bytes at %zu", elen, pos);
		if (!((nlen == 1 && b[pos + 9] == '.') ||
		      (nlen == 2 && b[pos + 9] == '.' && b[pos + 10] == '.')) &&
		    fn(fctx, be64(b + pos), b + pos + 9, nlen) != 0)
			return 1;
		pos += elen;
	}
	return 0;
}

/* A short form directory: the entries in the inode's data fork. */
static int dir_short(const struct xfs_sb *sb, const unsigned char *f,
                     size_t len, xfs_dirent_fn fn, void *fctx, char *why,
                     size_t whysz)
{
	size_t count, i8, isz, pos, i;

	if (len < 6)
		return fail(why, whysz, "short form directory of %zu bytes", len);
	count = f[0];
	i8 = f[1];
	isz = i8 ? 8 : 4;
	pos = 2 + isz;
	for (i = 0; i < count; i++) {
		size_t nlen;
		uint64_t ino;
		if (pos + 3 > len)
			return fail(why, whysz, "short form directory: entry %zu "
			            "past the fork", i);
		nlen = f[pos];
		if (nlen == 0 || pos + 3 + nlen + (sb->ftype ? 1u : 0u) + isz > len)
			return fail(why, whysz, "short form directory: entry %zu "
			            "of %zu bytes past the fork", i, nlen);
		pos += 3;
		ino = isz == 8 ? be64(f + pos + nlen + (sb->ftype ? 1 : 0))
		               : be32(f + pos + nlen + (sb->ftype ? 1 : 0));
		if (fn(fctx, ino, f + pos, nlen) != 0)
			return 0;
		pos += nlen + (sb->ftype ? 1 : 0) + isz;
	}
	return 0;
}

int xfs_dir_entries(const struct xfs_sb *sb, const struct xfs_inode *ino,
                    const unsigned char *ibuf, size_t len, xfs_read_fn rd,
                    void *rctx, xfs_dirent_fn fn, void *fctx, char *why,
                    size_t whysz)
{
	struct dir_map d;
	size_t dbs = (size_t)sb->block_size << sb->dirblklog;
	uint64_t per = 1ull << sb->dirblklog, db, k;
	unsigned char *buf = NULL;
	size_t i;
	int rc = 0;

	if (ino->fork_off > len || ino->fork_len > len - ino->fork_off)
		return fail(why, whysz, "data fork outside the inode");
	if (ino->format == FMT_LOCAL)
		return dir_short(sb, ibuf + ino->fork_off, ino->fork_len, fn, fctx,
		                 why, whysz);
	memset(&d, 0, sizeof d);
	d.leaf_block = DIR_LEAF_OFFSET / sb->block_size;
	if (xfs_extents(sb, ino, ibuf, len, rd, rctx, dir_map_add, &d, why,
	                whysz) < 0) {
		free(d.x);
		return -1;
	}
	if (!(buf = malloc(dbs))) {
		free(d.x);
		return fail(why, whysz, "out of memory");
	}
	/* each directory block: PER file blocks from a multiple of PER, each
	 * looked up in the extents (a block may span two) */
	for (i = 0; i < d.n && rc == 0; i++) {
		uint64_t first = d.x[i].file_block, last = first + d.x[i].count;
		for (db = (first + per - 1) / per * per; db < last && rc == 0;
		     db += per) {
			for (k = 0; k < per; k++) {
				uint64_t fb = db + k, off;
				size_t j;
				for (j = i; j < d.n; j++)
					if (fb >= d.x[j].file_block &&
					    fb - d.x[j].file_block < d.x[j].count)
						break;
				if (j == d.n || d.x[j].unwritten ||
				    xfs_fsb_offset(sb, d.x[j].fsb + (fb -
				                   d.x[j].file_block), &off) < 0 ||
				    rd(rctx, off, buf + k * sb->block_size,
				       sb->block_size) < 0) {
					rc = fail(why, whysz, "directory block at file "
					          "block %llu cannot be read",
					          (unsigned long long)fb);
					break;
				}
			}
			if (rc == 0 && (rc = dir_block(sb, buf, dbs, fn, fctx, why,
			                               whysz)) == 1) {
				rc = 0;
				goto out;
			}
		}
		/* a directory block starting in an earlier extent and ending
		 * in this one was read from that one's loop */
	}
	if (rc == 0 && d.full)
		rc = fail(why, whysz, "more than %u directory blocks",
		          XFS_DIR_BLOCKS_MAX);
out:
	free(buf);
	free(d.x);
	return rc;
}

/* ---- free space --------------------------------------------------------- */

struct free_walk {
	const struct xfs_sb *sb;
	uint32_t agno, length;
	xfs_read_fn rd;
	void *rctx;
	xfs_free_fn fn;
	void *fctx;
	char *why;
	size_t whysz;
	uint64_t next;        /* the records must come in block order */
	uint64_t blocks_read;
	unsigned char *buf[XFS_BTREE_LEVELS_MAX];
	int stopped;
};

static int free_block(struct free_walk *m, uint32_t agbno, unsigned level)
{
	const struct xfs_sb *sb = m->sb;
	size_t hdr = sb->version == 5 ? 56 : 16, n, max, i;
	unsigned char *b;
	uint64_t off;

	if (level >= XFS_BTREE_LEVELS_MAX)
		return fail(m->why, m->whysz, "free-space B+tree of more than %d "
		            "levels", XFS_BTREE_LEVELS_MAX);
	if (++m->blocks_read > m->length)
		return fail(m->why, m->whysz, "free-space B+tree visits more "
		            "blocks than the group holds");
	if (agbno >= m->length || ag_offset(sb, m->agno, agbno, 0, &off) < 0)
		return fail(m->why, m->whysz, "free-space B+tree block %u outside "
		            "the group", agbno);
	if (!m->buf[level] && !(m->buf[level] = malloc(sb->block_size)))
		return fail(m->why, m->whysz, "out of memory");
	b = m->buf[level];
	if (m->rd(m->rctx, off, b, sb->block_size) < 0)
		return fail(m->why, m->whysz, "free-space B+tree block %u cannot "
		            "be read", agbno);
	if (be32(b) != (sb->version == 5 ? AB3B_MAGIC : ABTB_MAGIC) ||
	    be16(b + 4) != level)
		return fail(m->why, m->whysz, "free-space B+tree block %u: not a "
		            "block of level %u", agbno, level);
	n = be16(b + 6);
	max = (sb->block_size - hdr) / (level ? 12 : 8);
	if (n > max || (level && n == 0))
		return fail(m->why, m->whysz, "free-space B+tree block %u of %zu "
		            "records", agbno, n);
	for (i = 0; i < n && !m->stopped; i++) {
		if (level == 0) {
			uint64_t start = be32(b + hdr + i * 8);
			uint64_t count = be32(b + hdr + i * 8 + 4);
			uint64_t at;
			if (count == 0 || start < m->next || start + count > m->length)
				return fail(m->why, m->whysz, "free extent %llu+%llu out "
				            "of order or outside the group",
				            (unsigned long long)start,
				            (unsigned long long)count);
			m->next = start + count;
			if (ag_offset(sb, m->agno, start, 0, &at) < 0)
				return fail(m->why, m->whysz, "free extent outside the "
				            "file system");
			/* the last group may end before AGBLOCKS */
			if ((uint64_t)m->agno * sb->agblocks + start + count >
			    sb->dblocks)
				return fail(m->why, m->whysz, "free extent past the end "
				            "of the file system");
			if (m->fn(m->fctx, at, count * sb->block_size) != 0)
				m->stopped = 1;
		} else {
			uint32_t child = be32(m->buf[level] + hdr + max * 8 + i * 4);
			if (free_block(m, child, level - 1) < 0)
				return -1;
		}
	}
	return 0;
}

int xfs_free_space(const struct xfs_sb *sb, uint32_t agno, xfs_read_fn rd,
                   void *rctx, xfs_free_fn fn, void *fctx, char *why,
                   size_t whysz)
{
	struct free_walk m;
	unsigned char *agf;
	uint64_t off;
	uint32_t root, levels;
	int rc;
	size_t i;

	if (ag_offset(sb, agno, 0, sb->sect_size, &off) < 0)
		return fail(why, whysz, "no allocation group %u", agno);
	if (!(agf = malloc(sb->sect_size)))
		return fail(why, whysz, "out of memory");
	if (rd(rctx, off, agf, sb->sect_size) < 0) {
		free(agf);
		return fail(why, whysz, "the AGF of group %u cannot be read",
		            agno);
	}
	memset(&m, 0, sizeof m);
	m.sb = sb;
	m.agno = agno;
	m.length = be32(agf + 12);
	root = be32(agf + 16);
	levels = be32(agf + 28);
	rc = be32(agf) != AGF_MAGIC || be32(agf + 8) != agno;
	free(agf);
	if (rc)
		return fail(why, whysz, "no AGF in group %u (magic XAGF)", agno);
	if (m.length == 0 || m.length > sb->agblocks || levels == 0 ||
	    levels > XFS_BTREE_LEVELS_MAX)
		return fail(why, whysz, "the AGF of group %u: %u blocks, free-space "
		            "B+tree of %u levels", agno, m.length, levels);
	m.rd = rd;
	m.rctx = rctx;
	m.fn = fn;
	m.fctx = fctx;
	m.why = why;
	m.whysz = whysz;
	rc = free_block(&m, root, levels - 1);
	for (i = 0; i < XFS_BTREE_LEVELS_MAX; i++)
		free(m.buf[i]);
	return rc;
}
