/* json.c - canonical JSON records; see include/custody/json.h. */
#include "custody/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/fsutil.h"

/* Sorted keys make the output independent of insertion order; reals are
 * never written by custody, so no float formatting enters the records. */
#define CANONICAL_FLAGS (JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)
#define PRETTY_FLAGS (JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENCODE_ANY)

char *cust_json_canonical(const json_t *v, struct cust_error *err)
{
	char *s = json_dumps(v, CANONICAL_FLAGS);
	if (!s)
		cust_error_set(err, CUST_E_IO, "cannot encode JSON record");
	return s;
}

char *cust_json_pretty(const json_t *v, struct cust_error *err)
{
	char *s = json_dumps(v, PRETTY_FLAGS);
	char *out;
	size_t n;

	if (!s) {
		cust_error_set(err, CUST_E_IO, "cannot encode JSON record");
		return NULL;
	}
	n = strlen(s);
	out = realloc(s, n + 2);
	if (!out) {
		free(s);
		cust_error_set(err, CUST_E_IO, "out of memory");
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	return out;
}

int cust_json_write_new(const char *path, const json_t *v,
                        struct cust_error *err)
{
	char *text = cust_json_pretty(v, err);
	int rc;

	if (!text)
		return -1;
	rc = cust_fs_write_atomic(path, text, strlen(text), CUST_FS_NOREPLACE,
	                          err);
	free(text);
	return rc;
}

static json_t *parse_checked(const char *buf, size_t len, const char *name,
                             unsigned long line, struct cust_error *err)
{
	json_error_t jerr;
	json_t *v;

	v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		if (line)
			cust_error_set(err, CUST_E_INPUT, "'%s' line %lu column %d: %s",
			               name, line, jerr.column, jerr.text);
		else
			cust_error_set(err, CUST_E_INPUT, "'%s' line %d column %d: %s",
			               name, jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		if (line)
			cust_error_set(err, CUST_E_INPUT,
			               "'%s' line %lu: not a JSON object", name, line);
		else
			cust_error_set(err, CUST_E_INPUT, "'%s': not a JSON object",
			               name);
		return NULL;
	}
	return v;
}

json_t *cust_json_load_file(const char *path, struct cust_error *err)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *v;

	if (cust_fs_read_file(path, CUST_JSON_MAX_FILE, &buf, &len, err) < 0)
		return NULL;
	v = parse_checked(buf, len, path, 0, err);
	free(buf);
	return v;
}

json_t *cust_json_parse(const char *buf, size_t len, const char *name,
                        unsigned long line, struct cust_error *err)
{
	return parse_checked(buf, len, name, line, err);
}

int cust_json_set_new(json_t *obj, const char *key, json_t *v,
                      struct cust_error *err)
{
	if (!v)
		return cust_error_set(err, CUST_E_IO,
		                      "cannot build JSON value for '%s'", key);
	if (json_object_set_new(obj, key, v) < 0)
		return cust_error_set(err, CUST_E_IO, "cannot set JSON key '%s'",
		                      key);
	return 0;
}

int cust_json_set_string(json_t *obj, const char *key, const char *value,
                         struct cust_error *err)
{
	json_t *s;

	if (!value)
		return 0;
	s = json_string(value); /* NULL when VALUE is not valid UTF-8 */
	if (!s)
		return cust_error_set(err, CUST_E_USAGE,
		                      "value of '%s' is not valid UTF-8", key);
	return cust_json_set_new(obj, key, s, err);
}

const char *cust_json_string(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

void cust_json_vfinding(json_t *findings, const char *check,
                        const char *subject, const char *status,
                        const char *fmt, va_list ap)
{
	char message[CUST_ERROR_MESSAGE_MAX];

	(void)vsnprintf(message, sizeof message, fmt, ap);
	json_array_append_new(findings,
	                      json_pack("{s:s, s:s, s:s, s:s}", "check", check,
	                                "subject", subject, "status", status,
	                                "message", message));
}

void cust_json_finding(json_t *findings, const char *check, const char *subject,
                       const char *status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cust_json_vfinding(findings, check, subject, status, fmt, ap);
	va_end(ap);
}
