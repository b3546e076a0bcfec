/*
 * targets.h - target lists: the distinct values of every kind carved from
 * a source (email addresses, domains, URLs, IP addresses, card numbers,
 * Bitcoin and onion addresses, phone numbers, MAC addresses, host:port
 * pairs), with a count and the first place each was seen, written as CSV
 * files (and every occurrence as JSON Lines).
 *
 * Values come from hostile data.  The collector keeps at most MAX_VALUES
 * distinct values and MAX_BYTES bytes of values and places; an occurrence
 * of a new value past either cap is not stored but counted as dropped (see
 * cust_targets_stats), so memory is bounded and the loss is never silent.
 *
 * Files written by cust_targets_write into DIR (created, never replaced):
 *
 *   emails.csv  domains.csv  urls.csv   value,count,first_seen,first_offset
 *   ccns.csv  bitcoin.csv  onions.csv   value,count,first_seen,first_offset
 *   phones.csv  macs.csv  hostports.csv value,count,first_seen,first_offset
 *   ips.csv                             value,count,first_seen,first_offset,class
 *
 * One header line, then one row per distinct value sorted by the bytes of
 * the value (IPv4 and IPv6 together in ips.csv), lines ended by "\n".
 * Fields holding a comma, a double quote, CR or LF are quoted as RFC 4180
 * says, inner quotes doubled.  first_seen is the caller's WHERE of the
 * first occurrence added, first_offset its offset there: decimal digits,
 * or for a value first found in a decoded stream (decode.h) the offset
 * followed by its forensic path, "5120-GZIP-678"; class is
 * cust_carve_ip_class's.  The same additions in the same order give
 * byte-identical files.
 */
#ifndef CUSTODY_TARGETS_H
#define CUSTODY_TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "custody/carve.h"
#include "custody/error.h"

/* Longest WHERE kept as given, in bytes: a forensic path such as
 * "p2:/var/www/panel.zip!install/config.php (slack)", whose path is at
 * most CUST_WALK_PATH_MAX, with its partition and suffix.  A longer WHERE
 * is kept shortened (place.h), never refused: one place a suspect made
 * long must not stop an extraction. */
#define CUST_TARGETS_WHERE_MAX (4096 + 64)

struct cust_targets;

/* A collector keeping at most MAX_VALUES distinct values and MAX_BYTES
 * bytes of them and of their places (both at least 1). */
struct cust_targets *cust_targets_new(size_t max_values, size_t max_bytes,
                                      struct cust_error *err);

/* Release T; NULL is accepted. */
void cust_targets_free(struct cust_targets *t);

/*
 * Count one occurrence of VALUE[0..LEN) of KIND (one CUST_CARVE_* bit),
 * seen at OFFSET in WHERE (NUL-terminated, escaped, copied; shortened past
 * CUST_TARGETS_WHERE_MAX).  VALUE is 1 to
 * CUST_CARVE_VALUE_MAX bytes without NUL.  An occurrence that does not fit
 * under the caps is dropped and counted, and still returns 0.
 */
int cust_targets_add(struct cust_targets *t, enum cust_carve_kind kind,
                     const char *value, size_t len, const char *where,
                     uint64_t offset, struct cust_error *err);

struct cust_targets_stats {
	uint64_t distinct;    /* distinct values kept */
	uint64_t occurrences; /* occurrences counted for them */
	uint64_t dropped;     /* occurrences of values not kept (caps) */
};

/* As cust_targets_add, for an occurrence in a decoded stream: PATH is the
 * forensic path that follows OFFSET (decode.h: "-GZIP-678", shorter than
 * CUST_DECODE_PATH_MAX), or NULL as cust_targets_add. */
int cust_targets_add_at(struct cust_targets *t, enum cust_carve_kind kind,
                        const char *value, size_t len, const char *where,
                        uint64_t offset, const char *path,
                        struct cust_error *err);

/* The counts for KIND (one CUST_CARVE_* bit); zeros for anything else. */
struct cust_targets_stats cust_targets_stats(const struct cust_targets *t,
                                             enum cust_carve_kind kind);

/* Write emails.csv, domains.csv, urls.csv, ips.csv, ccns.csv, bitcoin.csv,
 * onions.csv, phones.csv, macs.csv and hostports.csv into the existing
 * folder DIR (each kind's file even when it has no value: a header line);
 * none may exist yet.  A file half written is removed. */
int cust_targets_write(const struct cust_targets *t, const char *dir,
                       struct cust_error *err);

/*
 * Every occurrence as JSON Lines: one canonical object per line,
 *   {"kind":"url","length":31,"offset":4096,"value":"...","where":"..."}
 * and "path" (decode.h's forensic path after OFFSET) for an occurrence in
 * a decoded stream, LENGTH then counting bytes of the decoded stream.
 * Values and places must be valid UTF-8 (they are refused otherwise).
 */
struct cust_targets_log;

/* Create PATH (it must not exist) for occurrences. */
struct cust_targets_log *cust_targets_log_new(const char *path,
                                              struct cust_error *err);

/* Append one occurrence: LENGTH raw bytes at OFFSET of WHERE (shortened
 * as cust_targets_add shortens it). */
int cust_targets_log_add(struct cust_targets_log *l, enum cust_carve_kind kind,
                         const char *value, size_t len, const char *where,
                         uint64_t offset, uint64_t length,
                         struct cust_error *err);

/* As cust_targets_log_add, with PATH (or NULL) as cust_targets_add_at's. */
int cust_targets_log_add_at(struct cust_targets_log *l,
                            enum cust_carve_kind kind, const char *value,
                            size_t len, const char *where, uint64_t offset,
                            const char *path, uint64_t length,
                            struct cust_error *err);

/* Flush, fsync and close the file, and free L (also on failure, and for
 * NULL); 0 only when every line reached the file. */
int cust_targets_log_close(struct cust_targets_log *l, struct cust_error *err);

#endif
