/*
 * attest.h - what makes an examiner's work provable later: a unit's
 * signature and timestamp, and the signed checkpoint of the custody log.
 *
 * The actor (log.h) carries the examiner's signer and timestamp authority;
 * without a signer every function here does nothing and succeeds, so a
 * case worked without keys stays valid and is reported as unsigned.
 *
 * A unit's signature is SHA256SUMS.p7s over SHA256SUMS, its timestamp
 * SHA256SUMS.p7s.tsr over the signature file.  Each is logged: a `signed`
 * event names the signature's SHA-256 and the signer's fingerprint, a
 * `timestamped` event the token's SHA-256 and time, so a signature swapped
 * later no longer matches the log.  The log's checkpoint is signed as
 * custody.checkpoint.p7s and timestamped as custody.checkpoint.p7s.tsr; it
 * is not logged (it describes the log).
 *
 * A timestamp authority that cannot be reached or refuses is not a
 * failure: the unit stays sealed and signed, the missing timestamp is
 * recorded in the facts (and in the `signed` event), and custody-sign
 * --timestamp adds it later.
 */
#ifndef CUSTODY_ATTEST_H
#define CUSTODY_ATTEST_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/log.h"
#include "custody/sign.h"

/* How long one exchange with a timestamp authority may take. */
#define CUST_TSA_TIMEOUT_S 20

/*
 * Sign UNIT_DIR/SHA256SUMS as ACTOR (MODE as in sign.h), keep the signer's
 * certificate in the case's examiners/, and with a timestamp authority
 * timestamp the signature.  *FACTS (may be NULL) receives
 *   {"signature": {"file", "sha256", "signer", "subject", "mode"},
 *    "timestamp": {"file", "sha256", "time", "tsa"} | absent,
 *    "timestamp_error": "..." | absent}
 * or NULL when the actor has no signer.
 */
int cust_attest_unit(const char *case_dir, const char *unit_dir,
                     const struct cust_actor *actor, enum cust_sign_mode mode,
                     json_t **facts, struct cust_error *err);

/* Timestamp the signature of UNIT_DIR that exists already (custody-sign
 * --timestamp), replacing an older token.  *FACTS as above, with
 * "timestamp" only; a failing authority is an error here. */
int cust_attest_timestamp(const char *unit_dir, const struct cust_actor *actor,
                          json_t **facts, struct cust_error *err);

/* Append the `signed` and `timestamped` events that FACTS (from the
 * functions above) describe for the unit UNIT (its case-relative path)
 * whose SHA256SUMS has the SHA-256 SUMS_SHA256. */
int cust_attest_log(const char *case_dir, const char *unit, const char *sums_sha256,
                    const struct cust_actor *actor, const char *tool,
                    const json_t *facts, struct cust_error *err);

/*
 * Write the custody log's checkpoint (checkpoint.h), signed by the actor
 * when it has a signer and timestamped when it has an authority, all under
 * the log's lock so the three files always describe the same log.  Every
 * command that appended events calls this last.  A failing authority
 * leaves the checkpoint signed and untimestamped; *WARNING (may be NULL,
 * else at least 256 bytes) then says why, and is "" otherwise.
 */
int cust_attest_checkpoint(const char *case_dir, const struct cust_actor *actor,
                           char *warning, size_t warning_size,
                           struct cust_error *err);

/* --- checking what the functions above made --- */

/* What a check trusts. */
struct cust_attest_trust {
	const struct cust_trust *signers; /* examiner certificates, CA file */
	const char *tsa_cafile;           /* timestamp authority anchor, or NULL */
	int require_signatures;           /* unsigned is a failure, not a note */
};

/*
 * Check the signature and timestamp of the sealed unit UNIT_DIR (SUBJECT
 * is its case-relative path): each signer's signature over SHA256SUMS and
 * certificate, the token over the signature, and both files against the
 * last `signed` and `timestamped` events the log holds for the unit,
 * LOGGED = {"signature": {"sha256", "line"}, "timestamp": {...}} (either
 * may be absent; LOGGED may be NULL).  Findings go to FINDINGS as
 * {"check": "signature"|"timestamp", "subject", "status", "message"} with
 * status "ok", "failed" or "unsigned".
 */
void cust_attest_check_unit(const char *unit_dir, const char *subject,
                            const struct cust_attest_trust *t,
                            const json_t *logged, json_t *findings);

/*
 * Check the case's custody.checkpoint against the log, and its signature
 * and timestamp; every signed checkpoint kept in checkpoints/
 * (checkpoint.h): signed by a trusted examiner, and the log consistent
 * with it (a file there that custody does not keep, a kept checkpoint
 * without its signature, or a current checkpoint whose signature was
 * deleted while its signed copy is kept, fails); with OLDER (a checkpoint
 * the examiner kept elsewhere, and OLDER.p7s next to it when there is
 * one), that the log only grew since.  *COVERED receives the number of
 * events covered by a signed checkpoint that holds (0 for none): the
 * events after it are vouched for by no signature.  Returns -1 only when
 * the check could not run.
 */
int cust_attest_check_log(const char *case_dir, const char *older,
                          const struct cust_attest_trust *t, json_t *findings,
                          uint64_t *covered, struct cust_error *err);

/*
 * Check the inclusion proof in the file PROOF_PATH on its own: the audit
 * path leads to the checkpoint's root, and the checkpoint's signature holds
 * and is trusted.  Findings as above with check "proof".  Returns -1 only
 * when the file could not be read.
 */
int cust_attest_check_proof(const char *proof_path,
                            const struct cust_attest_trust *t,
                            json_t *findings, struct cust_error *err);

#endif
