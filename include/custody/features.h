/*
 * features.h - targets written as bulk_extractor writes its feature files
 * and histograms, so that the tools that read bulk_extractor's output
 * (its viewer, identify_filenames.py, analysts' scripts) read custody's.
 *
 * Files, in a folder the writer creates (targets/bulk_extractor/):
 *
 *   report.xml          the report bulk_extractor's readers open the
 *                       folder by (see below) *
 *   NAME.txt            one line per occurrence, in the order added:
 *                       forensic-path TAB feature TAB context
 *   NAME_histogram.txt  one line per distinct feature: "n=COUNT TAB
 *                       feature", and " TAB (utf16=N)" when N of the
 *                       occurrences were read through a UTF16 layer;
 *                       sorted by count, most first, then by the bytes of
 *                       the feature (bulk_extractor's order); email
 *                       features lower-cased first, as bulk_extractor
 *                       does for its email histogram
 *
 * NAME is the feature recorder's name: "email", "domain", "url", "ip"
 * (IPv4 and IPv6), and for any other carver kind its cust_carve_kind_name,
 * so a kind the carver gains gets its files by its name.  A file exists
 * for each kind carved, with its header, even when it holds no feature.
 *
 * Each file begins with comment lines as bulk_extractor's do:
 *   # custody-Version: 0.1.0
 *   # Feature-Recorder: email
 *   # Filename: SOURCE
 *   # Feature-File-Version: 1.1        (Histogram-File-Version in histograms)
 *
 * The forensic path is bulk_extractor's: the image offset of the
 * occurrence in decimal, then the chain of what was decoded to reach it
 * ("5120-GZIP-678": a gzip stream at image offset 5120, the feature at 678
 * of its decompressed bytes; "-NAME-N" per layer, decode.h), so that a
 * reader that takes the integer before the first '-' and looks it up in
 * the <byte_run img_offset= len=> of custody's DFXML (inventory.dfxml, as
 * identify_filenames.py does with fiwalk's) finds the file holding the
 * feature, and no file for a feature outside files.  The offset is:
 *
 *  - space (unallocated, volume slack, unrecognised, unreadable,
 *    unpartitioned gaps, LVM2 bytes no volume holds) and a file's slack:
 *    the image offset of the feature (or of the outermost decoded
 *    stream), partition offsets included; the DFXML's runs stop at each
 *    file's size, so slack lies in no file, as bulk_extractor's tools see
 *    it;
 *  - a file's content where its runs hold it byte for byte
 *    (cust_walk_entry.runs_plain) and the content offset lies in a run
 *    that is neither sparse nor filler: the image offset the runs, laid
 *    end to end as the DFXML lays them, give the content offset (of the
 *    feature, or of the outermost decoded stream);
 *  - anything else of a file has no byte of the image that is its place:
 *    content in holes or past the runs described, content stored in the
 *    metadata (NTFS resident), compressed or encrypted (NTFS), or of a
 *    file without runs.  Its offset is the image offset of the file's
 *    first byte (its first run neither sparse nor filler; the partition's
 *    offset when it has none), followed by "-FILE-N", N the content offset
 *    (bulk_extractor's own elements say the same of the layers they
 *    decode: the integer is where the layer lies, N where in it).  A file
 *    without runs has none in the DFXML either: no offset resolves to it,
 *    and its partition's offset says at least where it lies;
 *  - a member of an archive or a compressed file (tar, zip, gzip ... read
 *    by archive.h): the image offset of the first byte of the file of the
 *    image holding it (as above), followed by "-MEMBER-N", N the offset in
 *    the member's content (the member, at any depth, is named in the
 *    CSVs).
 *
 * Offsets are those of the DFXML for the same bytes, through the layers:
 * a file's content inside a volume of a layer (an LVM2 logical volume, an
 * md array) at the image offset its runs place it at (walk.h, "Runs
 * through the layers"; a run in no image, rebuilt from parity or on a
 * missing physical volume, gives "-FILE-N"; a file without runs is at
 * its volume's first byte, cust_walk_entry.origin); space and slack there
 * at the image offset of the feature's byte (cust_walk_volume_place,
 * cust_walk_slack), chunk by chunk and stripe by stripe.  A byte of space
 * or slack that lies in no image (rebuilt from parity, on a missing
 * physical volume) is at the image offset of its volume's first byte (0
 * when that lies in none either) followed by "-VOLUME-N", N its offset
 * in the volume.  With several disks (cust_walk_disks) an offset is in
 * the image of the disk holding the byte: the feature files have no disk
 * column (bulk_extractor's have none), so the offsets of d2 and later
 * are in their own disk's image, as the DFXML's custody:disk says of a
 * file's runs; the CSVs name the partition.  An extraction of a folder has
 * no image: its features are at 0-FILE-N.  custody's own place of an
 * occurrence (partition and path) is in the CSVs and occurrences.jsonl
 * (targets.h), never in a feature file, which keeps bulk_extractor's
 * three fields.
 *
 * report.xml: the folder also holds a minimal bulk_extractor report
 * (DFXML: <creator> with <program> custody-extract and <version>,
 * <source><image_filename> SOURCE), which bulk_extractor_reader.py's
 * BulkReport parses to open the folder.
 *
 * The feature is the normalised value; the context the raw bytes around the
 * occurrence (carve.h: 16 bytes each side), of the decoded stream for a
 * decoded occurrence.  All three fields are escaped as bulk_extractor
 * escapes them: a byte below 0x20, a backslash and every byte that is
 * not part of valid UTF-8 as "\ooo" (three octal digits), so no field
 * holds a TAB or a line end.
 *
 * Bounds: the feature files together hold at most MAX_BYTES bytes of
 * lines; past that, occurrences are counted, not written, and each file
 * cut short ends with a comment line saying how many it lost.  The
 * histograms count at most MAX_VALUES distinct features (more are
 * counted in that comment too).  Same additions, same files.
 */
#ifndef CUSTODY_FEATURES_H
#define CUSTODY_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "custody/carve.h"
#include "custody/error.h"

#define CUST_FEATURES_DIR "bulk_extractor"
#define CUST_FEATURES_REPORT "report.xml"
#define CUST_FEATURES_MARK_MAX 48 /* bytes of a mark, with NUL */

struct cust_features;

/*
 * Create the folder DIR (it must not exist) and a feature file for each
 * kind of KINDS (CUST_CARVE_*), headed with VERSION and SOURCE (the
 * evidence's name, escaped).  Free with cust_features_close.
 */
struct cust_features *cust_features_new(const char *dir, unsigned kinds,
                                        const char *version,
                                        const char *source,
                                        uint64_t max_bytes, size_t max_values,
                                        struct cust_error *err);

/* One occurrence: hit H (its PATH and CONTEXT used when set) whose
 * forensic path is POS (the image offset, see above), MARK ("" or
 * "-FILE-N", "-MEMBER-N", "-VOLUME-N": shorter than
 * CUST_FEATURES_MARK_MAX) and H's
 * path; H->offset is not used. */
int cust_features_add(struct cust_features *f, const struct cust_carve_hit *h,
                      uint64_t pos, const char *mark, struct cust_error *err);

/* Occurrences not written because of the bounds. */
uint64_t cust_features_dropped(const struct cust_features *f);

/* Write the histograms, flush, fsync and close every file and free F
 * (also on failure, and for NULL); 0 only when every byte reached its
 * file.  WRITE_HISTOGRAMS 0 (a failed run) only closes. */
int cust_features_close(struct cust_features *f, int write_histograms,
                        struct cust_error *err);

#endif
