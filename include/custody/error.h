/*
 * error.h - error records of libcustody.
 *
 * The library never prints and never exits.  A function that fails returns
 * a negative value (or NULL for constructors) and describes the failure in a
 * caller-owned struct cust_error: what kind of failure it was, which maps
 * one-to-one onto the exit codes of docs/exit-codes.md, and a message in
 * the form the commands print after their name:
 *
 *     cannot open 'custody.log': Permission denied
 *
 * Every function taking a `struct cust_error *err` accepts NULL there when
 * the caller does not care about the detail.
 */
#ifndef CUSTODY_ERROR_H
#define CUSTODY_ERROR_H

#include <stddef.h>

/* Kinds of failure; the numeric values are the exit codes of every command. */
enum cust_error_kind {
	CUST_OK = 0,
	CUST_E_MISMATCH = 1,   /* verification found a mismatch or tampering */
	CUST_E_USAGE = 2,      /* bad arguments */
	CUST_E_INPUT = 3,      /* input unreadable or invalid */
	CUST_E_IO = 4,         /* I/O or system error */
	CUST_E_INCOMPLETE = 5, /* interrupted or incomplete */
	CUST_E_FILLED = 6      /* completed, but unreadable data was filled */
};

#define CUST_ERROR_MESSAGE_MAX 1024

struct cust_error {
	enum cust_error_kind kind;
	int sys_errno;                        /* errno behind the failure, or 0 */
	char message[CUST_ERROR_MESSAGE_MAX]; /* no trailing period or newline */
};

#if defined(__GNUC__)
#define CUST_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define CUST_PRINTF(fmt, args)
#endif

/* Reset to CUST_OK with an empty message. */
void cust_error_clear(struct cust_error *err);

/* Record a failure of KIND; always returns -1 so callers can
 * `return cust_error_set(...)`.  A message too long is cut, never overflowed. */
int cust_error_set(struct cust_error *err, enum cust_error_kind kind,
                   const char *fmt, ...) CUST_PRINTF(3, 4);

/* As cust_error_set, then append ": " and strerror(ERRNUM). */
int cust_error_set_errno(struct cust_error *err, enum cust_error_kind kind,
                         int errnum, const char *fmt, ...) CUST_PRINTF(4, 5);

/* Put context in front of an already recorded message ("sealing 'H1': ...").
 * Keeps the kind.  Returns -1. */
int cust_error_prefix(struct cust_error *err, const char *fmt, ...)
	CUST_PRINTF(2, 3);

/* The recorded message, or "" for no error; never NULL. */
const char *cust_error_message(const struct cust_error *err);

#endif
