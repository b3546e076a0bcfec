/*
 * time.h - UTC time stamps as custody writes them.
 *
 * Every time in a record is UTC in RFC 3339 form with milliseconds and a
 * literal Z: 2026-11-27T00:52:42.123Z (always 24 characters), so that
 * records sort and compare as text.
 */
#ifndef CUSTODY_TIME_H
#define CUSTODY_TIME_H

#include <stdint.h>

#include "custody/error.h"

#define CUST_TIME_LEN 25 /* 24 characters and the NUL */

struct cust_time {
	int64_t sec;  /* seconds since 1970-01-01T00:00:00Z */
	int32_t msec; /* 0..999 */
};

/* The current time from the real-time clock. */
int cust_time_now(struct cust_time *t, struct cust_error *err);

/* T as "YYYY-MM-DDTHH:MM:SS.mmmZ" into OUT. */
int cust_time_format(const struct cust_time *t, char out[CUST_TIME_LEN],
                     struct cust_error *err);

/* The current time, formatted. */
int cust_time_now_string(char out[CUST_TIME_LEN], struct cust_error *err);

/*
 * Parse an RFC 3339 date-time ("2011-03-16T14:05:00Z", with optional
 * fraction and a Z or +hh:mm offset) into UTC.  For times typed by an
 * examiner (--seized-on); anything else is CUST_E_USAGE.
 */
int cust_time_parse(const char *s, struct cust_time *t, struct cust_error *err);

#endif
