/*
 * generic_config.c - configuration files that name a C&C: the classic IRC
 * bots' (irc-bot-config) and any other's written as INI, key=value, JSON,
 * YAML, XML or C (generic-c2-config).
 *
 * Both read a file as items, a key with its value and the section (INI
 * [section], YAML parent, JSON object, XML parent element) it stands in:
 *   C       `char server[] = "irc.example.net";`, `int port = 6667;`,
 *           `char *authost[] = {"*@*", "\0"};`, `#define C2 "host"` (the
 *           C tokenizer of extractor.h: comments are not read, strings are
 *           decoded; a string of bytes that are not text, as rxBot's
 *           Crypt() leaves them, is named in a problem, not decoded);
 *   JSON    parsed with jansson when 4 MiB at most and nested 64 deep at
 *           most, otherwise (and when it is not valid) read as its
 *           "key": value pairs wherever they stand;
 *   XML     <key>value</key> (CDATA too), <add key="K" value="V"/> and
 *           the attributes of an element, entities decoded, comments not
 *           read;
 *   lines   INI sections, key = value and key: value (quoted or not, an
 *           inline " ;" or " #" comment cut), "key": value, export K=V,
 *           YAML nesting by indentation and "- item" lists.
 *
 * irc-bot-config (rxBot, SDBot and their kin): server, server2... with
 * port, port2... (or host:port) are C&C {host, port, protocol "irc", usage
 * "c2"}; channel, channel2... with chanpass, chankey... are
 * other.channels [{name, key}] and keys {password, usage "irc-channel"};
 * serverpass is a credential {service "irc", host, port, password};
 * password the bot's command password (keys, usage "bot-command"); botid,
 * nick and the host masks (authost) go to other (bot_id, nick,
 * host_masks); filename, keylogfile and the payload file to paths; version
 * to version; other strings to other under their own name.  Claimed when
 * the head names a server that is a host name and a channel that starts
 * with # or &.
 *
 * generic-c2-config keeps only keys whose words (split at '_', '-', '.',
 * capitals and known compounds: c2server, serverurl) name a C&C: endpoints
 * (server host domain url uri endpoint address ip srv c2 cnc cc panel gate
 * proxy relay smtp update download loader report backup fallback mirror
 * callback beacon controller) holding a URL or a host name (under an ICANN
 * top-level domain) or IPv4 address, with its port (in the value, or the
 * section's port key of the same stem, or its only one); usage from the
 * key's and section's words (proxy, panel/admin, gate/report/submit,
 * update/download, loader, config, smtp; c2 otherwise); keys (key secret
 * token psk rc4 aes xor rsa crypt cipher encryption); credentials
 * (password, with the section's user and host); intervals (interval sleep
 * timeout delay jitter period wait) in seconds when their unit is written
 * (30s, 5m, 1h, 500ms, or a key ending _ms _sec _seconds _min _minutes),
 * in other as written when it is not; mutexes, botnet, campaign, version.
 * localhost, 127/8, 0.0.0.0 and ::1 are no one's C&C.  A record only when
 * a URL or host is found.  Claimed, to leave alone the configuration
 * files every server holds (my.cnf names a host, wgetrc a proxy), only
 * when the head has a key of a C&C word (c2 cnc cc panel gate botnet bot
 * beacon callback controller, or in its section) holding a URL or a host
 * that is not local, or an endpoint key holding one beside a key only bots
 * have (sleep jitter beacon mutex botid campaign, or a key of rc4 xor aes
 * or encryption); never a file irc-bot-config claims.  identify reads
 * the first 16 KiB of the head, and only when a pass over its words finds
 * one that may make a claim (see worth_reading), so it costs microseconds
 * on the files it does not claim.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <libpsl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "extractors.h"

#define ITEMS_MAX 4096u
#define KEY_MAX 128
#define VALUE_MAX (64u * 1024)
#define JSON_MAX (4u * 1024 * 1024)
#define DEPTH_MAX 64
#define WORDS_MAX 8
#define WORD_MAX 32
#define OTHER_MAX 256u
#define PARTS_MAX 64 /* hosts in one value */
/* Of the head, read by identify: a configuration names its C&C near its
 * start, and identify parses what it reads of every text file that has
 * a trigger word, so it reads little. */
#define IDENTIFY_SPAN (4u * 1024)

/* ---- items -------------------------------------------------------------- */

/* The words of a key (see words_of). */
struct words {
	char w[WORDS_MAX][WORD_MAX + 1];
	size_t n;
};

struct item {
	char *section;   /* "" at the top */
	char *key;
	char *v;
	size_t vl;
	unsigned long line;
	unsigned group;  /* the section instance it stands in */
	int binary;      /* a C string of bytes that are not text */
	/* made by prepare(): */
	struct words kw, sw; /* the words of the key and of the section */
	int role;            /* its role in an IRC bot's configuration */
	unsigned num;        /* the number after the key (server2: 2) */
};

struct items {
	struct item *it;
	size_t n, cap;
	size_t dropped;
	unsigned groups;
	unsigned long first_dropped;
};

static void items_release(struct items *is)
{
	size_t i;

	for (i = 0; i < is->n; i++) {
		free(is->it[i].section);
		free(is->it[i].key);
		free(is->it[i].v);
	}
	free(is->it);
	memset(is, 0, sizeof *is);
}

static char *copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);

	if (c) {
		memcpy(c, s, n);
		c[n] = '\0';
	}
	return c;
}

static int text_bytes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch < 0x20 && ch != '\t' && ch != '\r' && ch != '\n') ||
		    ch == 0x7f)
			return 0;
	}
	return 1;
}

static void add(struct items *is, const char *section, size_t sl,
                const char *key, size_t kl, const char *v, size_t vl,
                unsigned long line, unsigned group)
{
	struct item *it;

	if (kl == 0)
		return;
	if (is->n >= ITEMS_MAX) {
		if (is->dropped++ == 0)
			is->first_dropped = line;
		return;
	}
	if (is->n == is->cap) {
		size_t cap = is->cap ? is->cap * 2 : 64;
		struct item *g = realloc(is->it, cap * sizeof *g);
		if (!g)
			return;
		is->it = g;
		is->cap = cap;
	}
	if (sl > KEY_MAX)
		sl = KEY_MAX;
	if (kl > KEY_MAX)
		kl = KEY_MAX;
	if (vl > VALUE_MAX)
		vl = VALUE_MAX;
	it = &is->it[is->n];
	it->section = copy(section ? section : "", section ? sl : 0);
	it->key = copy(key, kl);
	it->v = copy(v, vl);
	if (!it->section || !it->key || !it->v) {
		free(it->section);
		free(it->key);
		free(it->v);
		return;
	}
	it->vl = vl;
	it->line = line;
	it->group = group;
	it->binary = !text_bytes(v, vl);
	is->n++;
}

/* ---- C ------------------------------------------------------------------ */

static int c_like(const char *s, size_t n)
{
	return memmem(s, n, "[] =", 4) || memmem(s, n, "[]=", 3) ||
	       memmem(s, n, "#define ", 8) || memmem(s, n, "int port", 8);
}

static int punct(const struct cust_x_ctok *t, char ch)
{
	return t->kind == CUST_X_CT_PUNCT && t->s[0] == ch;
}

/* Adjacent string literals from *T on, decoded and added as KEY; *T is
 * left at the first token after them. */
static void c_strings(struct items *is, struct cust_x_clex *lx,
                      struct cust_x_ctok *t, const char *key, size_t kl,
                      unsigned long line)
{
	unsigned char *buf = NULL;
	size_t len = 0;

	while (t->kind == CUST_X_CT_STRING) {
		unsigned char *g = realloc(buf, len + t->len + 1);
		unsigned bad = 0;
		if (!g)
			break;
		buf = g;
		if (len < VALUE_MAX)
			len += cust_x_c_unescape(t->s, t->len, buf + len, &bad, NULL);
		if (t->open)
			break;
		cust_x_clex_next(lx, t);
	}
	if (buf) {
		size_t i;
		for (i = 0; i < len && buf[i] == 0; i++)
			;
		if (i < len) /* not "" nor "\0": a list's end */
			add(is, "", 0, key, kl, (const char *)buf, len, line, 0);
	}
	free(buf);
}

static void c_items(struct items *is, const char *d, size_t n)
{
	struct cust_x_clex lx;
	struct cust_x_ctok t, name = { 0 };

	cust_x_clex_init(&lx, d, n);
	cust_x_clex_next(&lx, &t);
	while (t.kind != CUST_X_CT_END) {
		if (punct(&t, '#')) {
			unsigned long line = t.line;
			struct cust_x_ctok def, key;
			cust_x_clex_next(&lx, &def);
			if (def.kind != CUST_X_CT_IDENT || def.line != line ||
			    def.len != 6 || memcmp(def.s, "define", 6) != 0) {
				t = def;
				continue;
			}
			cust_x_clex_next(&lx, &key);
			if (key.kind != CUST_X_CT_IDENT || key.line != line) {
				t = key;
				continue;
			}
			cust_x_clex_next(&lx, &t);
			if (t.line != line)
				continue;
			if (t.kind == CUST_X_CT_STRING) {
				c_strings(is, &lx, &t, key.s, key.len, line);
				continue;
			}
			if (t.kind == CUST_X_CT_NUMBER || t.kind == CUST_X_CT_IDENT)
				add(is, "", 0, key.s, key.len, t.s, t.len, line, 0);
			cust_x_clex_next(&lx, &t);
			continue;
		}
		if (t.kind == CUST_X_CT_IDENT) {
			name = t;
			cust_x_clex_next(&lx, &t);
			/* NAME[...]... */
			while (punct(&t, '[')) {
				int k;
				for (k = 0; k < 16 && t.kind != CUST_X_CT_END &&
				            !punct(&t, ']');
				     k++)
					cust_x_clex_next(&lx, &t);
				if (!punct(&t, ']'))
					break;
				cust_x_clex_next(&lx, &t);
			}
			if (!punct(&t, '='))
				continue;
			cust_x_clex_next(&lx, &t);
			if (punct(&t, '=')) /* == */
				continue;
			if (t.kind == CUST_X_CT_STRING) {
				c_strings(is, &lx, &t, name.s, name.len, name.line);
			} else if (t.kind == CUST_X_CT_CHAR) {
				unsigned char c[8];
				unsigned bad = 0;
				size_t cl = t.len < 4 ? cust_x_c_unescape(t.s, t.len, c,
				                                          &bad, NULL)
				                      : 0;
				add(is, "", 0, name.s, name.len, (const char *)c, cl,
				    name.line, 0);
				cust_x_clex_next(&lx, &t);
			} else if (t.kind == CUST_X_CT_NUMBER ||
			           t.kind == CUST_X_CT_IDENT) {
				add(is, "", 0, name.s, name.len, t.s, t.len, name.line, 0);
				cust_x_clex_next(&lx, &t);
			} else if (punct(&t, '{')) {
				int k = 0;
				cust_x_clex_next(&lx, &t);
				while (t.kind != CUST_X_CT_END && !punct(&t, '}') &&
				       !punct(&t, ';') && k++ < 4096) {
					if (t.kind == CUST_X_CT_STRING)
						c_strings(is, &lx, &t, name.s, name.len, t.line);
					else
						cust_x_clex_next(&lx, &t);
				}
			}
			continue;
		}
		cust_x_clex_next(&lx, &t);
	}
}

/* ---- lines: INI, key=value, YAML, JSON written a pair a line ------------ */

static int blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static void trim(const char **s, size_t *n)
{
	while (*n && (blank((unsigned char)**s) || **s == '\n'))
		(*s)++, (*n)--;
	while (*n && (blank((unsigned char)(*s)[*n - 1]) || (*s)[*n - 1] == '\n'))
		(*n)--;
}

/* The value of a line: quoted (up to its closing quote) or up to an
 * inline comment; a trailing ',' of JSON dropped. */
static void value_of(const char **v, size_t *vl)
{
	size_t i;

	trim(v, vl);
	if (*vl && (*v)[*vl - 1] == ',')
		(*vl)--, trim(v, vl);
	if (*vl >= 1 && (**v == '"' || **v == '\'')) {
		char q = **v;
		for (i = 1; i < *vl; i++) {
			if ((*v)[i] == '\\' && q == '"' && i + 1 < *vl)
				i++;
			else if ((*v)[i] == q)
				break;
		}
		(*v)++;
		*vl = i - 1;
		return;
	}
	for (i = 1; i < *vl; i++)
		if ((*v)[i] == ';' || (*v)[i] == '#')
			if (blank((unsigned char)(*v)[i - 1])) {
				*vl = i;
				break;
			}
	trim(v, vl);
}

struct yaml_level {
	size_t indent;
	char key[KEY_MAX + 1];
	unsigned group;
};

static void line_items(struct items *is, const char *d, size_t n)
{
	struct yaml_level lv[16];
	size_t nlv = 0, off = 0;
	char section[KEY_MAX + 1] = "";
	unsigned group = 0;
	unsigned long lineno = 0;

	while (off < n) {
		const char *line = d + off, *nl = memchr(line, '\n', n - off);
		size_t len = nl ? (size_t)(nl - line) : n - off, indent = 0, i;
		const char *k, *v;
		size_t kl, vl, sep = 0;
		int colon = 0;
		const char *sec;
		unsigned grp;

		off += len + (nl ? 1 : 0);
		lineno++;
		while (indent < len && blank((unsigned char)line[indent]))
			indent++;
		k = line + indent;
		kl = len - indent;
		trim(&k, &kl);
		if (kl == 0)
			continue;
		if (kl > 8 && strncmp(k, "#define", 7) == 0 && blank(k[7])) {
			k += 8, kl -= 8;
			trim(&k, &kl);
			for (i = 0; i < kl && !blank((unsigned char)k[i]); i++)
				;
			v = k + i;
			vl = kl - i;
			value_of(&v, &vl);
			add(is, "", 0, k, i, v, vl, lineno, 0);
			continue;
		}
		if (k[0] == '#' || k[0] == ';' ||
		    (kl > 1 && k[0] == '/' && k[1] == '/'))
			continue;
		if (k[0] == '[' && k[kl - 1] == ']' && kl > 2) {
			size_t sl = kl - 2 < KEY_MAX ? kl - 2 : KEY_MAX;
			memcpy(section, k + 1, sl);
			section[sl] = '\0';
			group = ++is->groups;
			nlv = 0;
			continue;
		}
		while (nlv && lv[nlv - 1].indent >= indent)
			nlv--; /* YAML: back out of deeper levels */
		sec = nlv ? lv[nlv - 1].key : section;
		grp = nlv ? lv[nlv - 1].group : group;
		if (kl >= 2 && k[0] == '-' && k[1] == ' ') {
			/* a YAML list item of the level above */
			v = k + 2;
			vl = kl - 2;
			value_of(&v, &vl);
			if (nlv && memchr(v, ':', vl) == NULL)
				add(is, nlv > 1 ? lv[nlv - 2].key : section,
				    strlen(nlv > 1 ? lv[nlv - 2].key : section),
				    lv[nlv - 1].key, strlen(lv[nlv - 1].key), v, vl,
				    lineno, grp);
			continue;
		}
		if (kl > 7 && strncmp(k, "export ", 7) == 0)
			k += 7, kl -= 7;
		if (k[0] == '"') {
			/* "key": value */
			const char *q = memchr(k + 1, '"', kl - 1);
			if (!q)
				continue;
			sep = (size_t)(q - k) + 1;
			while (sep < kl && blank((unsigned char)k[sep]))
				sep++;
			if (sep >= kl || k[sep] != ':')
				continue;
			colon = 1;
			v = k + sep + 1;
			vl = kl - sep - 1;
			k++;
			kl = (size_t)(q - k);
		} else {
			for (i = 0; i < kl; i++) {
				if (k[i] == '=')
					break;
				if (k[i] == ':' && (i + 1 == kl || blank(k[i + 1]))) {
					colon = 1;
					break;
				}
			}
			if (i == kl || i == 0)
				continue;
			v = k + i + 1;
			vl = kl - i - 1;
			kl = i;
			trim(&k, &kl);
			if (kl == 0 || kl > 64)
				continue;
		}
		value_of(&v, &vl);
		if (colon && (vl == 0 || (vl == 1 && (*v == '{' || *v == '[')))) {
			/* YAML (or JSON) opens a level */
			if (nlv < sizeof lv / sizeof lv[0]) {
				size_t c = kl < KEY_MAX ? kl : KEY_MAX;
				lv[nlv].indent = indent;
				memcpy(lv[nlv].key, k, c);
				lv[nlv].key[c] = '\0';
				lv[nlv].group = ++is->groups;
				nlv++;
			}
			continue;
		}
		add(is, sec, strlen(sec), k, kl, v, vl, lineno, grp);
	}
}

/* ---- JSON --------------------------------------------------------------- */

/* How deep S[0..N) nests, brackets inside strings not counted; stops
 * counting past LIMIT. */
static size_t json_depth(const char *s, size_t n, size_t limit)
{
	size_t i, depth = 0, most = 0;
	int in_str = 0;

	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (ch == '"')
			in_str = 1;
		else if (ch == '{' || ch == '[') {
			if (++depth > most && (most = depth) > limit)
				return most;
		} else if ((ch == '}' || ch == ']') && depth)
			depth--;
	}
	return most;
}

static void json_walk(struct items *is, const char *section, json_t *v,
                      unsigned group, int depth);

static void json_scalar(struct items *is, const char *section,
                        const char *key, json_t *v, unsigned group)
{
	char num[64];

	if (json_is_string(v))
		add(is, section, strlen(section), key, strlen(key),
		    json_string_value(v), json_string_length(v), 0, group);
	else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT,
		         json_integer_value(v));
		add(is, section, strlen(section), key, strlen(key), num,
		    strlen(num), 0, group);
	} else if (json_is_real(v)) {
		snprintf(num, sizeof num, "%g", json_real_value(v));
		add(is, section, strlen(section), key, strlen(key), num,
		    strlen(num), 0, group);
	} else if (json_is_boolean(v)) {
		add(is, section, strlen(section), key, strlen(key),
		    json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5, 0,
		    group);
	}
}

static void json_walk(struct items *is, const char *section, json_t *v,
                      unsigned group, int depth)
{
	const char *key;
	json_t *x;
	size_t i;

	if (depth > DEPTH_MAX)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			json_t *y;
			if (json_is_object(x)) {
				json_walk(is, key, x, ++is->groups, depth + 1);
			} else if (json_is_array(x)) {
				json_array_foreach(x, i, y)
					if (json_is_object(y) || json_is_array(y))
						json_walk(is, key, y, ++is->groups, depth + 1);
					else
						json_scalar(is, section, key, y, group);
			} else {
				json_scalar(is, section, key, x, group);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			json_walk(is, section, x, ++is->groups, depth + 1);
	}
}

/* A JSON string at S[0..N) (S at its opening quote), decoded into OUT;
 * the bytes it took, 0 when it is not closed. */
static size_t json_str(const char *s, size_t n, char *out, size_t max,
                       size_t *ol)
{
	size_t i = 1, o = 0;

	while (i < n && s[i] != '"') {
		char ch = s[i++];
		if (ch == '\\' && i < n) {
			char e = s[i++];
			ch = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r'
			   : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
			if (e == 'u' && i + 4 <= n) {
				unsigned cp = 0, k;
				for (k = 0; k < 4 && isxdigit((unsigned char)s[i + k]); k++)
					cp = cp * 16 + (unsigned)(isdigit((unsigned char)s[i + k])
					                  ? s[i + k] - '0'
					                  : (tolower((unsigned char)s[i + k]) - 'a' + 10));
				i += k;
				if (cp < 0x80) {
					ch = (char)cp;
				} else {
					if (o + 3 <= max) {
						if (cp < 0x800) {
							out[o++] = (char)(0xc0 | (cp >> 6));
						} else {
							out[o++] = (char)(0xe0 | (cp >> 12));
							out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
						}
						out[o++] = (char)(0x80 | (cp & 0x3f));
					}
					continue;
				}
			}
		}
		if (o < max)
			out[o++] = ch;
	}
	*ol = o;
	return i < n ? i + 1 : 0;
}

/* "key": value pairs wherever they stand: JSON too deep, too large or
 * broken to parse. */
static void json_pairs(struct items *is, const char *s, size_t n)
{
	char *key = malloc(KEY_MAX + 1), *val = malloc(VALUE_MAX);
	size_t i = 0, kl, vl, used;
	unsigned long line = 1;

	while (key && val && i < n) {
		if (s[i] == '\n')
			line++;
		if (s[i] != '"') {
			i++;
			continue;
		}
		used = json_str(s + i, n - i, key, KEY_MAX, &kl);
		if (!used)
			break;
		i += used;
		while (i < n && (blank((unsigned char)s[i]) || s[i] == '\n'))
			i++;
		if (i >= n || s[i] != ':')
			continue;
		i++;
		while (i < n && (blank((unsigned char)s[i]) || s[i] == '\n'))
			i++;
		if (i < n && s[i] == '"') {
			used = json_str(s + i, n - i, val, VALUE_MAX, &vl);
			if (!used)
				break;
			add(is, "", 0, key, kl, val, vl, line, 0);
			i += used;
		} else {
			size_t b = i;
			while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '.' ||
			                 s[i] == '-' || s[i] == '+'))
				i++;
			if (i > b)
				add(is, "", 0, key, kl, s + b, i - b, line, 0);
		}
	}
	free(key);
	free(val);
}

/* ---- XML ---------------------------------------------------------------- */

/* S[0..N) with XML's entities decoded, into a new string. */
static char *xml_text(const char *s, size_t n, size_t *ol)
{
	char *o = malloc(n + 1);
	size_t i = 0, k = 0;

	if (!o)
		return NULL;
	while (i < n) {
		const char *semi;
		if (s[i] != '&' || !(semi = memchr(s + i, ';', n - i < 12 ? n - i : 12))) {
			o[k++] = s[i++];
			continue;
		}
		size_t el = (size_t)(semi - s - i - 1);
		const char *e = s + i + 1;
		if (el == 2 && memcmp(e, "lt", 2) == 0)
			o[k++] = '<';
		else if (el == 2 && memcmp(e, "gt", 2) == 0)
			o[k++] = '>';
		else if (el == 3 && memcmp(e, "amp", 3) == 0)
			o[k++] = '&';
		else if (el == 4 && memcmp(e, "quot", 4) == 0)
			o[k++] = '"';
		else if (el == 4 && memcmp(e, "apos", 4) == 0)
			o[k++] = '\'';
		else if (el >= 2 && e[0] == '#') {
			char num[12];
			unsigned long cp;
			memcpy(num, e + 1, el - 1);
			num[el - 1] = '\0';
			cp = num[0] == 'x' || num[0] == 'X' ? strtoul(num + 1, NULL, 16)
			                                    : strtoul(num, NULL, 10);
			if (cp < 0x80)
				o[k++] = (char)cp;
			else {
				o[k++] = s[i++];
				continue;
			}
		} else {
			o[k++] = s[i++];
			continue;
		}
		i += el + 2;
	}
	o[k] = '\0';
	*ol = k;
	return o;
}

static void xml_add(struct items *is, const char *section, size_t sl,
                    const char *key, size_t kl, const char *raw, size_t rl,
                    unsigned long line, unsigned group)
{
	size_t vl;
	char *v;

	trim(&raw, &rl);
	if (rl >= 12 && memcmp(raw, "<![CDATA[", 9) == 0 &&
	    memcmp(raw + rl - 3, "]]>", 3) == 0) {
		add(is, section, sl, key, kl, raw + 9, rl - 12, line, group);
		return;
	}
	v = xml_text(raw, rl, &vl);
	if (v)
		add(is, section, sl, key, kl, v, vl, line, group);
	free(v);
}

static int name_byte(int ch)
{
	return isalnum(ch) || ch == '_' || ch == ':' || ch == '-' || ch == '.';
}

struct xattr {
	const char *name, *v;
	size_t nl, vl;
};

static void xml_items(struct items *is, const char *d, size_t n)
{
	struct {
		const char *name;
		size_t nl;
		unsigned group;
	} st[DEPTH_MAX];
	size_t depth = 0, i = 0;
	unsigned long line = 1;

	while (i < n) {
		const char *lt = memchr(d + i, '<', n - i), *p, *end = d + n;
		struct xattr at[32];
		size_t na = 0, k, nm;
		const char *name, *key = NULL, *val = NULL;
		size_t kl = 0, vl = 0;
		int self = 0;
		unsigned g;

		if (!lt)
			break;
		for (p = d + i; p < lt; p++)
			line += *p == '\n';
		i = (size_t)(lt - d);
		if (n - i >= 4 && memcmp(lt, "<!--", 4) == 0) {
			const char *c = memmem(lt + 4, n - i - 4, "-->", 3);
			i = c ? (size_t)(c - d) + 3 : n;
			continue;
		}
		if (n - i >= 2 && (lt[1] == '?' || lt[1] == '!')) {
			const char *c = memchr(lt, '>', n - i);
			i = c ? (size_t)(c - d) + 1 : n;
			continue;
		}
		if (n - i >= 2 && lt[1] == '/') {
			const char *c = memchr(lt, '>', n - i);
			if (depth)
				depth--;
			i = c ? (size_t)(c - d) + 1 : n;
			continue;
		}
		name = lt + 1;
		for (nm = 0; name + nm < end && name_byte((unsigned char)name[nm]);
		     nm++)
			;
		if (nm == 0) {
			i++;
			continue;
		}
		p = name + nm;
		/* attributes */
		for (;;) {
			const char *an, *av;
			size_t al;
			char q;
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p >= end || *p == '>' || *p == '/')
				break;
			an = p;
			while (p < end && name_byte((unsigned char)*p))
				p++;
			al = (size_t)(p - an);
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (al == 0 || p >= end || *p != '=') {
				if (p < end)
					p++;
				continue;
			}
			p++;
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p >= end || (*p != '"' && *p != '\''))
				break;
			q = *p++;
			av = p;
			while (p < end && *p != q)
				p++;
			if (na < sizeof at / sizeof at[0]) {
				at[na].name = an;
				at[na].nl = al;
				at[na].v = av;
				at[na].vl = (size_t)(p - av);
				na++;
			}
			if (p < end)
				p++;
		}
		if (p >= end)
			break; /* a tag never closed */
		self = *p == '/';
		while (p < end && *p != '>')
			p++;
		if (p >= end)
			break;
		p++;
		g = depth ? st[depth - 1].group : 0;
		for (k = 0; k < na; k++) {
			if (at[k].nl == 3 && strncasecmp(at[k].name, "key", 3) == 0)
				key = at[k].v, kl = at[k].vl;
			else if (at[k].nl == 5 && strncasecmp(at[k].name, "value", 5) == 0)
				val = at[k].v, vl = at[k].vl;
		}
		if (key && val) {
			xml_add(is, depth ? st[depth - 1].name : "",
			        depth ? st[depth - 1].nl : 0, key, kl, val, vl, line, g);
		} else if (na) {
			unsigned ag = ++is->groups;
			for (k = 0; k < na; k++)
				xml_add(is, name, nm, at[k].name, at[k].nl, at[k].v,
				        at[k].vl, line, ag);
		}
		i = (size_t)(p - d);
		if (self)
			continue;
		/* <name>text</name> */
		{
			const char *close = NULL, *c = p;
			if ((size_t)(end - c) >= 9 && memcmp(c, "<![CDATA[", 9) == 0) {
				const char *ce = memmem(c, (size_t)(end - c), "]]>", 3);
				close = ce ? ce + 3 : NULL;
			} else {
				close = memchr(c, '<', (size_t)(end - c));
			}
			if (close && (size_t)(end - close) >= nm + 3 && close[0] == '<' &&
			    close[1] == '/' && memcmp(close + 2, name, nm) == 0 &&
			    (close[2 + nm] == '>' ||
			     isspace((unsigned char)close[2 + nm]))) {
				xml_add(is, depth ? st[depth - 1].name : "",
				        depth ? st[depth - 1].nl : 0, name, nm, c,
				        (size_t)(close - c), line, g);
				for (; c < close; c++)
					line += *c == '\n';
				c = memchr(close, '>', (size_t)(end - close));
				i = c ? (size_t)(c - d) + 1 : n;
				continue;
			}
		}
		if (depth < DEPTH_MAX) {
			st[depth].name = name;
			st[depth].nl = nm;
			st[depth].group = ++is->groups;
		}
		depth++;
		if (depth > DEPTH_MAX)
			depth = DEPTH_MAX; /* deeper elements share the last level */
	}
}

/* ---- reading a file as items -------------------------------------------- */

enum format { F_LINES, F_C, F_JSON, F_XML };

static enum format format_of(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i < n && s[i] == '{')
		return F_JSON;
	if (i < n && s[i] == '[') {
		/* a JSON array, not an INI section */
		size_t j = i + 1;
		while (j < n && isspace((unsigned char)s[j]))
			j++;
		if (j < n && strchr("{[\"]-0123456789", s[j]))
			return F_JSON;
	}
	if (i < n && s[i] == '<')
		return F_XML;
	return c_like(s, n) ? F_C : F_LINES;
}

/* The items of S[0..N); problems on REC (may be NULL). */
static void read_items(struct items *is, const char *s, size_t n, json_t *rec)
{
	enum format f = format_of(s, n);

	if (f == F_C) {
		c_items(is, s, n);
	} else if (f == F_XML) {
		xml_items(is, s, n);
	} else if (f == F_JSON) {
		size_t depth = json_depth(s, n, DEPTH_MAX);
		json_error_t jerr;
		json_t *j = NULL;
		if (depth > DEPTH_MAX) {
			if (rec)
				cust_x_problem(rec, "JSON nested deeper than %d: read "
				               "as \"key\": value pairs", DEPTH_MAX);
		} else if (n > JSON_MAX) {
			if (rec)
				cust_x_problem(rec, "JSON of more than %u bytes: read as "
				               "\"key\": value pairs", JSON_MAX);
		} else if (!(j = json_loadb(s, n, 0, &jerr))) {
			if (rec)
				cust_x_problem(rec, "not valid JSON (line %d: %s): read "
				               "as \"key\": value pairs", jerr.line,
				               jerr.text);
		}
		if (j)
			json_walk(is, "", j, 0, 0);
		else
			json_pairs(is, s, n);
		json_decref(j);
	} else {
		line_items(is, s, n);
	}
}

/* ---- words of keys, values ---------------------------------------------- */

static const char *const endpoint_words[] = {
	"server", "host", "hostname", "domain", "url", "uri", "endpoint",
	"address", "addr", "ip", "srv", "c2", "cnc", "cc", "panel", "gate",
	"proxy", "relay", "smtp", "update", "download", "loader", "report",
	"backup", "fallback", "mirror", "callback", "beacon", "controller",
	"admin", NULL
};
static const char *const cc_words[] = { "c2", "cnc", "cc", "panel", "gate",
                                        "botnet", "bot", "beacon",
                                        "callback", "controller", NULL };
static const char *const key_words[] = { "key", "secret", "token", "psk",
                                         "rc4", "aes", "xor", "rsa",
                                         "crypt", "cipher", "encryption",
                                         "des", "blowfish", NULL };
static const char *const pass_words[] = { "password", "pass", "passwd",
                                          "pwd", NULL };
static const char *const interval_words[] = { "interval", "sleep",
                                              "timeout", "delay", "jitter",
                                              "period", "wait", NULL };
/* the other parts of compounds */
static const char *const glue_words[] = { "port", "id", "list", "name",
                                          "time", "ms", "sec", "min",
                                          "user", NULL };

static int in(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static const char *const *const vocabulary[] = {
	endpoint_words, cc_words, key_words, pass_words, interval_words,
	glue_words, NULL
};

/* Every word of the vocabulary, sorted once, for a binary search: identify
 * splits every key of every text file it reads into words, so a lookup
 * must not walk the lists. */
static const char **sorted_words;
static size_t nsorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int word_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_vocabulary(void)
{
	static const char *const extra[] = { "mutex", "campaign", NULL };
	size_t i, k, n = 2;

	for (i = 0; vocabulary[i]; i++)
		for (k = 0; vocabulary[i][k]; k++)
			n++;
	sorted_words = malloc(n * sizeof *sorted_words);
	if (!sorted_words)
		return; /* no vocabulary: nothing claimed */
	for (i = 0; vocabulary[i]; i++)
		for (k = 0; vocabulary[i][k]; k++)
			sorted_words[nsorted++] = vocabulary[i][k];
	for (i = 0; extra[i]; i++)
		sorted_words[nsorted++] = extra[i];
	qsort(sorted_words, nsorted, sizeof *sorted_words, word_cmp);
}

static int vocab(const char *w)
{
	(void)pthread_once(&sorted_once, sort_vocabulary);
	return nsorted &&
	       bsearch(&w, sorted_words, nsorted, sizeof *sorted_words,
	               word_cmp) != NULL;
}

/* Where W (not a word of the vocabulary) splits into two that are: the
 * length of the first (the shortest that works), 0 when it does not. */
static size_t compound(const char *w)
{
	size_t n = strlen(w), l;
	char head[WORD_MAX + 1];

	for (l = 1; l < n && l <= WORD_MAX; l++) {
		memcpy(head, w, l);
		head[l] = '\0';
		if (vocab(head) && vocab(w + l))
			return l;
	}
	return 0;
}

static void word_add(struct words *ws, const char *s, size_t n)
{
	size_t i;
	char *w;

	if (n == 0 || ws->n >= WORDS_MAX)
		return;
	if (n > WORD_MAX)
		n = WORD_MAX;
	w = ws->w[ws->n];
	for (i = 0; i < n; i++)
		w[i] = (char)tolower((unsigned char)s[i]);
	w[n] = '\0';
	/* server2 is server; c2 and rc4 stay as they are */
	while (n > 1 && isdigit((unsigned char)w[n - 1]) && !vocab(w))
		w[--n] = '\0';
	/* hosts is host */
	if (n > 3 && w[n - 1] == 's') {
		w[n - 1] = '\0';
		if (!vocab(w))
			w[n - 1] = 's';
	}
	if (ws->n + 1 < WORDS_MAX && !vocab(w)) {
		/* a compound of two words: c2server, serverurl, rc4key */
		size_t k = compound(w);
		if (k) {
			/* both are words of at most WORD_MAX bytes */
			memcpy(ws->w[ws->n + 1], w + k, strlen(w + k) + 1);
			w[k] = '\0';
			ws->n++;
		}
	}
	ws->n++;
}

/* The words of KEY: split at non-alphanumeric bytes and where capitals
 * start a word. */
static void words_of(const char *key, struct words *ws)
{
	size_t i = 0, n = strlen(key);

	ws->n = 0;
	while (i < n) {
		size_t b;
		while (i < n && !isalnum((unsigned char)key[i]))
			i++;
		b = i;
		while (i < n && isalnum((unsigned char)key[i])) {
			if (i > b && isupper((unsigned char)key[i]) &&
			    (islower((unsigned char)key[i - 1]) ||
			     (i + 1 < n && islower((unsigned char)key[i + 1]) &&
			      isupper((unsigned char)key[i - 1]))))
				break;
			i++;
		}
		word_add(ws, key + b, i - b);
	}
}

static int any(const struct words *ws, const char *const *list)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (in(ws->w[i], list))
			return 1;
	return 0;
}

static int has_word(const struct words *ws, const char *w)
{
	size_t i;

	for (i = 0; i < ws->n; i++)
		if (strcmp(ws->w[i], w) == 0)
			return 1;
	return 0;
}

/* Whether the label LABEL[0..N) is a top-level domain of ICANN's. */
static int icann_tld(const char *label, size_t n)
{
	const psl_ctx_t *psl = psl_builtin();
	char buf[64];
	size_t i;

	if (!psl || n == 0 || n >= sizeof buf)
		return 0;
	for (i = 0; i < n; i++)
		buf[i] = (char)tolower((unsigned char)label[i]);
	buf[n] = '\0';
	return psl_is_public_suffix2(psl, buf,
	                             PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
}

static int ipv4(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '.')
			return 0;
	return cust_x_hostname(s, n);
}

static int local(const char *h, size_t n)
{
	return (n == 9 && strncasecmp(h, "localhost", 9) == 0) ||
	       (n >= 4 && strncmp(h, "127.", 4) == 0 && ipv4(h, n)) ||
	       (n == 7 && strncmp(h, "0.0.0.0", 7) == 0) ||
	       (n == 3 && strncmp(h, "::1", 3) == 0);
}

/* A host of a C&C: an IPv4 or IPv6 address or a host name under an ICANN
 * top-level domain (IRC: any host name). */
static int host_ok(const char *h, size_t n, int any_tld)
{
	const char *dot;
	char buf[64];
	unsigned char a[16];

	if (n && memchr(h, ':', n)) {
		if (n >= sizeof buf)
			return 0;
		memcpy(buf, h, n);
		buf[n] = '\0';
		return inet_pton(AF_INET6, buf, a) == 1;
	}
	if (!cust_x_hostname(h, n))
		return 0;
	if (ipv4(h, n) || any_tld)
		return 1;
	for (dot = h + n; dot > h && dot[-1] != '.'; dot--)
		;
	return icann_tld(dot, (size_t)(h + n - dot));
}

/* An endpoint in a value: a URL, or host[:port], [v6]:port. */
struct endpoint {
	const char *url;    /* the whole value when it is a URL */
	size_t url_len;
	const char *host;
	size_t host_len;
	long port;          /* 0 when none is written */
};

static long port_num(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v >= 1 && v <= 65535 ? v : -1;
}

static int endpoint_of(const char *s, size_t n, int any_tld,
                       struct endpoint *e)
{
	size_t i, hs, he;

	memset(e, 0, sizeof *e);
	trim(&s, &n);
	for (i = 0; i < n && i < 16 && (isalnum((unsigned char)s[i]) ||
	                                 s[i] == '+' || s[i] == '.' || s[i] == '-');
	     i++)
		;
	if (i > 0 && i + 3 <= n && memcmp(s + i, "://", 3) == 0 &&
	    isalpha((unsigned char)s[0])) {
		e->url = s;
		e->url_len = n;
		hs = i + 3;
		for (he = hs; he < n && !strchr("/?#", s[he]); he++)
			if (s[he] == '@')
				hs = he + 1;
		s += hs;
		n = he - hs;
	} else {
		for (i = 0; i < n; i++)
			if (isspace((unsigned char)s[i]) || s[i] == '/')
				return 0;
	}
	if (n && s[0] == '[') {
		const char *c = memchr(s, ']', n);
		if (!c)
			return 0;
		e->host = s + 1;
		e->host_len = (size_t)(c - s - 1);
		if ((size_t)(c - s) + 1 < n) {
			if (c[1] != ':' ||
			    (e->port = port_num(c + 2, n - (size_t)(c - s) - 2)) < 0)
				return 0;
		}
	} else {
		const char *c = memchr(s, ':', n);
		e->host = s;
		e->host_len = c ? (size_t)(c - s) : n;
		if (c && (e->port = port_num(c + 1, n - (size_t)(c - s) - 1)) < 0)
			return 0;
	}
	return host_ok(e->host, e->host_len, any_tld) &&
	       !local(e->host, e->host_len);
}

/* The endpoints of a value that may list several (a, b; c d). */
static size_t endpoints_of(const char *v, size_t vl, int any_tld,
                           struct endpoint *out, size_t max)
{
	size_t i = 0, n = 0;

	if (endpoint_of(v, vl, any_tld, &out[0]))
		return 1;
	while (i < vl && n < max) {
		size_t b;
		while (i < vl && strchr(",; \t|", v[i]))
			i++;
		b = i;
		while (i < vl && !strchr(",; \t|", v[i]))
			i++;
		if (i > b && endpoint_of(v + b, i - b, any_tld, &out[n]))
			n++;
		else if (i > b)
			return 0; /* a list of hosts holds nothing else */
	}
	return n;
}

/* ---- the record --------------------------------------------------------- */

static json_t *other(json_t *rec)
{
	json_t *o = json_object_get(rec, "other");

	if (!o) {
		o = json_object();
		json_object_set_new(rec, "other", o);
	}
	return o;
}

static void other_set(json_t *rec, const char *key, const char *v, size_t vl)
{
	json_t *o = other(rec);

	if (json_object_size(o) >= OTHER_MAX && !json_object_get(o, key))
		return;
	json_object_set_new(o, key, cust_x_string(v, vl));
}

/* Push a C&C endpoint, once: SEEN holds those pushed. */
static void c2_once(json_t *rec, json_t *seen, const struct endpoint *e,
                    long port, const char *protocol, const char *usage)
{
	json_t *v = e->url ? cust_x_string(e->url, e->url_len)
	                   : cust_x_string(e->host, e->host_len);
	char *key;

	if (!v)
		return;
	if (asprintf(&key, "%s %s %ld", e->url ? "url" : "host",
	             json_string_value(v), e->url || port < 0 ? 0 : port) < 0) {
		json_decref(v);
		return;
	}
	json_decref(v);
	if (json_object_get(seen, key)) {
		free(key);
		return;
	}
	json_object_set_new(seen, key, json_true());
	free(key);
	if (e->url)
		cust_x_c2_url(rec, e->url, e->url_len, usage);
	else
		cust_x_c2_host(rec, e->host, e->host_len, port, protocol, usage);
}

static void binary_problem(json_t *rec, const struct items *is)
{
	size_t i, n = 0;
	unsigned long first = 0;

	for (i = 0; i < is->n; i++)
		if (is->it[i].binary) {
			if (n++ == 0)
				first = is->it[i].line;
		}
	if (n)
		cust_x_problem(rec, "%zu value%s hold bytes that are not text "
		               "(strings encrypted by the bot, perhaps): not "
		               "decoded; the first at line %lu", n,
		               n == 1 ? "" : "s", first);
	if (is->dropped)
		cust_x_problem(rec, "more than %u keys: those from line %lu on are "
		               "left out", ITEMS_MAX, is->first_dropped);
}

/* Hand REC over, when it names a C&C; OUT->learned held LEARNED items
 * before the file was read. */
static int finish(json_t *rec, struct cust_x_output *out, size_t learned)
{
	if (!json_object_get(rec, "c2")) {
		/* no C&C after all: not the extractor's, nor what it taught */
		json_decref(rec);
		while (json_array_size(out->learned) > learned)
			json_array_remove(out->learned,
			                  json_array_size(out->learned) - 1);
		return 0;
	}
	if (json_object_get(rec, "problems"))
		json_object_set_new(rec, "status", json_string("partial"));
	json_array_append_new(out->records, rec);
	return 0;
}

/* ---- IRC bots ----------------------------------------------------------- */

static int irc_role(const char *key, unsigned *num);

/* The words and IRC role of every item, found once. */
static void prepare(struct items *is)
{
	size_t i;

	for (i = 0; i < is->n; i++) {
		struct item *it = &is->it[i];
		words_of(it->key, &it->kw);
		words_of(it->section, &it->sw);
		it->role = irc_role(it->key, &it->num);
	}
}

enum irc_role {
	R_NONE, R_SERVER, R_PORT, R_CHANNEL, R_CHANKEY, R_SERVERPASS,
	R_PASSWORD, R_BOTID, R_NICK, R_PATH, R_MASK, R_VERSION
};

/* The role of KEY and the number after it (server2: 2). */
static int irc_role(const char *key, unsigned *num)
{
	static const struct {
		const char *name;
		enum irc_role role;
	} roles[] = {
		{ "server", R_SERVER }, { "servers", R_SERVER },
		{ "ircserver", R_SERVER }, { "irchost", R_SERVER },
		{ "ircserv", R_SERVER }, { "ircnetwork", R_SERVER },
		{ "port", R_PORT }, { "ircport", R_PORT }, { "serverport", R_PORT },
		{ "channel", R_CHANNEL }, { "channels", R_CHANNEL },
		{ "chan", R_CHANNEL }, { "ircchannel", R_CHANNEL },
		{ "ircchan", R_CHANNEL },
		{ "chanpass", R_CHANKEY }, { "chankey", R_CHANKEY },
		{ "channelkey", R_CHANKEY }, { "channelpass", R_CHANKEY },
		{ "channelpassword", R_CHANKEY },
		{ "serverpass", R_SERVERPASS }, { "serverpassword", R_SERVERPASS },
		{ "ircpass", R_SERVERPASS }, { "ircpassword", R_SERVERPASS },
		{ "password", R_PASSWORD }, { "botpass", R_PASSWORD },
		{ "botpassword", R_PASSWORD }, { "masterpassword", R_PASSWORD },
		{ "botid", R_BOTID }, { "botname", R_BOTID },
		{ "nick", R_NICK }, { "nickname", R_NICK }, { "nickconst", R_NICK },
		{ "filename", R_PATH }, { "exename", R_PATH },
		{ "keylogfile", R_PATH }, { "szlocalpayloadfile", R_PATH },
		{ "payloadfile", R_PATH }, { "installname", R_PATH },
		{ "authost", R_MASK }, { "authhost", R_MASK }, { "hostmask", R_MASK },
		{ "hostmasks", R_MASK }, { "masters", R_MASK },
		{ "version", R_VERSION },
	};
	char norm[KEY_MAX + 1];
	size_t i, n = 0, k;

	for (i = 0; key[i] && n < KEY_MAX; i++)
		if (key[i] != '_' && key[i] != '-')
			norm[n++] = (char)tolower((unsigned char)key[i]);
	norm[n] = '\0';
	*num = 0;
	for (k = n; k > 0 && isdigit((unsigned char)norm[k - 1]); k--)
		;
	if (k < n && n - k <= 3) {
		/* at most three digits: no overflow to check */
		for (i = k; i < n; i++)
			*num = *num * 10 + (unsigned)(norm[i] - '0');
		norm[k] = '\0';
	}
	for (i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(norm, roles[i].name) == 0)
			return roles[i].role;
	return R_NONE;
}

static int channel_name(const char *v, size_t vl)
{
	return vl >= 2 && (v[0] == '#' || v[0] == '&');
}

/* A first look at the head, before it is read as items (which costs a
 * hundred times more): text, with no NUL in its first 4 KiB, holding a
 * word that may make a claim: for IRC chan, channel(s), chanpass, chankey
 * or a word starting ircchan, and server(s) or a word starting irc (a
 * number after them dropped); otherwise one of the C&C words, or a word
 * starting with c2, cnc, panel, gate, botnet, beacon, callback or
 * controller (c2server, CncHost), or sleep, jitter, mutex, campaign,
 * botid, rc4, xor, aes, encryption. */
static int starts(const char *w, size_t wl, const char *p)
{
	size_t n = strlen(p);

	return wl >= n && memcmp(w, p, n) == 0;
}

static int is_word(const char *w, size_t wl, const char *p)
{
	return wl == strlen(p) && memcmp(w, p, wl) == 0;
}

/* Whether the lower-case word W[0..WL) may make a generic claim. */
static int trigger(const char *w, size_t wl)
{
	switch (w[0]) {
	case 'a':
		return is_word(w, wl, "aes");
	case 'b':
		return is_word(w, wl, "bot") || is_word(w, wl, "botid") ||
		       starts(w, wl, "botnet") || starts(w, wl, "beacon");
	case 'c':
		return is_word(w, wl, "cc") || is_word(w, wl, "campaign") ||
		       starts(w, wl, "c2") || starts(w, wl, "cnc") ||
		       starts(w, wl, "callback") || starts(w, wl, "controller");
	case 'e':
		return is_word(w, wl, "encryption");
	case 'g':
		return starts(w, wl, "gate");
	case 'j':
		return is_word(w, wl, "jitter");
	case 'm':
		return is_word(w, wl, "mutex");
	case 'p':
		return starts(w, wl, "panel");
	case 'r':
		return is_word(w, wl, "rc4");
	case 's':
		return is_word(w, wl, "sleep");
	case 'x':
		return is_word(w, wl, "xor");
	default:
		return 0;
	}
}

/* Each byte folded to a lower-case letter or digit; 0 for the others. */
static const unsigned char fold[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 0, 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
	'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static int worth_reading(const struct cust_x_input *in, int irc)
{
	size_t n = in->head_len < IDENTIFY_SPAN ? in->head_len : IDENTIFY_SPAN;
	const unsigned char *h = in->head;
	size_t i = 0;
	int chan = 0, serv = 0;

	if (memchr(h, 0, n < 4096 ? n : 4096))
		return 0;
	while (i < n) {
		char w[16];
		size_t wl = 0;
		while (i < n && !fold[h[i]])
			i++;
		while (i < n && fold[h[i]]) {
			if (wl < sizeof w)
				w[wl++] = (char)fold[h[i]];
			i++;
		}
		if (wl < 2)
			continue;
		if (!irc) {
			if (trigger(w, wl))
				return 1;
			continue;
		}
		while (wl > 2 && w[wl - 1] >= '0' && w[wl - 1] <= '9')
			wl--; /* channel2 is channel */
		chan |= is_word(w, wl, "chan") || is_word(w, wl, "channel") ||
		        is_word(w, wl, "channels") || is_word(w, wl, "chanpass") ||
		        is_word(w, wl, "chankey") || starts(w, wl, "ircchan");
		serv |= is_word(w, wl, "server") || is_word(w, wl, "servers") ||
		        starts(w, wl, "irc");
		if (chan && serv)
			return 1;
	}
	return 0;
}

/* The items of the head of IN, as far as identify reads. */
static void head_items(const struct cust_x_input *in, struct items *is)
{
	size_t n = in->head_len < IDENTIFY_SPAN ? in->head_len : IDENTIFY_SPAN;

	read_items(is, (const char *)in->head, n, NULL);
	prepare(is);
}

static int irc_claims(const struct items *is)
{
	int server = 0, channel = 0;
	size_t i;
	struct endpoint e[PARTS_MAX];

	for (i = 0; i < is->n; i++) {
		const struct item *it = &is->it[i];
		int r = it->role;
		if (it->binary)
			continue;
		if (r == R_SERVER && endpoints_of(it->v, it->vl, 1, e, PARTS_MAX))
			server = 1;
		if (r == R_CHANNEL && channel_name(it->v, it->vl))
			channel = 1;
	}
	return server && channel;
}

static int irc_identify(const struct cust_x_input *in)
{
	struct items is;
	int yes;

	if (in->rule && strcmp(in->rule, "irc-bot-config") == 0)
		return 1;
	if (!worth_reading(in, 1))
		return 0;
	memset(&is, 0, sizeof is);
	head_items(in, &is);
	yes = irc_claims(&is);
	items_release(&is);
	return yes;
}

/* The port of server NUM in GROUP: port NUM of the group, else port NUM
 * anywhere; 0 when none. */
static long irc_port(const struct items *is, unsigned num, unsigned group)
{
	long any = 0;
	size_t i;

	for (i = 0; i < is->n; i++) {
		const struct item *it = &is->it[i];
		long p;
		if (it->role != R_PORT || it->num != num)
			continue;
		if ((p = port_num(it->v, it->vl)) < 0)
			continue;
		if (it->group == group)
			return p;
		if (!any)
			any = p;
	}
	return any;
}

static const struct item *irc_find(const struct items *is, int role,
                                   unsigned num, unsigned group)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		if (is->it[i].role == role && is->it[i].num == num &&
		    is->it[i].group == group && !is->it[i].binary &&
		    is->it[i].vl > 0)
			return &is->it[i];
	return NULL;
}

/* The items of the whole content of IN (at most CUST_X_WHOLE_MAX bytes)
 * into IS, what was cut or binary noted on REC; *DATA receives the
 * content the items point into, freed by the caller after IS. */
static int read_all_items(const struct cust_x_input *in, json_t *rec,
                          struct items *is, unsigned char **data,
                          struct cust_error *err)
{
	size_t len;
	int cut;

	memset(is, 0, sizeof *is);
	if (cust_x_slurp(in, CUST_X_WHOLE_MAX, data, &len, &cut, err) < 0)
		return -1;
	if (cut)
		cust_x_problem(rec, "only the first %zu bytes of %llu were read",
		               len, (unsigned long long)in->size);
	read_items(is, (const char *)*data, len, rec);
	prepare(is);
	binary_problem(rec, is);
	return 0;
}

/* What both parsers begin with: the record of FAMILY's EXTRACTOR, the set
 * of values seen, the items of the whole content (read_all_items). */
static int parse_begin(const struct cust_x_input *in, const char *family,
                       const char *extractor, json_t **rec, json_t **seen,
                       struct items *is, unsigned char **data,
                       struct cust_error *err)
{
	*rec = cust_x_record(family, extractor, "config");
	*seen = json_object();
	if (!*rec || !*seen) {
		json_decref(*rec);
		json_decref(*seen);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (read_all_items(in, *rec, is, data, err) < 0) {
		json_decref(*rec);
		json_decref(*seen);
		return -1;
	}
	return 0;
}

static int irc_parse(const struct cust_x_input *in, const json_t *known,
                     struct cust_x_output *out, struct cust_error *err)
{
	struct items is;
	unsigned char *data;
	size_t i;
	json_t *rec, *seen;
	size_t learned = json_array_size(out->learned);

	(void)known;
	if (parse_begin(in, "irc-bot", "irc-bot-config", &rec, &seen, &is, &data,
	                err) < 0)
		return -1;
	for (i = 0; i < is.n; i++) {
		const struct item *it = &is.it[i];
		struct endpoint e[PARTS_MAX];
		const struct item *x;
		unsigned num = it->num;
		size_t k, ne;
		long port;

		if (it->binary || it->vl == 0)
			continue;
		switch (it->role) {
		case R_SERVER:
			ne = endpoints_of(it->v, it->vl, 1, e, PARTS_MAX);
			for (k = 0; k < ne; k++) {
				port = e[k].port ? e[k].port
				                 : irc_port(&is, num, it->group);
				c2_once(rec, seen, &e[k], port, "irc", "c2");
				if (k == 0 &&
				    (x = irc_find(&is, R_SERVERPASS, num, it->group))) {
					json_t *c = json_pack("{s:s, s:o}", "service", "irc",
					                      "host",
					                      cust_x_string(e[k].host,
					                                    e[k].host_len));
					if (c && port > 0)
						json_object_set_new(c, "port", json_integer(port));
					if (c)
						json_object_set_new(c, "password",
						                    cust_x_string(x->v, x->vl));
					cust_x_push(rec, NULL, "credentials", c);
				}
			}
			break;
		case R_CHANNEL: {
			json_t *ch = json_pack("{s:o}", "name",
			                       cust_x_string(it->v, it->vl));
			if ((x = irc_find(&is, R_CHANKEY, num, it->group))) {
				if (ch)
					json_object_set_new(ch, "key",
					                    cust_x_string(x->v, x->vl));
				cust_x_key(rec, "password", "irc-channel", x->v, x->vl, 0);
			}
			cust_x_push(other(rec), NULL, "channels", ch);
			break;
		}
		case R_PASSWORD:
			cust_x_key(rec, "password", "bot-command", it->v, it->vl, 0);
			break;
		case R_BOTID:
			other_set(rec, "bot_id", it->v, it->vl);
			break;
		case R_NICK:
			other_set(rec, "nick", it->v, it->vl);
			break;
		case R_PATH:
			cust_x_push(rec, NULL, "paths", cust_x_string(it->v, it->vl));
			break;
		case R_MASK:
			cust_x_push(other(rec), NULL, "host_masks",
			            cust_x_string(it->v, it->vl));
			break;
		case R_VERSION:
			cust_x_set(rec, "version", it->v, it->vl);
			break;
		case R_PORT:
		case R_CHANKEY:
		case R_SERVERPASS:
			break;
		case R_NONE:
			if (!isdigit((unsigned char)it->v[0]) &&
			    strcmp(it->v, "TRUE") != 0 && strcmp(it->v, "FALSE") != 0)
				other_set(rec, it->key, it->v, it->vl);
			break;
		}
	}
	items_release(&is);
	json_decref(seen);
	free(data);
	return finish(rec, out, learned);
}

/* ---- generic C&C configurations ----------------------------------------- */

static int generic_claims(const struct items *is)
{
	int cc = 0, endpoint = 0, botish = 0;
	struct endpoint e[PARTS_MAX];
	size_t i;

	for (i = 0; i < is->n; i++) {
		const struct item *it = &is->it[i];
		const struct words *kw = &it->kw;
		int ep;
		ep = !it->binary &&
		     (any(kw, endpoint_words) || any(kw, cc_words)) &&
		     endpoints_of(it->v, it->vl, 0, e, PARTS_MAX) > 0;
		if (ep && (any(kw, cc_words) || any(&it->sw, cc_words)))
			cc = 1;
		endpoint |= ep;
		if (has_word(kw, "sleep") || has_word(kw, "jitter") ||
		    has_word(kw, "beacon") || has_word(kw, "mutex") ||
		    has_word(kw, "campaign") || has_word(kw, "botid") ||
		    ((has_word(kw, "bot") || has_word(kw, "botnet")) &&
		     has_word(kw, "id")) ||
		    ((has_word(kw, "rc4") || has_word(kw, "xor") ||
		      has_word(kw, "aes") || has_word(kw, "encryption")) &&
		     any(kw, key_words)))
			botish = 1;
	}
	return cc || (endpoint && botish);
}

static int generic_identify(const struct cust_x_input *in)
{
	struct items is;
	int yes;

	if (in->rule && strcmp(in->rule, "generic-c2-config") == 0)
		return 1;
	if (!worth_reading(in, 0))
		return 0;
	memset(&is, 0, sizeof is);
	head_items(in, &is);
	yes = !irc_claims(&is) && generic_claims(&is);
	items_release(&is);
	return yes;
}

static const char *usage_of(const struct words *kw, const struct words *sw)
{
	static const struct {
		const char *word, *usage;
	} map[] = {
		{ "proxy", "proxy" },       { "panel", "panel" },
		{ "admin", "panel" },       { "gate", "report" },
		{ "report", "report" },     { "submit", "report" },
		{ "update", "download" },   { "download", "download" },
		{ "payload", "download" },  { "loader", "loader" },
		{ "config", "config" },     { "cfg", "config" },
		{ "smtp", "smtp" },         { "relay", "smtp" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (has_word(kw, map[i].word))
			return map[i].usage;
	/* a section named config or cfg says nothing of what it holds */
	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i].usage, "config") != 0 &&
		    has_word(sw, map[i].word))
			return map[i].usage;
	return "c2";
}

/* The key's words without its endpoint and port words: what pairs a host
 * with its port (backup_server, backup_port). */
static void stem(const struct words *kw, char *out, size_t max)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < kw->n; i++) {
		size_t l = strlen(kw->w[i]);
		if (in(kw->w[i], endpoint_words) || strcmp(kw->w[i], "port") == 0)
			continue;
		if (o + l + 2 > max)
			break;
		memcpy(out + o, kw->w[i], l);
		o += l;
		out[o++] = '.';
		out[o] = '\0';
	}
}

/* The port of a host given by IT: the port key of its group with the same
 * stem, else the group's only port key; 0 when none. */
static long generic_port(const struct items *is, const struct item *host)
{
	char hs[128], ps[128];
	size_t i, ports = 0;
	long only = 0;

	stem(&host->kw, hs, sizeof hs);
	for (i = 0; i < is->n; i++) {
		const struct item *it = &is->it[i];
		long p;
		if (it->group != host->group)
			continue;
		if (!has_word(&it->kw, "port") || (p = port_num(it->v, it->vl)) < 0)
			continue;
		stem(&it->kw, ps, sizeof ps);
		if (strcmp(hs, ps) == 0)
			return p;
		ports++;
		only = p;
	}
	return ports == 1 ? only : 0;
}

/* An interval written with its unit, in seconds; -1 when the unit is not
 * written. */
static long long seconds(const struct words *kw, const char *v, size_t vl)
{
	long long n = 0;
	size_t i = 0;
	const char *u;
	size_t ul;

	while (i < vl && isdigit((unsigned char)v[i]) && i < 12)
		n = n * 10 + (v[i++] - '0');
	if (i == 0)
		return -1;
	u = v + i;
	ul = vl - i;
	trim(&u, &ul);
	if (ul == 0) {
		if (has_word(kw, "ms"))
			return n / 1000;
		if (has_word(kw, "sec") || has_word(kw, "second") ||
		    has_word(kw, "seconds"))
			return n;
		if (has_word(kw, "min") || has_word(kw, "minute") ||
		    has_word(kw, "minutes"))
			return n * 60;
		return -1;
	}
	if (ul == 2 && strncasecmp(u, "ms", 2) == 0)
		return n / 1000;
	if (ul == 1 && (*u == 's' || *u == 'S'))
		return n;
	if (ul == 1 && (*u == 'm' || *u == 'M'))
		return n * 60;
	if (ul == 1 && (*u == 'h' || *u == 'H'))
		return n * 3600;
	return -1;
}

static const char *algorithm_of(const struct words *kw)
{
	static const char *const algs[] = { "rc4", "aes", "xor", "rsa", "des",
	                                    "blowfish", NULL };
	size_t i;

	for (i = 0; algs[i]; i++)
		if (has_word(kw, algs[i]))
			return algs[i];
	return "unknown";
}

/* The value of the first item of GROUP whose words hold one of LIST. */
static const struct item *group_item(const struct items *is, unsigned group,
                                     const char *const *list)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		if (is->it[i].group == group && !is->it[i].binary &&
		    any(&is->it[i].kw, list))
			return &is->it[i];
	return NULL;
}

static void generic_item(json_t *rec, json_t *seen, struct cust_x_output *out,
                         const struct items *is, const struct item *it)
{
	static const char *const user_words[] = { "user", "username", "login",
	                                          NULL };
	static const char *const host_words[] = { "host", "server", "hostname",
	                                          "address", "ip", NULL };
	struct endpoint e[PARTS_MAX];
	const struct words *kw = &it->kw;
	size_t k, ne;
	long long secs;

	if ((any(kw, endpoint_words) || any(kw, cc_words)) &&
	    (ne = endpoints_of(it->v, it->vl, 0, e, PARTS_MAX)) > 0) {
		const char *usage = usage_of(kw, &it->sw);
		for (k = 0; k < ne; k++)
			c2_once(rec, seen, &e[k],
			        e[k].url ? 0 : e[k].port ? e[k].port
			                                 : generic_port(is, it),
			        NULL, usage);
		return;
	}
	if (has_word(kw, "port"))
		return; /* read with its host */
	if (any(kw, pass_words)) {
		const struct item *u = group_item(is, it->group, user_words);
		const struct item *h = group_item(is, it->group, host_words);
		json_t *c = json_pack("{s:s%}", "service",
		                      it->section[0] ? it->section : "c2",
		                      strlen(it->section[0] ? it->section : "c2"));
		if (c && u)
			json_object_set_new(c, "username", cust_x_string(u->v, u->vl));
		if (c && h)
			json_object_set_new(c, "host", cust_x_string(h->v, h->vl));
		if (c)
			json_object_set_new(c, "password", cust_x_string(it->v, it->vl));
		cust_x_push(rec, NULL, "credentials", c);
		return;
	}
	if (any(kw, key_words)) {
		const char *alg = algorithm_of(kw);
		cust_x_key(rec, alg, "c2", it->v, it->vl, 0);
		if (strcmp(alg, "unknown") != 0)
			cust_x_learn_key(out, alg, "c2", it->v, it->vl, 0);
		return;
	}
	if (any(kw, interval_words)) {
		if ((secs = seconds(kw, it->v, it->vl)) >= 0)
			cust_x_push(rec, NULL, "intervals",
			            json_pack("{s:s, s:I}", "name", it->key, "seconds",
			                      (json_int_t)secs));
		else
			other_set(rec, it->key, it->v, it->vl);
		return;
	}
	if (has_word(kw, "mutex")) {
		cust_x_push(rec, NULL, "mutexes", cust_x_string(it->v, it->vl));
		return;
	}
	if (has_word(kw, "botnet") && !json_object_get(rec, "botnet")) {
		cust_x_set(rec, "botnet", it->v, it->vl);
		return;
	}
	if (has_word(kw, "campaign") && !json_object_get(rec, "campaign")) {
		cust_x_set(rec, "campaign", it->v, it->vl);
		return;
	}
	if (any(kw, cc_words))
		other_set(rec, it->key, it->v, it->vl);
}

static int generic_parse(const struct cust_x_input *in, const json_t *known,
                         struct cust_x_output *out, struct cust_error *err)
{
	struct items is;
	unsigned char *data;
	size_t i;
	json_t *rec, *seen;
	size_t learned = json_array_size(out->learned);

	(void)known;
	if (parse_begin(in, "generic", "generic-c2-config", &rec, &seen, &is,
	                &data, err) < 0)
		return -1;
	for (i = 0; i < is.n; i++)
		if (!is.it[i].binary && is.it[i].vl > 0)
			generic_item(rec, seen, out, &is, &is.it[i]);
	items_release(&is);
	json_decref(seen);
	free(data);
	return finish(rec, out, learned);
}

const struct cust_extractor cust_x_irc_bot_config = {
	"irc-bot-config", "irc-bot",
	"IRC bot configurations (rxBot/SDBot configs.h, INI): servers and "
	"ports, channels and their keys, passwords, bot id, nick, host masks, "
	"file names",
	irc_identify, irc_parse
};

const struct cust_extractor cust_x_generic_c2_config = {
	"generic-c2-config", "generic",
	"C&C configuration files (INI, key=value, JSON, YAML, XML, C) whose "
	"keys name servers, URLs, ports, keys or intervals",
	generic_identify, generic_parse
};
