/*
 * panel_php.c - a bot panel's configuration in PHP.
 *
 * ZeuS's panel (and the panels built on its code) keeps its settings in
 * system/config.php, written by its installer as `$config['KEY'] = VALUE;`
 * lines: mysql_host, mysql_user, mysql_pass, mysql_db (the panel's
 * database), reports_path (the folder of reports kept as files),
 * reports_to_db, reports_to_fs, botnet_timeout (how long after its last
 * contact a bot counts as online: the installer asks minutes and stores
 * seconds), botnet_cryptkey (the RC4 key of what the bots send) and
 * botnet_cryptkey_bs, the RC4 state the key schedule makes of that key: 256
 * integers, checked here to be exactly that schedule.  Generic panels hold
 * the same things as define('DB_HOST', ...), const DB_HOST = ...,
 * $db_host = ..., or arrays: $config = array('db' => array('host' => ...)),
 * ['host' => ...], return [...].
 *
 * At most CUST_X_WHOLE_MAX bytes of the file are read, by a small PHP
 * lexer: code between <?php (or <? and <?=) and ?>, comments, '...' and
 * "..." strings with their escapes, heredocs and nowdocs, subscripts and
 * nested arrays.  A value that is one literal is taken as PHP reads it;
 * any other expression (a concatenation, a constant, a call) is kept as
 * written.  Names are matched by their words, ignoring case (DB_HOST,
 * dbHost and dbhost are "db" "host"):
 *   host, hostname, server; port; user, username, login; pass, password,
 *   passwd, pwd; db, database, dbname (name after a database word)
 *       -> "credentials" of the service a word of the name or of the array
 *          holding it names (db, mysql, sql, database: mysql; smtp, mail:
 *          smtp; ftp; pgsql, postgres: postgresql), or, with no such word,
 *          of mysql when there is a host and a user or a password;
 *   a name ending in key with crypt, rc4, xor, aes, secret... -> "keys";
 *   path, dir, folder -> "paths";
 *   timeout, interval, delay, period (the unit from min, hours...)
 *       -> "intervals";
 *   a URL, or a host with a port or not, under a name (or in an array)
 *   with cnc, c2, cc, gate, controller, backconnect, reserve in it, and
 *   no service word -> "c2" (usage report for gates, else c2).
 * Every other setting is kept in "other" under its name as written.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extractors.h"

#define NAME "panel-php-config"
#define FAMILY "generic"
#define DEPTH_MAX 16  /* subscripts and nested arrays followed */
#define KEY_MAX 64    /* bytes of one key name kept */
#define WRITTEN_MAX 256 /* bytes of a setting's name as written */
#define GROUPS_MAX 32 /* sets of credentials */
#define OTHER_MAX 256 /* settings kept in "other" */
#define WORDS_MAX 8   /* words of one name */
#define WORD_MAX 24   /* bytes of one word */

/* ---- lexer --------------------------------------------------------------- */

enum tok_type { T_END, T_STR, T_NUM, T_VAR, T_IDENT, T_PUNCT };

struct tok {
	enum tok_type type;
	size_t start, end;   /* the token's bytes */
	size_t body, blen;   /* T_STR: the body; T_VAR, T_IDENT: the name */
	char quote;          /* T_STR: '\'' (no escapes but \\ and \'), '"'
	                        (escapes), 'n' (nowdoc: none), 'h' (heredoc) */
	size_t indent;       /* heredoc, nowdoc: the closing marker's blanks,
	                        taken from the start of every line */
};

struct php {
	const char *s;
	size_t len, i;
	int code;        /* inside <?php ... ?> */
	json_t *rec;
	size_t *noted;   /* where the last problem the lexer noted was, plus
	                    one: a token lexed again (the parser looks ahead
	                    and backs up) is noted once */
};

static void lex_problem(struct php *p, size_t at, const char *fmt, ...)
	CUST_PRINTF(3, 4);

static void lex_problem(struct php *p, size_t at, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (at + 1 <= *p->noted)
		return;
	*p->noted = at + 1;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	cust_x_problem(p->rec, "%s", msg);
}

static int ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c >= 0x80;
}

static int ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* The end of the line at I, or of the code: a ?> ends a // comment. */
static size_t line_comment_end(const struct php *p, size_t i)
{
	while (i < p->len && p->s[i] != '\n' &&
	       !(p->s[i] == '?' && i + 1 < p->len && p->s[i + 1] == '>'))
		i++;
	return i;
}

/* A heredoc or nowdoc at <<<: its body up to the closing identifier, alone
 * on its line but for leading blanks (PHP 7.3 lets a ',' ';' or ')' follow
 * it).  0 when it is not one, -1 when it is never closed. */
static int heredoc(struct php *p, struct tok *t)
{
	size_t i = p->i + 3, id, idlen, b;
	char q = 0;

	while (i < p->len && (p->s[i] == ' ' || p->s[i] == '\t'))
		i++;
	if (i < p->len && (p->s[i] == '\'' || p->s[i] == '"'))
		q = p->s[i++];
	id = i;
	while (i < p->len && ident_char((unsigned char)p->s[i]))
		i++;
	idlen = i - id;
	if (idlen == 0)
		return 0;
	if (q) {
		if (i >= p->len || p->s[i] != q)
			return 0;
		i++;
	}
	if (i < p->len && p->s[i] == '\r')
		i++;
	if (i >= p->len || p->s[i] != '\n')
		return 0;
	b = ++i;
	while (i < p->len) {
		size_t k = i;
		while (k < p->len && (p->s[k] == ' ' || p->s[k] == '\t'))
			k++;
		if (p->len - k >= idlen && memcmp(p->s + k, p->s + id, idlen) == 0 &&
		    (k + idlen == p->len ||
		     !ident_char((unsigned char)p->s[k + idlen]))) {
			size_t e = i;
			if (e > b && p->s[e - 1] == '\n')
				e--;
			if (e > b && p->s[e - 1] == '\r')
				e--;
			t->type = T_STR;
			t->body = b;
			t->blen = e > b ? e - b : 0;
			t->quote = q == '\'' ? 'n' : 'h';
			t->indent = k - i;
			p->i = k + idlen;
			return 1;
		}
		{
			const char *nl = memchr(p->s + i, '\n', p->len - i);
			i = nl ? (size_t)(nl - p->s) + 1 : p->len;
		}
	}
	lex_problem(p, p->i, "heredoc %.*s from byte %zu not closed at the end "
	            "of the file", (int)(idlen < 32 ? idlen : 32), p->s + id,
	            p->i);
	p->i = p->len;
	return -1;
}

/* The next token at P->i into T. */
static void lex(struct php *p, struct tok *t)
{
	const char *s = p->s;

	for (;;) {
		unsigned char c;

		if (!p->code) {
			const char *o = p->i < p->len
			                ? memmem(s + p->i, p->len - p->i, "<?", 2) : NULL;
			if (!o) {
				p->i = p->len;
				break;
			}
			p->i = (size_t)(o - s) + 2;
			if (p->len - p->i >= 3 && strncasecmp(s + p->i, "php", 3) == 0)
				p->i += 3;
			else if (p->i < p->len && s[p->i] == '=')
				p->i++;
			p->code = 1;
		}
		while (p->i < p->len && isspace((unsigned char)s[p->i]))
			p->i++;
		if (p->i >= p->len)
			break;
		t->start = p->i;
		c = (unsigned char)s[p->i];
		if (c == '?' && p->i + 1 < p->len && s[p->i + 1] == '>') {
			/* the end of the code ends a statement */
			p->i += 2;
			p->code = 0;
			t->type = T_PUNCT;
			t->end = p->i;
			t->body = t->start;
			t->blen = 1;
			t->quote = ';';
			return;
		}
		if ((c == '#' && !(p->i + 1 < p->len && s[p->i + 1] == '[')) ||
		    (c == '/' && p->i + 1 < p->len && s[p->i + 1] == '/')) {
			p->i = line_comment_end(p, p->i);
			continue;
		}
		if (c == '/' && p->i + 1 < p->len && s[p->i + 1] == '*') {
			const char *e = memmem(s + p->i + 2, p->len - p->i - 2, "*/", 2);
			if (!e) {
				lex_problem(p, p->i, "comment from byte %zu not closed at "
				            "the end of the file", p->i);
				p->i = p->len;
				break;
			}
			p->i = (size_t)(e - s) + 2;
			continue;
		}
		if (c == '\'' || c == '"' || c == '`') {
			size_t i = p->i + 1;
			while (i < p->len && s[i] != (char)c)
				i += s[i] == '\\' ? 2 : 1;
			if (i >= p->len) {
				lex_problem(p, p->i, "string from byte %zu not closed at "
				            "the end of the file", p->i);
				p->i = p->len;
				break;
			}
			t->type = T_STR;
			t->indent = 0;
			t->body = p->i + 1;
			t->blen = i - p->i - 1;
			t->quote = c == '\'' ? '\'' : '"';
			p->i = i + 1;
			t->end = p->i;
			return;
		}
		if (c == '<' && p->len - p->i > 3 && s[p->i + 1] == '<' &&
		    s[p->i + 2] == '<') {
			int h = heredoc(p, t);
			if (h < 0)
				break;
			if (h > 0) {
				t->end = p->i;
				return;
			}
		}
		if (c == '$' && p->i + 1 < p->len &&
		    ident_start((unsigned char)s[p->i + 1])) {
			size_t i = p->i + 1;
			while (i < p->len && ident_char((unsigned char)s[i]))
				i++;
			t->type = T_VAR;
			t->body = p->i + 1;
			t->blen = i - p->i - 1;
			p->i = i;
			t->end = i;
			return;
		}
		if (ident_start(c)) {
			size_t i = p->i;
			while (i < p->len && ident_char((unsigned char)s[i]))
				i++;
			t->type = T_IDENT;
			t->body = p->i;
			t->blen = i - p->i;
			p->i = i;
			t->end = i;
			return;
		}
		if (isdigit(c) || (c == '.' && p->i + 1 < p->len &&
		                   isdigit((unsigned char)s[p->i + 1]))) {
			size_t i = p->i;
			while (i < p->len && (isalnum((unsigned char)s[i]) ||
			                      s[i] == '_' || s[i] == '.' ||
			                      ((s[i] == '+' || s[i] == '-') &&
			                       (s[i - 1] == 'e' || s[i - 1] == 'E') &&
			                       !(s[p->i] == '0' && i > p->i + 1 &&
			                         (s[p->i + 1] == 'x' ||
			                          s[p->i + 1] == 'X')))))
				i++;
			t->type = T_NUM;
			t->body = p->i;
			t->blen = i - p->i;
			p->i = i;
			t->end = i;
			return;
		}
		/* punctuation: the two-byte operators this parser must tell
		 * apart from '=' and '.', the rest one byte at a time */
		t->type = T_PUNCT;
		t->body = p->i;
		t->quote = (char)c;
		t->blen = 1;
		if (p->i + 1 < p->len) {
			char d = s[p->i + 1];
			if ((c == '=' && (d == '>' || d == '=')) ||
			    (c == '-' && d == '>') || (c == ':' && d == ':') ||
			    (d == '=' && c && strchr(".+-*/%&|^!<>?", (int)c)))
				t->blen = 2;
		}
		p->i += t->blen;
		t->end = p->i;
		return;
	}
	t->type = T_END;
	t->start = t->end = p->len;
	t->blen = 0;
}

static int punct(const struct tok *t, char c)
{
	return t->type == T_PUNCT && t->blen == 1 && t->quote == c;
}

static int punct2(const struct php *p, const struct tok *t, const char *op)
{
	return t->type == T_PUNCT && t->blen == 2 &&
	       memcmp(p->s + t->body, op, 2) == 0;
}

static int word_is(const struct php *p, const struct tok *t, const char *w)
{
	return t->type == T_IDENT && t->blen == strlen(w) &&
	       strncasecmp(p->s + t->body, w, t->blen) == 0;
}

static void peek(struct php *p, struct tok *t)
{
	struct php save = *p;

	lex(p, t);
	*p = save;
}

/* ---- values ---------------------------------------------------------------- */

enum val_type { V_STR, V_INT, V_NUM, V_BOOL, V_NULL, V_EXPR };

struct val {
	enum val_type type;
	const char *raw;     /* as written */
	size_t raw_len;
	char *str;           /* V_STR: as PHP reads it (a copy, at most
	                        CUST_X_STRING_MAX + 4 bytes) */
	size_t str_len;
	int literal_str;     /* a string PHP reads without interpolation */
	long long num;       /* V_INT, V_BOOL */
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append the UTF-8 form of CP to OUT. */
static size_t utf8_put(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | ((cp >> 18) & 0x07));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The body of string token T as PHP reads it, into V (a new copy of at most
 * CUST_X_STRING_MAX + 4 bytes: the rest is cut, and cust_x_string cuts at
 * CUST_X_STRING_MAX).  A '$' in a heredoc or "..." string is kept as
 * written: the value it names is not known here. */
static int decode(const struct php *p, const struct tok *t, struct val *v)
{
	const char *s = p->s + t->body;
	size_t n = t->blen, i = 0, o = 0, cap = CUST_X_STRING_MAX + 4;
	char *out = malloc(cap + 4);

	if (!out)
		return -1;
	v->literal_str = 1;
	while (i < n && o < cap) {
		char c = s[i];
		if ((t->quote == 'n' || t->quote == 'h') && t->indent &&
		    (i == 0 || s[i - 1] == '\n')) {
			size_t k = 0;
			while (k < t->indent && i < n && (s[i] == ' ' || s[i] == '\t'))
				i++, k++;
			if (i >= n)
				break;
			c = s[i];
		}
		if (t->quote == 'n' || c != '\\' || i + 1 >= n) {
			if (c == '$' && (t->quote == '"' || t->quote == 'h'))
				v->literal_str = 0;
			out[o++] = c;
			i++;
			continue;
		}
		c = s[i + 1];
		if (t->quote == '\'') {
			if (c == '\\' || c == '\'')
				i++;
			out[o++] = s[i++];
			continue;
		}
		i += 2;
		switch (c) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case 'v': out[o++] = '\v'; break;
		case 'e': out[o++] = 27; break;
		case 'f': out[o++] = '\f'; break;
		case '\\': out[o++] = '\\'; break;
		case '$': out[o++] = '$'; break;
		case '"': out[o++] = '"'; break;
		case 'x':
			if (i < n && hexval(s[i]) >= 0) {
				int b = hexval(s[i++]);
				if (i < n && hexval(s[i]) >= 0)
					b = b * 16 + hexval(s[i++]);
				out[o++] = (char)b;
			} else {
				out[o++] = '\\';
				out[o++] = 'x';
			}
			break;
		case 'u':
			if (i < n && s[i] == '{') {
				size_t k = i + 1;
				unsigned long cp = 0;
				while (k < n && hexval(s[k]) >= 0 && k - i <= 6)
					cp = cp * 16 + (unsigned long)hexval(s[k++]);
				if (k < n && s[k] == '}' && k > i + 1 && cp <= 0x10ffff) {
					o += utf8_put(out + o, cp);
					i = k + 1;
					break;
				}
			}
			out[o++] = '\\';
			out[o++] = 'u';
			break;
		default:
			if (c >= '0' && c <= '7') {
				int b = c - '0', k;
				for (k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
					b = b * 8 + (s[i++] - '0');
				out[o++] = (char)(b & 0xff);
			} else {
				out[o++] = '\\';
				out[o++] = c;
			}
		}
	}
	v->str = out;
	v->str_len = o;
	return 0;
}

static void val_release(struct val *v)
{
	free(v->str);
	v->str = NULL;
}

/* V as a JSON value: strings as read, numbers as integers when they are
 * whole, the rest as written. */
static json_t *val_json(const struct val *v)
{
	switch (v->type) {
	case V_STR:
		return cust_x_string(v->str, v->str_len);
	case V_INT:
		return json_integer((json_int_t)v->num);
	case V_BOOL:
		return json_boolean(v->num);
	case V_NULL:
		return json_null();
	default:
		return cust_x_string(v->raw, v->raw_len);
	}
}

/* V as text: a string as read, anything else as written. */
static void val_text(const struct val *v, const char **s, size_t *n)
{
	if (v->type == V_STR) {
		*s = v->str;
		*n = v->str_len;
	} else {
		*s = v->raw;
		*n = v->raw_len;
	}
}

/* A whole number token (decimal, 0x, 0o, 0b, octal, with '_'), or -1. */
static int number(const char *s, size_t n, long long *out)
{
	char buf[72];
	const char *digits = buf;
	size_t i, o = 0;
	char *end;
	int base = 10;

	if (n == 0 || n >= sizeof buf)
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] != '_')
			buf[o++] = s[i];
	buf[o] = '\0';
	if (o > 2 && buf[0] == '0' && strchr("xXbBoO", buf[1])) {
		base = buf[1] == 'x' || buf[1] == 'X' ? 16
		       : buf[1] == 'b' || buf[1] == 'B' ? 2 : 8;
		digits = buf + 2;
	} else if (o > 1 && buf[0] == '0') {
		base = 8;
	}
	if (!isxdigit((unsigned char)digits[0]))
		return -1;
	errno = 0;
	*out = strtoll(digits, &end, base);
	return *end || errno ? -1 : 0;
}

/* ---- what the settings say ----------------------------------------------- */

enum field { F_NONE, F_HOST, F_PORT, F_USER, F_PASS, F_DB, F_N };

struct group {
	char scope[WRITTEN_MAX];
	const char *service; /* NULL: none named */
	json_t *value[F_N];
	char written[F_N][WRITTEN_MAX];
};

struct state {
	struct php p;
	json_t *rec;
	struct cust_x_output *out;
	struct group *groups;
	size_t ngroups;
	size_t nother;
	size_t noted;     /* see struct php */
	size_t braces;    /* { } the statement is in */
	int deep_noted;
	int zeus;
	/* ZeuS's crypt key and its schedule */
	char *cryptkey;
	size_t cryptkey_len;
	int cryptkey_seen, cryptkey_literal;
	unsigned bs[256];
	size_t bs_count;
	int bs_seen, bs_bad, bs_literal;
};

/* The path of a setting: its root ($name, a constant, return) and keys. */
enum root { R_VAR, R_CONST, R_RETURN };

struct path {
	enum root root;
	char key[DEPTH_MAX + 1][KEY_MAX + 1];
	size_t depth; /* keys in key[], the root's name first (none for
	                 return) */
};

/* The setting's name as written: $config['db']['host'], DB_HOST,
 * return['db']. */
static void written(const struct path *path, size_t upto, char *out,
                    size_t cap)
{
	size_t o = 0, k = 0;
	int n;

	out[0] = '\0';
	if (path->root == R_RETURN)
		n = snprintf(out, cap, "return");
	else
		n = snprintf(out, cap, "%s%s", path->root == R_VAR ? "$" : "",
		             path->key[k++]);
	if (n < 0 || (size_t)n >= cap)
		return;
	o = (size_t)n;
	for (; k < upto; k++) {
		n = snprintf(out + o, cap - o, "['%s']", path->key[k]);
		if (n < 0 || (size_t)n >= cap - o) {
			out[o] = '\0';
			return;
		}
		o += (size_t)n;
	}
}

/* The lowercase words of NAME: DB_HOST, dbHost, db-host are "db" "host";
 * a word that starts with a service's name and ends with a field's
 * (dbhost, mysqlpass) is two. */
static size_t split_words(const char *name, char w[WORDS_MAX][WORD_MAX])
{
	static const char *const prefixes[] = { "mysql", "pgsql", "smtp", "sql",
	                                        "ftp", "db", NULL };
	static const char *const fields[] = { "host", "hostname", "server",
	                                      "port", "user", "username",
	                                      "login", "pass", "password",
	                                      "passwd", "pwd", "name", "base",
	                                      NULL };
	size_t n = 0, len = 0, i, k;

	for (i = 0;; i++) {
		unsigned char c = (unsigned char)name[i];
		int boundary = !isalnum(c) ||
		               (i > 0 && isupper(c) &&
		                islower((unsigned char)name[i - 1]));
		if (boundary && len > 0) {
			w[n][len] = '\0';
			n++;
			len = 0;
			if (n == WORDS_MAX)
				break;
		}
		if (!c)
			break;
		if (isalnum(c) && len < WORD_MAX - 1)
			w[n][len++] = (char)tolower(c);
	}
	/* dbhost -> db host */
	for (i = 0; i < n && n < WORDS_MAX; i++)
		for (k = 0; prefixes[k]; k++) {
			size_t pl = strlen(prefixes[k]), f;
			if (strncmp(w[i], prefixes[k], pl) != 0 || !w[i][pl])
				continue;
			for (f = 0; fields[f]; f++)
				if (strcmp(w[i] + pl, fields[f]) == 0)
					break;
			if (!fields[f])
				continue;
			memmove(w[i + 2], w[i + 1], (n - i - 1) * WORD_MAX);
			memcpy(w[i + 1], w[i] + pl, strlen(w[i] + pl) + 1);
			w[i][pl] = '\0';
			n++;
			break;
		}
	return n;
}

static int in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

/* The service a word names, or NULL. */
static const char *service_of(const char *w)
{
	static const char *const mysql[] = { "db", "dbase", "database", "mysql",
	                                     "mysqli", "sql", "pdo", "mariadb",
	                                     NULL };
	static const char *const pg[] = { "pg", "pgsql", "postgres",
	                                  "postgresql", NULL };
	static const char *const smtp[] = { "smtp", "mail", "mailer", "email",
	                                    NULL };
	static const char *const ftp[] = { "ftp", "sftp", NULL };

	if (in_list(w, mysql))
		return "mysql";
	if (in_list(w, pg))
		return "postgresql";
	if (in_list(w, smtp))
		return "smtp";
	if (in_list(w, ftp))
		return "ftp";
	if (strcmp(w, "mssql") == 0 || strcmp(w, "sqlsrv") == 0)
		return "mssql";
	return NULL;
}

/* The credential field the last of N words names, given a service word. */
static enum field field_of(char w[WORDS_MAX][WORD_MAX], size_t n,
                           const char *service)
{
	static const char *const host[] = { "host", "hostname", "server", NULL };
	static const char *const user[] = { "user", "username", "login",
	                                    "uname", "usr", NULL };
	static const char *const pass[] = { "pass", "password", "passwd", "pwd",
	                                    "passw", "pw", NULL };
	static const char *const db[] = { "db", "database", "dbname", "schema",
	                                  NULL };
	const char *last;

	if (n == 0)
		return F_NONE;
	last = w[n - 1];
	if (in_list(last, host))
		return F_HOST;
	if (strcmp(last, "port") == 0)
		return F_PORT;
	if (in_list(last, user))
		return F_USER;
	if (in_list(last, pass))
		return F_PASS;
	if (in_list(last, db) ||
	    ((strcmp(last, "name") == 0 || strcmp(last, "base") == 0) &&
	     service && strcmp(service, "mysql") == 0))
		return F_DB;
	return F_NONE;
}

static int has_word(char w[WORDS_MAX][WORD_MAX], size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strstr(w[i], word))
			return 1;
	return 0;
}

/* The algorithm a key's name gives, "unknown" when none; NULL when the
 * name is not a crypt key's. */
static const char *key_algorithm(char w[WORDS_MAX][WORD_MAX], size_t n)
{
	static const char *const algs[] = { "rc4", "xor", "aes", "blowfish",
	                                    "des", NULL };
	static const char *const not_crypt[] = { "api", "license", "captcha",
	                                         "google", "public", "map",
	                                         "licence", NULL };
	static const char *const crypt[] = { "crypt", "cipher", "secret", "enc",
	                                     "bot", "rc4", "xor", "aes", NULL };
	size_t i, l;

	if (n == 0)
		return NULL;
	l = strlen(w[n - 1]);
	if (l < 3 || strcmp(w[n - 1] + l - 3, "key") != 0)
		return NULL;
	for (i = 0; not_crypt[i]; i++)
		if (has_word(w, n, not_crypt[i]))
			return NULL;
	for (i = 0; algs[i]; i++)
		if (has_word(w, n, algs[i]))
			return algs[i];
	if (n == 1 && l == 3)
		return "unknown"; /* KEY, $key */
	for (i = 0; crypt[i]; i++)
		if (has_word(w, n, crypt[i]))
			return "unknown";
	return NULL;
}

/* Seconds in one unit a name's words give (KNOCK_INTERVAL_MIN: 60), 0 when
 * the name is not a timeout's or interval's, -1000 for milliseconds. */
static long interval_unit(char w[WORDS_MAX][WORD_MAX], size_t n)
{
	static const char *const kinds[] = { "timeout", "interval", "delay",
	                                     "period", "ttl", "lifetime",
	                                     "expire", "expires", "expiry",
	                                     NULL };
	static const char *const minutes[] = { "min", "mins", "minute",
	                                       "minutes", NULL };
	static const char *const hours[] = { "hour", "hours", "h", NULL };
	static const char *const days[] = { "day", "days", NULL };
	static const char *const ms[] = { "ms", "msec", "millis",
	                                  "milliseconds", NULL };
	size_t i;
	int found = 0;

	for (i = 0; i < n && !found; i++)
		found = in_list(w[i], kinds);
	if (!found)
		return 0;
	if (in_list(w[n - 1], minutes))
		return 60;
	if (in_list(w[n - 1], hours))
		return 3600;
	if (in_list(w[n - 1], days))
		return 86400;
	if (in_list(w[n - 1], ms))
		return -1000;
	return 1;
}

static int path_word(char w[WORDS_MAX][WORD_MAX], size_t n)
{
	static const char *const paths[] = { "path", "dir", "directory",
	                                     "folder", "dirname", NULL };

	return n > 0 && in_list(w[n - 1], paths);
}

/* Keep V under NAME in "other", as long as there is room: a literal
 * setting outside any function or class (code assigns much else). */
static void other(struct state *st, const char *name, const struct val *v)
{
	json_t *o = json_object_get(st->rec, "other");

	if (v->type == V_EXPR || st->braces > 0)
		return;
	if (!o) {
		o = json_object();
		if (!o || json_object_set_new(st->rec, "other", o) < 0)
			return;
	}
	if (json_object_get(o, name))
		return; /* the first is kept */
	if (st->nother++ == OTHER_MAX) {
		cust_x_problem(st->rec, "more than %d settings: the rest left out",
		               OTHER_MAX);
		return;
	}
	if (st->nother <= OTHER_MAX)
		json_object_set_new(o, name, val_json(v));
}

static struct group *group(struct state *st, const char *scope,
                           const char *service)
{
	size_t i;

	for (i = 0; i < st->ngroups; i++)
		if (strcmp(st->groups[i].scope, scope) == 0 &&
		    (st->groups[i].service == service ||
		     (service && st->groups[i].service &&
		      strcmp(st->groups[i].service, service) == 0)))
			return &st->groups[i];
	if (st->ngroups == GROUPS_MAX)
		return NULL;
	memset(&st->groups[i], 0, sizeof st->groups[i]);
	snprintf(st->groups[i].scope, sizeof st->groups[i].scope, "%s", scope);
	st->groups[i].service = service;
	st->ngroups++;
	return &st->groups[i];
}

/* Put V in field F of the credentials of SERVICE at SCOPE; 0 when the
 * field was taken already (V is then some other setting). */
static int credential(struct state *st, const char *scope,
                      const char *service, enum field f, const char *name,
                      const struct val *v)
{
	struct group *g = group(st, scope, service);
	const char *s;
	size_t n;

	if (!g || g->value[f])
		return 0;
	if (f == F_PORT) {
		if (v->type == V_INT && v->num > 0 && v->num < 65536)
			g->value[f] = json_integer((json_int_t)v->num);
		else if (v->type == V_STR) {
			long long port;
			if (number(v->str, v->str_len, &port) < 0 || port <= 0 ||
			    port > 65535)
				return 0;
			g->value[f] = json_integer((json_int_t)port);
		} else
			return 0;
	} else {
		if (v->type == V_BOOL || v->type == V_NULL || v->type == V_NUM ||
		    (v->type == V_INT && f != F_PASS && f != F_USER))
			return 0;
		val_text(v, &s, &n);
		g->value[f] = cust_x_string(s, n);
	}
	snprintf(g->written[f], sizeof g->written[f], "%s", name);
	return g->value[f] != NULL;
}

/* A setting of ZeuS's $config; 0 when NAME is none of its own. */
static int zeus_setting(struct state *st, const struct path *path,
                        const char *name, const struct val *v)
{
	static const char *const db[] = { "mysql_host", "mysql_user",
	                                  "mysql_pass", "mysql_db", NULL };
	static const enum field dbf[] = { F_HOST, F_USER, F_PASS, F_DB };
	const char *k = path->key[1], *s;
	size_t i, n;

	if (path->root != R_VAR || strcmp(path->key[0], "config") != 0 ||
	    path->depth < 2)
		return 0;
	if (path->depth == 3 && strcmp(k, "botnet_cryptkey_bs") == 0) {
		/* one integer of the schedule's array */
		st->zeus = st->bs_seen = 1;
		if (v->type != V_INT || v->num < 0 || v->num > 255)
			st->bs_bad = 1;
		else if (st->bs_count < 256)
			st->bs[st->bs_count] = (unsigned)v->num;
		if (st->bs_count <= 256)
			st->bs_count++;
		return 1;
	}
	if (path->depth != 2)
		return 0;
	for (i = 0; db[i]; i++)
		if (strcmp(k, db[i]) == 0) {
			st->zeus = 1;
			if (!credential(st, "$config", "mysql", dbf[i], name, v))
				other(st, name, v);
			return 1;
		}
	if (strcmp(k, "reports_path") == 0) {
		st->zeus = 1;
		val_text(v, &s, &n);
		cust_x_push(st->rec, NULL, "paths", cust_x_string(s, n));
		return 1;
	}
	if (strcmp(k, "reports_to_db") == 0 || strcmp(k, "reports_to_fs") == 0) {
		st->zeus = 1;
		other(st, k, v);
		return 1;
	}
	if (strcmp(k, "botnet_timeout") == 0) {
		st->zeus = 1;
		if (v->type == V_INT && v->num >= 0)
			cust_x_push(st->rec, NULL, "intervals",
			            json_pack("{s:s, s:I}", "name", k, "seconds",
			                      (json_int_t)v->num));
		else
			other(st, k, v);
		return 1;
	}
	if (strcmp(k, "botnet_cryptkey") == 0) {
		st->zeus = 1;
		if (st->cryptkey_seen)
			return 1;
		st->cryptkey_seen = 1;
		val_text(v, &s, &n);
		cust_x_key(st->rec, "rc4", "panel-crypt", s, n, 0);
		if (v->type == V_STR && v->literal_str) {
			st->cryptkey = malloc(n + 1);
			if (st->cryptkey) {
				memcpy(st->cryptkey, s, n);
				st->cryptkey_len = n;
				st->cryptkey_literal = 1;
				cust_x_learn_key(st->out, "rc4", "panel-crypt", s, n, 0);
			}
		}
		return 1;
	}
	if (strcmp(k, "botnet_cryptkey_bs") == 0) {
		/* the schedule as one string: 256 raw bytes, or integers */
		st->zeus = st->bs_seen = 1;
		if (v->type != V_STR) {
			st->bs_bad = 1;
			return 1;
		}
		if (v->str_len == 256) {
			for (i = 0; i < 256; i++)
				st->bs[i] = (unsigned char)v->str[i];
			st->bs_count = 256;
			return 1;
		}
		for (i = 0; i < v->str_len;) {
			unsigned long x = 0;
			size_t d = i;
			while (d < v->str_len && isdigit((unsigned char)v->str[d]) &&
			       x < 1000)
				x = x * 10 + (unsigned long)(v->str[d++] - '0');
			if (d == i) {
				if (!isspace((unsigned char)v->str[i]) && v->str[i] != ',')
					st->bs_bad = 1;
				i++;
				continue;
			}
			if (x > 255)
				st->bs_bad = 1;
			else if (st->bs_count < 256)
				st->bs[st->bs_count] = (unsigned)x;
			if (st->bs_count <= 256)
				st->bs_count++;
			i = d;
		}
		return 1;
	}
	return 0;
}

/* One setting: the path it is assigned at and its value. */
/* A C&C endpoint, when a key of PATH names C&C (cnc, c2, gate, ...: a
 * name, or the array holding a list) and V is a URL or a host (with a
 * port or not): $cnc_servers = array('a.example', 'b.example'),
 * define('GATE_URL', 'http://...').  Hosts are written hosts: a bare word
 * is no endpoint. */
static int c2_setting(struct state *st, const struct path *path,
                      const struct val *v)
{
	static const char *const c2_words[] = { "cnc", "c2", "cc", "candc",
	                                        "gate", "gates", "gateway",
	                                        "controller", "controllers",
	                                        "backconnect", "reserve", NULL };
	static const char *const usage_words[][2] = {
		{ "gate", "report" },  { "gates", "report" },
		{ "gateway", "report" }, { "panel", "panel" },
		{ "proxy", "proxy" }, { "update", "download" },
		{ "loader", "loader" }, { NULL, NULL }
	};
	char w[WORDS_MAX][WORD_MAX];
	const char *usage = "c2", *colon;
	size_t k, i, j, m, len;
	int named = 0;
	long port = 0;

	for (k = 0; k < path->depth; k++) {
		m = split_words(path->key[k], w);
		for (i = 0; i < m; i++) {
			named |= in_list(w[i], c2_words);
			for (j = 0; usage_words[j][0]; j++)
				if (strcmp(w[i], usage_words[j][0]) == 0)
					usage = usage_words[j][1];
		}
	}
	if (!named || v->str_len == 0 || v->str_len > 2048)
		return 0;
	if ((v->str_len > 7 && strncasecmp(v->str, "http://", 7) == 0) ||
	    (v->str_len > 8 && strncasecmp(v->str, "https://", 8) == 0)) {
		cust_x_c2_url(st->rec, v->str, v->str_len, usage);
		return 1;
	}
	len = v->str_len;
	colon = memchr(v->str, ':', len);
	if (colon && colon == memrchr(v->str, ':', len)) {
		size_t d = (size_t)(v->str + len - colon - 1);
		if (d == 0 || d > 5)
			return 0;
		for (i = 1; i <= d; i++) {
			if (colon[i] < '0' || colon[i] > '9')
				return 0;
			port = port * 10 + (colon[i] - '0');
		}
		if (port < 1 || port > 65535)
			return 0;
		len = (size_t)(colon - v->str);
	}
	if (!memchr(v->str, '.', len) || !cust_x_hostname(v->str, len))
		return 0;
	cust_x_c2_host(st->rec, v->str, len, port, "tcp", usage);
	return 1;
}

static void setting(struct state *st, const struct path *path,
                    const struct val *v)
{
	char name[WRITTEN_MAX], scope[WRITTEN_MAX];
	char w[WORDS_MAX][WORD_MAX], sw[WORDS_MAX][WORD_MAX];
	const char *service = NULL, *alg, *s;
	size_t n, i, k, len;
	enum field f;
	long unit;

	if (path->depth == 0)
		return; /* return 'x'; */
	written(path, path->depth, name, sizeof name);
	if (zeus_setting(st, path, name, v))
		return;
	n = split_words(path->key[path->depth - 1], w);
	for (i = 0; i + 1 < n && !service; i++)
		service = service_of(w[i]);
	/* the words of the arrays holding it: $config['db']['host'] */
	for (k = 0; k + 1 < path->depth && !service; k++) {
		size_t m = split_words(path->key[k], sw);
		for (i = 0; i < m && !service; i++)
			service = service_of(sw[i]);
	}
	f = field_of(w, n, service);
	if (f != F_NONE) {
		written(path, path->depth - 1, scope, sizeof scope);
		if (path->depth == 1 && path->root != R_RETURN)
			scope[0] = '\0'; /* $db_host and DB_HOST: one scope */
		if (!credential(st, scope, service, f, name, v))
			other(st, name, v);
		return;
	}
	if ((alg = key_algorithm(w, n)) && v->type != V_BOOL &&
	    v->type != V_NULL) {
		val_text(v, &s, &len);
		cust_x_key(st->rec, alg, "panel-crypt", s, len, 0);
		if (strcmp(alg, "unknown") != 0 && v->type == V_STR &&
		    v->literal_str)
			cust_x_learn_key(st->out, alg, "panel-crypt", s, len, 0);
		return;
	}
	if (path_word(w, n) && (v->type == V_STR || v->type == V_EXPR)) {
		val_text(v, &s, &len);
		cust_x_push(st->rec, NULL, "paths", cust_x_string(s, len));
		return;
	}
	if (!service && v->type == V_STR && v->literal_str &&
	    c2_setting(st, path, v))
		return;
	if ((unit = interval_unit(w, n)) != 0 && v->type == V_INT &&
	    v->num >= 0 && v->num < (1ll << 40)) {
		long long sec = unit > 0 ? v->num * unit : v->num / -unit;
		cust_x_push(st->rec, NULL, "intervals",
		            json_pack("{s:s, s:I}", "name", name, "seconds",
		                      (json_int_t)sec));
		return;
	}
	other(st, name, v);
}

/* ---- parser ---------------------------------------------------------------- */

/* Skip an expression up to a ',' ';' ')' ']' or '}' outside brackets (not
 * taken; P is left just after the expression's last token), saying
 * whether it reads a variable.  Iterative: any depth. */
static void skip_expr(struct php *p, int *has_var)
{
	size_t depth = 0;
	struct tok t;

	for (;;) {
		struct php save = *p;
		lex(p, &t);
		if (t.type == T_END)
			return;
		if (t.type == T_VAR ||
		    (t.type == T_PUNCT && t.blen == 1 && t.quote == '$'))
			*has_var = 1;
		if (t.type != T_PUNCT || t.blen != 1)
			continue;
		if (t.quote == '(' || t.quote == '[' || t.quote == '{') {
			depth++;
			continue;
		}
		if (t.quote == ';' || (depth == 0 && (t.quote == ',' ||
		                                      t.quote == ')' ||
		                                      t.quote == ']' ||
		                                      t.quote == '}'))) {
			*p = save;
			return;
		}
		if (t.quote == ')' || t.quote == ']' || t.quote == '}')
			depth--;
	}
}

static void parse_value(struct state *st, struct path *path);

/* An array's elements up to CLOSE, each a setting at PATH + its key. */
static void parse_array(struct state *st, struct path *path, char close)
{
	struct php *p = &st->p;
	long long next = 0;
	struct tok t, k;

	for (;;) {
		struct php save;
		size_t was = p->i;
		peek(p, &t);
		if (t.type == T_END)
			return;
		if (punct(&t, close)) {
			lex(p, &t);
			return;
		}
		if (punct(&t, ',')) { /* [, $x] and a trailing comma */
			lex(p, &t);
			continue;
		}
		if (punct(&t, ';') || punct(&t, ')') || punct(&t, ']'))
			return; /* torn: the caller resynchronises */
		/* KEY => or an element with the next index */
		save = *p;
		lex(p, &k);
		lex(p, &t);
		if ((k.type == T_STR || k.type == T_NUM || k.type == T_IDENT) &&
		    punct2(p, &t, "=>")) {
			struct val kv = { 0 };
			if (k.type == T_STR) {
				if (decode(p, &k, &kv) < 0)
					return;
				snprintf(path->key[path->depth], KEY_MAX + 1, "%.*s",
				         (int)(kv.str_len < KEY_MAX ? kv.str_len : KEY_MAX),
				         kv.str);
				val_release(&kv);
			} else {
				long long idx;
				snprintf(path->key[path->depth], KEY_MAX + 1, "%.*s",
				         (int)(k.blen < KEY_MAX ? k.blen : KEY_MAX),
				         p->s + k.body);
				if (k.type == T_NUM && number(p->s + k.body, k.blen,
				                              &idx) == 0 &&
				    idx >= next && idx < (1ll << 62))
					next = idx + 1;
			}
		} else {
			*p = save;
			snprintf(path->key[path->depth], KEY_MAX + 1, "%lld", next);
			if (next < (1ll << 62))
				next++;
		}
		path->depth++;
		parse_value(st, path);
		path->depth--;
		peek(p, &t);
		if (punct(&t, ','))
			lex(p, &t);
		else if (!punct(&t, close)) {
			int has_var = 0;
			skip_expr(p, &has_var); /* not a value this parser reads */
		}
		if (p->i == was)
			lex(p, &t); /* a token no rule takes ('}'): past it */
	}
}

static int terminator(const struct tok *t)
{
	return t->type == T_END || punct(t, ',') || punct(t, ';') ||
	       punct(t, ')') || punct(t, ']') || punct(t, '}');
}

/* Skip the rest of an array nested too deep to follow, iteratively. */
static void skip_array(struct php *p)
{
	size_t depth = 1;
	struct tok t;

	while (depth > 0) {
		struct php save = *p;
		lex(p, &t);
		if (t.type == T_END)
			return;
		if (punct(&t, '(') || punct(&t, '['))
			depth++;
		else if (punct(&t, ')') || punct(&t, ']'))
			depth--;
		else if (punct(&t, ';')) {
			*p = save;
			return;
		}
	}
}

/* The value assigned at PATH: a literal, an array, or an expression kept
 * as written (one that reads a variable is no setting); the token after
 * it is not taken. */
static void parse_value(struct state *st, struct path *path)
{
	struct php *p = &st->p;
	struct php begin = *p;
	struct tok t, after;
	struct val v = { 0 };
	int neg = 0, has_var = 0;

	lex(p, &t);
	if (terminator(&t)) {
		*p = begin; /* `$x = ;` */
		return;
	}
	if (word_is(p, &t, "array")) {
		peek(p, &after);
		if (punct(&after, '('))
			lex(p, &after);
		else
			after.type = T_END;
	}
	if ((word_is(p, &t, "array") && after.type != T_END) || punct(&t, '[')) {
		if (path->depth >= DEPTH_MAX) {
			if (!st->deep_noted++)
				cust_x_problem(st->rec, "arrays nested deeper than %d at "
				               "byte %zu: skipped", DEPTH_MAX, t.start);
			skip_array(p);
			return;
		}
		parse_array(st, path, punct(&t, '[') ? ']' : ')');
		return;
	}
	if (punct(&t, '-') || punct(&t, '+')) {
		neg = punct(&t, '-');
		lex(p, &t);
	}
	if (t.type == T_STR && !neg) {
		if (decode(p, &t, &v) < 0)
			return;
		v.type = V_STR;
	} else if (t.type == T_NUM) {
		v.type = number(p->s + t.body, t.blen, &v.num) == 0 ? V_INT : V_NUM;
		if (neg)
			v.num = -v.num;
	} else if (!neg && (word_is(p, &t, "true") || word_is(p, &t, "false"))) {
		v.type = V_BOOL;
		v.num = word_is(p, &t, "true");
	} else if (!neg && word_is(p, &t, "null")) {
		v.type = V_NULL;
	} else {
		v.type = V_EXPR;
	}
	peek(p, &after);
	if (v.type == V_EXPR || !terminator(&after)) {
		/* 'a' . 'b', 1 + 2, f(): kept as written from its start */
		val_release(&v);
		v.type = V_EXPR;
		*p = begin;
		skip_expr(p, &has_var);
		v.raw = p->s + begin.i;
		v.raw_len = p->i - begin.i;
	} else {
		v.raw = p->s + begin.i;
		v.raw_len = t.end - begin.i;
	}
	while (v.raw_len > 0 && isspace((unsigned char)v.raw[0])) {
		v.raw++;
		v.raw_len--;
	}
	if (!has_var && v.raw_len > 0)
		setting(st, path, &v);
	val_release(&v);
}

/* A name token into KEY (at most KEY_MAX bytes): a string as read, a
 * number or an identifier as written. */
static int key_of(struct php *p, const struct tok *t, char *key)
{
	struct val kv = { 0 };

	if (t->type == T_STR) {
		if (decode(p, t, &kv) < 0)
			return -1;
		snprintf(key, KEY_MAX + 1, "%.*s",
		         (int)(kv.str_len < KEY_MAX ? kv.str_len : KEY_MAX), kv.str);
		val_release(&kv);
		return 0;
	}
	snprintf(key, KEY_MAX + 1, "%.*s",
	         (int)(t->blen < KEY_MAX ? t->blen : KEY_MAX), p->s + t->body);
	return 0;
}

/* $name[KEY]...[KEY] = VALUE (or ->name); anything else is left. */
static void assignment(struct state *st, const struct tok *var)
{
	struct php *p = &st->p;
	struct path path;
	struct tok t, k;

	path.root = R_VAR;
	path.depth = 1;
	key_of(p, var, path.key[0]);
	for (;;) {
		struct php save = *p;
		lex(p, &t);
		if (punct(&t, '=')) {
			parse_value(st, &path);
			return;
		}
		if (path.depth > DEPTH_MAX - 1)
			break;
		if (punct(&t, '[')) {
			lex(p, &k);
			if (punct(&k, ']')) {
				snprintf(path.key[path.depth++], KEY_MAX + 1, "[]");
				continue;
			}
			lex(p, &t);
			if ((k.type == T_STR || k.type == T_NUM || k.type == T_IDENT) &&
			    punct(&t, ']') && key_of(p, &k, path.key[path.depth]) == 0) {
				path.depth++;
				continue;
			}
		} else if (punct2(p, &t, "->")) {
			lex(p, &k);
			if (k.type == T_IDENT && key_of(p, &k, path.key[path.depth]) == 0) {
				path.depth++;
				continue;
			}
		}
		*p = save;
		break;
	}
}

/* define('NAME', VALUE) */
static void define(struct state *st)
{
	struct php *p = &st->p;
	struct path path;
	struct tok t;

	lex(p, &t);
	if (!punct(&t, '('))
		return;
	lex(p, &t);
	if (t.type != T_STR || key_of(p, &t, path.key[0]) < 0)
		return;
	lex(p, &t);
	if (!punct(&t, ','))
		return;
	path.root = R_CONST;
	path.depth = 1;
	parse_value(st, &path);
}

/* const NAME = VALUE, NAME = VALUE; */
static void constant(struct state *st)
{
	struct php *p = &st->p;
	struct path path;
	struct tok t, eq;

	for (;;) {
		lex(p, &t);
		lex(p, &eq);
		if (t.type != T_IDENT || !punct(&eq, '='))
			return;
		path.root = R_CONST;
		path.depth = 1;
		key_of(p, &t, path.key[0]);
		parse_value(st, &path);
		peek(p, &t);
		if (!punct(&t, ','))
			return;
		lex(p, &t);
	}
}

static void statements(struct state *st)
{
	struct php *p = &st->p;
	struct tok t, next;

	for (;;) {
		lex(p, &t);
		if (t.type == T_END)
			return;
		if (punct(&t, '{')) {
			st->braces++;
		} else if (punct(&t, '}')) {
			if (st->braces > 0)
				st->braces--;
		} else if (t.type == T_VAR) {
			assignment(st, &t);
		} else if (word_is(p, &t, "define")) {
			define(st);
		} else if (word_is(p, &t, "const")) {
			constant(st);
		} else if (word_is(p, &t, "return")) {
			peek(p, &next);
			if (punct(&next, '[') || word_is(p, &next, "array")) {
				struct path path;
				path.root = R_RETURN;
				path.depth = 0;
				parse_value(st, &path);
			}
		}
	}
}

/* ---- the record ------------------------------------------------------------ */

static void rc4_schedule(const char *key, size_t len, unsigned char s[256])
{
	unsigned i, j = 0;

	for (i = 0; i < 256; i++)
		s[i] = (unsigned char)i;
	for (i = 0; i < 256; i++) {
		unsigned char t = s[i];
		j = (j + s[i] + (unsigned char)key[i % len]) & 255;
		s[i] = s[j];
		s[j] = t;
	}
}

/* Check ZeuS's botnet_cryptkey_bs against botnet_cryptkey's schedule. */
static void check_schedule(struct state *st)
{
	unsigned char want[256], have[256];
	json_t *o;
	const char *verdict;
	size_t i;

	if (!st->bs_seen)
		return;
	if (st->bs_bad || st->bs_count != 256) {
		if (st->bs_count != 256)
			cust_x_problem(st->rec, "botnet_cryptkey_bs holds %s%zu integers, "
			               "not the 256 of an RC4 state",
			               st->bs_count > 256 ? "more than " : "",
			               st->bs_count > 256 ? (size_t)256 : st->bs_count);
		else
			cust_x_problem(st->rec, "botnet_cryptkey_bs holds values that are "
			               "not bytes: not an RC4 state");
		verdict = "malformed";
	} else {
		for (i = 0; i < 256; i++)
			have[i] = (unsigned char)st->bs[i];
		if (!st->cryptkey_literal || st->cryptkey_len == 0) {
			verdict = "unchecked: no literal botnet_cryptkey";
		} else {
			rc4_schedule(st->cryptkey, st->cryptkey_len, want);
			if (memcmp(want, have, 256) == 0) {
				verdict = "matches botnet_cryptkey";
			} else {
				verdict = "does not match botnet_cryptkey";
				cust_x_problem(st->rec, "botnet_cryptkey_bs is not the RC4 key "
				               "schedule of botnet_cryptkey: the panel "
				               "decrypts with the schedule");
			}
		}
		if (strcmp(verdict, "matches botnet_cryptkey") != 0) {
			/* the schedule is the key the panel uses */
			cust_x_key(st->rec, "rc4-state", "panel-crypt", have, 256, 1);
			cust_x_learn_key(st->out, "rc4-state", "panel-crypt", have, 256,
			                 1);
		}
	}
	o = json_object_get(st->rec, "other");
	if (!o && (o = json_object()) &&
	    json_object_set_new(st->rec, "other", o) < 0)
		return;
	json_object_set_new(o, "botnet_cryptkey_bs", json_string(verdict));
}

/* "host:3307" -> host and port */
static void host_port(json_t *c)
{
	const char *h = json_string_value(json_object_get(c, "host"));
	const char *colon = h ? strrchr(h, ':') : NULL;
	long port = 0;
	const char *d;

	if (!colon || colon == h || !colon[1] || strchr(h, ':') != colon ||
	    json_object_get(c, "port"))
		return;
	for (d = colon + 1; *d; d++) {
		if (!isdigit((unsigned char)*d) || port > 65535)
			return;
		port = port * 10 + (*d - '0');
	}
	if (port <= 0 || port > 65535)
		return;
	json_object_set_new(c, "port", json_integer(port));
	json_object_set_new(c, "host", json_stringn(h, (size_t)(colon - h)));
}

static void credentials(struct state *st)
{
	static const char *const keys[F_N] = { NULL, "host", "port", "username",
	                                       "password", "database" };
	size_t i;
	int f;

	for (i = 0; i < st->ngroups; i++) {
		struct group *g = &st->groups[i];
		const char *service = g->service;
		json_t *c;
		if (!service && g->value[F_HOST] &&
		    (g->value[F_USER] || g->value[F_PASS]))
			service = "mysql"; /* HOST, USER, PASS */
		if (!g->value[F_HOST] && !g->value[F_USER] && !g->value[F_PASS])
			service = NULL; /* a database's name alone */
		if (!service) {
			/* no service's: some other settings (an admin login) */
			for (f = 1; f < F_N; f++)
				if (g->value[f]) {
					json_t *o = json_object_get(st->rec, "other");
					if (!o && (o = json_object()) &&
					    json_object_set_new(st->rec, "other", o) < 0)
						o = NULL;
					if (o && st->nother++ < OTHER_MAX)
						json_object_set(o, g->written[f], g->value[f]);
				}
			continue;
		}
		c = json_pack("{s:s}", "service", service);
		for (f = 1; c && f < F_N; f++)
			if (g->value[f])
				json_object_set(c, keys[f], g->value[f]);
		if (c)
			host_port(c);
		cust_x_push(st->rec, NULL, "credentials", c);
	}
}

static int has_ci(const unsigned char *head, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (strncasecmp((const char *)head + i, needle, n) == 0)
			return 1;
	return 0;
}

static int identify(const struct cust_x_input *in)
{
	static const char *const marks[] = {
		"mysql_host", "botnet_cryptkey", "db_host", "db_user", "db_pass",
		"db_name", "dbhost", "dbuser", "dbpass", "dbname", "db_server",
		"db_password", "db_username", "db_login", "mysql_user",
		"mysql_pass", "database_host", NULL
	};
	size_t i;

	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	if (!(in->name && (has_ci((const unsigned char *)in->name,
	                          strlen(in->name), ".php") ||
	                   cust_x_name_is(in->name, ".inc") ||
	                   cust_x_name_is(in->name, ".phtml"))) &&
	    !(!in->name && in->head_len >= 5 &&
	      strncasecmp((const char *)in->head, "<?php", 5) == 0))
		return 0;
	if (!memmem(in->head, in->head_len < CUST_X_SNIFF ? in->head_len
	                                                   : CUST_X_SNIFF,
	            "<?", 2))
		return 0;
	{
		/* a web server holds thousands of PHP files: the marks are
		 * looked for with memmem in a lower-cased copy of the first
		 * CUST_X_SNIFF bytes, not compared at every byte */
		unsigned char low[CUST_X_SNIFF];
		size_t n = in->head_len < sizeof low ? in->head_len : sizeof low;
		for (i = 0; i < n; i++) /* ASCII only: a loop that vectorises */
			low[i] = in->head[i] >= 'A' && in->head[i] <= 'Z'
				         ? (unsigned char)(in->head[i] + 32)
				         : in->head[i];
		for (i = 0; marks[i]; i++)
			if (memmem(low, n, marks[i], strlen(marks[i])))
				return 1;
	}
	return 0;
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	struct state st;
	unsigned char *data;
	size_t len, f, i;
	int cut;

	(void)known;
	memset(&st, 0, sizeof st);
	if (cust_x_slurp(in, CUST_X_WHOLE_MAX, &data, &len, &cut, err) < 0)
		return -1;
	st.rec = cust_x_record(FAMILY, NAME, "panel-config");
	st.groups = calloc(GROUPS_MAX, sizeof *st.groups);
	if (!st.rec || !st.groups) {
		json_decref(st.rec);
		free(st.groups);
		free(data);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	st.out = out;
	st.p.s = (const char *)data;
	st.p.len = len;
	st.p.rec = st.rec;
	st.p.noted = &st.noted;
	if (cut)
		cust_x_problem(st.rec, "only the first %zu bytes of %llu read", len,
		               (unsigned long long)in->size);
	statements(&st);
	check_schedule(&st);
	credentials(&st);
	for (i = 0; i < st.ngroups; i++)
		for (f = 0; f < F_N; f++)
			json_decref(st.groups[i].value[f]);
	free(st.groups);
	free(st.cryptkey);
	free(data);
	if (!json_object_get(st.rec, "credentials") &&
	    !json_object_get(st.rec, "keys") && !json_object_get(st.rec, "paths") &&
	    !json_object_get(st.rec, "intervals") && !st.zeus) {
		/* settings of no kind this extractor knows: not a panel's */
		json_decref(st.rec);
		return 0;
	}
	if (st.zeus)
		json_object_set_new(st.rec, "family", json_string("zeus"));
	{
		json_t *c = json_pack("{s:s}", "panel", st.zeus ? "zeus" : "generic");
		if (c)
			json_object_set_new(st.rec, "controller", c);
	}
	if (json_object_get(st.rec, "problems"))
		json_object_set_new(st.rec, "status", json_string("partial"));
	json_array_append_new(out->records, st.rec);
	return 0;
}

const struct cust_extractor cust_x_panel_php = {
	NAME, FAMILY,
	"a bot panel's PHP configuration (ZeuS's system/config.php, define(), "
	"variables and arrays of generic panels): database credentials, crypt "
	"keys (ZeuS's RC4 schedule checked), report paths, timeouts",
	identify, parse
};
