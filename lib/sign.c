/*
 * sign.c - detached CMS signatures and the trust they are checked against.
 */
#include "custody/sign.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "custody/fsutil.h"
#include "custody/time.h"
#include "keys_internal.h"

/* The manifests and checkpoints signed are small; an extraction with a
 * million objects still lists them in well under this. */
#define CONTENT_MAX ((size_t)256 << 20)
#define PEM_MAX ((size_t)64 << 10)
#define EXAMINERS_MAX 4096u

struct cust_trust {
	X509_STORE *store;
};

/* The last OpenSSL error as text, for messages; empties the queue. */
static const char *ossl_reason(char *buf, size_t size)
{
	unsigned long code = ERR_peek_last_error();

	if (code == 0)
		snprintf(buf, size, "no detail from OpenSSL");
	else
		ERR_error_string_n(code, buf, size);
	ERR_clear_error();
	return buf;
}

static int ossl_fail(struct cust_error *err, enum cust_error_kind kind,
                     const char *what)
{
	char reason[256];

	return cust_error_set(err, kind, "%s: %s", what,
	                      ossl_reason(reason, sizeof reason));
}

/* RFC 8419: Ed25519 signed attributes are hashed with SHA-512. */
static const EVP_MD *digest_for(EVP_PKEY *key)
{
	return EVP_PKEY_is_a(key, "ED25519") ? EVP_sha512() : EVP_sha256();
}

static int digest_content(const EVP_MD *md, const char *data, size_t len,
                          unsigned char *out, unsigned *out_len,
                          struct cust_error *err)
{
	if (!EVP_Digest(data, len, out, out_len, md, NULL))
		return ossl_fail(err, CUST_E_IO, "cannot hash the signed content");
	return 0;
}

/* Parse DER[0..LEN) as a detached CMS SignedData; NAME labels errors. */
static CMS_ContentInfo *parse_signature(const unsigned char *der, size_t len,
                                        const char *name,
                                        struct cust_error *err)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	char what[CUST_PATH_MAX + 64];

	if (len > CUST_SIGNATURE_MAX) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is larger than %u bytes",
		               name, CUST_SIGNATURE_MAX);
		return NULL;
	}
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (!cms || p != der + len) {
		snprintf(what, sizeof what, "'%s' is not a DER CMS signature",
		         name);
		ossl_fail(err, CUST_E_INPUT, what);
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    !CMS_is_detached(cms)) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not a detached CMS SignedData", name);
		CMS_ContentInfo_free(cms);
		return NULL;
	}
	return cms;
}

static CMS_ContentInfo *read_signature(const char *sig_path,
                                       struct cust_error *err)
{
	char *der = NULL;
	size_t len = 0;
	CMS_ContentInfo *cms;

	if (cust_fs_read_file(sig_path, CUST_SIGNATURE_MAX, &der, &len, err) < 0)
		return NULL;
	cms = parse_signature((const unsigned char *)der, len, sig_path, err);
	free(der);
	return cms;
}

/* Check every signer's signature over DATA, without any trust decision. */
static int signatures_hold(CMS_ContentInfo *cms, const char *data,
                           size_t len, const char *sig_path,
                           struct cust_error *err)
{
	/* OpenSSL 3.0's CMS_verify copies a memory BIO it is given into one
	 * of its own and loses that copy when the signature names a digest it
	 * cannot use: behind a buffer filter the content is used as it is */
	BIO *mem = BIO_new_mem_buf(data, (int)len);
	BIO *buffer = BIO_new(BIO_f_buffer());
	BIO *content;
	int ok;

	if (!mem || !buffer) {
		BIO_free(mem);
		BIO_free(buffer);
		return ossl_fail(err, CUST_E_IO, "out of memory");
	}
	content = BIO_push(buffer, mem);
	ok = CMS_verify(cms, NULL, NULL, content, NULL,
	                CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY);
	BIO_free_all(content);
	if (!ok) {
		char what[CUST_PATH_MAX + 64];

		snprintf(what, sizeof what, "'%s' does not verify", sig_path);
		return ossl_fail(err, CUST_E_MISMATCH, what);
	}
	return 0;
}

/* Add S as a signer of CMS over DATA: signed attributes content type,
 * message digest, signing time and signing-certificate-v2. */
static int add_signer(CMS_ContentInfo *cms, const struct cust_signer *s,
                      const char *data, size_t len, struct cust_error *err)
{
	EVP_PKEY *key = cust_signer_pkey(s);
	const EVP_MD *md = digest_for(key);
	STACK_OF(X509) *extra = cust_signer_extra(s);
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned digest_len = 0;
	CMS_SignerInfo *si;
	int i;

	/* OpenSSL learnt Ed25519 in CMS (RFC 8419) in 3.2 */
	if (EVP_PKEY_is_a(key, "ED25519") && OpenSSL_version_num() < 0x30200000L)
		return cust_error_set(err, CUST_E_USAGE,
		                      "this OpenSSL (%s) cannot sign CMS with "
		                      "Ed25519 keys: use an ECDSA or RSA key",
		                      OpenSSL_version(OPENSSL_VERSION_STRING));
	if (digest_content(md, data, len, digest, &digest_len, err) < 0)
		return -1;
	si = CMS_add1_signer(cms, cust_signer_x509(s), key, md,
	                     CMS_PARTIAL | CMS_BINARY | CMS_CADES |
	                     CMS_NOSMIMECAP);
	if (!si)
		return ossl_fail(err, CUST_E_IO, "cannot add the signer");
	if (!CMS_signed_add1_attr_by_NID(si, NID_pkcs9_contentType,
	                                 V_ASN1_OBJECT,
	                                 OBJ_nid2obj(NID_pkcs7_data), -1) ||
	    !CMS_signed_add1_attr_by_NID(si, NID_pkcs9_messageDigest,
	                                 V_ASN1_OCTET_STRING, digest,
	                                 (int)digest_len))
		return ossl_fail(err, CUST_E_IO, "cannot add signed attributes");
	for (i = 0; i < sk_X509_num(extra); i++)
		if (CMS_add1_cert(cms, sk_X509_value(extra, i)) < 0)
			return ossl_fail(err, CUST_E_IO,
			                 "cannot include the certificate chain");
	/* adds the signing time, then signs the attributes */
	if (!CMS_SignerInfo_sign(si))
		return ossl_fail(err, CUST_E_IO, "cannot sign");
	return 0;
}

/* 1 when CMS already has a signer identified by S's certificate. */
static int has_signer(CMS_ContentInfo *cms, const struct cust_signer *s)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	int i;

	for (i = 0; i < sk_CMS_SignerInfo_num(infos); i++)
		if (CMS_SignerInfo_cert_cmp(sk_CMS_SignerInfo_value(infos, i),
		                            cust_signer_x509(s)) == 0)
			return 1;
	return 0;
}

static int write_signature(CMS_ContentInfo *cms, const char *sig_path,
                           int flags, struct cust_error *err)
{
	unsigned char *der = NULL;
	int len = i2d_CMS_ContentInfo(cms, &der);
	int rc;

	if (len <= 0)
		return ossl_fail(err, CUST_E_IO, "cannot encode the signature");
	rc = cust_fs_write_atomic(sig_path, der, (size_t)len, flags, err);
	OPENSSL_free(der);
	return rc;
}

int cust_sign_file(const struct cust_signer *s, const char *content_path,
                   const char *sig_path, enum cust_sign_mode mode,
                   struct cust_error *err)
{
	CMS_ContentInfo *cms = NULL;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (!s)
		return cust_error_set(err, CUST_E_USAGE, "no signer");
	if (cust_fs_read_file(content_path, CONTENT_MAX, &data, &len, err) < 0)
		return -1;
	if (mode == CUST_SIGN_ADD) {
		cms = read_signature(sig_path, err);
		if (!cms || signatures_hold(cms, data, len, sig_path, err) < 0)
			goto out;
		if (has_signer(cms, s)) {
			cust_error_set(err, CUST_E_USAGE,
			               "'%s' is already signed by %s", sig_path,
			               cust_signer_subject(s));
			goto out;
		}
	} else {
		cms = CMS_sign(NULL, NULL, NULL, NULL,
		               CMS_PARTIAL | CMS_DETACHED | CMS_BINARY);
		if (!cms) {
			ossl_fail(err, CUST_E_IO, "cannot start a signature");
			goto out;
		}
	}
	if (add_signer(cms, s, data, len, err) < 0)
		goto out;
	rc = write_signature(cms, sig_path,
	                     mode == CUST_SIGN_NEW ? CUST_FS_NOREPLACE : 0, err);
out:
	CMS_ContentInfo_free(cms);
	free(data);
	return rc;
}

/* --- trust --- */

static int fingerprint_of(X509 *cert, char out[CUST_FINGERPRINT_LEN])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	unsigned i;

	if (!X509_digest(cert, EVP_sha256(), md, &len) || len != 32)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static void examiner_finding(json_t *findings, const char *subject,
                             const char *message)
{
	if (findings)
		json_array_append_new(
			findings,
			json_pack("{s:s, s:s, s:s, s:s}", "check", "examiner",
			          "subject", subject, "status", "failed",
			          "message", message));
}

/* A name of the form <64 hex digits>.pem */
static int examiner_name(const char *name)
{
	size_t i;

	if (strlen(name) != 68 || strcmp(name + 64, ".pem") != 0)
		return 0;
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return 0;
	return 1;
}

static X509 *read_cert_text(const char *text, size_t len)
{
	BIO *b = BIO_new_mem_buf(text, (int)len);
	X509 *cert = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	ERR_clear_error();
	return cert;
}

/* Trust the examiner certificate in DIR/NAME if it is what its name says. */
static void load_examiner(X509_STORE *store, const char *dir, const char *name,
                          json_t *findings)
{
	char path[CUST_PATH_MAX], subject[CUST_PATH_MAX + 16], fp[CUST_FINGERPRINT_LEN];
	char msg[512];
	struct cust_error err;
	char *text = NULL;
	size_t len = 0;
	X509 *cert;

	snprintf(subject, sizeof subject, "%s/%s", CUST_EXAMINERS_DIR, name);
	if (!examiner_name(name)) {
		examiner_finding(findings, subject,
		                 "not named <sha256 fingerprint>.pem: not trusted");
		return;
	}
	if (cust_path_format(path, sizeof path, &err, "%s/%s", dir, name) < 0 ||
	    cust_fs_read_file(path, PEM_MAX, &text, &len, &err) < 0) {
		examiner_finding(findings, subject, err.message);
		return;
	}
	cert = read_cert_text(text, len);
	free(text);
	if (!cert || fingerprint_of(cert, fp) < 0) {
		examiner_finding(findings, subject, "not a PEM certificate");
		X509_free(cert);
		return;
	}
	if (strncmp(fp, name, 64) != 0) {
		snprintf(msg, sizeof msg,
		         "holds the certificate %s, not the one its name says: "
		         "replaced, not trusted", fp);
		examiner_finding(findings, subject, msg);
	} else if (!X509_STORE_add_cert(store, cert)) {
		examiner_finding(findings, subject, "cannot be used as an anchor");
		ERR_clear_error();
	}
	X509_free(cert);
}

static int load_examiners(X509_STORE *store, const char *case_dir,
                          json_t *findings, struct cust_error *err)
{
	char dir[CUST_PATH_MAX];
	struct dirent **names = NULL;
	int n, i, rc = 0;

	if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                     CUST_EXAMINERS_DIR) < 0)
		return -1;
	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0) {
		if (errno == ENOENT)
			return 0;
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot list '%s'", dir);
	}
	for (i = 0; i < n; i++) {
		const char *name = names[i]->d_name;

		if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
			if ((unsigned)i < EXAMINERS_MAX)
				load_examiner(store, dir, name, findings);
			else if (rc == 0)
				rc = cust_error_set(err, CUST_E_INPUT,
				                    "'%s' holds more than %u files",
				                    dir, EXAMINERS_MAX);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

struct cust_trust *cust_trust_load(const char *case_dir, const char *cafile,
                                   json_t *findings, struct cust_error *err)
{
	struct cust_trust *t = calloc(1, sizeof *t);

	if (!t) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	t->store = X509_STORE_new();
	if (!t->store) {
		ossl_fail(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	if (case_dir && load_examiners(t->store, case_dir, findings, err) < 0)
		goto fail;
	if (cafile && X509_STORE_load_file(t->store, cafile) != 1) {
		char what[CUST_PATH_MAX + 64];

		snprintf(what, sizeof what, "cannot read the CA file '%s'", cafile);
		ossl_fail(err, CUST_E_INPUT, what);
		goto fail;
	}
	return t;
fail:
	cust_trust_free(t);
	return NULL;
}

void cust_trust_free(struct cust_trust *t)
{
	if (!t)
		return;
	X509_STORE_free(t->store);
	free(t);
}

/* The signer's signing-time attribute, or 0 when it has none. */
static int signing_time(CMS_SignerInfo *si, time_t *when, char *text,
                        size_t size)
{
	int at = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
	X509_ATTRIBUTE *attr = at >= 0 ? CMS_signed_get_attr(si, at) : NULL;
	ASN1_TYPE *v = attr ? X509_ATTRIBUTE_get0_type(attr, 0) : NULL;
	struct tm tm;

	if (!v || (v->type != V_ASN1_UTCTIME && v->type != V_ASN1_GENERALIZEDTIME))
		return 0;
	if (!ASN1_TIME_to_tm((ASN1_TIME *)v->value.asn1_string, &tm))
		return 0;
	*when = timegm(&tm);
	strftime(text, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return 1;
}

static const char *one_line_subject(X509 *cert, char *buf, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	buf[0] = 0;
	if (b && X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
	                            XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_read(b, buf, (int)size - 1);
		buf[n > 0 ? n : 0] = 0;
	}
	BIO_free(b);
	return buf;
}

/* Does CERT (with the signature's other certificates as intermediates)
 * chain to an anchor at time WHEN?  MSG says why not. */
static int chain_holds(const struct cust_trust *t, X509 *cert,
                       STACK_OF(X509) *others, time_t when, char *msg,
                       size_t size)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	if (!ctx || !X509_STORE_CTX_init(ctx, t->store, cert, others)) {
		snprintf(msg, size, "cannot check the certificate chain");
		X509_STORE_CTX_free(ctx);
		return 0;
	}
	X509_STORE_CTX_set_time(ctx, 0, when);
	ok = X509_verify_cert(ctx) == 1;
	if (!ok) {
		int code = X509_STORE_CTX_get_error(ctx);

		if (code == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT)
			snprintf(msg, size, "self-signed certificate not listed "
			         "in %s/ of the case", CUST_EXAMINERS_DIR);
		else if (code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		         code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		         code == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT)
			snprintf(msg, size, "issuer not trusted (give the "
			         "agency's CA file)");
		else
			snprintf(msg, size, "certificate not valid when it "
			         "signed: %s", X509_verify_cert_error_string(code));
	}
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* Describe each signer and decide whether it is trusted; 0 when all are. */
static int check_signers(CMS_ContentInfo *cms, const struct cust_trust *t,
                         json_t *out, const char *sig_path,
                         struct cust_error *err)
{
	STACK_OF(CMS_SignerInfo) *infos = CMS_get0_SignerInfos(cms);
	STACK_OF(X509) *certs = CMS_get1_certs(cms);
	int i, untrusted = 0, n = sk_CMS_SignerInfo_num(infos);
	char first_problem[512] = "";

	for (i = 0; i < n; i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(infos, i);
		X509 *cert = NULL;
		char fp[CUST_FINGERPRINT_LEN] = "", subject[512] = "";
		char when_text[CUST_TIME_LEN] = "", msg[400] = "";
		time_t when = 0;
		int trusted = 0;

		CMS_SignerInfo_get0_algs(si, NULL, &cert, NULL, NULL);
		if (!cert || fingerprint_of(cert, fp) < 0) {
			snprintf(msg, sizeof msg, "no certificate for this signer");
		} else {
			one_line_subject(cert, subject, sizeof subject);
			if (!signing_time(si, &when, when_text, sizeof when_text))
				snprintf(msg, sizeof msg, "no signing time");
			else
				trusted = chain_holds(t, cert, certs, when, msg,
				                      sizeof msg);
		}
		json_array_append_new(
			out, json_pack("{s:s, s:s, s:s, s:b, s:s}", "fingerprint",
			               fp, "subject", subject, "signing_time",
			               when_text, "trusted", trusted, "message",
			               trusted ? "" : msg));
		if (!trusted && !untrusted++) {
			/* cut, not overflowed: the message is for a person */
			size_t used = (size_t)snprintf(first_problem,
			                               sizeof first_problem, "%s: ",
			                               *subject ? subject : "a signer");
			if (used < sizeof first_problem)
				memccpy(first_problem + used, msg, '\0',
				        sizeof first_problem - used - 1);
			first_problem[sizeof first_problem - 1] = '\0';
		}
	}
	sk_X509_pop_free(certs, X509_free);
	if (n == 0)
		return cust_error_set(err, CUST_E_MISMATCH, "'%s' has no signer",
		                      sig_path);
	if (untrusted)
		return cust_error_set(err, CUST_E_MISMATCH,
		                      "'%s': signer not trusted: %s", sig_path,
		                      first_problem);
	return 0;
}

static int check_parsed(CMS_ContentInfo *cms, const char *data, size_t len,
                        const char *name, const struct cust_trust *t,
                        json_t **signers, struct cust_error *err)
{
	json_t *list;
	int rc;

	if (signatures_hold(cms, data, len, name, err) < 0)
		return -1;
	list = json_array();
	if (!list)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	rc = check_signers(cms, t, list, name, err);
	if (signers)
		*signers = list;
	else
		json_decref(list);
	return rc;
}

int cust_sign_check(const char *content_path, const char *sig_path,
                    const struct cust_trust *t, json_t **signers,
                    struct cust_error *err)
{
	CMS_ContentInfo *cms;
	char *data = NULL;
	size_t len = 0;
	int rc = -1;

	if (signers)
		*signers = NULL;
	cms = read_signature(sig_path, err);
	if (!cms)
		return -1;
	if (cust_fs_read_file(content_path, CONTENT_MAX, &data, &len, err) == 0)
		rc = check_parsed(cms, data, len, sig_path, t, signers, err);
	free(data);
	CMS_ContentInfo_free(cms);
	return rc;
}

int cust_sign_check_buffer(const void *content, size_t content_len,
                           const unsigned char *sig, size_t sig_len,
                           const char *name, const struct cust_trust *t,
                           json_t **signers, struct cust_error *err)
{
	CMS_ContentInfo *cms;
	int rc;

	if (signers)
		*signers = NULL;
	if (content_len > CONTENT_MAX)
		return cust_error_set(err, CUST_E_INPUT,
		                      "content signed by '%s' is too large", name);
	cms = parse_signature(sig, sig_len, name, err);
	if (!cms)
		return -1;
	rc = check_parsed(cms, content, content_len, name, t, signers, err);
	CMS_ContentInfo_free(cms);
	return rc;
}

int cust_sign_store_examiner(const char *case_dir, const struct cust_signer *s,
                             struct cust_error *err)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	const char *pem = cust_signer_cert_pem(s);
	char *have = NULL;
	size_t have_len = 0;
	int rc;

	if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
	                     CUST_EXAMINERS_DIR) < 0 ||
	    cust_path_format(path, sizeof path, err, "%s/%s.pem", dir,
	                     cust_signer_fingerprint(s)) < 0 ||
	    cust_fs_mkdir(dir, 1, err) < 0)
		return -1;
	if (cust_fs_read_file(path, PEM_MAX, &have, &have_len, NULL) == 0) {
		rc = have_len == strlen(pem) && memcmp(have, pem, have_len) == 0
		             ? 0
		             : cust_error_set(err, CUST_E_MISMATCH,
		                              "'%s' exists and is not this "
		                              "examiner's certificate", path);
		free(have);
		return rc;
	}
	return cust_fs_write_atomic(path, pem, strlen(pem), CUST_FS_NOREPLACE,
	                            err);
}
