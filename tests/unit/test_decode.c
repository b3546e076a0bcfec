/* test_decode.c - unit tests of the decoders (include/custody/decode.h):
 * addresses at known offsets inside gzip, zlib (PDF FlateDecode), ZIP
 * local headers (stored and deflated), bzip2, xz, base64 (MIME parts,
 * line runs, data: URIs), quoted-printable, percent-encoding and UTF-16
 * streams, found with their forensic paths whatever the feed sizes; each
 * marker in each byte lane of the SIMD scan's blocks; and
 * hostile twins: a deflate bomb, 1 GiB of base64, a ZIP header claiming
 * 4 GiB, random UTF-16 runs, encodings nested 100 deep. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>

#include "custody/archive.h"
#include "custody/decode.h"
#include "testutil.h"

#define MAX_HITS 4096

struct hit {
	unsigned kind;
	uint64_t offset;
	char value[CUST_CARVE_VALUE_MAX + 1];
	char path[CUST_DECODE_PATH_MAX];
	char context[64];
};

struct hits {
	size_t n;
	struct hit *h;
};

static int collect(void *ctx, const struct cust_carve_hit *hit,
                   struct cust_error *err)
{
	struct hits *hs = ctx;
	struct hit *h;

	(void)err;
	assert_non_null(hit->path);
	assert_true(hit->context_at <= hit->context_len);
	assert_true(hit->context_at + hit->length <= hit->context_len);
	if (hs->n == MAX_HITS)
		return 0;
	h = &hs->h[hs->n++];
	h->kind = hit->kind;
	h->offset = hit->offset;
	snprintf(h->value, sizeof h->value, "%s", hit->value);
	snprintf(h->path, sizeof h->path, "%s", hit->path);
	snprintf(h->context, sizeof h->context, "%.*s",
	         (int)(hit->context_len < 63 ? hit->context_len : 63),
	         (const char *)hit->context);
	return 0;
}

/* ---- encoders ---------------------------------------------------------- */

struct buf {
	unsigned char *p;
	size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 4096;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* WINDOW_BITS: 16 + 15 gzip, 15 zlib, -15 raw */
static struct buf deflated(const void *in, size_t n, int window_bits)
{
	struct buf out = { 0 };
	z_stream z;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, window_bits, 9,
	                              Z_DEFAULT_STRATEGY), Z_OK);
	out.cap = deflateBound(&z, (uLong)n) + 64;
	out.p = malloc(out.cap);
	assert_non_null(out.p);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out.p;
	z.avail_out = (uInt)out.cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct buf base64(const void *in, size_t n, size_t line)
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	struct buf out = { 0 };
	size_t i, col = 0;

	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = a[v >> 18];
		q[1] = a[(v >> 12) & 63];
		q[2] = i + 1 < n ? a[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? a[v & 63] : '=';
		put(&out, q, 4);
		col += 4;
		if (line && col >= line) {
			put(&out, "\n", 1);
			col = 0;
		}
	}
	if (line && col)
		put(&out, "\n", 1);
	return out;
}

static struct buf utf16le(const char *s)
{
	struct buf out = { 0 };

	for (; *s; s++) {
		char u[2] = { *s, 0 };
		put(&out, u, 2);
	}
	return out;
}

/* Filler: text that holds no marker and no target. */
static void filler(struct buf *b, size_t n)
{
	static const char words[] = "lorem ipsum dolor sit amet consectetur ";
	size_t i;

	for (i = 0; i < n; i++)
		put(b, &words[i % (sizeof words - 1)], 1);
}

static const struct hit *find(const struct hits *hs, const char *value)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		if (hs->h[i].kind == CUST_CARVE_EMAIL &&
		    strcmp(hs->h[i].value, value) == 0)
			return &hs->h[i];
	return NULL;
}

static void decode_in_pieces(const unsigned char *p, size_t n, size_t piece,
                             struct hits *hs, struct cust_decode_stats *st,
                             const struct cust_decode_options *o)
{
	struct cust_decode_options def = { 0 };
	struct cust_error err = { 0 };
	struct cust_decoder *d;
	size_t i;

	def.carve = CUST_CARVE_ALL;
	d = cust_decoder_new(o ? o : &def, &err);
	assert_non_null(d);
	cust_decoder_begin(d);
	for (i = 0; i < n; i += piece) {
		size_t k = n - i < piece ? n - i : piece;
		assert_int_equal(cust_decoder_feed(d, p + i, k, collect, hs, &err), 0);
	}
	assert_int_equal(cust_decoder_end(d, collect, hs, &err), 0);
	if (st)
		*st = *cust_decoder_stats(d);
	cust_decoder_free(d);
}

/* ---- the layers -------------------------------------------------------- */

struct expect {
	const char *email;
	uint64_t offset;
	char path[64];
};

static void test_layers(void **state)
{
	struct buf img = { 0 }, t, z;
	struct expect ex[16];
	size_t nex = 0, i, k;
	static const size_t pieces[] = { 1 << 30, 1, 7, 4093, 65536 };
	struct hits first = { 0 };
	char text[256];
	int w;

	(void)state;
	filler(&img, 5000);

	/* gzip at 5000: the address at 31 of its text */
	ex[nex].email = "alice@gzip-evil.com";
	ex[nex].offset = img.len;
	w = snprintf(text, sizeof text, "spam list, first recipient: %s\n",
	             ex[nex].email);
	z = deflated(text, (size_t)w, 16 + 15);
	snprintf(ex[nex].path, sizeof ex[nex].path, "-GZIP-%zu",
	         (size_t)(strstr(text, ex[nex].email) - text));
	put(&img, z.p, z.len);
	free(z.p);
	nex++;
	filler(&img, 3000);

	/* a base64 MIME part of two short lines */
	puts_(&img, "\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n");
	ex[nex].email = "bob@mime-evil.com";
	ex[nex].offset = img.len;
	w = snprintf(text, sizeof text, "victims: %s and more", ex[nex].email);
	t = base64(text, (size_t)w, 20);
	put(&img, t.p, t.len);
	free(t.p);
	snprintf(ex[nex].path, sizeof ex[nex].path, "-BASE64-9");
	nex++;
	puts_(&img, "\n--boundary--\n");
	filler(&img, 3000);

	/* UTF-16LE text */
	ex[nex].email = "carol@utf16-evil.com";
	puts_(&img, "\x01\x02");
	ex[nex].offset = img.len;
	w = snprintf(text, sizeof text, "C2=%s;", ex[nex].email);
	t = utf16le(text);
	put(&img, t.p, t.len);
	free(t.p);
	snprintf(ex[nex].path, sizeof ex[nex].path, "-UTF16-3");
	nex++;
	filler(&img, 3000);

	/* a PDF FlateDecode stream */
	puts_(&img, "4 0 obj\n<< /Length 99 /Filter /FlateDecode >>\nstream\r\n");
	ex[nex].email = "dave@pdf-evil.com";
	ex[nex].offset = img.len;
	w = snprintf(text, sizeof text, "BT (%s) Tj ET", ex[nex].email);
	z = deflated(text, (size_t)w, 15);
	put(&img, z.p, z.len);
	free(z.p);
	snprintf(ex[nex].path, sizeof ex[nex].path, "-PDF-4");
	nex++;
	puts_(&img, "\r\nendstream\nendobj\n");
	filler(&img, 3000);

	/* ZIP local headers: a deflated member and a stored one */
	for (k = 0; k < 2; k++) {
		unsigned char h[30] = { 'P', 'K', 3, 4, 20, 0, 0, 0 };
		const char *name = k ? "docProps/app.xml" : "word/document.xml";
		uint32_t crc;
		ex[nex].email = k ? "erin@zip-stored.com" : "frank@zip-deflated.com";
		w = snprintf(text, sizeof text, "<w:t>%s</w:t>", ex[nex].email);
		crc = (uint32_t)crc32(0, (const Bytef *)text, (uInt)w);
		z = k ? (struct buf){ 0 } : deflated(text, (size_t)w, -15);
		if (k) {
			put(&z, text, (size_t)w);
		}
		h[8] = k ? 0 : 8;
		h[14] = (unsigned char)crc; h[15] = (unsigned char)(crc >> 8);
		h[16] = (unsigned char)(crc >> 16); h[17] = (unsigned char)(crc >> 24);
		h[18] = (unsigned char)z.len; h[19] = (unsigned char)(z.len >> 8);
		h[22] = (unsigned char)w;
		h[26] = (unsigned char)strlen(name);
		ex[nex].offset = img.len;
		put(&img, h, sizeof h);
		puts_(&img, name);
		put(&img, z.p, z.len);
		free(z.p);
		snprintf(ex[nex].path, sizeof ex[nex].path, "-ZIP-5");
		nex++;
	}
	filler(&img, 3000);

	/* bzip2 and xz */
	{
		char out[4096];
		unsigned olen = sizeof out;
		size_t xlen = 0;
		ex[nex].email = "grace@bzip2-evil.com";
		w = snprintf(text, sizeof text, "to: %s", ex[nex].email);
		assert_int_equal(BZ2_bzBuffToBuffCompress(out, &olen, text,
		                                          (unsigned)w, 9, 0, 0),
		                 BZ_OK);
		ex[nex].offset = img.len;
		put(&img, out, olen);
		snprintf(ex[nex].path, sizeof ex[nex].path, "-BZIP2-4");
		nex++;
		filler(&img, 1000);
		ex[nex].email = "heidi@xz-evil.com";
		w = snprintf(text, sizeof text, "to: %s", ex[nex].email);
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
		                                         (const uint8_t *)text,
		                                         (size_t)w,
		                                         (uint8_t *)out, &xlen,
		                                         sizeof out), LZMA_OK);
		ex[nex].offset = img.len;
		put(&img, out, xlen);
		snprintf(ex[nex].path, sizeof ex[nex].path, "-XZ-4");
		nex++;
		filler(&img, 1000);
	}

	/* quoted-printable, the address across a soft line break */
	puts_(&img, "\nContent-Transfer-Encoding: quoted-printable\n\n");
	ex[nex].offset = img.len;
	ex[nex].email = "ivan@qp-evil.com";
	puts_(&img, "Dear =3D ivan@qp-ev=\nil.com, hi\n--b--\n");
	snprintf(ex[nex].path, sizeof ex[nex].path, "-QP-7");
	nex++;
	filler(&img, 1000);

	/* percent-encoding */
	/* the run of URL bytes begins at the '/' */
	puts_(&img, " ");
	ex[nex].offset = img.len;
	puts_(&img, "/x?u=");
	ex[nex].email = "judy@pct-evil.com";
	puts_(&img, "judy%40pct-evil.com&y=1 ");
	snprintf(ex[nex].path, sizeof ex[nex].path, "-PERCENT-5");
	nex++;
	filler(&img, 1000);

	/* a data: URI */
	puts_(&img, "<img src=\"data:text/plain;base64,");
	ex[nex].offset = img.len;
	ex[nex].email = "mallory@uri-evil.com";
	w = snprintf(text, sizeof text, "contact %s now", ex[nex].email);
	t = base64(text, (size_t)w, 0);
	put(&img, t.p, t.len);
	free(t.p);
	snprintf(ex[nex].path, sizeof ex[nex].path, "-BASE64-8");
	nex++;
	puts_(&img, "\">");
	filler(&img, 1000);

	/* three layers: gzip(base64 lines of gzip(text)) */
	{
		struct buf inner, b64, outer = { 0 };
		size_t at;
		ex[nex].email = "niaj@nested-evil.com";
		w = snprintf(text, sizeof text, "deep: %s", ex[nex].email);
		inner = deflated(text, (size_t)w, 16 + 15);
		/* enough lines for a run of base64 without a header */
		filler(&outer, 100);
		puts_(&outer, "\n");
		at = outer.len;
		{
			struct buf pad = { 0 };
			put(&pad, inner.p, inner.len);
			filler(&pad, 400); /* trailing bytes after the gzip */
			b64 = base64(pad.p, pad.len, 76);
			free(pad.p);
		}
		put(&outer, b64.p, b64.len);
		puts_(&outer, "\n");
		z = deflated(outer.p, outer.len, 16 + 15);
		ex[nex].offset = img.len;
		put(&img, z.p, z.len);
		snprintf(ex[nex].path, sizeof ex[nex].path,
		         "-GZIP-%zu-BASE64-0-GZIP-6", at);
		nex++;
		free(inner.p);
		free(b64.p);
		free(outer.p);
		free(z.p);
	}
	filler(&img, 5000);

	for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
		struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
		assert_non_null(hs.h);
		decode_in_pieces(img.p, img.len, pieces[i], &hs, NULL, NULL);
		for (k = 0; k < nex; k++) {
			const struct hit *h = find(&hs, ex[k].email);
			if (!h)
				fail_msg("%s not found (pieces of %zu)", ex[k].email,
				         pieces[i]);
			if (h->offset != ex[k].offset ||
			    strcmp(h->path, ex[k].path) != 0)
				fail_msg("%s at %llu%s, expected %llu%s",
				         ex[k].email, (unsigned long long)h->offset,
				         h->path, (unsigned long long)ex[k].offset,
				         ex[k].path);
		}
		/* the same hits whatever the feed sizes */
		if (i == 0) {
			first = hs;
		} else {
			assert_int_equal(hs.n, first.n);
			for (k = 0; k < hs.n; k++) {
				assert_string_equal(hs.h[k].path, first.h[k].path);
				assert_string_equal(hs.h[k].value, first.h[k].value);
				assert_int_equal(hs.h[k].offset, first.h[k].offset);
			}
			free(hs.h);
		}
	}
	/* the QP address was carved in the clear too, "ivan@qp-ev" is no
	 * address: only the joined one is reported; the percent run's
	 * domain alone was in the clear: not reported again */
	for (k = 0; k < first.n; k++)
		assert_false(strcmp(first.h[k].value, "pct-evil.com") == 0 &&
		             strncmp(first.h[k].path, "-PERCENT-", 9) == 0);
	free(first.h);
	free(img.p);
}

/* ---- every marker in every lane of the SIMD scan ------------------------ */

enum { LANE_KINDS = 13 };

/* Stream K of the lane test, its address EMAIL, into B; *PATH its
 * layer's name ("-GZIP-"); where its stream begins, from B's end. */
static size_t lane_stream(unsigned k, struct buf *b, const char **email,
                          const char **path)
{
	static const int zlevel[4] = { 1, 3, 6, 9 }; /* 78 01, 5e, 9c, da */
	char text[128], out[1024];
	struct buf z;
	size_t at = 0, olen = sizeof out;
	unsigned bl = sizeof out;
	int w;

	*email = "lane-victim@mail-lane.example.com";
	w = snprintf(text, sizeof text, "to: %s\n", *email);
	switch (k) {
	case 0:
		z = deflated(text, (size_t)w, 16 + 15);
		put(b, z.p, z.len);
		free(z.p);
		*path = "-GZIP-";
		break;
	case 1: case 2: case 3: case 4: {
		z_stream s;
		memset(&s, 0, sizeof s);
		assert_int_equal(deflateInit(&s, zlevel[k - 1]), Z_OK);
		s.next_in = (Bytef *)text;
		s.avail_in = (uInt)w;
		s.next_out = (Bytef *)out;
		s.avail_out = sizeof out;
		assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
		assert_int_equal(out[0], 0x78);
		put(b, out, s.total_out);
		deflateEnd(&s);
		*path = "-ZLIB-";
		break;
	}
	case 5: {
		unsigned char h[30] = { 'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0 };
		h[18] = h[22] = (unsigned char)w;
		h[26] = 1;
		put(b, h, sizeof h);
		put(b, "a", 1);
		put(b, text, (size_t)w);
		*path = "-ZIP-";
		break;
	}
	case 6:
		assert_int_equal(BZ2_bzBuffToBuffCompress(out, &bl, text,
		                                          (unsigned)w, 9, 0, 0),
		                 BZ_OK);
		put(b, out, bl);
		*path = "-BZIP2-";
		break;
	case 7:
		olen = 0;
		assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
		                                         (const uint8_t *)text,
		                                         (size_t)w, (uint8_t *)out,
		                                         &olen, sizeof out),
		                 LZMA_OK);
		put(b, out, olen);
		*path = "-XZ-";
		break;
	case 8: {
		lzma_stream s = LZMA_STREAM_INIT;
		lzma_options_lzma opt;
		assert_false(lzma_lzma_preset(&opt, 6));
		opt.dict_size = 1 << 20;
		assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
		s.next_in = (const uint8_t *)text;
		s.avail_in = (size_t)w;
		s.next_out = (uint8_t *)out;
		s.avail_out = sizeof out;
		assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
		assert_int_equal((unsigned char)out[0], 0x5d);
		put(b, out, s.total_out);
		lzma_end(&s);
		*path = "-LZMA-";
		break;
	}
	case 9: /* the run of URL bytes begins after the space */
		puts_(b, " u=lane-pct%40mail-lane.example.com ");
		*email = "lane-pct@mail-lane.example.com";
		*path = "-PERCENT-";
		return 1;
	case 10:
		puts_(b, " lane-dot@mail-lane%2eexample.com ");
		*email = "lane-dot@mail-lane.example.com";
		*path = "-PERCENT-";
		return 1;
	case 11:
		puts_(b, ";base64,");
		z = base64(text, (size_t)w, 0);
		put(b, z.p, z.len);
		free(z.p);
		puts_(b, "\" ");
		*path = "-BASE64-";
		return 8;
	default:
		puts_(b, "\x01\x02");
		z = utf16le(text);
		put(b, z.p, z.len);
		free(z.p);
		*path = "-UTF16-";
		return 2;
	}
	return at;
}

/* Each marker at each of the 64 byte lanes of a block (and in the tail
 * that is scanned byte by byte): found, at its offset, whatever lane. */
static void test_markers_every_lane(void **state)
{
	unsigned k, lane;

	(void)state;
	for (k = 0; k < LANE_KINDS; k++) {
		for (lane = 0; lane < 64 + 16; lane++) {
			struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
			struct buf img = { 0 };
			const struct hit *h;
			const char *email, *path;
			size_t start, skip;

			assert_non_null(hs.h);
			/* lanes 64..79: the stream in the last bytes, where
			 * the scan goes byte by byte */
			filler(&img, lane < 64 ? 1024 + lane : 100 + lane);
			start = img.len;
			skip = lane_stream(k, &img, &email, &path);
			if (lane < 64)
				filler(&img, 512);
			decode_in_pieces(img.p, img.len, img.len, &hs, NULL, NULL);
			h = find(&hs, email);
			if (!h || h->offset != start + skip ||
			    strncmp(h->path, path, strlen(path)) != 0)
				fail_msg("kind %u lane %u: %s %s at %llu%s, expected "
				         "%zu%s...", k, lane, email,
				         h ? "found" : "not found",
				         h ? (unsigned long long)h->offset : 0ULL,
				         h ? h->path : "", start + skip, path);
			free(hs.h);
			free(img.p);
		}
	}
}

/* ---- streams inflated at once and step by step ------------------------- */

/* A content of many lines with addresses, a gzip stream nested in it. */
static struct buf multi_chunk_text(void)
{
	struct buf t = { 0 }, z;
	char line[96];
	int i, w;

	for (i = 0; i < 5600; i++) {
		w = snprintf(line, sizeof line, "row %d user%d@mail-rows.example.com\n",
		             i, i);
		put(&t, line, (size_t)w);
		if (i == 2800) {
			w = snprintf(line, sizeof line, "inner: deep@mail-inner.example.com\n");
			z = deflated(line, (size_t)w, 16 + 15);
			put(&t, z.p, z.len);
			free(z.p);
		}
	}
	return t;
}

/* Whether H (hits of an input whose stream is at SHIFT) holds the same
 * hits of the stream as G (at 0), at the same paths. */
static void same_stream_hits(const struct hits *g, const struct hits *h,
                             uint64_t shift)
{
	size_t i, j = 0;

	for (i = 0; i < h->n; i++) {
		if (h->h[i].offset < shift)
			continue;
		while (j < g->n && g->h[j].offset != 0)
			j++;
		assert_true(j < g->n);
		assert_int_equal(h->h[i].offset - shift, g->h[j].offset);
		assert_string_equal(h->h[i].path, g->h[j].path);
		assert_string_equal(h->h[i].value, g->h[j].value);
		j++;
	}
	while (j < g->n && g->h[j].offset != 0)
		j++;
	assert_int_equal(j, g->n);
}

/* A deflate stream wholly at hand is inflated at once (libdeflate); one
 * that does not end in the decoder's window is inflated step by step
 * (zlib): the same hits, the same paths, the same counts. */
static void test_inflated_at_once(void **state)
{
	static const int bits[3] = { 16 + 15, 15, -15 };
	struct buf text = multi_chunk_text();
	unsigned k;

	(void)state;
	/* several of zlib's pieces of 64 KiB, within what is inflated at
	 * once */
	assert_true(text.len > 3 * (64 << 10) && text.len < (256 << 10));
	for (k = 0; k < 3; k++) {
		struct hits g = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
		struct hits h = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
		struct cust_decode_stats sg, sh;
		struct buf z = deflated(text.p, text.len, bits[k]), a = { 0 },
		           b = { 0 };
		unsigned char hdr[30] = { 'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0 };

		assert_non_null(g.h);
		assert_non_null(h.h);
		if (bits[k] < 0) { /* a deflated ZIP member, sizes known */
			hdr[18] = (unsigned char)z.len;
			hdr[19] = (unsigned char)(z.len >> 8);
			hdr[20] = (unsigned char)(z.len >> 16);
			hdr[22] = (unsigned char)text.len;
			hdr[23] = (unsigned char)(text.len >> 8);
			hdr[24] = (unsigned char)(text.len >> 16);
			hdr[26] = 1;
			put(&a, hdr, sizeof hdr);
			put(&a, "m", 1);
		}
		put(&a, z.p, z.len);
		filler(&a, 100);
		/* the same where the first window the decoder scans (about
		 * 200 KiB) holds its first 4 KiB only: zlib's inflate */
		filler(&b, 200000);
		put(&b, a.p, a.len);
		filler(&b, 300000);
		decode_in_pieces(a.p, a.len, a.len, &g, &sg, NULL);
		decode_in_pieces(b.p, b.len, 4093, &h, &sh, NULL);
		assert_true(g.n > 1000);
		same_stream_hits(&g, &h, 200000);
		assert_memory_equal(sg.streams, sh.streams, sizeof sg.streams);
		assert_memory_equal(sg.bytes, sh.bytes, sizeof sg.bytes);
		assert_int_equal(sg.damaged, sh.damaged);
		assert_int_equal(sg.missed, sh.missed);
		free(g.h);
		free(h.h);
		free(z.p);
		free(a.p);
		free(b.p);
	}
	free(text.p);
}

/* ---- hostile twins ----------------------------------------------------- */

static void test_deflate_bomb(void **state)
{
	size_t n = (size_t)256 << 20;
	unsigned char *zeros = calloc(1, n);
	struct buf img = { 0 }, z;
	struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
	struct cust_decode_stats st;

	(void)state;
	assert_non_null(zeros);
	z = deflated(zeros, n, 16 + 15);
	free(zeros);
	filler(&img, 1000);
	put(&img, z.p, z.len);
	filler(&img, 1000);
	decode_in_pieces(img.p, img.len, 65536, &hs, &st, NULL);
	assert_true(st.bombs >= 1);
	assert_string_equal(st.first_bomb, "1000-GZIP");
	/* stopped at the floor plus the ratio times what it read */
	assert_true(st.bytes[CUST_DECODE_GZIP] <=
	            CUST_ARCHIVE_EXPANDED_FLOOR + (uint64_t)CUST_ARCHIVE_RATIO * z.len);
	assert_true(st.bytes[CUST_DECODE_GZIP] < n);
	free(z.p);
	free(img.p);
	free(hs.h);
}

static void test_base64_gib(void **state)
{
	struct cust_decode_options o = { 0 };
	struct cust_error err = { 0 };
	struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
	struct cust_decoder *d;
	const struct cust_decode_stats *st;
	static const char head[] = "Content-Transfer-Encoding: base64\n\n";
	char line[78];
	unsigned char *chunk;
	size_t lines_per = 65536 / 77, fed = 0, i, total = (size_t)1 << 30;
	const char *env = getenv("CUSTODY_TEST_B64_BYTES");

	(void)state;
	if (env) /* the sanitizer build may ask for less */
		total = (size_t)strtoull(env, NULL, 10);
	o.carve = CUST_CARVE_ALL;
	d = cust_decoder_new(&o, &err);
	assert_non_null(d);
	chunk = malloc(lines_per * 77);
	assert_non_null(chunk);
	for (i = 0; i < 76; i++)
		line[i] = "QUJD"[i % 4]; /* "ABC" over and over */
	line[76] = '\n';
	for (i = 0; i < lines_per; i++)
		memcpy(chunk + i * 77, line, 77);
	cust_decoder_begin(d);
	assert_int_equal(cust_decoder_feed(d, head, sizeof head - 1, collect,
	                                   &hs, &err), 0);
	while (fed < total) {
		assert_int_equal(cust_decoder_feed(d, chunk, lines_per * 77,
		                                   collect, &hs, &err), 0);
		fed += lines_per * 77;
	}
	assert_int_equal(cust_decoder_end(d, collect, &hs, &err), 0);
	st = cust_decoder_stats(d);
	assert_int_equal(st->streams[CUST_DECODE_BASE64], 1);
	assert_int_equal(st->bytes[CUST_DECODE_BASE64], fed / 77 * 57);
	assert_int_equal(hs.n, 0);
	cust_decoder_free(d);
	free(chunk);
	free(hs.h);
}

static void test_zip_claims_4gib(void **state)
{
	unsigned char h[30] = { 'P', 'K', 3, 4, 20, 0, 0, 0, 0, 0 };
	struct buf img = { 0 };
	struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
	struct cust_decode_stats st;
	const struct hit *f;

	(void)state;
	memset(h + 18, 0xfe, 8); /* stored, 4 GiB less a little, both sizes */
	h[26] = 1;
	filler(&img, 100);
	put(&img, h, sizeof h);
	puts_(&img, "x");
	filler(&img, 100000);
	puts_(&img, " oscar@zip-claims.com ");
	filler(&img, 100000);
	decode_in_pieces(img.p, img.len, 4096, &hs, &st, NULL);
	f = find(&hs, "oscar@zip-claims.com");
	assert_non_null(f);
	assert_int_equal(f->offset, 100);
	assert_int_equal(strncmp(f->path, "-ZIP-", 5), 0);
	assert_int_equal(st.streams[CUST_DECODE_ZIP], 1);
	assert_true(st.bytes[CUST_DECODE_ZIP] < img.len);
	free(img.p);
	free(hs.h);
}

static void test_utf16_random(void **state)
{
	size_t n = (size_t)16 << 20, i;
	unsigned char *p = malloc(n);
	struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
	struct cust_decode_stats st;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)x;
		/* every 4 KiB a run of random characters with NULs between */
		if ((i & 4095) == 0 && i + 400 < n) {
			size_t k;
			for (k = 0; k < 400; k += 2, i += 2) {
				x ^= x << 13;
				x ^= x >> 7;
				x ^= x << 17;
				p[i] = (unsigned char)(0x20 + x % 95);
				p[i + 1] = 0;
			}
			i--;
		}
	}
	decode_in_pieces(p, n, 65536, &hs, &st, NULL);
	assert_true(st.streams[CUST_DECODE_UTF16LE] >= n / 4096 - 1);
	for (i = 0; i < hs.n; i++)
		assert_true(strlen(hs.h[i].path) > 1);
	free(p);
	free(hs.h);
}

static void test_nested_100(void **state)
{
	struct buf cur = { 0 }, next;
	struct hits hs = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
	struct cust_decode_stats st;
	int i;

	(void)state;
	puts_(&cur, "the bottom: peggy@deep-evil.com\n");
	for (i = 0; i < 100; i++) {
		next = i % 2 ? deflated(cur.p, cur.len, 16 + 15)
		             : base64(cur.p, cur.len, 76);
		if (i % 2 == 0) { /* a MIME header makes any base64 a part */
			struct buf m = { 0 };
			puts_(&m, "Content-Transfer-Encoding: base64\n\n");
			put(&m, next.p, next.len);
			free(next.p);
			next = m;
		}
		free(cur.p);
		cur = next;
	}
	decode_in_pieces(cur.p, cur.len, 65536, &hs, &st, NULL);
	assert_true(st.too_deep >= 1);
	assert_null(find(&hs, "peggy@deep-evil.com"));
	/* the depth is an option: all the way down */
	{
		struct cust_decode_options o = { 0 };
		struct hits all = { 0, calloc(MAX_HITS, sizeof(struct hit)) };
		o.carve = CUST_CARVE_ALL;
		o.max_depth = 1000; /* cut to CUST_DECODE_DEPTH_MAX */
		decode_in_pieces(cur.p, cur.len, 65536, &all, &st, &o);
		assert_true(st.too_deep >= 1);
		free(all.h);
	}
	free(cur.p);
	free(hs.h);
}

static void test_bad_arguments(void **state)
{
	struct cust_error err = { 0 };
	struct cust_decode_options o = { 0 };
	struct cust_decoder *d;

	(void)state;
	assert_null(cust_decoder_new(&o, &err));
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_null(cust_decoder_new(NULL, &err));
	o.carve = CUST_CARVE_EMAIL;
	d = cust_decoder_new(&o, &err);
	assert_non_null(d);
	assert_int_equal(cust_decoder_feed(d, "x", 1, NULL, NULL, &err), -1);
	cust_decoder_free(d);
	cust_decoder_free(NULL);
	assert_null(cust_decoder_stats(NULL));
	assert_string_equal(cust_decode_kind_name(CUST_DECODE_UTF16LE), "UTF16");
	assert_null(cust_decode_kind_name(CUST_DECODE_NKINDS));
	assert_true(cust_decode_path_container("-ZIP-5"));
	assert_false(cust_decode_path_container("-BASE64-5"));
	assert_false(cust_decode_path_container(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_markers_every_lane),
		cmocka_unit_test(test_inflated_at_once),
		cmocka_unit_test(test_deflate_bomb),
		cmocka_unit_test(test_base64_gib),
		cmocka_unit_test(test_zip_claims_4gib),
		cmocka_unit_test(test_utf16_random),
		cmocka_unit_test(test_nested_100),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
