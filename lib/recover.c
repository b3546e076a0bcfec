/* recover.c - interrupted runs, torn logs and their recovery; see
 * include/custody/recover.h. */
#include "custody/recover.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "custody/checkpoint.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/manifest.h"
#include "custody/run.h"
#include "custody/unit.h"

/* Most units one recovery lists in its event (all are in recovery.json's
 * record too): keeps the event within CUST_EVENT_DETAILS_MAX. */
#define RECOVERED_UNITS_MAX 64u

/* ---- assessing ----------------------------------------------------------- */

struct log_scan {
	json_t *units; /* the units the log names, as a set */
	uint64_t lines;
};

/* Units listed by `recovered` events count as logged. */
static int note_units(void *ctx, unsigned long lineno, const char *line,
                      size_t len, json_t *ev, const char *line_err)
{
	struct log_scan *scan = ctx;
	json_t *units = scan->units;
	const char *unit = cust_json_string(ev, "unit");
	const char *action = cust_json_string(ev, "action");
	json_t *u;
	size_t i;

	(void)line;
	(void)len;
	scan->lines = lineno;
	if (line_err || !ev)
		return 0;
	if (unit)
		json_object_set_new(units, unit, json_true());
	if (action && strcmp(action, "recovered") == 0)
		json_array_foreach(json_object_get(json_object_get(ev, "details"),
		                                   "units"), i, u)
			if (cust_json_string(u, "unit"))
				json_object_set_new(units, cust_json_string(u, "unit"),
				                    json_true());
	return 0;
}

/* The event count of the case's checkpoint, or -1 when it has none that
 * parses (custody-verify reports that). */
static long long checkpoint_events(const char *case_dir)
{
	char path[CUST_PATH_MAX];
	struct cust_checkpoint cp;
	struct cust_error err;
	char *text = NULL;
	size_t len = 0;
	long long n = -1;

	cust_error_clear(&err);
	if (cust_path_format(path, sizeof path, &err, "%s/%s", case_dir,
	                     CUST_CHECKPOINT_NAME) == 0 &&
	    cust_fs_read_file(path, CUST_CHECKPOINT_MAX, &text, &len, &err) == 0 &&
	    cust_checkpoint_parse(text, len, &cp, &err) == 0)
		n = (long long)cp.events;
	free(text);
	return n;
}

static int is_state(const json_t *run, const char *state)
{
	return strcmp(cust_json_string(run, "state"), state) == 0;
}

json_t *cust_recover_assess(const char *case_dir, struct cust_error *err)
{
	json_t *logged = json_object(), *runs = NULL, *unlogged = json_array();
	json_t *explained = json_array(), *out = NULL, *r, *u;
	struct log_scan scan = { logged, 0 };
	off_t whole = 0, size = 0;
	uint64_t events;
	long long checkpointed;
	int running = 0, unfinished = 0;
	size_t i, j;

	if (!logged || !unlogged || !explained) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	if (cust_log_tail(case_dir, &whole, &size, err) < 0 ||
	    cust_log_read(case_dir, note_units, &scan, err) < 0 ||
	    !(runs = cust_run_list(case_dir, err)))
		goto out;
	/* a torn last line is read as a line, but is no event */
	events = scan.lines - (whole < size ? 1 : 0);
	checkpointed = checkpoint_events(case_dir);
	json_array_foreach(runs, i, r) {
		/* a run of another host or boot may be at work too */
		if (is_state(r, "running") || is_state(r, "unknown"))
			running = 1;
		if (is_state(r, "unreadable"))
			unfinished = 1;
		if (!is_state(r, "interrupted"))
			continue;
		json_array_foreach(json_object_get(r, "units"), j, u) {
			const char *unit = json_string_value(u);
			if (json_object_get(logged, unit))
				continue;
			json_array_append_new(unlogged,
			                      json_pack("{s:s, s:s}", "unit", unit,
			                                "run",
			                                cust_json_string(r, "file")));
			unfinished = 1;
		}
	}
	out = json_object();
	if (!out) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	json_object_set_new(out, "torn",
	                    whole < size
		                    ? json_pack("{s:I, s:I}", "offset",
		                                (json_int_t)whole, "length",
		                                (json_int_t)(size - whole))
		                    : json_null());
	json_object_set_new(out, "events", json_integer((json_int_t)events));
	json_object_set_new(out, "checkpointed",
	                    checkpointed < 0 ? json_null()
	                                     : json_integer(checkpointed));
	if (checkpointed >= 0 && events > (uint64_t)checkpointed) {
		json_array_foreach(runs, i, r) {
			if (is_state(r, "interrupted") &&
			    json_integer_value(json_object_get(r, "events_at_start")) <
			            (json_int_t)events)
				json_array_append(explained, json_object_get(r, "file"));
		}
		json_object_set_new(out, "uncovered",
		                    json_pack("{s:I, s:I, s:O}", "first",
		                              (json_int_t)checkpointed + 1, "last",
		                              (json_int_t)events, "explained_by",
		                              explained));
		/* a run at work now may be between its events and its
		 * checkpoint: only it knows */
		if (!running)
			unfinished = 1;
	} else {
		json_object_set_new(out, "uncovered", json_null());
	}
	if (whole < size)
		unfinished = 1;
	json_object_set(out, "runs", runs);
	json_object_set(out, "unlogged", unlogged);
	json_object_set_new(out, "unfinished", json_boolean(unfinished));
out:
	json_decref(logged);
	json_decref(runs);
	json_decref(unlogged);
	json_decref(explained);
	return out;
}

/* One sentence on what STATE left unfinished, for a refusal. */
static void describe_unfinished(const json_t *state, char *buf, size_t size)
{
	const json_t *unlogged = json_array_get(json_object_get(state, "unlogged"), 0);
	const json_t *uncovered = json_object_get(state, "uncovered");
	const json_t *runs = json_object_get(state, "runs"), *r;
	char who[512];
	size_t i;

	who[0] = '\0';
	json_array_foreach(runs, i, r) {
		if (is_state(r, "unreadable")) {
			(void)snprintf(buf, size, "'%s' is not a run record: %s",
			               cust_json_string(r, "file"),
			               cust_json_string(r, "problem"));
			return;
		}
		if (is_state(r, "interrupted") && !who[0])
			cust_run_describe(r, who, sizeof who);
	}
	if (unlogged)
		(void)snprintf(buf, size,
		               "%s was interrupted: unit %s is sealed but not logged",
		               who[0] ? who : "a run", cust_json_string(unlogged, "unit"));
	else if (json_is_object(uncovered) && who[0])
		(void)snprintf(buf, size,
		               "%s was interrupted: events %lld to %lld are not "
		               "covered by the checkpoint", who,
		               (long long)json_integer_value(
			               json_object_get(uncovered, "first")),
		               (long long)json_integer_value(
			               json_object_get(uncovered, "last")));
	else if (json_is_object(uncovered))
		(void)snprintf(buf, size,
		               "events %lld to %lld are not covered by the "
		               "checkpoint, and no run record explains them",
		               (long long)json_integer_value(
			               json_object_get(uncovered, "first")),
		               (long long)json_integer_value(
			               json_object_get(uncovered, "last")));
	else
		(void)snprintf(buf, size, "the custody log ends in a torn line");
}

/* Remove the records of interrupted runs that left nothing unfinished. */
static void drop_harmless(const char *case_dir, const json_t *state)
{
	const json_t *r;
	struct cust_error err;
	size_t i;

	if (json_is_true(json_object_get(state, "unfinished")))
		return;
	json_array_foreach(json_object_get(state, "runs"), i, r)
		if (is_state(r, "interrupted"))
			(void)cust_run_remove(case_dir, cust_json_string(r, "file"),
			                      &err);
}

struct cust_run *cust_recover_start(const char *case_dir, const char *tool,
                                    struct cust_error *err)
{
	char why[1024];
	uint64_t events = 0;
	json_t *state;

	if (cust_log_prepare(case_dir, &events, err) < 0)
		return NULL;
	state = cust_recover_assess(case_dir, err);
	if (!state)
		return NULL;
	if (json_is_true(json_object_get(state, "unfinished"))) {
		describe_unfinished(state, why, sizeof why);
		cust_error_set(err, CUST_E_INCOMPLETE,
		               "nothing was done: %s; custody-case recover records "
		               "what was left, on the examiner's word", why);
		json_decref(state);
		return NULL;
	}
	drop_harmless(case_dir, state);
	json_decref(state);
	return cust_run_begin(case_dir, tool, events, err);
}

/* ---- recovering ---------------------------------------------------------- */

/* Keep the torn tail of the log in the unit U as CUST_RECOVERY_TORN and
 * cut it from the log, under the log's lock.  *FACTS receives what was
 * kept, or stays NULL when the log is whole. */
static int keep_torn_tail(const char *case_dir, struct cust_unit *u,
                          json_t **facts, struct cust_error *err)
{
	char path[CUST_PATH_MAX], kept[CUST_PATH_MAX], hex[65];
	unsigned char md[32];
	struct stat st;
	off_t whole = 0;
	char *bytes = NULL;
	size_t len;
	ssize_t n;
	int fd, rc = -1;

	*facts = NULL;
	fd = cust_log_open_locked(case_dir, path, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'", path);
		goto out;
	}
	if (cust_log_torn_tail(fd, st.st_size, &whole, err) < 0)
		goto out;
	if (whole == st.st_size) {
		rc = 0;
		goto out;
	}
	if (st.st_size - whole > (off_t)CUST_RECOVERY_TORN_MAX) {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' ends in %lld bytes without a newline, more than "
		               "a torn line of custody's (%u): not recovered",
		               path, (long long)(st.st_size - whole),
		               CUST_RECOVERY_TORN_MAX);
		goto out;
	}
	len = (size_t)(st.st_size - whole);
	bytes = malloc(len);
	if (!bytes) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	n = pread(fd, bytes, len, whole);
	if (n != (ssize_t)len) {
		cust_error_set_errno(err, CUST_E_IO, n < 0 ? errno : EIO,
		                     "cannot read '%s'", path);
		goto out;
	}
	if (cust_path_format(kept, sizeof kept, err, "%s/%s", cust_unit_dir(u),
	                     CUST_RECOVERY_TORN) < 0 ||
	    cust_fs_write_atomic(kept, bytes, len, CUST_FS_NOREPLACE, err) < 0 ||
	    cust_digest_buffer(CUST_DIGEST_SHA256, bytes, len, md, err) < 0)
		goto out;
	/* kept and synced before the log loses them */
	if (ftruncate(fd, whole) < 0 || fsync(fd) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno,
		                     "cannot cut the torn line from '%s'", path);
		goto out;
	}
	cust_hex_encode(md, sizeof md, hex);
	*facts = json_pack("{s:I, s:I, s:s, s:s}", "offset", (json_int_t)whole,
	                   "length", (json_int_t)len, "sha256", hex, "file",
	                   CUST_RECOVERY_TORN);
	rc = *facts ? 0 : cust_error_set(err, CUST_E_IO, "out of memory");
out:
	free(bytes);
	close(fd); /* releases the lock */
	return rc;
}

/* The units interrupted runs sealed without logging them, each with the
 * SHA-256 of its SHA256SUMS; units still partial are listed as such. */
static json_t *unlogged_units(const char *case_dir, const json_t *state,
                              struct cust_error *err)
{
	json_t *out = json_array(), *u;
	size_t i;

	if (!out) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	json_array_foreach(json_object_get(state, "unlogged"), i, u) {
		char sums[CUST_PATH_MAX], dir[CUST_PATH_MAX], hex[65];
		unsigned char d[1][CUST_DIGEST_MAX_SIZE];
		const char *unit = cust_json_string(u, "unit");
		struct stat st;
		uint64_t size;
		json_t *entry;

		if (cust_path_format(dir, sizeof dir, err, "%s/%s", case_dir,
		                     unit) < 0 ||
		    cust_path_format(sums, sizeof sums, err, "%s/%s", dir,
		                     CUST_MANIFEST_SUMS) < 0)
			goto fail;
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			entry = json_pack("{s:s, s:s, s:O}", "unit", unit, "state",
			                  "not sealed", "run", json_object_get(u, "run"));
		} else {
			if (cust_digest_file(sums, CUST_DIGEST_SHA256, 1, d, &size,
			                     err) < 0)
				goto fail;
			cust_hex_encode(d[0], 32, hex);
			entry = json_pack("{s:s, s:s, s:s, s:O}", "unit", unit, "state",
			                  "sealed", "manifest_sha256", hex, "run",
			                  json_object_get(u, "run"));
		}
		if (!entry || json_array_append_new(out, entry) < 0) {
			cust_error_set(err, CUST_E_IO, "out of memory");
			goto fail;
		}
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* The `recovered` event's details: what verify needs to take the units as
 * logged, and counts of the rest. */
static json_t *event_details(const json_t *rec, struct cust_error *err)
{
	json_t *units = json_array(), *u, *details;
	const json_t *torn = json_object_get(rec, "torn_tail");
	const json_t *uncovered = json_object_get(rec, "uncovered_events");
	size_t i;

	if (!units)
		goto oom;
	json_array_foreach(json_object_get(rec, "units"), i, u) {
		if (!cust_json_string(u, "manifest_sha256"))
			continue;
		if (json_array_size(units) == RECOVERED_UNITS_MAX) {
			json_decref(units);
			cust_error_set(err, CUST_E_INPUT,
			               "more than %u units to recover at once",
			               RECOVERED_UNITS_MAX);
			return NULL;
		}
		json_array_append_new(units,
		                      json_pack("{s:O, s:O}", "unit",
		                                json_object_get(u, "unit"),
		                                "manifest_sha256",
		                                json_object_get(u, "manifest_sha256")));
	}
	details = json_pack("{s:o, s:I, s:I}", "units", units, "torn_bytes",
	                    (json_int_t)json_integer_value(
		                    json_object_get(torn, "length")),
	                    "interrupted_runs",
	                    (json_int_t)json_array_size(json_object_get(rec, "runs")));
	if (!details)
		goto oom;
	if (json_is_object(uncovered))
		json_object_set_new(details, "uncovered_events",
		                    json_pack("[O, O]", json_object_get(uncovered, "first"),
		                              json_object_get(uncovered, "last")));
	return details;
oom:
	cust_error_set(err, CUST_E_IO, "out of memory");
	return NULL;
}

/* What the recovery tells in its event's note. */
static void recovery_note(const json_t *rec, char *buf, size_t size)
{
	const json_t *torn = json_object_get(rec, "torn_tail");
	const json_t *uncovered = json_object_get(rec, "uncovered_events");
	size_t nunits = json_array_size(json_object_get(rec, "units"));
	size_t nruns = json_array_size(json_object_get(rec, "runs"));
	int used = snprintf(buf, size, "recovery:");

	if (json_is_object(torn) && used > 0 && (size_t)used < size)
		used += snprintf(buf + used, size - (size_t)used,
		                 " a torn line of %lld bytes kept and cut from the log;",
		                 (long long)json_integer_value(
			                 json_object_get(torn, "length")));
	if (nruns && used > 0 && (size_t)used < size)
		used += snprintf(buf + used, size - (size_t)used,
		                 " %zu interrupted run%s, %zu unit%s sealed but not "
		                 "logged by them;", nruns, nruns == 1 ? "" : "s",
		                 nunits, nunits == 1 ? "" : "s");
	if (json_is_object(uncovered) && used > 0 && (size_t)used < size)
		(void)snprintf(buf + used, size - (size_t)used,
		               " events %lld to %lld were not covered by the "
		               "checkpoint%s;",
		               (long long)json_integer_value(
			               json_object_get(uncovered, "first")),
		               (long long)json_integer_value(
			               json_object_get(uncovered, "last")),
		               json_array_size(json_object_get(uncovered,
		                                               "explained_by"))
			               ? ""
			               : ", and no run record explains them");
}

int cust_recover(const char *case_dir, struct cust_actor *act,
                 const char *tool, json_t **record, struct cust_error *err)
{
	struct cust_unit *u = NULL;
	struct cust_event ev = { 0 };
	json_t *state, *runs = json_array(), *r, *rec = NULL, *torn = NULL;
	json_t *units = NULL;
	char note[1024], now[CUST_TIME_LEN], who[512];
	size_t i;
	int rc = -1;

	*record = NULL;
	state = cust_recover_assess(case_dir, err);
	if (!state || !runs)
		goto out;
	json_array_foreach(json_object_get(state, "runs"), i, r) {
		if (is_state(r, "running")) {
			cust_error_set(err, CUST_E_INCOMPLETE,
			               "%s is still running: recover when it has ended",
			               cust_run_describe(r, who, sizeof who));
			goto out;
		}
		if (is_state(r, "interrupted"))
			json_array_append(runs, r);
	}
	if (!json_is_true(json_object_get(state, "unfinished"))) {
		drop_harmless(case_dir, state);
		rc = 0;
		goto out;
	}
	act->run = cust_run_begin(case_dir, tool,
	                         (uint64_t)json_integer_value(
		                         json_object_get(state, "events")), err);
	if (!act->run)
		goto out;
	u = cust_unit_begin(case_dir, CUST_RECOVERIES_DIR, "R", err);
	if (!u || keep_torn_tail(case_dir, u, &torn, err) < 0 ||
	    !(units = unlogged_units(case_dir, state, err)) ||
	    cust_time_now_string(now, err) < 0)
		goto out;
	rec = json_pack("{s:s, s:i, s:s, s:s, s:s, s:O, s:O, s:O, s:O}", "type",
	                "custody-recovery", "version", 1, "time", now, "examiner",
	                act->name, "tool", tool, "torn_tail",
	                torn ? torn : json_null(), "runs", runs, "units", units,
	                "uncovered_events", json_object_get(state, "uncovered"));
	if (!rec) {
		cust_error_set(err, CUST_E_IO, "cannot build the recovery record");
		goto out;
	}
	recovery_note(rec, note, sizeof note);
	ev.action = "recovered";
	ev.tool = tool;
	ev.note = note;
	ev.details = event_details(rec, err);
	if (!ev.details ||
	    cust_unit_write_json(u, CUST_RECOVERY_RECORD, rec, err) < 0 ||
	    cust_unit_seal(u, act, &ev, NULL, err) < 0)
		goto out;
	/* recorded: the runs are accounted for */
	json_array_foreach(runs, i, r)
		if (cust_run_remove(case_dir, cust_json_string(r, "file"), err) < 0)
			goto out;
	json_object_set_new(rec, "unit",
	                    json_string(cust_unit_relpath(u)));
	*record = rec;
	rec = NULL;
	rc = 0;
out:
	json_decref(ev.details);
	json_decref(rec);
	json_decref(torn);
	json_decref(units);
	json_decref(runs);
	json_decref(state);
	cust_unit_free(u);
	return rc;
}
