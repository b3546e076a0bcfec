/* log.c - the hash-linked custody log; see include/custody/log.h. */
#include "custody/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/run.h"
#include "custody/time.h"
#include "custody/version.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

static const char *const known_actions[] = {
	"case-created", "item-added", "acquired", "verified", "hashed",
	"signed", "timestamped", "extracted", "reported", "exported",
	"transferred", "stored", "sealed", "note", "recovered", NULL
};
static const char *const manual_actions[] = {
	"transferred", "stored", "sealed", "note", NULL
};

static int in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return 1;
	return 0;
}

int cust_log_action_known(const char *action)
{
	return in_list(known_actions, action);
}

int cust_log_action_manual(const char *action)
{
	return in_list(manual_actions, action);
}

const char *cust_log_hostname(void)
{
	return cust_run_host();
}

int cust_log_check_event(const struct cust_event *ev, struct cust_error *err)
{
	const struct {
		const char *name, *value;
	} fields[] = {
		{ "tool", ev->tool }, { "item", ev->item }, { "unit", ev->unit },
		{ "manifest_sha256", ev->manifest_sha256 },
		{ "record_sha256", ev->record_sha256 }, { "occurred", ev->occurred },
		{ "from", ev->from }, { "to", ev->to }, { "location", ev->location },
		{ "note", ev->note },
	};
	size_t i;

	if (!ev->action || !cust_log_action_known(ev->action))
		return cust_error_set(err, CUST_E_USAGE, "unknown custody action '%s'",
		                      ev->action ? ev->action : "");
	if (!ev->tool)
		return cust_error_set(err, CUST_E_USAGE, "a custody event needs a tool");
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		json_t *s;
		if (!fields[i].value)
			continue;
		if (strnlen(fields[i].value, CUST_EVENT_FIELD_MAX + 1) >
		    CUST_EVENT_FIELD_MAX)
			return cust_error_set(err, CUST_E_USAGE,
			                      "%s is longer than %u bytes", fields[i].name,
			                      CUST_EVENT_FIELD_MAX);
		s = json_string(fields[i].value);
		if (!s)
			return cust_error_set(err, CUST_E_USAGE,
			                      "%s is not valid UTF-8", fields[i].name);
		json_decref(s);
	}
	if (ev->details) {
		char *d = cust_json_canonical(ev->details, err);
		size_t len = d ? strlen(d) : 0;
		free(d);
		if (!d)
			return -1;
		if (!json_is_object(ev->details) || len > CUST_EVENT_DETAILS_MAX)
			return cust_error_set(err, CUST_E_USAGE,
			                      "event details must be an object of at most "
			                      "%u bytes", CUST_EVENT_DETAILS_MAX);
	}
	return 0;
}

int cust_log_line_sha256(const char *line, size_t len, char hex[65],
                         struct cust_error *err)
{
	unsigned char md[32];

	if (cust_digest_buffer(CUST_DIGEST_SHA256, line, len, md, err) < 0)
		return -1;
	cust_hex_encode(md, sizeof md, hex);
	return 0;
}

/*
 * The last line of the open log FD of SIZE bytes: its seq and hash.  Reads
 * only the tail, so appending stays cheap however long the log grows.
 */
static int read_last_line(int fd, off_t size, uint64_t *seq, char hex[65],
                          struct cust_error *err)
{
	size_t want = size < (off_t)CUST_LOG_LINE_MAX + 1 ? (size_t)size
	                                                    : CUST_LOG_LINE_MAX + 1;
	char *buf = malloc(want);
	size_t start;
	ssize_t n;
	json_t *ev = NULL;
	json_t *jseq;
	int rc = -1;

	if (!buf)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	n = pread(fd, buf, want, size - (off_t)want);
	if (n != (ssize_t)want) {
		cust_error_set_errno(err, CUST_E_IO, n < 0 ? errno : EIO,
		                     "cannot read '%s'", CUST_LOG_NAME);
		goto out;
	}
	if (buf[want - 1] != '\n') {
		cust_error_set(err, CUST_E_INPUT,
		               "'%s' ends in an incomplete line (a write cut short "
		               "by a crash or a power cut): custody-case recover "
		               "keeps the torn bytes and mends the log", CUST_LOG_NAME);
		goto out;
	}
	start = want - 1;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (start == 0 && want == CUST_LOG_LINE_MAX + 1) {
		cust_error_set(err, CUST_E_INPUT, "last line of '%s' is too long",
		               CUST_LOG_NAME);
		goto out;
	}
	ev = cust_json_parse(buf + start, want - 1 - start, CUST_LOG_NAME, 0, err);
	if (!ev)
		goto out;
	jseq = json_object_get(ev, "seq");
	if (!json_is_integer(jseq) || json_integer_value(jseq) < 1) {
		cust_error_set(err, CUST_E_INPUT,
		               "last line of '%s' has no valid seq", CUST_LOG_NAME);
		goto out;
	}
	*seq = (uint64_t)json_integer_value(jseq);
	rc = cust_log_line_sha256(buf + start, want - 1 - start, hex, err);
out:
	json_decref(ev);
	free(buf);
	return rc;
}

static json_t *build_event(const struct cust_actor *actor,
                           const struct cust_event *ev, uint64_t seq,
                           const char *prev, struct cust_error *err)
{
	char now[CUST_TIME_LEN];
	json_t *o = json_object(), *jactor = json_object(), *jtool = json_object();
	int bad;

	if (!o || !jactor || !jtool) {
		json_decref(o);
		json_decref(jactor);
		json_decref(jtool);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	bad = cust_json_set_string(jactor, "name", actor->name, err) < 0 ||
	      cust_json_set_string(jactor, "fingerprint", actor->fingerprint,
	                           err) < 0 ||
	      cust_json_set_string(jtool, "name", ev->tool, err) < 0 ||
	      cust_json_set_string(jtool, "version", cust_version(), err) < 0;
	if (bad || cust_json_set_new(o, "actor", jactor, err) < 0) {
		if (bad)
			json_decref(jactor);
		json_decref(jtool);
		json_decref(o);
		return NULL;
	}
	if (cust_json_set_new(o, "tool", jtool, err) < 0 ||
	    cust_time_now_string(now, err) < 0 ||
	    cust_json_set_new(o, "seq", json_integer((json_int_t)seq), err) < 0 ||
	    cust_json_set_string(o, "time", now, err) < 0 ||
	    cust_json_set_string(o, "action", ev->action, err) < 0 ||
	    cust_json_set_string(o, "host", cust_log_hostname(), err) < 0 ||
	    cust_json_set_string(o, "prev", prev, err) < 0 ||
	    cust_json_set_string(o, "item", ev->item, err) < 0 ||
	    cust_json_set_string(o, "unit", ev->unit, err) < 0 ||
	    cust_json_set_string(o, "manifest_sha256", ev->manifest_sha256,
	                         err) < 0 ||
	    cust_json_set_string(o, "record_sha256", ev->record_sha256, err) < 0 ||
	    cust_json_set_string(o, "occurred", ev->occurred, err) < 0 ||
	    cust_json_set_string(o, "from", ev->from, err) < 0 ||
	    cust_json_set_string(o, "to", ev->to, err) < 0 ||
	    cust_json_set_string(o, "location", ev->location, err) < 0 ||
	    cust_json_set_string(o, "note", ev->note, err) < 0 ||
	    (ev->details &&
	     cust_json_set_new(o, "details", json_deep_copy(ev->details), err) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * A write of a line failed part way (a full disk, a file size limit): cut
 * the log back to SIZE, the length it had, so no torn line is left behind,
 * and say so in ERR.
 */
static void restore_length(int fd, off_t size, struct cust_error *err)
{
	if (ftruncate(fd, size) == 0 && fsync(fd) == 0)
		cust_error_prefix(err, "the event was not logged and '%s' was "
		                       "restored to its %lld bytes",
		                  CUST_LOG_NAME, (long long)size);
	else
		cust_error_prefix(err, "the event was not logged, and '%s' could "
		                       "not be restored to its %lld bytes: "
		                       "custody-case recover mends it",
		                  CUST_LOG_NAME, (long long)size);
}

/*
 * Open the log of CASE_DIR locked (PATH receives its path) and read where
 * it ends: *SIZE, and the seq and SHA-256 of its last line (0 and 64 zeros
 * when it is empty).  A log whose last line is torn or unreadable is
 * refused, ERR prefixed with WHY.  The descriptor, or -1.
 */
static int open_tail(const char *case_dir, char path[CUST_PATH_MAX],
                     off_t *size, uint64_t *seq, char prev[65],
                     const char *why, struct cust_error *err);

int cust_log_open_locked(const char *case_dir, char path[CUST_PATH_MAX],
                         struct cust_error *err)
{
	int fd;

	if (cust_path_format(path, CUST_PATH_MAX, err, "%s/%s", case_dir,
	                     CUST_LOG_NAME) < 0)
		return -1;
	fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cust_error_set_errno(err, errno == ENOENT ? CUST_E_INPUT
		                                                 : CUST_E_IO,
		                            errno, "cannot open '%s'", path);
	if (cust_fs_lock(fd, path, cust_fs_lock_timeout_ms(), err) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int cust_log_append(const char *case_dir, const struct cust_actor *actor,
                    const struct cust_event *ev, json_t **written,
                    struct cust_error *err)
{
	char path[CUST_PATH_MAX], prev[65];
	struct cust_signals held;
	off_t size = 0;
	uint64_t seq = 0;
	int wrote;
	json_t *o = NULL;
	char *line = NULL;
	size_t len;
	int fd, rc = -1;

	if (written)
		*written = NULL;
	if (cust_log_check_event(ev, err) < 0)
		return -1;
	if (!actor || !actor->name || !*actor->name)
		return cust_error_set(err, CUST_E_USAGE,
		                      "a custody event needs an examiner");
	fd = open_tail(case_dir, path, &size, &seq, prev,
	               "cannot append to the custody log", err);
	if (fd < 0)
		return -1;
	o = build_event(actor, ev, seq + 1, prev, err);
	if (!o)
		goto out;
	line = cust_json_canonical(o, err);
	if (!line)
		goto out;
	len = strlen(line);
	if (len >= CUST_LOG_LINE_MAX) {
		cust_error_set(err, CUST_E_USAGE,
		               "custody event longer than %u bytes refused",
		               CUST_LOG_LINE_MAX);
		goto out;
	}
	line[len] = '\n'; /* replaces the NUL: one write carries the whole line */
	cust_signals_hold(&held);
	wrote = cust_fs_write_all(fd, line, len + 1, path, err);
	if (wrote == 0 && fsync(fd) < 0)
		wrote = cust_error_set_errno(err, CUST_E_IO, errno,
		                             "cannot sync '%s'", path);
	if (wrote < 0)
		restore_length(fd, size, err);
	cust_signals_release(&held);
	if (wrote < 0)
		goto out;
	cust_run_logged(actor->run, seq + 1, ev->unit);
	if (written) {
		*written = o;
		o = NULL;
	}
	rc = 0;
out:
	free(line);
	json_decref(o);
	close(fd); /* releases the lock */
	return rc;
}

int cust_log_prepare(const char *case_dir, uint64_t *events,
                     struct cust_error *err)
{
	char path[CUST_PATH_MAX], prev[65];
	struct statvfs vfs;
	off_t size;
	uint64_t seq = 0, room;
	int fd, rc = -1;

	fd = open_tail(case_dir, path, &size, &seq, prev,
	               "nothing was done: the custody log cannot take an event",
	               err);
	if (fd < 0)
		return -1;
	if (events)
		*events = seq;
	if (fstatvfs(fd, &vfs) == 0) {
		room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		if (room < CUST_LOG_ROOM_MIN) {
			cust_error_set(err, CUST_E_IO,
			               "nothing was done: the file system of the case "
			               "is full (%llu bytes free, %u needed to log "
			               "and checkpoint an event)",
			               (unsigned long long)room, CUST_LOG_ROOM_MIN);
			goto out;
		}
	}
	rc = 0;
out:
	close(fd);
	return rc;
}

static int open_tail(const char *case_dir, char path[CUST_PATH_MAX],
                     off_t *size, uint64_t *seq, char prev[65],
                     const char *why, struct cust_error *err)
{
	struct stat st;
	int fd = cust_log_open_locked(case_dir, path, err);

	if (fd < 0)
		return -1;
	*seq = 0;
	memcpy(prev, ZERO_HASH, 65);
	if (fstat(fd, &st) < 0) {
		cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is not a regular file", path);
		goto fail;
	}
	*size = st.st_size;
	if (st.st_size > 0 && read_last_line(fd, st.st_size, seq, prev, err) < 0) {
		cust_error_prefix(err, "%s", why);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

int cust_log_torn_tail(int fd, off_t size, off_t *whole,
                       struct cust_error *err)
{
	char buf[4096];
	off_t end = size;

	while (end > 0) {
		size_t want = end < (off_t)sizeof buf ? (size_t)end : sizeof buf;
		ssize_t n = pread(fd, buf, want, end - (off_t)want);
		if (n != (ssize_t)want)
			return cust_error_set_errno(err, CUST_E_IO, n < 0 ? errno : EIO,
			                            "cannot read '%s'", CUST_LOG_NAME);
		for (size_t i = want; i > 0; i--) {
			if (buf[i - 1] == '\n') {
				*whole = end - (off_t)want + (off_t)i;
				return 0;
			}
		}
		end -= (off_t)want;
	}
	*whole = 0;
	return 0;
}

int cust_log_tail(const char *case_dir, off_t *whole, off_t *size,
                  struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct stat st;
	int fd, rc;

	if (cust_path_format(path, sizeof path, err, "%s/%s", case_dir,
	                     CUST_LOG_NAME) < 0)
		return -1;
	fd = cust_fs_open_read(path, 1, err);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return cust_error_set_errno(err, CUST_E_IO, errno, "cannot stat '%s'",
		                            path);
	}
	*size = st.st_size;
	rc = cust_log_torn_tail(fd, st.st_size, whole, err);
	close(fd);
	return rc;
}

/* Reads lines of at most CUST_LOG_LINE_MAX bytes from FD. */
struct line_reader {
	int fd;
	char *buf;
	size_t start, end, cap;
	int eof;
};

/* The next line (without its newline) in *LINE and *LEN.  Returns 1 for a line,
 * 0 at the end, 2 for a line too long (skipped), -1 on read error.
 * *COMPLETE is 0 when the last line has no newline. */
static int next_line(struct line_reader *r, const char **line, size_t *len,
                     int *complete)
{
	int too_long = 0;

	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - (r->buf + r->start));
			r->start += *len + 1;
			*complete = 1;
			return too_long ? 2 : 1;
		}
		if (r->eof) {
			if (r->start == r->end)
				return too_long ? 2 : 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			*complete = 0;
			return too_long ? 2 : 1;
		}
		if (r->end - r->start == r->cap) {
			/* a whole buffer without a newline: drop it, keep going to
			 * the end of this overlong line */
			too_long = 1;
			r->start = r->end = 0;
		} else if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
}

int cust_log_read(const char *case_dir, cust_log_line_fn fn, void *ctx,
                  struct cust_error *err)
{
	char path[CUST_PATH_MAX];
	struct line_reader r = { 0 };
	struct stat st;
	unsigned long lineno = 0;
	int rc = -1;

	if (cust_path_format(path, sizeof path, err, "%s/%s", case_dir,
	                     CUST_LOG_NAME) < 0)
		return -1;
	r.fd = cust_fs_open_read(path, 1, err);
	if (r.fd < 0)
		return -1;
	if (fstat(r.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		cust_error_set(err, CUST_E_INPUT, "'%s' is not a regular file", path);
		goto out;
	}
	r.cap = CUST_LOG_LINE_MAX;
	r.buf = malloc(r.cap);
	if (!r.buf) {
		cust_error_set(err, CUST_E_IO, "out of memory");
		goto out;
	}
	for (;;) {
		const char *line = NULL;
		size_t len = 0;
		int complete = 1, got, stop;
		struct cust_error perr;
		json_t *ev = NULL;
		const char *problem = NULL;

		got = next_line(&r, &line, &len, &complete);
		if (got == 0)
			break;
		if (got < 0) {
			cust_error_set_errno(err, CUST_E_IO, errno, "cannot read '%s'",
			                     path);
			goto out;
		}
		lineno++;
		cust_error_clear(&perr);
		if (got == 2) {
			problem = "line is longer than the 64 KiB custody allows";
			line = "";
			len = 0;
		} else if (!complete) {
			problem = "last line is incomplete (no newline)";
		} else {
			ev = cust_json_parse(line, len, CUST_LOG_NAME, lineno, &perr);
			if (!ev)
				problem = perr.message;
		}
		stop = fn(ctx, lineno, line, len, ev, problem);
		json_decref(ev);
		if (stop)
			break;
	}
	rc = 0;
out:
	free(r.buf);
	close(r.fd);
	return rc;
}

struct chain_state {
	json_t *findings;
	uint64_t expect_seq;
	char expect_prev[65];
	char prev_time[CUST_TIME_LEN]; /* of the line before, "" if unusable */
	unsigned long lines;
	int failed;
};

static void add_finding(struct chain_state *s, unsigned long lineno,
                        const char *fmt, ...) CUST_PRINTF(3, 4);

static void add_finding(struct chain_state *s, unsigned long lineno,
                        const char *fmt, ...)
{
	char subject[64];
	va_list ap;

	(void)snprintf(subject, sizeof subject, "%s line %lu", CUST_LOG_NAME,
	               lineno);
	va_start(ap, fmt);
	cust_json_vfinding(s->findings, "log", subject, "failed", fmt, ap);
	va_end(ap);
	s->failed = 1;
}

/*
 * Event times that go backwards: not proof of tampering (clocks of two
 * hosts differ, a clock is set back), but a court will ask, so it is
 * reported as a warning.  Times are compared as custody writes them, UTC
 * with milliseconds, where text order is time order.
 */
static void check_time(struct chain_state *s, unsigned long lineno,
                       const json_t *ev)
{
	const char *t = cust_json_string(ev, "time");
	char subject[64];

	if (!t || strlen(t) != CUST_TIME_LEN - 1 || t[CUST_TIME_LEN - 2] != 'Z') {
		s->prev_time[0] = '\0';
		return;
	}
	if (s->prev_time[0] && strcmp(t, s->prev_time) < 0) {
		(void)snprintf(subject, sizeof subject, "%s line %lu",
		               CUST_LOG_NAME, lineno);
		cust_json_finding(s->findings, "log", subject, "warning",
		                  "event time %s is before event %lu's %s: a clock "
		                  "went back, or the event was edited", t,
		                  lineno - 1, s->prev_time);
	}
	memcpy(s->prev_time, t, CUST_TIME_LEN);
}

/* The fields every event has, with their types. */
static const char *event_shape_problem(const json_t *ev)
{
	const json_t *actor = json_object_get(ev, "actor");
	const json_t *tool = json_object_get(ev, "tool");
	const char *prev = cust_json_string(ev, "prev");
	const char *action = cust_json_string(ev, "action");
	unsigned char dummy[32];

	if (!json_is_integer(json_object_get(ev, "seq")))
		return "has no integer seq";
	if (!cust_json_string(ev, "time"))
		return "has no time";
	if (!action)
		return "has no action";
	if (!cust_log_action_known(action))
		return "has an unknown action";
	if (!json_is_object(actor) || !cust_json_string(actor, "name"))
		return "has no actor name";
	if (!json_is_object(tool) || !cust_json_string(tool, "name"))
		return "has no tool";
	if (!prev || strlen(prev) != 64 || cust_hex_decode(prev, dummy, 32) < 0)
		return "has no valid prev hash";
	return NULL;
}

static int check_line(void *ctx, unsigned long lineno, const char *line,
                      size_t len, json_t *ev, const char *line_err)
{
	struct chain_state *s = ctx;
	char hex[65];
	const char *shape;
	char *canon;

	s->lines = lineno;
	if (line_err || (shape = event_shape_problem(ev)) != NULL) {
		if (line_err)
			add_finding(s, lineno, "not a valid event: %s", line_err);
		else
			add_finding(s, lineno, "event %s", shape);
		s->expect_seq++; /* take it as the line it stands for */
	} else {
		json_int_t seq = json_integer_value(json_object_get(ev, "seq"));
		const char *prev = cust_json_string(ev, "prev");
		int seq_ok = seq >= 0 && (uint64_t)seq == s->expect_seq;
		int prev_ok = strcmp(prev, s->expect_prev) == 0;

		canon = cust_json_canonical(ev, NULL);
		if (!canon || strlen(canon) != len || memcmp(canon, line, len) != 0)
			add_finding(s, lineno,
			            "line is not in the canonical form custody "
			            "writes: it was edited");
		free(canon);
		if (!seq_ok)
			add_finding(s, lineno,
			            "seq %lld where %llu was expected: events were "
			            "removed, inserted or reordered before this line",
			            (long long)seq, (unsigned long long)s->expect_seq);
		else if (!prev_ok && lineno > 1)
			add_finding(s, lineno,
			            "does not link to line %lu: line %lu was changed "
			            "after this line was written",
			            lineno - 1, lineno - 1);
		else if (!prev_ok)
			add_finding(s, lineno,
			            "first line has a prev hash: lines before it "
			            "were removed");
		if (seq >= 0)
			s->expect_seq = (uint64_t)seq + 1; /* resynchronise */
		check_time(s, lineno, ev);
	}
	if (cust_log_line_sha256(line, len, hex, NULL) == 0)
		memcpy(s->expect_prev, hex, sizeof hex);
	return 0;
}

int cust_log_verify(const char *case_dir, json_t *findings, uint64_t *events,
                    struct cust_error *err)
{
	struct chain_state s;

	memset(&s, 0, sizeof s);
	s.findings = findings;
	s.expect_seq = 1;
	memcpy(s.expect_prev, ZERO_HASH, sizeof s.expect_prev);
	if (cust_log_read(case_dir, check_line, &s, err) < 0)
		return -1;
	*events = s.lines;
	return 0;
}
