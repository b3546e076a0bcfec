/* carve.c - email addresses, domains, URLs, IP addresses, card numbers,
 * Bitcoin and onion addresses, phone numbers, MAC addresses and host:port
 * pairs in a byte stream; see include/custody/carve.h for what each kind
 * accepts. */
#include "custody/carve.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define CARVE_AVX2 1
#endif

#define CARVER_MAGIC 0x63617276u

enum {
	LOCAL_MAX = 64,
	EMAIL_MAX = 254,
	EMAIL_DOMAIN_MAX = 255,
	DOMAIN_MAX = 253,
	LABEL_MAX = 63,
	SHORT_LABEL = 3,     /* see short_name_set_apart */
	HOST_RUN_MAX = 260,  /* longest run of host bytes that may hold a name */
	IPV6_RUN_MAX = 47,
	URL_MAX = CUST_CARVE_URL_MAX,
	CCN_RUN_MAX = 96,    /* longest run of digits and separators read */
	BTC_MIN = 26,        /* shortest Bitcoin address looked for */
	BTC_RUN_MAX = 90,    /* longest SegWit address */
	PHONE_DIGITS_MAX = 15,
	/* A 16-byte block holding this many digits may hold part of a card
	 * number: 13 digits over two blocks put 7 in one, over three put 12
	 * in the middle one. */
	CCN_BLOCK_DIGITS = 7,
	/* Bytes kept before the next anchor to scan: more than any left
	 * expansion reads (a host:port's host, '@', userinfo and scheme:
	 * HOST_RUN_MAX + LOCAL_MAX + 10 at most). */
	LEFT_CONTEXT = 384,
	/* Bytes needed after an anchor before it is scanned: more than any
	 * right expansion reads (URL_MAX + 2 at most). */
	RIGHT_CONTEXT = URL_MAX + 64,
	CHUNK = 64 * 1024,
	TLD_SLOTS = 1024
};

/* Byte classes. */
enum {
	K_ALNUM = 1 << 0,
	K_HOST = 1 << 1,  /* letters, digits, '.', '-' */
	K_LOCAL = 1 << 2, /* local-part bytes, '.' included */
	K_V6 = 1 << 3,    /* hex digits, ':', '.' */
	K_URL = 1 << 4,   /* RFC 3986 bytes without quotes */
	K_ALPHA = 1 << 5,
	K_DIGIT = 1 << 6,
	K_WORD = 1 << 7   /* letters, digits, '_' */
};

/* A remembered verdict on one top-level label. */
struct tld_slot {
	unsigned char len; /* 0: empty */
	unsigned char known;
	char label[LABEL_MAX + 1];
};

struct cust_carver {
	unsigned magic;
	unsigned kinds;
	int failed;
	const psl_ctx_t *psl;
	unsigned char cls[256];
	/* win[0..win_len) holds stream bytes from offset win_off; anchors
	 * before win[scan] have been handled. */
	unsigned char *win;
	size_t win_cap;
	size_t win_len;
	size_t scan;
	uint64_t win_off;
	/* '.' and ':' anchors before these stream offsets belong to a run
	 * already handled. */
	uint64_t dot_skip;
	uint64_t colon_skip;
	/* digits (card numbers) and letters and digits (Bitcoin) before
	 * these stream offsets belong to a run already handled */
	uint64_t ccn_skip;
	uint64_t btc_skip;
	int avx2; /* the processor has AVX2: scan 32 bytes at a time */
	/* the callback of the running feed */
	cust_carve_hit_fn fn;
	void *ctx;
	struct cust_error *err;
	char value[URL_MAX + 64];
	struct tld_slot tld[TLD_SLOTS];
};

static void init_classes(unsigned char *cls)
{
	static const char local_extra[] = "!#$%&*+-^_~.";
	static const char url_extra[] = "-._~:/?#[]@!$&()*+,;=%";
	int ch;

	memset(cls, 0, 256);
	for (ch = 0; ch < 256; ch++) {
		unsigned char k = 0;
		int alpha = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
		int digit = ch >= '0' && ch <= '9';
		int hex = digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');

		if (alpha)
			k |= K_ALPHA;
		if (digit)
			k |= K_DIGIT;
		if (alpha || digit)
			k |= K_ALNUM | K_HOST | K_LOCAL | K_URL | K_WORD;
		if (ch == '.' || ch == '-')
			k |= K_HOST;
		if (ch == '_')
			k |= K_WORD;
		if (hex || ch == ':' || ch == '.')
			k |= K_V6;
		if (ch != 0 && strchr(local_extra, ch))
			k |= K_LOCAL;
		if (ch != 0 && strchr(url_extra, ch))
			k |= K_URL;
		cls[ch] = k;
	}
}

static int lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* ---- validation --------------------------------------------------------- */

/* Whether the lower-case LABEL[0..LEN) is a top-level domain of the ICANN
 * section (remembered per label: psl lookups cost ~300 ns). */
static int tld_known(struct cust_carver *c, const unsigned char *label,
                     size_t len)
{
	uint32_t h = 2166136261u;
	struct tld_slot *slot;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)lower(label[i])) * 16777619u;
	slot = &c->tld[h % TLD_SLOTS];
	for (i = 0; i < len && slot->len == len; i++)
		if (slot->label[i] != lower(label[i]))
			break;
	if (slot->len != len || i < len) {
		for (i = 0; i < len; i++)
			slot->label[i] = (char)lower(label[i]);
		slot->label[len] = '\0';
		slot->len = (unsigned char)len;
		slot->known = psl_is_public_suffix2(
			c->psl, slot->label,
			PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE) != 0;
	}
	return slot->known;
}

/* Whether the lower-case NAME[0..LEN) is a host name under a real ICANN
 * public suffix (see carve.h). */
static int domain_ok(struct cust_carver *c, const char *name, size_t len)
{
	char buf[DOMAIN_MAX + 1];
	size_t i, label = 0, labels = 1, tld = 0;
	int digits_only = 1;

	if (len < 3 || len > DOMAIN_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = name[i];
		if (ch == '.') {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			tld = i + 1;
			digits_only = 1;
			continue;
		}
		if (ch == '-' && label == 0)
			return 0;
		if (!(ch >= '0' && ch <= '9'))
			digits_only = 0;
		if (++label > LABEL_MAX)
			return 0;
	}
	if (label == 0 || name[len - 1] == '-' || labels < 2 || digits_only)
		return 0;
	if (!tld_known(c, (const unsigned char *)name + tld, len - tld))
		return 0;
	/* "co.uk" is a suffix, not a name; so is "x.ck" under "*.ck" */
	memcpy(buf, name, len);
	buf[len] = '\0';
	return psl_is_public_suffix2(c->psl, buf, PSL_TYPE_ICANN) == 0;
}

/* Whether P[0..LEN) is a dotted quad as carve.h describes. */
static int ipv4_ok(const unsigned char *p, size_t len)
{
	unsigned parts = 0, value = 0, digits = 0;
	size_t i;

	if (len < 7 || len > 15)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || p[i] == '.') {
			if (digits == 0 || value > 255)
				return 0;
			parts++;
			value = 0;
			digits = 0;
			continue;
		}
		if (p[i] < '0' || p[i] > '9')
			return 0;
		if (digits == 1 && value == 0)
			return 0; /* leading zero */
		value = value * 10 + (unsigned)(p[i] - '0');
		if (++digits > 3)
			return 0;
	}
	return parts == 4;
}

/* ---- reporting ---------------------------------------------------------- */

static int report(struct cust_carver *c, enum cust_carve_kind kind,
                  size_t value_len, size_t raw_pos, size_t raw_len)
{
	struct cust_carve_hit hit;

	c->value[value_len] = '\0';
	hit.kind = kind;
	hit.value = c->value;
	hit.value_len = value_len;
	hit.offset = c->win_off + raw_pos;
	hit.length = raw_len;
	/* the window holds LEFT_CONTEXT bytes before the scan point and
	 * RIGHT_CONTEXT after it (less at the ends of the stream) */
	hit.context_at = raw_pos < CUST_CARVE_CONTEXT ? raw_pos : CUST_CARVE_CONTEXT;
	hit.context = c->win + raw_pos - hit.context_at;
	hit.context_len = hit.context_at + raw_len +
	                  (c->win_len - raw_pos - raw_len < CUST_CARVE_CONTEXT
	                   ? c->win_len - raw_pos - raw_len : CUST_CARVE_CONTEXT);
	hit.path = NULL;
	if (c->fn(c->ctx, &hit, c->err) != 0) {
		if (!c->err || c->err->kind == CUST_OK)
			cust_error_set(c->err, CUST_E_IO,
			               "carving stopped by the hit handler at offset %llu",
			               (unsigned long long)hit.offset);
		c->failed = 1;
		return -1;
	}
	return 0;
}

/* Lower-case B[from..to) into c->value at AT; returns the new length. */
static size_t put_lower(struct cust_carver *c, size_t at,
                        const unsigned char *b, size_t from, size_t to)
{
	for (; from < to; from++)
		c->value[at++] = (char)lower(b[from]);
	return at;
}

static size_t put_raw(struct cust_carver *c, size_t at, const unsigned char *b,
                      size_t from, size_t to)
{
	memcpy(c->value + at, b + from, to - from);
	return at + (to - from);
}

/* ---- '.' anchors: domains and IPv4 addresses ---------------------------- */

static int onion_piece(struct cust_carver *c, size_t s, size_t e);

static int ipv4_in_run(struct cust_carver *c, size_t start, size_t end)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t i = start;

	while (i < end) {
		size_t j, s, e;
		if (!(cls[b[i]] & K_DIGIT) && b[i] != '.') {
			i++;
			continue;
		}
		j = i;
		while (j < end && ((cls[b[j]] & K_DIGIT) || b[j] == '.'))
			j++;
		s = i;
		e = j;
		while (s < e && b[s] == '.')
			s++;
		while (e > s && b[e - 1] == '.')
			e--;
		/* the run's neighbours are never digits or dots: j is maximal */
		if (ipv4_ok(b + s, e - s) &&
		    !(s == i && s > 0 && (cls[b[s - 1]] & K_WORD)) &&
		    !(e == j && e < c->win_len && (cls[b[e]] & K_WORD))) {
			size_t n = put_raw(c, 0, b, s, e);
			if (report(c, CUST_CARVE_IPV4, n, s, e - s) < 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

/* Where the last label of B[s..e) starts when it could be a top-level
 * domain (two letters at least, or an "xn--" label), else 0: rejects
 * most junk (2.4.1, e.g) before any lookup. */
static size_t tld_start(const unsigned char *b, size_t s, size_t e)
{
	size_t t = e, k;

	while (t > s && b[t - 1] != '.')
		t--;
	if (t == s || e - t < 2 || e - t > LABEL_MAX)
		return 0;
	if (e - t > 4 && (b[t] | 0x20) == 'x' && (b[t + 1] | 0x20) == 'n' &&
	    b[t + 2] == '-' && b[t + 3] == '-')
		return t;
	for (k = t; k < e; k++)
		if (!((b[k] | 0x20) >= 'a' && (b[k] | 0x20) <= 'z'))
			return 0;
	return t;
}

/* Whether CH sets a name apart in text or among a binary's strings. */
static int delimiter(int ch)
{
	return ch == 0 || ch == ' ' || (ch >= '\t' && ch <= '\r') ||
	       (ch > 0 && strchr("\"'`<>()[]{}@/\\|,;:=!?#*&+", ch) != NULL);
}

/* Random bytes make two-label names with a short first label by the
 * thousand per GiB ("0.ai", "05.tm", "0ba.sk"), each touching bytes that
 * are no text; so the name C->value (N bytes) at B[S..E), when it is such
 * a name (a first label of 1..SHORT_LABEL bytes, one dot), must stand
 * between delimiters (white space, NUL, quotes, brackets, '@', '/', ...;
 * a full stop after it) as it does in text and in strings, "t.co" among
 * them.  Longer names come from random bytes a hundred times less often. */
static int short_name_set_apart(const struct cust_carver *c, size_t n,
                                size_t s, size_t e)
{
	const unsigned char *b = c->win;
	const char *dot = memchr(c->value, '.', n);

	if (!dot || (size_t)(dot - c->value) > SHORT_LABEL ||
	    memchr(dot + 1, '.', n - (size_t)(dot - c->value) - 1))
		return 1;
	return (s == 0 || delimiter(b[s - 1])) &&
	       (e >= c->win_len || delimiter(b[e]) || b[e] == '.');
}

/* The piece B[s..e) of a host run (no ".." inside); LOCAL_NEXT says the
 * piece is followed by '@'. */
static int domain_piece(struct cust_carver *c, size_t s, size_t e,
                        int local_next)
{
	const unsigned char *b = c->win;
	size_t n, t;

	while (s < e && (b[s] == '.' || b[s] == '-'))
		s++;
	while (e > s && (b[e - 1] == '.' || b[e - 1] == '-'))
		e--;
	if (local_next || e - s < 3 || e - s > DOMAIN_MAX)
		return 0;
	t = tld_start(b, s, e);
	if (t == 0 || !tld_known(c, b + t, e - t))
		return 0;
	n = put_lower(c, 0, b, s, e);
	if (!domain_ok(c, c->value, n) || !short_name_set_apart(c, n, s, e))
		return 0;
	return report(c, CUST_CARVE_DOMAIN, n, s, e - s);
}

static int on_dot(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, start, end, ps;
	unsigned seen = 0; /* classes of the run's bytes */

	if (c->win_off + p < c->dot_skip || p == 0 || p + 1 >= n ||
	    !(cls[b[p - 1]] & K_ALNUM) || !(cls[b[p + 1]] & K_ALNUM))
		return 0;
	start = p;
	while (start > 0 && (cls[b[start - 1]] & K_HOST) &&
	       p - start <= HOST_RUN_MAX)
		seen |= cls[b[--start]];
	end = p + 1;
	while (end < n && (cls[b[end]] & K_HOST) && end - start <= HOST_RUN_MAX)
		seen |= cls[b[end++]];
	if (end - start > HOST_RUN_MAX) {
		/* too long for a name: skip the whole run, which may go on
		 * into the next feed, where its anchors see it is too long */
		while (end < n && (cls[b[end]] & K_HOST))
			end++;
		c->dot_skip = c->win_off + end;
		return 0;
	}
	c->dot_skip = c->win_off + end;
	if ((c->kinds & CUST_CARVE_IPV4) && (seen & K_DIGIT) &&
	    ipv4_in_run(c, start, end) < 0)
		return -1;
	if (!(c->kinds & (CUST_CARVE_DOMAIN | CUST_CARVE_ONION)) ||
	    !(seen & K_ALPHA))
		return 0;
	ps = start;
	for (;;) {
		size_t pe = ps;
		while (pe < end && !(b[pe] == '.' && pe + 1 < end && b[pe + 1] == '.'))
			pe++;
		if ((c->kinds & CUST_CARVE_DOMAIN) &&
		    domain_piece(c, ps, pe, pe == end && end < n && b[end] == '@') < 0)
			return -1;
		if ((c->kinds & CUST_CARVE_ONION) && pe - ps >= 62 &&
		    onion_piece(c, ps, pe) < 0)
			return -1;
		if (pe >= end)
			break;
		ps = pe;
		while (ps < end && b[ps] == '.')
			ps++;
	}
	return 0;
}

/* ---- '@' anchors: email addresses --------------------------------------- */

/* Whether the text at B[LS] follows "//" or "//user:", so that the '@'
 * after it ends the userinfo of a URL (ftp://user:pw@host) rather than
 * an address. */
static int in_userinfo(const struct cust_carver *c, size_t ls)
{
	const unsigned char *b = c->win;
	size_t k = ls;

	if (k >= 1 && b[k - 1] == ':') {
		k--;
		while (k > 0 && ls - k <= LOCAL_MAX && b[k - 1] != '/' &&
		       (c->cls[b[k - 1]] & K_URL))
			k--;
	}
	return k >= 2 && b[k - 1] == '/' && b[k - 2] == '/';
}

static int on_at(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, ls, ds, de, i, len, local_len;

	if (p == 0 || p + 1 >= n || !(cls[b[p - 1]] & K_LOCAL) ||
	    !(cls[b[p + 1]] & K_ALNUM))
		return 0;
	ls = p;
	while (ls > 0 && (cls[b[ls - 1]] & K_LOCAL)) {
		if (p - ls >= LOCAL_MAX + 1)
			return 0; /* longer than any local part */
		ls--;
	}
	for (i = p; i > ls + 1; i--)
		if (b[i - 1] == '.' && b[i - 2] == '.') {
			ls = i;
			break;
		}
	while (ls < p && !(cls[b[ls]] & K_WORD))
		ls++;
	local_len = p - ls;
	if (local_len == 0 || local_len > LOCAL_MAX || b[p - 1] == '.' ||
	    in_userinfo(c, ls))
		return 0;
	ds = p + 1;
	de = ds;
	while (de < n && (cls[b[de]] & K_HOST)) {
		if (de - ds >= EMAIL_DOMAIN_MAX + 1)
			return 0;
		if (b[de] == '.' && de + 1 < n && b[de + 1] == '.')
			break;
		de++;
	}
	while (de > ds && (b[de - 1] == '.' || b[de - 1] == '-'))
		de--;
	if (de - ds < 3 || local_len + 1 + (de - ds) > EMAIL_MAX)
		return 0;
	len = put_raw(c, 0, b, ls, p);
	c->value[len++] = '@';
	len = put_lower(c, len, b, ds, de);
	if (!domain_ok(c, c->value + local_len + 1, de - ds))
		return 0;
	return report(c, CUST_CARVE_EMAIL, len, ls, de - ls);
}

/* ---- ':' anchors: URLs and IPv6 addresses ------------------------------- */

static int scheme_ok(const unsigned char *s, size_t len)
{
	char buf[6];
	size_t i;

	if (len < 3 || len > 5)
		return 0;
	for (i = 0; i < len; i++)
		buf[i] = (char)lower(s[i]);
	buf[len] = '\0';
	return strcmp(buf, "http") == 0 || strcmp(buf, "https") == 0 ||
	       strcmp(buf, "ftp") == 0;
}

static int trailing_punct(int ch)
{
	return ch != 0 && strchr(".,;:!?'\"", ch) != NULL;
}

static int on_url(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, s, a, ue, ae, h, he, q, k, len;
	long parens = 0, brackets = 0;
	char host[DOMAIN_MAX + 2];

	s = p;
	while (s > 0 && p - s < 5 && (cls[b[s - 1]] & K_ALPHA))
		s--;
	if ((s > 0 && (cls[b[s - 1]] & K_ALPHA)) || !scheme_ok(b + s, p - s))
		return 0;
	a = p + 3;
	ue = a;
	while (ue < n && (cls[b[ue]] & K_URL)) {
		if (ue - s >= URL_MAX)
			return 0; /* longer than any URL kept */
		if (b[ue] == '(')
			parens++;
		else if (b[ue] == ')')
			parens--;
		else if (b[ue] == '[')
			brackets++;
		else if (b[ue] == ']')
			brackets--;
		ue++;
	}
	/* trailing punctuation belongs to the text around the URL */
	while (ue > a) {
		unsigned char ch = b[ue - 1];
		if (trailing_punct(ch))
			ue--;
		else if (ch == ')' && parens < 0)
			ue--, parens++;
		else if (ch == ']' && brackets < 0)
			ue--, brackets++;
		else
			break;
	}
	ae = a;
	while (ae < ue && b[ae] != '/' && b[ae] != '?' && b[ae] != '#')
		ae++;
	h = a;
	for (k = a; k < ae; k++)
		if (b[k] == '@')
			h = k + 1;
	if (h >= ae)
		return 0;
	if (b[h] == '[') {
		unsigned char addr[16];
		he = h + 1;
		while (he < ae && b[he] != ']')
			he++;
		if (he >= ae || he - h - 1 > IPV6_RUN_MAX || he - h - 1 < 2)
			return 0;
		memcpy(host, b + h + 1, he - h - 1);
		host[he - h - 1] = '\0';
		if (inet_pton(AF_INET6, host, addr) != 1)
			return 0;
		he++;
		q = he;
	} else {
		size_t hl;
		he = h;
		while (he < ae && (cls[b[he]] & K_HOST))
			he++;
		q = he;
		if (he > h && b[he - 1] == '.')
			he--; /* the root's dot */
		hl = he - h;
		if (hl == 0 || hl > DOMAIN_MAX)
			return 0;
		for (k = 0; k < hl; k++)
			host[k] = (char)lower(b[h + k]);
		if (!ipv4_ok(b + h, hl) && !domain_ok(c, host, hl))
			return 0;
	}
	if (q < ae) {
		/* a port, and nothing else, may follow the host */
		unsigned long port = 0;
		if (b[q] != ':' || ae - q < 2 || ae - q > 6)
			return 0;
		for (k = q + 1; k < ae; k++) {
			if (!(cls[b[k]] & K_DIGIT))
				return 0;
			port = port * 10 + (unsigned long)(b[k] - '0');
		}
		if (port == 0 || port > 65535)
			return 0;
	}
	len = put_lower(c, 0, b, s, a);
	len = put_raw(c, len, b, a, h);
	len = put_lower(c, len, b, h, he);
	len = put_raw(c, len, b, q, ue);
	return report(c, CUST_CARVE_URL, len, s, ue - s);
}

/* The run of bytes of the classes MASK around the anchor at P, of at most
 * MAX bytes: 1 with its bounds in *ST and *EN; 0 when it is longer, all of
 * it in the window passed over.  Either way *SKIP (a stream offset) is
 * set past its end, so that the anchors inside it are not looked at again
 * (a run too long may go on into the next feed, where its anchors see the
 * same). */
static int class_run(const struct cust_carver *c, size_t p, unsigned mask,
                     size_t max, size_t *st, size_t *en, uint64_t *skip)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, s = p, e = p + 1;

	while (s > 0 && (c->cls[b[s - 1]] & mask) && p - s <= max)
		s--;
	while (e < n && (c->cls[b[e]] & mask) && e - s <= max)
		e++;
	if (e - s > max)
		while (e < n && (c->cls[b[e]] & mask))
			e++;
	*skip = c->win_off + e;
	*st = s;
	*en = e;
	return e - s <= max;
}

static int on_ipv6(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, st, en, k, colons = 0, hex = 0;
	int compressed = 0; /* "::" in the run */
	unsigned char addr[16];
	char text[IPV6_RUN_MAX + 1];
	const char *range;

	if (c->win_off + p < c->colon_skip)
		return 0;
	if (!class_run(c, p, K_V6, IPV6_RUN_MAX, &st, &en, &c->colon_skip))
		return 0;
	if ((st > 0 && (cls[b[st - 1]] & K_WORD)) ||
	    (en < n && (cls[b[en]] & K_WORD)))
		return 0;
	while (en > st && b[en - 1] == '.')
		en--;
	if (en - st >= 2 && b[en - 1] == ':' && b[en - 2] != ':')
		en--;
	if (en - st >= 2 && b[st] == ':' && b[st + 1] != ':')
		st++;
	for (k = st; k < en; k++) {
		if (b[k] == ':') {
			colons++;
			if (k + 1 < en && b[k + 1] == ':')
				compressed = 1;
		} else if (b[k] != '.') {
			hex++;
		}
	}
	/* eight groups need seven colons unless "::" stands for some; six
	 * when an IPv4 tail counts for two (cheaper than inet_pton on every
	 * 12:30:45) */
	if (colons < 2 || hex == 0 || (colons < 6 && !compressed))
		return 0;
	memcpy(text, b + st, en - st);
	text[en - st] = '\0';
	if (inet_pton(AF_INET6, text, addr) != 1 ||
	    !inet_ntop(AF_INET6, addr, c->value, INET6_ADDRSTRLEN))
		return 0;
	/* "1::", "5b::", "2::c": random bytes make these by the hundred per
	 * GiB; space IANA never allocated, written short, is taken for junk
	 * (all eight groups written out still count) */
	range = cust_carve_ip_class(CUST_CARVE_IPV6, c->value);
	if (compressed && range && strcmp(range, "reserved") == 0)
		return 0;
	return report(c, CUST_CARVE_IPV6, strlen(c->value), st, en - st);
}


/* ---- card numbers --------------------------------------------------------- */

static int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

static int is_hex(int ch)
{
	return is_digit(ch) || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f');
}

static int luhn_ok(const char *d, size_t len)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned v = (unsigned)(d[len - 1 - i] - '0');
		if (i % 2) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	return sum % 10 == 0;
}

/* Whether the LEN digits D begin with an issuer's prefix and have one of
 * its lengths (see carve.h). */
static int issuer_ok(const char *d, size_t len)
{
	unsigned p2 = (unsigned)(d[0] - '0') * 10 + (unsigned)(d[1] - '0');
	unsigned p3 = p2 * 10 + (unsigned)(d[2] - '0');
	unsigned p4 = p3 * 10 + (unsigned)(d[3] - '0');

	if (d[0] == '4')                                  /* Visa */
		return len == 13 || len == 16 || len == 19;
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		return len == 16;                         /* Mastercard */
	if (p2 == 34 || p2 == 37)                         /* Amex */
		return len == 15;
	if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 || /* Discover */
	    (p4 >= 3528 && p4 <= 3589) ||                 /* JCB */
	    p2 == 62)                                     /* UnionPay */
		return len >= 16;
	if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38) /* Diners */
		return len >= 14;
	switch (p4) {                                     /* Maestro */
	case 5018: case 5020: case 5038: case 5893: case 6304:
	case 6759: case 6761: case 6762: case 6763:
		return 1;
	}
	return 0;
}

/* The groups G[FIRST..FIRST+N) as one number: report it when it passes. */
struct group {
	size_t at, len;
	unsigned char sep; /* the separator after it; 0 for the last */
};

static int ccn_try(struct cust_carver *c, const struct group *g, size_t ng,
                   size_t first, size_t n, int open_start, int open_end,
                   int *found)
{
	const unsigned char *b = c->win;
	size_t k, len = 0, last = first + n - 1;

	*found = 0;
	if (last >= ng || (first == 0 && !open_start) ||
	    (last == ng - 1 && !open_end))
		return 0;
	for (k = first; k < last; k++)
		if (g[k].sep != g[first].sep)
			return 0;
	for (k = first; k <= last; k++)
		len = put_raw(c, len, b, g[k].at, g[k].at + g[k].len);
	if (len < 13 || len > 19 || !issuer_ok(c->value, len) ||
	    !luhn_ok(c->value, len))
		return 0;
	*found = 1;
	return report(c, CUST_CARVE_CCN, len, g[first].at,
	              g[last].at + g[last].len - g[first].at);
}

/* The numbers of the run of digits and single separators around the digit
 * at P. */
static int on_digits(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, s = p, e = p + 1, ng = 0, k, i;
	struct group g[CCN_RUN_MAX / 2 + 2];
	int open_start, open_end;

	while (s > 0 && p - s <= CCN_RUN_MAX &&
	       (is_digit(b[s - 1]) ||
	        (s >= 2 && (b[s - 1] == ' ' || b[s - 1] == '-') && is_digit(b[s - 2]))))
		s--;
	while (e < n && e - s <= CCN_RUN_MAX &&
	       (is_digit(b[e]) ||
	        (e + 1 < n && (b[e] == ' ' || b[e] == '-') && is_digit(b[e + 1]))))
		e++;
	if (e - s > CCN_RUN_MAX) {
		/* too long for a card number; it may go on into the next feed,
		 * where its digits see the same */
		while (e < n && (is_digit(b[e]) || b[e] == ' ' || b[e] == '-'))
			e++;
		c->ccn_skip = c->win_off + e;
		return 0;
	}
	c->ccn_skip = c->win_off + e;
	if (e - s < 13)
		return 0;
	open_start = s == 0 || !(c->cls[b[s - 1]] & K_WORD);
	open_end = e >= n || !(c->cls[b[e]] & K_WORD);
	for (i = s; i < e; ng++) {
		g[ng].at = i;
		while (i < e && is_digit(b[i]))
			i++;
		g[ng].len = i - g[ng].at;
		g[ng].sep = i < e ? b[i] : 0;
		if (i < e)
			i++;
	}
	for (k = 0; k < ng;) {
		/* the longest form that passes, from group K */
		static const unsigned char forms[][6] = {
			/* group lengths, 0 ends; 9 is "1..3", 8 is "1..4" */
			{ 4, 4, 4, 4, 9, 0 }, { 4, 4, 4, 8, 0 },
			{ 4, 6, 5, 0 }, { 4, 6, 4, 0 },
		};
		size_t f, used = 0;
		int found = 0;

		if (g[k].len >= 13 && g[k].len <= 19) {
			if (ccn_try(c, g, ng, k, 1, open_start, open_end, &found) < 0)
				return -1;
			used = 1;
		}
		for (f = 0; !found && g[k].len == 4 &&
		     f < sizeof forms / sizeof forms[0]; f++) {
			size_t m;
			for (m = 0; forms[f][m] && k + m < ng; m++) {
				size_t want = forms[f][m], have = g[k + m].len;
				if (want == 9 ? have > 3 : want == 8 ? have > 4
				                                     : have != want)
					break;
			}
			if (forms[f][m])
				continue;
			if (ccn_try(c, g, ng, k, m, open_start, open_end, &found) < 0)
				return -1;
			used = m;
		}
		k += found ? used : 1;
	}
	return 0;
}

/* ---- Bitcoin addresses ---------------------------------------------------- */

static int base58_ok(struct cust_carver *c, const unsigned char *s, size_t len)
{
	static const char abc[] =
		"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	unsigned char out[25], md[SHA256_DIGEST_LENGTH];
	size_t i, ones = 0, zeros = 0;
	int j;

	(void)c;
	memset(out, 0, sizeof out);
	for (i = 0; i < len; i++) {
		const char *at = s[i] ? strchr(abc, s[i]) : NULL;
		unsigned carry;
		if (!at)
			return 0;
		carry = (unsigned)(at - abc);
		for (j = 24; j >= 0; j--) {
			carry += 58u * out[j];
			out[j] = (unsigned char)carry;
			carry >>= 8;
		}
		if (carry)
			return 0; /* more than 25 bytes */
	}
	while (ones < len && s[ones] == '1')
		ones++;
	while (zeros < sizeof out && out[zeros] == 0)
		zeros++;
	if (ones != zeros || (out[0] != 0x00 && out[0] != 0x05))
		return 0;
	SHA256(out, 21, md);
	SHA256(md, sizeof md, md);
	return memcmp(md, out + 21, 4) == 0;
}

static uint32_t bech32_polymod(const unsigned char *v, size_t n, uint32_t chk)
{
	static const uint32_t gen[5] = { 0x3b6a57b2u, 0x26508e6du, 0x1ea119fau,
	                                 0x3d4233ddu, 0x2a1462b3u };
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		uint32_t top = chk >> 25;
		chk = (chk & 0x1ffffffu) << 5 ^ v[i];
		for (k = 0; k < 5; k++)
			if ((top >> k) & 1)
				chk ^= gen[k];
	}
	return chk;
}

/* Whether S[0..LEN) is a mainnet SegWit address (BIP-173, BIP-350). */
static int segwit_ok(const unsigned char *s, size_t len)
{
	static const char abc[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
	/* "bc" expanded: high bits, 0, low bits */
	unsigned char v[5 + 90];
	size_t i, nd = len - 3, bits = 0, plen = 0;
	unsigned acc = 0;
	int upper = 0, lowerc = 0;
	uint32_t chk;

	if (len < 14 || len > 90)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			upper = 1;
		else if (s[i] >= 'a' && s[i] <= 'z')
			lowerc = 1;
	}
	if (upper && lowerc)
		return 0;
	if (lower(s[0]) != 'b' || lower(s[1]) != 'c' || s[2] != '1')
		return 0;
	v[0] = 'b' >> 5;
	v[1] = 'c' >> 5;
	v[2] = 0;
	v[3] = 'b' & 31;
	v[4] = 'c' & 31;
	for (i = 0; i < nd; i++) {
		const char *at = strchr(abc, lower(s[3 + i]));
		if (!at || !s[3 + i])
			return 0;
		v[5 + i] = (unsigned char)(at - abc);
	}
	if (nd < 7 || v[5] > 16)
		return 0;
	chk = bech32_polymod(v, 5 + nd, 1);
	if (chk != (v[5] == 0 ? 1u : 0x2bc830a3u))
		return 0;
	/* the program: 5-bit groups after the version, before the checksum */
	for (i = 6; i < 5 + nd - 6; i++) {
		acc = (acc << 5) | v[i];
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			plen++;
		}
	}
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return 0; /* padding must be short and zero */
	if (plen < 2 || plen > 40)
		return 0;
	return v[5] != 0 || plen == 20 || plen == 32;
}

/* The run of letters and digits around P. */
static int on_alnum_run(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, s, e, len, v;

	if (!class_run(c, p, K_ALNUM, BTC_RUN_MAX, &s, &e, &c->btc_skip))
		return 0;
	len = e - s;
	if (len < BTC_MIN || (s > 0 && b[s - 1] == '_') || (e < n && b[e] == '_'))
		return 0;
	if ((b[s] == '1' || b[s] == '3') && len <= 35) {
		if (!base58_ok(c, b + s, len))
			return 0;
		v = put_raw(c, 0, b, s, e);
	} else if (lower(b[s]) == 'b') {
		if (!segwit_ok(b + s, len))
			return 0;
		v = put_lower(c, 0, b, s, e);
	} else {
		return 0;
	}
	return report(c, CUST_CARVE_BITCOIN, v, s, len);
}

/* ---- Tor onion addresses ------------------------------------------------- */

/* The v3 onion address ending the piece B[s..e) of a host run. */
static int onion_piece(struct cust_carver *c, size_t s, size_t e)
{
	static const char onion[] = ".onion";
	const unsigned char *b = c->win;
	unsigned char raw[35], md[32];
	unsigned acc = 0, bits = 0, mdlen = 0;
	size_t i, ls, nraw = 0;

	while (s < e && (b[s] == '.' || b[s] == '-'))
		s++;
	while (e > s && (b[e - 1] == '.' || b[e - 1] == '-'))
		e--;
	if (e - s < 62)
		return 0;
	for (i = 0; i < 6; i++)
		if (lower(b[e - 6 + i]) != onion[i])
			return 0;
	ls = e - 62;
	if (ls > s && b[ls - 1] != '.')
		return 0;
	for (i = ls; i < e - 6; i++) {
		int ch = lower(b[i]), v;
		if (ch >= 'a' && ch <= 'z')
			v = ch - 'a';
		else if (ch >= '2' && ch <= '7')
			v = ch - '2' + 26;
		else
			return 0;
		acc = (acc << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			raw[nraw++] = (unsigned char)(acc >> bits);
		}
	}
	if (raw[34] != 3)
		return 0;
	{
		unsigned char in[15 + 32 + 1];
		memcpy(in, ".onion checksum", 15);
		memcpy(in + 15, raw, 32);
		in[47] = raw[34];
		if (EVP_Digest(in, sizeof in, md, &mdlen, EVP_sha3_256(), NULL) != 1 ||
		    mdlen != sizeof md)
			return 0;
	}
	if (md[0] != raw[32] || md[1] != raw[33])
		return 0;
	return report(c, CUST_CARVE_ONION, put_lower(c, 0, b, ls, e), ls, e - ls);
}

/* ---- phone numbers --------------------------------------------------------- */

/* The country codes ITU-T E.164 assigns and that are in service (Annex to
 * ITU Operational Bulletin No. 1114 and its amendments), sorted. */
static const unsigned short country_codes[] = {
	1, 7, 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47,
	48, 49, 51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81,
	82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
	211, 212, 213, 216, 218, 220, 221, 222, 223, 224, 225, 226, 227, 228,
	229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242,
	243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255, 256,
	257, 258, 260, 261, 262, 263, 264, 265, 266, 267, 268, 269, 290, 291,
	297, 298, 299, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370,
	371, 372, 373, 374, 375, 376, 377, 378, 380, 381, 382, 383, 385, 386,
	387, 389, 420, 421, 423, 500, 501, 502, 503, 504, 505, 506, 507, 508,
	509, 590, 591, 592, 593, 594, 595, 596, 597, 598, 599, 670, 672, 673,
	674, 675, 676, 677, 678, 679, 680, 681, 682, 683, 685, 686, 687, 688,
	689, 690, 691, 692, 800, 808, 850, 852, 853, 855, 856, 870, 878, 880,
	881, 882, 883, 886, 888, 960, 961, 962, 963, 964, 965, 966, 967, 968,
	970, 971, 972, 973, 974, 975, 976, 977, 979, 992, 993, 994, 995, 996,
	998,
};

static int code_assigned(unsigned code)
{
	size_t lo = 0, hi = sizeof country_codes / sizeof country_codes[0];

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (country_codes[mid] == code)
			return 1;
		if (country_codes[mid] < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Whether the digits D (8..15 of them) start with a country code in
 * service: the codes are prefix-free, so the first of 1, 2, 3 digits that
 * is a code is the code. */
static int country_ok(const char *d)
{
	unsigned code = 0;
	int i;

	for (i = 0; i < 3; i++) {
		code = code * 10 + (unsigned)(d[i] - '0');
		if (code_assigned(code))
			return 1;
	}
	return 0;
}

static int on_plus(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, k = p + 1, end, groups = 0;
	char digits[PHONE_DIGITS_MAX + 1];
	size_t nd = 0;

	if ((p > 0 && ((c->cls[b[p - 1]] & K_WORD) || b[p - 1] == '+')) ||
	    k >= n || !is_digit(b[k]))
		return 0;
	end = k;
	for (;;) {
		/* a group at K: digits, or digits in parentheses */
		size_t q = k, from, len;
		int paren = b[q] == '(';
		if (paren)
			q++;
		from = q;
		while (q < n && is_digit(b[q]) && q - from <= PHONE_DIGITS_MAX)
			q++;
		len = q - from;
		if (len == 0 || (paren && (q >= n || b[q] != ')')))
			break;
		if (paren)
			q++;
		if (groups == 0 && q < n && is_digit(b[q]))
			return 0; /* more than 15 digits together */
		if (paren && groups == 1 && len == 1 && b[from] == '0') {
			/* "+44 (0)20": the trunk prefix, dropped */
		} else {
			if (nd + len > PHONE_DIGITS_MAX)
				break;
			memcpy(digits + nd, b + from, len);
			nd += len;
		}
		end = q;
		groups++;
		/* then one separator (or none after ')') and the next group */
		k = q;
		if (k < n && (b[k] == ' ' || b[k] == '-' || b[k] == '.'))
			k++;
		else if (!(paren && k < n && (is_digit(b[k]) || b[k] == '(')))
			break;
		if (k >= n || (!is_digit(b[k]) && b[k] != '('))
			break;
	}
	if (nd < 8 || (end < n && (c->cls[b[end]] & K_WORD)))
		return 0;
	digits[nd] = '\0';
	if (!country_ok(digits))
		return 0;
	c->value[0] = '+';
	memcpy(c->value + 1, digits, nd);
	return report(c, CUST_CARVE_PHONE, nd + 1, p, end - p);
}

/* ---- MAC addresses ------------------------------------------------------- */

/* The six bytes of C->value's 12 hex digits written as "xx:xx:...". */
static int mac_report(struct cust_carver *c, const char *hex, size_t s,
                      size_t len)
{
	size_t i, zeros = 0, effs = 0;

	for (i = 0; i < 12; i++) {
		zeros += hex[i] == '0';
		effs += lower(hex[i]) == 'f';
	}
	if (zeros == 12 || effs == 12)
		return 0;
	for (i = 0; i < 6; i++) {
		c->value[i * 3] = (char)lower(hex[i * 2]);
		c->value[i * 3 + 1] = (char)lower(hex[i * 2 + 1]);
		if (i < 5)
			c->value[i * 3 + 2] = ':';
	}
	return report(c, CUST_CARVE_MAC, 17, s, len);
}

/* A MAC address whose first separator ':' or '-' is at P. */
static int mac_pairs(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, s, i;
	unsigned char sep = b[p];
	char hex[12];

	if (p < 2 || p + 15 > n || b[p + 3] != sep)
		return 0;
	s = p - 2;
	if ((s > 0 && ((c->cls[b[s - 1]] & K_WORD) || b[s - 1] == sep)) ||
	    (s + 17 < n && ((c->cls[b[s + 17]] & K_WORD) || b[s + 17] == sep)))
		return 0;
	for (i = 0; i < 6; i++) {
		size_t at = s + i * 3;
		if (!is_hex(b[at]) || !is_hex(b[at + 1]) ||
		    (i < 5 && b[at + 2] != sep))
			return 0;
		hex[i * 2] = (char)b[at];
		hex[i * 2 + 1] = (char)b[at + 1];
	}
	return mac_report(c, hex, s, 17);
}

/* A MAC address in Cisco's form whose first '.' is at P. */
static int mac_cisco(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len, s, i;
	char hex[12];

	if (p < 4 || p + 10 > n || b[p + 5] != '.')
		return 0;
	s = p - 4;
	if ((s > 0 && ((c->cls[b[s - 1]] & K_WORD) || b[s - 1] == '.')) ||
	    (s + 14 < n && ((c->cls[b[s + 14]] & K_WORD) ||
	                    (b[s + 14] == '.' && s + 15 < n &&
	                     (c->cls[b[s + 15]] & K_WORD)))))
		return 0;
	for (i = 0; i < 3; i++) {
		size_t at = s + i * 5, j;
		for (j = 0; j < 4; j++) {
			if (!is_hex(b[at + j]))
				return 0;
			hex[i * 4 + j] = (char)b[at + j];
		}
	}
	return mac_report(c, hex, s, 14);
}

/* ---- host:port pairs ------------------------------------------------------- */

/* Whether the host at B[HS] is the authority of a URL the URL kind
 * reports: after "scheme://" or "scheme://userinfo@". */
static int url_authority(const struct cust_carver *c, size_t hs)
{
	const unsigned char *b = c->win;
	size_t k = hs, s;

	if (k > 0 && b[k - 1] == '@') {
		k--;
		while (k > 0 && hs - k <= LOCAL_MAX && b[k - 1] != '/' &&
		       (c->cls[b[k - 1]] & K_URL))
			k--;
	}
	if (k < 3 || b[k - 1] != '/' || b[k - 2] != '/' || b[k - 3] != ':')
		return 0;
	k -= 3;
	s = k;
	while (s > 0 && k - s < 5 && (c->cls[b[s - 1]] & K_ALPHA))
		s--;
	return !(s > 0 && (c->cls[b[s - 1]] & K_ALPHA)) && scheme_ok(b + s, k - s);
}

static int on_hostport(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	const unsigned char *cls = c->cls;
	size_t n = c->win_len, k = p + 1, hs, he, len, i;
	unsigned long port = 0;

	if (p < 2 || k >= n || !is_digit(b[k]) || b[k] == '0' ||
	    !((cls[b[p - 1]] & K_ALNUM) ||
	      (b[p - 1] == '.' && (cls[b[p - 2]] & K_ALNUM))))
		return 0;
	while (k < n && is_digit(b[k]) && k - p <= 6)
		port = port * 10 + (unsigned long)(b[k++] - '0');
	if (port > 65535 || (k < n && (cls[b[k]] & K_WORD)) ||
	    (k + 1 < n && b[k] == '.' && is_digit(b[k + 1])))
		return 0;
	hs = p;
	while (hs > 0 && (cls[b[hs - 1]] & K_HOST)) {
		if (p - hs >= HOST_RUN_MAX)
			return 0;
		hs--;
	}
	for (i = p - 1; i > hs; i--)
		if (b[i] == '.' && b[i - 1] == '.') {
			hs = i + 1;
			break;
		}
	while (hs < p && (b[hs] == '.' || b[hs] == '-'))
		hs++;
	he = p;
	if (he > hs && b[he - 1] == '.')
		he--; /* the root's dot */
	if (he - hs < 3 || he - hs > DOMAIN_MAX)
		return 0;
	if (hs > 0 && (b[hs - 1] == '_' ||
	               (b[hs - 1] == ':' && hs >= 2 &&
	                (is_hex(b[hs - 2]) || b[hs - 2] == ':'))))
		return 0;
	if (url_authority(c, hs))
		return 0;
	if (ipv4_ok(b + hs, he - hs)) {
		if (hs > 0 && (cls[b[hs - 1]] & K_WORD))
			return 0;
		len = put_raw(c, 0, b, hs, he);
	} else {
		len = put_lower(c, 0, b, hs, he);
		if (!domain_ok(c, c->value, len) ||
		    !short_name_set_apart(c, len, hs, he))
			return 0;
	}
	c->value[len++] = ':';
	len = put_raw(c, len, b, p + 1, k);
	return report(c, CUST_CARVE_HOSTPORT, len, hs, k - hs);
}

static int on_colon(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;

	if ((c->kinds & CUST_CARVE_URL) && p + 2 < c->win_len &&
	    b[p + 1] == '/' && b[p + 2] == '/' && on_url(c, p) < 0)
		return -1;
	if ((c->kinds & CUST_CARVE_MAC) && p + 6 < c->win_len &&
	    b[p + 3] == ':' && b[p + 6] == ':' && mac_pairs(c, p) < 0)
		return -1;
	/* a host ends with a letter (a top-level domain), a digit after a
	 * dot (IPv4) or the root's dot */
	if ((c->kinds & CUST_CARVE_HOSTPORT) && p >= 3 && p + 1 < c->win_len &&
	    is_digit(b[p + 1]) &&
	    ((c->cls[b[p - 1]] & K_ALPHA) || b[p - 1] == '.' ||
	     (is_digit(b[p - 1]) &&
	      (b[p - 2] == '.' || b[p - 3] == '.' ||
	       (p >= 4 && b[p - 4] == '.')))) &&
	    on_hostport(c, p) < 0)
		return -1;
	if (c->kinds & CUST_CARVE_IPV6)
		return on_ipv6(c, p);
	return 0;
}

/* ---- the scan ----------------------------------------------------------- */

static int on_anchor(struct cust_carver *c, size_t p)
{
	const unsigned char *b = c->win;
	size_t n = c->win_len;

	switch (b[p]) {
	case '.':
		if ((c->kinds & CUST_CARVE_MAC) && p + 5 < n && b[p + 5] == '.' &&
		    mac_cisco(c, p) < 0)
			return -1;
		return (c->kinds & (CUST_CARVE_DOMAIN | CUST_CARVE_IPV4 |
		                    CUST_CARVE_ONION))
		       ? on_dot(c, p) : 0;
	case '@':
		return (c->kinds & CUST_CARVE_EMAIL) ? on_at(c, p) : 0;
	case ':':
		return on_colon(c, p);
	case '+':
		return (c->kinds & CUST_CARVE_PHONE) && p + 1 < n &&
		       is_digit(b[p + 1]) ? on_plus(c, p) : 0;
	case '-':
		return (c->kinds & CUST_CARVE_MAC) && p + 6 < n &&
		       b[p + 3] == '-' && b[p + 6] == '-' ? mac_pairs(c, p) : 0;
	}
	return 0;
}

/* The byte at P, outside the 16-byte blocks: an anchor, or a digit or a
 * letter that may belong to a card number or a Bitcoin address. */
static int on_byte(struct cust_carver *c, size_t p)
{
	unsigned char ch = c->win[p];
	uint64_t at = c->win_off + p;

	if ((ch == '.' || ch == '@' || ch == ':' || ch == '+' || ch == '-') &&
	    on_anchor(c, p) < 0)
		return -1;
	if ((c->kinds & CUST_CARVE_CCN) && is_digit(ch) && at >= c->ccn_skip &&
	    on_digits(c, p) < 0)
		return -1;
	if ((c->kinds & CUST_CARVE_BITCOIN) && (c->cls[ch] & K_ALNUM) &&
	    at >= c->btc_skip && on_alnum_run(c, p) < 0)
		return -1;
	return 0;
}

#ifdef __SSE2__
/* The block of 16 bytes at I (V) holds seven digits or more (DM marks
 * them): the runs they belong to may hold card numbers. */
static int on_digit_block(struct cust_carver *c, size_t i, unsigned dm)
{
	while (dm) {
		size_t p = i + (size_t)__builtin_ctz(dm);
		if (c->win_off + p >= c->ccn_skip && on_digits(c, p) < 0)
			return -1;
		dm &= dm - 1;
	}
	return 0;
}

/* The number of bits set in each byte value. */
static const unsigned char bits8[256] = {
#define B2(n) n, n + 1, n + 1, n + 2
#define B4(n) B2(n), B2(n + 1), B2(n + 1), B2(n + 2)
#define B6(n) B4(n), B4(n + 1), B4(n + 1), B4(n + 2)
	B6(0), B6(1), B6(1), B6(2)
#undef B2
#undef B4
#undef B6
};

/* The block of 16 bytes at I (V) holds 7 bytes in a row that may belong
 * to a card number or a Bitcoin address: look closer. */
static int on_run_block(struct cust_carver *c, size_t i, __m128i v)
{
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	unsigned dm = (unsigned)_mm_movemask_epi8(isd);

	/* 13 digits over two blocks put 7 in one, over three 12 in the
	 * middle one */
	if ((c->kinds & CUST_CARVE_CCN) && dm &&
	    bits8[dm & 0xff] + bits8[dm >> 8] >= CCN_BLOCK_DIGITS &&
	    on_digit_block(c, i, dm) < 0)
		return -1;
	if (c->kinds & CUST_CARVE_BITCOIN) {
		/* a run of 26 letters and digits puts 13 at one end of a
		 * block, or fills one */
		__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)),
		                         _mm_set1_epi8('a'));
		__m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(25)), l);
		unsigned am = (unsigned)_mm_movemask_epi8(_mm_or_si128(isd, isl));
		if ((am & 0x1fffu) == 0x1fffu && c->win_off + i >= c->btc_skip &&
		    on_alnum_run(c, i) < 0)
			return -1;
		if ((am & 0xfff8u) == 0xfff8u && c->win_off + i + 15 >= c->btc_skip &&
		    on_alnum_run(c, i + 15) < 0)
			return -1;
	}
	return 0;
}
#endif

#ifdef CARVE_AVX2
/* The block of 16 bytes at I holds 7 bytes in a row that may belong to a
 * card number or a Bitcoin address; DM marks its digits, AM its letters
 * and digits (as on_run_block computes them). */
__attribute__((target("avx2,popcnt")))
static int on_run_masks(struct cust_carver *c, size_t i, unsigned dm,
                        unsigned am)
{
	if ((c->kinds & CUST_CARVE_CCN) &&
	    __builtin_popcount(dm) >= CCN_BLOCK_DIGITS &&
	    on_digit_block(c, i, dm) < 0)
		return -1;
	if (!(c->kinds & CUST_CARVE_BITCOIN))
		return 0;
	if ((am & 0x1fffu) == 0x1fffu && c->win_off + i >= c->btc_skip &&
	    on_alnum_run(c, i) < 0)
		return -1;
	if ((am & 0xfff8u) == 0xfff8u && c->win_off + i + 15 >= c->btc_skip &&
	    on_alnum_run(c, i + 15) < 0)
		return -1;
	return 0;
}

/* What the vector pass of scan_avx2 found in the 32-byte block at AT: its
 * anchors (M), and in T the halves to look at for card numbers (bits 0
 * and 1, low and high half) and Bitcoin addresses (bits 2 and 3), with
 * the block's digits (DM) and letters and digits (AM). */
struct block_marks {
	size_t at;
	unsigned m, t, dm, am;
};

/* Blocks marked per vector pass: the pass makes no call, so its
 * constants stay in registers. */
enum { MARK_BLOCKS = 64 };

/* Whether the 32-byte block V, whose digits DM marks, may hold bytes of a
 * run on_digits takes a card number from: 7 bytes in a row of 0x20..0x7a
 * somewhere in it (what the 16-byte loop of scan asks first), and a run
 * of digits and single separators between them of 13 bytes or more, or
 * one reaching an end of the block (and so perhaps longer; separators at
 * the ends count as between digits).  Text holds dates and times
 * ("12:30:45 on 2011-03-16") with 7 digits to a half block, all in runs
 * too short to hold a number, which on_digits need not see. */
__attribute__((target("avx2,popcnt")))
static int card_run_may_touch(__m256i v, unsigned dm)
{
	unsigned r = (unsigned)_mm256_movemask_epi8(_mm256_cmpgt_epi8(
		_mm256_set1_epi8(-37), _mm256_add_epi8(v, _mm256_set1_epi8(0x60))));
	unsigned sep = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
		_mm256_cmpeq_epi8(v, _mm256_set1_epi8(' ')),
		_mm256_cmpeq_epi8(v, _mm256_set1_epi8('-'))));
	unsigned run, long_run;

	/* v + 0x60 < -37 (signed) for v in 0x20..0x7a */
	r &= r >> 1;
	r &= r >> 2;
	r &= r >> 3;
	if (r == 0)
		return 0;
	run = dm | (sep & (dm << 1 | 1u) & (dm >> 1 | 0x80000000u));
	if (run & 0x80000001u)
		return 1;
	/* bit K of long_run: bits K..K+12 of run all set */
	long_run = run & run >> 1;
	long_run &= long_run >> 2;
	long_run &= long_run >> 4;
	long_run &= long_run >> 5;
	return long_run != 0;
}

/* The halves of the 32-byte block V (digits DM, letters and digits AM)
 * to look at, as bits 0..3 of struct block_marks' T; CCN and BTC say which
 * kinds are asked for. */
__attribute__((target("avx2,popcnt")))
static unsigned block_halves(__m256i v, unsigned dm, unsigned am, int ccn,
                             int btc)
{
	unsigned t = 0, lo = am & 0xffffu, hi = am >> 16;

	if (ccn)
		t = (unsigned)(__builtin_popcount(dm & 0xffffu) >=
		               CCN_BLOCK_DIGITS) |
		    (unsigned)(__builtin_popcount(dm >> 16) >= CCN_BLOCK_DIGITS)
		    << 1;
	if ((t & 3u) && !card_run_may_touch(v, dm))
		t &= ~3u;
	if (btc)
		t |= (unsigned)((lo & 0x1fffu) == 0x1fffu ||
		                (lo >> 3) == 0x1fffu) << 2 |
		     (unsigned)((hi & 0x1fffu) == 0x1fffu ||
		                (hi >> 3) == 0x1fffu) << 3;
	return t;
}

/* Mark the blocks of 32 bytes from *AT to LIMIT (MARK_BLOCKS at most)
 * into OUT, as the 16-byte loop of scan looks at them; returns how many
 * blocks have marks and moves *AT past the blocks looked at.  A card
 * number or a Bitcoin address puts 7 bytes in a row of its run in one
 * 32-byte block as in one 16-byte block, and its 16-byte block with 7
 * digits or 13 letters and digits at an end lies in that block: each
 * half of a block that passes is looked at as scan looks at a 16-byte
 * block.  The digits and letters are classed first, as text holds runs
 * of 7 printable bytes in every block, and the halves are looked at only
 * when the whole block has 7 digits or 10 letters and digits in a row
 * where 13 at an end of a half would put them.  '+' is an anchor only
 * before a digit (PHONE) and '-' only three and six bytes before another
 * '-' (MAC; the bytes after LIMIT are there: RIGHT_CONTEXT).  Inlined
 * with the kinds as constants, so that a run without some kinds pays
 * nothing for them. */
__attribute__((target("avx2,popcnt"), always_inline))
static inline size_t mark_blocks_for(const unsigned char *b, size_t *at,
                                     size_t limit, struct block_marks *out,
                                     int ccn, int btc, int phone, int mac)
{
	const __m256i dot = _mm256_set1_epi8('.');
	const __m256i ats = _mm256_set1_epi8('@');
	const __m256i colon = _mm256_set1_epi8(':');
	const __m256i plus = _mm256_set1_epi8('+');
	const __m256i dash = _mm256_set1_epi8('-');
	const __m256i digit0 = _mm256_set1_epi8('0' - 128);
	const __m256i digit9 = _mm256_set1_epi8(-128 + 10);
	const __m256i case_bit = _mm256_set1_epi8(0x20);
	const __m256i alpha0 = _mm256_set1_epi8('a' - 128);
	const __m256i alpha26 = _mm256_set1_epi8(-128 + 26);
	size_t i = *at, n = 0, end = limit;

	if (end - i > (size_t)MARK_BLOCKS * 32)
		end = i + (size_t)MARK_BLOCKS * 32;
	for (; i + 32 <= end; i += 32) {
		const unsigned char *p = b + i;
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
		__m256i anchors = _mm256_or_si256(
			_mm256_or_si256(_mm256_cmpeq_epi8(v, dot),
			                _mm256_cmpeq_epi8(v, ats)),
			_mm256_cmpeq_epi8(v, colon));
		unsigned m, t = 0, dm = 0, am = 0;

		if (phone) {
			__m256i v1 = _mm256_loadu_si256(
				(const __m256i *)(const void *)(p + 1));
			__m256i next_digit = _mm256_cmpgt_epi8(
				digit9, _mm256_sub_epi8(v1, digit0));
			anchors = _mm256_or_si256(anchors, _mm256_and_si256(
				_mm256_cmpeq_epi8(v, plus), next_digit));
		}
		if (mac) {
			__m256i v3 = _mm256_loadu_si256(
				(const __m256i *)(const void *)(p + 3));
			__m256i v6 = _mm256_loadu_si256(
				(const __m256i *)(const void *)(p + 6));
			anchors = _mm256_or_si256(anchors, _mm256_and_si256(
				_mm256_cmpeq_epi8(v, dash),
				_mm256_and_si256(_mm256_cmpeq_epi8(v3, dash),
				                 _mm256_cmpeq_epi8(v6, dash))));
		}
		m = (unsigned)_mm256_movemask_epi8(anchors);
		if (ccn || btc) {
			__m256i isd = _mm256_cmpgt_epi8(digit9,
			                                _mm256_sub_epi8(v, digit0));
			dm = (unsigned)_mm256_movemask_epi8(isd);
			if (btc)
				am = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
					isd, _mm256_cmpgt_epi8(alpha26, _mm256_sub_epi8(
						_mm256_or_si256(v, case_bit), alpha0))));
			/* a half with 7 digits puts 7 in the block; 13
			 * letters and digits at an end of a half cover its
			 * bits 3..12 */
			if (__builtin_expect(
				    (ccn && __builtin_popcount(dm) >= CCN_BLOCK_DIGITS) ||
				    (btc && ((am & 0x1ff8u) == 0x1ff8u ||
				             (am & 0x1ff80000u) == 0x1ff80000u)), 0))
				t = block_halves(v, dm, am, ccn, btc);
		}
		if (__builtin_expect((m | t) == 0, 1))
			continue;
		out[n].at = i;
		out[n].m = m;
		out[n].t = t;
		out[n].dm = dm;
		out[n].am = am;
		n++;
	}
	*at = i;
	return n;
}

/* mark_blocks_for with the kinds of C: the kind sets custody runs (all,
 * or none of the kinds read from runs and of '+' and '-') get their own
 * loop, others the general one. */
__attribute__((target("avx2,popcnt")))
static size_t mark_blocks(const struct cust_carver *c, size_t *at,
                          size_t limit, struct block_marks *out)
{
	const unsigned k = c->kinds;
	const unsigned runs = CUST_CARVE_CCN | CUST_CARVE_BITCOIN;
	const unsigned signs = CUST_CARVE_PHONE | CUST_CARVE_MAC;

	if ((k & (runs | signs)) == (runs | signs))
		return mark_blocks_for(c->win, at, limit, out, 1, 1, 1, 1);
	if ((k & (runs | signs)) == 0)
		return mark_blocks_for(c->win, at, limit, out, 0, 0, 0, 0);
	return mark_blocks_for(c->win, at, limit, out,
	                       (k & CUST_CARVE_CCN) != 0,
	                       (k & CUST_CARVE_BITCOIN) != 0,
	                       (k & CUST_CARVE_PHONE) != 0,
	                       (k & CUST_CARVE_MAC) != 0);
}

/* The blocks of 32 bytes from *AT to LIMIT, as the 16-byte loop of scan
 * handles them, where the processor has AVX2: marked by mark_blocks, a
 * stretch at a time, then each marked block's anchors and halves in the
 * order of the stream. */
static int scan_avx2(struct cust_carver *c, size_t *at, size_t limit)
{
	struct block_marks marks[MARK_BLOCKS];
	size_t i = *at, n, k;

	while (i + 32 <= limit) {
		n = mark_blocks(c, &i, limit, marks);
		for (k = 0; k < n; k++) {
			const struct block_marks *bm = &marks[k];
			unsigned m = bm->m;

			while (m) {
				if (on_anchor(c, bm->at + (size_t)__builtin_ctz(m)) < 0)
					goto fail;
				m &= m - 1;
			}
			if ((bm->t & 5u) &&
			    on_run_masks(c, bm->at, bm->dm & 0xffffu,
			                 bm->am & 0xffffu) < 0)
				goto fail;
			if ((bm->t & 10u) &&
			    on_run_masks(c, bm->at + 16, bm->dm >> 16,
			                 bm->am >> 16) < 0)
				goto fail;
		}
	}
	*at = i;
	return 0;
fail:
	*at = i;
	return -1;
}
#endif

/* Handle the anchors of win[c->scan..); all of them at the end of the
 * stream (FINAL), else those with RIGHT_CONTEXT bytes after them.  Then
 * keep only the bytes later anchors need. */
static int scan(struct cust_carver *c, int final)
{
	const unsigned char *b = c->win;
	size_t i = c->scan, limit, keep;

	if (final)
		limit = c->win_len;
	else if (c->win_len > RIGHT_CONTEXT)
		limit = c->win_len - RIGHT_CONTEXT;
	else
		limit = 0;
#ifdef CARVE_AVX2
	if (c->avx2 && scan_avx2(c, &i, limit) < 0)
		return -1;
#endif
#ifdef __SSE2__
	{
		/* '+' and '-' only with the kinds that need them (otherwise
		 * the compares look for '.' again) */
		const __m128i dot = _mm_set1_epi8('.');
		const __m128i at = _mm_set1_epi8('@');
		const __m128i colon = _mm_set1_epi8(':');
		const __m128i plus = _mm_set1_epi8(
			(c->kinds & CUST_CARVE_PHONE) ? '+' : '.');
		const __m128i dash = _mm_set1_epi8(
			(c->kinds & CUST_CARVE_MAC) ? '-' : '.');
		const __m128i digit0 = _mm_set1_epi8('0' - 128);
		const __m128i digit9 = _mm_set1_epi8(-128 + 10);
		/* lanes whose neighbours lie in the next block */
		const __m128i last1 = _mm_set_epi8(-1, 0, 0, 0, 0, 0, 0, 0,
		                                   0, 0, 0, 0, 0, 0, 0, 0);
		const __m128i last3 = _mm_set_epi8(-1, -1, -1, 0, 0, 0, 0, 0,
		                                   0, 0, 0, 0, 0, 0, 0, 0);
		/* v + 0x60 < -37 (signed) for v in 0x20..0x7a: printable
		 * ASCII up to 'z' */
		const __m128i shift = _mm_set1_epi8(0x60);
		const __m128i top = _mm_set1_epi8(-37);
		const int runs = (c->kinds & (CUST_CARVE_CCN | CUST_CARVE_BITCOIN)) != 0;
		for (; i + 16 <= limit; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + i));
			__m128i ps = _mm_cmpeq_epi8(v, plus);
			__m128i ds = _mm_cmpeq_epi8(v, dash);
			/* '+' only before a digit, '-' only with another '-'
			 * three bytes on (at the block's end, whatever follows):
			 * the others start no phone number and no MAC */
			__m128i pd = _mm_cmplt_epi8(_mm_sub_epi8(v, digit0), digit9);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot),
				                          _mm_cmpeq_epi8(v, at)),
				             _mm_cmpeq_epi8(v, colon)),
				_mm_or_si128(
					_mm_and_si128(ps, _mm_or_si128(
						_mm_srli_si128(pd, 1), last1)),
					_mm_and_si128(ds, _mm_or_si128(
						_mm_srli_si128(ds, 3), last3)))));
			unsigned r = 0;

			/* card numbers and Bitcoin addresses lie in runs of 13
			 * bytes or more of digits, letters, ' ' and '-', so a
			 * block they touch holds 7 such bytes in a row */
			if (runs) {
				r = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(
					_mm_add_epi8(v, shift), top));
				r &= r >> 1;
				r &= r >> 2;
				r &= r >> 3;
			}
			if (__builtin_expect((m | r) == 0, 1))
				continue;
			while (m) {
				if (on_anchor(c, i + (size_t)__builtin_ctz(m)) < 0)
					return -1;
				m &= m - 1;
			}
			if (r && on_run_block(c, i, v) < 0)
				return -1;
		}
	}
#endif
	for (; i < limit; i++)
		if (on_byte(c, i) < 0)
			return -1;
	if (i > c->scan)
		c->scan = i;
	if (final)
		return 0;
	keep = c->scan > LEFT_CONTEXT ? c->scan - LEFT_CONTEXT : 0;
	if (keep > 0) {
		memmove(c->win, c->win + keep, c->win_len - keep);
		c->win_len -= keep;
		c->win_off += keep;
		c->scan -= keep;
	}
	return 0;
}

/* ---- API ---------------------------------------------------------------- */

static int check(const struct cust_carver *c, struct cust_error *err)
{
	if (!c || c->magic != CARVER_MAGIC)
		return cust_error_set(err, CUST_E_USAGE, "not a carver");
	if (c->failed)
		return cust_error_set(err, CUST_E_USAGE,
		                      "carver stopped by an earlier failure; reset it");
	return 0;
}

struct cust_carver *cust_carver_new(unsigned kinds, struct cust_error *err)
{
	struct cust_carver *c;

	if (kinds == 0 || (kinds & ~CUST_CARVE_ALL) != 0) {
		cust_error_set(err, CUST_E_USAGE, "bad set of carving kinds 0x%x",
		               kinds);
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		cust_error_set(err, CUST_E_IO, "out of memory for a carver");
		return NULL;
	}
	c->psl = psl_builtin();
	if (!c->psl) {
		free(c);
		cust_error_set(err, CUST_E_IO,
		               "libpsl has no built-in public suffix list");
		return NULL;
	}
	c->win_cap = LEFT_CONTEXT + RIGHT_CONTEXT + CHUNK;
	c->win = malloc(c->win_cap);
	if (!c->win) {
		free(c);
		cust_error_set(err, CUST_E_IO, "out of memory for a carver");
		return NULL;
	}
	init_classes(c->cls);
#ifdef CARVE_AVX2
	c->avx2 = __builtin_cpu_supports("avx2") &&
	          __builtin_cpu_supports("popcnt");
#endif
	c->kinds = kinds;
	c->magic = CARVER_MAGIC;
	return c;
}

void cust_carver_free(struct cust_carver *c)
{
	if (!c || c->magic != CARVER_MAGIC)
		return;
	c->magic = 0;
	free(c->win);
	free(c);
}

void cust_carver_reset(struct cust_carver *c)
{
	if (!c || c->magic != CARVER_MAGIC)
		return;
	c->failed = 0;
	c->win_len = 0;
	c->scan = 0;
	c->win_off = 0;
	c->dot_skip = 0;
	c->colon_skip = 0;
	c->ccn_skip = 0;
	c->btc_skip = 0;
}

uint64_t cust_carver_offset(const struct cust_carver *c)
{
	return c && c->magic == CARVER_MAGIC ? c->win_off + c->win_len : 0;
}

int cust_carver_feed(struct cust_carver *c, const void *data, size_t len,
                     cust_carve_hit_fn fn, void *ctx, struct cust_error *err)
{
	const unsigned char *p = data;

	if (check(c, err) < 0)
		return -1;
	if (!fn || (!data && len > 0))
		return cust_error_set(err, CUST_E_USAGE,
		                      "carving needs data and a hit handler");
	c->fn = fn;
	c->ctx = ctx;
	c->err = err;
	while (len > 0) {
		size_t n = c->win_cap - c->win_len;
		if (n > len)
			n = len;
		memcpy(c->win + c->win_len, p, n);
		c->win_len += n;
		p += n;
		len -= n;
		if (c->win_len == c->win_cap && scan(c, 0) < 0)
			return -1;
	}
	return 0;
}

int cust_carver_end(struct cust_carver *c, cust_carve_hit_fn fn, void *ctx,
                    struct cust_error *err)
{
	if (check(c, err) < 0)
		return -1;
	if (!fn)
		return cust_error_set(err, CUST_E_USAGE,
		                      "carving needs a hit handler");
	c->fn = fn;
	c->ctx = ctx;
	c->err = err;
	if (scan(c, 1) < 0)
		return -1;
	cust_carver_reset(c);
	return 0;
}

const char *cust_carve_kind_name(enum cust_carve_kind kind)
{
	switch (kind) {
	case CUST_CARVE_EMAIL:
		return "email";
	case CUST_CARVE_DOMAIN:
		return "domain";
	case CUST_CARVE_URL:
		return "url";
	case CUST_CARVE_IPV4:
		return "ipv4";
	case CUST_CARVE_IPV6:
		return "ipv6";
	case CUST_CARVE_CCN:
		return "ccn";
	case CUST_CARVE_BITCOIN:
		return "bitcoin";
	case CUST_CARVE_ONION:
		return "onion";
	case CUST_CARVE_PHONE:
		return "phone";
	case CUST_CARVE_MAC:
		return "mac";
	case CUST_CARVE_HOSTPORT:
		return "hostport";
	}
	return NULL;
}

/* ---- address classes ---------------------------------------------------- */

static const char *ipv4_class(const unsigned char *a)
{
	uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
	             (uint32_t)a[2] << 8 | a[3];
	static const struct {
		uint32_t net, mask;
		const char *name;
	} nets[] = {
		{ 0x00000000u, 0xff000000u, "reserved" },      /* 0/8 */
		{ 0x0a000000u, 0xff000000u, "private" },       /* 10/8 */
		{ 0x64400000u, 0xffc00000u, "private" },       /* 100.64/10 */
		{ 0x7f000000u, 0xff000000u, "loopback" },      /* 127/8 */
		{ 0xa9fe0000u, 0xffff0000u, "link-local" },    /* 169.254/16 */
		{ 0xac100000u, 0xfff00000u, "private" },       /* 172.16/12 */
		{ 0xc0000000u, 0xffffff00u, "reserved" },      /* 192.0.0/24 */
		{ 0xc0000200u, 0xffffff00u, "documentation" }, /* 192.0.2/24 */
		{ 0xc0a80000u, 0xffff0000u, "private" },       /* 192.168/16 */
		{ 0xc6120000u, 0xfffe0000u, "reserved" },      /* 198.18/15 */
		{ 0xc6336400u, 0xffffff00u, "documentation" }, /* 198.51.100/24 */
		{ 0xcb007100u, 0xffffff00u, "documentation" }, /* 203.0.113/24 */
		{ 0xe0000000u, 0xf0000000u, "multicast" },     /* 224/4 */
		{ 0xf0000000u, 0xf0000000u, "reserved" },      /* 240/4 */
	};
	size_t i;

	for (i = 0; i < sizeof nets / sizeof nets[0]; i++)
		if ((v & nets[i].mask) == nets[i].net)
			return nets[i].name;
	return "public";
}

const char *cust_carve_ip_class(enum cust_carve_kind kind, const char *value)
{
	unsigned char a[16];
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	                                          0, 0, 0xff, 0xff };
	static const unsigned char zero[16];

	if (!value)
		return NULL;
	if (kind == CUST_CARVE_IPV4) {
		if (!ipv4_ok((const unsigned char *)value, strlen(value)) ||
		    inet_pton(AF_INET, value, a) != 1)
			return NULL;
		return ipv4_class(a);
	}
	if (kind != CUST_CARVE_IPV6 || inet_pton(AF_INET6, value, a) != 1)
		return NULL;
	if (memcmp(a, mapped, 12) == 0)
		return ipv4_class(a + 12);
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return "loopback";
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return "link-local";
	if ((a[0] & 0xfe) == 0xfc)
		return "private";
	if (a[0] == 0xff)
		return "multicast";
	if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
		return "documentation";
	if ((a[0] & 0xe0) == 0x20)
		return "public";
	return "reserved";
}
