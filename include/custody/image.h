/*
 * image.h - image files: raw, split raw and EWF (E01), written and read back.
 *
 * A writer takes the acquired stream in order (it is a digest-engine sink,
 * so it writes on its own thread while the digests run on theirs) and lays
 * it out in the unit folder:
 *   raw    image.raw
 *   split  image.000, image.001, ... of segment_size bytes each
 *   ewf    image.E01, image.E02, ... through libewf (EnCase 6 format), with
 *          the case fields in the header and the MD5 and SHA-1 of the
 *          stream in the hash section
 * A reader gives the same stream back from those files, for verification.
 */
#ifndef CUSTODY_IMAGE_H
#define CUSTODY_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

enum cust_image_format {
	CUST_IMAGE_RAW,
	CUST_IMAGE_SPLIT,
	CUST_IMAGE_EWF
};

enum cust_image_compression {
	CUST_IMAGE_COMPRESS_NONE,
	CUST_IMAGE_COMPRESS_FAST,
	CUST_IMAGE_COMPRESS_BEST
};

/* "raw", "split", "ewf" and back; -1 for an unknown name. */
const char *cust_image_format_name(enum cust_image_format f);
int cust_image_format_parse(const char *name, enum cust_image_format *f);
const char *cust_image_compression_name(enum cust_image_compression c);
int cust_image_compression_parse(const char *name,
                                 enum cust_image_compression *c);

struct cust_image_options {
	enum cust_image_format format;
	uint64_t segment_size;   /* split and ewf; 0 = the format's default
	                            (split: 2 GiB, ewf: 1.4 GiB) */
	enum cust_image_compression compression; /* ewf only */
	uint64_t media_size;     /* ewf: the source size, when known */
	unsigned sector_size;    /* ewf: bytes per sector (512 if 0) */
	/* ewf header fields; NULL leaves one empty */
	const char *case_number, *evidence_number, *examiner, *description,
		*notes;
};

struct cust_image_writer;

/* A writer creating its files in DIR (never over existing ones). */
struct cust_image_writer *cust_image_writer_open(
	const char *dir, const struct cust_image_options *o,
	struct cust_error *err);

/*
 * Reopen the raw or split image in DIR to go on writing after its first
 * OFFSET bytes (resume); whatever lies beyond OFFSET is cut off.  EWF
 * cannot be resumed.
 */
struct cust_image_writer *cust_image_writer_resume(
	const char *dir, const struct cust_image_options *o, uint64_t offset,
	struct cust_error *err);

/* Append DATA; the signature of a digest-engine sink (cust_digest_sink_fn),
 * with the writer as CTX.  OFFSET must be the bytes written so far. */
int cust_image_writer_write(void *writer, const unsigned char *data,
                            size_t len, uint64_t offset,
                            struct cust_error *err);

/* The stream digests an EWF file stores in its hash section (hex, or NULL
 * when not computed).  Ignored by raw and split. */
struct cust_image_hashes {
	const char *md5, *sha1;
};

/* Flush, fsync and close every file.  HASHES go into an EWF image. */
int cust_image_writer_close(struct cust_image_writer *w,
                            const struct cust_image_hashes *hashes,
                            struct cust_error *err);

/* The files written, in order: [{"name", "size"}, ...]; after close.
 * New reference. */
json_t *cust_image_writer_files(const struct cust_image_writer *w);

/* Release; closes files still open without syncing (an abandoned or
 * interrupted acquisition).  NULL is fine. */
void cust_image_writer_free(struct cust_image_writer *w);

struct cust_image_reader;

/* Open the image of FORMAT in DIR for reading back (EWF through libewf). */
struct cust_image_reader *cust_image_reader_open(
	const char *dir, enum cust_image_format format, struct cust_error *err);

/* The stream size the image holds. */
uint64_t cust_image_reader_size(const struct cust_image_reader *r);

/* Read the next bytes of the stream into BUF; *GOT < LEN only at the end. */
int cust_image_reader_read(struct cust_image_reader *r, unsigned char *buf,
                           size_t len, size_t *got, struct cust_error *err);

void cust_image_reader_free(struct cust_image_reader *r);

#endif
