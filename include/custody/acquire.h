/*
 * acquire.h - image a source into a sealed acquisition unit.
 *
 * One pass: the source is read in large requests into the digest engine's
 * ring (source.h); the image writer (image.h) and every digest, plus the
 * SHA-256 of each block, consume the same buffers on their own threads.
 * Then the image is read back and checked against what was read, the
 * record, blocks.sha256 and errors.map are written, and the unit is sealed
 * and logged as "acquired".
 *
 *   acquisitions/<ITEM>-A<n>/
 *     image.raw | image.000 ... | image.E01 ...
 *     acquisition.json   the record (evidence-schema/acquisition.schema.json)
 *     blocks.sha256      "<index> <offset> <length> <sha256>" per block
 *     errors.map         unreadable ranges, GNU ddrescue mapfile format
 *
 * SHA-256 of the stream is always computed (the seal needs it), with the
 * digests asked for.
 */
#ifndef CUSTODY_ACQUIRE_H
#define CUSTODY_ACQUIRE_H

#include <stdint.h>
#include <jansson.h>

#include "custody/caseio.h"
#include "custody/error.h"
#include "custody/image.h"
#include "custody/log.h"
#include "custody/manifest.h"
#include "custody/source.h"

#define CUST_ACQUIRE_RECORD "acquisition.json"
#define CUST_ACQUIRE_BLOCKS "blocks.sha256"
#define CUST_ACQUIRE_ERRORS "errors.map"
#define CUST_ACQUIRE_DEFAULT_BLOCK ((uint64_t)16 << 20)

enum cust_verify_scope {
	CUST_VERIFY_BLOCKS, /* re-read the image, compare block hashes */
	CUST_VERIFY_FULL,   /* ... and recompute every whole-stream digest */
	CUST_VERIFY_NONE
};

/* "blocks", "full", "none" and back. */
const char *cust_verify_scope_name(enum cust_verify_scope v);
int cust_verify_scope_parse(const char *name, enum cust_verify_scope *v);

struct cust_acquire_progress {
	const char *phase;       /* "reading", "verifying image", "verifying source" */
	uint64_t done;           /* bytes of this phase so far */
	uint64_t total;          /* CUST_SOURCE_SIZE_UNKNOWN when not known */
	uint64_t filled_sectors; /* unreadable so far */
	uint64_t elapsed_ms;     /* since the phase began */
};

struct cust_acquire_options {
	const char *source;      /* path, or "-" for standard input */
	const char *item;        /* the seized item: must exist in the case */
	const char *note;        /* EWF notes and the event's note; may be NULL */
	struct cust_source_options source_opt;
	struct cust_image_options image; /* format, segments, compression */
	unsigned algs;           /* digests asked for (SHA-256 is added) */
	uint64_t block_size;     /* 0 = CUST_ACQUIRE_DEFAULT_BLOCK */
	enum cust_verify_scope verify;
	int verify_source;       /* re-read the source and compare blocks */
	int resume;              /* go on with the item's interrupted
	                            acquisition (its format, digests and block
	                            size are kept; raw and split only) */
	char *const *argv;       /* the command line, for the record */
	int argc;
	const char *tool;
	/* called from the reading thread a few times a second at most */
	void (*progress)(void *ctx, const struct cust_acquire_progress *p);
	void *progress_ctx;
};

/*
 * Acquire, seal and log.  *RECORD (when given) receives acquisition.json's
 * content with the logged "event".  Returns 0 when the unit was sealed,
 * whatever the record says about unreadable sectors or verification (the
 * caller maps them to exit codes); -1 when no sealed unit came of it, the
 * partial unit staying behind when the source vanished or the run was cut.
 */
int cust_acquire(struct cust_case *c, const struct cust_acquire_options *o,
                 const struct cust_actor *actor, json_t **record,
                 struct cust_error *err);

/*
 * Re-check the sealed acquisition in DIR: read the image back once, with
 * every digest of its record and the block hashes computed in parallel,
 * and compare them with acquisition.json and blocks.sha256; the Merkle
 * root is recomputed too.  Each damaged block is named with its byte range.
 * Findings go to FINDINGS as {"check": "image", "subject": SUBJECT,
 * "status": "failed"|"ok", "message"}; *FAILED is set on a failure.
 * With KNOWN, a raw image's file digests (those of the stream) are added
 * to it, so that checking the unit's manifest need not read it again.
 */
int cust_acquire_check(const char *dir, const char *subject, json_t *findings,
                       int *failed, struct cust_manifest *known,
                       struct cust_error *err);

#endif
