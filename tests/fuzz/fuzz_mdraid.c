/* fuzz_mdraid.c - hostile md superblocks: every member probed must give a
 * bounded, terminated result or a reason, and an array assembled from
 * them must read anywhere inside its size without crashing, hanging or
 * touching a member outside its device.
 *
 * The input describes up to four member devices, each
 *
 *     u8 place     where its bytes lie: 0 at 0 (1.1), 1 at 4 KiB (1.2),
 *                  2 at the 1.0 place, 3 at the 0.90 place
 *     u32 sectors  the device's size in 512-byte sectors (little-endian)
 *     u16 len      then LEN bytes (cut at the input's end)
 *
 * after one byte of flags: bits 0-1 the number of members less one; bit 2
 * mends every checksum (so the fuzzer need not solve them); bit 3 makes
 * members 1.. copies of member 0 with their own device number (the
 * members of one array, which then assemble).  Outside its bytes a device
 * reads as a pattern of its offset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "custody/mdraid.h"
#include "fuzz.h"

#define MEMBERS 4
#define READ_LEN 65536

struct vdev {
	uint64_t size;   /* bytes */
	uint64_t at;     /* where BYTES lie */
	unsigned char bytes[CUST_MD_SB_BYTES];
	size_t len;
	unsigned reads;
};

static int vdev_read(void *ctx, uint64_t off, void *buf, size_t len,
                     struct cust_error *err)
{
	struct vdev *d = ctx;
	unsigned char *p = buf;
	size_t i;

	if (len == 0 || off > d->size || len > d->size - off)
		abort(); /* the module asked for bytes outside the device */
	if (++d->reads > 200000)
		return cust_error_set(err, CUST_E_IO, "too many reads");
	for (i = 0; i < len; i += 512) {
		size_t n = len - i < 512 ? len - i : 512;
		memset(p + i, (int)(((off + i) >> 9) * 37 & 0xff), n);
	}
	if (d->len && off < d->at + d->len && d->at < off + len) {
		uint64_t from = off > d->at ? off : d->at;
		uint64_t to = off + len < d->at + d->len ? off + len
		                                         : d->at + d->len;
		memcpy(p + (from - off), d->bytes + (from - d->at), to - from);
	}
	return 0;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* Mend the checksum of the superblock in D (0.90 or 1.x by its place). */
static void mend(struct vdev *d, int v090, uint32_t number)
{
	unsigned char *sb = d->bytes;
	uint64_t sum = 0;
	uint32_t i, len;

	if (v090) {
		if (d->len < 4096)
			return;
		if (number)
			wr32(sb + 992 * 4, number);
		wr32(sb + 38 * 4, 0);
		for (i = 0; i < 1024; i++)
			sum += rd32(sb + 4 * i);
		wr32(sb + 38 * 4, (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
		return;
	}
	if (d->len < 256)
		return;
	if (number)
		wr32(sb + 160, number);
	len = 256 + 2 * (rd32(sb + 220) & 0x7ff);
	if (len > d->len)
		return;
	wr32(sb + 216, 0);
	for (i = 0; i + 4 <= len; i += 4)
		sum += rd32(sb + i);
	if (len % 4)
		sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8;
	wr32(sb + 216, (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
}

static uint64_t place_of(unsigned place, uint64_t size)
{
	switch (place & 3) {
	case 0: return 0;
	case 1: return 4096;
	case 2: return size / 512 >= 24 ? ((size / 512 - 16) & ~7ull) * 512 : 0;
	default:
		return size >= 131072 ? (size & ~65535ull) - 65536 : 0;
	}
}

static void read_some(struct cust_md_array *a)
{
	static unsigned char buf[READ_LEN];
	uint64_t size = cust_md_array_size(a);
	uint64_t at[3];
	size_t i;

	at[0] = 0;
	at[1] = size / 2 - size / 2 % 4096 + 4093;
	at[2] = size > 100 ? size - 100 : 0;
	for (i = 0; i < 3; i++) {
		size_t len = READ_LEN;
		if (at[i] >= size)
			continue;
		if (len > size - at[i])
			len = (size_t)(size - at[i]);
		(void)cust_md_array_read(a, at[i], buf, len, NULL);
	}
	if (cust_md_array_read(a, size, buf, 1, NULL) == 0)
		abort(); /* past the end */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vdev dev[MEMBERS];
	static struct cust_md_member m[MEMBERS];
	struct cust_md_array *a;
	unsigned flags, n, i, place0 = 0;
	size_t pos = 1;

	if (size < 1)
		return 0;
	flags = data[0];
	n = (flags & 3) + 1;
	for (i = 0; i < n; i++) {
		struct vdev *d = &dev[i];
		unsigned place = 0;
		size_t len = 0;

		memset(d, 0, sizeof *d);
		if (i > 0 && flags & 8) {
			memcpy(d, &dev[0], sizeof *d);
			d->reads = 0;
			mend(d, (place0 & 3) == 3, i);
			continue;
		}
		if (pos + 7 <= size) {
			place = data[pos];
			d->size = (uint64_t)rd32(data + pos + 1) * 512;
			len = (size_t)data[pos + 5] | (size_t)data[pos + 6] << 8;
			pos += 7;
		}
		if (i == 0)
			place0 = place;
		if (len > size - pos)
			len = size - pos;
		if (len > CUST_MD_SB_BYTES)
			len = CUST_MD_SB_BYTES;
		d->at = place_of(place, d->size);
		if (d->at > d->size)
			d->at = d->size;
		if (len > d->size - d->at)
			len = (size_t)(d->size - d->at);
		memcpy(d->bytes, data + pos, len);
		d->len = len;
		pos += len;
		if (flags & 4)
			mend(d, (place & 3) == 3, 0);
	}
	for (i = 0; i < n; i++) {
		if (cust_md_probe(vdev_read, &dev[i], dev[i].size, &m[i], NULL) < 0)
			abort(); /* the pattern device never fails a probe */
		if (strlen(m[i].reason) >= sizeof m[i].reason ||
		    strlen(m[i].name) >= sizeof m[i].name ||
		    strlen(m[i].uuid_str) != (m[i].found ? 35u : 0u) ||
		    (m[i].valid && !m[i].found) ||
		    (m[i].found && !m[i].valid && !m[i].reason[0]))
			abort();
		if (m[i].valid &&
		    (m[i].data_offset > m[i].dev_size ||
		     m[i].data_size > m[i].dev_size - m[i].data_offset ||
		     m[i].raid_disks == 0 || m[i].raid_disks > CUST_MD_DISKS_MAX))
			abort();
		m[i].source[0] = (char)('a' + i);
		m[i].source[1] = '\0';
	}
	a = cust_md_array_new(m, n, NULL, NULL);
	if (a) {
		json_t *o = cust_md_array_json(a, NULL);
		if (!o)
			abort();
		json_decref(o);
		read_some(a);
		cust_md_array_free(a);
	}
	return 0;
}
