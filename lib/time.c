/* time.c - UTC time stamps; see include/custody/time.h. */
#include "custody/time.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int cust_time_now(struct cust_time *t, struct cust_error *err)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return cust_error_set_errno(err, CUST_E_IO, errno,
		                            "cannot read the clock");
	t->sec = ts.tv_sec;
	t->msec = (int32_t)(ts.tv_nsec / 1000000);
	return 0;
}

int cust_time_format(const struct cust_time *t, char out[CUST_TIME_LEN],
                     struct cust_error *err)
{
	struct tm tm;
	time_t secs = (time_t)t->sec;
	int n;

	if (t->msec < 0 || t->msec > 999 || !gmtime_r(&secs, &tm) ||
	    tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return cust_error_set(err, CUST_E_INPUT, "time out of range");
	n = snprintf(out, CUST_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, (int)t->msec);
	if (n != CUST_TIME_LEN - 1)
		return cust_error_set(err, CUST_E_INPUT, "time out of range");
	return 0;
}

int cust_time_now_string(char out[CUST_TIME_LEN], struct cust_error *err)
{
	struct cust_time t;

	if (cust_time_now(&t, err) < 0)
		return -1;
	return cust_time_format(&t, out, err);
}

/* N decimal digits at *P, advancing P; -1 if any is not a digit. */
static int digits(const char **p, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (**p < '0' || **p > '9')
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static int expect(const char **p, const char *set)
{
	if (**p && strchr(set, **p)) {
		(*p)++;
		return 0;
	}
	return -1;
}

int cust_time_parse(const char *s, struct cust_time *t, struct cust_error *err)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	struct tm tm;
	int year, mon, day, hh, mm, ss, ms = 0, offset = 0;
	time_t secs;

	memset(&tm, 0, sizeof tm);
	year = digits(&p, 4);
	if (year < 0 || expect(&p, "-") < 0 || (mon = digits(&p, 2)) < 0 ||
	    expect(&p, "-") < 0 || (day = digits(&p, 2)) < 0 ||
	    expect(&p, "Tt ") < 0 || (hh = digits(&p, 2)) < 0 ||
	    expect(&p, ":") < 0 || (mm = digits(&p, 2)) < 0 ||
	    expect(&p, ":") < 0 || (ss = digits(&p, 2)) < 0)
		goto bad;
	if (*p == '.') {
		int scale = 100, nd = 0;
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nd++ < 3) {
				ms += (*p - '0') * scale;
				scale /= 10;
			}
			p++;
		}
		if (nd == 0)
			goto bad;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		if ((oh = digits(&p, 2)) < 0 || expect(&p, ":") < 0 ||
		    (om = digits(&p, 2)) < 0 || oh > 23 || om > 59)
			goto bad;
		offset = sign * (oh * 3600 + om * 60);
	} else {
		goto bad;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    hh > 23 || mm > 59 || ss > 60)
		goto bad;
	if (mon == 2 && day == 29 &&
	    !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		goto bad;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss > 59 ? 59 : ss; /* a leap second is kept as :59 */
	secs = timegm(&tm);
	t->sec = (int64_t)secs - offset;
	t->msec = ms;
	return 0;
bad:
	return cust_error_set(err, CUST_E_USAGE,
	                      "'%s' is not an RFC 3339 time such as "
	                      "2011-03-16T14:05:00Z", s);
}
