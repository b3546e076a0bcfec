/*
 * timestamp.h - RFC 3161 timestamps of custody's signature files.
 *
 * A signature file (a unit's SHA256SUMS.p7s, a checkpoint's .p7s) gets a
 * timestamp from an authority (TSA): its SHA-256 goes to the TSA, which
 * answers with a TimeStampResp holding a signed token of the time.  The
 * whole reply is kept next to the file as FILE.tsr, in DER, so a defense
 * expert checks it with stock OpenSSL alone:
 *
 *     openssl ts -verify -data SHA256SUMS.p7s -in SHA256SUMS.p7s.tsr \
 *             -CAfile tsa-ca.pem -untrusted tsa.pem
 *
 * Only http:// authorities are asked: the token is signed, so it protects
 * itself, and TLS would add nothing to what the checks below establish.
 * The request carries the SHA-256 imprint, a random 64-bit nonce and
 * certReq, so the TSA's certificate travels inside the token.
 *
 * What a check establishes: the reply parses (at most CUST_TSR_MAX bytes,
 * nothing after it), its status is granted (or grantedWithMods, as OpenSSL
 * accepts), the token's imprint is SHA-256 and equals the SHA-256 of the
 * data, the token is signed by exactly one signer whose certificate is in
 * the token, the ESS signing-certificate attribute names that certificate,
 * the certificate is valid now and fit for timestamping (the critical
 * extendedKeyUsage timeStamping), and the signature verifies.  With a CA
 * file, the signer's certificate must also chain to a certificate of that
 * file (intermediates may come from the token), and only then is the
 * authority reported as trusted.  Certificates are checked at the current
 * time, as `openssl ts -verify` does.
 */
#ifndef CUSTODY_TIMESTAMP_H
#define CUSTODY_TIMESTAMP_H

#include "custody/error.h"
#include "custody/time.h"

/* Largest .tsr or TSA reply custody accepts, and largest CA file. */
#define CUST_TSR_MAX (1u << 20)

/* Longest URL of an authority. */
#define CUST_TSA_URL_MAX 2048

/* What a checked timestamp says; every field NUL-terminated, one line of
 * printable ASCII (anything else from the token is escaped as \xHH). */
struct cust_timestamp_info {
	char time[CUST_TIME_LEN];   /* genTime as UTC "YYYY-MM-DDTHH:MM:SSZ"
	                             * (seconds; a fraction is dropped) */
	char tsa[512];              /* the signer certificate's subject, one line;
	                             * cut with "..." when longer */
	char serial[128];           /* the token's serial number, lower-case hex */
	char policy[128];           /* the TSA policy OID, dotted */
	char imprint_sha256[65];    /* the hashed data's SHA-256, lower-case hex */
	int tsa_trusted;            /* 1: the TSA certificate chained to the CA
	                             * file given; 0: no CA file was given */
};

/*
 * Ask the RFC 3161 authority at URL (http://host[:port]/path) to timestamp
 * the SHA-256 of the file DATA_PATH (a regular file, final symlink not
 * followed); check the reply as described above, plus the nonce sent; with
 * TSA_CAFILE (PEM, may be NULL) also the TSA's chain; and only then write
 * the reply, byte for byte as received, to TSR_PATH atomically (temporary
 * name, fsync, rename).  An existing TSR_PATH is replaced: the caller
 * decides whether that is allowed.  On any failure TSR_PATH is untouched.
 *
 * TIMEOUT_S (1..3600) bounds the connection and the exchange (whole
 * seconds; the name lookup is not bounded by it).  No proxy is used.
 * A connection the authority resets is an error like any other: the
 * SIGPIPE a write to it raises is kept from the calling thread
 * (cust_sigpipe_hold), whatever the program does with the signal.
 * INFO (may be NULL) is filled on success, zeroed on failure.
 *
 * Errors: a bad URL or https:// (CUST_E_USAGE); the authority unreachable
 * (refused, unknown host, timeout: CUST_E_IO, "cannot reach the timestamp
 * authority at 'URL': ..."); the connection reset or closed mid-way
 * (CUST_E_IO, "the exchange with the timestamp authority at 'URL'
 * failed: ..."); an HTTP error status or a content type other
 * than application/timestamp-reply (CUST_E_IO, naming the status or type);
 * a rejection (CUST_E_INPUT, "the timestamp authority at 'URL' refused:
 * <status, text, failure info>"); a reply that does not parse, is too large,
 * timestamps other data, carries another nonce, has a bad signature or a
 * certificate not fit or not trusted (CUST_E_INPUT, naming the problem);
 * DATA_PATH or TSA_CAFILE unreadable (CUST_E_INPUT); writing (CUST_E_IO).
 */
int cust_timestamp_fetch(const char *url, const char *data_path,
                         const char *tsr_path, const char *tsa_cafile,
                         int timeout_s, struct cust_timestamp_info *info,
                         struct cust_error *err);

/*
 * Check the timestamp reply TSR_PATH (DER, at most CUST_TSR_MAX bytes)
 * against the file DATA_PATH, as described above; with TSA_CAFILE (may be
 * NULL) the TSA's chain too, and then INFO->tsa_trusted is 1.  INFO (may
 * be NULL) is filled on success, zeroed on failure.
 *
 * Errors: a token over other data (CUST_E_MISMATCH, "'X.tsr' timestamps
 * other data than 'X'"); a token whose signature does not verify (altered)
 * or whose signer is not fit for timestamping or does not chain to
 * TSA_CAFILE (CUST_E_MISMATCH); an empty, truncated, oversized or
 * unparsable file, a refusal instead of a token, an imprint that is not
 * SHA-256 (CUST_E_INPUT); DATA_PATH, TSR_PATH or TSA_CAFILE unreadable
 * (CUST_E_INPUT or CUST_E_IO).
 */
int cust_timestamp_check(const char *data_path, const char *tsr_path,
                         const char *tsa_cafile,
                         struct cust_timestamp_info *info,
                         struct cust_error *err);

#endif
