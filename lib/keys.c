/* keys.c - examiner keys and certificates; see include/custody/keys.h. */
#include "custody/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "keys_internal.h"

#define SIGNER_MAGIC 0x4b455953u /* "KEYS" */
#define KEY_FILE_MAX (64u << 10)
#define CERT_FILE_MAX (1u << 20)
#define CERTS_MAX 32
#define PEM_BLOCKS_MAX 8 /* blocks looked at for the key in a key file */
/* scrypt as `openssl pkcs8 -scrypt` sets it (16 MiB): OpenSSL refuses to
 * spend more than 32 MiB reading a key, so a larger N would make keys
 * stock openssl cannot open */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SALT_BYTES 16
#define CLOCK_SKEW_SECONDS 300
#define SERIAL_BYTES 16
#define TIME_TEXT_MAX 32

struct cust_signer {
	unsigned magic;
	EVP_PKEY *pkey;
	X509 *cert;
	STACK_OF(X509) *extra;
	char fingerprint[CUST_FINGERPRINT_LEN];
	char *subject;
	char *cert_pem;
};

/* ---- helpers ------------------------------------------------------------ */

static int ssl_fail(struct cust_error *err, enum cust_error_kind kind,
                    const char *fmt, ...) CUST_PRINTF(3, 4);

/* Record a failure with the reason of OpenSSL's last error appended, and
 * empty OpenSSL's error queue so that no later call mistakes it for its
 * own. */
static int ssl_fail(struct cust_error *err, enum cust_error_kind kind,
                    const char *fmt, ...)
{
	char msg[CUST_ERROR_MESSAGE_MAX];
	unsigned long e = ERR_peek_last_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	ERR_clear_error();
	if (reason)
		return cust_error_set(err, kind, "%s: %s", msg, reason);
	return cust_error_set(err, kind, "%s", msg);
}

static int sync_parent(const char *path, struct cust_error *err)
{
	char dir[CUST_PATH_MAX];

	if (cust_path_dir(path, dir, sizeof dir, err) < 0)
		return -1;
	return cust_fs_sync_dir(dir, err);
}

/* A regular file read whole (a final symlink followed: keys and
 * certificates are often linked into place), at most MAX bytes. */
static int read_bounded(const char *path, size_t max, mode_t *mode,
                        char **out, size_t *len, struct cust_error *err)
{
	return cust_fs_read_file_ex(path, max, 0, mode, out, len, err);
}

/* The number of characters of the UTF-8 text S, or -1 when S is not
 * UTF-8 or holds a control character (C0, DEL or C1). */
static long text_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	while (*p) {
		unsigned c = *p++, need, cp, min;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return -1;
			n++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			need = 1, cp = c & 0x1f, min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2, cp = c & 0x0f, min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return -1;
		}
		for (; need > 0; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3fu);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp < 0xa0))
			return -1;
		n++;
	}
	return n;
}

/* WHAT (the examiner's name, the agency) as it may go into a certificate:
 * 1 to CUST_KEY_NAME_MAX characters of UTF-8 without control characters. */
static int check_text(const char *value, const char *what,
                      struct cust_error *err)
{
	long n;

	if (!value || !*value)
		return cust_error_set(err, CUST_E_USAGE, "%s is empty", what);
	if (strnlen(value, 4 * CUST_KEY_NAME_MAX + 1) > 4 * CUST_KEY_NAME_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s is longer than %d characters", what,
		                      CUST_KEY_NAME_MAX);
	n = text_chars(value);
	if (n < 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s is not UTF-8 text without control "
		                      "characters", what);
	if (n > CUST_KEY_NAME_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "%s is longer than %d characters", what,
		                      CUST_KEY_NAME_MAX);
	return 0;
}

/* An email address as X.509 takes it (IA5String): printable ASCII,
 * local@domain, no characters that separate addresses. */
static int check_email(const char *email, struct cust_error *err)
{
	size_t len = strnlen(email, CUST_KEY_EMAIL_MAX + 1), i;
	const char *at = strchr(email, '@');

	if (len == 0)
		return cust_error_set(err, CUST_E_USAGE, "the email is empty");
	if (len > CUST_KEY_EMAIL_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the email is longer than %d characters",
		                      CUST_KEY_EMAIL_MAX);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)email[i];
		if (c <= 0x20 || c >= 0x7f || c == ',' || c == '<' || c == '>' ||
		    c == '"' || c == '\\')
			return cust_error_set(err, CUST_E_USAGE,
			                      "'%s' is not an email address "
			                      "(printable ASCII local@domain)", email);
	}
	if (!at || at == email || !at[1] || strchr(at + 1, '@'))
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is not an email address "
		                      "(printable ASCII local@domain)", email);
	return 0;
}

/* ---- key types ---------------------------------------------------------- */

static const struct {
	const char *name;
	enum cust_key_type type;
} type_names[] = {
	{ "ecdsa", CUST_KEY_ECDSA_P256 },
	{ "ecdsa-p256", CUST_KEY_ECDSA_P256 },
	{ "ed25519", CUST_KEY_ED25519 },
	{ "rsa3072", CUST_KEY_RSA3072 },
	{ "rsa", CUST_KEY_RSA3072 },
};

int cust_key_type_parse(const char *name, enum cust_key_type *type)
{
	size_t i;

	for (i = 0; name && i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(name, type_names[i].name) == 0) {
			*type = type_names[i].type;
			return 0;
		}
	return -1;
}

const char *cust_key_type_name(enum cust_key_type type)
{
	switch (type) {
	case CUST_KEY_ECDSA_P256:
		return "ecdsa-p256";
	case CUST_KEY_ED25519:
		return "ed25519";
	case CUST_KEY_RSA3072:
		return "rsa3072";
	}
	return "unknown";
}

/* The custody type of the key PK; -1 for any other kind of key. */
static int pkey_type(const EVP_PKEY *pk, enum cust_key_type *type)
{
	char group[64];
	size_t glen = 0;

	if (!pk)
		return -1;
	if (EVP_PKEY_is_a(pk, "ED25519")) {
		*type = CUST_KEY_ED25519;
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "RSA") && EVP_PKEY_get_bits(pk) == 3072) {
		*type = CUST_KEY_RSA3072;
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "EC") &&
	    EVP_PKEY_get_group_name(pk, group, sizeof group, &glen) == 1 &&
	    (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)) {
		*type = CUST_KEY_ECDSA_P256;
		return 0;
	}
	return -1;
}

/* ---- making keys, certificates and requests ----------------------------- */

int cust_keygen_check(const struct cust_keygen_options *o,
                      struct cust_error *err)
{
	if (!o)
		return cust_error_set(err, CUST_E_USAGE, "no key options");
	if (o->type != CUST_KEY_ECDSA_P256 && o->type != CUST_KEY_ED25519 &&
	    o->type != CUST_KEY_RSA3072)
		return cust_error_set(err, CUST_E_USAGE, "unknown key type");
	if (!o->name || !*o->name)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the examiner's name is required");
	if (check_text(o->name, "the examiner's name", err) < 0)
		return -1;
	if (o->agency && check_text(o->agency, "the agency", err) < 0)
		return -1;
	if (o->email && check_email(o->email, err) < 0)
		return -1;
	if (o->valid_days > CUST_KEY_DAYS_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a validity of %u days is more than %d",
		                      o->valid_days, CUST_KEY_DAYS_MAX);
	return 0;
}

static EVP_PKEY *generate_key(enum cust_key_type type, struct cust_error *err)
{
	EVP_PKEY *pk = NULL;

	switch (type) {
	case CUST_KEY_ECDSA_P256:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case CUST_KEY_ED25519:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case CUST_KEY_RSA3072:
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
		break;
	}
	if (!pk)
		ssl_fail(err, CUST_E_IO, "cannot generate a %s key",
		         cust_key_type_name(type));
	return pk;
}

/* CN=name, O=agency, emailAddress=email: the examiner as a name. */
static X509_NAME *make_name(const struct cust_keygen_options *o,
                            struct cust_error *err)
{
	X509_NAME *n = X509_NAME_new();

	if (!n ||
	    !X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
	                                (const unsigned char *)o->name, -1, -1,
	                                0) ||
	    (o->agency &&
	     !X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8,
	                                 (const unsigned char *)o->agency, -1,
	                                 -1, 0)) ||
	    (o->email &&
	     !X509_NAME_add_entry_by_NID(n, NID_pkcs9_emailAddress, MBSTRING_ASC,
	                                 (const unsigned char *)o->email, -1, -1,
	                                 0))) {
		X509_NAME_free(n);
		ssl_fail(err, CUST_E_USAGE, "cannot make the certificate's subject");
		return NULL;
	}
	return n;
}

/* The extensions of an examiner's certificate and request; the authority
 * key identifier comes apart, once the subject key identifier is in the
 * certificate. */
static const struct {
	int nid;
	const char *value;
} examiner_extensions[] = {
	{ NID_basic_constraints, "critical,CA:FALSE" },
	{ NID_key_usage, "critical,digitalSignature,nonRepudiation" },
	{ NID_ext_key_usage, "emailProtection" },
	{ NID_subject_key_identifier, "hash" },
};

/* The extensions above for the certificate or request in CTX, plus
 * subjectAltName EMAIL when not NULL, appended to *EXTS. */
static int make_extensions(X509V3_CTX *ctx, const char *email,
                           STACK_OF(X509_EXTENSION) **exts,
                           struct cust_error *err)
{
	size_t i;

	for (i = 0; i < sizeof examiner_extensions / sizeof examiner_extensions[0];
	     i++) {
		X509_EXTENSION *e = X509V3_EXT_nconf_nid(
			NULL, ctx, examiner_extensions[i].nid,
			examiner_extensions[i].value);
		int ok = e && X509v3_add_ext(exts, e, -1);
		X509_EXTENSION_free(e);
		if (!ok)
			return ssl_fail(err, CUST_E_IO, "cannot make the extension %s",
			                OBJ_nid2sn(examiner_extensions[i].nid));
	}
	if (email) {
		/* built from its parts, not from a configuration string, so
		 * that nothing in the address is read as syntax */
		GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		int ok = names && gn && s && ASN1_STRING_set(s, email, -1);

		if (ok) {
			GENERAL_NAME_set0_value(gn, GEN_EMAIL, s);
			s = NULL;
			ok = sk_GENERAL_NAME_push(names, gn) > 0;
			if (ok)
				gn = NULL;
		}
		ok = ok && X509V3_add1_i2d(exts, NID_subject_alt_name, names, 0,
		                           X509V3_ADD_APPEND) == 1;
		ASN1_IA5STRING_free(s);
		GENERAL_NAME_free(gn);
		GENERAL_NAMES_free(names);
		if (!ok)
			return ssl_fail(err, CUST_E_IO,
			                "cannot make the extension subjectAltName");
	}
	return 0;
}

static int random_serial(X509 *x, struct cust_error *err)
{
	unsigned char b[SERIAL_BYTES];
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ai = NULL;
	int rc = -1;

	if (RAND_bytes(b, sizeof b) != 1)
		return ssl_fail(err, CUST_E_IO, "no random bytes for the serial");
	/* positive, and always all SERIAL_BYTES long: a first byte of 0 made
	 * one serial in 128 a byte shorter */
	b[0] = (unsigned char)((b[0] & 0x7f) | 0x40);
	b[sizeof b - 1] |= 1; /* never 0 */
	bn = BN_bin2bn(b, sizeof b, NULL);
	ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	if (ai && X509_set_serialNumber(x, ai))
		rc = 0;
	else
		ssl_fail(err, CUST_E_IO, "cannot set the serial");
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return rc;
}

/* SHA-256, but none for Ed25519 (it hashes inside the signature). */
static const EVP_MD *signing_digest(enum cust_key_type type)
{
	return type == CUST_KEY_ED25519 ? NULL : EVP_sha256();
}

static X509 *make_cert(const struct cust_keygen_options *o, EVP_PKEY *pk,
                       struct cust_error *err)
{
	unsigned days = o->valid_days ? o->valid_days : CUST_KEY_DAYS_DEFAULT;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *akid = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	X509 *x = X509_new();
	int i, ok = 0;

	if (!x) {
		ssl_fail(err, CUST_E_IO, "cannot make a certificate");
		return NULL;
	}
	name = make_name(o, err);
	if (!name || random_serial(x, err) < 0)
		goto out;
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -CLOCK_SKEW_SECONDS) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) ||
	    !X509_set_pubkey(x, pk)) {
		ssl_fail(err, CUST_E_IO, "cannot fill the certificate");
		goto out;
	}
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (!X509V3_set_issuer_pkey(&ctx, pk)) {
		ssl_fail(err, CUST_E_IO, "cannot fill the certificate");
		goto out;
	}
	if (make_extensions(&ctx, o->email, &exts, err) < 0)
		goto out;
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++)
		if (!X509_add_ext(x, sk_X509_EXTENSION_value(exts, i), -1)) {
			ssl_fail(err, CUST_E_IO, "cannot add an extension");
			goto out;
		}
	/* self-signed: the authority key identifier is the certificate's own
	 * subject key identifier, which verifiers use to find the anchor */
	akid = X509V3_EXT_nconf_nid(NULL, &ctx, NID_authority_key_identifier,
	                            "keyid:always");
	if (!akid || !X509_add_ext(x, akid, -1)) {
		ssl_fail(err, CUST_E_IO, "cannot make the authority key identifier");
		goto out;
	}
	if (X509_sign(x, pk, signing_digest(o->type)) <= 0) {
		ssl_fail(err, CUST_E_IO, "cannot sign the certificate");
		goto out;
	}
	ok = 1;
out:
	X509_EXTENSION_free(akid);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(x);
		x = NULL;
	}
	return x;
}

static X509_REQ *make_request(const struct cust_keygen_options *o,
                              EVP_PKEY *pk, struct cust_error *err)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_NAME *name = NULL;
	X509V3_CTX ctx;
	X509_REQ *req = X509_REQ_new();
	int ok = 0;

	if (!req) {
		ssl_fail(err, CUST_E_IO, "cannot make a request");
		return NULL;
	}
	name = make_name(o, err);
	if (!name)
		goto out;
	if (!X509_REQ_set_version(req, X509_REQ_VERSION_1) ||
	    !X509_REQ_set_subject_name(req, name) ||
	    !X509_REQ_set_pubkey(req, pk)) {
		ssl_fail(err, CUST_E_IO, "cannot fill the request");
		goto out;
	}
	X509V3_set_ctx(&ctx, NULL, NULL, req, NULL, 0);
	if (make_extensions(&ctx, o->email, &exts, err) < 0)
		goto out;
	if (!X509_REQ_add_extensions(req, exts)) {
		ssl_fail(err, CUST_E_IO, "cannot add the extensions to the request");
		goto out;
	}
	if (X509_REQ_sign(req, pk, signing_digest(o->type)) <= 0) {
		ssl_fail(err, CUST_E_IO, "cannot sign the request");
		goto out;
	}
	ok = 1;
out:
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	if (!ok) {
		X509_REQ_free(req);
		req = NULL;
	}
	return req;
}

/* PK as encrypted PKCS#8 PEM (PBES2, scrypt, AES-256-CBC) into OUT.  The
 * clear DER is wiped by OpenSSL (PKCS8_PRIV_KEY_INFO_free clears the key
 * bytes, the encryption cleanses its buffer). */
static int write_encrypted_key(EVP_PKEY *pk, const char *pass, size_t len,
                               BIO *out, struct cust_error *err)
{
	PKCS8_PRIV_KEY_INFO *p8inf = EVP_PKEY2PKCS8(pk);
	X509_ALGOR *pbe = NULL;
	X509_SIG *p8 = NULL;
	int rc = -1;

	if (!p8inf) {
		ssl_fail(err, CUST_E_IO, "cannot encode the key");
		goto out;
	}
	pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, SALT_BYTES, NULL,
	                            SCRYPT_N, SCRYPT_R, SCRYPT_P);
	if (!pbe) {
		ssl_fail(err, CUST_E_IO, "cannot set up the key's encryption");
		goto out;
	}
	p8 = PKCS8_set0_pbe(pass, (int)len, p8inf, pbe);
	if (!p8) {
		ssl_fail(err, CUST_E_IO, "cannot encrypt the key");
		goto out;
	}
	pbe = NULL; /* owned by p8 now */
	if (!PEM_write_bio_PKCS8(out, p8)) {
		ssl_fail(err, CUST_E_IO, "cannot encode the encrypted key");
		goto out;
	}
	rc = 0;
out:
	X509_SIG_free(p8);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8inf);
	return rc;
}

/*
 * Write DATA into a new temporary file next to PATH, created with
 * O_EXCL|O_NOFOLLOW and given exactly MODE whatever the umask (checked
 * after creation), then synced.  Its name goes into TMP; "" when nothing
 * is left on disk.
 */
static int write_temp(const char *path, mode_t mode, const void *data,
                      size_t len, char tmp[CUST_PATH_MAX],
                      struct cust_error *err)
{
	struct stat st;
	int fd;

	if (cust_path_format(tmp, CUST_PATH_MAX, err, "%s.tmp-%ld", path,
	                     (long)getpid()) < 0)
		return -1;
	fd = cust_fs_create(tmp, mode, err);
	if (fd < 0) {
		tmp[0] = '\0';
		return -1;
	}
	if (fchmod(fd, mode) < 0 || fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot set the mode of '%s'", tmp);
		goto fail;
	}
	if ((st.st_mode & 07777) != mode) {
		cust_error_set(err, CUST_E_IO, "'%s' has mode %04o, not %04o", tmp,
		               (unsigned)(st.st_mode & 07777), (unsigned)mode);
		goto fail;
	}
	if (cust_fs_write_all(fd, data, len, tmp, err) < 0)
		goto fail;
	if (cust_fs_close_synced(fd, tmp, err) < 0) {
		unlink(tmp);
		tmp[0] = '\0';
		return -1;
	}
	return 0;
fail:
	close(fd);
	unlink(tmp);
	tmp[0] = '\0';
	return -1;
}

/* The bytes held by the memory BIO B. */
static size_t bio_data(BIO *b, const char **data)
{
	char *p = NULL;
	long n = BIO_get_mem_data(b, &p);

	*data = p;
	return n > 0 ? (size_t)n : 0;
}

int cust_keygen(const struct cust_keygen_options *o, const char *key_path,
                const char *out_path, const char *pass, size_t pass_len,
                struct cust_error *err)
{
	char key_tmp[CUST_PATH_MAX] = "", out_tmp[CUST_PATH_MAX] = "";
	int key_placed = 0, out_placed = 0, rc = -1;
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	X509_REQ *req = NULL;
	BIO *key_pem = NULL, *out_pem = NULL;
	const char *data;
	size_t len;

	if (cust_keygen_check(o, err) < 0)
		return -1;
	if (!key_path || !*key_path || !out_path || !*out_path)
		return cust_error_set(err, CUST_E_USAGE, "no path for the key");
	if (!pass || pass_len < CUST_PASSPHRASE_MIN)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the passphrase must be at least %d bytes",
		                      CUST_PASSPHRASE_MIN);
	if (pass_len > CUST_PASSPHRASE_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the passphrase is longer than %d bytes",
		                      CUST_PASSPHRASE_MAX);
	if (strcmp(key_path, out_path) == 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the key and the %s would both be '%s'",
		                      o->csr ? "request" : "certificate", key_path);
	/* both checked before the slow part; creation checks again */
	if (cust_fs_refuse_existing(key_path, err) < 0 ||
	    cust_fs_refuse_existing(out_path, err) < 0)
		return -1;

	pk = generate_key(o->type, err);
	if (!pk)
		goto out;
	key_pem = BIO_new(BIO_s_mem());
	out_pem = BIO_new(BIO_s_mem());
	if (!key_pem || !out_pem) {
		ssl_fail(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (write_encrypted_key(pk, pass, pass_len, key_pem, err) < 0)
		goto out;
	if (o->csr) {
		req = make_request(o, pk, err);
		if (!req)
			goto out;
		if (!PEM_write_bio_X509_REQ(out_pem, req)) {
			ssl_fail(err, CUST_E_IO, "cannot encode the request");
			goto out;
		}
	} else {
		cert = make_cert(o, pk, err);
		if (!cert)
			goto out;
		if (!PEM_write_bio_X509(out_pem, cert)) {
			ssl_fail(err, CUST_E_IO, "cannot encode the certificate");
			goto out;
		}
	}

	len = bio_data(key_pem, &data);
	if (write_temp(key_path, 0600, data, len, key_tmp, err) < 0)
		goto out;
	len = bio_data(out_pem, &data);
	if (write_temp(out_path, 0644, data, len, out_tmp, err) < 0)
		goto out;
	if (cust_fs_rename_noreplace(key_tmp, key_path, err) < 0)
		goto out;
	key_tmp[0] = '\0';
	key_placed = 1;
	if (cust_fs_rename_noreplace(out_tmp, out_path, err) < 0)
		goto out;
	out_tmp[0] = '\0';
	out_placed = 1;
	if (sync_parent(key_path, err) < 0 || sync_parent(out_path, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		/* nothing left behind, whatever step failed */
		if (key_tmp[0])
			unlink(key_tmp);
		if (out_tmp[0])
			unlink(out_tmp);
		if (key_placed)
			unlink(key_path);
		if (out_placed)
			unlink(out_path);
	}
	BIO_free(key_pem);
	BIO_free(out_pem);
	X509_REQ_free(req);
	X509_free(cert);
	EVP_PKEY_free(pk); /* clears the private key */
	ERR_clear_error();
	return rc;
}

/* ---- reading keys and certificates -------------------------------------- */

/* Whether OpenSSL's queue says a decryption failed the way a wrong
 * passphrase makes it fail: bad padding at the end, or clear text that is
 * not a key. */
static int wrong_passphrase_error(void)
{
	unsigned long e;

	while ((e = ERR_get_error()) != 0) {
		int lib = ERR_GET_LIB(e), reason = ERR_GET_REASON(e);
		if ((lib == ERR_LIB_PKCS12 &&
		     (reason == PKCS12_R_PKCS12_CIPHERFINAL_ERROR ||
		      reason == PKCS12_R_DECODE_ERROR)) ||
		    (lib == ERR_LIB_EVP && reason == EVP_R_BAD_DECRYPT))
			return 1;
	}
	return 0;
}

/*
 * The private key of the key file PATH, an encrypted PKCS#8 PEM key,
 * decrypted with PASS.  A key file with any group or other permission bit
 * is refused before anything in it is looked at.
 */
static EVP_PKEY *load_key(const char *path, const char *pass, size_t pass_len,
                          struct cust_error *err)
{
	char *text = NULL, *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	size_t len;
	mode_t mode = 0;
	BIO *b = NULL;
	X509_SIG *p8 = NULL;
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	EVP_PKEY *pk = NULL;
	int blocks;

	if (!pass) {
		cust_error_set(err, CUST_E_USAGE, "no passphrase for '%s'", path);
		return NULL;
	}
	if (pass_len > CUST_PASSPHRASE_MAX) {
		cust_error_set(err, CUST_E_USAGE,
		               "the passphrase is longer than %d bytes",
		               CUST_PASSPHRASE_MAX);
		return NULL;
	}
	if (read_bounded(path, KEY_FILE_MAX, &mode, &text, &len, err) < 0)
		return NULL;
	if (mode & 077) {
		cust_error_set(err, CUST_E_INPUT,
		               "the key file '%s' is open to group or others "
		               "(mode %04o): chmod 600 '%s' and check who could "
		               "have read it", path, (unsigned)mode, path);
		goto out;
	}
	b = BIO_new_mem_buf(text, (int)len);
	if (!b) {
		ssl_fail(err, CUST_E_IO, "out of memory reading '%s'", path);
		goto out;
	}
	for (blocks = 0;; blocks++) {
		if (blocks == PEM_BLOCKS_MAX ||
		    !PEM_read_bio(b, &name, &header, &der, &der_len)) {
			ERR_clear_error();
			cust_error_set(err, CUST_E_INPUT,
			               "cannot read the key '%s': it holds no "
			               "encrypted private key", path);
			goto out;
		}
		if (strcmp(name, PEM_STRING_PKCS8) == 0)
			break;
		if (strstr(name, "PRIVATE KEY")) {
			cust_error_set(err, CUST_E_INPUT,
			               "cannot read the key '%s': it is not an "
			               "encrypted PKCS#8 key (%s); custody keeps keys "
			               "only under a passphrase", path, name);
			goto out;
		}
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(der);
		name = header = NULL;
		der = NULL;
	}
	p = der;
	p8 = d2i_X509_SIG(NULL, &p, der_len);
	if (!p8 || p != der + der_len) {
		ssl_fail(err, CUST_E_INPUT, "cannot read the key '%s'", path);
		goto out;
	}
	p8inf = PKCS8_decrypt_ex(p8, pass, (int)pass_len, NULL, NULL);
	if (!p8inf) {
		if (wrong_passphrase_error())
			cust_error_set(err, CUST_E_INPUT, "wrong passphrase for '%s'",
			               path);
		else
			ssl_fail(err, CUST_E_INPUT, "cannot read the key '%s'", path);
		goto out;
	}
	pk = EVP_PKCS82PKEY(p8inf);
	if (!pk)
		/* decrypted to something padded right but not a key: in a
		 * file custody wrote, a wrong passphrase */
		cust_error_set(err, CUST_E_INPUT, "wrong passphrase for '%s'", path);
out:
	PKCS8_PRIV_KEY_INFO_free(p8inf); /* clears the key bytes */
	X509_SIG_free(p8);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(b);
	free(text);
	ERR_clear_error();
	return pk;
}

/*
 * Append the certificates of the PEM file PATH to SK: at least one, at
 * most CERTS_MAX in SK in all.  Blocks of other types are skipped.
 */
static int load_certs(const char *path, STACK_OF(X509) *sk,
                      struct cust_error *err)
{
	char *text = NULL;
	size_t len;
	BIO *b = NULL;
	int found = 0, rc = -1;

	if (read_bounded(path, CERT_FILE_MAX, NULL, &text, &len, err) < 0)
		return -1;
	b = BIO_new_mem_buf(text, (int)len);
	if (!b) {
		ssl_fail(err, CUST_E_IO, "out of memory reading '%s'", path);
		goto out;
	}
	for (;;) {
		X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (!x) {
			unsigned long e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			ssl_fail(err, CUST_E_INPUT,
			         "cannot read certificate %d of '%s'", found + 1, path);
			goto out;
		}
		if (sk_X509_num(sk) >= CERTS_MAX) {
			X509_free(x);
			cust_error_set(err, CUST_E_INPUT,
			               "'%s' holds more than %d certificates", path,
			               CERTS_MAX);
			goto out;
		}
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			ssl_fail(err, CUST_E_IO, "out of memory reading '%s'", path);
			goto out;
		}
		found++;
	}
	if (found == 0) {
		cust_error_set(err, CUST_E_INPUT, "no certificate in '%s'", path);
		goto out;
	}
	rc = 0;
out:
	BIO_free(b);
	free(text);
	return rc;
}

/* T as "2026-11-27T00:52:42Z" into OUT. */
static void format_asn1_time(const ASN1_TIME *t, char out[TIME_TEXT_MAX])
{
	struct tm tm;

	if (!ASN1_TIME_to_tm(t, &tm) ||
	    strftime(out, TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		ERR_clear_error();
		(void)snprintf(out, TIME_TEXT_MAX, "(unreadable time)");
	}
}

/* The certificate X of PATH is valid now: refused when expired, and when
 * NOT_YET too when it is not valid yet. */
static int check_validity(X509 *x, const char *path, int not_yet,
                          struct cust_error *err)
{
	const ASN1_TIME *nb = X509_get0_notBefore(x), *na = X509_get0_notAfter(x);
	char when[TIME_TEXT_MAX];
	int before = X509_cmp_current_time(nb), after = X509_cmp_current_time(na);

	if (before == 0 || after == 0) {
		ERR_clear_error();
		return cust_error_set(err, CUST_E_INPUT,
		                      "the certificate in '%s' has a malformed "
		                      "validity period", path);
	}
	if (not_yet && before > 0) {
		format_asn1_time(nb, when);
		return cust_error_set(err, CUST_E_INPUT,
		                      "the certificate in '%s' is not valid before "
		                      "%s", path, when);
	}
	if (after < 0) {
		format_asn1_time(na, when);
		return cust_error_set(err, CUST_E_INPUT,
		                      "the certificate in '%s' expired on %s", path,
		                      when);
	}
	return 0;
}

static int cert_fingerprint(X509 *x, char out[CUST_FINGERPRINT_LEN],
                            struct cust_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!X509_digest(x, EVP_sha256(), md, &n) || n != 32)
		return ssl_fail(err, CUST_E_IO, "cannot hash the certificate");
	cust_hex_encode(md, n, out);
	return 0;
}

/* The text in the memory BIO B as a new NUL-terminated string. */
static char *bio_strdup(BIO *b)
{
	const char *data;
	size_t len = bio_data(b, &data);
	char *s = malloc(len + 1);

	if (s) {
		memcpy(s, data, len);
		s[len] = '\0';
	}
	return s;
}

/* The subject of X on one line: "CN=Jane Doe, O=Unit, emailAddress=..."
 * (RFC 2253 escapes, in the certificate's order, UTF-8 kept). */
static char *subject_line(X509 *x)
{
	const unsigned long flags = (ASN1_STRFLGS_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) |
	                            XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN;
	BIO *b = BIO_new(BIO_s_mem());
	char *s = NULL;

	if (b && X509_NAME_print_ex(b, X509_get_subject_name(x), 0, flags) >= 0)
		s = bio_strdup(b);
	BIO_free(b);
	return s;
}

/* The certificates of SK, in order, as PEM text into a new memory BIO. */
static BIO *certs_pem(STACK_OF(X509) *sk, struct cust_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	int i;

	if (!b) {
		ssl_fail(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	for (i = 0; i < sk_X509_num(sk); i++)
		if (!PEM_write_bio_X509(b, sk_X509_value(sk, i))) {
			BIO_free(b);
			ssl_fail(err, CUST_E_IO, "cannot encode a certificate");
			return NULL;
		}
	return b;
}

/* ---- installing a certificate from the agency's CA ---------------------- */

/* KEY_PATH with ".key" replaced by SUFFIX (or SUFFIX appended). */
static int companion_path(const char *key_path, const char *suffix,
                          char out[CUST_PATH_MAX], struct cust_error *err)
{
	size_t n = strlen(key_path);

	if (n > 4 && strcmp(key_path + n - 4, ".key") == 0)
		return cust_path_format(out, CUST_PATH_MAX, err, "%.*s%s",
		                        (int)(n - 4), key_path, suffix);
	return cust_path_format(out, CUST_PATH_MAX, err, "%s%s", key_path,
	                        suffix);
}

static int path_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

int cust_key_import_needs_passphrase(const char *key_path)
{
	char path[CUST_PATH_MAX];

	if (!key_path)
		return 1;
	if (companion_path(key_path, ".csr", path, NULL) == 0 &&
	    path_exists(path))
		return 0;
	if (companion_path(key_path, ".pem", path, NULL) == 0 &&
	    path_exists(path))
		return 0;
	return 1;
}

/* The public key in the request PATH, whose own signature must hold. */
static EVP_PKEY *request_public_key(const char *path, struct cust_error *err)
{
	char *text = NULL;
	size_t len;
	BIO *b = NULL;
	X509_REQ *req = NULL;
	EVP_PKEY *pub = NULL;

	if (read_bounded(path, CERT_FILE_MAX, NULL, &text, &len, err) < 0)
		return NULL;
	b = BIO_new_mem_buf(text, (int)len);
	req = b ? PEM_read_bio_X509_REQ(b, NULL, NULL, NULL) : NULL;
	if (!req) {
		ssl_fail(err, CUST_E_INPUT, "cannot read the request '%s'", path);
		goto out;
	}
	pub = X509_REQ_get_pubkey(req);
	if (!pub || X509_REQ_verify(req, pub) != 1) {
		ssl_fail(err, CUST_E_INPUT,
		         "the request '%s' is damaged: its signature does not hold",
		         path);
		EVP_PKEY_free(pub);
		pub = NULL;
	}
out:
	X509_REQ_free(req);
	BIO_free(b);
	free(text);
	return pub;
}

/* The public key of KEY_PATH from its companion request or certificate:
 * 1 and *PUB, 0 when it has none, -1 on error. */
static int companion_public_key(const char *key_path, EVP_PKEY **pub,
                                struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	STACK_OF(X509) *sk;

	*pub = NULL;
	if (companion_path(key_path, ".csr", path, err) < 0)
		return -1;
	if (path_exists(path)) {
		*pub = request_public_key(path, err);
		return *pub ? 1 : -1;
	}
	if (companion_path(key_path, ".pem", path, err) < 0)
		return -1;
	if (!path_exists(path))
		return 0;
	sk = sk_X509_new_null();
	if (!sk)
		return ssl_fail(err, CUST_E_IO, "out of memory");
	if (load_certs(path, sk, err) == 0) {
		*pub = X509_get_pubkey(sk_X509_value(sk, 0));
		if (!*pub)
			ssl_fail(err, CUST_E_INPUT, "cannot read the public key in '%s'",
			         path);
	}
	sk_X509_pop_free(sk, X509_free);
	return *pub ? 1 : -1;
}

int cust_key_import_cert(const char *key_path, const char *cert_path,
                         const char *out_path, const char *pass,
                         size_t pass_len, struct cust_error *err)
{
	STACK_OF(X509) *certs = NULL;
	EVP_PKEY *pub = NULL;
	BIO *pem = NULL;
	X509 *x;
	uint32_t usage;
	const char *data;
	size_t len;
	char *subject = NULL;
	struct stat st;
	int rc = -1, found;

	if (!key_path || !cert_path || !out_path)
		return cust_error_set(err, CUST_E_USAGE, "no path for the key");
	if (cust_fs_refuse_existing(out_path, err) < 0)
		return -1;
	/* the companion alone is not enough: the key itself must be there */
	if (stat(key_path, &st) < 0)
		return cust_error_set_errno(err, errno == ENOENT ? CUST_E_INPUT
		                                                 : CUST_E_IO,
		                            errno, "cannot open the key '%s'",
		                            key_path);
	if (!S_ISREG(st.st_mode))
		return cust_error_set(err, CUST_E_INPUT,
		                      "the key '%s' is not a regular file", key_path);
	certs = sk_X509_new_null();
	if (!certs)
		return ssl_fail(err, CUST_E_IO, "out of memory");
	if (load_certs(cert_path, certs, err) < 0)
		goto out;
	x = sk_X509_value(certs, 0);
	if (check_validity(x, cert_path, 0, err) < 0)
		goto out;
	usage = X509_get_key_usage(x);
	if (usage != UINT32_MAX &&
	    !(usage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		cust_error_set(err, CUST_E_INPUT,
		               "the certificate in '%s' does not allow digital "
		               "signatures (its key usage)", cert_path);
		goto out;
	}
	found = companion_public_key(key_path, &pub, err);
	if (found < 0)
		goto out;
	if (found == 0) {
		if (!pass) {
			cust_error_set(err, CUST_E_USAGE,
			               "no request or certificate next to '%s': its "
			               "passphrase is needed to read its public key",
			               key_path);
			goto out;
		}
		pub = load_key(key_path, pass, pass_len, err);
		if (!pub)
			goto out;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(x), pub) != 1) {
		ERR_clear_error();
		subject = subject_line(x);
		cust_error_set(err, CUST_E_INPUT,
		               "the certificate in '%s' (%s) is for another key, "
		               "not for '%s'", cert_path,
		               subject ? subject : "unreadable subject", key_path);
		goto out;
	}
	pem = certs_pem(certs, err);
	if (!pem)
		goto out;
	len = bio_data(pem, &data);
	rc = cust_fs_write_atomic(out_path, data, len, CUST_FS_NOREPLACE, err);
out:
	free(subject);
	BIO_free(pem);
	EVP_PKEY_free(pub);
	sk_X509_pop_free(certs, X509_free);
	ERR_clear_error();
	return rc;
}

/* ---- signers ------------------------------------------------------------ */

static const struct cust_signer *signer_ok(const struct cust_signer *s)
{
	return s && s->magic == SIGNER_MAGIC ? s : NULL;
}

struct cust_signer *cust_signer_open(const char *key_path,
                                     const char *cert_path,
                                     const char *chain_path, const char *pass,
                                     size_t pass_len, struct cust_error *err)
{
	struct cust_signer *s;
	BIO *pem = NULL;

	if (!key_path || !cert_path) {
		cust_error_set(err, CUST_E_USAGE, "no key or certificate given");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	s->magic = SIGNER_MAGIC;
	s->extra = sk_X509_new_null();
	if (!s->extra) {
		ssl_fail(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	s->pkey = load_key(key_path, pass, pass_len, err);
	if (!s->pkey)
		goto fail;
	if (load_certs(cert_path, s->extra, err) < 0)
		goto fail;
	s->cert = sk_X509_shift(s->extra);
	if (chain_path && *chain_path &&
	    load_certs(chain_path, s->extra, err) < 0)
		goto fail;
	if (check_validity(s->cert, cert_path, 1, err) < 0)
		goto fail;
	if (X509_check_private_key(s->cert, s->pkey) != 1) {
		ERR_clear_error();
		cust_error_set(err, CUST_E_INPUT,
		               "the certificate in '%s' does not match the key '%s'",
		               cert_path, key_path);
		goto fail;
	}
	if (cert_fingerprint(s->cert, s->fingerprint, err) < 0)
		goto fail;
	s->subject = subject_line(s->cert);
	pem = BIO_new(BIO_s_mem());
	if (pem && PEM_write_bio_X509(pem, s->cert))
		s->cert_pem = bio_strdup(pem);
	BIO_free(pem);
	if (!s->subject || !s->cert_pem) {
		ssl_fail(err, CUST_E_IO, "out of memory");
		goto fail;
	}
	return s;
fail:
	cust_signer_free(s);
	ERR_clear_error();
	return NULL;
}

const char *cust_signer_fingerprint(const struct cust_signer *s)
{
	return signer_ok(s) ? s->fingerprint : NULL;
}

const char *cust_signer_subject(const struct cust_signer *s)
{
	return signer_ok(s) ? s->subject : NULL;
}

const char *cust_signer_cert_pem(const struct cust_signer *s)
{
	return signer_ok(s) ? s->cert_pem : NULL;
}

EVP_PKEY *cust_signer_pkey(const struct cust_signer *s)
{
	return signer_ok(s) ? s->pkey : NULL;
}

X509 *cust_signer_x509(const struct cust_signer *s)
{
	return signer_ok(s) ? s->cert : NULL;
}

STACK_OF(X509) *cust_signer_extra(const struct cust_signer *s)
{
	return signer_ok(s) ? s->extra : NULL;
}

void cust_signer_free(struct cust_signer *s)
{
	if (!signer_ok(s))
		return;
	EVP_PKEY_free(s->pkey); /* OpenSSL clears the key material */
	X509_free(s->cert);
	sk_X509_pop_free(s->extra, X509_free);
	free(s->subject);
	free(s->cert_pem);
	cust_wipe(s, sizeof *s); /* the magic too: a second free is harmless */
	free(s);
}

/* ---- certificate files -------------------------------------------------- */

/* The first certificate of the PEM file PATH (new reference). */
static X509 *first_cert(const char *path, struct cust_error *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x = NULL;

	if (!sk) {
		ssl_fail(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	if (load_certs(path, sk, err) == 0)
		x = sk_X509_shift(sk);
	sk_X509_pop_free(sk, X509_free);
	return x;
}

int cust_cert_fingerprint_file(const char *path,
                               char out[CUST_FINGERPRINT_LEN],
                               struct cust_error *err)
{
	X509 *x = first_cert(path, err);
	int rc;

	if (!x)
		return -1;
	rc = cert_fingerprint(x, out, err);
	X509_free(x);
	return rc;
}

int cust_cert_key_type_file(const char *path, enum cust_key_type *type,
                            struct cust_error *err)
{
	X509 *x = first_cert(path, err);
	int rc = 0;

	if (!x)
		return -1;
	if (pkey_type(X509_get0_pubkey(x), type) < 0)
		rc = cust_error_set(err, CUST_E_INPUT,
		                    "the certificate in '%s' is for a kind of key "
		                    "custody does not make (ecdsa-p256, ed25519, "
		                    "rsa3072)", path);
	ERR_clear_error();
	X509_free(x);
	return rc;
}
