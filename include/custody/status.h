/*
 * status.h - the state of a case at a glance, for custody-case status.
 *
 * Above both the case (caseio.h) and its units (unit.h): it reads the
 * case record, the items, every unit and the custody log, and checks
 * nothing (verify.h does).
 */
#ifndef CUSTODY_STATUS_H
#define CUSTODY_STATUS_H

#include <jansson.h>

#include "custody/caseio.h"
#include "custody/error.h"

/*
 * The state of the case C as one object: the case record, the items,
 * every unit with its state (sealed, partial, foreign), the log's length
 * and last event, and what interrupted runs or a torn log left
 * ("unfinished", cust_recover_assess in recover.h).  New reference or
 * NULL.
 */
json_t *cust_case_status(const struct cust_case *c, struct cust_error *err);

#endif
