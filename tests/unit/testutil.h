/* testutil.h - helpers shared by the cmocka unit tests in tests/unit.
 *
 * Every tests/unit/test_X.c is built alone into its own program, so this
 * header holds definitions: the functions are static inline (a test that
 * does not call one gets no unused-function warning) and the folders below
 * belong to the one program that includes it.  A helper that cannot do its
 * work fails the running test through cmocka; none returns an error for
 * the caller to check unless its comment says so.
 */
#ifndef CUSTODY_TESTUTIL_H
#define CUSTODY_TESTUTIL_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "custody/caseio.h"
#include "custody/digest.h"
#include "custody/fsutil.h"
#include "custody/json.h"

/* The lead examiner of the case setup_case makes. */
#define EXAMINER "Examiner One"

/* The program's scratch folder, made by setup_tmp (or setup_case) and
 * removed with all it holds by teardown_tmp. */
static char tmpdir[CUST_PATH_MAX];

/* The case setup_case makes in the scratch folder: TMPDIR/case. */
static char casedir[CUST_PATH_MAX];

/* ---- text built by a test ------------------------------------------------ */

/* Append the formatted text to BUF of CAP bytes at *LEN (and its NUL);
 * fails the test when it does not fit. */
static inline void appendf(char *buf, size_t cap, size_t *len,
                           const char *fmt, ...) CUST_PRINTF(4, 5);
static inline void appendf(char *buf, size_t cap, size_t *len,
                           const char *fmt, ...)
{
	va_list ap;
	int n;

	assert_true(*len < cap);
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < cap - *len);
	*len += (size_t)n;
}

/* ---- paths and files ---------------------------------------------------- */

/* A/B into OUT (CUST_PATH_MAX bytes); fails the test when it does not fit. */
static inline void join(char *out, const char *a, const char *b)
{
	int n = snprintf(out, CUST_PATH_MAX, "%s/%s", a, b);
	assert_true(n > 0 && n < CUST_PATH_MAX);
}

/* TMPDIR/NAME into OUT (CUST_PATH_MAX bytes). */
static inline void tpath(char *out, const char *name)
{
	join(out, tmpdir, name);
}

/* The shared test data folder: $CUSTODY_TESTDATA or ../shared/testdata. */
static inline const char *testdata(void)
{
	const char *d = getenv("CUSTODY_TESTDATA");
	return d && *d ? d : "../shared/testdata";
}

/* Whether absent test data fails a test instead of skipping it:
 * CUSTODY_REQUIRE_TESTDATA set to anything but "" or "0" (CI sets it to 1,
 * where the shared test data is). */
static inline int testdata_required(void)
{
	const char *r = getenv("CUSTODY_REQUIRE_TESTDATA");
	return r && *r && strcmp(r, "0") != 0;
}

/* TESTDATA/SUB/NAME into OUT; when it is absent, skip the test, or fail it
 * when testdata_required() (call it before allocating: either leaves the
 * test at once). */
static inline void testdata_path(char *out, const char *sub, const char *name)
{
	char dir[CUST_PATH_MAX];
	struct stat st;

	join(dir, testdata(), sub);
	join(out, dir, name);
	if (stat(out, &st) == 0)
		return;
	if (testdata_required())
		fail_msg("test data '%s' absent, and CUSTODY_REQUIRE_TESTDATA is "
		         "set", out);
	print_message("# test data '%s' absent: skipped\n", out);
	skip();
}

/* Create PATH, or truncate it, to hold exactly the LEN bytes of DATA
 * (mode 0644 when created). */
static inline void write_file(const char *path, const void *data, size_t len)
{
	const unsigned char *p = data;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
	assert_int_equal(close(fd), 0);
}

/* The whole content of PATH, read with stdio (not with the library under
 * test) and NUL-terminated; *LEN receives its length unless LEN is NULL.
 * The caller frees the buffer. */
static inline char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, used = 0;

	assert_non_null(f);
	for (;;) {
		size_t n;
		if (cap - used < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		n = fread(buf + used, 1, cap - used, f);
		used += n;
		if (n == 0)
			break;
	}
	assert_int_equal(ferror(f), 0);
	assert_int_equal(fclose(f), 0);
	buf[used] = '\0';
	if (len)
		*len = used;
	return buf;
}

/* The number of entries of TMPDIR besides . and .. whose name contains
 * PART (every entry when PART is NULL). */
static inline int count_entries_named(const char *part)
{
	DIR *d = opendir(tmpdir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    (!part || strstr(de->d_name, part)))
			n++;
	closedir(d);
	return n;
}

/* The number of entries of TMPDIR besides . and .. */
static inline int count_entries(void)
{
	return count_entries_named(NULL);
}

/* ---- data and digests --------------------------------------------------- */

/* One xorshift64 step of the state *X (never 0); returns the new state. */
static inline uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* LEN reproducible bytes drawn from SEED (xorshift64), so a failure can be
 * replayed.  The caller frees them (never NULL, even for LEN 0). */
static inline unsigned char *make_data(size_t len, uint64_t seed)
{
	unsigned char *p = malloc(len ? len : 1);
	uint64_t x = seed | 1;
	size_t i;

	assert_non_null(p);
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(next_rand(&x) >> 24);
	return p;
}

/* The digest by ALG of the LEN bytes of DATA, in lowercase hex, into HEX
 * (CUST_DIGEST_HEX_MAX bytes are always enough). */
static inline void hex_of(enum cust_digest_alg alg, const void *data,
                          size_t len, char *hex)
{
	unsigned char md[CUST_DIGEST_MAX_SIZE];

	assert_int_equal(cust_digest_buffer(alg, data, len, md, NULL), 0);
	cust_hex_encode(md, cust_digest_size(alg), hex);
}

/* ---- processes ---------------------------------------------------------- */

/*
 * Run FN(ARG) in a child and wait at most TIMEOUT_MS for it: its exit
 * status (128 when a signal ended it), or -1 when it was still blocked and
 * had to be killed.  FN runs in the child: it must not call cmocka.
 */
static inline int run_bounded(int (*fn)(const char *), const char *arg,
                              long timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	long waited = 0;
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60); /* never outlive the test run */
		_exit(fn(arg));
	}
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		assert_true(r >= 0);
		if (r == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			assert_int_equal(waitpid(pid, &status, 0), pid);
			return -1;
		}
		nanosleep(&tick, NULL);
		waited += 10;
	}
}

/* ---- findings ----------------------------------------------------------- */

/* Print FINDINGS (any JSON value) through cmocka, to understand a failure. */
static inline void dump_findings(const json_t *findings)
{
	char *s = json_dumps(findings, JSON_INDENT(2));
	if (s)
		print_message("findings: %s\n", s);
	free(s);
}

/* Whether the finding F is about SUBJECT and its message contains WHAT
 * (any message when WHAT is NULL).  Whatever the answer, F must have the
 * documented shape: a subject, a message, "check": CHECK, "status":
 * "failed". */
static inline int finding_matches(const json_t *f, const char *check,
                                  const char *subject, const char *what)
{
	const char *s = cust_json_string(f, "subject");
	const char *m = cust_json_string(f, "message");

	assert_non_null(s);
	assert_non_null(m);
	assert_string_equal(cust_json_string(f, "check"), check);
	assert_string_equal(cust_json_string(f, "status"), "failed");
	return strcmp(s, subject) == 0 && (!what || strstr(m, what));
}

/* ---- cmocka fixtures ---------------------------------------------------- */

/* nftw callback removing each entry, deepest first (with FTW_DEPTH). */
static inline int rm_entry(const char *path, const struct stat *sb, int flag,
                           struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Setup: a new, empty TMPDIR, $TMPDIR/<program name>.XXXXXX ($TMPDIR
 * defaults to /tmp).  0, or -1 when it could not be made. */
static inline int setup_tmp(void **state)
{
	const char *base = getenv("TMPDIR");
	int n;

	(void)state;
	n = snprintf(tmpdir, sizeof tmpdir, "%s/%s.XXXXXX",
	             base && *base ? base : "/tmp", program_invocation_short_name);
	if (n < 0 || (size_t)n >= sizeof tmpdir || !mkdtemp(tmpdir))
		return -1;
	return 0;
}

/* Teardown: TMPDIR removed with everything below it, links not followed. */
static inline int teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* Setup: setup_tmp, then the case CASEDIR (TMPDIR/case) made by
 * cust_case_init: number 2011-042, title "Test case", lead examiner
 * EXAMINER, so its custody.log holds one line, case-created.  Torn down
 * by teardown_tmp. */
static inline int setup_case(void **state)
{
	struct cust_case_params p = { 0 };
	int n;

	if (setup_tmp(state) != 0)
		return -1;
	n = snprintf(casedir, sizeof casedir, "%s/case", tmpdir);
	if (n < 0 || (size_t)n >= sizeof casedir)
		return -1;
	p.number = "2011-042";
	p.title = "Test case";
	p.examiner = EXAMINER;
	return cust_case_init(casedir, &p, "test", NULL, NULL) == 0 ? 0 : -1;
}

#endif /* CUSTODY_TESTUTIL_H */
