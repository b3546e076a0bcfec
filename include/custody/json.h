/*
 * json.h - JSON records over jansson, written canonically.
 *
 * Records must come out byte-identical from the same content, so that two
 * runs over the same evidence can be compared with cmp: keys sorted, no
 * insignificant white space in log lines, two-space indentation in record
 * files, and no floating-point numbers in any record custody writes.
 * Input JSON is hostile: reads are size-capped, duplicate keys are refused
 * and every parse error names the file, line and column.
 */
#ifndef CUSTODY_JSON_H
#define CUSTODY_JSON_H

#include <stddef.h>
#include <stdarg.h>
#include <jansson.h>

#include "custody/error.h"

/* Largest record file custody will read (case.json, item.json, ...). */
#define CUST_JSON_MAX_FILE (4u << 20)

/* The compact canonical form of V on one line, without a newline:
 * malloc'd, owned by the caller.  NULL on failure. */
char *cust_json_canonical(const json_t *v, struct cust_error *err);

/* The indented canonical form of V plus a final newline; malloc'd. */
char *cust_json_pretty(const json_t *v, struct cust_error *err);

/* Write V, indented and canonical, to the new file PATH (never replacing
 * an existing one) through cust_fs_write_atomic. */
int cust_json_write_new(const char *path, const json_t *v,
                        struct cust_error *err);

/* Parse the JSON document at PATH (at most CUST_JSON_MAX_FILE bytes).
 * The root must be an object.  New reference, or NULL with a message such
 * as "'case.json' line 3 column 7: ..." (kind CUST_E_INPUT). */
json_t *cust_json_load_file(const char *path, struct cust_error *err);

/* Parse one object from BUF[0..LEN) (a log line): same rules as above, NAME
 * and LINE only label the message.  New reference or NULL. */
json_t *cust_json_parse(const char *buf, size_t len, const char *name,
                        unsigned long line, struct cust_error *err);

/* Set OBJ[KEY] to the string VALUE, which must be valid UTF-8 (argument
 * text is not trusted either).  A NULL VALUE leaves OBJ unchanged. */
int cust_json_set_string(json_t *obj, const char *key, const char *value,
                         struct cust_error *err);

/* Set OBJ[KEY] to the new reference V (stolen, also on failure). */
int cust_json_set_new(json_t *obj, const char *key, json_t *v,
                      struct cust_error *err);

/* OBJ[KEY] when it is a string, else NULL.  Borrowed from OBJ. */
const char *cust_json_string(const json_t *obj, const char *key);

/*
 * Append a finding {"check", "subject", "status", "message"} to the array
 * FINDINGS, the message formatted (cut at CUST_ERROR_MESSAGE_MAX bytes):
 * the form every check of a case reports in (verify.h).
 */
void cust_json_finding(json_t *findings, const char *check, const char *subject,
                       const char *status, const char *fmt, ...)
	CUST_PRINTF(5, 6);
void cust_json_vfinding(json_t *findings, const char *check,
                        const char *subject, const char *status,
                        const char *fmt, va_list ap) CUST_PRINTF(5, 0);

/* 1 when a finding of FINDINGS from index FROM on has status "failed". */
int cust_json_findings_failed(const json_t *findings, size_t from);

#endif
