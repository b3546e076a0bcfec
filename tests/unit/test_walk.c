/* test_walk.c - unit tests of the disk image walk (include/custody/walk.h)
 * on the public dfvfs and DFTT images and on images built here with
 * mkfs.fat/mtools and mke2fs -d, plus hostile twins of them. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custody/digest.h"
#include "custody/walk.h"
#include "testutil.h"

/* Under `make asan`: libtsk leaks a block for each damaged ext4 extent
 * tree these tests walk (tests/lsan.supp); its frames lack frame
 * pointers, so the suppression needs the slow unwinder to see the
 * exported function the leak goes through.  Unused in other builds. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

#define MAX_REC 2048
#define READ_MAX (16u << 20)

/* One entry as seen by the callback, content hashed there. */
struct rec {
	char part[8];
	char path[CUST_WALK_PATH_MAX];
	char link[CUST_WALK_LINK_MAX];
	int name_alloc, meta_alloc, orphan, read_ok;
	int mtime, crtime; /* present */
	int64_t mtime_sec;
	enum cust_walk_type type;
	enum cust_walk_content content;
	uint64_t size, meta_addr;
	size_t nruns;
	char md5[CUST_DIGEST_HEX_MAX];
};

struct recs {
	size_t n;
	struct rec r[MAX_REC];
};

static int collect(void *ctx, const struct cust_walk_entry *e,
                   struct cust_walk_file *f, struct cust_error *err)
{
	struct recs *rs = ctx;
	struct rec *r;
	unsigned char *buf;
	size_t got = 0, want;

	(void)err;
	assert_true(rs->n < MAX_REC);
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->part, sizeof r->part, "%s", e->partition);
	snprintf(r->path, sizeof r->path, "%s", e->path);
	if (e->link_target)
		snprintf(r->link, sizeof r->link, "%s", e->link_target);
	r->name_alloc = e->name_allocated;
	r->meta_alloc = e->meta_allocated;
	r->orphan = e->orphan;
	r->type = e->type;
	r->content = e->content;
	r->size = e->size;
	r->meta_addr = e->meta_addr;
	r->nruns = e->nruns;
	r->mtime = e->mtime.present;
	r->crtime = e->crtime.present;
	r->mtime_sec = e->mtime.sec;
	if (e->type != CUST_WALK_REGULAR || e->size > READ_MAX)
		return 0;
	want = (size_t)e->size;
	buf = malloc(want ? want : 1);
	assert_non_null(buf);
	r->read_ok = cust_walk_read(f, 0, buf, want, &got, NULL) == 0 &&
	             got == want;
	if (r->read_ok)
		hex_of(CUST_DIGEST_MD5, buf, got, r->md5);
	free(buf);
	return 0;
}

/* Walk PATHS into RS (allocated here, freed by the caller) and REPORT. */
static int walk(const char *const *paths, size_t n, struct recs **rs,
                json_t **report, struct cust_error *err)
{
	struct cust_walk_options o = { .include_deleted = 1 };

	*rs = calloc(1, sizeof **rs);
	assert_non_null(*rs);
	*report = json_object();
	return cust_walk_image(paths, n, &o, collect, *rs, *report, err);
}

static const struct rec *find(const struct recs *rs, const char *part,
                              const char *path)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].path, path) == 0 &&
		    (!part || strcmp(rs->r[i].part, part) == 0))
			return &rs->r[i];
	return NULL;
}

static void run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		print_message("command failed (%d): %s\n", rc, cmd);
	assert_int_equal(rc, 0);
}

/* Unzip the DFTT zip NAME into TMPDIR and put the path of its IMAGE in OUT. */
static void dftt(const char *name, const char *image, char *out)
{
	char zip[CUST_PATH_MAX], cmd[3 * CUST_PATH_MAX], file[CUST_PATH_MAX];

	testdata_path(zip, "dftt", name);
	if (system("command -v unzip >/dev/null 2>&1") != 0) {
		print_message("# unzip missing (Debian package unzip): skipped\n");
		skip();
	}
	snprintf(cmd, sizeof cmd, "unzip -oq '%s' -d '%s'", zip, tmpdir);
	run(cmd);
	snprintf(file, sizeof file, "%.*s/%s", (int)(strlen(name) - 4), name,
	         image);
	tpath(out, file);
}

/* ---- pure functions ---------------------------------------------------- */

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(cust_walk_escape("a/b c", 5, out, sizeof out), 0);
	assert_string_equal(out, "a/b c");
	assert_int_equal(cust_walk_escape("\xc3\xa9t\xc3\xa9", 5, out, sizeof out), 0);
	assert_string_equal(out, "\xc3\xa9t\xc3\xa9");
	assert_int_equal(cust_walk_escape("a\nb\\c\xff\xc3", 7, out, sizeof out), 0);
	assert_string_equal(out, "a\\x0ab\\x5cc\\xff\\xc3");
	/* overlong '/', a surrogate, a C1 control */
	cust_walk_escape("\xc0\xaf\xed\xa0\x80\xc2\x85", 7, out, sizeof out);
	assert_string_equal(out, "\\xc0\\xaf\\xed\\xa0\\x80\\xc2\\x85");
	/* cut before an escape, never inside one */
	assert_int_equal(cust_walk_escape("abc\x01", 4, out, 6), 1);
	assert_string_equal(out, "abc");
	assert_int_equal(cust_walk_escape("ab\xc3\xa9", 4, out, 4), 1);
	assert_string_equal(out, "ab");
}

static void test_segments(void **state)
{
	char p[CUST_PATH_MAX];
	char **segs;
	size_t n;
	const char *names[] = { "d.000", "d.001", "d.002", "e.E01", "e.E02",
	                        "f.raw", "g.001", "g.003" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		tpath(p, names[i]);
		write_file(p, "x", 1);
	}
	tpath(p, "d.000");
	assert_int_equal(cust_walk_segments(p, &segs, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_non_null(strstr(segs[2], "d.002"));
	cust_walk_segments_free(segs, n);
	tpath(p, "e.E01");
	assert_int_equal(cust_walk_segments(p, &segs, &n, NULL), 0);
	assert_int_equal(n, 2);
	cust_walk_segments_free(segs, n);
	tpath(p, "f.raw");
	assert_int_equal(cust_walk_segments(p, &segs, &n, NULL), 0);
	assert_int_equal(n, 1);
	cust_walk_segments_free(segs, n);
	/* a gap ends the set */
	tpath(p, "g.001");
	assert_int_equal(cust_walk_segments(p, &segs, &n, NULL), 0);
	assert_int_equal(n, 1);
	cust_walk_segments_free(segs, n);
}

/* ---- dfvfs: one ext2 in every container -------------------------------- */

static void check_dfvfs(const struct recs *rs)
{
	const struct rec *r;

	r = find(rs, "p0", "/passwords.txt");
	assert_non_null(r);
	assert_true(r->read_ok);
	assert_string_equal(r->md5, "39cb097008d17660abd0539891a672af");
	assert_int_equal(r->content, CUST_WALK_CONTENT_ALLOCATED);
	assert_true(r->mtime);
	assert_false(r->crtime); /* ext2 has no creation time */
	assert_non_null(r = find(rs, "p0", "/a_directory/a_file"));
	assert_true(r->read_ok);
	assert_non_null(r = find(rs, "p0", "/a_directory/another_file"));
	assert_true(r->read_ok);
	assert_non_null(r = find(rs, "p0", "/a_directory"));
	assert_int_equal(r->type, CUST_WALK_DIRECTORY);
	assert_non_null(r = find(rs, "p0", "/lost+found"));
	assert_int_equal(r->type, CUST_WALK_DIRECTORY);
	assert_non_null(r = find(rs, "p0", "/a_link"));
	assert_int_equal(r->type, CUST_WALK_SYMLINK);
	assert_string_equal(r->link, "a_directory/another_file");
}

/* The same entries (path, addresses, flags, content hashes) in A and B. */
static void assert_same(const struct recs *a, const struct recs *b)
{
	size_t i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_string_equal(a->r[i].part, b->r[i].part);
		assert_string_equal(a->r[i].path, b->r[i].path);
		assert_string_equal(a->r[i].md5, b->r[i].md5);
		assert_string_equal(a->r[i].link, b->r[i].link);
		assert_int_equal(a->r[i].meta_addr, b->r[i].meta_addr);
		assert_int_equal(a->r[i].size, b->r[i].size);
		assert_int_equal(a->r[i].name_alloc, b->r[i].name_alloc);
		assert_int_equal(a->r[i].content, b->r[i].content);
	}
}

static void test_dfvfs_containers(void **state)
{
	static const struct {
		const char *files[2];
		size_t n;
		const char *type;
	} cases[] = {
		{ { "ext2.splitraw.000", "ext2.splitraw.001" }, 2, "raw" },
		{ { "ext2.splitraw.000", NULL }, 1, "raw" },
		{ { "ext2.E01", NULL }, 1, "ewf" },
		{ { "ext2.split.E01", "ext2.split.E02" }, 2, "ewf" },
		{ { "ext2.split.E01", NULL }, 1, "ewf" },
		{ { "ext2.vmdk", NULL }, 1, "vmdk" },
		{ { "ext2.vhd", NULL }, 1, "vhd" },
		{ { "ext2.qcow2", NULL }, 1, "qcow" },
	};
	struct recs *ref = NULL;
	size_t c;

	(void)state;
	for (c = 0; c < sizeof cases / sizeof *cases; c++) {
		char p0[CUST_PATH_MAX], p1[CUST_PATH_MAX];
		const char *paths[2] = { p0, p1 };
		struct recs *rs;
		json_t *report;
		struct cust_error err;
		json_t *cont;
		int rc;

		testdata_path(p0, "dfvfs", cases[c].files[0]);
		if (cases[c].n > 1)
			testdata_path(p1, "dfvfs", cases[c].files[1]);
		rc = walk(paths, cases[c].n, &rs, &report, &err);
		if (rc != 0)
			print_message("%s: %s\n", p0, cust_error_message(&err));
		assert_int_equal(rc, 0);
		cont = json_object_get(report, "container");
		assert_string_equal(cust_json_string(cont, "type"), cases[c].type);
		/* the split sets found from their first segment */
		assert_int_equal(json_array_size(json_object_get(cont, "segments")),
		                 strstr(p0, "split") ? 2 : 1);
		check_dfvfs(rs);
		assert_true(json_is_null(json_object_get(report, "volume_system")));
		assert_true(json_is_true(json_object_get(report, "complete")));
		if (!ref)
			ref = rs;
		else {
			assert_same(ref, rs);
			free(rs);
		}
		json_decref(report);
	}
	free(ref);
}

/* ---- DFTT -------------------------------------------------------------- */

/*
 * 6-undel-fat, values from its index.html ("Files" table and "Incorrect
 * MD5" table).  FAT keeps a deleted name minus its first character, which
 * libtsk shows as '_'.  The fragmented files (frag1, frag2, frag3) read
 * as the contiguous guess gives exactly the "incorrect" MD5s index.html
 * lists, which is why they are only "recovered-unverified".
 */
static void test_dftt_fat(void **state)
{
	static const struct {
		const char *path, *md5;
	} want[] = {
		{ "/_ing.dat", "59b20779f69ff9f0ac5fcd2c38835a79" },
		{ "/_ult1.dat", "ffd27bd782bdce67750b6b9ee069d2ef" },
		{ "/_ir1/mult2.dat", "59cf0e9cd107bc1e75afb7374f6e05bb" },
		/* fragmented: index.html's "incorrect" hashes */
		{ "/_rag1.dat", "c4f3b9a0f17d464f4fc61b94ecf6cc21" },
		{ "/_rag2.dat", "965370acfa85aa7e26ab04bbd45cdcae" },
		{ "/_ir1/dir2/frag3.dat", "a7a14ac62f79fdea4056ed5e8bcf97ef" },
	};
	char img[CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;
	const struct rec *r;
	size_t i;

	(void)state;
	dftt("6-undel-fat.zip", "6-fat-undel.dd", img);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		r = find(rs, "p0", want[i].path);
		if (!r)
			print_message("missing %s\n", want[i].path);
		assert_non_null(r);
		assert_false(r->name_alloc);
		assert_false(r->meta_alloc);
		assert_true(r->read_ok);
		assert_string_equal(r->md5, want[i].md5);
		assert_int_equal(r->content, CUST_WALK_CONTENT_RECOVERED);
	}
	assert_non_null(r = find(rs, "p0", "/_ir1"));
	assert_int_equal(r->type, CUST_WALK_DIRECTORY);
	assert_false(r->name_alloc);
	assert_non_null(find(rs, "p0", "/_ir1/dir2"));
	assert_string_equal(cust_json_string(
		json_array_get(json_object_get(report, "partitions"), 0), "fs_type"),
		"fat16");
	json_decref(report);
	free(rs);
}

/* 7-undel-ntfs, values from its index.html ("Files" table).  sing2.dat's
 * folder dir3 had its MFT entry reused (by res1.dat), so it is reached
 * through libtsk's $OrphanFiles. */
static void test_dftt_ntfs(void **state)
{
	static const struct {
		const char *path, *md5;
	} want[] = {
		{ "/res1.dat", "9036637712b491904cd0bfbdbe648453" },
		{ "/sing1.dat", "59b20779f69ff9f0ac5fcd2c38835a79" },
		{ "/mult1.dat", "ffd27bd782bdce67750b6b9ee069d2ef" },
		{ "/dir1/mult2.dat", "59cf0e9cd107bc1e75afb7374f6e05bb" },
		{ "/$OrphanFiles/sing2.dat", "c229626f6a71b167ad7e50c4f2fccdb1" },
		/* fragmented: NTFS keeps the runs, so the right content */
		{ "/frag1.dat", "7a3bc5b763bef201202108f4ba128149" },
		{ "/frag2.dat", "0e80ab84ef0087e60dfc67b88a1cf13e" },
		{ "/dir1/dir2/frag3.dat", "21121699487f3fbbdb9a4b3391b6d3e0" },
	};
	char img[CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;
	const struct rec *r;
	size_t i;

	(void)state;
	dftt("7-undel-ntfs.zip", "7-ntfs-undel.dd", img);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	for (i = 0; i < sizeof want / sizeof *want; i++) {
		r = find(rs, "p0", want[i].path);
		if (!r)
			print_message("missing %s\n", want[i].path);
		assert_non_null(r);
		assert_false(r->name_alloc);
		assert_false(r->meta_alloc);
		assert_true(r->read_ok);
		assert_string_equal(r->md5, want[i].md5);
		assert_int_equal(r->content, CUST_WALK_CONTENT_RECOVERED);
	}
	assert_true(find(rs, "p0", "/$OrphanFiles/sing2.dat")->orphan);
	assert_false(find(rs, "p0", "/res1.dat")->orphan);
	json_decref(report);
	free(rs);
}

/* 1-extend-part: the six FAT16 partitions of index.html's layout table
 * (start sectors 63, 52416, 104832, 157311, 209727, 262143; lengths
 * 52353, 52416, 52416, 52353, 52353, 50337), each with one file. */
static void test_dftt_extended(void **state)
{
	static const uint64_t start[6] = { 63, 52416, 104832, 157311, 209727,
	                                   262143 };
	static const uint64_t len[6] = { 52353, 52416, 52416, 52353, 52353,
	                                 50337 };
	char img[CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report, *parts;
	size_t i;

	(void)state;
	dftt("1-extend-part.zip", "ext-part-test-2.dd", img);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	assert_string_equal(cust_json_string(json_object_get(report,
		"volume_system"), "type"), "dos");
	parts = json_object_get(report, "partitions");
	assert_int_equal(json_array_size(parts), 6);
	for (i = 0; i < 6; i++) {
		json_t *p = json_array_get(parts, i);
		char name[8];
		size_t j, files = 0;
		snprintf(name, sizeof name, "p%zu", i + 1);
		assert_string_equal(cust_json_string(p, "name"), name);
		assert_int_equal(json_integer_value(json_object_get(p, "offset")),
		                 start[i] * 512);
		assert_int_equal(json_integer_value(json_object_get(p, "length")),
		                 len[i] * 512);
		assert_string_equal(cust_json_string(p, "fs_type"), "fat16");
		for (j = 0; j < rs->n; j++)
			if (strcmp(rs->r[j].part, name) == 0 &&
			    rs->r[j].type == CUST_WALK_REGULAR && rs->r[j].name_alloc)
				files++;
		assert_true(files >= 1);
	}
	json_decref(report);
	free(rs);
}

/* ---- images built here ------------------------------------------------- */

static int have(const char *tool)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static void test_built_fat(void **state)
{
	char img[CUST_PATH_MAX], src[CUST_PATH_MAX], cmd[8 * CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs, *again;
	json_t *report, *report2;
	const struct rec *r;
	char md5[CUST_DIGEST_HEX_MAX];
	unsigned char *data = make_data(3000, 42);
	size_t i;

	(void)state;
	if (!have("mkfs.fat") || !have("mcopy")) {
		print_message("# mkfs.fat or mtools missing: skipped\n");
		skip();
	}
	tpath(img, "fat.img");
	tpath(src, "keep.bin");
	write_file(src, data, 3000);
	hex_of(CUST_DIGEST_MD5, data, 3000, md5);
	snprintf(cmd, sizeof cmd,
	         "mkfs.fat -C '%s' 1024 >/dev/null && "
	         "mcopy -i '%s' '%s' ::KEEP.BIN && mcopy -i '%s' '%s' ::GONE.BIN && "
	         "mdel -i '%s' ::GONE.BIN", img, img, src, img, src, img);
	run(cmd);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	assert_non_null(r = find(rs, "p0", "/KEEP.BIN"));
	assert_string_equal(r->md5, md5);
	assert_int_equal(r->content, CUST_WALK_CONTENT_ALLOCATED);
	assert_non_null(r = find(rs, "p0", "/_ONE.BIN"));
	assert_false(r->name_alloc);
	assert_int_equal(r->size, 3000);
	assert_int_equal(r->content, CUST_WALK_CONTENT_RECOVERED);
	assert_string_equal(r->md5, md5); /* not fragmented: the guess holds */
	/* determinism: the same sequence again */
	assert_int_equal(walk(paths, 1, &again, &report2, NULL), 0);
	assert_same(rs, again);
	assert_true(json_equal(report, report2));
	/* without deleted entries */
	{
		struct cust_walk_options o = { .include_deleted = 0 };
		struct recs *live = calloc(1, sizeof *live);
		assert_non_null(live);
		assert_int_equal(cust_walk_image(paths, 1, &o, collect, live, NULL,
		                                 NULL), 0);
		for (i = 0; i < live->n; i++)
			assert_true(live->r[i].name_alloc);
		assert_non_null(find(live, "p0", "/KEEP.BIN"));
		free(live);
	}
	/* an entry limit stops the walk and says so */
	{
		struct cust_walk_options o = { .include_deleted = 1,
		                               .max_entries = 1 };
		struct recs *one = calloc(1, sizeof *one);
		json_t *rep = json_object();
		assert_non_null(one);
		assert_int_equal(cust_walk_image(paths, 1, &o, collect, one, rep,
		                                 NULL), 0);
		assert_int_equal(one->n, 1);
		assert_true(json_is_false(json_object_get(rep, "complete")));
		json_decref(rep);
		free(one);
	}
	json_decref(report);
	json_decref(report2);
	free(rs);
	free(again);
	free(data);
}

/* Walk PATH expecting either a clear error or a report naming a problem;
 * never a crash (the sanitizer build checks the rest). */
static void expect_damage(const char *path, const char *what)
{
	const char *paths[1] = { path };
	struct recs *rs;
	json_t *report;
	struct cust_error err;
	int rc = walk(paths, 1, &rs, &report, &err);

	if (rc != 0) {
		assert_int_equal(err.kind, CUST_E_INPUT);
		assert_non_null(strstr(cust_error_message(&err), path));
	} else {
		json_t *probs = json_object_get(report, "problems");
		if (json_array_size(probs) == 0)
			dump_findings(report);
		assert_true(json_array_size(probs) > 0);
		if (what)
			assert_non_null(strstr(cust_json_string(
				json_array_get(probs, 0), "message"), what));
	}
	json_decref(report);
	free(rs);
}

/* PATH opens, but nothing in it opens as a file system: no damage (no
 * problem), a note of it, p0's fs_error says what libtsk said. */
static void expect_unrecognised(const char *path)
{
	const char *paths[1] = { path };
	struct recs *rs;
	json_t *report, *notes, *p0;
	struct cust_error err;

	assert_int_equal(walk(paths, 1, &rs, &report, &err), 0);
	notes = json_object_get(report, "notes");
	p0 = json_array_get(json_object_get(report, "partitions"), 0);
	if (json_array_size(json_object_get(report, "problems")) != 0 ||
	    json_array_size(notes) != 1)
		dump_findings(report);
	assert_int_equal(json_array_size(json_object_get(report, "problems")),
	                 0);
	assert_int_equal(json_array_size(notes), 1);
	assert_string_equal(cust_json_string(json_array_get(notes, 0), "kind"),
	                    "no-file-system");
	assert_string_equal(cust_json_string(json_array_get(notes, 0),
	                                     "partition"), "p0");
	assert_non_null(strstr(cust_json_string(p0, "fs_error"),
	                       "no file system could be opened"));
	assert_null(json_object_get(p0, "fs_type"));
	assert_true(json_is_true(json_object_get(report, "complete")));
	json_decref(report);
	free(rs);
}

static void test_built_ext4(void **state)
{
	char img[CUST_PATH_MAX], dir[CUST_PATH_MAX], p[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX], twin[CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;
	const struct rec *r;
	char md5[CUST_DIGEST_HEX_MAX];
	unsigned char *data = make_data(70000, 7);
	size_t len;
	char *buf;

	(void)state;
	if (!have("mke2fs")) {
		print_message("# mke2fs missing: skipped\n");
		skip();
	}
	tpath(dir, "root");
	assert_int_equal(mkdir(dir, 0755), 0);
	join(p, dir, "sub");
	assert_int_equal(mkdir(p, 0755), 0);
	join(p, dir, "sub/data.bin");
	write_file(p, data, 70000);
	hex_of(CUST_DIGEST_MD5, data, 70000, md5);
	join(p, dir, "link");
	assert_int_equal(symlink("sub/data.bin", p), 0);
	join(p, dir, "bad\nname\xff");
	write_file(p, "x", 1);
	tpath(img, "ext4.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -d '%s' '%s' 4096 >/dev/null 2>&1",
	         dir, img);
	run(cmd);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	assert_non_null(r = find(rs, "p0", "/sub/data.bin"));
	assert_string_equal(r->md5, md5);
	/* ext4 has creation times; mke2fs -d copies the modification time */
	assert_true(r->mtime && r->crtime);
	assert_true(r->mtime_sec > 1000000000);
	assert_true(r->nruns >= 1);
	assert_non_null(r = find(rs, "p0", "/link"));
	assert_string_equal(r->link, "sub/data.bin");
	assert_non_null(find(rs, "p0", "/bad\\x0aname\\xff"));
	assert_string_equal(cust_json_string(
		json_array_get(json_object_get(report, "partitions"), 0), "fs_type"),
		"ext4");
	json_decref(report);
	free(rs);

	/* hostile twins: cut in half (damage); superblock zeroed and random
	 * bytes (nothing there to call a file system: unrecognised) */
	buf = slurp(img, &len);
	tpath(twin, "half.img");
	write_file(twin, buf, len / 2);
	expect_damage(twin, NULL);
	memset(buf + 1024, 0, 1024);
	tpath(twin, "nosb.img");
	write_file(twin, buf, len);
	expect_unrecognised(twin);
	free(buf);
	buf = (char *)make_data(1 << 20, 99);
	tpath(twin, "random.img");
	write_file(twin, buf, 1 << 20);
	expect_unrecognised(twin);
	free(buf);
	free(data);
}

/* The number the shell command CMD prints (fails the test without one). */
static uint64_t shell_number(const char *cmd)
{
	char line[64] = "";
	FILE *p = popen(cmd, "r");
	uint64_t v;

	assert_non_null(p);
	if (!fgets(line, sizeof line, p))
		line[0] = '\0';
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	if (cust_parse_u64(line, &v) < 0) {
		print_message("no number from: %s\n", cmd);
		fail();
	}
	return v;
}

/* Zero LEN bytes at OFFSET of the file PATH, in place. */
static void zero_at(const char *path, uint64_t offset, size_t len)
{
	size_t n;
	char *buf = slurp(path, &n);

	assert_true(offset + len <= n);
	memset(buf + offset, 0, len);
	write_file(path, buf, n);
	free(buf);
}

/* Whether a problem of REPORT says each of A and B (B may be NULL). */
static int has_problem(const json_t *report, const char *a, const char *b)
{
	const json_t *p;
	size_t i;

	json_array_foreach(json_object_get(report, "problems"), i, p) {
		const char *m = cust_json_string(p, "message");
		if (m && strstr(m, a) && (!b || strstr(m, b)))
			return 1;
	}
	return 0;
}

/* A directory libtsk cannot read: its entries are gone from the walk, so
 * the walk says which directory and is not complete.  Two ways: the
 * extent block of a directory of 400 files zeroed (its header, 12
 * bytes), and the extent header inside the inode of a small one. */
static void test_unreadable_dir(void **state)
{
	char src[CUST_PATH_MAX], p[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX], name[32];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;
	uint64_t block, at, off;
	size_t i, under;

	(void)state;
	if (!have("mke2fs") || !have("debugfs")) {
		print_message("# mke2fs or debugfs missing: skipped\n");
		skip();
	}
	tpath(src, "root");
	assert_int_equal(mkdir(src, 0755), 0);
	join(p, src, "dir");
	assert_int_equal(mkdir(p, 0755), 0);
	join(p, src, "small");
	assert_int_equal(mkdir(p, 0755), 0);
	for (i = 0; i < 400; i++) {
		/* each file takes blocks between the directory's: the
		 * directory's blocks are scattered, an extent block holds them */
		snprintf(name, sizeof name, "dir/f%zu.txt", i);
		join(p, src, name);
		write_file(p, "a target list\n", 14);
	}
	join(p, src, "small/inside.txt");
	write_file(p, "x\n", 2);
	join(p, src, "top.txt");
	write_file(p, "top\n", 4);
	join(p, src, "bad.bin");
	write_file(p, "some content whose runs are lost\n", 33);
	tpath(img, "dirs.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -d '%s' '%s' "
	         "8192 >/dev/null 2>&1", src, img);
	run(cmd);

	/* the image as made: every entry, complete, no problem */
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	for (i = 0, under = 0; i < rs->n; i++)
		under += strncmp(rs->r[i].path, "/dir/", 5) == 0;
	assert_int_equal(under, 400);
	assert_non_null(find(rs, "p0", "/small/inside.txt"));
	assert_int_equal(json_array_size(json_object_get(report, "problems")), 0);
	assert_true(json_is_true(json_object_get(report, "complete")));
	json_decref(report);
	free(rs);

	/* the header of /dir's extent block zeroed */
	snprintf(cmd, sizeof cmd, "debugfs -R 'stat /dir' '%s' 2>/dev/null | "
	         "sed -n 's/.*(ETB0):\\([0-9]*\\).*/\\1/p'", img);
	block = shell_number(cmd);
	zero_at(img, block * 1024, 12);
	/* the extent header in /small's inode (i_block, 40 bytes in) */
	snprintf(cmd, sizeof cmd, "debugfs -R 'imap /small' '%s' 2>/dev/null | "
	         "sed -n 's/.*located at block \\([0-9]*\\),.*/\\1/p'", img);
	at = shell_number(cmd);
	snprintf(cmd, sizeof cmd, "debugfs -R 'imap /small' '%s' 2>/dev/null | "
	         "sed -n 's/.*offset \\(0x[0-9a-f]*\\).*/\\1/p' | "
	         "xargs printf '%%d\\n'", img);
	off = shell_number(cmd);
	zero_at(img, at * 1024 + off + 40, 12);
	/* the same in /bad.bin's inode: its content cannot be read */
	snprintf(cmd, sizeof cmd, "debugfs -R 'imap /bad.bin' '%s' 2>/dev/null | "
	         "sed -n 's/.*located at block \\([0-9]*\\),.*/\\1/p'", img);
	at = shell_number(cmd);
	snprintf(cmd, sizeof cmd, "debugfs -R 'imap /bad.bin' '%s' 2>/dev/null | "
	         "sed -n 's/.*offset \\(0x[0-9a-f]*\\).*/\\1/p' | "
	         "xargs printf '%%d\\n'", img);
	off = shell_number(cmd);
	zero_at(img, at * 1024 + off + 40, 12);

	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	/* the directories themselves are listed, their entries are not */
	assert_non_null(find(rs, "p0", "/dir"));
	assert_non_null(find(rs, "p0", "/small"));
	assert_non_null(find(rs, "p0", "/top.txt"));
	for (i = 0; i < rs->n; i++) {
		assert_true(strncmp(rs->r[i].path, "/dir/", 5) != 0);
		assert_true(strncmp(rs->r[i].path, "/small/", 7) != 0);
	}
	if (!has_problem(report, "'/dir'", "cannot be read") ||
	    !has_problem(report, "'/small'", "cannot be read"))
		dump_findings(report);
	assert_true(has_problem(report, "'/dir'", "cannot be read"));
	assert_true(has_problem(report, "'/small'", "cannot be read"));
	/* a file whose content cannot be read */
	assert_non_null(find(rs, "p0", "/bad.bin"));
	assert_false(find(rs, "p0", "/bad.bin")->read_ok);
	assert_true(has_problem(report, "cannot read '/bad.bin'", NULL));
	assert_true(json_is_false(json_object_get(report, "complete")));
	json_decref(report);
	free(rs);

	/* names whose inodes cannot be read: 45 files, 32 inodes a group,
	 * the inode table of group 1 moved past the end of the image */
	tpath(src, "many");
	assert_int_equal(mkdir(src, 0755), 0);
	for (i = 1; i <= 45; i++) {
		snprintf(name, sizeof name, "f%zu", i);
		join(p, src, name);
		write_file(p, "x\n", 2);
	}
	tpath(img, "groups.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -N 64 -d '%s' "
	         "'%s' 16384 >/dev/null 2>&1", src, img);
	run(cmd);
	snprintf(cmd, sizeof cmd, "debugfs -R 'ls -l /' '%s' 2>/dev/null | "
	         "awk '$1 > 32 && $NF ~ /^f/ { print $NF; exit }'", img);
	{
		FILE *pp = popen(cmd, "r");
		char line[64] = "", want[80];
		assert_non_null(pp);
		assert_non_null(fgets(line, sizeof line, pp));
		pclose(pp);
		line[strcspn(line, "\n")] = '\0';
		snprintf(want, sizeof want, "'/%s'", line);
		snprintf(cmd, sizeof cmd, "debugfs -w -R 'set_bg 1 inode_table "
		         "99999' '%s' >/dev/null 2>&1", img);
		run(cmd);
		assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
		if (!has_problem(report, want, "metadata"))
			dump_findings(report);
		assert_true(has_problem(report, want, "metadata"));
		assert_true(json_is_false(json_object_get(report, "complete")));
		json_decref(report);
		free(rs);
	}
}

/* libtsk enters 128 directory levels at most: a deeper one is a problem
 * naming it, not a silent end of the tree. */
static void test_deep_dirs(void **state)
{
	char src[CUST_PATH_MAX], p[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;
	size_t i, deepest = 0, plen;

	(void)state;
	if (!have("mke2fs")) {
		print_message("# mke2fs missing: skipped\n");
		skip();
	}
	tpath(src, "root");
	assert_int_equal(mkdir(src, 0755), 0);
	plen = 0;
	appendf(p, sizeof p, &plen, "%s", src);
	for (i = 0; i < 140; i++) {
		appendf(p, sizeof p, &plen, "/d");
		assert_int_equal(mkdir(p, 0755), 0);
	}
	tpath(img, "deep.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -d '%s' '%s' "
	         "4096 >/dev/null 2>&1", src, img);
	run(cmd);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	for (i = 0; i < rs->n; i++) {
		size_t depth = 0;
		const char *c;
		for (c = rs->r[i].path; *c; c++)
			depth += *c == '/';
		if (depth > deepest)
			deepest = depth;
	}
	assert_true(deepest < 140);
	if (!has_problem(report, "not entered", NULL))
		dump_findings(report);
	assert_true(has_problem(report, "not entered", "128 levels"));
	assert_true(json_is_false(json_object_get(report, "complete")));
	json_decref(report);
	free(rs);
}

/* Sizes computed from a hostile file system never wrap around 64 bits: an
 * ext4 of 1 KiB blocks claiming 2^54 of them (2^64 bytes, 0 once wrapped)
 * is still a file system far larger than its image. */
static void test_hostile_sizes(void **state)
{
	char img[CUST_PATH_MAX], cmd[3 * CUST_PATH_MAX];
	const char *paths[1] = { img };
	struct recs *rs;
	json_t *report;

	(void)state;
	if (!have("mke2fs") || !have("debugfs")) {
		print_message("# mke2fs or debugfs missing: skipped\n");
		skip();
	}
	tpath(img, "huge.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -O 64bit -b 1024 '%s' "
	         "8192 >/dev/null 2>&1 && debugfs -w -R 'ssv blocks_count "
	         "18014398509481984' '%s' >/dev/null 2>&1", img, img);
	run(cmd);
	assert_int_equal(walk(paths, 1, &rs, &report, NULL), 0);
	if (!has_problem(report, "extends past the end", NULL))
		dump_findings(report);
	assert_true(has_problem(report, "extends past the end", NULL));
	assert_true(json_is_false(json_object_get(report, "complete")));
	json_decref(report);
	free(rs);
}

/* What cust_walk_span says of each regular file: its spans, their holes,
 * and the MD5 of its content with the holes fed as zeros (never read). */
struct spans {
	char path[64];
	uint64_t size, holes, span_holes, first_len;
	int first_hole, second_hole;
	uint64_t second_len;
	char md5[CUST_DIGEST_HEX_MAX];
	int whole;
};

static int collect_spans(void *ctx, const struct cust_walk_entry *e,
                         struct cust_walk_file *f, struct cust_error *err)
{
	struct spans *sp = ctx;
	static unsigned char buf[1 << 16];
	EVP_MD_CTX *d;
	uint64_t off = 0, len;
	unsigned char md[EVP_MAX_MD_SIZE];
	int hole, n = 0;

	(void)err;
	for (; sp->path[0] && strcmp(sp->path, e->path) != 0; sp++)
		;
	if (!sp->path[0])
		return 0;
	sp->size = e->size;
	sp->holes = cust_walk_holes(f);
	d = EVP_MD_CTX_new();
	assert_non_null(d);
	assert_int_equal(EVP_DigestInit_ex(d, EVP_md5(), NULL), 1);
	while (off < e->size) {
		assert_int_equal(cust_walk_span(f, off, &hole, &len, NULL), 0);
		assert_true(len > 0 && len <= e->size - off);
		if (n == 0) {
			sp->first_hole = hole;
			sp->first_len = len;
		} else if (n == 1) {
			sp->second_hole = hole;
			sp->second_len = len;
		}
		n++;
		if (hole) {
			sp->span_holes += len;
			if (len > (64u << 20)) { /* a claimed petabyte */
				EVP_MD_CTX_free(d);
				return 0;
			}
		}
		while (len > 0) {
			size_t want = len < sizeof buf ? (size_t)len : sizeof buf;
			size_t got = want;
			if (hole)
				memset(buf, 0, want);
			else
				assert_int_equal(cust_walk_read(f, off, buf, want,
				                                &got, NULL), 0);
			assert_true(got > 0);
			assert_int_equal(EVP_DigestUpdate(d, buf, got), 1);
			off += got;
			len -= got;
		}
	}
	assert_int_equal(EVP_DigestFinal_ex(d, md, NULL), 1);
	cust_hex_encode(md, 16, sp->md5);
	EVP_MD_CTX_free(d);
	sp->whole = 1;
	return 0;
}

/* Holes: a file that claims a petabyte on an 8 MB ext4 (one block of
 * content, the rest one sparse run), a sparse file (its content from
 * spans and zeros is the file's), and a sparse file of a folder. */
static void test_holes(void **state)
{
	static const char head[] = "c2: http://gate.example.net/x.php\n";
	const uint64_t pib = (uint64_t)1 << 50;
	char src[CUST_PATH_MAX], p[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX], md5[CUST_DIGEST_HEX_MAX];
	const char *paths[1] = { img };
	struct spans sp[3];
	unsigned char *data, *whole;
	struct cust_walk_options o = { .include_deleted = 1 };

	(void)state;
	if (!have("mke2fs") || !have("debugfs")) {
		print_message("# mke2fs or debugfs missing: skipped\n");
		skip();
	}
	tpath(src, "root");
	assert_int_equal(mkdir(src, 0755), 0);
	join(p, src, "huge.bin");
	write_file(p, head, sizeof head - 1);
	/* 5 MiB: 100 KB of data, a hole, 100 KB more at 3 MiB */
	data = make_data(100000, 5);
	whole = calloc(1, 5u << 20);
	assert_non_null(whole);
	memcpy(whole, data, 100000);
	memcpy(whole + (3u << 20), data, 100000);
	join(p, src, "sparse.bin");
	write_file(p, data, 100000);
	{
		FILE *fp = fopen(p, "r+");
		assert_non_null(fp);
		assert_int_equal(fseek(fp, 3L << 20, SEEK_SET), 0);
		assert_int_equal(fwrite(data, 1, 100000, fp), 100000);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(truncate(p, 5L << 20), 0);
	}
	hex_of(CUST_DIGEST_MD5, whole, 5u << 20, md5);
	tpath(img, "holes.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -d '%s' '%s' "
	         "8192 >/dev/null 2>&1 && debugfs -w -R 'sif /huge.bin size "
	         "%" PRIu64 "' '%s' >/dev/null 2>&1", src, img, pib, img);
	run(cmd);

	memset(sp, 0, sizeof sp);
	snprintf(sp[0].path, sizeof sp[0].path, "/huge.bin");
	snprintf(sp[1].path, sizeof sp[1].path, "/sparse.bin");
	assert_int_equal(cust_walk_image(paths, 1, &o, collect_spans, sp, NULL,
	                                 NULL), 0);
	assert_true(sp[0].size == pib);
	/* one block of content, then a hole to the end: never read */
	assert_false(sp[0].first_hole);
	assert_int_equal(sp[0].first_len, 1024);
	assert_true(sp[0].second_hole);
	assert_true(sp[0].second_len == pib - 1024);
	assert_true(sp[0].holes == pib - 1024);
	assert_false(sp[0].whole);
	/* the sparse file: its holes, and its content through the spans */
	assert_true(sp[1].whole);
	assert_string_equal(sp[1].md5, md5);
	assert_true(sp[1].holes > (2u << 20));
	assert_true(sp[1].holes == sp[1].span_holes);

	/* a folder's sparse file: the host's SEEK_HOLE */
	memset(sp, 0, sizeof sp);
	snprintf(sp[0].path, sizeof sp[0].path, "/sparse.bin");
	assert_int_equal(cust_walk_folder(src, &o, collect_spans, sp, NULL,
	                                  NULL), 0);
	assert_true(sp[0].whole);
	assert_string_equal(sp[0].md5, md5);
	assert_true(sp[0].holes == sp[0].span_holes);
	free(data);
	free(whole);
}

/* ---- space outside files ------------------------------------------------ */

#define NEEDLES_MAX 4
#define TAIL_MAX 256

/* What a space callback saw: features found across the chunks of a run
 * as a carver finds them (the tail of the previous chunk kept when the
 * next one continues it), and checks of the calls themselves. */
struct scan {
	const char *needle[NEEDLES_MAX];
	size_t nneedles;
	int found[NEEDLES_MAX];          /* matches */
	int alone[NEEDLES_MAX];          /* matches inside one buffer */
	uint64_t at[NEEDLES_MAX];        /* image offset of the first match */
	char kind[NEEDLES_MAX][32];      /* and its kind */
	char part[NEEDLES_MAX][8];       /* and partition */
	int cont[NEEDLES_MAX];           /* continues of the call ending it */
	size_t calls, fail_at;           /* FAIL_AT: return -1 on that call */
	uint64_t bytes, unalloc, unpart, unreadable, unrecog, vslack, end_max;
	uint64_t hash;                   /* of every call and its bytes */
	unsigned char tail[TAIL_MAX];
	size_t tail_len;
	uint64_t tail_off, last_end;
	uint64_t first_cont;             /* offset of the first continuing call */
	char last_kind[32], last_part[8];
};

static void scan_init(struct scan *sc, const char *const *needles, size_t n)
{
	size_t i;

	memset(sc, 0, sizeof *sc);
	for (i = 0; i < n; i++)
		sc->needle[i] = needles[i];
	sc->nneedles = n;
	sc->hash = 1469598103934665603ull;
}

static void fnv(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n--)
		*h = (*h ^ *b++) * 1099511628211ull;
}

static int scan_space(void *ctx, const struct cust_walk_space *s,
                      const void *buf, size_t len, struct cust_error *err)
{
	struct scan *sc = ctx;
	unsigned char *win;
	size_t i, wlen;

	sc->calls++;
	if (sc->fail_at && sc->calls == sc->fail_at)
		return cust_error_set(err, CUST_E_IO, "space callback refused %zu",
		                      sc->calls);
	assert_true(len > 0 && len <= CUST_WALK_SPACE_CHUNK);
	if (s->continues) {
		if (!sc->first_cont)
			sc->first_cont = s->image_offset;
		/* the bytes follow the previous call's in the same run */
		assert_int_equal(s->image_offset, sc->last_end);
		assert_string_equal(s->kind, sc->last_kind);
		assert_string_equal(s->partition, sc->last_part);
	} else {
		sc->tail_len = 0;
	}
	snprintf(sc->last_kind, sizeof sc->last_kind, "%s", s->kind);
	snprintf(sc->last_part, sizeof sc->last_part, "%s", s->partition);
	sc->last_end = s->image_offset + len;
	if (sc->last_end > sc->end_max)
		sc->end_max = sc->last_end;
	sc->bytes += len;
	if (strcmp(s->kind, "unallocated") == 0)
		sc->unalloc += len;
	else if (strcmp(s->kind, "unpartitioned") == 0)
		sc->unpart += len;
	else if (strcmp(s->kind, "unreadable-partition") == 0)
		sc->unreadable += len;
	else if (strcmp(s->kind, "unrecognised") == 0)
		sc->unrecog += len;
	else if (strcmp(s->kind, "volume-slack") == 0)
		sc->vslack += len;
	else
		fail_msg("unknown kind '%s'", s->kind);
	fnv(&sc->hash, s->kind, strlen(s->kind));
	fnv(&sc->hash, &s->image_offset, sizeof s->image_offset);
	fnv(&sc->hash, &s->continues, sizeof s->continues);
	fnv(&sc->hash, buf, len);

	/* the window: the kept tail of the run, then BUF */
	wlen = sc->tail_len + len;
	win = malloc(wlen);
	assert_non_null(win);
	memcpy(win, sc->tail, sc->tail_len);
	memcpy(win + sc->tail_len, buf, len);
	if (!sc->tail_len)
		sc->tail_off = s->image_offset;
	for (i = 0; i < sc->nneedles; i++) {
		size_t nl = strlen(sc->needle[i]);
		const unsigned char *m = memmem(win, wlen, sc->needle[i], nl);
		if (memmem(buf, len, sc->needle[i], nl))
			sc->alone[i]++;
		if (!m)
			continue;
		if (!sc->found[i]++) {
			sc->at[i] = sc->tail_off + (uint64_t)(m - win);
			snprintf(sc->kind[i], sizeof sc->kind[i], "%s", s->kind);
			snprintf(sc->part[i], sizeof sc->part[i], "%s",
			         s->partition);
			sc->cont[i] = s->continues;
		}
	}
	/* keep the last TAIL_MAX - 1 bytes for the next chunk */
	sc->tail_len = wlen < TAIL_MAX - 1 ? wlen : TAIL_MAX - 1;
	memcpy(sc->tail, win + wlen - sc->tail_len, sc->tail_len);
	sc->tail_off = s->image_offset + len - sc->tail_len;
	free(win);
	return 0;
}

static int count_entry(void *ctx, const struct cust_walk_entry *e,
                       struct cust_walk_file *f, struct cust_error *err)
{
	(void)ctx;
	(void)e;
	(void)f;
	(void)err;
	return 0;
}

/* Walk PATH with the space callback into SC (and REPORT when not NULL). */
static int walk_space(const char *path, struct scan *sc, json_t *report,
                      struct cust_error *err)
{
	const char *paths[1] = { path };
	struct cust_walk_options o = { .include_deleted = 1,
	                               .space = scan_space, .space_ctx = sc };

	return cust_walk_image(paths, 1, &o, count_entry, NULL, report, err);
}

/* The LEN bytes of PATH at OFF equal S. */
static void assert_image_holds(const char *path, uint64_t off, const char *s)
{
	size_t len, n = strlen(s);
	char *img = slurp(path, &len);

	assert_true(off + n <= len);
	assert_memory_equal(img + off, s, n);
	free(img);
}

/* Write the LEN bytes of DATA into PATH at OFF (the file keeps its size
 * when they fit). */
static void patch(const char *path, uint64_t off, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, data, len, (off_t)off), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static json_int_t part_int(json_t *report, size_t i, const char *key)
{
	json_t *v = json_object_get(json_array_get(json_object_get(report,
		"partitions"), i), key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* An address in a file that ext4 deleted (its block pointers zeroed) is
 * still on the disk: the unallocated space hands it over, at its offset. */
static void test_space_ext4_deleted(void **state)
{
	static const char *const needle[] = { "c2-admin@evil-panel.example.com" };
	char dir[CUST_PATH_MAX], p[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX];
	struct scan *sc = calloc(1, sizeof *sc), *again = calloc(1, sizeof *sc);
	json_t *report = json_object();
	struct cust_error err;
	unsigned char *pad = make_data(5000, 3);

	(void)state;
	assert_non_null(sc);
	assert_non_null(again);
	if (!have("mke2fs") || !have("debugfs")) {
		print_message("# mke2fs or debugfs missing: skipped\n");
		free(sc);
		free(again);
		free(pad);
		json_decref(report);
		skip();
	}
	tpath(dir, "root");
	assert_int_equal(mkdir(dir, 0755), 0);
	join(p, dir, "f");
	write_file(p, "panel: c2-admin@evil-panel.example.com\n", 39);
	join(p, dir, "keep.bin");
	write_file(p, pad, 5000);
	tpath(img, "ext4.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 -d '%s' '%s' "
	         "4096 >/dev/null 2>&1 && debugfs -w -R 'rm /f' '%s' "
	         ">/dev/null 2>&1", dir, img, img);
	run(cmd);

	/* the name is gone and the inode has no blocks left to read */
	scan_init(sc, needle, 1);
	assert_int_equal(walk_space(img, sc, report, &err), 0);
	assert_int_equal(sc->found[0], 1);
	assert_string_equal(sc->kind[0], "unallocated");
	assert_string_equal(sc->part[0], "p0");
	assert_image_holds(img, sc->at[0], needle[0]);
	assert_int_equal(part_int(report, 0, "unallocated_bytes"),
	                 (json_int_t)sc->unalloc);
	assert_true(sc->unalloc > 2u << 20); /* most of a fresh 4 MiB */
	assert_true(sc->end_max <= 4096u * 1024);
	assert_int_equal(sc->unpart + sc->unreadable + sc->unrecog, 0);
	assert_int_equal(json_array_size(json_object_get(report, "problems")), 0);
	assert_null(json_object_get(report, "unpartitioned_bytes"));

	/* the same image, the same calls */
	scan_init(again, needle, 1);
	assert_int_equal(walk_space(img, again, NULL, &err), 0);
	assert_int_equal(again->calls, sc->calls);
	assert_true(again->hash == sc->hash);

	/* hostile twins: the callback stops the walk with its error */
	scan_init(again, needle, 1);
	again->fail_at = 2;
	assert_int_equal(walk_space(img, again, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_string_equal(cust_error_message(&err), "space callback refused 2");
	assert_int_equal(again->calls, 2);
	json_decref(report);
	free(sc);
	free(again);
	free(pad);
}

/* A feature across the boundary of two chunks of one run is found by a
 * caller that joins calls with continues=1, and by no single call. */
static void test_space_chunk_boundary(void **state)
{
	static const char *const needle[] = { "spans-chunks@boundary.example.org" };
	char img[CUST_PATH_MAX], cmd[2 * CUST_PATH_MAX];
	struct scan *sc = calloc(1, sizeof *sc);
	struct cust_error err;
	uint64_t edge;

	(void)state;
	assert_non_null(sc);
	if (!have("mke2fs")) {
		print_message("# mke2fs missing: skipped\n");
		free(sc);
		skip();
	}
	tpath(img, "ext4.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 4096 '%s' 2048 "
	         ">/dev/null 2>&1", img);
	run(cmd);
	/* a free run of several MiB: its second chunk starts at EDGE */
	scan_init(sc, needle, 1);
	assert_int_equal(walk_space(img, sc, NULL, &err), 0);
	assert_int_equal(sc->found[0], 0);
	edge = sc->first_cont;
	assert_true(edge > 0);
	/* plant the address across EDGE (in free blocks: nothing else moves) */
	patch(img, edge - 10, needle[0], strlen(needle[0]));
	scan_init(sc, needle, 1);
	assert_int_equal(walk_space(img, sc, NULL, &err), 0);
	assert_int_equal(sc->first_cont, edge);
	assert_int_equal(sc->found[0], 1);
	assert_int_equal(sc->alone[0], 0);
	assert_int_equal(sc->at[0], edge - 10);
	assert_int_equal(sc->cont[0], 1);
	assert_image_holds(img, sc->at[0], needle[0]);
	free(sc);
}

/* The start of the first run of F's default stream (image offset), for
 * the slack test: the walk's runs give the cluster of H.BIN. */
struct slack_probe {
	uint64_t run0;
	size_t got;
	uint64_t off;
	int place;
	int rc, seen, gone_got;
	unsigned char buf[8192];
};

static int probe_slack(void *ctx, const struct cust_walk_entry *e,
                       struct cust_walk_file *f, struct cust_error *err)
{
	struct slack_probe *sp = ctx;
	unsigned char b[64];
	size_t got;
	struct cust_walk_run where;

	if (strcmp(e->path, "/H.BIN") == 0) {
		sp->seen = 1;
		assert_int_equal(e->size, 100);
		assert_true(e->nruns >= 1);
		sp->run0 = e->runs[0].offset;
		sp->rc = cust_walk_slack(f, sp->buf, sizeof sp->buf, &sp->got,
		                         &where, err);
		sp->off = where.offset;
		sp->place = (int)where.place;
	}
	/* a deleted file has no slack of its own */
	if (strcmp(e->path, "/_ONE.BIN") == 0) {
		assert_int_equal(cust_walk_slack(f, b, sizeof b, &got, &where,
		                                 err), 0);
		sp->gone_got = (int)got + 1;
	}
	return 0;
}

/* FAT: the 3996 bytes of a 4 KiB cluster past a 100-byte file. */
static void test_slack_fat(void **state)
{
	static const char marker[] = "slack-marker@hidden.example.net";
	char img[CUST_PATH_MAX], src[CUST_PATH_MAX], cmd[7 * CUST_PATH_MAX];
	const char *paths[1];
	struct slack_probe *sp = calloc(1, sizeof *sp);
	unsigned char *data = make_data(100, 5);

	(void)state;
	assert_non_null(sp);
	if (!have("mkfs.fat") || !have("mcopy")) {
		print_message("# mkfs.fat or mtools missing: skipped\n");
		free(sp);
		free(data);
		skip();
	}
	tpath(img, "fat.img");
	tpath(src, "h.bin");
	write_file(src, data, 100);
	paths[0] = img;
	snprintf(cmd, sizeof cmd, "mkfs.fat -C -s 8 -S 512 '%s' 2048 >/dev/null "
	         "&& mcopy -i '%s' '%s' ::GONE.BIN && mcopy -i '%s' '%s' ::H.BIN "
	         "&& mdel -i '%s' ::GONE.BIN", img, img, src, img, src, img);
	run(cmd);
	assert_int_equal(cust_walk_image(paths, 1, NULL, probe_slack, sp, NULL,
	                                 NULL), 0);
	assert_true(sp->seen);
	assert_int_equal(sp->rc, 0);
	assert_int_equal(sp->got, 4096 - 100);
	assert_int_equal(sp->off, sp->run0 + 100);
	assert_int_equal(sp->place, CUST_WALK_IN_IMAGE);
	assert_int_equal(sp->gone_got, 1);
	assert_null(memmem(sp->buf, sp->got, marker, strlen(marker)));
	/* plant the marker past the end of the file, in its cluster */
	patch(img, sp->run0 + 100 + 1000, marker, strlen(marker));
	memset(sp, 0, sizeof *sp);
	assert_int_equal(cust_walk_image(paths, 1, NULL, probe_slack, sp, NULL,
	                                 NULL), 0);
	assert_int_equal(sp->got, 4096 - 100);
	assert_memory_equal(sp->buf + 1000, marker, strlen(marker));
	assert_image_holds(img, sp->off + 1000, marker);
	free(sp);
	free(data);
}

/* A DOS table of two partitions with gaps: p1 FAT, p2 without a file
 * system, each of SIZE_P sectors. */
#define SEC 512u
#define P1_START 2048u
#define P2_START 6144u
#define SIZE_P 2048u
#define DISK_SECTORS 10240u

static void mbr_entry(unsigned char *mbr, int i, unsigned type,
                      uint32_t start, uint32_t len)
{
	unsigned char *e = mbr + 446 + 16 * i;
	int k;

	e[0] = 0x00;
	e[1] = 0xfe;
	e[2] = 0xff;
	e[3] = 0xff;
	e[4] = (unsigned char)type;
	e[5] = 0xfe;
	e[6] = 0xff;
	e[7] = 0xff;
	for (k = 0; k < 4; k++) {
		e[8 + k] = (unsigned char)(start >> (8 * k));
		e[12 + k] = (unsigned char)(len >> (8 * k));
	}
}

static void test_space_partitions(void **state)
{
	static const char *const needle[] = {
		"gap-owner@unpartitioned.example.com",
		"lost-volume@unreadable.example.com",
		"tail-owner@after-last.example.com",
		"fat-free@unallocated.example.com",
	};
	char fat[CUST_PATH_MAX], img[CUST_PATH_MAX], cmd[2 * CUST_PATH_MAX];
	unsigned char *disk = calloc(DISK_SECTORS, SEC);
	struct scan *sc = calloc(1, sizeof *sc);
	json_t *report = json_object();
	struct cust_error err;
	size_t fatlen;
	char *fatimg;

	(void)state;
	assert_non_null(disk);
	assert_non_null(sc);
	if (!have("mkfs.fat")) {
		print_message("# mkfs.fat missing: skipped\n");
		free(disk);
		free(sc);
		json_decref(report);
		skip();
	}
	tpath(fat, "p1.img");
	snprintf(cmd, sizeof cmd, "mkfs.fat -C '%s' %u >/dev/null", fat,
	         SIZE_P * SEC / 1024);
	run(cmd);
	fatimg = slurp(fat, &fatlen);
	assert_int_equal(fatlen, SIZE_P * SEC);
	memcpy(disk + (size_t)P1_START * SEC, fatimg, fatlen);
	free(fatimg);
	mbr_entry(disk, 0, 0x06, P1_START, SIZE_P);
	mbr_entry(disk, 1, 0x83, P2_START, SIZE_P);
	disk[510] = 0x55;
	disk[511] = 0xaa;
	memcpy(disk + (size_t)(P1_START + SIZE_P + 100) * SEC, needle[0],
	       strlen(needle[0]));
	memcpy(disk + (size_t)(P2_START + 7) * SEC + 3, needle[1],
	       strlen(needle[1]));
	memcpy(disk + (size_t)(DISK_SECTORS - 1) * SEC, needle[2],
	       strlen(needle[2]));
	/* the middle of the empty FAT volume is free clusters */
	memcpy(disk + (size_t)(P1_START + SIZE_P / 2) * SEC, needle[3],
	       strlen(needle[3]));
	tpath(img, "disk.img");
	write_file(img, disk, (size_t)DISK_SECTORS * SEC);

	scan_init(sc, needle, 4);
	assert_int_equal(walk_space(img, sc, report, &err), 0);
	assert_int_equal(sc->found[0], 1);
	assert_string_equal(sc->kind[0], "unpartitioned");
	assert_string_equal(sc->part[0], "-");
	assert_int_equal(sc->at[0], (P1_START + SIZE_P + 100) * SEC);
	assert_int_equal(sc->found[1], 1);
	assert_string_equal(sc->kind[1], "unrecognised");
	assert_string_equal(sc->part[1], "p2");
	assert_int_equal(sc->at[1], (P2_START + 7) * SEC + 3);
	assert_int_equal(sc->found[2], 1);
	assert_string_equal(sc->kind[2], "unpartitioned");
	assert_int_equal(sc->found[3], 1);
	assert_string_equal(sc->kind[3], "unallocated");
	assert_string_equal(sc->part[3], "p1");
	/* before p1, between p1 and p2, after p2 */
	assert_int_equal(json_integer_value(json_object_get(report,
		"unpartitioned_bytes")),
		(json_int_t)(DISK_SECTORS - 2 * SIZE_P) * SEC);
	assert_int_equal(sc->unpart, (DISK_SECTORS - 2 * SIZE_P) * SEC);
	assert_int_equal(part_int(report, 1, "unrecognised_bytes"),
	                 SIZE_P * SEC);
	assert_int_equal(sc->unrecog, SIZE_P * SEC);
	assert_int_equal(sc->unreadable, 0);
	assert_int_equal(part_int(report, 0, "unallocated_bytes"),
	                 (json_int_t)sc->unalloc);
	assert_true(sc->unalloc > 0 && sc->unalloc < SIZE_P * SEC);
	assert_true(sc->end_max <= DISK_SECTORS * SEC);
	json_decref(report);

	/* hostile twin: the disk cut inside p2 */
	write_file(img, disk, (size_t)(P2_START + 8) * SEC);
	report = json_object();
	scan_init(sc, needle, 4);
	assert_int_equal(walk_space(img, sc, report, &err), 0);
	assert_int_equal(sc->found[1], 1);
	assert_int_equal(sc->unrecog, 8 * SEC);
	assert_int_equal(part_int(report, 1, "unrecognised_bytes"), 8 * SEC);
	assert_int_equal(sc->found[2], 0);
	assert_true(sc->end_max <= (P2_START + 8) * SEC);
	json_decref(report);
	free(disk);
	free(sc);
}

/* A truncated image: only the bytes there are read, the loss is
 * recorded, nothing breaks. */
static void test_space_truncated(void **state)
{
	char img[CUST_PATH_MAX], twin[CUST_PATH_MAX], cmd[2 * CUST_PATH_MAX];
	struct scan *sc = calloc(1, sizeof *sc);
	json_t *report = json_object();
	struct cust_error err;
	size_t len, cut;
	char *buf;

	(void)state;
	assert_non_null(sc);
	if (!have("mke2fs") || !have("mkfs.fat")) {
		print_message("# mke2fs or mkfs.fat missing: skipped\n");
		free(sc);
		json_decref(report);
		skip();
	}
	tpath(img, "ext4.img");
	snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b 1024 '%s' 8192 "
	         ">/dev/null 2>&1", img);
	run(cmd);
	buf = slurp(img, &len);
	cut = len / 2 + 1000; /* not on a block boundary */
	tpath(twin, "half.img");
	write_file(twin, buf, cut);
	scan_init(sc, NULL, 0);
	assert_int_equal(walk_space(twin, sc, report, &err), 0);
	assert_true(sc->end_max <= cut);
	assert_true(json_array_size(json_object_get(report, "problems")) > 0);
	assert_int_equal(part_int(report, 0, "unallocated_bytes"),
	                 (json_int_t)sc->unalloc);
	assert_int_equal(sc->vslack, 0);
	json_decref(report);
	free(buf);

	/* FAT cut in half: the free clusters there are read */
	tpath(img, "fat.img");
	snprintf(cmd, sizeof cmd, "mkfs.fat -C '%s' 4096 >/dev/null", img);
	run(cmd);
	buf = slurp(img, &len);
	cut = len / 2 + 100;
	write_file(twin, buf, cut);
	report = json_object();
	scan_init(sc, NULL, 0);
	assert_int_equal(walk_space(twin, sc, report, &err), 0);
	assert_true(sc->end_max <= cut);
	assert_true(sc->unalloc > len / 4);
	assert_true(json_array_size(json_object_get(report, "problems")) > 0);
	json_decref(report);
	free(buf);
	free(sc);
}

/* ISO9660 has no allocation map: libtsk's block walk calls the blocks
 * without file content unallocated; the walk reads them, no problem. */
static void test_space_iso9660(void **state)
{
	static const char *const needle[] = { "CD001" };
	char img[CUST_PATH_MAX];
	struct scan *sc;
	json_t *report;
	struct cust_error err;

	(void)state;
	testdata_path(img, "dfvfs", "iso9660.raw"); /* may skip: nothing held yet */
	sc = calloc(1, sizeof *sc);
	report = json_object();
	assert_non_null(sc);
	scan_init(sc, needle, 1);
	assert_int_equal(walk_space(img, sc, report, &err), 0);
	assert_string_equal(cust_json_string(json_array_get(json_object_get(
		report, "partitions"), 0), "fs_type"), "iso9660");
	assert_int_equal(json_array_size(json_object_get(report, "problems")), 0);
	assert_true(sc->unalloc > 0);
	assert_int_equal(sc->found[0], 1); /* the volume descriptors */
	assert_int_equal(sc->at[0], 32768 + 1);
	json_decref(report);
	free(sc);
}

static void test_unopenable(void **state)
{
	char p[CUST_PATH_MAX];
	const char *paths[1] = { p };
	struct cust_error err;
	struct recs *rs;
	json_t *report;

	(void)state;
	tpath(p, "missing.img");
	assert_int_equal(walk(paths, 1, &rs, &report, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(cust_error_message(&err), "missing.img"));
	json_decref(report);
	free(rs);
	/* a QCOW magic on garbage */
	tpath(p, "bad.qcow2");
	write_file(p, "QFI\xfb\0\0\0\3garbage", 15);
	assert_int_equal(walk(paths, 1, &rs, &report, &err), -1);
	assert_non_null(strstr(cust_error_message(&err), "QCOW"));
	json_decref(report);
	free(rs);
}


/* ---- direct reads: the same bytes as libtsk's ------------------------- */

/* Read every regular file in pieces of 777 bytes (odd offsets, pieces
 * across blocks and runs) into its MD5, as collect does whole. */
static int collect_pieces(void *ctx, const struct cust_walk_entry *e,
                          struct cust_walk_file *f, struct cust_error *err)
{
	struct recs *rs = ctx;
	struct rec *r;
	unsigned char *buf;
	uint64_t off = 0;
	size_t got;

	if (collect(ctx, e, f, err) != 0)
		return -1;
	r = &rs->r[rs->n - 1];
	if (e->type != CUST_WALK_REGULAR || e->size > READ_MAX)
		return 0;
	buf = malloc(e->size ? (size_t)e->size : 1);
	assert_non_null(buf);
	while (off < e->size) {
		size_t want = e->size - off < 777 ? (size_t)(e->size - off) : 777;
		assert_int_equal(cust_walk_read(f, off, buf + off, want, &got,
		                                NULL), 0);
		assert_int_equal(got, want);
		off += got;
	}
	{
		char md5[CUST_DIGEST_HEX_MAX];
		hex_of(CUST_DIGEST_MD5, buf, (size_t)e->size, md5);
		assert_string_equal(md5, r->md5);
	}
	free(buf);
	return 0;
}

static void walk_reads(const char *img, int tsk_reads, struct recs **rs)
{
	struct cust_walk_options o = { .include_deleted = 1,
		                       .tsk_reads = tsk_reads };
	const char *paths[1] = { img };
	struct cust_error err;

	*rs = calloc(1, sizeof **rs);
	assert_non_null(*rs);
	assert_int_equal(cust_walk_image(paths, 1, &o, collect_pieces, *rs,
	                                 NULL, &err), 0);
}

/* Files of many sizes, a sparse one, on ext4 of 1 and 4 KiB blocks and on
 * FAT: read straight from the image they give what libtsk gives, and
 * what the files held. */
static void test_direct_reads(void **state)
{
	static const size_t sizes[] = { 1, 1023, 1024, 1025, 4095, 4097,
		                        70000, 3000000 };
	char dir[CUST_PATH_MAX], p[CUST_PATH_MAX], img[CUST_PATH_MAX];
	char cmd[4 * CUST_PATH_MAX], md5[CUST_DIGEST_HEX_MAX], name[32];
	static const char *const names[] = { "ext4-1k.img", "ext4-4k.img",
		                             "fat.img" };
	size_t i, k;

	(void)state;
	if (!have("mke2fs") || !have("mkfs.fat") || !have("mcopy")) {
		print_message("# mke2fs or mtools missing: skipped\n");
		skip();
	}
	tpath(dir, "direct");
	assert_int_equal(mkdir(dir, 0755), 0);
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		unsigned char *data = make_data(sizes[i], (unsigned)i + 3);
		snprintf(name, sizeof name, "F%zu.BIN", sizes[i]);
		join(p, dir, name);
		write_file(p, data, sizes[i]);
		free(data);
	}
	/* a hole of 2 MiB between two written blocks */
	join(p, dir, "SPARSE.BIN");
	snprintf(cmd, sizeof cmd, "printf head >'%s' && truncate -s 2100000 '%s' "
	         "&& printf tail >>'%s'", p, p, p);
	run(cmd);
	for (k = 0; k < sizeof names / sizeof names[0]; k++) {
		struct recs *direct, *tsk;
		size_t found = 0;

		tpath(img, names[k]);
		if (k < 2)
			snprintf(cmd, sizeof cmd, "mke2fs -q -F -t ext4 -b %d -d '%s' "
			         "'%s' %d >/dev/null 2>&1", k ? 4096 : 1024, dir,
			         img, k ? 4096 : 16384);
		else
			snprintf(cmd, sizeof cmd, "mkfs.fat -C '%s' 16384 >/dev/null "
			         "2>&1 && mcopy -s -i '%s' '%s'/* :: >/dev/null 2>&1",
			         img, img, dir);
		run(cmd);
		walk_reads(img, 0, &direct);
		walk_reads(img, 1, &tsk);
		assert_same(direct, tsk);
		for (i = 0; i < direct->n; i++) {
			assert_string_equal(direct->r[i].md5, tsk->r[i].md5);
			assert_int_equal(direct->r[i].read_ok, tsk->r[i].read_ok);
		}
		for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
			const struct rec *r;
			unsigned char *data = make_data(sizes[i], (unsigned)i + 3);
			snprintf(name, sizeof name, "/F%zu.BIN", sizes[i]);
			r = find(direct, NULL, name);
			assert_non_null(r);
			hex_of(CUST_DIGEST_MD5, data, sizes[i], md5);
			assert_string_equal(r->md5, md5);
			free(data);
			found++;
		}
		assert_int_equal(found, sizeof sizes / sizeof sizes[0]);
		assert_non_null(find(direct, NULL, "/SPARSE.BIN"));
		assert_true(find(direct, NULL, "/SPARSE.BIN")->read_ok);
		free(direct);
		free(tsk);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test_setup_teardown(test_segments, setup_tmp, teardown_tmp),
		cmocka_unit_test(test_dfvfs_containers),
		cmocka_unit_test_setup_teardown(test_dftt_fat, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dftt_ntfs, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_dftt_extended, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_built_fat, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_built_ext4, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_unopenable, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_unreadable_dir, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_deep_dirs, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_hostile_sizes, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_holes, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_space_ext4_deleted, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_space_chunk_boundary, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_slack_fat, setup_tmp, teardown_tmp),
		cmocka_unit_test_setup_teardown(test_direct_reads, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_space_partitions, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_space_truncated, setup_tmp,
		                                teardown_tmp),
		cmocka_unit_test_setup_teardown(test_space_iso9660, setup_tmp,
		                                teardown_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
