/* test_lvm_meta.c - unit tests of custody's reading of LVM2's on-disk
 * metadata (lib/lvm_meta.h): the head of a real physical volume made by
 * pvcreate/vgcreate/lvcreate -i 2 -I 64k (tests/fixtures/lvm/
 * striped-pv0.bin: its label, metadata area header and text), and hostile
 * twins of each piece.
 *
 * The fixture is found under $CUSTODY_TOP (set by tests/run.sh), else
 * under the current folder (make runs from the top of the tree). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/lvm_meta.h"
#include "testutil.h"

#define HEAD_MAX 65536

static unsigned char head[HEAD_MAX];
static size_t head_len;

/* the metadata area of the fixture: where pvcreate puts it */
#define MDA 4096u

static int load_fixture(void **state)
{
	const char *t = getenv("CUSTODY_TOP");
	char path[CUST_PATH_MAX];
	FILE *f;

	(void)state;
	if (snprintf(path, sizeof path, "%s/tests/fixtures/lvm/striped-pv0.bin",
	             t && *t ? t : ".") >= (int)sizeof path ||
	    !(f = fopen(path, "rb")))
		return -1;
	head_len = fread(head, 1, sizeof head, f);
	fclose(f);
	return head_len > MDA + CUST_LVM_META_HEADER ? 0 : -1;
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

static void wr64(unsigned char *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

/* The fixture's current text (a copy, NUL-terminated) and its length. */
static char *fixture_text(size_t *len)
{
	struct cust_lvm_meta_area a;
	struct cust_error err;
	char *text;

	assert_int_equal(cust_lvm_meta_area(head + MDA, CUST_LVM_META_HEADER,
	                                    1044480, &a, &err), 0);
	assert_true(MDA + a.text_off + a.text_size <= head_len);
	text = calloc(1, (size_t)a.text_size + 1);
	assert_non_null(text);
	memcpy(text, head + MDA + a.text_off, (size_t)a.text_size);
	*len = (size_t)a.text_size;
	return text;
}

/* TEXT with the first OLD replaced by NEW (a new string). */
static char *patched(const char *text, const char *old, const char *new_)
{
	const char *at = strstr(text, old);
	size_t n = strlen(text) - strlen(old) + strlen(new_);
	char *out = malloc(n + 1);

	assert_non_null(at);
	assert_non_null(out);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), new_, strlen(new_));
	memcpy(out + (at - text) + strlen(new_), at + strlen(old),
	       strlen(at + strlen(old)) + 1);
	return out;
}

/* Parse TEXT: the metadata, or NULL with ERR. */
static struct cust_lvm_meta *parse(const char *text, struct cust_error *err)
{
	struct cust_lvm_meta *m = NULL;

	cust_error_clear(err);
	if (cust_lvm_meta_parse(text, strlen(text), &m, err) < 0)
		assert_null(m);
	return m;
}

/* ---- the real volume ------------------------------------------------------ */

static void test_crc(void **state)
{
	(void)state;
	/* as LVM2's calc_crc: zlib's CRC-32 without its inversions */
	assert_int_equal(cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT,
	                                   "123456789", 9), 0x4991cf02u);
	assert_int_equal(cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, "", 0),
	                 CUST_LVM_META_CRC_INIT);
	/* in two pieces, as a wrapped text is checked */
	assert_int_equal(cust_lvm_meta_crc(cust_lvm_meta_crc(
		CUST_LVM_META_CRC_INIT, "1234", 4), "56789", 5), 0x4991cf02u);
}

static void test_label(void **state)
{
	struct cust_lvm_meta_label lab;
	struct cust_error err;

	(void)state;
	assert_int_equal(cust_lvm_meta_label(head, 2048, &lab, &err), 0);
	assert_int_equal(lab.sector, 1);
	assert_true(lab.crc_ok);
	assert_int_equal(strlen(lab.uuid), 38);
	assert_int_equal(lab.dev_size, 16777216);
	assert_int_equal(lab.data_off, 1048576);
	assert_int_equal(lab.nmdas, 1);
	assert_int_equal(lab.mda_off[0], MDA);
	assert_int_equal(lab.mda_off[0] + lab.mda_size[0], 1048576);
}

static void test_area_and_text(void **state)
{
	struct cust_lvm_meta_area a;
	struct cust_lvm_meta *m;
	struct cust_error err;
	const struct cust_lvm_meta_lv *root, *data;
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(cust_lvm_meta_area(head + MDA, CUST_LVM_META_HEADER,
	                                    1044480, &a, &err), 0);
	assert_true(a.crc_ok);
	assert_int_equal(a.piece_off[0], a.text_off);
	assert_int_equal(a.piece_len[0], a.text_size);
	assert_int_equal(a.piece_len[1], 0);
	text = fixture_text(&len);
	assert_int_equal(cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, text, len),
	                 a.text_crc);
	/* the length LVM2 gives counts its closing NUL */
	assert_int_equal(text[len - 1], '\0');
	assert_int_equal(cust_lvm_meta_parse(text, len, &m, &err), 0);
	assert_string_equal(m->vg_name, "vg0");
	assert_int_equal(strlen(m->vg_uuid), 38);
	assert_int_equal(m->extent_size, 4194304);
	assert_int_equal(m->seqno, 3);
	assert_int_equal(m->npvs, 2);
	assert_string_equal(m->pvs[0].name, "pv0");
	assert_string_equal(m->pvs[1].name, "pv1");
	assert_string_equal(m->pvs[0].device, "/dev/loop0");
	assert_int_equal(m->pvs[1].pe_start, 1048576);
	assert_int_equal(m->pvs[1].pe_count, 3);
	assert_int_equal(m->pvs[1].dev_size, 16777216);
	assert_int_equal(m->nlvs, 2);
	assert_int_equal(m->lvs_total, 2);
	root = &m->lvs[0];
	data = &m->lvs[1];
	assert_string_equal(root->name, "root");
	assert_string_equal(root->damage, "");
	assert_true(root->visible);
	assert_int_equal(root->extents, 2);
	assert_int_equal(root->nsegs, 1);
	assert_true(root->segs[0].striped);
	assert_int_equal(root->segs[0].stripe_count, 2);
	assert_int_equal(root->segs[0].stripe_size, 65536);
	assert_int_equal(root->segs[0].nstripes, 2);
	assert_int_equal(root->segs[0].stripes[0].pv, 0);
	assert_int_equal(root->segs[0].stripes[1].pv, 1);
	assert_int_equal(root->segs[0].stripes[1].start_extent, 0);
	assert_string_equal(data->name, "data");
	assert_int_equal(data->segs[0].stripe_count, 1);
	assert_int_equal(data->segs[0].stripe_size, 0);
	assert_int_equal(data->segs[0].stripes[0].pv, 0);
	assert_int_equal(data->segs[0].stripes[0].start_extent, 1);
	cust_lvm_meta_free(m);
	free(text);
}

/* ---- hostile twins: the label and the area header ------------------------ */

static void test_label_hostile(void **state)
{
	unsigned char buf[2048];
	struct cust_lvm_meta_label lab;
	struct cust_error err;

	(void)state;
	memcpy(buf, head, sizeof buf);
	buf[512 + 32 + 32 + 1] ^= 1; /* the device size: the checksum is told */
	assert_int_equal(cust_lvm_meta_label(buf, sizeof buf, &lab, &err), 0);
	assert_false(lab.crc_ok);
	memcpy(buf, head, sizeof buf);
	wr32(buf + 512 + 20, 500); /* the pv_header past the sector */
	assert_int_equal(cust_lvm_meta_label(buf, sizeof buf, &lab, &err), -1);
	assert_non_null(strstr(err.message, "header lies at byte 500"));
	/* the lists run to the end of the sector without their zeros */
	memcpy(buf, head, sizeof buf);
	memset(buf + 512 + 32 + 40, 0xff, 512 - 72);
	assert_int_equal(cust_lvm_meta_label(buf, sizeof buf, &lab, &err), -1);
	assert_non_null(strstr(err.message, "does not end in its sector"));
	/* no label in the bytes given */
	assert_int_equal(cust_lvm_meta_label(buf, 512, &lab, &err), -1);
}

static void test_area_hostile(void **state)
{
	unsigned char hdr[CUST_LVM_META_HEADER];
	struct cust_lvm_meta_area a;
	struct cust_error err;

	(void)state;
	/* a bad header checksum: said, and read anyway */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr32(hdr, rd32(hdr) ^ 1);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 0);
	assert_false(a.crc_ok);
	/* the text past the area */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr64(hdr + 40, 1044480);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	assert_non_null(strstr(err.message, "of an area of 1044480 bytes"));
	/* its size larger than the area */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr64(hdr + 48, UINT64_MAX);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	/* inside the area but larger than is read */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr64(hdr + 32, 64u << 20);
	wr64(hdr + 48, CUST_LVM_META_TEXT_MAX + 1ull);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 64u << 20, &a,
	                                    &err), -1);
	assert_non_null(strstr(err.message, "at most"));
	/* inside the header */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr64(hdr + 40, 8);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	/* wrapping: the rest after the header, as LVM2 writes it */
	memcpy(hdr, head + MDA, sizeof hdr);
	wr64(hdr + 40, 1044480 - 1000);
	wr64(hdr + 48, 1493);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 0);
	assert_int_equal(a.piece_off[0], 1044480 - 1000);
	assert_int_equal(a.piece_len[0], 1000);
	assert_int_equal(a.piece_off[1], CUST_LVM_META_HEADER);
	assert_int_equal(a.piece_len[1], 493);
	/* wrapping over its own start: more than the area holds */
	wr64(hdr + 40, 1024);
	wr64(hdr + 48, 1044480 - CUST_LVM_META_HEADER + 1);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	/* no magic, or no text */
	memcpy(hdr, head + MDA, sizeof hdr);
	hdr[5] = 'X';
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	memcpy(hdr, head + MDA, sizeof hdr);
	memset(hdr + 40, 0, 16);
	assert_int_equal(cust_lvm_meta_area(hdr, sizeof hdr, 1044480, &a, &err),
	                 -1);
	assert_non_null(strstr(err.message, "holds no metadata"));
}

/* ---- hostile twins: the text ---------------------------------------------- */

static void test_text_checksum(void **state)
{
	struct cust_lvm_meta_area a;
	struct cust_error err;
	size_t len;
	char *text = fixture_text(&len), *bad;

	(void)state;
	assert_int_equal(cust_lvm_meta_area(head + MDA, CUST_LVM_META_HEADER,
	                                    1044480, &a, &err), 0);
	bad = patched(text, "seqno = 3", "seqno = 4");
	assert_int_not_equal(cust_lvm_meta_crc(CUST_LVM_META_CRC_INIT, bad,
	                                       len), a.text_crc);
	free(bad);
	free(text);
}

static void expect_refused(const char *text, const char *why)
{
	struct cust_error err;
	struct cust_lvm_meta *m = parse(text, &err);

	assert_null(m);
	if (!strstr(err.message, why))
		fail_msg("'%s' does not say '%s'", err.message, why);
}

static void test_syntax(void **state)
{
	size_t len;
	char *text = fixture_text(&len), *bad;

	(void)state;
	/* a brace missing, a brace too many */
	bad = strdup(text);
	*strrchr(bad, '}') = ' ';
	expect_refused(bad, "without its closing }");
	free(bad);
	bad = patched(text, "physical_volumes {", "physical_volumes { } }");
	expect_refused(bad, "closes no section");
	free(bad);
	expect_refused("vg0 { id = \"abc }\n", "without its closing quote");
	bad = patched(text, "seqno = 3", "seqno = 99999999999999999999999");
	expect_refused(bad, "too large");
	free(bad);
	bad = patched(text, "flags = []", "flags = [\"a\" \"b\"]");
	expect_refused(bad, "separated by a comma");
	free(bad);
	bad = patched(text, "seqno = 3", "seqno 3");
	expect_refused(bad, "not followed by { or =");
	free(bad);
	bad = patched(text, "extent_size = 8192", "extent_size = 0");
	expect_refused(bad, "without an extent_size");
	free(bad);
	bad = patched(text, "id = \"WU5EEC", "uid = \"WU5EEC");
	expect_refused(bad, "physical volume pv0 without its id");
	free(bad);
	bad = patched(text, "pv1 {", "pv0 {");
	expect_refused(bad, "listed twice");
	free(bad);
	expect_refused("", "without a volume group");
	expect_refused("a { extent_size = 1 } b { }", "more than one");
	free(text);
}

static void test_nesting(void **state)
{
	size_t n = 10000, i;
	char *deep = malloc(n * 4 + 16);

	(void)state;
	assert_non_null(deep);
	for (i = 0; i < n; i++)
		memcpy(deep + i * 4, "a { ", 4);
	deep[n * 4] = '\0';
	expect_refused(deep, "nested too deep");
	for (i = 0; i < n; i++)
		memcpy(deep + i * 4, "a = ", 4); /* a chain of keys: no value */
	expect_refused(deep, "a value that is not");
	free(deep);
}

static void test_items_and_size(void **state)
{
	size_t n = CUST_LVM_META_ITEMS_MAX + 10, i, len = 0, cap = n * 2 + 64;
	char *many = malloc(cap);
	struct cust_lvm_meta *m = NULL;
	struct cust_error err;

	(void)state;
	assert_non_null(many);
	appendf(many, cap, &len, "v { x = [");
	for (i = 0; i < n; i++)
		appendf(many, cap, &len, "1,");
	appendf(many, cap, &len, "] }");
	expect_refused(many, "more than 262144 items");
	assert_int_equal(cust_lvm_meta_parse(many, CUST_LVM_META_TEXT_MAX + 1ul,
	                                     &m, &err), -1);
	assert_non_null(strstr(err.message, "at most"));
	free(many);
}

/* A volume whose metadata is hostile is damaged; the others are kept. */
static void expect_damage(const char *text, const char *lv, const char *why)
{
	struct cust_error err;
	struct cust_lvm_meta *m = parse(text, &err);
	size_t i;

	if (!m)
		fail_msg("refused: %s", err.message);
	for (i = 0; i < m->nlvs && strcmp(m->lvs[i].name, lv); i++)
		;
	assert_true(i < m->nlvs);
	if (!strstr(m->lvs[i].damage, why))
		fail_msg("'%s' does not say '%s'", m->lvs[i].damage, why);
	for (i = 0; i < m->nlvs; i++)
		if (strcmp(m->lvs[i].name, lv) != 0)
			assert_string_equal(m->lvs[i].damage, "");
	cust_lvm_meta_free(m);
}

static void test_volume_damage(void **state)
{
	size_t len;
	char *text = fixture_text(&len), *bad;

	(void)state;
	bad = patched(text, "stripe_count = 2", "stripe_count = 3");
	expect_damage(bad, "root", "a stripes list of 2 stripes, its "
	              "stripe_count says 3");
	free(bad);
	bad = patched(text, "\"pv1\", 0", "\"pv7\", 0");
	expect_damage(bad, "root", "a physical volume the group does not "
	              "list");
	free(bad);
	bad = patched(text, "stripe_count = 2", "stripe_count = 99999999999");
	expect_damage(bad, "root", "stripe_count");
	free(bad);
	bad = patched(text, "stripe_size = 128", "stripe_size = 0");
	expect_damage(bad, "root", "without a stripe_size");
	free(bad);
	bad = patched(text, "\"pv1\", 0", "\"pv1\"");
	expect_damage(bad, "root", "odd length");
	free(bad);
	bad = patched(text, "extent_count = 2", "extent_count = 3");
	expect_damage(bad, "root", "do not divide");
	free(bad);
	/* 2^62 extents of 4 MiB: past 2^63 bytes */
	bad = patched(text, "extent_count = 1",
	              "extent_count = 4611686018427387904");
	expect_damage(bad, "data", "2^63");
	free(bad);
	bad = patched(text, "start_extent = 0\nextent_count = 1",
	              "start_extent = 1\nextent_count = 1");
	expect_damage(bad, "data", "leave a gap");
	free(bad);
	free(text);
}

static void test_second_name(void **state)
{
	struct cust_error err;
	struct cust_lvm_meta *m;
	size_t len;
	char *text = fixture_text(&len), *bad;

	(void)state;
	bad = patched(text, "data {", "root {");
	m = parse(bad, &err);
	assert_non_null(m);
	assert_int_equal(m->nlvs, 2);
	assert_string_equal(m->lvs[0].damage, "");
	assert_non_null(strstr(m->lvs[1].damage, "a second logical volume"));
	cust_lvm_meta_free(m);
	free(bad);
	free(text);
}

static void test_types(void **state)
{
	struct cust_error err;
	struct cust_lvm_meta *m;
	size_t len;
	char *text = fixture_text(&len), *bad;

	(void)state;
	/* a raid1 segment: its type kept, not taken for striped */
	bad = patched(text, "type = \"striped\"", "type = \"raid1\"");
	m = parse(bad, &err);
	assert_non_null(m);
	assert_false(m->lvs[0].segs[0].striped);
	assert_string_equal(m->lvs[0].segs[0].type, "raid1");
	assert_int_equal(m->lvs[0].segs[0].nstripes, 0);
	assert_string_equal(m->lvs[0].damage, "");
	assert_true(m->lvs[1].segs[0].striped);
	cust_lvm_meta_free(m);
	free(bad);
	bad = patched(text, "type = \"striped\"",
	              "type = \"a-type-longer-than-thirty-one-bytes\"");
	expect_damage(bad, "root", "no type, or one longer");
	free(bad);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc),
		cmocka_unit_test(test_label),
		cmocka_unit_test(test_area_and_text),
		cmocka_unit_test(test_label_hostile),
		cmocka_unit_test(test_area_hostile),
		cmocka_unit_test(test_text_checksum),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_items_and_size),
		cmocka_unit_test(test_volume_damage),
		cmocka_unit_test(test_second_name),
		cmocka_unit_test(test_types),
	};

	return cmocka_run_group_tests(tests, load_fixture, NULL);
}
