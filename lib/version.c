/* version.c - see include/custody/version.h. */
#include "custody/version.h"

const char *cust_version(void)
{
	return CUSTODY_VERSION;
}
