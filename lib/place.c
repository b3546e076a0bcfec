/* place.c - places too long for a record, shortened around a marker that
 * keeps them distinct; see include/custody/place.h. */
#include "custody/place.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "custody/digest.h"
#include "custody/walk.h"

#define MARKER_MAX 160
/* Raw bytes escaped at a time to hash a long name. */
#define RAW_CHUNK 4096

/* ---- an escaped place given as parts, read as one text ----------------- */

struct text {
	const char *const *parts;
	size_t nparts;
};

static size_t text_len(const struct text *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->nparts; i++)
		n += strlen(t->parts[i]);
	return n;
}

static unsigned char text_at(const struct text *t, size_t pos)
{
	size_t i, n;

	for (i = 0; i < t->nparts; i++) {
		n = strlen(t->parts[i]);
		if (pos < n)
			return (unsigned char)t->parts[i][pos];
		pos -= n;
	}
	return 0;
}

/* Bytes [FROM, TO) of T to OUT; the count. */
static size_t text_copy(const struct text *t, size_t from, size_t to,
                        char *out)
{
	size_t i, n, base = 0, o = 0;

	for (i = 0; i < t->nparts && base < to; i++, base += n) {
		size_t a, b;
		n = strlen(t->parts[i]);
		a = from > base ? from - base : 0;
		b = to - base < n ? to - base : n;
		if (a < b) {
			memcpy(out + o, t->parts[i] + a, b - a);
			o += b - a;
		}
	}
	return o;
}

static int is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Whether an escaped text may be cut before POS: not inside a UTF-8
 * character, nor inside a \xHH escape (a backslash is always one). */
static int unit_start(const struct text *t, size_t pos, size_t len)
{
	size_t k;

	if (pos == 0 || pos >= len)
		return 1;
	if (is_continuation(text_at(t, pos)))
		return 0;
	for (k = 1; k <= 3 && k <= pos; k++)
		if (text_at(t, pos - k) == '\\')
			return 0;
	return 1;
}

/* ---- the marker -------------------------------------------------------- */

struct marker {
	char text[MARKER_MAX];
	size_t len;
};

static void marker_make(struct marker *m, size_t len, EVP_MD_CTX *md)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	char hex[65] = "";
	int n;

	if (md && EVP_DigestFinal_ex(md, d, &dlen) == 1 && dlen == 32)
		cust_hex_encode(d, 32, hex);
	n = snprintf(m->text, sizeof m->text,
	             "[...shortened from %zu bytes; sha256 %s...]", len, hex);
	m->len = n > 0 && (size_t)n < sizeof m->text ? (size_t)n : 0;
	m->text[m->len] = '\0';
}

/* The head and tail budgets of OUTSZ around M. */
static void budgets(size_t outsz, const struct marker *m, size_t *head,
                    size_t *tail)
{
	size_t room = outsz - 1 - m->len;

	*head = room / 2;
	*tail = room - *head;
}

/* ---- escaped places ---------------------------------------------------- */

int cust_place_join(char *out, size_t outsz, const char *const *parts,
                    size_t nparts)
{
	struct text t = { parts, nparts };
	size_t len = text_len(&t), head, tail, h, s, o, i;
	struct marker m;
	EVP_MD_CTX *md;

	if (outsz == 0)
		return len > 0;
	if (len < outsz) {
		out[text_copy(&t, 0, len, out)] = '\0';
		return 0;
	}
	if (outsz < CUST_PLACE_MIN) {
		for (h = outsz - 1; !unit_start(&t, h, len); h--)
			;
		out[text_copy(&t, 0, h, out)] = '\0';
		return 1;
	}
	md = EVP_MD_CTX_new();
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1)
		for (i = 0; i < nparts; i++)
			EVP_DigestUpdate(md, parts[i], strlen(parts[i]));
	marker_make(&m, len, md);
	EVP_MD_CTX_free(md);
	budgets(outsz, &m, &head, &tail);
	for (h = head; !unit_start(&t, h, len); h--)
		;
	for (s = len - tail; !unit_start(&t, s, len); s++)
		;
	o = text_copy(&t, 0, h, out);
	memcpy(out + o, m.text, m.len);
	o += m.len;
	o += text_copy(&t, s, len, out + o);
	out[o] = '\0';
	return 1;
}

int cust_place_shorten(const char *place, char *out, size_t outsz)
{
	return cust_place_join(out, outsz, &place, 1);
}

/* ---- raw names --------------------------------------------------------- */

/* Whether escaping RAW may start at POS and give the rest of the escaped
 * text: POS is not inside a valid UTF-8 character.  A byte other than a
 * continuation byte never is; nor is a continuation byte after three
 * others (no character is longer than four bytes).  Of any four
 * positions in a row, one is such a place. */
static int raw_unit_start(const unsigned char *p, size_t len, size_t pos)
{
	size_t k;

	if (pos == 0 || pos >= len || !is_continuation(p[pos]))
		return 1;
	for (k = 1; k <= 3; k++) {
		if (k > pos)
			return 1; /* no lead byte before it at all */
		if (!is_continuation(p[pos - k]))
			return 0; /* perhaps the lead of a character */
	}
	return 1;
}

int cust_place_escape(const void *raw, size_t len, char *out, size_t outsz)
{
	const unsigned char *p = raw;
	char chunk[4 * RAW_CHUNK + 8], *tbuf;
	size_t total = 0, i = 0, head, tail, s, q, tlen, o;
	struct text tt;
	struct marker m;
	EVP_MD_CTX *md;

	if (!cust_walk_escape(raw, len, out, outsz))
		return 0;
	if (outsz < CUST_PLACE_MIN)
		return 1; /* cut where the escape stopped */
	/* the whole escaped text, hashed a chunk at a time */
	md = EVP_MD_CTX_new();
	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	while (i < len) {
		size_t j = len - i > RAW_CHUNK ? i + RAW_CHUNK : len, n;
		while (!raw_unit_start(p, len, j))
			j--;
		cust_walk_escape(p + i, j - i, chunk, sizeof chunk);
		n = strlen(chunk);
		if (md)
			EVP_DigestUpdate(md, chunk, n);
		total += n;
		i = j;
	}
	marker_make(&m, total, md);
	EVP_MD_CTX_free(md);
	budgets(outsz, &m, &head, &tail);
	/* the tail: the escape of the raw bytes from a character boundary,
	 * then from an escaped unit boundary within TAIL bytes of its end */
	s = len > tail ? len - tail : 0;
	while (!raw_unit_start(p, len, s))
		s++;
	tbuf = malloc(4 * (len - s) + 1);
	if (!tbuf)
		return 1; /* left as cust_walk_escape cut it */
	cust_walk_escape(p + s, len - s, tbuf, 4 * (len - s) + 1);
	tlen = strlen(tbuf);
	tt.parts = (const char *const *)&tbuf;
	tt.nparts = 1;
	for (q = tlen > tail ? tlen - tail : 0; !unit_start(&tt, q, tlen); q++)
		;
	/* the head: the escape cut at a unit boundary within HEAD bytes */
	cust_walk_escape(raw, len, out, head + 1);
	o = strlen(out);
	memcpy(out + o, m.text, m.len);
	o += m.len;
	memcpy(out + o, tbuf + q, tlen - q);
	o += tlen - q;
	out[o] = '\0';
	free(tbuf);
	return 1;
}
