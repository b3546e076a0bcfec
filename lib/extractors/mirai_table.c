/*
 * mirai_table.c - Mirai's obfuscated string table (bot/table.c) and its
 * scanner's credential list (bot/scanner.c), in source or in any file
 * written the same way.
 *
 * table.c declares `uint32_t table_key = 0xdeadbeef;` and fills the table
 * with `add_entry(TABLE_CNC_DOMAIN, "\x41\x4C...", 30);`: every byte of
 * the string is XORed, when the bot unlocks it (toggle_obf), with the four
 * bytes of the key in turn, that is with one byte k1^k2^k3^k4 (0x22 for
 * 0xdeadbeef).  Strings end with an encoded NUL; the ports
 * (TABLE_CNC_PORT, TABLE_SCAN_CB_PORT) are two bytes in network order.
 * scanner.c adds the telnet credentials it tries,
 * `add_auth_entry("\x50\x4D\x4D\x56", "\x5A\x41\x11\x17\x13\x13", 10);`
 * (user, password, weight), each string XORed by deobf with the constants
 * written in its body (0xDE, 0xAD, 0xBE, 0xEF in the public source: 0x22
 * again).  Everything is read from the code, decoded, never from what the
 * comments say; commented-out calls are not calls.
 *
 * Which key decodes the table is checked, not assumed: a key is taken when
 * the strings it gives are text ending with their NUL.  The file's own key
 * comes first, then the xor keys the run knows (usage "string-table",
 * and the keys given by hand that are written as one: 0xdeadbeef),
 * then the strings as they stand (copies of the source whose unlock does
 * not XOR), and, when the file declares no key, Mirai's public default.
 * When none gives text the record is "wrong-key" (the file's key fails) or
 * "needs-key" (it declares none), and the file is tried again when the
 * knowledge grows.  The credentials are checked the same way against
 * deobf's constants, the public ones and the strings as they stand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extractors.h"

#define NAME "mirai-table"
#define FAMILY "mirai"
#define ENTRIES_MAX 1024u
#define CREDS_MAX 1024u
#define VALUE_MAX 65535u  /* a table value's length is a uint16_t */
#define CALL_TOKENS_MAX 64 /* tokens read looking for a call's ')' */
#define DEFAULT_KEY 0xdeadbeefu
#define SCANNER_XOR 0x22u /* 0xDE ^ 0xAD ^ 0xBE ^ 0xEF */

/* The head holds "table_key", "add_entry(TABLE_" or "add_auth_entry(":
 * two passes over it, one for each "_entry(" it holds. */
static int identify(const struct cust_x_input *in)
{
	const unsigned char *h = in->head, *end = h + in->head_len, *p;

	if (in->rule && strcmp(in->rule, NAME) == 0)
		return 1;
	if (memmem(h, in->head_len, "table_key", 9))
		return 1;
	for (p = h; (p = memmem(p, (size_t)(end - p), "_entry(", 7)); p += 7) {
		if (p - h >= 3 && memcmp(p - 3, "add", 3) == 0 &&
		    (size_t)(end - p) >= 13 && memcmp(p + 7, "TABLE_", 6) == 0)
			return 1;
		if (p - h >= 8 && memcmp(p - 8, "add_auth", 8) == 0)
			return 1;
	}
	return 0;
}

struct value {
	unsigned char *b;
	size_t len;
};

struct entry {
	char id[64];
	struct value v;
	unsigned long line;
};

struct cred {
	struct value user, pass;
	long weight; /* -1 when not a number */
	unsigned long line;
};

struct table {
	json_t *rec;
	struct cust_x_clex lx;
	struct cust_x_ctok back;
	int has_back;
	struct entry *e;
	size_t n, dropped;
	struct cred *c;
	size_t nc, dropped_c;
	int have_key;
	uint32_t key;
	int have_deobf;
	unsigned char deobf;
};

/* ---- reading the code --------------------------------------------------- */

static int next(struct table *tb, struct cust_x_ctok *t)
{
	if (tb->has_back) {
		*t = tb->back;
		tb->has_back = 0;
		return t->kind != CUST_X_CT_END;
	}
	if (!cust_x_clex_next(&tb->lx, t)) {
		if (t->open)
			cust_x_problem(tb->rec, "a comment is not closed at the end "
			               "of the content");
		t->open = 0;
		return 0;
	}
	return 1;
}

static void unread(struct table *tb, const struct cust_x_ctok *t)
{
	tb->back = *t;
	tb->has_back = 1;
}

static int punct(const struct cust_x_ctok *t, char ch)
{
	return t->kind == CUST_X_CT_PUNCT && t->s[0] == ch;
}

static int ident(const struct cust_x_ctok *t, const char *name)
{
	return t->kind == CUST_X_CT_IDENT && t->len == strlen(name) &&
	       memcmp(t->s, name, t->len) == 0;
}

/* Adjacent string literals at the reader, decoded into *V (VALUE_MAX bytes
 * at most); 0 when the next token is no string (it is left unread).  WHAT
 * and LINE name the call in the problems noted. */
static int strings(struct table *tb, struct value *v, const char *what,
                   unsigned long line)
{
	struct cust_x_ctok t;
	int got = 0, cut = 0;

	v->b = NULL;
	v->len = 0;
	while (next(tb, &t)) {
		unsigned char *tmp, *grown;
		unsigned bad = 0;
		const char *why = NULL;
		size_t n, room;

		if (t.kind != CUST_X_CT_STRING) {
			unread(tb, &t);
			break;
		}
		got = 1;
		tmp = malloc(t.len + 1);
		if (!tmp)
			break;
		n = cust_x_c_unescape(t.s, t.len, tmp, &bad, &why);
		if (bad)
			cust_x_problem(tb->rec, "%s at line %lu: %s, which C refuses "
			               "(%u such escape%s)", what, line, why, bad,
			               bad == 1 ? "" : "s");
		if (t.open)
			cust_x_problem(tb->rec, "%s at line %lu: its string is not "
			               "closed", what, line);
		room = VALUE_MAX - v->len;
		if (n > room) {
			n = room;
			cut = 1;
		}
		grown = realloc(v->b, v->len + n + 1);
		if (!grown) {
			free(tmp);
			break;
		}
		v->b = grown;
		memcpy(v->b + v->len, tmp, n);
		v->len += n;
		free(tmp);
		if (t.open)
			break;
	}
	if (cut)
		cust_x_problem(tb->rec, "%s at line %lu: a string longer than a "
		               "table value (%u bytes) is cut there", what, line,
		               VALUE_MAX);
	if (!got) {
		free(v->b);
		v->b = NULL;
	}
	return got;
}

/* After a call's last argument: the tokens up to ')'.  The first of them,
 * when it is a number, in *NUMBER (else -1); 0 when there is no ')'. */
static int close_call(struct table *tb, long *number)
{
	struct cust_x_ctok t;
	int depth = 0, i;
	uint64_t v;

	*number = -1;
	for (i = 0; i < CALL_TOKENS_MAX && next(tb, &t); i++) {
		if (i == 1 && t.kind == CUST_X_CT_NUMBER &&
		    cust_x_c_number(t.s, t.len, &v) == 0 && v <= 0x7fffffff)
			*number = (long)v;
		if (punct(&t, '('))
			depth++;
		else if (punct(&t, ')') && depth-- == 0)
			return 1;
		else if (punct(&t, ';') || (i > 0 && t.kind == CUST_X_CT_IDENT &&
		                            (ident(&t, "add_entry") ||
		                             ident(&t, "add_auth_entry")))) {
			unread(tb, &t);
			return 0;
		}
	}
	return 0;
}

/* add_entry(ID, "...", LEN) */
static void add_entry(struct table *tb, unsigned long line)
{
	struct cust_x_ctok t, id;
	struct value v;
	long stated;
	struct entry *e;

	if (!next(tb, &t) || !punct(&t, '(')) {
		unread(tb, &t);
		return;
	}
	if (!next(tb, &id) ||
	    (id.kind != CUST_X_CT_IDENT && id.kind != CUST_X_CT_NUMBER)) {
		unread(tb, &id);
		return;
	}
	if (!next(tb, &t) || !punct(&t, ',')) {
		unread(tb, &t);
		return; /* a declaration: add_entry(uint8_t id, ...) */
	}
	if (!strings(tb, &v, "add_entry", line))
		return;
	if (!close_call(tb, &stated))
		cust_x_problem(tb->rec, "add_entry at line %lu is not closed",
		               line);
	if (tb->n >= ENTRIES_MAX) {
		if (tb->dropped++ == 0)
			cust_x_problem(tb->rec, "more than %u entries: those from "
			               "line %lu on are left out", ENTRIES_MAX, line);
		free(v.b);
		return;
	}
	e = &tb->e[tb->n++];
	snprintf(e->id, sizeof e->id, "%.*s",
	         (int)(id.len < sizeof e->id ? id.len : sizeof e->id - 1),
	         id.s);
	e->v = v;
	e->line = line;
}

/* add_auth_entry("user", "password", WEIGHT) */
static void add_auth_entry(struct table *tb, unsigned long line)
{
	struct cust_x_ctok t;
	struct cred c = { { NULL, 0 }, { NULL, 0 }, -1, line };

	if (!next(tb, &t) || !punct(&t, '(')) {
		unread(tb, &t);
		return;
	}
	if (!strings(tb, &c.user, "add_auth_entry", line))
		return;
	if (!next(tb, &t) || !punct(&t, ',') ||
	    !strings(tb, &c.pass, "add_auth_entry", line)) {
		if (t.kind != CUST_X_CT_END)
			unread(tb, &t);
		cust_x_problem(tb->rec, "add_auth_entry at line %lu has no "
		               "password string", line);
		free(c.user.b);
		return;
	}
	if (!close_call(tb, &c.weight))
		cust_x_problem(tb->rec, "add_auth_entry at line %lu is not "
		               "closed", line);
	if (tb->nc >= CREDS_MAX) {
		if (tb->dropped_c++ == 0)
			cust_x_problem(tb->rec, "more than %u credentials: those from "
			               "line %lu on are left out", CREDS_MAX, line);
		free(c.user.b);
		free(c.pass.b);
		return;
	}
	tb->c[tb->nc++] = c;
}

/* table_key = NUMBER */
static void table_key(struct table *tb, unsigned long line)
{
	struct cust_x_ctok t;
	uint64_t v;

	if (!next(tb, &t) || !punct(&t, '=')) {
		unread(tb, &t);
		return;
	}
	if (!next(tb, &t) || t.kind != CUST_X_CT_NUMBER ||
	    cust_x_c_number(t.s, t.len, &v) < 0) {
		unread(tb, &t);
		cust_x_problem(tb->rec, "table_key at line %lu is not a number",
		               line);
		return;
	}
	if (v > 0xffffffffu) {
		cust_x_problem(tb->rec, "table_key at line %lu is wider than 32 "
		               "bits: its low 32 bits taken", line);
		v &= 0xffffffffu;
	}
	if (tb->have_key && tb->key != (uint32_t)v) {
		cust_x_problem(tb->rec, "table_key is given again at line %lu "
		               "(0x%08x): the first, 0x%08x, is taken", line,
		               (unsigned)v, tb->key);
		return;
	}
	tb->have_key = 1;
	tb->key = (uint32_t)v;
}

/* deobf(...) { ... ^= CONSTANT; ... }: the constants XORed together. */
static void deobf(struct table *tb)
{
	struct cust_x_ctok t, prev1 = { 0 }, prev2 = { 0 };
	int depth = 0, found = 0;
	unsigned char k = 0;
	uint64_t v;

	if (!next(tb, &t) || !punct(&t, '(')) {
		unread(tb, &t);
		return;
	}
	while (next(tb, &t) && !punct(&t, ')'))
		if (punct(&t, '{') || punct(&t, ';')) {
			unread(tb, &t);
			return;
		}
	if (!next(tb, &t) || !punct(&t, '{')) {
		unread(tb, &t);
		return; /* a call or a declaration, not the definition */
	}
	while (next(tb, &t)) {
		if (punct(&t, '{'))
			depth++;
		else if (punct(&t, '}') && depth-- == 0)
			break;
		if (t.kind == CUST_X_CT_NUMBER && punct(&prev1, '=') &&
		    punct(&prev2, '^') && cust_x_c_number(t.s, t.len, &v) == 0) {
			k ^= (unsigned char)(v & 0xff);
			found = 1;
		}
		prev2 = prev1;
		prev1 = t;
	}
	if (found && !tb->have_deobf) {
		tb->have_deobf = 1;
		tb->deobf = k;
	}
}

static void scan(struct table *tb)
{
	struct cust_x_ctok t;

	while (next(tb, &t)) {
		if (t.kind != CUST_X_CT_IDENT)
			continue;
		if (ident(&t, "add_entry"))
			add_entry(tb, t.line);
		else if (ident(&t, "add_auth_entry"))
			add_auth_entry(tb, t.line);
		else if (ident(&t, "table_key"))
			table_key(tb, t.line);
		else if (ident(&t, "deobf"))
			deobf(tb);
	}
}

/* ---- which key ---------------------------------------------------------- */

static int printable(unsigned char ch)
{
	return (ch >= 0x20 && ch < 0x7f) || ch == '\t' || ch == '\n' ||
	       ch == '\r';
}

/* How well V XORed with K reads as a table string: 2 for text ending with
 * its NUL, 1 for text without one, 0 otherwise. */
static int text_score(const struct value *v, unsigned char k)
{
	size_t i;

	for (i = 0; i < v->len; i++) {
		unsigned char ch = v->b[i] ^ k;
		if (ch == 0)
			return i > 0 && i == v->len - 1 ? 2 : 0;
		if (!printable(ch))
			return 0;
	}
	return v->len > 0 ? 1 : 0;
}

static int is_port(const struct entry *e)
{
	size_t n = strlen(e->id);

	return n >= 5 && strcmp(e->id + n - 5, "_PORT") == 0;
}

struct key {
	unsigned char b[4];
	size_t n;           /* 4, or 1 for a key known as one byte */
	const char *source; /* "file", "known", "none", "default" */
	const char *value;  /* a known key's value, as known */
};

static unsigned char key_byte(const struct key *k)
{
	unsigned char x = 0;
	size_t i;

	for (i = 0; i < k->n; i++)
		x ^= k->b[i];
	return x;
}

static struct key key_of(uint32_t v, const char *source)
{
	struct key k = { { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
	                   (unsigned char)(v >> 8), (unsigned char)v },
	                 4, source, NULL };
	return k;
}

/* A known xor key of 4 or 1 bytes written in hex, into *K. */
static int known_key(const json_t *item, struct key *k)
{
	const char *kind = json_string_value(json_object_get(item, "kind"));
	const char *alg = json_string_value(json_object_get(item, "algorithm"));
	const char *val = json_string_value(json_object_get(item, "value"));
	const char *enc = json_string_value(json_object_get(item, "encoding"));
	const char *usage = json_string_value(json_object_get(item, "usage"));
	const char *digits;
	size_t len, i;

	if (!kind || strcmp(kind, "key") != 0 || !alg || !val || !enc)
		return 0;
	/* a key given by hand (--key-hint) is tried as a table key when it is
	 * written as one: 0xdeadbeef, deadbeef or one byte */
	digits = val;
	if (usage && strcmp(usage, "hint") == 0) {
		if (val[0] == '0' && (val[1] == 'x' || val[1] == 'X'))
			digits += 2;
	} else if (strcmp(alg, "xor") != 0 || strcmp(enc, "hex") != 0) {
		return 0;
	}
	len = strlen(digits);
	if (len != 8 && len != 2)
		return 0;
	for (i = 0; i < len; i += 2) {
		unsigned hi, lo;
		char pair[3] = { digits[i], digits[i + 1], 0 };
		if (sscanf(pair, "%1x%1x", &hi, &lo) != 2)
			return 0;
		k->b[i / 2] = (unsigned char)(hi * 16 + lo);
	}
	k->n = len / 2;
	k->source = "known";
	k->value = val;
	return 1;
}

#define CANDIDATES_MAX 64

/* The candidates for the table, in the order they are preferred. */
static size_t candidates(const struct table *tb, const json_t *known,
                         struct key *out)
{
	size_t n = 0, i;

	if (tb->have_key)
		out[n++] = key_of(tb->key, "file");
	for (i = 0; i < json_array_size(known) && n < CANDIDATES_MAX - 2; i++)
		if (known_key(json_array_get(known, i), &out[n]))
			n++;
	out[n].n = 0;
	out[n].source = "none";
	out[n++].value = NULL;
	if (!tb->have_key)
		out[n++] = key_of(DEFAULT_KEY, "default");
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

/* V XORed with K, up to its first NUL, as a JSON string. */
static json_t *decoded(const struct value *v, unsigned char k)
{
	unsigned char *d = malloc(v->len + 1);
	size_t i;
	json_t *j;

	if (!d)
		return NULL;
	for (i = 0; i < v->len; i++) {
		d[i] = v->b[i] ^ k;
		if (d[i] == 0)
			break;
	}
	j = cust_x_string((const char *)d, i);
	free(d);
	return j;
}

/* The endpoints of one usage: every host with its port. */
static void endpoints(struct table *tb, const char *host_id,
                      const char *port_id, const char *usage, unsigned char k)
{
	long ports[ENTRIES_MAX];
	size_t np = 0, nh = 0, i;

	for (i = 0; i < tb->n; i++) {
		const struct entry *e = &tb->e[i];
		unsigned char b0, b1;
		if (strcmp(e->id, port_id) != 0)
			continue;
		if (e->v.len != 2)
			cust_x_problem(tb->rec, "%s at line %lu holds %zu bytes, not "
			               "2", e->id, e->line, e->v.len);
		if (e->v.len < 2)
			continue;
		b0 = e->v.b[0] ^ k;
		b1 = e->v.b[1] ^ k;
		ports[np++] = (long)b0 << 8 | b1;
	}
	for (i = 0; i < tb->n; i++) {
		const struct entry *e = &tb->e[i];
		json_t *host;
		long port;
		if (strcmp(e->id, host_id) != 0)
			continue;
		host = decoded(&e->v, k);
		if (!host)
			continue;
		port = np == 1 ? ports[0] : nh < np ? ports[nh] : 0;
		if (json_string_length(host) == 0)
			cust_x_problem(tb->rec, "%s at line %lu is empty", e->id,
			               e->line);
		else
			cust_x_c2_host(tb->rec, json_string_value(host),
			               json_string_length(host), port, "tcp", usage);
		json_decref(host);
		nh++;
	}
	if (nh > 1)
		cust_x_problem(tb->rec, "%s is given %zu times (in branches of "
		               "#if, perhaps): every value is reported", host_id, nh);
	if (nh == 0 && np > 0) /* a port without its host */
		json_object_set_new(other(tb->rec), port_id,
		                    json_integer(ports[np - 1]));
}

static int one_of(const char *id, const char *const *ids)
{
	for (; *ids; ids++)
		if (strcmp(id, *ids) == 0)
			return 1;
	return 0;
}

static void table_record(struct table *tb, const json_t *known,
                         struct cust_x_output *out)
{
	static const char *const c2_ids[] = {
		"TABLE_CNC_DOMAIN", "TABLE_CNC_PORT", "TABLE_SCAN_CB_DOMAIN",
		"TABLE_SCAN_CB_PORT", NULL
	};
	struct key cand[CANDIDATES_MAX];
	size_t nc = candidates(tb, known, cand), i, j, scorable = 0;
	long best = -1, best_score = -1;
	unsigned char k;
	char hex[3];
	json_t *strs;

	for (i = 0; i < tb->n; i++)
		if (!is_port(&tb->e[i]))
			scorable++;
	for (j = 0; j < nc; j++) {
		long score = 0;
		for (i = 0; i < tb->n; i++)
			if (!is_port(&tb->e[i]))
				score += text_score(&tb->e[i].v, key_byte(&cand[j]));
		if (score > best_score) {
			best_score = score;
			best = (long)j;
		}
	}
	if (scorable == 0) {
		best = 0; /* nothing to check a key on: the first is taken */
		cust_x_problem(tb->rec, "the table holds no string to check its "
		               "key on: the %s key is taken unchecked",
		               cand[0].source);
	} else if (best_score < (long)scorable) {
		if (tb->have_key)
			cust_x_problem(tb->rec, "the table's key 0x%08x does not "
			               "decode its strings, nor does any key known",
			               tb->key);
		else
			cust_x_problem(tb->rec, "the file declares no table_key, "
			               "and no key known decodes its strings");
		json_object_set_new(tb->rec, "status",
		                    json_string(tb->have_key ? "wrong-key"
		                                             : "needs-key"));
		out->needs_knowledge = 1;
		return;
	}
	k = key_byte(&cand[best]);
	json_object_set_new(other(tb->rec), "obfuscation",
	                    json_string(cand[best].n ? "xor" : "none"));
	if (cand[best].n) {
		snprintf(hex, sizeof hex, "%02x", k);
		json_object_set_new(other(tb->rec), "xor_byte", json_string(hex));
		json_object_set_new(other(tb->rec), "key_source",
		                    json_string(cand[best].source));
		cust_x_key(tb->rec, "xor", "string-table", cand[best].b,
		           cand[best].n, 1);
		if (strcmp(cand[best].source, "file") == 0)
			cust_x_learn_key(out, "xor", "string-table", cand[best].b,
			                 cand[best].n, 1);
		else if (strcmp(cand[best].source, "known") == 0)
			json_object_set_new(tb->rec, "key_used",
			                    json_pack("{s:s, s:s, s:s}", "algorithm",
			                              "xor", "value", cand[best].value,
			                              "encoding", "hex"));
	}
	endpoints(tb, "TABLE_CNC_DOMAIN", "TABLE_CNC_PORT", "c2", k);
	endpoints(tb, "TABLE_SCAN_CB_DOMAIN", "TABLE_SCAN_CB_PORT", "report", k);
	strs = json_object();
	for (i = 0; i < tb->n && strs; i++) {
		const struct entry *e = &tb->e[i];
		if (one_of(e->id, c2_ids))
			continue;
		if (json_object_get(strs, e->id))
			cust_x_problem(tb->rec, "%s is given again at line %lu: the "
			               "later value is kept", e->id, e->line);
		json_object_set_new(strs, e->id, decoded(&e->v, k));
	}
	if (json_object_size(strs))
		json_object_set_new(other(tb->rec), "strings", strs);
	else
		json_decref(strs);
}

static void creds_record(struct table *tb)
{
	unsigned char cand[3];
	size_t n = 0, i, j, best = 0, best_score = 0;
	json_t *rec = tb->rec;

	if (tb->have_deobf)
		cand[n++] = tb->deobf;
	cand[n++] = SCANNER_XOR;
	cand[n++] = 0;
	for (j = 0; j < n; j++) {
		size_t score = 0;
		for (i = 0; i < tb->nc; i++)
			if (text_score(&tb->c[i].user, cand[j]) == 1 &&
			    (tb->c[i].pass.len == 0 ||
			     text_score(&tb->c[i].pass, cand[j]) == 1))
				score++;
		if (score > best_score) {
			best_score = score;
			best = j;
		}
	}
	if (best_score * 2 < tb->nc) {
		cust_x_problem(rec, "the scanner's credentials do not decode with "
		               "its deobf constants, Mirai's or none: left out");
		return;
	}
	if (!tb->have_deobf && cand[best] != 0)
		cust_x_problem(rec, "the scanner's credentials were decoded with "
		               "the public deobf constants (0x22): the file holds "
		               "no deobf");
	for (i = 0; i < tb->nc; i++) {
		const struct cred *c = &tb->c[i];
		json_t *e = json_pack("{s:o, s:o}", "username",
		                      decoded(&c->user, cand[best]), "password",
		                      decoded(&c->pass, cand[best]));
		if (e && c->weight >= 0)
			json_object_set_new(e, "weight", json_integer(c->weight));
		cust_x_push(rec, "targets", "default_credentials", e);
	}
}

static void release(struct table *tb)
{
	size_t i;

	for (i = 0; i < tb->n; i++)
		free(tb->e[i].v.b);
	for (i = 0; i < tb->nc; i++) {
		free(tb->c[i].user.b);
		free(tb->c[i].pass.b);
	}
	free(tb->e);
	free(tb->c);
}

static int parse(const struct cust_x_input *in, const json_t *known,
                 struct cust_x_output *out, struct cust_error *err)
{
	struct table tb;
	unsigned char *data;
	size_t len;
	int cut;

	memset(&tb, 0, sizeof tb);
	if (cust_x_slurp(in, CUST_X_WHOLE_MAX, &data, &len, &cut, err) < 0)
		return -1;
	tb.rec = cust_x_record(FAMILY, NAME, "string-table");
	tb.e = calloc(ENTRIES_MAX, sizeof *tb.e);
	tb.c = calloc(CREDS_MAX, sizeof *tb.c);
	if (!tb.rec || !tb.e || !tb.c) {
		free(data);
		release(&tb);
		json_decref(tb.rec);
		return cust_error_set(err, CUST_E_IO, "out of memory");
	}
	if (cut)
		cust_x_problem(tb.rec, "only the first %zu bytes of %llu were "
		               "read", len, (unsigned long long)in->size);
	cust_x_clex_init(&tb.lx, (const char *)data, len);
	scan(&tb);
	if (tb.n == 0 && tb.nc == 0) {
		/* a mention of table_key, no table: not the extractor's */
		free(data);
		release(&tb);
		json_decref(tb.rec);
		return 0;
	}
	if (tb.n)
		table_record(&tb, known, out);
	if (tb.nc)
		creds_record(&tb);
	if (json_object_get(tb.rec, "problems") &&
	    strcmp(json_string_value(json_object_get(tb.rec, "status")),
	           "decoded") == 0)
		json_object_set_new(tb.rec, "status", json_string("partial"));
	json_array_append_new(out->records, tb.rec);
	free(data);
	release(&tb);
	return 0;
}

const struct cust_extractor cust_x_mirai_table = {
	NAME, FAMILY,
	"Mirai's string table (table.c: C&C and report host and port, the "
	"other strings, XOR-decoded with the table key) and its scanner's "
	"default credentials (scanner.c)",
	identify, parse
};
