/*
 * merkle.h - RFC 6962 Merkle tree hashes (SHA-256).
 *
 * Leaf hash = SHA-256(0x00 || leaf data); interior node = SHA-256(0x01 ||
 * left || right); a tree of n leaves splits at the largest power of two
 * below n.  Used for the root over an image's block hashes (each leaf's
 * data is the 32-byte SHA-256 of one block) and over custody log lines.
 */
#ifndef CUSTODY_MERKLE_H
#define CUSTODY_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

/* The leaf hash of DATA[0..LEN). */
int cust_merkle_leaf(const void *data, size_t len, unsigned char out[32],
                     struct cust_error *err);

/* The root over N leaf hashes LEAVES (each 32 bytes from cust_merkle_leaf,
 * in order); for N = 0 the SHA-256 of the empty string, as RFC 6962
 * defines. */
int cust_merkle_root(const unsigned char (*leaves)[32], uint64_t n,
                     unsigned char root[32], struct cust_error *err);

#endif
