/* mdraid.c - Linux md RAID members and arrays; see include/custody/mdraid.h. */
#include "custody/mdraid.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MD_MAGIC 0xa92b4efcu
#define ARRAY_MAGIC 0x6d646172u /* "mdar" */

/* 0.90: words of the superblock (md_p.h) */
#define SB0_WORDS 1024
#define SB0_DISKS 27
#define SB0_RESERVED 65536u
#define W0_MAJOR 1
#define W0_MINOR 2
#define W0_UUID0 5
#define W0_CTIME 6
#define W0_LEVEL 7
#define W0_SIZE 8
#define W0_RAID_DISKS 10
#define W0_UUID1 13
#define W0_UTIME 32
#define W0_CSUM 38
#define W0_EVENTS 39
#define W0_LAYOUT 64
#define W0_CHUNK 65
#define W0_DISKS 128
#define W0_THIS_DISK 992
#define DISK_FAULTY 0
#define DISK_SYNC 2

/* 1.x: byte offsets (md_p.h, struct mdp_superblock_1) */
#define S1_MAJOR 4
#define S1_FEATURES 8
#define S1_UUID 16
#define S1_NAME 32
#define S1_CTIME 64
#define S1_LEVEL 72
#define S1_LAYOUT 76
#define S1_SIZE 80
#define S1_CHUNK 88
#define S1_RAID_DISKS 92
#define S1_DATA_OFFSET 128
#define S1_DATA_SIZE 136
#define S1_SUPER_OFFSET 144
#define S1_DEV_NUMBER 160
#define S1_UTIME 192
#define S1_EVENTS 200
#define S1_CSUM 216
#define S1_MAX_DEV 220
#define S1_ROLES 256
#define S1_MAX_DEV_MAX ((CUST_MD_SB_BYTES - S1_ROLES) / 2)

#define F_RECOVERY_OFFSET 0x2u
#define F_RESHAPE_ACTIVE 0x4u
#define F_REPLACEMENT 0x10u
#define F_ALL 0x1fffu

#define ROLE_SPARE 0xffffu
#define ROLE_FAULTY 0xfffeu
#define ROLE_JOURNAL 0xfffdu

/* Bytes of a rebuild done at once (each of its two scratch buffers). */
#define SCRATCH 65536u

/* ---- little helpers ------------------------------------------------------ */

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int is_pow2(uint64_t v)
{
	return v && (v & (v - 1)) == 0;
}

/* Write the reason (the first one only: later checks do not hide it). */
static void refuse(struct cust_md_member *m, const char *fmt, ...)
	CUST_PRINTF(2, 3);

static void refuse(struct cust_md_member *m, const char *fmt, ...)
{
	va_list ap;

	if (!m->valid)
		return;
	m->valid = 0;
	va_start(ap, fmt);
	if (vsnprintf(m->reason, sizeof m->reason, fmt, ap) < 0)
		m->reason[0] = '\0';
	va_end(ap);
}

/* Append "; TEXT" (or TEXT) to a note; a note too long is cut. */
static void add_note(char *note, size_t cap, const char *text)
{
	size_t used = strlen(note);

	if (used + 1 >= cap)
		return;
	(void)snprintf(note + used, cap - used, "%s%s", used ? "; " : "", text);
}

static void format_uuid(const unsigned char *u, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i && i % 4 == 0)
			out[o++] = ':';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

/* The 32 bytes of a 1.x name up to the first NUL, printable ASCII kept,
 * anything else (and '\') written \xHH: always valid UTF-8. */
static void format_name(const unsigned char *raw, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 32 && raw[i]; i++) {
		if (raw[i] >= 0x20 && raw[i] < 0x7f && raw[i] != '\\') {
			out[o++] = (char)raw[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[raw[i] >> 4];
			out[o++] = hex[raw[i] & 15];
		}
	}
	out[o] = '\0';
}

/* ---- geometry ------------------------------------------------------------ */

const char *cust_md_level_name(int level)
{
	switch (level) {
	case CUST_MD_LINEAR: return "linear";
	case 0: return "raid0";
	case 1: return "raid1";
	case 4: return "raid4";
	case 5: return "raid5";
	case 6: return "raid6";
	case 10: return "raid10";
	default: return NULL;
	}
}

static const char *raid56_layout_name(int level, uint32_t layout)
{
	static const char *const five[] = {
		"left-asymmetric", "right-asymmetric", "left-symmetric",
		"right-symmetric", "parity-first", "parity-last"
	};
	static const char *const ddf[] = {
		"ddf-zero-restart", "ddf-N-restart", "ddf-N-continue"
	};
	static const char *const six[] = {
		"left-asymmetric-6", "right-asymmetric-6", "left-symmetric-6",
		"right-symmetric-6", "parity-first-6"
	};

	if (layout <= 5)
		return five[layout];
	if (level == 6 && layout >= 8 && layout <= 10)
		return ddf[layout - 8];
	if (level == 6 && layout >= 16 && layout <= 20)
		return six[layout - 16];
	return NULL;
}

/* RAID10 copies from the layout: 0 when md would refuse it. */
static unsigned raid10_copies(uint32_t layout, uint32_t raid_disks,
                              unsigned *near, unsigned *far, int *offset,
                              uint32_t *far_set)
{
	unsigned nc = layout & 255, fc = (layout >> 8) & 255;
	uint32_t fss;

	if (layout >> 19 || nc == 0 || fc == 0)
		return 0;
	switch (layout >> 17) {
	case 0: fss = raid_disks; break;
	case 1: fss = raid_disks / fc; break;
	case 2: fss = nc * fc; break;
	default: return 0;
	}
	if (nc * fc < 2 || nc * fc > raid_disks || fss == 0 || fss > raid_disks)
		return 0;
	*near = nc;
	*far = fc;
	*offset = (layout >> 16) & 1;
	*far_set = fss;
	return nc * fc;
}

const char *cust_md_layout_name(int level, uint32_t layout, char *buf,
                                size_t cap)
{
	const char *name = NULL;
	unsigned nc, fc;
	uint32_t fss;
	int off, n = -1;

	if (!buf || cap == 0)
		return NULL;
	if (level == 5 || level == 6) {
		name = raid56_layout_name(level, layout);
		if (name)
			n = snprintf(buf, cap, "%s", name);
	} else if (level == 10) {
		if (!raid10_copies(layout, CUST_MD_DISKS_MAX, &nc, &fc, &off, &fss))
			return NULL;
		if (nc > 1 && fc > 1)
			n = snprintf(buf, cap, "near=%u, %s=%u", nc,
			             off ? "offset" : "far", fc);
		else if (fc > 1)
			n = snprintf(buf, cap, "%s=%u", off ? "offset" : "far", fc);
		else
			n = snprintf(buf, cap, "near=%u", nc);
	}
	if (n < 0 || (size_t)n >= cap)
		return NULL;
	return buf;
}

/* Check level, raid_disks, layout and chunk (a field's own bounds). */
static void check_geometry(struct cust_md_member *m, uint32_t disks_max)
{
	uint32_t n = m->raid_disks, fss;
	unsigned nc, fc;
	int off;
	uint32_t min = 1;

	if (!cust_md_level_name(m->level)) {
		refuse(m, "level %d is not read (linear, 0, 1, 4, 5, 6, 10 are)",
		       m->level);
		return;
	}
	if (m->level == 4 || m->level == 5 || m->level == 10)
		min = 2;
	else if (m->level == 6)
		min = 4;
	if (n < min || n > disks_max) {
		refuse(m, "raid_disks %u out of %u .. %u for %s", n, min,
		       disks_max, cust_md_level_name(m->level));
		return;
	}
	if ((m->level == 5 || m->level == 6) &&
	    !raid56_layout_name(m->level, m->layout))
		refuse(m, "layout %u is not a %s layout", m->layout,
		       cust_md_level_name(m->level));
	if (m->level == 10 &&
	    !raid10_copies(m->layout, n, &nc, &fc, &off, &fss))
		refuse(m, "layout 0x%x is not a raid10 layout of %u disks",
		       m->layout, n);
	if (m->level == 1) {
		m->chunk_size = 0;
	} else if (!(m->level == CUST_MD_LINEAR && m->chunk_size == 0) &&
	           (!is_pow2(m->chunk_size) ||
	            m->chunk_size < CUST_MD_CHUNK_MIN ||
	            m->chunk_size > CUST_MD_CHUNK_MAX)) {
		refuse(m, "chunk size %u is not a power of two of %u .. %u bytes",
		       m->chunk_size, CUST_MD_CHUNK_MIN, CUST_MD_CHUNK_MAX);
	}
}

/* Bytes of each member the array uses, rounded as md rounds it (down to
 * the chunk for the striped levels). */
static uint64_t round_used(int level, uint64_t used, uint32_t chunk)
{
	if (level == 1 || chunk == 0)
		return used;
	return used - used % chunk;
}

/* RAID10 array bytes from the bytes used on each member (raid10_size);
 * 0 on overflow. */
static uint64_t raid10_size(uint64_t used, uint32_t chunk, uint32_t n,
                            unsigned near, unsigned far)
{
	/* at most 2^52 chunks of 4 KiB, times 256 disks: no overflow yet */
	uint64_t chunks = used / chunk / far * n / near, out;

	if (__builtin_mul_overflow(chunks, (uint64_t)chunk, &out))
		return 0;
	return out;
}

/* The array's size from USED bytes per member; 0 for linear and RAID0
 * (known only from all members), or on overflow. */
static uint64_t array_bytes(int level, uint32_t layout, uint32_t chunk,
                            uint32_t n, uint64_t used)
{
	unsigned nc, fc;
	uint32_t fss;
	int off;
	uint64_t per = round_used(level, used, chunk), out;

	switch (level) {
	case 1:
		return used;
	case 4:
	case 5:
	case 6:
		if (__builtin_mul_overflow(per, (uint64_t)(n - (level == 6 ? 2 : 1)),
		                           &out))
			return 0;
		return out;
	case 10:
		if (!raid10_copies(layout, n, &nc, &fc, &off, &fss) || !chunk)
			return 0;
		return raid10_size(used, chunk, n, nc, fc);
	default:
		return 0;
	}
}

/* ---- superblocks ---------------------------------------------------------- */

/* 0.90: BUF holds the 4 KiB at SB_OFF.  0 when md's magic is not there. */
static int parse_090(const unsigned char *buf, uint64_t sb_off,
                     uint64_t dev_size, struct cust_md_member *m)
{
	uint32_t w[SB0_WORDS];
	uint64_t sum = 0;
	uint32_t csum, state, number, raid_disk, i;
	int big;

	if (le32(buf) == MD_MAGIC)
		big = 0;
	else if (be32(buf) == MD_MAGIC)
		big = 1;
	else
		return 0;
	for (i = 0; i < SB0_WORDS; i++)
		w[i] = big ? be32(buf + 4 * i) : le32(buf + 4 * i);
	memset(m, 0, sizeof *m);
	m->found = 1;
	m->valid = 1;
	memcpy(m->version, "0.90", 5);
	m->sb_offset = sb_off;
	m->dev_size = dev_size;
	if (big)
		add_note(m->note, sizeof m->note, "big-endian");
	for (i = 0; i < 4; i++) {
		uint32_t v = w[i == 0 ? W0_UUID0 : W0_UUID1 + i - 1];
		m->uuid[4 * i] = (unsigned char)(v >> 24);
		m->uuid[4 * i + 1] = (unsigned char)(v >> 16);
		m->uuid[4 * i + 2] = (unsigned char)(v >> 8);
		m->uuid[4 * i + 3] = (unsigned char)v;
	}
	format_uuid(m->uuid, m->uuid_str);
	m->level = (int32_t)w[W0_LEVEL];
	m->layout = w[W0_LAYOUT];
	m->chunk_size = w[W0_CHUNK];
	m->raid_disks = w[W0_RAID_DISKS];
	m->ctime = w[W0_CTIME];
	m->utime = w[W0_UTIME];
	/* events: the low word first on a little-endian host */
	m->events = big ? (uint64_t)w[W0_EVENTS] << 32 | w[W0_EVENTS + 1]
	                : (uint64_t)w[W0_EVENTS + 1] << 32 | w[W0_EVENTS];

	for (i = 0; i < SB0_WORDS; i++)
		sum += i == W0_CSUM ? 0 : w[i];
	csum = (uint32_t)((sum & 0xffffffffu) + (sum >> 32));
	if (csum != w[W0_CSUM])
		refuse(m, "0.90 superblock checksum 0x%08x, expected 0x%08x",
		       w[W0_CSUM], csum);
	if (w[W0_MAJOR] != 0 || (w[W0_MINOR] != 90 && w[W0_MINOR] != 91))
		refuse(m, "superblock version %u.%u is not 0.90", w[W0_MAJOR],
		       w[W0_MINOR]);
	if (w[W0_MINOR] == 91)
		refuse(m, "a reshape is in progress (0.91): refused");
	check_geometry(m, SB0_DISKS);

	/* the member's role is its entry in the table of disks */
	number = w[W0_THIS_DISK];
	if (number >= SB0_DISKS) {
		refuse(m, "disk number %u past the 27 of a 0.90 superblock",
		       number);
		m->role = CUST_MD_ROLE_SPARE;
	} else {
		state = w[W0_DISKS + 32 * number + 4];
		raid_disk = w[W0_DISKS + 32 * number + 3];
		if (state & 1u << DISK_FAULTY)
			m->role = CUST_MD_ROLE_FAULTY;
		else if (state & 1u << DISK_SYNC && raid_disk < m->raid_disks)
			m->role = (int)raid_disk;
		else
			m->role = CUST_MD_ROLE_SPARE;
	}
	m->in_sync = m->role >= 0;

	m->data_offset = 0;
	if (m->level == CUST_MD_LINEAR || m->level == 0) {
		m->data_size = sb_off;
	} else {
		m->used_size = (uint64_t)w[W0_SIZE] * 1024;
		m->data_size = m->used_size;
		if (m->used_size > sb_off)
			refuse(m, "size %llu KiB runs past the superblock at %llu",
			       (unsigned long long)w[W0_SIZE],
			       (unsigned long long)sb_off);
		else if (m->valid && m->chunk_size &&
		         round_used(m->level, m->used_size, m->chunk_size) == 0)
			refuse(m, "size %llu KiB holds no whole chunk",
			       (unsigned long long)w[W0_SIZE]);
		else if (m->used_size == 0)
			refuse(m, "size 0");
	}
	if (m->valid)
		m->array_size = array_bytes(m->level, m->layout, m->chunk_size,
		                            m->raid_disks, m->used_size);
	return 1;
}

/* 1.x: BUF holds LEN bytes (at most 4 KiB) at SB_OFF; MINOR 0, 1, 2. */
static int parse_1(const unsigned char *buf, size_t len, uint64_t sb_off,
                   int minor, uint64_t dev_size, struct cust_md_member *m)
{
	uint64_t sum = 0, dev_sectors = dev_size / 512;
	uint64_t data_offset, data_size, super_offset, size;
	uint32_t max_dev, dev_number, csum, major, sb_len, i, chunk_sectors;
	unsigned role;

	if (len < S1_ROLES || le32(buf) != MD_MAGIC)
		return 0;
	memset(m, 0, sizeof *m);
	m->found = 1;
	m->valid = 1;
	memcpy(m->version, "1.0", 4);
	m->version[2] = (char)('0' + minor);
	m->sb_offset = sb_off;
	m->dev_size = dev_size;
	memcpy(m->uuid, buf + S1_UUID, 16);
	format_uuid(m->uuid, m->uuid_str);
	format_name(buf + S1_NAME, m->name);
	m->feature_map = le32(buf + S1_FEATURES);
	m->ctime = (int64_t)(le64(buf + S1_CTIME) & 0xffffffffffull);
	m->utime = (int64_t)(le64(buf + S1_UTIME) & 0xffffffffffull);
	m->events = le64(buf + S1_EVENTS);
	m->level = (int32_t)le32(buf + S1_LEVEL);
	m->layout = le32(buf + S1_LAYOUT);
	size = le64(buf + S1_SIZE);
	chunk_sectors = le32(buf + S1_CHUNK);
	m->chunk_size = chunk_sectors > UINT32_MAX / 512 ? UINT32_MAX
	                                                : chunk_sectors * 512;
	m->raid_disks = le32(buf + S1_RAID_DISKS);
	data_offset = le64(buf + S1_DATA_OFFSET);
	data_size = le64(buf + S1_DATA_SIZE);
	super_offset = le64(buf + S1_SUPER_OFFSET);
	dev_number = le32(buf + S1_DEV_NUMBER);
	max_dev = le32(buf + S1_MAX_DEV);
	major = le32(buf + S1_MAJOR);
	m->role = CUST_MD_ROLE_SPARE;

	if (max_dev > S1_MAX_DEV_MAX) {
		refuse(m, "max_dev %u past %u", max_dev, (unsigned)S1_MAX_DEV_MAX);
		return 1;
	}
	sb_len = S1_ROLES + 2 * max_dev;
	if (sb_len > len) {
		refuse(m, "superblock of %u bytes runs past the device's end",
		       sb_len);
		return 1;
	}
	for (i = 0; i + 4 <= sb_len; i += 4)
		sum += i == S1_CSUM ? 0 : le32(buf + i);
	if (sb_len % 4)
		sum += (uint32_t)buf[i] | (uint32_t)buf[i + 1] << 8;
	csum = (uint32_t)((sum & 0xffffffffu) + (sum >> 32));
	if (csum != le32(buf + S1_CSUM))
		refuse(m, "1.x superblock checksum 0x%08x, expected 0x%08x",
		       le32(buf + S1_CSUM), csum);
	if (major != 1)
		refuse(m, "superblock major version %u is not 1", major);
	if (super_offset != sb_off / 512)
		refuse(m, "superblock says it is at sector %llu, found at %llu",
		       (unsigned long long)super_offset,
		       (unsigned long long)(sb_off / 512));
	if (m->feature_map & ~F_ALL)
		refuse(m, "unknown feature bits 0x%x", m->feature_map & ~F_ALL);
	if (m->feature_map & F_RESHAPE_ACTIVE)
		refuse(m, "a reshape is in progress: refused");
	check_geometry(m, CUST_MD_DISKS_MAX);

	if (dev_number >= max_dev) {
		refuse(m, "device number %u past max_dev %u", dev_number, max_dev);
		return 1;
	}
	role = buf[S1_ROLES + 2 * dev_number] |
	       (unsigned)buf[S1_ROLES + 2 * dev_number + 1] << 8;
	if (role == ROLE_SPARE)
		m->role = CUST_MD_ROLE_SPARE;
	else if (role == ROLE_FAULTY)
		m->role = CUST_MD_ROLE_FAULTY;
	else if (role == ROLE_JOURNAL)
		m->role = CUST_MD_ROLE_JOURNAL;
	else if (role < m->raid_disks)
		m->role = (int)role;
	else
		refuse(m, "role %u past raid_disks %u", role, m->raid_disks);
	m->in_sync = m->role >= 0;
	if (m->in_sync && m->feature_map & F_RECOVERY_OFFSET) {
		m->in_sync = 0;
		add_note(m->note, sizeof m->note, "recovering: not in sync");
	}
	if (m->in_sync && m->feature_map & F_REPLACEMENT) {
		m->in_sync = 0;
		add_note(m->note, sizeof m->note, "replacement: not in sync");
	}

	/* the data area: inside the device, clear of the superblock */
	if (data_offset > dev_sectors || data_size > dev_sectors - data_offset) {
		refuse(m, "data (sectors %llu + %llu) past the device's end "
		       "(%llu sectors)", (unsigned long long)data_offset,
		       (unsigned long long)data_size,
		       (unsigned long long)dev_sectors);
		return 1;
	}
	m->data_offset = data_offset * 512;
	m->data_size = data_size * 512;
	if (minor == 0 ? m->data_offset + m->data_size > sb_off
	               : m->data_offset < sb_off + sb_len)
		refuse(m, "data (sectors %llu + %llu) overlaps the superblock",
		       (unsigned long long)data_offset,
		       (unsigned long long)data_size);
	if (m->level != CUST_MD_LINEAR && m->level != 0) {
		if (size > data_size)
			refuse(m, "size %llu sectors runs past the data area of %llu",
			       (unsigned long long)size,
			       (unsigned long long)data_size);
		m->used_size = size * 512;
		if (m->used_size == 0 ||
		    (m->valid && m->chunk_size &&
		     round_used(m->level, m->used_size, m->chunk_size) == 0))
			refuse(m, "size %llu sectors holds no whole chunk",
			       (unsigned long long)size);
	} else if (m->in_sync && m->data_size == 0) {
		refuse(m, "data size 0");
	}
	if (m->valid)
		m->array_size = array_bytes(m->level, m->layout, m->chunk_size,
		                            m->raid_disks, m->used_size);
	return 1;
}

int cust_md_probe(cust_md_read_fn read, void *ctx, uint64_t dev_size,
                  struct cust_md_member *out, struct cust_error *err)
{
	unsigned char buf[CUST_MD_SB_BYTES];
	struct cust_md_member cand;
	uint64_t place[4];
	int have[4] = { 0 }, minor[4] = { 2, 1, 0, -1 };
	int best = -1, first = -1, i;
	unsigned found = 0;

	if (!read || !out)
		return cust_error_set(err, CUST_E_USAGE, "md probe: no reader");
	memset(out, 0, sizeof *out);
	/* the places of 1.2, 1.1, 1.0 and 0.90 */
	place[0] = 4096;
	place[1] = 0;
	have[0] = dev_size >= place[0] + CUST_MD_SB_BYTES;
	have[1] = dev_size >= CUST_MD_SB_BYTES;
	if (dev_size / 512 >= 24) {
		place[2] = (((dev_size >> 9) - 16) & ~(uint64_t)7) * 512;
		have[2] = 1;
	}
	if ((dev_size & ~(uint64_t)(SB0_RESERVED - 1)) >= SB0_RESERVED) {
		place[3] = (dev_size & ~(uint64_t)(SB0_RESERVED - 1)) - SB0_RESERVED;
		have[3] = 1;
	}
	for (i = 0; i < 4; i++) {
		size_t len;
		int got;

		if (!have[i])
			continue;
		len = dev_size - place[i] < CUST_MD_SB_BYTES
		              ? (size_t)(dev_size - place[i]) : CUST_MD_SB_BYTES;
		if (read(ctx, place[i], buf, len, err) < 0)
			return cust_error_prefix(err, "reading the md superblock "
			                         "place at %llu",
			                         (unsigned long long)place[i]);
		if (minor[i] < 0)
			got = len == CUST_MD_SB_BYTES &&
			      parse_090(buf, place[i], dev_size, &cand);
		else
			got = parse_1(buf, len, place[i], minor[i], dev_size, &cand);
		if (!got)
			continue;
		found++;
		if (first < 0) {
			first = i;
			memcpy(out, &cand, sizeof cand);
		}
		/* a valid one wins; of several, the one created last */
		if (cand.valid && (best < 0 || cand.ctime > out->ctime)) {
			best = i;
			memcpy(out, &cand, sizeof cand);
		}
	}
	out->superblocks = found;
	if (found > 1) {
		char note[64];
		int n = snprintf(note, sizeof note,
		                 "%u md superblocks on the device, %s kept", found,
		                 out->version);
		if (n > 0 && (size_t)n < sizeof note)
			add_note(out->note, sizeof out->note, note);
	}
	out->read = read;
	out->ctx = ctx;
	out->dev_size = dev_size;
	return 0;
}

/* ---- the array -------------------------------------------------------------- */

struct slot {
	int present;
	cust_md_read_fn read;
	void *ctx;
	uint64_t data_offset;
	uint64_t data_size;  /* bytes this member gives (rounded) */
	uint64_t start;      /* linear: where its bytes begin in the volume */
	char source[CUST_MD_SOURCE_MAX];
};

struct unused {
	char source[CUST_MD_SOURCE_MAX];
	char reason[CUST_MD_REASON_MAX + 64];
};

struct cust_md_array {
	unsigned magic;
	int level;
	uint32_t layout, chunk, n;
	char version[8];
	char uuid_str[CUST_MD_UUID_STR];
	char name[CUST_MD_NAME_MAX];
	uint64_t events;
	uint64_t size;
	unsigned missing;        /* roles without a member */
	/* RAID10 */
	unsigned near, far;
	int offset;
	uint32_t far_set;
	uint64_t stride;         /* bytes between far copies */
	struct slot *slots;      /* N, by role */
	struct unused *unused;
	size_t nunused;
	/* RAID6 arithmetic: exp[i] = 2^i, log its inverse, over GF(2^8) */
	unsigned char gexp[512], glog[256];
	unsigned char *acc, *tmp; /* SCRATCH bytes each (RAID4/5/6) */
};

static void gf_tables(struct cust_md_array *a)
{
	unsigned v = 1, i;

	for (i = 0; i < 255; i++) {
		a->gexp[i] = (unsigned char)v;
		a->gexp[i + 255] = (unsigned char)v;
		a->glog[v] = (unsigned char)i;
		v <<= 1;
		if (v & 0x100)
			v ^= 0x11d;
	}
	a->gexp[510] = a->gexp[0];
	a->gexp[511] = a->gexp[1];
	a->glog[0] = 0; /* never used: 0 has no logarithm */
}

/* TAB[x] = C * x over GF(2^8). */
static void gf_table(const struct cust_md_array *a, unsigned char c,
                     unsigned char *tab)
{
	unsigned x;

	tab[0] = 0;
	for (x = 1; x < 256; x++)
		tab[x] = c ? a->gexp[a->glog[x] + a->glog[c]] : 0;
}

static unsigned char gf_inv(const struct cust_md_array *a, unsigned char c)
{
	return a->gexp[255 - a->glog[c]];
}

void cust_md_array_free(struct cust_md_array *a)
{
	if (!a || a->magic != ARRAY_MAGIC)
		return;
	free(a->slots);
	free(a->unused);
	free(a->acc);
	free(a->tmp);
	a->magic = 0;
	free(a);
}

uint64_t cust_md_array_size(const struct cust_md_array *a)
{
	return a && a->magic == ARRAY_MAGIC ? a->size : 0;
}

int cust_md_array_degraded(const struct cust_md_array *a)
{
	return a && a->magic == ARRAY_MAGIC && a->missing > 0;
}

static void set_unused(struct cust_md_array *a, const struct cust_md_member *m,
                       const char *fmt, ...) CUST_PRINTF(3, 4);

static void set_unused(struct cust_md_array *a, const struct cust_md_member *m,
                       const char *fmt, ...)
{
	struct unused *u = &a->unused[a->nunused++];
	va_list ap;

	memcpy(u->source, m->source, sizeof u->source);
	u->source[sizeof u->source - 1] = '\0';
	va_start(ap, fmt);
	if (vsnprintf(u->reason, sizeof u->reason, fmt, ap) < 0)
		u->reason[0] = '\0';
	va_end(ap);
}

static const char *src_name(const char *s)
{
	return s[0] ? s : "(unnamed)";
}

/* RAID10: the devices and device offsets (bytes from the data start) of
 * the copies of the byte at WITHIN in virtual chunk C; their number. */
static unsigned raid10_copies_of(const struct cust_md_array *a, uint64_t c,
                                 uint64_t within, uint32_t *dev,
                                 uint64_t *off)
{
	uint64_t pos = c * a->near, stripe = pos / a->n, base;
	uint32_t d0 = (uint32_t)(pos % a->n), n = a->n, fss = a->far_set;
	uint32_t last_start = (n / fss - 1) * fss, last_size = fss + n % fss;
	unsigned k, f, count = 0;

	if (a->offset)
		stripe *= a->far;
	base = stripe * a->chunk + within;
	for (k = 0; k < a->near; k++) {
		uint32_t d = d0;
		uint64_t s = base;

		dev[count] = d;
		off[count++] = s;
		for (f = 1; f < a->far; f++) {
			uint32_t set = d / fss;

			d += a->near;
			if (n % fss && d > last_start) {
				d -= last_start;
				d %= last_size;
				d += last_start;
			} else {
				d %= fss;
				d += fss * set;
			}
			s += a->stride;
			dev[count] = d;
			off[count++] = s;
		}
		if (++d0 >= n) {
			d0 = 0;
			base += a->chunk;
		}
	}
	return count;
}

/* RAID4/5/6: for stripe S, the device of each data index (MAP), P and Q
 * (-1 when none) and, RAID6, each device's Q coefficient exponent. */
static void stripe_map(const struct cust_md_array *a, uint64_t s,
                       uint32_t *map, uint32_t *pd, int64_t *qd,
                       unsigned char *expo)
{
	uint32_t n = a->n, data = n - (a->level == 6 ? 2 : 1), k, p = 0;
	uint32_t q = 0, i;
	int ddf = 0;

	for (k = 0; k < data; k++) {
		uint32_t dd = k;

		if (a->level == 4) {
			p = data;
		} else if (a->level == 5) {
			switch (a->layout) {
			case 0: p = data - (uint32_t)(s % n); dd += dd >= p; break;
			case 1: p = (uint32_t)(s % n); dd += dd >= p; break;
			case 2: p = data - (uint32_t)(s % n); dd = (p + 1 + dd) % n;
				break;
			case 3: p = (uint32_t)(s % n); dd = (p + 1 + dd) % n; break;
			case 4: p = 0; dd++; break;
			default: p = data; break;
			}
		} else {
			switch (a->layout) {
			case 0: /* left-asymmetric */
			case 1: /* right-asymmetric */
			case 8: /* ddf-zero-restart */
			case 9: /* ddf-N-restart */
				if (a->layout == 1 || a->layout == 8)
					p = (uint32_t)(s % n);
				else
					p = n - 1 - (uint32_t)((s + (a->layout == 9)) % n);
				q = p + 1;
				if (p == n - 1) {
					dd++;
					q = 0;
				} else if (dd >= p) {
					dd += 2;
				}
				ddf = a->layout >= 8;
				break;
			case 2:
			case 3:
				p = a->layout == 2 ? n - 1 - (uint32_t)(s % n)
				                   : (uint32_t)(s % n);
				q = (p + 1) % n;
				dd = (p + 2 + dd) % n;
				break;
			case 4: p = 0; q = 1; dd += 2; break;
			case 5: p = data; q = data + 1; break;
			case 10: /* ddf-N-continue */
				p = n - 1 - (uint32_t)(s % n);
				q = (p + n - 1) % n;
				dd = (p + 1 + dd) % n;
				ddf = 1;
				break;
			case 16:
			case 17:
				p = a->layout == 16 ? data - (uint32_t)(s % (n - 1))
				                    : (uint32_t)(s % (n - 1));
				dd += dd >= p;
				q = n - 1;
				break;
			case 18:
			case 19:
				p = a->layout == 18 ? data - (uint32_t)(s % (n - 1))
				                    : (uint32_t)(s % (n - 1));
				dd = (p + 1 + dd) % (n - 1);
				q = n - 1;
				break;
			default: /* 20: parity-first-6 */
				p = 0;
				dd++;
				q = n - 1;
				break;
			}
		}
		map[k] = dd;
	}
	*pd = p;
	*qd = a->level == 6 ? (int64_t)q : -1;
	if (a->level != 6)
		return;
	/* Q's coefficients: DDF by device number; md's own layouts count
	 * the data devices from the one after Q, wrapping */
	for (i = 0, k = 0; i < n; i++) {
		uint32_t d = ddf ? i : (q + 1 + i) % n;
		if (d == p || d == q)
			continue;
		expo[d] = (unsigned char)(ddf ? d : k);
		k++;
	}
}

static int slot_read(struct cust_md_array *a, uint32_t role, uint64_t off,
                     void *buf, size_t len, struct cust_error *err)
{
	struct slot *s = &a->slots[role];

	if (s->read(s->ctx, s->data_offset + off, buf, len, err) < 0)
		return cust_error_prefix(err, "md %s role %u ('%s')",
		                         a->uuid_str, role, src_name(s->source));
	return 0;
}

/* RAID4/5/6: rebuild LEN bytes (at most SCRATCH) at device offset OFF of
 * the missing device X of stripe S into OUT. */
static int rebuild(struct cust_md_array *a, uint64_t s, uint32_t x,
                   uint64_t off, unsigned char *out, size_t len,
                   struct cust_error *err)
{
	uint32_t map[CUST_MD_DISKS_MAX], pd, data, k, y = UINT32_MAX;
	unsigned char expo[CUST_MD_DISKS_MAX], t1[256], t2[256];
	int64_t qd;
	size_t i;
	int use_q;

	stripe_map(a, s, map, &pd, &qd, expo);
	data = a->n - (a->level == 6 ? 2 : 1);
	/* another data device missing in this stripe? */
	for (k = 0; k < data; k++)
		if (map[k] != x && !a->slots[map[k]].present)
			y = map[k];
	use_q = a->level == 6 && (y != UINT32_MAX || !a->slots[pd].present);
	if (!use_q || y != UINT32_MAX) {
		/* P, then every other data device XORed in (with Q too when a
		 * second data device is missing) */
		if (slot_read(a, pd, off, out, len, err) < 0)
			return -1;
		if (use_q && slot_read(a, (uint32_t)qd, off, a->acc, len, err) < 0)
			return -1;
		for (k = 0; k < data; k++) {
			uint32_t d = map[k];
			if (d == x || d == y)
				continue;
			if (slot_read(a, d, off, a->tmp, len, err) < 0)
				return -1;
			for (i = 0; i < len; i++)
				out[i] ^= a->tmp[i];
			if (use_q) {
				gf_table(a, a->gexp[expo[d]], t1);
				for (i = 0; i < len; i++)
					a->acc[i] ^= t1[a->tmp[i]];
			}
		}
		if (!use_q)
			return 0;
		/* out = Dx ^ Dy, acc = g^ex Dx ^ g^ey Dy:
		 * Dx = (acc ^ g^ey out) / (g^ex ^ g^ey) */
		gf_table(a, a->gexp[expo[y]], t1);
		gf_table(a, gf_inv(a, a->gexp[expo[x]] ^ a->gexp[expo[y]]), t2);
		for (i = 0; i < len; i++)
			out[i] = t2[a->acc[i] ^ t1[out[i]]];
		return 0;
	}
	/* P missing: Dx = (Q ^ sum of g^ed Dd) / g^ex */
	if (slot_read(a, (uint32_t)qd, off, out, len, err) < 0)
		return -1;
	for (k = 0; k < data; k++) {
		uint32_t d = map[k];
		if (d == x)
			continue;
		if (slot_read(a, d, off, a->tmp, len, err) < 0)
			return -1;
		gf_table(a, a->gexp[expo[d]], t1);
		for (i = 0; i < len; i++)
			out[i] ^= t1[a->tmp[i]];
	}
	gf_table(a, gf_inv(a, a->gexp[expo[x]]), t1);
	for (i = 0; i < len; i++)
		out[i] = t1[out[i]];
	return 0;
}

/* The role holding data chunk C of a RAID4/5/6 array A, in its stripe
 * *S. */
static uint32_t data_member(const struct cust_md_array *a, uint64_t c,
                            uint64_t *s)
{
	uint32_t map[CUST_MD_DISKS_MAX], pd;
	uint32_t data = a->n - (a->level == 6 ? 2 : 1);
	unsigned char expo[CUST_MD_DISKS_MAX];
	int64_t qd;

	*s = c / data;
	stripe_map(a, *s, map, &pd, &qd, expo);
	return map[c % data];
}

/* Read LEN bytes at OFF (inside one chunk) of the array into OUT. */
static int read_piece(struct cust_md_array *a, uint64_t off, unsigned char *out,
                      size_t len, struct cust_error *err)
{
	uint64_t c = a->chunk ? off / a->chunk : 0;
	uint64_t within = a->chunk ? off % a->chunk : off;
	uint32_t k;

	switch (a->level) {
	case CUST_MD_LINEAR:
		for (k = a->n; k-- > 0;)
			if (off >= a->slots[k].start)
				return slot_read(a, k, off - a->slots[k].start, out, len,
				                 err);
		return cust_error_set(err, CUST_E_INPUT, "md: no linear member");
	case 0:
		return slot_read(a, (uint32_t)(c % a->n),
		                 c / a->n * a->chunk + within, out, len, err);
	case 1: {
		int tried = 0;
		for (k = 0; k < a->n; k++) {
			if (!a->slots[k].present)
				continue;
			tried = 1;
			if (slot_read(a, k, off, out, len, err) == 0)
				return 0;
		}
		return tried ? -1 : cust_error_set(err, CUST_E_INPUT,
		                                   "md: no member to read");
	}
	case 10: {
		uint32_t dev[CUST_MD_DISKS_MAX];
		uint64_t doff[CUST_MD_DISKS_MAX];
		unsigned i, count = raid10_copies_of(a, c, within, dev, doff);
		for (i = 0; i < count; i++)
			if (a->slots[dev[i]].present)
				return slot_read(a, dev[i], doff[i], out, len, err);
		return cust_error_set(err, CUST_E_INPUT,
		                      "md %s: no copy of chunk %llu present",
		                      a->uuid_str, (unsigned long long)c);
	}
	default: {
		uint64_t s, doff;
		size_t done;

		k = data_member(a, c, &s);
		doff = s * a->chunk + within;
		if (a->slots[k].present)
			return slot_read(a, k, doff, out, len, err);
		for (done = 0; done < len;) {
			size_t part = len - done < SCRATCH ? len - done : SCRATCH;
			if (rebuild(a, s, k, doff + done, out + done, part, err) < 0)
				return cust_error_prefix(err, "rebuilding role %u", k);
			done += part;
		}
		return 0;
	}
	}
}

int cust_md_array_read(struct cust_md_array *a, uint64_t offset, void *buf,
                       size_t len, struct cust_error *err)
{
	unsigned char *out = buf;

	if (!a || a->magic != ARRAY_MAGIC || (!buf && len))
		return cust_error_set(err, CUST_E_USAGE, "md read: no array");
	if (offset > a->size || len > a->size - offset)
		return cust_error_set(err, CUST_E_USAGE,
		                      "md read of %zu bytes at %llu past the "
		                      "array's end (%llu bytes)", len,
		                      (unsigned long long)offset,
		                      (unsigned long long)a->size);
	while (len > 0) {
		size_t part = len;

		if (a->level == CUST_MD_LINEAR) {
			uint32_t k;
			for (k = a->n; k-- > 0;)
				if (offset >= a->slots[k].start) {
					uint64_t left = a->slots[k].start +
					                a->slots[k].data_size - offset;
					if (part > left)
						part = (size_t)left;
					break;
				}
		} else if (a->level != 1) {
			uint64_t left = a->chunk - offset % a->chunk;
			if (part > left)
				part = (size_t)left;
		}
		if (read_piece(a, offset, out, part, err) < 0)
			return -1;
		offset += part;
		out += part;
		len -= part;
	}
	return 0;
}

/* Where byte OFFSET of the volume lies: see mdraid.h.  The member read
 * is the one read_piece reads first, so a place is where the array's
 * bytes were read from. */
int cust_md_array_place(const struct cust_md_array *a, uint64_t offset,
                        void **ctx, uint64_t *dev_off, uint64_t *len)
{
	uint64_t c, within;
	uint32_t k;

	if (!a || a->magic != ARRAY_MAGIC || offset >= a->size)
		return -1;
	c = a->chunk ? offset / a->chunk : 0;
	within = a->chunk ? offset % a->chunk : offset;
	switch (a->level) {
	case CUST_MD_LINEAR:
		for (k = a->n; k-- > 0;)
			if (offset >= a->slots[k].start)
				break;
		if (k >= a->n || !a->slots[k].present)
			return -1;
		*dev_off = offset - a->slots[k].start;
		*len = a->slots[k].start + a->slots[k].data_size - offset;
		break;
	case 0:
		k = (uint32_t)(c % a->n);
		*dev_off = c / a->n * a->chunk + within;
		*len = a->chunk - within;
		break;
	case 1:
		for (k = 0; k < a->n && !a->slots[k].present; k++)
			;
		if (k == a->n)
			return -1;
		*dev_off = offset;
		*len = a->size - offset;
		break;
	case 10: {
		uint32_t dev[CUST_MD_DISKS_MAX];
		uint64_t doff[CUST_MD_DISKS_MAX];
		unsigned i, count = raid10_copies_of(a, c, within, dev, doff);

		for (i = 0; i < count && !a->slots[dev[i]].present; i++)
			;
		if (i == count)
			return -1;
		k = dev[i];
		*dev_off = doff[i];
		*len = a->chunk - within;
		break;
	}
	default: {
		uint64_t s;

		k = data_member(a, c, &s);
		*len = a->chunk - within;
		if (!a->slots[k].present)
			return 0; /* rebuilt from parity as it is read */
		*dev_off = s * a->chunk + within;
		break;
	}
	}
	if (*len > a->size - offset)
		*len = a->size - offset;
	if (!a->slots[k].present ||
	    *dev_off > UINT64_MAX - a->slots[k].data_offset)
		return -1;
	*dev_off += a->slots[k].data_offset;
	*ctx = a->slots[k].ctx;
	return 1;
}

/* ---- assembly --------------------------------------------------------------- */

/* Which roles' absence the level cannot bear: 0 when the data is whole. */
static int too_many_missing(const struct cust_md_array *a)
{
	uint32_t dev[CUST_MD_DISKS_MAX];
	uint64_t off[CUST_MD_DISKS_MAX];
	uint64_t c;
	unsigned i, count;
	int any;

	switch (a->level) {
	case 1: return a->missing >= a->n;
	case 4:
	case 5: return a->missing > 1;
	case 6: return a->missing > 2;
	case 10:
		/* the copies of chunks 0 .. n-1 begin on every device */
		for (c = 0; c < a->n; c++) {
			count = raid10_copies_of(a, c, 0, dev, off);
			for (i = 0, any = 0; i < count; i++)
				any |= a->slots[dev[i]].present;
			if (!any)
				return 1;
		}
		return 0;
	default: return a->missing > 0;
	}
}

/* Append the list of missing roles to MSG ("0, 2"). */
static void missing_list(const struct cust_md_array *a, char *msg, size_t cap)
{
	uint32_t k;
	size_t used = strlen(msg);

	for (k = 0; k < a->n && used + 16 < cap; k++) {
		int n;
		if (a->slots[k].present)
			continue;
		n = snprintf(msg + used, cap - used, "%s%u",
		             msg[used - 1] == ' ' ? "" : ", ", k);
		if (n < 0 || (size_t)n >= cap - used)
			break;
		used += (size_t)n;
	}
}

static int same_geometry(const struct cust_md_member *m,
                         const struct cust_md_member *r, const char **what)
{
	*what = m->level != r->level ? "level"
	        : m->layout != r->layout ? "layout"
	        : m->chunk_size != r->chunk_size ? "chunk size"
	        : m->raid_disks != r->raid_disks ? "raid_disks"
	        : m->used_size != r->used_size ? "size"
	        : strcmp(m->version, r->version) ? "metadata version" : NULL;
	return *what == NULL;
}

struct cust_md_array *cust_md_array_new(const struct cust_md_member *members,
                                        size_t n, const unsigned char *uuid,
                                        struct cust_error *err)
{
	struct cust_md_array *a = NULL;
	const struct cust_md_member *ref = NULL;
	const unsigned char *want = uuid;
	uint64_t events = 0, total = 0;
	char msg[CUST_ERROR_MESSAGE_MAX];
	const char *what;
	size_t i;
	uint32_t k;

	if (!members || n == 0)
		return cust_error_set(err, CUST_E_USAGE, "md: no members given"),
		       NULL;
	if (n > CUST_MD_MEMBERS_MAX)
		return cust_error_set(err, CUST_E_INPUT, "md: %zu members given, "
		                      "at most %u are read", n,
		                      CUST_MD_MEMBERS_MAX), NULL;
	/* the array: the one UUID of the valid members, unless given */
	for (i = 0; i < n; i++) {
		const struct cust_md_member *m = &members[i];
		if (!m->found || !m->valid)
			continue;
		if (!want) {
			want = m->uuid;
		} else if (!uuid && memcmp(want, m->uuid, 16) != 0) {
			char first[CUST_MD_UUID_STR];
			format_uuid(want, first);
			return cust_error_set(err, CUST_E_INPUT,
			                      "md: members of different arrays (%s, "
			                      "'%s' of %s): name the array to read",
			                      first, src_name(m->source), m->uuid_str),
			       NULL;
		}
	}
	if (!want)
		return cust_error_set(err, CUST_E_INPUT,
		                      "md: none of the %zu devices is a valid md "
		                      "member%s%s", n, members[0].reason[0] ? ": " : "",
		                      members[0].reason), NULL;
	/* the freshest members set the geometry */
	for (i = 0; i < n; i++) {
		const struct cust_md_member *m = &members[i];
		if (m->found && m->valid && !memcmp(m->uuid, want, 16) &&
		    (!ref || m->events > events)) {
			ref = m;
			events = m->events;
		}
	}
	if (!ref) {
		char u[CUST_MD_UUID_STR];
		format_uuid(want, u);
		return cust_error_set(err, CUST_E_INPUT,
		                      "md: no valid member of array %s", u), NULL;
	}
	a = calloc(1, sizeof *a);
	if (!a)
		goto nomem;
	a->magic = ARRAY_MAGIC;
	a->slots = calloc(ref->raid_disks, sizeof *a->slots);
	a->unused = calloc(n, sizeof *a->unused);
	if (!a->slots || !a->unused)
		goto nomem;
	a->level = ref->level;
	a->layout = ref->layout;
	a->chunk = ref->chunk_size;
	a->n = ref->raid_disks;
	a->events = events;
	memcpy(a->version, ref->version, sizeof a->version);
	memcpy(a->uuid_str, ref->uuid_str, sizeof a->uuid_str);
	memcpy(a->name, ref->name, sizeof a->name);
	a->name[sizeof a->name - 1] = '\0';

	for (i = 0; i < n; i++) {
		const struct cust_md_member *m = &members[i];
		struct slot *s;

		if (!m->found) {
			set_unused(a, m, "no md superblock");
			continue;
		}
		if (!m->valid) {
			set_unused(a, m, "%s", m->reason);
			continue;
		}
		if (memcmp(m->uuid, want, 16) != 0) {
			set_unused(a, m, "member of another array (%s)", m->uuid_str);
			continue;
		}
		if (m->events < events) {
			set_unused(a, m, "stale: %llu events, the array has %llu",
			           (unsigned long long)m->events,
			           (unsigned long long)events);
			continue;
		}
		if (!same_geometry(m, ref, &what)) {
			cust_error_set(err, CUST_E_INPUT,
			               "md %s: members '%s' and '%s' disagree on the "
			               "%s", a->uuid_str, src_name(ref->source),
			               src_name(m->source), what);
			goto fail;
		}
		if (m->role < 0 || !m->in_sync) {
			set_unused(a, m, "%s",
			           m->role == CUST_MD_ROLE_FAULTY ? "faulty"
			           : m->role == CUST_MD_ROLE_JOURNAL ? "journal device"
			           : m->role == CUST_MD_ROLE_SPARE ? "spare"
			                                           : "not in sync");
			continue;
		}
		if (!m->read) {
			cust_error_set(err, CUST_E_USAGE, "md: member '%s' has no "
			               "reader", src_name(m->source));
			goto fail;
		}
		s = &a->slots[m->role];
		if (s->present) {
			cust_error_set(err, CUST_E_INPUT,
			               "md %s: role %d claimed by two members, '%s' "
			               "and '%s'", a->uuid_str, m->role,
			               src_name(s->source), src_name(m->source));
			goto fail;
		}
		s->present = 1;
		s->read = m->read;
		s->ctx = m->ctx;
		s->data_offset = m->data_offset;
		s->data_size = m->level == CUST_MD_LINEAR || m->level == 0
		                       ? round_used(m->level, m->data_size, a->chunk)
		                       : round_used(m->level, m->used_size, a->chunk);
		memcpy(s->source, m->source, sizeof s->source);
		s->source[sizeof s->source - 1] = '\0';
	}
	for (k = 0; k < a->n; k++)
		a->missing += !a->slots[k].present;

	if (a->level == 10) {
		(void)raid10_copies(a->layout, a->n, &a->near, &a->far, &a->offset,
		                    &a->far_set);
		/* calc_sectors: chunks used per device, stride between copies
		 * (the product stays under 2^52 chunks times 256 copies) */
		if (a->offset) {
			a->stride = a->chunk;
		} else {
			uint64_t chunks = ref->used_size / a->chunk / a->far * a->n /
			                  a->near * a->near * a->far;
			chunks = (chunks + a->n - 1) / a->n;
			a->stride = chunks / a->far * a->chunk;
		}
	}
	if (too_many_missing(a)) {
		int len = snprintf(msg, sizeof msg, "md %s (%s of %u): %u role%s "
		                   "missing, more than it can lose: ", a->uuid_str,
		                   cust_md_level_name(a->level), a->n, a->missing,
		                   a->missing == 1 ? "" : "s");
		if (len < 0 || (size_t)len >= sizeof msg)
			msg[0] = '\0';
		else
			missing_list(a, msg, sizeof msg);
		cust_error_set(err, CUST_E_INPUT, "%s", msg);
		goto fail;
	}

	switch (a->level) {
	case CUST_MD_LINEAR:
		for (k = 0; k < a->n; k++) {
			a->slots[k].start = total;
			if (__builtin_add_overflow(total, a->slots[k].data_size,
			                           &total)) {
				total = 0; /* refused below */
				break;
			}
		}
		a->size = total;
		break;
	case 0:
		for (k = 1; k < a->n; k++)
			if (a->slots[k].data_size != a->slots[0].data_size) {
				cust_error_set(err, CUST_E_INPUT,
				               "md %s: raid0 members of unequal size ('%s' "
				               "%llu, '%s' %llu bytes) make several zones, "
				               "which are not read", a->uuid_str,
				               src_name(a->slots[0].source),
				               (unsigned long long)a->slots[0].data_size,
				               src_name(a->slots[k].source),
				               (unsigned long long)a->slots[k].data_size);
				goto fail;
			}
		if (__builtin_mul_overflow(a->slots[0].data_size, (uint64_t)a->n,
		                           &a->size))
			a->size = 0;
		break;
	default:
		a->size = array_bytes(a->level, a->layout, a->chunk, a->n,
		                      ref->used_size);
		break;
	}
	if (a->size == 0) {
		cust_error_set(err, CUST_E_INPUT, "md %s: the array holds no data",
		               a->uuid_str);
		goto fail;
	}
	if (a->level == 4 || a->level == 5 || a->level == 6) {
		gf_tables(a);
		a->acc = malloc(SCRATCH);
		a->tmp = malloc(SCRATCH);
		if (!a->acc || !a->tmp)
			goto nomem;
	}
	return a;
nomem:
	cust_error_set(err, CUST_E_IO, "out of memory");
fail:
	cust_md_array_free(a);
	return NULL;
}

/* ---- the record --------------------------------------------------------------- */

/* A source as JSON: null when unnamed; a name that is not UTF-8 (jansson
 * takes no other) written with its other bytes as \xHH. */
static json_t *source_json(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char out[CUST_MD_SOURCE_MAX * 4];
	json_t *v;
	size_t i, o = 0;

	if (!s[0])
		return json_null();
	v = json_string(s);
	if (v)
		return v;
	for (i = 0; s[i] && o + 5 < sizeof out; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return json_string(out);
}

json_t *cust_md_array_json(const struct cust_md_array *a,
                           struct cust_error *err)
{
	json_t *o = NULL, *members, *missing, *rebuilt, *unused;
	char layout[48];
	const char *lname;
	uint32_t k;
	size_t i;

	if (!a || a->magic != ARRAY_MAGIC) {
		cust_error_set(err, CUST_E_USAGE, "md record: no array");
		return NULL;
	}
	lname = cust_md_layout_name(a->level, a->layout, layout, sizeof layout);
	members = json_array();
	missing = json_array();
	rebuilt = json_array();
	unused = json_array();
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, "
	              "s:b, s:o, s:o}",
	              "uuid", a->uuid_str, "name", a->name, "metadata", a->version,
	              "level", cust_md_level_name(a->level),
	              "layout", lname ? json_string(lname) : json_null(),
	              "chunk_size", (json_int_t)a->chunk,
	              "raid_disks", (json_int_t)a->n,
	              "size", (json_int_t)a->size,
	              "events", (json_int_t)a->events,
	              "members", members ? members : json_null(),
	              "missing_roles", missing ? missing : json_null(),
	              "degraded", a->missing > 0,
	              "rebuilt_roles", rebuilt ? rebuilt : json_null(),
	              "unused", unused ? unused : json_null());
	if (!o || !members || !missing || !rebuilt || !unused)
		goto nomem;
	for (k = 0; k < a->n; k++) {
		const struct slot *s = &a->slots[k];
		json_t *m = json_pack(
			"{s:I, s:b, s:o, s:o}", "role", (json_int_t)k, "present",
			s->present, "source", source_json(s->present ? s->source : ""),
			"data_offset",
			s->present ? json_integer((json_int_t)s->data_offset)
			           : json_null());
		if (!m || json_array_append_new(members, m) < 0)
			goto nomem;
		if (s->present)
			continue;
		if (json_array_append_new(missing, json_integer(k)) < 0 ||
		    ((a->level == 4 || a->level == 5 || a->level == 6) &&
		     json_array_append_new(rebuilt, json_integer(k)) < 0))
			goto nomem;
	}
	for (i = 0; i < a->nunused; i++) {
		const struct unused *u = &a->unused[i];
		json_t *m = json_pack("{s:o, s:s}", "source", source_json(u->source),
		                      "reason", u->reason);
		if (!m || json_array_append_new(unused, m) < 0)
			goto nomem;
	}
	return o;
nomem:
	json_decref(o);
	cust_error_set(err, CUST_E_IO, "out of memory (md record)");
	return NULL;
}
