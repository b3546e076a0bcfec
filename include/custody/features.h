/*
 * features.h - targets written as bulk_extractor writes its feature files
 * and histograms, so that the tools that read bulk_extractor's output
 * (its viewer, identify_filenames.py, analysts' scripts) read custody's.
 *
 * Files, in a folder the writer creates (targets/bulk_extractor/):
 *
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
 * The forensic path is custody's place of the occurrence, '@', and its
 * offset there followed by its decoded path when it was found in a
 * decoded stream (decode.h), bulk_extractor's "5120-GZIP-678":
 *   p1:/var/log/mail.log.1.gz@5120-GZIP-678
 *   p1 (unallocated)@1048576
 * (the place may hold '@': the offset follows the last one).  The
 * feature is the normalised value; the context the raw bytes around the
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

/* One occurrence: hit H (its PATH and CONTEXT used when set) seen in
 * WHERE, its offset there BASE + H->offset. */
int cust_features_add(struct cust_features *f, const struct cust_carve_hit *h,
                      const char *where, uint64_t base,
                      struct cust_error *err);

/* Occurrences not written because of the bounds. */
uint64_t cust_features_dropped(const struct cust_features *f);

/* Write the histograms, flush, fsync and close every file and free F
 * (also on failure, and for NULL); 0 only when every byte reached its
 * file.  WRITE_HISTOGRAMS 0 (a failed run) only closes. */
int cust_features_close(struct cust_features *f, int write_histograms,
                        struct cust_error *err);

#endif
