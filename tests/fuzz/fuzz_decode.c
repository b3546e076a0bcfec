/* fuzz_decode.c - the decoders on hostile bytes, one harness for all of
 * them: the first byte picks a decoder and the input follows that
 * decoder's marker (gzip, zlib, PDF, ZIP, bzip2, xz, lzma, base64 MIME,
 * a base64 line run, quoted-printable, percent, UTF-16; or the input as
 * is), so every decoder sees hostile streams, not only hostile markers.
 * Nothing may crash or read out of bounds, every hit must carry a path
 * and a bounded value, and feeding the input in two pieces must give the
 * hits of one feed (a difference aborts). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/decode.h"
#include "fuzz.h"

#define MAX_HITS 65536

struct run {
	size_t n;
	uint64_t sum;
};

static int on_hit(void *ctx, const struct cust_carve_hit *h,
                  struct cust_error *err)
{
	struct run *r = ctx;
	size_t i;

	(void)err;
	if (!h->path || h->path[0] != '-' ||
	    strlen(h->path) >= CUST_DECODE_PATH_MAX || h->value_len == 0 ||
	    h->value_len > CUST_CARVE_VALUE_MAX ||
	    strlen(h->value) != h->value_len ||
	    (h->context && (h->context_at > h->context_len ||
	                    h->context_at + h->length > h->context_len)))
		abort();
	r->n++;
	r->sum = r->sum * 31 + h->kind;
	r->sum = r->sum * 31 + h->offset;
	for (i = 0; h->path[i]; i++)
		r->sum = r->sum * 31 + (unsigned char)h->path[i];
	for (i = 0; i < h->value_len; i++)
		r->sum = r->sum * 31 + (unsigned char)h->value[i];
	return r->n < MAX_HITS ? 0 : -1;
}

static const struct {
	const char *head;
	size_t len;
} heads[] = {
	{ "", 0 },
	{ "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10 },
	{ "\x78\x9c", 2 },
	{ "stream\r\n\x78\xda", 10 },
	{ "PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	  "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00x", 31 },
	{ "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	  "\x00\x01\x00\x00\x00\x01\x00\x00\x01\x00\x00\x00x", 31 },
	{ "BZh91AY&SY", 10 },
	{ "\xfd" "7zXZ\x00\x00\x04\xe6\xd6\xb4\x46", 12 },
	{ "\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff", 13 },
	{ "Content-Transfer-Encoding: base64\n\n", 35 },
	{ "Content-Transfer-Encoding: quoted-printable\n\n", 45 },
	{ "x%40", 4 },
	{ "data:x;base64,QUFBQUFBQUFBQUFBQUFBQU", 34 },
	{ "a\0b\0c\0d\0e\0f\0g\0h\0", 16 },
};

static void decode(const uint8_t *p, size_t n, size_t cut, struct run *r)
{
	struct cust_decode_options o = { 0 };
	struct cust_decoder *d;
	struct cust_error err;

	o.carve = 0x1f;
	o.expand_ratio = 8;          /* small bounds: fast, bombs reached */
	o.max_expanded = 4u << 20;
	if (!(d = cust_decoder_new(&o, &err)))
		abort();
	cust_decoder_begin(d);
	if (cust_decoder_feed(d, p, cut, on_hit, r, &err) == 0 &&
	    cust_decoder_feed(d, p + cut, n - cut, on_hit, r, &err) == 0)
		(void)cust_decoder_end(d, on_hit, r, &err);
	cust_decoder_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run one = { 0, 0 }, two = { 0, 0 };
	size_t k, n, cut;
	uint8_t *buf;

	if (size < 2)
		return 0;
	k = data[0] % (sizeof heads / sizeof heads[0]);
	n = heads[k].len + size - 2;
	if (!(buf = malloc(n)))
		return 0;
	memcpy(buf, heads[k].head, heads[k].len);
	memcpy(buf + heads[k].len, data + 2, size - 2);
	cut = n ? (size_t)data[1] * n / 256 : 0;
	decode(buf, n, n, &one);
	decode(buf, n, cut, &two);
	if (one.n != two.n || one.sum != two.sum)
		abort();
	free(buf);
	return 0;
}
