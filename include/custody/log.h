/*
 * log.h - the custody log.
 *
 * CASE/custody.log holds one JSON object per line, in canonical form
 * (json.h), each naming the SHA-256 of the line before it in "prev" (64
 * zeros on the first line) and numbered by "seq" from 1.  Lines are only
 * ever appended, under an exclusive lock, in a single write followed by
 * fsync, so parallel commands never lose or interleave events.
 *
 * What the chain proves: a line changed, removed, inserted or moved breaks
 * the link or the numbering at a line custody-verify names.  What it does
 * not prove on its own: that the last lines were not cut off or rewritten
 * together with their successors; signed checkpoints close that gap.
 */
#ifndef CUSTODY_LOG_H
#define CUSTODY_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "custody/error.h"
#include "custody/fsutil.h"

#define CUST_LOG_NAME "custody.log"
/* Longest line custody writes or accepts. */
#define CUST_LOG_LINE_MAX (64u * 1024)
/* Longest text field of an event and longest "details": with them every
 * event fits in one line, checked before any work that the event records. */
#define CUST_EVENT_FIELD_MAX 4096u
#define CUST_EVENT_DETAILS_MAX (16u * 1024)
/* Free space a command wants on the case's file system before it starts:
 * room for its events, the checkpoint and its signature. */
#define CUST_LOG_ROOM_MIN (256u * 1024)

struct cust_signer;
struct cust_run;

/* Who acted: the examiner's name and, when the examiner signs, the signer
 * and its certificate's fingerprint (both NULL otherwise), and the RFC 3161
 * authority that timestamps the signatures (NULL for none; see attest.h).
 * WARNING, when not NULL, is the caller's buffer of WARNING_SIZE bytes
 * where a timestamp that could not be had is reported: the work it was
 * for still succeeded. */
struct cust_actor {
	const char *name;
	const char *fingerprint;
	const struct cust_signer *signer;
	const char *tsa_url;
	const char *tsa_cafile;
	char *warning;
	size_t warning_size;
	struct cust_run *run; /* the run this work belongs to (run.h), or NULL */
};

/* One event to append.  ACTION and TOOL are required; any other NULL
 * field is left out of the line.  DETAILS (borrowed) is an optional object
 * of action-specific facts. */
struct cust_event {
	const char *action;
	const char *tool;            /* the command: "custody-hash" */
	const char *item;
	const char *unit;            /* "artifacts/E001-H1" */
	const char *manifest_sha256; /* SHA-256 of the unit's SHA256SUMS */
	const char *record_sha256;   /* SHA-256 of the record file written
	                                (case.json, item.json) */
	const char *occurred;        /* when it happened, if not now (UTC) */
	const char *from;
	const char *to;
	const char *location;
	const char *note;
	json_t *details;
};

/* 1 when ACTION is one of the actions custody knows. */
int cust_log_action_known(const char *action);

/* 1 when ACTION may be recorded by hand with custody-log add
 * (transferred, stored, sealed, note). */
int cust_log_action_manual(const char *action);

/*
 * Check EV before the work it records is done: a known action, a tool,
 * text fields of valid UTF-8 within CUST_EVENT_FIELD_MAX bytes, details
 * within CUST_EVENT_DETAILS_MAX.  An event that passes always fits a line.
 */
int cust_log_check_event(const struct cust_event *ev, struct cust_error *err);

/*
 * Open CASE_DIR/custody.log (PATH receives its path) and take its
 * exclusive lock, waiting at most cust_fs_lock_timeout_ms(): the lock
 * every writer of the log and of its checkpoint holds.  The descriptor, or
 * -1; closing it releases the lock.
 */
int cust_log_open_locked(const char *case_dir, char path[CUST_PATH_MAX],
                         struct cust_error *err);

/*
 * Append EV to the log of the case at CASE_DIR, waiting for the lock at most
 * cust_fs_lock_timeout_ms().  Fills seq, time, actor, tool (with version),
 * host and prev, and appends in a single write with SIGINT, SIGTERM and
 * SIGHUP held back, so an interrupted command never leaves half a line.
 * With WRITTEN, *WRITTEN receives a new reference to the
 * event as written.  A write that fails part way (a full disk) is undone:
 * the log is cut back to its old length, and the message says so.  A log
 * whose last line is torn or unreadable is refused: it is evidence, and
 * only the examiner mends it (custody-case recover, recover.h).
 * When ACTOR has a run (run.h), the run learns the event's seq and unit.
 */
int cust_log_append(const char *case_dir, const struct cust_actor *actor,
                    const struct cust_event *ev, json_t **written,
                    struct cust_error *err);

/*
 * Check, under the log's lock, that the case can take an event before any
 * work that an event will record: the log is a regular file whose last
 * line is whole and readable (CUST_E_INPUT otherwise, naming the
 * recovery), and the case's file system has CUST_LOG_ROOM_MIN bytes free
 * (CUST_E_IO, "full", otherwise).  Nothing is written.  *EVENTS (EVENTS
 * may be NULL) receives the seq of the last event (0 for an empty log).
 */
int cust_log_prepare(const char *case_dir, uint64_t *events,
                     struct cust_error *err);

/*
 * Where the whole lines of the open log FD of SIZE bytes end: *WHOLE
 * receives the offset just after its last newline (0 when it has none).
 * Bytes from there to SIZE are a torn line.  Reads backwards from the
 * end, 4 KiB at a time.
 */
int cust_log_torn_tail(int fd, off_t size, off_t *whole,
                       struct cust_error *err);

/* The same for the log of CASE_DIR, opened read-only, without its lock:
 * *WHOLE and its size *SIZE (equal when the log ends in a newline). */
int cust_log_tail(const char *case_dir, off_t *whole, off_t *size,
                  struct cust_error *err);

/*
 * Call FN for every line of the log in order with the parsed event (NULL
 * when the line is not a JSON object; the parse problem is then in
 * LINE_ERR), the raw line and its 1-based number.  FN returns 0 to go on,
 * non-zero to stop.  Lines longer than CUST_LOG_LINE_MAX are passed as
 * unparsed with a message.  I/O failures end the walk with -1.
 */
typedef int (*cust_log_line_fn)(void *ctx, unsigned long lineno,
                                const char *line, size_t len, json_t *event,
                                const char *line_err);
int cust_log_read(const char *case_dir, cust_log_line_fn fn, void *ctx,
                  struct cust_error *err);

/*
 * Check the chain: every line parses, is canonical, has the fields of an
 * event, is numbered in order and links to the one before.  Each problem
 * is appended to FINDINGS (a JSON array) as
 *   {"check": "log", "subject": "custody.log line N", "status": "failed",
 *    "message": "..."}
 * and an event whose time is before the time of the event before it as
 * the same with status "warning" (clocks differ; a court will ask).
 * *EVENTS receives the number of lines.  Returns 0 when the walk completed
 * (whether or not problems were found), -1 when the log could not be read.
 */
int cust_log_verify(const char *case_dir, json_t *findings, uint64_t *events,
                    struct cust_error *err);

/* The SHA-256 of one log line LINE[0..LEN) without its newline, in hex:
 * what the next line names as its prev, and a checkpoint as last_sha256. */
int cust_log_line_sha256(const char *line, size_t len, char hex[65],
                         struct cust_error *err);

/* The hostname this process runs on, for records (static storage). */
const char *cust_log_hostname(void);

#endif
