/*
 * run.h - the record of a command at work on a case, so that a run cut
 * short (kill -9, a power cut, a full disk) is told from tampering, and is
 * never silently papered over.
 *
 * Before a command that writes to a case does any work, it leaves
 * CASE/runs/<host>-<pid>-<start>.json, one line of canonical JSON:
 *
 *   {"type": "custody-run", "version": 1, "tool": "custody-hash",
 *    "pid": 4242, "host": "lab-7", "boot_id": "...", "start_ticks": N,
 *    "started": TIME, "events_at_start": N, "units": ["artifacts/E001-H1"]}
 *
 * "units" names each unit the run is about to seal, written before the
 * unit's folder is renamed into place.  The record goes away when the run
 * leaves the case consistent again: every unit it sealed is in the log,
 * and every event it appended is covered by the checkpoint.  A record
 * left behind by a process that no longer runs is an interrupted run:
 * custody-case status and custody-verify name it, the next command is
 * refused while it left something unfinished (a unit not logged, events
 * past the checkpoint), and custody-case recover (recover.h) records it
 * in the log on the examiner's word.  A process is known alive only on
 * the host and boot that wrote the record (pid and start time, as
 * /proc gives them); a record of another host is reported as "unknown".
 */
#ifndef CUSTODY_RUN_H
#define CUSTODY_RUN_H

#include <stdint.h>
#include <jansson.h>

#include "custody/error.h"

#define CUST_RUNS_DIR "runs"
/* Largest run record read, and most records looked at. */
#define CUST_RUN_RECORD_MAX (64u * 1024)
#define CUST_RUNS_MAX 4096u

struct cust_run;

/*
 * Write the record of a run of TOOL on the case at CASE_DIR, whose log
 * holds EVENTS events now.  What must hold before (the log can take an
 * event, no interrupted run left the case unfinished) is checked by
 * cust_recover_start (recover.h), which commands call instead.  NULL on
 * failure.
 */
struct cust_run *cust_run_begin(const char *case_dir, const char *tool,
                                uint64_t events, struct cust_error *err);

/* The name of the host this process runs on (static storage): what run
 * records and custody events name. */
const char *cust_run_host(void);

/* Note UNIT (case-relative: "artifacts/E001-H1") in the record before it
 * is sealed.  RUN may be NULL (nothing to do). */
int cust_run_sealing(struct cust_run *run, const char *unit,
                     struct cust_error *err);

/* Tell RUN (may be NULL) that event SEQ was appended, naming UNIT (may be
 * NULL); and that a checkpoint of EVENTS events was written. */
void cust_run_logged(struct cust_run *run, uint64_t seq, const char *unit);
void cust_run_checkpointed(struct cust_run *run, uint64_t events);

/* 1 when RUN appended an event. */
int cust_run_appended(const struct cust_run *run);

/* 1 when RUN (may be NULL) left the case consistent: every unit it noted
 * is logged and its events are checkpointed. */
int cust_run_consistent(const struct cust_run *run);

/*
 * Finish RUN: when it left the case consistent its record is removed,
 * otherwise it stays for custody-case recover.  Returns 0, 1 when the
 * record stays, -1 when it could not be removed.  Frees RUN (NULL is
 * fine, and returns 0).
 */
int cust_run_end(struct cust_run *run, struct cust_error *err);

/*
 * The run records of the case, sorted by file name: an array of
 *   {"file": "runs/NAME", "tool", "pid", "host", "started",
 *    "events_at_start", "units": [...],
 *    "state": "running"|"interrupted"|"unknown"|"unreadable",
 *    "problem": "..." (unreadable only)}
 * "unknown": written on another host or boot, so whether it still runs
 * cannot be told.  NULL with ERR when the folder cannot be read.
 */
json_t *cust_run_list(const char *case_dir, struct cust_error *err);

/* Remove the record FILE ("runs/NAME", as listed) of the case. */
int cust_run_remove(const char *case_dir, const char *file,
                    struct cust_error *err);

/* "TOOL (pid P on HOST, started TIME)": how messages name RUN, a record
 * as cust_run_list gives it, into BUF. */
const char *cust_run_describe(const json_t *run, char *buf, size_t size);

#endif
