/* timestamp.c - RFC 3161 timestamps; see include/custody/timestamp.h. */
#include "custody/timestamp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/http.h>
#include <openssl/httperr.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "custody/digest.h"
#include "custody/fsutil.h"

#define QUERY_TYPE "application/timestamp-query"
#define REPLY_TYPE "application/timestamp-reply"
#define CAFILE_MAX_CERTS 1000
#define DETAIL_MAX 400
#define TIMEOUT_MAX 3600
#define OSSL_ERRORS_MAX 16
#define STATUS_TEXTS_MAX 4 /* status strings quoted from a refusal */

/* ---- text from hostile input -------------------------------------------- */

/* LEN bytes of IN as one line of printable ASCII into OUT (SIZE >= 4):
 * other bytes become \xHH, and a text too long ends with "...". */
static void printable(char *out, size_t size, const void *in, size_t len)
{
	const unsigned char *p = in;
	size_t used = 0, i;

	if (size < 4) {
		if (size > 0)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		char one[5];
		size_t n = 1;

		if (p[i] >= 0x20 && p[i] < 0x7f) {
			one[0] = (char)p[i];
		} else {
			(void)snprintf(one, sizeof one, "\\x%02x", p[i]);
			n = 4;
		}
		/* keep room for "..." unless this is the last character */
		if (used + n + (i + 1 < len ? 3 : 0) + 1 > size) {
			while (used + 4 > size)
				used--;
			memcpy(out + used, "...", 3);
			used += 3;
			break;
		}
		memcpy(out + used, one, n);
		used += n;
	}
	out[used] = '\0';
}

/* Append TEXT to OUT (SIZE bytes, NUL-terminated), cut if need be. */
static void append(char *out, size_t size, const char *text)
{
	size_t used = strlen(out);

	if (used + 1 < size)
		(void)snprintf(out + used, size - used, "%s", text);
}

/* ---- OpenSSL's error queue ---------------------------------------------- */

/* What OpenSSL said about a failure: the codes, to tell causes apart, and
 * one line for people. */
struct ossl_errors {
	unsigned long code[OSSL_ERRORS_MAX];
	char data[OSSL_ERRORS_MAX][128]; /* each code's detail text, printable */
	int count;
	char cause[128]; /* the first system error ("Connection refused") */
	char detail[DETAIL_MAX];
};

/*
 * Drain the queue into OE.  The line reads "reason: detail; reason ...";
 * a repeated part is said once, and OpenSSL's "calling connect()" notes
 * are left out: they name no cause.
 */
static void ossl_take(struct ossl_errors *oe)
{
	char prev[DETAIL_MAX] = "";
	unsigned long e;
	const char *data;
	int flags;

	memset(oe, 0, sizeof *oe);
	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		const char *reason = ERR_reason_error_string(e);
		char raw[DETAIL_MAX], line[DETAIL_MAX], sys[128];

		/* OpenSSL keeps errno in the reason of a system error but
		 * has no text for it */
		if (ERR_SYSTEM_ERROR(e)) {
			reason = strerror_r(ERR_GET_REASON(e), sys, sizeof sys);
			if (!oe->cause[0])
				printable(oe->cause, sizeof oe->cause, reason,
				          strlen(reason));
		}
		int with_data = (flags & ERR_TXT_STRING) && data && *data &&
		                strncmp(data, "calling ", 8) != 0;

		if (oe->count < OSSL_ERRORS_MAX) {
			oe->code[oe->count] = e;
			if (with_data)
				printable(oe->data[oe->count],
				          sizeof oe->data[oe->count], data,
				          strlen(data));
			oe->count++;
		}
		(void)snprintf(raw, sizeof raw, "%s%s%s",
		               reason ? reason : "unknown error",
		               with_data ? ": " : "", with_data ? data : "");
		printable(line, sizeof line, raw, strlen(raw));
		if (strcmp(line, prev) == 0)
			continue;
		if (oe->detail[0])
			append(oe->detail, sizeof oe->detail, "; ");
		append(oe->detail, sizeof oe->detail, line);
		memcpy(prev, line, sizeof prev);
	}
	if (!oe->detail[0])
		(void)snprintf(oe->detail, sizeof oe->detail,
		               "no detail from OpenSSL");
}

/* The index in OE of an error of library LIB and REASON, or -1. */
static int ossl_find(const struct ossl_errors *oe, int lib, int reason)
{
	int i;

	for (i = 0; i < oe->count; i++)
		if (ERR_GET_LIB(oe->code[i]) == lib &&
		    ERR_GET_REASON(oe->code[i]) == reason)
			return i;
	return -1;
}

/* The first system error in OE ("Connection refused"), or the whole
 * detail when there is none. */
static const char *ossl_cause(const struct ossl_errors *oe)
{
	return oe->cause[0] ? oe->cause : oe->detail;
}

/* ---- inputs -------------------------------------------------------------- */

/* The SHA-256 of the regular file PATH (a final symlink is not followed). */
static int sha256_file(const char *path, unsigned char md[32],
                       struct cust_error *err)
{
	unsigned char out[1][CUST_DIGEST_MAX_SIZE];
	uint64_t size;

	if (cust_digest_file(path, CUST_DIGEST_SHA256, 1, out, &size, err) < 0)
		return -1;
	memcpy(md, out[0], 32);
	return 0;
}

/* A store trusting the PEM certificates of PATH (at most CUST_TSR_MAX
 * bytes and CAFILE_MAX_CERTS certificates). */
static X509_STORE *load_cafile(const char *path, struct cust_error *err)
{
	X509_STORE *store = NULL;
	BIO *in = NULL;
	char *buf = NULL;
	size_t len;
	int count = 0;

	if (cust_fs_read_file(path, CUST_TSR_MAX, &buf, &len, err) < 0)
		return NULL;
	ERR_clear_error();
	store = X509_STORE_new();
	in = BIO_new_mem_buf(buf, (int)len);
	if (!store || !in) {
		cust_error_set(err, CUST_E_IO, "out of memory reading '%s'", path);
		goto fail;
	}
	for (;;) {
		X509 *cert = PEM_read_bio_X509(in, NULL, NULL, NULL);
		int ok;

		if (!cert)
			break;
		ok = X509_STORE_add_cert(store, cert);
		X509_free(cert);
		if (!ok) {
			struct ossl_errors oe;
			ossl_take(&oe);
			cust_error_set(err, CUST_E_INPUT,
			               "cannot use CA file '%s': %s", path,
			               oe.detail);
			goto fail;
		}
		if (++count > CAFILE_MAX_CERTS) {
			cust_error_set(err, CUST_E_INPUT,
			               "CA file '%s' holds more than %d certificates",
			               path, CAFILE_MAX_CERTS);
			goto fail;
		}
	}
	{
		/* the loop ends on "no start line" once the file is used up;
		 * anything else is a damaged certificate */
		unsigned long e = ERR_peek_last_error();
		if (count == 0 || (e && !(ERR_GET_LIB(e) == ERR_LIB_PEM &&
		                          ERR_GET_REASON(e) == PEM_R_NO_START_LINE))) {
			struct ossl_errors oe;
			ossl_take(&oe);
			if (count == 0)
				cust_error_set(err, CUST_E_INPUT,
				               "no PEM certificate in CA file '%s'",
				               path);
			else
				cust_error_set(err, CUST_E_INPUT,
				               "cannot read CA file '%s': %s", path,
				               oe.detail);
			goto fail;
		}
	}
	ERR_clear_error();
	BIO_free(in);
	free(buf);
	return store;
fail:
	BIO_free(in);
	free(buf);
	X509_STORE_free(store);
	return NULL;
}

/* ---- checking a reply ---------------------------------------------------- */

/* What is wrong with a reply; the callers word it for their subject. */
enum verdict {
	V_OK,
	V_UNPARSABLE, /* not a TimeStampResp */
	V_REFUSED,    /* a status other than granted */
	V_BAD_TOKEN,  /* granted, but the token is unusable */
	V_OTHER_DATA, /* the imprint is not the data's */
	V_NONCE,      /* not the nonce of the request */
	V_SIGNATURE,  /* the signature (or its signed attributes) is broken */
	V_SIGNER,     /* the signer's certificate is not fit for timestamping */
	V_UNTRUSTED,  /* the signer does not chain to the CA file */
	V_NOMEM
};

static const char *const status_names[] = {
	"granted", "grantedWithMods", "rejection", "waiting",
	"revocationWarning", "revocationNotification"
};

static const struct {
	int bit;
	const char *name;
} failure_names[] = {
	{ TS_INFO_BAD_ALG, "badAlg" },
	{ TS_INFO_BAD_REQUEST, "badRequest" },
	{ TS_INFO_BAD_DATA_FORMAT, "badDataFormat" },
	{ TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable" },
	{ TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy" },
	{ TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension" },
	{ TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable" },
	{ TS_INFO_SYSTEM_FAILURE, "systemFailure" }
};

/* "rejection, 'text', failure info badRequest" from a refusal's status. */
static void describe_status(const TS_STATUS_INFO *si, char *out, size_t size)
{
	const ASN1_BIT_STRING *fail = TS_STATUS_INFO_get0_failure_info(si);
	const STACK_OF(ASN1_UTF8STRING) *texts = TS_STATUS_INFO_get0_text(si);
	long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(si));
	char part[200];
	size_t i;
	int n;

	if (status >= 0 && status < (long)(sizeof status_names /
	                                   sizeof status_names[0]))
		(void)snprintf(out, size, "%s", status_names[status]);
	else
		(void)snprintf(out, size, "unknown status %ld", status);
	n = sk_ASN1_UTF8STRING_num(texts);
	for (i = 0; n > 0 && i < (size_t)n && i < STATUS_TEXTS_MAX; i++) {
		const ASN1_UTF8STRING *t = sk_ASN1_UTF8STRING_value(texts, (int)i);
		printable(part, sizeof part, ASN1_STRING_get0_data(t),
		          (size_t)ASN1_STRING_length(t));
		append(out, size, ", '");
		append(out, size, part);
		append(out, size, "'");
	}
	if (fail) {
		const char *sep = ", failure info ";
		for (i = 0; i < sizeof failure_names / sizeof failure_names[0];
		     i++)
			if (ASN1_BIT_STRING_get_bit(fail, failure_names[i].bit)) {
				append(out, size, sep);
				append(out, size, failure_names[i].name);
				sep = " ";
			}
	}
}

/* The name of the imprint algorithm of MI, for a message. */
static void algorithm_name(const X509_ALGOR *alg, char *out, size_t size)
{
	const ASN1_OBJECT *obj = NULL;
	char oid[80];
	int n;

	X509_ALGOR_get0(&obj, NULL, NULL, alg);
	n = obj ? OBJ_obj2txt(oid, sizeof oid, obj, 0) : -1;
	if (n <= 0 || (size_t)n >= sizeof oid)
		(void)snprintf(out, size, "an unreadable algorithm");
	else
		printable(out, size, oid, (size_t)n);
}

/*
 * Verify the token of RESP (signature, ESS signing certificate, signer's
 * certificate) under STORE, which this takes over, with the token's own
 * certificates as possible intermediates.
 */
static int verify_under(TS_RESP *resp, PKCS7 *token, X509_STORE *store,
                        struct ossl_errors *oe)
{
	TS_VERIFY_CTX *ctx = TS_VERIFY_CTX_new();
	STACK_OF(X509) *certs = NULL;
	int ok;

	if (token->d.sign->cert)
		certs = X509_chain_up_ref(token->d.sign->cert);
	if (!ctx || (token->d.sign->cert && !certs)) {
		TS_VERIFY_CTX_free(ctx);
		X509_STORE_free(store);
		sk_X509_pop_free(certs, X509_free);
		ossl_take(oe);
		return -1;
	}
	TS_VERIFY_CTX_set_flags(ctx, TS_VFY_SIGNATURE | TS_VFY_VERSION);
	TS_VERIFY_CTX_set_store(ctx, store); /* the context owns both now */
	TS_VERIFY_CTX_set_certs(ctx, certs);
	ERR_clear_error();
	ok = TS_RESP_verify_response(ctx, resp) == 1;
	if (!ok)
		ossl_take(oe);
	TS_VERIFY_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The subject of CERT on one line: "O=custody tests, CN=custody TSA". */
static void subject_line(X509 *cert, char *out, size_t size)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text = NULL;
	long len;

	if (!b || X509_NAME_print_ex(b, X509_get_subject_name(cert), 0,
	                             XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ) < 0 ||
	    (len = BIO_get_mem_data(b, &text)) < 0) {
		(void)snprintf(out, size, "(unreadable name)");
	} else {
		printable(out, size, text, (size_t)len);
	}
	BIO_free(b);
}

/* INFO's time, serial and policy from TST; -1 with DETAIL when a field is
 * unreadable or too long. */
static int token_fields(TS_TST_INFO *tst, struct cust_timestamp_info *info,
                        char *detail, size_t dsize)
{
	const ASN1_INTEGER *serial = TS_TST_INFO_get_serial(tst);
	BIGNUM *bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	char when[64];
	struct tm tm;
	size_t i;
	int n;

	BN_free(bn);
	if (!hex || strlen(hex) >= sizeof info->serial) {
		OPENSSL_free(hex);
		(void)snprintf(detail, dsize, "its serial number is %s",
		               hex ? "longer than 63 bytes" : "unreadable");
		return -1;
	}
	for (i = 0; hex[i]; i++)
		info->serial[i] = (char)(hex[i] >= 'A' && hex[i] <= 'F' ?
		                         hex[i] - 'A' + 'a' : hex[i]);
	info->serial[i] = '\0';
	OPENSSL_free(hex);

	if (!TS_TST_INFO_get_time(tst) ||
	    ASN1_TIME_to_tm(TS_TST_INFO_get_time(tst), &tm) != 1 ||
	    tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		(void)snprintf(detail, dsize, "its time (genTime) is unreadable");
		return -1;
	}
	n = snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec);
	if (n < 0 || (size_t)n >= sizeof info->time) {
		(void)snprintf(detail, dsize, "its time (genTime) is out of range");
		return -1;
	}
	memcpy(info->time, when, (size_t)n + 1);

	n = OBJ_obj2txt(info->policy, sizeof info->policy,
	                TS_TST_INFO_get_policy_id(tst), 1);
	if (n <= 0 || (size_t)n >= sizeof info->policy) {
		(void)snprintf(detail, dsize, "its policy OID is %s",
		               n > 0 ? "too long" : "unreadable");
		return -1;
	}
	return 0;
}

/*
 * Check the DER reply DER[0..LEN) against the SHA-256 MD of the data and,
 * when NONCE is not NULL, the nonce sent; with TRUSTED (borrowed) the
 * signer's chain too.  Fills INFO on V_OK, else says why in DETAIL.
 */
static enum verdict check_reply(const unsigned char *der, size_t len,
                                const unsigned char md[32],
                                const ASN1_INTEGER *nonce,
                                X509_STORE *trusted,
                                struct cust_timestamp_info *info,
                                char *detail, size_t dsize)
{
	const unsigned char *p = der;
	enum verdict v = V_BAD_TOKEN;
	STACK_OF(X509) *signers = NULL;
	STACK_OF(PKCS7_SIGNER_INFO) *sinfos;
	TS_RESP *resp = NULL;
	TS_TST_INFO *tst;
	TS_MSG_IMPRINT *mi;
	const ASN1_OCTET_STRING *msg;
	X509_STORE *self = NULL;
	struct ossl_errors oe;
	PKCS7 *token;
	X509 *signer;
	long status;

	memset(info, 0, sizeof *info);
	detail[0] = '\0';
	ERR_clear_error();
	if (len == 0) {
		(void)snprintf(detail, dsize, "it is empty");
		return V_UNPARSABLE;
	}
	if (len > CUST_TSR_MAX || !(resp = d2i_TS_RESP(NULL, &p, (long)len))) {
		ossl_take(&oe);
		(void)snprintf(detail, dsize, "%s", len > CUST_TSR_MAX ?
		               "it is too large" : oe.detail);
		return V_UNPARSABLE;
	}
	if (p != der + len) {
		(void)snprintf(detail, dsize, "%zu bytes follow the reply",
		               len - (size_t)(p - der));
		v = V_UNPARSABLE;
		goto out;
	}

	status = ASN1_INTEGER_get(
		TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp)));
	if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
		describe_status(TS_RESP_get_status_info(resp), detail, dsize);
		v = V_REFUSED;
		goto out;
	}
	token = TS_RESP_get_token(resp);
	tst = TS_RESP_get_tst_info(resp);
	if (!token || !tst) {
		(void)snprintf(detail, dsize, "it is granted but holds no token");
		goto out;
	}
	if (TS_TST_INFO_get_version(tst) != 1) {
		(void)snprintf(detail, dsize, "its version is %ld, not 1",
		               TS_TST_INFO_get_version(tst));
		goto out;
	}

	mi = TS_TST_INFO_get_msg_imprint(tst);
	msg = TS_MSG_IMPRINT_get_msg(mi);
	{
		const ASN1_OBJECT *obj = NULL;
		X509_ALGOR_get0(&obj, NULL, NULL, TS_MSG_IMPRINT_get_algo(mi));
		if (!obj || OBJ_obj2nid(obj) != NID_sha256) {
			char name[100];
			algorithm_name(TS_MSG_IMPRINT_get_algo(mi), name,
			               sizeof name);
			(void)snprintf(detail, dsize,
			               "it hashes with %s, not SHA-256", name);
			goto out;
		}
	}
	if (!msg || ASN1_STRING_length(msg) != 32 ||
	    memcmp(ASN1_STRING_get0_data(msg), md, 32) != 0) {
		v = V_OTHER_DATA;
		goto out;
	}
	if (nonce && (!TS_TST_INFO_get_nonce(tst) ||
	              ASN1_INTEGER_cmp(TS_TST_INFO_get_nonce(tst), nonce) != 0)) {
		v = V_NONCE;
		goto out;
	}

	/* RFC 3161: one signer, whose certificate the token carries
	 * (custody always asks for it with certReq) */
	if (!PKCS7_type_is_signed(token) || !token->d.sign) {
		(void)snprintf(detail, dsize, "its token is not SignedData");
		goto out;
	}
	sinfos = PKCS7_get_signer_info(token);
	if (sk_PKCS7_SIGNER_INFO_num(sinfos) != 1) {
		(void)snprintf(detail, dsize, "its token has %d signers, not one",
		               sk_PKCS7_SIGNER_INFO_num(sinfos));
		goto out;
	}
	signers = PKCS7_get0_signers(token, NULL, 0);
	if (!signers || sk_X509_num(signers) != 1) {
		ERR_clear_error();
		(void)snprintf(detail, dsize,
		               "its token does not carry the TSA's certificate");
		goto out;
	}
	signer = sk_X509_value(signers, 0);

	/* First the signature under the signer's own certificate, taken as
	 * the trust anchor: what breaks here is the token or the signer's
	 * fitness (timeStamping usage, validity), not who certified it. */
	self = X509_STORE_new();
	if (!self || !X509_STORE_add_cert(self, signer) ||
	    !X509_STORE_set_flags(self, X509_V_FLAG_PARTIAL_CHAIN)) {
		X509_STORE_free(self);
		v = V_NOMEM;
		goto out;
	}
	if (verify_under(resp, token, self, &oe) < 0) {
		v = ossl_find(&oe, ERR_LIB_TS, TS_R_CERTIFICATE_VERIFY_ERROR) >= 0 ?
		    V_SIGNER : V_SIGNATURE;
		(void)snprintf(detail, dsize, "%s", oe.detail);
		goto out;
	}
	if (trusted) {
		if (!X509_STORE_up_ref(trusted)) {
			v = V_NOMEM;
			goto out;
		}
		if (verify_under(resp, token, trusted, &oe) < 0) {
			v = ossl_find(&oe, ERR_LIB_TS,
			              TS_R_CERTIFICATE_VERIFY_ERROR) >= 0 ?
			    V_UNTRUSTED : V_SIGNATURE;
			(void)snprintf(detail, dsize, "%s", oe.detail);
			goto out;
		}
		info->tsa_trusted = 1;
	}

	if (token_fields(tst, info, detail, dsize) < 0)
		goto out;
	subject_line(signer, info->tsa, sizeof info->tsa);
	cust_hex_encode(md, 32, info->imprint_sha256);
	v = V_OK;
out:
	sk_X509_free(signers);
	TS_RESP_free(resp);
	ERR_clear_error();
	if (v != V_OK)
		memset(info, 0, sizeof *info);
	return v;
}

/* ---- asking the authority ------------------------------------------------ */

/* The parts of an http:// URL, owned by OpenSSL's allocator. */
struct tsa_url {
	char *host, *port, *path, *query, *frag, *user;
	char target[CUST_TSA_URL_MAX]; /* path and ?query, for the request line */
};

static void tsa_url_release(struct tsa_url *u)
{
	OPENSSL_free(u->host);
	OPENSSL_free(u->port);
	OPENSSL_free(u->path);
	OPENSSL_free(u->query);
	OPENSSL_free(u->frag);
	OPENSSL_free(u->user);
	memset(u, 0, sizeof *u);
}

static int tsa_url_parse(const char *url, struct tsa_url *u,
                         struct cust_error *err)
{
	struct ossl_errors oe;
	size_t i, len = strlen(url);
	int ssl = 0, portnum = 0, n;

	memset(u, 0, sizeof *u);
	if (len == 0 || len >= CUST_TSA_URL_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the timestamp authority URL must be 1 to %d "
		                      "characters", CUST_TSA_URL_MAX - 1);
	/* the URL goes into a request line: no spaces or controls */
	for (i = 0; i < len; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f) {
			char shown[256];
			printable(shown, sizeof shown, url, len);
			return cust_error_set(err, CUST_E_USAGE,
			                      "the timestamp authority URL '%s' "
			                      "holds a space or a control character",
			                      shown);
		}
	if (strncasecmp(url, "https://", 8) == 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "cannot use '%s': only http:// timestamp "
		                      "authorities are supported (the token is "
		                      "signed and protects itself)", url);
	if (strncasecmp(url, "http://", 7) != 0)
		return cust_error_set(err, CUST_E_USAGE,
		                      "'%s' is not an http:// URL of a timestamp "
		                      "authority", url);
	ERR_clear_error();
	if (!OSSL_HTTP_parse_url(url, &ssl, &u->user, &u->host, &u->port,
	                         &portnum, &u->path, &u->query, &u->frag)) {
		ossl_take(&oe);
		tsa_url_release(u);
		return cust_error_set(err, CUST_E_USAGE,
		                      "bad timestamp authority URL '%s': %s", url,
		                      oe.detail);
	}
	if (!u->host[0]) {
		tsa_url_release(u);
		return cust_error_set(err, CUST_E_USAGE,
		                      "the timestamp authority URL '%s' names no "
		                      "host", url);
	}
	n = snprintf(u->target, sizeof u->target, "%s%s%s", u->path,
	             u->query && *u->query ? "?" : "",
	             u->query ? u->query : "");
	if (n < 0 || (size_t)n >= sizeof u->target) {
		tsa_url_release(u);
		return cust_error_set(err, CUST_E_USAGE,
		                      "the timestamp authority URL '%.200s' is too "
		                      "long", url);
	}
	return 0;
}

/* The DER TimeStampReq for the SHA-256 MD with NONCE and certReq. */
static int make_request(const unsigned char md[32], const ASN1_INTEGER *nonce,
                        unsigned char **der, int *len)
{
	TS_REQ *req = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	int ok;

	*der = NULL;
	ok = req && mi && alg &&
	     X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL) &&
	     TS_MSG_IMPRINT_set_algo(mi, alg) &&
	     TS_MSG_IMPRINT_set_msg(mi, (unsigned char *)md, 32) &&
	     TS_REQ_set_version(req, 1) && TS_REQ_set_msg_imprint(req, mi) &&
	     TS_REQ_set_nonce(req, nonce) && TS_REQ_set_cert_req(req, 1) &&
	     (*len = i2d_TS_REQ(req, der)) > 0;
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(req);
	if (!ok) {
		OPENSSL_free(*der);
		*der = NULL;
		return -1;
	}
	return 0;
}

/* A random positive 64-bit nonce. */
static ASN1_INTEGER *make_nonce(void)
{
	unsigned char bytes[8];
	ASN1_INTEGER *nonce = NULL;
	BIGNUM *bn;

	if (RAND_bytes(bytes, sizeof bytes) != 1)
		return NULL;
	bn = BN_bin2bn(bytes, sizeof bytes, NULL);
	if (bn)
		nonce = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return nonce;
}

/*
 * A connection to the authority, made before DEADLINE.  OpenSSL's own
 * connect retries a refused connection until its timeout; a refusal is an
 * answer, so this connects by itself and gives up at once.
 */
static BIO *connect_tsa(const char *url, const struct tsa_url *u,
                        time_t deadline, int timeout_s, struct cust_error *err)
{
	struct ossl_errors oe;
	BIO *b;

	ERR_clear_error();
	b = BIO_new(BIO_s_connect());
	if (!b || BIO_set_conn_hostname(b, u->host) <= 0 ||
	    BIO_set_conn_port(b, u->port) <= 0) {
		BIO_free(b);
		ossl_take(&oe);
		cust_error_set(err, CUST_E_IO,
		               "cannot reach the timestamp authority at '%s': %s",
		               url, oe.detail);
		return NULL;
	}
	BIO_set_nbio(b, 1);
	for (;;) {
		int rv = BIO_do_connect(b);

		if (rv > 0)
			return b;
		if (!BIO_should_retry(b))
			break;
		rv = BIO_wait(b, deadline, 50);
		if (rv == 0) {
			BIO_free_all(b);
			ERR_clear_error();
			cust_error_set(err, CUST_E_IO,
			               "cannot reach the timestamp authority at "
			               "'%s': no connection within %d s",
			               url, timeout_s);
			return NULL;
		}
		if (rv < 0)
			break;
	}
	ossl_take(&oe);
	BIO_free_all(b);
	cust_error_set(err, CUST_E_IO,
	               "cannot reach the timestamp authority at '%s': %s", url,
	               ossl_cause(&oe));
	return NULL;
}

/* Words OpenSSL's failure of an HTTP exchange with the authority. */
static int exchange_error(const char *url, int timeout_s,
                          struct cust_error *err)
{
	struct ossl_errors oe;
	int i;

	ossl_take(&oe);
	if ((i = ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_RECEIVED_ERROR)) >= 0)
		return cust_error_set(err, CUST_E_IO,
		                      "the timestamp authority at '%s' answered "
		                      "with an HTTP error: %s", url,
		                      oe.data[i][0] ? oe.data[i] : oe.detail);
	if ((i = ossl_find(&oe, ERR_LIB_HTTP,
	                   HTTP_R_UNEXPECTED_CONTENT_TYPE)) >= 0 ||
	    (i = ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_MISSING_CONTENT_TYPE)) >= 0)
		return cust_error_set(err, CUST_E_IO,
		                      "the timestamp authority at '%s' did not "
		                      "answer with " REPLY_TYPE ": %s", url,
		                      oe.data[i][0] ? oe.data[i] : oe.detail);
	if (ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_MAX_RESP_LEN_EXCEEDED) >= 0 ||
	    ossl_find(&oe, ERR_LIB_HTTP,
	              HTTP_R_ASN1_LEN_EXCEEDS_MAX_RESP_LEN) >= 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "the timestamp authority at '%s' answered "
		                      "with more than %u bytes", url, CUST_TSR_MAX);
	if (ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_MISSING_ASN1_ENCODING) >= 0 ||
	    ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_ERROR_PARSING_ASN1_LENGTH) >= 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "the timestamp authority at '%s' sent a "
		                      "reply that is not an RFC 3161 TimeStampResp: "
		                      "%s", url, oe.detail);
	if (ossl_find(&oe, ERR_LIB_BIO, BIO_R_TRANSFER_TIMEOUT) >= 0 ||
	    ossl_find(&oe, ERR_LIB_HTTP, HTTP_R_RETRY_TIMEOUT) >= 0)
		return cust_error_set(err, CUST_E_IO,
		                      "cannot reach the timestamp authority at "
		                      "'%s': no answer within %d s", url, timeout_s);
	return cust_error_set(err, CUST_E_IO,
	                      "the exchange with the timestamp authority at "
	                      "'%s' failed: %s", url, oe.detail);
}

/* POST the request DER[0..LEN) to the authority; the reply into *REPLY
 * (malloc'd) and *REPLY_LEN. */
static int exchange(const char *url, const struct tsa_url *u,
                    const unsigned char *der, int len, int timeout_s,
                    unsigned char **reply, size_t *reply_len,
                    struct cust_error *err)
{
	time_t deadline = time(NULL) + timeout_s;
	struct cust_sigpipe quiet;
	BIO *conn, *req = NULL, *resp = NULL;
	char *data = NULL;
	long n;
	int left, rc = -1;

	*reply = NULL;
	*reply_len = 0;
	conn = connect_tsa(url, u, deadline, timeout_s, err);
	if (!conn)
		return -1;
	left = (int)(deadline - time(NULL));
	if (left <= 0) {
		cust_error_set(err, CUST_E_IO,
		               "cannot reach the timestamp authority at '%s': "
		               "no answer within %d s", url, timeout_s);
		goto out;
	}
	req = BIO_new_mem_buf(der, len);
	if (!req) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	ERR_clear_error();
	/* our own connection, so no proxy; expect_asn1 makes OpenSSL read
	 * the reply into memory, bounded by its DER length and the maximum.
	 * OpenSSL writes with write(2): an authority that reset the
	 * connection must cost this request, not the program (SIGPIPE) */
	cust_sigpipe_hold(&quiet);
	resp = OSSL_HTTP_transfer(NULL, u->host, u->port, u->target, 0, NULL,
	                          NULL, conn, NULL, NULL, NULL, 0, NULL,
	                          QUERY_TYPE, req, REPLY_TYPE, 1, CUST_TSR_MAX,
	                          left, 0);
	cust_sigpipe_release(&quiet);
	if (!resp) {
		exchange_error(url, timeout_s, err);
		goto out;
	}
	n = BIO_get_mem_data(resp, &data);
	if (n < 0 || (size_t)n > CUST_TSR_MAX) {
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' answered with more "
		               "than %u bytes", url, CUST_TSR_MAX);
		goto out;
	}
	*reply = malloc(n > 0 ? (size_t)n : 1);
	if (!*reply) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (n > 0)
		memcpy(*reply, data, (size_t)n);
	*reply_len = (size_t)n;
	rc = 0;
out:
	BIO_free(resp);
	BIO_free(req);
	BIO_free_all(conn);
	ERR_clear_error();
	return rc;
}

static int check_args(const char *data_path, const char *tsr_path,
                      struct cust_error *err)
{
	if (!data_path || !tsr_path || !*data_path || !*tsr_path)
		return cust_error_set(err, CUST_E_USAGE,
		                      "bad arguments to a timestamp function");
	return 0;
}

int cust_timestamp_fetch(const char *url, const char *data_path,
                         const char *tsr_path, const char *tsa_cafile,
                         int timeout_s, struct cust_timestamp_info *info,
                         struct cust_error *err)
{
	struct cust_timestamp_info got;
	struct tsa_url u;
	unsigned char md[32], *der = NULL, *reply = NULL;
	char detail[DETAIL_MAX];
	X509_STORE *trusted = NULL;
	ASN1_INTEGER *nonce = NULL;
	size_t reply_len = 0;
	enum verdict v;
	int der_len = 0, rc = -1;

	memset(&got, 0, sizeof got);
	if (info)
		memset(info, 0, sizeof *info);
	if (check_args(data_path, tsr_path, err) < 0)
		return -1;
	if (!url)
		return cust_error_set(err, CUST_E_USAGE,
		                      "no timestamp authority URL given");
	if (timeout_s < 1 || timeout_s > TIMEOUT_MAX)
		return cust_error_set(err, CUST_E_USAGE,
		                      "the timestamp timeout must be 1 to %d "
		                      "seconds", TIMEOUT_MAX);
	if (tsa_url_parse(url, &u, err) < 0)
		return -1;
	if (tsa_cafile && !(trusted = load_cafile(tsa_cafile, err)))
		goto out;
	if (sha256_file(data_path, md, err) < 0)
		goto out;
	nonce = make_nonce();
	if (!nonce || make_request(md, nonce, &der, &der_len) < 0) {
		cust_error_set(err, CUST_E_IO,
		               "cannot make a timestamp request for '%s'",
		               data_path);
		goto out;
	}
	if (exchange(url, &u, der, der_len, timeout_s, &reply, &reply_len,
	             err) < 0)
		goto out;

	v = check_reply(reply, reply_len, md, nonce, trusted, &got, detail,
	                sizeof detail);
	switch (v) {
	case V_OK:
		break;
	case V_UNPARSABLE:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' sent a reply that "
		               "is not an RFC 3161 TimeStampResp: %s", url, detail);
		goto out;
	case V_REFUSED:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' refused: %s", url,
		               detail);
		goto out;
	case V_BAD_TOKEN:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' sent an unusable "
		               "token: %s", url, detail);
		goto out;
	case V_OTHER_DATA:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' timestamped other "
		               "data than '%s' (wrong message imprint)", url,
		               data_path);
		goto out;
	case V_NONCE:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' answered with "
		               "another nonce than the request's (a replayed or "
		               "misdirected reply)", url);
		goto out;
	case V_SIGNATURE:
		cust_error_set(err, CUST_E_INPUT,
		               "the reply of the timestamp authority at '%s' has a "
		               "bad signature: %s", url, detail);
		goto out;
	case V_SIGNER:
		cust_error_set(err, CUST_E_INPUT,
		               "the certificate of the timestamp authority at '%s' "
		               "is not fit for timestamping: %s", url, detail);
		goto out;
	case V_UNTRUSTED:
		cust_error_set(err, CUST_E_INPUT,
		               "the timestamp authority at '%s' is not certified "
		               "by '%s': %s", url, tsa_cafile, detail);
		goto out;
	case V_NOMEM:
		cust_error_set(err, CUST_E_IO,
		               "out of memory checking the reply of '%s'", url);
		goto out;
	}
	if (cust_fs_write_atomic(tsr_path, reply, reply_len, 0, err) < 0)
		goto out;
	if (info)
		*info = got;
	rc = 0;
out:
	free(reply);
	OPENSSL_free(der);
	ASN1_INTEGER_free(nonce);
	X509_STORE_free(trusted);
	tsa_url_release(&u);
	ERR_clear_error();
	return rc;
}

int cust_timestamp_check(const char *data_path, const char *tsr_path,
                         const char *tsa_cafile,
                         struct cust_timestamp_info *info,
                         struct cust_error *err)
{
	struct cust_timestamp_info got;
	X509_STORE *trusted = NULL;
	unsigned char md[32];
	char detail[DETAIL_MAX];
	char *tsr = NULL;
	size_t tsr_len = 0;
	enum verdict v;
	int rc = -1;

	memset(&got, 0, sizeof got);
	if (info)
		memset(info, 0, sizeof *info);
	if (check_args(data_path, tsr_path, err) < 0)
		return -1;
	if (tsa_cafile && !(trusted = load_cafile(tsa_cafile, err)))
		return -1;
	if (cust_fs_read_file(tsr_path, CUST_TSR_MAX, &tsr, &tsr_len, err) < 0 ||
	    sha256_file(data_path, md, err) < 0)
		goto out;

	v = check_reply((const unsigned char *)tsr, tsr_len, md, NULL, trusted,
	                &got, detail, sizeof detail);
	switch (v) {
	case V_OK:
		rc = 0;
		break;
	case V_UNPARSABLE:
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' is not an RFC 3161 timestamp reply: %s",
		               tsr_path, detail);
		break;
	case V_REFUSED:
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' holds a refusal, not a timestamp: %s",
		               tsr_path, detail);
		break;
	case V_BAD_TOKEN:
	case V_NONCE: /* no nonce is asked for here */
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' holds an unusable timestamp token: %s",
		               tsr_path, detail);
		break;
	case V_OTHER_DATA:
		cust_error_set(err, CUST_E_MISMATCH,
		               "'%s' timestamps other data than '%s'", tsr_path,
		               data_path);
		break;
	case V_SIGNATURE:
		cust_error_set(err, CUST_E_MISMATCH,
		               "the signature of '%s' does not verify (the token "
		               "was altered): %s", tsr_path, detail);
		break;
	case V_SIGNER:
		cust_error_set(err, CUST_E_MISMATCH,
		               "the signer of '%s' is not fit for timestamping: %s",
		               tsr_path, detail);
		break;
	case V_UNTRUSTED:
		cust_error_set(err, CUST_E_MISMATCH,
		               "the signer of '%s' is not certified by '%s': %s",
		               tsr_path, tsa_cafile, detail);
		break;
	case V_NOMEM:
		cust_error_set(err, CUST_E_IO, "out of memory checking '%s'",
		               tsr_path);
		break;
	}
	if (rc == 0 && info)
		*info = got;
out:
	free(tsr);
	X509_STORE_free(trusted);
	ERR_clear_error();
	return rc;
}
