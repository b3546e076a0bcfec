/*
 * recover.h - what an interrupted run or a torn log left in a case, the
 * check every writing command makes before it starts, and the examiner's
 * recovery.
 *
 * A case can be left unfinished without anyone tampering with it: a power
 * cut tears the log's last line; a command killed between sealing a unit
 * and logging it leaves a unit with no event; one killed between logging
 * and writing the checkpoint leaves events the checkpoint does not cover.
 * Run records (run.h) tell these apart from tampering.  No command works
 * on an unfinished case, so nothing covers the damage silently (a new
 * checkpoint over events nobody explains, a duplicate event); and nothing
 * repairs it on its own: custody-case recover, run by the examiner, keeps
 * the evidence of the interruption in a sealed unit and records it in the
 * log as a `recovered` event.
 */
#ifndef CUSTODY_RECOVER_H
#define CUSTODY_RECOVER_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/log.h"

struct cust_run;

/* The unit folder of recoveries, and the files of a recovery unit. */
#define CUST_RECOVERIES_DIR "recoveries"
#define CUST_RECOVERY_RECORD "recovery.json"
#define CUST_RECOVERY_TORN "torn-tail.bin"
/* Largest torn tail kept (custody's own lines are at most 64 KiB). */
#define CUST_RECOVERY_TORN_MAX (64u * 1024 * 1024)

/*
 * What is unfinished in the case at CASE_DIR, as one object:
 *   {"torn": {"offset", "length"} | null,   bytes after the last newline
 *    "events": N, "checkpointed": M,        log lines; checkpoint's count
 *    "runs": [...],                         cust_run_list's records
 *    "unlogged": [{"unit", "run"}],         units a run noted, not logged
 *    "uncovered": {"first", "last", "explained_by": [run files]} | null,
 *    "unfinished": true|false}
 * "uncovered" names the events past the checkpoint, and the interrupted
 * runs that began before them; "unfinished" is true when anything here
 * needs custody-case recover.  Events past the checkpoint are left to a
 * run at work now, or one on another host, which may be between its
 * events and its checkpoint.
 */
json_t *cust_recover_assess(const char *case_dir, struct cust_error *err);

/*
 * What every command that writes to a case calls before any work: the log
 * can take an event (cust_log_prepare), no interrupted run left the case
 * unfinished (CUST_E_INCOMPLETE naming it and custody-case recover; a
 * record of an interrupted run that left nothing behind is removed), and
 * then this run's record (run.h).  NULL on failure.
 */
struct cust_run *cust_recover_start(const char *case_dir, const char *tool,
                                    struct cust_error *err);

/*
 * Recover the case at CASE_DIR as ACTOR: a torn tail is kept as
 * torn-tail.bin in a new unit recoveries/R<n>/ and cut from the log; the
 * units interrupted runs sealed but did not log, and the events past the
 * checkpoint, are listed in its recovery.json; the unit is sealed with a
 * `recovered` event whose details name them (custody-verify then takes
 * those units as logged, and says how), and the records of the runs are
 * removed.  Refused while a run is still going on this host.  *RECORD
 * receives the recovery record, or NULL when there was nothing to recover.
 * The recovery is itself a run: ACTOR->run (NULL on entry) receives its
 * handle, which the caller ends (cust_run_end) after it has written the
 * checkpoint, on success and on failure.
 */
int cust_recover(const char *case_dir, struct cust_actor *actor,
                 const char *tool, json_t **record, struct cust_error *err);

#endif
