/* test_xfs_disk.c - unit tests of the XFS structures custody reads itself
 * (lib/xfs_disk.h): a small file system built in memory, each structure
 * right and then hostile (bad geometry, records out of order or past
 * their buffer, B+trees that loop), never read outside its bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/xfs_disk.h"
#include "testutil.h"

#define BS 4096u
#define BLOCKS 16u
#define ISZ 512u

static unsigned char vol[BS * BLOCKS];

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

static int vol_read(void *ctx, uint64_t off, void *buf, size_t len)
{
	(void)ctx;
	if (off > sizeof vol || len > sizeof vol - off)
		return -1;
	memcpy(buf, vol + off, len);
	return 0;
}

/* A v5 superblock of one group of 16 blocks of 4 KiB, 512-byte inodes. */
static void make_sb(unsigned char *b)
{
	static const uint8_t uuid[16] = { 0x64, 0x42, 0xe3, 0xe8, 0x1a, 0xa0,
	                                  0x4b, 0x08, 0xbe, 0x73, 0xbb, 0xbf,
	                                  0xc1, 0x9e, 0x35, 0xe0 };

	memset(b, 0, XFS_SB_SIZE);
	memcpy(b, "XFSB", 4);
	put32(b + 4, BS);
	put64(b + 8, BLOCKS);
	memcpy(b + 32, uuid, 16);
	put64(b + 56, 128);
	put32(b + 84, BLOCKS);
	put32(b + 88, 1);
	put16(b + 100, 0xb4a5); /* version 5 */
	put16(b + 102, 512);
	put16(b + 104, ISZ);
	put16(b + 106, BS / ISZ);
	memcpy(b + 108, "CTL-B107", 8);
	b[120] = 12; /* blocklog */
	b[121] = 9;
	b[122] = 9;  /* inodelog */
	b[123] = 3;  /* inopblog */
	b[124] = 4;  /* agblklog */
	put32(b + 216, 0x1 | 0x8); /* ftype, bigtime */
}

static struct xfs_sb good_sb(void)
{
	unsigned char b[XFS_SB_SIZE];
	struct xfs_sb sb;
	char why[256];

	make_sb(b);
	if (xfs_sb_read(b, sizeof b, &sb, why, sizeof why) != 0)
		fail_msg("a good superblock refused: %s", why);
	return sb;
}

static void test_sb(void **state)
{
	struct xfs_sb sb = good_sb();
	char uuid[37];

	(void)state;
	assert_int_equal(sb.block_size, BS);
	assert_int_equal(sb.version, 5);
	assert_true(sb.ftype);
	assert_string_equal(sb.label, "CTL-B107");
	xfs_uuid_format(sb.uuid, uuid);
	assert_string_equal(uuid, "6442e3e8-1aa0-4b08-be73-bbbfc19e35e0");
}

/* Each field of the geometry damaged in turn is refused. */
static void test_sb_hostile(void **state)
{
	static const struct {
		size_t at, width;
		uint64_t value;
	} bad[] = {
		{ 0, 4, 0x58465341 },  /* magic */
		{ 4, 4, 0 },           /* block size */
		{ 4, 4, 3000 },
		{ 4, 4, 1u << 20 },
		{ 8, 8, 0 },           /* dblocks */
		{ 8, 8, BLOCKS + 1 },  /* more than the groups hold */
		{ 84, 4, 0 },          /* agblocks */
		{ 84, 4, 17 },         /* past 2^agblklog */
		{ 88, 4, 0 },          /* agcount */
		{ 100, 2, 0xb4a3 },    /* version 3 */
		{ 102, 2, 100 },       /* sector size */
		{ 104, 2, 4096 * 2 },  /* inode size */
		{ 123, 1, 5 },         /* inopblog */
		{ 124, 1, 40 },        /* agblklog */
		{ 192, 1, 9 },         /* dirblklog */
	};
	unsigned char b[XFS_SB_SIZE];
	struct xfs_sb sb;
	char why[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		make_sb(b);
		if (bad[i].width == 1)
			b[bad[i].at] = (unsigned char)bad[i].value;
		else if (bad[i].width == 2)
			put16(b + bad[i].at, (uint16_t)bad[i].value);
		else if (bad[i].width == 4)
			put32(b + bad[i].at, (uint32_t)bad[i].value);
		else
			put64(b + bad[i].at, bad[i].value);
		why[0] = '\0';
		if (xfs_sb_read(b, sizeof b, &sb, why, sizeof why) != -1 || !why[0])
			fail_msg("damage %zu (offset %zu) not refused", i, bad[i].at);
	}
	make_sb(b);
	assert_int_equal(xfs_sb_read(b, XFS_SB_SIZE - 1, &sb, why, sizeof why),
	                 -1);
}

static void test_offsets(void **state)
{
	struct xfs_sb sb = good_sb();
	uint64_t off;

	(void)state;
	/* inode 128: group 0, block 16 would be past: 128 >> 3 = block 16 */
	assert_int_equal(xfs_inode_offset(&sb, 128, &off), -1);
	assert_int_equal(xfs_inode_offset(&sb, 17, &off), 0);
	assert_int_equal(off, 2 * BS + 1 * ISZ);
	assert_int_equal(xfs_fsb_offset(&sb, 15, &off), 0);
	assert_int_equal(off, 15 * BS);
	assert_int_equal(xfs_fsb_offset(&sb, 16, &off), -1); /* group 1 */
	assert_int_equal(xfs_fsb_offset(&sb, UINT64_MAX, &off), -1);
}

/* A v3 inode at IN: MODE, FORMAT, SIZE, NEXTENTS, bigtime when BIG. */
static void make_inode(unsigned char *in, uint16_t mode, uint8_t format,
                       uint64_t size, uint32_t nextents, int big)
{
	memset(in, 0, ISZ);
	put16(in, 0x494e);
	put16(in + 2, mode);
	in[4] = 3;
	in[5] = format;
	put32(in + 8, 1001);
	put32(in + 12, 1002);
	put64(in + 56, size);
	put32(in + 76, nextents);
	if (big)
		put64(in + 120, 1u << 3);
}

static void test_inode_times(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char in[ISZ];
	struct xfs_inode ino;
	char why[256];

	(void)state;
	make_inode(in, 0100644, 2, 10, 0, 1);
	/* bigtime: nanoseconds since 1901-12-13T20:45:52Z */
	put64(in + 40, (1300094813ull + 2147483648ull) * 1000000000ull +
	               123456789ull);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	assert_true(ino.mtime.present);
	assert_int_equal(ino.mtime.sec, 1300094813);
	assert_int_equal(ino.mtime.nsec, 123456789);
	assert_false(ino.atime.present);
	assert_int_equal(ino.uid, 1001);
	assert_int_equal(ino.fork_off, 176);
	assert_int_equal(ino.fork_len, ISZ - 176);
	/* the classic form: signed seconds, before 1970 too */
	make_inode(in, 0100644, 2, 10, 0, 0);
	put32(in + 40, (uint32_t)-86400);
	put32(in + 44, 5);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	assert_int_equal(ino.mtime.sec, -86400);
	assert_int_equal(ino.mtime.nsec, 5);
	/* hostile: no magic, an attribute fork past the inode */
	in[0] = 0;
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 -1);
	make_inode(in, 0100644, 2, 10, 0, 0);
	in[82] = 255;
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 -1);
}

static void pack_extent(unsigned char *p, uint64_t file_block, uint64_t fsb,
                        uint64_t count, int unwritten)
{
	put64(p, (uint64_t)unwritten << 63 | file_block << 9 | fsb >> 43);
	put64(p + 8, fsb << 21 | count);
}

struct got {
	struct xfs_extent x[64];
	size_t n;
};

static int take(void *ctx, const struct xfs_extent *x)
{
	struct got *g = ctx;

	if (g->n < 64)
		g->x[g->n++] = *x;
	return 0;
}

static void test_extent_list(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char in[ISZ];
	struct xfs_inode ino;
	struct got g;
	char why[256];

	(void)state;
	make_inode(in, 0100644, 2, 5 * BS, 2, 0);
	pack_extent(in + 176, 0, 3, 2, 0);
	pack_extent(in + 176 + 16, 3, 9, 2, 1);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.x[0].fsb, 3);
	assert_int_equal(g.x[0].count, 2);
	assert_int_equal(g.x[1].file_block, 3);
	assert_true(g.x[1].unwritten);
	/* out of order */
	pack_extent(in + 176 + 16, 1, 9, 2, 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), -1);
	/* more extents than the fork holds */
	make_inode(in, 0100644, 2, 5 * BS, 1000, 0);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), -1);
}

/* A B+tree of extents: a root in the inode over one node, over a leaf;
 * then the node made to point at itself. */
static void test_extent_btree(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char in[ISZ], *node = vol + 4 * BS, *leaf = vol + 5 * BS;
	struct xfs_inode ino;
	size_t max_root = (ISZ - 176 - 4) / 16, max_node = (BS - 72) / 16;
	struct got g;
	char why[256];

	(void)state;
	memset(vol, 0, sizeof vol);
	make_inode(in, 0100644, 3, 3 * BS, 2, 0);
	put16(in + 176, 2);    /* root level */
	put16(in + 176 + 2, 1);
	put64(in + 176 + 4, 0);
	put64(in + 176 + 4 + max_root * 8, 4); /* -> block 4 */
	memcpy(node, "BMA3", 4);
	put16(node + 4, 1);
	put16(node + 6, 1);
	put64(node + 72, 0);
	put64(node + 72 + max_node * 8, 5);    /* -> block 5 */
	memcpy(leaf, "BMA3", 4);
	put16(leaf + 4, 0);
	put16(leaf + 6, 2);
	pack_extent(leaf + 72, 0, 8, 1, 0);
	pack_extent(leaf + 72 + 16, 2, 10, 1, 0);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	memset(&g, 0, sizeof g);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), 0);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.x[1].fsb, 10);
	/* a loop: the node's child is the node */
	put64(node + 72 + max_node * 8, 4);
	memset(&g, 0, sizeof g);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), -1);
	assert_non_null(strstr(why, "level"));
	/* a root claiming more levels than any tree */
	put16(in + 176, 60);
	assert_int_equal(xfs_extents(&sb, &ino, in, ISZ, vol_read, NULL, take,
	                             &g, why, sizeof why), -1);
}

struct names {
	char s[512];
	size_t n;
};

static int name(void *ctx, uint64_t ino, const unsigned char *nm, size_t len)
{
	struct names *n = ctx;
	size_t used = strlen(n->s);

	snprintf(n->s + used, sizeof n->s - used, "%llu:%.*s;",
	         (unsigned long long)ino, (int)len, (const char *)nm);
	n->n++;
	return 0;
}

static void test_dir_short(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char in[ISZ], *f = in + 176;
	struct xfs_inode ino;
	struct names n;
	char why[256];

	(void)state;
	make_inode(in, 040755, 1, 30, 0, 0);
	f[0] = 2;          /* count */
	put32(f + 2, 128); /* parent */
	f[6] = 4;          /* namelen, offset, name, ftype, inode */
	memcpy(f + 9, "caf\xe9", 4);
	f[13] = 1;
	put32(f + 14, 131);
	f[18] = 1;
	memcpy(f + 21, "d", 1);
	f[22] = 2;
	put32(f + 23, 132);
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	memset(&n, 0, sizeof n);
	assert_int_equal(xfs_dir_entries(&sb, &ino, in, ISZ, vol_read, NULL,
	                                 name, &n, why, sizeof why), 0);
	assert_string_equal(n.s, "131:caf\xe9;132:d;");
	/* a count past the fork */
	f[0] = 255;
	memset(&n, 0, sizeof n);
	assert_int_equal(xfs_dir_entries(&sb, &ino, in, ISZ, vol_read, NULL,
	                                 name, &n, why, sizeof why), -1);
	assert_true(n.n <= 40);
}

static void test_dir_block(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char in[ISZ], *b = vol + 6 * BS;
	struct xfs_inode ino;
	struct names n;
	char why[256];

	(void)state;
	memset(vol, 0, sizeof vol);
	make_inode(in, 040755, 2, BS, 1, 0);
	pack_extent(in + 176, 0, 6, 1, 0);
	memcpy(b, "XDB3", 4);
	/* ".", then "config.txt", then free space to the leaf entries */
	put64(b + 64, 128);
	b[72] = 1;
	b[73] = '.';
	put64(b + 80, 140);
	b[88] = 10;
	memcpy(b + 89, "config.txt", 10);
	put16(b + 104, 0xffff);
	put16(b + 106, (uint16_t)(BS - 8 - 2 * 8 - 104));
	put32(b + BS - 8, 2); /* two leaf entries before the tail */
	assert_int_equal(xfs_inode_read(&sb, in, ISZ, &ino, why, sizeof why),
	                 0);
	memset(&n, 0, sizeof n);
	assert_int_equal(xfs_dir_entries(&sb, &ino, in, ISZ, vol_read, NULL,
	                                 name, &n, why, sizeof why), 0);
	assert_string_equal(n.s, "140:config.txt;");
	/* free space of 0 bytes would never end */
	put16(b + 106, 0);
	assert_int_equal(xfs_dir_entries(&sb, &ino, in, ISZ, vol_read, NULL,
	                                 name, &n, why, sizeof why), -1);
	/* a leaf count past the block */
	put16(b + 106, (uint16_t)(BS - 8 - 2 * 8 - 104));
	put32(b + BS - 8, 0x7fffffff);
	assert_int_equal(xfs_dir_entries(&sb, &ino, in, ISZ, vol_read, NULL,
	                                 name, &n, why, sizeof why), -1);
}

struct spans {
	uint64_t off[16], len[16];
	size_t n;
};

static int span(void *ctx, uint64_t off, uint64_t len)
{
	struct spans *s = ctx;

	if (s->n < 16) {
		s->off[s->n] = off;
		s->len[s->n] = len;
		s->n++;
	}
	return 0;
}

/* The AGF at sector 1, its bno tree's root at block 3. */
static void make_free(uint32_t levels)
{
	unsigned char *agf = vol + 512, *root = vol + 3 * BS;

	memset(vol, 0, sizeof vol);
	memcpy(agf, "XAGF", 4);
	put32(agf + 4, 1);
	put32(agf + 8, 0);
	put32(agf + 12, BLOCKS);
	put32(agf + 16, 3);
	put32(agf + 28, levels);
	memcpy(root, "AB3B", 4);
	put16(root + 4, 0);
	put16(root + 6, 2);
	put32(root + 56, 7);
	put32(root + 60, 2);
	put32(root + 64, 12);
	put32(root + 68, 4);
}

static void test_free_space(void **state)
{
	struct xfs_sb sb = good_sb();
	unsigned char *root = vol + 3 * BS;
	struct spans s;
	char why[256];

	(void)state;
	make_free(1);
	memset(&s, 0, sizeof s);
	assert_int_equal(xfs_free_space(&sb, 0, vol_read, NULL, span, &s, why,
	                                sizeof why), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.off[0], 7 * BS);
	assert_int_equal(s.len[0], 2 * BS);
	assert_int_equal(s.off[1], 12 * BS);
	/* out of order, overlapping, past the group */
	put32(root + 64, 8);
	assert_int_equal(xfs_free_space(&sb, 0, vol_read, NULL, span, &s, why,
	                                sizeof why), -1);
	make_free(1);
	put32(root + 68, 5);
	assert_int_equal(xfs_free_space(&sb, 0, vol_read, NULL, span, &s, why,
	                                sizeof why), -1);
	/* a node that is its own child */
	make_free(2);
	put16(root + 4, 1);
	put16(root + 6, 1);
	put32(root + 56 + ((BS - 56) / 12) * 8, 3);
	assert_int_equal(xfs_free_space(&sb, 0, vol_read, NULL, span, &s, why,
	                                sizeof why), -1);
	/* no AGF, a group that is not there */
	memset(vol, 0, sizeof vol);
	assert_int_equal(xfs_free_space(&sb, 0, vol_read, NULL, span, &s, why,
	                                sizeof why), -1);
	assert_int_equal(xfs_free_space(&sb, 1, vol_read, NULL, span, &s, why,
	                                sizeof why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sb),
		cmocka_unit_test(test_sb_hostile),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_inode_times),
		cmocka_unit_test(test_extent_list),
		cmocka_unit_test(test_extent_btree),
		cmocka_unit_test(test_dir_short),
		cmocka_unit_test(test_dir_block),
		cmocka_unit_test(test_free_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
