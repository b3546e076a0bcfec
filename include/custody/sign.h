/*
 * sign.h - detached CMS signatures over a unit's SHA256SUMS and over the
 * custody log's checkpoint.
 *
 * A signature file (SHA256SUMS.p7s) is a DER CMS SignedData without its
 * content: every signer's certificate (and chain) is included, and each
 * SignerInfo carries signed attributes: content type, message digest,
 * signing time and the ESS signing-certificate-v2 (CAdES-BES), so that the
 * certificate cannot be swapped under the signature.  The digest is SHA-256
 * (SHA-512 for Ed25519 keys, as RFC 8419 requires).  Stock OpenSSL checks
 * it:
 *
 *     openssl cms -verify -binary -inform DER -in SHA256SUMS.p7s \
 *         -content SHA256SUMS -CAfile CERT -purpose any
 *
 * Trust: a signer's certificate is accepted when it chains to a trust
 * anchor at the time it signed.  Anchors are self-signed examiner
 * certificates the case lists in examiners/<fingerprint>.pem and the
 * certificates of an agency CA file given by the user.
 */
#ifndef CUSTODY_SIGN_H
#define CUSTODY_SIGN_H

#include <jansson.h>

#include "custody/error.h"
#include "custody/keys.h"

#define CUST_SIGNATURE_SUFFIX ".p7s"
#define CUST_TIMESTAMP_SUFFIX ".tsr"
#define CUST_EXAMINERS_DIR "examiners"
/* Largest signature file read: a few certificates and signers fit many
 * times over. */
#define CUST_SIGNATURE_MAX (1024u * 1024)

enum cust_sign_mode {
	CUST_SIGN_NEW,     /* the signature file must not exist */
	CUST_SIGN_REPLACE, /* a new signature replaces the old one */
	CUST_SIGN_ADD      /* co-sign: add a signer to the existing one */
};

/*
 * Sign the file CONTENT_PATH as S, writing the signature to SIG_PATH
 * atomically.  With CUST_SIGN_ADD the existing signature must verify over
 * the content (signatures only, no trust decision) before a signer is
 * added, and a signer already present with the same certificate is
 * refused.
 */
int cust_sign_file(const struct cust_signer *s, const char *content_path,
                   const char *sig_path, enum cust_sign_mode mode,
                   struct cust_error *err);

/* Trust anchors for checking signers. */
struct cust_trust;

/* Anchors from CASE_DIR/examiners/ (each file must be named after the
 * fingerprint of the certificate in it; a misnamed or unreadable one is
 * reported in FINDINGS as a failed "examiner" check and not trusted) and
 * from CAFILE (PEM, may be NULL).  FINDINGS may be NULL. */
struct cust_trust *cust_trust_load(const char *case_dir, const char *cafile,
                                   json_t *findings, struct cust_error *err);
void cust_trust_free(struct cust_trust *t);

/*
 * Check the signature SIG_PATH over CONTENT_PATH: the file parses (at
 * most CUST_SIGNATURE_MAX bytes), every signer's signature holds over the
 * content, and every signer's certificate chains to an anchor of T at the
 * time it signed (its signing-time attribute).  *SIGNERS receives an array
 * of {"fingerprint", "subject", "signing_time", "trusted": bool, "message"}
 * (message says why a signer is not trusted) when the signatures hold.
 * Returns 0 when every signature holds and every signer is trusted;
 * otherwise -1 with CUST_E_MISMATCH and a message naming the problem
 * (CUST_E_INPUT for a file that is not a detached CMS signature, CUST_E_IO
 * for a read failure).
 */
int cust_sign_check(const char *content_path, const char *sig_path,
                    const struct cust_trust *t, json_t **signers,
                    struct cust_error *err);

/* As cust_sign_check, over CONTENT and the signature SIG held in memory
 * (an inclusion proof carries both); NAME labels messages. */
int cust_sign_check_buffer(const void *content, size_t content_len,
                           const unsigned char *sig, size_t sig_len,
                           const char *name, const struct cust_trust *t,
                           json_t **signers, struct cust_error *err);

/*
 * Copy the signer's certificate into CASE_DIR/examiners/<fingerprint>.pem
 * unless an identical copy is there (an existing different file of that
 * name is an error: the case was tampered with).
 */
int cust_sign_store_examiner(const char *case_dir, const struct cust_signer *s,
                             struct cust_error *err);

#endif
