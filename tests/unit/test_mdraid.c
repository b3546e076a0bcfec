/* test_mdraid.c - unit tests of md RAID members and arrays
 * (include/custody/mdraid.h): member images written by
 * tests/fixtures/mdraid.py (which mdadm --examine reads: tests/cli/mdraid.sh)
 * are probed and assembled in shuffled order, whole and with members
 * missing, and the volume read back at awkward offsets must equal the
 * generator's payload byte for byte; hostile twins of the superblocks
 * must give a reason or an error, never a crash. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/mdraid.h"
#include "testutil.h"

#define UUID_A "3b8e1c52:a1f04d6e:9c2b7d41:e5a09f13"
#define MAXDEV 8

/* The formatted text into the array BUF; fails the test when it does not
 * fit. */
#define SETF(buf, ...)                                                        \
	do {                                                                      \
		size_t setf_len_ = 0;                                                 \
		appendf(buf, sizeof buf, &setf_len_, __VA_ARGS__);                    \
	} while (0)

/* ---- member devices in memory ------------------------------------------------ */

struct dev {
	unsigned char *data;
	size_t size;
	int fail;      /* every read fails */
	unsigned reads;
};

static int dev_read(void *ctx, uint64_t off, void *buf, size_t len,
                    struct cust_error *err)
{
	struct dev *d = ctx;

	d->reads++;
	assert_true(len > 0);
	if (d->fail)
		return cust_error_set(err, CUST_E_IO, "read error (test)");
	if (off > d->size || len > d->size - off)
		return cust_error_set(err, CUST_E_IO, "read past the end (test)");
	memcpy(buf, d->data + off, len);
	return 0;
}

/* An array's images as the generator wrote them. */
struct images {
	char dir[CUST_PATH_MAX];
	int n;
	struct dev dev[MAXDEV];
	unsigned char *volume;
	size_t volume_len;
};

static int gen_count;

/* Run the generator with ARGS into a new folder and load what it wrote
 * (N member images). */
static void generate(struct images *im, int n, const char *args)
{
	const char *top = getenv("CUSTODY_TOP");
	char cmd[4096], name[64], path[CUST_PATH_MAX];
	size_t len = 0;
	int i;

	memset(im, 0, sizeof *im);
	SETF(name, "gen%d", gen_count++);
	tpath(im->dir, name);
	appendf(cmd, sizeof cmd, &len,
	        "python3 %s/tests/fixtures/mdraid.py --disks %d %s %s",
	        top && *top ? top : ".", n, args, im->dir);
	if (system(cmd) != 0)
		fail_msg("generator failed: %s", cmd);
	im->n = n;
	for (i = 0; i < n; i++) {
		SETF(name, "m%d.img", i);
		join(path, im->dir, name);
		im->dev[i].data = (unsigned char *)slurp(path, &im->dev[i].size);
	}
	join(path, im->dir, "volume.bin");
	im->volume = (unsigned char *)slurp(path, &im->volume_len);
}

static void images_free(struct images *im)
{
	int i;

	for (i = 0; i < im->n; i++)
		free(im->dev[i].data);
	free(im->volume);
}

static void probe_dev(struct dev *d, struct cust_md_member *m,
                      const char *source)
{
	struct cust_error err;

	assert_int_equal(cust_md_probe(dev_read, d, d->size, m, &err), 0);
	SETF(m->source, "%s", source);
}

/* Members of IM except the roles in MISSING (a bit set), probed in a
 * shuffled order drawn from SEED; their number.  A missing member is
 * given as a blank device every other time. */
static size_t probe_shuffled(struct images *im, unsigned missing,
                             uint64_t seed, struct cust_md_member *out,
                             struct dev *blank)
{
	int order[MAXDEV], i;
	size_t n = 0;
	uint64_t x = seed | 1;

	for (i = 0; i < im->n; i++)
		order[i] = i;
	for (i = im->n - 1; i > 0; i--) {
		int j = (int)(next_rand(&x) % (uint64_t)(i + 1)), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < im->n; i++) {
		char src[32];
		int r = order[i];
		if (missing & 1u << r) {
			if (seed & 2)
				probe_dev(blank, &out[n++], "blank");
			continue;
		}
		SETF(src, "m%d.img", r);
		probe_dev(&im->dev[r], &out[n], src);
		assert_true(out[n].found);
		if (!out[n].valid)
			fail_msg("m%d.img: %s", r, out[n].reason);
		n++;
	}
	return n;
}

/* Read the whole of A in pieces of awkward lengths and at awkward
 * offsets; every byte must be the payload's. */
static void check_reads(struct cust_md_array *a, const struct images *im,
                        uint32_t chunk)
{
	struct cust_error err;
	size_t size = im->volume_len, off, len, i;
	unsigned char *buf = malloc(size);
	uint64_t x = 0x9e3779b97f4a7c15ull;
	static const size_t lens[] = { 1, 511, 4096, 65535, 65537, 200000 };

	assert_non_null(buf);
	assert_int_equal(cust_md_array_size(a), size);
	/* all of it at once */
	memset(buf, 0xa5, size);
	if (cust_md_array_read(a, 0, buf, size, &err) != 0)
		fail_msg("%s", cust_error_message(&err));
	assert_memory_equal(buf, im->volume, size);
	/* pieces of odd lengths, one after the other */
	for (off = 0, i = 0; off < size; off += len, i++) {
		len = lens[i % 6];
		if (len > size - off)
			len = size - off;
		memset(buf, 0x5a, len);
		assert_int_equal(cust_md_array_read(a, off, buf, len, &err), 0);
		assert_memory_equal(buf, im->volume + off, len);
	}
	/* around chunk and stripe boundaries, and random places */
	for (i = 0; i < 64; i++) {
		if (chunk && i < 16)
			off = (i + 1) * chunk - 3 < size ? (i + 1) * chunk - 3 : 0;
		else
			off = next_rand(&x) % size;
		len = (size_t)(next_rand(&x) % (3 * (chunk ? chunk : 65536))) + 1;
		if (len > size - off)
			len = size - off;
		assert_int_equal(cust_md_array_read(a, off, buf, len, &err), 0);
		assert_memory_equal(buf, im->volume + off, len);
	}
	/* the end, and past it */
	assert_int_equal(cust_md_array_read(a, size - 1, buf, 1, &err), 0);
	assert_int_equal(buf[0], im->volume[size - 1]);
	assert_int_equal(cust_md_array_read(a, size - 1, buf, 2, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_md_array_read(a, size + 1, buf, 0, &err), -1);
	assert_int_equal(cust_md_array_read(a, size, buf, 0, &err), 0);
	free(buf);
}

/* The array's record must name MISSING as missing (and as rebuilt for
 * the parity levels) and every other role present with its source. */
static void check_record(struct cust_md_array *a, unsigned missing,
                         int parity)
{
	struct cust_error err;
	json_t *o = cust_md_array_json(a, &err), *members, *v;
	size_t i, nmiss = 0;

	assert_non_null(o);
	assert_string_equal(cust_json_string(o, "uuid"), UUID_A);
	assert_true(json_is_boolean(json_object_get(o, "degraded")));
	assert_int_equal(json_is_true(json_object_get(o, "degraded")),
	                 missing != 0);
	members = json_object_get(o, "members");
	json_array_foreach(members, i, v) {
		int present = json_is_true(json_object_get(v, "present"));
		assert_int_equal(json_integer_value(json_object_get(v, "role")), i);
		assert_int_equal(present, !(missing & 1u << i));
		if (present) {
			char want[32];
			SETF(want, "m%zu.img", i);
			assert_string_equal(cust_json_string(v, "source"), want);
			assert_true(json_is_integer(json_object_get(v, "data_offset")));
		} else {
			assert_true(json_is_null(json_object_get(v, "source")));
			nmiss++;
		}
	}
	assert_int_equal(json_array_size(json_object_get(o, "missing_roles")),
	                 nmiss);
	assert_int_equal(json_array_size(json_object_get(o, "rebuilt_roles")),
	                 parity ? nmiss : 0);
	json_decref(o);
}

/* Generate N members with ARGS and read the array whole, then with each
 * set of roles of MISSING_SETS missing (0-terminated list, after the
 * whole array's 0). */
static void check_array(int n, const char *args, uint32_t chunk, int parity,
                        const unsigned *missing_sets, size_t nsets)
{
	struct images im;
	struct cust_md_member m[MAXDEV];
	struct dev blank = { 0 };
	size_t i, count;

	generate(&im, n, args);
	blank.data = calloc(1, im.dev[0].size);
	blank.size = im.dev[0].size;
	assert_non_null(blank.data);
	for (i = 0; i <= nsets; i++) {
		unsigned missing = i == 0 ? 0 : missing_sets[i - 1];
		struct cust_error err;
		struct cust_md_array *a;

		count = probe_shuffled(&im, missing, 7 + i * 31, m, &blank);
		a = cust_md_array_new(m, count, NULL, &err);
		if (!a)
			fail_msg("%s, missing 0x%x: %s", args, missing,
			         cust_error_message(&err));
		assert_int_equal(cust_md_array_degraded(a), missing != 0);
		check_reads(a, &im, chunk);
		check_record(a, missing, parity);
		cust_md_array_free(a);
	}
	free(blank.data);
	images_free(&im);
}

static const unsigned each_of_2[] = { 1, 2 };
static const unsigned each_of_3[] = { 1, 2, 4 };
static const unsigned each_of_4[] = { 1, 2, 4, 8 };
static const unsigned pairs_of_5[] = { 3, 5, 6, 9, 10, 12, 17, 18, 20, 24,
                                       1, 16 };
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- probing ---------------------------------------------------------------- */

static void test_probe_versions(void **state)
{
	static const struct {
		const char *meta;
		uint64_t data_offset;
		const char *name;
	} v[] = {
		{ "0.90", 0, "" },
		{ "1.0", 0, "srv:0" },
		{ "1.1", 2048 * 512, "srv:0" },
		{ "1.2", 2048 * 512, "srv:0" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		struct images im;
		struct cust_md_member m;
		char args[128];

		SETF(args, "--level 5 --metadata %s --events 4242",
		         v[i].meta);
		generate(&im, 4, args);
		probe_dev(&im.dev[2], &m, "m2");
		assert_true(m.found);
		if (!m.valid)
			fail_msg("%s: %s", v[i].meta, m.reason);
		assert_string_equal(m.version, v[i].meta);
		assert_string_equal(m.uuid_str, UUID_A);
		assert_string_equal(m.name, v[i].name);
		assert_int_equal(m.level, 5);
		assert_int_equal(m.layout, 2);
		assert_int_equal(m.chunk_size, 65536);
		assert_int_equal(m.raid_disks, 4);
		assert_int_equal(m.role, 2);
		assert_true(m.in_sync);
		assert_int_equal(m.data_offset, v[i].data_offset);
		assert_int_equal(m.data_size, 512 * 1024);
		assert_int_equal(m.used_size, 512 * 1024);
		assert_int_equal(m.array_size, 3 * 512 * 1024);
		assert_int_equal(m.events, 4242);
		assert_int_equal(m.ctime, 1300280700);
		assert_int_equal(m.utime, 1300284300);
		assert_int_equal(m.superblocks, 1);
		assert_string_equal(m.reason, "");
		assert_ptr_equal(m.read, dev_read);
		images_free(&im);
	}
}

static void test_probe_nothing(void **state)
{
	static const size_t sizes[] = { 0, 1, 511, 4096, 8191, 65535, 65536,
	                                131071, 131072, 1 << 20 };
	unsigned char *zero = calloc(1, 1 << 20);
	struct cust_md_member m;
	struct cust_error err;
	size_t i;

	(void)state;
	assert_non_null(zero);
	for (i = 0; i < N(sizes); i++) {
		struct dev d = { zero, sizes[i], 0, 0 };
		assert_int_equal(cust_md_probe(dev_read, &d, d.size, &m, &err), 0);
		assert_false(m.found);
		assert_int_equal(m.superblocks, 0);
	}
	/* a device that cannot be read */
	{
		struct dev d = { zero, 1 << 20, 1, 0 };
		assert_int_equal(cust_md_probe(dev_read, &d, d.size, &m, &err), -1);
		assert_non_null(strstr(err.message, "read error (test)"));
	}
	free(zero);
}

/* ---- assembly ----------------------------------------------------------------- */

static void test_raid1(void **state)
{
	(void)state;
	check_array(2, "--level 1 --metadata 1.2", 0, 0, each_of_2,
	            N(each_of_2));
	check_array(3, "--level 1 --metadata 0.90", 0, 0, (const unsigned[]){ 3,
	            5, 6 }, 3);
}

static void test_raid0_linear(void **state)
{
	(void)state;
	check_array(3, "--level 0 --chunk 64 --metadata 1.2", 65536, 0, NULL, 0);
	check_array(2, "--level 0 --chunk 4 --metadata 0.90 --data-kib 256",
	            4096, 0, NULL, 0);
	check_array(3, "--level linear --chunk 0 --metadata 1.0", 0, 0, NULL, 0);
}

static void test_raid5_left_symmetric(void **state)
{
	(void)state;
	check_array(4, "--level 5 --layout left-symmetric --metadata 1.2",
	            65536, 1, each_of_4, N(each_of_4));
	check_array(3, "--level 5 --layout left-symmetric --chunk 16 "
	            "--metadata 0.90 --data-kib 384", 16384, 1, each_of_3,
	            N(each_of_3));
}

static void test_raid5_layouts(void **state)
{
	static const char *const layouts[] = { "left-asymmetric",
		"right-asymmetric", "right-symmetric", "parity-first",
		"parity-last" };
	size_t i;

	(void)state;
	for (i = 0; i < N(layouts); i++) {
		char args[128];
		SETF(args, "--level 5 --layout %s --metadata 1.1 "
		         "--chunk 32 --data-kib 320", layouts[i]);
		check_array(5, args, 32768, 1, (const unsigned[]){ 1, 4, 16 }, 3);
	}
	/* RAID4: parity on the last member */
	check_array(3, "--level 4 --metadata 1.2", 65536, 1, each_of_3,
	            N(each_of_3));
}

static void test_raid6(void **state)
{
	(void)state;
	check_array(5, "--level 6 --layout left-symmetric --metadata 1.2",
	            65536, 1, pairs_of_5, N(pairs_of_5));
	/* Q counts the data members from the one after Q, not in the
	 * array's order of chunks */
	check_array(5, "--level 6 --layout left-asymmetric --metadata 1.2 "
	            "--chunk 16 --data-kib 320", 16384, 1, pairs_of_5,
	            N(pairs_of_5));
	check_array(6, "--level 6 --layout ddf-N-continue --metadata 1.0 "
	            "--chunk 8 --data-kib 192", 8192, 1,
	            (const unsigned[]){ 3, 12, 33, 48 }, 4);
	check_array(5, "--level 6 --layout right-symmetric-6 --metadata 0.90 "
	            "--chunk 32 --data-kib 256", 32768, 1,
	            (const unsigned[]){ 17, 6, 24 }, 3);
	check_array(4, "--level 6 --layout parity-last --metadata 1.2 "
	            "--chunk 8 --data-kib 128", 8192, 1,
	            (const unsigned[]){ 3, 12, 5 }, 3);
}

static void test_raid10(void **state)
{
	(void)state;
	check_array(4, "--level 10 --layout n2 --metadata 1.2", 65536, 0,
	            (const unsigned[]){ 1, 2, 4, 8, 5, 10, 9 }, 7);
	check_array(3, "--level 10 --layout n2 --metadata 1.2 --chunk 32 "
	            "--data-kib 384", 32768, 0, each_of_3, N(each_of_3));
	check_array(4, "--level 10 --layout f2 --metadata 1.2", 65536, 0,
	            (const unsigned[]){ 1, 8, 5 }, 3);
	check_array(3, "--level 10 --layout o2 --metadata 1.2 --chunk 16 "
	            "--data-kib 192", 16384, 0, each_of_3, N(each_of_3));
}

/* More roles missing than the level bears: an error naming them. */
static void expect_missing_error(int n, const char *args, unsigned missing,
                                 const char *want)
{
	struct images im;
	struct cust_md_member m[MAXDEV];
	struct cust_error err;
	struct dev blank = { 0 };
	size_t count;

	generate(&im, n, args);
	count = probe_shuffled(&im, missing, 5, m, &blank);
	assert_null(cust_md_array_new(m, count, NULL, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	if (!strstr(err.message, want))
		fail_msg("'%s' lacks '%s'", err.message, want);
	images_free(&im);
}

static void test_too_many_missing(void **state)
{
	(void)state;
	expect_missing_error(4, "--level 5", 0xa,
	                     "2 roles missing, more than it can lose: 1, 3");
	expect_missing_error(5, "--level 6", 0x16,
	                     "3 roles missing, more than it can lose: 1, 2, 4");
	expect_missing_error(4, "--level 10", 0x3, "missing, more than it can "
	                     "lose: 0, 1");
	expect_missing_error(3, "--level 0", 0x2, "lose: 1");
	expect_missing_error(3, "--level linear --chunk 0", 0x5, "lose: 0, 2");
}

/* ---- hostile twins ------------------------------------------------------------ */

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

static void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* Recompute the checksum of the 1.x superblock SB (as md computes it). */
static void resum1(unsigned char *sb)
{
	uint32_t len = 256 + 2 * (rd32(sb + 220) > 1920 ? 1920 : rd32(sb + 220));
	uint64_t sum = 0;
	uint32_t i;

	wr32(sb + 216, 0);
	for (i = 0; i + 4 <= len; i += 4)
		sum += rd32(sb + i);
	if (len % 4)
		sum += (uint32_t)sb[i] | (uint32_t)sb[i + 1] << 8;
	wr32(sb + 216, (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
}

static void resum090(unsigned char *sb)
{
	uint64_t sum = 0;
	uint32_t i;

	wr32(sb + 38 * 4, 0);
	for (i = 0; i < 1024; i++)
		sum += rd32(sb + 4 * i);
	wr32(sb + 38 * 4, (uint32_t)((sum & 0xffffffffu) + (sum >> 32)));
}

/* Probe a copy of D changed by FN at its superblock (at SB_OFF, 1.x
 * checksum fixed again when RESUM); the member must be found, invalid,
 * with WANT in the reason. */
static void expect_reason(const struct dev *d, uint64_t sb_off,
                          void (*fn)(unsigned char *sb), int resum,
                          const char *want)
{
	struct dev c = { malloc(d->size), d->size, 0, 0 };
	struct cust_md_member m;
	struct cust_md_array *a;
	struct cust_error err;

	assert_non_null(c.data);
	memcpy(c.data, d->data, d->size);
	fn(c.data + sb_off);
	if (resum == 1)
		resum1(c.data + sb_off);
	else if (resum == 2)
		resum090(c.data + sb_off);
	probe_dev(&c, &m, "twin");
	assert_true(m.found);
	assert_false(m.valid);
	if (!strstr(m.reason, want))
		fail_msg("reason '%s' lacks '%s'", m.reason, want);
	/* an invalid member alone makes no array, and says why */
	assert_null(a = cust_md_array_new(&m, 1, NULL, &err));
	assert_non_null(strstr(err.message, want));
	free(c.data);
}

static void huge_disks(unsigned char *sb) { wr32(sb + 92, 0xffffffffu); }
static void zero_disks(unsigned char *sb) { wr32(sb + 92, 0); }
static void zero_chunk(unsigned char *sb) { wr32(sb + 88, 0); }
static void huge_chunk(unsigned char *sb) { wr32(sb + 88, 0x80000000u); }
static void odd_chunk(unsigned char *sb) { wr32(sb + 88, 24); }
static void far_data(unsigned char *sb) { wr64(sb + 128, 1ull << 40); }
static void wrap_data(unsigned char *sb) { wr64(sb + 136, ~0ull - 100); }
static void big_size(unsigned char *sb) { wr64(sb + 80, 1ull << 33); }
static void flip_name(unsigned char *sb) { sb[40] ^= 0x20; }
static void huge_max_dev(unsigned char *sb) { wr32(sb + 220, 0x7fffffffu); }
static void far_dev_number(unsigned char *sb) { wr32(sb + 160, 5000); }
static void role_past(unsigned char *sb) { sb[256] = 9; sb[257] = 0; }
static void bad_level(unsigned char *sb) { wr32(sb + 72, (uint32_t)-4); }
static void bad_layout(unsigned char *sb) { wr32(sb + 76, 7); }
static void reshape(unsigned char *sb) { wr32(sb + 8, 4); }
static void unknown_feature(unsigned char *sb) { wr32(sb + 8, 1u << 20); }
static void moved_sb(unsigned char *sb) { wr64(sb + 144, 0); }
static void v0_disks(unsigned char *sb) { wr32(sb + 10 * 4, 100); }
static void v0_chunk(unsigned char *sb) { wr32(sb + 65 * 4, 0); }
static void v0_size(unsigned char *sb) { wr32(sb + 8 * 4, 0x7fffffffu); }
static void v0_number(unsigned char *sb) { wr32(sb + 992 * 4, 27); }
static void v0_reshape(unsigned char *sb) { wr32(sb + 2 * 4, 91); }
static void v0_flip(unsigned char *sb) { sb[600] ^= 1; }

static void test_hostile_superblocks(void **state)
{
	struct images im, old;
	uint64_t sb090;

	(void)state;
	generate(&im, 4, "--level 5 --metadata 1.2");
	expect_reason(&im.dev[1], 4096, huge_disks, 1, "raid_disks 4294967295");
	expect_reason(&im.dev[1], 4096, zero_disks, 1, "raid_disks 0 out of");
	expect_reason(&im.dev[1], 4096, zero_chunk, 1, "chunk size 0 is not");
	expect_reason(&im.dev[1], 4096, huge_chunk, 1, "chunk size 4294967295");
	expect_reason(&im.dev[1], 4096, odd_chunk, 1, "chunk size 12288");
	expect_reason(&im.dev[1], 4096, far_data, 1, "past the device's end");
	expect_reason(&im.dev[1], 4096, wrap_data, 1, "past the device's end");
	expect_reason(&im.dev[1], 4096, big_size, 1, "runs past the data area");
	expect_reason(&im.dev[1], 4096, flip_name, 0, "checksum");
	expect_reason(&im.dev[1], 4096, huge_max_dev, 1, "max_dev 2147483647");
	expect_reason(&im.dev[1], 4096, far_dev_number, 1, "device number 5000");
	expect_reason(&im.dev[0], 4096, role_past, 1, "role 9 past");
	expect_reason(&im.dev[1], 4096, bad_level, 1, "level -4 is not read");
	expect_reason(&im.dev[1], 4096, bad_layout, 1, "layout 7 is not");
	expect_reason(&im.dev[1], 4096, reshape, 1, "reshape is in progress");
	expect_reason(&im.dev[1], 4096, unknown_feature, 1, "unknown feature");
	expect_reason(&im.dev[1], 4096, moved_sb, 1, "says it is at sector 0");
	images_free(&im);

	generate(&old, 4, "--level 5 --metadata 0.90");
	sb090 = (old.dev[0].size & ~(uint64_t)65535) - 65536;
	expect_reason(&old.dev[0], sb090, v0_disks, 2, "raid_disks 100 out of");
	expect_reason(&old.dev[0], sb090, v0_chunk, 2, "chunk size 0");
	expect_reason(&old.dev[0], sb090, v0_size, 2, "runs past the superblock");
	expect_reason(&old.dev[0], sb090, v0_number, 2, "disk number 27");
	expect_reason(&old.dev[0], sb090, v0_reshape, 2, "0.91");
	expect_reason(&old.dev[0], sb090, v0_flip, 0, "checksum");
	images_free(&old);
}

/* A 0.90 superblock written by a big-endian host is read the same. */
static void test_big_endian_090(void **state)
{
	struct images im;
	struct cust_md_member m;
	uint64_t at;
	size_t i;

	(void)state;
	generate(&im, 3, "--level 1 --metadata 0.90 --events 4294967301");
	at = (im.dev[1].size & ~(uint64_t)65535) - 65536;
	for (i = 0; i < 4096; i += 4) {
		unsigned char *p = im.dev[1].data + at + i, t;
		t = p[0], p[0] = p[3], p[3] = t;
		t = p[1], p[1] = p[2], p[2] = t;
	}
	/* the 64-bit events count: its high word comes first there */
	{
		unsigned char *p = im.dev[1].data + at + 39 * 4, t[4];
		memcpy(t, p, 4);
		memcpy(p, p + 4, 4);
		memcpy(p + 4, t, 4);
	}
	probe_dev(&im.dev[1], &m, "be");
	if (!m.valid)
		fail_msg("%s", m.reason);
	assert_string_equal(m.uuid_str, UUID_A);
	assert_int_equal(m.role, 1);
	assert_int_equal(m.events, 4294967301ull);
	assert_non_null(strstr(m.note, "big-endian"));
	images_free(&im);
}

static void test_duplicate_role(void **state)
{
	struct images im;
	struct cust_md_member m[5];
	struct cust_error err;
	int i;

	(void)state;
	generate(&im, 4, "--level 5");
	for (i = 0; i < 4; i++) {
		char src[32];
		SETF(src, "m%d.img", i);
		probe_dev(&im.dev[i], &m[i], src);
	}
	probe_dev(&im.dev[2], &m[4], "copy-of-m2.img");
	assert_null(cust_md_array_new(m, 5, NULL, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "role 2 claimed by two members, "
	                                    "'m2.img' and 'copy-of-m2.img'"));
	images_free(&im);
}

static void test_other_array(void **state)
{
	struct images a, b;
	struct cust_md_member m[7];
	struct cust_md_array *arr;
	struct cust_error err;
	unsigned char uuid[16];
	json_t *o;
	int i;

	(void)state;
	generate(&a, 4, "--level 5 --seed 1");
	generate(&b, 3, "--level 5 --seed 2 --uuid "
	                "00112233445566778899aabbccddeeff");
	for (i = 0; i < 4; i++) {
		char src[32];
		SETF(src, "m%d.img", i);
		probe_dev(&a.dev[i], &m[i], src);
	}
	for (i = 0; i < 3; i++)
		probe_dev(&b.dev[i], &m[4 + i], "other.img");
	/* no UUID named: which array is meant is not guessed */
	assert_null(cust_md_array_new(m, 7, NULL, &err));
	assert_non_null(strstr(err.message, "members of different arrays"));
	assert_non_null(strstr(err.message, "00112233:44556677:8899aabb:ccddeeff"));
	/* named: the other array's members are set aside, listed */
	memcpy(uuid, m[0].uuid, 16);
	arr = cust_md_array_new(m, 7, uuid, &err);
	assert_non_null(arr);
	assert_false(cust_md_array_degraded(arr));
	check_reads(arr, &a, 65536);
	o = cust_md_array_json(arr, &err);
	assert_non_null(o);
	assert_int_equal(json_array_size(json_object_get(o, "unused")), 3);
	assert_non_null(strstr(cust_json_string(json_array_get(
		json_object_get(o, "unused"), 0), "reason"), "another array"));
	json_decref(o);
	cust_md_array_free(arr);
	/* and the other one can be read from the same list */
	memcpy(uuid, m[4].uuid, 16);
	arr = cust_md_array_new(m, 7, uuid, &err);
	assert_non_null(arr);
	check_reads(arr, &b, 65536);
	cust_md_array_free(arr);
	images_free(&a);
	images_free(&b);
}

/* A member with fewer events than the others is stale: its data is not
 * used; a RAID5 then rebuilds it. */
static void test_stale_member(void **state)
{
	struct images im, old;
	struct cust_md_member m[4];
	struct cust_md_array *a;
	struct cust_error err;
	json_t *o;
	int i;

	(void)state;
	generate(&im, 4, "--level 5 --events 50");
	generate(&old, 4, "--level 5 --events 49 --seed 9");
	for (i = 0; i < 4; i++) {
		char src[32];
		SETF(src, "m%d.img", i);
		probe_dev(i == 3 ? &old.dev[3] : &im.dev[i], &m[i], src);
	}
	a = cust_md_array_new(m, 4, NULL, &err);
	assert_non_null(a);
	assert_true(cust_md_array_degraded(a));
	check_reads(a, &im, 65536);
	o = cust_md_array_json(a, &err);
	assert_non_null(strstr(cust_json_string(json_array_get(
		json_object_get(o, "unused"), 0), "reason"), "stale: 49 events"));
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(o, "rebuilt_roles"), 0)), 3);
	json_decref(o);
	cust_md_array_free(a);
	images_free(&im);
	images_free(&old);
}

/* A member that fails to read fails the read and names its role; a RAID1
 * reads the other copy. */
static void test_read_failure(void **state)
{
	struct images im;
	struct cust_md_member m[2];
	struct cust_md_array *a;
	struct cust_error err;
	unsigned char buf[100];

	(void)state;
	generate(&im, 2, "--level 0");
	probe_dev(&im.dev[0], &m[0], "m0.img");
	probe_dev(&im.dev[1], &m[1], "m1.img");
	a = cust_md_array_new(m, 2, NULL, &err);
	assert_non_null(a);
	im.dev[1].fail = 1;
	assert_int_equal(cust_md_array_read(a, 65536, buf, 100, &err), -1);
	assert_non_null(strstr(err.message, "role 1 ('m1.img')"));
	assert_non_null(strstr(err.message, "read error (test)"));
	cust_md_array_free(a);
	images_free(&im);

	generate(&im, 2, "--level 1");
	probe_dev(&im.dev[0], &m[0], "m0.img");
	probe_dev(&im.dev[1], &m[1], "m1.img");
	a = cust_md_array_new(m, 2, NULL, &err);
	assert_non_null(a);
	im.dev[0].fail = 1;
	assert_int_equal(cust_md_array_read(a, 1000, buf, 100, &err), 0);
	assert_memory_equal(buf, im.volume + 1000, 100);
	im.dev[1].fail = 1;
	assert_int_equal(cust_md_array_read(a, 1000, buf, 100, &err), -1);
	cust_md_array_free(a);
	images_free(&im);
}

static void test_record(void **state)
{
	struct images im;
	struct cust_md_member m[4];
	struct cust_md_array *a;
	struct cust_error err;
	json_t *o;
	int i;

	(void)state;
	generate(&im, 4, "--level 5 --name srv:data");
	for (i = 0; i < 3; i++) {
		char src[32];
		SETF(src, "m%d.img", i);
		probe_dev(&im.dev[i], &m[i], src);
	}
	/* a device name that is not UTF-8 (a Latin-1 file name) */
	SETF(m[0].source, "disk\xe9.img");
	a = cust_md_array_new(m, 3, NULL, &err);
	assert_non_null(a);
	o = cust_md_array_json(a, &err);
	if (!o)
		fail_msg("%s", cust_error_message(&err));
	assert_string_equal(cust_json_string(json_array_get(
		json_object_get(o, "members"), 0), "source"), "disk\\xe9.img");
	assert_string_equal(cust_json_string(o, "uuid"), UUID_A);
	assert_string_equal(cust_json_string(o, "name"), "srv:data");
	assert_string_equal(cust_json_string(o, "metadata"), "1.2");
	assert_string_equal(cust_json_string(o, "level"), "raid5");
	assert_string_equal(cust_json_string(o, "layout"), "left-symmetric");
	assert_int_equal(json_integer_value(json_object_get(o, "chunk_size")),
	                 65536);
	assert_int_equal(json_integer_value(json_object_get(o, "raid_disks")), 4);
	assert_int_equal(json_integer_value(json_object_get(o, "size")),
	                 3 * 512 * 1024);
	assert_int_equal(json_integer_value(json_object_get(o, "events")), 42);
	assert_true(json_is_true(json_object_get(o, "degraded")));
	assert_int_equal(json_integer_value(json_array_get(
		json_object_get(o, "rebuilt_roles"), 0)), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(o, "members"), 1), "data_offset")), 1 << 20);
	json_decref(o);
	cust_md_array_free(a);
	images_free(&im);
}

static void test_layout_names(void **state)
{
	char buf[48];

	(void)state;
	assert_string_equal(cust_md_layout_name(5, 2, buf, sizeof buf),
	                    "left-symmetric");
	assert_string_equal(cust_md_layout_name(6, 9, buf, sizeof buf),
	                    "ddf-N-restart");
	assert_string_equal(cust_md_layout_name(6, 18, buf, sizeof buf),
	                    "left-symmetric-6");
	assert_string_equal(cust_md_layout_name(10, 0x102, buf, sizeof buf),
	                    "near=2");
	assert_string_equal(cust_md_layout_name(10, 0x201, buf, sizeof buf),
	                    "far=2");
	assert_string_equal(cust_md_layout_name(10, 0x10201, buf, sizeof buf),
	                    "offset=2");
	assert_string_equal(cust_md_layout_name(10, 0x202, buf, sizeof buf),
	                    "near=2, far=2");
	assert_null(cust_md_layout_name(5, 8, buf, sizeof buf));
	assert_null(cust_md_layout_name(1, 0, buf, sizeof buf));
	assert_null(cust_md_layout_name(5, 2, buf, 4));
	assert_string_equal(cust_md_level_name(CUST_MD_LINEAR), "linear");
	assert_null(cust_md_level_name(-4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_versions),
		cmocka_unit_test(test_probe_nothing),
		cmocka_unit_test(test_raid1),
		cmocka_unit_test(test_raid0_linear),
		cmocka_unit_test(test_raid5_left_symmetric),
		cmocka_unit_test(test_raid5_layouts),
		cmocka_unit_test(test_raid6),
		cmocka_unit_test(test_raid10),
		cmocka_unit_test(test_too_many_missing),
		cmocka_unit_test(test_hostile_superblocks),
		cmocka_unit_test(test_big_endian_090),
		cmocka_unit_test(test_duplicate_role),
		cmocka_unit_test(test_other_array),
		cmocka_unit_test(test_stale_member),
		cmocka_unit_test(test_read_failure),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_layout_names),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
