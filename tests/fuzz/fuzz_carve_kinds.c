/* fuzz_carve_kinds.c - the validators of the kinds of botnet cases (card
 * numbers, Bitcoin, onion addresses, phone numbers, MAC addresses,
 * host:port pairs) on hostile bytes.  Every hit is checked again here,
 * independently of the carver: a card number is 13..19 digits passing
 * Luhn, a Base58 address decodes to 25 bytes whose double SHA-256 matches,
 * an onion's SHA3-256 checksum and version hold, a phone number is '+' and
 * 8..15 digits, a MAC is six lower-case hex pairs, a host:port ends in a
 * port of 1..65535.  The carver looking for these kinds alone must give
 * exactly their hits among all kinds, and the input fed in pieces (cut
 * where its first bytes say, and one byte at a time) the same hits in the
 * same order.  Any difference or a hit that fails its check aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "custody/carve.h"
#include "fuzz.h"

#define NEW_KINDS (CUST_CARVE_CCN | CUST_CARVE_BITCOIN | CUST_CARVE_ONION | \
                   CUST_CARVE_PHONE | CUST_CARVE_MAC | CUST_CARVE_HOSTPORT)
#define MAX_HITS 65536

struct run {
	size_t size;
	size_t n;
	uint64_t sum;
};

static int luhn(const char *d, size_t len)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned v = (unsigned)(d[len - 1 - i] - '0');
		if (i % 2)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	return sum % 10 == 0;
}

static void check_ccn(const char *v, size_t len)
{
	size_t i;

	if (len < 13 || len > 19)
		abort();
	for (i = 0; i < len; i++)
		if (v[i] < '0' || v[i] > '9')
			abort();
	if (!luhn(v, len))
		abort();
}

static void check_base58(const char *v, size_t len)
{
	static const char abc[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char out[25] = { 0 }, md[32];
	size_t i;
	int j;

	for (i = 0; i < len; i++) {
		const char *at = strchr(abc, v[i]);
		unsigned carry;
		if (!at || !v[i])
			abort();
		carry = (unsigned)(at - abc);
		for (j = 24; j >= 0; j--) {
			carry += 58u * out[j];
			out[j] = (unsigned char)carry;
			carry >>= 8;
		}
		if (carry)
			abort();
	}
	if (out[0] != 0 && out[0] != 5)
		abort();
	SHA256(out, 21, md);
	SHA256(md, 32, md);
	if (memcmp(md, out + 21, 4) != 0)
		abort();
}

static void check_onion(const char *v, size_t len)
{
	unsigned char raw[35], in[48], md[32];
	unsigned acc = 0, bits = 0, mdlen = 0;
	size_t i, n = 0;

	if (len != 62 || strcmp(v + 56, ".onion") != 0)
		abort();
	for (i = 0; i < 56; i++) {
		unsigned x;
		if (v[i] >= 'a' && v[i] <= 'z')
			x = (unsigned)(v[i] - 'a');
		else if (v[i] >= '2' && v[i] <= '7')
			x = (unsigned)(v[i] - '2' + 26);
		else
			abort();
		acc = acc << 5 | x;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (unsigned char)(acc >> bits);
		}
	}
	memcpy(in, ".onion checksum", 15);
	memcpy(in + 15, raw, 32);
	in[47] = raw[34];
	if (raw[34] != 3 ||
	    EVP_Digest(in, sizeof in, md, &mdlen, EVP_sha3_256(), NULL) != 1 ||
	    md[0] != raw[32] || md[1] != raw[33])
		abort();
}

static void check_hit(const struct cust_carve_hit *hit)
{
	const char *v = hit->value;
	size_t len = hit->value_len, i;

	switch (hit->kind) {
	case CUST_CARVE_CCN:
		check_ccn(v, len);
		break;
	case CUST_CARVE_BITCOIN:
		if (v[0] == '1' || v[0] == '3')
			check_base58(v, len);
		else if (strncmp(v, "bc1", 3) != 0 || len < 14 || len > 90)
			abort();
		break;
	case CUST_CARVE_ONION:
		check_onion(v, len);
		break;
	case CUST_CARVE_PHONE:
		if (v[0] != '+' || len < 9 || len > 16)
			abort();
		for (i = 1; i < len; i++)
			if (v[i] < '0' || v[i] > '9')
				abort();
		break;
	case CUST_CARVE_MAC:
		if (len != 17)
			abort();
		for (i = 0; i < 17; i++)
			if (i % 3 == 2 ? v[i] != ':'
			               : !((v[i] >= '0' && v[i] <= '9') ||
			                   (v[i] >= 'a' && v[i] <= 'f')))
				abort();
		break;
	case CUST_CARVE_HOSTPORT: {
		const char *colon = strrchr(v, ':');
		unsigned long port;
		char *end;
		if (!colon || colon == v || colon[1] < '1' || colon[1] > '9')
			abort();
		port = strtoul(colon + 1, &end, 10);
		if (*end || port == 0 || port > 65535)
			abort();
		break;
	}
	default:
		break;
	}
}

static int on_hit(void *ctx, const struct cust_carve_hit *hit,
                  struct cust_error *err)
{
	struct run *r = ctx;
	size_t i;

	(void)err;
	if (hit->offset + hit->length > r->size || hit->length == 0 ||
	    hit->value_len == 0 || strlen(hit->value) != hit->value_len)
		abort();
	if (!(hit->kind & NEW_KINDS))
		return 0;
	check_hit(hit);
	r->n++;
	r->sum = r->sum * 31 + hit->kind;
	r->sum = r->sum * 31 + hit->offset;
	r->sum = r->sum * 31 + hit->length;
	for (i = 0; i < hit->value_len; i++)
		r->sum = r->sum * 31 + (unsigned char)hit->value[i];
	return r->n < MAX_HITS ? 0 : -1;
}

/* The hits of DATA of the new kinds, looking for KINDS, fed in pieces
 * ending at CUT1 and CUT2 (or one byte at a time when STEP). */
static void carve(const uint8_t *data, size_t size, unsigned kinds,
                  size_t cut1, size_t cut2, int step, struct run *r)
{
	struct cust_carver *c = cust_carver_new(kinds, NULL);
	size_t i;
	int bad = 0;

	if (!c)
		abort();
	r->size = size;
	if (step) {
		for (i = 0; i < size && !bad; i++)
			bad = cust_carver_feed(c, data + i, 1, on_hit, r, NULL) < 0;
	} else {
		bad = cust_carver_feed(c, data, cut1, on_hit, r, NULL) < 0 ||
		      cust_carver_feed(c, data + cut1, cut2 - cut1, on_hit, r,
		                       NULL) < 0 ||
		      cust_carver_feed(c, data + cut2, size - cut2, on_hit, r,
		                       NULL) < 0;
	}
	if (bad || cust_carver_end(c, on_hit, r, NULL) < 0)
		r->n = (size_t)-1; /* too many hits: stopped */
	cust_carver_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run all = { 0 }, alone = { 0 }, cut = { 0 }, bytes = { 0 };
	size_t cut1, cut2;

	carve(data, size, CUST_CARVE_ALL, 0, 0, 0, &all);
	carve(data, size, NEW_KINDS, 0, 0, 0, &alone);
	cut1 = size ? (size_t)data[0] * 131 % (size + 1) : 0;
	cut2 = size > 1 ? (size_t)data[1] * 257 % (size + 1) : size;
	if (cut2 < cut1) {
		size_t t = cut1;
		cut1 = cut2;
		cut2 = t;
	}
	carve(data, size, NEW_KINDS, cut1, cut2, 0, &cut);
	if (size <= 4096)
		carve(data, size, NEW_KINDS, 0, 0, 1, &bytes);
	else
		bytes = alone;
	if (all.n != alone.n || all.sum != alone.sum || cut.n != alone.n ||
	    cut.sum != alone.sum || bytes.n != alone.n || bytes.sum != alone.sum)
		abort();
	return 0;
}
