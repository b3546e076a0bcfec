/*
 * analyze.h - what custody-extract learns from one file's content as it
 * streams past: its digests, its type (classify.h) and the targets in it
 * (carve.h).
 *
 * An analyzer belongs to one thread (it holds libmagic cookies and a
 * carver).  Its results go into a struct cust_analysis the caller owns, so
 * a worker can analyze a file and the committer apply the results later,
 * in walk order: targets found are either collected in the analysis (for
 * a later cust_analysis_replay) or handed at once to a sink.
 *
 * Types are cached by SHA-256 across analyzers (struct cust_type_cache):
 * file(1)'s answer depends on the content only, so a disk of a hundred
 * copies of one PHP panel pays libmagic once.  Without SHA-256 there is
 * no cache (a weaker digest's collisions could lend one file another's
 * type).
 */
#ifndef CUSTODY_ANALYZE_H
#define CUSTODY_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "custody/carve.h"
#include "custody/classify.h"
#include "custody/decode.h"
#include "custody/error.h"
#include "custody/rules.h"

/* Rules reported per content; more set rule_hits_truncated. */
#define CUST_ANALYSIS_RULE_HITS_MAX 32

/* Targets collected per analysis; more are counted as dropped. */
#define CUST_ANALYSIS_FOUND_MAX ((size_t)1 << 20)

struct cust_type_cache;

/* A cache of at most MAX_ENTRIES types, safe to share between threads. */
struct cust_type_cache *cust_type_cache_new(size_t max_entries,
                                            struct cust_error *err);
void cust_type_cache_free(struct cust_type_cache *c);
/* Lookups answered from the cache so far. */
uint64_t cust_type_cache_hits(const struct cust_type_cache *c);

struct cust_analysis_options {
	unsigned digests;  /* CUST_DIGEST_MD5 | SHA1 | SHA256; may be 0 */
	int types;         /* libmagic type and description */
	unsigned carve;    /* CUST_CARVE_* kinds; 0: no carving */
	struct cust_type_cache *cache; /* may be NULL */
	const struct cust_rules *rules; /* YARA rules to scan with, or NULL */
	/* keep the head of a streamed content even without types, for the
	 * extractors' identify steps (cust_analyzer_head) */
	int keep_head;
	/* with carve: streams decoded at any offset and carved (decode.h),
	 * slack included; their hits carry a PATH */
	int decode;
	/* The caller opens contents of this type as archives (their members
	 * are analyzed, and decoded, in turn): the hits of the content's
	 * decoded streams are then dropped, the members carry them.  They
	 * are held until the type is known, and reported at the end (after
	 * the hits of the content in the clear) otherwise.  With types, a
	 * content whose first bytes are gzip's, bzip2's or xz's (1f 8b 08,
	 * "BZh1".."BZh9", fd "7zXZ" 00), which libmagic names by them alone,
	 * is not decoded at all when this opens that type: its decode
	 * counts say left_to_archives 1 and nothing else.  Should libmagic
	 * name it otherwise after all, a content of at most
	 * CUST_CLASSIFY_BYTES (which the head holds) is decoded then; a
	 * larger one stays counted as left.  May be NULL. */
	int (*opens_archive)(const char *mime);
};

/* A target found, its value in the analysis' text. */
struct cust_found {
	enum cust_carve_kind kind;
	uint64_t offset, length;
	size_t value, value_len; /* in cust_analysis.text */
	size_t path;             /* in text, or SIZE_MAX: no path */
	size_t context, context_len, context_at; /* in text */
};

/* Targets go to the sink at once when one is given: the same call as a
 * carver's hit callback. */
struct cust_analysis {
	char md5[33], sha1[41], sha256[65]; /* "" when not computed */
	int typed;
	char mime[CUST_CLASSIFY_TEXT_MAX], description[CUST_CLASSIFY_TEXT_MAX];
	uint64_t bytes;  /* content bytes fed */
	/* collected targets (no sink) */
	struct cust_found *found;
	size_t nfound, found_cap;
	char *text;
	size_t text_len, text_cap;
	uint64_t found_dropped;
	/* hits held until the type is known (opens_archive) */
	struct cust_found *held;
	size_t nheld, held_cap;
	/* decoded streams (options.decode): the counts of the content, and
	 * of the slack when cust_analyze_carve decoded it */
	int decoded;
	struct cust_decode_stats decode;
	/* YARA (with rules): the rules that matched, or why none could */
	int scanned;
	struct cust_rule_hit *rule_hits; /* CUST_ANALYSIS_RULE_HITS_MAX,
	                                    allocated by the first scan */
	size_t nrule_hits;
	int rule_hits_truncated;
	char rules_error[CUST_ERROR_MESSAGE_MAX];
	/* internal */
	cust_carve_hit_fn sink;
	void *sink_ctx;
	unsigned char *head; /* the first CUST_CLASSIFY_BYTES, when streamed */
	size_t head_len;
};

struct cust_analyzer;

struct cust_analyzer *cust_analyzer_new(const struct cust_analysis_options *o,
                                        struct cust_error *err);
/* An analyzer typing through the classifier of TYPES_FROM (which must
 * outlive it and never classify at the same time): an archive member per
 * nesting level streams on its own digests and carver, while the types,
 * asked one at a time when each member ends, share one libmagic. */
struct cust_analyzer *cust_analyzer_new_sharing(
	const struct cust_analysis_options *o, struct cust_analyzer *types_from,
	struct cust_error *err);
void cust_analyzer_free(struct cust_analyzer *a);

/* An empty analysis; cust_analysis_clear frees what it collected. */
void cust_analysis_init(struct cust_analysis *r);
void cust_analysis_clear(struct cust_analysis *r);

/*
 * Analyze a content that streams: begin, feed its bytes in order, end.
 * SINK (may be NULL: collect) receives targets as they are found.  END
 * takes the file's last bytes (TAIL, up to CUST_CLASSIFY_BYTES; NULL when
 * the stream cannot be read again) and its SIZE, for the type as file(1)
 * sees it.  After a failure (-1) the analysis is unusable: clear it.
 */
int cust_analyzer_begin(struct cust_analyzer *a, struct cust_analysis *r,
                        cust_carve_hit_fn sink, void *sink_ctx,
                        struct cust_error *err);
int cust_analyzer_feed(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err);
int cust_analyzer_end(struct cust_analyzer *a, struct cust_analysis *r,
                      const void *tail, size_t tail_len, uint64_t size,
                      struct cust_error *err);

/* Bytes that are not a file's content (its slack): carved only, no
 * digests, type or rules. */
int cust_analyze_carve(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err);

/* The whole content in memory: begin, feed, end with its own tail. */
int cust_analyze_buffer(struct cust_analyzer *a, struct cust_analysis *r,
                        const void *buf, size_t len, cust_carve_hit_fn sink,
                        void *sink_ctx, struct cust_error *err);

/*
 * Scan a content with the YARA rules (a no-op without them): the whole
 * content in memory, or of SIZE bytes through PREAD.  cust_analyze_buffer
 * scans by itself; a streamed content is scanned after it ends.  A scan
 * that times out or cannot read is recorded in the analysis
 * (rules_error), not a failure.
 */
int cust_analyzer_scan(struct cust_analyzer *a, struct cust_analysis *r,
                       const void *buf, size_t len, struct cust_error *err);
int cust_analyzer_scan_reader(struct cust_analyzer *a,
                              struct cust_analysis *r, uint64_t size,
                              cust_rules_pread_fn pread, void *ctx,
                              struct cust_error *err);
/* Record why a content was not scanned (too large to hold, say). */
void cust_analysis_not_scanned(struct cust_analysis *r, const char *why);

/* Hand the collected targets to FN in the order they were found. */
int cust_analysis_replay(const struct cust_analysis *r, cust_carve_hit_fn fn,
                         void *ctx, struct cust_error *err);

/* The first bytes (at most CUST_CLASSIFY_BYTES) of the content A last
 * streamed (cust_analyzer_begin, _feed, _end) into *LEN: valid until A
 * begins another; NULL when A keeps no head (no types, no keep_head). */
const unsigned char *cust_analyzer_head(const struct cust_analyzer *a,
                                        size_t *len);

#endif
