/* json.c - canonical JSON records; see include/custody/json.h. */
#include "custody/json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custody/fsutil.h"

/* Sorted keys make the output independent of insertion order; reals are
 * never written by custody, so no float formatting enters the records. */
#define CANONICAL_FLAGS (JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY)
#define PRETTY_FLAGS (JSON_SORT_KEYS | JSON_INDENT(2) | JSON_ENCODE_ANY)

/*
 * The compact canonical form written here rather than by json_dumps: one
 * inventory line per file makes jansson's generic dump (a callback per
 * piece, keys copied and sorted through its hashtable) a tenth of an
 * extraction's time.  The bytes are jansson's, which a test checks on
 * every kind of value: keys sorted by strcmp, "," and ":" bare, strings
 * as UTF-8 with \", \\, \b, \f, \n, \r, \t and \u00XX (upper-case hex)
 * for the other control characters, integers in decimal.  Values this
 * writer does not take on (reals, keys holding NUL, nesting deeper than
 * CANON_DEPTH) go to json_dumps whole.
 */
#define CANON_DEPTH 64
#define CANON_KEYS 64 /* keys sorted on the stack; more go to the heap */

struct canon {
	char *buf;
	size_t len, cap;
	int failed;   /* out of memory, or a string not UTF-8 */
	int fallback; /* a value for json_dumps */
};

static void canon_reserve(struct canon *c, size_t more)
{
	size_t cap;
	char *nb;

	if (c->failed || c->cap - c->len > more)
		return;
	cap = c->cap ? c->cap : 512;
	while (cap - c->len <= more)
		cap *= 2;
	nb = realloc(c->buf, cap);
	if (!nb) {
		c->failed = 1;
		return;
	}
	c->buf = nb;
	c->cap = cap;
}

static void canon_put(struct canon *c, const char *s, size_t len)
{
	canon_reserve(c, len);
	if (c->failed)
		return;
	memcpy(c->buf + c->len, s, len);
	c->len += len;
}

/* Length of the valid UTF-8 sequence at S (N > 0 bytes, S[0] >= 0x80),
 * or 0: no overlong forms, surrogates or code points above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, cp = s[0] & 0x1Fu;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, cp = s[0] & 0x0Fu;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3Fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	return len;
}

static void canon_string(struct canon *c, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;

	canon_reserve(c, n + 2);
	canon_put(c, "\"", 1);
	while (i < n && !c->failed) {
		unsigned char b = s[i];
		char esc[6];
		size_t elen = 2, l;

		if (b >= 0x20 && b != '"' && b != '\\' && b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0x80) {
			if (!(l = utf8_len(s + i, n - i))) {
				c->failed = 1;
				return;
			}
			i += l;
			continue;
		}
		canon_put(c, str + start, i - start);
		esc[0] = '\\';
		switch (b) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[b >> 4];
			esc[5] = hex[b & 15];
			elen = 6;
		}
		canon_put(c, esc, elen);
		start = ++i;
	}
	canon_put(c, str + start, n - start);
	canon_put(c, "\"", 1);
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void canon_value(struct canon *c, const json_t *v, int depth);

static void canon_object(struct canon *c, const json_t *v, int depth)
{
	const char *stack[CANON_KEYS], **keys = stack;
	size_t n = json_object_size(v), i = 0;
	void *it;

	if (n > CANON_KEYS && !(keys = malloc(n * sizeof *keys))) {
		c->failed = 1;
		return;
	}
	for (it = json_object_iter((json_t *)v); it && i < n;
	     it = json_object_iter_next((json_t *)v, it)) {
		keys[i] = json_object_iter_key(it);
		if (json_object_iter_key_len(it) != strlen(keys[i]))
			c->fallback = 1;
		i++;
	}
	n = i;
	if (n > 1)
		qsort(keys, n, sizeof *keys, key_cmp);
	canon_put(c, "{", 1);
	for (i = 0; i < n && !c->failed && !c->fallback; i++) {
		if (i)
			canon_put(c, ",", 1);
		canon_string(c, keys[i], strlen(keys[i]));
		canon_put(c, ":", 1);
		canon_value(c, json_object_get(v, keys[i]), depth + 1);
	}
	canon_put(c, "}", 1);
	if (keys != stack)
		free(keys);
}

static void canon_value(struct canon *c, const json_t *v, int depth)
{
	char num[32];
	size_t i;
	int len;

	if (depth > CANON_DEPTH) {
		c->fallback = 1;
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		canon_object(c, v, depth);
		break;
	case JSON_ARRAY:
		canon_put(c, "[", 1);
		for (i = 0; i < json_array_size(v) && !c->failed && !c->fallback;
		     i++) {
			if (i)
				canon_put(c, ",", 1);
			canon_value(c, json_array_get(v, i), depth + 1);
		}
		canon_put(c, "]", 1);
		break;
	case JSON_STRING:
		canon_string(c, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		len = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		               json_integer_value(v));
		canon_put(c, num, (size_t)len);
		break;
	case JSON_TRUE:
		canon_put(c, "true", 4);
		break;
	case JSON_FALSE:
		canon_put(c, "false", 5);
		break;
	case JSON_NULL:
		canon_put(c, "null", 4);
		break;
	default: /* JSON_REAL */
		c->fallback = 1;
	}
}

char *cust_json_canonical(const json_t *v, struct cust_error *err)
{
	struct canon c = { 0 };

	if (v)
		canon_value(&c, v, 0);
	if (!v || c.fallback) {
		free(c.buf);
		c.buf = v ? json_dumps(v, CANONICAL_FLAGS) : NULL;
		if (!c.buf)
			cust_error_set(err, CUST_E_IO, "cannot encode JSON record");
		return c.buf;
	}
	canon_put(&c, "", 1);
	if (c.failed) {
		free(c.buf);
		cust_error_set(err, CUST_E_IO, "cannot encode JSON record");
		return NULL;
	}
	return c.buf;
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

int cust_json_findings_failed(const json_t *findings, size_t from)
{
	for (size_t i = from; i < json_array_size(findings); i++) {
		const char *status = cust_json_string(json_array_get(findings, i),
		                                      "status");
		if (status && strcmp(status, "failed") == 0)
			return 1;
	}
	return 0;
}
