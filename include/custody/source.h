/*
 * source.h - reading the evidence: a block device, a regular file or a
 * stream, read-only, surviving damaged media.
 *
 * Reads go in large requests.  When one fails with EIO the reader narrows
 * it down by halves to single sectors, re-reads each failing sector up to
 * `retries` more times, and fills the sectors that stay unreadable with
 * zeros: the stream keeps its length and alignment, and every unreadable
 * range is recorded (for errors.map in GNU ddrescue's mapfile format).
 * The time spent narrowing and retrying is bounded: past max_retry_ms
 * failing requests are narrowed only down to 64 KiB areas, without
 * retries, and the areas that fail are filled and recorded as not trimmed.  A source that disappears (ENXIO, ENODEV, ENOTCONN,
 * ECONNABORTED, or a device or file that ends before its size) is a
 * failure of its own (CUST_E_INCOMPLETE): nothing is filled for it.  A
 * stream cannot be re-read, so any read error on one is such a failure.
 */
#ifndef CUSTODY_SOURCE_H
#define CUSTODY_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "custody/error.h"

#define CUST_SOURCE_SIZE_UNKNOWN UINT64_MAX

enum cust_source_kind {
	CUST_SOURCE_FILE,
	CUST_SOURCE_BLOCK,
	CUST_SOURCE_STREAM
};

struct cust_source_options {
	unsigned retries;        /* extra reads of a failing sector */
	uint64_t max_retry_ms;   /* bound on narrowing and retrying, in all */
	uint64_t stream_size;    /* announced size of a stream; 0 unknown */
	int set_readonly;        /* BLKROSET a block device before reading */
	int force;               /* read a device mounted read-write anyway */
};

/* Statuses of a recorded range, as in ddrescue's mapfile. */
#define CUST_SOURCE_BAD '-'         /* unreadable sector, retries spent */
#define CUST_SOURCE_NOT_TRIMMED '*' /* failed; not narrowed (time bound) */

struct cust_source_range {
	uint64_t offset, length;
	char status;
};

struct cust_source;

/* Open PATH ("-" for standard input) read-only, as evidence is opened
 * (fsutil.h: a FIFO does not hang the open; O_NOATIME where the examiner
 * may, so a file's access time stays as it was).  Refuses a block device
 * mounted read-write unless FORCE, and anything that is neither a block
 * device, a regular file nor a stream. */
struct cust_source *cust_source_open(const char *path,
                                     const struct cust_source_options *o,
                                     struct cust_error *err);

enum cust_source_kind cust_source_kind(const struct cust_source *s);
/* Bytes in the source, or CUST_SOURCE_SIZE_UNKNOWN for a stream of
 * unknown size. */
uint64_t cust_source_size(const struct cust_source *s);
/* The unit of narrowing and of the error map. */
unsigned cust_source_sector_size(const struct cust_source *s);
/* The device a block source is (st_rdev), else 0. */
dev_t cust_source_device(const struct cust_source *s);
/* The identity for the record (device.h); new reference or NULL. */
json_t *cust_source_identity(const struct cust_source *s,
                             struct cust_error *err);

/*
 * Read the next LEN bytes into BUF, which must be aligned to 4096 bytes.
 * *GOT < LEN only at the end of the source.  Unreadable sectors come back
 * as zeros and are recorded.
 */
int cust_source_read(struct cust_source *s, unsigned char *buf, size_t len,
                     size_t *got, struct cust_error *err);

/* Go on reading from OFFSET (resume; not for streams). */
int cust_source_seek(struct cust_source *s, uint64_t offset,
                     struct cust_error *err);

/* Bytes delivered so far (the position). */
uint64_t cust_source_position(const struct cust_source *s);

/* Unreadable ranges so far, in order, merged when adjacent with the same
 * status.  Owned by the source. */
const struct cust_source_range *cust_source_ranges(const struct cust_source *s,
                                                   size_t *count);
/* Take back the unreadable ranges of an interrupted run (resume): ranges
 * must come in order and below the position. */
int cust_source_restore_ranges(struct cust_source *s,
                               const struct cust_source_range *r, size_t n,
                               struct cust_error *err);

/* Sectors filled with zeros so far. */
uint64_t cust_source_filled_sectors(const struct cust_source *s);

void cust_source_free(struct cust_source *s);

#endif
