/* test_analyze.c - unit tests of the content analyzer
 * (include/custody/analyze.h): streamed and whole content give the same
 * digests, type and targets; collected targets replay in order; the type
 * cache answers for equal content only; analyzers sharing one libmagic. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
