/*
 * manifest.h - the two manifests of a sealed unit.
 *
 * Every file of a unit's payload (everything but the seal files themselves)
 * is listed, sorted by path, in
 *   SHA256SUMS         BSD tag lines: "SHA256 (path) = hex"; inside the
 *                      unit `sha256sum -c SHA256SUMS` checks them;
 *   manifest.hashdeep  hashdeep's format with size, MD5 and SHA-256 (or
 *                      size and SHA-256 only, when a file was hashed
 *                      without MD5, e.g. an image acquired with
 *                      --hash sha256) and "./path" names; inside the unit
 *                      find . -type f ! -path ./manifest.hashdeep \
 *                          ! -path ./SHA256SUMS ! -path ./SHA256SUMS.p7s \
 *                          ! -path ./SHA256SUMS.p7s.tsr -print0 |
 *                          xargs -0 hashdeep -a -k manifest.hashdeep -l
 *                      audits them (a manifest cannot list itself, so the
 *                      seal files are left out of the walk).
 * The seal files are exactly four files at the top of the unit:
 * SHA256SUMS, manifest.hashdeep, SHA256SUMS.p7s (the CMS signature,
 * attest.h) and SHA256SUMS.p7s.tsr (its timestamp).  Any other file is
 * payload, whatever its name: a file named like a seal file
 * ("SHA256SUMS.txt"), one below the top ("files/SHA256SUMS"), or the
 * temporary of an interrupted signing ("SHA256SUMS.p7s.tmp-4242",
 * fsutil.h).  A manifest lists files only, so a sealed unit holds no empty
 * folder.
 */
#ifndef CUSTODY_MANIFEST_H
#define CUSTODY_MANIFEST_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

#define CUST_MANIFEST_SUMS "SHA256SUMS"
#define CUST_MANIFEST_HASHDEEP "manifest.hashdeep"
/* SHA256SUMS followed by sign.h's CUST_SIGNATURE_SUFFIX, then by its
 * CUST_TIMESTAMP_SUFFIX: the names attest.h writes. */
#define CUST_MANIFEST_SIGNATURE CUST_MANIFEST_SUMS ".p7s"
#define CUST_MANIFEST_TIMESTAMP CUST_MANIFEST_SIGNATURE ".tsr"
/* Bounds on what a unit may hold, so a hostile unit cannot exhaust memory. */
#define CUST_MANIFEST_MAX_FILES 1000000u
#define CUST_MANIFEST_MAX_DEPTH 32

struct cust_manifest_entry {
	char *path;               /* relative to the unit, '/'-separated */
	uint64_t size;
	int hashed;               /* sha256 below is valid */
	int has_md5;              /* md5 below is valid */
	unsigned char md5[16];
	unsigned char sha256[32];
};

struct cust_manifest {
	struct cust_manifest_entry *entries; /* sorted by path (strcmp) */
	size_t count, cap;
};

void cust_manifest_init(struct cust_manifest *m);
void cust_manifest_release(struct cust_manifest *m);

/* 1 when the unit-relative PATH is one of the four seal files. */
int cust_manifest_is_seal_file(const char *path);

/*
 * List the payload of the unit folder DIR: every regular file below it
 * except the seal files, unhashed, sorted.  A symlink, device, FIFO or
 * socket anywhere in the unit, an empty folder, a name unfit for a
 * manifest line, more than CUST_MANIFEST_MAX_FILES files or deeper than
 * CUST_MANIFEST_MAX_DEPTH folders is an error (CUST_E_INPUT) naming the
 * path.
 */
int cust_manifest_scan(const char *dir, struct cust_manifest *m,
                       struct cust_error *err);

/* Add the hashed entry PATH (MD5 may be NULL); keeps M sorted. */
int cust_manifest_add(struct cust_manifest *m, const char *path, uint64_t size,
                      const unsigned char md5[16],
                      const unsigned char sha256[32], struct cust_error *err);

/* The entry for PATH, or NULL. */
struct cust_manifest_entry *cust_manifest_find(const struct cust_manifest *m,
                                               const char *path);

/*
 * What a sealer already knows of the payload file PATH: fill E's md5,
 * has_md5 and sha256 (E's size is the file's) and return 1, or return 0 to
 * have the file hashed.  Digests given for a size other than the file's
 * are not taken.
 */
typedef int (*cust_manifest_known_fn)(void *ctx, const char *path,
                                      struct cust_manifest_entry *e);

/*
 * Write SHA256SUMS and manifest.hashdeep of the unit folder DIR (new
 * files, fsynced), walking its payload in manifest order with one
 * folder's names in memory per level, so memory does not grow with the
 * number of files.  Each file's digests come from KNOWN (may be NULL) or
 * are taken now (MD5 and SHA-256 together).  WITH_MD5 0 writes the
 * hashdeep manifest with size and SHA-256 only.  The payload is checked
 * as by cust_manifest_scan (an empty folder is an error: the sealer
 * removes them first, unit.h); an empty payload is an error.  On failure
 * neither file is left.  With SUMS_SHA256, the SHA-256 of the SHA256SUMS
 * written, in hex.
 */
int cust_manifest_write_unit(const char *dir, int with_md5,
                             cust_manifest_known_fn known, void *ctx,
                             char sums_sha256[65], struct cust_error *err);

/*
 * Read DIR/SHA256SUMS into M (paths and SHA-256 only; sizes unknown).  A
 * malformed line is an error naming its number.  With SUMS_SHA256, the
 * SHA-256 of the file as read.
 */
int cust_manifest_read_sums(const char *dir, struct cust_manifest *m,
                            char sums_sha256[65], struct cust_error *err);

/*
 * Check the unit folder DIR against its manifests: every listed file
 * present with the listed SHA-256 (and, from manifest.hashdeep, size and
 * MD5), no payload file unlisted, no empty folder, both manifests naming
 * the same files.  An unlisted file that is the temporary of the
 * signature or of its token (what a custody-sign killed while writing
 * leaves) is named as such, and is a failure like any other: the unit is
 * no longer exactly what was sealed.  Problems are appended to FINDINGS
 * as {"check": "unit", "subject": SUBJECT "/" path, "status": "failed",
 * "message": ...}; *FAILED is set when there was one.  With SUMS_SHA256,
 * the SHA-256 of SHA256SUMS.  Returns -1 only when the check itself could
 * not run.
 */
int cust_manifest_check(const char *dir, const char *subject, json_t *findings,
                        int *failed, char sums_sha256[65],
                        struct cust_error *err);

/* As cust_manifest_check, taking the digests of files the caller has just
 * read itself from KNOWN (a file of the same size there is not read
 * again): an acquisition's image, hashed once while its blocks are
 * checked. */
int cust_manifest_check_known(const char *dir, const char *subject,
                              json_t *findings, int *failed,
                              char sums_sha256[65],
                              const struct cust_manifest *known,
                              struct cust_error *err);

#endif
