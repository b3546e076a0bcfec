/* version.h - the version of libcustody, as written into every record. */
#ifndef CUSTODY_VERSION_H
#define CUSTODY_VERSION_H

/* "0.1.0": the version this library was built as. */
const char *cust_version(void);

#endif
