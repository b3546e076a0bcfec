/* test_time.c - unit tests of UTC time stamps (include/custody/time.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "custody/time.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

static void expect_format(int64_t sec, int32_t msec, const char *want)
{
	struct cust_time t = { sec, msec };
	struct cust_error err;
	char out[CUST_TIME_LEN];

	memset(out, 'X', sizeof out);
	cust_error_clear(&err);
	if (cust_time_format(&t, out, &err) != 0)
		fail_msg("format of %lld.%03d failed: %s", (long long)sec,
		         (int)msec, err.message);
	assert_string_equal(out, want);
	assert_int_equal(strlen(out), 24);
}

static void expect_parse(const char *s, int64_t sec, int32_t msec)
{
	struct cust_time t = { -1, -1 };
	struct cust_error err;

	cust_error_clear(&err);
	if (cust_time_parse(s, &t, &err) != 0)
		fail_msg("'%s' refused: %s", s, err.message);
	if (t.sec != sec || t.msec != msec)
		fail_msg("'%s' parsed as %lld.%03d, expected %lld.%03d", s,
		         (long long)t.sec, (int)t.msec, (long long)sec, (int)msec);
}

static void expect_refused(const char *s)
{
	struct cust_time t = { 0, 0 };
	struct cust_error err;

	cust_error_clear(&err);
	if (cust_time_parse(s, &t, &err) != -1)
		fail_msg("'%s' accepted as a time (%lld.%03d)", s, (long long)t.sec,
		         (int)t.msec);
	assert_int_equal(err.kind, CUST_E_USAGE);
	/* the message quotes what was refused */
	assert_non_null(strstr(err.message, s));
}

/* ---- format ------------------------------------------------------------- */

static void test_format_known(void **state)
{
	(void)state;
	expect_format(1300284300, 7, "2011-03-16T14:05:00.007Z");
	expect_format(1300284300, 0, "2011-03-16T14:05:00.000Z");
	expect_format(1300284300, 999, "2011-03-16T14:05:00.999Z");
	expect_format(0, 0, "1970-01-01T00:00:00.000Z");
	expect_format(951782400, 0, "2000-02-29T00:00:00.000Z");
	expect_format(1330516799, 250, "2012-02-29T11:59:59.250Z");
	expect_format(253402300799, 999, "9999-12-31T23:59:59.999Z");
	expect_format(-1, 0, "1969-12-31T23:59:59.000Z");
}

static void test_format_always_24(void **state)
{
	static const int64_t secs[] = {
		0, 1, 59, 86399, 1000000000, 1300284300, 2147483647, 4102444800,
		253402300799
	};
	static const int32_t msecs[] = { 0, 1, 10, 100, 999 };
	char out[CUST_TIME_LEN];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof secs / sizeof secs[0]; i++) {
		for (j = 0; j < sizeof msecs / sizeof msecs[0]; j++) {
			struct cust_time t = { secs[i], msecs[j] };
			assert_int_equal(cust_time_format(&t, out, NULL), 0);
			assert_int_equal(strlen(out), 24);
			assert_int_equal(out[4], '-');
			assert_int_equal(out[10], 'T');
			assert_int_equal(out[19], '.');
			assert_int_equal(out[23], 'Z');
		}
	}
}

static void test_format_out_of_range(void **state)
{
	struct cust_time t;
	struct cust_error err;
	char out[CUST_TIME_LEN];

	(void)state;
	/* milliseconds outside 0..999 */
	t.sec = 1300284300;
	t.msec = 1000;
	cust_error_clear(&err);
	assert_int_equal(cust_time_format(&t, out, &err), -1);
	assert_true(err.kind != CUST_OK);
	t.msec = -1;
	assert_int_equal(cust_time_format(&t, out, NULL), -1);
	/* year 10000 does not fit in 24 characters */
	t.sec = 253402300800;
	t.msec = 0;
	cust_error_clear(&err);
	assert_int_equal(cust_time_format(&t, out, &err), -1);
	assert_non_null(strstr(err.message, "out of range"));
}

static void test_now(void **state)
{
	char s[CUST_TIME_LEN];
	struct cust_time t, back;
	struct timespec ts;
	int64_t before, after;

	/* The same clock cust_time_now reads: time() is the coarse clock,
	 * which may still show the last second after the fine one turned. */
	(void)state;
	clock_gettime(CLOCK_REALTIME, &ts);
	before = ts.tv_sec;
	assert_int_equal(cust_time_now(&t, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	after = ts.tv_sec;
	assert_true(t.sec >= before && t.sec <= after);
	assert_true(t.msec >= 0 && t.msec <= 999);
	assert_int_equal(cust_time_now_string(s, NULL), 0);
	assert_int_equal(strlen(s), 24);
	assert_int_equal(s[23], 'Z');
	assert_int_equal(cust_time_parse(s, &back, NULL), 0);
	assert_true(back.sec >= before);
}

/* ---- parse -------------------------------------------------------------- */

static void test_parse_basic(void **state)
{
	(void)state;
	expect_parse("2011-03-16T14:05:00Z", 1300284300, 0);
	expect_parse("2011-03-16t14:05:00z", 1300284300, 0);
	expect_parse("1970-01-01T00:00:00Z", 0, 0);
	expect_parse("2038-01-19T03:14:08Z", 2147483648LL, 0);
}

static void test_parse_fraction(void **state)
{
	(void)state;
	expect_parse("2011-03-16T14:05:00.007Z", 1300284300, 7);
	expect_parse("2011-03-16T14:05:00.5Z", 1300284300, 500);
	expect_parse("2011-03-16T14:05:00.25Z", 1300284300, 250);
	expect_parse("2011-03-16T14:05:00.999Z", 1300284300, 999);
	/* digits past the millisecond are dropped, not rounded into the next */
	expect_parse("2011-03-16T14:05:00.123456789Z", 1300284300, 123);
	expect_parse("2011-03-16T14:05:00.9999Z", 1300284300, 999);
}

static void test_parse_offset(void **state)
{
	(void)state;
	/* all the same instant, 14:05 UTC */
	expect_parse("2011-03-16T09:05:00-05:00", 1300284300, 0);
	expect_parse("2011-03-16T15:05:00+01:00", 1300284300, 0);
	expect_parse("2011-03-16T19:35:00+05:30", 1300284300, 0);
	expect_parse("2011-03-16T14:05:00+00:00", 1300284300, 0);
	expect_parse("2011-03-16T14:05:00-00:00", 1300284300, 0);
	expect_parse("2011-03-16T09:05:00.007-05:00", 1300284300, 7);
	/* an offset that crosses midnight and the month */
	expect_parse("2011-02-28T23:30:00-14:35", 1298988300, 0);
	expect_parse("2011-03-01T00:30:00+01:00", 1298935800, 0);
}

static void test_parse_refused(void **state)
{
	static const char *const bad[] = {
		"2011-02-30T00:00:00Z",    /* no 30 February */
		"2011-04-31T00:00:00Z",    /* April has 30 days */
		"2011-13-01T00:00:00Z",    /* no month 13 */
		"2011-00-10T00:00:00Z",    /* no month 0 */
		"2011-03-00T00:00:00Z",    /* no day 0 */
		"2011-03-32T00:00:00Z",
		"2011-03-16T24:00:00Z",
		"2011-03-16T14:60:00Z",
		"2011-03-16T14:05:61Z",
		"2011-03-16 14:05",        /* no seconds, no zone */
		"2011-03-16T14:05Z",       /* no seconds */
		"2011-03-16T14:05:00",     /* missing zone */
		"2011-03-16T14:05:00Zjunk", /* trailing junk */
		"2011-03-16T14:05:00Z ",
		"2011-03-16T14:05:00+01:00x",
		"2011-03-16T14:05:00.Z",   /* fraction without digits */
		"2011-03-16T14:05:00+1:00",
		"2011-03-16T14:05:00+0100",
		"2011-03-16T14:05:00+24:00",
		"2011-03-16T14:05:00+01:60",
		"2011-03-16",
		"11-03-16T14:05:00Z",
		"2011/03/16T14:05:00Z",
		"16 March 2011",
		"",
		NULL
	};
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++)
		expect_refused(bad[i]);
}

static void test_parse_leap_years(void **state)
{
	(void)state;
	expect_parse("2012-02-29T00:00:00Z", 1330473600, 0);
	expect_parse("2000-02-29T12:00:00Z", 951825600, 0);
	expect_parse("2011-02-28T00:00:00Z", 1298851200, 0);
	expect_refused("2011-02-29T00:00:00Z");
	expect_refused("1900-02-29T00:00:00Z"); /* divisible by 100 */
	expect_refused("2100-02-29T00:00:00Z");
}

static void test_round_trip(void **state)
{
	static const char *const stamps[] = {
		"2011-03-16T14:05:00.007Z", "1970-01-01T00:00:00.000Z",
		"2012-02-29T23:59:59.999Z", "1999-12-31T23:59:59.500Z",
		"2026-11-27T00:52:42.123Z", "9999-12-31T23:59:59.999Z", NULL
	};
	char out[CUST_TIME_LEN];
	struct cust_time t;
	size_t i;

	(void)state;
	for (i = 0; stamps[i]; i++) {
		assert_int_equal(cust_time_parse(stamps[i], &t, NULL), 0);
		assert_int_equal(cust_time_format(&t, out, NULL), 0);
		assert_string_equal(out, stamps[i]);
	}
	/* an offset time comes back in UTC */
	assert_int_equal(cust_time_parse("2011-03-16T09:05:00.007-05:00", &t,
	                                 NULL), 0);
	assert_int_equal(cust_time_format(&t, out, NULL), 0);
	assert_string_equal(out, "2011-03-16T14:05:00.007Z");
	/* and parse(format(t)) == t */
	for (i = 0; i < 50; i++) {
		struct cust_time a = { (int64_t)i * 86400 * 371 + (int64_t)i * 3607,
		                       (int32_t)(i * 19 % 1000) }, b;
		assert_int_equal(cust_time_format(&a, out, NULL), 0);
		assert_int_equal(cust_time_parse(out, &b, NULL), 0);
		assert_true(a.sec == b.sec);
		assert_int_equal(a.msec, b.msec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_known),
		cmocka_unit_test(test_format_always_24),
		cmocka_unit_test(test_format_out_of_range),
		cmocka_unit_test(test_now),
		cmocka_unit_test(test_parse_basic),
		cmocka_unit_test(test_parse_fraction),
		cmocka_unit_test(test_parse_offset),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_parse_leap_years),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
