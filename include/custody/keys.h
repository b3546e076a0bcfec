/*
 * keys.h - examiner identities: a private key, its X.509 certificate, and
 * where custody finds them.
 *
 * A key is stored as PKCS#8 PEM encrypted under a passphrase (PBES2:
 * AES-256-CBC with a key derived by scrypt, N=16384 r=8 p=1, as
 * `openssl pkcs8 -topk8 -scrypt` writes it and every OpenSSL 3 reads it),
 * created with mode 0600 and never overwritten.  Its certificate is
 * self-signed (name, agency, email of the examiner) or issued by the
 * agency's CA from a request made with cust_keygen.  A loaded key and
 * certificate make a signer; every copy of secret material a signer held
 * is wiped when it is freed.  The passphrase comes from the caller
 * (passphrase.h says where a command finds it).
 *
 * Files read are bounded: a key at most 64 KiB, a certificate file at most
 * 1 MiB and 32 certificates.  Where a command finds the key and its
 * certificate is keyconfig.h's.
 *
 * The fingerprint of a certificate is the SHA-256 of its DER encoding in
 * lower-case hex; the case keeps each signer's certificate as
 * examiners/<fingerprint>.pem.
 */
#ifndef CUSTODY_KEYS_H
#define CUSTODY_KEYS_H

#include <stddef.h>

#include "custody/error.h"
#include "custody/passphrase.h" /* CUST_PASSPHRASE_*, cust_wipe */

#define CUST_FINGERPRINT_LEN 65 /* 64 hex digits and the NUL */
#define CUST_KEY_DAYS_DEFAULT 730
#define CUST_KEY_DAYS_MAX 36500
/* X.520 upper bounds, in characters: CN and O 64, emailAddress 128. */
#define CUST_KEY_NAME_MAX 64
#define CUST_KEY_EMAIL_MAX 128

enum cust_key_type {
	CUST_KEY_ECDSA_P256, /* the default: the widest verifier support */
	CUST_KEY_ED25519,
	CUST_KEY_RSA3072
};

/* "ecdsa" (or "ecdsa-p256"), "ed25519", "rsa3072" (or "rsa").  0, or -1
 * for any other name. */
int cust_key_type_parse(const char *name, enum cust_key_type *type);
/* "ecdsa-p256", "ed25519", "rsa3072" (names cust_key_type_parse takes). */
const char *cust_key_type_name(enum cust_key_type type);

struct cust_keygen_options {
	enum cust_key_type type;
	const char *name;      /* examiner's name: the certificate's CN; required */
	const char *agency;    /* O, may be NULL */
	const char *email;     /* emailAddress, may be NULL */
	unsigned valid_days;   /* self-signed validity; 0 = 730 */
	int csr;               /* 1: write a certificate request, not a certificate */
};

/*
 * Make a new key and write it to KEY_PATH encrypted under PASS (PASS_LEN
 * bytes, at least CUST_PASSPHRASE_MIN), then the self-signed certificate
 * (or, with o->csr, the request) to OUT_PATH.  Neither file may exist
 * already.  On any failure nothing is left behind.
 *
 * The name and agency are UTF-8 without control characters, 1 to
 * CUST_KEY_NAME_MAX characters; the email is printable ASCII local@domain
 * of at most CUST_KEY_EMAIL_MAX; valid_days at most CUST_KEY_DAYS_MAX.
 * Anything else is CUST_E_USAGE.  The certificate: X.509 v3, a random
 * positive 128-bit serial, subject = issuer = CN, O, emailAddress, valid
 * from 5 minutes ago (clock skew) for valid_days, basicConstraints
 * critical CA:FALSE, keyUsage critical digitalSignature nonRepudiation,
 * extendedKeyUsage emailProtection, subject and authority key identifiers,
 * subjectAltName email when given; SHA-256 (Ed25519 signs without a
 * digest).  A request has the same subject and asks for all the same
 * extensions but the authority key identifier.
 */
int cust_keygen(const struct cust_keygen_options *o, const char *key_path,
                const char *out_path, const char *pass, size_t pass_len,
                struct cust_error *err);

/* The checks cust_keygen makes of O, alone: a command makes them before
 * it asks for a passphrase. */
int cust_keygen_check(const struct cust_keygen_options *o,
                      struct cust_error *err);

/*
 * Install the certificate the agency's CA issued (CERT_PATH, PEM; further
 * certificates in the same file are its chain) as OUT_PATH, after checking
 * that it certifies the public key of the key at KEY_PATH.  Needs no
 * passphrase when KEY_PATH has a companion, the request or certificate
 * cust_keygen wrote next to it (KEY_PATH with ".key" replaced by ".csr",
 * else by ".pem"; without a ".key" suffix, those appended): the public key
 * is read from it (a request's own signature must hold).  Else the key is
 * opened with PASS (NULL: CUST_E_USAGE).  OUT_PATH must not exist.  A
 * certificate for another key, an expired one, or one whose key usage
 * forbids signing is refused (CUST_E_INPUT) and nothing is written.
 */
int cust_key_import_cert(const char *key_path, const char *cert_path,
                         const char *out_path, const char *pass,
                         size_t pass_len, struct cust_error *err);

/* 1 when cust_key_import_cert needs the passphrase of KEY_PATH (it has no
 * companion request or certificate), else 0. */
int cust_key_import_needs_passphrase(const char *key_path);

/* A key and certificate ready to sign with. */
struct cust_signer;

/*
 * Open the key at KEY_PATH with PASS and the certificate at CERT_PATH (PEM;
 * further certificates in it, and those in CHAIN_PATH when neither NULL
 * nor "", are included in signatures).  Refused with a clear error (kind
 * CUST_E_INPUT, nothing written anywhere): a wrong passphrase ("wrong
 * passphrase for 'KEY'"), a file that is no encrypted PKCS#8 key ("cannot
 * read the key 'KEY'"), a certificate that does not match the key, a
 * certificate not valid now ("... expired on DATE", "... not valid before
 * DATE"), a key file with any group or other permission bit ("... chmod
 * 600 'KEY'").  A NULL PASS is CUST_E_USAGE.
 */
struct cust_signer *cust_signer_open(const char *key_path,
                                     const char *cert_path,
                                     const char *chain_path, const char *pass,
                                     size_t pass_len, struct cust_error *err);

/* The getters below return NULL for a NULL or freed handle. */

/* The certificate's fingerprint (owned by the signer). */
const char *cust_signer_fingerprint(const struct cust_signer *s);

/* The certificate's subject as one line, "CN=..., O=..." (owned). */
const char *cust_signer_subject(const struct cust_signer *s);

/* The certificate as PEM text (owned), for examiners/<fingerprint>.pem. */
const char *cust_signer_cert_pem(const struct cust_signer *s);

/* Free, wiping the key.  NULL is fine. */
void cust_signer_free(struct cust_signer *s);

/* The fingerprint of the first certificate in the PEM file PATH. */
int cust_cert_fingerprint_file(const char *path,
                               char out[CUST_FINGERPRINT_LEN],
                               struct cust_error *err);

/* The type of the key the first certificate in the PEM file PATH
 * certifies; CUST_E_INPUT for a key custody does not make. */
int cust_cert_key_type_file(const char *path, enum cust_key_type *type,
                            struct cust_error *err);

#endif
