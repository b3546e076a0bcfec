/* merkle.c - RFC 6962 Merkle tree hashes; see include/custody/merkle.h. */
#include "custody/merkle.h"

#include <openssl/evp.h>
#include <string.h>

static int sha256_parts(const unsigned char prefix, const void *a, size_t alen,
                        const void *b, size_t blen, unsigned char out[32],
                        struct cust_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(ctx, &prefix, 1) &&
	         (alen == 0 || EVP_DigestUpdate(ctx, a, alen)) &&
	         (blen == 0 || EVP_DigestUpdate(ctx, b, blen)) &&
	         EVP_DigestFinal_ex(ctx, out, NULL);

	EVP_MD_CTX_free(ctx);
	if (!ok)
		return cust_error_set(err, CUST_E_IO, "cannot compute SHA-256");
	return 0;
}

int cust_merkle_leaf(const void *data, size_t len, unsigned char out[32],
                     struct cust_error *err)
{
	return sha256_parts(0x00, data, len, NULL, 0, out, err);
}

/* The largest power of two strictly below N (N >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;

	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* Recursion depth is log2(n): at most 64. */
static int subtree(const unsigned char (*leaves)[32], uint64_t n,
                   unsigned char out[32], struct cust_error *err)
{
	unsigned char left[32], right[32];
	uint64_t k;

	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return 0;
	}
	k = split_point(n);
	if (subtree(leaves, k, left, err) < 0 ||
	    subtree(leaves + k, n - k, right, err) < 0)
		return -1;
	return sha256_parts(0x01, left, 32, right, 32, out, err);
}

int cust_merkle_root(const unsigned char (*leaves)[32], uint64_t n,
                     unsigned char root[32], struct cust_error *err)
{
	if (n == 0) {
		EVP_MD_CTX *ctx = EVP_MD_CTX_new();
		int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
		         EVP_DigestFinal_ex(ctx, root, NULL);
		EVP_MD_CTX_free(ctx);
		return ok ? 0 : cust_error_set(err, CUST_E_IO,
		                               "cannot compute SHA-256");
	}
	return subtree(leaves, n, root, err);
}
