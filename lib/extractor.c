/* extractor.c - the registry of extractors and the helpers they share; see
 * include/custody/extractor.h.  The extractors are in lib/extractors/. */
#include "custody/extractor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "custody/digest.h"
#include "custody/json.h"
#include "extractors/extractors.h"

static const struct cust_extractor *const registry[] = {
	&cust_x_zeus_config,
	&cust_x_zeus_webinjects,
	&cust_x_zeus_binstorage,
	&cust_x_panel_php,
	&cust_x_sql_dump,
	&cust_x_mirai_table,
	&cust_x_spam_template,
	&cust_x_spam_list,
	&cust_x_relay_list,
	&cust_x_irc_bot_config,
	&cust_x_generic_c2_config,
	NULL
};

const struct cust_extractor *const *cust_extractors(void)
{
	return registry;
}

const struct cust_extractor *cust_extractor_find(const char *name)
{
	const struct cust_extractor *const *x;

	for (x = registry; name && *x; x++)
		if (strcmp((*x)->name, name) == 0)
			return *x;
	return NULL;
}

int cust_x_slurp(const struct cust_x_input *in, size_t max,
                 unsigned char **data, size_t *len, int *cut,
                 struct cust_error *err)
{
	size_t want = in->size < (uint64_t)max ? (size_t)in->size : max;
	unsigned char *buf = malloc(want + 1);
	size_t got = 0;

	*data = NULL;
	*len = 0;
	*cut = in->size > (uint64_t)max;
	if (!buf)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	while (got < want) {
		long n = in->pread(in->pctx, buf + got, want - got, got);
		if (n < 0) {
			free(buf);
			return cust_error_set(err, CUST_E_INPUT,
			                      "cannot read the content at offset %zu",
			                      got);
		}
		if (n == 0)
			break; /* shorter than said: take what there is */
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return 0;
}

int cust_x_name_is(const char *name, const char *suffix)
{
	size_t n, s;

	if (!name)
		return 0;
	n = strlen(name);
	s = strlen(suffix);
	return n >= s && strcasecmp(name + n - s, suffix) == 0;
}

json_t *cust_x_record(const char *family, const char *extractor,
                      const char *kind)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "family", family, "extractor",
	                 extractor, "kind", kind, "status", "decoded");
}

/* Length of the valid UTF-8 sequence at S (at most LEN bytes), 0 when the
 * bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return n;
}

json_t *cust_x_string(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cap = len > CUST_X_STRING_MAX ? CUST_X_STRING_MAX : len;
	char *out = malloc(cap * 4 + 1);
	size_t i = 0, o = 0;
	json_t *j;

	if (!out)
		return NULL;
	while (i < cap) {
		size_t n = utf8_len(p + i, cap - i);
		if (n == 0 || p[i] == 0) {
			/* \xHH: four bytes of the cap * 4 made for each input byte */
			static const char digits[] = "0123456789abcdef";
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = digits[p[i] >> 4];
			out[o++] = digits[p[i] & 15];
			i++;
			continue;
		}
		memcpy(out + o, p + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	j = json_stringn(out, o);
	free(out);
	return j;
}

void cust_x_problem(json_t *rec, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *problems = json_object_get(rec, "problems");

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!problems) {
		problems = json_array();
		if (!problems || json_object_set_new(rec, "problems", problems) < 0)
			return;
	}
	if (json_array_size(problems) < 64)
		json_array_append_new(problems, json_string(msg));
}

void cust_x_set(json_t *rec, const char *key, const char *s, size_t len)
{
	if (len > CUST_X_STRING_MAX)
		cust_x_problem(rec, "%s cut at %u bytes of %zu", key,
		               CUST_X_STRING_MAX, len);
	json_object_set_new(rec, key, cust_x_string(s, len));
}

void cust_x_push(json_t *rec, const char *group, const char *key, json_t *v)
{
	json_t *parent = rec, *list;

	if (!v)
		return;
	if (group) {
		parent = json_object_get(rec, group);
		if (!parent) {
			parent = json_object();
			if (!parent || json_object_set_new(rec, group, parent) < 0) {
				json_decref(v);
				return;
			}
		}
	}
	list = json_object_get(parent, key);
	if (!list) {
		list = json_array();
		if (!list || json_object_set_new(parent, key, list) < 0) {
			json_decref(v);
			return;
		}
	}
	if (json_array_size(list) >= CUST_X_LIST_MAX) {
		/* said once: the list stays full, so its size cannot tell */
		char msg[512];
		const json_t *problems = json_object_get(rec, "problems");
		size_t i;
		int n = snprintf(msg, sizeof msg, "more than %u %s: the rest left out",
		                 CUST_X_LIST_MAX, key);
		for (i = 0; n > 0 && i < json_array_size(problems); i++)
			if (strcmp(json_string_value(json_array_get(problems, i)),
			           msg) == 0)
				break;
		if (n > 0 && i == json_array_size(problems))
			cust_x_problem(rec, "%s", msg); /* cut as any problem is */
		json_decref(v);
		return;
	}
	json_array_append_new(list, v);
}

void cust_x_c2_url(json_t *rec, const char *url, size_t len,
                   const char *usage)
{
	json_t *e = json_pack("{s:o, s:s}", "url", cust_x_string(url, len),
	                      "usage", usage);

	cust_x_push(rec, NULL, "c2", e);
}

void cust_x_c2_host(json_t *rec, const char *host, size_t len, long port,
                    const char *protocol, const char *usage)
{
	json_t *e = json_pack("{s:o, s:s}", "host", cust_x_string(host, len),
	                      "usage", usage);

	if (!e)
		return;
	if (port > 0 && port < 65536)
		json_object_set_new(e, "port", json_integer(port));
	if (protocol)
		json_object_set_new(e, "protocol", json_string(protocol));
	cust_x_push(rec, NULL, "c2", e);
}

/* VALUE[0..LEN) as a JSON string, in hex or as text. */
static json_t *key_value(const void *value, size_t len, int as_hex)
{
	char *hex;
	json_t *j;

	if (!as_hex)
		return cust_x_string(value, len);
	if (len > CUST_X_STRING_MAX / 2)
		len = CUST_X_STRING_MAX / 2;
	hex = malloc(len * 2 + 1);
	if (!hex)
		return NULL;
	cust_hex_encode(value, len, hex);
	j = json_stringn(hex, len * 2);
	free(hex);
	return j;
}

void cust_x_key(json_t *rec, const char *algorithm, const char *usage,
                const void *value, size_t len, int as_hex)
{
	cust_x_push(rec, NULL, "keys",
	            json_pack("{s:s, s:s, s:o, s:s}", "algorithm", algorithm,
	                      "usage", usage, "value",
	                      key_value(value, len, as_hex), "encoding",
	                      as_hex ? "hex" : "text"));
}

void cust_x_emit(struct cust_x_output *out, json_t *rec)
{
	const char *status = cust_json_string(rec, "status");

	if (json_object_get(rec, "problems") && status &&
	    strcmp(status, "decoded") == 0)
		json_object_set_new(rec, "status", json_string("partial"));
	json_array_append_new(out->records, rec);
}

void cust_x_learn_key(struct cust_x_output *out, const char *algorithm,
                      const char *usage, const void *value, size_t len,
                      int as_hex)
{
	json_t *k = json_pack("{s:s, s:s, s:s, s:o, s:s}", "kind", "key",
	                      "algorithm", algorithm, "usage", usage, "value",
	                      key_value(value, len, as_hex), "encoding",
	                      as_hex ? "hex" : "text");

	if (k)
		json_array_append_new(out->learned, k);
}

int cust_x_lines_init(struct cust_x_lines *l, const struct cust_x_input *in,
                      struct cust_error *err)
{
	memset(l, 0, sizeof *l);
	l->in = in;
	l->buf = malloc(CUST_X_BLOCK + CUST_X_LINE_MAX);
	if (!l->buf)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	return 0;
}

void cust_x_lines_release(struct cust_x_lines *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* Read more content after buf[end); 0 at the end, -1 on failure. */
static long lines_fill(struct cust_x_lines *l, struct cust_error *err)
{
	size_t room;
	long n;

	if (l->start > 0) {
		memmove(l->buf, l->buf + l->start, l->end - l->start);
		l->end -= l->start;
		l->start = 0;
	}
	room = CUST_X_BLOCK + CUST_X_LINE_MAX - l->end;
	if (room > CUST_X_BLOCK)
		room = CUST_X_BLOCK;
	if (l->off >= l->in->size)
		return 0;
	if ((uint64_t)room > l->in->size - l->off)
		room = (size_t)(l->in->size - l->off);
	n = l->in->pread(l->in->pctx, l->buf + l->end, room, l->off);
	if (n < 0)
		return cust_error_set(err, CUST_E_INPUT,
		                      "cannot read the content at offset %llu",
		                      (unsigned long long)l->off);
	l->end += (size_t)n;
	l->off += (uint64_t)n;
	return n;
}

/* Give S[0..N) as the next line (a "\r" before its end dropped). */
static int give(struct cust_x_lines *l, const unsigned char *s, size_t n,
                const char **line, size_t *len)
{
	l->line_off = l->off - (uint64_t)(l->end - l->start);
	l->lineno++;
	*line = (const char *)s;
	*len = n > 0 && s[n - 1] == '\r' ? n - 1 : n;
	return 1;
}

int cust_x_lines_next(struct cust_x_lines *l, const char **line, size_t *len,
                      struct cust_error *err)
{
	long n;

	l->cut = 0;
	/* the rest of an overlong line whose head was given last time */
	while (l->skip_rest) {
		unsigned char *nl = memchr(l->buf + l->start, '\n',
		                           l->end - l->start);
		if (nl) {
			l->start = (size_t)(nl - l->buf) + 1;
			l->skip_rest = 0;
			break;
		}
		l->start = l->end;
		if (l->eof) {
			l->skip_rest = 0;
			break;
		}
		if ((n = lines_fill(l, err)) < 0)
			return -1;
		if (n == 0)
			l->eof = 1;
	}
	for (;;) {
		unsigned char *s = l->buf + l->start;
		size_t avail = l->end - l->start;
		unsigned char *nl = avail ? memchr(s, '\n', avail) : NULL;

		if (nl) {
			size_t n_line = (size_t)(nl - s);
			give(l, s, n_line, line, len);
			l->start += n_line + 1;
			return 1;
		}
		if (avail >= CUST_X_LINE_MAX) {
			give(l, s, CUST_X_LINE_MAX, line, len);
			l->start += CUST_X_LINE_MAX;
			l->cut = 1;
			l->skip_rest = 1;
			return 1;
		}
		if (l->eof) {
			if (avail == 0)
				return 0;
			give(l, s, avail, line, len);
			l->start = l->end;
			return 1;
		}
		if ((n = lines_fill(l, err)) < 0)
			return -1;
		if (n == 0)
			l->eof = 1;
	}
}

/* ---- C source ----------------------------------------------------------- */

void cust_x_clex_init(struct cust_x_clex *lx, const char *s, size_t len)
{
	lx->p = s;
	lx->end = s + len;
	lx->line = 1;
}

static int ident_byte(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

/* Skip white space and comments; 1 when a comment never ends. */
static int skip_blank(struct cust_x_clex *lx)
{
	while (lx->p < lx->end) {
		char ch = *lx->p;
		if (ch == '\n') {
			lx->line++;
			lx->p++;
		} else if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' ||
		           ch == '\v' || ch == '\0') {
			lx->p++;
		} else if (ch == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
			lx->p += 2; /* a line continued */
			lx->line++;
		} else if (ch == '/' && lx->p + 1 < lx->end && lx->p[1] == '/') {
			/* to the end of the line, backslash-newlines included */
			while (lx->p < lx->end && *lx->p != '\n') {
				if (*lx->p == '\\' && lx->p + 1 < lx->end &&
				    lx->p[1] == '\n') {
					lx->line++;
					lx->p++;
				}
				lx->p++;
			}
		} else if (ch == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
			lx->p += 2;
			for (;;) {
				if (lx->p + 1 >= lx->end) {
					lx->p = lx->end;
					return 1;
				}
				if (lx->p[0] == '*' && lx->p[1] == '/') {
					lx->p += 2;
					break;
				}
				if (*lx->p == '\n')
					lx->line++;
				lx->p++;
			}
		} else {
			return 0;
		}
	}
	return 0;
}

int cust_x_clex_next(struct cust_x_clex *lx, struct cust_x_ctok *t)
{
	const char *start;
	char ch;

	memset(t, 0, sizeof *t);
	if (skip_blank(lx)) {
		t->kind = CUST_X_CT_END;
		t->open = 1; /* a comment never closed */
		t->line = lx->line;
		return 0;
	}
	t->line = lx->line;
	if (lx->p >= lx->end) {
		t->kind = CUST_X_CT_END;
		return 0;
	}
	start = lx->p;
	ch = *start;
	if (ch == '"' || ch == '\'') {
		const char *p = start + 1;
		while (p < lx->end && *p != ch && *p != '\n') {
			if (*p == '\\' && p + 1 < lx->end) {
				if (p[1] == '\n')
					lx->line++;
				p++;
			}
			p++;
		}
		t->kind = ch == '"' ? CUST_X_CT_STRING : CUST_X_CT_CHAR;
		t->s = start + 1;
		t->len = (size_t)(p - t->s);
		if (p < lx->end && *p == ch)
			p++;
		else
			t->open = 1; /* ends at the line's end or the content's */
		lx->p = p;
		return 1;
	}
	if ((ch >= '0' && ch <= '9') ||
	    (ch == '.' && start + 1 < lx->end && start[1] >= '0' &&
	     start[1] <= '9')) {
		const char *p = start + 1;
		while (p < lx->end &&
		       (ident_byte((unsigned char)*p) || *p == '.' ||
		        ((*p == '+' || *p == '-') &&
		         (p[-1] == 'e' || p[-1] == 'E' || p[-1] == 'p' ||
		          p[-1] == 'P'))))
			p++;
		t->kind = CUST_X_CT_NUMBER;
		t->s = start;
		t->len = (size_t)(p - start);
		lx->p = p;
		return 1;
	}
	if (ident_byte((unsigned char)ch)) {
		const char *p = start + 1;
		while (p < lx->end && ident_byte((unsigned char)*p))
			p++;
		t->kind = CUST_X_CT_IDENT;
		t->s = start;
		t->len = (size_t)(p - start);
		lx->p = p;
		return 1;
	}
	t->kind = CUST_X_CT_PUNCT;
	t->s = start;
	t->len = 1;
	lx->p = start + 1;
	return 1;
}

static int hex_digit(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Write the code point CP as UTF-8 at OUT: the bytes written, 0 when CP is
 * no character. */
static size_t put_utf8(unsigned char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (unsigned char)(0xf0 | (cp >> 18));
		out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (unsigned char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

size_t cust_x_c_unescape(const char *s, size_t len, unsigned char *out,
                         unsigned *bad, const char **why)
{
	size_t i = 0, o = 0;

#define BAD(msg)                                                           \
	do {                                                               \
		if ((*bad)++ == 0 && why)                                  \
			*why = (msg);                                      \
	} while (0)
	while (i < len) {
		unsigned char ch = (unsigned char)s[i++];
		int d;

		if (ch != '\\') {
			out[o++] = ch;
			continue;
		}
		if (i >= len) {
			BAD("a backslash ends the string");
			break;
		}
		ch = (unsigned char)s[i++];
		switch (ch) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case 'a': out[o++] = '\a'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'v': out[o++] = '\v'; break;
		case 'e': out[o++] = 0x1b; break;
		case '\\': case '\'': case '"': case '?': out[o++] = ch; break;
		case '\n': break; /* the line goes on */
		case 'x': {
			unsigned v = 0, n = 0;
			while (i < len && n < 2 && (d = hex_digit(s[i])) >= 0) {
				v = v * 16 + (unsigned)d;
				i++;
				n++;
			}
			if (n == 0) {
				BAD("\\x without hex digits");
				break;
			}
			if (i < len && hex_digit(s[i]) >= 0)
				BAD("\\x with more than two hex digits");
			out[o++] = (unsigned char)v;
			break;
		}
		case 'u': case 'U': {
			unsigned want = ch == 'u' ? 4 : 8, n = 0;
			unsigned long cp = 0;
			size_t w;
			while (i < len && n < want && (d = hex_digit(s[i])) >= 0) {
				cp = cp * 16 + (unsigned long)d;
				i++;
				n++;
			}
			/* 4 or 8 digits take 6 or 10 bytes; UTF-8 needs 4 at most */
			if (n < want || (w = put_utf8(out + o, cp)) == 0) {
				BAD("a \\u or \\U escape that is no character");
				break;
			}
			o += w;
			break;
		}
		default:
			if (ch >= '0' && ch <= '7') {
				unsigned v = ch - '0', n = 1;
				while (i < len && n < 3 && s[i] >= '0' && s[i] <= '7') {
					v = v * 8 + (unsigned)(s[i++] - '0');
					n++;
				}
				if (v > 0xff)
					BAD("an octal escape over \\377");
				out[o++] = (unsigned char)v;
				break;
			}
			BAD("an escape C does not know");
			out[o++] = ch;
		}
	}
#undef BAD
	return o;
}

int cust_x_c_number(const char *s, size_t len, uint64_t *v)
{
	uint64_t n = 0;
	unsigned base = 10;
	size_t i = 0, digits = 0;

	while (len > 0 && strchr("uUlL", s[len - 1]))
		len--;
	if (len == 0)
		return -1;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2;
	else if (len > 1 && s[0] == '0')
		base = 8, i = 1;
	for (; i < len; i++) {
		int d = hex_digit(s[i]);
		if (d < 0 || (unsigned)d >= base)
			return -1;
		if (n > (UINT64_MAX - (unsigned)d) / base)
			return -1;
		n = n * base + (unsigned)d;
		digits++;
	}
	if (digits == 0)
		return -1;
	*v = n;
	return 0;
}

int cust_x_hostname(const char *s, size_t len)
{
	size_t i, label = 0, labels = 1, last = 0;
	unsigned parts = 0, value = 0, digits = 0;
	int alpha_last = 0, dotted_quad = 1;

	if (len == 0 || len > 253)
		return 0;
	/* a dotted quad, each part 0..255 */
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (digits == 0 || value > 255 || ++parts > 4)
				dotted_quad = 0;
			digits = value = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 3) {
			dotted_quad = 0;
			break;
		}
		value = value * 10 + (unsigned)(s[i] - '0');
	}
	if (dotted_quad && parts == 4)
		return 1;
	for (i = 0; i < len; i++) {
		char ch = s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			last = i + 1;
			continue;
		}
		if (!ident_byte((unsigned char)ch) && ch != '-')
			return 0;
		if (ch == '_' || (ch == '-' && label == 0) || ++label > 63)
			return 0;
	}
	if (label == 0 || s[len - 1] == '-' || labels < 2)
		return 0;
	for (i = last; i < len; i++)
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))
			alpha_last = 1;
	return alpha_last;
}
