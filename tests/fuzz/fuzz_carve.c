/* fuzz_carve.c - the carver on hostile bytes: it must never crash or read
 * out of bounds, every hit must lie inside the input and hold a bounded
 * value, and feeding the input in three pieces must give exactly the hits
 * of one feed, in the same order for each kind (a difference aborts).
 * Hits also go through the target collector. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/carve.h"
#include "custody/targets.h"
#include "fuzz.h"

#define MAX_HITS 65536

struct run {
	size_t size;
	size_t n;
	/* of offset, length and value bytes, in order, per kind (hits of
	 * different kinds at nearby offsets may come in any order) */
	uint64_t sum[16];
	struct cust_targets *targets;
};

static int on_hit(void *ctx, const struct cust_carve_hit *hit,
                  struct cust_error *err)
{
	struct run *r = ctx;
	unsigned k;
	size_t i;

	if (hit->offset + hit->length > r->size || hit->length == 0 ||
	    hit->value_len == 0 || hit->value_len > CUST_CARVE_VALUE_MAX ||
	    strlen(hit->value) != hit->value_len || !cust_carve_kind_name(hit->kind))
		abort();
	r->n++;
	k = (unsigned)__builtin_ctz(hit->kind);
	r->sum[k] = r->sum[k] * 31 + hit->offset;
	r->sum[k] = r->sum[k] * 31 + hit->length;
	for (i = 0; i < hit->value_len; i++)
		r->sum[k] = r->sum[k] * 31 + (unsigned char)hit->value[i];
	if (r->targets && cust_targets_add(r->targets, hit->kind, hit->value,
	                                   hit->value_len, "fuzz:/input",
	                                   hit->offset, err) < 0)
		abort();
	return r->n < MAX_HITS ? 0 : -1;
}

static void carve(const uint8_t *data, size_t size, size_t cut1, size_t cut2,
                  struct run *r)
{
	struct cust_carver *c = cust_carver_new(CUST_CARVE_ALL, NULL);

	if (!c)
		abort();
	r->size = size;
	if (cust_carver_feed(c, data, cut1, on_hit, r, NULL) < 0 ||
	    cust_carver_feed(c, data + cut1, cut2 - cut1, on_hit, r, NULL) < 0 ||
	    cust_carver_feed(c, data + cut2, size - cut2, on_hit, r, NULL) < 0 ||
	    cust_carver_end(c, on_hit, r, NULL) < 0)
		r->n = (size_t)-1; /* too many hits: stopped */
	cust_carver_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run one = { 0 }, three = { 0 };
	size_t cut1, cut2;

	one.targets = cust_targets_new(4096, 1u << 20, NULL);
	if (!one.targets)
		abort();
	carve(data, size, 0, 0, &one);
	/* cuts drawn from the input's first bytes */
	cut1 = size ? (size_t)data[0] * 131 % (size + 1) : 0;
	cut2 = size > 1 ? (size_t)data[1] * 257 % (size + 1) : size;
	if (cut2 < cut1) {
		size_t t = cut1;
		cut1 = cut2;
		cut2 = t;
	}
	carve(data, size, cut1, cut2, &three);
	if (one.n != three.n || memcmp(one.sum, three.sum, sizeof one.sum) != 0)
		abort();
	cust_targets_free(one.targets);
	return 0;
}
