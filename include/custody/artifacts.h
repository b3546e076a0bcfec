/*
 * artifacts.h - register other artifacts (photos of the seized server,
 * paperwork, a logical copy) as a sealed unit artifacts/<ID>/.
 *
 * Each file is copied into files/ of the unit, hashed while copied (MD5,
 * SHA-1, SHA-256), listed with its original path in artifacts.json, and
 * the unit is sealed and logged as "hashed".  Folders are walked without
 * following symlinks; a symlink or special file inside one is listed under
 * "skipped" with the reason, never followed.  Every path is checked before
 * the unit is created, so a bad argument leaves nothing behind.  The case
 * folder, a path inside it and a folder holding it are refused
 * (CUST_E_USAGE), compared by device and inode, so no spelling of the
 * path (relative, "..", a symlink argument, a bind mount) seals the case
 * into itself.
 */
#ifndef CUSTODY_ARTIFACTS_H
#define CUSTODY_ARTIFACTS_H

#include <stddef.h>
#include <jansson.h>

#include "custody/caseio.h"
#include "custody/error.h"
#include "custody/log.h"

#define CUST_ARTIFACTS_RECORD "artifacts.json"

struct cust_artifacts_params {
	char *const *paths; /* files and folders to register */
	size_t npaths;
	const char *item;   /* optional: the seized item they belong to */
	const char *note;   /* optional */
};

/* Register the artifacts as ACTOR with TOOL; *RECORD (when given) receives
 * the artifacts.json content, with "unit" and the logged "event". */
int cust_artifacts_register(struct cust_case *c,
                            const struct cust_artifacts_params *p,
                            const struct cust_actor *actor, const char *tool,
                            json_t **record, struct cust_error *err);

#endif
