/* error.c - error records; see include/custody/error.h. */
#include "custody/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cust_error_clear(struct cust_error *err)
{
	if (!err)
		return;
	err->kind = CUST_OK;
	err->sys_errno = 0;
	err->message[0] = '\0';
}

static void format_into(struct cust_error *err, const char *fmt, va_list ap)
	CUST_PRINTF(2, 0);

static void format_into(struct cust_error *err, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
	if (n < 0)
		err->message[0] = '\0';
	/* a longer message is cut by vsnprintf; the record stays terminated */
}

int cust_error_set(struct cust_error *err, enum cust_error_kind kind,
                   const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	err->kind = kind;
	err->sys_errno = 0;
	va_start(ap, fmt);
	format_into(err, fmt, ap);
	va_end(ap);
	return -1;
}

int cust_error_set_errno(struct cust_error *err, enum cust_error_kind kind,
                         int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (!err)
		return -1;
	err->kind = kind;
	err->sys_errno = errnum;
	va_start(ap, fmt);
	format_into(err, fmt, ap);
	va_end(ap);
	used = strlen(err->message);
	if (used < sizeof err->message)
		(void)snprintf(err->message + used, sizeof err->message - used,
		               ": %s", strerror(errnum));
	return -1;
}

int cust_error_prefix(struct cust_error *err, const char *fmt, ...)
{
	char prefix[CUST_ERROR_MESSAGE_MAX];
	char old[CUST_ERROR_MESSAGE_MAX];
	va_list ap;
	int n;

	if (!err)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	memcpy(old, err->message, sizeof old);
	/* cutting the end of a long message is acceptable; check it anyway */
	n = snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
	if (n < 0)
		memcpy(err->message, old, sizeof old);
	return -1;
}

const char *cust_error_message(const struct cust_error *err)
{
	return err ? err->message : "";
}
