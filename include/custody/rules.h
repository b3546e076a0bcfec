/*
 * rules.h - the examiner's YARA rules, compiled with libyara and run over
 * file contents and archive members.
 *
 * Loading.  cust_rules_load compiles every regular file named *.yar or
 * *.yara below a folder, subfolders included (at most
 * CUST_RULES_DEPTH_MAX levels down, CUST_RULES_FILES_MAX files, each at
 * most CUST_RULES_FILE_MAX bytes).  Names starting with '.' are skipped
 * (editor and version-control files); symbolic links are never followed:
 * one named like a rule file is an error, any other is skipped.  The files
 * are compiled in the byte order of their paths relative to the folder
 * (as `LC_ALL=C sort` orders them), each in its own namespace, that
 * relative path.  `include` is refused: every rule file of the folder is
 * compiled on its own, so an index file would compile its rules twice.
 * A file is read once: what is compiled is what is hashed.
 *
 * The digest.  cust_rules_digest is the SHA-256 of the listing sha256sum
 * prints for the rule files in that order, which anyone can recompute:
 *
 *     cd DIR && find . -name '.?*' -prune -o -type f \
 *         \( -name '*.yar' -o -name '*.yara' \) -print | sed 's|^\./||' |
 *         LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
 *
 * For that listing to need no escaping, a rule file's relative path must
 * be valid UTF-8 without control characters or backslash, shorter than
 * CUST_RULES_NS_MAX bytes.
 *
 * Scanning.  A compiled set is shared read-only by any number of threads;
 * each thread scans through a scanner of its own.  Matching rules come as
 * struct cust_rule_hit in the order of the compiled set (namespaces in the
 * order above, then rules in file order); private rules are helpers and
 * are not reported.  Everything in a hit is printable, one-line UTF-8:
 * strings from the rules pass through cust_walk_escape and are cut to
 * their field (tags at a tag boundary).
 *
 * Content too large to hold is scanned through a reader in blocks of
 * CUST_RULES_BLOCK bytes, each read with the next CUST_RULES_OVERLAP
 * bytes after it.  libyara scans every block on its own and drops a match
 * found twice at the same offset, so:
 *  - a string match of at most CUST_RULES_OVERLAP bytes is found wherever
 *    it lies, exactly once, as in a buffer scan (counts #a and offsets @a
 *    are the same); a longer one is found only when it fits in one block
 *    with its overlap;
 *  - uint8..uint32(i) and friends read from the first block holding the
 *    whole integer, so they see the content as a buffer scan does;
 *  - a test on the bytes just before a match (fullword, regex anchors)
 *    sees no byte before the start of a block.
 * filesize is the content's size in both paths.
 *
 * Bounds.  Every scan stops after the scanner's timeout (default
 * CUST_RULES_TIMEOUT_DEFAULT seconds).  libyara keeps at most 1,000,000
 * matches per string per scan (beyond that the string stops matching)
 * and, as set here for the whole process, no copy of the matched bytes.
 */
#ifndef CUSTODY_RULES_H
#define CUSTODY_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

#define CUST_RULES_DEPTH_MAX 8             /* subfolder levels below DIR */
#define CUST_RULES_FILES_MAX 10000         /* rule files in DIR */
#define CUST_RULES_FILE_MAX (64u << 20)    /* bytes of one rule file */
#define CUST_RULES_NS_MAX 256              /* bytes of a namespace, with NUL */
#define CUST_RULES_BLOCK (1u << 20)        /* block of a reader scan */
#define CUST_RULES_OVERLAP (64u << 10)     /* bytes read past each block */
#define CUST_RULES_TIMEOUT_DEFAULT 60      /* seconds */
#define CUST_RULES_TIMEOUT_MAX 86400       /* seconds */

/* A compiled rule set: read-only once loaded, shared by threads. */
struct cust_rules;

/* A scan context of one thread over one rule set. */
struct cust_rules_scanner;

/*
 * Compile the rule files below DIR as described at the top of this file.
 * CUST_E_USAGE when DIR cannot be opened, holds no rule file or no rule,
 * breaks a bound above, holds a symbolic link or other non-regular file
 * named like a rule file, or a rule file does not compile: the message
 * is then "DIR/PATH:LINE: libyara's message".  CUST_E_IO when a file
 * cannot be read or memory runs out.  Free with cust_rules_free.
 */
struct cust_rules *cust_rules_load(const char *dir, struct cust_error *err);

/* Free R (NULL is fine).  Every scanner of R must be freed first. */
void cust_rules_free(struct cust_rules *r);

/* The number of rules compiled, private and global ones included. */
size_t cust_rules_count(const struct cust_rules *r);

/* The number of rule files compiled. */
size_t cust_rules_files(const struct cust_rules *r);

/* The digest described at the top of this file: 64 lower-case hex
 * characters, owned by R.  "" for a bad handle. */
const char *cust_rules_digest(const struct cust_rules *r);

/* A scanner over R for the calling thread (R must outlive it), with the
 * default timeout.  CUST_E_IO when libyara cannot make one. */
struct cust_rules_scanner *cust_rules_scanner_new(const struct cust_rules *r,
                                                  struct cust_error *err);

/* Free S (NULL is fine). */
void cust_rules_scanner_free(struct cust_rules_scanner *s);

/* Every later scan of S stops after SECONDS (1..CUST_RULES_TIMEOUT_MAX);
 * libyara counts whole seconds.  CUST_E_USAGE for another value. */
int cust_rules_scanner_set_timeout(struct cust_rules_scanner *s,
                                   unsigned seconds, struct cust_error *err);

/* One matching rule. */
struct cust_rule_hit {
	char rule[128];             /* rule identifier */
	char ns[CUST_RULES_NS_MAX]; /* namespace: rule file's relative path */
	char extractor[64];         /* meta "extractor" (the first one, a
	                             * string) or "" */
	char tags[256];             /* tags separated by one space, or "" */
	uint64_t offset;            /* lowest offset of a match of one of the
	                             * rule's strings, or UINT64_MAX when the
	                             * rule matched by its condition alone */
};

/*
 * Scan the SIZE bytes of BUF.  Matching rules fill HITS in the order
 * described above: at most MAXHITS of them (HITS may be NULL when MAXHITS
 * is 0); *NHITS receives the number kept and *TRUNCATED 1 when more rules
 * matched, else 0 (either pointer may be NULL).  Returns 0, or -1:
 * CUST_E_INPUT "YARA scan timed out" when the timeout ended the scan (the
 * hits reported before it are kept), CUST_E_INPUT for another failure of
 * libyara on this content, CUST_E_IO when memory runs out.
 */
int cust_rules_scan(struct cust_rules_scanner *s, const void *buf, size_t size,
                    struct cust_rule_hit *hits, size_t maxhits, size_t *nhits,
                    int *truncated, struct cust_error *err);

/*
 * Read up to LEN bytes of the content at offset OFF into BUF: the number
 * read (0 only at the end of the content), or -1 on failure.
 */
typedef long (*cust_rules_pread_fn)(void *ctx, void *buf, size_t len,
                                    uint64_t off);

/*
 * As cust_rules_scan over content of SIZE bytes read through PREAD(CTX,
 * ...) in blocks, as described at the top of this file; the scanner holds
 * one block and its overlap in memory.  A read that fails or ends before
 * SIZE stops the scan: -1, CUST_E_INPUT naming the offset (what was
 * reported before is kept).
 */
int cust_rules_scan_reader(struct cust_rules_scanner *s, uint64_t size,
                           cust_rules_pread_fn pread, void *ctx,
                           struct cust_rule_hit *hits, size_t maxhits,
                           size_t *nhits, int *truncated,
                           struct cust_error *err);

/*
 * A rule routes what it found to an extractor by naming it in its meta
 * "extractor" (hit->extractor); custody-extract looks the name up among
 * the extractors (extractor.h, cust_extractor_find): a file a rule routes
 * is given to that extractor, and the rule hit on the inventory line
 * says "extractor": {"name": NAME, "status": "available"}, or
 * "extractor": {"name": NAME, "status": "not available"} when no
 * extractor has that name (evidence-schema/inventory.schema.json).
 */

#endif
