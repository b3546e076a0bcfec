/*
 * unit.h - sealed units, the one way custody writes output into a case.
 *
 * A unit (an acquisition, a set of registered artifacts, an extraction, a
 * report) is written into KIND/NAME.partial/, then sealed: its empty
 * folders are removed (a manifest lists files only), its payload is
 * hashed into SHA256SUMS and manifest.hashdeep (manifest.h), the folder is
 * renamed to KIND/NAME/ (never over an existing one) and the event is
 * appended to the custody log with the SHA-256 of SHA256SUMS.  A sealed
 * unit is never modified again.  A NAME.partial/ left by an interrupted run
 * is reported by status and verify and never taken for a sealed unit.
 *
 * When the acting examiner signs (attest.h), sealing also signs SHA256SUMS
 * as SHA256SUMS.p7s (and timestamps it) before the rename, and logs the
 * `signed` and `timestamped` events after the unit's own event.
 */
#ifndef CUSTODY_UNIT_H
#define CUSTODY_UNIT_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/log.h"

#define CUST_UNIT_PARTIAL_SUFFIX ".partial"

struct cust_unit;

/* 1 when KIND is a unit folder of the case: "acquisitions", "artifacts",
 * "extractions", "recoveries" (recover.h) or "reports". */
int cust_unit_kind_known(const char *kind);

/*
 * Start a new unit in CASE_DIR/KIND/ named STEM followed by the number
 * after the highest one taken by a sealed or partial unit ("E001-H" gives
 * E001-H1, E001-H2, ...; a gap is never reused, so a number always means
 * one unit): creates NAME.partial/ atomically, so parallel commands never
 * share a unit.  STEM must be a valid id prefix.
 */
struct cust_unit *cust_unit_begin(const char *case_dir, const char *kind,
                                  const char *stem, struct cust_error *err);

/*
 * Take up again the unfinished unit KIND/NAME.partial (an interrupted run
 * that can be resumed).  NAME is the unit's name without the suffix.
 */
struct cust_unit *cust_unit_resume(const char *case_dir, const char *kind,
                                   const char *name, struct cust_error *err);

/* The unit's name ("E001-H1"), its case-relative path once sealed
 * ("artifacts/E001-H1") and the folder to write into now (the .partial
 * path).  Owned by the unit. */
const char *cust_unit_name(const struct cust_unit *u);
const char *cust_unit_relpath(const struct cust_unit *u);
const char *cust_unit_dir(const struct cust_unit *u);

/*
 * Tell the unit the size and digests of a payload file the caller hashed
 * while writing it, so sealing need not read it again.  REL is relative to
 * the unit.  MD5 may be NULL (an image acquired without MD5): the unit's
 * manifest.hashdeep then lists SHA-256 only.  At sealing, a file whose size
 * no longer matches is re-hashed.
 */
int cust_unit_note_file(struct cust_unit *u, const char *rel, uint64_t size,
                        const unsigned char md5[16],
                        const unsigned char sha256[32], struct cust_error *err);

/*
 * Copy the regular file SRC_PATH to REL inside the unit (creating folders
 * on the way, never replacing a file), hashing it while copying with the
 * digest engine: MD5, SHA-1 and SHA-256.  The digests are noted for
 * sealing.  With RECORD, *RECORD receives {"path", "size", "md5", "sha1",
 * "sha256"}.
 */
int cust_unit_copy_file(struct cust_unit *u, const char *src_path,
                        const char *rel, json_t **record,
                        struct cust_error *err);

/* Write the JSON record REC as the new payload file REL (canonical,
 * indented). */
int cust_unit_write_json(struct cust_unit *u, const char *rel, const json_t *rec,
                         struct cust_error *err);

/*
 * Seal: remove the unit's empty folders, write the manifests, sign them
 * when ACTOR has a signer, rename NAME.partial to NAME, append EV (its
 * unit and manifest_sha256 are filled in here) to the custody log as
 * ACTOR, then the signature's events.  With WRITTEN, *WRITTEN receives the
 * logged event.  On failure before the rename the unit stays partial; a
 * failure after it leaves a sealed unit that custody-verify reports as
 * missing from the log.
 */
int cust_unit_seal(struct cust_unit *u, const struct cust_actor *actor,
                   struct cust_event *ev, json_t **written,
                   struct cust_error *err);

/* Take away the unsealed unit: its folder and everything in it (symlinks
 * are removed, never followed), for a run that gives up before sealing
 * and that nothing else names (no event, no resumption), so no partial
 * unit is left to be taken for an interrupted one.  The handle is good
 * for cust_unit_free only after.  Folders nested deeper than the
 * manifests read are left, with an error. */
int cust_unit_discard(struct cust_unit *u, struct cust_error *err);

/* Release the handle; the folder stays as it is (a partial unit remains
 * on disk for inspection or resumption).  NULL is fine. */
void cust_unit_free(struct cust_unit *u);

/*
 * Every unit of the case: appends {"kind", "name", "path", "state":
 * "sealed"|"partial"} to OUT, sorted by kind then name.  Entries of a kind
 * folder that are not valid unit names, or not folders (a symlink to one
 * included), are reported as state "foreign".  A kind folder that is a
 * symlink or not a folder holds no unit of the case: nothing is listed
 * from it (custody-verify reports it, caseio.h).
 */
int cust_unit_list(const char *case_dir, json_t *out, struct cust_error *err);

#endif
