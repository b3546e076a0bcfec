/*
 * classify.h - what a file is, by its content, through libmagic: the MIME
 * type and the description file(1) gives.
 *
 * A classifier holds its own libmagic cookies (libmagic is not safe to
 * share between threads: a worker takes its own classifier).  It sees a
 * file as file(1) sees it with `-P bytes=1048576`: the first
 * CUST_CLASSIFY_BYTES and, of a larger file, the last ones.  Names never
 * enter into it: an evidence file's extension proves nothing.
 */
#ifndef CUSTODY_CLASSIFY_H
#define CUSTODY_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

#include "custody/error.h"

#define CUST_CLASSIFY_BYTES ((size_t)1 << 20)
#define CUST_CLASSIFY_TEXT_MAX 256 /* bytes of a MIME type or description */

struct cust_classifier;

/* A classifier with libmagic's default database.  NULL on failure. */
struct cust_classifier *cust_classifier_new(struct cust_error *err);
void cust_classifier_free(struct cust_classifier *c);

/*
 * Classify the content BUF[0..LEN) (its first CUST_CLASSIFY_BYTES at
 * most): MIME receives the type ("text/x-php"), DESC the description
 * ("PHP script, ASCII text"), each cut at CUST_CLASSIFY_TEXT_MAX - 1 bytes
 * and made one line of printable text.  An empty buffer is
 * "inode/x-empty", "empty", as file(1) says.
 */
int cust_classify(struct cust_classifier *c, const void *buf, size_t len,
                  char mime[CUST_CLASSIFY_TEXT_MAX],
                  char desc[CUST_CLASSIFY_TEXT_MAX], struct cust_error *err);

/*
 * Classify a file of SIZE bytes seen as file(1) sees it: its first
 * HEAD_LEN bytes (up to CUST_CLASSIFY_BYTES) and, for a larger file, its
 * last TAIL_LEN bytes (up to CUST_CLASSIFY_BYTES; some types are told by
 * their end: a gzip's original size, a zip's central directory).
 */
int cust_classify_file(struct cust_classifier *c, const void *head,
                       size_t head_len, const void *tail, size_t tail_len,
                       uint64_t size, char mime[CUST_CLASSIFY_TEXT_MAX],
                       char desc[CUST_CLASSIFY_TEXT_MAX],
                       struct cust_error *err);

#endif
