/* test_digest.c - unit tests of include/custody/digest.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/digest.h"
#include "testutil.h"

#define NALGS 5
#define MILLION 1000000u
#define HANG_LIMIT_SECONDS 300 /* a deadlock fails the run, not hangs it */

static const enum cust_digest_alg all_algs[NALGS] = {
	CUST_DIGEST_MD5, CUST_DIGEST_SHA1, CUST_DIGEST_SHA256,
	CUST_DIGEST_SHA512, CUST_DIGEST_SHA3_256
};

/* Known answers: "", "abc" and a million 'a', in the order of all_algs. */
static const char *const kat_empty[NALGS] = {
	"d41d8cd98f00b204e9800998ecf8427e",
	"da39a3ee5e6b4b0d3255bfef95601890afd80709",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
	"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
	"a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
};
static const char *const kat_abc[NALGS] = {
	"900150983cd24fb0d6963f7d28e17f72",
	"a9993e364706816aba3e25717850c26c9cd0d89d",
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	"3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
};
static const char *const kat_million_a[NALGS] = {
	"7707d6ae4e027c70eea2a935c2296f21",
	"34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	"e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
	"de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
	"5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1",
};

/* ---- helpers ------------------------------------------------------------ */

/* Every algorithm of a finished engine agrees with one-shot digests. */
static void assert_engine_matches(const struct cust_digest_engine *e,
                                  const unsigned char *data, size_t len)
{
	char want[CUST_DIGEST_HEX_MAX];
	unsigned char raw[CUST_DIGEST_MAX_SIZE];
	int i;

	for (i = 0; i < NALGS; i++) {
		const char *got = cust_digest_engine_hex(e, all_algs[i]);

		hex_of(all_algs[i], data, len, want);
		assert_non_null(got);
		assert_string_equal(got, want);
		assert_int_equal(cust_hex_decode(want, raw,
		                                 cust_digest_size(all_algs[i])), 0);
		assert_memory_equal(cust_digest_engine_result(e, all_algs[i]), raw,
		                    cust_digest_size(all_algs[i]));
	}
	assert_int_equal(cust_digest_engine_length(e), len);
}

/* Feed DATA through buffer/commit in pieces of up to CHUNK (0: random
 * lengths 0..cap, drawn from SEED). */
static void feed(struct cust_digest_engine *e, const unsigned char *data,
                 size_t len, size_t chunk, uint64_t seed)
{
	struct cust_error err;
	uint64_t x = seed | 1;
	size_t at = 0;

	while (at < len) {
		size_t cap = 0, n;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, &err);

		assert_non_null(buf);
		assert_true(cap > 0);
		n = chunk ? chunk : (size_t)(next_rand(&x) % (cap + 1));
		if (n > cap)
			n = cap;
		if (n > len - at)
			n = len - at;
		memcpy(buf, data + at, n);
		assert_int_equal(cust_digest_engine_commit(e, n, &err), 0);
		at += n;
	}
}

/* TMPDIR/NAME in a new buffer, which the caller frees. */
static char *temp_path(const char *name)
{
	char *p = malloc(CUST_PATH_MAX);

	assert_non_null(p);
	tpath(p, name);
	return p;
}

/* A temporary file holding DATA; returns its malloc'd path. */
static char *write_temp(const unsigned char *data, size_t len)
{
	char *path = temp_path("fileXXXXXX");
	size_t at = 0;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	while (at < len) {
		ssize_t n = write(fd, data + at, len - at);

		assert_true(n > 0);
		at += (size_t)n;
	}
	assert_int_equal(close(fd), 0);
	return path;
}

/* ---- names, lists, hex -------------------------------------------------- */

static void test_names_and_sizes(void **state)
{
	(void)state;
	assert_string_equal(cust_digest_name(CUST_DIGEST_MD5), "md5");
	assert_string_equal(cust_digest_name(CUST_DIGEST_SHA1), "sha1");
	assert_string_equal(cust_digest_name(CUST_DIGEST_SHA256), "sha256");
	assert_string_equal(cust_digest_name(CUST_DIGEST_SHA512), "sha512");
	assert_string_equal(cust_digest_name(CUST_DIGEST_SHA3_256), "sha3-256");
	assert_null(cust_digest_name((enum cust_digest_alg)0));
	assert_null(cust_digest_name((enum cust_digest_alg)3));
	assert_int_equal(cust_digest_size(CUST_DIGEST_MD5), 16);
	assert_int_equal(cust_digest_size(CUST_DIGEST_SHA1), 20);
	assert_int_equal(cust_digest_size(CUST_DIGEST_SHA256), 32);
	assert_int_equal(cust_digest_size(CUST_DIGEST_SHA512), 64);
	assert_int_equal(cust_digest_size(CUST_DIGEST_SHA3_256), 32);
	assert_int_equal(cust_digest_size((enum cust_digest_alg)6), 0);
}

static void test_parse_list_good(void **state)
{
	struct cust_error err;
	unsigned algs = 0;

	(void)state;
	assert_int_equal(cust_digest_parse_list("md5", &algs, &err), 0);
	assert_int_equal(algs, CUST_DIGEST_MD5);
	assert_int_equal(cust_digest_parse_list("md5,sha1,sha256,sha512,sha3-256",
	                                        &algs, &err), 0);
	assert_int_equal(algs, CUST_DIGEST_ALL);
	assert_int_equal(cust_digest_parse_list("SHA256,Md5", &algs, &err), 0);
	assert_int_equal(algs, CUST_DIGEST_SHA256 | CUST_DIGEST_MD5);
	assert_int_equal(cust_digest_parse_list("sha1,SHA1,sha1", &algs, &err), 0);
	assert_int_equal(algs, CUST_DIGEST_SHA1);
	assert_int_equal(cust_digest_parse_list("SHA3-256", &algs, &err), 0);
	assert_int_equal(algs, CUST_DIGEST_SHA3_256);
}

static void test_parse_list_bad(void **state)
{
	static const struct {
		const char *list;
		const char *message;
	} bad[] = {
		{ "sha2", "unknown digest 'sha2'" },
		{ "md5,sha2", "unknown digest 'sha2'" },
		{ "md5,sha256x", "unknown digest 'sha256x'" },
		{ "md5 ,sha1", "unknown digest 'md5 '" },
		{ "sha3", "unknown digest 'sha3'" },
		{ "", "empty digest list" },
		{ "md5,,sha1", "empty item in digest list 'md5,,sha1'" },
		{ ",md5", "empty item in digest list ',md5'" },
		{ "md5,", "empty item in digest list 'md5,'" },
	};
	struct cust_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned algs = 0x55;

		cust_error_clear(&err);
		assert_int_equal(cust_digest_parse_list(bad[i].list, &algs, &err), -1);
		assert_int_equal(err.kind, CUST_E_USAGE);
		assert_string_equal(err.message, bad[i].message);
		assert_int_equal(algs, 0x55); /* untouched on failure */
	}
	assert_int_equal(cust_digest_parse_list(NULL, &(unsigned){ 0 }, &err), -1);
	assert_int_equal(cust_digest_parse_list("md5", &(unsigned){ 0 }, NULL), 0);
}

static void test_hex_round_trip(void **state)
{
	unsigned char bytes[256], back[256];
	char hex[2 * 256 + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)i;
	cust_hex_encode(bytes, sizeof bytes, hex);
	assert_int_equal(strlen(hex), 2 * sizeof bytes);
	assert_memory_equal(hex, "000102030405060708090a0b0c0d0e0f", 32);
	assert_string_equal(hex + 2 * 250, "fafbfcfdfeff");
	assert_int_equal(cust_hex_decode(hex, back, sizeof back), 0);
	assert_memory_equal(back, bytes, sizeof bytes);

	assert_int_equal(cust_hex_decode("DEADbeef", back, 4), 0);
	assert_memory_equal(back, "\xde\xad\xbe\xef", 4);
	cust_hex_encode(bytes, 0, hex);
	assert_string_equal(hex, "");
	assert_int_equal(cust_hex_decode("", back, 0), 0);
}

static void test_hex_bad(void **state)
{
	static const struct {
		const char *hex;
		size_t len;
	} bad[] = {
		{ "0g", 1 }, { "g0", 1 }, { "0 ", 1 }, { " 0", 1 }, { "0x", 1 },
		{ "+1", 1 }, { "-1", 1 }, { "0\n", 1 }, { "\xc3\xa9", 1 },
		{ "1", 1 },             /* too short: ends at the NUL */
		{ "", 2 },
		{ "12\x00" "34", 2 },   /* a NUL inside */
		{ "abcdeg", 3 },        /* bad at the very end */
	};
	unsigned char out[3];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 0xaa, sizeof out);
		assert_int_equal(cust_hex_decode(bad[i].hex, out, bad[i].len), -1);
		assert_int_equal(out[0], 0); /* nothing half-decoded left behind */
	}
	assert_int_equal(cust_hex_decode("abcdeF", out, 2), 0); /* reads 4 only */
	assert_int_equal(cust_hex_decode(NULL, out, 1), -1);
}

/* ---- one-shot ------------------------------------------------------------ */

static void test_buffer_known_answers(void **state)
{
	unsigned char *million = malloc(MILLION);
	char hex[CUST_DIGEST_HEX_MAX];
	int i;

	(void)state;
	assert_non_null(million);
	memset(million, 'a', MILLION);
	for (i = 0; i < NALGS; i++) {
		hex_of(all_algs[i], "", 0, hex);
		assert_string_equal(hex, kat_empty[i]);
		hex_of(all_algs[i], NULL, 0, hex);
		assert_string_equal(hex, kat_empty[i]);
		hex_of(all_algs[i], "abc", 3, hex);
		assert_string_equal(hex, kat_abc[i]);
		hex_of(all_algs[i], million, MILLION, hex);
		assert_string_equal(hex, kat_million_a[i]);
	}
	free(million);
}

static void test_buffer_bad_alg(void **state)
{
	unsigned char out[CUST_DIGEST_MAX_SIZE];
	struct cust_error err;

	(void)state;
	cust_error_clear(&err);
	assert_int_equal(cust_digest_buffer((enum cust_digest_alg)3, "", 0, out,
	                                    &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_digest_buffer(CUST_DIGEST_MD5, NULL, 5, out, &err),
	                 -1);
}

/* ---- the engine --------------------------------------------------------- */

static void test_engine_known_answers(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_ALL,
	                                  .buffer_size = 65536 + 7,
	                                  .buffer_count = 3 };
	unsigned char *million = malloc(MILLION);
	struct cust_digest_engine *e;
	struct cust_error err;
	int i;

	(void)state;
	assert_non_null(million);
	memset(million, 'a', MILLION);

	/* "": finish with no buffer ever taken */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < NALGS; i++)
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]),
		                    kat_empty[i]);
	assert_int_equal(cust_digest_engine_length(e), 0);
	cust_digest_engine_free(e);

	/* "": threads started by a buffer, then an empty commit */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_non_null(cust_digest_engine_buffer(e, NULL, &err));
	assert_int_equal(cust_digest_engine_commit(e, 0, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < NALGS; i++)
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]),
		                    kat_empty[i]);
	cust_digest_engine_free(e);

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_update(e, "abc", 3, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < NALGS; i++)
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]),
		                    kat_abc[i]);
	cust_digest_engine_free(e);

	/* a million 'a' over 16 buffers of a 3-slot ring, and by update */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	feed(e, million, MILLION, 0, 42);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < NALGS; i++)
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]),
		                    kat_million_a[i]);
	cust_digest_engine_free(e);

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	for (i = 0; i < 1000; i++)
		assert_int_equal(cust_digest_engine_update(e, million, 1000, &err),
		                 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < NALGS; i++)
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]),
		                    kat_million_a[i]);
	assert_int_equal(cust_digest_engine_length(e), MILLION);
	cust_digest_engine_free(e);
	free(million);
}

static void test_engine_odd_stream(void **state)
{
	const size_t len = 3 * 1024 * 1024 + 12345;
	unsigned char *data = make_data(len, 7);
	static const struct {
		size_t buffer_size;
		unsigned buffer_count;
		size_t chunk;
	} runs[] = {
		{ 4096 + 13, 2, 0 },    /* random commits 0..cap */
		{ 4096 + 13, 1, 0 },    /* a ring of one */
		{ 4096 + 13, 5, 4096 + 13 },
		{ 4096 + 13, 5, 1 },    /* one byte a buffer */
		{ 65536, 8, 777 },
		{ 0, 0, 0 },            /* the defaults */
	};
	size_t r;

	(void)state;
	for (r = 0; r < sizeof runs / sizeof runs[0]; r++) {
		struct cust_digest_config cfg = {
			.algs = CUST_DIGEST_ALL,
			.buffer_size = runs[r].buffer_size,
			.buffer_count = runs[r].buffer_count,
		};
		struct cust_error err;
		struct cust_digest_engine *e = cust_digest_engine_new(&cfg, &err);
		size_t n = runs[r].chunk == 1 ? 20000 : len; /* keep it quick */

		assert_non_null(e);
		feed(e, data, n, runs[r].chunk, 1000 + r);
		assert_int_equal(cust_digest_engine_finish(e, &err), 0);
		assert_engine_matches(e, data, n);
		cust_digest_engine_free(e);
	}
	free(data);
}

/* Long enough for every hash to sample its cost and settle its priority. */
static void test_engine_long_stream(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5 |
	                                          CUST_DIGEST_SHA1 |
	                                          CUST_DIGEST_SHA256,
	                                  .block_size = 1 << 20 };
	const size_t len = (size_t)24 << 20;
	unsigned char *data = make_data(len, 24);
	struct cust_digest_engine *e;
	struct cust_error err;
	char want[CUST_DIGEST_HEX_MAX], got[CUST_DIGEST_HEX_MAX];
	int i;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	feed(e, data, len, (size_t)1 << 22, 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	for (i = 0; i < 3; i++) {
		hex_of(all_algs[i], data, len, want);
		assert_string_equal(cust_digest_engine_hex(e, all_algs[i]), want);
	}
	assert_int_equal(cust_digest_engine_block_count(e), 24);
	hex_of(CUST_DIGEST_SHA256, data + ((size_t)23 << 20), (size_t)1 << 20,
	       want);
	cust_hex_encode(cust_digest_engine_block(e, 23), 32, got);
	assert_string_equal(got, want);
	cust_digest_engine_free(e);
	free(data);
}

static void test_engine_update_mixed(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_ALL,
	                                  .buffer_size = 1000,
	                                  .buffer_count = 2 };
	const size_t len = 250000;
	unsigned char *data = make_data(len, 99);
	struct cust_digest_engine *e;
	struct cust_error err;
	uint64_t x = 5;
	size_t at = 0;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	/* update and buffer/commit interleaved: bytes stay in order */
	while (at < len) {
		size_t n = (size_t)(next_rand(&x) % 2500);

		if (n > len - at)
			n = len - at;
		if (next_rand(&x) % 2) {
			assert_int_equal(cust_digest_engine_update(e, data + at, n,
			                                           &err), 0);
		} else {
			size_t cap;
			unsigned char *buf = cust_digest_engine_buffer(e, &cap, &err);

			assert_non_null(buf);
			if (n > cap)
				n = cap;
			memcpy(buf, data + at, n);
			assert_int_equal(cust_digest_engine_commit(e, n, &err), 0);
		}
		at += n;
	}
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_engine_matches(e, data, len);
	cust_digest_engine_free(e);
	free(data);
}

static void test_engine_buffers_aligned(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5,
	                                  .buffer_size = 4096 + 13,
	                                  .buffer_count = 4 };
	struct cust_digest_engine *e;
	struct cust_error err;
	int i;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	for (i = 0; i < 10; i++) {
		size_t cap = 0;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, &err);

		assert_non_null(buf);
		assert_int_equal((uintptr_t)buf % 4096, 0);
		assert_int_equal(cap, 4096 + 13);
		/* asked twice before a commit: the same buffer */
		assert_ptr_equal(cust_digest_engine_buffer(e, &cap, &err), buf);
		memset(buf, 'x', cap);
		assert_int_equal(cust_digest_engine_commit(e, cap, &err), 0);
	}
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_int_equal(cust_digest_engine_length(e), 10 * (4096 + 13));
	cust_digest_engine_free(e);
}

static void check_blocks(size_t len, uint64_t block_size, size_t buffer_size,
                         size_t chunk)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_SHA256,
	                                  .block_size = block_size,
	                                  .buffer_size = buffer_size,
	                                  .buffer_count = 3 };
	unsigned char *data = make_data(len, block_size ^ len);
	uint64_t want = (len + block_size - 1) / block_size, i;
	char hex[CUST_DIGEST_HEX_MAX];
	struct cust_digest_engine *e;
	struct cust_error err;

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	feed(e, data, len, chunk, len);
	assert_int_equal(cust_digest_engine_block_count(e), 0); /* not yet */
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_int_equal(cust_digest_engine_block_count(e), want);
	for (i = 0; i < want; i++) {
		unsigned char one[32];
		size_t start = (size_t)(i * block_size);
		size_t n = len - start < block_size ? len - start : (size_t)block_size;

		assert_int_equal(cust_digest_buffer(CUST_DIGEST_SHA256, data + start,
		                                    n, one, &err), 0);
		assert_non_null(cust_digest_engine_block(e, i));
		assert_memory_equal(cust_digest_engine_block(e, i), one, 32);
	}
	assert_null(cust_digest_engine_block(e, want));
	hex_of(CUST_DIGEST_SHA256, data, len, hex);
	assert_string_equal(cust_digest_engine_hex(e, CUST_DIGEST_SHA256), hex);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_MD5));
	cust_digest_engine_free(e);
	free(data);
}

static void test_engine_blocks(void **state)
{
	(void)state;
	/* block smaller than a buffer, not dividing it; short last block */
	check_blocks(200000 + 17, 1000, 4096 + 13, 0);
	/* block larger than a buffer, not a multiple of it */
	check_blocks(300000 + 5, 3 * 4096 + 7, 4096, 4096);
	/* buffer a multiple of the block, data a multiple of both */
	check_blocks(64 * 4096, 4096, 4 * 4096, 4 * 4096);
	/* block a multiple of the buffer, short commits */
	check_blocks(100000, 8192, 4096, 1000);
	/* one block larger than the whole stream */
	check_blocks(5000, 1 << 20, 4096, 0);
	/* one-byte blocks */
	check_blocks(3000, 1, 4096, 0);
	/* the default ring */
	check_blocks(10 * 1024 * 1024 + 3, 1 << 20, 0, 1 << 20);
}

static void test_engine_blocks_empty(void **state)
{
	struct cust_digest_config cfg = { .block_size = 4096 };
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_int_equal(cust_digest_engine_block_count(e), 0);
	assert_null(cust_digest_engine_block(e, 0));
	cust_digest_engine_free(e);
}

static void test_engine_no_consumers(void **state)
{
	struct cust_digest_config cfg = { .buffer_size = 4096, .buffer_count = 2 };
	unsigned char *data = make_data(100000, 3);
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	feed(e, data, 100000, 0, 11);
	assert_int_equal(cust_digest_engine_update(e, data, 5000, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_int_equal(cust_digest_engine_length(e), 105000);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_MD5));
	assert_null(cust_digest_engine_result(e, CUST_DIGEST_SHA256));
	assert_int_equal(cust_digest_engine_block_count(e), 0);
	cust_digest_engine_free(e);
	free(data);
}

/* A sink that keeps a copy and checks the offsets it is given. */
struct collector {
	unsigned char *copy;
	size_t cap;
	uint64_t seen;
	unsigned calls;
	int bad_offset;
	uint64_t fail_at;   /* fail on the call covering this offset; 0: never */
	unsigned delay_us;  /* make the sink the slowest consumer */
};

static int collect(void *ctx, const unsigned char *data, size_t len,
                   uint64_t offset, struct cust_error *err)
{
	struct collector *c = ctx;

	c->calls++;
	if (offset != c->seen || len == 0)
		c->bad_offset = 1;
	if (c->fail_at && offset + len > c->fail_at)
		return cust_error_set(err, CUST_E_IO,
		                      "cannot write 'image.raw': No space left on device");
	if (c->delay_us)
		usleep(c->delay_us);
	if (c->copy && offset + len <= c->cap)
		memcpy(c->copy + offset, data, len);
	c->seen = offset + len;
	return 0;
}

static int fail_silently(void *ctx, const unsigned char *data, size_t len,
                         uint64_t offset, struct cust_error *err)
{
	(void)ctx;
	(void)data;
	(void)len;
	(void)offset;
	(void)err;
	return -1;
}

static void test_engine_sinks(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5,
	                                  .block_size = 4000,
	                                  .buffer_size = 4096 + 13,
	                                  .buffer_count = 3 };
	const size_t len = 1000000 + 1;
	unsigned char *data = make_data(len, 17);
	struct collector a = { 0 }, b = { 0 };
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	a.copy = calloc(1, len);
	a.cap = len;
	b.copy = calloc(1, len);
	b.cap = len;
	b.delay_us = 50;
	assert_non_null(a.copy);
	assert_non_null(b.copy);
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &a, &err), 0);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &b, &err), 0);
	assert_int_equal(cust_digest_engine_add_sink(e, NULL, &b, &err), -1);
	feed(e, data, len, 0, 23);
	/* too late for another sink */
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &a, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	assert_int_equal(a.bad_offset, 0);
	assert_int_equal(b.bad_offset, 0);
	assert_int_equal(a.seen, len);
	assert_int_equal(b.seen, len);
	assert_int_equal(a.calls, b.calls);
	assert_memory_equal(a.copy, data, len);
	assert_memory_equal(b.copy, data, len);
	assert_int_equal(cust_digest_engine_block_count(e), (len + 3999) / 4000);
	cust_digest_engine_free(e);
	free(a.copy);
	free(b.copy);
	free(data);
}

/* Commit until the engine refuses; returns the bytes it accepted. */
static uint64_t feed_until_error(struct cust_digest_engine *e, size_t limit,
                                 struct cust_error *err)
{
	uint64_t total = 0;

	while (total < limit) {
		size_t cap;
		unsigned char *buf = cust_digest_engine_buffer(e, &cap, err);

		if (!buf)
			break;
		memset(buf, 'z', cap);
		if (cust_digest_engine_commit(e, cap, err) < 0)
			break;
		total += cap;
	}
	return total;
}

static void test_engine_sink_failure(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_ALL,
	                                  .block_size = 512,
	                                  .buffer_size = 4096,
	                                  .buffer_count = 4 };
	struct collector good = { 0 }, bad = { 0 };
	struct cust_digest_engine *e;
	struct cust_error err;
	uint64_t accepted;

	(void)state;
	bad.fail_at = 100 * 4096 + 1;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &good, &err), 0);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &bad, &err), 0);
	cust_error_clear(&err);
	accepted = feed_until_error(e, 100000 * 4096, &err);
	/* the ring bounds how far the producer runs past the failure */
	assert_true(accepted <= 100 * 4096 + 5 * 4096);
	assert_true(accepted >= 100 * 4096);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_string_equal(err.message,
	                    "cannot write 'image.raw': No space left on device");
	/* once failed, it stays failed */
	assert_null(cust_digest_engine_buffer(e, NULL, &err));
	cust_error_clear(&err);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_string_equal(err.message,
	                    "cannot write 'image.raw': No space left on device");
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_MD5));
	assert_int_equal(cust_digest_engine_block_count(e), 0);
	assert_int_equal(bad.seen, 100 * 4096);
	assert_int_equal(good.bad_offset, 0);
	cust_digest_engine_free(e);
}

static void test_engine_sink_failure_at_end(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5,
	                                  .buffer_size = 4096,
	                                  .buffer_count = 8 };
	struct collector bad = { 0 };
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	/* the last byte fails: commits succeed, finish must not */
	bad.fail_at = 2 * 4096 + 1;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &bad, &err), 0);
	assert_int_equal(feed_until_error(e, 3 * 4096, &err), 3 * 4096);
	cust_error_clear(&err);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_string_equal(err.message,
	                    "cannot write 'image.raw': No space left on device");
	assert_null(cust_digest_engine_result(e, CUST_DIGEST_MD5));
	cust_digest_engine_free(e);

	/* a sink failing without saying why still gets a message */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, fail_silently, NULL, &err),
	                 0);
	(void)feed_until_error(e, 1 << 20, &err);
	cust_error_clear(&err);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(err.kind, CUST_E_IO);
	assert_string_equal(err.message, "output failed at offset 0");
	cust_digest_engine_free(e);
}

static void test_engine_cancel(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_ALL,
	                                  .block_size = 1000,
	                                  .buffer_size = 4096,
	                                  .buffer_count = 2 };
	struct collector slow = { 0 };
	struct cust_digest_engine *e;
	struct cust_error err;
	size_t cap;

	(void)state;
	slow.delay_us = 2000;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &slow, &err), 0);
	assert_int_equal(feed_until_error(e, 10 * 4096, &err), 10 * 4096);
	/* a buffer held by the producer at cancel time */
	assert_non_null(cust_digest_engine_buffer(e, &cap, &err));
	cust_digest_engine_cancel(e);
	assert_true(slow.seen <= 10 * 4096);
	assert_null(cust_digest_engine_buffer(e, &cap, &err));
	assert_int_equal(err.kind, CUST_E_INCOMPLETE);
	assert_int_equal(cust_digest_engine_commit(e, 0, &err), -1);
	assert_int_equal(cust_digest_engine_update(e, "x", 1, &err), -1);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(err.kind, CUST_E_INCOMPLETE);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_SHA1));
	cust_digest_engine_cancel(e); /* twice is fine */
	cust_digest_engine_free(e);

	/* cancel before anything started, and after a finish */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	cust_digest_engine_cancel(e);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	cust_digest_engine_free(e);

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_update(e, "abc", 3, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	cust_digest_engine_cancel(e);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_SHA1));
	cust_digest_engine_free(e);
}

static void test_engine_free_without_finish(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_ALL,
	                                  .block_size = 100,
	                                  .buffer_size = 4096,
	                                  .buffer_count = 3 };
	struct collector slow = { 0 };
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	cust_digest_engine_free(NULL);

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	cust_digest_engine_free(e); /* never started */

	slow.delay_us = 1000;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, collect, &slow, &err), 0);
	assert_int_equal(feed_until_error(e, 20 * 4096, &err), 20 * 4096);
	cust_digest_engine_free(e); /* consumers still busy */

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_non_null(cust_digest_engine_buffer(e, NULL, &err));
	cust_digest_engine_free(e); /* holding a buffer */

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_update(e, "partial", 7, &err), 0);
	cust_digest_engine_free(e); /* an update still pending */
}

static void test_engine_finish_twice(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_SHA256 };
	struct cust_digest_engine *e;
	struct cust_error err;

	(void)state;
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_update(e, "abc", 3, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_string_equal(err.message, "digest engine already finished");
	/* the first result stands */
	assert_string_equal(cust_digest_engine_hex(e, CUST_DIGEST_SHA256),
	                    kat_abc[2]);
	assert_null(cust_digest_engine_buffer(e, NULL, &err));
	assert_int_equal(cust_digest_engine_update(e, "d", 1, &err), -1);
	assert_int_equal(cust_digest_engine_length(e), 3);
	cust_digest_engine_free(e);

	/* a failed finish cannot be retried either */
	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_add_sink(e, fail_silently, NULL, &err),
	                 0);
	assert_int_equal(cust_digest_engine_update(e, "abc", 3, &err), 0);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(cust_digest_engine_finish(e, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	cust_digest_engine_free(e);
}

static void test_engine_misuse(void **state)
{
	struct cust_digest_config cfg = { .algs = CUST_DIGEST_MD5,
	                                  .buffer_size = 4096 };
	/* zeroed memory where a handle should be: refused, not followed */
	static _Alignas(64) unsigned char not_an_engine[4096];
	struct cust_digest_engine *fake = (void *)not_an_engine;
	struct cust_digest_config bad_algs = { .algs = 1u << 7 };
	struct cust_digest_config huge = { .buffer_size = (size_t)1 << 40 };
	struct cust_digest_engine *e;
	struct cust_error err;
	size_t cap;

	(void)state;
	cust_error_clear(&err);
	assert_null(cust_digest_engine_new(&bad_algs, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_null(cust_digest_engine_new(&huge, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);

	e = cust_digest_engine_new(&cfg, &err);
	assert_non_null(e);
	assert_int_equal(cust_digest_engine_commit(e, 1, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(cust_digest_engine_buffer(e, &cap, &err));
	assert_int_equal(cust_digest_engine_commit(e, cap + 1, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_int_equal(cust_digest_engine_commit(e, 0, &err), 0);
	assert_int_equal(cust_digest_engine_commit(e, 0, &err), -1);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_MD5)); /* not finished */
	assert_int_equal(cust_digest_engine_finish(e, NULL), 0);
	assert_null(cust_digest_engine_hex(e, CUST_DIGEST_SHA1)); /* not asked */
	assert_null(cust_digest_engine_hex(e, (enum cust_digest_alg)3));
	assert_non_null(cust_digest_engine_hex(e, CUST_DIGEST_MD5));
	cust_digest_engine_free(e);

	assert_null(cust_digest_engine_buffer(fake, &cap, &err));
	assert_string_equal(err.message, "invalid digest engine handle");
	assert_int_equal(cust_digest_engine_commit(fake, 0, &err), -1);
	assert_int_equal(cust_digest_engine_finish(fake, &err), -1);
	assert_int_equal(cust_digest_engine_add_sink(fake, collect, NULL, &err),
	                 -1);
	assert_int_equal(cust_digest_engine_length(fake), 0);
	assert_null(cust_digest_engine_hex(fake, CUST_DIGEST_MD5));
	cust_digest_engine_cancel(fake);
	cust_digest_engine_free(fake);
}

/* ---- whole files -------------------------------------------------------- */

static void check_file(size_t len, unsigned algs)
{
	unsigned char *data = make_data(len, len);
	unsigned char out[NALGS][CUST_DIGEST_MAX_SIZE];
	char *path = write_temp(data, len);
	struct cust_error err;
	uint64_t size = 12345;
	unsigned k = 0;
	int i;

	memset(out, 0, sizeof out);
	assert_int_equal(cust_digest_file(path, algs, 1, out, &size, &err), 0);
	assert_int_equal(size, len);
	for (i = 0; i < NALGS; i++) {
		unsigned char want[CUST_DIGEST_MAX_SIZE];

		if (!(algs & all_algs[i]))
			continue;
		assert_int_equal(cust_digest_buffer(all_algs[i], data, len, want,
		                                    &err), 0);
		assert_memory_equal(out[k], want, cust_digest_size(all_algs[i]));
		k++;
	}
	assert_int_equal(unlink(path), 0);
	free(path);
	free(data);
}

static void test_file_small(void **state)
{
	(void)state;
	check_file(0, CUST_DIGEST_ALL);
	check_file(1, CUST_DIGEST_SHA1);
	check_file(300000 + 1, CUST_DIGEST_ALL);
	check_file(8 * 1024 * 1024 - 1, CUST_DIGEST_MD5 | CUST_DIGEST_SHA3_256);
	check_file(1000, 0);
}

static void test_file_large(void **state)
{
	(void)state;
	check_file(8 * 1024 * 1024, CUST_DIGEST_SHA256);
	check_file(9 * 1024 * 1024 + 123, CUST_DIGEST_ALL);
	check_file(16 * 1024 * 1024, CUST_DIGEST_SHA1 | CUST_DIGEST_SHA512);
}

static void test_file_not_regular(void **state)
{
	unsigned char out[NALGS][CUST_DIGEST_MAX_SIZE];
	char *fifo = temp_path("fifo");
	char *missing = temp_path("missing");
	struct cust_error err;
	uint64_t size;

	(void)state;
	cust_error_clear(&err);
	assert_int_equal(cust_digest_file(tmpdir, CUST_DIGEST_MD5, 0, out, &size,
	                                  &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "a directory, not a regular file"));
	assert_non_null(strstr(err.message, tmpdir));

	/* a FIFO without a writer must be refused, not waited on */
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(cust_digest_file(fifo, CUST_DIGEST_MD5, 0, out, &size,
	                                  &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "a FIFO, not a regular file"));
	assert_int_equal(unlink(fifo), 0);

	assert_int_equal(cust_digest_file(missing, CUST_DIGEST_MD5, 0, out, &size,
	                                  &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_int_equal(err.sys_errno, ENOENT);
	assert_non_null(strstr(err.message, "cannot open '"));

	assert_int_equal(cust_digest_file("/dev/null", CUST_DIGEST_MD5, 0, out,
	                                  &size, &err), -1);
	assert_non_null(strstr(err.message, "a character device"));
	free(fifo);
	free(missing);
}

static void test_file_nofollow(void **state)
{
	unsigned char out[NALGS][CUST_DIGEST_MAX_SIZE];
	unsigned char want[CUST_DIGEST_MAX_SIZE];
	char *target = write_temp((const unsigned char *)"abc", 3);
	char *link = temp_path("link");
	struct cust_error err;
	uint64_t size = 0;

	(void)state;
	assert_int_equal(symlink(target, link), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_digest_file(link, CUST_DIGEST_MD5, 1, out, &size,
	                                  &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_non_null(strstr(err.message, "is a symbolic link"));
	/* followed when allowed */
	assert_int_equal(cust_digest_file(link, CUST_DIGEST_MD5, 0, out, &size,
	                                  &err), 0);
	assert_int_equal(size, 3);
	assert_int_equal(cust_hex_decode(kat_abc[0], want, 16), 0);
	assert_memory_equal(out[0], want, 16);
	assert_int_equal(unlink(link), 0);
	assert_int_equal(unlink(target), 0);
	free(link);
	free(target);
}

/* ---- main --------------------------------------------------------------- */

/* rmdir, not teardown_tmp: a test that leaves a file behind fails the run. */
static int remove_tmpdir(void **state)
{
	(void)state;
	return rmdir(tmpdir) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_sizes),
		cmocka_unit_test(test_parse_list_good),
		cmocka_unit_test(test_parse_list_bad),
		cmocka_unit_test(test_hex_round_trip),
		cmocka_unit_test(test_hex_bad),
		cmocka_unit_test(test_buffer_known_answers),
		cmocka_unit_test(test_buffer_bad_alg),
		cmocka_unit_test(test_engine_known_answers),
		cmocka_unit_test(test_engine_odd_stream),
		cmocka_unit_test(test_engine_long_stream),
		cmocka_unit_test(test_engine_update_mixed),
		cmocka_unit_test(test_engine_buffers_aligned),
		cmocka_unit_test(test_engine_blocks),
		cmocka_unit_test(test_engine_blocks_empty),
		cmocka_unit_test(test_engine_no_consumers),
		cmocka_unit_test(test_engine_sinks),
		cmocka_unit_test(test_engine_sink_failure),
		cmocka_unit_test(test_engine_sink_failure_at_end),
		cmocka_unit_test(test_engine_cancel),
		cmocka_unit_test(test_engine_free_without_finish),
		cmocka_unit_test(test_engine_finish_twice),
		cmocka_unit_test(test_engine_misuse),
		cmocka_unit_test(test_file_small),
		cmocka_unit_test(test_file_large),
		cmocka_unit_test(test_file_not_regular),
		cmocka_unit_test(test_file_nofollow),
	};

	/* A deadlock ends the run (SIGALRM) instead of hanging it. */
	alarm(HANG_LIMIT_SECONDS);
	return cmocka_run_group_tests(tests, setup_tmp, remove_tmpdir);
}
