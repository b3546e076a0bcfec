/*
 * decode.h - compressed and encoded streams at any offset of a byte
 * stream, decoded and carved, recursively, bounded against bombs.
 *
 * A decoder is fed the same stream a carver is fed (a file's content, an
 * archive member, slack, unallocated space), in pieces of any size.  It
 * looks for the markers below (pairs of bytes and newlines, see "Speed"),
 * decodes only what a marker starts, carves the decoded bytes with a
 * carver of its own for that depth (carve.h) and looks for markers in
 * them in turn, to a bounded depth.  It reports the
 * hits of decoded streams only: the caller carves the stream itself.  It
 * holds no global state and writes nothing: bytes in, hits and counts out,
 * so it may run anywhere (a worker that holds no key).
 *
 * What is decoded (the name is the layer's name in forensic paths):
 *
 *   GZIP    1f 8b 08 and a header whose flags are valid; members one after
 *           another are one stream (zlib, inflate)
 *   ZLIB    78 01 / 78 5e / 78 9c / 78 da (each a valid FCHECK) followed
 *           by a deflate block header that is not reserved; PDF when the
 *           stream follows the keyword "stream" and its line end (a PDF
 *           FlateDecode stream)
 *   ZIP     "PK\3\4" with a version below 100, method 0 (stored) or 8
 *           (deflated, raw deflate as the header says) and lengths that
 *           fit: each local header is one stream, found without the
 *           central directory, so the members of damaged, truncated or
 *           partly overwritten archives and of OOXML, ODF and JAR
 *           documents are read; a stored member whose size is not in its
 *           header (data descriptor) is not read; an encrypted one is not
 *   BZIP2   "BZh1".."BZh9" followed by the block magic 31 41 59 26 53 59
 *           (libbz2)
 *   XZ      fd 37 7a 58 5a 00 (liblzma, at most CUST_DECODE_LZMA_MEMORY of
 *           dictionary)
 *   LZMA    an lzma-alone header: properties byte 0x5d, a dictionary size
 *           of 2^n or 2^n + 2^(n-1) from 64 KiB to 64 MiB, an uncompressed
 *           size that is unknown (all ones) or below 2^38
 *   BASE64  a run of at least CUST_DECODE_B64_LINES lines of 60 to 76
 *           characters of the base64 alphabet (the last may be shorter and
 *           end with '='); the body of a MIME part declared
 *           "Content-Transfer-Encoding: base64" (any number of lines); a
 *           data: URI's ";base64," payload of at least 16 characters
 *   QP      the body of a MIME part declared
 *           "Content-Transfer-Encoding: quoted-printable", to its boundary
 *           line ("--...") or a blank line followed by a header, soft line
 *           breaks joined
 *   PERCENT a run of URL characters holding at least one %XX that decodes
 *           to '@', ':', '/' or '.', each %XX of a printable byte decoded
 *   UTF16   a run of at least CUST_DECODE_UTF16_MIN code units of ASCII
 *           text (printable, tab, CR, LF) in UTF-16LE, written out as the
 *           ASCII bytes; UTF-16BE text is the same run read from its first
 *           character (its last character kept), so it is found as UTF16
 *           too (found where 8 bytes in a row alternate text and NUL)
 *
 * One stream at a time per depth: a marker met while a stream of the same
 * depth is being decoded waits (at most CUST_DECODE_PENDING of them) and
 * is tried when that stream ends, unless it lay inside a stream that
 * decoded to its end, or it has waited while CUST_DECODE_HOLD bytes were
 * scanned past it, or it lies more than CUST_DECODE_HOLD bytes before
 * where a failed one stopped (then it is counted as missed).  Bytes are
 * scanned in blocks of a fixed size whatever the feeds, so what is found
 * depends on the bytes only, never on how they were fed.
 *
 * Hits of QP and PERCENT streams are reported only when their raw bytes in
 * the decoded stream include a byte an escape or a soft line break made:
 * the rest was carved in the clear already.
 *
 * Forensic paths.  A hit in a decoded stream carries (carve.h) OFFSET, the
 * offset in the fed stream where the outermost decoded stream begins, and
 * PATH, the rest, as bulk_extractor writes it: one "-NAME-N" per layer, N
 * the offset in that layer's decoded bytes where the next layer begins or,
 * for the last one, where the hit's raw bytes begin:
 *
 *     OFFSET 5120, PATH "-GZIP-678"           the gzip stream at 5120 of
 *                                             the file, the hit at 678 of
 *                                             its decompressed bytes
 *     OFFSET 0, PATH "-ZIP-1024-BASE64-37"    a member whose local header
 *                                             is at 0, a base64 block at
 *                                             1024 of its content, the hit
 *                                             at 37 of the decoded block
 *     OFFSET 96, PATH "-UTF16-4"              UTF-16 text at 96, the hit at
 *                                             its fifth character
 *
 * Bounds.  Depth: CUST_DECODE_DEPTH layers by default (a marker found at
 * the last depth is counted, too_deep, and not decoded).  Bytes: every
 * decoded stream may give at most CUST_ARCHIVE_EXPANDED_FLOOR plus ratio
 * times the bytes it consumed (a deflate bomb blows this at once), and
 * all the streams of one fed stream together at most ratio times the bytes
 * fed (at least CUST_ARCHIVE_EXPANDED_FLOOR, at most max_expanded): the
 * defaults are archive.h's.  A stream that blows a bound is stopped and
 * counted as a bomb, what it gave so far carved; a fed stream whose total
 * is blown decodes nothing more.  Memory is fixed per decoder: a window
 * (about 200 KiB) and a carver per depth, one zlib, libbz2 (about 4 MiB)
 * or liblzma (at most CUST_DECODE_LZMA_MEMORY) state at a time per depth.
 *
 * Speed.  The markers are looked for 64 bytes at a time with AVX2 (a
 * byte's and its next byte's nibbles looked up, 16 at a time with SSE2).
 * A deflate stream (GZIP, ZLIB, PDF, a deflated ZIP member) whose bytes
 * are all at hand when it starts (the last of its level: a file's content
 * that the window holds, a decoded stream) and that gives at most 256 KiB
 * (a gzip stream whose last bytes say so: 1 MiB) is inflated at once by
 * libdeflate, about twice as fast as zlib's inflate, into a buffer of
 * that size per depth (made when first needed); its bytes are handed on
 * in the pieces zlib's inflate would give, so every bound is met where it
 * would be.  Anything else (a stream that gives more: at most that much
 * inflated for nothing first), and a stream libdeflate finds damaged, is
 * inflated by zlib.
 */
#ifndef CUSTODY_DECODE_H
#define CUSTODY_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/carve.h"
#include "custody/error.h"

#define CUST_DECODE_DEPTH 4       /* default depth */
#define CUST_DECODE_DEPTH_MAX 16  /* max_depth is cut to this */
#define CUST_DECODE_B64_LINES 4
#define CUST_DECODE_UTF16_MIN 8
#define CUST_DECODE_PENDING 32
#define CUST_DECODE_HOLD ((size_t)64 << 10)
#define CUST_DECODE_LZMA_MEMORY ((uint64_t)80 << 20)
/* Longest PATH of a hit, with its NUL. */
#define CUST_DECODE_PATH_MAX 512

/* The layers; CUST_DECODE_NKINDS of them. */
enum cust_decode_kind {
	CUST_DECODE_GZIP,
	CUST_DECODE_ZLIB,
	CUST_DECODE_PDF,
	CUST_DECODE_ZIP,
	CUST_DECODE_BZIP2,
	CUST_DECODE_XZ,
	CUST_DECODE_LZMA,
	CUST_DECODE_BASE64,
	CUST_DECODE_QP,
	CUST_DECODE_PERCENT,
	CUST_DECODE_UTF16LE,
	CUST_DECODE_NKINDS
};

struct cust_decode_options {
	unsigned max_depth;    /* CUST_DECODE_DEPTH when 0 */
	unsigned expand_ratio; /* CUST_ARCHIVE_RATIO when 0 */
	uint64_t max_expanded; /* CUST_ARCHIVE_EXPANDED_MAX when 0 */
	unsigned carve;        /* CUST_CARVE_* kinds looked for (not 0) */
};

/* What the streams fed since the last begin gave. */
struct cust_decode_stats {
	uint64_t streams[CUST_DECODE_NKINDS]; /* decoded, at every depth */
	uint64_t bytes[CUST_DECODE_NKINDS];   /* bytes they gave */
	uint64_t damaged;  /* streams that ended in an error after giving
	                    * bytes (what they gave is carved) */
	uint64_t bombs;    /* streams stopped by a byte bound */
	uint64_t too_deep; /* markers at the last depth, not decoded */
	uint64_t missed;   /* markers left (see "One stream at a time") */
	/* contents not decoded: an archive reader reads their members,
	 * and decodes those (analyze.h, opens_archive) */
	uint64_t left_to_archives;
	/* the forensic path (OFFSET and PATH as a hit's) of the first bomb,
	 * "" when none: "5120-GZIP" */
	char first_bomb[CUST_DECODE_PATH_MAX + 24];
};

struct cust_decoder;

/* A decoder looking for O->carve's kinds in what it decodes. */
struct cust_decoder *cust_decoder_new(const struct cust_decode_options *o,
                                      struct cust_error *err);

/* Release D; NULL is accepted. */
void cust_decoder_free(struct cust_decoder *d);

/* Start a new stream (dropping what was held back, the counts zeroed). */
void cust_decoder_begin(struct cust_decoder *d);

/*
 * Scan the next LEN bytes of the stream; hits of decoded streams go to FN
 * (carve.h's callback: PATH set, CONTEXT from the decoded bytes) as they
 * are found, some in a later feed or at the end.  A failure of FN (or of
 * the system: out of memory) fails the feed; the decoder then only takes
 * begin or free.  Damage and bombs are never failures: they are counted.
 */
int cust_decoder_feed(struct cust_decoder *d, const void *data, size_t len,
                      cust_carve_hit_fn fn, void *ctx, struct cust_error *err);

/* The stream ends: the streams being decoded end too, their last hits
 * reported. */
int cust_decoder_end(struct cust_decoder *d, cust_carve_hit_fn fn, void *ctx,
                     struct cust_error *err);

/* The counts of the stream fed since the last begin. */
const struct cust_decode_stats *cust_decoder_stats(const struct cust_decoder *d);

/* "GZIP", "ZLIB", "PDF", "ZIP", "BZIP2", "XZ", "LZMA", "BASE64", "QP",
 * "PERCENT", "UTF16"; NULL for anything else. */
const char *cust_decode_kind_name(enum cust_decode_kind k);

/* 1 when PATH (a hit's) begins with a layer an archive reader opens too
 * (GZIP, ZIP, BZIP2, XZ, LZMA): see analyze.h's opens_archive. */
int cust_decode_path_container(const char *path);

#endif
