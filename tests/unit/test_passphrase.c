/* test_passphrase.c - unit tests of where a key's passphrase comes from
 * (include/custody/passphrase.h): a file, the environment, or whoever the
 * caller's callback asks.  The terminal the commands ask on is tested on
 * a pseudo-terminal by tests/cli/prompt.sh. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "custody/fsutil.h"
#include "custody/passphrase.h"
#include "testutil.h"

static void expect_error(int rc, const struct cust_error *err,
                         enum cust_error_kind kind, const char *part)
{
	assert_int_equal(rc, -1);
	if (err->kind != kind || !strstr(err->message, part))
		fail_msg("expected kind %d with '%s', got kind %d: %s", (int)kind,
		         part, (int)err->kind, err->message);
}

/* ---- a file, the environment -------------------------------------------- */

static void test_passphrase_file(void **state)
{
	char path[CUST_PATH_MAX], buf[CUST_PASSPHRASE_MAX + 1], small[9];
	char *big;
	struct cust_error err;
	size_t len = 99;

	(void)state;
	setenv("CUSTODY_PASSPHRASE", "from the environment", 1);
	tpath(path, "pass");
	cust_error_clear(&err);
	/* the first line, without its newline; the file wins over the env */
	write_file(path, "first line\nsecond line\n", 23);
	assert_int_equal(cust_passphrase_get(path, NULL, NULL, NULL, 1, buf,
	                                     sizeof buf, &len, &err),
	                 0);
	assert_string_equal(buf, "first line");
	assert_int_equal(len, 10);
	/* no newline at the end; blanks and a CR kept, as openssl -passin does */
	write_file(path, " spaced out \r", 13);
	assert_int_equal(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                     sizeof buf, &len, &err),
	                 0);
	assert_string_equal(buf, " spaced out \r");
	/* the longest, and one byte more */
	big = malloc(CUST_PASSPHRASE_MAX + 2);
	assert_non_null(big);
	memset(big, 'z', CUST_PASSPHRASE_MAX + 1);
	big[CUST_PASSPHRASE_MAX] = '\n';
	write_file(path, big, CUST_PASSPHRASE_MAX + 1);
	assert_int_equal(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                     sizeof buf, &len, &err),
	                 0);
	assert_int_equal(len, CUST_PASSPHRASE_MAX);
	big[CUST_PASSPHRASE_MAX] = 'z';
	write_file(path, big, CUST_PASSPHRASE_MAX + 1);
	expect_error(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "longer than 1024 bytes");
	assert_int_equal(len, 0);
	assert_int_equal(buf[0], '\0');
	free(big);
	/* a small buffer bounds it too */
	write_file(path, "123456789\n", 10);
	expect_error(cust_passphrase_get(path, NULL, NULL, NULL, 0, small,
	                                 sizeof small, &len, &err),
	             &err, CUST_E_INPUT, "longer than 8 bytes");
	/* empty, NUL inside, missing, a folder */
	write_file(path, "\nsecond\n", 8);
	expect_error(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "is empty");
	write_file(path, "ab\0cd\n", 6);
	expect_error(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "NUL byte");
	tpath(path, "missing");
	expect_error(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "missing");
	expect_error(cust_passphrase_get(tmpdir, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "is a folder");
	unsetenv("CUSTODY_PASSPHRASE");
}

static void test_passphrase_pipe(void **state)
{
	char buf[64], path[64];
	struct cust_error err;
	size_t len;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "piped secret\n", 13), 13);
	close(fds[1]);
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	cust_error_clear(&err);
	assert_int_equal(cust_passphrase_get(path, NULL, NULL, NULL, 0, buf,
	                                     sizeof buf, &len, &err),
	                 0);
	assert_string_equal(buf, "piped secret");
	close(fds[0]);
}

static void test_passphrase_env(void **state)
{
	char buf[CUST_PASSPHRASE_MAX + 1], *big;
	struct cust_error err;
	size_t len;

	(void)state;
	cust_error_clear(&err);
	setenv("CUSTODY_PASSPHRASE", "env passphrase", 1);
	assert_int_equal(cust_passphrase_get(NULL, NULL, NULL, NULL, 1, buf,
	                                     sizeof buf, &len, &err),
	                 0);
	assert_string_equal(buf, "env passphrase");
	assert_int_equal(len, 14);
	setenv("CUSTODY_PASSPHRASE", "", 1);
	expect_error(cust_passphrase_get(NULL, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "CUSTODY_PASSPHRASE is empty");
	big = malloc(CUST_PASSPHRASE_MAX + 2);
	assert_non_null(big);
	memset(big, 'e', CUST_PASSPHRASE_MAX + 1);
	big[CUST_PASSPHRASE_MAX + 1] = '\0';
	setenv("CUSTODY_PASSPHRASE", big, 1);
	free(big);
	expect_error(cust_passphrase_get(NULL, NULL, NULL, NULL, 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_INPUT, "longer than 1024 bytes");
	unsetenv("CUSTODY_PASSPHRASE");
}

/* ---- the caller's asker ------------------------------------------------- */

/* An asker that gives its answers in turn and remembers what it was
 * asked.  An answer NULL means "no one to ask" (1); "!fail" fails with an
 * error of its own, "!silent" fails without saying why. */
struct asker {
	const char *answers[3];
	size_t answer_len[3]; /* 0: strlen */
	int calls;
	char prompts[3][64];
	size_t caps[3];
};

static int ask(void *ctx, const char *prompt, char *buf, size_t cap,
               size_t *len, struct cust_error *err)
{
	struct asker *a = ctx;
	const char *answer;
	size_t n;
	int i = a->calls++;

	assert_true(i < 3);
	snprintf(a->prompts[i], sizeof a->prompts[i], "%s", prompt);
	a->caps[i] = cap;
	answer = a->answers[i];
	if (!answer)
		return 1;
	if (strcmp(answer, "!fail") == 0)
		return cust_error_set(err, CUST_E_IO, "the asker broke");
	if (strcmp(answer, "!silent") == 0)
		return -1;
	n = a->answer_len[i] ? a->answer_len[i] : strlen(answer);
	if (n >= cap)
		return cust_error_set(err, CUST_E_USAGE, "too long for the asker");
	memcpy(buf, answer, n);
	buf[n] = '\0';
	*len = n;
	return 0;
}

/* ANSWERS asked for with CONFIRM: the result, BUF and ERR. */
static int asked(struct asker *a, int confirm, char *buf, size_t cap,
                 size_t *len, struct cust_error *err)
{
	a->calls = 0;
	cust_error_clear(err);
	return cust_passphrase_get(NULL, ask, a, "pw: ", confirm, buf, cap, len,
	                           err);
}

static void test_passphrase_ask(void **state)
{
	char buf[CUST_PASSPHRASE_MAX + 1], small[9];
	struct asker a = { { "typed secret", "typed secret", NULL }, { 0 }, 0,
	                   { "" }, { 0 } };
	struct cust_error err;
	size_t len = 0;

	(void)state;
	unsetenv("CUSTODY_PASSPHRASE");
	/* asked once, with the caller's prompt and room for the longest */
	assert_int_equal(asked(&a, 0, buf, sizeof buf, &len, &err), 0);
	assert_string_equal(buf, "typed secret");
	assert_int_equal(len, 12);
	assert_int_equal(a.calls, 1);
	assert_string_equal(a.prompts[0], "pw: ");
	assert_int_equal(a.caps[0], CUST_PASSPHRASE_MAX + 1);
	/* asked twice to confirm */
	assert_int_equal(asked(&a, 1, buf, sizeof buf, &len, &err), 0);
	assert_int_equal(a.calls, 2);
	assert_string_equal(a.prompts[1], "the same passphrase again: ");
	assert_string_equal(buf, "typed secret");
	/* the hostile twin: two different answers, nothing kept */
	a.answers[1] = "typed secreT";
	expect_error(asked(&a, 1, buf, sizeof buf, &len, &err), &err,
	             CUST_E_USAGE, "the passphrases do not match");
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	/* a prefix of the first is another answer too */
	a.answers[1] = "typed";
	expect_error(asked(&a, 1, buf, sizeof buf, &len, &err), &err,
	             CUST_E_USAGE, "the passphrases do not match");
	/* a file or the environment comes first: no one is asked */
	setenv("CUSTODY_PASSPHRASE", "env passphrase", 1);
	assert_int_equal(asked(&a, 1, buf, sizeof buf, &len, &err), 0);
	assert_string_equal(buf, "env passphrase");
	assert_int_equal(a.calls, 0);
	unsetenv("CUSTODY_PASSPHRASE");
	/* what the asker gives is checked as any passphrase is */
	a.answers[0] = "";
	expect_error(asked(&a, 0, buf, sizeof buf, &len, &err), &err,
	             CUST_E_INPUT, "the passphrase from the terminal is empty");
	a.answers[0] = "ab\0cd";
	a.answer_len[0] = 5;
	expect_error(asked(&a, 0, buf, sizeof buf, &len, &err), &err,
	             CUST_E_INPUT, "NUL byte");
	assert_string_equal(buf, "");
	a.answer_len[0] = 0;
	/* the caller's buffer bounds what the asker may give */
	a.answers[0] = "123456789";
	expect_error(asked(&a, 0, small, sizeof small, &len, &err), &err,
	             CUST_E_USAGE, "too long for the asker");
	assert_int_equal(a.caps[0], sizeof small);
	assert_string_equal(small, "");
	/* an asker's failure is passed on; one that says nothing gets words */
	a.answers[0] = "!fail";
	expect_error(asked(&a, 0, buf, sizeof buf, &len, &err), &err, CUST_E_IO,
	             "the asker broke");
	a.answers[0] = "!silent";
	expect_error(asked(&a, 0, buf, sizeof buf, &len, &err), &err, CUST_E_IO,
	             "cannot read the passphrase");
	/* failing at the confirmation leaves nothing either */
	a.answers[0] = "typed secret";
	a.answers[1] = "!fail";
	expect_error(asked(&a, 1, buf, sizeof buf, &len, &err), &err, CUST_E_IO,
	             "the asker broke");
	assert_string_equal(buf, "");
	assert_int_equal(len, 0);
}

/* No file, no variable, and no one to ask (no asker, or no terminal). */
static void test_passphrase_no_source(void **state)
{
	static const char want[] = "no passphrase: give --passphrase-file, set "
	                           "CUSTODY_PASSPHRASE, or run on a terminal";
	struct asker a = { { NULL }, { 0 }, 0, { "" }, { 0 } };
	struct cust_error err;
	char buf[64];
	size_t len;

	(void)state;
	unsetenv("CUSTODY_PASSPHRASE");
	cust_error_clear(&err);
	expect_error(cust_passphrase_get(NULL, NULL, NULL, "pw: ", 0, buf,
	                                 sizeof buf, &len, &err),
	             &err, CUST_E_USAGE, want);
	expect_error(asked(&a, 1, buf, sizeof buf, &len, &err), &err,
	             CUST_E_USAGE, want);
	assert_int_equal(a.calls, 1);
	/* no room at all */
	expect_error(cust_passphrase_get(NULL, ask, &a, "pw: ", 0, buf, 1, &len,
	                                 &err),
	             &err, CUST_E_USAGE, "no room");
}

static void test_wipe(void **state)
{
	char secret[32] = "correct horse battery staple";
	size_t i;

	(void)state;
	cust_wipe(secret, sizeof secret);
	for (i = 0; i < sizeof secret; i++)
		assert_int_equal(secret[i], 0);
	cust_wipe(NULL, 10); /* harmless */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_passphrase_file),
		T(test_passphrase_pipe),
		T(test_passphrase_env),
		T(test_passphrase_ask),
		T(test_passphrase_no_source),
		T(test_wipe),
	};

	/* the caller's passphrase must not leak in */
	unsetenv("CUSTODY_PASSPHRASE");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
