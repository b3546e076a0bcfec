/*
 * botconfigs.h - the extraction's side of the extractors (extractor.h):
 * which files they take, the knowledge they share, their records and the
 * target lists made of them.
 *
 * During the walk every file's head is offered to the extractors' identify
 * steps (cust_botconfigs_identify, from any thread); a file one of them
 * takes is a file of interest, copied to the unit's objects/ store, and
 * noted with where it was found (cust_botconfigs_note, from the one thread
 * that writes the inventory).  After the walk, cust_botconfigs_finish
 * parses every noted content from its copy, in the order of the contents'
 * SHA-256, in rounds: each round uses all that the round before learned
 * (a key in config.txt opens config.bin whichever came first on the
 * disk), until the knowledge stops growing (at most
 * CUST_BOTCONFIGS_ROUNDS rounds).  Parsing after the walk from the copies
 * makes the records the same whatever the order of the walk or the number
 * of workers, and every record points at content kept in the unit.
 *
 * Files written into the unit:
 *   botconfigs.jsonl            one record a line (botconfig.schema.json),
 *                               sorted by the first place of the content,
 *                               then extractor; provenance and derived_from
 *                               added
 *   targets/c2.csv              endpoint,usage,family,records,first_path
 *                               (each endpoint once per usage, sorted by
 *                               usage, then endpoint)
 *   targets/webinjects.csv      pattern,flags,host,injects,family,sha256,path
 *   targets/victims.csv         bot_id,ip,country,os,first_seen,last_seen,
 *                               sha256,path
 *   targets/recipients.csv      value,sha256,path
 *   targets/smtp-relays.csv     host,port,sha256,path
 * Each CSV has its header line and is written only when the extraction
 * found a bot configuration; fields are quoted as RFC 4180 says.
 */
#ifndef CUSTODY_BOTCONFIGS_H
#define CUSTODY_BOTCONFIGS_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/extractor.h"

#define CUST_BOTCONFIGS_FILE "botconfigs.jsonl"
#define CUST_BOTCONFIGS_ROUNDS 4
/* Most contents noted, and most places kept for one content. */
#define CUST_BOTCONFIGS_MAX 100000u
#define CUST_BOTCONFIGS_PLACES_MAX 64u

struct cust_botconfigs;

struct cust_botconfigs_options {
	/* the extractors to run, by name (--extractors), or NULL for all */
	const char *const *only;
	size_t nonly;
	/* keys given by hand (--key-hint), tried as RC4 keys */
	const char *const *hints;
	size_t nhints;
};

/* NULL with CUST_E_USAGE when ONLY names an extractor that does not
 * exist. */
struct cust_botconfigs *
cust_botconfigs_new(const struct cust_botconfigs_options *o,
                    struct cust_error *err);
void cust_botconfigs_free(struct cust_botconfigs *b);

/* The names of the extractors that take IN, as a new JSON array, or NULL
 * when none does.  Identify steps only: safe from any thread. */
json_t *cust_botconfigs_identify(const struct cust_botconfigs *b,
                                 const struct cust_x_input *in);

/*
 * Note content SHA256 (its copy is in the store) of SIZE bytes, taken by
 * the extractors NAMES (an array of strings), found at PLACE ({"partition",
 * "path", "meta_addr"...}, borrowed).  The same content noted again adds
 * its place.  Not thread-safe: one thread notes.
 */
int cust_botconfigs_note(struct cust_botconfigs *b, const char *sha256,
                         uint64_t size, const json_t *place,
                         const json_t *names, struct cust_error *err);

/*
 * Parse every noted content from OBJECTS_DIR/<aa>/<sha256>, in rounds, and
 * write botconfigs.jsonl and the target lists into UNIT_DIR.  *SUMMARY
 * receives {"records": N, "families": [...], "by_family": {F: N},
 * "by_kind": {K: N}, "by_status": {S: N}, "targets": {"c2": N, ...},
 * "rounds": R, "keys_learned": N}.
 */
int cust_botconfigs_finish(struct cust_botconfigs *b, const char *unit_dir,
                           const char *objects_dir, json_t **summary,
                           struct cust_error *err);

#endif
