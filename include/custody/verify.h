/*
 * verify.h - check a whole case.
 *
 * One pass over the case folder: the case record, every item record, the
 * custody log's chain and its signed checkpoint (and an older checkpoint
 * kept elsewhere), the layout of the folder (nothing at its top or in an
 * item folder that custody does not write, no symlink where custody keeps
 * a folder: caseio.h), every unit against its manifests, every sealed
 * unit against the event that logged it (same SHA256SUMS), every logged
 * unit still present, every signature and timestamp against its
 * certificate, its authority and the log (attest.h).
 *
 * The report is one JSON object:
 *   {"case": DIR, "result": "verified"|"failed",
 *    "counts": {"events", "items", "units", "failed", "warnings"},
 *    "findings": [{"check", "subject", "status", "message"}, ...]}
 * where status is "ok", "failed", "warning" (not a failure: a leftover
 * partial unit, or the temporary file of a record or of the checkpoint
 * that an interrupted command left) or "unsigned".  Findings are in a
 * stable order.
 *
 * Trust comes from outside the case as well as from it: self-signed
 * examiner certificates in examiners/, an agency CA file, a TSA anchor.
 * Whoever can rewrite the whole folder can also plant a certificate in
 * examiners/; the fingerprints in the report are to be compared with the
 * examiner's own record, and a checkpoint kept elsewhere proves the log
 * only grew.
 */
#ifndef CUSTODY_VERIFY_H
#define CUSTODY_VERIFY_H

#include <jansson.h>

#include "custody/error.h"

struct cust_verify_options {
	int require_signatures; /* unsigned units count as failures */
	const char *cafile;     /* the agency's CA certificates, or NULL */
	const char *tsa_cafile; /* anchor of timestamp authorities, or NULL */
	const char *checkpoint; /* a checkpoint kept elsewhere, or NULL */
};

/* The report for the case at DIR, or NULL when DIR is not a case (no
 * case.json) or could not be read at all.  A malformed case.json is a
 * failed finding, not an error: the rest of the case is still checked. */
json_t *cust_verify_case(const char *dir, const struct cust_verify_options *opt,
                         struct cust_error *err);

/* 1 when REPORT's result is "verified". */
int cust_verify_passed(const json_t *report);

#endif
