/* test_analyze.c - unit tests of the content analyzer
 * (include/custody/analyze.h): streamed and whole content give the same
 * digests, type and targets; collected targets replay in order; the type
 * cache answers for equal content only; analyzers sharing one libmagic;
 * a compressed content the archive walk opens is not decoded twice. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "custody/analyze.h"
#include "custody/digest.h"
#include "testutil.h"

static const struct cust_analysis_options all = {
	.digests = CUST_DIGEST_MD5 | CUST_DIGEST_SHA1 | CUST_DIGEST_SHA256,
	.types = 1,
	.carve = CUST_CARVE_ALL,
};

/* A PHP panel config larger than libmagic's head, with targets on both
 * sides of every 4096-byte boundary. */
static char *make_content(size_t *len)
{
	size_t cap = 3 << 20, n = 0;
	char *s = malloc(cap);
	unsigned i = 0;

	n += (size_t)snprintf(s, cap, "<?php\n");
	while (n < cap - 200) {
		n += (size_t)snprintf(s + n, cap - n,
		                      "$bots[%u] = \"bot%u@relay%u.example.com\"; "
		                      "// 198.51.100.%u\n",
		                      i, i, i % 13, i % 250);
		i++;
	}
	*len = n;
	return s;
}

static void md_hex(const EVP_MD *md, const void *buf, size_t len, char *hex)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	assert_true(EVP_Digest(buf, len, d, &n, md, NULL));
	cust_hex_encode(d, n, hex);
}

static void test_stream_equals_buffer(void **state)
{
	struct cust_analysis whole, streamed;
	struct cust_analyzer *a;
	struct cust_error err;
	char hex[129];
	size_t len, off, step;
	char *s = make_content(&len);

	(void)state;
	a = cust_analyzer_new(&all, &err);
	assert_non_null(a);
	cust_analysis_init(&whole);
	assert_int_equal(cust_analyze_buffer(a, &whole, s, len, NULL, NULL,
	                                     &err), 0);
	md_hex(EVP_md5(), s, len, hex);
	assert_string_equal(whole.md5, hex);
	md_hex(EVP_sha1(), s, len, hex);
	assert_string_equal(whole.sha1, hex);
	md_hex(EVP_sha256(), s, len, hex);
	assert_string_equal(whole.sha256, hex);
	assert_string_equal(whole.mime, "text/x-php");
	assert_true(whole.nfound > 1000);
	assert_int_equal(whole.bytes, len);

	/* streamed in odd pieces, its tail given as a file's would be */
	cust_analysis_init(&streamed);
	assert_int_equal(cust_analyzer_begin(a, &streamed, NULL, NULL, &err), 0);
	for (off = 0, step = 1; off < len; off += step, step = step * 7 % 9973 + 1)
		assert_int_equal(cust_analyzer_feed(a, &streamed, s + off,
		                                    step < len - off ? step
		                                                     : len - off,
		                                    &err), 0);
	assert_int_equal(cust_analyzer_end(a, &streamed,
	                                   s + len - CUST_CLASSIFY_BYTES,
	                                   CUST_CLASSIFY_BYTES, len, &err), 0);
	assert_string_equal(streamed.md5, whole.md5);
	assert_string_equal(streamed.sha256, whole.sha256);
	assert_string_equal(streamed.mime, whole.mime);
	assert_string_equal(streamed.description, whole.description);
	assert_int_equal(streamed.nfound, whole.nfound);
	assert_int_equal(streamed.text_len, whole.text_len);
	assert_memory_equal(streamed.text, whole.text, whole.text_len);
	cust_analysis_clear(&streamed);
	cust_analysis_clear(&whole);
	cust_analyzer_free(a);
	free(s);
}

struct seen {
	size_t n;
	uint64_t last_offset;
	int in_order;
};

static int count(void *ctx, const struct cust_carve_hit *h,
                 struct cust_error *err)
{
	struct seen *s = ctx;

	(void)err;
	if (h->kind == CUST_CARVE_EMAIL) {
		if (s->n && h->offset < s->last_offset)
			s->in_order = 0;
		s->last_offset = h->offset;
	}
	s->n++;
	return 0;
}

static void test_sink_and_replay(void **state)
{
	static const char text[] = "mail ops@panel.example.net and "
	                           "root@cnc.example.org from 203.0.113.9\n";
	struct seen direct = { 0, 0, 1 }, replayed = { 0, 0, 1 };
	struct cust_analysis r;
	struct cust_analyzer *a;
	struct cust_error err;

	(void)state;
	a = cust_analyzer_new(&all, &err);
	assert_non_null(a);
	cust_analysis_init(&r);
	assert_int_equal(cust_analyze_buffer(a, &r, text, sizeof text - 1,
	                                     count, &direct, &err), 0);
	assert_int_equal(r.nfound, 0); /* the sink took them */
	cust_analysis_clear(&r);
	assert_int_equal(cust_analyze_buffer(a, &r, text, sizeof text - 1,
	                                     NULL, NULL, &err), 0);
	assert_int_equal(r.nfound, direct.n);
	assert_int_equal(cust_analysis_replay(&r, count, &replayed, &err), 0);
	assert_int_equal(replayed.n, direct.n);
	assert_true(replayed.in_order);
	assert_true(direct.n >= 5); /* 2 emails, their 2 domains, 1 IP */
	cust_analysis_clear(&r);
	cust_analyzer_free(a);
}

static void test_type_cache(void **state)
{
	static const char php[] = "<?php echo 'panel'; ?>\n";
	static const char gz[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
	                         "\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00";
	struct cust_analysis_options o = all;
	struct cust_analyzer *a, *b;
	struct cust_analysis r;
	struct cust_error err;

	(void)state;
	o.cache = cust_type_cache_new(4, &err);
	assert_non_null(o.cache);
	a = cust_analyzer_new(&o, &err);
	b = cust_analyzer_new_sharing(&o, a, &err);
	assert_non_null(a);
	assert_non_null(b);
	cust_analysis_init(&r);
	assert_int_equal(cust_analyze_buffer(a, &r, php, sizeof php - 1, NULL,
	                                     NULL, &err), 0);
	assert_int_equal(cust_type_cache_hits(o.cache), 0);
	cust_analysis_clear(&r);
	/* the same content through the other analyzer: from the cache */
	assert_int_equal(cust_analyze_buffer(b, &r, php, sizeof php - 1, NULL,
	                                     NULL, &err), 0);
	assert_int_equal(cust_type_cache_hits(o.cache), 1);
	assert_string_equal(r.mime, "text/x-php");
	cust_analysis_clear(&r);
	/* other content: libmagic again, through the shared classifier */
	assert_int_equal(cust_analyze_buffer(b, &r, gz, sizeof gz - 1, NULL,
	                                     NULL, &err), 0);
	assert_int_equal(cust_type_cache_hits(o.cache), 1);
	assert_string_equal(r.mime, "application/gzip");
	cust_analysis_clear(&r);
	cust_analyzer_free(b);
	cust_analyzer_free(a);
	cust_type_cache_free(o.cache);
}

/* ---- contents the archive walk opens: left to it, not decoded here */

static int opens_compressed(const char *mime)
{
	return strcmp(mime, "application/gzip") == 0 ||
	       strcmp(mime, "application/x-bzip2") == 0 ||
	       strcmp(mime, "application/x-xz") == 0;
}

static int opens_nothing(const char *mime)
{
	(void)mime;
	return 0;
}

/* LEN bytes of gzip (level 1) of TEXT, then pseudo-random bytes to
 * PLAIN bytes in all: new memory in *OUT. */
static size_t gzip_of(const char *text, size_t plain, unsigned char **out)
{
	unsigned char *in = malloc(plain), *z;
	size_t n = strlen(text), i, cap = plain + plain / 100 + 1024;
	uint32_t x = 12345;
	z_stream s;

	assert_non_null(in);
	memcpy(in, text, n);
	for (i = n; i < plain; i++) {
		x = x * 1103515245u + 12345u;
		in[i] = (unsigned char)(x >> 24);
	}
	z = malloc(cap);
	assert_non_null(z);
	memset(&s, 0, sizeof s);
	assert_int_equal(deflateInit2(&s, 1, Z_DEFLATED, 16 + 15, 8,
	                              Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = in;
	s.avail_in = (uInt)plain;
	s.next_out = z;
	s.avail_out = (uInt)cap;
	assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
	n = cap - s.avail_out;
	deflateEnd(&s);
	free(in);
	*out = z;
	return n;
}

/* The hits of R as "OFFSET VALUE PATH" lines, in order. */
static char *hits_of(const struct cust_analysis *r)
{
	size_t i, cap = 64 + r->nfound * 128, n = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[0] = '\0';
	for (i = 0; i < r->nfound; i++) {
		const struct cust_found *f = &r->found[i];
		int w = snprintf(s + n, cap - n, "%llu %.*s %s\n",
		                 (unsigned long long)f->offset,
		                 (int)f->value_len, r->text + f->value,
		                 f->path == SIZE_MAX ? "-" : r->text + f->path);
		assert_true(w > 0 && (size_t)w < cap - n);
		n += (size_t)w;
	}
	return s;
}

/* Whether R holds the hit LINE ("OFFSET VALUE PATH"). */
static int has_hit(const struct cust_analysis *r, const char *line)
{
	char *s = hits_of(r);
	int yes = strstr(s, line) != NULL;

	free(s);
	return yes;
}

/* Analyze BUF whole, or streamed (1, 2 and 3 bytes, then the rest), into
 * R (collected). */
static void analyze(struct cust_analyzer *a, struct cust_analysis *r,
                    const unsigned char *buf, size_t len, int streamed)
{
	struct cust_error err;
	size_t off = 0, step = 1;

	cust_analysis_init(r);
	if (!streamed) {
		assert_int_equal(cust_analyze_buffer(a, r, buf, len, NULL, NULL,
		                                     &err), 0);
		return;
	}
	assert_int_equal(cust_analyzer_begin(a, r, NULL, NULL, &err), 0);
	while (off < len) {
		size_t n = step < 4 ? step++ : len - off;
		if (n > len - off)
			n = len - off;
		assert_int_equal(cust_analyzer_feed(a, r, buf + off, n, &err), 0);
		off += n;
	}
	assert_int_equal(cust_analyzer_end(a, r, len > CUST_CLASSIFY_BYTES
	                                          ? buf + len - CUST_CLASSIFY_BYTES
	                                          : NULL,
	                                   len > CUST_CLASSIFY_BYTES
	                                   ? CUST_CLASSIFY_BYTES : 0,
	                                   len, &err), 0);
}

static void test_archive_left_to_walk(void **state)
{
	struct cust_analysis_options on = all, off = all, nowalk = all;
	struct cust_analyzer *a, *b, *c;
	struct cust_analysis r, plain;
	struct cust_error err;
	unsigned char *gz_small, *gz_large, *mixed, bz[4096];
	unsigned bz_len = sizeof bz;
	size_t small_len, large_len, mixed_len, k;
	static const char text[] = "queue: walk-victim@mail-gz.example.com\n";
	char padded[2048];
	int streamed;

	(void)state;
	on.decode = 1;
	on.opens_archive = opens_compressed;
	off.opens_archive = opens_compressed;
	nowalk.decode = 1;
	nowalk.opens_archive = opens_nothing;
	a = cust_analyzer_new(&on, &err);
	b = cust_analyzer_new(&off, &err);
	c = cust_analyzer_new(&nowalk, &err);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	small_len = gzip_of(text, sizeof text - 1, &gz_small);
	/* more than libmagic's head, compressed */
	large_len = gzip_of(text, CUST_CLASSIFY_BYTES * 3 / 2, &gz_large);
	assert_true(large_len > CUST_CLASSIFY_BYTES);
	memset(padded, ' ', sizeof padded);
	memcpy(padded, text, sizeof text - 1);
	assert_int_equal(BZ2_bzBuffToBuffCompress((char *)bz, &bz_len, padded,
	                                          sizeof padded, 9, 0, 0),
	                 BZ_OK);
	/* a gzip stream 100 bytes into other bytes: no archive */
	mixed_len = 100 + small_len;
	mixed = malloc(mixed_len);
	assert_non_null(mixed);
	memset(mixed, 'x', 100);
	memcpy(mixed + 100, gz_small, small_len);

	for (streamed = 0; streamed < 2; streamed++) {
		const unsigned char *in[3] = { gz_small, gz_large, bz };
		size_t inl[3] = { small_len, large_len, bz_len };
		for (k = 0; k < 3; k++) {
			char *got, *want;
			analyze(a, &r, in[k], inl[k], streamed);
			analyze(b, &plain, in[k], inl[k], streamed);
			assert_true(r.typed && opens_compressed(r.mime));
			/* the same targets as without decoders: the
			 * members carry the decoded ones */
			got = hits_of(&r);
			want = hits_of(&plain);
			assert_string_equal(got, want);
			free(got);
			free(want);
			/* and nothing decoded here */
			assert_true(r.decoded);
			assert_int_equal(r.decode.streams[CUST_DECODE_GZIP], 0);
			assert_int_equal(r.decode.bytes[CUST_DECODE_GZIP], 0);
			assert_int_equal(r.decode.streams[CUST_DECODE_BZIP2], 0);
			assert_int_equal(r.decode.bytes[CUST_DECODE_BZIP2], 0);
			assert_int_equal(r.decode.left_to_archives, 1);
			cust_analysis_clear(&r);
			cust_analysis_clear(&plain);
		}
		/* a caller that opens no archive: decoded here */
		analyze(c, &r, gz_small, small_len, streamed);
		assert_int_equal(r.decode.streams[CUST_DECODE_GZIP], 1);
		assert_true(has_hit(&r, "0 walk-victim@mail-gz.example.com -GZIP-7"));
		assert_int_equal(r.decode.left_to_archives, 0);
		cust_analysis_clear(&r);
		/* a stream that is not the content's first bytes: decoded */
		analyze(a, &r, mixed, mixed_len, streamed);
		assert_int_equal(r.decode.streams[CUST_DECODE_GZIP], 1);
		assert_true(has_hit(&r,
		                    "100 walk-victim@mail-gz.example.com -GZIP-7"));
		cust_analysis_clear(&r);
	}
	free(mixed);
	free(gz_small);
	free(gz_large);
	cust_analyzer_free(c);
	cust_analyzer_free(b);
	cust_analyzer_free(a);
}

static void test_nothing_asked(void **state)
{
	struct cust_analysis_options none = { .digests = 0 };
	struct cust_analysis r;
	struct cust_analyzer *a;
	struct cust_error err;

	(void)state;
	a = cust_analyzer_new(&none, &err);
	assert_non_null(a);
	cust_analysis_init(&r);
	assert_int_equal(cust_analyze_buffer(a, &r, "ops@x.example.com", 17,
	                                     NULL, NULL, &err), 0);
	assert_string_equal(r.md5, "");
	assert_false(r.typed);
	assert_int_equal(r.nfound, 0);
	assert_int_equal(r.bytes, 17);
	cust_analysis_clear(&r);
	cust_analyzer_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_equals_buffer),
		cmocka_unit_test(test_sink_and_replay),
		cmocka_unit_test(test_type_cache),
		cmocka_unit_test(test_nothing_asked),
		cmocka_unit_test(test_archive_left_to_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
