/* test_keys.c - unit tests of examiner keys and certificates
 * (include/custody/keys.h, lib/keys_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/keys.h"
#include "../../lib/keys_internal.h"
#include "testutil.h"

#define PASS "correct horse battery"
#define DAY (24L * 3600)

/* ---- helpers ------------------------------------------------------------ */

static void expect_error(int rc, const struct cust_error *err,
                         enum cust_error_kind kind, const char *part)
{
	assert_int_equal(rc, -1);
	if (err->kind != kind || !strstr(err->message, part))
		fail_msg("expected kind %d with '%s', got kind %d: %s", (int)kind,
		         part, (int)err->kind, err->message);
}

static void expect_null_error(const void *p, const struct cust_error *err,
                              enum cust_error_kind kind, const char *part)
{
	assert_null(p);
	expect_error(-1, err, kind, part);
}

static struct cust_keygen_options examiner(enum cust_key_type type, int csr)
{
	struct cust_keygen_options o = { 0 };

	o.type = type;
	o.name = "Jane Examiner";
	o.agency = "Digital Crimes Unit";
	o.email = "jane@dcu.invalid";
	o.csr = csr;
	return o;
}

/* A key and certificate (or request) TMPDIR/STEM.key and STEM.pem (.csr)
 * made by cust_keygen; the paths go into KEY and OUT. */
static void make_key(enum cust_key_type type, int csr, const char *stem,
                     char *key, char *out)
{
	struct cust_keygen_options o = examiner(type, csr);
	char name[64];
	struct cust_error err;

	snprintf(name, sizeof name, "%s.key", stem);
	tpath(key, name);
	snprintf(name, sizeof name, "%s.%s", stem, csr ? "csr" : "pem");
	tpath(out, name);
	cust_error_clear(&err);
	if (cust_keygen(&o, key, out, PASS, strlen(PASS), &err) != 0)
		fail_msg("cust_keygen: %s", err.message);
}

/* The first certificate of PATH, read with OpenSSL alone. */
static X509 *read_cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

/* The private key of PATH decrypted with PASS by OpenSSL alone (stock
 * readers must be able to open what custody writes). */
static EVP_PKEY *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk;

	assert_non_null(f);
	pk = PEM_read_PrivateKey(f, NULL, NULL, (void *)PASS);
	fclose(f);
	assert_non_null(pk);
	return pk;
}

static void write_cert(const char *path, X509 *const *certs, int n)
{
	FILE *f = fopen(path, "w");
	int i;

	assert_non_null(f);
	for (i = 0; i < n; i++)
		assert_true(PEM_write_X509(f, certs[i]));
	assert_int_equal(fclose(f), 0);
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);

	assert_non_null(e);
	assert_true(X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
}

/*
 * A certificate for the key PUB, subject CN, issued by ISSUER (self when
 * NULL) and signed with SIGNER, valid from now + NB to now + NA seconds,
 * with keyUsage KU when not NULL and CA:TRUE when IS_CA.
 */
static X509 *make_cert(EVP_PKEY *pub, const char *cn, X509 *issuer,
                       EVP_PKEY *signer, long nb, long na, const char *ku,
                       int is_ca)
{
	static long serial = 1000;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;

	assert_non_null(x);
	assert_non_null(n);
	assert_true(X509_set_version(x, X509_VERSION_3));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), serial++));
	assert_true(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	                                       (const unsigned char *)cn, -1, -1,
	                                       0));
	assert_true(X509_set_subject_name(x, n));
	assert_true(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer)
	                                           : n));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), nb));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), na));
	assert_true(X509_set_pubkey(x, pub));
	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	if (is_ca)
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	if (ku)
		add_ext(x, &ctx, NID_key_usage, ku);
	assert_true(X509_sign(x, signer,
	                      EVP_PKEY_is_a(signer, "ED25519") ? NULL
	                                                       : EVP_sha256()) > 0);
	X509_NAME_free(n);
	return x;
}

static EVP_PKEY *new_ec_key(void)
{
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pk);
	return pk;
}

static struct cust_signer *open_signer(const char *key, const char *cert,
                                       const char *chain)
{
	struct cust_error err;
	struct cust_signer *s;

	cust_error_clear(&err);
	s = cust_signer_open(key, cert, chain, PASS, strlen(PASS), &err);
	if (!s)
		fail_msg("cust_signer_open: %s", err.message);
	return s;
}

/* The signer's key signs, and the certificate's public key checks it. */
static void assert_signs(const struct cust_signer *s)
{
	static const unsigned char msg[] = "SHA256 (image.raw) = 00ff";
	EVP_PKEY *pk = cust_signer_pkey(s);
	const EVP_MD *md = EVP_PKEY_is_a(pk, "ED25519") ? NULL : EVP_sha256();
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_non_null(c);
	assert_int_equal(EVP_DigestSignInit(c, NULL, md, NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(c, sig, &siglen, msg, sizeof msg), 1);
	EVP_MD_CTX_reset(c);
	assert_int_equal(EVP_DigestVerifyInit(c, NULL, md, NULL,
	                                      X509_get0_pubkey(
		                                      cust_signer_x509(s))),
	                 1);
	assert_int_equal(EVP_DigestVerify(c, sig, siglen, msg, sizeof msg), 1);
	sig[siglen / 2] ^= 1;
	EVP_MD_CTX_reset(c);
	assert_int_equal(EVP_DigestVerifyInit(c, NULL, md, NULL,
	                                      X509_get0_pubkey(
		                                      cust_signer_x509(s))),
	                 1);
	assert_int_not_equal(EVP_DigestVerify(c, sig, siglen, msg, sizeof msg), 1);
	EVP_MD_CTX_free(c);
	ERR_clear_error();
}

static int file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return (int)(st.st_mode & 07777);
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* ---- key types ---------------------------------------------------------- */

static void test_key_type_names(void **state)
{
	static const enum cust_key_type all[] = {
		CUST_KEY_ECDSA_P256, CUST_KEY_ED25519, CUST_KEY_RSA3072
	};
	enum cust_key_type t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof all / sizeof all[0]; i++) {
		assert_int_equal(cust_key_type_parse(cust_key_type_name(all[i]), &t),
		                 0);
		assert_int_equal(t, all[i]);
	}
	assert_int_equal(cust_key_type_parse("ecdsa", &t), 0);
	assert_int_equal(t, CUST_KEY_ECDSA_P256);
	assert_int_equal(cust_key_type_parse("rsa", &t), 0);
	assert_int_equal(t, CUST_KEY_RSA3072);
	assert_int_equal(cust_key_type_parse("dsa", &t), -1);
	assert_int_equal(cust_key_type_parse("ECDSA", &t), -1);
	assert_int_equal(cust_key_type_parse("", &t), -1);
}

/* ---- keygen: each type -------------------------------------------------- */

static void check_examiner_cert(X509 *x, enum cust_key_type type,
                                unsigned days)
{
	const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
	BASIC_CONSTRAINTS *bc;
	GENERAL_NAMES *san;
	GENERAL_NAME *gn;
	int crit = -1, pday = 0, psec = 0;
	time_t now = time(NULL);
	ASN1_TIME *t;

	assert_int_equal(X509_get_version(x), X509_VERSION_3);
	/* positive, 128 bits */
	assert_int_equal(ASN1_STRING_type(serial), V_ASN1_INTEGER);
	assert_int_equal(ASN1_STRING_length(serial), 16);
	/* self-signed with its own key */
	assert_int_equal(X509_NAME_cmp(X509_get_subject_name(x),
	                               X509_get_issuer_name(x)),
	                 0);
	assert_int_equal(X509_verify(x, X509_get0_pubkey(x)), 1);
	assert_int_equal(X509_get_signature_nid(x),
	                 type == CUST_KEY_ED25519  ? NID_ED25519
	                 : type == CUST_KEY_RSA3072 ? NID_sha256WithRSAEncryption
	                                            : NID_ecdsa_with_SHA256);
	/* five minutes of clock skew before now, DAYS after */
	t = ASN1_TIME_set(NULL, now);
	assert_non_null(t);
	assert_true(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x), t));
	assert_int_equal(pday, 0);
	assert_in_range(psec, 295, 400);
	assert_true(ASN1_TIME_diff(&pday, &psec, t, X509_get0_notAfter(x)));
	assert_true(pday == (int)days || (pday == (int)days - 1 && psec > 86000));
	ASN1_TIME_free(t);
	/* extensions */
	bc = X509_get_ext_d2i(x, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_false(bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_get_key_usage(x),
	                 KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_true(X509_get_extension_flags(x) & EXFLAG_KUSAGE);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SMIME);
	assert_non_null(X509_get0_subject_key_id(x));
	assert_non_null(X509_get0_authority_key_id(x));
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(x),
	                                       X509_get0_authority_key_id(x)),
	                 0);
	assert_true(X509_get_extension_flags(x) & EXFLAG_SS);
	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	assert_non_null(san);
	assert_int_equal(sk_GENERAL_NAME_num(san), 1);
	gn = sk_GENERAL_NAME_value(san, 0);
	assert_int_equal(gn->type, GEN_EMAIL);
	assert_string_equal((const char *)ASN1_STRING_get0_data(gn->d.rfc822Name),
	                    "jane@dcu.invalid");
	GENERAL_NAMES_free(san);
}

static void keygen_type(enum cust_key_type type)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], hex[CUST_FINGERPRINT_LEN];
	char fp[CUST_FINGERPRINT_LEN];
	unsigned char *der = NULL, md[32];
	struct cust_signer *s;
	struct cust_error err;
	enum cust_key_type got;
	EVP_PKEY *pk;
	X509 *x;
	char *pem;
	int der_len;

	make_key(type, 0, "examiner", key, cert);
	assert_int_equal(file_mode(key), 0600);
	assert_int_equal(file_mode(cert), 0644);
	assert_int_equal(count_entries(), 2); /* no temporary left */
	pem = slurp(key, NULL);
	assert_non_null(strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
	free(pem);
	x = read_cert(cert);
	check_examiner_cert(x, type, CUST_KEY_DAYS_DEFAULT);
	/* the key file opens with OpenSSL alone, and is the certified key */
	pk = read_key(key);
	assert_int_equal(X509_check_private_key(x, pk), 1);
	EVP_PKEY_free(pk);

	s = open_signer(key, cert, NULL);
	assert_string_equal(cust_signer_subject(s),
	                    "CN=Jane Examiner, O=Digital Crimes Unit, "
	                    "emailAddress=jane@dcu.invalid");
	pem = slurp(cert, NULL);
	assert_string_equal(cust_signer_cert_pem(s), pem);
	free(pem);
	assert_int_equal(sk_X509_num(cust_signer_extra(s)), 0);
	assert_int_equal(X509_cmp(cust_signer_x509(s), x), 0);
	/* the fingerprint is the SHA-256 of the DER */
	der_len = i2d_X509(x, &der);
	assert_true(der_len > 0);
	assert_int_equal(cust_digest_buffer(CUST_DIGEST_SHA256, der,
	                                    (size_t)der_len, md, NULL),
	                 0);
	cust_hex_encode(md, sizeof md, hex);
	OPENSSL_free(der);
	assert_string_equal(cust_signer_fingerprint(s), hex);
	cust_error_clear(&err);
	assert_int_equal(cust_cert_fingerprint_file(cert, fp, &err), 0);
	assert_string_equal(fp, hex);
	assert_int_equal(cust_cert_key_type_file(cert, &got, &err), 0);
	assert_int_equal(got, type);
	assert_signs(s);
	cust_signer_free(s);
	X509_free(x);
}

static void test_keygen_ecdsa(void **state)
{
	(void)state;
	keygen_type(CUST_KEY_ECDSA_P256);
}

static void test_keygen_ed25519(void **state)
{
	(void)state;
	keygen_type(CUST_KEY_ED25519);
}

static void test_keygen_rsa3072(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	EVP_PKEY *pk;

	(void)state;
	keygen_type(CUST_KEY_RSA3072);
	tpath(key, "examiner.key");
	tpath(cert, "examiner.pem");
	pk = read_key(key);
	assert_int_equal(EVP_PKEY_get_bits(pk), 3072);
	EVP_PKEY_free(pk);
}

/* Minimal options: no agency, no email; a given validity. */
static void test_keygen_minimal_subject(void **state)
{
	struct cust_keygen_options o = { 0 };
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	struct cust_signer *s;
	struct cust_error err;
	int pday = 0, psec = 0;
	X509 *x;

	(void)state;
	o.name = "Doe, John + \xc3\x89quipe"; /* RFC 2253 specials, UTF-8 */
	o.valid_days = 30;
	tpath(key, "k.key");
	tpath(cert, "k.pem");
	cust_error_clear(&err);
	assert_int_equal(cust_keygen(&o, key, cert, PASS, strlen(PASS), &err), 0);
	x = read_cert(cert);
	assert_null(X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL));
	assert_true(ASN1_TIME_diff(&pday, &psec, X509_get0_notBefore(x),
	                           X509_get0_notAfter(x)));
	assert_int_equal(pday, 30);
	assert_in_range(psec, 300, 302);
	X509_free(x);
	s = open_signer(key, cert, NULL);
	assert_string_equal(cust_signer_subject(s),
	                    "CN=Doe\\, John \\+ \xc3\x89quipe");
	cust_signer_free(s);
}

static void test_keygen_csr(void **state)
{
	char key[CUST_PATH_MAX], csr[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	STACK_OF(X509_EXTENSION) *exts;
	X509_REQ *req;
	EVP_PKEY *pk;
	FILE *f;
	int i, seen = 0;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 1, "examiner", key, csr);
	tpath(cert, "examiner.pem");
	assert_false(exists(cert));
	assert_int_equal(file_mode(key), 0600);
	f = fopen(csr, "r");
	assert_non_null(f);
	req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(req);
	assert_int_equal(X509_REQ_verify(req, X509_REQ_get0_pubkey(req)), 1);
	pk = read_key(key);
	assert_int_equal(EVP_PKEY_eq(pk, X509_REQ_get0_pubkey(req)), 1);
	EVP_PKEY_free(pk);
	exts = X509_REQ_get_extensions(req);
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(
			sk_X509_EXTENSION_value(exts, i)));
		if (nid == NID_basic_constraints || nid == NID_key_usage ||
		    nid == NID_ext_key_usage || nid == NID_subject_key_identifier ||
		    nid == NID_subject_alt_name)
			seen++;
		assert_int_not_equal(nid, NID_authority_key_identifier);
	}
	assert_int_equal(seen, 5);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
}

/* Whatever the umask, the key is 0600 (and the certificate 0644). */
static void test_keygen_umask(void **state)
{
	struct cust_keygen_options o = examiner(CUST_KEY_ED25519, 0);
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	char key2[CUST_PATH_MAX], cert2[CUST_PATH_MAX];
	struct cust_error err;
	mode_t old;
	int rc1, rc2;

	(void)state;
	tpath(key, "wide.key");
	tpath(cert, "wide.pem");
	tpath(key2, "narrow.key");
	tpath(cert2, "narrow.pem");
	cust_error_clear(&err);
	/* the umask is restored before anything is checked */
	old = umask(0);
	rc1 = cust_keygen(&o, key, cert, PASS, strlen(PASS), &err);
	umask(0277);
	rc2 = cust_keygen(&o, key2, cert2, PASS, strlen(PASS), &err);
	umask(old);
	if (rc1 != 0 || rc2 != 0)
		fail_msg("cust_keygen: %s", err.message);
	assert_int_equal(file_mode(key), 0600);
	assert_int_equal(file_mode(cert), 0644);
	assert_int_equal(file_mode(key2), 0600);
	assert_int_equal(file_mode(cert2), 0644);
}

/* ---- keygen: refusals --------------------------------------------------- */

static void test_keygen_refuses_existing(void **state)
{
	struct cust_keygen_options o = examiner(CUST_KEY_ED25519, 0);
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], other[CUST_PATH_MAX];
	struct cust_error err;
	char *before, *after;

	(void)state;
	make_key(CUST_KEY_ED25519, 0, "examiner", key, cert);
	before = slurp(key, NULL);
	tpath(other, "other.pem");
	cust_error_clear(&err);
	expect_error(cust_keygen(&o, key, other, PASS, strlen(PASS), &err), &err,
	             CUST_E_IO, "already exists; custody never overwrites");
	assert_non_null(strstr(err.message, key));
	after = slurp(key, NULL);
	assert_string_equal(before, after); /* not overwritten */
	assert_false(exists(other));        /* nothing else written */
	free(after);
	/* an existing certificate: no key is made either */
	tpath(other, "other.key");
	expect_error(cust_keygen(&o, other, cert, PASS, strlen(PASS), &err),
	             &err, CUST_E_IO, "already exists");
	assert_false(exists(other));
	assert_int_equal(count_entries(), 2);
	/* a dangling link in the key's place is not followed */
	tpath(other, "planted.key");
	assert_int_equal(symlink("/nonexistent/custody-key", other), 0);
	tpath(cert, "planted.pem");
	expect_error(cust_keygen(&o, other, cert, PASS, strlen(PASS), &err),
	             &err, CUST_E_IO, "already exists");
	assert_false(exists("/nonexistent/custody-key"));
	assert_false(exists(cert));
	free(before);
}

static void test_keygen_passphrase_length(void **state)
{
	struct cust_keygen_options o = examiner(CUST_KEY_ED25519, 0);
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], *big;
	struct cust_error err;

	(void)state;
	tpath(key, "examiner.key");
	tpath(cert, "examiner.pem");
	cust_error_clear(&err);
	expect_error(cust_keygen(&o, key, cert, "1234567", 7, &err), &err,
	             CUST_E_USAGE, "at least 8 bytes");
	expect_error(cust_keygen(&o, key, cert, NULL, 0, &err), &err,
	             CUST_E_USAGE, "at least 8 bytes");
	big = malloc(CUST_PASSPHRASE_MAX + 1);
	assert_non_null(big);
	memset(big, 'p', CUST_PASSPHRASE_MAX + 1);
	expect_error(cust_keygen(&o, key, cert, big, CUST_PASSPHRASE_MAX + 1,
	                         &err),
	             &err, CUST_E_USAGE, "longer than 1024 bytes");
	assert_int_equal(count_entries(), 0);
	/* exactly 8 bytes, and the longest, are fine */
	assert_int_equal(cust_keygen(&o, key, cert, "12345678", 8, &err), 0);
	tpath(key, "long.key");
	tpath(cert, "long.pem");
	assert_int_equal(cust_keygen(&o, key, cert, big, CUST_PASSPHRASE_MAX,
	                             &err),
	                 0);
	free(big);
}

static void test_keygen_bad_options(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], longname[160];
	struct cust_keygen_options o;
	struct cust_error err;
	static const struct {
		const char *name, *agency, *email;
		unsigned days;
		const char *why;
	} bad[] = {
		{ "", NULL, NULL, 0, "name is required" },
		{ "Jane\nEvil", NULL, NULL, 0, "not UTF-8 text without control" },
		{ "Jane\x1b[31m", NULL, NULL, 0, "not UTF-8 text without control" },
		{ "Jane \xc3", NULL, NULL, 0, "not UTF-8" },
		{ "Jane \xc0\xaf", NULL, NULL, 0, "not UTF-8" },       /* overlong */
		{ "Jane \xed\xa0\x80", NULL, NULL, 0, "not UTF-8" },   /* surrogate */
		{ "Jane \xc2\x85", NULL, NULL, 0, "not UTF-8" },       /* C1 */
		{ "Jane", "", NULL, 0, "the agency is empty" },
		{ "Jane", "A\tB", NULL, 0, "agency is not UTF-8" },
		{ "Jane", NULL, "jane", 0, "is not an email address" },
		{ "Jane", NULL, "@dcu.invalid", 0, "is not an email address" },
		{ "Jane", NULL, "a@b@c", 0, "is not an email address" },
		{ "Jane", NULL, "a@b, c@d", 0, "is not an email address" },
		{ "Jane", NULL, "j\xc3\xa9@dcu.invalid", 0, "not an email" },
		{ "Jane", NULL, NULL, CUST_KEY_DAYS_MAX + 1, "more than 36500" },
	};
	size_t i;

	(void)state;
	tpath(key, "examiner.key");
	tpath(cert, "examiner.pem");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&o, 0, sizeof o);
		o.name = bad[i].name;
		o.agency = bad[i].agency;
		o.email = bad[i].email;
		o.valid_days = bad[i].days;
		cust_error_clear(&err);
		expect_error(cust_keygen_check(&o, &err), &err, CUST_E_USAGE,
		             bad[i].why);
		expect_error(cust_keygen(&o, key, cert, PASS, strlen(PASS), &err),
		             &err, CUST_E_USAGE, bad[i].why);
	}
	/* 64 characters fit (here 2-byte ones), 65 do not */
	memset(&o, 0, sizeof o);
	for (i = 0; i < 64; i++)
		memcpy(longname + 2 * i, "\xc3\xa9", 2);
	longname[128] = '\0';
	o.name = longname;
	assert_int_equal(cust_keygen_check(&o, &err), 0);
	memset(longname, 'x', 65);
	longname[65] = '\0';
	expect_error(cust_keygen_check(&o, &err), &err, CUST_E_USAGE,
	             "longer than 64 characters");
	/* the same path twice */
	o = examiner(CUST_KEY_ED25519, 0);
	expect_error(cust_keygen(&o, key, key, PASS, strlen(PASS), &err), &err,
	             CUST_E_USAGE, "would both be");
	assert_int_equal(count_entries(), 0);
}

/* A folder that cannot take the files: nothing is left behind. */
static void test_keygen_unwritable_folder(void **state)
{
	struct cust_keygen_options o = examiner(CUST_KEY_ED25519, 0);
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	tpath(key, "examiner.key");
	tpath(cert, "missing-folder/examiner.pem");
	cust_error_clear(&err);
	expect_error(cust_keygen(&o, key, cert, PASS, strlen(PASS), &err), &err,
	             CUST_E_IO, "missing-folder/examiner.pem");
	assert_int_equal(count_entries(), 0);
}

/* ---- signers: refusals -------------------------------------------------- */

static void test_signer_wrong_passphrase(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], want[CUST_PATH_MAX + 64];
	static const char *const wrong[] = {
		"", "correct horse batter", "correct horse battery ", "x",
		"Correct horse battery", "0123456789abcdef0123456789abcdef",
	};
	struct cust_error err;
	size_t i;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 0, "examiner", key, cert);
	snprintf(want, sizeof want, "wrong passphrase for '%s'", key);
	for (i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		cust_error_clear(&err);
		expect_null_error(cust_signer_open(key, cert, NULL, wrong[i],
		                                   strlen(wrong[i]), &err),
		                  &err, CUST_E_INPUT, want);
		assert_string_equal(err.message, want);
	}
	expect_null_error(cust_signer_open(key, cert, NULL, NULL, 0, &err), &err,
	                  CUST_E_USAGE, "no passphrase");
	assert_int_equal(count_entries(), 2); /* nothing written */
	assert_int_equal(ERR_peek_error(), 0); /* OpenSSL's queue left empty */
}

static void test_signer_not_a_key(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], path[CUST_PATH_MAX];
	EVP_PKEY *pk = new_ec_key();
	struct cust_error err;
	char *big;
	FILE *f;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 0, "examiner", key, cert);
	cust_error_clear(&err);
	/* a file that holds no PEM at all */
	tpath(path, "not-a-key");
	write_file(path, "x", 1);
	assert_int_equal(chmod(path, 0600), 0);
	expect_null_error(cust_signer_open(path, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "cannot read the key");
	assert_non_null(strstr(err.message, path));
	/* a key in clear */
	tpath(path, "clear.key");
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL));
	fclose(f);
	assert_int_equal(chmod(path, 0600), 0);
	expect_null_error(cust_signer_open(path, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "not an encrypted PKCS#8 key");
	/* a damaged encrypted key: its base64 cut */
	tpath(path, "damaged.key");
	big = slurp(key, NULL);
	big[strlen(big) / 2] = '\0';
	write_file(path, big, strlen(big));
	free(big);
	assert_int_equal(chmod(path, 0600), 0);
	expect_null_error(cust_signer_open(path, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "cannot read the key");
	/* too large, missing, a folder */
	tpath(path, "huge.key");
	big = calloc(1, 70000);
	assert_non_null(big);
	write_file(path, big, 70000);
	free(big);
	assert_int_equal(chmod(path, 0600), 0);
	expect_null_error(cust_signer_open(path, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "larger than 65536 bytes");
	tpath(path, "missing.key");
	expect_null_error(cust_signer_open(path, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "missing.key");
	expect_null_error(cust_signer_open(tmpdir, cert, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "not a regular file");
	EVP_PKEY_free(pk);
}

static void test_signer_key_mode(void **state)
{
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0601, 0610 };
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	struct cust_error err;
	struct cust_signer *s;
	size_t i;

	(void)state;
	make_key(CUST_KEY_ED25519, 0, "examiner", key, cert);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(key, modes[i]), 0);
		cust_error_clear(&err);
		/* refused before the passphrase is even tried */
		expect_null_error(cust_signer_open(key, cert, NULL, "wrong", 5,
		                                   &err),
		                  &err, CUST_E_INPUT, "chmod 600");
		assert_non_null(strstr(err.message, key));
	}
	assert_int_equal(chmod(key, 0400), 0); /* read-only is fine */
	s = open_signer(key, cert, NULL);
	cust_signer_free(s);
}

static void test_signer_cert_mismatch(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX];
	char key2[CUST_PATH_MAX], cert2[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 0, "a", key, cert);
	make_key(CUST_KEY_ECDSA_P256, 0, "b", key2, cert2);
	cust_error_clear(&err);
	expect_null_error(cust_signer_open(key, cert2, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "does not match the key");
	assert_non_null(strstr(err.message, cert2));
	assert_non_null(strstr(err.message, key));
}

static void test_signer_validity(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], path[CUST_PATH_MAX];
	char when[64], want[CUST_PATH_MAX + 128];
	struct cust_signer *s;
	struct cust_error err;
	EVP_PKEY *pk;
	X509 *x;
	struct tm tm;
	time_t t;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 0, "examiner", key, cert);
	pk = read_key(key);
	cust_error_clear(&err);

	/* expired yesterday */
	x = make_cert(pk, "Jane Examiner", NULL, pk, -30 * DAY, -DAY,
	              "critical,digitalSignature", 0);
	t = time(NULL) - DAY;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d", &tm);
	tpath(path, "expired.pem");
	write_cert(path, &x, 1);
	X509_free(x);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "expired on ");
	snprintf(want, sizeof want, "the certificate in '%s' expired on %sT",
	         path, when);
	assert_non_null(strstr(err.message, want));

	/* valid only from tomorrow */
	x = make_cert(pk, "Jane Examiner", NULL, pk, DAY, 30 * DAY,
	              "critical,digitalSignature", 0);
	t = time(NULL) + DAY;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d", &tm);
	tpath(path, "future.pem");
	write_cert(path, &x, 1);
	X509_free(x);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "not valid before ");
	snprintf(want, sizeof want,
	         "the certificate in '%s' is not valid before %sT", path, when);
	assert_non_null(strstr(err.message, want));

	/* the twin: valid now */
	x = make_cert(pk, "Jane Examiner", NULL, pk, -60, DAY,
	              "critical,digitalSignature", 0);
	tpath(path, "now.pem");
	write_cert(path, &x, 1);
	X509_free(x);
	s = open_signer(key, path, NULL);
	cust_signer_free(s);
	EVP_PKEY_free(pk);
}

static void test_signer_hostile_cert_files(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], path[CUST_PATH_MAX];
	X509 *certs[33];
	struct cust_error err;
	char *pem, *big;
	size_t len;
	int i;

	(void)state;
	make_key(CUST_KEY_ED25519, 0, "examiner", key, cert);
	cust_error_clear(&err);
	tpath(path, "empty.pem");
	write_file(path, "", 0);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "no certificate in");
	tpath(path, "text.pem");
	write_file(path, "hello\n", 6);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "no certificate in");
	/* a cut certificate */
	pem = slurp(cert, &len);
	tpath(path, "cut.pem");
	memcpy(pem + len / 2, "\n-----END CERTIFICATE-----\n", 28);
	write_file(path, pem, len / 2 + 27);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "cannot read certificate 1 of");
	free(pem);
	/* too many certificates, in the chain file */
	certs[0] = read_cert(cert);
	for (i = 1; i < 33; i++)
		certs[i] = certs[0];
	tpath(path, "many.pem");
	write_cert(path, certs, 33);
	expect_null_error(cust_signer_open(key, cert, path, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "more than 32 certificates");
	X509_free(certs[0]);
	/* too large */
	tpath(path, "huge.pem");
	big = malloc((1u << 20) + 1);
	assert_non_null(big);
	memset(big, 'A', (1u << 20) + 1);
	write_file(path, big, (1u << 20) + 1);
	free(big);
	expect_null_error(cust_signer_open(key, path, NULL, PASS, strlen(PASS),
	                                   &err),
	                  &err, CUST_E_INPUT, "larger than 1048576 bytes");
	assert_int_equal(cust_cert_fingerprint_file(path, (char[65]){ 0 }, &err),
	                 -1);
	assert_int_equal(ERR_peek_error(), 0);
}

/* Chain certificates: after the examiner's in its file, then the chain
 * file's, in order. */
static void test_signer_chain(void **state)
{
	char key[CUST_PATH_MAX], cert[CUST_PATH_MAX], path[CUST_PATH_MAX];
	char chain[CUST_PATH_MAX];
	EVP_PKEY *ca_key = new_ec_key(), *pk;
	X509 *ca, *sub, *leaf, *v[3];
	struct cust_signer *s;

	(void)state;
	make_key(CUST_KEY_ECDSA_P256, 0, "examiner", key, cert);
	pk = read_key(key);
	ca = make_cert(ca_key, "Root", NULL, ca_key, -60, DAY,
	               "critical,keyCertSign", 1);
	sub = make_cert(ca_key, "Sub", ca, ca_key, -60, DAY,
	                "critical,keyCertSign", 1);
	leaf = make_cert(pk, "Jane Examiner", sub, ca_key, -60, DAY,
	                 "critical,digitalSignature", 0);
	v[0] = leaf;
	v[1] = sub;
	tpath(path, "issued.pem");
	write_cert(path, v, 2);
	tpath(chain, "chain.pem");
	write_cert(chain, &ca, 1);
	s = open_signer(key, path, chain);
	assert_int_equal(X509_cmp(cust_signer_x509(s), leaf), 0);
	assert_int_equal(sk_X509_num(cust_signer_extra(s)), 2);
	assert_int_equal(X509_cmp(sk_X509_value(cust_signer_extra(s), 0), sub), 0);
	assert_int_equal(X509_cmp(sk_X509_value(cust_signer_extra(s), 1), ca), 0);
	assert_string_equal(cust_signer_subject(s), "CN=Jane Examiner");
	cust_signer_free(s);
	/* "" is no chain */
	s = open_signer(key, path, "");
	assert_int_equal(sk_X509_num(cust_signer_extra(s)), 1);
	cust_signer_free(s);
	X509_free(ca);
	X509_free(sub);
	X509_free(leaf);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(ca_key);
}

static void test_signer_handles(void **state)
{
	struct cust_signer *bogus;

	(void)state;
	cust_signer_free(NULL);
	assert_null(cust_signer_fingerprint(NULL));
	assert_null(cust_signer_subject(NULL));
	assert_null(cust_signer_cert_pem(NULL));
	assert_null(cust_signer_pkey(NULL));
	assert_null(cust_signer_x509(NULL));
	assert_null(cust_signer_extra(NULL));
	/* a block that is not a signer is refused, not used */
	bogus = calloc(1, 256);
	assert_non_null(bogus);
	assert_null(cust_signer_fingerprint(bogus));
	cust_signer_free(bogus); /* ignored: no magic */
	free(bogus);
}

/* ---- importing the CA's certificate ------------------------------------- */

/* A CA, and a certificate it issues for the request CSR (or for the key
 * PUB when not NULL) into TMPDIR/NAME, with the CA after it. */
struct test_ca {
	EVP_PKEY *key;
	X509 *cert;
};

static void ca_new(struct test_ca *ca)
{
	ca->key = new_ec_key();
	ca->cert = make_cert(ca->key, "Agency CA", NULL, ca->key, -60, 365 * DAY,
	                     "critical,keyCertSign,cRLSign", 1);
}

static void ca_free(struct test_ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
}

static EVP_PKEY *request_key(const char *csr)
{
	FILE *f = fopen(csr, "r");
	X509_REQ *req;
	EVP_PKEY *pk;

	assert_non_null(f);
	req = PEM_read_X509_REQ(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(req);
	pk = X509_REQ_get_pubkey(req);
	assert_non_null(pk);
	X509_REQ_free(req);
	return pk;
}

static void ca_issue(struct test_ca *ca, EVP_PKEY *pub, long na,
                     const char *ku, const char *name, char *out)
{
	X509 *v[2];

	v[0] = make_cert(pub, "Jane Examiner", ca->cert, ca->key, -60, na, ku, 0);
	v[1] = ca->cert;
	tpath(out, name);
	write_cert(out, v, 2);
	X509_free(v[0]);
}

static void test_import_from_request(void **state)
{
	char key[CUST_PATH_MAX], csr[CUST_PATH_MAX], issued[CUST_PATH_MAX];
	char out[CUST_PATH_MAX], fp[CUST_FINGERPRINT_LEN];
	struct cust_signer *s;
	struct cust_error err;
	struct test_ca ca;
	EVP_PKEY *pub;
	X509 *x;

	(void)state;
	ca_new(&ca);
	make_key(CUST_KEY_ECDSA_P256, 1, "examiner", key, csr);
	assert_int_equal(cust_key_import_needs_passphrase(key), 0);
	pub = request_key(csr);
	ca_issue(&ca, pub, 365 * DAY, "critical,digitalSignature", "issued.pem",
	         issued);
	tpath(out, "examiner.pem");
	cust_error_clear(&err);
	/* no passphrase needed: the request gives the public key */
	if (cust_key_import_cert(key, issued, out, NULL, 0, &err) != 0)
		fail_msg("import: %s", err.message);
	s = open_signer(key, out, NULL);
	assert_int_equal(sk_X509_num(cust_signer_extra(s)), 1);
	assert_int_equal(X509_cmp(sk_X509_value(cust_signer_extra(s), 0),
	                          ca.cert),
	                 0);
	assert_int_equal(cust_cert_fingerprint_file(out, fp, &err), 0);
	assert_string_equal(fp, cust_signer_fingerprint(s));
	x = read_cert(issued);
	assert_int_equal(X509_cmp(cust_signer_x509(s), x), 0);
	X509_free(x);
	assert_signs(s);
	cust_signer_free(s);
	/* installed once: never replaced */
	expect_error(cust_key_import_cert(key, issued, out, NULL, 0, &err), &err,
	             CUST_E_IO, "already exists");
	EVP_PKEY_free(pub);
	ca_free(&ca);
}

static void test_import_refusals(void **state)
{
	char key[CUST_PATH_MAX], csr[CUST_PATH_MAX], path[CUST_PATH_MAX];
	char out[CUST_PATH_MAX], moved[CUST_PATH_MAX];
	struct cust_error err;
	struct test_ca ca;
	EVP_PKEY *pub, *other = new_ec_key();
	char *text;
	size_t len;

	(void)state;
	ca_new(&ca);
	make_key(CUST_KEY_ECDSA_P256, 1, "examiner", key, csr);
	pub = request_key(csr);
	tpath(out, "examiner.pem");
	cust_error_clear(&err);

	/* a certificate for another key */
	ca_issue(&ca, other, 365 * DAY, "critical,digitalSignature", "other.pem",
	         path);
	expect_error(cust_key_import_cert(key, path, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "is for another key");
	assert_non_null(strstr(err.message, "CN=Jane Examiner"));
	assert_non_null(strstr(err.message, key));
	assert_false(exists(out));
	/* expired */
	ca_issue(&ca, pub, -DAY, "critical,digitalSignature", "old.pem", path);
	expect_error(cust_key_import_cert(key, path, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "expired on");
	/* not for signing */
	ca_issue(&ca, pub, 365 * DAY, "critical,keyEncipherment", "enc.pem",
	         path);
	expect_error(cust_key_import_cert(key, path, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "does not allow digital signatures");
	/* not a certificate */
	expect_error(cust_key_import_cert(key, csr, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "no certificate in");
	assert_false(exists(out));
	/* a damaged request: its signature no longer holds */
	ca_issue(&ca, pub, 365 * DAY, "critical,digitalSignature", "good.pem",
	         path);
	text = slurp(csr, &len);
	tpath(moved, "examiner.csr.orig");
	assert_int_equal(rename(csr, moved), 0);
	{
		BIO *b = BIO_new_mem_buf(text, (int)len);
		X509_REQ *req = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
		const ASN1_BIT_STRING *sig;
		FILE *f;
		assert_non_null(req);
		X509_REQ_get0_signature(req, &sig, NULL);
		((unsigned char *)ASN1_STRING_get0_data(sig))[8] ^= 0x40;
		f = fopen(csr, "w");
		assert_non_null(f);
		assert_true(PEM_write_X509_REQ(f, req));
		fclose(f);
		X509_REQ_free(req);
		BIO_free(b);
	}
	free(text);
	expect_error(cust_key_import_cert(key, path, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "is damaged");
	assert_false(exists(out));
	/* no key at all, only its request */
	assert_int_equal(unlink(csr), 0);
	assert_int_equal(rename(moved, csr), 0);
	tpath(moved, "examiner.key.away");
	assert_int_equal(rename(key, moved), 0);
	expect_error(cust_key_import_cert(key, path, out, NULL, 0, &err), &err,
	             CUST_E_INPUT, "cannot open the key");
	assert_int_equal(rename(moved, key), 0);
	assert_int_equal(cust_key_import_cert(key, path, out, NULL, 0, &err), 0);
	EVP_PKEY_free(other);
	EVP_PKEY_free(pub);
	ca_free(&ca);
}

/* Without a request or certificate next to the key, its passphrase. */
static void test_import_with_passphrase(void **state)
{
	char key[CUST_PATH_MAX], csr[CUST_PATH_MAX], issued[CUST_PATH_MAX];
	char out[CUST_PATH_MAX];
	struct cust_signer *s;
	struct cust_error err;
	struct test_ca ca;
	EVP_PKEY *pub;

	(void)state;
	ca_new(&ca);
	make_key(CUST_KEY_ED25519, 1, "examiner", key, csr);
	pub = request_key(csr);
	assert_int_equal(unlink(csr), 0);
	assert_int_equal(cust_key_import_needs_passphrase(key), 1);
	ca_issue(&ca, pub, 365 * DAY, "critical,digitalSignature", "issued.pem",
	         issued);
	tpath(out, "examiner.pem");
	cust_error_clear(&err);
	expect_error(cust_key_import_cert(key, issued, out, NULL, 0, &err), &err,
	             CUST_E_USAGE, "passphrase is needed");
	expect_error(cust_key_import_cert(key, issued, out, "not it!", 7, &err),
	             &err, CUST_E_INPUT, "wrong passphrase for");
	assert_false(exists(out));
	assert_int_equal(chmod(key, 0644), 0);
	expect_error(cust_key_import_cert(key, issued, out, PASS, strlen(PASS),
	                                  &err),
	             &err, CUST_E_INPUT, "chmod 600");
	assert_int_equal(chmod(key, 0600), 0);
	assert_int_equal(cust_key_import_cert(key, issued, out, PASS,
	                                      strlen(PASS), &err),
	                 0);
	s = open_signer(key, out, NULL);
	assert_signs(s);
	cust_signer_free(s);
	EVP_PKEY_free(pub);
	ca_free(&ca);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_key_type_names),
		T(test_keygen_ecdsa),
		T(test_keygen_ed25519),
		T(test_keygen_rsa3072),
		T(test_keygen_minimal_subject),
		T(test_keygen_csr),
		T(test_keygen_umask),
		T(test_keygen_refuses_existing),
		T(test_keygen_passphrase_length),
		T(test_keygen_bad_options),
		T(test_keygen_unwritable_folder),
		T(test_signer_wrong_passphrase),
		T(test_signer_not_a_key),
		T(test_signer_key_mode),
		T(test_signer_cert_mismatch),
		T(test_signer_validity),
		T(test_signer_hostile_cert_files),
		T(test_signer_chain),
		T(test_signer_handles),
		T(test_import_from_request),
		T(test_import_refusals),
		T(test_import_with_passphrase),
	};

	/* the caller's configuration and passphrase must not leak in */
	unsetenv("CUSTODY_PASSPHRASE");
	unsetenv("CUSTODY_CONFIG");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
