/*
 * keys_internal.h - what the CMS signing module needs of a signer
 * (include/custody/keys.h) and no other caller should see: the OpenSSL
 * objects themselves.
 *
 * Every pointer is borrowed from the signer and lives until
 * cust_signer_free; callers must not free or change them (the key is never
 * to be written anywhere).
 */
#ifndef CUSTODY_KEYS_INTERNAL_H
#define CUSTODY_KEYS_INTERNAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "custody/keys.h"

/* The private key. */
EVP_PKEY *cust_signer_pkey(const struct cust_signer *s);

/* The examiner's certificate, which matches the key. */
X509 *cust_signer_x509(const struct cust_signer *s);

/* The chain certificates to include in a signature, in the order found
 * (those after the examiner's certificate in its file, then those of the
 * chain file); possibly empty, never NULL. */
STACK_OF(X509) *cust_signer_extra(const struct cust_signer *s);

#endif
