/*
 * checkpoint.h - checkpoints of the custody log and inclusion proofs.
 *
 * The hash chain of custody.log (log.h) cannot show that its last lines
 * were cut off, or rewritten together with everything after them.  A
 * checkpoint can: CASE/custody.checkpoint holds the case id, the number of
 * events, the RFC 6962 Merkle root over the log's lines (merkle.h; the leaf
 * data of a line is its bytes without the newline) and the time, as one
 * line of canonical JSON (json.h) plus a newline:
 *
 *   {"case_id":"...","events":N,"last_sha256":"<hex>","root":"<hex>",
 *    "time":"<UTC>","type":"custody-checkpoint","version":1}
 *
 * last_sha256 is the SHA-256 of line N, what the next line's "prev" will
 * be (64 zeros for an empty log).  The examiner signs the checkpoint
 * (custody.checkpoint.p7s, made through a callback by the signing module)
 * and may timestamp the signature (custody.checkpoint.p7s.tsr).  A copy
 * kept elsewhere later proves that the log only grew since: the first N
 * lines must still give the same root.
 *
 * An inclusion proof shows one event to a court without the whole log:
 * the event's line, the RFC 6962 audit path from its leaf to the root of
 * the current checkpoint, and that checkpoint with its signature.  It is
 * checked with nothing but the proof itself.
 *
 * Limits: a log of at most CUST_CHECKPOINT_MAX_EVENTS lines (32 bytes of
 * memory per line while a checkpoint or proof is made), a checkpoint of at
 * most CUST_CHECKPOINT_MAX bytes, a signature of at most
 * CUST_CHECKPOINT_P7S_MAX bytes.
 */
#ifndef CUSTODY_CHECKPOINT_H
#define CUSTODY_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/time.h"

#define CUST_CHECKPOINT_NAME "custody.checkpoint"
/* The files beside it: CUST_CHECKPOINT_NAME with these suffixes.  The
 * signature (CMS, detached) is over the checkpoint, the RFC 3161 token over
 * the signature (attest.h). */
#define CUST_CHECKPOINT_P7S_SUFFIX ".p7s"
#define CUST_CHECKPOINT_TSR_SUFFIX ".p7s.tsr"

/* Every signed checkpoint is also kept, append-only, as
 * CUST_CHECKPOINTS_DIR/<events, 8 digits>.checkpoint with its .p7s and
 * .p7s.tsr, as Certificate Transparency keeps signed tree heads: a later
 * checkpoint never destroys the signature or the timestamp of an earlier
 * one, and the log must stay consistent with every one of them. */
#define CUST_CHECKPOINTS_DIR "checkpoints"
#define CUST_CHECKPOINT_KEPT_SUFFIX ".checkpoint"

/* Largest checkpoint text accepted (the one custody writes is ~300 bytes). */
#define CUST_CHECKPOINT_MAX 4096u
/* Largest signature file carried in a proof. */
#define CUST_CHECKPOINT_P7S_MAX (64u * 1024)
/* Most events a checkpoint covers: 2^24 lines, 512 MiB of leaf hashes. */
#define CUST_CHECKPOINT_MAX_EVENTS (1u << 24)
/* Longest case id a checkpoint holds (case.json's is a 36-byte UUID). */
#define CUST_CHECKPOINT_CASE_ID_MAX 127u

struct cust_checkpoint {
	char case_id[CUST_CHECKPOINT_CASE_ID_MAX + 1];
	uint64_t events;
	char root[65];        /* lower-case hex */
	char last_sha256[65]; /* lower-case hex */
	char time[CUST_TIME_LEN];
};

/*
 * Called with the log still locked after the checkpoint file is in place,
 * so a signature made by the callback is written before any other command
 * can move the checkpoint on.  PATH is CASE/custody.checkpoint.  Returns 0,
 * or -1 after recording the failure in ERR.
 */
typedef int (*cust_checkpoint_sign_fn)(void *ctx, const char *path,
                                       struct cust_error *err);

/*
 * Take the log's lock (the flock on custody.log that cust_log_append
 * takes, waiting at most cust_fs_lock_timeout_ms()), compute the
 * checkpoint of the whole log, write it atomically to
 * CASE_DIR/custody.checkpoint, call SIGN(CTX, path, err) if SIGN is not
 * NULL, and release the lock.  When the case's checkpoint already covers
 * the whole log as it is (the run appended nothing), nothing is written
 * and SIGN is not called: its signature and timestamp stay.  Otherwise a
 * signed previous checkpoint is kept (cust_checkpoint_keep), then its
 * signature and timestamp, which no longer match, are removed before the
 * new checkpoint is written.  *WRITTEN (WRITTEN may be NULL) receives the
 * checkpoint in place.
 *
 * The log must be whole and linked: a line that is not a complete JSON
 * object, is numbered out of order or does not link to the line before is
 * refused (CUST_E_INPUT, naming the line), so a checkpoint never vouches
 * for a damaged log.  More than CUST_CHECKPOINT_MAX_EVENTS lines is
 * CUST_E_INPUT.  When SIGN fails the update fails; the checkpoint written
 * stays in place, unsigned.
 */
int cust_checkpoint_update(const char *case_dir, cust_checkpoint_sign_fn sign,
                           void *ctx, struct cust_checkpoint *written,
                           struct cust_error *err);

/*
 * Keep the case's checkpoint, when it is signed, in the history:
 * CUST_CHECKPOINTS_DIR/NNNNNNNN.checkpoint, .p7s and .p7s.tsr (whichever
 * exist), each copied once and never replaced.  Called under the log's
 * lock, after signing and before replacing.
 */
int cust_checkpoint_keep(const char *case_dir, struct cust_error *err);

/* "checkpoints/NNNNNNNN.checkpoint" for a checkpoint of EVENTS events into
 * OUT; -1 when SIZE is too small. */
int cust_checkpoint_kept_name(uint64_t events, char *out, size_t size);

/*
 * Parse TEXT[0..LEN) strictly: at most CUST_CHECKPOINT_MAX bytes, exactly
 * one line of canonical JSON and its newline, exactly the fields above
 * with their types, lengths, lower-case hex and time form, type
 * "custody-checkpoint", version 1, events at most
 * CUST_CHECKPOINT_MAX_EVENTS, and for 0 events the root and last_sha256 of
 * an empty log.  CUST_E_INPUT, naming the field, on anything else.
 */
int cust_checkpoint_parse(const char *text, size_t len,
                          struct cust_checkpoint *cp, struct cust_error *err);

/*
 * Check the log of the case at CASE_DIR against the checkpoint in the file
 * PATH.  CURRENT is 1 when PATH is the case's own custody.checkpoint, 0
 * for an older copy kept elsewhere.  Appends to FINDINGS (a JSON array)
 *   {"check": "checkpoint", "subject": S, "status": "ok"|"failed"|"warning",
 *    "message": ...}
 * where S is "custody.checkpoint" for the case's own and PATH for a copy:
 *   - failed: the checkpoint is malformed; it is of another case; the log
 *     is shorter than the checkpoint ("custody.log has 7 events, the
 *     checkpoint of T counts 9: the log was cut after event 7, or events
 *     were removed"); the root over the first N lines differs ("the first 9 events of custody.log
 *     are not the ones checkpointed at T: edited, inserted, removed or
 *     reordered"); the SHA-256 of line N differs from last_sha256;
 *   - warning: no checkpoint in the case (CURRENT only); with CURRENT, a
 *     log longer than the checkpoint ("events 10 to 11 are not covered by
 *     the checkpoint");
 *   - ok: the log matches, or, for an older copy, the log only grew.
 * The signature is not checked here (that is the signing module's job).
 * Returns 0 when the check ran, whatever it found, -1 when it could not
 * (the log or a copy named by PATH unreadable), like cust_log_verify.
 */
int cust_checkpoint_verify(const char *case_dir, const char *path, int current,
                           json_t *findings, struct cust_error *err);

/*
 * An inclusion proof of event SEQ of the case at CASE_DIR, made under the
 * log's lock against the case's current checkpoint:
 *   {"type": "custody-inclusion-proof", "version": 1, "case_id": ...,
 *    "seq": SEQ, "line": "<the event's line exactly, without newline>",
 *    "tree_size": N, "leaf_index": SEQ - 1, "path": ["<hex>", ...],
 *    "checkpoint": "<custody.checkpoint's text exactly>",
 *    "checkpoint_p7s": "<base64 of custody.checkpoint.p7s>" or null}
 * where N is the checkpoint's event count and path the RFC 6962 audit path
 * PATH(SEQ - 1, D[N]), nearest the leaf first.  *PROOF receives a new
 * reference.  Refused: SEQ 0 or SEQ beyond the checkpoint (CUST_E_USAGE);
 * no checkpoint or a malformed one (CUST_E_INPUT); a log that no longer
 * matches its checkpoint (CUST_E_MISMATCH).  The proof made is checked
 * with cust_proof_check before it is returned.
 */
int cust_proof_make(const char *case_dir, uint64_t seq, json_t **proof,
                    struct cust_error *err);

/*
 * Check PROOF on its own, without the case folder: exactly the fields
 * above with their types and bounds, the checkpoint parses
 * (cust_checkpoint_parse), the line is one JSON object whose seq is SEQ,
 * leaf_index is SEQ - 1, tree_size is the checkpoint's event count, the
 * case ids agree, and the audit path from the line's leaf hash leads to
 * the checkpoint's root (RFC 9162 section 2.1.3.2).  Failures are
 * CUST_E_MISMATCH when the proof does not hold (the message names the
 * step) or CUST_E_INPUT when it is malformed.
 *
 * On success, unless the pointers are NULL, *CHECKPOINT_TEXT and
 * *CHECKPOINT_LEN receive a malloc'd copy of the checkpoint text (NUL
 * terminated), and *P7S and *P7S_LEN the decoded signature (malloc'd; NULL
 * and 0 when the proof is unsigned), for the caller to verify the
 * signature over the checkpoint.  The caller frees both.  On failure they
 * are NULL and 0.
 */
int cust_proof_check(const json_t *proof, char **checkpoint_text,
                     size_t *checkpoint_len, unsigned char **p7s,
                     size_t *p7s_len, struct cust_error *err);

#endif
