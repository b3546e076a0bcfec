/*
 * sql_dump.c - an SQL dump of a panel's database, as mysqldump and
 * phpMyAdmin write it (plain: a compressed dump or one in an archive is
 * given here decompressed).
 *
 * The dump is read as a stream, in blocks of BLOCK bytes through the pread
 * callback, by a tokenizer of its own that holds at most one block and
 * VALUE_MAX bytes of each value it keeps: an extended INSERT of any length
 * (mysqldump writes lines of many megabytes) is read in bounded memory.  It
 * knows comments (-- and # to the end of the line, and C's, which end at
 * their first star-slash as in MySQL, the executable kind that mysqldump
 * writes for its SET statements included), strings in '...' or "..."
 * with '' and backslash escapes (\0 \b \n \r \t \Z \\),
 * `names` with `` in them, NULL, numbers, 0x... and X'...' hex, charset
 * introducers (_binary'...'), and DELIMITER.  Of the statements it reads
 * CREATE TABLE (the columns, in order) and INSERT or REPLACE INTO (with or
 * without a column list, every row); the others are skipped.
 *
 * Each table is classified by its name and its columns' names:
 *   reports    ZeuS's botnet_reports_YYMMDD (stolen data, summarised only);
 *   operators  a users/admins/operators... table with a password column:
 *              each row a credential {"service": "panel", "username",
 *              "password"} (what the table holds: often a hash);
 *   attacks    an attacks/tasks/commands... table with a target, host, URL
 *              or address column: targets.ddos {"target", "command",
 *              "time", "duration"};
 *   victims    a table with an address column and a bot id (bot_id, hwid,
 *              guid...; or id, uid, name in a table named for bots):
 *              targets.victims {"bot_id", "botnet", "ip", "country", "os",
 *              "first_seen", "last_seen"}, each bot once (by id and
 *              address), for ISP and CERT notification;
 *   other      the rest.
 * An address stored as a number or as 4 (16) bytes, as ZeuS's varbinary(4)
 * ipv4 is, is written as a dotted quad (IPv6); a time stored as a Unix
 * time as RFC 3339 UTC, any other as written.  Every table is summarised in
 * controller.tables: {"name", "columns", "rows", "role"}; lists keep at
 * most CUST_X_LIST_MAX entries, the rows count them all.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "custody/time.h"
#include "extractors.h"

#define NAME "sql-dump"
#define FAMILY "generic"
#define BLOCK (1u << 20)      /* bytes read at once */
#define LOOK 64u              /* bytes a token may need to see at once */
#define IDENT_MAX 256         /* bytes of a name kept */
#define WORD_MAX 32           /* bytes of a keyword looked at */
#define COLUMNS_MAX 4096      /* MySQL's own limit on a table's columns */
#define TABLES_MAX CUST_X_LIST_MAX
#define VALUE_MAX CUST_X_STRING_MAX
#define DELIM_MAX 16
#define HASH_SIZE 4096u       /* buckets of the table index */
#define SEEN_MAX (1u << 18)   /* victims told apart: > 2 CUST_X_LIST_MAX */

/* ---- characters ---------------------------------------------------------- */

enum {
	CH_SPACE = 1, /* blanks */
	CH_WORD = 2,  /* a bare word's: letters, digits, _ $, >= 0x80 */
	CH_NUM = 4,   /* a number's: letters, digits, . _ + - */
	CH_STOP = 8   /* what a skipped statement must look at */
};

/* ---- what the columns are ------------------------------------------------ */

enum concept {
	C_BOTID, C_WEAKID, C_BOTNET, C_IP, C_COUNTRY, C_OS, C_FIRST, C_LAST,
	C_USER, C_PASS, C_TARGET, C_COMMAND, C_TIME, C_DURATION, C_N
};

enum role { R_OTHER, R_VICTIMS, R_OPERATORS, R_ATTACKS, R_REPORTS };

static const char *const role_names[] = { "other", "victims", "operators",
                                          "attacks", "reports" };

/* The fields a row of each role gives, in the record's order. */
enum field {
	F_NONE,
	F_BOT, F_BOTNET, F_IP, F_COUNTRY, F_OS, F_FIRST, F_LAST, /* victims */
	F_USER = 1, F_PASS,                                     /* operators */
	F_TARGET = 1, F_COMMAND, F_TIME, F_DURATION,            /* attacks */
	F_N = 8
};

struct table {
	char name[IDENT_MAX];
	size_t name_len;
	json_t *columns;        /* the names kept, at most COLUMNS_MAX */
	uint64_t ncols;         /* declared */
	int16_t idx[C_N];       /* the first column of each concept, or -1 */
	enum role role;
	uint64_t rows;
	int declared;           /* by a CREATE TABLE */
	int cut_noted, wide_noted;
	struct table *next;     /* in its hash bucket */
};

enum vkind { V_NONE, V_NULL, V_STR, V_NUM, V_BYTES, V_EXPR };

/* A value kept for a field: at most VALUE_MAX bytes, decoded. */
struct value {
	enum vkind kind;
	size_t len;
	int cut;
	unsigned char buf[VALUE_MAX];
};

struct sql {
	const struct cust_x_input *in;
	struct cust_error *err;
	unsigned char *buf;     /* CAP bytes: a block (less for a smaller
	                           content) and LOOK */
	size_t cap;
	size_t pos, end;        /* the unread bytes */
	uint64_t base;          /* content offset of buf[0] */
	uint64_t next;          /* content offset of the next read */
	int eof, failed;
	unsigned char cls[256];
	char delim[DELIM_MAX + 1];
	size_t delim_len;

	struct table **tables;  /* in the order first seen */
	size_t ntables, tables_cap;
	struct table *hash[HASH_SIZE];
	size_t column_bytes;    /* of all names kept */
	int tables_noted, columns_noted, names_noted;

	/* the row being read */
	uint8_t map[COLUMNS_MAX]; /* column -> field */
	size_t map_len;
	struct value *field;      /* F_N */

	json_t *rec;
	uint64_t *seen;           /* hashes of the victims kept, an open
	                             table of seen_size slots, a power of 2 */
	size_t seen_size, seen_count;
	size_t victims, ddos, operators;
	int zeus;
};

static void problem(struct sql *q, const char *fmt, ...) CUST_PRINTF(2, 3);

static void problem(struct sql *q, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cust_x_problem(q->rec, "%s", msg);
}

static unsigned long long here(const struct sql *q)
{
	return (unsigned long long)(q->base + q->pos);
}

static void set_classes(struct sql *q)
{
	int c;

	for (c = 0; c < 256; c++) {
		unsigned char f = 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		    c == '\v')
			f |= CH_SPACE;
		if (isalnum(c) || c == '_' || c == '$' || c >= 0x80)
			f |= CH_WORD;
		if (isalnum(c) || c == '.' || c == '_' || c == '+' || c == '-')
			f |= CH_NUM;
		if (c == '\'' || c == '"' || c == '`' || c == '#' || c == '-' ||
		    c == '/' || c == (unsigned char)q->delim[0])
			f |= CH_STOP;
		q->cls[c] = f;
	}
}

/* ---- reading ------------------------------------------------------------- */

/* Read more after buf[end), keeping the unread bytes: the number read, 0 at
 * the end of the content or after a failed read (FAILED set). */
static size_t fill(struct sql *q)
{
	size_t keep = q->end - q->pos, room;
	long n;

	if (q->eof)
		return 0;
	if (q->pos > 0) {
		memmove(q->buf, q->buf + q->pos, keep);
		q->base += q->pos;
		q->pos = 0;
		q->end = keep;
	}
	room = q->cap - q->end;
	if (q->next >= q->in->size || room == 0) {
		q->eof = q->next >= q->in->size;
		return 0;
	}
	if ((uint64_t)room > q->in->size - q->next)
		room = (size_t)(q->in->size - q->next);
	n = q->in->pread(q->in->pctx, q->buf + q->end, room, q->next);
	if (n < 0 || (size_t)n > room) {
		cust_error_set(q->err, CUST_E_INPUT,
		               "cannot read the content at offset %llu",
		               (unsigned long long)q->next);
		q->failed = q->eof = 1;
		return 0;
	}
	if (n == 0) {
		q->eof = 1; /* shorter than said */
		return 0;
	}
	q->end += (size_t)n;
	q->next += (uint64_t)n;
	return (size_t)n;
}

/* The byte at the cursor, or -1 at the end. */
static inline int peekc(struct sql *q)
{
	if (q->pos < q->end || fill(q) > 0)
		return q->buf[q->pos];
	return -1;
}

/* At least N bytes at the cursor (N <= LOOK) unless the content ends
 * first: how many there are. */
static size_t avail(struct sql *q, size_t n)
{
	while (q->end - q->pos < n && fill(q) > 0)
		;
	return q->end - q->pos;
}

/* ---- blanks and comments ------------------------------------------------- */

static void skip_line(struct sql *q)
{
	for (;;) {
		unsigned char *nl = memchr(q->buf + q->pos, '\n', q->end - q->pos);
		if (nl) {
			q->pos = (size_t)(nl - q->buf) + 1;
			return;
		}
		q->pos = q->end;
		if (fill(q) == 0)
			return;
	}
}

/* A comment from the cursor's / * to its first * / (MySQL does not nest
 * them). */
static void skip_comment(struct sql *q)
{
	unsigned long long at = here(q);

	q->pos += 2;
	for (;;) {
		unsigned char *star = memchr(q->buf + q->pos, '*', q->end - q->pos);
		if (!star) {
			q->pos = q->end;
			if (fill(q) == 0)
				break;
			continue;
		}
		q->pos = (size_t)(star - q->buf);
		if (avail(q, 2) < 2)
			break;
		if (q->buf[q->pos + 1] == '/') {
			q->pos += 2;
			return;
		}
		q->pos++;
	}
	q->pos = q->end;
	problem(q, "comment from offset %llu not closed at the end of the file",
	        at);
}

/* Skip a comment at the cursor: 1 when there was one. */
static int comment(struct sql *q, int c)
{
	if (c == '#') {
		skip_line(q);
		return 1;
	}
	if ((c == '-' || c == '/') && avail(q, 3) >= 2) {
		unsigned char d = q->buf[q->pos + 1];
		/* "--" needs a blank or a control character after it */
		if (c == '-' && d == '-' &&
		    (q->end - q->pos < 3 || q->buf[q->pos + 2] <= ' ')) {
			skip_line(q);
			return 1;
		}
		if (c == '/' && d == '*') {
			skip_comment(q);
			return 1;
		}
	}
	return 0;
}

/* Skip blanks and comments: the byte after them, or -1 at the end. */
static int skip_space(struct sql *q)
{
	for (;;) {
		int c;
		while (q->pos < q->end && (q->cls[q->buf[q->pos]] & CH_SPACE))
			q->pos++;
		if ((c = peekc(q)) < 0)
			return -1;
		if (q->cls[c] & CH_SPACE)
			continue;
		if ((c == '#' || c == '-' || c == '/') && comment(q, c))
			continue;
		return c;
	}
}

/* 1 when the statement delimiter is at the cursor. */
static int at_delim(struct sql *q)
{
	if (q->pos >= q->end && fill(q) == 0)
		return 0;
	if (q->buf[q->pos] != (unsigned char)q->delim[0])
		return 0;
	return q->delim_len == 1 ||
	       (avail(q, q->delim_len) >= q->delim_len &&
	        memcmp(q->buf + q->pos, q->delim, q->delim_len) == 0);
}

/* ---- values -------------------------------------------------------------- */

static inline void keep(struct value *v, const unsigned char *s, size_t n)
{
	if (!v)
		return;
	if (n > VALUE_MAX - v->len) {
		n = VALUE_MAX - v->len;
		v->cut = 1;
	}
	memcpy(v->buf + v->len, s, n);
	v->len += n;
}

static void keep_escape(struct value *v, unsigned char e)
{
	static const unsigned char pct[2] = { '\\', '%' }, und[2] = { '\\', '_' };
	unsigned char c;

	switch (e) {
	case '0': c = 0; break;
	case 'b': c = 8; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'Z': c = 26; break;
	case '%': keep(v, pct, 2); return; /* kept with its backslash */
	case '_': keep(v, und, 2); return;
	default: c = e;
	}
	keep(v, &c, 1);
}

/*
 * A string from the quote at the cursor, decoded into V (may be NULL:
 * skipped); with ESCAPES, a backslash escapes the next byte.  0 when it is
 * closed, -1 when the content ends first (a problem noted).  It looks for
 * the quote and the backslash with memchr, remembering where the quote is,
 * so a string of any length costs two passes at most.
 */
static int scan_string(struct sql *q, unsigned char quote, int escapes,
                       struct value *v)
{
	unsigned long long at = here(q);
	unsigned char *qa = NULL; /* the next quote, until the next fill */

	q->pos++;
	for (;;) {
		unsigned char *p = q->buf + q->pos, *e = q->buf + q->end, *stop;
		if (p == e) {
			if (fill(q) == 0)
				break;
			qa = NULL;
			continue;
		}
		if (!qa || qa < p) {
			qa = memchr(p, quote, (size_t)(e - p));
			if (!qa)
				qa = e;
		}
		stop = escapes ? memchr(p, '\\', (size_t)(qa - p)) : NULL;
		if (!stop)
			stop = qa;
		keep(v, p, (size_t)(stop - p));
		q->pos = (size_t)(stop - q->buf);
		if (stop == e)
			continue;
		q->pos++;
		if (*stop == '\\') {
			if (q->pos == q->end) {
				if (fill(q) == 0)
					break;
				qa = NULL;
			}
			if (v)
				keep_escape(v, q->buf[q->pos]);
			q->pos++;
			continue;
		}
		/* the quote: the end, unless doubled */
		if (q->pos == q->end) {
			if (fill(q) == 0)
				return 0;
			qa = NULL;
		}
		if (q->buf[q->pos] != quote)
			return 0;
		keep(v, &quote, 1);
		q->pos++;
	}
	problem(q, "string from offset %llu not closed at the end of the file",
	        at);
	return -1;
}

/* Bytes of class CLASS from the cursor, kept in V (may be NULL). */
static void scan_class(struct sql *q, unsigned char class, struct value *v)
{
	for (;;) {
		unsigned char *p = q->buf + q->pos, *e = q->buf + q->end, *s = p;
		while (s < e && (q->cls[*s] & class))
			s++;
		keep(v, p, (size_t)(s - p));
		q->pos = (size_t)(s - q->buf);
		if (s < e || fill(q) == 0)
			return;
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits in V (after a "0x" of SKIP bytes) into the bytes they are;
 * left as they are when they are not all hex. */
static void hex_to_bytes(struct value *v, size_t skip)
{
	size_t i, n = v->len - skip, o = 0;

	if (v->cut || n % 2)
		return;
	for (i = skip; i < v->len; i++)
		if (hexval(v->buf[i]) < 0)
			return;
	for (i = skip; i + 1 < v->len; i += 2)
		v->buf[o++] = (unsigned char)(hexval(v->buf[i]) * 16 +
		                              hexval(v->buf[i + 1]));
	v->len = o;
	v->kind = V_BYTES;
}

/* Skip to a ',' or ')' outside parentheses and strings (not taken): the
 * rest of an expression.  -1 at the end of the content or a delimiter. */
static int skip_expr(struct sql *q)
{
	size_t depth = 0;

	for (;;) {
		int c = peekc(q);
		if (c < 0)
			return -1;
		if (c == '\'' || c == '"' || c == '`') {
			if (scan_string(q, (unsigned char)c, c != '`', NULL) < 0)
				return -1;
			continue;
		}
		if ((c == '#' || c == '-' || c == '/') && comment(q, c))
			continue;
		if (depth == 0 && (c == ',' || c == ')'))
			return 0;
		if (depth == 0 && at_delim(q))
			return -1;
		if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		q->pos++;
	}
}

/*
 * One value at the cursor (blanks skipped), kept in V (may be NULL: the
 * column is none this extractor keeps).  The cursor is left after it and
 * any blanks; -1 when the content ends in it.
 */
static int scan_value(struct sql *q, struct value *v)
{
	int c = peekc(q);

	if (v) {
		v->kind = V_EXPR;
		v->len = 0;
		v->cut = 0;
	}
	if (c < 0)
		return -1;
	if (c == '\'' || c == '"') {
		if (v)
			v->kind = V_STR;
		if (scan_string(q, (unsigned char)c, 1, v) < 0)
			return -1;
	} else if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) {
		scan_class(q, CH_NUM, v);
		if (v) {
			v->kind = V_NUM;
			if (v->len > 2 && v->buf[0] == '0' &&
			    (v->buf[1] == 'x' || v->buf[1] == 'X'))
				hex_to_bytes(v, 2);
		}
	} else if (q->cls[c] & CH_WORD) {
		/* NULL, TRUE, FALSE, a string's introducer, a function */
		char w[WORD_MAX];
		size_t n = 0;
		while ((c = peekc(q)) >= 0 && (q->cls[c] & CH_WORD)) {
			if (n < sizeof w - 1)
				w[n++] = (char)c;
			keep(v, q->buf + q->pos, 1);
			q->pos++;
		}
		w[n] = '\0';
		if (c == '\'') {
			int hex = strcasecmp(w, "x") == 0;
			if (v) {
				v->len = 0;
				v->kind = V_STR;
			}
			if (scan_string(q, '\'', !hex && strcasecmp(w, "b") != 0,
			                v) < 0)
				return -1;
			if (v && hex)
				hex_to_bytes(v, 0);
		} else if (strcasecmp(w, "NULL") == 0) {
			if (v)
				v->kind = V_NULL;
		} else if (strcasecmp(w, "TRUE") == 0 ||
		           strcasecmp(w, "FALSE") == 0) {
			if (v) {
				v->kind = V_NUM;
				v->len = 1;
				v->buf[0] = w[0] == 't' || w[0] == 'T' ? '1' : '0';
			}
		}
	}
	c = skip_space(q);
	if (c == ',' || c == ')')
		return 0;
	if (c < 0)
		return -1;
	/* an expression: NOW(), 1+2, (SELECT ...) */
	if (v)
		v->kind = V_EXPR;
	if (skip_expr(q) < 0)
		return -1;
	return 0;
}

/* ---- names --------------------------------------------------------------- */

/* A bare word at the cursor into OUT (at most CAP - 1 bytes kept, the rest
 * skipped): its length in the file. */
static size_t read_word(struct sql *q, char *out, size_t cap)
{
	size_t n = 0, total = 0;

	for (;;) {
		while (q->pos < q->end && (q->cls[q->buf[q->pos]] & CH_WORD)) {
			if (n < cap - 1)
				out[n++] = (char)q->buf[q->pos];
			q->pos++;
			total++;
		}
		if (q->pos < q->end || fill(q) == 0)
			break;
	}
	out[n] = '\0';
	return total;
}

/* A name: `quoted` (`` for a `), "quoted", or a bare word; of db.table the
 * last part.  Its length kept in *LEN; -1 when there is none. */
static int read_name(struct sql *q, char *out, size_t *len)
{
	for (;;) {
		int c = skip_space(q);
		size_t total;
		if (c == '`' || c == '"') {
			struct value *v = q->field; /* scratch: the row is not read */
			v->len = 0;
			v->cut = 0;
			if (scan_string(q, (unsigned char)c, 0, v) < 0)
				return -1;
			total = v->len;
			if (v->len > IDENT_MAX - 1)
				v->len = IDENT_MAX - 1;
			memcpy(out, v->buf, v->len);
			out[v->len] = '\0';
			*len = v->len;
			if (v->cut)
				total = VALUE_MAX + 1;
		} else if (c >= 0 && (q->cls[c] & CH_WORD)) {
			total = read_word(q, out, IDENT_MAX);
			*len = strlen(out);
		} else {
			return -1;
		}
		if (total > IDENT_MAX - 1 && !q->names_noted++)
			problem(q, "a name longer than %d bytes at offset %llu cut",
			        IDENT_MAX - 1, here(q));
		if (peekc(q) == '.') {
			q->pos++;
			continue;
		}
		return 0;
	}
}

/* ---- tables -------------------------------------------------------------- */

static unsigned hash(const char *s, size_t n)
{
	unsigned h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)tolower((unsigned char)s[i])) * 16777619u;
	return h % HASH_SIZE;
}

/* The lowercase NAME has one of WORDS in it. */
static int name_has(const char *name, const char *const *words)
{
	for (; *words; words++)
		if (strstr(name, *words))
			return 1;
	return 0;
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* The concepts a column's lowercase NAME stands for, as bits. */
static unsigned concepts(const char *name)
{
	static const char *const botid[] = {
		"bot_id", "botid", "bot_uid", "botuid", "bot_guid", "botguid",
		"bot_name", "botname", "hwid", "hw_id", "machine_id", "machineid",
		"client_id", "clientid", "victim_id", "guid", "uuid", "bot",
		"bot_key", "computer_id", "pc_id", NULL };
	static const char *const weakid[] = { "id", "uid", "name", "uniq",
	                                      "ident", "key", NULL };
	static const char *const botnet[] = { "botnet", "botnet_name",
	                                      "subbotnet", "group", "build",
	                                      "campaign", NULL };
	static const char *const ip[] = {
		"ip", "ipv4", "ipv6", "ip_addr", "ip_address", "ipaddr",
		"ipaddress", "remote_addr", "remote_ip", "client_ip", "last_ip",
		"bot_ip", "real_ip", "ext_ip", "external_ip", "wan_ip", "addr",
		"address", NULL };
	static const char *const country[] = { "country", "country_code",
	                                       "countrycode", "cc", "geo",
	                                       "country_iso", "ccode", "land",
	                                       NULL };
	static const char *const os[] = { "os", "os_version", "osver",
	                                  "os_ver", "os_name", "osname",
	                                  "winver", "windows", "platform",
	                                  "system", "os_info", "osinfo", NULL };
	static const char *const first[] = {
		"rtime_first", "first_seen", "firstseen", "first_time",
		"time_first", "registered", "reg_time", "regtime", "reg_date",
		"date_added", "dateadded", "added", "install_date", "installed",
		"install_time", "created", "created_at", "date_created",
		"first_knock", "first", "time_added", NULL };
	static const char *const last[] = {
		"rtime_last", "last_seen", "lastseen", "last_time", "time_last",
		"last_online", "last_active", "last_report", "lastreport",
		"updated", "updated_at", "last_knock", "lastknock", "last_update",
		"lastupdate", "last_access", "seen", "last", "rtime_online",
		"time_last_report", NULL };
	static const char *const user[] = { "name", "login", "username", "user",
	                                    "user_name", "email", "nick",
	                                    "nickname", "uname", "user_login",
	                                    "admin", NULL };
	static const char *const pass[] = { "pass", "password", "passwd", "pwd",
	                                    "pass_hash", "password_hash",
	                                    "passhash", "pw", "user_pass",
	                                    "user_password", NULL };
	static const char *const target[] = {
		"target", "host", "hostname", "url", "domain", "site", "victim",
		"dest", "destination", "target_host", "target_url", "target_ip",
		"targets", "link", NULL };
	static const char *const command[] = { "command", "cmd", "method",
	                                       "type", "attack_type",
	                                       "attacktype", "mode", "action",
	                                       "task", "kind", "flood", "attack",
	                                       NULL };
	static const char *const time_[] = { "time", "date", "created",
	                                     "started", "start_time",
	                                     "starttime", "timestamp", "added",
	                                     "created_at", "start", "begin",
	                                     "datetime", "launched", "ctime",
	                                     NULL };
	static const char *const duration[] = { "duration", "length", "seconds",
	                                        "secs", "attack_time",
	                                        "attacktime", "time_len",
	                                        "runtime", "period", "lasting",
	                                        NULL };
	unsigned c = 0;

	if (in_list(name, botid)) c |= 1u << C_BOTID;
	if (in_list(name, weakid)) c |= 1u << C_WEAKID;
	if (in_list(name, botnet)) c |= 1u << C_BOTNET;
	if (in_list(name, ip)) c |= 1u << C_IP;
	if (in_list(name, country)) c |= 1u << C_COUNTRY;
	if (in_list(name, os)) c |= 1u << C_OS;
	if (in_list(name, first)) c |= 1u << C_FIRST;
	if (in_list(name, last)) c |= 1u << C_LAST;
	if (in_list(name, user)) c |= 1u << C_USER;
	if (in_list(name, pass)) c |= 1u << C_PASS;
	if (in_list(name, target)) c |= 1u << C_TARGET;
	if (in_list(name, command)) c |= 1u << C_COMMAND;
	if (in_list(name, time_)) c |= 1u << C_TIME;
	if (in_list(name, duration)) c |= 1u << C_DURATION;
	return c;
}

static void lower(char *out, const char *s, size_t cap)
{
	size_t i;

	for (i = 0; s[i] && i < cap - 1; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
}

/* Column NAME is the INDEX-th: note the concepts it is the first of. */
static void note_column(int16_t idx[C_N], const char *name, uint64_t index)
{
	char l[IDENT_MAX];
	unsigned c;
	int k;

	if (index >= COLUMNS_MAX)
		return;
	lower(l, name, sizeof l);
	c = concepts(l);
	for (k = 0; k < C_N; k++)
		if ((c & (1u << k)) && idx[k] < 0)
			idx[k] = (int16_t)index;
}

/* The role of table T, from its name and the concepts of its columns. */
static enum role classify(const struct table *t, const int16_t idx[C_N])
{
	static const char *const operators[] = { "user", "admin", "operator",
	                                         "account", "staff", "manager",
	                                         "login", "member", NULL };
	static const char *const attacks[] = { "attack", "task", "command",
	                                       "cmd", "job", "flood", "ddos",
	                                       "order", "target", NULL };
	static const char *const bots[] = { "bot", "client", "victim", "zombie",
	                                    "infect", "machine", "slave",
	                                    "host", "node", "peer", "install",
	                                    "list", NULL };
	char n[IDENT_MAX];

	lower(n, t->name, sizeof n);
	if (strncmp(n, "botnet_reports", 14) == 0)
		return R_REPORTS;
	if (idx[C_PASS] >= 0 && name_has(n, operators))
		return R_OPERATORS;
	if ((idx[C_TARGET] >= 0 || idx[C_IP] >= 0) && name_has(n, attacks))
		return R_ATTACKS;
	if (idx[C_IP] >= 0 &&
	    (idx[C_BOTID] >= 0 || (idx[C_WEAKID] >= 0 && name_has(n, bots))))
		return R_VICTIMS;
	return R_OTHER;
}

/* The column of each field of ROLE, given the columns' concepts. */
static void fields_of(enum role role, const int16_t idx[C_N],
                      int16_t col[F_N])
{
	int f;

	for (f = 0; f < F_N; f++)
		col[f] = -1;
	switch (role) {
	case R_VICTIMS:
		col[F_BOT] = idx[C_BOTID] >= 0 ? idx[C_BOTID] : idx[C_WEAKID];
		col[F_BOTNET] = idx[C_BOTNET];
		col[F_IP] = idx[C_IP];
		col[F_COUNTRY] = idx[C_COUNTRY];
		col[F_OS] = idx[C_OS];
		col[F_FIRST] = idx[C_FIRST];
		col[F_LAST] = idx[C_LAST];
		break;
	case R_OPERATORS:
		col[F_USER] = idx[C_USER];
		col[F_PASS] = idx[C_PASS];
		break;
	case R_ATTACKS:
		col[F_TARGET] = idx[C_TARGET] >= 0 ? idx[C_TARGET] : idx[C_IP];
		col[F_COMMAND] = idx[C_COMMAND];
		col[F_TIME] = idx[C_TIME] >= 0 ? idx[C_TIME] : idx[C_FIRST];
		col[F_DURATION] = idx[C_DURATION];
		break;
	default:
		break;
	}
}

/* The row map for ROLE from the concepts IDX: column -> field. */
static void set_map(struct sql *q, enum role role, const int16_t idx[C_N])
{
	int16_t col[F_N];
	int f;

	memset(q->map, 0, q->map_len);
	q->map_len = 0;
	fields_of(role, idx, col);
	for (f = 1; f < F_N; f++)
		if (col[f] >= 0 && !q->map[col[f]]) {
			q->map[col[f]] = (uint8_t)f;
			if ((size_t)col[f] + 1 > q->map_len)
				q->map_len = (size_t)col[f] + 1;
		}
}

/* Table NAME, made when it is new; NULL past TABLES_MAX tables. */
static struct table *table(struct sql *q, const char *name, size_t len)
{
	unsigned h = hash(name, len);
	struct table *t;
	int k;

	for (t = q->hash[h]; t; t = t->next)
		if (t->name_len == len && memcmp(t->name, name, len) == 0)
			return t;
	if (q->ntables >= TABLES_MAX) {
		if (!q->tables_noted++)
			problem(q, "more than %u tables: the rest not summarised",
			        TABLES_MAX);
		return NULL;
	}
	if (q->ntables == q->tables_cap) {
		size_t cap = q->tables_cap ? q->tables_cap * 2 : 64;
		struct table **n = realloc(q->tables, cap * sizeof *n);
		if (!n)
			return NULL;
		q->tables = n;
		q->tables_cap = cap;
	}
	t = calloc(1, sizeof *t);
	if (!t || !(t->columns = json_array())) {
		free(t);
		return NULL;
	}
	memcpy(t->name, name, len);
	t->name[len] = '\0';
	t->name_len = len;
	for (k = 0; k < C_N; k++)
		t->idx[k] = -1;
	t->next = q->hash[h];
	q->hash[h] = t;
	q->tables[q->ntables++] = t;
	return t;
}

/* Column NAME of T, the next in order. */
static void add_column(struct sql *q, struct table *t, const char *name,
                       size_t len)
{
	if (t->ncols >= COLUMNS_MAX) {
		if (!t->wide_noted++)
			problem(q, "table `%.64s` declares more than %d columns: the "
			        "rest not read", t->name, COLUMNS_MAX);
		t->ncols++;
		return;
	}
	note_column(t->idx, name, t->ncols);
	if (q->column_bytes + len <= CUST_X_WHOLE_MAX) {
		q->column_bytes += len;
		json_array_append_new(t->columns, cust_x_string(name, len));
	} else if (!q->columns_noted++) {
		problem(q, "more than %u bytes of column names: the rest not kept",
		        CUST_X_WHOLE_MAX);
	}
	t->ncols++;
}

/* ---- statements ---------------------------------------------------------- */

/* Skip to the end of the statement (after its delimiter). */
static void skip_statement(struct sql *q)
{
	for (;;) {
		int c;
		while (q->pos < q->end && !(q->cls[q->buf[q->pos]] & CH_STOP))
			q->pos++;
		if ((c = peekc(q)) < 0)
			return;
		if (c == (unsigned char)q->delim[0] && at_delim(q)) {
			q->pos += q->delim_len;
			return;
		}
		if (c == '\'' || c == '"' || c == '`') {
			if (scan_string(q, (unsigned char)c, c != '`', NULL) < 0)
				return;
			continue;
		}
		if ((c == '#' || c == '-' || c == '/') && comment(q, c))
			continue;
		q->pos++;
	}
}

static int word_is(const char *w, const char *k)
{
	return strcasecmp(w, k) == 0;
}

/* The next keyword (a bare word, at most WORD_MAX - 1 bytes looked at),
 * blanks skipped; "" when something else is there. */
static void keyword(struct sql *q, char w[WORD_MAX])
{
	int c = skip_space(q);

	w[0] = '\0';
	if (c >= 0 && (q->cls[c] & CH_WORD) && !(c >= '0' && c <= '9'))
		read_word(q, w, WORD_MAX);
}

/* DELIMITER X: the rest of the line. */
static void delimiter(struct sql *q)
{
	char d[DELIM_MAX + 1];
	size_t n = 0;
	int c;

	while ((c = peekc(q)) == ' ' || c == '\t')
		q->pos++;
	while ((c = peekc(q)) >= 0 && !(q->cls[c] & CH_SPACE)) {
		if (n < DELIM_MAX)
			d[n++] = (char)c;
		q->pos++;
	}
	if (c >= 0 && c != '\n')
		skip_line(q);
	if (n == 0)
		return;
	memcpy(q->delim, d, n);
	q->delim[n] = '\0';
	q->delim_len = n;
	set_classes(q);
}

/* Skip one column or key definition to its ',' or ')': the byte, or -1. */
static int skip_definition(struct sql *q)
{
	size_t depth = 0;

	for (;;) {
		int c;
		while (q->pos < q->end &&
		       !(q->cls[q->buf[q->pos]] & CH_STOP) &&
		       q->buf[q->pos] != ',' && q->buf[q->pos] != '(' &&
		       q->buf[q->pos] != ')')
			q->pos++;
		if ((c = peekc(q)) < 0)
			return -1;
		if (c == '\'' || c == '"' || c == '`') {
			if (scan_string(q, (unsigned char)c, c != '`', NULL) < 0)
				return -1;
			continue;
		}
		if ((c == '#' || c == '-' || c == '/') && comment(q, c))
			continue;
		if (depth == 0 && (c == ',' || c == ')'))
			return c;
		if (depth == 0 && c == (unsigned char)q->delim[0] && at_delim(q))
			return -1;
		if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		q->pos++;
	}
}

/* CREATE [TEMPORARY] TABLE [IF NOT EXISTS] name (definitions) options */
static void create(struct sql *q)
{
	static const char *const not_columns[] = {
		"primary", "key", "index", "unique", "fulltext", "spatial",
		"constraint", "foreign", "check", "period", NULL };
	unsigned long long at = here(q);
	char w[WORD_MAX], name[IDENT_MAX];
	struct table *t;
	size_t len;
	int c, k;

	do
		keyword(q, w);
	while (word_is(w, "temporary") || word_is(w, "or") ||
	       word_is(w, "replace"));
	if (!word_is(w, "table")) {
		skip_statement(q);
		return;
	}
	c = skip_space(q);
	if (c >= 0 && (q->cls[c] & CH_WORD) && avail(q, 3) >= 3 &&
	    strncasecmp((const char *)q->buf + q->pos, "if", 2) == 0 &&
	    !(q->cls[q->buf[q->pos + 2]] & CH_WORD)) {
		keyword(q, w); /* IF */
		keyword(q, w); /* NOT */
		keyword(q, w); /* EXISTS */
	}
	if (read_name(q, name, &len) < 0 || !(t = table(q, name, len))) {
		skip_statement(q);
		return;
	}
	if (skip_space(q) != '(') {
		skip_statement(q); /* LIKE other, AS SELECT */
		return;
	}
	q->pos++;
	/* declared again (a second dump of it): its columns anew */
	if (t->declared || t->ncols) {
		json_array_clear(t->columns);
		t->ncols = 0;
		for (k = 0; k < C_N; k++)
			t->idx[k] = -1;
	}
	t->declared = 1;
	for (;;) {
		c = skip_space(q);
		if (c < 0)
			break;
		if (c == ')') {
			q->pos++;
			t->role = classify(t, t->idx);
			skip_statement(q);
			return;
		}
		if (c == '`' || c == '"') {
			if (read_name(q, name, &len) < 0)
				break;
			add_column(q, t, name, len);
		} else if (q->cls[c] & CH_WORD) {
			read_word(q, name, IDENT_MAX);
			for (k = 0; not_columns[k]; k++)
				if (word_is(name, not_columns[k]))
					break;
			if (!not_columns[k])
				add_column(q, t, name, strlen(name));
		}
		c = skip_definition(q);
		if (c < 0)
			break;
		q->pos++;
		if (c == ')') {
			t->role = classify(t, t->idx);
			skip_statement(q);
			return;
		}
	}
	t->role = classify(t, t->idx);
	problem(q, "CREATE TABLE `%.64s` at offset %llu not closed", t->name, at);
	skip_statement(q);
}

/* ---- rows ---------------------------------------------------------------- */

/* A whole number in V (digits, a sign), or -1. */
static int integer(const struct value *v, long long *out)
{
	size_t i = 0;
	long long x = 0;
	int neg = 0;

	if ((v->kind != V_NUM && v->kind != V_STR) || v->len == 0 || v->cut)
		return -1;
	if (v->buf[0] == '-' || v->buf[0] == '+')
		neg = v->buf[i++] == '-';
	if (i == v->len)
		return -1;
	for (; i < v->len; i++) {
		if (v->buf[i] < '0' || v->buf[i] > '9' ||
		    x > (0x7fffffffffffffffll - 9) / 10)
			return -1;
		x = x * 10 + (v->buf[i] - '0');
	}
	*out = neg ? -x : x;
	return 0;
}

static json_t *text(const struct value *v)
{
	return cust_x_string((const char *)v->buf, v->len);
}

/* An address: a number or 4 (16) bytes as a dotted quad (IPv6), else as
 * written. */
static json_t *address(const struct value *v)
{
	char out[INET6_ADDRSTRLEN];
	long long n;

	if (integer(v, &n) == 0 && n >= 0 && n <= 0xffffffffll) {
		snprintf(out, sizeof out, "%u.%u.%u.%u", (unsigned)(n >> 24) & 255,
		         (unsigned)(n >> 16) & 255, (unsigned)(n >> 8) & 255,
		         (unsigned)n & 255);
		return json_string(out);
	}
	if ((v->kind == V_BYTES || v->kind == V_STR) && v->len == 4 && !v->cut) {
		snprintf(out, sizeof out, "%u.%u.%u.%u", v->buf[0], v->buf[1],
		         v->buf[2], v->buf[3]);
		return json_string(out);
	}
	if ((v->kind == V_BYTES || v->kind == V_STR) && v->len == 16 &&
	    !v->cut) {
		size_t i;
		int printable = 1;
		for (i = 0; i < 16; i++)
			if (v->buf[i] < 0x20 || v->buf[i] >= 0x7f)
				printable = 0;
		if (!printable && inet_ntop(AF_INET6, v->buf, out, sizeof out))
			return json_string(out);
	}
	return text(v);
}

/* A time: a Unix time as RFC 3339 UTC, else as written. */
static json_t *when(const struct value *v)
{
	struct cust_time t = { 0, 0 };
	char out[CUST_TIME_LEN];
	long long n;

	if (integer(v, &n) == 0 && n > 0 && n < 4102444800ll) {
		t.sec = n;
		if (cust_time_format(&t, out, NULL) == 0)
			return json_string(out);
	}
	return text(v);
}

/* 1 when V holds something: not NULL, not an empty string. */
static int present(const struct value *v)
{
	return v->kind != V_NONE && v->kind != V_NULL &&
	       !(v->kind == V_STR && v->len == 0);
}

static void set(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

/* Put hash H in the table of victims seen: 0 when it was there. */
static int seen_put(uint64_t *seen, size_t size, uint64_t h)
{
	size_t i;

	for (i = h & (size - 1);; i = (i + 1) & (size - 1)) {
		if (seen[i] == h)
			return 0;
		if (seen[i] == 0) {
			seen[i] = h;
			return 1;
		}
	}
}

/* 1 the first time bot ID at address IP is seen.  The table grows with
 * the victims, to SEEN_MAX slots: at most half full, as no more than
 * CUST_X_LIST_MAX + 1 victims are ever put in it. */
static int first_sighting(struct sql *q, const json_t *id, const json_t *ip)
{
	const char *a = json_string_value(id), *b = json_string_value(ip), *s;
	uint64_t h = 1469598103934665603ull;

	if (2 * (q->seen_count + 1) > q->seen_size && q->seen_size < SEEN_MAX) {
		size_t size = q->seen_size ? q->seen_size * 4 : 256, i;
		uint64_t *n = calloc(size, sizeof *n);
		if (!n)
			return 1;
		for (i = 0; i < q->seen_size; i++)
			if (q->seen[i])
				(void)seen_put(n, size, q->seen[i]);
		free(q->seen);
		q->seen = n;
		q->seen_size = size;
	}
	for (s = a ? a : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (s = b ? b : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	if (h == 0)
		h = 1;
	if (!seen_put(q->seen, q->seen_size, h))
		return 0;
	q->seen_count++;
	return 1;
}

/* The row just read, of table T. */
static void row(struct sql *q, struct table *t)
{
	struct value *f = q->field;
	json_t *o;

	t->rows++;
	switch (t->role) {
	case R_VICTIMS: {
		json_t *id, *ip;
		if (q->victims > CUST_X_LIST_MAX)
			return; /* the list is full, and said so */
		if (!present(&f[F_BOT]) && !present(&f[F_IP]))
			return;
		id = present(&f[F_BOT]) ? text(&f[F_BOT]) : NULL;
		ip = present(&f[F_IP]) ? address(&f[F_IP]) : NULL;
		if (!first_sighting(q, id, ip)) {
			json_decref(id);
			json_decref(ip);
			return;
		}
		o = json_object();
		if (!o) {
			json_decref(id);
			json_decref(ip);
			return;
		}
		set(o, "bot_id", id);
		if (present(&f[F_BOTNET]))
			set(o, "botnet", text(&f[F_BOTNET]));
		set(o, "ip", ip);
		if (present(&f[F_COUNTRY]))
			set(o, "country", text(&f[F_COUNTRY]));
		if (present(&f[F_OS]))
			set(o, "os", text(&f[F_OS]));
		if (present(&f[F_FIRST]))
			set(o, "first_seen", when(&f[F_FIRST]));
		if (present(&f[F_LAST]))
			set(o, "last_seen", when(&f[F_LAST]));
		q->victims++;
		cust_x_push(q->rec, "targets", "victims", o);
		break;
	}
	case R_OPERATORS:
		/* an empty password is one */
		if (q->operators > CUST_X_LIST_MAX || f[F_PASS].kind == V_NONE ||
		    f[F_PASS].kind == V_NULL)
			return;
		o = json_pack("{s:s}", "service", "panel");
		if (!o)
			return;
		if (present(&f[F_USER]))
			set(o, "username", text(&f[F_USER]));
		set(o, "password", text(&f[F_PASS]));
		q->operators++;
		cust_x_push(q->rec, NULL, "credentials", o);
		break;
	case R_ATTACKS: {
		long long n;
		if (q->ddos > CUST_X_LIST_MAX || !present(&f[F_TARGET]))
			return;
		o = json_object();
		if (!o)
			return;
		set(o, "target", address(&f[F_TARGET]));
		if (present(&f[F_COMMAND]))
			set(o, "command", text(&f[F_COMMAND]));
		if (present(&f[F_TIME]))
			set(o, "time", when(&f[F_TIME]));
		if (present(&f[F_DURATION]))
			set(o, "duration", integer(&f[F_DURATION], &n) == 0
			                   ? json_integer((json_int_t)n)
			                   : text(&f[F_DURATION]));
		q->ddos++;
		cust_x_push(q->rec, "targets", "ddos", o);
		break;
	}
	default:
		break;
	}
}

/*
 * The rows of an INSERT into T after VALUES: (v, ...), (v, ...) up to the
 * delimiter.
 */
static void rows(struct sql *q, struct table *t, unsigned long long at)
{
	int f;

	for (;;) {
		uint64_t i;
		int c = skip_space(q);
		if (c != '(') {
			if (c >= 0)
				problem(q, "INSERT INTO `%.64s` at offset %llu: a row "
				        "expected at offset %llu", t->name, at, here(q));
			skip_statement(q);
			return;
		}
		q->pos++;
		for (f = 1; f < F_N; f++)
			q->field[f].kind = V_NONE;
		for (i = 0;; i++) {
			struct value *v = NULL;
			int cut;
			c = q->pos < q->end ? q->buf[q->pos] : peekc(q);
			if (c >= 0 && (q->cls[c] & CH_SPACE))
				c = skip_space(q);
			if (c == ')' && i == 0) { /* () */
				q->pos++;
				break;
			}
			if (i < q->map_len && q->map[i])
				v = &q->field[q->map[i]];
			if (scan_value(q, v) < 0) {
				problem(q, "INSERT INTO `%.64s` at offset %llu not "
				        "finished at the end of the file", t->name, at);
				return;
			}
			cut = v && v->cut;
			if (cut && !t->cut_noted++)
				problem(q, "values longer than %u bytes cut in table "
				        "`%.64s`", VALUE_MAX, t->name);
			if (q->buf[q->pos] == ')') {
				q->pos++;
				break;
			}
			q->pos++; /* ',' */
		}
		row(q, t);
		c = skip_space(q);
		if (c == ',') {
			q->pos++;
			continue;
		}
		if (c >= 0 && at_delim(q)) {
			q->pos += q->delim_len;
			return;
		}
		if (c < 0) {
			problem(q, "INSERT INTO `%.64s` at offset %llu not finished at "
			        "the end of the file", t->name, at);
			return;
		}
		skip_statement(q); /* ON DUPLICATE KEY UPDATE ... */
		return;
	}
}

/* INSERT [LOW_PRIORITY|DELAYED|HIGH_PRIORITY] [IGNORE] [INTO] name
 * [(columns)] VALUES rows; REPLACE likewise. */
static void insert(struct sql *q, unsigned long long at)
{
	char name[IDENT_MAX], w[WORD_MAX];
	struct table *t = NULL;
	size_t len;
	int c;

	for (;;) {
		c = skip_space(q);
		if (c == '`' || c == '"') {
			if (read_name(q, name, &len) < 0)
				return;
			break;
		}
		if (c < 0 || !(q->cls[c] & CH_WORD)) {
			skip_statement(q);
			return;
		}
		read_word(q, name, IDENT_MAX);
		if (!word_is(name, "low_priority") && !word_is(name, "delayed") &&
		    !word_is(name, "high_priority") && !word_is(name, "ignore") &&
		    !word_is(name, "into")) {
			len = strlen(name);
			if (peekc(q) == '.') { /* db.table */
				q->pos++;
				if (read_name(q, name, &len) < 0)
					return;
			}
			break;
		}
	}
	t = table(q, name, len);
	if (!t) {
		skip_statement(q);
		return;
	}
	c = skip_space(q);
	if (c == '(') {
		/* the columns the rows give, in their order */
		int16_t idx[C_N];
		uint64_t n = 0;
		int k, fresh = !t->declared && t->ncols == 0;
		for (k = 0; k < C_N; k++)
			idx[k] = -1;
		q->pos++;
		for (;;) {
			if (read_name(q, name, &len) < 0)
				break;
			note_column(idx, name, n);
			if (fresh)
				add_column(q, t, name, len);
			n++;
			c = skip_space(q);
			if (c != ',')
				break;
			q->pos++;
		}
		if (skip_space(q) != ')') {
			problem(q, "INSERT INTO `%.64s` at offset %llu: its column list "
			        "not closed", t->name, at);
			skip_statement(q);
			return;
		}
		q->pos++;
		if (fresh) {
			memcpy(t->idx, idx, sizeof idx);
			t->role = classify(t, t->idx);
		}
		set_map(q, t->role, idx);
	} else {
		set_map(q, t->role, t->idx);
	}
	keyword(q, w);
	if (!word_is(w, "values") && !word_is(w, "value")) {
		skip_statement(q); /* SELECT, SET */
		return;
	}
	rows(q, t, at);
}

/* ---- the dump's own words ------------------------------------------------ */

static int starts_ci(const char *s, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - s) >= n && strncasecmp(s, word, n) == 0;
}

static json_t *other(json_t *rec)
{
	json_t *o = json_object_get(rec, "other");

	if (!o && (o = json_object()) && json_object_set_new(rec, "other", o) < 0)
		o = NULL;
	return o;
}

static void other_set(json_t *rec, const char *key, const char *s, size_t n)
{
	json_t *o = other(rec);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*s))
		s++, n--;
	if (n >= 2 && s[0] == '`' && s[n - 1] == '`')
		s++, n -= 2;
	if (o && n > 0 && !json_object_get(o, key))
		json_object_set_new(o, key, cust_x_string(s, n));
}

/* The value after KEY in LINE[0..LEN), up to the end or to STOP. */
static int after(const char *line, size_t len, const char *key,
                 const char *stop, const char **v, size_t *vn)
{
	size_t k = strlen(key), i;

	for (i = 0; k <= len && i <= len - k; i++)
		if (strncasecmp(line + i, key, k) == 0) {
			const char *s = line + i + k, *e = line + len;
			const char *x = stop ? strstr(s, stop) : NULL;
			if (x && x < e)
				e = x;
			*v = s;
			*vn = (size_t)(e - s);
			return 1;
		}
	return 0;
}

/* The header comments mysqldump and phpMyAdmin write, in the head, before
 * the first table. */
static void header(json_t *rec, const struct cust_x_input *in)
{
	const char *h = (const char *)in->head, *end = h + in->head_len;
	const char *v;
	size_t vn;
	int lines;

	for (lines = 0; h < end && lines < 64; lines++) {
		const char *nl = memchr(h, '\n', (size_t)(end - h));
		size_t len = (size_t)((nl ? nl : end) - h);
		char line[512];
		if (starts_ci(h, end, "CREATE") || starts_ci(h, end, "INSERT"))
			break;
		if (len < 3 || strncmp(h, "-- ", 3) != 0) {
			h = nl ? nl + 1 : end;
			continue;
		}
		if (len > sizeof line - 1)
			len = sizeof line - 1;
		memcpy(line, h, len);
		line[len] = '\0';
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		if (after(line, len, "-- MySQL dump ", " ", &v, &vn) ||
		    after(line, len, "-- MariaDB dump ", " ", &v, &vn)) {
			other_set(rec, "dump", "mysqldump", 9);
			other_set(rec, "dump_version", v, vn);
		} else if (after(line, len, "-- phpMyAdmin SQL Dump", NULL, &v,
		                 &vn)) {
			other_set(rec, "dump", "phpmyadmin", 10);
		} else if (after(line, len, "-- version ", NULL, &v, &vn)) {
			other_set(rec, "dump_version", v, vn);
		} else if (after(line, len, "-- Host: ", "  ", &v, &vn)) {
			other_set(rec, "host", v, vn);
			if (after(line, len, "Database: ", NULL, &v, &vn))
				other_set(rec, "database", v, vn);
		} else if (after(line, len, "-- Database: ", NULL, &v, &vn)) {
			other_set(rec, "database", v, vn);
		} else if (after(line, len, "-- Server version:", NULL, &v, &vn) ||
		           after(line, len, "-- Server version", NULL, &v, &vn)) {
			other_set(rec, "server_version", v, vn);
		} else if (after(line, len, "-- Generation Time: ", NULL, &v,
		                 &vn)) {
			other_set(rec, "generated", v, vn);
		} else if (after(line, len, "-- PHP Version: ", NULL, &v, &vn)) {
			other_set(rec, "php_version", v, vn);
		}
		h = nl ? nl + 1 : end;
	}
}

/* mysqldump's last line: "-- Dump completed on 2011-03-16 14:05:00". */
static void trailer(struct sql *q)
{
	char tail[256];
	uint64_t off = q->in->size > sizeof tail - 1
	               ? q->in->size - (sizeof tail - 1) : 0;
	size_t got = 0, want = (size_t)(q->in->size - off);
	const char *v;
	size_t vn;

	while (got < want) {
		long n = q->in->pread(q->in->pctx, tail + got, want - got,
		                      off + got);
		if (n <= 0 || (size_t)n > want - got)
			return;
		got += (size_t)n;
	}
	tail[got] = '\0';
	if (after(tail, got, "-- Dump completed on ", "\n", &v, &vn))
		other_set(q->rec, "completed", v, vn);
}

/* ---- the extractor ------------------------------------------------------- */

static int identify(const struct cust_x_input *in)
{
	const char *h = (const char *)in->head, *s;
	const char *end = h + (in->head_len < CUST_X_SNIFF ? in->head_len
	                                                   : CUST_X_SNIFF);

	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	if (cust_x_name_is(in->name, ".sql"))
		return 1;
	if (end - h >= 3 && memcmp(h, "\xef\xbb\xbf", 3) == 0)
		h += 3;
	while (h < end && isspace((unsigned char)*h))
		h++;
	if (starts_ci(h, end, "-- MySQL dump") ||
	    starts_ci(h, end, "-- MariaDB dump") ||
	    starts_ci(h, end, "-- phpMyAdmin SQL Dump"))
		return 1;
	if (starts_ci(h, end, "<?"))
		return 0;
	/* a statement at the start of a line */
	for (s = h; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (starts_ci(s, end, "CREATE TABLE") ||
		    starts_ci(s, end, "INSERT INTO"))
			return 1;
		s = nl ? nl + 1 : end;
	}
	return 0;
}

static void release(struct sql *q)
{
	size_t i;

	for (i = 0; i < q->ntables; i++) {
		json_decref(q->tables[i]->columns);
		free(q->tables[i]);
	}
	free(q->tables);
	free(q->buf);
	free(q->field);
	free(q->seen);
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	struct sql *q = calloc(1, sizeof *q);
	json_t *rec;
	size_t i;

	(void)known;
	if (!q)
		return cust_error_set(err, CUST_E_IO, "out of memory");
	q->in = in;
	q->err = err;
	q->cap = (in->size < BLOCK ? (size_t)in->size : BLOCK) + LOOK;
	q->buf = malloc(q->cap);
	q->field = calloc(F_N, sizeof *q->field);
	q->rec = rec = cust_x_record(FAMILY, NAME, "database");
	if (!q->buf || !q->field || !rec) {
		json_decref(rec);
		release(q);
		free(q);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	memcpy(q->delim, ";", 2);
	q->delim_len = 1;
	set_classes(q);
	header(rec, in);

	for (;;) {
		char w[WORD_MAX];
		unsigned long long at;
		int c = skip_space(q);
		if (c < 0)
			break;
		at = here(q);
		if (at_delim(q)) {
			q->pos += q->delim_len;
			continue;
		}
		if (!(q->cls[c] & CH_WORD)) {
			skip_statement(q);
			continue;
		}
		read_word(q, w, sizeof w);
		if (word_is(w, "create"))
			create(q);
		else if (word_is(w, "insert") || word_is(w, "replace"))
			insert(q, at);
		else if (word_is(w, "delimiter"))
			delimiter(q);
		else
			skip_statement(q);
	}
	if (q->failed) {
		json_decref(rec);
		release(q);
		free(q);
		return -1;
	}
	trailer(q);

	for (i = 0; i < q->ntables; i++) {
		struct table *t = q->tables[i];
		char n[IDENT_MAX];
		lower(n, t->name, sizeof n);
		if (strcmp(n, "botnet_list") == 0 && t->idx[C_BOTID] >= 0)
			q->zeus = 1;
		cust_x_push(rec, "controller", "tables",
		            json_pack("{s:o, s:O, s:I, s:s}", "name",
		                      cust_x_string(t->name, t->name_len),
		                      "columns", t->columns, "rows",
		                      (json_int_t)t->rows, "role",
		                      role_names[t->role]));
	}
	if (q->ntables == 0 && !json_object_get(rec, "problems")) {
		/* no statement of a dump: not one */
		json_decref(rec);
		release(q);
		free(q);
		return 0;
	}
	if (q->zeus)
		json_object_set_new(rec, "family", json_string("zeus"));
	{
		json_t *c = json_object_get(rec, "controller");
		if (!c && (c = json_object()) &&
		    json_object_set_new(rec, "controller", c) < 0)
			c = NULL;
		if (c)
			json_object_set_new(c, "panel",
			                    json_string(q->zeus ? "zeus" : "generic"));
	}
	if (json_object_get(rec, "problems"))
		json_object_set_new(rec, "status",
		                    json_string(q->ntables ? "partial" : "damaged"));
	json_array_append_new(out->records, rec);
	release(q);
	free(q);
	return 0;
}

const struct cust_extractor cust_x_sql_dump = {
	NAME, FAMILY,
	"SQL dumps of a panel's database (mysqldump, phpMyAdmin), read as a "
	"stream: victims (bot id, address, country, OS, first and last seen), "
	"operators' credentials, DDoS targets, every table summarised",
	identify, parse
};
