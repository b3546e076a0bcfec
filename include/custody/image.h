/*
 * image.h - image files: raw, split raw and EWF (E01), written and read back.
 *
 * A writer takes the acquired stream in order (it is a digest-engine sink,
 * so it writes on its own thread while the digests run on theirs) and lays
 * it out in the unit folder:
 *   raw    image.raw
 *   split  image.000, image.001, ... of segment_size bytes each but the
 *          last; names get a fourth digit past image.999 (image.1000), so
 *          a shell glob no longer sorts them: readers go by number
 *   ewf    image.E01, image.E02, ... through libewf (EnCase 6 format), with
 *          the case fields in the header and the MD5 and SHA-1 of the
 *          stream in the hash section
 * A reader gives the same stream back from those files, for verification.
 *
 * Files are created with O_EXCL|O_NOFOLLOW (never over existing ones),
 * mode 0644 while written and 0444 once complete: a split segment when the
 * next one starts, every file at close, which also fsyncs them and the
 * folder.  libewf creates its own segment files after image.E01: the
 * writer refuses a folder already holding any image.E* file and claims
 * image.E01 before libewf opens it.
 *
 * Writing EWF with fast or best compression compresses the chunks on two
 * worker threads of the writer (libewf_handle_prepare_write_chunk) and
 * writes them in order on the calling thread; memory stays at a few MiB.
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

/* "raw", "split", "ewf" and back; "none", "fast", "best" and back.  The
 * name functions return NULL for a value out of range; the parsers return
 * 0, or -1 for an unknown name (leaving *F or *C alone). */
const char *cust_image_format_name(enum cust_image_format f);
int cust_image_format_parse(const char *name, enum cust_image_format *f);
const char *cust_image_compression_name(enum cust_image_compression c);
int cust_image_compression_parse(const char *name,
                                 enum cust_image_compression *c);

/* A split image has at most this many segments (CUST_E_INPUT beyond). */
#define CUST_IMAGE_MAX_SEGMENTS 1000000u
/* Longest EWF header value, in bytes. */
#define CUST_IMAGE_HEADER_VALUE_MAX 4096

/*
 * EWF (libewf 20140813) holds whole sectors only: a stream whose length is
 * not a multiple of sector_size cannot be an EWF image (close fails with
 * CUST_E_INPUT; use raw or split).  With media_size given, a longer stream
 * fails at the write (CUST_E_INPUT) and a shorter one at close
 * (CUST_E_INCOMPLETE), as libewf would leave an image that fails
 * verification.  The media is recorded as fixed and physical (ewfacquire's
 * defaults).
 */
struct cust_image_options {
	enum cust_image_format format;
	uint64_t segment_size;   /* split and ewf; 0 = the format's default
	                            (split: 2 GiB, ewf: 1.4 GiB); raw: must
	                            be 0.  libewf puts at least one chunk
	                            (32 KiB) in each EWF segment */
	enum cust_image_compression compression; /* ewf only; others: NONE */
	uint64_t media_size;     /* ewf: the source size, when known, else 0 */
	unsigned sector_size;    /* ewf: bytes per sector (512 if 0), a power
	                            of two from 512 to 65536 */
	/* ewf header fields; NULL leaves one empty.  At most
	 * CUST_IMAGE_HEADER_VALUE_MAX bytes of UTF-8 without control
	 * characters (a tab or newline would break the header apart).  The
	 * header also names "custody", its version and the system. */
	const char *case_number, *evidence_number, *examiner, *description,
		*notes;
};

struct cust_image_writer;

/* A writer creating its files in DIR (never over existing ones: an
 * existing image file of the format is an error naming it).  Bad options
 * are CUST_E_USAGE. */
struct cust_image_writer *cust_image_writer_open(
	const char *dir, const struct cust_image_options *o,
	struct cust_error *err);

/*
 * Reopen the raw or split image in DIR to go on writing after its first
 * OFFSET bytes (resume); whatever lies beyond OFFSET is cut off: the
 * segment OFFSET falls in is truncated there, later segments are removed,
 * earlier (complete) ones are left untouched.  The files must hold at
 * least OFFSET bytes and, for split, be a consistent set of segments of
 * O->segment_size bytes (CUST_E_INPUT otherwise).  The cut is fsynced
 * before this returns.  EWF cannot be resumed (CUST_E_USAGE).
 */
struct cust_image_writer *cust_image_writer_resume(
	const char *dir, const struct cust_image_options *o, uint64_t offset,
	struct cust_error *err);

/* Append DATA; the signature of a digest-engine sink (cust_digest_sink_fn),
 * with the writer as CTX.  OFFSET must be the bytes written so far
 * (CUST_E_USAGE otherwise).  A failed write (e.g. ENOSPC: CUST_E_IO,
 * "cannot write '<dir>/image.003': No space left on device") leaves the
 * writer failed: later writes and close return the same error.  Called
 * from one thread at a time (the sink thread); open and close may run on
 * another, before and after. */
int cust_image_writer_write(void *writer, const unsigned char *data,
                            size_t len, uint64_t offset,
                            struct cust_error *err);

/* The stream digests an EWF file stores in its hash section (hex of
 * either case, or NULL when not computed; anything else is CUST_E_USAGE).
 * Ignored by raw and split. */
struct cust_image_hashes {
	const char *md5, *sha1;
};

/* Flush, fsync, make read-only and close every file, then fsync DIR.
 * HASHES (may be NULL) go into an EWF image.  A second close is
 * CUST_E_USAGE; the writer must still be freed. */
int cust_image_writer_close(struct cust_image_writer *w,
                            const struct cust_image_hashes *hashes,
                            struct cust_error *err);

/* The files written, in order: [{"name": "image.000", "size": N}, ...]
 * (names without the folder); after a successful close, NULL before it.
 * New reference. */
json_t *cust_image_writer_files(const struct cust_image_writer *w);

/* Release; closes files still open without syncing (an abandoned or
 * interrupted acquisition; raw and split files stay writable for a
 * resume).  libewf finalises an EWF image it is made to drop: a shorter
 * image without hashes (one failing verification when media_size was
 * given).  NULL is fine. */
void cust_image_writer_free(struct cust_image_writer *w);

struct cust_image_reader;

/*
 * Open the image of FORMAT in DIR for reading back (EWF through libewf).
 * Split segments are taken by number from image.000; a missing one before
 * the highest present, or one whose size differs from image.000's (the
 * last may be shorter), is CUST_E_INPUT naming it; so is a missing EWF
 * segment, or a set libewf finds unfinished.  A file changing size while
 * read is CUST_E_INPUT; an EWF chunk failing its checksum is
 * CUST_E_MISMATCH naming the sectors.
 */
struct cust_image_reader *cust_image_reader_open(
	const char *dir, enum cust_image_format format, struct cust_error *err);

/* The stream size the image holds (0 for an invalid reader). */
uint64_t cust_image_reader_size(const struct cust_image_reader *r);

/* Read the next bytes of the stream into BUF; *GOT < LEN only at the end. */
int cust_image_reader_read(struct cust_image_reader *r, unsigned char *buf,
                           size_t len, size_t *got, struct cust_error *err);

/* NULL is fine. */
void cust_image_reader_free(struct cust_image_reader *r);

#endif
