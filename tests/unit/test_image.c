/* test_image.c - unit tests of the image writers and readers
 * (include/custody/image.h): raw, split and EWF, resume, refusals, and
 * the EWF files checked by the stock ewf-tools (ewfverify, ewfinfo). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/digest.h"
#include "custody/image.h"
#include "custody/version.h"
#include "testutil.h"

#define MiB (1024u * 1024u)

/* ---- helpers ------------------------------------------------------------ */

/* TMPDIR/NAME, made as a new folder, into OUT. */
static void subdir(char *out, const char *name)
{
	tpath(out, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

/* The number of entries of DIR besides . and .. */
static int count_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_size;
}

static int exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Feed DATA[FROM..TO) to W in pieces of odd sizes drawn from SEED (some
 * tiny, most up to ~300 KiB), each at its stream offset. */
static void write_pieces(struct cust_image_writer *w,
                         const unsigned char *data, size_t from, size_t to,
                         uint64_t seed)
{
	uint64_t x = seed | 1;
	size_t off = from;

	while (off < to) {
		struct cust_error err;
		uint64_t r = next_rand(&x);
		size_t n = r % 4 == 0 ? 1 + (size_t)(r >> 8) % 17
		                      : 1 + (size_t)(r >> 8) % 300000;
		if (n > to - off)
			n = to - off;
		if (cust_image_writer_write(w, data + off, n, off, &err) != 0)
			fail_msg("write of %zu at %zu: %s", n, off, err.message);
		off += n;
	}
}

static struct cust_image_writer *open_ok(const char *dir,
                                         const struct cust_image_options *o)
{
	struct cust_error err;
	struct cust_image_writer *w = cust_image_writer_open(dir, o, &err);

	if (!w)
		fail_msg("open '%s': %s", dir, err.message);
	return w;
}

static void close_ok(struct cust_image_writer *w,
                     const struct cust_image_hashes *h)
{
	struct cust_error err;

	if (cust_image_writer_close(w, h, &err) != 0)
		fail_msg("close: %s", err.message);
}

/* Write DATA[0..LEN) as a complete image in DIR. */
static void write_image(const char *dir, const struct cust_image_options *o,
                        const unsigned char *data, size_t len,
                        const struct cust_image_hashes *h)
{
	struct cust_image_writer *w = open_ok(dir, o);

	write_pieces(w, data, 0, len, len + 7);
	close_ok(w, h);
	cust_image_writer_free(w);
}

/* The image of FORMAT in DIR reads back as exactly WANT[0..LEN), in
 * reads of odd sizes, and then reports its end. */
static void assert_reads_back(const char *dir, enum cust_image_format format,
                              const unsigned char *want, size_t len)
{
	struct cust_error err;
	struct cust_image_reader *r = cust_image_reader_open(dir, format, &err);
	unsigned char *buf = malloc(len + 1);
	size_t pos = 0, got;
	uint64_t x = 99;

	if (!r)
		fail_msg("reader of '%s': %s", dir, err.message);
	assert_non_null(buf);
	assert_int_equal(cust_image_reader_size(r), len);
	while (pos < len) {
		size_t n = 1 + (size_t)(next_rand(&x) % 700000);
		if (cust_image_reader_read(r, buf + pos,
		                           n < len + 1 - pos ? n : len + 1 - pos,
		                           &got, &err) != 0)
			fail_msg("read at %zu: %s", pos, err.message);
		assert_true(got > 0);
		pos += got;
		assert_true(pos <= len);
	}
	assert_memory_equal(buf, want, len);
	assert_int_equal(cust_image_reader_read(r, buf, 1, &got, &err), 0);
	assert_int_equal(got, 0);
	cust_image_reader_free(r);
	free(buf);
}

/* The file DIR/NAME holds exactly WANT[0..LEN). */
static void assert_file_is(const char *dir, const char *name,
                           const unsigned char *want, size_t len)
{
	char path[CUST_PATH_MAX];
	size_t n;
	char *got;

	join(path, dir, name);
	got = slurp(path, &n);
	if (n != len)
		fail_msg("'%s' holds %zu bytes, not %zu", path, n, len);
	assert_memory_equal(got, want, len);
	free(got);
}

/* The split image in DIR is DATA cut in segments of SEG bytes: the right
 * number of files, each of the right size and content. */
static void assert_split_is(const char *dir, const unsigned char *data,
                            size_t len, size_t seg)
{
	size_t nseg = len == 0 ? 1 : (len + seg - 1) / seg;
	size_t i;

	assert_int_equal(count_in(dir), nseg);
	for (i = 0; i < nseg; i++) {
		char name[32];
		size_t n = i + 1 < nseg ? seg : len - i * seg;
		snprintf(name, sizeof name, "image.%03zu", i);
		assert_file_is(dir, name, data + i * seg, n);
	}
}

/* Data that deflates well: numbered text lines. */
static unsigned char *make_text(size_t len)
{
	unsigned char *p = malloc(len);
	size_t off = 0;
	unsigned long line = 0;

	assert_non_null(p);
	while (off < len) {
		char l[80];
		int n = snprintf(l, sizeof l, "line %08lu of a disk full of "
		                 "notes about case 2011-042\n", line++);
		size_t k = (size_t)n < len - off ? (size_t)n : len - off;
		memcpy(p + off, l, k);
		off += k;
	}
	return p;
}

/* Run CMD through the shell; its standard output (and error) into a new
 * buffer at *OUT, its exit status as the result. */
static int run_cmd(const char *cmd, char **out)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 65536, used = 0, n;
	char *buf = malloc(cap);
	int status;

	assert_non_null(f);
	assert_non_null(buf);
	while ((n = fread(buf + used, 1, cap - 1 - used, f)) > 0) {
		used += n;
		if (cap - 1 - used < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[used] = '\0';
	status = pclose(f);
	*out = buf;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The value after LABEL (and white space) on its line of TEXT, or "". */
static void field(const char *text, const char *label, char *out, size_t sz)
{
	const char *p = strstr(text, label);
	size_t n;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(label);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	snprintf(out, sz, "%.*s", (int)n, p);
}

static int have_ewf_tools(void)
{
	char *out;
	int rc = run_cmd("command -v ewfverify && command -v ewfinfo", &out);

	free(out);
	return rc == 0;
}

/* ewfverify on DIR/image.E01 succeeds, computing and finding stored MD5
 * (and SHA-1 when not NULL) equal to the given ones. */
static void assert_ewfverify(const char *dir, const char *md5,
                             const char *sha1)
{
	char cmd[CUST_PATH_MAX + 64], v[256];
	char *out;
	int rc;

	snprintf(cmd, sizeof cmd, "ewfverify -q -d sha1 '%s/image.E01' 2>&1",
	         dir);
	rc = run_cmd(cmd, &out);
	if (rc != 0 || !strstr(out, "ewfverify: SUCCESS"))
		fail_msg("ewfverify failed (%d):\n%s", rc, out);
	field(out, "MD5 hash calculated over data:", v, sizeof v);
	assert_string_equal(v, md5);
	field(out, "MD5 hash stored in file:", v, sizeof v);
	assert_string_equal(v, md5);
	if (sha1) {
		field(out, "SHA1 hash calculated over data:", v, sizeof v);
		assert_string_equal(v, sha1);
		field(out, "SHA1 hash stored in file:", v, sizeof v);
		assert_string_equal(v, sha1);
	}
	free(out);
}

static struct cust_image_options ewf_options(void)
{
	struct cust_image_options o = { .format = CUST_IMAGE_EWF };

	o.case_number = "2011-042";
	o.evidence_number = "E001";
	o.examiner = "Examiner J\xc3\xa9r\xc3\xb4me One";
	o.description = "Seized laptop disk, Dell serial 7XK2";
	o.notes = "Write blocker T35u; seals intact";
	return o;
}

/* ---- names -------------------------------------------------------------- */

static void test_names(void **state)
{
	static const char *const formats[] = { "raw", "split", "ewf" };
	static const char *const levels[] = { "none", "fast", "best" };
	enum cust_image_format f;
	enum cust_image_compression c;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(cust_image_format_parse(formats[i], &f), 0);
		assert_int_equal(f, i);
		assert_string_equal(cust_image_format_name(f), formats[i]);
		assert_int_equal(cust_image_compression_parse(levels[i], &c), 0);
		assert_int_equal(c, i);
		assert_string_equal(cust_image_compression_name(c), levels[i]);
	}
	f = CUST_IMAGE_SPLIT;
	assert_int_equal(cust_image_format_parse("E01", &f), -1);
	assert_int_equal(cust_image_format_parse("", &f), -1);
	assert_int_equal(cust_image_format_parse(NULL, &f), -1);
	assert_int_equal(f, CUST_IMAGE_SPLIT);
	assert_int_equal(cust_image_compression_parse("Fast", &c), -1);
	assert_null(cust_image_format_name((enum cust_image_format)7));
	assert_null(cust_image_compression_name((enum cust_image_compression)3));
}

/* ---- raw ---------------------------------------------------------------- */

static void test_raw_round_trip(void **state)
{
	const size_t len = 5 * MiB + 123;
	unsigned char *data = make_data(len, 1);
	struct cust_image_options o = { .format = CUST_IMAGE_RAW };
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_image_writer *w;
	struct stat st;
	json_t *files;

	(void)state;
	subdir(dir, "raw");
	w = open_ok(dir, &o);
	assert_null(cust_image_writer_files(w)); /* not before close */
	write_pieces(w, data, 0, len, 5);
	close_ok(w, NULL);
	files = cust_image_writer_files(w);
	assert_non_null(files);
	assert_int_equal(json_array_size(files), 1);
	assert_string_equal(cust_json_string(json_array_get(files, 0), "name"),
	                    "image.raw");
	assert_int_equal(json_integer_value(json_object_get(
	                         json_array_get(files, 0), "size")),
	                 len);
	json_decref(files);
	cust_image_writer_free(w);

	assert_int_equal(count_in(dir), 1);
	assert_file_is(dir, "image.raw", data, len);
	join(path, dir, "image.raw");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0444);
	assert_reads_back(dir, CUST_IMAGE_RAW, data, len);
	free(data);
}

static void test_raw_empty_stream(void **state)
{
	struct cust_image_options o = { .format = CUST_IMAGE_RAW };
	char dir[CUST_PATH_MAX];

	(void)state;
	subdir(dir, "empty");
	write_image(dir, &o, (const unsigned char *)"", 0, NULL);
	assert_file_is(dir, "image.raw", (const unsigned char *)"", 0);
	assert_reads_back(dir, CUST_IMAGE_RAW, (const unsigned char *)"", 0);
}

/* ---- split -------------------------------------------------------------- */

static void check_split(const char *name, size_t seg, size_t len)
{
	unsigned char *data = make_data(len, len);
	struct cust_image_options o = { .format = CUST_IMAGE_SPLIT,
		                        .segment_size = seg };
	char dir[CUST_PATH_MAX], cmd[CUST_PATH_MAX + 64];
	struct cust_image_writer *w;
	size_t nseg = (len + seg - 1) / seg, i, catlen;
	json_t *files;
	char *cat;

	subdir(dir, name);
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, len, seg);
	close_ok(w, NULL);
	files = cust_image_writer_files(w);
	assert_int_equal(json_array_size(files), nseg);
	for (i = 0; i < nseg; i++) {
		json_t *f = json_array_get(files, i);
		char want[32];
		snprintf(want, sizeof want, "image.%03zu", i);
		assert_string_equal(cust_json_string(f, "name"), want);
		assert_int_equal(json_integer_value(json_object_get(f, "size")),
		                 i + 1 < nseg ? seg : len - i * seg);
	}
	json_decref(files);
	cust_image_writer_free(w);

	assert_split_is(dir, data, len, seg);
	/* what an examiner would do with stock tools */
	snprintf(cmd, sizeof cmd, "cat '%s'/image.* | wc -c", dir);
	assert_int_equal(run_cmd(cmd, &cat), 0);
	catlen = strtoul(cat, NULL, 10);
	assert_int_equal(catlen, len);
	free(cat);
	snprintf(cmd, sizeof cmd, "cat '%s'/image.* | md5sum", dir);
	assert_int_equal(run_cmd(cmd, &cat), 0);
	{
		char hex[CUST_DIGEST_HEX_MAX];
		hex_of(CUST_DIGEST_MD5, data, len, hex);
		assert_memory_equal(cat, hex, 32);
	}
	free(cat);
	assert_reads_back(dir, CUST_IMAGE_SPLIT, data, len);
	free(data);
}

static void test_split_ends_on_boundary(void **state)
{
	(void)state;
	check_split("boundary", MiB + 3, 3 * (MiB + 3));
}

static void test_split_ends_mid_segment(void **state)
{
	(void)state;
	check_split("mid", MiB + 3, 3 * (MiB + 3) + 1001);
}

static void test_split_single_short_segment(void **state)
{
	(void)state;
	check_split("short", MiB, 4097);
}

static void test_split_default_segment_size(void **state)
{
	struct cust_image_options o = { .format = CUST_IMAGE_SPLIT };
	unsigned char *data = make_data(MiB, 3);
	char dir[CUST_PATH_MAX];

	(void)state;
	subdir(dir, "default");
	write_image(dir, &o, data, MiB, NULL);
	assert_int_equal(count_in(dir), 1);
	assert_file_is(dir, "image.000", data, MiB);
	free(data);
}

/* Past image.999 the names grow a digit; readers go by number. */
static void test_split_past_999(void **state)
{
	const size_t len = 1003;
	unsigned char *data = make_data(len, 4);
	struct cust_image_options o = { .format = CUST_IMAGE_SPLIT,
		                        .segment_size = 1 };
	char dir[CUST_PATH_MAX];
	struct cust_image_writer *w;
	json_t *files;

	(void)state;
	subdir(dir, "many");
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, len, 8);
	close_ok(w, NULL);
	files = cust_image_writer_files(w);
	assert_int_equal(json_array_size(files), len);
	assert_string_equal(cust_json_string(json_array_get(files, 999),
	                                     "name"),
	                    "image.999");
	assert_string_equal(cust_json_string(json_array_get(files, 1002),
	                                     "name"),
	                    "image.1002");
	json_decref(files);
	cust_image_writer_free(w);
	assert_file_is(dir, "image.1000", data + 1000, 1);
	assert_reads_back(dir, CUST_IMAGE_SPLIT, data, len);
	free(data);
}

/* ---- resume ------------------------------------------------------------- */

/*
 * An acquisition writes DATA[0..OFFSET) and then GARBAGE bytes that were
 * never recorded (the sink ran ahead of the last checkpoint) and dies; the
 * resume at OFFSET writes the rest.  The result must equal the image of an
 * uninterrupted run in REF, file for file.
 */
static void check_resume(const struct cust_image_options *o,
                         const char *name, const unsigned char *data,
                         size_t len, size_t offset, size_t garbage,
                         const char *ref)
{
	unsigned char *junk = make_data(garbage, offset + 77);
	char dir[CUST_PATH_MAX], first[CUST_PATH_MAX];
	struct cust_image_writer *w;
	struct cust_error err;
	struct stat before, after;
	size_t seg = o->segment_size;
	int split = o->format == CUST_IMAGE_SPLIT;
	int first_complete = split && offset > seg;

	subdir(dir, name);
	w = open_ok(dir, o);
	write_pieces(w, data, 0, offset, offset + 1);
	if (garbage > 0)
		assert_int_equal(cust_image_writer_write(w, junk, garbage, offset,
		                                         &err),
		                 0);
	cust_image_writer_free(w); /* abandoned, not closed */

	join(first, dir, split ? "image.000" : "image.raw");
	assert_int_equal(stat(first, &before), 0);
	w = cust_image_writer_resume(dir, o, offset, &err);
	if (!w)
		fail_msg("resume '%s' at %zu: %s", name, offset, err.message);
	write_pieces(w, data, offset, len, offset + 3);
	close_ok(w, NULL);
	cust_image_writer_free(w);

	if (split) {
		assert_split_is(dir, data, len, seg);
		assert_int_equal(count_in(dir), count_in(ref));
	} else {
		assert_file_is(dir, "image.raw", data, len);
	}
	/* a complete first segment was left alone */
	assert_int_equal(stat(first, &after), 0);
	if (first_complete) {
		assert_int_equal(before.st_ino, after.st_ino);
		assert_int_equal(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
		assert_int_equal(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
	}
	assert_reads_back(dir, o->format, data, len);
	free(junk);
}

static void test_resume_raw(void **state)
{
	const size_t len = 3 * MiB + 5;
	static const size_t offsets[] = { 0, 1, 65536, 1234567, 3 * MiB + 5 };
	unsigned char *data = make_data(len, 21);
	struct cust_image_options o = { .format = CUST_IMAGE_RAW };
	char ref[CUST_PATH_MAX];
	size_t i;

	(void)state;
	subdir(ref, "raw-ref");
	write_image(ref, &o, data, len, NULL);
	for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "raw-%zu", i);
		check_resume(&o, name, data, len, offsets[i], 100000 + i, ref);
	}
	free(data);
}

static void test_resume_split(void **state)
{
	const size_t seg = 256 * 1024 + 3;
	const size_t len = 5 * seg + 1000;
	const size_t offsets[] = {
		0,              /* nothing kept */
		seg / 2,        /* inside the first segment */
		seg,            /* the first segment exactly */
		2 * seg + 17,   /* inside the third */
		3 * seg,        /* exactly three segments */
		3 * seg + 1,    /* one byte into the fourth */
		len,            /* everything was there */
	};
	unsigned char *data = make_data(len, 22);
	struct cust_image_options o = { .format = CUST_IMAGE_SPLIT,
		                        .segment_size = seg };
	char ref[CUST_PATH_MAX];
	size_t i;

	(void)state;
	subdir(ref, "split-ref");
	write_image(ref, &o, data, len, NULL);
	assert_split_is(ref, data, len, seg);
	for (i = 0; i < sizeof offsets / sizeof offsets[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "split-%zu", i);
		/* garbage reaching two segments past the offset */
		check_resume(&o, name, data, len, offsets[i], 2 * seg + 5, ref);
	}
	free(data);
}

static void test_resume_refusals(void **state)
{
	struct cust_image_options raw = { .format = CUST_IMAGE_RAW };
	struct cust_image_options split = { .format = CUST_IMAGE_SPLIT,
		                            .segment_size = 1000 };
	struct cust_image_options other = { .format = CUST_IMAGE_SPLIT,
		                            .segment_size = 999 };
	struct cust_image_options ewf = ewf_options();
	unsigned char *data = make_data(5000, 23);
	char dir[CUST_PATH_MAX], seg[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	subdir(dir, "refuse-raw");
	write_image(dir, &raw, data, 5000, NULL);
	assert_null(cust_image_writer_resume(dir, &raw, 5001, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "cannot resume at 5001"));
	assert_file_is(dir, "image.raw", data, 5000);

	subdir(dir, "refuse-split");
	write_image(dir, &split, data, 5000, NULL);
	assert_null(cust_image_writer_resume(dir, &split, 5001, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	/* another segment size than the image's */
	assert_null(cust_image_writer_resume(dir, &other, 10, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "segments of 1000 bytes"));
	/* a gap in the set */
	join(seg, dir, "image.002");
	assert_int_equal(unlink(seg), 0);
	assert_null(cust_image_writer_resume(dir, &split, 10, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, seg));
	assert_int_equal(count_in(dir), 4); /* nothing removed */

	subdir(dir, "refuse-none");
	assert_null(cust_image_writer_resume(dir, &raw, 0, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(cust_image_writer_resume(dir, &split, 0, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(cust_image_writer_resume(dir, &ewf, 0, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(count_in(dir), 0);
	free(data);
}

/* ---- refusals ----------------------------------------------------------- */

static void test_never_overwrites(void **state)
{
	struct cust_image_options raw = { .format = CUST_IMAGE_RAW };
	struct cust_image_options split = { .format = CUST_IMAGE_SPLIT };
	struct cust_image_options ewf = ewf_options();
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX], target[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	subdir(dir, "occupied-raw");
	join(path, dir, "image.raw");
	write_file(path, "evidence", 8);
	assert_null(cust_image_writer_open(dir, &raw, &err));
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, "already exists"));
	assert_non_null(strstr(err.message, path));
	assert_file_is(dir, "image.raw", (const unsigned char *)"evidence", 8);

	/* a planted link is not followed */
	subdir(dir, "link-raw");
	tpath(target, "target");
	write_file(target, "keep", 4);
	join(path, dir, "image.raw");
	assert_int_equal(symlink(target, path), 0);
	assert_null(cust_image_writer_open(dir, &raw, &err));
	assert_non_null(strstr(err.message, "already exists"));
	assert_int_equal(file_size(target), 4);

	/* a later segment of an earlier split image */
	subdir(dir, "occupied-split");
	join(path, dir, "image.002");
	write_file(path, "x", 1);
	assert_null(cust_image_writer_open(dir, &split, &err));
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, path));
	assert_int_equal(count_in(dir), 1);

	/* libewf would truncate a later EWF segment: refused up front */
	subdir(dir, "occupied-ewf");
	join(path, dir, "image.E03");
	write_file(path, "x", 1);
	assert_null(cust_image_writer_open(dir, &ewf, &err));
	assert_int_equal(err.kind, CUST_E_IO);
	assert_non_null(strstr(err.message, path));
	assert_int_equal(count_in(dir), 1);
	join(path, dir, "image.E01");
	assert_false(exists(path));
	subdir(dir, "occupied-e01");
	join(path, dir, "image.E01");
	write_file(path, "evidence", 8);
	assert_null(cust_image_writer_open(dir, &ewf, &err));
	assert_file_is(dir, "image.E01", (const unsigned char *)"evidence", 8);
}

static void test_bad_options(void **state)
{
	struct cust_image_options o = { .format = CUST_IMAGE_RAW };
	struct cust_error err;
	char dir[CUST_PATH_MAX];
	unsigned char byte = 0;
	struct cust_image_writer *w;

	(void)state;
	subdir(dir, "bad");
	o.compression = CUST_IMAGE_COMPRESS_FAST;
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	o.compression = CUST_IMAGE_COMPRESS_NONE;
	o.segment_size = 1000;
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	o.format = (enum cust_image_format)9;
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_null(cust_image_writer_open(dir, NULL, &err));
	assert_int_equal(count_in(dir), 0);

	/* a write at the wrong offset is refused */
	o.format = CUST_IMAGE_RAW;
	o.segment_size = 0;
	w = open_ok(dir, &o);
	assert_int_equal(cust_image_writer_write(w, &byte, 1, 1, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_image_writer_write(w, &byte, 1, 0, &err), 0);
	close_ok(w, NULL);
	assert_int_equal(cust_image_writer_close(w, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_image_writer_write(w, &byte, 1, 1, &err), -1);
	cust_image_writer_free(w);
	cust_image_writer_free(NULL);
	cust_image_reader_free(NULL);
}

/* A full disk is a clear error naming the file; emulated with a file size
 * limit (EFBIG instead of ENOSPC, the same path). */
static void check_write_error(const struct cust_image_options *o,
                              const char *name, const char *file)
{
	const size_t len = 3 * MiB;
	unsigned char *data = make_data(len, 31);
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_image_writer *w;
	struct cust_error err, again;
	struct rlimit old, lim;
	void (*old_handler)(int);
	size_t off = 0;
	int rc = 0;

	subdir(dir, name);
	join(path, dir, file);
	w = open_ok(dir, o);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = MiB + MiB / 2;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	while (off < len && rc == 0) {
		rc = cust_image_writer_write(w, data + off, 256 * 1024, off, &err);
		off += 256 * 1024;
	}
	if (rc == 0)
		rc = cust_image_writer_close(w, NULL, &err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(rc, -1);
	assert_int_equal(err.kind, CUST_E_IO);
	if (!strstr(err.message, path) || !strstr(err.message, strerror(EFBIG)))
		fail_msg("'%s' or the system error not in: %s", path,
		         err.message);
	/* the writer stays failed */
	assert_int_equal(cust_image_writer_close(w, NULL, &again), -1);
	assert_string_equal(again.message, err.message);
	cust_image_writer_free(w);
	free(data);
}

static void test_write_error_names_file(void **state)
{
	struct cust_image_options raw = { .format = CUST_IMAGE_RAW };
	struct cust_image_options split = { .format = CUST_IMAGE_SPLIT,
		                            .segment_size = 2 * MiB };

	(void)state;
	check_write_error(&raw, "full-raw", "image.raw");
	check_write_error(&split, "full-split", "image.000");
}

/* ---- reading damaged sets ----------------------------------------------- */

static void test_reader_missing_segment(void **state)
{
	struct cust_image_options o = { .format = CUST_IMAGE_SPLIT,
		                        .segment_size = 4096 };
	unsigned char *data = make_data(5 * 4096 + 10, 41);
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	subdir(dir, "gap");
	write_image(dir, &o, data, 5 * 4096 + 10, NULL);
	join(path, dir, "image.002");
	assert_int_equal(unlink(path), 0);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_SPLIT, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	if (!strstr(err.message, path) || !strstr(err.message, "missing"))
		fail_msg("unexpected: %s", err.message);

	/* a middle segment cut short */
	subdir(dir, "cut");
	write_image(dir, &o, data, 5 * 4096 + 10, NULL);
	join(path, dir, "image.001");
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(truncate(path, 4000), 0);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_SPLIT, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, path));

	/* no first segment */
	subdir(dir, "headless");
	write_image(dir, &o, data, 5 * 4096 + 10, NULL);
	join(path, dir, "image.000");
	assert_int_equal(unlink(path), 0);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_SPLIT, &err));
	assert_non_null(strstr(err.message, path));

	/* a name far past the cap is refused, not counted up to */
	subdir(dir, "far");
	join(path, dir, "image.000");
	write_file(path, "x", 1);
	join(path, dir, "image.1000000");
	write_file(path, "x", 1);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_SPLIT, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "at most"));
	{
		struct cust_image_options split = { .format = CUST_IMAGE_SPLIT };
		assert_null(cust_image_writer_open(dir, &split, &err));
		assert_null(cust_image_writer_resume(dir, &split, 1, &err));
		assert_int_equal(count_in(dir), 2);
	}

	subdir(dir, "nothing");
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_SPLIT, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_RAW, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(cust_image_reader_open(dir, CUST_IMAGE_EWF, &err));
	assert_int_equal(err.kind, CUST_E_INPUT);
	free(data);
}

/* ---- EWF ---------------------------------------------------------------- */

static void test_ewf_verifies_with_case_fields(void **state)
{
	const size_t len = 8 * MiB;
	unsigned char *data = make_data(len, 51);
	struct cust_image_options o = ewf_options();
	char md5[CUST_DIGEST_HEX_MAX], sha1[CUST_DIGEST_HEX_MAX];
	struct cust_image_hashes h;
	char dir[CUST_PATH_MAX], cmd[CUST_PATH_MAX + 64], v[256];
	struct cust_image_writer *w;
	json_t *files;
	char *out;

	(void)state;
	if (!have_ewf_tools())
		skip();
	hex_of(CUST_DIGEST_MD5, data, len, md5);
	hex_of(CUST_DIGEST_SHA1, data, len, sha1);
	h.md5 = md5;
	h.sha1 = sha1;
	o.media_size = len;
	subdir(dir, "ewf");
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, len, 52);
	close_ok(w, &h);
	files = cust_image_writer_files(w);
	assert_int_equal(json_array_size(files), 1);
	assert_string_equal(cust_json_string(json_array_get(files, 0), "name"),
	                    "image.E01");
	json_decref(files);
	cust_image_writer_free(w);

	assert_ewfverify(dir, md5, sha1);
	snprintf(cmd, sizeof cmd, "ewfinfo '%s/image.E01' 2>&1", dir);
	assert_int_equal(run_cmd(cmd, &out), 0);
	field(out, "Case number:", v, sizeof v);
	assert_string_equal(v, o.case_number);
	field(out, "Evidence number:", v, sizeof v);
	assert_string_equal(v, o.evidence_number);
	field(out, "Examiner name:", v, sizeof v);
	assert_string_equal(v, o.examiner);
	field(out, "Description:", v, sizeof v);
	assert_string_equal(v, o.description);
	field(out, "Notes:", v, sizeof v);
	assert_string_equal(v, o.notes);
	field(out, "Software version used:", v, sizeof v);
	assert_string_equal(v + strlen("custody "), cust_version());
	assert_memory_equal(v, "custody ", strlen("custody "));
	field(out, "File format:", v, sizeof v);
	assert_string_equal(v, "EnCase 6");
	field(out, "Media size:", v, sizeof v);
	assert_non_null(strstr(v, "8388608 bytes"));
	free(out);
	assert_reads_back(dir, CUST_IMAGE_EWF, data, len);
	free(data);
}

/* Writes DATA as an EWF image in a new folder NAME; returns the E01 size. */
static off_t ewf_write_named(const char *name, char *dir,
                             enum cust_image_compression c, uint64_t seg,
                             const unsigned char *data, size_t len)
{
	struct cust_image_options o = ewf_options();
	char md5[CUST_DIGEST_HEX_MAX], path[CUST_PATH_MAX];
	struct cust_image_hashes h = { md5, NULL };

	hex_of(CUST_DIGEST_MD5, data, len, md5);
	o.compression = c;
	o.segment_size = seg;
	subdir(dir, name);
	write_image(dir, &o, data, len, &h);
	assert_ewfverify(dir, md5, NULL);
	assert_reads_back(dir, CUST_IMAGE_EWF, data, len);
	join(path, dir, "image.E01");
	return file_size(path);
}

static void test_ewf_compression(void **state)
{
	const size_t len = 8 * MiB;
	unsigned char *text = make_text(len);
	unsigned char *noise = make_data(len, 61);
	char dir[CUST_PATH_MAX];
	off_t plain, fast, best, random_fast;

	(void)state;
	if (!have_ewf_tools())
		skip();
	plain = ewf_write_named("ewf-none", dir, CUST_IMAGE_COMPRESS_NONE, 0,
	                        text, len);
	fast = ewf_write_named("ewf-fast", dir, CUST_IMAGE_COMPRESS_FAST, 0,
	                       text, len);
	best = ewf_write_named("ewf-best", dir, CUST_IMAGE_COMPRESS_BEST, 0,
	                       text, len);
	assert_true(plain > (off_t)len);
	assert_true(fast < plain / 4);
	assert_true(best <= fast);
	/* incompressible chunks are stored as they are, and still verify */
	random_fast = ewf_write_named("ewf-noise", dir,
	                              CUST_IMAGE_COMPRESS_FAST, 0, noise, len);
	assert_true(random_fast > (off_t)len);
	free(text);
	free(noise);
}

/* DATA as an EWF image of 1 MiB segments, at least MIN of them. */
static void check_ewf_segments(const char *name, enum cust_image_compression c,
                               const unsigned char *data, size_t len,
                               size_t min)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_image_options o = ewf_options();
	char md5[CUST_DIGEST_HEX_MAX];
	struct cust_image_hashes h = { md5, NULL };
	struct cust_image_writer *w;
	json_t *files;
	size_t i, n;

	hex_of(CUST_DIGEST_MD5, data, len, md5);
	o.compression = c;
	o.segment_size = MiB; /* ewfacquire's minimum */
	subdir(dir, name);
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, len, 71);
	close_ok(w, &h);
	files = cust_image_writer_files(w);
	n = json_array_size(files);
	if (n < min)
		fail_msg("%zu segments, wanted %zu or more", n, min);
	assert_int_equal(count_in(dir), n);
	for (i = 0; i < n; i++) {
		json_t *f = json_array_get(files, i);
		char want[32];
		snprintf(want, sizeof want, "image.E%02zu", i + 1);
		assert_string_equal(cust_json_string(f, "name"), want);
		join(path, dir, want);
		assert_int_equal(json_integer_value(json_object_get(f, "size")),
		                 file_size(path));
		assert_true(file_size(path) <= (off_t)(MiB + 64 * 1024));
	}
	json_decref(files);
	cust_image_writer_free(w);
	assert_ewfverify(dir, md5, NULL);
	assert_reads_back(dir, CUST_IMAGE_EWF, data, len);

	/* a missing segment is found: named when others follow it, else
	 * libewf finds the set unfinished */
	join(path, dir, "image.E02");
	assert_int_equal(unlink(path), 0);
	{
		struct cust_error err;
		assert_null(cust_image_reader_open(dir, CUST_IMAGE_EWF, &err));
		assert_int_equal(err.kind, CUST_E_INPUT);
		if (!strstr(err.message, n > 2 ? path : "incomplete"))
			fail_msg("unexpected: %s", err.message);
	}
}

static void test_ewf_segments(void **state)
{
	const size_t len = 8 * MiB;
	unsigned char *noise = make_data(len, 71);
	unsigned char *text = make_text(4 * len);

	(void)state;
	if (!have_ewf_tools())
		skip();
	check_ewf_segments("ewf-seg-none", CUST_IMAGE_COMPRESS_NONE, noise, len,
	                   8);
	check_ewf_segments("ewf-seg-fast", CUST_IMAGE_COMPRESS_FAST, noise, len,
	                   8);
	/* two segments: the one removed then is the last */
	check_ewf_segments("ewf-seg-text", CUST_IMAGE_COMPRESS_BEST, text,
	                   4 * len, 2);
	free(noise);
	free(text);
}

/* The writer as a sink of the digest engine, as custody-image uses it. */
static void test_ewf_as_digest_sink(void **state)
{
	const size_t len = 6 * MiB + 512 * 3;
	unsigned char *data = make_text(len);
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5 |
		                                  CUST_DIGEST_SHA1,
		                          .buffer_size = MiB };
	struct cust_image_options o = ewf_options();
	struct cust_image_hashes h;
	struct cust_digest_engine *e;
	struct cust_image_writer *w;
	struct cust_error err;
	char dir[CUST_PATH_MAX], md5[CUST_DIGEST_HEX_MAX];

	(void)state;
	if (!have_ewf_tools())
		skip();
	o.compression = CUST_IMAGE_COMPRESS_FAST;
	o.media_size = len;
	subdir(dir, "ewf-sink");
	w = open_ok(dir, &o);
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, cust_image_writer_write,
	                                             w, &err),
	                 0);
	assert_int_equal(cust_digest_engine_update(e, data, len, &err), 0);
	if (cust_digest_engine_finish(e, &err) != 0)
		fail_msg("finish: %s", err.message);
	h.md5 = cust_digest_engine_hex(e, CUST_DIGEST_MD5);
	h.sha1 = cust_digest_engine_hex(e, CUST_DIGEST_SHA1);
	close_ok(w, &h);
	hex_of(CUST_DIGEST_MD5, data, len, md5);
	assert_string_equal(h.md5, md5);
	assert_ewfverify(dir, md5, h.sha1);
	cust_digest_engine_free(e);
	cust_image_writer_free(w);
	assert_reads_back(dir, CUST_IMAGE_EWF, data, len);
	free(data);
}

static void test_ewf_refusals(void **state)
{
	struct cust_image_options o = ewf_options();
	unsigned char *data = make_data(64 * 1024, 81);
	struct cust_image_hashes bad = { "not-hex", NULL };
	char dir[CUST_PATH_MAX];
	struct cust_image_writer *w;
	struct cust_error err;

	(void)state;
	/* a newline would break the header apart (and inject fields) */
	subdir(dir, "ewf-header");
	o.notes = "one\n\tSoftware version used:\tforged";
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "notes"));
	assert_int_equal(count_in(dir), 0);
	o = ewf_options();
	o.sector_size = 1000;
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	o.sector_size = 0;
	o.media_size = 1000;
	assert_null(cust_image_writer_open(dir, &o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(count_in(dir), 0);

	/* a partial sector cannot be stored */
	subdir(dir, "ewf-partial");
	o = ewf_options();
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, 64 * 1024 - 1, 3);
	assert_int_equal(cust_image_writer_close(w, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "whole sectors"));
	cust_image_writer_free(w);

	/* a stream shorter or longer than the media size given */
	subdir(dir, "ewf-short");
	o.media_size = 128 * 1024;
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, 64 * 1024, 3);
	assert_int_equal(cust_image_writer_close(w, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INCOMPLETE);
	cust_image_writer_free(w);
	subdir(dir, "ewf-long");
	o.media_size = 32 * 1024;
	w = open_ok(dir, &o);
	assert_int_equal(cust_image_writer_write(w, data, 64 * 1024, 0, &err),
	                 -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	cust_image_writer_free(w);

	/* hashes that are not hex */
	subdir(dir, "ewf-badhash");
	o.media_size = 0;
	w = open_ok(dir, &o);
	write_pieces(w, data, 0, 64 * 1024, 3);
	assert_int_equal(cust_image_writer_close(w, &bad, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	cust_image_writer_free(w);
	free(data);
}

static void test_ewf_empty_stream(void **state)
{
	char dir[CUST_PATH_MAX], md5[CUST_DIGEST_HEX_MAX];
	struct cust_image_options o = ewf_options();
	struct cust_image_hashes h = { md5, NULL };

	(void)state;
	if (!have_ewf_tools())
		skip();
	hex_of(CUST_DIGEST_MD5, "", 0, md5);
	o.compression = CUST_IMAGE_COMPRESS_FAST;
	subdir(dir, "ewf-empty");
	write_image(dir, &o, (const unsigned char *)"", 0, &h);
	assert_ewfverify(dir, md5, NULL);
	assert_reads_back(dir, CUST_IMAGE_EWF, (const unsigned char *)"", 0);
}

/* A flipped byte in the chunk data of an uncompressed E01 is caught. */
static void test_ewf_tampered(void **state)
{
	const size_t len = 2 * MiB;
	unsigned char *data = make_data(len, 91);
	struct cust_image_options o = ewf_options();
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct cust_image_reader *r;
	struct cust_error err;
	unsigned char *buf = malloc(len), b;
	size_t got = 0, pos = 0;
	int fd, rc = 0;

	(void)state;
	assert_non_null(buf);
	subdir(dir, "ewf-tampered");
	write_image(dir, &o, data, len, NULL);
	join(path, dir, "image.E01");
	assert_int_equal(chmod(path, 0644), 0);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, file_size(path) / 2), 1);
	b ^= 0x40;
	assert_int_equal(pwrite(fd, &b, 1, file_size(path) / 2), 1);
	assert_int_equal(close(fd), 0);

	r = cust_image_reader_open(dir, CUST_IMAGE_EWF, &err);
	assert_non_null(r);
	while (rc == 0 && pos < len) {
		rc = cust_image_reader_read(r, buf + pos, 65536, &got, &err);
		pos += got;
	}
	assert_int_equal(rc, -1);
	assert_int_equal(err.kind, CUST_E_MISMATCH);
	assert_non_null(strstr(err.message, "checksum"));
	cust_image_reader_free(r);
	free(buf);
	free(data);
}

static void test_ewf_write_error_names_file(void **state)
{
	struct cust_image_options o = ewf_options();

	(void)state;
	check_write_error(&o, "full-ewf", "image.E01");
	o.compression = CUST_IMAGE_COMPRESS_FAST;
	check_write_error(&o, "full-ewf-fast", "image.E01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_raw_round_trip),
		cmocka_unit_test(test_raw_empty_stream),
		cmocka_unit_test(test_split_ends_on_boundary),
		cmocka_unit_test(test_split_ends_mid_segment),
		cmocka_unit_test(test_split_single_short_segment),
		cmocka_unit_test(test_split_default_segment_size),
		cmocka_unit_test(test_split_past_999),
		cmocka_unit_test(test_resume_raw),
		cmocka_unit_test(test_resume_split),
		cmocka_unit_test(test_resume_refusals),
		cmocka_unit_test(test_never_overwrites),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_write_error_names_file),
		cmocka_unit_test(test_reader_missing_segment),
		cmocka_unit_test(test_ewf_verifies_with_case_fields),
		cmocka_unit_test(test_ewf_compression),
		cmocka_unit_test(test_ewf_segments),
		cmocka_unit_test(test_ewf_as_digest_sink),
		cmocka_unit_test(test_ewf_refusals),
		cmocka_unit_test(test_ewf_empty_stream),
		cmocka_unit_test(test_ewf_tampered),
		cmocka_unit_test(test_ewf_write_error_names_file),
	};

	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
