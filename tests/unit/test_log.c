/* test_log.c - unit tests of the hash-linked custody log
 * (include/custody/log.h, with a case from include/custody/caseio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"
#include "custody/log.h"
#include "testutil.h"

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define NOTES 5           /* events appended after case-created */
#define CHILDREN 8
#define PER_CHILD 25
#define MAX_LINES 512

/* ---- helpers ------------------------------------------------------------ */

/* DIR/custody.log into OUT (CUST_PATH_MAX bytes). */
static void log_path(char *out, const char *dir)
{
	join(out, dir, CUST_LOG_NAME);
}

static void append_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

/* The lines of a log: pointers into BUF, without their newlines. */
struct lines {
	char *buf;
	size_t size;
	size_t count;
	const char *line[MAX_LINES];
	size_t len[MAX_LINES];
	int last_complete;
};

static void read_lines(const char *dir, struct lines *l)
{
	char path[CUST_PATH_MAX];
	size_t start = 0;

	log_path(path, dir);
	memset(l, 0, sizeof *l);
	l->buf = slurp(path, &l->size);
	l->last_complete = 1;
	while (start < l->size) {
		char *nl = memchr(l->buf + start, '\n', l->size - start);
		size_t end = nl ? (size_t)(nl - l->buf) : l->size;
		assert_true(l->count < MAX_LINES);
		l->line[l->count] = l->buf + start;
		l->len[l->count] = end - start;
		l->count++;
		if (!nl)
			l->last_complete = 0;
		start = end + 1;
	}
}

static void free_lines(struct lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* A growable byte string to build tampered logs. */
struct text {
	char *p;
	size_t len, cap;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->cap - t->len < n + 1) {
		t->cap = (t->cap + n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		assert_non_null(t->p);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_line(struct text *t, const char *s, size_t n)
{
	text_add(t, s, n);
	text_add(t, "\n", 1);
}

/* Write T as the custody.log of the new folder TMPDIR/NAME, put in OUT. */
static void write_copy(const char *name, const struct text *t, char *out)
{
	char path[CUST_PATH_MAX];

	tpath(out, name);
	assert_int_equal(mkdir(out, 0755), 0);
	log_path(path, out);
	write_file(path, t->p ? t->p : "", t->len);
}

static void append_note(const char *dir, const char *note)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	struct cust_error err;

	ev.action = "note";
	ev.tool = "custody-log";
	ev.note = note;
	cust_error_clear(&err);
	if (cust_log_append(dir, &actor, &ev, NULL, &err) != 0)
		fail_msg("append failed: %s", err.message);
}

/* The case with NOTES notes after case-created: NOTES + 1 lines. */
static void fill_log(void)
{
	char note[32];
	int i;

	for (i = 1; i <= NOTES; i++) {
		int n = snprintf(note, sizeof note, "note %d", i);
		assert_true(n > 0 && (size_t)n < sizeof note);
		append_note(casedir, note);
	}
}

/* Run cust_log_verify on DIR; returns the failed findings (new
 * reference).  Warnings are left out: a tampering that moves lines may
 * also make event times go backwards, which is reported as a warning
 * whenever the events were not written within one millisecond. */
static json_t *verify(const char *dir, uint64_t *events)
{
	json_t *findings = json_array(), *failed = json_array(), *f;
	struct cust_error err;
	size_t i;

	assert_non_null(findings);
	assert_non_null(failed);
	cust_error_clear(&err);
	if (cust_log_verify(dir, findings, events, &err) != 0)
		fail_msg("verify could not run: %s", err.message);
	json_array_foreach(findings, i, f)
		if (strcmp(json_string_value(json_object_get(f, "status")),
		           "warning") != 0)
			json_array_append(failed, f);
	json_decref(findings);
	return failed;
}

/* The number of findings about LINENO whose message contains WHAT (any
 * message when NULL); each must have the documented shape. */
static int findings_at(const json_t *findings, unsigned long lineno,
                       const char *what)
{
	char subject[64];
	size_t i;
	int n = 0;

	assert_true(snprintf(subject, sizeof subject, "%s line %lu",
	                     CUST_LOG_NAME, lineno) > 0);
	for (i = 0; i < json_array_size(findings); i++)
		if (finding_matches(json_array_get(findings, i), "log", subject,
		                    what))
			n++;
	return n;
}

/* The line number of the first finding, 0 when there is none. */
static unsigned long first_finding_line(const json_t *findings)
{
	static const char prefix[] = CUST_LOG_NAME " line ";
	const char *s;
	uint64_t n;

	if (json_array_size(findings) == 0)
		return 0;
	s = cust_json_string(json_array_get(findings, 0), "subject");
	assert_non_null(s);
	assert_memory_equal(s, prefix, sizeof prefix - 1);
	assert_int_equal(cust_parse_u64(s + sizeof prefix - 1, &n), 0);
	return (unsigned long)n;
}

static void expect_finding(const json_t *findings, unsigned long lineno,
                           const char *what)
{
	if (findings_at(findings, lineno, what) < 1) {
		dump_findings(findings);
		fail_msg("no finding at line %lu about '%s'", lineno,
		         what ? what : "anything");
	}
}

/* ---- the chain as written ----------------------------------------------- */

static void test_case_init_first_line(void **state)
{
	struct lines l;
	json_t *ev;

	(void)state;
	read_lines(casedir, &l);
	assert_int_equal(l.count, 1);
	assert_true(l.last_complete);
	ev = cust_json_parse(l.line[0], l.len[0], "custody.log", 1, NULL);
	assert_non_null(ev);
	assert_string_equal(cust_json_string(ev, "action"), "case-created");
	assert_string_equal(cust_json_string(ev, "prev"), ZERO_HASH);
	assert_int_equal(json_integer_value(json_object_get(ev, "seq")), 1);
	json_decref(ev);
	free_lines(&l);
}

static void test_chain_links(void **state)
{
	struct lines l;
	size_t i;

	(void)state;
	fill_log();
	read_lines(casedir, &l);
	assert_int_equal(l.count, NOTES + 1);
	assert_true(l.last_complete);
	for (i = 0; i < l.count; i++) {
		char want_prev[65];
		json_t *ev = cust_json_parse(l.line[i], l.len[i], "custody.log",
		                             (unsigned long)i + 1, NULL);
		char *canon;

		assert_non_null(ev);
		/* numbered from 1 */
		assert_int_equal(json_integer_value(json_object_get(ev, "seq")),
		                 (json_int_t)i + 1);
		/* prev is the SHA-256 of the previous line's bytes */
		if (i == 0)
			memcpy(want_prev, ZERO_HASH, sizeof want_prev);
		else
			hex_of(CUST_DIGEST_SHA256, l.line[i - 1], l.len[i - 1],
			       want_prev);
		assert_string_equal(cust_json_string(ev, "prev"), want_prev);
		/* each line is in canonical form */
		canon = cust_json_canonical(ev, NULL);
		assert_non_null(canon);
		assert_int_equal(strlen(canon), l.len[i]);
		assert_memory_equal(canon, l.line[i], l.len[i]);
		free(canon);
		json_decref(ev);
	}
	free_lines(&l);
}

static void test_event_fields(void **state)
{
	struct cust_actor actor = { .name = "Examiner Two" };
	struct cust_event ev = { 0 };
	struct cust_error err;
	json_t *written = NULL, *details, *line_ev;
	struct lines l;
	char *canon;
	const char *t;

	(void)state;
	details = json_pack("{s:s, s:i}", "reason", "court", "copies", 2);
	assert_non_null(details);
	ev.action = "transferred";
	ev.tool = "custody-log";
	ev.item = "E001";
	ev.from = "Examiner One";
	ev.to = "Examiner Two";
	ev.location = "Evidence room 2";
	ev.details = details;
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, &written, &err), 0);
	assert_non_null(written);

	read_lines(casedir, &l);
	assert_int_equal(l.count, 2);
	/* WRITTEN is exactly the line in the file */
	canon = cust_json_canonical(written, NULL);
	assert_non_null(canon);
	assert_int_equal(strlen(canon), l.len[1]);
	assert_memory_equal(canon, l.line[1], l.len[1]);
	free(canon);

	line_ev = cust_json_parse(l.line[1], l.len[1], "custody.log", 2, NULL);
	assert_non_null(line_ev);
	assert_string_equal(cust_json_string(line_ev, "action"), "transferred");
	assert_string_equal(cust_json_string(line_ev, "item"), "E001");
	assert_string_equal(cust_json_string(line_ev, "from"), "Examiner One");
	assert_string_equal(cust_json_string(line_ev, "to"), "Examiner Two");
	assert_string_equal(cust_json_string(line_ev, "location"),
	                    "Evidence room 2");
	assert_string_equal(cust_json_string(json_object_get(line_ev, "actor"),
	                                     "name"), "Examiner Two");
	assert_string_equal(cust_json_string(json_object_get(line_ev, "tool"),
	                                     "name"), "custody-log");
	assert_non_null(cust_json_string(json_object_get(line_ev, "tool"),
	                                 "version"));
	assert_string_equal(cust_json_string(line_ev, "host"),
	                    cust_log_hostname());
	assert_true(cust_log_hostname()[0] != '\0');
	t = cust_json_string(line_ev, "time");
	assert_non_null(t);
	assert_int_equal(strlen(t), 24);
	assert_int_equal(t[23], 'Z');
	assert_true(json_equal(json_object_get(line_ev, "details"), details));
	/* NULL fields are left out, not written as null */
	assert_null(json_object_get(line_ev, "note"));
	assert_null(json_object_get(line_ev, "unit"));
	assert_null(json_object_get(line_ev, "manifest_sha256"));
	assert_null(json_object_get(json_object_get(line_ev, "actor"),
	                            "fingerprint"));
	json_decref(line_ev);
	json_decref(written);
	json_decref(details);
	free_lines(&l);
}

static void test_verify_clean(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	findings = verify(casedir, &events);
	if (json_array_size(findings) != 0)
		dump_findings(findings);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(events, NOTES + 1);
	json_decref(findings);
}

static void test_verify_missing_log(void **state)
{
	char dir[CUST_PATH_MAX];
	struct cust_error err;
	uint64_t events = 0;
	json_t *findings = json_array();

	(void)state;
	tpath(dir, "no-case");
	assert_int_equal(mkdir(dir, 0755), 0);
	cust_error_clear(&err);
	assert_int_equal(cust_log_verify(dir, findings, &events, &err), -1);
	assert_true(err.kind != CUST_OK);
	json_decref(findings);
}

/* 0 when cust_log_verify of the case at DIR fails or reports a finding. */
static int verify_not_clean(const char *dir)
{
	json_t *findings = json_array();
	uint64_t events = 0;
	int rc;

	if (!findings)
		return 3;
	rc = cust_log_verify(dir, findings, &events, NULL);
	if (rc == 0 && json_array_size(findings) == 0)
		rc = 1;
	else
		rc = 0;
	json_decref(findings);
	return rc;
}

static void test_verify_log_is_fifo(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	int rc;

	(void)state;
	/* custody.log replaced by a FIFO: the check must end, and not pass */
	tpath(dir, "fifo-case");
	assert_int_equal(mkdir(dir, 0755), 0);
	log_path(path, dir);
	assert_int_equal(mkfifo(path, 0644), 0);
	rc = run_bounded(verify_not_clean, dir, 3000);
	if (rc == -1)
		fail_msg("cust_log_verify blocked on a FIFO custody.log");
	assert_int_equal(rc, 0);
}

/* ---- tampered twins ----------------------------------------------------- */

/* How a tampered copy differs from the log as written, at one line. */
enum tamper_how {
	TAMPER_REPLACE, /* the line replaced by another */
	TAMPER_DROP,    /* the line left out */
	TAMPER_TWICE,   /* the line written twice */
	TAMPER_SWAP,    /* the line and the next one swapped */
	TAMPER_TORN,    /* the last line followed by its first half again, with
	                   no newline: an append torn by a crash */
};

/*
 * Verify a copy of the case's log tampered with as HOW says at line LINE
 * (counted from 1, as the findings count them; WITH is the new line of
 * TAMPER_REPLACE, NULL otherwise), written as the log of the new folder
 * TMPDIR/NAME.  Returns the findings, which the caller releases; *EVENTS
 * receives the number of events read.
 */
static json_t *verify_tampered(const char *name, size_t line,
                               enum tamper_how how, const char *with,
                               uint64_t *events)
{
	char dir[CUST_PATH_MAX];
	struct text t = { 0 };
	struct lines l;
	json_t *findings;
	size_t i, k = line - 1;

	read_lines(casedir, &l);
	assert_true(line >= 1 && k < l.count);
	assert_true(how != TAMPER_SWAP || k + 1 < l.count);
	assert_true(how != TAMPER_TORN || k + 1 == l.count);
	assert_true((how == TAMPER_REPLACE) == (with != NULL));
	for (i = 0; i < l.count; i++) {
		if (i != k) {
			text_line(&t, l.line[i], l.len[i]);
			continue;
		}
		switch (how) {
		case TAMPER_REPLACE:
			text_line(&t, with, strlen(with));
			break;
		case TAMPER_DROP:
			break;
		case TAMPER_TWICE:
			text_line(&t, l.line[k], l.len[k]);
			text_line(&t, l.line[k], l.len[k]);
			break;
		case TAMPER_SWAP:
			text_line(&t, l.line[k + 1], l.len[k + 1]);
			text_line(&t, l.line[k], l.len[k]);
			i++; /* the next line is written already */
			break;
		case TAMPER_TORN:
			text_line(&t, l.line[k], l.len[k]);
			text_add(&t, l.line[k], l.len[k] / 2);
			break;
		}
	}
	write_copy(name, &t, dir);
	findings = verify(dir, events);
	free(t.p);
	free_lines(&l);
	return findings;
}

static void test_tamper_edit_middle_line(void **state)
{
	struct lines l;
	uint64_t events = 0;
	json_t *ev, *findings;
	char *edited;

	(void)state;
	fill_log();
	read_lines(casedir, &l);
	/* line 3: change the note, keep the canonical form */
	ev = cust_json_parse(l.line[2], l.len[2], "custody.log", 3, NULL);
	assert_non_null(ev);
	assert_int_equal(cust_json_set_string(ev, "note", "nothing to see", NULL),
	                 0);
	edited = cust_json_canonical(ev, NULL);
	assert_non_null(edited);
	assert_true(strlen(edited) != l.len[2] ||
	            memcmp(edited, l.line[2], l.len[2]) != 0);
	findings = verify_tampered("edited", 3, TAMPER_REPLACE, edited, &events);
	assert_int_equal(events, NOTES + 1);
	/* the edited line itself is well-formed; its successor no longer
	 * links to it */
	expect_finding(findings, 4, "line 3 was changed");
	assert_int_equal(first_finding_line(findings), 4);
	assert_int_equal(json_array_size(findings), 1);
	json_decref(findings);
	json_decref(ev);
	free(edited);
	free_lines(&l);
}

static void test_tamper_edit_not_canonical(void **state)
{
	struct text spaced = { 0 };
	struct lines l;
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	read_lines(casedir, &l);
	/* line 2 with a space added after the first brace: same content */
	text_add(&spaced, "{ ", 2);
	text_add(&spaced, l.line[1] + 1, l.len[1] - 1);
	findings = verify_tampered("spaced", 2, TAMPER_REPLACE, spaced.p, &events);
	expect_finding(findings, 2, "canonical");
	expect_finding(findings, 3, "line 2 was changed");
	assert_int_equal(first_finding_line(findings), 2);
	json_decref(findings);
	free(spaced.p);
	free_lines(&l);
}

static void test_tamper_delete_middle_line(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	findings = verify_tampered("deleted", 3, TAMPER_DROP, NULL, &events);
	assert_int_equal(events, NOTES);
	/* old line 4, now line 3, carries seq 4 */
	expect_finding(findings, 3, "seq 4 where 3 was expected");
	assert_int_equal(first_finding_line(findings), 3);
	assert_int_equal(json_array_size(findings), 1);
	json_decref(findings);
}

static void test_tamper_swap_lines(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	/* lines 3 and 4 swapped */
	findings = verify_tampered("swapped", 3, TAMPER_SWAP, NULL, &events);
	assert_int_equal(events, NOTES + 1);
	expect_finding(findings, 3, "seq 4 where 3 was expected");
	expect_finding(findings, 4, NULL);
	assert_int_equal(first_finding_line(findings), 3);
	assert_int_equal(findings_at(findings, 1, NULL), 0);
	assert_int_equal(findings_at(findings, 2, NULL), 0);
	json_decref(findings);
}

static void test_tamper_duplicate_line(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	findings = verify_tampered("duplicated", 3, TAMPER_TWICE, NULL, &events);
	assert_int_equal(events, NOTES + 2);
	expect_finding(findings, 4, "seq 3 where 4 was expected");
	assert_int_equal(first_finding_line(findings), 4);
	assert_int_equal(json_array_size(findings), 1);
	json_decref(findings);
}

static void test_tamper_not_json(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	findings = verify_tampered("garbage", 3, TAMPER_REPLACE,
	                           "this line is not JSON", &events);
	assert_int_equal(events, NOTES + 1);
	expect_finding(findings, 3, "not a valid event");
	assert_int_equal(first_finding_line(findings), 3);
	/* the line after a replaced line cannot pass either */
	expect_finding(findings, 4, NULL);
	json_decref(findings);
}

static void test_tamper_not_an_event(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	findings = verify_tampered("shape", 3, TAMPER_REPLACE, "{\"seq\":3}",
	                           &events);
	expect_finding(findings, 3, "event has no time");
	assert_int_equal(first_finding_line(findings), 3);
	json_decref(findings);
}

static void test_tamper_incomplete_last_line(void **state)
{
	uint64_t events = 0;
	json_t *findings;

	(void)state;
	fill_log();
	/* an interrupted write: half of a line, no newline */
	findings = verify_tampered("incomplete", NOTES + 1, TAMPER_TORN, NULL,
	                           &events);
	assert_int_equal(events, NOTES + 2);
	expect_finding(findings, NOTES + 2, "incomplete");
	assert_int_equal(first_finding_line(findings), NOTES + 2);
	assert_int_equal(json_array_size(findings), 1);
	json_decref(findings);
}

static void test_tamper_complete_event_without_newline(void **state)
{
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct lines l;
	uint64_t events = 0;
	json_t *findings;
	char *full;
	size_t size;

	(void)state;
	fill_log();
	log_path(path, casedir);
	full = slurp(path, &size);
	/* the whole log minus its final newline: the last event is intact
	 * but the line is not finished */
	{
		struct text t = { 0 };
		text_add(&t, full, size - 1);
		write_copy("nonewline", &t, dir);
		free(t.p);
	}
	read_lines(dir, &l);
	assert_false(l.last_complete);
	findings = verify(dir, &events);
	expect_finding(findings, NOTES + 1, "incomplete");
	assert_int_equal(first_finding_line(findings), NOTES + 1);
	json_decref(findings);
	free_lines(&l);
	free(full);
}

/* cust_log_append refuses the log LOGDIR as it is, leaving it untouched. */
static void expect_append_refused(const char *logdir)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	struct cust_error err;
	char path[CUST_PATH_MAX];
	char *before, *after;
	size_t blen, alen;
	json_t *written = (json_t *)&written;

	log_path(path, logdir);
	before = slurp(path, &blen);
	ev.action = "note";
	ev.tool = "custody-log";
	ev.note = "must not be written";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(logdir, &actor, &ev, &written, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	assert_null(written);
	after = slurp(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

static void test_append_refuses_incomplete_log(void **state)
{
	static const char partial[] = "{\"action\":\"note\",\"seq\":";
	char path[CUST_PATH_MAX];
	struct cust_error err;

	(void)state;
	fill_log();
	log_path(path, casedir);
	append_file(path, partial, sizeof partial - 1);
	expect_append_refused(casedir);
	/* say why */
	{
		struct cust_actor actor = { .name = EXAMINER };
		struct cust_event ev = { 0 };
		ev.action = "note";
		ev.tool = "custody-log";
		cust_error_clear(&err);
		assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err),
		                 -1);
		assert_non_null(strstr(err.message, "incomplete"));
	}
}

static void test_append_refuses_unreadable_last_line(void **state)
{
	static const char junk[] = "not json at all\n";
	char path[CUST_PATH_MAX];

	(void)state;
	fill_log();
	log_path(path, casedir);
	append_file(path, junk, sizeof junk - 1);
	expect_append_refused(casedir);
}

/* ---- parallel appenders ------------------------------------------------- */

/* In a child: PER_CHILD notes "C-N"; no cmocka calls here. */
static void child_appends(int c)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	char note[32];
	int n;

	alarm(120); /* a deadlock kills the child instead of hanging the run */
	ev.action = "note";
	ev.tool = "test";
	ev.note = note;
	for (n = 0; n < PER_CHILD; n++) {
		if (snprintf(note, sizeof note, "%d-%d", c, n) <= 0)
			_exit(3);
		if (cust_log_append(casedir, &actor, &ev, NULL, NULL) != 0)
			_exit(1);
	}
	_exit(0);
}

/* "C-N" into C and N; -1 when NOTE is not of that form. */
static int parse_note(const char *note, uint64_t *c, uint64_t *n)
{
	char left[16];
	const char *dash = strchr(note, '-');
	size_t ll;

	if (!dash)
		return -1;
	ll = (size_t)(dash - note);
	if (ll == 0 || ll >= sizeof left)
		return -1;
	memcpy(left, note, ll);
	left[ll] = '\0';
	if (cust_parse_u64(left, c) < 0 || cust_parse_u64(dash + 1, n) < 0)
		return -1;
	return 0;
}

static void test_parallel_appends(void **state)
{
	int seen[CHILDREN][PER_CHILD];
	pid_t pids[CHILDREN];
	struct lines l;
	uint64_t events = 0;
	json_t *findings;
	size_t i;
	int c;

	(void)state;
	/* a caller's short lock timeout must not fail the waiting children */
	assert_int_equal(setenv("CUSTODY_LOCK_TIMEOUT", "120", 1), 0);
	memset(seen, 0, sizeof seen);
	for (c = 0; c < CHILDREN; c++) {
		pids[c] = fork();
		assert_true(pids[c] >= 0);
		if (pids[c] == 0)
			child_appends(c);
	}
	for (c = 0; c < CHILDREN; c++) {
		int status;
		assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}

	read_lines(casedir, &l);
	assert_int_equal(l.count, CHILDREN * PER_CHILD + 1);
	assert_true(l.last_complete);
	for (i = 1; i < l.count; i++) {
		json_t *ev = cust_json_parse(l.line[i], l.len[i], "custody.log",
		                             (unsigned long)i + 1, NULL);
		uint64_t pc = 0, pn = 0;
		const char *note;

		assert_non_null(ev);
		assert_int_equal(json_integer_value(json_object_get(ev, "seq")),
		                 (json_int_t)i + 1);
		note = cust_json_string(ev, "note");
		assert_non_null(note);
		assert_int_equal(parse_note(note, &pc, &pn), 0);
		assert_true(pc < CHILDREN);
		assert_true(pn < PER_CHILD);
		seen[pc][pn]++;
		json_decref(ev);
	}
	for (c = 0; c < CHILDREN; c++) {
		int n;
		for (n = 0; n < PER_CHILD; n++)
			if (seen[c][n] != 1)
				fail_msg("event %d-%d appears %d times", c, n,
				         seen[c][n]);
	}
	findings = verify(casedir, &events);
	if (json_array_size(findings) != 0)
		dump_findings(findings);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(events, CHILDREN * PER_CHILD + 1);
	json_decref(findings);
	free_lines(&l);
}

/* ---- refused events and actions ----------------------------------------- */

static void test_append_refuses_bad_events(void **state)
{
	struct cust_actor actor = { .name = EXAMINER }, nobody = { .name = "" };
	struct cust_event ev = { 0 };
	struct cust_error err;
	char path[CUST_PATH_MAX];
	char *before, *after;
	size_t blen, alen;

	(void)state;
	fill_log();
	log_path(path, casedir);
	before = slurp(path, &blen);

	ev.tool = "custody-log";
	ev.action = "deleted";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	assert_non_null(strstr(err.message, "'deleted'"));

	ev.action = NULL;
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);

	ev.action = "note";
	ev.tool = NULL;
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);

	ev.tool = "custody-log";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &nobody, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, NULL, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);

	ev.note = "bad \xff byte";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_USAGE);

	after = slurp(path, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

static void test_log_symlink_refused(void **state)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	struct cust_error err;
	char path[CUST_PATH_MAX], real[CUST_PATH_MAX];
	json_t *findings = json_array();
	uint64_t events = 0;
	char *before, *after;
	size_t blen, alen;

	(void)state;
	fill_log();
	/* custody.log moved away and replaced by a link to it */
	log_path(path, casedir);
	tpath(real, "real.log");
	assert_int_equal(rename(path, real), 0);
	assert_int_equal(symlink(real, path), 0);
	before = slurp(real, &blen);

	ev.action = "note";
	ev.tool = "custody-log";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.sys_errno, ELOOP);
	after = slurp(real, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);

	cust_error_clear(&err);
	assert_int_equal(cust_log_verify(casedir, findings, &events, &err), -1);
	assert_int_equal(err.sys_errno, ELOOP);
	json_decref(findings);
	free(before);
	free(after);
}

static void test_append_no_case(void **state)
{
	struct cust_actor actor = { .name = EXAMINER };
	struct cust_event ev = { 0 };
	struct cust_error err;
	char dir[CUST_PATH_MAX], path[CUST_PATH_MAX];
	struct stat st;

	(void)state;
	tpath(dir, "empty");
	assert_int_equal(mkdir(dir, 0755), 0);
	ev.action = "note";
	ev.tool = "custody-log";
	cust_error_clear(&err);
	assert_int_equal(cust_log_append(dir, &actor, &ev, NULL, &err), -1);
	assert_int_equal(err.kind, CUST_E_INPUT);
	/* the log is not created on the way */
	log_path(path, dir);
	assert_int_equal(lstat(path, &st), -1);
}

static void test_action_lists(void **state)
{
	static const char *const known[] = {
		"case-created", "item-added", "acquired", "verified", "hashed",
		"signed", "timestamped", "extracted", "reported", "exported",
		"transferred", "stored", "sealed", "note", NULL
	};
	static const char *const manual[] = {
		"transferred", "stored", "sealed", "note", NULL
	};
	static const char *const unknown[] = {
		"", "deleted", "Note", "note ", "acquire", NULL
	};
	size_t i, j;

	(void)state;
	for (i = 0; known[i]; i++) {
		int is_manual = 0;
		for (j = 0; manual[j]; j++)
			if (strcmp(known[i], manual[j]) == 0)
				is_manual = 1;
		if (cust_log_action_known(known[i]) != 1)
			fail_msg("'%s' not known", known[i]);
		if (cust_log_action_manual(known[i]) != is_manual)
			fail_msg("'%s' manual should be %d", known[i], is_manual);
	}
	for (i = 0; unknown[i]; i++) {
		assert_int_equal(cust_log_action_known(unknown[i]), 0);
		assert_int_equal(cust_log_action_manual(unknown[i]), 0);
	}
	assert_int_equal(cust_log_action_known(NULL), 0);
	assert_int_equal(cust_log_action_manual(NULL), 0);
}

static void test_manual_actions_append(void **state)
{
	static const char *const manual[] = {
		"transferred", "stored", "sealed", "note", NULL
	};
	struct cust_actor actor = { .name = EXAMINER };
	struct lines l;
	uint64_t events = 0;
	json_t *findings;
	size_t i;

	(void)state;
	for (i = 0; manual[i]; i++) {
		struct cust_event ev = { 0 };
		struct cust_error err;
		ev.action = manual[i];
		ev.tool = "custody-log";
		cust_error_clear(&err);
		assert_int_equal(cust_log_append(casedir, &actor, &ev, NULL, &err),
		                 0);
	}
	read_lines(casedir, &l);
	assert_int_equal(l.count, 5);
	for (i = 0; manual[i]; i++) {
		json_t *ev = cust_json_parse(l.line[i + 1], l.len[i + 1], "x",
		                             (unsigned long)i + 2, NULL);
		assert_non_null(ev);
		assert_string_equal(cust_json_string(ev, "action"), manual[i]);
		json_decref(ev);
	}
	findings = verify(casedir, &events);
	assert_int_equal(json_array_size(findings), 0);
	assert_int_equal(events, 5);
	json_decref(findings);
	free_lines(&l);
}

/* ---- cust_log_read ------------------------------------------------------ */

struct read_ctx {
	unsigned long calls;
	unsigned long stop_at;
	int parsed;
	int bad_seen;
};

static int read_cb(void *ctx, unsigned long lineno, const char *line,
                   size_t len, json_t *event, const char *line_err)
{
	struct read_ctx *r = ctx;

	r->calls++;
	if (lineno != r->calls)
		r->bad_seen = 1;
	if (event) {
		json_int_t seq = json_integer_value(json_object_get(event, "seq"));
		if (seq != (json_int_t)lineno || line_err || len == 0 || !line)
			r->bad_seen = 1;
		r->parsed++;
	} else if (!line_err) {
		r->bad_seen = 1;
	}
	return r->stop_at && lineno == r->stop_at;
}

static void test_log_read(void **state)
{
	struct read_ctx r;

	(void)state;
	fill_log();
	memset(&r, 0, sizeof r);
	assert_int_equal(cust_log_read(casedir, read_cb, &r, NULL), 0);
	assert_int_equal(r.calls, NOTES + 1);
	assert_int_equal(r.parsed, NOTES + 1);
	assert_false(r.bad_seen);
	/* a non-zero return stops the walk */
	memset(&r, 0, sizeof r);
	r.stop_at = 2;
	assert_int_equal(cust_log_read(casedir, read_cb, &r, NULL), 0);
	assert_int_equal(r.calls, 2);
}

/* ---- main --------------------------------------------------------------- */

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_case, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_case_init_first_line),
		T(test_chain_links),
		T(test_event_fields),
		T(test_verify_clean),
		T(test_verify_missing_log),
		T(test_verify_log_is_fifo),
		T(test_tamper_edit_middle_line),
		T(test_tamper_edit_not_canonical),
		T(test_tamper_delete_middle_line),
		T(test_tamper_swap_lines),
		T(test_tamper_duplicate_line),
		T(test_tamper_not_json),
		T(test_tamper_not_an_event),
		T(test_tamper_incomplete_last_line),
		T(test_tamper_complete_event_without_newline),
		T(test_append_refuses_incomplete_log),
		T(test_append_refuses_unreadable_last_line),
		T(test_parallel_appends),
		T(test_append_refuses_bad_events),
		T(test_log_symlink_refused),
		T(test_append_no_case),
		T(test_action_lists),
		T(test_manual_actions_append),
		T(test_log_read),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
