/*
 * caseio.h - the case folder and its seized items.
 *
 *   CASE/case.json              the case record
 *   CASE/custody.log            the custody log (log.h)
 *   CASE/custody.checkpoint     its checkpoint, with .p7s and .p7s.tsr
 *                               (checkpoint.h, attest.h)
 *   CASE/items/<ITEM>/item.json one record per seized item, alone in its
 *                               folder
 *   CASE/{acquisitions,artifacts,extractions,reports}/  sealed units (unit.h)
 *   CASE/examiners/             examiner certificates (sign.h)
 *   CASE/{checkpoints,runs,recoveries}/  kept by custody too
 *
 * Nothing else belongs at the top of a case, and every folder above is a
 * folder, never a symlink: custody never follows one there.  Records are
 * written once, canonically (json.h), and never rewritten.
 */
#ifndef CUSTODY_CASEIO_H
#define CUSTODY_CASEIO_H

#include <jansson.h>

#include "custody/error.h"
#include "custody/log.h"

#define CUST_CASE_RECORD "case.json"
#define CUST_CASE_FORMAT 1 /* format_version of the records written here */
#define CUST_CASE_ITEMS "items"
#define CUST_ITEM_RECORD "item.json"

/* What an entry at the top of a case folder is to custody. */
enum cust_case_entry {
	CUST_CASE_ENTRY_UNKNOWN,  /* nothing custody writes */
	CUST_CASE_ENTRY_FILE,     /* case.json, custody.log, the checkpoint,
	                           * its signature and its token */
	CUST_CASE_ENTRY_FOLDER,   /* items, examiners, a unit kind (unit.h),
	                           * checkpoints, runs, recoveries */
	CUST_CASE_ENTRY_TEMPORARY /* the temporary name of one of the files
	                           * but the log (fsutil.h): a write
	                           * interrupted before its rename, or still
	                           * running */
};

/* What the entry NAME at the top of a case folder is. */
enum cust_case_entry cust_case_entry_kind(const char *name);

struct cust_case_params {
	const char *number;    /* required: the agency's case number */
	const char *title;     /* required */
	const char *examiner;  /* required: the lead examiner */
	const char *agency;    /* optional */
	const char *authority; /* optional: warrant, court order */
};

/*
 * Create a case in DIR, which must not exist or be an empty folder:
 * case.json with a new random id, the empty custody log, the unit folders,
 * and the "case-created" event logged as the lead examiner by TOOL.  With
 * RECORD, *RECORD receives a new reference to case.json's content.
 */
int cust_case_init(const char *dir, const struct cust_case_params *p,
                   const char *tool, json_t **record, struct cust_error *err);

struct cust_case;

/* Open the case at DIR: case.json must be present and well-formed. */
struct cust_case *cust_case_open(const char *dir, struct cust_error *err);
void cust_case_free(struct cust_case *c);

/* The folder and the case record (borrowed, valid until free). */
const char *cust_case_dir(const struct cust_case *c);
const json_t *cust_case_record(const struct cust_case *c);

/*
 * The examiner acting now: EXAMINER when given, else $CUSTODY_EXAMINER,
 * else the case's lead examiner.  Borrowed strings.
 */
void cust_case_actor(const struct cust_case *c, const char *examiner,
                     struct cust_actor *actor);

/* Check that REC has the shape of a case record; NAME labels messages. */
int cust_case_check_record(const json_t *rec, const char *name,
                           struct cust_error *err);

struct cust_item_params {
	const char *id; /* required, an id (fsutil.h) */
	const char *exhibit, *description, *make, *model, *serial;
	const char *seized_at, *seized_on, *seized_by, *seal;
};

/*
 * Register a seized item: items/<ID>/item.json (an item never replaces
 * another) and the "item-added" event.  SEIZED_ON must be an RFC 3339 time
 * and is stored in UTC.  With RECORD, the item record.
 */
int cust_case_add_item(struct cust_case *c, const struct cust_item_params *p,
                       const struct cust_actor *actor, const char *tool,
                       json_t **record, struct cust_error *err);

/* The record of item ID, or NULL (CUST_E_USAGE "no item ..." when absent,
 * CUST_E_INPUT when malformed, or when items/ or items/ID is a symlink or
 * not a folder). */
json_t *cust_case_load_item(const struct cust_case *c, const char *id,
                            struct cust_error *err);

/* Check that REC has the shape of an item record whose id is ID. */
int cust_item_check_record(const json_t *rec, const char *id, const char *name,
                           struct cust_error *err);

/* The ids of every items/ entry, sorted (a new JSON array of strings);
 * CUST_E_INPUT when items/ is a symlink or not a folder. */
json_t *cust_case_item_ids(const struct cust_case *c, struct cust_error *err);

#endif
