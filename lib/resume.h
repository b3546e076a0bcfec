/*
 * resume.h (private) - what an acquisition leaves in its partial unit so
 * that `custody-image --resume` can go on after Ctrl-C, kill -9 or a power
 * loss:
 *   resume.json     the plan: source identity, format, segment and block
 *                   size, digests, start time, note
 *   blocks.partial  "<index> <sha256>" of every block hashed so far
 *   errors.partial  "<offset> <length> <status>" of every unreadable range
 *                   that can no longer grow
 * The image files themselves say how much was written; the block hashes
 * say which of it can be trusted.  The three files are removed before the
 * unit is sealed.
 */
#ifndef CUSTODY_RESUME_H
#define CUSTODY_RESUME_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/source.h"

#define RESUME_PLAN "resume.json"
#define RESUME_BLOCKS "blocks.partial"
#define RESUME_ERRORS "errors.partial"

struct resume_state {
	int blocks_fd, errors_fd;
	size_t ranges_saved; /* ranges of the source already in errors.partial */
};

/* Write PLAN as DIR/resume.json (replacing one left by a run that is being
 * resumed) and start blocks.partial and errors.partial afresh. */
int resume_state_begin(struct resume_state *st, const char *dir,
                       const json_t *plan, struct cust_error *err);

/* A digest-engine on_block callback: append one block hash.  Best effort:
 * a state file that cannot be written costs only the ability to resume. */
void resume_state_block(void *ctx, uint64_t index, const unsigned char hash[32]);

/* Append the ranges of SRC that end before its position (they can no
 * longer merge with a later one). */
void resume_state_ranges(struct resume_state *st, const struct cust_source *src);

/* Close and remove the state files (before sealing). */
int resume_state_end(struct resume_state *st, const char *dir,
                     struct cust_error *err);

/* Close the state files and leave them (the run stops unfinished). */
void resume_state_close(struct resume_state *st);

/* DIR/resume.json, or NULL. */
json_t *resume_state_plan(const char *dir, struct cust_error *err);

/* The block hashes saved in DIR (at most MAX; a torn last line ends the
 * list).  *HASHES is malloc'd, *N of them. */
int resume_state_blocks(const char *dir, uint64_t max,
                        unsigned char (**hashes)[32], uint64_t *n,
                        struct cust_error *err);

/* The ranges saved in DIR that start below LIMIT, cut at LIMIT. */
int resume_state_errors(const char *dir, uint64_t limit,
                        struct cust_source_range **ranges, size_t *n,
                        struct cust_error *err);

#endif
